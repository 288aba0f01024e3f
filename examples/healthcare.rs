//! Generate the healthcare deployment from the model declared in Rust
//! (the `healthcare-model` crate) instead of `schemas/healthcare.toml`; the
//! files are byte-identical to what `dimgen generate` writes for the TOML file.
//!
//! ```text
//! cargo run --release --example healthcare -- --env PROD --out out/prod
//! ```
//!
//! Exit codes as the CLI: 0 on success, 1 when the model is invalid or the
//! files cannot be generated or written, 2 on usage errors.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Write the healthcare model's deployment for one environment into DIR.
#[derive(Parser)]
#[command(name = "healthcare", about, long_about = None)]
struct Args {
    /// Environment to generate for: DEV, STAGE or PROD.
    #[arg(long)]
    env: String,
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

fn main() -> ExitCode {
    // clap exits with 2 on usage errors and 0 for --help.
    let args = Args::parse();
    let model = match healthcare_model::model() {
        Ok(model) => model,
        Err(diagnostics) => {
            // Every problem, naming the Rust type and field it is about.
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            eprint!("{}", diagnostics.render_for_terminal(color, 100));
            return ExitCode::FAILURE;
        }
    };
    let deployment = match dimgen::generate(&model, &args.env) {
        Ok(deployment) => deployment,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match deployment.write_to(&args.out) {
        Ok(written) => {
            for path in written {
                println!("wrote {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

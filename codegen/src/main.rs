//! The `dimgen` command line.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Generate a Snowflake deployment from a dimensional model.
#[derive(Parser)]
#[command(name = "dimgen", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate MODEL and write the deployment for one environment into DIR.
    ///
    /// Writes `01_database.sql`, `02_tables.sql`, ... and deploy.sql (all steps in
    /// order). On any error nothing is written and the exit code is 1.
    Generate {
        /// The model file (TOML).
        model: PathBuf,
        /// Environment to generate for (one of the model's `[environments]`).
        #[arg(long)]
        env: String,
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Validate MODEL and report every problem; exit 0 when clean, 1 otherwise.
    Check {
        /// The model file (TOML).
        model: PathBuf,
    },
}

fn main() -> ExitCode {
    // clap exits with 2 on usage errors and 0 for --help / --version.
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprint!("{message}");
            if !message.ends_with('\n') {
                eprintln!();
            }
            ExitCode::from(1)
        }
    }
}

fn load(path: &Path) -> Result<model_core::Loaded, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("error: cannot read {}: {e}", path.display()))?;
    model_core::load_str(&path.display().to_string(), &text).map_err(|e| {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        e.diagnostics.render_for_terminal(color, 100)
    })
}

fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Check { model } => {
            let loaded = load(&model)?;
            let m = &loaded.model;
            println!(
                "{}: ok ({} dimensions, {} facts, {} bridges, {} marts, {} roles, {} loads; environments: {})",
                model.display(),
                m.dimensions.len(),
                m.facts.len(),
                m.bridges.len(),
                m.marts.len(),
                m.roles.len(),
                m.loads.len(),
                m.environments
                    .iter()
                    .map(|e| e.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Ok(())
        }
        Command::Generate { model, env, out } => {
            let loaded = load(&model)?;
            let deployment = dimgen::generate(&loaded.model, &env).map_err(|e| format!("error: {e}"))?;
            // The model is not needed to print the statements: its memory
            // goes back before the files are rendered (the peak).
            drop(loaded);
            let written = deployment.write_to(&out).map_err(|e| format!("error: {e}"))?;
            // The process ends here: the operating system takes the
            // statements back faster than freeing them one by one would.
            std::mem::forget(deployment);
            for path in written {
                println!("wrote {}", path.display());
            }
            Ok(())
        }
    }
}

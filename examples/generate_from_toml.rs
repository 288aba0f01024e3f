//! Generate a deployment from a TOML model with the library, as a build
//! script or an internal tool would (the CLI does the same).
//!
//! ```text
//! cargo run --example generate_from_toml -- schemas/retail.toml PROD out/retail
//! ```

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, env, out] = args.as_slice() else {
        eprintln!("usage: generate_from_toml MODEL.toml ENV OUT_DIR");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(model) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("cannot read {model}: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Every problem of the model, rendered with file, line and column.
    let loaded = match model_core::load_str(model, &text) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprint!("{}", e.diagnostics.render(100));
            return ExitCode::FAILURE;
        }
    };
    let deployment = match dimgen::generate(&loaded.model, env) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    for file in &deployment.files {
        println!("{}: {} statements", file.name, file.statements.len());
    }
    match deployment.write_to(Path::new(out)) {
        Ok(paths) => {
            println!("wrote {} files into {out}", paths.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

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
    /// Validate MODEL and write its documentation for one environment into DIR.
    ///
    /// Writes `model.md` (Mermaid ER diagrams and the data dictionary),
    /// `index.html` (one self-contained page: the diagram, a searchable table
    /// list, a page per table and mart) and `dbt/sources.yml` (dbt sources
    /// with tests derived from the keys). On any error nothing is written and
    /// the exit code is 1.
    Docs {
        /// The model file (TOML).
        model: PathBuf,
        /// Environment whose names (database, schema, roles) the docs show.
        #[arg(long)]
        env: String,
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    // `--help` shows these lines as they are: no Markdown backticks.
    #[allow(clippy::doc_markdown)]
    /// Validate MODEL and write the AWS side of its ingestion into DIR: per AWS
    /// account, a CloudFormation template (the storage integrations' IAM roles,
    /// the stage buckets, each auto-ingest pipe's event notification) and each
    /// role's permissions policy.
    ///
    /// On any error (an invalid model, overlapping notifications on one
    /// bucket) nothing is written and the exit code is 1.
    Aws {
        /// The model file (TOML).
        model: PathBuf,
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the model's CI/CD workflow into DIR (e.g. `.github/workflows`).
    ///
    /// On pull requests: check, the snapshot test of `generated/<ENV>/`, and
    /// the plan into the target branch's environment (`--check` against
    /// `migrations/<ENV>/`) as the job summary. On pushes to an environment's
    /// branch (its name in lower case): that environment's deployment (AWS
    /// through OIDC, then the migration and the step files with `snow sql -f`,
    /// each as its role). See docs/deploy.md.
    Ci {
        /// The CI system (only `github`).
        #[arg(value_enum)]
        system: CiSystem,
        /// The model file (TOML), as the repository names it.
        model: PathBuf,
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// The dimgen release the workflow installs (a tag of dimgen's repository).
        #[arg(long, default_value = concat!("v", env!("CARGO_PKG_VERSION")))]
        dimgen_tag: String,
        /// The role that runs every step file but the roles' (SECURITYADMIN)
        /// and the storage integrations' (ACCOUNTADMIN).
        #[arg(long, default_value = "SYSADMIN")]
        deploy_role: String,
        /// Leave the AWS deployment (`dimgen aws`'s templates, through OIDC) out.
        #[arg(long)]
        no_aws: bool,
    },
    /// Validate MODEL and report every problem; exit 0 when clean, 1 otherwise.
    Check {
        /// The model file (TOML).
        model: PathBuf,
    },
    /// Print the SELECTs over the schema's `INFORMATION_SCHEMA` (its tables'
    /// columns, then its pipes) whose result is a catalog baseline for
    /// `dimgen plan --from`.
    ///
    /// Run it with the Snowflake CLI:
    /// `snow sql --format json -q "$(dimgen catalog-query MODEL --env ENV)" > catalog.json`.
    CatalogQuery {
        /// The model file (TOML).
        model: PathBuf,
        /// Environment whose schema to read.
        #[arg(long)]
        env: String,
        /// Leave out the second SELECT, over `INFORMATION_SCHEMA.PIPES`
        /// (for an engine without that view, such as the fakesnow
        /// emulator); the plan then does not compare pipes.
        #[arg(long)]
        no_pipes: bool,
    },
    /// Plan the migration of a deployed schema from BASELINE (the model as
    /// last deployed, or a catalog snapshot of the live schema) to MODEL, and
    /// with --out write it as one file.
    ///
    /// Prints every change with its class (safe, careful, destructive) and a
    /// summary. Exit 0 when the file is written or there is nothing to do;
    /// 1 on an error, on a change dimgen cannot migrate yet, or on a
    /// destructive change without --allow-destructive (then no file is
    /// written). After the migration, MODEL's deploy.sql runs on the schema.
    Plan {
        /// The model now (TOML).
        model: PathBuf,
        /// Environment to migrate.
        #[arg(long)]
        env: String,
        /// The model as last deployed (TOML), e.g. from `git show v1.4:schemas/m.toml`;
        /// or a catalog snapshot (`.json`, the output of `dimgen catalog-query`
        /// run with `snow sql --format json`), to see drift made by hand.
        #[arg(long = "from")]
        baseline: PathBuf,
        /// Folder of migration files: writes `V<version>__<description>.sql` there.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Allow changes that lose data (dropped tables and columns).
        #[arg(long)]
        allow_destructive: bool,
        /// The migration's version (default: one more than the highest `V<n>__` file in --out).
        #[arg(long)]
        version: Option<u64>,
        /// The migration's description, in its file name.
        #[arg(long, default_value = "migration")]
        description: String,
        /// Write nothing; exit 1 unless a migration file in --out already
        /// holds every statement of this plan (the CI gate: a model change
        /// must come with its migration).
        #[arg(long, requires = "out")]
        check: bool,
    },
}

/// The CI systems `dimgen ci` writes for.
#[derive(Clone, Copy, clap::ValueEnum)]
enum CiSystem {
    /// GitHub Actions.
    Github,
}

/// Loading and generating are allocation-bound: see the `mimalloc` feature
/// in Cargo.toml for the figures.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    model_core::load_string(&path.display().to_string(), text).map_err(|e| {
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
        Command::Plan {
            model,
            env,
            baseline,
            out,
            allow_destructive,
            version,
            description,
            check,
        } => {
            let options = PlanOptions {
                allow_destructive,
                version,
                description,
                check,
            };
            plan(&model, &env, &baseline, out.as_deref(), &options)
        }
        Command::CatalogQuery { model, env, no_pipes } => {
            let loaded = load(&model)?;
            let mut query = dimgen::migrate::catalog_query(&loaded.model, &env).map_err(|e| format!("error: {e}"))?;
            query.pipes = !no_pipes;
            println!("{query}");
            Ok(())
        }
        Command::Aws { model, out } => {
            let loaded = load(&model)?;
            let files = dimgen::platform::aws::generate(&loaded.model).map_err(|e| format!("error: {e}"))?;
            if files.is_empty() {
                return Err(format!(
                    "error: {} has no S3 storage integration: there is no AWS side to write",
                    model.display()
                ));
            }
            write_out(&out, &files)
        }
        Command::Ci {
            system: CiSystem::Github,
            model,
            out,
            dimgen_tag,
            deploy_role,
            no_aws,
        } => {
            let loaded = load(&model)?;
            let options = dimgen::platform::github::Options {
                model_path: model.display().to_string(),
                dimgen_tag,
                deploy_role,
                aws: !no_aws && !loaded.model.storage_integrations.is_empty(),
            };
            let file = dimgen::TextFile {
                name: dimgen::platform::github::file_name(&loaded.model),
                text: dimgen::platform::github::workflow(&loaded.model, &options),
            };
            write_out(&out, &[file])
        }
        Command::Docs { model, env, out } => {
            let loaded = load(&model)?;
            let docs = dimgen::docs::generate(&loaded.model, &env).map_err(|e| format!("error: {e}"))?;
            write_out(&out, &docs.files)
        }
        Command::Generate { model, env, out } => {
            let model_core::Loaded { model, source } = load(&model)?;
            // The source map (the text and a span per key of it) serves the
            // diagnostics of loading only: its memory goes back before the
            // statements are built.
            drop(source);
            // Each statement is printed as it is built and then dropped.
            let written = dimgen::generate_into(&model, &env, &out).map_err(|e| format!("error: {e}"))?;
            // The process ends here: the operating system takes the model
            // back faster than freeing it piece by piece would.
            std::mem::forget(model);
            for path in written {
                println!("wrote {}", path.display());
            }
            Ok(())
        }
    }
}

/// Write `files` into `out`, all or nothing, and say what was written.
fn write_out(out: &Path, files: &[dimgen::TextFile]) -> Result<(), String> {
    let written = dimgen::write_text_files(out, files).map_err(|e| format!("error: {e}"))?;
    for path in written {
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// How `dimgen plan` runs.
struct PlanOptions {
    allow_destructive: bool,
    version: Option<u64>,
    description: String,
    check: bool,
}

/// `dimgen plan`.
fn plan(model: &Path, env: &str, baseline: &Path, out: Option<&Path>, options: &PlanOptions) -> Result<(), String> {
    let PlanOptions {
        allow_destructive,
        version,
        ref description,
        check,
    } = *options;
    let after = load(model)?;
    let plan = if baseline.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        let text =
            std::fs::read_to_string(baseline).map_err(|e| format!("error: cannot read {}: {e}", baseline.display()))?;
        let catalog = dimgen::migrate::parse_catalog(&text).map_err(|e| {
            format!(
                "error: {} is not a catalog snapshot ({e}); make one with `snow sql --format json -q \"$(dimgen catalog-query {} --env {env})\" > {}`",
                baseline.display(),
                model.display(),
                baseline.display()
            )
        })?;
        dimgen::migrate::Plan::from_catalog(&catalog, &after.model, env)
    } else {
        let before = load(baseline)?;
        dimgen::migrate::Plan::new(&before.model, &after.model, env)
    }
    .map_err(|e| format!("error: {e}"))?;
    println!(
        "dimgen plan: {} -> {}, environment {env}",
        baseline.display(),
        model.display()
    );
    if plan.is_empty() {
        for note in &plan.notes {
            println!("  note: {note}");
        }
        println!(
            "nothing to do: the schema of {} is what {} deploys",
            baseline.display(),
            model.display()
        );
        return Ok(());
    }
    print!("{}", plan.render());
    let header = [
        format!("dimgen migration: model `{}`, environment `{env}`.", after.model.name),
        format!(
            "From {} to {}: {}.",
            baseline.display(),
            model.display(),
            plan.summary()
        ),
        "Run it once, before the new deploy.sql; every change is under a comment naming its class.".to_owned(),
    ];
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let text = plan
        .migration(&header, allow_destructive)
        .map_err(|e| format!("refused: {e}; no file written"))?;
    let Some(dir) = out else {
        println!("(no --out: nothing written)");
        return Ok(());
    };
    if check {
        return check_covered(&plan, dir);
    }
    let version = match version {
        Some(v) => v,
        None => next_version(dir)?,
    };
    let name: String = description
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = dir.join(format!("V{version}__{name}.sql"));
    if path.exists() {
        return Err(format!("error: {} exists; choose another --version", path.display()));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("error: cannot create {}: {e}", dir.display()))?;
    // Written beside its place, then renamed: never a half-written migration.
    let partial = dir.join(format!(".V{version}__{name}.sql.partial"));
    std::fs::write(&partial, text).map_err(|e| format!("error: cannot write {}: {e}", partial.display()))?;
    std::fs::rename(&partial, &path).map_err(|e| format!("error: cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// One more than the highest `V<n>__*.sql` in `dir` (1 in an empty or missing folder).
fn next_version(dir: &Path) -> Result<u64, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(1);
    };
    let mut highest = 0;
    for entry in entries {
        let entry = entry.map_err(|e| format!("error: cannot list {}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if let Some(n) = name
            .strip_prefix('V')
            .and_then(|rest| rest.split_once("__"))
            .and_then(|(n, _)| n.parse::<u64>().ok())
        {
            highest = highest.max(n);
        }
    }
    Ok(highest + 1)
}

/// `--check`: some `V*.sql` in `dir` holds every statement of the plan.
fn check_covered(plan: &dimgen::migrate::Plan, dir: &Path) -> Result<(), String> {
    let statements: Vec<String> = plan.statements().map(|s| format!("{s};")).collect();
    if statements.is_empty() {
        println!("covered: the changes need no migration statement (deploy.sql makes them)");
        return Ok(());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for file in files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if !(name.starts_with('V') && file.extension().is_some_and(|e| e.eq_ignore_ascii_case("sql"))) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        if statements.iter().all(|s| text.contains(s.as_str())) {
            println!("covered by {}", file.display());
            return Ok(());
        }
    }
    Err(format!(
        "the model changed and no migration in {} covers it: run `dimgen plan` with --out {} (without --check), review the file and commit it",
        dir.display(),
        dir.display()
    ))
}

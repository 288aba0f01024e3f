//! The scaling benchmark (issue 10): a synthetic star of N dimensions
//! (12 columns each), N/10 facts (5 to 8 references, 4 measures), N/10
//! aggregate marts and one reader role, for N = 200, 2,000 and 20,000.
//! Optionally (`--loads`) a Parquet load per table as well.
//!
//! ```text
//! cargo bench -p dimgen --bench star            # every N, one process each
//! cargo bench -p dimgen --bench star -- 2000    # one N
//! cargo bench -p dimgen --bench star -- 2000 --print-model > star.toml
//! ```
//!
//! Per N it prints the time to load (TOML parse + validation), to generate
//! and write (`generate_into`, as the CLI does), the peak memory (`VmHWM`) of
//! the process up to there (which does what `dimgen generate` does, in the
//! same order), then the time of validation alone and of generation in
//! memory alone, the bytes of TOML and of SQL, and the end-to-end time of
//! the `dimgen generate` process on the same file (best of three). Targets: N =
//! 2,000 end to end <= 80 ms; N = 20,000 <= 0.8 s and <= 250 MB; time per
//! table at 20,000 within 1.5x of that at 2,000. The figures are printed,
//! never asserted: timing belongs in benchmarks, not in tests.

#![allow(clippy::cast_precision_loss)] // figures for people: MB and ms to one decimal

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The allocator the `dimgen` binary uses, so the phases measured in this
/// process add up to what the binary does.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The model's TOML for `n` dimensions.
fn star(n: usize, loads: bool) -> String {
    let facts = (n / 10).max(1);
    let mut t = String::with_capacity(n * 700);
    t.push_str("name = \"star\"\ndatabase = \"STAR\"\n[environments.DEV]\nschema = \"DEV\"\n");
    t.push_str("vars = { aws_role_arn = \"arn:aws:iam::123456789012:role/star\" }\n");
    for d in 0..n {
        let _ = write!(
            t,
            "[[dimension]]\nname = \"DIM_{d}\"\nnatural_key = \"DIM_{d}_ID\"\nscd = {}\ncolumns = [\n  {{ name = \"DIM_{d}_ID\", type = \"int\" }},\n",
            if d % 3 == 0 { 2 } else { 1 }
        );
        for c in 0..11 {
            let ty = ["string", "int", "date", "boolean"][c % 4];
            let _ = writeln!(t, "  {{ name = \"ATTR_{c}\", type = \"{ty}\" }},");
        }
        t.push_str("]\n");
    }
    for f in 0..facts {
        let refs = 5 + f % 4;
        let _ = write!(
            t,
            "[[fact]]\nname = \"FACT_{f}\"\ngrain_columns = [\"DOC_{f}\"]\ncolumns = [\n  {{ name = \"DOC_{f}\", type = \"string\", degenerate = true }},\n"
        );
        for r in 0..refs {
            let d = (f * 7 + r * 13) % n;
            let _ = writeln!(t, "  {{ name = \"R{r}_KEY\", references = \"DIM_{d}\" }},");
        }
        for m in 0..4 {
            let additivity = ["additive", "additive", "non_additive", "additive"][m];
            let _ = writeln!(
                t,
                "  {{ name = \"M_{m}\", type = \"number(12,2)\", measure = \"{additivity}\" }},"
            );
        }
        t.push_str("]\n");
        let _ = write!(
            t,
            "[[mart]]\nname = \"MART_{f}\"\nfact = \"FACT_{f}\"\nattributes = [\"R0.ATTR_0\", \"R1.ATTR_1\"]\nsum = [\"M_0\", \"M_1\", \"M_3\"]\navg = [\"M_2\"]\ncount = \"N\"\n"
        );
    }
    t.push_str("[[role]]\nname = \"STAR_${env}_READER\"\ngrants = [{ access = \"read\", scope = \"marts\" }]\n");
    if loads {
        t.push_str("[[file_format]]\nname = \"PARQUET_FORMAT\"\ntype = \"parquet\"\n");
        t.push_str("[[storage_integration]]\nname = \"S3_INTEGRATION\"\naws_role_arn = \"${aws_role_arn}\"\n");
        t.push_str("[[stage]]\nname = \"STAR_STAGE\"\nurl = \"s3://star/\"\nstorage_integration = \"S3_INTEGRATION\"\nfile_format = \"PARQUET_FORMAT\"\n");
        for d in 0..n {
            let _ = write!(
                t,
                "[[load]]\ntable = \"DIM_{d}\"\nstage = \"STAR_STAGE\"\nwarehouse = \"LOAD_WH\"\n"
            );
        }
        for f in 0..facts {
            let _ = write!(
                t,
                "[[load]]\ntable = \"FACT_{f}\"\nstage = \"STAR_STAGE\"\nwarehouse = \"LOAD_WH\"\n"
            );
        }
    }
    t
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// One N in this process: prints one line of figures.
fn measure(n: usize, loads: bool) {
    let text = star(n, loads);
    let toml_bytes = text.len();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("star.toml");
    std::fs::write(&path, &text).expect("write the model");
    // First what `dimgen generate` does, in the same order, so the peak
    // memory is that of the CLI (bar the few megabytes of its binary).
    let t0 = Instant::now();
    let loaded = model_core::load_string("star.toml", text).unwrap_or_else(|e| panic!("{}", e.diagnostics.render(100)));
    let load = t0.elapsed();
    let model_core::Loaded { model, source } = loaded;
    drop(source);
    let t1 = Instant::now();
    let out = dir.path().join("out");
    let written = dimgen::generate_into(&model, "DEV", &out).expect("generate and write");
    let generate_and_write = t1.elapsed();
    let peak = peak_kb();
    let bytes: u64 = written
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    // Then the parts on their own: validation, and generation in memory.
    let t2 = Instant::now();
    let problems = model_core::validate(&model);
    let validate = t2.elapsed();
    assert!(problems.is_empty());
    let t3 = Instant::now();
    let deployment = dimgen::generate(&model, "DEV").expect("generate");
    let generate = t3.elapsed();
    drop(deployment);
    let process = end_to_end(&path, &dir.path().join("cli"));
    let tables = n + (n / 10).max(1);
    println!(
        "N={n:>6} tables={tables:>6}{} | toml {:>6.1} MB | load {:>8.1} ms (validate {:>7.1}) | generate+write {:>8.1} ms (generate {:>7.1}) | peak {:>6.1} MB | sql {:>6.1} MB | dimgen generate {:>8.1} ms = {:>6.1} µs/table",
        if loads { " +loads" } else { "" },
        toml_bytes as f64 / 1e6,
        ms(load),
        ms(validate),
        ms(generate_and_write),
        ms(generate),
        peak as f64 / 1024.0,
        bytes as f64 / 1e6,
        process.map_or(f64::NAN, ms),
        process.map_or(f64::NAN, |d| ms(d) * 1e3 / tables as f64),
    );
}

/// Best of three runs of the `dimgen generate` process.
fn end_to_end(model: &Path, out: &Path) -> Option<Duration> {
    let bin = env!("CARGO_BIN_EXE_dimgen");
    (0..3)
        .filter_map(|_| {
            let _ = std::fs::remove_dir_all(out);
            let t = Instant::now();
            let status = Command::new(bin)
                .args([
                    "generate",
                    &model.display().to_string(),
                    "--env",
                    "DEV",
                    "--out",
                    &out.display().to_string(),
                ])
                .stdout(std::process::Stdio::null())
                .status()
                .ok()?;
            status.success().then(|| t.elapsed())
        })
        .min()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let loads = args.iter().any(|a| a == "--loads");
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    if let [n] = sizes.as_slice() {
        if args.iter().any(|a| a == "--print-model") {
            print!("{}", star(*n, loads));
            return;
        }
        measure(*n, loads);
        return;
    }
    // One child process per N, so each peak memory is its own.
    let me = std::env::current_exe().expect("the bench binary");
    for n in [200, 2_000, 20_000] {
        for loads in [false, true] {
            let mut command = Command::new(&me);
            command.arg(n.to_string());
            if loads {
                command.arg("--loads");
            }
            let status = command.status().expect("run the bench binary");
            assert!(status.success(), "N = {n} failed");
        }
    }
}

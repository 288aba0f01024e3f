//! `dimgen ci github`: the workflow passes actionlint (1.7.7) and zizmor
//! (every audit, pedantic persona) with no finding, and does what
//! docs/deploy.md says, read from the YAML: checks and plans on pull
//! requests, one deployment job per environment on its branch with its own
//! concurrency group, the step files in order each as its role, the
//! administrator's file only when asked, no secret or GitHub value spliced
//! into a script, every action pinned to a commit.

use std::process::Command;

use dimgen_tests::{load_model, workspace_root};

fn workflow(stem: &str) -> (model_core::Validated, String) {
    let model = load_model(&workspace_root().join(format!("schemas/{stem}.toml")));
    let options = dimgen::platform::github::Options {
        model_path: format!("schemas/{stem}.toml"),
        dimgen_tag: "v0.1.0".into(),
        deploy_role: "SYSADMIN".into(),
        aws: !model.storage_integrations.is_empty(),
    };
    let text = dimgen::platform::github::workflow(&model, &options);
    (model, text)
}

#[test]
fn actionlint_and_zizmor_find_nothing() {
    let Some(actionlint) = dimgen_tests::tools::actionlint() else {
        return;
    };
    let Some(python) = dimgen_tests::tools::platform_python() else {
        return;
    };
    let zizmor = python.parent().unwrap().join("zizmor");
    for stem in ["healthcare", "retail", "ssb"] {
        let (model, text) = workflow(stem);
        let dir = tempfile::tempdir().unwrap();
        let workflows = dir.path().join(".github/workflows");
        std::fs::create_dir_all(&workflows).unwrap();
        let name = dimgen::platform::github::file_name(&model);
        std::fs::write(workflows.join(&name), &text).unwrap();
        let out = Command::new(&actionlint)
            .arg(&name)
            .current_dir(&workflows)
            .output()
            .expect("run actionlint");
        assert!(
            out.status.success(),
            "actionlint on {stem}'s workflow:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let out = Command::new(&zizmor)
            .args([
                "--offline",
                "--persona",
                "pedantic",
                "--no-progress",
                "--format",
                "plain",
            ])
            .arg(workflows.join(&name))
            .output()
            .expect("run zizmor");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("No findings to report"),
            "zizmor on {stem}'s workflow:\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Both do find things: a script with a GitHub value spliced in, an unpinned action.
    let dir = tempfile::tempdir().unwrap();
    let bad = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    permissions: {}\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo ${{ github.event.head_commit.message }}\n";
    std::fs::write(dir.path().join("bad.yml"), bad).unwrap();
    let out = Command::new(&actionlint)
        .arg("bad.yml")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let out = Command::new(&zizmor)
        .args(["--offline", "--no-progress"])
        .arg(dir.path().join("bad.yml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("template-injection") && stdout.contains("unpinned-uses"),
        "{stdout}"
    );
}

/// The jobs of a workflow: (id, text), in order.
fn jobs(text: &str) -> Vec<(String, String)> {
    let body = text.split("\njobs:\n").nth(1).unwrap();
    let mut out: Vec<(String, String)> = Vec::new();
    for line in body.lines() {
        if let Some(id) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
            && !id.starts_with(' ')
        {
            out.push((id.to_owned(), String::new()));
        } else if let Some((_, job)) = out.last_mut() {
            job.push_str(line);
            job.push('\n');
        }
    }
    out
}

#[test]
fn the_workflow_checks_plans_and_deploys_each_environment_in_order() {
    let (model, text) = workflow("healthcare");
    let jobs = jobs(&text);
    let ids: Vec<&str> = jobs.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["check", "deploy-dev", "deploy-prod", "deploy-stage"]);
    let check = &jobs[0].1;
    assert!(check.contains("if: github.event_name == 'pull_request'"));
    assert!(check.contains("dimgen check \"$DIMGEN_MODEL\""));
    for env in &model.environments {
        assert!(check.contains(&format!("--env {} --out generated/{}", env.name, env.name)));
    }
    assert!(check.contains("git diff --exit-code -- generated/"));
    assert!(check.contains("--from \"$RUNNER_TEMP/deployed.toml\" --out \"migrations/$ENV\" --check"));
    assert!(check.contains(">> \"$GITHUB_STEP_SUMMARY\""));
    for (id, job) in &jobs[1..] {
        let env = id.strip_prefix("deploy-").unwrap().to_uppercase();
        assert!(
            job.contains(&format!("github.ref_name == '{}'", env.to_lowercase())),
            "{id}"
        );
        assert!(job.contains(&format!("environment: \"{env}\"")), "{id}");
        assert!(
            job.contains(&format!("group: \"dimgen-deploy-{}\"", env.to_lowercase())),
            "{id}"
        );
        assert!(
            job.contains("cancel-in-progress: false"),
            "{id}: a deployment is never cut short"
        );
        assert!(job.contains("id-token: write"), "{id}: AWS through OIDC");
        assert!(
            !job.contains("aws-access-key-id") && !job.contains("AWS_SECRET_ACCESS_KEY"),
            "{id}"
        );
        // The step files in order, each as its role.
        let mut at = 0;
        for (file, role) in [
            ("01_database.sql", "SYSADMIN"),
            ("02_tables.sql", "SYSADMIN"),
            ("03_marts.sql", "SYSADMIN"),
            ("04_roles.sql", "SECURITYADMIN"),
            ("05_stages.sql", "SYSADMIN"),
            ("06_pipes.sql", "SYSADMIN"),
            ("07_loading.sql", "SYSADMIN"),
            ("08_governance.sql", "SYSADMIN"),
        ] {
            let run = format!("--role {role} -f \"$RUNNER_TEMP/deploy/{file}\"");
            let found = job[at..]
                .find(&run)
                .unwrap_or_else(|| panic!("{id}: {file} as {role}, after the one before"));
            at += found + run.len();
        }
        // The migration before the step files; the administrator's file only when asked.
        assert!(
            job.find("dimgen plan").unwrap() < job.find("01_database.sql").unwrap(),
            "{id}"
        );
        let admin = job
            .find("--role ACCOUNTADMIN -f \"$RUNNER_TEMP/deploy/00_storage_integrations.sql\"")
            .unwrap();
        let step = &job[job[..admin].rfind("- name:").unwrap()..admin];
        assert!(
            step.contains("if: github.event_name == 'workflow_dispatch' && inputs.storage_integrations"),
            "{step}"
        );
        // The key-pair secret reaches only its own step, through the environment.
        assert_eq!(job.matches("secrets.").count(), 1, "{id}");
        assert!(job.contains("SNOWFLAKE_PRIVATE_KEY: ${{ secrets.SNOWFLAKE_PRIVATE_KEY }}"));
    }
    // Nothing from GitHub or the model spliced into a script.
    let lines: Vec<&str> = text.lines().collect();
    let mut scripts = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some(at) = line.find("run: ") else { continue };
        scripts += 1;
        let indent = line.len() - line.trim_start().len();
        let mut script = vec![&line[at..]];
        if line.ends_with("run: |") {
            script.extend(
                lines[i + 1..]
                    .iter()
                    .take_while(|l| l.len() - l.trim_start().len() > indent)
                    .copied(),
            );
        }
        for l in script {
            assert!(!l.contains("${{"), "a script reads an expression: {l}");
        }
    }
    assert!(scripts > 30, "{scripts} scripts");
    // Every action pinned to a commit.
    for line in text.lines().filter(|l| l.contains("uses: ")) {
        let reference = line.split('@').nth(1).unwrap().split(' ').next().unwrap();
        assert!(
            reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit()),
            "{line}"
        );
    }
}

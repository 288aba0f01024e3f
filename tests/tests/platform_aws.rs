//! `dimgen aws`: the AWS side of ingestion, checked by the real tools and
//! against the model. cfn-lint on every template, parliament on every IAM
//! policy (no finding), the role's reads limited to exactly the stage
//! folders the model names (worked out here from the stages' URLs), and
//! moto deploying the healthcare template: a file dropped under each load's
//! folder reaches that load's pipe's queue and no other, and a file for a
//! REST-triggered load reaches none.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use dimgen_tests::{load_model, workspace_root};
use model_core::interpolate::resolve;
use serde_json::Value;

/// `s3://bucket/prefix/` of a stage in an environment → (bucket, prefix).
fn folder(url: &str) -> (String, String) {
    let rest = url.strip_prefix("s3://").unwrap();
    let (bucket, prefix) = rest.split_once('/').unwrap();
    (bucket.to_owned(), prefix.to_owned())
}

fn write(files: &[dimgen::TextFile]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        std::fs::write(dir.path().join(&f.name), &f.text).unwrap();
    }
    dir
}

#[test]
fn the_role_reads_exactly_the_stage_folders() {
    let model = load_model(&workspace_root().join("schemas/healthcare.toml"));
    let files = dimgen::platform::aws::generate(&model).unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["123456789012.template.json", "health-tech-snowflake.policy.json"]
    );
    let mut expected = BTreeSet::new();
    let mut buckets = BTreeSet::new();
    for env in &model.environments {
        for stage in &model.stages {
            let url = resolve(stage.url.as_deref().unwrap(), &env.name, &env.vars).unwrap();
            let (bucket, prefix) = folder(&url);
            expected.insert(format!("arn:aws:s3:::{bucket}/{prefix}*"));
            buckets.insert(bucket);
        }
    }
    let policy: Value = serde_json::from_str(&files[1].text).unwrap();
    let statements = policy["Statement"].as_array().unwrap();
    let read: BTreeSet<String> = statements[0]["Resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        statements[0]["Action"],
        serde_json::json!(["s3:GetObject", "s3:GetObjectVersion"])
    );
    assert_eq!(read, expected);
    // Listing: per bucket, only under its folders.
    for s in &statements[1..statements.len() - 1] {
        assert_eq!(s["Action"], "s3:ListBucket");
        let bucket = s["Resource"].as_str().unwrap().strip_prefix("arn:aws:s3:::").unwrap();
        for prefix in s["Condition"]["StringLike"]["s3:prefix"].as_array().unwrap() {
            assert!(expected.contains(&format!("arn:aws:s3:::{bucket}/{}", prefix.as_str().unwrap())));
        }
    }
    assert_eq!(statements.len(), 2 + buckets.len());
    // Nothing but these three actions, on nothing but these buckets.
    let text = &files[1].text;
    assert!(!text.contains("\"*\"") && !text.contains("s3:*") && !text.contains("Put") && !text.contains("Delete"));
    // The template's inline policy is the same document; the role is named as the integration's ARN says.
    let template: Value = serde_json::from_str(&files[0].text).unwrap();
    let role = &template["Resources"]["HealthTechSnowflakeRole"]["Properties"];
    assert_eq!(role["RoleName"], "health-tech-snowflake");
    assert_eq!(role["Policies"][0]["PolicyDocument"], policy);
    let trust = &role["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(trust["Principal"]["AWS"]["Ref"], "S3IntegrationIamUserArn");
    assert_eq!(
        trust["Condition"]["StringEquals"]["sts:ExternalId"]["Ref"],
        "S3IntegrationExternalId"
    );
    // Buckets outlive the stack.
    for (_, r) in template["Resources"].as_object().unwrap() {
        if r["Type"] == "AWS::S3::Bucket" {
            assert_eq!(r["DeletionPolicy"], "Retain");
            assert_eq!(r["UpdateReplacePolicy"], "Retain");
        }
    }
}

#[test]
fn overlapping_notifications_on_one_bucket_are_refused() {
    let path = workspace_root().join("schemas/healthcare.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    // Two auto-ingest loads of one stage, one folder inside the other.
    let text = text.replacen("path = \"patient/\"", "path = \"date/more/\"", 1);
    let problems = model_core::load_str("overlap.toml", &text).unwrap_err().diagnostics;
    let rendered = problems.render(100);
    assert!(rendered.contains("dimgen::overlapping_notifications"), "{rendered}");
    assert!(rendered.contains("`DIM_DATE` and `DIM_PATIENT`"), "{rendered}");
    // Suffixes that tell the files apart make two notifications S3 accepts.
    let text = text
        .replacen("path = \"date/\"", "path = \"date/\"\npattern = \".*[.]parquet\"", 1)
        .replacen(
            "path = \"date/more/\"",
            "path = \"date/more/\"\npattern = \".*[.]csv\"",
            1,
        );
    let model = model_core::load_str("apart.toml", &text).unwrap().model;
    let files = dimgen::platform::aws::generate(&model).unwrap();
    assert!(
        files[0].text.contains("\"Value\": \".csv\""),
        "the suffix filter is written"
    );
}

#[test]
fn cfn_lint_and_parliament_find_nothing() {
    let Some(python) = dimgen_tests::tools::platform_python() else {
        return;
    };
    for stem in ["healthcare", "retail"] {
        let model = load_model(&workspace_root().join(format!("schemas/{stem}.toml")));
        let files = dimgen::platform::aws::generate(&model).unwrap();
        assert!(!files.is_empty(), "{stem}");
        let dir = write(&files);
        for f in &files {
            let path = dir.path().join(&f.name);
            if f.name.ends_with(".template.json") {
                let cfn_lint = python.parent().unwrap().join("cfn-lint");
                let out = Command::new(&cfn_lint).arg(&path).output().expect("run cfn-lint");
                assert!(
                    out.status.success() && out.stdout.is_empty(),
                    "cfn-lint on {stem}'s {}:\n{}{}",
                    f.name,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            } else {
                let script = "import sys, json\nfrom parliament import analyze_policy_string\np = analyze_policy_string(open(sys.argv[1]).read(), include_community_auditors=True)\nprint(json.dumps([[f.issue, f.severity, str(f.detail)] for f in p.findings]))";
                let out = Command::new(&python)
                    .args(["-c", script])
                    .arg(&path)
                    .output()
                    .expect("run parliament");
                let stdout = String::from_utf8_lossy(&out.stdout);
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                assert_eq!(stdout.trim(), "[]", "parliament on {stem}'s {}", f.name);
            }
        }
    }
    // The checkers do find things: a policy reading every object of every bucket.
    let out = Command::new(&python)
        .args(["-c", "from parliament import analyze_policy_string\nprint([f.issue for f in analyze_policy_string('{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}').findings])"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("RESOURCE_STAR"));
}

#[test]
fn moto_delivers_each_load_s_files_to_its_own_pipe_s_queue() {
    let Some(python) = dimgen_tests::tools::platform_python() else {
        return;
    };
    let model = load_model(&workspace_root().join("schemas/healthcare.toml"));
    let files = dimgen::platform::aws::generate(&model).unwrap();
    let dir = write(&files);
    // One file under every load's folder, in every environment; which pipe should hear of it.
    let mut uploads = Vec::new();
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut silent = Vec::new();
    for env in &model.environments {
        let r = |t: &str| resolve(t, &env.name, &env.vars).unwrap();
        for load in &model.loads {
            let stage = model.stages.iter().find(|s| s.name == load.stage).unwrap();
            let (bucket, prefix) = folder(&r(stage.url.as_deref().unwrap()));
            let key = format!("{prefix}{}2026/12/07/batch 1.parquet", r(&load.path));
            uploads.push(serde_json::json!({ "bucket": bucket, "key": key }));
            if load.auto_ingest {
                expected
                    .entry(r(&load.pipe))
                    .or_default()
                    .push(format!("{bucket}/{key}"));
            } else {
                silent.push(format!("{bucket}/{key}"));
            }
        }
    }
    let uploads_path = dir.path().join("uploads.json");
    std::fs::write(&uploads_path, serde_json::to_string(&uploads).unwrap()).unwrap();
    let template = dir.path().join(&files[0].name);
    let out = Command::new(&python)
        .arg(workspace_root().join("tests/platform/aws_check.py"))
        .arg(&template)
        .arg(&uploads_path)
        .output()
        .expect("run the moto check");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["stack"], "CREATE_COMPLETE");
    assert_eq!(result["roles"], serde_json::json!(["health-tech-snowflake"]));
    // Each queue parameter names its pipe in its description.
    let parameters: Value = serde_json::from_str(&files[0].text).unwrap();
    let mut heard: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (param, keys) in result["received"].as_object().unwrap() {
        let description = parameters["Parameters"][param]["Description"].as_str().unwrap();
        let pipe = description
            .strip_prefix("notification_channel of pipe ")
            .and_then(|d| d.split(' ').next())
            .unwrap();
        let keys: Vec<String> = keys
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_owned())
            .collect();
        heard.insert(pipe.to_owned(), keys);
    }
    assert_eq!(
        heard, expected,
        "every auto-ingest pipe hears of its own files, and only of them"
    );
    assert_eq!(expected.len(), 60, "20 auto-ingest pipes in each of the 3 environments");
    for key in silent {
        assert!(!heard.values().flatten().any(|k| *k == key), "{key} reached a queue");
    }
}

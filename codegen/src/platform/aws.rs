//! The AWS side of ingestion, from the same model as the SQL: for each AWS
//! account the model's storage integrations assume a role in, one
//! `CloudFormation` template with
//!
//! - the IAM role of each S3 storage integration (named as its
//!   `aws_role_arn`), trusting Snowflake's IAM user for the integrations that
//!   use it with their external IDs (template parameters: the two values only
//!   `DESC INTEGRATION` gives), allowed `s3:GetObject` and
//!   `s3:GetObjectVersion` on exactly the stage folders of every environment,
//!   `s3:ListBucket` only under those folders, and `s3:GetBucketLocation`;
//! - the buckets of those stages (kept when the stack is deleted), each with
//!   the event notification of every auto-ingest pipe: `s3:ObjectCreated:*`
//!   filtered to exactly that load's folder (and the file suffix its
//!   `pattern` implies), to the pipe's SQS queue (a parameter: `SHOW PIPES`'
//!   `notification_channel`) or to its SNS topic.
//!
//! Grouped by account, not by environment: a role or a bucket several
//! environments share (the healthcare model's one role) is declared once.
//! Overlapping notifications on one bucket, which S3 rejects, are refused
//! (validation refuses them first, `dimgen::overlapping_notifications`;
//! this is the second line of defence).

use std::collections::{BTreeMap, BTreeSet};

use model_core::Validated;
use model_core::ingest::{NotificationFilter, notification_filter, s3_location};
use model_core::model::StorageProvider;
use serde_json::{Value, json};

use crate::TextFile;
use crate::ddl::Target;

/// Why the AWS artifacts could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AwsError {
    /// A name could not be resolved for an environment.
    #[error(transparent)]
    Generate(#[from] crate::GenerateError),
    /// Two auto-ingest loads would notify on overlapping folders of one bucket.
    #[error(
        "the auto-ingest loads of `{first}` and `{second}` both notify on bucket `{bucket}` under overlapping folders (`{first_prefix}`, `{second_prefix}`): S3 refuses overlapping event notifications; give one its own folder, a distinct file suffix (`pattern`), or route both through one SNS topic (`aws_sns_topic`)"
    )]
    OverlappingNotifications {
        /// The bucket.
        bucket: String,
        /// One load's pipe.
        first: String,
        /// Its key prefix.
        first_prefix: String,
        /// The other load's pipe.
        second: String,
        /// Its key prefix.
        second_prefix: String,
    },
    /// An integration's `aws_role_arn` is not an IAM role ARN.
    #[error("storage integration `{integration}`: `{arn}` is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)")]
    RoleArn {
        /// The integration.
        integration: String,
        /// Its resolved role ARN.
        arn: String,
    },
}

/// An auto-ingest notification.
struct Notification {
    pipe: String,
    filter: NotificationFilter,
    /// The SNS topic, when the load goes through one; else the pipe's queue.
    topic: Option<String>,
}

/// One IAM role and what it must allow.
#[derive(Default)]
struct RoleNeeds {
    name: String,
    path: String,
    /// Resolved integration names that assume it.
    integrations: BTreeSet<String>,
    /// bucket → folders.
    folders: BTreeMap<String, BTreeSet<String>>,
}

/// A `CloudFormation` logical ID: letters and digits of `name`, words capitalised.
fn logical(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c.to_ascii_lowercase());
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'X');
    }
    out
}

/// The AWS artifacts of a validated model: per account, `aws/<account>.template.json`
/// and each role's permissions policy, `aws/<role>.policy.json`.
pub fn generate(model: &Validated) -> Result<Vec<TextFile>, AwsError> {
    // account → role ARN → needs; account → notifications.
    let mut roles: BTreeMap<String, BTreeMap<String, RoleNeeds>> = BTreeMap::new();
    let mut notifications: BTreeMap<String, Vec<Notification>> = BTreeMap::new();
    let mut bucket_account: BTreeMap<String, String> = BTreeMap::new();
    for env in &model.environments {
        let target: Target<'_> = crate::target(model, &env.name)?;
        let mut stage_account: BTreeMap<&str, String> = BTreeMap::new();
        for stage in &model.stages {
            let (Some(url), Some(integration)) = (
                stage.url.as_deref(),
                model
                    .storage_integrations
                    .iter()
                    .find(|i| i.name == stage.storage_integration),
            ) else {
                continue;
            };
            if integration.provider != StorageProvider::S3 {
                continue;
            }
            let arn = target.text(&integration.aws_role_arn);
            let Some((account, name, path)) = parse_role_arn(&arn) else {
                return Err(AwsError::RoleArn {
                    integration: target.text(&integration.name),
                    arn,
                });
            };
            let url = target.text(url);
            let Some((bucket, folder)) = s3_location(&url) else {
                continue;
            };
            let needs = roles
                .entry(account.clone())
                .or_default()
                .entry(arn.clone())
                .or_default();
            needs.name = name;
            needs.path = path;
            needs.integrations.insert(target.text(&integration.name));
            needs
                .folders
                .entry(bucket.to_owned())
                .or_default()
                .insert(folder.to_owned());
            bucket_account
                .entry(bucket.to_owned())
                .or_insert_with(|| account.clone());
            stage_account.insert(&stage.name, account);
        }
        for load in &model.loads {
            // Validation checked these filters against each other already.
            let (Some(account), Some(filter)) = (
                stage_account.get(load.stage.as_str()),
                notification_filter(model, load, env),
            ) else {
                continue;
            };
            notifications.entry(account.clone()).or_default().push(Notification {
                pipe: target.text(&load.pipe),
                filter,
                topic: load.aws_sns_topic.as_ref().map(|t| target.text(t)),
            });
        }
    }
    for list in notifications.values() {
        for (i, a) in list.iter().enumerate() {
            if let Some(b) = list[i + 1..].iter().find(|b| a.filter.overlaps(&b.filter)) {
                return Err(AwsError::OverlappingNotifications {
                    bucket: a.filter.bucket.clone(),
                    first: a.pipe.clone(),
                    first_prefix: a.filter.prefix.clone(),
                    second: b.pipe.clone(),
                    second_prefix: b.filter.prefix.clone(),
                });
            }
        }
    }
    let mut files = Vec::new();
    for (account, roles) in &roles {
        let empty = Vec::new();
        let notes = notifications.get(account).unwrap_or(&empty);
        let buckets: BTreeSet<&str> = bucket_account
            .iter()
            .filter(|(_, a)| *a == account)
            .map(|(b, _)| b.as_str())
            .collect();
        files.push(TextFile {
            name: format!("{account}.template.json"),
            text: pretty(&template(model, account, roles, &buckets, notes)),
        });
        for needs in roles.values() {
            files.push(TextFile {
                name: format!("{}.policy.json", needs.name),
                text: pretty(&permissions(needs)),
            });
        }
    }
    Ok(files)
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// `arn:aws:iam::123456789012:role/path/name` → account, name, path (`/path/`).
fn parse_role_arn(arn: &str) -> Option<(String, String, String)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let role = resource.strip_prefix("role/")?;
    let (path, name) = match role.rsplit_once('/') {
        Some((p, n)) => (format!("/{p}/"), n),
        None => ("/".to_owned(), role),
    };
    let valid = account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    valid.then(|| (account.to_owned(), name.to_owned(), path))
}

/// The role's permissions: read the stage folders, list only under them.
fn permissions(needs: &RoleNeeds) -> Value {
    let objects: Vec<String> = needs
        .folders
        .iter()
        .flat_map(|(bucket, prefixes)| prefixes.iter().map(move |p| format!("arn:aws:s3:::{bucket}/{p}*")))
        .collect();
    let mut statements = vec![json!({
        "Sid": "ReadStageFiles",
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:GetObjectVersion"],
        "Resource": objects,
    })];
    for (i, (bucket, prefixes)) in needs.folders.iter().enumerate() {
        let listed: Vec<String> = prefixes.iter().map(|p| format!("{p}*")).collect();
        statements.push(json!({
            "Sid": format!("ListStageFolders{}", i + 1),
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": format!("arn:aws:s3:::{bucket}"),
            "Condition": { "StringLike": { "s3:prefix": listed } },
        }));
    }
    let buckets: Vec<String> = needs.folders.keys().map(|b| format!("arn:aws:s3:::{b}")).collect();
    statements.push(json!({
        "Sid": "LocateStageBuckets",
        "Effect": "Allow",
        "Action": "s3:GetBucketLocation",
        "Resource": buckets,
    }));
    json!({ "Version": "2012-10-17", "Statement": statements })
}

fn template(
    model: &Validated,
    account: &str,
    roles: &BTreeMap<String, RoleNeeds>,
    buckets: &BTreeSet<&str>,
    notes: &[Notification],
) -> Value {
    let mut parameters = serde_json::Map::new();
    let mut resources = serde_json::Map::new();
    let mut outputs = serde_json::Map::new();
    let mut taken = BTreeSet::new();
    let mut unique = |base: String| {
        let mut id = base.clone();
        let mut n = 1;
        while !taken.insert(id.clone()) {
            n += 1;
            id = format!("{base}{n}");
        }
        id
    };
    for needs in roles.values() {
        let mut trust = Vec::new();
        for integration in &needs.integrations {
            let user = unique(format!("{}IamUserArn", logical(integration)));
            let external = unique(format!("{}ExternalId", logical(integration)));
            parameters.insert(
                user.clone(),
                json!({
                    "Type": "String",
                    "Description": format!("STORAGE_AWS_IAM_USER_ARN of `DESC INTEGRATION {integration}`"),
                    "AllowedPattern": "arn:aws:iam::[0-9]{12}:user/.+",
                }),
            );
            parameters.insert(
                external.clone(),
                json!({
                    "Type": "String",
                    "Description": format!("STORAGE_AWS_EXTERNAL_ID of `DESC INTEGRATION {integration}`"),
                    "MinLength": 2,
                    "NoEcho": true,
                }),
            );
            trust.push(json!({
                "Effect": "Allow",
                "Principal": { "AWS": { "Ref": user } },
                "Action": "sts:AssumeRole",
                "Condition": { "StringEquals": { "sts:ExternalId": { "Ref": external } } },
            }));
        }
        let id = unique(format!("{}Role", logical(&needs.name)));
        resources.insert(
            id.clone(),
            json!({
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": needs.name,
                    "Path": needs.path,
                    "Description": format!("Snowflake storage integration {} of model {}: reads the stage folders", needs.integrations.iter().cloned().collect::<Vec<_>>().join(", "), model.name),
                    "AssumeRolePolicyDocument": { "Version": "2012-10-17", "Statement": trust },
                    "Policies": [{ "PolicyName": "snowflake-stage-read", "PolicyDocument": permissions(needs) }],
                },
            }),
        );
        outputs.insert(
            format!("{id}Arn"),
            json!({ "Description": "The role's ARN: the integration's STORAGE_AWS_ROLE_ARN", "Value": { "Fn::GetAtt": [id, "Arn"] } }),
        );
    }
    for bucket in buckets {
        let mut queues = Vec::new();
        let mut topics = Vec::new();
        for n in notes.iter().filter(|n| n.filter.bucket == *bucket) {
            let mut key_rules = vec![json!({ "Name": "prefix", "Value": n.filter.prefix })];
            if let Some(s) = &n.filter.suffix {
                key_rules.push(json!({ "Name": "suffix", "Value": s }));
            }
            let filter = json!({ "S3Key": { "Rules": key_rules } });
            if let Some(topic) = &n.topic {
                topics.push(json!({ "Event": "s3:ObjectCreated:*", "Filter": filter, "Topic": topic }));
            } else {
                let param = unique(format!("{}QueueArn", logical(&n.pipe)));
                parameters.insert(
                    param.clone(),
                    json!({
                        "Type": "String",
                        "Description": format!("notification_channel of pipe {} (`SHOW PIPES`): the SQS queue it listens to", n.pipe),
                        "AllowedPattern": "arn:aws:sqs:[a-z0-9-]+:[0-9]{12}:.+",
                    }),
                );
                queues.push(json!({ "Event": "s3:ObjectCreated:*", "Filter": filter, "Queue": { "Ref": param } }));
            }
        }
        let mut properties = serde_json::Map::new();
        properties.insert("BucketName".into(), json!(bucket));
        properties.insert(
            "PublicAccessBlockConfiguration".into(),
            json!({ "BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true }),
        );
        properties.insert(
            "BucketEncryption".into(),
            json!({ "ServerSideEncryptionConfiguration": [{ "ServerSideEncryptionByDefault": { "SSEAlgorithm": "AES256" } }] }),
        );
        properties.insert("VersioningConfiguration".into(), json!({ "Status": "Enabled" }));
        if !queues.is_empty() || !topics.is_empty() {
            let mut config = serde_json::Map::new();
            if !queues.is_empty() {
                config.insert("QueueConfigurations".into(), Value::Array(queues));
            }
            if !topics.is_empty() {
                config.insert("TopicConfigurations".into(), Value::Array(topics));
            }
            properties.insert("NotificationConfiguration".into(), Value::Object(config));
        }
        let id = unique(format!("{}Bucket", logical(bucket)));
        resources.insert(
            id,
            json!({
                "Type": "AWS::S3::Bucket",
                // The files are the source of every load: a stack deleted or
                // replaced never takes the bucket with it.
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": properties,
            }),
        );
    }
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("dimgen: the AWS side of model {}'s ingestion in account {account} (IAM roles of its storage integrations, stage buckets and auto-ingest notifications). Generated; do not edit.", model.name),
        "Parameters": parameters,
        "Resources": resources,
        "Outputs": outputs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_give_account_path_and_name() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/team/loader"),
            Some(("123456789012".into(), "loader".into(), "/team/".into()))
        );
        assert_eq!(parse_role_arn("arn:aws:iam::123:role/x"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::123456789012:user/x"), None);
    }
}

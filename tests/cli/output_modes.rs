//! Every list command in every output mode prints well-formed output with
//! the same rows: JSON objects, one JSON array, NDJSON, CSV and TSV.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{Emulator, block_on, exclusive_moto, s3c};

/// Two of everything the list commands show.
fn populate(server: &Emulator) {
    let clients = server.clients();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#;
    block_on(async {
        for n in 1..=2 {
            clients
                .s3
                .create_bucket()
                .bucket(format!("modes-bucket-{n}"))
                .send()
                .await
                .unwrap();
            let user = format!("modes-user-{n}");
            clients
                .iam
                .create_user()
                .user_name(&user)
                .send()
                .await
                .unwrap();
            clients
                .iam
                .put_user_policy()
                .user_name(&user)
                .policy_name("p")
                .policy_document(policy)
                .send()
                .await
                .unwrap();
            clients
                .iam
                .create_role()
                .role_name(format!("modes-role-{n}"))
                .assume_role_policy_document(trust)
                .send()
                .await
                .unwrap();
        }
    });
}

/// Parse `stdout` in `mode` into rows of (column, cell text) for comparison.
fn rows(mode: &str, stdout: &str) -> Vec<BTreeMap<String, String>> {
    let cell = |value: &Value| match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let from_json = |objects: Vec<Value>| -> Vec<BTreeMap<String, String>> {
        objects
            .iter()
            .map(|object| {
                object
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), cell(v)))
                    .collect()
            })
            .collect()
    };
    match mode {
        "--array" => from_json(serde_json::from_str::<Vec<Value>>(stdout).unwrap()),
        "--nl" => from_json(
            stdout
                .lines()
                .map(|line| serde_json::from_str(line).unwrap())
                .collect(),
        ),
        "--csv" | "--tsv" => {
            let delimiter = if mode == "--csv" { b',' } else { b'\t' };
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .from_reader(stdout.as_bytes());
            let headers = reader.headers().unwrap().clone();
            reader
                .records()
                .map(|record| {
                    let record = record.unwrap();
                    headers
                        .iter()
                        .zip(record.iter())
                        .filter(|(_, value)| !value.is_empty())
                        .map(|(h, v)| (h.to_owned(), v.to_owned()))
                        .collect()
                })
                .collect()
        }
        _ => {
            // Pretty objects one after another: split where a top-level object ends.
            let objects = stdout
                .split_inclusive("\n}\n")
                .map(|chunk| serde_json::from_str(chunk).unwrap())
                .collect();
            from_json(objects)
        }
    }
}

#[test]
fn every_list_command_in_every_mode() {
    let (_lock, server) = exclusive_moto();
    populate(server);
    let commands: &[&[&str]] = &[
        &["list-users"],
        &["list-buckets"],
        &["list-roles"],
        &["list-roles", "--details"],
        &["list-user-policies", "--nl"],
    ];
    for command in commands {
        let base: Vec<&str> = command.iter().copied().filter(|a| *a != "--nl").collect();
        let reference = s3c(&[base.as_slice(), &["--array"]].concat())
            .against(server)
            .run();
        let expected = rows("--array", reference.success());
        assert_eq!(expected.len(), 2, "{command:?}: {reference:#?}");
        let modes: &[&str] = if base[0] == "list-user-policies" {
            &["--nl", "--csv", "--tsv"]
        } else {
            &["", "--nl", "--csv", "--tsv"]
        };
        for mode in modes {
            let mut args = base.clone();
            if !mode.is_empty() {
                args.push(mode);
            }
            let output = s3c(&args).against(server).run();
            assert_eq!(rows(mode, output.success()), expected, "{args:?}");
        }
    }
}

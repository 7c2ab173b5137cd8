use crate::common::{block_on, exclusive_moto, printed_date, s3c};

/// Create users and return, for each, the (name, id, create date) IAM reports.
fn create_users(
    clients: &s3_credentials::aws::Clients,
    names: &[&str],
) -> Vec<(String, String, String)> {
    block_on(async {
        let mut users = Vec::new();
        for name in names {
            let user = clients
                .iam
                .create_user()
                .user_name(*name)
                .send()
                .await
                .unwrap()
                .user
                .unwrap();
            let date = printed_date(user.create_date());
            users.push(((*name).to_owned(), user.user_id, date));
        }
        users
    })
}

#[test]
fn every_output_mode_shows_every_user() {
    let (_lock, server) = exclusive_moto();
    let users = create_users(&server.clients(), &["alice", "bob"]);
    let [(_, alice_id, alice_date), (_, bob_id, bob_date)] = &users[..] else {
        unreachable!()
    };
    let alice = format!(
        r#"{{"Path":"/","UserName":"alice","UserId":"{alice_id}","Arn":"arn:aws:iam::123456789012:user/alice","CreateDate":"{alice_date}"}}"#
    );
    let bob = format!(
        r#"{{"Path":"/","UserName":"bob","UserId":"{bob_id}","Arn":"arn:aws:iam::123456789012:user/bob","CreateDate":"{bob_date}"}}"#
    );

    let pretty = s3c(&["list-users"]).against(server).run();
    assert_eq!(
        pretty.success(),
        format!(
            "{{\n    \"Path\": \"/\",\n    \"UserName\": \"alice\",\n    \"UserId\": \"{alice_id}\",\n    \
             \"Arn\": \"arn:aws:iam::123456789012:user/alice\",\n    \"CreateDate\": \"{alice_date}\"\n}}\n\
             {{\n    \"Path\": \"/\",\n    \"UserName\": \"bob\",\n    \"UserId\": \"{bob_id}\",\n    \
             \"Arn\": \"arn:aws:iam::123456789012:user/bob\",\n    \"CreateDate\": \"{bob_date}\"\n}}\n"
        )
    );
    assert_eq!(pretty.stderr, "");

    let nl = s3c(&["list-users", "--nl"]).against(server).run();
    assert_eq!(nl.success(), format!("{alice}\n{bob}\n"));

    let array = s3c(&["list-users", "--array"]).against(server).run();
    let parsed: serde_json::Value = serde_json::from_str(array.success()).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&format!("[{alice},{bob}]")).unwrap();
    assert_eq!(parsed, expected);
    assert!(
        array
            .stdout
            .starts_with("[\n    {\n        \"Path\": \"/\",\n")
    );

    let csv = s3c(&["list-users", "--csv"]).against(server).run();
    assert_eq!(
        csv.success(),
        format!(
            "UserName,UserId,Arn,Path,CreateDate,PasswordLastUsed,PermissionsBoundary,Tags\r\n\
             alice,{alice_id},arn:aws:iam::123456789012:user/alice,/,{alice_date},,,\r\n\
             bob,{bob_id},arn:aws:iam::123456789012:user/bob,/,{bob_date},,,\r\n"
        )
    );

    let tsv = s3c(&["list-users", "--tsv"]).against(server).run();
    assert_eq!(
        tsv.success(),
        format!(
            "UserName\tUserId\tArn\tPath\tCreateDate\tPasswordLastUsed\tPermissionsBoundary\tTags\r\n\
             alice\t{alice_id}\tarn:aws:iam::123456789012:user/alice\t/\t{alice_date}\t\t\t\r\n\
             bob\t{bob_id}\tarn:aws:iam::123456789012:user/bob\t/\t{bob_date}\t\t\t\r\n"
        )
    );
}

#[test]
fn an_account_without_users_prints_an_empty_listing() {
    let (_lock, server) = exclusive_moto();
    assert_eq!(s3c(&["list-users"]).against(server).run().success(), "");
    assert_eq!(
        s3c(&["list-users", "--array"])
            .against(server)
            .run()
            .success(),
        "[]\n"
    );
    assert_eq!(
        s3c(&["list-users", "--csv"])
            .against(server)
            .run()
            .success(),
        "UserName,UserId,Arn,Path,CreateDate,PasswordLastUsed,PermissionsBoundary,Tags\r\n"
    );
}

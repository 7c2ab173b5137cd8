use crate::common::s3c;

#[test]
fn completion_scripts_know_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = s3c(&["completions", shell]).run();
        let script = output.success();
        for command in [
            "create",
            "list-users",
            "delete-user",
            "list-credentials",
            "rotate-key",
            "completions",
        ] {
            assert!(
                script.contains(command),
                "{shell} completion lacks {command}"
            );
        }
        assert_eq!(output.stderr, "");
    }
}

#[test]
fn the_bash_script_is_valid_bash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s3-credentials.bash");
    std::fs::write(&path, s3c(&["completions", "bash"]).run().success()).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
        .unwrap();
    assert!(check.success());
}

#[test]
fn man_pages_for_the_tool_and_each_command() {
    let main = s3c(&["man"]).run();
    assert!(main.success().contains(".TH s3-credentials 1"));
    assert!(main.stdout.contains("list\\-user\\-policies"));
    let create = s3c(&["man", "create"]).run();
    assert!(create.success().contains(".TH s3-credentials-create 1"));
    assert!(
        create
            .stdout
            .contains("\\-\\-user\\-permissions\\-boundary")
    );
    assert!(main.stdout.contains("list\\-credentials"));
    let rotate = s3c(&["man", "rotate-key"]).run();
    assert!(rotate.success().contains(".TH s3-credentials-rotate-key 1"));
    assert!(rotate.stdout.contains("\\-\\-delete\\-old"));
    let create = s3c(&["man", "create"]).run();
    assert!(create.success().contains("\\-\\-expires"));
    s3c(&["man", "nope"]).run().fails_with(
        2,
        "Error: no command named `nope`; see `s3-credentials --help`\n",
    );
    s3c(&["completions", "tcsh"]).run().fails_with(
        2,
        "Error: invalid value 'tcsh' for '<SHELL>' [possible values: bash, elvish, fish, powershell, zsh] \
         (a similar value exists: 'zsh'); see `s3-credentials completions --help`\n",
    );
}

//! The documentation stays true: every command line shown in README.md and
//! docs/ parses with the real CLI definition (so every documented flag
//! exists), docs/help.md is exactly what `--help` prints, and every command
//! and option docs/differences.md names exists where it says.

use std::path::{Path, PathBuf};

use clap::Parser;

use crate::common::s3c;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every page under docs/.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![repo().join("README.md")];
    if let Ok(entries) = std::fs::read_dir(repo().join("docs")) {
        pages.extend(
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "md")),
        );
    }
    pages.sort();
    pages
}

/// Command lines in a page: lines (joined over trailing `\`) that start with
/// `s3-credentials`, optionally after a `$ ` or `% ` prompt; cut before any
/// pipe or redirection.
fn command_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut pending = String::new();
    for raw in text.lines() {
        let line = raw.trim();
        let line = line
            .strip_prefix("$ ")
            .or_else(|| line.strip_prefix("% "))
            .unwrap_or(line);
        if pending.is_empty() && !line.starts_with("s3-credentials ") {
            continue;
        }
        if let Some(continued) = line.strip_suffix('\\') {
            pending.push_str(continued);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        lines.push(std::mem::take(&mut pending));
    }
    lines
}

#[test]
fn every_documented_command_line_parses() {
    let mut checked = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for line in command_lines(&text) {
            let words = shlex::split(&line)
                .unwrap_or_else(|| panic!("{}: cannot split `{line}`", page.display()));
            let words: Vec<&str> = words
                .iter()
                .map(String::as_str)
                .take_while(|w| !matches!(*w, "|" | ">" | ">>" | "<" | "2>" | "&&"))
                .collect();
            if let Err(error) = s3_credentials::cli::Cli::try_parse_from(&words) {
                panic!("{}: `{line}` does not parse:\n{error}", page.display());
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} command lines found");
}

/// docs/help.md as the current binary would write it.
fn current_help() -> String {
    let top = s3c(&["--help"]).run();
    let mut text = String::from(
        "# `s3-credentials --help`\n\n\
         The help of every command, as the tool prints it. Generated: run\n\
         `UPDATE_HELP=1 cargo test --test cli docs::` after changing the CLI; a test fails when this\n\
         page and the binary disagree.\n\n",
    );
    text.push_str(&format!("## s3-credentials\n\n```\n{}```\n", top.success()));
    let commands = top
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // Deeper indentation continues a wrapped description.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect::<Vec<_>>();
    for command in commands {
        let help = s3c(&[&command, "--help"]).run();
        text.push_str(&format!(
            "\n## s3-credentials {command}\n\n```\n{}```\n",
            help.success()
        ));
    }
    text
}

#[test]
fn help_page_matches_the_binary() {
    let path = repo().join("docs/help.md");
    let current = current_help();
    if std::env::var_os("UPDATE_HELP").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &current).unwrap();
    }
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        written == current,
        "docs/help.md is out of date: run `UPDATE_HELP=1 cargo test --test cli docs::` and commit it"
    );
}

/// The code spans of a piece of Markdown: `x` and ``x `y` z``.
fn code_spans(text: &str) -> Vec<&str> {
    let mut spans = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        let fence = rest[start..].len() - rest[start..].trim_start_matches('`').len();
        let body = &rest[start + fence..];
        let Some(end) = body.find(&"`".repeat(fence)) else {
            break;
        };
        spans.push(body[..end].trim());
        rest = &body[end + fence..];
    }
    spans
}

/// The bullets of docs/differences.md: each `- **commands**: text`, with
/// its continuation lines.
fn difference_bullets() -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("docs/differences.md")).unwrap();
    let mut bullets: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.starts_with("- ") {
            bullets.push(line.to_owned());
        } else if line.starts_with("  ") && !bullets.is_empty() {
            let last = bullets.len() - 1;
            bullets[last].push(' ');
            bullets[last].push_str(line.trim());
        } else if !line.trim().is_empty() {
            // A paragraph or heading ends the bullet before it.
            bullets.push(String::new());
        }
    }
    bullets.retain(|bullet| !bullet.is_empty());
    bullets
}

/// Every option a command accepts: `--long` and `-s` forms.
fn options_of(command: &clap::Command) -> Vec<String> {
    let mut options = vec!["--help".to_owned(), "-h".to_owned()];
    for argument in command.get_arguments() {
        options.extend(argument.get_long().map(|long| format!("--{long}")));
        options.extend(argument.get_short().map(|short| format!("-{short}")));
    }
    options
}

#[test]
fn the_differences_page_names_only_commands_and_options_that_exist() {
    use clap::CommandFactory;
    let cli = s3_credentials::cli::Cli::command();
    let subcommands: Vec<&clap::Command> = cli.get_subcommands().collect();
    let command = |name: &str| subcommands.iter().copied().find(|c| c.get_name() == name);
    let mut top = options_of(&cli);
    top.push("--version".to_owned());
    let is_option = |span: &str| {
        span.starts_with('-')
            && span.len() > 1
            && span[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '-')
    };
    let bullets = difference_bullets();
    assert!(bullets.len() >= 20, "only {} bullets found", bullets.len());
    for bullet in &bullets {
        // `- **`create`, `policy`**: ...` or `- **every command...**: ...`
        let (label, text) = bullet
            .strip_prefix("- **")
            .and_then(|rest| rest.split_once("**:"))
            .unwrap_or_else(|| panic!("a bullet without a `**commands**:` label: {bullet}"));
        let named: Vec<&str> = code_spans(label);
        let allowed: Vec<String> = if label.starts_with("every command") && named.is_empty() {
            subcommands
                .iter()
                .flat_map(|c| options_of(c))
                .chain(top.clone())
                .collect()
        } else {
            assert!(!named.is_empty(), "no command named in `{label}`");
            named
                .iter()
                .map(|name| {
                    command(name).unwrap_or_else(|| panic!("no command `{name}`: {bullet}"))
                })
                .flat_map(options_of)
                .collect()
        };
        for span in code_spans(text) {
            let words: Vec<&str> = span.split_whitespace().collect();
            if let Some(own) = words.first().and_then(|w| command(w)) {
                // `set-bucket-policy --allow-all-get`: that command's options.
                for word in words.iter().skip(1).filter(|w| is_option(w)) {
                    assert!(
                        options_of(own).contains(&(*word).to_owned()),
                        "`{span}`: no {word}"
                    );
                }
            } else if is_option(span) {
                let option = words[0];
                assert!(
                    allowed.contains(&option.to_owned()),
                    "{label}: no {option} in: {bullet}"
                );
            }
        }
    }
}

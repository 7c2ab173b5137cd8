//! The documentation stays true: every command line shown in README.md and
//! docs/ parses with the real CLI definition (so every documented flag
//! exists), and docs/help.md is exactly what `--help` prints.

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

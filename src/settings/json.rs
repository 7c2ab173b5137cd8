//! The JSON a person writes on the command line or in a file: lenient
//! parsing (trailing commas), `--policy` documents and `--statement` objects.
//! Pure apart from reading a `--policy` file or standard input; errors are
//! one line, turned into usage errors by the caller.

use std::io::Read;

use serde_json::Value;

use super::input::OptionText;

/// Parse JSON a person wrote, accepting trailing commas before `}` and `]`
/// (the seed README's own `--policy` example has one). The value serializes
/// back as strict JSON. Any other syntax error names its line and column.
pub fn parse_lenient_json(text: &str) -> Result<Value, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut cleaned = text.to_owned();
    for position in trailing_commas(text.as_bytes()) {
        // A space in place of the comma keeps every line and column where it was.
        cleaned.replace_range(position..=position, " ");
    }
    serde_json::from_str(&cleaned).map_err(|error| {
        let message = error.to_string();
        let location = format!(" at line {} column {}", error.line(), error.column());
        let reason = message.strip_suffix(&location).unwrap_or(&message);
        format!(
            "invalid JSON at line {}, column {}: {reason}",
            error.line(),
            error.column()
        )
    })
}

/// The byte offsets of the commas, outside strings, that close a list or an
/// object: followed by `}` or `]` and preceded by a value (so `[,]` and
/// `[1,,]` are still errors).
fn trailing_commas(bytes: &[u8]) -> Vec<usize> {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let mut commas = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut previous = None;
    for (index, &byte) in bytes.iter().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b',' if !matches!(previous, None | Some(b'[' | b'{' | b',' | b':')) => {
                let next = bytes[index + 1..].iter().find(|b| !is_space(b));
                if matches!(next, Some(b'}' | b']')) {
                    commas.push(index);
                    // The comma is gone: what precedes the `}` is the value.
                    continue;
                }
            }
            _ => {}
        }
        if !is_space(&byte) {
            previous = Some(byte);
        }
    }
    commas
}

/// Read a `--policy` value: literal JSON when it starts with `{`, standard
/// input for `-`, otherwise a file path. The document must be an object with
/// a `Statement` (one statement object or an array of them).
pub fn parse_policy_arg(arg: &str, stdin: impl Read) -> Result<Value, String> {
    let input = if arg.trim_start().starts_with('{') {
        OptionText {
            source: "--policy".to_owned(),
            text: arg.to_owned(),
        }
    } else {
        OptionText::read("--policy", arg, stdin).map_err(|e| {
            format!(
                "{} (--policy takes a file path, literal JSON or `-` for standard input)",
                e.0
            )
        })?
    };
    let document = parse_lenient_json(&input.text).map_err(|e| input.error(e).0)?;
    check_policy_document(&document).map_err(|e| input.error(e).0)?;
    Ok(document)
}

/// A policy document is an object whose `Statement` is a statement object or
/// an array of them.
pub fn check_policy_document(document: &Value) -> Result<(), String> {
    let Value::Object(map) = document else {
        return Err(format!(
            "a policy must be a JSON object with a `Statement` key, not {}",
            kind_of(document)
        ));
    };
    match map.get("Statement") {
        None => Err("the policy has no `Statement` key".to_owned()),
        Some(Value::Object(_)) => Ok(()),
        Some(Value::Array(statements)) if statements.iter().all(Value::is_object) => Ok(()),
        Some(_) => Err("`Statement` must be an object or an array of objects".to_owned()),
    }
}

/// Read a `--statement` value: a JSON object with `Effect`, `Action` and
/// `Resource` keys.
pub fn parse_statement(arg: &str) -> Result<Value, String> {
    let statement = parse_lenient_json(arg).map_err(|e| format!("--statement: {e}"))?;
    let Value::Object(map) = &statement else {
        return Err(format!(
            "--statement must be a JSON object with `Effect`, `Action` and `Resource` keys, not {}",
            kind_of(&statement)
        ));
    };
    let missing: Vec<String> = ["Effect", "Action", "Resource"]
        .iter()
        .filter(|key| !map.contains_key(**key))
        .map(|key| format!("`{key}`"))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "--statement is missing required keys: {}",
            missing.join(", ")
        ));
    }
    Ok(statement)
}

/// What kind of JSON value this is, for messages.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    const SEED_EXAMPLE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject*", "s3:ListBucket"],
      "Resource": [
        "arn:aws:s3:::$!BUCKET_NAME!$",
        "arn:aws:s3:::$!BUCKET_NAME!$/*"
      ],
    }
  ]
}"#;

    #[test]
    fn lenient_json_accepts_the_seed_example() {
        let value = parse_lenient_json(SEED_EXAMPLE).unwrap();
        assert_eq!(
            value.to_string(),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject*","s3:ListBucket"],"Resource":["arn:aws:s3:::$!BUCKET_NAME!$","arn:aws:s3:::$!BUCKET_NAME!$/*"]}]}"#
        );
    }

    #[test]
    fn lenient_json_removes_only_trailing_commas() {
        let parse = |text: &str| parse_lenient_json(text).map(|v| v.to_string());
        assert_eq!(parse("[1, 2, ]").unwrap(), "[1,2]");
        assert_eq!(parse("{\"a\": [1,\n],\n}").unwrap(), r#"{"a":[1]}"#);
        assert_eq!(parse("[{},[],\"x\",]").unwrap(), r#"[{},[],"x"]"#);
        // Commas inside strings stay, escaped quotes included.
        assert_eq!(parse(r#"[",]", "a\",}",]"#).unwrap(), r#"[",]","a\",}"]"#);
        assert_eq!(parse(r#"["back\\",]"#).unwrap(), r#"["back\\"]"#);
        assert_eq!(parse("\u{feff}[1,]").unwrap(), "[1]");
        // Not a trailing comma after a value: still errors.
        assert!(parse("[,]").is_err());
        assert!(parse("{,}").is_err());
        assert!(parse("[1,,]").is_err());
        assert!(parse("{\"a\":,}").is_err());
        assert!(parse("[1],").is_err());
    }

    #[test]
    fn lenient_json_errors_name_line_and_column() {
        let error = parse_lenient_json("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!(error, "invalid JSON at line 3, column 7: expected `:`");
        // Columns after a removed comma are not shifted.
        let error = parse_lenient_json("[1,] x").unwrap_err();
        assert_eq!(
            error,
            "invalid JSON at line 1, column 6: trailing characters"
        );
        let error = parse_lenient_json("").unwrap_err();
        assert!(
            error.starts_with("invalid JSON at line 1, column 0: EOF"),
            "{error}"
        );
    }

    #[test]
    fn policy_from_literal_json() {
        let policy = parse_policy_arg(SEED_EXAMPLE, Cursor::new("")).unwrap();
        assert_eq!(policy["Statement"][0]["Effect"], "Allow");
        let single = r#"  {"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#;
        assert!(parse_policy_arg(single, Cursor::new("")).is_ok());
    }

    #[test]
    fn policy_from_stdin_and_file() {
        let policy = parse_policy_arg("-", Cursor::new(SEED_EXAMPLE)).unwrap();
        assert_eq!(policy["Version"], "2012-10-17");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.json");
        std::fs::write(&path, SEED_EXAMPLE).unwrap();
        let path = path.to_str().unwrap();
        assert_eq!(parse_policy_arg(path, Cursor::new("")).unwrap(), policy);
        let missing = dir.path().join("missing.json");
        let missing = missing.to_str().unwrap();
        let error = parse_policy_arg(missing, Cursor::new("")).unwrap_err();
        assert!(
            error.starts_with(&format!(
                "could not read --policy `{missing}`: no such file"
            )),
            "{error}"
        );
    }

    #[test]
    fn policy_errors() {
        let error = |arg: &str, stdin: &str| {
            parse_policy_arg(arg, Cursor::new(stdin.to_owned())).unwrap_err()
        };
        assert_eq!(
            error("{\"Statement\": [}", ""),
            "--policy: invalid JSON at line 1, column 16: expected value"
        );
        assert_eq!(
            error("-", "[1]"),
            "--policy from standard input: a policy must be a JSON object with a `Statement` key, not an array"
        );
        assert_eq!(
            error("{\"Version\": \"2012-10-17\"}", ""),
            "--policy: the policy has no `Statement` key"
        );
        assert_eq!(
            error("{\"Statement\": \"s3:*\"}", ""),
            "--policy: `Statement` must be an object or an array of objects"
        );
        assert_eq!(
            error("{\"Statement\": [1]}", ""),
            "--policy: `Statement` must be an object or an array of objects"
        );
    }

    #[test]
    fn statements() {
        let statement =
            parse_statement(r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",}"#).unwrap();
        assert_eq!(
            statement.to_string(),
            r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#
        );
        assert_eq!(
            parse_statement(r#"{"Effect": "Allow"}"#).unwrap_err(),
            "--statement is missing required keys: `Action`, `Resource`"
        );
        assert_eq!(
            parse_statement(r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]"#)
                .unwrap_err(),
            "--statement must be a JSON object with `Effect`, `Action` and `Resource` keys, not an array"
        );
        assert!(
            parse_statement("\"x\"")
                .unwrap_err()
                .ends_with("not a string")
        );
        assert!(
            parse_statement("{")
                .unwrap_err()
                .starts_with("--statement: invalid JSON at line 1")
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    /// Any JSON value, a few levels deep.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(Value::from),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(".{0,8}", inner, 0..4)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// JSON text with a comma before every `]` and `}` that follows a value.
    fn with_trailing_commas(value: &Value) -> String {
        match value {
            Value::Array(items) if !items.is_empty() => {
                let items: Vec<String> = items.iter().map(with_trailing_commas).collect();
                format!("[{},]", items.join(","))
            }
            Value::Object(map) if !map.is_empty() => {
                let fields: Vec<String> = map
                    .iter()
                    .map(|(k, v)| {
                        format!("{}: {}", Value::String(k.clone()), with_trailing_commas(v))
                    })
                    .collect();
                format!("{{\n  {},\n}}", fields.join(",\n  "))
            }
            other => other.to_string(),
        }
    }

    proptest! {
        #[test]
        fn lenient_json_agrees_with_strict_json_or_names_the_position(text in ".{0,200}") {
            match parse_lenient_json(&text) {
                Ok(value) => {
                    if let Ok(strict) = serde_json::from_str::<Value>(&text) {
                        prop_assert_eq!(value, strict);
                    }
                }
                Err(error) => {
                    prop_assert!(error.starts_with("invalid JSON at line "), "{}", error);
                    prop_assert!(!error.contains('\n'), "{}", error);
                }
            }
        }

        #[test]
        fn strict_json_reads_back_unchanged(value in json_value()) {
            prop_assert_eq!(parse_lenient_json(&serde_json::to_string_pretty(&value).unwrap()).unwrap(), value);
        }

        #[test]
        fn trailing_commas_are_dropped_and_nothing_else(value in json_value()) {
            prop_assert_eq!(parse_lenient_json(&with_trailing_commas(&value)).unwrap(), value);
        }

        #[test]
        fn statements_have_the_three_keys_or_an_error_naming_the_option(text in ".{0,200}") {
            match parse_statement(&text) {
                Ok(statement) => {
                    for key in ["Effect", "Action", "Resource"] {
                        prop_assert!(statement.get(key).is_some(), "{}", statement);
                    }
                }
                Err(error) => {
                    prop_assert!(error.starts_with("--statement"), "{}", error);
                    prop_assert!(!error.contains('\n'), "{}", error);
                }
            }
        }

    }
}

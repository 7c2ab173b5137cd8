//! `--expires`: a step applied to a finished policy document, whatever built
//! it (generated, `--policy`, `--statement`, split or combined), so that AWS
//! itself refuses the credentials after that moment even if nobody cleans up.
//!
//! Every `Allow` statement gets `"DateLessThan": {"aws:CurrentTime": WHEN}`
//! next to the conditions it already has (all of a statement's conditions
//! must hold, so this only narrows it). `Deny` statements are left alone: a
//! deny that lapsed with the grant would be a loosening nobody asked for,
//! and after the expiry no `Allow` is left for it to override anyway.
//! PURE: no AWS types.

use serde_json::{Map, Value};

/// The condition operator and key IAM evaluates against the request time.
const OPERATOR: &str = "DateLessThan";
const KEY: &str = "aws:CurrentTime";

/// `document` with the expiry condition on every `Allow` statement; `until`
/// is a UTC time as [`crate::settings::dates::format_utc`] writes it. A statement that
/// already has an earlier `DateLessThan aws:CurrentTime` keeps the earlier one.
pub fn with_expiry(document: &Value, until: &str) -> Value {
    let mut document = document.clone();
    match document.get_mut("Statement") {
        Some(Value::Array(statements)) => {
            for statement in statements {
                add_condition(statement, until);
            }
        }
        Some(statement @ Value::Object(_)) => add_condition(statement, until),
        _ => {}
    }
    document
}

fn add_condition(statement: &mut Value, until: &str) {
    let Some(statement) = statement.as_object_mut() else {
        return;
    };
    if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
        return;
    }
    let conditions = statement
        .entry("Condition")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(conditions) = conditions.as_object_mut() else {
        return;
    };
    let operator = conditions
        .entry(OPERATOR)
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(operator) = operator.as_object_mut() else {
        return;
    };
    // RFC 3339 UTC times in this one form compare correctly as text.
    let earlier = match operator.get(KEY).and_then(Value::as_str) {
        Some(existing) if is_utc_time(existing) && existing < until => existing.to_owned(),
        _ => until.to_owned(),
    };
    operator.insert(KEY.to_owned(), Value::String(earlier));
}

/// Whether `text` has exactly the `2026-12-31T00:00:00Z` shape.
fn is_utc_time(text: &str) -> bool {
    crate::settings::dates::parse_utc(text).is_some() && text.len() == 20 && text.ends_with('Z')
}

/// The expiry a policy's statements carry, if every `Allow` statement has one:
/// the latest of them. Used to recognise expiring grants of untagged users.
pub fn expiry_of(document: &Value) -> Option<String> {
    let statements = match document.get("Statement")? {
        Value::Array(statements) => statements.iter().collect::<Vec<_>>(),
        statement => vec![statement],
    };
    let mut latest: Option<String> = None;
    for statement in statements {
        if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let until = statement
            .get("Condition")
            .and_then(|c| c.get(OPERATOR))
            .and_then(|c| c.get(KEY))
            .and_then(Value::as_str)?;
        if latest.as_deref().is_none_or(|l| l < until) {
            latest = Some(until.to_owned());
        }
    }
    latest
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_allow_statement_expires_and_keeps_its_conditions() {
        let document = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
             "Condition": {"StringLike": {"s3:prefix": ["x/*"]}}},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/*"},
        ]});
        let expiring = with_expiry(&document, "2026-12-31T00:00:00Z");
        assert_eq!(
            expiring,
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
                 "Condition": {"StringLike": {"s3:prefix": ["x/*"]},
                               "DateLessThan": {"aws:CurrentTime": "2026-12-31T00:00:00Z"}}},
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
                 "Condition": {"DateLessThan": {"aws:CurrentTime": "2026-12-31T00:00:00Z"}}},
                {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/*"},
            ]})
        );
        assert_eq!(
            expiry_of(&expiring).as_deref(),
            Some("2026-12-31T00:00:00Z")
        );
        assert_eq!(expiry_of(&document), None);
    }

    #[test]
    fn an_earlier_expiry_in_a_statement_wins() {
        let document = json!({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z", "aws:EpochTime": "1"}}}});
        let expiring = with_expiry(&document, "2026-12-31T00:00:00Z");
        assert_eq!(
            expiring["Statement"]["Condition"]["DateLessThan"],
            json!({"aws:CurrentTime": "2026-01-01T00:00:00Z", "aws:EpochTime": "1"})
        );
        let later = json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}}]});
        assert_eq!(
            with_expiry(&later, "2026-12-31T00:00:00Z")["Statement"][0]["Condition"]["DateLessThan"]
                ["aws:CurrentTime"],
            "2026-12-31T00:00:00Z"
        );
    }
}

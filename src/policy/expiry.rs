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
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::macros::format_description;
use time::{Date, OffsetDateTime};

/// The condition operator and key IAM evaluates against the request time.
const OPERATOR: &str = "DateLessThan";
const KEY: &str = "aws:CurrentTime";

/// `document` with the expiry condition on every `Allow` statement; `until`
/// is a UTC time as [`crate::settings::dates::format_utc`] writes it.
///
/// The earlier expiry always wins: a statement whose `DateLessThan`
/// `aws:CurrentTime` already ends at or before `until` keeps its value as
/// written; otherwise the value becomes `until`. A list of values matches
/// when any of them does, so its effective end is its latest element.
/// Values [`check_existing`] refuses are left as they are (callers check
/// first, so this does not happen).
pub fn with_expiry(document: &Value, until: &str) -> Value {
    let mut document = document.clone();
    let Some(limit) = crate::settings::dates::parse_utc(until) else {
        return document;
    };
    for statement in allow_statements(&mut document) {
        add_condition(statement, until, limit);
    }
    document
}

/// Refuse a document whose `Allow` statements carry a `DateLessThan`
/// `aws:CurrentTime` value the tool cannot read as IAM does, since
/// `--expires` could not tell which expiry is earlier.
pub fn check_existing(document: &Value) -> Result<(), String> {
    let mut document = document.clone();
    for statement in allow_statements(&mut document) {
        let Some(value) = existing(statement) else {
            continue;
        };
        if effective_end(value).is_none() {
            return Err(format!(
                "cannot combine --expires with the {OPERATOR} {KEY} value {value}: \
                 use an ISO 8601 date or date-time with a time zone, or epoch seconds"
            ));
        }
    }
    Ok(())
}

/// The `Allow` statements of a document, `Statement` being one or a list.
fn allow_statements(document: &mut Value) -> Vec<&mut Value> {
    let statements: Vec<&mut Value> = match document.get_mut("Statement") {
        Some(Value::Array(statements)) => statements.iter_mut().collect(),
        Some(statement @ Value::Object(_)) => vec![statement],
        _ => Vec::new(),
    };
    statements
        .into_iter()
        .filter(|s| s.get("Effect").and_then(Value::as_str) == Some("Allow"))
        .collect()
}

/// The statement's `DateLessThan` `aws:CurrentTime` value, if it has one
/// (IAM reads condition keys in any case). A `Condition` or operator that is
/// not an object is returned whole, as unreadable.
fn existing(statement: &Value) -> Option<&Value> {
    let conditions = statement.get("Condition")?;
    let Some(conditions) = conditions.as_object() else {
        return Some(conditions);
    };
    let operator = conditions.get(OPERATOR)?;
    let Some(operator) = operator.as_object() else {
        return Some(operator);
    };
    operator
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(KEY))
        .map(|(_, value)| value)
}

/// Put `until` on the statement unless it already ends at or before it.
fn add_condition(statement: &mut Value, until: &str, limit: OffsetDateTime) {
    if let Some(value) = existing(statement) {
        match effective_end(value) {
            Some(end) if end <= limit => return,
            Some(_) => {}
            None => return,
        }
    }
    let Some(statement) = statement.as_object_mut() else {
        return;
    };
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
    // The later value is replaced in place, under the key as written.
    let key = operator
        .keys()
        .find(|key| key.eq_ignore_ascii_case(KEY))
        .cloned()
        .unwrap_or_else(|| KEY.to_owned());
    operator.insert(key, Value::String(until.to_owned()));
}

/// When a condition value stops matching: the time itself, or for a list
/// (any of which may match) its latest; `None` when any part is unreadable.
fn effective_end(value: &Value) -> Option<OffsetDateTime> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(iam_date)
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .max(),
        one => iam_date(one),
    }
}

/// A date as IAM's date condition operators read it
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date>):
/// ISO 8601 (a date, or a date-time with `Z` or an offset, fractional
/// seconds allowed) or epoch seconds, as a number or a string.
pub fn iam_date(value: &Value) -> Option<OffsetDateTime> {
    let text = match value {
        Value::Number(number) => return OffsetDateTime::from_unix_timestamp(number.as_i64()?).ok(),
        Value::String(text) => text.as_str(),
        _ => return None,
    };
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return OffsetDateTime::from_unix_timestamp(text.parse().ok()?).ok();
    }
    if let Ok(when) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(when);
    }
    if let Ok(when) = OffsetDateTime::parse(text, &Iso8601::DEFAULT) {
        return Some(when);
    }
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .ok()
        .map(|date| date.midnight().assume_utc())
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

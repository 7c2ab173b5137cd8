//! Points in time and ages given on the command line: `--expires WHEN`
//! (`30d`, `12h`, an ISO date or date-time) and `--unused-for AGE`.
//!
//! Everything is UTC and whole seconds, written `2026-12-31T00:00:00Z`: the
//! form IAM's `aws:CurrentTime` condition compares against and that fits in
//! an IAM tag value.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// What an age or relative time may look like, for error messages.
const AGE_FORMS: &str = "a number with a unit such as `90m`, `12h`, `30d` or `2w`";

/// Parse an age: a whole number followed by `m` (minutes), `h` (hours),
/// `d` (days) or `w` (weeks). It must be more than zero.
pub fn parse_age(arg: &str) -> Result<Duration, String> {
    let Some((index, unit)) = arg.char_indices().last() else {
        return Err(format!("must be {AGE_FORMS}, not an empty value"));
    };
    let unit_seconds: i64 = match unit {
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return Err(format!("must be {AGE_FORMS}, not `{arg}`")),
    };
    let digits = &arg[..index];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("must be {AGE_FORMS}, not `{arg}`"));
    }
    // About 100 years is already more than anyone means; it also keeps the
    // arithmetic below far from overflowing.
    let seconds = digits
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(unit_seconds))
        .filter(|s| (1..=100 * 366 * 86_400).contains(s))
        .ok_or_else(|| {
            format!("`{arg}` is out of range: use more than zero and under 100 years")
        })?;
    Ok(Duration::seconds(seconds))
}

/// Parse `--expires`: an age from `now` (`30d`, `12h`), a date (`2026-12-31`,
/// midnight UTC at its start) or an RFC 3339 date-time (`2026-12-31T18:00:00Z`,
/// `2026-12-31T18:00:00+02:00`). The result must be after `now`.
pub fn parse_expires(arg: &str, now: OffsetDateTime) -> Result<OffsetDateTime, String> {
    let when = match parse_age(arg) {
        Ok(age) => now + age,
        // Shaped like an age but refused (`40000d`, `0d`): say why.
        Err(problem) if is_age_shaped(arg) => return Err(problem),
        Err(_) => parse_date_time(arg)?,
    };
    let when = when
        .to_offset(UtcOffset::UTC)
        .replace_nanosecond(0)
        .map_err(|e| e.to_string())?;
    if when <= now {
        return Err(format!(
            "`{arg}` is not in the future (it is {} UTC)",
            format_printed(when).trim_end_matches("+00:00")
        ));
    }
    Ok(when)
}

/// Whether `arg` is digits followed by one of the age units.
fn is_age_shaped(arg: &str) -> bool {
    let Some(digits) = arg.strip_suffix(['m', 'h', 'd', 'w']) else {
        return false;
    };
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Parse an optional `--expires` given now, as a usage error naming the option.
pub fn expires_option(
    arg: Option<&str>,
) -> Result<Option<OffsetDateTime>, crate::error::UsageError> {
    arg.map(|arg| parse_expires(arg, OffsetDateTime::now_utc()))
        .transpose()
        .map_err(|e| crate::error::UsageError(format!("--expires: {e}")))
}

/// Parse an optional age option (`--unused-for`), as a usage error naming it.
pub fn age_option(
    option: &str,
    arg: Option<&str>,
) -> Result<Option<Duration>, crate::error::UsageError> {
    arg.map(parse_age)
        .transpose()
        .map_err(|e| crate::error::UsageError(format!("{option}: {e}")))
}

/// An ISO date (`2026-12-31`) or RFC 3339 date-time.
fn parse_date_time(arg: &str) -> Result<OffsetDateTime, String> {
    if let Ok(when) = OffsetDateTime::parse(arg, &Rfc3339) {
        return Ok(when);
    }
    if let Ok(date) = Date::parse(arg, format_description!("[year]-[month]-[day]")) {
        return Ok(date.midnight().assume_utc());
    }
    // A date-time without an offset would be ambiguous: say what to add.
    if PrimitiveDateTime::parse(
        arg,
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
    )
    .is_ok()
    {
        return Err(format!(
            "`{arg}` has no time zone: add `Z` for UTC or an offset such as `+02:00`"
        ));
    }
    Err(format!(
        "must be {AGE_FORMS}, a date such as `2026-12-31`, or a date-time such as \
         `2026-12-31T18:00:00Z`, not `{arg}`"
    ))
}

/// A UTC time as IAM conditions and tags carry it: `2026-12-31T00:00:00Z`.
pub fn format_utc(when: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    when.to_offset(UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| when.unix_timestamp().to_string())
}

/// Read back a time written by [`format_utc`] (or any RFC 3339 time).
pub fn parse_utc(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// A time as the tool prints timestamps: `2026-12-31 00:00:00+00:00`.
pub fn format_printed(when: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]+00:00");
    when.to_offset(UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| when.unix_timestamp().to_string())
}

/// An AWS SDK timestamp as a `time` value.
pub fn from_aws(date: &aws_smithy_types::DateTime) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(date.secs()).ok()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-11-29 22:00:00.5 UTC);

    #[test]
    fn ages() {
        assert_eq!(parse_age("90m"), Ok(Duration::minutes(90)));
        assert_eq!(parse_age("12h"), Ok(Duration::hours(12)));
        assert_eq!(parse_age("30d"), Ok(Duration::days(30)));
        assert_eq!(parse_age("2w"), Ok(Duration::days(14)));
        for bad in ["", "d", "30", "30s", "-1d", "1.5d", "30 d", "3Od"] {
            assert!(
                parse_age(bad)
                    .unwrap_err()
                    .starts_with("must be a number with a unit"),
                "{bad}"
            );
        }
        assert_eq!(
            parse_age("0d").unwrap_err(),
            "`0d` is out of range: use more than zero and under 100 years"
        );
        assert!(parse_age("99999999999999999999w").is_err());
        assert!(parse_age("40000d").is_err());
    }

    #[test]
    fn expires_relative_and_absolute() {
        let parse = |arg| parse_expires(arg, NOW).map(format_utc);
        assert_eq!(parse("30d").unwrap(), "2026-12-29T22:00:00Z");
        assert_eq!(parse("12h").unwrap(), "2026-11-30T10:00:00Z");
        assert_eq!(parse("2026-12-31").unwrap(), "2026-12-31T00:00:00Z");
        assert_eq!(
            parse("2026-12-31T18:30:00Z").unwrap(),
            "2026-12-31T18:30:00Z"
        );
        assert_eq!(
            parse("2026-12-31T18:30:00+02:00").unwrap(),
            "2026-12-31T16:30:00Z"
        );
        assert_eq!(
            parse("2026-12-31T18:30:00.75Z").unwrap(),
            "2026-12-31T18:30:00Z"
        );
    }

    #[test]
    fn expires_refuses_the_past_and_nonsense() {
        assert_eq!(
            parse_expires("2026-11-29", NOW).unwrap_err(),
            "`2026-11-29` is not in the future (it is 2026-11-29 00:00:00 UTC)"
        );
        assert_eq!(
            parse_expires("2026-12-31T18:00:00", NOW).unwrap_err(),
            "`2026-12-31T18:00:00` has no time zone: add `Z` for UTC or an offset such as `+02:00`"
        );
        for bad in ["tomorrow", "", "2026-13-01", "30s", "2026/12/31"] {
            assert!(
                parse_expires(bad, NOW)
                    .unwrap_err()
                    .starts_with("must be a number with a unit"),
                "{bad}"
            );
        }
    }

    #[test]
    fn formats_round_trip() {
        let when = datetime!(2026-12-31 16:30:00 UTC);
        assert_eq!(parse_utc(&format_utc(when)), Some(when));
        assert_eq!(format_printed(when), "2026-12-31 16:30:00+00:00");
    }
}

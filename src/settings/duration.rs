//! `--duration`: how long temporary credentials last, in the range STS and
//! the tool's role allow.

use crate::error::UsageError;

/// The shortest duration STS issues credentials for, in seconds.
pub const MIN_DURATION_SECONDS: u32 = 15 * 60;

/// The longest session the tool's role allows, in seconds.
pub const MAX_DURATION_SECONDS: u32 = 12 * 60 * 60;

/// Parse a `--duration`: `3600` or `900s` (seconds), `15m`, `1h`; it must be
/// from 15 minutes to 12 hours.
pub fn parse_duration(arg: &str) -> Result<u32, String> {
    let (digits, unit) = match arg.char_indices().last() {
        Some((index, 's')) => (&arg[..index], 1),
        Some((index, 'm')) => (&arg[..index], 60),
        Some((index, 'h')) => (&arg[..index], 3600),
        _ => (arg, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "duration must look like 3600, 900s, 15m or 1h, not `{arg}`"
        ));
    }
    // Too many digits for a u64 is out of range too.
    let seconds = digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| (MIN_DURATION_SECONDS..=MAX_DURATION_SECONDS).contains(n));
    seconds.ok_or_else(|| format!("duration must be between 15 minutes and 12 hours, not `{arg}`"))
}

/// Parse the `--duration` option, naming it in the error.
pub fn duration_option(arg: &str) -> Result<u32, UsageError> {
    parse_duration(arg).map_err(|e| UsageError(format!("--duration: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("3600"), Ok(3600));
        assert_eq!(parse_duration("900s"), Ok(900));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("1h"), Ok(3600));
        assert_eq!(parse_duration("12h"), Ok(43200));
        assert_eq!(parse_duration("720m"), Ok(43200));
        let range = "duration must be between 15 minutes and 12 hours";
        for bad in [
            "0",
            "899",
            "14m",
            "13h",
            "43201s",
            "99999999999999999999h",
            "4294967296",
        ] {
            let error = parse_duration(bad).unwrap_err();
            assert_eq!(error, format!("{range}, not `{bad}`"));
        }
        let form = "duration must look like 3600, 900s, 15m or 1h";
        for bad in [
            "", "15x", "h", "1.5h", "-15m", " 15m", "15 m", "1H", "١h", "15mm",
        ] {
            let error = parse_duration(bad).unwrap_err();
            assert_eq!(error, format!("{form}, not `{bad}`"));
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_duration_is_in_range_or_an_error(text in prop_oneof!["[0-9]{1,7}[smh]?", ".{0,30}"]) {
            match parse_duration(&text) {
                Ok(seconds) => prop_assert!((MIN_DURATION_SECONDS..=MAX_DURATION_SECONDS).contains(&seconds)),
                Err(error) => prop_assert!(error.starts_with("duration must"), "{}", error),
            }
        }

        #[test]
        fn durations_in_range_round_trip(seconds in MIN_DURATION_SECONDS..=MAX_DURATION_SECONDS) {
            prop_assert_eq!(parse_duration(&seconds.to_string()), Ok(seconds));
            prop_assert_eq!(parse_duration(&format!("{seconds}s")), Ok(seconds));
            let minutes = seconds / 60;
            if minutes * 60 >= MIN_DURATION_SECONDS {
                prop_assert_eq!(parse_duration(&format!("{minutes}m")), Ok(minutes * 60));
            }
        }

        #[test]
        fn durations_out_of_range_fail(seconds in prop_oneof![0u64..MIN_DURATION_SECONDS as u64, MAX_DURATION_SECONDS as u64 + 1..u64::MAX]) {
            prop_assert!(parse_duration(&seconds.to_string()).is_err());
        }

    }
}

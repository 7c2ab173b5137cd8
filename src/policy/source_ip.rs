//! `--source-ip`: a step applied to a finished policy document, like
//! [`super::expiry`], so that AWS refuses requests from other addresses.
//!
//! Every `Allow` statement gets `"IpAddress": {"aws:SourceIp": [CIDRs]}`
//! next to the conditions it already has (all must hold, so this only
//! narrows it). `Deny` statements are left alone, as for `--expires`: a deny
//! limited to some addresses would deny less than its author wrote.
//!
//! A statement (`--statement`, `--policy`) that already has an `IpAddress`
//! `aws:SourceIp` keeps only the addresses both lists allow: the
//! intersection, never the union. A value the tool cannot read, or one that
//! shares no address with `--source-ip`, is refused before any change by
//! [`check_existing`], since the statement would then allow more, or
//! nothing.
//! PURE: no AWS types.

use std::net::IpAddr;

use serde_json::{Map, Value};

/// The condition operator and key IAM compares with the caller's address.
const OPERATOR: &str = "IpAddress";
const KEY: &str = "aws:SourceIp";

/// An IPv4 or IPv6 network: its address with the host bits zero, as a
/// number, and the length of its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    address: IpAddr,
    length: u8,
}

impl Cidr {
    /// Parse `203.0.113.0/24`, `2001:db8::/32`, or a single address (a
    /// network of one). Host bits after the prefix length are refused: IAM
    /// would ignore them and grant the whole network, which is rarely what
    /// `10.0.0.1/8` meant.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (address, length) = match text.split_once('/') {
            Some((address, length)) => (address, Some(length)),
            None => (text, None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| format!("`{text}` is not an IPv4 or IPv6 address or network"))?;
        let bits = width(address);
        let length = match length {
            None => bits,
            // Digits only, as written (no `+8`, no `08`).
            Some(written) => match written.parse::<u8>() {
                Ok(length) if length <= bits && length.to_string() == written => length,
                _ => {
                    return Err(format!(
                        "`{text}` has prefix length `{written}`: use 0 to {bits}"
                    ));
                }
            },
        };
        let cidr = Self { address, length };
        if bits_of(address) != cidr.network() {
            return Err(format!(
                "`{text}` has host bits set after /{length}: the network is `{}`",
                Self {
                    address: from_bits(address, cidr.network()),
                    length
                }
            ));
        }
        Ok(cidr)
    }

    /// The address with the bits after the prefix cleared.
    fn network(&self) -> u128 {
        let bits = width(self.address);
        let host = u32::from(bits - self.length);
        let mask = u128::MAX.checked_shl(host).unwrap_or(0);
        bits_of(self.address) & mask
    }

    /// Whether every address of `self` is in `other`.
    fn within(&self, other: &Self) -> bool {
        width(self.address) == width(other.address)
            && self.length >= other.length
            && (Self {
                address: self.address,
                length: other.length,
            })
            .network()
                == other.network()
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.address, self.length)
    }
}

fn width(address: IpAddr) -> u8 {
    match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn bits_of(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn from_bits(like: IpAddr, bits: u128) -> IpAddr {
    match like {
        // The bits came from an IPv4 address, so they fit 32 bits.
        IpAddr::V4(_) => IpAddr::V4(u32::try_from(bits).unwrap_or(0).into()),
        IpAddr::V6(_) => IpAddr::V6(bits.into()),
    }
}

/// The networks both lists allow: each network of one that lies within a
/// network of the other, once each, in the order of `existing`.
fn intersection(existing: &[Cidr], ours: &[Cidr]) -> Vec<Cidr> {
    let mut both = Vec::new();
    for e in existing {
        for o in ours {
            let narrower = if e.within(o) {
                *e
            } else if o.within(e) {
                *o
            } else {
                continue;
            };
            if !both.contains(&narrower) {
                both.push(narrower);
            }
        }
    }
    both
}

/// The networks of a condition value (one string or a list of them), or
/// `None` when any is unreadable.
fn networks(value: &Value) -> Option<Vec<Cidr>> {
    let one = |v: &Value| v.as_str().and_then(|text| Cidr::parse(text).ok());
    match value {
        Value::Array(items) => items.iter().map(one).collect(),
        single => one(single).map(|cidr| vec![cidr]),
    }
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

/// The statement's `IpAddress` `aws:SourceIp` value, if it has one (IAM
/// reads condition keys in any case). A `Condition` or operator that is not
/// an object is returned whole, as unreadable.
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

/// Refuse a document with an `Allow` statement whose own `IpAddress`
/// `aws:SourceIp` the tool cannot read, or that shares no address with
/// `cidrs`: combining them would widen the statement, or leave it nothing.
pub fn check_existing(document: &Value, cidrs: &[Cidr]) -> Result<(), String> {
    let mut document = document.clone();
    for statement in allow_statements(&mut document) {
        let Some(value) = existing(statement) else {
            continue;
        };
        match networks(value) {
            None => {
                return Err(format!(
                    "cannot combine --source-ip with the {OPERATOR} {KEY} value {value}: \
                     use IPv4 or IPv6 networks in CIDR notation"
                ));
            }
            Some(theirs) if intersection(&theirs, cidrs).is_empty() => {
                return Err(format!(
                    "the {OPERATOR} {KEY} value {value} shares no address with --source-ip, \
                     so the statement would allow nothing"
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// `document` with the source address condition on every `Allow`
/// statement; one that already has one keeps the intersection. Values
/// [`check_existing`] refuses are left as they are (callers check first).
pub fn with_source_ip(document: &Value, cidrs: &[Cidr]) -> Value {
    let mut document = document.clone();
    for statement in allow_statements(&mut document) {
        let allowed = match existing(statement).map(networks) {
            None => cidrs.to_vec(),
            Some(Some(theirs)) => intersection(&theirs, cidrs),
            Some(None) => continue,
        };
        if allowed.is_empty() {
            continue;
        }
        let value: Value = allowed
            .iter()
            .map(|c| Value::String(c.to_string()))
            .collect();
        put_condition(statement, value);
    }
    document
}

/// Set the statement's `IpAddress` `aws:SourceIp` to `value`, under the key
/// as written when there is one.
fn put_condition(statement: &mut Value, value: Value) {
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
    let key = operator
        .keys()
        .find(|key| key.eq_ignore_ascii_case(KEY))
        .cloned()
        .unwrap_or_else(|| KEY.to_owned());
    operator.insert(key, value);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cidrs(texts: &[&str]) -> Vec<Cidr> {
        texts.iter().map(|t| Cidr::parse(t).unwrap()).collect()
    }

    #[test]
    fn networks_parse_in_both_families() {
        assert_eq!(
            Cidr::parse("203.0.113.0/24").unwrap().to_string(),
            "203.0.113.0/24"
        );
        assert_eq!(
            Cidr::parse("203.0.113.7").unwrap().to_string(),
            "203.0.113.7/32"
        );
        assert_eq!(
            Cidr::parse("2001:db8::/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert_eq!(Cidr::parse("::1").unwrap().to_string(), "::1/128");
        assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().to_string(), "0.0.0.0/0");
        assert_eq!(
            Cidr::parse("10.0.0.1/8"),
            Err("`10.0.0.1/8` has host bits set after /8: the network is `10.0.0.0/8`".to_owned())
        );
        assert_eq!(
            Cidr::parse("10.0.0.0/33"),
            Err("`10.0.0.0/33` has prefix length `33`: use 0 to 32".to_owned())
        );
        for bad in [
            "",
            "10.0.0",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/08",
            "host/8",
            "2001:db8::/129",
        ] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_allow_statement_gets_the_addresses_and_deny_is_left_alone() {
        let document = json!({"Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
             "Condition": {"StringLike": {"s3:prefix": "x/*"}}},
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
        ]});
        let limited = with_source_ip(&document, &cidrs(&["203.0.113.0/24", "2001:db8::/32"]));
        assert_eq!(
            limited,
            json!({"Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                 "Condition": {"StringLike": {"s3:prefix": "x/*"},
                               "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}},
                {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
            ]})
        );
    }

    #[test]
    fn an_existing_condition_keeps_only_the_addresses_both_allow() {
        let statement = |value: Value| {
            json!({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                "Condition": {"IpAddress": {"AWS:SourceIP": value}}}})
        };
        let ours = cidrs(&["10.0.0.0/8", "192.0.2.0/24"]);
        let limited = with_source_ip(
            &statement(json!(["10.1.0.0/16", "192.0.0.0/16", "172.16.0.0/12"])),
            &ours,
        );
        assert_eq!(
            limited["Statement"]["Condition"]["IpAddress"],
            json!({"AWS:SourceIP": ["10.1.0.0/16", "192.0.2.0/24"]})
        );
        assert_eq!(
            check_existing(&statement(json!("10.1.0.0/16")), &ours),
            Ok(())
        );
        assert_eq!(
            check_existing(&statement(json!("172.16.0.0/12")), &ours),
            Err(
                "the IpAddress aws:SourceIp value \"172.16.0.0/12\" shares no address with \
                 --source-ip, so the statement would allow nothing"
                    .to_owned()
            )
        );
        assert!(
            check_existing(&statement(json!("anywhere")), &ours)
                .unwrap_err()
                .starts_with(
                    "cannot combine --source-ip with the IpAddress aws:SourceIp value \"anywhere\""
                )
        );
    }
}

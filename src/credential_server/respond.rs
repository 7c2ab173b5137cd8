//! What the credential server answers, as pure functions of the request:
//! who may ask, which method and path serve credentials, and the JSON bodies.

use std::net::IpAddr;
use std::time::SystemTime;

use hyper::StatusCode;
use serde_json::Value;

use super::cache::rfc3339;
use crate::iam::temporary::TemporaryCredentials;
use crate::output::Object;

/// Who may fetch credentials, and in which shape they are served.
#[derive(Debug, Clone, Default)]
pub struct Admission {
    /// The exact `Authorization` header value required, if any.
    pub token: Option<String>,
    /// The host names requests may carry in `Host` besides loopback
    /// addresses; `None` accepts any (the server listens on a public address).
    pub host_names: Option<Vec<String>>,
    /// Also answer in the container-credentials shape (`Token`).
    pub container: bool,
}

/// The parts of a request the answer depends on.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    /// The `Host` header.
    pub host: Option<&'a str>,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
}

/// What to do with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Answer with the credentials.
    Credentials,
    /// Refuse, with this status and message.
    Refuse(StatusCode, &'static str),
}

/// The raw parts of a request that name its host, before any check.
#[derive(Debug, Clone, Copy)]
pub struct HostParts<'s, 'a> {
    /// Every `Host` header, as sent (bytes: a header need not be text).
    pub headers: &'s [&'a [u8]],
    /// HTTP/1.1 or later, where `Host` is required (RFC 9112, section 3.2).
    pub requires_host: bool,
    /// The `host[:port]` of an absolute-form target (`GET http://h/ HTTP/1.1`).
    pub target: Option<&'a str>,
}

/// The `Host` of a request, checked as RFC 9112 (section 3.2) asks of a
/// server: `Err` (answered 400) for a missing `Host` on HTTP/1.1, more than
/// one, one that is not a valid `host[:port]`, or an absolute-form target
/// naming another host than `Host` (this server is no proxy). `Ok(None)`
/// only for HTTP/1.0 without `Host`.
pub fn checked_host<'a>(parts: &HostParts<'_, 'a>) -> Result<Option<&'a str>, &'static str> {
    let host = match parts.headers {
        [] if parts.requires_host => return Err("bad request: the Host header is missing"),
        [] => None,
        [one] => Some(
            std::str::from_utf8(one)
                .ok()
                .filter(|host| valid_host(host))
                .ok_or("bad request: the Host header is not a valid host name")?,
        ),
        _ => return Err("bad request: more than one Host header"),
    };
    match (parts.target, host) {
        (Some(target), Some(host)) if target.eq_ignore_ascii_case(host) => Ok(Some(host)),
        (Some(_), _) => Err("bad request: the request names another host than its Host header"),
        (None, host) => Ok(host),
    }
}

/// `name`, `name:port`, `1.2.3.4:port` or `[v6]:port`, nothing else
/// (RFC 3986 `host [ ":" port ]`, without percent-encoding or user info).
fn valid_host(host: &str) -> bool {
    let (name, port) = if host.starts_with('[') {
        let Some(end) = host.find(']') else {
            return false;
        };
        let (name, rest) = host.split_at(end + 1);
        match rest.strip_prefix(':') {
            Some(port) => (name, port),
            None if rest.is_empty() => (name, ""),
            None => return false,
        }
    } else {
        host.rsplit_once(':').unwrap_or((host, ""))
    };
    let name_ok = match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        Some(address) => address.parse::<std::net::Ipv6Addr>().is_ok(),
        None => {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        }
    };
    name_ok && port.bytes().all(|b| b.is_ascii_digit()) && port.len() <= 5
}

impl Admission {
    /// Decide how to answer `request`. The host and token are checked before
    /// anything else, so that a client without them learns nothing more.
    pub fn route(&self, request: &Request<'_>) -> Route {
        if !self.host_allowed(request.host) {
            return Route::Refuse(
                StatusCode::FORBIDDEN,
                "forbidden: this server only answers requests addressed to localhost",
            );
        }
        if let Some(token) = &self.token {
            let given = request.authorization.unwrap_or_default();
            if !same_secret(given.as_bytes(), token.as_bytes()) {
                return Route::Refuse(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized: send the server's token in the Authorization header",
                );
            }
        }
        if request.method != "GET" {
            return Route::Refuse(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed: credentials are fetched with GET",
            );
        }
        if request.path != "/" {
            return Route::Refuse(
                StatusCode::NOT_FOUND,
                "not found: credentials are served at `/`",
            );
        }
        Route::Credentials
    }

    /// A loopback server refuses other host names, which is what a web page
    /// using DNS rebinding to reach it would send. Requests without `Host`
    /// (HTTP/1.0 only, see [`checked_host`]) do not come from browsers and
    /// are let through.
    fn host_allowed(&self, host: Option<&str>) -> bool {
        let (Some(names), Some(host)) = (&self.host_names, host) else {
            return true;
        };
        let name = strip_port(host).to_ascii_lowercase();
        let address = name.trim_start_matches('[').trim_end_matches(']');
        address.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
            || name == "localhost"
            || names
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(&name))
    }

    /// The credentials as JSON: the `credential_process` shape, plus `Token`
    /// for container-credentials clients when asked for.
    pub fn credentials_body(&self, credentials: &TemporaryCredentials) -> Value {
        let expiration = SystemTime::try_from(credentials.expiration)
            .map(rfc3339)
            .unwrap_or_default();
        let mut body = Object::new()
            .with("Version", 1)
            .with("AccessKeyId", credentials.access_key_id.as_str())
            .with("SecretAccessKey", credentials.secret_access_key.as_str())
            .with("SessionToken", credentials.session_token.as_str());
        if self.container {
            body = body.with("Token", credentials.session_token.as_str());
        }
        body.with("Expiration", expiration).into()
    }
}

/// The body of every answer that carries no credentials.
pub fn error_body(message: &str) -> Value {
    Object::new().with("error", message).into()
}

/// `host:port` → `host`, for names, IPv4 and bracketed IPv6 addresses.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

/// Compare secrets without stopping at the first difference, so that the
/// time taken says nothing about how much of a guess was right.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0, |difference, (a, b)| difference | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str) -> Request<'_> {
        Request {
            method: "GET",
            path,
            host: Some("localhost:8094"),
            authorization: None,
        }
    }

    fn loopback() -> Admission {
        Admission {
            host_names: Some(vec!["localhost".into()]),
            ..Admission::default()
        }
    }

    #[test]
    fn only_get_on_the_root_serves_credentials() {
        let policy = loopback();
        assert_eq!(policy.route(&get("/")), Route::Credentials);
        assert_eq!(
            policy.route(&get("/other")).status(),
            Some(StatusCode::NOT_FOUND)
        );
        let post = Request {
            method: "POST",
            ..get("/")
        };
        assert_eq!(
            policy.route(&post).status(),
            Some(StatusCode::METHOD_NOT_ALLOWED)
        );
    }

    #[test]
    fn a_token_is_checked_before_anything_else() {
        let policy = Admission {
            token: Some("s3cr3t".into()),
            ..loopback()
        };
        let wrong = Request {
            authorization: Some("s3cr3"),
            ..get("/missing")
        };
        assert_eq!(
            policy.route(&wrong).status(),
            Some(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(
            policy.route(&get("/")).status(),
            Some(StatusCode::UNAUTHORIZED)
        );
        let right = Request {
            authorization: Some("s3cr3t"),
            ..get("/")
        };
        assert_eq!(policy.route(&right), Route::Credentials);
    }

    #[test]
    fn loopback_servers_refuse_other_host_names() {
        let policy = loopback();
        for host in ["127.0.0.1:8094", "[::1]:80", "LOCALHOST", "127.1.2.3"] {
            let request = Request {
                host: Some(host),
                ..get("/")
            };
            assert_eq!(policy.route(&request), Route::Credentials, "{host}");
        }
        let rebound = Request {
            host: Some("attacker.example:8094"),
            ..get("/")
        };
        assert_eq!(policy.route(&rebound).status(), Some(StatusCode::FORBIDDEN));
        assert_eq!(Admission::default().route(&rebound), Route::Credentials);
    }

    fn host_of<'a>(
        headers: &[&'a [u8]],
        requires_host: bool,
        target: Option<&'a str>,
    ) -> Result<Option<&'a str>, &'static str> {
        checked_host(&HostParts {
            headers,
            requires_host,
            target,
        })
    }

    #[test]
    fn hosts_must_be_present_single_valid_and_agree_with_the_target() {
        let ok = |host: &'static str| host_of(&[host.as_bytes()], true, None);
        for host in [
            "localhost",
            "localhost:8094",
            "127.0.0.1:80",
            "[::1]:8094",
            "[::1]",
            "my-host.example",
        ] {
            assert_eq!(ok(host), Ok(Some(host)), "{host}");
        }
        for host in [
            "",
            "evil\u{ff}.example",
            "a b",
            "user@localhost",
            "localhost:80x",
            "[::1",
            "[nope]:80",
            "[::1]x",
            "localhost:123456",
        ] {
            assert_eq!(
                ok(host),
                Err("bad request: the Host header is not a valid host name"),
                "{host:?}"
            );
        }
        assert_eq!(
            host_of(&[b"evil\xff.example"], true, None),
            Err("bad request: the Host header is not a valid host name")
        );
        assert_eq!(
            host_of(&[], true, None),
            Err("bad request: the Host header is missing")
        );
        assert_eq!(host_of(&[], false, None), Ok(None));
        assert_eq!(
            host_of(&[b"localhost", b"localhost"], true, None),
            Err("bad request: more than one Host header")
        );
        assert_eq!(
            host_of(&[b"localhost"], true, Some("evil.example")),
            Err("bad request: the request names another host than its Host header")
        );
        assert_eq!(
            host_of(&[], false, Some("localhost")),
            Err("bad request: the request names another host than its Host header")
        );
        assert_eq!(
            host_of(&[b"LocalHost:8094"], true, Some("localhost:8094")),
            Ok(Some("LocalHost:8094"))
        );
    }

    #[test]
    fn bodies_have_the_credential_process_shape() {
        let credentials = TemporaryCredentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: "secret".into(),
            session_token: "token".into(),
            expiration: aws_smithy_types::DateTime::from_fractional_secs(1_635_903_504, 0.25),
        };
        assert_eq!(
            Admission::default()
                .credentials_body(&credentials)
                .to_string(),
            r#"{"Version":1,"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"secret","SessionToken":"token","Expiration":"2021-11-03T01:38:24Z"}"#
        );
        let container = Admission {
            container: true,
            ..Admission::default()
        };
        assert_eq!(
            container.credentials_body(&credentials)["Token"],
            Value::from("token")
        );
    }

    impl Route {
        fn status(self) -> Option<StatusCode> {
            match self {
                Route::Credentials => None,
                Route::Refuse(status, _) => Some(status),
            }
        }
    }
}

//! `localserver`: serve temporary credentials for one bucket over HTTP,
//! for `credential_process` (and, with `--container`, for SDKs' container
//! credentials provider), refreshing them before they expire.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::Context;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::aws::Clients;
use crate::bucket_config::Bucket;
use crate::cli::LocalserverArgs;
use crate::credential_server::cache::{CredentialCache, Fetch, Log};
use crate::credential_server::respond::Admission;
use crate::credential_server::{self, Server};
use crate::error::{ExitStatus, UsageError};
use crate::output::Console;
use crate::policy::Permission;
use crate::settings::Access;
use crate::settings::input::OptionText;
use crate::settings::values::{duration_option, role_session_name};
use crate::signals::{GRACE, Interrupted, StopSignals};
use crate::temporary::{self, ROLE_NAME, RoleChange};

/// Where the token clients must send comes from.
enum Token {
    /// No token: anyone who can connect gets credentials.
    None,
    /// Read from `--token-file`.
    File(String),
    /// Made up at start (`--generate-token`) and printed on stdout.
    Generated(String),
}

impl Token {
    fn value(&self) -> Option<String> {
        match self {
            Self::None => None,
            Self::File(token) | Self::Generated(token) => Some(token.clone()),
        }
    }
}

/// The checked options.
struct Settings {
    /// The checked access options, for their warnings.
    access: Access,
    permission: Permission,
    policy: Value,
    session_name: String,
    duration_seconds: i32,
    token: Token,
}

impl Settings {
    /// Check every option before any AWS call.
    fn from_args(args: &LocalserverArgs) -> Result<Self, UsageError> {
        let buckets = [args.bucket.clone()];
        let access = Access::from_args(&args.access, &buckets)?;
        let seconds = duration_option(&args.duration)?;
        let custom = !access.statements.is_empty();
        Ok(Self {
            permission: access.permission,
            policy: access
                .policy(&buckets)
                .map_err(|e| UsageError(e.to_string()))?,
            session_name: role_session_name(access.permission.label(custom), &buckets),
            duration_seconds: i32::try_from(seconds).unwrap_or(i32::MAX),
            token: read_token(args)?,
            access,
        })
    }
}

/// The token from `--token-file`, or a new one for `--generate-token`.
fn read_token(args: &LocalserverArgs) -> Result<Token, UsageError> {
    if let Some(path) = &args.token_file {
        let input = OptionText::read_file("--token-file", path)?;
        return token_from_file(&input.text)
            .map(|token| Token::File(token.to_owned()))
            .map_err(|problem| UsageError::new(format!("--token-file `{path}` {problem}")));
    }
    if args.generate_token {
        let mut bytes = [0_u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| UsageError::new(format!("could not generate a token: {e}")))?;
        return Ok(Token::Generated(
            bytes.iter().map(|byte| format!("{byte:02x}")).collect(),
        ));
    }
    Ok(Token::None)
}

/// The token in a `--token-file`'s text: one trailing newline (`\n` or
/// `\r\n`, as editors and `echo` leave) is not part of it. Anything else a
/// client could not send as the `Authorization` header is refused, rather
/// than trimmed into a token that differs from what SDKs read from the file.
fn token_from_file(text: &str) -> Result<&str, &'static str> {
    let token = text.strip_suffix('\n').unwrap_or(text);
    let token = token.strip_suffix('\r').unwrap_or(token);
    if token.is_empty() {
        return Err("is empty");
    }
    if token.contains(['\n', '\r']) {
        return Err("must hold the token on one line");
    }
    if token.chars().any(char::is_control) {
        return Err("holds control characters, which no client can send in a header");
    }
    if token.starts_with(char::is_whitespace) || token.ends_with(char::is_whitespace) {
        return Err("has spaces around the token, which HTTP clients drop when sending it");
    }
    Ok(token)
}

/// Check, bind, fetch the first credentials, then serve until Ctrl+C or SIGTERM.
pub(crate) async fn run(
    args: &LocalserverArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let settings = Settings::from_args(args)?;
    settings.access.warn(console.err)?;
    // Before the first request, so that a signal while one is unanswered
    // ends the run: at once while the bucket is looked up (nothing to clean
    // up), by the watchdog after that.
    let mut stop = StopSignals::bounded(GRACE).context("could not listen for Ctrl+C")?;
    let bucket = tokio::select! {
        bucket = Bucket::locate(clients, &args.bucket) => bucket?,
        signal = stop.wait() => return Err(Interrupted(signal).into()),
    };
    let listeners = credential_server::bind(&args.host, args.port).await?;
    let addresses = listeners
        .iter()
        .map(tokio::net::TcpListener::local_addr)
        .collect::<Result<Vec<_>, _>>()?;
    let (log, mut lines) = mpsc::unbounded_channel();
    let cache = first_credentials(console, clients, &settings, log.clone()).await?;
    if let Token::Generated(token) = &settings.token {
        writeln!(console.out, "{token}")?;
        console.out.flush()?;
    }
    announce(console, args, &bucket, &settings, &addresses)?;
    let admission = Admission {
        token: settings.token.value(),
        // Host names are checked only when nobody else can connect anyway.
        host_names: addresses
            .iter()
            .all(|a| a.ip().is_loopback())
            .then(|| vec![args.host.to_ascii_lowercase()]),
        container: args.container,
    };
    let server = Arc::new(Server {
        cache,
        admission,
        log,
    });
    let tasks = credential_server::serve(listeners, server);
    let signal = loop {
        tokio::select! {
            Some(line) = lines.recv() => console.log(&line)?,
            signal = stop.wait() => break signal.verb(),
        }
    };
    drop(tasks);
    while let Ok(line) = lines.try_recv() {
        console.log(&line)?;
    }
    console.log(&format!("{signal}: shutting down"))?;
    Ok(ExitStatus::Success)
}

/// Make sure the role exists and fetch the first credentials: a failure
/// here stops the command before anything is served.
async fn first_credentials(
    console: &mut Console<'_>,
    clients: &Clients,
    settings: &Settings,
    log: Log,
) -> anyhow::Result<CredentialCache> {
    console.log("Generating initial credentials...")?;
    let (role_arn, change) = temporary::ensure_role(clients)
        .await
        .with_context(|| format!("could not set up role {ROLE_NAME}"))?;
    report_role_change(console, change)?;
    let fetch = fetcher(clients, settings, role_arn);
    CredentialCache::start(fetch, Arc::new(SystemTime::now), log)
        .await
        .context("could not generate credentials")
}

/// Say what [`temporary::ensure_role`] had to change.
fn report_role_change(console: &mut Console<'_>, change: RoleChange) -> std::io::Result<()> {
    match change {
        RoleChange::None => Ok(()),
        RoleChange::Created => console.log(&format!("Created role: {ROLE_NAME}")),
        RoleChange::Extended => console.log(&format!(
            "Raised the maximum session duration of role {ROLE_NAME} to 12 hours"
        )),
    }
}

/// What fetches credentials for this server: one `AssumeRole` call each time.
fn fetcher(clients: &Clients, settings: &Settings, role_arn: String) -> Fetch {
    let shared = Arc::new((
        clients.clone(),
        role_arn,
        settings.session_name.clone(),
        settings.policy.clone(),
    ));
    let seconds = settings.duration_seconds;
    Box::new(move || {
        let shared = Arc::clone(&shared);
        Box::pin(async move {
            let (clients, role_arn, session_name, policy) = &*shared;
            temporary::assume_role(clients, role_arn, session_name, policy, seconds).await
        })
    })
}

/// Say where credentials are served, and warn when anyone else can reach them.
fn announce(
    console: &mut Console<'_>,
    args: &LocalserverArgs,
    bucket: &Bucket,
    settings: &Settings,
    addresses: &[SocketAddr],
) -> std::io::Result<()> {
    let port = addresses.first().map_or(args.port, SocketAddr::port);
    let host = if args.host.contains(':') {
        format!("[{}]", args.host)
    } else {
        args.host.clone()
    };
    console.log(&format!(
        "Serving {} credentials for bucket `{}` at http://{host}:{port}/",
        settings.permission, bucket.name
    ))?;
    console.log(&format!("Duration: {} seconds", settings.duration_seconds))?;
    let has_token = settings.token.value().is_some();
    for address in addresses {
        if let Some(warning) = exposure_warning(address, &bucket.name, has_token) {
            console.log(&warning)?;
        }
    }
    if has_token {
        console.log("Requests must send the token in the Authorization header")?;
    }
    if crate::signals::ctrl_c_ignored() {
        console.log("Send SIGTERM to stop (Ctrl+C was ignored when this started)")
    } else {
        console.log("Press Ctrl+C to stop")
    }
}

/// The warning for an address other machines may reach, if this is one.
fn exposure_warning(address: &SocketAddr, bucket: &str, has_token: bool) -> Option<String> {
    if address.ip().is_loopback() {
        return None;
    }
    let hint = if has_token {
        ""
    } else {
        " (consider --generate-token)"
    };
    Some(format!(
        "Warning: listening on {address}, which is not a loopback address: anyone who can \
         reach it can fetch credentials for bucket `{bucket}`{hint}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_files_lose_one_trailing_newline_and_nothing_else() {
        assert_eq!(token_from_file("abc"), Ok("abc"));
        assert_eq!(token_from_file("abc\n"), Ok("abc"));
        assert_eq!(token_from_file("abc\r\n"), Ok("abc"));
        assert_eq!(token_from_file("Bearer abc\n"), Ok("Bearer abc"));
        assert_eq!(token_from_file("\n"), Err("is empty"));
        assert_eq!(token_from_file(""), Err("is empty"));
        assert_eq!(
            token_from_file("abc\n\n"),
            Err("must hold the token on one line")
        );
        assert_eq!(
            token_from_file("one\ntwo\n"),
            Err("must hold the token on one line")
        );
        assert!(token_from_file("a\tb").is_err());
        assert!(token_from_file(" abc\n").is_err());
        assert!(token_from_file("abc \n").is_err());
    }

    #[test]
    fn only_addresses_others_can_reach_are_warned_about() {
        let address = |text: &str| text.parse::<SocketAddr>().unwrap();
        assert_eq!(
            exposure_warning(&address("127.0.0.1:8094"), "b", false),
            None
        );
        assert_eq!(exposure_warning(&address("[::1]:8094"), "b", false), None);
        assert_eq!(
            exposure_warning(&address("0.0.0.0:8094"), "b", false).unwrap(),
            "Warning: listening on 0.0.0.0:8094, which is not a loopback address: anyone who \
             can reach it can fetch credentials for bucket `b` (consider --generate-token)"
        );
        assert!(
            exposure_warning(&address("192.168.1.2:80"), "b", true)
                .unwrap()
                .ends_with("bucket `b`")
        );
    }
}

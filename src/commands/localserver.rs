//! `localserver`: serve temporary credentials for one bucket over HTTP,
//! for `credential_process` (and, with `--container`, for SDKs' container
//! credentials provider), refreshing them before they expire.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::Context;
use tokio::sync::mpsc;

use crate::aws::Clients;
use crate::aws::bucket_config::Bucket;
use crate::cli::LocalserverArgs;
use crate::credential_server::cache::{CredentialCache, Fetch, Log};
use crate::credential_server::respond::Admission;
use crate::credential_server::{self, Server};
use crate::error::ExitStatus;
use crate::iam::temporary::{self, ROLE_NAME, RoleChange};
use crate::output::Console;
use crate::settings::localserver::{Settings, Token};
use crate::signals::{GRACE, Interrupted, StopSignals};

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
    Some(crate::error::warning_text(format_args!(
        "listening on {address}, which is not a loopback address: anyone who can \
         reach it can fetch credentials for bucket `{bucket}`{hint}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

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

//! Credentials kept between STS calls.
//!
//! They are served until a third of their lifetime is left (at most 15
//! minutes before they expire), so a client never gets credentials that are
//! about to run out. The first request after that point starts a refresh in
//! the background: one STS call at a time, however many requests arrive.
//! While it runs, or after it failed, the current credentials are served at
//! once for as long as they are valid; a failed refresh is logged and tried
//! again after a pause. Only a request that finds the credentials expired
//! waits for a refresh, and never longer than [`REQUEST_WAIT`].

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;
use tokio::sync::{mpsc, watch};

use crate::error::one_line;
use crate::iam::temporary::TemporaryCredentials;

/// Fetches a new set of credentials (one STS `AssumeRole` call).
pub type Fetch =
    Box<dyn Fn() -> BoxFuture<'static, anyhow::Result<TemporaryCredentials>> + Send + Sync>;

/// The current time; a parameter so that tests can move it.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Where log lines go: the server's main loop prints them on stderr.
pub type Log = mpsc::UnboundedSender<String>;

/// The longest margin before expiry at which credentials are replaced.
const MAX_MARGIN: Duration = Duration::from_secs(15 * 60);

/// The longest wait before trying again after a failed refresh.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);

/// The shortest wait before trying again, so that a failing STS is not
/// called by every request.
const MIN_RETRY_DELAY: Duration = Duration::from_secs(1);

/// How long one refresh may take before it counts as failed.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest a request waits for a refresh (only when the credentials
/// expired): SDKs give up on a credentials endpoint after a few seconds, and
/// a 503 they can retry is better than no answer.
pub const REQUEST_WAIT: Duration = Duration::from_secs(2);

/// Shared by every request of the server.
pub struct CredentialCache {
    inner: Arc<Inner>,
}

/// What the refresh task shares with the requests.
struct Inner {
    fetch: Fetch,
    clock: Clock,
    log: Log,
    /// Held only for short, synchronous reads and updates.
    state: Mutex<State>,
    /// Counts finished refreshes: requests waiting for one watch it.
    finished: watch::Sender<u64>,
}

struct State {
    current: Arc<TemporaryCredentials>,
    expires: SystemTime,
    refresh_at: SystemTime,
    /// After a failed refresh: not before this time again.
    retry_at: Option<SystemTime>,
    /// Why the last refresh failed.
    last_error: Option<String>,
    /// A refresh is running: no other is started.
    refreshing: bool,
}

impl State {
    fn new(credentials: TemporaryCredentials, now: SystemTime) -> Self {
        let expires = SystemTime::try_from(credentials.expiration).unwrap_or(now);
        Self {
            refresh_at: refresh_point(now, expires),
            expires,
            current: Arc::new(credentials),
            retry_at: None,
            last_error: None,
            refreshing: false,
        }
    }

    /// The credentials if still valid at `now`, else why there are none.
    fn served(&self, now: SystemTime) -> Result<Arc<TemporaryCredentials>, String> {
        if now < self.expires {
            return Ok(Arc::clone(&self.current));
        }
        let reason = match (&self.last_error, self.refreshing) {
            (Some(error), _) => error.clone(),
            (None, true) => format!(
                "STS has not answered within {} seconds",
                REQUEST_WAIT.as_secs()
            ),
            (None, false) => "no reason given".to_owned(),
        };
        Err(format!(
            "the credentials expired and could not be refreshed: {reason}"
        ))
    }
}

/// When to replace credentials fetched at `now` that expire at `expires`:
/// with a third of their lifetime left, but no more than 15 minutes early.
pub fn refresh_point(now: SystemTime, expires: SystemTime) -> SystemTime {
    let lifetime = expires.duration_since(now).unwrap_or_default();
    expires - (lifetime / 3).min(MAX_MARGIN)
}

/// How long to wait before trying again when a refresh failed at `now`: a
/// quarter of the time the current credentials have left, within bounds.
fn retry_delay(now: SystemTime, expires: SystemTime) -> Duration {
    let left = expires.duration_since(now).unwrap_or_default();
    (left / 4).clamp(MIN_RETRY_DELAY, MAX_RETRY_DELAY)
}

impl CredentialCache {
    /// Fetch the first credentials; failing here stops the server before it
    /// serves anything.
    pub async fn start(fetch: Fetch, clock: Clock, log: Log) -> anyhow::Result<Self> {
        let credentials = fetch_with_timeout(&fetch).await?;
        let state = State::new(credentials, clock());
        let inner = Inner {
            fetch,
            clock,
            log,
            state: Mutex::new(state),
            finished: watch::Sender::new(0),
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Credentials to hand out: the current ones while they are valid (a
    /// refresh that is due starts in the background); once they expired, a
    /// new set if a refresh brings one within [`REQUEST_WAIT`]. The error
    /// says why there are none.
    pub async fn get(&self) -> Result<Arc<TemporaryCredentials>, String> {
        // Subscribed before looking, so that a refresh finishing in between is seen.
        let mut finished = self.inner.finished.subscribe();
        {
            let mut state = self.inner.state();
            let now = (self.inner.clock)();
            let due = now >= state.refresh_at && state.retry_at.is_none_or(|at| now >= at);
            if due && !state.refreshing {
                state.refreshing = true;
                tokio::spawn(refresh(Arc::clone(&self.inner)));
            }
            if now < state.expires || !state.refreshing {
                return state.served(now);
            }
        }
        let _ = tokio::time::timeout(REQUEST_WAIT, finished.changed()).await;
        self.inner.state().served((self.inner.clock)())
    }
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave `State` half-written: every update
        // is a plain assignment.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn say(&self, line: String) {
        // The receiver only goes away when the server is stopping.
        let _ = self.log.send(line);
    }
}

/// One refresh, run as its own task: replace the credentials, or record
/// why that failed and when to try again; then wake the waiting requests.
async fn refresh(inner: Arc<Inner>) {
    let result = fetch_with_timeout(&inner.fetch).await;
    let line = {
        let mut state = inner.state();
        let now = (inner.clock)();
        match result {
            Ok(credentials) => {
                *state = State::new(credentials, now);
                format!(
                    "Refreshed credentials: {}, valid until {}",
                    state.current.access_key_id,
                    rfc3339(state.expires)
                )
            }
            Err(error) => {
                let reason = one_line(&format!("{error:#}"));
                let delay = retry_delay(now, state.expires);
                state.retry_at = Some(now + delay);
                state.refreshing = false;
                state.last_error = Some(reason.clone());
                let serving = if now < state.expires {
                    format!("serving the current ones until {}", rfc3339(state.expires))
                } else {
                    format!(
                        "the current ones expired at {}: answering 503 until a refresh succeeds",
                        rfc3339(state.expires)
                    )
                };
                crate::error::error_text(format_args!(
                    "could not refresh the credentials ({serving}; next try in {} s): {reason}",
                    delay.as_secs()
                ))
            }
        }
    };
    inner.say(line);
    inner.finished.send_modify(|count| *count += 1);
}

async fn fetch_with_timeout(fetch: &Fetch) -> anyhow::Result<TemporaryCredentials> {
    match tokio::time::timeout(FETCH_TIMEOUT, fetch()).await {
        Ok(result) => result,
        Err(_) => anyhow::bail!(
            "no answer from STS within {} seconds",
            FETCH_TIMEOUT.as_secs()
        ),
    }
}

/// A time as `2026-11-29T03:48:09Z`, to the second.
pub fn rfc3339(time: SystemTime) -> String {
    let seconds = aws_smithy_types::DateTime::from(time).secs();
    aws_smithy_types::DateTime::from_secs(seconds)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "cache_tests.rs"]
pub(super) mod tests;

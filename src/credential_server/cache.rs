//! Credentials kept between STS calls.
//!
//! They are served until a third of their lifetime is left (at most 15
//! minutes before they expire), so a client never gets credentials that are
//! about to run out. The first request after that point refreshes them while
//! the others wait for it: however many requests arrive, one STS call is
//! made. A failed refresh is logged and the current credentials are served
//! for as long as they are valid, trying again every few seconds.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;
use tokio::sync::{Mutex, mpsc};

use crate::error::one_line;
use crate::temporary::TemporaryCredentials;

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

/// Shared by every request of the server.
pub struct CredentialCache {
    fetch: Fetch,
    clock: Clock,
    log: Log,
    /// Held for the whole of a refresh: that is what makes waiting requests
    /// share one STS call.
    state: Mutex<State>,
}

struct State {
    current: Arc<TemporaryCredentials>,
    expires: SystemTime,
    refresh_at: SystemTime,
    /// After a failed refresh: not before this time again.
    retry_at: Option<SystemTime>,
    /// Why the last refresh failed.
    last_error: Option<String>,
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
        }
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
        Ok(Self {
            fetch,
            clock,
            log,
            state: Mutex::new(state),
        })
    }

    /// Credentials to hand out, refreshed first when they are due. The error
    /// says why there are none (they expired and could not be refreshed).
    pub async fn get(&self) -> Result<Arc<TemporaryCredentials>, String> {
        let mut state = self.state.lock().await;
        let now = (self.clock)();
        let due = now >= state.refresh_at && state.retry_at.is_none_or(|at| now >= at);
        if due {
            self.refresh(&mut state, now).await;
        }
        if (self.clock)() < state.expires {
            Ok(Arc::clone(&state.current))
        } else {
            Err(format!(
                "the credentials expired and could not be refreshed: {}",
                state.last_error.as_deref().unwrap_or("no reason given")
            ))
        }
    }

    async fn refresh(&self, state: &mut State, now: SystemTime) {
        match fetch_with_timeout(&self.fetch).await {
            Ok(credentials) => {
                *state = State::new(credentials, (self.clock)());
                self.say(format!(
                    "Refreshed credentials: {}, valid until {}",
                    state.current.access_key_id,
                    rfc3339(state.expires)
                ));
            }
            Err(error) => {
                let reason = one_line(&format!("{error:#}"));
                state.retry_at = Some(now + retry_delay(now, state.expires));
                self.say(format!(
                    "Error: could not refresh the credentials (serving the current ones until \
                     {}): {reason}",
                    rfc3339(state.expires)
                ));
                state.last_error = Some(reason);
            }
        }
    }

    fn say(&self, line: String) {
        // The receiver only goes away when the server is stopping.
        let _ = self.log.send(line);
    }
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
pub(super) mod tests {
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    use super::*;

    const START: u64 = 1_800_000_000;

    /// A clock that only moves when told to, and a fetcher that counts its
    /// calls, takes a while, fails when told to, and issues credentials for
    /// an hour. The server's tests use it too.
    pub(in crate::credential_server) struct Fixture {
        now: Arc<AtomicU64>,
        pub(in crate::credential_server) calls: Arc<AtomicUsize>,
        failing: Arc<std::sync::atomic::AtomicBool>,
    }

    impl Fixture {
        pub(in crate::credential_server) fn new() -> Self {
            Self {
                now: Arc::new(AtomicU64::new(START)),
                calls: Arc::new(AtomicUsize::new(0)),
                failing: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            }
        }

        fn clock(&self) -> Clock {
            let now = Arc::clone(&self.now);
            Arc::new(move || {
                SystemTime::UNIX_EPOCH + Duration::from_secs(now.load(Ordering::SeqCst))
            })
        }

        fn fetch(&self) -> Fetch {
            let (now, calls, failing) = (
                Arc::clone(&self.now),
                Arc::clone(&self.calls),
                Arc::clone(&self.failing),
            );
            Box::new(move || {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                let issued = now.load(Ordering::SeqCst);
                let failing = failing.load(Ordering::SeqCst);
                Box::pin(async move {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    anyhow::ensure!(!failing, "AssumeRole failed: HTTP 503 (server error)");
                    Ok(TemporaryCredentials {
                        access_key_id: format!("ASIA{n}"),
                        secret_access_key: "secret".into(),
                        session_token: "token".into(),
                        expiration: aws_smithy_types::DateTime::from_secs(
                            i64::try_from(issued + 3600).unwrap(),
                        ),
                    })
                })
            })
        }

        pub(in crate::credential_server) fn advance(&self, seconds: u64) {
            self.now.fetch_add(seconds, Ordering::SeqCst);
        }

        pub(in crate::credential_server) async fn cache(
            &self,
        ) -> (CredentialCache, mpsc::UnboundedReceiver<String>) {
            let (log, lines) = mpsc::unbounded_channel();
            let cache = CredentialCache::start(self.fetch(), self.clock(), log)
                .await
                .unwrap();
            (cache, lines)
        }
    }

    async fn key(cache: &CredentialCache) -> String {
        cache.get().await.unwrap().access_key_id.clone()
    }

    #[test]
    fn refresh_point_keeps_a_third_and_at_most_15_minutes() {
        let now = SystemTime::UNIX_EPOCH;
        let at = |lifetime: u64| {
            let expires = now + Duration::from_secs(lifetime);
            expires.duration_since(refresh_point(now, expires)).unwrap()
        };
        assert_eq!(at(900), Duration::from_secs(300));
        assert_eq!(at(3600), Duration::from_secs(900));
        assert_eq!(at(12 * 3600), Duration::from_secs(900));
        assert_eq!(at(6), Duration::from_secs(2));
    }

    #[tokio::test]
    async fn serves_the_same_credentials_until_the_refresh_point() {
        let fixture = Fixture::new();
        let (cache, _lines) = fixture.cache().await;
        assert_eq!(key(&cache).await, "ASIA0");
        fixture.advance(2699);
        assert_eq!(key(&cache).await, "ASIA0");
        fixture.advance(1);
        assert_eq!(key(&cache).await, "ASIA1");
        assert_eq!(fixture.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_refresh() {
        let fixture = Fixture::new();
        let (cache, mut lines) = fixture.cache().await;
        fixture.advance(2700);
        let keys = futures_util::future::join_all((0..50).map(|_| key(&cache))).await;
        assert!(keys.iter().all(|key| key == "ASIA1"), "{keys:?}");
        assert_eq!(fixture.calls.load(Ordering::SeqCst), 2);
        let line = lines.try_recv().unwrap();
        assert!(
            line.starts_with("Refreshed credentials: ASIA1, valid until "),
            "{line}"
        );
        assert!(lines.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_serving_valid_credentials() {
        let fixture = Fixture::new();
        let (cache, mut lines) = fixture.cache().await;
        fixture.failing.store(true, Ordering::SeqCst);
        fixture.advance(2700);
        let keys = futures_util::future::join_all((0..10).map(|_| key(&cache))).await;
        assert!(keys.iter().all(|key| key == "ASIA0"));
        // One attempt, then a pause before the next: 900 s left / 4 = 30 s.
        assert_eq!(fixture.calls.load(Ordering::SeqCst), 2);
        assert_eq!(
            lines.try_recv().unwrap(),
            "Error: could not refresh the credentials (serving the current ones until \
             2027-01-15T09:00:00Z): AssumeRole failed: HTTP 503 (server error)"
        );
        fixture.advance(29);
        assert_eq!(key(&cache).await, "ASIA0");
        assert_eq!(fixture.calls.load(Ordering::SeqCst), 2);
        fixture.advance(1);
        fixture.failing.store(false, Ordering::SeqCst);
        assert_eq!(key(&cache).await, "ASIA2");
    }

    #[tokio::test]
    async fn expired_credentials_are_never_served() {
        let fixture = Fixture::new();
        let (cache, _lines) = fixture.cache().await;
        fixture.failing.store(true, Ordering::SeqCst);
        fixture.advance(3600);
        assert_eq!(
            cache.get().await.unwrap_err(),
            "the credentials expired and could not be refreshed: \
             AssumeRole failed: HTTP 503 (server error)"
        );
    }
}

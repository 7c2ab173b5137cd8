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
                format!(
                    "Error: could not refresh the credentials ({serving}; next try in {} s): {reason}",
                    delay.as_secs()
                )
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
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

    use tokio::time::Instant;

    use super::*;

    const START: u64 = 1_800_000_000;

    /// A clock that only moves when told to, and a fetcher that counts its
    /// calls, takes 50 ms, fails or hangs when told to, and issues
    /// credentials for an hour. Tests run on tokio's paused clock, so
    /// waits take no real time and their lengths are exact.
    struct Fixture {
        now: Arc<AtomicU64>,
        calls: Arc<AtomicUsize>,
        failing: Arc<AtomicBool>,
        hanging: Arc<AtomicBool>,
    }

    impl Fixture {
        fn new() -> Self {
            Self {
                now: Arc::new(AtomicU64::new(START)),
                calls: Arc::new(AtomicUsize::new(0)),
                failing: Arc::new(AtomicBool::new(false)),
                hanging: Arc::new(AtomicBool::new(false)),
            }
        }

        fn clock(&self) -> Clock {
            let now = Arc::clone(&self.now);
            Arc::new(move || {
                SystemTime::UNIX_EPOCH + Duration::from_secs(now.load(Ordering::SeqCst))
            })
        }

        fn fetch(&self) -> Fetch {
            let (now, calls) = (Arc::clone(&self.now), Arc::clone(&self.calls));
            let (failing, hanging) = (Arc::clone(&self.failing), Arc::clone(&self.hanging));
            Box::new(move || {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                let issued = now.load(Ordering::SeqCst);
                let failing = failing.load(Ordering::SeqCst);
                let hanging = hanging.load(Ordering::SeqCst);
                Box::pin(async move {
                    if hanging {
                        std::future::pending::<()>().await;
                    }
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

        fn advance(&self, seconds: u64) {
            self.now.fetch_add(seconds, Ordering::SeqCst);
        }

        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }

        async fn cache(&self) -> (CredentialCache, mpsc::UnboundedReceiver<String>) {
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

    /// Wait until no refresh is running.
    async fn settle(cache: &CredentialCache) {
        while cache.inner.state().refreshing {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
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

    #[tokio::test(start_paused = true)]
    async fn serves_the_same_credentials_until_the_refresh_point() {
        let fixture = Fixture::new();
        let (cache, _lines) = fixture.cache().await;
        assert_eq!(key(&cache).await, "ASIA0");
        fixture.advance(2699);
        assert_eq!(key(&cache).await, "ASIA0");
        assert_eq!(fixture.calls(), 1);
        fixture.advance(1);
        // Still valid: served at once while the refresh runs.
        assert_eq!(key(&cache).await, "ASIA0");
        settle(&cache).await;
        assert_eq!(key(&cache).await, "ASIA1");
        assert_eq!(fixture.calls(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_requests_share_one_refresh() {
        let fixture = Fixture::new();
        let (cache, mut lines) = fixture.cache().await;
        fixture.advance(2700);
        let keys = futures_util::future::join_all((0..50).map(|_| key(&cache))).await;
        assert!(keys.iter().all(|key| key == "ASIA0"), "{keys:?}");
        settle(&cache).await;
        let keys = futures_util::future::join_all((0..50).map(|_| key(&cache))).await;
        assert!(keys.iter().all(|key| key == "ASIA1"), "{keys:?}");
        assert_eq!(fixture.calls(), 2);
        let line = lines.try_recv().unwrap();
        assert!(
            line.starts_with("Refreshed credentials: ASIA1, valid until "),
            "{line}"
        );
        assert!(lines.try_recv().is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_refresh_keeps_serving_valid_credentials() {
        let fixture = Fixture::new();
        let (cache, mut lines) = fixture.cache().await;
        fixture.failing.store(true, Ordering::SeqCst);
        fixture.advance(2700);
        let keys = futures_util::future::join_all((0..10).map(|_| key(&cache))).await;
        assert!(keys.iter().all(|key| key == "ASIA0"));
        settle(&cache).await;
        // One attempt, then a pause before the next: 900 s left / 4 = 30 s.
        assert_eq!(fixture.calls(), 2);
        assert_eq!(
            lines.try_recv().unwrap(),
            "Error: could not refresh the credentials (serving the current ones until \
             2027-01-15T09:00:00Z; next try in 30 s): AssumeRole failed: HTTP 503 (server error)"
        );
        fixture.advance(29);
        assert_eq!(key(&cache).await, "ASIA0");
        assert_eq!(fixture.calls(), 2);
        fixture.advance(1);
        fixture.failing.store(false, Ordering::SeqCst);
        assert_eq!(key(&cache).await, "ASIA0");
        settle(&cache).await;
        assert_eq!(key(&cache).await, "ASIA2");
    }

    #[tokio::test(start_paused = true)]
    async fn expired_credentials_are_never_served() {
        let fixture = Fixture::new();
        let (cache, mut lines) = fixture.cache().await;
        fixture.failing.store(true, Ordering::SeqCst);
        fixture.advance(3600);
        assert_eq!(
            cache.get().await.unwrap_err(),
            "the credentials expired and could not be refreshed: \
             AssumeRole failed: HTTP 503 (server error)"
        );
        assert_eq!(
            lines.try_recv().unwrap(),
            "Error: could not refresh the credentials (the current ones expired at \
             2027-01-15T09:00:00Z: answering 503 until a refresh succeeds; next try in 1 s): \
             AssumeRole failed: HTTP 503 (server error)"
        );
        // Within the pause, requests are answered at once, without a call.
        let started = Instant::now();
        assert!(cache.get().await.is_err());
        assert_eq!((started.elapsed(), fixture.calls()), (Duration::ZERO, 2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_hanging_sts_holds_no_request_longer_than_the_bound() {
        let fixture = Fixture::new();
        let (cache, mut lines) = fixture.cache().await;
        fixture.hanging.store(true, Ordering::SeqCst);
        fixture.advance(2700);
        let started = Instant::now();
        let keys = futures_util::future::join_all((0..5).map(|_| key(&cache))).await;
        assert!(keys.iter().all(|key| key == "ASIA0"), "{keys:?}");
        assert_eq!(
            started.elapsed(),
            Duration::ZERO,
            "valid ones are served at once"
        );
        fixture.advance(900);
        let started = Instant::now();
        let answers = futures_util::future::join_all((0..5).map(|_| cache.get())).await;
        assert_eq!(started.elapsed(), REQUEST_WAIT);
        for answer in answers {
            assert_eq!(
                answer.unwrap_err(),
                "the credentials expired and could not be refreshed: \
                 STS has not answered within 2 seconds"
            );
        }
        assert_eq!(fixture.calls(), 2, "one refresh in flight, shared");
        assert!(lines.try_recv().is_err());
        settle(&cache).await;
        // The refresh started 0 s after `started`; `settle` looks every 10 ms.
        let ended = started.elapsed();
        assert!(ended >= FETCH_TIMEOUT && ended <= FETCH_TIMEOUT + Duration::from_millis(10));
        assert_eq!(
            lines.try_recv().unwrap(),
            "Error: could not refresh the credentials (the current ones expired at \
             2027-01-15T09:00:00Z: answering 503 until a refresh succeeds; next try in 1 s): \
             no answer from STS within 30 seconds"
        );
    }
}

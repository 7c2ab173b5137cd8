//! Unit tests of [`super`]: the refresh rules on a clock the tests move
//! and tokio's paused timer.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use tokio::time::Instant;

use super::*;

const START: u64 = 1_800_000_000;

/// A clock that only moves when told to, and a fetcher that counts its
/// calls, takes 50 ms, fails or hangs when told to, and issues
/// credentials for an hour. The tests here run on tokio's paused clock,
/// so waits take no real time and their lengths are exact; the server's
/// tests use it too.
pub(in crate::credential_server) struct Fixture {
    now: Arc<AtomicU64>,
    calls: Arc<AtomicUsize>,
    failing: Arc<AtomicBool>,
    pub(in crate::credential_server) hanging: Arc<AtomicBool>,
}

impl Fixture {
    pub(in crate::credential_server) fn new() -> Self {
        Self {
            now: Arc::new(AtomicU64::new(START)),
            calls: Arc::new(AtomicUsize::new(0)),
            failing: Arc::new(AtomicBool::new(false)),
            hanging: Arc::new(AtomicBool::new(false)),
        }
    }

    fn clock(&self) -> Clock {
        let now = Arc::clone(&self.now);
        Arc::new(move || SystemTime::UNIX_EPOCH + Duration::from_secs(now.load(Ordering::SeqCst)))
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

    pub(in crate::credential_server) fn advance(&self, seconds: u64) {
        self.now.fetch_add(seconds, Ordering::SeqCst);
    }

    pub(in crate::credential_server) fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
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

/// Wait until no refresh is running.
pub(in crate::credential_server) async fn settle(cache: &CredentialCache) {
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

//! Stopping a run of AWS changes between requests, never in the middle of
//! one: shared by `create` and `rotate-key`, which undo what they changed.
//!
//! A request dropped half-way may still have changed something in AWS whose
//! answer nobody saw, so it could not be undone. Instead, Ctrl+C or SIGTERM
//! sets [`Stopping`], each step checks it before its next change, and
//! [`until_stopped`] gives the request in flight a bounded time to answer.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::signals::{Stop, StopSignals};

/// After Ctrl+C or SIGTERM, how long the request in flight may take to
/// answer: a change it made is undone with the others.
const IN_FLIGHT_LIMIT: Duration = Duration::from_secs(15);

/// Set when Ctrl+C or SIGTERM came. The run is not cancelled mid-request
/// (a change AWS made but whose answer was dropped could not be undone):
/// each step checks this before its next change instead.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stopping(Arc<OnceLock<Stop>>);

impl Stopping {
    /// Ask the run to stop at its next check.
    pub fn stop(&self, signal: Stop) {
        let _ = self.0.set(signal);
    }

    /// `Err` once a stop was asked for: called before each change.
    pub fn check(&self) -> anyhow::Result<()> {
        match self.0.get() {
            Some(signal) => Err(anyhow::anyhow!("interrupted by {}", signal.name())),
            None => Ok(()),
        }
    }
}

/// Run `work` to its end. On Ctrl+C or SIGTERM, it is not dropped
/// mid-request (a change AWS made would go unseen and stay): it is asked to
/// stop at its next check and given [`IN_FLIGHT_LIMIT`] to get there.
pub(crate) async fn until_stopped(
    work: impl Future<Output = anyhow::Result<()>>,
    stopping: &Stopping,
) -> anyhow::Result<()> {
    // Listening before the work starts, so that no signal is missed.
    let mut stop = StopSignals::new()?;
    let mut work = std::pin::pin!(work);
    let signal = tokio::select! {
        result = &mut work => return result,
        signal = stop.wait() => signal,
    };
    stopping.stop(signal);
    match tokio::time::timeout(IN_FLIGHT_LIMIT, &mut work).await {
        Ok(result) => result,
        Err(_) => Err(anyhow::anyhow!(
            "interrupted by {}; a request was still unanswered {} seconds later, and whatever \
             it changed was not undone",
            signal.name(),
            IN_FLIGHT_LIMIT.as_secs()
        )),
    }
}

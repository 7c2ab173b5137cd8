//! The first request of a transfer run goes alone.
//!
//! If the bucket is in another region than the configured one, the answer
//! to the first request teaches the S3 client the bucket's region (see
//! [`crate::aws::region`]); holding the other requests back until then
//! means the run pays one redirect, not one per request in flight. For a
//! bucket in the configured region the cost is that the first request does
//! not overlap with the others.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::MutexGuard;

use super::Transfer;

/// The run's first request, which goes alone: if the bucket is in another
/// region, its answer teaches the S3 client the region (see
/// [`crate::aws::region`]) before the other requests start, instead of
/// each of `-j` requests paying for its own redirect.
pub(super) struct FirstRequest<'a> {
    _alone: MutexGuard<'a, ()>,
    answered: &'a AtomicBool,
}

impl Drop for FirstRequest<'_> {
    fn drop(&mut self) {
        self.answered.store(true, Ordering::Release);
    }
}

impl Transfer {
    /// Wait until the run's first request was answered, or become it.
    pub(super) async fn first_request(&self) -> Option<FirstRequest<'_>> {
        if self.answered.load(Ordering::Acquire) {
            return None;
        }
        let alone = self.first.lock().await;
        (!self.answered.load(Ordering::Acquire)).then_some(FirstRequest {
            _alone: alone,
            answered: &self.answered,
        })
    }
}

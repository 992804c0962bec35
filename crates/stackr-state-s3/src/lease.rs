//! The lease of the S3 lock: how long a lock lives unless renewed, the
//! background renewal of a held lock, and the check made before every
//! state write.
//!
//! # Contract
//!
//! - A lock taken by [`S3Store`] carries `renewed_at` / `expires_at`
//!   ([`stackr_state::LockInfo`]). While the store (any clone of it) holds
//!   the lock, a task rewrites the lock object every
//!   [`Lease::renew_every`] with a fresh `expires_at` = now +
//!   [`Lease::length`]. Defaults: [`RENEW_EVERY`] (10 s) and [`LEASE`]
//!   (60 s), so five renewals in a row can fail (S3 throttling, a network
//!   blip) before anyone may take the lock over.
//! - A renewal is a `PutObject` with `If-Match: <the ETag of the lock
//!   object this store last wrote>`: a lock that someone broke (deleted with
//!   `stackr unlock`, or taken over as stale) is never rewritten. When the
//!   condition fails the lock is *lost*: renewal stops, and every later
//!   `save` and `unlock` of the store fails with
//!   [`StateError::LockLost`] naming what happened, before writing anything.
//! - Before each `save` the store also makes sure its lease is not about
//!   to end: when the last renewal is older than `length - renew_every`
//!   (renewals kept failing), it renews at once, and refuses to write if
//!   that fails after the lease has run out.
//! - Renewal stops when the lock is released, lost, or the last clone of
//!   the store is dropped (the lock object then stays until its lease
//!   expires or its process is seen gone, and is taken over).
//!
//! Leases are judged by the clock of whoever reads them; clocks of the
//! machines sharing a state are assumed to agree within a few seconds
//! (NTP), far less than the lease.

use crate::{Kind, S3Store, kind};
use stackr_state::model::now_unix;
use stackr_state::{LockInfo, StateError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::AbortHandle;

/// How long a lock lives without renewal (default).
pub const LEASE: Duration = Duration::from_secs(60);
/// How often a held lock is renewed (default).
pub const RENEW_EVERY: Duration = Duration::from_secs(10);

/// Lease timings of a store's locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    /// How long a lock lives without renewal; whole seconds (at least 1), as
    /// lock records keep seconds.
    pub length: Duration,
    /// How often the holder renews; well under `length`.
    pub renew_every: Duration,
}

impl Default for Lease {
    fn default() -> Self {
        Lease { length: LEASE, renew_every: RENEW_EVERY }
    }
}

impl Lease {
    /// Sets the lease fields of `info` as renewed at `now`.
    pub(crate) fn stamp(&self, info: &mut LockInfo, now: u64) {
        info.renewed_at = Some(now);
        info.expires_at = Some(now + self.length.as_secs().max(1));
    }
}

/// The lock a store holds.
#[derive(Debug)]
pub(crate) struct Held {
    /// The lock record as last written.
    pub info: LockInfo,
    /// The ETag of the lock object as last written.
    pub etag: String,
    /// When the last successful write of the lock object was sent.
    pub renewed: Instant,
    /// Why the lock is no longer this store's, once that is known.
    pub lost: Option<String>,
    renewer: Option<AbortHandle>,
}

impl Held {
    pub fn new(info: LockInfo, etag: String, renewed: Instant) -> Held {
        Held { info, etag, renewed, lost: None, renewer: None }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(task) = &self.renewer {
            task.abort();
        }
    }
}

impl S3Store {
    /// A [`StateError::LockLost`] for `reason`.
    pub(crate) fn lock_lost(&self, reason: &str) -> StateError {
        StateError::LockLost { location: self.location_text(), reason: reason.to_string() }
    }

    /// Why the lock object no longer is the one this store wrote.
    pub(crate) async fn why_lost(&self) -> String {
        match self.read_lock().await {
            Ok(Some((holder, _))) => format!("it was broken and is now {}", holder.describe()),
            Ok(None) => "it was removed (stackr unlock?) while this run held it".into(),
            Err(e) => format!("it was broken or removed while this run held it ({e})"),
        }
    }

    /// Rewrites the held lock with a fresh lease, only over the object this
    /// store last wrote. A failed condition marks the lock lost.
    pub(crate) async fn renew(&self, held: &mut Held) -> Result<(), StateError> {
        if let Some(reason) = &held.lost {
            return Err(self.lock_lost(reason));
        }
        let mut info = held.info.clone();
        self.lease.stamp(&mut info, now_unix());
        let body = self.lock_body(&info)?;
        let sent = Instant::now();
        match self.send_put(|| self.put(&self.lock_key, body.clone()).if_match(&held.etag)).await {
            Ok(out) => {
                held.etag = self.etag_of(out.e_tag())?;
                held.info = info;
                held.renewed = sent;
                Ok(())
            }
            // 412 can also answer a retry of this very renewal whose first
            // attempt landed (its response lost): the lock is still ours.
            Err(e)
                if kind(&e) == Kind::PreconditionFailed
                    && let Ok(Some((stored, etag))) = self.read_lock().await
                    && stored.id == held.info.id =>
            {
                held.etag = etag;
                held.info = stored;
                held.renewed = sent;
                Ok(())
            }
            Err(e) if matches!(kind(&e), Kind::PreconditionFailed | Kind::NoSuchKey) => {
                let reason = self.why_lost().await;
                held.lost = Some(reason.clone());
                Err(self.lock_lost(&reason))
            }
            Err(e) => Err(self.backend("PutObject (lock renewal)", &self.lock_key, &e)),
        }
    }

    /// Starts renewing `held` in the background (see the module doc).
    pub(crate) fn start_renewing(&self, held: &mut Held) {
        let shared = Arc::downgrade(&self.held);
        let worker = self.detached();
        let every = self.lease.renew_every;
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(shared) = shared.upgrade() else { return };
                let mut guard = shared.lock().await;
                let Some(held) = guard.as_mut() else { return };
                // A transient failure is tried again at the next tick; the
                // check before each save covers a lease running out meanwhile.
                if let Err(StateError::LockLost { .. }) = worker.renew(held).await {
                    return;
                }
            }
        });
        held.renewer = Some(task.abort_handle());
    }

    /// Before a state write: refuses when the lock this store holds was
    /// lost; renews first when its lease is close to its end. A store that
    /// holds no lock writes unchecked (the caller's business, as the
    /// [`stackr_state::StateStore`] contract says).
    pub(crate) async fn check_held(&self) -> Result<(), StateError> {
        let mut guard = self.held.lock().await;
        let Some(held) = guard.as_mut() else { return Ok(()) };
        if let Some(reason) = &held.lost {
            return Err(self.lock_lost(reason));
        }
        let age = held.renewed.elapsed();
        if age < self.lease.length.saturating_sub(self.lease.renew_every) {
            return Ok(());
        }
        match self.renew(held).await {
            Ok(()) => Ok(()),
            // S3 unreachable for a moment: the lease still stands.
            Err(StateError::Backend { .. }) if age < self.lease.length => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_lease_outlives_several_missed_renewals() {
        let lease = Lease::default();
        assert_eq!((lease.length, lease.renew_every), (Duration::from_secs(60), Duration::from_secs(10)));
        assert!(lease.length >= lease.renew_every * 5);
        let mut info = LockInfo::for_this_process("stackr apply");
        lease.stamp(&mut info, 1_000);
        assert_eq!((info.renewed_at, info.expires_at), (Some(1_000), Some(1_060)));
        let short = Lease { length: Duration::from_millis(300), renew_every: Duration::from_millis(100) };
        short.stamp(&mut info, 1_000);
        assert_eq!(info.expires_at, Some(1_001), "a lease lasts at least a second");
    }
}

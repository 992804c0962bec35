//! Reads shared among the reconcilers while a refresh is under way.
//!
//! At the start of plan, diff and apply the engine observes every type of
//! the state at once (`stackr_engine::refresh`), and several types make the
//! same read: a route table, its associations and the VPC (for its main
//! table) all describe route tables; a certificate and its validation both
//! describe the certificate. [`ReadCache`] lets them make it once.
//!
//! # Contract
//! - Between [`ReadCache::begin`] and the matching [`ReadCache::end`] (the
//!   engine's refresh hook, see [`crate::clients::Clients`]), a read made
//!   through [`ReadCache::read`] with a key already read (same service,
//!   operation, region and parameters) gets the first read's result.
//! - Single flight: identical reads started at the same time wait for the
//!   first instead of each calling AWS.
//! - Failures are not kept: a read that failed is made again by the next
//!   caller (one at a time).
//! - Outside a refresh nothing is kept: every read calls AWS. Creates,
//!   updates, readiness polls and finds therefore always see AWS as it is.
//! - Ends nest: overlapping refreshes on the same clients share one scope,
//!   cleared when the last ends.
//! - [`ReadCache::recorded`] gives, during a refresh only, what the state
//!   recorded of the resources being observed, under the contract of
//!   [`stackr_engine::recorded`]: only what AWS never changes is taken
//!   from it, and only to save a read.
//!
//! The key also carries the Rust type the result is read as, so two reads
//! of one operation turned into different shapes never mix.

use stackr_engine::recorded::Recorded;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// What makes two reads identical: the service and operation (as the SDK
/// names them), the region and the request's parameters in a canonical
/// text form (sorted where AWS's answer does not depend on order).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReadKey {
    pub service: &'static str,
    pub operation: &'static str,
    pub region: String,
    pub params: String,
}

impl ReadKey {
    pub fn new(service: &'static str, operation: &'static str, region: &str, params: impl Into<String>) -> ReadKey {
        ReadKey { service, operation, region: region.to_string(), params: params.into() }
    }
}

/// A slot holds an `Arc<OnceCell<T>>` for the `T` named in its key.
type Slot = Arc<dyn Any + Send + Sync>;

#[derive(Default)]
struct Scope {
    /// Refreshes under way (they nest).
    depth: usize,
    /// The stack being refreshed (the latest `begin`'s).
    stack: Option<String>,
    /// What its state recorded (the latest `begin`'s).
    recorded: Option<Arc<Recorded>>,
    slots: HashMap<(ReadKey, TypeId), Slot>,
}

/// See the module documentation.
#[derive(Default)]
pub struct ReadCache {
    scope: Mutex<Scope>,
}

impl ReadCache {
    pub fn new() -> ReadCache {
        ReadCache::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Scope> {
        self.scope.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A refresh of `stack` starts, its state having recorded `recorded`.
    pub fn begin(&self, stack: &str, recorded: Arc<Recorded>) {
        let mut s = self.lock();
        s.depth += 1;
        s.stack = Some(stack.to_string());
        s.recorded = Some(recorded);
    }

    /// A refresh ends; when it was the last one, everything read is dropped.
    pub fn end(&self) {
        let mut s = self.lock();
        s.depth = s.depth.saturating_sub(1);
        if s.depth == 0 {
            s.slots.clear();
            s.stack = None;
            s.recorded = None;
        }
    }

    /// What the state of the stack being refreshed recorded, or `None`
    /// outside a refresh.
    pub fn recorded(&self) -> Option<Arc<Recorded>> {
        let s = self.lock();
        if s.depth > 0 { s.recorded.clone() } else { None }
    }

    /// The stack being refreshed, or `None` outside a refresh.
    pub fn refreshing(&self) -> Option<String> {
        let s = self.lock();
        if s.depth > 0 { s.stack.clone() } else { None }
    }

    /// `read()`'s result, shared with identical reads during a refresh;
    /// outside one, simply `read()`.
    pub async fn read<T, E, F, Fut>(&self, key: ReadKey, read: F) -> Result<T, E>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let cell = {
            let mut s = self.lock();
            if s.depth == 0 {
                None
            } else {
                let slot = s
                    .slots
                    .entry((key, TypeId::of::<T>()))
                    .or_insert_with(|| Arc::new(OnceCell::<T>::new()) as Slot)
                    .clone();
                slot.downcast::<OnceCell<T>>().ok()
            }
        };
        match cell {
            Some(cell) => cell.get_or_try_init(read).await.cloned(),
            None => read().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    fn key(params: &str) -> ReadKey {
        ReadKey::new("EC2", "DescribeRouteTables", "ap-northeast-1", params)
    }

    async fn counted(calls: &AtomicUsize, value: u32) -> Result<u32, String> {
        calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok(value)
    }

    #[tokio::test]
    async fn outside_a_refresh_every_read_calls() {
        let cache = ReadCache::new();
        let calls = AtomicUsize::new(0);
        for _ in 0..3 {
            assert_eq!(cache.read(key("a"), || counted(&calls, 1)).await, Ok(1));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(cache.refreshing(), None);
    }

    #[tokio::test]
    async fn during_a_refresh_identical_reads_are_made_once_even_at_the_same_time() {
        let cache = ReadCache::new();
        let calls = AtomicUsize::new(0);
        cache.begin("shop", Default::default());
        assert_eq!(cache.refreshing().as_deref(), Some("shop"));
        let (a, b, c) = tokio::join!(
            cache.read(key("a"), || counted(&calls, 1)),
            cache.read(key("a"), || counted(&calls, 2)),
            cache.read(key("a"), || counted(&calls, 3)),
        );
        assert_eq!((a, b, c), (Ok(1), Ok(1), Ok(1)));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Other parameters, another region or another result type: another read.
        assert_eq!(cache.read(key("b"), || counted(&calls, 4)).await, Ok(4));
        let other_region = ReadKey::new("EC2", "DescribeRouteTables", "us-east-1", "a");
        assert_eq!(cache.read(other_region, || counted(&calls, 5)).await, Ok(5));
        let as_text = cache.read(key("a"), || async { Ok::<_, String>("text".to_string()) }).await;
        assert_eq!(as_text.as_deref(), Ok("text"));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        cache.end();
        // After the refresh, AWS again.
        assert_eq!(cache.read(key("a"), || counted(&calls, 6)).await, Ok(6));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn the_record_is_given_during_a_refresh_only() {
        let cache = ReadCache::new();
        assert!(cache.recorded().is_none());
        let mut state = stackr_state::State::new("shop", "0.0.0");
        state.resources.insert(
            "vpc".into(),
            serde_json::from_value(serde_json::json!({
                "type": "aws.ec2.vpc", "region": "eu-west-1", "id": "vpc-1",
                "attributes": {"default_network_acl_id": "acl-1"}
            }))
            .unwrap(),
        );
        cache.begin("shop", Arc::new(Recorded::from_state(&state)));
        let recorded = cache.recorded().expect("during the refresh");
        assert_eq!(recorded.text("aws.ec2.vpc", "eu-west-1", "vpc-1", "default_network_acl_id"), Some("acl-1"));
        cache.end();
        assert!(cache.recorded().is_none());
    }

    #[tokio::test]
    async fn failures_are_not_kept() {
        let cache = ReadCache::new();
        cache.begin("shop", Default::default());
        let failed: Result<u32, String> = cache.read(key("a"), || async { Err("throttled".to_string()) }).await;
        assert!(failed.is_err());
        assert_eq!(cache.read(key("a"), || async { Ok::<_, String>(7) }).await, Ok(7));
        assert_eq!(cache.read(key("a"), || async { Ok::<_, String>(8) }).await, Ok(7));
        cache.end();
    }

    #[tokio::test]
    async fn nested_refreshes_share_one_scope_until_the_last_ends() {
        let cache = ReadCache::new();
        cache.begin("shop", Default::default());
        cache.begin("shop", Default::default());
        assert_eq!(cache.read(key("a"), || async { Ok::<_, String>(1) }).await, Ok(1));
        cache.end();
        assert_eq!(cache.read(key("a"), || async { Ok::<_, String>(2) }).await, Ok(1));
        cache.end();
        assert_eq!(cache.refreshing(), None);
        assert_eq!(cache.read(key("a"), || async { Ok::<_, String>(3) }).await, Ok(3));
        cache.end(); // an unmatched end changes nothing
        assert_eq!(cache.refreshing(), None);
    }
}

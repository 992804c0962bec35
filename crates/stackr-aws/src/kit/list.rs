//! `observe` for services that list: a type says how to read one resource
//! and how to list every one in a region; [`observe_listed`] reads a few
//! ids one by one and many with one paginated listing, so a drift check's
//! calls stay flat as the stack grows.

use async_trait::async_trait;
use stackr_engine::reconciler::{Observed, ProviderError};
use std::collections::HashMap;

/// A type whose resources can be read one by one and listed per region.
#[async_trait]
pub trait Listed: Send + Sync {
    /// Above this many ids, one listing of the region is cheaper than a
    /// read each.
    const LIST_ABOVE: usize = 3;

    /// One resource by id; `None` when it is gone.
    async fn read(&self, region: &str, id: &str) -> Result<Option<Observed>, ProviderError>;

    /// Every resource of the type in the region, by id (paginated).
    async fn list(&self, region: &str) -> Result<HashMap<String, Observed>, ProviderError>;
}

/// `observe` over [`Listed`]: one entry per id, in order.
pub async fn observe_listed<L: Listed + ?Sized>(
    l: &L,
    region: &str,
    ids: &[String],
) -> Result<Vec<Option<Observed>>, ProviderError> {
    if ids.len() > L::LIST_ABOVE {
        let all = l.list(region).await?;
        return Ok(ids.iter().map(|id| all.get(id).cloned()).collect());
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(l.read(region, id).await?);
    }
    Ok(out)
}

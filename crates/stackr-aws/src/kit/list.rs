//! `observe` for services that list: a type says how to read one
//! resource's description, how to list every description in a region, and
//! how a description becomes what stackr observes (with whatever further
//! calls that takes, tags or settings). [`observe_listed`] reads a few ids
//! one by one and many with one paginated listing, and makes the further
//! calls for the wanted ids only, never for the rest of the region, so a
//! drift check's calls stay flat as the stack grows.

use async_trait::async_trait;
use stackr_engine::reconciler::{Observed, ProviderError};
use std::collections::HashMap;

/// A type whose resources can be read one by one and listed per region.
#[async_trait]
pub trait Listed: Send + Sync {
    /// One resource as the read and the listing describe it.
    type Raw: Send + Sync;

    /// Above this many ids, one listing of the region is cheaper than a
    /// read each (0: there is no read of one, the listing is the read).
    const LIST_ABOVE: usize = 3;

    /// One resource by id; `None` when it is gone.
    async fn read_raw(&self, region: &str, id: &str) -> Result<Option<Self::Raw>, ProviderError>;

    /// Every resource of the type in the region, by id (paginated).
    async fn list_raw(&self, region: &str) -> Result<HashMap<String, Self::Raw>, ProviderError>;

    /// What stackr observes of `raw`; `None` when it is as good as gone
    /// (being deleted, or gone between the listing and a further call).
    async fn observed(&self, region: &str, raw: &Self::Raw) -> Result<Option<Observed>, ProviderError>;

    /// One resource by id, observed.
    async fn read(&self, region: &str, id: &str) -> Result<Option<Observed>, ProviderError> {
        match self.read_raw(region, id).await? {
            Some(raw) => self.observed(region, &raw).await,
            None => Ok(None),
        }
    }
}

/// `observe` over [`Listed`]: one entry per id, in order.
pub async fn observe_listed<L: Listed + ?Sized>(
    l: &L,
    region: &str,
    ids: &[String],
) -> Result<Vec<Option<Observed>>, ProviderError> {
    let all = if ids.len() > L::LIST_ABOVE { Some(l.list_raw(region).await?) } else { None };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(match &all {
            Some(all) => match all.get(id) {
                Some(raw) => l.observed(region, raw).await?,
                None => None,
            },
            None => l.read(region, id).await?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Three resources in the region; records the calls made.
    #[derive(Default)]
    struct Fake {
        calls: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl Listed for Fake {
        type Raw = String;
        const LIST_ABOVE: usize = 1;

        async fn read_raw(&self, _: &str, id: &str) -> Result<Option<String>, ProviderError> {
            self.calls.lock().unwrap().push(format!("read {id}"));
            Ok(["a", "b", "c"].contains(&id).then(|| id.to_string()))
        }

        async fn list_raw(&self, _: &str) -> Result<HashMap<String, String>, ProviderError> {
            self.calls.lock().unwrap().push("list".into());
            Ok(["a", "b", "c"].iter().map(|i| (i.to_string(), i.to_string())).collect())
        }

        async fn observed(&self, _: &str, raw: &String) -> Result<Option<Observed>, ProviderError> {
            self.calls.lock().unwrap().push(format!("tags {raw}"));
            let (properties, attributes, tags) = Default::default();
            Ok(Some(Observed { id: raw.clone(), properties, attributes, tags }))
        }
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[tokio::test]
    async fn few_are_read_one_by_one_many_are_listed_and_only_the_wanted_observed() {
        let f = Fake::default();
        let got = observe_listed(&f, "r", &ids(&["b"])).await.unwrap();
        assert_eq!(got[0].as_ref().map(|o| o.id.as_str()), Some("b"));
        assert_eq!(*f.calls.lock().unwrap(), ["read b", "tags b"]);

        let f = Fake::default();
        let got = observe_listed(&f, "r", &ids(&["c", "gone", "a"])).await.unwrap();
        let got: Vec<Option<&str>> = got.iter().map(|o| o.as_ref().map(|o| o.id.as_str())).collect();
        assert_eq!(got, [Some("c"), None, Some("a")]);
        assert_eq!(*f.calls.lock().unwrap(), ["list", "tags c", "tags a"]);
    }
}

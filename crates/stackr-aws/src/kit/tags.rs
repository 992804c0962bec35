//! One tag synchroniser for every service. A service implements
//! [`TagApi`] once, on its SDK client (its two calls: TagResource /
//! UntagResource, or AddTagsToResource / RemoveTagsFromResource...), and
//! every type of the service syncs its tags with [`sync_tags`]: stale keys
//! removed, changed ones set, AWS's own `aws:*` never touched.

use async_trait::async_trait;
use stackr_engine::reconciler::ProviderError;
use std::collections::BTreeMap;

/// A service's tagging calls (implemented on its SDK client, which knows
/// the region), on a resource named by `resource`: an ARN, an id, a queue
/// URL, whatever the service's tagging calls take.
#[async_trait]
pub trait TagApi: Send + Sync {
    /// Adds or overwrites `tags`.
    async fn tag(&self, resource: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError>;
    /// Removes the tags with these keys.
    async fn untag(&self, resource: &str, keys: Vec<String>) -> Result<(), ProviderError>;
}

/// Makes `resource`'s tags `want`, given that they are `have`.
pub async fn sync_tags<T: TagApi + ?Sized>(
    api: &T,
    resource: &str,
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let d = crate::tags::diff(have, want);
    if !d.remove.is_empty() {
        api.untag(resource, d.remove).await?;
    }
    if !d.set.is_empty() {
        api.tag(resource, d.set).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    #[async_trait]
    impl TagApi for Recorder {
        async fn tag(&self, r: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
            self.0.lock().unwrap().push(format!("tag {r} {tags:?}"));
            Ok(())
        }
        async fn untag(&self, r: &str, keys: Vec<String>) -> Result<(), ProviderError> {
            self.0.lock().unwrap().push(format!("untag {r} {keys:?}"));
            Ok(())
        }
    }

    fn m(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[tokio::test]
    async fn removes_stale_sets_changed_and_keeps_aws_tags() {
        let r = Recorder::default();
        sync_tags(&r, "arn:x", &m(&[("a", "1"), ("b", "2"), ("aws:c", "3")]), &m(&[("b", "9")])).await.unwrap();
        assert_eq!(*r.0.lock().unwrap(), vec![r#"untag arn:x ["a"]"#, r#"tag arn:x {"b": "9"}"#]);
        let quiet = Recorder::default();
        sync_tags(&quiet, "arn:x", &m(&[("b", "9")]), &m(&[("b", "9")])).await.unwrap();
        assert!(quiet.0.lock().unwrap().is_empty(), "no call when the tags match");
    }
}

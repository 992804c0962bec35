//! Tag helpers shared by the reconcilers: what to remove and what to set to
//! make live tags match the wanted ones, and whether a resource is ours.
//!
//! Each service has its own tagging calls (TagRole, AddTagsToResource,
//! TagResource...); a reconciler computes a [`TagDiff`] here and makes
//! those calls with it.

use std::collections::BTreeMap;

/// What changes to make `have` equal to `want` (AWS's own `aws:*` tags are
/// never touched).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagDiff {
    /// Keys to remove.
    pub remove: Vec<String>,
    /// Keys to add or overwrite, with their values.
    pub set: BTreeMap<String, String>,
}

impl TagDiff {
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty() && self.set.is_empty()
    }
}

pub fn diff(have: &BTreeMap<String, String>, want: &BTreeMap<String, String>) -> TagDiff {
    TagDiff {
        remove: have.keys().filter(|k| !want.contains_key(*k) && !k.starts_with("aws:")).cloned().collect(),
        set: want.iter().filter(|(k, v)| have.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect(),
    }
}

/// Whether `tags` mark a resource of `stack` (any address).
pub fn of_stack(tags: &BTreeMap<String, String>, stack: &str) -> bool {
    tags.get("stackr:stack").map(String::as_str) == Some(stack)
}

/// Whether `tags` carry stackr's marks for this stack and address.
pub fn ours(tags: &BTreeMap<String, String>, stack: &str, address: &str) -> bool {
    of_stack(tags, stack) && tags.get("stackr:resource").map(String::as_str) == Some(address)
}

/// Whether `tags` (the stack's, as a create request carries them) mark the
/// same stack and address as `live`: adoption of a retried create.
pub fn same_owner(live: &BTreeMap<String, String>, wanted: &BTreeMap<String, String>) -> bool {
    // Another state of the same stack (another lineage) never owns it.
    let lineage = "stackr:lineage";
    let same_state = match (live.get(lineage), wanted.get(lineage)) {
        (Some(l), Some(w)) => l == w,
        _ => true,
    };
    match (wanted.get("stackr:stack"), wanted.get("stackr:resource")) {
        (Some(s), Some(a)) => same_state && ours(live, s, a),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn diff_removes_stale_and_sets_changed() {
        let d = diff(&m(&[("a", "1"), ("b", "2"), ("aws:x", "y")]), &m(&[("b", "3"), ("c", "4")]));
        assert_eq!(d.remove, vec!["a".to_string()]);
        assert_eq!(d.set, m(&[("b", "3"), ("c", "4")]));
        assert!(diff(&m(&[("a", "1")]), &m(&[("a", "1")])).is_empty());
    }

    #[test]
    fn ownership() {
        let t = m(&[("stackr:stack", "s"), ("stackr:resource", "r")]);
        assert!(ours(&t, "s", "r"));
        assert!(!ours(&t, "s", "x"));
        assert!(same_owner(&t, &t));
        assert!(!same_owner(&t, &m(&[])));
        // Another state of the same stack: not the same owner.
        let mine = m(&[("stackr:stack", "s"), ("stackr:resource", "r"), ("stackr:lineage", "a")]);
        let theirs = m(&[("stackr:stack", "s"), ("stackr:resource", "r"), ("stackr:lineage", "b")]);
        assert!(same_owner(&mine, &mine));
        assert!(!same_owner(&theirs, &mine));
        // Made before lineages were tagged: the stack and address decide.
        assert!(same_owner(&t, &mine));
    }
}

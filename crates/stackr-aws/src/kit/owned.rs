//! stackr's ownership marks (`stackr:stack`, `stackr:resource`,
//! `stackr:lineage` tags) applied the same way by every type: `find`
//! returns only what this stack made for this address, and a create that
//! meets a resource of the same name adopts it only when it is ours.

use crate::kit::invalid;
use stackr_engine::reconciler::{CreateRequest, FindRequest, Observed, ProviderError, Target};
use std::collections::BTreeMap;

/// Whether tags say the resource was made for `target` (checked on our side
/// too: some list calls ignore tag filters).
pub fn is_ours(tags: &BTreeMap<String, String>, target: &Target) -> bool {
    crate::tags::ours(tags, &target.stack, &target.address)
}

/// `find`'s answer from what a look-up by name (or token) returned: the
/// resource when it carries the target's marks and is not one state
/// already knows (the old half of a replacement).
pub fn mine(found: Option<Observed>, req: &FindRequest) -> Option<Observed> {
    found.filter(|o| !req.known_ids.contains(&o.id) && is_ours(&o.tags, &req.target))
}

/// A create met `existing` under the same `name` (an "already exists"
/// answer, or a look-up before the create): a create of ours retried after
/// a crash is adopted; anything else, another stack's, another state's of
/// this stack, or one made outside stackr, is an error that names it and
/// says what to do. `what` is the type in words ("an SQS queue").
pub fn adopt_existing(
    what: &str,
    name: &str,
    existing: Observed,
    req: &CreateRequest,
) -> Result<Observed, ProviderError> {
    // (A name AWS allows once: the old resource of a replacement is gone
    // by now, or the plan refused to make the new one beside it; an id
    // made of the name, as an SNS topic's ARN, may well be the old one's.)
    if crate::tags::same_owner(&existing.tags, &req.tags) {
        return Ok(existing);
    }
    Err(taken(what, name, &existing.tags, &req.target.address, &req.tags))
}

/// The error for a name `what` (in words) AWS allows once, taken by a
/// resource this stack did not make for `address`: whose it is (its
/// stackr tags) and what to do.
pub fn taken(
    what: &str,
    name: &str,
    live: &BTreeMap<String, String>,
    address: &str,
    wanted: &BTreeMap<String, String>,
) -> ProviderError {
    let owner = |k: &str| live.get(k).map(String::as_str);
    let whose = match (owner("stackr:stack"), owner("stackr:resource")) {
        (Some(stack), Some(at)) if Some(stack) != wanted.get("stackr:stack").map(String::as_str) => format!(
            "it belongs to stack `{stack}` (as `{at}`, by its stackr tags): rename one of them, or move it here \
             (`stackr state rm` it in `{stack}`, remove its stackr tags, then `stackr import` it)"
        ),
        (Some(_), Some(at)) if owner("stackr:lineage") != wanted.get("stackr:lineage").map(String::as_str) => {
            format!(
                "it was made for `{at}` by another state of this stack (another environment or state location, by \
                 its stackr:lineage tag): rename it, or give this stack that state"
            )
        }
        (Some(_), Some(at)) => format!("this stack made it for `{at}`: rename one of them"),
        _ => "it was made outside stackr: `stackr import` it, or rename".to_string(),
    };
    invalid(format!("{what} named {name} already exists and was not made by this stack for {address}; {whose}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(id: &str, tags: &[(&str, &str)]) -> Observed {
        Observed {
            id: id.into(),
            properties: Default::default(),
            attributes: Default::default(),
            tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    fn target() -> Target {
        Target { stack: "s".into(), address: "q".into(), region: "eu-west-1".into() }
    }

    #[test]
    fn find_returns_only_ours_and_unknown() {
        let ours = observed("a", &[("stackr:stack", "s"), ("stackr:resource", "q")]);
        let req =
            FindRequest { target: target(), token: "t".into(), properties: Default::default(), known_ids: vec![] };
        assert_eq!(mine(Some(ours.clone()), &req), Some(ours.clone()));
        assert_eq!(mine(Some(observed("a", &[("stackr:stack", "s")])), &req), None);
        let replacing = FindRequest { known_ids: vec!["a".into()], ..req };
        assert_eq!(mine(Some(ours), &replacing), None);
    }

    #[test]
    fn adopts_ours_and_names_anyone_elses() {
        let marks = [("stackr:stack", "s"), ("stackr:resource", "q"), ("stackr:lineage", "L1")];
        let req = CreateRequest {
            target: target(),
            properties: Default::default(),
            tags: marks.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            token: "t".into(),
            known_ids: Vec::new(),
        };
        assert!(adopt_existing("an SQS queue", "jobs", observed("u", &marks), &req).is_ok());
        let other_state = [("stackr:stack", "s"), ("stackr:resource", "q"), ("stackr:lineage", "L2")];
        let e = adopt_existing("an SQS queue", "jobs", observed("u", &other_state), &req).unwrap_err();
        assert!(e.message.contains("by another state of this stack"), "{}", e.message);
        let e = adopt_existing("an SQS queue", "jobs", observed("u", &[]), &req).unwrap_err();
        assert_eq!(
            e.message,
            "an SQS queue named jobs already exists and was not made by this stack for q; it was made outside stackr: \
             `stackr import` it, or rename"
        );
        let theirs = [("stackr:stack", "other"), ("stackr:resource", "jobs"), ("stackr:lineage", "L9")];
        let e = adopt_existing("an SQS queue", "jobs", observed("u", &theirs), &req).unwrap_err();
        assert!(
            e.message.contains("belongs to stack `other` (as `jobs`") && e.message.contains("state rm"),
            "{}",
            e.message
        );
        let here = [("stackr:stack", "s"), ("stackr:resource", "p"), ("stackr:lineage", "L1")];
        let e = adopt_existing("an SQS queue", "jobs", observed("u", &here), &req).unwrap_err();
        assert!(e.message.contains("this stack made it for `p`"), "{}", e.message);
    }
}

//! What the state recorded of the resources a refresh observes, handed to
//! the refresh hook ([`crate::reconciler::RefreshHook`]).
//!
//! # Contract
//! - A reconciler may take from the record only what AWS never changes
//!   for the life of a resource (a VPC's default network ACL, the file
//!   system a mount target belongs to), citing the AWS page that says so,
//!   and only to save a read: whatever can drift is still read from AWS.
//! - A record may lack a value (a state written before the attribute was
//!   observed): the reconciler then reads it as before.
//! - It also says which other resources of the stack a refresh will
//!   observe, so that a read AWS answers for many ids at once (ELB's
//!   DescribeTags, 20 ARNs a call) is made once for all of them.

use serde_json::Value as Json;
use stackr_state::State;
use std::collections::HashMap;

/// One recorded resource: its properties as last applied and its
/// attributes as last observed, in the state's JSON form.
#[derive(Debug, Clone, Default)]
struct Record {
    properties: serde_json::Map<String, Json>,
    attributes: serde_json::Map<String, Json>,
}

/// The state's records, by type, region and id.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    by_id: HashMap<(String, String, String), Record>,
}

impl Recorded {
    /// Everything `state` holds.
    pub fn from_state(state: &State) -> Recorded {
        let by_id = state
            .resources
            .values()
            .map(|r| {
                let record = Record { properties: r.properties.clone(), attributes: r.attributes.clone() };
                ((r.kind.clone(), r.region.clone(), r.id.clone()), record)
            })
            .collect();
        Recorded { by_id }
    }

    /// The recorded value of `name` (an attribute, else a property) of the
    /// resource of type `kind` with `id` in `region`.
    pub fn value(&self, kind: &str, region: &str, id: &str, name: &str) -> Option<&Json> {
        let r = self.by_id.get(&(kind.to_string(), region.to_string(), id.to_string()))?;
        r.attributes.get(name).or_else(|| r.properties.get(name)).filter(|v| !v.is_null())
    }

    /// `value` as text.
    pub fn text(&self, kind: &str, region: &str, id: &str, name: &str) -> Option<&str> {
        self.value(kind, region, id, name)?.as_str()
    }

    /// The ids of every recorded resource of type `kind` in `region`,
    /// sorted.
    pub fn ids(&self, kind: &str, region: &str) -> Vec<String> {
        let mut out: Vec<String> =
            self.by_id.keys().filter(|(k, r, _)| k == kind && r == region).map(|(_, _, id)| id.clone()).collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use stackr_state::ResourceState;

    fn resource(kind: &str, region: &str, id: &str, props: Json, attrs: Json) -> ResourceState {
        ResourceState {
            kind: kind.into(),
            region: region.into(),
            id: id.into(),
            properties: props.as_object().cloned().unwrap_or_default(),
            attributes: attrs.as_object().cloned().unwrap_or_default(),
            dependencies: vec![],
            protect: false,
            retain: false,
            secret_digests: Default::default(),
            unready: false,
        }
    }

    #[test]
    fn values_and_ids_by_type_and_region() {
        let mut state = State::new("shop", "0.0.0");
        state.resources.insert(
            "vpc".into(),
            resource(
                "aws.ec2.vpc",
                "eu-west-1",
                "vpc-1",
                json!({"cidr_block": "10.0.0.0/16", "name": null}),
                json!({"default_network_acl_id": "acl-1", "cidr_block": "10.0.0.0/16"}),
            ),
        );
        state.resources.insert(
            "other".into(),
            resource("aws.ec2.vpc", "us-east-1", "vpc-2", json!({}), json!({"default_network_acl_id": "acl-2"})),
        );
        let r = Recorded::from_state(&state);
        assert_eq!(r.text("aws.ec2.vpc", "eu-west-1", "vpc-1", "default_network_acl_id"), Some("acl-1"));
        assert_eq!(r.text("aws.ec2.vpc", "eu-west-1", "vpc-1", "cidr_block"), Some("10.0.0.0/16"));
        // Null is no value; another region or type is another resource.
        assert_eq!(r.value("aws.ec2.vpc", "eu-west-1", "vpc-1", "name"), None);
        assert_eq!(r.value("aws.ec2.vpc", "eu-west-1", "vpc-2", "default_network_acl_id"), None);
        assert_eq!(r.value("aws.ec2.subnet", "eu-west-1", "vpc-1", "cidr_block"), None);
        assert_eq!(r.ids("aws.ec2.vpc", "eu-west-1"), vec!["vpc-1".to_string()]);
        assert!(r.ids("aws.ec2.subnet", "eu-west-1").is_empty());
    }
}

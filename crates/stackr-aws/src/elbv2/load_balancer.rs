//! `aws.elbv2.load_balancer`: an Application (or Network, Gateway) Load
//! Balancer, ready when `active`.
//!
//! In place: `ip_address_type` (SetIpAddressType), `subnets` (SetSubnets),
//! `security_groups` (SetSecurityGroups), `attributes`
//! (ModifyLoadBalancerAttributes, only the attributes the stack names; the
//! others keep AWS's defaults and are not compared) and tags. `name`,
//! `type` and `scheme` replace.
//!
//! The id is the ARN. CreateLoadBalancer is idempotent by name in AWS (the
//! same ARN back); stackr looks the name up first anyway: a load balancer
//! of that name carrying this stack's and address's tags is adopted (a
//! create retried after a crash) and brought to the stack's values, anyone
//! else's is an error naming it.
//!
//! Reads: DescribeLoadBalancers and DescribeTags with up to 20 ARNs per
//! call; DescribeLoadBalancerAttributes per load balancer (AWS has no batch
//! form). Readiness polls the state (`provisioning` → `active`); delete
//! waits until the load balancer is gone, so that its subnets and security
//! groups can go next. The `dns_name` attribute is reported in lower case
//! (DNS names are case-insensitive), so alias records compare cleanly.

use super::common::{
    NOT_FOUND, arn_suffix, attribute_map, changed_attributes, in_batches, sdk_tags, sync_tags, tags_of,
};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{Field, invalid, not_in_place, tolerate, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::operation::create_load_balancer::builders::CreateLoadBalancerFluentBuilder;
use aws_sdk_elasticloadbalancingv2::types::{
    IpAddressType, LoadBalancerAttribute, LoadBalancerSchemeEnum, LoadBalancerStateEnum, LoadBalancerTypeEnum,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

pub struct LoadBalancer {
    clients: Arc<Clients>,
}

type Lb = aws_sdk_elasticloadbalancingv2::types::LoadBalancer;

/// One load balancer as read: its description and its attributes.
struct Seen {
    lb: Lb,
    attributes: Value,
}

/// Schema ↔ AWS (`LoadBalancer` of DescribeLoadBalancers, the attributes of
/// DescribeLoadBalancerAttributes; CreateLoadBalancer). The attributes are
/// set by ModifyLoadBalancerAttributes after the create.
type Row = Field<Seen, CreateLoadBalancerFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "Name", |x| x.lb.load_balancer_name().map(s)).create(|c, v| Ok(c.name(to::text(v)?))),
    Row::new("type", "Type", |x| x.lb.r#type().map(|t| s(t.as_str())))
        .create(|c, v| Ok(c.r#type(LoadBalancerTypeEnum::from(to::text(v)?.as_str())))),
    Row::new("scheme", "Scheme", |x| x.lb.scheme().map(|t| s(t.as_str())))
        .create(|c, v| Ok(c.scheme(LoadBalancerSchemeEnum::from(to::text(v)?.as_str())))),
    Row::new("ip_address_type", "IpAddressType", |x| x.lb.ip_address_type().map(|t| s(t.as_str())))
        .create(|c, v| Ok(c.ip_address_type(IpAddressType::from(to::text(v)?.as_str())))),
    Row::new("subnets", "AvailabilityZones[].SubnetId, Subnets", |x| {
        let mut subnets: Vec<String> =
            x.lb.availability_zones().iter().filter_map(|z| z.subnet_id().map(str::to_string)).collect();
        subnets.sort();
        Some(props::list(subnets))
    })
    .create(|c, v| Ok(c.set_subnets(Some(to::texts(v)?)))),
    Row::new("security_groups", "SecurityGroups", |x| {
        let mut groups = x.lb.security_groups().to_vec();
        groups.sort();
        Some(props::list(groups))
    })
    .create(|c, v| Ok(c.set_security_groups(Some(to::texts(v)?)))),
    Row::new("attributes", "Attributes", |x| Some(x.attributes.clone())),
];

impl LoadBalancer {
    pub fn new(clients: Arc<Clients>) -> Self {
        LoadBalancer { clients }
    }

    fn client(&self, region: &str) -> aws_sdk_elasticloadbalancingv2::Client {
        self.clients.elbv2(region)
    }

    /// The load balancers among `arns` that exist (20 per call; a batch
    /// naming one that is gone is read one by one).
    async fn raw(&self, region: &str, arns: &[String]) -> Result<Vec<Lb>, ProviderError> {
        let client = &self.client(region);
        in_batches(arns, |chunk| async move {
            match client.describe_load_balancers().set_load_balancer_arns(Some(chunk)).send().await {
                Ok(r) => Ok(Some(r.load_balancers.unwrap_or_default())),
                Err(e) if is(&e, NOT_FOUND) => Ok(None),
                Err(e) => Err(provider("DescribeLoadBalancers", e)),
            }
        })
        .await
    }

    /// The load balancers named `name` (none, or one).
    async fn by_name(&self, region: &str, name: &str) -> Result<Vec<Lb>, ProviderError> {
        match self.client(region).describe_load_balancers().names(name).send().await {
            Ok(r) => Ok(r.load_balancers.unwrap_or_default()),
            Err(e) if is(&e, NOT_FOUND) => Ok(Vec::new()),
            Err(e) => Err(provider("DescribeLoadBalancers", e)),
        }
    }

    /// Observes raw load balancers: their tags and attributes too.
    async fn complete(&self, region: &str, lbs: Vec<Lb>) -> Result<Vec<Observed>, ProviderError> {
        let client = self.client(region);
        let arns: Vec<String> = lbs.iter().filter_map(|l| l.load_balancer_arn().map(str::to_string)).collect();
        let mut tags = tags_of(&self.clients, region, &arns).await?;
        let mut out = Vec::new();
        for lb in lbs {
            let Some(arn) = lb.load_balancer_arn().map(str::to_string) else { continue };
            let attrs = match client.describe_load_balancer_attributes().load_balancer_arn(&arn).send().await {
                Ok(r) => r.attributes.unwrap_or_default(),
                Err(e) if is(&e, NOT_FOUND) => continue,
                Err(e) => return Err(provider("DescribeLoadBalancerAttributes", e)),
            };
            let attributes = attribute_map(attrs.into_iter().map(|a| (a.key, a.value)));
            let seen = Seen { lb, attributes };
            let properties = fields::observed(FIELDS, &seen);
            let lb = seen.lb;
            let attributes = props::build([
                ("id", Some(s(&arn))),
                ("arn", Some(s(&arn))),
                ("arn_suffix", arn_suffix(&arn, "loadbalancer").map(s)),
                ("dns_name", lb.dns_name().map(|d| s(d.to_ascii_lowercase()))),
                ("hosted_zone_id", lb.canonical_hosted_zone_id().map(s)),
                ("vpc_id", lb.vpc_id().map(s)),
            ]);
            let tags = tags.remove(&arn).unwrap_or_default();
            out.push(Observed { id: arn, properties, attributes, tags });
        }
        Ok(out)
    }

    async fn observe_one(&self, region: &str, arn: &str) -> Result<Option<Observed>, ProviderError> {
        let lbs = self.raw(region, &[arn.to_string()]).await?;
        Ok(self.complete(region, lbs).await?.pop())
    }

    async fn must_observe(&self, region: &str, arn: &str) -> Result<Observed, ProviderError> {
        self.observe_one(region, arn).await?.ok_or_else(|| vanished("load balancer", arn))
    }

    /// Makes the live load balancer match `desired` in every in-place
    /// property the stack sets (and its tags); calls nothing when it does.
    async fn converge(
        &self,
        region: &str,
        live: &Observed,
        desired: &Props,
        tags: &std::collections::BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        let client = self.client(region);
        let arn = &live.id;
        let have = &live.properties;
        if let Some(t) = props::string(desired, "ip_address_type")
            && props::string(have, "ip_address_type").as_deref() != Some(t.as_str())
        {
            client
                .set_ip_address_type()
                .load_balancer_arn(arn)
                .ip_address_type(IpAddressType::from(t.as_str()))
                .send()
                .await
                .map_err(|e| provider("SetIpAddressType", e))?;
        }
        let set = |k: &str, p: &Props| props::strings(p, k).into_iter().collect::<BTreeSet<_>>();
        if desired.contains_key("subnets") && set("subnets", desired) != set("subnets", have) {
            client
                .set_subnets()
                .load_balancer_arn(arn)
                .set_subnets(Some(props::strings(desired, "subnets")))
                .send()
                .await
                .map_err(|e| provider("SetSubnets", e))?;
        }
        if desired.contains_key("security_groups") && set("security_groups", desired) != set("security_groups", have) {
            client
                .set_security_groups()
                .load_balancer_arn(arn)
                .set_security_groups(Some(props::strings(desired, "security_groups")))
                .send()
                .await
                .map_err(|e| provider("SetSecurityGroups", e))?;
        }
        let changed = changed_attributes(have.get("attributes"), desired.get("attributes"));
        if !changed.is_empty() {
            let attrs = changed.into_iter().map(|(k, v)| LoadBalancerAttribute::builder().key(k).value(v).build());
            client
                .modify_load_balancer_attributes()
                .load_balancer_arn(arn)
                .set_attributes(Some(attrs.collect()))
                .send()
                .await
                .map_err(|e| provider("ModifyLoadBalancerAttributes", e))?;
        }
        sync_tags(&client, arn, &live.tags, tags).await
    }
}

/// The attribute that makes AWS refuse to delete a load balancer.
const PROTECTION: &str = "deletion_protection.enabled";

#[async_trait]
impl Reconciler for LoadBalancer {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::elbv2::LOAD_BALANCER
    }

    /// DeleteLoadBalancer is refused (`OperationNotPermitted`) while the
    /// attribute `deletion_protection.enabled` is `true`, as applied or as
    /// a refresh reads it (the read returns every attribute, also those the
    /// stack leaves out): told before a destroy deletes anything else.
    /// <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeleteLoadBalancer.html>
    fn undeletable(&self, id: &str, properties: &Props) -> Option<String> {
        let Some(Value::Map(attrs)) = properties.get("attributes") else { return None };
        let on = matches!(attrs.get(PROTECTION), Some(Value::String(v)) if v.eq_ignore_ascii_case("true"))
            || matches!(attrs.get(PROTECTION), Some(Value::Bool(true)));
        on.then(|| {
            format!(
                "load balancer {} has deletion protection, and stackr never turns it off on its own: set \
                 `attributes: {{ \"{PROTECTION}\": \"false\" }}` on it, apply, then delete",
                props::string(properties, "name").unwrap_or_else(|| id.to_string())
            )
        })
    }

    /// An Application Load Balancer needs subnets in at least two
    /// Availability Zones
    /// (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html).
    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        let application = matches!(p.get("type"), None | Some(Value::Null))
            || p.get("type").and_then(Value::as_str) == Some("application");
        if let (true, Some(Value::List(subnets))) = (application, p.get("subnets"))
            && subnets.len() < 2
            && !subnets.iter().any(|s| matches!(s, Value::Unknown))
        {
            return Err(invalid(format!(
                "an Application Load Balancer needs subnets in at least two Availability Zones; `subnets` has {}",
                subnets.len()
            )));
        }
        Ok(())
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut unique: Vec<String> = ids.to_vec();
        unique.sort();
        unique.dedup();
        let lbs = self.raw(region, &unique).await?;
        let found: HashMap<String, Observed> =
            self.complete(region, lbs).await?.into_iter().map(|o| (o.id.clone(), o)).collect();
        Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        let lbs = self.by_name(&req.target.region, &name).await?;
        let found = self.complete(&req.target.region, lbs).await?;
        Ok(found.into_iter().find(|o| crate::kit::is_ours(&o.tags, &req.target) && !req.known_ids.contains(&o.id)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let name = props::require(p, "name")?;
        let existing = self.complete(region, self.by_name(region, &name).await?).await?;
        let arn = match existing.into_iter().next() {
            Some(o) => crate::kit::adopt_existing("a load balancer", &name, o, req)?.id,
            None => {
                let out = fields::create(FIELDS, self.client(region).create_load_balancer(), p)?
                    .set_tags(Some(sdk_tags(&req.tags)))
                    .send()
                    .await
                    .map_err(|e| provider("CreateLoadBalancer", e))?;
                out.load_balancers
                    .unwrap_or_default()
                    .into_iter()
                    .find_map(|l| l.load_balancer_arn)
                    .ok_or_else(|| vanished("load balancer", &name))?
            }
        };
        let live = self.must_observe(region, &arn).await?;
        self.converge(region, &live, p, &req.tags).await?;
        self.must_observe(region, &arn).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        for field in &req.changed {
            if !matches!(field.as_str(), "ip_address_type" | "subnets" | "security_groups" | "attributes" | "tags") {
                return Err(not_in_place("a load balancer", field));
            }
        }
        self.converge(region, &req.observed, &req.desired, &req.tags).await?;
        self.must_observe(region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let arn = &req.id;
        let r = self.client(region).delete_load_balancer().load_balancer_arn(arn).send().await;
        tolerate("DeleteLoadBalancer", r, NOT_FOUND)
    }

    /// Gone once DescribeLoadBalancers no longer finds it.
    async fn deleted(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        let found = self.raw(region, &[id.to_string()]).await?;
        Ok(if found.is_empty() { Readiness::Ready } else { Readiness::Pending("deleting".into()) })
    }

    async fn readiness(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        let Some(lb) = self.raw(region, &[id.to_string()]).await?.into_iter().next() else {
            return Ok(Readiness::Failed(format!("load balancer {id} is gone")));
        };
        let state = lb.state();
        Ok(match state.and_then(|s| s.code()) {
            Some(LoadBalancerStateEnum::Active) => Readiness::Ready,
            Some(LoadBalancerStateEnum::Failed) => Readiness::Failed(format!(
                "load balancer {id} failed: {}",
                state.and_then(|s| s.reason()).unwrap_or("no reason given")
            )),
            Some(code) => Readiness::Pending(code.as_str().to_string()),
            None => Readiness::Pending("unknown".into()),
        })
    }

    /// A load balancer provisions in 2-4 minutes.
    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(20, 20, 20)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stackr_core::value::Value;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::elbv2::LOAD_BALANCER, &[]);
    }

    #[test]
    fn deletion_protection_read_from_aws_makes_it_undeletable() {
        let config = aws_config::SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build();
        let lb = LoadBalancer::new(Arc::new(Clients::new(config, Vec::new())));
        let with = |on: &str| {
            let attrs =
                Value::Map(props::build([(PROTECTION, Some(s(on))), ("idle_timeout.timeout_seconds", Some(s("60")))]));
            props::build([("name", Some(s("web"))), ("attributes", Some(attrs))])
        };
        let why = lb.undeletable("arn:lb", &with("true")).expect("refused");
        assert!(why.contains("load balancer web has deletion protection") && why.contains(PROTECTION), "{why}");
        assert_eq!(lb.undeletable("arn:lb", &with("false")), None);
        assert_eq!(lb.undeletable("arn:lb", &Props::new()), None);
    }

    #[test]
    fn only_named_attributes_are_modified() {
        let have = Value::Map(props::build([
            ("idle_timeout.timeout_seconds", Some(s("60"))),
            ("routing.http2.enabled", Some(s("true"))),
        ]));
        let want = Value::Map(props::build([("idle_timeout.timeout_seconds", Some(s("120")))]));
        assert_eq!(
            changed_attributes(Some(&have), Some(&want)),
            vec![("idle_timeout.timeout_seconds".to_string(), "120".to_string())]
        );
        assert!(changed_attributes(Some(&have), Some(&have)).is_empty());
    }
}

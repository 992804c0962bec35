//! What every EC2 reconciler shares, on top of the kit (`crate::kit`): tag specifications, the ownership
//! look-up by the `stackr:stack` / `stackr:resource` tags, batched
//! describe-by-filter, tag synchronisation, ARNs and polling.
//!
//! Each type implements [`Describe`] (one paginated Describe* call with
//! filters, turned into [`Observed`]s); [`observe_by_id`], [`find_tagged`]
//! and [`existing`] build `observe`, `find` and the look-up before every
//! create on it.

use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::{CreateRequest, FindRequest, Observed, ProviderError, Target, UpdateRequest};
use std::collections::{BTreeMap, HashMap};

// The service-neutral part of the toolkit, for EC2's types.
pub use crate::collect as describe;
pub use crate::kit::{
    PROPAGATION, eventually, invalid, is_ours, not_in_place, num, partition, poll, same_fixed, sync_tags, tolerate,
    vanished,
};

/// How many values one filter may carry (AWS's limit is 200).
const FILTER_VALUES: usize = 200;

/// A Describe* filter.
pub fn filter<S: Into<String>>(name: &str, values: impl IntoIterator<Item = S>) -> Filter {
    Filter::builder().name(name).set_values(Some(values.into_iter().map(Into::into).collect())).build()
}

/// The filters that select what stackr made for `target`.
pub fn ownership_filters(target: &Target) -> Vec<Filter> {
    vec![filter("tag:stackr:stack", [target.stack.as_str()]), filter("tag:stackr:resource", [target.address.as_str()])]
}

/// `TagSpecifications` for a create.
pub fn tag_spec(kind: ResourceType, tags: &BTreeMap<String, String>) -> TagSpecification {
    TagSpecification::builder().resource_type(kind).set_tags(Some(sdk_tags(tags))).build()
}

pub fn sdk_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// Tags as AWS reports them, without AWS's own.
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    crate::props::tag_map(tags.iter().filter_map(|t| Some((t.key.clone()?, t.value.clone().unwrap_or_default()))))
}

/// EC2's tagging calls (CreateTags / DeleteTags, by resource id), for
/// [`sync_tags`].
#[async_trait]
impl crate::kit::TagApi for aws_sdk_ec2::Client {
    async fn tag(&self, id: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        let call = self.create_tags().resources(id).set_tags(Some(sdk_tags(&tags)));
        crate::kit::done("CreateTags", call.send().await)
    }

    async fn untag(&self, id: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let stale = keys.into_iter().map(|k| Tag::builder().key(k).build()).collect();
        let call = self.delete_tags().resources(id).set_tags(Some(stale));
        crate::kit::done("DeleteTags", call.send().await)
    }
}

/// `arn:aws:ec2:REGION:OWNER:KIND/ID`.
pub fn arn(region: &str, owner: &str, kind: &str, id: &str) -> String {
    format!("arn:{}:ec2:{region}:{owner}:{kind}/{id}", partition(region))
}

/// `update` for a type whose only in-place property is `tags`: syncs them,
/// refuses any other field (`what` names the type in the error), and
/// observes the result.
pub async fn update_tags_only<D: Describe + ?Sized>(
    d: &D,
    client: &aws_sdk_ec2::Client,
    req: &UpdateRequest,
    what: &str,
) -> Result<Observed, ProviderError> {
    for field in &req.changed {
        match field.as_str() {
            "tags" => sync_tags(client, &req.id, &req.observed.tags, &req.tags).await?,
            other => return Err(not_in_place(what, other)),
        }
    }
    must_observe(d, &req.target.region, &req.id).await
}

/// A type that can be described by filters.
#[async_trait]
pub trait Describe: Send + Sync {
    fn schema(&self) -> &'static TypeSchema;

    /// The filter that selects by id (`vpc-id`); `None` when the API has
    /// none, and everything in the region is listed and picked from.
    fn id_filter(&self) -> Option<&'static str>;

    /// Everything matching `filters` (all filters must match).
    async fn describe(&self, region: &str, filters: Vec<Filter>) -> Result<Vec<Observed>, ProviderError>;
}

/// `observe` over [`Describe`]: one call per 200 ids (paginated), in order.
pub async fn observe_by_id<D: Describe + ?Sized>(
    d: &D,
    region: &str,
    ids: &[String],
) -> Result<Vec<Option<Observed>>, ProviderError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: HashMap<String, Observed> = HashMap::new();
    match d.id_filter() {
        Some(name) => {
            let mut unique: Vec<&String> = ids.iter().collect();
            unique.sort();
            unique.dedup();
            for chunk in unique.chunks(FILTER_VALUES) {
                let f = filter(name, chunk.iter().map(|s| s.as_str()));
                found.extend(d.describe(region, vec![f]).await?.into_iter().map(|o| (o.id.clone(), o)));
            }
        }
        None => found.extend(d.describe(region, Vec::new()).await?.into_iter().map(|o| (o.id.clone(), o))),
    }
    Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
}

/// One resource by id.
pub async fn observe_one<D: Describe + ?Sized>(
    d: &D,
    region: &str,
    id: &str,
) -> Result<Option<Observed>, ProviderError> {
    Ok(observe_by_id(d, region, &[id.to_string()]).await?.pop().flatten())
}

/// Like [`observe_one`], but the resource must exist (right after a call
/// that made or changed it); waits for it to become visible, as EC2 is
/// eventually consistent.
pub async fn must_observe<D: Describe + ?Sized>(d: &D, region: &str, id: &str) -> Result<Observed, ProviderError> {
    poll(&format!("{} {id} to be visible", d.schema().kind), PROPAGATION, || observe_one(d, region, id)).await
}

/// What carries `target`'s tags, except `known_ids`; the oldest-looking
/// (lowest id) when there are several.
async fn tagged<D: Describe + ?Sized>(
    d: &D,
    target: &Target,
    known_ids: &[String],
) -> Result<Vec<Observed>, ProviderError> {
    let mut found: Vec<Observed> = d
        .describe(&target.region, ownership_filters(target))
        .await?
        .into_iter()
        .filter(|o| is_ours(&o.tags, target) && !known_ids.contains(&o.id))
        .collect();
    found.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(found)
}

/// `find` over [`Describe`]: the tag look-up, excluding known ids.
pub async fn find_tagged<D: Describe + ?Sized>(d: &D, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
    Ok(tagged(d, &req.target, &req.known_ids).await?.into_iter().next())
}

/// The look-up before every create: something already carrying the
/// target's tags (a create retried after a crash, or an API that ignores
/// client tokens) is returned instead of making another. Only a resource
/// whose replace-only properties equal the request's, and never one state
/// holds (`known_ids`), is taken: the old resource of a replacement (same
/// tags, `create_before_destroy`) is never mistaken for the new one.
pub async fn existing<D: Describe + ?Sized>(d: &D, req: &CreateRequest) -> Result<Option<Observed>, ProviderError> {
    let schema = d.schema();
    let found = tagged(d, &req.target, &req.known_ids).await?;
    // Made for another state of this stack (its lineage tag): not ours.
    let ours = |o: &Observed| crate::tags::same_owner(&o.tags, &req.tags);
    Ok(found.into_iter().find(|o| ours(o) && same_fixed(schema, &o.properties, &req.properties)))
}

/// The VPCs a gateway is attached (or attaching) to.
pub fn attached_vpcs(attachments: &[aws_sdk_ec2::types::InternetGatewayAttachment]) -> Vec<String> {
    use aws_sdk_ec2::types::AttachmentStatus;
    attachments
        .iter()
        .filter(|a| !matches!(a.state(), Some(AttachmentStatus::Detached | AttachmentStatus::Detaching)))
        .filter_map(|a| a.vpc_id().map(str::to_string))
        .collect()
}

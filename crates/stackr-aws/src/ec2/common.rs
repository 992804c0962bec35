//! What every EC2 reconciler shares: tag specifications, the ownership
//! look-up by the `stackr:stack` / `stackr:resource` tags, batched
//! describe-by-filter, tag synchronisation, ARNs and polling.
//!
//! Each type implements [`Describe`] (one paginated Describe* call with
//! filters, turned into [`Observed`]s); [`observe_by_id`], [`find_tagged`]
//! and [`existing`] build `observe`, `find` and the look-up before every
//! create on it.

use crate::error::{is, provider};
use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use stackr_core::schema::{TypeSchema, Update};
use stackr_core::value::Value;
use stackr_engine::reconciler::{
    CreateRequest, ErrorKind, FindRequest, Observed, Props, ProviderError, Target, UpdateRequest,
};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::time::{Duration, Instant};

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

/// Whether tags say the resource was made for `target` (checked on our side
/// too: some Describe* calls ignore tag filters, on moto at least).
pub fn is_ours(tags: &BTreeMap<String, String>, target: &Target) -> bool {
    tags.get("stackr:stack") == Some(&target.stack) && tags.get("stackr:resource") == Some(&target.address)
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

/// Makes the tags of `id` equal `want` (CreateTags / DeleteTags).
pub async fn sync_tags(
    client: &aws_sdk_ec2::Client,
    id: &str,
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let stale: Vec<Tag> = have
        .keys()
        .filter(|k| !want.contains_key(*k) && !k.starts_with("aws:"))
        .map(|k| Tag::builder().key(k).build())
        .collect();
    if !stale.is_empty() {
        client.delete_tags().resources(id).set_tags(Some(stale)).send().await.map_err(|e| provider("DeleteTags", e))?;
    }
    let changed: BTreeMap<String, String> =
        want.iter().filter(|(k, v)| have.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    if !changed.is_empty() {
        client
            .create_tags()
            .resources(id)
            .set_tags(Some(sdk_tags(&changed)))
            .send()
            .await
            .map_err(|e| provider("CreateTags", e))?;
    }
    Ok(())
}

/// The partition of a region (for ARNs).
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

/// `arn:aws:ec2:REGION:OWNER:KIND/ID`.
pub fn arn(region: &str, owner: &str, kind: &str, id: &str) -> String {
    format!("arn:{}:ec2:{region}:{owner}:{kind}/{id}", partition(region))
}

/// A call's result where the listed codes are fine too ("not found" for a
/// delete: already gone; "duplicate" for an add: already there).
pub fn tolerate<T, E, R>(call: &str, r: Result<T, SdkError<E, R>>, not_found: &[&str]) -> Result<(), ProviderError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match r {
        Ok(_) => Ok(()),
        Err(e) if is(&e, not_found) => Ok(()),
        Err(e) => Err(provider(call, e)),
    }
}

pub fn invalid(message: impl Into<String>) -> ProviderError {
    ProviderError::new(ErrorKind::Invalid, message)
}

pub fn vanished(what: &str, id: &str) -> ProviderError {
    ProviderError::new(
        ErrorKind::Other,
        format!("{what} {id} is not visible right after the call that made or changed it"),
    )
}

/// The error for a field of `changed` the type cannot update in place.
pub fn not_in_place(what: &str, field: &str) -> ProviderError {
    invalid(format!("`{field}` of {what} cannot change in place"))
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

/// Polls `f` until it yields a value, pausing 0.5 s doubling to 5 s,
/// for at most `timeout`; `what` names the wait in the timeout error. For
/// short waits inside one call (a resource just made becoming visible);
/// long ones are the engine's (`readiness`, `deleted`). In AWS time
/// (`stackr_engine::clock`).
pub async fn poll<T, F, Fut>(what: &str, timeout: Duration, mut f: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, ProviderError>>,
{
    let deadline = stackr_engine::clock::deadline(timeout);
    let mut pause = Duration::from_millis(500);
    loop {
        if let Some(v) = f().await? {
            return Ok(v);
        }
        if Instant::now() >= deadline {
            return Err(ProviderError::new(
                ErrorKind::Other,
                format!("timed out after {timeout:?} waiting for {what}"),
            ));
        }
        stackr_engine::clock::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}

/// One paginated Describe* call: `describe!(builder, items_field, "Name")`
/// collects every page's items.
macro_rules! describe {
    ($call:expr, $items:ident, $name:literal) => {{
        let mut out = Vec::new();
        let mut pages = $call.into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| $crate::error::provider($name, e))?;
            out.extend(page.$items.unwrap_or_default());
        }
        out
    }};
}
pub(crate) use describe;

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

/// How long something just made may stay invisible to other calls.
pub const PROPAGATION: Duration = Duration::from_secs(30);

/// Runs a call that follows a create (or names something just made),
/// retrying its "not found" errors for [`PROPAGATION`]: EC2 is eventually
/// consistent, and what was just made may not be visible to the next call.
pub async fn eventually<T, E, R, F, Fut>(call: &str, mut f: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, R>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let deadline = stackr_engine::clock::deadline(PROPAGATION);
    let mut pause = Duration::from_millis(500);
    loop {
        match f().await {
            Ok(v) => return Ok(v),
            Err(e) if Instant::now() < deadline && crate::error::code(&e).is_some_and(|c| c.ends_with("NotFound")) => {
                stackr_engine::clock::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(provider(call, e)),
        }
    }
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
/// whose replace-only properties equal the request's is taken, so the old
/// resource of a replacement (same tags, `create_before_destroy`) is never
/// mistaken for the new one.
pub async fn existing<D: Describe + ?Sized>(d: &D, req: &CreateRequest) -> Result<Option<Observed>, ProviderError> {
    let schema = d.schema();
    Ok(tagged(d, &req.target, &[]).await?.into_iter().find(|o| same_fixed(schema, &o.properties, &req.properties)))
}

/// Whether every replace-only property the request sets has that value live.
pub fn same_fixed(schema: &TypeSchema, live: &Props, wanted: &Props) -> bool {
    schema.properties.iter().filter(|p| p.update == Update::Replace).all(|p| match wanted.get(p.name) {
        None | Some(Value::Null) => true,
        Some(w) => live.get(p.name) == Some(w),
    })
}

/// A number value (ports).
pub fn num(n: i32) -> Value {
    Value::Number(n as f64)
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

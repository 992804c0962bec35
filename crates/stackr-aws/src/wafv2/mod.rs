//! AWS WAF (v2) reconcilers: IP sets and web ACLs, of scope CLOUDFRONT
//! (which AWS serves only from us-east-1: another region is refused before
//! any call) or REGIONAL.
//!
//! What both share lives here: the state id is WAF's id (a UUID); WAF's
//! calls also need the name and scope, which one list call per scope
//! (ListIPSets / ListWebACLs, paged) gives for every id of a region, so
//! reads are batched by that list and then one Get per resource (the lists
//! carry no addresses or rules). During a refresh the ARNs of the bulk tag
//! read ([`crate::bulktags`]) hold name, scope and id, and the lists are
//! made only for ids it does not list ([`summaries`]); tags (ListTagsForResource / TagResource / UntagResource); the look-up by
//! name in a scope (names are unique per scope, so a retried create finds
//! what the first made); the error classification (WAF's own codes); and
//! the lock-token loop: every change reads the current token, writes with
//! it, and on WAFOptimisticLockException (someone changed it in between)
//! reads again and retries.

mod cidr;
mod ip_set;
mod statement;
mod web_acl;

use crate::clients::Clients;
use crate::error::{code, provider};
use aws_sdk_wafv2::types::{Scope, Tag};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use stackr_engine::reconciler::{ErrorKind, Props, ProviderError, Providers, Target};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

pub use ip_set::IpSet;
pub use web_acl::WebAcl;

/// "Not yet" refusals of WAFv2 (see [`crate::transient`]): an IP set made
/// seconds ago is not yet usable in a web ACL
/// (`WAFUnavailableEntityException`: "If you just created a resource that
/// you are using in this operation, you might just need to wait",
/// <https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html>);
/// an IP set or web ACL in use cannot be deleted until it is released
/// (`WAFAssociatedItemException`,
/// <https://docs.aws.amazon.com/waf/latest/APIReference/API_DeleteIPSet.html>).
/// A write whose lock token went stale meanwhile
/// (`WAFOptimisticLockException`) is read and tried again.
pub const TRANSIENT: &[crate::transient::Transient] = {
    use crate::transient::until_timeout;
    const WRITES: &[&str] =
        &["CreateIPSet", "UpdateIPSet", "DeleteIPSet", "CreateWebACL", "UpdateWebACL", "DeleteWebACL"];
    &[
        until_timeout(WRITES, "WAFUnavailableEntityException", None),
        until_timeout(WRITES, "WAFAssociatedItemException", None),
        until_timeout(WRITES, OPTIMISTIC_LOCK, None),
    ]
};

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(IpSet::new(clients.clone())));
    providers.register(Arc::new(WebAcl::new(clients.clone())));
}

/// The only region that serves scope CLOUDFRONT.
const CLOUDFRONT_REGION: &str = "us-east-1";

const NONEXISTENT: &[&str] = &["WAFNonexistentItemException"];
const OPTIMISTIC_LOCK: &str = "WAFOptimisticLockException";
/// How often a change is retried after a stale lock token.
const LOCK_ATTEMPTS: u32 = 5;

/// One IP set or web ACL as WAF lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Summary {
    scope: Scope,
    name: String,
    id: String,
    arn: String,
}

/// Which list call [`list`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    IpSets,
    WebAcls,
}

/// The scopes a region holds: REGIONAL everywhere, CLOUDFRONT in us-east-1.
fn scopes(region: &str) -> Vec<Scope> {
    if region == CLOUDFRONT_REGION { vec![Scope::Regional, Scope::Cloudfront] } else { vec![Scope::Regional] }
}

/// Every IP set or web ACL of `scopes` (ListIPSets / ListWebACLs, paged).
async fn list(client: &aws_sdk_wafv2::Client, kind: Kind, scopes: &[Scope]) -> Result<Vec<Summary>, ProviderError> {
    let mut out = Vec::new();
    for scope in scopes {
        let mut marker: Option<String> = None;
        loop {
            let (items, next) = match kind {
                Kind::IpSets => {
                    let page = client
                        .list_ip_sets()
                        .scope(scope.clone())
                        .set_next_marker(marker.take())
                        .send()
                        .await
                        .map_err(|e| waf_error("ListIPSets", e))?;
                    let items: Vec<_> = page
                        .ip_sets
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|s| Some((s.name?, s.id?, s.arn?)))
                        .collect();
                    (items, page.next_marker)
                }
                Kind::WebAcls => {
                    let page = client
                        .list_web_acls()
                        .scope(scope.clone())
                        .set_next_marker(marker.take())
                        .send()
                        .await
                        .map_err(|e| waf_error("ListWebACLs", e))?;
                    let items: Vec<_> = page
                        .web_acls
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|s| Some((s.name?, s.id?, s.arn?)))
                        .collect();
                    (items, page.next_marker)
                }
            };
            let empty = items.is_empty();
            out.extend(items.into_iter().map(|(name, id, arn)| Summary { scope: scope.clone(), name, id, arn }));
            match next {
                Some(m) if !m.is_empty() && !empty => marker = Some(m),
                _ => break,
            }
        }
    }
    Ok(out)
}

/// The summaries of `ids` (in order; `None`: gone): during a refresh from
/// the ARNs of the bulk tag read, and from the list of the region's scopes
/// for any id it does not list (a resource whose stack tag was removed).
async fn summaries(
    clients: &Clients,
    region: &str,
    kind: Kind,
    ids: &[String],
) -> Result<Vec<Option<Summary>>, ProviderError> {
    let bulk = crate::bulktags::index(clients, region).await;
    let from_arns: Vec<Summary> =
        bulk.iter().flat_map(|index| index.keys()).filter_map(|arn| summary_of_arn(arn, kind)).collect();
    let mut out: Vec<Option<Summary>> = ids.iter().map(|id| from_arns.iter().find(|s| &s.id == id).cloned()).collect();
    if out.iter().any(Option::is_none) {
        let all = list(&clients.wafv2(region), kind, &scopes(region)).await?;
        for (slot, id) in out.iter_mut().zip(ids) {
            if slot.is_none() {
                *slot = all.iter().find(|s| &s.id == id).cloned();
            }
        }
    }
    Ok(out)
}

/// An IP set or web ACL summary from its ARN:
/// `arn:aws:wafv2:REGION:ACCOUNT:{regional|global}/{ipset|webacl}/NAME/ID`.
fn summary_of_arn(arn: &str, kind: Kind) -> Option<Summary> {
    let mut fields = arn.splitn(6, ':');
    if fields.next()? != "arn" || fields.nth(1)? != "wafv2" {
        return None;
    }
    let resource = fields.nth(2)?;
    let mut parts = resource.split('/');
    let scope = match parts.next()? {
        "regional" => Scope::Regional,
        "global" => Scope::Cloudfront,
        _ => return None,
    };
    let wanted = match kind {
        Kind::IpSets => "ipset",
        Kind::WebAcls => "webacl",
    };
    if parts.next()? != wanted {
        return None;
    }
    let (name, id) = (parts.next()?, parts.next()?);
    if parts.next().is_some() || name.is_empty() || id.is_empty() {
        return None;
    }
    Some(Summary { scope, name: name.to_string(), id: id.to_string(), arn: arn.to_string() })
}

/// A scope its region serves, for the plan's checks (before any call):
/// CLOUDFRONT resources exist only in us-east-1
/// (<https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateIPSet.html>:
/// "API and SDKs - For all calls, use the Region endpoint us-east-1").
fn scope_in(region: &str, p: &Props) -> Result<(), ProviderError> {
    match crate::props::string(p, "scope").as_deref() {
        Some("CLOUDFRONT") if region != CLOUDFRONT_REGION => Err(ProviderError::new(
            ErrorKind::Invalid,
            format!(
                "`scope`: CLOUDFRONT is served only from {CLOUDFRONT_REGION}, not {region}; set \
                 `region: {CLOUDFRONT_REGION}` on this resource"
            ),
        )),
        _ => Ok(()),
    }
}

/// The scope a request asks for, checked against its region: CLOUDFRONT
/// resources exist only in us-east-1.
fn scope_of(p: &Props, target: &Target) -> Result<Scope, ProviderError> {
    let scope = crate::props::require(p, "scope")?;
    match scope.as_str() {
        "CLOUDFRONT" if target.region != CLOUDFRONT_REGION => Err(ProviderError::new(
            ErrorKind::Invalid,
            format!(
                "{}: WAF scope CLOUDFRONT is served only from {CLOUDFRONT_REGION}, not {}; set `region: {CLOUDFRONT_REGION}` on this resource",
                target.address, target.region
            ),
        )),
        "CLOUDFRONT" => Ok(Scope::Cloudfront),
        "REGIONAL" => Ok(Scope::Regional),
        other => Err(ProviderError::new(ErrorKind::Invalid, format!("unknown WAF scope `{other}`"))),
    }
}

/// Classifies a WAF error: bad parameters are `Invalid` (their codes do not
/// start with `Invalid`); the "not yet" codes are in [`TRANSIENT`].
fn waf_error<E, R>(call: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let kind = match code(&e).as_deref() {
        Some("WAFInvalidParameterException" | "WAFInvalidResourceException" | "WAFLimitsExceededException") => {
            Some(ErrorKind::Invalid)
        }
        _ => None,
    };
    let mut err = provider(call, e);
    if let Some(kind) = kind {
        err.kind = kind;
    }
    err
}

/// Runs a read-then-write with a lock token, retrying with a fresh token
/// when WAF says it is stale. `f` returns the SDK result of the write.
async fn with_lock<T, E, R, F, Fut>(call: &str, mut f: F) -> Result<Option<T>, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<Result<T, SdkError<E, R>>>, ProviderError>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match f().await? {
            None => return Ok(None),
            Some(Ok(v)) => return Ok(Some(v)),
            Some(Err(e)) if attempt < LOCK_ATTEMPTS && code(&e).as_deref() == Some(OPTIMISTIC_LOCK) => {
                tokio::time::sleep(std::time::Duration::from_millis(200 * u64::from(attempt))).await;
            }
            Some(Err(e)) => return Err(waf_error(call, e)),
        }
    }
}

fn waf_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::new(ErrorKind::Invalid, format!("tag {k}: {e}")))
        })
        .collect()
}

/// The tags of `arn` (`None`: the resource is gone); during a refresh from
/// the bulk read when it lists them ([`crate::bulktags`]).
async fn read_tags(
    clients: &Clients,
    region: &str,
    arn: &str,
) -> Result<Option<BTreeMap<String, String>>, ProviderError> {
    if let Some(tags) = crate::bulktags::refreshed(clients, region, arn).await {
        return Ok(Some(tags));
    }
    let client = clients.wafv2(region);
    let mut out = BTreeMap::new();
    let mut marker: Option<String> = None;
    loop {
        let page = match client.list_tags_for_resource().resource_arn(arn).set_next_marker(marker.take()).send().await {
            Ok(p) => p,
            Err(e) if crate::error::is(&e, NONEXISTENT) => return Ok(None),
            Err(e) => return Err(waf_error("ListTagsForResource", e)),
        };
        if let Some(info) = page.tag_info_for_resource {
            out.extend(info.tag_list.unwrap_or_default().into_iter().map(|t| (t.key, t.value)));
        }
        match page.next_marker {
            Some(m) if !m.is_empty() => marker = Some(m),
            _ => break,
        }
    }
    Ok(Some(crate::props::tag_map(out)))
}

/// The service's tagging calls, for [`crate::kit::sync_tags`].
#[async_trait::async_trait]
impl crate::kit::TagApi for aws_sdk_wafv2::Client {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        self.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(waf_tags(&tags)?))
            .send()
            .await
            .map_err(|e| waf_error("TagResource", e))?;
        Ok(())
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        self.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map_err(|e| waf_error("UntagResource", e))?;
        Ok(())
    }
}

use crate::kit::sync_tags;

/// The error for a name taken by a resource this stack did not make.
fn taken(
    what: &str,
    name: &str,
    live: &std::collections::BTreeMap<String, String>,
    req: &stackr_engine::reconciler::CreateRequest,
) -> ProviderError {
    crate::kit::owned::taken(&format!("a WAF {what}"), name, live, &req.target.address, &req.tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudfront_scope_only_in_us_east_1() {
        let p: Props = [("scope".to_string(), stackr_core::value::Value::String("CLOUDFRONT".into()))].into();
        let t = |r: &str| Target { stack: "s".into(), address: "acl".into(), region: r.into() };
        assert_eq!(scope_of(&p, &t("us-east-1")).unwrap(), Scope::Cloudfront);
        let e = scope_of(&p, &t("eu-west-1")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid);
        assert!(e.message.contains("us-east-1") && e.message.contains("acl"), "{}", e.message);
    }

    #[test]
    fn summaries_from_arns() {
        let arn = "arn:aws:wafv2:us-east-1:123456789012:global/ipset/office-v4/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111";
        let sum = summary_of_arn(arn, Kind::IpSets).expect("an IP set");
        assert_eq!(sum.scope, Scope::Cloudfront);
        assert_eq!(
            (sum.name.as_str(), sum.id.as_str(), sum.arn.as_str()),
            ("office-v4", "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", arn)
        );
        assert_eq!(summary_of_arn(arn, Kind::WebAcls), None);
        let acl = "arn:aws-cn:wafv2:cn-north-1:123456789012:regional/webacl/site/1234";
        assert_eq!(summary_of_arn(acl, Kind::WebAcls).map(|s| s.scope), Some(Scope::Regional));
        for other in [
            "arn:aws:logs:us-east-1:123456789012:log-group:/x",
            "arn:aws:wafv2:us-east-1:123456789012:regional/rulegroup/r/1",
            "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/site",
            "not an arn",
        ] {
            assert_eq!(summary_of_arn(other, Kind::WebAcls), None, "{other}");
        }
    }
}

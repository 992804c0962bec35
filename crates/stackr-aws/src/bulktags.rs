//! Tags in bulk during a refresh: one Resource Groups Tagging API
//! `GetResources` per region instead of one tag read per resource.
//!
//! Many services return tags only through a call per resource
//! (ListTagsForCertificate, CloudWatch's and WAF's ListTagsForResource, ELB's
//! DescribeTags per type...). While a refresh is under way
//! ([`crate::readcache`]), the first tag read of a region makes one
//! paginated GetResources filtered by the stack's `stackr:stack` tag and
//! keeps ARN → tags for the rest of the refresh.
//!
//! # Contract
//! - [`refreshed`] answers only during a refresh, and only for an ARN the
//!   bulk read listed; the caller then uses those tags (every tag of the
//!   resource, AWS's own `aws:*` left out, as [`crate::props::tag_map`]).
//! - Otherwise it answers `None` and the caller reads the resource's tags
//!   with its own call, as outside a refresh. So a resource whose
//!   `stackr:stack` tag was removed out of band (absent from the bulk read)
//!   still shows its real tags, and the removal as drift; a service or
//!   resource type the Tagging API does not cover costs its usual call.
//! - A bulk read that fails (no `tag:GetResources` permission, say) is
//!   tried once per region and refresh; every type then reads its own tags.
//! - Never used outside a refresh: the Tagging API is eventually
//!   consistent, so creates, updates and waits read each service itself.
//!
//! Global services answer in us-east-1: CloudFront distributions and WAF
//! resources of scope CLOUDFRONT are in the us-east-1 bulk read.

use crate::clients::Clients;
use crate::readcache::ReadKey;
use aws_sdk_resourcegroupstagging::types::TagFilter;
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::sync::Arc;

/// Tags by ARN, as one region's bulk read found them.
pub type TagIndex = HashMap<String, BTreeMap<String, String>>;

/// The stack tag every resource stackr makes carries.
const STACK_TAG: &str = "stackr:stack";
/// GetResources' largest page: 100 resources, and at most 500 tags (a page
/// ends at whichever comes first; stackr's resources carry a handful each).
const RESOURCES_PER_PAGE: i32 = 100;
const TAGS_PER_PAGE: i32 = 500;

/// The tags of `arn` from the bulk read of `region`, during a refresh and
/// when the bulk read listed it; `None` otherwise (see the module doc).
pub async fn refreshed(clients: &Clients, region: &str, arn: &str) -> Option<BTreeMap<String, String>> {
    index(clients, region).await?.get(arn).cloned()
}

/// The region's bulk read of the stack being refreshed, made once; `None`
/// outside a refresh or when it failed. Its ARNs may also serve to find
/// resources (WAF's hold the name and scope its reads need).
pub async fn index(clients: &Clients, region: &str) -> Option<Arc<TagIndex>> {
    let stack = clients.reads.refreshing()?;
    let key = ReadKey::new("Resource Groups Tagging API", "GetResources", region, format!("{STACK_TAG}={stack}"));
    let client = clients.tagging(region);
    let read = clients.reads.read(key, || async { Ok::<_, Infallible>(load(&client, &stack).await.map(Arc::new)) });
    read.await.ok().flatten()
}

/// Every resource of `region` tagged `stackr:stack = stack`, with its tags;
/// `None` when the read failed.
async fn load(client: &aws_sdk_resourcegroupstagging::Client, stack: &str) -> Option<TagIndex> {
    let filter = TagFilter::builder().key(STACK_TAG).values(stack).build();
    let mut pages = client
        .get_resources()
        .tag_filters(filter)
        .resources_per_page(RESOURCES_PER_PAGE)
        .tags_per_page(TAGS_PER_PAGE)
        .into_paginator()
        .send();
    let mut out = TagIndex::new();
    while let Some(page) = pages.next().await {
        for m in page.ok()?.resource_tag_mapping_list.unwrap_or_default() {
            let Some(arn) = m.resource_arn else { continue };
            let tags = crate::props::tag_map(m.tags.unwrap_or_default().into_iter().map(|t| (t.key, t.value)));
            out.insert(arn, tags);
        }
    }
    Some(out)
}

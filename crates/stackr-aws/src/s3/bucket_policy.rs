//! `aws.s3.bucket_policy`: a bucket's one resource policy. The id is the
//! bucket's name. Put, read and deleted with PutBucketPolicy,
//! GetBucketPolicy (`NoSuchBucketPolicy`: none) and DeleteBucketPolicy
//! (<https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html>).
//! Policies compare as documents in one canonical spelling
//! (`iam::document::canonical`): key order, whitespace and a value written
//! alone or as a one-element list are not changes.

use super::{NO_BUCKET, settled};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::iam::document;
use crate::kit::fields::{self, to};
use crate::kit::{Field, invalid, not_in_place};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_s3::operation::put_bucket_policy::builders::PutBucketPolicyFluentBuilder;
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::BTreeMap;
use std::sync::Arc;

const NONE: &[&str] = &["NoSuchBucketPolicy", "NoSuchBucket"];

pub struct BucketPolicy {
    clients: Arc<Clients>,
}

/// One policy as read: the bucket it is on and GetBucketPolicy's text.
struct Seen {
    bucket: String,
    text: String,
}

/// Schema ↔ AWS (GetBucketPolicy of the bucket; PutBucketPolicy, for the
/// create and every change). The policy is read and sent in its canonical
/// spelling.
type Row = Field<Seen, PutBucketPolicyFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("bucket", "Bucket", |x| Some(s(&x.bucket))).create(|c, v| Ok(c.bucket(to::text(v)?))),
    Row::new("policy", "Policy", |x| {
        Some(document::canonical(&document::parse(&x.text).unwrap_or_else(|| Value::String(x.text.clone()))))
    })
    .create(|c, v| Ok(c.policy(document::text(&document::canonical(v), "the bucket policy").map_err(|e| e.message)?))),
];

impl BucketPolicy {
    pub fn new(clients: Arc<Clients>) -> Self {
        BucketPolicy { clients }
    }

    async fn read(&self, region: &str, bucket: &str) -> Result<Option<Observed>, ProviderError> {
        let text = match self.clients.s3(region).get_bucket_policy().bucket(bucket).send().await {
            Ok(out) => out.policy.unwrap_or_default(),
            Err(e) if is(&e, NONE) => return Ok(None),
            Err(e) => return Err(provider("GetBucketPolicy", e)),
        };
        Ok(Some(Observed {
            id: bucket.to_string(),
            properties: fields::observed(FIELDS, &Seen { bucket: bucket.to_string(), text }),
            attributes: props::build([("id", Some(s(bucket)))]),
            tags: BTreeMap::new(),
        }))
    }

    async fn put(&self, region: &str, bucket: &str, p: &Props) -> Result<Observed, ProviderError> {
        if !p.contains_key("policy") {
            return Err(invalid("property `policy` is required"));
        }
        // The bucket it is on (on an update, the id, whatever the stack's
        // `bucket` now says).
        let call = fields::create(FIELDS, self.clients.s3(region).put_bucket_policy(), p)?.bucket(bucket);
        settled("PutBucketPolicy", || call.clone().send()).await?;
        let what = format!("the policy of S3 bucket {bucket} to be visible");
        crate::kit::poll(&what, crate::kit::PROPAGATION, || self.read(region, bucket)).await
    }
}

#[async_trait]
impl Reconciler for BucketPolicy {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::s3::BUCKET_POLICY
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.read(region, id).await?);
        }
        Ok(out)
    }

    fn normalize_desired(&self, props: &mut Props) {
        if let Some(p) = props.get_mut("policy") {
            *p = document::canonical(p);
        }
    }

    /// Not taggable: a policy on the bucket is this create's when it is the
    /// one the create puts.
    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let (Some(bucket), Some(want)) = (props::string(&req.properties, "bucket"), req.properties.get("policy"))
        else {
            return Ok(None);
        };
        let found = self.read(&req.target.region, &bucket).await?;
        Ok(found.filter(|o| {
            !req.known_ids.contains(&o.id) && o.properties.get("policy") == Some(&document::canonical(want))
        }))
    }

    /// A bucket has one policy: one already there that is not the one
    /// wanted was put outside this stack, and is not overwritten.
    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let bucket = props::require(&req.properties, "bucket")?;
        if let Some(live) = self.read(region, &bucket).await? {
            let want = req.properties.get("policy").map(document::canonical);
            if live.properties.get("policy") == want.as_ref() {
                return Ok(live);
            }
            return Err(invalid(format!(
                "S3 bucket {bucket} already has a policy not made by this stack for {}; import it, or delete it",
                req.target.address
            )));
        }
        self.put(region, &bucket, &req.properties).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        if let Some(f) = req.changed.iter().find(|f| f.as_str() != "policy") {
            return Err(not_in_place("an S3 bucket policy", f));
        }
        self.put(&req.target.region, &req.id, &req.desired).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        match self.clients.s3(&req.target.region).delete_bucket_policy().bucket(&req.id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is(&e, NO_BUCKET) || is(&e, NONE) => Ok(()),
            Err(e) => Err(provider("DeleteBucketPolicy", e)),
        }
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::s3::BUCKET_POLICY, &[]);
    }
}

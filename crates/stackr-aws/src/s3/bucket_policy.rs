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
use crate::kit::{invalid, not_in_place};
use crate::props::{self, s};
use async_trait::async_trait;
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::BTreeMap;
use std::sync::Arc;

const NONE: &[&str] = &["NoSuchBucketPolicy", "NoSuchBucket"];

pub struct BucketPolicy {
    clients: Arc<Clients>,
}

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
        let policy = document::canonical(&document::parse(&text).unwrap_or(Value::String(text)));
        Ok(Some(Observed {
            id: bucket.to_string(),
            properties: props::build([("bucket", Some(s(bucket))), ("policy", Some(policy))]),
            attributes: props::build([("id", Some(s(bucket)))]),
            tags: BTreeMap::new(),
        }))
    }

    async fn put(&self, region: &str, bucket: &str, p: &Props) -> Result<Observed, ProviderError> {
        let doc = p.get("policy").ok_or_else(|| invalid("property `policy` is required"))?;
        let text = document::text(&document::canonical(doc), "the bucket policy")?;
        let s3 = self.clients.s3(region);
        settled("PutBucketPolicy", || s3.put_bucket_policy().bucket(bucket).policy(&text).send()).await?;
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

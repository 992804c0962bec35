//! `aws.s3.bucket`: a general purpose bucket and the settings the type
//! declares (versioning, default encryption, Block Public Access, object
//! ownership, lifecycle rules, tags). The id is the bucket's name.
//!
//! Names are global: CreateBucket answers `BucketAlreadyOwnedByYou` for a
//! bucket of this account (adopted when its tags say it is this create's)
//! and `BucketAlreadyExists` for anyone else's
//! (<https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html>).
//! CreateBucket carries the tags (`CreateBucketConfiguration.Tags`), so a
//! bucket is never left without its ownership marks; they are put again
//! (PutBucketTagging) only when the new bucket does not show them.
//! In us-east-1 AWS answers 200 to a create of a bucket this account
//! already owns there (the legacy behaviour, same page), so a look-up comes
//! first in that region. Reads: HeadBucket, then one Get per setting, whose
//! "not configured" answers are the setting's AWS meaning (no public access
//! block: all four false; no ownership controls: ObjectWriter).

use super::{NO_BUCKET, settled};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{self, Field, int32, invalid, not_in_place};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_s3::operation::create_bucket::builders::CreateBucketFluentBuilder;
use aws_sdk_s3::operation::get_bucket_encryption::GetBucketEncryptionOutput;
use aws_sdk_s3::operation::get_bucket_lifecycle_configuration::GetBucketLifecycleConfigurationOutput;
use aws_sdk_s3::operation::get_bucket_ownership_controls::GetBucketOwnershipControlsOutput;
use aws_sdk_s3::operation::get_bucket_versioning::GetBucketVersioningOutput;
use aws_sdk_s3::operation::get_public_access_block::GetPublicAccessBlockOutput;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint, BucketVersioningStatus,
    CreateBucketConfiguration, Delete, ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
    NoncurrentVersionExpiration, ObjectIdentifier, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging, VersioningConfiguration,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A new bucket's setting, put back when the stack leaves it out
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html>,
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html>,
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html>).
fn reset(field: &str) -> Option<Value> {
    match field {
        "encryption" => Some(Value::Map([("sse_algorithm".to_string(), s("AES256"))].into())),
        "public_access_block" => {
            Some(Value::Map(PAB_FIELDS.iter().map(|k| (k.to_string(), Value::Bool(true))).collect()))
        }
        "ownership_controls" => Some(s("BucketOwnerEnforced")),
        _ => None,
    }
}

const PAB_FIELDS: [&str; 4] =
    ["block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"];

pub struct Bucket {
    clients: Arc<Clients>,
}

/// One bucket as read: its name and each setting's Get answer (`None`:
/// the setting's "not configured" code).
struct Seen {
    name: String,
    versioning: Option<GetBucketVersioningOutput>,
    encryption: Option<GetBucketEncryptionOutput>,
    pab: Option<GetPublicAccessBlockOutput>,
    ownership: Option<GetBucketOwnershipControlsOutput>,
    lifecycle: Option<GetBucketLifecycleConfigurationOutput>,
}

/// Schema ↔ AWS (one Get per setting; CreateBucket, which takes the name
/// and the object ownership). Every other setting is its own Put after the
/// create ([`Bucket::set`]); `force_destroy` is stackr's own.
type Row = Field<Seen, CreateBucketFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "Bucket", |x| Some(s(&x.name))).create(|c, v| Ok(c.bucket(to::text(v)?))),
    // Never versioned: no status, the same as not versioning.
    Row::new("versioning", "VersioningConfiguration.Status", |x| {
        let status = x.versioning.as_ref().and_then(|v| v.status.as_ref());
        Some(Value::Bool(status == Some(&BucketVersioningStatus::Enabled)))
    }),
    Row::new("encryption", "ServerSideEncryptionConfiguration.Rules[0]", |x| {
        let rule = x.encryption.as_ref()?.server_side_encryption_configuration.as_ref()?.rules.first()?;
        let d = rule.apply_server_side_encryption_by_default.as_ref()?;
        Some(Value::Map(props::build([
            ("sse_algorithm", Some(s(d.sse_algorithm.as_str()))),
            ("kms_master_key_id", d.kms_master_key_id.as_deref().map(s)),
            ("bucket_key_enabled", Some(Value::Bool(rule.bucket_key_enabled.unwrap_or(false)))),
        ])))
    }),
    // No public access block: all four flags off.
    Row::new("public_access_block", "PublicAccessBlockConfiguration", |x| {
        let pab = x.pab.as_ref().and_then(|p| p.public_access_block_configuration.as_ref());
        let flags = [
            pab.and_then(|p| p.block_public_acls),
            pab.and_then(|p| p.ignore_public_acls),
            pab.and_then(|p| p.block_public_policy),
            pab.and_then(|p| p.restrict_public_buckets),
        ];
        Some(Value::Map(
            PAB_FIELDS.iter().zip(flags).map(|(k, v)| (k.to_string(), Value::Bool(v.unwrap_or(false)))).collect(),
        ))
    }),
    // No ownership controls: ObjectWriter.
    Row::new("ownership_controls", "ObjectOwnership", |x| {
        let rule = x.ownership.as_ref().and_then(|o| o.ownership_controls.as_ref()).and_then(|c| c.rules.first());
        Some(s(rule.map_or("ObjectWriter", |r| r.object_ownership.as_str())))
    })
    .create(|c, v| Ok(c.object_ownership(ObjectOwnership::from(to::text(v)?.as_str())))),
    Row::new("lifecycle_rules", "LifecycleConfiguration.Rules", |x| {
        let rules = x.lifecycle.as_ref().and_then(|l| l.rules.as_ref());
        Some(Value::List(rules.into_iter().flatten().cloned().map(rule_value).collect()))
    }),
];

/// A Get call's answer: the value, `Ok(None)` for the setting's "not
/// configured" codes; `Err(None)` when the bucket is gone.
fn got<T, E, R>(
    call: &str,
    r: Result<T, aws_smithy_runtime_api::client::result::SdkError<E, R>>,
    unset: &str,
) -> Result<Option<T>, Option<ProviderError>>
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if is(&e, &[unset]) => Ok(None),
        Err(e) if is(&e, NO_BUCKET) => Err(None),
        Err(e) => Err(Some(provider(call, e))),
    }
}

/// `got` inside `read`: gone is `Ok(None)`, other errors return.
macro_rules! get {
    ($call:literal, $r:expr, $unset:literal) => {
        match got($call, $r, $unset) {
            Ok(v) => v,
            Err(None) => return Ok(None),
            Err(Some(e)) => return Err(e),
        }
    };
}

fn obj(p: &Props, k: &str) -> Option<Props> {
    match p.get(k) {
        Some(Value::Map(m)) => Some(m.clone()),
        _ => None,
    }
}

fn sdk(e: aws_smithy_types::error::operation::BuildError) -> ProviderError {
    invalid(format!("S3 bucket: {e}"))
}

impl Bucket {
    pub fn new(clients: Arc<Clients>) -> Self {
        Bucket { clients }
    }

    /// The bucket as it is, or `None` when there is none of that name in
    /// this account.
    async fn read(&self, region: &str, name: &str) -> Result<Option<Observed>, ProviderError> {
        let s3 = self.clients.s3(region);
        let head = match s3.head_bucket().bucket(name).send().await {
            Ok(h) => h,
            Err(e) if is(&e, NO_BUCKET) => return Ok(None),
            Err(e) => return Err(provider("HeadBucket", e)),
        };
        if let Some(r) = head.bucket_region.as_deref().filter(|r| *r != region) {
            return Err(invalid(format!(
                "S3 bucket {name} is in {r}, not {region}: a bucket lives in one region; give the resource `region: {r}`"
            )));
        }
        let versioning = get!("GetBucketVersioning", s3.get_bucket_versioning().bucket(name).send().await, "-");
        let encryption = get!(
            "GetBucketEncryption",
            s3.get_bucket_encryption().bucket(name).send().await,
            "ServerSideEncryptionConfigurationNotFoundError"
        );
        let pab = get!(
            "GetPublicAccessBlock",
            s3.get_public_access_block().bucket(name).send().await,
            "NoSuchPublicAccessBlockConfiguration"
        );
        let ownership = get!(
            "GetBucketOwnershipControls",
            s3.get_bucket_ownership_controls().bucket(name).send().await,
            "OwnershipControlsNotFoundError"
        );
        let lifecycle = get!(
            "GetBucketLifecycleConfiguration",
            s3.get_bucket_lifecycle_configuration().bucket(name).send().await,
            "NoSuchLifecycleConfiguration"
        );
        let tagging = get!("GetBucketTagging", s3.get_bucket_tagging().bucket(name).send().await, "NoSuchTagSet");
        let tags = props::tag_map(tagging.map(|t| t.tag_set).unwrap_or_default().into_iter().map(|t| (t.key, t.value)));
        let seen = Seen { name: name.to_string(), versioning, encryption, pab, ownership, lifecycle };
        let properties = fields::observed(FIELDS, &seen);
        let dns = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
        let attributes = props::build([
            ("id", Some(s(name))),
            ("arn", Some(s(format!("arn:{}:s3:::{name}", kit::partition(region))))),
            ("domain_name", Some(s(format!("{name}.s3.{dns}")))),
            ("regional_domain_name", Some(s(format!("{name}.s3.{region}.{dns}")))),
        ]);
        Ok(Some(Observed { id: name.to_string(), properties, attributes, tags }))
    }

    /// Reads a bucket just made or changed, waiting out S3's eventual
    /// consistency.
    async fn must(&self, region: &str, name: &str) -> Result<Observed, ProviderError> {
        let what = format!("S3 bucket {name} to be visible");
        kit::poll(&what, kit::PROPAGATION, || self.read(region, name)).await
    }

    /// Makes one setting what `want` says (`field` of the schema).
    async fn set(
        &self,
        region: &str,
        name: &str,
        field: &str,
        want: &Props,
        live: &Observed,
    ) -> Result<(), ProviderError> {
        let s3 = self.clients.s3(region);
        match field {
            "versioning" => {
                let status = match props::boolean(want, "versioning") {
                    Some(true) => BucketVersioningStatus::Enabled,
                    _ => BucketVersioningStatus::Suspended,
                };
                let conf = VersioningConfiguration::builder().status(status).build();
                let call = || s3.put_bucket_versioning().bucket(name).versioning_configuration(conf.clone()).send();
                settled("PutBucketVersioning", call).await.map(|_| ())
            }
            "encryption" => {
                let Some(e) = obj(want, "encryption") else { return Ok(()) };
                let algorithm = props::require(&e, "sse_algorithm")?;
                let default = ServerSideEncryptionByDefault::builder()
                    .sse_algorithm(ServerSideEncryption::from(algorithm.as_str()))
                    .set_kms_master_key_id(props::string(&e, "kms_master_key_id"))
                    .build()
                    .map_err(sdk)?;
                let rule = ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(default)
                    .set_bucket_key_enabled(props::boolean(&e, "bucket_key_enabled"))
                    .build();
                let conf = ServerSideEncryptionConfiguration::builder().rules(rule).build().map_err(sdk)?;
                let call = || {
                    s3.put_bucket_encryption().bucket(name).server_side_encryption_configuration(conf.clone()).send()
                };
                settled("PutBucketEncryption", call).await.map(|_| ())
            }
            "public_access_block" => {
                // PutPublicAccessBlock replaces all four: a flag the stack
                // leaves out keeps its live value (AWS's default for a new
                // bucket: true).
                let w = obj(want, "public_access_block").unwrap_or_default();
                let l = obj(&live.properties, "public_access_block").unwrap_or_default();
                let flag = |k: &str| props::boolean(&w, k).or_else(|| props::boolean(&l, k)).unwrap_or(false);
                let conf = PublicAccessBlockConfiguration::builder()
                    .block_public_acls(flag("block_public_acls"))
                    .ignore_public_acls(flag("ignore_public_acls"))
                    .block_public_policy(flag("block_public_policy"))
                    .restrict_public_buckets(flag("restrict_public_buckets"))
                    .build();
                let call =
                    || s3.put_public_access_block().bucket(name).public_access_block_configuration(conf.clone()).send();
                settled("PutPublicAccessBlock", call).await.map(|_| ())
            }
            "ownership_controls" => {
                let Some(o) = props::string(want, "ownership_controls") else { return Ok(()) };
                let rule = OwnershipControlsRule::builder().object_ownership(ObjectOwnership::from(o.as_str())).build();
                let conf = OwnershipControls::builder().rules(rule.map_err(sdk)?).build().map_err(sdk)?;
                let call = || s3.put_bucket_ownership_controls().bucket(name).ownership_controls(conf.clone()).send();
                settled("PutBucketOwnershipControls", call).await.map(|_| ())
            }
            "lifecycle_rules" => {
                let rules = match want.get("lifecycle_rules") {
                    Some(Value::List(l)) => l.iter().map(lifecycle_rule).collect::<Result<Vec<_>, _>>()?,
                    _ => Vec::new(),
                };
                if rules.is_empty() {
                    let call = || s3.delete_bucket_lifecycle().bucket(name).send();
                    return settled("DeleteBucketLifecycle", call).await.map(|_| ());
                }
                let conf = BucketLifecycleConfiguration::builder().set_rules(Some(rules)).build().map_err(sdk)?;
                let call = || {
                    s3.put_bucket_lifecycle_configuration().bucket(name).lifecycle_configuration(conf.clone()).send()
                };
                settled("PutBucketLifecycleConfiguration", call).await.map(|_| ())
            }
            other => Err(not_in_place("an S3 bucket", other)),
        }
    }

    /// PutBucketTagging replaces the whole set; an empty set is
    /// DeleteBucketTagging. AWS's own `aws:*` tags cannot be set by a
    /// caller and are left out of both sides.
    async fn set_tags(&self, region: &str, name: &str, want: &BTreeMap<String, String>) -> Result<(), ProviderError> {
        let s3 = self.clients.s3(region);
        let want = props::tag_map(want.clone());
        if want.is_empty() {
            return settled("DeleteBucketTagging", || s3.delete_bucket_tagging().bucket(name).send()).await.map(|_| ());
        }
        let tags = want.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(sdk));
        let tagging = Tagging::builder().set_tag_set(Some(tags.collect::<Result<_, _>>()?)).build().map_err(sdk)?;
        let call = || s3.put_bucket_tagging().bucket(name).tagging(tagging.clone()).send();
        settled("PutBucketTagging", call).await.map(|_| ())
    }

    /// Deletes every object version and delete marker (ListObjectVersions
    /// pages of up to 1000, one DeleteObjects each).
    async fn empty(&self, region: &str, name: &str) -> Result<(), ProviderError> {
        let s3 = self.clients.s3(region);
        let (mut key_marker, mut version_marker) = (None, None);
        loop {
            let page = s3
                .list_object_versions()
                .bucket(name)
                .set_key_marker(key_marker.clone())
                .set_version_id_marker(version_marker.clone())
                .send()
                .await;
            let page = match page {
                Ok(p) => p,
                Err(e) if is(&e, NO_BUCKET) => return Ok(()),
                Err(e) => return Err(provider("ListObjectVersions", e)),
            };
            let versions = page.versions.iter().flatten().map(|v| (v.key.clone(), v.version_id.clone()));
            let markers = page.delete_markers.iter().flatten().map(|m| (m.key.clone(), m.version_id.clone()));
            let ids = versions
                .chain(markers)
                .filter_map(|(k, v)| ObjectIdentifier::builder().set_key(k).set_version_id(v).build().ok())
                .collect::<Vec<_>>();
            if !ids.is_empty() {
                let delete = Delete::builder().set_objects(Some(ids)).quiet(true).build().map_err(sdk)?;
                let out = s3.delete_objects().bucket(name).delete(delete).send().await;
                let out = out.map_err(|e| provider("DeleteObjects", e))?;
                if let Some(err) = out.errors.iter().flatten().next() {
                    return Err(ProviderError::new(
                        ErrorKind::Other,
                        format!(
                            "DeleteObjects: {} of S3 bucket {name}: {} ({})",
                            err.key.as_deref().unwrap_or("?"),
                            err.message.as_deref().unwrap_or("no message"),
                            err.code.as_deref().unwrap_or("no code")
                        ),
                    ));
                }
            }
            if page.is_truncated != Some(true) {
                return Ok(());
            }
            key_marker = page.next_key_marker;
            version_marker = page.next_version_id_marker;
        }
    }

    /// Whether the bucket holds any object version or delete marker.
    async fn holds_objects(&self, region: &str, name: &str) -> Result<bool, ProviderError> {
        let page = self.clients.s3(region).list_object_versions().bucket(name).max_keys(1).send().await;
        match page {
            Ok(p) => Ok(!p.versions.unwrap_or_default().is_empty() || !p.delete_markers.unwrap_or_default().is_empty()),
            Err(e) if is(&e, NO_BUCKET) => Ok(false),
            Err(e) => Err(provider("ListObjectVersions", e)),
        }
    }
}

fn not_empty(name: &str) -> ProviderError {
    invalid(format!(
        "S3 bucket {name} is not empty: AWS deletes only empty buckets; delete its objects (every version), or \
         set `force_destroy: true` on it, to have stackr delete them with the bucket"
    ))
}

/// A lifecycle rule as the stack writes it.
fn rule_value(r: LifecycleRule) -> Value {
    #[allow(deprecated)]
    let prefix = r.filter.as_ref().and_then(|f| f.prefix.clone()).or(r.prefix.clone());
    Value::Map(props::build([
        ("id", r.id.map(s)),
        ("enabled", Some(Value::Bool(r.status == ExpirationStatus::Enabled))),
        ("prefix", prefix.map(s)),
        ("expiration_days", r.expiration.and_then(|e| e.days).map(kit::num)),
        (
            "noncurrent_version_expiration_days",
            r.noncurrent_version_expiration.and_then(|n| n.noncurrent_days).map(kit::num),
        ),
        (
            "abort_incomplete_multipart_upload_days",
            r.abort_incomplete_multipart_upload.and_then(|a| a.days_after_initiation).map(kit::num),
        ),
    ]))
}

/// A stack's lifecycle rule for PutBucketLifecycleConfiguration (always
/// with a `Filter`, empty prefix for every object).
fn lifecycle_rule(v: &Value) -> Result<LifecycleRule, ProviderError> {
    let Value::Map(r) = v else { return Err(invalid("each of `lifecycle_rules` must be a map")) };
    let status = if props::boolean(r, "enabled").unwrap_or(true) {
        ExpirationStatus::Enabled
    } else {
        ExpirationStatus::Disabled
    };
    let filter = LifecycleRuleFilter::builder().prefix(props::string(r, "prefix").unwrap_or_default()).build();
    LifecycleRule::builder()
        .id(props::require(r, "id")?)
        .status(status)
        .filter(filter)
        .set_expiration(int32(r, "expiration_days")?.map(|d| LifecycleExpiration::builder().days(d).build()))
        .set_noncurrent_version_expiration(
            int32(r, "noncurrent_version_expiration_days")?
                .map(|d| NoncurrentVersionExpiration::builder().noncurrent_days(d).build()),
        )
        .set_abort_incomplete_multipart_upload(
            int32(r, "abort_incomplete_multipart_upload_days")?
                .map(|d| AbortIncompleteMultipartUpload::builder().days_after_initiation(d).build()),
        )
        .build()
        .map_err(sdk)
}

#[async_trait]
impl Reconciler for Bucket {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::s3::BUCKET
    }

    /// A bucket that holds objects (any version) while `force_destroy` is
    /// off: DeleteBucket would refuse it (`BucketNotEmpty`), so a destroy
    /// or replacement stops before deleting anything else. One
    /// ListObjectVersions of one key.
    async fn undeletable_now(&self, region: &str, id: &str, p: &Props) -> Result<Option<String>, ProviderError> {
        if props::boolean(p, "force_destroy") == Some(true) || !self.holds_objects(region, id).await? {
            return Ok(None);
        }
        Ok(Some(not_empty(id).message))
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.read(region, id).await?);
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        Ok(kit::mine(self.read(&req.target.region, &name).await?, req))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let (region, p) = (&req.target.region, &req.properties);
        let name = props::require(p, "name")?;
        // us-east-1 answers 200 to a create of a bucket this account owns.
        let existing = if region == "us-east-1" { self.read(region, &name).await? } else { None };
        if let Some(o) = existing {
            kit::adopt_existing("an S3 bucket", &name, o, req)?;
        } else {
            let tags = props::tag_map(req.tags.clone());
            let tags = tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(sdk));
            let conf = CreateBucketConfiguration::builder()
                .set_location_constraint(
                    (region != "us-east-1").then(|| BucketLocationConstraint::from(region.as_str())),
                )
                .set_tags(Some(tags.collect::<Result<Vec<_>, _>>()?).filter(|t| !t.is_empty()))
                .build();
            let created = fields::create(FIELDS, self.clients.s3(region).create_bucket(), p)?
                .create_bucket_configuration(conf)
                .send()
                .await;
            match created {
                Ok(_) => {}
                Err(e) if is(&e, &["BucketAlreadyOwnedByYou"]) => {
                    kit::adopt_existing("an S3 bucket", &name, self.must(region, &name).await?, req)?;
                }
                Err(e) if is(&e, &["BucketAlreadyExists"]) => {
                    return Err(invalid(format!(
                        "S3 bucket name {name} is taken by another AWS account (bucket names are global): choose \
                         another name"
                    )));
                }
                Err(e) => return Err(provider("CreateBucket", e)),
            }
        }
        let live = self.must(region, &name).await?;
        // CreateBucket takes the tags (where the API has them) and the
        // ownership; every other setting is one call, made only when the
        // stack sets it and the new bucket differs.
        if live.tags != props::tag_map(req.tags.clone()) {
            self.set_tags(region, &name, &req.tags).await?;
        }
        for field in ["versioning", "encryption", "public_access_block", "ownership_controls", "lifecycle_rules"] {
            let Some(want) = p.get(field).filter(|v| !matches!(v, Value::Null)) else { continue };
            if live.properties.get(field) != Some(want) {
                self.set(region, &name, field, p, &live).await?;
            }
        }
        self.must(region, &name).await
    }

    /// Left out of the stack: what a new bucket has (versioning suspended
    /// once it was on, SSE-S3, every public access block flag on, bucket
    /// owner enforced) and no lifecycle rules.
    fn resets(&self, field: &str) -> bool {
        reset(field).is_some() || matches!(field, "versioning" | "lifecycle_rules")
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let (region, name) = (&req.target.region, &req.id);
        let desired = kit::with_resets(&req.desired, &req.changed, reset);
        for field in &req.changed {
            match field.as_str() {
                "tags" => self.set_tags(region, name, &req.tags).await?,
                "force_destroy" => {}
                f => self.set(region, name, f, &desired, &req.observed).await?,
            }
        }
        self.must(region, name).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let (region, name) = (&req.target.region, &req.id);
        let force = props::boolean(&req.properties, "force_destroy").unwrap_or(false);
        if force {
            self.empty(region, name).await?;
        } else if self.holds_objects(region, name).await? {
            return Err(not_empty(name));
        }
        match self.clients.s3(region).delete_bucket().bucket(name).send().await {
            Ok(_) => Ok(()),
            Err(e) if is(&e, NO_BUCKET) => Ok(()),
            // Objects written since the listing: emptied again on the retry.
            Err(e) if force && is(&e, &["BucketNotEmpty"]) => {
                Err(ProviderError::not_yet(format!("S3 bucket {name} got new objects while being emptied"), None))
            }
            Err(e) if is(&e, &["BucketNotEmpty"]) => Err(not_empty(name)),
            Err(e) => Err(provider("DeleteBucket", e)),
        }
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        // `force_destroy` is stackr's own: whether a delete empties the bucket.
        fields::assert_covers(FIELDS, &stackr_schema::s3::BUCKET, &["force_destroy"]);
    }

    #[test]
    fn settings_never_configured_read_as_aws_means_them() {
        let seen =
            Seen { name: "b".into(), versioning: None, encryption: None, pab: None, ownership: None, lifecycle: None };
        let p = fields::observed(FIELDS, &seen);
        assert_eq!(p.get("versioning"), Some(&Value::Bool(false)));
        assert_eq!(p.get("ownership_controls"), Some(&s("ObjectWriter")));
        assert_eq!(p.get("lifecycle_rules"), Some(&Value::List(Vec::new())));
        assert!(!p.contains_key("encryption"));
        let Some(Value::Map(pab)) = p.get("public_access_block") else { panic!("{p:?}") };
        assert!(PAB_FIELDS.iter().all(|k| pab.get(*k) == Some(&Value::Bool(false))));
    }
}

//! `aws.kms.key`: a customer managed KMS key.
//!
//! KMS keys have no name and CreateKey takes no idempotency token, so a
//! create first looks for a key carrying this create's stackr tags
//! (ListKeys, then ListResourceTags of each) and adopts it; CreateKey itself
//! is sent once (`retry::once!`): an answer lost is `Unsure`, and the
//! engine's `find` (the same search) decides.
//!
//! States (<https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html>):
//! keys stackr makes are `Enabled` (or `Disabled`) once CreateKey returns;
//! `Creating` and `Updating` are multi-Region keys' passing states, waited
//! out by `readiness` (a dependant such as an alias or an encrypted
//! repository needs a usable key); `Unavailable` (a custom key store
//! disconnected) and `PendingImport` (imported material missing) will not
//! pass by themselves. A key `PendingDeletion` (or `PendingReplicaDeletion`)
//! is gone: deleting is ScheduleKeyDeletion
//! (<https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html>).

use super::kms_tags;
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::iam::document;
use crate::kit::fields::{self, to};
use crate::kit::{self, Field, PROPAGATION, int32, invalid, not_in_place, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_kms::operation::create_key::builders::CreateKeyFluentBuilder;
use aws_sdk_kms::types::{KeyMetadata, KeySpec, KeyState, KeyUsageType};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::BTreeMap;
use std::sync::Arc;

const NOT_FOUND: &[&str] = &["NotFoundException"];
const INVALID_STATE: &[&str] = &["KMSInvalidStateException"];
/// GetKeyPolicy / PutKeyPolicy: a key has one policy, named `default`.
const POLICY_NAME: &str = "default";

pub struct Key {
    clients: Arc<Clients>,
}

/// One key as read: its metadata, rotation and policy.
struct Seen {
    meta: KeyMetadata,
    rotation: bool,
    period: Option<i32>,
    policy: Option<String>,
}

/// Schema ↔ AWS (`KeyMetadata` of DescribeKey, GetKeyRotationStatus,
/// GetKeyPolicy; CreateKey). Rotation and `enabled` are set by their own
/// calls after the create; `deletion_window_in_days` is stackr's own (the
/// delete's). AWS's defaults fill what an answer leaves out (CreateKey:
/// KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT).
type Row = Field<Seen, CreateKeyFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("description", "Description", |x| Some(s(x.meta.description.clone().unwrap_or_default())))
        .create(|c, v| Ok(c.description(to::text(v)?))),
    Row::new("key_usage", "KeyUsage", |x| Some(s(x.meta.key_usage.as_ref().map_or("ENCRYPT_DECRYPT", |k| k.as_str()))))
        .create(|c, v| Ok(c.key_usage(KeyUsageType::from(to::text(v)?.as_str())))),
    Row::new("key_spec", "KeySpec", |x| Some(s(x.meta.key_spec.as_ref().map_or("SYMMETRIC_DEFAULT", |k| k.as_str()))))
        .create(|c, v| Ok(c.key_spec(KeySpec::from(to::text(v)?.as_str())))),
    Row::new("enable_key_rotation", "KeyRotationEnabled", |x| Some(Value::Bool(x.rotation))),
    Row::new("rotation_period_in_days", "RotationPeriodInDays", |x| x.period.map(kit::num)),
    Row::new("policy", "Policy", |x| x.policy.as_deref().and_then(document::parse).map(|d| document::canonical(&d)))
        .create(|c, v| Ok(c.policy(document::text(v, "policy").map_err(|e| e.message)?))),
    Row::new("multi_region", "MultiRegion", |x| Some(Value::Bool(x.meta.multi_region.unwrap_or(false))))
        .create(|c, v| Ok(c.multi_region(to::boolean(v)?))),
    Row::new("enabled", "Enabled", |x| Some(Value::Bool(x.meta.enabled))),
];

/// Whether a key in this state counts as gone.
fn gone(state: Option<&KeyState>) -> bool {
    matches!(state, Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion))
}

/// Only symmetric encryption keys rotate automatically
/// (<https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html>).
fn rotatable(spec: &str, usage: &str) -> bool {
    spec == "SYMMETRIC_DEFAULT" && usage == "ENCRYPT_DECRYPT"
}

/// Checks what AWS would refuse, or stackr cannot do, with a clear message.
fn validate(p: &Props) -> Result<(), ProviderError> {
    let spec = props::string(p, "key_spec").unwrap_or_else(|| "SYMMETRIC_DEFAULT".into());
    let usage = props::string(p, "key_usage").unwrap_or_else(|| "ENCRYPT_DECRYPT".into());
    let rotate = props::boolean(p, "enable_key_rotation");
    if rotate == Some(true) && !rotatable(&spec, &usage) {
        return Err(invalid(format!(
            "`enable_key_rotation` needs a symmetric encryption key (key_spec SYMMETRIC_DEFAULT, key_usage \
             ENCRYPT_DECRYPT); this key is {spec} for {usage}, which KMS cannot rotate"
        )));
    }
    if let Some(days) = int32(p, "rotation_period_in_days")? {
        if !(90..=2560).contains(&days) {
            return Err(invalid(format!("`rotation_period_in_days` is {days}; it must be 90 to 2560")));
        }
        if rotate != Some(true) {
            return Err(invalid("`rotation_period_in_days` needs `enable_key_rotation: true`"));
        }
    }
    deletion_window(p).map(|_| ())
}

/// ScheduleKeyDeletion's window: 7 to 30 days, default 30.
fn deletion_window(p: &Props) -> Result<i32, ProviderError> {
    match int32(p, "deletion_window_in_days")? {
        None => Ok(30),
        Some(d) if (7..=30).contains(&d) => Ok(d),
        Some(d) => Err(invalid(format!("`deletion_window_in_days` is {d}; it must be 7 to 30"))),
    }
}

impl Key {
    pub fn new(clients: Arc<Clients>) -> Self {
        Key { clients }
    }

    /// The key's state, `None` when KMS does not know it.
    async fn state(&self, region: &str, id: &str) -> Result<Option<KeyState>, ProviderError> {
        match self.clients.kms(region).describe_key().key_id(id).send().await {
            Ok(o) => Ok(o.key_metadata.and_then(|m| m.key_state)),
            Err(e) if is(&e, NOT_FOUND) => Ok(None),
            Err(e) => Err(provider("DescribeKey", e)),
        }
    }

    /// The key's tags; `None` when it is gone or not ours to read (an AWS
    /// managed key, another account's).
    async fn tags(&self, region: &str, id: &str) -> Result<Option<BTreeMap<String, String>>, ProviderError> {
        let mut pages = self.clients.kms(region).list_resource_tags().key_id(id).into_paginator().send();
        let mut tags = Vec::new();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => tags.extend(p.tags.unwrap_or_default()),
                Err(e) if is(&e, &["NotFoundException", "AccessDeniedException"]) => return Ok(None),
                Err(e) => return Err(provider("ListResourceTags", e)),
            }
        }
        Ok(Some(props::tag_map(tags.into_iter().map(|t| (t.tag_key, t.tag_value)))))
    }

    /// The key as stackr sees it; `None` when missing or pending deletion.
    async fn read(&self, region: &str, id: &str) -> Result<Option<Observed>, ProviderError> {
        let client = self.clients.kms(region);
        let meta = match client.describe_key().key_id(id).send().await {
            Ok(o) => o.key_metadata,
            Err(e) if is(&e, NOT_FOUND) => return Ok(None),
            Err(e) => return Err(provider("DescribeKey", e)),
        };
        let Some(m) = meta.filter(|m| !gone(m.key_state.as_ref())) else { return Ok(None) };
        let id = m.key_id.clone();
        let arn = m.arn.clone().unwrap_or_default();
        // AWS's defaults when an answer leaves them out (CreateKey: KeySpec
        // SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT).
        let spec = m.key_spec.as_ref().map_or("SYMMETRIC_DEFAULT", |k| k.as_str()).to_string();
        let usage = m.key_usage.as_ref().map_or("ENCRYPT_DECRYPT", |k| k.as_str()).to_string();
        let (rotation, period) = if rotatable(&spec, &usage) && m.custom_key_store_id.is_none() {
            let r = client.get_key_rotation_status().key_id(&id).send().await;
            let r = r.map_err(|e| provider("GetKeyRotationStatus", e))?;
            (r.key_rotation_enabled, r.rotation_period_in_days.filter(|_| r.key_rotation_enabled))
        } else {
            (false, None)
        };
        let policy = client.get_key_policy().key_id(&id).policy_name(POLICY_NAME).send().await;
        let policy = policy.map_err(|e| provider("GetKeyPolicy", e))?.policy;
        let tags = match crate::bulktags::refreshed(&self.clients, region, &arn).await {
            Some(t) => t,
            None => self.tags(region, &id).await?.unwrap_or_default(),
        };
        let properties = fields::observed(FIELDS, &Seen { meta: m, rotation, period, policy });
        let attributes = props::build([("id", Some(s(&id))), ("arn", Some(s(arn))), ("key_id", Some(s(&id)))]);
        Ok(Some(Observed { id, properties, attributes, tags }))
    }

    async fn must(&self, region: &str, id: &str) -> Result<Observed, ProviderError> {
        kit::poll(&format!("KMS key {id} to be visible"), PROPAGATION, || self.read(region, id))
            .await
            .map_err(|_| vanished("KMS key", id))
    }

    /// The first key of the region (not pending deletion, not in `skip`)
    /// whose tags satisfy `ours`.
    async fn search(
        &self,
        region: &str,
        ours: impl Fn(&BTreeMap<String, String>) -> bool,
        skip: &[String],
    ) -> Result<Option<Observed>, ProviderError> {
        let keys = crate::collect!(self.clients.kms(region).list_keys(), keys, "ListKeys");
        for id in keys.into_iter().filter_map(|k| k.key_id) {
            if skip.contains(&id) {
                continue;
            }
            let Some(tags) = self.tags(region, &id).await? else { continue };
            if ours(&tags)
                && let Some(o) = self.read(region, &id).await?
            {
                return Ok(Some(o));
            }
        }
        Ok(None)
    }

    /// Rotation as `p` wants it (EnableKeyRotation with its period, or
    /// DisableKeyRotation).
    async fn set_rotation(&self, region: &str, id: &str, p: &Props) -> Result<(), ProviderError> {
        let client = self.clients.kms(region);
        match props::boolean(p, "enable_key_rotation") {
            Some(true) => {
                let period = int32(p, "rotation_period_in_days")?;
                kit::eventually("EnableKeyRotation", || {
                    client.enable_key_rotation().key_id(id).set_rotation_period_in_days(period).send()
                })
                .await?;
            }
            Some(false) => {
                kit::eventually("DisableKeyRotation", || client.disable_key_rotation().key_id(id).send()).await?;
            }
            None => {}
        }
        Ok(())
    }

    async fn set_enabled(&self, region: &str, id: &str, on: bool) -> Result<(), ProviderError> {
        let client = self.clients.kms(region);
        if on {
            kit::eventually("EnableKey", || client.enable_key().key_id(id).send()).await.map(|_| ())
        } else {
            kit::eventually("DisableKey", || client.disable_key().key_id(id).send()).await.map(|_| ())
        }
    }

    /// Makes `fields` of the key as `p` wants them. A disabled key refuses
    /// rotation changes (key state table), so EnableKey goes first and
    /// DisableKey last.
    async fn change(
        &self,
        region: &str,
        id: &str,
        fields: &[String],
        p: &Props,
        live: &Observed,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        let client = self.clients.kms(region);
        let enable = props::boolean(p, "enabled");
        let mut fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        fields.sort_by_key(|f| match *f {
            "enabled" if enable == Some(true) => 0,
            "enabled" => 2,
            _ => 1,
        });
        let both = fields.contains(&"enable_key_rotation");
        for field in fields {
            match field {
                "description" => {
                    let d = props::string(p, "description").unwrap_or_default();
                    let r = client.update_key_description().key_id(id).description(d).send().await;
                    r.map_err(|e| provider("UpdateKeyDescription", e))?;
                }
                "enable_key_rotation" => self.set_rotation(region, id, p).await?,
                "rotation_period_in_days" if !both => self.set_rotation(region, id, p).await?,
                "rotation_period_in_days" => {}
                "policy" => {
                    if let Some(doc) = p.get("policy").filter(|v| !matches!(v, Value::Null)) {
                        let text = document::text(doc, "policy")?;
                        let r = client.put_key_policy().key_id(id).policy_name(POLICY_NAME).policy(text).send().await;
                        r.map_err(|e| provider("PutKeyPolicy", e))?;
                    }
                }
                "enabled" => self.set_enabled(region, id, enable != Some(false)).await?,
                "tags" => kit::sync_tags(&self.clients.kms(region), id, &live.tags, tags).await?,
                "deletion_window_in_days" => {}
                other => return Err(not_in_place("a KMS key", other)),
            }
        }
        Ok(())
    }
}

/// The fields of `live` that differ from what `p` sets (for a key adopted
/// by a retried create: brought to the stack's values).
fn differing(p: &Props, live: &Observed, tags: &BTreeMap<String, String>) -> Vec<String> {
    let mut out: Vec<String> = p
        .iter()
        .filter(|(k, v)| !matches!(v, Value::Null) && k.as_str() != "deletion_window_in_days")
        .filter(|(k, v)| {
            let want = if k.as_str() == "policy" { document::normalize(v) } else { (*v).clone() };
            live.properties.get(k.as_str()) != Some(&want)
        })
        .map(|(k, _)| k.clone())
        .collect();
    if &live.tags != tags {
        out.push("tags".into());
    }
    out
}

#[async_trait]
impl Reconciler for Key {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::kms::KEY
    }

    /// Policies compare as documents in one canonical spelling
    /// ([`document::canonical`]): key order, list order and a value
    /// written alone or as a one-element list are not changes.
    fn normalize_desired(&self, props: &mut Props) {
        document::canonical_in(props, &["policy"]);
    }

    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        const READ: &[&str] =
            &["key_spec", "key_usage", "enable_key_rotation", "rotation_period_in_days", "deletion_window_in_days"];
        if kit::known(p, READ) { validate(p) } else { Ok(()) }
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.read(region, id).await?);
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let found = self.search(&req.target.region, |t| kit::is_ours(t, &req.target), &req.known_ids).await?;
        Ok(kit::mine(found, req))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        validate(&req.properties)?;
        let (region, p) = (&req.target.region, &req.properties);
        // No name, no token: a retried create finds what the first made
        // (never the key it replaces, which carries the same tags).
        if let Some(live) = self.search(region, |t| crate::tags::same_owner(t, &req.tags), &req.known_ids).await? {
            let fields = differing(p, &live, &req.tags);
            if let Some(f) = fields
                .iter()
                .find(|f| self.schema().property(f).is_some_and(|p| p.update == stackr_core::schema::Update::Replace))
            {
                return Err(invalid(format!(
                    "a KMS key made for {} exists with another `{f}` ({}); schedule its deletion or import it",
                    req.target.address, live.id
                )));
            }
            self.change(region, &live.id, &fields, p, &live, &req.tags).await?;
            return self.must(region, &live.id).await;
        }
        let call =
            fields::create(FIELDS, self.clients.kms(region).create_key(), p)?.set_tags(Some(kms_tags(&req.tags)?));
        let out =
            crate::retry::once!(aws_sdk_kms::config::Builder, call).await.map_err(|e| provider("CreateKey", e))?;
        let id = out.key_metadata.map(|m| m.key_id).ok_or_else(|| vanished("KMS key", "(no key id returned)"))?;
        if props::boolean(p, "enable_key_rotation") == Some(true) {
            self.set_rotation(region, &id, p).await?;
        }
        if props::boolean(p, "enabled") == Some(false) {
            self.set_enabled(region, &id, false).await?;
        }
        self.must(region, &id).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        validate(&req.desired)?;
        let region = &req.target.region;
        self.change(region, &req.id, &req.changed, &req.desired, &req.observed, &req.tags).await?;
        self.must(region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let window = deletion_window(&req.properties)?;
        let r = self.clients.kms(region).schedule_key_deletion().key_id(&req.id).pending_window_in_days(window);
        match r.send().await {
            Ok(_) => Ok(()),
            Err(e) if is(&e, NOT_FOUND) => Ok(()),
            // Already pending deletion: done. A multi-Region key still
            // `Creating` or `Updating`: not yet.
            Err(e) if is(&e, INVALID_STATE) => match self.state(region, &req.id).await? {
                None => Ok(()),
                Some(s) if gone(Some(&s)) => Ok(()),
                Some(s @ (KeyState::Creating | KeyState::Updating)) => {
                    Err(ProviderError::not_yet(format!("KMS key {} is {}", req.id, s.as_str()), None))
                }
                Some(_) => Err(provider("ScheduleKeyDeletion", e)),
            },
            Err(e) => Err(provider("ScheduleKeyDeletion", e)),
        }
    }

    async fn readiness(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        Ok(match self.state(region, id).await? {
            None => Readiness::Pending("not visible yet".into()),
            Some(KeyState::Enabled | KeyState::Disabled) => Readiness::Ready,
            Some(s @ (KeyState::Creating | KeyState::Updating)) => Readiness::Pending(s.as_str().into()),
            Some(KeyState::Unavailable) => {
                Readiness::Failed("Unavailable: its custom key store is disconnected".into())
            }
            Some(s) => Readiness::Failed(s.as_str().into()),
        })
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::kms::KEY, &["deletion_window_in_days"]);
    }
}

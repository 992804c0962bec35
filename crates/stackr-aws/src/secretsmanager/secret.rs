//! `aws.secretsmanager.secret`: a secret whose value AWS generates
//! (GetRandomPassword, then CreateSecret). stackr never stores, returns or
//! prints the value; it only passes it from one call to the next.
//!
//! - The id is the secret's ARN.
//! - CreateSecret carries a ClientRequestToken derived from the create's
//!   token (padded to the 32 characters AWS requires), so a retried create
//!   does not make a second version; a name already taken by a secret with
//!   this stack's and address's tags is adopted (and restored if it was
//!   scheduled for deletion); anyone else's is an error naming it.
//! - `generate` is only used when the secret is created; AWS keeps no
//!   record of it, nor of `recovery_window_in_days` (a delete-time
//!   setting). So that they can be compared like any property, both are
//!   recorded in tags of the secret (`stackr:generate`,
//!   `stackr:recovery-window-in-days`), which observe turns back into
//!   properties and leaves out of the reported tags. A changed `generate`
//!   updates that record only; the value is not regenerated.
//! - Delete: with `recovery_window_in_days` 0, ForceDeleteWithoutRecovery;
//!   with 7 to 30, that window; unset, AWS's default window (30 days). A
//!   secret scheduled for deletion is reported gone.

use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use crate::tags;
use async_trait::async_trait;
use aws_sdk_secretsmanager::operation::create_secret::builders::CreateSecretFluentBuilder;
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];
const GENERATE_TAG: &str = "stackr:generate";
const RECOVERY_TAG: &str = "stackr:recovery-window-in-days";
/// AWS's limit on a tag value.
const TAG_VALUE_MAX: usize = 256;

pub struct Secret {
    clients: Arc<Clients>,
}

/// What stackr reads of a secret (never its value).
struct Live {
    arn: String,
    name: String,
    description: Option<String>,
    kms_key_id: Option<String>,
    deleted: bool,
    tags: BTreeMap<String, String>,
}

/// One secret as read, with the records its stackr tags hold.
struct Seen {
    live: Live,
    generate: Option<Value>,
    recovery: Option<Value>,
}

/// Schema ↔ AWS (DescribeSecret / `SecretListEntry` of ListSecrets;
/// CreateSecret). `generate` and `recovery_window_in_days` are read from
/// their records in the secret's tags ([`record_tags`]), which the create
/// writes among the tags; the value is passed by code of its own, never
/// read.
type Row = Field<Seen, CreateSecretFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "Name", |x| Some(s(&x.live.name))).create(|c, v| Ok(c.name(to::text(v)?))),
    Row::new("description", "Description", |x| x.live.description.clone().filter(|d| !d.is_empty()).map(s))
        .create(|c, v| Ok(c.description(to::text(v)?))),
    Row::new("kms_key_id", "KmsKeyId", |x| x.live.kms_key_id.clone().map(s))
        .create(|c, v| Ok(c.kms_key_id(to::text(v)?))),
    Row::new("generate", "Tags (stackr:generate); GetRandomPassword", |x| x.generate.clone()),
    Row::new("recovery_window_in_days", "Tags (stackr:recovery-window-in-days); DeleteSecret", |x| x.recovery.clone()),
];

fn tag_pairs(t: Option<Vec<aws_sdk_secretsmanager::types::Tag>>) -> BTreeMap<String, String> {
    props::tag_map(t.unwrap_or_default().into_iter().filter_map(|t| Some((t.key?, t.value.unwrap_or_default()))))
}

impl From<aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput> for Live {
    fn from(d: aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput) -> Live {
        Live {
            arn: d.arn.unwrap_or_default(),
            name: d.name.unwrap_or_default(),
            description: d.description,
            kms_key_id: d.kms_key_id,
            deleted: d.deleted_date.is_some(),
            tags: tag_pairs(d.tags),
        }
    }
}

impl From<aws_sdk_secretsmanager::types::SecretListEntry> for Live {
    fn from(d: aws_sdk_secretsmanager::types::SecretListEntry) -> Live {
        Live {
            arn: d.arn.unwrap_or_default(),
            name: d.name.unwrap_or_default(),
            description: d.description,
            kms_key_id: d.kms_key_id,
            deleted: d.deleted_date.is_some(),
            tags: tag_pairs(d.tags),
        }
    }
}

/// The secret name in a secret ARN (`...:secret:NAME-AbCdEf`).
pub fn name_of_arn(arn: &str) -> Option<String> {
    let (_, rest) = arn.split_once(":secret:")?;
    let cut = rest.len().checked_sub(7)?;
    if rest.get(cut..cut + 1) != Some("-") {
        return None;
    }
    rest.get(..cut).filter(|n| !n.is_empty()).map(str::to_string)
}

/// A ClientRequestToken (32 to 64 characters) from a create token, the
/// same for the same token.
pub fn request_token(token: &str) -> String {
    if token.len() > 64 {
        // FNV-1a of the whole token keeps distinct long tokens distinct.
        let h = token.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        let head: String = token.chars().take(40).collect();
        format!("{head}-{h:016x}")
    } else if token.len() < 32 {
        format!("{token}-{}", "0".repeat(31 - token.len()))
    } else {
        token.to_string()
    }
}

/// The `generate` options as a tag value: `key=value` pairs separated by
/// spaces, strings hex-encoded (tag values allow few characters).
pub fn encode_generate(v: &Value) -> Result<String, ProviderError> {
    let Value::Map(m) = v else {
        return Err(ProviderError::new(ErrorKind::Invalid, "`generate` must be a map of options"));
    };
    let mut parts = Vec::new();
    for (k, v) in m {
        let text = match v {
            Value::Null => continue,
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => stackr_core::value::format_number(*n),
            Value::String(s) => format!("hex:{}", s.bytes().map(|b| format!("{b:02x}")).collect::<String>()),
            other => {
                return Err(ProviderError::new(
                    ErrorKind::Invalid,
                    format!("`generate.{k}` must be a string, number or boolean, not {}", other.type_name()),
                ));
            }
        };
        parts.push(format!("{k}={text}"));
    }
    let out = parts.join(" ");
    if out.len() > TAG_VALUE_MAX {
        return Err(ProviderError::new(
            ErrorKind::Invalid,
            "`generate` options are too long to record in a tag (256 characters); shorten `exclude_characters`",
        ));
    }
    Ok(out)
}

/// The inverse of [`encode_generate`]; `None` when the text is not one.
pub fn decode_generate(text: &str) -> Option<Value> {
    let mut m = BTreeMap::new();
    for part in text.split(' ').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=')?;
        let value = if let Some(hex) = v.strip_prefix("hex:") {
            let bytes: Option<Vec<u8>> = (0..hex.len())
                .step_by(2)
                .map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
                .collect();
            Value::String(String::from_utf8(bytes?).ok()?)
        } else if v == "true" || v == "false" {
            Value::Bool(v == "true")
        } else {
            Value::Number(v.parse().ok()?)
        };
        m.insert(k.to_string(), value);
    }
    Some(Value::Map(m))
}

fn sm_tags(t: &BTreeMap<String, String>) -> Vec<aws_sdk_secretsmanager::types::Tag> {
    t.iter().map(|(k, v)| aws_sdk_secretsmanager::types::Tag::builder().key(k).value(v).build()).collect()
}

/// The records of `generate` and `recovery_window_in_days` among `p`, as tags.
fn record_tags(p: &Props) -> Result<BTreeMap<String, String>, ProviderError> {
    let mut out = BTreeMap::new();
    if let Some(g) = p.get("generate").filter(|v| !matches!(v, Value::Null)) {
        out.insert(GENERATE_TAG.to_string(), encode_generate(g)?);
    }
    if let Some(days) = props::int(p, "recovery_window_in_days") {
        out.insert(RECOVERY_TAG.to_string(), days.to_string());
    }
    Ok(out)
}

impl Secret {
    pub fn new(clients: Arc<Clients>) -> Self {
        Secret { clients }
    }

    fn client(&self, region: &str) -> aws_sdk_secretsmanager::Client {
        self.clients.secrets(region)
    }

    /// The secret with this ARN or name, including one scheduled for deletion.
    async fn describe(&self, region: &str, id: &str) -> Result<Option<Live>, ProviderError> {
        match self.client(region).describe_secret().secret_id(id).send().await {
            Ok(d) => Ok(Some(d.into())),
            Err(e) if is(&e, NOT_FOUND) => Ok(None),
            Err(e) => Err(provider("DescribeSecret", e)),
        }
    }

    /// The secrets (not those scheduled for deletion) whose names start
    /// with one of `names`, by ARN: ListSecrets with a name filter, 10
    /// names a call (AWS's limit on filter values).
    async fn list(&self, region: &str, names: &[String]) -> Result<HashMap<String, Live>, ProviderError> {
        let mut out = HashMap::new();
        for chunk in names.chunks(10) {
            let filter = aws_sdk_secretsmanager::types::Filter::builder()
                .key(aws_sdk_secretsmanager::types::FilterNameStringType::Name)
                .set_values(Some(chunk.to_vec()))
                .build();
            let mut pages = self.client(region).list_secrets().filters(filter).into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| provider("ListSecrets", e))?;
                for entry in page.secret_list.unwrap_or_default() {
                    let live: Live = entry.into();
                    out.insert(live.arn.clone(), live);
                }
            }
        }
        Ok(out)
    }

    fn observed(mut live: Live) -> Option<Observed> {
        if live.deleted {
            return None;
        }
        let mut tags = std::mem::take(&mut live.tags);
        let generate = tags.remove(GENERATE_TAG).and_then(|t| decode_generate(&t));
        let recovery = tags.remove(RECOVERY_TAG).and_then(|t| t.parse::<f64>().ok()).map(Value::Number);
        let seen = Seen { live, generate, recovery };
        let properties = fields::observed(FIELDS, &seen);
        let live = seen.live;
        let attributes =
            props::build([("id", Some(s(&live.arn))), ("arn", Some(s(&live.arn))), ("name", Some(s(&live.name)))]);
        Some(Observed { id: live.arn, properties, attributes, tags })
    }

    async fn read_back(&self, region: &str, id: &str, what: &str) -> Result<Observed, ProviderError> {
        self.describe(region, id)
            .await?
            .and_then(Secret::observed)
            .ok_or_else(|| ProviderError::new(ErrorKind::Other, format!("secret {id} vanished after {what}")))
    }

    /// A fresh value from GetRandomPassword with the `generate` options.
    async fn generate(&self, region: &str, p: &Props) -> Result<String, ProviderError> {
        let g: Props = match p.get("generate") {
            Some(Value::Map(m)) => m.clone(),
            _ => Props::new(),
        };
        let out = self
            .client(region)
            .get_random_password()
            .password_length(props::int(&g, "length").unwrap_or(32))
            .set_exclude_characters(props::string(&g, "exclude_characters"))
            .set_exclude_numbers(props::boolean(&g, "exclude_numbers"))
            .set_exclude_punctuation(props::boolean(&g, "exclude_punctuation"))
            .set_exclude_uppercase(props::boolean(&g, "exclude_uppercase"))
            .set_exclude_lowercase(props::boolean(&g, "exclude_lowercase"))
            .set_include_space(props::boolean(&g, "include_space"))
            .set_require_each_included_type(props::boolean(&g, "require_each_included_type"))
            .send()
            .await
            .map_err(|e| provider("GetRandomPassword", e))?;
        out.random_password
            .ok_or_else(|| ProviderError::new(ErrorKind::Other, "GetRandomPassword: no password in the answer"))
    }

    /// Makes the fields named in `fields` match `desired`.
    async fn converge(
        &self,
        region: &str,
        arn: &str,
        desired: &Props,
        tags_wanted: &BTreeMap<String, String>,
        live: &Observed,
        fields: &[String],
    ) -> Result<(), ProviderError> {
        let client = self.client(region);
        let mut update_secret = false;
        let mut records = BTreeMap::new();
        for field in fields {
            match field.as_str() {
                "description" | "kms_key_id" => update_secret = true,
                "generate" | "recovery_window_in_days" => {
                    let mut one = Props::new();
                    if let Some(v) = desired.get(field) {
                        one.insert(field.clone(), v.clone());
                    }
                    records.extend(record_tags(&one)?);
                }
                "tags" => {
                    let d = tags::diff(&live.tags, tags_wanted);
                    if !d.remove.is_empty() {
                        client
                            .untag_resource()
                            .secret_id(arn)
                            .set_tag_keys(Some(d.remove))
                            .send()
                            .await
                            .map_err(|e| provider("UntagResource", e))?;
                    }
                    records.extend(d.set);
                }
                other => {
                    return Err(ProviderError::new(
                        ErrorKind::Invalid,
                        format!("`{other}` of a secret cannot change in place"),
                    ));
                }
            }
        }
        if update_secret {
            client
                .update_secret()
                .secret_id(arn)
                .set_description(props::string(desired, "description"))
                .set_kms_key_id(props::string(desired, "kms_key_id"))
                .send()
                .await
                .map_err(|e| provider("UpdateSecret", e))?;
        }
        if !records.is_empty() {
            client
                .tag_resource()
                .secret_id(arn)
                .set_tags(Some(sm_tags(&records)))
                .send()
                .await
                .map_err(|e| provider("TagResource", e))?;
        }
        Ok(())
    }
}

#[async_trait]
impl Reconciler for Secret {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::secretsmanager::SECRET
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        // Few secrets: DescribeSecret each. Many: listings filtered by name.
        let names: Option<Vec<String>> = ids.iter().map(|id| name_of_arn(id)).collect();
        if let Some(mut names) = names.filter(|_| ids.len() > 3) {
            names.sort();
            names.dedup();
            let mut all = self.list(region, &names).await?;
            return Ok(ids.iter().map(|id| all.remove(id).and_then(Secret::observed)).collect());
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.describe(region, id).await?.and_then(Secret::observed));
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        let found = self.describe(&req.target.region, &name).await?.and_then(Secret::observed);
        Ok(found
            .filter(|o| !req.known_ids.contains(&o.id) && tags::ours(&o.tags, &req.target.stack, &req.target.address)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let name = props::require(p, "name")?;
        let mut all_tags = req.tags.clone();
        all_tags.extend(record_tags(p)?);
        let call = fields::create(FIELDS, self.client(region).create_secret(), p)?;
        let value = self.generate(region, p).await?;
        let created = call
            .secret_string(value)
            .set_tags(Some(sm_tags(&all_tags)))
            .client_request_token(request_token(&req.token))
            .send()
            .await;
        let taken = match created {
            Ok(out) => {
                let arn = out
                    .arn
                    .ok_or_else(|| ProviderError::new(ErrorKind::Other, "CreateSecret: no ARN in the answer"))?;
                return self.read_back(region, &arn, "CreateSecret").await;
            }
            // Real AWS says InvalidRequestException for a name scheduled for deletion.
            Err(e) if is(&e, &["ResourceExistsException", "InvalidRequestException"]) => provider("CreateSecret", e),
            Err(e) => return Err(provider("CreateSecret", e)),
        };
        // A secret deleted without a recovery window keeps its name until
        // AWS has purged it: "the deletion is asynchronous ... use
        // appropriate back off and retry logic"
        // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html).
        let being_purged = |taken: ProviderError| ProviderError {
            kind: ErrorKind::Retryable,
            retry_within: Some(std::time::Duration::from_secs(5 * 60)),
            message: format!("{} (the name is freed once AWS has purged a deleted secret)", taken.message),
        };
        let Some(live) = self.describe(region, &name).await? else { return Err(being_purged(taken)) };
        if !tags::same_owner(&live.tags, &req.tags) {
            return Err(crate::kit::owned::taken("a secret", &name, &live.tags, &req.target.address, &req.tags));
        }
        // Ours: a retried create, or this address's secret deleted with a
        // recovery window and now wanted again (restored, value kept).
        if live.deleted {
            match self.client(region).restore_secret().secret_id(&live.arn).send().await {
                Ok(_) => {}
                // Deleted for good, still being purged: its name comes free.
                Err(e) if is(&e, &["InvalidRequestException"]) => {
                    return Err(being_purged(provider("RestoreSecret", e)));
                }
                Err(e) => return Err(provider("RestoreSecret", e)),
            }
        }
        let arn = live.arn.clone();
        let observed = self.read_back(region, &arn, "adopting it").await?;
        let mut fields: Vec<String> = ["description", "kms_key_id", "generate", "recovery_window_in_days"]
            .into_iter()
            .filter(|f| {
                p.get(*f).is_some_and(|v| !matches!(v, Value::Null)) && observed.properties.get(*f) != p.get(*f)
            })
            .map(String::from)
            .collect();
        if observed.tags != req.tags {
            fields.push("tags".into());
        }
        self.converge(region, &arn, p, &req.tags, &observed, &fields).await?;
        self.read_back(region, &arn, "adopting it").await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        self.converge(region, &req.id, &req.desired, &req.tags, &req.observed, &req.changed).await?;
        self.read_back(region, &req.id, "update").await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let window = props::int(&req.properties, "recovery_window_in_days");
        let call = self.client(region).delete_secret().secret_id(&req.id);
        let call = match window {
            Some(0) => call.force_delete_without_recovery(true),
            Some(days) => call.recovery_window_in_days(days),
            None => call,
        };
        match call.send().await {
            Ok(_) => Ok(()),
            Err(e) if is(&e, NOT_FOUND) => Ok(()),
            // Already scheduled for deletion: deleted as far as stackr goes.
            Err(e) if is(&e, &["InvalidRequestException"]) => match self.describe(region, &req.id).await? {
                None => Ok(()),
                Some(l) if l.deleted => Ok(()),
                Some(_) => Err(provider("DeleteSecret", e)),
            },
            Err(e) => Err(provider("DeleteSecret", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_fit_aws_limits_and_are_stable() {
        for t in ["stackr-0123456789abcdef", &"x".repeat(40), &"y".repeat(100)] {
            let r = request_token(t);
            assert!((32..=64).contains(&r.len()), "{r}");
            assert_eq!(r, request_token(t));
        }
        assert_ne!(request_token(&format!("{}a", "y".repeat(100))), request_token(&format!("{}b", "y".repeat(100))));
    }

    #[test]
    fn names_from_arns() {
        let arn = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:wordpress/prod/auth-keys-AbC12d";
        assert_eq!(name_of_arn(arn).as_deref(), Some("wordpress/prod/auth-keys"));
        assert_eq!(name_of_arn("arn:aws:secretsmanager:r:a:secret:x"), None);
        assert_eq!(name_of_arn("not an arn"), None);
    }

    #[test]
    fn generate_options_round_trip_through_a_tag() {
        let mut m = BTreeMap::new();
        m.insert("length".to_string(), Value::Number(40.0));
        m.insert("exclude_punctuation".to_string(), Value::Bool(true));
        m.insert("exclude_characters".to_string(), Value::String("\"@/\\ '=".into()));
        let v = Value::Map(m);
        let text = encode_generate(&v).expect("encodes");
        assert!(text.chars().all(|c| c.is_ascii_alphanumeric() || " _.:/=+-@".contains(c)), "{text}");
        assert_eq!(decode_generate(&text), Some(v));
        assert_eq!(decode_generate(""), Some(Value::Map(BTreeMap::new())));
        assert_eq!(decode_generate("length"), None);
    }

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::secretsmanager::SECRET, &[]);
    }
}

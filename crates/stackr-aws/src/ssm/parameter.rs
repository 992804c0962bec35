//! `aws.ssm.parameter`: a Parameter Store parameter. The id is its name.
//!
//! The value is secret for every type: observe never returns it. A refresh
//! reads it back (GetParameters with decryption, 10 names a call) only to
//! give the engine its salted digest (`secret_digests`), so a value changed
//! outside stackr is drift, String or SecureString; the value itself never
//! leaves this module. Where it cannot be read (no kms:Decrypt), the engine
//! falls back to the digest recorded at apply. Other reads use
//! DescribeParameters (metadata only), batched by 50 names a page; tags
//! from the bulk read of a refresh (`crate::bulktags`), else
//! ListTagsForResource per parameter.
//! Any change but tags is one PutParameter with Overwrite (a new version,
//! the wanted value included); tags go through AddTagsToResource /
//! RemoveTagsFromResource (AWS refuses tags with Overwrite).

use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use crate::tags;
use async_trait::async_trait;
use aws_sdk_ssm::operation::put_parameter::builders::PutParameterFluentBuilder;
use aws_sdk_ssm::types::{
    ParameterMetadata, ParameterStringFilter, ParameterTier, ParameterType, ResourceTypeForTagging,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const NOT_FOUND: &[&str] = &["ParameterNotFound", "InvalidResourceId"];
/// DescribeParameters takes up to 50 values per filter.
const BATCH: usize = 50;
/// GetParameters takes up to 10 names.
const GET_BATCH: usize = 10;
/// Answers that mean a value cannot be read back (no kms:Decrypt on the
/// key, or no ssm:GetParameters): compared by the digest recorded at apply.
const UNREADABLE: &[&str] = &["AccessDeniedException", "AccessDenied", "KMSAccessDeniedException", "InvalidKeyId"];

/// Schema ↔ AWS (`ParameterMetadata` of DescribeParameters; PutParameter,
/// for a create and for every change but tags). The value is written,
/// never read back as a property.
type Row = Field<ParameterMetadata, PutParameterFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "Name", |m| m.name.clone().map(s)).create(|c, v| Ok(c.name(to::text(v)?))),
    Row::new("type", "Type", |m| m.r#type.as_ref().map(|t| s(t.as_str())))
        .create(|c, v| Ok(c.r#type(ParameterType::from(to::text(v)?.as_str())))),
    Row::new("value", "Value", |_| None).create(|c, v| Ok(c.value(to::text(v)?))),
    Row::new("description", "Description", |m| m.description.clone().filter(|d| !d.is_empty()).map(s))
        .create(|c, v| Ok(c.description(to::text(v)?))),
    Row::new("tier", "Tier", |m| m.tier.as_ref().map(|t| s(t.as_str())))
        .create(|c, v| Ok(c.tier(ParameterTier::from(to::text(v)?.as_str())))),
    Row::new("key_id", "KeyId", |m| m.key_id.clone().filter(|_| m.r#type == Some(ParameterType::SecureString)).map(s))
        .create(|c, v| Ok(c.key_id(to::text(v)?))),
    Row::new("allowed_pattern", "AllowedPattern", |m| m.allowed_pattern.clone().filter(|p| !p.is_empty()).map(s))
        .create(|c, v| Ok(c.allowed_pattern(to::text(v)?))),
    Row::new("data_type", "DataType", |m| m.data_type.clone().map(s)).create(|c, v| Ok(c.data_type(to::text(v)?))),
];

pub struct Parameter {
    clients: Arc<Clients>,
}

fn ssm_tags(t: &BTreeMap<String, String>) -> Result<Vec<aws_sdk_ssm::types::Tag>, ProviderError> {
    t.iter()
        .map(|(k, v)| {
            aws_sdk_ssm::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::new(ErrorKind::Invalid, format!("tag {k}: {e}")))
        })
        .collect()
}

impl Parameter {
    pub fn new(clients: Arc<Clients>) -> Self {
        Parameter { clients }
    }

    async fn arn(&self, region: &str, m: &ParameterMetadata, name: &str) -> Result<String, ProviderError> {
        if let Some(a) = &m.arn {
            return Ok(a.clone());
        }
        // To build the ARN when DescribeParameters does not return it.
        let me = self.clients.caller_identity(region).await?;
        let (partition, account) = (me.partition(), &me.account);
        Ok(format!("arn:{partition}:ssm:{region}:{account}:parameter/{}", name.trim_start_matches('/')))
    }

    /// Metadata of the parameters among `names` that exist, by name.
    async fn describe(
        &self,
        region: &str,
        names: &[String],
    ) -> Result<HashMap<String, ParameterMetadata>, ProviderError> {
        let client = self.clients.ssm(region);
        let mut out = HashMap::new();
        for chunk in names.chunks(BATCH) {
            let filter = ParameterStringFilter::builder()
                .key("Name")
                .option("Equals")
                .set_values(Some(chunk.to_vec()))
                .build()
                .map_err(|e| ProviderError::new(ErrorKind::Other, format!("DescribeParameters filter: {e}")))?;
            let mut pages = client
                .describe_parameters()
                .parameter_filters(filter)
                .max_results(BATCH as i32)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| provider("DescribeParameters", e))?;
                for m in page.parameters.unwrap_or_default() {
                    if let Some(n) = m.name.clone() {
                        out.insert(n, m);
                    }
                }
            }
        }
        Ok(out)
    }

    async fn observed(&self, region: &str, m: &ParameterMetadata) -> Result<Option<Observed>, ProviderError> {
        let name = m.name.clone().unwrap_or_default();
        let arn = self.arn(region, m, &name).await?;
        // In a refresh, from the region's one bulk read (crate::bulktags);
        // else (or for a parameter it did not list) its own read.
        let tags = match crate::bulktags::refreshed(&self.clients, region, &arn).await {
            Some(tags) => tags,
            None => match self
                .clients
                .ssm(region)
                .list_tags_for_resource()
                .resource_type(ResourceTypeForTagging::Parameter)
                .resource_id(&name)
                .send()
                .await
            {
                Ok(out) => props::tag_map(out.tag_list.unwrap_or_default().into_iter().map(|t| (t.key, t.value))),
                Err(e) if is(&e, NOT_FOUND) => return Ok(None),
                Err(e) => return Err(provider("ListTagsForResource", e)),
            },
        };
        // Never the value: it is secret whatever the type.
        let properties = fields::observed(FIELDS, m);
        let attributes = props::build([
            ("id", Some(s(&name))),
            ("arn", Some(s(arn))),
            ("name", Some(s(&name))),
            ("version", Some(Value::Number(m.version as f64))),
        ]);
        Ok(Some(Observed { id: name, properties, attributes, tags }))
    }

    async fn one(&self, region: &str, name: &str) -> Result<Option<Observed>, ProviderError> {
        match self.describe(region, &[name.to_string()]).await?.get(name) {
            Some(m) => self.observed(region, m).await,
            None => Ok(None),
        }
    }

    /// A PutParameter with the wanted value and settings. `tags` only on a
    /// first write (AWS refuses them with Overwrite).
    fn put(
        &self,
        region: &str,
        p: &Props,
        overwrite: bool,
        tags: Option<&BTreeMap<String, String>>,
    ) -> Result<PutParameterFluentBuilder, ProviderError> {
        let tags = match tags {
            Some(t) => Some(ssm_tags(t)?),
            None => None,
        };
        for required in ["name", "value", "type"] {
            props::require(p, required)?;
        }
        let call = fields::create(FIELDS, self.clients.ssm(region).put_parameter(), p)?;
        Ok(call.overwrite(overwrite).set_tags(tags))
    }

    async fn read_back(&self, region: &str, name: &str, what: &str) -> Result<Observed, ProviderError> {
        self.one(region, name)
            .await?
            .ok_or_else(|| ProviderError::new(ErrorKind::Other, format!("parameter {name} vanished after {what}")))
    }
}

#[async_trait]
impl Reconciler for Parameter {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ssm::PARAMETER
    }

    /// What PutParameter refuses: a name that starts with `aws` or `ssm`
    /// (any case, after an optional `/`), more than 15 levels, a value of
    /// more than 4 KB (Standard) or 8 KB (Advanced and Intelligent-Tiering;
    /// the size is told, never the value).
    /// <https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html>
    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        if let Some(Value::String(name)) = p.get("name") {
            let bare = name.strip_prefix('/').unwrap_or(name).to_ascii_lowercase();
            if let Some(prefix) = ["aws", "ssm"].into_iter().find(|x| bare.starts_with(x)) {
                return Err(crate::kit::invalid(format!(
                    "`name`: `{name}` starts with `{prefix}`, which AWS keeps for its own parameters \
                     (any case, with or without a leading `/`); choose another first level"
                )));
            }
            let levels = name.split('/').filter(|l| !l.is_empty()).count();
            if levels > 15 {
                return Err(crate::kit::invalid(format!(
                    "`name`: `{name}` has {levels} levels; AWS allows at most 15"
                )));
            }
        }
        if let Some(Value::String(value)) = p.get("value") {
            let tier = props::string(p, "tier").unwrap_or_else(|| "Standard".into());
            let most = if tier == "Standard" { 4096 } else { 8192 };
            if value.len() > most {
                return Err(crate::kit::invalid(format!(
                    "`value`: the value has {} bytes; a {tier} parameter holds at most {most} \
                     (an Advanced one 8192)",
                    value.len()
                )));
            }
        }
        Ok(())
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let found = self.describe(region, ids).await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(match found.get(id) {
                Some(m) => self.observed(region, m).await?,
                None => None,
            });
        }
        Ok(out)
    }

    /// GetParameters: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html
    /// (names not found come back in InvalidParameters, not as an error).
    async fn secret_digests(
        &self,
        region: &str,
        ids: &[String],
        salt: &str,
    ) -> Result<Vec<BTreeMap<String, String>>, ProviderError> {
        let client = self.clients.ssm(region);
        let mut held: HashMap<String, String> = HashMap::new();
        for chunk in ids.chunks(GET_BATCH) {
            match client.get_parameters().set_names(Some(chunk.to_vec())).with_decryption(true).send().await {
                Ok(out) => {
                    for p in out.parameters.unwrap_or_default() {
                        if let (Some(name), Some(value)) = (p.name, p.value) {
                            let digest = stackr_engine::secret::digest(salt, &Value::String(value));
                            held.insert(name, digest);
                        }
                    }
                }
                Err(e) if is(&e, UNREADABLE) => {}
                Err(e) => return Err(provider("GetParameters", e)),
            }
        }
        Ok(ids
            .iter()
            .map(|id| held.remove(id).map(|d| BTreeMap::from([("value".to_string(), d)])).unwrap_or_default())
            .collect())
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        let found = self.one(&req.target.region, &name).await?;
        Ok(found
            .filter(|o| !req.known_ids.contains(&o.id) && tags::ours(&o.tags, &req.target.stack, &req.target.address)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let name = props::require(&req.properties, "name")?;
        match self.put(region, &req.properties, false, Some(&req.tags))?.send().await {
            Ok(_) => return self.read_back(region, &name, "PutParameter").await,
            Err(e) if is(&e, &["ParameterAlreadyExists"]) => {}
            Err(e) => return Err(provider("PutParameter", e)),
        }
        // Taken: a retried create of ours is adopted and given the wanted
        // value and settings; anyone else's is an error naming it.
        let live = self.one(region, &name).await?;
        let live = match live {
            Some(o) if tags::same_owner(&o.tags, &req.tags) => o,
            other => {
                let tags = other.map(|o| o.tags).unwrap_or_default();
                return Err(crate::kit::owned::taken("an SSM parameter", &name, &tags, &req.target.address, &req.tags));
            }
        };
        self.put(region, &req.properties, true, None)?.send().await.map_err(|e| provider("PutParameter", e))?;
        crate::kit::sync_tags(&self.clients.ssm(region), &name, &live.tags, &req.tags).await?;
        self.read_back(region, &name, "adopting it").await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let name = &req.id;
        let mut put = false;
        for field in &req.changed {
            match field.as_str() {
                "type" | "value" | "description" | "tier" | "key_id" | "allowed_pattern" => put = true,
                "tags" => crate::kit::sync_tags(&self.clients.ssm(region), name, &req.observed.tags, &req.tags).await?,
                other => {
                    return Err(ProviderError::new(
                        ErrorKind::Invalid,
                        format!("`{other}` of a parameter cannot change in place"),
                    ));
                }
            }
        }
        if put {
            let mut p = req.desired.clone();
            p.insert("name".into(), s(name));
            self.put(region, &p, true, None)?.send().await.map_err(|e| provider("PutParameter", e))?;
        }
        self.read_back(region, name, "update").await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        match self.clients.ssm(&req.target.region).delete_parameter().name(&req.id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is(&e, NOT_FOUND) => Ok(()),
            Err(e) => Err(provider("DeleteParameter", e)),
        }
    }
}

/// SSM's tagging calls on a parameter (by name), for [`crate::kit::sync_tags`].
#[async_trait]
impl crate::kit::TagApi for aws_sdk_ssm::Client {
    async fn tag(&self, name: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        let call = self
            .add_tags_to_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(name)
            .set_tags(Some(ssm_tags(&tags)?));
        crate::kit::done("AddTagsToResource", call.send().await)
    }

    async fn untag(&self, name: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = self
            .remove_tags_from_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(name)
            .set_tag_keys(Some(keys));
        crate::kit::done("RemoveTagsFromResource", call.send().await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::ssm::PARAMETER, &[]);
    }
}

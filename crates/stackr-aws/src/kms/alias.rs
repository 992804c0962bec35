//! `aws.kms.alias`: a friendly name for a customer managed key.
//!
//! The id is the alias name (unique per account and region). Aliases take
//! no tags, so nothing marks one as stackr's: a create that meets an
//! existing alias (`AlreadyExistsException`) adopts it only when it already
//! points at the wanted key, and `find` answers the same way. KMS has no
//! call reading one alias: reads are ListAliases (paginated), one listing
//! per region for every alias observed
//! (<https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html>).

use super::key_id_of;
use crate::clients::Clients;
use crate::error::is;
use crate::kit::fields::{self, to};
use crate::kit::{self, Field, Listed, PROPAGATION, invalid, not_in_place, observe_listed, tolerate, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_kms::operation::create_alias::builders::CreateAliasFluentBuilder;
use aws_sdk_kms::types::AliasListEntry;
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::*;
use std::collections::HashMap;
use std::sync::Arc;

pub struct Alias {
    clients: Arc<Clients>,
}

/// The alias name must be `alias/...`, and `alias/aws/` is reserved for
/// AWS managed keys (CreateAlias's `AliasName`,
/// <https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html>).
fn check_name(name: &str) -> Result<(), ProviderError> {
    if !name.starts_with("alias/") || name.len() <= "alias/".len() {
        return Err(invalid(format!("KMS alias name `{name}` must start with `alias/`, e.g. alias/{name}")));
    }
    if name.starts_with("alias/aws/") {
        return Err(invalid(format!("KMS alias name `{name}`: `alias/aws/` is reserved for AWS managed keys")));
    }
    Ok(())
}

/// Schema ↔ AWS (`AliasListEntry` of ListAliases; CreateAlias). The
/// target changes with UpdateAlias.
type Row = Field<AliasListEntry, CreateAliasFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "AliasName", |a| a.alias_name.clone().map(s)).create(|c, v| Ok(c.alias_name(to::text(v)?))),
    Row::new("target_key_id", "TargetKeyId", |a| a.target_key_id.clone().map(s))
        .create(|c, v| Ok(c.target_key_id(to::text(v)?))),
];

fn observed(a: &AliasListEntry) -> Option<Observed> {
    let name = a.alias_name.clone()?;
    let arn = a.alias_arn.clone().unwrap_or_default();
    let target = a.target_key_id.clone();
    let target_arn = match (&target, arn.split_once(":alias/")) {
        (Some(t), Some((prefix, _))) => Some(s(format!("{prefix}:key/{t}"))),
        _ => None,
    };
    let properties = fields::observed(FIELDS, a);
    let attributes = props::build([
        ("id", Some(s(&name))),
        ("arn", Some(s(arn))),
        ("name", Some(s(&name))),
        ("target_key_arn", target_arn),
    ]);
    Some(Observed { id: name, properties, attributes, tags: Default::default() })
}

impl Alias {
    pub fn new(clients: Arc<Clients>) -> Self {
        Alias { clients }
    }

    async fn must(&self, region: &str, name: &str) -> Result<Observed, ProviderError> {
        kit::poll(&format!("KMS alias {name} to be visible"), PROPAGATION, || self.read(region, name))
            .await
            .map_err(|_| vanished("KMS alias", name))
    }
}

#[async_trait]
impl Listed for Alias {
    type Raw = AliasListEntry;
    /// No call reads one alias: a listing is the read.
    const LIST_ABOVE: usize = 0;

    async fn read_raw(&self, region: &str, name: &str) -> Result<Option<AliasListEntry>, ProviderError> {
        Ok(self.list_raw(region).await?.remove(name))
    }

    async fn list_raw(&self, region: &str) -> Result<HashMap<String, AliasListEntry>, ProviderError> {
        let aliases = crate::collect!(self.clients.kms(region).list_aliases(), aliases, "ListAliases");
        Ok(aliases.into_iter().filter_map(|a| Some((a.alias_name.clone()?, a))).collect())
    }

    async fn observed(&self, _: &str, a: &AliasListEntry) -> Result<Option<Observed>, ProviderError> {
        Ok(observed(a))
    }
}

#[async_trait]
impl Reconciler for Alias {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::kms::ALIAS
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        observe_listed(self, region, ids).await
    }

    /// AWS reports the key id; a stack may name the key by its ARN.
    fn normalize_desired(&self, p: &mut Props) {
        if let Some(t) = props::string(p, "target_key_id") {
            p.insert("target_key_id".into(), s(key_id_of(&t)));
        }
    }

    fn needs_ready(&self, kind: &str) -> bool {
        kind == "aws.kms.key"
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let (Some(name), Some(target)) =
            (props::string(&req.properties, "name"), props::string(&req.properties, "target_key_id"))
        else {
            return Ok(None);
        };
        let found = self.read(&req.target.region, &name).await?;
        Ok(found.filter(|o| {
            !req.known_ids.contains(&o.id)
                && props::string(&o.properties, "target_key_id").as_deref() == Some(key_id_of(&target))
        }))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let name = props::require(&req.properties, "name")?;
        check_name(&name)?;
        let target = props::require(&req.properties, "target_key_id")?;
        let call = fields::create(FIELDS, self.clients.kms(region).create_alias(), &req.properties)?;
        // A key made seconds ago may not be visible yet (NotFoundException).
        let made = kit::eventually("CreateAlias", || {
            let call = call.clone();
            async move {
                match call.send().await {
                    Ok(_) => Ok(true),
                    Err(e) if is(&e, &["AlreadyExistsException"]) => Ok(false),
                    Err(e) => Err(e),
                }
            }
        })
        .await?;
        let live = self.must(region, &name).await?;
        let points_at = props::string(&live.properties, "target_key_id").unwrap_or_default();
        if !made && points_at != key_id_of(&target) {
            return Err(invalid(format!(
                "a KMS alias named {name} already exists and points at key {points_at}, not {target}; aliases \
                 take no tags, so stackr adopts one only when it already names the wanted key: delete it, or \
                 rename"
            )));
        }
        Ok(live)
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        for field in &req.changed {
            match field.as_str() {
                "target_key_id" => {
                    let target = props::require(&req.desired, "target_key_id")?;
                    let client = self.clients.kms(region);
                    kit::eventually("UpdateAlias", || {
                        client.update_alias().alias_name(&req.id).target_key_id(&target).send()
                    })
                    .await?;
                }
                other => return Err(not_in_place("a KMS alias", other)),
            }
        }
        self.must(region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self.clients.kms(&req.target.region).delete_alias().alias_name(&req.id).send().await;
        tolerate("DeleteAlias", r, &["NotFoundException"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::kms::ALIAS, &[]);
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("alias/app").is_ok());
        assert!(check_name("app").unwrap_err().message.contains("must start with `alias/`"));
        assert!(check_name("alias/").is_err());
        assert!(check_name("alias/aws/s3").unwrap_err().message.contains("reserved"));
    }
}

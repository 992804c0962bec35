//! `aws.ecr.repository`: a private container image repository.
//!
//! The id is the repository name (unique per registry, so a create is
//! naturally idempotent: "already exists" with our tags is adopted).
//! Reads: DescribeRepositories by names, up to 100 a call (a name that is
//! gone fails the whole call with `RepositoryNotFoundException`, then each
//! is read alone), plus per repository its tags and lifecycle policy
//! (<https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeRepositories.html>).
//! DeleteRepository refuses a repository holding images
//! (`RepositoryNotEmptyException`) unless `force` is set: stackr sets it
//! only when the stack's `force_delete` says so
//! (<https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DeleteRepository.html>).

use super::ecr_tags;
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::iam::document;
use crate::kit::fields::{self, to};
use crate::kit::{self, Field, PROPAGATION, invalid, not_in_place, tolerate, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_ecr::operation::create_repository::builders::CreateRepositoryFluentBuilder;
use aws_sdk_ecr::types::Repository as Repo;
use aws_sdk_ecr::types::{EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::sync::Arc;

const NOT_FOUND: &[&str] = &["RepositoryNotFoundException"];
/// DescribeRepositories takes at most 100 names.
const NAMES_PER_CALL: usize = 100;

/// One repository as read: its description and its lifecycle policy.
struct Seen {
    repo: Repo,
    lifecycle: Option<Value>,
}

/// Schema ↔ AWS (`Repository` of DescribeRepositories, the policy of
/// GetLifecyclePolicy; CreateRepository). The lifecycle policy is put by
/// PutLifecyclePolicy after the create; `force_delete` is stackr's own.
type Row = Field<Seen, CreateRepositoryFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "repositoryName", |x| x.repo.repository_name.clone().map(s))
        .create(|c, v| Ok(c.repository_name(to::text(v)?))),
    Row::new("image_tag_mutability", "imageTagMutability", |x| {
        x.repo.image_tag_mutability.as_ref().map(|m| s(m.as_str()))
    })
    .create(|c, v| Ok(c.image_tag_mutability(to::text(v)?.as_str().into()))),
    Row::new("scan_on_push", "imageScanningConfiguration.scanOnPush", |x| {
        x.repo.image_scanning_configuration.as_ref().map(|c| Value::Bool(c.scan_on_push))
    })
    .create(|c, v| {
        Ok(c.image_scanning_configuration(ImageScanningConfiguration::builder().scan_on_push(to::boolean(v)?).build()))
    }),
    Row::new("encryption", "encryptionConfiguration", |x| {
        x.repo.encryption_configuration.as_ref().map(encryption_value)
    })
    .create(|c, v| Ok(c.encryption_configuration(encryption(v)?))),
    Row::new("lifecycle_policy", "lifecyclePolicyText", |x| x.lifecycle.clone()),
];

pub struct Repository {
    clients: Arc<Clients>,
}

fn force_delete(p: &Props) -> bool {
    props::boolean(p, "force_delete") == Some(true)
}

impl Repository {
    pub fn new(clients: Arc<Clients>) -> Self {
        Repository { clients }
    }

    /// The repositories named, `None` when one of them is gone.
    async fn describe(&self, region: &str, names: &[String]) -> Result<Option<Vec<Repo>>, ProviderError> {
        let call = self.clients.ecr(region).describe_repositories().set_repository_names(Some(names.to_vec()));
        match call.send().await {
            Ok(o) => Ok(Some(o.repositories.unwrap_or_default())),
            Err(e) if is(&e, NOT_FOUND) => Ok(None),
            Err(e) => Err(provider("DescribeRepositories", e)),
        }
    }

    async fn observed(&self, region: &str, r: &Repo) -> Result<Observed, ProviderError> {
        let client = self.clients.ecr(region);
        let name = r.repository_name.clone().unwrap_or_default();
        let arn = r.repository_arn.clone().unwrap_or_default();
        let tags = match crate::bulktags::refreshed(&self.clients, region, &arn).await {
            Some(t) => t,
            None => {
                let out = client.list_tags_for_resource().resource_arn(&arn).send().await;
                let tags = out.map_err(|e| provider("ListTagsForResource", e))?.tags.unwrap_or_default();
                props::tag_map(tags.into_iter().map(|t| (t.key, t.value)))
            }
        };
        let lifecycle = match client.get_lifecycle_policy().repository_name(&name).send().await {
            Ok(o) => o.lifecycle_policy_text.as_deref().and_then(document::parse),
            Err(e) if is(&e, &["LifecyclePolicyNotFoundException"]) => None,
            Err(e) => return Err(provider("GetLifecyclePolicy", e)),
        };
        let properties = fields::observed(FIELDS, &Seen { repo: r.clone(), lifecycle });
        let attributes = props::build([
            ("id", Some(s(&name))),
            ("arn", Some(s(arn))),
            ("name", Some(s(&name))),
            ("repository_url", r.repository_uri.clone().map(s)),
            ("registry_id", r.registry_id.clone().map(s)),
        ]);
        Ok(Observed { id: name, properties, attributes, tags })
    }

    async fn read(&self, region: &str, name: &str) -> Result<Option<Observed>, ProviderError> {
        match self.describe(region, &[name.to_string()]).await? {
            Some(repos) => match repos.iter().find(|r| r.repository_name() == Some(name)) {
                Some(r) => Ok(Some(self.observed(region, r).await?)),
                None => Ok(None),
            },
            None => Ok(None),
        }
    }

    async fn must(&self, region: &str, name: &str) -> Result<Observed, ProviderError> {
        kit::poll(&format!("ECR repository {name} to be visible"), PROPAGATION, || self.read(region, name))
            .await
            .map_err(|_| vanished("ECR repository", name))
    }

    async fn set_mutability(&self, region: &str, name: &str, p: &Props) -> Result<(), ProviderError> {
        let Some(m) = props::string(p, "image_tag_mutability") else { return Ok(()) };
        let call = self.clients.ecr(region).put_image_tag_mutability().repository_name(name);
        let r = call.image_tag_mutability(ImageTagMutability::from(m.as_str())).send().await;
        r.map(|_| ()).map_err(|e| provider("PutImageTagMutability", e))
    }

    async fn set_scanning(&self, region: &str, name: &str, p: &Props) -> Result<(), ProviderError> {
        let Some(on) = props::boolean(p, "scan_on_push") else { return Ok(()) };
        let call = self.clients.ecr(region).put_image_scanning_configuration().repository_name(name);
        let r = call.image_scanning_configuration(ImageScanningConfiguration::builder().scan_on_push(on).build());
        crate::kit::done("PutImageScanningConfiguration", r.send().await)
    }

    async fn set_lifecycle(&self, region: &str, name: &str, p: &Props) -> Result<(), ProviderError> {
        let client = self.clients.ecr(region);
        match p.get("lifecycle_policy").filter(|v| !matches!(v, Value::Null)) {
            Some(doc) => {
                let text = document::text(doc, "lifecycle_policy")?;
                let r = client.put_lifecycle_policy().repository_name(name).lifecycle_policy_text(text).send().await;
                r.map(|_| ()).map_err(|e| provider("PutLifecyclePolicy", e))
            }
            None => {
                let r = client.delete_lifecycle_policy().repository_name(name).send().await;
                tolerate("DeleteLifecyclePolicy", r, &["LifecyclePolicyNotFoundException"])
            }
        }
    }
}

/// CreateRepository's default of a property left out of the stack.
fn reset(field: &str) -> Option<Value> {
    match field {
        "image_tag_mutability" => Some(s("MUTABLE")),
        "scan_on_push" => Some(Value::Bool(false)),
        _ => None,
    }
}

/// The stack's `encryption` as ECR's configuration.
fn encryption(v: &Value) -> Result<EncryptionConfiguration, String> {
    let Value::Map(e) = v else { return Err(format!("must be a map, not {}", v.type_name())) };
    let kind = props::string(e, "encryption_type").unwrap_or_else(|| "AES256".into());
    let key = props::string(e, "kms_key");
    if key.is_some() && kind != "KMS" {
        return Err("`kms_key` needs `encryption_type: KMS`".into());
    }
    let c = EncryptionConfiguration::builder().encryption_type(EncryptionType::from(kind.as_str())).set_kms_key(key);
    c.build().map_err(|e| e.to_string())
}

/// ECR's encryption configuration as the stack writes it.
fn encryption_value(e: &EncryptionConfiguration) -> Value {
    let pairs = [("encryption_type", Some(s(e.encryption_type.as_str()))), ("kms_key", e.kms_key.clone().map(s))];
    Value::Map(props::build(pairs).into_iter().collect())
}

#[async_trait]
impl Reconciler for Repository {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ecr::REPOSITORY
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(NAMES_PER_CALL) {
            match self.describe(region, chunk).await? {
                Some(repos) => {
                    for id in chunk {
                        match repos.iter().find(|r| r.repository_name() == Some(id.as_str())) {
                            Some(r) => out.push(Some(self.observed(region, r).await?)),
                            None => out.push(None),
                        }
                    }
                }
                // One of them is gone: each alone.
                None => {
                    for id in chunk {
                        out.push(self.read(region, id).await?);
                    }
                }
            }
        }
        Ok(out)
    }

    fn needs_ready(&self, kind: &str) -> bool {
        kind == "aws.kms.key"
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        Ok(kit::mine(self.read(&req.target.region, &name).await?, req))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let (region, p) = (&req.target.region, &req.properties);
        let name = props::require(p, "name")?;
        let created = self.clients.ecr(region).create_repository();
        let created = fields::create(FIELDS, created, p)?.set_tags(Some(ecr_tags(&req.tags)?)).send().await;
        match created {
            Ok(_) => {}
            Err(e) if is(&e, &["RepositoryAlreadyExistsException"]) => {
                let live = kit::adopt_existing("an ECR repository", &name, self.must(region, &name).await?, req)?;
                // A create of several steps may have stopped after the first.
                self.set_mutability(region, &name, p).await?;
                self.set_scanning(region, &name, p).await?;
                kit::sync_tags(
                    &self.clients.ecr(region),
                    &crate::props::string(&live.attributes, "arn").unwrap_or_default(),
                    &live.tags,
                    &req.tags,
                )
                .await?;
            }
            Err(e) => return Err(provider("CreateRepository", e)),
        }
        if p.get("lifecycle_policy").is_some_and(|v| !matches!(v, Value::Null)) {
            self.set_lifecycle(region, &name, p).await?;
        }
        self.must(region, &name).await
    }

    /// Left out of the stack: tags mutable, no scan on push
    /// (CreateRepository's defaults), no lifecycle policy.
    fn resets(&self, field: &str) -> bool {
        reset(field).is_some() || field == "lifecycle_policy"
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let (region, name) = (&req.target.region, &req.id);
        let desired = kit::with_resets(&req.desired, &req.changed, reset);
        for field in &req.changed {
            match field.as_str() {
                "image_tag_mutability" => self.set_mutability(region, name, &desired).await?,
                "scan_on_push" => self.set_scanning(region, name, &desired).await?,
                "lifecycle_policy" => self.set_lifecycle(region, name, &desired).await?,
                "force_delete" => {}
                "tags" => {
                    let arn = props::string(&req.observed.attributes, "arn").unwrap_or_default();
                    kit::sync_tags(&self.clients.ecr(region), &arn, &req.observed.tags, &req.tags).await?;
                }
                other => return Err(not_in_place("an ECR repository", other)),
            }
        }
        self.must(region, name).await
    }

    /// A repository that holds images while `force_delete` is off:
    /// DeleteRepository would refuse it, so a destroy or replacement stops
    /// before deleting anything else. One ListImages of one image.
    async fn undeletable_now(&self, region: &str, id: &str, p: &Props) -> Result<Option<String>, ProviderError> {
        if force_delete(p) {
            return Ok(None);
        }
        let call = self.clients.ecr(region).list_images().repository_name(id).max_results(1);
        match call.send().await {
            Ok(o) if !o.image_ids().is_empty() => Ok(Some(format!(
                "ECR repository {id} still holds images, and DeleteRepository refuses it: delete the images, or \
                 set `force_delete: true` on it and apply before deleting it to delete them with it"
            ))),
            Ok(_) => Ok(None),
            Err(e) if is(&e, NOT_FOUND) => Ok(None),
            Err(e) => Err(provider("ListImages", e)),
        }
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let force = force_delete(&req.properties);
        let call = self.clients.ecr(&req.target.region).delete_repository().repository_name(&req.id).force(force);
        match call.send().await {
            Ok(_) => Ok(()),
            Err(e) if is(&e, NOT_FOUND) => Ok(()),
            Err(e) if is(&e, &["RepositoryNotEmptyException"]) => Err(invalid(format!(
                "ECR repository {} still holds images, and DeleteRepository refuses it \
                 (RepositoryNotEmptyException): delete the images, or set `force_delete: true` on it and apply \
                 before deleting it to delete them with it",
                req.id
            ))),
            Err(e) => Err(provider("DeleteRepository", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::ecr::REPOSITORY, &["force_delete"]);
    }
}

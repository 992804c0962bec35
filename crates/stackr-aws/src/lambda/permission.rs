//! `aws.lambda.permission`: one statement of a function's resource-based
//! policy. The id is `function_name/statement_id` (a statement id has no
//! `/`). AWS has no update: every property replaces. Reads: one GetPolicy
//! per function, its JSON policy's statements found by Sid.

use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{self, Field, invalid, not_in_place};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_lambda::operation::add_permission::builders::AddPermissionFluentBuilder;
use serde_json::Value as Json;
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::HashMap;
use std::sync::Arc;

/// GetPolicy's answer for a function without a policy (or no function).
const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];

pub struct Permission {
    clients: Arc<Clients>,
}

fn split(id: &str) -> Option<(&str, &str)> {
    id.rsplit_once('/')
}

/// One statement as read: the function whose policy holds it, and the
/// statement.
struct Seen {
    function: String,
    st: Json,
}

/// Schema ↔ AWS (a `Statement` of GetPolicy's policy document;
/// AddPermission).
type Row = Field<Seen, AddPermissionFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("function_name", "FunctionName", |x| Some(s(&x.function)))
        .create(|c, v| Ok(c.function_name(to::text(v)?))),
    Row::new("statement_id", "StatementId (Sid)", |x| x.st["Sid"].as_str().map(s))
        .create(|c, v| Ok(c.statement_id(to::text(v)?))),
    Row::new("action", "Action", |x| action(&x.st).map(s)).create(|c, v| Ok(c.action(to::text(v)?))),
    Row::new("principal", "Principal", |x| principal(&x.st).map(s)).create(|c, v| Ok(c.principal(to::text(v)?))),
    Row::new("source_arn", "SourceArn (Condition ArnLike AWS:SourceArn)", |x| {
        x.st["Condition"]["ArnLike"]["AWS:SourceArn"].as_str().map(s)
    })
    .create(|c, v| Ok(c.source_arn(to::text(v)?))),
    Row::new("source_account", "SourceAccount (Condition StringEquals AWS:SourceAccount)", |x| {
        x.st["Condition"]["StringEquals"]["AWS:SourceAccount"].as_str().map(s)
    })
    .create(|c, v| Ok(c.source_account(to::text(v)?))),
];

/// A statement's principal as the stack writes it.
fn principal(st: &Json) -> Option<String> {
    match &st["Principal"] {
        Json::String(p) => Some(p.clone()),
        Json::Object(m) => m
            .get("Service")
            .or_else(|| m.get("AWS"))
            .and_then(Json::as_str)
            .map(|p| account_of_root(p).unwrap_or(p).to_string()),
        _ => None,
    }
}

/// The account of an account's root principal (`arn:aws:iam::ACCOUNT:root`):
/// AddPermission with an account id is shown as the account's root, so the
/// two spellings are one principal, reported as the account id.
fn account_of_root(p: &str) -> Option<&str> {
    p.strip_prefix("arn:").and_then(|r| r.split_once(":iam::")).and_then(|(_, rest)| rest.strip_suffix(":root"))
}

/// A statement's action (the first, when it lists several).
fn action(st: &Json) -> Option<String> {
    match &st["Action"] {
        Json::Array(a) => a.first().and_then(Json::as_str).map(str::to_string),
        a => a.as_str().map(str::to_string),
    }
}

impl Permission {
    pub fn new(clients: Arc<Clients>) -> Self {
        Permission { clients }
    }

    /// The function's policy statements by Sid (none: no policy).
    async fn statements(&self, region: &str, function: &str) -> Result<HashMap<String, Json>, ProviderError> {
        let policy = match self.clients.lambda(region).get_policy().function_name(function).send().await {
            Ok(o) => o.policy.unwrap_or_default(),
            Err(e) if is(&e, NOT_FOUND) => return Ok(HashMap::new()),
            Err(e) => return Err(provider("GetPolicy", e)),
        };
        let doc: Json = serde_json::from_str(&policy).unwrap_or(Json::Null);
        let list = match &doc["Statement"] {
            Json::Array(a) => a.clone(),
            one @ Json::Object(_) => vec![one.clone()],
            _ => Vec::new(),
        };
        Ok(list.into_iter().filter_map(|st| Some((st["Sid"].as_str()?.to_string(), st))).collect())
    }

    async fn read(&self, region: &str, function: &str, sid: &str) -> Result<Option<Observed>, ProviderError> {
        let all = self.statements(region, function).await?;
        Ok(all.get(sid).map(|st| observed(function, st)))
    }
}

fn observed(function: &str, st: &Json) -> Observed {
    let properties = fields::observed(FIELDS, &Seen { function: function.to_string(), st: st.clone() });
    let id = format!("{function}/{}", st["Sid"].as_str().unwrap_or_default());
    Observed { attributes: props::build([("id", Some(s(&id)))]), id, properties, tags: Default::default() }
}

/// Whether a live statement is the one wanted.
fn same(live: &Observed, want: &Props) -> bool {
    ["action", "principal", "source_arn", "source_account"]
        .iter()
        .all(|k| props::string(&live.properties, k) == props::string(want, k))
}

#[async_trait]
impl Reconciler for Permission {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::lambda::PERMISSION
    }

    /// An account's root written as its ARN is the account, as AWS reports it.
    fn normalize_desired(&self, p: &mut Props) {
        if let Some(Value::String(principal)) = p.get_mut("principal")
            && let Some(account) = account_of_root(principal)
        {
            *principal = account.to_string();
        }
    }

    /// RemovePermission takes a statement out of the function's policy
    /// whatever calls it.
    fn deleted_while_used(&self) -> bool {
        true
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut policies: HashMap<&str, HashMap<String, Json>> = HashMap::new();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let Some((function, sid)) = split(id) else {
                out.push(None);
                continue;
            };
            if !policies.contains_key(function) {
                policies.insert(function, self.statements(region, function).await?);
            }
            out.push(policies.get(function).and_then(|p| p.get(sid)).map(|st| observed(function, st)));
        }
        Ok(out)
    }

    /// Not taggable: a statement with the journaled id and values is ours.
    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let p = &req.properties;
        let (Some(function), Some(sid)) = (props::string(p, "function_name"), props::string(p, "statement_id")) else {
            return Ok(None);
        };
        let found = self.read(&req.target.region, &function, &sid).await?;
        Ok(found.filter(|o| same(o, p) && !req.known_ids.contains(&o.id)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let (region, p) = (&req.target.region, &req.properties);
        let function = props::require(p, "function_name")?;
        let sid = props::require(p, "statement_id")?;
        let adopt = |live: Observed| {
            if same(&live, p) {
                Ok(live)
            } else {
                Err(invalid(format!(
                    "function {function} already has a policy statement {sid} with other values; remove it or \
                     choose another statement_id"
                )))
            }
        };
        if let Some(live) = self.read(region, &function, &sid).await? {
            return adopt(live);
        }
        props::require(p, "action")?;
        props::require(p, "principal")?;
        let added = fields::create(FIELDS, self.clients.lambda(region).add_permission(), p)?.send().await;
        match added {
            Ok(_) => {}
            // https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html:
            // ResourceConflictException for a statement id already in use.
            Err(e) if is(&e, &["ResourceConflictException"]) => {
                if let Some(live) = self.read(region, &function, &sid).await? {
                    return adopt(live);
                }
                return Err(provider("AddPermission", e));
            }
            Err(e) => return Err(provider("AddPermission", e)),
        }
        let what = format!("statement {sid} in the policy of {function}");
        kit::poll(&what, kit::PROPAGATION, || self.read(region, &function, &sid)).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        Err(not_in_place("a Lambda permission", req.changed.first().map(String::as_str).unwrap_or("?")))
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let Some((function, sid)) = split(&req.id) else { return Ok(()) };
        let r = self
            .clients
            .lambda(&req.target.region)
            .remove_permission()
            .function_name(function)
            .statement_id(sid)
            .send()
            .await;
        kit::tolerate("RemovePermission", r, NOT_FOUND)
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::lambda::PERMISSION, &[]);
    }

    #[test]
    fn an_account_root_arn_is_the_account_as_aws_reports_it() {
        let r = Permission::new(Arc::new(Clients::new(aws_config::SdkConfig::builder().build(), Vec::new())));
        let norm = |principal: &str| {
            let mut p: Props = [("principal".to_string(), Value::String(principal.into()))].into_iter().collect();
            r.normalize_desired(&mut p);
            p["principal"].clone()
        };
        assert_eq!(norm("arn:aws:iam::123456789012:root"), Value::String("123456789012".into()));
        assert_eq!(norm("arn:aws:iam::123456789012:role/x"), Value::String("arn:aws:iam::123456789012:role/x".into()));
        assert_eq!(norm("s3.amazonaws.com"), Value::String("s3.amazonaws.com".into()));
        let st = serde_json::json!({ "Principal": { "AWS": "arn:aws:iam::123456789012:root" } });
        assert_eq!(principal(&st).as_deref(), Some("123456789012"));
    }
}

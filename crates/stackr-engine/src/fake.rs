//! An in-memory cloud that implements the reconciler contract for any
//! resource type, from its schema alone. The engine's specification tests
//! and benchmarks run against it: it has per-call latency, readiness that
//! takes a few polls, failure injection by address, "changed outside
//! stackr" edits, and call counters.

use crate::reconciler::*;
use async_trait::async_trait;
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct FakeResource {
    pub kind: String,
    pub region: String,
    pub id: String,
    pub properties: Props,
    pub tags: BTreeMap<String, String>,
    pub token: String,
    /// Readiness polls still answered "creating".
    pub polls_left: u32,
}

/// The cloud: resources by id, and knobs.
#[derive(Default)]
pub struct FakeCloud {
    resources: Mutex<BTreeMap<String, FakeResource>>,
    next: AtomicU64,
    /// Latency of every call.
    pub latency: Mutex<Duration>,
    /// Readiness polls before "available".
    pub ready_polls: Mutex<u32>,
    /// Addresses whose create/update/delete fail (`ADDRESS`), or only one
    /// operation of them (`ADDRESS:delete`).
    pub failing: Mutex<HashSet<String>>,
    /// Addresses whose next create takes effect but answers with an
    /// `Unsure` error, as when AWS's response is lost on the way back.
    pub losing: Mutex<HashSet<String>>,
    /// Addresses whose next create stops half-way: the resource exists
    /// without the named property, and the caller sees an `Unsure` error
    /// (`ADDRESS` → property).
    pub halting: Mutex<BTreeMap<String, String>>,
    /// "Not yet" refusals (`Retryable`) still to answer, by `ADDRESS:op`,
    /// as AWS answers a call made too early (a cluster still `creating`).
    pub not_yet: Mutex<BTreeMap<String, u32>>,
    /// Addresses whose next create finds the resource already at that
    /// address and answers with it, as a create that adopts a matching
    /// resource does (an ECS task definition revision identical to the
    /// one it replaces).
    pub adopting: Mutex<HashSet<String>>,
    /// Calls by operation name ("create", "observe", ...).
    calls: Mutex<BTreeMap<String, u64>>,
}

impl FakeCloud {
    pub fn new() -> Arc<FakeCloud> {
        Arc::new(FakeCloud::default())
    }

    /// A provider set with a fake reconciler for every type in `types`.
    pub fn providers(self: &Arc<Self>, types: &[&'static TypeSchema]) -> Providers {
        let mut p = Providers::new();
        for t in types.iter().filter(|t| t.role == stackr_core::schema::Role::Resource) {
            p.register(Arc::new(FakeReconciler { cloud: self.clone(), schema: t, needs_ready: Vec::new() }));
        }
        p
    }

    /// Look-ups for every data type in `types`, answering synthetic values.
    pub fn lookups(self: &Arc<Self>, types: &[&'static TypeSchema]) -> Lookups {
        let mut l = Lookups::default();
        for t in types.iter().filter(|t| t.role == stackr_core::schema::Role::Data) {
            l.register(Arc::new(FakeLookup { cloud: self.clone(), schema: t }));
        }
        l
    }

    pub fn set_latency(&self, d: Duration) {
        *self.latency.lock().unwrap_or_else(|p| p.into_inner()) = d;
    }

    pub fn set_ready_polls(&self, n: u32) {
        *self.ready_polls.lock().unwrap_or_else(|p| p.into_inner()) = n;
    }

    /// The resources at `address` become ready after `polls` more checks.
    pub fn ready_after(&self, address: &str, polls: u32) {
        for r in self.resources.lock().unwrap_or_else(|p| p.into_inner()).values_mut() {
            if r.tags.get("stackr:resource").map(String::as_str) == Some(address) {
                r.polls_left = polls;
            }
        }
    }

    pub fn fail(&self, address: &str) {
        self.failing.lock().unwrap_or_else(|p| p.into_inner()).insert(address.to_string());
    }

    /// The next create of `address` makes the resource but its answer is
    /// lost (the caller sees an `Unsure` error).
    pub fn lose_next_create(&self, address: &str) {
        self.losing.lock().unwrap_or_else(|p| p.into_inner()).insert(address.to_string());
    }

    /// The next create of `address` makes the resource without `property`
    /// (a later step of the create failed) and answers `Unsure`.
    pub fn halt_next_create(&self, address: &str, property: &str) {
        self.halting.lock().unwrap_or_else(|p| p.into_inner()).insert(address.to_string(), property.to_string());
    }

    /// The next `times` calls `op` ("create", "update", "delete") of
    /// `address` are refused as "not yet" (`Retryable`), then go through.
    pub fn refuse_not_yet(&self, address: &str, op: &str, times: u32) {
        self.not_yet.lock().unwrap_or_else(|p| p.into_inner()).insert(format!("{address}:{op}"), times);
    }

    pub fn heal(&self, address: &str) {
        self.failing.lock().unwrap_or_else(|p| p.into_inner()).remove(address);
    }

    /// Every live resource.
    pub fn all(&self) -> Vec<FakeResource> {
        self.resources.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect()
    }

    /// Live resources tagged with this address.
    pub fn by_address(&self, address: &str) -> Vec<FakeResource> {
        self.all().into_iter().filter(|r| r.tags.get("stackr:resource").map(String::as_str) == Some(address)).collect()
    }

    /// Changes a property outside stackr (drift).
    pub fn edit(&self, id: &str, property: &str, value: Value) {
        if let Some(r) = self.resources.lock().unwrap_or_else(|p| p.into_inner()).get_mut(id) {
            r.properties.insert(property.to_string(), value);
        }
    }

    /// Deletes a resource outside stackr.
    pub fn remove(&self, id: &str) {
        self.resources.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
    }

    pub fn calls(&self, op: &str) -> u64 {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).get(op).copied().unwrap_or(0)
    }

    pub fn total_calls(&self) -> u64 {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).values().sum()
    }

    /// The cloud's resources as JSON, to keep a simulated cloud between
    /// processes (`STACKR_FAKE_CLOUD`).
    pub fn snapshot(&self) -> serde_json::Value {
        let all = self.all();
        serde_json::json!({
            "next": self.next.load(Ordering::SeqCst),
            "resources": all.iter().map(|r| serde_json::json!({
                "kind": r.kind,
                "region": r.region,
                "id": r.id,
                "properties": Value::Map(r.properties.clone()).to_json(),
                "tags": r.tags,
                "token": r.token,
            })).collect::<Vec<_>>(),
        })
    }

    /// Restores a [`FakeCloud::snapshot`].
    pub fn restore(&self, snap: &serde_json::Value) {
        self.next.store(snap["next"].as_u64().unwrap_or(0), Ordering::SeqCst);
        let mut all = self.resources.lock().unwrap_or_else(|p| p.into_inner());
        all.clear();
        for r in snap["resources"].as_array().into_iter().flatten() {
            let text = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            let properties = match Value::from_json(&r["properties"]) {
                Value::Map(m) => m,
                _ => Props::new(),
            };
            let tags = r["tags"]
                .as_object()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
                .unwrap_or_default();
            let res = FakeResource {
                kind: text("kind"),
                region: text("region"),
                id: text("id"),
                properties,
                tags,
                token: text("token"),
                polls_left: 0,
            };
            all.insert(res.id.clone(), res);
        }
    }

    pub fn reset_calls(&self) {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    async fn call(&self, op: &str, address: Option<&str>) -> Result<(), ProviderError> {
        *self.calls.lock().unwrap_or_else(|p| p.into_inner()).entry(op.to_string()).or_default() += 1;
        let latency = *self.latency.lock().unwrap_or_else(|p| p.into_inner());
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        if let Some(a) = address
            && let Some(left) = self.not_yet.lock().unwrap_or_else(|p| p.into_inner()).get_mut(&format!("{a}:{op}"))
            && *left > 0
        {
            *left -= 1;
            return Err(ProviderError::not_yet(format!("{op} of {a}: not yet (injected)"), None));
        }
        let failing = self.failing.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(a) = address
            && (failing.contains(a) || failing.contains(&format!("{a}:{op}")))
        {
            return Err(ProviderError::new(ErrorKind::Other, format!("injected failure for {a}")));
        }
        Ok(())
    }
}

/// A reconciler for one type, backed by the fake cloud.
pub struct FakeReconciler {
    pub cloud: Arc<FakeCloud>,
    pub schema: &'static TypeSchema,
    /// Kinds whose readiness this type waits for.
    pub needs_ready: Vec<&'static str>,
}

impl FakeReconciler {
    fn observed(&self, r: &FakeResource) -> Observed {
        let mut attributes = Props::new();
        for a in self.schema.attributes {
            let v = match a.name {
                "id" => Value::String(r.id.clone()),
                "arn" => Value::String(format!("arn:fake:{}:{}:{}", r.kind, r.region, r.id)),
                other => r.properties.get(other).cloned().unwrap_or_else(|| synthetic(other, &r.id)),
            };
            attributes.insert(a.name.to_string(), v);
        }
        let properties = r
            .properties
            .iter()
            .filter(|(k, _)| *k != "tags" && !self.schema.property(k).is_some_and(|p| p.secret))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Observed { id: r.id.clone(), properties, attributes, tags: r.tags.clone() }
    }
}

/// A plausible value for an attribute AWS would assign: CIDRs parse as
/// CIDRs, endpoints look like host names.
fn synthetic(name: &str, id: &str) -> Value {
    let n: u32 =
        id.bytes().filter(u8::is_ascii_digit).fold(0u32, |a, b| a.wrapping_mul(10).wrapping_add((b - b'0') as u32));
    if name.contains("ipv6_cidr") {
        Value::String(format!("2600:1f18:{:x}:{:x}00::/56", (n >> 8) & 0xffff, n & 0xff))
    } else if name.contains("cidr") {
        Value::String(format!("10.{}.0.0/16", n % 250))
    } else if name.contains("endpoint") || name.contains("dns_name") || name.contains("domain_name") {
        Value::String(format!("{id}.fake.stackr.local"))
    } else if name == "port" {
        Value::Number(443.0)
    } else {
        Value::String(format!("{name}-{id}"))
    }
}

#[async_trait]
impl Reconciler for FakeReconciler {
    fn schema(&self) -> &'static TypeSchema {
        self.schema
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        self.cloud.call("observe", None).await?;
        let all = self.cloud.resources.lock().unwrap_or_else(|p| p.into_inner());
        Ok(ids
            .iter()
            .map(|id| {
                all.get(id).filter(|r| r.region == region && r.kind == self.schema.kind).map(|r| self.observed(r))
            })
            .collect())
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        self.cloud.call("find", None).await?;
        let all = self.cloud.resources.lock().unwrap_or_else(|p| p.into_inner());
        Ok(all
            .values()
            .find(|r| {
                r.kind == self.schema.kind
                    && !req.known_ids.contains(&r.id)
                    && r.region == req.target.region
                    && (r.token == req.token
                        || (r.tags.get("stackr:stack") == Some(&req.target.stack)
                            && r.tags.get("stackr:resource") == Some(&req.target.address)))
            })
            .map(|r| self.observed(r)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        self.cloud.call("create", Some(&req.target.address)).await?;
        let mut all = self.cloud.resources.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = all.values().find(|r| r.token == req.token && r.kind == self.schema.kind) {
            return Ok(self.observed(r));
        }
        if self.cloud.adopting.lock().unwrap_or_else(|p| p.into_inner()).remove(&req.target.address)
            && let Some(r) = all
                .values()
                .find(|r| r.kind == self.schema.kind && r.tags.get("stackr:resource") == Some(&req.target.address))
        {
            return Ok(self.observed(r));
        }
        let n = self.cloud.next.fetch_add(1, Ordering::SeqCst);
        let short = self.schema.kind.rsplit('.').next().unwrap_or("res");
        let id = format!("{short}-{n:06}");
        let r = FakeResource {
            kind: self.schema.kind.to_string(),
            region: req.target.region.clone(),
            id: id.clone(),
            properties: req.properties.clone(),
            tags: req.tags.clone(),
            token: req.token.clone(),
            polls_left: *self.cloud.ready_polls.lock().unwrap_or_else(|p| p.into_inner()),
        };
        let halted = self.cloud.halting.lock().unwrap_or_else(|p| p.into_inner()).remove(&req.target.address);
        if let Some(property) = halted {
            let mut r = r;
            r.properties.remove(&property);
            all.insert(id, r);
            return Err(ProviderError::new(ErrorKind::Unsure, "SetThing: connection reset (response lost)"));
        }
        let obs = self.observed(&r);
        all.insert(id, r);
        if self.cloud.losing.lock().unwrap_or_else(|p| p.into_inner()).remove(&req.target.address) {
            return Err(ProviderError::new(ErrorKind::Unsure, "CreateThing: connection reset (response lost)"));
        }
        Ok(obs)
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        self.cloud.call("update", Some(&req.target.address)).await?;
        let mut all = self.cloud.resources.lock().unwrap_or_else(|p| p.into_inner());
        let r = all
            .get_mut(&req.id)
            .ok_or_else(|| ProviderError::new(ErrorKind::Other, format!("{} not found", req.id)))?;
        for k in &req.changed {
            match req.desired.get(k) {
                Some(v) => r.properties.insert(k.clone(), v.clone()),
                None => r.properties.remove(k),
            };
        }
        r.tags = req.tags.clone();
        let r = r.clone();
        Ok(self.observed(&r))
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        self.cloud.call("delete", Some(&req.target.address)).await?;
        self.cloud.resources.lock().unwrap_or_else(|p| p.into_inner()).remove(&req.id);
        Ok(())
    }

    async fn readiness(&self, _region: &str, id: &str) -> Result<Readiness, ProviderError> {
        self.cloud.call("readiness", None).await?;
        let mut all = self.cloud.resources.lock().unwrap_or_else(|p| p.into_inner());
        match all.get_mut(id) {
            Some(r) if r.polls_left > 0 => {
                r.polls_left -= 1;
                Ok(Readiness::Pending("creating".into()))
            }
            Some(_) => Ok(Readiness::Ready),
            None => Ok(Readiness::Failed("deleted".into())),
        }
    }

    fn needs_ready(&self, kind: &str) -> bool {
        self.needs_ready.contains(&kind)
    }
}

/// A look-up answering synthetic attributes.
pub struct FakeLookup {
    pub cloud: Arc<FakeCloud>,
    pub schema: &'static TypeSchema,
}

#[async_trait]
impl Lookup for FakeLookup {
    fn schema(&self) -> &'static TypeSchema {
        self.schema
    }

    async fn read(&self, region: &str, args: &Props) -> Result<Props, ProviderError> {
        self.cloud.call("read", None).await?;
        let mut out = Props::new();
        for a in self.schema.attributes {
            let v = args.get(a.name).cloned().unwrap_or_else(|| match a.ty {
                stackr_core::schema::PropType::List(_) => {
                    Value::List(vec![Value::String(format!("{region}a")), Value::String(format!("{region}c"))])
                }
                _ => Value::String(format!("{}-{region}", a.name)),
            });
            out.insert(a.name.to_string(), v);
        }
        Ok(out)
    }
}

//! Shared set-up for the engine specification tests: an in-memory state
//! store and a session over the fake cloud.

#![allow(dead_code)]

use async_trait::async_trait;
use stackr_core::model::Stack;
use stackr_core::schema::Catalog;
use stackr_core::{VarInputs, load_text};
use stackr_engine::apply::Options;
use stackr_engine::events::Recorded;
use stackr_engine::fake::FakeCloud;
use stackr_engine::session::{Applied, Session};
use stackr_state::{LockInfo, State, StateError, StateStore, Versioned, parse_state, render_state};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A state store in memory, with the same lock and CAS rules as the real ones.
#[derive(Default)]
pub struct MemStore {
    pub doc: Mutex<Option<(Vec<u8>, u64)>>,
    pub lock: Mutex<Option<LockInfo>>,
    pub writes: Mutex<u64>,
    /// Every save after this many fails (the connection to S3 is lost).
    pub fail_after: Mutex<Option<u64>>,
}

#[async_trait]
impl StateStore for MemStore {
    fn location(&self) -> String {
        "memory".into()
    }
    async fn lock(&self, info: &LockInfo) -> Result<(), StateError> {
        let mut l = self.lock.lock().unwrap();
        if let Some(h) = &*l {
            return Err(StateError::Locked { location: "memory".into(), holder: Box::new(h.clone()) });
        }
        *l = Some(info.clone());
        Ok(())
    }
    async fn unlock(&self, id: &str) -> Result<(), StateError> {
        let mut l = self.lock.lock().unwrap();
        if l.as_ref().is_some_and(|h| h.id == id) {
            *l = None;
        }
        Ok(())
    }
    async fn lock_holder(&self) -> Result<Option<LockInfo>, StateError> {
        Ok(self.lock.lock().unwrap().clone())
    }
    async fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        let mut l = self.lock.lock().unwrap();
        match l.take() {
            Some(h) if h.id == id => Ok(h),
            other => {
                *l = other.clone();
                Err(StateError::NoSuchLock { location: "memory".into(), id: id.into(), held: other.map(Box::new) })
            }
        }
    }
    async fn load(&self) -> Result<Option<Versioned>, StateError> {
        let d = self.doc.lock().unwrap();
        match &*d {
            None => Ok(None),
            Some((bytes, v)) => Ok(Some(Versioned { state: parse_state(bytes, "memory")?, version: v.to_string() })),
        }
    }
    async fn save(&self, state: &State, expected: Option<&str>) -> Result<String, StateError> {
        if self.fail_after.lock().unwrap().is_some_and(|n| *self.writes.lock().unwrap() >= n) {
            return Err(StateError::Backend { location: "memory".into(), message: "connection lost".into() });
        }
        let mut d = self.doc.lock().unwrap();
        let current = d.as_ref().map(|(_, v)| v.to_string());
        if current.as_deref() != expected {
            return Err(StateError::Conflict { location: "memory".into(), expected: expected.map(String::from) });
        }
        let next = d.as_ref().map_or(1, |(_, v)| v + 1);
        *d = Some((render_state(state), next));
        *self.writes.lock().unwrap() += 1;
        Ok(next.to_string())
    }
}

impl MemStore {
    pub fn state(&self) -> State {
        let d = self.doc.lock().unwrap();
        parse_state(&d.as_ref().expect("state written").0, "memory").unwrap()
    }
}

pub struct Bed {
    pub cloud: Arc<FakeCloud>,
    pub store: Arc<MemStore>,
    pub session: Session,
    pub events: Arc<Recorded>,
}

pub fn bed() -> Bed {
    let cloud = FakeCloud::new();
    let types = stackr_schema::Types.all();
    let store = Arc::new(MemStore::default());
    let events = Arc::new(Recorded::default());
    let session = Session {
        store: store.clone(),
        providers: cloud.providers(&types),
        lookups: cloud.lookups(&types),
        events: events.clone(),
        version: "test".into(),
        write_interval: Duration::from_millis(5),
    };
    Bed { cloud, store, session, events }
}

pub fn stack(text: &str) -> Stack {
    stack_with(text, &[])
}

pub fn stack_with(text: &str, vars: &[(&str, &str)]) -> Stack {
    let inputs =
        VarInputs { cli: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), ..Default::default() };
    match load_text(Path::new("test.yaml"), text, &inputs, &stackr_schema::Types) {
        Ok(s) => s,
        Err(e) => panic!("{}", e.render(false)),
    }
}

pub fn options() -> Options {
    let mut o = Options::new(16);
    o.poll_initial = Duration::from_millis(1);
    o.poll_max = Duration::from_millis(5);
    o.retry_for = Duration::from_millis(200);
    o
}

impl Bed {
    /// What a run that journaled the create of `address`, made it, and died
    /// before recording it leaves: the resource in the cloud, only the
    /// intent in state.
    pub async fn crash_after_create(&self, address: &str) {
        let mut state = self.store.state();
        let gone = state.resources.remove(address).expect("in state");
        let token = self.cloud.by_address(address)[0].token.clone();
        state.pending.insert(
            address.into(),
            stackr_state::PendingOp {
                op: stackr_state::PendingKind::Create,
                kind: gone.kind,
                region: gone.region,
                token,
                id: None,
                started_at: 0,
                dependencies: Vec::new(),
                protect: false,
                properties: Default::default(),
            },
        );
        let version = self.store.doc.lock().unwrap().as_ref().unwrap().1.to_string();
        state.serial += 1;
        StateStore::save(&*self.store, &state, Some(&version)).await.unwrap();
    }
    /// Plans and applies, as `stackr apply --yes` does.
    pub async fn apply(&self, stack: &Stack) -> Applied {
        self.apply_with(stack, options()).await
    }

    pub async fn apply_with(&self, stack: &Stack, options: Options) -> Applied {
        let lock = self.session.lock("test apply").await.unwrap();
        let prepared = self.session.prepare(stack).await.unwrap();
        let applied = self.session.apply(Some(stack), prepared, options).await.unwrap();
        self.session.unlock(&lock).await.unwrap();
        applied
    }

    pub async fn plan(&self, stack: &Stack) -> stackr_engine::plan::Plan {
        self.session.prepare(stack).await.unwrap().plan
    }

    pub async fn destroy(&self, stack_name: &str, allow: &[&str]) -> Result<Applied, stackr_engine::EngineError> {
        let prepared = self.session.prepare_destroy(stack_name).await?;
        let mut o = options();
        o.allow_protected = allow.iter().map(|s| s.to_string()).collect();
        self.session.apply(None, prepared, o).await
    }
}

pub const NETWORK: &str = r#"
stack: spec
region: ap-northeast-1
vars:
  cidr: { type: string, default: 10.0.0.0/16 }
  retention: { type: number, default: 7 }
  azs: { type: list, default: [a, c] }
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: "${var.cidr}", enable_dns_hostnames: true }
  subnet:
    type: aws.ec2.subnet
    for_each: ${var.azs}
    properties:
      vpc_id: ${vpc.id}
      availability_zone: ap-northeast-1${each.key}
      cidr_block: ${cidrsubnet(vpc.cidr_block, 8, each.index)}
  logs:
    type: aws.logs.log_group
    properties: { name: /spec, retention_in_days: "${var.retention}" }
outputs:
  vpc_id: ${vpc.id}
  subnets: ${subnet[*].id}
"#;

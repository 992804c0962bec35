//! Leases and stale locks of the S3 backend, on moto's S3: renewal keeps a
//! lock live; an expired lease or a gone process on this host is taken over
//! (by exactly one of several takers); a holder whose lock was broken never
//! writes it again nor the state; a state of another stack or lineage is
//! never written over. Short leases come from `S3Store::with_lease`.

use aws_sdk_s3::Client;
use stackr_state::model::now_unix;
use stackr_state::store::{Staleness, TakenOver, this_host, this_pid_table};
use stackr_state::{LockInfo, OutputState, State, StateError, StateStore, render_state};
use stackr_state_s3::{Lease, S3Store, s3_config_builder};
use stackr_testkit::{TestEnv, unique_name};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Barrier;

const REGION: &str = "ap-northeast-1";
const KEY: &str = "app/dev.json";
const LOCK_KEY: &str = "app/dev.json.lock";

/// Renewed every 200 ms, lives 2 s.
const SHORT: Lease = Lease { length: Duration::from_secs(2), renew_every: Duration::from_millis(200) };
/// Lives 1 s and is not renewed within a test.
const UNRENEWED: Lease = Lease { length: Duration::from_secs(1), renew_every: Duration::from_secs(600) };

struct Fixture {
    env: TestEnv,
    bucket: String,
}

impl Fixture {
    async fn new() -> Fixture {
        let f = Fixture { env: TestEnv::new(REGION), bucket: unique_name("stackr-locks") };
        f.client()
            .create_bucket()
            .bucket(&f.bucket)
            .create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(REGION))
                    .build(),
            )
            .send()
            .await
            .expect("create bucket");
        f
    }

    /// A client of its own, as another process would have.
    fn client(&self) -> Client {
        Client::from_conf(s3_config_builder(self.env.config()).interceptor(self.env.account()).build())
    }

    fn store(&self) -> S3Store {
        S3Store::with_client(self.client(), &self.bucket, KEY, None)
    }

    async fn raw(&self, key: &str) -> Option<Vec<u8>> {
        let out = self.client().get_object().bucket(&self.bucket).key(key).send().await.ok()?;
        Some(out.body.collect().await.expect("body").into_bytes().to_vec())
    }

    /// Writes a lock record directly, as another machine's stackr would.
    async fn plant_lock(&self, info: &LockInfo) {
        let body = serde_json::to_vec(info).expect("json");
        self.client().put_object().bucket(&self.bucket).key(LOCK_KEY).body(body.into()).send().await.expect("put lock");
    }

    async fn holder(&self) -> Option<LockInfo> {
        self.store().lock_holder().await.expect("read the lock")
    }
}

fn run(id: &str) -> LockInfo {
    LockInfo { id: id.into(), ..LockInfo::for_this_process(&format!("stackr apply app.yaml # {id}")) }
}

/// A lock of another machine whose lease ends at `expires_at`.
fn foreign(id: &str, expires_at: u64) -> LockInfo {
    LockInfo {
        id: id.into(),
        who: "bob@ci-runner-7".into(),
        host: "ci-runner-7".into(),
        pid: 4242,
        command: "stackr apply app.yaml".into(),
        started_at: now_unix() - 300,
        renewed_at: Some(expires_at - 60),
        expires_at: Some(expires_at),
        pid_table: Some("another-boot/pid:[1]".into()),
    }
}

fn state(serial: u64, stack: &str, lineage: &str) -> State {
    let mut s = State::new(stack, "0.1.0");
    s.lineage = lineage.into();
    s.serial = serial;
    s.outputs.insert("serial".into(), OutputState { value: serde_json::json!(serial), sensitive: false, digest: None });
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewal_keeps_a_lock_live_past_its_lease() {
    let f = Fixture::new().await;
    let holder = f.store().with_lease(SHORT);
    let a = run("holder");
    assert_eq!(holder.lock_or_take_over(&a).await.expect("lock"), None, "nothing to take over");
    let first = f.holder().await.expect("held");
    let expires = first.expires_at.expect("a lease is recorded");
    assert_eq!(expires, first.renewed_at.unwrap() + 2);

    // Twice the lease later the lock is still live, and renewed.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let now = f.holder().await.expect("still held");
    assert_eq!(now.id, "holder");
    assert!(now.expires_at.unwrap() >= expires + 3, "renewed: {first:?} then {now:?}");
    match f.store().lock_or_take_over(&run("newcomer")).await {
        Err(StateError::Locked { holder, .. }) => assert_eq!(holder.id, "holder"),
        other => panic!("a renewed lock is live: {other:?}"),
    }
    // And its holder still writes.
    holder.save(&state(1, "app", "l1"), None).await.expect("the holder writes");
    holder.unlock("holder").await.expect("unlock");
    assert_eq!(f.holder().await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lease_is_taken_over_and_said_so() {
    let f = Fixture::new().await;
    {
        let crashed = f.store().with_lease(UNRENEWED);
        crashed.lock(&run("crashed")).await.expect("lock");
        // ... the run stops renewing (its process hangs or dies) here.
    }
    let next = f.store().with_lease(SHORT);
    let started = Instant::now();
    let taken = loop {
        match next.lock_or_take_over(&run("next")).await {
            Ok(taken) => break taken,
            Err(StateError::Locked { holder, .. }) => {
                assert_eq!(holder.id, "crashed");
                assert!(started.elapsed() < Duration::from_secs(4), "the 1 s lease ended long ago");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("{e}"),
        }
    };
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(900), "not before the lease ended: {waited:?}");
    let taken = taken.expect("a takeover is reported");
    assert_eq!(taken.previous.id, "crashed");
    assert!(matches!(taken.reason, Staleness::LeaseExpired { .. }), "{taken:?}");
    let msg = taken.to_string();
    assert!(msg.starts_with(&format!("took over the lock of {} on {}", taken.previous.who, this_host())), "{msg}");
    assert!(msg.contains("lease expired"), "{msg}");
    assert_eq!(f.holder().await.map(|h| h.id), Some("next".into()));
    next.unlock("next").await.expect("the new holder releases it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_of_a_gone_process_on_this_host_is_taken_over_at_once() {
    let f = Fixture::new().await;
    let mut child = std::process::Command::new("true").spawn().expect("spawn");
    let dead_pid = child.id();
    child.wait().expect("reap");

    // A live lease, on this host, of a process that is gone.
    let mut gone = run("gone");
    (gone.pid, gone.renewed_at, gone.expires_at) = (dead_pid, Some(now_unix()), Some(now_unix() + 3600));
    // The same, from a process table that is not ours (a container with our
    // host name): not ours to judge, refused.
    let elsewhere = LockInfo { pid_table: Some("other-boot/pid:[9]".into()), ..gone.clone() };
    f.plant_lock(&elsewhere).await;
    assert!(matches!(f.store().lock(&run("next")).await, Err(StateError::Locked { .. })));
    // A live process of this host (this one): refused.
    let live = LockInfo { pid: std::process::id(), ..gone.clone() };
    f.plant_lock(&live).await;
    assert!(matches!(f.store().lock(&run("next")).await, Err(StateError::Locked { .. })));

    f.plant_lock(&gone).await;
    let started = Instant::now();
    let next = f.store();
    let taken = next.lock_or_take_over(&run("next")).await.expect("taken over").expect("reported");
    assert!(started.elapsed() < Duration::from_secs(5), "at once: {:?}", started.elapsed());
    assert_eq!(taken, TakenOver { previous: gone, reason: Staleness::HolderGone });
    assert!(taken.to_string().contains(&format!("(pid {dead_pid}, `stackr apply app.yaml # gone`")), "{taken}");
    assert_eq!(f.holder().await.map(|h| h.id), Some("next".into()));
    assert!(this_pid_table().is_some() || !cfg!(target_os = "linux"));
}

/// Rounds of the race: one can pass by luck, several rarely do.
const ROUNDS: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_eight_takers_of_one_stale_lock_exactly_one_wins() {
    let f = Fixture::new().await;
    const N: usize = 8;
    for round in 0..ROUNDS {
        f.plant_lock(&foreign(&format!("stale-{round}"), now_unix() - 5)).await;
        let barrier = Arc::new(Barrier::new(N));
        let mut tasks = Vec::new();
        for i in 0..N {
            let store = f.store();
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                let me = run(&format!("round{round}-taker{i}"));
                barrier.wait().await;
                let started = Instant::now();
                let res = store.lock_or_take_over(&me).await;
                // Keep the store (and so the lock's renewal) until all have answered.
                (me, res, started.elapsed(), store)
            }));
        }
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.expect("task"));
        }
        let winners: Vec<_> = results.iter().filter(|(_, r, _, _)| r.is_ok()).collect();
        assert_eq!(
            winners.len(),
            1,
            "round {round}: one winner: {:?}",
            results.iter().map(|r| &r.1).collect::<Vec<_>>()
        );
        let (winner, won, _, winning_store) = winners[0];
        let taken = won.as_ref().unwrap().as_ref().expect("the winner took over");
        assert_eq!(taken.previous.id, format!("stale-{round}"));
        assert!(matches!(taken.reason, Staleness::LeaseExpired { .. }));
        for (me, res, took, _) in &results {
            assert!(*took < Duration::from_secs(5), "{} answered in {took:?}", me.id);
            if me.id == winner.id {
                continue;
            }
            match res {
                Err(e @ StateError::Locked { holder, .. }) => {
                    assert_eq!(holder.id, winner.id, "{} names the new holder", me.id);
                    let msg = e.to_string();
                    assert!(msg.contains(&winner.who) && msg.contains(&winner.id), "{msg}");
                }
                other => panic!("{}: expected Locked, got {other:?}", me.id),
            }
        }
        let slowest = results.iter().map(|r| r.2).max().unwrap_or_default();
        eprintln!("round {round}: {} took over; slowest answer {slowest:?}", winner.id);
        assert_eq!(f.holder().await.map(|h| h.id), Some(winner.id.clone()));
        winning_store.unlock(&winner.id).await.expect("unlock");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_whose_lock_was_broken_never_writes_the_lock_or_the_state_again() {
    let f = Fixture::new().await;

    // Broken (removed) only: the renewal does not bring the lock back.
    let a = f.store().with_lease(SHORT);
    a.lock(&run("a")).await.expect("lock");
    let v1 = a.save(&state(1, "app", "l1"), None).await.expect("save while held");
    f.store().force_unlock("a").await.expect("broken by stackr unlock");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(f.holder().await, None, "a renewal never recreates a removed lock");
    let err = a.save(&state(2, "app", "l1"), Some(&v1)).await.expect_err("no write without the lock");
    assert!(matches!(&err, StateError::LockLost { reason, .. } if reason.contains("removed")), "{err}");

    // Broken and taken by someone else: their lock stays theirs.
    let c = f.store().with_lease(SHORT);
    c.lock(&run("c")).await.expect("lock");
    f.store().force_unlock("c").await.expect("broken");
    let b = f.store().with_lease(SHORT);
    b.lock(&run("b")).await.expect("the next run locks");
    let b_record = f.raw(LOCK_KEY).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let now = f.holder().await.expect("held");
    assert_eq!(now.id, "b");
    assert_ne!(f.raw(LOCK_KEY).await, None);
    assert!(now.renewed_at >= serde_json::from_slice::<LockInfo>(&b_record.unwrap()).unwrap().renewed_at);
    let err = c.save(&state(2, "app", "l1"), Some(&v1)).await.expect_err("refused");
    let msg = err.to_string();
    assert!(matches!(err, StateError::LockLost { .. }), "{msg}");
    assert!(msg.contains("no longer holds the lock") && msg.contains("held by") && msg.contains("lock id b"), "{msg}");
    assert!(matches!(c.unlock("c").await, Err(StateError::LockLost { .. })), "unlock says so too");
    assert_eq!(f.holder().await.map(|h| h.id), Some("b".into()), "b's lock is untouched");
    assert_eq!(f.raw(KEY).await, Some(render_state(&state(1, "app", "l1"))), "the state is as a left it");
    b.unlock("b").await.expect("b releases");
}

#[tokio::test]
async fn a_state_of_another_stack_or_lineage_is_never_saved_over() {
    let f = Fixture::new().await;
    let first = f.store();
    first.save(&state(1, "app", "l1"), None).await.expect("create");

    // A run that loaded the stored state may only write its successors.
    let store = f.store();
    let loaded = store.load().await.expect("load").expect("stored");
    for (other, what) in [(state(2, "other-app", "l1"), "stack"), (state(2, "app", "l2"), "lineage")] {
        let err = store.save(&other, Some(&loaded.version)).await.expect_err("refused");
        let msg = err.to_string();
        match (&err, what) {
            (StateError::OtherStack { found, expected, .. }, "stack") => {
                assert_eq!((found.as_str(), expected.as_str()), ("app", "other-app"));
                assert!(msg.contains("`app`") && msg.contains("`other-app`"), "{msg}");
            }
            (StateError::OtherLineage { found, expected, .. }, "lineage") => {
                assert_eq!((found.as_str(), expected.as_str()), ("l1", "l2"));
            }
            _ => panic!("{what}: {err:?}"),
        }
        assert_eq!(f.raw(KEY).await, Some(render_state(&state(1, "app", "l1"))), "nothing written");
    }
    // Its own successor is fine, and so is the next after that.
    let v2 = store.save(&state(2, "app", "l1"), Some(&loaded.version)).await.expect("successor");
    store.save(&state(3, "app", "l1"), Some(&v2)).await.expect("and the next");
    // The store that created it knows it too.
    assert!(matches!(first.save(&state(4, "app", "l9"), None).await, Err(StateError::OtherLineage { .. })));
}

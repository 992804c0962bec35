//! The StateStore guarantees, on moto's S3. Each test has its own moto
//! account (testkit interceptor) and its own bucket.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::ServerSideEncryption;
use stackr_state::{LockInfo, OutputState, State, StateError, StateStore, render_state};
use stackr_state_s3::{S3Store, s3_config_builder};
use stackr_testkit::{SECRET_ACCESS_KEY, TestEnv, unique_name};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Barrier;

const REGION: &str = "ap-northeast-1";
const KEY: &str = "wordpress/prod.json";

struct Fixture {
    env: TestEnv,
    bucket: String,
}

impl Fixture {
    /// A fresh account with a fresh bucket in it.
    async fn new() -> Fixture {
        let env = TestEnv::new(REGION);
        let bucket = unique_name("stackr-state");
        let f = Fixture { env, bucket };
        create_bucket(&f.client(), &f.bucket).await;
        f
    }

    /// A client of its own (as a separate process would have) in the test's account.
    fn client(&self) -> Client {
        Client::from_conf(s3_config_builder(self.env.config()).interceptor(self.env.account()).build())
    }

    fn store(&self) -> S3Store {
        S3Store::with_client(self.client(), &self.bucket, KEY, None)
    }

    fn store_with_kms(&self, kms: &str) -> S3Store {
        S3Store::with_client(self.client(), &self.bucket, KEY, Some(kms))
    }

    async fn raw_object(&self, key: &str) -> Vec<u8> {
        let out = self.client().get_object().bucket(&self.bucket).key(key).send().await.expect("get object");
        out.body.collect().await.unwrap().into_bytes().to_vec()
    }

    async fn put_raw(&self, key: &str, body: &[u8]) {
        self.client()
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(body.to_vec().into())
            .send()
            .await
            .expect("put object");
    }
}

async fn create_bucket(client: &Client, bucket: &str) {
    client
        .create_bucket()
        .bucket(bucket)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(REGION))
                .build(),
        )
        .send()
        .await
        .expect("create bucket");
}

fn state_with(serial: u64, marker: &str) -> State {
    let mut s = State::new("wordpress-prod", "0.1.0");
    s.lineage = "lineage-1".into();
    s.serial = serial;
    s.outputs.insert("writer".into(), OutputState { value: serde_json::json!(marker), sensitive: false, digest: None });
    s
}

fn lock_info(id: &str) -> LockInfo {
    LockInfo {
        id: id.into(),
        who: format!("{id}@test-host"),
        host: "test-host".into(),
        pid: 4242,
        command: "stackr apply stacks/prod.yaml".into(),
        started_at: 1_790_000_000,
        renewed_at: None,
        expires_at: None,
        pid_table: None,
    }
}

/// A lock record as stored, without the lease the store added (tests/locks.rs covers leases).
fn no_lease(mut info: LockInfo) -> LockInfo {
    (info.renewed_at, info.expires_at) = (None, None);
    info
}

#[tokio::test]
async fn create_then_load_round_trips_and_each_write_makes_a_new_version() {
    let f = Fixture::new().await;
    let store = f.store();
    assert_eq!(store.location(), format!("s3://{}/{KEY}", f.bucket));
    assert!(store.load().await.unwrap().is_none(), "nothing stored yet");

    let first = state_with(1, "a");
    let v1 = store.save(&first, None).await.expect("create");
    let loaded = store.load().await.unwrap().expect("stored");
    assert_eq!(loaded.state, first);
    assert_eq!(loaded.version, v1);
    assert_eq!(f.raw_object(KEY).await, render_state(&first));

    let second = state_with(2, "b");
    let v2 = store.save(&second, Some(&v1)).await.expect("update from the version read");
    assert_ne!(v1, v2);
    let loaded = f.store().load().await.unwrap().unwrap();
    assert_eq!((loaded.state, loaded.version), (second, v2));
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_leaves_the_state_unchanged() {
    let f = Fixture::new().await;
    let store = f.store();
    let v1 = store.save(&state_with(1, "a"), None).await.unwrap();
    let v2 = store.save(&state_with(2, "b"), Some(&v1)).await.unwrap();

    let err = store.save(&state_with(2, "stale writer"), Some(&v1)).await.unwrap_err();
    assert!(
        matches!(&err, StateError::Conflict { expected: Some(e), location } if *e == v1 && location.starts_with("s3://")),
        "{err:?}"
    );
    let err = store.save(&state_with(1, "second creator"), None).await.unwrap_err();
    assert!(matches!(err, StateError::Conflict { expected: None, .. }), "{err:?}");

    let loaded = store.load().await.unwrap().unwrap();
    assert_eq!((loaded.state, loaded.version), (state_with(2, "b"), v2));
}

/// Rounds of each race: one round can pass by luck, several rarely do.
const ROUNDS: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_eight_concurrent_lockers_one_wins_and_seven_are_told_the_holder_at_once() {
    let f = Fixture::new().await;
    const N: usize = 8;
    for round in 0..ROUNDS {
        let barrier = Arc::new(Barrier::new(N));
        let mut tasks = Vec::new();
        for i in 0..N {
            let store = f.store(); // a separate instance with its own client, as another process would have
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                let info = lock_info(&format!("round{round}-locker{i}"));
                barrier.wait().await;
                let started = Instant::now();
                let res = store.lock(&info).await;
                (info, res, started.elapsed())
            }));
        }
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap());
        }
        let winners: Vec<&LockInfo> = results.iter().filter(|(_, r, _)| r.is_ok()).map(|(i, _, _)| i).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one locker wins: {results:?}");
        let winner = winners[0].clone();
        for (info, res, took) in &results {
            assert!(*took < Duration::from_secs(5), "{} answered in {took:?}", info.id);
            if info.id == winner.id {
                continue;
            }
            match res {
                Err(StateError::Locked { holder, .. }) => {
                    assert_eq!(no_lease(*holder.clone()), winner, "{} was told another holder", info.id)
                }
                other => panic!("{}: expected Locked, got {other:?}", info.id),
            }
            let msg = res.as_ref().unwrap_err().to_string();
            assert!(msg.contains(&winner.who) && msg.contains(&winner.id), "{msg}");
        }
        let slowest = results.iter().map(|(_, _, took)| *took).max().unwrap();
        eprintln!("round {round}: {} won; slowest answer {slowest:?}", winner.id);
        assert_eq!(f.store().lock_holder().await.unwrap().map(no_lease), Some(winner.clone()));

        // Released, the lock can be taken again (by the next round).
        f.store().unlock(&winner.id).await.unwrap();
        assert_eq!(f.store().lock_holder().await.unwrap(), None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_writers_from_one_version_exactly_one_wins() {
    let f = Fixture::new().await;
    let mut base = f.store().save(&state_with(1, "base"), None).await.unwrap();
    const N: usize = 8;
    for round in 0..ROUNDS {
        let barrier = Arc::new(Barrier::new(N));
        let mut tasks = Vec::new();
        for i in 0..N {
            let store = f.store();
            let barrier = barrier.clone();
            let base = base.clone();
            tasks.push(tokio::spawn(async move {
                let mine = state_with(2 + round as u64, &format!("round{round}-writer{i}"));
                barrier.wait().await;
                let res = store.save(&mine, Some(&base)).await;
                (mine, res)
            }));
        }
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap());
        }
        let winners: Vec<_> = results.iter().filter(|(_, r)| r.is_ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one writer wins: {results:?}");
        for (_, res) in &results {
            if let Err(e) = res {
                assert!(matches!(e, StateError::Conflict { .. }), "{e:?}");
            }
        }
        let (winning_state, winning_version) = (&winners[0].0, winners[0].1.as_ref().unwrap());
        let loaded = f.store().load().await.unwrap().unwrap();
        assert_eq!(&loaded.state, winning_state, "the stored state is the winner's, whole");
        assert_eq!(&loaded.version, winning_version);
        base = loaded.version;
    }
}

#[tokio::test]
async fn unlock_with_another_id_is_refused_and_names_the_holder() {
    let f = Fixture::new().await;
    let holder = lock_info("run-a");
    f.store().lock(&holder).await.unwrap();

    for res in [f.store().unlock("run-b").await, f.store().force_unlock("run-b").await.map(|_| ())] {
        match res {
            Err(StateError::NoSuchLock { id, held: Some(held), .. }) => {
                assert_eq!(id, "run-b");
                assert_eq!(no_lease(*held), holder);
            }
            other => panic!("expected NoSuchLock naming run-a, got {other:?}"),
        }
    }
    assert_eq!(f.store().lock_holder().await.unwrap().map(no_lease), Some(holder.clone()), "the lock is still held");

    // Taking it again with the same id (a retried request) is fine; with another, refused.
    f.store().lock(&holder).await.expect("same id: already ours");
    assert!(matches!(f.store().lock(&lock_info("run-b")).await, Err(StateError::Locked { .. })));

    f.store().unlock("run-a").await.unwrap();
    match f.store().unlock("run-a").await {
        Err(StateError::NoSuchLock { held: None, .. }) => {}
        other => panic!("unlocking twice: expected NoSuchLock with no holder, got {other:?}"),
    }
}

#[tokio::test]
async fn force_unlock_removes_a_crashed_runs_lock() {
    let f = Fixture::new().await;
    let crashed = lock_info("crashed-run");
    {
        let store = f.store();
        store.lock(&crashed).await.unwrap();
        // ... and the process dies here without unlocking.
    }
    let next = f.store();
    let err = next.lock(&lock_info("next-run")).await.unwrap_err();
    assert!(err.to_string().contains("crashed-run"), "the refusal names the lock id: {err}");

    let removed = next.force_unlock("crashed-run").await.expect("force unlock");
    assert_eq!(no_lease(removed), crashed);
    assert_eq!(next.lock_holder().await.unwrap(), None);
    next.lock(&lock_info("next-run")).await.expect("lock after force unlock");
}

#[tokio::test]
async fn an_unreadable_lock_object_still_refuses_and_can_be_force_unlocked_by_its_etag() {
    let f = Fixture::new().await;
    f.put_raw(&format!("{KEY}.lock"), b"not json").await;
    let store = f.store();
    let holder = match store.lock(&lock_info("run")).await {
        Err(StateError::Locked { holder, .. }) => holder,
        other => panic!("expected Locked, got {other:?}"),
    };
    assert!(holder.who.contains("unreadable"), "{holder:?}");
    store.force_unlock(&holder.id).await.expect("force unlock by the id shown");
    store.lock(&lock_info("run")).await.unwrap();
}

#[tokio::test]
async fn every_write_is_encrypted_at_rest() {
    let f = Fixture::new().await;
    let store = f.store();
    store.save(&state_with(1, "a"), None).await.unwrap();
    store.lock(&lock_info("run")).await.unwrap();
    for key in [KEY.to_string(), format!("{KEY}.lock")] {
        let head = f.client().head_object().bucket(&f.bucket).key(&key).send().await.unwrap();
        assert_eq!(head.server_side_encryption(), Some(&ServerSideEncryption::Aes256), "{key}");
    }

    // With a KMS key: SSE-KMS with that key.
    let kms = "alias/stackr-state";
    let g = Fixture::new().await;
    let store = g.store_with_kms(kms);
    let v1 = store.save(&state_with(1, "a"), None).await.unwrap();
    store.save(&state_with(2, "b"), Some(&v1)).await.unwrap();
    store.lock(&lock_info("run")).await.unwrap();
    for key in [KEY.to_string(), format!("{KEY}.lock")] {
        let head = g.client().head_object().bucket(&g.bucket).key(&key).send().await.unwrap();
        assert_eq!(head.server_side_encryption(), Some(&ServerSideEncryption::AwsKms), "{key}");
        assert!(head.ssekms_key_id().is_some_and(|k| k.contains("stackr-state")), "{key}: {:?}", head.ssekms_key_id());
    }
}

#[tokio::test]
async fn corrupt_or_newer_objects_are_refused_and_never_overwritten() {
    let f = Fixture::new().await;
    let store = f.store();

    f.put_raw(KEY, b"{\"format_version\": 1, \"stack\": ").await;
    assert!(matches!(store.load().await, Err(StateError::Corrupt { .. })));
    // Without a version from a successful load, a write cannot replace it.
    assert!(matches!(store.save(&state_with(1, "a"), None).await, Err(StateError::Conflict { .. })));
    assert_eq!(f.raw_object(KEY).await, b"{\"format_version\": 1, \"stack\": ");

    let mut newer = serde_json::to_value(state_with(7, "future")).unwrap();
    newer["format_version"] = serde_json::json!(99);
    let newer = serde_json::to_vec(&newer).unwrap();
    f.put_raw(KEY, &newer).await;
    assert!(matches!(store.load().await, Err(StateError::NewerFormat { found: 99, .. })));
    assert!(matches!(store.save(&state_with(1, "a"), None).await, Err(StateError::Conflict { .. })));
    assert_eq!(f.raw_object(KEY).await, newer);
}

#[tokio::test]
async fn a_retried_write_that_already_landed_is_not_a_conflict() {
    let f = Fixture::new().await;
    let store = f.store();
    let s1 = state_with(1, "a");
    let v1 = store.save(&s1, None).await.unwrap();
    // The same request again (as after a lost response): the object already
    // holds exactly these bytes.
    assert_eq!(store.save(&s1, None).await.unwrap(), v1);
    let s2 = state_with(2, "b");
    let v2 = store.save(&s2, Some(&v1)).await.unwrap();
    assert_eq!(store.save(&s2, Some(&v1)).await.unwrap(), v2);
}

#[tokio::test]
async fn errors_name_the_place_and_never_the_credentials() {
    let env = TestEnv::new(REGION);
    let client = Client::from_conf(s3_config_builder(env.config()).interceptor(env.account()).build());
    let store = S3Store::with_client(client, "no-such-stackr-bucket", KEY, None);
    for err in [
        store.load().await.unwrap_err(),
        store.save(&state_with(1, "a"), None).await.unwrap_err(),
        store.lock(&lock_info("run")).await.unwrap_err(),
    ] {
        let msg = err.to_string();
        assert!(matches!(err, StateError::Backend { .. }), "{err:?}");
        assert!(msg.contains("s3://no-such-stackr-bucket/"), "{msg}");
        assert!(msg.contains("does not exist"), "{msg}");
        assert!(!msg.contains(SECRET_ACCESS_KEY) && !msg.contains(stackr_testkit::ACCESS_KEY_ID), "{msg}");
    }
}

#[tokio::test]
async fn new_from_a_shared_config_uses_path_style_against_the_endpoint() {
    let f = Fixture::new().await;
    // S3Store::new has no account interceptor: it works in moto's default
    // account, so give it a bucket there.
    let bucket = unique_name("stackr-default-acct");
    let plain = Client::from_conf(s3_config_builder(f.env.config()).build());
    create_bucket(&plain, &bucket).await;
    let store = S3Store::new(f.env.config(), &bucket, "dev.json", None);
    let v = store.save(&state_with(1, "a"), None).await.unwrap();
    assert_eq!(store.load().await.unwrap().unwrap().version, v);
}

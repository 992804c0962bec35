//! The local-file backend against the `StateStore` guarantees.

use stackr_state::local::LocalStore;
use stackr_state::{FORMAT_VERSION, LockInfo, State, StateError, StateStore, check_compatible, render_state};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A unique directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "stackr-state-local-{name}-{}-{nanos}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    /// `<dir>/state/<stack>.json` (the `state` directory does not exist yet).
    fn state_path(&self, stack: &str) -> PathBuf {
        self.0.join("state").join(format!("{stack}.json"))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn state(stack: &str, serial: u64) -> State {
    let mut s = State::new(stack, "0.1.0-test");
    s.serial = serial;
    s
}

/// The next version of `s`.
fn next(s: &State) -> State {
    let mut n = s.clone();
    n.serial += 1;
    n
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test]
async fn first_save_creates_file_and_directory() {
    let tmp = TempDir::new("create");
    let path = tmp.state_path("dev");
    let store = LocalStore::new(path.clone());
    assert_eq!(store.location(), path.display().to_string());
    assert!(store.load().await.expect("load").is_none());
    assert!(store.lock_holder().await.expect("holder").is_none());

    let s = state("dev", 1);
    assert_eq!(store.save(&s, None).await.expect("first save"), "1");
    let loaded = store.load().await.expect("load").expect("a state");
    assert_eq!(loaded.version, "1");
    assert_eq!(loaded.state, s);
    assert_eq!(std::fs::read(&path).expect("read"), render_state(&s));
    // No backup of nothing; no temporary file; no lock file left by the save's own brief lock.
    assert_eq!(names_in(path.parent().expect("dir")), vec!["dev.json".to_string()]);
}

#[tokio::test]
async fn save_is_compare_and_swap() {
    let tmp = TempDir::new("cas");
    let path = tmp.state_path("dev");
    let store = LocalStore::new(path.clone());

    // Expecting a version when nothing is stored: conflict, nothing created.
    let s1 = state("dev", 1);
    let err = store.save(&s1, Some("0")).await.expect_err("nothing stored");
    assert!(matches!(err, StateError::Conflict { ref expected, .. } if expected.as_deref() == Some("0")), "{err}");
    assert!(!path.exists());

    assert_eq!(store.save(&s1, None).await.expect("save 1"), "1");
    let s2 = next(&s1);
    assert_eq!(store.save(&s2, Some("1")).await.expect("save 2"), "2");
    let before = std::fs::read(&path).expect("read");

    // Stale expected version: conflict, no write.
    let s3 = next(&s2);
    let err = store.save(&s3, Some("1")).await.expect_err("stale");
    assert!(matches!(err, StateError::Conflict { .. }), "{err}");
    assert!(err.to_string().contains(&path.display().to_string()), "{err}");
    // `None` while a state exists: conflict.
    let err = store.save(&s3, None).await.expect_err("exists");
    assert!(matches!(err, StateError::Conflict { expected: None, .. }), "{err}");
    assert_eq!(std::fs::read(&path).expect("read"), before);

    // A serial that does not grow is refused, even with the right expected version.
    let err = store.save(&s2, Some("2")).await.expect_err("same serial");
    assert!(matches!(err, StateError::Backend { .. }), "{err}");
    assert_eq!(std::fs::read(&path).expect("read"), before);

    assert_eq!(store.save(&s3, Some("2")).await.expect("save 3"), "3");
    assert_eq!(store.load().await.expect("load").expect("state").version, "3");
}

#[tokio::test]
async fn backup_keeps_previous_version() {
    let tmp = TempDir::new("backup");
    let path = tmp.state_path("dev");
    let store = LocalStore::new(path.clone());
    let s1 = state("dev", 1);
    let s2 = next(&s1);
    let s3 = next(&s2);
    store.save(&s1, None).await.expect("save 1");
    assert!(!store.backup_path().exists());
    store.save(&s2, Some("1")).await.expect("save 2");
    assert_eq!(std::fs::read(store.backup_path()).expect("backup"), render_state(&s1));
    // The backup is the state as it was before this store (one run) first
    // wrote: later writes of the same run do not rotate it.
    store.save(&s3, Some("2")).await.expect("save 3");
    assert_eq!(std::fs::read(store.backup_path()).expect("backup"), render_state(&s1));
    let next_run = LocalStore::new(path.clone());
    let s4 = next(&s3);
    next_run.save(&s4, Some("3")).await.expect("save 4");
    assert_eq!(std::fs::read(store.backup_path()).expect("backup"), render_state(&s3));
    assert_eq!(std::fs::read(&path).expect("state"), render_state(&s4));
    assert_eq!(
        names_in(path.parent().expect("dir")),
        vec!["dev.json".to_string(), "dev.json.backup".to_string()],
        "no temporary or lock files left"
    );
}

#[tokio::test]
async fn corrupt_file_is_refused_and_left_untouched() {
    let tmp = TempDir::new("corrupt");
    let path = tmp.state_path("dev");
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    let full = render_state(&state("dev", 4));
    for bytes in [&full[..full.len() / 2], &b""[..], &b"{\"stack\": \"dev\"}"[..]] {
        std::fs::write(&path, bytes).expect("write");
        let store = LocalStore::new(path.clone());
        let err = store.load().await.expect_err("load refuses");
        assert!(matches!(err, StateError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains(&path.display().to_string()), "{err}");
        for expected in [None, Some("4")] {
            let err = store.save(&state("dev", 5), expected).await.expect_err("save refuses");
            assert!(matches!(err, StateError::Corrupt { .. }), "{err}");
        }
        assert_eq!(std::fs::read(&path).expect("read"), bytes, "file unchanged");
        assert!(!store.backup_path().exists());
    }
}

#[tokio::test]
async fn newer_format_is_refused_and_left_untouched() {
    let tmp = TempDir::new("newer");
    let path = tmp.state_path("dev");
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    let mut doc = serde_json::to_value(state("dev", 7)).expect("json");
    doc["format_version"] = serde_json::json!(FORMAT_VERSION + 1);
    doc["something_new"] = serde_json::json!({"x": 1});
    let bytes = serde_json::to_vec_pretty(&doc).expect("json");
    std::fs::write(&path, &bytes).expect("write");

    let store = LocalStore::new(path.clone());
    let err = store.load().await.expect_err("load refuses");
    assert!(matches!(err, StateError::NewerFormat { found, .. } if found == FORMAT_VERSION + 1), "{err}");
    for expected in [None, Some("7")] {
        let err = store.save(&state("dev", 8), expected).await.expect_err("save refuses");
        assert!(matches!(err, StateError::NewerFormat { .. }), "{err}");
    }
    assert_eq!(std::fs::read(&path).expect("read"), bytes);
}

#[tokio::test]
async fn other_stack_or_lineage_is_refused() {
    let tmp = TempDir::new("other");
    let path = tmp.state_path("dev");
    let store = LocalStore::new(path.clone());
    let dev = state("dev", 1);
    store.save(&dev, None).await.expect("save");
    let before = std::fs::read(&path).expect("read");

    let loaded = store.load().await.expect("load").expect("state");
    let err = check_compatible(&loaded.state, &store.location(), "prod", None).expect_err("other stack");
    assert!(matches!(err, StateError::OtherStack { .. }), "{err}");
    check_compatible(&loaded.state, &store.location(), "dev", Some(&dev.lineage)).expect("same stack and lineage");

    // Saving another stack's or another birth's state over it is refused too.
    let prod = state("prod", 2);
    let err = store.save(&prod, Some("1")).await.expect_err("other stack");
    assert!(matches!(err, StateError::OtherStack { .. }), "{err}");
    let reborn = state("dev", 2);
    let err = store.save(&reborn, Some("1")).await.expect_err("other lineage");
    assert!(matches!(err, StateError::OtherLineage { .. }), "{err}");
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

fn assert_names(err: &StateError, holder: &LockInfo) {
    let message = err.to_string();
    for part in [&holder.who, &format!("pid {}", holder.pid), &holder.command, &holder.id] {
        assert!(message.contains(part.as_str()), "`{message}` should mention `{part}`");
    }
}

#[tokio::test]
async fn two_stores_in_one_process_exclude_each_other() {
    let tmp = TempDir::new("two");
    let path = tmp.state_path("dev");
    let a = LocalStore::new(path.clone());
    let b = LocalStore::new(path.clone());
    let info_a = LockInfo::for_this_process("stackr apply stacks/dev.yaml");
    let info_b = LockInfo::for_this_process("stackr destroy stacks/dev.yaml");
    assert_ne!(info_a.id, info_b.id);

    a.lock(&info_a).await.expect("a locks");
    assert!(a.lock_path().exists());
    a.lock(&info_a).await.expect("relocking with the same id is a no-op");

    let start = Instant::now();
    let err = b.lock(&info_b).await.expect_err("b is refused");
    assert!(start.elapsed() < Duration::from_secs(2), "refused after {:?}", start.elapsed());
    match &err {
        StateError::Locked { holder, location } => {
            assert_eq!(**holder, info_a);
            assert_eq!(location, &path.display().to_string());
        }
        other => panic!("expected Locked, got {other}"),
    }
    assert_names(&err, &info_a);
    assert_eq!(b.lock_holder().await.expect("holder"), Some(info_a.clone()));
    assert_eq!(a.lock_holder().await.expect("holder"), Some(info_a.clone()));

    // b may not write while a holds the lock; a may.
    let err = b.save(&state("dev", 1), None).await.expect_err("b cannot save");
    assert!(matches!(err, StateError::Locked { ref holder, .. } if **holder == info_a), "{err}");
    assert!(!path.exists());
    a.save(&state("dev", 1), None).await.expect("a saves");

    // Nobody else can release a's lock.
    let err = b.unlock(&info_a.id).await.expect_err("b holds nothing");
    assert!(matches!(err, StateError::NoSuchLock { ref held, .. } if held.as_deref() == Some(&info_a)), "{err}");
    let err = b.force_unlock(&info_a.id).await.expect_err("a live lock cannot be stolen");
    assert!(matches!(err, StateError::Locked { .. }), "{err}");
    let err = a.unlock(&info_b.id).await.expect_err("wrong id");
    assert!(matches!(err, StateError::NoSuchLock { .. }), "{err}");
    assert_eq!(b.lock_holder().await.expect("holder"), Some(info_a.clone()));

    a.unlock(&info_a.id).await.expect("unlock");
    assert!(!a.lock_path().exists(), "unlock removes the lock file");
    assert_eq!(a.lock_holder().await.expect("holder"), None);
    b.lock(&info_b).await.expect("b locks after a unlocked");
    assert_eq!(a.lock_holder().await.expect("holder"), Some(info_b.clone()));
    let err = a.unlock(&info_a.id).await.expect_err("a no longer holds it");
    assert!(matches!(err, StateError::NoSuchLock { ref held, .. } if held.as_deref() == Some(&info_b)), "{err}");

    // Dropping a store releases its lock.
    drop(b);
    assert_eq!(a.lock_holder().await.expect("holder"), None);
    a.lock(&info_a).await.expect("a locks after b was dropped");
    a.unlock(&info_a.id).await.expect("unlock");
}

#[tokio::test]
async fn stale_lock_file_is_not_held() {
    let tmp = TempDir::new("stale");
    let path = tmp.state_path("dev");
    let store = LocalStore::new(path.clone());
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    let mut dead = LockInfo::for_this_process("stackr apply (crashed)");
    dead.pid = 999_999;
    std::fs::write(store.lock_path(), serde_json::to_vec(&dead).expect("json")).expect("write");

    assert_eq!(store.lock_holder().await.expect("holder"), None);
    let err = store.force_unlock("not-the-id").await.expect_err("wrong id");
    assert!(matches!(err, StateError::NoSuchLock { held: None, .. }), "{err}");
    assert!(store.lock_path().exists());
    assert_eq!(store.force_unlock(&dead.id).await.expect("force unlock"), dead);
    assert!(!store.lock_path().exists());
    let err = store.force_unlock(&dead.id).await.expect_err("already gone");
    assert!(matches!(err, StateError::NoSuchLock { held: None, .. }), "{err}");

    // And `lock` simply takes a stale lock file over.
    std::fs::write(store.lock_path(), serde_json::to_vec(&dead).expect("json")).expect("write");
    let info = LockInfo::for_this_process("stackr apply");
    store.lock(&info).await.expect("lock over a stale file");
    let recorded: LockInfo =
        serde_json::from_slice(&std::fs::read(store.lock_path()).expect("read")).expect("info recorded");
    assert_eq!(recorded, info);
    // Our own lock, force-unlocked by its id, is released.
    assert_eq!(store.force_unlock(&info.id).await.expect("force own"), info);
    assert_eq!(store.lock_holder().await.expect("holder"), None);
}

/// Kills the child on drop, so a failing test leaves no process behind.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits (up to 20 s) for a line of the child's stdout containing `marker`;
/// returns what follows the marker.
fn wait_for_marker(child: &mut Child, marker: &'static str) -> String {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(at) = line.find(marker) {
                let _ = tx.send(line[at + marker.len()..].trim().to_string());
                break;
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(20)).unwrap_or_else(|_| panic!("the child never printed {marker}"))
}

const CHILD_ENV: &str = "STACKR_STATE_TEST_CHILD_LOCK";
const CHILD_MARKER: &str = "CHILD-LOCKED:";

/// Not a test on its own: run by `lock_held_by_another_process` as a child
/// process (this test binary, filtered to this test) to hold the lock.
#[test]
fn child_lock_holder() {
    let Some(path) = std::env::var_os(CHILD_ENV) else { return };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let store = LocalStore::new(PathBuf::from(path));
        let info = LockInfo::for_this_process("stackr apply stacks/child.yaml");
        store.lock(&info).await.expect("child locks");
        println!("{CHILD_MARKER} {}", serde_json::to_string(&info).expect("json"));
        // Held until killed (or for 60 s at most).
        tokio::time::sleep(Duration::from_secs(60)).await;
    });
}

#[tokio::test]
async fn lock_held_by_another_process() {
    let tmp = TempDir::new("child");
    let path = tmp.state_path("dev");
    let exe = std::env::current_exe().expect("test binary");
    let child = Command::new(exe)
        .args(["child_lock_holder", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let mut child = ChildGuard(child);
    let line = wait_for_marker(&mut child.0, CHILD_MARKER);
    let child_info: LockInfo = serde_json::from_str(&line).expect("child info");
    assert_eq!(child_info.pid, child.0.id());

    let store = LocalStore::new(path.clone());
    let mine = LockInfo::for_this_process("stackr apply stacks/dev.yaml");
    let start = Instant::now();
    let err = store.lock(&mine).await.expect_err("refused while the child holds it");
    assert!(start.elapsed() < Duration::from_secs(2), "refused after {:?}", start.elapsed());
    assert!(matches!(err, StateError::Locked { ref holder, .. } if **holder == child_info), "{err}");
    assert_names(&err, &child_info);
    assert_eq!(store.lock_holder().await.expect("holder"), Some(child_info.clone()));
    let err = store.force_unlock(&child_info.id).await.expect_err("a live process's lock cannot be stolen");
    assert!(matches!(err, StateError::Locked { .. }), "{err}");
    let err = store.force_unlock("other-id").await.expect_err("wrong id");
    assert!(matches!(err, StateError::NoSuchLock { ref held, .. } if held.as_deref() == Some(&child_info)), "{err}");

    // The holder dies without unlocking: its lock file stays, its lock does not.
    child.0.kill().expect("kill child");
    child.0.wait().expect("reap child");
    assert!(store.lock_path().exists(), "the dead holder's lock file is left behind");
    assert_eq!(store.lock_holder().await.expect("holder"), None);
    store.lock(&mine).await.expect("lock after the holder died");
    assert_eq!(store.lock_holder().await.expect("holder"), Some(mine.clone()));
    store.unlock(&mine.id).await.expect("unlock");
}

/// Interoperates with any `flock(2)` holder, here flock(1) from util-linux.
#[tokio::test]
async fn lock_held_by_flock_tool() {
    let has_flock = Command::new("flock").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    if !has_flock.is_ok_and(|s| s.success()) {
        eprintln!("skipped: no flock(1) here");
        return;
    }
    let tmp = TempDir::new("flock");
    let path = tmp.state_path("dev");
    let store = LocalStore::new(path.clone());
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    let holder = LockInfo::for_this_process("flock(1) in a test");
    std::fs::write(store.lock_path(), serde_json::to_vec(&holder).expect("json")).expect("write");

    // `>>` opens without truncating, so the recorded info stays.
    let child = Command::new("sh")
        .args(["-c", "exec 9>>\"$1\" && flock -n 9 && echo FLOCKED: && exec sleep 60", "sh"])
        .arg(store.lock_path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn sh");
    let mut child = ChildGuard(child);
    wait_for_marker(&mut child.0, "FLOCKED:");

    let mine = LockInfo::for_this_process("stackr apply");
    let err = store.lock(&mine).await.expect_err("refused while flock(1) holds it");
    assert!(matches!(err, StateError::Locked { holder: ref h, .. } if **h == holder), "{err}");

    // An empty lock file held by someone: reported as an unknown holder, still within 2 s.
    std::fs::write(store.lock_path(), b"").expect("truncate");
    let start = Instant::now();
    let err = store.lock(&mine).await.expect_err("still refused");
    assert!(start.elapsed() < Duration::from_secs(2), "refused after {:?}", start.elapsed());
    assert!(matches!(err, StateError::Locked { holder: ref h, .. } if h.id == "unknown"), "{err}");

    drop(child);
    store.lock(&mine).await.expect("lock once flock(1) is gone");
    store.unlock(&mine.id).await.expect("unlock");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_lock_attempts_exactly_one_wins() {
    let tmp = TempDir::new("race");
    let path = tmp.state_path("dev");

    for shared in [false, true] {
        let one = Arc::new(LocalStore::new(path.clone()));
        let barrier = Arc::new(tokio::sync::Barrier::new(8));
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store = if shared { one.clone() } else { Arc::new(LocalStore::new(path.clone())) };
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                let info = LockInfo::for_this_process(&format!("stackr apply #{i}"));
                barrier.wait().await;
                let start = Instant::now();
                let result = store.lock(&info).await;
                (store, info, result, start.elapsed())
            }));
        }
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("task"));
        }
        let winners: Vec<_> = results.iter().filter(|r| r.2.is_ok()).collect();
        assert_eq!(winners.len(), 1, "shared={shared}: exactly one wins");
        let (winner_store, winner, _, _) = winners[0];
        for (_, info, result, elapsed) in &results {
            assert!(*elapsed < Duration::from_secs(2), "answered after {elapsed:?}");
            match result {
                Ok(()) => assert_eq!(info, winner),
                Err(StateError::Locked { holder, .. }) => assert_eq!(&**holder, winner, "losers name the winner"),
                Err(other) => panic!("unexpected error: {other}"),
            }
        }
        winner_store.unlock(&winner.id).await.expect("unlock");
        drop(results);
        assert!(!LocalStore::new(path.clone()).lock_path().exists());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_saves_lose_no_update() {
    let tmp = TempDir::new("saves");
    let path = tmp.state_path("dev");
    let base = state("dev", 1);
    LocalStore::new(path.clone()).save(&base, None).await.expect("save 1");

    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (path, barrier) = (path.clone(), barrier.clone());
        let mut s = next(&base);
        s.outputs.insert(
            "writer".into(),
            stackr_state::OutputState { value: serde_json::json!(i), sensitive: false, digest: None },
        );
        tasks.push(tokio::spawn(async move {
            let store = LocalStore::new(path);
            barrier.wait().await;
            (s.clone(), store.save(&s, Some("1")).await)
        }));
    }
    let mut won = Vec::new();
    for task in tasks {
        let (s, result) = task.await.expect("task");
        match result {
            Ok(version) => {
                assert_eq!(version, "2");
                won.push(s);
            }
            Err(StateError::Conflict { .. } | StateError::Locked { .. }) => {}
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(won.len(), 1, "exactly one writer wins");
    let stored = LocalStore::new(path.clone()).load().await.expect("load").expect("state");
    assert_eq!(stored.state, won[0]);
    assert_eq!(std::fs::read(LocalStore::new(path).backup_path()).expect("backup"), render_state(&base));
}

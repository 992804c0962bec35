//! The local-file backend: a stack's state in `state/<stack>.json`.
//!
//! Files, next to each other (`P` is the state path given to [`LocalStore::new`]):
//!
//! - `P`: the state document.
//! - `P.backup`: the document as it was before this store's first `save`
//!   (one store = one run: the state before the run).
//! - `P.lock`: the lock file. Its *OS lock* (an exclusive `flock`, taken with
//!   [`File::try_lock`]) is the lock; its *content* is the holder's
//!   [`LockInfo`] as JSON, there only so that a refused run can name the holder.
//! - `P.tmp-<pid>-<n>`: a write in progress; renamed away when it completes
//!   (a crash can leave one behind; it is never read).
//!
//! # Guarantees (on top of those of [`StateStore`])
//!
//! - **Lock = OS lock.** A lock is held exactly as long as this store holds
//!   the open, `flock`ed lock file: until [`StateStore::unlock`], or until the
//!   store is dropped, or until the process dies, whichever comes first. The
//!   OS releases the lock of a dead process, so a crashed run never leaves a
//!   stale lock: a lock file whose OS lock is free is *not* held
//!   (`lock_holder` returns `None`, `lock` takes it and overwrites the info).
//! - **Exclusion within one process too.** Every attempt opens the lock file
//!   anew, and `flock` locks belong to the open file, not the process, so two
//!   `LocalStore`s on the same path in one process exclude each other, as do
//!   tasks sharing one store (verified on Linux).
//! - **Refusal is quick and names the holder.** A refused `lock` returns
//!   [`StateError::Locked`] with the holder's info after at least
//!   100 ms (a competing attempt may hold the OS lock for an instant; it is
//!   retried meanwhile) and at most about 1 s (the time allowed for a holder
//!   to write its info; a holder whose info cannot be read, e.g. another
//!   tool's `flock`, is reported as unknown with the file's mtime).
//! - **Unlock.** `unlock(id)` releases only the lock this store holds with
//!   `id` (otherwise [`StateError::NoSuchLock`]), and removes the lock file
//!   before releasing. `force_unlock(id)`: a lock held by a live holder (any
//!   process, this one included, other than this store) cannot be stolen and
//!   is refused with `Locked` when the id matches and `NoSuchLock` when it
//!   does not; a lock file nobody holds is removed when its recorded id
//!   matches, and its info returned; otherwise `NoSuchLock`.
//! - **Atomic, durable writes.** A write goes to a temporary file in the same
//!   directory, is fsynced, renamed over the target, and the directory is
//!   fsynced. Readers see the old document or the new one, never a mix or a
//!   truncation; the file never disappears during a write. New files take the
//!   permissions of the file they replace.
//! - **Backup.** Before a store first replaces the state, the previous
//!   document (the exact bytes that were checked) is written, by the same
//!   atomic procedure, to `P.backup`. Later saves of the same store (the
//!   many coalesced writes of one apply) keep that backup, and, holding the
//!   lock, check the stored version against what the store itself last
//!   wrote instead of reading the file back: one render and one atomic
//!   replace per write.
//! - **Compare-and-swap.** The version is the stored serial in decimal.
//!   `save(state, None)` writes only if `P` does not exist; `save(state,
//!   Some(v))` only if the stored serial is `v`; otherwise
//!   [`StateError::Conflict`] and nothing is written. The read-compare-write
//!   runs under the lock: the one this store holds, or else the lock taken
//!   for the duration of the write (and `Locked` when another holder has it),
//!   so two stores can never both succeed from the same version.
//! - **Refusal, never overwrite.** `load` and `save` refuse a stored document
//!   that does not parse ([`StateError::Corrupt`]) or has a newer format
//!   ([`StateError::NewerFormat`]) and leave it untouched. `save` also
//!   refuses to replace a document of another stack or lineage
//!   ([`check_compatible`] against the state being saved), a `state` whose
//!   serial is not greater than the stored one, and a `state` this build
//!   could not read back.
//!
//! # Limits
//!
//! - Built and tested for Unix (Linux, macOS). Elsewhere the lock file is
//!   emptied rather than removed, and the check that a lock was taken on the
//!   file still at `P.lock` (which makes removing it safe) is skipped.
//! - `flock` is not reliable on network filesystems: state shared between
//!   machines belongs in the S3 backend.
//! - The I/O is blocking `std::fs` inside the async functions (a few small
//!   files and fsyncs); only the waits between lock attempts yield.

#![allow(clippy::result_large_err, reason = "StateError's size is set by the contract in store.rs")]

use crate::model::State;
use crate::store::{LockInfo, StateError, StateStore, Versioned, check_compatible, parse_state, render_state};
use async_trait::async_trait;
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Pause between two attempts at a busy lock.
const LOCK_POLL: Duration = Duration::from_millis(20);
/// How long a busy lock is retried before it is reported as held (another
/// attempt, e.g. a `lock_holder` probe, may hold it for an instant).
const LOCK_SETTLE: Duration = Duration::from_millis(100);
/// How long a holder is given to write its info before it is reported as unknown.
const LOCK_INFO_WAIT: Duration = Duration::from_secs(1);

/// The local-file [`StateStore`]. See the module documentation for its guarantees.
#[derive(Debug)]
pub struct LocalStore {
    path: PathBuf,
    lock_path: PathBuf,
    backup_path: PathBuf,
    /// The lock this store holds: the open, `flock`ed lock file.
    held: Mutex<Option<Held>>,
    /// Serializes this store's own saves.
    writing: tokio::sync::Mutex<()>,
    /// What this store last wrote while holding the lock: no other process
    /// writes under our lock, so the next save need not read the file back.
    last_written: Mutex<Option<Written>>,
    /// Whether this store has already kept the pre-run version as backup.
    backed_up: std::sync::atomic::AtomicBool,
}

/// The identity of a state this store wrote.
#[derive(Debug, Clone)]
struct Written {
    serial: u64,
    stack: String,
    lineage: String,
}

#[derive(Debug)]
struct Held {
    file: File,
    info: LockInfo,
}

/// The outcome of trying to take the OS lock.
enum Acquire {
    /// No lock file (only when not creating one): nobody holds the lock.
    Missing,
    /// We hold it now, on the file at the lock path.
    Acquired(File),
    /// Someone else does.
    Held(LockInfo),
}

/// One non-blocking attempt.
enum Attempt {
    Missing,
    Acquired(File),
    /// We locked a file that is no longer the one at the lock path (its
    /// holder removed it before releasing): try again.
    Replaced,
    Busy,
}

impl LocalStore {
    /// A store for the state at `path` (e.g. `state/dev.json`). Nothing is
    /// touched until the store is used; directories are created on first
    /// `lock` or `save`.
    pub fn new(path: PathBuf) -> LocalStore {
        let lock_path = with_suffix(&path, ".lock");
        let backup_path = with_suffix(&path, ".backup");
        LocalStore {
            path,
            lock_path,
            backup_path,
            held: Mutex::new(None),
            writing: tokio::sync::Mutex::new(()),
            last_written: Mutex::new(None),
            backed_up: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file (`<path>.lock`).
    pub fn lock_path(&self) -> &Path {
        &self.lock_path
    }

    /// The previous version of the state file (`<path>.backup`).
    pub fn backup_path(&self) -> &Path {
        &self.backup_path
    }

    fn held(&self) -> MutexGuard<'_, Option<Held>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn io_error(&self, what: &str, path: &Path, e: io::Error) -> StateError {
        StateError::Backend { location: self.location(), message: format!("cannot {what} {}: {e}", path.display()) }
    }

    /// One attempt at the OS lock on the lock file.
    fn attempt(&self, create: bool) -> Result<Attempt, StateError> {
        if create {
            let dir = parent_dir(&self.lock_path);
            fs::create_dir_all(dir).map_err(|e| self.io_error("create directory", dir, e))?;
        }
        let mut options = OpenOptions::new();
        // Never truncate: the file may hold a live holder's info.
        options.read(true).write(true).create(create).truncate(false);
        let file = match options.open(&self.lock_path) {
            Ok(file) => file,
            Err(e) if !create && e.kind() == io::ErrorKind::NotFound => return Ok(Attempt::Missing),
            Err(e) => return Err(self.io_error("open lock file", &self.lock_path, e)),
        };
        match file.try_lock() {
            Ok(()) => {
                let current = is_file_at(&file, &self.lock_path)
                    .map_err(|e| self.io_error("inspect lock file", &self.lock_path, e))?;
                Ok(if current { Attempt::Acquired(file) } else { Attempt::Replaced })
            }
            Err(TryLockError::WouldBlock) => Ok(Attempt::Busy),
            Err(TryLockError::Error(e)) => Err(self.io_error("lock", &self.lock_path, e)),
        }
    }

    /// Takes the OS lock, or reports who holds it (see the module docs for the timing).
    async fn acquire(&self, create: bool) -> Result<Acquire, StateError> {
        let start = Instant::now();
        loop {
            match self.attempt(create)? {
                Attempt::Missing => return Ok(Acquire::Missing),
                Attempt::Acquired(file) => return Ok(Acquire::Acquired(file)),
                Attempt::Replaced => {
                    if start.elapsed() >= LOCK_INFO_WAIT {
                        return Err(StateError::Backend {
                            location: self.location(),
                            message: format!("the lock file {} keeps being replaced", self.lock_path.display()),
                        });
                    }
                    continue;
                }
                Attempt::Busy => {
                    let waited = start.elapsed();
                    if waited >= LOCK_SETTLE {
                        if let Some(info) = self.recorded_info() {
                            return Ok(Acquire::Held(info));
                        }
                        if waited >= LOCK_INFO_WAIT {
                            return Ok(Acquire::Held(self.unknown_holder()));
                        }
                    }
                }
            }
            tokio::time::sleep(LOCK_POLL).await;
        }
    }

    /// The info recorded in the lock file, if it holds a readable one.
    fn recorded_info(&self) -> Option<LockInfo> {
        let bytes = fs::read(&self.lock_path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stands for a holder that has recorded no readable info.
    fn unknown_holder(&self) -> LockInfo {
        let started_at = fs::metadata(&self.lock_path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or_else(crate::model::now_unix, |d| d.as_secs());
        LockInfo {
            id: "unknown".into(),
            who: "unknown".into(),
            host: "unknown".into(),
            pid: 0,
            command: format!("unknown (no readable holder info in {})", self.lock_path.display()),
            started_at,
            renewed_at: None,
            expires_at: None,
            pid_table: None,
        }
    }

    /// Records `info` in the lock file we hold.
    fn record_info(&self, mut file: &File, info: &LockInfo) -> Result<(), StateError> {
        let mut json = serde_json::to_vec_pretty(info).map_err(|e| StateError::Backend {
            location: self.location(),
            message: format!("cannot serialize lock info: {e}"),
        })?;
        json.push(b'\n');
        file.set_len(0)
            .and_then(|()| file.write_all(&json))
            .map_err(|e| self.io_error("write lock file", &self.lock_path, e))
    }

    /// Clears the lock file we hold, before it is released (best effort:
    /// a lock file left behind is not a held lock).
    fn retire(&self, file: &File) {
        if cfg!(unix) {
            let _ = fs::remove_file(&self.lock_path);
        } else {
            let _ = file.set_len(0);
        }
    }

    /// The compare-and-swap write. The caller holds the lock.
    /// A save following this store's own previous save under the same lock:
    /// the stored document is the one it wrote, so it is checked against
    /// that record instead of being read and parsed again. (A large state
    /// is written often during an apply; this keeps each write to one
    /// render and one atomic replace.)
    fn write_after_own(&self, state: &State, expected: Option<&str>, last: &Written) -> Result<String, StateError> {
        let location = self.location();
        if expected != Some(last.serial.to_string().as_str()) {
            return Err(StateError::Conflict { location, expected: expected.map(str::to_string) });
        }
        if state.stack != last.stack || state.lineage != last.lineage {
            return Err(StateError::OtherLineage {
                location,
                found: state.lineage.clone(),
                expected: last.lineage.clone(),
            });
        }
        if state.serial <= last.serial {
            return Err(StateError::Backend {
                location,
                message: format!(
                    "refusing to write serial {} over serial {}: every write must raise the serial",
                    state.serial, last.serial
                ),
            });
        }
        let bytes = render_state(state);
        let permissions = fs::metadata(&self.path).ok().map(|m| m.permissions());
        self.write_atomic(&self.path, &bytes, permissions)?;
        let dir = parent_dir(&self.path);
        sync_dir(dir).map_err(|e| self.io_error("sync directory", dir, e))?;
        Ok(state.serial.to_string())
    }

    fn write_under_lock(&self, state: &State, expected: Option<&str>) -> Result<String, StateError> {
        let location = self.location();
        let dir = parent_dir(&self.path);
        fs::create_dir_all(dir).map_err(|e| self.io_error("create directory", dir, e))?;

        let current = match fs::read(&self.path) {
            Ok(bytes) => {
                let stored = parse_state(&bytes, &location)?;
                Some((bytes, stored))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(self.io_error("read", &self.path, e)),
        };
        let matches = match (&current, expected) {
            (None, None) => true,
            (Some((_, stored)), Some(expected)) => stored.serial.to_string() == expected,
            _ => false,
        };
        if !matches {
            return Err(StateError::Conflict { location, expected: expected.map(str::to_string) });
        }
        if let Some((_, stored)) = &current {
            check_compatible(stored, &location, &state.stack, Some(&state.lineage))?;
            if state.serial <= stored.serial {
                return Err(StateError::Backend {
                    location,
                    message: format!(
                        "refusing to write serial {} over serial {}: every write must raise the serial",
                        state.serial, stored.serial
                    ),
                });
            }
        }

        let bytes = render_state(state);
        if let Err(e) = parse_state(&bytes, &location) {
            return Err(StateError::Backend {
                location,
                message: format!("refusing to write a state this build cannot read back: {e}"),
            });
        }
        let permissions = fs::metadata(&self.path).ok().map(|m| m.permissions());
        // The version before this store's first write is kept as backup.
        if let Some((old, _)) = &current
            && !self.backed_up.swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            self.write_atomic(&self.backup_path, old, permissions.clone())?;
        }
        self.write_atomic(&self.path, &bytes, permissions)?;
        sync_dir(dir).map_err(|e| self.io_error("sync directory", dir, e))?;
        Ok(state.serial.to_string())
    }

    /// Writes `bytes` to a temporary file next to `target`, fsyncs it and
    /// renames it over `target` (the directory is synced by the caller).
    fn write_atomic(
        &self,
        target: &Path,
        bytes: &[u8],
        permissions: Option<fs::Permissions>,
    ) -> Result<(), StateError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = with_suffix(target, &format!(".tmp-{}-{n}", std::process::id()));
        let written = (|| {
            let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            if let Some(permissions) = permissions {
                file.set_permissions(permissions)?;
            }
            file.write_all(bytes)?;
            file.sync_all()
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(self.io_error("write", &tmp, e));
        }
        if let Err(e) = fs::rename(&tmp, target) {
            let _ = fs::remove_file(&tmp);
            return Err(self.io_error(&format!("rename {} to", tmp.display()), target, e));
        }
        Ok(())
    }
}

#[async_trait]
impl StateStore for LocalStore {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    async fn lock(&self, info: &LockInfo) -> Result<(), StateError> {
        if let Some(held) = self.held().as_ref() {
            return if held.info.id == info.id {
                Ok(())
            } else {
                Err(StateError::Locked { location: self.location(), holder: Box::new(held.info.clone()) })
            };
        }
        match self.acquire(true).await? {
            Acquire::Acquired(file) => {
                self.record_info(&file, info)?;
                let mut held = self.held();
                if let Some(other) = held.as_ref() {
                    // Unreachable while `flock` excludes our own handles; never displace a holder.
                    return Err(StateError::Locked { location: self.location(), holder: Box::new(other.info.clone()) });
                }
                *held = Some(Held { file, info: info.clone() });
                Ok(())
            }
            Acquire::Held(holder) => Err(StateError::Locked { location: self.location(), holder: Box::new(holder) }),
            Acquire::Missing => Err(StateError::Backend {
                location: self.location(),
                message: format!("the lock file {} disappeared while being created", self.lock_path.display()),
            }),
        }
    }

    async fn unlock(&self, id: &str) -> Result<(), StateError> {
        let taken = {
            let mut held = self.held();
            match held.as_ref() {
                Some(h) if h.info.id == id => held.take(),
                Some(h) => {
                    return Err(StateError::NoSuchLock {
                        location: self.location(),
                        id: id.to_string(),
                        held: Some(Box::new(h.info.clone())),
                    });
                }
                None => None,
            }
        };
        if let Some(held) = taken {
            // Once unlocked, others may write: the record of our own last
            // write no longer describes the file.
            *self.last_written.lock().unwrap_or_else(PoisonError::into_inner) = None;
            self.retire(&held.file);
            drop(held); // closes the file: releases the OS lock
            return Ok(());
        }
        let holder = self.lock_holder().await?;
        Err(StateError::NoSuchLock { location: self.location(), id: id.to_string(), held: holder.map(Box::new) })
    }

    async fn lock_holder(&self) -> Result<Option<LockInfo>, StateError> {
        if let Some(held) = self.held().as_ref() {
            return Ok(Some(held.info.clone()));
        }
        match self.acquire(false).await? {
            Acquire::Missing | Acquire::Acquired(_) => Ok(None),
            Acquire::Held(info) => Ok(Some(info)),
        }
    }

    async fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        let no_such = |held: Option<LockInfo>| StateError::NoSuchLock {
            location: self.location(),
            id: id.to_string(),
            held: held.map(Box::new),
        };
        let taken = {
            let mut held = self.held();
            match held.as_ref() {
                Some(h) if h.info.id == id => held.take(),
                Some(h) => return Err(no_such(Some(h.info.clone()))),
                None => None,
            }
        };
        if let Some(held) = taken {
            self.retire(&held.file);
            return Ok(held.info);
        }
        match self.acquire(false).await? {
            Acquire::Missing => Err(no_such(None)),
            Acquire::Held(holder) if holder.id == id => {
                Err(StateError::Locked { location: self.location(), holder: Box::new(holder) })
            }
            Acquire::Held(holder) => Err(no_such(Some(holder))),
            Acquire::Acquired(file) => match self.recorded_info() {
                // Nobody held it: a crashed run's record. We hold the OS lock while removing it.
                Some(info) if info.id == id => {
                    self.retire(&file);
                    Ok(info)
                }
                _ => Err(no_such(None)),
            },
        }
    }

    async fn load(&self) -> Result<Option<Versioned>, StateError> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io_error("read", &self.path, e)),
        };
        let state = parse_state(&bytes, &self.location())?;
        let version = state.serial.to_string();
        Ok(Some(Versioned { state, version }))
    }

    async fn save(&self, state: &State, expected: Option<&str>) -> Result<String, StateError> {
        let _writing = self.writing.lock().await;
        {
            let held = self.held();
            if held.is_some() {
                let cached = self.last_written.lock().unwrap_or_else(PoisonError::into_inner).clone();
                let result = match cached {
                    Some(w) => self.write_after_own(state, expected, &w),
                    None => self.write_under_lock(state, expected),
                };
                if result.is_ok() {
                    *self.last_written.lock().unwrap_or_else(PoisonError::into_inner) = Some(Written {
                        serial: state.serial,
                        stack: state.stack.clone(),
                        lineage: state.lineage.clone(),
                    });
                }
                return result;
            }
        }
        // Not locked by this store: hold the lock for the duration of the write.
        match self.acquire(true).await? {
            Acquire::Acquired(file) => {
                let info = LockInfo::for_this_process(&format!("save {} (without a held lock)", self.location()));
                let result = self.record_info(&file, &info).and_then(|()| self.write_under_lock(state, expected));
                self.retire(&file);
                drop(file);
                result
            }
            Acquire::Held(holder) => Err(StateError::Locked { location: self.location(), holder: Box::new(holder) }),
            Acquire::Missing => Err(StateError::Backend {
                location: self.location(),
                message: format!("the lock file {} disappeared while being created", self.lock_path.display()),
            }),
        }
    }
}

impl Drop for LocalStore {
    fn drop(&mut self) {
        let held = self.held.get_mut().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(held) = held {
            self.retire(&held.file);
        }
    }
}

/// `path` with `suffix` appended to its file name (`dev.json` → `dev.json.lock`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = OsString::from(path.as_os_str());
    s.push(suffix);
    PathBuf::from(s)
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Whether `file` is (still) the file at `path`.
#[cfg(unix)]
fn is_file_at(file: &File, path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let open = file.metadata()?;
    match fs::metadata(path) {
        Ok(at_path) => Ok(open.dev() == at_path.dev() && open.ino() == at_path.ino()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn is_file_at(_file: &File, _path: &Path) -> io::Result<bool> {
    Ok(true)
}

/// Makes a rename in `dir` durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

//! stackr-state-s3: the S3 backend of [`StateStore`].
//!
//! The state of a stack lives in one S3 object, `s3://bucket/key`; its lock
//! in a second one beside it, `s3://bucket/key.lock`. Both rely only on S3's
//! conditional writes, so no DynamoDB table or other service is needed.
//!
//! # Guarantees (the [`StateStore`] contract, on S3)
//!
//! - **Exclusive lock.** [`lock`](StateStore::lock) creates the lock object
//!   with `PutObject` + `If-None-Match: *`, holding the [`LockInfo`] as JSON.
//!   S3 lets exactly one such create succeed; the others get HTTP 412
//!   `PreconditionFailed`, read the lock object and return
//!   [`StateError::Locked`] naming the holder, at once (a few requests, no
//!   waiting). A lock request that finds its *own* lock (same id, e.g. a
//!   retried request whose first response was lost) succeeds.
//! - **No stuck lock: a lease.** The lock records `renewed_at` /
//!   `expires_at`; while held, a background task renews it every 10 s for a
//!   60 s lease ([`RENEW_EVERY`], [`LEASE`]; [`S3Store::with_lease`] sets
//!   others), each time with `If-Match: <the lock's own ETag>`, so a lock
//!   someone broke is never rewritten (see `lease.rs`).
//! - **Stale locks are taken over, by one taker.** A lock is stale when its
//!   lease has expired, or when it was taken on this host (same host name
//!   and process table) by a process that is gone ([`process_alive`];
//!   [`LockInfo::staleness`]). [`lock_or_take_over`](StateStore::lock_or_take_over)
//!   replaces a stale lock with `PutObject` + `If-Match: <the stale lock's
//!   ETag>`: of several takers exactly one write matches; the others look
//!   again and are refused naming the new holder. The winner learns whose
//!   lock it replaced and why ([`TakenOver`]).
//! - **A lost lock writes nothing.** When a renewal finds the lock removed
//!   or replaced, the store marks it lost: every later `save` and `unlock`
//!   fails with [`StateError::LockLost`] before writing. `save` also renews
//!   first if renewals have been failing and the lease nears its end.
//! - **Safe unlock.** [`unlock`](StateStore::unlock) and
//!   [`force_unlock`](StateStore::force_unlock) read the lock, compare its id
//!   with the one given ([`StateError::NoSuchLock`] naming the actual holder
//!   otherwise) and delete it with `DeleteObject` + `If-Match: <etag>`, so a
//!   newer lock taken in between is never deleted.
//! - **No lost update.** [`load`](StateStore::load) returns the object's
//!   ETag as the version; [`save`](StateStore::save) writes with
//!   `If-Match: <etag>` (or `If-None-Match: *` when nothing was stored), so of
//!   several writers starting from the same version exactly one wins and the
//!   others get [`StateError::Conflict`]. If the stored object already holds
//!   exactly the bytes being written (a retried request whose first response
//!   was lost), `save` succeeds with the current ETag instead.
//! - **Atomic writes.** A `PutObject` replaces the object whole; readers see
//!   the old document or the new one.
//! - **Refusal, never overwrite.** `load` runs [`parse_state`], which refuses
//!   a corrupt or newer-format object. `save` only ever writes over the
//!   exact object version the caller names, and a caller only has an ETag
//!   from a successful `load` (which parsed that very version); with no
//!   ETag, `If-None-Match: *` refuses to write over *any* existing object,
//!   corrupt or not. An ABA case (the same ETag again after other writes)
//!   cannot arise: every write carries a larger serial, so its bytes, and
//!   its ETag, differ. And `save` refuses a state of another stack or
//!   lineage than the one the store last loaded or saved
//!   ([`StateError::OtherStack`], [`StateError::OtherLineage`]), writing
//!   nothing.
//! - **Encrypted at rest.** Every write (state and lock) asks for
//!   server-side encryption: SSE-KMS with the configured key when one is
//!   given, else SSE-S3 (`AES256`).
//!
//! # Errors
//!
//! SDK errors are classified by their error code
//! ([`ProvideErrorMetadata::code`]) and HTTP status, never by matching the
//! SDK's `Unhandled` variant. Anything unexpected becomes
//! [`StateError::Backend`] with the operation, the location, the code and
//! S3's message; no request, header or credential is ever included.
//! S3's `409 ConditionalRequestConflict` (a concurrent conditional write on
//! the same key still in flight) is retried a few times, briefly.
//!
//! # Tests
//!
//! `tests/` runs every guarantee above against moto's S3 (`s3_store.rs`:
//! locks, CAS, refusals, encryption; `locks.rs`: leases, takeovers, lost
//! locks, identity checks on save), via
//! `stackr-testkit`): each test uses its own moto account (the
//! `x-moto-account-id` header, added by the testkit's interceptor through
//! [`S3Store::with_client`]) and its own bucket.

mod lease;
mod liveness;

pub use lease::{LEASE, Lease, RENEW_EVERY};
pub use liveness::process_alive;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::put_object::builders::PutObjectFluentBuilder;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use lease::Held;
use stackr_state::model::now_unix;
use stackr_state::store::{TakenOver, this_host, this_pid_table};
use stackr_state::{LockInfo, State, StateError, StateStore, Versioned, parse_state, render_state};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The state of one stack in S3 (`s3://bucket/key`, lock at `key.lock`).
/// Clones share the lock they hold and what they loaded: one store (and its
/// clones) is one run.
#[derive(Debug, Clone)]
pub struct S3Store {
    client: Client,
    bucket: String,
    key: String,
    lock_key: String,
    kms_key_id: Option<String>,
    lease: Lease,
    /// The lock this store holds, renewed in the background.
    held: Arc<tokio::sync::Mutex<Option<Held>>>,
    /// Stack and lineage of the state this store last loaded or saved.
    known: Arc<Mutex<Option<(String, String)>>>,
}

/// An S3 client config from a shared [`SdkConfig`]: path-style addressing
/// when an endpoint URL is configured (a local or private endpoint has no
/// `bucket.host` DNS names).
/// That is: when the shared config has one, or `AWS_ENDPOINT_URL_S3` (which
/// the SDK applies to S3 clients only) is set.
pub fn s3_config_builder(config: &SdkConfig) -> aws_sdk_s3::config::Builder {
    let builder = aws_sdk_s3::config::Builder::from(config);
    let s3_endpoint_env = std::env::var_os("AWS_ENDPOINT_URL_S3").is_some_and(|v| !v.is_empty());
    if config.endpoint_url().is_some() || s3_endpoint_env { builder.force_path_style(true) } else { builder }
}

/// How many times a `409 ConditionalRequestConflict` is retried.
const CONFLICT_RETRIES: u32 = 4;
/// How many times `lock` retries when the lock it was refused by vanished
/// before it could be read.
const LOCK_ATTEMPTS: u32 = 5;

/// What an S3 error is, as far as the store cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// 412: an `If-Match` / `If-None-Match` condition did not hold.
    PreconditionFailed,
    /// 404 `NoSuchKey` (HeadObject: `NotFound`).
    NoSuchKey,
    /// 409 `ConditionalRequestConflict`: retry.
    ConditionalConflict,
    Other,
}

fn kind<E: ProvideErrorMetadata>(err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> Kind {
    let code = err.code();
    let status = err.raw_response().map(|r| r.status().as_u16());
    match (code, status) {
        (Some("PreconditionFailed"), _) | (_, Some(412)) => Kind::PreconditionFailed,
        (Some("NoSuchKey" | "NotFound"), _) => Kind::NoSuchKey,
        (Some("ConditionalRequestConflict"), _) | (None, Some(409)) => Kind::ConditionalConflict,
        _ => Kind::Other,
    }
}

impl S3Store {
    /// A store for `s3://bucket/key` with a client made from `config`
    /// (see [`s3_config_builder`]). `kms_key_id`: encrypt with this KMS key
    /// (SSE-KMS) instead of S3-managed keys (SSE-S3).
    pub fn new(config: &SdkConfig, bucket: &str, key: &str, kms_key_id: Option<&str>) -> S3Store {
        S3Store::with_client(Client::from_conf(s3_config_builder(config).build()), bucket, key, kms_key_id)
    }

    /// Same, with a client of one's own (interceptors, timeouts, tests).
    pub fn with_client(client: Client, bucket: &str, key: &str, kms_key_id: Option<&str>) -> S3Store {
        S3Store {
            client,
            bucket: bucket.to_string(),
            key: key.to_string(),
            lock_key: format!("{key}.lock"),
            kms_key_id: kms_key_id.map(str::to_string),
            lease: Lease::default(),
            held: Default::default(),
            known: Default::default(),
        }
    }

    /// The same store with other lease timings (tests use short ones).
    pub fn with_lease(mut self, lease: Lease) -> S3Store {
        self.lease = lease;
        self
    }

    /// The lease timings of this store's locks.
    pub fn lease(&self) -> Lease {
        self.lease
    }

    /// A store on the same objects that shares nothing held (the renewal task's).
    fn detached(&self) -> S3Store {
        S3Store { held: Default::default(), known: Default::default(), ..self.clone() }
    }

    fn location_text(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    fn lock_body(&self, info: &LockInfo) -> Result<Vec<u8>, StateError> {
        serde_json::to_vec_pretty(info).map_err(|e| StateError::Backend {
            location: self.lock_location(),
            message: format!("cannot serialize the lock: {e}"),
        })
    }

    fn etag_of(&self, etag: Option<&str>) -> Result<String, StateError> {
        etag.map(str::to_string).ok_or_else(|| StateError::Backend {
            location: self.lock_location(),
            message: "PutObject (lock): the response has no ETag".into(),
        })
    }

    /// Records `info` (written as `etag`) as the lock this store holds, and
    /// starts renewing it.
    async fn hold(&self, info: LockInfo, etag: String, sent: Instant) {
        let mut held = Held::new(info, etag, sent);
        self.start_renewing(&mut held);
        // A lock held before is replaced (its renewal stops with it).
        *self.held.lock().await = Some(held);
    }

    /// Refuses to save a state of another stack or lineage than the one
    /// this store last loaded or saved.
    fn check_identity(&self, state: &State) -> Result<(), StateError> {
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        let Some((stack, lineage)) = known.as_ref() else { return Ok(()) };
        if state.stack != *stack {
            return Err(StateError::OtherStack {
                location: self.location_text(),
                found: stack.clone(),
                expected: state.stack.clone(),
            });
        }
        if state.lineage != *lineage {
            return Err(StateError::OtherLineage {
                location: self.location_text(),
                found: lineage.clone(),
                expected: state.lineage.clone(),
            });
        }
        Ok(())
    }

    fn remember(&self, state: &State) {
        *self.known.lock().unwrap_or_else(|p| p.into_inner()) = Some((state.stack.clone(), state.lineage.clone()));
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The state object's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The lock object's key (`<key>.lock`).
    pub fn lock_key(&self) -> &str {
        &self.lock_key
    }

    fn lock_location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.lock_key)
    }

    /// A `Backend` error for an unexpected SDK failure: operation, object,
    /// S3's code and message (or the transport error chain); nothing else.
    fn backend<E>(&self, op: &str, key: &str, err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> StateError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let status = err.raw_response().map(|r| r.status().as_u16());
        let detail = match (err.code(), status) {
            (Some("NoSuchBucket"), _) => {
                format!("the bucket `{}` does not exist (create it, or fix the stack's `state` settings)", self.bucket)
            }
            (Some(code), status) => format!(
                "{code}{}{}",
                err.message().map(|m| format!(": {m}")).unwrap_or_default(),
                status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
            ),
            (None, Some(status)) => format!("HTTP {status} with no error code"),
            (None, None) => DisplayErrorContext(err).to_string(),
        };
        StateError::Backend { location: format!("s3://{}/{key}", self.bucket), message: format!("{op}: {detail}") }
    }

    /// A PutObject of `body` to `key`, encrypted as configured.
    fn put(&self, key: &str, body: Vec<u8>) -> PutObjectFluentBuilder {
        let req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(body));
        match &self.kms_key_id {
            Some(kms) => req.server_side_encryption(ServerSideEncryption::AwsKms).ssekms_key_id(kms),
            None => req.server_side_encryption(ServerSideEncryption::Aes256),
        }
    }

    /// Sends a PutObject, retrying S3's `409 ConditionalRequestConflict`.
    async fn send_put(
        &self,
        make: impl Fn() -> PutObjectFluentBuilder,
    ) -> Result<
        aws_sdk_s3::operation::put_object::PutObjectOutput,
        SdkError<aws_sdk_s3::operation::put_object::PutObjectError, aws_sdk_s3::config::http::HttpResponse>,
    > {
        let mut attempt = 0;
        loop {
            match make().send().await {
                Err(e) if kind(&e) == Kind::ConditionalConflict && attempt < CONFLICT_RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
                }
                other => return other,
            }
        }
    }

    /// Reads an object: `None` when it does not exist, else its bytes and ETag.
    async fn get(&self, key: &str) -> Result<Option<(Vec<u8>, String)>, StateError> {
        let out = match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(out) => out,
            Err(e) if kind(&e) == Kind::NoSuchKey => return Ok(None),
            Err(e) => return Err(self.backend("GetObject", key, &e)),
        };
        let etag = out.e_tag().map(str::to_string).ok_or_else(|| StateError::Backend {
            location: format!("s3://{}/{key}", self.bucket),
            message: "GetObject: the response has no ETag".into(),
        })?;
        let body = out.body.collect().await.map_err(|e| StateError::Backend {
            location: format!("s3://{}/{key}", self.bucket),
            message: format!("GetObject: reading the body failed: {}", DisplayErrorContext(&e)),
        })?;
        Ok(Some((body.into_bytes().to_vec(), etag)))
    }

    /// The lock object, if any, with its ETag. A lock object that does not
    /// parse (written by hand, truncated) still names a holder: its ETag
    /// (without quotes) stands as the lock id, so `stackr unlock` can remove it.
    async fn read_lock(&self) -> Result<Option<(LockInfo, String)>, StateError> {
        let Some((bytes, etag)) = self.get(&self.lock_key).await? else { return Ok(None) };
        let info = serde_json::from_slice::<LockInfo>(&bytes).unwrap_or_else(|e| LockInfo {
            id: etag.trim_matches('"').to_string(),
            who: format!("unknown (unreadable lock object: {e})"),
            host: "unknown".into(),
            pid: 0,
            command: "unknown".into(),
            started_at: 0,
            renewed_at: None,
            expires_at: None,
            pid_table: None,
        });
        Ok(Some((info, etag)))
    }

    /// Deletes the lock if its id is `id`; returns what it held.
    async fn remove_lock(&self, id: &str) -> Result<LockInfo, StateError> {
        let no_such = |held: Option<LockInfo>| StateError::NoSuchLock {
            location: self.lock_location(),
            id: id.to_string(),
            held: held.map(Box::new),
        };
        let Some((info, etag)) = self.read_lock().await? else { return Err(no_such(None)) };
        if info.id != id {
            return Err(no_such(Some(info)));
        }
        self.delete_lock(info, &etag).await
    }

    /// Deletes the lock object if it is still version `etag`; returns `info`.
    async fn delete_lock(&self, info: LockInfo, etag: &str) -> Result<LockInfo, StateError> {
        let id = info.id.clone();
        let no_such = |held: Option<LockInfo>| StateError::NoSuchLock {
            location: self.lock_location(),
            id: id.clone(),
            held: held.map(Box::new),
        };
        let mut attempt = 0;
        loop {
            let res = self.client.delete_object().bucket(&self.bucket).key(&self.lock_key).if_match(etag).send().await;
            match res {
                Ok(_) => return Ok(info),
                Err(e) => match kind(&e) {
                    Kind::ConditionalConflict if attempt < CONFLICT_RETRIES => {
                        attempt += 1;
                        tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
                    }
                    // Replaced by a newer lock since it was read: leave that one.
                    Kind::PreconditionFailed => {
                        return Err(no_such(self.read_lock().await?.map(|(held, _)| held)));
                    }
                    // Removed by someone else in between.
                    Kind::NoSuchKey => return Err(no_such(None)),
                    _ => return Err(self.backend("DeleteObject", &self.lock_key, &e)),
                },
            }
        }
    }
}

#[async_trait]
impl StateStore for S3Store {
    fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    async fn lock(&self, info: &LockInfo) -> Result<(), StateError> {
        self.lock_or_take_over(info).await.map(|_| ())
    }

    async fn lock_or_take_over(&self, info: &LockInfo) -> Result<Option<TakenOver>, StateError> {
        let (here, pids) = (this_host(), this_pid_table());
        for _ in 0..LOCK_ATTEMPTS {
            let mut mine = info.clone();
            self.lease.stamp(&mut mine, now_unix());
            let body = self.lock_body(&mine)?;
            let sent = Instant::now();
            match self.send_put(|| self.put(&self.lock_key, body.clone()).if_none_match("*")).await {
                Ok(out) => {
                    let etag = self.etag_of(out.e_tag())?;
                    self.hold(mine, etag, sent).await;
                    return Ok(None);
                }
                Err(e) if kind(&e) == Kind::PreconditionFailed => {}
                Err(e) => return Err(self.backend("PutObject (lock)", &self.lock_key, &e)),
            }
            let Some((holder, etag)) = self.read_lock().await? else {
                // Released between our attempt and the read: try again.
                continue;
            };
            if holder.id == info.id {
                // Our own lock: a retried request whose first answer was lost.
                self.hold(holder, etag, sent).await;
                return Ok(None);
            }
            let Some(reason) = holder.staleness(now_unix(), &here, pids.as_deref(), process_alive) else {
                return Err(StateError::Locked { location: self.location(), holder: Box::new(holder) });
            };
            // Stale: replace exactly the version read. Of several takers
            // only one write matches; the others look again and are refused
            // naming the winner.
            let sent = Instant::now();
            match self.send_put(|| self.put(&self.lock_key, body.clone()).if_match(&etag)).await {
                Ok(out) => {
                    let new_etag = self.etag_of(out.e_tag())?;
                    self.hold(mine, new_etag, sent).await;
                    return Ok(Some(TakenOver { previous: holder, reason }));
                }
                Err(e) if matches!(kind(&e), Kind::PreconditionFailed | Kind::NoSuchKey) => continue,
                Err(e) => return Err(self.backend("PutObject (lock takeover)", &self.lock_key, &e)),
            }
        }
        Err(StateError::Backend {
            location: self.lock_location(),
            message: format!(
                "the lock was taken and released {LOCK_ATTEMPTS} times while trying to take it; try again"
            ),
        })
    }

    async fn unlock(&self, id: &str) -> Result<(), StateError> {
        let mut guard = self.held.lock().await;
        match guard.take() {
            Some(held) if held.info.id == id => {
                drop(guard);
                if let Some(reason) = &held.lost {
                    return Err(self.lock_lost(reason));
                }
                let etag = held.etag.clone();
                match self.delete_lock(held.info.clone(), &etag).await {
                    Ok(_) => Ok(()),
                    // Gone: a retry of this delete whose first attempt landed
                    // (its response lost) finds nothing; either way the lock
                    // is released.
                    Err(StateError::NoSuchLock { held: None, .. }) => Ok(()),
                    // Not the object this store wrote any more.
                    Err(StateError::NoSuchLock { .. }) => Err(self.lock_lost(&self.why_lost().await)),
                    Err(e) => Err(e),
                }
            }
            other => {
                *guard = other;
                drop(guard);
                self.remove_lock(id).await.map(|_| ())
            }
        }
    }

    async fn lock_holder(&self) -> Result<Option<LockInfo>, StateError> {
        Ok(self.read_lock().await?.map(|(info, _)| info))
    }

    async fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        let removed = self.remove_lock(id).await?;
        let mut guard = self.held.lock().await;
        if guard.as_ref().is_some_and(|h| h.info.id == id) {
            *guard = None;
        }
        Ok(removed)
    }

    async fn load(&self) -> Result<Option<Versioned>, StateError> {
        let Some((bytes, etag)) = self.get(&self.key).await? else { return Ok(None) };
        let state = parse_state(&bytes, &self.location())?;
        self.remember(&state);
        Ok(Some(Versioned { state, version: etag }))
    }

    async fn save(&self, state: &State, expected: Option<&str>) -> Result<String, StateError> {
        self.check_identity(state)?;
        self.check_held().await?;
        let body = render_state(state);
        let res = self
            .send_put(|| {
                let req = self.put(&self.key, body.clone());
                match expected {
                    Some(etag) => req.if_match(etag),
                    None => req.if_none_match("*"),
                }
            })
            .await;
        let conflict = || StateError::Conflict { location: self.location(), expected: expected.map(str::to_string) };
        match res {
            Ok(out) => {
                self.remember(state);
                out.e_tag().map(str::to_string).ok_or_else(|| StateError::Backend {
                    location: self.location(),
                    message: "PutObject: the response has no ETag".into(),
                })
            }
            // 412: changed since read. 404 on If-Match: deleted since read.
            Err(e) if matches!(kind(&e), Kind::PreconditionFailed | Kind::NoSuchKey) => {
                // Unless what is stored is exactly this write (our own earlier
                // attempt, whose answer was lost): then it did succeed.
                match self.get(&self.key).await {
                    Ok(Some((stored, etag))) if stored == body => {
                        self.remember(state);
                        Ok(etag)
                    }
                    _ => Err(conflict()),
                }
            }
            Err(e) => Err(self.backend("PutObject", &self.key, &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::config::http::HttpResponse;
    use aws_sdk_s3::error::ErrorMetadata;
    use aws_sdk_s3::operation::put_object::PutObjectError;
    use aws_sdk_s3::primitives::SdkBody;
    use aws_smithy_runtime_api::http::StatusCode;

    fn err(code: Option<&str>, status: u16) -> SdkError<PutObjectError, HttpResponse> {
        let mut meta = ErrorMetadata::builder().message("S3 says no");
        if let Some(code) = code {
            meta = meta.code(code);
        }
        SdkError::service_error(
            PutObjectError::generic(meta.build()),
            HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty()),
        )
    }

    #[test]
    fn errors_are_classified_by_code_and_status() {
        assert_eq!(kind(&err(Some("PreconditionFailed"), 412)), Kind::PreconditionFailed);
        assert_eq!(kind(&err(None, 412)), Kind::PreconditionFailed);
        assert_eq!(kind(&err(Some("NoSuchKey"), 404)), Kind::NoSuchKey);
        assert_eq!(kind(&err(Some("NotFound"), 404)), Kind::NoSuchKey);
        assert_eq!(kind(&err(Some("ConditionalRequestConflict"), 409)), Kind::ConditionalConflict);
        assert_eq!(kind(&err(None, 409)), Kind::ConditionalConflict);
        // Another 409 with a code of its own is not a conditional-write race.
        assert_eq!(kind(&err(Some("OperationAborted"), 409)), Kind::Other);
        assert_eq!(kind(&err(Some("AccessDenied"), 403)), Kind::Other);
        assert_eq!(kind(&err(Some("NoSuchBucket"), 404)), Kind::Other);
    }

    #[test]
    fn backend_errors_name_operation_object_code_and_message() {
        let config = SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build();
        let store = S3Store::new(&config, "b", "k.json", None);
        let msg = store.backend("PutObject", "k.json", &err(Some("AccessDenied"), 403)).to_string();
        assert_eq!(msg, "s3://b/k.json: PutObject: AccessDenied: S3 says no (HTTP 403)");
        let msg = store.backend("GetObject", "k.json", &err(Some("NoSuchBucket"), 404)).to_string();
        assert!(msg.contains("the bucket `b` does not exist"), "{msg}");
        let msg = store.backend("GetObject", "k.json", &err(None, 500)).to_string();
        assert_eq!(msg, "s3://b/k.json: GetObject: HTTP 500 with no error code");
    }

    #[test]
    fn the_lock_lives_beside_the_state() {
        let config = SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build();
        let store = S3Store::new(&config, "bucket", "wordpress/prod.json", Some("alias/state"));
        assert_eq!(store.location(), "s3://bucket/wordpress/prod.json");
        assert_eq!(store.lock_key(), "wordpress/prod.json.lock");
    }
}

//! Service-neutral helpers around AWS calls: the usual refusals as typed
//! errors, "not found is fine", short in-call waits and paginated listing.

use crate::error::{is, provider};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use stackr_core::schema::{TypeSchema, Update};
use stackr_core::value::Value;
use stackr_engine::reconciler::{ErrorKind, Props, ProviderError};
use std::future::Future;
use std::time::{Duration, Instant};

/// A call's result where the listed codes are fine too ("not found" for a
/// delete: already gone; "duplicate" for an add: already there).
pub fn tolerate<T, E, R>(call: &str, r: Result<T, SdkError<E, R>>, fine: &[&str]) -> Result<(), ProviderError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match r {
        Ok(_) => Ok(()),
        Err(e) if is(&e, fine) => Ok(()),
        Err(e) => Err(provider(call, e)),
    }
}

/// A call whose answer is not needed, its error mapped as `provider` does:
/// `done("PutRetentionPolicy", call.send().await)?`.
pub fn done<T, E, R>(call: &str, r: Result<T, SdkError<E, R>>) -> Result<(), ProviderError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    tolerate(call, r, &[])
}

/// Whether every one of `fields` is known (neither `Value::Unknown` nor
/// holding one): a plan-time `check` that needs a field not yet known
/// passes, and the same rule is checked again when the call is made.
pub fn known(p: &Props, fields: &[&str]) -> bool {
    fields.iter().all(|f| !p.get(*f).is_some_and(Value::contains_unknown))
}

/// Bad input: will fail again as is.
pub fn invalid(message: impl Into<String>) -> ProviderError {
    ProviderError::new(ErrorKind::Invalid, message)
}

/// What a call just made or changed is not visible.
pub fn vanished(what: &str, id: &str) -> ProviderError {
    ProviderError::new(
        ErrorKind::Other,
        format!("{what} {id} is not visible right after the call that made or changed it"),
    )
}

/// The error for a field of `changed` the type cannot update in place.
pub fn not_in_place(what: &str, field: &str) -> ProviderError {
    invalid(format!("`{field}` of {what} cannot change in place"))
}

/// The partition of a region (for ARNs).
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

/// Whether every replace-only property the request sets has that value live.
pub fn same_fixed(schema: &TypeSchema, live: &Props, wanted: &Props) -> bool {
    schema.properties.iter().filter(|p| p.update == Update::Replace).all(|p| match wanted.get(p.name) {
        None | Some(Value::Null) => true,
        Some(w) => live.get(p.name) == Some(w),
    })
}

/// Polls `f` until it yields a value, pausing 0.5 s doubling to 5 s,
/// for at most `timeout`; `what` names the wait in the timeout error. For
/// short waits inside one call (a resource just made becoming visible);
/// long ones are the engine's (`readiness`, `deleted`). In AWS time
/// (`stackr_engine::clock`).
pub async fn poll<T, F, Fut>(what: &str, timeout: Duration, mut f: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, ProviderError>>,
{
    let deadline = stackr_engine::clock::deadline(timeout);
    let mut pause = Duration::from_millis(500);
    loop {
        if let Some(v) = f().await? {
            return Ok(v);
        }
        if Instant::now() >= deadline {
            return Err(ProviderError::new(
                ErrorKind::Other,
                format!("timed out after {timeout:?} waiting for {what}"),
            ));
        }
        stackr_engine::clock::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}

/// How long something just made may stay invisible to other calls.
pub const PROPAGATION: Duration = Duration::from_secs(30);

/// Runs a call that follows a create (or names something just made),
/// retrying its "not found" errors (codes ending in `NotFound` or
/// `NotFoundException`) for [`PROPAGATION`]: AWS's control planes are
/// eventually consistent, and what was just made may not be visible to
/// the next call.
pub async fn eventually<T, E, R, F, Fut>(call: &str, mut f: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, R>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let deadline = stackr_engine::clock::deadline(PROPAGATION);
    let mut pause = Duration::from_millis(500);
    loop {
        match f().await {
            Ok(v) => return Ok(v),
            Err(e)
                if Instant::now() < deadline
                    && crate::error::code(&e)
                        .is_some_and(|c| c.ends_with("NotFound") || c.ends_with("NotFoundException")) =>
            {
                stackr_engine::clock::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(provider(call, e)),
        }
    }
}

/// Every page's items of a paginated call:
/// `collect!(client.list_queues(), queue_urls, "ListQueues")`.
#[macro_export]
macro_rules! collect {
    ($call:expr, $items:ident, $name:literal) => {{
        let mut out = Vec::new();
        let mut pages = $call.into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| $crate::error::provider($name, e))?;
            out.extend(page.$items.unwrap_or_default());
        }
        out
    }};
}

/// `desired` with AWS's default (`reset`) put in for each `changed` field
/// the stack no longer sets (`Reconciler::resets`), so an update writes
/// the default back as it writes any other value.
pub fn with_resets(desired: &Props, changed: &[String], reset: impl Fn(&str) -> Option<Value>) -> Props {
    let mut out = desired.clone();
    for f in changed {
        if !out.contains_key(f)
            && let Some(v) = reset(f)
        {
            out.insert(f.clone(), v);
        }
    }
    out
}

//! Turning SDK errors into the engine's [`ProviderError`], by AWS error
//! code (never by matching deprecated `Unhandled` variants).

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use stackr_engine::reconciler::{ErrorKind, ProviderError};

/// Codes that mean "in use / not yet released": worth retrying after a
/// pause (AWS's eventual consistency), e.g. DependencyViolation while a
/// VPC's network interfaces drain.
const RETRYABLE: &[&str] = &[
    "DependencyViolation",
    "InvalidGroup.InUse",
    "ResourceInUse",
    "ResourceInUseException",
    "DeleteConflict",
    "IncorrectState",
    "InvalidNatGatewayID.NotFound",
    "OperationAborted",
    "ConcurrentModification",
    "ConcurrentModificationException",
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
];

/// The AWS error code of an SDK error, if it has one.
pub fn code<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> Option<String> {
    match e {
        SdkError::ServiceError(s) => s.err().code().map(str::to_string),
        _ => None,
    }
}

/// Whether the error is one of `codes` (typically "not found" codes).
pub fn is<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>, codes: &[&str]) -> bool {
    code(e).is_some_and(|c| codes.contains(&c.as_str()))
}

/// Whether the call may have taken effect although it failed: no response
/// came back (timeout, connection lost, unreadable answer) or AWS answered
/// with a 5xx. A throttled call (the SDK's last attempt) did nothing.
fn unsure<E, R: 'static>(e: &SdkError<E, R>) -> bool {
    match e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
        SdkError::ServiceError(s) => {
            let raw: &dyn std::any::Any = s.raw();
            raw.downcast_ref::<aws_smithy_runtime_api::http::Response>().is_some_and(|r| r.status().is_server_error())
        }
        _ => false,
    }
}

/// Classifies an SDK error for the engine, naming the call.
pub fn provider<E, R>(call: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let code = code(&e);
    let message = match &e {
        SdkError::ServiceError(s) => {
            format!("{call}: {} ({})", s.err().message().unwrap_or("no message"), code.as_deref().unwrap_or("no code"))
        }
        other => format!("{call}: {}", aws_smithy_types::error::display::DisplayErrorContext(other)),
    };
    let kind = match code.as_deref() {
        Some(c) if RETRYABLE.contains(&c) => ErrorKind::Retryable,
        _ if unsure(&e) => ErrorKind::Unsure,
        // "Already exists" may be the echo of this very create, retried by
        // the SDK after its first answer was lost: not plain bad input.
        Some(c) if c.contains("AlreadyExists") || c.contains("Duplicate") => ErrorKind::Other,
        Some(c) if c.starts_with("Invalid") || c.starts_with("Validation") || c.starts_with("Malformed") => {
            ErrorKind::Invalid
        }
        _ => ErrorKind::Other,
    };
    ProviderError::new(kind, message)
}

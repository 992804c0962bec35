//! Turning SDK errors into the engine's [`ProviderError`], by AWS error
//! code (never by matching deprecated `Unhandled` variants).

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use stackr_engine::reconciler::{ErrorKind, ProviderError};

/// Codes that mean "in use / not yet released" or "slow down" for every
/// operation: worth retrying after a pause (AWS's eventual consistency),
/// e.g. DependencyViolation while a VPC's network interfaces drain. Codes
/// that are "not yet" for some operations only are listed by each service
/// ([`crate::transient`]); every other code is final, and one starting with
/// `Invalid`, `Validation` or `Malformed` is bad input.
const RETRYABLE: &[&str] = &[
    "DependencyViolation",
    "InvalidGroup.InUse",
    "ResourceInUse",
    "ResourceInUseException",
    "IncorrectState",
    "OperationAborted",
    // CloudWatch Logs: "Multiple concurrent requests to update the same
    // resource were in conflict" (e.g. Lambda creating the log group too),
    // https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
    "OperationAbortedException",
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

/// The HTTP status of a raw answer, when it is an HTTP response.
fn status<R: 'static>(raw: &R) -> Option<u16> {
    let raw: &dyn std::any::Any = raw;
    raw.downcast_ref::<aws_smithy_runtime_api::http::Response>().map(|r| r.status().as_u16())
}

/// An error without an AWS answer in one line a person can act on: the
/// chain of causes (never the SDK's debug dump), and what to do about
/// missing credentials or an answer that is not AWS's.
fn one_line<E, R>(call: &str, e: &SdkError<E, R>) -> String
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    let chain = parts.join(": ");
    match e {
        _ if chain.contains("credentials") => format!(
            "{call}: no usable AWS credentials ({}); stackr reads the standard chain: set AWS_PROFILE, or \
             AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            parts.last().map(String::as_str).unwrap_or("none found")
        ),
        SdkError::ResponseError(r) => match status(r.raw()) {
            Some(st) => {
                format!("{call}: HTTP {st} with an answer that is not AWS's (a proxy, or a wrong AWS_ENDPOINT_URL?)")
            }
            None => format!("{call}: {chain}"),
        },
        SdkError::TimeoutError(_) => format!("{call}: AWS did not answer in time ({chain})"),
        SdkError::DispatchFailure(_) => format!("{call}: cannot reach AWS ({chain})"),
        _ => format!("{call}: {chain}"),
    }
}

/// Classifies an SDK error for the engine, naming the call.
pub fn provider<E, R>(call: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let code = code(&e);
    let aws_message = match &e {
        SdkError::ServiceError(s) => s.err().message().unwrap_or("no message").to_string(),
        _ => String::new(),
    };
    let message = match &e {
        SdkError::ServiceError(s) if code.is_none() => match status(s.raw()) {
            // Not AWS's answer: a proxy, a captive portal, a wrong endpoint.
            Some(st) => {
                format!("{call}: HTTP {st} without an AWS error in the answer (a proxy, or a wrong AWS_ENDPOINT_URL?)")
            }
            None => format!("{call}: {aws_message} (no code)"),
        },
        SdkError::ServiceError(_) => format!("{call}: {aws_message} ({})", code.as_deref().unwrap_or("no code")),
        other => one_line(call, other),
    };
    // "Not yet" for this operation, as its service lists it.
    if let Some(t) = code.as_deref().and_then(|c| crate::transient::lookup(call, c, &aws_message)) {
        return ProviderError::not_yet(message, t.window);
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::operation::create_service::CreateServiceError;
    use aws_smithy_runtime_api::http::Response;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    /// AWS's answer `code` / `message` to `call`, through the same
    /// classification every reconciler uses.
    fn classify(call: &str, code: &str, message: &str) -> ProviderError {
        let err = CreateServiceError::generic(ErrorMetadata::builder().code(code).message(message).build());
        let raw = Response::new(400u16.try_into().expect("status"), SdkBody::empty());
        provider(call, SdkError::service_error(err, raw))
    }

    /// Each "not yet" refusal of the realistic local AWS and of the AWS
    /// docs is retried; the same code meaning a real mistake is not.
    #[test]
    fn not_yet_is_retried_and_a_mistake_is_not() {
        let cases: &[(&str, &str, &str, ErrorKind)] = &[
            (
                "CreateService",
                "InvalidParameterException",
                "Unable to assume role and validate the specified targetGroupArn",
                ErrorKind::Retryable,
            ),
            (
                "CreateService",
                "InvalidParameterException",
                "The target group with targetGroupArn arn:x does not have an associated load balancer.",
                ErrorKind::Retryable,
            ),
            (
                "CreateService",
                "InvalidParameterException",
                "Unable to assume the service linked role. Please verify that the ECS service linked role exists.",
                ErrorKind::Retryable,
            ),
            ("CreateService", "InvalidParameterException", "Invalid revision number. Number: 0", ErrorKind::Invalid),
            (
                "DeleteCluster",
                "ClusterContainsServicesException",
                "The Cluster cannot be deleted while Services are active.",
                ErrorKind::Retryable,
            ),
            (
                "ModifyDBCluster",
                "InvalidDBClusterStateFault",
                "DB cluster is not available for modification with status creating",
                ErrorKind::Retryable,
            ),
            (
                "CreateDBInstance",
                "InvalidDBClusterStateFault",
                "The cluster is not in the available state",
                ErrorKind::Retryable,
            ),
            ("CreateDBCluster", "InvalidParameterValue", "Invalid engine version", ErrorKind::Invalid),
            ("ModifyDBInstance", "InvalidDBInstanceState", "Instance is not available", ErrorKind::Retryable),
            ("DeleteDBSubnetGroup", "InvalidDBSubnetGroupStateFault", "in use", ErrorKind::Retryable),
            (
                "PutLifecycleConfiguration",
                "IncorrectFileSystemLifeCycleState",
                "File system is in creating state",
                ErrorKind::Retryable,
            ),
            ("CreateMountTarget", "IncorrectFileSystemLifeCycleState", "creating", ErrorKind::Retryable),
            ("DeleteFileSystem", "FileSystemInUse", "has mount targets", ErrorKind::Retryable),
            ("ModifyCacheCluster", "InvalidCacheClusterState", "not in the available state", ErrorKind::Retryable),
            ("DeleteCacheSubnetGroup", "CacheSubnetGroupInUse", "in use", ErrorKind::Retryable),
            ("CreateLoadBalancer", "InvalidSubnet", "VPC vpc-1 has no internet gateway", ErrorKind::Retryable),
            ("CreateLoadBalancer", "InvalidSubnet", "The subnet ID 'subnet-x' is not valid", ErrorKind::Invalid),
            ("CreateListener", "CertificateNotFound", "Certificate 'arn' not found", ErrorKind::Retryable),
            (
                "CreateDistributionWithTags",
                "InvalidViewerCertificate",
                "The specified SSL certificate doesn't exist",
                ErrorKind::Retryable,
            ),
            ("ChangeResourceRecordSets", "PriorRequestNotComplete", "The request was rejected", ErrorKind::Retryable),
            (
                "ChangeResourceRecordSets",
                "InvalidChangeBatch",
                "Tried to create resource record set but it already exists",
                ErrorKind::Invalid,
            ),
            (
                "CreateWebACL",
                "WAFUnavailableEntityException",
                "AWS WAF couldn't retrieve the resource",
                ErrorKind::Retryable,
            ),
            ("DeleteIPSet", "WAFAssociatedItemException", "in use", ErrorKind::Retryable),
            (
                "CreateRole",
                "MalformedPolicyDocument",
                "Invalid principal in policy: \"AWS\":\"arn:aws:iam::1:role/x\"",
                ErrorKind::Retryable,
            ),
            ("CreateRole", "MalformedPolicyDocument", "Syntax errors in policy.", ErrorKind::Invalid),
            (
                "DeleteSecurityGroup",
                "DependencyViolation",
                "resource sg-1 has a dependent object",
                ErrorKind::Retryable,
            ),
            ("DeleteCertificate", "ResourceInUseException", "in use", ErrorKind::Retryable),
            // A state code of one operation is not "not yet" for another.
            ("RegisterTaskDefinition", "InvalidParameterException", "Unable to assume role", ErrorKind::Invalid),
        ];
        for (call, code, message, want) in cases {
            let got = classify(call, code, message);
            assert_eq!(got.kind, *want, "{call} {code} \"{message}\": {}", got.message);
            assert!(got.message.contains(code), "the code is kept in the message: {}", got.message);
        }
    }

    #[test]
    fn codes_a_mistake_shares_are_retried_for_a_window_only() {
        let e = classify("CreateDistributionWithTags", "InvalidViewerCertificate", "not issued");
        assert!(e.retry_within.is_some_and(|w| w <= std::time::Duration::from_secs(15 * 60)), "{e:?}");
        let e = classify("ModifyDBCluster", "InvalidDBClusterStateFault", "creating");
        assert_eq!(e.retry_within, None, "state codes are retried until the operation's timeout");
    }

    /// Errors without an AWS answer are one line, never the SDK's dump.
    #[test]
    fn answers_that_are_not_aws_and_missing_credentials_are_one_human_line() {
        // A proxy's HTML 403: no AWS error code in it.
        let err = CreateServiceError::generic(ErrorMetadata::builder().build());
        let raw = Response::new(403u16.try_into().expect("status"), SdkBody::from("<html>denied</html>"));
        let e = provider("CreateService", SdkError::service_error(err, raw));
        assert!(e.message.contains("HTTP 403") && e.message.contains("proxy"), "{}", e.message);

        let cause: Box<dyn std::error::Error + Send + Sync> =
            "an error occurred while loading credentials: no providers in chain provided credentials".into();
        let failure = aws_smithy_runtime_api::client::result::ConnectorError::other(cause, None);
        let e = provider("DescribeVpcs", SdkError::<CreateServiceError, Response>::dispatch_failure(failure));
        assert!(e.message.starts_with("DescribeVpcs: no usable AWS credentials"), "{}", e.message);
        assert!(e.message.contains("AWS_PROFILE") && !e.message.contains("DispatchFailure"), "{}", e.message);
        assert!(!e.message.contains('\n'));
    }
}

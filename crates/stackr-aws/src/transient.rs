//! Which AWS refusals mean "not yet", by operation and error code.
//!
//! Many AWS codes that look final are, for one operation, AWS's way of
//! saying "too early": a role made seconds ago that ECS cannot assume yet,
//! an Aurora cluster still `creating`, a file system not yet `available`, a
//! certificate issued a minute ago that ELB does not know yet. Taking them
//! as bad input stops a first apply on a real account; retrying every
//! `Invalid*` code would make real mistakes wait out a timeout. So each
//! service names, in its own module, which codes are transient for which of
//! its operations ([`Transient`]), citing the AWS page that says so; a code
//! is retried only for the operations listed, and only while its message
//! says what the entry expects when it names a part of it.
//!
//! Codes that mean "in use" or "slow down" for every operation of every
//! service (DependencyViolation, ResourceInUse, throttling) are in
//! `error.rs`'s general list.

use std::time::Duration;

/// One "not yet" refusal of one or more operations.
#[derive(Debug, Clone, Copy)]
pub struct Transient {
    /// AWS operation names, as `error::provider` is told them.
    pub operations: &'static [&'static str],
    /// The AWS error code.
    pub code: &'static str,
    /// A part of the message (compared case-insensitively) that tells the
    /// transient case from a real mistake under the same code; `None` when
    /// the code alone says it.
    pub message: Option<&'static str>,
    /// Retried for at most this long (AWS time) from the operation's start,
    /// for codes that a real mistake also produces; `None`: until the
    /// operation's timeout.
    pub window: Option<Duration>,
}

const fn minutes(m: u64) -> Option<Duration> {
    Some(Duration::from_secs(m * 60))
}

/// Every service's list.
const ALL: &[&[Transient]] = &[
    crate::ec2::TRANSIENT,
    crate::ssm::TRANSIENT,
    crate::ecs::TRANSIENT,
    crate::rds::TRANSIENT,
    crate::efs::TRANSIENT,
    crate::elasticache::TRANSIENT,
    crate::elbv2::TRANSIENT,
    crate::cloudfront::TRANSIENT,
    crate::route53::TRANSIENT,
    crate::wafv2::TRANSIENT,
    crate::iam::TRANSIENT,
    crate::applicationautoscaling::TRANSIENT,
    crate::kms::TRANSIENT,
    crate::s3::TRANSIENT,
    crate::lambda::TRANSIENT,
    crate::dynamodb::TRANSIENT,
];

/// The entry that makes `code` (with `message`) transient for `operation`.
pub fn lookup(operation: &str, code: &str, message: &str) -> Option<&'static Transient> {
    let message = message.to_ascii_lowercase();
    ALL.iter().flat_map(|list| list.iter()).find(|t| {
        t.code == code
            && t.operations.contains(&operation)
            && t.message.is_none_or(|m| message.contains(&m.to_ascii_lowercase()))
    })
}

/// Shorthand for the service lists: retried until the operation's timeout.
pub const fn until_timeout(
    operations: &'static [&'static str],
    code: &'static str,
    message: Option<&'static str>,
) -> Transient {
    Transient { operations, code, message, window: None }
}

/// Shorthand for codes a real mistake also produces: retried `m` minutes.
pub const fn for_minutes(
    operations: &'static [&'static str],
    code: &'static str,
    message: Option<&'static str>,
    m: u64,
) -> Transient {
    Transient { operations, code, message, window: minutes(m) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_transient_only_for_the_operations_listed() {
        let role = "Unable to assume role and validate the specified targetGroupArn";
        assert!(lookup("CreateService", "InvalidParameterException", role).is_some());
        assert!(lookup("RegisterTaskDefinition", "InvalidParameterException", role).is_none());
    }

    #[test]
    fn a_message_part_tells_not_yet_from_a_mistake() {
        let not_yet = "The target group with targetGroupArn arn:... does not have an associated load balancer.";
        assert!(lookup("CreateService", "InvalidParameterException", not_yet).is_some());
        let mistake = "Invalid revision number. Number: 0";
        assert!(lookup("CreateService", "InvalidParameterException", mistake).is_none());
    }

    #[test]
    fn state_codes_are_transient_for_modify_and_delete() {
        assert!(
            lookup("ModifyDBCluster", "InvalidDBClusterStateFault", "is not currently in the available state")
                .is_some()
        );
        assert!(lookup("PutLifecycleConfiguration", "IncorrectFileSystemLifeCycleState", "creating").is_some());
        assert!(lookup("ModifyCacheCluster", "InvalidCacheClusterState", "").is_some());
        assert!(
            lookup("CreateDistributionWithTags", "InvalidViewerCertificate", "").is_some_and(|t| t.window.is_some())
        );
        assert!(lookup("CreateWebACL", "WAFUnavailableEntityException", "").is_some());
    }

    #[test]
    fn codes_a_mistake_also_gives_are_retried_for_a_while_only() {
        let nat = lookup("CreateRoute", "InvalidNatGatewayID.NotFound", "").expect("listed");
        assert_eq!(nat.window, minutes(2));
        let conflict = lookup("DeletePolicy", "DeleteConflict", "Cannot delete a policy attached to entities.");
        assert!(conflict.is_some_and(|t| t.window.is_some()));
        let eni = "The provided execution role does not have permissions to call CreateNetworkInterface on EC2";
        assert!(lookup("CreateFunction", "InvalidParameterValueException", eni).is_some());
        assert!(lookup("CreateFunction", "InvalidParameterValueException", "Unzipped size must be smaller").is_none());
        assert!(lookup("DeleteHostedZone", "PriorRequestNotComplete", "").is_some());
        assert!(lookup("DeleteDBInstance", "InvalidDBClusterStateFault", "").is_some());
        assert!(lookup("PutParameter", "TooManyUpdates", "").is_some());
    }

    #[test]
    fn every_entry_names_operations() {
        for t in ALL.iter().flat_map(|l| l.iter()) {
            assert!(!t.operations.is_empty(), "{t:?}");
            assert!(!t.code.is_empty(), "{t:?}");
        }
    }
}

//! AWS Lambda reconcilers: functions and permissions (statements of a
//! function's resource-based policy), one file per type.

mod function;
mod permission;

pub use function::Function;
pub use permission::Permission;

use crate::clients::Clients;
use async_trait::async_trait;
use stackr_engine::reconciler::{ProviderError, Providers};
use std::collections::BTreeMap;
use std::sync::Arc;

/// "Not yet" refusals of Lambda (see [`crate::transient`]):
/// - `ResourceConflictException` on a change while the function's State is
///   Pending or its LastUpdateStatus is InProgress ("The operation cannot be
///   performed at this time. An update is in progress for resource", HTTP
///   409,
///   <https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html>,
///   <https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html>,
///   <https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html>).
///   On CreateFunction the same code means "already exists" (adopted), so
///   it is listed for the updates only.
/// - `InvalidParameterValueException` "The role defined for the function
///   cannot be assumed by Lambda" for a role IAM made seconds ago (IAM is
///   eventually consistent,
///   <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency>);
///   a wrong role gives the same answer, so two minutes only. Every other
///   InvalidParameterValue is final.
pub const TRANSIENT: &[crate::transient::Transient] = {
    use crate::transient::{for_minutes, until_timeout};
    &[
        until_timeout(
            &["UpdateFunctionConfiguration", "UpdateFunctionCode", "AddPermission", "RemovePermission"],
            "ResourceConflictException",
            Some("in progress"),
        ),
        until_timeout(&["UpdateFunctionConfiguration", "UpdateFunctionCode"], "ResourceConflictException", None),
        for_minutes(
            &["CreateFunction", "UpdateFunctionConfiguration"],
            "InvalidParameterValueException",
            Some("cannot be assumed by Lambda"),
            2,
        ),
        // A VPC function's role whose EC2 permissions were just granted:
        // "The provided execution role does not have permissions to call
        // CreateNetworkInterface on EC2" until IAM's change propagates
        // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions).
        for_minutes(
            &["CreateFunction", "UpdateFunctionConfiguration"],
            "InvalidParameterValueException",
            Some("does not have permissions to call"),
            2,
        ),
    ]
};

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Function::new(clients.clone())));
    providers.register(Arc::new(Permission::new(clients.clone())));
}

/// Lambda's tagging calls, on a function's ARN.
#[async_trait]
impl crate::kit::TagApi for aws_sdk_lambda::Client {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        let call = self.tag_resource().resource(arn).set_tags(Some(tags.into_iter().collect()));
        crate::kit::done("TagResource", call.send().await)
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = self.untag_resource().resource(arn).set_tag_keys(Some(keys));
        crate::kit::done("UntagResource", call.send().await)
    }
}

//! AWS WAF (v2): IP sets and web ACLs. CLOUDFRONT-scoped ones live in
//! us-east-1.

mod ip_set;
mod web_acl;

pub use ip_set::IP_SET;
pub use web_acl::WEB_ACL;

use crate::prelude::*;

/// Where a WAF resource applies.
pub(crate) const SCOPE: PropType = PropType::Enum(&["CLOUDFRONT", "REGIONAL"]);

/// CloudWatch metrics and request sampling of a web ACL or rule.
pub(crate) const VISIBILITY_CONFIG: PropType = PropType::Object(&[
    prop("cloudwatch_metrics_enabled", PropType::Bool).required().doc("Publish CloudWatch metrics."),
    prop("metric_name", PropType::String).required().doc("Metric name: letters, digits, - and _, up to 128."),
    prop("sampled_requests_enabled", PropType::Bool).required().doc("Keep samples of matching requests."),
]);

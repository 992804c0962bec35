//! Declarations of every AWS resource and data type stackr supports.
//!
//! Each type is a [`TypeSchema`]: its properties (type, required, updated in
//! place or forcing replacement, secret), the attributes it exposes once it
//! exists, whether it takes tags and whether it has a ready state to wait
//! for. The stack language validates stacks against these declarations;
//! nothing here talks to AWS.
//!
//! # Layout
//!
//! One module per AWS service, one file per type, named after the kind:
//! `aws.ec2.vpc` is [`ec2::VPC`] in `src/ec2/vpc.rs`, `aws.rds.db_cluster`
//! is [`rds::DB_CLUSTER`] in `src/rds/db_cluster.rs`. The reconcilers live
//! at the same paths in the `stackr-aws` crate, so a type's declaration and
//! its implementation are easy to find from each other. Shapes shared by
//! several types of a service (an ELB action, an ECS capacity provider
//! strategy) live in that service's `mod.rs`. The one kind outside a
//! service, the data look-up `aws.region`, is in `src/region.rs`.
//!
//! # Conventions
//!
//! - Property names are the AWS API field names in snake_case, shortened
//!   where that reads better in YAML (`ingress`, `health_check`).
//! - `replaces()` marks what AWS cannot change on an existing resource;
//!   everything else is changed in place by the type's update calls.
//! - `tags` is never declared: `taggable` types accept it implicitly
//!   ([`stackr_core::schema::TAGS_PROP`]).
//! - Every resource exposes an `id` attribute: the identifier its
//!   reconciler records in state and uses to find it again.
//!
//! [`ALL`] lists every type; [`Types`] (or [`catalog`]) is the
//! [`Catalog`] the stack loader takes.

use stackr_core::schema::{Catalog, StaticCatalog, TypeSchema};

/// What every declaration file imports.
mod prelude {
    pub(crate) use stackr_core::schema::{PropType, Role, TypeSchema, Unique, attr, prop};

    /// A list of strings (ids, ARNs, CIDRs, names).
    pub(crate) const STRINGS: PropType = PropType::List(&PropType::String);
    /// String keys to string values.
    pub(crate) const STRING_MAP: PropType = PropType::Map(&PropType::String);
}

pub mod acm;
pub mod applicationautoscaling;
pub mod cloudfront;
pub mod cloudwatch;
pub mod dynamodb;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod efs;
pub mod elasticache;
pub mod elbv2;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod rds;
pub mod region;
pub mod route53;
pub mod s3;
pub mod secretsmanager;
pub mod sns;
pub mod sqs;
pub mod ssm;
pub mod stack;
pub mod sts;
pub mod wafv2;

/// Every type stackr knows, resources then data look-ups, by service.
pub static ALL: &[&TypeSchema] = &[
    // Network
    &ec2::VPC,
    &ec2::SUBNET,
    &ec2::INTERNET_GATEWAY,
    &ec2::EGRESS_ONLY_INTERNET_GATEWAY,
    &ec2::EIP,
    &ec2::NAT_GATEWAY,
    &ec2::ROUTE_TABLE,
    &ec2::ROUTE_TABLE_ASSOCIATION,
    &ec2::SECURITY_GROUP,
    &ec2::SECURITY_GROUP_RULE,
    &ec2::VPC_ENDPOINT,
    // Identity, logs, configuration and secrets
    &iam::ROLE,
    &iam::POLICY,
    &logs::LOG_GROUP,
    &ssm::PARAMETER,
    &secretsmanager::SECRET,
    &kms::KEY,
    &kms::ALIAS,
    // Data stores
    &rds::DB_SUBNET_GROUP,
    &rds::DB_CLUSTER_PARAMETER_GROUP,
    &rds::DB_PARAMETER_GROUP,
    &rds::DB_CLUSTER,
    &rds::DB_INSTANCE,
    &efs::FILE_SYSTEM,
    &efs::MOUNT_TARGET,
    &efs::ACCESS_POINT,
    &elasticache::CACHE_SUBNET_GROUP,
    &elasticache::CACHE_CLUSTER,
    &elasticache::REPLICATION_GROUP,
    &s3::BUCKET,
    &s3::BUCKET_POLICY,
    // Messaging
    &sqs::QUEUE,
    &sns::TOPIC,
    &sns::SUBSCRIPTION,
    &dynamodb::TABLE,
    // Compute
    &ecs::CLUSTER,
    &ecs::TASK_DEFINITION,
    &ecs::SERVICE,
    &ecr::REPOSITORY,
    &lambda::FUNCTION,
    &lambda::PERMISSION,
    // Edge
    &elbv2::LOAD_BALANCER,
    &elbv2::TARGET_GROUP,
    &elbv2::LISTENER,
    &elbv2::LISTENER_RULE,
    &acm::CERTIFICATE,
    &acm::CERTIFICATE_VALIDATION,
    &cloudfront::DISTRIBUTION,
    &route53::HOSTED_ZONE_RESOURCE,
    &route53::RECORD,
    &wafv2::IP_SET,
    &wafv2::WEB_ACL,
    // Scaling and alarms
    &applicationautoscaling::SCALABLE_TARGET,
    &applicationautoscaling::SCALING_POLICY,
    &cloudwatch::METRIC_ALARM,
    // Data look-ups
    &ec2::AVAILABILITY_ZONES,
    &ec2::VPC_DATA,
    &ec2::SUBNETS,
    &ssm::PARAMETER_DATA,
    &acm::CERTIFICATE_DATA,
    &kms::ALIAS_DATA,
    &sts::CALLER_IDENTITY,
    &route53::HOSTED_ZONE,
    &region::REGION,
    &stack::STACK_OUTPUTS,
];

/// The catalog of every type in [`ALL`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Types;

impl Catalog for Types {
    fn get(&self, kind: &str) -> Option<&'static TypeSchema> {
        get(kind)
    }
    fn all(&self) -> Vec<&'static TypeSchema> {
        ALL.to_vec()
    }
}

/// The same catalog as [`Types`], as a [`StaticCatalog`].
pub fn catalog() -> StaticCatalog {
    StaticCatalog(ALL)
}

/// The type of the given kind (`aws.ec2.vpc`).
pub fn get(kind: &str) -> Option<&'static TypeSchema> {
    ALL.iter().copied().find(|t| t.kind == kind)
}

/// The type of the given kind in `role` (a kind may be both a resource and
/// a look-up).
pub fn get_role(kind: &str, role: stackr_core::schema::Role) -> Option<&'static TypeSchema> {
    ALL.iter().copied().find(|t| t.kind == kind && t.role == role)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stackr_core::schema::{PropSchema, PropType, Role};
    use std::collections::HashSet;

    fn is_snake(s: &str) -> bool {
        let mut chars = s.chars();
        chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !s.ends_with('_')
            && !s.contains("__")
    }

    /// Calls `f` on every field of a type, nested ones included, with its path.
    fn walk(path: &str, ty: &PropType, f: &mut dyn FnMut(&str, &PropType, Option<&PropSchema>)) {
        f(path, ty, None);
        match ty {
            PropType::List(inner) | PropType::Map(inner) => walk(&format!("{path}[]"), inner, f),
            PropType::Object(fields) => walk_fields(path, fields, f),
            _ => {}
        }
    }

    fn walk_fields(path: &str, fields: &[PropSchema], f: &mut dyn FnMut(&str, &PropType, Option<&PropSchema>)) {
        for p in fields {
            let here = format!("{path}.{}", p.name);
            f(&here, &p.ty, Some(p));
            walk(&here, &p.ty, f);
        }
    }

    fn every_field(t: &TypeSchema, f: &mut dyn FnMut(&str, &PropType, Option<&PropSchema>)) {
        walk_fields(t.kind, t.properties, f);
        for a in t.attributes {
            walk(&format!("{}#{}", t.kind, a.name), &a.ty, f);
        }
    }

    #[test]
    fn kinds_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for t in ALL {
            // A kind may be both a resource and a look-up, once each.
            assert!(seen.insert((t.kind, t.role == Role::Data)), "{} is declared twice", t.kind);
            let parts: Vec<&str> = t.kind.split('.').collect();
            // `stackr.*`: look-ups of stackr's own (another stack's outputs).
            assert!(parts[0] == "aws" || (parts[0] == "stackr" && t.role == Role::Data), "{}", t.kind);
            // `aws.<service>.<type>`; provider-level look-ups (`aws.region`) have no service.
            let ok_len = parts.len() == 3 || (parts.len() == 2 && t.role == Role::Data);
            assert!(ok_len, "{} is not aws.<service>.<type>", t.kind);
            assert!(parts[1..].iter().all(|p| is_snake(p)), "{} is not snake_case", t.kind);
            assert!(!t.doc.is_empty(), "{} has no doc", t.kind);
        }
    }

    #[test]
    fn names_are_unique_and_snake_case() {
        let check = |what: &str, names: Vec<&str>| {
            let mut seen = HashSet::new();
            for n in names {
                assert!(is_snake(n), "{what}: `{n}` is not snake_case");
                assert!(seen.insert(n), "{what}: `{n}` is declared twice");
            }
        };
        for t in ALL {
            check(t.kind, t.properties.iter().map(|p| p.name).collect());
            check(t.kind, t.attributes.iter().map(|a| a.name).collect());
            every_field(t, &mut |path, ty, _| {
                if let PropType::Object(fields) = ty {
                    check(path, fields.iter().map(|p| p.name).collect());
                }
            });
        }
    }

    #[test]
    fn every_field_is_documented() {
        for t in ALL {
            for a in t.attributes {
                assert!(!a.doc.is_empty(), "{}#{} has no doc", t.kind, a.name);
            }
            every_field(t, &mut |path, _, p| {
                if let Some(p) = p {
                    assert!(!p.doc.is_empty(), "{path} has no doc");
                }
            });
        }
    }

    #[test]
    fn enums_are_non_empty_and_distinct() {
        for t in ALL {
            every_field(t, &mut |path, ty, _| {
                if let PropType::Enum(values) = ty {
                    assert!(!values.is_empty(), "{path}: empty enum");
                    let distinct: HashSet<_> = values.iter().collect();
                    assert_eq!(distinct.len(), values.len(), "{path}: repeated enum value");
                    assert!(values.iter().all(|v| !v.is_empty()), "{path}: empty enum value");
                }
            });
        }
    }

    #[test]
    fn resources_have_an_id_and_tags_are_implied() {
        for t in ALL {
            match t.role {
                Role::Resource => {
                    assert!(
                        t.properties.iter().all(|p| p.name != "tags"),
                        "{} declares `tags`; set `taggable` instead",
                        t.kind
                    );
                    assert!(t.attribute("id").is_some(), "{} has no `id` attribute", t.kind)
                }
                // A look-up's `tags` is an argument (find what carries them).
                Role::Data => {
                    assert!(!t.taggable, "{} is a look-up but taggable", t.kind);
                    assert!(!t.has_readiness, "{} is a look-up but has readiness", t.kind);
                    assert!(t.properties.iter().all(|p| !p.secret), "{}", t.kind);
                }
            }
        }
    }

    #[test]
    fn the_catalog_finds_every_type() {
        let all = Types.all();
        assert_eq!(all.len(), ALL.len());
        assert_eq!(catalog().all().len(), ALL.len());
        for t in ALL {
            assert_eq!(Types.get(t.kind).map(|f| f.kind), Some(t.kind));
        }
        assert!(Types.get("aws.ec2.nope").is_none());
        assert!(ALL.iter().any(|t| t.role == Role::Data));
    }

    #[test]
    fn the_stack_json_schema_covers_every_type() {
        let schema = stackr_core::jsonschema::stack_schema(&Types);
        let defs = schema["definitions"].as_object().expect("definitions");
        for t in ALL {
            // Look-ups are defined as `<kind>.data` (a kind may be both).
            let key = match t.role {
                Role::Resource => t.kind.to_string(),
                Role::Data => format!("{}.data", t.kind),
            };
            assert!(defs.contains_key(&key), "{key} missing from the JSON Schema");
        }
    }

    #[test]
    fn the_wordpress_architecture_is_covered() {
        // Kinds the reference WordPress stack uses (wordpress-reference.md).
        for kind in [
            "aws.ec2.vpc",
            "aws.ec2.nat_gateway",
            "aws.ec2.egress_only_internet_gateway",
            "aws.rds.db_cluster",
            "aws.efs.access_point",
            "aws.elasticache.cache_cluster",
            "aws.ecs.service",
            "aws.elbv2.listener_rule",
            "aws.acm.certificate_validation",
            "aws.cloudfront.distribution",
            "aws.wafv2.web_acl",
            "aws.applicationautoscaling.scaling_policy",
            "aws.cloudwatch.metric_alarm",
            "aws.route53.hosted_zone",
        ] {
            assert!(get(kind).is_some(), "{kind} is missing");
        }
        let secret = get("aws.ssm.parameter").and_then(|t| t.property("value"));
        assert!(secret.is_some_and(|p| p.secret));
    }
}

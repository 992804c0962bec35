use crate::prelude::*;

const VPC: PropType = PropType::Object(&[
    prop("vpc_id", PropType::String).required().doc("The VPC (vpc-...)."),
    prop("vpc_region", PropType::String).doc("The VPC's region; default the stack's."),
]);

/// `aws.route53.hosted_zone` as a resource (the same kind under `data:`
/// finds an existing zone: [`super::HOSTED_ZONE`]).
pub const HOSTED_ZONE_RESOURCE: TypeSchema = TypeSchema {
    kind: "aws.route53.hosted_zone",
    role: Role::Resource,
    doc: "A public or private hosted zone (CreateHostedZone); ready when its creation is INSYNC (GetChange). \
          Under `data:` the same kind finds an existing zone instead.",
    properties: &[
        prop("name", PropType::String)
            .required()
            .replaces()
            .doc("Zone name, e.g. example.com; the trailing dot is optional."),
        prop("comment", PropType::String).doc("Free text (UpdateHostedZoneComment)."),
        prop("vpcs", PropType::List(&VPC)).unordered().doc(
            "Makes the zone private to these VPCs (AssociateVPCWithHostedZone / DisassociateVPCFromHostedZone); \
             a private zone keeps at least one, and public or private cannot change.",
        ),
        prop("delegation_set_id", PropType::String).replaces().doc("A reusable delegation set for the name servers."),
        prop("force_destroy", PropType::Bool).doc(
            "Delete the zone's record sets (all but its apex SOA and NS) before the zone on destroy; default false: \
             a zone holding records is refused (AWS's HostedZoneNotEmpty). Recorded on the zone in the \
             stackr:force-destroy tag.",
        ),
    ],
    attributes: &[
        attr("id", PropType::String, "The zone ID (Z...), without the /hostedzone/ prefix."),
        attr("zone_id", PropType::String, "The zone ID, as `id` (what records' `zone_id` takes)."),
        attr("arn", PropType::String, "The zone ARN."),
        attr("name", PropType::String, "The zone name, with the trailing dot."),
        attr("name_servers", STRINGS, "The zone's delegation name servers (public zones)."),
    ],
    taggable: true,
    has_readiness: true,
};

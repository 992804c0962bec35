use crate::prelude::*;

/// One DNS record proving control of a domain name.
const VALIDATION_RECORD: PropType = PropType::Object(&[
    prop("domain_name", PropType::String).doc("The name it validates."),
    prop("name", PropType::String).doc("Record name (_<hash>.example.com.)."),
    prop("type", PropType::String).doc("Record type, CNAME."),
    prop("value", PropType::String).doc("Record value (_<hash>.acm-validations.aws.)."),
]);

pub const CERTIFICATE: TypeSchema = TypeSchema {
    kind: "aws.acm.certificate",
    role: Role::Resource,
    doc: "A public ACM certificate request (RequestCertificate). It is issued once validated: \
          pair it with aws.acm.certificate_validation. CloudFront needs one in us-east-1.",
    properties: &[
        prop("domain_name", PropType::String)
            .required()
            .replaces()
            .doc("The main name, e.g. example.com or *.example.com."),
        prop("subject_alternative_names", STRINGS).unordered().replaces().doc("Other names the certificate covers."),
        prop("validation_method", PropType::Enum(&["DNS", "EMAIL"]))
            .replaces()
            .doc("Default DNS (HTTP validation exists only for certificates CloudFront requests)."),
        prop("key_algorithm", PropType::Enum(&["RSA_2048", "EC_prime256v1", "EC_secp384r1"]))
            .replaces()
            .doc("Default RSA_2048."),
        prop("certificate_transparency_logging", PropType::Enum(&["ENABLED", "DISABLED"]))
            .doc("Log the certificate publicly; default ENABLED (UpdateCertificateOptions)."),
    ],
    attributes: &[
        attr("id", PropType::String, "The certificate ARN."),
        attr("arn", PropType::String, "The certificate ARN."),
        attr("status", PropType::String, "PENDING_VALIDATION, ISSUED, FAILED, ..."),
        attr(
            "validation_records",
            PropType::List(&VALIDATION_RECORD),
            "DNS records to create, one per distinct name (DNS validation).",
        ),
    ],
    taggable: true,
    has_readiness: false,
};

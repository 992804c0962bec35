use crate::prelude::*;

/// The look-up of `aws.acm.certificate` (the resource is [`super::CERTIFICATE`]).
pub const CERTIFICATE_DATA: TypeSchema = TypeSchema {
    kind: "aws.acm.certificate",
    role: Role::Data,
    doc: "Finds an existing certificate by domain name (ListCertificates, DescribeCertificate), by default an \
          ISSUED one. In the look-up's region: a CloudFront certificate is in us-east-1 (`region: us-east-1`).",
    properties: &[
        prop("domain", PropType::String).required().doc("The certificate's domain name (example.com, *.example.com)."),
        prop("statuses", STRINGS).doc("Accepted statuses; default [ISSUED] (PENDING_VALIDATION, EXPIRED, ...)."),
        prop("key_types", STRINGS).doc("Accepted key types (RSA_2048, EC_prime256v1, ...); default RSA_2048."),
        prop("most_recent", PropType::Bool)
            .doc("When several match: the one issued last (default: several matches are an error)."),
    ],
    attributes: &[
        attr("arn", PropType::String, "The certificate ARN."),
        attr("domain", PropType::String, "Its domain name."),
        attr("status", PropType::String, "Its status (ISSUED, ...)."),
        attr("not_after", PropType::String, "When it expires (RFC 3339), if issued."),
    ],
    taggable: false,
    has_readiness: false,
};

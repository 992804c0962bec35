use crate::prelude::*;

pub const CERTIFICATE_VALIDATION: TypeSchema = TypeSchema {
    kind: "aws.acm.certificate_validation",
    role: Role::Resource,
    doc: "Waits until a certificate is ISSUED; creates nothing in AWS. \
          Resources that use the certificate should reference this.",
    properties: &[
        prop("certificate_arn", PropType::String).required().replaces().doc("The certificate."),
        prop("validation_record_fqdns", STRINGS)
            .unordered()
            .doc("The validation records' names: orders this after them; checked against the certificate."),
    ],
    attributes: &[attr("id", PropType::String, "The certificate ARN, once issued.")],
    taggable: false,
    has_readiness: true,
};

use crate::prelude::*;

pub const KEY: TypeSchema = TypeSchema {
    kind: "aws.kms.key",
    role: Role::Resource,
    doc: "A customer managed KMS key (CreateKey). KMS gives keys no name and CreateKey no idempotency token: \
          a create retried after a lost answer finds the key it made by its stackr tags (ListKeys, \
          ListResourceTags) instead of making a second one. Deleting schedules the deletion \
          (ScheduleKeyDeletion) after `deletion_window_in_days`; a key pending deletion counts as gone.",
    properties: &[
        prop("description", PropType::String).doc("What the key is for (UpdateKeyDescription)."),
        prop("key_usage", PropType::Enum(&["ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"]))
            .replaces()
            .doc("Cryptographic operations the key is for; default ENCRYPT_DECRYPT."),
        prop(
            "key_spec",
            PropType::Enum(&[
                "SYMMETRIC_DEFAULT",
                "RSA_2048",
                "RSA_3072",
                "RSA_4096",
                "ECC_NIST_P256",
                "ECC_NIST_P384",
                "ECC_NIST_P521",
                "ECC_SECG_P256K1",
                "ECC_NIST_EDWARDS25519",
                "HMAC_224",
                "HMAC_256",
                "HMAC_384",
                "HMAC_512",
                "ML_DSA_44",
                "ML_DSA_65",
                "ML_DSA_87",
                "SM2",
            ]),
        )
        .replaces()
        .doc("Key type; default SYMMETRIC_DEFAULT (AES-256-GCM)."),
        prop("enable_key_rotation", PropType::Bool).doc(
            "Rotate the key material automatically (EnableKeyRotation, DisableKeyRotation); only symmetric \
             encryption keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT) can rotate.",
        ),
        prop("rotation_period_in_days", PropType::Int)
            .range(90.0, 2560.0)
            .doc("Days between rotations, 90 to 2560; default 365. Needs `enable_key_rotation: true`."),
        prop("policy", PropType::Json).policy().doc(
            "The key policy document (PutKeyPolicy), compared as a document; omit to keep the default policy \
             AWS attaches (the account may use the key through IAM).",
        ),
        prop("multi_region", PropType::Bool).replaces().doc("Make a multi-Region primary key; default false."),
        prop("deletion_window_in_days", PropType::Int).local().range(7.0, 30.0).doc(
            "stackr's own setting: days between delete and the key's removal (ScheduleKeyDeletion's window), \
             7 to 30; default 30. Read from what was last applied.",
        ),
        prop("enabled", PropType::Bool).default_bool(true).doc(
            "Whether the key may be used (EnableKey, DisableKey); default true, also when left out: a key \
             disabled outside stackr is drift, enabled again by apply.",
        ),
    ],
    attributes: &[
        attr("id", PropType::String, "The key id (a UUID, or mrk-... for a multi-Region key)."),
        attr("arn", PropType::String, "The key ARN."),
        attr("key_id", PropType::String, "The key id, as `id`."),
    ],
    taggable: true,
    has_readiness: true,
};

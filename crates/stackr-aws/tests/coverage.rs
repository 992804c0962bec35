//! The schema offers only what this build can do: every resource type it
//! declares has a reconciler, every AWS look-up a reader, and nothing is
//! registered that the schema does not declare. (`stackr.*` look-ups read
//! stackr's own state and are registered by the CLI.)

use stackr_core::schema::Role;

#[test]
fn every_declared_type_has_an_implementation() {
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("eu-west-1"))
        .build();
    let (providers, lookups) = stackr_aws::providers(&config, Vec::new());
    let mut missing = Vec::new();
    for t in stackr_schema::ALL {
        let found = match t.role {
            Role::Resource => providers.get(t.kind).is_some(),
            Role::Data if t.kind.starts_with("stackr.") => true,
            Role::Data => lookups.get(t.kind).is_some(),
        };
        if !found {
            missing.push(t.kind);
        }
    }
    assert!(
        missing.is_empty(),
        "declared in stackr-schema with no implementation in stackr-aws (implement them, or take them out of \
         the schema until they have one): {missing:?}"
    );
    for kind in providers.kinds() {
        assert!(
            stackr_schema::get_role(kind, Role::Resource).is_some(),
            "{kind} is reconciled but not declared as a resource type"
        );
    }
}

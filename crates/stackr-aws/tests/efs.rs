//! Conformance: EFS file systems, mount targets and access points, on moto
//! (with the test bed's UpdateFileSystem, PutBackupPolicy and access point
//! client tokens). Out-of-band changes are made with the SDK, as a person
//! in the console would.

mod common;
use common::*;
use stackr_engine::reconciler::{CreateRequest, DeleteRequest, ErrorKind, Target};

async fn untag(h: &Harness, id: &str) {
    h.efs().untag_resource().resource_id(id).tag_keys("suite").send().await.expect("UntagResource");
}

#[tokio::test]
async fn file_system() {
    let stack = r#"
stack: conf-efs-fs
region: ap-northeast-1
tags: { suite: conformance }
vars:
  token: { type: string, default: conf-efs-a }
resources:
  subject:
    type: aws.efs.file_system
    properties:
      creation_token: ${var.token}
      encrypted: true
      performance_mode: generalPurpose
      throughput_mode: provisioned
      provisioned_throughput_in_mibps: 64
      lifecycle_policies:
        - { transition_to_ia: AFTER_30_DAYS }
        - { transition_to_primary_storage_class: AFTER_1_ACCESS }
      backup_policy: { enabled: true }
  ap:
    type: aws.efs.access_point
    properties: { file_system_id: "${subject.id}" }
"#;
    conformance(
        "efs-fs",
        Case {
            kind: "aws.efs.file_system",
            stack: stack.into(),
            mutations: vec![
                (
                    "provisioned_throughput_in_mibps",
                    m(|h, id| async move {
                        h.efs()
                            .update_file_system()
                            .file_system_id(&id)
                            .throughput_mode(aws_sdk_efs::types::ThroughputMode::Provisioned)
                            .provisioned_throughput_in_mibps(128.0)
                            .send()
                            .await
                            .expect("UpdateFileSystem");
                    }),
                ),
                (
                    "throughput_mode",
                    m(|h, id| async move {
                        h.efs()
                            .update_file_system()
                            .file_system_id(&id)
                            .throughput_mode(aws_sdk_efs::types::ThroughputMode::Elastic)
                            .send()
                            .await
                            .expect("UpdateFileSystem");
                    }),
                ),
                (
                    "lifecycle_policies",
                    m(|h, id| async move {
                        let p = aws_sdk_efs::types::LifecyclePolicy::builder()
                            .transition_to_ia(aws_sdk_efs::types::TransitionToIaRules::After7Days)
                            .build();
                        h.efs()
                            .put_lifecycle_configuration()
                            .file_system_id(&id)
                            .lifecycle_policies(p)
                            .send()
                            .await
                            .expect("PutLifecycleConfiguration");
                    }),
                ),
                (
                    "backup_policy",
                    m(|h, id| async move {
                        let off = aws_sdk_efs::types::BackupPolicy::builder()
                            .status(aws_sdk_efs::types::Status::Disabled)
                            .build()
                            .unwrap();
                        h.efs().put_backup_policy().file_system_id(&id).backup_policy(off).send().await.unwrap();
                    }),
                ),
                ("tags", m(|h, id| async move { untag(&h, &id).await })),
            ],
            replace: Some(("token", "conf-efs-b", Some("ap"))),
            twice: Twice::Retry,
        },
    )
    .await;
}

const NETWORK: &str = r#"
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.30.0.0/16 }
  subnet_a:
    type: aws.ec2.subnet
    properties: { vpc_id: "${vpc.id}", availability_zone: ap-northeast-1a, cidr_block: 10.30.1.0/24 }
  subnet_c:
    type: aws.ec2.subnet
    properties: { vpc_id: "${vpc.id}", availability_zone: ap-northeast-1c, cidr_block: 10.30.2.0/24 }
  nfs:
    type: aws.ec2.security_group
    properties: { name: nfs, description: NFS clients, vpc_id: "${vpc.id}" }
  nfs_other:
    type: aws.ec2.security_group
    properties: { name: nfs-other, description: other NFS clients, vpc_id: "${vpc.id}" }
  fs:
    type: aws.efs.file_system
    properties: { creation_token: "conf-efs-net", encrypted: true }
"#;

/// The id of a security group of the test's account, by name.
async fn group_id(h: &Harness, name: &str) -> String {
    let out = h
        .ec2()
        .describe_security_groups()
        .filters(aws_sdk_ec2::types::Filter::builder().name("group-name").values(name).build())
        .send()
        .await
        .expect("DescribeSecurityGroups");
    out.security_groups()[0].group_id().expect("group id").to_string()
}

#[tokio::test]
async fn mount_target() {
    let stack = format!(
        r#"
stack: conf-efs-mt
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  zone: {{ type: string, default: a }}
resources:
{NETWORK}
  subject:
    type: aws.efs.mount_target
    properties:
      file_system_id: ${{fs.id}}
      subnet_id: '${{var.zone == "a" ? subnet_a.id : subnet_c.id}}'
      security_groups: ["${{nfs.id}}"]
"#
    );
    conformance(
        "efs-mt",
        Case {
            kind: "aws.efs.mount_target",
            stack,
            mutations: vec![(
                "security_groups",
                m(|h, id| async move {
                    let other = group_id(&h, "nfs-other").await;
                    h.efs()
                        .modify_mount_target_security_groups()
                        .mount_target_id(&id)
                        .security_groups(other)
                        .send()
                        .await
                        .expect("ModifyMountTargetSecurityGroups");
                }),
            )],
            replace: Some(("zone", "c", None)),
            twice: Twice::Retry,
        },
    )
    .await;
}

#[tokio::test]
async fn access_point() {
    let stack = r#"
stack: conf-efs-ap
region: ap-northeast-1
tags: { suite: conformance }
vars:
  dir: { type: string, default: wordpress }
resources:
  fs:
    type: aws.efs.file_system
    properties: { creation_token: conf-efs-ap }
  subject:
    type: aws.efs.access_point
    properties:
      file_system_id: ${fs.id}
      posix_user: { uid: 33, gid: 33, secondary_gids: [4] }
      root_directory:
        path: /${var.dir}
        creation_info: { owner_uid: 33, owner_gid: 33, permissions: "755" }
"#;
    conformance(
        "efs-ap",
        Case {
            kind: "aws.efs.access_point",
            stack: stack.into(),
            mutations: vec![("tags", m(|h, id| async move { untag(&h, &id).await }))],
            replace: Some(("dir", "uploads", None)),
            twice: Twice::Another,
        },
    )
    .await;
}

/// Destroy of a file system with mount targets in two zones and an access
/// point: they go first and are waited for, then the file system; a file
/// system still in use is refused as retryable; mount targets and access
/// points wait for their file system to be ready.
#[tokio::test]
async fn destroy_order_and_in_use() {
    let text = format!(
        r#"
stack: efs-order
region: ap-northeast-1
resources:
{NETWORK}
  mt_a:
    type: aws.efs.mount_target
    properties: {{ file_system_id: "${{fs.id}}", subnet_id: "${{subnet_a.id}}", security_groups: ["${{nfs.id}}"] }}
  mt_c:
    type: aws.efs.mount_target
    properties: {{ file_system_id: "${{fs.id}}", subnet_id: "${{subnet_c.id}}" }}
  ap:
    type: aws.efs.access_point
    properties: {{ file_system_id: "${{fs.id}}", root_directory: {{ path: /wp }} }}
"#
    );
    let h = harness("efs-order");
    let s = stack(&text, &[]);
    let applied = h.apply(&s).await;
    let fs = h.id_of(&applied, "fs");
    let mt = h.providers.get("aws.efs.mount_target").expect("mount target reconciler");
    let ap = h.providers.get("aws.efs.access_point").expect("access point reconciler");
    assert!(mt.needs_ready("aws.efs.file_system") && ap.needs_ready("aws.efs.file_system"));
    assert!(!mt.needs_ready("aws.ec2.subnet"));

    let rec = h.providers.get("aws.efs.file_system").expect("file system reconciler");
    let target = Target { stack: "efs-order".into(), address: "fs".into(), region: REGION.into() };
    let err = rec
        .delete(&DeleteRequest { target, id: fs.clone(), properties: Default::default() })
        .await
        .expect_err("a file system with mount targets cannot go");
    assert_eq!(err.kind, ErrorKind::Retryable, "{err:?}");
    assert!(err.message.contains("FileSystemInUse"), "{err:?}");

    h.destroy("efs-order").await;
    let left = h.efs().describe_file_systems().send().await.expect("DescribeFileSystems");
    assert!(left.file_systems().is_empty(), "file systems left: {:?}", left.file_systems());
}

/// A retried CreateAccessPoint with the same client token returns the
/// first access point, even when the tag look-up cannot see it (another
/// address asks).
#[tokio::test]
async fn access_point_client_token() {
    let h = harness("efs-ap-token");
    let fs = h.efs().create_file_system().creation_token("ap-token").send().await.expect("CreateFileSystem");
    let rec = h.providers.get("aws.efs.access_point").expect("access point reconciler");
    let request = |address: &str| CreateRequest {
        target: Target { stack: "efs-ap-token".into(), address: address.into(), region: REGION.into() },
        properties: [("file_system_id".to_string(), stackr_core::value::Value::String(fs.file_system_id.clone()))]
            .into_iter()
            .collect(),
        tags: [("stackr:stack", "efs-ap-token"), ("stackr:resource", address)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        token: "stackr-0123456789abcdef".into(),
        known_ids: Vec::new(),
    };
    let first = rec.create(&request("one")).await.expect("create");
    let second = rec.create(&request("two")).await.expect("create with the same token");
    assert_eq!(first.id, second.id, "the client token made the retry return the first access point");
    let all = h.efs().describe_access_points().file_system_id(&fs.file_system_id).send().await.expect("describe");
    assert_eq!(all.access_points().len(), 1);
}

/// AWS deletes mount targets asynchronously and answers DeleteFileSystem
/// with FileSystemInUse until they are gone; moto deletes them at once. An
/// interceptor makes the first DeleteFileSystem calls fail that way (turned
/// into a harmless DescribeFileSystems before they leave, so they have no
/// effect): destroy waits it out and the file system goes.
mod in_use {
    use super::*;
    use aws_smithy_runtime_api::box_error::BoxError;
    use aws_smithy_runtime_api::client::interceptors::context::{
        BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextMut,
    };
    use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
    use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::config_bag::ConfigBag;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[derive(Debug, Default)]
    struct InUse {
        left: AtomicU32,
        injected: AtomicU32,
    }

    #[derive(Debug, Clone)]
    struct Injecting;

    impl aws_smithy_types::config_bag::Storable for Injecting {
        type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
    }

    #[derive(Debug)]
    struct Shared(Arc<InUse>);

    impl Intercept for Shared {
        fn name(&self) -> &'static str {
            "stackr-test-file-system-in-use"
        }

        fn modify_before_transmit(
            &self,
            ctx: &mut BeforeTransmitInterceptorContextMut<'_>,
            _rc: &RuntimeComponents,
            cfg: &mut ConfigBag,
        ) -> Result<(), BoxError> {
            if cfg.load::<Metadata>().is_none_or(|m| m.name() != "DeleteFileSystem") {
                return Ok(());
            }
            if self.0.left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_err() {
                return Ok(());
            }
            let req = ctx.request_mut();
            let uri = req.uri().to_string();
            let base = uri.split("/2015-02-01/").next().unwrap_or_default().to_string();
            req.set_uri(format!("{base}/2015-02-01/file-systems"))?;
            req.set_method("GET")?;
            cfg.interceptor_state().store_put(Injecting);
            Ok(())
        }

        fn modify_before_deserialization(
            &self,
            ctx: &mut BeforeDeserializationInterceptorContextMut<'_>,
            _rc: &RuntimeComponents,
            cfg: &mut ConfigBag,
        ) -> Result<(), BoxError> {
            if cfg.load::<Injecting>().is_none() {
                return Ok(());
            }
            cfg.interceptor_state().unset::<Injecting>();
            self.0.injected.fetch_add(1, Ordering::SeqCst);
            let body =
                r#"{"ErrorCode":"FileSystemInUse","Message":"injected by the test: mount targets still deleting"}"#;
            let mut response = HttpResponse::new(409.try_into()?, SdkBody::from(body));
            response.headers_mut().insert("content-type", "application/json");
            response.headers_mut().insert("x-amzn-errortype", "FileSystemInUse");
            *ctx.response_mut() = response;
            Ok(())
        }
    }

    #[tokio::test]
    async fn destroy_waits_out_file_system_in_use() {
        let fault = Arc::new(InUse { left: AtomicU32::new(2), injected: AtomicU32::new(0) });
        let h = harness_with("efs-in-use", vec![SharedInterceptor::new(Shared(fault.clone()))]);
        let text = format!(
            "stack: efs-in-use\nregion: ap-northeast-1\nresources:\n{NETWORK}  mt:\n    type: aws.efs.mount_target\n    properties: {{ file_system_id: \"${{fs.id}}\", subnet_id: \"${{subnet_a.id}}\" }}\n"
        );
        let s = stack(&text, &[]);
        h.apply(&s).await;
        h.destroy("efs-in-use").await;
        assert_eq!(fault.injected.load(Ordering::SeqCst), 2, "refused twice, then deleted");
        let left = h.efs().describe_file_systems().send().await.expect("DescribeFileSystems");
        assert!(left.file_systems().is_empty(), "the file system is gone");
    }
}

//! Conformance: S3 buckets and bucket policies, plus what a bucket's
//! delete does with objects in it. Bucket names are global (also in the
//! local AWS, across its accounts): each test uses its own.

mod common;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketVersioningStatus, ObjectOwnership, OwnershipControls, OwnershipControlsRule, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging,
    VersioningConfiguration,
};
use common::*;

#[tokio::test]
async fn bucket() {
    let stack = r#"
stack: conf-s3
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  subject:
    type: aws.s3.bucket
    properties:
      name: "stackr-conf-bucket-${var.suffix}"
      versioning: true
      encryption: { sse_algorithm: AES256 }
      public_access_block:
        block_public_acls: true
        ignore_public_acls: true
        block_public_policy: true
        restrict_public_buckets: true
      ownership_controls: BucketOwnerPreferred
      lifecycle_rules:
        - { id: logs, prefix: "logs/", expiration_days: 30, abort_incomplete_multipart_upload_days: 7 }
        - { id: old, noncurrent_version_expiration_days: 90 }
      force_destroy: true
  param:
    type: aws.s3.bucket
    properties: { name: "stackr-conf-follows-${subject.name}" }
"#;
    conformance(
        "s3-bucket",
        Case {
            kind: "aws.s3.bucket",
            stack: stack.into(),
            mutations: vec![
                (
                    "versioning",
                    m(|h, id| async move {
                        let conf = VersioningConfiguration::builder().status(BucketVersioningStatus::Suspended).build();
                        h.s3().put_bucket_versioning().bucket(id).versioning_configuration(conf).send().await.unwrap();
                    }),
                ),
                (
                    "encryption",
                    m(|h, id| async move {
                        let d = ServerSideEncryptionByDefault::builder()
                            .sse_algorithm(ServerSideEncryption::AwsKms)
                            .build()
                            .unwrap();
                        let rule =
                            ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(d).build();
                        let conf = ServerSideEncryptionConfiguration::builder().rules(rule).build().unwrap();
                        let call = h.s3().put_bucket_encryption().bucket(id).server_side_encryption_configuration(conf);
                        call.send().await.unwrap();
                    }),
                ),
                (
                    "public_access_block",
                    m(|h, id| async move {
                        h.s3().delete_public_access_block().bucket(id).send().await.unwrap();
                    }),
                ),
                (
                    "ownership_controls",
                    m(|h, id| async move {
                        let rule = OwnershipControlsRule::builder()
                            .object_ownership(ObjectOwnership::BucketOwnerEnforced)
                            .build()
                            .unwrap();
                        let conf = OwnershipControls::builder().rules(rule).build().unwrap();
                        h.s3()
                            .put_bucket_ownership_controls()
                            .bucket(id)
                            .ownership_controls(conf)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "lifecycle_rules",
                    m(|h, id| async move {
                        h.s3().delete_bucket_lifecycle().bucket(id).send().await.unwrap();
                    }),
                ),
                (
                    "tags",
                    m(|h, id| async move {
                        let s3 = h.s3();
                        let tags = s3.get_bucket_tagging().bucket(&id).send().await.unwrap().tag_set;
                        let kept: Vec<Tag> = tags.into_iter().filter(|t| t.key != "suite").collect();
                        let tagging = Tagging::builder().set_tag_set(Some(kept)).build().unwrap();
                        s3.put_bucket_tagging().bucket(id).tagging(tagging).send().await.unwrap();
                    }),
                ),
            ],
            replace: Some(("suffix", "two", Some("param"))),
            twice: Twice::Another,
        },
    )
    .await;
}

const POLICY_STACK: &str = r#"
stack: conf-s3-policy
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  bucket:
    type: aws.s3.bucket
    properties: { name: "stackr-conf-policy-${var.suffix}" }
  subject:
    type: aws.s3.bucket_policy
    properties:
      bucket: ${bucket.name}
      policy:
        Version: "2012-10-17"
        Statement:
          - Sid: Read
            Effect: Allow
            Principal: { AWS: ["arn:aws:iam::123456789012:root"] }
            Action: ["s3:GetObject"]
            Resource: "${bucket.arn}/*"
"#;

#[tokio::test]
async fn bucket_policy() {
    conformance(
        "s3-policy",
        Case {
            kind: "aws.s3.bucket_policy",
            stack: POLICY_STACK.into(),
            mutations: vec![(
                "policy",
                m(|h, id| async move {
                    let doc = format!(
                        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Write","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::123456789012:root"}},"Action":"s3:PutObject","Resource":"arn:aws:s3:::{id}/*"}}]}}"#
                    );
                    h.s3().put_bucket_policy().bucket(id).policy(doc).send().await.unwrap();
                }),
            )],
            replace: Some(("suffix", "two", None)),
            twice: Twice::Retry,
        },
    )
    .await;
}

/// The same policy spelt otherwise (keys in another order, lone values
/// instead of one-element lists, a lone statement): not drift.
#[tokio::test]
async fn a_policy_spelt_otherwise_is_not_drift() {
    let h = harness("s3-policy-spelling");
    let s = stack(&POLICY_STACK.replace("${var.suffix}", "spelling"), &[]);
    h.apply(&s).await;
    let doc = r#"{"Statement":{"Resource":["arn:aws:s3:::stackr-conf-policy-spelling/*"],"Action":"s3:GetObject","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Effect":"Allow","Sid":"Read"},"Version":"2012-10-17"}"#;
    h.s3().put_bucket_policy().bucket("stackr-conf-policy-spelling").policy(doc).send().await.unwrap();
    let plan = h.plan(&s).await;
    assert!(plan.is_empty(), "a respelt policy shows as a change: {:#?}", plan.steps);
    h.destroy("conf-s3-policy").await;
}

fn force_stack(force: bool) -> String {
    format!(
        r#"
stack: s3-force
region: ap-northeast-1
resources:
  store:
    type: aws.s3.bucket
    properties: {{ name: stackr-force-destroy, versioning: true, force_destroy: {force} }}
  policy:
    type: aws.s3.bucket_policy
    properties:
      bucket: ${{store.id}}
      policy:
        Version: "2012-10-17"
        Statement:
          - {{ Sid: read, Effect: Allow, Principal: {{ AWS: "arn:aws:iam::123456789012:root" }}, Action: "s3:GetObject", Resource: "${{store.arn}}/*" }}
"#
    )
}

/// What the bucket holds: (versions, delete markers).
async fn held(h: &Harness, bucket: &str) -> (usize, usize) {
    let page = h.s3().list_object_versions().bucket(bucket).send().await.expect("ListObjectVersions");
    (page.versions().len(), page.delete_markers().len())
}

/// A bucket holding objects is not deleted, and nothing in it is, unless
/// `force_destroy` is true: then every version and delete marker goes first.
#[tokio::test]
async fn force_destroy_empties_a_bucket_and_nothing_else_does() {
    let h = harness("s3-force");
    let bucket = "stackr-force-destroy";
    h.apply(&stack(&force_stack(false), &[])).await;
    let s3 = h.s3();
    for body in ["one", "two"] {
        let put = s3.put_object().bucket(bucket).key("a.txt").body(ByteStream::from_static(body.as_bytes()));
        put.send().await.expect("PutObject");
    }
    s3.put_object().bucket(bucket).key("b.txt").body(ByteStream::from_static(b"b")).send().await.expect("PutObject");
    s3.delete_object().bucket(bucket).key("b.txt").send().await.expect("DeleteObject");
    assert_eq!(held(&h, bucket).await, (3, 1));

    // Refused before the run starts (AWS asked), so nothing else of the
    // stack is deleted on the way: its policy stays.
    let prepared = h.session.prepare_destroy("s3-force").await.expect("prepare destroy");
    let Err(refused) = h.session.apply(None, prepared, options()).await else { panic!("not refused before the run") };
    let message = refused.to_string();
    assert!(message.contains("nothing was changed"), "{message}");
    assert!(message.contains(bucket) && message.contains("force_destroy: true"), "{message}");
    assert_eq!(held(&h, bucket).await, (3, 1), "nothing deleted");
    h.s3().get_bucket_policy().bucket(bucket).send().await.expect("the policy is still there");
    // A replacement that sets force_destroy in the same run follows it:
    // the old bucket is emptied and deleted.
    let renamed = force_stack(true).replace("name: stackr-force-destroy,", "name: stackr-force-destroy-new,");
    h.apply(&stack(&renamed, &[])).await;
    assert!(h.s3().head_bucket().bucket(bucket).send().await.is_err(), "the old bucket is gone");
    h.destroy("s3-force").await;

    // A bucket applied with force_destroy: true is emptied, versions and
    // delete markers included, then deleted. (Turning force_destroy on for
    // a bucket already applied without it is a change of a stackr-only
    // property, which the engine does not write to state by itself today.)
    let h = harness("s3-force-on");
    let s = stack(&force_stack(true).replace("stackr-force-destroy", "stackr-force-destroy-on"), &[]);
    h.apply(&s).await;
    let (s3, bucket) = (h.s3(), "stackr-force-destroy-on");
    for body in ["one", "two"] {
        let put = s3.put_object().bucket(bucket).key("a.txt").body(ByteStream::from_static(body.as_bytes()));
        put.send().await.expect("PutObject");
    }
    s3.delete_object().bucket(bucket).key("a.txt").send().await.expect("DeleteObject");
    assert_eq!(held(&h, bucket).await, (2, 1));
    h.destroy("s3-force").await;
    let head = s3.head_bucket().bucket(bucket).send().await;
    assert!(head.is_err(), "the bucket is still there");
}

/// A bucket name another account holds is refused, naming it.
#[tokio::test]
async fn a_name_taken_by_another_account_is_refused() {
    let other = harness("s3-taken-other");
    let other_conf = aws_sdk_s3::types::CreateBucketConfiguration::builder()
        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(REGION))
        .build();
    other.s3().create_bucket().bucket("stackr-taken-name").create_bucket_configuration(other_conf).send().await.ok();
    let h = harness("s3-taken");
    let s = stack(
        r#"
stack: s3-taken
region: ap-northeast-1
resources:
  b: { type: aws.s3.bucket, properties: { name: stackr-taken-name } }
"#,
        &[],
    );
    let lock = h.session.lock("test").await.expect("lock");
    let prepared = h.session.prepare(&s).await.expect("prepare");
    let applied = h.session.apply(Some(&s), prepared, options()).await.expect("apply runs");
    h.session.unlock(&lock).await.expect("unlock");
    let failed = &applied.report.failed;
    assert_eq!(failed.len(), 1, "{failed:?}");
    let message = failed[0].2.to_string();
    assert!(message.contains("stackr-taken-name") && message.contains("another AWS account"), "{message}");
}

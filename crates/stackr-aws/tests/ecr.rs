//! Conformance: ECR repositories, and deleting one that holds images.

mod common;
use common::*;

#[tokio::test]
async fn repository() {
    let stack = r#"
stack: conf-ecr
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  subject:
    type: aws.ecr.repository
    properties:
      name: "conformance-${var.suffix}"
      image_tag_mutability: IMMUTABLE
      scan_on_push: true
      encryption: { encryption_type: AES256 }
      lifecycle_policy:
        rules:
          - rulePriority: 1
            description: keep ten
            selection: { tagStatus: any, countType: imageCountMoreThan, countNumber: 10 }
            action: { type: expire }
  param:
    type: aws.ecr.repository
    properties: { name: "follows-${subject.name}" }
"#;
    conformance(
        "ecr",
        Case {
            kind: "aws.ecr.repository",
            stack: stack.into(),
            mutations: vec![
                (
                    "image_tag_mutability",
                    mutation!(|h, id| {
                        let m = aws_sdk_ecr::types::ImageTagMutability::Mutable;
                        h.ecr()
                            .put_image_tag_mutability()
                            .repository_name(&id)
                            .image_tag_mutability(m)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "scan_on_push",
                    mutation!(|h, id| {
                        let c = aws_sdk_ecr::types::ImageScanningConfiguration::builder().scan_on_push(false).build();
                        h.ecr()
                            .put_image_scanning_configuration()
                            .repository_name(&id)
                            .image_scanning_configuration(c)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "lifecycle_policy",
                    mutation!(|h, id| {
                        h.ecr().delete_lifecycle_policy().repository_name(&id).send().await.unwrap();
                    }),
                ),
                (
                    "tags",
                    mutation!(|h, id| {
                        let ecr = h.ecr();
                        let r = ecr.describe_repositories().repository_names(&id).send().await.unwrap();
                        let arn = r.repositories()[0].repository_arn().unwrap().to_string();
                        ecr.untag_resource().resource_arn(arn).tag_keys("suite").send().await.unwrap();
                    }),
                ),
            ],
            replace: Some(("suffix", "two", Some("param"))),
            twice: Twice::Another,
        },
    )
    .await;
}

/// A repository holding an image: destroy fails, saying to set
/// `force_delete`; with it, destroy deletes the repository and its images.
#[tokio::test]
async fn a_repository_with_images_needs_force_delete() {
    let h = harness("ecr-images");
    let text = |force: bool| {
        format!(
            r#"
stack: ecr-images
region: ap-northeast-1
resources:
  repo:
    type: aws.ecr.repository
    properties: {{ name: with-images, scan_on_push: {force}, force_delete: {force} }}
"#
        )
    };
    h.apply(&stack(&text(false), &[])).await;
    let manifest = r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[]}"#;
    h.ecr()
        .put_image()
        .repository_name("with-images")
        .image_manifest(manifest)
        .image_tag("v1")
        .send()
        .await
        .expect("PutImage");

    // Refused before the run starts (AWS asked: one ListImages).
    let prepared = h.session.prepare_destroy("ecr-images").await.expect("prepare destroy");
    let Err(refused) = h.session.apply(None, prepared, options()).await else { panic!("not refused before the run") };
    let message = refused.to_string();
    assert!(message.contains("nothing was changed"), "{message}");
    assert!(message.contains("still holds images") && message.contains("force_delete: true"), "{message}");
    let left = h.ecr().describe_repositories().repository_names("with-images").send().await;
    assert!(left.is_ok(), "the repository is still there");

    // force_delete is stackr's own setting: applied (with a change AWS
    // sees, so that the update records it), then destroy takes the images.
    h.apply(&stack(&text(true), &[])).await;
    h.destroy("ecr-images").await;
    let gone = h.ecr().describe_repositories().repository_names("with-images").send().await;
    assert!(gone.is_err(), "deleted with its images");
}

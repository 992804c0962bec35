//! Data look-ups on moto: availability zones, caller identity, hosted zone
//! by name (made with the SDK first), and the region; read during a run and
//! usable in resources and outputs.

mod common;
use common::*;
use stackr_core::value::Value;
use stackr_engine::reconciler::Props;

/// Makes a hosted zone (private when given a VPC); its id without prefix.
async fn zone(h: &Harness, name: &str, vpc: Option<&str>) -> String {
    let mut req = h.route53().create_hosted_zone().name(name).caller_reference(format!("{name}-{vpc:?}"));
    if let Some(v) = vpc {
        req = req
            .vpc(
                aws_sdk_route53::types::Vpc::builder()
                    .vpc_id(v)
                    .vpc_region(aws_sdk_route53::types::VpcRegion::ApNortheast1)
                    .build(),
            )
            .hosted_zone_config(aws_sdk_route53::types::HostedZoneConfig::builder().private_zone(true).build());
    }
    let out = req.send().await.unwrap();
    out.hosted_zone().unwrap().id().trim_start_matches("/hostedzone/").to_string()
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}

fn output(applied: &stackr_engine::session::Applied, name: &str) -> serde_json::Value {
    applied.state.outputs.get(name).unwrap_or_else(|| panic!("no output {name}")).value.clone()
}

#[tokio::test]
async fn lookups_feed_resources_and_outputs() {
    let h = harness("data");
    let zone_id = zone(&h, "example.test", None).await;
    let text = r#"
stack: conf-data
region: ap-northeast-1
data:
  azs: { type: aws.ec2.availability_zones }
  me: { type: aws.sts.caller_identity }
  zone: { type: aws.route53.hosted_zone, name: example.test }
  here: { type: aws.region }
resources:
  param:
    type: aws.ssm.parameter
    properties:
      name: /data/zone
      type: String
      value: ${data.zone.id}
      description: '${join(",", data.azs.names)} in ${data.here.name} of ${data.me.account_id}'
outputs:
  azs: ${data.azs.names}
  zone_ids: ${data.azs.zone_ids}
  account: ${data.me.account_id}
  caller: ${data.me.arn}
  zone_id: ${data.zone.id}
  zone_name: ${data.zone.name}
  zone_arn: ${data.zone.arn}
  name_servers: ${data.zone.name_servers}
  region: ${data.here.name}
"#;
    let st = stack(text, &[]);
    let applied = h.apply(&st).await;
    let account = h.env.account().id().to_string();

    let azs = output(&applied, "azs");
    let names: Vec<&str> = azs.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(names.len() >= 2, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("ap-northeast-1")), "{names:?}");
    assert!(names.windows(2).all(|w| w[0] < w[1]), "not sorted: {names:?}");
    assert_eq!(output(&applied, "zone_ids").as_array().unwrap().len(), names.len());

    assert_eq!(output(&applied, "account"), serde_json::json!(account));
    assert!(output(&applied, "caller").as_str().unwrap().contains(&account));
    assert_eq!(output(&applied, "zone_id"), serde_json::json!(zone_id));
    assert!(!zone_id.contains('/'), "{zone_id}");
    assert_eq!(output(&applied, "zone_name"), serde_json::json!("example.test."));
    assert_eq!(output(&applied, "zone_arn"), serde_json::json!(format!("arn:aws:route53:::hostedzone/{zone_id}")));
    assert!(!output(&applied, "name_servers").as_array().unwrap().is_empty());
    assert_eq!(output(&applied, "region"), serde_json::json!("ap-northeast-1"));

    let param = &applied.state.resources["param"];
    let description = param.properties["description"].as_str().unwrap();
    assert_eq!(description, format!("{} in ap-northeast-1 of {account}", names.join(",")));
    assert!(h.plan(&st).await.is_empty(), "look-ups make a stack unstable");
}

#[tokio::test]
async fn hosted_zone_public_private_and_missing() {
    let h = harness("data-zones");
    let vpc = h.ec2().create_vpc().cidr_block("10.9.0.0/16").send().await.unwrap();
    let vpc_id = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    let public = zone(&h, "corp.test", None).await;
    let private = zone(&h, "corp.test", Some(&vpc_id)).await;
    let _other = zone(&h, "a.corp.test", None).await;
    let lookup = h.lookups.get("aws.route53.hosted_zone").unwrap();

    let mut args = Props::new();
    args.insert("name".into(), s("Corp.Test."));
    let got = lookup.read(REGION, &args).await.unwrap();
    assert_eq!(got["id"], s(&public));

    args.insert("private_zone".into(), Value::Bool(true));
    let got = lookup.read(REGION, &args).await.unwrap();
    assert_eq!(got["id"], s(&private));
    assert_eq!(got["name"], s("corp.test."));

    args.insert("name".into(), s("nowhere.test"));
    let err = lookup.read(REGION, &args).await.unwrap_err();
    assert!(err.message.contains("no private hosted zone named nowhere.test."), "{}", err.message);
}

#[tokio::test]
async fn availability_zones_in_another_region() {
    let h = harness("data-azs");
    let lookup = h.lookups.get("aws.ec2.availability_zones").unwrap();
    let got = lookup.read("us-east-1", &Props::new()).await.unwrap();
    let names = got["names"].as_list().unwrap();
    assert!(!names.is_empty());
    assert!(names.iter().all(|n| n.as_str().unwrap().starts_with("us-east-1")), "{names:?}");
    let ids = got["zone_ids"].as_list().unwrap();
    assert_eq!(ids.len(), names.len());
    assert!(ids.iter().all(|i| i.as_str().unwrap().starts_with("use1-az")), "{ids:?}");
    let region = h.lookups.get("aws.region").unwrap().read("eu-west-3", &Props::new()).await.unwrap();
    assert_eq!(region["name"], s("eu-west-3"));
}

fn args(pairs: &[(&str, Value)]) -> Props {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn tags(pairs: &[(&str, &str)]) -> Value {
    Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), s(v))).collect())
}

async fn tagged_vpc(h: &Harness, cidr: &str, tags: &[(&str, &str)]) -> String {
    let id = h.ec2().create_vpc().cidr_block(cidr).send().await.unwrap().vpc().unwrap().vpc_id().unwrap().to_string();
    let t = tags.iter().map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(*k).value(*v).build());
    h.ec2().create_tags().resources(&id).set_tags(Some(t.collect())).send().await.unwrap();
    id
}

#[tokio::test]
async fn vpc_by_id_tags_default_and_none_or_several() {
    let h = harness("data-vpc");
    let main = tagged_vpc(&h, "10.20.0.0/16", &[("Name", "main"), ("env", "prod")]).await;
    let _other = tagged_vpc(&h, "10.21.0.0/16", &[("Name", "other"), ("env", "prod")]).await;
    let lookup = h.lookups.get("aws.ec2.vpc").unwrap();

    let got = lookup.read(REGION, &args(&[("tags", tags(&[("Name", "main")]))])).await.unwrap();
    assert_eq!(got["id"], s(&main));
    assert_eq!(got["cidr_block"], s("10.20.0.0/16"));
    assert_eq!(got["is_default"], Value::Bool(false));
    assert!(got["arn"].as_str().unwrap().ends_with(&format!(":vpc/{main}")));
    let by_id = lookup.read(REGION, &args(&[("id", s(&main))])).await.unwrap();
    assert_eq!(by_id["owner_id"], got["owner_id"]);

    let default = lookup.read(REGION, &args(&[("default", Value::Bool(true))])).await.unwrap();
    assert_eq!(default["is_default"], Value::Bool(true));

    let err = lookup.read(REGION, &args(&[("tags", tags(&[("env", "prod")]))])).await.unwrap_err();
    assert!(err.message.contains("2 VPCs") && err.message.contains(&main), "{}", err.message);
    let err = lookup.read(REGION, &args(&[("tags", tags(&[("Name", "nope")]))])).await.unwrap_err();
    assert!(err.message.contains("no VPC"), "{}", err.message);
    assert!(lookup.read(REGION, &Props::new()).await.is_err(), "a look-up with no criterion");
}

#[tokio::test]
async fn subnets_by_vpc_tags_and_zones() {
    let h = harness("data-subnets");
    let vpc = tagged_vpc(&h, "10.30.0.0/16", &[("Name", "net")]).await;
    let mut made = Vec::new();
    for (cidr, az, tier) in
        [("10.30.0.0/24", "a", "public"), ("10.30.1.0/24", "c", "public"), ("10.30.2.0/24", "a", "private")]
    {
        let out = h.ec2().create_subnet().vpc_id(&vpc).cidr_block(cidr).availability_zone(format!("{REGION}{az}"));
        let id = out.send().await.unwrap().subnet().unwrap().subnet_id().unwrap().to_string();
        let t = aws_sdk_ec2::types::Tag::builder().key("tier").value(tier).build();
        h.ec2().create_tags().resources(&id).tags(t).send().await.unwrap();
        made.push(id);
    }
    let lookup = h.lookups.get("aws.ec2.subnets").unwrap();
    let got = lookup.read(REGION, &args(&[("vpc_id", s(&vpc))])).await.unwrap();
    let mut all = made.clone();
    all.sort();
    assert_eq!(got["ids"], Value::List(all.iter().map(|i| s(i)).collect()));
    assert_eq!(got["cidr_blocks"].as_list().unwrap().len(), 3);

    let public =
        lookup.read(REGION, &args(&[("vpc_id", s(&vpc)), ("tags", tags(&[("tier", "public")]))])).await.unwrap();
    let mut want = [made[0].clone(), made[1].clone()];
    want.sort();
    assert_eq!(public["ids"], Value::List(want.iter().map(|i| s(i)).collect()));

    let zone_a = Value::List(vec![s(&format!("{REGION}a"))]);
    let in_a = lookup
        .read(REGION, &args(&[("tags", tags(&[("tier", "public")])), ("availability_zones", zone_a)]))
        .await
        .unwrap();
    assert_eq!(in_a["ids"], Value::List(vec![s(&made[0])]));
    assert_eq!(in_a["cidr_blocks"], Value::List(vec![s("10.30.0.0/24")]));

    let none = lookup.read(REGION, &args(&[("tags", tags(&[("tier", "nope")]))])).await.unwrap();
    assert_eq!(none["ids"], Value::List(Vec::new()));
}

#[tokio::test]
async fn ssm_parameter_string_but_never_a_secure_string() {
    let h = harness("data-ssm");
    use aws_sdk_ssm::types::ParameterType;
    h.ssm().put_parameter().name("/app/plain").value("hello").r#type(ParameterType::String).send().await.unwrap();
    h.ssm()
        .put_parameter()
        .name("/app/secret")
        .value("s3cr3t")
        .r#type(ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let lookup = h.lookups.get("aws.ssm.parameter").unwrap();
    let got = lookup.read(REGION, &args(&[("name", s("/app/plain"))])).await.unwrap();
    assert_eq!(got["value"], s("hello"));
    assert_eq!(got["type"], s("String"));
    assert_eq!(got["version"], Value::Number(1.0));
    assert!(got["arn"].as_str().unwrap().contains("parameter/app/plain"));

    let err = lookup.read(REGION, &args(&[("name", s("/app/secret"))])).await.unwrap_err();
    assert!(err.message.contains("SecureString") && !err.message.contains("s3cr3t"), "{}", err.message);
    let err = lookup.read(REGION, &args(&[("name", s("/app/none"))])).await.unwrap_err();
    assert!(err.message.contains("no SSM parameter named /app/none"), "{}", err.message);
}

#[tokio::test]
async fn acm_certificate_by_domain_region_and_several() {
    let h = harness("data-acm");
    let lookup = h.lookups.get("aws.acm.certificate").unwrap();
    // The local AWS leaves a requested certificate PENDING_VALIDATION (no DNS to validate it).
    let statuses = || ("statuses", Value::List(vec![s("ISSUED"), s("PENDING_VALIDATION")]));
    let mut arns = Vec::new();
    for _ in 0..2 {
        let out = h.acm("us-east-1").request_certificate().domain_name("cdn.example.test").send().await.unwrap();
        arns.push(out.certificate_arn().unwrap().to_string());
    }
    let one = h.acm(REGION).request_certificate().domain_name("app.example.test").send().await.unwrap();
    let one = one.certificate_arn().unwrap().to_string();

    let err = lookup.read(REGION, &args(&[("domain", s("app.example.test"))])).await.unwrap_err();
    assert!(err.message.contains("with status ISSUED"), "not issued: {}", err.message);
    let got = lookup.read(REGION, &args(&[("domain", s("app.example.test")), statuses()])).await.unwrap();
    assert_eq!(got["arn"], s(&one));
    assert_eq!(got["status"], s("PENDING_VALIDATION"));
    assert_eq!(got["domain"], s("app.example.test"));

    let err = lookup.read(REGION, &args(&[("domain", s("cdn.example.test")), statuses()])).await.unwrap_err();
    assert!(err.message.contains("no certificate in ap-northeast-1"), "{}", err.message);
    let err = lookup.read("us-east-1", &args(&[("domain", s("cdn.example.test")), statuses()])).await.unwrap_err();
    assert!(err.message.contains("2 certificates"), "{}", err.message);
    let got = lookup
        .read("us-east-1", &args(&[("domain", s("cdn.example.test")), statuses(), ("most_recent", Value::Bool(true))]))
        .await
        .unwrap();
    assert!(arns.iter().any(|a| got["arn"] == s(a)), "{got:?}");
}

#[tokio::test]
async fn kms_alias_by_name() {
    let h = harness("data-kms");
    let key = h.kms().create_key().send().await.unwrap().key_metadata.unwrap();
    h.kms().create_alias().alias_name("alias/app").target_key_id(&key.key_id).send().await.unwrap();
    let lookup = h.lookups.get("aws.kms.alias").unwrap();
    let got = lookup.read(REGION, &args(&[("name", s("alias/app"))])).await.unwrap();
    assert_eq!(got["target_key_id"], s(&key.key_id));
    assert_eq!(got["target_key_arn"], s(key.arn.as_deref().unwrap()));
    assert!(got["arn"].as_str().unwrap().ends_with(":alias/app"));
    let err = lookup.read(REGION, &args(&[("name", s("alias/none"))])).await.unwrap_err();
    assert!(err.message.contains("no KMS alias named alias/none"), "{}", err.message);
}

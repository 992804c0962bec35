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

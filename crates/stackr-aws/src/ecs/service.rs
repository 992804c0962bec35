//! `aws.ecs.service`: a long-running ECS service, ready when its primary
//! deployment has completed (its tasks run and are healthy).
//!
//! In place (UpdateService): the task definition (a deployment), desired
//! count (often left to auto scaling with `ignore_changes`), capacity
//! provider strategy, platform version, network configuration, load
//! balancers, health check grace period, deployment settings (circuit
//! breaker, minimum healthy and maximum percent, sent together as AWS's
//! one DeploymentConfiguration), ECS Exec, managed tags, tag propagation,
//! zone rebalancing; tags with TagResource / UntagResource. The name,
//! cluster, launch type and scheduling strategy replace.
//!
//! `cluster` and `task_definition` are ARNs (`${cluster.arn}`,
//! `${task.arn}`): AWS reports ARNs, and a name written instead would read
//! back as a different value on every run.
//!
//! The id is the service ARN (long format, `service/CLUSTER/NAME`). Create
//! looks the name up first (ours is adopted, anyone else's is an error;
//! a namesake still draining is "not yet", retried by the engine) and sends
//! a client token. Delete scales to 0 and deletes with force; the engine
//! then waits (`deleted`) until the service is INACTIVE, so its cluster,
//! target group and task definition can go next.
//! A DRAINING or INACTIVE service counts as gone.
//!
//! Reads: DescribeServices with TAGS, per cluster, up to 10 services a call
//! (`common::describe_services`, shared with the scalable target during a refresh).
//! The test bed fills moto's gaps: CreateService keeps every setting it is
//! given, and deployments complete (testbed/stackr_moto/ecs.py).

use super::common::{self, invalid, map, num, object};
use crate::clients::Clients;
use crate::error::provider;
use crate::kit::fields::{self, to};
use crate::kit::{Field, not_in_place, vanished};
use crate::props::{self, s};
use crate::tags;
use async_trait::async_trait;
use aws_sdk_ecs::operation::create_service::builders::CreateServiceFluentBuilder;
use aws_sdk_ecs::types::{
    AssignPublicIp, AvailabilityZoneRebalancing, AwsVpcConfiguration, DeploymentCircuitBreaker,
    DeploymentConfiguration, LaunchType, LoadBalancer, NetworkConfiguration, PropagateTags, SchedulingStrategy,
    Service as SdkService,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// ECS client tokens are up to 36 characters.
const TOKEN_MAX: usize = 36;

pub struct Service {
    clients: Arc<Clients>,
}

/// (cluster, service name) of a service ARN.
fn parts(arn: &str) -> Result<(String, String), ProviderError> {
    match common::arn_path(arn).as_slice() {
        [cluster, name] => Ok((cluster.to_string(), name.to_string())),
        _ => Err(invalid(format!(
            "{arn} is not a service ARN of the long format (service/CLUSTER/NAME); enable serviceLongArnFormat"
        ))),
    }
}

fn require_arn(p: &Props, k: &str, example: &str) -> Result<String, ProviderError> {
    let v = props::require(p, k)?;
    if !v.starts_with("arn:") {
        return Err(invalid(format!(
            "`{k}` must be an ARN (e.g. `{example}`), not `{v}`: AWS reports ARNs, so anything else would differ on every run"
        )));
    }
    Ok(v)
}

/// A `network_configuration` value as ECS takes it.
fn network(n: &Props) -> Result<NetworkConfiguration, ProviderError> {
    let vpc = AwsVpcConfiguration::builder()
        .set_subnets(Some(props::strings(n, "subnets")))
        .set_security_groups(n.contains_key("security_groups").then(|| props::strings(n, "security_groups")))
        .set_assign_public_ip(
            props::boolean(n, "assign_public_ip")
                .map(|b| if b { AssignPublicIp::Enabled } else { AssignPublicIp::Disabled }),
        )
        .build()
        .map_err(|e| invalid(format!("network_configuration: {e}")))?;
    Ok(NetworkConfiguration::builder().awsvpc_configuration(vpc).build())
}

/// A `load_balancers` value as ECS takes it.
fn load_balancers(v: &Value) -> Result<Vec<LoadBalancer>, ProviderError> {
    v.as_list()
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_map)
        .map(|l| {
            Ok(LoadBalancer::builder()
                .set_target_group_arn(props::string(l, "target_group_arn"))
                .set_container_name(props::string(l, "container_name"))
                .set_container_port(crate::kit::int32(l, "container_port")?)
                .build())
        })
        .collect::<Result<Vec<_>, _>>()
}

/// The deployment configuration the properties ask for; `base` (the live
/// properties, on update) fills what they leave out, as AWS takes it whole.
fn deployment(p: &Props, base: Option<&Props>) -> Option<DeploymentConfiguration> {
    let pick = |k: &str| match p.get(k) {
        None | Some(Value::Null) => base.and_then(|b| b.get(k)),
        v => v,
    };
    let breaker = pick("deployment_circuit_breaker").and_then(breaker);
    let int = |k: &str| pick(k).and_then(percent);
    let (min, max) = (int("deployment_minimum_healthy_percent"), int("deployment_maximum_percent"));
    (breaker.is_some() || min.is_some() || max.is_some()).then(|| {
        DeploymentConfiguration::builder()
            .set_deployment_circuit_breaker(breaker)
            .set_minimum_healthy_percent(min)
            .set_maximum_percent(max)
            .build()
    })
}

/// A `deployment_circuit_breaker` value as ECS takes it.
fn breaker(v: &Value) -> Option<DeploymentCircuitBreaker> {
    v.as_map().map(|b| {
        DeploymentCircuitBreaker::builder()
            .enable(props::boolean(b, "enable").unwrap_or(false))
            .rollback(props::boolean(b, "rollback").unwrap_or(false))
            .build()
    })
}

/// A deployment percent as ECS takes it.
fn percent(v: &Value) -> Option<i32> {
    v.as_f64().map(|n| n as i32)
}

/// The create call with its deployment configuration, one setting more
/// (AWS takes the three settings as one DeploymentConfiguration).
fn with_deployment(
    c: CreateServiceFluentBuilder,
    set: impl FnOnce(&mut DeploymentConfiguration),
) -> CreateServiceFluentBuilder {
    let mut d = c.get_deployment_configuration().clone().unwrap_or_else(|| DeploymentConfiguration::builder().build());
    set(&mut d);
    c.deployment_configuration(d)
}

/// Schema ↔ AWS (`Service` of DescribeServices; CreateService). The
/// deployment settings are one DeploymentConfiguration.
type Row = Field<SdkService, CreateServiceFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "ServiceName", |x| x.service_name().map(s)).create(|c, v| Ok(c.service_name(to::text(v)?))),
    Row::new("cluster", "Cluster (ClusterArn)", |x| x.cluster_arn().map(s)).create(|c, v| Ok(c.cluster(to::text(v)?))),
    Row::new("task_definition", "TaskDefinition", |x| x.task_definition().map(s))
        .create(|c, v| Ok(c.task_definition(to::text(v)?))),
    Row::new("desired_count", "DesiredCount", |x| Some(num(x.desired_count())))
        .create(|c, v| Ok(c.desired_count(to::int32(v)?))),
    Row::new("launch_type", "LaunchType", |x| x.launch_type().map(|l| s(l.as_str())))
        .create(|c, v| Ok(c.launch_type(LaunchType::from(to::text(v)?.as_str())))),
    Row::new("capacity_provider_strategy", "CapacityProviderStrategy", |x| {
        (!x.capacity_provider_strategy().is_empty()).then(|| common::strategy_value(x.capacity_provider_strategy()))
    })
    .create(|c, v| Ok(c.set_capacity_provider_strategy(common::strategy(Some(v)).map_err(|e| e.message)?))),
    Row::new("platform_version", "PlatformVersion", |x| x.platform_version().map(s))
        .create(|c, v| Ok(c.platform_version(to::text(v)?))),
    Row::new("network_configuration", "NetworkConfiguration.AwsvpcConfiguration", |x| {
        let vpc = x.network_configuration().and_then(|n| n.awsvpc_configuration());
        vpc.map(|v| {
            let mut subnets = v.subnets().to_vec();
            subnets.sort();
            let mut groups = v.security_groups().to_vec();
            groups.sort();
            object([
                ("subnets", Some(props::list(subnets))),
                ("security_groups", common::strings(&groups)),
                ("assign_public_ip", Some(Value::Bool(v.assign_public_ip() == Some(&AssignPublicIp::Enabled)))),
            ])
        })
    })
    .create(|c, v| match v.as_map() {
        Some(n) => Ok(c.network_configuration(network(n).map_err(|e| e.message)?)),
        None => Ok(c),
    }),
    Row::new("load_balancers", "LoadBalancers", |x| {
        let lbs: Vec<Value> = x
            .load_balancers()
            .iter()
            .map(|l| {
                object([
                    ("target_group_arn", l.target_group_arn().map(s)),
                    ("container_name", l.container_name().map(s)),
                    ("container_port", l.container_port().map(num)),
                ])
            })
            .collect();
        Some(Value::List(lbs))
    })
    .create(|c, v| Ok(c.set_load_balancers(Some(load_balancers(v).map_err(|e| e.message)?)))),
    Row::new("health_check_grace_period_seconds", "HealthCheckGracePeriodSeconds", |x| {
        x.health_check_grace_period_seconds().map(num)
    })
    .create(|c, v| Ok(c.health_check_grace_period_seconds(to::int32(v)?))),
    Row::new("deployment_circuit_breaker", "DeploymentConfiguration.DeploymentCircuitBreaker", |x| {
        x.deployment_configuration()
            .and_then(|d| d.deployment_circuit_breaker())
            .map(|b| object([("enable", Some(Value::Bool(b.enable()))), ("rollback", Some(Value::Bool(b.rollback())))]))
    })
    .create(|c, v| {
        Ok(match breaker(v) {
            Some(b) => with_deployment(c, |d| d.deployment_circuit_breaker = Some(b)),
            None => c,
        })
    }),
    Row::new("deployment_minimum_healthy_percent", "DeploymentConfiguration.MinimumHealthyPercent", |x| {
        x.deployment_configuration().and_then(|d| d.minimum_healthy_percent()).map(num)
    })
    .create(|c, v| {
        Ok(match percent(v) {
            Some(n) => with_deployment(c, |d| d.minimum_healthy_percent = Some(n)),
            None => c,
        })
    }),
    Row::new("deployment_maximum_percent", "DeploymentConfiguration.MaximumPercent", |x| {
        x.deployment_configuration().and_then(|d| d.maximum_percent()).map(num)
    })
    .create(|c, v| {
        Ok(match percent(v) {
            Some(n) => with_deployment(c, |d| d.maximum_percent = Some(n)),
            None => c,
        })
    }),
    Row::new("enable_execute_command", "EnableExecuteCommand", |x| Some(Value::Bool(x.enable_execute_command())))
        .create(|c, v| Ok(c.enable_execute_command(to::boolean(v)?))),
    Row::new("enable_ecs_managed_tags", "EnableECSManagedTags", |x| Some(Value::Bool(x.enable_ecs_managed_tags())))
        .create(|c, v| Ok(c.enable_ecs_managed_tags(to::boolean(v)?))),
    Row::new("propagate_tags", "PropagateTags", |x| x.propagate_tags().map(|p| s(p.as_str())))
        .create(|c, v| Ok(c.propagate_tags(PropagateTags::from(to::text(v)?.as_str())))),
    Row::new("availability_zone_rebalancing", "AvailabilityZoneRebalancing", |x| {
        x.availability_zone_rebalancing().map(|a| s(a.as_str()))
    })
    .create(|c, v| Ok(c.availability_zone_rebalancing(AvailabilityZoneRebalancing::from(to::text(v)?.as_str())))),
    Row::new("scheduling_strategy", "SchedulingStrategy", |x| x.scheduling_strategy().map(|a| s(a.as_str())))
        .create(|c, v| Ok(c.scheduling_strategy(SchedulingStrategy::from(to::text(v)?.as_str())))),
];

fn observed(svc: &SdkService) -> Option<Observed> {
    if svc.status() != Some("ACTIVE") {
        return None;
    }
    let arn = svc.service_arn()?.to_string();
    let properties = fields::observed(FIELDS, svc);
    let attributes = props::build([("id", Some(s(&arn))), ("arn", Some(s(&arn)))]);
    Some(Observed { id: arn, properties, attributes, tags: common::tag_map(svc.tags()) })
}

impl Service {
    pub fn new(clients: Arc<Clients>) -> Self {
        Service { clients }
    }

    /// The services of one cluster among `names` (names or ARNs), in any
    /// status, by name. A missing cluster has none.
    async fn raw(
        &self,
        region: &str,
        cluster: &str,
        names: &[String],
    ) -> Result<HashMap<String, SdkService>, ProviderError> {
        let mut out = HashMap::new();
        for svc in common::describe_services(&self.clients, region, cluster, names).await?.iter() {
            // A name may be listed twice: an INACTIVE service and its
            // ACTIVE namesake; the live one wins.
            if let Some(name) = svc.service_name()
                && (svc.status() == Some("ACTIVE") || !out.contains_key(name))
            {
                out.insert(name.to_string(), svc.clone());
            }
        }
        Ok(out)
    }

    async fn raw_one(&self, region: &str, cluster: &str, name: &str) -> Result<Option<SdkService>, ProviderError> {
        Ok(self.raw(region, cluster, &[name.to_string()]).await?.remove(name))
    }

    async fn one(&self, region: &str, arn: &str) -> Result<Option<Observed>, ProviderError> {
        let (cluster, name) = parts(arn)?;
        Ok(self.raw_one(region, &cluster, &name).await?.as_ref().and_then(observed))
    }

    async fn must(&self, region: &str, arn: &str) -> Result<Observed, ProviderError> {
        self.one(region, arn).await?.ok_or_else(|| vanished("ECS service", arn))
    }
}

#[async_trait]
impl Reconciler for Service {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ecs::SERVICE
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut by_cluster: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for id in ids {
            let (cluster, _) = parts(id)?;
            by_cluster.entry(cluster).or_default().push(id.clone());
        }
        let mut found: HashMap<String, Observed> = HashMap::new();
        for (cluster, arns) in by_cluster {
            for svc in self.raw(region, &cluster, &arns).await?.values() {
                if let Some(o) = observed(svc) {
                    found.insert(o.id.clone(), o);
                }
            }
        }
        Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let (Some(cluster), Some(name)) =
            (props::string(&req.properties, "cluster"), props::string(&req.properties, "name"))
        else {
            return Ok(None);
        };
        let svc = self.raw_one(&req.target.region, &cluster, &name).await?;
        Ok(svc
            .as_ref()
            .and_then(observed)
            .filter(|o| !req.known_ids.contains(&o.id) && tags::ours(&o.tags, &req.target.stack, &req.target.address)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let name = props::require(p, "name")?;
        let cluster = require_arn(p, "cluster", "${cluster.arn}")?;
        require_arn(p, "task_definition", "${task.arn}")?;
        match self.raw_one(region, &cluster, &name).await? {
            Some(svc) if svc.status() == Some("ACTIVE") => {
                let live = observed(&svc).ok_or_else(|| vanished("ECS service", &name))?;
                return crate::kit::adopt_existing("an ECS service", &format!("{name} in {cluster}"), live, req);
            }
            Some(svc) if svc.status() == Some("DRAINING") => {
                return Err(ProviderError::not_yet(
                    format!("a service named {name} is still draining in {cluster}"),
                    None,
                ));
            }
            _ => {}
        }
        let token: String = req.token.chars().take(TOKEN_MAX).collect();
        let out = fields::create(FIELDS, self.clients.ecs(region).create_service(), p)?
            .set_tags(Some(common::ecs_tags(&req.tags)))
            .client_token(token)
            .send()
            .await
            .map_err(|e| provider("CreateService", e))?;
        let arn = out.service.and_then(|s| s.service_arn).ok_or_else(|| invalid("CreateService returned no ARN"))?;
        self.must(region, &arn).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let client = self.clients.ecs(region);
        let (cluster, name) = parts(&req.id)?;
        let d = &req.desired;
        let mut call = client.update_service().cluster(&cluster).service(&name);
        let mut send = false;
        for field in &req.changed {
            send |= field != "tags";
            call = match field.as_str() {
                "task_definition" => call.task_definition(require_arn(d, "task_definition", "${task.arn}")?),
                "desired_count" => call.set_desired_count(crate::kit::int32(d, "desired_count")?),
                "capacity_provider_strategy" => {
                    call.set_capacity_provider_strategy(common::strategy(d.get("capacity_provider_strategy"))?)
                }
                "platform_version" => call.set_platform_version(props::string(d, "platform_version")),
                "network_configuration" => {
                    call.set_network_configuration(map(d, "network_configuration").map(network).transpose()?)
                }
                "load_balancers" => call.set_load_balancers(Some(
                    d.get("load_balancers").map(load_balancers).transpose()?.unwrap_or_default(),
                )),
                "health_check_grace_period_seconds" => call
                    .set_health_check_grace_period_seconds(crate::kit::int32(d, "health_check_grace_period_seconds")?),
                "deployment_circuit_breaker" | "deployment_minimum_healthy_percent" | "deployment_maximum_percent" => {
                    call.set_deployment_configuration(deployment(d, Some(&req.observed.properties)))
                }
                "enable_execute_command" => {
                    call.enable_execute_command(props::boolean(d, "enable_execute_command").unwrap_or(false))
                }
                "enable_ecs_managed_tags" => {
                    call.enable_ecs_managed_tags(props::boolean(d, "enable_ecs_managed_tags").unwrap_or(false))
                }
                "propagate_tags" => call.set_propagate_tags(
                    Some(props::string(d, "propagate_tags").unwrap_or_else(|| "NONE".into()))
                        .map(|x| PropagateTags::from(x.as_str())),
                ),
                "availability_zone_rebalancing" => call.set_availability_zone_rebalancing(
                    props::string(d, "availability_zone_rebalancing")
                        .map(|x| AvailabilityZoneRebalancing::from(x.as_str())),
                ),
                "tags" => {
                    common::sync_tags(&client, &req.id, &req.observed.tags, &req.tags).await?;
                    call
                }
                other => return Err(not_in_place("an ECS service", other)),
            };
        }
        // A new capacity provider strategy or platform version reaches the
        // running tasks only through a new deployment, which UpdateService
        // starts only when forced
        // (<https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html>,
        // capacityProviderStrategy and forceNewDeployment).
        if req.changed.iter().any(|f| matches!(f.as_str(), "capacity_provider_strategy" | "platform_version")) {
            call = call.force_new_deployment(true);
        }
        if send {
            call.send().await.map_err(|e| provider("UpdateService", e))?;
        }
        self.must(region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let client = self.clients.ecs(region);
        let (cluster, name) = parts(&req.id)?;
        let Some(svc) = self.raw_one(region, &cluster, &name).await? else { return Ok(()) };
        if svc.status() == Some("ACTIVE") {
            if svc.desired_count() > 0 {
                let r = client.update_service().cluster(&cluster).service(&name).desired_count(0).send().await;
                crate::kit::tolerate("UpdateService", r, &["ServiceNotFoundException", "ServiceNotActiveException"])?;
            }
            let r = client.delete_service().cluster(&cluster).service(&name).force(true).send().await;
            // Already draining (deleted meanwhile) is as good.
            crate::kit::tolerate(
                "DeleteService",
                r,
                &["ServiceNotFoundException", "ClusterNotFoundException", "ServiceNotActiveException"],
            )?;
        }
        Ok(())
    }

    /// Gone once INACTIVE: DRAINING lasts while its tasks stop (1-5
    /// minutes), and the target group, the cluster and a new service of the
    /// same name must wait for it
    /// (<https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteService.html>).
    async fn deleted(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        let (cluster, name) = parts(id)?;
        Ok(match self.raw_one(region, &cluster, &name).await? {
            None => Readiness::Ready,
            Some(s) if s.status() == Some("INACTIVE") => Readiness::Ready,
            Some(s) => Readiness::Pending(s.status().unwrap_or("unknown").to_string()),
        })
    }

    async fn readiness(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        let (cluster, name) = parts(id)?;
        let Some(svc) = self.raw_one(region, &cluster, &name).await? else {
            return Ok(Readiness::Failed(format!("ECS service {id} is gone")));
        };
        if svc.status() != Some("ACTIVE") {
            return Ok(Readiness::Failed(format!("ECS service {id} is {}", svc.status().unwrap_or("unknown"))));
        }
        let Some(primary) = svc.deployments().iter().find(|d| d.status() == Some("PRIMARY")) else {
            return Ok(Readiness::Pending("no primary deployment yet".into()));
        };
        let counts = format!("{} of {} tasks running", primary.running_count(), primary.desired_count());
        Ok(match primary.rollout_state().map(|r| r.as_str()) {
            Some("COMPLETED") => Readiness::Ready,
            Some("FAILED") => Readiness::Failed(format!(
                "deployment failed: {} ({counts})",
                primary.rollout_state_reason().unwrap_or("no reason given")
            )),
            Some(state) => Readiness::Pending(format!("deployment {state}, {counts}")),
            None if svc.deployments().len() == 1 && primary.running_count() == primary.desired_count() => {
                Readiness::Ready
            }
            None => Readiness::Pending(format!("deploying, {counts}")),
        })
    }

    /// A deployment (health-check grace included) or a drain takes 2-10 minutes.
    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(30, 30, 30)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::ecs::SERVICE, &[]);
    }

    #[test]
    fn service_arn_parts() {
        let (c, n) = parts("arn:aws:ecs:ap-northeast-1:123456789012:service/web/wordpress").unwrap();
        assert_eq!((c.as_str(), n.as_str()), ("web", "wordpress"));
        assert!(parts("arn:aws:ecs:ap-northeast-1:123456789012:service/wordpress").is_err());
    }

    #[test]
    fn names_instead_of_arns_are_refused() {
        let p: Props = [("cluster".to_string(), s("web"))].into();
        let e = require_arn(&p, "cluster", "${cluster.arn}").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid);
        assert!(e.message.contains("${cluster.arn}"), "{}", e.message);
    }

    #[test]
    fn deployment_settings_fill_from_live() {
        let live: Props = [
            ("deployment_maximum_percent".to_string(), num(200)),
            ("deployment_minimum_healthy_percent".to_string(), num(100)),
        ]
        .into();
        let want: Props = [("deployment_minimum_healthy_percent".to_string(), num(50))].into();
        let d = deployment(&want, Some(&live)).unwrap();
        assert_eq!((d.minimum_healthy_percent(), d.maximum_percent()), (Some(50), Some(200)));
        assert!(deployment(&Props::new(), None).is_none());
    }
}

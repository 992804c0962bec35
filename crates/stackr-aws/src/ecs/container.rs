//! Container definitions of a task definition: from the stack's shape
//! (`crates/stackr-schema/src/ecs/container_definition.rs`, snake_case,
//! `environment` and `secrets` as maps) to AWS's, and back.
//!
//! Reading back reports what AWS holds, defaults included (`essential`,
//! `cpu: 0`, a port mapping's `protocol: tcp` and `host_port`); the
//! engine's diff compares only the fields a stack sets inside each
//! container, so those defaults never show as a change. Empty lists and
//! maps AWS returns for fields never set are left out.

use super::common::{invalid, map, maps, num, object, string_map, string_map_value, strings};
use crate::props::{self, s};
use aws_sdk_ecs::types::{
    ApplicationProtocol, ContainerCondition, ContainerDefinition, ContainerDependency, HealthCheck, KernelCapabilities,
    KeyValuePair, LinuxParameters, LogConfiguration, LogDriver, MountPoint, PortMapping, Secret, TransportProtocol,
    Ulimit, UlimitName,
};
use stackr_core::value::Value;
use stackr_engine::reconciler::{Props, ProviderError};

fn opt_strings(p: &Props, k: &str) -> Option<Vec<String>> {
    p.contains_key(k).then(|| props::strings(p, k))
}

fn secret(name: String, value_from: String) -> Result<Secret, ProviderError> {
    Secret::builder().name(name).value_from(value_from).build().map_err(|e| invalid(format!("secret: {e}")))
}

/// One container definition for RegisterTaskDefinition.
pub fn to_sdk(v: &Value) -> Result<ContainerDefinition, ProviderError> {
    let c = v.as_map().ok_or_else(|| invalid("each container definition must be a map"))?;
    let name = props::require(c, "name")?;
    let ports = maps(c, "port_mappings")
        .into_iter()
        .map(|m| {
            Ok(PortMapping::builder()
                .set_container_port(crate::kit::int32(m, "container_port")?)
                .set_host_port(crate::kit::int32(m, "host_port")?)
                .set_protocol(props::string(m, "protocol").map(|p| TransportProtocol::from(p.as_str())))
                .set_name(props::string(m, "name"))
                .set_app_protocol(props::string(m, "app_protocol").map(|p| ApplicationProtocol::from(p.as_str())))
                .build())
        })
        .collect::<Result<Vec<_>, ProviderError>>()?;
    let environment = string_map(c, "environment")
        .into_iter()
        .map(|(k, v)| KeyValuePair::builder().name(k).value(v).build())
        .collect::<Vec<_>>();
    let secrets = string_map(c, "secrets").into_iter().map(|(k, v)| secret(k, v)).collect::<Result<Vec<_>, _>>()?;
    let mounts = maps(c, "mount_points")
        .into_iter()
        .map(|m| {
            MountPoint::builder()
                .set_source_volume(props::string(m, "source_volume"))
                .set_container_path(props::string(m, "container_path"))
                .set_read_only(props::boolean(m, "read_only"))
                .build()
        })
        .collect::<Vec<_>>();
    let log = match map(c, "log_configuration") {
        None => None,
        Some(l) => {
            let secret_options = string_map(l, "secret_options")
                .into_iter()
                .map(|(k, v)| secret(k, v))
                .collect::<Result<Vec<_>, _>>()?;
            Some(
                LogConfiguration::builder()
                    .set_log_driver(props::string(l, "log_driver").map(|d| LogDriver::from(d.as_str())))
                    .set_options(map(l, "options").map(|_| string_map(l, "options").into_iter().collect()))
                    .set_secret_options((!secret_options.is_empty()).then_some(secret_options))
                    .build()
                    .map_err(|e| invalid(format!("container {name}: log_configuration: {e}")))?,
            )
        }
    };
    let health = match map(c, "health_check") {
        None => None,
        Some(h) => Some(
            HealthCheck::builder()
                .set_command(Some(props::strings(h, "command")))
                .set_interval(crate::kit::int32(h, "interval")?)
                .set_timeout(crate::kit::int32(h, "timeout")?)
                .set_retries(crate::kit::int32(h, "retries")?)
                .set_start_period(crate::kit::int32(h, "start_period")?)
                .build()
                .map_err(|e| invalid(format!("container {name}: health_check: {e}")))?,
        ),
    };
    let depends_on = maps(c, "depends_on")
        .into_iter()
        .map(|d| {
            ContainerDependency::builder()
                .set_container_name(props::string(d, "container_name"))
                .set_condition(props::string(d, "condition").map(|c| ContainerCondition::from(c.as_str())))
                .build()
                .map_err(|e| invalid(format!("container {name}: depends_on: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let linux = map(c, "linux_parameters").map(|l| {
        LinuxParameters::builder()
            .set_init_process_enabled(props::boolean(l, "init_process_enabled"))
            .set_capabilities(map(l, "capabilities").map(|k| {
                KernelCapabilities::builder().set_add(opt_strings(k, "add")).set_drop(opt_strings(k, "drop")).build()
            }))
            .build()
    });
    let ulimits = maps(c, "ulimits")
        .into_iter()
        .map(|u| {
            Ulimit::builder()
                .set_name(props::string(u, "name").map(|n| UlimitName::from(n.as_str())))
                .set_soft_limit(crate::kit::int32(u, "soft_limit")?)
                .set_hard_limit(crate::kit::int32(u, "hard_limit")?)
                .build()
                .map_err(|e| invalid(format!("container {name}: ulimits: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let labels = map(c, "docker_labels").map(|_| string_map(c, "docker_labels").into_iter().collect());
    Ok(ContainerDefinition::builder()
        .name(&name)
        .set_image(props::string(c, "image"))
        .set_essential(props::boolean(c, "essential"))
        .set_cpu(crate::kit::int32(c, "cpu")?)
        .set_memory(crate::kit::int32(c, "memory")?)
        .set_memory_reservation(crate::kit::int32(c, "memory_reservation")?)
        .set_port_mappings((!ports.is_empty()).then_some(ports))
        .set_environment((!environment.is_empty()).then_some(environment))
        .set_secrets((!secrets.is_empty()).then_some(secrets))
        .set_mount_points((!mounts.is_empty()).then_some(mounts))
        .set_log_configuration(log)
        .set_command(opt_strings(c, "command"))
        .set_entry_point(opt_strings(c, "entry_point"))
        .set_working_directory(props::string(c, "working_dir"))
        .set_user(props::string(c, "user"))
        .set_health_check(health)
        .set_depends_on((!depends_on.is_empty()).then_some(depends_on))
        .set_readonly_root_filesystem(props::boolean(c, "readonly_root_filesystem"))
        .set_linux_parameters(linux)
        .set_ulimits((!ulimits.is_empty()).then_some(ulimits))
        .set_docker_labels(labels)
        .set_stop_timeout(crate::kit::int32(c, "stop_timeout")?)
        .set_start_timeout(crate::kit::int32(c, "start_timeout")?)
        .build())
}

fn secrets_value(secrets: &[Secret]) -> Option<Value> {
    string_map_value(secrets.iter().map(|x| (x.name().to_string(), x.value_from().to_string())))
}

/// One container definition as the property reports it.
pub fn from_sdk(c: &ContainerDefinition) -> Value {
    let ports: Vec<Value> = c
        .port_mappings()
        .iter()
        .map(|p| {
            object([
                ("container_port", p.container_port().map(num)),
                ("host_port", p.host_port().map(num)),
                ("protocol", p.protocol().map(|x| s(x.as_str()))),
                ("name", p.name().map(s)),
                ("app_protocol", p.app_protocol().map(|x| s(x.as_str()))),
            ])
        })
        .collect();
    let mounts: Vec<Value> = c
        .mount_points()
        .iter()
        .map(|m| {
            object([
                ("source_volume", m.source_volume().map(s)),
                ("container_path", m.container_path().map(s)),
                ("read_only", m.read_only().map(Value::Bool)),
            ])
        })
        .collect();
    let log = c.log_configuration().map(|l| {
        object([
            ("log_driver", Some(s(l.log_driver().as_str()))),
            ("options", l.options().and_then(|o| string_map_value(o.iter().map(|(k, v)| (k.clone(), v.clone()))))),
            ("secret_options", secrets_value(l.secret_options())),
        ])
    });
    let health = c.health_check().map(|h| {
        object([
            ("command", Some(props::list(h.command().iter().cloned()))),
            ("interval", h.interval().map(num)),
            ("timeout", h.timeout().map(num)),
            ("retries", h.retries().map(num)),
            ("start_period", h.start_period().map(num)),
        ])
    });
    let depends: Vec<Value> = c
        .depends_on()
        .iter()
        .map(|d| {
            object([("container_name", Some(s(d.container_name()))), ("condition", Some(s(d.condition().as_str())))])
        })
        .collect();
    let linux = c.linux_parameters().map(|l| {
        object([
            ("init_process_enabled", l.init_process_enabled().map(Value::Bool)),
            (
                "capabilities",
                l.capabilities().map(|k| object([("add", strings(k.add())), ("drop", strings(k.drop()))])),
            ),
        ])
    });
    let ulimits: Vec<Value> = c
        .ulimits()
        .iter()
        .map(|u| {
            object([
                ("name", Some(s(u.name().as_str()))),
                ("soft_limit", Some(num(u.soft_limit()))),
                ("hard_limit", Some(num(u.hard_limit()))),
            ])
        })
        .collect();
    let list = |v: Vec<Value>| (!v.is_empty()).then_some(Value::List(v));
    object([
        ("name", c.name().map(s)),
        ("image", c.image().map(s)),
        ("essential", c.essential().map(Value::Bool)),
        ("cpu", Some(num(c.cpu()))),
        ("memory", c.memory().map(num)),
        ("memory_reservation", c.memory_reservation().map(num)),
        ("port_mappings", list(ports)),
        (
            "environment",
            string_map_value(
                c.environment()
                    .iter()
                    .filter_map(|e| Some((e.name()?.to_string(), e.value().unwrap_or_default().to_string()))),
            ),
        ),
        ("secrets", secrets_value(c.secrets())),
        ("mount_points", list(mounts)),
        ("log_configuration", log),
        ("command", strings(c.command())),
        ("entry_point", strings(c.entry_point())),
        ("working_dir", c.working_directory().map(s)),
        ("user", c.user().map(s)),
        ("health_check", health),
        ("depends_on", list(depends)),
        ("readonly_root_filesystem", c.readonly_root_filesystem().map(Value::Bool)),
        ("linux_parameters", linux),
        ("ulimits", list(ulimits)),
        (
            "docker_labels",
            c.docker_labels().and_then(|l| string_map_value(l.iter().map(|(k, v)| (k.clone(), v.clone())))),
        ),
        ("stop_timeout", c.stop_timeout().map(num)),
        ("start_timeout", c.start_timeout().map(num)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(j: serde_json::Value) -> Value {
        Value::from_json(&j)
    }

    #[test]
    fn round_trip_keeps_what_was_written() {
        let written = value(serde_json::json!({
            "name": "web",
            "image": "wordpress:6",
            "essential": true,
            "cpu": 256,
            "port_mappings": [{ "container_port": 80, "protocol": "tcp" }],
            "environment": { "A": "1", "B": "2" },
            "secrets": { "DB_PASSWORD": "arn:aws:ssm:ap-northeast-1:123456789012:parameter/db" },
            "mount_points": [{ "source_volume": "wp", "container_path": "/var/www/html" }],
            "log_configuration": { "log_driver": "awslogs", "options": { "awslogs-group": "/ecs/wp" } },
            "health_check": { "command": ["CMD-SHELL", "true"], "interval": 30 },
            "linux_parameters": { "init_process_enabled": true },
        }));
        let back = from_sdk(&to_sdk(&written).unwrap());
        assert_eq!(back, written);
    }

    #[test]
    fn aws_defaults_are_reported() {
        let sdk = to_sdk(&value(serde_json::json!({ "name": "web", "image": "x" }))).unwrap();
        let back = from_sdk(&sdk);
        assert_eq!(back.as_map().unwrap().get("cpu"), Some(&num(0)));
        assert!(!back.as_map().unwrap().contains_key("environment"));
    }

    #[test]
    fn a_container_without_a_name_is_refused() {
        assert!(to_sdk(&value(serde_json::json!({ "image": "x" }))).is_err());
        assert!(to_sdk(&s("not a map")).is_err());
    }
}

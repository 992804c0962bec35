//! What RegisterTaskDefinition refuses in a task definition as a whole:
//! the task sizes Fargate offers, its network mode, and containers that
//! must name each other
//! (<https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size>,
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html>).

use crate::kit::invalid;
use crate::props;
use stackr_core::value::Value;
use stackr_engine::reconciler::{Props, ProviderError};

/// CPU units, and the memory (MiB) Fargate pairs with them: from, to, step.
const SIZES: &[(u32, u32, u32, u32)] = &[
    (256, 512, 2048, 512),
    (512, 1024, 4096, 1024),
    (1024, 2048, 8192, 1024),
    (2048, 4096, 16384, 1024),
    (4096, 8192, 30720, 1024),
    (8192, 16384, 61440, 4096),
    (16384, 32768, 122880, 8192),
];

/// CPU units from "1024" or "1 vCPU"; memory MiB from "2048" or "2 GB".
fn amount(text: &str, unit: &str, per_unit: f64) -> Option<u32> {
    let t = text.trim();
    let n = match t.strip_suffix(unit).or_else(|| t.strip_suffix(&unit.to_ascii_lowercase())) {
        Some(n) => n.trim().parse::<f64>().ok()? * per_unit,
        None => t.parse::<f64>().ok()?,
    };
    (n.fract() == 0.0 && n > 0.0 && n <= f64::from(u32::MAX)).then_some(n as u32)
}

pub(super) fn check(p: &Props) -> Result<(), ProviderError> {
    containers(p)?;
    let fargate = matches!(p.get("requires_compatibilities"), Some(Value::List(l))
        if l.iter().any(|c| c.as_str() == Some("FARGATE")));
    if !fargate {
        return Ok(());
    }
    if let Some(mode) = props::string(p, "network_mode").filter(|m| m != "awsvpc") {
        return Err(invalid(format!("`network_mode`: Fargate tasks use awsvpc, not {mode}")));
    }
    let (Some(cpu_text), Some(mem_text)) = (props::string(p, "cpu"), props::string(p, "memory")) else {
        if p.get("cpu").is_some_and(Value::contains_unknown) || p.get("memory").is_some_and(Value::contains_unknown) {
            return Ok(());
        }
        return Err(invalid("`cpu`: a Fargate task needs its `cpu` and `memory`, e.g. \"256\" and \"512\""));
    };
    let cpu = amount(&cpu_text, "vCPU", 1024.0);
    let mem = amount(&mem_text, "GB", 1024.0);
    let Some(&(units, from, to, step)) = cpu.and_then(|c| SIZES.iter().find(|s| s.0 == c)) else {
        let offered: Vec<String> = SIZES.iter().map(|s| s.0.to_string()).collect();
        return Err(invalid(format!("`cpu`: {cpu_text} is not a Fargate size: {} CPU units", offered.join(", "))));
    };
    match mem {
        Some(m) if m >= from && m <= to && (m - from) % step == 0 => Ok(()),
        _ => Err(invalid(format!(
            "`memory`: {mem_text} is not offered with {units} CPU units on Fargate: {from} to {to} MiB, in steps of \
             {step}"
        ))),
    }
}

/// Container names once each, and start-order dependencies on containers
/// of the task.
fn containers(p: &Props) -> Result<(), ProviderError> {
    let Some(Value::List(list)) = p.get("container_definitions") else { return Ok(()) };
    let names: Vec<Option<String>> = list.iter().map(|c| c.as_map().and_then(|m| props::string(m, "name"))).collect();
    for (i, name) in names.iter().enumerate() {
        if let Some(n) = name
            && names[..i].contains(name)
        {
            return Err(invalid(format!(
                "`container_definitions[{i}].name`: two containers are named {n}; each needs its own"
            )));
        }
    }
    for (i, c) in list.iter().enumerate() {
        let Some(Value::List(deps)) = c.as_map().and_then(|m| m.get("depends_on")) else { continue };
        for d in deps.iter().filter_map(Value::as_map) {
            let Some(other) = props::string(d, "container_name") else { continue };
            if !names.iter().flatten().any(|n| *n == other) {
                return Err(invalid(format!(
                    "`container_definitions[{i}].depends_on`: no container of the task is named {other}"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(cpu: &str, memory: &str, mode: &str) -> Props {
        [
            ("cpu".to_string(), Value::String(cpu.into())),
            ("memory".to_string(), Value::String(memory.into())),
            ("network_mode".to_string(), Value::String(mode.into())),
            ("requires_compatibilities".to_string(), Value::List(vec![Value::String("FARGATE".into())])),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn fargate_sizes() {
        assert!(check(&task("256", "512", "awsvpc")).is_ok());
        assert!(check(&task("1 vCPU", "2 GB", "awsvpc")).is_ok());
        assert!(check(&task("4096", "30720", "awsvpc")).is_ok());
        let e = check(&task("256", "4096", "awsvpc")).unwrap_err();
        assert!(e.message.contains("512 to 2048 MiB"), "{}", e.message);
        assert!(check(&task("300", "1024", "awsvpc")).unwrap_err().message.contains("not a Fargate size"));
        assert!(check(&task("256", "512", "bridge")).unwrap_err().message.contains("awsvpc"));
        assert!(check(&task("512", "1536", "awsvpc")).is_err(), "steps of 1024");
    }
}

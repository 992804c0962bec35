//! `stackr.stack_outputs`: another stack's outputs, read from its state.
//!
//! Read-only: the state is loaded as a plan would load it, never locked,
//! so reading a stack that is being applied neither waits nor blocks it
//! (it sees the outputs of the last completed write). Sensitive outputs
//! are left out: they stay where they were made.

use crate::backend::store_for;
use async_trait::async_trait;
use stackr_core::model::StateConfig;
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_core::{VarInputs, load};
use stackr_engine::reconciler::{ErrorKind, Lookup, Props, ProviderError};
use std::collections::BTreeMap;
use std::path::PathBuf;

pub struct StackOutputs {
    /// The folder of the stack file that reads: relative paths start here.
    pub base: PathBuf,
}

fn invalid(message: String) -> ProviderError {
    ProviderError::new(ErrorKind::Invalid, message)
}

fn text(args: &Props, name: &str) -> Option<String> {
    match args.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

impl StackOutputs {
    /// Where the other stack's state is, and how to name it in messages.
    fn location(&self, region: &str, args: &Props) -> Result<(StateConfig, String), ProviderError> {
        let given = ["stack_file", "path", "bucket"].iter().filter(|k| text(args, k).is_some()).count();
        if given != 1 {
            return Err(invalid(
                "name exactly one of `stack_file` (the other stack's file), `path` (its local state file) \
                 or `bucket` with `key` (its state in S3)"
                    .into(),
            ));
        }
        if let Some(file) = text(args, "stack_file") {
            let path = self.base.join(&file);
            let inputs = VarInputs { cli: var_texts(args.get("vars")), ..Default::default() };
            let stack = load(&path, &inputs, &stackr_schema::Types).map_err(|e| {
                invalid(format!("cannot load {file} to find its state:\n{}", e.diagnostics.render_short(&e.sources)))
            })?;
            return Ok((stack.state, format!("stack {} ({file})", stack.name)));
        }
        if let Some(path) = text(args, "path") {
            return Ok((StateConfig::Local { path: self.base.join(&path) }, format!("the state {path}")));
        }
        let bucket = text(args, "bucket").unwrap_or_default();
        let key = text(args, "key").ok_or_else(|| invalid("`bucket` needs `key`, the state object's key".into()))?;
        let region = text(args, "region").unwrap_or_else(|| region.to_string());
        let named = format!("the state s3://{bucket}/{key}");
        Ok((StateConfig::S3 { bucket, key, region, kms_key_id: None }, named))
    }
}

/// `vars:` given as `--var` texts: strings as they are, the rest as JSON
/// (which the loader reads as YAML).
fn var_texts(v: Option<&Value>) -> Vec<(String, String)> {
    let Some(Value::Map(m)) = v else { return Vec::new() };
    m.iter()
        .map(|(k, v)| {
            let t = match v {
                Value::String(s) => s.clone(),
                other => other.to_interpolated().unwrap_or_else(|| other.to_json().to_string()),
            };
            (k.clone(), t)
        })
        .collect()
}

#[async_trait]
impl Lookup for StackOutputs {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::stack::STACK_OUTPUTS
    }

    async fn read(&self, region: &str, args: &Props) -> Result<Props, ProviderError> {
        let (config, named) = self.location(region, args)?;
        let store = store_for(&config).await;
        let loaded = store
            .load()
            .await
            .map_err(|e| ProviderError::new(ErrorKind::Other, format!("cannot read {named}: {e}")))?;
        let Some(v) = loaded else {
            return Err(invalid(format!(
                "{named} has not been applied: there is no state at {}; apply it first",
                store.location()
            )));
        };
        let outputs: BTreeMap<String, Value> = v
            .state
            .outputs
            .iter()
            .filter(|(_, o)| !o.sensitive)
            .map(|(k, o)| (k.clone(), Value::from_json(&o.value)))
            .collect();
        let mut out = Props::new();
        out.insert("stack".into(), Value::String(v.state.stack.clone()));
        out.insert("outputs".into(), Value::Map(outputs));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stackr_state::local::LocalStore;
    use stackr_state::{LockInfo, OutputState, State, StateStore};

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("stackr-outputs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn args(pairs: &[(&str, Value)]) -> Props {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[tokio::test]
    async fn reads_what_was_applied_without_the_sensitive_and_despite_a_lock() {
        let base = dir("read");
        let store = LocalStore::new(base.join("state/net.json"));
        let mut state = State::new("net", "test");
        state.serial = 1;
        state
            .outputs
            .insert("vpc_id".into(), OutputState { value: serde_json::json!("vpc-1"), sensitive: false, digest: None });
        state
            .outputs
            .insert("token".into(), OutputState { value: serde_json::json!("s3cret"), sensitive: true, digest: None });
        store.lock(&LockInfo::for_this_process("apply")).await.unwrap();
        store.save(&state, None).await.unwrap();

        // The stack is being applied (its lock held): reading neither waits nor fails.
        let lookup = StackOutputs { base: base.clone() };
        let got = lookup.read("ap-northeast-1", &args(&[("path", Value::String("state/net.json".into()))])).await;
        let got = got.expect("read");
        assert_eq!(got["stack"], Value::String("net".into()));
        let Value::Map(outputs) = &got["outputs"] else { panic!("outputs: {got:?}") };
        assert_eq!(outputs.keys().collect::<Vec<_>>(), ["vpc_id"], "sensitive outputs stay where they were made");
        assert!(store.lock_holder().await.unwrap().is_some(), "the holder keeps its lock");
        let _ = std::fs::remove_dir_all(&base);
    }

    #[tokio::test]
    async fn a_stack_not_applied_and_an_unnamed_stack_are_clear_errors() {
        let base = dir("errors");
        let lookup = StackOutputs { base: base.clone() };
        let e = lookup.read("r", &args(&[("path", Value::String("state/none.json".into()))])).await.unwrap_err();
        assert!(e.message.contains("has not been applied") && e.message.contains("none.json"), "{}", e.message);
        let e = lookup.read("r", &args(&[])).await.unwrap_err();
        assert!(e.message.contains("exactly one of `stack_file`"), "{}", e.message);
        let both = args(&[("path", Value::String("a".into())), ("bucket", Value::String("b".into()))]);
        assert!(lookup.read("r", &both).await.is_err());
        let e = lookup.read("r", &args(&[("bucket", Value::String("b".into()))])).await.unwrap_err();
        assert!(e.message.contains("`key`"), "{}", e.message);
        let e = lookup.read("r", &args(&[("stack_file", Value::String("nope.yaml".into()))])).await.unwrap_err();
        assert!(e.message.contains("cannot load nope.yaml"), "{}", e.message);
        let _ = std::fs::remove_dir_all(&base);
    }
}

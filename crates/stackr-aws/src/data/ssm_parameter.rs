//! `aws.ssm.parameter` (look-up): a String or StringList parameter by name
//! (GetParameter, without decryption). A look-up's results are not
//! secrets to the engine (they are evaluated into plans, outputs and the
//! properties recorded in state), so a SecureString is refused rather than
//! read: its value would leak.

use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::invalid;
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_ssm::types::ParameterType;
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::{Lookup, Props, ProviderError};
use std::sync::Arc;

pub struct SsmParameter {
    clients: Arc<Clients>,
}

impl SsmParameter {
    pub fn new(clients: Arc<Clients>) -> Self {
        SsmParameter { clients }
    }
}

#[async_trait]
impl Lookup for SsmParameter {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ssm::PARAMETER_DATA
    }

    async fn read(&self, region: &str, args: &Props) -> Result<Props, ProviderError> {
        let name = props::require(args, "name")?;
        let out = match self.clients.ssm(region).get_parameter().name(&name).with_decryption(false).send().await {
            Ok(out) => out,
            Err(e) if is(&e, &["ParameterNotFound"]) => {
                return Err(invalid(format!("no SSM parameter named {name} in {region}")));
            }
            Err(e) => return Err(provider("GetParameter", e)),
        };
        let Some(p) = out.parameter else {
            return Err(invalid(format!("no SSM parameter named {name} in {region}")));
        };
        if p.r#type() == Some(&ParameterType::SecureString) {
            return Err(invalid(format!(
                "SSM parameter {name} is a SecureString: a look-up's results are written to state and shown in \
                 plans, so its value cannot be read here; pass the parameter's name to what needs the secret \
                 (an ECS task's `secrets`, say) instead"
            )));
        }
        Ok(props::build([
            ("value", p.value().map(s)),
            ("type", p.r#type().map(|t| s(t.as_str()))),
            ("version", Some(Value::Number(p.version() as f64))),
            ("arn", p.arn().map(s)),
        ]))
    }
}

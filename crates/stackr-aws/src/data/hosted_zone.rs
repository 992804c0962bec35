//! `aws.route53.hosted_zone`: an existing hosted zone found by name and
//! kind (public or private), via ListHostedZonesByName, which lists zones
//! in name order starting at the given name; then GetHostedZone for its
//! name servers. The id comes without AWS's `/hostedzone/` prefix.

use crate::clients::Clients;
use crate::error::provider;
use crate::props::{self, list, s};
use async_trait::async_trait;
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::{ErrorKind, Lookup, Props, ProviderError};
use std::sync::Arc;

pub struct HostedZone {
    clients: Arc<Clients>,
}

impl HostedZone {
    pub fn new(clients: Arc<Clients>) -> Self {
        HostedZone { clients }
    }
}

/// `example.com` and `Example.COM.` are the same zone name.
fn canonical(name: &str) -> String {
    let n = name.trim().to_ascii_lowercase();
    if n.ends_with('.') { n } else { format!("{n}.") }
}

/// The ARN partition of a region.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// `/hostedzone/Z123` → `Z123`.
pub fn strip_prefix(id: &str) -> &str {
    id.trim_start_matches("/hostedzone/")
}

#[async_trait]
impl Lookup for HostedZone {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::route53::HOSTED_ZONE
    }

    async fn read(&self, region: &str, args: &Props) -> Result<Props, ProviderError> {
        let wanted = props::require(args, "name")?;
        let name = canonical(&wanted);
        let private = props::boolean(args, "private_zone").unwrap_or(false);
        let client = self.clients.route53();
        let mut matches = Vec::new();
        let mut next: Option<(String, Option<String>)> = Some((name.clone(), None));
        while let Some((dns_name, zone_id)) = next.take() {
            let page = client
                .list_hosted_zones_by_name()
                .dns_name(dns_name)
                .set_hosted_zone_id(zone_id)
                .send()
                .await
                .map_err(|e| provider("ListHostedZonesByName", e))?;
            let mut past = false;
            for z in page.hosted_zones {
                if canonical(&z.name) != name {
                    // Listed in name order: nothing further can match.
                    past = true;
                    break;
                }
                if z.config.as_ref().is_some_and(|c| c.private_zone) == private {
                    matches.push(z);
                }
            }
            if page.is_truncated
                && !past
                && let Some(n) = page.next_dns_name
            {
                next = Some((n, page.next_hosted_zone_id));
            }
        }
        let kind = if private { "private" } else { "public" };
        let zone = match matches.len() {
            0 => {
                return Err(ProviderError::new(
                    ErrorKind::Invalid,
                    format!("no {kind} hosted zone named {name} in this account"),
                ));
            }
            1 => matches.remove(0),
            n => {
                let ids: Vec<&str> = matches.iter().map(|z| strip_prefix(&z.id)).collect();
                return Err(ProviderError::new(
                    ErrorKind::Invalid,
                    format!(
                        "{n} {kind} hosted zones are named {name} ({}); the look-up needs exactly one",
                        ids.join(", ")
                    ),
                ));
            }
        };
        let id = strip_prefix(&zone.id).to_string();
        let got = client.get_hosted_zone().id(&id).send().await.map_err(|e| provider("GetHostedZone", e))?;
        let name_servers = got.delegation_set.map(|d| d.name_servers).unwrap_or_default();
        Ok(props::build([
            ("id", Some(s(&id))),
            ("arn", Some(s(format!("arn:{}:route53:::hostedzone/{id}", partition(region))))),
            ("name", Some(s(canonical(&zone.name)))),
            ("name_servers", Some(list(name_servers))),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids() {
        assert_eq!(canonical("Example.com"), "example.com.");
        assert_eq!(canonical("example.com."), "example.com.");
        assert_eq!(strip_prefix("/hostedzone/Z1"), "Z1");
        assert_eq!(strip_prefix("Z1"), "Z1");
    }
}

//! Every role of the account in two reads, during a refresh.
//!
//! Observing a role one at a time takes GetRole, ListRolePolicies, one
//! GetRolePolicy per inline policy and ListAttachedRolePolicies. During a
//! refresh ([`crate::readcache`]) the role type reads the account once
//! instead, shared by every role of the refresh:
//! - GetAccountAuthorizationDetails (`Filter=Role`) gives each role's trust
//!   policy, inline policies with their documents, attached managed
//!   policies, permissions boundary and tags;
//! - ListRoles gives what that leaves out: description and maximum session
//!   duration.
//!
//! Both are paginated over every role of the account, so the cost grows with
//! the account's roles (1000 a page), not with the stack's. A role in the
//! first read but not in the second (made in between) is read on its own.
//! Outside a refresh nothing here is used.

use crate::clients::Clients;
use crate::error::provider;
use crate::readcache::ReadKey;
use aws_sdk_iam::types::{EntityType, Role, RoleDetail};
use stackr_engine::reconciler::ProviderError;
use std::collections::HashMap;
use std::sync::Arc;

/// IAM's largest page.
const PAGE: i32 = 1000;

/// What the two reads said about a role.
pub struct AccountRole<'a> {
    /// As ListRoles lists it, with the trust policy, permissions boundary and
    /// tags of the authorization details.
    pub role: Role,
    pub detail: &'a RoleDetail,
}

/// The account's roles, by name.
pub struct AccountRoles {
    details: Arc<HashMap<String, RoleDetail>>,
    listed: Arc<HashMap<String, Role>>,
}

/// What a role's observe can take from the account-wide reads.
pub enum Lookup<'a> {
    /// Both reads list it.
    Found(Box<AccountRole<'a>>),
    /// Neither does: it is gone.
    Gone,
    /// Only one does: read it on its own.
    Unsure,
}

impl AccountRoles {
    pub fn lookup(&self, name: &str) -> Lookup<'_> {
        match (self.details.get(name), self.listed.get(name)) {
            (Some(detail), Some(listed)) => {
                let mut role = listed.clone();
                role.assume_role_policy_document = detail.assume_role_policy_document.clone();
                role.permissions_boundary = detail.permissions_boundary.clone();
                role.tags = detail.tags.clone();
                Lookup::Found(Box::new(AccountRole { role, detail }))
            }
            (None, None) => Lookup::Gone,
            _ => Lookup::Unsure,
        }
    }
}

/// The account's roles during a refresh (read once for all of it); `None`
/// outside one.
pub async fn during_refresh(clients: &Clients) -> Result<Option<AccountRoles>, ProviderError> {
    if clients.reads.refreshing().is_none() {
        return Ok(None);
    }
    let iam = clients.iam();
    let details =
        clients.reads.read(ReadKey::new("IAM", "GetAccountAuthorizationDetails", "", "Filter=Role"), || async {
            let mut out = HashMap::new();
            let mut pages = iam
                .get_account_authorization_details()
                .filter(EntityType::Role)
                .max_items(PAGE)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| provider("GetAccountAuthorizationDetails", e))?;
                for d in page.role_detail_list.unwrap_or_default() {
                    if let Some(name) = d.role_name.clone() {
                        out.insert(name, d);
                    }
                }
            }
            Ok::<_, ProviderError>(Arc::new(out))
        });
    let listed = clients.reads.read(ReadKey::new("IAM", "ListRoles", "", ""), || async {
        let mut out = HashMap::new();
        let mut pages = iam.list_roles().max_items(PAGE).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| provider("ListRoles", e))?;
            out.extend(page.roles.into_iter().map(|r| (r.role_name.clone(), r)));
        }
        Ok::<_, ProviderError>(Arc::new(out))
    });
    let (details, listed) = tokio::try_join!(details, listed)?;
    Ok(Some(AccountRoles { details, listed }))
}

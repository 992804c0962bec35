//! Which replacements make the new resource before deleting the old one
//! (create-before-destroy), and what that cannot do.
//!
//! - As the stack asks (`lifecycle.create_before_destroy`), or as the type
//!   always does ([`Reconciler::replaced_first`]: a certificate, which AWS
//!   will not delete while a listener or distribution uses it, and which
//!   has no name to clash), or as the change allows
//!   ([`crate::reconciler::Reconciler::replaced_first_for`]: a DNS record moved to another
//!   name, which never meets the old one).
//! - Every replaced dependency of such a replacement too: the dependant's
//!   new instance cannot be made before the new dependency it needs.
//! - The old and new resources exist together for a while, so a name AWS
//!   allows once ([`stackr_core::schema::PropSchema::unique`]) must change
//!   with the replacement: the create would otherwise meet the old
//!   resource, and never replace it. Such a plan is refused before any
//!   call.

use crate::plan::{Action, Desired, Step};
use crate::reconciler::Providers;
use stackr_core::Stack;
use stackr_core::diag::Diagnostic;
use stackr_core::model::NodeRef;
use std::collections::{HashMap, HashSet};

/// The replacements (by step index) that run create-before-destroy; with
/// no stack (a destroy from state), those the steps or their types say.
pub(crate) fn create_first(stack: Option<&Stack>, providers: &Providers, steps: &[Step]) -> HashSet<usize> {
    let index: HashMap<&str, usize> = steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.action == Action::Replace)
        .map(|(i, s)| (s.address.as_str(), i))
        .collect();
    let mut first: HashSet<usize> = index
        .values()
        .copied()
        .filter(|&i| {
            steps[i].create_before_destroy
                || providers.get(&steps[i].kind).is_some_and(|r| r.replaced_first_for(&steps[i].changes))
        })
        .collect();
    let Some(stack) = stack else { return first };
    let mut queue: Vec<usize> = first.iter().copied().collect();
    while let Some(i) = queue.pop() {
        let Some(ii) = stackr_core::Address::parse(&steps[i].address).and_then(|a| stack.instance_by_address(&a))
        else {
            continue;
        };
        for d in &stack.instances[ii].deps {
            let NodeRef::Instance(j) = d.target else { continue };
            if let Some(&k) = index.get(stack.instances[j].address.to_string().as_str())
                && first.insert(k)
            {
                queue.push(k);
            }
        }
    }
    first
}

/// Marks the replacements that run create-before-destroy, so the plan
/// shows them.
pub(crate) fn mark(stack: &Stack, providers: &Providers, steps: &mut [Step]) {
    for i in create_first(Some(stack), providers, steps) {
        steps[i].create_before_destroy = true;
    }
}

/// Create-before-destroy replacements that keep a name AWS allows once.
pub(crate) fn name_clashes(stack: &Stack, steps: &[Step], desired: &Desired) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for s in steps.iter().filter(|s| s.action == Action::Replace && s.create_before_destroy) {
        let Some(ii) = stackr_core::Address::parse(&s.address).and_then(|a| stack.instance_by_address(&a)) else {
            continue;
        };
        let res = stack.resource_of(&stack.instances[ii]);
        let Some(props) = desired.props.get(&s.address) else { continue };
        // A name AWS allows once in a scope, or among those naming the same
        // parent (a security group's in its VPC) while the parent stays.
        let changes = |f: &str| s.changes.iter().any(|c| c.field == f);
        let once =
            |p: &&stackr_core::schema::PropSchema| p.unique.is_some() || p.unique_in.is_some_and(|via| !changes(via));
        for p in res.schema.properties.iter().filter(once) {
            let Some(name) = props.get(p.name).and_then(|v| v.to_interpolated()) else { continue };
            if changes(p.name) {
                continue;
            }
            let span = res.property_span(p.name);
            let why = if res.lifecycle.create_before_destroy {
                "its `lifecycle.create_before_destroy` makes the new one first".to_string()
            } else {
                "it is made before the old one is deleted (a resource that uses it is replaced \
                 create-before-destroy, or its type always is)"
                    .to_string()
            };
            out.push(
                Diagnostic::new(
                    span,
                    format!(
                        "{} must be replaced, and {why}; but both would be named `{name}` (its `{}`, which AWS \
                         allows once): the new one cannot be made beside the old one",
                        s.address, p.name
                    ),
                )
                .with_help(format!(
                    "let `{}` change with what forces the replacement (e.g. add it to the name), so that old and new \
                     can exist together for a while",
                    p.name
                )),
            );
        }
    }
    out
}

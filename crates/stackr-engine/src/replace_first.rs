//! Which replacements make the new resource before deleting the old one
//! (create-before-destroy), and what that cannot do.
//!
//! - As the stack asks (`lifecycle.create_before_destroy`), or as the type
//!   always does ([`Reconciler::replaced_first`]: a certificate, which AWS
//!   will not delete while a listener or distribution uses it, and which
//!   has no name to clash).
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

/// Marks the replacements that run create-before-destroy.
pub(crate) fn mark(stack: &Stack, providers: &Providers, steps: &mut [Step]) {
    let index: HashMap<String, usize> = steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.action == Action::Replace)
        .map(|(i, s)| (s.address.clone(), i))
        .collect();
    let mut queue: Vec<usize> = Vec::new();
    for &i in index.values() {
        let s = &mut steps[i];
        if s.create_before_destroy || providers.get(&s.kind).is_some_and(|r| r.replaced_first()) {
            s.create_before_destroy = true;
            queue.push(i);
        }
    }
    let mut seen: HashSet<usize> = queue.iter().copied().collect();
    while let Some(i) = queue.pop() {
        let Some(ii) = stackr_core::Address::parse(&steps[i].address).and_then(|a| stack.instance_by_address(&a))
        else {
            continue;
        };
        for d in &stack.instances[ii].deps {
            let NodeRef::Instance(j) = d.target else { continue };
            if let Some(&k) = index.get(&stack.instances[j].address.to_string())
                && seen.insert(k)
            {
                steps[k].create_before_destroy = true;
                queue.push(k);
            }
        }
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
        for p in res.schema.properties.iter().filter(|p| p.unique.is_some()) {
            let Some(name) = props.get(p.name).and_then(|v| v.to_interpolated()) else { continue };
            if s.changes.iter().any(|c| c.field == p.name) {
                continue;
            }
            let span =
                res.properties.iter().find(|(k, _)| k.name == p.name).map_or(res.properties_span, |(_, t)| t.span());
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

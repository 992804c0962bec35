//! `moved:` applied to state: entries renamed to their new addresses
//! before refresh and planning, so the plan keeps the resources (an
//! update of stackr's `stackr:resource` tag at most) instead of deleting
//! them and making new ones.

use serde::{Deserialize, Serialize};
use stackr_core::diag::{Diagnostic, Diagnostics};
use stackr_core::model::{Address, Move, Stack};
use stackr_state::State;
use std::collections::HashMap;

/// One state entry renamed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    pub from: String,
    pub to: String,
}

/// Renames the entries the moves name. An entry whose new address is
/// already in state is left alone (both then plan as they are); a move
/// with nothing to move (done by an earlier run) does nothing.
///
/// A move keeps the resource, so it cannot change its type: when an entry
/// in state is of another type than the resource it would move to
/// (`kind_of` gives each resource's type by name), nothing is renamed and
/// each such move is an error at its line. Renaming it anyway would plan
/// a replacement, deleting what the move was written to keep.
pub fn apply(state: &mut State, moves: &[Move], stack: &Stack) -> Result<Vec<Moved>, Diagnostics> {
    let kind_of = |name: &str| stack.by_name.get(name).map(|&i| stack.resources[i].schema.kind);
    // The instances each resource makes, by name (none for a `for_each`
    // read from AWS: not checked).
    let mut made: HashMap<&str, Vec<String>> = HashMap::new();
    for i in &stack.instances {
        made.entry(i.address.name.as_str()).or_default().push(i.address.to_string());
    }
    let mut planned = Vec::new();
    let mut diags = Diagnostics::new();
    for m in moves {
        let pairs: Vec<(String, String)> = match (&m.from.key, &m.to.key) {
            // One instance: to an instance, or a resource of its own (and a
            // resource into one instance of a `for_each`).
            (Some(_), _) | (None, Some(_)) => vec![(m.from.to_string(), m.to.to_string())],
            (None, None) => state
                .resources
                .keys()
                .filter_map(|k| {
                    let a = Address::parse(k)?;
                    (a.name == m.from.name)
                        .then(|| (k.clone(), Address { name: m.to.name.clone(), key: a.key }.to_string()))
                })
                .collect(),
        };
        for (from, to) in pairs {
            let (Some(r), Some(kind)) = (state.resources.get(&from), kind_of(&m.to.name)) else {
                planned.push((from, to));
                continue;
            };
            if let Some(instances) = made.get(m.to.name.as_str()).filter(|all| !all.contains(&to)) {
                let some: Vec<String> = instances.iter().take(4).map(|a| format!("`{a}`")).collect();
                diags.push(
                    Diagnostic::new(m.span, format!("`{from}` would move to `{to}`, which the stack does not make"))
                        .with_help(format!(
                            "`{}` makes {}; a move's target is one of them (`{from}` would otherwise be deleted \
                             as no longer in the stack)",
                            m.to.name,
                            some.join(", ")
                        )),
                );
                continue;
            }
            if r.kind != kind {
                diags.push(
                    Diagnostic::new(
                        m.span,
                        format!(
                            "`{from}` is an {} in state, and `{to}` an {kind}: a move cannot change a resource's type",
                            r.kind
                        ),
                    )
                    .with_help(format!(
                        "a move keeps the resource as it is in AWS; to make a new {kind} instead, remove this move \
                         (`{from}` is then deleted and `{to}` created)"
                    )),
                );
                continue;
            }
            planned.push((from, to));
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut done = Vec::new();
    for (from, to) in planned {
        if state.resources.contains_key(&to) {
            continue;
        }
        if let Some(r) = state.resources.remove(&from) {
            state.resources.insert(to.clone(), r);
            done.push(Moved { from, to });
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stackr_state::ResourceState;

    fn entry(kind: &str, id: &str) -> ResourceState {
        serde_json::from_value(serde_json::json!({ "type": kind, "region": "r", "id": id })).unwrap()
    }

    fn vpc(id: &str) -> ResourceState {
        entry("aws.ec2.vpc", id)
    }

    /// A stack with `pair.a`-like names is not needed: resources named as
    /// the moves' targets, of the types given.
    fn stack(resources: &str) -> Stack {
        let text = format!("stack: s\nregion: ap-northeast-1\nresources:\n{resources}");
        let inputs = stackr_core::VarInputs::default();
        match stackr_core::load_text(std::path::Path::new("t.yaml"), &text, &inputs, &stackr_schema::Types) {
            Ok(s) => s,
            Err(e) => panic!("{}", e.render(false)),
        }
    }

    const VPCS: &str = "  b: { type: aws.ec2.vpc, properties: { cidr_block: 10.0.0.0/16 } }
  d: { type: aws.ec2.vpc, properties: { cidr_block: 10.1.0.0/16 } }
  net: { type: aws.ec2.vpc, for_each: [x, y], properties: { cidr_block: 10.2.0.0/16 } }
";

    fn mv(from: &str, to: &str) -> Move {
        Move { from: Address::parse(from).unwrap(), to: Address::parse(to).unwrap(), span: Default::default() }
    }

    #[test]
    fn a_resource_moves_with_every_instance_and_a_done_move_does_nothing() {
        let mut s = State::new("s", "v");
        s.resources.insert("a".into(), vpc("i-a"));
        s.resources.insert("sub[x]".into(), vpc("i-x"));
        s.resources.insert("sub[y]".into(), vpc("i-y"));
        let moves = [mv("a", "b"), mv("sub", "net")];
        let st = stack(VPCS);
        let done = apply(&mut s, &moves, &st).unwrap();
        assert_eq!(done.len(), 3);
        let keys: Vec<&str> = s.resources.keys().map(String::as_str).collect();
        assert_eq!(keys, ["b", "net[x]", "net[y]"]);
        assert_eq!(s.resources["b"].id, "i-a");
        assert!(apply(&mut s, &moves, &st).unwrap().is_empty());
    }

    #[test]
    fn a_move_onto_an_address_in_state_is_left_alone() {
        let mut s = State::new("s", "v");
        s.resources.insert("a".into(), vpc("i-a"));
        s.resources.insert("b".into(), vpc("i-b"));
        assert!(apply(&mut s, &[mv("a", "b")], &stack(VPCS)).unwrap().is_empty());
        assert_eq!(s.resources["a"].id, "i-a");
        assert_eq!(s.resources["b"].id, "i-b");
    }

    #[test]
    fn a_move_to_another_type_or_to_what_the_stack_does_not_make_renames_nothing() {
        let mut s = State::new("s", "v");
        s.resources.insert("a".into(), entry("aws.logs.log_group", "/a"));
        s.resources.insert("c".into(), vpc("i-c"));
        s.resources.insert("one".into(), vpc("i-1"));
        let st = stack(VPCS);
        let e = apply(&mut s, &[mv("c", "d"), mv("a", "b"), mv("one", "net")], &st).unwrap_err();
        let text: Vec<&str> = e.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(
            text[0].contains("`a` is an aws.logs.log_group in state") && text[0].contains("cannot change"),
            "{text:?}"
        );
        assert!(text[1].contains("`one` would move to `net`, which the stack does not make"), "{text:?}");
        // Not even the valid move: the run stops before anything.
        assert!(s.resources.contains_key("a") && s.resources.contains_key("c") && s.resources.contains_key("one"));
    }
}

//! `moved:` applied to state: entries renamed to their new addresses
//! before refresh and planning, so the plan keeps the resources (an
//! update of stackr's `stackr:resource` tag at most) instead of deleting
//! them and making new ones.

use serde::{Deserialize, Serialize};
use stackr_core::model::{Address, Move};
use stackr_state::State;

/// One state entry renamed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    pub from: String,
    pub to: String,
}

/// Renames the entries the moves name. An entry whose new address is
/// already in state is left alone (both then plan as they are); a move
/// with nothing to move (done by an earlier run) does nothing.
pub fn apply(state: &mut State, moves: &[Move]) -> Vec<Moved> {
    let mut done = Vec::new();
    for m in moves {
        let pairs: Vec<(String, String)> = match &m.from.key {
            Some(_) => vec![(m.from.to_string(), m.to.to_string())],
            None => state
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
            if state.resources.contains_key(&to) {
                continue;
            }
            if let Some(r) = state.resources.remove(&from) {
                state.resources.insert(to.clone(), r);
                done.push(Moved { from, to });
            }
        }
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use stackr_state::ResourceState;

    fn entry(id: &str) -> ResourceState {
        serde_json::from_value(serde_json::json!({ "type": "aws.ec2.vpc", "region": "r", "id": id })).unwrap()
    }

    fn mv(from: &str, to: &str) -> Move {
        Move { from: Address::parse(from).unwrap(), to: Address::parse(to).unwrap(), span: Default::default() }
    }

    #[test]
    fn a_resource_moves_with_every_instance_and_a_done_move_does_nothing() {
        let mut s = State::new("s", "v");
        s.resources.insert("a".into(), entry("i-a"));
        s.resources.insert("sub[x]".into(), entry("i-x"));
        s.resources.insert("sub[y]".into(), entry("i-y"));
        let moves = [mv("a", "pair.a"), mv("sub", "net.sub")];
        let done = apply(&mut s, &moves);
        assert_eq!(done.len(), 3);
        let keys: Vec<&str> = s.resources.keys().map(String::as_str).collect();
        assert_eq!(keys, ["net.sub[x]", "net.sub[y]", "pair.a"]);
        assert_eq!(s.resources["pair.a"].id, "i-a");
        assert!(apply(&mut s, &moves).is_empty());
    }

    #[test]
    fn a_move_onto_an_address_in_state_is_left_alone() {
        let mut s = State::new("s", "v");
        s.resources.insert("a".into(), entry("i-a"));
        s.resources.insert("b".into(), entry("i-b"));
        assert!(apply(&mut s, &[mv("a", "b")]).is_empty());
        assert_eq!(s.resources["a"].id, "i-a");
        assert_eq!(s.resources["b"].id, "i-b");
    }
}

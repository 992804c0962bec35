//! Resolving operations an interrupted run journaled but never finished.
//!
//! Before each create the executor records `pending[address] = {create,
//! token}` and makes it durable. If the run dies before recording the
//! result, the next run asks the reconciler to [`find`](crate::reconciler::Reconciler::find)
//! what that create made (by token, tags or deterministic name) and adopts
//! it, so nothing is created twice and nothing is lost track of.

use crate::error::EngineError;
use crate::reconciler::{FindRequest, Providers, Target};
use stackr_state::{PendingKind, ResourceState, State};

/// What resolving did, one line per pending operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The interrupted create had made the resource: now in state.
    Adopted { address: String, id: String },
    /// The interrupted create made nothing.
    NothingMade { address: String },
    /// An interrupted delete had finished.
    Deleted { address: String },
    /// Nothing to do (an update, or a delete that had not happened).
    Cleared { address: String },
}

pub async fn resolve_pending(state: &mut State, providers: &Providers) -> Result<Vec<Resolution>, EngineError> {
    let mut out = Vec::new();
    let pending: Vec<(String, stackr_state::PendingOp)> =
        state.pending.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (address, op) in pending {
        let rec = providers.get(&op.kind).ok_or_else(|| EngineError::NoReconciler(op.kind.clone()))?;
        let target = Target { stack: state.stack.clone(), address: address.clone(), region: op.region.clone() };
        match op.op {
            PendingKind::Create => {
                let known_ids: Vec<String> = [address.clone(), crate::ops::deposed_key(&address)]
                    .iter()
                    .filter_map(|k| state.resources.get(k).map(|r| r.id.clone()))
                    .collect();
                let properties = crate::plan::props_of(&op.properties);
                let req = FindRequest { target, token: op.token.clone(), properties, known_ids };
                let found = match rec.find(&req).await {
                    Ok(found) => found,
                    // What it would have been made from is refused as it
                    // stands (a WAF scope its region does not serve): AWS
                    // refused it too, or it was never sent.
                    Err(e) if e.kind == crate::reconciler::ErrorKind::Invalid => None,
                    Err(e) => {
                        return Err(EngineError::Observe {
                            kind: op.kind.clone(),
                            region: op.region.clone(),
                            source: e,
                        });
                    }
                };
                // Made for another state of this stack (another lineage):
                // never this state's to adopt.
                let found = found.filter(|o| o.tags.get(crate::plan::LINEAGE_TAG).is_none_or(|l| *l == state.lineage));
                match found {
                    Some(obs) => {
                        let attributes = obs.attributes_json();
                        // As observed, of what the create set: a property the
                        // stack did not write is AWS's, never "left the stack".
                        let mut properties = obs.properties_json(rec.schema());
                        properties.retain(|k, _| op.properties.contains_key(k));
                        // An old resource still at this address (a replacement
                        // interrupted mid-way) steps aside as deposed, to be
                        // deleted by the next plan; nothing is overwritten.
                        if let Some(old) = state.resources.remove(&address) {
                            let key = crate::ops::deposed_key(&address);
                            if state.resources.contains_key(&key) {
                                state.resources.insert(format!("{key}-{}", old.id), old);
                            } else {
                                state.resources.insert(key, old);
                            }
                        }
                        state.resources.insert(
                            address.clone(),
                            ResourceState {
                                kind: op.kind.clone(),
                                region: op.region.clone(),
                                id: obs.id.clone(),
                                properties,
                                attributes,
                                dependencies: op.dependencies.clone(),
                                protect: op.protect,
                                retain: false,
                                secret_digests: Default::default(),
                                // Made by a run that stopped before it was seen ready.
                                unready: rec.schema().has_readiness,
                            },
                        );
                        out.push(Resolution::Adopted { address: address.clone(), id: obs.id });
                    }
                    None => out.push(Resolution::NothingMade { address: address.clone() }),
                }
            }
            PendingKind::Delete => {
                let gone = match &op.id {
                    Some(id) => rec
                        .observe(&op.region, std::slice::from_ref(id))
                        .await
                        .map_err(|e| EngineError::Observe {
                            kind: op.kind.clone(),
                            region: op.region.clone(),
                            source: e,
                        })?
                        .first()
                        .is_none_or(Option::is_none),
                    None => false,
                };
                if gone {
                    state.resources.remove(&address);
                    out.push(Resolution::Deleted { address: address.clone() });
                } else {
                    out.push(Resolution::Cleared { address: address.clone() });
                }
            }
            PendingKind::Update => out.push(Resolution::Cleared { address: address.clone() }),
        }
        state.pending.remove(&address);
    }
    Ok(out)
}

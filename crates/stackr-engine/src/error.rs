//! The engine's errors.

use crate::reconciler::ProviderError;
use stackr_state::StateError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("no reconciler for `{0}` in this build")]
    NoReconciler(String),
    #[error("observing {kind} in {region}: {source}")]
    Observe { kind: String, region: String, source: ProviderError },
    #[error("data look-up `{name}`: {message}")]
    Data { name: String, message: String },
    #[error(transparent)]
    State(#[from] StateError),
    #[error(
        "the plan was made against state serial {planned}, but the state is now at serial {current}; make a new plan"
    )]
    StalePlan { planned: u64, current: u64 },
    #[error("the plan is for stack `{planned}`, not `{current}`")]
    WrongStack { planned: String, current: String },
    #[error(
        "nothing was changed: the plan deletes or replaces protected resources: {}; name each with \
         --allow-protected ADDRESS (on apply or destroy) to let it go",
        .0.join(", ")
    )]
    Protected(Vec<String>),
    #[error(
        "nothing was changed: AWS would refuse to delete {}",
        .0.iter().map(|(a, why)| format!("{a} ({why})")).collect::<Vec<_>>().join(", ")
    )]
    Undeletable(Vec<(String, String)>),
    #[error("{} error(s) evaluating the stack", .0.len())]
    Plan(stackr_core::diag::Diagnostics),
    #[error("internal error: {0}")]
    Internal(String),
}

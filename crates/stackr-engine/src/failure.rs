//! Why one operation of a run failed, kept typed (with AWS's error as its
//! source) until the CLI renders the report.

use crate::reconciler::ProviderError;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpError {
    /// AWS refused or failed the call (its code is in the message).
    #[error("{0}")]
    Aws(#[source] ProviderError),
    /// A create failed, and looking for what it may have made failed too:
    /// trying again could make a second resource.
    #[error("{error} (and looking for what it may have made failed: {find})")]
    FindFailed {
        #[source]
        error: ProviderError,
        find: ProviderError,
    },
    /// The operation's deadline passed while AWS was still not done.
    #[error(
        "{operation} timed out after {} ({}) while {doing}{}; if AWS is only slow, raise it: \
         `lifecycle: {{ timeouts: {{ {operation}: ... }} }}` on `{address}`",
        crate::clock::human(*.limit),
        if *.from_stack { "its lifecycle.timeouts" } else { "the type's default" },
        last_status(.last)
    )]
    TimedOut {
        address: String,
        operation: &'static str,
        limit: Duration,
        /// The limit came from the resource's `lifecycle.timeouts`.
        from_stack: bool,
        doing: String,
        /// AWS's last word on the resource.
        last: String,
    },
    /// Ctrl-C ended a wait.
    #[error("interrupted while {doing}{}", last_status(.last))]
    Interrupted { doing: String, last: String },
    /// What the stack asks cannot be done as planned (a value still
    /// unknown, a replace-only change found at apply time, ...).
    #[error("{0}")]
    Stack(String),
    /// The run's order or state (journal, save) failed.
    #[error("{0}")]
    Run(String),
    /// The operation's task ended without reporting (a panic).
    #[error("the operation stopped unexpectedly: {0}")]
    Crashed(String),
}

fn last_status(last: &str) -> String {
    if last.is_empty() { String::new() } else { format!("; last status: {last}") }
}

impl OpError {
    /// AWS's error behind this failure, if there is one.
    pub fn aws(&self) -> Option<&ProviderError> {
        match self {
            OpError::Aws(e) | OpError::FindFailed { error: e, .. } => Some(e),
            _ => None,
        }
    }
}

impl From<ProviderError> for OpError {
    fn from(e: ProviderError) -> Self {
        OpError::Aws(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconciler::ErrorKind;

    #[test]
    fn a_timeout_says_what_to_raise() {
        let e = OpError::TimedOut {
            address: "db".into(),
            operation: "create",
            limit: Duration::from_secs(60),
            from_stack: true,
            doing: "waiting to be ready".into(),
            last: "creating".into(),
        };
        assert_eq!(
            e.to_string(),
            "create timed out after 1m (its lifecycle.timeouts) while waiting to be ready; last status: creating; \
             if AWS is only slow, raise it: `lifecycle: { timeouts: { create: ... } }` on `db`"
        );
    }

    #[test]
    fn aws_errors_keep_their_source() {
        let aws = ProviderError::new(ErrorKind::Invalid, "CreateVpc: bad CIDR (InvalidParameterValue)");
        let e = OpError::from(aws.clone());
        assert_eq!(e.aws(), Some(&aws));
        assert!(std::error::Error::source(&e).is_some());
    }
}

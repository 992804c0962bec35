//! Commands whose engine is not part of this release yet. They check the
//! stack (so their flags and errors behave as they will) and then say
//! plainly that they cannot run, exiting 1.

use super::{Failure, load_stack};
use crate::cli::{ColorChoice, StackArgs};

pub fn run(command: &str, a: &StackArgs, color: ColorChoice) -> Result<u8, Failure> {
    load_stack(a, color)?;
    Err(Failure::Message(format!(
        "`stackr {command}` is not available in this build: the engine that plans and applies changes is not \
         part of it yet. `stackr validate` and `stackr graph` work on this stack."
    )))
}

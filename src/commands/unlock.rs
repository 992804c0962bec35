//! `stackr unlock FILE LOCK_ID`: remove a lock a crashed run left behind.

use super::Failure;
use super::run::{open_from_state, runtime};
use crate::cli::{ColorChoice, UnlockArgs};

pub fn run(a: &UnlockArgs, color: ColorChoice) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let o = open_from_state(&a.stack, color, None).await?;
        let info = o.session.store.force_unlock(&a.lock_id).await.map_err(|e| o.fail(e.into()))?;
        eprintln!("Removed the lock {}.", info.describe());
        Ok(0)
    })
}

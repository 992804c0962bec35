//! The critical-path bound of a run: how fast it could have gone with
//! unlimited slots and no scheduling delay, given how long each of its
//! operations took.
//!
//! Each operation has a measured time to *done* (its call returned) and
//! from done to *ready* (AWS finished provisioning). An operation can start
//! at the earliest when each dependency reached the milestone it waits
//! for. The bound is the latest such earliest finish (ready, for types that
//! have readiness) over all operations: the longest chain of calls,
//! including only the waits that chain really needs. It is computed in one
//! pass over the operations in start order (a dependency always starts
//! before its dependants), so it costs O(operations + dependencies).

use crate::ops::{Milestone, Op};
use std::time::{Duration, Instant};

/// When each operation of a run started and reached its milestones.
pub(crate) struct Times {
    started: Vec<Option<Instant>>,
    done: Vec<Option<Instant>>,
    ready: Vec<Option<Instant>>,
}

impl Times {
    pub fn new(n: usize) -> Times {
        Times { started: vec![None; n], done: vec![None; n], ready: vec![None; n] }
    }

    pub fn started(&mut self, i: usize) {
        self.started[i] = Some(Instant::now());
    }

    pub fn reached(&mut self, i: usize, milestone: Milestone) {
        let slot = match milestone {
            Milestone::Done => &mut self.done[i],
            Milestone::Ready => &mut self.ready[i],
        };
        slot.get_or_insert_with(Instant::now);
    }

    /// The bound, when every operation that started also got to ready.
    pub fn critical_path(&self, ops: &[Op]) -> Option<Duration> {
        let n = ops.len();
        let mut order: Vec<usize> = (0..n).filter(|&i| self.started[i].is_some()).collect();
        if order.is_empty() {
            return None;
        }
        order.sort_by_key(|&i| self.started[i]);
        let mut to_done = vec![Duration::ZERO; n];
        let mut to_ready = vec![Duration::ZERO; n];
        let mut end = Duration::ZERO;
        for &i in &order {
            let (Some(s), Some(d), Some(r)) = (self.started[i], self.done[i], self.ready[i]) else { return None };
            let start = ops[i]
                .deps
                .iter()
                .filter(|(d, _)| self.started[*d].is_some())
                .map(|&(d, m)| if m == Milestone::Ready { to_ready[d] } else { to_done[d] })
                .max()
                .unwrap_or(Duration::ZERO);
            to_done[i] = start + d.saturating_duration_since(s);
            to_ready[i] = to_done[i] + r.saturating_duration_since(d);
            end = end.max(to_ready[i]);
        }
        Some(end)
    }
}

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
//! before its dependants), so it costs O(operations + dependencies), and
//! the chain itself is kept: it says where a run's time goes.

use crate::ops::{Milestone, Op};
use std::time::{Duration, Instant};

/// When each operation of a run started and reached its milestones.
pub(crate) struct Times {
    started: Vec<Option<Instant>>,
    done: Vec<Option<Instant>>,
    ready: Vec<Option<Instant>>,
}

/// One operation on the critical path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub address: String,
    pub operation: &'static str,
    /// From start to done: the AWS calls, retries included.
    pub call: Duration,
    /// From done to the milestone the next link (or the run's end) waited
    /// for: zero when the next one only needed it done.
    pub wait: Duration,
}

/// The bound and the chain of operations that makes it, first to last.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CriticalPath {
    pub bound: Duration,
    pub chain: Vec<Link>,
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
    pub fn critical_path(&self, ops: &[Op]) -> Option<CriticalPath> {
        let n = ops.len();
        let mut order: Vec<usize> = (0..n).filter(|&i| self.started[i].is_some()).collect();
        if order.is_empty() {
            return None;
        }
        order.sort_by_key(|&i| self.started[i]);
        let mut to_done = vec![Duration::ZERO; n];
        let mut to_ready = vec![Duration::ZERO; n];
        // The dependency (and the milestone of it) each operation's start waited for longest.
        let mut before: Vec<Option<(usize, Milestone)>> = vec![None; n];
        let mut last: Option<usize> = None;
        for &i in &order {
            let (Some(s), Some(d), Some(r)) = (self.started[i], self.done[i], self.ready[i]) else { return None };
            let mut start = Duration::ZERO;
            for &(dep, m) in ops[i].deps.iter().filter(|(d, _)| self.started[*d].is_some()) {
                let at = if m == Milestone::Ready { to_ready[dep] } else { to_done[dep] };
                if at > start || before[i].is_none() {
                    start = start.max(at);
                    before[i] = Some((dep, m));
                }
            }
            to_done[i] = start + d.saturating_duration_since(s);
            to_ready[i] = to_done[i] + r.saturating_duration_since(d);
            if last.is_none_or(|l| to_ready[i] > to_ready[l]) {
                last = Some(i);
            }
        }
        let last = last?;
        let mut chain = Vec::new();
        let mut at = Some((last, Milestone::Ready));
        while let Some((i, m)) = at {
            let (s, d, r) = (self.started[i]?, self.done[i]?, self.ready[i]?);
            let wait = if m == Milestone::Ready { r.saturating_duration_since(d) } else { Duration::ZERO };
            chain.push(Link {
                address: ops[i].address.clone(),
                operation: ops[i].kind.name(),
                call: d.saturating_duration_since(s),
                wait,
            });
            at = before[i];
        }
        chain.reverse();
        Some(CriticalPath { bound: to_ready[last], chain })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(address: &str, deps: &[(usize, Milestone)]) -> Op {
        Op::create_for_test(address, deps)
    }

    #[test]
    fn the_chain_is_the_longest_way_through_the_milestones_waited_for() {
        // a (call 1, ready 10) <-ready- b (call 1, ready 1)
        // a <-done- c (call 5, ready 0): a's ready matters to b, not to c.
        let ops = [op("a", &[]), op("b", &[(0, Milestone::Ready)]), op("c", &[(0, Milestone::Done)])];
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut t = Times::new(3);
        t.started[0] = Some(at(0));
        t.done[0] = Some(at(1));
        t.ready[0] = Some(at(11));
        t.started[2] = Some(at(1));
        t.done[2] = Some(at(6));
        t.ready[2] = Some(at(6));
        t.started[1] = Some(at(11));
        t.done[1] = Some(at(12));
        t.ready[1] = Some(at(13));
        let cp = t.critical_path(&ops).expect("a bound");
        assert_eq!(cp.bound, Duration::from_millis(13));
        let names: Vec<(&str, u128, u128)> =
            cp.chain.iter().map(|l| (l.address.as_str(), l.call.as_millis(), l.wait.as_millis())).collect();
        assert_eq!(names, [("a", 1, 10), ("b", 1, 1)]);
    }

    #[test]
    fn an_operation_that_did_not_finish_gives_no_bound() {
        let ops = [op("a", &[])];
        let mut t = Times::new(1);
        t.started(0);
        t.reached(0, Milestone::Done);
        assert_eq!(t.critical_path(&ops), None);
    }
}

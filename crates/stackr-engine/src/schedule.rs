//! Where each operation of a run is, and what may start next.
//!
//! One [`Stage`] per operation, moved forward by the milestones its
//! dependencies reach: an operation waits until every dependency reached
//! the milestone it needs (*done* or *ready*), is then queued for a
//! parallelism slot, runs, reaches *done* (its AWS call returned) and
//! finally *ready* (ready after a create or update, gone after a delete),
//! or fails. A failure skips every operation that depends on it,
//! transitively, that has not started.
//!
//! When more operations are queued than there are slots, the one heading
//! the longest chain of work still to come starts first (critical-path
//! scheduling): each operation is weighed by the longest path through its
//! dependants, where waiting for a dependency to be *ready* counts as much
//! as ten calls. A VPC that a database, then its instances, then a service
//! wait on starts before a log group nothing waits for.

use crate::ops::{Milestone, Op};
use std::collections::BinaryHeap;

/// What a wait for *ready* weighs against one call, in [`Schedule`]'s
/// priorities: readiness takes minutes where a call takes a second.
const READY_WEIGHT: u32 = 10;

/// One operation's stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Waiting for this many dependency milestones.
    Waiting(usize),
    /// Every dependency is far enough; waiting for a slot.
    Queued,
    /// Its task runs; `done` once its AWS call returned.
    Running {
        done: bool,
    },
    /// Ready (or gone).
    Finished,
    Failed,
    /// Never run: the named operation it depends on failed.
    Skipped(String),
}

pub(crate) struct Schedule {
    stages: Vec<Stage>,
    /// Who waits for each operation, and for which milestone.
    dependants: Vec<Vec<(usize, Milestone)>>,
    /// Queued operations, by priority (then the lower index).
    queue: BinaryHeap<(u32, std::cmp::Reverse<usize>)>,
    /// The weight of the longest chain each operation heads.
    priority: Vec<u32>,
}

impl Schedule {
    pub(crate) fn new(ops: &[Op]) -> Schedule {
        let mut dependants: Vec<Vec<(usize, Milestone)>> = vec![Vec::new(); ops.len()];
        for (i, op) in ops.iter().enumerate() {
            for &(d, m) in &op.deps {
                dependants[d].push((i, m));
            }
        }
        let stages: Vec<Stage> =
            ops.iter().map(|o| if o.deps.is_empty() { Stage::Queued } else { Stage::Waiting(o.deps.len()) }).collect();
        let priority = priorities(ops, &dependants);
        let queue = (0..ops.len())
            .filter(|&i| stages[i] == Stage::Queued)
            .map(|i| (priority[i], std::cmp::Reverse(i)))
            .collect();
        Schedule { stages, dependants, queue, priority }
    }

    pub(crate) fn stage(&self, i: usize) -> &Stage {
        &self.stages[i]
    }

    /// The next queued operation, if any (put it back with [`Schedule::requeue`]
    /// when no slot is free).
    pub(crate) fn next_queued(&mut self) -> Option<usize> {
        self.queue.pop().map(|(_, std::cmp::Reverse(i))| i)
    }

    pub(crate) fn requeue(&mut self, i: usize) {
        self.queue.push((self.priority[i], std::cmp::Reverse(i)));
    }

    pub(crate) fn launched(&mut self, i: usize) {
        self.stages[i] = Stage::Running { done: false };
    }

    /// How many operations have a task running (or a result not yet in).
    pub(crate) fn running(&self) -> usize {
        self.stages.iter().filter(|s| matches!(s, Stage::Running { .. })).count()
    }

    /// Whether the operation's outcome is known (so later messages about it
    /// are echoes).
    pub(crate) fn settled(&self, i: usize) -> bool {
        matches!(self.stages[i], Stage::Finished | Stage::Failed | Stage::Skipped(_))
    }

    /// The operation reached `milestone`; dependants waiting for it move on.
    pub(crate) fn reached(&mut self, i: usize, milestone: Milestone) {
        self.stages[i] = match milestone {
            Milestone::Done => Stage::Running { done: true },
            Milestone::Ready => Stage::Finished,
        };
        for k in 0..self.dependants[i].len() {
            let (d, m) = self.dependants[i][k];
            if m != milestone {
                continue;
            }
            if let Stage::Waiting(n) = &mut self.stages[d] {
                *n -= 1;
                if *n == 0 {
                    self.stages[d] = Stage::Queued;
                    self.queue.push((self.priority[d], std::cmp::Reverse(d)));
                }
            }
        }
    }

    /// The milestone a failure report of `i` stands for: *ready* once it
    /// was done.
    pub(crate) fn failing_milestone(&self, i: usize) -> Milestone {
        if self.stages[i] == (Stage::Running { done: true }) { Milestone::Ready } else { Milestone::Done }
    }

    /// The operation failed: every dependant not yet started, transitively,
    /// is skipped. Returns those, in the order found.
    pub(crate) fn failed(&mut self, i: usize, cause: &str) -> Vec<usize> {
        self.stages[i] = Stage::Failed;
        let mut skipped = Vec::new();
        let mut todo: Vec<usize> = self.dependants[i].iter().map(|(d, _)| *d).collect();
        while let Some(d) = todo.pop() {
            if !matches!(self.stages[d], Stage::Waiting(_) | Stage::Queued) {
                continue;
            }
            self.stages[d] = Stage::Skipped(cause.to_string());
            self.queue.retain(|&(_, std::cmp::Reverse(q))| q != d);
            skipped.push(d);
            todo.extend(self.dependants[d].iter().map(|(x, _)| *x));
        }
        skipped
    }

    /// Operations that never started (waiting or queued at the end of an
    /// interrupted run, or skipped).
    pub(crate) fn never_started(&self) -> impl Iterator<Item = usize> + '_ {
        self.stages
            .iter()
            .enumerate()
            .filter_map(|(i, s)| matches!(s, Stage::Waiting(_) | Stage::Queued | Stage::Skipped(_)).then_some(i))
    }
}

/// The weight of the longest chain of dependants each operation heads:
/// one per call, [`READY_WEIGHT`] per wait for *ready*. Computed from the
/// operations nothing waits for back to the roots (the order is acyclic,
/// checked when it was built); O(operations + dependencies).
fn priorities(ops: &[Op], dependants: &[Vec<(usize, Milestone)>]) -> Vec<u32> {
    let n = ops.len();
    let mut left: Vec<usize> = dependants.iter().map(Vec::len).collect();
    let mut priority = vec![1u32; n];
    let mut done: Vec<usize> = (0..n).filter(|&i| left[i] == 0).collect();
    while let Some(i) = done.pop() {
        for &(d, m) in &ops[i].deps {
            let through = priority[i].saturating_add(if m == Milestone::Ready { READY_WEIGHT } else { 1 });
            priority[d] = priority[d].max(through);
            left[d] -= 1;
            if left[d] == 0 {
                done.push(d);
            }
        }
    }
    priority
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(deps: &[(usize, Milestone)]) -> Op {
        Op::create_for_test("", deps)
    }

    #[test]
    fn an_operation_starts_once_each_dependency_reached_what_it_needs() {
        // 0 <- 1 (done), 0 <- 2 (ready)
        let ops = [op(&[]), op(&[(0, Milestone::Done)]), op(&[(0, Milestone::Ready)])];
        let mut s = Schedule::new(&ops);
        assert_eq!(s.next_queued(), Some(0));
        assert_eq!(s.next_queued(), None);
        s.launched(0);
        s.reached(0, Milestone::Done);
        assert_eq!(s.next_queued(), Some(1));
        assert_eq!(s.next_queued(), None, "2 waits for 0 to be ready");
        s.reached(0, Milestone::Ready);
        assert_eq!(s.next_queued(), Some(2));
    }

    #[test]
    fn the_operation_heading_the_longest_chain_starts_first() {
        // 0 alone; 1 <- 2 (ready) <- 3; 4 <- 5 (done)
        let ops = [
            op(&[]),
            op(&[]),
            op(&[(1, Milestone::Ready)]),
            op(&[(2, Milestone::Done)]),
            op(&[]),
            op(&[(4, Milestone::Done)]),
        ];
        let mut s = Schedule::new(&ops);
        assert_eq!(s.next_queued(), Some(1), "heads a wait for ready and two calls");
        assert_eq!(s.next_queued(), Some(4), "heads one more call");
        assert_eq!(s.next_queued(), Some(0));
        s.requeue(0);
        assert_eq!(s.next_queued(), Some(0), "put back, it is next again");
    }

    #[test]
    fn a_failure_skips_what_has_not_started_transitively() {
        // 0 <- 1 <- 2; 0 <- 3 (done, already running)
        let ops = [op(&[]), op(&[(0, Milestone::Ready)]), op(&[(1, Milestone::Done)]), op(&[(0, Milestone::Done)])];
        let mut s = Schedule::new(&ops);
        s.next_queued();
        s.launched(0);
        s.reached(0, Milestone::Done);
        assert_eq!(s.next_queued(), Some(3));
        s.launched(3);
        assert_eq!(s.failing_milestone(0), Milestone::Ready);
        let mut skipped = s.failed(0, "a");
        skipped.sort();
        assert_eq!(skipped, [1, 2]);
        assert_eq!(s.stage(3), &Stage::Running { done: false }, "a started dependant runs on");
        assert_eq!(s.running(), 1);
        assert_eq!(s.never_started().collect::<Vec<_>>(), [1, 2]);
    }
}

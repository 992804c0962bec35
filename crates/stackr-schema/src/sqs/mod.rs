//! Amazon Simple Queue Service.

mod queue;

pub use queue::QUEUE;

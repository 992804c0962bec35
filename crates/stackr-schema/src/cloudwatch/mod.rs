//! Amazon CloudWatch alarms.

mod metric_alarm;

pub use metric_alarm::METRIC_ALARM;

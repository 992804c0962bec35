//! Amazon CloudWatch: metric alarms (metric math queries in `metrics`).

mod metric_alarm;
mod metrics;

pub use metric_alarm::MetricAlarm;

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(MetricAlarm::new(clients.clone())));
}

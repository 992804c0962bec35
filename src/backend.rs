//! What a command runs against: the state store named by the stack, and the
//! reconcilers of this build.
//!
//! `STACKR_FAKE_CLOUD=FILE` swaps AWS for a simulated cloud kept in FILE
//! (every resource type, in memory, saved between commands). It exists to
//! try stackr and to test the CLI end to end without AWS; it is never used
//! unless that variable is set. `STACKR_FAKE_LATENCY_MS` makes each of its
//! calls take that long.

use stackr_aws::stats::CallStats;
use stackr_core::model::StateConfig;
use stackr_core::schema::Catalog;
use stackr_engine::fake::FakeCloud;
use stackr_engine::reconciler::{Lookups, Providers};
use stackr_state::StateStore;
use stackr_state::local::LocalStore;
use std::path::PathBuf;
use std::sync::Arc;

/// The reconcilers and look-ups to use, and the simulated cloud if any.
pub struct Cloud {
    pub providers: Providers,
    pub lookups: Lookups,
    /// AWS calls made by the reconcilers, for `--stats`.
    pub stats: Arc<CallStats>,
    fake: Option<(Arc<FakeCloud>, PathBuf)>,
}

impl Cloud {
    pub async fn from_env(region: &str) -> Result<Cloud, String> {
        if let Some(path) = std::env::var_os("STACKR_FAKE_CLOUD").map(PathBuf::from) {
            let cloud = FakeCloud::new();
            // `STACKR_FAKE_LATENCY_MS`: each simulated call takes this long
            // (to test interrupting a run).
            if let Some(ms) = std::env::var("STACKR_FAKE_LATENCY_MS").ok().and_then(|v| v.parse::<u64>().ok()) {
                cloud.set_latency(std::time::Duration::from_millis(ms));
            }
            if let Ok(bytes) = std::fs::read(&path) {
                let snap: serde_json::Value = serde_json::from_slice(&bytes)
                    .map_err(|e| format!("STACKR_FAKE_CLOUD={}: not a simulated cloud file: {e}", path.display()))?;
                cloud.restore(&snap);
            }
            let types = stackr_schema::Types.all();
            return Ok(Cloud {
                providers: cloud.providers(&types),
                lookups: cloud.lookups(&types),
                stats: CallStats::new(),
                fake: Some((cloud, path)),
            });
        }
        // AWS, through the standard credential and endpoint chain. Types
        // whose reconcilers are not in this build are named when planned.
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_string()))
            .load()
            .await;
        let stats = CallStats::new();
        let (providers, lookups) = stackr_aws::providers(&sdk, vec![stats.interceptor()]);
        Ok(Cloud { providers, lookups, stats, fake: None })
    }

    /// Saves the simulated cloud, if one is in use.
    pub fn save(&self) -> Result<(), String> {
        if let Some((cloud, path)) = &self.fake {
            let text = serde_json::to_vec_pretty(&cloud.snapshot()).unwrap_or_default();
            std::fs::write(path, text)
                .map_err(|e| format!("cannot save the simulated cloud to {}: {e}", path.display()))?;
        }
        Ok(())
    }
}

/// The state store a stack names.
pub async fn store_for(config: &StateConfig) -> Arc<dyn StateStore> {
    match config {
        StateConfig::Local { path } => Arc::new(LocalStore::new(path.clone())),
        StateConfig::S3 { bucket, key, region, kms_key_id } => {
            let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new(region.clone()))
                .retry_config(stackr_aws::retry::config())
                .timeout_config(stackr_aws::retry::timeouts())
                .load()
                .await;
            Arc::new(stackr_state_s3::S3Store::new(&sdk, bucket, key, kms_key_id.as_deref()))
        }
    }
}

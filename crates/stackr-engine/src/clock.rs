//! AWS time: every wait of stackr is measured on this clock.
//!
//! On AWS it is the wall clock. Against the local AWS in realistic mode,
//! which runs N times faster than AWS (`python -m stackr_moto --realistic
//! --time-scale N`), stackr is told the same N (`STACKR_TIME_SCALE`, a
//! testing facility like `STACKR_FAKE_CLOUD`, read by the CLI) so that its
//! pauses, timeouts and progress figures stay in AWS's time: a 60-minute
//! Aurora timeout still means 60 AWS minutes, and a 1-minute one still
//! fails an Aurora create that takes 5.
//!
//! The scale is process-wide (reconcilers' own short waits use it too).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// 1.0 (wall time) unless [`set_scale`] said otherwise; stored as f64 bits.
static SCALE: AtomicU64 = AtomicU64::new(0x3FF0_0000_0000_0000);

/// The shortest pause actually slept, whatever the scale: polling faster
/// than this only loads the local AWS.
const MIN_WALL_PAUSE: Duration = Duration::from_millis(20);

/// Sets how many times faster than AWS the AWS being talked to runs.
/// Non-finite or non-positive values are ignored.
pub fn set_scale(scale: f64) {
    if scale.is_finite() && scale > 0.0 {
        SCALE.store(scale.to_bits(), Ordering::Relaxed);
    }
}

/// The scale in force (1.0 on AWS).
pub fn scale() -> f64 {
    f64::from_bits(SCALE.load(Ordering::Relaxed))
}

/// The scale from `STACKR_TIME_SCALE`, if set to a positive number.
pub fn scale_from_env() -> Option<f64> {
    std::env::var("STACKR_TIME_SCALE").ok()?.trim().parse::<f64>().ok().filter(|s| s.is_finite() && *s > 0.0)
}

/// A duration of AWS time as wall time.
pub fn wall(aws: Duration) -> Duration {
    let s = scale();
    if s == 1.0 { aws } else { aws.div_f64(s) }
}

/// Wall time as AWS time.
pub fn aws(wall: Duration) -> Duration {
    let s = scale();
    if s == 1.0 { wall } else { wall.mul_f64(s) }
}

/// AWS time since `since`.
pub fn since(since: Instant) -> Duration {
    aws(since.elapsed())
}

/// Sleeps for `pause` of AWS time.
pub async fn sleep(pause: Duration) {
    tokio::time::sleep(wall(pause).max(MIN_WALL_PAUSE.min(pause))).await;
}

/// A moment `after` AWS time from now.
pub fn deadline(after: Duration) -> Instant {
    Instant::now() + wall(after)
}

/// "1h05m", "12m30s", "45s": a duration as people read it.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_converts_both_ways() {
        // The only test touching the process-wide scale.
        set_scale(60.0);
        assert_eq!(wall(Duration::from_secs(600)), Duration::from_secs(10));
        assert_eq!(aws(Duration::from_secs(10)), Duration::from_secs(600));
        set_scale(0.0);
        assert_eq!(scale(), 60.0);
        set_scale(1.0);
        assert_eq!(wall(Duration::from_secs(600)), Duration::from_secs(600));
    }

    #[test]
    fn shows_durations_as_people_read_them() {
        assert_eq!(human(Duration::from_secs(45)), "45s");
        assert_eq!(human(Duration::from_secs(130)), "2m10s");
        assert_eq!(human(Duration::from_secs(3600)), "1h");
        assert_eq!(human(Duration::from_secs(5400)), "1h30m");
        assert_eq!(human(Duration::from_secs(600)), "10m");
    }
}

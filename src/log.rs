//! `STACKR_LOG`: diagnostic logging on standard error, through `tracing`.
//! `STACKR_LOG=debug` logs each AWS call (see `stackr_aws::stats`): a
//! level alone applies to stackr's own targets; a full filter
//! (`debug,aws_smithy_runtime=trace`) is used as written.

use tracing_subscriber::EnvFilter;

fn setting() -> Option<String> {
    std::env::var("STACKR_LOG").ok().filter(|v| !v.trim().is_empty())
}

pub fn init() {
    let Some(value) = setting() else { return };
    let filter = if value.contains('=') || value.contains(',') { value } else { format!("stackr={value}") };
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|e| {
        eprintln!("STACKR_LOG={filter}: {e}; logging at debug");
        EnvFilter::new("stackr=debug")
    });
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

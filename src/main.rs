//! The `stackr` command: a thin edge over the library crates. It parses
//! arguments, runs a command, renders errors and maps them to exit codes:
//! 0 success, 1 error, 2 (diff) changes or drift.

/// `println!` to a standard output that may be closed (see `out.rs`).
macro_rules! outln {
    () => { $crate::out::write(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::out::write(format_args!($($arg)*), true) };
}

/// `print!` to a standard output that may be closed.
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::write(format_args!($($arg)*), false) };
}

mod backend;
mod cli;
mod color;
mod commands;
mod log;
mod out;
mod plan_leaves;
mod plan_view;
mod progress;
mod stack_outputs;
mod stats_view;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and --version exit 0; a usage error 1, as every other
            // error (2 means "changes" from diff).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
    };
    // Against the local AWS in realistic mode, which runs N times faster
    // than AWS: stackr's waits and timeouts keep AWS's time (a testing
    // facility, like STACKR_FAKE_CLOUD; see stackr_engine::clock).
    log::init();
    if let Some(scale) = stackr_engine::clock::scale_from_env() {
        stackr_engine::clock::set_scale(scale);
    }
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprint!("{}", e.render());
            if progress::JSON_ERRORS.load(std::sync::atomic::Ordering::Relaxed) {
                progress::json_line("error", e.json());
            }
            ExitCode::from(1)
        }
    }
}

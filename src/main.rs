//! The `stackr` command: a thin edge over the library crates. It parses
//! arguments, runs a command, renders errors and maps them to exit codes:
//! 0 success, 1 error, 2 (diff) changes or drift.

mod backend;
mod cli;
mod color;
mod commands;
mod plan_view;
mod progress;
mod stats_view;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprint!("{}", e.render());
            ExitCode::from(1)
        }
    }
}

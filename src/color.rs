//! Whether to colour output: `--color`, NO_COLOR, and whether the stream
//! is a terminal.

use crate::cli::ColorChoice;
use std::io::IsTerminal;

/// Decides colour for one stream. `always` and `never` win; `auto` colours
/// a terminal unless NO_COLOR is set (to anything non-empty) or TERM=dumb.
pub fn enabled(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

pub fn stderr(choice: ColorChoice) -> bool {
    enabled(choice, std::io::stderr().is_terminal())
}

pub fn stdout(choice: ColorChoice) -> bool {
    enabled(choice, std::io::stdout().is_terminal())
}

/// Wraps text in an ANSI style when colour is on.
pub fn paint(on: bool, code: &str, text: &str) -> String {
    if on { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
}

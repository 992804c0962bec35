//! Standard output that may be closed: `stackr output | head -1` or a
//! reader that goes away. Rust's `println!` panics then; these writes
//! are dropped instead, so the command finishes its work (and releases
//! its lock) quietly.

use std::fmt;
use std::io::Write;

pub fn write(args: fmt::Arguments<'_>, newline: bool) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_fmt(args).and_then(|()| if newline { out.write_all(b"\n") } else { Ok(()) });
}

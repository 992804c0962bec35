//! Whether a lock holder's process still runs on this machine.
//!
//! Contract: [`process_alive`] answers `false` only when it is sure the
//! process is gone; whenever it cannot tell it answers `true`, so a lock is
//! then judged by its lease alone. It is only ever asked about a pid
//! recorded in this same process table ([`stackr_state::store::this_pid_table`]).
//!
//! On Linux it reads `/proc/PID/stat`: no such entry, or a zombie / dead
//! state, means gone. Elsewhere (or with no `/proc` mounted) it cannot tell.

use std::path::Path;

/// Whether process `pid` of this machine is still running (see the module doc).
pub fn process_alive(pid: u32) -> bool {
    if !cfg!(target_os = "linux") || !Path::new("/proc/self/stat").exists() {
        return true;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !matches!(state_of(&stat), Some('Z' | 'X' | 'x')),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        // It exists but cannot be read: it runs.
        Err(_) => true,
    }
}

/// The state letter of a `/proc/PID/stat` line: the field after the
/// command name, which is in parentheses and may itself hold spaces or `)`.
fn state_of(stat: &str) -> Option<char> {
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().next()?.chars().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_letter_is_read_after_the_last_parenthesis() {
        assert_eq!(state_of("42 (stackr) S 1 42 42 0"), Some('S'));
        assert_eq!(state_of("42 (odd) name)) Z 1 42"), Some('Z'));
        assert_eq!(state_of("garbage"), None);
    }

    #[test]
    fn this_process_runs_and_a_reaped_child_does_not() {
        assert!(process_alive(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().expect("spawn `true`");
        let pid = child.id();
        child.wait().expect("reap the child");
        if cfg!(target_os = "linux") {
            assert!(!process_alive(pid), "pid {pid} was reaped");
        }
    }
}

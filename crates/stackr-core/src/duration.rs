//! Durations as stack files write them (`lifecycle.timeouts`).

use std::time::Duration;

/// What a duration may look like, for error messages.
pub const FORMS: &str = "a number with a unit: `90s`, `45m`, `2h`, or several: `1h30m`";

/// Parses "90s", "45m", "2h", "1h30m". `None` when malformed or zero.
pub fn parse(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total = 0u64;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().ok()?;
        digits.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    if !digits.is_empty() || total == 0 {
        return None;
    }
    Some(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_users_write() {
        assert_eq!(parse("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse("45m"), Some(Duration::from_secs(45 * 60)));
        assert_eq!(parse("1h30m"), Some(Duration::from_secs(5400)));
        for bad in ["", "10", "m", "1d", "0m", "-5m", "1.5h", "m5", "99999999999999999999h"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}

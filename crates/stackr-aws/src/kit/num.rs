//! Checked number conversions: stack values are f64 ([`Value::Number`]),
//! most SDK fields are i32. A value out of range is an `Invalid` error that
//! names the property, never a silent wrap.

use crate::kit::invalid;
use stackr_core::value::Value;
use stackr_engine::reconciler::{Props, ProviderError};

/// An integer property as the SDK's i32; `None` when unset.
pub fn int32(p: &Props, k: &str) -> Result<Option<i32>, ProviderError> {
    match p.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match crate::props::int(p, k) {
            Some(n) => to_i32(k, n).map(Some),
            None => Err(invalid(format!("`{k}` must be a whole number, not {v}"))),
        },
    }
}

/// `n` as i32, or an error naming `field`.
pub fn to_i32(field: &str, n: i64) -> Result<i32, ProviderError> {
    i32::try_from(n).map_err(|_| invalid(format!("`{field}` is {n}, out of range (at most {})", i32::MAX)))
}

/// A number value from the SDK's integers.
pub fn num(n: impl Into<i64>) -> Value {
    Value::Number(n.into() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int32_checks_range_and_kind() {
        let p: Props = [
            ("a".to_string(), Value::Number(30.0)),
            ("b".to_string(), Value::Number(3e10)),
            ("c".to_string(), Value::Number(1.5)),
        ]
        .into_iter()
        .collect();
        assert_eq!(int32(&p, "a").unwrap(), Some(30));
        assert!(int32(&p, "b").unwrap_err().message.contains("`b` is 30000000000, out of range"));
        assert!(int32(&p, "c").unwrap_err().message.contains("whole number"));
        assert_eq!(int32(&p, "missing").unwrap(), None);
        assert_eq!(num(7i32), Value::Number(7.0));
    }
}

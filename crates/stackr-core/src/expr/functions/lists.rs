//! List functions: `slice`, `sort`, `zipmap`, and lists used as sets
//! (`setunion`, `setsubtract`).

use super::{Args, Value, scalar_text};

/// `slice(list, start, end)`: elements `start..end`; both within the list
/// and `start <= end`, as Terraform checks.
pub(super) fn slice(a: &Args) -> Result<Value, String> {
    let list = a.list(0, "list")?;
    let (start, end) = (a.int(1, "start")?, a.int(2, "end")?);
    let len = list.len() as i64;
    if start < 0 || start > len {
        return Err(a.err(format_args!("`start` {start} is outside the list of {len} element(s)")));
    }
    if end < start || end > len {
        return Err(a.err(format_args!("`end` {end} must be from `start` ({start}) up to the list's length ({len})")));
    }
    Ok(Value::List(list[start as usize..end as usize].to_vec()))
}

/// `sort(list)`: strings in lexicographic order; numbers and bools are
/// sorted by their text, as Terraform converts them.
pub(super) fn sort(a: &Args) -> Result<Value, String> {
    let list = a.list(0, "list")?;
    let mut texts = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        match scalar_text(v) {
            Some(t) => texts.push(t.into_owned()),
            None => {
                return Err(a.err(format_args!(
                    "element {i} is {}; sort orders strings (and numbers and bools as text)",
                    v.type_name()
                )));
            }
        }
    }
    texts.sort();
    Ok(Value::List(texts.into_iter().map(Value::String).collect()))
}

/// `zipmap(keys, values)`: keys are strings (numbers and bools as text);
/// the lists have the same length; a repeated key keeps its last value.
pub(super) fn zipmap(a: &Args) -> Result<Value, String> {
    let (keys, values) = (a.list(0, "keys")?, a.list(1, "values")?);
    if keys.len() != values.len() {
        return Err(a.err(format_args!(
            "the lists differ in length: {} key(s), {} value(s)",
            keys.len(),
            values.len()
        )));
    }
    let mut out = std::collections::BTreeMap::new();
    for (i, (k, v)) in keys.iter().zip(values).enumerate() {
        let Some(k) = scalar_text(k) else {
            return Err(a.err(format_args!("key {i} is {}; keys are strings", k.type_name())));
        };
        out.insert(k.into_owned(), v.clone());
    }
    Ok(Value::Map(out))
}

fn push_distinct(out: &mut Vec<Value>, v: &Value) {
    if !out.contains(v) {
        out.push(v.clone());
    }
}

/// `setunion(sets...)`: each distinct element once, where it first appears.
pub(super) fn setunion(a: &Args) -> Result<Value, String> {
    let mut out = Vec::new();
    for i in 0..a.vals.len() {
        for v in a.list(i, "set")? {
            push_distinct(&mut out, v);
        }
    }
    Ok(Value::List(out))
}

/// `setsubtract(set, other)`: the distinct elements of `set` not in `other`.
pub(super) fn setsubtract(a: &Args) -> Result<Value, String> {
    let (set, other) = (a.list(0, "set")?, a.list(1, "other")?);
    let mut out = Vec::new();
    for v in set.iter().filter(|v| !other.contains(v)) {
        push_distinct(&mut out, v);
    }
    Ok(Value::List(out))
}

#[cfg(test)]
mod tests {
    use super::super::call;
    use crate::value::Value;

    fn s(x: &str) -> Value {
        Value::String(x.into())
    }
    fn n(x: f64) -> Value {
        Value::Number(x)
    }
    fn l(items: &[Value]) -> Value {
        Value::List(items.to_vec())
    }

    #[test]
    fn slice_takes_start_to_end_and_checks_both() {
        let abc = l(&[s("a"), s("b"), s("c")]);
        assert_eq!(call("slice", &[abc.clone(), n(1.0), n(3.0)]), Ok(l(&[s("b"), s("c")])));
        assert_eq!(call("slice", &[abc.clone(), n(1.0), n(1.0)]), Ok(l(&[])));
        assert!(call("slice", &[abc.clone(), n(2.0), n(1.0)]).unwrap_err().contains("`end` 1"));
        assert!(call("slice", &[abc.clone(), n(0.0), n(4.0)]).unwrap_err().contains("`end` 4"));
        assert!(call("slice", &[abc, n(-1.0), n(1.0)]).unwrap_err().contains("`start` -1"));
    }

    #[test]
    fn sort_orders_text_and_refuses_collections() {
        assert_eq!(call("sort", &[l(&[s("b"), n(10.0), s("a"), n(9.0)])]), Ok(l(&[s("10"), s("9"), s("a"), s("b")])));
        assert!(call("sort", &[l(&[l(&[])])]).unwrap_err().contains("element 0 is list"));
    }

    #[test]
    fn zipmap_pairs_keys_with_values() {
        let m = call("zipmap", &[l(&[s("a"), s("b")]), l(&[n(1.0), n(2.0)])]).unwrap();
        assert_eq!(m.as_map().map(|m| m.len()), Some(2));
        assert_eq!(m.as_map().and_then(|m| m.get("b")), Some(&n(2.0)));
        assert!(call("zipmap", &[l(&[s("a")]), l(&[])]).unwrap_err().contains("differ in length"));
    }

    #[test]
    fn sets_keep_first_occurrences() {
        assert_eq!(
            call("setunion", &[l(&[s("a"), s("b")]), l(&[s("b"), s("c"), s("a")])]),
            Ok(l(&[s("a"), s("b"), s("c")]))
        );
        assert_eq!(
            call("setsubtract", &[l(&[s("a"), s("b"), s("a"), s("c")]), l(&[s("b")])]),
            Ok(l(&[s("a"), s("c")]))
        );
        assert_eq!(call("reverse", &[l(&[n(1.0), n(2.0)])]), Ok(l(&[n(2.0), n(1.0)])));
    }
}

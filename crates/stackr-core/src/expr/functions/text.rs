//! Text functions that need more than string slicing: `regex`, `sha256`
//! and `yamldecode`.

use super::{Args, Value};
use crate::source::FileId;
use crate::yaml::{Node, NodeKind};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Longest pattern `regex` compiles: bounds the work a stack can ask for.
const MAX_PATTERN: usize = 1_000;

/// `regex(pattern, string)`: the first match; with groups, the groups'
/// texts (a list for unnamed groups, a map for named ones), as Terraform's
/// function answers. No match is an error.
pub(super) fn regex(a: &Args) -> Result<Value, String> {
    let (pattern, text) = (a.str(0, "pattern")?, a.str(1, "string")?);
    if pattern.len() > MAX_PATTERN {
        return Err(a.err(format_args!("the pattern is over {MAX_PATTERN} characters")));
    }
    let re = regex_lite::Regex::new(&pattern).map_err(|e| a.err(format_args!("not a valid pattern: {e}")))?;
    let Some(caps) = re.captures(&text) else {
        return Err(a.err(format_args!("no match of {pattern:?} in the string; test for one with can(regex(...))")));
    };
    let group = |i: usize| caps.get(i).map_or(Value::Null, |m| Value::String(m.as_str().to_string()));
    if re.captures_len() == 1 {
        return Ok(group(0));
    }
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    if names.iter().all(Option::is_some) {
        let map: BTreeMap<String, Value> =
            names.iter().enumerate().filter_map(|(i, n)| Some((n.as_ref()?.to_string(), group(i + 1)))).collect();
        return Ok(Value::Map(map));
    }
    if names.iter().any(Option::is_some) {
        return Err(a.err("the pattern mixes named and unnamed groups; name all of them or none"));
    }
    Ok(Value::List((1..re.captures_len()).map(group).collect()))
}

/// `sha256(string)`: lower-case hex of the digest of the UTF-8 bytes.
pub(super) fn sha256(a: &Args) -> Result<Value, String> {
    let digest = Sha256::digest(a.str(0, "string")?.as_bytes());
    Ok(Value::String(digest.iter().map(|b| format!("{b:02x}")).collect()))
}

/// `yamldecode(string)`: one YAML document, typed by the YAML 1.2 core
/// schema, with the stack file's own loader (so the same limits hold).
pub(super) fn yamldecode(a: &Args) -> Result<Value, String> {
    let text = a.str(0, "string")?;
    match crate::yaml::parse(FileId(u32::MAX), &text) {
        Ok(node) => Ok(to_value(node)),
        Err(diags) => {
            let first = diags.iter().next();
            let line = first.and_then(|d| d.span).map(|s| format!(" (line {} of the string)", s.start.line));
            let message = first.map_or("not a YAML document".to_string(), |d| d.message.clone());
            Err(a.err(format_args!("the string is not valid YAML{}: {message}", line.unwrap_or_default())))
        }
    }
}

fn to_value(node: Node) -> Value {
    match node.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Bool(b) => Value::Bool(b),
        NodeKind::Number(n) => Value::Number(n),
        NodeKind::String(s) => Value::String(s),
        NodeKind::Seq(items) => Value::List(items.into_iter().map(to_value).collect()),
        NodeKind::Map(entries) => Value::Map(entries.into_iter().map(|(k, v)| (k.name, to_value(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::call;
    use crate::value::Value;

    fn s(x: &str) -> Value {
        Value::String(x.into())
    }

    #[test]
    fn regex_answers_the_match_its_groups_or_named_groups() {
        assert_eq!(call("regex", &[s("[0-9]+"), s("ab123cd")]), Ok(s("123")));
        assert_eq!(call("regex", &[s("([a-z]+)-([0-9]+)"), s("web-42")]), Ok(Value::List(vec![s("web"), s("42")])));
        let m = call("regex", &[s("(?P<name>[a-z]+)-(?P<n>[0-9]+)"), s("web-42")]).unwrap();
        assert_eq!(m.as_map().and_then(|m| m.get("n")), Some(&s("42")));
        assert!(call("regex", &[s("^x"), s("abc")]).unwrap_err().contains("no match"));
        assert!(call("regex", &[s("("), s("abc")]).unwrap_err().contains("not a valid pattern"));
    }

    #[test]
    fn sha256_is_hex() {
        assert_eq!(
            call("sha256", &[s("hello")]),
            Ok(s("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"))
        );
    }

    #[test]
    fn yamldecode_types_scalars_and_locates_errors() {
        let v = call("yamldecode", &[s("a: 1\nb: [x, true]\nc: \"2\"\n")]).unwrap();
        let m = v.as_map().unwrap();
        assert_eq!(m.get("a"), Some(&Value::Number(1.0)));
        assert_eq!(m.get("b"), Some(&Value::List(vec![s("x"), Value::Bool(true)])));
        assert_eq!(m.get("c"), Some(&s("2")));
        let e = call("yamldecode", &[s("a: [1\nb: 2")]).unwrap_err();
        assert!(e.contains("not valid YAML (line"), "{e}");
    }
}

//! The grammar of an IAM policy document, checked before any call: AWS
//! answers a malformed one with `MalformedPolicyDocument` ("Syntax errors in
//! policy") and no pointer to the mistake.
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html

use crate::value::Value;
use serde_json::Value as Json;

const TOP: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT: &[&str] =
    &["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];
const VERSIONS: &[&str] = &["2012-10-17", "2008-10-17"];

/// What is wrong with `v` as a policy document (a map, or a string holding
/// JSON), if anything. A value not yet known in part is not checked.
pub fn problem(v: &Value) -> Option<String> {
    if v.contains_unknown() {
        return None;
    }
    let doc = match v {
        Value::String(text) => match serde_json::from_str::<Json>(text) {
            Ok(doc) => doc,
            Err(e) => return Some(format!("the policy is not JSON: {e}")),
        },
        other => other.to_json(),
    };
    document(&doc).err()
}

fn document(doc: &Json) -> Result<(), String> {
    let Json::Object(top) = doc else {
        return Err("a policy document is an object with `Version` and `Statement`".into());
    };
    known_keys(top, TOP, "")?;
    match top.get("Version") {
        None => {}
        Some(Json::String(v)) if VERSIONS.contains(&v.as_str()) => {}
        Some(v) => return Err(format!("`Version` is {v}: it is \"2012-10-17\" (or the older \"2008-10-17\")")),
    }
    match top.get("Statement") {
        None => Err("a policy document needs `Statement`".into()),
        Some(Json::Array(list)) => {
            list.iter().enumerate().try_for_each(|(i, s)| statement(s, &format!("Statement[{i}]")))
        }
        Some(one) => statement(one, "Statement"),
    }
}

fn statement(s: &Json, at: &str) -> Result<(), String> {
    let Json::Object(s) = s else { return Err(format!("`{at}` is not an object: a statement is a map")) };
    known_keys(s, STATEMENT, at)?;
    match s.get("Effect") {
        Some(Json::String(e)) if e == "Allow" || e == "Deny" => {}
        Some(e) => return Err(format!("`{at}.Effect` is {e}: it is \"Allow\" or \"Deny\"")),
        None => return Err(format!("`{at}` needs `Effect` (\"Allow\" or \"Deny\")")),
    }
    let actions = match (s.get("Action"), s.get("NotAction")) {
        (Some(a), None) => ("Action", a),
        (None, Some(a)) => ("NotAction", a),
        (None, None) => return Err(format!("`{at}` needs `Action` (or `NotAction`)")),
        (Some(_), Some(_)) => return Err(format!("`{at}` has both `Action` and `NotAction`; keep one")),
    };
    for a in strings(actions.1, &format!("{at}.{}", actions.0))? {
        if a != "*" && !a.contains(':') {
            return Err(format!(
                "`{at}.{}` holds `{a}`: an action is `service:Name` (e.g. `s3:GetObject`) or `*`",
                actions.0
            ));
        }
    }
    for key in ["Resource", "NotResource"] {
        if let Some(r) = s.get(key) {
            strings(r, &format!("{at}.{key}"))?;
        }
    }
    if let Some(c) = s.get("Condition").filter(|c| !c.is_object()) {
        return Err(format!("`{at}.Condition` is {c}: it is a map of operators to conditions"));
    }
    Ok(())
}

/// A string or a list of strings.
fn strings<'a>(v: &'a Json, at: &str) -> Result<Vec<&'a str>, String> {
    match v {
        Json::String(s) => Ok(vec![s]),
        Json::Array(items) => items
            .iter()
            .map(|i| i.as_str().ok_or_else(|| format!("`{at}` holds {i}: it is a string or a list of strings")))
            .collect(),
        other => Err(format!("`{at}` is {other}: it is a string or a list of strings")),
    }
}

fn known_keys(m: &serde_json::Map<String, Json>, known: &[&str], at: &str) -> Result<(), String> {
    for k in m.keys() {
        if !known.contains(&k.as_str()) {
            let place = if at.is_empty() { "a policy document".to_string() } else { format!("`{at}`") };
            return Err(format!("{place} has no key `{k}`; {}", crate::diag::suggest(k, known, "keys")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str) -> Option<String> {
        problem(&Value::String(json.to_string()))
    }

    #[test]
    fn a_valid_policy_passes_and_each_mistake_is_named() {
        let ok = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*",
                    "Principal":{"Service":"ecs-tasks.amazonaws.com"},"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
        assert_eq!(check(ok), None);
        let one = r#"{"Statement":{"Effect":"Deny","NotAction":"iam:*","Resource":["*"]}}"#;
        assert_eq!(check(one), None);
        let cases = [
            (r#"{"Statement":[{"Effect":"Alow","Action":"s3:*"}]}"#, "`Statement[0].Effect` is \"Alow\""),
            (r#"{"Statement":[{"Effect":"Allow","Acton":"s3:*"}]}"#, "did you mean `Action`?"),
            (r#"{"Statement":[{"Effect":"Allow","Action":"s3GetObject"}]}"#, "an action is `service:Name`"),
            (r#"{"Version":"2012-10-18","Statement":[]}"#, "`Version` is \"2012-10-18\""),
            (r#"[1, 2]"#, "a policy document is an object"),
            (r#"{"Statement": [{"Effect":"Allow"}]}"#, "needs `Action`"),
            ("{not json", "the policy is not JSON"),
        ];
        for (doc, want) in cases {
            let got = check(doc).unwrap_or_default();
            assert!(got.contains(want), "{doc}: {got}");
        }
        // Not yet known: checked when it is.
        assert_eq!(problem(&Value::Unknown), None);
    }
}

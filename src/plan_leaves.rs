//! A structured value's change as people review it: only the leaves that
//! differ, each with its path and in full (a changed value is never cut);
//! lists of plain values as sets (what is added, what is removed); the
//! fields of an object that the stack does not set left out (AWS fills
//! them; they are not compared); stackr's own tags left out.

use serde_json::Value as J;
use stackr_core::schema::PropType;
use stackr_core::value::UNKNOWN_TEXT;
use stackr_engine::plan::SECRET_TEXT;

/// The lines of one field's change: `(path, what)`, `what` being
/// `before -> after`, `+ added` or `- removed`.
pub fn changes(field: &str, before: &J, after: &J) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(field, field, before, after, None, &mut out);
    out
}

/// [`changes`] knowing the property's type: lists the schema marks
/// unordered, at any depth, are not shown for an order alone.
pub fn changes_of(prop: &stackr_core::schema::PropSchema, before: &J, after: &J) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(prop.name, prop.name, before, after, Some((&prop.ty, prop.unordered)), &mut out);
    out
}

/// The type of field `k` of an object type, and whether it is unordered.
fn field_type(ty: Option<(&PropType, bool)>, k: &str) -> Option<(&'static PropType, bool)> {
    match ty {
        Some((PropType::Object(fields), _)) => fields.iter().find(|f| f.name == k).map(|f| (&f.ty, f.unordered)),
        _ => None,
    }
}

/// The element type of a list type.
fn element_type(ty: Option<(&PropType, bool)>) -> Option<(&'static PropType, bool)> {
    match ty {
        Some((PropType::List(inner), _)) => Some((inner, false)),
        _ => None,
    }
}

/// [`changes`] of a map the stack owns whole (an RDS group's parameters,
/// a role's inline policies): a key the live side has and the stack no
/// longer sets is removed, and shown so (`- value`).
pub fn map_changes(field: &str, before: &J, after: &J) -> Vec<(String, String)> {
    let mut out = changes(field, before, after);
    if let (J::Object(b), J::Object(a)) = (before, after)
        && field != "tags"
    {
        for (k, x) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
            out.push((format!("{field}.{k}"), format!("- {}", leaf(x))));
        }
    }
    out
}

/// [`changes`] of a list whose order means nothing (a security group's
/// rules): the wanted elements no live one matches (`+`), and the live
/// elements no wanted one matches (`-`), whatever their positions; a live
/// element matches when it has every field the wanted one sets.
pub fn set_changes(field: &str, before: &J, after: &J) -> Vec<(String, String)> {
    let (J::Array(b), J::Array(a)) = (before, after) else { return changes(field, before, after) };
    let covers = |x: &J, y: &J| match (x, y) {
        (J::Object(x), J::Object(y)) => y.iter().all(|(k, v)| x.get(k) == Some(v)),
        _ => x == y,
    };
    let mut out: Vec<(String, String)> = Vec::new();
    out.extend(
        a.iter().filter(|y| !b.iter().any(|x| covers(x, y))).map(|y| (field.to_string(), format!("+ {}", leaf(y)))),
    );
    out.extend(
        b.iter().filter(|x| !a.iter().any(|y| covers(x, y))).map(|x| (field.to_string(), format!("- {}", leaf(x)))),
    );
    if out.is_empty() {
        // Matched, but not one to one (one live element for two wanted).
        return changes(field, before, after);
    }
    out
}

/// A value as shown: JSON, but the placeholders for unknown and secret
/// values as they read, and stackr's own tags left out.
pub fn show(field: &str, v: &J) -> String {
    match v {
        J::String(s) if s == UNKNOWN_TEXT || s == SECRET_TEXT => s.clone(),
        J::Object(m) if field == "tags" => {
            let kept: serde_json::Map<String, J> =
                m.iter().filter(|(k, _)| !k.starts_with("stackr:")).map(|(k, v)| (k.clone(), v.clone())).collect();
            J::Object(kept).to_string()
        }
        other => other.to_string(),
    }
}

fn leaf(v: &J) -> String {
    show("", v)
}

fn plain(v: &J) -> bool {
    !matches!(v, J::Array(_) | J::Object(_))
}

fn walk(
    field: &str,
    path: &str,
    before: &J,
    after: &J,
    ty: Option<(&PropType, bool)>,
    out: &mut Vec<(String, String)>,
) {
    if before == after {
        return;
    }
    match (before, after) {
        (J::Object(b), J::Object(a)) => {
            for (k, y) in a {
                if field == "tags" && k.starts_with("stackr:") {
                    continue;
                }
                let p = format!("{path}.{k}");
                match b.get(k) {
                    Some(x) => walk(field, &p, x, y, field_type(ty, k), out),
                    None => out.push((p, format!("+ {}", leaf(y)))),
                }
            }
            // Tags are the one map kept exactly: a tag only AWS has goes.
            if field == "tags" {
                for (k, x) in b.iter().filter(|(k, _)| !a.contains_key(*k) && !k.starts_with("stackr:")) {
                    out.push((format!("{path}.{k}"), format!("- {}", leaf(x))));
                }
            }
        }
        (J::Array(b), J::Array(a)) if b.iter().chain(a).all(plain) => {
            let added: Vec<&J> = a.iter().filter(|x| !b.contains(x)).collect();
            let removed: Vec<&J> = b.iter().filter(|x| !a.contains(x)).collect();
            if added.is_empty() && removed.is_empty() && !ty.is_some_and(|(_, unordered)| unordered) {
                // The same items in another order (a list whose order counts).
                out.push((path.to_string(), format!("{} -> {}", leaf(before), leaf(after))));
            }
            out.extend(added.into_iter().map(|x| (path.to_string(), format!("+ {}", leaf(x)))));
            out.extend(removed.into_iter().map(|x| (path.to_string(), format!("- {}", leaf(x)))));
        }
        (J::Array(b), J::Array(a)) if b.len() == a.len() => {
            for (i, (x, y)) in b.iter().zip(a).enumerate() {
                walk(field, &format!("{path}[{i}]"), x, y, element_type(ty), out);
            }
        }
        (J::Array(b), J::Array(a)) => {
            // Elements matched by equality: what the stack adds, what goes.
            for (i, y) in a.iter().enumerate().filter(|(_, y)| !b.contains(y)) {
                out.push((format!("{path}[{i}]"), format!("+ {}", leaf(y))));
            }
            for (i, x) in b.iter().enumerate().filter(|(_, x)| !a.contains(x)) {
                out.push((format!("{path}[{i}]"), format!("- {}", leaf(x))));
            }
        }
        _ => out.push((path.to_string(), format!("{} -> {}", leaf(before), leaf(after)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(field: &str, b: J, a: J) -> Vec<String> {
        changes(field, &b, &a).into_iter().map(|(p, w)| format!("{p}: {w}")).collect()
    }

    #[test]
    fn only_the_changed_leaf_of_a_policy_is_shown_in_full() {
        let long = "arn:aws:s3:::a-bucket-with-a-long-name/and/a/long/prefix/".repeat(3);
        let before = json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": long }] });
        let after = json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": long }] });
        assert_eq!(lines("policy", before, after), ["policy.Statement[0].Action: + \"s3:PutObject\""]);
        let b = json!([{ "name": "wp", "image": format!("wordpress:6.7-{long}") }]);
        let a = json!([{ "name": "wp", "image": format!("wordpress:6.8-{long}") }]);
        let got = lines("container_definitions", b, a);
        assert_eq!(got.len(), 1);
        assert!(got[0].contains(&format!("\"wordpress:6.8-{long}\"")), "never cut: {got:?}");
    }

    #[test]
    fn a_nested_list_the_schema_calls_unordered_is_not_shown_for_its_order() {
        let prop = stackr_schema::get_role("aws.ecs.service", stackr_core::schema::Role::Resource)
            .and_then(|t| t.property("network_configuration"))
            .expect("the service's network configuration");
        let b = json!({ "subnets": ["a", "b"], "assign_public_ip": false });
        let a = json!({ "subnets": ["b", "a"], "assign_public_ip": true });
        let got: Vec<String> = changes_of(prop, &b, &a).into_iter().map(|(p, w)| format!("{p}: {w}")).collect();
        assert_eq!(got, ["network_configuration.assign_public_ip: false -> true"]);
        // Without the schema, the order shows.
        assert_eq!(
            lines("x", json!({ "l": ["a", "b"] }), json!({ "l": ["b", "a"] })),
            ["x.l: [\"a\",\"b\"] -> [\"b\",\"a\"]"]
        );
    }

    #[test]
    fn sets_fields_aws_fills_and_own_tags() {
        assert_eq!(lines("subnets", json!(["a", "b"]), json!(["b", "c"])), ["subnets: + \"c\"", "subnets: - \"a\""]);
        // `ttl` is AWS's default, not set by the stack: not a change, not shown.
        assert_eq!(lines("cfg", json!({ "port": 80, "ttl": 60 }), json!({ "port": 443 })), ["cfg.port: 80 -> 443"]);
        let b = json!({ "Name": "a", "old": "x", "stackr:resource": "vpc" });
        let a = json!({ "Name": "b", "stackr:resource": "net.vpc" });
        assert_eq!(lines("tags", b, a), ["tags.Name: \"a\" -> \"b\"", "tags.old: - \"x\""]);
        assert_eq!(show("tags", &json!({ "Name": "a", "stackr:stack": "s" })), "{\"Name\":\"a\"}");
    }

    #[test]
    fn known_parts_beside_an_unknown_leaf_and_lists_of_objects() {
        let after = json!({ "subnets": ["subnet-1"], "security_groups": [UNKNOWN_TEXT] });
        let before = json!({ "subnets": ["subnet-1"], "security_groups": ["sg-old"] });
        assert_eq!(
            lines("network", before, after),
            ["network.security_groups: + (known after apply)", "network.security_groups: - \"sg-old\""]
        );
        let b = json!([{ "port": 80 }]);
        let a = json!([{ "port": 80 }, { "port": 443 }]);
        assert_eq!(lines("ingress", b, a), ["ingress[1]: + {\"port\":443}"]);
    }

    #[test]
    fn a_map_owned_whole_shows_the_keys_it_drops() {
        let got = map_changes(
            "parameters",
            &json!({"max_connections": "100", "work_mem": "4096"}),
            &json!({"log_statement": "ddl", "work_mem": "4096"}),
        );
        assert_eq!(
            got,
            vec![
                ("parameters.log_statement".to_string(), "+ \"ddl\"".to_string()),
                ("parameters.max_connections".to_string(), "- \"100\"".to_string()),
            ]
        );
    }

    #[test]
    fn a_set_of_objects_shows_what_is_missing_and_what_is_extra_whatever_the_order() {
        let live = json!([{ "port": 443, "peer": "sg-a", "description": "x" }, { "port": 80, "peer": "sg-b" }]);
        let want =
            json!([{ "port": 80, "peer": "sg-b" }, { "port": 6379, "peer": "sg-c" }, { "port": 443, "peer": "sg-a" }]);
        let got: Vec<String> =
            set_changes("egress", &live, &want).into_iter().map(|(p, w)| format!("{p}: {w}")).collect();
        assert_eq!(got, ["egress: + {\"port\":6379,\"peer\":\"sg-c\"}"]);
        let got: Vec<String> = set_changes("egress", &want, &json!([{ "port": 80, "peer": "sg-b" }]))
            .into_iter()
            .map(|(p, w)| format!("{p}: {w}"))
            .collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got.iter().all(|l| l.starts_with("egress: - ")), "{got:?}");
    }
}

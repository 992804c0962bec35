//! IAM policy documents: written from a stack value (a YAML map, or a
//! string holding JSON) as JSON text, and read back from AWS, which returns
//! them URL-encoded (RFC 3986), into values that compare semantically (key
//! order and whitespace do not matter).

use stackr_core::value::Value;
use stackr_engine::reconciler::{ErrorKind, ProviderError};

/// The JSON text to send for a document property.
pub fn text(v: &Value, what: &str) -> Result<String, ProviderError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Map(_) | Value::List(_) => Ok(v.to_json().to_string()),
        other => Err(ProviderError::new(
            ErrorKind::Invalid,
            format!("{what} must be a policy document (a map, or a string holding JSON), not {}", other.type_name()),
        )),
    }
}

/// A document as AWS returns it (URL-encoded or not) as a value; `None`
/// when it is not JSON at all.
pub fn parse(raw: &str) -> Option<Value> {
    if let Ok(j) = serde_json::from_str::<serde_json::Value>(raw) {
        return Some(Value::from_json(&j));
    }
    let decoded = percent_decode(raw)?;
    serde_json::from_str::<serde_json::Value>(&decoded).ok().map(|j| Value::from_json(&j))
}

/// A wanted document as a comparable value: a string holding JSON is
/// parsed, a map or list is already one.
pub fn normalize(v: &Value) -> Value {
    match v {
        Value::String(s) => parse(s).unwrap_or_else(|| v.clone()),
        other => other.clone(),
    }
}

/// A document in one canonical spelling, for comparing policies whose
/// service rewrites them (S3's GetBucketPolicy), and for sending them
/// alike: the policy grammar takes a one-element list and its element
/// alike (`"Action": "s3:GetObject"` and `"Action": ["s3:GetObject"]`),
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>,
/// so every one-element list becomes its element, at any depth, except
/// `Statement`, always a list; every list in the grammar is a set
/// (statements, actions, resources, principals, condition values: their
/// order means nothing), so lists are sorted and their repeats dropped;
/// and every value in the grammar is a string (an account id, a Sid, a
/// condition's `"false"` or `"10"`), so a YAML number or boolean is its
/// text. A string holding the whole document as JSON is parsed first;
/// strings inside the document stay as written (`"1e3"` is not 1000).
pub fn canonical(v: &Value) -> Value {
    canonical_part(&normalize(v))
}

fn canonical_part(v: &Value) -> Value {
    match v {
        Value::List(l) => {
            let mut items: Vec<(String, Value)> =
                l.iter().map(canonical_part).map(|x| (x.to_json().to_string(), x)).collect();
            items.sort_by(|a, b| a.0.cmp(&b.0));
            items.dedup_by(|a, b| a.0 == b.0);
            match items.len() {
                1 => items.remove(0).1,
                _ => Value::List(items.into_iter().map(|(_, x)| x).collect()),
            }
        }
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, x)| {
                    let x = canonical_part(x);
                    let x = match x {
                        Value::List(_) => x,
                        other if k == "Statement" => Value::List(vec![other]),
                        other => other,
                    };
                    (k.clone(), x)
                })
                .collect(),
        ),
        Value::Bool(_) | Value::Number(_) => v.to_interpolated().map_or_else(|| v.clone(), Value::String),
        other => other.clone(),
    }
}

/// [`canonical`] applied to the documents `fields` of `props`, for
/// comparing what a stack wants with what AWS holds (and showing it in a
/// plan in the same spelling, also while a value is not known yet).
pub fn canonical_in(props: &mut stackr_engine::reconciler::Props, fields: &[&str]) {
    for f in fields {
        if let Some(v) = props.get_mut(*f).filter(|v| !matches!(v, Value::Null | Value::Unknown)) {
            *v = canonical(v);
        }
    }
}

/// [`canonical`] applied to each document of the map `field` (a role's
/// inline policies, by name).
pub fn canonical_each(props: &mut stackr_engine::reconciler::Props, field: &str) {
    if let Some(Value::Map(m)) = props.get_mut(field) {
        for d in m.values_mut().filter(|d| !matches!(d, Value::Unknown)) {
            *d = canonical(d);
        }
    }
}

/// Decodes `%XX` escapes (RFC 3986; `+` stays a plus). `None` when the
/// result is not UTF-8 or an escape is malformed.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoded_and_plain_documents_compare_equal() {
        let plain =
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        let encoded = "%7B%22Statement%22%3A%20%5B%7B%22Resource%22%3A%20%22%2A%22%2C%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%7D%5D%2C%22Version%22%3A%222012-10-17%22%7D";
        assert_eq!(parse(plain), parse(encoded));
        assert!(parse(plain).is_some());
        assert_eq!(normalize(&Value::String(plain.into())), parse(plain).unwrap_or(Value::Null));
    }

    #[test]
    fn one_element_lists_and_key_order_do_not_matter() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root"]},"Action":["s3:GetObject"],"Resource":"arn:aws:s3:::b/*"}]}"#;
        let b = r#"{"Statement":{"Resource":["arn:aws:s3:::b/*"],"Action":"s3:GetObject","Principal":{"AWS":"arn:aws:iam::1:root"},"Effect":"Allow"},"Version":"2012-10-17"}"#;
        assert_eq!(canonical(&Value::String(a.into())), canonical(&Value::String(b.into())));
        let two = r#"{"Action":["s3:GetObject","s3:PutObject"]}"#;
        assert_ne!(canonical(&Value::String(two.into())), canonical(&Value::String(a.into())));
    }

    #[test]
    fn the_order_of_a_list_and_its_repeats_do_not_matter() {
        let a = r#"{"Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"*"},
                                 {"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#;
        let b = r#"{"Statement":[{"Effect":"Deny","Action":["iam:*"],"Resource":["*"]},
                                 {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:GetObject"],"Resource":"*"}]}"#;
        assert_eq!(canonical(&Value::String(a.into())), canonical(&Value::String(b.into())));
        let other = r#"{"Statement":[{"Effect":"Allow","Action":["s3:PutObject"],"Resource":"*"}]}"#;
        assert_ne!(canonical(&Value::String(other.into())), canonical(&Value::String(a.into())));
    }

    #[test]
    fn strings_inside_stay_strings_and_scalars_are_text() {
        let yaml = Value::from_json(&serde_json::json!({
            "Statement": {"Sid": "1", "Effect": "Allow", "Principal": {"AWS": 123456789012_u64},
                          "Condition": {"StringEquals": {"s3:x": "1e3", "s3:y": "true"}, "Bool": {"aws:SecureTransport": false}}}
        }));
        let c = canonical(&yaml).to_json();
        let st = &c["Statement"][0];
        assert_eq!(st["Sid"], "1");
        assert_eq!(st["Principal"]["AWS"], "123456789012");
        assert_eq!(st["Condition"]["StringEquals"]["s3:x"], "1e3");
        assert_eq!(st["Condition"]["StringEquals"]["s3:y"], "true");
        assert_eq!(st["Condition"]["Bool"]["aws:SecureTransport"], "false");
        // AWS's copy with the value as a string compares equal.
        let aws = r#"{"Statement":[{"Sid":"1","Effect":"Allow","Principal":{"AWS":"123456789012"},
            "Condition":{"StringEquals":{"s3:x":"1e3","s3:y":"true"},"Bool":{"aws:SecureTransport":"false"}}}]}"#;
        assert_eq!(canonical(&Value::String(aws.into())), canonical(&yaml));
    }

    #[test]
    fn plus_stays_and_bad_escapes_fail() {
        assert_eq!(percent_decode("a+b%20c").as_deref(), Some("a+b c"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%2"), None);
        assert_eq!(parse("not json"), None);
    }

    #[test]
    fn text_of_values() {
        let v = normalize(&Value::String(r#"{"a":[1,"x"]}"#.into()));
        assert_eq!(text(&v, "doc").ok().as_deref(), Some(r#"{"a":[1,"x"]}"#));
        assert!(text(&Value::Bool(true), "doc").is_err());
    }
}

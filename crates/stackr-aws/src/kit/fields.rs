//! Property mapping tables: one table per type, each row naming a schema
//! property beside the AWS API member it is, with both directions in one
//! place: how AWS's description reads as the stack's value ([`Field::read`])
//! and how the stack's value is written to the create call
//! ([`Field::create`]; absent when a further call sets it, or AWS fixes
//! it). A type observes with [`observed`] and creates with [`create`];
//! [`assert_covers`] checks, in each type's unit tests, that its table and
//! its schema name the same properties.
//!
//! A table is written with a row alias, so that each row's closures know
//! their types: `type Row = Field<Description, CreateFluentBuilder>;`
//! `const FIELDS: &[Row] = &[Row::new("name", "Name", |d| ...).create(...)]`.

use crate::kit::invalid;
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::{Props, ProviderError};

/// Reads one property of `R` (AWS's description) as the stack's value;
/// `None` when AWS has none.
pub type Read<R> = fn(&R) -> Option<Value>;

/// Writes one property's stack value (never null) onto the create call
/// `C`; the error says what the value should be.
pub type Write<C> = fn(C, &Value) -> Result<C, String>;

/// One row of a type's mapping table.
pub struct Field<R: 'static, C: 'static> {
    /// The schema's name.
    pub name: &'static str,
    /// The AWS API member (as the API reference spells it).
    pub aws: &'static str,
    pub read: Read<R>,
    pub create: Option<Write<C>>,
}

impl<R, C> Field<R, C> {
    /// A property read from AWS's description; not on the create call.
    pub const fn new(name: &'static str, aws: &'static str, read: Read<R>) -> Self {
        Field { name, aws, read, create: None }
    }

    /// The same property, also written on the create call.
    pub const fn create(self, write: Write<C>) -> Self {
        Field { create: Some(write), ..self }
    }
}

/// The properties AWS's description `raw` holds, by schema name.
pub fn observed<R, C>(table: &[Field<R, C>], raw: &R) -> Props {
    table.iter().filter_map(|f| Some((f.name.to_string(), (f.read)(raw)?))).collect()
}

/// `call` with every property of `p` the create call takes; a value of the
/// wrong kind is an `Invalid` error naming the property.
pub fn create<R, C>(table: &[Field<R, C>], mut call: C, p: &Props) -> Result<C, ProviderError> {
    for f in table {
        let (Some(write), Some(v)) = (f.create, p.get(f.name)) else { continue };
        if matches!(v, Value::Null) {
            continue;
        }
        call = write(call, v).map_err(|e| invalid(format!("`{}` ({}): {e}", f.name, f.aws)))?;
    }
    Ok(call)
}

/// The AWS member a property maps to (for messages).
pub fn aws_name<R, C>(table: &[Field<R, C>], name: &str) -> Option<&'static str> {
    table.iter().find(|f| f.name == name).map(|f| f.aws)
}

/// Asserts that `table` and `schema` name the same properties: every row a
/// declared property, every declared property a row, unless listed in
/// `elsewhere` (mapped by code of its own: tags, nested structures, stackr's
/// own settings); no property twice.
pub fn assert_covers<R, C>(table: &[Field<R, C>], schema: &TypeSchema, elsewhere: &[&str]) {
    let names: Vec<&str> = table.iter().map(|f| f.name).collect();
    assert_names_cover(&names, schema, elsewhere);
}

/// [`assert_covers`] for a table of another shape (SQS and SNS map one
/// attribute per property, by code of their own): `names` are the
/// properties it maps.
pub fn assert_names_cover(names: &[&str], schema: &TypeSchema, elsewhere: &[&str]) {
    let mut seen = std::collections::BTreeSet::new();
    for &name in names {
        assert!(seen.insert(name), "{}: `{name}` is mapped twice", schema.kind);
        assert!(schema.property(name).is_some(), "{}: `{name}` is mapped but not declared", schema.kind);
        assert!(!elsewhere.contains(&name), "{}: `{name}` is both mapped and said to be elsewhere", schema.kind);
    }
    for p in schema.properties {
        assert!(
            seen.contains(p.name) || elsewhere.contains(&p.name),
            "{}: `{}` is declared but has no row in the mapping table",
            schema.kind,
            p.name
        );
    }
    for e in elsewhere {
        assert!(schema.property(e).is_some(), "{}: `{e}` (mapped elsewhere) is not declared", schema.kind);
    }
}

/// Value conversions for [`Write`]s: each says what was expected.
pub mod to {
    use super::Value;

    pub fn text(v: &Value) -> Result<String, String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(stackr_core::value::format_number(*n)),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(format!("must be text, not {}", other.type_name())),
        }
    }

    pub fn boolean(v: &Value) -> Result<bool, String> {
        match v {
            Value::Bool(b) => Ok(*b),
            other => Err(format!("must be true or false, not {}", other.type_name())),
        }
    }

    pub fn int32(v: &Value) -> Result<i32, String> {
        let n = match v {
            Value::Number(n) if n.fract() == 0.0 => *n,
            Value::String(s) => {
                s.parse::<f64>().map_err(|_| "must be a whole number, not text that is not one".to_string())?
            }
            Value::Number(n) => return Err(format!("must be a whole number, not {n}")),
            other => return Err(format!("must be a whole number, not {}", other.type_name())),
        };
        if n.fract() != 0.0 || n < f64::from(i32::MIN) || n > f64::from(i32::MAX) {
            return Err(format!("{n} is not a whole number in range (at most {})", i32::MAX));
        }
        Ok(n as i32)
    }

    pub fn int64(v: &Value) -> Result<i64, String> {
        let n = match v {
            Value::Number(n) => *n,
            Value::String(s) => {
                s.parse::<f64>().map_err(|_| "must be a whole number, not text that is not one".to_string())?
            }
            other => return Err(format!("must be a whole number, not {}", other.type_name())),
        };
        // 2^53: the largest range in which every whole f64 is exact.
        if n.fract() != 0.0 || n.abs() > 9_007_199_254_740_992.0 {
            return Err(format!("{n} is not a whole number in range"));
        }
        Ok(n as i64)
    }

    /// A map of text values (environment variables, parameters).
    pub fn text_map(v: &Value) -> Result<std::collections::HashMap<String, String>, String> {
        match v {
            Value::Map(m) => m.iter().map(|(k, v)| Ok((k.clone(), text(v)?))).collect(),
            other => Err(format!("must be a map of text, not {}", other.type_name())),
        }
    }

    pub fn number(v: &Value) -> Result<f64, String> {
        match v {
            Value::Number(n) => Ok(*n),
            Value::String(s) => s.parse().map_err(|_| "must be a number, not text that is not one".to_string()),
            other => Err(format!("must be a number, not {}", other.type_name())),
        }
    }

    pub fn texts(v: &Value) -> Result<Vec<String>, String> {
        match v {
            Value::List(l) => l.iter().map(text).collect(),
            other => Err(format!("must be a list of text, not {}", other.type_name())),
        }
    }

    /// A list of text as the many create calls take an optional list:
    /// none when empty.
    pub fn texts_or_none(v: &Value) -> Result<Option<Vec<String>>, String> {
        let l = texts(v)?;
        Ok((!l.is_empty()).then_some(l))
    }

    /// A JSON document (a map or list, or its text) as compact JSON text.
    pub fn json(v: &Value) -> Result<String, String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Map(_) | Value::List(_) => Ok(v.to_json().to_string()),
            other => Err(format!("must be a JSON document, not {}", other.type_name())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stackr_core::schema::{PropType, Role, prop};

    struct Raw {
        name: Option<String>,
        days: Option<i32>,
    }

    #[derive(Debug, Default, PartialEq)]
    struct Call {
        name: Option<String>,
        days: Option<i32>,
    }

    type Row = Field<Raw, Call>;
    const TABLE: &[Row] = &[
        Row::new("name", "Name", |r| r.name.clone().map(Value::String))
            .create(|c, v| Ok(Call { name: Some(to::text(v)?), ..c })),
        Row::new("days", "RetentionInDays", |r| r.days.map(|d| Value::Number(d.into())))
            .create(|c, v| Ok(Call { days: Some(to::int32(v)?), ..c })),
    ];

    static PROPS: [stackr_core::schema::PropSchema; 3] =
        [prop("name", PropType::String), prop("days", PropType::Number), prop("force", PropType::Bool)];
    static SCHEMA: TypeSchema = TypeSchema {
        kind: "aws.test.thing",
        role: Role::Resource,
        doc: "",
        properties: &PROPS,
        attributes: &[],
        taggable: true,
        has_readiness: false,
    };

    fn props(pairs: &[(&str, Value)]) -> Props {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn reads_and_writes_by_the_same_rows() {
        let raw = Raw { name: Some("a".into()), days: None };
        assert_eq!(observed(TABLE, &raw), props(&[("name", Value::String("a".into()))]));

        let p =
            props(&[("name", Value::String("b".into())), ("days", Value::Number(7.0)), ("force", Value::Bool(true))]);
        assert_eq!(create(TABLE, Call::default(), &p).unwrap(), Call { name: Some("b".into()), days: Some(7) });
        let p = props(&[("days", Value::Null)]);
        assert_eq!(create(TABLE, Call::default(), &p).unwrap(), Call::default());
    }

    #[test]
    fn a_wrong_value_names_the_property_and_the_aws_member() {
        let p = props(&[("days", Value::Number(3e10))]);
        let e = create(TABLE, Call::default(), &p).unwrap_err();
        assert!(e.message.contains("`days` (RetentionInDays)"), "{}", e.message);
        let p = props(&[("days", Value::Number(1.5))]);
        assert!(create(TABLE, Call::default(), &p).unwrap_err().message.contains("whole number"));
        assert_eq!(aws_name(TABLE, "days"), Some("RetentionInDays"));
    }

    #[test]
    fn conversions_check_their_range_and_kind() {
        assert_eq!(to::int64(&Value::Number(5e9)), Ok(5_000_000_000));
        assert!(to::int64(&Value::Number(1e300)).is_err());
        assert!(to::int64(&Value::Number(0.5)).is_err());
        let m = Value::Map([("A".to_string(), Value::Number(1.0))].into_iter().collect());
        assert_eq!(to::text_map(&m).unwrap().get("A").map(String::as_str), Some("1"));
        assert!(to::text_map(&Value::Bool(true)).is_err());
        assert_eq!(to::texts_or_none(&Value::List(Vec::new())), Ok(None));
        assert_eq!(to::texts_or_none(&Value::List(vec![Value::String("a".into())])), Ok(Some(vec!["a".to_string()])));
    }

    #[test]
    fn the_table_and_the_schema_must_agree() {
        assert_covers(TABLE, &SCHEMA, &["force"]);
        let missing = std::panic::catch_unwind(|| assert_covers(TABLE, &SCHEMA, &[]));
        assert!(missing.is_err(), "`force` has no row and is not said to be elsewhere");
        let unknown = std::panic::catch_unwind(|| assert_covers(TABLE, &SCHEMA, &["force", "gone"]));
        assert!(unknown.is_err());
    }
}

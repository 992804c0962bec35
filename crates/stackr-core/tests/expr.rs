//! The expression language: parsing, evaluation, unknowns, errors.

use stackr_core::expr::{Scope, eval_template, parse_template};
use stackr_core::source::{FileId, Pos, Span};
use stackr_core::value::Value;
use std::collections::{BTreeMap, HashMap};

struct TestScope(HashMap<String, Value>);

impl Scope for TestScope {
    fn root(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}

fn map(pairs: &[(&str, Value)]) -> Value {
    Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<BTreeMap<_, _>>())
}

fn scope() -> TestScope {
    let vars = map(&[
        ("stage", "prod".into()),
        ("azs", Value::List(vec!["a".into(), "b".into(), "c".into()])),
        ("count", Value::Number(3.0)),
        ("on", Value::Bool(true)),
    ]);
    let vpc = map(&[("id", Value::Unknown), ("cidr_block", "10.0.0.0/16".into())]);
    let subnet = map(&[("a", map(&[("id", "subnet-1".into())])), ("b", map(&[("id", "subnet-2".into())]))]);
    TestScope(HashMap::from([
        ("var".to_string(), vars),
        ("vpc".to_string(), vpc),
        ("subnet".to_string(), subnet),
        ("each".to_string(), map(&[("key", "b".into()), ("index", Value::Number(1.0))])),
    ]))
}

fn base() -> Span {
    Span::point(FileId(0), 3, 10)
}

fn ev(src: &str) -> Result<Value, String> {
    let t = parse_template(src, base()).map_err(|e| e.message)?;
    eval_template(&t, &scope()).map_err(|e| e.message)
}

#[test]
fn a_sole_expression_keeps_its_type() {
    assert_eq!(ev("${var.azs}").unwrap(), Value::List(vec!["a".into(), "b".into(), "c".into()]));
    assert_eq!(ev("${var.count}").unwrap(), Value::Number(3.0));
    assert_eq!(ev("n=${var.count}").unwrap(), Value::String("n=3".into()));
}

#[test]
fn interpolation_and_escapes() {
    assert_eq!(ev("wp-${var.stage}-${var.azs[1]}").unwrap(), Value::String("wp-prod-b".into()));
    assert_eq!(ev("$${literal}").unwrap(), Value::String("${literal}".into()));
    assert_eq!(ev("plain").unwrap(), Value::String("plain".into()));
}

#[test]
fn references_index_and_splat() {
    assert_eq!(ev("${subnet[\"a\"].id}").unwrap(), Value::String("subnet-1".into()));
    assert_eq!(ev("${subnet[each.key].id}").unwrap(), Value::String("subnet-2".into()));
    assert_eq!(ev("${subnet[*].id}").unwrap(), Value::List(vec!["subnet-1".into(), "subnet-2".into()]));
    assert_eq!(ev("${var.azs.0}").unwrap(), Value::String("a".into()));
}

#[test]
fn unknowns_propagate() {
    assert_eq!(ev("${vpc.id}").unwrap(), Value::Unknown);
    assert_eq!(ev("id-${vpc.id}").unwrap(), Value::Unknown);
    assert_eq!(ev("${vpc.id == \"x\"}").unwrap(), Value::Unknown);
    assert_eq!(ev("${vpc.cidr_block}").unwrap(), Value::String("10.0.0.0/16".into()));
}

#[test]
fn operators_and_conditionals() {
    assert_eq!(ev("${var.stage == \"prod\" ? 2 : 1}").unwrap(), Value::Number(2.0));
    assert_eq!(ev("${var.count * 2 + 1}").unwrap(), Value::Number(7.0));
    assert_eq!(ev("${!var.on || var.count > 2}").unwrap(), Value::Bool(true));
    assert_eq!(ev("${-var.count}").unwrap(), Value::Number(-3.0));
    assert_eq!(ev("${[1, 2][1]}").unwrap(), Value::Number(2.0));
}

#[test]
fn errors_say_what_is_wrong() {
    assert_eq!(ev("${var.azs[5]}").unwrap_err(), "index 5 is out of range");
    assert_eq!(ev("${subnet[\"z\"].id}").unwrap_err(), "no key \"z\"");
    assert_eq!(ev("${var.stage + 1}").unwrap_err(), "`+` needs numbers, found string and number");
    assert_eq!(ev("x ${var.azs}").unwrap_err(), "cannot put a list inside a string");
    assert_eq!(ev("${nosuch(1)}").unwrap_err(), "unknown function `nosuch`");
    assert_eq!(ev("${1 / 0}").unwrap_err(), "division by zero");
}

#[test]
fn parse_errors_are_located_inside_the_string() {
    let e = parse_template("ab ${var.x +}", base()).unwrap_err();
    assert_eq!(e.span.start, Pos { line: 3, col: 10 + 12 });
    assert!(e.message.contains("expected a value"), "{}", e.message);
    let e = parse_template("${var.x", base()).unwrap_err();
    assert!(e.message.contains("never closed"));
    let e = parse_template("${}", base()).unwrap_err();
    assert!(e.message.contains("empty"));
    let e = parse_template("${a < b < c}", base()).unwrap_err();
    assert!(e.message.contains("chained"));
}

#[test]
fn hostile_input_does_not_panic() {
    for src in [
        "${((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))}",
        "${\"unterminated}",
        "${'\\q'}",
        "${1.2.3}",
        "${a..b}",
        "${[}",
        "${a[}",
        "${a[*}",
        "${f(,)}",
        "${?:}",
        "$${${${}}}",
        "${\u{1F600}}",
        "${var.count % 0}",
        "${99999999999999999999999999999999999999 * 99999999999999999999999999999999999999 * 1e300}",
    ] {
        let _ = ev(src);
    }
}

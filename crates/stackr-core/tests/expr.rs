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
fn long_chains_are_refused_before_they_can_exhaust_the_stack() {
    // Operators and `.`/`[]` links nest the tree as brackets do: hundreds
    // of them in a row are an error, not a stack overflow.
    let sum = format!("${{{}}}", vec!["1"; 700].join(" + "));
    let and = format!("${{{}}}", vec!["true"; 700].join(" && "));
    let index = format!("${{[1]{}}}", "[0]".repeat(700));
    let attrs = format!("${{var.m{}}}", ".a".repeat(700));
    for src in [&sum, &and, &index, &attrs] {
        let e = ev(src).expect_err(&src[..20]);
        assert!(e.contains("nests too deeply"), "{e}");
    }
    // Within the limit, a chain still evaluates.
    assert_eq!(ev(&format!("${{{}}}", vec!["1"; 40].join(" + "))), Ok(Value::Number(40.0)));
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
        "${{}",
        "${{a}}",
        "${{a = }}",
        "${[for]}",
        "${[for x]}",
        "${[for x in]}",
        "${[for x in y :]}",
        "${{for x in y : x}}",
        "${[for x in y : x => x]}",
        "${{for k, k in y : k => k}}",
        "${try()}",
        "${can()}",
        "${{for x in [1, 1] : x => x}}",
    ] {
        let _ = ev(src);
    }
}

#[test]
fn map_literals() {
    assert_eq!(
        ev("${{ name = var.stage, \"port\" = 80, (var.azs[0]) = true }}").unwrap(),
        map(&[("name", "prod".into()), ("port", Value::Number(80.0)), ("a", Value::Bool(true))])
    );
    assert_eq!(ev("${{a: 1, b: 2}}").unwrap(), map(&[("a", Value::Number(1.0)), ("b", Value::Number(2.0))]));
    assert_eq!(ev("${{}}").unwrap(), map(&[]));
    assert_eq!(
        ev("${jsonencode({Version = \"2012-10-17\"})}").unwrap(),
        Value::String(r#"{"Version":"2012-10-17"}"#.into())
    );
    assert_eq!(ev("${{ a = vpc.id }}").unwrap(), map(&[("a", Value::Unknown)]));
    assert_eq!(ev("${{ (vpc.id) = 1 }}").unwrap(), Value::Unknown);
    assert_eq!(ev("${{ a = 1, a = 2 }}").unwrap_err(), "the key \"a\" is set twice in this map");
    assert_eq!(ev("${{ ([1]) = 2 }}").unwrap_err(), "a map key must be a string, found list");
    assert!(ev("${{ var.x = 1 }}").unwrap_err().contains("expected `=` after the map key"));
    assert!(ev("${var.count = 3}").unwrap_err().contains("unexpected `=`"));
}

#[test]
fn for_expressions() {
    let list = |items: &[&str]| Value::List(items.iter().map(|s| Value::String(s.to_string())).collect());
    assert_eq!(ev("${[for az in var.azs : upper(az)]}").unwrap(), list(&["A", "B", "C"]));
    assert_eq!(ev("${[for i, az in var.azs : \"${i}${az}\" if i != 1]}").unwrap(), list(&["0a", "2c"]));
    assert_eq!(
        ev("${{for k, s in subnet : k => s.id}}").unwrap(),
        map(&[("a", "subnet-1".into()), ("b", "subnet-2".into())])
    );
    assert_eq!(
        ev("${{for i, az in var.azs : az => cidrsubnet(\"10.0.0.0/16\", 8, i)}}").unwrap().as_map().map(|m| m.len()),
        Some(3)
    );
    // Nested, the inner loop seeing the outer one's names.
    assert_eq!(
        ev("${[for a in [\"x\", \"y\"] : [for b in [1, 2] : \"${a}${b}\"]]}").unwrap(),
        Value::List(vec![list(&["x1", "x2"]), list(&["y1", "y2"])])
    );
    // A loop name shadows nothing outside the loop.
    assert_eq!(ev("${[for var in [1] : var]}").unwrap(), Value::List(vec![Value::Number(1.0)]));
    assert_eq!(ev("${var.stage}").unwrap(), Value::String("prod".into()));
    // Unknown collection or condition: the result is unknown.
    assert_eq!(ev("${[for x in vpc.id : x]}").unwrap(), Value::Unknown);
    assert_eq!(ev("${[for x in var.azs : x if vpc.id == x]}").unwrap(), Value::Unknown);
    assert_eq!(ev("${[for x in var.azs : vpc.id]}").unwrap(), Value::List(vec![Value::Unknown; 3]));
    assert_eq!(ev("${[for x in var.stage : x]}").unwrap_err(), "`for` goes over a list or a map, found string");
    assert_eq!(ev("${[for x in var.azs : x if 1]}").unwrap_err(), "the `if` of a `for` must be a bool, found number");
    assert_eq!(ev("${{for x in [\"a\", \"a\"] : x => 1}}").unwrap_err(), "two elements have the key \"a\"");
    assert!(ev("${{for x in var.azs : x}}").unwrap_err().contains("expected `=>`"));
    assert!(ev("${[for x in var.azs : x => 1]}").unwrap_err().contains("`=>` makes a map"));
    assert!(ev("${[for x in var.azs : y]}").unwrap_err().contains("unknown name `y`"));
    // `for` alone is a name.
    assert_eq!(ev("${[for]}").unwrap_err(), "unknown name `for`");
}

#[test]
fn loop_names_are_not_references() {
    let t = parse_template("${[for s in subnet : s.id if s.id != var.stage]}", base()).unwrap();
    let Some(e) = t.sole_expr() else { panic!("one expression") };
    let roots: Vec<&str> = e.references().iter().map(|r| r.root).collect();
    assert_eq!(roots, ["subnet", "var"]);
}

#[test]
fn try_and_can() {
    assert_eq!(ev("${try(var.nosuch, var.stage)}").unwrap(), Value::String("prod".into()));
    assert_eq!(ev("${try(var.azs[7], \"none\")}").unwrap(), Value::String("none".into()));
    assert_eq!(ev("${try(vpc.id, 1)}").unwrap(), Value::Unknown);
    assert!(ev("${try(var.azs[7])}").unwrap_err().starts_with("try: no argument could be evaluated"));
    assert_eq!(ev("${can(regex(\"^[a-z]+$\", var.stage))}").unwrap(), Value::Bool(true));
    assert_eq!(ev("${can(var.azs[7])}").unwrap(), Value::Bool(false));
    assert_eq!(ev("${can(vpc.id)}").unwrap(), Value::Unknown);
    assert!(ev("${can(1, 2)}").unwrap_err().contains("expected 1 argument"));
}

#[test]
fn strings_inside_expressions_interpolate() {
    assert_eq!(ev("${upper(\"wp-${var.stage}\")}").unwrap(), Value::String("WP-PROD".into()));
    assert_eq!(ev("${\"$${literal}\"}").unwrap(), Value::String("${literal}".into()));
    assert_eq!(ev("${length(\"id-${vpc.id}\")}").unwrap(), Value::Unknown);
    let t = parse_template("${[for s in subnet : \"${s.id}-${var.stage}\"]}", base()).unwrap();
    let roots: Vec<&str> = t.sole_expr().map(|e| e.references().iter().map(|r| r.root).collect()).unwrap_or_default();
    assert_eq!(roots, ["subnet", "var"]);
}

#[test]
fn a_for_is_bounded() {
    let e = ev("${[for a in range(10000) : range(10000)]}").unwrap_err();
    assert!(e.contains("more than 1000000 steps"), "{e}");
    let e =
        ev("${[for a in range(10000) : [for b in range(10000) : [for c in range(10000) : c] if false]]}").unwrap_err();
    assert!(e.contains("more than 1000000 steps"), "{e}");
    // The budget is per outermost `for`: the next one starts afresh.
    assert_eq!(ev("${length([for a in range(1000) : a])}").unwrap(), Value::Number(1000.0));
}

#[test]
fn a_string_inside_an_expression_may_hold_a_template_with_its_own_strings() {
    assert_eq!(ev(r#"${"x-${upper("a")}"}"#), Ok("x-A".into()));
    assert_eq!(ev(r#"${"${var.stage}-${"y"}"}"#), Ok("prod-y".into()));
    assert_eq!(
        ev(r#"${[for z in var.azs : "az-${upper(z)}"]}"#),
        Ok(Value::List(vec!["az-A".into(), "az-B".into(), "az-C".into()]))
    );
    // A brace or quote inside a plain string still does not end anything.
    assert_eq!(ev(r#"${"a}b"}"#), Ok("a}b".into()));
    assert!(ev(r#"${"x-${upper("a")"}"#).is_err(), "an unclosed inner template is an error");
}

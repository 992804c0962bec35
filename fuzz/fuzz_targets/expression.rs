//! Any text as a templated string: parsing and evaluation against a scope
//! with lists, maps and unknowns must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stackr_core::expr::{eval_template, parse_template};
use stackr_core::model::StackScope;
use stackr_core::source::{FileId, Span};
use stackr_core::value::Value;
use std::collections::BTreeMap;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(t) = parse_template(text, Span::point(FileId(0), 1, 1)) else { return };
    let mut vars = BTreeMap::new();
    vars.insert("s".to_string(), Value::String("10.0.0.0/16".into()));
    vars.insert("n".to_string(), Value::Number(3.0));
    vars.insert("l".to_string(), Value::List(vec!["a".into(), Value::Number(1.0), Value::Unknown]));
    vars.insert("m".to_string(), Value::Map(BTreeMap::from([("k".to_string(), Value::Bool(true))])));
    vars.insert("v6".to_string(), Value::String("2600:1f18:abcd:1200::/56".into()));
    let mut scope = StackScope { vars: Value::Map(vars), ..Default::default() };
    scope.resources.insert("r".into(), Value::Map(BTreeMap::from([("id".to_string(), Value::Unknown)])));
    let _ = eval_template(&t, &scope);
});

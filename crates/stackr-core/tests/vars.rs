//! Variable precedence: default < stack files < STACKR_VAR_ < --var-file < --var.

use stackr_core::value::Value;
use stackr_core::{VarInputs, load_text};
use std::path::Path;

const STACK: &str = "\
stack: vars-test
region: ap-northeast-1
vars:
  a: { type: string, default: from-default }
  b: { type: string, default: from-default }
  c: { type: string, default: from-default }
  d: { type: string, default: from-default }
  e: { type: string, default: from-default }
  n: { type: number, default: 1 }
  azs: { type: list, default: [x] }
";

fn value(stack: &stackr_core::Stack, name: &str) -> Value {
    stack.vars[name].value.clone()
}

#[test]
fn each_source_overrides_the_ones_below_it() {
    let dir = std::env::temp_dir().join(format!("stackr-vars-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("vals.yaml");
    std::fs::write(&file, "c: from-file\nd: from-file\ne: from-file\n").unwrap();
    let with_sets = format!("{STACK}  # every source below sets some of a..e\n");
    let inputs = VarInputs {
        cli: vec![("e".into(), "from-cli".into()), ("n".into(), "42".into()), ("azs".into(), "[p, q]".into())],
        files: vec![file.clone()],
        env: vec![("b".into(), "from-env".into()), ("c".into(), "from-env".into()), ("unrelated".into(), "x".into())],
        ..Default::default()
    };
    let stack = load_text(Path::new("vars.yaml"), &with_sets, &inputs, &stackr_schema::Types).unwrap();
    assert_eq!(value(&stack, "a"), Value::from("from-default"));
    assert_eq!(value(&stack, "b"), Value::from("from-env"));
    assert_eq!(value(&stack, "c"), Value::from("from-file"));
    assert_eq!(value(&stack, "d"), Value::from("from-file"));
    assert_eq!(value(&stack, "e"), Value::from("from-cli"));
    assert_eq!(value(&stack, "n"), Value::Number(42.0));
    assert_eq!(value(&stack, "azs"), Value::List(vec!["p".into(), "q".into()]));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stack_file_values_beat_defaults_and_lose_to_the_environment() {
    let text = format!("{STACK}\n").replace("vars:\n", "vars:\n  x: from-file\n");
    // A single-file stack may set a variable without declaring it.
    let stack = load_text(Path::new("v.yaml"), &text, &VarInputs::default(), &stackr_schema::Types).unwrap();
    assert_eq!(value(&stack, "x"), Value::from("from-file"));
    let env = VarInputs { env: vec![("x".into(), "from-env".into())], ..Default::default() };
    let stack = load_text(Path::new("v.yaml"), &text, &env, &stackr_schema::Types).unwrap();
    assert_eq!(value(&stack, "x"), Value::from("from-env"));
}

#[test]
fn bad_values_from_outside_are_explained() {
    let inputs =
        VarInputs { cli: vec![("n".into(), "many".into()), ("nope".into(), "1".into())], ..Default::default() };
    let err = load_text(Path::new("v.yaml"), STACK, &inputs, &stackr_schema::Types).unwrap_err();
    let text = err.diagnostics.render_short(&err.sources);
    assert!(text.contains("--var n=...: expected a number, found \"many\""), "{text}");
    assert!(text.contains("--var nope: the stack declares no variable `nope`"), "{text}");
}

#[test]
fn protection_can_follow_a_variable() {
    let text = "\
stack: protect-test
region: ap-northeast-1
vars:
  stage: { type: string }
resources:
  db:
    type: aws.logs.log_group
    for_each: [a, b]
    lifecycle:
      protect: '${var.stage == \"prod\"}'
    properties:
      name: /x/${each.key}
";
    let protect = |stage: &str| {
        let inputs = VarInputs { cli: vec![("stage".into(), stage.into())], ..Default::default() };
        let stack = load_text(Path::new("p.yaml"), text, &inputs, &stackr_schema::Types).unwrap();
        stack.resources.iter().find(|r| r.name == "db").unwrap().lifecycle.protect
    };
    assert!(protect("prod"));
    assert!(!protect("dev"));

    let per_instance = text.replace("var.stage == \"prod\"", "each.key == \"a\"");
    let inputs = VarInputs { cli: vec![("stage".into(), "prod".into())], ..Default::default() };
    let err = load_text(Path::new("p.yaml"), &per_instance, &inputs, &stackr_schema::Types).unwrap_err();
    let msg = err.diagnostics.render_short(&err.sources);
    assert!(msg.contains("p.yaml:10:17") && msg.contains("`lifecycle.protect` cannot use `each`"), "{msg}");
}

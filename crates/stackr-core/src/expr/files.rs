//! `file(path)` and `templatefile(path, vars)`: text read from beside the
//! stack file. A relative path is taken from the folder of the file the
//! expression is written in ([`Scope::base_dir`]), so a stack reads the
//! same files whatever folder stackr runs from. The text must be UTF-8
//! and at most [`MAX_STRING_BYTES`]; what is read is the file as it is at
//! each plan (a change to it shows as a change of the values that use it).
//!
//! `templatefile` renders the file as a stack string: `${...}` parts are
//! expressions over the names of `vars` (and the functions), `$${` is a
//! literal `${`.

use super::eval::{EvalError, Scope, eval_template};
use super::functions::MAX_STRING_BYTES;
use super::parser::parse_template;
use crate::source::Span;
use crate::value::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Calls `file` or `templatefile` with evaluated arguments.
pub fn call(name: &str, args: &[Value], span: Span, scope: &dyn Scope) -> Result<Value, EvalError> {
    let usage = if name == "file" { "file(path)" } else { "templatefile(path, vars)" };
    let want = if name == "file" { 1 } else { 2 };
    if args.len() != want {
        return Err(EvalError::new(span, format!("{name}: expected {want} argument(s), got {}", args.len()))
            .help(format!("usage: {usage}")));
    }
    if args.iter().any(Value::contains_unknown) {
        return Ok(Value::Unknown);
    }
    let Value::String(path) = &args[0] else {
        return Err(EvalError::new(span, format!("{name}: the path must be a string, found {}", args[0].type_name())));
    };
    let text = read(name, path, span, scope)?;
    if name == "file" {
        return Ok(Value::String(text));
    }
    let Value::Map(vars) = &args[1] else {
        return Err(EvalError::new(span, format!("templatefile: `vars` must be a map, found {}", args[1].type_name()))
            .help("e.g. templatefile(\"init.sh.tpl\", { port = 80 })"));
    };
    let template = parse_template(&text, span).map_err(|e| {
        EvalError::new(span, format!("templatefile: {path}: {}", e.message))
            .help(e.help.unwrap_or_else(|| "write `$${` for a literal `${`".into()))
    })?;
    let names = Names(vars);
    let value = eval_template(&template, &names)
        .map_err(|e| EvalError::new(span, format!("templatefile: {path}: {}", e.message)))?;
    match value {
        Value::String(s) if s.len() > MAX_STRING_BYTES => Err(EvalError::new(
            span,
            format!("templatefile: {path}: the result is over {} MiB", MAX_STRING_BYTES >> 20),
        )),
        Value::String(_) | Value::Unknown => Ok(value),
        other => Ok(Value::String(other.to_interpolated().unwrap_or_default())),
    }
}

/// The names a template file sees: its `vars`, nothing of the stack.
struct Names<'a>(&'a BTreeMap<String, Value>);

impl Scope for Names<'_> {
    fn root(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}

fn read(name: &str, path: &str, span: Span, scope: &dyn Scope) -> Result<String, EvalError> {
    let relative = PathBuf::from(path);
    let full = if relative.is_absolute() {
        relative
    } else {
        let Some(dir) = scope.base_dir(span.file) else {
            return Err(EvalError::new(span, format!("{name}: no stack file here to read {path:?} beside")));
        };
        dir.join(relative)
    };
    let meta = std::fs::metadata(&full)
        .map_err(|e| EvalError::new(span, format!("{name}: cannot read {}: {e}", full.display())))?;
    if meta.len() > MAX_STRING_BYTES as u64 {
        return Err(EvalError::new(span, format!("{name}: {} is over {} MiB", full.display(), MAX_STRING_BYTES >> 20)));
    }
    let bytes = std::fs::read(&full)
        .map_err(|e| EvalError::new(span, format!("{name}: cannot read {}: {e}", full.display())))?;
    String::from_utf8(bytes).map_err(|_| {
        EvalError::new(span, format!("{name}: {} is not UTF-8 text", full.display()))
            .help("file() reads text; keep binary content out of stack values")
    })
}

#[cfg(test)]
mod tests {
    use super::super::{eval_template, parse_template};
    use crate::model::StackScope;
    use crate::source::{FileId, Span};
    use crate::value::Value;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    fn ev(dir: &std::path::Path, src: &str) -> Result<Value, String> {
        let mut vars = BTreeMap::new();
        vars.insert("port".to_string(), Value::Number(8080.0));
        let scope =
            StackScope { vars: Value::Map(vars), dirs: Arc::new(vec![dir.to_path_buf()]), ..Default::default() };
        let t = parse_template(src, Span::point(FileId(0), 1, 1)).map_err(|e| e.message)?;
        eval_template(&t, &scope).map_err(|e| e.message)
    }

    #[test]
    fn reads_beside_the_stack_file_and_renders_templates() {
        let dir = std::env::temp_dir().join(format!("stackr-files-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("conf")).unwrap();
        std::fs::write(dir.join("conf/motd.txt"), "hello\n").unwrap();
        std::fs::write(dir.join("conf/init.tpl"), "listen ${port}; ${join(\",\", [for h in hosts : upper(h)])} $${x}")
            .unwrap();
        std::fs::write(dir.join("conf/bad.tpl"), "${nosuch}").unwrap();
        std::fs::write(dir.join("conf/bin"), [0xff, 0xfe]).unwrap();
        assert_eq!(ev(&dir, "${file(\"conf/motd.txt\")}"), Ok(Value::String("hello\n".into())));
        assert_eq!(
            ev(&dir, "${templatefile(\"conf/init.tpl\", { port = var.port, hosts = [\"a\", \"b\"] })}"),
            Ok(Value::String("listen 8080; A,B ${x}".into()))
        );
        let e = ev(&dir, "${file(\"conf/none.txt\")}").unwrap_err();
        assert!(e.starts_with("file: cannot read ") && e.contains("none.txt"), "{e}");
        let e = ev(&dir, "${templatefile(\"conf/bad.tpl\", {})}").unwrap_err();
        assert_eq!(e, "templatefile: conf/bad.tpl: unknown name `nosuch`");
        assert!(ev(&dir, "${file(\"conf/bin\")}").unwrap_err().contains("is not UTF-8"));
        assert!(ev(&dir, "${templatefile(\"conf/motd.txt\", [])}").unwrap_err().contains("`vars` must be a map"));
        assert_eq!(ev(&dir, "${file(var.port == 1 ? \"x\" : \"conf/motd.txt\")}"), Ok(Value::String("hello\n".into())));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

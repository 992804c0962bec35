//! Variable values and their precedence.
//!
//! From lowest to highest, later sources override earlier ones:
//!
//! 1. the `default` of the declaration;
//! 2. values set in stack files (`vars: { name: value }`), the extended
//!    definition first, the named stack file last;
//! 3. `STACKR_VAR_<name>` environment variables;
//! 4. `--var-file FILE` files, in the order given;
//! 5. `--var name=value`, in the order given.
//!
//! A variable with no default that nothing sets is an error. Values from
//! the command line and the environment are read according to the declared
//! type: `number`, `bool` and `string` as text, `list`, `map` and `any` as
//! YAML (`--var 'azs=[a, b]'`).

use super::ast::{Spanned, VarEntry, VarType};
use super::load::Merged;
use super::tree::node_value;
use crate::diag::{Diagnostic, Diagnostics, suggest};
use crate::source::{SourceMap, Span};
use crate::value::Value;
use crate::yaml;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Values given outside the stack files.
#[derive(Debug, Clone, Default)]
pub struct VarInputs {
    /// `--var name=value`, in order.
    pub cli: Vec<(String, String)>,
    /// `--var-file FILE`, in order.
    pub files: Vec<PathBuf>,
    /// `STACKR_VAR_<name>` from the environment (name without the prefix).
    pub env: Vec<(String, String)>,
    /// Values of data look-ups already read, by name: what a `for_each`
    /// over a look-up's result expands from. Loading without them leaves
    /// such a resource without instances and names the look-ups it needs
    /// in [`crate::model::Stack::for_each_lookups`]; the caller reads them
    /// and loads again.
    pub data: std::collections::BTreeMap<String, Value>,
}

impl VarInputs {
    /// Collects `STACKR_VAR_*` from the process environment.
    pub fn with_process_env(mut self) -> Self {
        for (k, v) in std::env::vars_os() {
            if let (Some(k), Some(v)) = (k.to_str(), v.to_str())
                && let Some(name) = k.strip_prefix("STACKR_VAR_")
            {
                self.env.push((name.to_string(), v.to_string()));
            }
        }
        self.env.sort();
        self
    }
}

/// Where a variable's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarSource {
    Default,
    StackFile,
    Env,
    VarFile(PathBuf),
    Cli,
}

#[derive(Debug, Clone)]
pub struct ResolvedVar {
    pub name: String,
    pub ty: VarType,
    pub value: Value,
    pub sensitive: bool,
    pub description: Option<String>,
    pub source: VarSource,
    /// Where the variable is declared.
    pub span: Span,
}

struct Decl {
    ty: VarType,
    default: Option<Spanned<Value>>,
    description: Option<String>,
    sensitive: bool,
    span: Span,
    implicit: bool,
}

pub fn resolve_vars(
    merged: &Merged,
    inputs: &VarInputs,
    chain_len: usize,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> BTreeMap<String, ResolvedVar> {
    let mut decls: BTreeMap<String, Decl> = BTreeMap::new();
    for e in &merged.var_decls {
        if let VarEntry::Declare { name, ty, default, description, sensitive } = e {
            decls.insert(
                name.name.clone(),
                Decl {
                    ty: *ty,
                    default: default.clone(),
                    description: description.clone(),
                    sensitive: *sensitive,
                    span: name.span,
                    implicit: false,
                },
            );
        }
    }
    // A single-file stack may set a variable without declaring it: the
    // value declares it. A stack that extends a definition may only set
    // what the definition declares, so a misspelt name is caught.
    for (name, value, _) in &merged.var_sets {
        if !decls.contains_key(&name.name) {
            if chain_len <= 1 {
                decls.insert(
                    name.name.clone(),
                    Decl {
                        ty: VarType::of(&value.value),
                        default: None,
                        description: None,
                        sensitive: false,
                        span: name.span,
                        implicit: true,
                    },
                );
            } else {
                let known: Vec<&str> = decls.keys().map(String::as_str).collect();
                diags.push(
                    Diagnostic::new(name.span, format!("variable `{}` is not declared", name.name)).with_help(suggest(
                        &name.name,
                        &known,
                        "variables",
                    )),
                );
            }
        }
    }

    let mut values: BTreeMap<String, (Value, VarSource, Option<Span>)> = BTreeMap::new();
    for (name, d) in &decls {
        if let Some(def) = &d.default {
            if holds_expression(&def.value) {
                diags.push(
                    Diagnostic::new(def.span, format!("the default of variable `{name}` holds `${{...}}`")).with_help(
                        "a default is a value as written, never evaluated: write the expression where the \
                             variable is used (e.g. `name: ${var.a}-web`), or `$${` for a literal `${`",
                    ),
                );
            }
            values.insert(name.clone(), (def.value.clone(), VarSource::Default, Some(def.span)));
        }
    }
    for (name, value, _) in &merged.var_sets {
        if let Some(d) = decls.get(&name.name) {
            if !d.ty.accepts(&value.value) {
                diags.push(wrong_type(d, &name.name, name.span, value.span, &value.value, sources));
                values.insert(name.name.clone(), (Value::Unknown, VarSource::StackFile, None));
                continue;
            }
            values.insert(name.name.clone(), (value.value.clone(), VarSource::StackFile, Some(value.span)));
        }
    }
    for (name, text) in &inputs.env {
        // Undeclared STACKR_VAR_* are ignored: the environment is shared
        // by every stack a user runs.
        if let Some(d) = decls.get(name) {
            match parse_text(d.ty, text) {
                Ok(v) => {
                    values.insert(name.clone(), (v, VarSource::Env, None));
                }
                Err(e) => {
                    diags.push(Diagnostic::unlocated(format!("STACKR_VAR_{name}: {}", shown(d, e))));
                    // Given, though wrong: not also "required but not set".
                    values.insert(name.clone(), (Value::Unknown, VarSource::Env, None));
                }
            }
        }
    }
    for path in &inputs.files {
        read_var_file(path, &decls, &mut values, sources, diags);
    }
    for (name, text) in &inputs.cli {
        match decls.get(name) {
            Some(d) => match parse_text(d.ty, text) {
                Ok(v) => {
                    values.insert(name.clone(), (v, VarSource::Cli, None));
                }
                Err(e) => {
                    diags.push(Diagnostic::unlocated(format!("--var {name}=...: {}", shown(d, e))));
                    values.insert(name.clone(), (Value::Unknown, VarSource::Cli, None));
                }
            },
            None => {
                let known: Vec<&str> = decls.keys().map(String::as_str).collect();
                diags.push(
                    Diagnostic::unlocated(format!("--var {name}: the stack declares no variable `{name}`"))
                        .with_help(suggest(name, &known, "variables")),
                );
            }
        }
    }

    let mut out = BTreeMap::new();
    for (name, d) in decls {
        match values.remove(&name) {
            Some((value, source, _)) => {
                out.insert(
                    name.clone(),
                    ResolvedVar {
                        name,
                        ty: d.ty,
                        value,
                        sensitive: d.sensitive,
                        description: d.description,
                        source,
                        span: d.span,
                    },
                );
            }
            None if !d.implicit => {
                out.insert(
                    name.clone(),
                    ResolvedVar {
                        name: name.clone(),
                        ty: d.ty,
                        value: Value::Unknown,
                        sensitive: d.sensitive,
                        description: d.description.clone(),
                        source: VarSource::Default,
                        span: d.span,
                    },
                );
                diags.push(Diagnostic::new(d.span, format!("variable `{name}` is required but not set")).with_help(
                    format!(
                        "set it in the stack file (`vars: {{ {name}: ... }}`), with `--var {name}=...`, \
                             `--var-file FILE` or the environment variable STACKR_VAR_{name}"
                    ),
                ));
            }
            None => {}
        }
    }
    out
}

fn read_var_file(
    path: &PathBuf,
    decls: &BTreeMap<String, Decl>,
    values: &mut BTreeMap<String, (Value, VarSource, Option<Span>)>,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => crate::source::without_bom(t),
        Err(e) => {
            diags.push(Diagnostic::unlocated(format!("--var-file {}: {e}", path.display())));
            return;
        }
    };
    let file = sources.add(path, path.display().to_string(), text.clone());
    let root = match yaml::parse(file, &text) {
        Ok(r) => r,
        // A file that gives a sensitive variable holds a secret: its lines
        // are not quoted (CI logs keep what is printed), only located.
        Err(e) if decls.values().any(|d| d.sensitive) => {
            for d in e.0 {
                diags.push(unquoted(d, sources));
            }
            return;
        }
        Err(e) => {
            diags.extend(e);
            return;
        }
    };
    let Some(entries) = root.as_map() else {
        if !matches!(root.kind, yaml::NodeKind::Null) {
            diags.push(
                Diagnostic::new(root.span, "a variable file must be a mapping of names to values")
                    .with_help("write `name: value` lines"),
            );
        }
        return;
    };
    for (k, v) in entries {
        let Some(d) = decls.get(&k.name) else {
            let known: Vec<&str> = decls.keys().map(String::as_str).collect();
            diags.push(
                Diagnostic::new(k.span, format!("the stack declares no variable `{}`", k.name)).with_help(suggest(
                    &k.name,
                    &known,
                    "variables",
                )),
            );
            continue;
        };
        let value = node_value(v);
        if !d.ty.accepts(&value) {
            diags.push(wrong_type(d, &k.name, k.span, v.span, &value, sources));
            // Given, though wrong: not also "required but not set".
            values.insert(k.name.clone(), (Value::Unknown, VarSource::VarFile(path.clone()), None));
            continue;
        }
        values.insert(k.name.clone(), (value, VarSource::VarFile(path.clone()), Some(v.span)));
    }
}

/// A value written in a file (`at`, its key at `key`) that is not of its
/// variable's type. A sensitive value is never quoted: located by file and
/// line only, without the line's text.
fn wrong_type(d: &Decl, name: &str, key: Span, at: Span, value: &Value, sources: &SourceMap) -> Diagnostic {
    let message = format!("variable `{name}` is a {}, but this value is {}", d.ty.name(), value.type_name());
    if d.sensitive {
        let line = sources.location(key).to_string();
        Diagnostic::unlocated(format!("{line}: {message} (not shown: the variable is sensitive)"))
    } else {
        Diagnostic::new(at, message)
    }
}

/// Whether a value written as a default holds `${` (not `$${`, a
/// literal `${`) in any of its strings.
fn holds_expression(v: &Value) -> bool {
    match v {
        Value::String(s) => s.match_indices("${").any(|(i, _)| !s[..i].ends_with('$')),
        Value::List(items) => items.iter().any(holds_expression),
        Value::Map(m) => m.values().any(holds_expression),
        _ => false,
    }
}

/// `d` located by file, line and column only, without the text of the
/// lines it points at.
fn unquoted(d: Diagnostic, sources: &SourceMap) -> Diagnostic {
    let mut message = match d.span {
        Some(span) => format!("{}: {}", sources.location(span), d.message),
        None => d.message,
    };
    for (span, note) in &d.notes {
        message.push_str(&format!("; {note} at {}", sources.location(*span)));
    }
    message.push_str(" (lines not shown: the file may hold a sensitive value)");
    let out = Diagnostic::unlocated(message);
    match d.help {
        Some(h) => out.with_help(h),
        None => out,
    }
}

/// Why a value given as text was refused, without quoting it when the
/// variable is sensitive.
fn shown(d: &Decl, refused: String) -> String {
    if d.sensitive {
        format!("expected a {} (the value given is not shown: the variable is sensitive)", d.ty.name())
    } else {
        refused
    }
}

/// Reads a value given as text (command line, environment).
pub fn parse_text(ty: VarType, text: &str) -> Result<Value, String> {
    match ty {
        VarType::String => Ok(Value::String(text.to_string())),
        VarType::Number => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Value::Number)
            .ok_or_else(|| format!("expected a number, found {text:?}")),
        VarType::Bool => match text.trim() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("expected true or false, found {text:?}")),
        },
        VarType::List | VarType::Map | VarType::Any => {
            let node = yaml::parse(crate::source::FileId(u32::MAX), text)
                .map_err(|e| format!("not a valid value: {}", e.0.first().map(|d| d.message.as_str()).unwrap_or("")))?;
            let v = node_value(&node);
            if ty.accepts(&v) {
                Ok(v)
            } else {
                Err(format!("expected a {} (e.g. {}), found {}", ty.name(), example(ty), v.type_name()))
            }
        }
    }
}

fn example(ty: VarType) -> &'static str {
    match ty {
        VarType::List => "[a, b]",
        VarType::Map => "{key: value}",
        _ => "a value",
    }
}

//! `stackr schema [TYPE] [--list] [--functions] [-o FILE]`

use super::Failure;
use crate::cli::SchemaArgs;
use stackr_core::diag::suggest;
use stackr_core::schema::{Catalog, PropType, Role, TypeSchema, Update};

pub fn run(a: &SchemaArgs) -> Result<u8, Failure> {
    let catalog = stackr_schema::Types;
    if a.list {
        if a.markdown {
            out!("{}", markdown_table(&catalog.all()));
            return Ok(0);
        }
        for t in catalog.all() {
            let role = if t.role == Role::Data { "data" } else { "resource" };
            outln!("{:<48} {:<8} {}", t.kind, role, t.doc);
            let calls = calls_of(t);
            if !calls.is_empty() {
                outln!("{:<57} AWS calls: {calls}", "");
            }
        }
        return Ok(0);
    }
    if a.functions {
        for f in stackr_core::expr::functions::FUNCTIONS {
            outln!("{}\n    {}", f.signature, f.doc);
        }
        return Ok(0);
    }
    if let Some(kind) = &a.kind {
        // A kind may be both a resource and a look-up: both are shown.
        let found: Vec<&TypeSchema> = catalog.all().into_iter().filter(|t| t.kind == kind.as_str()).collect();
        if found.is_empty() {
            let kinds: Vec<&str> = catalog.all().iter().map(|t| t.kind).collect();
            return Err(Failure::Message(format!("unknown type `{kind}`; {}", suggest(kind, &kinds, "types"))));
        }
        let text: Vec<String> = found.into_iter().map(describe).collect();
        out!("{}", text.join("\n"));
        return Ok(0);
    }
    let schema = stackr_core::jsonschema::stack_schema(&catalog);
    let text = serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n";
    match &a.output {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| Failure::Message(format!("cannot write {}: {e}", p.display())))?
        }
        None => out!("{text}"),
    }
    Ok(0)
}

/// The AWS operations a type's implementation calls, comma-separated
/// (`stackr.*` look-ups read stackr's own state: none).
fn calls_of(t: &TypeSchema) -> String {
    stackr_aws::calls::of(t.kind, t.role == Role::Data).join(", ")
}

/// Every type as a Markdown table: kind, role, AWS calls, what it is.
fn markdown_table(types: &[&'static TypeSchema]) -> String {
    let mut out = String::from("| type | role | AWS calls | what it is |\n|---|---|---|---|\n");
    for t in types {
        let role = if t.role == Role::Data { "look-up" } else { "resource" };
        let calls = match calls_of(t) {
            c if !c.is_empty() => c,
            _ if t.kind.starts_with("stackr.") => "none: reads stackr's state".to_string(),
            _ => "none".to_string(),
        };
        out.push_str(&format!("| `{}` | {role} | {calls} | {} |\n", t.kind, t.doc.replace('|', "\\|")));
    }
    out
}

fn describe(t: &TypeSchema) -> String {
    let role = if t.role == Role::Data { " (data look-up)" } else { "" };
    let mut out = format!("{}{role}\n  {}\n\nproperties:\n", t.kind, t.doc);
    for p in t.properties {
        property(&mut out, p, "");
    }
    if t.taggable {
        out.push_str(
            "  tags                                 a map of names to strings (merged over the stack's tags)\n",
        );
    }
    out.push_str("\nattributes:\n");
    for at in t.attributes {
        out.push_str(&format!("  {:<36} {}\n", at.name, at.doc));
    }
    let calls = calls_of(t);
    if !calls.is_empty() {
        out.push_str(&format!("\nAWS calls:\n  {calls}\n"));
    }
    out
}

/// One property, and the fields of a structure (or of a list of them)
/// beneath it, indented, with the path a stack writes (`a.b`, `a[].b`).
fn property(out: &mut String, p: &stackr_core::schema::PropSchema, parent: &str) {
    let mut flags = Vec::new();
    if p.required {
        flags.push("required");
    }
    if p.update == Update::Replace {
        flags.push("forces replacement");
    }
    if p.secret {
        flags.push("secret");
    }
    let default = p.default.map(|d| format!("default {}", d.value(&p.ty).to_json()));
    flags.extend(default.as_deref());
    let flags = if flags.is_empty() { String::new() } else { format!(" [{}]", flags.join(", ")) };
    let name = format!("{parent}{}", p.name);
    let limit = p.limit.map(|l| format!(", {}", l.describe())).unwrap_or_default();
    out.push_str(&format!("  {name:<36} {}{limit}{flags}\n", p.ty.describe()));
    if !p.doc.is_empty() {
        out.push_str(&format!("  {:<36} {}\n", "", p.doc));
    }
    let (fields, sep) = match &p.ty {
        PropType::Object(fields) => (*fields, "."),
        PropType::List(PropType::Object(fields)) | PropType::Map(PropType::Object(fields)) => (*fields, "[]."),
        _ => return,
    };
    for f in fields {
        property(out, f, &format!("{name}{sep}"));
    }
}

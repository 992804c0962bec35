//! Reads a stack file and the chain of files it `extends`, and merges them
//! into one definition.
//!
//! Merge rules (base first, the named stack file last):
//! - `stack`, `region`, `state`: the last file that sets one wins;
//! - `tags`: merged key by key, later files win;
//! - `vars`: declared once (in any file); values set by later files win;
//! - `resources`, `data`, `outputs`: united; a name defined twice is an
//!   error (environments change a shared definition through variables).

use super::ast::*;
use super::decode::decode;
use crate::diag::{Diagnostic, Diagnostics};
use crate::source::{FileId, SourceMap, Span};
use crate::yaml;
use crate::yaml::Key;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// The most files an `extends` chain may hold.
const MAX_CHAIN: usize = 32;

/// Loads `path` and everything it extends. Files come back base first.
pub fn load_chain(path: &Path, sources: &mut SourceMap, diags: &mut Diagnostics) -> Vec<StackFile> {
    load_chain_from(path, None, sources, diags)
}

/// Like [`load_chain`], with the first file's text given rather than read
/// (tests, fuzzing, standard input). Extended files are read from disk.
pub fn load_chain_from(
    path: &Path,
    mut text: Option<String>,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Vec<StackFile> {
    let mut chain: Vec<StackFile> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut next: Option<(PathBuf, String, Option<Span>)> =
        Some((path.to_path_buf(), path.display().to_string(), None));
    while let Some((path, display, from)) = next.take() {
        let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| normalize(&path));
        if let Some(pos) = seen.iter().position(|p| *p == canonical) {
            let mut names: Vec<String> = chain[pos..].iter().map(|f| sources.display(f.file).to_string()).collect();
            names.push(sources.display(chain[pos].file).to_string());
            let span = from.unwrap_or_default();
            diags.push(
                Diagnostic::new(span, format!("`extends` forms a loop: {}", names.join(" -> ")))
                    .with_help("a file cannot extend itself, directly or through others; remove one `extends`"),
            );
            break;
        }
        if chain.len() >= MAX_CHAIN {
            diags.push(Diagnostic::new(
                from.unwrap_or_default(),
                format!("`extends` chain longer than {MAX_CHAIN} files"),
            ));
            break;
        }
        let read = match text.take() {
            Some(t) => Ok(t),
            None => std::fs::read_to_string(&path),
        };
        let text = match read {
            Ok(t) => crate::source::without_bom(t),
            Err(e) => {
                let msg = format!("cannot read {display}: {}", io_reason(&e));
                diags.push(match from {
                    Some(span) => Diagnostic::new(span, msg)
                        .with_help("`extends` is a path relative to the file that contains it"),
                    None => Diagnostic::unlocated(msg),
                });
                break;
            }
        };
        let file = sources.add(&path, display.clone(), text);
        seen.push(canonical);
        let parsed = yaml::parse_lenient(file, sources.get(file).map(|f| f.text.as_str()).unwrap_or_default());
        let root = match parsed {
            Ok((n, problems)) => {
                diags.extend(problems);
                n
            }
            Err(e) => {
                diags.extend(e);
                break;
            }
        };
        let decoded = decode(file, &root, sources, diags);
        if let Some(ext) = &decoded.extends {
            let dir = path.parent().unwrap_or(Path::new(""));
            let display_dir = Path::new(&display).parent().unwrap_or(Path::new(""));
            next = Some((
                dir.join(&ext.value),
                normalize(&display_dir.join(&ext.value)).display().to_string(),
                Some(ext.span),
            ));
        }
        chain.push(decoded);
    }
    chain.reverse();
    chain
}

pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::InvalidData => "the file is not UTF-8 text".into(),
        _ => e.to_string(),
    }
}

/// Removes `.` and `a/..` from a path without touching the file system.
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if out.components().next_back().is_some_and(|l| matches!(l, Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The files of a chain merged into one definition.
#[derive(Debug, Clone, Default)]
pub struct Merged {
    /// The file that was named on the command line.
    pub root: FileId,
    pub stack: Option<Spanned<String>>,
    pub region: Option<super::tree::Tree>,
    pub state: Option<StateDecl>,
    /// Declarations, in order of appearance.
    pub var_decls: Vec<VarEntry>,
    /// Values set in files, base first (later wins).
    pub var_sets: Vec<(Key, Spanned<crate::value::Value>, FileId)>,
    pub tags: Vec<(Key, super::tree::Tree)>,
    pub data: Vec<DataDecl>,
    pub resources: Vec<ResourceDecl>,
    pub outputs: Vec<OutputDecl>,
    pub components: Vec<ComponentDecl>,
    pub moved: Vec<MovedDecl>,
}

pub fn merge(chain: Vec<StackFile>, diags: &mut Diagnostics) -> Merged {
    let mut m = Merged { root: chain.last().map(|f| f.file).unwrap_or_default(), ..Default::default() };
    let mut declared: HashMap<String, Span> = HashMap::new();
    let mut names: HashMap<(&'static str, String), Span> = HashMap::new();
    let mut defined = |kind: &'static str, key: &Key, diags: &mut Diagnostics| -> bool {
        if let Some(first) = names.get(&(kind, key.name.clone())) {
            diags.push(
                Diagnostic::new(key.span, format!("{kind} `{}` is defined twice", key.name))
                    .with_note(*first, "first defined here")
                    .with_help("names are unique across a stack and the files it extends; rename one"),
            );
            return false;
        }
        names.insert((kind, key.name.clone()), key.span);
        true
    };
    for f in chain {
        if f.stack.is_some() {
            m.stack = f.stack;
        }
        if f.region.is_some() {
            m.region = f.region;
        }
        if f.state.is_some() {
            m.state = f.state;
        }
        for entry in f.vars {
            match entry {
                VarEntry::Declare { ref name, .. } => {
                    if let Some(first) = declared.get(&name.name) {
                        diags.push(
                            Diagnostic::new(name.span, format!("variable `{}` is declared twice", name.name))
                                .with_note(*first, "first declared here")
                                .with_help("declare a variable once; set its value with `name: value` elsewhere"),
                        );
                        continue;
                    }
                    declared.insert(name.name.clone(), name.span);
                    m.var_decls.push(entry);
                }
                VarEntry::Set { name, value } => m.var_sets.push((name, value, f.file)),
            }
        }
        for (k, v) in f.tags {
            m.tags.retain(|(old, _)| old.name != k.name);
            m.tags.push((k, v));
        }
        for d in f.data {
            if defined("data look-up", &d.name, diags) {
                m.data.push(d);
            }
        }
        for r in f.resources {
            if defined("resource", &r.name, diags) {
                m.resources.push(r);
            }
        }
        for o in f.outputs {
            if defined("output", &o.name, diags) {
                m.outputs.push(o);
            }
        }
        m.moved.extend(f.moved);
        for c in f.components {
            if defined("component", &c.name, diags) {
                m.components.push(c);
            }
        }
    }
    m
}

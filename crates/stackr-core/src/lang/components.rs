//! Components: a file of `vars`, `data`, `resources`, `outputs` (and uses
//! of further components) that a stack uses any number of times.
//!
//! Each use joins the stack before it is resolved. Its resources and
//! look-ups are renamed under the use's address (`api.task`,
//! `svc[api].task`), its `var.*` become the values the use gives, and
//! outside it only its outputs are visible (`${api.url}`), replaced by the
//! expressions behind them. What follows (resolution, checks, the graph,
//! the engine) sees ordinary resources; each remembers the uses it came
//! from, for `graph` and for messages.
//!
//! The file is read once per use, so every error in it names the chain of
//! uses it was reached through.

use super::ast::*;
use super::decode::decode;
use super::load::{Merged, io_reason, normalize};
use super::rewrite::{Names, Outputs, tree_to_expr, with_each};
use super::tree::Tree;
use crate::diag::{Diagnostic, Diagnostics, suggest};
use crate::expr::Expr;
use crate::model::{Address, StackScope};
use crate::source::{FileId, SourceMap, Span};
use crate::value::Value;
use crate::yaml;
use crate::yaml::Key;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

/// The deepest uses may nest.
const MAX_DEPTH: usize = 16;

/// For each file read as a component: the uses it was reached through,
/// outermost first.
pub type UseChains = HashMap<FileId, Vec<(String, Span)>>;

/// What expansion leaves for the later phases.
#[derive(Debug, Default)]
pub struct Expanded {
    pub chains: UseChains,
    /// The address prefixes (`site_dns.`) of uses whose file could not be
    /// read: what would be inside them is not reported missing again.
    pub unread: Vec<String>,
}

/// Joins every component use of `merged` to it, and rewrites the stack's
/// own expressions so that `${use.output}` means the output's value.
pub fn expand(
    merged: &mut Merged,
    var_scope: &StackScope,
    sensitive: &BTreeSet<String>,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Expanded {
    let mut x = Expander {
        var_scope,
        sensitive,
        sources,
        diags,
        out: Expanded::default(),
        resources: Vec::new(),
        data: Vec::new(),
    };
    if merged.components.is_empty() {
        return x.out;
    }
    let uses = std::mem::take(&mut merged.components);
    let own: HashSet<String> = merged.resources.iter().map(|r| r.name.name.clone()).collect();
    for u in &uses {
        if own.contains(&u.name.name) {
            x.diags.push(
                Diagnostic::new(u.name.span, format!("`{}` names both a resource and a component", u.name.name))
                    .with_help("names are unique across a stack's resources and components; rename one"),
            );
        }
    }
    let mut names = Names {
        prefix: String::new(),
        resources: own,
        data: merged.data.iter().map(|d| d.name.name.clone()).collect(),
        vars: None,
        uses: BTreeMap::new(),
        members: Vec::new(),
    };
    x.uses(&uses, &mut names, &[]);
    for r in &mut merged.resources {
        rewrite_resource(r, &names, x.diags);
    }
    for d in &mut merged.data {
        d.args = d.args.iter().map(|(k, t)| (k.clone(), names.tree(t, x.diags))).collect();
    }
    for o in &mut merged.outputs {
        o.value = names.tree(&o.value, x.diags);
    }
    merged.resources.extend(x.resources);
    merged.data.extend(x.data);
    x.out
}

fn rewrite_resource(r: &mut ResourceDecl, names: &Names, diags: &mut Diagnostics) {
    r.properties = r.properties.iter().map(|(k, t)| (k.clone(), names.tree(t, diags))).collect();
    r.for_each = r.for_each.as_ref().map(|t| names.tree(t, diags));
    r.region = r.region.as_ref().map(|t| names.tree(t, diags));
    r.lifecycle.protect_expr = r.lifecycle.protect_expr.as_ref().map(|t| names.tree(t, diags));
    r.depends_on = expand_deps(&r.depends_on, names);
}

/// `depends_on` entries as the stack names them: a resource of the file
/// gains the file's prefix (`task` is `api.task`, `subnet[a]` is
/// `api.subnet[a]`); a use of a component (`api`, `svc[web]`) stands for
/// every resource it made.
fn expand_deps(deps: &[Spanned<String>], names: &Names) -> Vec<Spanned<String>> {
    let mut out = Vec::new();
    for d in deps {
        let Some(a) = Address::parse(&d.value) else {
            out.push(d.clone());
            continue;
        };
        if names.resources.contains(&a.name) {
            out.push(Spanned { value: format!("{}{}", names.prefix, d.value), span: d.span });
        } else if names.uses.contains_key(&a.name) {
            let inside = format!("{}{a}", names.prefix);
            let members = names.members.iter().filter(|m| {
                m.strip_prefix(inside.as_str())
                    .is_some_and(|rest| rest.starts_with('.') || (a.key.is_none() && rest.starts_with('[')))
            });
            out.extend(members.map(|m| Spanned { value: m.clone(), span: d.span }));
        } else {
            out.push(d.clone());
        }
    }
    out
}

struct Expander<'a> {
    var_scope: &'a StackScope,
    /// The stack's own sensitive variables: a component's sensitive
    /// variable is given one of them, so its value stays masked.
    sensitive: &'a BTreeSet<String>,
    sources: &'a mut SourceMap,
    diags: &'a mut Diagnostics,
    out: Expanded,
    resources: Vec<ResourceDecl>,
    data: Vec<DataDecl>,
}

impl Expander<'_> {
    /// Whether `e` takes a sensitive variable of the stack.
    fn is_sensitive(&self, e: &Expr) -> bool {
        e.references().iter().any(|r| {
            r.root == "var"
                && matches!(r.steps.first(), Some(crate::expr::Step::Attr(n)) if self.sensitive.contains(*n))
        })
    }
}

/// One step of the chain of uses: the file read, and the use reaching it.
#[derive(Clone)]
struct Link {
    file: PathBuf,
    name: String,
    span: Span,
}

impl Expander<'_> {
    /// Expands the uses written in one file, in the order their values
    /// need each other's outputs, and records their outputs in `names`.
    fn uses(&mut self, uses: &[ComponentDecl], names: &mut Names, chain: &[Link]) {
        for u in order_uses(uses, self.diags) {
            let before = self.resources.len();
            let outputs = self.one_use(u, names, chain);
            names.uses.insert(u.name.name.clone(), outputs);
            names.members.extend(self.resources[before..].iter().map(|r| r.name.name.clone()));
        }
    }

    fn one_use(&mut self, u: &ComponentDecl, parent: &Names, chain: &[Link]) -> Outputs {
        // The values, as the parent file means them.
        let vars: Vec<(Key, Expr)> =
            u.vars.iter().map(|(k, t)| (k.clone(), tree_to_expr(&parent.tree(t, self.diags)))).collect();
        let Some(fe) = &u.for_each else {
            let addr = Address::single(&u.name.name);
            return match self.instance(u, &addr, &vars, parent, chain) {
                Some(outputs) => Outputs::One(outputs),
                None => Outputs::Unread,
            };
        };
        let fe = parent.tree(fe, self.diags);
        let mut by_key = BTreeMap::new();
        for (key, each) in self.for_each_keys(&fe) {
            let addr = Address { name: u.name.name.clone(), key: Some(key.clone()) };
            let vars: Vec<(Key, Expr)> = vars.iter().map(|(k, e)| (k.clone(), with_each(e, &each))).collect();
            match self.instance(u, &addr, &vars, parent, chain) {
                Some(outputs) => by_key.insert(key, outputs),
                None => return Outputs::Unread,
            };
        }
        Outputs::Many(by_key)
    }

    /// The instances of a `for_each` use: known before apply, from
    /// variables only.
    fn for_each_keys(&mut self, t: &Tree) -> Vec<(String, Value)> {
        if let Some(r) = t.references().iter().find(|r| r.root != "var") {
            self.diags.push(
                Diagnostic::new(r.span, "a component's `for_each` must be known before apply")
                    .with_help("use variables (`var.*`) and functions only"),
            );
            return Vec::new();
        }
        let v = t.eval(self.var_scope, self.diags);
        let eaches = super::resolve::eaches(v, t.span(), self.diags).unwrap_or_default();
        eaches.into_iter().map(|e| (e.key.clone(), e.to_value())).collect()
    }

    /// Reads the component file for one instance of a use and joins its
    /// contents; returns its outputs (`None`: the file could not be read).
    fn instance(
        &mut self,
        u: &ComponentDecl,
        addr: &Address,
        vars: &[(Key, Expr)],
        parent: &Names,
        chain: &[Link],
    ) -> Option<BTreeMap<String, Expr>> {
        let inst_name = format!("{}{addr}", parent.prefix);
        let Some((file, link)) = self.read(u, &inst_name, chain) else {
            self.out.unread.push(format!("{inst_name}."));
            return None;
        };
        let mut chain = chain.to_vec();
        chain.push(link);
        self.out.chains.insert(file.file, chain.iter().map(|l| (l.name.clone(), l.span)).collect());

        // Its variables: declared in the file, given by the use.
        let mut values: BTreeMap<String, Expr> = BTreeMap::new();
        let mut declared: Vec<String> = Vec::new();
        for v in &file.vars {
            match v {
                VarEntry::Declare { name, ty, default, sensitive, .. } => {
                    declared.push(name.name.clone());
                    let given = vars.iter().find(|(k, _)| k.name == name.name).map(|(_, e)| e.clone());
                    // Its value is put where the component uses it: masked
                    // only if it comes from a sensitive variable of the stack
                    // (which the later checks follow); a literal, a default
                    // or anything else would be printed and kept in state.
                    if *sensitive && !given.as_ref().is_some_and(|e| self.is_sensitive(e)) {
                        let span = given.as_ref().map_or(u.name.span, |e| e.span);
                        self.diags.push(
                            Diagnostic::new(
                                span,
                                format!(
                                    "`{}` of component `{inst_name}` is sensitive, and {}",
                                    name.name,
                                    if given.is_some() {
                                        "this value is not: it would be printed in plans and kept in state"
                                    } else {
                                        "its default would be printed in plans and kept in state"
                                    }
                                ),
                            )
                            .with_help(
                                "give it a sensitive variable of the stack, e.g. `${var.db_password}` declared with \
                                 `sensitive: true`",
                            ),
                        );
                    }
                    let value = match (given, default) {
                        // A value of the wrong type is reported here, once,
                        // rather than again at each property that uses it.
                        (Some(e), _) if !self.type_fits(&e, *ty, &name.name) => {
                            Expr { kind: crate::expr::ExprKind::Literal(Value::Unknown), span: e.span }
                        }
                        (Some(e), _) => e,
                        (None, Some(d)) => Expr { kind: crate::expr::ExprKind::Literal(d.value.clone()), span: d.span },
                        (None, None) => {
                            self.diags.push(
                                Diagnostic::new(
                                    u.name.span,
                                    format!("component `{inst_name}` needs a value for `{}`", name.name),
                                )
                                .with_note(name.span, "declared here, without a default")
                                .with_help(format!("add `{}: ...` under this use's `vars:`", name.name)),
                            );
                            Expr { kind: crate::expr::ExprKind::Literal(Value::Unknown), span: name.span }
                        }
                    };
                    values.insert(name.name.clone(), value);
                }
                VarEntry::Set { name, .. } => self.diags.push(
                    Diagnostic::new(name.span, format!("a component file cannot set `{}`", name.name)).with_help(
                        "declare its variables (`name: { type: string, default: ... }`); each use gives the values",
                    ),
                ),
            }
        }
        let names_declared: Vec<&str> = declared.iter().map(String::as_str).collect();
        for (k, _) in vars {
            if !declared.contains(&k.name) {
                self.diags.push(
                    Diagnostic::new(k.span, format!("component `{}` has no variable `{}`", u.path.value, k.name))
                        .with_help(suggest(&k.name, &names_declared, "variables of the component")),
                );
            }
        }

        let mut names = Names {
            prefix: format!("{inst_name}."),
            resources: file.resources.iter().map(|r| r.name.name.clone()).collect(),
            data: file.data.iter().map(|d| d.name.name.clone()).collect(),
            vars: Some(values),
            uses: BTreeMap::new(),
            members: Vec::new(),
        };
        for c in &file.components {
            if names.resources.contains(&c.name.name) {
                self.diags.push(
                    Diagnostic::new(c.name.span, format!("`{}` names both a resource and a component", c.name.name))
                        .with_help("names are unique across a file's resources and components; rename one"),
                );
            }
        }
        let start = self.resources.len();
        self.uses(&file.components, &mut names, &chain);
        for mut r in file.resources {
            rewrite_resource(&mut r, &names, self.diags);
            r.name.name = format!("{}{}", names.prefix, r.name.name);
            self.resources.push(r);
        }
        // `depends_on` of the use, as the file using it names things: every
        // resource made here, in nested uses too, waits for them.
        let use_deps = expand_deps(&u.depends_on, parent);
        for r in &mut self.resources[start..] {
            r.depends_on.extend(use_deps.iter().cloned());
        }
        let here = self.sources.get(file.file).and_then(|f| f.path.parent().map(PathBuf::from));
        for mut d in file.data {
            d.args = d.args.iter().map(|(k, t)| (k.clone(), names.tree(t, self.diags))).collect();
            // Another stack's file or state named relative to this
            // component's file, as `file()` and `use:` are.
            if d.ty.value == "stackr.stack_outputs"
                && let Some(here) = &here
            {
                for (k, t) in &mut d.args {
                    if let ("stack_file" | "path", Tree::Str(tpl)) = (k.name.as_str(), t)
                        && let [crate::expr::Part::Lit(rel)] = tpl.parts.as_slice()
                        && std::path::Path::new(rel).is_relative()
                    {
                        let joined = here.join(rel);
                        // Absolute: the look-up joins it to the root stack's folder.
                        let joined = std::path::absolute(&joined).unwrap_or(joined).display().to_string();
                        tpl.parts = vec![crate::expr::Part::Lit(joined)];
                    }
                }
            }
            d.name.name = format!("{}{}", names.prefix, d.name.name);
            self.data.push(d);
        }
        Some(
            file.outputs
                .iter()
                .map(|o| (o.name.name.clone(), tree_to_expr(&names.tree(&o.value, self.diags))))
                .collect(),
        )
    }

    /// A value given for a typed variable, checked when known now.
    fn type_fits(&mut self, e: &Expr, ty: VarType, name: &str) -> bool {
        if e.references().iter().any(|r| r.root != "var") {
            return true;
        }
        let Ok(v) = crate::expr::eval(e, self.var_scope) else { return true };
        if !v.contains_unknown() && !ty.accepts(&v) {
            self.diags.push(Diagnostic::new(
                e.span,
                format!("`{name}` is a {}, but this value is a {}", ty.name(), v.type_name()),
            ));
            return false;
        }
        true
    }

    /// Reads and decodes the file of a use.
    fn read(&mut self, u: &ComponentDecl, inst_name: &str, chain: &[Link]) -> Option<(StackFile, Link)> {
        let from = u.path.span.file;
        let (dir, display_dir) = match self.sources.get(from) {
            Some(f) => (
                f.path.parent().map(PathBuf::from).unwrap_or_default(),
                PathBuf::from(&f.display).parent().map(PathBuf::from).unwrap_or_default(),
            ),
            None => (PathBuf::new(), PathBuf::new()),
        };
        let path = dir.join(&u.path.value);
        let display = normalize(&display_dir.join(&u.path.value)).display().to_string();
        let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| normalize(&path));
        if let Some(pos) = chain.iter().position(|l| l.file == canonical) {
            let mut names: Vec<String> = chain[pos..].iter().map(|l| l.name.clone()).collect();
            names.push(inst_name.to_string());
            self.diags.push(
                Diagnostic::new(u.path.span, format!("components use each other in a loop: {}", names.join(" -> ")))
                    .with_help("a component cannot use itself, directly or through others"),
            );
            return None;
        }
        if chain.len() >= MAX_DEPTH {
            self.diags.push(Diagnostic::new(u.path.span, format!("components nest deeper than {MAX_DEPTH} uses")));
            return None;
        }
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => crate::source::without_bom(t),
            Err(e) => {
                self.diags.push(
                    Diagnostic::new(u.path.span, format!("cannot read {display}: {}", io_reason(&e)))
                        .with_help("`use` is a path relative to the file that contains it"),
                );
                return None;
            }
        };
        let file = self.sources.add(&path, display, text);
        let root = match yaml::parse_lenient(file, self.sources.get(file).map(|f| f.text.as_str()).unwrap_or_default())
        {
            Ok((n, problems)) => {
                self.diags.extend(problems);
                n
            }
            Err(e) => {
                self.diags.extend(e);
                return None;
            }
        };
        let decoded = decode(file, &root, self.sources, self.diags);
        for k in &decoded.keys {
            if !COMPONENT_FILE_KEYS.contains(&k.name.as_str()) && TOP_KEYS.iter().any(|(n, _)| *n == k.name) {
                self.diags.push(
                    Diagnostic::new(k.span, format!("a component file cannot set `{}`", k.name)).with_help(format!(
                        "the stack that uses it sets that; a component holds {}",
                        COMPONENT_FILE_KEYS.join(", ")
                    )),
                );
            }
        }
        Some((decoded, Link { file: canonical, name: inst_name.to_string(), span: u.name.span }))
    }
}

/// The uses of one file, each after the uses whose outputs its values or
/// `for_each` read. A loop among them is an error; its uses come last.
fn order_uses<'a>(uses: &'a [ComponentDecl], diags: &mut Diagnostics) -> Vec<&'a ComponentDecl> {
    let names: HashSet<&str> = uses.iter().map(|u| u.name.name.as_str()).collect();
    let needs: Vec<HashSet<&str>> = uses
        .iter()
        .map(|u| {
            let trees = u.vars.iter().map(|(_, t)| t).chain(u.for_each.iter());
            trees.flat_map(|t| t.references().into_iter().map(|r| r.root)).filter(|r| names.contains(r)).collect()
        })
        .collect();
    let mut done: HashSet<&str> = HashSet::new();
    let mut out = Vec::new();
    while out.len() < uses.len() {
        let ready: Vec<usize> = (0..uses.len())
            .filter(|&i| !done.contains(uses[i].name.name.as_str()) && needs[i].iter().all(|n| done.contains(n)))
            .collect();
        if ready.is_empty() {
            let stuck: Vec<&ComponentDecl> = uses.iter().filter(|u| !done.contains(u.name.name.as_str())).collect();
            let list: Vec<&str> = stuck.iter().map(|u| u.name.name.as_str()).collect();
            diags.push(
                Diagnostic::new(
                    stuck[0].name.span,
                    format!("components read each other's outputs in a loop: {}", list.join(", ")),
                )
                .with_help("a use's values cannot depend, directly or through others, on its own outputs"),
            );
            out.extend(stuck);
            break;
        }
        for i in ready {
            done.insert(uses[i].name.name.as_str());
            out.push(&uses[i]);
        }
    }
    out
}

/// Adds to each error found in a component file the chain of uses that
/// reached it.
pub fn note_chains(diags: &mut Diagnostics, chains: &UseChains) {
    if chains.is_empty() {
        return;
    }
    diags.for_each_mut(|d| {
        let Some(chain) = d.span.and_then(|s| chains.get(&s.file)) else { return };
        for (name, span) in chain.iter().rev() {
            d.notes.push((*span, format!("in component `{name}`, used here")));
        }
    });
}

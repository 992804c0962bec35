//! The resolved stack: every variable known, every `for_each` expanded into
//! instances with addresses, every reference checked and turned into a
//! dependency. This is what the engine plans from.

use crate::expr::Scope;
use crate::graph::StackGraph;
use crate::lang::ast::{Lifecycle, Spanned};
use crate::lang::tree::Tree;
use crate::lang::vars::ResolvedVar;
use crate::schema::TypeSchema;
use crate::source::{SourceMap, Span};
use crate::value::Value;
use crate::yaml::Key;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::PathBuf;

/// The address of a resource instance: `vpc`, `subnet[ap-northeast-1a]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Address {
    pub name: String,
    pub key: Option<String>,
}

impl Address {
    pub fn single(name: &str) -> Self {
        Address { name: name.to_string(), key: None }
    }

    /// Parses `name` or `name[key]` or `name["key"]`, where `name` may
    /// hold the uses of components it is in (`svc[api].task[a]`): the
    /// key is the bracket that ends the last `.`-separated part.
    pub fn parse(s: &str) -> Option<Address> {
        let last = last_part_start(s);
        match s[last..].find('[') {
            None => (!s.is_empty() && !s.ends_with('.')).then(|| Address::single(s)),
            Some(i) => {
                let name = &s[..last + i];
                let rest = s[last + i + 1..].strip_suffix(']')?;
                // A quoted key is written as `Display` writes it: with
                // `\"`, `\\`, `\n` and `\u{..}` escapes.
                let key = match rest.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
                    Some(quoted) => unescape(quoted)?,
                    None => rest.to_string(),
                };
                (!name.is_empty() && !name.ends_with('.')).then(|| Address { name: name.to_string(), key: Some(key) })
            }
        }
    }

    /// The uses of components this address is inside, outermost first.
    pub fn components(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut rest = self.name.as_str();
        loop {
            let start = last_part_start(rest);
            if start == 0 {
                break;
            }
            rest = &rest[..start - 1];
            out.push(rest);
        }
        out.reverse();
        out
    }
}

/// The text of a key quoted as `{:?}` quotes it; `None` when an escape is
/// not one that writes.
fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '0' => '\0',
            'u' => {
                let rest = chars.as_str();
                let hex = rest.strip_prefix('{')?.split('}').next()?;
                let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                chars = rest[hex.len() + 2..].chars();
                c
            }
            other => other,
        });
    }
    Some(out)
}

/// Where the last `.`-separated part of an address starts: dots inside
/// brackets (and quotes within them) belong to keys.
fn last_part_start(s: &str) -> usize {
    let mut depth = 0u32;
    let mut quoted = false;
    let mut start = 0;
    let mut prev = '\0';
    for (i, c) in s.char_indices() {
        match c {
            '"' if depth > 0 && prev != '\\' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth = depth.saturating_sub(1),
            '.' if depth == 0 => start = i + 1,
            _ => {}
        }
        prev = c;
    }
    start
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            None => f.write_str(&self.name),
            Some(k) if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:/".contains(c)) => {
                write!(f, "{}[{k}]", self.name)
            }
            Some(k) => write!(f, "{}[{k:?}]", self.name),
        }
    }
}

/// Where state is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "backend", rename_all = "lowercase")]
pub enum StateConfig {
    Local { path: PathBuf },
    S3 { bucket: String, key: String, region: String, kms_key_id: Option<String> },
}

/// `each.*` of one for_each instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Each {
    pub key: String,
    pub value: Value,
    pub index: usize,
}

impl Each {
    pub fn to_value(&self) -> Value {
        let mut m = BTreeMap::new();
        m.insert("key".to_string(), Value::String(self.key.clone()));
        m.insert("value".to_string(), self.value.clone());
        m.insert("index".to_string(), Value::Number(self.index as f64));
        Value::Map(m)
    }
}

/// A node of the dependency graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeRef {
    Instance(usize),
    Data(usize),
}

/// A dependency of a node, with the place that creates it.
#[derive(Debug, Clone, PartialEq)]
pub struct Dep {
    pub target: NodeRef,
    pub span: Span,
    /// From `depends_on` rather than a reference.
    pub explicit: bool,
}

/// A resource as declared (before for_each expansion).
#[derive(Debug, Clone)]
pub struct Resource {
    pub name: String,
    pub schema: &'static TypeSchema,
    pub span: Span,
    pub type_span: Span,
    pub properties: Vec<(Key, Tree)>,
    pub properties_span: Span,
    pub for_each: bool,
    /// The `for_each` expression as written.
    pub for_each_source: Option<Tree>,
    pub lifecycle: Lifecycle,
    pub description: Option<String>,
    pub depends_on: Vec<Spanned<String>>,
    /// Indices into [`Stack::instances`], in key order.
    pub instances: Vec<usize>,
}

impl Resource {
    /// Where property `name` is written, for messages; the resource's
    /// properties when it is not.
    pub fn property_span(&self, name: &str) -> Span {
        self.properties.iter().find(|(k, _)| k.name == name).map_or(self.properties_span, |(_, t)| t.span())
    }

    /// Type errors in the known parts of evaluated properties (values a
    /// reference gave once the resource it names exists).
    pub fn type_errors(&self, props: &BTreeMap<String, Value>, diags: &mut crate::diag::Diagnostics) {
        for (k, t) in &self.properties {
            if let Some(v) = props.get(&k.name) {
                crate::lang::check::value_type_errors(self.schema, k, t, v, diags);
            }
        }
    }

    /// The properties' values in `scope`. A property whose value is null
    /// (`${var.x == "" ? null : var.x}`) is left out, as if not written.
    /// The properties as wanted: those written (`null`: left out), and
    /// for each one not written that has a default, its default.
    /// Whether the stack writes `name` at all (also as `null`, or as an
    /// expression that gives null: then it is not managed).
    pub fn writes(&self, name: &str) -> bool {
        self.properties.iter().any(|(k, _)| k.name == name)
    }

    pub fn eval_properties(&self, scope: &StackScope, diags: &mut crate::diag::Diagnostics) -> BTreeMap<String, Value> {
        let mut out: BTreeMap<String, Value> = self
            .properties
            .iter()
            .map(|(k, t)| (k.name.clone(), t.eval(scope, diags)))
            .filter(|(_, v)| *v != Value::Null)
            .collect();
        for p in self.schema.properties {
            if let Some(d) = p.default
                && !self.properties.iter().any(|(k, _)| k.name == p.name)
            {
                out.insert(p.name.to_string(), d.value(&p.ty));
            }
        }
        out
    }
}

/// One instance of a resource: what the engine creates.
#[derive(Debug, Clone)]
pub struct Instance {
    pub address: Address,
    pub resource: usize,
    pub each: Option<Each>,
    pub region: String,
    pub deps: Vec<Dep>,
}

#[derive(Debug, Clone)]
pub struct DataSource {
    pub name: String,
    pub schema: &'static TypeSchema,
    pub span: Span,
    pub region: String,
    pub args: Vec<(Key, Tree)>,
    pub deps: Vec<Dep>,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub value: Tree,
    pub description: Option<String>,
    pub sensitive: bool,
    pub span: Span,
    pub deps: Vec<Dep>,
}

/// A fully resolved stack.
#[derive(Debug, Clone)]
pub struct Stack {
    pub name: String,
    pub region: String,
    pub state: StateConfig,
    /// The stack's tags (without the `stackr:` ones, which the engine adds).
    pub tags: BTreeMap<String, String>,
    pub vars: BTreeMap<String, ResolvedVar>,
    pub data: Vec<DataSource>,
    pub resources: Vec<Resource>,
    pub instances: Vec<Instance>,
    pub outputs: Vec<Output>,
    pub graph: StackGraph,
    pub sources: SourceMap,
    pub path: PathBuf,
    /// Resource name to index in `resources`.
    pub by_name: HashMap<String, usize>,
    /// Look-ups whose results a `for_each` iterates, not given when the
    /// stack was loaded: the resources iterating them have no instances
    /// yet. Read them and load again with their values
    /// ([`crate::VarInputs::data`]).
    pub for_each_lookups: std::collections::BTreeSet<String>,
    /// `moved:` entries, checked: the state entries to rename before planning.
    pub moved: Vec<Move>,
}

/// A resource whose address changed (`moved:`): its state entry is renamed
/// rather than the resource deleted and made again. Without keys, every
/// instance of `from` moves to the same key of `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    pub from: Address,
    pub to: Address,
    pub span: Span,
}

impl Stack {
    pub fn resource_of(&self, i: &Instance) -> &Resource {
        &self.resources[i.resource]
    }

    pub fn instance_by_address(&self, a: &Address) -> Option<usize> {
        let r = &self.resources[*self.by_name.get(&a.name)?];
        r.instances.iter().copied().find(|&i| self.instances[i].address == *a)
    }

    /// A short name for a node, for messages and graphs.
    pub fn node_name(&self, n: NodeRef) -> String {
        match n {
            NodeRef::Instance(i) => self.instances[i].address.to_string(),
            NodeRef::Data(d) => format!("data.{}", self.data[d].name),
        }
    }

    /// A scope with the stack's variables (and where its files are), for
    /// evaluating its expressions; the caller adds what it knows of data
    /// and resources.
    pub fn scope(&self) -> StackScope {
        StackScope { vars: self.var_values(), dirs: source_dirs(&self.sources), ..Default::default() }
    }

    /// The variable values as one map, for `var.*`.
    pub fn var_values(&self) -> Value {
        Value::Map(self.vars.iter().map(|(k, v)| (k.clone(), v.value.clone())).collect())
    }
}

/// A scope for evaluating a stack's expressions: `var`, `data`, `each` and
/// resource names, each resolving to a value held here. The engine fills
/// `resources` and `data` with what it knows (observed attributes, or
/// unknowns before apply).
#[derive(Debug, Clone, Default)]
pub struct StackScope {
    pub vars: Value,
    pub data: Value,
    pub each: Option<Value>,
    /// Resource name to its value: a map of attributes, or for a for_each
    /// resource a map of instance key to attributes.
    pub resources: HashMap<String, Value>,
    /// The folder of each file of the stack, by `FileId`: where `file()`
    /// and `templatefile()` read.
    pub dirs: std::sync::Arc<Vec<std::path::PathBuf>>,
}

impl Scope for StackScope {
    fn root(&self, name: &str) -> Option<&Value> {
        match name {
            "var" => Some(&self.vars),
            "data" => Some(&self.data),
            "each" => self.each.as_ref(),
            other => self.resources.get(other),
        }
    }

    fn base_dir(&self, file: crate::source::FileId) -> Option<&std::path::Path> {
        self.dirs.get(file.0 as usize).map(std::path::PathBuf::as_path)
    }
}

/// The folder of each file of `sources`, by `FileId` (`.` for a file
/// named without one).
pub fn source_dirs(sources: &crate::source::SourceMap) -> std::sync::Arc<Vec<std::path::PathBuf>> {
    std::sync::Arc::new(
        sources
            .paths()
            .map(|p| match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => std::path::PathBuf::from("."),
            })
            .collect(),
    )
}

impl StackScope {
    /// Records the value of one instance.
    pub fn set_instance(&mut self, address: &Address, value: Value) {
        match &address.key {
            None => {
                self.resources.insert(address.name.clone(), value);
            }
            Some(k) => {
                let slot = self.resources.entry(address.name.clone()).or_insert_with(|| Value::Map(BTreeMap::new()));
                if let Value::Map(m) = slot {
                    m.insert(k.clone(), value);
                }
            }
        }
    }

    pub fn set_data(&mut self, name: &str, value: Value) {
        if !matches!(self.data, Value::Map(_)) {
            self.data = Value::Map(BTreeMap::new());
        }
        if let Value::Map(m) = &mut self.data {
            m.insert(name.to_string(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_with_keys_and_component_uses() {
        let a = |s: &str| Address::parse(s).map(|a| (a.name, a.key));
        assert_eq!(a("vpc"), Some(("vpc".into(), None)));
        assert_eq!(a("subnet[a]"), Some(("subnet".into(), Some("a".into()))));
        assert_eq!(a("subnet[\"a b\"]"), Some(("subnet".into(), Some("a b".into()))));
        assert_eq!(a("svc[api].task"), Some(("svc[api].task".into(), None)));
        assert_eq!(a("svc[api].task[x.y]"), Some(("svc[api].task".into(), Some("x.y".into()))));
        assert_eq!(a("svc[\"a.b]\"].task"), Some(("svc[\"a.b]\"].task".into(), None)));
        for bad in ["", "[x]", "svc.", "a[x"] {
            assert_eq!(a(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_address_names_the_uses_it_is_inside() {
        let uses = |s: &str| Address::parse(s).unwrap().components().into_iter().map(String::from).collect::<Vec<_>>();
        assert!(uses("vpc").is_empty());
        assert_eq!(uses("api.task"), ["api"]);
        assert_eq!(uses("app.db[x.y].inst[k]"), ["app", "app.db[x.y]"]);
        // Display and parse agree, keys needing quotes included.
        for s in ["svc[api].task", "svc[\"a b\"].task[\"c d\"]"] {
            assert_eq!(Address::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn a_key_printed_with_escapes_parses_back_to_itself() {
        for key in ["c\"d", "back\\slash", "line\nbreak", "tab\there", "caf\u{e9}", "nul\0", "\u{1F600}"] {
            let a = Address { name: "lg".into(), key: Some(key.into()) };
            let printed = a.to_string();
            assert_eq!(Address::parse(&printed), Some(a), "{printed}");
        }
        assert_eq!(Address::parse("lg[\"bad\\u{zz}\"]"), None);
    }
}

//! One stack file as written, decoded but not yet resolved.

use super::tree::Tree;
use crate::source::{FileId, Span};
use crate::value::Value;
use crate::yaml::Key;

/// A value and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// The keys a stack file may have at its top level, with what each holds.
pub const TOP_KEYS: &[(&str, &str)] = &[
    ("stack", "the stack's unique name; used in tags and physical names"),
    ("extends", "a shared definition file this one builds on (relative path)"),
    ("region", "the AWS region of the stack's resources"),
    ("state", "where state is kept: `backend: local` (default) or `backend: s3`"),
    ("vars", "variable declarations (`{type, default, description, sensitive}`) or values"),
    ("tags", "tags applied to every taggable resource"),
    ("data", "look-ups of things that already exist"),
    ("resources", "the resources this stack manages"),
    ("outputs", "values printed after apply and read by `stackr output`"),
    ("components", "uses of component files: `name: { use: ./file.yaml, vars: {...} }`"),
    ("moved", "renamed resources: `- { from: old_address, to: new_address }`, kept in AWS and state"),
];

pub const MOVED_KEYS: &[(&str, &str)] = &[
    ("from", "the address the resource had (`site_a`, `subnet[a]`)"),
    ("to", "the address it has now (`site_dns.a`, `net.subnet[a]`)"),
];

/// The keys of one entry under `components:`.
pub const COMPONENT_KEYS: &[(&str, &str)] = &[
    ("use", "the component file (a path relative to this file)"),
    ("vars", "values of the component's variables"),
    ("for_each", "a list or map: one use per element, addressed name[key]"),
    ("depends_on", "resources (or uses) every resource of the component must come after"),
    ("description", "a note for readers"),
];

/// The top-level keys a component file may hold (a stack's settings come
/// from the stack that uses it).
pub const COMPONENT_FILE_KEYS: &[&str] = &["vars", "data", "resources", "outputs", "components"];

pub const RESOURCE_KEYS: &[(&str, &str)] = &[
    ("type", "the resource type, e.g. aws.ec2.vpc"),
    ("properties", "the resource's settings; see `stackr schema` for each type"),
    ("depends_on", "resources this one must come after, beyond those it references"),
    ("for_each", "a list or map: one instance per element, addressed name[key]"),
    ("region", "a region for this resource, overriding the stack's"),
    ("lifecycle", "`protect`, `ignore_changes`, `create_before_destroy`, `timeouts`"),
    ("description", "a note for readers; not sent to AWS"),
];

pub const LIFECYCLE_KEYS: &[(&str, &str)] = &[
    ("protect", "refuse to destroy this resource unless --allow-protected names it"),
    ("ignore_changes", "properties never diffed after creation (e.g. a count left to autoscaling)"),
    ("create_before_destroy", "on replacement, create the new resource before deleting the old"),
    ("retain", "keep it in AWS when it leaves the stack or the stack is destroyed: stackr forgets it instead"),
    ("timeouts", "how long `create`, `update` and `delete` may take, waits included (e.g. `{ create: 90m }`)"),
];

pub const TIMEOUT_KEYS: &[(&str, &str)] = &[
    ("create", "how long a create may take, until the resource is ready"),
    ("update", "how long an update may take, until the resource is ready again"),
    ("delete", "how long a delete may take, until the resource is gone"),
];

pub const VAR_KEYS: &[(&str, &str)] = &[
    ("type", "string, number, bool, list, map or any"),
    ("default", "the value when nothing else sets one; without it the variable is required"),
    ("description", "what the variable is for"),
    ("sensitive", "mask the value in plan output"),
];

pub const DATA_KEYS: &[(&str, &str)] =
    &[("type", "the look-up type, e.g. aws.route53.hosted_zone"), ("region", "a region for this look-up")];

pub const OUTPUT_KEYS: &[(&str, &str)] = &[
    ("value", "the value, usually a reference such as ${cdn.domain_name}"),
    ("description", "what the output is"),
    ("sensitive", "mask the value when printed"),
];

pub const STATE_KEYS: &[(&str, &str)] = &[
    ("backend", "local or s3"),
    ("path", "local: the state file (default state/<stack>.json)"),
    ("bucket", "s3: the bucket holding state"),
    ("key", "s3: the object key of the state file"),
    ("region", "s3: the bucket's region (default: the stack's region)"),
    ("kms_key_id", "s3: a KMS key for server-side encryption (default: SSE-S3)"),
];

pub const VAR_TYPES: &[&str] = &["string", "number", "bool", "list", "map", "any"];

/// A decoded stack file.
#[derive(Debug, Clone, Default)]
pub struct StackFile {
    pub file: FileId,
    pub stack: Option<Spanned<String>>,
    pub extends: Option<Spanned<String>>,
    pub region: Option<Tree>,
    pub state: Option<StateDecl>,
    pub vars: Vec<VarEntry>,
    pub tags: Vec<(Key, Tree)>,
    pub data: Vec<DataDecl>,
    pub resources: Vec<ResourceDecl>,
    pub outputs: Vec<OutputDecl>,
    pub components: Vec<ComponentDecl>,
    pub moved: Vec<MovedDecl>,
    /// The top-level keys present, for files that allow fewer (components).
    pub keys: Vec<Key>,
}

/// One entry under `moved:`.
#[derive(Debug, Clone)]
pub struct MovedDecl {
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    pub span: Span,
}

/// One entry under `components:`: a component file used with values.
#[derive(Debug, Clone)]
pub struct ComponentDecl {
    pub name: Key,
    pub path: Spanned<String>,
    pub vars: Vec<(Key, Tree)>,
    pub for_each: Option<Tree>,
    pub depends_on: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarType {
    String,
    Number,
    Bool,
    List,
    Map,
    Any,
}

impl VarType {
    pub fn parse(s: &str) -> Option<VarType> {
        Some(match s {
            "string" => VarType::String,
            "number" => VarType::Number,
            "bool" => VarType::Bool,
            "list" => VarType::List,
            "map" => VarType::Map,
            "any" => VarType::Any,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            VarType::String => "string",
            VarType::Number => "number",
            VarType::Bool => "bool",
            VarType::List => "list",
            VarType::Map => "map",
            VarType::Any => "any",
        }
    }

    pub fn of(v: &Value) -> VarType {
        match v {
            Value::String(_) => VarType::String,
            Value::Number(_) => VarType::Number,
            Value::Bool(_) => VarType::Bool,
            Value::List(_) => VarType::List,
            Value::Map(_) => VarType::Map,
            Value::Null | Value::Unknown => VarType::Any,
        }
    }

    /// Whether a value fits the type.
    pub fn accepts(self, v: &Value) -> bool {
        matches!(
            (self, v),
            (VarType::Any, _)
                | (_, Value::Null)
                | (VarType::String, Value::String(_))
                | (VarType::Number, Value::Number(_))
                | (VarType::Bool, Value::Bool(_))
                | (VarType::List, Value::List(_))
                | (VarType::Map, Value::Map(_))
        )
    }
}

/// An entry under `vars:`.
#[derive(Debug, Clone)]
pub enum VarEntry {
    /// `name: { type: ..., default: ..., description: ... }`
    Declare { name: Key, ty: VarType, default: Option<Spanned<Value>>, description: Option<String>, sensitive: bool },
    /// `name: value`: sets a variable declared here or in an extended file.
    Set { name: Key, value: Spanned<Value> },
}

impl VarEntry {
    pub fn name(&self) -> &Key {
        match self {
            VarEntry::Declare { name, .. } | VarEntry::Set { name, .. } => name,
        }
    }
}

#[derive(Debug, Clone)]
pub struct StateDecl {
    pub backend: Spanned<String>,
    pub settings: Vec<(Key, Tree)>,
    pub span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    pub protect: bool,
    /// `protect: ${...}`: an expression over variables, evaluated (into
    /// `protect`) when the stack is resolved.
    pub protect_expr: Option<Tree>,
    pub ignore_changes: Vec<Spanned<String>>,
    pub create_before_destroy: bool,
    /// Kept in AWS (forgotten, not deleted) when it leaves the stack or the
    /// stack is destroyed; recorded in state so that it holds once the
    /// definition is gone.
    pub retain: bool,
    /// `timeouts: { create, update, delete }`: overrides of the type's
    /// defaults, in AWS time.
    pub timeouts: Timeouts,
}

/// How long each operation on a resource may take (`None`: the type's default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeouts {
    pub create: Option<std::time::Duration>,
    pub update: Option<std::time::Duration>,
    pub delete: Option<std::time::Duration>,
}

#[derive(Debug, Clone)]
pub struct ResourceDecl {
    pub name: Key,
    pub ty: Spanned<String>,
    pub properties: Vec<(Key, Tree)>,
    /// Where `properties:` is written (or the resource name when absent).
    pub properties_span: Span,
    pub depends_on: Vec<Spanned<String>>,
    pub for_each: Option<Tree>,
    pub region: Option<Tree>,
    pub lifecycle: Lifecycle,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DataDecl {
    pub name: Key,
    pub ty: Spanned<String>,
    pub args: Vec<(Key, Tree)>,
    pub region: Option<Tree>,
}

#[derive(Debug, Clone)]
pub struct OutputDecl {
    pub name: Key,
    pub value: Tree,
    pub description: Option<String>,
    pub sensitive: bool,
}

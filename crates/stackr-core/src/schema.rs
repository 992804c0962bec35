//! Resource type schemas: the contract between the stack language and the
//! reconcilers.
//!
//! Each resource type (`aws.ec2.vpc`) declares its properties (name, type,
//! required or not, updatable in place or forcing replacement, secret or
//! not) and the attributes it exposes after creation. Validation checks
//! stacks against these declarations without any AWS code; the concrete
//! declarations live in the `stackr-schema` crate, one file per type, beside
//! where the reconcilers implement them.

use crate::value::Value;

/// The type of a property or attribute value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PropType {
    String,
    /// A whole number.
    Int,
    /// Any number (e.g. 0.5 ACU).
    Number,
    Bool,
    /// One of the listed strings.
    Enum(&'static [&'static str]),
    List(&'static PropType),
    /// String keys to values of one type.
    Map(&'static PropType),
    /// A structure with declared fields.
    Object(&'static [PropSchema]),
    /// A JSON document (IAM policy, container definitions): a map or list
    /// written in YAML, or a string holding JSON.
    Json,
    /// Anything; checked by the reconciler.
    Any,
}

impl PropType {
    /// A short description for messages and the JSON Schema.
    pub fn describe(&self) -> String {
        match self {
            PropType::String => "a string".into(),
            PropType::Int => "a whole number".into(),
            PropType::Number => "a number".into(),
            PropType::Bool => "true or false".into(),
            PropType::Enum(v) => format!("one of {}", v.join(", ")),
            PropType::List(t) => format!("a list of {}", t.describe_plural()),
            PropType::Map(t) => format!("a map of names to {}", t.describe_plural()),
            PropType::Object(_) => "a map".into(),
            PropType::Json => "a JSON document (a map or list in YAML, or a JSON string)".into(),
            PropType::Any => "any value".into(),
        }
    }

    fn describe_plural(&self) -> String {
        match self {
            PropType::String => "strings".into(),
            PropType::Int => "whole numbers".into(),
            PropType::Number => "numbers".into(),
            PropType::Bool => "booleans".into(),
            PropType::Object(_) => "maps".into(),
            other => other.describe(),
        }
    }
}

/// Whether changing a property can be done in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// Changed through an update call.
    InPlace,
    /// AWS cannot change it: the resource is replaced.
    Replace,
}

/// One property of a resource type (or one field of an object property).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PropSchema {
    pub name: &'static str,
    pub ty: PropType,
    pub required: bool,
    pub update: Update,
    /// Never stored in state nor printed.
    pub secret: bool,
    /// For a secret: shown in plans after all while another property has
    /// one of these values (an SSM parameter's value is shown when its
    /// `type` is `String`, masked when `SecureString`). Still never stored.
    pub shown_when: Option<(&'static str, &'static [&'static str])>,
    /// A list whose order means nothing (ids, ARNs, CIDRs): compared as a set.
    pub unordered: bool,
    /// A map whose keys the stack leaves out keep AWS's values (load
    /// balancer attributes): only the keys the stack sets are compared.
    pub partial: bool,
    /// A setting of stackr's for how to reconcile (Route 53's
    /// `allow_overwrite`), not a value AWS holds: recorded in state, never
    /// compared with what AWS reports.
    pub local: bool,
    /// What AWS accepts beyond the type (a range, a name's length and
    /// characters): checked with the type, before any call.
    pub limit: Option<Limit>,
    /// A name AWS allows once in this scope (a log group's in a region, a
    /// role's in the account): two resources of a stack giving the same
    /// one are refused before any call.
    pub unique: Option<Unique>,
    /// An IPv4 block carved out of the same-named block of the resource
    /// this property names (a subnet's `cidr_block` out of its VPC's,
    /// through `vpc_id`): inside it, and apart from every other block of
    /// this type carved out of it. Checked before any call.
    pub within: Option<&'static str>,
    /// A value AWS allows once among the resources of this type that name
    /// the same parent through the property given here (a listener rule's
    /// priority in its listener). Checked before any call.
    pub unique_in: Option<&'static str>,
    /// What AWS holds when the stack leaves the property out, for settings
    /// whose change outside stackr must not go unseen (a key disabled, an
    /// alarm's actions off, a policy attached to a role): the stack wants
    /// this value unless it writes the property (`null` written: not
    /// managed), so a change of it is drift and apply puts it back.
    pub default: Option<DefaultValue>,
    pub doc: &'static str,
}

/// A property's value when the stack leaves it out ([`PropSchema::default`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    Bool(bool),
    /// An empty list or map (none of them: exactly these are kept).
    Empty,
}

impl DefaultValue {
    /// The value, for a property of type `ty`.
    pub fn value(self, ty: &PropType) -> Value {
        match (self, ty) {
            (DefaultValue::Bool(b), _) => Value::Bool(b),
            (DefaultValue::Empty, PropType::Map(_)) => Value::Map(std::collections::BTreeMap::new()),
            (DefaultValue::Empty, _) => Value::List(Vec::new()),
        }
    }
}

/// Where AWS allows a name once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique {
    Region,
    Account,
    /// Every account and region (S3 bucket names).
    Global,
}

impl Unique {
    pub fn describe(self) -> &'static str {
        match self {
            Unique::Region => "unique in a region",
            Unique::Account => "unique in the account",
            Unique::Global => "unique across all of AWS",
        }
    }
}

/// What AWS accepts of a value beyond its type, as its API reference
/// documents it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// A number from the first to the second, both included.
    Range(f64, f64),
    /// A string of the first to the second number of characters, each one
    /// of the third: character ranges and characters (`a-z0-9.-`; a `-`
    /// last stands for itself; empty: any character).
    Text(usize, usize, &'static str),
    /// One of these numbers (CloudWatch Logs' retention periods).
    OneOf(&'static [f64]),
    /// An IPv4 CIDR block (`10.0.0.0/16`) whose prefix length is from the
    /// first to the second, its address the block's first (no host bits).
    Cidr4(u8, u8),
    /// Any text that does not start with this (a security group's name
    /// cannot start with `sg-`).
    NotPrefixed(&'static str),
    /// An IAM policy document ([`crate::policy`]).
    Policy,
    /// Tags as AWS takes them: keys of 1 to 128 characters that do not
    /// start with `aws:` (AWS's own) or `stackr:` (stackr's), values of at
    /// most 256, and at most 48 of them (AWS allows 50 a resource, and
    /// stackr adds two).
    /// <https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions>
    Tags,
}

/// Most tags a resource's own map may hold: AWS's 50, less stackr's two.
pub const MAX_TAGS: usize = 48;

/// What is wrong with one tag, if anything (its value is not shown).
pub fn tag_problem(key: &str, value: &str) -> Option<String> {
    let (k, v) = (key.chars().count(), value.chars().count());
    if key.starts_with("aws:") || key.starts_with("stackr:") {
        Some(format!(
            "tag `{key}` uses a reserved prefix: `aws:` tags are AWS's and `stackr:` tags stackr's; choose another key"
        ))
    } else if k == 0 || k > 128 {
        Some(format!("a tag key has {k} characters; AWS takes 1 to 128"))
    } else if v > 256 {
        Some(format!("the value of tag `{key}` has {v} characters; AWS takes at most 256"))
    } else {
        None
    }
}

impl Limit {
    /// (Values of other types are the type check's business.)
    /// What is wrong with `v`, if anything; `secret`: the message never
    /// shows the value nor any of its characters.
    pub fn problem(&self, v: &Value, secret: bool) -> Option<String> {
        let shown = |t: &str| if secret { "the value".to_string() } else { format!("`{t}`") };
        match (self, v) {
            (Limit::Range(lo, hi), Value::Number(n)) if n < lo || n > hi => {
                Some(format!("{} is out of range: it must be {}", crate::value::format_number(*n), self.describe()))
            }
            (Limit::Text(lo, hi, chars), Value::String(t)) => {
                let n = t.chars().count();
                if n < *lo || n > *hi {
                    return Some(if lo == hi {
                        format!("{} has {n} characters; it must have {lo}", shown(t))
                    } else {
                        format!("{} has {n} characters; it must have {lo} to {hi}", shown(t))
                    });
                }
                let bad: Vec<char> = t.chars().filter(|c| !chars.is_empty() && !allowed(chars, *c)).collect();
                if secret && !bad.is_empty() {
                    return Some(format!(
                        "the value holds characters it may not; it may hold only {}",
                        describe_chars(chars)
                    ));
                }
                (!bad.is_empty()).then(|| {
                    let mut shown: Vec<String> = Vec::new();
                    for c in bad {
                        let c = format!("`{c}`");
                        if !shown.contains(&c) {
                            shown.push(c);
                        }
                    }
                    format!("`{t}` holds {}; it may hold only {}", shown.join(", "), describe_chars(chars))
                })
            }
            (Limit::OneOf(set), Value::Number(n)) if !set.contains(n) => Some(format!(
                "{} is not one of the values AWS takes: {}",
                crate::value::format_number(*n),
                self.describe()
            )),
            (Limit::Cidr4(lo, hi), Value::String(t)) => cidr4_problem(t, *lo, *hi),
            (Limit::Policy, v) => crate::policy::problem(v),
            (Limit::Tags, Value::Map(m)) => {
                if m.len() > MAX_TAGS {
                    return Some(format!(
                        "{} tags: AWS takes 50 a resource, and stackr adds two (`stackr:stack`, `stackr:resource`), \
                         so at most {MAX_TAGS}",
                        m.len()
                    ));
                }
                m.iter().find_map(|(k, v)| match v {
                    Value::String(v) => tag_problem(k, v),
                    _ => tag_problem(k, ""),
                })
            }
            (Limit::NotPrefixed(prefix), Value::String(t)) if t.starts_with(prefix) => {
                Some(format!("{} starts with `{prefix}`, which AWS keeps for its own ids", shown(t)))
            }
            _ => None,
        }
    }

    /// The limit in words, for documentation.
    pub fn describe(&self) -> String {
        match self {
            Limit::Range(lo, hi) if hi.is_infinite() => format!("at least {}", crate::value::format_number(*lo)),
            Limit::Range(lo, hi) => {
                format!("{} to {}", crate::value::format_number(*lo), crate::value::format_number(*hi))
            }
            Limit::Text(lo, hi, "") => format!("{lo} to {hi} characters"),
            Limit::Text(lo, hi, chars) => format!("{lo} to {hi} characters: {}", describe_chars(chars)),
            Limit::OneOf(set) => set.iter().map(|n| crate::value::format_number(*n)).collect::<Vec<_>>().join(", "),
            Limit::Cidr4(lo, hi) => format!("an IPv4 CIDR block, /{lo} to /{hi}, e.g. {}", cidr4_example(*lo, *hi)),
            Limit::NotPrefixed(prefix) => format!("not starting with `{prefix}`"),
            Limit::Policy => "an IAM policy document".to_string(),
            Limit::Tags => format!(
                "at most {MAX_TAGS} tags, keys of 1 to 128 characters not starting with `aws:` or `stackr:`, \
                 values of at most 256"
            ),
        }
    }
}

/// A block of a private range with a prefix in `lo..=hi` (a /16 when
/// allowed: the size of a typical VPC).
fn cidr4_example(lo: u8, hi: u8) -> String {
    format!("10.0.0.0/{}", 16.clamp(lo, hi.max(lo)))
}

/// What is wrong with `t` as an IPv4 CIDR block of prefix `lo` to `hi`.
fn cidr4_problem(t: &str, lo: u8, hi: u8) -> Option<String> {
    let expected = || format!("it must be an IPv4 CIDR block, /{lo} to /{hi}, e.g. {}", cidr4_example(lo, hi));
    let Some((addr, len)) = t.split_once('/') else {
        return Some(format!("`{t}` is not a CIDR block: {}", expected()));
    };
    let (Ok(addr), Ok(len)) = (addr.parse::<std::net::Ipv4Addr>(), len.parse::<u8>()) else {
        return Some(format!("`{t}` is not a CIDR block: {}", expected()));
    };
    if len > 32 {
        return Some(format!("`{t}` is not a CIDR block: {}", expected()));
    }
    if len < lo || len > hi {
        return Some(format!("`{t}` is a /{len}: {}", expected()));
    }
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    let bits = u32::from(addr);
    (bits & !mask != 0).then(|| {
        let network = std::net::Ipv4Addr::from(bits & mask);
        format!("`{t}` has host bits set: the block is `{network}/{len}`")
    })
}

/// Whether `c` is one of `spec` (`a-z0-9.-`).
fn allowed(spec: &str, c: char) -> bool {
    let s: Vec<char> = spec.chars().collect();
    let mut i = 0;
    while i < s.len() {
        if i + 2 < s.len() && s[i + 1] == '-' {
            if (s[i]..=s[i + 2]).contains(&c) {
                return true;
            }
            i += 3;
        } else {
            if s[i] == c {
                return true;
            }
            i += 1;
        }
    }
    false
}

fn describe_chars(spec: &str) -> String {
    let s: Vec<char> = spec.chars().collect();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if i + 2 < s.len() && s[i + 1] == '-' {
            parts.push(match (s[i], s[i + 2]) {
                ('a', 'z') => "lower-case letters".to_string(),
                ('A', 'Z') => "upper-case letters".to_string(),
                ('0', '9') => "digits".to_string(),
                (a, b) => format!("`{a}` to `{b}`"),
            });
            i += 3;
        } else {
            parts.push(format!("`{}`", s[i]));
            i += 1;
        }
    }
    parts.join(", ")
}

/// Declares an optional, updatable property; refine with the builder methods.
pub const fn prop(name: &'static str, ty: PropType) -> PropSchema {
    PropSchema {
        name,
        ty,
        required: false,
        update: Update::InPlace,
        secret: false,
        shown_when: None,
        unordered: false,
        partial: false,
        local: false,
        limit: None,
        unique: None,
        within: None,
        unique_in: None,
        default: None,
        doc: "",
    }
}

impl PropSchema {
    pub const fn required(self) -> Self {
        PropSchema { required: true, ..self }
    }
    /// Wanted as `value` when the stack leaves it out ([`PropSchema::default`]).
    pub const fn default_bool(self, value: bool) -> Self {
        PropSchema { default: Some(DefaultValue::Bool(value)), ..self }
    }
    /// Wanted empty when the stack leaves it out: exactly the ones written
    /// are kept, none when none are.
    pub const fn default_empty(self) -> Self {
        PropSchema { default: Some(DefaultValue::Empty), ..self }
    }
    pub const fn replaces(self) -> Self {
        PropSchema { update: Update::Replace, ..self }
    }
    pub const fn secret(self) -> Self {
        PropSchema { secret: true, ..self }
    }
    pub const fn shown_when(self, property: &'static str, values: &'static [&'static str]) -> Self {
        PropSchema { shown_when: Some((property, values)), ..self }
    }
    /// Whether this property's value is masked in plans, given the other
    /// properties wanted (see [`PropSchema::shown_when`]).
    pub fn masked(&self, props: &std::collections::BTreeMap<String, crate::value::Value>) -> bool {
        self.secret
            && !self.shown_when.is_some_and(|(other, values)| {
                matches!(props.get(other), Some(crate::value::Value::String(v)) if values.contains(&v.as_str()))
            })
    }
    pub const fn unordered(self) -> Self {
        PropSchema { unordered: true, ..self }
    }
    pub const fn partial(self) -> Self {
        PropSchema { partial: true, ..self }
    }
    pub const fn local(self) -> Self {
        PropSchema { local: true, ..self }
    }
    pub const fn doc(self, doc: &'static str) -> Self {
        PropSchema { doc, ..self }
    }
    /// The field of a structure this property holds at `path` (`a.b`,
    /// `[0].b`, as problems name them); itself for an empty path.
    pub fn field_at(&self, path: &str) -> Option<&PropSchema> {
        let mut here = self;
        for part in path.split('.').filter(|p| !p.is_empty()) {
            let name = part.split('[').next().unwrap_or_default();
            if name.is_empty() {
                continue;
            }
            let fields = match here.ty {
                PropType::Object(fields) => fields,
                PropType::List(PropType::Object(fields)) | PropType::Map(PropType::Object(fields)) => fields,
                _ => return None,
            };
            here = fields.iter().find(|f| f.name == name)?;
        }
        Some(here)
    }
    /// A number AWS takes from `lo` to `hi`, both included.
    pub const fn range(self, lo: f64, hi: f64) -> Self {
        PropSchema { limit: Some(Limit::Range(lo, hi)), ..self }
    }
    /// A number AWS takes from `lo` up.
    pub const fn at_least(self, lo: f64) -> Self {
        PropSchema { limit: Some(Limit::Range(lo, f64::INFINITY)), ..self }
    }
    /// A string AWS takes with `lo` to `hi` characters, each one of
    /// `chars` (see [`Limit::Text`]).
    pub const fn text(self, lo: usize, hi: usize, chars: &'static str) -> Self {
        PropSchema { limit: Some(Limit::Text(lo, hi, chars)), ..self }
    }
    /// A number AWS takes from `set` only.
    pub const fn one_of(self, set: &'static [f64]) -> Self {
        PropSchema { limit: Some(Limit::OneOf(set)), ..self }
    }
    /// An IPv4 CIDR block of prefix `/lo` to `/hi` (see [`Limit::Cidr4`]).
    pub const fn cidr4(self, lo: u8, hi: u8) -> Self {
        PropSchema { limit: Some(Limit::Cidr4(lo, hi)), ..self }
    }
    /// A name AWS allows once in `scope`.
    pub const fn unique(self, scope: Unique) -> Self {
        PropSchema { unique: Some(scope), ..self }
    }
    /// An IPv4 block inside the one of the resource that property `via`
    /// names, and apart from the other blocks carved out of it.
    pub const fn within(self, via: &'static str) -> Self {
        PropSchema { within: Some(via), ..self }
    }
    /// A value allowed once among the resources of this type that name
    /// the same parent through property `via`.
    pub const fn unique_in(self, via: &'static str) -> Self {
        PropSchema { unique_in: Some(via), ..self }
    }
    /// An IAM policy document (each one, in a map of them).
    pub const fn policy(self) -> Self {
        PropSchema { limit: Some(Limit::Policy), ..self }
    }
    /// Text that does not start with `prefix`.
    pub const fn tags(self) -> Self {
        PropSchema { limit: Some(Limit::Tags), ..self }
    }
    pub const fn not_prefixed(self, prefix: &'static str) -> Self {
        PropSchema { limit: Some(Limit::NotPrefixed(prefix)), ..self }
    }
}

/// One attribute a resource exposes once it exists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttrSchema {
    pub name: &'static str,
    pub ty: PropType,
    pub doc: &'static str,
}

pub const fn attr(name: &'static str, ty: PropType, doc: &'static str) -> AttrSchema {
    AttrSchema { name, ty, doc }
}

/// Is this a managed resource or a read-only look-up (`data:`)?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Resource,
    Data,
}

/// The declaration of one resource or data type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TypeSchema {
    /// `aws.<service>.<type>`.
    pub kind: &'static str,
    pub role: Role,
    pub doc: &'static str,
    pub properties: &'static [PropSchema],
    pub attributes: &'static [AttrSchema],
    /// Accepts a `tags` property and receives the stack's tags plus
    /// `stackr:stack` and `stackr:resource`.
    pub taggable: bool,
    /// Has a "ready" state reached some time after creation (an Aurora
    /// cluster becoming available); dependants that need readiness wait.
    pub has_readiness: bool,
}

/// The property every taggable type accepts.
pub const TAGS_PROP: PropSchema =
    prop("tags", PropType::Map(&PropType::String)).tags().doc("Tags for this resource, merged over the stack's tags.");

impl TypeSchema {
    pub fn property(&self, name: &str) -> Option<&PropSchema> {
        self.properties
            .iter()
            .find(|p| p.name == name)
            .or_else(|| (self.taggable && name == "tags").then_some(&TAGS_PROP))
    }

    pub fn attribute(&self, name: &str) -> Option<&AttrSchema> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Names a reference `resource.<name>` may use: attributes and properties.
    pub fn referenceable(&self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self.attributes.iter().map(|a| a.name).collect();
        for p in self.properties {
            if !v.contains(&p.name) {
                v.push(p.name);
            }
        }
        if self.taggable && !v.contains(&"tags") {
            v.push("tags");
        }
        v
    }

    pub fn property_names(&self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self.properties.iter().map(|p| p.name).collect();
        if self.taggable {
            v.push("tags");
        }
        v
    }
}

/// All known types. Implemented by the schema crate; tests use small ones.
///
/// A kind may be declared twice, once as a resource and once as a data
/// look-up (`aws.route53.hosted_zone` makes a zone under `resources:` and
/// finds an existing one under `data:`): [`Catalog::get_role`] picks one.
pub trait Catalog: Sync {
    /// The first declaration of `kind`, whatever its role.
    fn get(&self, kind: &str) -> Option<&'static TypeSchema>;
    fn all(&self) -> Vec<&'static TypeSchema>;

    /// The declaration of `kind` in `role`.
    fn get_role(&self, kind: &str, role: Role) -> Option<&'static TypeSchema> {
        self.all().into_iter().find(|t| t.kind == kind && t.role == role)
    }
}

/// A catalog over a static list.
pub struct StaticCatalog(pub &'static [&'static TypeSchema]);

impl Catalog for StaticCatalog {
    fn get(&self, kind: &str) -> Option<&'static TypeSchema> {
        self.0.iter().copied().find(|t| t.kind == kind)
    }
    fn all(&self) -> Vec<&'static TypeSchema> {
        self.0.to_vec()
    }
}

/// A problem found when checking a value against a type: the path inside
/// the value (`ingress[0].port`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeMismatch {
    pub path: String,
    pub message: String,
    pub help: Option<String>,
}

/// Checks a value against a declared type. Unknown values are accepted:
/// they are checked again when known.
/// [`check_value`] for a property or field, with its [`Limit`] (checked
/// on the value, or on each element of a list).
pub fn check_prop(p: &PropSchema, v: &Value, path: &str, out: &mut Vec<TypeMismatch>) {
    let before = out.len();
    check_value(&p.ty, v, path, out);
    let (Some(limit), true) = (p.limit, out.len() == before) else { return };
    let items: Vec<(String, &Value)> = match (p.ty, v) {
        // Tags are checked as a whole (their number, and keys with values).
        (_, v) if matches!(limit, Limit::Tags) => vec![(path.to_string(), v)],
        (PropType::List(_), Value::List(items)) => {
            items.iter().enumerate().map(|(i, v)| (format!("{path}[{i}]"), v)).collect()
        }
        (PropType::Map(_), Value::Map(m)) => m.iter().map(|(k, v)| (format!("{path}.{k}"), v)).collect(),
        (_, v) => vec![(path.to_string(), v)],
    };
    for (at, v) in items {
        if let Some(message) = limit.problem(v, p.secret) {
            out.push(TypeMismatch { path: at, message, help: None });
        }
    }
}

pub fn check_value(ty: &PropType, v: &Value, path: &str, out: &mut Vec<TypeMismatch>) {
    let mismatch = |out: &mut Vec<TypeMismatch>| {
        out.push(TypeMismatch {
            path: path.to_string(),
            message: format!("expected {}, found {}", ty.describe(), describe_value(v)),
            help: None,
        })
    };
    match (ty, v) {
        (_, Value::Unknown) | (PropType::Any, _) => {}
        (PropType::String, Value::String(_)) => {}
        // Numbers and booleans written where a string is wanted are
        // accepted as their text (`port: 443` for a string port).
        (PropType::String, Value::Number(_) | Value::Bool(_)) => {}
        // Whole, and within what a number carries exactly (2^53): beyond
        // that `99999999999999999999999` would be sent as another number.
        (PropType::Int, Value::Number(n)) if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 => {}
        (PropType::Int, Value::Number(n)) if n.fract() == 0.0 => out.push(TypeMismatch {
            path: path.to_string(),
            message: format!(
                "{} is too large: a whole number here is at most 9007199254740991 either way",
                crate::value::format_number(*n)
            ),
            help: None,
        }),
        (PropType::Number, Value::Number(_)) => {}
        (PropType::Bool, Value::Bool(_)) => {}
        (PropType::Enum(allowed), Value::String(s)) => {
            if !allowed.contains(&s.as_str()) {
                out.push(TypeMismatch {
                    path: path.to_string(),
                    message: format!("`{s}` is not a valid value"),
                    help: Some(crate::diag::suggest(s, allowed, "values")),
                });
            }
        }
        (PropType::List(inner), Value::List(items)) => {
            for (i, item) in items.iter().enumerate() {
                check_value(inner, item, &format!("{path}[{i}]"), out);
            }
        }
        (PropType::Map(inner), Value::Map(m)) => {
            for (k, item) in m {
                check_value(inner, item, &format!("{path}.{k}"), out);
            }
        }
        (PropType::Object(fields), Value::Map(m)) => {
            for (k, item) in m {
                match fields.iter().find(|f| f.name == *k) {
                    Some(f) => check_prop(f, item, &format!("{path}.{k}"), out),
                    None => {
                        let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
                        out.push(TypeMismatch {
                            path: format!("{path}.{k}"),
                            message: format!("unknown field `{k}`"),
                            help: Some(crate::diag::suggest(k, &names, "fields")),
                        });
                    }
                }
            }
            for f in fields.iter().filter(|f| f.required) {
                if !m.contains_key(f.name) {
                    out.push(TypeMismatch {
                        path: path.to_string(),
                        message: format!("missing required field `{}`", f.name),
                        help: Some(format!("`{}` is {}", f.name, f.ty.describe())),
                    });
                }
            }
        }
        (PropType::Json, Value::Map(_) | Value::List(_)) => {}
        (PropType::Json, Value::String(s)) => {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(s) {
                out.push(TypeMismatch {
                    path: path.to_string(),
                    message: format!("not valid JSON: {e}"),
                    help: Some("write the document as a YAML map instead of a JSON string".into()),
                });
            }
        }
        _ => mismatch(out),
    }
}

fn describe_value(v: &Value) -> String {
    match v {
        Value::String(s) if s.len() <= 40 => format!("the string {s:?}"),
        Value::Number(n) => format!("the number {}", crate::value::format_number(*n)),
        Value::Bool(b) => format!("`{b}`"),
        other => other.type_name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(p: &PropSchema, v: Value) -> Vec<String> {
        let mut out = Vec::new();
        check_prop(p, &v, "", &mut out);
        out.into_iter().map(|m| format!("{}: {}", m.path, m.message)).collect()
    }

    #[test]
    fn a_range_is_checked_on_numbers_and_on_each_element_of_a_list() {
        let p = prop("n", PropType::Int).range(0.0, 20.0);
        assert!(problems(&p, Value::Number(20.0)).is_empty());
        assert_eq!(problems(&p, Value::Number(21.0)), [": 21 is out of range: it must be 0 to 20"]);
        let l = prop("l", PropType::List(&PropType::Int)).range(1.0, 2.0);
        let list = Value::List(vec![Value::Number(1.0), Value::Number(3.0)]);
        assert_eq!(problems(&l, list), ["[1]: 3 is out of range: it must be 1 to 2"]);
        let up = prop("d", PropType::Int).at_least(1.0);
        assert_eq!(problems(&up, Value::Number(0.0)), [": 0 is out of range: it must be at least 1"]);
        assert_eq!(up.limit.unwrap().describe(), "at least 1");
    }

    #[test]
    fn text_is_checked_for_length_and_characters() {
        let p = prop("name", PropType::String).text(3, 8, "a-z0-9.-");
        assert!(problems(&p, Value::String("my-b.1".into())).is_empty());
        assert_eq!(problems(&p, Value::String("ab".into())), [": `ab` has 2 characters; it must have 3 to 8"]);
        assert_eq!(
            problems(&p, Value::String("My_Bu_".into())),
            [": `My_Bu_` holds `M`, `_`, `B`; it may hold only lower-case letters, digits, `.`, `-`"]
        );
        assert_eq!(p.limit.unwrap().describe(), "3 to 8 characters: lower-case letters, digits, `.`, `-`");
        let any = prop("token", PropType::String).text(2, 3, "");
        assert!(problems(&any, Value::String("@/%".into())).is_empty());
        let secret = prop("token", PropType::String).secret().text(4, 8, "a-z");
        assert_eq!(
            problems(&secret, Value::String("hunter2".into())),
            [": the value holds characters it may not; it may hold only lower-case letters"]
        );
        assert_eq!(
            problems(&secret, Value::String("abc".into())),
            [": the value has 3 characters; it must have 4 to 8"]
        );
    }

    #[test]
    fn unknown_values_and_type_mismatches_are_not_limit_problems() {
        let p = prop("n", PropType::Int).range(0.0, 1.0);
        assert!(problems(&p, Value::Unknown).is_empty());
        assert_eq!(problems(&p, Value::String("x".into())).len(), 1, "only the type mismatch");
    }
}

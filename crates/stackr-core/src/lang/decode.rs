//! Decodes a parsed YAML document into a [`StackFile`], collecting every
//! structural error (unknown keys, wrong kinds of value, bad names) rather
//! than stopping at the first.

use super::ast::*;
use super::tree::{Tree, node_value, string_template};
use crate::diag::{Diagnostic, Diagnostics, suggest};
use crate::source::{FileId, SourceMap, Span};
use crate::value::Value;
use crate::yaml::{Key, Node, NodeKind};

/// Names that cannot name a resource, variable, data look-up or output
/// because expressions give them a meaning.
pub const RESERVED: &[&str] = &["var", "data", "each", "self", "true", "false", "null"];

pub fn decode(file: FileId, root: &Node, sources: &SourceMap, diags: &mut Diagnostics) -> StackFile {
    let mut d = Decoder { sources, diags };
    let mut out = StackFile { file, ..Default::default() };
    let entries = match &root.kind {
        NodeKind::Map(m) => m,
        NodeKind::Null => return out,
        _ => {
            d.err(
                root.span,
                format!("a stack file must be a mapping, found {}", root.type_name()),
                Some("start with `stack: <name>` and `resources:`".into()),
            );
            return out;
        }
    };
    for (key, value) in entries {
        out.keys.push(key.clone());
        match key.name.as_str() {
            "stack" => out.stack = d.string(value, "`stack`"),
            "extends" => out.extends = d.string(value, "`extends`"),
            "region" => out.region = d.template_string(value, "`region`"),
            "state" => out.state = d.state(value),
            "vars" => out.vars = d.entries(value, "`vars`", |d, k, v| d.var(k, v)),
            "tags" => {
                out.tags = d.entries(value, "`tags`", |d, k, v| {
                    d.tree_scalar(v, &format!("tag `{}`", k.name)).map(|t| (k.clone(), t))
                })
            }
            "data" => out.data = d.entries(value, "`data`", |d, k, v| d.data(k, v)),
            "resources" => out.resources = d.entries(value, "`resources`", |d, k, v| d.resource(k, v)),
            "outputs" => out.outputs = d.entries(value, "`outputs`", |d, k, v| d.output(k, v)),
            "components" => out.components = d.entries(value, "`components`", |d, k, v| d.component(k, v)),
            "moved" => out.moved = d.moved(value),
            other => d.unknown_key(key, other, TOP_KEYS, "top-level keys"),
        }
    }
    out
}

struct Decoder<'a> {
    sources: &'a SourceMap,
    diags: &'a mut Diagnostics,
}

impl Decoder<'_> {
    fn err(&mut self, span: Span, msg: String, help: Option<String>) {
        let mut d = Diagnostic::new(span, msg);
        d.help = help;
        self.diags.push(d);
    }

    fn unknown_key(&mut self, key: &Key, name: &str, table: &[(&str, &str)], what: &str) {
        let valid: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
        self.err(key.span, format!("unknown key `{name}`"), Some(suggest(name, &valid, what)));
    }

    fn map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [(Key, Node)]> {
        match &node.kind {
            NodeKind::Map(m) => Some(m),
            NodeKind::Null => Some(&[]),
            _ => {
                self.err(node.span, format!("{what} must be a mapping, found {}", node.type_name()), None);
                None
            }
        }
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        match &node.kind {
            NodeKind::String(s) => Some(Spanned { value: s.clone(), span: node.span }),
            _ => {
                self.err(node.span, format!("{what} must be a string, found {}", node.type_name()), None);
                None
            }
        }
    }

    fn bool(&mut self, node: &Node, what: &str) -> bool {
        match &node.kind {
            NodeKind::Bool(b) => *b,
            _ => {
                self.err(node.span, format!("{what} must be true or false, found {}", node.type_name()), None);
                false
            }
        }
    }

    fn template_string(&mut self, node: &Node, what: &str) -> Option<Tree> {
        match &node.kind {
            NodeKind::String(s) => Some(Tree::Str(string_template(s, node.span, self.sources, self.diags))),
            _ => {
                self.err(node.span, format!("{what} must be a string, found {}", node.type_name()), None);
                None
            }
        }
    }

    /// A scalar value that may hold a template (tag values).
    fn tree_scalar(&mut self, node: &Node, what: &str) -> Option<Tree> {
        match &node.kind {
            NodeKind::Seq(_) | NodeKind::Map(_) => {
                self.err(node.span, format!("{what} must be a single value, found {}", node.type_name()), None);
                None
            }
            _ => Some(Tree::from_node(node, self.sources, self.diags)),
        }
    }

    fn name_ok(&mut self, key: &Key, what: &str) -> bool {
        let n = &key.name;
        let mut chars = n.chars();
        let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            self.err(
                key.span,
                format!("`{n}` is not a valid {what} name"),
                Some("names start with a letter or `_` and hold letters, digits, `_` and `-`".into()),
            );
            return false;
        }
        if RESERVED.contains(&n.as_str()) {
            self.err(
                key.span,
                format!("`{n}` is reserved and cannot name a {what}"),
                Some(format!("reserved names: {}", RESERVED.join(", "))),
            );
            return false;
        }
        true
    }

    /// Decodes each entry of a mapping section with `f`.
    fn entries<T>(
        &mut self,
        node: &Node,
        what: &str,
        mut f: impl FnMut(&mut Self, &Key, &Node) -> Option<T>,
    ) -> Vec<T> {
        let Some(m) = self.map(node, what) else {
            return Vec::new();
        };
        m.iter().filter_map(|(k, v)| f(self, k, v)).collect()
    }

    fn state(&mut self, node: &Node) -> Option<StateDecl> {
        let m = self.map(node, "`state`")?;
        let mut backend = None;
        let mut settings = Vec::new();
        for (k, v) in m {
            match k.name.as_str() {
                "backend" => backend = self.string(v, "`state.backend`"),
                "path" | "bucket" | "key" | "region" | "kms_key_id" => {
                    if let Some(t) = self.template_string(v, &format!("`state.{}`", k.name)) {
                        settings.push((k.clone(), t));
                    }
                }
                other => self.unknown_key(k, other, STATE_KEYS, "state settings"),
            }
        }
        let backend = match backend {
            Some(b) if b.value == "local" || b.value == "s3" => b,
            Some(b) => {
                self.err(
                    b.span,
                    format!("unknown state backend `{}`", b.value),
                    Some(suggest(&b.value, &["local", "s3"], "backends")),
                );
                return None;
            }
            None => Spanned { value: "local".into(), span: node.span },
        };
        Some(StateDecl { backend, settings, span: node.span })
    }

    fn var(&mut self, key: &Key, node: &Node) -> Option<VarEntry> {
        if !self.name_ok(key, "variable") {
            return None;
        }
        // A mapping with a `type` key is a declaration; anything else a value.
        let is_decl = node.as_map().is_some_and(|m| m.iter().any(|(k, _)| k.name == "type"));
        if !is_decl {
            return Some(VarEntry::Set {
                name: key.clone(),
                value: Spanned { value: node_value(node), span: node.span },
            });
        }
        let m = node.as_map().unwrap_or(&[]);
        let mut ty = VarType::Any;
        let mut default = None;
        let mut description = None;
        let mut sensitive = false;
        for (k, v) in m {
            match k.name.as_str() {
                "type" => {
                    if let Some(s) = self.string(v, "a variable's `type`") {
                        match VarType::parse(&s.value) {
                            Some(t) => ty = t,
                            None => self.err(
                                s.span,
                                format!("unknown variable type `{}`", s.value),
                                Some(suggest(&s.value, VAR_TYPES, "types")),
                            ),
                        }
                    }
                }
                "default" => default = Some(Spanned { value: node_value(v), span: v.span }),
                "description" => description = self.string(v, "a variable's `description`").map(|s| s.value),
                "sensitive" => sensitive = self.bool(v, "a variable's `sensitive`"),
                other => self.unknown_key(k, other, VAR_KEYS, "variable settings"),
            }
        }
        if let Some(d) = &default
            && !ty.accepts(&d.value)
        {
            self.err(
                d.span,
                format!("the default of `{}` is {}, but its type is {}", key.name, d.value.type_name(), ty.name()),
                None,
            );
        }
        Some(VarEntry::Declare { name: key.clone(), ty, default, description, sensitive })
    }

    fn resource(&mut self, key: &Key, node: &Node) -> Option<ResourceDecl> {
        let name_ok = self.name_ok(key, "resource");
        let m = self.map(node, &format!("resource `{}`", key.name))?;
        let mut ty = None;
        let mut properties = Vec::new();
        let mut properties_span = key.span;
        let mut depends_on = Vec::new();
        let mut for_each = None;
        let mut region = None;
        let mut lifecycle = Lifecycle::default();
        let mut description = None;
        for (k, v) in m {
            match k.name.as_str() {
                "type" => ty = self.string(v, "`type`"),
                "properties" => {
                    properties_span = k.span;
                    if let Some(pm) = self.map(v, "`properties`") {
                        properties = pm
                            .iter()
                            .map(|(pk, pv)| (pk.clone(), Tree::from_node(pv, self.sources, self.diags)))
                            .collect();
                    }
                }
                "depends_on" => depends_on = self.string_list(v, "`depends_on`"),
                "for_each" => for_each = Some(Tree::from_node(v, self.sources, self.diags)),
                "region" => region = self.template_string(v, "`region`"),
                "lifecycle" => lifecycle = self.lifecycle(v),
                "description" => description = self.string(v, "`description`").map(|s| s.value),
                other => self.unknown_key(k, other, RESOURCE_KEYS, "resource keys"),
            }
        }
        let Some(ty) = ty else {
            self.err(
                key.span,
                format!("resource `{}` has no `type`", key.name),
                Some(
                    "add `type: aws.<service>.<type>`, e.g. `type: aws.ec2.vpc`; `stackr schema --list` lists them"
                        .into(),
                ),
            );
            return None;
        };
        if !name_ok {
            return None;
        }
        Some(ResourceDecl {
            name: key.clone(),
            ty,
            properties,
            properties_span,
            depends_on,
            for_each,
            region,
            lifecycle,
            description,
        })
    }

    fn moved(&mut self, node: &Node) -> Vec<MovedDecl> {
        let NodeKind::Seq(items) = &node.kind else {
            self.err(
                node.span,
                format!("`moved` must be a list, found {}", node.type_name()),
                Some("e.g. `moved: [{ from: site_a, to: site_dns.a }]`".into()),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            let Some(m) = self.map(item, "each entry of `moved`") else { continue };
            let (mut from, mut to) = (None, None);
            for (k, v) in m {
                match k.name.as_str() {
                    "from" => from = self.string(v, "`from`"),
                    "to" => to = self.string(v, "`to`"),
                    other => self.unknown_key(k, other, MOVED_KEYS, "keys of a move"),
                }
            }
            match (from, to) {
                (Some(from), Some(to)) => out.push(MovedDecl { from, to, span: item.span }),
                _ => self.err(
                    item.span,
                    "a move needs `from` and `to`".into(),
                    Some("e.g. `{ from: site_a, to: site_dns.a }`".into()),
                ),
            }
        }
        out
    }

    fn component(&mut self, key: &Key, node: &Node) -> Option<ComponentDecl> {
        let name_ok = self.name_ok(key, "component");
        let m = self.map(node, &format!("component `{}`", key.name))?;
        let mut path = None;
        let mut vars = Vec::new();
        let mut for_each = None;
        let mut depends_on = Vec::new();
        for (k, v) in m {
            match k.name.as_str() {
                "use" => path = self.string(v, "`use`"),
                "vars" => {
                    if let Some(vm) = self.map(v, "a component's `vars`") {
                        vars = vm
                            .iter()
                            .map(|(vk, vv)| (vk.clone(), Tree::from_node(vv, self.sources, self.diags)))
                            .collect();
                    }
                }
                "for_each" => for_each = Some(Tree::from_node(v, self.sources, self.diags)),
                "depends_on" => depends_on = self.string_list(v, "`depends_on`"),
                "description" => {
                    self.string(v, "`description`");
                }
                other => self.unknown_key(k, other, COMPONENT_KEYS, "component keys"),
            }
        }
        let Some(path) = path else {
            self.err(
                key.span,
                format!("component `{}` has no `use`", key.name),
                Some("add `use: ./components/<file>.yaml`, the component file relative to this one".into()),
            );
            return None;
        };
        name_ok.then_some(ComponentDecl { name: key.clone(), path, vars, for_each, depends_on })
    }

    fn string_list(&mut self, node: &Node, what: &str) -> Vec<Spanned<String>> {
        match &node.kind {
            NodeKind::Seq(items) => {
                items.iter().filter_map(|i| self.string(i, &format!("each entry of {what}"))).collect()
            }
            NodeKind::String(s) => vec![Spanned { value: s.clone(), span: node.span }],
            _ => {
                self.err(node.span, format!("{what} must be a list of names, found {}", node.type_name()), None);
                Vec::new()
            }
        }
    }

    fn lifecycle(&mut self, node: &Node) -> Lifecycle {
        let mut l = Lifecycle::default();
        let Some(m) = self.map(node, "`lifecycle`") else {
            return l;
        };
        for (k, v) in m {
            match k.name.as_str() {
                "protect" => match &v.kind {
                    NodeKind::String(_) => l.protect_expr = self.template_string(v, "`lifecycle.protect`"),
                    _ => l.protect = self.bool(v, "`lifecycle.protect`"),
                },
                "ignore_changes" => l.ignore_changes = self.string_list(v, "`lifecycle.ignore_changes`"),
                "create_before_destroy" => l.create_before_destroy = self.bool(v, "`lifecycle.create_before_destroy`"),
                "retain" => l.retain = self.bool(v, "`lifecycle.retain`"),
                "timeouts" => l.timeouts = self.timeouts(v),
                other => self.unknown_key(k, other, LIFECYCLE_KEYS, "lifecycle settings"),
            }
        }
        l
    }

    fn timeouts(&mut self, node: &Node) -> Timeouts {
        let mut t = Timeouts::default();
        let Some(m) = self.map(node, "`lifecycle.timeouts`") else {
            return t;
        };
        for (k, v) in m {
            let slot = match k.name.as_str() {
                "create" => &mut t.create,
                "update" => &mut t.update,
                "delete" => &mut t.delete,
                other => {
                    self.unknown_key(k, other, TIMEOUT_KEYS, "operations with a timeout");
                    continue;
                }
            };
            let what = format!("`lifecycle.timeouts.{}`", k.name);
            let NodeKind::String(text) = &v.kind else {
                self.err(
                    v.span,
                    format!("{what} must be a duration, found {}", v.type_name()),
                    Some(format!("write {}", crate::duration::FORMS)),
                );
                continue;
            };
            let text = Spanned { value: text.clone(), span: v.span };
            match crate::duration::parse(&text.value) {
                Some(d) => *slot = Some(d),
                None => self.err(
                    v.span,
                    format!("{what} is `{}`, which is not a duration", text.value),
                    Some(format!("write {}", crate::duration::FORMS)),
                ),
            }
        }
        t
    }

    fn data(&mut self, key: &Key, node: &Node) -> Option<DataDecl> {
        let name_ok = self.name_ok(key, "data look-up");
        let m = self.map(node, &format!("data look-up `{}`", key.name))?;
        let mut ty = None;
        let mut region = None;
        let mut args = Vec::new();
        for (k, v) in m {
            match k.name.as_str() {
                "type" => ty = self.string(v, "`type`"),
                "region" => region = self.template_string(v, "`region`"),
                _ => args.push((k.clone(), Tree::from_node(v, self.sources, self.diags))),
            }
        }
        let Some(ty) = ty else {
            self.err(
                key.span,
                format!("data look-up `{}` has no `type`", key.name),
                Some("add e.g. `type: aws.route53.hosted_zone`".into()),
            );
            return None;
        };
        name_ok.then_some(DataDecl { name: key.clone(), ty, args, region })
    }

    fn output(&mut self, key: &Key, node: &Node) -> Option<OutputDecl> {
        if !self.name_ok(key, "output") {
            return None;
        }
        let detailed = node.as_map().is_some_and(|m| m.iter().any(|(k, _)| k.name == "value"));
        if !detailed {
            let value = Tree::from_node(node, self.sources, self.diags);
            return Some(OutputDecl { name: key.clone(), value, description: None, sensitive: false });
        }
        let mut value = None;
        let mut description = None;
        let mut sensitive = false;
        for (k, v) in node.as_map().unwrap_or(&[]) {
            match k.name.as_str() {
                "value" => value = Some(Tree::from_node(v, self.sources, self.diags)),
                "description" => description = self.string(v, "an output's `description`").map(|s| s.value),
                "sensitive" => sensitive = self.bool(v, "an output's `sensitive`"),
                other => self.unknown_key(k, other, OUTPUT_KEYS, "output settings"),
            }
        }
        Some(OutputDecl {
            name: key.clone(),
            value: value.unwrap_or(Tree::Scalar(Value::Null, node.span)),
            description,
            sensitive,
        })
    }
}

//! Turns merged stack files into a resolved [`Stack`]: evaluates what must
//! be known before apply (variables, names, regions, tags, `for_each`),
//! expands instances, checks properties and references against the type
//! schemas, and records every dependency.

use super::ast::*;
use super::load::Merged;
use super::tree::Tree;
use super::vars::ResolvedVar;
use crate::diag::{Diagnostic, Diagnostics, suggest};
use crate::expr::{Reference, Step};
use crate::model::*;
use crate::schema::{Catalog, PropType, Role, TypeSchema};
use crate::source::{SourceMap, Span};
use crate::value::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// Everything needed before the graph is built.
pub struct Resolved {
    pub name: String,
    pub region: String,
    pub state: StateConfig,
    pub tags: BTreeMap<String, String>,
    pub data: Vec<DataSource>,
    pub resources: Vec<Resource>,
    pub instances: Vec<Instance>,
    pub outputs: Vec<Output>,
    pub by_name: HashMap<String, usize>,
    pub for_each_lookups: std::collections::BTreeSet<String>,
}

/// What a reference may use, by where it is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// A resource without for_each, a data look-up, an output.
    Plain,
    /// A resource with for_each: `each` is available.
    ForEach,
}

pub fn resolve(
    merged: Merged,
    vars: &BTreeMap<String, ResolvedVar>,
    known_data: &BTreeMap<String, Value>,
    catalog: &dyn Catalog,
    stack_path: &Path,
    sources: &SourceMap,
    diags: &mut Diagnostics,
) -> Resolved {
    let root_span = crate::source::Span::point(merged.root, 1, 1);
    let var_scope = StackScope {
        vars: Value::Map(vars.iter().map(|(k, v)| (k.clone(), v.value.clone())).collect()),
        data: Value::Map(known_data.clone()),
        dirs: crate::model::source_dirs(sources),
        ..Default::default()
    };
    let mut r = Resolver {
        vars,
        catalog,
        diags,
        sources,
        resource_names: HashMap::new(),
        data_names: HashMap::new(),
        data_kinds: HashMap::new(),
        for_each_lookups: Default::default(),
        unknown_keys: HashSet::new(),
    };

    // The stack's own settings.
    let name = match &merged.stack {
        Some(s) => {
            r.check_stack_name(s);
            s.value.clone()
        }
        None => {
            r.diags.push(
                Diagnostic::new(root_span, "the stack has no name")
                    .with_help("add `stack: <name>` (letters, digits and `-`), e.g. `stack: wordpress-dev`"),
            );
            String::new()
        }
    };
    let region = match &merged.region {
        Some(t) => r.static_string(t, "`region`", &var_scope).unwrap_or_default(),
        None => {
            r.diags.push(
                Diagnostic::new(root_span, "the stack has no region")
                    .with_help("add `region: <aws region>`, e.g. `region: ap-northeast-1`"),
            );
            String::new()
        }
    };
    if let Some(t) = &merged.region {
        r.check_region(&region, t.span());
    }
    let state = r.state(merged.state.as_ref(), &name, &region, stack_path, &var_scope);
    let tags = r.tags(&merged.tags, &var_scope);

    // Names first, so references can be checked in any order.
    for (i, res) in merged.resources.iter().enumerate() {
        r.resource_names.insert(res.name.name.clone(), i);
    }
    for (i, d) in merged.data.iter().enumerate() {
        r.data_names.insert(d.name.name.clone(), i);
    }
    let schemas: Vec<Option<&'static TypeSchema>> =
        merged.resources.iter().map(|res| r.schema(&res.ty, Role::Resource)).collect();
    let data_schemas: Vec<Option<&'static TypeSchema>> =
        merged.data.iter().map(|d| r.schema(&d.ty, Role::Data)).collect();
    for (d, schema) in merged.data.iter().zip(&data_schemas) {
        if let Some(schema) = schema {
            r.data_kinds.insert(d.name.name.clone(), schema);
        }
    }

    // Expand instances.
    let mut resources = Vec::new();
    let mut instances = Vec::new();
    let mut by_name = HashMap::new();
    let mut decl_index = Vec::new();
    for (decl, schema) in merged.resources.iter().zip(&schemas) {
        let Some(schema) = schema else { continue };
        r.check_properties(&decl.properties, decl.properties_span, schema, &decl.name.name, "resource");
        r.check_lifecycle(&decl.lifecycle, schema);
        let mut lifecycle = decl.lifecycle.clone();
        if let Some(t) = &decl.lifecycle.protect_expr {
            lifecycle.protect = r.static_bool(t, "`lifecycle.protect`", &var_scope);
        }
        let idx = resources.len();
        let each_list = decl.for_each.as_ref().map(|fe| r.for_each(fe, &var_scope));
        let mut res = Resource {
            name: decl.name.name.clone(),
            schema,
            span: decl.name.span,
            type_span: decl.ty.span,
            properties: decl.properties.clone(),
            properties_span: decl.properties_span,
            for_each: decl.for_each.is_some(),
            for_each_source: decl.for_each.clone(),
            lifecycle,
            description: decl.description.clone(),
            depends_on: decl.depends_on.clone(),
            instances: Vec::new(),
        };
        let eaches: Vec<Option<Each>> = match each_list {
            Some(Some(list)) => list.into_iter().map(Some).collect(),
            Some(None) => {
                r.unknown_keys.insert(decl.name.name.clone());
                Vec::new()
            }
            None => vec![None],
        };
        for each in eaches {
            let mut scope = var_scope.clone();
            scope.each = each.as_ref().map(Each::to_value);
            let inst_region = match &decl.region {
                Some(t) => {
                    let v = r.static_string(t, "`region`", &scope).unwrap_or_default();
                    r.check_region(&v, t.span());
                    v
                }
                None => region.clone(),
            };
            let address = Address { name: decl.name.name.clone(), key: each.as_ref().map(|e| e.key.clone()) };
            res.instances.push(instances.len());
            instances.push(Instance { address, resource: idx, each, region: inst_region, deps: Vec::new() });
        }
        by_name.insert(res.name.clone(), idx);
        decl_index.push(idx);
        resources.push(res);
    }

    let mut data = Vec::new();
    let mut data_index: HashMap<String, usize> = HashMap::new();
    for (decl, schema) in merged.data.iter().zip(&data_schemas) {
        let Some(schema) = schema else { continue };
        r.check_properties(&decl.args, decl.name.span, schema, &decl.name.name, "data look-up");
        let d_region = match &decl.region {
            Some(t) => {
                let v = r.static_string(t, "`region`", &var_scope).unwrap_or_default();
                r.check_region(&v, t.span());
                v
            }
            None => region.clone(),
        };
        data_index.insert(decl.name.name.clone(), data.len());
        data.push(DataSource {
            name: decl.name.name.clone(),
            schema,
            span: decl.name.span,
            region: d_region,
            args: decl.args.clone(),
            deps: Vec::new(),
        });
    }

    // References become dependencies.
    let data_kinds: Vec<&'static TypeSchema> = data.iter().map(|d| d.schema).collect();
    let lookup = Lookup {
        resources: &resources,
        instances: &instances,
        by_name: &by_name,
        data_index: &data_index,
        data_kinds: &data_kinds,
    };
    let mut inst_deps: Vec<Vec<Dep>> = vec![Vec::new(); instances.len()];
    for res in &resources {
        let ctx = if res.for_each { Ctx::ForEach } else { Ctx::Plain };
        let refs: Vec<Reference<'_>> = res.properties.iter().flat_map(|(_, t)| t.references()).collect();
        for &i in &res.instances {
            let mut scope = var_scope.clone();
            scope.each = instances[i].each.as_ref().map(Each::to_value);
            let mut deps = Vec::new();
            for reference in &refs {
                r.reference(reference, ctx, &lookup, &scope, &mut deps);
            }
            for d in &res.depends_on {
                r.depends_on(d, &lookup, &mut deps);
            }
            inst_deps[i] = deps;
        }
    }
    let mut data_deps = Vec::with_capacity(data.len());
    for d in &data {
        let mut deps = Vec::new();
        for (_, t) in &d.args {
            for reference in t.references() {
                r.reference(&reference, Ctx::Plain, &lookup, &var_scope, &mut deps);
            }
        }
        data_deps.push(dedup(deps));
    }
    let mut outputs = Vec::new();
    for o in &merged.outputs {
        let mut deps = Vec::new();
        for reference in o.value.references() {
            r.reference(&reference, Ctx::Plain, &lookup, &var_scope, &mut deps);
        }
        outputs.push(Output {
            name: o.name.name.clone(),
            value: o.value.clone(),
            description: o.description.clone(),
            sensitive: o.sensitive,
            span: o.name.span,
            deps: dedup(deps),
        });
    }
    for (inst, deps) in instances.iter_mut().zip(inst_deps) {
        inst.deps = dedup(deps);
    }
    for (d, deps) in data.iter_mut().zip(data_deps) {
        d.deps = deps;
    }
    let for_each_lookups = std::mem::take(&mut r.for_each_lookups);
    Resolved { name, region, state, tags, data, resources, instances, outputs, by_name, for_each_lookups }
}

fn dedup(mut deps: Vec<Dep>) -> Vec<Dep> {
    let mut seen = std::collections::HashSet::new();
    deps.retain(|d| seen.insert(d.target));
    deps
}

struct Lookup<'a> {
    resources: &'a [Resource],
    instances: &'a [Instance],
    by_name: &'a HashMap<String, usize>,
    data_index: &'a HashMap<String, usize>,
    data_kinds: &'a [&'static TypeSchema],
}

/// What S3 refuses in a bucket name, if anything.
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html>
fn bucket_name_problem(name: &str) -> Option<String> {
    let n = name.chars().count();
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-';
    let ends_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(3..=63).contains(&n) {
        Some(format!("the state bucket name `{name}` has {n} characters; S3 takes 3 to 63"))
    } else if let Some(c) = name.chars().find(|c| !ok_char(*c)) {
        Some(format!("the state bucket name `{name}` holds `{c}`, which S3 refuses in bucket names"))
    } else if !ends_ok(name.chars().next()) || !ends_ok(name.chars().last()) || name.contains("..") {
        Some(format!("`{name}` is not a bucket name S3 takes"))
    } else {
        None
    }
}

struct Resolver<'a> {
    vars: &'a BTreeMap<String, ResolvedVar>,
    catalog: &'a dyn Catalog,
    diags: &'a mut Diagnostics,
    #[allow(dead_code)]
    sources: &'a SourceMap,
    resource_names: HashMap<String, usize>,
    data_names: HashMap<String, usize>,
    /// Each look-up's type (those whose type is known).
    data_kinds: HashMap<String, &'static TypeSchema>,
    /// Look-ups a `for_each` iterates whose values were not given.
    for_each_lookups: std::collections::BTreeSet<String>,
    /// for_each resources whose instances are unknown after an error: their
    /// instance keys are not checked, so the error is not echoed.
    unknown_keys: HashSet<String>,
}

impl Resolver<'_> {
    fn check_stack_name(&mut self, s: &Spanned<String>) {
        let n = &s.value;
        let ok = n.len() <= 48
            && n.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !n.ends_with('-');
        if !ok {
            self.diags.push(Diagnostic::new(s.span, format!("`{n}` is not a valid stack name")).with_help(
                "stack names go into tags and physical names: start with a lowercase letter, then lowercase \
                 letters, digits and `-`, at most 48 characters",
            ));
        }
    }

    fn check_region(&mut self, region: &str, span: Span) {
        if region.is_empty() {
            return;
        }
        if !crate::regions::is_region(region) {
            self.diags.push(Diagnostic::new(span, format!("`{region}` is not an AWS region")).with_help(suggest(
                region,
                crate::regions::REGIONS,
                "regions",
            )));
        }
    }

    /// Evaluates a setting that must be known before apply to a string.
    fn static_string(&mut self, t: &Tree, what: &str, scope: &StackScope) -> Option<String> {
        self.static_refs_only(t, what, false);
        if !self.no_sensitive(t, what) {
            return None;
        }
        let v = t.eval(scope, self.diags);
        match v {
            Value::String(s) => Some(s),
            Value::Number(_) | Value::Bool(_) => v.to_interpolated(),
            Value::Unknown => None,
            other => {
                self.diags
                    .push(Diagnostic::new(t.span(), format!("{what} must be a string, found {}", other.type_name())));
                None
            }
        }
    }

    /// Whether `t` leaves sensitive variables out. A setting of the stack
    /// (its region, state, tags) is printed in plans and errors and kept in
    /// state or sent to AWS as it is: a sensitive value there is an error,
    /// told without evaluating it (an error about the value would show it).
    fn no_sensitive(&mut self, t: &Tree, what: &str) -> bool {
        let mut ok = true;
        for reference in t.references() {
            let name = match (reference.root, reference.steps.first()) {
                ("var", Some(crate::expr::Step::Attr(name))) => *name,
                _ => continue,
            };
            if self.vars.get(name).is_some_and(|v| v.sensitive) {
                ok = false;
                self.diags.push(
                    Diagnostic::new(
                        reference.span,
                        format!(
                            "the sensitive variable `{name}` would be shown in plans and kept in state here: \
                             {what} is not secret"
                        ),
                    )
                    .with_help(
                        "a sensitive value belongs in a secret property or a sensitive output; \
                         declare the variable without `sensitive: true` if it is not secret",
                    ),
                );
            }
        }
        ok
    }

    /// A setting that must be known before apply: true or false, from
    /// variables only (no resource, look-up or `each`).
    fn static_bool(&mut self, t: &Tree, what: &str, scope: &StackScope) -> bool {
        if !self.static_refs_only(t, what, false) {
            return false;
        }
        if t.references().iter().any(|r| r.root == "each") {
            self.diags.push(
                Diagnostic::new(t.span(), format!("{what} cannot use `each`: it applies to every instance"))
                    .with_help("use a variable, e.g. `protect: ${var.stage == \"prod\"}`"),
            );
            return false;
        }
        match t.eval(scope, self.diags) {
            Value::Bool(b) => b,
            Value::Unknown => false,
            other => {
                self.diags.push(
                    Diagnostic::new(t.span(), format!("{what} must be true or false, found {}", other.type_name()))
                        .with_help("e.g. `protect: ${var.stage == \"prod\"}`"),
                );
                false
            }
        }
    }

    /// Reports references to anything but variables and `each`.
    /// Whether `t` uses only what is known before apply: variables, `each`,
    /// and where `data_too`, look-ups (read before planning).
    fn static_refs_only(&mut self, t: &Tree, what: &str, data_too: bool) -> bool {
        let mut ok = true;
        for reference in t.references() {
            match reference.root {
                "var" => {
                    self.check_var_ref(&reference);
                }
                "each" => {}
                "data" if data_too => {}
                other => {
                    ok = false;
                    let what_it_is = if other == "data" {
                        "a data look-up".to_string()
                    } else if self.resource_names.contains_key(other) {
                        format!("resource `{other}`")
                    } else {
                        format!("`{other}`")
                    };
                    self.diags.push(
                        Diagnostic::new(
                            reference.span,
                            format!("{what} must be known before apply, but refers to {what_it_is}"),
                        )
                        .with_help(if data_too {
                            "only variables (`var.*`), data look-ups (`data.*`) and functions can be used here"
                        } else {
                            "only variables (`var.*`), `each.*` and functions can be used here"
                        }),
                    );
                }
            }
        }
        ok
    }

    fn state(
        &mut self,
        decl: Option<&StateDecl>,
        name: &str,
        region: &str,
        stack_path: &Path,
        scope: &StackScope,
    ) -> StateConfig {
        let default_path = || {
            let root = stack_root(stack_path);
            root.join("state").join(format!("{name}.json"))
        };
        let Some(decl) = decl else {
            return StateConfig::Local { path: default_path() };
        };
        let mut settings: HashMap<&str, (String, Span)> = HashMap::new();
        for (k, t) in &decl.settings {
            if let Some(v) = self.static_string(t, &format!("`state.{}`", k.name), scope) {
                match k.name.as_str() {
                    "region" if decl.backend.value == "s3" => self.check_region(&v, t.span()),
                    "bucket" if decl.backend.value == "s3" => {
                        if let Some(problem) = bucket_name_problem(&v) {
                            self.diags.push(Diagnostic::new(t.span(), problem).with_help(
                                "3 to 63 lowercase letters, digits, `.` and `-`, starting and ending with a letter \
                                 or digit, e.g. `my-company-stackr-state`",
                            ));
                        }
                    }
                    _ => {}
                }
                settings.insert(k.name.as_str(), (v, k.span));
            }
        }
        let allowed: &[&str] =
            if decl.backend.value == "s3" { &["bucket", "key", "region", "kms_key_id"] } else { &["path"] };
        for (k, (_, span)) in &settings {
            if !allowed.contains(k) {
                self.diags.push(
                    Diagnostic::new(*span, format!("`{k}` is not a setting of the {} backend", decl.backend.value))
                        .with_help(format!("valid settings: {}", allowed.join(", "))),
                );
            }
        }
        if decl.backend.value == "s3" {
            let written: Vec<&str> = decl.settings.iter().map(|(k, _)| k.name.as_str()).collect();
            let mut need = |key: &str| -> String {
                match settings.get(key) {
                    Some((v, _)) if !v.is_empty() => v.clone(),
                    // Written, but its value was refused (and told).
                    None if written.contains(&key) => String::new(),
                    _ => {
                        self.diags
                            .push(Diagnostic::new(decl.span, format!("the s3 state backend needs `{key}`")).with_help(
                                "e.g. `state: { backend: s3, bucket: my-state, key: wordpress/prod.json }`",
                            ));
                        String::new()
                    }
                }
            };
            let bucket = need("bucket");
            let key = need("key");
            StateConfig::S3 {
                bucket,
                key,
                region: settings.get("region").map(|(v, _)| v.clone()).unwrap_or_else(|| region.to_string()),
                kms_key_id: settings.get("kms_key_id").map(|(v, _)| v.clone()),
            }
        } else {
            let path = match settings.get("path") {
                Some((p, _)) => {
                    let p = Path::new(p);
                    if p.is_absolute() { p.to_path_buf() } else { stack_root(stack_path).join(p) }
                }
                None => default_path(),
            };
            StateConfig::Local { path }
        }
    }

    fn tags(&mut self, tags: &[(crate::yaml::Key, Tree)], scope: &StackScope) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (k, t) in tags {
            if k.name.starts_with("stackr:") || k.name.starts_with("aws:") {
                self.diags.push(
                    Diagnostic::new(k.span, format!("tag `{}` uses a reserved prefix", k.name))
                        .with_help("`stackr:` tags are set by stackr and `aws:` tags by AWS; choose another key"),
                );
                continue;
            }
            if let Some(v) = self.static_string(t, &format!("tag `{}`", k.name), scope) {
                if let Some(problem) = crate::schema::tag_problem(&k.name, &v) {
                    self.diags.push(Diagnostic::new(t.span(), problem));
                }
                out.insert(k.name.clone(), v);
            }
        }
        if out.len() > crate::schema::MAX_TAGS {
            let span = tags.first().map(|(k, _)| k.span);
            let message = format!(
                "the stack has {} tags: AWS takes 50 a resource, and stackr adds two, so at most {}",
                out.len(),
                crate::schema::MAX_TAGS
            );
            self.diags.push(match span {
                Some(s) => Diagnostic::new(s, message),
                None => Diagnostic::unlocated(message),
            });
        }
        out
    }

    fn schema(&mut self, ty: &Spanned<String>, role: Role) -> Option<&'static TypeSchema> {
        if let Some(s) = self.catalog.get_role(&ty.value, role) {
            return Some(s);
        }
        match self.catalog.get(&ty.value) {
            Some(_) => {
                let (is, should) = match role {
                    Role::Resource => ("a data look-up type", "under `data:`"),
                    Role::Data => ("a resource type", "under `resources:`"),
                };
                self.diags.push(
                    Diagnostic::new(ty.span, format!("`{}` is {is}", ty.value))
                        .with_help(format!("declare it {should}")),
                );
                None
            }
            None => {
                let all = self.catalog.all();
                let kinds: Vec<&str> = all.iter().filter(|t| t.role == role).map(|t| t.kind).collect();
                self.diags.push(
                    Diagnostic::new(ty.span, format!("unknown {} type `{}`", role_name(role), ty.value))
                        .with_help(suggest(&ty.value, &kinds, "types")),
                );
                None
            }
        }
    }

    fn check_properties(
        &mut self,
        props: &[(crate::yaml::Key, Tree)],
        span: Span,
        schema: &TypeSchema,
        name: &str,
        what: &str,
    ) {
        for (k, _) in props {
            if schema.property(&k.name).is_none() {
                let names = schema.property_names();
                self.diags.push(
                    Diagnostic::new(k.span, format!("unknown property `{}` for {}", k.name, schema.kind))
                        .with_help(suggest(&k.name, &names, "properties")),
                );
            }
        }
        // A misspelt required property is reported once, as the misspelling.
        let misspelt: Vec<&str> = props
            .iter()
            .filter(|(k, _)| schema.property(&k.name).is_none())
            .filter_map(|(k, _)| crate::diag::did_you_mean(&k.name, schema.properties.iter().map(|p| p.name)))
            .collect();
        for p in schema.properties.iter().filter(|p| p.required && !misspelt.contains(&p.name)) {
            let present = props.iter().any(|(k, t)| k.name == p.name && !matches!(t, Tree::Scalar(Value::Null, _)));
            if !present {
                self.diags.push(
                    Diagnostic::new(
                        span,
                        format!("{what} `{name}` ({}) is missing required property `{}`", schema.kind, p.name),
                    )
                    .with_help(format!("`{}` is {}{}", p.name, p.ty.describe(), doc_suffix(p.doc))),
                );
            }
        }
    }

    fn check_lifecycle(&mut self, l: &Lifecycle, schema: &TypeSchema) {
        for ic in &l.ignore_changes {
            if ic.value.contains(['.', '[']) {
                self.diags.push(
                    Diagnostic::new(
                        ic.span,
                        format!("`ignore_changes` takes property names, not paths: `{}`", ic.value),
                    )
                    .with_help("name the whole property (e.g. `tags`); changes inside it are then all ignored"),
                );
                continue;
            }
            let top = ic.value.as_str();
            if schema.property(top).is_none() {
                let names = schema.property_names();
                self.diags.push(
                    Diagnostic::new(
                        ic.span,
                        format!("`ignore_changes` names `{}`, which is not a property of {}", ic.value, schema.kind),
                    )
                    .with_help(suggest(top, &names, "properties")),
                );
            }
        }
    }

    /// The instances of a for_each, or `None` when they cannot be known (an
    /// error was reported, or a variable it uses is unset).
    fn for_each(&mut self, t: &Tree, scope: &StackScope) -> Option<Vec<Each>> {
        // A look-up's result may be iterated: it is read before planning.
        // Without its value yet, the resource waits for it (no instances).
        let mut waiting = false;
        for reference in t.references().iter().filter(|r| r.root == "data") {
            let Some(Step::Attr(name)) = reference.steps.first() else { continue };
            if !self.data_names.contains_key(*name) {
                let mut known: Vec<&str> = self.data_names.keys().map(String::as_str).collect();
                known.sort_unstable();
                self.diags.push(
                    Diagnostic::new(reference.span, format!("unknown data look-up `{name}`"))
                        .with_help(suggest(name, &known, "look-ups")),
                );
                return None;
            }
            if !self.lookup_attribute_fits(reference, t) {
                return None;
            }
            if !matches!(&scope.data, Value::Map(m) if m.contains_key(*name)) {
                self.for_each_lookups.insert(name.to_string());
                waiting = true;
            }
        }
        if !self.static_refs_only(t, "`for_each`", true) || waiting {
            return None;
        }
        for reference in t.references() {
            if reference.root == "each" {
                self.diags.push(Diagnostic::new(reference.span, "`for_each` cannot use `each`"));
                return None;
            }
        }
        let v = t.eval(scope, self.diags);
        eaches(v, t.span(), self.diags)
    }

    /// Whether a look-up's attribute a `for_each` reads exists, and, when
    /// the `for_each` is that attribute alone, is a list or a map: told
    /// before the look-up is read, as any other mistake.
    fn lookup_attribute_fits(&mut self, reference: &Reference<'_>, t: &Tree) -> bool {
        let (Some(Step::Attr(name)), Some(Step::Attr(attr))) = (reference.steps.first(), reference.steps.get(1)) else {
            return true;
        };
        let Some(schema) = self.data_kinds.get(*name).copied() else { return true };
        let ty = match schema.attribute(attr) {
            Some(a) => a.ty,
            None => {
                let known: Vec<&str> = schema.attributes.iter().map(|a| a.name).collect();
                self.diags.push(
                    Diagnostic::new(
                        reference.span,
                        format!("the look-up `{name}` ({}) has no attribute `{attr}`", schema.kind),
                    )
                    .with_help(suggest(attr, &known, "attributes")),
                );
                return false;
            }
        };
        let alone = matches!(t, Tree::Str(tpl) if tpl.sole_expr().is_some()) && t.references().len() == 1;
        if alone
            && reference.steps.len() == 2
            && !matches!(ty, PropType::List(_) | PropType::Map(_) | PropType::Any | PropType::Json)
        {
            self.diags.push(
                Diagnostic::new(
                    reference.span,
                    format!(
                        "`for_each` needs a list or a map, but `{attr}` of the look-up `{name}` is {}",
                        ty.describe()
                    ),
                )
                .with_help("iterate over a list or map attribute, e.g. an availability zones look-up's `names`"),
            );
            return false;
        }
        true
    }

    fn check_var_ref(&mut self, reference: &Reference<'_>) -> bool {
        match reference.steps.first() {
            Some(Step::Attr(n)) if self.vars.contains_key(*n) => true,
            Some(Step::Attr(n)) => {
                let known: Vec<&str> = self.vars.keys().map(String::as_str).collect();
                self.diags.push(Diagnostic::new(reference.span, format!("unknown variable `{n}`")).with_help(suggest(
                    n,
                    &known,
                    "variables",
                )));
                false
            }
            _ => {
                self.diags.push(
                    Diagnostic::new(reference.span, "`var` must be followed by a variable name")
                        .with_help("write `var.<name>`"),
                );
                false
            }
        }
    }

    /// Checks one reference and records the dependency it creates.
    fn reference(
        &mut self,
        reference: &Reference<'_>,
        ctx: Ctx,
        lookup: &Lookup<'_>,
        scope: &StackScope,
        deps: &mut Vec<Dep>,
    ) {
        match reference.root {
            "var" => {
                self.check_var_ref(reference);
            }
            "each" => {
                if ctx != Ctx::ForEach {
                    self.diags.push(
                        Diagnostic::new(reference.span, "`each` is only available in a resource with `for_each`")
                            .with_help("add `for_each` to this resource, or refer to a value directly"),
                    );
                    return;
                }
                match reference.steps.first() {
                    Some(Step::Attr("key" | "value" | "index")) => {}
                    Some(Step::Attr(other)) => self.diags.push(
                        Diagnostic::new(reference.span, format!("`each` has no `{other}`")).with_help(suggest(
                            other,
                            &["key", "value", "index"],
                            "fields",
                        )),
                    ),
                    _ => self
                        .diags
                        .push(Diagnostic::new(reference.span, "write `each.key`, `each.value` or `each.index`")),
                }
            }
            "data" => {
                let Some(Step::Attr(dname)) = reference.steps.first() else {
                    self.diags.push(Diagnostic::new(reference.span, "write `data.<name>.<attribute>`"));
                    return;
                };
                let Some(&di) = lookup.data_index.get(*dname) else {
                    if !self.data_names.contains_key(*dname) {
                        let mut known: Vec<&str> = self.data_names.keys().map(String::as_str).collect();
                        known.sort_unstable();
                        self.diags.push(
                            Diagnostic::new(reference.span, format!("unknown data look-up `{dname}`"))
                                .with_help(suggest(dname, &known, "data look-ups")),
                        );
                    }
                    return;
                };
                if let Some(Step::Attr(a)) = reference.steps.get(1) {
                    let schema = lookup.data_kinds[di].referenceable();
                    if !schema.contains(a) {
                        self.diags.push(
                            Diagnostic::new(reference.span, format!("data look-up `{dname}` has no attribute `{a}`"))
                                .with_help(suggest(a, &schema, "attributes")),
                        );
                    }
                }
                deps.push(Dep { target: NodeRef::Data(di), span: reference.span, explicit: false });
            }
            name => {
                let Some(&ri) = lookup.by_name.get(name) else {
                    if self.resource_names.contains_key(name) {
                        return; // declared, but its type was invalid: already reported
                    }
                    let mut known: Vec<&str> = self.resource_names.keys().map(String::as_str).collect();
                    known.extend(["var", "data", "each"]);
                    known.sort();
                    self.diags.push(
                        Diagnostic::new(
                            reference.span,
                            format!("unknown reference `{name}`: no resource, variable or data look-up has this name"),
                        )
                        .with_help(suggest(name, &known, "names")),
                    );
                    return;
                };
                let res = &lookup.resources[ri];
                let mut steps = reference.steps.iter();
                let mut targets: Vec<usize> = res.instances.clone();
                if res.for_each {
                    match steps.next() {
                        Some(Step::Index(ix)) => {
                            // A key known before apply selects one instance.
                            let key = match crate::expr::eval(ix, scope) {
                                Ok(Value::String(k)) => Some(k),
                                Ok(Value::Number(n)) => Some(crate::value::format_number(n)),
                                _ => None,
                            };
                            if let Some(k) = key.filter(|_| !self.unknown_keys.contains(name)) {
                                match res
                                    .instances
                                    .iter()
                                    .copied()
                                    .find(|&i| lookup.instances[i].address.key.as_deref() == Some(k.as_str()))
                                {
                                    Some(i) => targets = vec![i],
                                    None => {
                                        let keys: Vec<&str> = res
                                            .instances
                                            .iter()
                                            .filter_map(|&i| lookup.instances[i].address.key.as_deref())
                                            .collect();
                                        self.diags.push(
                                            Diagnostic::new(
                                                ix.span,
                                                format!("resource `{name}` has no instance `{k}`"),
                                            )
                                            .with_help(suggest(
                                                &k,
                                                &keys,
                                                "instance keys",
                                            )),
                                        );
                                        return;
                                    }
                                }
                            }
                        }
                        Some(Step::Splat) | None => {}
                        Some(Step::Attr(a)) => {
                            self.diags.push(
                                Diagnostic::new(reference.span, format!("resource `{name}` has one instance per `for_each` key, so `{name}.{a}` is ambiguous"))
                                    .with_help(format!("pick one instance, `{name}[\"key\"].{a}`, or all of them, `{name}[*].{a}`")),
                            );
                            return;
                        }
                    }
                } else if let Some(Step::Index(_) | Step::Splat) = reference.steps.first() {
                    self.diags.push(
                        Diagnostic::new(
                            reference.span,
                            format!("resource `{name}` has no `for_each`, so it cannot be indexed"),
                        )
                        .with_help(format!("write `{name}.<attribute>`")),
                    );
                    return;
                }
                if let Some(Step::Attr(a)) = steps.next() {
                    let names = res.schema.referenceable();
                    if !names.contains(a) {
                        self.diags.push(
                            Diagnostic::new(
                                reference.span,
                                format!("resource `{name}` ({}) has no attribute `{a}`", res.schema.kind),
                            )
                            .with_help(suggest(a, &names, "attributes")),
                        );
                        return;
                    }
                }
                for t in targets {
                    deps.push(Dep { target: NodeRef::Instance(t), span: reference.span, explicit: false });
                }
            }
        }
    }

    fn depends_on(&mut self, d: &Spanned<String>, lookup: &Lookup<'_>, deps: &mut Vec<Dep>) {
        let Some(addr) = Address::parse(&d.value) else {
            self.diags.push(Diagnostic::new(d.span, format!("`{}` is not a resource address", d.value)));
            return;
        };
        let Some(&ri) = lookup.by_name.get(&addr.name) else {
            if !self.resource_names.contains_key(&addr.name) {
                let mut known: Vec<&str> = self.resource_names.keys().map(String::as_str).collect();
                known.sort_unstable();
                self.diags.push(
                    Diagnostic::new(d.span, format!("`depends_on` names `{}`, which is not a resource", addr.name))
                        .with_help(suggest(&addr.name, &known, "resources")),
                );
            }
            return;
        };
        let res = &lookup.resources[ri];
        let targets: Vec<usize> = match &addr.key {
            None => res.instances.clone(),
            Some(k) => {
                match res.instances.iter().copied().find(|&i| lookup.instances[i].address.key.as_deref() == Some(k)) {
                    Some(i) => vec![i],
                    None => {
                        self.diags
                            .push(Diagnostic::new(d.span, format!("resource `{}` has no instance `{k}`", addr.name)));
                        return;
                    }
                }
            }
        };
        for t in targets {
            deps.push(Dep { target: NodeRef::Instance(t), span: d.span, explicit: true });
        }
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Resource => "resource",
        Role::Data => "data look-up",
    }
}

fn doc_suffix(doc: &str) -> String {
    if doc.is_empty() { String::new() } else { format!(": {doc}") }
}

/// The project root for a stack file: the parent of a `stacks/` or
/// `examples/` folder holding it, else the file's folder.
pub fn stack_root(stack_path: &Path) -> std::path::PathBuf {
    let dir = stack_path.parent().unwrap_or(Path::new(""));
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    // The same folder however the path is spelled (`stacks/prod.yaml` from
    // the project, `prod.yaml` from inside stacks/, an absolute path): one
    // stack, one state file. Shown relative to the working folder when
    // under it.
    if let Ok(real) = std::fs::canonicalize(dir) {
        let root = match real.file_name().and_then(|n| n.to_str()) {
            Some("stacks" | "examples") => real.parent().map(Path::to_path_buf).unwrap_or(real),
            _ => real,
        };
        let cwd = std::env::current_dir().ok().and_then(|c| std::fs::canonicalize(c).ok());
        return match cwd.as_deref().and_then(|c| root.strip_prefix(c).ok()) {
            Some(rel) if rel.as_os_str().is_empty() => std::path::PathBuf::from("."),
            Some(rel) => rel.to_path_buf(),
            None => root,
        };
    }
    match dir.file_name().and_then(|n| n.to_str()) {
        Some("stacks" | "examples") => {
            dir.parent().map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p }).unwrap_or(dir).to_path_buf()
        }
        _ => dir.to_path_buf(),
    }
}

/// The instances a `for_each` value makes: a list of strings (or numbers),
/// each its own key, or a map, keyed in key order; null makes none. `None`
/// when they cannot be known (unknown, or an error reported at `span`).
pub fn eaches(v: Value, span: Span, diags: &mut Diagnostics) -> Option<Vec<Each>> {
    let mut out = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    match v {
        Value::List(items) => {
            for (index, item) in items.into_iter().enumerate() {
                let key = match &item {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => crate::value::format_number(*n),
                    other => {
                        diags.push(
                            Diagnostic::new(span, format!("`for_each` over a list needs strings, found a {}", other.type_name()))
                                .with_help("to iterate over structured values, use a map keyed by name: each.key is the name, each.value the structure"),
                        );
                        return None;
                    }
                };
                if !seen.insert(key.clone()) {
                    diags.push(
                        Diagnostic::new(span, format!("`for_each` lists `{key}` twice"))
                            .with_help("instance keys must be unique; use distinct(...) or remove the duplicate"),
                    );
                    continue;
                }
                out.push(Each { key, value: item, index });
            }
        }
        Value::Map(m) => {
            for (index, (key, value)) in m.into_iter().enumerate() {
                out.push(Each { key, value, index });
            }
        }
        Value::Null => {}
        Value::Unknown => return None,
        other => {
            diags.push(
                Diagnostic::new(span, format!("`for_each` needs a list or a map, found {}", other.type_name()))
                    .with_help("e.g. `for_each: ${var.azs}` or `for_each: [a, b]`"),
            );
            return None;
        }
    }
    Some(out)
}

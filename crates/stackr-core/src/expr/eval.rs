//! Evaluates expressions and templates against a [`Scope`].

use super::ast::{BinaryOp, Expr, ExprKind, ForExpr, Part, Template, UnaryOp};
use super::functions;
use crate::source::Span;
use crate::value::Value;
use std::borrow::Cow;

/// What names mean while evaluating: `var`, `data`, `each` and resource
/// names each resolve to a value (a map of their attributes; a for_each
/// resource resolves to a map of instance key to attributes).
pub trait Scope {
    fn root(&self, name: &str) -> Option<&Value>;

    /// The folder of the file an expression is written in, against which
    /// `file()` and `templatefile()` resolve relative paths; `None` where
    /// no file is known (those functions are then refused).
    fn base_dir(&self, _file: crate::source::FileId) -> Option<&std::path::Path> {
        None
    }
}

/// The names a `for` binds, over the scope around it.
struct Bound<'a> {
    outer: &'a dyn Scope,
    names: [(Option<&'a str>, Value); 2],
}

impl Scope for Bound<'_> {
    fn root(&self, name: &str) -> Option<&Value> {
        match self.names.iter().find(|(n, _)| *n == Some(name)) {
            Some((_, v)) => Some(v),
            None => self.outer.root(name),
        }
    }

    fn base_dir(&self, file: crate::source::FileId) -> Option<&std::path::Path> {
        self.outer.base_dir(file)
    }
}

/// An evaluation error, located.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl EvalError {
    pub(crate) fn new(span: Span, message: impl Into<String>) -> Self {
        EvalError { span, message: message.into(), help: None }
    }
    pub(crate) fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
}

/// Evaluates a template: a sole `${...}` keeps its value's type; anything
/// else is string interpolation.
pub fn eval_template(t: &Template, scope: &dyn Scope) -> Result<Value, EvalError> {
    if let Some(e) = t.sole_expr() {
        return eval(e, scope);
    }
    interpolate(t, scope)
}

/// A template's parts joined as one string (unknown if any part is).
fn interpolate(t: &Template, scope: &dyn Scope) -> Result<Value, EvalError> {
    let mut out = String::new();
    let mut unknown = false;
    for p in &t.parts {
        match p {
            Part::Lit(s) => out.push_str(s),
            Part::Expr(e) => {
                let v = eval(e, scope)?;
                if v.contains_unknown() {
                    unknown = true;
                    continue;
                }
                match v.to_interpolated() {
                    Some(s) => out.push_str(&s),
                    None => {
                        return Err(EvalError::new(e.span, format!("cannot put a {} inside a string", v.type_name()))
                            .help("use join(\",\", list) for a list, or jsonencode(value) for a map"));
                    }
                }
            }
        }
    }
    Ok(if unknown { Value::Unknown } else { Value::String(out) })
}

/// Evaluates one expression.
pub fn eval(e: &Expr, scope: &dyn Scope) -> Result<Value, EvalError> {
    Ok(eval_inner(e, scope)?.0.into_owned())
}

/// The value of an expression, borrowed from the scope where possible, and
/// whether it is a splat projection (`x[*]`, whose later `.attr` and `[i]`
/// apply to each element).
fn eval_inner<'s>(e: &Expr, scope: &'s dyn Scope) -> Result<(Cow<'s, Value>, bool), EvalError> {
    let plain = |v: Value| Ok((Cow::Owned(v), false));
    match &e.kind {
        ExprKind::Literal(v) => plain(v.clone()),
        ExprKind::Name(n) => match scope.root(n) {
            Some(v) => Ok((Cow::Borrowed(v), false)),
            None => Err(EvalError::new(e.span, format!("unknown name `{n}`"))),
        },
        ExprKind::Attr(base, name) => {
            let (b, proj) = eval_inner(base, scope)?;
            if proj {
                return project(b, |item| get_attr(item, name, e.span));
            }
            match b {
                Cow::Borrowed(v) => Ok((Cow::Borrowed(get_attr_ref(v, name, e.span)?), false)),
                Cow::Owned(v) => plain(get_attr(&v, name, e.span)?),
            }
        }
        ExprKind::Index(base, ix) => {
            let (b, proj) = eval_inner(base, scope)?;
            let key = eval(ix, scope)?;
            if proj {
                return project(b, |item| index(item, &key, ix.span).map(Cow::into_owned));
            }
            match b {
                Cow::Borrowed(v) => Ok((index(v, &key, ix.span)?, false)),
                Cow::Owned(v) => plain(index(&v, &key, ix.span)?.into_owned()),
            }
        }
        ExprKind::Splat(base) => {
            let (b, _) = eval_inner(base, scope)?;
            let list = match b.as_ref() {
                Value::Unknown => Value::Unknown,
                Value::List(l) => Value::List(l.clone()),
                Value::Map(m) => Value::List(m.values().cloned().collect()),
                Value::Null => Value::List(Vec::new()),
                other => Value::List(vec![other.clone()]),
            };
            Ok((Cow::Owned(list), true))
        }
        ExprKind::Call(name, args) if name == "try" || name == "can" => plain(try_or_can(name, args, e.span, scope)?),
        ExprKind::Call(name, args) if name == "file" || name == "templatefile" => {
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(eval(a, scope)?);
            }
            plain(super::files::call(name, &vals, e.span, scope)?)
        }
        ExprKind::Call(name, args) => {
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(eval(a, scope)?);
            }
            if !functions::FUNCTIONS.iter().any(|f| f.name == name) {
                let names: Vec<&str> = functions::FUNCTIONS.iter().map(|f| f.name).collect();
                return Err(EvalError::new(e.span, format!("unknown function `{name}`")).help(crate::diag::suggest(
                    name,
                    &names,
                    "functions",
                )));
            }
            match functions::call(name, &vals) {
                Ok(v) => plain(v),
                Err(msg) => {
                    let sig = functions::FUNCTIONS.iter().find(|f| f.name == name).map(|f| f.signature);
                    let err = EvalError::new(e.span, msg);
                    Err(match sig {
                        Some(s) if !err.message.contains("usage:") => err.help(format!("usage: {s}")),
                        _ => err,
                    })
                }
            }
        }
        ExprKind::List(items) => {
            let mut vals = Vec::with_capacity(items.len());
            for i in items {
                vals.push(eval(i, scope)?);
            }
            plain(Value::List(vals))
        }
        ExprKind::Map(items) => {
            let mut out = std::collections::BTreeMap::new();
            let mut unknown = false;
            for (k, v) in items {
                let value = eval(v, scope)?;
                match map_key(eval(k, scope)?, k.span)? {
                    None => unknown = true,
                    Some(key) => {
                        if out.insert(key.clone(), value).is_some() {
                            return Err(EvalError::new(k.span, format!("the key {key:?} is set twice in this map")));
                        }
                    }
                }
            }
            plain(if unknown { Value::Unknown } else { Value::Map(out) })
        }
        ExprKind::For(f) => plain(for_each(f, scope)?),
        ExprKind::Template(t) => plain(interpolate(t, scope)?),
        ExprKind::Unary(op, inner) => {
            let v = eval(inner, scope)?;
            plain(match (op, v) {
                (_, Value::Unknown) => Value::Unknown,
                (UnaryOp::Not, Value::Bool(b)) => Value::Bool(!b),
                (UnaryOp::Neg, Value::Number(n)) => Value::Number(-n),
                (UnaryOp::Not, other) => {
                    return Err(EvalError::new(e.span, format!("`!` needs a bool, found {}", other.type_name())));
                }
                (UnaryOp::Neg, other) => {
                    return Err(EvalError::new(e.span, format!("`-` needs a number, found {}", other.type_name())));
                }
            })
        }
        ExprKind::Binary(op, l, r) => plain(binary(*op, l, r, e.span, scope)?),
        ExprKind::Cond(c, a, b) => match eval(c, scope)? {
            Value::Bool(true) => eval_inner(a, scope),
            Value::Bool(false) => eval_inner(b, scope),
            Value::Unknown => plain(Value::Unknown),
            other => Err(EvalError::new(
                c.span,
                format!("the condition of `? :` must be a bool, found {}", other.type_name()),
            )),
        },
    }
}

/// A map key from its value: a string, or a number or bool as text;
/// `None` when it is known only after apply.
fn map_key(k: Value, span: Span) -> Result<Option<String>, EvalError> {
    if k == Value::Unknown {
        return Ok(None);
    }
    match functions::scalar_text(&k) {
        Some(text) => Ok(Some(text.into_owned())),
        None => Err(EvalError::new(span, format!("a map key must be a string, found {}", k.type_name()))),
    }
}

/// How much one `for` (with every `for` nested in it) may do: iterations
/// plus the elements of the values it makes. Bounds the time and memory
/// a stack can ask for (`[for a in range(10000) : range(10000)]`).
pub const MAX_FOR_WORK: u64 = 1_000_000;

thread_local! {
    /// Work left to the outermost `for` being evaluated on this thread.
    static FOR_WORK: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Takes `n` units of the running `for`'s budget; false once it is spent.
fn spend(n: u64) -> bool {
    FOR_WORK.with(|w| match w.get() {
        Some(left) if left >= n => {
            w.set(Some(left - n));
            true
        }
        Some(_) => {
            w.set(Some(0));
            false
        }
        None => true,
    })
}

/// Elements of a value, counted deeply.
fn weight(v: &Value) -> u64 {
    match v {
        Value::List(l) => 1 + l.iter().map(weight).sum::<u64>(),
        Value::Map(m) => 1 + m.values().map(weight).sum::<u64>(),
        _ => 1,
    }
}

/// The outermost `for` sets the budget its nested ones share, and clears
/// it when done, whatever the outcome.
fn for_each(f: &ForExpr, scope: &dyn Scope) -> Result<Value, EvalError> {
    let outermost = FOR_WORK.with(|w| w.get().is_none());
    if !outermost {
        return for_each_inner(f, scope);
    }
    FOR_WORK.with(|w| w.set(Some(MAX_FOR_WORK)));
    let result = for_each_inner(f, scope);
    FOR_WORK.with(|w| w.set(None));
    result
}

/// A `for` expression: each element of the collection (a list's index
/// and value, or a map's key and value in key order) with the loop's
/// names bound, kept where the condition holds. Unknown when the
/// collection or a condition is known only after apply.
fn for_each_inner(f: &ForExpr, scope: &dyn Scope) -> Result<Value, EvalError> {
    let elements: Vec<(Value, Value)> = match eval(&f.collection, scope)? {
        Value::Unknown => return Ok(Value::Unknown),
        Value::List(items) => items.into_iter().enumerate().map(|(i, v)| (Value::Number(i as f64), v)).collect(),
        Value::Map(m) => m.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
        other => {
            return Err(EvalError::new(
                f.collection.span,
                format!("`for` goes over a list or a map, found {}", other.type_name()),
            ));
        }
    };
    let mut list = Vec::new();
    let mut map = std::collections::BTreeMap::new();
    let mut unknown = false;
    let too_much = || {
        EvalError::new(f.collection.span, format!("this `for` does more than {MAX_FOR_WORK} steps"))
            .help("iterate over less, or build the value in smaller parts")
    };
    for (k, v) in elements {
        if !spend(1) {
            return Err(too_much());
        }
        let inner = Bound { outer: scope, names: [(f.key_var.as_deref(), k), (Some(f.value_var.as_str()), v)] };
        if let Some(cond) = &f.cond {
            match eval(cond, &inner)? {
                Value::Bool(true) => {}
                Value::Bool(false) => continue,
                Value::Unknown => {
                    unknown = true;
                    continue;
                }
                other => {
                    return Err(EvalError::new(
                        cond.span,
                        format!("the `if` of a `for` must be a bool, found {}", other.type_name()),
                    ));
                }
            }
        }
        let value = eval(&f.value, &inner)?;
        if !spend(weight(&value)) {
            return Err(too_much());
        }
        match &f.key {
            None => list.push(value),
            Some(key) => match map_key(eval(key, &inner)?, key.span)? {
                None => unknown = true,
                Some(k) => {
                    if map.insert(k.clone(), value).is_some() {
                        return Err(EvalError::new(key.span, format!("two elements have the key {k:?}"))
                            .help("keys of a map `for` must differ; add the index or another field to the key"));
                    }
                }
            },
        }
    }
    Ok(match (&f.key, unknown) {
        (_, true) => Value::Unknown,
        (None, false) => Value::List(list),
        (Some(_), false) => Value::Map(map),
    })
}

/// `try(a, b, ...)`: the first argument that evaluates without an error;
/// `can(a)`: whether it does. Either is unknown while the value it
/// depends on is.
fn try_or_can(name: &str, args: &[Expr], span: Span, scope: &dyn Scope) -> Result<Value, EvalError> {
    if name == "can" {
        let [arg] = args else {
            return Err(EvalError::new(span, format!("can: expected 1 argument, got {}", args.len()))
                .help("usage: can(expression)"));
        };
        return Ok(match eval(arg, scope) {
            Ok(v) if v.contains_unknown() => Value::Unknown,
            Ok(_) => Value::Bool(true),
            Err(_) => Value::Bool(false),
        });
    }
    if args.is_empty() {
        return Err(EvalError::new(span, "try: expected at least 1 argument, got 0").help("usage: try(expressions...)"));
    }
    let mut last = None;
    for a in args {
        match eval(a, scope) {
            Ok(v) if v.contains_unknown() => return Ok(Value::Unknown),
            Ok(v) => return Ok(v),
            Err(e) => last = Some(e),
        }
    }
    let last = last.map(|e| e.message).unwrap_or_default();
    Err(EvalError::new(span, format!("try: no argument could be evaluated; the last one failed with: {last}"))
        .help("give a last argument that always works, such as a default value"))
}

fn project<'s>(
    b: Cow<'s, Value>,
    f: impl Fn(&Value) -> Result<Value, EvalError>,
) -> Result<(Cow<'s, Value>, bool), EvalError> {
    match b.as_ref() {
        Value::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(f(i)?);
            }
            Ok((Cow::Owned(Value::List(out)), true))
        }
        _ => Ok((Cow::Owned(Value::Unknown), true)),
    }
}

fn get_attr_ref<'v>(v: &'v Value, name: &str, span: Span) -> Result<&'v Value, EvalError> {
    static UNKNOWN: Value = Value::Unknown;
    match v {
        Value::Unknown => Ok(&UNKNOWN),
        Value::Map(m) => m.get(name).ok_or_else(|| {
            let keys: Vec<&str> = m.keys().map(String::as_str).collect();
            EvalError::new(span, format!("no attribute `{name}`")).help(crate::diag::suggest(name, &keys, "names"))
        }),
        other => Err(EvalError::new(span, format!("cannot read `.{name}` of a {}", other.type_name()))),
    }
}

fn get_attr(v: &Value, name: &str, span: Span) -> Result<Value, EvalError> {
    get_attr_ref(v, name, span).cloned()
}

fn index<'v>(v: &'v Value, key: &Value, span: Span) -> Result<Cow<'v, Value>, EvalError> {
    match (v, key) {
        (Value::Unknown, _) | (_, Value::Unknown) => Ok(Cow::Owned(Value::Unknown)),
        (Value::List(l), Value::Number(n)) => {
            if n.fract() != 0.0 || *n < 0.0 || *n as usize >= l.len() {
                return Err(EvalError::new(span, format!("index {} is out of range", crate::value::format_number(*n)))
                    .help(format!("the list has {} element(s); indexes start at 0", l.len())));
            }
            Ok(Cow::Borrowed(&l[*n as usize]))
        }
        (Value::Map(m), Value::String(k)) => m.get(k).map(Cow::Borrowed).ok_or_else(|| {
            let keys: Vec<&str> = m.keys().map(String::as_str).collect();
            EvalError::new(span, format!("no key {k:?}")).help(crate::diag::suggest(k, &keys, "keys"))
        }),
        (Value::Map(m), Value::Number(n)) => {
            let k = crate::value::format_number(*n);
            m.get(&k).map(Cow::Borrowed).ok_or_else(|| {
                let keys: Vec<&str> = m.keys().map(String::as_str).collect();
                EvalError::new(span, format!("no key {k:?}")).help(crate::diag::suggest(&k, &keys, "keys"))
            })
        }
        (base, key) => {
            Err(EvalError::new(span, format!("cannot index a {} with a {}", base.type_name(), key.type_name()))
                .help("index a list with a number, a map with a string"))
        }
    }
}

fn binary(op: BinaryOp, l: &Expr, r: &Expr, span: Span, scope: &dyn Scope) -> Result<Value, EvalError> {
    // && and || short-circuit.
    if matches!(op, BinaryOp::And | BinaryOp::Or) {
        let a = eval(l, scope)?;
        let want_short = op == BinaryOp::Or;
        match a {
            Value::Bool(b) if b == want_short => return Ok(Value::Bool(b)),
            Value::Bool(_) | Value::Unknown => {}
            other => {
                return Err(EvalError::new(
                    l.span,
                    format!("`{}` needs bools, found {}", op.symbol(), other.type_name()),
                ));
            }
        }
        let b = eval(r, scope)?;
        return match (a, b) {
            (_, Value::Bool(b)) if b == want_short => Ok(Value::Bool(b)),
            (Value::Unknown, _) | (_, Value::Unknown) => Ok(Value::Unknown),
            (_, Value::Bool(b)) => Ok(Value::Bool(b)),
            (_, other) => {
                Err(EvalError::new(r.span, format!("`{}` needs bools, found {}", op.symbol(), other.type_name())))
            }
        };
    }
    let a = eval(l, scope)?;
    let b = eval(r, scope)?;
    if a.contains_unknown() || b.contains_unknown() {
        return Ok(Value::Unknown);
    }
    match op {
        BinaryOp::Eq => return Ok(Value::Bool(a == b)),
        BinaryOp::Ne => return Ok(Value::Bool(a != b)),
        _ => {}
    }
    let (Value::Number(x), Value::Number(y)) = (&a, &b) else {
        return Err(EvalError::new(
            span,
            format!("`{}` needs numbers, found {} and {}", op.symbol(), a.type_name(), b.type_name()),
        )
        .help("to join strings, write them side by side in one string: \"${a}-${b}\""));
    };
    let (x, y) = (*x, *y);
    let v = match op {
        BinaryOp::Lt => Value::Bool(x < y),
        BinaryOp::Le => Value::Bool(x <= y),
        BinaryOp::Gt => Value::Bool(x > y),
        BinaryOp::Ge => Value::Bool(x >= y),
        BinaryOp::Add => Value::Number(x + y),
        BinaryOp::Sub => Value::Number(x - y),
        BinaryOp::Mul => Value::Number(x * y),
        BinaryOp::Div | BinaryOp::Rem if y == 0.0 => {
            return Err(EvalError::new(span, "division by zero"));
        }
        BinaryOp::Div => Value::Number(x / y),
        BinaryOp::Rem => Value::Number(x % y),
        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::And | BinaryOp::Or => unreachable_op(),
    };
    match v {
        Value::Number(n) if !n.is_finite() => Err(EvalError::new(span, "the result is not a finite number")),
        v => Ok(v),
    }
}

/// Operators handled before the numeric match; kept out of line so the
/// match stays exhaustive without a panic path.
fn unreachable_op() -> Value {
    Value::Null
}

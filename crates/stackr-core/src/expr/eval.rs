//! Evaluates expressions and templates against a [`Scope`].

use super::ast::{BinaryOp, Expr, ExprKind, Part, Template, UnaryOp};
use super::functions;
use crate::source::Span;
use crate::value::Value;
use std::borrow::Cow;

/// What names mean while evaluating: `var`, `data`, `each` and resource
/// names each resolve to a value (a map of their attributes; a for_each
/// resource resolves to a map of instance key to attributes).
pub trait Scope {
    fn root(&self, name: &str) -> Option<&Value>;
}

/// An evaluation error, located.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl EvalError {
    fn new(span: Span, message: impl Into<String>) -> Self {
        EvalError { span, message: message.into(), help: None }
    }
    fn help(mut self, h: impl Into<String>) -> Self {
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

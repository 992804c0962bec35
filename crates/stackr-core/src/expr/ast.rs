//! The syntax tree of `${...}` expressions and string templates.

use crate::source::Span;
use crate::value::Value;

/// One expression, with the place it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Literal(Value),
    /// A root name: `var`, `data`, `each`, or a resource name.
    Name(String),
    /// `base.name`
    Attr(Box<Expr>, String),
    /// `base[index]`
    Index(Box<Expr>, Box<Expr>),
    /// `base[*]`: every element (of a list, or of a for_each resource's
    /// instances in key order); attribute access after it maps over them.
    Splat(Box<Expr>),
    Call(String, Vec<Expr>),
    List(Vec<Expr>),
    /// A string literal with `${...}` inside: `"${name}=${cidr}"`.
    Template(Box<Template>),
    /// `{ name = value, "key" = value, (expr) = value }`
    Map(Vec<(Expr, Expr)>),
    /// `[for v in coll : value if cond]`, `{for k, v in coll : key => value}`
    For(Box<ForExpr>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `cond ? a : b`
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// A `for` expression: over a list (`k` the index) or a map (`k` the key,
/// in key order), keeping the elements where `cond` holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ForExpr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Expr,
    /// The key of each element of the map made (`{for ...}`); `None`
    /// makes a list.
    pub key: Option<Expr>,
    pub value: Expr,
    pub cond: Option<Expr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }
}

/// A string from the stack file with its `${...}` parts parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub parts: Vec<Part>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Lit(String),
    Expr(Expr),
}

impl Template {
    /// The single expression when the string is exactly one `${...}`; its
    /// value then keeps its type (a list stays a list).
    pub fn sole_expr(&self) -> Option<&Expr> {
        match self.parts.as_slice() {
            [Part::Expr(e)] => Some(e),
            _ => None,
        }
    }

    /// True when the string has no `${...}` at all.
    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Lit(_)))
    }

    /// The text, when the string has no `${...}` at all.
    pub fn literal(&self) -> Option<String> {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Lit(l) => Some(l.as_str()),
                Part::Expr(_) => None,
            })
            .collect()
    }
}

/// A step of a reference path after its root name.
#[derive(Debug, Clone, PartialEq)]
pub enum Step<'a> {
    Attr(&'a str),
    Index(&'a Expr),
    Splat,
}

/// A reference found in an expression: `root` followed by steps, e.g.
/// `subnet["a"].id` is root `subnet`, steps `[Index("a"), Attr("id")]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference<'a> {
    pub root: &'a str,
    pub steps: Vec<Step<'a>>,
    pub span: Span,
}

impl Expr {
    /// Every reference in this expression, outermost path first. Index
    /// expressions are searched too (`subnet[var.az]` also references `var`).
    pub fn references(&self) -> Vec<Reference<'_>> {
        let mut out = Vec::new();
        collect_refs(self, &mut out);
        out
    }
}

fn collect_refs<'a>(e: &'a Expr, out: &mut Vec<Reference<'a>>) {
    if let Some(r) = as_path(e) {
        for s in &r.steps {
            if let Step::Index(ix) = s {
                collect_refs(ix, out);
            }
        }
        out.push(r);
        return;
    }
    match &e.kind {
        ExprKind::Literal(_) | ExprKind::Name(_) => {}
        ExprKind::Attr(b, _) | ExprKind::Splat(b) | ExprKind::Unary(_, b) => collect_refs(b, out),
        ExprKind::Index(b, i) | ExprKind::Binary(_, b, i) => {
            collect_refs(b, out);
            collect_refs(i, out);
        }
        ExprKind::Call(_, args) | ExprKind::List(args) => args.iter().for_each(|a| collect_refs(a, out)),
        ExprKind::Template(t) => {
            for p in &t.parts {
                if let Part::Expr(e) = p {
                    collect_refs(e, out);
                }
            }
        }
        ExprKind::Map(items) => {
            for (k, v) in items {
                collect_refs(k, out);
                collect_refs(v, out);
            }
        }
        ExprKind::For(f) => {
            collect_refs(&f.collection, out);
            // The loop's own names are not references of the stack.
            let mut inner = Vec::new();
            for e in [f.key.as_ref(), Some(&f.value), f.cond.as_ref()].into_iter().flatten() {
                collect_refs(e, &mut inner);
            }
            let bound = |root: &str| root == f.value_var || f.key_var.as_deref() == Some(root);
            out.extend(inner.into_iter().filter(|r| !bound(r.root)));
        }
        ExprKind::Cond(c, a, b) => {
            collect_refs(c, out);
            collect_refs(a, out);
            collect_refs(b, out);
        }
    }
}

/// Reads `name.a[0].b[*]` as a path, or `None` if the expression is not a
/// path rooted at a name.
fn as_path(e: &Expr) -> Option<Reference<'_>> {
    let mut steps = Vec::new();
    let mut cur = e;
    loop {
        match &cur.kind {
            ExprKind::Name(n) => {
                steps.reverse();
                return Some(Reference { root: n, steps, span: cur.span });
            }
            ExprKind::Attr(b, name) => {
                steps.push(Step::Attr(name));
                cur = b;
            }
            ExprKind::Index(b, ix) => {
                steps.push(Step::Index(ix));
                cur = b;
            }
            ExprKind::Splat(b) => {
                steps.push(Step::Splat);
                cur = b;
            }
            _ => return None,
        }
    }
}

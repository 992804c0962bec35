//! The expression language inside `${...}`.
//!
//! Small and exact: references (`var.x`, `data.zone.id`, `vpc.id`,
//! `subnet["a"].id`, `subnet[*].id`, `each.key`), literals, lists, maps,
//! `for` expressions, indexing, a conditional, comparisons, arithmetic and
//! a fixed set of functions ([`functions::FUNCTIONS`]; `file` and
//! `templatefile` in [`files`]). A string that is exactly one `${...}`
//! keeps its value's type; otherwise values are interpolated.

pub mod ast;
pub mod eval;
pub mod files;
pub mod functions;
pub mod lexer;
pub mod parser;

pub use ast::{Expr, ExprKind, Part, Reference, Step, Template};
pub use eval::{EvalError, Scope, eval, eval_template};
pub use parser::{ParseError, parse_expr, parse_template};

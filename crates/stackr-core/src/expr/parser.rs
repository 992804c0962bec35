//! Parses expressions and templates.
//!
//! Grammar (lowest precedence first):
//!
//! ```text
//! expr    = or ( "?" expr ":" expr )?
//! or      = and ( "||" and )*
//! and     = cmp ( "&&" cmp )*
//! cmp     = sum ( ("=="|"!="|"<"|"<="|">"|">=") sum )?
//! sum     = product ( ("+"|"-") product )*
//! product = unary ( ("*"|"/"|"%") unary )*
//! unary   = ("!"|"-") unary | postfix
//! postfix = primary ( "." IDENT | "[" expr "]" | "[" "*" "]" )*
//! primary = NUMBER | STRING | "true" | "false" | "null" | IDENT
//!         | IDENT "(" args ")" | "[" args "]" | "(" expr ")"
//!         | "{" ( key ("="|":") expr ","? )* "}"
//!         | "[" "for" IDENT ("," IDENT)? "in" expr ":" expr ("if" expr)? "]"
//!         | "{" "for" IDENT ("," IDENT)? "in" expr ":" expr "=>" expr ("if" expr)? "}"
//! key     = IDENT | STRING | NUMBER | "(" expr ")"
//! ```
//!
//! `for`, `in` and `if` are keywords only where a `for` expression has
//! them; elsewhere they are names like any other.

use super::ast::{BinaryOp, Expr, ExprKind, ForExpr, Part, Template, UnaryOp};
use super::lexer::{Tok, Token, lex};
use crate::source::Span;
use crate::value::Value;

/// A parse error: where (a span into the file) and what.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

const MAX_DEPTH: usize = 64;

/// Parses a string from a stack file into a template. `base` is where the
/// string's text starts in the file (after any opening quote); positions
/// inside single-line strings are exact, inside multi-line ones they point
/// at the string's start line.
pub fn parse_template(text: &str, base: Span) -> Result<Template, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$' && chars.get(i + 1) == Some(&'$') && chars.get(i + 2) == Some(&'{') {
            lit.push_str("${");
            i += 3;
            continue;
        }
        if chars[i] == '$' && chars.get(i + 1) == Some(&'{') {
            let open = i;
            let close = find_close(&chars, i + 2).ok_or_else(|| ParseError {
                span: at(base, &chars, open),
                message: "`${` is never closed".into(),
                help: Some("close the expression with `}`, or write `$${` for a literal `${`".into()),
            })?;
            if !lit.is_empty() {
                parts.push(Part::Lit(std::mem::take(&mut lit)));
            }
            let inner: String = chars[i + 2..close].iter().collect();
            let expr_base = at(base, &chars, i + 2);
            if inner.trim().is_empty() {
                return Err(ParseError {
                    span: at(base, &chars, open),
                    message: "empty `${}`".into(),
                    help: Some("write a reference such as `${var.name}` or `${vpc.id}`".into()),
                });
            }
            parts.push(Part::Expr(parse_expr(&inner, expr_base)?));
            i = close + 1;
            continue;
        }
        lit.push(chars[i]);
        i += 1;
    }
    if !lit.is_empty() || parts.is_empty() {
        parts.push(Part::Lit(lit));
    }
    Ok(Template { parts, span: base })
}

/// The span of character `idx` of a string that starts at `base`.
fn at(base: Span, chars: &[char], idx: usize) -> Span {
    if chars[..idx.min(chars.len())].contains(&'\n') { base } else { base.shifted(idx as u32) }
}

/// Finds the `}` closing a `${` whose content starts at `from`, skipping
/// string literals and nested braces.
pub(crate) fn find_close(chars: &[char], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = from;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) => {
                if c == '\\' {
                    i += 1;
                } else if c == q {
                    quote = None;
                } else if c == '$' && chars.get(i + 1) == Some(&'{') {
                    // A template inside the string: its own strings and
                    // braces do not end the string (`"x-${upper("a")}"`).
                    i = find_close(chars, i + 2)?;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '{' => depth += 1,
                '}' if depth == 0 => return Some(i),
                '}' => depth -= 1,
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// Parses one expression (the inside of `${...}`).
pub fn parse_expr(src: &str, base: Span) -> Result<Expr, ParseError> {
    let tokens =
        lex(src).map_err(|e| ParseError { span: base.shifted(e.offset as u32), message: e.message, help: None })?;
    let mut p = Parser { tokens, pos: 0, base, end: src.chars().count(), depth: 0 };
    let e = p.expr()?;
    if let Some(t) = p.tokens.get(p.pos) {
        let help = if t.tok == Tok::Assign {
            "compare with `==`; `=` only joins a key to its value in a map `{ name = value }`"
        } else {
            "an expression is one value; join strings with format() or by writing them side by side in the string"
        };
        return Err(p.error_at(t.offset, format!("unexpected {} after the expression", describe(&t.tok)), Some(help)));
    }
    Ok(e)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    base: Span,
    end: usize,
    depth: usize,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("name `{s}`"),
        Tok::Number(n) => format!("number `{}`", crate::value::format_number(*n)),
        Tok::Str(s) => format!("string {s:?}"),
        other => {
            let s = match other {
                Tok::Dot => ".",
                Tok::Comma => ",",
                Tok::LBracket => "[",
                Tok::RBracket => "]",
                Tok::LParen => "(",
                Tok::RParen => ")",
                Tok::Question => "?",
                Tok::Colon => ":",
                Tok::Bang => "!",
                Tok::Star => "*",
                Tok::Plus => "+",
                Tok::Minus => "-",
                Tok::Slash => "/",
                Tok::Percent => "%",
                Tok::EqEq => "==",
                Tok::NotEq => "!=",
                Tok::Lt => "<",
                Tok::Le => "<=",
                Tok::Gt => ">",
                Tok::Ge => ">=",
                Tok::AndAnd => "&&",
                Tok::OrOr => "||",
                Tok::LBrace => "{",
                Tok::RBrace => "}",
                Tok::Assign => "=",
                Tok::FatArrow => "=>",
                _ => "?",
            };
            format!("`{s}`")
        }
    }
}

impl Parser {
    fn span_at(&self, offset: usize) -> Span {
        self.base.shifted(offset as u32)
    }

    fn error_at(&self, offset: usize, message: String, help: Option<&str>) -> ParseError {
        ParseError { span: self.span_at(offset), message, help: help.map(str::to_string) }
    }

    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn offset(&self) -> usize {
        self.tokens.get(self.pos).map(|t| t.offset).unwrap_or(self.end)
    }

    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: &Tok, what: &str) -> Result<(), ParseError> {
        if self.eat(t) {
            return Ok(());
        }
        let found = self.peek().map(describe).unwrap_or_else(|| "the end of the expression".into());
        Err(self.error_at(self.offset(), format!("expected {what}, found {found}"), None))
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let message = format!(
                "expression nests too deeply (over {MAX_DEPTH} levels of brackets, operators or `.`/`[]` links)"
            );
            return Err(self.error_at(self.offset(), message, Some("split it into locals")));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let start = self.offset();
        let cond = self.binary(0)?;
        let e = if self.eat(&Tok::Question) {
            let a = self.expr()?;
            self.expect(&Tok::Colon, "`:` of a conditional `cond ? a : b`")?;
            let b = self.expr()?;
            Expr { kind: ExprKind::Cond(Box::new(cond), Box::new(a), Box::new(b)), span: self.span_at(start) }
        } else {
            cond
        };
        self.depth -= 1;
        Ok(e)
    }

    /// Precedence climbing over binary operators.
    fn binary(&mut self, min_level: u8) -> Result<Expr, ParseError> {
        self.enter()?;
        let mut lhs = self.unary()?;
        // Each operator of a chain (`a + b + c ...`) nests the tree one
        // level deeper, as a parenthesis does: counted alike, so that what
        // walks the tree later cannot run out of stack.
        let mut chained = 0;
        while let Some((op, level)) = self.peek().and_then(binary_op) {
            if level < min_level {
                break;
            }
            self.enter()?;
            chained += 1;
            let offset = self.offset();
            self.pos += 1;
            let rhs = self.binary(level + 1)?;
            lhs = Expr { kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span: self.span_at(offset) };
            // Comparisons do not chain: `a < b < c` is an error.
            if level == 2 && self.peek().and_then(binary_op).is_some_and(|(_, l)| l == 2) {
                return Err(self.error_at(self.offset(), "comparisons cannot be chained".into(), Some("use `&&`")));
            }
        }
        self.depth -= 1 + chained;
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let offset = self.offset();
        let op = match self.peek() {
            Some(Tok::Bang) => Some(UnaryOp::Not),
            Some(Tok::Minus) => Some(UnaryOp::Neg),
            _ => None,
        };
        let e = match op {
            Some(op) => {
                self.pos += 1;
                let inner = self.unary()?;
                Expr { kind: ExprKind::Unary(op, Box::new(inner)), span: self.span_at(offset) }
            }
            None => self.postfix()?,
        };
        self.depth -= 1;
        Ok(e)
    }

    fn postfix(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.primary()?;
        // Each link of `a.b[0].c ...` nests the tree one level deeper.
        let mut chained = 0;
        loop {
            let offset = self.offset();
            if matches!(self.peek(), Some(Tok::Dot | Tok::LBracket)) {
                self.enter()?;
                chained += 1;
            }
            if self.eat(&Tok::Dot) {
                match self.tokens.get(self.pos).map(|t| t.tok.clone()) {
                    Some(Tok::Ident(name)) => {
                        self.pos += 1;
                        e = Expr { kind: ExprKind::Attr(Box::new(e), name), span: self.span_at(offset + 1) };
                    }
                    Some(Tok::Number(n)) if n.fract() == 0.0 => {
                        // `list.0` reads as `list[0]`.
                        self.pos += 1;
                        let ix = Expr { kind: ExprKind::Literal(Value::Number(n)), span: self.span_at(offset + 1) };
                        e = Expr { kind: ExprKind::Index(Box::new(e), Box::new(ix)), span: self.span_at(offset) };
                    }
                    _ => {
                        let found = self.peek().map(describe).unwrap_or_else(|| "the end".into());
                        return Err(self.error_at(
                            self.offset(),
                            format!("expected an attribute name after `.`, found {found}"),
                            None,
                        ));
                    }
                }
            } else if self.eat(&Tok::LBracket) {
                if self.eat(&Tok::Star) {
                    self.expect(&Tok::RBracket, "`]` after `[*`")?;
                    e = Expr { kind: ExprKind::Splat(Box::new(e)), span: self.span_at(offset) };
                } else {
                    let ix = self.expr()?;
                    self.expect(&Tok::RBracket, "`]`")?;
                    e = Expr { kind: ExprKind::Index(Box::new(e), Box::new(ix)), span: self.span_at(offset) };
                }
            } else {
                self.depth -= chained;
                return Ok(e);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let offset = self.offset();
        let span = self.span_at(offset);
        let Some(tok) = self.tokens.get(self.pos).map(|t| t.tok.clone()) else {
            return Err(self.error_at(offset, "expected a value, found the end of the expression".into(), None));
        };
        self.pos += 1;
        let kind = match tok {
            Tok::Number(n) => ExprKind::Literal(Value::Number(n)),
            // A string with `${` in it is a template, as in the stack file.
            Tok::Str(s) if s.contains("${") => {
                let t = parse_template(&s, span)?;
                // Only `$${` in it: one literal part, the escape undone.
                match t.parts.as_slice() {
                    [Part::Lit(l)] => ExprKind::Literal(Value::String(l.clone())),
                    _ => ExprKind::Template(Box::new(t)),
                }
            }
            Tok::Str(s) => ExprKind::Literal(Value::String(s)),
            Tok::Ident(name) => match name.as_str() {
                "true" => ExprKind::Literal(Value::Bool(true)),
                "false" => ExprKind::Literal(Value::Bool(false)),
                "null" => ExprKind::Literal(Value::Null),
                _ if self.peek() == Some(&Tok::LParen) => {
                    self.pos += 1;
                    let args = self.list_items(&Tok::RParen, "`)` closing the call")?;
                    ExprKind::Call(name, args)
                }
                _ => ExprKind::Name(name),
            },
            Tok::LBracket if self.at_for() => ExprKind::For(Box::new(self.for_expr(false)?)),
            Tok::LBracket => ExprKind::List(self.list_items(&Tok::RBracket, "`]` closing the list")?),
            Tok::LBrace if self.at_for() => ExprKind::For(Box::new(self.for_expr(true)?)),
            Tok::LBrace => ExprKind::Map(self.map_items()?),
            Tok::LParen => {
                let e = self.expr()?;
                self.expect(&Tok::RParen, "`)`")?;
                return Ok(e);
            }
            other => {
                return Err(self.error_at(
                    offset,
                    format!("expected a value, found {}", describe(&other)),
                    Some("a value is a reference (`vpc.id`, `var.name`), a literal, a list or a function call"),
                ));
            }
        };
        Ok(Expr { kind, span })
    }

    /// Whether a `for` expression starts here: `for NAME` (`for` alone
    /// stays a name, as in `[for]`).
    fn at_for(&self) -> bool {
        matches!(self.peek(), Some(Tok::Ident(k)) if k == "for")
            && matches!(self.tokens.get(self.pos + 1).map(|t| &t.tok), Some(Tok::Ident(_)))
    }

    fn ident(&mut self, what: &str) -> Result<String, ParseError> {
        match self.tokens.get(self.pos).map(|t| t.tok.clone()) {
            Some(Tok::Ident(name)) => {
                self.pos += 1;
                Ok(name)
            }
            other => {
                let found = other.as_ref().map(describe).unwrap_or_else(|| "the end of the expression".into());
                Err(self.error_at(self.offset(), format!("expected {what}, found {found}"), None))
            }
        }
    }

    fn keyword(&mut self, word: &str, what: &str) -> Result<(), ParseError> {
        if matches!(self.peek(), Some(Tok::Ident(k)) if k == word) {
            self.pos += 1;
            return Ok(());
        }
        let found = self.peek().map(describe).unwrap_or_else(|| "the end of the expression".into());
        Err(self.error_at(self.offset(), format!("expected {what}, found {found}"), None))
    }

    /// After `[` or `{`: `for k, v in coll : [key =>] value [if cond]`.
    fn for_expr(&mut self, map: bool) -> Result<ForExpr, ParseError> {
        self.enter()?;
        self.pos += 1; // `for`
        let first = self.ident("a name after `for`")?;
        let (key_var, value_var) = if self.eat(&Tok::Comma) {
            (Some(first), self.ident("the value's name after `for KEY,`")?)
        } else {
            (None, first)
        };
        if key_var.as_deref() == Some(value_var.as_str()) {
            return Err(self.error_at(
                self.offset(),
                format!("`for {value_var}, {value_var}` names the key and the value alike"),
                Some("give the key and the value different names"),
            ));
        }
        self.keyword("in", "`in` after the names of a `for`")?;
        let collection = self.expr()?;
        self.expect(&Tok::Colon, "`:` after the collection of a `for`")?;
        let first = self.expr()?;
        let (key, value) = if map {
            if !self.eat(&Tok::FatArrow) {
                let found = self.peek().map(describe).unwrap_or_else(|| "the end of the expression".into());
                return Err(self.error_at(
                    self.offset(),
                    format!("expected `=>` between the key and the value of a map `for`, found {found}"),
                    Some("a map `for` is `{for k, v in coll : key => value}`; a list `for` uses `[...]`"),
                ));
            }
            (Some(first), self.expr()?)
        } else {
            if self.peek() == Some(&Tok::FatArrow) {
                return Err(self.error_at(
                    self.offset(),
                    "`=>` makes a map: write the `for` in `{...}`".into(),
                    Some("`[for v in coll : value]` makes a list, `{for k, v in coll : key => value}` a map"),
                ));
            }
            (None, first)
        };
        let cond = if matches!(self.peek(), Some(Tok::Ident(k)) if k == "if") {
            self.pos += 1;
            Some(self.expr()?)
        } else {
            None
        };
        let close = if map { Tok::RBrace } else { Tok::RBracket };
        self.expect(&close, if map { "`}` closing the `for`" } else { "`]` closing the `for`" })?;
        self.depth -= 1;
        Ok(ForExpr { key_var, value_var, collection, key, value, cond })
    }

    /// After `{`: `key = value` pairs, separated by commas (optional), up
    /// to `}`. A bare name or a string is a literal key; `(expr)` computes one.
    fn map_items(&mut self) -> Result<Vec<(Expr, Expr)>, ParseError> {
        self.enter()?;
        let mut items = Vec::new();
        loop {
            if self.eat(&Tok::RBrace) {
                self.depth -= 1;
                return Ok(items);
            }
            let offset = self.offset();
            let key = match self.tokens.get(self.pos).map(|t| t.tok.clone()) {
                Some(Tok::Ident(name)) => {
                    self.pos += 1;
                    Expr { kind: ExprKind::Literal(Value::String(name)), span: self.span_at(offset) }
                }
                Some(Tok::Str(s)) => {
                    self.pos += 1;
                    Expr { kind: ExprKind::Literal(Value::String(s)), span: self.span_at(offset) }
                }
                Some(Tok::Number(n)) => {
                    self.pos += 1;
                    let text = crate::value::format_number(n);
                    Expr { kind: ExprKind::Literal(Value::String(text)), span: self.span_at(offset) }
                }
                Some(Tok::LParen) => {
                    self.pos += 1;
                    let e = self.expr()?;
                    self.expect(&Tok::RParen, "`)` closing the key")?;
                    e
                }
                other => {
                    let found = other.as_ref().map(describe).unwrap_or_else(|| "the end of the expression".into());
                    return Err(self.error_at(
                        offset,
                        format!("expected a map key or `}}`, found {found}"),
                        Some("a map is `{ name = value, \"other key\" = value }`; compute a key with `(expr) = value`"),
                    ));
                }
            };
            if !self.eat(&Tok::Assign) && !self.eat(&Tok::Colon) {
                let found = self.peek().map(describe).unwrap_or_else(|| "the end of the expression".into());
                return Err(self.error_at(
                    self.offset(),
                    format!("expected `=` after the map key, found {found}"),
                    Some("a map is `{ name = value, other = value }`"),
                ));
            }
            let value = self.expr()?;
            items.push((key, value));
            self.eat(&Tok::Comma);
        }
    }

    fn list_items(&mut self, close: &Tok, what: &str) -> Result<Vec<Expr>, ParseError> {
        let mut items = Vec::new();
        if self.eat(close) {
            return Ok(items);
        }
        loop {
            items.push(self.expr()?);
            if self.eat(close) {
                return Ok(items);
            }
            self.expect(&Tok::Comma, &format!("`,` or {what}"))?;
            if self.eat(close) {
                return Ok(items);
            }
        }
    }
}

/// Binary operators and their precedence levels.
fn binary_op(t: &Tok) -> Option<(BinaryOp, u8)> {
    Some(match t {
        Tok::OrOr => (BinaryOp::Or, 0),
        Tok::AndAnd => (BinaryOp::And, 1),
        Tok::EqEq => (BinaryOp::Eq, 2),
        Tok::NotEq => (BinaryOp::Ne, 2),
        Tok::Lt => (BinaryOp::Lt, 2),
        Tok::Le => (BinaryOp::Le, 2),
        Tok::Gt => (BinaryOp::Gt, 2),
        Tok::Ge => (BinaryOp::Ge, 2),
        Tok::Plus => (BinaryOp::Add, 3),
        Tok::Minus => (BinaryOp::Sub, 3),
        Tok::Star => (BinaryOp::Mul, 4),
        Tok::Slash => (BinaryOp::Div, 4),
        Tok::Percent => (BinaryOp::Rem, 4),
        _ => return None,
    })
}

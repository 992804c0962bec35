//! A YAML loader that keeps the location of every value.
//!
//! Built on yaml-rust2's event parser (YAML 1.2). Plain scalars are typed by
//! the YAML 1.2 core schema (`true`, `12`, `0.5`, `null`); quoted scalars are
//! always strings. Anchors and aliases are expanded (with a bound, so a
//! "billion laughs" document is refused rather than exhausting memory);
//! tags, multiple documents, non-scalar keys and duplicate keys are errors.

use crate::diag::{Diagnostic, Diagnostics};
#[cfg(test)]
use crate::source::Pos;
use crate::source::{FileId, Span};
use std::collections::HashMap;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// How deep mappings and sequences may nest.
const MAX_DEPTH: usize = 200;
/// How many nodes a document may expand to (aliases included).
const MAX_NODES: usize = 2_000_000;

/// A YAML value with its location.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key: always a scalar, kept as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

impl Node {
    /// A short name for the node's type, for messages ("a string", "a list").
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Number(_) => "a number",
            NodeKind::String(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a map",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value of `key` in a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.iter().find(|(k, _)| k.name == key).map(|(_, v)| v)
    }
}

/// Parses one YAML document. A syntax error stops parsing (the parser cannot
/// resume); other problems (duplicate keys, tags) are all collected.
pub fn parse(file: FileId, text: &str) -> Result<Node, Diagnostics> {
    let (root, diags) = parse_lenient(file, text)?;
    diags.into_result(root)
}

/// Like [`parse`], but problems that leave a usable document (a duplicate
/// key keeps its first value, a tag is ignored) come back beside it, so
/// later phases can report their own errors in the same run.
pub fn parse_lenient(file: FileId, text: &str) -> Result<(Node, Diagnostics), Diagnostics> {
    let mut loader = Loader {
        file,
        parser: Parser::new_from_str(text),
        text,
        anchors: HashMap::new(),
        nodes: 0,
        diags: Diagnostics::new(),
    };
    let root = loader.document()?;
    Ok((root, loader.diags))
}

struct Loader<'a> {
    file: FileId,
    parser: Parser<std::str::Chars<'a>>,
    text: &'a str,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    diags: Diagnostics,
}

type Fatal = Diagnostics;

impl Loader<'_> {
    fn span(&self, m: &Marker) -> Span {
        // yaml-rust2 columns are 0-based; ours are 1-based like editors.
        Span::point(self.file, m.line() as u32, m.col() as u32 + 1)
    }

    fn next(&mut self) -> Result<(Event, Marker), Fatal> {
        match self.parser.next_token() {
            Ok(ev) => Ok(ev),
            Err(e) => {
                let m = e.marker();
                let span = Span::point(self.file, m.line() as u32, m.col() as u32 + 1);
                let mut d = self.diags.clone();
                // yaml-rust2 lines are 1-based.
                let line = self.text.lines().nth(m.line().saturating_sub(1)).unwrap_or_default();
                let help = if e.info().contains("mapping values are not allowed") && line.contains("${") {
                    "a `${...}` with `: ` inside (a `for`, or `cond ? a : b`) must be quoted: \
                     key: '${[for s in var.list : s.id]}'"
                } else {
                    "check indentation, quotes and the `key: value` layout around this place"
                };
                d.push(Diagnostic::new(span, format!("YAML syntax error: {}", e.info())).with_help(help));
                Err(d)
            }
        }
    }

    fn fatal(&self, span: Span, msg: impl Into<String>, help: &str) -> Fatal {
        let mut d = self.diags.clone();
        d.push(Diagnostic::new(span, msg).with_help(help));
        d
    }

    fn document(&mut self) -> Result<Node, Fatal> {
        let (ev, m) = self.next()?;
        if ev != Event::StreamStart {
            return Err(self.fatal(self.span(&m), "not a YAML stream", "a stack file is a YAML mapping"));
        }
        let (ev, m) = self.next()?;
        let root = match ev {
            Event::StreamEnd => Node { kind: NodeKind::Null, span: self.span(&m) },
            Event::DocumentStart => {
                let (ev, m) = self.next()?;
                let node = self.node(ev, m, 0)?;
                let (ev, m) = self.next()?;
                if ev != Event::DocumentEnd {
                    return Err(self.fatal(self.span(&m), "unexpected content after the document", "remove it"));
                }
                node
            }
            _ => {
                return Err(self.fatal(self.span(&m), "not a YAML document", "a stack file is a YAML mapping"));
            }
        };
        let (ev, m) = self.next()?;
        if ev != Event::StreamEnd {
            return Err(self.fatal(
                self.span(&m),
                "a stack file holds one YAML document, found a second one",
                "remove the second `---` and what follows it, or move it to its own file",
            ));
        }
        Ok(root)
    }

    fn count(&mut self, span: Span, n: usize) -> Result<(), Fatal> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(self.fatal(
                span,
                format!("the document expands to more than {MAX_NODES} values"),
                "aliases (`*name`) that repeat large anchors multiply the document's size; write the values out",
            ));
        }
        Ok(())
    }

    fn node(&mut self, ev: Event, m: Marker, depth: usize) -> Result<Node, Fatal> {
        let span = self.span(&m);
        if depth > MAX_DEPTH {
            return Err(self.fatal(
                span,
                format!("values nest deeper than {MAX_DEPTH} levels"),
                "flatten the structure",
            ));
        }
        self.count(span, 1)?;
        let (node, anchor) = match ev {
            Event::Scalar(text, style, anchor, tag) => {
                if let Some(tag) = tag {
                    self.tag_error(span, &format!("{}{}", tag.handle, tag.suffix));
                }
                let kind = if style == TScalarStyle::Plain { plain_scalar(text) } else { NodeKind::String(text) };
                (Node { kind, span }, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                if let Some(tag) = tag {
                    self.tag_error(span, &format!("{}{}", tag.handle, tag.suffix));
                }
                let mut items = Vec::new();
                loop {
                    let (ev, m) = self.next()?;
                    if ev == Event::SequenceEnd {
                        let end = self.span(&m).start;
                        let node = Node { kind: NodeKind::Seq(items), span: Span::new(self.file, span.start, end) };
                        break (node, anchor);
                    }
                    items.push(self.node(ev, m, depth + 1)?);
                }
            }
            Event::MappingStart(anchor, tag) => {
                if let Some(tag) = tag {
                    self.tag_error(span, &format!("{}{}", tag.handle, tag.suffix));
                }
                let mut entries: Vec<(Key, Node)> = Vec::new();
                let mut seen: HashMap<String, Span> = HashMap::new();
                loop {
                    let (ev, m) = self.next()?;
                    if ev == Event::MappingEnd {
                        let end = self.span(&m).start;
                        let node = Node { kind: NodeKind::Map(entries), span: Span::new(self.file, span.start, end) };
                        break (node, anchor);
                    }
                    let key_node = self.node(ev, m, depth + 1)?;
                    let key = match key_node.kind {
                        NodeKind::String(s) => Key { name: s, span: key_node.span },
                        NodeKind::Bool(b) => Key { name: b.to_string(), span: key_node.span },
                        NodeKind::Number(n) => Key { name: crate::value::format_number(n), span: key_node.span },
                        NodeKind::Null => Key { name: String::new(), span: key_node.span },
                        _ => {
                            self.diags.push(
                                Diagnostic::new(key_node.span, "a mapping key must be a plain value")
                                    .with_help("keys are names such as `vpc` or `cidr_block`, not lists or maps"),
                            );
                            Key { name: String::new(), span: key_node.span }
                        }
                    };
                    let (ev, m) = self.next()?;
                    let value = self.node(ev, m, depth + 1)?;
                    if let Some(first) = seen.get(&key.name) {
                        self.diags.push(
                            Diagnostic::new(key.span, format!("duplicate key `{}`", key.name))
                                .with_note(*first, "first written here")
                                .with_help("each key may appear once in a mapping; merge the two entries"),
                        );
                        continue;
                    }
                    seen.insert(key.name.clone(), key.span);
                    entries.push((key, value));
                }
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                Some(n) => {
                    let n = n.clone();
                    let size = size_of_node(&n);
                    self.count(span, size)?;
                    (n, 0)
                }
                None => {
                    return Err(self.fatal(span, "alias to an unknown anchor", "define `&name` before using `*name`"));
                }
            },
            other => {
                return Err(self.fatal(
                    span,
                    format!("unexpected YAML event {other:?}"),
                    "check the document's structure",
                ));
            }
        };
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }

    fn tag_error(&mut self, span: Span, tag: &str) {
        self.diags.push(
            Diagnostic::new(span, format!("YAML tags such as `{tag}` are not supported"))
                .with_help("write references as `${resource.attribute}` inside a string"),
        );
    }
}

fn size_of_node(n: &Node) -> usize {
    match &n.kind {
        NodeKind::Seq(items) => 1 + items.iter().map(size_of_node).sum::<usize>(),
        NodeKind::Map(entries) => 1 + entries.iter().map(|(_, v)| 1 + size_of_node(v)).sum::<usize>(),
        _ => 1,
    }
}

/// Types a plain scalar by the YAML 1.2 core schema.
fn plain_scalar(text: String) -> NodeKind {
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "true" | "True" | "TRUE" => return NodeKind::Bool(true),
        "false" | "False" | "FALSE" => return NodeKind::Bool(false),
        _ => {}
    }
    if let Some(n) = parse_number(&text) {
        return NodeKind::Number(n);
    }
    NodeKind::String(text)
}

fn parse_number(t: &str) -> Option<f64> {
    let bytes = t.as_bytes();
    let first = *bytes.first()?;
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return None;
    }
    if let Some(hex) = t.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(|v| v as f64);
    }
    if let Some(oct) = t.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok().map(|v| v as f64);
    }
    // Only decimal forms: digits, one dot, an exponent. Rejects "1.2.3",
    // "10.0.0.0/16", "inf", "nan" and similar, which stay strings.
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mut dots = 0;
    let mut digits = 0;
    for c in mantissa.chars() {
        match c {
            '.' => dots += 1,
            '0'..='9' => digits += 1,
            _ => return None,
        }
    }
    if dots > 1 || digits == 0 {
        return None;
    }
    if let Some(e) = exp {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        if e.is_empty() || !e.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
    }
    let v: f64 = t.parse().ok()?;
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: &str) -> Node {
        parse(FileId(0), t).expect("parses")
    }

    #[test]
    fn types_plain_scalars_by_the_core_schema() {
        let n = p("a: 1\nb: '1'\nc: true\nd: ~\ne: 10.0.0.0/16\nf: 0.5\ng: 1e3\nh: .inf\n");
        assert_eq!(n.get("a").unwrap().kind, NodeKind::Number(1.0));
        assert_eq!(n.get("b").unwrap().kind, NodeKind::String("1".into()));
        assert_eq!(n.get("c").unwrap().kind, NodeKind::Bool(true));
        assert_eq!(n.get("d").unwrap().kind, NodeKind::Null);
        assert_eq!(n.get("e").unwrap().kind, NodeKind::String("10.0.0.0/16".into()));
        assert_eq!(n.get("f").unwrap().kind, NodeKind::Number(0.5));
        assert_eq!(n.get("g").unwrap().kind, NodeKind::Number(1000.0));
        assert_eq!(n.get("h").unwrap().kind, NodeKind::String(".inf".into()));
    }

    #[test]
    fn spans_are_one_based() {
        let n = p("top:\n  inner: x\n");
        let inner = n.get("top").unwrap().get("inner").unwrap();
        assert_eq!(inner.span.start, Pos { line: 2, col: 10 });
        let (k, _) = &n.get("top").unwrap().as_map().unwrap()[0];
        assert_eq!(k.span.start, Pos { line: 2, col: 3 });
    }

    #[test]
    fn anchors_expand_and_duplicates_are_reported() {
        let n = p("a: &x {k: 1}\nb: *x\n");
        assert_eq!(n.get("b").unwrap().get("k").unwrap().kind, NodeKind::Number(1.0));
        let e = parse(FileId(0), "a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.0[0].message, "duplicate key `a`");
        assert_eq!(e.0[0].span.unwrap().start, Pos { line: 3, col: 1 });
    }

    #[test]
    fn refuses_alias_bombs_tags_and_second_documents() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(parse(FileId(0), &bomb).unwrap_err().0[0].message.contains("expands"));
        assert!(parse(FileId(0), "a: !Ref x\n").unwrap_err().0[0].message.contains("tags"));
        assert!(parse(FileId(0), "a: 1\n---\nb: 2\n").unwrap_err().0[0].message.contains("one YAML document"));
        let deep = "[".repeat(500) + &"]".repeat(500);
        assert!(parse(FileId(0), &deep).is_err());
    }

    #[test]
    fn syntax_errors_are_located() {
        let e = parse(FileId(0), "a: 1\nb: [1, 2\n").unwrap_err();
        assert!(e.0[0].message.starts_with("YAML syntax error"), "{:?}", e);
        assert!(e.0[0].span.is_some());
    }
}

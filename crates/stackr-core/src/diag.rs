//! Diagnostics: located, explained errors.
//!
//! Library code never prints. It collects [`Diagnostic`]s, as many as one
//! pass can find, and returns them as [`Diagnostics`]; the CLI renders them.
//! A diagnostic names where (file:line:col, or a resource and field) and
//! what would be valid (`help`).

use crate::source::{SourceMap, Span};
use std::fmt::{self, Write as _};

/// One error found in a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the problem is written, when it is written somewhere.
    pub span: Option<Span>,
    /// What is wrong, in one sentence without a trailing period.
    pub message: String,
    /// What would be valid, or how to fix it.
    pub help: Option<String>,
    /// Further places that explain the error (e.g. each edge of a cycle).
    pub notes: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Diagnostic { span: Some(span), message: message.into(), help: None, notes: Vec::new() }
    }

    pub fn unlocated(message: impl Into<String>) -> Self {
        Diagnostic { span: None, message: message.into(), help: None, notes: Vec::new() }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, span: Span, note: impl Into<String>) -> Self {
        self.notes.push((span, note.into()));
        self
    }

    /// Renders the diagnostic with its location, the source line and a caret.
    pub fn render(&self, sources: &SourceMap, color: bool) -> String {
        let (red, blue, bold, reset) =
            if color { ("\x1b[31m", "\x1b[34m", "\x1b[1m", "\x1b[0m") } else { ("", "", "", "") };
        let mut out = String::new();
        let _ = writeln!(out, "{bold}{red}error{reset}{bold}: {}{reset}", self.message);
        if let Some(span) = self.span {
            render_snippet(&mut out, sources, span, None, blue, reset);
        }
        for (span, note) in &self.notes {
            render_snippet(&mut out, sources, *span, Some(note), blue, reset);
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  {blue}={reset} help: {help}");
        }
        out
    }
}

fn render_snippet(out: &mut String, sources: &SourceMap, span: Span, note: Option<&str>, blue: &str, reset: &str) {
    let _ = writeln!(out, "  {blue}-->{reset} {}", sources.location(span));
    if let Some(line) = sources.line(span.file, span.start.line) {
        let num = span.start.line.to_string();
        let pad = " ".repeat(num.len());
        let caret_pad: String = line
            .chars()
            .take(span.start.col.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let _ = writeln!(out, "  {pad} {blue}|{reset}");
        let _ = writeln!(out, "  {blue}{num} |{reset} {line}");
        let label = note.map(|n| format!(" {n}")).unwrap_or_default();
        let _ = writeln!(out, "  {pad} {blue}|{reset} {caret_pad}{blue}^{label}{reset}");
    } else if let Some(n) = note {
        let _ = writeln!(out, "      {n}");
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(h) = &self.help {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

/// Every error found in one pass over a stack.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{} error(s) in the stack", .0.len())]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    pub fn for_each_mut(&mut self, f: impl FnMut(&mut Diagnostic)) {
        self.0.iter_mut().for_each(f);
    }

    /// Sorts by location (file, line, column) and drops exact duplicates,
    /// so output is stable whatever order the passes found things in.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| a.span.cmp(&b.span).then_with(|| a.message.cmp(&b.message)));
        self.0.dedup();
    }

    /// `Ok(v)` when nothing was reported, else the collected errors.
    pub fn into_result<T>(mut self, v: T) -> Result<T, Diagnostics> {
        if self.0.is_empty() {
            Ok(v)
        } else {
            self.sort();
            Err(self)
        }
    }

    /// All diagnostics rendered, then a count line.
    pub fn render(&self, sources: &SourceMap, color: bool) -> String {
        let mut out = String::new();
        for d in &self.0 {
            out.push_str(&d.render(sources, color));
            out.push('\n');
        }
        let n = self.0.len();
        let _ = writeln!(out, "{n} error{}", if n == 1 { "" } else { "s" });
        out
    }

    /// One line per diagnostic: `file:line:col: message (help)`. Used by the
    /// data-driven tests and by `--format short`.
    pub fn render_short(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        for d in &self.0 {
            match d.span {
                Some(s) => {
                    let _ = write!(out, "{}: {}", sources.location(s), d.message);
                }
                None => out.push_str(&d.message),
            }
            if let Some(h) = &d.help {
                let _ = write!(out, " (help: {h})");
            }
            out.push('\n');
        }
        out
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

/// "did you mean" for a near miss among `candidates`.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(&str, f64)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(word, c);
        if score > 0.8 && best.is_none_or(|(_, s)| score > s) {
            best = Some((c, score));
        }
    }
    best.map(|(c, _)| c)
}

/// `help` text for an unknown name: a suggestion when one is close, and the
/// list of valid names.
pub fn suggest(word: &str, candidates: &[&str], what: &str) -> String {
    let list = if candidates.is_empty() {
        format!("there are no {what}")
    } else if candidates.len() <= 20 {
        format!("valid {what}: {}", candidates.join(", "))
    } else if what == "types" {
        "`stackr schema --list` lists every type".to_string()
    } else {
        format!("valid {what}: {}, ... ({} in all)", candidates[..20].join(", "), candidates.len())
    };
    match did_you_mean(word, candidates.iter().copied()) {
        Some(m) => format!("did you mean `{m}`? {list}"),
        None => list,
    }
}

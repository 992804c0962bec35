//! Source files and locations.
//!
//! Every value read from a stack file carries a [`Span`] so that any error,
//! however late it is found (validation, graph building, planning), can name
//! the file, line and column it comes from.

use std::fmt;
use std::path::{Path, PathBuf};

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// A place in a source file: where a value starts (and, when known, ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub fn new(file: FileId, start: Pos, end: Pos) -> Self {
        Span { file, start, end }
    }

    pub fn point(file: FileId, line: u32, col: u32) -> Self {
        let p = Pos { line, col };
        Span { file, start: p, end: p }
    }

    /// A span `offset` characters into this one, on the same line. Used to
    /// point inside a `${...}` expression written in a single-line string.
    pub fn shifted(self, offset: u32) -> Span {
        if offset == 0 {
            return self;
        }
        let start = Pos { line: self.start.line, col: self.start.col + offset };
        Span { file: self.file, start, end: start }
    }
}

/// One loaded source file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    /// The name shown in messages: the path as the user gave it.
    pub display: String,
    pub text: String,
    /// Byte offset of the start of each line, for O(1) line look-ups.
    line_starts: Vec<usize>,
}

/// All files read for one stack (the stack file and everything it extends).
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, path: &Path, display: String, text: String) -> FileId {
        let id = FileId(self.files.len() as u32);
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        self.files.push(SourceFile { path: path.to_path_buf(), display, text, line_starts });
        id
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn display(&self, id: FileId) -> &str {
        self.get(id).map(|f| f.display.as_str()).unwrap_or("<unknown>")
    }

    /// The text of line `line` (1-based) of a file, without its newline.
    pub fn line(&self, id: FileId, line: u32) -> Option<&str> {
        let file = self.get(id)?;
        let i = line.checked_sub(1)? as usize;
        let start = *file.line_starts.get(i)?;
        let end = file.line_starts.get(i + 1).map_or(file.text.len(), |e| e - 1);
        file.text.get(start..end).map(|l| l.strip_suffix('\r').unwrap_or(l))
    }

    /// The path of every file, in `FileId` order.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path())
    }

    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files.iter().position(|f| f.path == path).map(|i| FileId(i as u32))
    }

    /// `file:line:col` for a span.
    pub fn location(&self, span: Span) -> Location<'_> {
        Location { file: self.display(span.file), pos: span.start }
    }
}

/// `file:line:col`, printable.
pub struct Location<'a> {
    pub file: &'a str,
    pub pos: Pos,
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.pos.line, self.pos.col)
    }
}

/// A file's text without the byte order mark some editors write first
/// (U+FEFF): it would read as part of the first key.
pub fn without_bom(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

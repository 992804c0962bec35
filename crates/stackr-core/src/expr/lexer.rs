//! Tokens of the expression language.

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    Number(f64),
    Str(String),
    Dot,
    Comma,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Question,
    Colon,
    Bang,
    Star,
    Plus,
    Minus,
    Slash,
    Percent,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    AndAnd,
    OrOr,
    LBrace,
    RBrace,
    /// `=` between a map key and its value.
    Assign,
    /// `=>` in a map `for`.
    FatArrow,
}

/// A token and its character offset in the expression text.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub offset: usize,
}

/// A lexing error at a character offset.
#[derive(Debug, Clone, PartialEq)]
pub struct LexError {
    pub offset: usize,
    pub message: String,
}

pub fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

pub fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

pub fn lex(src: &str) -> Result<Vec<Token>, LexError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let two = |n: char| chars.get(i + 1) == Some(&n);
        let tok = match c {
            ' ' | '\t' | '\n' | '\r' => {
                i += 1;
                continue;
            }
            '.' => Tok::Dot,
            ',' => Tok::Comma,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '?' => Tok::Question,
            ':' => Tok::Colon,
            '*' => Tok::Star,
            '+' => Tok::Plus,
            '-' => Tok::Minus,
            '/' => Tok::Slash,
            '%' => Tok::Percent,
            '=' if two('=') => {
                i += 1;
                Tok::EqEq
            }
            '=' if two('>') => {
                i += 1;
                Tok::FatArrow
            }
            '=' => Tok::Assign,
            '{' => Tok::LBrace,
            '}' => Tok::RBrace,
            '!' if two('=') => {
                i += 1;
                Tok::NotEq
            }
            '!' => Tok::Bang,
            '<' if two('=') => {
                i += 1;
                Tok::Le
            }
            '<' => Tok::Lt,
            '>' if two('=') => {
                i += 1;
                Tok::Ge
            }
            '>' => Tok::Gt,
            '&' if two('&') => {
                i += 1;
                Tok::AndAnd
            }
            '|' if two('|') => {
                i += 1;
                Tok::OrOr
            }
            '"' | '\'' => {
                let quote = c;
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(LexError { offset: start, message: "unterminated string literal".into() });
                        }
                        Some(&q) if q == quote => break,
                        // A template inside the string keeps its own strings
                        // (`"x-${upper("a")}"`); parsed as a template later.
                        Some('$') if chars.get(i + 1) == Some(&'{') => {
                            let Some(close) = super::parser::find_close(&chars, i + 2) else {
                                return Err(LexError { offset: i, message: "`${` is never closed".into() });
                            };
                            s.extend(&chars[i..=close]);
                            i = close + 1;
                            continue;
                        }
                        Some('\\') => {
                            let esc = match chars.get(i + 1) {
                                Some('n') => '\n',
                                Some('t') => '\t',
                                Some('r') => '\r',
                                Some('\\') => '\\',
                                Some('"') => '"',
                                Some('\'') => '\'',
                                Some(other) => {
                                    return Err(LexError {
                                        offset: i,
                                        message: format!(
                                            "unknown escape `\\{other}` (valid: \\n \\t \\r \\\\ \\\" \\')"
                                        ),
                                    });
                                }
                                None => {
                                    return Err(LexError {
                                        offset: start,
                                        message: "unterminated string literal".into(),
                                    });
                                }
                            };
                            s.push(esc);
                            i += 2;
                            continue;
                        }
                        Some(&ch) => s.push(ch),
                    }
                    i += 1;
                }
                Tok::Str(s)
            }
            c if c.is_ascii_digit() => {
                let mut j = i;
                while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                    // `a[0].b`: a dot followed by a non-digit ends the number.
                    if chars[j] == '.' && !chars.get(j + 1).is_some_and(|d| d.is_ascii_digit()) {
                        break;
                    }
                    j += 1;
                }
                let text: String = chars[i..j].iter().collect();
                let n: f64 = text
                    .parse()
                    .map_err(|_| LexError { offset: start, message: format!("`{text}` is not a number") })?;
                i = j;
                out.push(Token { tok: Tok::Number(n), offset: start });
                continue;
            }
            c if is_ident_start(c) => {
                let mut j = i;
                while j < chars.len() && is_ident_char(chars[j]) {
                    j += 1;
                }
                // A trailing hyphen belongs to a following minus: `a- 1`.
                while j > i + 1 && chars[j - 1] == '-' {
                    j -= 1;
                }
                let text: String = chars[i..j].iter().collect();
                i = j;
                out.push(Token { tok: Tok::Ident(text), offset: start });
                continue;
            }
            other => {
                return Err(LexError { offset: start, message: format!("unexpected character `{other}`") });
            }
        };
        out.push(Token { tok, offset: start });
        i += 1;
    }
    Ok(out)
}

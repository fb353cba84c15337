//! Token-level scanning of template text, as Velocity 1.7's lexer sees it: identifiers
//! (hyphens allowed), directive names (`#name`, `#{name}`), number and string literals,
//! line ends that directives swallow, and line/column positions. The parser drives these
//! by context (text, reference, directive arguments), as Velocity's lexer states do.

use std::cell::Cell;

use crate::ast::Pos;

pub fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

pub fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// The directives the parser knows (anything else after `#` may be a macro call).
pub fn is_directive(name: &str) -> bool {
    matches!(
        name,
        "set" | "if" | "elseif" | "else" | "end" | "foreach" | "break" | "stop" | "define" | "macro" | "evaluate"
    )
}

/// An identifier starting at `at`.
pub fn ident_at(src: &str, at: usize) -> Option<&str> {
    let b = src.as_bytes();
    if at < b.len() && is_ident_start(b[at]) {
        let mut j = at + 1;
        while j < b.len() && is_ident(b[j]) {
            j += 1;
        }
        Some(&src[at..j])
    } else {
        None
    }
}

/// A directive name at `at` (which holds `#`): the name and where the token ends.
pub fn directive_at(src: &str, at: usize) -> Option<(&str, usize)> {
    let b = src.as_bytes();
    if b.get(at + 1) == Some(&b'{') {
        let name = ident_at(src, at + 2)?;
        let end = at + 2 + name.len();
        return (b.get(end) == Some(&b'}')).then_some((name, end + 1));
    }
    let name = name_at(src, at + 1)?;
    Some((name, at + 1 + name.len()))
}

/// A directive or macro name at `at`: a letter, then letters, digits and `_`.
pub fn name_at(src: &str, at: usize) -> Option<&str> {
    let b = src.as_bytes();
    if at < b.len() && b[at].is_ascii_alphabetic() {
        let mut j = at + 1;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        Some(&src[at..j])
    } else {
        None
    }
}

/// Where text resumes after the `)` of a directive, `#else` or `#end` at `at`: spaces and
/// tabs up to a line end go with the directive, and the line end too.
pub fn line_end(b: &[u8], at: usize) -> usize {
    let mut j = at;
    while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
        j += 1;
    }
    match b.get(j) {
        Some(b'\n') => j + 1,
        Some(b'\r') if b.get(j + 1) == Some(&b'\n') => j + 2,
        Some(b'\r') => j + 1,
        _ => at,
    }
}

/// A number literal.
#[derive(Debug, PartialEq)]
pub enum Number<'a> {
    Int(&'a str),
    Float(&'a str),
}

/// A number literal at `at` (`-`? digits, then `.digits` and/or an exponent for a
/// float): the literal and where it ends.
pub fn number_at(src: &str, at: usize) -> Option<(Number<'_>, usize)> {
    let b = src.as_bytes();
    let mut j = at;
    if b.get(j) == Some(&b'-') {
        j += 1;
    }
    let digits = j;
    while j < b.len() && b[j].is_ascii_digit() {
        j += 1;
    }
    let whole = j > digits;
    let mut float = false;
    // `1.5`, `.5` and `1.` are doubles; `1..` starts a range.
    if b.get(j) == Some(&b'.') && b.get(j + 1) != Some(&b'.') {
        let fraction = b.get(j + 1).is_some_and(|c| c.is_ascii_digit());
        if fraction || whole {
            float = true;
            j += 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
        }
    }
    if !whole && !float {
        return None;
    }
    if matches!(b.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        if matches!(b.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        if b.get(k).is_some_and(|c| c.is_ascii_digit()) {
            float = true;
            j = k;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
        }
    }
    let text = &src[at..j];
    Some((if float { Number::Float(text) } else { Number::Int(text) }, j))
}

/// A string literal at `at` (which holds its quote): its content, a doubled quote read as
/// one (no backslash escapes in 1.7), and where it ends; `None` when unterminated.
pub fn string_at(src: &str, at: usize) -> Option<(String, usize)> {
    let b = src.as_bytes();
    let q = b[at];
    let mut j = at + 1;
    let mut content = String::new();
    let mut from = j;
    loop {
        match b.get(j) {
            None => return None,
            Some(&c) if c == q => {
                if b.get(j + 1) == Some(&q) {
                    content.push_str(&src[from..=j]);
                    j += 2;
                    from = j;
                } else {
                    content.push_str(&src[from..j]);
                    return Some((content, j + 1));
                }
            }
            Some(_) => j += 1,
        }
    }
}

/// Line and column of byte offsets, counted on from the last offset asked for (offsets are
/// mostly asked for in order, so scanning stays linear).
pub struct Positions {
    /// The position of the text's first byte (a string literal's text starts mid-template).
    base: Pos,
    last: Cell<(usize, Pos)>,
}

impl Positions {
    pub fn new(base: Pos) -> Self {
        Positions {
            base,
            last: Cell::new((0, base)),
        }
    }

    pub fn at(&self, src: &str, at: usize) -> Pos {
        let mut at = at.min(src.len());
        while !src.is_char_boundary(at) {
            at -= 1;
        }
        let (mut off, mut pos) = self.last.get();
        if at < off {
            (off, pos) = (0, self.base);
        }
        for c in src[off..at].chars() {
            if c == '\n' {
                pos.line += 1;
                pos.column = 1;
            } else {
                pos.column += 1;
            }
        }
        self.last.set((at, pos));
        pos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_tokens() {
        assert_eq!(ident_at("$a-b.c", 1), Some("a-b"));
        assert_eq!(directive_at("#{else}x", 0), Some(("else", 7)));
        assert_eq!(directive_at("#if(", 0), Some(("if", 3)));
        assert_eq!(directive_at("#{if", 0), None);
        assert_eq!(number_at("-12)", 0), Some((Number::Int("-12"), 3)));
        assert_eq!(number_at("1.5e3", 0), Some((Number::Float("1.5e3"), 5)));
        assert_eq!(number_at("1..3", 0), Some((Number::Int("1"), 1)));
        assert_eq!(number_at(".5)", 0), Some((Number::Float(".5"), 2)));
        assert_eq!(number_at("1.)", 0), Some((Number::Float("1."), 2)));
        assert_eq!(number_at(".)", 0), None);
        assert_eq!(string_at("'it''s' x", 0), Some(("it's".to_string(), 7)));
        assert_eq!(string_at("\"open", 0), None);
        assert_eq!(line_end(b")  \nx", 1), 4);
        assert_eq!(line_end(b")  x", 1), 1);
    }

    #[test]
    fn counts_positions() {
        let p = Positions::new(Pos { line: 1, column: 1 });
        assert_eq!(p.at("ab\ncé\nd", 6), Pos { line: 2, column: 3 });
        assert_eq!(p.at("ab\ncé\nd", 5), Pos { line: 2, column: 2 });
        assert_eq!(p.at("ab\ncé\nd", 1), Pos { line: 1, column: 2 });
    }
}

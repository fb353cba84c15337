//! Keyset pages: a page is the documents from a position on, in creation order; the position of
//! the next page is the first document it will show. Deleting or adding documents never shifts
//! a page that is already handed out.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Where a page starts, as clients see it: an opaque token (`position`, `nextToken`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position(pub(crate) i64);

impl Position {
    /// None for a token this store did not hand out.
    pub fn parse(token: &str) -> Option<Position> {
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        let text = std::str::from_utf8(&bytes).ok()?;
        let seq = text.strip_prefix("p:")?.parse::<i64>().ok()?;
        (seq > 0).then_some(Position(seq))
    }

    /// Where a page starting at `row` starts: lists that filter documents before paging them.
    pub fn of(row: &crate::Row) -> Position {
        Position(row.seq())
    }

    pub fn token(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("p:{}", self.0))
    }
}

/// One page of documents and where the next one starts.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Position>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }

    /// The next page's token, as list operations answer it.
    pub fn next_token(&self) -> Option<String> {
        self.next.map(|p| p.token())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_strangers() {
        let p = Position(42);
        assert_eq!(Position::parse(&p.token()), Some(p));
        for bad in ["", "42", "nope", "cDo", "cDotMQ", "cDph"] {
            assert_eq!(Position::parse(bad), None, "{bad}");
        }
    }
}

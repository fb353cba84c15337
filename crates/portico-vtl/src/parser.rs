//! Template text → syntax tree: which `$` and `#` start references and directives (by
//! context, with the `lexer`'s scanning), escapes, comments, the whitespace directives
//! swallow, expressions by precedence; all syntax errors, and the nesting bound.

use std::collections::HashMap;

use crate::Error;
use crate::ast::{BinOp, Block, Expr, LoopMember, Macro, Method, Node, Part, Pos, Reference};
use crate::lexer::{self, Number, Positions, is_directive, is_ident};

/// Nesting of blocks, brackets and parentheses a template may use.
pub const MAX_PARSE_DEPTH: usize = 100;

#[derive(Debug)]
pub struct Parsed {
    pub nodes: Block,
    pub macros: HashMap<String, Macro>,
}

pub fn parse(source: &str) -> Result<Parsed, Error> {
    let mut p = Parser {
        src: source,
        b: source.as_bytes(),
        i: 0,
        depth: 0,
        macros: HashMap::new(),
        positions: Positions::new(Pos { line: 1, column: 1 }),
        top: true,
    };
    let (nodes, end) = p.block(false)?;
    match end {
        Ending::Eof => Ok(Parsed {
            nodes,
            macros: p.macros,
        }),
        _ => Err(p.error_at(p.i, "unexpected #end, #else or #elseif")),
    }
}

enum Ending {
    Eof,
    End,
    Else,
    ElseIf(Expr),
}

struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    depth: usize,
    macros: HashMap<String, Macro>,
    positions: Positions,
    /// The template itself, not a string literal within it.
    top: bool,
}

impl<'a> Parser<'a> {
    fn pos(&self, at: usize) -> Pos {
        self.positions.at(self.src, at)
    }

    fn error_at(&self, at: usize, message: &str) -> Error {
        let p = self.pos(at);
        Error {
            message: message.to_owned(),
            line: p.line,
            column: p.column,
        }
    }

    fn peek(&self, off: usize) -> u8 {
        *self.b.get(self.i + off).unwrap_or(&0)
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_PARSE_DEPTH {
            return Err(self.error_at(self.i, "template nested too deeply"));
        }
        Ok(())
    }

    fn ident_at(&self, at: usize) -> Option<&'a str> {
        lexer::ident_at(self.src, at)
    }

    fn directive_at(&self, at: usize) -> Option<(&'a str, usize)> {
        lexer::directive_at(self.src, at)
    }

    /// After `)` of a directive, `#else` or `#end`: spaces and tabs up to a newline go too.
    fn eat_line_end(&mut self) {
        self.i = lexer::line_end(self.b, self.i);
    }

    fn skip_ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: u8, what: &str) -> Result<(), Error> {
        self.skip_ws();
        if self.peek(0) == c {
            self.i += 1;
            Ok(())
        } else {
            Err(self.error_at(self.i, &format!("expected {what}")))
        }
    }

    /// `(` after a directive name, spaces and tabs allowed before it.
    fn open_paren(&mut self) -> bool {
        let mut j = self.i;
        while j < self.b.len() && (self.b[j] == b' ' || self.b[j] == b'\t') {
            j += 1;
        }
        if self.b.get(j) == Some(&b'(') {
            self.i = j + 1;
            true
        } else {
            false
        }
    }

    fn block(&mut self, nested: bool) -> Result<(Block, Ending), Error> {
        self.enter()?;
        let mut nodes: Block = Vec::new();
        let mut text = String::new();
        macro_rules! flush {
            () => {
                if !text.is_empty() {
                    nodes.push(Node::Text(std::mem::take(&mut text)));
                }
            };
        }
        let b = self.b;
        loop {
            if self.i >= b.len() {
                flush!();
                self.depth -= 1;
                return Ok((nodes, Ending::Eof));
            }
            let c = b[self.i];
            match c {
                b'\\' => {
                    let start = self.i;
                    let mut j = start;
                    while j < b.len() && b[j] == b'\\' {
                        j += 1;
                    }
                    let n = j - start;
                    if b.get(j) == Some(&b'$') {
                        if let Some((r, end)) = self.reference(j)? {
                            flush!();
                            nodes.push(Node::EscapedRef {
                                backslashes: n,
                                reference: r,
                            });
                            self.i = end;
                            continue;
                        }
                    } else if b.get(j) == Some(&b'#')
                        && let Some((name, end)) = self.directive_at(j)
                        && (is_directive(name) || self.macros.contains_key(name))
                    {
                        for _ in 0..n / 2 {
                            text.push('\\');
                        }
                        if n % 2 == 1 {
                            text.push_str(&self.src[j..end]);
                            self.i = end;
                        } else {
                            self.i = j;
                        }
                        continue;
                    }
                    text.push_str(&self.src[start..j]);
                    self.i = j;
                }
                b'$' => match self.reference(self.i)? {
                    Some((r, end)) => {
                        flush!();
                        nodes.push(Node::Ref(r));
                        self.i = end;
                    }
                    None => {
                        // Velocity 1.7's lexer fails on a `$` or `$!` ending the template.
                        if self.top && (self.i + 1 == b.len() || (self.i + 2 == b.len() && b[self.i + 1] == b'!')) {
                            return Err(self.error_at(b.len(), "lexical error: $ at the end of the template"));
                        }
                        text.push('$');
                        self.i += 1;
                        // Velocity 1.7 drops the `!` of a `$!` that starts no reference.
                        if b.get(self.i) == Some(&b'!') && b.get(self.i + 1) != Some(&b'{') {
                            self.i += 1;
                        }
                    }
                },
                b'#' => {
                    let at = self.i;
                    match self.peek(1) {
                        b'#' => {
                            flush!();
                            while self.i < b.len() && b[self.i] != b'\n' {
                                self.i += 1;
                            }
                            self.i = (self.i + 1).min(b.len());
                            continue;
                        }
                        b'*' => {
                            flush!();
                            // Unterminated, it runs to the end (as in Velocity).
                            self.i = match self.src[at + 2..].find("*#") {
                                Some(k) => at + 2 + k + 2,
                                None => b.len(),
                            };
                            continue;
                        }
                        b'[' if self.peek(2) == b'[' => {
                            flush!();
                            match self.src[at + 3..].find("]]#") {
                                Some(k) => {
                                    nodes.push(Node::Text(self.src[at + 3..at + 3 + k].to_owned()));
                                    self.i = at + 3 + k + 3;
                                }
                                None => return Err(self.error_at(at, "unterminated #[[ ]]#")),
                            }
                            continue;
                        }
                        _ => {}
                    }
                    let Some((name, end)) = self.directive_at(at) else {
                        if self.top && at + 1 == b.len() {
                            return Err(self.error_at(at + 1, "lexical error: # at the end of the template"));
                        }
                        text.push('#');
                        self.i += 1;
                        continue;
                    };
                    let pos = self.pos(at);
                    self.i = end;
                    match name {
                        "set" if !self.open_paren() => text.push_str(&self.src[at..end]),
                        "set" => {
                            // Spaces and tabs that are all the text since the last token belong to the
                            // `#set` (Velocity 1.7 lexes them into its token).
                            if text.bytes().all(|c| c == b' ' || c == b'\t') {
                                text.clear();
                            }
                            flush!();
                            self.skip_ws();
                            if self.peek(0) != b'$' {
                                return Err(self.error_at(self.i, "expected a reference in #set"));
                            }
                            let Some((target, e)) = self.reference(self.i)? else {
                                return Err(self.error_at(self.i, "expected a reference in #set"));
                            };
                            self.i = e;
                            self.expect(b'=', "= in #set")?;
                            let value = self.expr()?;
                            self.expect(b')', ") closing #set")?;
                            self.eat_line_end();
                            nodes.push(Node::Set { target, value, pos });
                        }
                        "if" => {
                            flush!();
                            let mut branches = Vec::new();
                            let mut otherwise = None;
                            let mut cond = self.directive_condition("#if")?;
                            loop {
                                let (body, end) = self.block(true)?;
                                match end {
                                    Ending::Eof => return Err(self.error_at(at, "#if without #end")),
                                    Ending::End => {
                                        branches.push((cond, body));
                                        break;
                                    }
                                    Ending::ElseIf(c) => {
                                        branches.push((cond, body));
                                        cond = c;
                                    }
                                    Ending::Else => {
                                        branches.push((cond, body));
                                        let (body, end) = self.block(true)?;
                                        if !matches!(end, Ending::End) {
                                            return Err(self.error_at(at, "#else without #end"));
                                        }
                                        otherwise = Some(body);
                                        break;
                                    }
                                }
                            }
                            nodes.push(Node::If { branches, otherwise });
                        }
                        "elseif" if nested => {
                            flush!();
                            let cond = self.directive_condition("#elseif")?;
                            self.depth -= 1;
                            return Ok((nodes, Ending::ElseIf(cond)));
                        }
                        "else" if nested => {
                            flush!();
                            self.eat_line_end();
                            self.depth -= 1;
                            return Ok((nodes, Ending::Else));
                        }
                        "end" if nested => {
                            flush!();
                            self.eat_line_end();
                            self.depth -= 1;
                            return Ok((nodes, Ending::End));
                        }
                        "elseif" | "else" | "end" => {
                            return Err(self.error_at(at, &format!("#{name} without #if, #foreach, #macro or #define")));
                        }
                        "foreach" => {
                            flush!();
                            if !self.open_paren() {
                                return Err(self.error_at(end, "expected ( after #foreach"));
                            }
                            self.skip_ws();
                            let var = self.simple_var("#foreach")?;
                            self.skip_ws();
                            if !(self.peek(0) == b'i' && self.peek(1) == b'n' && !is_ident(self.peek(2))) {
                                return Err(self.error_at(self.i, "expected 'in' in #foreach"));
                            }
                            self.i += 2;
                            let iterable = self.expr()?;
                            self.expect(b')', ") closing #foreach")?;
                            self.eat_line_end();
                            let (body, end) = self.block(true)?;
                            if !matches!(end, Ending::End) {
                                return Err(self.error_at(at, "#foreach without #end"));
                            }
                            nodes.push(Node::Foreach {
                                var: 0,
                                var_name: var,
                                iterable,
                                body,
                                pos,
                            });
                        }
                        "evaluate" if self.open_paren() => {
                            flush!();
                            let arg = self.param()?;
                            self.expect(b')', ") closing #evaluate")?;
                            self.eat_line_end();
                            nodes.push(Node::Evaluate { arg, pos });
                        }
                        "evaluate" => return Err(self.error_at(end, "expected ( after #evaluate")),
                        "break" | "stop" => {
                            flush!();
                            // `#break($foreach)`: the scope named is always the innermost here.
                            let save = self.i;
                            if self.open_paren() {
                                self.skip_ws();
                                if self.peek(0) == b'$'
                                    && let Some((_, e)) = self.reference(self.i)?
                                {
                                    self.i = e;
                                }
                                self.skip_ws();
                                if self.peek(0) == b')' {
                                    self.i += 1;
                                } else {
                                    self.i = save;
                                }
                            }
                            nodes.push(if name == "break" { Node::Break } else { Node::Stop });
                        }
                        "define" => {
                            flush!();
                            if !self.open_paren() {
                                return Err(self.error_at(end, "expected ( after #define"));
                            }
                            self.skip_ws();
                            let var = self.simple_var("#define")?;
                            self.expect(b')', ") closing #define")?;
                            self.eat_line_end();
                            let (body, end) = self.block(true)?;
                            if !matches!(end, Ending::End) {
                                return Err(self.error_at(at, "#define without #end"));
                            }
                            nodes.push(Node::Define {
                                name: var,
                                slot: 0,
                                body,
                            });
                        }
                        "macro" => {
                            flush!();
                            if !self.open_paren() {
                                return Err(self.error_at(end, "expected ( after #macro"));
                            }
                            self.skip_ws();
                            // A macro name is a directive name: no hyphens.
                            let Some(mname) = lexer::name_at(self.src, self.i) else {
                                return Err(self.error_at(self.i, "expected a macro name"));
                            };
                            self.i += mname.len();
                            let mut params = Vec::new();
                            loop {
                                self.skip_ws();
                                match self.peek(0) {
                                    b')' => {
                                        self.i += 1;
                                        break;
                                    }
                                    b',' => self.i += 1,
                                    b'$' => params.push((self.simple_var("#macro")?, 0)),
                                    _ => return Err(self.error_at(self.i, "expected a macro parameter")),
                                }
                            }
                            self.eat_line_end();
                            let (body, end) = self.block(true)?;
                            if !matches!(end, Ending::End) {
                                return Err(self.error_at(at, "#macro without #end"));
                            }
                            // The first definition of a name stands (Velocity's default).
                            self.macros.entry(mname.to_owned()).or_insert(Macro { params, body });
                        }
                        _ => {
                            if self.open_paren() {
                                flush!();
                                let mut args = Vec::new();
                                loop {
                                    self.skip_ws();
                                    match self.peek(0) {
                                        b')' => {
                                            self.i += 1;
                                            break;
                                        }
                                        b',' => self.i += 1,
                                        0 => return Err(self.error_at(at, "unterminated macro call")),
                                        _ => args.push(self.param()?),
                                    }
                                }
                                let literal = self.src[at..self.i].to_owned();
                                self.eat_line_end();
                                nodes.push(Node::Call {
                                    name: name.to_owned(),
                                    args,
                                    literal,
                                    pos,
                                });
                            } else if self.macros.contains_key(name) {
                                // A macro defined above may be called without parentheses.
                                flush!();
                                nodes.push(Node::Call {
                                    name: name.to_owned(),
                                    args: Vec::new(),
                                    literal: self.src[at..end].to_owned(),
                                    pos,
                                });
                            } else {
                                text.push_str(&self.src[at..end]);
                            }
                        }
                    }
                }
                _ => {
                    let start = self.i;
                    let mut j = start + 1;
                    while j < b.len() && !matches!(b[j], b'\\' | b'$' | b'#') {
                        j += 1;
                    }
                    text.push_str(&self.src[start..j]);
                    self.i = j;
                }
            }
        }
    }

    fn directive_condition(&mut self, what: &str) -> Result<Expr, Error> {
        if !self.open_paren() {
            return Err(self.error_at(self.i, &format!("expected ( after {what}")));
        }
        let cond = self.expr()?;
        self.expect(b')', &format!(") closing {what}"))?;
        self.eat_line_end();
        Ok(cond)
    }

    /// `$name` (or `${name}`) where only a plain variable may stand.
    fn simple_var(&mut self, what: &str) -> Result<String, Error> {
        if self.peek(0) == b'$'
            && let Some((r, end)) = self.reference(self.i)?
            && r.parts.is_empty()
        {
            self.i = end;
            return Ok(r.name);
        }
        Err(self.error_at(self.i, &format!("expected a variable in {what}")))
    }

    /// A reference starting at `at` (`$`): the reference and where it ends, or `None` when
    /// the `$` starts none (it is then text).
    fn reference(&mut self, at: usize) -> Result<Option<(Reference, usize)>, Error> {
        let b = self.b;
        let mut j = at + 1;
        let quiet = b.get(j) == Some(&b'!');
        if quiet {
            j += 1;
        }
        let braced = b.get(j) == Some(&b'{');
        if braced {
            j += 1;
        }
        let Some(name) = self.ident_at(j) else { return Ok(None) };
        j += name.len();
        let mut parts = Vec::new();
        let save = self.i;
        loop {
            match b.get(j) {
                // After a dot a name starts with a letter (`$s._x` is `$s` then text).
                Some(b'.') if b.get(j + 1).is_some_and(|c| c.is_ascii_alphabetic()) => {
                    let Some(id) = self.ident_at(j + 1) else { break };
                    j += 1 + id.len();
                    if b.get(j) == Some(&b'(') {
                        self.i = j + 1;
                        self.enter()?;
                        let mut args = Vec::new();
                        self.skip_ws();
                        if self.peek(0) != b')' {
                            loop {
                                args.push(self.param()?);
                                self.skip_ws();
                                match self.peek(0) {
                                    b',' => self.i += 1,
                                    b')' => break,
                                    _ => return Err(self.error_at(self.i, "expected , or ) in method arguments")),
                                }
                            }
                        }
                        self.i += 1;
                        self.depth -= 1;
                        j = self.i;
                        parts.push(Part::Method(Method::new(id), args));
                    } else {
                        parts.push(Part::Property(id.to_owned()));
                    }
                }
                Some(b'[') => {
                    self.i = j + 1;
                    self.skip_ws();
                    let at = self.i;
                    let e = self.expr()?;
                    // An index is a literal or a reference (Velocity's grammar).
                    if !matches!(
                        e,
                        Expr::Int(_) | Expr::Str(_) | Expr::Interpolated(_) | Expr::Bool(_) | Expr::Ref(_)
                    ) {
                        return Err(self.error_at(at, "an index is a literal or a reference"));
                    }
                    self.expect(b']', "] closing an index")?;
                    j = self.i;
                    parts.push(Part::Index(e));
                }
                _ => break,
            }
        }
        self.i = save;
        if braced {
            if b.get(j) != Some(&b'}') {
                return Err(self.error_at(j, "expected } closing ${"));
            }
            j += 1;
        }
        let loop_member = match (name, &parts[..]) {
            ("foreach", [Part::Property(p)]) => match p.as_str() {
                "hasNext" => Some(LoopMember::HasNext),
                "index" => Some(LoopMember::Index),
                "count" => Some(LoopMember::Count),
                _ => None,
            },
            _ => None,
        };
        let reference = Reference {
            quiet,
            name: name.to_owned(),
            slot: 0,
            parts,
            literal: self.src[at..j].to_owned(),
            pos: self.pos(at),
            loop_member,
        };
        Ok(Some((reference, j)))
    }

    // Expressions, lowest precedence first.

    fn expr(&mut self) -> Result<Expr, Error> {
        self.enter()?;
        let e = self.or();
        self.depth -= 1;
        e
    }

    /// An operator at the cursor (after whitespace): its length when it matches.
    fn op(&mut self, symbol: &str, word: Option<&str>) -> bool {
        self.skip_ws();
        let rest = &self.b[self.i..];
        if rest.starts_with(symbol.as_bytes()) {
            // `=` alone is not `==`, `!` alone is not `!=`...
            self.i += symbol.len();
            return true;
        }
        if let Some(w) = word
            && rest.starts_with(w.as_bytes())
            && !rest.get(w.len()).is_some_and(|&c| is_ident(c))
        {
            self.i += w.len();
            return true;
        }
        false
    }

    fn or(&mut self) -> Result<Expr, Error> {
        let depth = self.depth;
        let mut left = self.and()?;
        while self.op("||", Some("or")) {
            let right = self.and()?;
            self.enter()?;
            left = Expr::Binary(BinOp::Or, Box::new(left), Box::new(right));
        }
        // Each operator nests the tree one deeper (evaluated and dropped recursively).
        self.depth = depth;
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, Error> {
        let depth = self.depth;
        let mut left = self.equality()?;
        while self.op("&&", Some("and")) {
            let right = self.equality()?;
            self.enter()?;
            left = Expr::Binary(BinOp::And, Box::new(left), Box::new(right));
        }
        // Each operator nests the tree one deeper (evaluated and dropped recursively).
        self.depth = depth;
        Ok(left)
    }

    fn equality(&mut self) -> Result<Expr, Error> {
        let depth = self.depth;
        let mut left = self.relational()?;
        loop {
            let op = if self.op("==", Some("eq")) {
                BinOp::Eq
            } else if self.op("!=", Some("ne")) {
                BinOp::Ne
            } else {
                break;
            };
            let right = self.relational()?;
            self.enter()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        // Each operator nests the tree one deeper (evaluated and dropped recursively).
        self.depth = depth;
        Ok(left)
    }

    fn relational(&mut self) -> Result<Expr, Error> {
        let depth = self.depth;
        let mut left = self.additive()?;
        loop {
            let op = if self.op("<=", Some("le")) {
                BinOp::Le
            } else if self.op(">=", Some("ge")) {
                BinOp::Ge
            } else if self.op("<", Some("lt")) {
                BinOp::Lt
            } else if self.op(">", Some("gt")) {
                BinOp::Gt
            } else {
                break;
            };
            let right = self.additive()?;
            self.enter()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        // Each operator nests the tree one deeper (evaluated and dropped recursively).
        self.depth = depth;
        Ok(left)
    }

    fn additive(&mut self) -> Result<Expr, Error> {
        let depth = self.depth;
        let mut left = self.multiplicative()?;
        loop {
            let op = if self.op("+", None) {
                BinOp::Add
            } else if self.op("-", None) {
                BinOp::Sub
            } else {
                break;
            };
            let right = self.multiplicative()?;
            self.enter()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        // Each operator nests the tree one deeper (evaluated and dropped recursively).
        self.depth = depth;
        Ok(left)
    }

    fn multiplicative(&mut self) -> Result<Expr, Error> {
        let depth = self.depth;
        let mut left = self.unary()?;
        loop {
            let op = if self.op("*", None) {
                BinOp::Mul
            } else if self.op("/", None) {
                BinOp::Div
            } else if self.op("%", None) {
                BinOp::Mod
            } else {
                break;
            };
            let right = self.unary()?;
            self.enter()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        // Each operator nests the tree one deeper (evaluated and dropped recursively).
        self.depth = depth;
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, Error> {
        self.skip_ws();
        let bang = self.peek(0) == b'!' && self.peek(1) != b'=';
        let word = self.b[self.i..].starts_with(b"not") && !is_ident(self.peek(3));
        if bang || word {
            self.i += if bang { 1 } else { 3 };
            self.enter()?;
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(e)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, Error> {
        self.skip_ws();
        let at = self.i;
        let c = self.peek(0);
        match c {
            b'$' => match self.reference(at)? {
                Some((r, end)) => {
                    self.i = end;
                    Ok(Expr::Ref(r))
                }
                None => Err(self.error_at(at, "expected a reference")),
            },
            b'"' | b'\'' => self.string(),
            b'0'..=b'9' | b'-' | b'.' => self.number(),
            b'(' => {
                self.i += 1;
                let e = self.expr()?;
                self.expect(b')', ")")?;
                Ok(e)
            }
            b'[' => {
                self.i += 1;
                self.enter()?;
                self.skip_ws();
                let mut items = Vec::new();
                if self.peek(0) == b']' {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Expr::List(items));
                }
                // Items, keys, values and range ends are literals or references, no
                // operators (Velocity's grammar).
                let first = self.param()?;
                self.skip_ws();
                if self.b[self.i..].starts_with(b"..") {
                    // Range ends are integers or references (Velocity's grammar).
                    let bound = |e: &Expr| matches!(e, Expr::Int(_) | Expr::Ref(_));
                    if !bound(&first) {
                        return Err(self.error_at(at, "a range's ends are integers or references"));
                    }
                    self.i += 2;
                    let last = self.param()?;
                    if !bound(&last) {
                        return Err(self.error_at(at, "a range's ends are integers or references"));
                    }
                    self.expect(b']', "] closing a range")?;
                    self.depth -= 1;
                    return Ok(Expr::Range(Box::new(first), Box::new(last)));
                }
                items.push(first);
                loop {
                    self.skip_ws();
                    match self.peek(0) {
                        b',' => {
                            self.i += 1;
                            items.push(self.param()?);
                        }
                        b']' => {
                            self.i += 1;
                            break;
                        }
                        _ => return Err(self.error_at(self.i, "expected , or ] in a list")),
                    }
                }
                self.depth -= 1;
                Ok(Expr::List(items))
            }
            b'{' => {
                self.i += 1;
                self.enter()?;
                let mut entries = Vec::new();
                self.skip_ws();
                if self.peek(0) == b'}' {
                    self.i += 1;
                } else {
                    loop {
                        let k = self.param()?;
                        self.expect(b':', ": in a map")?;
                        let v = self.param()?;
                        entries.push((k, v));
                        self.skip_ws();
                        match self.peek(0) {
                            b',' => self.i += 1,
                            b'}' => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(self.error_at(self.i, "expected , or } in a map")),
                        }
                    }
                }
                self.depth -= 1;
                Ok(Expr::Map(entries))
            }
            _ => {
                if let Some(w) = self.ident_at(at) {
                    let e = match w {
                        "true" => Expr::Bool(true),
                        "false" => Expr::Bool(false),
                        _ => return Err(self.error_at(at, &format!("unexpected '{w}'"))),
                    };
                    self.i += w.len();
                    return Ok(e);
                }
                Err(self.error_at(at, "expected an expression"))
            }
        }
    }

    /// A method or macro argument: a literal or a reference, no operators (Velocity's
    /// grammar).
    fn param(&mut self) -> Result<Expr, Error> {
        self.enter()?;
        let e = self.primary();
        self.depth -= 1;
        e
    }

    fn number(&mut self) -> Result<Expr, Error> {
        let at = self.i;
        let Some((number, end)) = lexer::number_at(self.src, at) else {
            return Err(self.error_at(at, "expected an expression"));
        };
        self.i = end;
        match number {
            Number::Float(text) => text
                .parse()
                .map(Expr::Float)
                .map_err(|_| self.error_at(at, "bad number")),
            Number::Int(text) => text
                .parse()
                .map(Expr::Int)
                .map_err(|_| self.error_at(at, "integer literal out of range")),
        }
    }

    fn string(&mut self) -> Result<Expr, Error> {
        let at = self.i;
        let q = self.b[at];
        let Some((content, j)) = lexer::string_at(self.src, at) else {
            return Err(self.error_at(at, "unterminated string literal"));
        };
        self.i = j;
        if q == b'\'' || !(content.contains('$') || content.contains('#')) {
            return Ok(Expr::Str(content));
        }
        let mut inner = Parser {
            src: &content,
            b: content.as_bytes(),
            i: 0,
            depth: self.depth,
            macros: std::mem::take(&mut self.macros),
            positions: Positions::new(self.pos(at + 1)),
            top: false,
        };
        let result = inner.block(false);
        self.macros = inner.macros;
        match result? {
            (nodes, Ending::Eof) => Ok(Expr::Interpolated(nodes)),
            _ => Err(self.error_at(at, "unexpected #end, #else or #elseif in a string")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_structures() {
        let p = parse("#if($a)x#elseif($b)y#else z#end$c.d($e, 1)[0]").unwrap();
        assert_eq!(p.nodes.len(), 2);
        assert!(matches!(&p.nodes[1], Node::Ref(r) if r.parts.len() == 2 && r.literal == "$c.d($e, 1)[0]"));
    }

    #[test]
    fn reports_positions() {
        let e = parse("ab\n  #if($a").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("#end").unwrap_err();
        assert_eq!((e.line, e.column), (1, 1));
    }

    #[test]
    fn bounds_nesting() {
        let deep = "(".repeat(10_000);
        assert!(parse(&format!("#set($a = {deep}1)")).is_err());
        let deep = "#if(true)".repeat(10_000);
        assert!(parse(&deep).is_err());
        let deep = "[".repeat(10_000);
        assert!(parse(&format!("#set($a = {deep})")).is_err());
    }

    #[test]
    fn dollar_and_hash_without_meaning_are_text() {
        let p = parse("$ # $1 #1 ${").unwrap();
        assert!(matches!(&p.nodes[..], [Node::Text(t)] if t == "$ # $1 #1 ${"));
    }
}

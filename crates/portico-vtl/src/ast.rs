//! The syntax tree a template parses into: plain owned data, so a parsed template is
//! `Send + Sync` and shared by every rendering.

/// Where a node starts in the template (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

pub type Block = Vec<Node>;

/// A variable's index in its template's [`crate::slots::Names`], given after parsing: the
/// interpreter keeps variables in a vector, not a map.
pub type Slot = u32;

#[derive(Debug)]
pub enum Node {
    Text(String),
    Ref(Reference),
    /// `\$a`, `\\$a`...: `backslashes` before a reference.
    EscapedRef {
        backslashes: usize,
        reference: Reference,
    },
    Set {
        target: Reference,
        value: Expr,
        pos: Pos,
    },
    If {
        branches: Vec<(Expr, Block)>,
        otherwise: Option<Block>,
    },
    Foreach {
        var: Slot,
        var_name: String,
        iterable: Expr,
        body: Block,
        pos: Pos,
    },
    Break,
    Stop,
    /// `#evaluate(expr)`: the value's text parsed and rendered as a template, here.
    Evaluate {
        arg: Expr,
        pos: Pos,
    },
    Define {
        name: String,
        slot: Slot,
        body: Block,
    },
    /// `#name(args)`: a macro call, or the text as written when no such macro exists.
    Call {
        name: String,
        args: Vec<Expr>,
        literal: String,
        pos: Pos,
    },
}

#[derive(Debug)]
pub struct Reference {
    /// `$!a`: renders nothing when null.
    pub quiet: bool,
    pub name: String,
    pub slot: Slot,
    pub parts: Vec<Part>,
    /// The reference as written, what a null reference renders as.
    pub literal: String,
    pub pos: Pos,
}

#[derive(Debug)]
pub enum Part {
    Property(String),
    Method(String, Vec<Expr>),
    Index(Expr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
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
    Mod,
}

#[derive(Debug)]
pub enum Expr {
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A single-quoted string, or a double-quoted one with nothing to interpolate.
    Str(String),
    /// A double-quoted string with references or directives, rendered as a template.
    Interpolated(Block),
    Ref(Reference),
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Range(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

#[derive(Debug)]
pub struct Macro {
    pub params: Vec<(String, Slot)>,
    pub body: Block,
}

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
    /// `$foreach.hasNext`, `.index` or `.count`: read off the innermost loop when `$foreach`
    /// is that loop's, without a name compared.
    pub loop_member: Option<LoopMember>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopMember {
    HasNext,
    Index,
    Count,
}

#[derive(Debug)]
pub enum Part {
    Property(String),
    Method(Method, Vec<Expr>),
    Index(Expr),
}

/// A method's name, and what the interpreter must know of it, found once when parsing
/// rather than by comparing names on every call.
#[derive(Debug)]
pub struct Method {
    pub name: String,
    pub id: MethodId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodId {
    /// `add`: the list's own fast path.
    Add,
    /// Methods that copy many items at once, paid for before they run.
    AddAll,
    PutAll,
    /// Other methods that put their argument into a list or map.
    Set,
    Put,
    /// Methods whose result is a new string, list or map (paid for by its size), rather
    /// than a value that already exists (`get`, `remove`...).
    Builds,
    Other,
}

impl Method {
    pub fn new(name: &str) -> Method {
        let id = match name {
            "add" => MethodId::Add,
            "addAll" => MethodId::AddAll,
            "putAll" => MethodId::PutAll,
            "set" => MethodId::Set,
            "put" => MethodId::Put,
            "keySet" | "values" | "entrySet" | "split" | "getBytes" | "substring" | "replace" | "replaceAll"
            | "replaceFirst" | "concat" | "toLowerCase" | "toUpperCase" | "trim" | "toString" => MethodId::Builds,
            _ => MethodId::Other,
        };
        Method {
            name: name.to_owned(),
            id,
        }
    }

    /// Puts its arguments into the list or map it is called on.
    pub fn stores(&self) -> bool {
        matches!(
            self.id,
            MethodId::Add | MethodId::AddAll | MethodId::Set | MethodId::Put | MethodId::PutAll
        )
    }
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

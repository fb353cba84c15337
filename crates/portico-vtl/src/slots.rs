//! Variable names resolved to slots once, after parsing: a rendering keeps its variables in a
//! vector indexed by slot, so a loop step reads and writes them without hashing a name.

use std::collections::HashMap;

use crate::ast::{Block, Expr, Macro, Node, Part, Reference, Slot};

/// `$foreach`, `$velocityCount` and `$velocityHasNext` have fixed slots: the interpreter
/// sets and reads them without a name.
pub const FOREACH: Slot = 0;
pub const VELOCITY_COUNT: Slot = 1;
pub const VELOCITY_HAS_NEXT: Slot = 2;

/// A template's variable names, by slot.
#[derive(Debug, Clone)]
pub struct Names {
    pub list: Vec<String>,
    index: HashMap<String, Slot>,
}

impl Default for Names {
    fn default() -> Self {
        let mut names = Names {
            list: Vec::new(),
            index: HashMap::new(),
        };
        for fixed in ["foreach", "velocityCount", "velocityHasNext"] {
            names.slot(fixed);
        }
        names
    }
}

impl Names {
    pub fn len(&self) -> usize {
        self.list.len()
    }

    fn slot(&mut self, name: &str) -> Slot {
        if let Some(&s) = self.index.get(name) {
            return s;
        }
        let s = self.list.len() as Slot;
        self.list.push(name.to_owned());
        self.index.insert(name.to_owned(), s);
        s
    }

    /// Gives every variable in `nodes` and `macros` its slot, adding names not seen yet.
    pub fn resolve(&mut self, nodes: &mut Block, macros: &mut HashMap<String, Macro>) {
        self.block(nodes);
        for m in macros.values_mut() {
            for (name, slot) in &mut m.params {
                *slot = self.slot(name);
            }
            self.block(&mut m.body);
        }
    }

    fn block(&mut self, nodes: &mut Block) {
        for node in nodes {
            match node {
                Node::Text(_) | Node::Break | Node::Stop => {}
                Node::Ref(r) | Node::EscapedRef { reference: r, .. } => self.reference(r),
                Node::Set { target, value, .. } => {
                    self.reference(target);
                    self.expr(value);
                }
                Node::If { branches, otherwise } => {
                    for (cond, body) in branches {
                        self.expr(cond);
                        self.block(body);
                    }
                    if let Some(body) = otherwise {
                        self.block(body);
                    }
                }
                Node::Foreach {
                    var,
                    var_name,
                    iterable,
                    body,
                    ..
                } => {
                    *var = self.slot(var_name);
                    self.expr(iterable);
                    self.block(body);
                }
                Node::Evaluate { arg, .. } => self.expr(arg),
                Node::Define { name, slot, body } => {
                    *slot = self.slot(name);
                    self.block(body);
                }
                Node::Call { args, .. } => {
                    for a in args {
                        self.expr(a);
                    }
                }
            }
        }
    }

    fn reference(&mut self, r: &mut Reference) {
        r.slot = self.slot(&r.name);
        for part in &mut r.parts {
            match part {
                Part::Property(_) => {}
                Part::Method(_, args) => {
                    for a in args {
                        self.expr(a);
                    }
                }
                Part::Index(e) => self.expr(e),
            }
        }
    }

    fn expr(&mut self, e: &mut Expr) {
        match e {
            Expr::Bool(_) | Expr::Int(_) | Expr::Float(_) | Expr::Str(_) => {}
            Expr::Interpolated(nodes) => self.block(nodes),
            Expr::Ref(r) => self.reference(r),
            Expr::List(items) => {
                for i in items {
                    self.expr(i);
                }
            }
            Expr::Map(entries) => {
                for (k, v) in entries {
                    self.expr(k);
                    self.expr(v);
                }
            }
            Expr::Range(a, b) | Expr::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            Expr::Not(e) => self.expr(e),
        }
    }
}

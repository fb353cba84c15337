//! The interpreter: walks a parsed template against a scope, within the limits.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use smallvec::SmallVec;

use crate::ast::{BinOp, Block, Expr, LoopMember, Macro, Method, MethodId, Node, Part, Pos, Reference, Slot};
use crate::methods;
use crate::slots::{FOREACH, Names, VELOCITY_COUNT, VELOCITY_HAS_NEXT};
use crate::value::Value;
use crate::{Error, Limits, Scope};

/// A method call's arguments: rarely more than two, kept off the heap.
type Args = SmallVec<[Value; 2]>;

/// Nesting of blocks being rendered (directives within macros within...): beyond it the
/// rendering fails rather than exhaust the thread's stack.
const MAX_NESTING: usize = 400;

/// Nesting of lists and maps a template may build: deeper values would overflow the stack
/// when printed or dropped.
const MAX_VALUE_DEPTH: usize = 256;

/// What building values costs in steps: each item of a list or map copied or made, and
/// each this many bytes of string made. With the default 10,000,000 steps a rendering
/// builds at most about 1,250,000 items and 40 MB of strings.
const STEPS_PER_ITEM: u64 = 8;
const BYTES_PER_STEP: u64 = 4;

enum Flow {
    Normal,
    /// `#break`: ends the innermost `#foreach`, macro or `#define` (or the template).
    Break,
    /// `#stop`: ends the rendering, keeping what was written.
    Stop,
}

/// A macro parameter. Velocity 1.7 passes arguments by name: each use of the parameter
/// evaluates the caller's expression again, in the caller's frame (`level` frames deep),
/// and a null one renders as the caller wrote it.
enum Bound<'t> {
    Value(Value),
    ByName { expr: &'t Expr, level: usize },
}

pub struct Renderer<'t, 's> {
    macros: &'t HashMap<String, Macro>,
    names: &'t Names,
    /// The host's variables: read into `vars` when the rendering starts, and what it set
    /// written back when it ends.
    scope: &'s mut Scope,
    /// The variables, by slot; `Null` when unset.
    vars: Vec<Value>,
    /// The slots the rendering set.
    dirty: Vec<bool>,
    limits: &'s Limits,
    steps: u64,
    /// `limits.max_steps` and `limits.max_output`, read on every step and write without
    /// going through `limits`.
    max_steps: u64,
    max_output: usize,
    depth: usize,
    nesting: usize,
    /// The parameters of the macro calls being run, innermost last.
    frames: Vec<Vec<(Slot, Bound<'t>)>>,
    /// The `#define`d blocks (few: searched in order, the latest first).
    defines: Vec<(Slot, &'t Block)>,
    /// The `#foreach` loops being run, innermost last (`$velocityCount`, `$velocityHasNext`).
    loops: Vec<Rc<ForeachScope>>,
    /// A `#stop` ran inside a string literal: the rendering ends after the current node.
    stopped: bool,
    /// Buffers string literals are rendered into.
    scratch: Vec<String>,
    /// The buffer plain string literals (text and variables) are built in.
    plain: String,
}

/// A failure inside the interpreter, boxed: results stay small on the hot path.
type Fail = Box<Error>;

fn err(pos: Pos, message: impl Into<String>) -> Fail {
    Box::new(Error {
        message: message.into(),
        line: pos.line,
        column: pos.column,
    })
}

/// `out.push_str(s)`, a single ASCII character (a quote, a comma) without the call to copy it.
#[inline(always)]
fn push_short(out: &mut String, s: &str) {
    match s.as_bytes() {
        [b] if b.is_ascii() => out.push(char::from(*b)),
        _ => out.push_str(s),
    }
}

fn is_number(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Float(_))
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(x) => *x,
        _ => f64::NAN,
    }
}

impl<'t, 's> Renderer<'t, 's> {
    pub fn new(macros: &'t HashMap<String, Macro>, names: &'t Names, scope: &'s mut Scope, limits: &'s Limits) -> Self {
        let mut r = Renderer {
            macros,
            names,
            scope,
            vars: Vec::with_capacity(names.len()),
            dirty: Vec::with_capacity(names.len()),
            limits,
            steps: 0,
            max_steps: limits.max_steps,
            max_output: limits.max_output,
            depth: 0,
            nesting: 0,
            frames: Vec::new(),
            defines: Vec::new(),
            loops: Vec::new(),
            stopped: false,
            scratch: Vec::new(),
            plain: String::new(),
        };
        r.load(0);
        r
    }

    /// Renders `nodes`, then writes the variables it set back to the scope (even when it
    /// fails, as Velocity leaves its context).
    pub fn render(mut self, nodes: &'t Block, capacity: usize) -> Result<String, Fail> {
        let mut out = String::with_capacity(capacity);
        let result = self.block(nodes, &mut out);
        self.write_back(0);
        result.map(|_| out)
    }

    /// Reads the scope's values of the names from slot `from` on.
    fn load(&mut self, from: usize) {
        for name in &self.names.list[from..] {
            self.vars
                .push(self.scope.vars.get(name.as_str()).cloned().unwrap_or(Value::Null));
            self.dirty.push(false);
        }
    }

    /// Writes the variables set from slot `from` on back to the scope, and forgets them.
    fn write_back(&mut self, from: usize) {
        for (i, value) in self.vars.drain(from..).enumerate() {
            if !self.dirty[from + i] {
                continue;
            }
            let name = &self.names.list[from + i];
            match value {
                Value::Null => {
                    self.scope.vars.remove(name.as_str());
                }
                v => match self.scope.vars.get_mut(name.as_str()) {
                    Some(old) => *old = v,
                    None => {
                        self.scope.vars.insert(name.clone().into(), v);
                    }
                },
            }
        }
        self.dirty.truncate(from);
    }

    #[inline]
    fn set(&mut self, slot: Slot, value: Value) {
        self.vars[slot as usize] = value;
        self.dirty[slot as usize] = true;
    }

    #[inline]
    fn step(&mut self, pos: Pos) -> Result<(), Fail> {
        self.steps += 1;
        if self.steps > self.max_steps {
            return Err(self.too_many_steps(pos));
        }
        Ok(())
    }

    #[cold]
    fn too_many_steps(&self, pos: Pos) -> Fail {
        err(
            pos,
            format!("template evaluation exceeded {} steps", self.limits.max_steps),
        )
    }

    #[inline]
    fn write(&self, out: &mut String, s: &str, pos: Pos) -> Result<(), Fail> {
        if out.len() + s.len() > self.max_output {
            return Err(self.too_long(pos));
        }
        push_short(out, s);
        Ok(())
    }

    #[cold]
    fn too_long(&self, pos: Pos) -> Fail {
        err(
            pos,
            format!("template output exceeded {} bytes", self.limits.max_output),
        )
    }

    #[inline]
    fn write_value(&self, out: &mut String, v: &Value, pos: Pos) -> Result<(), Fail> {
        match v {
            Value::Str(s) => self.write(out, s, pos),
            Value::Int(i) => self.write(out, itoa::Buffer::new().format(*i), pos),
            _ => v.write_java(out, self.limits.max_output, 0).map_err(|()| {
                err(
                    pos,
                    format!("template output exceeded {} bytes", self.limits.max_output),
                )
            }),
        }
    }

    fn block(&mut self, nodes: &'t Block, out: &mut String) -> Result<Flow, Fail> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            self.nesting -= 1;
            return Err(err(Pos::default(), "template nested too deeply"));
        }
        let result = self.block_inner(nodes, out);
        self.nesting -= 1;
        result
    }

    fn block_inner(&mut self, nodes: &'t Block, out: &mut String) -> Result<Flow, Fail> {
        for node in nodes {
            // Text, the commonest node, without the call.
            if let Node::Text(t) = node {
                self.step(Pos::default())?;
                self.write(out, t, Pos::default())?;
                continue;
            }
            let flow = match node {
                // A bare variable or a host's call on one, outside macros and defines, the
                // next commonest: written from their slots (as `node` would).
                Node::Ref(r) if self.frames.is_empty() && self.defines.is_empty() && self.plain_ref(r, out)? => {
                    continue;
                }
                // `#if($foreach.hasNext)` and its kin: read off the loop (as `node` would).
                Node::If { branches, otherwise }
                    if let [
                        (
                            Expr::Ref(Reference {
                                loop_member: Some(member),
                                pos,
                                ..
                            }),
                            body,
                        ),
                    ] = branches.as_slice()
                        && let Some(v) = self.loop_property(*member) =>
                {
                    // The steps `node` and `truth` count.
                    self.steps += 2;
                    self.step(*pos)?;
                    match if v.is_truthy() { Some(body) } else { otherwise.as_ref() } {
                        // A body of text alone (`,`), written as `block` would.
                        Some(b) if let [Node::Text(t)] = b.as_slice() => {
                            self.step(Pos::default())?;
                            self.write(out, t, Pos::default())?;
                            continue;
                        }
                        Some(b) => self.block(b, out)?,
                        None => continue,
                    }
                }
                // `#set($x = ...)` outside macros and defines (as `node` would).
                Node::Set { target, value, pos }
                    if target.parts.is_empty() && self.frames.is_empty() && self.defines.is_empty() =>
                {
                    self.set_plain(target, value, *pos)?;
                    Flow::Normal
                }
                _ => self.node(node, out)?,
            };
            match flow {
                Flow::Normal if self.stopped => return Ok(Flow::Stop),
                Flow::Normal => {}
                flow => return Ok(flow),
            }
        }
        Ok(Flow::Normal)
    }

    /// A reference written without the general path (outside macros and defines): a bare
    /// variable that has a value, or a host object's call on a variable that has one
    /// (`$util.escapeJavaScript($x)`) that the host writes itself. False (nothing written,
    /// no steps counted) for any other.
    #[inline]
    fn plain_ref(&mut self, r: &'t Reference, out: &mut String) -> Result<bool, Fail> {
        if matches!(self.vars[r.slot as usize], Value::Null) {
            return Ok(false);
        }
        if r.parts.is_empty() {
            self.step(Pos::default())?;
            self.write_value(out, &self.vars[r.slot as usize], r.pos)?;
            return Ok(true);
        }
        let v = &self.vars[r.slot as usize];
        let (Value::Object(o), [Part::Method(m, args)]) = (v, r.parts.as_slice()) else {
            return Ok(false);
        };
        let [Expr::Ref(a)] = args.as_slice() else {
            return Ok(false);
        };
        let arg = &self.vars[a.slot as usize];
        if !a.parts.is_empty() || matches!(arg, Value::Null) {
            return Ok(false);
        }
        let before = out.len();
        let done = o.write_call(&m.name, std::slice::from_ref(arg), out);
        // The steps the general path counts besides the string: the node, the call, its
        // argument and the call's own.
        self.host_wrote(done, before, 4, m, r, out)
    }

    /// `#set($x = value)` of a bare variable outside macros and defines: the value straight
    /// into its slot; `#set($ok = $list.add(x))`, the way templates build lists, with `x`
    /// pushed without the general path's layers.
    #[inline]
    fn set_plain(&mut self, target: &'t Reference, value: &'t Expr, pos: Pos) -> Result<(), Fail> {
        let v = match value {
            Expr::Ref(r)
                if let [Part::Method(m, args)] = r.parts.as_slice()
                    && m.id == MethodId::Add
                    && let [arg] = args.as_slice()
                    && matches!(self.vars[r.slot as usize], Value::List(_)) =>
            {
                // The steps `node`, `eval` and `chain` count, and the call's.
                self.steps += 3;
                self.step(r.pos)?;
                let list = self.vars[r.slot as usize].clone();
                let x = self.eval(arg)?;
                if matches!(x, Value::List(_) | Value::Map(_)) {
                    self.check_nesting(&x, Some(&list))?;
                }
                if let Value::List(l) = &list {
                    l.borrow_mut().push(x);
                }
                Value::Bool(true)
            }
            _ => {
                self.step(Pos::default())?;
                self.eval(value)?
            }
        };
        // Velocity 1.7 leaves the target as it was when the value is null.
        if matches!(v, Value::Null) {
            return Ok(());
        }
        // (A `#define` in a string literal would have to be forgotten.)
        if self.defines.is_empty() {
            self.set(target.slot, v);
            Ok(())
        } else {
            self.assign(target, v, pos)
        }
    }

    fn node(&mut self, node: &'t Node, out: &mut String) -> Result<Flow, Fail> {
        self.step(Pos::default())?;
        match node {
            Node::Text(t) => self.write(out, t, Pos::default())?,
            // A bare variable outside macros and defines: written from its slot, not copied.
            Node::Ref(r)
                if r.parts.is_empty()
                    && self.frames.is_empty()
                    && self.defines.is_empty()
                    && !matches!(self.vars[r.slot as usize], Value::Null) =>
            {
                self.write_value(out, &self.vars[r.slot as usize], r.pos)?
            }
            Node::Ref(r) => {
                let v = match r.parts.last() {
                    Some(Part::Method(m, args)) => match self.print_call(r, m, args, out)? {
                        Some(v) => v,
                        None => return Ok(Flow::Normal),
                    },
                    _ => self.chain(r, r.parts.len())?,
                };
                match v {
                    Value::Null if r.quiet || self.limits.quiet_nulls => {}
                    Value::Null => {
                        let literal = self.null_literal(r);
                        self.write(out, &literal, r.pos)?
                    }
                    v => self.write_value(out, &v, r.pos)?,
                }
            }
            Node::EscapedRef { backslashes, reference } => self.escaped_ref(*backslashes, reference, out)?,
            Node::Set { target, value, pos } => {
                let v = self.eval(value)?;
                // Velocity 1.7 leaves the target as it was when the value is null.
                if !matches!(v, Value::Null) {
                    self.assign(target, v, *pos)?;
                }
            }
            Node::If { branches, otherwise } => {
                for (cond, body) in branches {
                    if self.truth(cond)? {
                        return self.block(body, out);
                    }
                }
                if let Some(body) = otherwise {
                    return self.block(body, out);
                }
            }
            Node::Foreach {
                var,
                iterable,
                body,
                pos,
                ..
            } => return self.foreach(*var, iterable, body, *pos, out),
            Node::Break => return Ok(Flow::Break),
            Node::Stop => return Ok(Flow::Stop),
            Node::Evaluate { arg, pos } => return self.evaluate(arg, *pos, out),
            Node::Define { slot, body, .. } => {
                self.set(*slot, Value::Null);
                self.defines.retain(|(s, _)| s != slot);
                self.defines.push((*slot, body));
            }
            Node::Call {
                name,
                args,
                literal,
                pos,
            } => return self.call_macro(name, args, literal, *pos, out),
        }
        Ok(Flow::Normal)
    }

    /// `#name(args)`: the macro's body with its parameters bound, or the text as written when
    /// there is no such macro.
    #[inline(never)]
    fn call_macro(
        &mut self,
        name: &str,
        args: &'t [Expr],
        literal: &str,
        pos: Pos,
        out: &mut String,
    ) -> Result<Flow, Fail> {
        let Some(m) = self.macros.get(name) else {
            self.write(out, literal, pos)?;
            return Ok(Flow::Normal);
        };
        if self.depth >= self.limits.max_depth {
            return Err(err(
                pos,
                format!("macro calls nested deeper than {}", self.limits.max_depth),
            ));
        }
        let mut frame = Vec::with_capacity(m.params.len());
        let level = self.frames.len();
        for ((_, slot), arg) in m.params.iter().zip(args) {
            let bound = match arg {
                Expr::Int(_) | Expr::Float(_) | Expr::Bool(_) | Expr::Str(_) => Bound::Value(self.eval(arg)?),
                _ => Bound::ByName { expr: arg, level },
            };
            frame.push((*slot, bound));
        }
        self.frames.push(frame);
        self.depth += 1;
        let flow = self.block(&m.body, out);
        self.depth -= 1;
        self.frames.pop();
        if let Flow::Stop = flow? {
            return Ok(Flow::Stop);
        }
        Ok(Flow::Normal)
    }

    /// `\$a`, `\\$a`...: the backslashes halved when the reference has a value, and the
    /// reference as written when their number is odd or it has none.
    #[inline(never)]
    fn escaped_ref(&mut self, n: usize, reference: &'t Reference, out: &mut String) -> Result<(), Fail> {
        match self.reference(reference)? {
            None => {
                self.write(out, &"\\".repeat(n), reference.pos)?;
                self.write(out, &reference.literal, reference.pos)?;
            }
            Some(v) => {
                self.write(out, &"\\".repeat(n / 2), reference.pos)?;
                if n % 2 == 1 {
                    self.write(out, &reference.literal, reference.pos)?;
                } else {
                    self.write_value(out, &v, reference.pos)?;
                }
            }
        }
        Ok(())
    }

    /// `#evaluate`: parses the value's text (the one parse a rendering may do) and renders
    /// it with this rendering's scope, macros, steps and depth.
    #[inline(never)]
    fn evaluate(&mut self, arg: &'t Expr, pos: Pos, out: &mut String) -> Result<Flow, Fail> {
        let source = match self.eval(arg)? {
            Value::Null => return Ok(Flow::Normal),
            v => v.to_java_string(),
        };
        if self.depth >= self.limits.max_depth {
            return Err(err(
                pos,
                format!("#evaluate nested deeper than {}", self.limits.max_depth),
            ));
        }
        let mut parsed = crate::parser::parse(&source).map_err(|e| {
            err(
                pos,
                format!("#evaluate: {} (line {}, column {})", e.message, e.line, e.column),
            )
        })?;
        // The text's names extend this template's: its variables keep their slots.
        let mut names = self.names.clone();
        names.resolve(&mut parsed.nodes, &mut parsed.macros);
        let macros = if parsed.macros.is_empty() {
            self.macros
        } else {
            &parsed.macros
        };
        let base = self.vars.len();
        let mut inner = Renderer {
            macros,
            names: &names,
            scope: &mut *self.scope,
            vars: std::mem::take(&mut self.vars),
            dirty: std::mem::take(&mut self.dirty),
            limits: self.limits,
            steps: self.steps,
            max_steps: self.max_steps,
            max_output: self.max_output,
            depth: self.depth + 1,
            nesting: self.nesting,
            frames: Vec::new(),
            defines: Vec::new(),
            loops: Vec::new(),
            stopped: false,
            scratch: Vec::new(),
            plain: String::new(),
        };
        inner.load(base);
        let flow = inner.block(&parsed.nodes, out);
        inner.write_back(base);
        self.steps = inner.steps;
        self.vars = inner.vars;
        self.dirty = inner.dirty;
        // `#stop` and `#break` end the evaluated text only.
        flow.map(|_| Flow::Normal)
    }

    /// A printed reference whose last part is method `m`: its value, or `None` when a host
    /// object wrote the result straight into `out` (without making a string of it).
    fn print_call(
        &mut self,
        r: &'t Reference,
        m: &'t Method,
        args: &'t [Expr],
        out: &mut String,
    ) -> Result<Option<Value>, Fail> {
        let receiver = self.chain(r, r.parts.len() - 1)?;
        if matches!(receiver, Value::Null) {
            return Ok(Some(Value::Null));
        }
        self.step(r.pos)?;
        // A host object's method of one argument (`$util.escapeJavaScript($x)`), the
        // commonest printed call: the argument passed without a list made for it.
        if let (Value::Object(o), [a]) = (&receiver, args) {
            let a = self.eval(a)?;
            let values = std::slice::from_ref(&a);
            self.before_call(&receiver, m, values, r.pos)?;
            if self.write_host_call(o, m, values, r, out)? {
                return Ok(None);
            }
            let mut values = Args::new();
            values.push(a);
            return self.call_method(&receiver, m, values, r).map(Some);
        }
        let mut values = Args::new();
        for a in args {
            values.push(self.eval(a)?);
        }
        self.before_call(&receiver, m, &values, r.pos)?;
        if let Value::Object(o) = &receiver
            && self.write_host_call(o, m, &values, r, out)?
        {
            return Ok(None);
        }
        self.call_method(&receiver, m, values, r).map(Some)
    }

    /// A host object's call written straight into `out`: true when it was, false when the
    /// host left it to `call`.
    fn write_host_call(
        &mut self,
        o: &Rc<dyn crate::Object>,
        m: &Method,
        values: &[Value],
        r: &Reference,
        out: &mut String,
    ) -> Result<bool, Fail> {
        let before = out.len();
        let done = o.write_call(&m.name, values, out);
        self.host_wrote(done, before, 0, m, r, out)
    }

    /// Settles what a host's `write_call` did from `before` on: the output checked and paid
    /// for (as the string `call` would have made, plus `extra` steps); its error thrown; or
    /// false, nothing written, when the host left the call to `call`.
    #[inline(always)]
    fn host_wrote(
        &mut self,
        done: Option<Result<(), String>>,
        before: usize,
        extra: u64,
        m: &Method,
        r: &Reference,
        out: &mut String,
    ) -> Result<bool, Fail> {
        match done {
            Some(Ok(())) => {
                if out.len() > self.max_output {
                    return Err(self.too_long(r.pos));
                }
                self.steps = self
                    .steps
                    .saturating_add(extra + (out.len() - before) as u64 / BYTES_PER_STEP);
                self.step(r.pos)?;
                Ok(true)
            }
            Some(Err(e)) => {
                out.truncate(before);
                Err(threw(m, r, &e))
            }
            None => {
                out.truncate(before);
                Ok(false)
            }
        }
    }

    /// What a null reference renders as: as written, or for a bare macro parameter, as the
    /// caller wrote its argument.
    fn null_literal(&self, r: &Reference) -> String {
        if r.parts.is_empty()
            && let Some(Bound::ByName {
                expr: Expr::Ref(caller),
                ..
            }) = self.frames.last().and_then(|f| find(f, r.slot))
        {
            // Only the caller's text, not what it stood for in turn (as Velocity 1.7).
            return caller.literal.clone();
        }
        r.literal.clone()
    }

    /// A by-name argument's value: the caller's expression, evaluated in the caller's frame.
    fn by_name(&mut self, expr: &'t Expr, level: usize) -> Result<Value, Fail> {
        let above = self.frames.split_off(level);
        let v = self.eval(expr);
        self.frames.extend(above);
        v
    }

    #[inline(never)]
    fn foreach(
        &mut self,
        var: Slot,
        iterable: &'t Expr,
        body: &'t Block,
        pos: Pos,
        out: &mut String,
    ) -> Result<Flow, Fail> {
        // A range is walked without building it.
        let (items, range) = match iterable {
            Expr::Range(a, b) => match (self.eval(a)?, self.eval(b)?) {
                (Value::Int(a), Value::Int(b)) => (Vec::new(), Some((a, b))),
                _ => return Ok(Flow::Normal),
            },
            _ => match self.eval(iterable)? {
                Value::List(l) => (l.borrow().clone(), None),
                Value::Map(m) => (m.borrow().iter().map(|(_, v)| v.clone()).collect(), None),
                Value::Object(o) => match o.iterate() {
                    Some(items) => (items, None),
                    None => return Ok(Flow::Normal),
                },
                _ => return Ok(Flow::Normal),
            },
        };
        let len = match range {
            Some((a, b)) => a.abs_diff(b).saturating_add(1),
            None => items.len() as u64,
        };
        // The snapshot's items are moved out in turn, not copied.
        let mut items = items.into_iter();
        let saved_var = self.vars[var as usize].clone();
        let saved_foreach = self.vars[FOREACH as usize].clone();
        let parent = (!matches!(saved_foreach, Value::Null)).then(|| saved_foreach.clone());
        // One `$foreach` per loop, moved on in place (as Velocity's is).
        let scope = Rc::new(ForeachScope {
            index: Cell::new(0),
            has_next: Cell::new(false),
            parent,
        });
        self.set(FOREACH, Value::Object(scope.clone()));
        if !self.defines.is_empty() {
            self.defines.retain(|(s, _)| *s != var);
        }
        let mut flow = Flow::Normal;
        let mut index: u64 = 0;
        let steps = len.min(self.limits.max_foreach as u64);
        // The body's nesting, the same for every step, checked once (as `block` would).
        if steps > 0 && self.nesting >= MAX_NESTING {
            return Err(err(Pos::default(), "template nested too deeply"));
        }
        self.nesting += 1;
        self.loops.push(scope.clone());
        // Marked set once: each step only replaces the value.
        self.set(var, Value::Null);
        // The loop is popped however the body ends (an error ends the rendering anyway).
        while index < steps {
            self.step(pos)?;
            let item = match range {
                Some((a, b)) => Value::Int(if a <= b { a + index as i64 } else { a - index as i64 }),
                None => items.next().unwrap_or(Value::Null),
            };
            scope.index.set(index as i64);
            scope.has_next.set(index + 1 < len);
            self.vars[var as usize] = item;
            match self.block_inner(body, out) {
                Ok(Flow::Normal) => {}
                Ok(Flow::Break) => break,
                Ok(Flow::Stop) => {
                    flow = Flow::Stop;
                    break;
                }
                Err(e) => return Err(e),
            }
            index += 1;
        }
        self.nesting -= 1;
        self.loops.pop();
        self.set(var, saved_var);
        self.set(FOREACH, saved_foreach);
        Ok(flow)
    }

    /// A variable's value: outside macros and defines, straight from its slot.
    #[inline(always)]
    fn lookup(&mut self, slot: Slot, bare: bool, pos: Pos) -> Result<Value, Fail> {
        if self.frames.is_empty() && self.defines.is_empty() {
            let v = &self.vars[slot as usize];
            if !matches!(v, Value::Null) {
                return Ok(v.clone());
            }
        }
        self.lookup_slow(slot, bare, pos)
    }

    #[inline(never)]
    fn lookup_slow(&mut self, slot: Slot, bare: bool, pos: Pos) -> Result<Value, Fail> {
        match self.frames.last().and_then(|f| find(f, slot)) {
            Some(Bound::Value(v)) => return Ok(v.clone()),
            Some(&Bound::ByName { expr, level }) => return self.by_name(expr, level),
            None => {}
        }
        if !self.defines.is_empty()
            && let Some(&(_, body)) = self.defines.iter().rev().find(|(s, _)| *s == slot)
        {
            if !bare {
                // A `#define`d block has no methods or properties templates can use.
                return Ok(Value::Null);
            }
            if self.depth >= self.limits.max_depth {
                return Err(err(
                    pos,
                    format!("#define expansions nested deeper than {}", self.limits.max_depth),
                ));
            }
            self.depth += 1;
            let mut s = String::new();
            let r = self.block(body, &mut s);
            self.depth -= 1;
            r?;
            return Ok(Value::str(&s));
        }
        let v = &self.vars[slot as usize];
        if !matches!(v, Value::Null) {
            return Ok(v.clone());
        }
        Ok(match (slot, self.loops.last()) {
            (VELOCITY_COUNT, Some(l)) => Value::Int(l.index.get() + 1),
            (VELOCITY_HAS_NEXT, Some(l)) => Value::Bool(l.has_next.get()),
            _ => Value::Null,
        })
    }

    /// A reference's value; `None` when it is null (or names nothing).
    fn reference(&mut self, r: &'t Reference) -> Result<Option<Value>, Fail> {
        let v = self.chain(r, r.parts.len())?;
        Ok(if matches!(v, Value::Null) { None } else { Some(v) })
    }

    /// The value of the reference's root and its first `n` parts.
    fn chain(&mut self, r: &'t Reference, n: usize) -> Result<Value, Fail> {
        if n == 1
            && let Some(member) = r.loop_member
            && let Some(v) = self.loop_property(member)
        {
            self.step(r.pos)?;
            return Ok(v);
        }
        let mut v = self.lookup(r.slot, r.parts.is_empty(), r.pos)?;
        for part in &r.parts[..n] {
            if matches!(v, Value::Null) {
                return Ok(Value::Null);
            }
            self.step(r.pos)?;
            v = match part {
                Part::Property(name) => methods::property(&v, name).unwrap_or(Value::Null),
                // `$list.add(x)`, the commonest call: `x` pushed, without an argument list.
                Part::Method(m, args) if m.id == MethodId::Add && args.len() == 1 && matches!(v, Value::List(_)) => {
                    let x = self.eval(&args[0])?;
                    self.step(r.pos)?;
                    self.check_nesting(&x, Some(&v))?;
                    if let Value::List(l) = &v {
                        l.borrow_mut().push(x);
                    }
                    Value::Bool(true)
                }
                Part::Method(m, args) => {
                    let mut values = Args::new();
                    for a in args {
                        values.push(self.eval(a)?);
                    }
                    self.before_call(&v, m, &values, r.pos)?;
                    self.call_method(&v, m, values, r)?
                }
                Part::Index(e) => {
                    let i = self.eval(e)?;
                    self.index(&v, &i)
                        .map_err(|e| err(r.pos, format!("{} threw exception {e}", r.literal)))?
                }
            };
        }
        Ok(v)
    }

    /// `$foreach.hasNext` and its kin read off the innermost loop without the object call,
    /// when `$foreach` is that loop's (it is, unless a template set it or a macro shadows it).
    #[inline]
    fn loop_property(&self, member: LoopMember) -> Option<Value> {
        let innermost = self.loops.last()?;
        let Value::Object(current) = &self.vars[FOREACH as usize] else {
            return None;
        };
        if !self.frames.is_empty() || !std::ptr::addr_eq(Rc::as_ptr(current), Rc::as_ptr(innermost)) {
            return None;
        }
        Some(match member {
            LoopMember::HasNext => Value::Bool(innermost.has_next.get()),
            LoopMember::Index => Value::Int(innermost.index.get()),
            LoopMember::Count => Value::Int(innermost.index.get() + 1),
        })
    }

    /// What a call costs before it runs: a step, and for methods that copy many items at
    /// once (`addAll`, `putAll`) their items, so that memory a template builds stays within
    /// `max_steps` too; and the nesting bound on what it would store in a list or map.
    fn before_call(&mut self, v: &Value, m: &Method, args: &[Value], pos: Pos) -> Result<(), Fail> {
        let n = match (m.id, args) {
            (MethodId::AddAll, [Value::List(l)]) => l.borrow().len(),
            (MethodId::PutAll, [Value::Map(m)]) => m.borrow().len(),
            _ => 0,
        } as u64;
        self.steps = self.steps.saturating_add(n.saturating_mul(STEPS_PER_ITEM));
        self.step(pos)?;
        if m.stores() && matches!(v, Value::List(_) | Value::Map(_)) {
            for a in args {
                self.check_nesting(a, Some(v))?;
            }
        }
        Ok(())
    }

    /// Calls `m` on `v` (after [`Self::before_call`]); what it throws fails the rendering.
    fn call_method(&mut self, v: &Value, m: &Method, mut args: Args, r: &Reference) -> Result<Value, Fail> {
        // `$list.add(x)`, the commonest call: the argument moved in, not copied.
        if let (MethodId::Add, Value::List(l), 1) = (m.id, v, args.len())
            && let Some(x) = args.pop()
        {
            l.borrow_mut().push(x);
            return Ok(Value::Bool(true));
        }
        match methods::call(v, &m.name, &args) {
            Ok(Some(result)) => {
                if m.id == MethodId::Builds {
                    self.charge_built(&result)?;
                }
                Ok(result)
            }
            Ok(None) => Ok(Value::Null),
            Err(e) => Err(threw(m, r, &e)),
        }
    }

    /// Steps for a value just built: strings by their bytes, lists and maps by their items.
    fn charge_built(&mut self, v: &Value) -> Result<(), Fail> {
        let n = match v {
            Value::Str(s) => s.len() as u64 / BYTES_PER_STEP,
            Value::List(l) => l.borrow().len() as u64 * STEPS_PER_ITEM,
            Value::Map(m) => m.borrow().len() as u64 * STEPS_PER_ITEM,
            _ => 0,
        };
        self.steps = self.steps.saturating_add(n);
        self.step(Pos::default())
    }

    /// Fails when `value` nests lists and maps too deeply to be put into a container
    /// (`into`, which it may itself be: a list holding itself prints as Java prints it).
    /// The walk is paid for in steps.
    fn check_nesting(&mut self, value: &Value, into: Option<&Value>) -> Result<(), Fail> {
        fn same(a: &Value, b: &Value) -> bool {
            match (a, b) {
                (Value::List(x), Value::List(y)) => Rc::ptr_eq(x, y),
                (Value::Map(x), Value::Map(y)) => Rc::ptr_eq(x, y),
                _ => false,
            }
        }
        fn walk(v: &Value, depth: usize, visited: &mut u64) -> bool {
            *visited += 1;
            if depth > MAX_VALUE_DEPTH {
                return false;
            }
            match v {
                Value::List(l) => l.borrow().iter().all(|i| walk(i, depth + 1, visited)),
                Value::Map(m) => m.borrow().iter().all(|(_, i)| walk(i, depth + 1, visited)),
                _ => true,
            }
        }
        if !matches!(value, Value::List(_) | Value::Map(_)) || into.is_some_and(|c| same(c, value)) {
            return Ok(());
        }
        let mut visited = 0;
        let ok = walk(value, 1, &mut visited);
        self.steps = self.steps.saturating_add(visited);
        self.step(Pos::default())?;
        if !ok {
            return Err(err(
                Pos::default(),
                format!("lists and maps nested deeper than {MAX_VALUE_DEPTH}"),
            ));
        }
        Ok(())
    }

    fn index(&self, v: &Value, i: &Value) -> Result<Value, String> {
        match (v, i) {
            (Value::List(l), Value::Int(n)) => {
                // A negative index counts from the end (Velocity 1.7's `$list[-1]`).
                let len = l.borrow().len() as i64;
                let n = if *n < 0 { n + len } else { *n };
                methods::call(v, "get", &[Value::Int(n)]).map(|r| r.unwrap_or(Value::Null))
            }
            (Value::Map(_), _) => methods::call(v, "get", std::slice::from_ref(i)).map(|r| r.unwrap_or(Value::Null)),
            (Value::Object(o), _) => o.call("get", std::slice::from_ref(i)).map(|r| r.unwrap_or(Value::Null)),
            _ => Ok(Value::Null),
        }
    }

    fn assign(&mut self, target: &'t Reference, value: Value, pos: Pos) -> Result<(), Fail> {
        let Some(last) = target.parts.last() else {
            let slot = target.slot;
            if let Some((_, b)) = self
                .frames
                .last_mut()
                .and_then(|f| f.iter_mut().rev().find(|(s, _)| *s == slot))
            {
                *b = Bound::Value(value);
                return Ok(());
            }
            if !self.defines.is_empty() {
                self.defines.retain(|(s, _)| *s != slot);
            }
            self.set(slot, value);
            return Ok(());
        };
        let holder = self.chain(target, target.parts.len() - 1)?;
        self.check_nesting(&value, Some(&holder))?;
        match (last, &holder) {
            (Part::Property(name), Value::Map(m)) => {
                methods::put(m, name.clone(), value);
            }
            (Part::Property(name), Value::Object(o)) => {
                o.set_property(name, value);
            }
            (Part::Index(e), _) => {
                let i = self.eval(e)?;
                let method = if matches!(holder, Value::List(_)) { "set" } else { "put" };
                if let Err(e) = methods::call(&holder, method, &[i, value]) {
                    return Err(err(pos, format!("{} threw exception {e}", target.literal)));
                }
            }
            (Part::Method(..), _) => return Err(err(pos, "a method call cannot be set")),
            _ => {}
        }
        Ok(())
    }

    /// An expression as a condition (Velocity 1.7's `evaluate`): references by their value
    /// (null and false are false), operators by their result, and literals, lists, maps,
    /// ranges and arithmetic always false.
    fn truth(&mut self, e: &'t Expr) -> Result<bool, Fail> {
        Ok(match e {
            Expr::Bool(b) => *b,
            // `#if($foreach.hasNext)`: the steps `eval` would count, without the value.
            Expr::Ref(Reference {
                loop_member: Some(member),
                pos,
                ..
            }) if let Some(v) = self.loop_property(*member) => {
                self.step(Pos::default())?;
                self.step(*pos)?;
                v.is_truthy()
            }
            Expr::Ref(_) | Expr::Not(_) => self.eval(e)?.is_truthy(),
            Expr::Binary(op, ..) if !matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod) => {
                self.eval(e)?.is_truthy()
            }
            _ => {
                self.eval(e)?;
                false
            }
        })
    }

    pub fn eval(&mut self, e: &'t Expr) -> Result<Value, Fail> {
        self.step(Pos::default())?;
        Ok(match e {
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Int(i) => Value::Int(*i),
            Expr::Float(x) => Value::Float(*x),
            Expr::Str(s) => Value::str(s),
            Expr::Interpolated(nodes) => {
                // Rendered into a reused buffer (the value is a copy of it anyway).
                let mut s = std::mem::take(&mut self.plain);
                s.clear();
                let plain = self.interpolate_plain(nodes, &mut s);
                if plain {
                    // The steps the general path counts: one a node, and the string's
                    // (`charge_built`).
                    self.steps = self
                        .steps
                        .saturating_add(nodes.len() as u64 + s.len() as u64 / BYTES_PER_STEP);
                    let v = Value::str(&s);
                    self.plain = s;
                    self.step(Pos::default())?;
                    return Ok(v);
                }
                self.plain = s;
                let mut s = self.scratch.pop().unwrap_or_else(|| String::with_capacity(64));
                s.clear();
                let flow = self.block(nodes, &mut s);
                let v = Value::str(&s);
                self.scratch.push(s);
                if let Flow::Stop = flow? {
                    self.stopped = true;
                }
                self.charge_built(&v)?;
                v
            }
            Expr::Ref(r) if r.parts.is_empty() => self.lookup(r.slot, true, r.pos)?,
            Expr::Ref(r) => self.chain(r, r.parts.len())?,
            Expr::List(items) => self.list(items)?,
            Expr::Map(entries) => self.map(entries)?,
            Expr::Range(a, b) => self.range(a, b)?,
            Expr::Not(e) => Value::Bool(!self.truth(e)?),
            Expr::Binary(op, l, r) => self.binary(*op, l, r)?,
        })
    }

    /// A string literal of text and bare variables holding strings, numbers or booleans
    /// (`"item $q$i$q"`, the commonest kind) written into `s` without the block machinery;
    /// false when it holds anything else (or is too long), and the general path must run.
    fn interpolate_plain(&self, nodes: &'t Block, s: &mut String) -> bool {
        if !self.frames.is_empty() || !self.defines.is_empty() {
            return false;
        }
        for node in nodes {
            match node {
                Node::Text(t) => push_short(s, t),
                Node::Ref(r) if r.parts.is_empty() => match &self.vars[r.slot as usize] {
                    Value::Str(v) => push_short(s, v),
                    Value::Int(i) => s.push_str(itoa::Buffer::new().format(*i)),
                    Value::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
                    _ => return false,
                },
                _ => return false,
            }
        }
        s.len() <= self.max_output
    }

    #[inline(never)]
    fn list(&mut self, items: &'t [Expr]) -> Result<Value, Fail> {
        let mut v = Vec::with_capacity(items.len());
        for i in items {
            let item = self.eval(i)?;
            self.check_nesting(&item, None)?;
            v.push(item);
        }
        Ok(Value::list(v))
    }

    #[inline(never)]
    fn map(&mut self, entries: &'t [(Expr, Expr)]) -> Result<Value, Fail> {
        let map = Value::map(Vec::with_capacity(entries.len()));
        if let Value::Map(m) = &map {
            for (k, v) in entries {
                let k = match self.eval(k)? {
                    Value::Str(s) => s.to_string(),
                    other => other.to_java_string(),
                };
                let v = self.eval(v)?;
                self.check_nesting(&v, None)?;
                methods::put(m, k, v);
            }
        }
        Ok(map)
    }

    #[inline(never)]
    fn range(&mut self, a: &'t Expr, b: &'t Expr) -> Result<Value, Fail> {
        Ok(match (self.eval(a)?, self.eval(b)?) {
            (Value::Int(a), Value::Int(b)) => {
                let len = a.abs_diff(b).saturating_add(1);
                self.steps = self.steps.saturating_add(len.saturating_mul(STEPS_PER_ITEM));
                self.step(Pos::default())?;
                let items = if a <= b {
                    (a..=b).map(Value::Int).collect()
                } else {
                    (b..=a).rev().map(Value::Int).collect()
                };
                Value::list(items)
            }
            _ => Value::Null,
        })
    }

    #[inline(never)]
    fn binary(&mut self, op: BinOp, l: &'t Expr, r: &'t Expr) -> Result<Value, Fail> {
        match op {
            BinOp::And => return Ok(Value::Bool(self.truth(l)? && self.truth(r)?)),
            BinOp::Or => return Ok(Value::Bool(self.truth(l)? || self.truth(r)?)),
            _ => {}
        }
        let a = self.eval(l)?;
        let b = self.eval(r)?;
        Ok(match op {
            BinOp::Eq => Value::Bool(self.equals(&a, &b)),
            BinOp::Ne => Value::Bool(!self.equals(&a, &b)),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                if !is_number(&a) || !is_number(&b) {
                    return Ok(Value::Bool(false));
                }
                let ord = compare(&a, &b);
                Value::Bool(match (op, ord) {
                    (_, None) => false,
                    (BinOp::Lt, Some(o)) => o.is_lt(),
                    (BinOp::Le, Some(o)) => o.is_le(),
                    (BinOp::Gt, Some(o)) => o.is_gt(),
                    (_, Some(o)) => o.is_ge(),
                })
            }
            BinOp::Add if matches!(a, Value::Str(_)) || matches!(b, Value::Str(_)) => {
                // A null reference joins a string as written.
                let text = |v: &Value, e: &Expr| match (v, e) {
                    (Value::Null, Expr::Ref(r)) => Some(r.literal.clone()),
                    (Value::Null, _) => None,
                    (v, _) => Some(v.to_java_string()),
                };
                match (text(&a, l), text(&b, r)) {
                    (Some(x), Some(y)) => {
                        if x.len() + y.len() > self.limits.max_output {
                            return Err(err(
                                Pos::default(),
                                format!("string longer than {} bytes", self.limits.max_output),
                            ));
                        }
                        let v = Value::str(&(x + &y));
                        self.charge_built(&v)?;
                        v
                    }
                    _ => Value::Null,
                }
            }
            _ => arithmetic(op, &a, &b).map_err(|m| err(Pos::default(), m))?,
        })
    }
}

impl Renderer<'_, '_> {
    /// `==`, with API Gateway's null equal to "" when its dialect is asked for.
    fn equals(&self, a: &Value, b: &Value) -> bool {
        if self.limits.quiet_nulls {
            let empty = |v: &Value| matches!(v, Value::Str(s) if s.is_empty());
            if matches!(a, Value::Null) && empty(b) || empty(a) && matches!(b, Value::Null) {
                return true;
            }
        }
        equals(a, b)
    }
}

fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        _ => as_f64(a).partial_cmp(&as_f64(b)),
    }
}

/// Velocity 1.7's `==`: numbers by value, same kinds with `equals`, other kinds by their
/// `toString()`; null equals only null.
fn equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        _ if is_number(a) && is_number(b) => compare(a, b) == Some(std::cmp::Ordering::Equal),
        (Value::Str(_), Value::Str(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::List(_), Value::List(_))
        | (Value::Map(_), Value::Map(_)) => a.java_equals(b),
        (Value::Object(x), Value::Object(y)) if Rc::ptr_eq(x, y) => true,
        _ => a.to_java_string() == b.to_java_string(),
    }
}

/// `- * / %` (and `+` on numbers): integers stay integers (Java's division), a double makes
/// a double; a null operand, a non-number or a zero divisor gives null.
fn arithmetic(op: BinOp, a: &Value, b: &Value) -> Result<Value, String> {
    if !is_number(a) || !is_number(b) {
        return Ok(Value::Null);
    }
    if matches!(op, BinOp::Div | BinOp::Mod) && as_f64(b) == 0.0 {
        return Ok(Value::Null);
    }
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        let r = match op {
            BinOp::Add => x.checked_add(*y),
            BinOp::Sub => x.checked_sub(*y),
            BinOp::Mul => x.checked_mul(*y),
            BinOp::Div => x.checked_div(*y),
            _ => x.checked_rem(*y),
        };
        return r.map(Value::Int).ok_or_else(|| "integer overflow".to_string());
    }
    let (x, y) = (as_f64(a), as_f64(b));
    Ok(Value::Float(match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div => x / y,
        _ => x % y,
    }))
}

/// The error of a method that threw `e`.
#[cold]
fn threw(m: &Method, r: &Reference, e: &str) -> Fail {
    err(
        r.pos,
        format!("invocation of method '{}' in {} threw exception {e}", m.name, r.literal),
    )
}

/// A macro parameter in a frame (the last one bound, when a name repeats).
fn find<'f, 't>(frame: &'f [(Slot, Bound<'t>)], slot: Slot) -> Option<&'f Bound<'t>> {
    frame.iter().rev().find(|(s, _)| *s == slot).map(|(_, b)| b)
}

/// `$foreach`: the loop's position.
struct ForeachScope {
    index: Cell<i64>,
    has_next: Cell<bool>,
    parent: Option<Value>,
}

impl crate::Object for ForeachScope {
    fn property(&self, name: &str) -> Option<Value> {
        Some(match name {
            "index" => Value::Int(self.index.get()),
            "count" => Value::Int(self.index.get() + 1),
            "hasNext" => Value::Bool(self.has_next.get()),
            "last" => Value::Bool(!self.has_next.get()),
            "parent" => return self.parent.clone(),
            _ => return None,
        })
    }

    fn call(&self, method: &str, args: &[Value]) -> Result<Option<Value>, String> {
        if !args.is_empty() {
            return Ok(None);
        }
        let property = match method {
            "getIndex" => "index",
            "getCount" => "count",
            "hasNext" | "getHasNext" => "hasNext",
            "isLast" | "getLast" => "last",
            "getParent" => "parent",
            _ => return Ok(None),
        };
        Ok(self.property(property))
    }

    fn render(&self) -> String {
        "org.apache.velocity.runtime.directive.ForeachScope".into()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Limits, Scope, Template, Value};

    fn render_with(template: &str, scope: &mut Scope, limits: &Limits) -> Result<String, crate::Error> {
        Template::parse(template)?.render(scope, limits)
    }

    /// The fast paths (`$foreach.hasNext` off the innermost loop, bare variables written from
    /// their slot) give what the general ones give: with nested loops, a `$foreach` a
    /// template set, macro parameters and defines.
    #[test]
    fn fast_paths_agree_with_the_general_ones() {
        let render = |t: &str| render_with(t, &mut Scope::new(), &Limits::default()).unwrap();
        assert_eq!(
            render("#foreach($a in [1..2])#foreach($b in [1..2])$foreach.hasNext$foreach.parent.hasNext;#end#end"),
            "truetrue;falsetrue;truefalse;falsefalse;"
        );
        assert_eq!(
            render("#foreach($a in [1..2])#set($foreach = {'hasNext': 'x'})$foreach.hasNext#end"),
            "xx"
        );
        assert_eq!(
            render("#macro(m $foreach)$foreach.hasNext#end#foreach($a in [1..2])#m($x)#end"),
            "$foreach.hasNext$foreach.hasNext"
        );
        assert_eq!(render("#set($v = 1)#define($v)defined#end$v"), "defined");
        assert_eq!(render("#macro(m $v)$v#end#set($v = 1)#m(2)$v"), "21");
    }

    fn render(template: &str) -> String {
        render_with(template, &mut Scope::new(), &Limits::default()).unwrap()
    }

    /// A host object whose `shout` is written straight into the output, `echo` only called.
    struct Host;

    impl crate::Object for Host {
        fn call(&self, method: &str, args: &[Value]) -> Result<Option<Value>, String> {
            Ok(match (method, args) {
                ("shout", [Value::Str(s)]) => Some(Value::str(&s.to_uppercase())),
                ("shout", [Value::Null]) => Some(Value::Null),
                ("echo", [v]) => Some(v.clone()),
                ("fail", []) => return Err("java.lang.IllegalStateException".into()),
                _ => None,
            })
        }

        fn write_call(&self, method: &str, args: &[Value], out: &mut String) -> Option<Result<(), String>> {
            match (method, args) {
                ("shout", [Value::Str(s)]) => {
                    out.push_str(&s.to_uppercase());
                    Some(Ok(()))
                }
                ("fail", [] | [_]) => {
                    out.push_str("partial");
                    Some(Err("java.lang.IllegalStateException".into()))
                }
                _ => None,
            }
        }

        fn render(&self) -> String {
            "host".into()
        }
    }

    /// Methods resolved when parsing, host objects writing their results, and the loop's
    /// members read off the loop give what the general paths give.
    #[test]
    fn resolved_methods_and_written_results() {
        let with_host = |t: &str, limits: &Limits| {
            let mut scope = Scope::new();
            scope.set("h", Value::object(Host));
            render_with(t, &mut scope, limits)
        };
        let limits = Limits::default();
        let quiet = Limits {
            quiet_nulls: true,
            ..Limits::default()
        };
        // Written straight, called, and in a string or an expression (no output to write to).
        assert_eq!(
            with_host(
                r#"$h.shout('a')|$h.echo('b')|"$h.shout('c')"|#set($x = $h.shout('d'))$x"#,
                &limits
            )
            .unwrap(),
            r#"A|b|"C"|D"#
        );
        // One argument a host leaves to `call`, or that is null.
        assert_eq!(
            with_host("$h.echo(1)|$h.echo([1, 2])|$h.shout(2)|$h.echo($nope)", &limits).unwrap(),
            "1|[1, 2]|$h.shout(2)|$h.echo($nope)"
        );
        // Results that are null, unknown methods, null receivers: as written, or nothing.
        let t = "[$h.shout($nope)][$h.nope()][$h.shout(1)][$nope.shout('x')][$!h.nope()]";
        assert_eq!(
            with_host(t, &limits).unwrap(),
            "[$h.shout($nope)][$h.nope()][$h.shout(1)][$nope.shout('x')][]"
        );
        assert_eq!(with_host(t, &quiet).unwrap(), "[][][][][]");
        // What a host's written call throws fails the rendering, naming the call.
        let e = with_host("ok $h.fail()", &limits).unwrap_err();
        assert!(e.message.contains("'fail'") && e.message.contains("$h.fail()"), "{e}");
        let e = with_host("#set($x = 1)ok $h.fail($x)", &limits).unwrap_err();
        assert!(e.message.contains("'fail'") && e.message.contains("$h.fail($x)"), "{e}");
        // One variable's value written by the host, left to `call`, null, or a chain.
        assert_eq!(
            with_host(
                "#set($s = 'a')#set($i = 1)#set($m = {'k': 'b'})$h.shout($s)|$h.echo($s)|$h.shout($i)|$h.shout($nope)|$h.shout($m.k)|$!h.shout($nope)",
                &limits
            )
            .unwrap(),
            "A|a|$h.shout($i)|$h.shout($nope)|B|"
        );
        assert_eq!(
            with_host(
                "#macro(m $v)$h.shout($v)#end#m('x')#define($d)y#end$h.shout($d)",
                &limits
            )
            .unwrap(),
            "XY"
        );
        // Written results count against the output bound.
        let small = Limits {
            max_output: 4,
            ..Limits::default()
        };
        assert!(with_host("$h.shout('abcdef')", &small).is_err());
        // Lists: `add` moves its argument in, unknown methods and wrong arities stay unknown.
        assert_eq!(
            render("#set($l = [])#set($a = $l.add('x'))#set($b = $l.add(0, 'y'))$a $l $l.nope() $l.add()"),
            "true [y, x] $l.nope() $l.add()"
        );
        assert_eq!(
            render("#set($l = [1])#set($m = {})#set($r = $l.addAll($l))#set($s = $m.put('k', $l))$l $m $l.size()"),
            "[1, 1] {k=[1, 1]} 2"
        );
        // `$foreach` members in nested loops, after the loop, and in macros calling methods.
        assert_eq!(
            render(
                "#foreach($a in [1..2])#foreach($b in ['x', 'y'])$foreach.index$foreach.count$foreach.hasNext$foreach.parent.index #end#end$foreach.hasNext"
            ),
            "01true0 12false0 01true1 12false1 $foreach.hasNext"
        );
        assert_eq!(
            render(
                "#macro(m $l $v)#set($r = $l.add($v))$l.size()#end#set($l = [])#foreach($i in [1..3])#m($l $i)#if($foreach.hasNext),#end#end $l"
            ),
            "1,2,3 [1, 2, 3]"
        );
        assert_eq!(
            render(
                "#foreach($i in [1..2])#if($foreach.hasNext && $foreach.index == 0)f#end#if(!$foreach.hasNext)l#end#end"
            ),
            "fl"
        );
        // `#if($foreach...)` with text alone, an `#else`, a body that breaks, and no loop.
        assert_eq!(
            render(
                "#foreach($i in [1..3])$i#if($foreach.hasNext),#else.#end#if($foreach.index)[$foreach.count]#end#end"
            ),
            "1,[1]2,[2]3.[3]"
        );
        assert_eq!(
            render("#foreach($i in [1..5])$i#if($foreach.count)#if($i == 2)#break#end#end#end"),
            "12"
        );
        assert_eq!(render("#if($foreach.hasNext)x#else y#end"), " y");
        // `#set($ok = $list.add(x))`: into a list, into what is not one, with a `#define`
        // or a `#stop` in its argument, and inside a macro.
        assert_eq!(
            render("#set($l = [])#set($s = 'x')#foreach($i in [1..3])#set($ok = $l.add(\"$s$i\"))#end$ok $l"),
            "true [x1, x2, x3]"
        );
        assert_eq!(render("#set($l = 'str')#set($ok = $l.add(1))$ok"), "$ok");
        assert_eq!(
            render("#set($l = [])#set($d = 0)#set($d = $l.add(\"#define($d)D#end\"))$d $l"),
            "true []"
        );
        assert_eq!(render("#set($l = [])#set($ok = $l.add(\"a#stop\"))after"), "");
        assert_eq!(
            render("#macro(m $x)#set($ok = $l.add($x))#end#set($l = [])#m(1)#m('b')$l $ok"),
            "[1, b] true"
        );
    }

    /// String literals of text and bare variables, built without the block machinery, give
    /// what the general path gives: for every kind of value, in macros and with defines, and
    /// within the bounds.
    #[test]
    fn plain_string_literals_agree_with_the_general_path() {
        assert_eq!(
            render(
                r#"#set($s = 'x')#set($i = -12)#set($b = true)#set($f = 1.5)#set($l = [1])#set($v = "$s|$i|$b|$f|$l|$nope|${s}")$v"#
            ),
            "x|-12|true|1.5|[1]|$nope|x"
        );
        let quiet = Limits {
            quiet_nulls: true,
            ..Limits::default()
        };
        assert_eq!(
            render_with(r#"#set($v = "a$nope")$v"#, &mut Scope::new(), &quiet).unwrap(),
            "a"
        );
        assert_eq!(render(r#"#macro(m $p)#set($v = "<$p>")$v#end#m('y')#m($q)"#), "<y><$q>");
        assert_eq!(render(r#"#define($d)D#end#set($v = "<$d>")$v"#), "<D>");
        assert_eq!(render(r#"#set($q = '"')#set($v = "$q$q")$v.length()"#), "2");
        // `#set` of a bare variable: a null value leaves it, a define is forgotten, a loop's
        // variable is restored after the loop.
        assert_eq!(render("#set($a = 1)#set($a = $nope)$a"), "1");
        assert_eq!(render("#define($a)D#end#set($a = 2)$a"), "2");
        assert_eq!(
            render("#set($i = 'x')#foreach($i in [1..2])#set($j = $i)#end$i$j#foreach($i in [])#end$i"),
            "x2x"
        );
        let small = Limits {
            max_output: 4,
            ..Limits::default()
        };
        let e = render_with(r#"#set($s = 'abc')#set($v = "$s$s")"#, &mut Scope::new(), &small).unwrap_err();
        assert!(e.message.contains("output"), "{e}");
        // `$list.add(x)` in an expression: its nesting bound, and a list added to itself.
        assert_eq!(render("#set($l = [])#set($ok = $l.add($l))$ok $l.size()"), "true 1");
        let e = render_with(
            "#set($a = [])#foreach($i in [1..300])#set($b = [])#set($ok = $b.add($a))#set($a = $b)#end",
            &mut Scope::new(),
            &Limits::default(),
        )
        .unwrap_err();
        assert!(e.message.contains("nested deeper"), "{e}");
    }

    #[test]
    fn set_changes_the_hosts_scope() {
        let mut scope = Scope::new();
        scope.set("ctx", Value::map(vec![]));
        render_with("#set($ctx.status = 404)#set($x = 'y')", &mut scope, &Limits::default()).unwrap();
        assert_eq!(scope.get("ctx").unwrap().to_java_string(), "{status=404}");
        assert_eq!(scope.get("x").unwrap().to_java_string(), "y");
    }

    #[test]
    fn foreach_stops_at_the_limit() {
        let limits = Limits {
            max_foreach: 3,
            ..Limits::default()
        };
        let out = render_with("#foreach($i in [1..10])$i#end", &mut Scope::new(), &limits).unwrap();
        assert_eq!(out, "123");
    }

    #[test]
    fn output_and_steps_are_bounded() {
        let limits = Limits {
            max_output: 10,
            ..Limits::default()
        };
        let e = render_with("#foreach($i in [1..20])x#end", &mut Scope::new(), &limits).unwrap_err();
        assert!(e.message.contains("output"), "{e}");
        let limits = Limits {
            max_steps: 100,
            ..Limits::default()
        };
        let e = render_with("#foreach($i in [1..200])x#end", &mut Scope::new(), &limits).unwrap_err();
        assert!(e.message.contains("steps"), "{e}");
        let limits = Limits {
            max_depth: 5,
            ..Limits::default()
        };
        let e = render_with("#macro(r $n)#r($n)#end#r(1)", &mut Scope::new(), &limits).unwrap_err();
        assert!(e.message.contains("deeper"), "{e}");
    }

    #[test]
    fn method_errors_name_the_reference_and_position() {
        let e = render_with("\n  $s.substring(9)", &mut Scope::new(), &Limits::default());
        assert!(e.is_ok(), "an undefined receiver renders as written");
        let mut scope = Scope::new();
        scope.set("s", Value::str("abc"));
        let e = render_with("\n  $s.substring(9)", &mut scope, &Limits::default()).unwrap_err();
        assert_eq!((e.line, e.column), (2, 3));
        assert!(e.message.contains("substring"), "{e}");
    }

    #[test]
    fn operators_follow_velocity() {
        assert_eq!(
            render("#set($a = 7 / 2)#set($b = 7 / 2.0)#set($c = 'a' + 1)$a $b $c"),
            "3 3.5 a1"
        );
        assert_eq!(render("#set($a = 1 / 0)$a"), "$a");
        assert_eq!(render("#if('1' == 1 && !$nope)y#end"), "y");
    }
}

//! Velocity templates (VTL) as API Gateway renders mapping templates: parsed once (per
//! deployment), rendered per request against a [`Scope`] of variables, within [`Limits`].
//!
//! The host (the data plane) puts plain [`Value`]s and its own [`Object`]s (`$input`, `$util`,
//! `$context`) into the scope; the engine knows nothing about API Gateway.
//!
//! The language is Apache Velocity 1.7's, output byte for byte as 1.7 writes it (checked
//! against the real Velocity by `tests/differential.rs`).
//!
//! ## Layout
//! - `ast`: the syntax tree (plain owned data: a parsed template is `Send + Sync`).
//! - `lexer`: token scanning: identifiers, directive names, literals, line ends, positions.
//! - `parser`: template text → tree; references, directives, escapes, comments, literals,
//!   and the whitespace directives swallow; all syntax errors, and the nesting bound.
//! - `render`: the interpreter: scopes, macros, `#foreach`, operators, the limits; with fast
//!   paths, outside macros and defines, for the commonest shapes (string literals of text and
//!   variables, a host's call on a variable, `#set($ok = $list.add(...))`,
//!   `#if($foreach.hasNext)`), each giving what the general path gives, steps included.
//! - `methods`: the Java methods and properties of strings, lists, maps and numbers.
//! - `value`: [`Value`], the host's [`Object`]s, and Java's `toString` printing.

mod ast;
mod lexer;
mod methods;
mod parser;
mod render;
mod slots;
mod value;

pub use value::{Entry, JavaClass, List, Map, Object, Value, java_double};

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A parsed template; shareable between threads, rendered any number of times.
#[derive(Debug)]
pub struct Template {
    nodes: ast::Block,
    macros: HashMap<String, ast::Macro>,
    names: slots::Names,
    /// The size of the latest output: the next one's buffer starts that large, so that a
    /// template rendering much the same output each time grows no buffer.
    size_hint: AtomicUsize,
}

/// Bounds on one rendering; a template that reaches one fails with an [`Error`].
#[derive(Debug, Clone)]
pub struct Limits {
    /// Iterations of one `#foreach` (API Gateway stops at 1,000). Reaching it ends the loop
    /// silently, as Velocity's `directive.foreach.maxloops` does; it is not an error.
    pub max_foreach: usize,
    /// Bytes of output.
    pub max_output: usize,
    /// Nesting of macro calls, `#define` expansions and evaluation.
    pub max_depth: usize,
    /// Evaluation steps in all (runaway loops and recursion); building lists, maps and
    /// strings costs steps by their size, so this bounds a rendering's memory too.
    pub max_steps: u64,
    /// API Gateway's dialect, not Velocity's: a reference whose value is null renders as
    /// nothing (as `$!ref` does) instead of as written, and null equals the empty string.
    pub quiet_nulls: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_foreach: 1_000,
            max_output: 10 * 1024 * 1024,
            // Velocity's `velocimacro.max.depth`: a 21st nested macro call fails.
            max_depth: 20,
            max_steps: 10_000_000,
            quiet_nulls: false,
        }
    }
}

/// The variables a rendering starts with; `#set` adds to and changes them.
#[derive(Default)]
pub struct Scope {
    pub(crate) vars: Vars,
}

/// Variables by name, hashed with FNV-1a: short keys, no untrusted-key flooding concern
/// (templates come from the API's owner), and far cheaper than SipHash per loop step. A
/// host's names are mostly constants, kept without a copy.
pub(crate) type Vars = HashMap<Cow<'static, str>, Value, std::hash::BuildHasherDefault<Fnv>>;

#[derive(Default)]
pub(crate) struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

impl Scope {
    pub fn new() -> Self {
        Scope::default()
    }

    pub fn set(&mut self, name: impl Into<Cow<'static, str>>, value: Value) {
        self.vars.insert(name.into(), value);
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.vars.get(name)
    }
}

/// A parse or render failure: what went wrong and where in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
    /// 1-based; 0 when there is no position.
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "{} at line {}, column {}", self.message, self.line, self.column)
        }
    }
}

impl std::error::Error for Error {}

impl Template {
    /// Parses a template. Syntax errors are reported here, never at render time.
    pub fn parse(source: &str) -> Result<Template, Error> {
        let mut parsed = parser::parse(source)?;
        let mut names = slots::Names::default();
        names.resolve(&mut parsed.nodes, &mut parsed.macros);
        Ok(Template {
            nodes: parsed.nodes,
            macros: parsed.macros,
            names,
            size_hint: AtomicUsize::new(256),
        })
    }

    /// Renders with `scope` (changed by the template's `#set`s, so the host can read back
    /// what the template set, e.g. `$context.responseOverride`).
    pub fn render(&self, scope: &mut Scope, limits: &Limits) -> Result<String, Error> {
        // Bounded, so that one huge output does not make every later buffer huge.
        let capacity = self.size_hint.load(Ordering::Relaxed).min(64 * 1024);
        let out = render::Renderer::new(&self.macros, &self.names, scope, limits)
            .render(&self.nodes, capacity)
            .map_err(|e| *e)?;
        // A little over, so that output that varies a little still fits.
        self.size_hint.store(out.len() + out.len() / 8 + 16, Ordering::Relaxed);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str) -> Result<String, Error> {
        Template::parse(template)?.render(&mut Scope::new(), &Limits::default())
    }

    #[test]
    fn template_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Template>();
    }

    #[test]
    fn renders_the_basics() {
        assert_eq!(
            render("#set($a = [1..3])#foreach($i in $a)$i#if($foreach.hasNext),#end#end").unwrap(),
            "1,2,3"
        );
        assert_eq!(render("$x $!x ${x}").unwrap(), "$x  ${x}");
    }

    /// Templates spliced from fragments of every construct, valid or not: each parses or
    /// fails, and renders or fails, without a panic.
    #[test]
    fn arbitrary_templates_never_panic() {
        const PARTS: &[&str] = &[
            "$a",
            "$!b",
            "${c}",
            "$l[0]",
            "$m.k",
            "$s.substring(1)",
            "$l.add($l)",
            "$l.remove($l)",
            "$m.put('k', $m)",
            "#set($a = ",
            "#set($m.k = ",
            "#if(",
            "#elseif(",
            "#else",
            "#end",
            "#foreach($i in ",
            "#macro(mm $x)",
            "#mm(",
            "#define($d)",
            "$d",
            "#break",
            "#stop",
            ")",
            "(",
            "[",
            "]",
            "{",
            "}",
            "[1..3]",
            "'x'",
            "\"y$a\"",
            "1",
            "-2.5",
            " + ",
            " / ",
            " % ",
            " == ",
            " && ",
            "!",
            ",",
            ":",
            "\\",
            "\\$a",
            "\\#if",
            "##",
            "#*",
            "*#",
            "#[[",
            "]]#",
            "\n",
            " ",
            "é",
            "$",
            "#",
            "$foreach.index",
            "#evaluate($s)",
            "#evaluate('#if(')",
            "#evaluate('$l.add($l)')",
            "$velocityCount",
            "$s.split('')",
            "$s.matches('(')",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let limits = Limits {
            max_steps: 20_000,
            ..Limits::default()
        };
        for _ in 0..5_000 {
            let n = next() % 14 + 1;
            let source: String = (0..n).map(|_| PARTS[(next() % PARTS.len() as u64) as usize]).collect();
            if let Ok(t) = Template::parse(&source) {
                let mut scope = Scope::new();
                scope.set("s", Value::str("héllo"));
                scope.set("l", Value::list(vec![Value::Int(1)]));
                scope.set("m", Value::map(vec![]));
                let _ = t.render(&mut scope, &limits);
                // Break self-references so the test does not leak.
                if let Some(Value::List(l)) = scope.get("l") {
                    l.borrow_mut().clear();
                }
                if let Some(Value::Map(m)) = scope.get("m") {
                    m.borrow_mut().clear();
                }
            }
        }
    }

    /// The deepest rendering the bounds allow (macros 20 deep, each nesting blocks and
    /// expressions to the parse bound) fits a 2 MB thread stack, as on Tokio's workers.
    #[test]
    fn deepest_rendering_fits_the_stack() {
        let ifs = 45;
        let body = format!(
            "{}#set($x = {}1{})#r()$x{}",
            "#if(true)".repeat(ifs),
            "(".repeat(45),
            ")".repeat(45),
            "#end".repeat(ifs)
        );
        let source = format!("#macro(r){body}#end#r()");
        let handle = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                let t = Template::parse(&source).unwrap();
                t.render(&mut Scope::new(), &Limits::default()).unwrap_err().message
            })
            .unwrap();
        let message = handle.join().expect("no stack overflow");
        assert!(message.contains("deeper") || message.contains("nested"), "{message}");
    }

    #[test]
    fn api_gateway_dialect_renders_nulls_as_nothing() {
        let quiet = Limits {
            quiet_nulls: true,
            ..Limits::default()
        };
        let t =
            Template::parse(r#"[$x][$x.y]["$x"]#if($x == "")E#end#if($x == $null)N#end#if("" == $x)R#end"#).unwrap();
        assert_eq!(t.render(&mut Scope::new(), &quiet).unwrap(), r#"[][][""]ENR"#);
        assert_eq!(
            t.render(&mut Scope::new(), &Limits::default()).unwrap(),
            r#"[$x][$x.y]["$x"]N"#
        );
    }

    #[test]
    fn hostile_templates_stop() {
        let limits = Limits::default();
        let t = Template::parse("#macro(m)#m()#end#m()").unwrap();
        assert!(t.render(&mut Scope::new(), &limits).is_err());
        let t =
            Template::parse("#foreach($a in [1..1000])#foreach($b in [1..1000])#foreach($c in [1..1000])x#end#end#end")
                .unwrap();
        assert!(t.render(&mut Scope::new(), &limits).is_err());
    }
}

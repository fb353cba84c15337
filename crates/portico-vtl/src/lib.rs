//! Velocity templates (VTL) as API Gateway renders mapping templates: parsed once (per
//! deployment), rendered per request against a [`Scope`] of variables, within [`Limits`].
//!
//! The host (the data plane) puts plain [`Value`]s and its own [`Object`]s (`$input`, `$util`,
//! `$context`) into the scope; the engine knows nothing about API Gateway.

mod value;

pub use value::{List, Map, Object, Value};

use std::collections::HashMap;
use std::fmt;

/// A parsed template; shareable between threads, rendered any number of times.
#[derive(Debug)]
pub struct Template {
    source: String,
}

/// Bounds on one rendering; a template that reaches one fails with an [`Error`].
#[derive(Debug, Clone)]
pub struct Limits {
    /// Iterations of one `#foreach` (API Gateway stops at 1,000).
    pub max_foreach: usize,
    /// Bytes of output.
    pub max_output: usize,
    /// Nesting of macro calls, `#define` expansions and evaluation.
    pub max_depth: usize,
    /// Evaluation steps in all (runaway loops and recursion).
    pub max_steps: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_foreach: 1_000,
            max_output: 10 * 1024 * 1024,
            max_depth: 64,
            max_steps: 10_000_000,
        }
    }
}

/// The variables a rendering starts with; `#set` adds to and changes them.
#[derive(Default)]
pub struct Scope {
    vars: HashMap<String, Value>,
}

impl Scope {
    pub fn new() -> Self {
        Scope::default()
    }

    pub fn set(&mut self, name: impl Into<String>, value: Value) {
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
        Ok(Template {
            source: source.to_owned(),
        })
    }

    /// Renders with `scope` (changed by the template's `#set`s, so the host can read back
    /// what the template set, e.g. `$context.responseOverride`).
    pub fn render(&self, scope: &mut Scope, limits: &Limits) -> Result<String, Error> {
        let _ = (scope, limits, &self.source);
        Err(Error {
            message: "the VTL engine is not built yet".into(),
            line: 0,
            column: 0,
        })
    }
}

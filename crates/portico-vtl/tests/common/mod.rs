//! The case table (`tests/cases.txt`) shared by `cases.rs` and `differential.rs`.
//!
//! A case:
//! ```text
//! === name flag...
//! {"optional": "variables as JSON, on one line"}
//! ---
//! template lines
//! ---
//! expected output lines (for an `error` case: a part of the error message)
//! ```
//! Blocks are their lines joined with `\n`, so an empty last line means a trailing newline.
//! Flags: `error` (parsing or rendering fails), `host` (uses the host objects below: not sent
//! to Velocity), `agw` (an API Gateway bound Velocity does not have: not sent to Velocity).

#![allow(dead_code)]

use std::cell::RefCell;
use std::path::PathBuf;

use portico_vtl::{JavaClass, Object, Scope, Value};

#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub flags: Vec<String>,
    pub vars: Option<String>,
    pub template: String,
    pub expect: String,
}

impl Case {
    pub fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }

    /// Whether the real Velocity renders this case in the differential test.
    pub fn differential(&self) -> bool {
        !self.has("host") && !self.has("agw")
    }

    pub fn values(&self) -> Vec<(String, Value)> {
        match &self.vars {
            None => Vec::new(),
            Some(json) => match parse_json(json) {
                Value::Map(m) => m.borrow().clone(),
                _ => panic!("case {}: variables must be a JSON object", self.name),
            },
        }
    }

    pub fn scope(&self) -> Scope {
        let mut scope = Scope::new();
        for (k, v) in self.values() {
            scope.set(k, v);
        }
        if self.has("host") {
            scope.set("obj", Value::object(Host::default()));
            scope.set("Integer", Value::object(JavaClass("Integer")));
            scope.set("Double", Value::object(JavaClass("Double")));
        }
        scope
    }
}

pub fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cases.txt")
}

pub fn load() -> Vec<Case> {
    let text = std::fs::read_to_string(path()).expect("tests/cases.txt");
    parse_cases(&text)
}

pub fn parse_cases(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let lines: Vec<&str> = text.split('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.is_empty() && i == lines.len() - 1 {
            break;
        }
        let header = line
            .strip_prefix("=== ")
            .unwrap_or_else(|| panic!("cases.txt line {}: expected '=== name'", i + 1));
        let mut words = header.split_whitespace();
        let name = words.next().expect("a case name").to_owned();
        let flags = words.map(str::to_owned).collect();
        i += 1;
        let mut vars = None;
        if lines[i].starts_with('{') {
            vars = Some(lines[i].to_owned());
            i += 1;
        }
        assert_eq!(lines[i], "---", "case {name}: expected --- before the template");
        i += 1;
        let start = i;
        while lines[i] != "---" {
            i += 1;
        }
        let template = lines[start..i].join("\n");
        i += 1;
        let start = i;
        while i < lines.len() && !lines[i].starts_with("=== ") && !(i == lines.len() - 1 && lines[i].is_empty()) {
            i += 1;
        }
        let expect = lines[start..i].join("\n");
        cases.push(Case {
            name,
            flags,
            vars,
            template,
            expect,
        });
    }
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        panic!("case name {} is used twice", w[0]);
    }
    cases
}

pub fn write_cases(cases: &[Case]) -> String {
    let mut out = String::new();
    for c in cases {
        out.push_str("=== ");
        out.push_str(&c.name);
        for f in &c.flags {
            out.push(' ');
            out.push_str(f);
        }
        out.push('\n');
        if let Some(v) = &c.vars {
            out.push_str(v);
            out.push('\n');
        }
        out.push_str("---\n");
        out.push_str(&c.template);
        out.push_str("\n---\n");
        out.push_str(&c.expect);
        out.push('\n');
    }
    out
}

/// A small JSON reader keeping object members in order (the case's maps are
/// `LinkedHashMap`s on both sides).
pub fn parse_json(text: &str) -> Value {
    let mut p = Json {
        b: text.as_bytes(),
        i: 0,
    };
    let v = p.value();
    p.ws();
    assert_eq!(p.i, p.b.len(), "trailing characters in JSON {text}");
    v
}

struct Json<'a> {
    b: &'a [u8],
    i: usize,
}

impl Json<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Value {
        self.ws();
        match self.b[self.i] {
            b'{' => {
                self.i += 1;
                let mut entries = Vec::new();
                loop {
                    self.ws();
                    if self.b[self.i] == b'}' {
                        self.i += 1;
                        break;
                    }
                    if self.b[self.i] == b',' {
                        self.i += 1;
                        continue;
                    }
                    let Value::Str(k) = self.value() else {
                        panic!("JSON keys are strings")
                    };
                    self.ws();
                    assert_eq!(self.b[self.i], b':');
                    self.i += 1;
                    entries.push((k.to_string(), self.value()));
                }
                Value::map(entries)
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.b[self.i] == b']' {
                        self.i += 1;
                        break;
                    }
                    if self.b[self.i] == b',' {
                        self.i += 1;
                        continue;
                    }
                    items.push(self.value());
                }
                Value::list(items)
            }
            b'"' => {
                let start = self.i;
                self.i += 1;
                while self.b[self.i] != b'"' {
                    if self.b[self.i] == b'\\' {
                        self.i += 1;
                    }
                    self.i += 1;
                }
                self.i += 1;
                let s: String = serde_json::from_slice(&self.b[start..self.i]).expect("a JSON string");
                Value::str(&s)
            }
            _ => {
                let start = self.i;
                while self.i < self.b.len()
                    && !matches!(self.b[self.i], b',' | b']' | b'}')
                    && !self.b[self.i].is_ascii_whitespace()
                {
                    self.i += 1;
                }
                let word = std::str::from_utf8(&self.b[start..self.i]).unwrap();
                match word {
                    "null" => Value::Null,
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ if word.contains(['.', 'e', 'E']) => Value::Float(word.parse().expect("a number")),
                    _ => Value::Int(word.parse().expect("a number")),
                }
            }
        }
    }
}

/// `$obj` in `host` cases: a property, methods, one that throws, a settable property and
/// iteration.
#[derive(Default)]
pub struct Host {
    props: RefCell<Vec<(String, Value)>>,
}

impl Object for Host {
    fn property(&self, name: &str) -> Option<Value> {
        if name == "name" {
            return Some(Value::str("host"));
        }
        self.props
            .borrow()
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    fn set_property(&self, name: &str, value: Value) -> bool {
        self.props.borrow_mut().push((name.to_owned(), value));
        true
    }

    fn call(&self, method: &str, args: &[Value]) -> Result<Option<Value>, String> {
        match (method, args) {
            ("greet", [who]) => Ok(Some(Value::str(&format!("hello {}", who.to_java_string())))),
            ("fail", []) => Err("java.lang.IllegalStateException: failed".into()),
            ("nothing", []) => Ok(Some(Value::Null)),
            _ => Ok(None),
        }
    }

    fn render(&self) -> String {
        "Host[]".into()
    }

    fn iterate(&self) -> Option<Vec<Value>> {
        Some(vec![Value::Int(1), Value::Int(2), Value::Int(3)])
    }
}

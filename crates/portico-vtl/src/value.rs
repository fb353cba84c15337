//! Values with Java's semantics: what templates compute with and how they print.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

/// A `java.util.List`: shared and mutable (`$list.add(x)` changes every holder's list).
pub type List = Rc<RefCell<Vec<Value>>>;
/// A `java.util.LinkedHashMap` with string keys: insertion order, shared and mutable.
pub type Map = Rc<RefCell<Vec<(String, Value)>>>;

#[derive(Clone)]
pub enum Value {
    /// Java `null`: a reference to it renders as written (`$x`), or as nothing with `$!x`.
    Null,
    Bool(bool),
    /// `Integer`/`Long`.
    Int(i64),
    /// `Double`.
    Float(f64),
    Str(Rc<str>),
    List(List),
    Map(Map),
    /// A host object (`$input`, `$util`...).
    Object(Rc<dyn Object>),
}

/// An object the host puts in scope: its properties and methods are the host's.
pub trait Object {
    /// `$obj.name` (Velocity tries `getName()`, `get("name")`, `isName()`); `None`: no such
    /// property, and the reference renders as written.
    fn property(&self, name: &str) -> Option<Value> {
        let _ = name;
        None
    }

    /// `#set($obj.name = value)`; false when the object has no such settable property.
    fn set_property(&self, name: &str, value: Value) -> bool {
        let _ = (name, value);
        false
    }

    /// `$obj.method(args)`. `Ok(None)`: no such method (the reference renders as written);
    /// `Err`: the method threw, which fails the rendering.
    fn call(&self, method: &str, args: &[Value]) -> Result<Option<Value>, String>;

    /// What `$obj` prints (Java's `toString()`).
    fn render(&self) -> String;
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(items)))
    }

    pub fn map(entries: Vec<(String, Value)>) -> Value {
        Value::Map(Rc::new(RefCell::new(entries)))
    }

    pub fn object(object: impl Object + 'static) -> Value {
        Value::Object(Rc::new(object))
    }

    /// A JSON document as Java sees it after parsing: objects as maps, arrays as lists,
    /// integral numbers as `Int` (when they fit), others as `Float`.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::str(s),
            serde_json::Value::Array(items) => Value::list(items.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(entries) => {
                Value::map(entries.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect())
            }
        }
    }
}

impl Value {
    /// What Java's `toString()` prints (placeholder until the engine lands).
    pub fn to_java_string(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(x) => x.to_string(),
            Value::Str(s) => s.to_string(),
            Value::List(l) => format!("{:?}", l.borrow()),
            Value::Map(m) => format!("{:?}", m.borrow()),
            Value::Object(o) => o.render(),
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("Null"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Int(i) => write!(f, "Int({i})"),
            Value::Float(x) => write!(f, "Float({x})"),
            Value::Str(s) => write!(f, "Str({s:?})"),
            Value::List(l) => f.debug_list().entries(l.borrow().iter()).finish(),
            Value::Map(m) => f.debug_map().entries(m.borrow().iter().map(|(k, v)| (k, v))).finish(),
            Value::Object(o) => write!(f, "Object({})", o.render()),
        }
    }
}

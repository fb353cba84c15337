//! Values with Java's semantics: what templates compute with and how they print.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

/// A `java.util.List`: shared and mutable (`$list.add(x)` changes every holder's list).
pub type List = Rc<RefCell<Vec<Value>>>;
/// A `java.util.LinkedHashMap` with string keys: insertion order, shared and mutable.
pub type Map = Rc<RefCell<Vec<(String, Value)>>>;

// A whole-word tag: with a one-byte tag, moving a value copied the bytes after it piecewise
// (where `Bool` lives), and those reads stalled on the writes just before them.
#[derive(Clone)]
#[repr(u64)]
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

    /// `$obj.method(args)` where the template only prints the result: written straight into
    /// `out` (as the result of `call` would print), saving the string `call` would make.
    /// `None`: not done here (the renderer then uses `call`, with the same arguments); only
    /// for results that are not null.
    fn write_call(&self, method: &str, args: &[Value], out: &mut String) -> Option<Result<(), String>> {
        let _ = (method, args, out);
        None
    }

    /// What `$obj` prints (Java's `toString()`).
    fn render(&self) -> String;

    /// The items `#foreach` walks over; `None`: the object is not iterable (the loop does
    /// nothing, as Velocity does for a non-collection).
    fn iterate(&self) -> Option<Vec<Value>> {
        None
    }
}

impl Value {
    /// `$value.name(args)` as a template calls it (for hosts whose objects wrap values):
    /// `Ok(None)` when there is no such method.
    pub fn call_method(&self, name: &str, args: &[Value]) -> Result<Option<Value>, String> {
        crate::methods::call(self, name, args)
    }

    /// `$value.name` as a template reads it; `None` when there is no such property.
    pub fn get_property(&self, name: &str) -> Option<Value> {
        crate::methods::property(self, name)
    }

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

impl Value {
    /// The value as Java's `toString()` prints it: `Double`s as Java does (`1.0`, `1.0E10`,
    /// `NaN`), lists `[a, b]`, maps `{a=1, b=2}`, `null` inside collections.
    pub fn to_java_string(&self) -> String {
        let mut out = String::new();
        // Without a size cap the write cannot fail.
        let _ = self.write_java(&mut out, usize::MAX, 0);
        out
    }

    /// Appends the Java `toString()` of the value; `Err` when `out` would exceed `cap` bytes.
    /// Nesting deeper than [`MAX_PRINT_DEPTH`] prints as `...` (Java would overflow its stack).
    pub(crate) fn write_java(&self, out: &mut String, cap: usize, depth: usize) -> Result<(), ()> {
        if depth > MAX_PRINT_DEPTH {
            out.push_str("...");
            return Ok(());
        }
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
            Value::Float(x) => out.push_str(&java_double(*x)),
            Value::Str(s) => {
                if out.len() + s.len() > cap {
                    return Err(());
                }
                out.push_str(s)
            }
            Value::List(list) => {
                out.push('[');
                for (n, item) in list.borrow().iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    match item {
                        Value::List(inner) if Rc::ptr_eq(inner, list) => out.push_str("(this Collection)"),
                        _ => item.write_java(out, cap, depth + 1)?,
                    }
                    if out.len() > cap {
                        return Err(());
                    }
                }
                out.push(']');
            }
            Value::Map(map) => {
                out.push('{');
                for (n, (k, v)) in map.borrow().iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(k);
                    out.push('=');
                    match v {
                        Value::Map(inner) if Rc::ptr_eq(inner, map) => out.push_str("(this Map)"),
                        _ => v.write_java(out, cap, depth + 1)?,
                    }
                    if out.len() > cap {
                        return Err(());
                    }
                }
                out.push('}');
            }
            Value::Object(o) => out.push_str(&o.render()),
        }
        if out.len() > cap {
            return Err(());
        }
        Ok(())
    }

    /// Velocity's truth: `null` and `false` are false, everything else is true.
    pub fn is_truthy(&self) -> bool {
        !matches!(self, Value::Null | Value::Bool(false))
    }

    /// Java's `equals`: same type and value (an `Integer` never equals a `Double`; lists and
    /// maps compare their contents).
    pub fn java_equals(&self, other: &Value) -> bool {
        self.equals_within(other, 0)
    }

    /// `java_equals`, false beyond [`MAX_PRINT_DEPTH`] (two distinct lists each holding
    /// itself would recurse for ever; Java overflows its stack).
    fn equals_within(&self, other: &Value, depth: usize) -> bool {
        if depth > MAX_PRINT_DEPTH {
            return false;
        }
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits() || a == b && *a != 0.0,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                Rc::ptr_eq(a, b) || {
                    let (a, b) = (a.borrow(), b.borrow());
                    a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.equals_within(y, depth + 1))
                }
            }
            (Value::Map(a), Value::Map(b)) => {
                Rc::ptr_eq(a, b) || {
                    let (a, b) = (a.borrow(), b.borrow());
                    a.len() == b.len()
                        && a.iter()
                            .all(|(k, v)| b.iter().any(|(k2, v2)| k == k2 && v.java_equals(v2)))
                }
            }
            (Value::Object(a), Value::Object(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// Nesting of lists and maps printed before `...`.
pub const MAX_PRINT_DEPTH: usize = 200;

/// A `double` as Java's `Double.toString` prints it: the shortest digits that read back
/// as `x`, in Java's layout. Java before 19 sometimes printed more digits, or other ones,
/// than the shortest (`1.0E23` as `9.999999999999999E22`, `Double.MIN_VALUE` as
/// `4.9E-324`, `2.82879384806159E17` as `2.82879384806159008E17`); those rare values print
/// here as Java 19+ prints them.
pub fn java_double(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let abs = x.abs();
    if (1e-3..1e7).contains(&abs) {
        let s = format!("{x}");
        if s.contains('.') { s } else { s + ".0" }
    } else {
        // Rust's shortest round-trip digits, in Java's layout: `d.dddE-n`.
        let s = format!("{x:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        if mantissa.contains('.') {
            format!("{mantissa}E{exp}")
        } else {
            format!("{mantissa}.0E{exp}")
        }
    }
}

/// A `Map.Entry` from `$map.entrySet()`: `.key`, `.value`, `getKey()`, `getValue()`; prints
/// `key=value`.
pub struct Entry {
    pub key: String,
    pub value: Value,
}

impl Object for Entry {
    fn property(&self, name: &str) -> Option<Value> {
        match name {
            "key" => Some(Value::str(&self.key)),
            "value" => Some(self.value.clone()),
            _ => None,
        }
    }

    fn call(&self, method: &str, args: &[Value]) -> Result<Option<Value>, String> {
        Ok(match (method, args) {
            ("getKey", []) => Some(Value::str(&self.key)),
            ("getValue", []) => Some(self.value.clone()),
            ("toString", []) => Some(Value::str(&self.render())),
            _ => None,
        })
    }

    fn render(&self) -> String {
        format!("{}={}", self.key, self.value.to_java_string())
    }
}

/// Java's number classes as templates reach them through a host object
/// (`$util.Integer.parseInt("12")`-style): `Integer`, `Long`, `Double`, `Boolean`, `String`.
pub struct JavaClass(pub &'static str);

impl Object for JavaClass {
    fn call(&self, method: &str, args: &[Value]) -> Result<Option<Value>, String> {
        let text = |v: &Value| match v {
            Value::Str(s) => Ok(s.to_string()),
            Value::Null => Err("java.lang.NullPointerException".to_string()),
            other => Ok(other.to_java_string()),
        };
        let bad = |s: &str| format!("java.lang.NumberFormatException: For input string: \"{s}\"");
        Ok(match (self.0, method, args) {
            ("Integer", "parseInt" | "valueOf", [v]) => {
                let s = text(v)?;
                let n: i32 = s.strip_prefix('+').unwrap_or(&s).parse().map_err(|_| bad(&s))?;
                Some(Value::Int(n.into()))
            }
            ("Long", "parseLong" | "valueOf", [v]) => {
                let s = text(v)?;
                Some(Value::Int(
                    s.strip_prefix('+').unwrap_or(&s).parse().map_err(|_| bad(&s))?,
                ))
            }
            ("Double", "parseDouble" | "valueOf", [v]) => {
                let s = text(v)?;
                let t = s.trim();
                let x = match t {
                    "NaN" => f64::NAN,
                    "Infinity" | "+Infinity" => f64::INFINITY,
                    "-Infinity" => f64::NEG_INFINITY,
                    _ => t.trim_end_matches(['d', 'D', 'f', 'F']).parse().map_err(|_| bad(&s))?,
                };
                Some(Value::Float(x))
            }
            ("Boolean", "parseBoolean" | "valueOf", [v]) => Some(Value::Bool(
                matches!(v, Value::Str(s) if s.eq_ignore_ascii_case("true")),
            )),
            ("String", "valueOf", [v]) => Some(Value::str(&v.to_java_string())),
            _ => None,
        })
    }

    fn render(&self) -> String {
        format!("class java.lang.{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_as_java_does() {
        for (x, s) in [
            (1.0, "1.0"),
            (1e10, "1.0E10"),
            (1.5e-5, "1.5E-5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e7, "1.0E7"),
            (9999999.0, "9999999.0"),
            (0.001, "0.001"),
            (-2.5, "-2.5"),
            (123456789.125, "1.23456789125E8"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(java_double(x), s);
        }
    }

    #[test]
    fn collections_print_as_java_does() {
        let m = Value::map(vec![
            ("a".into(), Value::Int(1)),
            ("b".into(), Value::list(vec![Value::Null, Value::str("x")])),
        ]);
        assert_eq!(m.to_java_string(), "{a=1, b=[null, x]}");
        let l = Value::list(vec![]);
        if let Value::List(inner) = &l {
            inner.borrow_mut().push(l.clone());
        }
        assert_eq!(l.to_java_string(), "[(this Collection)]");
        if let Value::List(inner) = &l {
            inner.borrow_mut().clear();
        }
    }

    #[test]
    fn java_classes_parse() {
        let i = JavaClass("Integer");
        assert!(matches!(
            i.call("parseInt", &[Value::str("-12")]),
            Ok(Some(Value::Int(-12)))
        ));
        assert!(i.call("parseInt", &[Value::str("x")]).is_err());
    }
}

//! The Java methods and bean properties templates use on strings, lists, maps and numbers,
//! with Java's results (and exceptions, as `Err`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use regex::Regex;

use crate::value::{Entry, Value};

/// `$value.name`: Velocity tries `getName()`, then `get("name")` on a map, then `isName()`.
/// `None`: no such property (the reference renders as written).
pub fn property(value: &Value, name: &str) -> Option<Value> {
    match value {
        Value::Object(o) => o.property(name),
        _ if name == "class" => Some(class_of(value)),
        Value::Map(m) => m.borrow().iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
        Value::Str(s) if name == "bytes" => Some(bytes(s)),
        Value::Str(s) if name == "empty" => Some(Value::Bool(s.is_empty())),
        Value::List(l) if name == "empty" => Some(Value::Bool(l.borrow().is_empty())),
        _ => None,
    }
}

fn int_arg(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        _ => Err(NO_METHOD.into()),
    }
}

/// Marks "no such method" inside this module (becomes `Ok(None)`).
const NO_METHOD: &str = "\u{0}no method";

fn out_of_bounds(i: i64, len: usize) -> String {
    format!("java.lang.IndexOutOfBoundsException: Index {i} out of bounds for length {len}")
}

fn string_out_of_bounds(detail: String) -> String {
    format!("java.lang.StringIndexOutOfBoundsException: {detail}")
}

/// `$value.method(args)`: `Ok(Some)` the result (`Value::Str("")` for a `void` method, which
/// Velocity renders as nothing), `Ok(None)` no such method, `Err` the exception thrown.
pub fn call(value: &Value, name: &str, args: &[Value]) -> Result<Option<Value>, String> {
    let result = match value {
        Value::Object(o) => return o.call(name, args),
        Value::Str(s) => string_method(s, name, args),
        Value::List(l) => list_method(l, name, args),
        Value::Map(m) => map_method(m, name, args),
        Value::Int(_) | Value::Float(_) => number_method(value, name, args),
        Value::Bool(b) => match (name, args) {
            ("booleanValue", []) => Ok(Value::Bool(*b)),
            _ => common(value, name, args),
        },
        Value::Null => Err(NO_METHOD.into()),
    };
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e == NO_METHOD => Ok(None),
        Err(e) => Err(e),
    }
}

/// Methods every object has.
/// `getBytes()`: UTF-8, as Java's signed bytes (printed as a list, not as Java's `[B@…`).
fn bytes(s: &str) -> Value {
    Value::list(s.bytes().map(|b| Value::Int(b as i8 as i64)).collect())
}

/// `getClass()`: the Java class a template value has.
fn class_of(value: &Value) -> Value {
    let name = match value {
        Value::Null | Value::Object(_) => "java.lang.Object",
        Value::Bool(_) => "java.lang.Boolean",
        Value::Int(i) if i32::try_from(*i).is_ok() => "java.lang.Integer",
        Value::Int(_) => "java.lang.Long",
        Value::Float(_) => "java.lang.Double",
        Value::Str(_) => "java.lang.String",
        Value::List(_) => "java.util.ArrayList",
        Value::Map(_) => "java.util.LinkedHashMap",
    };
    Value::object(Class(name))
}

/// A `java.lang.Class`: `name`, `simpleName`; prints `class java.lang.String`.
struct Class(&'static str);

impl crate::Object for Class {
    fn property(&self, name: &str) -> Option<Value> {
        match name {
            "name" => Some(Value::str(self.0)),
            "simpleName" => Some(Value::str(self.0.rsplit('.').next().unwrap_or(self.0))),
            _ => None,
        }
    }

    fn call(&self, method: &str, args: &[Value]) -> Result<Option<Value>, String> {
        Ok(match (method, args) {
            ("getName", []) => self.property("name"),
            ("getSimpleName", []) => self.property("simpleName"),
            ("toString", []) => Some(Value::str(&self.render())),
            _ => None,
        })
    }

    fn render(&self) -> String {
        format!("class {}", self.0)
    }
}

fn common(value: &Value, name: &str, args: &[Value]) -> Result<Value, String> {
    match (name, args) {
        ("getClass", []) => Ok(class_of(value)),
        ("toString", []) => Ok(Value::str(&value.to_java_string())),
        ("equals", [other]) => Ok(Value::Bool(value.java_equals(other))),
        _ => Err(NO_METHOD.into()),
    }
}

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

fn from_utf16(units: &[u16]) -> Value {
    Value::str(&String::from_utf16_lossy(units))
}

fn str_arg(v: &Value) -> Result<&str, String> {
    match v {
        Value::Str(s) => Ok(s),
        Value::Null => Err("java.lang.NullPointerException".into()),
        _ => Err(NO_METHOD.into()),
    }
}

/// Java's `indexOf` on UTF-16 units, from `from`.
fn index_of(hay: &[u16], needle: &[u16], from: usize) -> i64 {
    if needle.is_empty() {
        return from.min(hay.len()) as i64;
    }
    if needle.len() > hay.len() {
        return -1;
    }
    (from..=hay.len() - needle.len())
        .find(|&i| hay[i..].starts_with(needle))
        .map_or(-1, |i| i as i64)
}

fn last_index_of(hay: &[u16], needle: &[u16]) -> i64 {
    if needle.len() > hay.len() {
        return -1;
    }
    (0..=hay.len() - needle.len())
        .rev()
        .find(|&i| hay[i..].starts_with(needle))
        .map_or(-1, |i| i as i64)
}

fn string_method(s: &Rc<str>, name: &str, args: &[Value]) -> Result<Value, String> {
    let this = Value::Str(s.clone());
    match (name, args) {
        ("length", []) => Ok(Value::Int(if s.is_ascii() {
            s.len()
        } else {
            s.encode_utf16().count()
        } as i64)),
        ("isEmpty", []) => Ok(Value::Bool(s.is_empty())),
        ("toString", []) => Ok(this),
        ("trim", []) => Ok(Value::str(s.trim_matches(|c: char| c <= ' '))),
        ("toLowerCase", []) => Ok(Value::str(&s.to_lowercase())),
        ("toUpperCase", []) => Ok(Value::str(&s.to_uppercase())),
        ("substring", [a]) | ("substring", [a, _]) => {
            let units = utf16(s);
            let len = units.len() as i64;
            let begin = int_arg(a)?;
            let end = if let [_, b] = args { int_arg(b)? } else { len };
            if begin < 0 || end > len || begin > end {
                return Err(string_out_of_bounds(format!("begin {begin}, end {end}, length {len}")));
            }
            Ok(from_utf16(&units[begin as usize..end as usize]))
        }
        ("charAt", [i]) => {
            let units = utf16(s);
            let i = int_arg(i)?;
            if i < 0 || i >= units.len() as i64 {
                return Err(string_out_of_bounds(format!("index {i}, length {}", units.len())));
            }
            Ok(from_utf16(&units[i as usize..i as usize + 1]))
        }
        ("contains", [x]) => Ok(Value::Bool(s.contains(str_arg(x)?))),
        ("startsWith", [x]) => Ok(Value::Bool(s.starts_with(str_arg(x)?))),
        ("endsWith", [x]) => Ok(Value::Bool(s.ends_with(str_arg(x)?))),
        ("equals", [x]) => Ok(Value::Bool(matches!(x, Value::Str(o) if o == s))),
        ("equalsIgnoreCase", [x]) => Ok(Value::Bool(
            matches!(x, Value::Str(o) if o.to_lowercase() == s.to_lowercase()),
        )),
        ("concat", [x]) => Ok(Value::str(&format!("{s}{}", str_arg(x)?))),
        ("indexOf", [x]) | ("indexOf", [x, _]) => {
            let from = if let [_, f] = args {
                int_arg(f)?.max(0) as usize
            } else {
                0
            };
            Ok(Value::Int(index_of(&utf16(s), &utf16(str_arg(x)?), from)))
        }
        ("lastIndexOf", [x]) => Ok(Value::Int(last_index_of(&utf16(s), &utf16(str_arg(x)?)))),
        ("compareTo", [x]) => {
            let (a, b) = (utf16(s), utf16(str_arg(x)?));
            let diff = a.iter().zip(b.iter()).find(|(x, y)| x != y);
            Ok(Value::Int(match diff {
                Some((x, y)) => *x as i64 - *y as i64,
                None => a.len() as i64 - b.len() as i64,
            }))
        }
        ("replace", [a, b]) => Ok(Value::str(&s.replace(str_arg(a)?, str_arg(b)?))),
        ("replaceAll", [re, rep]) => {
            let re = regex(str_arg(re)?)?;
            let rep = java_replacement(str_arg(rep)?, re.captures_len())?;
            Ok(Value::str(&re.replace_all(s, rep.as_str())))
        }
        ("replaceFirst", [re, rep]) => {
            let re = regex(str_arg(re)?)?;
            let rep = java_replacement(str_arg(rep)?, re.captures_len())?;
            Ok(Value::str(&re.replace(s, rep.as_str())))
        }
        ("matches", [re]) => {
            let re = regex(&format!("^(?:{})$", str_arg(re)?))?;
            Ok(Value::Bool(re.is_match(s)))
        }
        ("split", [re]) => {
            let re = regex(str_arg(re)?)?;
            let mut parts: Vec<&str> = if s.is_empty() { vec![""] } else { re.split(s).collect() };
            // Java drops a leading empty string left by a zero-width match, and trailing ones.
            if parts.len() > 1 && parts[0].is_empty() && re.find(s).is_some_and(|m| m.is_empty()) {
                parts.remove(0);
            }
            while parts.len() > 1 && parts.last() == Some(&"") {
                parts.pop();
            }
            if parts.len() == 1 && parts[0].is_empty() && !s.is_empty() {
                parts.clear();
            }
            Ok(Value::list(parts.into_iter().map(Value::str).collect()))
        }
        ("getBytes", []) => Ok(bytes(s)),
        ("hashCode", []) => {
            let h = s
                .encode_utf16()
                .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32));
            Ok(Value::Int(h.into()))
        }
        _ => common(&this, name, args),
    }
}

/// Java's replacement syntax (`$1`, `\$`) in the `regex` crate's (`${1}`, `$$`), for a
/// pattern with `groups` groups; Java's errors for a bad group reference.
fn java_replacement(rep: &str, groups: usize) -> Result<String, String> {
    let mut out = String::with_capacity(rep.len());
    let mut chars = rep.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('$') => out.push_str("$$"),
                Some(o) => out.push(o),
                None => return Err("java.lang.IllegalArgumentException: character to be escaped is missing".into()),
            },
            '$' => {
                let Some(first) = chars.next().and_then(|d| d.to_digit(10)) else {
                    return Err("java.lang.IllegalArgumentException: Illegal group reference".into());
                };
                let mut n = first as usize;
                if n >= groups {
                    return Err(format!("java.lang.IndexOutOfBoundsException: No group {n}"));
                }
                // Java takes more digits while they still name a group.
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    if n * 10 + d as usize >= groups {
                        break;
                    }
                    n = n * 10 + d as usize;
                    chars.next();
                }
                out.push_str(&format!("${{{n}}}"));
            }
            _ => out.push(c),
        }
    }
    Ok(out)
}

thread_local! {
    static REGEXES: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
}

/// A compiled pattern, from a small per-thread cache (templates use few, constant ones).
fn regex(pattern: &str) -> Result<Regex, String> {
    if let Some(re) = REGEXES.with(|c| c.borrow().get(pattern).cloned()) {
        return Ok(re);
    }
    let re = regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("java.util.regex.PatternSyntaxException: {e}"))?;
    REGEXES.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= 64 {
            c.clear();
        }
        c.insert(pattern.to_owned(), re.clone());
    });
    Ok(re)
}

fn list_method(l: &crate::List, name: &str, args: &[Value]) -> Result<Value, String> {
    let check = |i: i64, len: usize| {
        if i < 0 || i >= len as i64 {
            Err(out_of_bounds(i, len))
        } else {
            Ok(i as usize)
        }
    };
    match (name, args) {
        ("size", []) => Ok(Value::Int(l.borrow().len() as i64)),
        ("isEmpty", []) => Ok(Value::Bool(l.borrow().is_empty())),
        ("get", [i]) => {
            let v = l.borrow();
            Ok(v[check(int_arg(i)?, v.len())?].clone())
        }
        ("contains", [x]) => Ok(Value::Bool(l.borrow().iter().any(|v| v.java_equals(x)))),
        ("indexOf", [x]) => Ok(Value::Int(
            l.borrow()
                .iter()
                .position(|v| v.java_equals(x))
                .map_or(-1, |i| i as i64),
        )),
        ("add", [x]) => {
            l.borrow_mut().push(x.clone());
            Ok(Value::Bool(true))
        }
        ("add", [i, x]) => {
            let i = int_arg(i)?;
            let mut v = l.borrow_mut();
            if i < 0 || i > v.len() as i64 {
                return Err(out_of_bounds(i, v.len()));
            }
            v.insert(i as usize, x.clone());
            Ok(Value::str(""))
        }
        ("addAll", [Value::List(other)]) => {
            let items = other.borrow().clone();
            let changed = !items.is_empty();
            l.borrow_mut().extend(items);
            Ok(Value::Bool(changed))
        }
        ("set", [i, x]) => {
            let mut v = l.borrow_mut();
            let i = check(int_arg(i)?, v.len())?;
            Ok(std::mem::replace(&mut v[i], x.clone()))
        }
        ("remove", [Value::Int(i)]) => {
            let mut v = l.borrow_mut();
            let i = check(*i, v.len())?;
            Ok(v.remove(i))
        }
        ("remove", [x]) => {
            // Searched before the list is borrowed to change it (`x` may hold the list).
            let found = l.borrow().iter().position(|e| e.java_equals(x));
            if let Some(i) = found {
                l.borrow_mut().remove(i);
            }
            Ok(Value::Bool(found.is_some()))
        }
        ("clear", []) => {
            l.borrow_mut().clear();
            Ok(Value::str(""))
        }
        _ => common(&Value::List(l.clone()), name, args),
    }
}

fn map_method(m: &crate::Map, name: &str, args: &[Value]) -> Result<Value, String> {
    // Keys are strings here; another key matches by its text (`{1: 'a'}.get(1)`).
    let key = |k: &Value| match k {
        Value::Str(s) => Some(s.to_string()),
        Value::Null => None,
        other => Some(other.to_java_string()),
    };
    match (name, args) {
        ("size", []) => Ok(Value::Int(m.borrow().len() as i64)),
        ("isEmpty", []) => Ok(Value::Bool(m.borrow().is_empty())),
        ("get", [k]) => Ok(key(k)
            .and_then(|k| m.borrow().iter().find(|(x, _)| *x == k).map(|(_, v)| v.clone()))
            .unwrap_or(Value::Null)),
        ("containsKey", [k]) => Ok(Value::Bool(
            key(k).is_some_and(|k| m.borrow().iter().any(|(x, _)| *x == k)),
        )),
        ("containsValue", [x]) => Ok(Value::Bool(m.borrow().iter().any(|(_, v)| v.java_equals(x)))),
        ("put", [k, v]) => {
            let k = match k {
                Value::Str(s) => s.to_string(),
                other => other.to_java_string(),
            };
            Ok(put(m, k, v.clone()))
        }
        ("putAll", [Value::Map(other)]) => {
            let entries = other.borrow().clone();
            for (k, v) in entries {
                put(m, k, v);
            }
            Ok(Value::str(""))
        }
        ("remove", [k]) => {
            let mut entries = m.borrow_mut();
            let Some(k) = key(k) else { return Ok(Value::Null) };
            Ok(match entries.iter().position(|(x, _)| *x == k) {
                Some(i) => entries.remove(i).1,
                None => Value::Null,
            })
        }
        ("keySet", []) => Ok(Value::list(m.borrow().iter().map(|(k, _)| Value::str(k)).collect())),
        ("values", []) => Ok(Value::list(m.borrow().iter().map(|(_, v)| v.clone()).collect())),
        ("entrySet", []) => Ok(Value::list(
            m.borrow()
                .iter()
                .map(|(k, v)| {
                    Value::object(Entry {
                        key: k.clone(),
                        value: v.clone(),
                    })
                })
                .collect(),
        )),
        ("clear", []) => {
            m.borrow_mut().clear();
            Ok(Value::str(""))
        }
        _ => common(&Value::Map(m.clone()), name, args),
    }
}

/// `put`: replaces in place (insertion order kept), or appends; the previous value.
pub fn put(m: &crate::Map, k: String, v: Value) -> Value {
    let mut entries = m.borrow_mut();
    match entries.iter_mut().find(|(x, _)| *x == k) {
        Some((_, old)) => std::mem::replace(old, v),
        None => {
            entries.push((k, v));
            Value::Null
        }
    }
}

fn number_method(value: &Value, name: &str, args: &[Value]) -> Result<Value, String> {
    let as_f = match value {
        Value::Int(i) => *i as f64,
        Value::Float(x) => *x,
        _ => 0.0,
    };
    match (name, args) {
        ("intValue", []) => Ok(Value::Int(match value {
            Value::Int(i) => *i as i32 as i64,
            _ => as_f as i32 as i64,
        })),
        ("longValue", []) => Ok(Value::Int(match value {
            Value::Int(i) => *i,
            _ => as_f as i64,
        })),
        ("doubleValue" | "floatValue", []) => Ok(Value::Float(as_f)),
        ("compareTo", [other]) => {
            let o = match other {
                Value::Int(i) => *i as f64,
                Value::Float(x) => *x,
                _ => return Err(NO_METHOD.into()),
            };
            Ok(Value::Int(match as_f.partial_cmp(&o) {
                Some(std::cmp::Ordering::Less) => -1,
                Some(std::cmp::Ordering::Greater) => 1,
                _ => 0,
            }))
        }
        _ => common(value, name, args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::str(x)
    }

    fn show(v: Result<Option<Value>, String>) -> String {
        match v {
            Ok(Some(v)) => v.to_java_string(),
            Ok(None) => "<none>".into(),
            Err(e) => format!("<err {e}>"),
        }
    }

    #[test]
    fn string_methods() {
        assert_eq!(show(call(&s("a,b,,c,,"), "split", &[s(",")])), "[a, b, , c]");
        assert_eq!(show(call(&s("abc"), "replaceAll", &[s("(b)"), s("[$1]")])), "a[b]c");
        assert_eq!(
            show(call(&s("héllo"), "substring", &[Value::Int(1), Value::Int(3)])),
            "él"
        );
        assert!(call(&s("ab"), "substring", &[Value::Int(3)]).is_err());
        assert_eq!(show(call(&s("ab"), "nope", &[])), "<none>");
        assert_eq!(show(call(&s("abc"), "matches", &[s("a.")])), "false");
    }

    #[test]
    fn map_put_keeps_order() {
        let Value::Map(m) = Value::map(vec![("a".into(), Value::Int(1)), ("b".into(), Value::Int(2))]) else {
            unreachable!()
        };
        put(&m, "a".into(), Value::Int(3));
        assert_eq!(Value::Map(m).to_java_string(), "{a=3, b=2}");
    }
}

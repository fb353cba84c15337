//! Selection expressions of WebSocket APIs: `$request.body.action`, `${request.body.a.b}`,
//! `$request.header.x-api-key`, `${integration.response.statuscode}`, literals around them,
//! and `$default`. Used for routes, request templates, route responses, integration
//! responses and API keys. Parsed once when a deployment compiles.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    /// A variable's path without the `$`: `request.body.action`.
    Variable(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    parts: Vec<Part>,
}

/// Characters a `$name` without braces runs over (header names have `-`).
fn is_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

impl Selection {
    pub fn parse(text: &str) -> Selection {
        let text = text.trim();
        // `$default` (`\$default` in templates' expressions) is a key, not a variable.
        if text == "$default" || text == "\\$default" {
            return Selection {
                parts: vec![Part::Literal("$default".to_owned())],
            };
        }
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(start) = rest.find('$') {
            literal.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let (name, next) = if let Some(inner) = after.strip_prefix('{') {
                match inner.find('}') {
                    Some(end) => (&inner[..end], &inner[end + 1..]),
                    None => {
                        literal.push_str(&rest[start..]);
                        rest = "";
                        break;
                    }
                }
            } else {
                let end = after.find(|c| !is_name(c)).unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            if name.is_empty() {
                literal.push('$');
            } else {
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                parts.push(Part::Variable(name.to_owned()));
            }
            rest = next;
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Selection { parts }
    }

    /// The expression's value; `None` when a variable it names has none.
    pub fn evaluate(&self, resolve: impl Fn(&str) -> Option<String>) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Variable(name) => out.push_str(&resolve(name)?),
            }
        }
        Some(out)
    }
}

/// `path` (`a.b.c`, `a[0]`) inside a JSON document, as a selection value: strings as they
/// are, anything else as JSON.
pub fn json_member(doc: &Value, path: &str) -> Option<String> {
    let mut node = doc;
    for segment in path.split('.') {
        let (name, mut indexes) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        if !name.is_empty() {
            node = node.get(name)?;
        }
        while let Some(inner) = indexes.strip_prefix('[') {
            let end = inner.find(']')?;
            node = node.get(inner[..end].trim().parse::<usize>().ok()?)?;
            indexes = &inner[end + 1..];
        }
    }
    match node {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Picks among keys such as `$default`, an exact value, or `/4\d\d/` (a regular expression
/// that must match the whole value): the exact key first, then a pattern, then `$default`.
pub fn pick_key<'a, T>(entries: &'a [(String, T)], value: Option<&str>) -> Option<&'a T> {
    if let Some(value) = value {
        if let Some((_, found)) = entries.iter().find(|(k, _)| k == value) {
            return Some(found);
        }
        for (key, found) in entries {
            if let Some(pattern) = key.strip_prefix('/').and_then(|k| k.strip_suffix('/'))
                && let Ok(regex) = regex::Regex::new(&format!("^(?:{pattern})$"))
                && regex.is_match(value)
            {
                return Some(found);
            }
        }
    }
    entries.iter().find(|(k, _)| k == "$default").map(|(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body_resolver(body: &Value) -> impl Fn(&str) -> Option<String> + '_ {
        move |name: &str| json_member(body, name.strip_prefix("request.body.")?)
    }

    #[test]
    fn route_selection_on_the_body() {
        let body = json!({"action": "sendmessage", "a": {"b": 3}, "list": [{"x": "y"}]});
        let resolve = body_resolver(&body);
        assert_eq!(
            Selection::parse("$request.body.action").evaluate(&resolve).as_deref(),
            Some("sendmessage")
        );
        assert_eq!(
            Selection::parse("${request.body.a.b}").evaluate(&resolve).as_deref(),
            Some("3")
        );
        assert_eq!(
            Selection::parse("${request.body.action}-${request.body.list[0].x}")
                .evaluate(&resolve)
                .as_deref(),
            Some("sendmessage-y")
        );
        assert_eq!(Selection::parse("$request.body.missing").evaluate(&resolve), None);
        assert_eq!(
            Selection::parse("$default").evaluate(&resolve).as_deref(),
            Some("$default")
        );
        assert_eq!(
            Selection::parse("\\$default").evaluate(&resolve).as_deref(),
            Some("$default")
        );
    }

    #[test]
    fn header_names_with_dashes() {
        let selection = Selection::parse("$request.header.x-api-key");
        let value = selection.evaluate(|name| (name == "request.header.x-api-key").then(|| "k1".to_owned()));
        assert_eq!(value.as_deref(), Some("k1"));
    }

    #[test]
    fn keys_exact_then_pattern_then_default() {
        let entries = vec![
            ("$default".to_owned(), 1),
            ("/4\\d\\d/".to_owned(), 2),
            ("404".to_owned(), 3),
        ];
        assert_eq!(pick_key(&entries, Some("404")), Some(&3));
        assert_eq!(pick_key(&entries, Some("400")), Some(&2));
        assert_eq!(pick_key(&entries, Some("4000")), Some(&1));
        assert_eq!(pick_key(&entries, None), Some(&1));
        assert_eq!(pick_key::<u8>(&[], Some("x")), None);
    }
}

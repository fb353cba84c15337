//! GetModelTemplate: a mapping template that copies an input shaped like a model's schema.
//! Properties come in the schema's order, so the schema is read into a tree that keeps it
//! (serde_json's maps sort their keys).

use crate::models::ref_target;
use portico_wire::apigateway::Model;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A JSON value with object members in document order; only what templates read is kept.
enum Node {
    Object(Vec<(String, Node)>),
    Text(String),
    Other,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NodeVisitor;
        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut members = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Node>()? {
                    members.push((key, value));
                }
                Ok(Node::Object(members))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                // Templates read no array (tuple `items` are written as plain values).
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Node::Other)
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Text(v.to_string()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
                Ok(Node::Other)
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Other)
            }
        }
        deserializer.deserialize_any(NodeVisitor)
    }
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            Node::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// References nest at most this deep, and at most this many values are written: models
/// referencing each other must not exhaust the stack or memory.
const MAX_NESTED_MODELS: usize = 16;
const MAX_VALUES: usize = 100_000;

/// The template for model `name` among the API's `models`.
pub fn template(api_id: &str, models: &[Model], name: &str) -> String {
    let mut writer = Writer {
        api_id,
        models,
        seen: vec![name.to_string()],
        budget: MAX_VALUES,
        out: String::from("#set($inputRoot = $input.path('$'))\n"),
    };
    let schema = writer.schema(name).unwrap_or(Node::Other);
    writer.value(&schema, "$inputRoot", 0);
    writer.out.push('\n');
    writer.out
}

struct Writer<'a> {
    api_id: &'a str,
    models: &'a [Model],
    seen: Vec<String>,
    budget: usize,
    out: String,
}

impl Writer<'_> {
    fn schema(&self, name: &str) -> Option<Node> {
        let model = self.models.iter().find(|m| m.name.as_deref() == Some(name))?;
        serde_json::from_str(model.schema.as_deref()?).ok()
    }

    /// Objects member by member, arrays with `#foreach`, strings quoted; a `$ref` to another
    /// model is written as that model.
    fn value(&mut self, schema: &Node, path: &str, depth: usize) {
        self.budget = self.budget.saturating_sub(1);
        if let Some(name) = schema
            .get("$ref")
            .and_then(Node::text)
            .and_then(|r| ref_target(r, self.api_id))
            && self.budget > 0
            && self.seen.len() <= MAX_NESTED_MODELS
            && !self.seen.iter().any(|s| s == name)
            && let Some(target) = self.schema(name)
        {
            self.seen.push(name.to_string());
            self.value(&target, path, depth);
            self.seen.pop();
            return;
        }
        let pad = "  ".repeat(depth + 1);
        let kind = match schema.get("type").and_then(Node::text) {
            Some(kind) => kind,
            None if schema.get("properties").is_some() => "object",
            None => "",
        };
        match kind {
            "object" if self.budget > 0 => {
                self.out.push_str("{\n");
                let mut first = true;
                if let Some(Node::Object(properties)) = schema.get("properties") {
                    for (key, property) in properties {
                        if !first {
                            self.out.push_str(",\n");
                        }
                        first = false;
                        self.out.push_str(&format!("{pad}\"{key}\" : "));
                        self.value(property, &format!("{path}.{key}"), depth + 1);
                    }
                }
                self.out.push('\n');
                self.out.push_str(&"  ".repeat(depth));
                self.out.push('}');
            }
            "array" if self.budget > 0 => {
                let element = format!("$elem{depth}");
                self.out.push_str(&format!("[\n#foreach({element} in {path})\n{pad}"));
                let items = schema.get("items").unwrap_or(&Node::Other);
                self.value(items, &element, depth + 1);
                self.out
                    .push_str(&format!("#if($foreach.hasNext),#end\n#end\n{}]", "  ".repeat(depth)));
            }
            "string" => self.out.push_str(&format!("\"{path}\"")),
            _ => self.out.push_str(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(name: &str, schema: &str) -> Model {
        Model {
            name: Some(name.into()),
            schema: Some(schema.into()),
            ..Default::default()
        }
    }

    #[test]
    fn properties_keep_the_schemas_order() {
        let calc = model(
            "Calc",
            r#"{"type":"object","properties":{"op":{"type":"string"},"b":{"type":"number"},"a":{"type":"number"}}}"#,
        );
        assert_eq!(
            template("api", &[calc], "Calc"),
            "#set($inputRoot = $input.path('$'))\n{\n  \"op\" : \"$inputRoot.op\",\n  \"b\" : $inputRoot.b,\n  \"a\" : $inputRoot.a\n}\n"
        );
    }

    #[test]
    fn arrays_and_references() {
        let pet = model("Pet", r#"{"type":"object","properties":{"name":{"type":"string"}}}"#);
        let pets = model(
            "Pets",
            r#"{"type":"array","items":{"$ref":"https://apigateway.amazonaws.com/restapis/api/models/Pet"}}"#,
        );
        let out = template("api", &[pet, pets], "Pets");
        assert_eq!(
            out,
            "#set($inputRoot = $input.path('$'))\n[\n#foreach($elem0 in $inputRoot)\n  {\n    \"name\" : \"$elem0.name\"\n  }#if($foreach.hasNext),#end\n#end\n]\n"
        );
        // A model referencing itself stops at the reference.
        let tree = model(
            "Tree",
            r#"{"type":"object","properties":{"child":{"$ref":"https://apigateway.amazonaws.com/restapis/api/models/Tree"}}}"#,
        );
        assert!(template("api", &[tree], "Tree").contains("\"child\" : $inputRoot.child"));
    }
}

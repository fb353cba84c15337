//! Generator of portico-wire's per-service modules.
//!
//! Reads a botocore JSON model and writes, for one service: a serde struct per
//! structure shape, the operation table (method, URI template, member bindings),
//! the `Operation` enum, a handler trait whose default methods answer
//! NotImplemented, and the dispatcher from an operation to its trait method.
//! The output is plain text kept stable so a test can compare it to the
//! checked-in files.

use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::Path;

/// The services Portico serves: (model file, module name, trait name, enum variant).
pub const SERVICES: &[(&str, &str, &str)] = &[
    ("apigateway", "ApiGateway", "ApiGateway"),
    ("apigatewayv2", "ApiGatewayV2", "ApiGatewayV2"),
    (
        "apigatewaymanagementapi",
        "ApiGatewayManagementApi",
        "ApiGatewayManagementApi",
    ),
];

/// Every generated file as (file name under `src/generated/`, text).
pub fn generate_all(wire_crate: &Path) -> Vec<(String, String)> {
    SERVICES
        .iter()
        .map(|(module, trait_name, variant)| {
            let path = wire_crate.join("models").join(format!("{module}.json"));
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            let model: Value = serde_json::from_str(&text).expect("model is JSON");
            (format!("{module}.rs"), generate(&model, module, trait_name, variant))
        })
        .collect()
}

struct Gen<'a> {
    shapes: &'a Map<String, Value>,
    out: String,
}

fn obj(v: &Value) -> &Map<String, Value> {
    v.as_object().expect("model node is an object")
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower = i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '-' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

fn field_ident(member: &str) -> String {
    let name = snake(member);
    match name.as_str() {
        "type" | "ref" | "match" | "mod" | "use" | "in" | "move" | "self" | "as" | "fn" | "impl" | "static"
        | "const" | "enum" | "struct" | "trait" | "where" | "async" | "await" | "dyn" | "box" | "gen" => {
            format!("r#{name}")
        }
        _ => name,
    }
}

/// Rust type name of a structure shape; a few names would shadow std types.
fn type_ident(shape: &str) -> String {
    match shape {
        "Option" | "Result" | "Vec" | "Box" | "String" => format!("{shape}Shape"),
        _ => shape.replace('_', ""),
    }
}

impl Gen<'_> {
    fn shape(&self, name: &str) -> &Value {
        self.shapes.get(name).unwrap_or_else(|| panic!("unknown shape {name}"))
    }

    fn rust_type(&self, name: &str) -> String {
        let shape = self.shape(name);
        match s(shape, "type").unwrap_or("") {
            "string" => "String".into(),
            "integer" | "long" => "i64".into(),
            "double" | "float" => "f64".into(),
            "boolean" => "bool".into(),
            "blob" => "Blob".into(),
            "timestamp" => match s(shape, "timestampFormat") {
                Some("iso8601") => "IsoTimestamp".into(),
                _ => "Timestamp".into(),
            },
            "list" => format!("Vec<{}>", self.rust_type(s(&shape["member"], "shape").unwrap())),
            "map" => format!(
                "BTreeMap<String, {}>",
                self.rust_type(s(&shape["value"], "shape").unwrap())
            ),
            "structure" => type_ident(name),
            other => panic!("shape {name} has unsupported type {other}"),
        }
    }

    fn ty(&self, name: &str) -> &'static str {
        match s(self.shape(name), "type").unwrap_or("") {
            "string" => "String",
            "integer" | "long" => "Integer",
            "double" | "float" => "Double",
            "boolean" => "Boolean",
            "blob" => "Blob",
            "timestamp" => "Timestamp",
            "list" => "List",
            "map" => "Map",
            _ => "Structure",
        }
    }

    /// JSON key of a member: its wire name when it travels in the body, else
    /// `location:name`, which cannot collide with a body member.
    fn key(member_name: &str, member: &Value) -> String {
        let wire = s(member, "locationName").unwrap_or(member_name);
        match s(member, "location") {
            None => wire.to_string(),
            Some(location) => format!("{location}:{wire}"),
        }
    }

    fn structs(&mut self, error_shapes: &BTreeSet<String>) {
        let names: Vec<&String> = self.shapes.keys().collect();
        for name in names {
            let shape = &self.shapes[name];
            if s(shape, "type") != Some("structure") || error_shapes.contains(name) {
                continue;
            }
            let mut text = String::new();
            writeln!(
                text,
                "#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]"
            )
            .unwrap();
            writeln!(text, "#[serde(default)]").unwrap();
            writeln!(text, "pub struct {} {{", type_ident(name)).unwrap();
            for (member_name, member) in obj(&shape["members"]) {
                let target = s(member, "shape").unwrap();
                writeln!(
                    text,
                    "    #[serde(rename = \"{}\", skip_serializing_if = \"Option::is_none\")]",
                    Self::key(member_name, member)
                )
                .unwrap();
                writeln!(
                    text,
                    "    pub {}: Option<{}>,",
                    field_ident(member_name),
                    self.rust_type(target)
                )
                .unwrap();
            }
            writeln!(text, "}}\n").unwrap();
            self.out.push_str(&text);
        }
    }

    /// The allowed values of an enum string shape, as a Rust slice literal.
    fn enum_values(&self, shape_name: &str) -> String {
        let values: Vec<String> = self
            .shape(shape_name)
            .get("enum")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).map(|v| format!("\"{v}\"")).collect())
            .unwrap_or_default();
        format!("&[{}]", values.join(", "))
    }

    fn members(&self, shape_name: Option<&str>, required_ok: bool) -> String {
        let Some(shape_name) = shape_name else {
            return "&[]".into();
        };
        let shape = self.shape(shape_name);
        let required: BTreeSet<&str> = shape
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut text = String::from("&[\n");
        for (member_name, member) in obj(&shape["members"]) {
            let target = s(member, "shape").unwrap();
            let ty = self.ty(target);
            let location = match s(member, "location") {
                None => "Body",
                Some("uri") => "Uri",
                Some("querystring") if ty == "Map" => "QueryMap",
                Some("querystring") => "Query",
                Some("header") => "Header",
                Some("statusCode") => "StatusCode",
                Some(other) => panic!("unsupported location {other}"),
            };
            let wire = s(member, "locationName").unwrap_or(member_name);
            writeln!(
                text,
                "            MemberSpec {{ name: \"{member_name}\", key: \"{}\", location: Location::{location}, wire: \"{wire}\", ty: Ty::{ty}, required: {}, enum_values: {} }},",
                Self::key(member_name, member),
                required_ok && required.contains(member_name.as_str()),
                self.enum_values(target),
            )
            .unwrap();
        }
        text.push_str("        ]");
        text
    }

    fn payload(&self, shape_name: Option<&str>) -> String {
        let Some(shape_name) = shape_name else {
            return "None".into();
        };
        let shape = self.shape(shape_name);
        let Some(payload) = s(shape, "payload") else {
            return "None".into();
        };
        let member = &shape["members"][payload];
        let ty = self.ty(s(member, "shape").unwrap());
        format!(
            "Some(&MemberSpec {{ name: \"{payload}\", key: \"{}\", location: Location::Body, wire: \"{payload}\", ty: Ty::{ty}, required: false, enum_values: &[] }})",
            Self::key(payload, member)
        )
    }
}

pub fn generate(model: &Value, module: &str, trait_name: &str, variant: &str) -> String {
    let shapes = obj(&model["shapes"]);
    let operations = obj(&model["operations"]);
    let mut g = Gen {
        shapes,
        out: String::new(),
    };
    let source = s(&model["metadata"], "x-portico-source").unwrap_or("botocore");
    writeln!(
        g.out,
        "// @generated by portico-codegen from models/{module}.json ({source}). Do not edit.\n\
         #![allow(clippy::all)]\n\n\
         use crate::error::AwsError;\n\
         use crate::spec::{{Location, MemberSpec, OperationSpec, Ty}};\n\
         use crate::types::*;\n\
         use crate::{{RequestContext, Service}};\n\
         use serde::{{Deserialize, Serialize}};\n\
         #[allow(unused_imports)]\n\
         use std::collections::BTreeMap;\n\
         use std::future::Future;\n"
    )
    .unwrap();

    let error_shapes: BTreeSet<String> = shapes
        .iter()
        .filter(|(_, v)| v.get("exception").is_some())
        .map(|(k, _)| k.clone())
        .collect();
    g.structs(&error_shapes);

    // Operation table, in model order (sorted by name).
    let ops: Vec<(&String, &Value)> = operations.iter().collect();
    writeln!(g.out, "pub static OPERATIONS: [OperationSpec; {}] = [", ops.len()).unwrap();
    for (name, op) in &ops {
        let http = &op["http"];
        let input = op.get("input").and_then(|i| s(i, "shape"));
        let output = op.get("output").and_then(|o| s(o, "shape"));
        let success = http.get("responseCode").and_then(Value::as_u64).unwrap_or(200);
        writeln!(
            g.out,
            "    OperationSpec {{\n        service: Service::{variant},\n        name: \"{name}\",\n        method: \"{}\",\n        uri: \"{}\",\n        success: {success},\n        input_shape: \"{}\",\n        input: {},\n        output: {},\n        input_payload: {},\n        output_payload: {},\n    }},",
            s(http, "method").unwrap(),
            s(http, "requestUri").unwrap(),
            input.unwrap_or(""),
            g.members(input, true),
            g.members(output, false),
            g.payload(input),
            g.payload(output),
        )
        .unwrap();
    }
    writeln!(g.out, "];\n").unwrap();

    writeln!(
        g.out,
        "/// One variant per operation of the model; its value indexes `OPERATIONS`."
    )
    .unwrap();
    writeln!(
        g.out,
        "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum Operation {{"
    )
    .unwrap();
    for (i, (name, _)) in ops.iter().enumerate() {
        writeln!(g.out, "    {name} = {i},").unwrap();
    }
    writeln!(g.out, "}}\n").unwrap();
    writeln!(
        g.out,
        "impl Operation {{\n    pub const ALL: [Operation; {}] = [",
        ops.len()
    )
    .unwrap();
    for (name, _) in &ops {
        writeln!(g.out, "        Operation::{name},").unwrap();
    }
    writeln!(
        g.out,
        "    ];\n\n    pub fn spec(self) -> &'static OperationSpec {{\n        &OPERATIONS[self as usize]\n    }}\n}}\n"
    )
    .unwrap();

    let io = |op: &Value| {
        let input = op
            .get("input")
            .and_then(|i| s(i, "shape"))
            .map(type_ident)
            .unwrap_or_else(|| "()".into());
        let output = op
            .get("output")
            .and_then(|o| s(o, "shape"))
            .map(type_ident)
            .unwrap_or_else(|| "()".into());
        (input, output)
    };

    writeln!(
        g.out,
        "/// The {variant} service. Each method defaults to NotImplemented; an implementation\n\
         /// overrides the operations it serves.\n\
         pub trait {trait_name}: Send + Sync {{"
    )
    .unwrap();
    for (name, op) in &ops {
        let (input, output) = io(op);
        writeln!(
            g.out,
            "    fn {}(&self, _ctx: &RequestContext, _input: {input}) -> impl Future<Output = Result<{output}, AwsError>> + Send {{\n        async {{ Err(AwsError::not_implemented(\"{name}\")) }}\n    }}\n",
            snake(name)
        )
        .unwrap();
    }
    writeln!(g.out, "}}\n").unwrap();

    writeln!(
        g.out,
        "/// Decodes the input of `op`, calls the handler and encodes its output.\n\
         pub async fn dispatch<H: {trait_name}>(\n    handler: &H,\n    ctx: &RequestContext,\n    op: Operation,\n    input: serde_json::Value,\n) -> Result<serde_json::Value, AwsError> {{\n    match op {{"
    )
    .unwrap();
    for (name, op) in &ops {
        let (input, _) = io(op);
        let decode = if input == "()" {
            "{ let _ = input; }".to_string()
        } else {
            format!("crate::decode::<{input}>(input)?")
        };
        writeln!(
            g.out,
            "        Operation::{name} => crate::encode(handler.{}(ctx, {decode}).await?),",
            snake(name)
        )
        .unwrap();
    }
    writeln!(g.out, "    }}\n}}").unwrap();
    g.out
}

#[cfg(test)]
mod tests {
    use super::snake;

    #[test]
    fn snake_case_names() {
        assert_eq!(snake("CreateRestApi"), "create_rest_api");
        assert_eq!(snake("restApiId"), "rest_api_id");
        assert_eq!(snake("ApiGatewayManaged"), "api_gateway_managed");
        assert_eq!(snake("TLSConfig"), "tls_config");
        assert_eq!(snake("GetVpcLinks"), "get_vpc_links");
        assert_eq!(snake("ServerCertificateArn"), "server_certificate_arn");
    }
}

//! Generator of portico-wire's per-service modules.
//!
//! Layout:
//! - `generate_all` / `generate`: one botocore JSON model in, one Rust module out.
//! - `Gen`: the writers, one per part of the module, in the order they appear in it:
//!   a serde struct per structure shape; a typed struct per error shape and the `ERRORS`
//!   table; the shape table (`SHAPES`: every shape with its constraints, members in the
//!   model's order, patterns compiled once on first use) that request validation walks;
//!   the operation table (method, URI template split into segments, member bindings,
//!   status code, declared errors); the `Operation` enum; a handler trait whose default
//!   methods answer NotImplemented; and the dispatcher.
//! - `AWS_ENUM_ORDER`: enum sets in the order AWS lists them, where the models differ.
//!
//! The output is plain text kept stable so a test can compare it to the checked-in files.

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
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
    ("lambda", "Lambda", "Lambda"),
];

/// Template maps whose values AWS takes and answers as `null` (an empty template is answered
/// as `null` too; recorded against AWS: `test_put_integration_response_templates`).
pub const NULLABLE_TEMPLATES: &[(&str, &str)] =
    &[("apigateway", "requestTemplates"), ("apigateway", "responseTemplates")];

/// Enum sets in the order AWS's ValidationException messages list them, which is not the
/// model's (recorded against AWS: LocalStack's `test_apigateway_api` snapshots). Each must
/// be a permutation of the model's set; every other enum keeps the model's order.
pub const AWS_ENUM_ORDER: &[(&str, &str, &[&str])] = &[
    (
        "apigateway",
        "Op",
        &["add", "remove", "move", "test", "replace", "copy"],
    ),
    (
        "apigateway",
        "IntegrationType",
        &["HTTP", "MOCK", "AWS_PROXY", "HTTP_PROXY", "AWS"],
    ),
    ("apigateway", "EndpointType", &["PRIVATE", "EDGE", "REGIONAL"]),
    (
        "apigateway",
        "GatewayResponseType",
        &[
            "REQUEST_TOO_LARGE",
            "RESOURCE_NOT_FOUND",
            "AUTHORIZER_CONFIGURATION_ERROR",
            "MISSING_AUTHENTICATION_TOKEN",
            "BAD_REQUEST_BODY",
            "INVALID_SIGNATURE",
            "INVALID_API_KEY",
            "BAD_REQUEST_PARAMETERS",
            "AUTHORIZER_FAILURE",
            "UNAUTHORIZED",
            "INTEGRATION_TIMEOUT",
            "ACCESS_DENIED",
            "DEFAULT_4XX",
            "DEFAULT_5XX",
            "WAF_FILTERED",
            "QUOTA_EXCEEDED",
            "THROTTLED",
            "API_CONFIGURATION_ERROR",
            "UNSUPPORTED_MEDIA_TYPE",
            "INTEGRATION_FAILURE",
            "EXPIRED_TOKEN",
        ],
    ),
    (
        "apigateway",
        "DocumentationPartType",
        &[
            "RESPONSE_BODY",
            "RESPONSE",
            "METHOD",
            "MODEL",
            "AUTHORIZER",
            "RESPONSE_HEADER",
            "RESOURCE",
            "PATH_PARAMETER",
            "REQUEST_BODY",
            "QUERY_PARAMETER",
            "API",
            "REQUEST_HEADER",
        ],
    ),
];

/// Every generated file as (file name under `src/generated/`, text).
pub fn generate_all(wire_crate: &Path) -> Vec<(String, String)> {
    SERVICES
        .iter()
        .map(|(module, trait_name, variant)| {
            let path = wire_crate.join("models").join(format!("{module}.json"));
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            (format!("{module}.rs"), generate(&text, module, trait_name, variant))
        })
        .collect()
}

/// The keys of a JSON object in document order (serde_json's `Map` sorts them).
struct Keys(Vec<String>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeysVisitor;
        impl<'de> Visitor<'de> for KeysVisitor {
            type Value = Keys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some((key, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                    keys.push(key);
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(KeysVisitor)
    }
}

#[derive(serde::Deserialize)]
struct OrderModel {
    shapes: BTreeMap<String, OrderShape>,
}

#[derive(serde::Deserialize)]
struct OrderShape {
    members: Option<Keys>,
}

struct Gen<'a> {
    module: &'a str,
    shapes: &'a Map<String, Value>,
    /// Member names of each structure in the model's order.
    order: HashMap<String, Vec<String>>,
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
        // Names the module itself defines (`Operation`, the operations enum) or Rust's prelude has.
        "Option" | "Result" | "Vec" | "Box" | "String" | "Operation" => format!("{shape}Shape"),
        _ => shape.replace('_', ""),
    }
}

/// Name of the static holding a shape's description.
fn shape_static(shape: &str) -> String {
    format!("SHAPE_{}", snake(shape).trim_start_matches('_').to_uppercase())
}

fn members_static(shape: &str) -> String {
    format!("MEMBERS_{}", snake(shape).trim_start_matches('_').to_uppercase())
}

fn pattern_static(shape: &str) -> String {
    format!("PATTERN_{}", snake(shape).trim_start_matches('_').to_uppercase())
}

/// `PutIntegrationRequest` → `putIntegrationInput`, the name AWS's messages use.
pub fn input_name(shape: &str) -> String {
    let base = shape.strip_suffix("Request").unwrap_or(shape);
    let mut chars = base.chars();
    match chars.next() {
        Some(first) => format!("{}{}Input", first.to_ascii_lowercase(), chars.as_str()),
        None => String::new(),
    }
}

/// A Rust string literal holding `text`.
fn lit(text: &str) -> String {
    format!("{text:?}")
}

fn bound(v: Option<&Value>) -> String {
    match v.and_then(Value::as_i64) {
        Some(n) => format!("Some({n})"),
        None => "None".into(),
    }
}

fn bounds(shape: &Value) -> String {
    format!(
        "Bounds {{ min: {}, max: {} }}",
        bound(shape.get("min")),
        bound(shape.get("max"))
    )
}

fn float_bound(v: Option<&Value>) -> String {
    match v.and_then(Value::as_f64) {
        Some(n) => format!("Some({n:?})"),
        None => "None".into(),
    }
}

impl Gen<'_> {
    fn shape(&self, name: &str) -> &Value {
        self.shapes.get(name).unwrap_or_else(|| panic!("unknown shape {name}"))
    }

    /// A structure's members in the model's order.
    fn members_of(&self, shape_name: &str) -> Vec<(&str, &Value)> {
        let members = obj(&self.shape(shape_name)["members"]);
        self.order[shape_name]
            .iter()
            .map(|name| (name.as_str(), &members[name]))
            .collect()
    }

    fn required_of(&self, shape_name: &str) -> BTreeSet<&str> {
        self.shape(shape_name)
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    fn is_error(&self, name: &str) -> bool {
        self.shape(name).get("exception").is_some()
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

    fn structs(&mut self) {
        let names: Vec<&String> = self.shapes.keys().collect();
        for name in names {
            let shape = &self.shapes[name];
            if s(shape, "type") != Some("structure") || self.is_error(name) {
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
            for (member_name, member) in self.members_of(name) {
                let target = s(member, "shape").unwrap();
                let with = if NULLABLE_TEMPLATES.contains(&(self.module, member_name)) {
                    ", with = \"crate::types::templates\""
                } else {
                    ""
                };
                writeln!(
                    text,
                    "    #[serde(rename = \"{}\", skip_serializing_if = \"Option::is_none\"{with})]",
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

    /// A typed struct per error shape, convertible into `AwsError`, and the `ERRORS` table.
    fn errors(&mut self) {
        let names: Vec<String> = self.shapes.keys().filter(|n| self.is_error(n)).cloned().collect();
        let mut table = String::new();
        for name in &names {
            let shape = self.shape(name);
            let status = shape["error"]["httpStatusCode"]
                .as_u64()
                .unwrap_or_else(|| panic!("{name} has no httpStatusCode"));
            let fault = shape.get("fault").and_then(Value::as_bool).unwrap_or(false);
            let mut headers = Vec::new();
            let mut fields = Vec::new();
            let mut message_key = "message".to_string();
            for (member_name, member) in self.members_of(name) {
                let target = s(member, "shape").unwrap();
                assert_eq!(
                    self.ty(target),
                    "String",
                    "{name}.{member_name}: error members are strings"
                );
                let wire = s(member, "locationName").unwrap_or(member_name);
                match s(member, "location") {
                    Some("header") => headers.push((member_name.to_string(), wire.to_string())),
                    // Lambda spells it `Message`; the wire keeps the model's spelling.
                    None if wire.eq_ignore_ascii_case("message") => message_key = wire.to_string(),
                    None => fields.push((member_name.to_string(), wire.to_string())),
                    Some(other) => panic!("{name}.{member_name}: error member in {other}"),
                }
            }
            let pairs = |list: &[(String, String)]| {
                let items: Vec<String> = list.iter().map(|(m, w)| format!("({}, {})", lit(m), lit(w))).collect();
                format!("&[{}]", items.join(", "))
            };
            writeln!(
                table,
                "    ErrorSpec {{ code: {}, status: {status}, fault: {fault}, headers: {}, fields: {} }},",
                lit(name),
                pairs(&headers),
                pairs(&fields)
            )
            .unwrap();

            let ident = type_ident(name);
            let mut text = String::new();
            writeln!(
                text,
                "/// The model's `{name}` error ({status}); `AwsError::from` writes it on the wire."
            )
            .unwrap();
            writeln!(
                text,
                "#[derive(Debug, Clone, Default, PartialEq, Eq)]\npub struct {ident} {{\n    pub message: String,"
            )
            .unwrap();
            for (member, wire) in headers.iter().chain(&fields) {
                writeln!(
                    text,
                    "    /// `{wire}`.\n    pub {}: Option<String>,",
                    field_ident(member)
                )
                .unwrap();
            }
            writeln!(text, "}}\n").unwrap();
            writeln!(
                text,
                "impl {ident} {{\n    pub fn new(message: impl Into<String>) -> Self {{\n        Self {{ message: message.into(), ..Default::default() }}\n    }}\n}}\n"
            )
            .unwrap();
            writeln!(
                text,
                "impl From<{ident}> for AwsError {{\n    fn from(e: {ident}) -> Self {{\n        #[allow(unused_mut)]\n        let mut error = AwsError::new({status}, {}, e.message);",
                lit(name)
            )
            .unwrap();
            if message_key != "message" {
                writeln!(text, "        error = error.with_message_key({});", lit(&message_key)).unwrap();
            }
            for (member, wire) in &headers {
                writeln!(
                    text,
                    "        if let Some(v) = e.{} {{\n            error = error.with_header({}, v);\n        }}",
                    field_ident(member),
                    lit(wire)
                )
                .unwrap();
            }
            for (member, wire) in &fields {
                writeln!(
                    text,
                    "        if let Some(v) = e.{} {{\n            error = error.with_field({}, v);\n        }}",
                    field_ident(member),
                    lit(wire)
                )
                .unwrap();
            }
            writeln!(text, "        error\n    }}\n}}\n").unwrap();
            self.out.push_str(&text);
        }
        writeln!(
            self.out,
            "/// The error shapes of the model.\npub static ERRORS: [ErrorSpec; {}] = [\n{table}];\n",
            names.len()
        )
        .unwrap();
    }

    /// The allowed values of an enum string shape, in AWS's order, as a Rust slice literal.
    fn enum_values(&self, shape_name: &str) -> String {
        let model: Vec<&str> = self
            .shape(shape_name)
            .get("enum")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let values = match AWS_ENUM_ORDER
            .iter()
            .find(|(module, shape, _)| *module == self.module && *shape == shape_name)
        {
            Some((_, _, aws)) => {
                let (mut a, mut b) = (aws.to_vec(), model.clone());
                a.sort_unstable();
                b.sort_unstable();
                assert_eq!(a, b, "AWS_ENUM_ORDER of {shape_name} is not the model's set");
                aws.to_vec()
            }
            None => model,
        };
        let values: Vec<String> = values.iter().map(|v| lit(v)).collect();
        format!("&[{}]", values.join(", "))
    }

    fn member_spec(&self, member_name: &str, member: &Value, required: bool) -> String {
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
        format!(
            "MemberSpec {{ name: {}, key: {}, location: Location::{location}, wire: {}, ty: Ty::{ty}, required: {required}, enum_values: {}, shape: &{} }}",
            lit(member_name),
            lit(&Self::key(member_name, member)),
            lit(wire),
            self.enum_values(target),
            shape_static(target),
        )
    }

    /// The shape table: a static per shape (and per pattern, and per structure's members).
    fn shape_table(&mut self) {
        let names: Vec<String> = self.shapes.keys().filter(|n| !self.is_error(n)).cloned().collect();
        let mut seen = BTreeSet::new();
        for name in &names {
            assert!(
                seen.insert(shape_static(name)),
                "two shapes are named {}",
                shape_static(name)
            );
        }
        let mut text = String::new();
        for name in &names {
            let shape = self.shape(name);
            let target = |key: &str| shape_static(s(&shape[key], "shape").unwrap());
            let kind = match s(shape, "type").unwrap_or("") {
                "string" => {
                    let pattern = match s(shape, "pattern") {
                        Some(p) => {
                            writeln!(
                                text,
                                "static {}: Pattern = Pattern::new({});",
                                pattern_static(name),
                                lit(p)
                            )
                            .unwrap();
                            format!("Some(&{})", pattern_static(name))
                        }
                        None => "None".into(),
                    };
                    format!(
                        "ShapeKind::String {{ enum_values: {}, length: {}, pattern: {pattern} }}",
                        self.enum_values(name),
                        bounds(shape)
                    )
                }
                "integer" => format!("ShapeKind::Integer {{ range: {} }}", bounds(shape)),
                "long" => format!("ShapeKind::Long {{ range: {} }}", bounds(shape)),
                "double" | "float" => format!(
                    "ShapeKind::Double {{ min: {}, max: {} }}",
                    float_bound(shape.get("min")),
                    float_bound(shape.get("max"))
                ),
                "boolean" => "ShapeKind::Boolean".into(),
                "timestamp" => "ShapeKind::Timestamp".into(),
                "blob" => format!("ShapeKind::Blob {{ length: {} }}", bounds(shape)),
                "list" => format!(
                    "ShapeKind::List {{ member: &{}, length: {} }}",
                    target("member"),
                    bounds(shape)
                ),
                "map" => format!(
                    "ShapeKind::Map {{ key: &{}, value: &{}, length: {} }}",
                    target("key"),
                    target("value"),
                    bounds(shape)
                ),
                "structure" => {
                    let required = self.required_of(name);
                    let members = self.members_of(name);
                    writeln!(
                        text,
                        "static {}: [MemberSpec; {}] = [",
                        members_static(name),
                        members.len()
                    )
                    .unwrap();
                    for (member_name, member) in members {
                        writeln!(
                            text,
                            "    {},",
                            self.member_spec(member_name, member, required.contains(member_name))
                        )
                        .unwrap();
                    }
                    writeln!(text, "];").unwrap();
                    format!("ShapeKind::Structure {{ members: &{} }}", members_static(name))
                }
                other => panic!("shape {name} has unsupported type {other}"),
            };
            writeln!(
                text,
                "static {}: Shape = Shape {{ name: {}, kind: {kind} }};",
                shape_static(name),
                lit(name)
            )
            .unwrap();
        }
        self.out.push_str(&text);
        writeln!(
            self.out,
            "\n/// Every shape of the model but the errors.\npub static SHAPES: [&Shape; {}] = [",
            names.len()
        )
        .unwrap();
        for name in &names {
            writeln!(self.out, "    &{},", shape_static(name)).unwrap();
        }
        writeln!(self.out, "];\n").unwrap();
    }

    fn member_slice(shape_name: Option<&str>) -> String {
        match shape_name {
            Some(name) => format!("&{}", members_static(name)),
            None => "&[]".into(),
        }
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
        let target = s(member, "shape").unwrap();
        format!(
            "Some(&MemberSpec {{ name: {}, key: {}, location: Location::Body, wire: {}, ty: Ty::{}, required: false, enum_values: &[], shape: &{} }})",
            lit(payload),
            lit(&Self::key(payload, member)),
            lit(payload),
            self.ty(target),
            shape_static(target),
        )
    }
}

/// The path of a request URI template as segments, and its required query literals.
fn route(uri: &str) -> (String, String) {
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(label) => match label.strip_suffix('+') {
                Some(greedy) => format!("Segment::Greedy({})", lit(greedy)),
                None => format!("Segment::Label({})", lit(label)),
            },
            None => format!("Segment::Literal({})", lit(s)),
        })
        .collect();
    let query: Vec<String> = query
        .split('&')
        .filter(|q| !q.is_empty())
        .map(|q| {
            let (k, v) = q.split_once('=').unwrap_or((q, ""));
            format!("({}, {})", lit(k), lit(v))
        })
        .collect();
    (
        format!("&[{}]", segments.join(", ")),
        format!("&[{}]", query.join(", ")),
    )
}

/// One service's module from the text of its model.
pub fn generate(model_text: &str, module: &str, trait_name: &str, variant: &str) -> String {
    let model: Value = serde_json::from_str(model_text).expect("model is JSON");
    let order: OrderModel = serde_json::from_str(model_text).expect("model is JSON");
    let shapes = obj(&model["shapes"]);
    let operations = obj(&model["operations"]);
    let mut g = Gen {
        module,
        shapes,
        order: order
            .shapes
            .into_iter()
            .filter_map(|(name, shape)| Some((name, shape.members?.0)))
            .collect(),
        out: String::new(),
    };
    let source = s(&model["metadata"], "x-portico-source").unwrap_or("botocore");
    writeln!(
        g.out,
        "// @generated by portico-codegen from models/{module}.json ({source}). Do not edit.\n\
         #![allow(clippy::all)]\n\n\
         use crate::error::AwsError;\n\
         #[allow(unused_imports)]\n\
         use crate::spec::{{Bounds, ErrorSpec, Location, MemberSpec, OperationSpec, Pattern, Segment, Shape, ShapeKind, Ty}};\n\
         use crate::types::*;\n\
         use crate::{{RequestContext, Service}};\n\
         use serde::{{Deserialize, Serialize}};\n\
         #[allow(unused_imports)]\n\
         use std::collections::BTreeMap;\n\
         use std::future::Future;\n"
    )
    .unwrap();

    g.structs();
    g.errors();
    g.shape_table();

    // Operation table, in model order (sorted by name).
    let ops: Vec<(&String, &Value)> = operations.iter().collect();
    writeln!(g.out, "pub static OPERATIONS: [OperationSpec; {}] = [", ops.len()).unwrap();
    for (name, op) in &ops {
        let http = &op["http"];
        let input = op.get("input").and_then(|i| s(i, "shape"));
        let output = op.get("output").and_then(|o| s(o, "shape"));
        let success = http.get("responseCode").and_then(Value::as_u64).unwrap_or(200);
        let uri = s(http, "requestUri").unwrap();
        let (path, query) = route(uri);
        let errors: Vec<String> = op
            .get("errors")
            .and_then(Value::as_array)
            .map(|e| e.iter().filter_map(|e| s(e, "shape")).map(lit).collect())
            .unwrap_or_default();
        writeln!(
            g.out,
            "    OperationSpec {{\n        service: Service::{variant},\n        name: {},\n        method: {},\n        uri: {},\n        path: {path},\n        query: {query},\n        success: {success},\n        input_shape: {},\n        input_name: {},\n        input: {},\n        output: {},\n        input_payload: {},\n        output_payload: {},\n        errors: &[{}],\n    }},",
            lit(name),
            lit(s(http, "method").unwrap()),
            lit(uri),
            lit(input.unwrap_or("")),
            lit(&input_name(input.unwrap_or(""))),
            Gen::member_slice(input),
            Gen::member_slice(output),
            g.payload(input),
            g.payload(output),
            errors.join(", "),
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
        "/// Decodes the input of `op`, calls the handler and encodes its output. An error the\n\
         /// model does not declare for `op` is logged as a bug (`spec::note_undeclared`).\n\
         pub async fn dispatch<H: {trait_name}>(\n    handler: &H,\n    ctx: &RequestContext,\n    op: Operation,\n    input: serde_json::Value,\n) -> Result<serde_json::Value, AwsError> {{\n    \
         let result = call(handler, ctx, op, input).await;\n    \
         if let Err(error) = &result {{\n        crate::spec::note_undeclared(op.spec(), error);\n    }}\n    \
         result\n}}\n\n\
         async fn call<H: {trait_name}>(\n    handler: &H,\n    ctx: &RequestContext,\n    op: Operation,\n    input: serde_json::Value,\n) -> Result<serde_json::Value, AwsError> {{\n    match op {{"
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
    use super::*;

    #[test]
    fn snake_case_names() {
        assert_eq!(snake("CreateRestApi"), "create_rest_api");
        assert_eq!(snake("restApiId"), "rest_api_id");
        assert_eq!(snake("ApiGatewayManaged"), "api_gateway_managed");
        assert_eq!(snake("TLSConfig"), "tls_config");
        assert_eq!(snake("GetVpcLinks"), "get_vpc_links");
        assert_eq!(snake("ServerCertificateArn"), "server_certificate_arn");
    }

    #[test]
    fn input_names_follow_aws() {
        assert_eq!(input_name("PutIntegrationRequest"), "putIntegrationInput");
        assert_eq!(input_name("CreateRestApiRequest"), "createRestApiInput");
        assert_eq!(input_name(""), "");
    }

    #[test]
    fn routes_are_split() {
        assert_eq!(
            route("/restapis?mode=import"),
            (
                "&[Segment::Literal(\"restapis\")]".into(),
                "&[(\"mode\", \"import\")]".into()
            )
        );
        assert_eq!(
            route("/a/{b}/{c+}").0,
            "&[Segment::Literal(\"a\"), Segment::Label(\"b\"), Segment::Greedy(\"c\")]"
        );
    }

    #[test]
    fn member_order_is_the_models() {
        let model = r#"{"metadata": {}, "operations": {}, "shapes": {
            "S": {"type": "structure", "members": {"zeta": {"shape": "T"}, "alpha": {"shape": "T"}}},
            "T": {"type": "string"}}}"#;
        let out = generate(model, "apigateway", "ApiGateway", "ApiGateway");
        let zeta = out.find("pub zeta").unwrap();
        let alpha = out.find("pub alpha").unwrap();
        assert!(zeta < alpha, "{out}");
    }

    #[test]
    fn aws_enum_orders_name_model_enums() {
        let wire = Path::new(env!("CARGO_MANIFEST_DIR")).join("../portico-wire");
        for (module, shape, _) in AWS_ENUM_ORDER {
            let text = std::fs::read_to_string(wire.join(format!("models/{module}.json"))).unwrap();
            let model: Value = serde_json::from_str(&text).unwrap();
            assert!(model["shapes"][shape]["enum"].is_array(), "{module} {shape}");
        }
    }
}

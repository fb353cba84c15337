//! Request validation: a method's request validator, compiled once per deployment and checked
//! after authorization. Required parameters first (`BAD_REQUEST_PARAMETERS`), then the body
//! against the method's model for its content type (`BAD_REQUEST_BODY`).
//!
//! Models are JSON Schema draft 4, compiled here with `jsonschema`; a `$ref` to another model
//! of the API (`https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}`) is resolved
//! from the API's models, never fetched. `$context.error.validationErrorString` is written
//! the way AWS's validator (fge's json-schema-validator) writes it: its report's messages, in
//! its order, as a Java list (`[object has missing required properties (["a","b"])]`).

use crate::context::RequestContext;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use portico_wire::apigateway as ag;
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

/// A method's request validation, compiled once per deployment (schemas compiled here, never
/// per request).
#[derive(Debug)]
pub struct Validation {
    /// Required parameters, in the order AWS lists missing ones.
    required: Vec<Param>,
    /// Models by content type, when the validator checks bodies.
    bodies: Vec<(String, Arc<Body>)>,
}

/// A failed validation: the gateway response that answers and `$context.error`'s values.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// "BAD_REQUEST_PARAMETERS" or "BAD_REQUEST_BODY": the gateway response that answers.
    pub response_type: &'static str,
    /// `$context.error.message`: "Invalid request body", "Missing required request parameters: [a, b]".
    pub message: String,
    /// `$context.error.validationErrorString`.
    pub validation_error: String,
}

#[derive(Debug)]
struct Param {
    place: Place,
    name: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Place {
    Header,
    Path,
    Query,
}

/// A model compiled for bodies, or why it could not be (the control plane refuses such models,
/// so this is a data-plane safety net: such a body is refused, as when the model is missing).
enum Body {
    Schema(jsonschema::Validator),
    Unusable(String),
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Body::Schema(_) => f.write_str("Schema"),
            Body::Unusable(why) => f.debug_tuple("Unusable").field(why).finish(),
        }
    }
}

const DRAFT4: &str = "http://json-schema.org/draft-04/schema#";

impl Validation {
    /// `None` when the method has no validator, or its validator checks nothing.
    /// `models`: every model of the API (for `$ref`s between them); `api_id` for their URLs.
    pub fn compile(
        method: &ag::Method,
        validators: &[ag::RequestValidator],
        models: &[ag::Model],
        api_id: &str,
    ) -> Option<Validation> {
        let id = method.request_validator_id.as_deref().filter(|id| !id.is_empty())?;
        let Some(validator) = validators.iter().find(|v| v.id.as_deref() == Some(id)) else {
            tracing::warn!(
                validator = id,
                "the method's request validator does not exist; not validating"
            );
            return None;
        };
        let mut required = Vec::new();
        if validator.validate_request_parameters == Some(true) {
            // The map's order (header < path < querystring, then names) is AWS's order.
            for (key, _) in method.request_parameters.iter().flatten().filter(|(_, req)| **req) {
                let Some(rest) = key.strip_prefix("method.request.") else {
                    continue;
                };
                let Some((place, name)) = rest.split_once('.') else {
                    continue;
                };
                let place = match place {
                    "header" | "multivalueheader" => Place::Header,
                    "path" => Place::Path,
                    "querystring" | "multivaluequerystring" => Place::Query,
                    _ => continue,
                };
                required.push(Param {
                    place,
                    name: name.to_owned(),
                });
            }
        }
        let mut bodies = Vec::new();
        if validator.validate_request_body == Some(true) {
            let mut compiled: HashMap<&str, Arc<Body>> = HashMap::new();
            for (content_type, name) in method.request_models.iter().flatten() {
                let body = compiled
                    .entry(name.as_str())
                    .or_insert_with(|| Arc::new(compile_model(name, models, api_id)))
                    .clone();
                bodies.push((content_type.to_ascii_lowercase(), body));
            }
        }
        if required.is_empty() && bodies.is_empty() {
            return None;
        }
        Some(Validation { required, bodies })
    }

    /// Parameters first: their failure is the one reported when both fail.
    pub fn check(&self, ctx: &RequestContext) -> Result<(), Rejection> {
        self.check_parameters(ctx)?;
        self.check_body(ctx)
    }

    fn check_parameters(&self, ctx: &RequestContext) -> Result<(), Rejection> {
        let mut query = None;
        let missing: Vec<&str> = self
            .required
            .iter()
            .filter(|param| {
                // AWS: present "and not blank".
                let blank = |v: &str| v.trim().is_empty();
                match param.place {
                    Place::Header => !ctx
                        .headers
                        .get_all(param.name.as_str())
                        .iter()
                        .any(|v| !blank(&String::from_utf8_lossy(v.as_bytes()))),
                    Place::Path => !ctx.path_params.iter().any(|p| p.name == param.name && !blank(&p.value)),
                    Place::Query => !query
                        .get_or_insert_with(|| ctx.query())
                        .iter()
                        .any(|(name, value)| *name == param.name && !blank(value)),
                }
            })
            .map(|param| param.name.as_str())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let message = format!("Missing required request parameters: [{}]", missing.join(", "));
        Err(Rejection {
            response_type: "BAD_REQUEST_PARAMETERS",
            validation_error: message.clone(),
            message,
        })
    }

    fn check_body(&self, ctx: &RequestContext) -> Result<(), Rejection> {
        let Some(body) = self.model_for(ctx.header("content-type")) else {
            // AWS: no model for the content type, no body validation.
            return Ok(());
        };
        let reject = |errors: Vec<String>| Rejection {
            response_type: "BAD_REQUEST_BODY",
            message: "Invalid request body".to_owned(),
            validation_error: java_list(&errors),
        };
        let validator = match body {
            Body::Schema(validator) => validator,
            Body::Unusable(why) => return Err(reject(vec![why.clone()])),
        };
        let instance: Value = if ctx.body.trim_ascii().is_empty() {
            // An empty body is validated as an empty object.
            Value::Object(serde_json::Map::new())
        } else {
            match serde_json::from_slice(&ctx.body) {
                Ok(value) => value,
                Err(e) => return Err(reject(vec![format!("request body is not valid JSON: {e}")])),
            }
        };
        if validator.is_valid(&instance) {
            return Ok(());
        }
        let errors = report(validator, &instance);
        if errors.is_empty() { Ok(()) } else { Err(reject(errors)) }
    }

    /// The model for a Content-Type (`application/json` when there is none): the type as sent,
    /// then without its parameters, then `$default`.
    fn model_for(&self, content_type: Option<&str>) -> Option<&Body> {
        let sent = content_type.unwrap_or("application/json").trim().to_ascii_lowercase();
        let bare = crate::context::bare_media_type(&sent);
        let find = |key: &str| self.bodies.iter().find(|(ct, _)| ct == key).map(|(_, b)| b.as_ref());
        find(&sent).or_else(|| find(bare)).or_else(|| find("$default"))
    }
}

/// The URL a model's `$ref` names it by.
fn model_url(api_id: &str, name: &str) -> String {
    format!("https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}")
}

/// A model's schema, parsed; draft 4 unless it says otherwise.
fn parse_schema(model: &ag::Model) -> Result<Value, String> {
    let text = model.schema.as_deref().unwrap_or("{}");
    let mut value: Value = serde_json::from_str(text).map_err(|e| format!("its schema is not JSON: {e}"))?;
    if let Value::Object(map) = &mut value {
        map.entry("$schema").or_insert_with(|| Value::String(DRAFT4.to_owned()));
    }
    Ok(value)
}

fn compile_model(name: &str, models: &[ag::Model], api_id: &str) -> Body {
    let unusable = |why: String| {
        tracing::warn!(
            api = api_id,
            model = name,
            "request model not usable, its bodies are refused: {why}"
        );
        Body::Unusable(format!("model {name} is not usable: {why}"))
    };
    let Some(model) = models.iter().find(|m| m.name.as_deref() == Some(name)) else {
        return unusable("no such model".to_owned());
    };
    let schema = match parse_schema(model) {
        Ok(schema) => schema,
        Err(why) => return unusable(why),
    };
    let retriever = Models {
        prefix: model_url(api_id, ""),
        schemas: models
            .iter()
            .filter_map(|m| Some((m.name.clone()?, parse_schema(m).ok()?)))
            .collect(),
    };
    let built = jsonschema::draft4::options()
        .with_retriever(retriever)
        .with_base_uri(model_url(api_id, name))
        .build(&schema);
    match built {
        Ok(validator) => Body::Schema(validator),
        Err(e) => unusable(format!("its schema is not valid: {e}")),
    }
}

/// Resolves `$ref`s to the API's models; anything else is refused (no network, no files).
struct Models {
    prefix: String,
    schemas: HashMap<String, Value>,
}

impl jsonschema::Retrieve for Models {
    fn retrieve(&self, uri: &jsonschema::Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let uri = uri.as_str();
        let uri = uri.split('#').next().unwrap_or_default();
        uri.strip_prefix(&self.prefix)
            .and_then(|name| self.schemas.get(name))
            .cloned()
            .ok_or_else(|| format!("{uri} is not a model of this API").into())
    }
}

/// One step of an instance path; objects' members in name order, as fge visits them.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Index(usize),
    Member(String),
}

struct Found {
    path: Vec<Step>,
    keyword: &'static str,
    message: String,
}

/// fge's report for an instance: keywords checked node by node (members in name order, a
/// node's keywords in name order), and once anything has failed no node is descended into.
fn report(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    let mut found: Vec<Found> = Vec::new();
    // fge reports one `required` message per object, with the missing names sorted.
    let mut missing: Vec<(Vec<Step>, Vec<String>)> = Vec::new();
    for error in validator.iter_errors(instance) {
        let path: Vec<Step> = error
            .instance_path()
            .segments()
            .map(|s| match s {
                LocationSegment::Index(i) => Step::Index(i),
                LocationSegment::Property(name) => Step::Member(name.into_owned()),
            })
            .collect();
        if let ValidationErrorKind::Required { property } = error.kind() {
            let name = property.as_str().map_or_else(|| property.to_string(), str::to_owned);
            match missing.iter_mut().find(|(p, _)| *p == path) {
                Some((_, names)) => names.push(name),
                None => missing.push((path, vec![name])),
            }
            continue;
        }
        let (keyword, message) = describe(error.kind(), error.instance()).unwrap_or_else(|| ("~", error.to_string()));
        found.push(Found { path, keyword, message });
    }
    for (path, mut names) in missing {
        names.sort();
        names.dedup();
        let names = Value::from(names);
        found.push(Found {
            path,
            keyword: "required",
            message: format!("object has missing required properties ({names})"),
        });
    }
    found.sort_by(|a, b| preorder(&a.path, &b.path).then(a.keyword.cmp(b.keyword)));
    let Some(first) = found.first().map(|f| &f.path) else {
        return Vec::new();
    };
    // A node is checked when its parent was descended into: the parent comes before the first
    // failure.
    let checked = |path: &[Step]| match path.split_last() {
        None => true,
        Some((_, parent)) => preorder(parent, first) == Ordering::Less,
    };
    let keep: Vec<bool> = found.iter().map(|f| checked(&f.path)).collect();
    found
        .into_iter()
        .zip(keep)
        .filter(|(_, keep)| *keep)
        .map(|(f, _)| f.message)
        .collect()
}

/// A node before its descendants, siblings in order.
fn preorder(a: &[Step], b: &[Step]) -> Ordering {
    a.iter().cmp(b.iter())
}

/// `[a, b]`, as Java prints a list.
fn java_list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

/// fge's message for one failed keyword (its `validation.properties` wording), and the keyword
/// it sorts under; `None` for what fge has no wording for.
fn describe(kind: &ValidationErrorKind, instance: &Value) -> Option<(&'static str, String)> {
    let text = || instance.as_str().unwrap_or_default();
    let len = || match instance {
        Value::Array(items) => items.len(),
        Value::Object(members) => members.len(),
        _ => 0,
    };
    Some(match kind {
        ValidationErrorKind::Type { kind } => {
            let mut allowed: Vec<&str> = match kind {
                TypeKind::Single(t) => vec![t.as_str()],
                TypeKind::Multiple(set) => set.iter().map(|t| t.as_str()).collect(),
            };
            if allowed.contains(&"number") {
                allowed.push("integer");
            }
            allowed.sort_unstable();
            allowed.dedup();
            let allowed = Value::from(allowed);
            let found = type_name(instance);
            (
                "type",
                format!("instance type ({found}) does not match any allowed primitive type (allowed: {allowed})"),
            )
        }
        ValidationErrorKind::Enum { options } => (
            "enum",
            format!("instance value ({instance}) not found in enum (possible values: {options})"),
        ),
        ValidationErrorKind::Minimum { limit } => (
            "minimum",
            format!("numeric instance is lower than the required minimum (minimum: {limit}, found: {instance})"),
        ),
        ValidationErrorKind::ExclusiveMinimum { limit } => (
            "minimum",
            format!("numeric instance is not strictly greater than the required minimum {limit}"),
        ),
        ValidationErrorKind::Maximum { limit } => (
            "maximum",
            format!("numeric instance is greater than the required maximum (maximum: {limit}, found: {instance})"),
        ),
        ValidationErrorKind::ExclusiveMaximum { limit } => (
            "maximum",
            format!("numeric instance is not strictly lower than the required maximum {limit}"),
        ),
        ValidationErrorKind::MinLength { limit } => (
            "minLength",
            format!(
                "string \"{}\" is too short (length: {}, required minimum: {limit})",
                text(),
                text().chars().count()
            ),
        ),
        ValidationErrorKind::MaxLength { limit } => (
            "maxLength",
            format!(
                "string \"{}\" is too long (length: {}, maximum allowed: {limit})",
                text(),
                text().chars().count()
            ),
        ),
        ValidationErrorKind::Pattern { pattern } => (
            "pattern",
            format!(
                "ECMA 262 regex \"{pattern}\" does not match input string \"{}\"",
                text()
            ),
        ),
        ValidationErrorKind::MinItems { limit } => (
            "minItems",
            format!(
                "array is too short: must have at least {limit} elements but instance has {} elements",
                len()
            ),
        ),
        ValidationErrorKind::MaxItems { limit } => (
            "maxItems",
            format!(
                "array is too long: must have at most {limit} elements but instance has {} elements",
                len()
            ),
        ),
        ValidationErrorKind::AdditionalItems { limit } => (
            "additionalItems",
            format!(
                "schema only allows {limit} elements in array but instance has {} elements",
                len()
            ),
        ),
        ValidationErrorKind::UniqueItems => ("uniqueItems", "array must not contain duplicate elements".to_owned()),
        ValidationErrorKind::MinProperties { limit } => (
            "minProperties",
            format!(
                "object has too few properties (found {} but schema requires at least {limit})",
                len()
            ),
        ),
        ValidationErrorKind::MaxProperties { limit } => (
            "maxProperties",
            format!(
                "object has too many properties (found {} but schema requires at most {limit})",
                len()
            ),
        ),
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let mut names = unexpected.clone();
            names.sort();
            let names = Value::from(names);
            (
                "additionalProperties",
                format!("object instance has properties which are not allowed by the schema: {names}"),
            )
        }
        ValidationErrorKind::MultipleOf { multiple_of } => (
            "multipleOf",
            format!(
                "remainder of division is not zero ({instance} / {})",
                number(*multiple_of)
            ),
        ),
        ValidationErrorKind::AnyOf { context } => (
            "anyOf",
            format!(
                "instance failed to match at least one required schema among {}",
                context.len()
            ),
        ),
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::OneOfMultipleValid { context } => {
            let matched = context.iter().filter(|branch| branch.is_empty()).count();
            (
                "oneOf",
                format!(
                    "instance failed to match exactly one schema (matched {matched} out of {})",
                    context.len()
                ),
            )
        }
        ValidationErrorKind::Not { .. } => ("not", "instance matched a schema which it should not have".to_owned()),
        ValidationErrorKind::Format { format } => {
            let what = match format.as_str() {
                "email" => "a valid email address",
                "hostname" => "a valid hostname",
                "ipv4" => "a valid IPv4 address",
                "ipv6" => "a valid IPv6 address",
                "uri" => "a valid URI",
                _ => {
                    return Some(("format", format!("string \"{}\" is not a valid {format}", text())));
                }
            };
            ("format", format!("string \"{}\" is not {what}", text()))
        }
        _ => return None,
    })
}

/// fge's names for an instance's type: a number with a fraction or exponent is a `number`.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A schema number as the schema most likely wrote it (`2`, not `2.0`).
fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::PathParam;
    use http::{HeaderMap, HeaderName, HeaderValue};

    const API: &str = "a1b2c3";

    fn model(name: &str, schema: &str) -> ag::Model {
        ag::Model {
            id: Some(format!("id-{name}")),
            name: Some(name.to_owned()),
            schema: Some(schema.to_owned()),
            content_type: Some("application/json".to_owned()),
            ..Default::default()
        }
    }

    fn validator(body: bool, parameters: bool) -> ag::RequestValidator {
        ag::RequestValidator {
            id: Some("v1".to_owned()),
            name: Some("test-validator".to_owned()),
            validate_request_body: Some(body),
            validate_request_parameters: Some(parameters),
        }
    }

    fn method(parameters: &[(&str, bool)], models: &[(&str, &str)]) -> ag::Method {
        ag::Method {
            request_validator_id: Some("v1".to_owned()),
            request_parameters: Some(parameters.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()),
            request_models: Some(models.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
            ..Default::default()
        }
    }

    /// A request: headers, query string, path parameters, body.
    fn request(headers: &[(&str, &str)], query: &str, path: &[(&str, &str)], body: &str) -> RequestContext {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                HeaderName::try_from(*name).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let mut ctx = RequestContext::test(map);
        ctx.raw_query = query.to_owned();
        ctx.path_params = path
            .iter()
            .map(|(name, value)| PathParam {
                name: (*name).to_owned(),
                raw: (*value).to_owned(),
                value: (*value).to_owned(),
            })
            .collect();
        ctx.body = bytes::Bytes::from(body.to_owned());
        ctx
    }

    fn body_request(content_type: Option<&str>, body: &str) -> RequestContext {
        match content_type {
            Some(ct) => request(&[("content-type", ct)], "", &[], body),
            None => request(&[], "", &[], body),
        }
    }

    fn compile(method: &ag::Method, validator: ag::RequestValidator, models: &[ag::Model]) -> Validation {
        Validation::compile(method, &[validator], models, API).expect("a validation")
    }

    fn ab_model() -> ag::Model {
        model(
            "testSchema",
            r#"{"$schema": "http://json-schema.org/draft-04/schema#", "title": "testSchema", "type": "object",
                "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["b", "a"]}"#,
        )
    }

    fn body_error(v: &Validation, ctx: &RequestContext) -> Option<String> {
        match v.check(ctx) {
            Ok(()) => None,
            Err(r) => {
                assert_eq!(r.response_type, "BAD_REQUEST_BODY", "{r:?}");
                assert_eq!(r.message, "Invalid request body");
                Some(r.validation_error)
            }
        }
    }

    #[test]
    fn nothing_to_check_compiles_to_none() {
        let models = [ab_model()];
        let full = method(
            &[("method.request.header.h", true)],
            &[("application/json", "testSchema")],
        );
        let unvalidated = ag::Method {
            request_validator_id: None,
            ..full.clone()
        };
        let empty_id = ag::Method {
            request_validator_id: Some(String::new()),
            ..full.clone()
        };
        let optional_only = method(&[("method.request.header.h", false)], &[]);
        let cases: [(&str, &ag::Method, ag::RequestValidator); 6] = [
            ("no validator", &unvalidated, validator(true, true)),
            ("empty validator id", &empty_id, validator(true, true)),
            ("validator checks nothing", &full, validator(false, false)),
            ("only optional parameters", &optional_only, validator(true, true)),
            (
                "body only, no models",
                &method(&[("method.request.header.h", true)], &[]),
                validator(true, false),
            ),
            (
                "parameters only, none required",
                &method(&[], &[("application/json", "testSchema")]),
                validator(false, true),
            ),
        ];
        for (case, m, v) in cases {
            assert!(Validation::compile(m, &[v], &models, API).is_none(), "{case}");
        }
        // A validator id that names no validator.
        let other = ag::RequestValidator {
            id: Some("v2".to_owned()),
            ..validator(true, true)
        };
        assert!(Validation::compile(&full, &[other], &models, API).is_none());
    }

    /// A case, its headers, query string, path parameters and the names reported missing.
    type ParamCase<'a> = (
        &'a str,
        &'a [(&'a str, &'a str)],
        &'a str,
        &'a [(&'a str, &'a str)],
        Option<&'a str>,
    );

    #[test]
    fn required_parameters() {
        let m = method(
            &[
                ("method.request.querystring.qs1", true),
                ("method.request.header.x-header-param", true),
                ("method.request.path.issuer", true),
                ("method.request.querystring.optional", false),
            ],
            &[],
        );
        let v = compile(&m, validator(true, true), &[]);
        let h = [("x-header-param", "test")];
        let p = [("issuer", "me")];
        let cases: &[ParamCase] = &[
            ("all present", &h, "qs1=test", &p, None),
            (
                "all missing, AWS's order",
                &[],
                "",
                &[],
                Some("[x-header-param, issuer, qs1]"),
            ),
            ("header missing", &[], "qs1=test", &p, Some("[x-header-param]")),
            (
                "header name in another case",
                &[("X-Header-Param", "test")],
                "qs1=test",
                &p,
                None,
            ),
            (
                "header blank",
                &[("x-header-param", "")],
                "qs1=test",
                &p,
                Some("[x-header-param]"),
            ),
            ("query string missing", &h, "other=1", &p, Some("[qs1]")),
            ("query string empty", &h, "qs1=", &p, Some("[qs1]")),
            ("query string without value", &h, "qs1", &p, Some("[qs1]")),
            ("query string repeated, one value", &h, "qs1=&qs1=x", &p, None),
            ("query string encoded", &h, "qs%31=x", &p, None),
            (
                "path parameter missing",
                &h,
                "qs1=a",
                &[("other", "x")],
                Some("[issuer]"),
            ),
        ];
        for (case, headers, query, path, missing) in cases {
            let got = v.check(&request(headers, query, path, ""));
            let want = missing.map(|names| {
                let message = format!("Missing required request parameters: {names}");
                Rejection {
                    response_type: "BAD_REQUEST_PARAMETERS",
                    validation_error: message.clone(),
                    message,
                }
            });
            assert_eq!(got.err(), want, "{case}");
        }
    }

    #[test]
    fn parameters_win_over_the_body() {
        let m = method(
            &[("method.request.header.h", true)],
            &[("application/json", "testSchema")],
        );
        let v = compile(&m, validator(true, true), &[ab_model()]);
        let got = v.check(&request(&[], "", &[], "not json")).unwrap_err();
        assert_eq!(got.response_type, "BAD_REQUEST_PARAMETERS");
        assert_eq!(got.message, "Missing required request parameters: [h]");
        let got = v.check(&request(&[("h", "1")], "", &[], "not json")).unwrap_err();
        assert_eq!(got.response_type, "BAD_REQUEST_BODY");
    }

    #[test]
    fn a_validator_of_parameters_only_leaves_the_body_alone() {
        let m = method(
            &[("method.request.querystring.q", true)],
            &[("application/json", "testSchema")],
        );
        let v = compile(&m, validator(false, true), &[ab_model()]);
        assert_eq!(v.check(&request(&[], "q=1", &[], "not json")), Ok(()));
        assert!(v.check(&request(&[], "", &[], "{}")).is_err());
        // And one of bodies only leaves parameters alone.
        let v = compile(&m, validator(true, false), &[ab_model()]);
        assert_eq!(v.check(&request(&[], "", &[], r#"{"a": 1, "b": 2}"#)), Ok(()));
    }

    #[test]
    fn bodies_against_a_model() {
        let m = method(&[], &[("application/json", "testSchema")]);
        let v = compile(&m, validator(true, true), &[ab_model()]);
        let missing_both = r#"[object has missing required properties (["a","b"])]"#;
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("valid", r#"{"a": 1, "b": 2.5}"#, None),
            ("empty body is {}", "", Some(missing_both)),
            ("blank body is {}", " \r\n", Some(missing_both)),
            (
                "missing one",
                r#"{"a": 1}"#,
                Some(r#"[object has missing required properties (["b"])]"#),
            ),
            ("other members", r#"{"test": "test"}"#, Some(missing_both)),
            (
                "wrong type",
                r#"{"a": "1", "b": 2}"#,
                Some(
                    r#"[instance type (string) does not match any allowed primitive type (allowed: ["integer","number"])]"#,
                ),
            ),
            (
                "two wrong members, in name order",
                r#"{"b": true, "a": null}"#,
                Some(concat!(
                    r#"[instance type (null) does not match any allowed primitive type (allowed: ["integer","number"]), "#,
                    r#"instance type (boolean) does not match any allowed primitive type (allowed: ["integer","number"])]"#
                )),
            ),
            (
                "an object failing is not descended into",
                r#"{"a": "x"}"#,
                Some(r#"[object has missing required properties (["b"])]"#),
            ),
            (
                "not an object",
                "[1]",
                Some(r#"[instance type (array) does not match any allowed primitive type (allowed: ["object"])]"#),
            ),
        ];
        for (case, body, want) in cases {
            assert_eq!(body_error(&v, &body_request(None, body)).as_deref(), *want, "{case}");
        }
    }

    #[test]
    fn a_body_that_is_not_json_is_invalid() {
        let m = method(&[], &[("application/json", "Empty")]);
        let v = compile(&m, validator(true, false), &[model("Empty", r#"{"type": "object"}"#)]);
        for body in ["not json", "{", "{\"a\": 1} trailing", "\u{fffd}"] {
            let error = body_error(&v, &body_request(Some("application/json"), body));
            assert!(
                error.is_some_and(|e| e.starts_with("[request body is not valid JSON")),
                "{body}"
            );
        }
        assert_eq!(body_error(&v, &body_request(Some("application/json"), "{}")), None);
    }

    #[test]
    fn refs_to_other_models_of_the_api() {
        let list = model(
            "testSchemaList",
            &format!(
                r#"{{"type": "array", "items": {{"$ref": "https://apigateway.amazonaws.com/restapis/{API}/models/testSchema"}}}}"#
            ),
        );
        let m = method(&[], &[("application/json", "testSchemaList")]);
        let v = compile(&m, validator(true, true), &[ab_model(), list]);
        assert_eq!(body_error(&v, &body_request(None, r#"[{"a": 1, "b": 2}]"#)), None);
        assert_eq!(
            body_error(&v, &body_request(None, r#"[{"a": 1, "b": 2}, {"a": 1}]"#)).as_deref(),
            Some(r#"[object has missing required properties (["b"])]"#)
        );
        assert_eq!(
            body_error(&v, &body_request(None, "")).as_deref(),
            Some(r#"[instance type (object) does not match any allowed primitive type (allowed: ["array"])]"#)
        );

        // oneOf between null and a model.
        let status = model(
            "StatusModel",
            r#"{"type": "object", "properties": {"Status": {"type": "string"}, "Order": {"type": "integer"}},
                "required": ["Status", "Order"]}"#,
        );
        let test = model(
            "TestModel",
            &format!(
                r#"{{"type": "object", "required": ["status"], "properties": {{"status": {{"oneOf": [{{"type": "null"}},
                    {{"$ref": "https://apigateway.amazonaws.com/restapis/{API}/models/StatusModel"}}]}}}}}}"#
            ),
        );
        let m = method(&[], &[("application/json", "TestModel")]);
        let v = compile(&m, validator(true, true), &[status, test]);
        assert_eq!(body_error(&v, &body_request(None, r#"{"status": null}"#)), None);
        assert_eq!(
            body_error(
                &v,
                &body_request(None, r#"{"status": {"Status": "works", "Order": 1}}"#)
            ),
            None
        );
        assert_eq!(
            body_error(&v, &body_request(None, "")).as_deref(),
            Some(r#"[object has missing required properties (["status"])]"#)
        );
        assert_eq!(
            body_error(&v, &body_request(None, r#"{"status": {"Status": "works"}}"#)).as_deref(),
            Some("[instance failed to match exactly one schema (matched 0 out of 2)]")
        );
    }

    #[test]
    fn messages_as_fge_words_them() {
        let schema = r#"{"type": "object", "properties": {
            "e": {"enum": ["CREATED", "SENT"]},
            "min": {"minimum": 315529200000},
            "xmin": {"minimum": 5, "exclusiveMinimum": true},
            "max": {"maximum": 10},
            "short": {"type": "string", "minLength": 3},
            "long": {"type": "string", "maxLength": 2},
            "pat": {"type": "string", "pattern": "^[a-z]+$"},
            "few": {"type": "array", "minItems": 2},
            "uniq": {"type": "array", "uniqueItems": true},
            "mult": {"multipleOf": 2},
            "closed": {"type": "object", "properties": {"a": {}}, "additionalProperties": false},
            "either": {"type": ["string", "null"]},
            "anyof": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "not": {"not": {"type": "string"}}
        }}"#;
        let m = method(&[], &[("application/json", "M")]);
        let v = compile(&m, validator(true, false), &[model("M", schema)]);
        let cases: &[(&str, &str)] = &[
            (
                r#"{"e": "AB"}"#,
                r#"instance value ("AB") not found in enum (possible values: ["CREATED","SENT"])"#,
            ),
            (
                r#"{"min": 1}"#,
                "numeric instance is lower than the required minimum (minimum: 315529200000, found: 1)",
            ),
            (
                r#"{"xmin": 5}"#,
                "numeric instance is not strictly greater than the required minimum 5",
            ),
            (
                r#"{"max": 11}"#,
                "numeric instance is greater than the required maximum (maximum: 10, found: 11)",
            ),
            (
                r#"{"short": "ab"}"#,
                r#"string "ab" is too short (length: 2, required minimum: 3)"#,
            ),
            (
                r#"{"long": "abc"}"#,
                r#"string "abc" is too long (length: 3, maximum allowed: 2)"#,
            ),
            (
                r#"{"pat": "A1"}"#,
                r#"ECMA 262 regex "^[a-z]+$" does not match input string "A1""#,
            ),
            (
                r#"{"few": [1]}"#,
                "array is too short: must have at least 2 elements but instance has 1 elements",
            ),
            (r#"{"uniq": [1, 1]}"#, "array must not contain duplicate elements"),
            (r#"{"mult": 3}"#, "remainder of division is not zero (3 / 2)"),
            (
                r#"{"closed": {"z": 1, "y": 2}}"#,
                r#"object instance has properties which are not allowed by the schema: ["y","z"]"#,
            ),
            (
                r#"{"either": 1}"#,
                r#"instance type (integer) does not match any allowed primitive type (allowed: ["null","string"])"#,
            ),
            (
                r#"{"anyof": 1.5}"#,
                "instance failed to match at least one required schema among 2",
            ),
            (r#"{"not": "x"}"#, "instance matched a schema which it should not have"),
        ];
        for (body, want) in cases {
            assert_eq!(
                body_error(&v, &body_request(None, body)),
                Some(format!("[{want}]")),
                "{body}"
            );
        }
    }

    #[test]
    fn after_a_failure_nodes_are_checked_but_not_descended_into() {
        let schema = r#"{"type": "object", "properties": {
            "o": {"type": "object", "required": ["x"], "properties": {"y": {"type": "string"}}},
            "p": {"type": "object", "properties": {"deep": {"type": "string"}}},
            "z": {"type": "string"}
        }}"#;
        let m = method(&[], &[("application/json", "M")]);
        let v = compile(&m, validator(true, false), &[model("M", schema)]);
        let cases: &[(&str, &str)] = &[
            // `o` fails (missing x): its member is not checked; `p` is checked but not entered;
            // `z`'s own keywords still are.
            (
                r#"{"z": 5, "p": {"deep": 1}, "o": {"y": 1}}"#,
                concat!(
                    r#"[object has missing required properties (["x"]), "#,
                    r#"instance type (integer) does not match any allowed primitive type (allowed: ["string"])]"#
                ),
            ),
            // Nothing fails before `p`: it is entered.
            (
                r#"{"p": {"deep": 1}, "o": {"x": 1}}"#,
                r#"[instance type (integer) does not match any allowed primitive type (allowed: ["string"])]"#,
            ),
            (r#"{"o": {"x": 1, "y": "s"}, "z": "s", "p": {}}"#, ""),
        ];
        for (body, want) in cases {
            let want = Some(*want).filter(|w| !w.is_empty()).map(str::to_owned);
            assert_eq!(body_error(&v, &body_request(None, body)), want, "{body}");
        }
    }

    #[test]
    fn the_model_for_the_content_type() {
        let m = method(&[], &[("application/json", "Obj"), ("application/xml", "Str")]);
        let models = [
            model("Obj", r#"{"type": "object"}"#),
            model("Str", r#"{"type": "string"}"#),
        ];
        let v = compile(&m, validator(true, false), &models);
        let cases: &[(Option<&str>, &str, bool)] = &[
            (None, "[]", false),
            (None, "{}", true),
            (Some("application/json"), "[]", false),
            (Some("Application/JSON; charset=utf-8"), "[]", false),
            (Some("application/xml"), "{}", false),
            (Some("application/xml"), "\"s\"", true),
            // AWS: no model for the content type, no validation.
            (Some("text/plain"), "not json", true),
        ];
        for (ct, body, ok) in cases {
            assert_eq!(v.check(&body_request(*ct, body)).is_ok(), *ok, "{ct:?} {body}");
        }
        // `$default` answers the content types without a model of their own.
        let m = method(&[], &[("$default", "Obj"), ("application/xml", "Str")]);
        let v = compile(&m, validator(true, false), &models);
        assert!(v.check(&body_request(Some("text/plain"), "not json")).is_err());
        assert!(v.check(&body_request(None, "{}")).is_ok());
        assert!(v.check(&body_request(Some("application/xml"), "{}")).is_err());
    }

    #[test]
    fn unusable_models_refuse_bodies_without_panicking() {
        let cases = [
            ("schema is not JSON", vec![model("M", "{not json")]),
            ("schema is not a valid schema", vec![model("M", r#"{"type": 5}"#)]),
            ("no such model", vec![]),
            (
                "$ref to another API's model",
                vec![model(
                    "M",
                    r#"{"$ref": "https://apigateway.amazonaws.com/restapis/other/models/X"}"#,
                )],
            ),
            (
                "$ref to a missing model",
                vec![model(
                    "M",
                    &format!(r#"{{"$ref": "https://apigateway.amazonaws.com/restapis/{API}/models/Gone"}}"#),
                )],
            ),
            (
                "$ref over the network",
                vec![model("M", r#"{"$ref": "https://example.com/schema.json"}"#)],
            ),
            ("$ref to a file", vec![model("M", r#"{"$ref": "file:///etc/passwd"}"#)]),
        ];
        let m = method(&[], &[("application/json", "M")]);
        for (case, models) in cases {
            let v = compile(&m, validator(true, false), &models);
            let got = v.check(&body_request(None, "{}")).unwrap_err();
            assert_eq!(got.response_type, "BAD_REQUEST_BODY", "{case}");
            assert!(
                got.validation_error.starts_with("[model M is not usable"),
                "{case}: {got:?}"
            );
        }
        // A model without a schema accepts anything JSON.
        let v = compile(
            &m,
            validator(true, false),
            &[ag::Model {
                schema: None,
                ..model("M", "")
            }],
        );
        assert_eq!(v.check(&body_request(None, "[1]")), Ok(()));
    }

    #[test]
    fn any_body_is_answered() {
        let m = method(&[], &[("application/json", "testSchema")]);
        let v = compile(&m, validator(true, false), &[ab_model()]);
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        for body in ["null", "1e400", "-0", "\"\\ud800\"", "{\"a\":1,\"a\":2}", deep.as_str()] {
            let _ = v.check(&body_request(None, body));
        }
        let mut ctx = body_request(None, "");
        ctx.body = bytes::Bytes::from_static(&[0xff, 0xfe, b'{']);
        assert!(v.check(&ctx).is_err());
    }

    #[test]
    fn validations_are_shared_across_requests() {
        fn shared<T: Send + Sync>() {}
        shared::<Validation>();
    }
}

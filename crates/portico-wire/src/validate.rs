//! Checks an input document against the model's shape table before it is decoded, as AWS
//! does: first the JSON types (`SerializationException`, the first mismatch, worded like
//! AWS's Java deserializer), then the constraints (`ValidationException`, every problem,
//! counted and joined with `; `).
//!
//! Order and naming follow AWS's record: body members first, in the model's member order,
//! named from the input (`createRestApiInput.endpointConfiguration.types`, list elements
//! `patchOperations.1.member.op`), then the members bound to the path, query and headers,
//! named bare (`statusCode`). A list or map of scalars is judged whole (`Value '[wrong]'
//! ... Member must satisfy constraint: [...]`). The walk visits only what the document
//! holds and allocates only to word a problem.

use crate::error::AwsError;
use crate::spec::{Bounds, Location, OperationSpec, Shape, ShapeKind};
use serde_json::{Map, Value};
use std::fmt::Write;

/// Runs every check on `doc`, the input document of `spec`.
pub(crate) fn check(spec: &OperationSpec, doc: &Map<String, Value>) -> Result<(), AwsError> {
    let mut walk = Walk {
        null_templates: spec.service == crate::Service::ApiGateway,
        ..Walk::default()
    };
    let root = Path {
        parent: None,
        step: Step::Name(spec.input_name),
    };
    for body in [true, false] {
        for member in spec.input.iter().filter(|m| (m.location == Location::Body) == body) {
            let Some(value) = doc.get(member.key).filter(|v| !v.is_null()) else {
                continue;
            };
            let path = Path {
                parent: body.then_some(&root),
                step: Step::Name(member.name),
            };
            walk.value(member.shape, value, &path)?;
        }
    }
    // Kept as Portico always answered it, ahead of the constraint problems.
    for member in spec.input.iter().filter(|m| m.required) {
        if doc.get(member.key).is_none_or(Value::is_null) {
            return Err(AwsError::bad_request(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                member.wire
            )));
        }
    }
    match walk.problems.len() {
        0 => Ok(()),
        1 => Err(AwsError::validation(format!(
            "1 validation error detected: {}",
            walk.problems[0]
        ))),
        n => Err(AwsError::validation(format!(
            "{n} validation errors detected: {}",
            walk.problems.join("; ")
        ))),
    }
}

#[derive(Clone, Copy)]
enum Step<'a> {
    Name(&'a str),
    /// A list element: `.1.member` (AWS counts from 1).
    Index(usize),
    /// A map value: `.key.member`.
    Key(&'a str),
}

/// Where a value sits, kept on the stack and written out only for a message.
struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    step: Step<'a>,
}

impl Path<'_> {
    fn write(&self, out: &mut String) {
        if let Some(parent) = self.parent {
            parent.write(out);
            out.push('.');
        }
        match self.step {
            Step::Name(name) => out.push_str(name),
            Step::Index(i) => {
                let _ = write!(out, "{}.member", i + 1);
            }
            Step::Key(key) => {
                out.push_str(key);
                out.push_str(".member");
            }
        }
    }
}

#[derive(Default)]
struct Walk {
    problems: Vec<String>,
    /// REST API template maps keep `null` values (`types::templates`), as AWS does.
    null_templates: bool,
}

impl Walk {
    fn problem(&mut self, value: Option<&Value>, path: &Path<'_>, constraint: &str) {
        let mut text = String::from("Value ");
        match value {
            None | Some(Value::Null) => text.push_str("null"),
            Some(v) => {
                text.push('\'');
                java_text(v, &mut text);
                text.push('\'');
            }
        }
        text.push_str(" at '");
        path.write(&mut text);
        text.push_str("' failed to satisfy constraint: ");
        text.push_str(constraint);
        self.problems.push(text);
    }

    fn value(&mut self, shape: &'static Shape, value: &Value, path: &Path<'_>) -> Result<(), AwsError> {
        type_check(shape, value)?;
        match &shape.kind {
            ShapeKind::List { member, length } => {
                let Value::Array(items) = value else {
                    unreachable!("type checked")
                };
                self.size(items.len(), *length, value, path);
                self.elements(
                    member,
                    items.iter().enumerate().map(|(i, v)| (Step::Index(i), v)),
                    value,
                    path,
                    "Member",
                )?;
            }
            ShapeKind::Map {
                key,
                value: value_shape,
                length,
            } => {
                let Value::Object(entries) = value else {
                    unreachable!("type checked")
                };
                self.size(entries.len(), *length, value, path);
                if entries.keys().any(|k| text_fails(key, k)) {
                    let all = describe(key);
                    self.problem(Some(value), path, &format!("Map keys must satisfy constraint: [{all}]"));
                }
                let nullable =
                    self.null_templates && matches!(path.step, Step::Name("requestTemplates" | "responseTemplates"));
                self.elements(
                    value_shape,
                    entries
                        .iter()
                        .filter(|(_, v)| !(nullable && v.is_null()))
                        .map(|(k, v)| (Step::Key(k), v)),
                    value,
                    path,
                    "Map value",
                )?;
            }
            ShapeKind::Structure { members } => {
                let Value::Object(fields) = value else {
                    unreachable!("type checked")
                };
                for member in *members {
                    let member_path = Path {
                        parent: Some(path),
                        step: Step::Name(member.name),
                    };
                    match fields.get(member.key).filter(|v| !v.is_null()) {
                        Some(v) => self.value(member.shape, v, &member_path)?,
                        None if member.required => self.problem(None, &member_path, "Member must not be null"),
                        None => {}
                    }
                }
            }
            _ => {
                let mut failed = Vec::new();
                scalar_failures(shape, value, &mut failed);
                if failed.is_empty() {
                    return Ok(());
                }
                // Java prints a blob as its buffer, not its bytes.
                let shown = match (&shape.kind, value) {
                    (ShapeKind::Blob { .. }, Value::String(b64)) => {
                        let n = decoded_len(b64);
                        Value::String(format!("java.nio.HeapByteBuffer[pos=0 lim={n} cap={n}]"))
                    }
                    _ => value.clone(),
                };
                for constraint in failed {
                    self.problem(Some(&shown), path, &constraint);
                }
            }
        }
        Ok(())
    }

    /// The elements of a list or the values of a map: scalars judged together, the rest one by one.
    fn elements<'v>(
        &mut self,
        shape: &'static Shape,
        items: impl Iterator<Item = (Step<'v>, &'v Value)> + Clone,
        whole: &Value,
        path: &Path<'_>,
        what: &str,
    ) -> Result<(), AwsError> {
        if is_scalar(shape) {
            let mut failed = false;
            for (step, item) in items {
                if item.is_null() {
                    let item_path = Path {
                        parent: Some(path),
                        step,
                    };
                    self.problem(None, &item_path, "Member must not be null");
                    continue;
                }
                type_check(shape, item)?;
                failed |= fails(shape, item);
            }
            if failed {
                let all = describe(shape);
                self.problem(Some(whole), path, &format!("{what} must satisfy constraint: [{all}]"));
            }
            return Ok(());
        }
        for (step, item) in items {
            let item_path = Path {
                parent: Some(path),
                step,
            };
            match item {
                Value::Null => self.problem(None, &item_path, "Member must not be null"),
                item => self.value(shape, item, &item_path)?,
            }
        }
        Ok(())
    }

    fn size(&mut self, len: usize, bounds: Bounds, value: &Value, path: &Path<'_>) {
        let len = len as i64;
        if let Some(max) = bounds.max.filter(|max| len > *max) {
            self.problem(
                Some(value),
                path,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
        if let Some(min) = bounds.min.filter(|min| len < *min) {
            self.problem(
                Some(value),
                path,
                &format!("Member must have length greater than or equal to {min}"),
            );
        }
    }
}

fn is_scalar(shape: &Shape) -> bool {
    !matches!(
        shape.kind,
        ShapeKind::List { .. } | ShapeKind::Map { .. } | ShapeKind::Structure { .. }
    )
}

/// `SerializationException` when `value`'s JSON type cannot be the shape's; containers only
/// at their own level (their contents are checked as the walk reaches them).
fn type_check(shape: &Shape, value: &Value) -> Result<(), AwsError> {
    let target = match (&shape.kind, value) {
        (ShapeKind::String { .. }, Value::String(_))
        | (ShapeKind::Boolean, Value::Bool(_))
        | (ShapeKind::Double { .. }, Value::Number(_))
        | (ShapeKind::Timestamp, Value::Number(_) | Value::String(_))
        | (ShapeKind::Blob { .. }, Value::String(_))
        | (ShapeKind::List { .. }, Value::Array(_))
        | (ShapeKind::Map { .. } | ShapeKind::Structure { .. }, Value::Object(_)) => return Ok(()),
        (ShapeKind::Integer { .. } | ShapeKind::Long { .. }, Value::Number(n)) if n.is_i64() => return Ok(()),
        (ShapeKind::String { .. }, _) => "String",
        (ShapeKind::Integer { .. }, _) => "Integer",
        (ShapeKind::Long { .. }, _) => "Long",
        (ShapeKind::Double { .. }, _) => "Double",
        (ShapeKind::Boolean, _) => "Boolean",
        (ShapeKind::Timestamp, _) => "Date",
        (ShapeKind::Blob { .. }, _) => "ByteBuffer",
        (ShapeKind::List { .. }, _) => "List",
        (ShapeKind::Map { .. }, _) => "Map",
        (ShapeKind::Structure { .. }, _) => shape.name,
    };
    Err(AwsError::serialization(format!(
        "class {} can not be converted to an {target}",
        java_class(value)
    )))
}

/// The class AWS's deserializer names for a JSON value.
fn java_class(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "java.lang.Boolean",
        Value::Number(_) => "com.amazon.coral.value.json.numbers.TruncatingBigNumber",
        Value::String(_) => "java.lang.String",
        Value::Array(_) => "java.util.ArrayList",
        Value::Object(_) => "java.util.LinkedHashMap",
    }
}

/// A value as Java prints it in AWS's messages: `[a, b]`, `{k=v}`, strings unquoted.
fn java_text(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                java_text(item, out);
            }
            out.push(']');
        }
        Value::Object(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                java_text(v, out);
            }
            out.push('}');
        }
    }
}

/// Whether a (type-checked) scalar breaks any constraint of its shape, without wording it.
fn fails(shape: &Shape, value: &Value) -> bool {
    match (&shape.kind, value) {
        (ShapeKind::String { .. }, Value::String(text)) => text_fails(shape, text),
        (ShapeKind::Integer { range } | ShapeKind::Long { range }, Value::Number(n)) => {
            n.as_i64().is_some_and(|n| outside(n, *range))
        }
        (ShapeKind::Double { min, max }, Value::Number(n)) => n
            .as_f64()
            .is_some_and(|n| min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m)),
        (ShapeKind::Blob { length }, Value::String(b64)) => outside(decoded_len(b64), *length),
        _ => false,
    }
}

/// Whether a text breaks a constraint of its string shape (a map key).
fn text_fails(shape: &Shape, text: &str) -> bool {
    match &shape.kind {
        ShapeKind::String {
            enum_values,
            length,
            pattern,
        } => {
            (!enum_values.is_empty() && !enum_values.contains(&text))
                || outside(text.chars().count() as i64, *length)
                || pattern.is_some_and(|p| !p.is_match(text))
        }
        _ => false,
    }
}

fn outside(n: i64, bounds: Bounds) -> bool {
    bounds.min.is_some_and(|min| n < min) || bounds.max.is_some_and(|max| n > max)
}

/// Length of the bytes a base64 text stands for.
fn decoded_len(b64: &str) -> i64 {
    let padding = b64.bytes().rev().take_while(|b| *b == b'=').count();
    (b64.len() / 4 * 3) as i64 - padding.min(2) as i64
}

/// The constraints a scalar breaks, worded as AWS words them.
fn scalar_failures(shape: &Shape, value: &Value, out: &mut Vec<String>) {
    if !fails(shape, value) {
        return;
    }
    match (&shape.kind, value) {
        (
            ShapeKind::String {
                enum_values,
                length,
                pattern,
            },
            Value::String(text),
        ) => {
            if !enum_values.is_empty() && !enum_values.contains(&text.as_str()) {
                out.push(enum_constraint(enum_values));
            }
            length_failures(text.chars().count() as i64, *length, "length", out);
            if let Some(p) = pattern.filter(|p| !p.is_match(text)) {
                out.push(format!("Member must satisfy regular expression pattern: {}", p.source));
            }
        }
        (ShapeKind::Integer { range } | ShapeKind::Long { range }, Value::Number(n)) => {
            if let Some(n) = n.as_i64() {
                length_failures(n, *range, "value", out);
            }
        }
        (ShapeKind::Double { min, max }, Value::Number(n)) => {
            let n = n.as_f64().unwrap_or_default();
            if let Some(max) = max.filter(|max| n > *max) {
                out.push(format!("Member must have value less than or equal to {max}"));
            }
            if let Some(min) = min.filter(|min| n < *min) {
                out.push(format!("Member must have value greater than or equal to {min}"));
            }
        }
        (ShapeKind::Blob { length }, Value::String(b64)) => length_failures(decoded_len(b64), *length, "length", out),
        _ => {}
    }
}

fn length_failures(n: i64, bounds: Bounds, what: &str, out: &mut Vec<String>) {
    if let Some(max) = bounds.max.filter(|max| n > *max) {
        out.push(format!("Member must have {what} less than or equal to {max}"));
    }
    if let Some(min) = bounds.min.filter(|min| n < *min) {
        out.push(format!("Member must have {what} greater than or equal to {min}"));
    }
}

fn enum_constraint(values: &[&str]) -> String {
    format!("Member must satisfy enum value set: [{}]", values.join(", "))
}

/// Every constraint of a scalar shape, as AWS lists them for a list's members or a map's keys.
fn describe(shape: &Shape) -> String {
    let mut all: Vec<String> = Vec::new();
    let (bounds, what) = match &shape.kind {
        ShapeKind::String {
            enum_values, length, ..
        } => {
            if !enum_values.is_empty() {
                all.push(enum_constraint(enum_values));
            }
            (*length, "length")
        }
        ShapeKind::Integer { range } | ShapeKind::Long { range } => (*range, "value"),
        ShapeKind::Blob { length } => (*length, "length"),
        ShapeKind::Double { min, max } => {
            if let Some(max) = max {
                all.push(format!("Member must have value less than or equal to {max}"));
            }
            if let Some(min) = min {
                all.push(format!("Member must have value greater than or equal to {min}"));
            }
            (Bounds::default(), "value")
        }
        _ => (Bounds::default(), "value"),
    };
    if let Some(max) = bounds.max {
        all.push(format!("Member must have {what} less than or equal to {max}"));
    }
    if let Some(min) = bounds.min {
        all.push(format!("Member must have {what} greater than or equal to {min}"));
    }
    if let ShapeKind::String {
        pattern: Some(pattern), ..
    } = &shape.kind
    {
        all.push(format!(
            "Member must satisfy regular expression pattern: {}",
            pattern.source
        ));
    }
    all.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{RawRequest, input_document};
    use crate::router::Router;
    use crate::spec::{MemberSpec, Pattern, Ty};

    /// Routes and binds a request as the control plane does: Ok, or (code, message).
    type Answer = Result<(), (String, String)>;

    fn call(method: &str, target: &str, body: &str) -> Answer {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let matched = Router::new().route(method, path, query).expect("routed");
        let headers = http::HeaderMap::new();
        let raw = RawRequest {
            labels: &matched.labels,
            query,
            headers: &headers,
            body: body.as_bytes(),
        };
        input_document(matched.spec, &raw)
            .map(|_| ())
            .map_err(|e| (e.code.into_owned(), e.message))
    }

    const OPS: &str = "[add, remove, move, test, replace, copy]";
    const TYPES: &str = "Value '[wrong]' at 'createRestApiInput.endpointConfiguration.types' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [PRIVATE, EDGE, REGIONAL]]";
    const IP: &str = "Value 'wrong' at 'createRestApiInput.endpointConfiguration.ipAddressType' failed to satisfy constraint: Member must satisfy enum value set: [ipv4, dualstack]";
    const STATUS: &str = r"Value 'wrong' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [1-5]\d\d";
    const BOOL_TO_STRING: &str = "class java.lang.Boolean can not be converted to an String";
    const NUMBER_TO_STRING: &str =
        "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String";

    fn op_problem(input: &str, index: usize, value: &str) -> String {
        format!(
            "Value '{value}' at '{input}.patchOperations.{index}.member.op' failed to satisfy constraint: Member must satisfy enum value set: {OPS}"
        )
    }

    fn validation(n: usize, problems: &[&str]) -> Answer {
        let count = if n == 1 {
            "1 validation error detected".to_string()
        } else {
            format!("{n} validation errors detected")
        };
        Err((
            "ValidationException".into(),
            format!("{count}: {}", problems.join("; ")),
        ))
    }

    fn serialization(message: &str) -> Answer {
        Err(("SerializationException".into(), message.into()))
    }

    /// Requests recorded against AWS (LocalStack's `test_apigateway_api` snapshots) and the answer AWS gave.
    #[test]
    fn answers_on_record() {
        let integration = "/restapis/a/resources/r/methods/GET/integration";
        let method_response = "/restapis/a/resources/r/methods/GET/responses";
        let op1 = op_problem("updateMethodResponseInput", 1, "wrong_op");
        let op2 = op_problem("updateMethodResponseInput", 2, "wrong_op");
        let op3 = op_problem("updateMethodResponseInput", 3, "wrong_op");
        let op4 = op_problem("updateMethodResponseInput", 4, "wrong_op");
        let rest_op = |i| op_problem("updateRestApiInput", i, "wrong");
        let wrong_op =
            r#"{"op": "wrong_op", "path": "/responseParameters/method.response.header.my-header", "value": "true"}"#;
        let good_op =
            r#"{"op": "replace", "path": "/responseParameters/method.response.header.my-header", "value": "true"}"#;
        let gateway_types = "[REQUEST_TOO_LARGE, RESOURCE_NOT_FOUND, AUTHORIZER_CONFIGURATION_ERROR, MISSING_AUTHENTICATION_TOKEN, BAD_REQUEST_BODY, INVALID_SIGNATURE, INVALID_API_KEY, BAD_REQUEST_PARAMETERS, AUTHORIZER_FAILURE, UNAUTHORIZED, INTEGRATION_TIMEOUT, ACCESS_DENIED, DEFAULT_4XX, DEFAULT_5XX, WAF_FILTERED, QUOTA_EXCEEDED, THROTTLED, API_CONFIGURATION_ERROR, UNSUPPORTED_MEDIA_TYPE, INTEGRATION_FAILURE, EXPIRED_TOKEN]";
        let fake_type = format!(
            "Value 'FAKE_RESPONSE_TYPE' at 'responseType' failed to satisfy constraint: Member must satisfy enum value set: {gateway_types}"
        );
        let cases: Vec<(&str, String, String, Answer)> = vec![
            (
                "POST",
                "/restapis".into(),
                r#"{"name": "n", "endpointConfiguration": {"ipAddressType": "wrong", "types": ["EDGE"]}}"#.into(),
                validation(1, &[IP]),
            ),
            (
                "POST",
                "/restapis".into(),
                r#"{"name": "n", "endpointConfiguration": {"ipAddressType": "ipv4", "types": ["wrong"]}}"#.into(),
                validation(1, &[TYPES]),
            ),
            (
                "POST",
                "/restapis".into(),
                r#"{"name": "n", "endpointConfiguration": {"ipAddressType": "wrong", "types": ["wrong"]}}"#.into(),
                validation(2, &[TYPES, IP]),
            ),
            (
                "POST",
                "/restapis".into(),
                r#"{"name": "n", "endpointConfiguration": {"types": ["wrong"], "ipAddressType": "wrong"}}"#.into(),
                validation(2, &[TYPES, IP]),
            ),
            (
                "POST",
                "/restapis".into(),
                r#"{"name": "n", "description": "", "minimumCompressionSize": -1, "endpointConfiguration": {"ipAddressType": "wrong", "types": ["wrong"]}}"#.into(),
                validation(2, &[TYPES, IP]),
            ),
            (
                "POST",
                "/restapis".into(),
                r#"{"name": "n", "description": "", "minimumCompressionSize": -1, "endpointConfiguration": {"ipAddressType": "ipv4", "types": ["EDGE"]}}"#.into(),
                Ok(()),
            ),
            (
                "POST",
                "/restapis".into(),
                r#"{"name": "n", "endpointConfiguration": {"types": []}}"#.into(),
                Ok(()),
            ),
            (
                "PATCH",
                "/restapis/a".into(),
                r#"{"patchOperations": [{"op": "wrong", "path": "/ipAddressType"}, {"op": "wrong", "path": "/x"}]}"#.into(),
                validation(2, &[&rest_op(1), &rest_op(2)]),
            ),
            (
                "PATCH",
                "/restapis/a".into(),
                r#"{"patchOperations": [{"op": "wrong"}, {"op": "wrong"}, {"op": "wrong"}]}"#.into(),
                validation(3, &[&rest_op(1), &rest_op(2), &rest_op(3)]),
            ),
            (
                "PATCH",
                format!("{method_response}/200"),
                format!(r#"{{"patchOperations": [{wrong_op}]}}"#),
                validation(1, &[&op1]),
            ),
            (
                "PATCH",
                format!("{method_response}/200"),
                format!(r#"{{"patchOperations": [{wrong_op}, {wrong_op}]}}"#),
                validation(2, &[&op1, &op2]),
            ),
            (
                "PATCH",
                format!("{method_response}/200"),
                format!(r#"{{"patchOperations": [{wrong_op}, {wrong_op}, {wrong_op}, {wrong_op}]}}"#),
                validation(4, &[&op1, &op2, &op3, &op4]),
            ),
            (
                "PATCH",
                format!("{method_response}/200"),
                format!(r#"{{"patchOperations": [{wrong_op}, {good_op}, {wrong_op}]}}"#),
                validation(2, &[&op1, &op3]),
            ),
            (
                "PATCH",
                format!("{method_response}/wrong"),
                format!(r#"{{"patchOperations": [{good_op}]}}"#),
                validation(1, &[STATUS]),
            ),
            (
                "PATCH",
                format!("{method_response}/wrong"),
                format!(r#"{{"patchOperations": [{wrong_op}]}}"#),
                validation(2, &[&op1, STATUS]),
            ),
            (
                "PATCH",
                "/restapis/a/gatewayresponses/DEFAULT_4XX".into(),
                r#"{"patchOperations": [{"op": "wrong-op", "path": "/statusCode", "value": "444"}]}"#.into(),
                validation(1, &[&op_problem("updateGatewayResponseInput", 1, "wrong-op")]),
            ),
            (
                "PUT",
                format!("{integration}/responses/200"),
                r#"{"responseTemplates": {"application/json": null}, "selectionPattern": ""}"#.into(),
                Ok(()),
            ),
            (
                "PUT",
                format!("{integration}/responses/wrong"),
                r#"{"responseTemplates": {"application/json": "\"created\""}, "selectionPattern": ""}"#.into(),
                validation(1, &[STATUS]),
            ),
            ("GET", format!("{integration}/responses/wrong"), String::new(), validation(1, &[STATUS])),
            (
                "GET",
                "/restapis/a/gatewayresponses/FAKE_RESPONSE_TYPE".into(),
                String::new(),
                validation(1, &[&fake_type]),
            ),
            (
                "DELETE",
                "/restapis/a/gatewayresponses/FAKE_RESPONSE_TYPE".into(),
                String::new(),
                validation(1, &[&fake_type]),
            ),
            (
                "PATCH",
                "/restapis/a/gatewayresponses/FAKE_RESPONSE_TYPE".into(),
                r#"{"patchOperations": []}"#.into(),
                validation(1, &[&fake_type]),
            ),
            (
                "PUT",
                "/restapis/a/gatewayresponses/FAKE_RESPONSE_TYPE".into(),
                r#"{"statusCode": "404", "responseParameters": {}, "responseTemplates": {}}"#.into(),
                validation(1, &[&fake_type]),
            ),
            (
                "PUT",
                integration.into(),
                r#"{"type": "HTTPS_PROXY"}"#.into(),
                validation(1, &["Value 'HTTPS_PROXY' at 'putIntegrationInput.type' failed to satisfy constraint: Member must satisfy enum value set: [HTTP, MOCK, AWS_PROXY, HTTP_PROXY, AWS]"]),
            ),
            (
                "POST",
                "/restapis/a/documentation/parts".into(),
                r#"{"location": {"type": "INVALID"}, "properties": "{\"description\": \"x\"}"}"#.into(),
                validation(1, &["Value 'INVALID' at 'createDocumentationPartInput.location.type' failed to satisfy constraint: Member must satisfy enum value set: [RESPONSE_BODY, RESPONSE, METHOD, MODEL, AUTHORIZER, RESPONSE_HEADER, RESOURCE, PATH_PARAMETER, REQUEST_BODY, QUERY_PARAMETER, API, REQUEST_HEADER]"]),
            ),
            (
                "PUT",
                "/restapis/a/resources/r/methods/GET".into(),
                r#"{"authorizationType": "NONE", "requestParameters": {"method.request.path.testPath": true}}"#.into(),
                Ok(()),
            ),
            (
                "PUT",
                integration.into(),
                r#"{"type": "HTTP_PROXY", "requestParameters": {"true": true}}"#.into(),
                serialization(BOOL_TO_STRING),
            ),
            (
                "PUT",
                integration.into(),
                r#"{"type": "HTTP_PROXY", "requestParameters": {"integration.request.path.testPath": true}}"#.into(),
                serialization(BOOL_TO_STRING),
            ),
            (
                "PUT",
                format!("{integration}/responses/200"),
                r#"{"selectionPattern": "", "responseTemplates": {"application/json": 123}}"#.into(),
                serialization(NUMBER_TO_STRING),
            ),
            (
                "PUT",
                format!("{integration}/responses/200"),
                r#"{"selectionPattern": "", "responseTemplates": {"123": "{\"statusCode\": 200}"}}"#.into(),
                Ok(()),
            ),
        ];
        for (method, target, body, want) in cases {
            assert_eq!(call(method, &target, &body), want, "{method} {target} {body}");
        }
    }

    /// Cases AWS's record does not cover, answered in the same pattern.
    #[test]
    fn answers_in_the_same_pattern() {
        let cases: Vec<(&str, &str, &str, Answer)> = vec![
            (
                "POST",
                "/restapis",
                r#"{"name": "n", "endpointConfiguration": []}"#,
                serialization("class java.util.ArrayList can not be converted to an EndpointConfiguration"),
            ),
            (
                "POST",
                "/restapis",
                r#"{"name": "n", "endpointConfiguration": "EDGE"}"#,
                serialization("class java.lang.String can not be converted to an EndpointConfiguration"),
            ),
            ("POST", "/restapis", r#"{"name": 42}"#, serialization(NUMBER_TO_STRING)),
            ("POST", "/restapis", r#"{"name": true}"#, serialization(BOOL_TO_STRING)),
            (
                "POST",
                "/restapis",
                r#"{"name": "n", "minimumCompressionSize": "10"}"#,
                serialization("class java.lang.String can not be converted to an Integer"),
            ),
            (
                "POST",
                "/restapis",
                r#"{"name": "n", "minimumCompressionSize": 1.5}"#,
                serialization(
                    "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an Integer",
                ),
            ),
            (
                "POST",
                "/restapis",
                r#"{"name": "n", "disableExecuteApiEndpoint": "true"}"#,
                serialization("class java.lang.String can not be converted to an Boolean"),
            ),
            (
                "POST",
                "/restapis",
                r#"{"name": "n", "tags": ["a"]}"#,
                serialization("class java.util.ArrayList can not be converted to an Map"),
            ),
            (
                "POST",
                "/restapis",
                r#"{"name": "n", "binaryMediaTypes": {"a": "b"}}"#,
                serialization("class java.util.LinkedHashMap can not be converted to an List"),
            ),
            (
                "POST",
                "/restapis",
                r#"{"name": "n", "binaryMediaTypes": [1]}"#,
                serialization(NUMBER_TO_STRING),
            ),
            // The type is judged before anything else, a missing required member included.
            ("POST", "/restapis", r#"{"description": 5}"#, serialization(NUMBER_TO_STRING)),
            ("POST", "/restapis", r#"{"name": null}"#, Err(("BadRequestException".into(), "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null".into()))),
            ("POST", "/restapis", r#"{"name": "n", "description": null}"#, Ok(())),
            (
                "POST",
                "/restapis/a/documentation/parts",
                r#"{"location": {}, "properties": "{}"}"#,
                validation(1, &["Value null at 'createDocumentationPartInput.location.type' failed to satisfy constraint: Member must not be null"]),
            ),
            (
                "PATCH",
                "/restapis/a",
                r#"{"patchOperations": [null]}"#,
                validation(1, &["Value null at 'updateRestApiInput.patchOperations.1.member' failed to satisfy constraint: Member must not be null"]),
            ),
            (
                "GET",
                "/restapis/a/documentation/parts?type=BOGUS",
                "",
                validation(1, &["Value 'BOGUS' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [RESPONSE_BODY, RESPONSE, METHOD, MODEL, AUTHORIZER, RESPONSE_HEADER, RESOURCE, PATH_PARAMETER, REQUEST_BODY, QUERY_PARAMETER, API, REQUEST_HEADER]"]),
            ),
            (
                "GET",
                "/v2/domainnames/d.example.com/routingrules?maxResults=0",
                "",
                validation(1, &["Value '0' at 'MaxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"]),
            ),
            (
                "POST",
                "/v2/apis/a/integrations",
                r#"{"integrationType": "HTTP_PROXY", "timeoutInMillis": 40000}"#,
                validation(1, &["Value '40000' at 'createIntegrationInput.TimeoutInMillis' failed to satisfy constraint: Member must have value less than or equal to 30000"]),
            ),
            ("POST", "/v2/apis/a/integrations", r#"{"integrationType": "HTTP_PROXY", "timeoutInMillis": 30000}"#, Ok(())),
        ];
        for (method, target, body, want) in cases {
            assert_eq!(call(method, target, body), want, "{method} {target} {body}");
        }
    }

    #[test]
    fn blobs_are_measured_in_bytes_and_not_printed() {
        let big = "x".repeat(131_073);
        let err = call("POST", "/@connections/c1", &big).unwrap_err();
        assert_eq!(
            err,
            (
                "ValidationException".into(),
                "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=131073 cap=131073]' at 'postToConnectionInput.Data' failed to satisfy constraint: Member must have length less than or equal to 131072".into()
            )
        );
        assert_eq!(call("POST", "/@connections/c1", &big[1..]), Ok(()));
    }

    static NAME: Pattern = Pattern::new("^[a-z]+$");
    static KEY: Shape = Shape {
        name: "Key",
        kind: ShapeKind::String {
            enum_values: &[],
            length: Bounds {
                min: Some(1),
                max: Some(3),
            },
            pattern: Some(&NAME),
        },
    };
    static LEVEL: Shape = Shape {
        name: "Level",
        kind: ShapeKind::String {
            enum_values: &["INFO", "ERROR"],
            length: Bounds { min: None, max: None },
            pattern: None,
        },
    };
    static COUNT: Shape = Shape {
        name: "Count",
        kind: ShapeKind::Integer {
            range: Bounds {
                min: Some(0),
                max: Some(10),
            },
        },
    };
    static LEVELS: Shape = Shape {
        name: "Levels",
        kind: ShapeKind::Map {
            key: &KEY,
            value: &LEVEL,
            length: Bounds {
                min: None,
                max: Some(2),
            },
        },
    };
    static SETTING_MEMBERS: [MemberSpec; 2] = [
        MemberSpec {
            name: "level",
            key: "level",
            location: Location::Body,
            wire: "level",
            ty: Ty::String,
            required: true,
            enum_values: &["INFO", "ERROR"],
            shape: &LEVEL,
        },
        MemberSpec {
            name: "count",
            key: "count",
            location: Location::Body,
            wire: "count",
            ty: Ty::Integer,
            required: false,
            enum_values: &[],
            shape: &COUNT,
        },
    ];
    static SETTING: Shape = Shape {
        name: "Setting",
        kind: ShapeKind::Structure {
            members: &SETTING_MEMBERS,
        },
    };
    static SETTINGS: Shape = Shape {
        name: "Settings",
        kind: ShapeKind::Map {
            key: &KEY,
            value: &SETTING,
            length: Bounds { min: None, max: None },
        },
    };

    fn problems(shape: &'static Shape, value: serde_json::Value) -> Vec<String> {
        let mut walk = Walk::default();
        let root = Path {
            parent: None,
            step: Step::Name("in"),
        };
        walk.value(shape, &value, &root).unwrap();
        walk.problems
    }

    #[test]
    fn maps_judge_keys_and_values_as_aws_words_them() {
        use serde_json::json;
        assert_eq!(
            problems(&LEVELS, json!({"abcd": "INFO", "ok": "LOUD", "no": "ERROR"})),
            [
                "Value '{abcd=INFO, no=ERROR, ok=LOUD}' at 'in' failed to satisfy constraint: Member must have length less than or equal to 2",
                "Value '{abcd=INFO, no=ERROR, ok=LOUD}' at 'in' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 3, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ^[a-z]+$]",
                "Value '{abcd=INFO, no=ERROR, ok=LOUD}' at 'in' failed to satisfy constraint: Map value must satisfy constraint: [Member must satisfy enum value set: [INFO, ERROR]]",
            ]
        );
        assert!(problems(&LEVELS, json!({"ok": "INFO"})).is_empty());
        assert_eq!(
            problems(
                &SETTINGS,
                json!({"get": {"count": 11}, "put": {"level": "INFO", "count": -1}})
            ),
            [
                "Value null at 'in.get.member.level' failed to satisfy constraint: Member must not be null",
                "Value '11' at 'in.get.member.count' failed to satisfy constraint: Member must have value less than or equal to 10",
                "Value '-1' at 'in.put.member.count' failed to satisfy constraint: Member must have value greater than or equal to 0",
            ]
        );
    }

    #[test]
    fn strings_are_measured_in_characters() {
        use serde_json::json;
        let nested = Path {
            parent: None,
            step: Step::Name("k"),
        };
        let mut walk = Walk::default();
        walk.value(&KEY, &json!("éé"), &nested).unwrap();
        assert_eq!(
            walk.problems,
            [
                "Value 'éé' at 'k' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z]+$"
            ]
        );
        assert_eq!(
            problems(&KEY, json!("")),
            [
                "Value '' at 'in' failed to satisfy constraint: Member must have length greater than or equal to 1",
                "Value '' at 'in' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z]+$",
            ]
        );
    }

    #[test]
    fn every_model_pattern_compiles() {
        for (_, shapes) in [
            ("apigateway", &crate::apigateway::SHAPES[..]),
            ("apigatewayv2", &crate::apigatewayv2::SHAPES[..]),
            ("apigatewaymanagementapi", &crate::apigatewaymanagementapi::SHAPES[..]),
            ("lambda", &crate::lambda::SHAPES[..]),
        ] {
            for shape in shapes {
                if let ShapeKind::String {
                    pattern: Some(pattern), ..
                } = &shape.kind
                {
                    let _ = pattern.compiled();
                }
            }
        }
    }
}

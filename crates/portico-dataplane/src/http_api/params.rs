//! Parameter mapping of HTTP API integrations ("Transform API requests and responses for HTTP
//! APIs in API Gateway"): `requestParameters` change the request sent to the backend,
//! `responseParameters` the backend's answer, per status code. Both are compiled once per
//! deployment: keys, reserved headers, expressions and JSONPaths are checked and parsed here,
//! and a request only evaluates them.
//!
//! Documented by AWS:
//! - request keys `append|overwrite|remove:header.{name}`, `append|overwrite|remove:querystring.{name}`,
//!   `overwrite:path`; response keys `append|overwrite|remove:header.{name}`,
//!   `overwrite:statuscode`, under a status code of 200-599;
//! - request values `$request.header.{name}` (names without case, several values joined by
//!   commas), `$request.querystring.{name}` (names with case, values joined by commas),
//!   `$request.body` and `$request.body.{JSONPath}` (no recursive descent, no filters; the
//!   body cut at 100 KB before a path is applied), `$request.path` (without the stage),
//!   `$request.path.{name}`, `$context.{name}` (only `.` and `_` as special characters),
//!   `$stageVariables.{name}` and static text; response values `$response.header.{name}`,
//!   `$response.body`, `$response.body.{JSONPath}`, `$context`, `$stageVariables`, text;
//! - `${...}` encloses a variable, so several combine in one value (`${request.path.a} ${request.path.b}`);
//! - the reserved headers, which no mapping may name (`RESERVED`).
//!
//! Inferred, and marked where decided: the order of operations on one name, how `append`
//! adds to a header already there, a variable with no value (empty text; an operation whose
//! value comes out empty is skipped), where an unbraced variable ends, `$` before anything
//! else being text, and the wording of errors past AWS's `Invalid mapping expression
//! specified` frame.

use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json_path::JsonPath;
use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};

/// What request-side expressions read.
pub struct Source<'a> {
    pub headers: &'a HeaderMap,
    /// Percent-encoded, as received.
    pub raw_query: &'a str,
    /// The request path, without the stage.
    pub path: &'a str,
    pub path_parameters: &'a [(String, String)],
    /// Parsed as JSON lazily, only if an expression needs it.
    pub body: &'a [u8],
    /// `$context.{name}`: "requestId" -> ...
    pub context: &'a dyn Fn(&str) -> Option<String>,
    pub stage_variables: &'a BTreeMap<String, String>,
}

/// What is sent to the backend: starts as the request's headers and (decoded) query.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    pub headers: HeaderMap,
    pub query: Vec<(String, String)>,
    /// A new path, when `overwrite:path` set one.
    pub path: Option<String>,
}

impl Outgoing {
    /// What is sent without mapping: the request's headers, and its query decoded as
    /// `$request.querystring` reads it.
    pub fn new(headers: HeaderMap, raw_query: &str) -> Outgoing {
        Outgoing {
            headers,
            query: form_urlencoded::parse(raw_query.as_bytes()).into_owned().collect(),
            path: None,
        }
    }

    /// The query encoded again, for a request whose query a mapping changed (one no mapping
    /// touched is better sent as received).
    pub fn encoded_query(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.query.iter())
            .finish()
    }
}

/// The request's parameter mappings, compiled.
#[derive(Debug, Clone, Default)]
pub struct RequestParameters {
    ops: Vec<Op>,
}

/// The response's parameter mappings by the backend's status code, compiled.
#[derive(Debug, Clone, Default)]
pub struct ResponseParameters {
    by_status: HashMap<u16, ResponseMapping>,
}

#[derive(Debug, Clone, Default)]
struct ResponseMapping {
    ops: Vec<Op>,
    status: Option<Value>,
}

/// Headers no mapping may name, as AWS lists them (`*` ends a prefix).
const RESERVED: [&str; 23] = [
    "access-control-*",
    "apigw-*",
    "authorization",
    "connection",
    "content-encoding",
    "content-length",
    "content-location",
    "forwarded",
    "keep-alive",
    "origin",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "x-amz-*",
    "x-amzn-*",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "via",
    // `Trailer` is the header's real name; AWS's list spells it `Trailers`.
    "trailer",
];

/// AWS's frame for every refused mapping.
fn invalid(detail: impl std::fmt::Display) -> String {
    format!("Invalid mapping expression specified: Validation Result: warnings : [], errors : [{detail}]")
}

/// How each JSON body expression reads at most (documented: "truncates the request body at 100 KB").
const BODY_PATH_LIMIT: usize = 100 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    // Declared in the order they run on one name (inferred): a remove never undoes an
    // overwrite or append of the same mapping, and an append adds to an overwrite.
    Remove,
    Overwrite,
    Append,
}

#[derive(Debug, Clone)]
enum Target {
    Header(HeaderName),
    Query(String),
    Path,
}

#[derive(Debug, Clone)]
struct Op {
    action: Action,
    target: Target,
    /// `None` for `remove`, whose value AWS does not read.
    value: Option<Value>,
}

/// A mapping value: text and variables, concatenated.
#[derive(Debug, Clone)]
struct Value(Vec<Part>);

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Var(Var),
}

#[derive(Debug, Clone)]
enum Var {
    RequestHeader(HeaderName),
    RequestQuery(String),
    RequestBody(Option<Selection>),
    RequestPath,
    RequestPathParameter(String),
    ResponseHeader(HeaderName),
    ResponseBody(Option<Selection>),
    Context(String),
    StageVariable(String),
}

/// A compiled `$…body.{JSONPath}`.
#[derive(Debug, Clone)]
struct Selection {
    path: JsonPath,
    /// A path naming one place answers that value; one with wildcards, slices or unions
    /// answers the array of every match.
    definite: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
}

fn action(text: &str, key: &str) -> Result<Action, String> {
    match text {
        "append" => Ok(Action::Append),
        "overwrite" => Ok(Action::Overwrite),
        "remove" => Ok(Action::Remove),
        _ => Err(invalid(format_args!("Invalid mapping action in {key}"))),
    }
}

/// `header.{name}` of a key: a valid name that is not reserved.
fn header_target(name: &str, key: &str) -> Result<Target, String> {
    let lower = name.to_ascii_lowercase();
    let reserved = RESERVED.iter().any(|r| match r.strip_suffix('*') {
        Some(prefix) => lower.starts_with(prefix),
        None => lower == *r,
    });
    if reserved {
        return Err(invalid(format_args!("Operations on header {name} are restricted")));
    }
    HeaderName::from_bytes(name.as_bytes())
        .map(Target::Header)
        .map_err(|_| invalid(format_args!("Invalid header name in {key}")))
}

impl RequestParameters {
    pub fn compile(map: &BTreeMap<String, String>) -> Result<RequestParameters, String> {
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort();
        let mut ops = Vec::with_capacity(map.len());
        for key in keys {
            let (verb, target) = key
                .split_once(':')
                .ok_or_else(|| invalid(format_args!("Invalid mapping key {key}")))?;
            let action = action(verb, key)?;
            let target = if let Some(name) = target.strip_prefix("header.") {
                header_target(name, key)?
            } else if let Some(name) = target.strip_prefix("querystring.") {
                if name.is_empty() {
                    return Err(invalid(format_args!("Invalid query string name in {key}")));
                }
                Target::Query(name.to_owned())
            } else if target == "path" && action == Action::Overwrite {
                Target::Path
            } else {
                return Err(invalid(format_args!("Invalid mapping key {key}")));
            };
            let value = match action {
                Action::Remove => None,
                _ => Some(Value::compile(&map[key], Side::Request)?),
            };
            ops.push(Op { action, target, value });
        }
        ops.sort_by_key(|op| op.action);
        Ok(RequestParameters { ops })
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// `out` starts as what would be sent without mapping (the request's headers and query).
    pub fn apply(&self, source: &Source<'_>, out: &mut Outgoing) {
        let reader = Reader::request(source);
        for op in &self.ops {
            let value = op.value.as_ref().map(|v| v.evaluate(&reader));
            // Inferred: a value that comes out empty (its variables missing) sets nothing.
            if op.action != Action::Remove && value.as_deref().is_none_or(str::is_empty) {
                continue;
            }
            let value = value.unwrap_or_default();
            match &op.target {
                Target::Header(name) => apply_header(&mut out.headers, op.action, name, &value),
                Target::Query(name) => {
                    if op.action != Action::Append {
                        out.query.retain(|(n, _)| n != name);
                    }
                    if op.action != Action::Remove {
                        out.query.push((name.clone(), value));
                    }
                }
                Target::Path => out.path = Some(value),
            }
        }
    }
}

fn apply_header(headers: &mut HeaderMap, action: Action, name: &HeaderName, value: &str) {
    match action {
        Action::Remove => {
            headers.remove(name);
        }
        Action::Overwrite => {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name.clone(), value);
            }
        }
        Action::Append => {
            // Inferred: appended to the values already there with a comma, as API Gateway
            // itself combines several values of one header.
            let joined = match joined_header(headers, name) {
                Some(existing) => format!("{existing},{value}"),
                None => value.to_owned(),
            };
            if let Ok(value) = HeaderValue::from_str(&joined) {
                headers.insert(name.clone(), value);
            }
        }
    }
}

/// Every value of a header joined by commas, as `$…header.{name}` reads it.
fn joined_header(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let values: Vec<&str> = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
    (!values.is_empty()).then(|| values.join(","))
}

impl ResponseParameters {
    pub fn compile(map: &BTreeMap<String, BTreeMap<String, String>>) -> Result<ResponseParameters, String> {
        let mut by_status = HashMap::with_capacity(map.len());
        for (status, mappings) in map {
            let code = status
                .parse::<u16>()
                .ok()
                .filter(|code| (200..=599).contains(code))
                .ok_or_else(|| invalid(format_args!("Invalid status code {status}: it must be within 200-599")))?;
            let mut compiled = ResponseMapping::default();
            let mut keys: Vec<&String> = mappings.keys().collect();
            keys.sort();
            for key in keys {
                let value = &mappings[key];
                if key == "overwrite:statuscode" {
                    let status = Value::compile(value, Side::Response)?;
                    if let Some(text) = status.as_static()
                        && parse_status(&text).is_none()
                    {
                        return Err(invalid(format_args!("Invalid status code {text}")));
                    }
                    compiled.status = Some(status);
                    continue;
                }
                let (verb, target) = key
                    .split_once(':')
                    .ok_or_else(|| invalid(format_args!("Invalid Response Actioned Parameter {key}")))?;
                let action = action(verb, key)?;
                let Some(name) = target.strip_prefix("header.") else {
                    return Err(invalid(format_args!("Invalid Response Actioned Parameter {key}")));
                };
                let target = header_target(name, key)?;
                let value = match action {
                    Action::Remove => None,
                    _ => Some(Value::compile(value, Side::Response)?),
                };
                compiled.ops.push(Op { action, target, value });
            }
            compiled.ops.sort_by_key(|op| op.action);
            by_status.insert(code, compiled);
        }
        Ok(ResponseParameters { by_status })
    }

    pub fn is_empty(&self) -> bool {
        self.by_status.is_empty()
    }

    /// The mapping for the backend's `status` (if any) applied to the answer's headers;
    /// returns the status to answer with. `body` is the backend's answer body.
    pub fn apply(&self, status: u16, headers: &mut HeaderMap, body: &[u8], source: &Source<'_>) -> u16 {
        let Some(mapping) = self.by_status.get(&status) else {
            return status;
        };
        // Values read the backend's answer as it came, whatever the other mappings change.
        let original = headers.clone();
        let reader = Reader::response(source, &original, body);
        for op in &mapping.ops {
            let value = op.value.as_ref().map(|v| v.evaluate(&reader));
            if op.action != Action::Remove && value.as_deref().is_none_or(str::is_empty) {
                continue;
            }
            if let Target::Header(name) = &op.target {
                apply_header(headers, op.action, name, &value.unwrap_or_default());
            }
        }
        // Inferred: a status that does not evaluate to a code leaves the backend's.
        mapping
            .status
            .as_ref()
            .and_then(|s| parse_status(&s.evaluate(&reader)))
            .unwrap_or(status)
    }
}

fn parse_status(text: &str) -> Option<u16> {
    text.trim()
        .parse::<u16>()
        .ok()
        .filter(|code| (100..=599).contains(code))
}

/// Characters of a variable's name when it is not enclosed in `${…}` (inferred: letters,
/// digits, `-`, `_` and `.`; any other name needs the braces).
fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

impl Value {
    fn compile(text: &str, side: Side) -> Result<Value, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            literal.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            if let Some(braced) = after.strip_prefix('{') {
                let end = braced
                    .find('}')
                    .ok_or_else(|| invalid(format_args!("Invalid mapping expression specified: {text}")))?;
                let var = Var::compile(&braced[..end], side)?
                    .ok_or_else(|| invalid(format_args!("Invalid mapping expression specified: {text}")))?;
                push_var(&mut parts, &mut literal, var);
                rest = &braced[end + 1..];
                continue;
            }
            let mut end = after.find(|c: char| !name_char(c)).unwrap_or(after.len());
            let word = &after[..end];
            // A JSONPath runs on through brackets and quotes, to a blank or another variable.
            if word.starts_with("request.body.") || word.starts_with("response.body.") {
                end = after
                    .find(|c: char| c.is_whitespace() || c == '$')
                    .unwrap_or(after.len());
            }
            let word = after[..end].trim_end_matches('.');
            match Var::compile(word, side)? {
                Some(var) => {
                    push_var(&mut parts, &mut literal, var);
                    rest = &after[word.len()..];
                }
                // Inferred: a `$` before no known source is text.
                None => {
                    literal.push('$');
                    rest = after;
                }
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Value(parts))
    }

    /// The value's text when it holds no variable.
    fn as_static(&self) -> Option<String> {
        self.0
            .iter()
            .map(|p| match p {
                Part::Text(t) => Some(t.as_str()),
                Part::Var(_) => None,
            })
            .collect()
    }

    fn evaluate(&self, reader: &Reader<'_>) -> String {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Var(var) => {
                    if let Some(value) = reader.read(var) {
                        out.push_str(&value);
                    }
                }
            }
        }
        out
    }
}

fn push_var(parts: &mut Vec<Part>, literal: &mut String, var: Var) {
    if !literal.is_empty() {
        parts.push(Part::Text(std::mem::take(literal)));
    }
    parts.push(Part::Var(var));
}

impl Var {
    /// The variable an expression (without its `$`) names; `None` when it names no source
    /// at all, an error when it names a source wrongly or one this side cannot read.
    fn compile(expr: &str, side: Side) -> Result<Option<Var>, String> {
        let bad = || invalid(format_args!("Invalid mapping expression specified: ${expr}"));
        let (source, rest) = match expr.split_once('.') {
            Some((source, rest)) => (source, Some(rest)),
            None => (expr, None),
        };
        let header = |name: &str| HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad());
        let named = |name: Option<&str>| match name {
            Some(name) if !name.is_empty() => Ok(name.to_owned()),
            _ => Err(bad()),
        };
        let var = match (source, side) {
            ("request", Side::Request) => {
                let rest = rest.ok_or_else(bad)?;
                let (what, name) = match rest.split_once('.') {
                    Some((what, name)) => (what, Some(name)),
                    None => (rest, None),
                };
                match (what, name) {
                    ("header", Some(name)) => Var::RequestHeader(header(name)?),
                    ("querystring", name) => Var::RequestQuery(named(name)?),
                    ("body", None) => Var::RequestBody(None),
                    ("body", Some(path)) => Var::RequestBody(Some(Selection::compile(path).map_err(|_| bad())?)),
                    ("path", None) => Var::RequestPath,
                    ("path", Some(name)) => Var::RequestPathParameter(named(Some(name))?),
                    _ => return Err(bad()),
                }
            }
            ("response", Side::Response) => {
                let rest = rest.ok_or_else(bad)?;
                let (what, name) = match rest.split_once('.') {
                    Some((what, name)) => (what, Some(name)),
                    None => (rest, None),
                };
                match (what, name) {
                    ("header", Some(name)) => Var::ResponseHeader(header(name)?),
                    ("body", None) => Var::ResponseBody(None),
                    ("body", Some(path)) => Var::ResponseBody(Some(Selection::compile(path).map_err(|_| bad())?)),
                    _ => return Err(bad()),
                }
            }
            ("request" | "response", _) => return Err(bad()),
            ("context", _) => {
                let name = named(rest)?;
                // Documented: `.` and `_` are the only special characters of a context variable.
                if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_') {
                    return Err(bad());
                }
                Var::Context(name)
            }
            ("stageVariables", _) => {
                let name = named(rest)?;
                if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(bad());
                }
                Var::StageVariable(name)
            }
            _ => return Ok(None),
        };
        Ok(Some(var))
    }
}

impl Selection {
    fn compile(path: &str) -> Result<Selection, String> {
        // Documented as unsupported: recursive descent and filter expressions.
        if path.starts_with('.') || path.contains("..") || path.contains("?(") || path.contains("[?") {
            return Err("unsupported JSONPath".to_owned());
        }
        let text = if path.starts_with('[') {
            format!("${path}")
        } else {
            format!("$.{path}")
        };
        let parsed = JsonPath::parse(&text).map_err(|e| e.to_string())?;
        let definite = !(path.contains('*') || path.contains(':') || path.contains(','));
        Ok(Selection { path: parsed, definite })
    }

    fn select(&self, doc: &serde_json::Value) -> Option<String> {
        let nodes = self.path.query(doc);
        let value = if self.definite {
            nodes.first()?.clone()
        } else {
            serde_json::Value::Array(nodes.all().into_iter().cloned().collect())
        };
        Some(match value {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        })
    }
}

/// One request-side value expression compiled on its own (`$request.body.message`,
/// `${context.requestId}-x`, text), as AWS service integrations' parameters are.
#[derive(Debug, Clone)]
pub struct Expression(Value);

impl Expression {
    pub fn compile(text: &str) -> Result<Expression, String> {
        Value::compile(text, Side::Request).map(Expression)
    }
}

/// Evaluates expressions against one request; its body is parsed once for all of them.
pub struct Evaluator<'a>(Reader<'a>);

impl<'a> Evaluator<'a> {
    pub fn new(source: &'a Source<'a>) -> Evaluator<'a> {
        Evaluator(Reader::request(source))
    }

    pub fn evaluate(&self, expression: &Expression) -> String {
        expression.0.evaluate(&self.0)
    }
}

/// What a value's variables read, for one request or answer; bodies are parsed on first use.
struct Reader<'a> {
    source: &'a Source<'a>,
    query: OnceCell<Vec<(String, String)>>,
    request_json: OnceCell<Option<serde_json::Value>>,
    response: Option<(&'a HeaderMap, &'a [u8])>,
    response_json: OnceCell<Option<serde_json::Value>>,
}

impl<'a> Reader<'a> {
    fn request(source: &'a Source<'a>) -> Reader<'a> {
        Reader {
            source,
            query: OnceCell::new(),
            request_json: OnceCell::new(),
            response: None,
            response_json: OnceCell::new(),
        }
    }

    fn response(source: &'a Source<'a>, headers: &'a HeaderMap, body: &'a [u8]) -> Reader<'a> {
        Reader {
            response: Some((headers, body)),
            ..Reader::request(source)
        }
    }

    fn read(&self, var: &Var) -> Option<String> {
        let source = self.source;
        match var {
            Var::RequestHeader(name) => joined_header(source.headers, name),
            Var::RequestQuery(name) => {
                let query = self.query.get_or_init(|| {
                    form_urlencoded::parse(source.raw_query.as_bytes())
                        .into_owned()
                        .collect()
                });
                let values: Vec<&str> = query
                    .iter()
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v.as_str())
                    .collect();
                (!values.is_empty()).then(|| values.join(","))
            }
            Var::RequestBody(selection) => body_value(source.body, selection.as_ref(), &self.request_json),
            Var::RequestPath => Some(source.path.to_owned()),
            Var::RequestPathParameter(name) => source
                .path_parameters
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone()),
            Var::ResponseHeader(name) => joined_header(self.response?.0, name),
            Var::ResponseBody(selection) => body_value(self.response?.1, selection.as_ref(), &self.response_json),
            Var::Context(name) => (source.context)(name),
            Var::StageVariable(name) => source.stage_variables.get(name).cloned(),
        }
    }
}

fn body_value(
    body: &[u8],
    selection: Option<&Selection>,
    json: &OnceCell<Option<serde_json::Value>>,
) -> Option<String> {
    let Some(selection) = selection else {
        return Some(String::from_utf8_lossy(body).into_owned());
    };
    let doc = json.get_or_init(|| serde_json::from_slice(&body[..body.len().min(BODY_PATH_LIMIT)]).ok());
    selection.select(doc.as_ref()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut out = HeaderMap::new();
        for (name, value) in pairs {
            out.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        out
    }

    fn context(name: &str) -> Option<String> {
        match name {
            "requestId" => Some("req-1".to_owned()),
            "authorizer.claims.sub" => Some("user-7".to_owned()),
            _ => None,
        }
    }

    struct Request {
        headers: HeaderMap,
        raw_query: String,
        path: String,
        path_parameters: Vec<(String, String)>,
        body: Vec<u8>,
        stage_variables: BTreeMap<String, String>,
    }

    fn request() -> Request {
        Request {
            headers: headers(&[
                ("header1", "h1"),
                ("multi", "a"),
                ("multi", "b"),
                ("content-type", "application/json"),
            ]),
            raw_query: "q=1&list=x&list=y%20z&plus=a+b".to_owned(),
            path: "/pets/42".to_owned(),
            path_parameters: vec![("petId".to_owned(), "42".to_owned())],
            body: br#"{"name":"rex","tags":["a","b"],"owner":{"id":7}}"#.to_vec(),
            stage_variables: BTreeMap::from([("environmentId".to_owned(), "env-3".to_owned())]),
        }
    }

    fn outgoing(request: &Request) -> Outgoing {
        Outgoing::new(request.headers.clone(), &request.raw_query)
    }

    fn run(pairs: &[(&str, &str)], request: &Request) -> Outgoing {
        let compiled = RequestParameters::compile(&map(pairs)).unwrap();
        let mut out = outgoing(request);
        let source = Source {
            headers: &request.headers,
            raw_query: &request.raw_query,
            path: &request.path,
            path_parameters: &request.path_parameters,
            body: &request.body,
            context: &context,
            stage_variables: &request.stage_variables,
        };
        compiled.apply(&source, &mut out);
        out
    }

    fn query_of<'a>(out: &'a Outgoing, name: &str) -> Vec<&'a str> {
        out.query
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    #[test]
    fn docs_example_add_a_header_with_the_request_id() {
        let out = run(&[("append:header.header1", "$context.requestId")], &request());
        // header1 was already on the request: the request id is appended to it.
        assert_eq!(out.headers["header1"], "h1,req-1");
        let mut fresh = request();
        fresh.headers.remove("header1");
        let out = run(&[("append:header.header1", "$context.requestId")], &fresh);
        assert_eq!(out.headers["header1"], "req-1");
    }

    #[test]
    fn docs_example_rename_a_header() {
        let out = run(
            &[
                ("append:header.header2", "$request.header.header1"),
                ("remove:header.header1", "''"),
            ],
            &request(),
        );
        assert_eq!(out.headers["header2"], "h1");
        assert!(!out.headers.contains_key("header1"));
    }

    #[test]
    fn header_values_are_read_without_case_and_joined_by_commas() {
        let out = run(
            &[
                ("overwrite:header.x-one", "$request.header.HEADER1"),
                ("overwrite:header.x-multi", "${request.header.multi}"),
            ],
            &request(),
        );
        assert_eq!(out.headers["x-one"], "h1");
        assert_eq!(out.headers["x-multi"], "a,b");
    }

    #[test]
    fn overwrite_replaces_every_value_and_remove_takes_them_all() {
        let out = run(
            &[("overwrite:header.multi", "one"), ("remove:header.content-type", "")],
            &request(),
        );
        assert_eq!(out.headers.get_all("multi").iter().collect::<Vec<_>>(), ["one"]);
        assert!(!out.headers.contains_key("content-type"));
    }

    #[test]
    fn query_strings_append_overwrite_and_remove() {
        let out = run(
            &[
                ("append:querystring.q", "2"),
                ("overwrite:querystring.list", "$request.querystring.list"),
                ("remove:querystring.plus", ""),
                ("append:querystring.new", "${request.path.petId}"),
            ],
            &request(),
        );
        assert_eq!(query_of(&out, "q"), ["1", "2"]);
        // Several values read as one, joined by commas; names are case-sensitive.
        assert_eq!(query_of(&out, "list"), ["x,y z"]);
        assert!(query_of(&out, "plus").is_empty());
        assert_eq!(query_of(&out, "new"), ["42"]);
        let out = run(
            &[("overwrite:querystring.LIST", "$request.querystring.LIST")],
            &request(),
        );
        assert!(query_of(&out, "LIST").is_empty(), "no value: nothing set");
        let out = run(
            &[("remove:querystring.list", ""), ("append:querystring.s", "a b&c")],
            &request(),
        );
        assert_eq!(out.encoded_query(), "q=1&plus=a+b&s=a+b%26c");
    }

    #[test]
    fn the_path_is_overwritten_from_path_parameters_and_text() {
        let out = run(&[("overwrite:path", "/v2/animals/${request.path.petId}")], &request());
        assert_eq!(out.path.as_deref(), Some("/v2/animals/42"));
        let out = run(&[("overwrite:path", "$request.path")], &request());
        assert_eq!(out.path.as_deref(), Some("/pets/42"));
        assert_eq!(run(&[], &request()).path, None);
    }

    #[test]
    fn body_values_whole_and_by_json_path() {
        let out = run(
            &[
                ("overwrite:header.x-name", "$request.body.name"),
                ("overwrite:header.x-owner", "$request.body.owner"),
                ("overwrite:header.x-tag", "$request.body.tags[1]"),
                ("overwrite:header.x-tags", "${request.body.tags[*]}"),
                ("overwrite:header.x-id", "id=${request.body.owner.id}"),
                ("overwrite:querystring.body", "$request.body"),
                ("overwrite:header.x-missing", "$request.body.nope"),
            ],
            &request(),
        );
        assert_eq!(out.headers["x-name"], "rex");
        assert_eq!(out.headers["x-owner"], r#"{"id":7}"#);
        assert_eq!(out.headers["x-tag"], "b");
        assert_eq!(out.headers["x-tags"], r#"["a","b"]"#);
        assert_eq!(out.headers["x-id"], "id=7");
        assert_eq!(
            query_of(&out, "body"),
            [r#"{"name":"rex","tags":["a","b"],"owner":{"id":7}}"#]
        );
        assert!(!out.headers.contains_key("x-missing"));
    }

    #[test]
    fn json_paths_read_the_first_100_kb_only() {
        let mut big = request();
        big.body = format!(r#"{{"pad":"{}","name":"late"}}"#, "x".repeat(BODY_PATH_LIMIT)).into_bytes();
        let out = run(
            &[
                ("overwrite:header.x-name", "$request.body.name"),
                ("overwrite:header.x-len", "$request.body"),
            ],
            &big,
        );
        assert!(!out.headers.contains_key("x-name"));
        assert_eq!(out.headers["x-len"].len(), big.body.len());
    }

    #[test]
    fn the_body_is_parsed_only_when_an_expression_needs_it() {
        let mut broken = request();
        broken.body = b"not json".to_vec();
        let out = run(&[("overwrite:header.x-a", "$request.header.header1")], &broken);
        assert_eq!(out.headers["x-a"], "h1");
        let out = run(&[("overwrite:header.x-a", "$request.body.a")], &broken);
        assert!(!out.headers.contains_key("x-a"));
    }

    #[test]
    fn context_stage_variables_and_combined_text() {
        let out = run(
            &[
                ("overwrite:header.x-env", "$stageVariables.environmentId"),
                ("overwrite:header.x-sub", "$context.authorizer.claims.sub"),
                ("overwrite:header.x-both", "${request.path.petId} ${context.requestId}"),
                ("overwrite:header.x-static", "plain text"),
                ("overwrite:header.x-dollar", "costs $5 or $request.header.header1!"),
                ("overwrite:header.x-unknown", "$context.nope"),
            ],
            &request(),
        );
        assert_eq!(out.headers["x-env"], "env-3");
        assert_eq!(out.headers["x-sub"], "user-7");
        assert_eq!(out.headers["x-both"], "42 req-1");
        assert_eq!(out.headers["x-static"], "plain text");
        assert_eq!(out.headers["x-dollar"], "costs $5 or h1!");
        assert!(!out.headers.contains_key("x-unknown"));
    }

    #[test]
    fn compile_refuses_bad_keys_reserved_headers_and_bad_values() {
        let refused = |key: &str, value: &str| RequestParameters::compile(&map(&[(key, value)])).unwrap_err();
        for header in [
            "Authorization",
            "content-length",
            "Access-Control-Allow-Origin",
            "apigw-requestid",
            "X-Amz-Date",
            "x-amzn-trace-id",
            "x-amzn-nope",
            "Via",
            "x-forwarded-for",
        ] {
            let message = refused(&format!("overwrite:header.{header}"), "v");
            assert!(
                message
                    .starts_with("Invalid mapping expression specified: Validation Result: warnings : [], errors : ["),
                "{message}"
            );
            assert!(message.contains("restricted"), "{header}: {message}");
        }
        // Not reserved: near misses of reserved names.
        assert!(RequestParameters::compile(&map(&[("overwrite:header.x-amz", "v")])).is_ok());
        assert!(RequestParameters::compile(&map(&[("overwrite:header.host", "v")])).is_ok());
        for key in [
            "header.x",
            "add:header.x",
            "append:path",
            "remove:path",
            "overwrite:body",
            "overwrite:querystring.",
            "overwrite:header.bad name",
            "overwrite:statuscode",
        ] {
            refused(key, "v");
        }
        for value in [
            "$request.multivaluequerystring.a",
            "$request.header",
            "${request.nope.a}",
            "${request.body..a}",
            "$request.body.a[?(@.b)]",
            "${context.a-b}",
            "${stageVariables.a.b}",
            "${request.path.a",
            "$response.header.a",
            "${bogus.a}",
        ] {
            refused("overwrite:header.x", value);
        }
        // A remove's value is not read.
        assert!(RequestParameters::compile(&map(&[("remove:header.x", "${nonsense")])).is_ok());
        assert!(RequestParameters::compile(&BTreeMap::new()).unwrap().is_empty());
    }

    fn respond(config: &[(&str, &[(&str, &str)])], status: u16, answer: &mut HeaderMap, body: &[u8]) -> u16 {
        let config: BTreeMap<String, BTreeMap<String, String>> = config
            .iter()
            .map(|(code, pairs)| ((*code).to_owned(), map(pairs)))
            .collect();
        let compiled = ResponseParameters::compile(&config).unwrap();
        let request = request();
        let source = Source {
            headers: &request.headers,
            raw_query: &request.raw_query,
            path: &request.path,
            path_parameters: &request.path_parameters,
            body: &request.body,
            context: &context,
            stage_variables: &request.stage_variables,
        };
        compiled.apply(status, answer, body, &source)
    }

    #[test]
    fn docs_example_change_the_response_from_an_integration() {
        let config: &[(&str, &[(&str, &str)])] = &[
            (
                "500",
                &[
                    ("append:header.header1", "$context.requestId"),
                    ("overwrite:statuscode", "403"),
                ],
            ),
            ("404", &[("append:header.error", "$stageVariables.environmentId")]),
        ];
        let mut answer = HeaderMap::new();
        assert_eq!(respond(config, 500, &mut answer, b""), 403);
        assert_eq!(answer["header1"], "req-1");
        let mut answer = HeaderMap::new();
        assert_eq!(respond(config, 404, &mut answer, b""), 404);
        assert_eq!(answer["error"], "env-3");
        let mut answer = headers(&[("x-kept", "1")]);
        assert_eq!(respond(config, 200, &mut answer, b""), 200);
        assert_eq!(answer.len(), 1);
    }

    #[test]
    fn response_values_read_the_backends_answer() {
        let config: &[(&str, &[(&str, &str)])] = &[(
            "200",
            &[
                ("overwrite:header.x-from", "$response.header.x-backend"),
                ("remove:header.x-backend", ""),
                ("overwrite:header.x-id", "${response.body.id}"),
                ("append:header.x-all", "$response.body"),
                ("overwrite:statuscode", "$response.body.status"),
            ],
        )];
        let mut answer = headers(&[("x-backend", "b1"), ("x-backend", "b2")]);
        let body = br#"{"id":"abc","status":201}"#;
        assert_eq!(respond(config, 200, &mut answer, body), 201);
        assert_eq!(answer["x-from"], "b1,b2");
        assert!(!answer.contains_key("x-backend"));
        assert_eq!(answer["x-id"], "abc");
        assert_eq!(answer["x-all"], r#"{"id":"abc","status":201}"#);
        // A status that is no code leaves the backend's.
        let mut answer = HeaderMap::new();
        assert_eq!(respond(config, 200, &mut answer, br#"{"status":"teapot"}"#), 200);
    }

    #[test]
    fn response_compile_refuses_bad_status_keys_and_sources() {
        let compile = |code: &str, key: &str, value: &str| {
            ResponseParameters::compile(&BTreeMap::from([(code.to_owned(), map(&[(key, value)]))]))
        };
        for code in ["199", "600", "2xx", "default"] {
            assert!(compile(code, "overwrite:header.a", "v").is_err(), "{code}");
        }
        assert!(compile("599", "overwrite:header.a", "v").is_ok());
        assert!(compile("200", "overwrite:statuscode", "abc").is_err());
        assert!(compile("200", "overwrite:statuscode", "700").is_err());
        assert!(compile("200", "append:statuscode", "201").is_err());
        assert!(compile("200", "overwrite:querystring.a", "v").is_err());
        assert!(compile("200", "overwrite:header.content-length", "1").is_err());
        assert!(compile("200", "overwrite:header.a", "$request.header.a").is_err());
        assert!(compile("200", "overwrite:header.a", "$response.body..a").is_err());
        assert!(ResponseParameters::compile(&BTreeMap::new()).unwrap().is_empty());
    }

    #[test]
    fn single_expressions_compile_and_evaluate() {
        let request = request();
        let source = Source {
            headers: &request.headers,
            raw_query: &request.raw_query,
            path: &request.path,
            path_parameters: &request.path_parameters,
            body: &request.body,
            context: &context,
            stage_variables: &request.stage_variables,
        };
        let evaluator = Evaluator::new(&source);
        let value = |text: &str| evaluator.evaluate(&Expression::compile(text).unwrap());
        assert_eq!(value("$request.body.name"), "rex");
        assert_eq!(value("${request.path.petId}-${context.requestId}"), "42-req-1");
        assert_eq!(value("literal"), "literal");
        assert!(Expression::compile("$response.body").is_err());
    }
}

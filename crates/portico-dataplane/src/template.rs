//! Mapping templates: API Gateway's variables (`$input`, `$util`, `$context`,
//! `$stageVariables`) over the VTL engine. Templates are parsed when a stage compiles; a
//! request only renders them.

use crate::context::RequestContext;
use base64::Engine;
use bytes::Bytes;
use portico_vtl::{Limits, Object, Scope, Template, Value};
use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, LazyLock};

/// AWS's bounds (1,000 `#foreach` iterations) and its dialect: null references render as
/// nothing.
static LIMITS: LazyLock<Limits> = LazyLock::new(|| Limits {
    quiet_nulls: true,
    ..Limits::default()
});

/// A template as a stage keeps it: parsed, or the reason it could not be (answered as a 500
/// when a request needs it, as AWS answers a template it cannot evaluate).
#[derive(Debug)]
pub struct MappingTemplate {
    parsed: Result<Template, String>,
    /// An empty template passes the body through, as on AWS.
    empty: bool,
    /// A template without `$` or `#` renders as itself: no engine needed per request.
    fixed: Option<Bytes>,
}

impl MappingTemplate {
    pub fn compile(source: &str) -> MappingTemplate {
        let parsed = Template::parse(source).map_err(|e| {
            tracing::warn!(error = %e, "mapping template does not parse");
            e.to_string()
        });
        MappingTemplate {
            parsed,
            empty: source.trim().is_empty(),
            fixed: (!source.contains(['$', '#'])).then(|| Bytes::from(source.to_owned())),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.empty
    }

    /// The output of a template without `$` or `#` (known when the stage compiles).
    pub fn fixed(&self) -> Option<&Bytes> {
        self.fixed.as_ref()
    }
}

/// `$context.error` in gateway response templates.
#[derive(Debug, Clone, Default)]
pub struct ErrorVars {
    pub message: String,
    pub response_type: String,
    pub validation_error: String,
}

/// What a template asked for through `$context.requestOverride` / `responseOverride`.
#[derive(Debug, Default, PartialEq)]
pub struct Overrides {
    pub request_headers: Vec<(String, String)>,
    pub request_query: Vec<(String, String)>,
    pub request_path: Vec<(String, String)>,
    pub response_status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
}

/// Renders `template` for a request: `$input` reads `body` (the method request's body in a
/// request template, the integration's answer in a response template).
pub fn render(
    template: &MappingTemplate,
    ctx: &Arc<RequestContext>,
    body: &Bytes,
    error: Option<&ErrorVars>,
) -> Result<(Bytes, Overrides), String> {
    if let Some(fixed) = &template.fixed {
        return Ok((fixed.clone(), Overrides::default()));
    }
    let parsed = template.parsed.as_ref().map_err(Clone::clone)?;
    let mut scope = Scope::new();
    let input = Value::object(Input {
        ctx: ctx.clone(),
        body: body.clone(),
        json: OnceCell::new(),
        params: OnceCell::new(),
    });
    let context = Rc::new(ContextVars {
        ctx: ctx.clone(),
        error: error.cloned(),
        request_override: OnceCell::new(),
        response_override: OnceCell::new(),
        set: RefCell::new(Vec::new()),
        cached: RefCell::new(Vec::new()),
    });
    scope.set("input", input);
    scope.set("util", Util::value());
    scope.set("context", Value::Object(context.clone()));
    scope.set("stageVariables", string_map(ctx.stage_variables.iter()));
    let output = Bytes::from(parsed.render(&mut scope, &LIMITS).map_err(|e| e.to_string())?);
    // The override maps exist only if the template read them.
    let mut overrides = Overrides::default();
    if let Some(request_override) = context.request_override.get() {
        overrides.request_headers = entries(request_override, "header");
        overrides.request_query = entries(request_override, "querystring");
        overrides.request_path = entries(request_override, "path");
    }
    if let Some(response_override) = context.response_override.get() {
        overrides.response_status = match get(response_override, "status") {
            Some(Value::Int(n)) => u16::try_from(n).ok(),
            Some(Value::Str(s)) => s.trim().parse().ok(),
            _ => None,
        };
        overrides.response_headers = entries(response_override, "header");
    }
    Ok((output, overrides))
}

fn overrides_map(members: &[&str]) -> Value {
    Value::map(
        members
            .iter()
            .map(|m| (m.to_string(), Value::map(Vec::new())))
            .collect(),
    )
}

fn get(map: &Value, key: &str) -> Option<Value> {
    let Value::Map(m) = map else { return None };
    m.borrow().iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

fn entries(map: &Value, member: &str) -> Vec<(String, String)> {
    match get(map, member) {
        Some(Value::Map(m)) => m
            .borrow()
            .iter()
            .filter(|(_, v)| !matches!(v, Value::Null))
            .map(|(k, v)| (k.clone(), v.to_java_string()))
            .collect(),
        _ => Vec::new(),
    }
}

fn string_map<'a>(pairs: impl Iterator<Item = (&'a String, &'a String)>) -> Value {
    Value::map(pairs.map(|(k, v)| (k.clone(), Value::str(v))).collect())
}

fn opt(value: Option<&str>) -> Value {
    value.map_or(Value::Null, Value::str)
}

/// `$context`, its members made when a template first reads them; `requestOverride` and
/// `responseOverride` are maps the host reads back after rendering.
struct ContextVars {
    ctx: Arc<RequestContext>,
    error: Option<ErrorVars>,
    /// Made when the template first reads them (most never do).
    request_override: OnceCell<Value>,
    response_override: OnceCell<Value>,
    /// What the template `#set` on `$context` itself.
    set: RefCell<Vec<(String, Value)>>,
    /// Maps made once per rendering (`identity`, `authorizer`, `error`), so that changes a
    /// template makes to them last.
    cached: RefCell<Vec<(&'static str, Value)>>,
}

/// `$context`'s members, in the order `keySet()` lists them.
const CONTEXT_MEMBERS: [&str; 21] = [
    "accountId",
    "apiId",
    "authorizer",
    "deploymentId",
    "domainName",
    "domainPrefix",
    "error",
    "extendedRequestId",
    "httpMethod",
    "identity",
    "isCanaryRequest",
    "path",
    "protocol",
    "requestId",
    "requestOverride",
    "requestTime",
    "requestTimeEpoch",
    "resourceId",
    "resourcePath",
    "responseOverride",
    "stage",
];

impl ContextVars {
    fn member(&self, name: &str) -> Option<Value> {
        if let Some((_, v)) = self.set.borrow().iter().find(|(k, _)| k == name) {
            return Some(v.clone());
        }
        let ctx = &*self.ctx;
        let s = Value::str;
        Some(match name {
            "accountId" => s(&ctx.account_id),
            "apiId" => s(&ctx.api_id),
            "deploymentId" => s(&ctx.deployment_id),
            "domainName" => s(ctx.domain_name()),
            "domainPrefix" => s(ctx.domain_prefix()),
            "extendedRequestId" => s(&ctx.extended_request_id),
            "httpMethod" => s(ctx.method.as_str()),
            "isCanaryRequest" => match ctx.is_canary {
                Some(canary) => Value::Bool(canary),
                None => Value::Null,
            },
            "path" => s(&ctx.full_path()),
            "protocol" => s(ctx.protocol()),
            "requestId" => s(&ctx.request_id),
            "requestOverride" => self
                .request_override
                .get_or_init(|| overrides_map(&["header", "querystring", "path"]))
                .clone(),
            "requestTime" => s(&ctx.request_time()),
            "requestTimeEpoch" => Value::Int(ctx.request_time_epoch()),
            "resourceId" => s(&ctx.resource_id),
            "resourcePath" => s(&ctx.resource_path),
            "responseOverride" => self
                .response_override
                .get_or_init(|| overrides_map(&["header"]))
                .clone(),
            "stage" => s(&ctx.stage),
            "identity" | "authorizer" | "error" => {
                let name = CONTEXT_MEMBERS.iter().copied().find(|m| *m == name)?;
                if let Some((_, v)) = self.cached.borrow().iter().find(|(k, _)| *k == name) {
                    return Some(v.clone());
                }
                let made = match name {
                    "identity" => identity_value(ctx),
                    "authorizer" => authorizer_value(ctx),
                    _ => error_value(self.error.as_ref()),
                };
                self.cached.borrow_mut().push((name, made.clone()));
                made
            }
            _ => return None,
        })
    }
}

impl Object for ContextVars {
    fn property(&self, name: &str) -> Option<Value> {
        self.member(name)
    }

    fn set_property(&self, name: &str, value: Value) -> bool {
        let mut set = self.set.borrow_mut();
        set.retain(|(k, _)| k != name);
        set.push((name.to_owned(), value));
        true
    }

    fn call(&self, method: &str, args: &[Value]) -> Result<Option<Value>, String> {
        Ok(match (method, args) {
            ("get", [key]) => Some(self.member(&key.to_java_string()).unwrap_or(Value::Null)),
            ("containsKey", [key]) => Some(Value::Bool(self.member(&key.to_java_string()).is_some())),
            ("keySet", []) => Some(Value::list(CONTEXT_MEMBERS.iter().map(|m| Value::str(m)).collect())),
            _ => None,
        })
    }

    fn render(&self) -> String {
        let entries = CONTEXT_MEMBERS
            .iter()
            .filter_map(|m| self.member(m).map(|v| (m.to_string(), v)))
            .collect();
        Value::map(entries).to_java_string()
    }
}

fn identity_value(ctx: &RequestContext) -> Value {
    Value::map(vec![
        ("sourceIp".into(), Value::str(&ctx.source_ip())),
        ("userAgent".into(), opt(ctx.user_agent())),
        ("apiKey".into(), opt(ctx.identity.api_key.as_deref())),
        ("apiKeyId".into(), opt(ctx.identity.api_key_id.as_deref())),
        ("accessKey".into(), opt(ctx.identity.access_key.as_deref())),
        ("accountId".into(), opt(ctx.identity.account_id.as_deref())),
        ("caller".into(), opt(ctx.identity.caller.as_deref())),
        ("user".into(), opt(ctx.identity.user.as_deref())),
        ("userArn".into(), opt(ctx.identity.user_arn.as_deref())),
        ("cognitoAuthenticationProvider".into(), Value::Null),
        ("cognitoAuthenticationType".into(), Value::Null),
        ("cognitoIdentityId".into(), Value::Null),
        ("cognitoIdentityPoolId".into(), Value::Null),
        ("principalOrgId".into(), Value::Null),
    ])
}

fn authorizer_value(ctx: &RequestContext) -> Value {
    let Some(output) = &ctx.authorizer else {
        return Value::map(Vec::new());
    };
    let mut entries: Vec<(String, Value)> = Vec::new();
    if let Some(principal) = &output.principal_id {
        entries.push(("principalId".into(), Value::str(principal)));
    }
    if let Some(claims) = &output.claims {
        let claims = claims.iter().map(|(k, v)| (k.clone(), json_scalar(v))).collect();
        entries.push(("claims".into(), Value::map(claims)));
    }
    for (k, v) in &output.context {
        entries.push((k.clone(), json_scalar(v)));
    }
    Value::map(entries)
}

fn error_value(error: Option<&ErrorVars>) -> Value {
    let error = error.cloned().unwrap_or_default();
    Value::map(vec![
        ("message".into(), Value::str(&error.message)),
        (
            "messageString".into(),
            Value::str(&serde_json::Value::from(error.message.as_str()).to_string()),
        ),
        ("responseType".into(), Value::str(&error.response_type)),
        ("validationErrorString".into(), Value::str(&error.validation_error)),
    ])
}

/// Authorizer context values are strings, numbers or booleans; anything else prints as JSON.
fn json_scalar(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => Value::str(&value.to_string()),
        other => Value::from_json(other),
    }
}

/// `$input`: the body, JSONPath over it, and the method request's parameters.
struct Input {
    ctx: Arc<RequestContext>,
    body: Bytes,
    /// The body parsed once, on first use; `None` when it is not JSON. An empty body reads as `{}`.
    json: OnceCell<Option<serde_json::Value>>,
    params: OnceCell<Value>,
}

impl Input {
    fn json(&self) -> Option<&serde_json::Value> {
        self.json
            .get_or_init(|| {
                if self.body.iter().all(u8::is_ascii_whitespace) {
                    return Some(serde_json::Value::Object(Default::default()));
                }
                serde_json::from_slice(&self.body).ok()
            })
            .as_ref()
    }

    fn params(&self) -> &Value {
        self.params.get_or_init(|| {
            let ctx = &self.ctx;
            let path = ctx
                .path_params
                .iter()
                .map(|p| (p.name.clone(), Value::str(&p.value)))
                .collect();
            let mut query: Vec<(String, Value)> = Vec::new();
            for (k, v) in ctx.query() {
                // The last value of a repeated name wins, as in AWS's single-value map.
                query.retain(|(name, _)| *name != k);
                query.push((k, Value::str(&v)));
            }
            let mut header: Vec<(String, Value)> = Vec::new();
            for (k, v) in ctx.headers_in_order() {
                if !header.iter().any(|(name, _)| name.eq_ignore_ascii_case(k)) {
                    header.push((k.to_owned(), Value::str(v)));
                }
            }
            Value::map(vec![
                ("path".into(), Value::map(path)),
                ("querystring".into(), Value::map(query)),
                ("header".into(), Value::map(header)),
            ])
        })
    }

    /// `$input.params(name)`: path, then query string, then header (case-insensitive); "" if none.
    fn param(&self, name: &str) -> Value {
        let Value::Map(all) = self.params() else {
            return Value::str("");
        };
        for (kind, values) in all.borrow().iter() {
            let Value::Map(values) = values else { continue };
            let header = kind == "header";
            let found = values
                .borrow()
                .iter()
                .find(|(k, _)| {
                    if header {
                        k.eq_ignore_ascii_case(name)
                    } else {
                        k == name
                    }
                })
                .map(|(_, v)| v.clone());
            if let Some(found) = found {
                return found;
            }
        }
        Value::str("")
    }
}

impl Object for Input {
    fn property(&self, name: &str) -> Option<Value> {
        match name {
            "body" => Some(Value::str(&String::from_utf8_lossy(&self.body))),
            _ => None,
        }
    }

    fn call(&self, method: &str, args: &[Value]) -> Result<Option<Value>, String> {
        // A string argument (the commonest) is read in place, not copied.
        let arg = |i: usize| match args.get(i) {
            Some(Value::Str(s)) => Cow::Borrowed(&**s),
            Some(other) => Cow::Owned(other.to_java_string()),
            None => Cow::Borrowed(""),
        };
        Ok(Some(match (method, args.len()) {
            ("getBody", 0) => Value::str(&String::from_utf8_lossy(&self.body)),
            ("params", 0) => self.params().clone(),
            ("params", 1) => self.param(&arg(0)),
            ("path", 1) => match self.json() {
                None => Value::Null,
                Some(doc) => json_path(doc, &arg(0))?.map_or(Value::Null, |v| from_json(&v)),
            },
            ("json", 1) => match self.json() {
                None => Value::str("\"\""),
                Some(doc) => Value::str(&match json_path(doc, &arg(0))? {
                    Some(found) => found.to_string(),
                    None => "\"\"".to_owned(),
                }),
            },
            _ => return Ok(None),
        }))
    }

    fn render(&self) -> String {
        "$input".to_owned()
    }
}

thread_local! {
    /// Compiled JSONPaths by their text: templates name the same few paths on every request.
    static PATHS: RefCell<HashMap<String, Rc<(serde_json_path::JsonPath, bool)>>> = RefCell::new(HashMap::new());
}

/// Jayway's reading of a path, as API Gateway's: a definite path gives its one value (or
/// nothing), any other a list of every match. A path without `$` is relative to the root.
pub fn json_path(doc: &serde_json::Value, path: &str) -> Result<Option<serde_json::Value>, String> {
    let path = path.trim();
    let compiled = PATHS.with(|cache| -> Result<_, String> {
        if let Some(found) = cache.borrow().get(path) {
            return Ok(found.clone());
        }
        let text = if path.starts_with('$') {
            path.to_owned()
        } else if path.starts_with('[') {
            format!("${path}")
        } else {
            format!("$.{path}")
        };
        let parsed = serde_json_path::JsonPath::parse(&jayway_to_rfc(&text))
            .map_err(|e| format!("invalid JSONPath {path:?}: {e}"))?;
        let definite = !(text.contains("..")
            || text.contains('*')
            || text.contains("[?")
            || text.contains(':')
            || text.contains(','));
        let compiled = Rc::new((parsed, definite));
        let mut cache = cache.borrow_mut();
        if cache.len() > 1024 {
            cache.clear();
        }
        cache.insert(path.to_owned(), compiled.clone());
        Ok(compiled)
    })?;
    let (parsed, definite) = &*compiled;
    let nodes = parsed.query(doc);
    Ok(if *definite {
        nodes.first().cloned()
    } else {
        Some(serde_json::Value::Array(nodes.all().into_iter().cloned().collect()))
    })
}

/// Jayway accepts filters as `[?(@.a > 1)]` and a trailing `.length()`; RFC 9535 has the
/// first (parentheses are grouping) and not the second.
fn jayway_to_rfc(path: &str) -> String {
    path.to_owned()
}

/// A JSON value as Jayway hands it to a template: objects become maps (`{a=1}`), arrays
/// stay JSON arrays, which print as JSON (`[{"a":1}]`).
pub fn from_json(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Object(entries) => {
            Value::map(entries.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
        serde_json::Value::Array(items) => {
            Value::object(JsonArray(Rc::new(RefCell::new(items.iter().map(from_json).collect()))))
        }
        other => Value::from_json(other),
    }
}

/// A JSON array as Jayway's JSON provider hands it over: a list in every way, except that it
/// prints as JSON (`[{"a":1}]`), not as Java's `[{a=1}]`.
struct JsonArray(portico_vtl::List);

impl JsonArray {
    fn list(&self) -> Value {
        Value::List(self.0.clone())
    }
}

impl Object for JsonArray {
    fn property(&self, name: &str) -> Option<Value> {
        self.list().get_property(name)
    }

    fn call(&self, method: &str, args: &[Value]) -> Result<Option<Value>, String> {
        self.list().call_method(method, args)
    }

    fn render(&self) -> String {
        to_json(&self.list()).to_string()
    }

    fn iterate(&self) -> Option<Vec<Value>> {
        Some(self.0.borrow().clone())
    }
}

/// A template value back as JSON (what a JSON array prints its items as).
fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Int(i) => (*i).into(),
        Value::Float(x) => serde_json::Number::from_f64(*x).map_or(serde_json::Value::Null, Into::into),
        Value::Str(s) => (**s).into(),
        Value::List(items) => items.borrow().iter().map(to_json).collect(),
        Value::Map(entries) => entries
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), to_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        Value::Object(o) => match o.iterate() {
            Some(items) => items.iter().map(to_json).collect(),
            None => o.render().into(),
        },
    }
}

/// `$util`.
pub(crate) struct Util;

thread_local! {
    /// `$util` has no state: one per thread, shared by every rendering.
    static UTIL: Value = Value::object(Util);
}

impl Util {
    pub(crate) fn value() -> Value {
        UTIL.with(Clone::clone)
    }
}

impl Object for Util {
    fn call(&self, method: &str, args: &[Value]) -> Result<Option<Value>, String> {
        if args.len() != 1 {
            return Ok(None);
        }
        if method == "escapeJavaScript"
            && let Value::Str(text) = &args[0]
        {
            // Most strings have nothing to escape: the argument is the answer.
            return Ok(Some(
                if text
                    .bytes()
                    .all(|b| (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b'\'' | b'\\' | b'/'))
                {
                    args[0].clone()
                } else {
                    Value::str(&escape_javascript(text))
                },
            ));
        }
        let arg = args[0].to_java_string();
        Ok(Some(match method {
            "escapeJavaScript" => Value::str(&escape_javascript(&arg)),
            "parseJson" => {
                let doc: serde_json::Value =
                    serde_json::from_str(&arg).map_err(|e| format!("$util.parseJson: invalid JSON: {e}"))?;
                from_json(&doc)
            }
            "urlEncode" => Value::str(&form_urlencoded::byte_serialize(arg.as_bytes()).collect::<String>()),
            "urlDecode" => Value::str(
                &form_urlencoded::parse(format!("x={}", arg.replace('&', "%26").replace('=', "%3D")).as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default(),
            ),
            "base64Encode" => Value::str(&base64::engine::general_purpose::STANDARD.encode(arg.as_bytes())),
            "base64Decode" => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(arg.trim())
                    .map_err(|e| format!("$util.base64Decode: {e}"))?;
                Value::str(&String::from_utf8_lossy(&bytes))
            }
            _ => return Ok(None),
        }))
    }

    fn write_call(&self, method: &str, args: &[Value], out: &mut String) -> Option<Result<(), String>> {
        match (method, args) {
            ("escapeJavaScript", [Value::Str(text)]) => {
                escape_javascript_into(text, out);
                Some(Ok(()))
            }
            _ => None,
        }
    }

    fn render(&self) -> String {
        "$util".to_owned()
    }
}

/// Apache Commons Lang's `StringEscapeUtils.escapeJavaScript`, which API Gateway uses: quotes
/// (single ones too), backslash and `/` escaped, control characters as `\b \t \n \f \r` or
/// `\u00XX`, and everything beyond ASCII as `\uXXXX`.
pub fn escape_javascript(text: &str) -> String {
    let mut out = String::new();
    escape_javascript_into(text, &mut out);
    out
}

/// [`escape_javascript`], appended to `out`.
pub fn escape_javascript_into(text: &str, out: &mut String) {
    out.reserve(text.len() + 8);
    // Short text (names, ids: the commonest) character by character; longer text by runs
    // that need no escape, each copied whole.
    if text.len() < 64 {
        for c in text.chars() {
            match if c.is_ascii() { JS_ESCAPES[c as usize] } else { b'u' } {
                0 => out.push(c),
                b'u' => escape_unicode(c, out),
                code => {
                    out.push('\\');
                    out.push(char::from(code));
                }
            }
        }
        return;
    }
    let bytes = text.as_bytes();
    // `run` starts the bytes not yet copied; `i` is always at a character's start.
    let (mut run, mut i) = (0, 0);
    while i < bytes.len() {
        let b = bytes[i];
        let code = if b < 0x80 { JS_ESCAPES[usize::from(b)] } else { b'u' };
        if code == 0 {
            i += 1;
            continue;
        }
        out.push_str(&text[run..i]);
        if code == b'u' {
            let c = text[i..].chars().next().unwrap_or_default();
            escape_unicode(c, out);
            i += c.len_utf8();
        } else {
            out.push('\\');
            out.push(char::from(code));
            i += 1;
        }
        run = i;
    }
    out.push_str(&text[run..]);
}

/// A control character, or one beyond ASCII: `\uXXXX` per UTF-16 unit.
fn escape_unicode(c: char, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        out.push_str("\\u");
        for shift in [12, 8, 4, 0] {
            out.push(char::from(HEX[usize::from((*unit >> shift) & 0xf)]));
        }
    }
}

/// What each ASCII byte becomes in `escapeJavaScript`: 0 itself, `u` `\u00XX`, another
/// letter or sign a backslash and that.
const JS_ESCAPES: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x7f] = b'u';
    table[0x08] = b'b';
    table[b'\t' as usize] = b't';
    table[b'\n' as usize] = b'n';
    table[0x0c] = b'f';
    table[b'\r' as usize] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\'' as usize] = b'\'';
    table[b'\\' as usize] = b'\\';
    table[b'/' as usize] = b'/';
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders `template` with `body` as `$input` of a `GET /` request (query `q=1`).
    fn render_with(template: &str, body: &str) -> String {
        let mut ctx = RequestContext::test(http::HeaderMap::new());
        ctx.raw_query = "q=1&name=ada%20l".into();
        let (out, _) = render(
            &MappingTemplate::compile(template),
            &Arc::new(ctx),
            &Bytes::from(body.to_owned()),
            None,
        )
        .unwrap();
        String::from_utf8(out.to_vec()).unwrap()
    }

    fn json(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }

    /// The example of AWS's "Mapping templates for REST APIs" page, with the output it documents.
    #[test]
    fn aws_documentation_pets_example() {
        let input = r#"[{"id": 1, "type": "dog", "price": 249.99}, {"id": 2, "type": "cat", "price": 124.99}, {"id": 3, "type": "fish", "price": 0.99}]"#;
        let template = r#"#set($inputRoot = $input.path('$'))
[
#foreach($elem in $inputRoot)
  {
    "description" : "Item $elem.id is a $elem.type.",
    "askingPrice" : $elem.price
  }#if($foreach.hasNext),#end

#end
]"#;
        assert_eq!(
            json(&render_with(template, input)),
            serde_json::json!([
                {"description": "Item 1 is a dog.", "askingPrice": 249.99},
                {"description": "Item 2 is a cat.", "askingPrice": 124.99},
                {"description": "Item 3 is a fish.", "askingPrice": 0.99}
            ])
        );
    }

    /// The photo album example of AWS's "Example data models and mapping templates" page.
    #[test]
    fn aws_documentation_photos_example() {
        let input = r#"{"photos": {"page": 1, "pages": "1234", "perpage": 100, "total": "123398", "photo": [
            {"id": "12345678901", "owner": "23456789@A12", "photographer_first_name": "Saanvi", "photographer_last_name": "Sarkar", "secret": "abc123d456", "server": "1234", "farm": 1, "title": "Sample photo 1", "ispublic": true, "isfriend": false, "isfamily": false},
            {"id": "23456789012", "owner": "34567890@B23", "photographer_first_name": "Richard", "photographer_last_name": "Roe", "secret": "bcd234e567", "server": "2345", "farm": 2, "title": "Sample photo 2", "ispublic": true, "isfriend": false, "isfamily": false}]}}"#;
        let template = r#"#set($inputRoot = $input.path('$'))
{
  "photos": [
#foreach($elem in $inputRoot.photos.photo)
    {
      "id": "$elem.id",
      "photographedBy": "$elem.photographer_first_name $elem.photographer_last_name",
      "title": "$elem.title",
      "ispublic": $elem.ispublic,
      "isfriend": $elem.isfriend,
      "isfamily": $elem.isfamily
    }#if($foreach.hasNext),#end

#end
  ]
}"#;
        assert_eq!(
            json(&render_with(template, input)),
            serde_json::json!({"photos": [
                {"id": "12345678901", "photographedBy": "Saanvi Sarkar", "title": "Sample photo 1", "ispublic": true, "isfriend": false, "isfamily": false},
                {"id": "23456789012", "photographedBy": "Richard Roe", "title": "Sample photo 2", "ispublic": true, "isfriend": false, "isfamily": false}
            ]})
        );
    }

    /// `$input.params()` listed as the "Variables for data transformations" page's example does,
    /// `$util` functions, and `$input.json` versus `$input.path`.
    #[test]
    fn params_util_and_json() {
        let template = r##"#set($allParams = $input.params())
{
#foreach($type in $allParams.keySet())
#set($params = $allParams.get($type))
"$type" : {
#foreach($paramName in $params.keySet())
"$paramName" : "$util.escapeJavaScript($params.get($paramName))"#if($foreach.hasNext),#end
#end
}#if($foreach.hasNext),#end
#end
}"##;
        assert_eq!(
            json(&render_with(template, "")),
            serde_json::json!({"path": {}, "querystring": {"q": "1", "name": "ada l"}, "header": {}})
        );
        let out = render_with(
            r##"$util.urlEncode("a b&c=d/é")|$util.urlDecode("a+b%26c")|$util.base64Encode("hi?")|$util.base64Decode("aGk/")|$util.parseJson('{"a": {"b": [1, 2]}}').a.b[1]|$input.params('q')|$input.params('nope')|"##,
            "",
        );
        assert_eq!(out, "a+b%26c%3Dd%2F%C3%A9|a b&c|aGk/|hi?|2|1||");
        let out = render_with(
            r##"$input.json('$.a')|$input.path('$.a')|$input.json('$.s')|$input.path('$.s')|$input.body"##,
            r##"{"a": {"b": 1}, "s": "x"}"##,
        );
        assert_eq!(out, r##"{"b":1}|{b=1}|"x"|x|{"a": {"b": 1}, "s": "x"}"##);
    }

    /// The templates of `scripts/bench`'s mock-vtl target.
    #[test]
    fn bench_templates() {
        let request =
            r##"#set($name = $input.path('$.name'))#if($name == "")#set($name = "world")#end{"statusCode": 200}"##;
        assert_eq!(render_with(request, ""), r#"{"statusCode": 200}"#);
        let response = r##"#set($q = '"')#set($names = [])#foreach($i in [1..100])#set($ok = $names.add("item $q$i$q"))#end{"hello": "world", "items": [#foreach($n in $names)"$util.escapeJavaScript($n)"#if($foreach.hasNext),#end#end]}"##;
        let out = json(&render_with(response, ""));
        assert_eq!(out["items"].as_array().unwrap().len(), 100);
        assert_eq!(out["items"][99], "item \"100\"");
    }

    #[test]
    fn overrides_are_read_back() {
        let template = r##"#set($context.requestOverride.header.X-A = "1")#set($context.requestOverride.querystring.q = "2")#set($context.responseOverride.status = 418)#set($context.responseOverride.header.X-B = "3")ok"##;
        let ctx = Arc::new(RequestContext::test(http::HeaderMap::new()));
        let (out, overrides) = render(&MappingTemplate::compile(template), &ctx, &Bytes::new(), None).unwrap();
        assert_eq!(out, "ok".as_bytes());
        assert_eq!(
            overrides,
            Overrides {
                request_headers: vec![("X-A".into(), "1".into())],
                request_query: vec![("q".into(), "2".into())],
                request_path: vec![],
                response_status: Some(418),
                response_headers: vec![("X-B".into(), "3".into())],
            }
        );
    }

    #[test]
    fn template_errors_are_errors() {
        let broken = MappingTemplate::compile("#if($x");
        let ctx = Arc::new(RequestContext::test(http::HeaderMap::new()));
        assert!(render(&broken, &ctx, &Bytes::new(), None).is_err());
        let throws = MappingTemplate::compile("$util.parseJson('{nope')");
        assert!(render(&throws, &ctx, &Bytes::new(), None).is_err());
    }

    #[test]
    fn escape_javascript_like_commons_lang() {
        assert_eq!(
            escape_javascript(r#"He said "it's" a/b\c"#),
            r#"He said \"it\'s\" a\/b\\c"#
        );
        assert_eq!(escape_javascript("a\nb\tc\u{1}"), "a\\nb\\tc\\u0001");
        assert_eq!(escape_javascript("é😀"), "\\u00E9\\uD83D\\uDE00");
        assert_eq!(
            escape_javascript("a\u{8}\u{c}\r\u{7f}\u{7e}z/é"),
            "a\\b\\f\\r\\u007F~z\\/\\u00E9"
        );
        let mut out = String::from("[");
        escape_javascript_into("it's", &mut out);
        assert_eq!(out, "[it\\'s");
        // Short text goes character by character, long text by runs: the same escapes.
        let short = "a\"b'c\\d/e\u{8}f\u{c}g\rh\ni\tj\u{1}k\u{7f}lé😀m";
        let expected = "a\\\"b\\'c\\\\d\\/e\\bf\\fg\\rh\\ni\\tj\\u0001k\\u007Fl\\u00E9\\uD83D\\uDE00m";
        assert!(short.len() < 64 && short.repeat(4).len() >= 64);
        assert_eq!(escape_javascript(short), expected);
        assert_eq!(escape_javascript(&short.repeat(4)), expected.repeat(4));
        // Printed straight into the output, and as a value: the same text.
        assert_eq!(
            render_with(
                r#"$util.escapeJavaScript("a'é")|#set($x = $util.escapeJavaScript("a'é"))$x|$util.escapeJavaScript(1)"#,
                ""
            ),
            "a\\'\\u00E9|a\\'\\u00E9|1"
        );
    }

    #[test]
    fn jsonpath_definite_and_not() {
        let doc: serde_json::Value = serde_json::json!({"a": {"b": [1, 2, {"c": "x"}]}, "n": 1.5});
        assert_eq!(json_path(&doc, "$.a.b[2].c").unwrap(), Some(serde_json::json!("x")));
        assert_eq!(json_path(&doc, "a.b[0]").unwrap(), Some(serde_json::json!(1)));
        assert_eq!(json_path(&doc, "$.missing").unwrap(), None);
        assert_eq!(
            json_path(&doc, "$.a.b[*]").unwrap(),
            Some(serde_json::json!([1, 2, {"c": "x"}]))
        );
        assert_eq!(json_path(&doc, "$..c").unwrap(), Some(serde_json::json!(["x"])));
        assert!(json_path(&doc, "$.[").is_err());
    }
}

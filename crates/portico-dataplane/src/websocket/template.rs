//! Mapping templates of WebSocket APIs: request templates of non-proxy integrations and
//! response templates of integration responses, over the VTL engine, with WebSocket's
//! `$context` (`connectionId`, `routeKey`, `eventType`, `messageId`, ...), `$input` (the
//! message, or the integration's answer), `$util` and `$stageVariables`.

use super::event::Peer;
use crate::context::{epoch_millis, request_time};
use crate::template::{Util, from_json, json_path};
use bytes::Bytes;
use portico_vtl::{Limits, Object, Scope, Template as Parsed, Value};
use std::cell::OnceCell;
use std::sync::LazyLock;
use std::time::SystemTime;

static LIMITS: LazyLock<Limits> = LazyLock::new(|| Limits {
    quiet_nulls: true,
    ..Limits::default()
});

/// A template as a deployment keeps it: parsed, or why it could not be.
#[derive(Debug)]
pub struct Template {
    parsed: Result<Parsed, String>,
}

/// What one rendering reads besides the connection.
pub struct Vars<'a> {
    pub route_key: &'a str,
    pub event_type: &'a str,
    pub request_id: &'a str,
    pub message_id: Option<&'a str>,
    pub received: SystemTime,
    /// `$input`: the message (request template) or the integration's answer (response).
    pub body: Bytes,
}

impl Template {
    pub fn compile(source: &str) -> Template {
        Template {
            parsed: Parsed::parse(source).map_err(|e| {
                tracing::warn!(error = %e, "WebSocket mapping template does not parse");
                e.to_string()
            }),
        }
    }

    pub fn render(&self, peer: &Peer, vars: &Vars<'_>) -> Result<Bytes, String> {
        let parsed = self.parsed.as_ref().map_err(Clone::clone)?;
        let mut scope = Scope::new();
        scope.set(
            "input",
            Value::object(Input {
                body: vars.body.clone(),
                json: OnceCell::new(),
            }),
        );
        scope.set("util", Util::value());
        scope.set("context", context(peer, vars));
        scope.set(
            "stageVariables",
            Value::map(
                peer.stage_variables
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::str(v)))
                    .collect(),
            ),
        );
        let out = parsed.render(&mut scope, &LIMITS).map_err(|e| e.to_string())?;
        Ok(Bytes::from(out))
    }
}

fn context(peer: &Peer, vars: &Vars<'_>) -> Value {
    let s = Value::str;
    let mut authorizer = Vec::new();
    if let Some(found) = &peer.authorizer {
        for (k, v) in found {
            let value = match v {
                serde_json::Value::String(text) => Value::str(text),
                other => Value::from_json(other),
            };
            authorizer.push((k.clone(), value));
        }
    }
    let identity = vec![
        ("sourceIp".to_owned(), s(&peer.source_ip)),
        ("userAgent".to_owned(), s(&peer.user_agent)),
        ("apiKey".to_owned(), peer.api_key.as_deref().map_or(Value::Null, s)),
    ];
    Value::map(vec![
        ("accountId".into(), s(&peer.account_id)),
        ("apiId".into(), s(&peer.api_id)),
        ("authorizer".into(), Value::map(authorizer)),
        ("connectedAt".into(), Value::Int(epoch_millis(peer.connected_at))),
        ("connectionId".into(), s(&peer.connection_id)),
        ("domainName".into(), s(&peer.domain_name)),
        ("eventType".into(), s(vars.event_type)),
        ("extendedRequestId".into(), s(vars.request_id)),
        ("identity".into(), Value::map(identity)),
        ("messageDirection".into(), s("IN")),
        ("messageId".into(), vars.message_id.map_or(Value::Null, s)),
        ("requestId".into(), s(vars.request_id)),
        ("requestTime".into(), s(&request_time(vars.received))),
        ("requestTimeEpoch".into(), Value::Int(epoch_millis(vars.received))),
        ("routeKey".into(), s(vars.route_key)),
        ("stage".into(), s(&peer.stage)),
    ])
}

/// `$input`: `body`, `json(path)`, `path(path)` over the message or the answer.
struct Input {
    body: Bytes,
    json: OnceCell<Option<serde_json::Value>>,
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
}

impl Object for Input {
    fn property(&self, name: &str) -> Option<Value> {
        (name == "body").then(|| Value::str(&String::from_utf8_lossy(&self.body)))
    }

    fn call(&self, method: &str, args: &[Value]) -> Result<Option<Value>, String> {
        let arg = || args.first().map(Value::to_java_string).unwrap_or_default();
        Ok(Some(match (method, args.len()) {
            ("getBody", 0) => Value::str(&String::from_utf8_lossy(&self.body)),
            ("path", 1) => match self.json() {
                None => Value::Null,
                Some(doc) => json_path(doc, &arg())?.map_or(Value::Null, |v| from_json(&v)),
            },
            ("json", 1) => match self.json() {
                None => Value::str("\"\""),
                Some(doc) => Value::str(&match json_path(doc, &arg())? {
                    Some(found) => found.to_string(),
                    None => "\"\"".to_owned(),
                }),
            },
            // A WebSocket message has no parameters of its own.
            ("params", 1) => Value::str(""),
            _ => return Ok(None),
        }))
    }

    fn render(&self) -> String {
        "$input".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn context_and_input_render() {
        let peer = Peer {
            connection_id: "c1=".into(),
            account_id: "000000000000".into(),
            region: "us-east-1".into(),
            api_id: "abc".into(),
            stage: "dev".into(),
            domain_name: "d".into(),
            source_ip: "127.0.0.1".into(),
            user_agent: "ua".into(),
            connected_at: SystemTime::UNIX_EPOCH,
            headers: Vec::new(),
            query: Vec::new(),
            stage_variables: Arc::new([("v".to_owned(), "x".to_owned())].into()),
            authorizer: None,
            api_key: None,
        };
        let vars = Vars {
            route_key: "echo",
            event_type: "MESSAGE",
            request_id: "r1",
            message_id: Some("m1"),
            received: SystemTime::now(),
            body: Bytes::from_static(br#"{"action":"echo","n":2}"#),
        };
        let template = Template::compile(
            r#"{"id":"$context.connectionId","route":"$context.routeKey","n":$input.json('$.n'),"v":"$stageVariables.v","e":"$util.escapeJavaScript($input.body)"}"#,
        );
        let out = template.render(&peer, &vars).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["id"], "c1=");
        assert_eq!(doc["route"], "echo");
        assert_eq!(doc["n"], 2);
        assert_eq!(doc["v"], "x");
        assert_eq!(doc["e"], r#"{"action":"echo","n":2}"#);
    }
}

//! AWS's events for WebSocket APIs: the Lambda proxy event of `$connect` (CONNECT), messages
//! (MESSAGE) and `$disconnect` (DISCONNECT), and the REQUEST authorizer's event.

use crate::context::{epoch_millis, request_time};
use base64::Engine;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

/// What stays the same for the life of a connection: who connected, where, and with what.
#[derive(Debug, Clone)]
pub struct Peer {
    pub connection_id: Arc<str>,
    pub account_id: Arc<str>,
    pub region: Arc<str>,
    pub api_id: Arc<str>,
    pub stage: Arc<str>,
    /// The Host the client named (`{api}.execute-api.localhost:4566`).
    pub domain_name: String,
    pub source_ip: String,
    pub user_agent: String,
    pub connected_at: SystemTime,
    /// The upgrade request's headers and query string, in order.
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub stage_variables: Arc<BTreeMap<String, String>>,
    /// `requestContext.authorizer`, once `$connect`'s authorizer allowed the connection.
    pub authorizer: Option<Map<String, Value>>,
    /// The API key the connection was admitted with.
    pub api_key: Option<String>,
}

/// `CONNECT`, `MESSAGE`, `DISCONNECT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Connect,
    Message,
    Disconnect,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Connect => "CONNECT",
            EventType::Message => "MESSAGE",
            EventType::Disconnect => "DISCONNECT",
        }
    }
}

/// One event's own facts.
#[derive(Debug, Clone)]
pub struct Happening<'a> {
    pub kind: EventType,
    pub route_key: &'a str,
    pub request_id: &'a str,
    pub received: SystemTime,
    /// MESSAGE: the frame, and whether it was binary.
    pub body: Option<(&'a [u8], bool)>,
    /// DISCONNECT: the close code and reason.
    pub disconnect: Option<(u16, &'a str)>,
}

/// An id in the form of AWS's request and message ids (`Ks1bTEp3IAMFf5Q=`).
pub fn new_request_id() -> String {
    base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 11]>())
}

fn multi(pairs: &[(String, String)]) -> (Map<String, Value>, Map<String, Value>) {
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (name, value) in pairs {
        single.insert(name.clone(), value.clone().into());
        match multi.get_mut(name) {
            Some(Value::Array(values)) => values.push(value.clone().into()),
            _ => {
                multi.insert(name.clone(), json!([value]));
            }
        }
    }
    (single, multi)
}

/// `requestContext`, as AWS fills it for the event type.
pub fn request_context(peer: &Peer, at: &Happening<'_>) -> Value {
    let mut ctx = Map::new();
    ctx.insert("routeKey".into(), at.route_key.into());
    if at.kind == EventType::Message {
        ctx.insert("messageId".into(), new_request_id().into());
    }
    ctx.insert("eventType".into(), at.kind.as_str().into());
    ctx.insert("extendedRequestId".into(), at.request_id.into());
    ctx.insert("requestTime".into(), request_time(at.received).into());
    ctx.insert("messageDirection".into(), "IN".into());
    if let Some((code, reason)) = at.disconnect {
        ctx.insert("disconnectStatusCode".into(), code.into());
        ctx.insert("disconnectReason".into(), reason.into());
    }
    ctx.insert("stage".into(), (*peer.stage).into());
    ctx.insert("connectedAt".into(), epoch_millis(peer.connected_at).into());
    ctx.insert("requestTimeEpoch".into(), epoch_millis(at.received).into());
    let mut identity = Map::new();
    identity.insert("sourceIp".into(), peer.source_ip.clone().into());
    if at.kind != EventType::Message {
        identity.insert("userAgent".into(), peer.user_agent.clone().into());
    }
    if let Some(key) = &peer.api_key {
        identity.insert("apiKey".into(), key.clone().into());
    }
    ctx.insert("identity".into(), identity.into());
    ctx.insert("requestId".into(), at.request_id.into());
    ctx.insert("domainName".into(), peer.domain_name.clone().into());
    ctx.insert("connectionId".into(), (*peer.connection_id).into());
    ctx.insert("apiId".into(), (*peer.api_id).into());
    if let Some(authorizer) = &peer.authorizer {
        ctx.insert("authorizer".into(), authorizer.clone().into());
    }
    Value::Object(ctx)
}

/// The Lambda proxy integration's event.
pub fn proxy_event(peer: &Peer, at: &Happening<'_>) -> Value {
    let mut event = Map::new();
    match at.kind {
        EventType::Connect => {
            let (headers, multi_headers) = multi(&peer.headers);
            event.insert("headers".into(), headers.into());
            event.insert("multiValueHeaders".into(), multi_headers.into());
            if !peer.query.is_empty() {
                let (query, multi_query) = multi(&peer.query);
                event.insert("queryStringParameters".into(), query.into());
                event.insert("multiValueQueryStringParameters".into(), multi_query.into());
            }
        }
        EventType::Disconnect => {
            // AWS sends a few of its own headers on disconnect, not the client's.
            let headers = vec![
                ("Host".to_owned(), peer.domain_name.clone()),
                ("X-Forwarded-For".to_owned(), peer.source_ip.clone()),
            ];
            let (headers, multi_headers) = multi(&headers);
            event.insert("headers".into(), headers.into());
            event.insert("multiValueHeaders".into(), multi_headers.into());
        }
        EventType::Message => {}
    }
    event.insert("requestContext".into(), request_context(peer, at));
    match at.body {
        Some((body, true)) => {
            event.insert(
                "body".into(),
                base64::engine::general_purpose::STANDARD.encode(body).into(),
            );
            event.insert("isBase64Encoded".into(), true.into());
        }
        Some((body, false)) => {
            event.insert("body".into(), String::from_utf8_lossy(body).into_owned().into());
            event.insert("isBase64Encoded".into(), false.into());
        }
        None => {
            event.insert("isBase64Encoded".into(), false.into());
        }
    }
    if !peer.stage_variables.is_empty() && at.kind == EventType::Connect {
        event.insert(
            "stageVariables".into(),
            serde_json::to_value(&*peer.stage_variables).unwrap_or_default(),
        );
    }
    Value::Object(event)
}

/// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/$connect`.
pub fn connect_arn(peer: &Peer) -> String {
    format!(
        "arn:aws:execute-api:{}:{}:{}/{}/$connect",
        peer.region, peer.account_id, peer.api_id, peer.stage
    )
}

/// The REQUEST authorizer's event on `$connect`.
pub fn authorizer_event(peer: &Peer, at: &Happening<'_>) -> Value {
    let (headers, multi_headers) = multi(&peer.headers);
    let (query, multi_query) = multi(&peer.query);
    json!({
        "type": "REQUEST",
        "methodArn": connect_arn(peer),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "stageVariables": &*peer.stage_variables,
        "requestContext": request_context(peer, at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> Peer {
        Peer {
            connection_id: "L0SM9cOFvHcCIhw=".into(),
            account_id: "000000000000".into(),
            region: "us-east-1".into(),
            api_id: "abc".into(),
            stage: "dev".into(),
            domain_name: "abc.execute-api.localhost:4566".into(),
            source_ip: "127.0.0.1".into(),
            user_agent: "ua".into(),
            connected_at: SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123),
            headers: vec![
                ("Host".into(), "h".into()),
                ("X-A".into(), "1".into()),
                ("X-A".into(), "2".into()),
            ],
            query: vec![("token".into(), "t".into())],
            stage_variables: Arc::default(),
            authorizer: Some(Map::from_iter([("principalId".to_owned(), json!("me"))])),
            api_key: None,
        }
    }

    fn at(kind: EventType, route_key: &str) -> Happening<'_> {
        Happening {
            kind,
            route_key,
            request_id: "rid=",
            received: SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_001_000),
            body: None,
            disconnect: None,
        }
    }

    #[test]
    fn connect_event_has_headers_query_and_authorizer() {
        let event = proxy_event(&peer(), &at(EventType::Connect, "$connect"));
        assert_eq!(event["headers"]["X-A"], "2");
        assert_eq!(event["multiValueHeaders"]["X-A"], json!(["1", "2"]));
        assert_eq!(event["queryStringParameters"]["token"], "t");
        let ctx = &event["requestContext"];
        assert_eq!(ctx["eventType"], "CONNECT");
        assert_eq!(ctx["routeKey"], "$connect");
        assert_eq!(ctx["connectionId"], "L0SM9cOFvHcCIhw=");
        assert_eq!(ctx["connectedAt"], 1_700_000_000_123_i64);
        assert_eq!(ctx["requestTimeEpoch"], 1_700_000_001_000_i64);
        assert_eq!(ctx["requestTime"], "14/Nov/2023:22:13:21 +0000");
        assert_eq!(ctx["messageDirection"], "IN");
        assert_eq!(ctx["authorizer"]["principalId"], "me");
        assert_eq!(ctx["identity"]["sourceIp"], "127.0.0.1");
        assert!(ctx.get("messageId").is_none());
        assert!(event.get("body").is_none());
    }

    #[test]
    fn message_and_disconnect_events() {
        let mut message = at(EventType::Message, "sendmessage");
        message.body = Some((b"{\"action\":\"sendmessage\"}", false));
        let event = proxy_event(&peer(), &message);
        assert_eq!(event["body"], "{\"action\":\"sendmessage\"}");
        assert_eq!(event["isBase64Encoded"], false);
        assert!(event.get("headers").is_none());
        assert_eq!(event["requestContext"]["eventType"], "MESSAGE");
        assert!(event["requestContext"]["messageId"].is_string());

        let mut binary = at(EventType::Message, "$default");
        binary.body = Some((&[0xff, 0x00], true));
        let event = proxy_event(&peer(), &binary);
        assert_eq!(
            (event["body"].as_str(), event["isBase64Encoded"].as_bool()),
            (Some("/wA="), Some(true))
        );

        let mut gone = at(EventType::Disconnect, "$disconnect");
        gone.disconnect = Some((1001, "Going away"));
        let event = proxy_event(&peer(), &gone);
        let ctx = &event["requestContext"];
        assert_eq!(
            (ctx["disconnectStatusCode"].as_u64(), ctx["disconnectReason"].as_str()),
            (Some(1001), Some("Going away"))
        );
        assert_eq!(ctx["eventType"], "DISCONNECT");
    }

    #[test]
    fn authorizer_event_names_the_connect_arn() {
        let event = authorizer_event(&peer(), &at(EventType::Connect, "$connect"));
        assert_eq!(event["type"], "REQUEST");
        assert_eq!(
            event["methodArn"],
            "arn:aws:execute-api:us-east-1:000000000000:abc/dev/$connect"
        );
        assert_eq!(event["queryStringParameters"]["token"], "t");
    }
}

//! One context per request: built once, after routing, and read by every later step (mapping
//! templates' `$context`, Lambda events, authorizers, access logs, traces), so none of them
//! rebuilds it from raw parts. Values AWS formats (times, the stage-prefixed path, headers as
//! sent) are derived on demand from what is kept here.

use crate::route::PathParam;
use crate::stage::{CompiledMethod, CompiledStage};
use axum::extract::ConnectInfo;
use base64::Engine;
use bytes::Bytes;
use http::HeaderMap;
use portico_http::OriginalHeaders;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Who called, as far as execute-api knows (`$context.identity`; the source IP and user agent
/// are on the context itself).
#[derive(Debug, Clone, Default)]
pub struct Identity {
    /// The API key the request carried, once API keys are checked.
    pub api_key: Option<String>,
    pub api_key_id: Option<String>,
    pub caller: Option<String>,
    pub user: Option<String>,
    pub user_arn: Option<String>,
    pub account_id: Option<String>,
    pub access_key: Option<String>,
}

/// What an authorizer returned (`$context.authorizer`, `requestContext.authorizer`).
#[derive(Debug, Clone, Default)]
pub struct AuthorizerOutput {
    pub principal_id: Option<String>,
    pub context: BTreeMap<String, serde_json::Value>,
    pub claims: Option<serde_json::Map<String, serde_json::Value>>,
    /// `usageIdentifierKey` of a Lambda authorizer's answer: the API key when the API's
    /// `apiKeySource` is AUTHORIZER.
    pub usage_identifier_key: Option<String>,
}

/// API Gateway's request time: `28/Nov/2026:17:35:42 +0000`.
pub fn request_time(at: SystemTime) -> String {
    let t = time::OffsetDateTime::from(at);
    let format = time::macros::format_description!("[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000");
    t.format(&format).unwrap_or_default()
}

/// Milliseconds since the epoch.
pub fn epoch_millis(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// A request's ids, made before anything else so that every answer, errors included, has them.
#[derive(Debug, Clone)]
pub struct RequestIds {
    pub request_id: String,
    pub extended_request_id: String,
}

impl RequestIds {
    pub fn new() -> RequestIds {
        // A v4 UUID from the thread's generator: no system call per request.
        let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        RequestIds {
            request_id: id.hyphenated().encode_lower(&mut text).to_owned(),
            extended_request_id: extended_request_id(&id),
        }
    }
}

impl Default for RequestIds {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Debug)]
pub struct RequestContext {
    pub request_id: String,
    pub extended_request_id: String,
    pub received: SystemTime,
    pub account_id: Arc<str>,
    pub region: Arc<str>,
    pub api_id: Arc<str>,
    pub stage: Arc<str>,
    pub deployment_id: Arc<str>,
    /// `$context.isCanaryRequest`: `None` on a stage without a canary.
    pub is_canary: Option<bool>,
    pub resource_id: Arc<str>,
    pub resource_path: Arc<str>,
    pub method: http::Method,
    pub version: http::Version,
    /// The stage-relative path, as sent (still percent-encoded).
    pub path: String,
    pub path_params: Vec<PathParam>,
    /// The request target as sent (the path with the stage, or with `/_aws/execute-api/…`):
    /// what a SigV4 signature covers.
    pub uri: http::Uri,
    /// The query string as sent, without `?`.
    pub raw_query: String,
    pub headers: HeaderMap,
    /// Header names as the client sent them, in order (HTTP/1; the front door captures them).
    pub original_headers: Option<OriginalHeaders>,
    pub body: Bytes,
    pub stage_variables: Arc<BTreeMap<String, String>>,
    /// The peer's address (`$context.identity.sourceIp`).
    pub peer: Option<SocketAddr>,
    pub identity: Identity,
    pub authorizer: Option<AuthorizerOutput>,
    /// The API's `binaryMediaTypes`, as deployed.
    pub binary_media_types: Arc<[String]>,
    /// TestInvokeMethod's execution log, when the request is one; steps add their lines.
    pub trace: Option<std::sync::Mutex<Vec<String>>>,
    /// The private custom domain name the request came through (its policy applies).
    pub private_domain: Option<Arc<crate::domains::PrivateAccess>>,
}

impl RequestContext {
    pub fn new(
        ids: RequestIds,
        mut parts: http::request::Parts,
        body: Bytes,
        path: String,
        stage: &CompiledStage,
        method: &CompiledMethod,
        path_params: Vec<PathParam>,
    ) -> RequestContext {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
        RequestContext {
            request_id: ids.request_id,
            extended_request_id: ids.extended_request_id,
            received: SystemTime::now(),
            account_id: stage.account_id.clone(),
            region: stage.region.clone(),
            api_id: stage.api_id.clone(),
            stage: stage.name.clone(),
            deployment_id: stage.deployment.id.clone(),
            is_canary: stage.canary_side,
            resource_id: method.resource_id.clone(),
            resource_path: method.resource_path.clone(),
            method: parts.method,
            version: parts.version,
            path,
            path_params,
            raw_query: parts.uri.query().unwrap_or_default().to_owned(),
            uri: parts.uri,
            original_headers: parts.extensions.remove::<OriginalHeaders>(),
            private_domain: parts
                .extensions
                .remove::<crate::domains::ViaCustomDomain>()
                .and_then(|via| via.private),
            headers: parts.headers,
            body,
            stage_variables: stage.variables.clone(),
            peer,
            identity: Identity::default(),
            authorizer: None,
            binary_media_types: stage.deployment.binary_media_types.clone(),
            trace: None,
        }
    }

    /// Adds a line to the execution log of a test invoke; nothing is formatted otherwise.
    pub fn trace(&self, line: impl FnOnce() -> String) {
        if let Some(trace) = &self.trace
            && let Ok(mut lines) = trace.lock()
        {
            lines.push(log_line(&line()));
        }
    }

    /// A request no method matched: what gateway responses may still read of it.
    pub fn unrouted(
        ids: RequestIds,
        parts: http::request::Parts,
        body: Bytes,
        path: String,
        stage: &CompiledStage,
    ) -> RequestContext {
        let method = CompiledMethod {
            index: usize::MAX,
            resource_id: Arc::from(""),
            resource_path: Arc::from(""),
            authorization: Default::default(),
            api_key: None,
            validation: None,
            integration: None,
        };
        RequestContext::new(ids, parts, body, path, stage, &method, Vec::new())
    }

    /// Whether a payload of this media type is binary to the API (`binaryMediaTypes`, with
    /// `*` wildcards as in `image/*` and `*/*`).
    pub fn is_binary(&self, media_type: &str) -> bool {
        let media_type = bare_media_type(media_type);
        if media_type.is_empty() {
            return false;
        }
        self.binary_media_types
            .iter()
            .any(|pattern| media_type_matches(pattern, media_type))
    }

    /// `$context.requestTime`: `28/Nov/2026:17:35:42 +0000`.
    pub fn request_time(&self) -> String {
        request_time(self.received)
    }

    /// `$context.requestTimeEpoch`, in milliseconds.
    pub fn request_time_epoch(&self) -> i64 {
        epoch_millis(self.received)
    }

    /// `$context.path`: the path with the stage, as the client named it.
    pub fn full_path(&self) -> String {
        format!("/{}{}", self.stage, self.path)
    }

    /// `$context.identity.sourceIp`.
    pub fn source_ip(&self) -> String {
        source_ip(self.peer)
    }

    /// `$context.identity.userAgent`.
    pub fn user_agent(&self) -> Option<&str> {
        self.header(http::header::USER_AGENT.as_str())
    }

    /// `$context.protocol`.
    pub fn protocol(&self) -> &'static str {
        match self.version {
            http::Version::HTTP_10 => "HTTP/1.0",
            http::Version::HTTP_2 => "HTTP/2.0",
            http::Version::HTTP_3 => "HTTP/3.0",
            _ => "HTTP/1.1",
        }
    }

    /// `$context.domainName`: the host the client called, without a port.
    pub fn domain_name(&self) -> &str {
        let host = self
            .headers
            .get(http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        host.rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host, |(name, _)| name)
    }

    /// `$context.domainPrefix`: the first label of the domain name.
    pub fn domain_prefix(&self) -> &str {
        self.domain_name().split('.').next().unwrap_or_default()
    }

    /// Query parameters in the order sent, decoded; a name may repeat.
    pub fn query(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.raw_query.as_bytes()).into_owned().collect()
    }

    /// The first value of a header, if it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Headers as `(name, value)` in the order received, names spelled as the client spelled
    /// them (lowercase when the names were not captured, as over HTTP/2).
    pub fn headers_in_order(&self) -> Vec<(&str, &str)> {
        let lowercase = || {
            self.headers
                .iter()
                .filter_map(|(name, value)| value.to_str().ok().map(|v| (name.as_str(), v)))
                .collect()
        };
        let Some(original) = &self.original_headers else {
            return lowercase();
        };
        if original.len() != self.headers.len() {
            // Names and values out of step (a header hyper dropped): don't guess.
            return lowercase();
        }
        // The n-th spelling of a name takes that name's n-th value.
        let mut taken: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        original
            .iter()
            .filter_map(|name| {
                let n = taken.entry(name.to_ascii_lowercase()).or_default();
                let value = self.headers.get_all(name).iter().nth(*n)?;
                *n += 1;
                value.to_str().ok().map(|v| (name, v))
            })
            .collect()
    }
}

#[cfg(test)]
impl RequestContext {
    /// A context for unit tests of single steps: `GET /` on stage `dev` of API `api1`.
    pub fn test(headers: HeaderMap) -> RequestContext {
        RequestContext {
            request_id: "0b5d2a6e-5a0b-4c1e-9a79-2c2f1b7e9d10".into(),
            extended_request_id: "C1x2y3z4A5b6c7d=".into(),
            received: SystemTime::now(),
            account_id: "000000000000".into(),
            region: "us-east-1".into(),
            api_id: "api1".into(),
            stage: "dev".into(),
            deployment_id: "d1".into(),
            is_canary: None,
            resource_id: "r1".into(),
            resource_path: "/".into(),
            method: http::Method::GET,
            version: http::Version::HTTP_11,
            path: "/".into(),
            path_params: Vec::new(),
            uri: http::Uri::from_static("/_aws/execute-api/api1/dev/"),
            raw_query: String::new(),
            headers,
            original_headers: None,
            body: Bytes::new(),
            stage_variables: Arc::default(),
            peer: None,
            identity: Identity::default(),
            authorizer: None,
            binary_media_types: Arc::from([]),
            trace: None,
            private_domain: None,
        }
    }
}

/// A line of an execution log as the console shows it: `Thu Nov 28 17:35:42 UTC 2026 : text`.
pub fn log_line(text: &str) -> String {
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[weekday repr:short] [month repr:short] [day] [hour]:[minute]:[second] UTC [year]"
        ))
        .unwrap_or_default();
    format!("{stamp} : {text}")
}

/// A media type without its parameters (`; charset=…`, `;q=…`).
pub fn bare_media_type(text: &str) -> &str {
    text.split(';').next().unwrap_or_default().trim()
}

/// `image/*` matches `image/png`; `*/*` everything; otherwise the names, case-insensitively.
pub fn media_type_matches(pattern: &str, media_type: &str) -> bool {
    let pattern = bare_media_type(pattern);
    let (p_type, p_sub) = pattern.split_once('/').unwrap_or((pattern, ""));
    let (m_type, m_sub) = media_type.split_once('/').unwrap_or((media_type, ""));
    (p_type == "*" || p_type.eq_ignore_ascii_case(m_type)) && (p_sub == "*" || p_sub.eq_ignore_ascii_case(m_sub))
}

/// An id shaped like AWS's extended request ids (`Xx1Yy2Zz3Aa4Bb=`), derived from the request id.
/// The caller's address as `$context.identity.sourceIp` gives it (`127.0.0.1` when unknown).
/// An IPv4 address is written digit by digit: `Display` costs more than the rest of an
/// event's fields together.
pub(crate) fn source_ip(peer: Option<std::net::SocketAddr>) -> String {
    match peer.map(|p| p.ip()) {
        None => "127.0.0.1".to_owned(),
        Some(std::net::IpAddr::V4(ip)) => {
            let mut out = String::with_capacity(15);
            for (i, octet) in ip.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                if octet >= 100 {
                    out.push(char::from(b'0' + octet / 100));
                }
                if octet >= 10 {
                    out.push(char::from(b'0' + octet / 10 % 10));
                }
                out.push(char::from(b'0' + octet % 10));
            }
            out
        }
        Some(ip) => ip.to_string(),
    }
}

fn extended_request_id(id: &uuid::Uuid) -> String {
    base64::engine::general_purpose::STANDARD.encode(&id.as_bytes()[..11])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_keep_the_order_and_case_they_came_in() {
        let mut headers = HeaderMap::new();
        headers.append("x-b", "1".parse().unwrap());
        headers.append("accept", "*/*".parse().unwrap());
        headers.append("x-b", "2".parse().unwrap());
        let mut ctx = RequestContext::test(headers);
        assert_eq!(ctx.headers_in_order(), [("x-b", "1"), ("x-b", "2"), ("accept", "*/*")]);
        ctx.original_headers = Some(OriginalHeaders::from_names(["X-B", "Accept", "x-B"]));
        assert_eq!(ctx.headers_in_order(), [("X-B", "1"), ("Accept", "*/*"), ("x-B", "2")]);
    }

    #[test]
    fn binary_media_types_with_wildcards() {
        let mut ctx = RequestContext::test(HeaderMap::new());
        ctx.binary_media_types = Arc::from(["image/*".to_owned(), "application/octet-stream".to_owned()]);
        assert!(ctx.is_binary("image/png"));
        assert!(ctx.is_binary("Application/Octet-Stream; q=1"));
        assert!(!ctx.is_binary("application/json"));
        assert!(!ctx.is_binary(""));
        assert!(media_type_matches("*/*", "text/plain"));
    }

    #[test]
    fn extended_ids_look_like_aws_ones() {
        let ids = RequestIds::new();
        assert_eq!(ids.request_id.len(), 36);
        assert_eq!(ids.extended_request_id.len(), 16);
        assert!(ids.extended_request_id.ends_with('='));
        assert_ne!(ids.extended_request_id, RequestIds::new().extended_request_id);
    }
}

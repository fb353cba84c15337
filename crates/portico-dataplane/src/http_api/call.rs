//! One request to an HTTP API, as every step after routing reads it.

use axum::extract::ConnectInfo;
use bytes::Bytes;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

/// What an authorizer let through, for the event's `requestContext.authorizer`.
#[derive(Debug, Clone)]
pub enum Authorized {
    Jwt {
        claims: Map<String, Value>,
        scopes: Option<Vec<String>>,
    },
    Lambda {
        context: Map<String, Value>,
    },
    Iam(Value),
}

#[derive(Debug)]
pub struct Call {
    /// HTTP APIs' request id (`apigw-requestid`), e.g. `JKJaXmPLvHcESHA=`.
    pub request_id: String,
    pub received: SystemTime,
    pub account_id: Arc<str>,
    pub region: Arc<str>,
    pub api_id: Arc<str>,
    pub stage: Arc<str>,
    pub route_key: Arc<str>,
    pub method: http::Method,
    pub version: http::Version,
    /// The URI as received (SigV4 signs its path).
    pub uri: http::Uri,
    /// The path as the client sent it, the stage included (not for `$default`).
    pub raw_path: String,
    pub raw_query: String,
    pub headers: http::HeaderMap,
    pub body: Bytes,
    pub path_params: Vec<(String, String)>,
    pub stage_variables: Arc<BTreeMap<String, String>>,
    pub peer: Option<SocketAddr>,
    pub authorized: Option<Authorized>,
}

impl Call {
    pub fn peer_of(parts: &http::request::Parts) -> Option<SocketAddr> {
        parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Query parameters in the order sent, decoded.
    pub fn query(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.raw_query.as_bytes()).into_owned().collect()
    }

    pub fn source_ip(&self) -> String {
        crate::context::source_ip(self.peer)
    }

    /// The port the client called, from `Host` (80 without one).
    pub fn port(&self) -> u16 {
        self.header("host")
            .and_then(|h| h.rsplit_once(':'))
            .and_then(|(_, p)| p.parse().ok())
            .unwrap_or(80)
    }

    /// The host the client called, without a port.
    pub fn domain_name(&self) -> &str {
        let host = self.header("host").unwrap_or_default();
        host.rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host, |(name, _)| name)
    }

    pub fn domain_prefix(&self) -> &str {
        self.domain_name().split('.').next().unwrap_or_default()
    }

    pub fn protocol(&self) -> &'static str {
        match self.version {
            http::Version::HTTP_10 => "HTTP/1.0",
            http::Version::HTTP_2 => "HTTP/2.0",
            _ => "HTTP/1.1",
        }
    }

    /// `04/Mar/2020:19:03:58 +0000`.
    pub fn request_time(&self) -> String {
        crate::context::request_time(self.received)
    }

    /// Milliseconds since the epoch.
    pub fn request_time_epoch(&self) -> i64 {
        crate::context::epoch_millis(self.received)
    }

    /// What parameter mappings read of the request; `path` the routed path.
    pub fn mapping_source<'a>(
        &'a self,
        path: &'a str,
        context: &'a dyn Fn(&str) -> Option<String>,
    ) -> super::params::Source<'a> {
        super::params::Source {
            headers: &self.headers,
            raw_query: &self.raw_query,
            path,
            path_parameters: &self.path_params,
            body: &self.body,
            context,
            stage_variables: &self.stage_variables,
        }
    }

    /// `Root=1-{epoch hex}-{24 hex}` (the request id's first 12 bytes), stable within a
    /// request; written without a string per byte, as it is made on every request.
    pub fn trace_id(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let epoch = self.request_time_epoch() / 1000;
        let bytes = &self.request_id.as_bytes()[..self.request_id.len().min(12)];
        let mut out = String::with_capacity(40);
        out.push_str("Root=1-");
        // At least eight digits, as `{:08x}`.
        let digits = (16 - epoch.leading_zeros() / 4).max(8);
        for shift in (0..digits).rev() {
            out.push(char::from(HEX[(epoch >> (shift * 4)) as usize & 0xf]));
        }
        out.push('-');
        for _ in bytes.len()..12 {
            out.push_str("00");
        }
        for b in bytes {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        out
    }

    /// `$context.{name}` for parameter mappings.
    pub fn context_variable(&self, name: &str) -> Option<String> {
        Some(match name {
            "requestId" | "extendedRequestId" => self.request_id.clone(),
            "accountId" => self.account_id.to_string(),
            "apiId" => self.api_id.to_string(),
            "stage" => self.stage.to_string(),
            "routeKey" => self.route_key.to_string(),
            "httpMethod" => self.method.to_string(),
            "path" => self.raw_path.clone(),
            "protocol" => self.protocol().to_owned(),
            "requestTime" => self.request_time(),
            "requestTimeEpoch" => self.request_time_epoch().to_string(),
            "domainName" => self.domain_name().to_owned(),
            "domainPrefix" => self.domain_prefix().to_owned(),
            "identity.sourceIp" => self.source_ip(),
            "identity.userAgent" => self.header("user-agent").unwrap_or_default().to_owned(),
            _ => {
                let rest = name.strip_prefix("authorizer.")?;
                return match self.authorized.as_ref()? {
                    Authorized::Lambda { context } => context.get(rest).map(text),
                    Authorized::Jwt { claims, .. } => claims.get(rest.strip_prefix("claims.")?).map(text),
                    Authorized::Iam(iam) => iam.get(rest.strip_prefix("iam.")?).map(text),
                };
            }
        })
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn trace_ids_are_the_request_ids_first_twelve_bytes_in_hex() {
        let mut call = crate::http_api::payload::tests::call(&[], "");
        call.request_id = "JKJaXmPLvHcESHA=".into();
        assert_eq!(call.trace_id(), "Root=1-5e5ffb9e-4a4b4a61586d504c76486345");
        call.request_id = "ab".into();
        assert_eq!(call.trace_id(), "Root=1-5e5ffb9e-000000000000000000006162");
    }

    #[test]
    fn source_ips_are_written_as_display_writes_them() {
        let mut call = crate::http_api::payload::tests::call(&[], "");
        for ip in [
            "127.0.0.1",
            "10.0.100.9",
            "255.255.255.255",
            "0.0.0.0",
            "192.168.1.10",
            "::1",
            "fe80::1",
        ] {
            call.peer = Some(std::net::SocketAddr::new(ip.parse().unwrap(), 1234));
            assert_eq!(call.source_ip(), ip);
        }
        call.peer = None;
        assert_eq!(call.source_ip(), "127.0.0.1");
    }
}

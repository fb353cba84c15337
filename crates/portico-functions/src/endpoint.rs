//! Functions run elsewhere: another Lambda API (`Target::Endpoint`) or a Runtime Interface
//! Emulator (`Target::Rie`), both over `portico_http`'s client.

use crate::{Backend, BoxFuture, Credentials, FunctionSpec, Invocation, Outcome, Ran, RunError, Target};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use percent_encoding::utf8_percent_encode;
use portico_http::{HttpClient, OutboundError, OutboundRequest, OutboundResponse};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Room beyond the function's timeout for the other side's cold start and transfer.
const MARGIN: Duration = Duration::from_secs(10);

fn base(url: &str) -> &str {
    url.trim_end_matches('/')
}

fn invocation_headers(invocation: &Invocation) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("x-amz-invocation-type", HeaderValue::from_static("RequestResponse"));
    if invocation.log_tail {
        headers.insert("x-amz-log-type", HeaderValue::from_static("Tail"));
    }
    let optional = [
        ("x-amz-client-context", &invocation.client_context),
        ("x-amzn-trace-id", &invocation.trace_id),
    ];
    for (name, value) in optional {
        if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(name, value);
        }
    }
    headers
}

fn outbound_error(url: &str, error: OutboundError) -> RunError {
    RunError::Backend(format!("{url}: {error}"))
}

/// Lambda's Invoke answer: the function's error is flagged by `X-Amz-Function-Error`; the
/// log tail and executed version come as headers; an AWS error is passed on.
fn outcome(url: &str, answer: OutboundResponse) -> Result<Ran, RunError> {
    if answer.status == StatusCode::TOO_MANY_REQUESTS {
        return Err(RunError::TooManyRequests);
    }
    if !answer.status.is_success() {
        return Err(remote_error(url, &answer));
    }
    let header = |name: &str| {
        answer
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (log_result, executed_version) = (header("x-amz-log-result"), header("x-amz-executed-version"));
    let outcome = match header("x-amz-function-error") {
        Some(kind) => Outcome::FunctionError {
            kind,
            payload: answer.body,
        },
        None => Outcome::Success(answer.body),
    };
    Ok(Ran {
        outcome,
        log_result,
        executed_version,
    })
}

/// An AWS error (`x-amzn-ErrorType`, and Lambda's `{"Type", "Message"}`) as the other side
/// sent it; anything else is the runner's failure.
fn remote_error(url: &str, answer: &OutboundResponse) -> RunError {
    let body = String::from_utf8_lossy(&answer.body);
    let code = answer
        .headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        // AWS may append `:http://internal.amazon.com/...`.
        .map(|v| v.split(':').next().unwrap_or_default().trim().to_owned())
        .filter(|code| !code.is_empty());
    let Some(code) = code else {
        return RunError::Backend(format!("{url} answered {}: {body}", answer.status));
    };
    let document = serde_json::from_slice::<serde_json::Value>(&answer.body).unwrap_or_default();
    let text = |key: &str| document.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    RunError::Remote {
        status: answer.status.as_u16(),
        code,
        message: text("Message").or_else(|| text("message")).unwrap_or_default(),
        error_type: text("Type"),
    }
}

fn parse_uri(url: &str) -> Result<Uri, RunError> {
    url.parse()
        .map_err(|e| RunError::Backend(format!("not a URL: {url}: {e}")))
}

/// `Target::Endpoint`: a SigV4-signed Invoke (service `lambda`, the spec's region).
pub(crate) struct EndpointBackend {
    http: Arc<dyn HttpClient>,
    credentials: Credentials,
}

impl EndpointBackend {
    pub(crate) fn new(http: Arc<dyn HttpClient>, credentials: Credentials) -> EndpointBackend {
        EndpointBackend { http, credentials }
    }

    async fn run(&self, spec: &FunctionSpec, invocation: Invocation) -> Result<Ran, RunError> {
        let Target::Endpoint { url, function } = &spec.target else {
            return Err(RunError::Backend("not an endpoint target".to_owned()));
        };
        let name = utf8_percent_encode(function, crate::sigv4::RESERVED);
        let mut target = format!("{}/2015-03-31/functions/{name}/invocations", base(url));
        if spec.version != "$LATEST" {
            target.push_str("?Qualifier=");
            target.extend(utf8_percent_encode(&spec.version, crate::sigv4::RESERVED));
        }
        let uri = parse_uri(&target)?;
        let mut headers = invocation_headers(&invocation);
        crate::sigv4::sign(
            &Method::POST,
            &uri,
            &mut headers,
            &invocation.payload,
            &crate::sigv4::Signer {
                region: &spec.region,
                service: "lambda",
                credentials: &self.credentials,
            },
            time::OffsetDateTime::now_utc(),
        );
        let request = OutboundRequest {
            method: Method::POST,
            uri,
            headers,
            body: invocation.payload,
            timeout: spec.timeout + MARGIN,
            insecure_skip_verification: false,
        };
        let answer = self.http.send(request).await.map_err(|e| outbound_error(url, e))?;
        outcome(url, answer)
    }
}

impl Backend for EndpointBackend {
    fn invoke<'a>(&'a self, spec: &'a FunctionSpec, invocation: Invocation) -> BoxFuture<'a, Result<Ran, RunError>> {
        Box::pin(self.run(spec, invocation))
    }
}

/// `Target::Rie`: the emulator serves one call at a time, so calls to one URL queue here.
pub(crate) struct RieBackend {
    http: Arc<dyn HttpClient>,
    queues: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl RieBackend {
    pub(crate) fn new(http: Arc<dyn HttpClient>) -> RieBackend {
        RieBackend {
            http,
            queues: Mutex::new(HashMap::new()),
        }
    }

    fn queue(&self, url: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut queues = self.queues.lock().expect("rie queues lock");
        queues.entry(base(url).to_owned()).or_default().clone()
    }

    async fn run(&self, spec: &FunctionSpec, invocation: Invocation) -> Result<Ran, RunError> {
        let Target::Rie { url } = &spec.target else {
            return Err(RunError::Backend("not an RIE target".to_owned()));
        };
        let uri = parse_uri(&format!("{}/2015-03-31/functions/function/invocations", base(url)))?;
        let request = OutboundRequest {
            method: Method::POST,
            uri,
            headers: invocation_headers(&invocation),
            body: invocation.payload,
            timeout: spec.timeout + MARGIN,
            insecure_skip_verification: false,
        };
        let queue = self.queue(url);
        let _turn = queue.lock().await;
        let answer = self.http.send(request).await.map_err(|e| outbound_error(url, e))?;
        let mut ran = outcome(url, answer)?;
        if let Outcome::Success(body) = &ran.outcome
            && looks_like_error(body)
        {
            ran.outcome = Outcome::FunctionError {
                kind: "Unhandled".to_owned(),
                payload: body.clone(),
            };
        }
        Ok(ran)
    }
}

/// The RIE answers a function error with 200 and no `X-Amz-Function-Error`; an answer that
/// is nothing but Lambda's error document is taken for one. (A handler returning exactly
/// such a document is misread; that is the price of the RIE's answer.)
fn looks_like_error(body: &Bytes) -> bool {
    const FIELDS: [&str; 6] = ["errorMessage", "errorType", "stackTrace", "trace", "requestId", "cause"];
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(map)) => {
            map.contains_key("errorMessage") && map.keys().all(|k| FIELDS.contains(&k.as_str()))
        }
        _ => false,
    }
}

impl Backend for RieBackend {
    fn invoke<'a>(&'a self, spec: &'a FunctionSpec, invocation: Invocation) -> BoxFuture<'a, Result<Ran, RunError>> {
        Box::pin(self.run(spec, invocation))
    }

    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.queues.lock().expect("rie queues lock").clear();
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rie_error_documents_are_recognised() {
        let error = Bytes::from_static(br#"{"errorMessage":"boom","errorType":"Exception","stackTrace":[]}"#);
        assert!(looks_like_error(&error));
        let timeout =
            Bytes::from_static(br#"{"errorMessage":"2020-11-10T05:46:57.874Z id Task timed out after 3.00 seconds"}"#);
        assert!(looks_like_error(&timeout));
        let answer = Bytes::from_static(br#"{"errorMessage":"x","statusCode":200}"#);
        assert!(!looks_like_error(&answer));
        assert!(!looks_like_error(&Bytes::from_static(b"\"errorMessage\"")));
    }
}

//! Lambda REQUEST authorizers of HTTP APIs: the event in payload format 1.0 or 2.0, simple
//! responses (`isAuthorized`, `context`; 2.0 only) or IAM policies checked against the route
//! ARN, answers cached per stage and identity for `authorizerResultTtlInSeconds`.

use super::call::Call;
use super::payload;
use crate::authorize::lambda::{Grant, grant};
use crate::functions::{FunctionCall, FunctionResult, Functions};
use crate::integration::aws_proxy::function_of;
use portico_wire::apigatewayv2 as v2;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the function may take (API Gateway's authorizer timeout).
const TIMEOUT: Duration = Duration::from_secs(10);

/// Past this many cached identities the cache starts over.
const MAX_CACHED: usize = 10_000;

#[derive(Debug)]
enum Source {
    Header(String),
    Query(String),
    Context(String),
    StageVariable(String),
}

impl Source {
    fn parse(text: &str) -> Option<Source> {
        let text = text.trim();
        if let Some(name) = text.strip_prefix("$request.header.") {
            return Some(Source::Header(name.to_ascii_lowercase()));
        }
        if let Some(name) = text.strip_prefix("$request.querystring.") {
            return Some(Source::Query(name.to_owned()));
        }
        if let Some(name) = text.strip_prefix("$context.") {
            return Some(Source::Context(name.to_owned()));
        }
        text.strip_prefix("$stageVariables.")
            .map(|name| Source::StageVariable(name.to_owned()))
    }

    fn value(&self, call: &Call) -> Option<String> {
        let value = match self {
            Source::Header(name) => {
                let values: Vec<&str> = call
                    .headers
                    .get_all(name)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                (!values.is_empty()).then(|| values.join(","))
            }
            Source::Query(name) => {
                let values: Vec<String> = call
                    .query()
                    .into_iter()
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v)
                    .collect();
                (!values.is_empty()).then(|| values.join(","))
            }
            Source::Context(name) => call.context_variable(name),
            Source::StageVariable(name) => call.stage_variables.get(name).cloned(),
        };
        value.filter(|v| !v.is_empty())
    }
}

#[derive(Debug)]
enum Verdict {
    Simple { allowed: bool, context: Map<String, Value> },
    Policy(Grant),
}

#[derive(Debug)]
pub struct LambdaAuth {
    function: String,
    v2: bool,
    simple: bool,
    sources: Vec<Source>,
    ttl: Duration,
    /// (stage, identity) → the function's answer, and when.
    cache: Mutex<HashMap<String, (Instant, Arc<Verdict>)>>,
}

/// Why a request is refused: 401, 403, or 500 when the authorizer itself failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Unauthorized,
    Forbidden,
    Failed,
}

impl LambdaAuth {
    pub fn compile(authorizer: &v2::Authorizer) -> Option<LambdaAuth> {
        let uri = authorizer.authorizer_uri.as_deref()?;
        let v2 = authorizer.authorizer_payload_format_version.as_deref() == Some("2.0");
        Some(LambdaAuth {
            function: function_of(uri).unwrap_or_else(|| uri.to_owned()),
            v2,
            simple: v2 && authorizer.enable_simple_responses == Some(true),
            sources: authorizer
                .identity_source
                .iter()
                .flatten()
                .filter_map(|s| Source::parse(s))
                .collect(),
            ttl: Duration::from_secs(authorizer.authorizer_result_ttl_in_seconds.unwrap_or(0).clamp(0, 3600) as u64),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Forgets the cached answers of one stage (ResetAuthorizersCache).
    pub fn flush(&self, stage: &str) {
        let prefix = format!("{stage}\u{0}");
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|key, _| !key.starts_with(&prefix));
    }

    /// The context the function passed on, or why the request is refused.
    pub async fn check(&self, call: &Call, functions: Option<&dyn Functions>) -> Result<Map<String, Value>, Refused> {
        let mut identity = Vec::with_capacity(self.sources.len());
        for source in &self.sources {
            // A missing identity source refuses the request without calling the function.
            identity.push(source.value(call).ok_or(Refused::Unauthorized)?);
        }
        let arn = route_arn(call);
        let key = (!self.ttl.is_zero() && !identity.is_empty())
            .then(|| format!("{}\u{0}{}", call.stage, identity.join("\u{0}")));
        if let Some(key) = &key {
            let cached = self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(key).cloned();
            if let Some((at, verdict)) = cached
                && at.elapsed() < self.ttl
            {
                return decide(&verdict, &arn);
            }
        }
        let verdict = Arc::new(self.ask(call, &identity, &arn, functions).await?);
        if let Some(key) = key {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
            cache.insert(key, (Instant::now(), verdict.clone()));
        }
        decide(&verdict, &arn)
    }

    async fn ask(
        &self,
        call: &Call,
        identity: &[String],
        arn: &str,
        functions: Option<&dyn Functions>,
    ) -> Result<Verdict, Refused> {
        let Some(functions) = functions else {
            tracing::warn!("no Lambda runner for the authorizer");
            return Err(Refused::Failed);
        };
        let event = self.event(call, identity, arn);
        let request = FunctionCall {
            account: call.account_id.to_string(),
            region: call.region.to_string(),
            function: self.function.clone(),
            payload: event.to_string().into(),
        };
        let function = &self.function;
        let payload = match tokio::time::timeout(TIMEOUT, functions.invoke(request)).await {
            Ok(FunctionResult::Answer { error: None, payload }) => payload,
            Ok(FunctionResult::Answer {
                error: Some(kind),
                payload,
            }) => {
                tracing::warn!(function, kind, error = %String::from_utf8_lossy(&payload), "authorizer function failed");
                return Err(Refused::Failed);
            }
            Ok(FunctionResult::NotFound) => {
                tracing::warn!(function, "authorizer function not found");
                return Err(Refused::Failed);
            }
            Ok(FunctionResult::Failed(reason)) => {
                tracing::warn!(function, reason, "authorizer function could not be run");
                return Err(Refused::Failed);
            }
            Err(_) => {
                tracing::warn!(function, "authorizer function timed out");
                return Err(Refused::Failed);
            }
        };
        let read = if self.simple {
            simple(&payload)
        } else {
            grant(&payload).map(Verdict::Policy)
        };
        read.map_err(|reason| {
            tracing::warn!(function, reason, "authorizer's answer is malformed");
            Refused::Failed
        })
    }

    fn event(&self, call: &Call, identity: &[String], arn: &str) -> Value {
        let mut event = if self.v2 {
            payload::event_v2(call)
        } else {
            payload::event_v1(call)
        };
        let Value::Object(fields) = &mut event else {
            return event;
        };
        for name in [
            "body",
            "isBase64Encoded",
            "multiValueHeaders",
            "multiValueQueryStringParameters",
        ] {
            fields.remove(name);
        }
        fields.insert("type".into(), "REQUEST".into());
        if self.v2 {
            fields.insert("routeArn".into(), arn.into());
            fields.insert("identitySource".into(), identity.into());
        } else {
            fields.insert("methodArn".into(), arn.into());
            let joined = identity.join(",");
            fields.insert("identitySource".into(), joined.clone().into());
            fields.insert("authorizationToken".into(), joined.into());
        }
        event
    }
}

/// `{"isAuthorized": bool, "context": {...}}`.
fn simple(payload: &[u8]) -> Result<Verdict, String> {
    let answer: Map<String, Value> = serde_json::from_slice(payload).map_err(|e| format!("not a JSON object: {e}"))?;
    let allowed = answer
        .get("isAuthorized")
        .and_then(Value::as_bool)
        .ok_or("no boolean isAuthorized")?;
    let context = match answer.get("context") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(context)) => context.clone(),
        Some(_) => return Err("context is not an object".into()),
    };
    Ok(Verdict::Simple { allowed, context })
}

fn decide(verdict: &Verdict, arn: &str) -> Result<Map<String, Value>, Refused> {
    match verdict {
        Verdict::Simple { allowed: true, context } => Ok(context.clone()),
        Verdict::Simple { allowed: false, .. } => Err(Refused::Forbidden),
        Verdict::Policy(grant) => {
            grant.decide(arn).map_err(|_| Refused::Forbidden)?;
            let mut context: Map<String, Value> = grant.context.clone().into_iter().collect();
            if let Some(principal) = &grant.principal_id {
                context.insert("principalId".into(), principal.clone().into());
            }
            Ok(context)
        }
    }
}

/// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}{path}`, the path without
/// the stage.
pub fn route_arn(call: &Call) -> String {
    let path = call
        .raw_path
        .strip_prefix(&format!("/{}", call.stage))
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
        .unwrap_or(&call.raw_path);
    format!(
        "arn:aws:execute-api:{}:{}:{}/{}/{}{}",
        call.region, call.account_id, call.api_id, call.stage, call.method, path
    )
}

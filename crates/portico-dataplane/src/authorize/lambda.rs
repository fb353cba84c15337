//! Lambda authorizers (TOKEN or REQUEST): the function's policy is evaluated against the
//! request's method ARN, and cached per identity for the authorizer's TTL (the policy, not the
//! verdict, as AWS caches it: a cached policy that does not cover another method of the same
//! authorizer denies it).

use super::{IdentitySource, authorizer_failure, gateway_error, unauthorized};
use crate::context::{AuthorizerOutput, RequestContext};
use crate::functions::{FunctionCall, FunctionResult, Functions};
use crate::integration::aws_proxy;
use bytes::Bytes;
use http::{Response, StatusCode};
use portico_wire::apigateway as ag;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct LambdaAuthorizer {
    token: bool,
    function: String,
    sources: Vec<IdentitySource>,
    validation: Option<regex::Regex>,
    ttl: Duration,
    /// Identity (with the stage) → the policy the function returned, and when.
    cache: Mutex<HashMap<String, (Instant, Arc<Grant>)>>,
}

/// What an authorizer function returned, once read.
#[derive(Debug)]
pub(crate) struct Grant {
    pub(crate) principal_id: Option<String>,
    statements: Vec<Statement>,
    pub(crate) context: BTreeMap<String, Value>,
    /// The API key of an API whose `apiKeySource` is AUTHORIZER.
    usage_identifier_key: Option<String>,
}

#[derive(Debug)]
struct Statement {
    allow: bool,
    actions: Vec<String>,
    resources: Vec<String>,
}

impl LambdaAuthorizer {
    pub fn compile(authorizer: &ag::Authorizer) -> Option<LambdaAuthorizer> {
        let token = authorizer.r#type.as_deref() != Some("REQUEST");
        let function = aws_proxy::function_of(authorizer.authorizer_uri.as_deref()?)?;
        let sources = authorizer
            .identity_source
            .as_deref()
            .unwrap_or(if token {
                "method.request.header.Authorization"
            } else {
                ""
            })
            .split(',')
            .filter_map(IdentitySource::parse)
            .collect();
        let validation = authorizer
            .identity_validation_expression
            .as_deref()
            .filter(|e| token && !e.is_empty())
            .and_then(|e| regex::Regex::new(&format!("^(?:{e})$")).ok());
        let ttl = Duration::from_secs(
            authorizer
                .authorizer_result_ttl_in_seconds
                .unwrap_or(300)
                .clamp(0, 3600) as u64,
        );
        Some(LambdaAuthorizer {
            token,
            function,
            sources,
            validation,
            ttl,
            cache: Mutex::new(HashMap::new()),
        })
    }
}

fn explicit_deny() -> Response<Bytes> {
    gateway_error(
        StatusCode::FORBIDDEN,
        "AccessDeniedException",
        "{\"Message\":\"User is not authorized to access this resource with an explicit deny\"}".into(),
    )
}

fn not_allowed() -> Response<Bytes> {
    gateway_error(
        StatusCode::FORBIDDEN,
        "AccessDeniedException",
        "{\"Message\":\"User is not authorized to access this resource\"}".into(),
    )
}

/// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`.
pub fn method_arn(ctx: &RequestContext) -> String {
    format!(
        "arn:aws:execute-api:{}:{}:{}/{}/{}/{}",
        ctx.region,
        ctx.account_id,
        ctx.api_id,
        ctx.stage,
        ctx.method,
        ctx.path.trim_start_matches('/')
    )
}

/// IAM's wildcards: `*` any run of characters, `?` any one.
pub(super) fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

/// Reads the function's answer: `principalId`, `policyDocument`, `context`.
pub(crate) fn grant(payload: &[u8]) -> Result<Grant, String> {
    let answer: Map<String, Value> = serde_json::from_slice(payload).map_err(|e| format!("not a JSON object: {e}"))?;
    let document = answer
        .get("policyDocument")
        .and_then(Value::as_object)
        .ok_or("no policyDocument")?;
    let statements = match document.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => return Err("the policy has no Statement".into()),
    };
    let statements = statements
        .iter()
        .map(|s| {
            let allow = match s.get("Effect").and_then(Value::as_str) {
                Some(e) if e.eq_ignore_ascii_case("allow") => true,
                Some(e) if e.eq_ignore_ascii_case("deny") => false,
                _ => return Err("a statement has no Effect of Allow or Deny".to_owned()),
            };
            Ok(Statement {
                allow,
                actions: strings(s.get("Action")),
                resources: strings(s.get("Resource")),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut context = BTreeMap::new();
    if let Some(Value::Object(map)) = answer.get("context") {
        for (key, value) in map {
            match value {
                Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                    context.insert(key.clone(), value.clone());
                }
                // AWS refuses nested values in the context.
                _ => return Err(format!("context.{key} is not a string, number or boolean")),
            }
        }
    }
    Ok(Grant {
        principal_id: answer.get("principalId").and_then(|p| match p {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }),
        statements,
        context,
        usage_identifier_key: answer
            .get("usageIdentifierKey")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// Why a policy refused the method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Denial {
    Explicit,
    NotAllowed,
}

impl Denial {
    fn answer(self) -> Response<Bytes> {
        match self {
            Denial::Explicit => explicit_deny(),
            Denial::NotAllowed => not_allowed(),
        }
    }
}

impl Grant {
    /// Deny wins; then some Allow must cover the method.
    pub(crate) fn decide(&self, arn: &str) -> Result<(), Denial> {
        let covers = |s: &Statement| {
            s.actions
                .iter()
                .any(|a| wildcard_match(&a.to_ascii_lowercase(), "execute-api:invoke"))
                && s.resources.iter().any(|r| wildcard_match(r, arn))
        };
        if self.statements.iter().any(|s| !s.allow && covers(s)) {
            return Err(Denial::Explicit);
        }
        if self.statements.iter().any(|s| s.allow && covers(s)) {
            Ok(())
        } else {
            Err(Denial::NotAllowed)
        }
    }

    fn output(&self) -> AuthorizerOutput {
        AuthorizerOutput {
            principal_id: self.principal_id.clone(),
            context: self.context.clone(),
            claims: None,
            usage_identifier_key: self.usage_identifier_key.clone(),
        }
    }
}

impl LambdaAuthorizer {
    /// `Ok` with what the authorizer passes on, or the answer that ends the request.
    pub async fn authorize(
        &self,
        ctx: &RequestContext,
        functions: Option<&dyn Functions>,
    ) -> Result<AuthorizerOutput, Response<Bytes>> {
        let authorizer = self;
        let identity = self.identity(ctx).ok_or_else(unauthorized)?;
        let arn = method_arn(ctx);
        // REQUEST authorizers without identity sources are never cached.
        let key = (!authorizer.ttl.is_zero() && !identity.is_empty())
            .then(|| format!("{}\u{0}{}", ctx.stage, identity.join("\u{0}")));
        if let Some(key) = &key {
            let cached = authorizer.cache.lock().expect("authorizer cache").get(key).cloned();
            if let Some((at, grant)) = cached
                && at.elapsed() < authorizer.ttl
            {
                grant.decide(&arn).map_err(Denial::answer)?;
                return Ok(grant.output());
            }
        }
        // Boxed: the call's future is large, and most requests are answered from the cache.
        let (grant, _) = Box::pin(self.ask(ctx, functions, &identity, &arn)).await?;
        let grant = Arc::new(grant);
        if let Some(key) = key {
            let mut cache = authorizer.cache.lock().expect("authorizer cache");
            cache.retain(|_, (at, _)| at.elapsed() < authorizer.ttl);
            cache.insert(key, (Instant::now(), grant.clone()));
        }
        grant.decide(&arn).map_err(Denial::answer)?;
        Ok(grant.output())
    }

    /// The identity sources' values, all present, the token matching the validation
    /// expression; `None` is AWS's 401.
    fn identity(&self, ctx: &RequestContext) -> Option<Vec<String>> {
        let identity = self
            .sources
            .iter()
            .map(|source| source.value(ctx))
            .collect::<Option<Vec<String>>>()?;
        if self.token
            && let (Some(expression), Some(token)) = (&self.validation, identity.first())
            && !expression.is_match(token)
        {
            return None;
        }
        Some(identity)
    }

    /// Calls the function with AWS's TOKEN or REQUEST event; its policy, and its answer as sent.
    async fn ask(
        &self,
        ctx: &RequestContext,
        functions: Option<&dyn Functions>,
        identity: &[String],
        arn: &str,
    ) -> Result<(Grant, Bytes), Response<Bytes>> {
        let authorizer = self;
        let Some(functions) = functions else {
            return Err(authorizer_failure());
        };
        let event = if authorizer.token {
            serde_json::json!({
                "type": "TOKEN",
                "methodArn": arn,
                "authorizationToken": identity.first(),
            })
        } else {
            let mut event = aws_proxy::event(ctx);
            if let Value::Object(map) = &mut event {
                map.remove("body");
                map.remove("isBase64Encoded");
                map.insert("type".into(), "REQUEST".into());
                map.insert("methodArn".into(), arn.into());
            }
            event
        };
        let call = FunctionCall {
            function: authorizer.function.clone(),
            account: ctx.account_id.to_string(),
            region: ctx.region.to_string(),
            payload: Bytes::from(event.to_string()),
        };
        match functions.invoke(call).await {
            FunctionResult::Answer { error: None, payload } => match grant(&payload) {
                Ok(grant) => Ok((grant, payload)),
                Err(why) => {
                    tracing::warn!(function = authorizer.function, why, "authorizer answer not understood");
                    Err(authorizer_failure())
                }
            },
            FunctionResult::Answer {
                error: Some(_),
                payload,
            } => {
                let message = serde_json::from_slice::<Value>(&payload)
                    .ok()
                    .and_then(|v| v.get("errorMessage").and_then(Value::as_str).map(str::to_owned));
                if message.as_deref() == Some("Unauthorized") {
                    return Err(unauthorized());
                }
                tracing::warn!(function = authorizer.function, error = %String::from_utf8_lossy(&payload), "authorizer failed");
                Err(authorizer_failure())
            }
            FunctionResult::NotFound | FunctionResult::Failed(_) => {
                tracing::warn!(function = authorizer.function, "authorizer function could not be run");
                Err(authorizer_failure())
            }
        }
    }

    /// TestInvokeAuthorizer: the function asked as for a request (never from the cache), its
    /// policy returned as it wrote it and not evaluated: a test names no method.
    pub async fn test(
        &self,
        ctx: &RequestContext,
        functions: Option<&dyn Functions>,
        log: &mut super::TestLog,
    ) -> super::TestAnswer {
        let identity = match self.identity(ctx) {
            Some(identity) => identity,
            None => {
                log.line("The identity source is missing or does not match the identity validation expression");
                return super::TestAnswer::status(401);
            }
        };
        log.line(format!("Incoming identity: {}", identity.join(",")));
        let arn = method_arn(ctx);
        log.line(format!("Endpoint request: Lambda function {}", self.function));
        match self.ask(ctx, functions, &identity, &arn).await {
            Ok((grant, payload)) => {
                log.line(format!(
                    "Authorizer result body before parsing: {}",
                    String::from_utf8_lossy(&payload)
                ));
                let answer: Value = serde_json::from_slice(&payload).unwrap_or_default();
                log.line(format!(
                    "Using valid authorizer policy for principal: {}",
                    grant.principal_id.as_deref().unwrap_or_default()
                ));
                super::TestAnswer {
                    client_status: 200,
                    principal_id: grant.principal_id.clone(),
                    policy: answer.get("policyDocument").map(Value::to_string),
                    claims: None,
                }
            }
            Err(answer) => {
                let status = answer.status().as_u16();
                log.line(if status == 401 {
                    "The authorizer answered Unauthorized".to_owned()
                } else {
                    "Execution failed due to configuration error: the authorizer failed or answered without a valid policy".to_owned()
                });
                super::TestAnswer::status(status)
            }
        }
    }

    /// Forgets the cached policies of `stage` (FlushStageAuthorizersCache).
    pub fn flush(&self, stage: &str) {
        let prefix = format!("{stage}\u{0}");
        self.cache
            .lock()
            .expect("authorizer cache")
            .retain(|key, _| !key.starts_with(&prefix));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iam_wildcards() {
        let arn = "arn:aws:execute-api:us-east-1:000000000000:abc/dev/GET/pets/1";
        assert!(wildcard_match(
            "arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/*",
            arn
        ));
        assert!(wildcard_match("*", arn));
        assert!(wildcard_match(
            "arn:aws:execute-api:us-east-1:000000000000:abc/dev/GET/pets/?",
            arn
        ));
        assert!(!wildcard_match(
            "arn:aws:execute-api:us-east-1:000000000000:abc/*/POST/*",
            arn
        ));
        assert!(!wildcard_match(
            "arn:aws:execute-api:us-east-1:000000000000:abc/dev/GET/pets",
            arn
        ));
    }

    #[test]
    fn policies_deny_first_then_allow() {
        let arn = "arn:aws:execute-api:us-east-1:0:abc/dev/GET/x";
        let g = |doc: Value| {
            grant(
                serde_json::json!({"principalId": "u", "policyDocument": doc})
                    .to_string()
                    .as_bytes(),
            )
        };
        let allow = g(serde_json::json!({"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": arn}]})).unwrap();
        assert!(allow.decide(arn).is_ok());
        assert_eq!(
            allow.decide("arn:aws:execute-api:us-east-1:0:abc/dev/POST/x"),
            Err(Denial::NotAllowed)
        );
        let both = g(serde_json::json!({"Statement": [
            {"Action": "*", "Effect": "Allow", "Resource": "*"},
            {"Action": ["execute-api:Invoke"], "Effect": "Deny", "Resource": ["*/GET/*"]}]}))
        .unwrap();
        assert_eq!(both.decide(arn), Err(Denial::Explicit));
        assert!(g(serde_json::json!({"Statement": [{"Effect": "Maybe"}]})).is_err());
        assert!(grant(b"{}").is_err());
        let nested = serde_json::json!({"principalId": "u", "context": {"a": {"b": 1}},
            "policyDocument": {"Statement": []}});
        assert!(grant(nested.to_string().as_bytes()).is_err());
    }
}

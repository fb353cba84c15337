//! The authorize step: before the integration, the method's authorization decides, one file
//! per kind:
//! - `lambda`: Lambda TOKEN/REQUEST authorizers, their policies and their cache;
//! - `cognito`: COGNITO_USER_POOLS authorizers, tokens checked against the pools' key sets
//!   (`jwks`);
//! - `iam`: AWS_IAM, the request's SigV4 signature checked against the configured credentials.
//!
//! What can be settled when a deployment compiles is: each authorizer once per deployment
//! (shared by its methods, so a flush or a cached policy spans them), pool ids and their key
//! sets, scopes. A request only verifies.

mod cognito;
pub(crate) mod iam;
pub(crate) mod jwks;
pub(crate) mod lambda;
pub mod policy;

pub use iam::IamCredentials;
pub use jwks::KeySets;
pub use lambda::method_arn;

use crate::context::{AuthorizerOutput, RequestContext};
use crate::functions::Functions;
use bytes::Bytes;
use cognito::CognitoAuthorizer;
use http::{Response, StatusCode};
use lambda::LambdaAuthorizer;
use portico_http::HttpClient;
use portico_wire::apigateway as ag;
use std::collections::HashMap;
use std::sync::Arc;

/// The identity settings of the server (`--cognito-jwks`, `--cognito-skip-signature`,
/// `--iam-credentials`, `--jwt-issuer`).
#[derive(Debug, Clone, Default)]
pub struct AuthSettings {
    /// A user pool id or issuer URL, and the JWKS file or URL of its keys.
    pub cognito_jwks: Vec<(String, String)>,
    /// Checks everything of a Cognito token but its signature.
    pub cognito_skip_signature: bool,
    /// Access key and secret of each credential AWS_IAM methods accept.
    pub iam_credentials: Vec<(String, String)>,
    /// The account of an access key that is not a 12-digit account id.
    pub default_account: String,
    /// A JWT issuer URL, and the JWKS file or URL of its keys (instead of its discovery document).
    pub jwt_issuers: Vec<(String, String)>,
}

/// The settings, ready for compiling deployments and serving requests.
#[derive(Debug, Default)]
pub struct Auth {
    pub key_sets: KeySets,
    pub skip_signature: bool,
    pub iam: IamCredentials,
    /// The key sources of HTTP APIs' JWT authorizers' issuers.
    pub issuers: crate::http_api::jwt::Issuers,
}

impl Auth {
    pub fn new(settings: &AuthSettings) -> Auth {
        if settings.cognito_skip_signature {
            tracing::warn!(
                "--cognito-skip-signature is on: Cognito tokens are accepted without checking their signature; anyone can mint one"
            );
        }
        Auth {
            key_sets: KeySets::new(&settings.cognito_jwks),
            skip_signature: settings.cognito_skip_signature,
            iam: IamCredentials::new(&settings.iam_credentials, &settings.default_account),
            issuers: crate::http_api::jwt::Issuers::new(&settings.jwt_issuers),
        }
    }
}

/// What a request needs from outside the stage to be authorized.
pub struct Env<'a> {
    pub functions: Option<&'a dyn Functions>,
    pub client: &'a dyn HttpClient,
    pub auth: &'a Auth,
}

/// A deployment's authorizers, compiled once and shared by its methods.
#[derive(Debug, Default)]
pub struct Authorizers {
    by_id: HashMap<String, Compiled>,
}

#[derive(Debug, Clone)]
enum Compiled {
    Lambda(Arc<LambdaAuthorizer>),
    Cognito(Arc<CognitoAuthorizer>),
    /// An authorizer that cannot run (no Lambda function in its URI, an unknown type).
    Broken(String),
}

impl Authorizers {
    pub fn compile(authorizers: &[ag::Authorizer], auth: &Auth) -> Authorizers {
        let by_id = authorizers
            .iter()
            .filter_map(|a| {
                let id = a.id.clone()?;
                let compiled = match a.r#type.as_deref() {
                    Some("TOKEN" | "REQUEST") => match LambdaAuthorizer::compile(a) {
                        Some(compiled) => Compiled::Lambda(Arc::new(compiled)),
                        None => {
                            Compiled::Broken(format!("authorizer {id} has no Lambda function in its authorizerUri"))
                        }
                    },
                    Some("COGNITO_USER_POOLS") => Compiled::Cognito(Arc::new(CognitoAuthorizer::compile(a, auth))),
                    other => Compiled::Broken(format!("authorizer {id} has an unknown type {other:?}")),
                };
                Some((id, compiled))
            })
            .collect();
        Authorizers { by_id }
    }

    /// FlushStageAuthorizersCache: forgets every cached answer of `stage`.
    pub fn flush(&self, stage: &str) {
        for compiled in self.by_id.values() {
            if let Compiled::Lambda(authorizer) = compiled {
                authorizer.flush(stage);
            }
        }
    }
}

/// How a deployed method is authorized.
#[derive(Debug, Default)]
pub enum Authorization {
    #[default]
    None,
    Lambda(Arc<LambdaAuthorizer>),
    Cognito {
        authorizer: Arc<CognitoAuthorizer>,
        /// The method's `authorizationScopes`: an access token must carry one of them.
        scopes: Box<[String]>,
    },
    Iam,
    /// A configuration that cannot be enforced: refused, never let through.
    Unsupported(String),
}

impl Authorization {
    pub fn compile(method: &ag::Method, authorizers: &Authorizers) -> Authorization {
        let kind = method.authorization_type.as_deref().unwrap_or("NONE");
        let authorizer = || {
            method
                .authorizer_id
                .as_deref()
                .and_then(|id| authorizers.by_id.get(id))
                .cloned()
        };
        match (kind, authorizer()) {
            ("NONE", _) => Authorization::None,
            ("AWS_IAM", _) => Authorization::Iam,
            ("CUSTOM", Some(Compiled::Lambda(a))) => Authorization::Lambda(a),
            ("COGNITO_USER_POOLS", Some(Compiled::Cognito(authorizer))) => Authorization::Cognito {
                authorizer,
                scopes: method.authorization_scopes.clone().unwrap_or_default().into(),
            },
            ("CUSTOM" | "COGNITO_USER_POOLS", Some(Compiled::Broken(why))) => Authorization::Unsupported(why),
            ("CUSTOM" | "COGNITO_USER_POOLS", Some(_)) => {
                Authorization::Unsupported(format!("{kind} names an authorizer of another type"))
            }
            ("CUSTOM" | "COGNITO_USER_POOLS", None) => {
                Authorization::Unsupported("the method's authorizer is not in the deployment".into())
            }
            (other, _) => Authorization::Unsupported(format!("unknown authorization type {other}")),
        }
    }
}

/// Where an authorizer reads the caller's identity.
#[derive(Debug)]
enum IdentitySource {
    Header(String),
    Query(String),
    StageVariable(String),
    Context(String),
}

impl IdentitySource {
    fn parse(text: &str) -> Option<IdentitySource> {
        let text = text.trim();
        if let Some(name) = text.strip_prefix("method.request.header.") {
            Some(IdentitySource::Header(name.to_owned()))
        } else if let Some(name) = text.strip_prefix("method.request.querystring.") {
            Some(IdentitySource::Query(name.to_owned()))
        } else if let Some(name) = text.strip_prefix("stageVariables.") {
            Some(IdentitySource::StageVariable(name.to_owned()))
        } else {
            text.strip_prefix("context.")
                .map(|name| IdentitySource::Context(name.to_owned()))
        }
    }

    fn value(&self, ctx: &RequestContext) -> Option<String> {
        let value = match self {
            IdentitySource::Header(name) => ctx.header(name).map(str::to_owned),
            IdentitySource::Query(name) => ctx.query().into_iter().rev().find(|(n, _)| n == name).map(|(_, v)| v),
            IdentitySource::StageVariable(name) => ctx.stage_variables.get(name).cloned(),
            IdentitySource::Context(name) => match name.as_str() {
                "httpMethod" => Some(ctx.method.to_string()),
                "resourcePath" => Some(ctx.resource_path.to_string()),
                "stage" => Some(ctx.stage.to_string()),
                "identity.sourceIp" => Some(ctx.source_ip()),
                "identity.userAgent" => ctx.user_agent().map(str::to_owned),
                "requestId" => Some(ctx.request_id.clone()),
                _ => None,
            },
        };
        value.filter(|v| !v.is_empty())
    }
}

fn gateway_error(status: StatusCode, error_type: &'static str, body: String) -> Response<Bytes> {
    // The gateway response this answer is, for an API's customised ones; the message is the
    // one the default body carries.
    let response_type = match error_type {
        "UnauthorizedException" => "UNAUTHORIZED",
        "AccessDeniedException" => "ACCESS_DENIED",
        "AuthorizerConfigurationException" => "AUTHORIZER_CONFIGURATION_ERROR",
        "MissingAuthenticationTokenException" => "MISSING_AUTHENTICATION_TOKEN",
        "InvalidSignatureException" => "INVALID_SIGNATURE",
        "ExpiredTokenException" => "EXPIRED_TOKEN",
        _ if status.is_server_error() => "DEFAULT_5XX",
        _ => "DEFAULT_4XX",
    };
    let message = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            let m = v.get("message").or_else(|| v.get("Message"))?;
            m.as_str().map(str::to_owned)
        })
        .unwrap_or_default();
    let mut response = Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header("x-amzn-ErrorType", error_type)
        .body(Bytes::from(body))
        .expect("static answer");
    response
        .extensions_mut()
        .insert(crate::respond::GatewayError::new(response_type, &message));
    response
}

/// A 403 with `{"message": ...}`, as execute-api's IAM answers are.
fn forbidden(error_type: &'static str, message: &str) -> Response<Bytes> {
    gateway_error(
        StatusCode::FORBIDDEN,
        error_type,
        serde_json::json!({ "message": message }).to_string(),
    )
}

pub fn unauthorized() -> Response<Bytes> {
    gateway_error(
        StatusCode::UNAUTHORIZED,
        "UnauthorizedException",
        "{\"message\":\"Unauthorized\"}".into(),
    )
}

/// The authorizer failed (an error other than `Unauthorized`, no policy, a malformed answer),
/// or cannot run at all.
fn authorizer_failure() -> Response<Bytes> {
    gateway_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "AuthorizerConfigurationException",
        "{\"message\":null}".into(),
    )
}

/// Runs the step: on success the context carries what the authorizer passes on
/// (`authorizer`) and who called (`identity`); otherwise the answer that ends the request.
pub async fn authorize(
    authorization: &Authorization,
    ctx: &mut RequestContext,
    env: &Env<'_>,
) -> Result<(), Response<Bytes>> {
    match authorization {
        Authorization::None => Ok(()),
        Authorization::Lambda(authorizer) => {
            ctx.authorizer = Some(authorizer.authorize(ctx, env.functions).await?);
            Ok(())
        }
        Authorization::Cognito { authorizer, scopes } => {
            let claims = authorizer.authorize(ctx, scopes, env).await?;
            ctx.authorizer = Some(AuthorizerOutput {
                claims: Some(claims),
                ..AuthorizerOutput::default()
            });
            Ok(())
        }
        Authorization::Iam => {
            let caller = env
                .auth
                .iam
                .verify(ctx, time::OffsetDateTime::now_utc())
                .map_err(iam::Refusal::answer)?;
            ctx.identity.access_key = Some(caller.access_key);
            ctx.identity.caller = Some(caller.caller);
            ctx.identity.user = Some(caller.user);
            ctx.identity.user_arn = Some(caller.user_arn);
            ctx.identity.account_id = Some(caller.account_id);
            Ok(())
        }
        Authorization::Unsupported(why) => {
            tracing::warn!(
                resource = &*ctx.resource_path,
                why,
                "request refused: the method's authorization cannot be enforced"
            );
            Err(authorizer_failure())
        }
    }
}

/// TestInvokeAuthorizer's execution log, in the shape of AWS's (`{time} : {line}`).
#[derive(Debug, Default)]
pub struct TestLog {
    lines: Vec<String>,
}

impl TestLog {
    fn line(&mut self, text: impl Into<String>) {
        self.lines.push(crate::context::log_line(&text.into()));
    }
}

/// What TestInvokeAuthorizer answers besides the log and latency.
#[derive(Debug, Default)]
pub struct TestAnswer {
    /// What a client would have been answered: 200 with a policy (or claims), 401, 500.
    pub client_status: u16,
    pub principal_id: Option<String>,
    /// The policy document as the function wrote it.
    pub policy: Option<String>,
    pub claims: Option<std::collections::BTreeMap<String, String>>,
}

impl TestAnswer {
    fn status(client_status: u16) -> TestAnswer {
        TestAnswer {
            client_status,
            ..TestAnswer::default()
        }
    }
}

/// The simulated request of a TestInvokeAuthorizer call, and where it runs.
pub struct TestRequest<'a> {
    pub account_id: &'a str,
    pub region: &'a str,
    pub api_id: &'a str,
    pub input: &'a ag::TestInvokeAuthorizerRequest,
}

/// The stage AWS names in a test invoke's method ARN: no stage is deployed for it.
const TEST_STAGE: &str = "ESTestInvoke-stage";

/// TestInvokeAuthorizer: runs `authorizer` once for the simulated request, as a request would
/// (identity sources, validation, the function or the token checks), without its cache.
pub async fn test_invoke(
    authorizer: &ag::Authorizer,
    request: TestRequest<'_>,
    env: &Env<'_>,
) -> ag::TestInvokeAuthorizerResponse {
    let started = std::time::Instant::now();
    let ids = crate::context::RequestIds::new();
    let mut log = TestLog::default();
    log.line(format!(
        "Starting authorizer: {} for request: {}",
        authorizer.id.as_deref().unwrap_or_default(),
        ids.request_id
    ));
    let ctx = simulated(&request, ids);
    let mut settings = authorizer.clone();
    settings.authorizer_result_ttl_in_seconds = Some(0);
    let answer = match Authorizers::compile(std::slice::from_ref(&settings), env.auth)
        .by_id
        .into_values()
        .next()
    {
        Some(Compiled::Lambda(lambda)) => lambda.test(&ctx, env.functions, &mut log).await,
        Some(Compiled::Cognito(cognito)) => match cognito.authorize(&ctx, &[], env).await {
            Ok(claims) => {
                log.line("The token is valid");
                TestAnswer {
                    client_status: 200,
                    claims: Some(
                        claims
                            .into_iter()
                            .map(|(k, v)| match v {
                                serde_json::Value::String(s) => (k, s),
                                other => (k, other.to_string()),
                            })
                            .collect(),
                    ),
                    ..TestAnswer::default()
                }
            }
            Err(answer) => {
                log.line("The token is missing, invalid or expired");
                TestAnswer::status(answer.status().as_u16())
            }
        },
        Some(Compiled::Broken(why)) => {
            log.line(format!("Execution failed due to configuration error: {why}"));
            TestAnswer::status(500)
        }
        None => TestAnswer::status(500),
    };
    log.line(if answer.client_status == 200 {
        "Successfully completed authorizer execution"
    } else {
        "Unsuccessful authorizer execution"
    });
    ag::TestInvokeAuthorizerResponse {
        client_status: Some(answer.client_status.into()),
        log: Some(format!(
            "Execution log for request {}\n{}\n",
            ctx.request_id,
            log.lines.join("\n")
        )),
        latency: Some(started.elapsed().as_millis() as i64),
        principal_id: answer.principal_id,
        policy: answer.policy,
        authorization: None,
        claims: answer.claims.map(|c| c.into_iter().collect()),
    }
}

/// The request a test invoke describes: GET of `pathWithQueryString` with its headers and
/// stage variables.
fn simulated(request: &TestRequest<'_>, ids: crate::context::RequestIds) -> RequestContext {
    let input = request.input;
    let target = input.path_with_query_string.as_deref().unwrap_or("/");
    let target = if target.starts_with('/') {
        target.to_owned()
    } else {
        format!("/{target}")
    };
    let uri: http::Uri = target.parse().unwrap_or_else(|_| http::Uri::from_static("/"));
    let mut headers = http::HeaderMap::new();
    let singles = input
        .headers
        .iter()
        .flatten()
        .map(|(k, v)| (k, std::slice::from_ref(v)));
    let multis = input
        .multi_value_headers
        .iter()
        .flatten()
        .map(|(k, v)| (k, v.as_slice()));
    for (name, values) in singles.chain(multis) {
        let Ok(name) = http::HeaderName::from_bytes(name.as_bytes()) else {
            continue;
        };
        for value in values {
            if let Ok(value) = http::HeaderValue::from_str(value) {
                headers.append(name.clone(), value);
            }
        }
    }
    let stage_variables = input.stage_variables.clone().unwrap_or_default();
    RequestContext {
        request_id: ids.request_id,
        extended_request_id: ids.extended_request_id,
        received: std::time::SystemTime::now(),
        account_id: request.account_id.into(),
        region: request.region.into(),
        api_id: request.api_id.into(),
        stage: TEST_STAGE.into(),
        deployment_id: "".into(),
        is_canary: None,
        resource_id: "".into(),
        resource_path: uri.path().into(),
        method: http::Method::GET,
        version: http::Version::HTTP_11,
        path: uri.path().to_owned(),
        path_params: Vec::new(),
        raw_query: uri.query().unwrap_or_default().to_owned(),
        uri,
        original_headers: None,
        headers,
        body: Bytes::from(input.body.clone().unwrap_or_default()),
        stage_variables: Arc::new(stage_variables.into_iter().collect()),
        peer: None,
        identity: Default::default(),
        authorizer: None,
        binary_media_types: Arc::from([]),
        trace: None,
        private_domain: None,
    }
}

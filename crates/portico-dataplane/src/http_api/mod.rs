//! execute-api for HTTP APIs (apigatewayv2, `protocolType: HTTP`): stage → route → throttle →
//! authorize → integrate (AWS_PROXY to Lambda with payload 2.0 or 1.0, AWS_PROXY to an AWS
//! service by subtype, HTTP_PROXY) → respond, with HTTP APIs' own answers
//! (`{"message":"Not Found"}`, `apigw-requestid`).
//!
//! - `compile`: an API's stages with their deployments, compiled once per change to the API.
//! - `routes`: route keys matched by AWS's precedence.
//! - `call`: the request as the later steps read it.
//! - `payload`: Lambda events (2.0 and 1.0) and the function's answers.
//! - `lambda_auth`: Lambda REQUEST authorizers; `jwt`: JWT authorizers (OIDC discovery or
//!   `--jwt-issuer` key sets).
//! - `cors`: an API's `corsConfiguration`: preflights answered, headers on every answer.
//! - `params`: parameter mapping of integrations, both ways.
//! - `aws_service`: AWS service integrations (`integrationSubtype`), sent to `--aws-endpoint`.

mod aws_service;
mod call;
mod compile;
mod cors;
pub(crate) mod jwt;
mod lambda_auth;
mod params;
mod payload;
mod routes;

use crate::authorize::iam::SignedRequest;
use crate::by_api_id::ByApiId;
use crate::functions::{FunctionCall, FunctionResult, Functions};
use crate::mapping::UriTemplate;
use crate::parse::Invocation;
use crate::throttle::Throttles;
use crate::vpc_links::VpcLinks;
use bytes::Bytes;
use call::Call;
use compile::{Authorization, CompiledApi, Deployment, Integration, Kind, Stage};
use http::header::{self, HeaderName, HeaderValue};
use http::{Response, StatusCode};
use portico_http::{HttpClient, OutboundError, OutboundRequest};
use portico_store::{Changed, Store, StoreError};
use portico_v2::kinds::{API, DEPLOYMENT, SNAPSHOT, STAGE};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;
use tracing::Instrument;

/// Marks an HTTP API's answer: it carries `apigw-requestid`, not REST's id headers.
#[derive(Debug, Clone, Copy)]
pub struct HttpApiAnswer;

/// Compiled HTTP APIs by id.
#[derive(Default)]
pub struct HttpApis {
    entries: ByApiId<CompiledApi>,
}

/// What serving needs from outside the API.
pub struct Env<'a> {
    pub store: &'a Store,
    /// IAM credentials (AWS_IAM routes) and JWT issuers.
    pub auth: &'a crate::authorize::Auth,
    pub client: &'a dyn HttpClient,
    pub functions: Option<&'a dyn Functions>,
    pub throttles: &'a Throttles,
    pub vpc_links: &'a VpcLinks,
    /// Where AWS service integrations are sent (`--aws-endpoint`).
    pub aws: Option<&'a crate::AwsEndpoint>,
}

impl HttpApis {
    /// A commit that touched an API (anything in its tree) drops what is compiled of it; a
    /// new API drops the memory that its id was none.
    pub fn changed(&self, changes: &[Changed]) {
        self.entries.changed(changes, API.name);
    }

    /// ResetAuthorizersCache: the stage's Lambda authorizers ask again.
    pub fn flush_authorizers(&self, api_id: &str, stage: &str) {
        if let Some(api) = self.entries.loaded(api_id) {
            for compiled in api.stages.values() {
                for authorizer in &compiled.deployment.lambda_authorizers {
                    authorizer.flush(stage);
                }
            }
        }
    }

    async fn lookup(&self, env: &Env<'_>, api_id: &str) -> Result<Option<Arc<CompiledApi>>, StoreError> {
        self.entries.get(api_id, || load(env, api_id)).await
    }
}

async fn load(env: &Env<'_>, api_id: &str) -> Result<Option<Arc<CompiledApi>>, StoreError> {
    let Some(api) = env.store.global(&API, api_id).await? else {
        return Ok(None);
    };
    if api.doc.protocol_type.as_deref() != Some("HTTP") {
        return Ok(None);
    }
    let scope = api.row.scope();
    let mut deployments: HashMap<String, Arc<Deployment>> = HashMap::new();
    let mut stages = HashMap::new();
    for stage in env.store.children(&STAGE, &api.row).await? {
        let Some(deployment_id) = stage.doc.deployment_id.clone() else {
            continue;
        };
        let deployment = match deployments.get(&deployment_id) {
            Some(d) => d.clone(),
            None => {
                let Some(row) = env.store.child(&DEPLOYMENT, &api.row, &deployment_id).await? else {
                    tracing::warn!(api_id, deployment_id, "stage's deployment is missing");
                    continue;
                };
                let Some(snapshot) = env.store.child(&SNAPSHOT, &row.row, &deployment_id).await? else {
                    tracing::warn!(api_id, deployment_id, "deployment has no snapshot");
                    continue;
                };
                let compiled = Arc::new(Deployment::compile(&snapshot.doc));
                deployments.insert(deployment_id, compiled.clone());
                compiled
            }
        };
        let compiled = Stage::compile(
            (&scope.account, &scope.region),
            api_id,
            &stage.doc,
            deployment,
            env.throttles,
        );
        stages.insert(compiled.name.to_string(), Arc::new(compiled));
    }
    tracing::debug!(api_id, stages = stages.len(), "compiled HTTP API");
    Ok(Some(Arc::new(CompiledApi {
        account_id: scope.account.as_str().into(),
        region: scope.region.as_str().into(),
        api_id: api_id.into(),
        disabled: api.doc.disable_execute_api_endpoint == Some(true),
        stages,
    })))
}

/// `{"message": ...}`, HTTP APIs' error answers.
fn message(status: StatusCode, text: &str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(serde_json::json!({ "message": text }).to_string()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn not_found() -> Response<Bytes> {
    message(StatusCode::NOT_FOUND, "Not Found")
}

fn internal_error() -> Response<Bytes> {
    message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
}

fn refusal(refused: lambda_auth::Refused) -> Response<Bytes> {
    match refused {
        lambda_auth::Refused::Unauthorized => message(StatusCode::UNAUTHORIZED, "Unauthorized"),
        lambda_auth::Refused::Forbidden => message(StatusCode::FORBIDDEN, "Forbidden"),
        lambda_auth::Refused::Failed => internal_error(),
    }
}

fn unavailable() -> Response<Bytes> {
    message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
}

impl HttpApis {
    /// Serves a request for `target` if its API is an HTTP API; `Err` gives the request back
    /// when the id names none.
    pub async fn serve(
        &self,
        env: Env<'_>,
        target: Invocation,
        parts: http::request::Parts,
        body: Bytes,
        request_id: String,
    ) -> Result<Response<Bytes>, (Invocation, http::request::Parts, Bytes)> {
        let api = match self.lookup(&env, &target.api_id).await {
            Ok(Some(api)) => api,
            Ok(None) => return Err((target, parts, body)),
            Err(error) => {
                tracing::error!(%error, "loading an HTTP API");
                return Ok(internal_error());
            }
        };
        // `disableExecuteApiEndpoint`: only custom domain names reach the API.
        let mut response = if api.disabled && parts.extensions.get::<crate::domains::ViaCustomDomain>().is_none() {
            message(StatusCode::FORBIDDEN, "Forbidden")
        } else {
            let span = tracing::debug_span!("http-api", request_id, api_id = target.api_id);
            answer(&api, &env, target, parts, body, request_id.clone())
                .instrument(span)
                .await
        };
        if let Ok(id) = HeaderValue::from_str(&request_id) {
            response
                .headers_mut()
                .insert(HeaderName::from_static("apigw-requestid"), id);
        }
        response.extensions_mut().insert(HttpApiAnswer);
        Ok(response)
    }
}

/// The stage a request names and the path to route: a stage named by the first segment, else
/// the `$default` stage with the whole path.
fn pick_stage<'a>(api: &'a CompiledApi, target: &'a Invocation) -> Option<(&'a Arc<Stage>, &'a str)> {
    if target.stage != "$default"
        && let Some(stage) = api.stages.get(&target.stage)
    {
        return Some((stage, &target.path));
    }
    let stage = api.stages.get("$default")?;
    Some(if target.stage == "$default" {
        (stage, &target.path)
    } else {
        (stage, &target.whole_path)
    })
}

async fn answer(
    api: &CompiledApi,
    env: &Env<'_>,
    target: Invocation,
    parts: http::request::Parts,
    body: Bytes,
    request_id: String,
) -> Response<Bytes> {
    let Some((stage, path)) = pick_stage(api, &target) else {
        return not_found();
    };
    let deployment = &stage.deployment;
    let matched = deployment.routes.find(parts.method.as_str(), path);
    let Some(cors) = &deployment.cors else {
        return routed(api, env, stage, matched, path, &target, parts, body, request_id).await;
    };
    if matched.is_none()
        && let Some(preflight) = cors.preflight(&parts.method, &parts.headers)
    {
        return preflight;
    }
    // Only the Origin decides the CORS headers of the answer.
    let origin = parts.headers.get(header::ORIGIN).cloned();
    let mut response = routed(api, env, stage, matched, path, &target, parts, body, request_id).await;
    cors.decorate(origin.as_ref(), response.headers_mut());
    response
}

#[allow(clippy::too_many_arguments)]
async fn routed(
    api: &CompiledApi,
    env: &Env<'_>,
    stage: &Stage,
    matched: Option<routes::Matched>,
    path: &str,
    target: &Invocation,
    parts: http::request::Parts,
    body: Bytes,
    request_id: String,
) -> Response<Bytes> {
    let deployment = &stage.deployment;
    let Some(matched) = matched else {
        return not_found();
    };
    let route = &deployment.route_info[matched.index];
    let now = env.throttles.clock.now();
    let route_ok = stage.route_buckets[matched.index].as_ref().is_none_or(|b| b.take(now));
    if !route_ok || !stage.account_bucket.take(now) {
        return message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
    }
    let raw_path = if target.stage == "$default" {
        target.path.clone()
    } else {
        target.whole_path.clone()
    };
    let peer = Call::peer_of(&parts);
    let mut call = Call {
        request_id,
        received: SystemTime::now(),
        account_id: api.account_id.clone(),
        region: api.region.clone(),
        api_id: api.api_id.clone(),
        stage: stage.name.clone(),
        route_key: route.key.clone(),
        raw_query: parts.uri.query().unwrap_or_default().to_owned(),
        method: parts.method,
        version: parts.version,
        uri: parts.uri,
        raw_path,
        headers: parts.headers,
        body,
        path_params: matched.params,
        stage_variables: stage.variables.clone(),
        peer,
        authorized: None,
    };
    match &route.authorization {
        Authorization::None => {}
        Authorization::Missing(id) => {
            tracing::warn!(
                route = &*route.key,
                authorizer = id,
                "route's authorizer is not in the deployment"
            );
            return internal_error();
        }
        Authorization::Lambda(authorizer) => match authorizer.check(&call, env.functions).await {
            Ok(context) => call.authorized = Some(call::Authorized::Lambda { context }),
            Err(refused) => return refusal(refused),
        },
        Authorization::Iam => {
            let request = SignedRequest {
                method: &call.method,
                uri: &call.uri,
                raw_query: &call.raw_query,
                headers: &call.headers,
                body: &call.body,
                region: &call.region,
            };
            match env.auth.iam.verify_request(&request, time::OffsetDateTime::now_utc()) {
                Ok(caller) => {
                    call.authorized = Some(call::Authorized::Iam(serde_json::json!({
                        "accessKey": caller.access_key,
                        "accountId": caller.account_id,
                        "callerId": caller.caller,
                        "cognitoIdentity": null,
                        "principalOrgId": null,
                        "userArn": caller.user_arn,
                        "userId": caller.user,
                    })))
                }
                Err(refusal) => return message(StatusCode::FORBIDDEN, &refusal.message),
            }
        }
        Authorization::Jwt(authorizer) => {
            let now = SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let checked = authorizer
                .check_explained(
                    &call.headers,
                    &call.raw_query,
                    &route.scopes,
                    &env.auth.issuers,
                    env.client,
                    now,
                )
                .await;
            match checked {
                Ok(verified) => {
                    call.authorized = Some(call::Authorized::Jwt {
                        claims: verified.claims,
                        scopes: verified.scopes,
                    })
                }
                Err(refusal) => return refusal.response(),
            }
        }
    }
    let Some(integration) = &route.integration else {
        tracing::warn!(route = &*route.key, "route has no integration");
        return not_found();
    };
    let mut response = integrate(integration, &call, path, env).await;
    if !integration.response_parameters.is_empty() {
        let context = |name: &str| call.context_variable(name);
        let source = call.mapping_source(path, &context);
        let (parts, body) = response.into_parts();
        let mut response_parts = parts;
        let status = integration.response_parameters.apply(
            response_parts.status.as_u16(),
            &mut response_parts.headers,
            &body,
            &source,
        );
        if let Ok(status) = StatusCode::from_u16(status) {
            response_parts.status = status;
        }
        response = Response::from_parts(response_parts, body);
    }
    response
}

async fn integrate(integration: &Integration, call: &Call, path: &str, env: &Env<'_>) -> Response<Bytes> {
    match &integration.kind {
        Kind::Lambda { function, v2 } => lambda(integration, function, *v2, call, env).await,
        Kind::Http {
            uri,
            written,
            method,
            vpc_link,
        } => {
            let http = HttpTarget {
                template: uri,
                written,
                method: method.as_ref(),
                vpc_link: vpc_link.as_deref(),
            };
            http_proxy(integration, http, call, path, env).await
        }
        Kind::AwsService(service) => aws_service::invoke(service, integration.timeout, call, path, env).await,
        Kind::Unsupported(reason) => {
            tracing::warn!(integration = integration.id, reason, "integration cannot be served");
            internal_error()
        }
    }
}

/// `${stageVariables.name}` in `text` filled in.
fn fill_stage_variables(text: &str, call: &Call) -> String {
    crate::integration::aws_proxy::fill_variables(text, &call.stage_variables)
}

async fn lambda(
    integration: &Integration,
    function: &UriTemplate,
    v2: bool,
    call: &Call,
    env: &Env<'_>,
) -> Response<Bytes> {
    let Some(functions) = env.functions else {
        tracing::warn!("no Lambda runner");
        return internal_error();
    };
    let function = function.render(|_| None, &call.stage_variables);
    let event = if v2 {
        payload::event_v2(call)
    } else {
        payload::event_v1(call)
    };
    let request = FunctionCall {
        account: call.account_id.to_string(),
        region: call.region.to_string(),
        function: function.clone(),
        payload: Bytes::from(event.to_string()),
    };
    let result = match tokio::time::timeout(integration.timeout, functions.invoke(request)).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!(function, timeout = ?integration.timeout, "Lambda function timed out");
            return unavailable();
        }
    };
    match result {
        FunctionResult::Answer { error: None, payload } => {
            let read = if v2 {
                payload::response_v2(&payload)
            } else {
                payload::response_v1(&payload)
            };
            read.unwrap_or_else(|reason| {
                tracing::warn!(function, reason, "malformed Lambda response");
                internal_error()
            })
        }
        FunctionResult::Answer {
            error: Some(kind),
            payload,
        } => {
            tracing::warn!(function, kind, error = %String::from_utf8_lossy(&payload), "Lambda function failed");
            internal_error()
        }
        FunctionResult::NotFound => {
            tracing::warn!(function, "Lambda function not found");
            internal_error()
        }
        FunctionResult::Failed(reason) => {
            tracing::warn!(function, reason, "Lambda function could not be run");
            internal_error()
        }
    }
}

/// Characters kept as they are when a parameter's value goes back into a URI path.
const PATH_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// An HTTP_PROXY integration's target.
struct HttpTarget<'a> {
    template: &'a UriTemplate,
    written: &'a str,
    method: Option<&'a http::Method>,
    vpc_link: Option<&'a str>,
}

async fn http_proxy(
    integration: &Integration,
    target: HttpTarget<'_>,
    call: &Call,
    path: &str,
    env: &Env<'_>,
) -> Response<Bytes> {
    let HttpTarget {
        template,
        written,
        method,
        vpc_link,
    } = target;
    // Parameter values go back into the path percent-encoded (a greedy one keeps its slashes).
    let path_value = |name: &str| {
        let (_, value) = call.path_params.iter().find(|(n, _)| n == name)?;
        Some(percent_encoding::utf8_percent_encode(value, PATH_VALUE).to_string())
    };
    let mut uri = template.render(path_value, &call.stage_variables);
    let (headers, query, new_path) = if integration.request_parameters.is_empty() {
        (call.headers.clone(), call.raw_query.clone(), None)
    } else {
        let context = |name: &str| call.context_variable(name);
        let source = call.mapping_source(path, &context);
        let mut out = params::Outgoing::new(call.headers.clone(), &call.raw_query);
        integration.request_parameters.apply(&source, &mut out);
        let query = out.encoded_query();
        (out.headers, query, out.path)
    };
    // A private integration to a load balancer names its listener's ARN: the request goes to
    // the URL `--vpc-link-target` gives the listener (or the link), with the request's path.
    let listener = vpc_link.filter(|_| written.starts_with("arn:"));
    if let Some(link) = listener {
        let link = fill_stage_variables(link, call);
        let Some(base) = env
            .vpc_links
            .target_of(written)
            .or_else(|| env.vpc_links.target_of(&link))
        else {
            tracing::warn!(
                link,
                listener = written,
                "no --vpc-link-target for the listener or its link"
            );
            return internal_error();
        };
        let base = base.to_string();
        uri = format!("{}{}", base.trim_end_matches('/'), new_path.as_deref().unwrap_or(path));
    } else if let Some(new_path) = new_path {
        // `overwrite:path` replaces the URI's path; scheme and authority stay.
        let scheme_end = uri.find("://").map_or(0, |i| i + 3);
        let path_start = uri[scheme_end..].find('/').map_or(uri.len(), |i| scheme_end + i);
        uri.truncate(path_start);
        if !new_path.starts_with('/') {
            uri.push('/');
        }
        uri.push_str(&new_path);
    }
    if !query.is_empty() {
        uri.push(if uri.contains('?') { '&' } else { '?' });
        uri.push_str(&query);
    }
    let mut uri = match uri.parse::<http::Uri>() {
        Ok(parsed) if matches!(parsed.scheme_str(), Some("http" | "https")) && parsed.authority().is_some() => parsed,
        _ => {
            tracing::warn!(%uri, "HTTP_PROXY integration uri is not a valid http(s) url");
            return internal_error();
        }
    };
    let mut headers = crate::integration::http_proxy::forwarded_headers(
        headers,
        &[header::HOST, header::CONTENT_LENGTH, header::EXPECT],
    );
    // What AWS's front end tells the backend about the client (RFC 7239).
    let forwarded = format!(
        "by={};for={};host={};proto=http",
        call.domain_name(),
        call.source_ip(),
        call.header("host").unwrap_or_default()
    );
    if let Ok(value) = HeaderValue::from_str(&forwarded) {
        headers.append(HeaderName::from_static("forwarded"), value);
    }
    if let Ok(value) = HeaderValue::from_str(&call.trace_id()) {
        headers.insert(HeaderName::from_static("x-amzn-trace-id"), value);
    }
    if let Some(link) = vpc_link.filter(|_| listener.is_none()) {
        let link = fill_stage_variables(link, call);
        match env.vpc_links.target_of(&link) {
            Some(target) => {
                if let Some(host) = uri.authority().and_then(|a| HeaderValue::from_str(a.as_str()).ok()) {
                    headers.insert(header::HOST, host);
                }
                uri = crate::vpc_links::retarget(uri, &target);
            }
            None => tracing::debug!(
                link,
                "no --vpc-link-target for the link; sending to the integration URI"
            ),
        }
    }
    let request = OutboundRequest {
        method: method.cloned().unwrap_or_else(|| call.method.clone()),
        uri,
        headers,
        body: call.body.clone(),
        timeout: integration.timeout,
        insecure_skip_verification: false,
    };
    let is_head = request.method == http::Method::HEAD;
    match env.client.send(request).await {
        Ok(answer) => {
            let dropped: &[HeaderName] = if is_head {
                &[header::DATE, header::SERVER]
            } else {
                &[header::CONTENT_LENGTH, header::DATE, header::SERVER]
            };
            let mut response = Response::new(answer.body);
            *response.status_mut() = answer.status;
            *response.headers_mut() = crate::integration::http_proxy::forwarded_headers(answer.headers, dropped);
            response
        }
        Err(OutboundError::Timeout) => {
            tracing::warn!(timeout = ?integration.timeout, "backend timed out");
            unavailable()
        }
        Err(error) => {
            tracing::warn!(%error, "backend failed");
            internal_error()
        }
    }
}

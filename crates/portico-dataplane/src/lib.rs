//! execute-api: deployed REST API stages answering HTTP requests as API Gateway does.
//!
//! Layout, in the order a request meets it:
//! - `parse`: host and path to `Invocation` (API id, stage, stage-relative path), or not ours.
//! - `cache`: each stage compiled once and kept until a commit touches its API (the store's
//!   change feed); `stage`: what compiling a stage makes.
//! - `route`: path and method to a deployed method and its path parameters.
//! - `context`: the one `RequestContext` every later step reads.
//! - `authorize`: the method's authorization, one file per kind: Lambda authorizers (TOKEN,
//!   REQUEST; policy and cache), Cognito user pool authorizers (JWTs against the pools' key
//!   sets), AWS_IAM (SigV4 signatures against the configured credentials).
//! - `validate`: request validators (required parameters, bodies against the API's models).
//! - `integration`: the compiled integration, one file per type (`mock`, `http_proxy`,
//!   `aws_proxy`), with `mapping` (URI templates and parameter mappings); backends are reached
//!   through `portico_http::HttpClient`, Lambda functions through `functions::Functions`.
//! - `by_api_id`: what HTTP and WebSocket APIs keep compiled, by API id.
//! - `websocket`: WebSocket APIs: `$connect` on the upgrade, routed messages, `$disconnect`,
//!   the registry of live connections that @connections (`Management`) reads.
//! - `respond`: integration response selection and mapping, and the fixed error answers.

mod api_keys;
mod authorize;
mod by_api_id;
mod cache;
mod context;
mod domains;
mod execution_log;
pub mod functions;
mod gateway;
mod http_api;
mod integration;
mod mapping;
mod metrics;
mod parse;
mod respond;
pub mod response_cache;
mod route;
mod stage;
mod template;
mod test_invoke;
pub mod throttle;
mod validate;
mod vpc_links;
mod websocket;

pub use authorize::AuthSettings;
pub use cache::CacheStats;
pub use context::RequestContext;
pub use integration::aws::AwsEndpoint;
pub use parse::Invocation;
pub use portico_http::PAYLOAD_LIMIT;
pub use websocket::{ConnectionInfo, Limits as WebSocketLimits, Management as WebSocketConnections, ManagementError};

use api_keys::UsagePlans;
use authorize::Authorization;
use authorize::policy::ResourcePolicy;
use axum::body::Body;
use bytes::Bytes;
use cache::{Lookup, StageCache};
use functions::Functions;
use http::{HeaderValue, Response};
use portico_http::HttpClient;
use portico_store::Store;
use response_cache::{CacheOutcome, ResponseCache, Use};
use stage::CompiledMethod;
use stage::CompiledStage;
use std::sync::Arc;
use std::time::Duration;
use throttle::{Clock, Limit, Throttles};
use tracing::Instrument;

/// See [`DataPlane::authorizer_tester`].
pub type AuthorizerTester = portico_rest::AuthorizerTest;

/// See [`DataPlane::method_tester`].
pub type MethodTester = portico_rest::MethodTest;

/// Serves execute-api requests from the store's deployed stages.
pub struct DataPlane {
    store: Store,
    cache: Arc<StageCache>,
    client: Arc<dyn HttpClient>,
    /// Runs Lambda functions for AWS_PROXY integrations; none in unit tests of other steps.
    functions: Option<Arc<dyn Functions>>,
    /// How long a client may take to send a request body.
    body_timeout: Duration,
    /// Cognito key sets and IAM credentials.
    auth: Arc<authorize::Auth>,
    /// Where AWS service integrations go (`--aws-endpoint`).
    aws: Option<Arc<AwsEndpoint>>,
    throttles: Arc<Throttles>,
    responses: Arc<ResponseCache>,
    usage: Arc<UsagePlans>,
    domains: Arc<domains::Domains>,
    vpc_links: Arc<vpc_links::VpcLinks>,
    /// HTTP APIs (apigatewayv2), served when an id names no REST API.
    http_apis: Arc<http_api::HttpApis>,
    /// WebSocket APIs and their live connections.
    websockets: Arc<websocket::WebSockets>,
    websocket_limits: websocket::Limits,
}

impl DataPlane {
    /// A data plane whose integrations reach backends through `client`.
    pub fn new(store: Store, client: Arc<dyn HttpClient>) -> Self {
        let cache = Arc::new(StageCache::default());
        let weak = Arc::downgrade(&cache);
        store.on_commit(Arc::new(move |changes| {
            if let Some(cache) = weak.upgrade() {
                cache.invalidate(changes);
            }
        }));
        let auth = Arc::new(authorize::Auth::new(&AuthSettings::default()));
        cache.set_auth(auth.clone());
        let throttles = Arc::new(Throttles::default());
        let usage = Arc::new(UsagePlans::default());
        let weak = Arc::downgrade(&usage);
        store.on_commit(Arc::new(move |changes| {
            if let Some(usage) = weak.upgrade() {
                usage.changed(changes);
            }
        }));
        cache.set_throttles(throttles.clone());
        let domains = Arc::new(domains::Domains::default());
        let weak = Arc::downgrade(&domains);
        store.on_commit(Arc::new(move |changes| {
            if let Some(domains) = weak.upgrade() {
                domains.changed(changes);
            }
        }));
        let links = Arc::new(vpc_links::VpcLinks::new(store.clone()));
        let weak = Arc::downgrade(&links);
        store.on_commit(Arc::new(move |changes| {
            if let Some(links) = weak.upgrade() {
                links.changed(changes);
            }
        }));
        let http_apis = Arc::new(http_api::HttpApis::default());
        let weak = Arc::downgrade(&http_apis);
        store.on_commit(Arc::new(move |changes| {
            if let Some(apis) = weak.upgrade() {
                apis.changed(changes);
            }
        }));
        let websockets = Arc::new(websocket::WebSockets::default());
        let weak = Arc::downgrade(&websockets);
        store.on_commit(Arc::new(move |changes| {
            if let Some(websockets) = weak.upgrade() {
                websockets.changed(changes);
            }
        }));
        DataPlane {
            store,
            cache,
            client,
            functions: None,
            body_timeout: Duration::from_secs(30),
            auth,
            aws: None,
            throttles,
            responses: Arc::default(),
            usage,
            domains,
            vpc_links: links,
            http_apis,
            websockets,
            websocket_limits: websocket::Limits::default(),
        }
    }

    /// WebSocket connections' limits (`--ws-idle-timeout`, `--ws-max-duration`).
    pub fn with_websocket_limits(mut self, limits: websocket::Limits) -> Self {
        self.websocket_limits = limits;
        self
    }

    /// The @connections operations over this data plane's live connections.
    pub fn websocket_connections(&self) -> websocket::Management {
        websocket::Management::new(self.websockets.clone(), self.websocket_limits)
    }

    /// FlushStageCache, for the control plane to call without holding the data plane.
    pub fn response_cache_flush(&self) -> impl Fn(&str, &str) + Send + Sync + 'static {
        let responses = Arc::downgrade(&self.responses);
        move |api_id, stage| {
            if let Some(responses) = responses.upgrade() {
                responses.flush(api_id, stage);
            }
        }
    }

    /// Throttling with `clock` and the account-level `limit`.
    pub fn with_throttling(mut self, clock: Clock, limit: Limit) -> Self {
        self.throttles = Arc::new(Throttles::new(clock, limit));
        self.cache.set_throttles(self.throttles.clone());
        self
    }

    /// Moves a `--test-clock` clock on; false when the clock is the real one.
    pub fn advance_clock(&self, by: Duration) -> bool {
        self.throttles.clock.advance(by)
    }

    /// Cognito key sets and IAM credentials (`--cognito-jwks`, `--iam-credentials`, …).
    pub fn with_auth(mut self, settings: &AuthSettings) -> Self {
        self.auth = Arc::new(authorize::Auth::new(settings));
        self.cache.set_auth(self.auth.clone());
        self
    }

    /// FlushStageAuthorizersCache: the stage's authorizers ask again on their next request.
    pub fn flush_authorizers(&self, api_id: &str, stage: &str) {
        self.cache.flush_authorizers(api_id, stage);
        self.http_apis.flush_authorizers(api_id, stage);
        self.websockets.flush_authorizers(api_id, stage);
    }

    /// `flush_authorizers` for the control plane to call, without holding the data plane.
    pub fn authorizer_flush(&self) -> impl Fn(&str, &str) + Send + Sync + 'static {
        let (cache, http_apis) = (Arc::downgrade(&self.cache), Arc::downgrade(&self.http_apis));
        let websockets = Arc::downgrade(&self.websockets);
        move |api_id, stage| {
            if let Some(websockets) = websockets.upgrade() {
                websockets.flush_authorizers(api_id, stage);
            }
            if let Some(cache) = cache.upgrade() {
                cache.flush_authorizers(api_id, stage);
            }
            if let Some(apis) = http_apis.upgrade() {
                apis.flush_authorizers(api_id, stage);
            }
        }
    }

    /// TestInvokeAuthorizer for the control plane: (account, region, API id, the authorizer,
    /// the simulated request) → AWS's answer. Call it once the data plane is set up.
    pub fn authorizer_tester(&self) -> AuthorizerTester {
        let (functions, client, auth) = (self.functions.clone(), self.client.clone(), self.auth.clone());
        Arc::new(move |account, region, api_id, authorizer, input| {
            let (functions, client, auth) = (functions.clone(), client.clone(), auth.clone());
            Box::pin(async move {
                let env = authorize::Env {
                    functions: functions.as_deref(),
                    client: &*client,
                    auth: &auth,
                };
                let request = authorize::TestRequest {
                    account_id: &account,
                    region: &region,
                    api_id: &api_id,
                    input: &input,
                };
                authorize::test_invoke(&authorizer, request, &env).await
            })
        })
    }

    /// TestInvokeMethod for the control plane. Call it once the data plane is set up.
    pub fn method_tester(&self) -> MethodTester {
        let (functions, client, auth, aws, links) = (
            self.functions.clone(),
            self.client.clone(),
            self.auth.clone(),
            self.aws.clone(),
            self.vpc_links.clone(),
        );
        Arc::new(move |account, region, api_id, snapshot, input| {
            let (functions, client, auth, aws, links) = (
                functions.clone(),
                client.clone(),
                auth.clone(),
                aws.clone(),
                links.clone(),
            );
            Box::pin(async move {
                let started = std::time::Instant::now();
                let prepared = test_invoke::prepare(&account, &region, &api_id, &snapshot, &input, &auth)?;
                let deployment = prepared.stage.deployment.clone();
                let resource_id = input.resource_id.as_deref().unwrap_or_default();
                let (ctx, method) = test_invoke::context(prepared, resource_id, &deployment)?;
                let ctx = Arc::new(ctx);
                let env = integration::Env {
                    client: &*client,
                    functions: functions.as_deref(),
                    aws: aws.as_deref(),
                    vpc_links: Some(&links),
                };
                let response = integrate(method, &ctx, env).await;
                let response = deployment.gateway_responses.apply(response, &ctx);
                Ok(test_invoke::answer(response, &ctx, started))
            })
        })
    }

    /// Lambda integrations call functions through `functions`.
    pub fn with_functions(mut self, functions: Arc<dyn Functions>) -> Self {
        self.functions = Some(functions);
        self
    }

    /// AWS service integrations are signed and sent to `endpoint` (`--aws-endpoint`).
    pub fn with_aws_endpoint(mut self, endpoint: Option<AwsEndpoint>) -> Self {
        self.aws = endpoint.map(Arc::new);
        self
    }

    /// Where VPC links send (`--vpc-link-target`): (link id or target ARN, URL).
    pub fn with_vpc_link_targets(self, targets: Vec<(String, http::Uri)>) -> Self {
        self.vpc_links.set_targets(targets);
        self
    }

    /// The front door's body-read deadline (`--body-timeout`).
    pub fn with_body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// Serves one execute-api request; the body is read here, under API Gateway's payload limit
    /// and the body-read deadline. A WebSocket upgrade goes to `websocket`. What the stage
    /// cache did is noted in `cache`, for the request log (a response extension would cost an
    /// allocated map per answer).
    pub async fn serve(
        &self,
        target: Invocation,
        request: http::Request<Body>,
        cache: &mut Option<CacheOutcome>,
    ) -> Response<Body> {
        let (target, request) = if websocket::is_upgrade(request.headers()) {
            let runtime = websocket::Runtime {
                connections: self.websockets.connections.clone(),
                websockets: self.websockets.clone(),
                store: self.store.clone(),
                functions: self.functions.clone(),
                client: self.client.clone(),
                limits: self.websocket_limits,
                aws: self.aws.clone(),
            };
            match Box::pin(self.websockets.serve(&self.store, runtime, target, request)).await {
                Ok(response) => return response,
                // Not a WebSocket API: served as any request to it is.
                Err(given_back) => given_back,
            }
        } else {
            (target, request)
        };
        let (parts, body) = request.into_parts();
        let response = match portico_http::read_body(body, PAYLOAD_LIMIT, self.body_timeout).await {
            Ok(body) => self.serve_buffered(target, parts, body, cache).await,
            // Answered before the rest arrives; it carries `Connection: close`.
            Err(portico_http::BodyError::TooLarge) => respond::request_too_large(),
            Err(error) => {
                tracing::debug!(%error, "request body not read");
                portico_http::body::body_error_response(&error).unwrap_or_else(respond::internal_error)
            }
        };
        response.map(Body::from)
    }

    /// A request whose Host may be a custom domain name: served through the domain's base
    /// path mappings (403 when none takes the path), or handed back when it is no domain.
    pub async fn serve_custom_domain(
        &self,
        host: &str,
        request: http::Request<Body>,
        cache: &mut Option<CacheOutcome>,
    ) -> Result<Response<Body>, http::Request<Body>> {
        let endpoint = request.headers().get("x-amzn-vpce-id").and_then(|v| v.to_str().ok());
        match self
            .domains
            .resolve(&self.store, host, request.uri().path(), endpoint)
            .await
        {
            Ok(domains::Domain::Mapped(target, private)) => {
                let mut request = request;
                request.extensions_mut().insert(domains::ViaCustomDomain { private });
                Ok(self.serve(target, request, cache).await)
            }
            Ok(domains::Domain::Unmapped) => Ok(respond::forbidden().map(Body::from)),
            Ok(domains::Domain::Unknown) => Err(request),
            Err(error) => {
                tracing::error!(%error, host, "looking up a custom domain name");
                Err(request)
            }
        }
    }

    /// The chain, once the body is in.
    pub async fn serve_buffered(
        &self,
        target: Invocation,
        req: http::request::Parts,
        body: Bytes,
        cache: &mut Option<CacheOutcome>,
    ) -> Response<Bytes> {
        let ids = context::RequestIds::new();
        let span = tracing::debug_span!(
            "execute-api",
            request_id = ids.request_id,
            api_id = target.api_id,
            stage = target.stage
        );
        let request_id = HeaderValue::from_str(&ids.request_id);
        let extended_id = HeaderValue::from_str(&ids.extended_request_id);
        let mut response = self.answer(ids, target, req, body, cache).instrument(span).await;
        if response.extensions().get::<http_api::HttpApiAnswer>().is_some() {
            return response;
        }
        // Every answer carries both ids, as API Gateway's do (errors included).
        let headers = response.headers_mut();
        if let (Ok(request_id), Ok(extended_id)) = (request_id, extended_id) {
            headers.insert("x-amzn-RequestId", request_id);
            headers.insert("x-amz-apigw-id", extended_id);
        }
        response
    }

    /// What the stage cache has done so far (for tests and `/_portico/health`).
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }

    /// The REST stages' metrics, as `GET /_portico/metrics` answers them.
    pub fn metrics(&self) -> serde_json::Value {
        self.cache.metrics.report()
    }

    async fn answer(
        &self,
        ids: context::RequestIds,
        target: Invocation,
        req: http::request::Parts,
        body: Bytes,
        cache: &mut Option<CacheOutcome>,
    ) -> Response<Bytes> {
        let stage = match self.cache.lookup(&self.store, &target.api_id, &target.stage).await {
            Ok(Lookup::Stage(stage)) => stage,
            Ok(Lookup::NoStage) => return respond::forbidden(),
            Ok(Lookup::NoApi) => {
                let env = http_api::Env {
                    store: &self.store,
                    auth: &self.auth,
                    client: self.client.as_ref(),
                    functions: self.functions.as_deref(),
                    throttles: &self.throttles,
                    vpc_links: &self.vpc_links,
                    aws: self.aws.as_deref(),
                };
                let request_id = ids.extended_request_id;
                // Boxed: inline, the HTTP API chain would make every REST request's future
                // as large, allocated and copied whole.
                return match Box::pin(self.http_apis.serve(env, target, req, body, request_id)).await {
                    Ok(answer) => answer,
                    Err((target, _, _))
                        if Box::pin(self.websockets.is_websocket_api(&self.store, &target.api_id)).await =>
                    {
                        upgrade_required()
                    }
                    Err(_) => respond::not_found(),
                };
            }
            Err(e) => {
                tracing::error!(error = %e, "loading stage");
                return respond::internal_error();
            }
        };
        let stage = stage.pick();
        // `disableExecuteApiEndpoint`: only custom domain names reach the API.
        if stage.deployment.execute_api_disabled && req.extensions.get::<domains::ViaCustomDomain>().is_none() {
            stage.metrics.record(None, 403, Duration::ZERO, None);
            return respond::forbidden();
        }
        let gateway = &stage.deployment.gateway_responses;
        let Some(route) = stage.deployment.routes.find(req.method.as_str(), &target.path) else {
            let mut answer = respond::missing_authentication_token();
            if !gateway.is_empty() {
                let ctx = RequestContext::unrouted(ids, req, body, target.path, stage);
                answer = gateway.apply(answer, &Arc::new(ctx));
            }
            stage
                .metrics
                .record(None, answer.status().as_u16(), Duration::ZERO, None);
            return answer;
        };
        let method = route.target;
        // Boxed: a context is ~900 bytes, and the futures of `answer` and `run` would each hold
        // it twice (argument and local), making every request's future that much larger to move.
        let mut ctx = Box::new(RequestContext::new(
            ids,
            req,
            body,
            target.path,
            stage,
            method,
            route.params,
        ));
        let logging = stage.logging.get(method.index).copied().flatten();
        if let Some(logging) = &logging {
            logging.start(&mut ctx);
        }
        let (response, ctx) = self.run(method, stage, ctx, cache).await;
        if let Some(logging) = &logging {
            logging.finish(&ctx, response.status().as_u16());
        }
        tracing::debug!(status = response.status().as_u16(), path = ctx.full_path(), "answered");
        let response = if gateway.is_empty() {
            response
        } else {
            gateway.apply(response, &ctx)
        };
        let latency = ctx.received.elapsed().unwrap_or_default();
        stage
            .metrics
            .record(Some(method.index), response.status().as_u16(), latency, *cache);
        response
    }

    /// authorize → API key → throttle → validate → integrate, for a routed request.
    async fn run(
        &self,
        method: &CompiledMethod,
        stage: &CompiledStage,
        mut ctx: Box<RequestContext>,
        noted: &mut Option<CacheOutcome>,
    ) -> (Response<Bytes>, Arc<RequestContext>) {
        let policy = stage.deployment.policy.as_ref();
        let env = authorize::Env {
            functions: self.functions.as_deref(),
            client: self.client.as_ref(),
            auth: &self.auth,
        };
        // The resource policies (a private domain's, the API's): before an authorizer runs, or
        // after AWS_IAM has named the caller.
        let signed = matches!(method.authorization, Authorization::Iam);
        if !signed && let Err(answer) = check_policies(policy, &ctx) {
            return (*answer, Arc::from(ctx));
        }
        // Authorizers and API keys are boxed when used: their futures (function calls, key
        // sets, the store) are large, and inline they would make every request's as large.
        if !matches!(method.authorization, Authorization::None)
            && let Err(answer) = Box::pin(authorize::authorize(&method.authorization, &mut ctx, &env)).await
        {
            return (answer, Arc::from(ctx));
        }
        // One reading of the throttling clock serves the throttles, the quota and the cache.
        let now = self.throttles.clock.now();
        if signed && let Err(answer) = check_policies(policy, &ctx) {
            return (*answer, Arc::from(ctx));
        }
        // AWS's order: the client's throttles (its usage plan's, with the key) before the
        // stage's; a request refused by one takes no token from the next.
        if let Some(source) = method.api_key
            && let Err(answer) = Box::pin(self.usage.check(&self.store, &self.throttles, source, &mut ctx, now)).await
        {
            return (*answer, Arc::from(ctx));
        }
        if !stage.throttle.admit(method.index, now) {
            return (respond::throttled(), Arc::from(ctx));
        }
        let ctx = Arc::from(ctx);
        let env = integration::Env {
            client: self.client.as_ref(),
            functions: self.functions.as_deref(),
            aws: self.aws.as_deref(),
            vpc_links: Some(&self.vpc_links),
        };
        // The stage cache answers for the integration when it can.
        if let Some(caching) = stage.caching.get(method.index).and_then(Option::as_ref) {
            return match self.responses.lookup(caching, &ctx, now) {
                Use::Hit(response) => {
                    ctx.trace(|| "Stage cache hit: the kept answer is sent".to_owned());
                    *noted = Some(CacheOutcome::Hit);
                    (response, ctx)
                }
                Use::Refuse(response) => (response, ctx),
                Use::Fill(key) => {
                    ctx.trace(|| "Stage cache miss: the integration is called".to_owned());
                    let response = integrate(method, &ctx, env).await;
                    self.responses.fill(caching, &ctx, key, &response, now);
                    *noted = Some(CacheOutcome::Miss);
                    (response, ctx)
                }
            };
        }
        (integrate(method, &ctx, env).await, ctx)
    }
}

/// A plain HTTP request to a WebSocket API: it is served only as an upgrade.
fn upgrade_required() -> Response<Bytes> {
    let mut response = Response::new(Bytes::from_static(br#"{"message":"Upgrade Required"}"#));
    *response.status_mut() = http::StatusCode::UPGRADE_REQUIRED;
    let headers = response.headers_mut();
    headers.insert(http::header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The private domain's policy the request came through, then the API's.
fn check_policies(policy: Option<&ResourcePolicy>, ctx: &RequestContext) -> Result<(), Box<Response<Bytes>>> {
    if policy.is_none() && ctx.private_domain.is_none() {
        return Ok(());
    }
    let caller = authorize::policy::Caller {
        account: ctx.identity.account_id.as_deref(),
        arn: ctx.identity.user_arn.as_deref(),
    };
    if let Some(domain) = &ctx.private_domain {
        domain.policy.check(&domain.arn, &caller, ctx)?;
    }
    match policy {
        Some(policy) => policy.check(&authorize::method_arn(ctx), &caller, ctx),
        None => Ok(()),
    }
}

/// validate → integrate (TestInvokeMethod starts here: it skips authorization).
async fn integrate(method: &CompiledMethod, ctx: &Arc<RequestContext>, env: integration::Env<'_>) -> Response<Bytes> {
    if let Some(validation) = &method.validation
        && let Err(rejected) = validation.check(ctx)
    {
        ctx.trace(|| format!("Request validation failed: {}", rejected.message));
        return respond::bad_request(rejected.response_type, &rejected.message, &rejected.validation_error);
    }
    let Some(integration) = &method.integration else {
        tracing::warn!(resource = &*ctx.resource_path, method = %ctx.method, "method has no integration");
        return respond::internal_error();
    };
    integration.invoke(ctx, env).await
}

#[cfg(test)]
mod tests {
    //! The chain over an in-memory store; HTTP_PROXY against a local backend.

    use super::*;
    use http::{Method, Request};
    use portico_rest::kinds::{DEPLOYMENT, DeploymentSnapshot, REST_API, SNAPSHOT, STAGE};
    use portico_store::Scope;
    use portico_wire::apigateway as ag;
    use std::collections::BTreeMap;

    fn method(integration: Option<ag::Integration>) -> ag::Method {
        ag::Method {
            method_integration: integration,
            ..Default::default()
        }
    }

    fn resource(path: &str, methods: Vec<(&str, ag::Method)>) -> ag::Resource {
        let methods = methods.into_iter().map(|(m, d)| (m.to_owned(), d)).collect();
        ag::Resource {
            path: Some(path.into()),
            resource_methods: Some(methods),
            ..Default::default()
        }
    }

    fn mock(template: &str, response_body: &str) -> ag::Integration {
        let response = ag::IntegrationResponse {
            status_code: Some("200".into()),
            response_templates: Some(BTreeMap::from([(
                "application/json".to_owned(),
                response_body.to_owned(),
            )])),
            ..Default::default()
        };
        ag::Integration {
            r#type: Some("MOCK".into()),
            request_templates: Some(BTreeMap::from([("application/json".to_owned(), template.to_owned())])),
            integration_responses: Some(BTreeMap::from([("200".to_owned(), response)])),
            ..Default::default()
        }
    }

    fn http_proxy(uri: &str, timeout_ms: Option<i64>) -> ag::Integration {
        ag::Integration {
            r#type: Some("HTTP_PROXY".into()),
            http_method: Some("ANY".into()),
            uri: Some(uri.into()),
            timeout_in_millis: timeout_ms,
            ..Default::default()
        }
    }

    async fn deploy(store: &Store, api_id: &str, stage: &str, deployment: &str, resources: Vec<ag::Resource>) {
        let scope = Scope {
            account: "000000000000".into(),
            region: "us-east-1".into(),
        };
        let api = ag::RestApi {
            id: Some(api_id.into()),
            ..Default::default()
        };
        let stage = ag::Stage {
            stage_name: Some(stage.into()),
            deployment_id: Some(deployment.into()),
            variables: Some(BTreeMap::from([("backend".to_owned(), "127.0.0.1".to_owned())])),
            ..Default::default()
        };
        let mut tx = store.write().await.unwrap();
        let api_row = match tx.top(&REST_API, &scope, api_id).await.unwrap() {
            Some(existing) => existing.row,
            None => tx.insert_top(&REST_API, &scope, api_id, &api).await.unwrap(),
        };
        let deployed = tx
            .insert(&DEPLOYMENT, &api_row, deployment, &ag::Deployment::default())
            .await
            .unwrap();
        tx.insert(
            &SNAPSHOT,
            &deployed,
            deployment,
            &DeploymentSnapshot {
                api,
                resources,
                authorizers: Vec::new(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        match tx
            .child(&STAGE, &api_row, stage.stage_name.as_deref().unwrap())
            .await
            .unwrap()
        {
            Some(existing) => tx.update(&STAGE, &existing.row, &stage).await.unwrap(),
            None => {
                tx.insert(&STAGE, &api_row, stage.stage_name.as_deref().unwrap(), &stage)
                    .await
                    .unwrap();
            }
        }
        tx.commit().await.unwrap();
    }

    async fn call(plane: &DataPlane, method: Method, uri: &str) -> Response<Bytes> {
        let (parts, ()) = Request::builder()
            .method(method)
            .uri(uri)
            .body(())
            .unwrap()
            .into_parts();
        let target = Invocation::parse(None, parts.uri.path()).unwrap();
        plane.serve_buffered(target, parts, Bytes::new(), &mut None).await
    }

    #[tokio::test]
    async fn mock_stage_and_error_answers() {
        let store = Store::open(None).await.unwrap();
        let resources = vec![
            resource(
                "/",
                vec![("GET", method(Some(mock(r#"{"statusCode": 200}"#, r#"{"root":true}"#))))],
            ),
            resource("/bare", vec![("GET", method(None))]),
            resource(
                "/aws",
                vec![(
                    "GET",
                    method(Some(ag::Integration {
                        r#type: Some("AWS".into()),
                        ..Default::default()
                    })),
                )],
            ),
        ];
        deploy(&store, "api1", "dev", "d1", resources).await;
        let plane = DataPlane::new(store.clone(), Arc::new(portico_http::Client::default()));

        let root = call(&plane, Method::GET, "/_aws/execute-api/api1/dev/").await;
        assert_eq!(root.status(), 200);
        assert_eq!(root.body(), r#"{"root":true}"#);
        assert!(root.headers().contains_key("x-amzn-RequestId"));

        let missing = call(&plane, Method::GET, "/_aws/execute-api/api1/dev/nope").await;
        assert_eq!(
            (
                missing.status().as_u16(),
                missing.headers()["x-amzn-ErrorType"].to_str().unwrap()
            ),
            (403, "MissingAuthenticationTokenException")
        );
        assert_eq!(
            call(&plane, Method::POST, "/_aws/execute-api/api1/dev/").await.status(),
            403
        );
        let stage = call(&plane, Method::GET, "/_aws/execute-api/api1/prod/").await;
        assert_eq!(
            (stage.status().as_u16(), stage.body().as_ref()),
            (403, br#"{"message":"Forbidden"}"#.as_slice())
        );
        assert_eq!(call(&plane, Method::GET, "/_aws/execute-api/api1").await.status(), 403);
        assert_eq!(
            call(&plane, Method::GET, "/_aws/execute-api/nope/dev/").await.status(),
            404
        );
        assert_eq!(
            call(&plane, Method::GET, "/_aws/execute-api/api1/dev/bare")
                .await
                .status(),
            500
        );
        assert_eq!(
            call(&plane, Method::GET, "/_aws/execute-api/api1/dev/aws")
                .await
                .status(),
            500
        );
    }

    fn stage_of(lookup: Lookup) -> Arc<stage::CompiledStage> {
        match lookup {
            Lookup::Stage(stage) => stage,
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_write_to_one_api_never_recompiles_another() {
        let store = Store::open(None).await.unwrap();
        let root = || vec![resource("/", vec![("GET", method(Some(mock("", "{}"))))])];
        deploy(&store, "api1", "dev", "d1", root()).await;
        let plane = DataPlane::new(store.clone(), Arc::new(portico_http::Client::default()));
        let first = stage_of(plane.cache.lookup(&store, "api1", "dev").await.unwrap());
        let again = stage_of(plane.cache.lookup(&store, "api1", "dev").await.unwrap());
        assert!(Arc::ptr_eq(&first, &again));
        assert!(matches!(
            plane.cache.lookup(&store, "api2", "dev").await.unwrap(),
            Lookup::NoApi
        ));
        let before = plane.cache_stats();

        for i in 0..20 {
            deploy(&store, "api2", "dev", &format!("d2-{i}"), root()).await;
        }
        let still = stage_of(plane.cache.lookup(&store, "api1", "dev").await.unwrap());
        assert!(Arc::ptr_eq(&first, &still), "api1 is untouched by writes to api2");
        assert_eq!(plane.cache_stats().stage_loads, before.stage_loads);
        assert_eq!(
            call(&plane, Method::GET, "/restapis/api2/dev/_user_request_/")
                .await
                .status(),
            200
        );

        deploy(&store, "api1", "dev", "d3", root()).await;
        let redeployed = stage_of(plane.cache.lookup(&store, "api1", "dev").await.unwrap());
        assert!(!Arc::ptr_eq(&first, &redeployed));
        assert_eq!(&*redeployed.deployment.id, "d3");
    }

    #[tokio::test]
    async fn a_flood_of_made_up_ids_keeps_compiled_stages() {
        let store = Store::open(None).await.unwrap();
        deploy(
            &store,
            "api1",
            "dev",
            "d1",
            vec![resource("/", vec![("GET", method(None))])],
        )
        .await;
        let plane = DataPlane::new(store.clone(), Arc::new(portico_http::Client::default()));
        let first = stage_of(plane.cache.lookup(&store, "api1", "dev").await.unwrap());
        for i in 0..5000 {
            plane.cache.lookup(&store, &format!("nope{i}"), "dev").await.unwrap();
        }
        assert!(plane.cache_stats().cached_stages < 5000);
        let still = stage_of(plane.cache.lookup(&store, "api1", "dev").await.unwrap());
        assert!(Arc::ptr_eq(&first, &still));
    }

    #[tokio::test]
    async fn concurrent_misses_of_a_stage_load_it_once() {
        let store = Store::open(None).await.unwrap();
        deploy(
            &store,
            "api1",
            "dev",
            "d1",
            vec![resource("/", vec![("GET", method(None))])],
        )
        .await;
        let plane = Arc::new(DataPlane::new(store.clone(), Arc::new(portico_http::Client::default())));
        let lookups: Vec<_> = (0..32)
            .map(|_| {
                let plane = plane.clone();
                let store = store.clone();
                tokio::spawn(async move { stage_of(plane.cache.lookup(&store, "api1", "dev").await.unwrap()) })
            })
            .collect();
        let mut stages = Vec::new();
        for lookup in lookups {
            stages.push(lookup.await.unwrap());
        }
        assert!(stages.windows(2).all(|w| Arc::ptr_eq(&w[0], &w[1])));
        let stats = plane.cache_stats();
        assert_eq!((stats.stage_loads, stats.deployment_compiles), (1, 1));
    }

    #[tokio::test]
    async fn compiled_deployments_outlive_writes_and_go_when_no_stage_points_at_them() {
        let store = Store::open(None).await.unwrap();
        let root = || vec![resource("/", vec![("GET", method(None))])];
        deploy(&store, "api1", "dev", "d1", root()).await;
        let plane = DataPlane::new(store.clone(), Arc::new(portico_http::Client::default()));
        plane.cache.lookup(&store, "api1", "dev").await.unwrap();
        // Another deployment of the same API, on another stage: the API's stages reload, but
        // the deployment dev serves is not compiled again.
        deploy(&store, "api1", "prod", "d2", root()).await;
        plane.cache.lookup(&store, "api1", "dev").await.unwrap();
        plane.cache.lookup(&store, "api1", "prod").await.unwrap();
        let stats = plane.cache_stats();
        assert_eq!((stats.stage_loads, stats.deployment_compiles), (3, 2));
        assert_eq!(stats.cached_deployments, 2);
        // dev moves to a new deployment: d1 is referenced by nothing and goes.
        deploy(&store, "api1", "dev", "d3", root()).await;
        plane.cache.lookup(&store, "api1", "dev").await.unwrap();
        let stats = plane.cache_stats();
        assert_eq!(stats.deployment_compiles, 3);
        assert_eq!(stats.cached_deployments, 2, "d2 (prod) and d3 (dev)");
    }

    /// A backend that echoes method, path and query, and a header, after an optional delay.
    async fn backend() -> std::net::SocketAddr {
        use hyper::server::conn::http1;
        use hyper::service::service_fn;
        use hyper_util::rt::TokioIo;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                tokio::spawn(async move {
                    let service = service_fn(|req: Request<hyper::body::Incoming>| async move {
                        if req.uri().path() == "/slow" {
                            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                        }
                        let echoed = format!(
                            "{} {} {}",
                            req.method(),
                            req.uri(),
                            req.headers()
                                .get("x-client")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("-")
                        );
                        let answer = Response::builder()
                            .status(201)
                            .header("x-backend", "yes")
                            .body(http_body_util::Full::new(Bytes::from(echoed)))
                            .unwrap();
                        Ok::<_, std::convert::Infallible>(answer)
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn http_proxy_forwards_and_fails_as_aws() {
        let addr = backend().await;
        let port = addr.port();
        let store = Store::open(None).await.unwrap();
        let unused = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let resources = vec![
            resource(
                "/{proxy+}",
                vec![(
                    "ANY",
                    method(Some(http_proxy(
                        &format!("http://${{stageVariables.backend}}:{port}/{{proxy}}"),
                        None,
                    ))),
                )],
            ),
            resource(
                "/slow",
                vec![(
                    "GET",
                    method(Some(http_proxy(&format!("http://{addr}/slow"), Some(100)))),
                )],
            ),
            resource(
                "/down",
                vec![("GET", method(Some(http_proxy(&format!("http://{unused}/"), None))))],
            ),
            resource("/bad", vec![("GET", method(Some(http_proxy("not a uri", None))))]),
        ];
        deploy(&store, "api1", "dev", "d1", resources).await;
        let plane = DataPlane::new(store, Arc::new(portico_http::Client::default()));

        let (mut parts, ()) = Request::builder()
            .method(Method::PUT)
            .uri("/_aws/execute-api/api1/dev/a/b%20c?x=1&y=2")
            .header("x-client", "me")
            .header("host", "localhost")
            .body(())
            .unwrap()
            .into_parts();
        parts.headers.insert("connection", HeaderValue::from_static("close"));
        let target = Invocation::parse(None, parts.uri.path()).unwrap();
        let answer = plane
            .serve_buffered(target, parts, Bytes::from_static(b"hi"), &mut None)
            .await;
        assert_eq!(answer.status(), 201);
        assert_eq!(answer.headers()["x-backend"], "yes");
        assert_eq!(answer.body(), "PUT /a/b%20c?x=1&y=2 me");

        let slow = call(&plane, Method::GET, "/_aws/execute-api/api1/dev/slow").await;
        assert_eq!(
            (slow.status().as_u16(), slow.body().as_ref()),
            (504, br#"{"message": "Endpoint request timed out"}"#.as_slice())
        );
        assert_eq!(
            call(&plane, Method::GET, "/_aws/execute-api/api1/dev/down")
                .await
                .status(),
            502
        );
        assert_eq!(
            call(&plane, Method::GET, "/_aws/execute-api/api1/dev/bad")
                .await
                .status(),
            500
        );
    }
}

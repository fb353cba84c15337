//! execute-api for WebSocket APIs (apigatewayv2, `protocolType: WEBSOCKET`).
//!
//! The upgrade request runs `$connect` before the 101: the REQUEST Lambda authorizer, the API
//! key when the route requires one, then the integration; a refusal answers the upgrade with
//! AWS's status. The connection then lives in `session` until either side closes, the idle
//! timeout or the maximum duration ends it, or DeleteConnection does; `$disconnect` follows.
//!
//! - `compile`: an API's stages with their deployments, compiled once per change to the API.
//! - `select`: selection expressions (routes, templates, integration responses, API keys).
//! - `connections`: the registry of live connections, which @connections reads.
//! - `event`: AWS's Lambda proxy and authorizer events.
//! - `template`: request and response templates with WebSocket's `$context`.
//! - `integrate`: AWS_PROXY, AWS (Lambda), HTTP, HTTP_PROXY and MOCK integrations.
//! - `session`: one connection's task.

mod compile;
mod connections;
mod event;
mod integrate;
mod select;
mod session;
mod template;

use crate::authorize::lambda::grant;
use crate::by_api_id::ByApiId;
use crate::functions::{FunctionCall, FunctionResult, Functions};
use crate::parse::Invocation;
use axum::body::Body;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::response::IntoResponse;
use bytes::Bytes;
use compile::{Authorization, Authorizer, CompiledApi, Deployment, Source, Stage};
use connections::{Connections, NewConnection, Outbound, SendError};
use event::{EventType, Happening, Peer, new_request_id};
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use portico_http::HttpClient;
use portico_store::{Changed, Scope, Store, StoreError};
use portico_v2::kinds::{API, DEPLOYMENT, SNAPSHOT, STAGE};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Bytes a connection reads into at a time (tungstenite's default is 128 KiB).
const READ_BUFFER: usize = 4 * 1024;

/// How long a `$connect` authorizer may take (API Gateway's authorizer timeout).
const AUTHORIZER_TIMEOUT: Duration = Duration::from_secs(10);

/// AWS's limits on a connection; the idle timeout and maximum duration are flags.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub idle: Duration,
    pub max_duration: Duration,
    /// A message past this closes the connection with 1009 (128 KB).
    pub max_message: usize,
    /// A frame past this closes the connection with 1009 (32 KB).
    pub max_frame: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            idle: Duration::from_secs(600),
            max_duration: Duration::from_secs(7200),
            max_message: 128 * 1024,
            max_frame: 32 * 1024,
        }
    }
}

/// What a connection's task holds on to.
#[derive(Clone)]
pub(crate) struct Runtime {
    pub connections: Arc<Connections>,
    /// Where each message finds its stage's current deployment.
    pub websockets: Arc<WebSockets>,
    pub store: Store,
    pub functions: Option<Arc<dyn Functions>>,
    pub client: Arc<dyn HttpClient>,
    pub limits: Limits,
    /// Where AWS service integrations are sent (`--aws-endpoint`).
    pub aws: Option<Arc<crate::AwsEndpoint>>,
}

/// Compiled WebSocket APIs by id, and the live connections.
#[derive(Default)]
pub struct WebSockets {
    entries: ByApiId<CompiledApi>,
    pub connections: Arc<Connections>,
}

/// `Upgrade: websocket`.
pub(crate) fn is_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"))
}

/// `{"message": ...}` with `status`.
fn message(status: u16, text: &str) -> Response<Body> {
    let mut response = Response::new(Body::from(serde_json::json!({ "message": text }).to_string()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Why an @connections call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManagementError {
    /// No such live connection (410 GoneException).
    Gone,
    /// The connection's queue is full (429 LimitExceededException).
    LimitExceeded,
    /// Over the 128 KB message limit (413 PayloadTooLargeException).
    TooLarge,
}

/// GetConnection's answer.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    pub connected_at: SystemTime,
    pub last_active_at: SystemTime,
    pub source_ip: String,
    pub user_agent: String,
}

impl WebSockets {
    /// A commit that touched an API drops what is compiled of it.
    pub fn changed(&self, changes: &[Changed]) {
        self.entries.changed(changes, API.name);
    }

    async fn lookup(&self, store: &Store, api_id: &str) -> Result<Option<Arc<CompiledApi>>, StoreError> {
        self.entries.get(api_id, || load(store, api_id)).await
    }

    /// ResetAuthorizersCache: the stage's `$connect` authorizers ask again.
    pub fn flush_authorizers(&self, api_id: &str, stage: &str) {
        if let Some(api) = self.entries.loaded(api_id) {
            for compiled in api.stages.values() {
                for authorizer in &compiled.deployment.lambda_authorizers {
                    authorizer.flush(stage);
                }
            }
        }
    }

    /// The stage as deployed now: a new deployment routes the messages of open connections.
    pub(crate) async fn current_stage(&self, store: &Store, api_id: &str, stage: &str) -> Option<Arc<Stage>> {
        match self.lookup(store, api_id).await {
            Ok(Some(api)) => api.stages.get(stage).cloned(),
            _ => None,
        }
    }

    /// Whether `api_id` names a WebSocket API (a plain HTTP request to one gets 426).
    pub async fn is_websocket_api(&self, store: &Store, api_id: &str) -> bool {
        matches!(self.lookup(store, api_id).await, Ok(Some(_)))
    }

    /// The connection `id`, checked against the endpoint (API and stage) the call came in on.
    fn live(&self, id: &str, endpoint: Option<(&str, &str)>) -> Result<Arc<connections::Connection>, ManagementError> {
        let connection = self.connections.get(id).ok_or(ManagementError::Gone)?;
        match endpoint {
            Some((api, stage)) if (api, stage) != (&*connection.api_id, &*connection.stage) => {
                Err(ManagementError::Gone)
            }
            _ => Ok(connection),
        }
    }

    /// PostToConnection: `data` as one frame (text when UTF-8).
    pub fn post(
        &self,
        id: &str,
        endpoint: Option<(&str, &str)>,
        data: Bytes,
        limits: &Limits,
    ) -> Result<(), ManagementError> {
        if data.len() > limits.max_message {
            return Err(ManagementError::TooLarge);
        }
        let connection = self.live(id, endpoint)?;
        connection.send(Outbound::Data(data)).map_err(|e| match e {
            SendError::Gone => ManagementError::Gone,
            SendError::Full => ManagementError::LimitExceeded,
        })
    }

    /// GetConnection.
    pub fn get(&self, id: &str, endpoint: Option<(&str, &str)>) -> Result<ConnectionInfo, ManagementError> {
        let connection = self.live(id, endpoint)?;
        Ok(ConnectionInfo {
            connected_at: connection.connected_at,
            last_active_at: connection.last_active(),
            source_ip: connection.source_ip.clone(),
            user_agent: connection.user_agent.clone(),
        })
    }

    /// DeleteConnection: the connection closes (1000) and `$disconnect` runs.
    pub fn delete(&self, id: &str, endpoint: Option<(&str, &str)>) -> Result<(), ManagementError> {
        let connection = self.live(id, endpoint)?;
        // Gone at once for the next call, as on AWS.
        self.connections.remove(id);
        connection
            .send(Outbound::Close {
                code: 1000,
                reason: "Connection closed by the server".into(),
            })
            .map_err(|_| ManagementError::Gone)
    }

    /// Serves an upgrade for `target` if its API is a WebSocket API; `Err` gives the request
    /// back when the id names none.
    pub(crate) async fn serve(
        &self,
        store: &Store,
        rt: Runtime,
        target: Invocation,
        request: http::Request<Body>,
    ) -> Result<Response<Body>, (Invocation, http::Request<Body>)> {
        let api = match self.lookup(store, &target.api_id).await {
            Ok(Some(api)) => api,
            Ok(None) => return Err((target, request)),
            Err(error) => {
                tracing::error!(%error, "loading a WebSocket API");
                return Ok(message(500, "Internal server error"));
            }
        };
        let (mut parts, _body) = request.into_parts();
        if api.disabled && parts.extensions.get::<crate::domains::ViaCustomDomain>().is_none() {
            return Ok(message(403, "Forbidden"));
        }
        let Some(stage) = api.stages.get(&target.stage).cloned() else {
            return Ok(message(403, "Forbidden"));
        };
        let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
            Ok(upgrade) => upgrade,
            // Not a valid handshake (wrong method, missing key or version): axum's 4xx.
            Err(rejection) => return Ok(rejection.into_response()),
        };
        let connection_id = rt.connections.reserve_id();
        let header = |name: header::HeaderName| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let mut peer = Peer {
            connection_id: connection_id.clone(),
            account_id: api.account_id.clone(),
            region: api.region.clone(),
            api_id: api.api_id.clone(),
            stage: stage.name.clone(),
            domain_name: header(header::HOST),
            source_ip: crate::context::source_ip(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)),
            user_agent: header(header::USER_AGENT),
            connected_at: SystemTime::now(),
            headers: parts
                .headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect(),
            query: form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            stage_variables: stage.variables.clone(),
            authorizer: None,
            api_key: None,
        };
        let mut protocol = None;
        if let Some(route) = stage.deployment.routes.get("$connect").cloned() {
            let request_id = new_request_id();
            let received = SystemTime::now();
            let at = Happening {
                kind: EventType::Connect,
                route_key: "$connect",
                request_id: &request_id,
                received,
                body: None,
                disconnect: None,
            };
            match &route.authorization {
                Authorization::None => {}
                Authorization::Broken(why) => {
                    tracing::warn!(why, "$connect's authorization cannot be served");
                    return Ok(message(500, "Internal server error"));
                }
                Authorization::Lambda(authorizer) => {
                    match authorize(authorizer, &peer, &at, rt.functions.as_deref()).await {
                        Ok(context) => peer.authorizer = Some(context),
                        Err(refusal) => return Ok(refusal),
                    }
                }
            }
            if route.api_key_required {
                match check_api_key(store, &stage.deployment, &peer).await {
                    Ok(key) => peer.api_key = Some(key),
                    Err(refusal) => return Ok(refusal),
                }
            }
            if let Some(integration) = &route.integration {
                let env = integrate::Env {
                    functions: rt.functions.as_deref(),
                    client: &*rt.client,
                    aws: rt.aws.as_deref(),
                };
                match integrate::run(integration, &peer, &at, &env).await {
                    Ok(answer) if answer.status >= 400 => {
                        let mut refused = Response::new(Body::from(answer.body));
                        *refused.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::FORBIDDEN);
                        return Ok(refused);
                    }
                    Ok(answer) => {
                        protocol = answer
                            .headers
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case("sec-websocket-protocol"))
                            .map(|(_, v)| v.clone());
                    }
                    Err(failure) => return Ok(message(failure.status(), "Internal server error")),
                }
            }
        }
        let new = NewConnection {
            api_id: peer.api_id.clone(),
            stage: peer.stage.clone(),
            source_ip: peer.source_ip.clone(),
            user_agent: peer.user_agent.clone(),
        };
        // Registered before the 101, so that a post right after it is queued, not refused.
        let (connection, outbound) = rt.connections.register(connection_id.clone(), new, peer.connected_at);
        // Small buffers: a connection mostly idles, and tungstenite's 128 KiB defaults made
        // each cost about 137 KiB of RSS. The read buffer grows for a larger message.
        let mut upgrade = upgrade
            .read_buffer_size(READ_BUFFER)
            .write_buffer_size(0)
            .max_message_size(rt.limits.max_message)
            .max_frame_size(rt.limits.max_frame);
        if let Some(protocol) = protocol {
            upgrade = upgrade.protocols([protocol]);
        }
        let registry = rt.connections.clone();
        let failed_id = connection_id.clone();
        let peer = Arc::new(peer);
        let response = upgrade
            .on_failed_upgrade(move |error| {
                tracing::debug!(%error, "WebSocket upgrade failed");
                registry.remove(&failed_id);
            })
            .on_upgrade(move |socket| session::run(socket, connection, outbound, peer, stage, rt));
        Ok(response)
    }
}

/// The REQUEST authorizer on `$connect`: its context (with `principalId`), or the refusal.
async fn authorize(
    authorizer: &Authorizer,
    peer: &Peer,
    at: &Happening<'_>,
    functions: Option<&dyn Functions>,
) -> Result<Map<String, Value>, Response<Body>> {
    let mut identity = Vec::with_capacity(authorizer.sources.len());
    for source in &authorizer.sources {
        let value = match source {
            Source::Header(name) => peer
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone()),
            Source::Query(name) => peer.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            Source::StageVariable(name) => peer.stage_variables.get(name).cloned(),
        };
        // A missing identity source refuses the connection without calling the function.
        match value {
            Some(value) if !value.is_empty() => identity.push(value),
            _ => return Err(message(401, "Unauthorized")),
        }
    }
    // Answers are kept per stage and identity when the authorizer has identity sources.
    let key = (!identity.is_empty()).then(|| format!("{}\u{0}{}", peer.stage, identity.join("\u{0}")));
    let granted = match key.as_deref().and_then(|k| authorizer.cached(k)) {
        Some(granted) => granted,
        None => {
            let granted = Arc::new(ask(authorizer, peer, at, functions).await?);
            if let Some(key) = key {
                authorizer.keep(key, granted.clone());
            }
            granted
        }
    };
    if granted.decide(&event::connect_arn(peer)).is_err() {
        return Err(message(403, "Forbidden"));
    }
    let mut context: Map<String, Value> = granted.context.clone().into_iter().collect();
    if let Some(principal) = &granted.principal_id {
        context.insert("principalId".into(), principal.clone().into());
    }
    Ok(context)
}

/// Calls the authorizer's function and reads its policy.
async fn ask(
    authorizer: &Authorizer,
    peer: &Peer,
    at: &Happening<'_>,
    functions: Option<&dyn Functions>,
) -> Result<crate::authorize::lambda::Grant, Response<Body>> {
    let Some(functions) = functions else {
        tracing::warn!("no Lambda runner for the $connect authorizer");
        return Err(message(500, "Internal server error"));
    };
    let call = FunctionCall {
        function: crate::integration::aws_proxy::fill_variables(&authorizer.function, &peer.stage_variables),
        account: peer.account_id.to_string(),
        region: peer.region.to_string(),
        payload: Bytes::from(event::authorizer_event(peer, at).to_string()),
    };
    let payload = match tokio::time::timeout(AUTHORIZER_TIMEOUT, functions.invoke(call)).await {
        Ok(FunctionResult::Answer { error: None, payload }) => payload,
        other => {
            tracing::warn!(?other, "$connect authorizer failed");
            return Err(message(500, "Internal server error"));
        }
    };
    grant(&payload).map_err(|reason| {
        tracing::warn!(reason, "$connect authorizer's answer is malformed");
        message(500, "Internal server error")
    })
}

/// `apiKeyRequired` on `$connect`: the key named by `apiKeySelectionExpression` must be an
/// enabled key of a usage plan covering the stage, else 403.
async fn check_api_key(store: &Store, deployment: &Deployment, peer: &Peer) -> Result<String, Response<Body>> {
    let key = deployment
        .api_key_selection
        .evaluate(|name| integrate::request_variable(name, None, peer))
        .filter(|k| !k.is_empty())
        .ok_or_else(|| message(403, "Forbidden"))?;
    let scope = Scope {
        account: peer.account_id.to_string(),
        region: peer.region.to_string(),
    };
    let plans = portico_rest::usage_plans::plans_for_stage(store, &scope, &peer.api_id, &peer.stage)
        .await
        .map_err(|error| {
            tracing::error!(%error, "reading usage plans");
            message(500, "Internal server error")
        })?;
    if plans.iter().any(|plan| plan.keys.contains_key(&key)) {
        Ok(key)
    } else {
        Err(message(403, "Forbidden"))
    }
}

async fn load(store: &Store, api_id: &str) -> Result<Option<Arc<CompiledApi>>, StoreError> {
    let Some(api) = store.global(&API, api_id).await? else {
        return Ok(None);
    };
    if api.doc.protocol_type.as_deref() != Some("WEBSOCKET") {
        return Ok(None);
    }
    let scope = api.row.scope();
    let mut deployments: HashMap<String, Arc<Deployment>> = HashMap::new();
    let mut stages = HashMap::new();
    for stage in store.children(&STAGE, &api.row).await? {
        let Some(deployment_id) = stage.doc.deployment_id.clone() else {
            continue;
        };
        let deployment = match deployments.get(&deployment_id) {
            Some(d) => d.clone(),
            None => {
                let Some(row) = store.child(&DEPLOYMENT, &api.row, &deployment_id).await? else {
                    tracing::warn!(api_id, deployment_id, "stage's deployment is missing");
                    continue;
                };
                let Some(snapshot) = store.child(&SNAPSHOT, &row.row, &deployment_id).await? else {
                    tracing::warn!(api_id, deployment_id, "deployment has no snapshot");
                    continue;
                };
                let compiled = Arc::new(Deployment::compile(&snapshot.doc));
                deployments.insert(deployment_id, compiled.clone());
                compiled
            }
        };
        let compiled = Stage::compile(&stage.doc, deployment);
        stages.insert(compiled.name.to_string(), Arc::new(compiled));
    }
    tracing::debug!(api_id, stages = stages.len(), "compiled WebSocket API");
    Ok(Some(Arc::new(CompiledApi {
        account_id: scope.account.as_str().into(),
        region: scope.region.as_str().into(),
        api_id: api_id.into(),
        disabled: api.doc.disable_execute_api_endpoint == Some(true),
        stages,
    })))
}

/// The @connections operations over the live connections, for the management API.
#[derive(Clone)]
pub struct Management {
    websockets: Arc<WebSockets>,
    limits: Limits,
}

impl Management {
    pub(crate) fn new(websockets: Arc<WebSockets>, limits: Limits) -> Self {
        Management { websockets, limits }
    }

    /// PostToConnection; `endpoint` is the (API, stage) of a stage's callback URL, `None` at
    /// Portico's root.
    pub fn post(&self, id: &str, endpoint: Option<(&str, &str)>, data: Bytes) -> Result<(), ManagementError> {
        self.websockets.post(id, endpoint, data, &self.limits)
    }

    pub fn get(&self, id: &str, endpoint: Option<(&str, &str)>) -> Result<ConnectionInfo, ManagementError> {
        self.websockets.get(id, endpoint)
    }

    pub fn delete(&self, id: &str, endpoint: Option<(&str, &str)>) -> Result<(), ManagementError> {
        self.websockets.delete(id, endpoint)
    }

    /// How many connections are open.
    pub fn open(&self) -> usize {
        self.websockets.connections.len()
    }
}

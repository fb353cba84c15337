//! execute-api: deployed REST API stages answering HTTP requests as API Gateway does.
//!
//! Layout:
//! - `parse`: host and path to `Invocation` (API id, stage, stage-relative path), or not ours.
//! - `cache`: each stage compiled once (route tree, integrations, selection patterns) and kept
//!   until the store's generation moves.
//! - `route`: path and method to a deployed method and its path parameters.
//! - `integration`: the compiled integration; `mock` answers from templates, `http_proxy`
//!   forwards to the backend.
//! - `respond`: integration response selection, response mapping, and the fixed error answers.
//!
//! A request goes `Invocation::parse` → `DataPlane::serve`: cache lookup → route → integration
//! → response, then every answer gets its `x-amzn-RequestId`.

mod cache;
mod integration;
mod parse;
mod respond;
mod route;
mod websocket;

pub use parse::Invocation;

use axum::body::Body;
use bytes::Bytes;
use cache::{Lookup, StageCache};
use http::{HeaderValue, Response};
use integration::{Kind, http_proxy, mock};
use portico_store::Store;
use tracing::Instrument;

/// API Gateway's payload limit for REST APIs: 10 MB.
pub const PAYLOAD_LIMIT: usize = 10 * 1024 * 1024;

/// Serves execute-api requests from the store's deployed stages.
pub struct DataPlane {
    store: Store,
    cache: StageCache,
    client: http_proxy::Client,
}

impl DataPlane {
    pub fn new(store: Store) -> Self {
        DataPlane {
            store,
            cache: StageCache::default(),
            client: http_proxy::client(),
        }
    }

    /// Serves one execute-api request; the body is read here, under API Gateway's payload limit
    /// and the front door's body-read deadline (`portico_http::BodyReadTimeout` in the request's
    /// extensions). A WebSocket upgrade goes to `websocket`.
    pub async fn serve(&self, target: Invocation, request: http::Request<Body>) -> Response<Body> {
        if websocket::is_upgrade(request.headers()) {
            return websocket::serve(target, request).await;
        }
        let timeout = request
            .extensions()
            .get::<portico_http::BodyReadTimeout>()
            .copied()
            .unwrap_or_default();
        let (parts, body) = request.into_parts();
        let response = match portico_http::read_body(body, PAYLOAD_LIMIT, timeout.0).await {
            Ok(body) => self.serve_buffered(target, parts, body).await,
            // Answered before the rest arrives; it carries `Connection: close`.
            Err(portico_http::BodyError::TooLarge) => respond::request_too_large(),
            Err(error) => {
                tracing::debug!(%error, "request body not read");
                portico_http::body::body_error_response(&error).unwrap_or_else(respond::internal_error)
            }
        };
        response.map(Body::from)
    }

    /// The chain, once the body is in.
    pub async fn serve_buffered(&self, target: Invocation, req: http::request::Parts, body: Bytes) -> Response<Bytes> {
        let request_id = uuid::Uuid::new_v4().to_string();
        let span = tracing::debug_span!("execute-api", request_id, api_id = target.api_id, stage = target.stage);
        let mut response = self.answer(&target, req, body).instrument(span).await;
        tracing::debug!(
            request_id,
            status = response.status().as_u16(),
            path = target.path,
            "answered"
        );
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert("x-amzn-RequestId", value);
        }
        response
    }

    async fn answer(&self, target: &Invocation, req: http::request::Parts, body: Bytes) -> Response<Bytes> {
        let stage = match self.cache.lookup(&self.store, &target.api_id, &target.stage).await {
            Ok(Lookup::Stage(stage)) => stage,
            Ok(Lookup::NoStage) => return respond::forbidden(),
            Ok(Lookup::NoApi) => return respond::not_found(),
            Err(e) => {
                tracing::error!(error = %e, "loading stage");
                return respond::internal_error();
            }
        };
        let Some(route) = stage.routes.find(req.method.as_str(), &target.path) else {
            return respond::missing_authentication_token();
        };
        let Some(integration) = &route.target.integration else {
            tracing::warn!(resource = route.target.resource_path, method = %req.method, "method has no integration");
            return respond::internal_error();
        };
        match &integration.kind {
            Kind::Mock => mock::invoke(integration, &req.headers),
            Kind::HttpProxy => {
                http_proxy::invoke(&self.client, integration, &stage.variables, &route.params, req, body).await
            }
            other => {
                tracing::warn!(
                    integration_type = other.name(),
                    resource = route.target.resource_path,
                    "integration type not supported yet"
                );
                respond::internal_error()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! The chain over an in-memory store; HTTP_PROXY against a local backend.

    use super::*;
    use http::{Method, Request};
    use portico_store::{DeploymentSnapshot, Scope};
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
        tx.put(&scope, "", api_id, &api).await.unwrap();
        tx.put(&scope, api_id, stage.stage_name.as_deref().unwrap(), &stage)
            .await
            .unwrap();
        tx.put(&scope, api_id, deployment, &DeploymentSnapshot { api, resources })
            .await
            .unwrap();
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
        plane.serve_buffered(target, parts, Bytes::new()).await
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
        let plane = DataPlane::new(store.clone());

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

    #[tokio::test]
    async fn stages_are_compiled_once_per_generation() {
        let store = Store::open(None).await.unwrap();
        deploy(
            &store,
            "api1",
            "dev",
            "d1",
            vec![resource("/", vec![("GET", method(None))])],
        )
        .await;
        let plane = DataPlane::new(store.clone());
        let stage = |lookup| match lookup {
            Lookup::Stage(stage) => stage,
            other => panic!("{other:?}"),
        };
        let first = stage(plane.cache.lookup(&store, "api1", "dev").await.unwrap());
        let again = stage(plane.cache.lookup(&store, "api1", "dev").await.unwrap());
        assert!(std::sync::Arc::ptr_eq(&first, &again));
        assert!(matches!(
            plane.cache.lookup(&store, "api2", "dev").await.unwrap(),
            Lookup::NoApi
        ));

        // A new deployment of another API moves the generation: everything reloads.
        deploy(
            &store,
            "api2",
            "dev",
            "d2",
            vec![resource("/new", vec![("GET", method(Some(mock("", "{}"))))])],
        )
        .await;
        let reloaded = stage(plane.cache.lookup(&store, "api1", "dev").await.unwrap());
        assert!(!std::sync::Arc::ptr_eq(&first, &reloaded));
        assert!(matches!(
            plane.cache.lookup(&store, "api2", "dev").await.unwrap(),
            Lookup::Stage(_)
        ));
        assert_eq!(
            call(&plane, Method::GET, "/restapis/api2/dev/_user_request_/new")
                .await
                .status(),
            200
        );
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
        let plane = DataPlane::new(store);

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
        let answer = plane.serve_buffered(target, parts, Bytes::from_static(b"hi")).await;
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

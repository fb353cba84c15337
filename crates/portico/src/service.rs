//! Portico's own endpoints, outside the AWS paths.

use crate::State;
use bytes::Bytes;
use serde_json::json;

fn json_response(status: u16, body: serde_json::Value) -> http::Response<Bytes> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Bytes::from(body.to_string()))
        .expect("static response")
}

pub async fn handle(state: &State, parts: &http::request::Parts) -> Option<http::Response<Bytes>> {
    let method = parts.method.as_str();
    Some(match (method, parts.uri.path()) {
        ("GET" | "HEAD", "/_portico/health") => {
            let counts = match state.store.counts().await {
                Ok(counts) => counts
                    .into_iter()
                    .map(|(k, v)| (k, json!(v)))
                    .collect::<serde_json::Map<_, _>>(),
                Err(e) => {
                    return Some(json_response(
                        500,
                        json!({ "status": "error", "message": e.to_string() }),
                    ));
                }
            };
            json_response(
                200,
                json!({
                    "status": "running",
                    "version": env!("CARGO_PKG_VERSION"),
                    "uptimeSeconds": state.started.elapsed().as_secs(),
                    "persistence": if state.config.in_memory { "memory".to_string() } else { state.config.data_dir.display().to_string() },
                    "counts": counts,
                }),
            )
        }
        ("POST", "/_portico/reset") => match state.store.reset().await {
            Ok(()) => json_response(200, json!({ "reset": true })),
            Err(e) => json_response(500, json!({ "message": e.to_string() })),
        },
        // The shape LocalStack answers, so tools that wait on it work unchanged.
        ("GET" | "HEAD", "/_localstack/health" | "/health") => json_response(
            200,
            json!({
                "services": { "apigateway": "running", "apigatewayv2": "running", "apigatewaymanagementapi": "running" },
                "edition": "community",
                "version": format!("portico-{}", env!("CARGO_PKG_VERSION")),
            }),
        ),
        _ => return None,
    })
}

//! Portico's own endpoints, outside the AWS paths.

use crate::State;
use bytes::Bytes;
use serde_json::json;

/// What `/_localstack/health` reports for each service: `running` once Portico serves its
/// operations, else `disabled`, LocalStack's state for a service it does not offer
/// (`ServiceState` in LocalStack's `services/plugins.py`). Update a row when a service lands.
pub const SERVICES: [(&str, &str); 4] = [
    ("apigateway", "running"),
    ("lambda", "running"),
    // HTTP APIs' control plane is partly served (the rest answers 501).
    ("apigatewayv2", "running"),
    // @connections over the live WebSocket connections.
    ("apigatewaymanagementapi", "running"),
];

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
            let stats = state.dataplane.cache_stats();
            json_response(
                200,
                json!({
                    "status": "running",
                    "version": env!("CARGO_PKG_VERSION"),
                    "uptimeSeconds": state.started.elapsed().as_secs(),
                    "persistence": if state.config.in_memory { "memory".to_string() } else { state.config.data_dir.display().to_string() },
                    "counts": counts,
                    "dataplane": {
                        "stageLoads": stats.stage_loads,
                        "deploymentCompiles": stats.deployment_compiles,
                        "cachedStages": stats.cached_stages,
                        "cachedDeployments": stats.cached_deployments,
                    },
                }),
            )
        }
        (_, "/_portico/health") => method_not_allowed(method, "/_portico/health", "GET, HEAD"),
        ("POST", "/_portico/reset") => match state.store.reset().await {
            Ok(()) => json_response(200, json!({ "reset": true })),
            Err(e) => json_response(500, json!({ "message": e.to_string() })),
        },
        (_, "/_portico/reset") => method_not_allowed(method, "/_portico/reset", "POST"),
        ("POST", "/_portico/clock") => {
            let advance = parts
                .uri
                .query()
                .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("advance=")))
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0);
            match advance {
                None => json_response(
                    400,
                    json!({ "message": "advance=SECONDS (a number, 0 or more) is required" }),
                ),
                Some(seconds)
                    if state
                        .dataplane
                        .advance_clock(std::time::Duration::from_secs_f64(seconds)) =>
                {
                    json_response(200, json!({ "advancedSeconds": seconds }))
                }
                Some(_) => json_response(
                    409,
                    json!({ "message": "the clock is the real one: start Portico with --test-clock to move it" }),
                ),
            }
        }
        (_, "/_portico/clock") => method_not_allowed(method, "/_portico/clock", "POST"),
        // What API Gateway would have sent CloudWatch (there is no CloudWatch here).
        ("GET" | "HEAD", "/_portico/metrics") => json_response(200, state.dataplane.metrics()),
        (_, "/_portico/metrics") => method_not_allowed(method, "/_portico/metrics", "GET, HEAD"),
        // The shape LocalStack answers, so tools that wait on it work unchanged.
        ("GET" | "HEAD", "/_localstack/health" | "/health") => json_response(
            200,
            json!({
                "services": SERVICES.iter().map(|&(name, state)| (name.to_owned(), json!(state))).collect::<serde_json::Map<_, _>>(),
                "edition": "community",
                "version": format!("portico-{}", env!("CARGO_PKG_VERSION")),
            }),
        ),
        _ => return None,
    })
}

fn method_not_allowed(method: &str, path: &str, allowed: &str) -> http::Response<Bytes> {
    let mut response = json_response(
        405,
        json!({ "message": format!("{path} takes {allowed}, not {method}") }),
    );
    if let Ok(value) = http::HeaderValue::from_str(allowed) {
        response.headers_mut().insert(http::header::ALLOW, value);
    }
    response
}

//! TestInvokeMethod: one simulated request through the chain of the API's current
//! configuration (no deployment: the control plane hands over a snapshot taken now), without
//! authorization, as the console's Test button runs it. The answer carries the status, body,
//! headers, latency and the execution log the steps wrote.

use crate::context::{RequestContext, RequestIds, log_line};
use crate::stage::{CompiledDeployment, CompiledMethod, CompiledStage};
use bytes::Bytes;
use portico_rest::kinds::DeploymentSnapshot;
use portico_wire::apigateway as ag;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The stage AWS names in a test invoke (`$context.stage`).
pub const TEST_STAGE: &str = "test-invoke-stage";

/// The simulated request, compiled: the stage, and the method with its path parameters.
pub struct Prepared {
    pub stage: CompiledStage,
    pub request: http::request::Parts,
    pub body: Bytes,
    pub path: String,
    pub resource_path: String,
}

pub fn prepare(
    account: &str,
    region: &str,
    api_id: &str,
    snapshot: &DeploymentSnapshot,
    input: &ag::TestInvokeMethodRequest,
    auth: &crate::authorize::Auth,
) -> Result<Prepared, String> {
    let resource_id = input.resource_id.as_deref().unwrap_or_default();
    let resource_path = snapshot
        .resources
        .iter()
        .find(|r| r.id.as_deref() == Some(resource_id))
        .and_then(|r| r.path.clone())
        .ok_or("Invalid Resource identifier specified")?;
    let deployment = CompiledDeployment::compile("", snapshot, auth, region, account);
    // TestInvokeMethod is never throttled: its buckets are its own.
    let throttle = crate::throttle::Throttles::default().for_stage((account, region), api_id, TEST_STAGE, &[], None);
    let stage = CompiledStage {
        account_id: account.into(),
        region: region.into(),
        api_id: api_id.into(),
        name: TEST_STAGE.into(),
        variables: Arc::new(input.stage_variables.clone().unwrap_or_default()),
        deployment: Arc::new(deployment),
        throttle,
        caching: Vec::new(),
        logging: Vec::new(),
        // Test calls are not in the API's metrics.
        metrics: Default::default(),
        canary: None,
        canary_side: None,
    };
    let target = input
        .path_with_query_string
        .clone()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| resource_path.clone());
    let target = if target.starts_with('/') {
        target
    } else {
        format!("/{target}")
    };
    let method = input.http_method.as_deref().unwrap_or("GET");
    let mut builder = http::Request::builder().method(method).uri(&target);
    for (name, value) in input.headers.iter().flatten() {
        builder = builder.header(name, value);
    }
    for (name, values) in input.multi_value_headers.iter().flatten() {
        for value in values {
            builder = builder.header(name, value);
        }
    }
    let request = builder.body(()).map_err(|e| format!("Invalid request: {e}"))?;
    let path = request.uri().path().to_owned();
    let (request, ()) = request.into_parts();
    Ok(Prepared {
        stage,
        request,
        body: Bytes::from(input.body.clone().unwrap_or_default()),
        path,
        resource_path,
    })
}

/// The context of the simulated request, its log started as AWS's starts, and the method it
/// runs (from `deployment`, the stage's own).
pub fn context<'d>(
    prepared: Prepared,
    resource_id: &str,
    deployment: &'d CompiledDeployment,
) -> Result<(RequestContext, &'d CompiledMethod), String> {
    let Prepared {
        stage,
        request,
        body,
        path,
        resource_path,
    } = prepared;
    let method = request.method.as_str().to_owned();
    let routes = &deployment.routes;
    // The path given, if it leads to this resource; else the resource's own path.
    let route = routes
        .find(&method, &path)
        .filter(|r| &*r.target.resource_id == resource_id)
        .or_else(|| {
            routes
                .find(&method, &resource_path)
                .filter(|r| &*r.target.resource_id == resource_id)
        })
        .ok_or("Invalid Method identifier specified")?;
    let (target, params) = (route.target, route.params);
    let ids = RequestIds::new();
    let mut ctx = RequestContext::new(ids, request, body, path, &stage, target, params);
    let lines = vec![
        format!("Execution log for request {}", ctx.request_id),
        log_line(&format!("Starting execution for request: {}", ctx.request_id)),
        log_line(&format!("HTTP Method: {method}, Resource Path: {}", ctx.path)),
        log_line(&format!(
            "Method request path: {{{}}}",
            ctx.path_params
                .iter()
                .map(|p| format!("{}={}", p.name, p.value))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        log_line(&format!(
            "Method request query string: {{{}}}",
            ctx.query()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        log_line(&format!(
            "Method request headers: {}",
            crate::integration::http::header_text(&ctx.headers)
        )),
    ];
    ctx.trace = Some(Mutex::new(lines));
    Ok((ctx, target))
}

/// AWS's answer from what the chain answered.
pub fn answer(response: http::Response<Bytes>, ctx: &RequestContext, started: Instant) -> ag::TestInvokeMethodResponse {
    let status = response.status().as_u16();
    ctx.trace(|| {
        if response.status().is_success() {
            "Successfully completed execution".to_owned()
        } else {
            format!("Execution failed with status: {status}")
        }
    });
    ctx.trace(|| format!("Method completed with status: {status}"));
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let mut multi: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in response.headers() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        let name = canonical_name(name.as_str());
        multi.entry(name.clone()).or_default().push(value.clone());
        headers
            .entry(name)
            .and_modify(|v| {
                v.push(',');
                v.push_str(&value);
            })
            .or_insert(value);
    }
    let log = ctx
        .trace
        .as_ref()
        .and_then(|t| t.lock().ok().map(|lines| lines.join("\n")))
        .unwrap_or_default();
    ag::TestInvokeMethodResponse {
        status: Some(i64::from(status)),
        body: Some(String::from_utf8_lossy(response.body()).into_owned()),
        headers: Some(headers),
        multi_value_headers: Some(multi),
        log: Some(log + "\n"),
        latency: Some(started.elapsed().as_millis() as i64),
    }
}

/// `content-type` → `Content-Type`, as AWS's answers spell header names.
pub fn canonical_name(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

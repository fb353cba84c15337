//! AWS_PROXY with a Lambda function (payload format 1.0): the request becomes the event AWS
//! sends, and the function's answer (`statusCode`, `headers`, `multiValueHeaders`, `body`,
//! `isBase64Encoded`) becomes the response. Anything else it returns is a 502.

use super::Integration;
use crate::context::RequestContext;
use crate::functions::{FunctionCall, FunctionResult, Functions};
use crate::respond;
use base64::Engine;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use serde_json::{Map, Value, json};

/// The function an integration URI names: `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations`.
pub fn function_of(uri: &str) -> Option<String> {
    let (_, rest) = uri.split_once(":lambda:path/2015-03-31/functions/")?;
    let function = rest.strip_suffix("/invocations")?;
    (!function.is_empty()).then(|| function.to_owned())
}

/// `${stageVariables.name}` filled in from the stage.
pub fn fill_stage_variables(text: &str, ctx: &RequestContext) -> String {
    fill_variables(text, &ctx.stage_variables)
}

/// `${stageVariables.name}` filled in from `variables` (an unknown name gives nothing).
pub fn fill_variables(text: &str, variables: &std::collections::BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${stageVariables.") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "${stageVariables.".len()..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        out.push_str(variables.get(&after[..end]).map(String::as_str).unwrap_or_default());
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

pub async fn invoke(
    integration: &Integration,
    ctx: &RequestContext,
    functions: Option<&dyn Functions>,
) -> Response<Bytes> {
    let (Some(function), Some(functions)) = (integration.function.as_deref(), functions) else {
        tracing::warn!(
            resource = &*ctx.resource_path,
            "AWS_PROXY integration names no Lambda function"
        );
        return respond::internal_error();
    };
    let function = fill_stage_variables(function, ctx);
    let call = FunctionCall {
        account: ctx.account_id.to_string(),
        region: ctx.region.to_string(),
        function: function.clone(),
        payload: Bytes::from(event(ctx).to_string()),
    };
    let result = match tokio::time::timeout(integration.timeout, functions.invoke(call)).await {
        Ok(result) => result,
        Err(_) => return respond::timed_out(),
    };
    match result {
        FunctionResult::Answer { error: None, payload } => match proxy_response(&payload) {
            Ok(response) => binary_response(response, ctx),
            Err(reason) => {
                tracing::warn!(function, reason, "malformed Lambda proxy response");
                respond::bad_gateway()
            }
        },
        FunctionResult::Answer {
            error: Some(kind),
            payload,
        } => {
            tracing::warn!(function, kind, error = %String::from_utf8_lossy(&payload), "Lambda function failed");
            respond::bad_gateway()
        }
        FunctionResult::NotFound => {
            tracing::warn!(function, "Lambda function not found");
            respond::internal_error()
        }
        FunctionResult::Failed(reason) => {
            tracing::warn!(function, reason, "Lambda function could not be run");
            respond::internal_error()
        }
    }
}

/// A base64 body (`isBase64Encoded`) is decoded when the client accepts a binary media type
/// (the first type of its `Accept`, or without one the answer's `Content-Type`); otherwise it
/// goes out as the text it is, as on AWS.
fn binary_response(mut response: Response<Bytes>, ctx: &RequestContext) -> Response<Bytes> {
    if response.extensions_mut().remove::<Base64Body>().is_none() {
        return response;
    }
    let wanted = match ctx.header(http::header::ACCEPT.as_str()) {
        Some(accept) => accept.split(',').next().unwrap_or_default().to_owned(),
        None => response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    };
    if !ctx.is_binary(&wanted) {
        return response;
    }
    match base64::engine::general_purpose::STANDARD.decode(response.body().trim_ascii()) {
        Ok(bytes) => {
            *response.body_mut() = Bytes::from(bytes);
            response
        }
        Err(e) => {
            tracing::warn!(error = %e, "isBase64Encoded body is not base64");
            respond::bad_gateway()
        }
    }
}

/// Marks an answer whose body the function sent base64-encoded.
#[derive(Debug, Clone, Copy)]
struct Base64Body;

/// Whether the function sent the body base64-encoded (the mark is removed).
pub fn take_base64_mark(response: &mut Response<Bytes>) -> bool {
    response.extensions_mut().remove::<Base64Body>().is_some()
}

/// Names and values: the single map keeps the last value of a name, the multi-value map all.
pub(crate) fn both_maps(pairs: impl IntoIterator<Item = (String, String)>) -> (Value, Value) {
    let mut single = Map::new();
    let mut multi = Map::new();
    for (name, value) in pairs {
        match multi.get_mut(&name) {
            Some(Value::Array(values)) => values.push(value.clone().into()),
            _ => {
                multi.insert(name.clone(), json!([value]));
            }
        }
        single.insert(name, value.into());
    }
    if single.is_empty() {
        (Value::Null, Value::Null)
    } else {
        (Value::Object(single), Value::Object(multi))
    }
}

/// The event AWS sends a Lambda proxy integration (payload format 1.0).
pub fn event(ctx: &RequestContext) -> Value {
    let mut headers: Vec<(String, String)> = ctx
        .headers_in_order()
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    // What AWS's front end adds before the request reaches the integration.
    let has = |headers: &[(String, String)], name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let source_ip = ctx.source_ip();
    match headers
        .iter_mut()
        .find(|(n, _)| n.eq_ignore_ascii_case("X-Forwarded-For"))
    {
        Some((_, value)) => *value = format!("{value}, {source_ip}"),
        None => headers.push(("X-Forwarded-For".into(), source_ip.clone())),
    }
    if !has(&headers, "X-Forwarded-Port") {
        let port = ctx
            .header("host")
            .and_then(|h| h.rsplit_once(':'))
            .map(|(_, p)| p.to_owned())
            .unwrap_or_else(|| "80".into());
        headers.push(("X-Forwarded-Port".into(), port));
    }
    if !has(&headers, "X-Forwarded-Proto") {
        headers.push(("X-Forwarded-Proto".into(), "http".into()));
    }
    if !has(&headers, "X-Amzn-Trace-Id") {
        headers.push(("X-Amzn-Trace-Id".into(), trace_id(ctx)));
    }
    let (headers, multi_headers) = both_maps(headers);
    let (query, multi_query) = both_maps(ctx.query());
    let path_parameters = if ctx.path_params.is_empty() {
        Value::Null
    } else {
        Value::Object(
            ctx.path_params
                .iter()
                .map(|p| (p.name.clone(), p.raw.clone().into()))
                .collect(),
        )
    };
    let stage_variables = if ctx.stage_variables.is_empty() {
        Value::Null
    } else {
        json!(&*ctx.stage_variables)
    };
    // Binary (by `binaryMediaTypes`, or not text at all) goes base64-encoded.
    let binary = ctx
        .header(http::header::CONTENT_TYPE.as_str())
        .is_some_and(|t| ctx.is_binary(t));
    let (body, base64) = match (ctx.body.is_empty(), std::str::from_utf8(&ctx.body)) {
        (true, _) => (Value::Null, false),
        (false, Ok(text)) if !binary => (text.into(), false),
        (false, _) => (base64::engine::general_purpose::STANDARD.encode(&ctx.body).into(), true),
    };
    let identity = &ctx.identity;
    let mut request_context = json!({
        "resourceId": &*ctx.resource_id,
        "resourcePath": &*ctx.resource_path,
        "httpMethod": ctx.method.as_str(),
        "extendedRequestId": ctx.extended_request_id,
        "requestTime": ctx.request_time(),
        "path": ctx.full_path(),
        "accountId": &*ctx.account_id,
        "protocol": ctx.protocol(),
        "stage": &*ctx.stage,
        "domainPrefix": ctx.domain_prefix(),
        "requestTimeEpoch": ctx.request_time_epoch(),
        "requestId": ctx.request_id,
        "identity": {
            "cognitoIdentityPoolId": null,
            "accountId": identity.account_id,
            "cognitoIdentityId": null,
            "caller": identity.caller,
            "sourceIp": source_ip,
            "principalOrgId": null,
            "accessKey": identity.access_key,
            "cognitoAuthenticationType": null,
            "cognitoAuthenticationProvider": null,
            "userArn": identity.user_arn,
            "userAgent": ctx.user_agent(),
            "user": identity.user,
        },
        "domainName": ctx.domain_name(),
        "deploymentId": &*ctx.deployment_id,
        "apiId": &*ctx.api_id,
    });
    if let Some(key) = &identity.api_key {
        request_context["identity"]["apiKey"] = key.clone().into();
    }
    if let Some(id) = &identity.api_key_id {
        request_context["identity"]["apiKeyId"] = id.clone().into();
    }
    if let Some(authorizer) = &ctx.authorizer {
        let mut out: Map<String, Value> = authorizer.context.clone().into_iter().collect();
        if let Some(principal) = &authorizer.principal_id {
            out.insert("principalId".into(), principal.clone().into());
        }
        if let Some(claims) = &authorizer.claims {
            out.insert("claims".into(), Value::Object(claims.clone()));
        }
        request_context["authorizer"] = Value::Object(out);
    }
    json!({
        "resource": &*ctx.resource_path,
        "path": ctx.path,
        "httpMethod": ctx.method.as_str(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_parameters,
        "stageVariables": stage_variables,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": base64,
    })
}

/// `Root=1-{epoch hex}-{24 hex}`, from the request id so that it is stable within a request.
fn trace_id(ctx: &RequestContext) -> String {
    let epoch = ctx.request_time_epoch() / 1000;
    let hex: String = ctx
        .request_id
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(24)
        .collect();
    format!("Root=1-{epoch:08x}-{hex:0>24}")
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The function's answer as an HTTP response, or why it is not one.
pub fn proxy_response(payload: &[u8]) -> Result<Response<Bytes>, String> {
    let answer: Value = serde_json::from_slice(payload).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(answer) = answer else {
        return Err("not a JSON object".into());
    };
    if answer.is_empty() {
        return Err("an empty object".into());
    }
    if let Some(key) = answer.keys().find(|k| {
        !matches!(
            k.as_str(),
            "statusCode" | "headers" | "multiValueHeaders" | "body" | "isBase64Encoded"
        )
    }) {
        return Err(format!("unexpected member {key:?}"));
    }
    let status = match answer.get("statusCode") {
        None | Some(Value::Null) => 200,
        Some(Value::Number(n)) => n.as_u64().ok_or("statusCode is not an integer")?,
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| format!("statusCode {s:?} is not a number"))?,
        Some(_) => return Err("statusCode is not a number".into()),
    };
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| format!("statusCode {status} is not an HTTP status"))?;
    // multiValueHeaders first, then headers; a name in both gets both values, spelled as in
    // multiValueHeaders.
    let mut headers: Vec<(String, Vec<String>)> = Vec::new();
    match answer.get("multiValueHeaders") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (name, values) in map {
                let Value::Array(values) = values else {
                    return Err(format!("multiValueHeaders.{name} is not a list"));
                };
                headers.push((name.clone(), values.iter().filter_map(scalar_text).collect()));
            }
        }
        Some(_) => return Err("multiValueHeaders is not an object".into()),
    }
    match answer.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (name, value) in map {
                let Some(value) = scalar_text(value) else { continue };
                match headers.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                    Some((_, values)) => values.push(value),
                    None => headers.push((name.clone(), vec![value])),
                }
            }
        }
        Some(_) => return Err("headers is not an object".into()),
    }
    let body = match answer.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let mut response = Response::builder().status(status);
    let mut has_content_type = false;
    for (name, values) in &headers {
        let Ok(header) = HeaderName::from_bytes(name.as_bytes()) else {
            return Err(format!("{name:?} is not a header name"));
        };
        has_content_type |= header == http::header::CONTENT_TYPE;
        // One header line per value: `Set-Cookie` cannot be joined.
        for value in values {
            if let Ok(value) = HeaderValue::from_str(value) {
                response = response.header(header.clone(), value);
            }
        }
    }
    if !has_content_type {
        response = response.header(http::header::CONTENT_TYPE, "application/json");
    }
    if answer.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        response = response.extension(Base64Body);
    }
    response.body(Bytes::from(body)).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_in_integration_uris() {
        let uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:fn:live/invocations";
        assert_eq!(
            function_of(uri).as_deref(),
            Some("arn:aws:lambda:us-east-1:000000000000:function:fn:live")
        );
        assert_eq!(function_of("http://example.com"), None);
    }

    /// The answers AWS accepts and refuses (LocalStack's recording of
    /// `test_aws_proxy_response_payload_format_validation` against AWS).
    #[test]
    fn proxy_responses_as_aws_reads_them() {
        let ok = |v: Value| proxy_response(v.to_string().as_bytes()).unwrap();
        let bad = |v: Value| proxy_response(v.to_string().as_bytes()).unwrap_err();
        let r = ok(json!({"statusCode": 200}));
        assert_eq!((r.status(), r.body().as_ref()), (StatusCode::OK, &b""[..]));
        assert_eq!(r.headers()["content-type"], "application/json");
        let r = ok(json!({"statusCode": 200, "headers": {"test-header": "value", "header-bool": true}}));
        assert_eq!(r.headers()["header-bool"], "true");
        ok(json!({"statusCode": 200, "headers": null}));
        bad(json!({"statusCode": 200, "wrongValue": "value"}));
        bad(json!({}));
        let r = ok(json!({"statusCode": 200, "body": "dGVzdC1kYXRh", "isBase64Encoded": true}));
        assert_eq!(r.body().as_ref(), b"dGVzdC1kYXRh");
        let r = ok(json!({"statusCode": 200, "multiValueHeaders": {"test-multi": ["value1", "value2"]}}));
        let values = |r: &Response<Bytes>, name: &str| -> Vec<String> {
            r.headers()
                .get_all(name)
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(values(&r, "test-multi"), ["value1", "value2"]);
        let r = ok(
            json!({"statusCode": 200, "multiValueHeaders": {"tesT-Multi": ["value-multi"]}, "headers": {"test-multi": "value-solo"}}),
        );
        assert_eq!(values(&r, "test-multi"), ["value-multi", "value-solo"]);
        bad(json!({"statusCode": 200, "multiValueHeaders": {"test-multi-invalid": "value1"}}));
        bad(json!({"statusCode": "test"}));
        assert_eq!(ok(json!({"statusCode": "201"})).status(), StatusCode::CREATED);
        bad(json!("justAString"));
        assert_eq!(
            ok(json!({"headers": {"test-header": "value"}})).status(),
            StatusCode::OK
        );
    }
}

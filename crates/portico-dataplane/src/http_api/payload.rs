//! Lambda proxy payloads of HTTP APIs: the event (format 2.0, and 1.0 as HTTP APIs send it)
//! and how the function's answer becomes the response.

use super::call::{Authorized, Call};
use crate::integration::aws_proxy::both_maps;
use base64::Engine;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use serde_json::{Map, Value, json};

/// Whether a body goes to the function as text: HTTP APIs send every other body, and any
/// body that is not UTF-8, base64-encoded (form posts included).
fn is_text(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return true;
    };
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media.starts_with("text/")
        || media.ends_with("/json")
        || media.ends_with("+json")
        || media.ends_with("/xml")
        || media.ends_with("+xml")
        || media.ends_with("/javascript")
}

/// (body, isBase64Encoded) as the event carries them; no body gives `None`.
fn body(call: &Call) -> (Option<String>, bool) {
    if call.body.is_empty() {
        return (None, false);
    }
    match std::str::from_utf8(&call.body) {
        Ok(text) if is_text(call.header("content-type")) => (Some(text.to_owned()), false),
        _ => (Some(base64::engine::general_purpose::STANDARD.encode(&call.body)), true),
    }
}

/// The request's headers plus those AWS's front end adds (`x-forwarded-*`, `x-amzn-trace-id`),
/// names in lower case, in the order received.
fn headers(call: &Call) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = call
        .headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let source_ip = call.source_ip();
    match out.iter_mut().find(|(n, _)| n == "x-forwarded-for") {
        Some((_, value)) => *value = format!("{value}, {source_ip}"),
        None => out.push(("x-forwarded-for".into(), source_ip)),
    }
    let has = |out: &[(String, String)], name: &str| out.iter().any(|(n, _)| n == name);
    if !has(&out, "x-forwarded-port") {
        out.push(("x-forwarded-port".into(), call.port().to_string()));
    }
    if !has(&out, "x-forwarded-proto") {
        out.push(("x-forwarded-proto".into(), "http".into()));
    }
    if !has(&out, "x-amzn-trace-id") {
        out.push(("x-amzn-trace-id".into(), call.trace_id()));
    }
    out
}

fn object_or_absent(pairs: &[(String, String)]) -> Option<Value> {
    (!pairs.is_empty()).then(|| Value::Object(pairs.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect()))
}

/// Repeated names joined with commas, as format 2.0 has them.
fn joined(pairs: impl IntoIterator<Item = (String, String)>) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in pairs {
        match out.get_mut(&name) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                out.insert(name, value.into());
            }
        }
    }
    out
}

/// The event of payload format 2.0.
pub fn event_v2(call: &Call) -> Value {
    let mut cookies = Vec::new();
    let headers: Vec<(String, String)> = headers(call)
        .into_iter()
        .filter(|(name, value)| {
            if name == "cookie" {
                cookies.extend(
                    value
                        .split(';')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_owned),
                );
                return false;
            }
            true
        })
        .collect();
    let query = joined(call.query());
    let (body, base64) = body(call);
    let mut request_context = json!({
        "accountId": &*call.account_id,
        "apiId": &*call.api_id,
        "domainName": call.domain_name(),
        "domainPrefix": call.domain_prefix(),
        "http": {
            "method": call.method.as_str(),
            "path": call.raw_path,
            "protocol": call.protocol(),
            "sourceIp": call.source_ip(),
            "userAgent": call.header("user-agent").unwrap_or_default(),
        },
        "requestId": call.request_id,
        "routeKey": &*call.route_key,
        "stage": &*call.stage,
        "time": call.request_time(),
        "timeEpoch": call.request_time_epoch(),
    });
    if let Some(authorized) = &call.authorized {
        request_context["authorizer"] = match authorized {
            Authorized::Jwt { claims, scopes } => json!({"jwt": {"claims": claims, "scopes": scopes}}),
            Authorized::Lambda { context } => json!({"lambda": context}),
            Authorized::Iam(iam) => json!({"iam": iam}),
        };
    }
    let mut event = Map::new();
    event.insert("version".into(), "2.0".into());
    event.insert("routeKey".into(), (*call.route_key).into());
    event.insert("rawPath".into(), call.raw_path.clone().into());
    event.insert("rawQueryString".into(), call.raw_query.clone().into());
    if !cookies.is_empty() {
        event.insert("cookies".into(), cookies.into());
    }
    event.insert("headers".into(), Value::Object(joined(headers)));
    if !query.is_empty() {
        event.insert("queryStringParameters".into(), Value::Object(query));
    }
    event.insert("requestContext".into(), request_context);
    if let Some(body) = body {
        event.insert("body".into(), body.into());
    }
    if let Some(params) = object_or_absent(&call.path_params) {
        event.insert("pathParameters".into(), params);
    }
    event.insert("isBase64Encoded".into(), base64.into());
    if !call.stage_variables.is_empty() {
        event.insert("stageVariables".into(), json!(&*call.stage_variables));
    }
    Value::Object(event)
}

/// The event of payload format 1.0, as HTTP APIs send it (REST's shape, with `version`).
pub fn event_v1(call: &Call) -> Value {
    let (headers, multi_headers) = both_maps(headers(call));
    let (query, multi_query) = both_maps(call.query());
    let (body, base64) = body(call);
    let resource = call
        .route_key
        .split_once(' ')
        .map_or(&*call.route_key, |(_, path)| path);
    let mut authorizer = Value::Null;
    if let Some(authorized) = &call.authorized {
        authorizer = match authorized {
            Authorized::Jwt { claims, scopes } => json!({"claims": claims, "scopes": scopes}),
            Authorized::Lambda { context } => Value::Object(context.clone()),
            Authorized::Iam(iam) => json!({"iam": iam}),
        };
    }
    let mut request_context = json!({
        "accountId": &*call.account_id,
        "apiId": &*call.api_id,
        "domainName": call.domain_name(),
        "domainPrefix": call.domain_prefix(),
        "extendedRequestId": call.request_id,
        "httpMethod": call.method.as_str(),
        "identity": {
            "accessKey": null,
            "accountId": null,
            "caller": null,
            "cognitoAuthenticationProvider": null,
            "cognitoAuthenticationType": null,
            "cognitoIdentityId": null,
            "cognitoIdentityPoolId": null,
            "principalOrgId": null,
            "sourceIp": call.source_ip(),
            "user": null,
            "userAgent": call.header("user-agent").unwrap_or_default(),
            "userArn": null,
        },
        "path": call.raw_path,
        "protocol": call.protocol(),
        "requestId": call.request_id,
        "requestTime": call.request_time(),
        "requestTimeEpoch": call.request_time_epoch(),
        "resourceId": &*call.route_key,
        "resourcePath": resource,
        "stage": &*call.stage,
    });
    if !authorizer.is_null() {
        request_context["authorizer"] = authorizer;
    }
    json!({
        "version": "1.0",
        "resource": resource,
        "path": call.raw_path,
        "httpMethod": call.method.as_str(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "requestContext": request_context,
        "pathParameters": object_or_absent(&call.path_params),
        "stageVariables": if call.stage_variables.is_empty() { Value::Null } else { json!(&*call.stage_variables) },
        "body": body,
        "isBase64Encoded": base64,
    })
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn json_answer(body: Bytes) -> Response<Bytes> {
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A function's answer under format 2.0. With a `statusCode` it is read as a response
/// (`statusCode`, `headers`, `cookies`, `body`, `isBase64Encoded`); any other JSON is the body
/// of a 200 `application/json` answer (a string as its text), as AWS infers it.
pub fn response_v2(payload: &[u8]) -> Result<Response<Bytes>, String> {
    let answer: Value = serde_json::from_slice(payload).map_err(|e| format!("not JSON: {e}"))?;
    let object = match answer {
        Value::Object(object) if object.contains_key("statusCode") => object,
        Value::String(text) => return Ok(json_answer(Bytes::from(text))),
        // The function's JSON as it wrote it.
        _ => return Ok(json_answer(Bytes::copy_from_slice(payload.trim_ascii()))),
    };
    let status = match &object["statusCode"] {
        Value::Number(n) => n.as_u64().ok_or("statusCode is not an integer")?,
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("statusCode {s:?} is not a number"))?,
        _ => return Err("statusCode is not a number".into()),
    };
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| format!("statusCode {status} is not an HTTP status"))?;
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    match object.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (name, value) in map {
                let (Ok(name), Some(value)) = (HeaderName::from_bytes(name.as_bytes()), text_of(value)) else {
                    return Err(format!("header {name:?} is not a header"));
                };
                let value = HeaderValue::from_str(&value).map_err(|_| format!("header {name} has an invalid value"))?;
                headers.insert(name, value);
            }
        }
        Some(_) => return Err("headers is not an object".into()),
    }
    match object.get("cookies") {
        None | Some(Value::Null) => {}
        Some(Value::Array(cookies)) => {
            for cookie in cookies {
                let cookie = text_of(cookie).ok_or("a cookie is not text")?;
                let value = HeaderValue::from_str(&cookie).map_err(|_| "a cookie has an invalid value")?;
                headers.append(http::header::SET_COOKIE, value);
            }
        }
        Some(_) => return Err("cookies is not a list".into()),
    }
    if !headers.contains_key(http::header::CONTENT_TYPE) {
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    let body = match object.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    *response.body_mut() = if object.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .map_err(|e| format!("isBase64Encoded body is not base64: {e}"))?;
        Bytes::from(bytes)
    } else {
        Bytes::from(body)
    };
    Ok(response)
}

/// A function's answer under format 1.0: REST's proxy response, a base64 body decoded.
pub fn response_v1(payload: &[u8]) -> Result<Response<Bytes>, String> {
    let mut response = crate::integration::aws_proxy::proxy_response(payload)?;
    if crate::integration::aws_proxy::take_base64_mark(&mut response) {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(response.body().trim_ascii())
            .map_err(|e| format!("isBase64Encoded body is not base64: {e}"))?;
        *response.body_mut() = Bytes::from(bytes);
    }
    Ok(response)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    pub(crate) fn call(headers: &[(&str, &str)], body: &str) -> Call {
        let mut map = http::HeaderMap::new();
        for (n, v) in headers {
            map.append(
                HeaderName::from_bytes(n.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        Call {
            request_id: "JKJaXmPLvHcESHA=".into(),
            received: std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_583_348_638),
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            api_id: "api-id".into(),
            stage: "$default".into(),
            route_key: "GET /my/{param}".into(),
            method: http::Method::GET,
            version: http::Version::HTTP_11,
            uri: http::Uri::from_static("/my/path"),
            raw_path: "/my/path".into(),
            raw_query: "parameter1=value1&parameter1=value2&parameter2=value".into(),
            headers: map,
            body: Bytes::from(body.to_owned()),
            path_params: vec![("param".into(), "path".into())],
            stage_variables: Arc::new(BTreeMap::new()),
            peer: None,
            authorized: None,
        }
    }

    /// The fields and joins of AWS's documented 2.0 example.
    #[test]
    fn event_2_0() {
        let c = call(
            &[
                ("host", "api-id.execute-api.us-east-1.amazonaws.com"),
                ("Header1", "value1"),
                ("Header1", "value2"),
                ("cookie", "cookie1; cookie2"),
                ("user-agent", "agent"),
            ],
            "Hello from Lambda",
        );
        let e = event_v2(&c);
        assert_eq!(e["version"], "2.0");
        assert_eq!(e["routeKey"], "GET /my/{param}");
        assert_eq!(e["rawPath"], "/my/path");
        assert_eq!(
            e["rawQueryString"],
            "parameter1=value1&parameter1=value2&parameter2=value"
        );
        assert_eq!(e["cookies"], json!(["cookie1", "cookie2"]));
        assert_eq!(e["headers"]["header1"], "value1,value2");
        assert!(e["headers"].get("cookie").is_none());
        assert_eq!(
            e["queryStringParameters"],
            json!({"parameter1": "value1,value2", "parameter2": "value"})
        );
        assert_eq!(e["pathParameters"], json!({"param": "path"}));
        assert_eq!(e["body"], "Hello from Lambda");
        assert_eq!(e["isBase64Encoded"], false);
        assert!(e.get("stageVariables").is_none());
        let rc = &e["requestContext"];
        assert_eq!(rc["domainName"], "api-id.execute-api.us-east-1.amazonaws.com");
        assert_eq!(rc["domainPrefix"], "api-id");
        assert_eq!(rc["http"]["method"], "GET");
        assert_eq!(rc["http"]["userAgent"], "agent");
        assert_eq!(rc["time"], "04/Mar/2020:19:03:58 +0000");
        assert_eq!(rc["timeEpoch"], 1_583_348_638_000u64);
        assert_eq!(rc["stage"], "$default");
        assert!(rc.get("authorizer").is_none());
    }

    #[test]
    fn binary_and_form_bodies_are_base64() {
        let e = event_v2(&call(&[("content-type", "application/x-www-form-urlencoded")], "a=1"));
        assert_eq!(
            (e["body"].as_str(), e["isBase64Encoded"].as_bool()),
            (Some("YT0x"), Some(true))
        );
        let e = event_v2(&call(&[("content-type", "application/json; charset=utf-8")], "{}"));
        assert_eq!(
            (e["body"].as_str(), e["isBase64Encoded"].as_bool()),
            (Some("{}"), Some(false))
        );
        let e = event_v2(&call(&[], ""));
        assert!(e.get("body").is_none());
    }

    #[test]
    fn event_1_0() {
        let e = event_v1(&call(&[("Header1", "a"), ("Header1", "b")], ""));
        assert_eq!(e["version"], "1.0");
        assert_eq!(e["resource"], "/my/{param}");
        assert_eq!(e["path"], "/my/path");
        assert_eq!(e["multiValueHeaders"]["header1"], json!(["a", "b"]));
        assert_eq!(e["headers"]["header1"], "b");
        assert_eq!(
            e["multiValueQueryStringParameters"]["parameter1"],
            json!(["value1", "value2"])
        );
        assert_eq!(e["body"], Value::Null);
        assert_eq!(e["requestContext"]["resourcePath"], "/my/{param}");
    }

    #[test]
    fn responses_2_0_as_aws_infers_them() {
        let r = response_v2(br#""Hello from Lambda!""#).unwrap();
        assert_eq!(
            (r.status(), r.body().as_ref()),
            (StatusCode::OK, &b"Hello from Lambda!"[..])
        );
        assert_eq!(r.headers()["content-type"], "application/json");
        let r = response_v2(br#"{"message": "Hello", "a": 1}"#).unwrap();
        assert_eq!(r.body().as_ref(), br#"{"message": "Hello", "a": 1}"#);
        let r = response_v2(
            br#"{"statusCode": 201, "headers": {"x-a": "1"}, "cookies": ["a=1", "b=2"], "body": "aGk=", "isBase64Encoded": true}"#,
        )
        .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.body().as_ref(), b"hi");
        let cookies: Vec<_> = r.headers().get_all("set-cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        assert!(response_v2(br#"{"statusCode": "x"}"#).is_err());
        assert!(response_v2(b"not json").is_err());
        assert_eq!(response_v2(b"[1,2]").unwrap().body().as_ref(), b"[1,2]");
    }
}

//! HTTP APIs served on execute-api: APIs made with the AWS CLI, Lambda integrations run by
//! real Python handlers (payload 2.0 and 1.0), HTTP_PROXY to a local backend, route
//! precedence, `$default` route and stage with `autoDeploy`, named stages, a Lambda REQUEST
//! authorizer with simple responses and its cache, route throttling, HTTP APIs' own answers.

use crate::harness::{Portico, Reply, echo_backend, request};
use crate::http_apis::ok;
use crate::lambda::{create_function, runtimes_here};
use serde_json::{Value, json};

const HANDLER: &str = r#"
import json

def handler(event, context):
    path = event.get("rawPath") or event.get("path")
    if path.endswith("/echo"):
        answer = {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}
        if event.get("version") == "2.0":
            answer["cookies"] = ["a=1; Path=/", "b=2"]
        return answer
    if path.endswith("/plain"):
        return {"hello": "world"}
    if path.endswith("/text"):
        return "just text"
    if path.endswith("/raise"):
        raise RuntimeError("boom")
    if path.endswith("/slow"):
        import time
        time.sleep(3)
    return {"statusCode": 200, "body": json.dumps({"route": event.get("routeKey") or event.get("resource")})}
"#;

const AUTHORIZER: &str = r#"
calls = 0

def handler(event, context):
    global calls
    calls += 1
    if event["version"] == "1.0":
        # Payload 1.0: an IAM policy for the method ARN (the identity joined with commas).
        token = event["identitySource"]
        effect = "Allow" if token.startswith("allow") else "Deny"
        return {"principalId": "user-" + token,
                "policyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]},
                "context": {"calls": calls, "arn": event["methodArn"]}}
    token = event["identitySource"][0]
    return {"isAuthorized": token.startswith("allow"), "context": {"user": token, "calls": calls}}
"#;

fn host(api_id: &str, portico: &Portico) -> String {
    format!("{api_id}.execute-api.localhost:{}", portico.port)
}

async fn call(
    portico: &Portico,
    api_id: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let url = format!("http://127.0.0.1:{}{path}", portico.port);
    request(method, &url, Some(&host(api_id, portico)), headers, body).await
}

fn id(value: &Value, member: &str) -> String {
    value[member]
        .as_str()
        .unwrap_or_else(|| panic!("{member} in {value}"))
        .to_owned()
}

#[tokio::test]
async fn http_apis_are_served() {
    if !runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let function = create_function(
        &portico,
        "http-api-echo",
        "python3.11",
        "app.handler",
        &[("app.py", HANDLER)],
        10,
    );

    // Quick create: the route, the integration (payload 2.0) and an auto-deployed `$default` stage.
    let api = ok(
        &portico,
        &[
            "create-api",
            "--name",
            "quick",
            "--protocol-type",
            "HTTP",
            "--target",
            &function,
        ],
    );
    let api_id = id(&api, "ApiId");

    // Payload 2.0, field by field against the event AWS documents.
    let r = call(
        &portico,
        &api_id,
        "POST",
        "/items/echo?b=2&a=1&a=3",
        &[
            ("content-type", "application/json"),
            ("cookie", "c1=v1; c2=v2"),
            ("x-multi", "one"),
            ("user-agent", "portico-test"),
        ],
        r#"{"n":1}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.header("apigw-requestid").is_some());
    let cookies: Vec<&str> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(cookies, ["a=1; Path=/", "b=2"]);
    let event = r.json();
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "$default");
    assert_eq!(event["rawPath"], "/items/echo");
    assert_eq!(event["rawQueryString"], "b=2&a=1&a=3");
    assert_eq!(event["cookies"], json!(["c1=v1", "c2=v2"]));
    assert_eq!(event["headers"]["x-multi"], "one");
    assert_eq!(event["headers"]["content-type"], "application/json");
    assert!(event["headers"].get("cookie").is_none());
    assert_eq!(event["headers"]["x-forwarded-proto"], "http");
    assert_eq!(event["queryStringParameters"], json!({"a": "1,3", "b": "2"}));
    assert_eq!(event["body"], r#"{"n":1}"#);
    assert_eq!(event["isBase64Encoded"], false);
    assert!(event.get("pathParameters").is_none());
    assert!(event.get("stageVariables").is_none());
    let rc = &event["requestContext"];
    assert_eq!(rc["accountId"], "000000000000");
    assert_eq!(rc["apiId"], api_id.as_str());
    assert_eq!(rc["domainName"], format!("{api_id}.execute-api.localhost"));
    assert_eq!(rc["domainPrefix"], api_id.as_str());
    assert_eq!(rc["http"]["method"], "POST");
    assert_eq!(rc["http"]["path"], "/items/echo");
    assert_eq!(rc["http"]["protocol"], "HTTP/1.1");
    assert_eq!(rc["http"]["sourceIp"], "127.0.0.1");
    assert_eq!(rc["http"]["userAgent"], "portico-test");
    assert_eq!(rc["requestId"], r.header("apigw-requestid").unwrap());
    assert_eq!(rc["routeKey"], "$default");
    assert_eq!(rc["stage"], "$default");
    assert!(rc["timeEpoch"].as_i64().unwrap() > 1_700_000_000_000);
    assert!(rc["time"].as_str().unwrap().ends_with(" +0000"));

    // The 2.0 response rules: JSON without statusCode, a bare string, a function error.
    let r = call(&portico, &api_id, "GET", "/plain", &[], "").await;
    assert_eq!((r.status, r.json()), (200, json!({"hello": "world"})));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let r = call(&portico, &api_id, "GET", "/text", &[], "").await;
    assert_eq!((r.status, r.body.as_str()), (200, "just text"));
    let r = call(&portico, &api_id, "GET", "/raise", &[], "").await;
    assert_eq!((r.status, r.json()), (500, json!({"message": "Internal Server Error"})));

    // Routes by AWS's precedence; `autoDeploy` serves each change at once.
    let integration = ok(
        &portico,
        &[
            "create-integration",
            "--api-id",
            &api_id,
            "--integration-type",
            "AWS_PROXY",
            "--integration-uri",
            &function,
            "--payload-format-version",
            "2.0",
        ],
    );
    let target = format!("integrations/{}", id(&integration, "IntegrationId"));
    for key in [
        "GET /pets/{id}",
        "GET /pets/dog",
        "ANY /pets/{id}",
        "ANY /{proxy+}",
        "GET /pets/{id}/{rest+}",
    ] {
        ok(
            &portico,
            &[
                "create-route",
                "--api-id",
                &api_id,
                "--route-key",
                key,
                "--target",
                &target,
            ],
        );
    }
    let route_of = |r: Reply| r.json()["route"].as_str().unwrap_or_default().to_owned();
    for (method, path, key) in [
        ("GET", "/pets/dog", "GET /pets/dog"),
        ("GET", "/pets/7", "GET /pets/{id}"),
        ("DELETE", "/pets/7", "ANY /pets/{id}"),
        ("GET", "/pets/7/toys/1", "GET /pets/{id}/{rest+}"),
        ("POST", "/pets/7/toys/1", "ANY /{proxy+}"),
        ("GET", "/other", "ANY /{proxy+}"),
    ] {
        let r = call(&portico, &api_id, method, path, &[], "").await;
        assert_eq!(r.status, 200, "{method} {path}: {}", r.body);
        assert_eq!(route_of(r), key, "{method} {path}");
    }
    // With no `$default` route, what no route takes is AWS's 404.
    let routes = ok(&portico, &["get-routes", "--api-id", &api_id]);
    let default_route = routes["Items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["RouteKey"] == "$default")
        .unwrap()["RouteId"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = call(&portico, &api_id, "POST", "/", &[], "").await;
    assert_eq!(r.status, 200, "the $default route takes /: {}", r.body);
    ok(
        &portico,
        &["delete-route", "--api-id", &api_id, "--route-id", &default_route],
    );
    let r = call(&portico, &api_id, "POST", "/", &[], "").await;
    assert_eq!((r.status, r.json()), (404, json!({"message": "Not Found"})));
    assert!(r.header("apigw-requestid").is_some());

    // Path parameters in the event; payload 1.0 on an HTTP API.
    let r = call(&portico, &api_id, "GET", "/pets/a%20b/echo", &[], "").await;
    assert_eq!(r.json()["pathParameters"], json!({"id": "a b", "rest": "echo"}));
    let v1 = ok(
        &portico,
        &[
            "create-integration",
            "--api-id",
            &api_id,
            "--integration-type",
            "AWS_PROXY",
            "--integration-uri",
            &function,
            "--payload-format-version",
            "1.0",
        ],
    );
    let v1_target = format!("integrations/{}", id(&v1, "IntegrationId"));
    ok(
        &portico,
        &[
            "create-route",
            "--api-id",
            &api_id,
            "--route-key",
            "GET /v1/{name}/echo",
            "--target",
            &v1_target,
        ],
    );
    let r = call(&portico, &api_id, "GET", "/v1/x/echo?q=1&q=2", &[("x-h", "1")], "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let event = r.json();
    assert_eq!(event["version"], "1.0");
    assert_eq!(event["resource"], "/v1/{name}/echo");
    assert_eq!(event["path"], "/v1/x/echo");
    assert_eq!(event["httpMethod"], "GET");
    assert_eq!(event["multiValueQueryStringParameters"]["q"], json!(["1", "2"]));
    assert_eq!(event["queryStringParameters"]["q"], "2");
    assert_eq!(event["pathParameters"], json!({"name": "x"}));
    assert_eq!(event["requestContext"]["resourcePath"], "/v1/{name}/echo");

    // HTTP_PROXY with `{proxy}` and a named stage deployed by hand (its name in the path).
    let backend = echo_backend().await;
    let proxy = ok(
        &portico,
        &[
            "create-integration",
            "--api-id",
            &api_id,
            "--integration-type",
            "HTTP_PROXY",
            "--integration-method",
            "ANY",
            "--integration-uri",
            &format!("http://127.0.0.1:{backend}/backend/{{proxy}}"),
            "--payload-format-version",
            "1.0",
        ],
    );
    let proxy_target = format!("integrations/{}", id(&proxy, "IntegrationId"));
    ok(
        &portico,
        &[
            "create-route",
            "--api-id",
            &api_id,
            "--route-key",
            "ANY /proxy/{proxy+}",
            "--target",
            &proxy_target,
        ],
    );
    let r = call(
        &portico,
        &api_id,
        "PUT",
        "/proxy/a/b?x=1",
        &[("x-test", "t")],
        "payload",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.header("x-backend"), Some("echo"));
    let seen = r.json();
    assert_eq!(seen["method"], "PUT");
    assert_eq!(seen["uri"], "/backend/a/b?x=1");
    assert_eq!(seen["x-test"], "t");
    assert_eq!(seen["body"], "payload");

    let deployment = ok(&portico, &["create-deployment", "--api-id", &api_id]);
    ok(
        &portico,
        &[
            "create-stage",
            "--api-id",
            &api_id,
            "--stage-name",
            "live",
            "--deployment-id",
            &id(&deployment, "DeploymentId"),
            "--stage-variables",
            "color=blue",
        ],
    );
    let r = call(&portico, &api_id, "GET", "/live/pets/dog/echo", &[], "").await;
    let event = r.json();
    assert_eq!(event["rawPath"], "/live/pets/dog/echo");
    assert_eq!(event["requestContext"]["stage"], "live");
    assert_eq!(event["routeKey"], "GET /pets/{id}/{rest+}");
    assert_eq!(event["stageVariables"], json!({"color": "blue"}));
    // A path whose first segment is no stage goes to `$default`.
    let r = call(&portico, &api_id, "GET", "/nostage/echo", &[], "").await;
    assert_eq!(r.json()["requestContext"]["stage"], "$default");

    // Route throttling from the stage's route settings.
    ok(
        &portico,
        &[
            "update-stage",
            "--api-id",
            &api_id,
            "--stage-name",
            "$default",
            "--route-settings",
            r#"{"GET /pets/dog": {"ThrottlingBurstLimit": 1, "ThrottlingRateLimit": 0.001}}"#,
        ],
    );
    let r = call(&portico, &api_id, "GET", "/pets/dog", &[], "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(&portico, &api_id, "GET", "/pets/dog", &[], "").await;
    assert_eq!((r.status, r.json()), (429, json!({"message": "Too Many Requests"})));
    let r = call(&portico, &api_id, "GET", "/pets/7", &[], "").await;
    assert_eq!(r.status, 200, "other routes keep their own limits");

    // Unknown APIs and stages.
    let r = call(&portico, "nosuchapi1", "GET", "/x", &[], "").await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn lambda_authorizers_with_simple_responses() {
    if !runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let function = create_function(
        &portico,
        "http-api-app",
        "python3.11",
        "app.handler",
        &[("app.py", HANDLER)],
        10,
    );
    let authorizer_fn = create_function(
        &portico,
        "http-api-authorizer",
        "python3.11",
        "auth.handler",
        &[("auth.py", AUTHORIZER)],
        10,
    );
    let api = ok(
        &portico,
        &["create-api", "--name", "guarded", "--protocol-type", "HTTP"],
    );
    let api_id = id(&api, "ApiId");
    let authorizer = ok(
        &portico,
        &[
            "create-authorizer",
            "--api-id",
            &api_id,
            "--name",
            "simple",
            "--authorizer-type",
            "REQUEST",
            "--authorizer-uri",
            &format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{authorizer_fn}/invocations"),
            "--authorizer-payload-format-version",
            "2.0",
            "--enable-simple-responses",
            "--identity-source",
            "$request.header.Authorization",
            "--authorizer-result-ttl-in-seconds",
            "300",
        ],
    );
    let integration = ok(
        &portico,
        &[
            "create-integration",
            "--api-id",
            &api_id,
            "--integration-type",
            "AWS_PROXY",
            "--integration-uri",
            &function,
            "--payload-format-version",
            "2.0",
        ],
    );
    ok(
        &portico,
        &[
            "create-route",
            "--api-id",
            &api_id,
            "--route-key",
            "GET /secret/echo",
            "--target",
            &format!("integrations/{}", id(&integration, "IntegrationId")),
            "--authorization-type",
            "CUSTOM",
            "--authorizer-id",
            &id(&authorizer, "AuthorizerId"),
        ],
    );
    ok(
        &portico,
        &[
            "create-stage",
            "--api-id",
            &api_id,
            "--stage-name",
            "$default",
            "--auto-deploy",
        ],
    );
    let r = call(&portico, &api_id, "GET", "/secret/echo", &[], "").await;
    assert_eq!((r.status, r.json()), (401, json!({"message": "Unauthorized"})));
    let r = call(
        &portico,
        &api_id,
        "GET",
        "/secret/echo",
        &[("authorization", "deny-me")],
        "",
    )
    .await;
    assert_eq!((r.status, r.json()), (403, json!({"message": "Forbidden"})));
    let first = call(
        &portico,
        &api_id,
        "GET",
        "/secret/echo",
        &[("authorization", "allow-1")],
        "",
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);
    let lambda = &first.json()["requestContext"]["authorizer"]["lambda"];
    assert_eq!(lambda["user"], "allow-1");
    // The same identity is answered from the cache: the function is not asked again.
    let second = call(
        &portico,
        &api_id,
        "GET",
        "/secret/echo",
        &[("authorization", "allow-1")],
        "",
    )
    .await;
    assert_eq!(
        second.json()["requestContext"]["authorizer"]["lambda"]["calls"],
        lambda["calls"]
    );

    // Payload 1.0 with an IAM policy, uncached: Allow or Deny on the route's ARN.
    let policy = ok(
        &portico,
        &[
            "create-authorizer",
            "--api-id",
            &api_id,
            "--name",
            "policy",
            "--authorizer-type",
            "REQUEST",
            "--authorizer-uri",
            &format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{authorizer_fn}/invocations"),
            "--authorizer-payload-format-version",
            "1.0",
            "--identity-source",
            "$request.header.x-token",
            "--authorizer-result-ttl-in-seconds",
            "0",
        ],
    );
    ok(
        &portico,
        &[
            "create-route",
            "--api-id",
            &api_id,
            "--route-key",
            "GET /policy/echo",
            "--target",
            &format!("integrations/{}", id(&integration, "IntegrationId")),
            "--authorization-type",
            "CUSTOM",
            "--authorizer-id",
            &id(&policy, "AuthorizerId"),
        ],
    );
    let r = call(&portico, &api_id, "GET", "/policy/echo", &[("x-token", "deny")], "").await;
    assert_eq!((r.status, r.json()), (403, json!({"message": "Forbidden"})));
    let r = call(&portico, &api_id, "GET", "/policy/echo", &[("x-token", "allow-2")], "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let lambda = &r.json()["requestContext"]["authorizer"]["lambda"];
    assert_eq!(lambda["principalId"], "user-allow-2");
    assert_eq!(
        lambda["arn"],
        format!("arn:aws:execute-api:us-east-1:000000000000:{api_id}/$default/GET/policy/echo")
    );

    // An integration past its timeout: HTTP APIs' 503.
    let slow = ok(
        &portico,
        &[
            "create-integration",
            "--api-id",
            &api_id,
            "--integration-type",
            "AWS_PROXY",
            "--integration-uri",
            &function,
            "--payload-format-version",
            "2.0",
            "--timeout-in-millis",
            "1000",
        ],
    );
    ok(
        &portico,
        &[
            "create-route",
            "--api-id",
            &api_id,
            "--route-key",
            "GET /slow",
            "--target",
            &format!("integrations/{}", id(&slow, "IntegrationId")),
        ],
    );
    let r = call(&portico, &api_id, "GET", "/slow", &[], "").await;
    assert_eq!((r.status, r.json()), (503, json!({"message": "Service Unavailable"})));
}

#[tokio::test]
async fn cors_and_parameter_mapping() {
    if !runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let backend = echo_backend().await;
    let api = ok(
        &portico,
        &[
            "create-api",
            "--name",
            "cors",
            "--protocol-type",
            "HTTP",
            "--cors-configuration",
            r#"{"AllowOrigins":["https://app.example"],"AllowMethods":["GET","POST"],"AllowHeaders":["x-custom"],"ExposeHeaders":["x-backend"],"MaxAge":600,"AllowCredentials":true}"#,
        ],
    );
    let api_id = id(&api, "ApiId");
    let integration = ok(
        &portico,
        &[
            "create-integration",
            "--api-id",
            &api_id,
            "--integration-type",
            "HTTP_PROXY",
            "--integration-method",
            "ANY",
            "--integration-uri",
            &format!("http://127.0.0.1:{backend}/things"),
            "--payload-format-version",
            "1.0",
            "--request-parameters",
            r#"{"overwrite:header.x-test":"$request.querystring.tag","append:querystring.route":"$context.routeKey","remove:querystring.tag":"''"}"#,
            "--response-parameters",
            r#"{"201":{"overwrite:statuscode":"202","append:header.x-mapped":"$response.header.x-backend"}}"#,
        ],
    );
    ok(
        &portico,
        &[
            "create-route",
            "--api-id",
            &api_id,
            "--route-key",
            "POST /things",
            "--target",
            &format!("integrations/{}", id(&integration, "IntegrationId")),
        ],
    );
    ok(
        &portico,
        &[
            "create-stage",
            "--api-id",
            &api_id,
            "--stage-name",
            "$default",
            "--auto-deploy",
        ],
    );

    // The preflight is answered by API Gateway (no OPTIONS route exists).
    let r = call(
        &portico,
        &api_id,
        "OPTIONS",
        "/things",
        &[
            ("origin", "https://app.example"),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "x-custom"),
        ],
        "",
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(r.header("access-control-allow-origin"), Some("https://app.example"));
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(r.header("access-control-max-age"), Some("600"));
    assert!(r.header("access-control-allow-methods").unwrap().contains("POST"));
    assert!(r.header("access-control-allow-headers").unwrap().contains("x-custom"));

    // The actual request: mapped on the way in and out, CORS headers added.
    let r = call(
        &portico,
        &api_id,
        "POST",
        "/things?tag=t1",
        &[("origin", "https://app.example")],
        "hello",
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.header("x-mapped"), Some("echo"));
    assert_eq!(r.header("access-control-allow-origin"), Some("https://app.example"));
    assert_eq!(r.header("access-control-expose-headers"), Some("x-backend"));
    let seen = r.json();
    assert_eq!(seen["x-test"], "t1");
    assert_eq!(seen["uri"], "/things?route=POST+%2Fthings");
    assert_eq!(seen["body"], "hello");

    // An origin the configuration does not allow gets no CORS headers.
    let r = call(
        &portico,
        &api_id,
        "POST",
        "/things",
        &[("origin", "https://evil.example")],
        "",
    )
    .await;
    assert_eq!(r.status, 202);
    assert_eq!(r.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn aws_iam_routes() {
    if !runtimes_here() {
        return;
    }
    let portico = Portico::start_with(&["--in-memory", "--iam-credentials", "AKIDHTTPAPI:secret1"]);
    let function = create_function(
        &portico,
        "http-api-iam",
        "python3.11",
        "app.handler",
        &[("app.py", HANDLER)],
        10,
    );
    let api = ok(
        &portico,
        &[
            "create-api",
            "--name",
            "iam",
            "--protocol-type",
            "HTTP",
            "--target",
            &function,
        ],
    );
    let api_id = id(&api, "ApiId");
    let routes = ok(&portico, &["get-routes", "--api-id", &api_id]);
    let route_id = id(&routes["Items"][0], "RouteId");
    ok(
        &portico,
        &[
            "update-route",
            "--api-id",
            &api_id,
            "--route-id",
            &route_id,
            "--authorization-type",
            "AWS_IAM",
        ],
    );
    let url = format!("http://127.0.0.1:{}/_aws/execute-api/{api_id}/who/echo", portico.port);
    let r = request("GET", &url, None, &[], "").await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = crate::identity::send_signed("GET", &url, "", ("AKIDHTTPAPI", "wrong"), false).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = crate::identity::send_signed("GET", &url, "", ("AKIDHTTPAPI", "secret1"), false).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let iam = &r.json()["requestContext"]["authorizer"]["iam"];
    assert_eq!(iam["accessKey"], "AKIDHTTPAPI");
    assert_eq!(iam["accountId"], "000000000000");
}

/// An identity provider on loopback: its OpenID discovery document and the key set in `jwks`.
async fn identity_provider(jwks: std::path::PathBuf) -> u16 {
    use bytes::Bytes;
    use http_body_util::Full;
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let jwks = jwks.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let jwks = jwks.clone();
                    async move {
                        let body = match req.uri().path() {
                            "/.well-known/openid-configuration" => json!({
                                "issuer": format!("http://127.0.0.1:{port}"),
                                "jwks_uri": format!("http://127.0.0.1:{port}/keys"),
                            })
                            .to_string(),
                            _ => std::fs::read_to_string(&jwks).unwrap(),
                        };
                        Ok::<_, std::convert::Infallible>(
                            http::Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(body)))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    port
}

#[tokio::test]
async fn jwt_authorizers() {
    if !runtimes_here() || !crate::identity::cryptography_here() {
        return;
    }
    let dir = crate::harness::temp_dir("http-api-jwt");
    let jwks = dir.join("jwks.json");
    // An https issuer (no network here) whose key set Portico reads from a file instead.
    let mapped = "https://idp.example.com";
    let mapping = format!("{mapped}={}", jwks.display());
    let portico = Portico::start_with(&["--in-memory", "--jwt-issuer", &mapping]);
    let idp = identity_provider(jwks.clone()).await;
    let issuer = format!("http://127.0.0.1:{idp}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = |aud: &str, exp: u64, scope: &str| json!({"iss": issuer, "sub": "user-1", "aud": aud, "exp": exp, "iat": now - 10, "scope": scope, "admin": true});
    let tokens = crate::identity::mint(
        &jwks,
        &[
            ("good", "k1", claims("my-app", now + 600, "items:read items:write")),
            ("good", "k1", claims("my-app", now - 60, "items:read")),
            ("good", "k1", claims("other-app", now + 600, "items:read")),
            ("good", "k1", claims("my-app", now + 600, "profile")),
            ("evil", "k1", claims("my-app", now + 600, "items:read")),
            (
                "good",
                "k1",
                json!({"iss": mapped, "sub": "user-2", "client_id": "mapped-app", "exp": now + 600}),
            ),
        ],
    );
    let function = create_function(
        &portico,
        "http-api-jwt",
        "python3.11",
        "app.handler",
        &[("app.py", HANDLER)],
        10,
    );
    let api = ok(&portico, &["create-api", "--name", "jwt", "--protocol-type", "HTTP"]);
    let api_id = id(&api, "ApiId");
    let authorizer = ok(
        &portico,
        &[
            "create-authorizer",
            "--api-id",
            &api_id,
            "--name",
            "idp",
            "--authorizer-type",
            "JWT",
            "--identity-source",
            "$request.header.Authorization",
            "--jwt-configuration",
            &json!({"Issuer": issuer, "Audience": ["my-app"]}).to_string(),
        ],
    );
    let integration = ok(
        &portico,
        &[
            "create-integration",
            "--api-id",
            &api_id,
            "--integration-type",
            "AWS_PROXY",
            "--integration-uri",
            &function,
            "--payload-format-version",
            "2.0",
        ],
    );
    ok(
        &portico,
        &[
            "create-route",
            "--api-id",
            &api_id,
            "--route-key",
            "GET /items/echo",
            "--target",
            &format!("integrations/{}", id(&integration, "IntegrationId")),
            "--authorization-type",
            "JWT",
            "--authorizer-id",
            &id(&authorizer, "AuthorizerId"),
            "--authorization-scopes",
            "items:read",
        ],
    );
    ok(
        &portico,
        &[
            "create-stage",
            "--api-id",
            &api_id,
            "--stage-name",
            "$default",
            "--auto-deploy",
        ],
    );
    let get = |token: Option<String>| {
        let portico = &portico;
        let api_id = api_id.clone();
        async move {
            let bearer = token.map(|t| format!("Bearer {t}"));
            let headers: Vec<(&str, &str)> = bearer.iter().map(|b| ("authorization", b.as_str())).collect();
            call(portico, &api_id, "GET", "/items/echo", &headers, "").await
        }
    };
    let r = get(Some(tokens[0].clone())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let jwt = &r.json()["requestContext"]["authorizer"]["jwt"];
    assert_eq!(jwt["claims"]["sub"], "user-1");
    assert_eq!(jwt["claims"]["admin"], "true");
    assert_eq!(jwt["scopes"], json!(["items:read", "items:write"]));
    let unauthorized = json!({"message": "Unauthorized"});
    for (token, why) in [
        (None, "missing token"),
        (Some(tokens[1].clone()), "expired"),
        (Some(tokens[2].clone()), "wrong audience"),
        (Some(tokens[4].clone()), "bad signature"),
        (Some("not.a.token".to_owned()), "malformed"),
    ] {
        let r = get(token).await;
        assert_eq!((r.status, r.json()), (401, unauthorized.clone()), "{why}");
    }
    let r = get(Some(tokens[3].clone())).await;
    assert_eq!(
        (r.status, r.json()),
        (403, json!({"message": "Forbidden"})),
        "missing scope"
    );

    // `--jwt-issuer`: the mapped issuer's key set comes from the file; `client_id` stands in for
    // a missing `aud`.
    let mapped_authorizer = ok(
        &portico,
        &[
            "create-authorizer",
            "--api-id",
            &api_id,
            "--name",
            "mapped",
            "--authorizer-type",
            "JWT",
            "--identity-source",
            "$request.header.Authorization",
            "--jwt-configuration",
            &json!({"Issuer": mapped, "Audience": ["mapped-app"]}).to_string(),
        ],
    );
    ok(
        &portico,
        &[
            "create-route",
            "--api-id",
            &api_id,
            "--route-key",
            "GET /mapped/echo",
            "--target",
            &format!("integrations/{}", id(&integration, "IntegrationId")),
            "--authorization-type",
            "JWT",
            "--authorizer-id",
            &id(&mapped_authorizer, "AuthorizerId"),
        ],
    );
    let bearer = format!("Bearer {}", tokens[5]);
    let r = call(
        &portico,
        &api_id,
        "GET",
        "/mapped/echo",
        &[("authorization", &bearer)],
        "",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json()["requestContext"]["authorizer"]["jwt"]["claims"]["sub"],
        "user-2"
    );
    let wrong = format!("Bearer {}", tokens[0]);
    let r = call(
        &portico,
        &api_id,
        "GET",
        "/mapped/echo",
        &[("authorization", &wrong)],
        "",
    )
    .await;
    assert_eq!(r.status, 401, "a token of the other issuer: {}", r.body);
}

#[tokio::test]
async fn custom_domain_with_two_api_mappings() {
    if !runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let backend = echo_backend().await;
    let mut apis = Vec::new();
    for name in ["orders", "users"] {
        let api = ok(
            &portico,
            &[
                "create-api",
                "--name",
                name,
                "--protocol-type",
                "HTTP",
                "--target",
                &format!("http://127.0.0.1:{backend}/{name}"),
            ],
        );
        apis.push(id(&api, "ApiId"));
    }
    // The second API also has a named stage, which its mapping names.
    let deployment = ok(&portico, &["create-deployment", "--api-id", &apis[1]]);
    ok(
        &portico,
        &[
            "create-stage",
            "--api-id",
            &apis[1],
            "--stage-name",
            "live",
            "--deployment-id",
            &id(&deployment, "DeploymentId"),
        ],
    );
    let domain = "api.example.localhost";
    ok(
        &portico,
        &[
            "create-domain-name",
            "--domain-name",
            domain,
            "--domain-name-configurations",
            "CertificateArn=arn:aws:acm:us-east-1:000000000000:certificate/abc,EndpointType=REGIONAL",
        ],
    );
    ok(
        &portico,
        &[
            "create-api-mapping",
            "--domain-name",
            domain,
            "--api-id",
            &apis[0],
            "--stage",
            "$default",
            "--api-mapping-key",
            "orders",
        ],
    );
    ok(
        &portico,
        &[
            "create-api-mapping",
            "--domain-name",
            domain,
            "--api-id",
            &apis[1],
            "--stage",
            "live",
            "--api-mapping-key",
            "users",
        ],
    );
    let url = |path: &str| format!("http://127.0.0.1:{}{path}", portico.port);
    let host = format!("{domain}:{}", portico.port);
    let r = request("GET", &url("/orders/anything"), Some(&host), &[], "").await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["uri"], "/orders");
    assert!(r.header("apigw-requestid").is_some());
    let r = request("GET", &url("/users/x"), Some(&host), &[], "").await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["uri"], "/users");
    let r = request("GET", &url("/nothing/x"), Some(&host), &[], "").await;
    assert_eq!(r.status, 403, "no mapping takes the path: {}", r.body);

    // With its default endpoint disabled, the API answers through the domain only.
    ok(
        &portico,
        &["update-api", "--api-id", &apis[0], "--disable-execute-api-endpoint"],
    );
    let r = call(&portico, &apis[0], "GET", "/anything", &[], "").await;
    assert_eq!((r.status, r.json()), (403, json!({"message": "Forbidden"})));
    let r = request("GET", &url("/orders/anything"), Some(&host), &[], "").await;
    assert_eq!(r.status, 201, "{}", r.body);
}

#[tokio::test]
async fn openapi_round_trip_serves_the_same() {
    if !runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let backend = echo_backend().await;
    let dir = crate::harness::temp_dir("http-api-openapi");
    let document = json!({
        "openapi": "3.0.1",
        "info": {"title": "round-trip", "version": "1"},
        "x-amazon-apigateway-cors": {"allowOrigins": ["https://app.example"], "allowMethods": ["GET"]},
        "paths": {
            "/things/{id}": {"get": {"x-amazon-apigateway-integration": {
                "type": "http_proxy", "httpMethod": "GET", "payloadFormatVersion": "1.0",
                "uri": format!("http://127.0.0.1:{backend}/things/{{id}}")}}},
            "/$default": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
                "type": "http_proxy", "httpMethod": "ANY", "payloadFormatVersion": "1.0",
                "uri": format!("http://127.0.0.1:{backend}/fallback")}}}
        }
    });
    std::fs::write(dir.join("api.json"), document.to_string()).unwrap();
    let body = format!("file://{}", dir.join("api.json").display());
    let api = ok(&portico, &["import-api", "--body", &body]);
    let api_id = id(&api, "ApiId");
    ok(
        &portico,
        &[
            "create-stage",
            "--api-id",
            &api_id,
            "--stage-name",
            "$default",
            "--auto-deploy",
        ],
    );
    let behaviour = || async {
        let origin = [("origin", "https://app.example")];
        let a = call(&portico, &api_id, "GET", "/things/7", &origin, "").await;
        let b = call(&portico, &api_id, "POST", "/elsewhere", &[], "").await;
        (
            a.status,
            a.json()["uri"].clone(),
            a.header("access-control-allow-origin").map(str::to_owned),
            b.status,
            b.json()["uri"].clone(),
        )
    };
    let before = behaviour().await;
    assert_eq!(
        before,
        (
            201,
            json!("/things/7"),
            Some("https://app.example".to_owned()),
            201,
            json!("/fallback")
        )
    );
    let out = dir.join("export.json");
    let _ = ok(
        &portico,
        &[
            "export-api",
            "--api-id",
            &api_id,
            "--specification",
            "OAS30",
            "--output-type",
            "JSON",
            out.to_str().unwrap(),
        ],
    );
    let exported = format!("file://{}", out.display());
    ok(&portico, &["reimport-api", "--api-id", &api_id, "--body", &exported]);
    assert_eq!(
        behaviour().await,
        before,
        "the reimported export serves as the import did"
    );
}

#[tokio::test]
async fn private_integrations_through_vpc_links() {
    if !runtimes_here() {
        return;
    }
    let backend = echo_backend().await;
    let listener =
        "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/orders/50dc6c495c0c9188/0467ef3c8400ae65";
    let target = format!("{listener}=http://127.0.0.1:{backend}");
    let portico = Portico::start_with(&["--in-memory", "--vpc-link-target", &target]);
    let link = ok(
        &portico,
        &[
            "create-vpc-link",
            "--name",
            "orders",
            "--subnet-ids",
            "subnet-0123456789abcdef0",
        ],
    );
    let api = ok(
        &portico,
        &["create-api", "--name", "private", "--protocol-type", "HTTP"],
    );
    let api_id = id(&api, "ApiId");
    let integration = ok(
        &portico,
        &[
            "create-integration",
            "--api-id",
            &api_id,
            "--integration-type",
            "HTTP_PROXY",
            "--integration-method",
            "ANY",
            "--connection-type",
            "VPC_LINK",
            "--connection-id",
            &id(&link, "VpcLinkId"),
            "--integration-uri",
            listener,
            "--payload-format-version",
            "1.0",
        ],
    );
    ok(
        &portico,
        &[
            "create-route",
            "--api-id",
            &api_id,
            "--route-key",
            "ANY /orders/{proxy+}",
            "--target",
            &format!("integrations/{}", id(&integration, "IntegrationId")),
        ],
    );
    ok(
        &portico,
        &[
            "create-stage",
            "--api-id",
            &api_id,
            "--stage-name",
            "$default",
            "--auto-deploy",
        ],
    );
    let r = call(&portico, &api_id, "POST", "/orders/17/items?x=1", &[], "body").await;
    assert_eq!(r.status, 201, "{}", r.body);
    let seen = r.json();
    assert_eq!(seen["uri"], "/orders/17/items?x=1");
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["body"], "body");
}

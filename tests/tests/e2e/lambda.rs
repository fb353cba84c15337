//! Lambda behind REST APIs: real Python handlers (PyPI's awslambdaric) created with the AWS
//! CLI's `lambda create-function --zip-file`, called through AWS_PROXY integrations.

use crate::harness::{Portico, request, temp_dir};
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::IntegrationType;
use serde_json::Value;
use std::process::Command;

const HANDLER: &str = r#"
import base64, json, os, time

def handler(event, context):
    path = event["path"]
    if path == "/echo":
        return {"statusCode": 200, "body": json.dumps(event)}
    if path == "/raise":
        raise RuntimeError("boom")
    if path == "/malformed":
        return {"statusCode": 200, "wrongValue": 1}
    if path in ("/slow", "/short"):
        time.sleep(2.5)
        return {"statusCode": 200}
    if path == "/pid":
        time.sleep(float((event["queryStringParameters"] or {}).get("sleep", "0")))
        return {"statusCode": 200, "body": str(os.getpid())}
    if path == "/multi":
        return {"statusCode": "201", "headers": {"X-One": 1},
                "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
                "body": base64.b64encode(b"bin").decode(), "isBase64Encoded": True}
    return {"statusCode": 404, "body": "no " + path}
"#;

/// The AWS CLI and awslambdaric are there, or the test says what is missing and skips (fails
/// in CI, where `PORTICO_REQUIRE_ALL` is set).
pub(crate) fn runtimes_here() -> bool {
    let ok = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let missing: Vec<&str> = [
        (ok("aws", &["--version"]), "the AWS CLI (pip install awscli)"),
        (
            ok("python3", &["-c", "import awslambdaric"]),
            "awslambdaric (python3 -m pip install awslambdaric)",
        ),
    ]
    .into_iter()
    .filter_map(|(present, what)| (!present).then_some(what))
    .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("PORTICO_REQUIRE_ALL").is_none(),
        "missing: {}",
        missing.join(", ")
    );
    println!("SKIPPED: missing {}", missing.join(", "));
    false
}

/// Zips `files` with Python's zipfile (as users do) and creates the function with the AWS CLI.
pub(crate) fn create_function(
    portico: &Portico,
    name: &str,
    runtime: &str,
    handler: &str,
    files: &[(&str, &str)],
    timeout: u32,
) -> String {
    let dir = temp_dir(name);
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    let names: Vec<String> = files.iter().map(|(f, _)| format!("{f:?}")).collect();
    let zip = format!(
        "import zipfile\nwith zipfile.ZipFile('code.zip', 'w') as z:\n    for f in [{}]: z.write(f)\n",
        names.join(", ")
    );
    let status = Command::new("python3")
        .arg("-c")
        .arg(zip)
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(status.success());
    let out = Command::new("aws")
        .args([
            "--endpoint-url",
            &portico.endpoint,
            "lambda",
            "create-function",
            "--function-name",
            name,
        ])
        .args([
            "--runtime",
            runtime,
            "--handler",
            handler,
            "--timeout",
            &timeout.to_string(),
        ])
        .args([
            "--role",
            "arn:aws:iam::000000000000:role/lambda",
            "--zip-file",
            "fileb://code.zip",
        ])
        .args(["--query", "FunctionArn", "--output", "text"])
        .envs([
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ])
        .current_dir(&dir)
        .output()
        .expect("the AWS CLI (pip install awscli)");
    assert!(
        out.status.success(),
        "create-function: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// `verb` on a resource, sent to a Lambda function by an AWS_PROXY integration; guarded by the
/// Lambda authorizer `authorizer` when given.
pub(crate) async fn lambda_method(
    client: &Client,
    api_id: &str,
    resource_id: &str,
    verb: &str,
    authorizer: Option<&str>,
    uri: &str,
    timeout_ms: Option<i32>,
) {
    client
        .put_method()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method(verb)
        .authorization_type(if authorizer.is_some() { "CUSTOM" } else { "NONE" })
        .set_authorizer_id(authorizer.map(str::to_owned))
        .send()
        .await
        .unwrap();
    client
        .put_integration()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method(verb)
        .r#type(IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(uri)
        .set_timeout_in_millis(timeout_ms)
        .send()
        .await
        .unwrap();
}

/// An API whose `/{proxy+}` (and `/short`, with a 1 s integration timeout) call `function`.
async fn proxy_api(client: &Client, function_arn: &str) -> String {
    let api = client.create_rest_api().name("lambda-proxy").send().await.unwrap();
    let api_id = api.id().unwrap().to_owned();
    let root = api.root_resource_id().unwrap().to_owned();
    let uri = format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations");
    for (part, timeout) in [("{proxy+}", None), ("short", Some(1000))] {
        let resource = client
            .create_resource()
            .rest_api_id(&api_id)
            .parent_id(&root)
            .path_part(part)
            .send()
            .await
            .unwrap();
        let resource_id = resource.id().unwrap();
        lambda_method(client, &api_id, resource_id, "ANY", None, &uri, timeout).await;
    }
    client
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("stage")
        .variables("color", "blue")
        .send()
        .await
        .unwrap();
    api_id
}

/// POSTs over a raw connection; answers status, head and body.
async fn raw_post(port: u16, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut text = format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(text.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_owned(), body.to_owned())
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn aws_proxy_with_python_handlers() {
    if !runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let arn = create_function(
        &portico,
        "proxy",
        "python3.12",
        "app.handler",
        &[("app.py", HANDLER)],
        2,
    );
    let api_id = proxy_api(&portico.sdk(), &arn).await;
    let url = |path: &str| format!("{}/_aws/execute-api/{api_id}/stage{path}", portico.endpoint);

    // The event, field by field against the one AWS recorded for the same request
    // (LocalStack's test_apigateway_lambda snapshot, `invocation-payload-with-params-encoding`).
    // Raw HTTP/1.1, so that header names keep the case sent (client libraries lowercase them).
    let (status, head, body) = raw_post(
        portico.port,
        &format!("/_aws/execute-api/{api_id}/stage/echo?email=test%2Balias@gmail.com&plus=test+alias@gmail.com&multi=1&multi=2"),
        &[("tEsT-HEADeR", "aValUE"), ("User-Agent", "python-requests/testing")],
        "{\"message\": \"hello world\"}",
    )
    .await;
    struct Reply {
        status: u16,
        body: String,
        head: String,
    }
    impl Reply {
        fn json(&self) -> Value {
            serde_json::from_str(&self.body).unwrap()
        }
        fn header(&self, name: &str) -> Option<&str> {
            self.head.lines().find_map(|l| {
                let (n, v) = l.split_once(':')?;
                n.eq_ignore_ascii_case(name).then(|| v.trim())
            })
        }
    }
    let reply = Reply { status, body, head };
    assert_eq!(reply.status, 200, "{}", reply.body);
    let event = reply.json();
    assert_eq!(
        keys(&event),
        [
            "body",
            "headers",
            "httpMethod",
            "isBase64Encoded",
            "multiValueHeaders",
            "multiValueQueryStringParameters",
            "path",
            "pathParameters",
            "queryStringParameters",
            "requestContext",
            "resource",
            "stageVariables"
        ]
    );
    assert_eq!(event["resource"], "/{proxy+}");
    assert_eq!(event["path"], "/echo");
    assert_eq!(event["httpMethod"], "POST");
    assert_eq!(event["body"], "{\"message\": \"hello world\"}");
    assert_eq!(event["isBase64Encoded"], false);
    assert_eq!(event["pathParameters"], serde_json::json!({"proxy": "echo"}));
    assert_eq!(event["stageVariables"], serde_json::json!({"color": "blue"}));
    assert_eq!(
        event["queryStringParameters"],
        serde_json::json!({"email": "test+alias@gmail.com", "plus": "test alias@gmail.com", "multi": "2"})
    );
    assert_eq!(
        event["multiValueQueryStringParameters"]["multi"],
        serde_json::json!(["1", "2"])
    );
    // Header names as the client sent them, plus what AWS's front end adds.
    assert_eq!(event["headers"]["tEsT-HEADeR"], "aValUE");
    assert_eq!(event["multiValueHeaders"]["tEsT-HEADeR"], serde_json::json!(["aValUE"]));
    for added in [
        "X-Forwarded-For",
        "X-Forwarded-Port",
        "X-Forwarded-Proto",
        "X-Amzn-Trace-Id",
    ] {
        assert!(
            event["headers"][added].is_string(),
            "{added} missing: {}",
            event["headers"]
        );
    }
    let context = &event["requestContext"];
    assert_eq!(
        keys(context),
        [
            "accountId",
            "apiId",
            "deploymentId",
            "domainName",
            "domainPrefix",
            "extendedRequestId",
            "httpMethod",
            "identity",
            "path",
            "protocol",
            "requestId",
            "requestTime",
            "requestTimeEpoch",
            "resourceId",
            "resourcePath",
            "stage"
        ]
    );
    assert_eq!(context["accountId"], "000000000000");
    assert_eq!(context["apiId"], api_id.as_str());
    assert_eq!(context["path"], "/stage/echo");
    assert_eq!(context["protocol"], "HTTP/1.1");
    assert_eq!(context["resourcePath"], "/{proxy+}");
    assert_eq!(context["stage"], "stage");
    assert_eq!(context["requestId"].as_str(), reply.header("x-amzn-RequestId"));
    assert_eq!(context["extendedRequestId"].as_str(), reply.header("x-amz-apigw-id"));
    assert!(context["requestTimeEpoch"].is_i64());
    let time = context["requestTime"].as_str().unwrap();
    assert!(
        time.len() == 26 && time.ends_with(" +0000") && time.as_bytes()[2] == b'/' && time.as_bytes()[6] == b'/',
        "requestTime {time} is not dd/MMM/yyyy:HH:mm:ss +0000"
    );
    assert_eq!(
        keys(&context["identity"]),
        [
            "accessKey",
            "accountId",
            "caller",
            "cognitoAuthenticationProvider",
            "cognitoAuthenticationType",
            "cognitoIdentityId",
            "cognitoIdentityPoolId",
            "principalOrgId",
            "sourceIp",
            "user",
            "userAgent",
            "userArn"
        ]
    );
    assert_eq!(context["identity"]["sourceIp"], "127.0.0.1");
    assert_eq!(context["identity"]["userAgent"], "python-requests/testing");

    // No query string: null maps, as AWS sends them.
    let event = request("GET", &url("/echo"), None, &[], "").await.json();
    assert_eq!(event["queryStringParameters"], Value::Null);
    assert_eq!(event["multiValueQueryStringParameters"], Value::Null);
    assert_eq!(event["body"], Value::Null);

    // multiValueHeaders (one line per value), a status code given as text, base64 passed on
    // as text (the API has no binary media types).
    let reply = request("GET", &url("/multi"), None, &[], "").await;
    assert_eq!(reply.status, 201);
    let cookies: Vec<&str> = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(cookies, ["a=1", "b=2"]);
    assert_eq!(reply.header("x-one"), Some("1"));
    assert_eq!(reply.body, "Ymlu");

    // A handler that raises, one that answers a malformed document, one past its 2 s timeout:
    // 502, as AWS answers them; past the integration's own timeout (1 s): 504.
    let internal = serde_json::json!({"message": "Internal server error"});
    for path in ["/raise", "/malformed", "/slow"] {
        let reply = request("GET", &url(path), None, &[], "").await;
        assert_eq!((reply.status, reply.json()), (502, internal.clone()), "{path}");
    }
    let reply = request("GET", &url("/short"), None, &[], "").await;
    assert_eq!(
        (reply.status, reply.json()),
        (504, serde_json::json!({"message": "Endpoint request timed out"}))
    );

    // A warm process serves the next call; two calls at once get two processes.
    let pid = || async { request("GET", &url("/pid"), None, &[], "").await.body };
    let first = pid().await;
    assert_eq!(pid().await, first, "the warm process is reused");
    let slow_url = url("/pid?sleep=1");
    let (a, b) = tokio::join!(
        request("GET", &slow_url, None, &[], ""),
        request("GET", &slow_url, None, &[], "")
    );
    assert_ne!(a.body, b.body, "two concurrent calls, two processes");
}

#[tokio::test]
async fn a_function_that_does_not_exist_is_a_500() {
    let portico = Portico::start();
    let arn = "arn:aws:lambda:us-east-1:000000000000:function:nowhere";
    let api_id = proxy_api(&portico.sdk(), arn).await;
    let reply = request(
        "GET",
        &format!("{}/_aws/execute-api/{api_id}/stage/x", portico.endpoint),
        None,
        &[],
        "",
    )
    .await;
    assert_eq!(reply.status, 500);
    assert_eq!(reply.header("x-amzn-ErrorType"), Some("InternalServerErrorException"));
}

const AUTHORIZER: &str = r#"
calls = 0

def handler(event, context):
    global calls
    calls += 1
    if event["type"] == "TOKEN":
        token = event["authorizationToken"]
    else:
        headers = {name.lower(): value for name, value in event["headers"].items()}
        token = headers["x-token"] + ":" + event["queryStringParameters"]["user"]
    if token.startswith("unauthorized"):
        raise Exception("Unauthorized")
    if token.startswith("broken"):
        return {"principalId": "x"}
    effect = "Deny" if token.startswith("deny") else "Allow"
    # A policy for this method only, as most authorizers write it.
    return {
        "principalId": "user-" + token,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]},
        "context": {"calls": calls, "admin": False, "type": event["type"]},
    }
"#;

const ECHO: &str = r#"
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}
"#;

#[tokio::test]
async fn token_and_request_authorizers() {
    if !runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let client = portico.sdk();
    let auth_arn = create_function(
        &portico,
        "authorizer",
        "python3.12",
        "auth.handler",
        &[("auth.py", AUTHORIZER)],
        3,
    );
    let echo_arn = create_function(&portico, "echo", "python3.12", "echo.handler", &[("echo.py", ECHO)], 3);
    let invocation =
        |arn: &str| format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations");
    let api = client.create_rest_api().name("authorized").send().await.unwrap();
    let api_id = api.id().unwrap().to_owned();
    let root = api.root_resource_id().unwrap().to_owned();
    let authorizer = |name: &str, kind: aws_sdk_apigateway::types::AuthorizerType, source: &str, ttl: i32| {
        client
            .create_authorizer()
            .rest_api_id(&api_id)
            .name(name)
            .r#type(kind)
            .authorizer_uri(invocation(&auth_arn))
            .identity_source(source)
            .authorizer_result_ttl_in_seconds(ttl)
            .send()
    };
    use aws_sdk_apigateway::types::AuthorizerType;
    let token = authorizer(
        "token",
        AuthorizerType::Token,
        "method.request.header.Authorization",
        300,
    )
    .await
    .unwrap();
    let uncached = authorizer(
        "uncached",
        AuthorizerType::Token,
        "method.request.header.Authorization",
        0,
    )
    .await
    .unwrap();
    let by_request = authorizer(
        "request",
        AuthorizerType::Request,
        "method.request.header.X-Token,method.request.querystring.user",
        300,
    )
    .await
    .unwrap();
    for (part, authorizer_id) in [
        ("token", token.id()),
        ("uncached", uncached.id()),
        ("request", by_request.id()),
    ] {
        let resource = client
            .create_resource()
            .rest_api_id(&api_id)
            .parent_id(&root)
            .path_part(part)
            .send()
            .await
            .unwrap();
        let resource_id = resource.id().unwrap();
        lambda_method(
            &client,
            &api_id,
            resource_id,
            "GET",
            authorizer_id,
            &invocation(&echo_arn),
            None,
        )
        .await;
    }
    client
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    let call = |path: &str, headers: Vec<(&'static str, &'static str)>| {
        let url = format!("{}/_aws/execute-api/{api_id}/dev{path}", portico.endpoint);
        async move { request("GET", &url, None, &headers, "").await }
    };

    // TOKEN: allowed, with principalId and context passed through to the integration.
    let reply = call("/token", vec![("Authorization", "alice")]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let output = reply.json();
    assert_eq!(output["principalId"], "user-alice");
    assert_eq!(output["type"], "TOKEN");
    assert_eq!(output["admin"], false);
    // Cached for the TTL: the function is not called again for the same token.
    let again = call("/token", vec![("Authorization", "alice")]).await.json();
    assert_eq!(
        again["calls"], output["calls"],
        "a cached policy serves the second call"
    );
    // With a TTL of 0 every call asks the function.
    let first = call("/uncached", vec![("Authorization", "bob")]).await.json();
    let second = call("/uncached", vec![("Authorization", "bob")]).await.json();
    assert_ne!(first["calls"], second["calls"]);

    // Deny, Unauthorized, a missing token, a broken authorizer: AWS's answers.
    let reply = call("/token", vec![("Authorization", "deny-me")]).await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.json(),
        serde_json::json!({"Message": "User is not authorized to access this resource with an explicit deny"})
    );
    let reply = call("/token", vec![("Authorization", "unauthorized")]).await;
    assert_eq!(
        (reply.status, reply.json()),
        (401, serde_json::json!({"message": "Unauthorized"}))
    );
    let reply = call("/token", vec![]).await;
    assert_eq!(
        (reply.status, reply.json()),
        (401, serde_json::json!({"message": "Unauthorized"}))
    );
    let reply = call("/token", vec![("Authorization", "broken")]).await;
    assert_eq!(reply.status, 500);
    assert_eq!(
        reply.header("x-amzn-ErrorType"),
        Some("AuthorizerConfigurationException")
    );
    assert_eq!(reply.json(), serde_json::json!({"message": null}));

    // REQUEST: every identity source must be there; the event carries headers and query.
    let reply = call("/request?user=carol", vec![("X-Token", "t1")]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["principalId"], "user-t1:carol");
    assert_eq!(reply.json()["type"], "REQUEST");
    let reply = call("/request", vec![("X-Token", "t1")]).await;
    assert_eq!(reply.status, 401);
    // A Deny from a REQUEST authorizer.
    let reply = call("/request?user=dave", vec![("X-Token", "deny")]).await;
    assert_eq!(reply.status, 403);
}

const VERSIONED: &str = r#"
import json, os
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(
        {"function": context.function_name, "version": context.function_version})}
"#;

/// `aws lambda ARGS...` against `portico`; its stdout.
fn aws_lambda(portico: &Portico, args: &[&str]) -> String {
    let out = Command::new("aws")
        .args(["--endpoint-url", &portico.endpoint, "lambda"])
        .args(args)
        .envs([
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ])
        .output()
        .expect("the AWS CLI");
    assert!(
        out.status.success(),
        "aws lambda {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The function ARN of an AWS_PROXY URI may take its name and qualifier (version or alias)
/// from stage variables, so that each stage calls its own version.
#[tokio::test]
async fn stage_variables_choose_the_function_and_its_alias() {
    if !runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let client = portico.sdk();
    create_function(
        &portico,
        "staged",
        "python3.12",
        "app.handler",
        &[("app.py", VERSIONED)],
        5,
    );
    aws_lambda(&portico, &["publish-version", "--function-name", "staged"]);
    aws_lambda(
        &portico,
        &[
            "create-alias",
            "--function-name",
            "staged",
            "--name",
            "live",
            "--function-version",
            "1",
        ],
    );
    let api = client.create_rest_api().name("staged").send().await.unwrap();
    let (api_id, root) = (api.id().unwrap(), api.root_resource_id().unwrap());
    let uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${stageVariables.fn}/invocations";
    lambda_method(&client, api_id, root, "GET", None, uri, None).await;
    let deployment = client.create_deployment().rest_api_id(api_id).send().await.unwrap();
    for (stage, function) in [("latest", "staged"), ("live", "staged:live"), ("gone", "nowhere")] {
        client
            .create_stage()
            .rest_api_id(api_id)
            .stage_name(stage)
            .deployment_id(deployment.id().unwrap())
            .variables("fn", function)
            .send()
            .await
            .unwrap();
    }
    let url = |stage: &str| format!("{}/_aws/execute-api/{api_id}/{stage}/", portico.endpoint);
    let latest = request("GET", &url("latest"), None, &[], "").await;
    assert_eq!(latest.status, 200, "{}", latest.body);
    assert_eq!(
        latest.json(),
        serde_json::json!({"function": "staged", "version": "$LATEST"})
    );
    let live = request("GET", &url("live"), None, &[], "").await;
    assert_eq!(live.status, 200, "{}", live.body);
    assert_eq!(live.json(), serde_json::json!({"function": "staged", "version": "1"}));
    let gone = request("GET", &url("gone"), None, &[], "").await;
    assert_eq!(gone.status, 500, "{}", gone.body);
}

/// TestInvokeAuthorizer calls the function with the simulated request and answers its policy
/// as written (a test names no method, so nothing is evaluated), or what a client would get.
#[tokio::test]
async fn test_invoke_authorizer() {
    use aws_sdk_apigateway::types::AuthorizerType;
    if !runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let client = portico.sdk();
    let auth_arn = create_function(
        &portico,
        "tester",
        "python3.12",
        "app.handler",
        &[("app.py", AUTHORIZER)],
        5,
    );
    let uri = format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{auth_arn}/invocations");
    let api = client.create_rest_api().name("tested").send().await.unwrap();
    let api_id = api.id().unwrap();
    let token = client
        .create_authorizer()
        .rest_api_id(api_id)
        .name("token")
        .r#type(AuthorizerType::Token)
        .authorizer_uri(&uri)
        .identity_source("method.request.header.Authorization")
        .identity_validation_expression("^[a-z]+-.*$")
        .send()
        .await
        .unwrap();
    let test = |token_id: String, header: Option<&'static str>| {
        client
            .test_invoke_authorizer()
            .rest_api_id(api_id)
            .authorizer_id(token_id)
            .set_headers(header.map(|h| [("Authorization".to_owned(), h.to_owned())].into()))
            .send()
    };
    let token_id = token.id().unwrap().to_owned();
    let allowed = test(token_id.clone(), Some("allow-ann")).await.unwrap();
    assert_eq!(allowed.client_status(), 200, "{:?}", allowed.log());
    assert_eq!(allowed.principal_id(), Some("user-allow-ann"));
    let policy: Value = serde_json::from_str(allowed.policy().unwrap()).unwrap();
    assert_eq!(policy["Statement"][0]["Effect"], "Allow");
    assert_eq!(
        policy["Statement"][0]["Resource"],
        format!("arn:aws:execute-api:us-east-1:000000000000:{api_id}/ESTestInvoke-stage/GET/")
    );
    let log = allowed.log().unwrap();
    assert!(log.contains("Incoming identity: allow-ann"), "{log}");
    assert!(log.contains("Successfully completed authorizer execution"), "{log}");
    // A Deny is the function's answer too: 200, the policy says Deny.
    let denied = test(token_id.clone(), Some("deny-bob")).await.unwrap();
    assert_eq!(denied.client_status(), 200);
    let policy: Value = serde_json::from_str(denied.policy().unwrap()).unwrap();
    assert_eq!(policy["Statement"][0]["Effect"], "Deny");
    for (header, status) in [
        (None, 401),
        (Some("nodash"), 401),
        (Some("unauthorized-x"), 401),
        (Some("broken-x"), 500),
    ] {
        let tested = test(token_id.clone(), header).await.unwrap();
        assert_eq!(tested.client_status(), status, "{header:?}: {:?}", tested.log());
        assert_eq!(tested.policy(), None);
    }
    // REQUEST: headers, the query string of `pathWithQueryString`.
    let request = client
        .create_authorizer()
        .rest_api_id(api_id)
        .name("request")
        .r#type(AuthorizerType::Request)
        .authorizer_uri(&uri)
        .identity_source("method.request.header.X-Token,method.request.querystring.user")
        .send()
        .await
        .unwrap();
    let tested = client
        .test_invoke_authorizer()
        .rest_api_id(api_id)
        .authorizer_id(request.id().unwrap())
        .headers("X-Token", "allow")
        .path_with_query_string("/pets?user=cy")
        .send()
        .await
        .unwrap();
    assert_eq!(tested.client_status(), 200, "{:?}", tested.log());
    assert_eq!(tested.principal_id(), Some("user-allow:cy"));
    // An authorizer that is not there is AWS's 404.
    let err = client
        .test_invoke_authorizer()
        .rest_api_id(api_id)
        .authorizer_id("nope00")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(404));
}

/// A client that hangs up does not end the call: the function runs to its end, as on Lambda,
/// and the process serving it stays warm (it was once killed with the dropped request).
#[tokio::test]
async fn a_client_hanging_up_leaves_the_process_warm() {
    if !runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let arn = create_function(
        &portico,
        "hangup",
        "python3.12",
        "app.handler",
        &[("app.py", HANDLER)],
        10,
    );
    let api_id = proxy_api(&portico.sdk(), &arn).await;
    let url = |path: &str| format!("{}/_aws/execute-api/{api_id}/stage{path}", portico.endpoint);
    let pid = request("GET", &url("/pid"), None, &[], "").await.body;
    let pid: u32 = pid.trim().parse().expect("a pid");
    // The same process takes the slow call (it is the only one, and idle); the client leaves.
    let slow = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        request("GET", &url("/pid?sleep=2"), None, &[], ""),
    )
    .await;
    assert!(slow.is_err(), "the slow call should still be running");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "process {pid} was killed with the abandoned request"
    );
    // Once the call ends, the process serves again.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let again = request("GET", &url("/pid"), None, &[], "").await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body.trim(), pid.to_string());
}

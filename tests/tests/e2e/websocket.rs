//! WebSocket APIs served on execute-api, driven by a real WebSocket client
//! (tokio-tungstenite): a chat application whose `$connect` passes a REQUEST authorizer
//! (Python) and whose handler broadcasts through boto3's `apigatewaymanagementapi`; route
//! selection, `$default`, the error frame, MOCK two-way routes with response templates,
//! HTTP_PROXY, the message limit (1009), the idle timeout; @connections through
//! `aws-sdk-apigatewaymanagement` at both URL forms, and 410 once a connection is gone.

use crate::harness::{Portico, echo_backend, temp_dir};
use crate::http_apis::ok;
use crate::lambda::{create_function, runtimes_here};
use aws_sdk_apigateway::types::ApiStage;
use aws_sdk_apigatewayv2::types::{IntegrationType, ProtocolType};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, client_async};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A WebSocket client on `ws://{api}.execute-api.localhost:{port}/{path}` (the TCP connection
/// goes to 127.0.0.1, so no resolver is needed for the host).
async fn open(portico: &Portico, api_id: &str, path: &str) -> Result<Socket, WsError> {
    open_with(portico, api_id, path, &[]).await
}

/// `open` with more headers on the upgrade request.
async fn open_with(
    portico: &Portico,
    api_id: &str,
    path: &str,
    headers: &[(&'static str, &str)],
) -> Result<Socket, WsError> {
    let url = format!("ws://{api_id}.execute-api.localhost:{}/{path}", portico.port);
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("user-agent", "portico-ws-test".parse().unwrap());
    for (name, value) in headers {
        request.headers_mut().insert(*name, value.parse().unwrap());
    }
    let stream = TcpStream::connect(("127.0.0.1", portico.port)).await.unwrap();
    let (socket, answer) = client_async(request, MaybeTlsStream::Plain(stream)).await?;
    assert_eq!(answer.status(), 101);
    Ok(socket)
}

/// The status a refused handshake was answered with.
fn refused(result: Result<Socket, WsError>) -> u16 {
    match result {
        Err(WsError::Http(answer)) => answer.status().as_u16(),
        Ok(_) => panic!("the upgrade was accepted"),
        Err(other) => panic!("expected an HTTP answer, got {other}"),
    }
}

/// The next data frame as text, within 10 s.
async fn next_text(socket: &mut Socket) -> String {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a frame within 10 s")
            .expect("the connection is open")
            .expect("a valid frame");
        match frame {
            Message::Text(text) => return text.to_string(),
            Message::Binary(data) => return String::from_utf8_lossy(&data).into_owned(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a data frame, got {other:?}"),
        }
    }
}

async fn next_json(socket: &mut Socket) -> Value {
    let text = next_text(socket).await;
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The close frame the server sends, within `wait`.
async fn closed_with(socket: &mut Socket, wait: Duration) -> (CloseCode, String) {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("closed in time");
        match frame {
            Some(Ok(Message::Close(Some(frame)))) => return (frame.code, frame.reason.to_string()),
            Some(Ok(Message::Close(None))) => return (CloseCode::Status, String::new()),
            Some(Ok(_)) => continue,
            Some(Err(e)) => panic!("read failed before a close frame: {e}"),
            None => panic!("ended without a close frame"),
        }
    }
}

async fn send(socket: &mut Socket, text: &str) {
    socket.send(Message::Text(text.into())).await.expect("sent");
}

fn management(endpoint: &str) -> aws_sdk_apigatewaymanagement::Client {
    use aws_sdk_apigatewaymanagement::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_apigatewaymanagement::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "portico-tests"))
        .endpoint_url(endpoint)
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build();
    aws_sdk_apigatewaymanagement::Client::from_conf(config)
}

/// A MOCK integration answering `{"statusCode": 200}`, with a `$default` integration
/// response rendering `response` (if any).
async fn mock(client: &aws_sdk_apigatewayv2::Client, api_id: &str, response: Option<&str>) -> String {
    let integration = client
        .create_integration()
        .api_id(api_id)
        .integration_type(IntegrationType::Mock)
        .template_selection_expression("\\$default")
        .request_templates("\\$default", r#"{"statusCode": 200}"#)
        .send()
        .await
        .expect("create MOCK integration");
    let id = integration.integration_id().unwrap().to_owned();
    if let Some(response) = response {
        client
            .create_integration_response()
            .api_id(api_id)
            .integration_id(&id)
            .integration_response_key("$default")
            .template_selection_expression("\\$default")
            .response_templates("\\$default", response)
            .send()
            .await
            .expect("create integration response");
    }
    id
}

/// A route to `integration`; `two_way` adds its `$default` route response.
async fn route(client: &aws_sdk_apigatewayv2::Client, api_id: &str, key: &str, integration: &str, two_way: bool) {
    let route = client
        .create_route()
        .api_id(api_id)
        .route_key(key)
        .target(format!("integrations/{integration}"))
        .send()
        .await
        .expect("create route");
    if two_way {
        client
            .create_route_response()
            .api_id(api_id)
            .route_id(route.route_id().unwrap())
            .route_response_key("$default")
            .send()
            .await
            .expect("create route response");
    }
}

async fn deploy(client: &aws_sdk_apigatewayv2::Client, api_id: &str, stage: &str) {
    client
        .create_stage()
        .api_id(api_id)
        .stage_name(stage)
        .send()
        .await
        .expect("create stage");
    client
        .create_deployment()
        .api_id(api_id)
        .stage_name(stage)
        .send()
        .await
        .expect("create deployment");
}

async fn websocket_api(client: &aws_sdk_apigatewayv2::Client, name: &str) -> String {
    client
        .create_api()
        .name(name)
        .protocol_type(ProtocolType::Websocket)
        .route_selection_expression("$request.body.action")
        .send()
        .await
        .expect("create WebSocket API")
        .api_id()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn mock_routes_error_frames_limits_and_connections_api() {
    let portico = Portico::start();
    let client = portico.sdk_v2();
    let api_id = websocket_api(&client, "mocks").await;
    let echo = mock(
        &client,
        &api_id,
        Some(r#"{"route": "$context.routeKey", "id": "$context.connectionId", "event": "$context.eventType", "stage": "$context.stage"}"#),
    )
    .await;
    route(&client, &api_id, "echo", &echo, true).await;
    let quiet = mock(&client, &api_id, Some(r#"{"quiet": true}"#)).await;
    route(&client, &api_id, "quiet", &quiet, false).await;
    // HTTP_PROXY to a local backend: the message is the request's body.
    let backend = echo_backend().await;
    let proxy = client
        .create_integration()
        .api_id(&api_id)
        .integration_type(IntegrationType::HttpProxy)
        .integration_method("POST")
        .integration_uri(format!("http://127.0.0.1:{backend}/messages"))
        .send()
        .await
        .unwrap();
    route(&client, &api_id, "proxy", proxy.integration_id().unwrap(), true).await;
    // HTTP with a request template, and integration responses chosen by the status code
    // (the selection AWS gives non-proxy HTTP integrations).
    let wrap = client
        .create_integration()
        .api_id(&api_id)
        .integration_type(IntegrationType::Http)
        .integration_method("POST")
        .integration_uri(format!("http://127.0.0.1:{backend}/wrapped"))
        .template_selection_expression("\\$default")
        .request_templates(
            "\\$default",
            r#"{"wrapped": $input.body, "id": "$context.connectionId"}"#,
        )
        .send()
        .await
        .unwrap();
    let wrap_id = wrap.integration_id().unwrap();
    for (key, template) in [
        ("/2\\d\\d/", r#"{"status": "ok", "backend": $input.json('$.body')}"#),
        ("$default", r#"{"status": "other"}"#),
    ] {
        client
            .create_integration_response()
            .api_id(&api_id)
            .integration_id(wrap_id)
            .integration_response_key(key)
            .response_templates("\\$default", template)
            .send()
            .await
            .expect("create integration response");
    }
    route(&client, &api_id, "wrap", wrap_id, true).await;
    deploy(&client, &api_id, "dev").await;

    // A plain HTTP request and an unknown stage are refused.
    let host = format!("{api_id}.execute-api.localhost:{}", portico.port);
    assert_eq!(portico.call("GET", "/dev", Some(&host), "").await.status, 426);
    assert_eq!(refused(open(&portico, &api_id, "nope").await), 403);

    let mut socket = open(&portico, &api_id, "dev").await.expect("connected");
    // One-way: nothing comes back; the two-way route's answer is the next frame.
    send(&mut socket, r#"{"action": "quiet"}"#).await;
    send(&mut socket, r#"{"action": "echo"}"#).await;
    let answer = next_json(&mut socket).await;
    assert_eq!(
        (answer["route"].as_str(), answer["event"].as_str()),
        (Some("echo"), Some("MESSAGE"))
    );
    assert_eq!(answer["stage"], "dev");
    let id = answer["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 16, "{id}");

    // No route and no `$default`: AWS's error frame; non-JSON likewise.
    for text in [r#"{"action": "nothing"}"#, "not json"] {
        send(&mut socket, text).await;
        let frame = next_text(&mut socket).await;
        assert!(
            frame.starts_with(r#"{"message": "Forbidden", "connectionId":""#),
            "{frame}"
        );
        let frame: Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(frame["connectionId"], id.as_str());
        assert!(frame["requestId"].as_str().is_some_and(|r| !r.is_empty()));
    }

    send(&mut socket, r#"{"action": "proxy", "n": 1}"#).await;
    let backend_saw = next_json(&mut socket).await;
    assert_eq!(backend_saw["method"], "POST");
    assert_eq!(backend_saw["uri"], "/messages");
    assert_eq!(backend_saw["body"], r#"{"action": "proxy", "n": 1}"#);

    send(&mut socket, r#"{"action": "wrap", "n": 5}"#).await;
    let wrapped = next_json(&mut socket).await;
    assert_eq!(wrapped["status"], "ok", "{wrapped}");
    let sent: Value = serde_json::from_str(wrapped["backend"].as_str().unwrap()).unwrap();
    assert_eq!(sent, json!({"wrapped": {"action": "wrap", "n": 5}, "id": id}));

    // @connections on the stage's callback URL (the path form) and at Portico's root.
    let on_stage = management(&format!("{}/_aws/execute-api/{api_id}/dev", portico.endpoint));
    let at_root = management(&portico.endpoint);
    on_stage
        .post_to_connection()
        .connection_id(&id)
        .data(aws_sdk_apigatewaymanagement::primitives::Blob::new("from the stage"))
        .send()
        .await
        .expect("PostToConnection on the stage");
    assert_eq!(next_text(&mut socket).await, "from the stage");
    at_root
        .post_to_connection()
        .connection_id(&id)
        .data(aws_sdk_apigatewaymanagement::primitives::Blob::new(r#"{"at":"root"}"#))
        .send()
        .await
        .expect("PostToConnection at the root");
    assert_eq!(next_json(&mut socket).await, json!({"at": "root"}));
    // Data that is not UTF-8 goes as a binary frame.
    at_root
        .post_to_connection()
        .connection_id(&id)
        .data(aws_sdk_apigatewaymanagement::primitives::Blob::new(vec![0xff, 0x00]))
        .send()
        .await
        .expect("PostToConnection of bytes");
    let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(frame, Message::Binary(vec![0xff_u8, 0x00].into()));
    for client in [&on_stage, &at_root] {
        let found = client
            .get_connection()
            .connection_id(&id)
            .send()
            .await
            .expect("GetConnection");
        let identity = found.identity().unwrap();
        assert_eq!(identity.source_ip(), Some("127.0.0.1"));
        assert_eq!(identity.user_agent(), Some("portico-ws-test"));
        let (connected, active) = (found.connected_at().unwrap(), found.last_active_at().unwrap());
        assert!(active.secs() >= connected.secs());
    }
    // Another stage's callback URL does not know the connection.
    let elsewhere = management(&format!("{}/_aws/execute-api/{api_id}/prod", portico.endpoint));
    let gone = elsewhere.get_connection().connection_id(&id).send().await.unwrap_err();
    assert!(gone.into_service_error().is_gone_exception());

    on_stage
        .delete_connection()
        .connection_id(&id)
        .send()
        .await
        .expect("DeleteConnection");
    let (code, _) = closed_with(&mut socket, Duration::from_secs(5)).await;
    assert_eq!(code, CloseCode::Normal);
    let gone = at_root
        .post_to_connection()
        .connection_id(&id)
        .data(aws_sdk_apigatewaymanagement::primitives::Blob::new("late"))
        .send()
        .await
        .unwrap_err();
    assert!(gone.into_service_error().is_gone_exception());
    let gone = at_root.get_connection().connection_id(&id).send().await.unwrap_err();
    assert!(gone.into_service_error().is_gone_exception());
    let gone = at_root.delete_connection().connection_id(&id).send().await.unwrap_err();
    assert!(gone.into_service_error().is_gone_exception());

    // Binary payloads as AWS takes them: base64 text that the integration's
    // `contentHandlingStrategy: CONVERT_TO_BINARY` decodes for the backend; a binary frame
    // disconnects the client with 1003.
    let binary_api = websocket_api(&client, "binary").await;
    let decoding = client
        .create_integration()
        .api_id(&binary_api)
        .integration_type(IntegrationType::Http)
        .integration_method("POST")
        .integration_uri(format!("http://127.0.0.1:{backend}/binary"))
        .content_handling_strategy(aws_sdk_apigatewayv2::types::ContentHandlingStrategy::ConvertToBinary)
        .send()
        .await
        .unwrap();
    route(
        &client,
        &binary_api,
        "$default",
        decoding.integration_id().unwrap(),
        true,
    )
    .await;
    deploy(&client, &binary_api, "dev").await;
    let mut socket = open(&portico, &binary_api, "dev").await.expect("connected");
    send(&mut socket, "aGVsbG8gYmluYXJ5").await;
    assert_eq!(
        next_json(&mut socket).await["body"],
        "hello binary",
        "the backend got the decoded bytes"
    );
    socket
        .send(Message::Binary(vec![0xff_u8, 0x00].into()))
        .await
        .expect("binary frame sent");
    let (code, _) = closed_with(&mut socket, Duration::from_secs(5)).await;
    assert_eq!(code, CloseCode::Unsupported);

    // Up to 128 KB, in frames of at most 32 KB: routed as any message.
    let mut big = open(&portico, &api_id, "dev").await.expect("connected");
    let pad = "x".repeat(120_000);
    let frames = [
        format!(r#"{{"action": "echo", "pad": "{}"#, &pad[..30_000]),
        pad[30_000..60_000].to_owned(),
        pad[60_000..90_000].to_owned(),
        format!(r#"{}"}}"#, &pad[90_000..]),
    ];
    for (i, frame) in frames.iter().enumerate() {
        let last = i == frames.len() - 1;
        let opcode = if i == 0 {
            tokio_tungstenite::tungstenite::protocol::frame::coding::Data::Text
        } else {
            tokio_tungstenite::tungstenite::protocol::frame::coding::Data::Continue
        };
        let frame = tokio_tungstenite::tungstenite::protocol::frame::Frame::message(
            frame.clone().into_bytes(),
            tokio_tungstenite::tungstenite::protocol::frame::coding::OpCode::Data(opcode),
            last,
        );
        big.send(Message::Frame(frame)).await.expect("frame sent");
    }
    assert_eq!(
        next_json(&mut big).await["route"],
        "echo",
        "a 120,000-byte message in four frames of 30,000"
    );

    // Over 128 KB (and over the 32 KB frame limit): closed with 1009.
    let text = format!(r#"{{"action": "echo", "pad": "{}"}}"#, "x".repeat(130 * 1024));
    big.send(Message::Text(text.into())).await.expect("sent");
    let (code, _) = closed_with(&mut big, Duration::from_secs(5)).await;
    assert_eq!(code, CloseCode::Size);

    // `apiKeyRequired` on `$connect`: no key, no connection.
    let keyed = websocket_api(&client, "keyed").await;
    let connect = mock(&client, &keyed, None).await;
    client
        .create_route()
        .api_id(&keyed)
        .route_key("$connect")
        .api_key_required(true)
        .target(format!("integrations/{connect}"))
        .send()
        .await
        .unwrap();
    deploy(&client, &keyed, "dev").await;
    assert_eq!(refused(open(&portico, &keyed, "dev").await), 403);
    // A key of a usage plan that covers the WebSocket stage lets the connection in
    // (`apiKeySelectionExpression`: `$request.header.x-api-key`); another key does not.
    let rest = portico.sdk();
    let value = "websocket-key-0123456789abcdef";
    let key = rest
        .create_api_key()
        .name("ws")
        .value(value)
        .enabled(true)
        .send()
        .await
        .expect("key");
    let plan = rest
        .create_usage_plan()
        .name("ws-plan")
        .api_stages(ApiStage::builder().api_id(&keyed).stage("dev").build())
        .send()
        .await
        .expect("a usage plan covering a WebSocket API's stage");
    rest.create_usage_plan_key()
        .usage_plan_id(plan.id().expect("id"))
        .key_id(key.id().expect("id"))
        .key_type("API_KEY")
        .send()
        .await
        .expect("plan key");
    let mut socket = open_with(&portico, &keyed, "dev", &[("x-api-key", value)])
        .await
        .expect("a key of the plan connects");
    socket.close(None).await.expect("closed");
    let wrong = open_with(&portico, &keyed, "dev", &[("x-api-key", "not-a-key-of-any-plan-000")]).await;
    assert_eq!(refused(wrong), 403);
}

#[tokio::test]
async fn default_route_auto_deploy_idle_timeout_and_max_duration() {
    let portico = Portico::start_with(&["--ws-idle-timeout", "1s", "--ws-max-duration", "3s"]);
    let client = portico.sdk_v2();
    let api_id = websocket_api(&client, "defaults").await;
    // An `autoDeploy` stage: every change to the API after it is deployed to it.
    client
        .create_stage()
        .api_id(&api_id)
        .stage_name("live")
        .auto_deploy(true)
        .send()
        .await
        .expect("create stage");
    let fallback = mock(&client, &api_id, Some(r#"{"fallback": "$context.routeKey"}"#)).await;
    route(&client, &api_id, "$default", &fallback, true).await;
    let named = mock(&client, &api_id, Some(r#"{"named": "$context.routeKey"}"#)).await;
    route(&client, &api_id, "named", &named, true).await;

    let mut socket = open(&portico, &api_id, "live").await.expect("connected");
    send(&mut socket, r#"{"action": "named"}"#).await;
    assert_eq!(next_json(&mut socket).await, json!({"named": "named"}));
    for text in [r#"{"action": "other"}"#, r#"{"no": "action"}"#, "plain text"] {
        send(&mut socket, text).await;
        assert_eq!(next_json(&mut socket).await, json!({"fallback": "$default"}), "{text}");
    }
    // A route deployed while the connection is open routes its next message.
    // (Pings keep the connection from idling meanwhile.)
    let deploying = tokio::spawn({
        let client = client.clone();
        let api_id = api_id.clone();
        async move {
            let later = mock(&client, &api_id, Some(r#"{"later": "$context.routeKey"}"#)).await;
            route(&client, &api_id, "later", &later, true).await;
        }
    });
    while !deploying.is_finished() {
        socket.send(Message::Ping(Vec::new().into())).await.expect("ping");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    deploying.await.unwrap();
    send(&mut socket, r#"{"action": "later"}"#).await;
    assert_eq!(next_json(&mut socket).await, json!({"later": "later"}));

    // Nothing either way for the idle timeout: 1001.
    let started = std::time::Instant::now();
    let (code, reason) = closed_with(&mut socket, Duration::from_secs(5)).await;
    assert_eq!((code, reason.as_str()), (CloseCode::Away, "Going away"));
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "{:?}",
        started.elapsed()
    );

    // A busy connection is closed all the same at the maximum duration.
    let mut busy = open(&portico, &api_id, "live").await.expect("connected");
    let started = std::time::Instant::now();
    let code = loop {
        assert!(started.elapsed() < Duration::from_secs(10), "never closed");
        if busy.send(Message::Text(r#"{"action": "named"}"#.into())).await.is_err() {
            break closed_with(&mut busy, Duration::from_secs(5)).await.0;
        }
        match tokio::time::timeout(Duration::from_secs(5), busy.next()).await.unwrap() {
            Some(Ok(Message::Text(_))) => tokio::time::sleep(Duration::from_millis(300)).await,
            Some(Ok(Message::Close(Some(frame)))) => break frame.code,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(code, CloseCode::Away);
    assert!(
        started.elapsed() >= Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
}

const AUTHORIZER: &str = r#"
def handler(event, context):
    token = (event.get("queryStringParameters") or {}).get("token", "")
    effect = "Allow" if token.startswith("allow") else "Deny"
    return {"principalId": "user-" + token,
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]},
            "context": {"token": token}}
"#;

/// The chat's handler: connection ids are files under DIR.
const CHAT: &str = r#"
import json, os
import boto3

DIR = "@DIR@"

def handler(event, context):
    ctx = event["requestContext"]
    route, me = ctx["routeKey"], ctx["connectionId"]
    if route == "$connect":
        if (event.get("queryStringParameters") or {}).get("refuse"):
            return {"statusCode": 403, "body": "refused by the handler"}
        with open(os.path.join(DIR, me), "w") as f:
            json.dump({"principal": ctx["authorizer"]["principalId"], "eventType": ctx["eventType"],
                       "userAgent": event["headers"].get("user-agent")}, f)
        return {"statusCode": 200}
    if route == "$disconnect":
        try:
            os.remove(os.path.join(DIR, me))
        except FileNotFoundError:
            pass
        with open(os.path.join(DIR, "gone-" + me), "w") as f:
            json.dump({"code": ctx["disconnectStatusCode"], "eventType": ctx["eventType"]}, f)
        return {"statusCode": 200}
    if route == "sendmessage":
        data = json.loads(event["body"])["data"]
        # No endpoint_url: AWS_ENDPOINT_URL is Portico, whose root serves @connections.
        client = boto3.client("apigatewaymanagementapi")
        for other in os.listdir(DIR):
            if not other.startswith("gone-"):
                client.post_to_connection(ConnectionId=other, Data=json.dumps({"from": me, "data": data}).encode())
        return {"statusCode": 200}
    return {"statusCode": 200, "body": json.dumps({"echo": event["body"], "route": route,
                                                   "messageId": bool(ctx.get("messageId"))})}
"#;

/// Waits up to 10 s for `path` to exist and reads it as JSON.
async fn wait_for_file(path: &std::path::Path) -> Value {
    for _ in 0..100 {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(doc) = serde_json::from_str(&text)
        {
            return doc;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{} never appeared", path.display());
}

#[tokio::test]
async fn chat_application_with_an_authorizer_and_broadcasts() {
    if !runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let dir = temp_dir("ws-chat");
    let handler = CHAT.replace("@DIR@", dir.to_str().unwrap());
    let chat = create_function(
        &portico,
        "ws-chat",
        "python3.11",
        "app.handler",
        &[("app.py", &handler)],
        10,
    );
    let auth = create_function(
        &portico,
        "ws-auth",
        "python3.11",
        "auth.handler",
        &[("auth.py", AUTHORIZER)],
        10,
    );
    let invocation =
        |arn: &str| format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations");

    let api = ok(
        &portico,
        &[
            "create-api",
            "--name",
            "chat",
            "--protocol-type",
            "WEBSOCKET",
            "--route-selection-expression",
            "$request.body.action",
        ],
    );
    let api_id = api["ApiId"].as_str().unwrap().to_owned();
    let authorizer = ok(
        &portico,
        &[
            "create-authorizer",
            "--api-id",
            &api_id,
            "--name",
            "token",
            "--authorizer-type",
            "REQUEST",
            "--identity-source",
            "route.request.querystring.token",
            "--authorizer-uri",
            &invocation(&auth),
        ],
    );
    let authorizer_id = authorizer["AuthorizerId"].as_str().unwrap();
    let integration = ok(
        &portico,
        &[
            "create-integration",
            "--api-id",
            &api_id,
            "--integration-type",
            "AWS_PROXY",
            "--integration-uri",
            &invocation(&chat),
        ],
    );
    let target = format!("integrations/{}", integration["IntegrationId"].as_str().unwrap());
    ok(
        &portico,
        &[
            "create-route",
            "--api-id",
            &api_id,
            "--route-key",
            "$connect",
            "--authorization-type",
            "CUSTOM",
            "--authorizer-id",
            authorizer_id,
            "--target",
            &target,
        ],
    );
    for key in ["$disconnect", "sendmessage"] {
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
    let default = ok(
        &portico,
        &[
            "create-route",
            "--api-id",
            &api_id,
            "--route-key",
            "$default",
            "--target",
            &target,
        ],
    );
    ok(
        &portico,
        &[
            "create-route-response",
            "--api-id",
            &api_id,
            "--route-id",
            default["RouteId"].as_str().unwrap(),
            "--route-response-key",
            "$default",
        ],
    );
    // AWS (non-proxy) to the same function: the request template is the event, the
    // integration response's template shapes the frame.
    let templates = json!({"\\$default": r#"{"requestContext": {"routeKey": "viaAws", "connectionId": "$context.connectionId"}, "body": "$util.escapeJavaScript($input.body)"}"#});
    let aws = ok(
        &portico,
        &[
            "create-integration",
            "--api-id",
            &api_id,
            "--integration-type",
            "AWS",
            "--integration-method",
            "POST",
            "--integration-uri",
            &invocation(&chat),
            "--template-selection-expression",
            "\\$default",
            "--request-templates",
            &templates.to_string(),
        ],
    );
    let aws_id = aws["IntegrationId"].as_str().unwrap();
    let responses = json!({"\\$default": r#"{"lambdaSaid": $input.json('$.body'), "route": "$context.routeKey"}"#});
    ok(
        &portico,
        &[
            "create-integration-response",
            "--api-id",
            &api_id,
            "--integration-id",
            aws_id,
            "--integration-response-key",
            "$default",
            "--template-selection-expression",
            "\\$default",
            "--response-templates",
            &responses.to_string(),
        ],
    );
    let via_aws = ok(
        &portico,
        &[
            "create-route",
            "--api-id",
            &api_id,
            "--route-key",
            "viaAws",
            "--target",
            &format!("integrations/{aws_id}"),
        ],
    );
    ok(
        &portico,
        &[
            "create-route-response",
            "--api-id",
            &api_id,
            "--route-id",
            via_aws["RouteId"].as_str().unwrap(),
            "--route-response-key",
            "$default",
        ],
    );
    ok(&portico, &["create-stage", "--api-id", &api_id, "--stage-name", "prod"]);
    ok(
        &portico,
        &["create-deployment", "--api-id", &api_id, "--stage-name", "prod"],
    );

    // Refused connects: no identity source (401), the authorizer's Deny (403), the
    // handler's own 403.
    assert_eq!(refused(open(&portico, &api_id, "prod").await), 401);
    assert_eq!(refused(open(&portico, &api_id, "prod?token=deny").await), 403);
    assert_eq!(
        refused(open(&portico, &api_id, "prod?token=allow-x&refuse=1").await),
        403
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no connection was stored");

    let mut alice = open(&portico, &api_id, "prod?token=allow-alice")
        .await
        .expect("alice connects");
    let mut bob = open(&portico, &api_id, "prod?token=allow-bob")
        .await
        .expect("bob connects");
    let stored: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(stored.len(), 2, "{stored:?}");
    let mut principals = Vec::new();
    for id in &stored {
        let doc = wait_for_file(&dir.join(id)).await;
        assert_eq!(doc["eventType"], "CONNECT");
        assert_eq!(doc["userAgent"], "portico-ws-test");
        principals.push(doc["principal"].as_str().unwrap().to_owned());
    }
    principals.sort();
    assert_eq!(principals, ["user-allow-alice", "user-allow-bob"]);

    // A broadcast from inside the handler reaches both.
    send(&mut alice, r#"{"action": "sendmessage", "data": "hello all"}"#).await;
    let to_alice = next_json(&mut alice).await;
    let to_bob = next_json(&mut bob).await;
    assert_eq!(to_alice, to_bob);
    assert_eq!(to_alice["data"], "hello all");
    let alice_id = to_alice["from"].as_str().unwrap().to_owned();
    assert!(stored.contains(&alice_id));
    let bob_id = stored.iter().find(|id| **id != alice_id).unwrap().clone();

    // `$default` is two-way: the Lambda's body comes back.
    send(&mut alice, "just text").await;
    let echoed = next_json(&mut alice).await;
    assert_eq!(
        echoed,
        json!({"echo": "just text", "route": "$default", "messageId": true})
    );

    send(&mut alice, r#"{"action": "viaAws", "n": 1}"#).await;
    let via_aws = next_json(&mut alice).await;
    assert_eq!(via_aws["route"], "viaAws");
    let said: Value = serde_json::from_str(via_aws["lambdaSaid"].as_str().unwrap()).unwrap();
    assert_eq!(said["route"], "viaAws");
    assert_eq!(said["echo"], r#"{"action": "viaAws", "n": 1}"#);

    // Bob leaves: `$disconnect` runs with his close code and the handler forgets him.
    bob.close(None).await.expect("close");
    let gone = wait_for_file(&dir.join(format!("gone-{bob_id}"))).await;
    assert_eq!(gone, json!({"code": 1005, "eventType": "DISCONNECT"}));
    assert!(!dir.join(&bob_id).exists());
    send(&mut alice, r#"{"action": "sendmessage", "data": "anyone?"}"#).await;
    assert_eq!(next_json(&mut alice).await["data"], "anyone?");

    // A closed connection is gone for @connections.
    let gone = management(&portico.endpoint)
        .post_to_connection()
        .connection_id(&bob_id)
        .data(aws_sdk_apigatewaymanagement::primitives::Blob::new("late"))
        .send()
        .await
        .unwrap_err();
    assert!(gone.into_service_error().is_gone_exception());
    let _ = std::fs::remove_dir_all(&dir);
}

/// An AWS integration to a service (DynamoDB PutItem, signed, sent to a moto server given
/// as `--aws-endpoint`): the request template's output is the action's input, and the
/// integration response's template the route's answer.
#[tokio::test]
async fn aws_service_integration_stores_a_message() {
    if !crate::mapping::moto_here() {
        return;
    }
    let (_moto, moto_port) = crate::mapping::start_moto();
    let endpoint = format!("http://127.0.0.1:{moto_port}");
    let portico = Portico::start_with(&["--aws-endpoint", &endpoint]);
    let client = portico.sdk_v2();
    crate::http_api_aws::moto(
        moto_port,
        "dynamodb",
        "DynamoDB_20120810.CreateTable",
        json!({
            "TableName": "messages",
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    )
    .await;
    let api_id = websocket_api(&client, "stored").await;
    let store = client
        .create_integration()
        .api_id(&api_id)
        .integration_type(IntegrationType::Aws)
        .integration_method("POST")
        .integration_uri("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem")
        .template_selection_expression("\\$default")
        .request_templates(
            "\\$default",
            r#"{"TableName": "messages", "Item": {"id": {"S": "$context.connectionId"}, "text": {"S": $input.json('$.text')}}}"#,
        )
        .send()
        .await
        .expect("AWS integration");
    let store_id = store.integration_id().unwrap();
    client
        .create_integration_response()
        .api_id(&api_id)
        .integration_id(store_id)
        .integration_response_key("$default")
        .response_templates(
            "$default",
            r#"{"stored": "$context.connectionId", "status": "$input.body"}"#,
        )
        .send()
        .await
        .expect("integration response");
    route(&client, &api_id, "store", store_id, true).await;
    deploy(&client, &api_id, "dev").await;

    let mut socket = open(&portico, &api_id, "dev").await.expect("connected");
    send(&mut socket, r#"{"action": "store", "text": "hello table"}"#).await;
    let answer = next_json(&mut socket).await;
    let id = answer["stored"].as_str().expect("the connection id").to_owned();
    assert_eq!(answer["status"], "{}", "PutItem's answer: {answer}");
    let item = crate::http_api_aws::moto(
        moto_port,
        "dynamodb",
        "DynamoDB_20120810.GetItem",
        json!({"TableName": "messages", "Key": {"id": {"S": id}}}),
    )
    .await;
    assert_eq!(item["Item"]["text"]["S"], "hello table", "{item}");
}

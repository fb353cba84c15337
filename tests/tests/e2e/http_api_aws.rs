//! AWS service integrations of HTTP APIs (`AWS_PROXY` with an `integrationSubtype`), made with
//! the AWS CLI and served on execute-api against a moto server (`--aws-endpoint`): SQS
//! SendMessage and ReceiveMessage, EventBridge PutEvents delivered through a rule to a queue,
//! Step Functions StartExecution and StopExecution, Kinesis PutRecord, and the 500s of an integration AWS would refuse and of a missing endpoint.

use crate::harness::{Portico, Reply, request};
use crate::http_apis::ok;
use crate::mapping::{moto_here, start_moto};
use serde_json::{Value, json};

/// One JSON-protocol action straight at moto (it reads the service from the credential scope).
pub(crate) async fn moto(port: u16, service: &str, target: &str, body: Value) -> Value {
    let content_type = if matches!(service, "sqs" | "states" | "dynamodb") {
        "application/x-amz-json-1.0"
    } else {
        "application/x-amz-json-1.1"
    };
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
    );
    let reply = request(
        "POST",
        &format!("http://127.0.0.1:{port}/"),
        None,
        &[
            ("x-amz-target", target),
            ("content-type", content_type),
            ("authorization", &authorization),
        ],
        &body.to_string(),
    )
    .await;
    assert_eq!(reply.status, 200, "{target}: {}", reply.body);
    reply.json()
}

async fn call(portico: &Portico, api_id: &str, method: &str, path: &str, body: &str) -> Reply {
    let url = format!("http://127.0.0.1:{}{path}", portico.port);
    let host = format!("{api_id}.execute-api.localhost:{}", portico.port);
    request(method, &url, Some(&host), &[("content-type", "application/json")], body).await
}

fn text(value: &Value, member: &str) -> String {
    value[member]
        .as_str()
        .unwrap_or_else(|| panic!("{member} in {value}"))
        .to_owned()
}

/// An HTTP API with an auto-deployed `$default` stage.
fn http_api(portico: &Portico, name: &str) -> String {
    let api = ok(portico, &["create-api", "--name", name, "--protocol-type", "HTTP"]);
    let api_id = text(&api, "ApiId");
    ok(
        portico,
        &[
            "create-stage",
            "--api-id",
            &api_id,
            "--stage-name",
            "$default",
            "--auto-deploy",
        ],
    );
    api_id
}

/// A route to a new service integration of `subtype` with `parameters`.
fn service_route(portico: &Portico, api_id: &str, route_key: &str, subtype: &str, parameters: &Value) -> Value {
    let integration = ok(
        portico,
        &[
            "create-integration",
            "--api-id",
            api_id,
            "--integration-type",
            "AWS_PROXY",
            "--integration-subtype",
            subtype,
            "--payload-format-version",
            "1.0",
            "--credentials-arn",
            "arn:aws:iam::000000000000:role/apigw",
            "--request-parameters",
            &parameters.to_string(),
        ],
    );
    let target = format!("integrations/{}", text(&integration, "IntegrationId"));
    ok(
        portico,
        &[
            "create-route",
            "--api-id",
            api_id,
            "--route-key",
            route_key,
            "--target",
            &target,
        ],
    );
    integration
}

/// Waits for the auto-deployment to serve `path` with something other than 404.
async fn served(portico: &Portico, api_id: &str, method: &str, path: &str, body: &str) -> Reply {
    for _ in 0..50 {
        let reply = call(portico, api_id, method, path, body).await;
        if reply.status != 404 {
            return reply;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{method} {path} was never routed");
}

#[tokio::test]
async fn sqs_messages_sent_and_received_through_an_http_api() {
    if !moto_here() {
        return;
    }
    let (moto_guard, moto_port) = start_moto();
    let endpoint = format!("http://127.0.0.1:{moto_port}");
    let portico = Portico::start_with(&["--aws-endpoint", &endpoint]);
    let queue = moto(
        moto_port,
        "sqs",
        "AmazonSQS.CreateQueue",
        json!({"QueueName": "orders"}),
    )
    .await;
    let queue_url = text(&queue, "QueueUrl");

    let api_id = http_api(&portico, "orders");
    let integration = service_route(
        &portico,
        &api_id,
        "POST /orders",
        "SQS-SendMessage",
        &json!({
            "QueueUrl": queue_url,
            "MessageBody": "$request.body.message",
            "MessageAttributes": "{\"requestId\": {\"DataType\": \"String\", \"StringValue\": \"${context.requestId}\"}}",
        }),
    );
    assert_eq!(integration["IntegrationSubtype"], "SQS-SendMessage");
    assert_eq!(integration["IntegrationType"], "AWS_PROXY");
    service_route(
        &portico,
        &api_id,
        "GET /orders",
        "SQS-ReceiveMessage",
        &json!({
            "QueueUrl": queue_url,
            "MaxNumberOfMessages": "$request.querystring.max",
            "MessageAttributeNames": "All",
        }),
    );

    let sent = served(&portico, &api_id, "POST", "/orders", r#"{"message": "hello"}"#).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.header("apigw-requestid").is_some());
    let answer = sent.json();
    // md5("hello"): the service's own answer, passed back.
    assert_eq!(answer["MD5OfMessageBody"], "5d41402abc4b2a76b9719d911017c592");
    let message_id = text(&answer, "MessageId");

    // Read back at moto itself.
    let received = moto(
        moto_port,
        "sqs",
        "AmazonSQS.ReceiveMessage",
        json!({"QueueUrl": queue_url, "MessageAttributeNames": ["All"]}),
    )
    .await;
    let message = &received["Messages"][0];
    assert_eq!(message["Body"], "hello", "{received}");
    assert_eq!(message["MessageId"], message_id.as_str());
    assert_eq!(
        message["MessageAttributes"]["requestId"]["StringValue"],
        sent.header("apigw-requestid").unwrap()
    );
    moto(
        moto_port,
        "sqs",
        "AmazonSQS.DeleteMessage",
        json!({"QueueUrl": queue_url, "ReceiptHandle": message["ReceiptHandle"]}),
    )
    .await;

    // And through the API's ReceiveMessage route.
    let second = call(&portico, &api_id, "POST", "/orders", r#"{"message": "second"}"#).await;
    assert_eq!(second.status, 200, "{}", second.body);
    let got = call(&portico, &api_id, "GET", "/orders?max=1", "").await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert!(
        got.header("content-type").is_some_and(|c| c.contains("json")),
        "{:?}",
        got.headers
    );
    assert_eq!(got.json()["Messages"][0]["Body"], "second", "{}", got.body);
    drop(moto_guard);
}

#[tokio::test]
async fn eventbridge_events_are_put_and_delivered_by_moto() {
    if !moto_here() {
        return;
    }
    let (moto_guard, moto_port) = start_moto();
    let endpoint = format!("http://127.0.0.1:{moto_port}");
    let portico = Portico::start_with(&["--aws-endpoint", &endpoint]);
    // A rule at moto that hands the shop's events to a queue.
    let queue = moto(
        moto_port,
        "sqs",
        "AmazonSQS.CreateQueue",
        json!({"QueueName": "events"}),
    )
    .await;
    let queue_url = text(&queue, "QueueUrl");
    let attributes = moto(
        moto_port,
        "sqs",
        "AmazonSQS.GetQueueAttributes",
        json!({"QueueUrl": queue_url, "AttributeNames": ["QueueArn"]}),
    )
    .await;
    let queue_arn = text(&attributes["Attributes"], "QueueArn");
    moto(
        moto_port,
        "events",
        "AWSEvents.PutRule",
        json!({"Name": "shop", "EventPattern": "{\"source\": [\"shop\"]}"}),
    )
    .await;
    moto(
        moto_port,
        "events",
        "AWSEvents.PutTargets",
        json!({"Rule": "shop", "Targets": [{"Id": "q", "Arn": queue_arn}]}),
    )
    .await;

    let api_id = http_api(&portico, "events");
    service_route(
        &portico,
        &api_id,
        "POST /events/{kind}",
        "EventBridge-PutEvents",
        &json!({
            "Source": "shop",
            "DetailType": "$request.path.kind",
            "Detail": "$request.body",
        }),
    );
    let put = served(&portico, &api_id, "POST", "/events/order", r#"{"id": 7}"#).await;
    assert_eq!(put.status, 200, "{}", put.body);
    let answer = put.json();
    assert_eq!(answer["FailedEntryCount"], 0, "{answer}");
    assert!(answer["Entries"][0]["EventId"].is_string(), "{answer}");

    let received = moto(
        moto_port,
        "sqs",
        "AmazonSQS.ReceiveMessage",
        json!({"QueueUrl": queue_url}),
    )
    .await;
    let body = received["Messages"][0]["Body"]
        .as_str()
        .unwrap_or_else(|| panic!("{received}"));
    let event: Value = serde_json::from_str(body).unwrap();
    assert_eq!(event["source"], "shop");
    assert_eq!(event["detail-type"], "order");
    assert_eq!(event["detail"], json!({"id": 7}));
    drop(moto_guard);
}

#[tokio::test]
async fn step_functions_executions_started_and_stopped() {
    if !moto_here() {
        return;
    }
    let (moto_guard, moto_port) = start_moto();
    let endpoint = format!("http://127.0.0.1:{moto_port}");
    let portico = Portico::start_with(&["--aws-endpoint", &endpoint]);
    let machine = moto(
        moto_port,
        "states",
        "AWSStepFunctions.CreateStateMachine",
        json!({
            "name": "orders",
            "definition": r#"{"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 60, "End": true}}}"#,
            "roleArn": "arn:aws:iam::123456789012:role/sfn",
        }),
    )
    .await;
    let machine_arn = text(&machine, "stateMachineArn");

    let api_id = http_api(&portico, "runs");
    service_route(
        &portico,
        &api_id,
        "POST /runs",
        "StepFunctions-StartExecution",
        &json!({
            "StateMachineArn": machine_arn,
            "Name": "run-$request.header.x-run",
            "Input": "$request.body",
        }),
    );
    service_route(
        &portico,
        &api_id,
        "DELETE /runs",
        "StepFunctions-StopExecution",
        &json!({"ExecutionArn": "$request.querystring.arn", "Cause": "stopped through the API"}),
    );
    let url = format!("http://127.0.0.1:{}/runs", portico.port);
    let host = format!("{api_id}.execute-api.localhost:{}", portico.port);
    let mut started = None;
    for _ in 0..50 {
        let reply = request("POST", &url, Some(&host), &[("x-run", "7")], r#"{"n": 1}"#).await;
        if reply.status != 404 {
            started = Some(reply);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let started = started.expect("POST /runs routed");
    assert_eq!(started.status, 200, "{}", started.body);
    let execution_arn = text(&started.json(), "executionArn");
    assert!(execution_arn.ends_with(":orders:run-7"), "{execution_arn}");
    let described = moto(
        moto_port,
        "states",
        "AWSStepFunctions.DescribeExecution",
        json!({"executionArn": execution_arn}),
    )
    .await;
    assert_eq!(described["input"], r#"{"n": 1}"#, "{described}");

    let stop_path = format!("/runs?arn={}", urlencode(&execution_arn));
    let stopped = call(&portico, &api_id, "DELETE", &stop_path, "").await;
    assert_eq!(stopped.status, 200, "{}", stopped.body);
    assert!(stopped.json()["stopDate"].is_number(), "{}", stopped.body);
    let described = moto(
        moto_port,
        "states",
        "AWSStepFunctions.DescribeExecution",
        json!({"executionArn": execution_arn}),
    )
    .await;
    assert_eq!(described["status"], "ABORTED", "{described}");
    drop(moto_guard);
}

#[tokio::test]
async fn kinesis_records_are_put_as_sent() {
    if !moto_here() {
        return;
    }
    let (moto_guard, moto_port) = start_moto();
    let endpoint = format!("http://127.0.0.1:{moto_port}");
    let portico = Portico::start_with(&["--aws-endpoint", &endpoint]);
    moto(
        moto_port,
        "kinesis",
        "Kinesis_20131202.CreateStream",
        json!({"StreamName": "clicks", "ShardCount": 1}),
    )
    .await;
    let api_id = http_api(&portico, "clicks");
    service_route(
        &portico,
        &api_id,
        "POST /clicks/{user}",
        "Kinesis-PutRecord",
        &json!({"StreamName": "clicks", "Data": "$request.body", "PartitionKey": "$request.path.user"}),
    );
    let put = served(&portico, &api_id, "POST", "/clicks/u1", r#"{"page": "/home"}"#).await;
    assert_eq!(put.status, 200, "{}", put.body);
    let answer = put.json();
    assert_eq!(answer["ShardId"], "shardId-000000000000", "{answer}");
    let sequence = text(&answer, "SequenceNumber");

    let iterator = moto(
        moto_port,
        "kinesis",
        "Kinesis_20131202.GetShardIterator",
        json!({"StreamName": "clicks", "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"}),
    )
    .await;
    let records = moto(
        moto_port,
        "kinesis",
        "Kinesis_20131202.GetRecords",
        json!({"ShardIterator": iterator["ShardIterator"]}),
    )
    .await;
    let record = &records["Records"][0];
    assert_eq!(record["SequenceNumber"], sequence.as_str(), "{records}");
    assert_eq!(record["PartitionKey"], "u1");
    // The body as sent, base64 on the wire.
    assert_eq!(record["Data"], "eyJwYWdlIjogIi9ob21lIn0=");
    drop(moto_guard);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An integration AWS would refuse (a required parameter missing) and one with no endpoint
/// to send to both answer HTTP APIs' 500.
#[tokio::test]
async fn refused_or_unreachable_service_integrations_are_500s() {
    let portico = Portico::start();
    let api_id = http_api(&portico, "refused");
    service_route(
        &portico,
        &api_id,
        "POST /no-body",
        "SQS-SendMessage",
        &json!({"QueueUrl": "http://127.0.0.1:9/000000000000/q"}),
    );
    service_route(
        &portico,
        &api_id,
        "POST /purge",
        "SQS-PurgeQueue",
        &json!({"QueueUrl": "http://127.0.0.1:9/000000000000/q"}),
    );
    for path in ["/no-body", "/purge"] {
        let reply = served(&portico, &api_id, "POST", path, "{}").await;
        assert_eq!(
            (reply.status, reply.json()),
            (500, json!({"message": "Internal Server Error"})),
            "{path}"
        );
    }
}

//! Throttling: the stage's method settings (`*/*` and per method) and the account-level limit
//! as token buckets, 429 `Too Many Requests` through the THROTTLED gateway response, all on a
//! test clock that moves only when told (`--test-clock`), so counts are exact.

use crate::harness::Portico;
use crate::{deploy, mock_api, patch};
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{GatewayResponseType, Op};

/// How many of `n` calls of GET /dev/hello were served (the others must be 429s).
async fn served(portico: &Portico, api_id: &str, n: usize) -> usize {
    let mut ok = 0;
    for _ in 0..n {
        let reply = portico.invoke(api_id, "GET", "/dev/hello").await;
        match reply.status {
            200 => ok += 1,
            429 => {}
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    ok
}

async fn set(client: &Client, api_id: &str, settings: &[(&str, &str)]) {
    let mut update = client.update_stage().rest_api_id(api_id).stage_name("dev");
    for (path, value) in settings {
        update = update.patch_operations(patch(Op::Replace, path, Some(value)));
    }
    update.send().await.expect("update stage");
}

#[tokio::test]
async fn stage_and_method_settings_throttle_exactly() {
    let portico = Portico::start_with(&["--in-memory", "--test-clock"]);
    let client = portico.sdk();
    let api = mock_api(&client, "throttled", r#"{"ok": true}"#, Some("dev")).await;
    assert_eq!(
        served(&portico, &api.api_id, 20).await,
        20,
        "AWS's defaults never trip here"
    );

    set(
        &client,
        &api.api_id,
        &[("/*/*/throttling/burstLimit", "3"), ("/*/*/throttling/rateLimit", "2")],
    )
    .await;
    assert_eq!(served(&portico, &api.api_id, 5).await, 3, "the burst, then nothing");
    let reply = portico.invoke(&api.api_id, "GET", "/dev/hello").await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.header("x-amzn-ErrorType"), Some("TooManyRequestsException"));
    assert_eq!(reply.json(), serde_json::json!({"message": "Too Many Requests"}));

    portico.advance_clock(0.5).await;
    assert_eq!(served(&portico, &api.api_id, 3).await, 1, "2 rps for half a second");
    portico.advance_clock(60.0).await;
    assert_eq!(
        served(&portico, &api.api_id, 5).await,
        3,
        "refilled to the burst, no further"
    );

    // The method's own setting wins over the stage's.
    set(&client, &api.api_id, &[("/~1hello/GET/throttling/burstLimit", "1")]).await;
    portico.advance_clock(60.0).await;
    assert_eq!(served(&portico, &api.api_id, 4).await, 1);

    // THROTTLED customised.
    client
        .put_gateway_response()
        .rest_api_id(&api.api_id)
        .response_type(GatewayResponseType::Throttled)
        .status_code("503")
        .response_templates("application/json", r#"{"slowDown": "$context.error.message"}"#)
        .send()
        .await
        .expect("gateway response");
    deploy(&client, &api.api_id, "dev").await;
    let reply = portico.invoke(&api.api_id, "GET", "/dev/hello").await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(
        reply.json(),
        serde_json::json!({"slowDown": "Too Many Requests"}),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn the_account_limit_covers_every_api() {
    let portico = Portico::start_with(&[
        "--in-memory",
        "--test-clock",
        "--throttle-rate",
        "1",
        "--throttle-burst",
        "4",
    ]);
    let client = portico.sdk();
    let one = mock_api(&client, "one", "{}", Some("dev")).await;
    let two = mock_api(&client, "two", "{}", Some("dev")).await;
    assert_eq!(served(&portico, &one.api_id, 3).await, 3);
    assert_eq!(
        served(&portico, &two.api_id, 3).await,
        1,
        "the account's burst is shared"
    );
    portico.advance_clock(2.0).await;
    assert_eq!(served(&portico, &two.api_id, 3).await, 2);

    // Without --test-clock the clock is the real one and cannot be moved.
    let real = Portico::start();
    assert_eq!(
        real.call("POST", "/_portico/clock?advance=1", None, "").await.status,
        409
    );
    assert_eq!(real.call("POST", "/_portico/clock", None, "").await.status, 400);
}

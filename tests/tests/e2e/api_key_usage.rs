//! API keys on the data plane: `apiKeyRequired` methods refuse calls without an enabled key of
//! a usage plan covering the stage, and the plan's throttles apply per key (on the test clock).

use crate::harness::{Portico, request};
use crate::{mock_api, patch};
use aws_sdk_apigateway::types::{ApiStage, Op, ThrottleSettings};

#[tokio::test]
async fn keys_and_plan_throttles_decide() {
    let portico = Portico::start_with(&["--test-clock"]);
    let client = portico.sdk();
    let api = mock_api(&client, "keyed", r#"{"key": "$context.identity.apiKeyId"}"#, None).await;
    client
        .update_method()
        .rest_api_id(&api.api_id)
        .resource_id(&api.resource_id)
        .http_method("GET")
        .patch_operations(patch(Op::Replace, "/apiKeyRequired", Some("true")))
        .send()
        .await
        .expect("require a key");
    client
        .create_deployment()
        .rest_api_id(&api.api_id)
        .stage_name("dev")
        .send()
        .await
        .expect("deploy");
    let host = format!("{}.execute-api.localhost:{}", api.api_id, portico.port);
    let url = format!("{}/dev/hello", portico.endpoint);
    let call = |key: Option<&'static str>| {
        let (host, url) = (host.clone(), url.clone());
        async move {
            let headers: Vec<(&str, &str)> = key.map(|k| vec![("x-api-key", k)]).unwrap_or_default();
            request("GET", &url, Some(&host), &headers, "").await
        }
    };

    let reply = call(None).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(reply.header("x-amzn-ErrorType"), Some("ForbiddenException"));
    assert_eq!(reply.json(), serde_json::json!({"message": "Forbidden"}));

    const VALUE: &str = "a-key-value-of-twenty-chars-or-more";
    let key = client
        .create_api_key()
        .name("k1")
        .value(VALUE)
        .enabled(true)
        .send()
        .await
        .expect("key");
    let key_id = key.id().expect("id").to_string();
    assert_eq!(call(Some(VALUE)).await.status, 403, "a key outside every plan");

    let plan = client
        .create_usage_plan()
        .name("plan")
        .api_stages(ApiStage::builder().api_id(&api.api_id).stage("dev").build())
        .throttle(ThrottleSettings::builder().rate_limit(1.0).burst_limit(2).build())
        .send()
        .await
        .expect("plan");
    client
        .create_usage_plan_key()
        .usage_plan_id(plan.id().expect("id"))
        .key_id(&key_id)
        .key_type("API_KEY")
        .send()
        .await
        .expect("plan key");
    let reply = call(Some(VALUE)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["key"], key_id.as_str(), "$context.identity.apiKeyId");
    assert_eq!(call(Some("not-the-key-value-at-all")).await.status, 403);

    // The plan's burst of 2 (one spent above), then 1 per second.
    assert_eq!(call(Some(VALUE)).await.status, 200);
    let reply = call(Some(VALUE)).await;
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert_eq!(reply.json(), serde_json::json!({"message": "Too Many Requests"}));
    let advanced = portico.call("POST", "/_portico/clock?advance=1", None, "").await;
    assert_eq!(advanced.status, 200);
    assert_eq!(call(Some(VALUE)).await.status, 200);
    assert_eq!(call(Some(VALUE)).await.status, 429);

    // A disabled key no longer opens the method.
    client
        .update_api_key()
        .api_key(&key_id)
        .patch_operations(patch(Op::Replace, "/enabled", Some("false")))
        .send()
        .await
        .expect("disable");
    assert_eq!(call(Some(VALUE)).await.status, 403);
}

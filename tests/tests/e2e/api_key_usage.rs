//! API keys on the data plane: `apiKeyRequired` methods refuse calls without an enabled key of
//! a usage plan covering the stage, and the plan's throttles apply per key (on the test clock).

use crate::harness::{Portico, request, temp_dir};
use crate::{deploy, mock_api, patch};
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{ApiStage, Op, QuotaPeriodType, QuotaSettings, ThrottleSettings};

/// A MOCK GET /hello answering `body`, with `apiKeyRequired`, deployed to `dev`.
async fn keyed_api(client: &Client, name: &str, body: &str) -> crate::MockApi {
    let api = mock_api(client, name, body, None).await;
    client
        .update_method()
        .rest_api_id(&api.api_id)
        .resource_id(&api.resource_id)
        .http_method("GET")
        .patch_operations(patch(Op::Replace, "/apiKeyRequired", Some("true")))
        .send()
        .await
        .expect("require a key");
    deploy(client, &api.api_id, "dev").await;
    api
}

/// GET /dev/hello of `api_id`, with `key` as its `x-api-key` when given.
async fn get_hello(portico: &Portico, api_id: &str, key: Option<&str>) -> crate::harness::Reply {
    let host = format!("{api_id}.execute-api.localhost:{}", portico.port);
    let headers: Vec<(&str, &str)> = key.map(|k| vec![("x-api-key", k)]).unwrap_or_default();
    request(
        "GET",
        &format!("{}/dev/hello", portico.endpoint),
        Some(&host),
        &headers,
        "",
    )
    .await
}

/// A usage plan covering `api_id`'s `dev` stage with `throttle`, and `key_id` in it.
async fn plan_with_key(client: &Client, api_id: &str, key_id: &str, throttle: Option<ThrottleSettings>) {
    let plan = client
        .create_usage_plan()
        .name("plan")
        .api_stages(ApiStage::builder().api_id(api_id).stage("dev").build())
        .set_throttle(throttle)
        .send()
        .await
        .expect("plan");
    client
        .create_usage_plan_key()
        .usage_plan_id(plan.id().expect("id"))
        .key_id(key_id)
        .key_type("API_KEY")
        .send()
        .await
        .expect("plan key");
}

#[tokio::test]
async fn keys_and_plan_throttles_decide() {
    let portico = Portico::start_with(&["--test-clock"]);
    let client = portico.sdk();
    let api = keyed_api(&client, "keyed", r#"{"key": "$context.identity.apiKeyId"}"#).await;
    let call = |key: Option<&'static str>| get_hello(&portico, &api.api_id, key);

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

    let throttle = ThrottleSettings::builder().rate_limit(1.0).burst_limit(2).build();
    plan_with_key(&client, &api.api_id, &key_id, Some(throttle)).await;
    let reply = call(Some(VALUE)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["key"], key_id.as_str(), "$context.identity.apiKeyId");
    assert_eq!(call(Some("not-the-key-value-at-all")).await.status, 403);

    // The plan's burst of 2 (one spent above), then 1 per second.
    assert_eq!(call(Some(VALUE)).await.status, 200);
    let reply = call(Some(VALUE)).await;
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert_eq!(reply.json(), serde_json::json!({"message": "Too Many Requests"}));
    portico.advance_clock(1.0).await;
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

/// An `apiKeyRequired` GET /hello deployed to `dev`, a plan with a daily quota of `limit`
/// covering it, and an enabled key in the plan: (API id, plan id, key id).
async fn quota_setup(client: &Client, value: &str, limit: i32) -> (String, String, String) {
    let api = keyed_api(client, "quota", "{}").await;
    let key = client
        .create_api_key()
        .name("q")
        .value(value)
        .enabled(true)
        .send()
        .await
        .expect("key");
    let plan = client
        .create_usage_plan()
        .name("quota")
        .api_stages(ApiStage::builder().api_id(&api.api_id).stage("dev").build())
        .quota(
            QuotaSettings::builder()
                .limit(limit)
                .period(QuotaPeriodType::Day)
                .build(),
        )
        .send()
        .await
        .expect("plan");
    let (plan_id, key_id) = (plan.id().expect("id").to_string(), key.id().expect("id").to_string());
    client
        .create_usage_plan_key()
        .usage_plan_id(&plan_id)
        .key_id(&key_id)
        .key_type("API_KEY")
        .send()
        .await
        .expect("plan key");
    (api.api_id, plan_id, key_id)
}

/// GetUsage's (used, remaining) for today, once the counts written behind show `used`.
async fn usage_reaches(client: &Client, plan_id: &str, key_id: &str, used: i64) -> (i64, i64) {
    usage_on(client, plan_id, key_id, time::OffsetDateTime::now_utc().date(), used).await
}

/// GetUsage's (used, remaining) for `day`, once the counts written behind show `used`.
async fn usage_on(client: &Client, plan_id: &str, key_id: &str, day: time::Date, used: i64) -> (i64, i64) {
    let today = day.to_string();
    for _ in 0..100 {
        let usage = client
            .get_usage()
            .usage_plan_id(plan_id)
            .key_id(key_id)
            .start_date(&today)
            .end_date(&today)
            .send()
            .await
            .expect("usage");
        let day = usage
            .items()
            .and_then(|i| i.get(key_id))
            .and_then(|days| days.first().cloned());
        if let Some(day) = day
            && day.first() == Some(&used)
        {
            return (day[0], day[1]);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("usage never reached {used}");
}

#[tokio::test]
async fn quotas_are_counted_refused_restored_and_kept_across_a_crash() {
    const VALUE: &str = "quota-key-value-twenty-plus";
    let dir = temp_dir("quota");
    let portico = Portico::start_persistent(&dir);
    let client = portico.sdk();
    let (api_id, plan_id, key_id) = quota_setup(&client, VALUE, 3).await;
    let host = format!("{api_id}.execute-api.localhost:{}", portico.port);
    let call = |portico: &Portico, host: &str| {
        let url = format!("{}/dev/hello", portico.endpoint);
        let host = host.to_owned();
        async move { request("GET", &url, Some(&host), &[("x-api-key", VALUE)], "").await }
    };
    for _ in 0..3 {
        assert_eq!(call(&portico, &host).await.status, 200);
    }
    let refused = call(&portico, &host).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.header("x-amzn-ErrorType"), Some("LimitExceededException"));
    assert_eq!(refused.json(), serde_json::json!({"message": "Limit Exceeded"}));
    assert_eq!(usage_reaches(&client, &plan_id, &key_id, 3).await, (3, 0));

    // UpdateUsage gives two more.
    client
        .update_usage()
        .usage_plan_id(&plan_id)
        .key_id(&key_id)
        .patch_operations(patch(Op::Replace, &format!("/keys/{key_id}/remaining"), Some("2")))
        .send()
        .await
        .expect("update usage");
    assert_eq!(call(&portico, &host).await.status, 200);
    assert_eq!(call(&portico, &host).await.status, 200);
    assert_eq!(call(&portico, &host).await.status, 429);
    let (used, remaining) = usage_reaches(&client, &plan_id, &key_id, 5).await;
    assert_eq!((used, remaining), (5, 0));

    // A crash keeps what was written: the quota is still spent after the restart.
    portico.kill();
    let portico = Portico::start_persistent(&dir);
    let host = format!("{api_id}.execute-api.localhost:{}", portico.port);
    assert_eq!(call(&portico, &host).await.status, 429);
    assert_eq!(usage_reaches(&portico.sdk(), &plan_id, &key_id, 5).await, (5, 0));
}

#[tokio::test]
async fn a_daily_quota_starts_again_the_next_day_of_the_test_clock() {
    const VALUE: &str = "daily-key-value-twenty-plus";
    let portico = Portico::start_with(&["--in-memory", "--test-clock"]);
    let client = portico.sdk();
    let (api_id, plan_id, key_id) = quota_setup(&client, VALUE, 2).await;
    let host = format!("{api_id}.execute-api.localhost:{}", portico.port);
    let url = format!("{}/dev/hello", portico.endpoint);
    let call = || request("GET", &url, Some(&host), &[("x-api-key", VALUE)], "");
    let statuses = |n| async move {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(call().await.status);
        }
        out
    };
    assert_eq!(statuses(3).await, [200, 200, 429]);
    let today = time::OffsetDateTime::now_utc().date();
    assert_eq!(usage_on(&client, &plan_id, &key_id, today, 2).await, (2, 0));

    // A day later on the test clock, the quota is whole again and counted on the new day.
    portico.advance_clock(86_400.0).await;
    assert_eq!(statuses(3).await, [200, 200, 429]);
    let tomorrow = today.next_day().expect("a date");
    assert_eq!(usage_on(&client, &plan_id, &key_id, tomorrow, 2).await, (2, 0));
}

/// AWS's order: the client's throttles (its usage plan) before the stage's, and the key
/// checked before either; a call refused early spends no later bucket's token.
#[tokio::test]
async fn the_plan_throttles_before_the_stage() {
    const VALUE: &str = "order-key-value-twenty-plus";
    let portico = Portico::start_with(&["--in-memory", "--test-clock"]);
    let client = portico.sdk();
    let api = keyed_api(&client, "order", "{}").await;
    let key = client
        .create_api_key()
        .name("o")
        .value(VALUE)
        .enabled(true)
        .send()
        .await
        .expect("key");
    let throttle = ThrottleSettings::builder().rate_limit(1.0).burst_limit(1).build();
    plan_with_key(&client, &api.api_id, key.id().expect("id"), Some(throttle)).await;
    // The stage: a burst of 2 that barely refills.
    client
        .update_stage()
        .rest_api_id(&api.api_id)
        .stage_name("dev")
        .patch_operations(patch(Op::Replace, "/*/*/throttling/burstLimit", Some("2")))
        .patch_operations(patch(Op::Replace, "/*/*/throttling/rateLimit", Some("0.01")))
        .send()
        .await
        .expect("stage throttle");
    let call = |key: Option<&'static str>| get_hello(&portico, &api.api_id, key);
    assert_eq!(
        call(Some(VALUE)).await.status,
        200,
        "a token from the plan and the stage"
    );
    let refused = call(Some(VALUE)).await;
    assert_eq!(refused.status, 429, "the plan's bucket is empty");
    assert_eq!(refused.json(), serde_json::json!({"message": "Too Many Requests"}));
    assert_eq!(call(None).await.status, 403, "no key: refused before any throttle");
    // The plan refills in a second; the stage still holds the token the refusals did not take.
    portico.advance_clock(1.0).await;
    assert_eq!(call(Some(VALUE)).await.status, 200);
    portico.advance_clock(1.0).await;
    assert_eq!(call(Some(VALUE)).await.status, 429, "now the stage's bucket is empty");
}

/// A TOKEN authorizer that hands the token on as the API key.
const KEY_AUTHORIZER: &str = r#"
def handler(event, context):
    token = event["authorizationToken"]
    return {
        "principalId": "caller",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}]},
        "usageIdentifierKey": token,
    }
"#;

#[tokio::test]
async fn an_authorizer_supplies_the_key_when_the_api_says_so() {
    if !crate::lambda::runtimes_here() {
        return;
    }
    const VALUE: &str = "authorizer-key-value-twenty-plus";
    let portico = Portico::start();
    let client = portico.sdk();
    let arn = crate::lambda::create_function(
        &portico,
        "key-authorizer",
        "python3.12",
        "auth.handler",
        &[("auth.py", KEY_AUTHORIZER)],
        3,
    );
    let api = mock_api(
        &client,
        "authorizer-keyed",
        r#"{"key": "$context.identity.apiKeyId"}"#,
        None,
    )
    .await;
    let authorizer = client
        .create_authorizer()
        .rest_api_id(&api.api_id)
        .name("keys")
        .r#type(aws_sdk_apigateway::types::AuthorizerType::Token)
        .authorizer_uri(format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
        ))
        .identity_source("method.request.header.Authorization")
        .authorizer_result_ttl_in_seconds(0)
        .send()
        .await
        .expect("authorizer");
    client
        .update_method()
        .rest_api_id(&api.api_id)
        .resource_id(&api.resource_id)
        .http_method("GET")
        .patch_operations(patch(Op::Replace, "/authorizationType", Some("CUSTOM")))
        .patch_operations(patch(Op::Replace, "/authorizerId", authorizer.id()))
        .patch_operations(patch(Op::Replace, "/apiKeyRequired", Some("true")))
        .send()
        .await
        .expect("method");
    client
        .update_rest_api()
        .rest_api_id(&api.api_id)
        .patch_operations(patch(Op::Replace, "/apiKeySource", Some("AUTHORIZER")))
        .send()
        .await
        .expect("apiKeySource");
    deploy(&client, &api.api_id, "dev").await;
    let key = client
        .create_api_key()
        .name("k")
        .value(VALUE)
        .enabled(true)
        .send()
        .await
        .expect("key");
    plan_with_key(&client, &api.api_id, key.id().expect("id"), None).await;

    let url = format!("{}/dev/hello", portico.endpoint);
    let host = format!("{}.execute-api.localhost:{}", api.api_id, portico.port);
    let call = |headers: Vec<(&'static str, &'static str)>| {
        let (url, host) = (url.clone(), host.clone());
        async move { request("GET", &url, Some(&host), &headers, "").await }
    };
    let reply = call(vec![("Authorization", VALUE)]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["key"], key.id().unwrap());
    // The authorizer's key is the only one: x-api-key does not count.
    let reply = call(vec![("Authorization", "not-a-key-of-any-plan"), ("x-api-key", VALUE)]).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(reply.json(), serde_json::json!({"message": "Forbidden"}));
}

//! The stage cache: a backend that counts its calls shows hits, misses by cache key, expiry
//! on the test clock, `Cache-Control: max-age=0` under each authorization setting, and
//! FlushStageCache.

use crate::harness::{Portico, counting_backend, request};
use crate::{deploy, patch};
use aws_sdk_apigateway::types::{IntegrationType, Op};
use std::sync::atomic::Ordering;

#[tokio::test]
async fn answers_come_from_the_cache_until_they_expire_or_are_flushed() {
    let portico = Portico::start_with(&["--in-memory", "--test-clock"]);
    let client = portico.sdk();
    let (port, calls) = counting_backend().await;
    let api = client.create_rest_api().name("cached").send().await.expect("api");
    let api_id = api.id().expect("id").to_string();
    let items = client
        .create_resource()
        .rest_api_id(&api_id)
        .parent_id(api.root_resource_id().expect("root"))
        .path_part("items")
        .send()
        .await
        .expect("resource");
    let resource_id = items.id().expect("id");
    client
        .put_method()
        .rest_api_id(&api_id)
        .resource_id(resource_id)
        .http_method("GET")
        .authorization_type("NONE")
        .request_parameters("method.request.querystring.q", false)
        .send()
        .await
        .expect("method");
    client
        .put_integration()
        .rest_api_id(&api_id)
        .resource_id(resource_id)
        .http_method("GET")
        .r#type(IntegrationType::HttpProxy)
        .integration_http_method("GET")
        .uri(format!("http://127.0.0.1:{port}/items"))
        .cache_key_parameters("method.request.querystring.q")
        .send()
        .await
        .expect("integration");
    deploy(&client, &api_id, "dev").await;
    let stage = client
        .update_stage()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .patch_operations(patch(Op::Replace, "/cacheClusterEnabled", Some("true")))
        .patch_operations(patch(Op::Replace, "/cacheClusterSize", Some("0.5")))
        .patch_operations(patch(Op::Replace, "/*/*/caching/enabled", Some("true")))
        .patch_operations(patch(Op::Replace, "/*/*/caching/ttlInSeconds", Some("60")))
        .send()
        .await
        .expect("enable caching");
    assert_eq!(stage.cache_cluster_status().map(|s| s.as_str()), Some("AVAILABLE"));

    let host = format!("{api_id}.execute-api.localhost:{}", portico.port);
    let get = |query: &'static str, headers: Vec<(&'static str, &'static str)>| {
        let url = format!("{}/dev/items{query}", portico.endpoint);
        let host = host.clone();
        async move {
            let reply = request("GET", &url, Some(&host), &headers, "").await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            reply.json()["call"].as_u64().expect("a call number")
        }
    };

    assert_eq!(get("?q=a", vec![]).await, 1);
    assert_eq!(get("?q=a", vec![]).await, 1, "a hit");
    assert_eq!(get("?q=a&other=z", vec![]).await, 1, "`other` is not in the key");
    assert_eq!(get("?q=b", vec![]).await, 2, "another key");
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // Expired after the TTL.
    portico.advance_clock(61.0).await;
    assert_eq!(get("?q=a", vec![]).await, 3);

    // max-age=0 from an anonymous caller: by default (authorization required,
    // SUCCEED_WITH_RESPONSE_HEADER) the cached answer still serves.
    let refresh = vec![("cache-control", "max-age=0")];
    assert_eq!(get("?q=a", refresh.clone()).await, 3);
    set(
        &client,
        &api_id,
        "/*/*/caching/requireAuthorizationForCacheControl",
        "false",
    )
    .await;
    assert_eq!(get("?q=a", refresh.clone()).await, 4, "refreshed");
    assert_eq!(get("?q=a", vec![]).await, 4, "and kept");
    set(
        &client,
        &api_id,
        "/*/*/caching/requireAuthorizationForCacheControl",
        "true",
    )
    .await;
    set(
        &client,
        &api_id,
        "/*/*/caching/unauthorizedCacheControlHeaderStrategy",
        "FAIL_WITH_403",
    )
    .await;
    let url = format!("{}/dev/items?q=a", portico.endpoint);
    let refused = request("GET", &url, Some(&host), &refresh, "").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refused.header("x-amzn-ErrorType"), Some("AccessDeniedException"));

    // FlushStageCache empties the stage's entries.
    client
        .flush_stage_cache()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .expect("flush");
    assert_eq!(get("?q=a", vec![]).await, 5);
    let missing = client
        .flush_stage_cache()
        .rest_api_id(&api_id)
        .stage_name("nope")
        .send()
        .await
        .expect_err("no such stage");
    assert_eq!(missing.raw_response().map(|r| r.status().as_u16()), Some(404));
}

async fn set(client: &aws_sdk_apigateway::Client, api_id: &str, path: &str, value: &str) {
    client
        .update_stage()
        .rest_api_id(api_id)
        .stage_name("dev")
        .patch_operations(patch(Op::Replace, path, Some(value)))
        .send()
        .await
        .expect("update stage");
}

/// Portico's request log says whether the cache answered, and so does the execution log.
#[tokio::test]
async fn the_logs_say_hit_or_miss() {
    let (portico, log) = Portico::start_logging("warn,portico::request=info,portico::execution=info");
    let client = portico.sdk();
    let api = crate::mock_api(&client, "cache-logged", r#"{"hello": "cache"}"#, Some("dev")).await;
    client
        .update_stage()
        .rest_api_id(&api.api_id)
        .stage_name("dev")
        .patch_operations(patch(Op::Replace, "/cacheClusterEnabled", Some("true")))
        .patch_operations(patch(Op::Replace, "/*/*/caching/enabled", Some("true")))
        .patch_operations(patch(Op::Replace, "/*/*/logging/loglevel", Some("INFO")))
        .send()
        .await
        .expect("enable caching and logging");
    // The request's lines, once both its request log line and its last execution line are in.
    let lines_of = |id: String| {
        let log = log.clone();
        async move {
            for _ in 0..50 {
                let text: Vec<String> = log
                    .lock()
                    .unwrap()
                    .lines()
                    .filter(|l| l.contains(&id))
                    .map(str::to_owned)
                    .collect();
                let has = |what: &str| text.iter().any(|l| l.contains(what));
                if has("portico::request") && has("Method completed with status") {
                    return text.join("\n");
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("no complete lines for {id}:\n{}", log.lock().unwrap());
        }
    };
    for expected in ["miss", "hit"] {
        let reply = portico.invoke(&api.api_id, "GET", "/dev/hello").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.json(), serde_json::json!({"hello": "cache"}));
        let id = reply.header("x-amzn-RequestId").expect("an id").to_string();
        let text = lines_of(id).await;
        let request_line = text
            .lines()
            .find(|l| l.contains("portico::request"))
            .unwrap_or_else(|| panic!("no request line:\n{text}"));
        assert!(
            request_line.contains(&format!("cache=\"{expected}\"")),
            "{request_line}"
        );
        let trace = format!("Stage cache {expected}");
        assert!(
            text.lines()
                .any(|l| l.contains("portico::execution") && l.contains(&trace)),
            "{text}"
        );
    }
}

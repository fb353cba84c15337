//! Deployments and stages: snapshots, variables, method settings, rollback.

use crate::harness::Portico;
use crate::patch;
use aws_sdk_apigateway::types::Op;

#[tokio::test]
async fn deployments_are_snapshots_and_stages_roll_back() {
    let portico = Portico::start();
    let client = portico.sdk();

    let empty = client.create_rest_api().name("empty").send().await.unwrap();
    let err = client
        .create_deployment()
        .rest_api_id(empty.id().unwrap())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_bad_request_exception());
    assert_eq!(err.meta().message(), Some("The REST API doesn't contain any methods"));

    let api = crate::mock_api(&client, "snap", r#"{"version": 1}"#, None).await;
    let id = api.api_id.as_str();
    let first = client
        .create_deployment()
        .rest_api_id(id)
        .description("v1")
        .send()
        .await
        .unwrap();
    let first_id = first.id().unwrap().to_string();
    assert_eq!(first.description(), Some("v1"));
    assert!(first.created_date().is_some());

    let stage = client
        .create_stage()
        .rest_api_id(id)
        .stage_name("prod")
        .deployment_id(&first_id)
        .description("production")
        .variables("color", "blue")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.stage_name(), Some("prod"));
    assert!(!stage.cache_cluster_enabled());
    assert_eq!(stage.cache_cluster_status().map(|s| s.as_str()), Some("NOT_AVAILABLE"));
    assert!(!stage.tracing_enabled());
    assert!(stage.method_settings().unwrap().is_empty());
    assert_eq!(stage.variables().unwrap()["color"], "blue");
    let err = client
        .create_stage()
        .rest_api_id(id)
        .stage_name("prod")
        .deployment_id(&first_id)
        .send()
        .await;
    let err = err.unwrap_err().into_service_error();
    assert!(err.is_conflict_exception());
    assert_eq!(err.meta().message(), Some("Stage already exists"));
    assert_eq!(portico.invoke(id, "GET", "/prod/hello").await.body, r#"{"version": 1}"#);

    // An edit reaches the stage only once deployed.
    client
        .put_integration_response()
        .rest_api_id(id)
        .resource_id(&api.resource_id)
        .http_method("GET")
        .status_code("200")
        .response_templates("application/json", r#"{"version": 2}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(portico.invoke(id, "GET", "/prod/hello").await.body, r#"{"version": 1}"#);
    let second = client
        .create_deployment()
        .rest_api_id(id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(portico.invoke(id, "GET", "/prod/hello").await.body, r#"{"version": 2}"#);
    let deployments = client.get_deployments().rest_api_id(id).send().await.unwrap();
    assert_eq!(deployments.items().len(), 2);

    // Rolling back is pointing the stage at the old deployment.
    let rolled = client
        .update_stage()
        .rest_api_id(id)
        .stage_name("prod")
        .patch_operations(patch(Op::Replace, "/deploymentId", Some(&first_id)))
        .send()
        .await
        .unwrap();
    assert_eq!(rolled.deployment_id(), Some(first_id.as_str()));
    assert_eq!(portico.invoke(id, "GET", "/prod/hello").await.body, r#"{"version": 1}"#);

    let err = client
        .delete_deployment()
        .rest_api_id(id)
        .deployment_id(&first_id)
        .send()
        .await
        .unwrap_err();
    let err = err.into_service_error();
    assert!(err.is_bad_request_exception());
    assert_eq!(
        err.meta().message(),
        Some("Active stages pointing to this deployment must be moved or deleted")
    );
    client
        .delete_deployment()
        .rest_api_id(id)
        .deployment_id(second.id().unwrap())
        .send()
        .await
        .unwrap();
    let err = client
        .get_deployment()
        .rest_api_id(id)
        .deployment_id(second.id().unwrap())
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_not_found_exception());

    let updated = client
        .update_deployment()
        .rest_api_id(id)
        .deployment_id(&first_id)
        .patch_operations(patch(Op::Replace, "/description", Some("first")))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.description(), Some("first"));

    client
        .delete_stage()
        .rest_api_id(id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    let err = client
        .get_stage()
        .rest_api_id(id)
        .stage_name("prod")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_not_found_exception());
    assert_eq!(err.meta().message(), Some("Invalid Stage identifier specified"));
    assert_eq!(portico.invoke(id, "GET", "/prod/hello").await.status, 403);
    client
        .delete_deployment()
        .rest_api_id(id)
        .deployment_id(&first_id)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn stage_patches_and_method_settings() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = crate::mock_api(&client, "settings", "{}", Some("dev")).await;
    let id = api.api_id.as_str();

    let stages = client.get_stages().rest_api_id(id).send().await.unwrap();
    assert_eq!(stages.item().len(), 1);

    let stage = client
        .update_stage()
        .rest_api_id(id)
        .stage_name("dev")
        .patch_operations(patch(Op::Replace, "/description", Some("development")))
        .patch_operations(patch(Op::Replace, "/variables/backend", Some("local")))
        .patch_operations(patch(Op::Replace, "/tracingEnabled", Some("true")))
        .patch_operations(patch(Op::Replace, "/*/*/throttling/rateLimit", Some("100")))
        .patch_operations(patch(Op::Replace, "/*/*/logging/loglevel", Some("INFO")))
        .patch_operations(patch(Op::Replace, "/~1hello/GET/caching/enabled", Some("true")))
        .send()
        .await
        .unwrap();
    assert_eq!(stage.description(), Some("development"));
    assert_eq!(stage.variables().unwrap()["backend"], "local");
    assert!(stage.tracing_enabled());
    let all = &stage.method_settings().unwrap()["*/*"];
    assert_eq!(all.throttling_rate_limit(), 100.0);
    assert_eq!(all.throttling_burst_limit(), 5000);
    assert_eq!(all.logging_level(), Some("INFO"));
    assert_eq!(all.cache_ttl_in_seconds(), 300);
    assert!(all.require_authorization_for_cache_control());
    assert_eq!(
        all.unauthorized_cache_control_header_strategy().map(|s| s.as_str()),
        Some("SUCCEED_WITH_RESPONSE_HEADER")
    );
    let hello = &stage.method_settings().unwrap()["~1hello/GET"];
    assert!(hello.caching_enabled());
    assert_eq!(hello.throttling_rate_limit(), 100.0, "a new entry starts from */*");

    let stage = client
        .update_stage()
        .rest_api_id(id)
        .stage_name("dev")
        .patch_operations(patch(Op::Remove, "/variables/backend", None))
        .patch_operations(patch(Op::Remove, "/*/*", None))
        .send()
        .await
        .unwrap();
    assert!(stage.variables().is_none_or(|v| v.is_empty()));
    assert_eq!(stage.method_settings().unwrap().len(), 1);

    let err = client
        .update_stage()
        .rest_api_id(id)
        .stage_name("dev")
        .patch_operations(patch(Op::Replace, "/documentation_version", Some("1")))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_bad_request_exception());
    assert!(err.meta().message().unwrap().starts_with(
        "Invalid method setting path: /documentation_version. Must be one of: [/deploymentId, /description,"
    ));
    let err = client
        .update_stage()
        .rest_api_id(id)
        .stage_name("dev")
        .patch_operations(patch(Op::Remove, "/*/*", None))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        err.meta().message(),
        Some("Cannot remove method setting */* because there is no method setting for this method ")
    );
}

/// The metrics API Gateway sends CloudWatch, read at `/_portico/metrics`: every stage's, and a
/// method's own once `metricsEnabled` is set for it.
#[tokio::test]
async fn metrics_count_per_stage_and_per_method_when_enabled() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = crate::mock_api(&client, "measured", r#"{"ok": true}"#, Some("dev")).await;
    let metrics = || async {
        let reply = portico.call("GET", "/_portico/metrics", None, "").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let all = reply.json()["metrics"].as_array().cloned().unwrap_or_default();
        all.into_iter()
            .filter(|m| m["apiId"] == api.api_id.as_str())
            .collect::<Vec<_>>()
    };
    for _ in 0..2 {
        assert_eq!(portico.invoke(&api.api_id, "GET", "/dev/hello").await.status, 200);
    }
    assert_eq!(portico.invoke(&api.api_id, "GET", "/dev/nowhere").await.status, 403);
    let found = metrics().await;
    assert_eq!(found.len(), 1, "only the stage's, without metricsEnabled: {found:?}");
    assert_eq!(
        found[0]["dimensions"],
        serde_json::json!({"ApiName": "measured", "Stage": "dev"})
    );
    assert_eq!(found[0]["namespace"], "AWS/ApiGateway");
    let values = &found[0]["values"];
    assert_eq!(
        (values["Count"].as_u64(), values["4XXError"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(values["5XXError"], 0);
    assert!(values["Latency"]["Sum"].as_f64().is_some(), "{values}");

    client
        .update_stage()
        .rest_api_id(&api.api_id)
        .stage_name("dev")
        .patch_operations(patch(Op::Replace, "/*/*/metrics/enabled", Some("true")))
        .send()
        .await
        .expect("enable metrics");
    assert_eq!(portico.invoke(&api.api_id, "GET", "/dev/hello").await.status, 200);
    let found = metrics().await;
    assert_eq!(found.len(), 2, "{found:?}");
    let method = found
        .iter()
        .find(|m| m["dimensions"].get("Method").is_some())
        .expect("the method's own");
    assert_eq!(
        method["dimensions"],
        serde_json::json!({"ApiName": "measured", "Stage": "dev", "Resource": "/hello", "Method": "GET"})
    );
    assert_eq!(method["values"]["Count"], 1);
    let stage = found.iter().find(|m| m["dimensions"].get("Method").is_none()).unwrap();
    assert_eq!(
        stage["values"]["Count"], 4,
        "the stage's counters outlive its recompiling"
    );
}

//! State as a user sees it through the API: deletes leave nothing behind, quotas can be
//! raised, pages stay put while the list changes, and concurrent writes never fail.

use crate::harness::{Portico, temp_dir};
use aws_sdk_apigateway::types::IntegrationType;

#[tokio::test]
async fn deleting_an_api_leaves_no_row_of_it() {
    let portico = Portico::start();
    let client = portico.sdk();
    let keeper = crate::mock_api(&client, "keeper", "{}", None).await;
    let doomed = crate::mock_api(&client, "doomed", "{}", Some("dev")).await;
    let id = doomed.api_id.as_str();
    // A deeper tree, a second deployment and a second stage.
    let mut parent = doomed.resource_id.clone();
    for part in ["a", "b", "{c}"] {
        let resource = client
            .create_resource()
            .rest_api_id(id)
            .parent_id(&parent)
            .path_part(part)
            .send()
            .await
            .unwrap();
        parent = resource.id().unwrap().to_string();
        crate::put_mock_method(&client, id, &parent, "GET", "{}").await;
    }
    client
        .create_deployment()
        .rest_api_id(id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    let counts = portico.call("GET", "/_portico/health", None, "").await.json()["counts"].clone();
    assert_eq!(counts["resource"], 2 + 5, "{counts}");
    assert_eq!(
        (counts["deployment"].as_i64(), counts["stage"].as_i64()),
        (Some(2), Some(2))
    );

    client.delete_rest_api().rest_api_id(id).send().await.unwrap();
    let counts = portico.call("GET", "/_portico/health", None, "").await.json()["counts"].clone();
    assert_eq!(
        counts,
        serde_json::json!({ "restapi": 1, "resource": 2, "model": 2 }),
        "only the keeper's root, /hello and default models are left"
    );
    let resources = client.get_resources().rest_api_id(&keeper.api_id).send().await.unwrap();
    assert_eq!(resources.items().len(), 2);
    let gone = client.get_resources().rest_api_id(id).send().await.unwrap_err();
    assert!(gone.into_service_error().is_not_found_exception());
}

#[tokio::test]
async fn deleting_a_resource_takes_its_subtree() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = crate::mock_api(&client, "tree", "{}", None).await;
    let mut parent = api.resource_id.clone();
    for part in ["x", "y", "z"] {
        parent = client
            .create_resource()
            .rest_api_id(&api.api_id)
            .parent_id(&parent)
            .path_part(part)
            .send()
            .await
            .unwrap()
            .id()
            .unwrap()
            .to_string();
    }
    client
        .delete_resource()
        .rest_api_id(&api.api_id)
        .resource_id(&api.resource_id)
        .send()
        .await
        .unwrap();
    let left = client.get_resources().rest_api_id(&api.api_id).send().await.unwrap();
    let paths: Vec<&str> = left.items().iter().filter_map(|r| r.path()).collect();
    assert_eq!(paths, ["/"]);
    let counts = portico.call("GET", "/_portico/health", None, "").await.json()["counts"].clone();
    assert_eq!(counts["resource"], 1);
}

#[tokio::test]
async fn pages_stay_put_while_the_list_changes() {
    let portico = Portico::start();
    let client = portico.sdk();
    let mut ids = Vec::new();
    for i in 0..5 {
        let api = client.create_rest_api().name(format!("api{i}")).send().await.unwrap();
        ids.push(api.id().unwrap().to_string());
    }
    let first = client.get_rest_apis().limit(2).send().await.unwrap();
    let names: Vec<&str> = first.items().iter().filter_map(|a| a.name()).collect();
    assert_eq!(names, ["api0", "api1"]);
    let position = first.position().unwrap().to_string();
    // The API the position points at goes; the next page still starts after api1.
    client.delete_rest_api().rest_api_id(&ids[2]).send().await.unwrap();
    let second = client
        .get_rest_apis()
        .limit(2)
        .position(&position)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = second.items().iter().filter_map(|a| a.name()).collect();
    assert_eq!(names, ["api3", "api4"]);
    assert_eq!(second.position(), None);
    let err = client.get_rest_apis().position("garbage").send().await.unwrap_err();
    assert!(err.into_service_error().is_bad_request_exception());
}

#[tokio::test]
async fn quotas_keep_aws_defaults_and_can_be_raised() {
    // By flag.
    let portico = Portico::start_with(&["--in-memory", "--quota", "resources-per-api=3"]);
    let client = portico.sdk();
    let api = client.create_rest_api().name("q").send().await.unwrap();
    let (id, root) = (api.id().unwrap(), api.root_resource_id().unwrap());
    for part in ["a", "b"] {
        client
            .create_resource()
            .rest_api_id(id)
            .parent_id(root)
            .path_part(part)
            .send()
            .await
            .unwrap();
    }
    let err = client
        .create_resource()
        .rest_api_id(id)
        .parent_id(root)
        .path_part("c")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_limit_exceeded_exception());

    // By environment: one stage per API.
    let portico = Portico::start_with_env(&["--in-memory"], &[("PORTICO_QUOTA_STAGES_PER_API", "1")]);
    let client = portico.sdk();
    let api = crate::mock_api(&client, "stages", "{}", Some("one")).await;
    let err = client
        .create_deployment()
        .rest_api_id(&api.api_id)
        .stage_name("two")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_limit_exceeded_exception());
    // Redeploying to the existing stage is no new stage.
    client
        .create_deployment()
        .rest_api_id(&api.api_id)
        .stage_name("one")
        .send()
        .await
        .unwrap();

    // AWS's default: 120 edge-optimized APIs per Region.
    let portico = Portico::start_with(&["--in-memory", "--quota", "edge-apis-per-region=2"]);
    let client = portico.sdk();
    client.create_rest_api().name("e1").send().await.unwrap();
    client.create_rest_api().name("e2").send().await.unwrap();
    let err = client.create_rest_api().name("e3").send().await.unwrap_err();
    assert!(err.into_service_error().is_limit_exceeded_exception());

    // An unknown quota is refused at start-up, naming the known ones.
    let output = std::process::Command::new(crate::harness::BIN)
        .args(["--in-memory", "--port", "0", "--quota", "apples=3"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown quota \"apples\"") && stderr.contains("resources-per-api"),
        "{stderr}"
    );
}

/// Writes that fail (404s) beside writes that succeed, on a file-backed store with several
/// connections: no request may get a 5xx ("database is locked").
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failing_and_succeeding_writes_side_by_side_never_fail() {
    let dir = temp_dir("concurrent-writes");
    let portico = Portico::start_persistent(&dir);
    let client = portico.sdk();
    let api = crate::mock_api(&client, "busy", "{}", None).await;
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let client = client.clone();
        let api_id = api.api_id.clone();
        let resource_id = api.resource_id.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..60 {
                if worker % 2 == 0 {
                    let err = client
                        .delete_rest_api()
                        .rest_api_id(format!("nope{worker}x{i}"))
                        .send()
                        .await
                        .unwrap_err();
                    let status = err.raw_response().map(|r| r.status().as_u16());
                    assert_eq!(status, Some(404), "{err:?}");
                } else {
                    client
                        .put_integration()
                        .rest_api_id(&api_id)
                        .resource_id(&resource_id)
                        .http_method("GET")
                        .r#type(IntegrationType::Mock)
                        .request_templates("application/json", format!(r#"{{"statusCode": 200, "n": {i}}}"#))
                        .send()
                        .await
                        .unwrap();
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

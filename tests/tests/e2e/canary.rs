//! Canary releases: canarySettings on CreateStage, CreateDeployment and UpdateStage (with AWS's
//! recorded answers, test_apigateway_canary.snapshot.json), the live traffic split, promotion
//! by `copy` and removal.

use crate::harness::Portico;
use crate::patch;
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{CanarySettings, DeploymentCanarySettings, Op, PatchOperation};

const TEMPLATE: &str = r#"{"release": "RELEASE", "var": "$stageVariables.testVar", "other": "$stageVariables.other", "canary": "$context.isCanaryRequest", "deployment": "$context.deploymentId"}"#;

/// An API whose `GET /hello` answers which release served it; returns (api id, resource id).
async fn api(client: &Client, name: &str) -> (String, String) {
    let api = crate::mock_api(client, name, &TEMPLATE.replace("RELEASE", "one"), None).await;
    (api.api_id, api.resource_id)
}

/// Makes the next deployment answer `release`.
async fn set_release(client: &Client, api_id: &str, resource_id: &str, release: &str) {
    client
        .update_integration_response()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method("GET")
        .status_code("200")
        .patch_operations(patch(
            Op::Replace,
            "/responseTemplates/application~1json",
            Some(&TEMPLATE.replace("RELEASE", release)),
        ))
        .send()
        .await
        .unwrap();
}

fn copy(from: &str, path: &str) -> PatchOperation {
    PatchOperation::builder().op(Op::Copy).from(from).path(path).build()
}

async fn update_err(client: &Client, api_id: &str, ops: Vec<PatchOperation>) -> String {
    let err = client
        .update_stage()
        .rest_api_id(api_id)
        .stage_name("dev")
        .set_patch_operations(Some(ops))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_bad_request_exception(), "{err:?}");
    err.meta().message().unwrap().to_string()
}

#[tokio::test]
async fn canary_settings_on_stages_and_deployments() {
    let portico = Portico::start();
    let client = portico.sdk();
    let (id, _) = api(&client, "canary-crud").await;

    // CreateDeployment: a canary needs a stage name, and a stage that exists.
    let canary = DeploymentCanarySettings::builder()
        .percent_traffic(50.0)
        .stage_variable_overrides("testVar", "canary")
        .build();
    let no_stage = client
        .create_deployment()
        .rest_api_id(&id)
        .canary_settings(canary.clone())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        no_stage.meta().message(),
        Some(
            "Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is null"
        )
    );
    let missing = client
        .create_deployment()
        .rest_api_id(&id)
        .stage_name("non-existing")
        .canary_settings(canary.clone())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        missing.meta().message(),
        Some(
            "Invalid deployment content specified.Stage non-existing must already be created before making a canary release deployment"
        )
    );

    let first = client.create_deployment().rest_api_id(&id).send().await.unwrap();
    let first = first.id().unwrap().to_string();
    let stage = client
        .create_stage()
        .rest_api_id(&id)
        .stage_name("dev")
        .deployment_id(&first)
        .variables("testVar", "default")
        .canary_settings(
            CanarySettings::builder()
                .percent_traffic(40.0)
                .stage_variable_overrides("testVar", "canary1")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let settings = stage.canary_settings().unwrap();
    assert_eq!(
        settings.deployment_id(),
        Some(first.as_str()),
        "the stage's own deployment"
    );
    assert_eq!(settings.percent_traffic(), 40.0);
    assert!(!settings.use_stage_cache());
    let bad = client
        .create_stage()
        .rest_api_id(&id)
        .stage_name("dev3")
        .deployment_id(&first)
        .canary_settings(CanarySettings::builder().deployment_id("deploy").build())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(bad.meta().message(), Some("Deployment id does not exist"));

    // A canary deployment replaces the canary; the stage keeps its deployment.
    let second = client
        .create_deployment()
        .rest_api_id(&id)
        .stage_name("dev")
        .canary_settings(
            DeploymentCanarySettings::builder()
                .percent_traffic(50.0)
                .stage_variable_overrides("testVar", "canary2")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let second = second.id().unwrap().to_string();
    let stage = client
        .get_stage()
        .rest_api_id(&id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.deployment_id(), Some(first.as_str()));
    let settings = stage.canary_settings().unwrap();
    assert_eq!(settings.deployment_id(), Some(second.as_str()));
    assert_eq!(settings.percent_traffic(), 50.0);
    assert_eq!(settings.stage_variable_overrides().unwrap()["testVar"], "canary2");
    let in_use = client
        .delete_deployment()
        .rest_api_id(&id)
        .deployment_id(&second)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(in_use.is_bad_request_exception());

    // UpdateStage: AWS's validation of canary paths.
    let help = "Must be one of: [/deploymentId, /description, ";
    let msg = update_err(
        &client,
        &id,
        vec![patch(Op::Remove, "/canarySettings/stageVariableOverrides", None)],
    )
    .await;
    assert_eq!(
        msg,
        "Cannot remove method setting canarySettings/stageVariableOverrides because there is no method setting for this method "
    );
    let msg = update_err(&client, &id, vec![patch(Op::Replace, "/canarySettings", Some("test"))]).await;
    assert!(
        msg.starts_with(&format!("Invalid method setting path: /canarySettings. {help}")),
        "{msg}"
    );
    let msg = update_err(
        &client,
        &id,
        vec![patch(Op::Replace, "/canarySettings/badPath", Some("x"))],
    )
    .await;
    assert!(
        msg.starts_with("Invalid method setting path: /canarySettings/badPath."),
        "{msg}"
    );
    let msg = update_err(
        &client,
        &id,
        vec![patch(Op::Add, "/canarySettings/deploymentId", Some(&first))],
    )
    .await;
    assert_eq!(msg, "Invalid add operation with path: /canarySettings/deploymentId");
    let msg = update_err(
        &client,
        &id,
        vec![patch(Op::Replace, "/canarySettings/deploymentId", Some("deploy"))],
    )
    .await;
    assert_eq!(msg, "Deployment id does not exist");
    let msg = update_err(
        &client,
        &id,
        vec![copy("/variables", "/canarySettings/stageVariableOverrides")],
    )
    .await;
    assert_eq!(
        msg,
        "Invalid copy operation with path: /canarySettings/stageVariableOverrides and from /variables. Valid copy:path are [/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]"
    );

    // Overrides as Terraform changes them, one key at a time; then the canary goes.
    let stage = client
        .update_stage()
        .rest_api_id(&id)
        .stage_name("dev")
        .patch_operations(patch(
            Op::Replace,
            "/canarySettings/stageVariableOverrides/other",
            Some("o"),
        ))
        .patch_operations(patch(
            Op::Remove,
            "/canarySettings/stageVariableOverrides/testVar",
            None,
        ))
        .patch_operations(patch(Op::Replace, "/canarySettings/percentTraffic", Some("33.330000")))
        .patch_operations(patch(Op::Replace, "/canarySettings/useStageCache", Some("true")))
        .send()
        .await
        .unwrap();
    let settings = stage.canary_settings().unwrap();
    assert_eq!(settings.percent_traffic(), 33.33);
    assert!(settings.use_stage_cache());
    let overrides = settings.stage_variable_overrides().unwrap();
    assert_eq!((overrides.len(), overrides["other"].as_str()), (1, "o"));
    let stage = client
        .update_stage()
        .rest_api_id(&id)
        .stage_name("dev")
        .patch_operations(patch(Op::Remove, "/canarySettings", None))
        .send()
        .await
        .unwrap();
    assert!(stage.canary_settings().is_none());
    let msg = update_err(
        &client,
        &id,
        vec![
            copy("/canarySettings/stageVariableOverrides", "/variables"),
            copy("/canarySettings/deploymentId", "/deploymentId"),
        ],
    )
    .await;
    assert_eq!(msg, "Promotion not available. Canary does not exist.");

    // Replacing one part creates a canary on the stage's deployment with no traffic.
    let stage = client
        .update_stage()
        .rest_api_id(&id)
        .stage_name("dev")
        .patch_operations(patch(Op::Replace, "/canarySettings/deploymentId", Some(&second)))
        .send()
        .await
        .unwrap();
    let settings = stage.canary_settings().unwrap();
    assert_eq!(
        (settings.deployment_id(), settings.percent_traffic()),
        (Some(second.as_str()), 0.0)
    );
    assert!(settings.stage_variable_overrides().is_none());
}

/// How many of `n` calls the canary answered; every answer is one release or the other.
async fn canary_share(portico: &Portico, id: &str, n: usize) -> usize {
    let mut canary = 0;
    for _ in 0..n {
        let reply = portico.invoke(id, "GET", "/dev/hello").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let body = reply.json();
        match body["release"].as_str() {
            Some("two") => {
                assert_eq!(body["canary"], "true");
                assert_eq!(body["var"], "canary");
                canary += 1;
            }
            Some("one") => {
                assert_eq!(body["canary"], "false");
                assert_eq!(body["var"], "default");
            }
            other => panic!("unexpected release {other:?}"),
        }
        assert_eq!(body["other"], "kept", "variables without an override stay the stage's");
    }
    canary
}

#[tokio::test]
async fn canary_splits_live_traffic_then_is_promoted() {
    let portico = Portico::start();
    let client = portico.sdk();
    let (id, resource) = api(&client, "canary-traffic").await;
    client
        .create_deployment()
        .rest_api_id(&id)
        .stage_name("dev")
        .variables("testVar", "default")
        .variables("other", "kept")
        .send()
        .await
        .unwrap();
    let plain = portico.invoke(&id, "GET", "/dev/hello").await.json();
    assert_eq!(plain["release"], "one");
    assert_eq!(plain["canary"], "", "no canary: $context.isCanaryRequest is null");

    set_release(&client, &id, &resource, "two").await;
    let canary = client
        .create_deployment()
        .rest_api_id(&id)
        .stage_name("dev")
        .canary_settings(
            DeploymentCanarySettings::builder()
                .percent_traffic(0.0)
                .stage_variable_overrides("testVar", "canary")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let canary_id = canary.id().unwrap().to_string();
    assert_eq!(
        canary_share(&portico, &id, 50).await,
        0,
        "0%: the stage's deployment only"
    );

    let percent = |value: &str| {
        client
            .update_stage()
            .rest_api_id(&id)
            .stage_name("dev")
            .patch_operations(patch(Op::Replace, "/canarySettings/percentTraffic", Some(value)))
            .send()
    };
    percent("100.0").await.unwrap();
    assert_eq!(canary_share(&portico, &id, 50).await, 50, "100%: the canary only");

    // 1,000 calls at 25%: the share is binomial (sd 13.7), so 150..350 fails once in 10^12.
    percent("25").await.unwrap();
    let share = canary_share(&portico, &id, 1000).await;
    assert!(
        (150..350).contains(&share),
        "25% of 1,000 calls went to the canary: {share}"
    );

    // Promotion: the canary's deployment and overrides become the stage's; then it goes.
    let stage = client
        .update_stage()
        .rest_api_id(&id)
        .stage_name("dev")
        .patch_operations(patch(Op::Replace, "/canarySettings/percentTraffic", Some("0.0")))
        .patch_operations(copy("/canarySettings/deploymentId", "/deploymentId"))
        .patch_operations(copy("/canarySettings/stageVariableOverrides", "/variables"))
        .send()
        .await
        .unwrap();
    assert_eq!(stage.deployment_id(), Some(canary_id.as_str()));
    let variables = stage.variables().unwrap();
    assert_eq!(
        (variables["testVar"].as_str(), variables["other"].as_str()),
        ("canary", "kept")
    );
    client
        .update_stage()
        .rest_api_id(&id)
        .stage_name("dev")
        .patch_operations(patch(Op::Remove, "/canarySettings", None))
        .send()
        .await
        .unwrap();
    let promoted = portico.invoke(&id, "GET", "/dev/hello").await.json();
    assert_eq!(promoted["release"], "two");
    assert_eq!(promoted["var"], "canary");
    assert_eq!(promoted["deployment"], canary_id.as_str());
    assert_eq!(promoted["canary"], "");
}

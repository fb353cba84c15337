//! One test binary for every end-to-end area: each test spawns its own portico.

mod harness;

mod access_associations;
mod accounts;
mod api_key_usage;
mod api_keys;
mod authorizers;
mod canary;
mod control_errors;
mod custom_domains;
mod dataplane;
mod errors;
mod execution_logs;
mod frontdoor;
mod function_sources;
mod http_api_aws;
mod http_api_sdk;
mod http_api_serving;
mod http_apis;
mod http_openapi;
mod identity;
mod lambda;
mod mapping;
mod models;
mod openapi;
mod persistence;
mod policies;
mod response_cache;
mod rest_api;
mod rest_misc;
mod scripts;
mod sdk;
mod service;
mod stages;
mod state;
mod throttling;
mod vpc_links;
mod websocket;
mod websocket_control;

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{Op, PatchOperation};

/// One AWS patch operation.
pub fn patch(op: Op, path: &str, value: Option<&str>) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .set_value(value.map(str::to_string))
        .build()
}

/// CreateDeployment of `api_id` to `stage`.
pub async fn deploy(client: &Client, api_id: &str, stage: &str) {
    client
        .create_deployment()
        .rest_api_id(api_id)
        .stage_name(stage)
        .send()
        .await
        .expect("deploy");
}

/// An API with `GET /hello` answered by a MOCK integration with `body`, deployed to `stage`.
pub struct MockApi {
    pub api_id: String,
    pub root_id: String,
    pub resource_id: String,
}

pub async fn mock_api(client: &Client, name: &str, body: &str, stage: Option<&str>) -> MockApi {
    let api = client.create_rest_api().name(name).send().await.expect("create api");
    let api_id = api.id().expect("id").to_string();
    let root_id = api.root_resource_id().expect("root").to_string();
    let resource = client
        .create_resource()
        .rest_api_id(&api_id)
        .parent_id(&root_id)
        .path_part("hello")
        .send()
        .await
        .expect("resource");
    let resource_id = resource.id().expect("id").to_string();
    put_mock_method(client, &api_id, &resource_id, "GET", body).await;
    if let Some(stage) = stage {
        client
            .create_deployment()
            .rest_api_id(&api_id)
            .stage_name(stage)
            .send()
            .await
            .expect("deploy");
    }
    MockApi {
        api_id,
        root_id,
        resource_id,
    }
}

pub async fn put_mock_method(client: &Client, api_id: &str, resource_id: &str, verb: &str, body: &str) {
    client
        .put_method()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method(verb)
        .authorization_type("NONE")
        .send()
        .await
        .expect("put method");
    client
        .put_method_response()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method(verb)
        .status_code("200")
        .send()
        .await
        .expect("method response");
    client
        .put_integration()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method(verb)
        .r#type(aws_sdk_apigateway::types::IntegrationType::Mock)
        .request_templates("application/json", r#"{"statusCode": 200}"#)
        .send()
        .await
        .expect("integration");
    client
        .put_integration_response()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method(verb)
        .status_code("200")
        .response_templates("application/json", body)
        .send()
        .await
        .expect("integration response");
}

//! Requests to a custom domain name (its Host) reach the API and stage its base path mappings
//! name, as `curl http://api.example.localhost:4566/...` does.

use crate::harness::Portico;
use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType};

#[tokio::test]
async fn custom_domains_route_by_base_path() {
    let portico = Portico::start();
    let client = portico.sdk();
    let shop = crate::mock_api(&client, "shop", r#"{"api": "shop", "stage": "$context.stage", "domain": "$context.domainName", "path": "$context.resourcePath"}"#, Some("prod")).await;
    let orders = crate::mock_api(
        &client,
        "orders",
        r#"{"api": "orders", "stage": "$context.stage"}"#,
        Some("dev"),
    )
    .await;
    client
        .create_domain_name()
        .domain_name("api.example.localhost")
        .regional_certificate_arn("arn:aws:acm:us-east-1:000000000000:certificate/abc")
        .endpoint_configuration(EndpointConfiguration::builder().types(EndpointType::Regional).build())
        .send()
        .await
        .unwrap();
    let host = format!("API.example.localhost:{}", portico.port);
    let get = |path: &'static str| {
        let host = host.clone();
        let portico = &portico;
        async move { portico.call("GET", path, Some(&host), "").await }
    };

    // A domain without mappings answers 403, as AWS does; nothing reaches the control plane.
    let reply = get("/restapis").await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(reply.json()["message"], "Forbidden");

    client
        .create_base_path_mapping()
        .domain_name("api.example.localhost")
        .rest_api_id(&shop.api_id)
        .stage("prod")
        .send()
        .await
        .unwrap();
    client
        .create_base_path_mapping()
        .domain_name("api.example.localhost")
        .base_path("v1")
        .rest_api_id(&orders.api_id)
        .send()
        .await
        .unwrap();

    let reply = get("/hello").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    assert_eq!(
        (body["api"].as_str(), body["stage"].as_str()),
        (Some("shop"), Some("prod"))
    );
    assert_eq!(body["domain"], "API.example.localhost");
    assert_eq!(body["path"], "/hello");
    // A mapping without a stage takes it from the next segment.
    let reply = get("/v1/dev/hello").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["api"], "orders");
    let reply = get("/v1/nope/hello").await;
    assert_eq!(reply.status, 403, "no such stage: {}", reply.body);
    // `/v10` is no `v1` path: the root mapping takes it, and the shop has no such resource.
    let reply = get("/v10/hello").await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(reply.json()["message"], "Missing Authentication Token");

    // With its default endpoint disabled (and redeployed, as REST APIs need), the API answers
    // through the domain only.
    client
        .update_rest_api()
        .rest_api_id(&orders.api_id)
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op(aws_sdk_apigateway::types::Op::Replace)
                .path("/disableExecuteApiEndpoint")
                .value("true")
                .build(),
        )
        .send()
        .await
        .unwrap();
    client
        .create_deployment()
        .rest_api_id(&orders.api_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    let direct = portico.invoke(&orders.api_id, "GET", "/dev/hello").await;
    assert_eq!(direct.status, 403, "{}", direct.body);
    assert_eq!(direct.json()["message"], "Forbidden");
    assert_eq!(get("/v1/dev/hello").await.status, 200);

    // Mappings follow the control plane at once.
    client
        .delete_base_path_mapping()
        .domain_name("api.example.localhost")
        .base_path("(none)")
        .send()
        .await
        .unwrap();
    assert_eq!(get("/hello").await.status, 403);
    assert_eq!(get("/v1/dev/hello").await.status, 200);
    client
        .delete_base_path_mapping()
        .domain_name("api.example.localhost")
        .base_path("v1")
        .send()
        .await
        .unwrap();
    client
        .delete_domain_name()
        .domain_name("api.example.localhost")
        .send()
        .await
        .unwrap();
    // Once the domain is gone its Host is nobody's: the request is the control plane's again.
    let reply = get("/restapis").await;
    assert_ne!(reply.status, 403, "{}", reply.body);
}

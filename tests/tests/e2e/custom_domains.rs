//! Requests to a custom domain name (its Host) reach the API and stage its base path mappings
//! name, as `curl http://api.example.localhost:4566/...` does.

use crate::harness::{Portico, request};
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

/// A private custom domain name answers requests that come through a VPC endpoint associated
/// with it (the endpoint a request names in `x-amzn-vpce-id`), and its policy applies.
#[tokio::test]
async fn private_domains_answer_through_their_associated_endpoints() {
    use aws_sdk_apigateway::types::AccessAssociationSourceType;
    let portico = Portico::start();
    let client = portico.sdk();
    let api = crate::mock_api(&client, "inside", r#"{"api": "inside"}"#, Some("dev")).await;
    let policy = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
        {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*",
         "Condition":{"StringEquals":{"aws:SourceVpce":"vpce-denied"}}}]}"#;
    let name = "private.example.localhost";
    let domain = client
        .create_domain_name()
        .domain_name(name)
        .certificate_arn("arn:aws:acm:us-east-1:000000000000:certificate/abc")
        .endpoint_configuration(EndpointConfiguration::builder().types(EndpointType::Private).build())
        .policy(policy)
        .send()
        .await
        .expect("private domain");
    let id = domain.domain_name_id().expect("id").to_string();
    let domain_arn = domain.domain_name_arn().expect("arn").to_string();
    client
        .create_base_path_mapping()
        .domain_name(name)
        .domain_name_id(&id)
        .rest_api_id(&api.api_id)
        .stage("dev")
        .base_path("v1")
        .send()
        .await
        .expect("mapping");
    let host = format!("{name}:{}", portico.port);
    let url = format!("{}/v1/hello", portico.endpoint);
    let get = |endpoint: Option<&'static str>| {
        let (host, url) = (host.clone(), url.clone());
        async move {
            let headers: Vec<(&str, &str)> = endpoint.map(|e| vec![("x-amzn-vpce-id", e)]).unwrap_or_default();
            request("GET", &url, Some(&host), &headers, "").await
        }
    };

    // No endpoint is associated with the domain yet: nothing reaches it.
    assert_eq!(get(None).await.status, 403);
    assert_eq!(get(Some("vpce-0abc")).await.status, 403);

    for endpoint in ["vpce-0abc", "vpce-denied"] {
        client
            .create_domain_name_access_association()
            .domain_name_arn(&domain_arn)
            .access_association_source_type(AccessAssociationSourceType::Vpce)
            .access_association_source(endpoint)
            .send()
            .await
            .expect("association");
    }
    let reply = get(Some("vpce-0abc")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json(), serde_json::json!({"api": "inside"}));
    // The only private domain of the name that any endpoint reaches.
    assert_eq!(get(None).await.status, 200);
    let reply = get(Some("vpce-elsewhere")).await;
    assert_eq!(reply.status, 403, "an endpoint not associated: {}", reply.body);

    // The domain's policy denies one endpoint.
    let reply = get(Some("vpce-denied")).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    let message = reply.json()["Message"].as_str().unwrap_or_default().to_string();
    assert!(
        message.contains(&format!(":/domainnames/{name}+{id} with an explicit deny")),
        "{}",
        reply.body
    );
}

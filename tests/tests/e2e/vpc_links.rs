//! Private integrations: `connectionType: VPC_LINK` requests go to the local URL configured for
//! the link's load balancer (`--vpc-link-target`), with the integration URI's path and Host.

use crate::harness::{Portico, echo_backend};
use aws_sdk_apigateway::types::{ConnectionType, IntegrationType};

const NLB: &str = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/orders/50dc6c495c0c9188";

#[tokio::test]
async fn vpc_link_integrations_reach_the_configured_target() {
    let backend = echo_backend().await;
    let portico = Portico::start_with(&["--vpc-link-target", &format!("{NLB}=http://127.0.0.1:{backend}")]);
    let client = portico.sdk();
    let link = client
        .create_vpc_link()
        .name("orders")
        .target_arns(NLB)
        .send()
        .await
        .unwrap();
    let link_id = link.id().unwrap().to_string();
    let unconfigured = client
        .create_vpc_link()
        .name("elsewhere")
        .target_arns("arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/other/1")
        .send()
        .await
        .unwrap();

    let api = client.create_rest_api().name("private").send().await.unwrap();
    let api_id = api.id().unwrap().to_string();
    let proxy = client
        .create_resource()
        .rest_api_id(&api_id)
        .parent_id(api.root_resource_id().unwrap())
        .path_part("{proxy+}")
        .send()
        .await
        .unwrap();
    let proxy_id = proxy.id().unwrap();
    client
        .put_method()
        .rest_api_id(&api_id)
        .resource_id(proxy_id)
        .http_method("ANY")
        .authorization_type("NONE")
        .request_parameters("method.request.path.proxy", true)
        .send()
        .await
        .unwrap();
    client
        .put_integration()
        .rest_api_id(&api_id)
        .resource_id(proxy_id)
        .http_method("ANY")
        .r#type(IntegrationType::HttpProxy)
        .integration_http_method("ANY")
        .uri("http://orders.internal.example.com/v1/{proxy}")
        .request_parameters("integration.request.path.proxy", "method.request.path.proxy")
        .connection_type(ConnectionType::VpcLink)
        // The link per stage, as most private integrations name it.
        .connection_id("${stageVariables.link}")
        .send()
        .await
        .unwrap();
    for (stage, link) in [
        ("dev", link_id.as_str()),
        ("nolink", "nosuchlink"),
        ("plain", unconfigured.id().unwrap()),
    ] {
        client
            .create_deployment()
            .rest_api_id(&api_id)
            .stage_name(stage)
            .variables("link", link)
            .send()
            .await
            .unwrap();
    }

    let reply = portico.invoke(&api_id, "POST", "/dev/orders/7?full=1").await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let seen = reply.json();
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["uri"], "/v1/orders/7?full=1");
    assert_eq!(
        seen["host"], "orders.internal.example.com",
        "the integration URI's host"
    );

    // A link that does not exist is a configuration error: 500, as AWS answers it.
    let reply = portico.invoke(&api_id, "GET", "/nolink/orders/7").await;
    assert_eq!(reply.status, 500, "{}", reply.body);
    assert_eq!(reply.json()["message"], "Internal server error");
    // A link without a configured target sends to the URI itself, which resolves nowhere here.
    let reply = portico.invoke(&api_id, "GET", "/plain/orders/7").await;
    assert!(reply.status >= 500, "{} {}", reply.status, reply.body);
}

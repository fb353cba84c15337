//! The apigatewayv2 control plane through the AWS SDK for Rust: every resource's lifecycle
//! (create, get, list with pages, update, delete) and the errors AWS answers. nextest runs each
//! test in its own process, so each test starts one Portico and walks several resources.

use crate::harness::Portico;
use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::types::{
    AuthorizerType, DomainNameConfiguration, EndpointType, IntegrationType, JwtConfiguration, ProtocolType,
    SecurityPolicy,
};

/// The status, error code and message of a failed call.
macro_rules! failure {
    ($call:expr) => {{
        let err = $call.send().await.unwrap_err();
        let status = err.raw_response().map(|r| r.status().as_u16());
        let err = err.into_service_error();
        (
            status,
            err.meta().code().unwrap_or_default().to_string(),
            err.meta().message().unwrap_or_default().to_string(),
        )
    }};
}

async fn http_api(client: &Client, name: &str) -> String {
    client
        .create_api()
        .name(name)
        .protocol_type(ProtocolType::Http)
        .send()
        .await
        .expect("create api")
        .api_id()
        .expect("apiId")
        .to_string()
}

async fn websocket_api(client: &Client, name: &str) -> String {
    client
        .create_api()
        .name(name)
        .protocol_type(ProtocolType::Websocket)
        .route_selection_expression("$request.body.action")
        .send()
        .await
        .expect("create websocket api")
        .api_id()
        .expect("apiId")
        .to_string()
}

async fn proxy_integration(client: &Client, api_id: &str) -> String {
    client
        .create_integration()
        .api_id(api_id)
        .integration_type(IntegrationType::HttpProxy)
        .integration_method("ANY")
        .integration_uri("http://backend.example.com/{proxy}")
        .send()
        .await
        .expect("integration")
        .integration_id()
        .expect("id")
        .to_string()
}

#[tokio::test]
async fn apis_lifecycle_pages_and_quick_create() {
    let portico = Portico::start();
    let client = portico.sdk_v2();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(http_api(&client, &format!("api-{i}")).await);
    }
    // Two per page: 2, 2, 1.
    let mut seen = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = client
            .get_apis()
            .max_results("2")
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.items().len() <= 2);
        seen.extend(page.items().iter().map(|a| a.api_id().unwrap().to_string()));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);
    let (status, code, _) = failure!(client.get_apis().max_results("0"));
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));

    let api = client.get_api().api_id(&ids[0]).send().await.unwrap();
    assert_eq!(api.name(), Some("api-0"));
    assert_eq!(api.protocol_type(), Some(&ProtocolType::Http));
    assert_eq!(api.route_selection_expression(), Some("$request.method $request.path"));
    assert!(api.created_date().is_some());

    let updated = client
        .update_api()
        .api_id(&ids[0])
        .name("renamed")
        .description("the first")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.name(), Some("renamed"));
    assert_eq!(updated.description(), Some("the first"));

    client.delete_api().api_id(&ids[0]).send().await.unwrap();
    let (status, code, message) = failure!(client.get_api().api_id(&ids[0]));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
    assert!(message.contains(&ids[0]), "{message}");
    let (status, code, _) = failure!(client.delete_api().api_id(&ids[0]));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));

    // Quick create: a route, an integration and an autoDeploy `$default` stage.
    let quick = client
        .create_api()
        .name("quick")
        .protocol_type(ProtocolType::Http)
        .target("http://backend.example.com")
        .send()
        .await
        .unwrap();
    let quick_id = quick.api_id().unwrap();
    let routes = client.get_routes().api_id(quick_id).send().await.unwrap();
    assert_eq!(routes.items().len(), 1);
    assert_eq!(routes.items()[0].route_key(), Some("$default"));
    let integrations = client.get_integrations().api_id(quick_id).send().await.unwrap();
    assert_eq!(integrations.items().len(), 1);
    assert_eq!(
        integrations.items()[0].integration_type(),
        Some(&IntegrationType::HttpProxy)
    );
    let stage = client
        .get_stage()
        .api_id(quick_id)
        .stage_name("$default")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.auto_deploy(), Some(true));
    assert!(stage.deployment_id().is_some());

    // Quick create is for HTTP APIs; a WebSocket API needs a route selection expression.
    let (status, code, _) = failure!(
        client
            .create_api()
            .name("ws")
            .protocol_type(ProtocolType::Websocket)
            .route_selection_expression("$request.body.action")
            .target("http://backend.example.com")
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
    let (status, code, _) = failure!(client.create_api().name("ws").protocol_type(ProtocolType::Websocket));
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
}

#[tokio::test]
async fn routes_and_integrations_lifecycle() {
    let portico = Portico::start();
    let client = portico.sdk_v2();
    let api_id = http_api(&client, "items").await;
    let integration_id = proxy_integration(&client, &api_id).await;
    let integration = client
        .get_integration()
        .api_id(&api_id)
        .integration_id(&integration_id)
        .send()
        .await
        .unwrap();
    assert_eq!(integration.payload_format_version(), Some("1.0"));
    assert_eq!(integration.timeout_in_millis(), Some(30000));
    let updated = client
        .update_integration()
        .api_id(&api_id)
        .integration_id(&integration_id)
        .timeout_in_millis(5000)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.timeout_in_millis(), Some(5000));
    let (status, code, _) = failure!(
        client
            .create_integration()
            .api_id(&api_id)
            .integration_type(IntegrationType::Mock)
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));

    let target = format!("integrations/{integration_id}");
    let mut route_ids = Vec::new();
    for key in ["GET /items", "POST /items", "GET /items/{id}"] {
        let route = client
            .create_route()
            .api_id(&api_id)
            .route_key(key)
            .target(&target)
            .send()
            .await
            .unwrap();
        assert_eq!(route.route_key(), Some(key));
        route_ids.push(route.route_id().unwrap().to_string());
    }
    let (status, code, _) = failure!(client.create_route().api_id(&api_id).route_key("GET /items"));
    assert_eq!((status, code.as_str()), (Some(409), "ConflictException"));
    let (status, code, _) = failure!(client.create_route().api_id(&api_id).route_key("FETCH /items"));
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
    let (status, code, _) = failure!(
        client
            .create_route()
            .api_id(&api_id)
            .route_key("GET /other")
            .target("integrations/nope")
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));

    let first = client
        .get_routes()
        .api_id(&api_id)
        .max_results("2")
        .send()
        .await
        .unwrap();
    assert_eq!(first.items().len(), 2);
    let rest = client
        .get_routes()
        .api_id(&api_id)
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.items().len(), 1);
    assert_eq!(rest.next_token(), None);

    let route = client
        .update_route()
        .api_id(&api_id)
        .route_id(&route_ids[0])
        .route_key("GET /things")
        .send()
        .await
        .unwrap();
    assert_eq!(route.route_key(), Some("GET /things"));
    let (status, code, _) = failure!(
        client
            .update_route()
            .api_id(&api_id)
            .route_id(&route_ids[1])
            .route_key("GET /things")
    );
    assert_eq!((status, code.as_str()), (Some(409), "ConflictException"));

    // An integration routes still target is not deleted.
    let (status, code, _) = failure!(
        client
            .delete_integration()
            .api_id(&api_id)
            .integration_id(&integration_id)
    );
    assert_eq!((status, code.as_str()), (Some(409), "ConflictException"));
    for id in &route_ids {
        client.delete_route().api_id(&api_id).route_id(id).send().await.unwrap();
    }
    let (status, code, message) = failure!(client.get_route().api_id(&api_id).route_id(&route_ids[0]));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
    assert!(message.contains(&route_ids[0]), "{message}");
    client
        .delete_integration()
        .api_id(&api_id)
        .integration_id(&integration_id)
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(client.get_integration().api_id(&api_id).integration_id(&integration_id));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
    let (status, code, _) = failure!(client.get_routes().api_id("nope"));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
}

#[tokio::test]
async fn stages_and_deployments_lifecycle() {
    let portico = Portico::start();
    let client = portico.sdk_v2();
    let api_id = http_api(&client, "staged").await;
    let integration_id = proxy_integration(&client, &api_id).await;
    client
        .create_route()
        .api_id(&api_id)
        .route_key("$default")
        .target(format!("integrations/{integration_id}"))
        .send()
        .await
        .unwrap();

    let deployment = client
        .create_deployment()
        .api_id(&api_id)
        .description("first")
        .send()
        .await
        .unwrap();
    let deployment_id = deployment.deployment_id().unwrap().to_string();
    assert_eq!(deployment.description(), Some("first"));
    let stage = client
        .create_stage()
        .api_id(&api_id)
        .stage_name("dev")
        .deployment_id(&deployment_id)
        .stage_variables("color", "blue")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.deployment_id(), Some(deployment_id.as_str()));
    assert_eq!(stage.stage_variables().unwrap()["color"], "blue");
    let (status, code, _) = failure!(client.create_stage().api_id(&api_id).stage_name("dev"));
    assert_eq!((status, code.as_str()), (Some(409), "ConflictException"));
    let (status, code, _) = failure!(
        client
            .create_stage()
            .api_id(&api_id)
            .stage_name("beta")
            .deployment_id("nope")
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
    client
        .create_stage()
        .api_id(&api_id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    let stages = client
        .get_stages()
        .api_id(&api_id)
        .max_results("1")
        .send()
        .await
        .unwrap();
    assert_eq!(stages.items().len(), 1);
    assert!(stages.next_token().is_some());

    // A deployment to a stage moves it.
    let second = client
        .create_deployment()
        .api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    let second_id = second.deployment_id().unwrap().to_string();
    let dev = client
        .get_stage()
        .api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(dev.deployment_id(), Some(second_id.as_str()));
    let (status, code, _) = failure!(client.create_deployment().api_id(&api_id).stage_name("nope"));
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));

    let deployments = client.get_deployments().api_id(&api_id).send().await.unwrap();
    assert_eq!(deployments.items().len(), 2);
    let updated = client
        .update_deployment()
        .api_id(&api_id)
        .deployment_id(&deployment_id)
        .description("renamed")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.description(), Some("renamed"));
    // A deployment a stage serves is not deleted.
    let (status, code, _) = failure!(client.delete_deployment().api_id(&api_id).deployment_id(&second_id));
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
    client
        .delete_deployment()
        .api_id(&api_id)
        .deployment_id(&deployment_id)
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(client.get_deployment().api_id(&api_id).deployment_id(&deployment_id));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));

    let updated = client
        .update_stage()
        .api_id(&api_id)
        .stage_name("prod")
        .description("production")
        .auto_deploy(true)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.description(), Some("production"));
    assert_eq!(updated.auto_deploy(), Some(true));
    assert!(updated.deployment_id().is_some());
    let (status, code, _) = failure!(client.create_deployment().api_id(&api_id).stage_name("prod"));
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));

    client
        .delete_stage()
        .api_id(&api_id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    let (status, code, message) = failure!(client.get_stage().api_id(&api_id).stage_name("prod"));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
    assert!(message.contains("prod"), "{message}");
}

#[tokio::test]
async fn authorizers_jwt_and_request_and_reset_cache() {
    let portico = Portico::start();
    let client = portico.sdk_v2();
    let api_id = http_api(&client, "secured").await;
    let jwt = client
        .create_authorizer()
        .api_id(&api_id)
        .name("jwt")
        .authorizer_type(AuthorizerType::Jwt)
        .identity_source("$request.header.Authorization")
        .jwt_configuration(
            JwtConfiguration::builder()
                .issuer("https://issuer.example.com")
                .audience("items")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let jwt_id = jwt.authorizer_id().unwrap().to_string();
    assert_eq!(jwt.jwt_configuration().unwrap().audience(), ["items"]);
    let (status, code, _) = failure!(
        client
            .create_authorizer()
            .api_id(&api_id)
            .name("bad")
            .authorizer_type(AuthorizerType::Jwt)
            .identity_source("$request.header.Authorization")
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));

    let lambda = client
        .create_authorizer()
        .api_id(&api_id)
        .name("lambda")
        .authorizer_type(AuthorizerType::Request)
        .authorizer_uri(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations",
        )
        .authorizer_payload_format_version("2.0")
        .enable_simple_responses(true)
        .identity_source("$request.header.x-token")
        .authorizer_result_ttl_in_seconds(300)
        .send()
        .await
        .unwrap();
    let lambda_id = lambda.authorizer_id().unwrap().to_string();
    assert_eq!(lambda.enable_simple_responses(), Some(true));
    let (status, code, _) = failure!(
        client
            .create_authorizer()
            .api_id(&api_id)
            .name("bad")
            .authorizer_type(AuthorizerType::Request)
            .authorizer_uri("arn:aws:lambda:us-east-1:000000000000:function:auth")
            .identity_source("$request.header.x-token")
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));

    let page = client
        .get_authorizers()
        .api_id(&api_id)
        .max_results("1")
        .send()
        .await
        .unwrap();
    assert_eq!(page.items().len(), 1);
    let next = client
        .get_authorizers()
        .api_id(&api_id)
        .next_token(page.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(next.items()[0].authorizer_id(), Some(lambda_id.as_str()));

    let updated = client
        .update_authorizer()
        .api_id(&api_id)
        .authorizer_id(&lambda_id)
        .authorizer_result_ttl_in_seconds(60)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.authorizer_result_ttl_in_seconds(), Some(60));

    // A route using an authorizer keeps it.
    let route = client
        .create_route()
        .api_id(&api_id)
        .route_key("GET /secure")
        .authorization_type(aws_sdk_apigatewayv2::types::AuthorizationType::Jwt)
        .authorizer_id(&jwt_id)
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(client.delete_authorizer().api_id(&api_id).authorizer_id(&jwt_id));
    assert_eq!((status, code.as_str()), (Some(409), "ConflictException"));
    client
        .delete_route()
        .api_id(&api_id)
        .route_id(route.route_id().unwrap())
        .send()
        .await
        .unwrap();
    client
        .delete_authorizer()
        .api_id(&api_id)
        .authorizer_id(&jwt_id)
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(client.get_authorizer().api_id(&api_id).authorizer_id(&jwt_id));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));

    // ResetAuthorizersCache: the API and the stage must exist.
    client
        .create_stage()
        .api_id(&api_id)
        .stage_name("$default")
        .auto_deploy(true)
        .send()
        .await
        .unwrap();
    client
        .reset_authorizers_cache()
        .api_id(&api_id)
        .stage_name("$default")
        .send()
        .await
        .unwrap();
    let (status, code, message) = failure!(client.reset_authorizers_cache().api_id(&api_id).stage_name("nope"));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
    assert!(message.contains("nope"), "{message}");
    let (status, code, _) = failure!(client.reset_authorizers_cache().api_id("nope").stage_name("$default"));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
}

#[tokio::test]
async fn models_tags_and_vpc_links() {
    let portico = Portico::start();
    let client = portico.sdk_v2();
    let api_id = websocket_api(&client, "chat").await;
    let schema = r#"{"type": "object", "properties": {"action": {"type": "string"}}}"#;
    let model = client
        .create_model()
        .api_id(&api_id)
        .name("Message")
        .content_type("application/json")
        .schema(schema)
        .send()
        .await
        .unwrap();
    let model_id = model.model_id().unwrap().to_string();
    let (status, code, _) = failure!(client.create_model().api_id(&api_id).name("Message").schema(schema));
    assert_eq!((status, code.as_str()), (Some(409), "ConflictException"));
    let (status, code, _) = failure!(client.create_model().api_id(&api_id).name("Bad").schema("[1]"));
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
    client
        .create_model()
        .api_id(&api_id)
        .name("Other")
        .schema(schema)
        .send()
        .await
        .unwrap();
    let page = client
        .get_models()
        .api_id(&api_id)
        .max_results("1")
        .send()
        .await
        .unwrap();
    assert_eq!(page.items().len(), 1);
    assert!(page.next_token().is_some());
    let updated = client
        .update_model()
        .api_id(&api_id)
        .model_id(&model_id)
        .description("a chat message")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.description(), Some("a chat message"));
    let template = client
        .get_model_template()
        .api_id(&api_id)
        .model_id(&model_id)
        .send()
        .await
        .unwrap();
    assert!(template.value().is_some());
    client
        .delete_model()
        .api_id(&api_id)
        .model_id(&model_id)
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(client.get_model().api_id(&api_id).model_id(&model_id));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));

    // Tags by ARN.
    let arn = format!("arn:aws:apigateway:us-east-1::/apis/{api_id}");
    client
        .tag_resource()
        .resource_arn(&arn)
        .tags("team", "core")
        .tags("env", "test")
        .send()
        .await
        .unwrap();
    let tags = client.get_tags().resource_arn(&arn).send().await.unwrap();
    assert_eq!(tags.tags().unwrap().len(), 2);
    client
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let tags = client.get_tags().resource_arn(&arn).send().await.unwrap();
    assert_eq!(tags.tags().unwrap().keys().collect::<Vec<_>>(), ["team"]);
    let (status, code, _) = failure!(
        client
            .get_tags()
            .resource_arn("arn:aws:apigateway:us-east-1::/apis/nope")
    );
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));

    // VPC links.
    let mut links = Vec::new();
    for name in ["one", "two", "three"] {
        let link = client
            .create_vpc_link()
            .name(name)
            .subnet_ids("subnet-1")
            .security_group_ids("sg-1")
            .send()
            .await
            .unwrap();
        assert_eq!(link.vpc_link_status().map(|s| s.as_str()), Some("AVAILABLE"));
        links.push(link.vpc_link_id().unwrap().to_string());
    }
    let page = client.get_vpc_links().max_results("2").send().await.unwrap();
    assert_eq!(page.items().len(), 2);
    let rest = client
        .get_vpc_links()
        .next_token(page.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.items().len(), 1);
    let link_arn = format!("arn:aws:apigateway:us-east-1::/vpclinks/{}", links[1]);
    client
        .tag_resource()
        .resource_arn(&link_arn)
        .tags("team", "net")
        .send()
        .await
        .unwrap();
    let tags = client.get_tags().resource_arn(&link_arn).send().await.unwrap();
    assert_eq!(tags.tags().unwrap()["team"], "net");
    let renamed = client
        .update_vpc_link()
        .vpc_link_id(&links[0])
        .name("first")
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.name(), Some("first"));
    client.delete_vpc_link().vpc_link_id(&links[0]).send().await.unwrap();
    let (status, code, _) = failure!(client.get_vpc_link().vpc_link_id(&links[0]));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
}

#[tokio::test]
async fn route_and_integration_responses() {
    let portico = Portico::start();
    let client = portico.sdk_v2();
    let ws = websocket_api(&client, "chat").await;
    let route = client
        .create_route()
        .api_id(&ws)
        .route_key("sendmessage")
        .send()
        .await
        .unwrap();
    let route_id = route.route_id().unwrap().to_string();
    let response = client
        .create_route_response()
        .api_id(&ws)
        .route_id(&route_id)
        .route_response_key("$default")
        .model_selection_expression("$request.body.action")
        .send()
        .await
        .unwrap();
    let response_id = response.route_response_id().unwrap().to_string();
    assert_eq!(response.route_response_key(), Some("$default"));
    let (status, code, _) = failure!(
        client
            .create_route_response()
            .api_id(&ws)
            .route_id(&route_id)
            .route_response_key("$default")
    );
    assert_eq!((status, code.as_str()), (Some(409), "ConflictException"));
    let (status, code, _) = failure!(
        client
            .create_route_response()
            .api_id(&ws)
            .route_id("nope")
            .route_response_key("$default")
    );
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
    let got = client
        .get_route_response()
        .api_id(&ws)
        .route_id(&route_id)
        .route_response_id(&response_id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.model_selection_expression(), Some("$request.body.action"));
    let updated = client
        .update_route_response()
        .api_id(&ws)
        .route_id(&route_id)
        .route_response_id(&response_id)
        .response_models("$default", "Message")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.response_models().unwrap()["$default"], "Message");
    let list = client
        .get_route_responses()
        .api_id(&ws)
        .route_id(&route_id)
        .send()
        .await
        .unwrap();
    assert_eq!(list.items().len(), 1);

    // Integration responses: `$default` or a status pattern.
    let integration = client
        .create_integration()
        .api_id(&ws)
        .integration_type(IntegrationType::Mock)
        .send()
        .await
        .unwrap();
    let integration_id = integration.integration_id().unwrap().to_string();
    let mut keys = Vec::new();
    for key in ["$default", "/4\\d\\d/", "/5\\d\\d/"] {
        let response = client
            .create_integration_response()
            .api_id(&ws)
            .integration_id(&integration_id)
            .integration_response_key(key)
            .response_templates("application/json", "{}")
            .send()
            .await
            .unwrap();
        assert_eq!(response.integration_response_key(), Some(key));
        keys.push(response.integration_response_id().unwrap().to_string());
    }
    let (status, code, _) = failure!(
        client
            .create_integration_response()
            .api_id(&ws)
            .integration_id(&integration_id)
            .integration_response_key("/4\\d\\d/")
    );
    assert_eq!((status, code.as_str()), (Some(409), "ConflictException"));
    let (status, code, _) = failure!(
        client
            .create_integration_response()
            .api_id(&ws)
            .integration_id(&integration_id)
            .integration_response_key("404")
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
    let page = client
        .get_integration_responses()
        .api_id(&ws)
        .integration_id(&integration_id)
        .max_results("2")
        .send()
        .await
        .unwrap();
    assert_eq!(page.items().len(), 2);
    let rest = client
        .get_integration_responses()
        .api_id(&ws)
        .integration_id(&integration_id)
        .next_token(page.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.items().len(), 1);
    let updated = client
        .update_integration_response()
        .api_id(&ws)
        .integration_id(&integration_id)
        .integration_response_id(&keys[1])
        .template_selection_expression("\\$default")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.template_selection_expression(), Some("\\$default"));
    client
        .delete_integration_response()
        .api_id(&ws)
        .integration_id(&integration_id)
        .integration_response_id(&keys[2])
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(
        client
            .get_integration_response()
            .api_id(&ws)
            .integration_id(&integration_id)
            .integration_response_id(&keys[2])
    );
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));

    // Deleting the route and the integration takes their responses.
    client
        .delete_route()
        .api_id(&ws)
        .route_id(&route_id)
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(client.get_route_responses().api_id(&ws).route_id(&route_id));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
    client
        .delete_integration()
        .api_id(&ws)
        .integration_id(&integration_id)
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(
        client
            .get_integration_response()
            .api_id(&ws)
            .integration_id(&integration_id)
            .integration_response_id(&keys[0])
    );
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
    let counts = portico.call("GET", "/_portico/health", None, "").await;
    assert!(!counts.body.contains("\"api-route-response\""), "{}", counts.body);
    assert!(!counts.body.contains("\"api-integration-response\""), "{}", counts.body);

    // HTTP APIs have neither.
    let http = http_api(&client, "items").await;
    let http_route = client
        .create_route()
        .api_id(&http)
        .route_key("GET /items")
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(
        client
            .create_route_response()
            .api_id(&http)
            .route_id(http_route.route_id().unwrap())
            .route_response_key("$default")
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
    let http_integration = proxy_integration(&client, &http).await;
    let (status, code, _) = failure!(
        client
            .create_integration_response()
            .api_id(&http)
            .integration_id(&http_integration)
            .integration_response_key("$default")
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
}

fn regional(certificate: &str) -> DomainNameConfiguration {
    DomainNameConfiguration::builder()
        .endpoint_type(EndpointType::Regional)
        .certificate_arn(certificate)
        .security_policy(SecurityPolicy::Tls12)
        .build()
}

#[tokio::test]
async fn domain_names_and_api_mappings_shared_with_rest() {
    let portico = Portico::start();
    let client = portico.sdk_v2();
    let rest = portico.sdk();
    let cert = "arn:aws:acm:us-east-1:000000000000:certificate/abc";
    let domain = client
        .create_domain_name()
        .domain_name("api.example.com")
        .domain_name_configurations(regional(cert))
        .tags("team", "core")
        .send()
        .await
        .unwrap();
    assert_eq!(domain.domain_name(), Some("api.example.com"));
    assert_eq!(domain.api_mapping_selection_expression(), Some("$request.basepath"));
    let config = &domain.domain_name_configurations()[0];
    assert_eq!(config.endpoint_type(), Some(&EndpointType::Regional));
    assert_eq!(config.certificate_arn(), Some(cert));
    assert_eq!(config.domain_name_status().map(|s| s.as_str()), Some("AVAILABLE"));
    let target = config.api_gateway_domain_name().unwrap().to_string();
    assert!(
        target.starts_with("d-") && target.ends_with(".execute-api.us-east-1.amazonaws.com"),
        "{target}"
    );
    assert!(config.hosted_zone_id().is_some());
    assert_eq!(domain.tags().unwrap()["team"], "core");
    let (status, code, _) = failure!(
        client
            .create_domain_name()
            .domain_name("api.example.com")
            .domain_name_configurations(regional(cert))
    );
    assert_eq!((status, code.as_str()), (Some(409), "ConflictException"));

    // The same document through apigateway.
    let seen = rest
        .get_domain_name()
        .domain_name("api.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(seen.regional_domain_name(), Some(target.as_str()));
    assert_eq!(seen.regional_certificate_arn(), Some(cert));
    rest.create_domain_name()
        .domain_name("legacy.example.com")
        .regional_certificate_arn(cert)
        .endpoint_configuration(
            aws_sdk_apigateway::types::EndpointConfiguration::builder()
                .types(aws_sdk_apigateway::types::EndpointType::Regional)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let legacy = client
        .get_domain_name()
        .domain_name("legacy.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(legacy.domain_name_configurations()[0].certificate_arn(), Some(cert));
    let page = client.get_domain_names().max_results("1").send().await.unwrap();
    assert_eq!(page.items().len(), 1);
    let next = client
        .get_domain_names()
        .next_token(page.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(next.items()[0].domain_name(), Some("legacy.example.com"));

    let updated = client
        .update_domain_name()
        .domain_name("api.example.com")
        .domain_name_configurations(regional("arn:aws:acm:us-east-1:000000000000:certificate/new"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.domain_name_configurations()[0].certificate_arn(),
        Some("arn:aws:acm:us-east-1:000000000000:certificate/new")
    );
    let domain_arn = "arn:aws:apigateway:us-east-1::/domainnames/api.example.com";
    client
        .tag_resource()
        .resource_arn(domain_arn)
        .tags("env", "test")
        .send()
        .await
        .unwrap();
    let tags = rest.get_tags().resource_arn(domain_arn).send().await.unwrap();
    assert_eq!(tags.tags().unwrap().len(), 2);
    let (status, code, _) = failure!(client.get_domain_name().domain_name("nope.example.com"));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));

    // API mappings: to an HTTP API's `$default` stage and to a named one.
    let api_id = http_api(&client, "mapped").await;
    for stage in ["$default", "v1"] {
        client
            .create_stage()
            .api_id(&api_id)
            .stage_name(stage)
            .send()
            .await
            .unwrap();
    }
    let root = client
        .create_api_mapping()
        .domain_name("api.example.com")
        .api_id(&api_id)
        .stage("$default")
        .api_mapping_key("")
        .send()
        .await
        .unwrap();
    let root_id = root.api_mapping_id().unwrap().to_string();
    assert_eq!(root.api_mapping_key(), Some(""));
    let versioned = client
        .create_api_mapping()
        .domain_name("api.example.com")
        .api_id(&api_id)
        .stage("v1")
        .api_mapping_key("v1")
        .send()
        .await
        .unwrap();
    let versioned_id = versioned.api_mapping_id().unwrap().to_string();
    let (status, code, _) = failure!(
        client
            .create_api_mapping()
            .domain_name("api.example.com")
            .api_id(&api_id)
            .stage("v1")
            .api_mapping_key("v1")
    );
    assert_eq!((status, code.as_str()), (Some(409), "ConflictException"));
    let (status, code, message) = failure!(
        client
            .create_api_mapping()
            .domain_name("api.example.com")
            .api_id(&api_id)
            .stage("nope")
            .api_mapping_key("x")
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
    assert!(message.contains("Invalid stage identifier specified"), "{message}");
    let (status, code, _) = failure!(
        client
            .create_api_mapping()
            .domain_name("api.example.com")
            .api_id("nope")
            .stage("v1")
            .api_mapping_key("x")
    );
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
    let (status, code, _) = failure!(
        client
            .create_api_mapping()
            .domain_name("nope.example.com")
            .api_id(&api_id)
            .stage("v1")
    );
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
    let (status, code, _) = failure!(
        client
            .create_api_mapping()
            .domain_name("api.example.com")
            .api_id(&api_id)
            .stage("v1")
            .api_mapping_key("a b")
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));

    // HTTP APIs take regional domain names only.
    client
        .create_domain_name()
        .domain_name("edge.example.com")
        .domain_name_configurations(
            DomainNameConfiguration::builder()
                .endpoint_type(EndpointType::Edge)
                .certificate_arn(cert)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(
        client
            .create_api_mapping()
            .domain_name("edge.example.com")
            .api_id(&api_id)
            .stage("v1")
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
    let edge = rest
        .get_domain_name()
        .domain_name("edge.example.com")
        .send()
        .await
        .unwrap();
    assert!(edge.distribution_domain_name().is_some());
    assert_eq!(edge.certificate_arn(), Some(cert));

    // REST sees them as base path mappings.
    let paths = rest
        .get_base_path_mappings()
        .domain_name("api.example.com")
        .send()
        .await
        .unwrap();
    let mut seen: Vec<_> = paths
        .items()
        .iter()
        .map(|m| (m.base_path().unwrap(), m.rest_api_id().unwrap(), m.stage().unwrap()))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [("(none)", api_id.as_str(), "$default"), ("v1", api_id.as_str(), "v1")]
    );

    let page = client
        .get_api_mappings()
        .domain_name("api.example.com")
        .max_results("1")
        .send()
        .await
        .unwrap();
    assert_eq!(page.items().len(), 1);
    assert!(page.next_token().is_some());
    let got = client
        .get_api_mapping()
        .domain_name("api.example.com")
        .api_mapping_id(&versioned_id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.api_mapping_key(), Some("v1"));

    // A new key keeps the mapping's id.
    let moved = client
        .update_api_mapping()
        .domain_name("api.example.com")
        .api_mapping_id(&versioned_id)
        .api_id(&api_id)
        .api_mapping_key("v2")
        .send()
        .await
        .unwrap();
    assert_eq!(moved.api_mapping_id(), Some(versioned_id.as_str()));
    assert_eq!(moved.api_mapping_key(), Some("v2"));
    let (status, code, _) = failure!(
        client
            .update_api_mapping()
            .domain_name("api.example.com")
            .api_mapping_id(&versioned_id)
            .api_id(&api_id)
            .api_mapping_key("")
    );
    assert_eq!((status, code.as_str()), (Some(409), "ConflictException"));
    rest.get_base_path_mapping()
        .domain_name("api.example.com")
        .base_path("v2")
        .send()
        .await
        .unwrap();

    // A REST base path mapping shows up with an id.
    let rest_api = rest.create_rest_api().name("legacy").send().await.unwrap();
    let rest_id = rest_api.id().unwrap().to_string();
    crate::put_mock_method(&rest, &rest_id, rest_api.root_resource_id().unwrap(), "GET", "{}").await;
    crate::deploy(&rest, &rest_id, "prod").await;
    rest.create_base_path_mapping()
        .domain_name("api.example.com")
        .rest_api_id(&rest_id)
        .stage("prod")
        .base_path("legacy")
        .send()
        .await
        .unwrap();
    let all = client
        .get_api_mappings()
        .domain_name("api.example.com")
        .send()
        .await
        .unwrap();
    let legacy = all
        .items()
        .iter()
        .find(|m| m.api_mapping_key() == Some("legacy"))
        .expect("the REST mapping");
    assert_eq!(legacy.api_id(), Some(rest_id.as_str()));
    let legacy_id = legacy.api_mapping_id().unwrap().to_string();
    client
        .delete_api_mapping()
        .domain_name("api.example.com")
        .api_mapping_id(&legacy_id)
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(
        rest.get_base_path_mapping()
            .domain_name("api.example.com")
            .base_path("legacy")
    );
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));

    client
        .delete_api_mapping()
        .domain_name("api.example.com")
        .api_mapping_id(&root_id)
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(
        client
            .get_api_mapping()
            .domain_name("api.example.com")
            .api_mapping_id(&root_id)
    );
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));

    client
        .delete_domain_name()
        .domain_name("api.example.com")
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(rest.get_domain_name().domain_name("api.example.com"));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
    let (status, code, _) = failure!(client.delete_domain_name().domain_name("api.example.com"));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
}

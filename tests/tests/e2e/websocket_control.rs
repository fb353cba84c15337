//! The WebSocket control plane through the AWS SDK for Rust: what AWS fills in on a WebSocket
//! API, its routes, integrations (each type), route and integration responses, REQUEST
//! authorizers, stages and deployments, and the errors for what WebSocket APIs refuse.
//! The defaults asserted are AWS's as the AWS CLI reference's examples and the Terraform
//! provider's acceptance tests (run against AWS) show them.

use crate::harness::Portico;
use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::types::{
    AuthorizationType, AuthorizerType, ContentHandlingStrategy, Cors, IntegrationType, JwtConfiguration,
    PassthroughBehavior, ProtocolType,
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

const LAMBDA_URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:chat/invocations";

async fn websocket_api(client: &Client) -> String {
    client
        .create_api()
        .name("chat")
        .protocol_type(ProtocolType::Websocket)
        .route_selection_expression("$request.body.action")
        .send()
        .await
        .expect("create websocket api")
        .api_id()
        .expect("apiId")
        .to_string()
}

#[tokio::test]
async fn websocket_api_defaults_and_what_it_refuses() {
    let portico = Portico::start();
    let client = portico.sdk_v2();
    let created = client
        .create_api()
        .name("chat")
        .protocol_type(ProtocolType::Websocket)
        .route_selection_expression("$request.body.action")
        .description("chat")
        .send()
        .await
        .unwrap();
    let api_id = created.api_id().unwrap().to_string();
    assert_eq!(
        created.api_endpoint(),
        Some(format!("wss://{api_id}.execute-api.us-east-1.amazonaws.com").as_str())
    );
    assert_eq!(
        created.api_key_selection_expression(),
        Some("$request.header.x-api-key")
    );
    assert_eq!(created.route_selection_expression(), Some("$request.body.action"));
    assert_eq!(created.protocol_type(), Some(&ProtocolType::Websocket));
    assert_eq!(created.disable_execute_api_endpoint(), Some(false));
    assert!(created.cors_configuration().is_none());
    let got = client.get_api().api_id(&api_id).send().await.unwrap();
    assert_eq!(got.api_endpoint(), created.api_endpoint());
    assert_eq!(got.route_selection_expression(), Some("$request.body.action"));

    // The other API key selection expression AWS supports, and a new route selection expression.
    let updated = client
        .update_api()
        .api_id(&api_id)
        .api_key_selection_expression("$context.authorizer.usageIdentifierKey")
        .route_selection_expression("${request.body.type}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.api_key_selection_expression(),
        Some("$context.authorizer.usageIdentifierKey")
    );
    assert_eq!(updated.route_selection_expression(), Some("${request.body.type}"));

    // A route selection expression is required; CORS and quick create are for HTTP APIs.
    let (status, code, _) = failure!(client.create_api().name("ws").protocol_type(ProtocolType::Websocket));
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
    let cors = Cors::builder().allow_origins("https://app.example").build();
    let (status, code, message) = failure!(
        client
            .create_api()
            .name("ws")
            .protocol_type(ProtocolType::Websocket)
            .route_selection_expression("$request.body.action")
            .cors_configuration(cors.clone())
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
    assert!(message.contains("CORS"), "{message}");
    let (status, code, _) = failure!(client.update_api().api_id(&api_id).cors_configuration(cors));
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
    let (status, code, _) = failure!(
        client
            .create_api()
            .name("ws")
            .protocol_type(ProtocolType::Websocket)
            .route_selection_expression("$request.body.action")
            .target(LAMBDA_URI)
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
    let (status, code, _) = failure!(client.update_api().api_id(&api_id).target(LAMBDA_URI));
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));

    // JWT authorizers are for HTTP APIs; WebSocket APIs take REQUEST (Lambda) authorizers.
    let jwt = JwtConfiguration::builder()
        .issuer("https://idp.example.com")
        .audience("chat")
        .build();
    let (status, code, message) = failure!(
        client
            .create_authorizer()
            .api_id(&api_id)
            .name("jwt")
            .authorizer_type(AuthorizerType::Jwt)
            .identity_source("route.request.header.Authorization")
            .jwt_configuration(jwt)
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
    assert!(message.contains("JWT"), "{message}");

    // Payload format 2.0 and integration subtypes are HTTP APIs' too.
    let (status, code, _) = failure!(
        client
            .create_integration()
            .api_id(&api_id)
            .integration_type(IntegrationType::AwsProxy)
            .integration_uri(LAMBDA_URI)
            .payload_format_version("2.0")
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
    let (status, code, _) = failure!(
        client
            .create_integration()
            .api_id(&api_id)
            .integration_type(IntegrationType::AwsProxy)
            .integration_subtype("SQS-SendMessage")
            .request_parameters("QueueUrl", "https://sqs.example/queue")
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));

    // WebSocket integrations wait 29 seconds at most (HTTP APIs' wait 30).
    let (status, code, message) = failure!(
        client
            .create_integration()
            .api_id(&api_id)
            .integration_type(IntegrationType::Mock)
            .timeout_in_millis(30_000)
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));
    assert!(message.contains("29000"), "{message}");

    // Integration responses need a key AWS knows.
    let mock = client
        .create_integration()
        .api_id(&api_id)
        .integration_type(IntegrationType::Mock)
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(
        client
            .create_integration_response()
            .api_id(&api_id)
            .integration_id(mock.integration_id().unwrap())
            .integration_response_key("200")
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));

    // Route and integration responses are WebSocket APIs' only.
    let http = client
        .create_api()
        .name("items")
        .protocol_type(ProtocolType::Http)
        .send()
        .await
        .unwrap();
    let http_id = http.api_id().unwrap();
    let route = client
        .create_route()
        .api_id(http_id)
        .route_key("GET /items")
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(
        client
            .create_route_response()
            .api_id(http_id)
            .route_id(route.route_id().unwrap())
            .route_response_key("$default")
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));

    client.delete_api().api_id(&api_id).send().await.unwrap();
    let (status, code, _) = failure!(client.get_api().api_id(&api_id));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
}

#[tokio::test]
async fn integrations_of_each_type_answer_aws_defaults() {
    let portico = Portico::start();
    let client = portico.sdk_v2();
    let api_id = websocket_api(&client).await;

    // MOCK, as the AWS CLI reference's create-integration example answers it.
    let mock = client
        .create_integration()
        .api_id(&api_id)
        .integration_type(IntegrationType::Mock)
        .template_selection_expression("\\$default")
        .request_templates("$default", r#"{"statusCode": 200}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(mock.connection_type().map(|c| c.as_str()), Some("INTERNET"));
    assert_eq!(
        mock.integration_response_selection_expression(),
        Some("${integration.response.statuscode}")
    );
    assert_eq!(mock.passthrough_behavior(), Some(&PassthroughBehavior::WhenNoMatch));
    assert_eq!(mock.payload_format_version(), Some("1.0"));
    assert_eq!(mock.timeout_in_millis(), Some(29_000));
    assert_eq!(mock.template_selection_expression(), Some("\\$default"));
    assert_eq!(mock.request_templates().unwrap()["$default"], r#"{"statusCode": 200}"#);
    assert!(mock.integration_method().is_none());

    // AWS_PROXY to a Lambda function: POST, passed through (no response selection).
    let proxy = client
        .create_integration()
        .api_id(&api_id)
        .integration_type(IntegrationType::AwsProxy)
        .integration_uri(LAMBDA_URI)
        .content_handling_strategy(ContentHandlingStrategy::ConvertToText)
        .send()
        .await
        .unwrap();
    assert_eq!(proxy.integration_method(), Some("POST"));
    assert!(proxy.integration_response_selection_expression().is_none());
    assert_eq!(proxy.payload_format_version(), Some("1.0"));
    assert_eq!(
        proxy.content_handling_strategy(),
        Some(&ContentHandlingStrategy::ConvertToText)
    );
    assert_eq!(proxy.timeout_in_millis(), Some(29_000));

    // AWS (non-proxy Lambda): its errors are selected by errorMessage.
    let aws = client
        .create_integration()
        .api_id(&api_id)
        .integration_type(IntegrationType::Aws)
        .integration_uri(LAMBDA_URI)
        .passthrough_behavior(PassthroughBehavior::WhenNoTemplates)
        .send()
        .await
        .unwrap();
    assert_eq!(aws.integration_method(), Some("POST"));
    assert_eq!(
        aws.integration_response_selection_expression(),
        Some("${integration.response.body.errorMessage}")
    );
    assert_eq!(aws.passthrough_behavior(), Some(&PassthroughBehavior::WhenNoTemplates));

    // HTTP: by status code; HTTP_PROXY: passed through.
    let http = client
        .create_integration()
        .api_id(&api_id)
        .integration_type(IntegrationType::Http)
        .integration_method("GET")
        .integration_uri("http://backend.example.com/items")
        .timeout_in_millis(28_999)
        .request_parameters("integration.request.querystring.stage", "'value1'")
        .send()
        .await
        .unwrap();
    assert_eq!(
        http.integration_response_selection_expression(),
        Some("${integration.response.statuscode}")
    );
    assert_eq!(http.timeout_in_millis(), Some(28_999));
    let http_id = http.integration_id().unwrap().to_string();
    let http_proxy = client
        .create_integration()
        .api_id(&api_id)
        .integration_type(IntegrationType::HttpProxy)
        .integration_method("PUT")
        .integration_uri("http://backend.example.com")
        .passthrough_behavior(PassthroughBehavior::Never)
        .send()
        .await
        .unwrap();
    assert!(http_proxy.integration_response_selection_expression().is_none());
    assert_eq!(http_proxy.passthrough_behavior(), Some(&PassthroughBehavior::Never));
    assert_eq!(http_proxy.payload_format_version(), Some("1.0"));

    // A new type brings its own selection expression.
    let changed = client
        .update_integration()
        .api_id(&api_id)
        .integration_id(&http_id)
        .integration_type(IntegrationType::HttpProxy)
        .send()
        .await
        .unwrap();
    assert!(changed.integration_response_selection_expression().is_none());
    let got = client
        .get_integration()
        .api_id(&api_id)
        .integration_id(&http_id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.integration_type(), Some(&IntegrationType::HttpProxy));
    assert!(got.integration_response_selection_expression().is_none());
    let listed = client.get_integrations().api_id(&api_id).send().await.unwrap();
    assert_eq!(listed.items().len(), 5);
}

#[tokio::test]
async fn routes_responses_authorizers_stages_and_deployments() {
    let portico = Portico::start();
    let client = portico.sdk_v2();
    let api_id = websocket_api(&client).await;
    let schema = r#"{"type": "object", "required": ["action"], "properties": {"action": {"type": "string"}}}"#;
    client
        .create_model()
        .api_id(&api_id)
        .name("Message")
        .content_type("application/json")
        .schema(schema)
        .send()
        .await
        .unwrap();
    let mock = client
        .create_integration()
        .api_id(&api_id)
        .integration_type(IntegrationType::Mock)
        .request_templates("$default", r#"{"statusCode": 200}"#)
        .template_selection_expression("\\$default")
        .send()
        .await
        .unwrap();
    let mock_id = mock.integration_id().unwrap().to_string();
    let lambda = client
        .create_integration()
        .api_id(&api_id)
        .integration_type(IntegrationType::AwsProxy)
        .integration_uri(LAMBDA_URI)
        .send()
        .await
        .unwrap();
    let lambda_target = format!("integrations/{}", lambda.integration_id().unwrap());

    // A REQUEST authorizer: identity sources in the route.request form, no cache by default.
    let authorizer = client
        .create_authorizer()
        .api_id(&api_id)
        .name("connect")
        .authorizer_type(AuthorizerType::Request)
        .authorizer_uri(LAMBDA_URI)
        .identity_source("route.request.header.Auth")
        .identity_source("route.request.querystring.token")
        .send()
        .await
        .unwrap();
    assert_eq!(authorizer.authorizer_type(), Some(&AuthorizerType::Request));
    assert_eq!(authorizer.authorizer_result_ttl_in_seconds(), Some(0));
    assert!(authorizer.authorizer_payload_format_version().is_none());
    assert_eq!(
        authorizer.identity_source(),
        ["route.request.header.Auth", "route.request.querystring.token"]
    );
    let authorizer_id = authorizer.authorizer_id().unwrap().to_string();
    let (status, code, _) = failure!(
        client
            .create_authorizer()
            .api_id(&api_id)
            .name("nouri")
            .authorizer_type(AuthorizerType::Request)
    );
    assert_eq!((status, code.as_str()), (Some(400), "BadRequestException"));

    // The predefined routes and a custom one, two-way, with request models.
    let connect = client
        .create_route()
        .api_id(&api_id)
        .route_key("$connect")
        .authorization_type(AuthorizationType::Custom)
        .authorizer_id(&authorizer_id)
        .target(&lambda_target)
        .send()
        .await
        .unwrap();
    assert_eq!(connect.authorization_type(), Some(&AuthorizationType::Custom));
    assert_eq!(connect.authorizer_id(), Some(authorizer_id.as_str()));
    assert_eq!(connect.api_key_required(), Some(false));
    for key in ["$disconnect", "$default"] {
        let route = client
            .create_route()
            .api_id(&api_id)
            .route_key(key)
            .target(&lambda_target)
            .send()
            .await
            .unwrap();
        assert_eq!(route.route_key(), Some(key));
        assert_eq!(route.authorization_type(), Some(&AuthorizationType::None));
    }
    let send = client
        .create_route()
        .api_id(&api_id)
        .route_key("sendmessage")
        .route_response_selection_expression("$default")
        .model_selection_expression("$request.body.action")
        .request_models("sendmessage", "Message")
        .target(format!("integrations/{mock_id}"))
        .send()
        .await
        .unwrap();
    let send_id = send.route_id().unwrap().to_string();
    assert_eq!(send.route_response_selection_expression(), Some("$default"));
    assert_eq!(send.model_selection_expression(), Some("$request.body.action"));
    assert_eq!(send.request_models().unwrap()["sendmessage"], "Message");
    let (status, code, _) = failure!(client.create_route().api_id(&api_id).route_key("$connect"));
    assert_eq!((status, code.as_str()), (Some(409), "ConflictException"));
    // An authorizer a route uses stays.
    let (status, code, _) = failure!(client.delete_authorizer().api_id(&api_id).authorizer_id(&authorizer_id));
    assert_eq!((status, code.as_str()), (Some(409), "ConflictException"));
    let routes = client.get_routes().api_id(&api_id).send().await.unwrap();
    let mut keys: Vec<_> = routes.items().iter().filter_map(|r| r.route_key()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["$connect", "$default", "$disconnect", "sendmessage"]);

    // An autoDeploy stage follows route and integration responses too.
    let stage = client
        .create_stage()
        .api_id(&api_id)
        .stage_name("live")
        .auto_deploy(true)
        .send()
        .await
        .unwrap();
    // WebSocket stages log: OFF and no data trace until set.
    let settings = stage.default_route_settings().unwrap();
    assert_eq!(settings.logging_level().map(|l| l.as_str()), Some("OFF"));
    assert_eq!(settings.data_trace_enabled(), Some(false));
    assert_eq!(settings.detailed_metrics_enabled(), Some(false));
    let first = stage.deployment_id().unwrap().to_string();
    let response = client
        .create_route_response()
        .api_id(&api_id)
        .route_id(&send_id)
        .route_response_key("$default")
        .model_selection_expression("$default")
        .response_models("$default", "Message")
        .send()
        .await
        .unwrap();
    assert_eq!(response.route_response_key(), Some("$default"));
    assert_eq!(response.response_models().unwrap()["$default"], "Message");
    let after_route_response = client
        .get_stage()
        .api_id(&api_id)
        .stage_name("live")
        .send()
        .await
        .unwrap();
    let second = after_route_response.deployment_id().unwrap().to_string();
    assert_ne!(second, first, "a route response redeploys the autoDeploy stage");

    // Integration responses: the catch-all and a status pattern, with response templates.
    let default = client
        .create_integration_response()
        .api_id(&api_id)
        .integration_id(&mock_id)
        .integration_response_key("$default")
        .template_selection_expression("\\$default")
        .response_templates("$default", r#"{"connectionId": "$context.connectionId"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(default.integration_response_key(), Some("$default"));
    assert_eq!(default.template_selection_expression(), Some("\\$default"));
    assert_eq!(
        default.response_templates().unwrap()["$default"],
        r#"{"connectionId": "$context.connectionId"}"#
    );
    let client_errors = client
        .create_integration_response()
        .api_id(&api_id)
        .integration_id(&mock_id)
        .integration_response_key("/4\\d\\d/")
        .content_handling_strategy(ContentHandlingStrategy::ConvertToText)
        .response_templates("$default", r#"{"error": true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(client_errors.integration_response_key(), Some("/4\\d\\d/"));
    let responses = client
        .get_integration_responses()
        .api_id(&api_id)
        .integration_id(&mock_id)
        .send()
        .await
        .unwrap();
    assert_eq!(responses.items().len(), 2);
    let (status, code, _) = failure!(
        client
            .create_integration_response()
            .api_id(&api_id)
            .integration_id(&mock_id)
            .integration_response_key("$default")
    );
    assert_eq!((status, code.as_str()), (Some(409), "ConflictException"));
    let third = client
        .get_stage()
        .api_id(&api_id)
        .stage_name("live")
        .send()
        .await
        .unwrap()
        .deployment_id()
        .unwrap()
        .to_string();
    assert_ne!(third, second, "an integration response redeploys the autoDeploy stage");

    // A stage on an explicit deployment, moved by CreateDeployment with its name.
    client
        .create_stage()
        .api_id(&api_id)
        .stage_name("prod")
        .stage_variables("table", "connections")
        .send()
        .await
        .unwrap();
    let deployment = client
        .create_deployment()
        .api_id(&api_id)
        .stage_name("prod")
        .description("v1")
        .send()
        .await
        .unwrap();
    assert_eq!(deployment.auto_deployed(), Some(false));
    assert_eq!(deployment.deployment_status().map(|s| s.as_str()), Some("DEPLOYED"));
    let prod = client
        .get_stage()
        .api_id(&api_id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(prod.deployment_id(), deployment.deployment_id());
    assert_eq!(prod.stage_variables().unwrap()["table"], "connections");
    let deployments = client.get_deployments().api_id(&api_id).send().await.unwrap();
    assert!(deployments.items().len() >= 4, "{:?}", deployments.items());

    // Deleting the route takes its responses with it.
    client
        .delete_route_response()
        .api_id(&api_id)
        .route_id(&send_id)
        .route_response_id(response.route_response_id().unwrap())
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(
        client
            .get_route_response()
            .api_id(&api_id)
            .route_id(&send_id)
            .route_response_id(response.route_response_id().unwrap())
    );
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
    client
        .delete_route()
        .api_id(&api_id)
        .route_id(&send_id)
        .send()
        .await
        .unwrap();
    let (status, code, _) = failure!(client.get_route_responses().api_id(&api_id).route_id(&send_id));
    assert_eq!((status, code.as_str()), (Some(404), "NotFoundException"));
}

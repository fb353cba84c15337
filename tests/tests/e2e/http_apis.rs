//! The apigatewayv2 control plane for HTTP APIs, through the AWS CLI: APIs (quick create
//! included), routes, integrations, stages and deployments, `autoDeploy`, AWS's errors.

use crate::harness::Portico;
use serde_json::Value;
use std::process::Command;

/// `aws apigatewayv2 ARGS...` against `portico`: Ok(JSON answer) or Err(stderr).
pub(crate) fn v2(portico: &Portico, args: &[&str]) -> Result<Value, String> {
    let out = Command::new("aws")
        .args(["--endpoint-url", &portico.endpoint, "apigatewayv2", "--output", "json"])
        .args(args)
        .envs([
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ])
        .output()
        .expect("the AWS CLI");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8(out.stdout).unwrap();
    Ok(if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    })
}

pub(crate) fn ok(portico: &Portico, args: &[&str]) -> Value {
    v2(portico, args).unwrap_or_else(|e| panic!("aws apigatewayv2 {args:?}: {e}"))
}

#[tokio::test]
async fn http_api_control_plane() {
    if !crate::lambda::runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let api = ok(
        &portico,
        &[
            "create-api",
            "--name",
            "items",
            "--protocol-type",
            "HTTP",
            "--tags",
            "team=core",
        ],
    );
    let api_id = api["ApiId"].as_str().unwrap().to_string();
    assert_eq!(api_id.len(), 10);
    assert_eq!(
        api["ApiEndpoint"],
        format!("https://{api_id}.execute-api.us-east-1.amazonaws.com")
    );
    assert_eq!(api["RouteSelectionExpression"], "$request.method $request.path");
    assert_eq!(api["ApiKeySelectionExpression"], "$request.header.x-api-key");
    assert_eq!(api["DisableExecuteApiEndpoint"], false);
    assert_eq!(api["ProtocolType"], "HTTP");
    assert_eq!(api["Tags"]["team"], "core");

    let integration = ok(
        &portico,
        &[
            "create-integration",
            "--api-id",
            &api_id,
            "--integration-type",
            "HTTP_PROXY",
            "--integration-method",
            "GET",
            "--integration-uri",
            "http://backend.example.com/{proxy}",
        ],
    );
    let integration_id = integration["IntegrationId"].as_str().unwrap().to_string();
    assert_eq!(integration["PayloadFormatVersion"], "1.0");
    assert_eq!(integration["TimeoutInMillis"], 30000);
    assert_eq!(integration["ConnectionType"], "INTERNET");
    let err = v2(
        &portico,
        &["create-integration", "--api-id", &api_id, "--integration-type", "MOCK"],
    )
    .unwrap_err();
    assert!(err.contains("BadRequestException"), "{err}");

    let target = format!("integrations/{integration_id}");
    let route = ok(
        &portico,
        &[
            "create-route",
            "--api-id",
            &api_id,
            "--route-key",
            "GET /items/{id}",
            "--target",
            &target,
        ],
    );
    let route_id = route["RouteId"].as_str().unwrap().to_string();
    assert_eq!(route["AuthorizationType"], "NONE");
    assert_eq!(route["ApiKeyRequired"], false);
    let err = v2(
        &portico,
        &["create-route", "--api-id", &api_id, "--route-key", "GET /items/{id}"],
    )
    .unwrap_err();
    assert!(err.contains("ConflictException"), "{err}");
    let err = v2(
        &portico,
        &["create-route", "--api-id", &api_id, "--route-key", "FETCH /x"],
    )
    .unwrap_err();
    assert!(err.contains("BadRequestException"), "{err}");
    let err = v2(
        &portico,
        &[
            "create-route",
            "--api-id",
            &api_id,
            "--route-key",
            "GET /x",
            "--target",
            "integrations/nope",
        ],
    )
    .unwrap_err();
    assert!(err.contains("BadRequestException"), "{err}");
    let updated = ok(
        &portico,
        &[
            "update-route",
            "--api-id",
            &api_id,
            "--route-id",
            &route_id,
            "--route-key",
            "ANY /items/{proxy+}",
        ],
    );
    assert_eq!(updated["RouteKey"], "ANY /items/{proxy+}");
    assert_eq!(updated["Target"], target.as_str());
    let routes = ok(&portico, &["get-routes", "--api-id", &api_id]);
    assert_eq!(routes["Items"].as_array().unwrap().len(), 1);
    let err = v2(
        &portico,
        &[
            "delete-integration",
            "--api-id",
            &api_id,
            "--integration-id",
            &integration_id,
        ],
    )
    .unwrap_err();
    assert!(err.contains("ConflictException"), "a route still targets it: {err}");

    // A stage that follows every change; a manual one that keeps its deployment.
    let auto = ok(
        &portico,
        &[
            "create-stage",
            "--api-id",
            &api_id,
            "--stage-name",
            "$default",
            "--auto-deploy",
        ],
    );
    let first = auto["DeploymentId"].as_str().unwrap().to_string();
    ok(
        &portico,
        &[
            "update-route",
            "--api-id",
            &api_id,
            "--route-id",
            &route_id,
            "--authorization-type",
            "NONE",
        ],
    );
    let auto = ok(
        &portico,
        &["get-stage", "--api-id", &api_id, "--stage-name", "$default"],
    );
    assert_ne!(
        auto["DeploymentId"].as_str().unwrap(),
        first,
        "redeployed after the change"
    );
    let err = v2(
        &portico,
        &["create-deployment", "--api-id", &api_id, "--stage-name", "$default"],
    )
    .unwrap_err();
    assert!(err.contains("BadRequestException"), "{err}");
    ok(
        &portico,
        &[
            "create-stage",
            "--api-id",
            &api_id,
            "--stage-name",
            "prod",
            "--stage-variables",
            "color=blue",
        ],
    );
    let deployment = ok(
        &portico,
        &[
            "create-deployment",
            "--api-id",
            &api_id,
            "--stage-name",
            "prod",
            "--description",
            "v1",
        ],
    );
    assert_eq!(deployment["DeploymentStatus"], "DEPLOYED");
    assert_eq!(deployment["AutoDeployed"], false);
    let prod = ok(&portico, &["get-stage", "--api-id", &api_id, "--stage-name", "prod"]);
    assert_eq!(prod["DeploymentId"], deployment["DeploymentId"]);
    assert_eq!(prod["StageVariables"]["color"], "blue");
    let err = v2(
        &portico,
        &[
            "delete-deployment",
            "--api-id",
            &api_id,
            "--deployment-id",
            deployment["DeploymentId"].as_str().unwrap(),
        ],
    )
    .unwrap_err();
    assert!(err.contains("BadRequestException"), "{err}");
    let stages = ok(&portico, &["get-stages", "--api-id", &api_id]);
    assert_eq!(stages["Items"].as_array().unwrap().len(), 2);

    // Quick create: integration, route and an auto-deployed `$default` stage at once.
    let quick = ok(
        &portico,
        &[
            "create-api",
            "--name",
            "quick",
            "--protocol-type",
            "HTTP",
            "--target",
            "arn:aws:lambda:us-east-1:000000000000:function:items",
        ],
    );
    let quick_id = quick["ApiId"].as_str().unwrap();
    let integrations = ok(&portico, &["get-integrations", "--api-id", quick_id]);
    let made = &integrations["Items"][0];
    assert_eq!(made["IntegrationType"], "AWS_PROXY");
    assert_eq!(made["PayloadFormatVersion"], "2.0");
    assert_eq!(made["ApiGatewayManaged"], true);
    let routes = ok(&portico, &["get-routes", "--api-id", quick_id]);
    assert_eq!(routes["Items"][0]["RouteKey"], "$default");
    let stage = ok(
        &portico,
        &["get-stage", "--api-id", quick_id, "--stage-name", "$default"],
    );
    assert_eq!(stage["AutoDeploy"], true);
    assert!(stage["DeploymentId"].is_string());

    // A JWT authorizer on the route; tags by ARN.
    let err = v2(
        &portico,
        &[
            "create-authorizer",
            "--api-id",
            &api_id,
            "--name",
            "jwt",
            "--authorizer-type",
            "JWT",
            "--identity-source",
            "$request.header.Authorization",
        ],
    )
    .unwrap_err();
    assert!(err.contains("BadRequestException"), "no issuer: {err}");
    let jwt = ok(
        &portico,
        &[
            "create-authorizer",
            "--api-id",
            &api_id,
            "--name",
            "jwt",
            "--authorizer-type",
            "JWT",
            "--identity-source",
            "$request.header.Authorization",
            "--jwt-configuration",
            "Audience=items,Issuer=https://issuer.example.com",
        ],
    );
    let jwt_id = jwt["AuthorizerId"].as_str().unwrap();
    assert_eq!(jwt["JwtConfiguration"]["Audience"][0], "items");
    let routed = ok(
        &portico,
        &[
            "update-route",
            "--api-id",
            &api_id,
            "--route-id",
            &route_id,
            "--authorization-type",
            "JWT",
            "--authorizer-id",
            jwt_id,
        ],
    );
    assert_eq!(routed["AuthorizerId"], jwt_id);
    let err = v2(
        &portico,
        &["delete-authorizer", "--api-id", &api_id, "--authorizer-id", jwt_id],
    )
    .unwrap_err();
    assert!(err.contains("ConflictException"), "a route uses it: {err}");
    let arn = format!("arn:aws:apigateway:us-east-1::/apis/{api_id}");
    ok(&portico, &["tag-resource", "--resource-arn", &arn, "--tags", "env=dev"]);
    ok(
        &portico,
        &["untag-resource", "--resource-arn", &arn, "--tag-keys", "team"],
    );
    let tags = ok(&portico, &["get-tags", "--resource-arn", &arn]);
    assert_eq!(tags["Tags"], serde_json::json!({"env": "dev"}));

    // Models (names unique, schemas JSON objects) and account-level VPC links.
    let model = ok(
        &portico,
        &[
            "create-model",
            "--api-id",
            &api_id,
            "--name",
            "Item",
            "--schema",
            r#"{"type": "object"}"#,
        ],
    );
    assert_eq!(model["ContentType"], "application/json");
    let err = v2(
        &portico,
        &["create-model", "--api-id", &api_id, "--name", "Item", "--schema", "{}"],
    )
    .unwrap_err();
    assert!(err.contains("ConflictException"), "{err}");
    let err = v2(
        &portico,
        &["create-model", "--api-id", &api_id, "--name", "Bad", "--schema", "[1]"],
    )
    .unwrap_err();
    assert!(err.contains("BadRequestException"), "{err}");
    let link = ok(
        &portico,
        &[
            "create-vpc-link",
            "--name",
            "private",
            "--subnet-ids",
            "subnet-1",
            "subnet-2",
        ],
    );
    assert_eq!(link["VpcLinkStatus"], "AVAILABLE");
    assert_eq!(link["VpcLinkVersion"], "V2");
    let links = ok(&portico, &["get-vpc-links"]);
    assert_eq!(links["Items"].as_array().unwrap().len(), 1);

    let apis = ok(&portico, &["get-apis"]);
    assert_eq!(apis["Items"].as_array().unwrap().len(), 2);
    ok(&portico, &["delete-api", "--api-id", quick_id]);
    let err = v2(&portico, &["get-api", "--api-id", quick_id]).unwrap_err();
    assert!(err.contains("NotFoundException"), "{err}");
    let err = v2(&portico, &["get-route", "--api-id", &api_id, "--route-id", "nope"]).unwrap_err();
    assert!(err.contains("NotFoundException"), "{err}");
}

/// DeleteCorsConfiguration, DeleteAccessLogSettings, DeleteRouteSettings and
/// DeleteRouteRequestParameter take one part away and leave the rest.
#[tokio::test]
async fn deleting_parts_of_apis_stages_and_routes() {
    if !crate::lambda::runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let api = ok(
        &portico,
        &[
            "create-api",
            "--name",
            "parts",
            "--protocol-type",
            "HTTP",
            "--cors-configuration",
            "AllowOrigins=https://a.example",
        ],
    );
    let api_id = api["ApiId"].as_str().unwrap().to_string();
    v2(&portico, &["delete-cors-configuration", "--api-id", &api_id]).unwrap();
    let api = ok(&portico, &["get-api", "--api-id", &api_id]);
    assert!(api.get("CorsConfiguration").is_none(), "{api}");

    let route = ok(
        &portico,
        &[
            "create-route",
            "--api-id",
            &api_id,
            "--route-key",
            "GET /items",
            "--request-parameters",
            r#"{"route.request.querystring.q": {"Required": true}, "route.request.header.h": {"Required": false}}"#,
        ],
    );
    let route_id = route["RouteId"].as_str().unwrap().to_string();
    v2(
        &portico,
        &[
            "delete-route-request-parameter",
            "--api-id",
            &api_id,
            "--route-id",
            &route_id,
            "--request-parameter-key",
            "route.request.querystring.q",
        ],
    )
    .unwrap();
    let route = ok(&portico, &["get-route", "--api-id", &api_id, "--route-id", &route_id]);
    let parameters = route["RequestParameters"].as_object().unwrap();
    assert_eq!(parameters.keys().collect::<Vec<_>>(), ["route.request.header.h"]);
    let missing = v2(
        &portico,
        &[
            "delete-route-request-parameter",
            "--api-id",
            &api_id,
            "--route-id",
            &route_id,
            "--request-parameter-key",
            "route.request.querystring.q",
        ],
    )
    .unwrap_err();
    assert!(missing.contains("NotFoundException"), "{missing}");

    ok(
        &portico,
        &[
            "create-stage",
            "--api-id",
            &api_id,
            "--stage-name",
            "dev",
            "--access-log-settings",
            "DestinationArn=arn:aws:logs:us-east-1:000000000000:log-group:g,Format=$context.requestId",
            "--route-settings",
            r#"{"GET /items": {"ThrottlingBurstLimit": 5, "ThrottlingRateLimit": 1}}"#,
        ],
    );
    v2(
        &portico,
        &["delete-access-log-settings", "--api-id", &api_id, "--stage-name", "dev"],
    )
    .unwrap();
    v2(
        &portico,
        &[
            "delete-route-settings",
            "--api-id",
            &api_id,
            "--stage-name",
            "dev",
            "--route-key",
            "GET /items",
        ],
    )
    .unwrap();
    let stage = ok(&portico, &["get-stage", "--api-id", &api_id, "--stage-name", "dev"]);
    assert!(stage.get("AccessLogSettings").is_none(), "{stage}");
    assert!(
        stage["RouteSettings"].as_object().is_none_or(|s| s.is_empty()),
        "{stage}"
    );
    let missing = v2(
        &portico,
        &[
            "delete-route-settings",
            "--api-id",
            &api_id,
            "--stage-name",
            "dev",
            "--route-key",
            "GET /items",
        ],
    )
    .unwrap_err();
    assert!(missing.contains("NotFoundException"), "{missing}");
    let missing = v2(
        &portico,
        &[
            "delete-access-log-settings",
            "--api-id",
            &api_id,
            "--stage-name",
            "nope",
        ],
    )
    .unwrap_err();
    assert!(missing.contains("NotFoundException"), "{missing}");
}

//! execute-api: deployed stages answer HTTP as API Gateway does.

use crate::harness::{Portico, echo_backend, request};
use aws_sdk_apigateway::types::IntegrationType;

#[tokio::test]
async fn mock_integration_on_every_url_form() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = crate::mock_api(&client, "mock", r#"{"message": "hi"}"#, Some("dev")).await;
    let id = &api.api_id;

    let host_form = portico.invoke(id, "GET", "/dev/hello").await;
    assert_eq!(host_form.status, 200);
    assert_eq!(host_form.body, r#"{"message": "hi"}"#);
    assert_eq!(host_form.header("content-type"), Some("application/json"));
    assert!(host_form.header("x-amzn-RequestId").is_some());
    assert_eq!(host_form.header("x-amz-apigw-id").map(str::len), Some(16));

    let aws_form = portico
        .call("GET", &format!("/_aws/execute-api/{id}/dev/hello"), None, "")
        .await;
    assert_eq!(aws_form.body, r#"{"message": "hi"}"#);
    let user_request_form = portico
        .call("GET", &format!("/restapis/{id}/dev/_user_request_/hello"), None, "")
        .await;
    assert_eq!(user_request_form.body, r#"{"message": "hi"}"#);

    let missing = portico.invoke(id, "GET", "/dev/nothing").await;
    assert_eq!(missing.status, 403);
    assert_eq!(missing.body, r#"{"message":"Missing Authentication Token"}"#);
    assert_eq!(
        missing.header("x-amzn-ErrorType"),
        Some("MissingAuthenticationTokenException")
    );
    let wrong_method = portico.invoke(id, "POST", "/dev/hello").await;
    assert_eq!(wrong_method.status, 403);

    let unknown_stage = portico.invoke(id, "GET", "/nostage/hello").await;
    assert_eq!(unknown_stage.status, 403);
    assert_eq!(unknown_stage.body, r#"{"message":"Forbidden"}"#);
}

#[tokio::test]
async fn routing_prefers_literals_then_params_then_greedy() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = crate::mock_api(&client, "routes", r#""literal""#, None).await;
    let id = api.api_id.as_str();
    let param = client
        .create_resource()
        .rest_api_id(id)
        .parent_id(&api.root_id)
        .path_part("{name}")
        .send()
        .await
        .unwrap();
    crate::put_mock_method(&client, id, param.id().unwrap(), "GET", r#""param""#).await;
    let greedy_parent = client
        .create_resource()
        .rest_api_id(id)
        .parent_id(&api.root_id)
        .path_part("files")
        .send()
        .await
        .unwrap();
    let greedy = client
        .create_resource()
        .rest_api_id(id)
        .parent_id(greedy_parent.id().unwrap())
        .path_part("{proxy+}")
        .send()
        .await
        .unwrap();
    crate::put_mock_method(&client, id, greedy.id().unwrap(), "ANY", r#""greedy""#).await;
    client
        .create_deployment()
        .rest_api_id(id)
        .stage_name("v1")
        .send()
        .await
        .unwrap();

    assert_eq!(portico.invoke(id, "GET", "/v1/hello").await.body, r#""literal""#);
    assert_eq!(portico.invoke(id, "GET", "/v1/other").await.body, r#""param""#);
    assert_eq!(
        portico.invoke(id, "GET", "/v1/files/a/b/c.txt").await.body,
        r#""greedy""#
    );
    assert_eq!(
        portico.invoke(id, "DELETE", "/v1/files/a").await.body,
        r#""greedy""#,
        "ANY takes every verb"
    );
    assert_eq!(
        portico.invoke(id, "GET", "/v1/hello/extra").await.status,
        403,
        "nothing is that deep"
    );
}

#[tokio::test]
async fn http_proxy_forwards_and_substitutes() {
    let portico = Portico::start();
    let client = portico.sdk();
    let backend = echo_backend().await;
    let api = client.create_rest_api().name("proxy").send().await.unwrap();
    let id = api.id().unwrap();
    let root = api.root_resource_id().unwrap();
    let proxy = client
        .create_resource()
        .rest_api_id(id)
        .parent_id(root)
        .path_part("{proxy+}")
        .send()
        .await
        .unwrap();
    let pid = proxy.id().unwrap();
    client
        .put_method()
        .rest_api_id(id)
        .resource_id(pid)
        .http_method("ANY")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    client
        .put_integration()
        .rest_api_id(id)
        .resource_id(pid)
        .http_method("ANY")
        .r#type(IntegrationType::HttpProxy)
        .integration_http_method("ANY")
        .uri("http://127.0.0.1:${stageVariables.port}/${stageVariables.prefix}/{proxy}")
        .send()
        .await
        .unwrap();
    client
        .create_deployment()
        .rest_api_id(id)
        .stage_name("live")
        .variables("port", backend.to_string())
        .variables("prefix", "api")
        .send()
        .await
        .unwrap();
    client
        .create_deployment()
        .rest_api_id(id)
        .stage_name("down")
        .variables("port", "9")
        .variables("prefix", "x")
        .send()
        .await
        .unwrap();

    let url = format!("{}/live/items/42?color=red", portico.endpoint);
    let host = format!("{id}.execute-api.localhost:{}", portico.port);
    let reply = request("POST", &url, Some(&host), &[("x-test", "yes")], "payload").await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.header("x-backend"), Some("echo"));
    let echoed = reply.json();
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["uri"], "/api/items/42?color=red");
    assert_eq!(echoed["x-test"], "yes");
    assert_eq!(echoed["body"], "payload");

    let down = portico.invoke(id, "GET", "/down/anything").await;
    assert_eq!(down.status, 502, "{down:?}");

    // ANY stands for API Gateway's seven methods: others never reach the backend.
    for method in ["TRACE", "PROPFIND", "LOCK"] {
        let refused = request(method, &url, Some(&host), &[], "").await;
        assert_eq!(refused.status, 403, "{method}: {refused:?}");
        assert_eq!(
            refused.header("x-amzn-ErrorType"),
            Some("MissingAuthenticationTokenException")
        );
    }
}

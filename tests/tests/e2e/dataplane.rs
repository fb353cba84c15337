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

    // Hop-by-hop headers stay with the client's connection, those `Connection` names too.
    let reply = request(
        "POST",
        &url,
        Some(&host),
        &[("connection", "keep-alive, x-test"), ("x-test", "yes")],
        "payload",
    )
    .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    // The echo backend answers "" for a header it did not get.
    assert_eq!(reply.json()["x-test"], "", "{reply:?}");

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

/// A stage keeps serving from its compiled form while another API is written to many times:
/// writes recompile only the stages of the API they touch.
#[tokio::test]
async fn writes_to_one_api_never_recompile_another() {
    let portico = Portico::start();
    let client = portico.sdk();
    let served = crate::mock_api(&client, "served", r#"{"served": true}"#, Some("live")).await;
    let busy = crate::mock_api(&client, "busy", "{}", Some("live")).await;
    let stats = |portico: &Portico| {
        let portico_endpoint = portico.endpoint.clone();
        async move {
            let health = request("GET", &format!("{portico_endpoint}/_portico/health"), None, &[], "").await;
            health.json()["dataplane"].clone()
        }
    };
    assert_eq!(portico.invoke(&served.api_id, "GET", "/live/hello").await.status, 200);
    let before = stats(&portico).await;
    for i in 0..30 {
        client
            .update_rest_api()
            .rest_api_id(&busy.api_id)
            .patch_operations(crate::patch(
                aws_sdk_apigateway::types::Op::Replace,
                "/description",
                Some(&format!("write {i}")),
            ))
            .send()
            .await
            .unwrap();
        client
            .create_deployment()
            .rest_api_id(&busy.api_id)
            .stage_name("live")
            .send()
            .await
            .unwrap();
        let reply = portico.invoke(&served.api_id, "GET", "/live/hello").await;
        assert_eq!(reply.body, r#"{"served": true}"#);
    }
    let after = stats(&portico).await;
    assert_eq!(after["stageLoads"], before["stageLoads"], "{before} -> {after}");
    assert_eq!(after["deploymentCompiles"], before["deploymentCompiles"]);

    // A write to the served API itself is seen at once.
    client
        .put_integration_response()
        .rest_api_id(&served.api_id)
        .resource_id(&served.resource_id)
        .http_method("GET")
        .status_code("200")
        .response_templates("application/json", r#"{"served": "again"}"#)
        .send()
        .await
        .unwrap();
    client
        .create_deployment()
        .rest_api_id(&served.api_id)
        .stage_name("live")
        .send()
        .await
        .unwrap();
    let reply = portico.invoke(&served.api_id, "GET", "/live/hello").await;
    assert_eq!(reply.body, r#"{"served": "again"}"#);
    let redeployed = stats(&portico).await;
    assert_eq!(
        redeployed["deploymentCompiles"].as_u64(),
        before["deploymentCompiles"].as_u64().map(|n| n + 1)
    );
}

/// HTTP_PROXY to an `https://` backend with a self-signed certificate: refused as AWS refuses
/// an untrusted certificate (500; AWS logs "Execution failed due to configuration error"),
/// accepted with the integration's `tlsConfig.insecureSkipVerification`.
#[tokio::test]
async fn https_backends_with_self_signed_certificates() {
    use aws_sdk_apigateway::types::TlsConfig;
    use std::io::BufRead;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = root.join("../crates/portico-http/tests/data");
    let mut backend = std::process::Command::new("python3")
        .arg(root.join("support/echo_backend.py"))
        .args([
            "--tls",
            data.join("cert.pem").to_str().unwrap(),
            data.join("key.pem").to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    std::io::BufReader::new(backend.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().parse().expect("backend port");

    let portico = Portico::start();
    let client = portico.sdk();
    let api = client.create_rest_api().name("tls").send().await.unwrap();
    let (id, root_id) = (api.id().unwrap(), api.root_resource_id().unwrap());
    for (part, skip) in [("trusting", true), ("checking", false)] {
        let resource = client
            .create_resource()
            .rest_api_id(id)
            .parent_id(root_id)
            .path_part(part)
            .send()
            .await
            .unwrap();
        let rid = resource.id().unwrap();
        client
            .put_method()
            .rest_api_id(id)
            .resource_id(rid)
            .http_method("GET")
            .authorization_type("NONE")
            .send()
            .await
            .unwrap();
        let mut integration = client
            .put_integration()
            .rest_api_id(id)
            .resource_id(rid)
            .http_method("GET")
            .r#type(IntegrationType::HttpProxy)
            .integration_http_method("GET")
            .uri(format!("https://127.0.0.1:{port}/secure/{part}"));
        if skip {
            integration = integration.tls_config(TlsConfig::builder().insecure_skip_verification(true).build());
        }
        integration.send().await.unwrap();
    }
    client
        .create_deployment()
        .rest_api_id(id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();

    let trusted = portico.invoke(id, "GET", "/dev/trusting").await;
    assert_eq!(trusted.status, 200, "{trusted:?}");
    assert_eq!(trusted.json()["path"], "/secure/trusting");
    let refused = portico.invoke(id, "GET", "/dev/checking").await;
    assert_eq!(refused.status, 500, "{refused:?}");
    assert_eq!(refused.body, r#"{"message": "Internal server error"}"#);
    let _ = backend.kill();
    let _ = backend.wait();
}

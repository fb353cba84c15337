//! REST APIs as AWS answers them, through deployed stages: mapping templates (VTL) on MOCK,
//! HTTP and AWS integrations, integration responses chosen by selection patterns, passthrough
//! behaviours, CORS preflights, binary payloads, AWS service integrations (to a moto server),
//! and TestInvokeMethod.

use crate::harness::{Portico, Reply, request, temp_dir};
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::operation::put_integration::builders::PutIntegrationFluentBuilder;
use aws_sdk_apigateway::types::{ContentHandlingStrategy, IntegrationType};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};

/// A backend that tells what it got: `/describe` answers JSON with the method, URI, headers
/// and body; any other path echoes the body with its Content-Type. `?status=N` sets the status.
async fn mirror_backend() -> u16 {
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let service = service_fn(|req: http::Request<hyper::body::Incoming>| async move {
                    let status: u16 = req
                        .uri()
                        .query()
                        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("status=")))
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(200);
                    let describe = req.uri().path().starts_with("/describe");
                    let method = req.method().to_string();
                    let uri = req.uri().to_string();
                    let headers: serde_json::Map<String, Value> = req
                        .headers()
                        .iter()
                        .map(|(k, v)| (k.to_string(), Value::from(v.to_str().unwrap_or_default())))
                        .collect();
                    let content_type = req.headers().get("content-type").cloned();
                    let body = req
                        .into_body()
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    let mut answer = http::Response::builder()
                        .status(status)
                        .header("x-backend", "mirror")
                        .header("server", "mirror/1.0");
                    let body = if describe {
                        answer = answer.header("content-type", "application/json");
                        let text = String::from_utf8_lossy(&body);
                        Bytes::from(json!({"method": method, "uri": uri, "headers": headers, "body": text}).to_string())
                    } else {
                        if let Some(content_type) = content_type {
                            answer = answer.header("content-type", content_type);
                        }
                        body
                    };
                    Ok::<_, std::convert::Infallible>(answer.body(Full::new(body)).expect("response"))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    port
}

/// One integration response: status, selection pattern, templates, parameters, content handling.
#[derive(Default, Clone)]
struct Answer {
    status: &'static str,
    pattern: Option<&'static str>,
    templates: Vec<(&'static str, &'static str)>,
    parameters: Vec<(&'static str, &'static str)>,
    handling: Option<ContentHandlingStrategy>,
}

fn answer(status: &'static str) -> Answer {
    Answer {
        status,
        ..Answer::default()
    }
}

/// An API under test, built with the SDK as users build theirs.
struct Api {
    client: Client,
    id: String,
    root: String,
    port: u16,
}

impl Api {
    async fn new(portico: &Portico, name: &str) -> Api {
        let client = portico.sdk();
        let api = client.create_rest_api().name(name).send().await.expect("create api");
        Api {
            id: api.id().unwrap().to_owned(),
            root: api.root_resource_id().unwrap().to_owned(),
            client,
            port: portico.port,
        }
    }

    async fn resource(&self, parent: &str, part: &str) -> String {
        let r = self
            .client
            .create_resource()
            .rest_api_id(&self.id)
            .parent_id(parent)
            .path_part(part)
            .send()
            .await
            .expect("resource");
        r.id().unwrap().to_owned()
    }

    /// `verb` on `resource`, integrated as `integration` sets it up, answering `answers`.
    async fn method(
        &self,
        resource: &str,
        verb: &str,
        integration: impl FnOnce(PutIntegrationFluentBuilder) -> PutIntegrationFluentBuilder,
        answers: &[Answer],
    ) {
        self.method_declaring(resource, verb, &[], integration, answers).await;
    }

    /// `method`, its method request declaring `parameters` (which mappings may then name).
    async fn method_declaring(
        &self,
        resource: &str,
        verb: &str,
        parameters: &[&str],
        integration: impl FnOnce(PutIntegrationFluentBuilder) -> PutIntegrationFluentBuilder,
        answers: &[Answer],
    ) {
        let mut method = self
            .client
            .put_method()
            .rest_api_id(&self.id)
            .resource_id(resource)
            .http_method(verb)
            .authorization_type("NONE");
        for parameter in parameters {
            method = method.request_parameters(*parameter, false);
        }
        method.send().await.expect("put method");
        let put = self
            .client
            .put_integration()
            .rest_api_id(&self.id)
            .resource_id(resource)
            .http_method(verb);
        integration(put).send().await.expect("put integration");
        for a in answers {
            let mut method_response = self
                .client
                .put_method_response()
                .rest_api_id(&self.id)
                .resource_id(resource)
                .http_method(verb)
                .status_code(a.status);
            for (name, _) in &a.parameters {
                method_response = method_response.response_parameters(*name, false);
            }
            method_response.send().await.expect("method response");
            let mut response = self
                .client
                .put_integration_response()
                .rest_api_id(&self.id)
                .resource_id(resource)
                .http_method(verb)
                .status_code(a.status)
                .set_selection_pattern(a.pattern.map(str::to_owned))
                .set_content_handling(a.handling.clone());
            for (media_type, template) in &a.templates {
                response = response.response_templates(*media_type, *template);
            }
            for (name, source) in &a.parameters {
                response = response.response_parameters(*name, *source);
            }
            response.send().await.expect("integration response");
        }
    }

    async fn deploy(&self) {
        self.client
            .create_deployment()
            .rest_api_id(&self.id)
            .stage_name("test")
            .variables("who", "stage-var")
            .send()
            .await
            .expect("deploy");
    }

    async fn call(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let host = format!("{}.execute-api.localhost:{}", self.id, self.port);
        let url = format!("http://127.0.0.1:{}/test{path}", self.port);
        request(method, &url, Some(&host), headers, body).await
    }

    async fn call_bytes(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> (u16, Vec<u8>) {
        use hyper_util::client::legacy::Client as HttpClient;
        use hyper_util::rt::TokioExecutor;
        let client = HttpClient::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        let mut builder = http::Request::builder()
            .method(method)
            .uri(format!("http://127.0.0.1:{}/test{path}", self.port))
            .header("host", format!("{}.execute-api.localhost:{}", self.id, self.port));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let response = client
            .request(builder.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, body)
    }
}

fn mock(put: PutIntegrationFluentBuilder, template: &str) -> PutIntegrationFluentBuilder {
    put.r#type(IntegrationType::Mock)
        .request_templates("application/json", template)
}

fn http(put: PutIntegrationFluentBuilder, port: u16, path: &str) -> PutIntegrationFluentBuilder {
    put.r#type(IntegrationType::Http)
        .integration_http_method("POST")
        .uri(format!("http://127.0.0.1:{port}{path}"))
}

#[tokio::test]
async fn request_templates_reshape_json_into_json_and_xml() {
    let portico = Portico::start();
    let backend = mirror_backend().await;
    let api = Api::new(&portico, "reshape").await;
    let json_id = api.resource(&api.root, "json").await;
    let template = r#"#set($root = $input.path('$'))
{
  "name": "$root.name",
  "upper": "$root.name.toUpperCase()",
  "count": $root.items.size(),
  "items": [
#foreach($item in $root.items)
    {"id": $item.id, "label": "$util.escapeJavaScript($item.label)"}#if($foreach.hasNext),#end

#end
  ],
  "raw": $input.json('$.items[0]'),
  "who": "$stageVariables.who",
  "q": "$input.params('q')",
  "h": "$input.params('X-Trace')",
  "stage": "$context.stage",
  "method": "$context.httpMethod",
  "resource": "$context.resourcePath"
}"#;
    api.method_declaring(
        &json_id,
        "POST",
        &["method.request.querystring.q"],
        |p| {
            http(p, backend, "/describe")
                .request_templates("application/json", template)
                .request_parameters("integration.request.header.X-Mapped", "method.request.querystring.q")
                .request_parameters("integration.request.querystring.from", "'literal'")
        },
        &[answer("200")],
    )
    .await;
    let xml_id = api.resource(&api.root, "xml").await;
    let xml = r#"#set($root = $input.path('$'))<order id="$root.id">#foreach($line in $root.lines)<line sku="$line.sku" qty="$line.qty"/>#end</order>"#;
    api.method(
        &xml_id,
        "POST",
        |p| {
            http(p, backend, "/echo")
                .request_templates("application/json", xml)
                .request_parameters("integration.request.header.Content-Type", "'application/xml'")
        },
        &[answer("200")],
    )
    .await;
    api.deploy().await;

    let body = json!({"name": "ada", "items": [{"id": 1, "label": "say \"hi\"/bye"}, {"id": 2, "label": "two"}]});
    let reply = api
        .call(
            "POST",
            "/json?q=quest",
            &[
                ("content-type", "application/json"),
                ("x-trace", "t-1"),
                ("x-secret", "s"),
            ],
            &body.to_string(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let got = reply.json();
    let sent: Value = serde_json::from_str(got["body"].as_str().unwrap())
        .unwrap_or_else(|e| panic!("the template's output is JSON ({e}): {}", got["body"]));
    assert_eq!(sent["name"], "ada");
    assert_eq!(sent["upper"], "ADA");
    assert_eq!(sent["count"], 2);
    // `\"` and `\/` from `$util.escapeJavaScript` are JSON escapes too.
    assert_eq!(sent["items"][0], json!({"id": 1, "label": "say \"hi\"/bye"}));
    assert_eq!(sent["items"][1]["label"], "two");
    assert_eq!(sent["raw"], json!({"id": 1, "label": "say \"hi\"/bye"}));
    assert_eq!(sent["who"], "stage-var");
    assert_eq!((sent["q"].as_str(), sent["h"].as_str()), (Some("quest"), Some("t-1")));
    assert_eq!(
        (sent["stage"].as_str(), sent["method"].as_str()),
        (Some("test"), Some("POST"))
    );
    assert_eq!(sent["resource"], "/json");
    // What AWS sends a non-proxy HTTP backend: only what is mapped, with its own headers.
    let headers = &got["headers"];
    assert_eq!(headers["accept"], "application/json");
    assert_eq!(headers["user-agent"], format!("AmazonAPIGateway_{}", api.id));
    assert_eq!(headers["x-mapped"], "quest");
    assert!(
        headers.get("x-secret").is_none(),
        "unmapped headers stay behind: {headers}"
    );
    assert!(
        got["uri"].as_str().unwrap().ends_with("/describe?from=literal"),
        "{}",
        got["uri"]
    );

    let order = json!({"id": "o-7", "lines": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}]});
    let reply = api
        .call(
            "POST",
            "/xml",
            &[("content-type", "application/json")],
            &order.to_string(),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        r#"<order id="o-7"><line sku="a" qty="2"/><line sku="b" qty="1"/></order>"#
    );
    assert_eq!(reply.header("content-type"), Some("application/xml"));
}

/// `$input.path` gives Java objects (maps print as `{a=1}`, JSON arrays as JSON), missing
/// paths give nothing; `$input.json` gives JSON text. The answers recorded on AWS in
/// LocalStack's `test_input_path_template_formatting`.
#[tokio::test]
async fn input_path_and_json_keep_aws_types() {
    let portico = Portico::start();
    let backend = mirror_backend().await;
    let api = Api::new(&portico, "types").await;
    let routes = [
        ("path", r#"#set($result = $input.path("$.json"))$result"#),
        ("nested", r#"#set($result = $input.path("$.json"))$result.nested"#),
        ("list", r#"#set($result = $input.path("$.json"))$result[0]"#),
        (
            "to-string",
            r#"#set($result = $input.path("$.json"))$result.toString()"#,
        ),
        (
            "invalid-path",
            r##"#set($result = $input.path("$.nonExisting")){"body": $result, "nested": $result.nested, "isNull": #if( $result == $null )"true"#else"false"#end, "isEmptyString": #if( $result == "" )"true"#else"false"#end}"##,
        ),
        (
            "json",
            r#"$input.json('$.json')|$input.json('$.json.n')|$input.json('$.missing')"#,
        ),
        (
            "numbers",
            r#"#set($n = $input.path('$.json.n'))$n|#set($f = $input.path('$.json.f'))$f|$input.path('$.json.b')"#,
        ),
    ];
    for (part, template) in routes {
        let id = api.resource(&api.root, part).await;
        let answers = [Answer {
            templates: vec![("application/json", template)],
            ..answer("200")
        }];
        api.method(&id, "POST", |p| http(p, backend, "/echo"), &answers).await;
    }
    api.deploy().await;
    let post = |path: &'static str, body: Value| {
        let api = &api;
        async move {
            let reply = api
                .call("POST", path, &[("content-type", "application/json")], &body.to_string())
                .await;
            assert_eq!(reply.status, 200, "{path}: {}", reply.body);
            reply.body
        }
    };
    assert_eq!(post("/path", json!({"json": {"foo": "bar"}})).await, "{foo=bar}");
    assert_eq!(
        post("/path", json!({"json": [{"foo": "bar"}]})).await,
        r#"[{"foo":"bar"}]"#
    );
    assert_eq!(
        post("/nested", json!({"json": {"nested": {"foo": "bar"}}})).await,
        "{foo=bar}"
    );
    assert_eq!(
        post("/nested", json!({"json": {"nested": [{"foo": "bar"}]}})).await,
        r#"[{"foo":"bar"}]"#
    );
    assert_eq!(post("/list", json!({"json": [{"foo": "bar"}]})).await, "{foo=bar}");
    assert_eq!(
        post("/list", json!({"json": [[{"foo": "bar"}]]})).await,
        r#"[{"foo":"bar"}]"#
    );
    assert_eq!(
        post("/path", json!({"json": {"foo": [{"nested": "bar"}]}})).await,
        r#"{foo=[{"nested":"bar"}]}"#
    );
    assert_eq!(
        post(
            "/path",
            json!({"json": {"bigger": "dict", "to": "test", "with": "separators"}})
        )
        .await,
        "{bigger=dict, to=test, with=separators}"
    );
    assert_eq!(post("/to-string", json!({"json": {"foo": "bar"}})).await, "{foo=bar}");
    assert_eq!(
        post("/to-string", json!({"json": {"list": [{"foo": "bar"}]}})).await,
        r#"{list=[{"foo":"bar"}]}"#
    );
    assert_eq!(
        post("/invalid-path", json!({})).await,
        r#"{"body": , "nested": , "isNull": "true", "isEmptyString": "true"}"#
    );
    assert_eq!(
        post("/json", json!({"json": {"a": [1, 2], "n": 5}})).await,
        r#"{"a":[1,2],"n":5}|5|"""#
    );
    assert_eq!(
        post("/numbers", json!({"json": {"n": 42, "f": 1.5, "b": true}})).await,
        "42|1.5|true"
    );
}

/// Integration responses are chosen by the backend's status code (`selectionPattern` must
/// match all of it), mapped by their templates and parameters.
#[tokio::test]
async fn selection_patterns_map_backend_statuses() {
    let portico = Portico::start();
    let backend = mirror_backend().await;
    let api = Api::new(&portico, "patterns").await;
    let id = api.resource(&api.root, "thing").await;
    let answers = [
        Answer {
            parameters: vec![(
                "method.response.header.X-Backend",
                "integration.response.header.x-backend",
            )],
            ..answer("200")
        },
        Answer {
            pattern: Some("4\\d{2}"),
            templates: vec![("application/json", r#"{"error": "client", "got": $input.json('$')}"#)],
            parameters: vec![("method.response.header.X-Kind", "'client'")],
            ..answer("400")
        },
        Answer {
            pattern: Some("5\\d{2}"),
            templates: vec![(
                "application/json",
                r#"#set($context.responseOverride.status = 503)#set($context.responseOverride.header.Retry-After = '7'){"error": "server"}"#,
            )],
            ..answer("502")
        },
    ];
    api.method_declaring(
        &id,
        "POST",
        &["method.request.querystring.status"],
        |p| {
            p.r#type(IntegrationType::Http)
                .integration_http_method("POST")
                .uri(format!("http://127.0.0.1:{backend}/echo"))
                .request_parameters(
                    "integration.request.querystring.status",
                    "method.request.querystring.status",
                )
        },
        &answers,
    )
    .await;
    api.deploy().await;
    let ok = api
        .call("POST", "/thing", &[("content-type", "application/json")], r#"{"a":1}"#)
        .await;
    assert_eq!((ok.status, ok.body.as_str()), (200, r#"{"a":1}"#));
    assert_eq!(ok.header("x-backend"), Some("mirror"));
    let client = api
        .call(
            "POST",
            "/thing?status=404",
            &[("content-type", "application/json")],
            r#"{"a":1}"#,
        )
        .await;
    assert_eq!(client.status, 400);
    assert_eq!(client.json(), json!({"error": "client", "got": {"a": 1}}));
    assert_eq!(client.header("x-kind"), Some("client"));
    let server = api
        .call(
            "POST",
            "/thing?status=500",
            &[("content-type", "application/json")],
            "{}",
        )
        .await;
    assert_eq!((server.status, server.body.as_str()), (503, r#"{"error": "server"}"#));
    assert_eq!(server.header("retry-after"), Some("7"));
}

/// MOCK integrations render both templates; `passthroughBehavior` NEVER refuses a content
/// type without a template with 415, WHEN_NO_MATCH passes it.
#[tokio::test]
async fn mock_templates_overrides_and_passthrough() {
    let portico = Portico::start();
    let api = Api::new(&portico, "mock").await;
    let id = api.resource(&api.root, "m").await;
    let request = r##"{"statusCode": #if($input.params('fail') == "yes")500#else 200#end}"##;
    let answers = [
        Answer {
            templates: vec![(
                "application/json",
                r#"#set($context.responseOverride.header.X-Request = $context.requestId){"hello": "$input.params('name')", "path": "$context.path", "epoch": $context.requestTimeEpoch}"#,
            )],
            ..answer("200")
        },
        Answer {
            pattern: Some("5\\d\\d"),
            templates: vec![("application/json", r#"{"failed": true}"#)],
            ..answer("500")
        },
    ];
    api.method(&id, "GET", |p| mock(p, request).passthrough_behavior("NEVER"), &answers)
        .await;
    api.deploy().await;
    let reply = api.call("GET", "/m?name=ada", &[], "").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    assert_eq!(
        (body["hello"].as_str(), body["path"].as_str()),
        (Some("ada"), Some("/test/m"))
    );
    assert!(body["epoch"].as_i64().unwrap() > 1_700_000_000_000);
    assert_eq!(reply.header("x-request"), reply.header("x-amzn-requestid"));
    let failed = api.call("GET", "/m?fail=yes", &[], "").await;
    assert_eq!((failed.status, failed.body.as_str()), (500, r#"{"failed": true}"#));
    // NEVER: no template for text/plain, so 415 as the UNSUPPORTED_MEDIA_TYPE gateway response.
    let refused = api.call("GET", "/m", &[("content-type", "text/plain")], "hi").await;
    assert_eq!(refused.status, 415);
    assert_eq!(refused.body, r#"{"message":"Unsupported Media Type"}"#);
    assert_eq!(
        refused.header("x-amzn-errortype"),
        Some("UnsupportedMediaTypeException")
    );
}

/// REST APIs answer preflights only as configured: an OPTIONS method with a MOCK integration
/// whose response parameters are the CORS headers.
#[tokio::test]
async fn cors_preflight_is_served_as_configured() {
    let portico = Portico::start();
    let api = Api::new(&portico, "cors").await;
    let id = api.resource(&api.root, "pets").await;
    let answers = [Answer {
        parameters: vec![
            (
                "method.response.header.Access-Control-Allow-Origin",
                "'https://app.example'",
            ),
            (
                "method.response.header.Access-Control-Allow-Methods",
                "'GET,POST,OPTIONS'",
            ),
            (
                "method.response.header.Access-Control-Allow-Headers",
                "'Content-Type,X-Amz-Date,Authorization,X-Api-Key'",
            ),
        ],
        ..answer("200")
    }];
    api.method(&id, "OPTIONS", |p| mock(p, r#"{"statusCode": 200}"#), &answers)
        .await;
    api.deploy().await;
    let reply = api
        .call(
            "OPTIONS",
            "/pets",
            &[
                ("origin", "https://app.example"),
                ("access-control-request-method", "POST"),
            ],
            "",
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("access-control-allow-origin"), Some("https://app.example"));
    assert_eq!(reply.header("access-control-allow-methods"), Some("GET,POST,OPTIONS"));
    assert_eq!(
        reply.header("access-control-allow-headers"),
        Some("Content-Type,X-Amz-Date,Authorization,X-Api-Key")
    );
    assert_eq!(reply.body, "");
    // No automatic CORS on REST APIs: a GET has no method here.
    assert_eq!(api.call("GET", "/pets", &[], "").await.status, 403);
}

/// The 8-byte PNG signature and some bytes that are not UTF-8.
fn png() -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    bytes.extend((0u8..=255).rev());
    bytes
}

/// A PNG through HTTP_PROXY as it is, and through a non-proxy HTTP integration that sends
/// it as base64 text (CONVERT_TO_TEXT) and turns the text answer back into bytes
/// (CONVERT_TO_BINARY).
#[tokio::test]
async fn png_round_trips_through_proxy_and_content_handling() {
    let portico = Portico::start();
    let backend = mirror_backend().await;
    let api = Api::new(&portico, "binary").await;
    api.client
        .update_rest_api()
        .rest_api_id(&api.id)
        .patch_operations(crate::patch(
            aws_sdk_apigateway::types::Op::Add,
            "/binaryMediaTypes/image~1png",
            None,
        ))
        .send()
        .await
        .expect("binary media type");
    let proxy = api.resource(&api.root, "proxy").await;
    api.method(
        &proxy,
        "POST",
        |p| {
            p.r#type(IntegrationType::HttpProxy)
                .integration_http_method("POST")
                .uri(format!("http://127.0.0.1:{backend}/echo"))
        },
        &[],
    )
    .await;
    let converted = api.resource(&api.root, "converted").await;
    let answers = [Answer {
        handling: Some(ContentHandlingStrategy::ConvertToBinary),
        parameters: vec![("method.response.header.Content-Type", "'image/png'")],
        ..answer("200")
    }];
    api.method(
        &converted,
        "POST",
        |p| {
            http(p, backend, "/echo")
                .content_handling(ContentHandlingStrategy::ConvertToText)
                .request_parameters("integration.request.header.Content-Type", "'text/plain'")
        },
        &answers,
    )
    .await;
    api.deploy().await;
    // The backend's `Server` comes back remapped, as AWS hands it on.
    let text = api
        .call("POST", "/proxy", &[("content-type", "text/plain")], "hi")
        .await;
    assert_eq!((text.status, text.body.as_str()), (200, "hi"));
    assert_eq!(text.header("x-amzn-remapped-server"), Some("mirror/1.0"));
    assert_eq!(text.header("x-amzn-remapped-content-length"), Some("2"));
    assert_ne!(text.header("server"), Some("mirror/1.0"));
    let image = png();
    let (status, body) = api
        .call_bytes("POST", "/proxy", &[("content-type", "image/png")], image.clone())
        .await;
    assert_eq!((status, &body), (200, &image));
    let (status, body) = api
        .call_bytes(
            "POST",
            "/converted",
            &[("content-type", "image/png"), ("accept", "image/png")],
            image.clone(),
        )
        .await;
    assert_eq!((status, &body), (200, &image));
}

/// TestInvokeMethod runs the method as it is now (no deployment needed) and answers with
/// AWS's fields and execution log.
#[tokio::test]
async fn test_invoke_method_answers_like_aws() {
    let portico = Portico::start();
    let backend = mirror_backend().await;
    let api = Api::new(&portico, "test-invoke").await;
    let items = api.resource(&api.root, "items").await;
    let item = api.resource(&items, "{id}").await;
    let answers = [Answer {
        templates: vec![(
            "application/json",
            r#"{"id": "$input.path('$.id')", "stage": "$input.path('$.stage')"}"#,
        )],
        ..answer("200")
    }];
    api.method(
        &item,
        "POST",
        |p| {
            http(p, backend, "/echo").request_templates(
                "application/json",
                r#"{"id": "$input.params('id')", "stage": "$context.stage", "v": "$stageVariables.v"}"#,
            )
        },
        &answers,
    )
    .await;
    let invoked = api
        .client
        .test_invoke_method()
        .rest_api_id(&api.id)
        .resource_id(&item)
        .http_method("POST")
        .path_with_query_string("/items/42?x=1")
        .body("{}")
        .headers("Content-Type", "application/json")
        .stage_variables("v", "1")
        .send()
        .await
        .expect("test invoke");
    assert_eq!(invoked.status(), 200);
    assert_eq!(invoked.body(), Some(r#"{"id": "42", "stage": "test-invoke-stage"}"#));
    assert_eq!(invoked.headers().unwrap()["Content-Type"], "application/json");
    assert_eq!(
        invoked.multi_value_headers().unwrap()["Content-Type"],
        ["application/json"]
    );
    let log = invoked.log().unwrap();
    for line in [
        "Starting execution for request: ",
        "HTTP Method: POST, Resource Path: /items/42",
        "Method request path: {id=42}",
        "Method request query string: {x=1}",
        r#"Endpoint request body after transformations: {"id": "42", "stage": "test-invoke-stage", "v": "1"}"#,
        "Method completed with status: 200",
    ] {
        assert!(log.contains(line), "{line:?} in\n{log}");
    }
    // A MOCK method's log, line for line as AWS recorded it (LocalStack's
    // `test_invoke_test_method`), timestamps and ids aside.
    let pets = api.resource(&api.root, "pets").await;
    let answers = [Answer {
        templates: vec![("application/json", r#"{"pets": "all the pets"}"#)],
        ..answer("200")
    }];
    api.method(&pets, "GET", |p| mock(p, r#"{"statusCode": 200}"#), &answers)
        .await;
    let mocked = api
        .client
        .test_invoke_method()
        .rest_api_id(&api.id)
        .resource_id(&pets)
        .http_method("GET")
        .send()
        .await
        .expect("test invoke");
    let lines: Vec<&str> = mocked
        .log()
        .unwrap()
        .split('\n')
        .map(|line| line.split_once(" UTC 20").map_or(line, |(_, rest)| &rest[5..]))
        .collect();
    assert_eq!(
        lines[1..],
        [
            &format!(
                "Starting execution for request: {}",
                &lines[0]["Execution log for request ".len()..]
            ) as &str,
            "HTTP Method: GET, Resource Path: /pets",
            "Method request path: {}",
            "Method request query string: {}",
            "Method request headers: {}",
            "Method request body before transformations: ",
            r#"Method response body after transformations: {"pets": "all the pets"}"#,
            "Method response headers: {Content-Type=application/json}",
            "Successfully completed execution",
            "Method completed with status: 200",
            "",
        ]
    );
    assert_eq!(mocked.body(), Some(r#"{"pets": "all the pets"}"#));
    let missing = api
        .client
        .test_invoke_method()
        .rest_api_id(&api.id)
        .resource_id(&item)
        .http_method("GET")
        .send()
        .await
        .unwrap_err();
    let missing = missing.into_service_error();
    assert!(missing.is_not_found_exception(), "{missing:?}");
    assert_eq!(missing.meta().message(), Some("Invalid Method identifier specified"));
}

/// An AWS service integration (DynamoDB) signed and sent to the `--aws-endpoint`, a moto
/// server: PutItem from a request template, GetItem mapped back by a response template.
#[tokio::test]
async fn aws_service_integration_reaches_moto() {
    if !moto_here() {
        return;
    }
    let (moto, moto_port) = start_moto();
    let portico = Portico::start_with(&[
        "--in-memory",
        "--aws-endpoint",
        &format!("http://127.0.0.1:{moto_port}"),
    ]);
    // The table, made directly at moto.
    let create = json!({
        "TableName": "items",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST"
    });
    let made = request(
        "POST",
        &format!("http://127.0.0.1:{moto_port}/"),
        None,
        &[
            ("x-amz-target", "DynamoDB_20120810.CreateTable"),
            ("content-type", "application/x-amz-json-1.0"),
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
            ),
        ],
        &create.to_string(),
    )
    .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let api = Api::new(&portico, "dynamo").await;
    let items = api.resource(&api.root, "items").await;
    let item = api.resource(&items, "{id}").await;
    let put = r#"{"TableName": "items", "Item": {"id": {"S": "$input.path('$.id')"}, "name": {"S": "$input.path('$.name')"}}}"#;
    api.method(
        &items,
        "POST",
        |p| {
            p.r#type(IntegrationType::Aws)
                .integration_http_method("POST")
                .uri("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem")
                .credentials("arn:aws:iam::000000000000:role/apigw")
                .request_templates("application/json", put)
        },
        &[Answer {
            templates: vec![("application/json", r#"{"stored": true}"#)],
            ..answer("200")
        }],
    )
    .await;
    let get = r#"{"TableName": "items", "Key": {"id": {"S": "$input.params('id')"}}}"#;
    api.method(
        &item,
        "GET",
        |p| {
            p.r#type(IntegrationType::Aws)
                .integration_http_method("POST")
                .uri("arn:aws:apigateway:us-east-1:dynamodb:action/GetItem")
                .request_templates("application/json", get)
        },
        &[Answer {
            templates: vec![(
                "application/json",
                r#"{"id": "$input.path('$.Item.id.S')", "name": "$input.path('$.Item.name.S')"}"#,
            )],
            ..answer("200")
        }],
    )
    .await;
    api.deploy().await;
    let stored = api
        .call(
            "POST",
            "/items",
            &[("content-type", "application/json")],
            r#"{"id": "i1", "name": "lamp"}"#,
        )
        .await;
    assert_eq!((stored.status, stored.body.as_str()), (200, r#"{"stored": true}"#));
    let read = api.call("GET", "/items/i1", &[], "").await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.json(), json!({"id": "i1", "name": "lamp"}));
    drop(moto);
}

/// Without `--aws-endpoint` a service integration is a 500, as a misconfigured one is on AWS.
#[tokio::test]
async fn aws_service_integration_without_an_endpoint_is_a_500() {
    let portico = Portico::start();
    let api = Api::new(&portico, "no-endpoint").await;
    let id = api.resource(&api.root, "q").await;
    api.method(
        &id,
        "POST",
        |p| {
            p.r#type(IntegrationType::Aws)
                .integration_http_method("POST")
                .uri("arn:aws:apigateway:us-east-1:sqs:path/000000000000/queue")
        },
        &[answer("200")],
    )
    .await;
    api.deploy().await;
    let reply = api.call("POST", "/q", &[], "{}").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (500, r#"{"message": "Internal server error"}"#)
    );
}

pub(crate) fn moto_here() -> bool {
    let present = std::process::Command::new("moto_server")
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        assert!(
            std::env::var_os("PORTICO_REQUIRE_ALL").is_none(),
            "missing: moto_server (pip install 'moto[server]')"
        );
        println!("SKIPPED: missing moto_server");
    }
    present
}

/// A moto server on a free port; killed when the guard drops.
pub(crate) fn start_moto() -> (KillOnDrop, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = temp_dir("moto");
    let child = std::process::Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("moto_server starts");
    let guard = KillOnDrop(child);
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (guard, port);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("moto_server did not listen on {port}");
}

pub(crate) struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const ORDERS: &str = r#"
def handler(event, context):
    if event.get("id") == "missing":
        raise Exception("Not found: order " + event["id"])
    if event.get("id") == "broken":
        raise ValueError("boom")
    return {"order": event["id"], "qty": event.get("qty", 1)}
"#;

/// An AWS (non-proxy) Lambda integration: the request template's output is the event; the
/// result goes through the integration responses, whose patterns match the error message.
#[tokio::test]
async fn lambda_errors_select_integration_responses() {
    if !crate::lambda::runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let arn = crate::lambda::create_function(
        &portico,
        "orders",
        "python3.12",
        "orders.handler",
        &[("orders.py", ORDERS)],
        10,
    );
    let api = Api::new(&portico, "lambda-custom").await;
    let orders = api.resource(&api.root, "orders").await;
    let order = api.resource(&orders, "{id}").await;
    let answers = [
        Answer {
            templates: vec![(
                "application/json",
                r#"{"id": "$input.path('$.order')", "qty": $input.path('$.qty')}"#,
            )],
            ..answer("200")
        },
        Answer {
            pattern: Some("Not found.*"),
            templates: vec![("application/json", r#"{"message": "$input.path('$.errorMessage')"}"#)],
            ..answer("404")
        },
    ];
    let uri = format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations");
    api.method(
        &order,
        "GET",
        |p| {
            p.r#type(IntegrationType::Aws)
                .integration_http_method("POST")
                .uri(uri)
                .request_templates(
                    "application/json",
                    r#"{"id": "$input.params('id')", "qty": $util.parseJson('{"n": 3}').n}"#,
                )
        },
        &answers,
    )
    .await;
    api.deploy().await;
    let ok = api.call("GET", "/orders/o1", &[], "").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json(), json!({"id": "o1", "qty": 3}));
    let missing = api.call("GET", "/orders/missing", &[], "").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json(), json!({"message": "Not found: order missing"}));
    // An error no pattern matches goes to the default response, as on AWS.
    let broken = api.call("GET", "/orders/broken", &[], "").await;
    assert_eq!((broken.status, broken.body.as_str()), (200, r#"{"id": "", "qty": }"#));
}

impl Api {
    async fn model(&self, name: &str, schema: Value) {
        self.client
            .create_model()
            .rest_api_id(&self.id)
            .name(name)
            .content_type("application/json")
            .schema(schema.to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("model {name}: {e:?}"));
    }
}

/// A request validator with a body model that `$ref`s another model, and required header
/// and query string: AWS's 400s (parameters first, headers listed first), then the call.
#[tokio::test]
async fn request_validators_refuse_as_aws() {
    let portico = Portico::start();
    let api = Api::new(&portico, "validated").await;
    api.model(
        "Item",
        json!({"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
               "required": ["sku", "qty"],
               "properties": {"sku": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}}}),
    )
    .await;
    let item_ref = format!("https://apigateway.amazonaws.com/restapis/{}/models/Item", api.id);
    api.model(
        "Order",
        json!({"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
               "required": ["items"],
               "properties": {"items": {"type": "array", "items": {"$ref": item_ref}}}}),
    )
    .await;
    let validator = api
        .client
        .create_request_validator()
        .rest_api_id(&api.id)
        .name("all")
        .validate_request_body(true)
        .validate_request_parameters(true)
        .send()
        .await
        .unwrap();
    let orders = api.resource(&api.root, "orders").await;
    api.client
        .put_method()
        .rest_api_id(&api.id)
        .resource_id(&orders)
        .http_method("POST")
        .authorization_type("NONE")
        .request_validator_id(validator.id().unwrap())
        .request_models("application/json", "Order")
        .request_parameters("method.request.header.X-Tenant", true)
        .request_parameters("method.request.querystring.mode", true)
        .request_parameters("method.request.querystring.page", false)
        .send()
        .await
        .expect("validated method");
    api.client
        .put_integration()
        .rest_api_id(&api.id)
        .resource_id(&orders)
        .http_method("POST")
        .r#type(IntegrationType::Mock)
        .request_templates("application/json", r#"{"statusCode": 200}"#)
        .send()
        .await
        .unwrap();
    api.client
        .put_method_response()
        .rest_api_id(&api.id)
        .resource_id(&orders)
        .http_method("POST")
        .status_code("200")
        .send()
        .await
        .unwrap();
    api.client
        .put_integration_response()
        .rest_api_id(&api.id)
        .resource_id(&orders)
        .http_method("POST")
        .status_code("200")
        .response_templates("application/json", r#"{"accepted": true}"#)
        .send()
        .await
        .unwrap();
    api.deploy().await;
    let json_type = ("content-type", "application/json");
    let good = json!({"items": [{"sku": "a", "qty": 2}]}).to_string();
    let missing = api.call("POST", "/orders", &[json_type], &good).await;
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.body,
        r#"{"message":"Missing required request parameters: [X-Tenant, mode]"}"#
    );
    assert_eq!(missing.header("x-amzn-errortype"), Some("BadRequestException"));
    let tenant = ("x-tenant", "t1");
    let bad = json!({"items": [{"sku": "a", "qty": 0}]}).to_string();
    let invalid = api.call("POST", "/orders?mode=fast", &[json_type, tenant], &bad).await;
    assert_eq!(
        (invalid.status, invalid.body.as_str()),
        (400, r#"{"message":"Invalid request body"}"#)
    );
    let empty = api.call("POST", "/orders?mode=fast", &[json_type, tenant], "").await;
    assert_eq!(empty.status, 400, "an empty body is validated as {{}}");
    let ok = api.call("POST", "/orders?mode=fast", &[json_type, tenant], &good).await;
    assert_eq!((ok.status, ok.body.as_str()), (200, r#"{"accepted": true}"#));
}

/// The answers API Gateway itself gives, default and as the API customised them: status,
/// headers and templates with `$context.error.*`, also for errors of authorization (AWS_IAM),
/// routing, validation, content types and integrations.
#[tokio::test]
async fn gateway_responses_default_and_customised() {
    let portico = Portico::start();
    let api = Api::new(&portico, "gateway-responses").await;
    api.model(
        "Thing",
        json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}),
    )
    .await;
    let validator = api
        .client
        .create_request_validator()
        .rest_api_id(&api.id)
        .name("body")
        .validate_request_body(true)
        .send()
        .await
        .unwrap();
    let things = api.resource(&api.root, "things").await;
    api.client
        .put_method()
        .rest_api_id(&api.id)
        .resource_id(&things)
        .http_method("POST")
        .authorization_type("NONE")
        .request_validator_id(validator.id().unwrap())
        .request_models("application/json", "Thing")
        .send()
        .await
        .unwrap();
    api.client
        .put_integration()
        .rest_api_id(&api.id)
        .resource_id(&things)
        .http_method("POST")
        .r#type(IntegrationType::Mock)
        .passthrough_behavior("NEVER")
        .request_templates("application/json", r#"{"statusCode": 200}"#)
        .send()
        .await
        .unwrap();
    api.client
        .put_integration_response()
        .rest_api_id(&api.id)
        .resource_id(&things)
        .http_method("POST")
        .status_code("200")
        .send()
        .await
        .unwrap();
    let secured = api.resource(&api.root, "secured").await;
    api.client
        .put_method()
        .rest_api_id(&api.id)
        .resource_id(&secured)
        .http_method("GET")
        .authorization_type("AWS_IAM")
        .send()
        .await
        .unwrap();
    api.client
        .put_integration()
        .rest_api_id(&api.id)
        .resource_id(&secured)
        .http_method("GET")
        .r#type(IntegrationType::Mock)
        .request_templates("application/json", r#"{"statusCode": 200}"#)
        .send()
        .await
        .unwrap();
    // Unreachable: nothing listens on port 9 of localhost.
    let down = api.resource(&api.root, "down").await;
    api.method(
        &down,
        "GET",
        |p| {
            p.r#type(IntegrationType::HttpProxy)
                .integration_http_method("GET")
                .uri("http://127.0.0.1:9/")
        },
        &[],
    )
    .await;
    // A template that throws: a configuration error.
    let broken = api.resource(&api.root, "broken").await;
    api.method(
        &broken,
        "GET",
        |p| mock(p, "$util.parseJson('{oops')"),
        &[answer("200")],
    )
    .await;
    api.deploy().await;

    // Defaults, byte for byte.
    let json_type = ("content-type", "application/json");
    let route = api.call("GET", "/nowhere", &[], "").await;
    assert_eq!(
        (route.status, route.body.as_str()),
        (403, r#"{"message":"Missing Authentication Token"}"#)
    );
    let unsigned = api.call("GET", "/secured", &[], "").await;
    assert_eq!(unsigned.status, 403);
    assert_eq!(unsigned.body, r#"{"message":"Missing Authentication Token"}"#);
    let body = api.call("POST", "/things", &[json_type], "{}").await;
    assert_eq!(
        (body.status, body.body.as_str()),
        (400, r#"{"message":"Invalid request body"}"#)
    );
    let media = api
        .call("POST", "/things", &[("content-type", "text/plain")], "x")
        .await;
    assert_eq!(
        (media.status, media.body.as_str()),
        (415, r#"{"message":"Unsupported Media Type"}"#)
    );
    let failure = api.call("GET", "/down", &[], "").await;
    assert_eq!(
        (failure.status, failure.body.as_str()),
        (502, r#"{"message": "Internal server error"}"#)
    );
    let config = api.call("GET", "/broken", &[], "").await;
    assert_eq!(
        (config.status, config.body.as_str()),
        (500, r#"{"message": "Internal server error"}"#)
    );

    // Customised: one type with its own status and template, the 4XX and 5XX families.
    let put = |kind: aws_sdk_apigateway::types::GatewayResponseType| {
        api.client
            .put_gateway_response()
            .rest_api_id(&api.id)
            .response_type(kind)
    };
    use aws_sdk_apigateway::types::GatewayResponseType as T;
    put(T::MissingAuthenticationToken)
        .status_code("404")
        .response_templates(
            "application/json",
            r#"{"error": $context.error.messageString, "type": "$context.error.responseType", "path": "$context.path"}"#,
        )
        .send()
        .await
        .unwrap();
    put(T::Default4Xx)
        .response_parameters("gatewayresponse.header.Access-Control-Allow-Origin", "'*'")
        .response_parameters("gatewayresponse.header.X-Asked", "method.request.header.x-ask")
        .send()
        .await
        .unwrap();
    put(T::BadRequestBody)
        .response_templates(
            "application/json",
            r#"{"message": "$context.error.message", "detail": "$util.escapeJavaScript($context.error.validationErrorString)"}"#,
        )
        .send()
        .await
        .unwrap();
    put(T::Default5Xx)
        .status_code("503")
        .response_templates("application/json", r#"{"oops": "$context.error.responseType"}"#)
        .send()
        .await
        .unwrap();
    api.deploy().await;

    let route = api.call("GET", "/nowhere", &[("x-ask", "42")], "").await;
    assert_eq!(route.status, 404);
    assert_eq!(
        route.json(),
        json!({"error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN", "path": "/test/nowhere"})
    );
    assert_eq!(
        route.header("access-control-allow-origin"),
        None,
        "DEFAULT_4XX is not the customised type"
    );
    let unsigned = api.call("GET", "/secured", &[], "").await;
    assert_eq!(unsigned.status, 404, "AWS_IAM's refusal is the same gateway response");
    let media = api
        .call(
            "POST",
            "/things",
            &[("content-type", "text/plain"), ("x-ask", "42")],
            "x",
        )
        .await;
    assert_eq!(
        (media.status, media.body.as_str()),
        (415, r#"{"message":"Unsupported Media Type"}"#)
    );
    assert_eq!(media.header("access-control-allow-origin"), Some("*"));
    assert_eq!(media.header("x-asked"), Some("42"));
    let body = api.call("POST", "/things", &[json_type], r#"{"name": 7}"#).await;
    assert_eq!(body.status, 400);
    let detail = body.json();
    assert_eq!(detail["message"], "Invalid request body");
    assert!(
        detail["detail"]
            .as_str()
            .unwrap()
            .contains("instance type (integer) does not match"),
        "{detail}"
    );
    // A type customised on its own takes nothing from its family's customisation.
    assert_eq!(body.header("access-control-allow-origin"), None);
    let failure = api.call("GET", "/down", &[], "").await;
    assert_eq!(
        (failure.status, failure.body.as_str()),
        (503, r#"{"oops": "INTEGRATION_FAILURE"}"#)
    );
    let config = api.call("GET", "/broken", &[], "").await;
    assert_eq!(
        (config.status, config.body.as_str()),
        (503, r#"{"oops": "API_CONFIGURATION_ERROR"}"#)
    );
    // Requests that succeed are untouched.
    let ok = api.call("POST", "/things", &[json_type], r#"{"name": "x"}"#).await;
    assert_eq!(ok.status, 200);
}

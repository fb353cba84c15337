//! ImportRestApi, PutRestApi and GetExport through the AWS SDK: Swagger 2.0 and OpenAPI 3.0,
//! JSON and YAML, the tree they build, a deployed MOCK method answering through execute-api,
//! exports read back in, overwrite and merge, and AWS's errors. The shapes asserted are what
//! AWS answered in LocalStack's recorded snapshots (test_apigateway_import,
//! test_apigateway_extended's exports).

use crate::deploy;
use crate::harness::Portico;
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::primitives::Blob;
use aws_sdk_apigateway::types::PutMode;
use std::collections::BTreeMap;

/// The status and the SDK's error of a failed call.
macro_rules! failure {
    ($call:expr) => {{
        let err = $call.await.unwrap_err();
        let status = err.raw_response().map(|r| r.status().as_u16());
        (status, err.into_service_error())
    }};
}

const SWAGGER: &str = r##"{
  "swagger": "2.0",
  "info": {"title": "PetStore", "description": "Pets through Portico", "version": "1.0"},
  "basePath": "/v1",
  "paths": {
    "/pets": {
      "get": {
        "operationId": "ListPets",
        "produces": ["application/json"],
        "parameters": [
          {"name": "type", "in": "query", "type": "string"},
          {"name": "page", "in": "query", "type": "string"}
        ],
        "responses": {
          "200": {"description": "ok", "schema": {"$ref": "#/definitions/Pets"},
                  "headers": {"Access-Control-Allow-Origin": {"type": "string"}}}
        },
        "x-amazon-apigateway-integration": {
          "type": "mock",
          "passthroughBehavior": "when_no_match",
          "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
          "responses": {
            "default": {
              "statusCode": "200",
              "responseParameters": {"method.response.header.Access-Control-Allow-Origin": "'*'"},
              "responseTemplates": {"application/json": "{\"pets\": [\"cat\", \"dog\"]}"}
            }
          }
        }
      },
      "post": {
        "operationId": "CreatePet",
        "parameters": [{"in": "body", "name": "NewPet", "required": true, "schema": {"$ref": "#/definitions/NewPet"}}],
        "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}},
        "x-amazon-apigateway-integration": {
          "type": "http", "httpMethod": "POST", "uri": "http://petstore.example.com/pets",
          "responses": {"default": {"statusCode": "200"}}
        }
      }
    },
    "/pets/{petId}": {
      "get": {
        "operationId": "GetPet",
        "parameters": [{"name": "petId", "in": "path", "required": true, "type": "string"}],
        "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}},
        "x-amazon-apigateway-integration": {
          "type": "http", "httpMethod": "GET", "uri": "http://petstore.example.com/pets/{petId}",
          "requestParameters": {"integration.request.path.petId": "method.request.path.petId"},
          "responses": {"default": {"statusCode": "200"}, "4\\d{2}": {"statusCode": "400"}}
        }
      }
    }
  },
  "definitions": {
    "Pets": {"type": "array", "items": {"$ref": "#/definitions/Pet"}},
    "Pet": {"type": "object", "properties": {"id": {"type": "integer"}, "type": {"type": "string"}, "price": {"type": "number"}}},
    "NewPet": {"type": "object", "properties": {"type": {"type": "string"}, "price": {"type": "number"}}}
  }
}"##;

const OAS30_YAML: &str = r##"
openapi: 3.0.1
info:
  title: Echo
  version: "2"
paths:
  /hello:
    get:
      security:
        - api_key: []
      responses:
        200:
          description: ok
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Greeting"
      x-amazon-apigateway-request-validator: params
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
        responses:
          default:
            statusCode: 200
            responseTemplates:
              application/json: '{"hello": "yaml"}'
  /secure/{proxy+}:
    x-amazon-apigateway-any-method:
      parameters:
        - name: proxy
          in: path
          required: true
          schema:
            type: string
      security:
        - token: []
      responses: {}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: http://backend.example.com/{proxy}
        requestParameters:
          integration.request.path.proxy: method.request.path.proxy
components:
  schemas:
    Greeting:
      type: object
      properties:
        hello:
          type: string
  securitySchemes:
    api_key:
      type: apiKey
      name: x-api-key
      in: header
    token:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations
        authorizerResultTtlInSeconds: 300
x-amazon-apigateway-request-validators:
  params:
    validateRequestBody: false
    validateRequestParameters: true
x-amazon-apigateway-binary-media-types:
  - image/png
x-amazon-apigateway-gateway-responses:
  DEFAULT_4XX:
    statusCode: 400
    responseTemplates:
      application/json: '{"oops": true}'
"##;

async fn import(client: &Client, body: &str) -> aws_sdk_apigateway::operation::import_rest_api::ImportRestApiOutput {
    client
        .import_rest_api()
        .body(Blob::new(body.as_bytes()))
        .send()
        .await
        .expect("import")
}

/// Path → resource id.
async fn paths(client: &Client, api_id: &str) -> BTreeMap<String, String> {
    let resources = client
        .get_resources()
        .rest_api_id(api_id)
        .limit(500)
        .send()
        .await
        .unwrap();
    resources
        .items()
        .iter()
        .map(|r| (r.path().unwrap().to_string(), r.id().unwrap().to_string()))
        .collect()
}

async fn model_names(client: &Client, api_id: &str) -> Vec<String> {
    let models = client.get_models().rest_api_id(api_id).send().await.unwrap();
    let mut names: Vec<String> = models.items().iter().map(|m| m.name().unwrap().to_string()).collect();
    names.sort();
    names
}

async fn export(
    client: &Client,
    api_id: &str,
    stage: &str,
    kind: &str,
    accepts: &str,
    extensions: Option<&str>,
) -> (String, String, String) {
    let mut request = client
        .get_export()
        .rest_api_id(api_id)
        .stage_name(stage)
        .export_type(kind)
        .accepts(accepts);
    if let Some(e) = extensions {
        request = request.parameters("extensions", e);
    }
    let out = request.send().await.expect("export");
    (
        String::from_utf8(out.body().unwrap().as_ref().to_vec()).unwrap(),
        out.content_type().unwrap_or_default().to_string(),
        out.content_disposition().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn swagger_json_builds_the_tree_aws_builds_and_serves_its_mock() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = import(&client, SWAGGER).await;
    let api_id = api.id().unwrap().to_string();
    assert_eq!(api.name(), Some("PetStore"));
    assert_eq!(api.description(), Some("Pets through Portico"));
    assert_eq!(api.version(), Some("1.0"));
    assert_eq!(api.api_key_source().map(|s| s.as_str()), Some("HEADER"));
    let root_id = api.root_resource_id().unwrap().to_string();

    // `basepath` is ignored by default.
    let tree = paths(&client, &api_id).await;
    assert_eq!(tree.keys().collect::<Vec<_>>(), ["/", "/pets", "/pets/{petId}"]);
    assert_eq!(tree["/"], root_id);
    // Only the document's models: no Empty or Error of AWS's own.
    assert_eq!(model_names(&client, &api_id).await, ["NewPet", "Pet", "Pets"]);
    let pets_model = client
        .get_model()
        .rest_api_id(&api_id)
        .model_name("Pets")
        .send()
        .await
        .unwrap();
    assert!(
        pets_model.schema().unwrap().contains(&format!(
            "https://apigateway.amazonaws.com/restapis/{api_id}/models/Pet"
        )),
        "{:?}",
        pets_model.schema()
    );

    let get = client
        .get_method()
        .rest_api_id(&api_id)
        .resource_id(&tree["/pets"])
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(get.operation_name(), Some("ListPets"));
    assert_eq!(get.authorization_type(), Some("NONE"));
    assert_eq!(get.api_key_required(), Some(false));
    let params = get.request_parameters().unwrap();
    assert_eq!(params.get("method.request.querystring.type"), Some(&false));
    assert_eq!(params.get("method.request.querystring.page"), Some(&false));
    let response = &get.method_responses().unwrap()["200"];
    assert_eq!(response.response_models().unwrap()["application/json"], "Pets");
    assert!(!response.response_parameters().unwrap()["method.response.header.Access-Control-Allow-Origin"]);
    let mock = get.method_integration().unwrap();
    assert_eq!(mock.r#type().map(|t| t.as_str()), Some("MOCK"));
    assert_eq!(mock.passthrough_behavior(), Some("WHEN_NO_MATCH"));
    assert_eq!(mock.timeout_in_millis(), 29_000);
    assert_eq!(mock.cache_namespace(), Some(tree["/pets"].as_str()));
    assert!(mock.cache_key_parameters().is_empty());
    let default = &mock.integration_responses().unwrap()["200"];
    assert_eq!(default.selection_pattern(), None);
    assert_eq!(
        default.response_parameters().unwrap()["method.response.header.Access-Control-Allow-Origin"],
        "'*'"
    );

    let post = client
        .get_method()
        .rest_api_id(&api_id)
        .resource_id(&tree["/pets"])
        .http_method("POST")
        .send()
        .await
        .unwrap();
    assert_eq!(post.operation_name(), Some("CreatePet"));
    assert_eq!(post.request_models().unwrap()["application/json"], "NewPet");

    let by_id = client
        .get_integration()
        .rest_api_id(&api_id)
        .resource_id(&tree["/pets/{petId}"])
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(by_id.r#type().map(|t| t.as_str()), Some("HTTP"));
    assert_eq!(by_id.http_method(), Some("GET"));
    assert_eq!(by_id.uri(), Some("http://petstore.example.com/pets/{petId}"));
    assert_eq!(by_id.connection_type().map(|c| c.as_str()), Some("INTERNET"));
    assert_eq!(
        by_id.request_parameters().unwrap()["integration.request.path.petId"],
        "method.request.path.petId"
    );
    assert_eq!(
        by_id.integration_responses().unwrap()["400"].selection_pattern(),
        Some("4\\d{2}")
    );
    let method = client
        .get_method()
        .rest_api_id(&api_id)
        .resource_id(&tree["/pets/{petId}"])
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert!(method.request_parameters().unwrap()["method.request.path.petId"]);

    // Deployed, the MOCK answers through execute-api.
    deploy(&client, &api_id, "dev").await;
    let reply = portico.invoke(&api_id, "GET", "/dev/pets").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json(), serde_json::json!({"pets": ["cat", "dog"]}));
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));

    // Swagger export, JSON: host and basePath name the stage.
    let (body, content_type, disposition) = export(&client, &api_id, "dev", "swagger", "application/json", None).await;
    assert_eq!(content_type, "application/octet-stream");
    assert_eq!(disposition, "attachment; filename=\"swagger_1.0.json\"");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["swagger"], "2.0");
    assert_eq!(doc["info"]["title"], "PetStore");
    assert_eq!(doc["host"], format!("{api_id}.execute-api.us-east-1.amazonaws.com"));
    assert_eq!(doc["basePath"], "/dev");
    assert_eq!(
        doc["paths"]["/pets"]["get"]["responses"]["200"]["schema"]["$ref"],
        "#/definitions/Pets"
    );
    assert_eq!(doc["definitions"]["Pets"]["items"]["$ref"], "#/definitions/Pet");
    // As AWS writes Swagger parameters: `required` spelled out.
    assert_eq!(
        doc["paths"]["/pets"]["get"]["parameters"][0],
        serde_json::json!({"name": "page", "in": "query", "required": false, "type": "string"})
    );
    assert!(
        doc["paths"]["/pets"]["get"]
            .get("x-amazon-apigateway-integration")
            .is_none()
    );

    // With integrations, in YAML, read back in by ImportRestApi: the same tree. (The Rust
    // SDK replaces every Accept header with application/json, so this one goes raw.)
    let reply = crate::harness::request(
        "GET",
        &format!(
            "{}/restapis/{api_id}/stages/dev/exports/swagger?extensions=integrations",
            portico.endpoint
        ),
        None,
        &[("accept", "application/yaml")],
        "",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/yaml"));
    assert_eq!(
        reply.header("content-disposition"),
        Some("attachment; filename=\"swagger_1.0.yaml\"")
    );
    let yaml = reply.body;
    assert!(yaml.contains("swagger: '2.0'"), "{yaml}");
    assert!(yaml.contains("x-amazon-apigateway-integration"), "{yaml}");
    let again = import(&client, &yaml).await;
    let again_id = again.id().unwrap().to_string();
    assert_ne!(again_id, api_id);
    let tree_again = paths(&client, &again_id).await;
    assert_eq!(tree_again.keys().collect::<Vec<_>>(), tree.keys().collect::<Vec<_>>());
    assert_eq!(model_names(&client, &again_id).await, ["NewPet", "Pet", "Pets"]);
    deploy(&client, &again_id, "dev").await;
    let reply = portico.invoke(&again_id, "GET", "/dev/pets").await;
    assert_eq!(reply.json(), serde_json::json!({"pets": ["cat", "dog"]}));
}

#[tokio::test]
async fn oas30_yaml_with_authorizers_validators_and_gateway_responses() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = import(&client, OAS30_YAML).await;
    let api_id = api.id().unwrap().to_string();
    assert_eq!(api.name(), Some("Echo"));
    assert_eq!(api.version(), Some("2"));
    assert_eq!(api.binary_media_types(), ["image/png"]);
    let tree = paths(&client, &api_id).await;
    assert_eq!(
        tree.keys().collect::<Vec<_>>(),
        ["/", "/hello", "/secure", "/secure/{proxy+}"]
    );
    let authorizers = client.get_authorizers().rest_api_id(&api_id).send().await.unwrap();
    let authorizer = &authorizers.items()[0];
    assert_eq!(authorizer.name(), Some("token"));
    assert_eq!(authorizer.r#type().map(|t| t.as_str()), Some("TOKEN"));
    assert_eq!(
        authorizer.identity_source(),
        Some("method.request.header.Authorization")
    );
    assert_eq!(authorizer.authorizer_result_ttl_in_seconds(), Some(300));
    let validators = client
        .get_request_validators()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    let validator = &validators.items()[0];
    assert_eq!(validator.name(), Some("params"));

    let hello = client
        .get_method()
        .rest_api_id(&api_id)
        .resource_id(&tree["/hello"])
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(hello.api_key_required(), Some(true));
    assert_eq!(hello.request_validator_id(), validator.id());
    assert_eq!(
        hello.method_responses().unwrap()["200"].response_models().unwrap()["application/json"],
        "Greeting"
    );
    let proxy = client
        .get_method()
        .rest_api_id(&api_id)
        .resource_id(&tree["/secure/{proxy+}"])
        .http_method("ANY")
        .send()
        .await
        .unwrap();
    assert_eq!(proxy.authorization_type(), Some("CUSTOM"));
    assert_eq!(proxy.authorizer_id(), authorizer.id());
    assert!(proxy.request_parameters().unwrap()["method.request.path.proxy"]);
    assert_eq!(
        proxy.method_integration().unwrap().r#type().map(|t| t.as_str()),
        Some("HTTP_PROXY")
    );
    let gateway = client
        .get_gateway_response()
        .rest_api_id(&api_id)
        .response_type(aws_sdk_apigateway::types::GatewayResponseType::Default4Xx)
        .send()
        .await
        .unwrap();
    assert_eq!(gateway.status_code(), Some("400"));
    assert_eq!(
        gateway.response_templates().unwrap()["application/json"],
        r#"{"oops": true}"#
    );

    // The API key is required on /hello: without one, AWS's 403, customised by the imported
    // DEFAULT_4XX gateway response.
    deploy(&client, &api_id, "prod").await;
    let reply = portico.invoke(&api_id, "GET", "/prod/hello").await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.json(), serde_json::json!({"oops": true}));

    // OpenAPI 3 export with API Gateway's extensions, read back in.
    let (body, _, disposition) = export(
        &client,
        &api_id,
        "prod",
        "oas30",
        "application/json",
        Some("apigateway"),
    )
    .await;
    assert_eq!(disposition, "attachment; filename=\"oas30_2.json\"");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["openapi"], "3.0.1");
    assert_eq!(
        doc["servers"][0]["url"],
        format!("https://{api_id}.execute-api.us-east-1.amazonaws.com/{{basePath}}")
    );
    assert_eq!(doc["servers"][0]["variables"]["basePath"]["default"], "prod");
    let any = &doc["paths"]["/secure/{proxy+}"]["x-amazon-apigateway-any-method"];
    assert_eq!(any["security"][0], serde_json::json!({"token": []}));
    assert_eq!(any["x-amazon-apigateway-integration"]["type"], "http_proxy");
    assert_eq!(
        doc["components"]["securitySchemes"]["token"]["x-amazon-apigateway-authorizer"]["type"],
        "token"
    );
    assert_eq!(doc["x-amazon-apigateway-binary-media-types"][0], "image/png");
    assert_eq!(
        doc["x-amazon-apigateway-request-validators"]["params"]["validateRequestParameters"],
        true
    );
    assert_eq!(
        doc["x-amazon-apigateway-gateway-responses"]["DEFAULT_4XX"]["statusCode"],
        "400"
    );
    let again = import(&client, &body).await;
    let again_id = again.id().unwrap().to_string();
    assert_eq!(
        paths(&client, &again_id).await.keys().collect::<Vec<_>>(),
        tree.keys().collect::<Vec<_>>()
    );
    let again_tree = paths(&client, &again_id).await;
    let any_again = client
        .get_method()
        .rest_api_id(&again_id)
        .resource_id(&again_tree["/secure/{proxy+}"])
        .http_method("ANY")
        .send()
        .await
        .unwrap();
    assert_eq!(any_again.authorization_type(), Some("CUSTOM"));
    assert_eq!(any_again.request_parameters(), proxy.request_parameters());
    assert_eq!(
        any_again.method_integration().unwrap().uri(),
        proxy.method_integration().unwrap().uri()
    );

    // The export is of the deployed snapshot, not of later edits.
    client
        .delete_resource()
        .rest_api_id(&api_id)
        .resource_id(&tree["/hello"])
        .send()
        .await
        .unwrap();
    let (body, _, _) = export(&client, &api_id, "prod", "oas30", "application/json", None).await;
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(doc["paths"].get("/hello").is_some());
}

#[tokio::test]
async fn put_rest_api_merges_and_overwrites() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = client
        .create_rest_api()
        .name("before")
        .binary_media_types("image/heif")
        .send()
        .await
        .unwrap();
    let api_id = api.id().unwrap().to_string();
    let root_id = api.root_resource_id().unwrap().to_string();
    let old = client
        .create_resource()
        .rest_api_id(&api_id)
        .parent_id(&root_id)
        .path_part("old")
        .send()
        .await
        .unwrap();
    crate::put_mock_method(&client, &api_id, old.id().unwrap(), "GET", "{\"old\": true}").await;

    let doc = |path: &str, body: &str| {
        format!(
            r#"{{"openapi": "3.0.1", "info": {{"title": "after", "version": "1.0.0"}},
              "x-amazon-apigateway-binary-media-types": ["image/png", "image/jpg"],
              "paths": {{"{path}": {{"get": {{"responses": {{"200": {{"description": "ok"}}}},
                "x-amazon-apigateway-integration": {{"type": "mock",
                  "requestTemplates": {{"application/json": "{{\"statusCode\": 200}}"}},
                  "responses": {{"default": {{"statusCode": "200",
                    "responseTemplates": {{"application/json": "{body}"}}}}}}}}}}}}}},
              "components": {{"schemas": {{"Thing": {{"type": "object"}}}}}}}}"#
        )
    };

    // Merge (AWS's default): what was there stays; binary media types add up.
    let merged = client
        .put_rest_api()
        .rest_api_id(&api_id)
        .body(Blob::new(doc("/new", "new").into_bytes()))
        .send()
        .await
        .unwrap();
    assert_eq!(merged.name(), Some("after"));
    assert_eq!(merged.version(), Some("1.0.0"));
    assert_eq!(merged.binary_media_types(), ["image/heif", "image/png", "image/jpg"]);
    assert_eq!(merged.root_resource_id(), Some(root_id.as_str()));
    let tree = paths(&client, &api_id).await;
    assert_eq!(tree.keys().collect::<Vec<_>>(), ["/", "/new", "/old"]);
    assert_eq!(model_names(&client, &api_id).await, ["Empty", "Error", "Thing"]);

    // Overwrite (Terraform's mode): only the definition, under the same id and root.
    let overwritten = client
        .put_rest_api()
        .rest_api_id(&api_id)
        .mode(PutMode::Overwrite)
        .body(Blob::new(doc("/fresh/deep", "fresh").into_bytes()))
        .send()
        .await
        .unwrap();
    assert_eq!(overwritten.id(), Some(api_id.as_str()));
    assert_eq!(overwritten.binary_media_types(), ["image/png", "image/jpg"]);
    let tree = paths(&client, &api_id).await;
    assert_eq!(tree.keys().collect::<Vec<_>>(), ["/", "/fresh", "/fresh/deep"]);
    assert_eq!(tree["/"], root_id);
    assert_eq!(model_names(&client, &api_id).await, ["Thing"]);
    deploy(&client, &api_id, "dev").await;
    let reply = portico.invoke(&api_id, "GET", "/dev/fresh/deep").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, "fresh");
    assert_eq!(portico.invoke(&api_id, "GET", "/dev/old").await.status, 403);
}

#[tokio::test]
async fn aws_errors_and_nothing_half_written() {
    let portico = Portico::start();
    let client = portico.sdk();
    // test_import_api_bad_file: unparseable YAML and JSON, on import and on put (even of an
    // unknown API: the body is read first).
    for bad in [
        "test:\n    value:\n        - \"value ... \"escaped\": $var}\"\n",
        "{'key:value}",
    ] {
        let (status, err) = failure!(client.import_rest_api().body(Blob::new(bad.as_bytes())).send());
        assert_eq!(status, Some(400));
        assert_eq!(err.meta().code(), Some("BadRequestException"));
        assert_eq!(err.meta().message(), Some("Invalid OpenAPI input."));
        let (status, err) = failure!(
            client
                .put_rest_api()
                .rest_api_id("nope")
                .body(Blob::new(bad.as_bytes()))
                .send()
        );
        assert_eq!(status, Some(400));
        assert_eq!(err.meta().message(), Some("Invalid OpenAPI input."));
    }
    let (status, err) = failure!(
        client
            .put_rest_api()
            .rest_api_id("nope")
            .body(Blob::new(SWAGGER.as_bytes()))
            .send()
    );
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().code(), Some("NotFoundException"));

    // An integration AWS would refuse fails the whole import: no API is left behind.
    let bad_uri = SWAGGER.replace("http://petstore.example.com/pets/{petId}", "not-a-url");
    let (status, err) = failure!(client.import_rest_api().body(Blob::new(bad_uri.into_bytes())).send());
    assert_eq!(status, Some(400));
    let message = err.meta().message().unwrap_or_default();
    assert!(message.starts_with("Errors found during import:"), "{message}");
    assert!(message.contains("Invalid HTTP endpoint specified for URI"), "{message}");
    assert!(client.get_rest_apis().send().await.unwrap().items().is_empty());

    // Warnings: answered with the API, or failing it with `failonwarnings`.
    let inline = SWAGGER.replace(
        r##""schema": {"$ref": "#/definitions/NewPet"}"##,
        r#""schema": {"type": "object"}"#,
    );
    let api = import(&client, &inline).await;
    assert!(!api.warnings().is_empty());
    let (status, err) = failure!(
        client
            .import_rest_api()
            .fail_on_warnings(true)
            .body(Blob::new(inline.into_bytes()))
            .send()
    );
    assert_eq!(status, Some(400));
    assert!(
        err.meta()
            .message()
            .unwrap_or_default()
            .starts_with("Warnings found during import")
    );

    // GetExport: an unknown stage, an unknown type.
    let api_id = api.id().unwrap();
    let (status, err) = failure!(
        client
            .get_export()
            .rest_api_id(api_id)
            .stage_name("nope")
            .export_type("oas30")
            .send()
    );
    assert_eq!(status, Some(404));
    assert_eq!(err.meta().message(), Some("Invalid Stage identifier specified"));
    deploy(&client, api_id, "dev").await;
    let (status, _) = failure!(
        client
            .get_export()
            .rest_api_id(api_id)
            .stage_name("dev")
            .export_type("raml")
            .send()
    );
    assert_eq!(status, Some(400));
    // With no Accept too, AWS answers JSON as application/octet-stream.
    let raw = portico
        .call("GET", &format!("/restapis/{api_id}/stages/dev/exports/oas30"), None, "")
        .await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    assert_eq!(raw.header("content-type"), Some("application/octet-stream"));
    assert_eq!(raw.json()["openapi"], "3.0.1");
}

#[tokio::test]
async fn base_paths_and_endpoint_types_from_parameters() {
    let portico = Portico::start();
    let client = portico.sdk();
    let api = client
        .import_rest_api()
        .parameters("basepath", "prepend")
        .parameters("endpointConfigurationTypes", "REGIONAL")
        .body(Blob::new(SWAGGER.as_bytes()))
        .send()
        .await
        .unwrap();
    let api_id = api.id().unwrap();
    assert_eq!(api.endpoint_configuration().unwrap().types()[0].as_str(), "REGIONAL");
    let tree = paths(&client, api_id).await;
    assert_eq!(
        tree.keys().collect::<Vec<_>>(),
        ["/", "/v1", "/v1/pets", "/v1/pets/{petId}"]
    );
}

#[tokio::test]
async fn quotas_apply_and_leave_nothing_behind() {
    let portico = Portico::start_with(&["--quota", "resources-per-api=2"]);
    let client = portico.sdk();
    // `/`, `/pets` and `/pets/{petId}`: one resource too many.
    let (status, err) = failure!(client.import_rest_api().body(Blob::new(SWAGGER.as_bytes())).send());
    assert_eq!(status, Some(429));
    assert_eq!(err.meta().code(), Some("LimitExceededException"));
    assert!(client.get_rest_apis().send().await.unwrap().items().is_empty());
}

#[tokio::test]
async fn documentation_and_tags_unless_ignored() {
    let portico = Portico::start();
    let client = portico.sdk();
    let doc = r#"
openapi: 3.0.1
info: {title: documented, version: "1"}
tags:
  - name: owner
    x-amazon-apigateway-tag-value: pets-team
paths:
  /pets:
    get:
      responses: {}
      x-amazon-apigateway-integration: {type: mock}
x-amazon-apigateway-documentation:
  version: "1"
  documentationParts:
    - location: {type: API}
      properties: {description: The pets API}
    - location: {type: METHOD, path: /pets, method: GET}
      properties: {description: Lists pets}
"#;
    let api = import(&client, doc).await;
    let api_id = api.id().unwrap();
    assert_eq!(api.tags().unwrap()["owner"], "pets-team");
    let parts = client
        .get_documentation_parts()
        .rest_api_id(api_id)
        .send()
        .await
        .unwrap();
    assert_eq!(parts.items().len(), 2);
    let method = parts
        .items()
        .iter()
        .find(|p| p.location().unwrap().r#type().as_str() == "METHOD")
        .unwrap();
    assert_eq!(method.location().unwrap().path(), Some("/pets"));
    let properties: serde_json::Value = serde_json::from_str(method.properties().unwrap()).unwrap();
    assert_eq!(properties, serde_json::json!({"description": "Lists pets"}));

    let ignored = client
        .import_rest_api()
        .parameters("ignore", "documentation")
        .body(Blob::new(doc.as_bytes()))
        .send()
        .await
        .unwrap();
    let parts = client
        .get_documentation_parts()
        .rest_api_id(ignored.id().unwrap())
        .send()
        .await
        .unwrap();
    assert!(parts.items().is_empty());
}

#[tokio::test]
async fn postman_extensions_sign_aws_iam_methods() {
    let portico = Portico::start();
    let client = portico.sdk();
    let doc = r#"
openapi: 3.0.1
info: {title: signed, version: "1"}
paths:
  /private:
    get:
      security: [{sigv4: []}]
      responses: {}
      x-amazon-apigateway-integration: {type: mock}
  /public:
    get:
      responses: {}
      x-amazon-apigateway-integration: {type: mock}
components:
  securitySchemes:
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
"#;
    let api = import(&client, doc).await;
    let api_id = api.id().unwrap();
    deploy(&client, api_id, "dev").await;
    let export = |export_type: &'static str, extensions: Option<&'static str>| {
        let client = client.clone();
        let api_id = api_id.to_string();
        async move {
            let mut call = client
                .get_export()
                .rest_api_id(&api_id)
                .stage_name("dev")
                .export_type(export_type)
                .accepts("application/json");
            if let Some(extensions) = extensions {
                call = call.parameters("extensions", extensions);
            }
            let answer = call.send().await.unwrap();
            serde_json::from_slice::<serde_json::Value>(answer.body.unwrap().as_ref()).unwrap()
        }
    };
    // Postman's AWS Signature helper on the AWS_IAM method, the keys left to Postman variables.
    for export_type in ["oas30", "swagger"] {
        let doc = export(export_type, Some("postman")).await;
        let meta = &doc["paths"]["/private"]["get"]["x-postman-meta"];
        assert_eq!(meta["currentHelper"], "awsSigV4", "{export_type}: {doc}");
        assert_eq!(
            meta["helperAttributes"],
            serde_json::json!({
                "accessKey": "{{aws_access_key_id}}",
                "secretKey": "{{aws_secret_access_key}}",
                "region": "us-east-1",
                "service": "execute-api",
                "saveHelper": true
            })
        );
        assert!(doc["paths"]["/public"]["get"].get("x-postman-meta").is_none());
        assert!(
            doc["paths"]["/private"]["get"]
                .get("x-amazon-apigateway-integration")
                .is_none()
        );
    }
    // With other extensions, and not without it.
    let both = export("oas30", Some("integrations,postman")).await;
    let private = &both["paths"]["/private"]["get"];
    assert!(private.get("x-postman-meta").is_some() && private.get("x-amazon-apigateway-integration").is_some());
    let plain = export("oas30", None).await;
    assert!(plain["paths"]["/private"]["get"].get("x-postman-meta").is_none());
    // A Postman export imports back to the same methods.
    let again = client
        .import_rest_api()
        .body(Blob::new(serde_json::to_vec(&both).unwrap()))
        .send()
        .await
        .unwrap();
    let tree = paths(&client, again.id().unwrap()).await;
    assert_eq!(tree.keys().collect::<Vec<_>>(), ["/", "/private", "/public"]);
}

//! OpenAPI 3.0 import, reimport and export of HTTP APIs through the AWS CLI: routes, Lambda
//! and HTTP integrations, a JWT authorizer and CORS read from a document; exports in JSON and
//! YAML that import again into the same API; a reimport that overwrites; AWS's errors.

use crate::harness::{Portico, temp_dir};
use crate::http_apis::{ok, v2};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    format!("file://{}", path.display())
}

/// `export-api` into a file: its text.
fn export(portico: &Portico, dir: &Path, api_id: &str, extra: &[&str]) -> String {
    let out = dir.join("export.out");
    let mut args = vec!["export-api", "--api-id", api_id, "--specification", "OAS30"];
    args.extend_from_slice(extra);
    let path = out.display().to_string();
    args.push(&path);
    ok(portico, &args);
    std::fs::read_to_string(&out).unwrap()
}

/// YAML to JSON by the AWS CLI's own PyYAML.
fn yaml_to_json(yaml: &str) -> Value {
    let out = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(yaml.as_bytes())?;
            child.wait_with_output()
        })
        .expect("python3 with PyYAML");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {yaml}"))
}

const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:pets";

fn document() -> Value {
    json!({
        "openapi": "3.0.1",
        "info": {"title": "pets", "description": "A pet store", "version": "1.0"},
        "paths": {
            "/pets": {
                "get": {
                    "operationId": "ListPets",
                    "security": [{"cognito": ["pets/read"]}],
                    "x-amazon-apigateway-integration": {
                        "type": "http_proxy", "httpMethod": "GET",
                        "uri": "https://backend.example.com/pets",
                        "payloadFormatVersion": 1.0, "timeoutInMillis": 5000
                    }
                },
                "post": {
                    "x-amazon-apigateway-integration": {"$ref": "#/components/x-amazon-apigateway-integrations/fn"}
                }
            },
            "/pets/{id}": {
                "x-amazon-apigateway-any-method": {
                    "x-amazon-apigateway-integration": {"$ref": "#/components/x-amazon-apigateway-integrations/fn"}
                }
            }
        },
        "x-amazon-apigateway-cors": {
            "allowOrigins": ["https://www.example.com"], "allowMethods": ["GET", "POST"], "maxAge": 300
        },
        "components": {
            "x-amazon-apigateway-integrations": {
                "fn": {"type": "aws_proxy", "httpMethod": "POST", "uri": LAMBDA, "payloadFormatVersion": "2.0"}
            },
            "securitySchemes": {
                "cognito": {
                    "type": "oauth2",
                    "x-amazon-apigateway-authorizer": {
                        "type": "jwt",
                        "identitySource": "$request.header.Authorization",
                        "jwtConfiguration": {"issuer": "https://issuer.example.com", "audience": ["pets"]}
                    }
                }
            },
            "schemas": {"Pet": {"type": "object", "properties": {"id": {"type": "string"}}}}
        }
    })
}

fn items(portico: &Portico, what: &str, api_id: &str) -> Vec<Value> {
    ok(portico, &[what, "--api-id", api_id])["Items"]
        .as_array()
        .unwrap()
        .clone()
}

/// Routes by key, each with its integration and authorizer inlined, ids left out: what two
/// APIs must share to be the same.
fn shape(portico: &Portico, api_id: &str) -> Value {
    let integrations = items(portico, "get-integrations", api_id);
    let authorizers = items(portico, "get-authorizers", api_id);
    let mut routes = serde_json::Map::new();
    for route in items(portico, "get-routes", api_id) {
        let integration = route["Target"].as_str().and_then(|t| {
            let id = t.strip_prefix("integrations/")?;
            integrations.iter().find(|i| i["IntegrationId"] == id).cloned()
        });
        let authorizer = route["AuthorizerId"]
            .as_str()
            .and_then(|id| authorizers.iter().find(|a| a["AuthorizerId"] == id).cloned());
        let strip = |mut v: Value, key: &str| {
            if let Some(o) = v.as_object_mut() {
                o.remove(key);
            }
            v
        };
        routes.insert(
            route["RouteKey"].as_str().unwrap().to_string(),
            json!({
                "authorizationType": route["AuthorizationType"],
                "scopes": route["AuthorizationScopes"],
                "integration": integration.map(|i| strip(i, "IntegrationId")),
                "authorizer": authorizer.map(|a| strip(a, "AuthorizerId")),
            }),
        );
    }
    let api = ok(portico, &["get-api", "--api-id", api_id]);
    json!({"name": api["Name"], "cors": api["CorsConfiguration"], "routes": routes})
}

#[tokio::test]
async fn import_export_and_reimport() {
    if !crate::lambda::runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let dir = temp_dir("http-openapi");
    let body = write(&dir, "pets.json", &document().to_string());
    let api = ok(&portico, &["import-api", "--body", &body]);
    let api_id = api["ApiId"].as_str().unwrap().to_string();
    assert_eq!(api["Name"], "pets");
    assert_eq!(api["Description"], "A pet store");
    assert_eq!(api["Version"], "1.0");
    assert_eq!(api["ProtocolType"], "HTTP");
    assert_eq!(api["RouteSelectionExpression"], "$request.method $request.path");
    assert_eq!(
        api["CorsConfiguration"]["AllowOrigins"],
        json!(["https://www.example.com"])
    );
    assert_eq!(api["CorsConfiguration"]["MaxAge"], 300);
    assert!(api.get("Warnings").is_none(), "{api}");

    let routes = items(&portico, "get-routes", &api_id);
    let mut keys: Vec<&str> = routes.iter().map(|r| r["RouteKey"].as_str().unwrap()).collect();
    keys.sort();
    assert_eq!(keys, ["ANY /pets/{id}", "GET /pets", "POST /pets"]);
    let route = |key: &str| routes.iter().find(|r| r["RouteKey"] == key).unwrap().clone();
    let integrations = items(&portico, "get-integrations", &api_id);
    // The shared integration is one for its two routes.
    assert_eq!(integrations.len(), 2);
    assert_eq!(route("POST /pets")["Target"], route("ANY /pets/{id}")["Target"]);
    let target = |key: &str| {
        let id = route(key)["Target"]
            .as_str()
            .unwrap()
            .trim_start_matches("integrations/")
            .to_string();
        ok(
            &portico,
            &["get-integration", "--api-id", &api_id, "--integration-id", &id],
        )
    };
    let lambda = target("POST /pets");
    assert_eq!(lambda["IntegrationType"], "AWS_PROXY");
    assert_eq!(lambda["IntegrationUri"], LAMBDA);
    assert_eq!(lambda["IntegrationMethod"], "POST");
    assert_eq!(lambda["PayloadFormatVersion"], "2.0");
    let http = target("GET /pets");
    assert_eq!(http["IntegrationType"], "HTTP_PROXY");
    assert_eq!(http["IntegrationMethod"], "GET");
    assert_eq!(http["PayloadFormatVersion"], "1.0");
    assert_eq!(http["TimeoutInMillis"], 5000);
    assert_eq!(http["ConnectionType"], "INTERNET");
    let get = route("GET /pets");
    assert_eq!(get["OperationName"], "ListPets");
    assert_eq!(get["AuthorizationType"], "JWT");
    assert_eq!(get["AuthorizationScopes"], json!(["pets/read"]));
    assert_eq!(route("POST /pets")["AuthorizationType"], "NONE");
    let authorizers = items(&portico, "get-authorizers", &api_id);
    assert_eq!(authorizers.len(), 1);
    let jwt = &authorizers[0];
    assert_eq!(get["AuthorizerId"], jwt["AuthorizerId"]);
    assert_eq!(jwt["Name"], "cognito");
    assert_eq!(jwt["AuthorizerType"], "JWT");
    assert_eq!(jwt["IdentitySource"], json!(["$request.header.Authorization"]));
    assert_eq!(jwt["JwtConfiguration"]["Issuer"], "https://issuer.example.com");
    assert_eq!(jwt["JwtConfiguration"]["Audience"], json!(["pets"]));
    let models = items(&portico, "get-models", &api_id);
    assert_eq!(models.len(), 1);
    assert_eq!(models[0]["Name"], "Pet");

    // Export, JSON and YAML: the same document, which imports again into the same API.
    let exported: Value = serde_json::from_str(&export(&portico, &dir, &api_id, &["--output-type", "JSON"])).unwrap();
    assert_eq!(exported["openapi"], "3.0.1");
    assert_eq!(exported["info"]["title"], "pets");
    assert_eq!(exported["info"]["version"], "1.0");
    assert_eq!(exported["x-amazon-apigateway-importexport-version"], "1.0");
    assert_eq!(
        exported["servers"][0]["url"],
        format!("https://{api_id}.execute-api.us-east-1.amazonaws.com/{{basePath}}")
    );
    assert_eq!(
        exported["paths"]["/pets"]["get"]["x-amazon-apigateway-integration"]["type"],
        "http_proxy"
    );
    assert_eq!(
        exported["paths"]["/pets"]["get"]["security"],
        json!([{"cognito": ["pets/read"]}])
    );
    assert_eq!(
        exported["components"]["securitySchemes"]["cognito"]["x-amazon-apigateway-authorizer"]["type"],
        "jwt"
    );
    assert_eq!(exported["x-amazon-apigateway-cors"]["maxAge"], 300);
    let yaml = export(&portico, &dir, &api_id, &["--output-type", "YAML"]);
    assert!(yaml.contains("openapi: 3.0.1"), "{yaml}");
    assert_eq!(yaml_to_json(&yaml), exported);
    let bare: Value = serde_json::from_str(&export(
        &portico,
        &dir,
        &api_id,
        &["--output-type", "JSON", "--no-include-extensions"],
    ))
    .unwrap();
    assert!(!bare.to_string().contains("x-amazon-apigateway-integration"), "{bare}");

    let again = write(&dir, "again.json", &exported.to_string());
    let copy = ok(&portico, &["import-api", "--body", &again]);
    let copy_id = copy["ApiId"].as_str().unwrap().to_string();
    assert_ne!(copy_id, api_id);
    assert_eq!(shape(&portico, &copy_id), shape(&portico, &api_id));

    // A stage's export is its deployment: later changes show only once deployed.
    ok(
        &portico,
        &[
            "create-stage",
            "--api-id",
            &api_id,
            "--stage-name",
            "prod",
            "--auto-deploy",
        ],
    );
    ok(
        &portico,
        &["create-stage", "--api-id", &api_id, "--stage-name", "frozen"],
    );
    let deployment = ok(
        &portico,
        &["create-deployment", "--api-id", &api_id, "--stage-name", "frozen"],
    );
    let before = ok(&portico, &["get-stage", "--api-id", &api_id, "--stage-name", "prod"])["DeploymentId"].clone();
    let staged: Value = serde_json::from_str(&export(
        &portico,
        &dir,
        &api_id,
        &["--output-type", "JSON", "--stage-name", "prod"],
    ))
    .unwrap();
    assert_eq!(staged["servers"][0]["variables"]["basePath"]["default"], "prod");
    assert_eq!(staged["paths"], exported["paths"]);

    // Reimport overwrites routes, integrations, authorizers and models; the id and stages stay,
    // and the autoDeploy stage deploys the result.
    let mut changed = document();
    changed["info"]["title"] = json!("pets v2");
    changed["paths"] = json!({
        "/dogs": {"get": {"x-amazon-apigateway-integration": {
            "type": "HTTP_PROXY", "httpMethod": "GET", "uri": "https://backend.example.com/dogs",
            "payloadFormatVersion": "1.0"}}}
    });
    changed.as_object_mut().unwrap().remove("x-amazon-apigateway-cors");
    changed["components"].as_object_mut().unwrap().remove("securitySchemes");
    let changed = write(&dir, "changed.json", &serde_json::to_string_pretty(&changed).unwrap());
    let reimported = ok(&portico, &["reimport-api", "--api-id", &api_id, "--body", &changed]);
    assert_eq!(reimported["ApiId"], api_id.as_str());
    assert_eq!(reimported["Name"], "pets v2");
    assert!(reimported.get("CorsConfiguration").is_none(), "{reimported}");
    let routes = items(&portico, "get-routes", &api_id);
    assert_eq!(routes.len(), 1);
    assert_eq!(routes[0]["RouteKey"], "GET /dogs");
    assert_eq!(items(&portico, "get-integrations", &api_id).len(), 1);
    assert!(items(&portico, "get-authorizers", &api_id).is_empty());
    let stages = items(&portico, "get-stages", &api_id);
    assert_eq!(stages.len(), 2);
    let after = ok(&portico, &["get-stage", "--api-id", &api_id, "--stage-name", "prod"])["DeploymentId"].clone();
    assert_ne!(before, after);
    let frozen = ok(&portico, &["get-stage", "--api-id", &api_id, "--stage-name", "frozen"]);
    assert_eq!(frozen["DeploymentId"], deployment["DeploymentId"]);
    let prod: Value = serde_json::from_str(&export(
        &portico,
        &dir,
        &api_id,
        &["--output-type", "JSON", "--stage-name", "prod"],
    ))
    .unwrap();
    assert!(prod["paths"].get("/dogs").is_some(), "{prod}");
    let old: Value = serde_json::from_str(&export(
        &portico,
        &dir,
        &api_id,
        &["--output-type", "JSON", "--stage-name", "frozen"],
    ))
    .unwrap();
    assert!(old["paths"].get("/pets").is_some(), "{old}");
    assert!(old["paths"].get("/dogs").is_none(), "{old}");
}

#[tokio::test]
async fn default_routes_base_paths_and_yaml() {
    if !crate::lambda::runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let dir = temp_dir("http-openapi-yaml");
    let yaml = "openapi: 3.0.1\ninfo:\n  title: shop\n  version: 2.0\nservers:\n  - url: https://shop.example.com/{basePath}\n    variables:\n      basePath:\n        default: v1/shop\npaths:\n  /items:\n    get:\n      x-amazon-apigateway-integration:\n        type: HTTP_PROXY\n        httpMethod: GET\n        payloadFormatVersion: 1.0\n        uri: https://backend.example.com/items\n  /$default:\n    x-amazon-apigateway-any-method:\n      isDefaultRoute: true\n      x-amazon-apigateway-integration:\n        type: aws_proxy\n        uri: arn:aws:lambda:us-east-1:123456789012:function:shop\n        payloadFormatVersion: '2.0'\n";
    let body = write(&dir, "shop.yaml", yaml);
    for (mode, key) in [
        ("ignore", "GET /items"),
        ("prepend", "GET /v1/shop/items"),
        ("split", "GET /shop/items"),
    ] {
        let api = ok(&portico, &["import-api", "--body", &body, "--basepath", mode]);
        assert_eq!(api["Version"], "2.0");
        let api_id = api["ApiId"].as_str().unwrap();
        let mut keys: Vec<String> = items(&portico, "get-routes", api_id)
            .iter()
            .map(|r| r["RouteKey"].as_str().unwrap().to_string())
            .collect();
        keys.sort();
        assert_eq!(keys, ["$default", key], "{mode}");
        let exported: Value =
            serde_json::from_str(&export(&portico, &dir, api_id, &["--output-type", "JSON"])).unwrap();
        assert_eq!(
            exported["paths"]["/$default"]["x-amazon-apigateway-any-method"]["isDefaultRoute"],
            true
        );
    }
    let error = v2(&portico, &["import-api", "--body", &body, "--basepath", "nope"]).unwrap_err();
    assert!(error.contains("BadRequestException"), "{error}");
}

#[tokio::test]
async fn import_errors_and_warnings() {
    if !crate::lambda::runtimes_here() {
        return;
    }
    let portico = Portico::start();
    let dir = temp_dir("http-openapi-errors");
    let bad = write(&dir, "bad.json", "{'key:value}");
    let error = v2(&portico, &["import-api", "--body", &bad]).unwrap_err();
    assert!(
        error.contains("BadRequestException") && error.contains("Invalid OpenAPI input."),
        "{error}"
    );

    let swagger = write(
        &dir,
        "swagger.json",
        r#"{"swagger": "2.0", "info": {"title": "old", "version": "1.0"}, "paths": {}}"#,
    );
    let error = v2(&portico, &["import-api", "--body", &swagger]).unwrap_err();
    assert!(
        error.contains("BadRequestException") && error.contains("OpenAPI 3.0"),
        "{error}"
    );

    let two = write(
        &dir,
        "two.json",
        &json!({"openapi": "3.0.1", "info": {"title": "t"},
                "paths": {"/a": {"get": {"security": [{"x": []}, {"y": []}]}}}})
        .to_string(),
    );
    let error = v2(&portico, &["import-api", "--body", &two]).unwrap_err();
    assert!(error.contains("BadRequestException"), "{error}");

    // A missing model is a warning: answered with the API, or failing it with failOnWarnings.
    let warned = json!({
        "openapi": "3.0.1", "info": {"title": "Title test", "version": "2.0"},
        "paths": {"/update": {"get": {
            "x-amazon-apigateway-integration": {"type": "HTTP_PROXY", "httpMethod": "GET",
                "payloadFormatVersion": "1.0", "uri": "https://www.example.com"},
            "responses": {"200": {"description": "d", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ModelThatDoesNotExist"}}}}}}}}
    });
    let warned = write(&dir, "warned.json", &warned.to_string());
    let error = v2(&portico, &["import-api", "--body", &warned, "--fail-on-warnings"]).unwrap_err();
    assert!(
        error.contains(
            "Warnings found during import:\n\tParse issue: attribute paths.'/update'(get).responses.200.content.schema.#/components/schemas/ModelThatDoesNotExist is missing"
        ),
        "{error}"
    );
    let apis = ok(&portico, &["get-apis"])["Items"].as_array().unwrap().len();
    assert_eq!(apis, 0, "a failed import leaves no API behind");
    let api = ok(&portico, &["import-api", "--body", &warned]);
    assert_eq!(api["Warnings"].as_array().unwrap().len(), 1, "{api}");
    let api_id = api["ApiId"].as_str().unwrap();

    // A failed reimport changes nothing.
    let error = v2(&portico, &["reimport-api", "--api-id", api_id, "--body", &swagger]).unwrap_err();
    assert!(error.contains("BadRequestException"), "{error}");
    assert_eq!(ok(&portico, &["get-api", "--api-id", api_id])["Name"], "Title test");
    assert_eq!(items(&portico, "get-routes", api_id).len(), 1);
    let error = v2(&portico, &["reimport-api", "--api-id", "nope123456", "--body", &warned]).unwrap_err();
    assert!(error.contains("NotFoundException"), "{error}");

    let out = dir.join("x.json").display().to_string();
    for (args, code) in [
        (
            vec!["--specification", "OAS20", "--output-type", "JSON"],
            "BadRequestException",
        ),
        (
            vec!["--specification", "OAS30", "--output-type", "XML"],
            "BadRequestException",
        ),
        (
            vec![
                "--specification",
                "OAS30",
                "--output-type",
                "JSON",
                "--stage-name",
                "nope",
            ],
            "NotFoundException",
        ),
    ] {
        let mut all = vec!["export-api", "--api-id", api_id];
        all.extend(args);
        all.push(&out);
        let error = v2(&portico, &all).unwrap_err();
        assert!(error.contains(code), "{all:?}: {error}");
    }
}

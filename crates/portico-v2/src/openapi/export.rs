//! ExportApi: the API as it is now, or a stage's deployment, as OpenAPI 3.0 (JSON or YAML).

use crate::apis;
use crate::kinds::{AUTHORIZER, DEPLOYMENT, INTEGRATION, MODEL, ROUTE, SNAPSHOT, STAGE};
use crate::support::{not_found, required, scope};
use portico_store::Store;
use portico_wire::apigatewayv2::*;
use portico_wire::types::Blob;
use portico_wire::{AwsError, RequestContext};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// What an export is made of.
pub struct Source<'a> {
    pub api: &'a Api,
    pub routes: &'a [Route],
    pub integrations: &'a [Integration],
    pub authorizers: &'a [Authorizer],
    pub models: &'a [Model],
    pub region: &'a str,
    pub stage: Option<&'a str>,
}

pub async fn export(
    store: &Store,
    ctx: &RequestContext,
    input: ExportApiRequest,
) -> Result<ExportApiResponse, AwsError> {
    let api_id = required(input.api_id);
    let specification = required(input.specification);
    if specification != "OAS30" {
        return Err(AwsError::bad_request(format!(
            "Unsupported specification {specification}. OAS30 is the only supported specification."
        )));
    }
    let yaml = match required(input.output_type).as_str() {
        "JSON" => false,
        "YAML" => true,
        other => {
            return Err(AwsError::bad_request(format!(
                "Unsupported output type {other}. Valid values are JSON and YAML."
            )));
        }
    };
    if let Some(version) = input.export_version.as_deref()
        && version != "1.0"
    {
        return Err(AwsError::bad_request(format!(
            "Unsupported export version {version}. The only supported version is 1.0."
        )));
    }
    let api = apis::load(store, &scope(ctx), &api_id).await?;
    if api.doc.protocol_type.as_deref() == Some("WEBSOCKET") {
        return Err(AwsError::bad_request("Export is only supported for HTTP APIs."));
    }
    // Authorizers and models are not frozen by deployments: a stage's export shows today's.
    let authorizers: Vec<Authorizer> = store
        .children(&AUTHORIZER, &api.row)
        .await?
        .into_iter()
        .map(|a| a.doc)
        .collect();
    let models: Vec<Model> = store
        .children(&MODEL, &api.row)
        .await?
        .into_iter()
        .map(|m| m.doc)
        .collect();
    let stage_name = input.stage_name.filter(|s| !s.is_empty());
    let (doc_api, routes, integrations) = match &stage_name {
        Some(name) => {
            let stage = store
                .child(&STAGE, &api.row, name)
                .await?
                .ok_or_else(|| not_found("Stage", format!("Invalid stage identifier specified {name}")))?;
            let deployment_id = stage
                .doc
                .deployment_id
                .clone()
                .ok_or_else(|| AwsError::bad_request(format!("Stage {name} has no deployment to export.")))?;
            let deployment = store
                .child(&DEPLOYMENT, &api.row, &deployment_id)
                .await?
                .ok_or_else(|| AwsError::bad_request(format!("Stage {name} has no deployment to export.")))?;
            let snapshot = store
                .child(&SNAPSHOT, &deployment.row, &deployment_id)
                .await?
                .ok_or_else(|| AwsError::bad_request(format!("Stage {name} has no deployment to export.")))?
                .doc;
            (snapshot.api, snapshot.routes, snapshot.integrations)
        }
        None => (
            api.doc.clone(),
            store
                .children(&ROUTE, &api.row)
                .await?
                .into_iter()
                .map(|r| r.doc)
                .collect(),
            store
                .children(&INTEGRATION, &api.row)
                .await?
                .into_iter()
                .map(|i| i.doc)
                .collect(),
        ),
    };
    let source = Source {
        api: &doc_api,
        routes: &routes,
        integrations: &integrations,
        authorizers: &authorizers,
        models: &models,
        region: &ctx.region,
        stage: stage_name.as_deref(),
    };
    let document = ordered(write(&source, input.include_extensions.unwrap_or(true)))?;
    let body = if yaml {
        serde_norway::to_string(&document)
            .map_err(|e| AwsError::internal(e.to_string()))?
            .into_bytes()
    } else {
        serde_json::to_vec_pretty(&document).map_err(|e| AwsError::internal(e.to_string()))?
    };
    Ok(ExportApiResponse { body: Some(Blob(body)) })
}

/// The document with its top-level members in the order AWS writes them (serde_json sorts
/// keys; serde_norway's mappings keep theirs, for JSON output too).
fn ordered(document: Value) -> Result<serde_norway::Value, AwsError> {
    const ORDER: [&str; 6] = ["openapi", "info", "servers", "tags", "paths", "components"];
    let internal = |e: serde_norway::Error| AwsError::internal(e.to_string());
    let Value::Object(mut root) = document else {
        return serde_norway::to_value(&document).map_err(internal);
    };
    let mut out = serde_norway::Mapping::new();
    let mut put = |key: &str, value: Value| -> Result<(), AwsError> {
        let value = match value {
            Value::Object(mut info) if key == "info" => {
                let mut ordered = serde_norway::Mapping::new();
                for k in ["title", "description", "version"] {
                    if let Some(v) = info.remove(k) {
                        ordered.insert(k.into(), serde_norway::to_value(&v).map_err(internal)?);
                    }
                }
                serde_norway::Value::Mapping(ordered)
            }
            other => serde_norway::to_value(&other).map_err(internal)?,
        };
        out.insert(key.into(), value);
        Ok(())
    };
    for key in ORDER {
        if let Some(value) = root.remove(key) {
            put(key, value)?;
        }
    }
    for (key, value) in root {
        put(&key, value)?;
    }
    Ok(serde_norway::Value::Mapping(out))
}

/// `2020-05-20 17:25:05UTC`: the version AWS writes for an API without one.
fn date(epoch: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(epoch)
        .ok()
        .and_then(|t| {
            t.format(&time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second]UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

fn put(object: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        object.insert(key.to_string(), value);
    }
}

fn text(value: &Option<String>) -> Option<Value> {
    value.clone().map(Value::String)
}

const SIGV4: &str = "sigv4";

pub fn write(source: &Source, extensions: bool) -> Value {
    let api = source.api;
    let mut root = Map::new();
    root.insert("openapi".into(), json!("3.0.1"));
    let mut info = Map::new();
    info.insert("title".into(), json!(api.name.clone().unwrap_or_default()));
    put(&mut info, "description", text(&api.description));
    let version = api
        .version
        .clone()
        .unwrap_or_else(|| date(api.created_date.map(|t| t.0).unwrap_or_default()));
    info.insert("version".into(), json!(version));
    root.insert("info".into(), Value::Object(info));
    let base = match source.stage {
        Some("$default") | None => "",
        Some(stage) => stage,
    };
    root.insert(
        "servers".into(),
        json!([{
            "url": format!("https://{}.execute-api.{}.amazonaws.com/{{basePath}}",
                api.api_id.as_deref().unwrap_or_default(), source.region),
            "variables": {"basePath": {"default": base}},
        }]),
    );
    let integrations: BTreeMap<&str, &Integration> = source
        .integrations
        .iter()
        .filter_map(|i| Some((i.integration_id.as_deref()?, i)))
        .collect();
    let authorizers: BTreeMap<&str, &Authorizer> = source
        .authorizers
        .iter()
        .filter_map(|a| Some((a.authorizer_id.as_deref()?, a)))
        .collect();
    let mut paths: Map<String, Value> = Map::new();
    let mut iam = false;
    for route in source.routes {
        let key = route.route_key.as_deref().unwrap_or_default();
        let (path, method, default) = match key.split_once(' ') {
            Some((method, path)) => (path.to_string(), method, false),
            None => ("/$default".to_string(), "ANY", true),
        };
        let method_key = if method == "ANY" {
            "x-amazon-apigateway-any-method".to_string()
        } else {
            method.to_ascii_lowercase()
        };
        let mut operation = Map::new();
        put(&mut operation, "operationId", text(&route.operation_name));
        if default && extensions {
            operation.insert("isDefaultRoute".into(), json!(true));
        }
        operation.insert(
            "responses".into(),
            json!({"default": {"description": format!("Default response for {key}")}}),
        );
        match route.authorization_type.as_deref() {
            Some("AWS_IAM") => {
                iam = true;
                operation.insert("security".into(), json!([{ SIGV4: [] }]));
            }
            Some("JWT" | "CUSTOM") => {
                if let Some(authorizer) = route.authorizer_id.as_deref().and_then(|id| authorizers.get(id)) {
                    let scopes = route.authorization_scopes.clone().unwrap_or_default();
                    operation.insert(
                        "security".into(),
                        json!([{ authorizer.name.clone().unwrap_or_default(): scopes }]),
                    );
                }
            }
            _ => {}
        }
        if extensions
            && let Some(integration) = route
                .target
                .as_deref()
                .and_then(|t| t.strip_prefix("integrations/"))
                .and_then(|id| integrations.get(id))
        {
            operation.insert(
                "x-amazon-apigateway-integration".into(),
                integration_extension(integration),
            );
        }
        let item = paths
            .entry(path.clone())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("path items are objects");
        item.insert(method_key, Value::Object(operation));
        let parameters: Vec<Value> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| {
                json!({
                    "name": name,
                    "in": "path",
                    "description": format!("Generated path parameter for {name}"),
                    "required": true,
                    "schema": {"type": "string"},
                })
            })
            .collect();
        if !parameters.is_empty() {
            item.insert("parameters".into(), Value::Array(parameters));
        }
    }
    root.insert("paths".into(), Value::Object(paths));
    let mut components = Map::new();
    let mut schemes = Map::new();
    for authorizer in source.authorizers {
        schemes.insert(
            authorizer.name.clone().unwrap_or_default(),
            security_scheme(authorizer, extensions),
        );
    }
    if iam && extensions {
        schemes.insert(
            SIGV4.into(),
            json!({"type": "apiKey", "name": "Authorization", "in": "header",
                   "x-amazon-apigateway-authtype": "awsSigv4"}),
        );
    }
    if !schemes.is_empty() {
        components.insert("securitySchemes".into(), Value::Object(schemes));
    }
    let schemas: Map<String, Value> = source
        .models
        .iter()
        .map(|m| {
            let schema = m
                .schema
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_else(|| json!({}));
            (m.name.clone().unwrap_or_default(), schema)
        })
        .collect();
    if !schemas.is_empty() {
        components.insert("schemas".into(), Value::Object(schemas));
    }
    if !components.is_empty() {
        root.insert("components".into(), Value::Object(components));
    }
    if extensions {
        if let Some(cors) = &api.cors_configuration {
            root.insert(
                "x-amazon-apigateway-cors".into(),
                serde_json::to_value(cors).unwrap_or_default(),
            );
        }
        if api.disable_execute_api_endpoint == Some(true) {
            root.insert(
                "x-amazon-apigateway-endpoint-configuration".into(),
                json!({"disableExecuteApiEndpoint": true}),
            );
        }
        if let Some(tags) = api.tags.as_ref().filter(|t| !t.is_empty()) {
            root.insert(
                "tags".into(),
                tags.iter()
                    .map(|(k, v)| json!({"name": k, "x-amazon-apigateway-tag-value": v}))
                    .collect(),
            );
        }
        root.insert("x-amazon-apigateway-importexport-version".into(), json!("1.0"));
    }
    Value::Object(root)
}

fn integration_extension(integration: &Integration) -> Value {
    let mut ext = Map::new();
    put(
        &mut ext,
        "payloadFormatVersion",
        text(&integration.payload_format_version),
    );
    put(
        &mut ext,
        "type",
        integration
            .integration_type
            .as_ref()
            .map(|t| Value::String(t.to_ascii_lowercase())),
    );
    put(&mut ext, "integrationSubtype", text(&integration.integration_subtype));
    put(&mut ext, "httpMethod", text(&integration.integration_method));
    put(&mut ext, "uri", text(&integration.integration_uri));
    put(&mut ext, "connectionType", text(&integration.connection_type));
    put(&mut ext, "connectionId", text(&integration.connection_id));
    put(&mut ext, "credentials", text(&integration.credentials_arn));
    put(&mut ext, "description", text(&integration.description));
    put(
        &mut ext,
        "timeoutInMillis",
        integration.timeout_in_millis.map(|t| json!(t)),
    );
    put(
        &mut ext,
        "requestParameters",
        integration.request_parameters.as_ref().map(|p| json!(p)),
    );
    put(
        &mut ext,
        "responseParameters",
        integration.response_parameters.as_ref().map(|p| json!(p)),
    );
    put(
        &mut ext,
        "tlsConfig",
        integration
            .tls_config
            .as_ref()
            .map(|t| json!({"serverNameToVerify": t.server_name_to_verify})),
    );
    Value::Object(ext)
}

fn security_scheme(authorizer: &Authorizer, extensions: bool) -> Value {
    let sources = authorizer.identity_source.clone().unwrap_or_default();
    let mut scheme = Map::new();
    let mut ext = Map::new();
    if authorizer.authorizer_type.as_deref() == Some("JWT") {
        scheme.insert("type".into(), json!("oauth2"));
        scheme.insert("flows".into(), json!({}));
        ext.insert("type".into(), json!("jwt"));
        put(
            &mut ext,
            "jwtConfiguration",
            authorizer.jwt_configuration.as_ref().map(|j| json!(j)),
        );
    } else {
        // One header is named in the scheme; other identity sources leave it "Unused".
        let header = match sources.as_slice() {
            [one] => one.strip_prefix("$request.header."),
            _ => None,
        };
        scheme.insert("type".into(), json!("apiKey"));
        scheme.insert("name".into(), json!(header.unwrap_or("Unused")));
        scheme.insert("in".into(), json!("header"));
        ext.insert("type".into(), json!("request"));
        put(&mut ext, "authorizerUri", text(&authorizer.authorizer_uri));
        put(
            &mut ext,
            "authorizerCredentials",
            text(&authorizer.authorizer_credentials_arn),
        );
        put(
            &mut ext,
            "authorizerPayloadFormatVersion",
            text(&authorizer.authorizer_payload_format_version),
        );
        put(
            &mut ext,
            "authorizerResultTtlInSeconds",
            authorizer.authorizer_result_ttl_in_seconds.map(|t| json!(t)),
        );
        put(
            &mut ext,
            "enableSimpleResponses",
            authorizer.enable_simple_responses.map(|e| json!(e)),
        );
    }
    if !sources.is_empty() {
        ext.insert("identitySource".into(), json!(sources.join(", ")));
    }
    if extensions {
        scheme.insert("x-amazon-apigateway-authorizer".into(), Value::Object(ext));
    }
    Value::Object(scheme)
}

#[cfg(test)]
mod tests {
    use super::super::import::{self, BasePath};
    use super::*;

    /// An exported API converts back into the same routes, integrations and authorizers.
    #[test]
    fn exports_import_again() {
        let api = Api {
            api_id: Some("abc123".into()),
            name: Some("pets".into()),
            created_date: Some(portico_wire::types::IsoTimestamp(0)),
            cors_configuration: Some(Cors {
                allow_origins: Some(vec!["*".into()]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let integrations = [
            Integration {
                integration_id: Some("i1".into()),
                integration_type: Some("AWS_PROXY".into()),
                integration_method: Some("POST".into()),
                integration_uri: Some("arn:aws:lambda:us-east-1:123456789012:function:pets".into()),
                payload_format_version: Some("2.0".into()),
                connection_type: Some("INTERNET".into()),
                timeout_in_millis: Some(30_000),
                ..Default::default()
            },
            Integration {
                integration_id: Some("i2".into()),
                integration_type: Some("HTTP_PROXY".into()),
                integration_method: Some("GET".into()),
                integration_uri: Some("https://example.com/{id}".into()),
                payload_format_version: Some("1.0".into()),
                connection_type: Some("INTERNET".into()),
                timeout_in_millis: Some(5_000),
                request_parameters: Some(BTreeMap::from([("append:header.x".into(), "$request.path.id".into())])),
                ..Default::default()
            },
        ];
        let authorizers = [Authorizer {
            authorizer_id: Some("a1".into()),
            authorizer_type: Some("JWT".into()),
            name: Some("cognito".into()),
            identity_source: Some(vec!["$request.header.Authorization".into()]),
            jwt_configuration: Some(JWTConfiguration {
                audience: Some(vec!["app".into()]),
                issuer: Some("https://issuer.example.com".into()),
            }),
            ..Default::default()
        }];
        let routes = [
            Route {
                route_key: Some("$default".into()),
                target: Some("integrations/i1".into()),
                authorization_type: Some("NONE".into()),
                ..Default::default()
            },
            Route {
                route_key: Some("GET /items/{id}".into()),
                target: Some("integrations/i2".into()),
                authorization_type: Some("JWT".into()),
                authorizer_id: Some("a1".into()),
                authorization_scopes: Some(vec!["read".into()]),
                ..Default::default()
            },
        ];
        let source = Source {
            api: &api,
            routes: &routes,
            integrations: &integrations,
            authorizers: &authorizers,
            models: &[],
            region: "us-east-1",
            stage: Some("prod"),
        };
        let doc = write(&source, true);
        assert_eq!(doc["info"]["version"], "1970-01-01 00:00:00UTC");
        assert_eq!(
            doc["servers"][0]["url"],
            "https://abc123.execute-api.us-east-1.amazonaws.com/{basePath}"
        );
        assert_eq!(doc["servers"][0]["variables"]["basePath"]["default"], "prod");
        assert_eq!(
            doc["paths"]["/$default"]["x-amazon-apigateway-any-method"]["isDefaultRoute"],
            true
        );
        assert_eq!(doc["paths"]["/items/{id}"]["parameters"][0]["name"], "id");
        let def = import::convert(&doc, BasePath::Ignore).unwrap();
        assert!(def.warnings.is_empty(), "{:?}", def.warnings);
        assert_eq!(def.cors, api.cors_configuration);
        let get = def
            .routes
            .iter()
            .find(|r| r.route.route_key.as_deref() == Some("GET /items/{id}"))
            .unwrap();
        assert_eq!(get.route.authorization_scopes, Some(vec!["read".to_string()]));
        assert_eq!(get.authorizer.as_deref(), Some("cognito"));
        let mut http = def.integrations[get.integration.unwrap()].clone();
        http.integration_id = Some("i2".into());
        assert_eq!(http, integrations[1]);
        let mut jwt = def.authorizers[0].clone();
        jwt.authorizer_id = Some("a1".into());
        assert_eq!(jwt, authorizers[0]);
        // Top-level members in AWS's order, in JSON as in YAML.
        let text = serde_json::to_string(&ordered(doc.clone()).unwrap()).unwrap();
        assert!(
            text.starts_with(r#"{"openapi":"3.0.1","info":{"title":"pets","version""#),
            "{text}"
        );
        assert!(text.find("\"paths\"").unwrap() < text.find("\"components\"").unwrap());
        // Without extensions, no integrations or authorizers are written.
        let bare = write(&source, false);
        assert!(!bare.to_string().contains("x-amazon-apigateway-integration"));
        assert!(bare.get("x-amazon-apigateway-importexport-version").is_none());
    }
}

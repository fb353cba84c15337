//! GetExport: a stage's deployed snapshot as OpenAPI 3.0 or Swagger 2.0, JSON or YAML.

use crate::kinds::{DEPLOYMENT, DeploymentSnapshot, REST_API, SNAPSHOT, STAGE};
use crate::restapis;
use crate::support::{required, scope};
use portico_store::Store;
use portico_wire::apigateway::*;
use portico_wire::types::Blob;
use portico_wire::{AwsError, RequestContext};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// What `extensions` asked for.
#[derive(Debug, Default, Clone, Copy)]
pub struct Extensions {
    integrations: bool,
    authorizers: bool,
    /// `apigateway`: everything API Gateway adds (integrations, authorizers, API settings).
    apigateway: bool,
    /// `postman`: what Postman's importers read (`x-postman-meta`: AWS_IAM methods signed
    /// with Postman's AWS Signature helper).
    postman: bool,
}

impl Extensions {
    fn read(parameters: Option<&BTreeMap<String, String>>) -> Self {
        let mut out = Extensions::default();
        for e in parameters
            .and_then(|p| p.get("extensions"))
            .map(|e| e.split(',').map(str::trim).collect::<Vec<_>>())
            .unwrap_or_default()
        {
            match e {
                "integrations" => out.integrations = true,
                "authorizers" => out.authorizers = true,
                "apigateway" => out.apigateway = true,
                "postman" => out.postman = true,
                _ => {}
            }
        }
        out
    }

    fn integrations(&self) -> bool {
        self.integrations || self.apigateway
    }

    fn authorizers(&self) -> bool {
        self.authorizers || self.apigateway
    }
}

pub async fn export(store: &Store, ctx: &RequestContext, input: GetExportRequest) -> Result<ExportResponse, AwsError> {
    let api_id = required(input.rest_api_id);
    let stage_name = required(input.stage_name);
    let export_type = required(input.export_type);
    let oas3 = match export_type.as_str() {
        "oas30" => true,
        "swagger" => false,
        other => {
            return Err(AwsError::bad_request(format!(
                "No exporter found for type {other}. Valid types are oas30, swagger"
            )));
        }
    };
    let api = restapis::load(store, ctx, &api_id).await?;
    let stage = store
        .under(&REST_API, &STAGE, &scope(ctx), &api_id, &stage_name)
        .await?
        .ok_or_else(crate::stages::not_found)?;
    let deployment_id = stage.doc.deployment_id.clone().unwrap_or_default();
    let deployment = store
        .child(&DEPLOYMENT, &api.row, &deployment_id)
        .await?
        .ok_or_else(crate::stages::not_found)?;
    let snapshot = store
        .child(&SNAPSHOT, &deployment.row, &deployment_id)
        .await?
        .ok_or_else(crate::stages::not_found)?
        .doc;
    let created = deployment.doc.created_date.map(|t| t.0).unwrap_or_default();
    let version = snapshot.api.version.clone().unwrap_or_else(|| date(created));
    let extensions = Extensions::read(input.parameters.as_ref());
    let document = write(&snapshot, &ctx.region, &stage_name, &version, oas3, extensions);
    let yaml = input.accepts.as_deref().is_some_and(|a| a.contains("yaml"));
    let (body, content_type, extension) = if yaml {
        let text = serde_norway::to_string(&document).map_err(|e| AwsError::internal(e.to_string()))?;
        (text.into_bytes(), "application/yaml", "yaml")
    } else {
        let text = serde_json::to_vec_pretty(&document).map_err(|e| AwsError::internal(e.to_string()))?;
        // What AWS answers JSON exports with, `Accept: application/json` or not (botocore sends
        // that header on every API Gateway call; test_apigateway_extended's exports).
        (text, "application/octet-stream", "json")
    };
    Ok(ExportResponse {
        content_type: Some(content_type.into()),
        content_disposition: Some(format!("attachment; filename=\"{export_type}_{version}.{extension}\"")),
        body: Some(Blob(body)),
    })
}

/// `2024-05-01T12:00:00Z`, the version AWS gives an API without one.
fn date(epoch: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(epoch)
        .ok()
        .and_then(|t| {
            t.format(&time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// Canonical model references back to the document's own (`#/components/schemas/X`).
fn local_refs(value: &mut Value, api_id: &str, to: &str) {
    match value {
        Value::Object(object) => {
            for (key, v) in object.iter_mut() {
                if key == "$ref"
                    && let Some(name) = v.as_str().and_then(|r| crate::models::ref_target(r, api_id))
                {
                    *v = Value::String(format!("{to}{name}"));
                } else {
                    local_refs(v, api_id, to);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| local_refs(v, api_id, to)),
        _ => {}
    }
}

fn lower(value: &Option<String>) -> Option<Value> {
    value.as_ref().map(|v| Value::String(v.to_ascii_lowercase()))
}

fn put(object: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        object.insert(key.to_string(), value);
    }
}

fn string_map(map: &Option<BTreeMap<String, String>>) -> Option<Value> {
    map.as_ref().filter(|m| !m.is_empty()).map(|m| json!(m))
}

/// The document for a deployment's snapshot.
pub fn write(
    snapshot: &DeploymentSnapshot,
    region: &str,
    stage: &str,
    version: &str,
    oas3: bool,
    extensions: Extensions,
) -> Value {
    let api = &snapshot.api;
    let api_id = api.id.clone().unwrap_or_default();
    let schema_prefix = if oas3 {
        "#/components/schemas/"
    } else {
        "#/definitions/"
    };
    let mut doc = Map::new();
    let mut info = Map::new();
    info.insert("title".into(), json!(api.name.clone().unwrap_or_default()));
    put(&mut info, "description", api.description.clone().map(Value::String));
    info.insert("version".into(), json!(version));
    let host = format!("{api_id}.execute-api.{region}.amazonaws.com");
    if oas3 {
        doc.insert("openapi".into(), json!("3.0.1"));
        doc.insert("info".into(), Value::Object(info));
        doc.insert(
            "servers".into(),
            json!([{"url": format!("https://{host}/{{basePath}}"), "variables": {"basePath": {"default": stage}}}]),
        );
    } else {
        doc.insert("swagger".into(), json!("2.0"));
        doc.insert("info".into(), Value::Object(info));
        doc.insert("host".into(), json!(host));
        doc.insert("basePath".into(), json!(format!("/{stage}")));
        doc.insert("schemes".into(), json!(["https"]));
    }
    let authorizer_name = |id: &Option<String>| {
        snapshot
            .authorizers
            .iter()
            .find(|a| a.id == *id)
            .and_then(|a| a.name.clone())
    };
    let mut uses_api_key = false;
    let mut uses_iam = false;
    let mut paths = Map::new();
    let mut resources: Vec<&Resource> = snapshot.resources.iter().collect();
    resources.sort_by(|a, b| a.path.cmp(&b.path));
    for resource in resources {
        let Some(methods) = resource.resource_methods.as_ref().filter(|m| !m.is_empty()) else {
            continue;
        };
        let mut item = Map::new();
        for (verb, method) in methods {
            let key = if verb == "ANY" {
                "x-amazon-apigateway-any-method".to_string()
            } else {
                verb.to_ascii_lowercase()
            };
            let mut op = Map::new();
            put(&mut op, "operationId", method.operation_name.clone().map(Value::String));
            let mut parameters = Vec::new();
            for (name, required) in method.request_parameters.iter().flatten() {
                let Some(rest) = name.strip_prefix("method.request.") else {
                    continue;
                };
                let Some((place, param)) = rest.split_once('.') else {
                    continue;
                };
                let place = if place == "querystring" { "query" } else { place };
                let mut p = Map::new();
                p.insert("name".into(), json!(param));
                p.insert("in".into(), json!(place));
                // Swagger exports spell out `required: false`; OpenAPI 3 ones leave it out.
                let required = *required || place == "path";
                if required || !oas3 {
                    p.insert("required".into(), json!(required));
                }
                if oas3 {
                    p.insert("schema".into(), json!({"type": "string"}));
                } else {
                    p.insert("type".into(), json!("string"));
                }
                parameters.push(Value::Object(p));
            }
            let request_models = method.request_models.as_ref().filter(|m| !m.is_empty());
            if !oas3 && let Some(models) = request_models {
                op.insert("consumes".into(), json!(models.keys().collect::<Vec<_>>()));
                let model = models.values().next().cloned().unwrap_or_default();
                parameters.push(json!({
                    "in": "body", "name": model, "required": true,
                    "schema": {"$ref": format!("{schema_prefix}{model}")}
                }));
            }
            if !oas3 {
                let produces: Vec<&String> = method
                    .method_responses
                    .iter()
                    .flat_map(|r| r.values())
                    .flat_map(|r| r.response_models.iter().flat_map(|m| m.keys()))
                    .collect();
                if !produces.is_empty() {
                    let mut produces: Vec<&String> = produces;
                    produces.sort();
                    produces.dedup();
                    op.insert("produces".into(), json!(produces));
                }
            }
            if !parameters.is_empty() {
                op.insert("parameters".into(), Value::Array(parameters));
            }
            if oas3 && let Some(models) = request_models {
                let content: Map<String, Value> = models
                    .iter()
                    .map(|(ct, m)| (ct.clone(), json!({"schema": {"$ref": format!("{schema_prefix}{m}")}})))
                    .collect();
                op.insert("requestBody".into(), json!({"content": content, "required": true}));
            }
            let mut responses = Map::new();
            for (status, response) in method.method_responses.iter().flatten() {
                let mut r = Map::new();
                r.insert("description".into(), json!(format!("{status} response")));
                let headers: Map<String, Value> = response
                    .response_parameters
                    .iter()
                    .flatten()
                    .filter_map(|(name, _)| name.strip_prefix("method.response.header."))
                    .map(|h| {
                        let schema = if oas3 {
                            json!({"schema": {"type": "string"}})
                        } else {
                            json!({"type": "string"})
                        };
                        (h.to_string(), schema)
                    })
                    .collect();
                if !headers.is_empty() {
                    r.insert("headers".into(), Value::Object(headers));
                }
                let models = response.response_models.as_ref();
                if oas3 {
                    let content: Map<String, Value> = models
                        .into_iter()
                        .flatten()
                        .map(|(ct, m)| (ct.clone(), json!({"schema": {"$ref": format!("{schema_prefix}{m}")}})))
                        .collect();
                    r.insert("content".into(), Value::Object(content));
                } else if let Some(model) = models.and_then(|m| m.values().next()) {
                    r.insert("schema".into(), json!({"$ref": format!("{schema_prefix}{model}")}));
                }
                responses.insert(status.clone(), Value::Object(r));
            }
            op.insert("responses".into(), Value::Object(responses));
            let mut security = Vec::new();
            match method.authorization_type.as_deref() {
                Some("CUSTOM" | "COGNITO_USER_POOLS") => {
                    if let Some(name) = authorizer_name(&method.authorizer_id) {
                        security.push(json!({ name: method.authorization_scopes.clone().unwrap_or_default() }));
                    }
                }
                Some("AWS_IAM") => {
                    uses_iam = true;
                    security.push(json!({"sigv4": []}));
                }
                _ => {}
            }
            if method.api_key_required == Some(true) {
                uses_api_key = true;
                security.push(json!({"api_key": []}));
            }
            if !security.is_empty() {
                op.insert("security".into(), Value::Array(security));
            }
            if extensions.postman && method.authorization_type.as_deref() == Some("AWS_IAM") {
                op.insert("x-postman-meta".into(), postman_sigv4(region));
            }
            if extensions.apigateway
                && let Some(name) = method.request_validator_id.as_ref().and_then(|id| {
                    snapshot
                        .request_validators
                        .iter()
                        .find(|v| v.id.as_ref() == Some(id))
                        .and_then(|v| v.name.clone())
                })
            {
                op.insert("x-amazon-apigateway-request-validator".into(), json!(name));
            }
            if extensions.integrations()
                && let Some(integration) = &method.method_integration
            {
                op.insert("x-amazon-apigateway-integration".into(), integration_of(integration));
            }
            item.insert(key, Value::Object(op));
        }
        paths.insert(resource.path.clone().unwrap_or_default(), Value::Object(item));
    }
    doc.insert("paths".into(), Value::Object(paths));

    let mut schemes = Map::new();
    if uses_api_key {
        schemes.insert(
            "api_key".into(),
            json!({"type": "apiKey", "name": "x-api-key", "in": "header"}),
        );
    }
    if uses_iam {
        schemes.insert(
            "sigv4".into(),
            json!({"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}),
        );
    }
    for authorizer in &snapshot.authorizers {
        let Some(name) = authorizer.name.clone() else { continue };
        let header = authorizer
            .identity_source
            .as_deref()
            .and_then(|s| s.strip_prefix("method.request.header."))
            .filter(|h| !h.contains(','))
            .unwrap_or("Unused");
        let mut scheme = Map::new();
        scheme.insert("type".into(), json!("apiKey"));
        scheme.insert("name".into(), json!(header));
        scheme.insert("in".into(), json!("header"));
        if extensions.authorizers() {
            put(
                &mut scheme,
                "x-amazon-apigateway-authtype",
                authorizer.auth_type.clone().map(Value::String),
            );
            let mut config = Map::new();
            put(&mut config, "type", lower(&authorizer.r#type));
            put(
                &mut config,
                "authorizerUri",
                authorizer.authorizer_uri.clone().map(Value::String),
            );
            put(
                &mut config,
                "authorizerCredentials",
                authorizer.authorizer_credentials.clone().map(Value::String),
            );
            put(
                &mut config,
                "identitySource",
                authorizer.identity_source.clone().map(Value::String),
            );
            put(
                &mut config,
                "identityValidationExpression",
                authorizer.identity_validation_expression.clone().map(Value::String),
            );
            put(
                &mut config,
                "authorizerResultTtlInSeconds",
                authorizer.authorizer_result_ttl_in_seconds.map(|t| json!(t)),
            );
            put(
                &mut config,
                "providerARNs",
                authorizer.provider_ar_ns.clone().map(|a| json!(a)),
            );
            scheme.insert("x-amazon-apigateway-authorizer".into(), Value::Object(config));
        }
        schemes.insert(name, Value::Object(scheme));
    }

    let mut schemas = Map::new();
    for model in &snapshot.models {
        let Some(name) = model.name.clone() else { continue };
        let mut schema = model
            .schema
            .as_deref()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
            .unwrap_or_else(|| json!({}));
        if let Value::Object(o) = &mut schema {
            o.remove("$schema");
        }
        local_refs(&mut schema, &api_id, schema_prefix);
        schemas.insert(name, schema);
    }
    if oas3 {
        let mut components = Map::new();
        if !schemas.is_empty() {
            components.insert("schemas".into(), Value::Object(schemas));
        }
        if !schemes.is_empty() {
            components.insert("securitySchemes".into(), Value::Object(schemes));
        }
        doc.insert("components".into(), Value::Object(components));
    } else {
        if !schemes.is_empty() {
            doc.insert("securityDefinitions".into(), Value::Object(schemes));
        }
        if !schemas.is_empty() {
            doc.insert("definitions".into(), Value::Object(schemas));
        }
    }

    if extensions.apigateway {
        if let Some(types) = api.binary_media_types.as_ref().filter(|t| !t.is_empty()) {
            doc.insert("x-amazon-apigateway-binary-media-types".into(), json!(types));
        }
        if let Some(source) = api.api_key_source.as_deref().filter(|s| *s != "HEADER") {
            doc.insert("x-amazon-apigateway-api-key-source".into(), json!(source));
        }
        if let Some(size) = api.minimum_compression_size {
            doc.insert("x-amazon-apigateway-minimum-compression-size".into(), json!(size));
        }
        if let Some(policy) = api
            .policy
            .as_deref()
            .and_then(|p| serde_json::from_str::<Value>(p).ok())
        {
            doc.insert("x-amazon-apigateway-policy".into(), policy);
        }
        if !snapshot.request_validators.is_empty() {
            let validators: Map<String, Value> = snapshot
                .request_validators
                .iter()
                .map(|v| {
                    (
                        v.name.clone().unwrap_or_default(),
                        json!({
                            "validateRequestBody": v.validate_request_body.unwrap_or(false),
                            "validateRequestParameters": v.validate_request_parameters.unwrap_or(false),
                        }),
                    )
                })
                .collect();
            doc.insert(
                "x-amazon-apigateway-request-validators".into(),
                Value::Object(validators),
            );
        }
        if !snapshot.gateway_responses.is_empty() {
            let responses: Map<String, Value> = snapshot
                .gateway_responses
                .iter()
                .map(|r| {
                    let mut out = Map::new();
                    put(&mut out, "statusCode", r.status_code.clone().map(Value::String));
                    put(&mut out, "responseParameters", string_map(&r.response_parameters));
                    put(&mut out, "responseTemplates", string_map(&r.response_templates));
                    (r.response_type.clone().unwrap_or_default(), Value::Object(out))
                })
                .collect();
            doc.insert("x-amazon-apigateway-gateway-responses".into(), Value::Object(responses));
        }
    }
    Value::Object(doc)
}

/// Postman's AWS Signature helper for an AWS_IAM method, the keys left to Postman variables.
fn postman_sigv4(region: &str) -> Value {
    json!({
        "currentHelper": "awsSigV4",
        "helperAttributes": {
            "accessKey": "{{aws_access_key_id}}",
            "secretKey": "{{aws_secret_access_key}}",
            "region": region,
            "service": "execute-api",
            "saveHelper": true
        }
    })
}

/// `x-amazon-apigateway-integration`, in the document's lower-case spellings.
fn integration_of(integration: &Integration) -> Value {
    let mut out = Map::new();
    put(&mut out, "type", lower(&integration.r#type));
    put(
        &mut out,
        "httpMethod",
        integration.http_method.clone().map(Value::String),
    );
    put(&mut out, "uri", integration.uri.clone().map(Value::String));
    if integration.connection_type.as_deref() == Some("VPC_LINK") {
        put(&mut out, "connectionType", Some(json!("VPC_LINK")));
        put(
            &mut out,
            "connectionId",
            integration.connection_id.clone().map(Value::String),
        );
    }
    put(
        &mut out,
        "credentials",
        integration.credentials.clone().map(Value::String),
    );
    let mut responses = Map::new();
    for response in integration.integration_responses.iter().flat_map(|r| r.values()) {
        let mut r = Map::new();
        put(&mut r, "statusCode", response.status_code.clone().map(Value::String));
        put(&mut r, "responseParameters", string_map(&response.response_parameters));
        put(&mut r, "responseTemplates", string_map(&response.response_templates));
        put(
            &mut r,
            "contentHandling",
            response.content_handling.clone().map(Value::String),
        );
        let pattern = response
            .selection_pattern
            .clone()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "default".into());
        responses.insert(pattern, Value::Object(r));
    }
    if !responses.is_empty() {
        out.insert("responses".into(), Value::Object(responses));
    }
    put(
        &mut out,
        "requestParameters",
        string_map(&integration.request_parameters),
    );
    put(&mut out, "requestTemplates", string_map(&integration.request_templates));
    put(
        &mut out,
        "passthroughBehavior",
        lower(&integration.passthrough_behavior),
    );
    put(
        &mut out,
        "contentHandling",
        integration.content_handling.clone().map(Value::String),
    );
    if let Some(ms) = integration.timeout_in_millis.filter(|ms| *ms != 29_000) {
        out.insert("timeoutInMillis".into(), json!(ms));
    }
    if let Some(keys) = integration.cache_key_parameters.as_ref().filter(|k| !k.is_empty()) {
        out.insert("cacheKeyParameters".into(), json!(keys));
        put(
            &mut out,
            "cacheNamespace",
            integration.cache_namespace.clone().map(Value::String),
        );
    }
    if let Some(tls) = &integration.tls_config {
        put(
            &mut out,
            "tlsConfig",
            tls.insecure_skip_verification
                .map(|s| json!({"insecureSkipVerification": s})),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openapi::import::{Options, convert};

    /// The snapshot a deployment of `text`, imported as API `api1`, would hold.
    fn imported(text: &str) -> (crate::openapi::import::Definition, DeploymentSnapshot) {
        let doc = crate::openapi::parse(text.as_bytes()).unwrap();
        let def = convert(&doc, "api1", &Options::read(None).unwrap(), &[]).unwrap();
        let resources: Vec<Resource> = def
            .resources
            .iter()
            .map(|(path, methods)| Resource {
                path: Some(path.clone()),
                resource_methods: Some(methods.clone()),
                ..Default::default()
            })
            .collect();
        let snapshot = DeploymentSnapshot {
            api: RestApi {
                id: Some("api1".into()),
                name: def.title.clone(),
                ..Default::default()
            },
            resources,
            authorizers: def.authorizers.clone(),
            models: def.models.clone(),
            request_validators: def.validators.clone(),
            gateway_responses: def.gateway_responses.clone(),
        };
        (def, snapshot)
    }

    fn round_trip(text: &str, oas3: bool) -> (Value, Value) {
        let (def, snapshot) = imported(text);
        let all = Extensions {
            apigateway: true,
            ..Default::default()
        };
        let first = write(&snapshot, "us-east-1", "dev", "1", oas3, all);
        let again = crate::openapi::parse(serde_json::to_string(&first).unwrap().as_bytes()).unwrap();
        let def2 = convert(&again, "api1", &Options::read(None).unwrap(), &[]).unwrap();
        assert_eq!(
            def.resources.keys().collect::<Vec<_>>(),
            def2.resources.keys().collect::<Vec<_>>()
        );
        for (path, methods) in &def.resources {
            for (verb, method) in methods {
                let other = &def2.resources[path][verb];
                assert_eq!(method.request_parameters, other.request_parameters, "{path} {verb}");
                assert_eq!(method.request_models, other.request_models, "{path} {verb}");
                assert_eq!(method.method_responses, other.method_responses, "{path} {verb}");
                assert_eq!(method.api_key_required, other.api_key_required, "{path} {verb}");
                assert_eq!(method.authorization_type, other.authorization_type, "{path} {verb}");
                let (a, b) = (method.method_integration.clone(), other.method_integration.clone());
                assert_eq!(a.map(|i| i.integration_responses), b.map(|i| i.integration_responses));
            }
        }
        let plain = write(&snapshot, "us-east-1", "dev", "1", oas3, Extensions::default());
        (first, plain)
    }

    #[test]
    fn oas30_exports_servers_schemas_and_integrations() {
        let text = r##"{"openapi": "3.0.1", "info": {"title": "t", "version": "1"},
          "paths": {"/pets": {"get": {"security": [{"api_key": []}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}},
            "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
              "responses": {"default": {"statusCode": "200"}}}}}},
          "components": {"schemas": {"Pet": {"type": "object", "properties": {"kind": {"$ref": "#/components/schemas/Kind"}}}, "Kind": {"type": "string"}},
            "securitySchemes": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}}}"##;
        let (full, plain) = round_trip(text, true);
        assert_eq!(
            full["servers"][0]["url"],
            "https://api1.execute-api.us-east-1.amazonaws.com/{basePath}"
        );
        assert_eq!(full["servers"][0]["variables"]["basePath"]["default"], "dev");
        assert_eq!(
            full["components"]["schemas"]["Pet"]["properties"]["kind"]["$ref"],
            "#/components/schemas/Kind"
        );
        assert_eq!(
            full["paths"]["/pets"]["get"]["x-amazon-apigateway-integration"]["type"],
            "mock"
        );
        assert_eq!(full["paths"]["/pets"]["get"]["security"][0], json!({"api_key": []}));
        assert!(
            plain["paths"]["/pets"]["get"]
                .get("x-amazon-apigateway-integration")
                .is_none()
        );
    }

    #[test]
    fn swagger_exports_host_base_path_and_definitions() {
        let text = r##"{"swagger": "2.0", "info": {"title": "t"},
          "paths": {"/pets/{id}": {"post": {"parameters": [{"name": "id", "in": "path", "required": true, "type": "string"},
              {"in": "body", "name": "Pet", "schema": {"$ref": "#/definitions/Pet"}}],
            "responses": {"201": {"description": "ok", "headers": {"X-A": {"type": "string"}}}},
            "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "POST", "uri": "http://example.com/{id}",
              "requestParameters": {"integration.request.path.id": "method.request.path.id"}}}}},
          "definitions": {"Pet": {"type": "object"}}}"##;
        let (full, _) = round_trip(text, false);
        assert_eq!(full["host"], "api1.execute-api.us-east-1.amazonaws.com");
        assert_eq!(full["basePath"], "/dev");
        let post = &full["paths"]["/pets/{id}"]["post"];
        assert_eq!(post["parameters"][1]["schema"]["$ref"], "#/definitions/Pet");
        assert_eq!(post["responses"]["201"]["headers"]["X-A"]["type"], "string");
        assert_eq!(full["definitions"]["Pet"]["type"], "object");
    }

    #[test]
    fn postman_signs_aws_iam_methods() {
        let text = r##"{"swagger": "2.0", "info": {"title": "t"},
          "paths": {"/signed": {"get": {"security": [{"sigv4": []}], "responses": {}}},
                    "/open": {"get": {"responses": {}}}},
          "securityDefinitions": {"sigv4": {"type": "apiKey", "name": "Authorization", "in": "header",
            "x-amazon-apigateway-authtype": "awsSigv4"}}}"##;
        let (with_all, plain) = round_trip(text, false);
        assert!(with_all["paths"]["/signed"]["get"].get("x-postman-meta").is_none());
        assert!(plain["paths"]["/signed"]["get"].get("x-postman-meta").is_none());
        let (_, snapshot) = imported(text);
        let params: BTreeMap<String, String> = [("extensions".to_string(), "integrations, postman".to_string())].into();
        let postman = write(
            &snapshot,
            "eu-west-1",
            "dev",
            "1",
            true,
            Extensions::read(Some(&params)),
        );
        let meta = &postman["paths"]["/signed"]["get"]["x-postman-meta"];
        assert_eq!(meta["currentHelper"], "awsSigV4");
        assert_eq!(meta["helperAttributes"]["region"], "eu-west-1");
        assert_eq!(meta["helperAttributes"]["service"], "execute-api");
        assert!(postman["paths"]["/open"]["get"].get("x-postman-meta").is_none());
    }

    #[test]
    fn versions_default_to_the_deployment_date() {
        assert_eq!(date(0), "1970-01-01T00:00:00Z");
    }
}

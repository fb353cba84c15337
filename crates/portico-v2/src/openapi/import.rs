//! An OpenAPI 3.0 document → the HTTP API's routes, integrations, authorizers and models, as
//! AWS's HTTP API importer reads them; nothing here touches the store.

use crate::{authorizers, integrations, routes};
use portico_wire::AwsError;
use portico_wire::apigatewayv2::*;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The path item keys that are operations, and the route method each one gives.
const OPERATIONS: [(&str, &str); 8] = [
    ("get", "GET"),
    ("put", "PUT"),
    ("post", "POST"),
    ("delete", "DELETE"),
    ("options", "OPTIONS"),
    ("head", "HEAD"),
    ("patch", "PATCH"),
    ("x-amazon-apigateway-any-method", "ANY"),
];

/// How the document's base path joins its paths (ImportApi's and ReimportApi's `basepath`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasePath {
    Ignore,
    Prepend,
    Split,
}

impl BasePath {
    pub fn read(mode: Option<&str>) -> Result<Self, AwsError> {
        match mode.map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("ignore") => Ok(BasePath::Ignore),
            Some("prepend") => Ok(BasePath::Prepend),
            Some("split") => Ok(BasePath::Split),
            Some(_) => Err(AwsError::bad_request(format!(
                "Invalid basepath parameter: {}. Valid options are ignore, prepend, split",
                mode.unwrap_or_default()
            ))),
        }
    }
}

/// A route as the document declares it: the integration it targets (an index into
/// `Definition::integrations`) and its authorizer's name, resolved to ids when written.
#[derive(Debug, Clone, Default)]
pub struct PlannedRoute {
    pub route: Route,
    pub integration: Option<usize>,
    pub authorizer: Option<String>,
}

/// What a document makes of an HTTP API.
#[derive(Debug, Clone, Default)]
pub struct Definition {
    pub name: Option<String>,
    pub description: Option<String>,
    pub version: Option<String>,
    pub cors: Option<Cors>,
    pub disable_execute_api_endpoint: Option<bool>,
    pub tags: BTreeMap<String, String>,
    pub routes: Vec<PlannedRoute>,
    pub integrations: Vec<Integration>,
    /// Authorizers, each named after its security scheme.
    pub authorizers: Vec<Authorizer>,
    pub models: Vec<Model>,
    pub warnings: Vec<String>,
}

pub fn invalid_input() -> AwsError {
    AwsError::bad_request("Invalid OpenAPI input.")
}

/// Reads a body as JSON, else YAML, into its JSON form.
pub fn parse(body: &str) -> Result<Value, AwsError> {
    let json = match serde_json::from_str::<Value>(body) {
        Ok(json) => json,
        Err(_) => {
            let yaml = serde_norway::from_str::<serde_norway::Value>(body).map_err(|_| invalid_input())?;
            serde_json::to_value(yaml).map_err(|_| invalid_input())?
        }
    };
    if !json.is_object() {
        return Err(invalid_input());
    }
    Ok(json)
}

/// A scalar as text: YAML and JSON give versions (`1.0`, `2.0`) as numbers.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn text_at(object: &Value, key: &str) -> Option<String> {
    text(object.get(key))
}

fn string_map(value: Option<&Value>) -> Option<BTreeMap<String, String>> {
    let object = value?.as_object()?;
    Some(
        object
            .iter()
            .filter_map(|(k, v)| text(Some(v)).map(|v| (k.clone(), v)))
            .collect(),
    )
}

/// `identitySource`: a comma-separated string or a list.
fn identity_source(value: Option<&Value>) -> Option<Vec<String>> {
    let sources: Vec<String> = match value? {
        Value::String(s) => s.split(',').map(|p| p.trim().to_string()).collect(),
        Value::Array(items) => items.iter().filter_map(|i| text(Some(i))).collect(),
        _ => return None,
    };
    let sources: Vec<String> = sources.into_iter().filter(|s| !s.is_empty()).collect();
    (!sources.is_empty()).then_some(sources)
}

/// Checks the document is OpenAPI 3.0 with the one import/export version AWS knows.
pub fn check_version(root: &Value) -> Result<(), AwsError> {
    match text_at(root, "openapi") {
        Some(v) if v.starts_with("3.0") => {}
        Some(v) => {
            return Err(AwsError::bad_request(format!(
                "Unsupported OpenAPI version {v}. HTTP APIs support only OpenAPI 3.0 definitions."
            )));
        }
        None if root.get("swagger").is_some() => {
            return Err(AwsError::bad_request(
                "Swagger 2.0 definitions are not supported for HTTP APIs. HTTP APIs support only OpenAPI 3.0 definitions.",
            ));
        }
        None => return Err(invalid_input()),
    }
    if let Some(v) = root.get("x-amazon-apigateway-importexport-version") {
        let v = text(Some(v)).unwrap_or_default();
        if v != "1.0" {
            return Err(AwsError::bad_request(format!(
                "Unsupported x-amazon-apigateway-importexport-version {v}. The only supported version is 1.0."
            )));
        }
    }
    Ok(())
}

/// The document's base path, found as AWS documents it: the first server's `basePath`
/// variable if it has one, else the path of its URL.
fn base_path(root: &Value) -> String {
    let Some(server) = root.get("servers").and_then(|s| s.get(0)) else {
        return String::new();
    };
    let vars = server.get("variables").and_then(Value::as_object);
    if let Some(default) = vars.and_then(|v| v.get("basePath")).and_then(|v| text_at(v, "default")) {
        return default;
    }
    let mut url = text_at(server, "url").unwrap_or_default();
    for (name, var) in vars.into_iter().flatten() {
        url = url.replace(&format!("{{{name}}}"), &text_at(var, "default").unwrap_or_default());
    }
    match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map(|i| rest[i..].to_string()).unwrap_or_default(),
        None => url,
    }
}

fn prefix(root: &Value, mode: BasePath) -> String {
    if mode == BasePath::Ignore {
        return String::new();
    }
    let base = base_path(root);
    let parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    let kept = match mode {
        BasePath::Split => parts.get(1..).unwrap_or_default(),
        _ => &parts[..],
    };
    kept.iter().map(|p| format!("/{p}")).collect()
}

/// What a security scheme gives a route.
#[derive(Debug, Clone)]
enum Scheme {
    Iam,
    Authorizer { name: String, jwt: bool },
}

struct Converter<'a> {
    root: &'a Value,
    def: Definition,
    schemes: BTreeMap<String, Scheme>,
    /// Shared integrations (`#/components/x-amazon-apigateway-integrations/x`), once each.
    shared: BTreeMap<String, Option<usize>>,
}

pub fn convert(root: &Value, mode: BasePath) -> Result<Definition, AwsError> {
    check_version(root)?;
    let mut c = Converter {
        root,
        def: Definition::default(),
        schemes: BTreeMap::new(),
        shared: BTreeMap::new(),
    };
    let info = root.get("info").cloned().unwrap_or(Value::Null);
    c.def.name = text_at(&info, "title").filter(|t| !t.is_empty());
    c.def.description = text_at(&info, "description");
    c.def.version = text_at(&info, "version");
    // The bounds CreateApi's members have.
    for (member, value, max) in [
        ("info.title", &c.def.name, 128),
        ("info.description", &c.def.description, 1024),
        ("info.version", &c.def.version, 64),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            return Err(AwsError::bad_request(format!(
                "{member} must be at most {max} characters long."
            )));
        }
    }
    if let Some(cors) = root.get("x-amazon-apigateway-cors") {
        c.def.cors = Some(
            serde_json::from_value(cors.clone())
                .map_err(|e| AwsError::bad_request(format!("Invalid x-amazon-apigateway-cors: {e}")))?,
        );
    }
    c.def.disable_execute_api_endpoint = root
        .get("x-amazon-apigateway-endpoint-configuration")
        .and_then(|e| e.get("disableExecuteApiEndpoint"))
        .and_then(Value::as_bool);
    for tag in root.get("tags").and_then(Value::as_array).into_iter().flatten() {
        if let (Some(name), Some(value)) = (text_at(tag, "name"), text_at(tag, "x-amazon-apigateway-tag-value")) {
            c.def.tags.insert(name, value);
        }
    }
    c.security_schemes()?;
    c.models();
    c.paths(mode)?;
    Ok(c.def)
}

impl Converter<'_> {
    fn components(&self, section: &str) -> Option<&Map<String, Value>> {
        self.root.get("components")?.get(section)?.as_object()
    }

    fn security_schemes(&mut self) -> Result<(), AwsError> {
        let Some(schemes) = self.components("securitySchemes").cloned() else {
            return Ok(());
        };
        for (name, scheme) in schemes {
            let auth_type = text_at(&scheme, "x-amazon-apigateway-authtype").unwrap_or_default();
            if auth_type.eq_ignore_ascii_case("awsSigv4") {
                self.schemes.insert(name, Scheme::Iam);
                continue;
            }
            let Some(ext) = scheme.get("x-amazon-apigateway-authorizer") else {
                continue;
            };
            let kind = text_at(ext, "type").unwrap_or_default().to_ascii_lowercase();
            let authorizer = match kind.as_str() {
                "jwt" => {
                    let mut jwt: JWTConfiguration = ext
                        .get("jwtConfiguration")
                        .map(|j| serde_json::from_value(j.clone()))
                        .transpose()
                        .map_err(|e| {
                            AwsError::bad_request(format!("Invalid jwtConfiguration of authorizer {name}: {e}"))
                        })?
                        .unwrap_or_default();
                    // An OpenID Connect URL names the issuer when the extension does not.
                    if jwt.issuer.is_none()
                        && let Some(url) = text_at(&scheme, "openIdConnectUrl")
                    {
                        jwt.issuer = Some(url.trim_end_matches("/.well-known/openid-configuration").to_string());
                    }
                    Authorizer {
                        authorizer_type: Some("JWT".into()),
                        identity_source: identity_source(ext.get("identitySource")),
                        jwt_configuration: Some(jwt),
                        name: Some(name.clone()),
                        ..Default::default()
                    }
                }
                "request" => Authorizer {
                    authorizer_type: Some("REQUEST".into()),
                    authorizer_uri: text_at(ext, "authorizerUri"),
                    authorizer_credentials_arn: text_at(ext, "authorizerCredentials").filter(|c| !c.is_empty()),
                    authorizer_payload_format_version: text_at(ext, "authorizerPayloadFormatVersion"),
                    authorizer_result_ttl_in_seconds: Some(
                        text_at(ext, "authorizerResultTtlInSeconds")
                            .map(|t| {
                                t.parse::<i64>().map_err(|_| {
                                    AwsError::bad_request(format!(
                                        "Invalid authorizerResultTtlInSeconds of authorizer {name}: {t}"
                                    ))
                                })
                            })
                            .transpose()?
                            .unwrap_or(0),
                    ),
                    enable_simple_responses: Some(
                        ext.get("enableSimpleResponses")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    ),
                    identity_source: identity_source(ext.get("identitySource")),
                    name: Some(name.clone()),
                    ..Default::default()
                },
                other => {
                    self.def.warnings.push(format!(
                        "Unsupported authorizer type '{other}' of security scheme {name}: HTTP APIs support jwt and request authorizers. It was ignored."
                    ));
                    continue;
                }
            };
            authorizers::check(&authorizer, false)
                .map_err(|e| AwsError::bad_request(format!("Unable to create authorizer '{name}': {}", e.message)))?;
            self.schemes.insert(
                name.clone(),
                Scheme::Authorizer {
                    name,
                    jwt: kind == "jwt",
                },
            );
            self.def.authorizers.push(authorizer);
        }
        Ok(())
    }

    fn models(&mut self) {
        let Some(schemas) = self.components("schemas").cloned() else {
            return;
        };
        for (name, schema) in schemas {
            if name.is_empty() || name.len() > 128 || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
                self.def.warnings.push(format!(
                    "Model name {name} is invalid: names are 1 to 128 alphanumeric characters. It was ignored."
                ));
                continue;
            }
            self.def.models.push(Model {
                content_type: Some("application/json".into()),
                description: text_at(&schema, "description"),
                name: Some(name),
                schema: Some(schema.to_string()),
                ..Default::default()
            });
        }
    }

    /// Warns of `#/components/schemas/X` references to schemas the document lacks, as
    /// swagger-parser words it (AWS passes its messages on).
    fn missing_refs(&mut self, value: &Value, location: &str) {
        match value {
            Value::Object(object) => {
                for (key, v) in object {
                    if key == "$ref"
                        && let Some(target) = v.as_str()
                        && let Some(name) = target.strip_prefix("#/components/schemas/")
                        && self.components("schemas").is_none_or(|s| !s.contains_key(name))
                    {
                        self.def
                            .warnings
                            .push(format!("Parse issue: attribute {location}.{target} is missing"));
                    } else if key == "content" && v.is_object() {
                        // The media type drops out of swagger-parser's locations.
                        for media in v.as_object().into_iter().flat_map(|m| m.values()) {
                            self.missing_refs(media, &format!("{location}.content"));
                        }
                    } else {
                        self.missing_refs(v, &format!("{location}.{key}"));
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.missing_refs(v, location)),
            _ => {}
        }
    }

    fn paths(&mut self, mode: BasePath) -> Result<(), AwsError> {
        let prefix = prefix(self.root, mode);
        let Some(paths) = self.root.get("paths").and_then(Value::as_object) else {
            return Ok(());
        };
        let global_security = self.root.get("security").cloned();
        for (raw_path, item) in paths {
            let Some(item) = item.as_object() else { continue };
            for (key, operation) in item {
                let method = match OPERATIONS.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
                    Some((_, method)) => *method,
                    None if key == "trace" => {
                        self.def.warnings.push(format!(
                            "Unsupported method TRACE on path {raw_path}: HTTP APIs do not support TRACE. It was ignored."
                        ));
                        continue;
                    }
                    None => continue,
                };
                let route_key = if raw_path == "/$default" && method == "ANY" {
                    "$default".to_string()
                } else {
                    let joined = format!("{prefix}/{}", raw_path.trim_start_matches('/'));
                    let path = if joined.len() > 1 {
                        joined.trim_end_matches('/').to_string()
                    } else {
                        joined
                    };
                    format!("{method} {path}")
                };
                routes::check_key(&route_key, false)?;
                if self
                    .def
                    .routes
                    .iter()
                    .any(|r| r.route.route_key.as_deref() == Some(&route_key))
                {
                    return Err(AwsError::bad_request(format!(
                        "Unable to create route {route_key}: the definition declares it twice."
                    )));
                }
                let location = format!("paths.'{raw_path}'({key})");
                for part in ["responses", "requestBody", "parameters"] {
                    if let Some(v) = operation.get(part) {
                        let v = v.clone();
                        self.missing_refs(&v, &format!("{location}.{part}"));
                    }
                }
                let integration = match operation.get("x-amazon-apigateway-integration") {
                    Some(ext) => self.integration(ext, &route_key)?,
                    None => None,
                };
                let mut planned = PlannedRoute {
                    route: routes::defaults(Route {
                        operation_name: text_at(operation, "operationId"),
                        route_key: Some(route_key.clone()),
                        ..Default::default()
                    }),
                    integration,
                    authorizer: None,
                };
                let security = operation.get("security").or(global_security.as_ref());
                if let Some(security) = security {
                    self.security(&mut planned, security, &route_key)?;
                }
                self.def.routes.push(planned);
            }
        }
        Ok(())
    }

    /// `security` of one operation: one requirement at most, as AWS allows.
    fn security(&mut self, planned: &mut PlannedRoute, security: &Value, route_key: &str) -> Result<(), AwsError> {
        let requirements = security.as_array().cloned().unwrap_or_default();
        let requirement = match requirements.as_slice() {
            [] => return Ok(()),
            [one] => one.as_object().cloned().unwrap_or_default(),
            _ => {
                return Err(AwsError::bad_request(format!(
                    "Multiple security requirements are not supported for route {route_key}. Each route can use only one of IAM authorization, a Lambda authorizer or a JWT authorizer."
                )));
            }
        };
        if requirement.len() > 1 {
            return Err(AwsError::bad_request(format!(
                "Multiple security requirements are not supported for route {route_key}. Each route can use only one of IAM authorization, a Lambda authorizer or a JWT authorizer."
            )));
        }
        let Some((name, scopes)) = requirement.into_iter().next() else {
            return Ok(());
        };
        let scopes: Vec<String> = scopes
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| text(Some(s)))
            .collect();
        match self.schemes.get(&name) {
            Some(Scheme::Iam) => planned.route.authorization_type = Some("AWS_IAM".into()),
            Some(Scheme::Authorizer { name, jwt }) => {
                planned.route.authorization_type = Some(if *jwt { "JWT" } else { "CUSTOM" }.into());
                planned.authorizer = Some(name.clone());
                if *jwt && !scopes.is_empty() {
                    planned.route.authorization_scopes = Some(scopes);
                }
            }
            None => self.def.warnings.push(format!(
                "Route {route_key} refers to security scheme {name}, which defines no x-amazon-apigateway-authorizer. The route is not authorized."
            )),
        }
        Ok(())
    }

    /// An operation's `x-amazon-apigateway-integration`: inline, or a `$ref` to a shared one.
    fn integration(&mut self, ext: &Value, route_key: &str) -> Result<Option<usize>, AwsError> {
        let Some(reference) = ext.get("$ref").and_then(Value::as_str) else {
            return self.new_integration(ext, route_key);
        };
        if let Some(index) = self.shared.get(reference) {
            return Ok(*index);
        }
        let target = reference
            .strip_prefix("#/components/x-amazon-apigateway-integrations/")
            .and_then(|name| self.components("x-amazon-apigateway-integrations")?.get(name))
            .cloned();
        let index = match target {
            Some(target) => self.new_integration(&target, route_key)?,
            None => {
                self.def.warnings.push(format!(
                    "Parse issue: attribute {reference} of route {route_key} is missing"
                ));
                None
            }
        };
        self.shared.insert(reference.to_string(), index);
        Ok(index)
    }

    fn new_integration(&mut self, ext: &Value, route_key: &str) -> Result<Option<usize>, AwsError> {
        let kind = text_at(ext, "type").unwrap_or_default().to_ascii_uppercase();
        if !matches!(kind.as_str(), "AWS_PROXY" | "HTTP_PROXY") {
            self.def.warnings.push(format!(
                "Unsupported integration type '{kind}' on route {route_key}: HTTP APIs support only AWS_PROXY and HTTP_PROXY integrations. It was ignored."
            ));
            return Ok(None);
        }
        let lambda = kind == "AWS_PROXY";
        let subtype = text_at(ext, "integrationSubtype");
        let mut payload = text_at(ext, "payloadFormatVersion");
        // A REST API's export names no payload format: theirs is 1.0.
        if lambda && subtype.is_none() && payload.is_none() {
            payload = Some("1.0".into());
        }
        let response_parameters = ext
            .get("responseParameters")
            .and_then(Value::as_object)
            .map(|by_status| {
                by_status
                    .iter()
                    .filter_map(|(status, map)| string_map(Some(map)).map(|m| (status.clone(), m)))
                    .collect()
            });
        let timeout = match ext.get("timeoutInMillis") {
            None => None,
            Some(v) => Some(
                text(Some(v))
                    .and_then(|t| t.parse::<f64>().ok())
                    .map(|t| t as i64)
                    .ok_or_else(|| {
                        AwsError::bad_request(format!(
                            "Invalid timeoutInMillis of the integration of route {route_key}"
                        ))
                    })?,
            ),
        };
        let integration = integrations::defaults(Integration {
            connection_id: text_at(ext, "connectionId"),
            connection_type: text_at(ext, "connectionType").map(|c| c.to_ascii_uppercase()),
            credentials_arn: text_at(ext, "credentials").filter(|c| !c.is_empty()),
            description: text_at(ext, "description"),
            integration_method: text_at(ext, "httpMethod")
                .map(|m| m.to_ascii_uppercase())
                .or_else(|| lambda.then(|| "POST".into())),
            integration_subtype: subtype,
            integration_type: Some(kind),
            integration_uri: text_at(ext, "uri"),
            payload_format_version: payload,
            request_parameters: string_map(ext.get("requestParameters")),
            response_parameters,
            timeout_in_millis: timeout,
            tls_config: ext.get("tlsConfig").map(|t| TlsConfig {
                server_name_to_verify: text_at(t, "serverNameToVerify"),
            }),
            ..Default::default()
        });
        integrations::check(&integration, false).map_err(|e| {
            AwsError::bad_request(format!(
                "Unable to create the integration of route {route_key}: {}",
                e.message
            ))
        })?;
        self.def.integrations.push(integration);
        Ok(Some(self.def.integrations.len() - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition(doc: &str, mode: BasePath) -> Result<Definition, AwsError> {
        convert(&parse(doc)?, mode)
    }

    const PETS: &str = r##"{
      "openapi": "3.0.1",
      "info": {"title": "pets", "description": "A pet store", "version": "1.0"},
      "servers": [{"url": "https://example.com/{basePath}", "variables": {"basePath": {"default": "v1/shop"}}}],
      "tags": [{"name": "team", "x-amazon-apigateway-tag-value": "core"}, {"name": "plain"}],
      "paths": {
        "/pets": {
          "get": {
            "operationId": "ListPets",
            "security": [{"jwt": ["pets/read"]}],
            "x-amazon-apigateway-integration": {"type": "HTTP_PROXY", "httpMethod": "GET",
              "uri": "https://backend.example.com/pets", "payloadFormatVersion": 1.0, "timeoutInMillis": 5000}
          },
          "post": {
            "security": [{"lambda": []}],
            "x-amazon-apigateway-integration": {"$ref": "#/components/x-amazon-apigateway-integrations/fn"}
          }
        },
        "/pets/{id}": {
          "x-amazon-apigateway-any-method": {
            "x-amazon-apigateway-integration": {"$ref": "#/components/x-amazon-apigateway-integrations/fn"}
          }
        },
        "/$default": {"x-amazon-apigateway-any-method": {"isDefaultRoute": true,
          "security": [{"sigv4": []}],
          "x-amazon-apigateway-integration": {"type": "aws", "uri": "arn:aws:lambda:us-east-1:1:function:x"}}}
      },
      "x-amazon-apigateway-cors": {"allowOrigins": ["*"], "maxAge": 300},
      "components": {
        "schemas": {"Pet": {"type": "object"}, "bad-name": {}},
        "x-amazon-apigateway-integrations": {
          "fn": {"type": "aws_proxy", "uri": "arn:aws:lambda:us-east-1:123456789012:function:pets", "payloadFormatVersion": "2.0"}
        },
        "securitySchemes": {
          "jwt": {"type": "oauth2", "x-amazon-apigateway-authorizer": {"type": "jwt",
            "identitySource": "$request.header.Authorization",
            "jwtConfiguration": {"issuer": "https://issuer.example.com", "audience": ["pets"]}}},
          "lambda": {"type": "apiKey", "name": "Authorization", "in": "header",
            "x-amazon-apigateway-authorizer": {"type": "request", "authorizerUri": "arn:aws:lambda:us-east-1:1:function:auth",
              "authorizerPayloadFormatVersion": "2.0", "enableSimpleResponses": true,
              "identitySource": "$request.header.Authorization, $request.querystring.token", "authorizerResultTtlInSeconds": 300}},
          "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}
        }
      }
    }"##;

    #[test]
    fn routes_integrations_authorizers_and_models() {
        let def = definition(PETS, BasePath::Ignore).unwrap();
        assert_eq!(def.name.as_deref(), Some("pets"));
        assert_eq!(def.description.as_deref(), Some("A pet store"));
        assert_eq!(def.cors.as_ref().unwrap().max_age, Some(300));
        assert_eq!(def.tags, BTreeMap::from([("team".into(), "core".into())]));
        let keys: Vec<&str> = def
            .routes
            .iter()
            .map(|r| r.route.route_key.as_deref().unwrap())
            .collect();
        assert_eq!(keys, ["$default", "GET /pets", "POST /pets", "ANY /pets/{id}"]);
        // The shared integration is one; the aws one is ignored with a warning.
        assert_eq!(def.integrations.len(), 2);
        let any = &def.routes[3];
        let post = &def.routes[2];
        assert_eq!(any.integration, post.integration);
        let lambda = &def.integrations[any.integration.unwrap()];
        assert_eq!(lambda.integration_type.as_deref(), Some("AWS_PROXY"));
        assert_eq!(lambda.integration_method.as_deref(), Some("POST"));
        assert_eq!(lambda.payload_format_version.as_deref(), Some("2.0"));
        let get = &def.routes[1];
        assert_eq!(get.route.operation_name.as_deref(), Some("ListPets"));
        assert_eq!(get.route.authorization_type.as_deref(), Some("JWT"));
        assert_eq!(get.route.authorization_scopes, Some(vec!["pets/read".to_string()]));
        assert_eq!(get.authorizer.as_deref(), Some("jwt"));
        let http = &def.integrations[get.integration.unwrap()];
        assert_eq!(http.payload_format_version.as_deref(), Some("1.0"));
        assert_eq!(http.timeout_in_millis, Some(5000));
        assert_eq!(http.connection_type.as_deref(), Some("INTERNET"));
        assert_eq!(post.route.authorization_type.as_deref(), Some("CUSTOM"));
        let default = &def.routes[0];
        assert_eq!(default.route.authorization_type.as_deref(), Some("AWS_IAM"));
        assert_eq!(default.integration, None);
        let request = def
            .authorizers
            .iter()
            .find(|a| a.name.as_deref() == Some("lambda"))
            .unwrap();
        assert_eq!(
            request.identity_source,
            Some(vec![
                "$request.header.Authorization".to_string(),
                "$request.querystring.token".to_string()
            ])
        );
        assert_eq!(request.authorizer_result_ttl_in_seconds, Some(300));
        assert_eq!(request.enable_simple_responses, Some(true));
        assert_eq!(def.models.len(), 1);
        assert_eq!(def.warnings.len(), 2, "{:?}", def.warnings);
    }

    #[test]
    fn base_paths() {
        let keys = |mode| {
            definition(PETS, mode).unwrap().routes[1]
                .route
                .route_key
                .clone()
                .unwrap()
        };
        assert_eq!(keys(BasePath::Ignore), "GET /pets");
        assert_eq!(keys(BasePath::Prepend), "GET /v1/shop/pets");
        assert_eq!(keys(BasePath::Split), "GET /shop/pets");
        let url_only =
            "openapi: 3.0.1\ninfo: {title: t}\nservers: [{url: 'https://x.com/a/b'}]\npaths:\n  /c:\n    get: {}\n";
        let def = definition(url_only, BasePath::Prepend).unwrap();
        assert_eq!(def.routes[0].route.route_key.as_deref(), Some("GET /a/b/c"));
        assert!(BasePath::read(Some("nope")).is_err());
    }

    #[test]
    fn versions_and_bad_documents() {
        let swagger = r#"{"swagger": "2.0", "info": {"title": "t"}}"#;
        assert!(definition(swagger, BasePath::Ignore).is_err());
        let v31 = r#"{"openapi": "3.1.0", "info": {"title": "t"}}"#;
        assert!(definition(v31, BasePath::Ignore).is_err());
        let export_version = r#"{"openapi": "3.0.1", "x-amazon-apigateway-importexport-version": "2.0"}"#;
        assert!(definition(export_version, BasePath::Ignore).is_err());
        assert_eq!(parse("{'key:value}").unwrap_err().message, "Invalid OpenAPI input.");
        assert!(parse("[1, 2]").is_err());
        let two = r#"{"openapi": "3.0.1", "info": {"title": "t"}, "paths": {"/a": {"get": {"security": [{"a": []}, {"b": []}]}}}}"#;
        assert!(definition(two, BasePath::Ignore).is_err());
        let bad_key = r#"{"openapi": "3.0.1", "info": {"title": "t"}, "paths": {"/{proxy+}/x": {"get": {}}}}"#;
        assert!(definition(bad_key, BasePath::Ignore).is_err());
    }

    #[test]
    fn missing_models_are_warnings_worded_as_aws() {
        let doc = r##"{"openapi": "3.0.1", "info": {"title": "t", "version": "2.0"},
          "paths": {"/update": {"get": {"responses": {"200": {"description": "d",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelThatDoesNotExist"}}}}}}}}}"##;
        let def = definition(doc, BasePath::Ignore).unwrap();
        assert_eq!(
            def.warnings,
            [
                "Parse issue: attribute paths.'/update'(get).responses.200.content.schema.#/components/schemas/ModelThatDoesNotExist is missing"
            ]
        );
        assert_eq!(def.version.as_deref(), Some("2.0"));
    }

    #[test]
    fn yaml_numbers_are_versions() {
        let doc = "openapi: 3.0.1\ninfo:\n  title: t\n  version: 2.0\npaths:\n  /x:\n    get:\n      x-amazon-apigateway-integration:\n        type: HTTP_PROXY\n        httpMethod: GET\n        payloadFormatVersion: 1.0\n        uri: https://www.example.com\n";
        let def = definition(doc, BasePath::Ignore).unwrap();
        assert_eq!(def.version.as_deref(), Some("2.0"));
        assert_eq!(def.integrations[0].payload_format_version.as_deref(), Some("1.0"));
    }
}

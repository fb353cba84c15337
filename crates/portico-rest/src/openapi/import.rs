//! A definition → what an API holds: its settings, resources with methods and integrations,
//! models, authorizers, request validators, gateway responses and documentation parts.
//! Pure: ids are drawn here, the store is `write`'s.

use super::{Document, invalid_input};
use crate::support::new_id;
use crate::{authorizers, documentation, gateway_responses, integrations, mappings, models, resources};
use portico_wire::AwsError;
use portico_wire::apigateway::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// How a Swagger `basePath` (or an OpenAPI 3 server URL's path) reaches the resource paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasePath {
    Ignore,
    Prepend,
    Split,
}

/// ImportRestApi's and PutRestApi's `parameters`.
#[derive(Debug, Clone)]
pub struct Options {
    pub base_path: BasePath,
    pub ignore_documentation: bool,
    pub endpoint_types: Option<Vec<String>>,
}

impl Options {
    pub fn read(parameters: Option<&BTreeMap<String, String>>) -> Result<Self, AwsError> {
        let get = |name: &str| parameters.and_then(|p| p.get(name)).map(String::as_str);
        let base_path = match get("basepath").map(str::to_ascii_lowercase).as_deref() {
            None | Some("ignore") => BasePath::Ignore,
            Some("prepend") => BasePath::Prepend,
            Some("split") => BasePath::Split,
            Some(other) => {
                return Err(AwsError::bad_request(format!(
                    "Invalid basepath parameter: {other}. Valid options are ignore, prepend, split"
                )));
            }
        };
        let endpoint_types = match get("endpointConfigurationTypes") {
            None => None,
            Some(types) => {
                let types: Vec<String> = types.split(',').map(|t| t.trim().to_ascii_uppercase()).collect();
                if types
                    .iter()
                    .any(|t| !["EDGE", "REGIONAL", "PRIVATE"].contains(&t.as_str()))
                {
                    return Err(AwsError::bad_request(
                        "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE",
                    ));
                }
                Some(types)
            }
        };
        Ok(Options {
            base_path,
            ignore_documentation: get("ignore").is_some_and(|i| i.eq_ignore_ascii_case("documentation")),
            endpoint_types,
        })
    }
}

/// Everything a definition says, converted and checked.
#[derive(Debug, Default)]
pub struct Definition {
    pub title: Option<String>,
    pub description: Option<String>,
    pub version: Option<String>,
    pub binary_media_types: Option<Vec<String>>,
    pub api_key_source: Option<String>,
    pub policy: Option<String>,
    pub minimum_compression_size: Option<i64>,
    pub endpoint_types: Option<Vec<String>>,
    pub vpc_endpoint_ids: Option<Vec<String>>,
    pub disable_execute_api_endpoint: Option<bool>,
    /// Top-level `tags` with an `x-amazon-apigateway-tag-value`.
    pub tags: Option<BTreeMap<String, String>>,
    /// Resource path → HTTP method → method (with integration; `cacheNamespace` left for
    /// `write`, which knows the resource id).
    pub resources: BTreeMap<String, BTreeMap<String, Method>>,
    pub models: Vec<Model>,
    pub authorizers: Vec<Authorizer>,
    pub validators: Vec<RequestValidator>,
    pub gateway_responses: Vec<GatewayResponse>,
    /// `None`: the definition has none, or `ignore=documentation`.
    pub documentation: Option<Vec<(DocumentationPartLocation, String)>>,
    pub warnings: Vec<String>,
}

/// AWS's wording for a definition it cannot build.
pub fn import_error(detail: impl std::fmt::Display) -> AwsError {
    AwsError::bad_request(format!("Errors found during import:\n\t{detail}"))
}

/// A scalar as text (`version: 1`, `statusCode: 200` are numbers in many documents).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn text_at(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(text)
}

/// A map of texts; templates given as objects are kept as their JSON.
fn text_map(value: Option<&Value>) -> Option<BTreeMap<String, String>> {
    let object = value?.as_object()?;
    Some(
        object
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::Null => String::new(),
                    Value::Object(_) | Value::Array(_) => v.to_string(),
                    other => text(other).unwrap_or_default(),
                };
                (k.clone(), v)
            })
            .collect(),
    )
}

/// Parameter mappings: AWS drops an entry whose value is no string (`x: true` in YAML).
fn mapping(value: Option<&Value>) -> Option<BTreeMap<String, String>> {
    let object = value?.as_object()?;
    Some(
        object
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
            .collect(),
    )
}

fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    Some(value?.as_array()?.iter().filter_map(text).collect())
}

/// Follows local `$ref`s (`#/components/responses/X`, `#/parameters/Y`).
fn resolve<'a>(root: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(pointer) => match root.pointer(pointer) {
                Some(target) => value = target,
                None => break,
            },
            None => break,
        }
    }
    value
}

/// The model a schema names: `#/definitions/X` or `#/components/schemas/X`.
fn model_name(schema: &Value) -> Option<String> {
    let reference = schema.get("$ref")?.as_str()?;
    reference
        .strip_prefix("#/definitions/")
        .or_else(|| reference.strip_prefix("#/components/schemas/"))
        .map(str::to_string)
}

const VERBS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("put", "PUT"),
    ("post", "POST"),
    ("delete", "DELETE"),
    ("options", "OPTIONS"),
    ("head", "HEAD"),
    ("patch", "PATCH"),
    ("x-amazon-apigateway-any-method", "ANY"),
];

/// What a security scheme means to a method.
#[derive(Debug, Clone)]
enum Scheme {
    ApiKey,
    Iam,
    Authorizer {
        id: String,
        cognito: bool,
    },
    /// Declared, but nothing API Gateway enforces (a warning when read); requiring it does nothing.
    Unsupported,
}

struct Converter<'a> {
    root: &'a Value,
    ordered: Option<&'a serde_norway::Value>,
    oas3: bool,
    api_id: &'a str,
    /// Models of the API that a merge keeps.
    existing_models: &'a [String],
    schemes: BTreeMap<String, Scheme>,
    validators: BTreeMap<String, String>,
    model_names: Vec<String>,
    warnings: Vec<String>,
}

/// Converts `document` for API `api_id`; `existing_models` are the API's models a merge keeps.
pub fn convert(
    document: &Document,
    api_id: &str,
    options: &Options,
    existing_models: &[String],
) -> Result<Definition, AwsError> {
    let root = &document.json;
    let oas3 = root.get("openapi").is_some();
    if !root.get("paths").is_none_or(Value::is_object) {
        return Err(invalid_input());
    }
    let mut c = Converter {
        root,
        ordered: document.ordered.as_ref(),
        oas3,
        api_id,
        existing_models,
        schemes: BTreeMap::new(),
        validators: BTreeMap::new(),
        model_names: Vec::new(),
        warnings: Vec::new(),
    };
    let mut def = Definition::default();
    let info = root.get("info").cloned().unwrap_or_default();
    def.title = text_at(&info, "title").filter(|t| !t.is_empty());
    def.description = text_at(&info, "description").filter(|d| !d.is_empty());
    def.version = text_at(&info, "version");
    def.binary_media_types = strings(root.get("x-amazon-apigateway-binary-media-types"));
    def.api_key_source = text_at(root, "x-amazon-apigateway-api-key-source").map(|s| s.to_ascii_uppercase());
    if let Some(source) = def.api_key_source.as_deref()
        && source != "HEADER"
        && source != "AUTHORIZER"
    {
        return Err(AwsError::bad_request(format!(
            "Invalid apiKeySource specified: {source}"
        )));
    }
    def.policy = match root.get("x-amazon-apigateway-policy") {
        Some(Value::String(s)) => Some(crate::restapis::stored_policy(s)),
        Some(v @ Value::Object(_)) => Some(v.to_string()),
        _ => None,
    };
    def.minimum_compression_size = root
        .get("x-amazon-apigateway-minimum-compression-size")
        .and_then(Value::as_i64);
    if let Some(config) = root.get("x-amazon-apigateway-endpoint-configuration") {
        def.vpc_endpoint_ids = strings(config.get("vpcEndpointIds"));
        def.disable_execute_api_endpoint = config.get("disableExecuteApiEndpoint").and_then(Value::as_bool);
        def.endpoint_types = strings(config.get("types"));
    }
    if let Some(types) = &def.endpoint_types
        && types
            .iter()
            .any(|t| !["EDGE", "REGIONAL", "PRIVATE"].contains(&t.as_str()))
    {
        return Err(AwsError::bad_request(
            "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE",
        ));
    }
    let tags: BTreeMap<String, String> = root
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| Some((text_at(t, "name")?, text_at(t, "x-amazon-apigateway-tag-value")?)))
        .collect();
    def.tags = (!tags.is_empty()).then_some(tags);
    if options.endpoint_types.is_some() {
        def.endpoint_types = options.endpoint_types.clone();
    }
    def.models = c.models()?;
    def.authorizers = c.schemes()?;
    def.validators = c.validators();
    def.gateway_responses = c.gateway_responses()?;
    def.resources = c.paths(options.base_path)?;
    if !options.ignore_documentation {
        def.documentation = c.documentation()?;
    }
    def.warnings = c.warnings;
    Ok(def)
}

/// Model names AWS takes.
fn check_model_name(name: &str) -> Result<(), AwsError> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(import_error(format!("Model name must be alphanumeric: {name}")));
    }
    Ok(())
}

/// Local schema references pointed at the API's models.
fn canonical_ref(reference: &str, api_id: &str) -> Option<String> {
    let name = reference
        .strip_prefix("#/definitions/")
        .or_else(|| reference.strip_prefix("#/components/schemas/"))?;
    Some(format!(
        "https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}"
    ))
}

fn rewrite_json(value: &mut Value, api_id: &str) {
    match value {
        Value::Object(object) => {
            for (key, v) in object.iter_mut() {
                if key == "$ref"
                    && let Some(canonical) = v.as_str().and_then(|r| canonical_ref(r, api_id))
                {
                    *v = Value::String(canonical);
                } else {
                    rewrite_json(v, api_id);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_json(v, api_id)),
        _ => {}
    }
}

fn rewrite_ordered(value: &mut serde_norway::Value, api_id: &str) {
    use serde_norway::Value as Y;
    match value {
        Y::Mapping(map) => {
            for (key, v) in map.iter_mut() {
                if key.as_str() == Some("$ref")
                    && let Some(canonical) = v.as_str().and_then(|r| canonical_ref(r, api_id))
                {
                    *v = Y::String(canonical);
                } else {
                    rewrite_ordered(v, api_id);
                }
            }
        }
        Y::Sequence(items) => items.iter_mut().for_each(|v| rewrite_ordered(v, api_id)),
        Y::Tagged(tagged) => rewrite_ordered(&mut tagged.value, api_id),
        _ => {}
    }
}

impl Converter<'_> {
    fn schemas_key(&self) -> [&'static str; 2] {
        if self.oas3 {
            ["components", "schemas"]
        } else {
            ["definitions", ""]
        }
    }

    fn models(&mut self) -> Result<Vec<Model>, AwsError> {
        let [first, second] = self.schemas_key();
        let mut schemas = self.root.get(first);
        let mut ordered = self.ordered.and_then(|o| o.get(first));
        if !second.is_empty() {
            schemas = schemas.and_then(|s| s.get(second));
            ordered = ordered.and_then(|o| o.get(second));
        }
        let Some(schemas) = schemas.and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        self.model_names = schemas.keys().cloned().collect();
        let mut out = Vec::new();
        for (name, schema) in schemas {
            check_model_name(name)?;
            // The document's own order where it reads back as JSON; sorted keys otherwise.
            let written = ordered.and_then(|o| o.get(name.as_str())).and_then(|o| {
                let mut o = o.clone();
                rewrite_ordered(&mut o, self.api_id);
                serde_json::to_string_pretty(&o).ok()
            });
            let text = match written {
                Some(text) => text,
                None => {
                    let mut schema = schema.clone();
                    rewrite_json(&mut schema, self.api_id);
                    serde_json::to_string_pretty(&schema).unwrap_or_default()
                }
            };
            let known = |n: &str| self.model_names.iter().chain(self.existing_models).any(|k| k == n);
            models::check_schema(Some(&text), self.api_id, &known)
                .map_err(|e| import_error(format!("Unable to create model '{name}': {}", e.message)))?;
            out.push(Model {
                id: Some(new_id(6)),
                name: Some(name.clone()),
                description: None,
                schema: Some(text),
                content_type: Some("application/json".into()),
            });
        }
        Ok(out)
    }

    fn known_model(&self, name: &str) -> bool {
        self.model_names.iter().chain(self.existing_models).any(|k| k == name)
    }

    fn schemes(&mut self) -> Result<Vec<Authorizer>, AwsError> {
        let schemes = if self.oas3 {
            self.root.get("components").and_then(|c| c.get("securitySchemes"))
        } else {
            self.root.get("securityDefinitions")
        };
        let Some(schemes) = schemes.and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (name, scheme) in schemes {
            let scheme = resolve(self.root, scheme);
            let auth_type = text_at(scheme, "x-amazon-apigateway-authtype");
            if let Some(config) = scheme.get("x-amazon-apigateway-authorizer") {
                let kind = text_at(config, "type")
                    .unwrap_or_else(|| "token".into())
                    .to_ascii_uppercase();
                let header = text_at(scheme, "name")
                    .filter(|_| text_at(scheme, "in").as_deref() == Some("header"))
                    .map(|h| format!("method.request.header.{h}"));
                // Empty members are left out, as AWS does (Pulumi writes `identitySource: ""`).
                let given = |key: &str| text_at(config, key).filter(|v| !v.is_empty());
                let identity_source = given("identitySource").or(if kind == "REQUEST" { None } else { header });
                let cognito = kind == "COGNITO_USER_POOLS";
                let authorizer = Authorizer {
                    id: Some(new_id(6)),
                    name: Some(name.clone()),
                    auth_type: Some(
                        auth_type.unwrap_or_else(|| if cognito { "cognito_user_pools" } else { "custom" }.into()),
                    ),
                    r#type: Some(kind),
                    provider_ar_ns: strings(config.get("providerARNs")).filter(|a| !a.is_empty()),
                    authorizer_uri: given("authorizerUri"),
                    authorizer_credentials: given("authorizerCredentials"),
                    identity_source,
                    identity_validation_expression: given("identityValidationExpression"),
                    authorizer_result_ttl_in_seconds: config
                        .get("authorizerResultTtlInSeconds")
                        .and_then(|t| t.as_i64().or_else(|| t.as_str().and_then(|s| s.parse().ok()))),
                };
                authorizers::check(&authorizer)
                    .map_err(|e| import_error(format!("Unable to create authorizer '{name}': {}", e.message)))?;
                self.schemes.insert(
                    name.clone(),
                    Scheme::Authorizer {
                        id: authorizer.id.clone().unwrap_or_default(),
                        cognito,
                    },
                );
                out.push(authorizer);
            } else if auth_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("awsSigv4")) {
                self.schemes.insert(name.clone(), Scheme::Iam);
            } else if text_at(scheme, "type").as_deref() == Some("apiKey")
                && text_at(scheme, "in").as_deref() == Some("header")
                && text_at(scheme, "name").is_some_and(|n| n.eq_ignore_ascii_case("x-api-key"))
            {
                self.schemes.insert(name.clone(), Scheme::ApiKey);
            } else {
                self.schemes.insert(name.clone(), Scheme::Unsupported);
                self.warnings.push(format!(
                    "Unsupported security definition '{name}': only API keys in the x-api-key header, awsSigv4 and x-amazon-apigateway-authorizer are supported"
                ));
            }
        }
        Ok(out)
    }

    fn validators(&mut self) -> Vec<RequestValidator> {
        let Some(all) = self
            .root
            .get("x-amazon-apigateway-request-validators")
            .and_then(Value::as_object)
        else {
            return Vec::new();
        };
        all.iter()
            .map(|(name, v)| {
                let id = new_id(6);
                self.validators.insert(name.clone(), id.clone());
                RequestValidator {
                    id: Some(id),
                    name: Some(name.clone()),
                    validate_request_body: Some(v.get("validateRequestBody").and_then(Value::as_bool).unwrap_or(false)),
                    validate_request_parameters: Some(
                        v.get("validateRequestParameters")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    ),
                }
            })
            .collect()
    }

    fn gateway_responses(&mut self) -> Result<Vec<GatewayResponse>, AwsError> {
        let Some(all) = self
            .root
            .get("x-amazon-apigateway-gateway-responses")
            .and_then(Value::as_object)
        else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (kind, v) in all {
            let default = gateway_responses::default_for(kind)
                .ok_or_else(|| import_error(format!("Invalid gateway response type specified: {kind}")))?;
            out.push(GatewayResponse {
                response_type: Some(kind.clone()),
                status_code: text_at(v, "statusCode").or(default.status_code),
                response_parameters: Some(text_map(v.get("responseParameters")).unwrap_or_default()),
                response_templates: text_map(v.get("responseTemplates")).or(default.response_templates),
                default_response: Some(false),
            });
        }
        Ok(out)
    }

    fn documentation(&mut self) -> Result<Option<Vec<(DocumentationPartLocation, String)>>, AwsError> {
        let Some(parts) = self
            .root
            .get("x-amazon-apigateway-documentation")
            .and_then(|d| d.get("documentationParts"))
            .and_then(Value::as_array)
        else {
            return Ok(None);
        };
        let mut out = Vec::new();
        for part in parts {
            let location: DocumentationPartLocation =
                serde_json::from_value(part.get("location").cloned().unwrap_or_default())
                    .map_err(|_| import_error("Invalid documentation part location"))?;
            let location = documentation::location(Some(location)).map_err(|e| import_error(e.message))?;
            let properties = match part.get("properties") {
                Some(Value::String(s)) => s.clone(),
                Some(v @ Value::Object(_)) => v.to_string(),
                _ => "{}".into(),
            };
            out.push((location, properties));
        }
        Ok(Some(out))
    }

    /// The path prefix the base path gives, `""` or `/a/b`.
    fn prefix(&self, mode: BasePath) -> String {
        if mode == BasePath::Ignore {
            return String::new();
        }
        let base = if self.oas3 {
            let server = self.root.get("servers").and_then(|s| s.get(0));
            let mut url = server.and_then(|s| text_at(s, "url")).unwrap_or_default();
            if let Some(vars) = server.and_then(|s| s.get("variables")).and_then(Value::as_object) {
                for (name, var) in vars {
                    let value = text_at(var, "default").unwrap_or_default();
                    url = url.replace(&format!("{{{name}}}"), &value);
                }
            }
            match url.split_once("://") {
                Some((_, rest)) => rest.find('/').map(|i| rest[i..].to_string()).unwrap_or_default(),
                None => url,
            }
        } else {
            text_at(self.root, "basePath").unwrap_or_default()
        };
        let parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
        let kept = match mode {
            BasePath::Split => parts.get(1..).unwrap_or_default(),
            _ => &parts[..],
        };
        kept.iter().map(|p| format!("/{p}")).collect()
    }

    fn paths(&mut self, mode: BasePath) -> Result<BTreeMap<String, BTreeMap<String, Method>>, AwsError> {
        let prefix = self.prefix(mode);
        let mut out: BTreeMap<String, BTreeMap<String, Method>> = BTreeMap::new();
        let Some(paths) = self.root.get("paths").and_then(Value::as_object) else {
            return Ok(out);
        };
        let global_security = self.root.get("security");
        let global_validator = text_at(self.root, "x-amazon-apigateway-request-validator");
        for (raw_path, item) in paths {
            let item = resolve(self.root, item);
            let parts: Vec<&str> = raw_path.split('/').filter(|p| !p.is_empty()).collect();
            for part in &parts {
                resources::check_path_part(part).map_err(|e| {
                    import_error(format!("Unable to create resource at path '{raw_path}': {}", e.message))
                })?;
            }
            let path = format!("{prefix}/{}", parts.join("/"));
            let path = if path.len() > 1 {
                path.trim_end_matches('/').to_string()
            } else {
                path
            };
            let shared = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (key, verb) in VERBS {
                let Some(operation) = item.get(*key) else { continue };
                let operation = resolve(self.root, operation);
                let mut method = self
                    .method(verb, operation, &shared, global_security, global_validator.as_deref())
                    .map_err(|e| {
                        if e.message.starts_with("Errors found during import") {
                            e
                        } else {
                            import_error(format!(
                                "Unable to put method '{verb}' on resource at path '{path}': {}",
                                e.message
                            ))
                        }
                    })?;
                // AWS declares every path variable, whether the document does or not.
                for part in &parts {
                    if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                        let name = name.trim_end_matches('+');
                        method
                            .request_parameters
                            .get_or_insert_default()
                            .entry(format!("method.request.path.{name}"))
                            .or_insert(true);
                    }
                }
                out.entry(path.clone()).or_default().insert(verb.to_string(), method);
            }
            out.entry(path).or_default();
        }
        Ok(out)
    }

    fn method(
        &mut self,
        verb: &str,
        op: &Value,
        shared: &[Value],
        global_security: Option<&Value>,
        global_validator: Option<&str>,
    ) -> Result<Method, AwsError> {
        let mut method = Method {
            http_method: Some(verb.to_string()),
            authorization_type: Some("NONE".into()),
            api_key_required: Some(false),
            operation_name: text_at(op, "operationId"),
            ..Default::default()
        };
        // Parameters: the path item's, overridden by the operation's of the same name and place.
        let mut params: Vec<&Value> = Vec::new();
        let own: Vec<&Value> = op
            .get("parameters")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|p| resolve(self.root, p)).collect())
            .unwrap_or_default();
        let key = |p: &Value| (text_at(p, "name"), text_at(p, "in"));
        for p in shared.iter().map(|p| resolve(self.root, p)) {
            if !own.iter().any(|o| key(o) == key(p)) {
                params.push(p);
            }
        }
        params.extend(own);
        let consumes = strings(op.get("consumes"))
            .or_else(|| strings(self.root.get("consumes")))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| vec!["application/json".into()]);
        let produces = strings(op.get("produces"))
            .or_else(|| strings(self.root.get("produces")))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| vec!["application/json".into()]);
        let mut request_parameters = BTreeMap::new();
        let mut request_models = BTreeMap::new();
        for p in params {
            let name = text_at(p, "name").unwrap_or_default();
            let place = match text_at(p, "in").as_deref() {
                Some("path") => "path",
                Some("query") => "querystring",
                Some("header") => "header",
                Some("body") => {
                    if let Some(model) = p.get("schema").and_then(|s| self.model_of(s)) {
                        for content_type in &consumes {
                            request_models.insert(content_type.clone(), model.clone());
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            let required = p.get("required").and_then(Value::as_bool).unwrap_or(place == "path");
            request_parameters.insert(format!("method.request.{place}.{name}"), required);
        }
        if let Some(body) = op.get("requestBody") {
            let body = resolve(self.root, body);
            for (content_type, media) in body.get("content").and_then(Value::as_object).into_iter().flatten() {
                if let Some(model) = media.get("schema").and_then(|s| self.model_of(s)) {
                    request_models.insert(content_type.clone(), model);
                }
            }
        }
        mappings::method_request(Some(&request_parameters))?;
        method.request_parameters = (!request_parameters.is_empty()).then_some(request_parameters);
        method.request_models = (!request_models.is_empty()).then_some(request_models);
        // Responses.
        let mut responses = BTreeMap::new();
        for (status, response) in op.get("responses").and_then(Value::as_object).into_iter().flatten() {
            if !(status.len() == 3 && status.chars().all(|c| c.is_ascii_digit())) {
                self.warnings.push(format!(
                    "Ignoring response '{status}' of method '{verb}': not an HTTP status code"
                ));
                continue;
            }
            let response = resolve(self.root, response);
            let parameters: BTreeMap<String, bool> = response
                .get("headers")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(h, _)| (format!("method.response.header.{h}"), false))
                .collect();
            let mut models = BTreeMap::new();
            if self.oas3 {
                for (content_type, media) in response.get("content").and_then(Value::as_object).into_iter().flatten() {
                    if let Some(model) = media.get("schema").and_then(|s| self.model_of(s)) {
                        models.insert(content_type.clone(), model);
                    }
                }
            } else if let Some(model) = response.get("schema").and_then(|s| self.model_of(s)) {
                for content_type in &produces {
                    models.insert(content_type.clone(), model.clone());
                }
            }
            mappings::method_response(Some(&parameters))?;
            responses.insert(
                status.clone(),
                MethodResponse {
                    status_code: Some(status.clone()),
                    response_parameters: (!parameters.is_empty()).then_some(parameters),
                    response_models: (!models.is_empty()).then_some(models),
                },
            );
        }
        method.method_responses = (!responses.is_empty()).then_some(responses);
        for name in method.request_models.iter().flat_map(|m| m.values()).chain(
            method
                .method_responses
                .iter()
                .flat_map(|r| r.values())
                .flat_map(|r| r.response_models.iter().flat_map(|m| m.values())),
        ) {
            if !self.known_model(name) {
                return Err(AwsError::bad_request(format!(
                    "Invalid model identifier specified: {name}"
                )));
            }
        }
        // Security: the operation's, else the document's.
        let security = op.get("security").or(global_security);
        for requirement in security.and_then(Value::as_array).into_iter().flatten() {
            for (name, scopes) in requirement.as_object().into_iter().flatten() {
                match self.schemes.get(name) {
                    Some(Scheme::ApiKey) => method.api_key_required = Some(true),
                    Some(Scheme::Iam) => method.authorization_type = Some("AWS_IAM".into()),
                    Some(Scheme::Authorizer { id, cognito }) => {
                        method.authorization_type = Some(if *cognito { "COGNITO_USER_POOLS" } else { "CUSTOM" }.into());
                        method.authorizer_id = Some(id.clone());
                        let scopes = strings(Some(scopes)).unwrap_or_default();
                        if *cognito && !scopes.is_empty() {
                            method.authorization_scopes = Some(scopes);
                        }
                    }
                    Some(Scheme::Unsupported) => {}
                    None => {
                        return Err(AwsError::bad_request(format!(
                            "Invalid security requirement: no security definition named '{name}'"
                        )));
                    }
                }
            }
        }
        if let Some(validator) = text_at(op, "x-amazon-apigateway-request-validator")
            .as_deref()
            .or(global_validator)
        {
            let id = self
                .validators
                .get(validator)
                .ok_or_else(|| AwsError::bad_request(format!("Invalid request validator specified: {validator}")))?;
            method.request_validator_id = Some(id.clone());
        }
        if let Some(integration) = op.get("x-amazon-apigateway-integration") {
            // Often a `$ref` to `#/components/x-amazon-apigateway-integrations/...`.
            let integration = resolve(self.root, integration);
            method.method_integration = Some(integration_of(integration, &method)?);
        }
        Ok(method)
    }

    /// The model a schema names; an inline schema names none (a warning).
    fn model_of(&mut self, schema: &Value) -> Option<String> {
        let name = model_name(schema);
        if name.is_none() {
            self.warnings
                .push("Ignoring an inline schema: only references to models are imported".into());
        }
        name
    }
}

fn upper(value: Option<String>) -> Option<String> {
    value.map(|v| v.to_ascii_uppercase())
}

/// `x-amazon-apigateway-integration` with PutIntegration's defaults and checks.
fn integration_of(v: &Value, method: &Method) -> Result<Integration, AwsError> {
    let kind = text_at(v, "type").unwrap_or_default().to_ascii_uppercase();
    let http_method = upper(text_at(v, "httpMethod"));
    let uri = text_at(v, "uri");
    integrations::check_target(&kind, http_method.as_deref(), uri.as_deref())?;
    let timeout = match v.get("timeoutInMillis") {
        None => 29_000,
        Some(t) => t
            .as_i64()
            .or_else(|| t.as_str().and_then(|s| s.parse().ok()))
            .filter(|ms| (50..=29_000).contains(ms))
            .ok_or_else(|| AwsError::bad_request("Timeout should be between 50 ms and 29000 ms"))?,
    };
    let is_mock = kind == "MOCK";
    let is_http = kind == "HTTP" || kind == "HTTP_PROXY";
    let request_parameters = mapping(v.get("requestParameters")).filter(|m| !m.is_empty());
    mappings::integration_request(request_parameters.as_ref(), method.request_parameters.as_ref())?;
    let request_templates = text_map(v.get("requestTemplates")).filter(|m| !m.is_empty());
    mappings::content_types(request_templates.as_ref())?;
    let mut responses = BTreeMap::new();
    for (pattern, r) in v.get("responses").and_then(Value::as_object).into_iter().flatten() {
        let status = text_at(r, "statusCode")
            .ok_or_else(|| AwsError::bad_request(format!("Invalid integration response '{pattern}': no statusCode")))?;
        let response_parameters = mapping(r.get("responseParameters")).filter(|m| !m.is_empty());
        let declared = method
            .method_responses
            .as_ref()
            .and_then(|m| m.get(&status))
            .and_then(|m| m.response_parameters.as_ref());
        mappings::integration_response(response_parameters.as_ref(), declared)?;
        let response_templates = text_map(r.get("responseTemplates")).filter(|m| !m.is_empty());
        mappings::content_types(response_templates.as_ref())?;
        responses.insert(
            status.clone(),
            IntegrationResponse {
                status_code: Some(status),
                selection_pattern: (pattern != "default").then(|| pattern.clone()),
                response_parameters,
                response_templates,
                content_handling: upper(text_at(r, "contentHandling")),
            },
        );
    }
    let connection_type = upper(text_at(v, "connectionType")).or_else(|| is_http.then(|| "INTERNET".into()));
    Ok(Integration {
        r#type: Some(kind.clone()),
        http_method: if is_mock { None } else { http_method },
        uri: if is_mock { None } else { uri },
        connection_type,
        connection_id: text_at(v, "connectionId"),
        credentials: text_at(v, "credentials"),
        request_parameters,
        request_templates,
        passthrough_behavior: Some(upper(text_at(v, "passthroughBehavior")).unwrap_or_else(|| "WHEN_NO_MATCH".into())),
        content_handling: upper(text_at(v, "contentHandling")),
        timeout_in_millis: Some(timeout),
        cache_namespace: text_at(v, "cacheNamespace"),
        cache_key_parameters: Some(strings(v.get("cacheKeyParameters")).unwrap_or_default()),
        tls_config: v.get("tlsConfig").map(|t| TlsConfig {
            insecure_skip_verification: t.get("insecureSkipVerification").and_then(Value::as_bool),
        }),
        integration_target: None,
        response_transfer_mode: None,
        integration_responses: (!responses.is_empty()).then_some(responses),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition(text: &str, parameters: &[(&str, &str)]) -> Result<Definition, AwsError> {
        let params: BTreeMap<String, String> = parameters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let options = Options::read(Some(&params))?;
        convert(&super::super::parse(text.as_bytes())?, "api123", &options, &[])
    }

    const SWAGGER: &str = r##"{
      "swagger": "2.0",
      "info": {"title": "PetStore", "description": "pets", "version": 1},
      "basePath": "/base/v1",
      "paths": {
        "/pets/{petId}": {
          "parameters": [{"name": "petId", "in": "path", "required": true, "type": "string"}],
          "get": {
            "operationId": "GetPet",
            "parameters": [{"name": "type", "in": "query", "type": "string"}],
            "security": [{"api_key": []}, {"auth": []}],
            "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"},
                          "headers": {"Access-Control-Allow-Origin": {"type": "string"}}}},
            "x-amazon-apigateway-integration": {
              "type": "http", "httpMethod": "get", "uri": "http://example.com/pets/{id}",
              "passthroughBehavior": "when_no_match",
              "requestParameters": {"integration.request.path.id": "method.request.path.petId"},
              "responses": {"default": {"statusCode": 200,
                "responseParameters": {"method.response.header.Access-Control-Allow-Origin": "'*'"}},
                "4\\d{2}": {"statusCode": "400"}}
            }
          },
          "post": {
            "parameters": [{"in": "body", "name": "Pet", "schema": {"$ref": "#/definitions/Pet"}}],
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-request-validator": "all",
            "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": {"statusCode": 200}}}
          }
        }
      },
      "definitions": {"Pet": {"type": "object", "properties": {"z": {"type": "string"}, "a": {"$ref": "#/definitions/Kind"}}},
                      "Kind": {"type": "string"}},
      "securityDefinitions": {
        "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
        "auth": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
                 "x-amazon-apigateway-authorizer": {"type": "token", "authorizerResultTtlInSeconds": 60,
                   "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations"}}
      },
      "x-amazon-apigateway-request-validators": {"all": {"validateRequestBody": true, "validateRequestParameters": true}},
      "x-amazon-apigateway-binary-media-types": ["image/png"],
      "tags": [{"name": "owner", "x-amazon-apigateway-tag-value": "pets-team"}, {"name": "plain"}],
      "x-amazon-apigateway-gateway-responses": {"DEFAULT_4XX": {"statusCode": 400, "responseTemplates": {"application/json": "{}"}}}
    }"##;

    #[test]
    fn swagger_becomes_resources_methods_and_integrations() {
        let def = definition(SWAGGER, &[]).unwrap();
        assert_eq!(def.title.as_deref(), Some("PetStore"));
        assert_eq!(def.version.as_deref(), Some("1"));
        assert_eq!(def.binary_media_types, Some(vec!["image/png".to_string()]));
        assert_eq!(
            def.tags,
            Some(BTreeMap::from([("owner".to_string(), "pets-team".to_string())]))
        );
        let methods = &def.resources["/pets/{petId}"];
        let get = &methods["GET"];
        assert_eq!(get.operation_name.as_deref(), Some("GetPet"));
        assert_eq!(get.api_key_required, Some(true));
        assert_eq!(get.authorization_type.as_deref(), Some("CUSTOM"));
        assert_eq!(get.authorizer_id, def.authorizers[0].id);
        assert_eq!(
            def.authorizers[0].identity_source.as_deref(),
            Some("method.request.header.Authorization")
        );
        let params = get.request_parameters.as_ref().unwrap();
        assert!(params["method.request.path.petId"]);

        assert!(!params["method.request.querystring.type"]);
        let response = &get.method_responses.as_ref().unwrap()["200"];
        assert_eq!(response.response_models.as_ref().unwrap()["application/json"], "Pet");
        assert!(!response.response_parameters.as_ref().unwrap()["method.response.header.Access-Control-Allow-Origin"]);
        let integration = get.method_integration.as_ref().unwrap();
        assert_eq!(integration.r#type.as_deref(), Some("HTTP"));
        assert_eq!(integration.http_method.as_deref(), Some("GET"));
        assert_eq!(integration.connection_type.as_deref(), Some("INTERNET"));
        assert_eq!(integration.passthrough_behavior.as_deref(), Some("WHEN_NO_MATCH"));
        assert_eq!(integration.timeout_in_millis, Some(29_000));
        let responses = integration.integration_responses.as_ref().unwrap();
        assert_eq!(responses["200"].selection_pattern, None);
        assert_eq!(responses["400"].selection_pattern.as_deref(), Some("4\\d{2}"));
        let post = &methods["POST"];
        assert_eq!(post.request_models.as_ref().unwrap()["application/json"], "Pet");
        assert_eq!(post.request_validator_id, def.validators[0].id);
        let mock = post.method_integration.as_ref().unwrap();
        assert_eq!(mock.r#type.as_deref(), Some("MOCK"));
        assert_eq!(
            mock.request_templates.as_ref().unwrap()["application/json"],
            r#"{"statusCode":200}"#
        );
        // Models keep the document's order, with canonical references.
        let pet = def.models.iter().find(|m| m.name.as_deref() == Some("Pet")).unwrap();
        let schema = pet.schema.as_deref().unwrap();
        assert!(
            schema.find("\"z\"").unwrap() < schema.find("\"a\"").unwrap(),
            "{schema}"
        );
        assert!(schema.contains("https://apigateway.amazonaws.com/restapis/api123/models/Kind"));
        assert_eq!(def.gateway_responses[0].status_code.as_deref(), Some("400"));
    }

    /// AWS declares path variables the document leaves out (swagger-mock-cors.json,
    /// openapi.spec.global-auth.json in LocalStack's recordings), and drops mappings whose
    /// value is no string (openapi-basepath-url.yaml).
    #[test]
    fn path_variables_are_declared_and_odd_mappings_dropped() {
        let oas = "openapi: 3.0.1\ninfo: {title: t}\npaths:\n  /a/{b}/{c+}:\n    get:\n      responses: {}\n      x-amazon-apigateway-integration:\n        type: mock\n        requestParameters:\n          integration.request.header.x: \"'x'\"\n          integration.request.header.nothing: true\n";
        let def = definition(oas, &[]).unwrap();
        let get = &def.resources["/a/{b}/{c+}"]["GET"];
        let params = get.request_parameters.as_ref().unwrap();
        assert!(params["method.request.path.b"] && params["method.request.path.c"]);
        let mapped = get
            .method_integration
            .as_ref()
            .unwrap()
            .request_parameters
            .as_ref()
            .unwrap();
        assert_eq!(mapped.keys().collect::<Vec<_>>(), ["integration.request.header.x"]);
    }

    /// openapi.spec.pulumi.json: empty authorizer members are left out; openapi.spec.json:
    /// integrations by `$ref`.
    #[test]
    fn empty_authorizer_members_and_integration_references() {
        let doc = r##"{"openapi": "3.0.1", "info": {"title": "t"},
          "paths": {"/": {"get": {"responses": {}, "security": [{"Auth0": []}],
            "x-amazon-apigateway-integration": {"$ref": "#/components/x-amazon-apigateway-integrations/mock"}}}},
          "components": {"x-amazon-apigateway-integrations": {"mock": {"type": "mock"}},
            "securitySchemes": {"Auth0": {"type": "apiKey", "name": "Authorization", "in": "header",
              "x-amazon-apigateway-authtype": "oauth2",
              "x-amazon-apigateway-authorizer": {"type": "token", "authorizerCredentials": "", "identitySource": "",
                "authorizerUri": "arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/arn:aws:lambda:us-west-2:000000000000:function:a/invocations"}}}}}"##;
        let def = definition(doc, &[]).unwrap();
        let authorizer = &def.authorizers[0];
        assert_eq!(
            authorizer.identity_source.as_deref(),
            Some("method.request.header.Authorization")
        );
        assert_eq!(authorizer.authorizer_credentials, None);
        assert_eq!(authorizer.auth_type.as_deref(), Some("oauth2"));
        let get = &def.resources["/"]["GET"];
        assert_eq!(get.method_integration.as_ref().unwrap().r#type.as_deref(), Some("MOCK"));
    }

    /// An export without `authorizers` lists the scheme without its authorizer: read back in,
    /// requiring it is a warning, not an error.
    #[test]
    fn unsupported_schemes_are_warnings() {
        let doc = r#"{"openapi": "3.0.1", "info": {"title": "t"},
          "paths": {"/": {"get": {"responses": {}, "security": [{"auth": []}]}}},
          "components": {"securitySchemes": {"auth": {"type": "apiKey", "name": "Authorization", "in": "header"}}}}"#;
        let def = definition(doc, &[]).unwrap();
        assert_eq!(def.resources["/"]["GET"].authorization_type.as_deref(), Some("NONE"));
        assert_eq!(def.warnings.len(), 1, "{:?}", def.warnings);
        let missing = doc.replace("{\"auth\": []}", "{\"other\": []}");
        assert!(definition(&missing, &[]).is_err());
    }

    #[test]
    fn base_paths() {
        let paths = |mode: &str| -> Vec<String> {
            definition(SWAGGER, &[("basepath", mode)])
                .unwrap()
                .resources
                .into_keys()
                .collect()
        };
        assert_eq!(paths("ignore"), ["/pets/{petId}"]);
        assert_eq!(paths("prepend"), ["/base/v1/pets/{petId}"]);
        assert_eq!(paths("split"), ["/v1/pets/{petId}"]);
        let oas = "openapi: 3.0.1\ninfo: {title: t}\nservers:\n- url: https://x.com/{basePath}/part\n  variables:\n    basePath: {default: base-var}\npaths:\n  /test:\n    get:\n      responses: {}\n";
        let def = definition(oas, &[("basepath", "prepend")]).unwrap();
        assert_eq!(def.resources.keys().collect::<Vec<_>>(), ["/base-var/part/test"]);
        let def = definition(oas, &[("basepath", "split")]).unwrap();
        assert_eq!(def.resources.keys().collect::<Vec<_>>(), ["/part/test"]);
        assert!(definition(oas, &[("basepath", "nope")]).is_err());
    }

    #[test]
    fn oas30_request_bodies_security_and_errors() {
        let oas = r##"
openapi: 3.0.1
info: {title: t, version: "2"}
paths:
  /:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Body"}
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Body"}
      security: [{sigv4: []}]
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations
components:
  schemas:
    Body: {type: object}
  securitySchemes:
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
"##;
        let def = definition(oas, &[]).unwrap();
        let post = &def.resources["/"]["POST"];
        assert_eq!(post.authorization_type.as_deref(), Some("AWS_IAM"));
        assert_eq!(post.request_models.as_ref().unwrap()["application/json"], "Body");
        assert_eq!(post.method_integration.as_ref().unwrap().connection_type, None);
        // A bad integration URI is AWS's import error.
        let bad = oas.replace("uri: arn:aws", "uri: nope:aws");
        let err = definition(&bad, &[]).unwrap_err();
        assert!(
            err.message.starts_with("Errors found during import:\n\t"),
            "{}",
            err.message
        );
        // A reference to a model the document lacks.
        let missing = oas.replace(
            "schema: {$ref: \"#/components/schemas/Body\"}\n      responses",
            "schema: {$ref: \"#/components/schemas/Nope\"}\n      responses",
        );
        assert!(definition(&missing, &[]).unwrap_err().message.contains("Nope"));
    }
}

//! SDK generation: GetSdkTypes and GetSdkType answer AWS's table of SDK types; GetSdk
//! generates a client for a stage from the deployment it serves and answers it zipped, as
//! AWS names the download (`attachment; filename="javascript_2016-02-22_23-52Z.zip"`).
//!
//! - `javascript` (`javascript`): a working client (`apigClient.js`,
//!   `apigClientFactory.newClient(config)`, one function per method named as AWS's generator
//!   names them, e.g. `petsPetIdGet`) with a small request helper of its own in place of AWS's
//!   bundled libraries.
//! - `java`, `android` (`java`): a Maven project with one client class over
//!   `HttpURLConnection`, methods named the same way.
//! - `ruby` (`ruby`): a gem laid out as AWS lays it out (module from `service.name`, gem from
//!   `ruby.gem-name`, default `{service}-sdk`, version `ruby.gem-version`), snake_case methods
//!   (`get_pets_pet_id`), model classes; over `Net::HTTP`, `aws-sigv4` for AWS_IAM methods.
//! - `objectivec`, `swift` (`ios`): Xcode sources for the AWS Mobile SDK's `AWSAPIGateway`:
//!   `{classPrefix}{Api}Client` with a method per API method (`petsPetIdGet:type:`) and a
//!   model class per model, with a Podfile.
//!
//! Each type's required parameters are checked first, as AWS does (400 naming them).

mod ios;
mod java;
mod javascript;
mod ruby;

use crate::kinds::{DEPLOYMENT, DeploymentSnapshot, SNAPSHOT, STAGE};
use crate::support::{limit, required};
use portico_wire::apigateway::*;
use portico_wire::types::Blob;
use portico_wire::{AwsError, RequestContext};
use std::io::Write;

/// The first of `names` (a setting's spellings) that `parameters` gives a value, trimmed.
fn param<'a>(parameters: &'a std::collections::BTreeMap<String, String>, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| parameters.get(*n))
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
}

/// AWS's generator's function name: the path's segments in camel case (`{petId}` → `PetId`,
/// other punctuation dropped), `root` for `/`, then the method (`petsPetIdGet`).
fn function_name(path: &str, method: &str) -> String {
    let mut name = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        for word in segment
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                if name.is_empty() {
                    name.push(first.to_ascii_lowercase());
                } else {
                    name.push(first.to_ascii_uppercase());
                }
                name.extend(chars);
            }
        }
    }
    if name.is_empty() {
        name.push_str("root");
    }
    let method = method.to_ascii_lowercase();
    let mut chars = method.chars();
    if let Some(first) = chars.next() {
        name.push(first.to_ascii_uppercase());
        name.extend(chars);
    }
    name
}

/// The path, query string and header parameters of a method: from its path template and its
/// `method.request.*` parameters.
fn parameters(path: &str, method: &Method) -> (Vec<String>, Vec<String>, Vec<String>) {
    let path_names: Vec<String> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|s| s.trim_end_matches('+').to_string())
        .collect();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for name in method.request_parameters.iter().flat_map(|p| p.keys()) {
        if let Some(q) = name.strip_prefix("method.request.querystring.") {
            query.push(q.to_string());
        } else if let Some(h) = name.strip_prefix("method.request.header.") {
            headers.push(h.to_string());
        }
    }
    (path_names, query, headers)
}

/// One method of the deployed API as a generated client sees it.
pub struct Operation {
    /// AWS's generator's name for it, e.g. `petsPetIdGet`.
    pub name: String,
    pub verb: String,
    /// The resource path, with its `{param}`s.
    pub path: String,
    pub path_params: Vec<String>,
    pub query: Vec<String>,
    pub headers: Vec<String>,
    /// The query string and header parameters the method marks required.
    pub required: Vec<String>,
    /// `NONE`, `AWS_IAM`, `CUSTOM` or `COGNITO_USER_POOLS`.
    pub authorization: String,
    pub api_key: bool,
    /// The header a CUSTOM or COGNITO_USER_POOLS authorizer reads its token from.
    pub token_header: Option<String>,
    /// The model of the request body (`application/json` first).
    pub request_model: Option<String>,
    /// The model of the first 2XX method response.
    pub response_model: Option<String>,
}

/// The JSON model of a content-type map: `application/json`'s, else the first.
fn json_model(models: Option<&std::collections::BTreeMap<String, String>>) -> Option<String> {
    let models = models?;
    models
        .get("application/json")
        .or_else(|| models.values().next())
        .cloned()
}

/// The methods of a deployment, by path then method.
pub fn operations(snapshot: &DeploymentSnapshot) -> Vec<Operation> {
    let mut resources: Vec<_> = snapshot.resources.iter().collect();
    resources.sort_by(|a, b| a.path.cmp(&b.path));
    let mut out = Vec::new();
    for resource in resources {
        let path = resource.path.clone().unwrap_or_else(|| "/".into());
        for (verb, method) in resource.resource_methods.iter().flatten() {
            let (path_params, query, headers) = parameters(&path, method);
            let required = method
                .request_parameters
                .iter()
                .flatten()
                .filter(|(_, required)| **required)
                .filter_map(|(name, _)| {
                    name.strip_prefix("method.request.querystring.")
                        .or_else(|| name.strip_prefix("method.request.header."))
                })
                .map(str::to_string)
                .collect();
            let authorization = method.authorization_type.clone().unwrap_or_else(|| "NONE".into());
            let token_header = matches!(authorization.as_str(), "CUSTOM" | "COGNITO_USER_POOLS").then(|| {
                snapshot
                    .authorizers
                    .iter()
                    .find(|a| a.id.is_some() && a.id == method.authorizer_id)
                    .and_then(|a| a.identity_source.as_deref())
                    .and_then(|s| s.strip_prefix("method.request.header."))
                    .filter(|h| !h.contains(','))
                    .unwrap_or("Authorization")
                    .to_string()
            });
            let mut responses: Vec<_> = method
                .method_responses
                .iter()
                .flatten()
                .filter(|(status, _)| status.starts_with('2'))
                .collect();
            responses.sort_by(|a, b| a.0.cmp(b.0));
            out.push(Operation {
                name: function_name(&path, verb),
                verb: verb.clone(),
                path: path.clone(),
                path_params,
                query,
                headers,
                required,
                authorization,
                api_key: method.api_key_required == Some(true),
                token_header,
                request_model: json_model(method.request_models.as_ref()),
                response_model: responses
                    .first()
                    .and_then(|(_, r)| json_model(r.response_models.as_ref())),
            });
        }
    }
    out
}

/// A property of a model, as the typed clients declare it.
#[derive(Debug, Clone, PartialEq)]
pub enum Property {
    String,
    Number,
    Boolean,
    /// Items of another model, or of anything.
    Array(Option<String>),
    /// Another model.
    Model(String),
    /// An object without a model.
    Object,
}

/// A model of the API with properties: the model classes of the typed clients.
#[derive(Debug, Clone)]
pub struct ModelClass {
    pub name: String,
    /// JSON names with their types, in the schema's order.
    pub properties: Vec<(String, Property)>,
}

fn property(schema: &serde_json::Value, api_id: &str) -> Property {
    let model = |s: &serde_json::Value| {
        s.get("$ref")
            .and_then(|r| r.as_str())
            .and_then(|r| crate::models::ref_target(r, api_id).or_else(|| r.rsplit('/').next()))
            .map(str::to_string)
    };
    if let Some(name) = model(schema) {
        return Property::Model(name);
    }
    match schema.get("type").and_then(|t| t.as_str()) {
        Some("string") => Property::String,
        Some("integer" | "number") => Property::Number,
        Some("boolean") => Property::Boolean,
        Some("array") => Property::Array(schema.get("items").and_then(model)),
        _ => Property::Object,
    }
}

/// The API's object models, in name order; a model that is an array of another stands for
/// that one in the clients (`element`).
pub fn model_classes(snapshot: &DeploymentSnapshot) -> Vec<ModelClass> {
    let api_id = snapshot.api.id.clone().unwrap_or_default();
    let mut out: Vec<ModelClass> = snapshot
        .models
        .iter()
        .filter_map(|m| {
            let name = m.name.clone()?;
            let schema: serde_json::Value = serde_json::from_str(m.schema.as_deref()?).ok()?;
            let properties = schema.get("properties").and_then(|p| p.as_object());
            if properties.is_none() && schema.get("type").and_then(|t| t.as_str()) != Some("object") {
                return None;
            }
            Some(ModelClass {
                name,
                properties: properties
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), property(v, &api_id)))
                    .collect(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// What a response model stands for in a typed client: itself when it has a class, the class
/// of its items when it is an array of one, else nothing (the answer as a dictionary).
pub fn element(snapshot: &DeploymentSnapshot, classes: &[ModelClass], model: &str) -> Option<(String, bool)> {
    if classes.iter().any(|c| c.name == model) {
        return Some((model.to_string(), false));
    }
    let api_id = snapshot.api.id.clone().unwrap_or_default();
    let schema: serde_json::Value = snapshot
        .models
        .iter()
        .find(|m| m.name.as_deref() == Some(model))
        .and_then(|m| serde_json::from_str(m.schema.as_deref()?).ok())?;
    match property(&schema, &api_id) {
        Property::Array(Some(item)) if classes.iter().any(|c| c.name == item) => Some((item, true)),
        _ => None,
    }
}

/// Words of a name in Pascal case: `pet store` → `PetStore`, `petId` → `PetId`.
pub fn pascal(text: &str) -> String {
    let mut out = String::new();
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

/// A name as an identifier in camel case: `X-Trace` → `xTrace`, `petId` → `petId`.
pub fn camel(text: &str) -> String {
    let pascal = pascal(text);
    let mut chars = pascal.chars();
    let mut out: String = chars.next().map(|c| c.to_ascii_lowercase()).into_iter().collect();
    out.extend(chars);
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// One configuration property of an SDK type: name, friendly name, required.
type ConfigProperty = (&'static str, &'static str, bool);

/// AWS's SDK types: id, friendly name, description, configuration properties.
const TYPES: &[(&str, &str, &str, &[ConfigProperty])] = &[
    (
        "android",
        "Android",
        "Java SDK for Android",
        &[
            ("groupId", "Group ID", true),
            ("invokerPackage", "Invoker package", true),
            ("artifactId", "Artifact ID", true),
            ("artifactVersion", "Artifact version", true),
        ],
    ),
    ("javascript", "JavaScript", "JavaScript SDK", &[]),
    (
        "objectivec",
        "iOS (Objective-C)",
        "Objective-C SDK for iOS",
        &[("classPrefix", "Prefix", true)],
    ),
    (
        "swift",
        "iOS (Swift)",
        "Swift SDK for iOS",
        &[("classPrefix", "Prefix", true)],
    ),
    (
        "java",
        "Java SDK",
        "Java SDK generated by AWS API Gateway",
        &[
            ("service.name", "Service Name", true),
            ("java.package-name", "Java Package Name", true),
            ("java.build-system", "Java Build System", false),
            ("java.group-id", "Java Group Id", false),
            ("java.artifact-id", "Java Artifact Id", false),
            ("java.artifact-version", "Java Artifact Version", false),
            ("java.license-text", "Source Code License Text", false),
        ],
    ),
    (
        "ruby",
        "Ruby",
        "Ruby SDK",
        &[
            ("service.name", "Service Name", true),
            ("ruby.gem-name", "Ruby Gem Name", false),
            ("ruby.gem-version", "Ruby Gem Version", false),
        ],
    ),
];

/// The API reference names Java's two required parameters `serviceName` and `javaPackageName`;
/// the console sends the dotted names. Either is taken.
const ALIASES: &[(&str, &str)] = &[
    ("service.name", "serviceName"),
    ("java.package-name", "javaPackageName"),
];

fn sdk_type(entry: &(&str, &str, &str, &[ConfigProperty])) -> SdkType {
    let (id, friendly, description, properties) = *entry;
    SdkType {
        id: Some(id.into()),
        friendly_name: Some(friendly.into()),
        description: Some(description.into()),
        configuration_properties: Some(
            properties
                .iter()
                .map(|(name, friendly, required)| SdkConfigurationProperty {
                    name: Some((*name).into()),
                    friendly_name: Some((*friendly).into()),
                    description: Some(String::new()),
                    required: Some(*required),
                    default_value: None,
                })
                .collect(),
        ),
    }
}

fn unknown_type(id: &str) -> AwsError {
    AwsError::not_found(format!("Invalid SDK type specified: {id}"))
}

pub fn types(input: GetSdkTypesRequest) -> Result<SdkTypes, AwsError> {
    let limit = limit(input.limit)?;
    Ok(SdkTypes {
        position: None,
        items: Some(TYPES.iter().take(limit).map(sdk_type).collect()),
    })
}

pub fn get_type(input: GetSdkTypeRequest) -> Result<SdkType, AwsError> {
    let id = required(input.id);
    TYPES
        .iter()
        .find(|t| t.0 == id)
        .map(sdk_type)
        .ok_or_else(|| unknown_type(&id))
}

/// The required parameters of `sdk_type` that `parameters` lacks.
fn missing(sdk_type: &str, parameters: &std::collections::BTreeMap<String, String>) -> Vec<&'static str> {
    let Some((_, _, _, properties)) = TYPES.iter().find(|t| t.0 == sdk_type) else {
        return Vec::new();
    };
    let given = |name: &str| {
        let alias = ALIASES.iter().find(|(n, _)| *n == name).map(|(_, a)| *a);
        [Some(name), alias]
            .into_iter()
            .flatten()
            .any(|n| parameters.get(n).is_some_and(|v| !v.trim().is_empty()))
    };
    properties
        .iter()
        .filter(|(name, _, required)| *required && !given(name))
        .map(|(name, _, _)| *name)
        .collect()
}

pub async fn generate(
    store: &portico_store::Store,
    ctx: &RequestContext,
    input: GetSdkRequest,
) -> Result<SdkResponse, AwsError> {
    let api_id = required(input.rest_api_id);
    let stage_name = required(input.stage_name);
    let kind = required(input.sdk_type);
    let api = crate::restapis::load(store, ctx, &api_id).await?;
    let stage = store
        .child(&STAGE, &api.row, &stage_name)
        .await?
        .ok_or_else(crate::stages::not_found)?;
    if !TYPES.iter().any(|t| t.0 == kind) {
        return Err(unknown_type(&kind));
    }
    let parameters = input.parameters.unwrap_or_default();
    let missing = missing(&kind, &parameters);
    if !missing.is_empty() {
        return Err(AwsError::bad_request(format!(
            "The following SDK configuration properties are required for {kind}: {}",
            missing.join(", ")
        )));
    }
    let deployment_id = stage.doc.deployment_id.clone().unwrap_or_default();
    let deployment = store
        .child(&DEPLOYMENT, &api.row, &deployment_id)
        .await?
        .ok_or_else(crate::deployments::not_found)?;
    let snapshot = store
        .child(&SNAPSHOT, &deployment.row, &deployment_id)
        .await?
        .ok_or_else(crate::deployments::not_found)?;
    let files = match kind.as_str() {
        "javascript" => javascript::generate(&snapshot.doc, &api_id, &stage_name, &ctx.region),
        "java" | "android" => {
            let api_name = snapshot.doc.api.name.clone().unwrap_or_default();
            let settings = java::settings(&kind, &api_name, &parameters)?;
            java::generate(&snapshot.doc, &api_id, &stage_name, &settings)
        }
        "ruby" => {
            let settings = ruby::settings(&parameters)?;
            ruby::generate(&snapshot.doc, &api_id, &stage_name, &ctx.region, &settings)
        }
        // objectivec, swift
        _ => {
            let prefix = ios::prefix(&parameters)?;
            ios::generate(&kind, &snapshot.doc, &api_id, &stage_name, &ctx.region, &prefix)
        }
    };
    let body = zip(&files)?;
    Ok(SdkResponse {
        content_type: Some("application/octet-stream".into()),
        content_disposition: Some(format!("attachment; filename=\"{kind}_{}Z.zip\"", stamp())),
        body: Some(Blob(body)),
    })
}

/// `2016-02-22_23-52`, UTC: AWS's file name stamp.
fn stamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}_{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute()
    )
}

/// The files as a zip archive, deflated.
pub fn zip(files: &[(String, String)]) -> Result<Vec<u8>, AwsError> {
    let failed = |e: &dyn std::fmt::Display| AwsError::internal(format!("writing the SDK archive: {e}"));
    let mut out = std::io::Cursor::new(Vec::new());
    let mut writer = ::zip::ZipWriter::new(&mut out);
    let options = ::zip::write::SimpleFileOptions::default()
        .compression_method(::zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for (name, text) in files {
        writer.start_file(name.as_str(), options).map_err(|e| failed(&e))?;
        writer.write_all(text.as_bytes()).map_err(|e| failed(&e))?;
    }
    writer.finish().map_err(|e| failed(&e))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::io::Read;

    #[test]
    fn function_names_follow_aws() {
        assert_eq!(function_name("/pets", "GET"), "petsGet");
        assert_eq!(function_name("/pets/{petId}", "GET"), "petsPetIdGet");
        assert_eq!(function_name("/", "POST"), "rootPost");
        assert_eq!(function_name("/v1/my-items/{proxy+}", "ANY"), "v1MyItemsProxyAny");
    }

    #[test]
    fn types_and_their_required_parameters() {
        let all = types(GetSdkTypesRequest::default()).unwrap().items.unwrap();
        let ids: Vec<_> = all.iter().map(|t| t.id.clone().unwrap()).collect();
        assert_eq!(ids, ["android", "javascript", "objectivec", "swift", "java", "ruby"]);
        let android = get_type(GetSdkTypeRequest {
            id: Some("android".into()),
        })
        .unwrap();
        assert_eq!(android.configuration_properties.unwrap().len(), 4);
        assert_eq!(
            get_type(GetSdkTypeRequest {
                id: Some("cobol".into())
            })
            .unwrap_err()
            .status,
            404
        );

        let mut given = BTreeMap::new();
        given.insert("groupId".to_string(), "com.example".to_string());
        assert_eq!(
            missing("android", &given),
            ["invokerPackage", "artifactId", "artifactVersion"]
        );
        assert!(missing("javascript", &given).is_empty());
        given.insert("serviceName".into(), "Pets".into());
        assert_eq!(missing("java", &given), ["java.package-name"]);
    }

    #[test]
    fn models_for_the_typed_clients() {
        let model = |name: &str, schema: &str| Model {
            name: Some(name.into()),
            schema: Some(schema.into()),
            ..Default::default()
        };
        let snapshot = DeploymentSnapshot {
            api: RestApi {
                id: Some("a1".into()),
                ..Default::default()
            },
            models: vec![
                model(
                    "Pet",
                    r#"{"type": "object", "properties": {"id": {"type": "integer"}, "tags": {"type": "array", "items": {"$ref": "https://apigateway.amazonaws.com/restapis/a1/models/Tag"}}}}"#,
                ),
                model(
                    "Tag",
                    r#"{"type": "object", "properties": {"name": {"type": "string"}}}"#,
                ),
                model(
                    "Pets",
                    r#"{"type": "array", "items": {"$ref": "https://apigateway.amazonaws.com/restapis/a1/models/Pet"}}"#,
                ),
                model("Empty", r#"{"type": "object", "title": "Empty Schema"}"#),
                model("Name", r#"{"type": "string"}"#),
            ],
            ..Default::default()
        };
        let classes = model_classes(&snapshot);
        let names: Vec<&str> = classes.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Empty", "Pet", "Tag"]);
        assert_eq!(
            classes[1].properties,
            [
                ("id".to_string(), Property::Number),
                ("tags".to_string(), Property::Array(Some("Tag".into())))
            ]
        );
        // An array of a model stands for that model; a string model for nothing.
        assert_eq!(element(&snapshot, &classes, "Pets"), Some(("Pet".into(), true)));
        assert_eq!(element(&snapshot, &classes, "Pet"), Some(("Pet".into(), false)));
        assert_eq!(element(&snapshot, &classes, "Name"), None);
        assert_eq!(camel("X-Trace"), "xTrace");
        assert_eq!(pascal("pet store"), "PetStore");
    }

    #[test]
    fn archives_read_back() {
        let files = vec![
            ("a/one.txt".to_string(), "first".to_string()),
            ("a/lib/two.js".to_string(), "second".repeat(100)),
        ];
        let bytes = zip(&files).unwrap();
        let mut archive = ::zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 2);
        let mut text = String::new();
        archive
            .by_name("a/lib/two.js")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "second".repeat(100));
        assert!(stamp().len() == 16 && stamp().as_bytes()[10] == b'_');
    }
}

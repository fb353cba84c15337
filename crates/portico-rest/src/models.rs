//! Models: JSON schemas (draft 4) an API names in its methods' `requestModels` and
//! `responseModels`. Stored under the API with the model's name as the document id (names
//! are unique in an API, and every operation addresses a model by name). Every new API gets
//! AWS's `Empty` and `Error`.

use crate::kinds::{MODEL, RESOURCE, REST_API};
use crate::restapis;
use crate::support::{Patch, limit, new_id, patches, position, required, scope};
use portico_store::{List, Row, Store, StoreError, Stored, Tx};
use portico_wire::apigateway::*;
use portico_wire::{AwsError, RequestContext};
use serde_json::{Map, Value};

pub fn not_found(name: &str) -> AwsError {
    AwsError::not_found(format!("Invalid model name specified: {name}"))
}

/// AWS's two default models, byte for byte as AWS returns them.
fn defaults() -> [Model; 2] {
    [
        Model {
            id: None,
            name: Some("Empty".into()),
            description: Some("This is a default empty schema model".into()),
            schema: Some(
                "{\n  \"$schema\": \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Empty Schema\",\n  \"type\" : \"object\"\n}".into(),
            ),
            content_type: Some("application/json".into()),
        },
        Model {
            id: None,
            name: Some("Error".into()),
            description: Some("This is a default error schema model".into()),
            schema: Some(
                "{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Error Schema\",\n  \"type\" : \"object\",\n  \"properties\" : {\n    \"message\" : { \"type\" : \"string\" }\n  }\n}".into(),
            ),
            content_type: Some("application/json".into()),
        },
    ]
}

/// Called by CreateRestApi inside its transaction: AWS's default models, or for `cloneFrom`
/// the source's models (fresh ids, `$ref`s pointed at the clone), request validators (same ids,
/// so the cloned methods still name them) and customised gateway responses.
pub async fn seed(
    tx: &mut Tx<'_>,
    scope: &portico_store::Scope,
    api: &Row,
    api_id: &str,
    clone_from: Option<&str>,
) -> Result<(), AwsError> {
    let source = match clone_from {
        Some(id) => tx.top(&REST_API, scope, id).await?.map(|s| s.row),
        None => None,
    };
    let Some(source) = source.as_ref() else {
        for mut model in defaults() {
            model.id = Some(new_id(6));
            let name = model.name.clone().unwrap_or_default();
            tx.insert(&MODEL, api, &name, &model).await?;
        }
        return Ok(());
    };
    let source_id = clone_from.unwrap_or_default();
    let (from, to) = (
        format!("{REF_PREFIX}{source_id}/models/"),
        format!("{REF_PREFIX}{api_id}/models/"),
    );
    for Stored { doc: mut model, .. } in tx.in_tree(&MODEL, source).await? {
        model.id = Some(new_id(6));
        model.schema = model.schema.map(|s| s.replace(&from, &to));
        let name = model.name.clone().unwrap_or_default();
        tx.insert(&MODEL, api, &name, &model).await?;
    }
    for validator in tx.in_tree(&crate::kinds::REQUEST_VALIDATOR, source).await? {
        let id = validator.doc.id.clone().unwrap_or_default();
        tx.insert(&crate::kinds::REQUEST_VALIDATOR, api, &id, &validator.doc)
            .await?;
    }
    for response in tx.in_tree(&crate::kinds::GATEWAY_RESPONSE, source).await? {
        let kind = response.doc.response_type.clone().unwrap_or_default();
        tx.insert(&crate::kinds::GATEWAY_RESPONSE, api, &kind, &response.doc)
            .await?;
    }
    Ok(())
}

fn invalid_schema(detail: &str) -> AwsError {
    AwsError::bad_request(format!(
        "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified{detail}]"
    ))
}

fn empty_schema() -> AwsError {
    AwsError::bad_request("Model schema must have at least 1 property or array items defined")
}

const REF_PREFIX: &str = "https://apigateway.amazonaws.com/restapis/";

/// The model a canonical `$ref` names in API `api_id`, if it is one.
pub(crate) fn ref_target<'a>(reference: &'a str, api_id: &str) -> Option<&'a str> {
    reference
        .strip_prefix(REF_PREFIX)?
        .strip_prefix(api_id)?
        .strip_prefix("/models/")
        .filter(|name| !name.is_empty() && !name.contains('/'))
}

/// Checks a schema AWS would store: JSON, an object, draft 4's keywords with values of
/// their types, and `$ref`s that are local pointers or canonical references to models of
/// this API (`known` says whether a name is one). Returns the model names it references.
pub fn check_schema(schema: Option<&str>, api_id: &str, known: &dyn Fn(&str) -> bool) -> Result<Vec<String>, AwsError> {
    let text = schema.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(empty_schema());
    }
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return Err(invalid_schema(""));
    };
    if !value.is_object() {
        return Err(invalid_schema(""));
    }
    let mut refs = Vec::new();
    walk(&value, &mut refs).map_err(|_| invalid_schema(""))?;
    for reference in &refs {
        if reference.starts_with('#') {
            continue;
        }
        // A reference to a model not (yet) in the API is refused with this same wording.
        match ref_target(reference, api_id) {
            Some(name) if known(name) => {}
            _ => return Err(invalid_schema(", Model reference must be in canonical form")),
        }
    }
    Ok(refs
        .iter()
        .filter_map(|r| ref_target(r, api_id))
        .map(str::to_string)
        .collect())
}

const TYPES: &[&str] = &["array", "boolean", "integer", "null", "number", "object", "string"];

/// Draft 4 keyword by keyword; collects every `$ref`. `Err(())` is any malformed keyword.
fn walk(schema: &Value, refs: &mut Vec<String>) -> Result<(), ()> {
    let Some(object) = schema.as_object() else {
        return Err(());
    };
    let schemas = |v: &Value, refs: &mut Vec<String>| -> Result<(), ()> {
        v.as_object().ok_or(())?.values().try_for_each(|s| walk(s, refs))
    };
    let list = |v: &Value, refs: &mut Vec<String>| -> Result<(), ()> {
        let items = v.as_array().filter(|a| !a.is_empty()).ok_or(())?;
        items.iter().try_for_each(|s| walk(s, refs))
    };
    for (key, value) in object {
        match key.as_str() {
            "$ref" => refs.push(value.as_str().ok_or(())?.to_string()),
            "$schema" | "id" | "title" | "description" | "pattern" => {
                value.as_str().ok_or(())?;
            }
            "type" => {
                let ok = |t: &Value| t.as_str().is_some_and(|t| TYPES.contains(&t));
                let valid = match value {
                    Value::Array(all) => !all.is_empty() && all.iter().all(ok),
                    one => ok(one),
                };
                if !valid {
                    return Err(());
                }
            }
            "properties" | "patternProperties" | "definitions" => schemas(value, refs)?,
            "items" => match value {
                Value::Array(_) => list(value, refs)?,
                _ => walk(value, refs)?,
            },
            "additionalProperties" | "additionalItems" if !value.is_boolean() => walk(value, refs)?,
            "allOf" | "anyOf" | "oneOf" => list(value, refs)?,
            "not" => walk(value, refs)?,
            "required" => {
                let names = value.as_array().filter(|a| !a.is_empty()).ok_or(())?;
                if !names.iter().all(Value::is_string) {
                    return Err(());
                }
            }
            "enum" => {
                value.as_array().filter(|a| !a.is_empty()).ok_or(())?;
            }
            "multipleOf" => {
                value.as_f64().filter(|n| *n > 0.0).ok_or(())?;
            }
            "maximum" | "minimum" => {
                value.as_f64().ok_or(())?;
            }
            "exclusiveMaximum" | "exclusiveMinimum" | "uniqueItems" => {
                value.as_bool().ok_or(())?;
            }
            "maxLength" | "minLength" | "maxItems" | "minItems" | "maxProperties" | "minProperties" => {
                value.as_u64().ok_or(())?;
            }
            "dependencies" => {
                for dependency in value.as_object().ok_or(())?.values() {
                    if !dependency.is_array() {
                        walk(dependency, refs)?;
                    }
                }
            }
            // Unknown keywords (and `default`, `format`, `example`) are annotations.
            _ => {}
        }
    }
    Ok(())
}

/// AWS's alphanumeric model names.
fn check_name(name: &str) -> Result<(), AwsError> {
    if name.is_empty() {
        return Err(AwsError::bad_request("Model name must be non-empty"));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(AwsError::bad_request("Model name must be alphanumeric"));
    }
    Ok(())
}

/// The names of the API's models, read in the transaction.
async fn names_in(tx: &mut Tx<'_>, api: &Row) -> Result<Vec<String>, AwsError> {
    Ok(tx
        .in_tree(&MODEL, api)
        .await?
        .into_iter()
        .filter_map(|m| m.doc.name)
        .collect())
}

pub async fn create(store: &Store, ctx: &RequestContext, input: CreateModelRequest) -> Result<Model, AwsError> {
    let api_id = required(input.rest_api_id);
    let name = input.name.unwrap_or_default();
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let api = restapis::load_in(&mut tx, ctx, &scope, &api_id).await?;
    check_name(&name)?;
    let names = names_in(&mut tx, &api.row).await?;
    if names.contains(&name) {
        return Err(AwsError::conflict("Model name already exists for this REST API"));
    }
    check_schema(input.schema.as_deref(), &api_id, &|n| {
        n == name || names.iter().any(|k| k == n)
    })?;
    let model = Model {
        id: Some(new_id(6)),
        name: Some(name.clone()),
        description: input.description.filter(|d| !d.is_empty()),
        schema: input.schema,
        content_type: input.content_type,
    };
    match tx.insert(&MODEL, &api.row, &name, &model).await {
        Err(StoreError::Exists) => return Err(AwsError::conflict("Model name already exists for this REST API")),
        other => other?,
    };
    tx.commit().await?;
    Ok(model)
}

/// The model, or AWS's 404 (which names the model even when the API is unknown).
async fn load(store: &Store, ctx: &RequestContext, api_id: &str, name: &str) -> Result<Stored<Model>, AwsError> {
    store
        .under(&REST_API, &MODEL, &scope(ctx), api_id, name)
        .await?
        .ok_or_else(|| not_found(name))
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetModelRequest) -> Result<Model, AwsError> {
    let api_id = required(input.rest_api_id);
    let name = required(input.model_name);
    let Stored { row, doc: mut model } = load(store, ctx, &api_id, &name).await?;
    if input.flatten == Some(true) {
        let all: Vec<Model> = store.in_tree(&MODEL, &row).await?.into_iter().map(|m| m.doc).collect();
        if let Some(schema) = model
            .schema
            .as_deref()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
        {
            let flat = flatten(schema, &api_id, &all, vec![name.clone()]);
            model.schema = serde_json::to_string_pretty(&flat).ok();
        }
    }
    Ok(model)
}

/// The schema of model `name` among an API's `models` (a deployment's snapshot) with its
/// references to other models inlined, for request validation; `None` when it is not JSON.
pub fn flattened(api_id: &str, models: &[Model], name: &str) -> Option<Value> {
    let model = models.iter().find(|m| m.name.as_deref() == Some(name))?;
    let schema = serde_json::from_str::<Value>(model.schema.as_deref()?).ok()?;
    Some(flatten(schema, api_id, models, vec![name.to_string()]))
}

/// How deep references may nest, and how many JSON values inlining may copy in all, before
/// the remaining `$ref`s are left as they are: models referencing each other must not
/// exhaust the stack or memory.
const MAX_NESTED_MODELS: usize = 16;
const MAX_INLINED_VALUES: usize = 100_000;

/// Replaces canonical `$ref`s with the schemas they name (a cycle keeps its `$ref`). `seen`
/// starts with the model being flattened.
fn flatten(schema: Value, api_id: &str, models: &[Model], seen: Vec<String>) -> Value {
    let mut inline = Inline {
        api_id,
        models,
        seen,
        budget: MAX_INLINED_VALUES,
    };
    inline.value(schema)
}

struct Inline<'a> {
    api_id: &'a str,
    models: &'a [Model],
    seen: Vec<String>,
    budget: usize,
}

fn size(value: &Value) -> usize {
    match value {
        Value::Object(o) => 1 + o.values().map(size).sum::<usize>(),
        Value::Array(a) => 1 + a.iter().map(size).sum::<usize>(),
        _ => 1,
    }
}

impl Inline<'_> {
    fn target(&self, object: &Map<String, Value>) -> Option<(String, Value)> {
        let name = object
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| ref_target(r, self.api_id))?;
        if self.seen.iter().any(|s| s == name) || self.seen.len() > MAX_NESTED_MODELS {
            return None;
        }
        let target = self
            .models
            .iter()
            .find(|m| m.name.as_deref() == Some(name))
            .and_then(|m| m.schema.as_deref())
            .and_then(|s| serde_json::from_str::<Value>(s).ok())?;
        Some((name.to_string(), target))
    }

    fn value(&mut self, schema: Value) -> Value {
        match schema {
            Value::Object(object) => {
                if let Some((name, target)) = self.target(&object) {
                    let cost = size(&target);
                    if cost <= self.budget {
                        self.budget -= cost;
                        self.seen.push(name);
                        let mut inner = self.value(target);
                        self.seen.pop();
                        if let Value::Object(inner) = &mut inner {
                            inner.remove("$schema");
                        }
                        return inner;
                    }
                }
                Value::Object(
                    object
                        .into_iter()
                        .map(|(k, v)| (k, self.value(v)))
                        .collect::<Map<String, Value>>(),
                )
            }
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.value(v)).collect()),
            other => other,
        }
    }
}

pub async fn list(store: &Store, ctx: &RequestContext, input: GetModelsRequest) -> Result<Models, AwsError> {
    let api = restapis::load(store, ctx, &required(input.rest_api_id)).await?;
    let page = store
        .page(
            &MODEL,
            List::Tree(&api.row),
            position(input.position.as_deref())?,
            limit(input.limit)?,
        )
        .await?;
    Ok(Models {
        position: page.next_token(),
        items: Some(page.items.into_iter().map(|m| m.doc).collect()),
    })
}

fn apply(model: &mut Model, op: &Patch) -> Result<(), AwsError> {
    if op.op != "replace" {
        return Err(AwsError::bad_request(format!(
            "Invalid patch path  '{}' specified for op '{}'. Please choose supported operations",
            op.path, op.op
        )));
    }
    match op.segs().as_slice() {
        ["description"] => model.description = op.optional_string(),
        ["schema"] => model.schema = op.value.clone(),
        _ => {
            return Err(AwsError::bad_request(format!(
                "Invalid patch path  '{}' specified for op '{}'. Must be one of: [/description, /schema]",
                op.path, op.op
            )));
        }
    }
    Ok(())
}

pub async fn update(store: &Store, ctx: &RequestContext, input: UpdateModelRequest) -> Result<Model, AwsError> {
    let api_id = required(input.rest_api_id);
    let name = required(input.model_name);
    let ops = patches(input.patch_operations, "updateModelInput")?;
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let Stored { row, doc: mut model } = tx
        .under(&REST_API, &MODEL, &scope, &api_id, &name)
        .await?
        .ok_or_else(|| not_found(&name))?;
    for op in &ops {
        apply(&mut model, op)?;
    }
    let names = names_in(&mut tx, &row).await?;
    check_schema(model.schema.as_deref(), &api_id, &|n| names.iter().any(|k| k == n))?;
    tx.update(&MODEL, &row, &model).await?;
    tx.commit().await?;
    Ok(model)
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteModelRequest) -> Result<(), AwsError> {
    let api_id = required(input.rest_api_id);
    let name = required(input.model_name);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let model = tx
        .under(&REST_API, &MODEL, &scope, &api_id, &name)
        .await?
        .ok_or_else(|| not_found(&name))?;
    let in_use = |what: &str, place: String| {
        AwsError::conflict(format!(
            "Cannot delete model '{name}', is referenced in {what}: {place}"
        ))
    };
    // AWS names the most recently created resource first.
    let resources = tx.in_tree(&RESOURCE, &model.row).await?;
    for resource in resources.iter().rev().map(|r| &r.doc) {
        let path = resource.path.as_deref().unwrap_or_default();
        for (verb, method) in resource.resource_methods.iter().flatten() {
            let named = |m: &Option<std::collections::BTreeMap<String, String>>| {
                m.as_ref().is_some_and(|m| m.values().any(|v| *v == name))
            };
            if named(&method.request_models) {
                return Err(in_use("method request", format!("{path}/{verb}")));
            }
            for (status, response) in method.method_responses.iter().flatten() {
                if named(&response.response_models) {
                    return Err(in_use("method response", format!("{path}/{verb}/{status}")));
                }
            }
        }
    }
    for other in tx.in_tree(&MODEL, &model.row).await? {
        if other.doc.name.as_deref() == Some(name.as_str()) {
            continue;
        }
        let refs = check_schema(other.doc.schema.as_deref(), &api_id, &|_| true).unwrap_or_default();
        if refs.contains(&name) {
            return Err(in_use("model", other.doc.name.unwrap_or_default()));
        }
    }
    tx.delete(&model.row).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn template(
    store: &Store,
    ctx: &RequestContext,
    input: GetModelTemplateRequest,
) -> Result<Template, AwsError> {
    let api_id = required(input.rest_api_id);
    let name = required(input.model_name);
    let Stored { row, .. } = load(store, ctx, &api_id, &name).await?;
    let all: Vec<Model> = store.in_tree(&MODEL, &row).await?.into_iter().map(|m| m.doc).collect();
    Ok(Template {
        value: Some(crate::model_templates::template(&api_id, &all, &name)),
    })
}

/// The models a method names (its `requestModels`, its responses' `responseModels`).
fn named(method: &Method) -> impl Iterator<Item = &String> {
    let request = method.request_models.iter().flat_map(|m| m.values());
    let responses = method
        .method_responses
        .iter()
        .flat_map(|r| r.values())
        .flat_map(|r| r.response_models.iter().flat_map(|m| m.values()));
    request.chain(responses)
}

/// The request validator and the models a method names must be its API's. Only what a change
/// adds to `before` is looked up: a method stored before its API had models keeps working.
pub async fn check_references(
    tx: &mut Tx<'_>,
    row: &Row,
    before: Option<&Method>,
    method: &Method,
) -> Result<(), AwsError> {
    if let Some(id) = method.request_validator_id.as_deref()
        && before.and_then(|b| b.request_validator_id.as_deref()) != Some(id)
        && !crate::request_validators::exists_in(tx, row, id).await?
    {
        return Err(AwsError::bad_request("Invalid Request Validator identifier specified"));
    }
    let known: Vec<&String> = before.map(|b| named(b).collect()).unwrap_or_default();
    let added: Vec<String> = named(method).filter(|n| !known.contains(n)).cloned().collect();
    for name in added {
        if tx.child(&MODEL, row, &name).await?.is_none() {
            return Err(AwsError::bad_request(format!(
                "Invalid model identifier specified: {name}"
            )));
        }
    }
    Ok(())
}

/// The API's models, for a deployment's snapshot.
pub async fn all_in(tx: &mut Tx<'_>, api: &Row) -> Result<Vec<Model>, AwsError> {
    Ok(tx.in_tree(&MODEL, api).await?.into_iter().map(|m| m.doc).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const API: &str = "abc123";

    fn check(schema: &str) -> Result<Vec<String>, AwsError> {
        check_schema(Some(schema), API, &|n| n == "Pet")
    }

    #[test]
    fn schemas_are_json_objects_with_draft4_keywords() {
        assert!(check(r#"{"type":"object"}"#).is_ok());
        assert!(check(r#"{"type":"object","properties":{"a":{"type":"number"}},"required":["a"]}"#).is_ok());
        assert_eq!(check("").unwrap_err().message, empty_schema().message);
        let err = check("{not json").unwrap_err();
        assert_eq!(
            err.message,
            "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified]"
        );
        assert!(check("[]").is_err());
        assert!(check(r#"{"type":"thing"}"#).is_err());
        assert!(check(r#"{"properties":{"a":3}}"#).is_err());
        assert!(check(r#"{"required":[]}"#).is_err());
        assert!(check(r#"{"minLength":-1}"#).is_err());
    }

    #[test]
    fn references_are_canonical_and_known() {
        let pet = format!(r#"{{"type":"array","items":{{"$ref":"{REF_PREFIX}{API}/models/Pet"}}}}"#);
        assert_eq!(check(&pet).unwrap(), ["Pet"]);
        let missing = format!(r#"{{"$ref":"{REF_PREFIX}{API}/models/Cat"}}"#);
        assert!(
            check(&missing)
                .unwrap_err()
                .message
                .contains("Model reference must be in canonical form")
        );
        let other_api = format!(r#"{{"$ref":"{REF_PREFIX}zzz/models/Pet"}}"#);
        assert!(check(&other_api).is_err());
        assert!(check(r##"{"$ref":"#/definitions/a","definitions":{"a":{"type":"string"}}}"##).is_ok());
        assert!(check(r#"{"$ref":"Pet"}"#).is_err());
    }

    #[test]
    fn flatten_inlines_references() {
        let models = vec![Model {
            name: Some("Pet".into()),
            schema: Some(r#"{"$schema":"x","type":"string"}"#.into()),
            ..Default::default()
        }];
        let schema: Value =
            serde_json::from_str(&format!(r#"{{"items":{{"$ref":"{REF_PREFIX}{API}/models/Pet"}}}}"#)).unwrap();
        let flat = flatten(schema, API, &models, vec![]);
        assert_eq!(flat, serde_json::json!({"items": {"type": "string"}}));
        assert_eq!(
            flattened(API, &models, "Pet"),
            Some(serde_json::json!({"$schema": "x", "type": "string"}))
        );
        assert_eq!(flattened(API, &models, "Cat"), None);
        // A model that references itself keeps its `$ref`; chains stop nesting at a depth.
        let own = format!(r#"{{"items":{{"$ref":"{REF_PREFIX}{API}/models/Tree"}}}}"#);
        let tree = vec![Model {
            name: Some("Tree".into()),
            schema: Some(own.clone()),
            ..Default::default()
        }];
        let flat = flatten(serde_json::from_str(&own).unwrap(), API, &tree, vec!["Tree".into()]);
        assert_eq!(flat, serde_json::from_str::<Value>(&own).unwrap());
        let chain: Vec<Model> = (0..40)
            .map(|i| Model {
                name: Some(format!("M{i}")),
                schema: Some(format!(r#"{{"a":{{"$ref":"{REF_PREFIX}{API}/models/M{}"}},"b":{{"$ref":"{REF_PREFIX}{API}/models/M{}"}}}}"#, i + 1, i + 1)),
                ..Default::default()
            })
            .collect();
        let start: Value = serde_json::from_str(chain[0].schema.as_deref().unwrap()).unwrap();
        let flat = flatten(start, API, &chain, vec!["M0".into()]);
        assert!(size(&flat) <= MAX_INLINED_VALUES + 10, "{}", size(&flat));
    }

    #[test]
    fn names_are_alphanumeric() {
        assert!(check_name("Pet2").is_ok());
        assert_eq!(check_name("").unwrap_err().message, "Model name must be non-empty");
        assert!(check_name("pet-model").is_err());
    }
}

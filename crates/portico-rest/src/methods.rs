//! Method and MethodResponse. Both live inside their resource's document.

use crate::authorizers;
use crate::kinds::{RESOURCE, REST_API};
use crate::mappings;
use crate::resources;
use crate::support::{Patch, patch_map, patches, required, scope};
use portico_store::{Row, Store, Stored, Tx};
use portico_wire::apigateway::*;
use portico_wire::{AwsError, RequestContext};

const HTTP_METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "ANY"];

pub fn not_found() -> AwsError {
    AwsError::not_found("Invalid Method identifier specified")
}

/// Identifies one method: API, resource and HTTP verb.
pub struct MethodKey {
    pub api_id: String,
    pub resource_id: String,
    pub http_method: String,
}

impl MethodKey {
    pub fn new(api: Option<String>, resource: Option<String>, method: Option<String>) -> Self {
        Self {
            api_id: required(api),
            resource_id: required(resource),
            http_method: required(method),
        }
    }
}

/// Runs `change` on the method inside one write; the resource document is saved whole. The
/// method must still name an existing authorizer when its authorization needs one.
pub async fn modify<T>(
    store: &Store,
    ctx: &RequestContext,
    key: &MethodKey,
    change: impl FnOnce(&mut Method) -> Result<T, AwsError>,
) -> Result<T, AwsError> {
    modify_or(store, ctx, key, not_found, change).await
}

/// `modify`, answering `missing()` when the resource has no such method.
pub async fn modify_or<T>(
    store: &Store,
    ctx: &RequestContext,
    key: &MethodKey,
    missing: fn() -> AwsError,
    change: impl FnOnce(&mut Method) -> Result<T, AwsError>,
) -> Result<T, AwsError> {
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let Stored { row, doc: mut resource } = resources::load_in(&mut tx, &scope, &key.api_id, &key.resource_id).await?;
    let method = resource
        .resource_methods
        .as_mut()
        .and_then(|m| m.get_mut(&key.http_method))
        .ok_or_else(missing)?;
    let before = method.clone();
    let out = change(method)?;
    check_authorizer(&mut tx, &row, method).await?;
    crate::models::check_references(&mut tx, &row, Some(&before), method).await?;
    tx.update(&RESOURCE, &row, &resource).await?;
    tx.commit().await?;
    Ok(out)
}

/// The method as stored, or the 404 AWS gives for its resource or itself.
pub async fn load(store: &Store, ctx: &RequestContext, key: &MethodKey) -> Result<Method, AwsError> {
    let resource = store
        .under(&REST_API, &RESOURCE, &scope(ctx), &key.api_id, &key.resource_id)
        .await?
        .ok_or_else(resources::not_found)?;
    resource
        .doc
        .resource_methods
        .and_then(|mut m| m.remove(&key.http_method))
        .ok_or_else(not_found)
}

/// The authorization type in AWS's spelling: AWS takes it in any case (`none` is common).
fn check_authorization(authorization_type: &str) -> Result<String, AwsError> {
    let upper = authorization_type.to_ascii_uppercase();
    match upper.as_str() {
        "NONE" | "AWS_IAM" | "CUSTOM" | "COGNITO_USER_POOLS" => Ok(upper),
        other => Err(AwsError::bad_request(format!(
            "Invalid authorization type specified: {other}. Valid options are NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS"
        ))),
    }
}

/// CUSTOM and COGNITO_USER_POOLS methods must name an authorizer of their API.
async fn check_authorizer(tx: &mut Tx<'_>, resource: &Row, method: &Method) -> Result<(), AwsError> {
    if !matches!(
        method.authorization_type.as_deref(),
        Some("CUSTOM" | "COGNITO_USER_POOLS")
    ) {
        return Ok(());
    }
    let found = match method.authorizer_id.as_deref() {
        Some(id) => authorizers::exists_in(tx, resource, id).await?,
        None => false,
    };
    if found {
        Ok(())
    } else {
        Err(AwsError::bad_request(
            "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.",
        ))
    }
}

pub async fn put(store: &Store, ctx: &RequestContext, input: PutMethodRequest) -> Result<Method, AwsError> {
    let key = MethodKey::new(input.rest_api_id, input.resource_id, input.http_method);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    // An unknown API or resource is reported before anything wrong in the request.
    let Stored { row, doc: mut resource } = resources::load_in(&mut tx, &scope, &key.api_id, &key.resource_id).await?;
    if !HTTP_METHODS.contains(&key.http_method.as_str()) {
        return Err(AwsError::bad_request(
            "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY",
        ));
    }
    let authorization_type = check_authorization(&required(input.authorization_type))?;
    mappings::method_request(input.request_parameters.as_ref())?;
    if let Some(params) = &input.request_parameters {
        let mut names: Vec<&str> = params.keys().filter_map(|k| k.rsplit('.').next()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err(AwsError::bad_request(
                "Parameter names must be unique across querystring, header and path",
            ));
        }
    }
    let method = Method {
        http_method: Some(key.http_method.clone()),
        authorization_type: Some(authorization_type),
        authorizer_id: input.authorizer_id,
        api_key_required: Some(input.api_key_required.unwrap_or(false)),
        operation_name: input.operation_name,
        request_parameters: input.request_parameters,
        request_models: input.request_models,
        request_validator_id: input.request_validator_id,
        authorization_scopes: input.authorization_scopes,
        ..Default::default()
    };
    check_authorizer(&mut tx, &row, &method).await?;
    crate::models::check_references(&mut tx, &row, None, &method).await?;
    let methods = resource.resource_methods.get_or_insert_default();
    if methods.contains_key(&key.http_method) {
        return Err(AwsError::conflict("Method already exists for this resource"));
    }
    methods.insert(key.http_method.clone(), method.clone());
    tx.update(&RESOURCE, &row, &resource).await?;
    tx.commit().await?;
    Ok(method)
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetMethodRequest) -> Result<Method, AwsError> {
    load(
        store,
        ctx,
        &MethodKey::new(input.rest_api_id, input.resource_id, input.http_method),
    )
    .await
}

pub async fn update(store: &Store, ctx: &RequestContext, input: UpdateMethodRequest) -> Result<Method, AwsError> {
    let key = MethodKey::new(input.rest_api_id, input.resource_id, input.http_method);
    let ops = patches(input.patch_operations, "updateMethodInput")?;
    // The authorizer is checked once all operations applied: type and id often change together.
    modify(store, ctx, &key, |method| {
        for op in &ops {
            apply(method, op)?;
        }
        Ok(method.clone())
    })
    .await
}

fn replace_only(op: &Patch) -> Result<(), AwsError> {
    if op.op == "replace" {
        Ok(())
    } else {
        Err(AwsError::bad_request(
            "Invalid patch operation specified. Must be one of: [replace]",
        ))
    }
}

fn apply(method: &mut Method, op: &Patch) -> Result<(), AwsError> {
    match op.segs().as_slice() {
        ["requestParameters", name] => {
            patch_map(&mut method.request_parameters, op, name, || {
                Ok(op.value.as_deref() == Some("true"))
            })?;
            mappings::method_request(method.request_parameters.as_ref())?;
        }
        ["requestModels", content_type] => patch_map(&mut method.request_models, op, content_type, || op.string())?,
        ["operationName"] => {
            replace_only(op)?;
            method.operation_name = op.optional_string();
        }
        ["apiKeyRequired"] => {
            replace_only(op)?;
            // AWS takes anything but "true" as false.
            method.api_key_required = Some(op.value.as_deref().is_some_and(|v| v.eq_ignore_ascii_case("true")));
        }
        ["authorizationType"] => {
            replace_only(op)?;
            let kind = op.string()?;
            method.authorization_type = Some(check_authorization(&kind)?);
        }
        ["authorizerId"] => {
            replace_only(op)?;
            if method.authorization_type.as_deref() != Some("NONE") {
                method.authorizer_id = op.optional_string();
            }
        }
        ["requestValidatorId"] => {
            replace_only(op)?;
            method.request_validator_id = op.optional_string();
        }
        ["authorizationScopes", ..] => {
            let scopes = method.authorization_scopes.get_or_insert_default();
            let value = op.string()?;
            match op.op {
                "add" => scopes.push(value),
                "remove" => scopes.retain(|s| *s != value),
                _ => return Err(op.unsupported_op()),
            }
        }
        _ => return Err(AwsError::bad_request(format!("Invalid patch path {}", op.path))),
    }
    Ok(())
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteMethodRequest) -> Result<(), AwsError> {
    let key = MethodKey::new(input.rest_api_id, input.resource_id, input.http_method);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let Stored { row, doc: mut resource } = resources::load_in(&mut tx, &scope, &key.api_id, &key.resource_id).await?;
    let methods = resource.resource_methods.get_or_insert_default();
    methods.remove(&key.http_method).ok_or_else(not_found)?;
    tx.update(&RESOURCE, &row, &resource).await?;
    tx.commit().await?;
    Ok(())
}

pub fn response_not_found() -> AwsError {
    AwsError::not_found("Invalid Response status code specified")
}

pub async fn put_response(
    store: &Store,
    ctx: &RequestContext,
    input: PutMethodResponseRequest,
) -> Result<MethodResponse, AwsError> {
    let key = MethodKey::new(input.rest_api_id, input.resource_id, input.http_method);
    let status = required(input.status_code);
    mappings::method_response(input.response_parameters.as_ref())?;
    let response = MethodResponse {
        status_code: Some(status.clone()),
        response_parameters: input.response_parameters,
        response_models: input.response_models,
    };
    modify(store, ctx, &key, |method| {
        method
            .method_responses
            .get_or_insert_default()
            .insert(status, response.clone());
        Ok(response)
    })
    .await
}

pub async fn get_response(
    store: &Store,
    ctx: &RequestContext,
    input: GetMethodResponseRequest,
) -> Result<MethodResponse, AwsError> {
    let method = load(
        store,
        ctx,
        &MethodKey::new(input.rest_api_id, input.resource_id, input.http_method),
    )
    .await?;
    let status = required(input.status_code);
    method
        .method_responses
        .and_then(|mut r| r.remove(&status))
        .ok_or_else(response_not_found)
}

pub async fn update_response(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateMethodResponseRequest,
) -> Result<MethodResponse, AwsError> {
    let key = MethodKey::new(input.rest_api_id, input.resource_id, input.http_method);
    let status = required(input.status_code);
    let ops = patches(input.patch_operations, "updateMethodResponseInput")?;
    modify(store, ctx, &key, |method| {
        let response = method
            .method_responses
            .as_mut()
            .and_then(|r| r.get_mut(&status))
            .ok_or_else(response_not_found)?;
        for op in &ops {
            match op.segs().as_slice() {
                // Only `add` may name a parameter or model the response does not have yet.
                ["responseParameters", name] => {
                    if op.op != "add"
                        && !response
                            .response_parameters
                            .as_ref()
                            .is_some_and(|p| p.contains_key(*name))
                    {
                        return Err(AwsError::not_found("Invalid parameter name specified"));
                    }
                    patch_map(&mut response.response_parameters, op, name, || {
                        Ok(op.value.as_deref() == Some("true"))
                    })?;
                    mappings::method_response(response.response_parameters.as_ref())?;
                }
                ["responseModels", content_type] => {
                    if op.op != "add"
                        && !response
                            .response_models
                            .as_ref()
                            .is_some_and(|m| m.contains_key(*content_type))
                    {
                        return Err(AwsError::not_found("Content-Type specified was not found"));
                    }
                    patch_map(&mut response.response_models, op, content_type, || op.string())?
                }
                _ => return Err(AwsError::bad_request(format!("Invalid patch path {}", op.path))),
            }
        }
        // AWS leaves no empty map behind once the last entry is removed.
        if response.response_parameters.as_ref().is_some_and(|p| p.is_empty()) {
            response.response_parameters = None;
        }
        if response.response_models.as_ref().is_some_and(|m| m.is_empty()) {
            response.response_models = None;
        }
        Ok(response.clone())
    })
    .await
}

pub async fn delete_response(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteMethodResponseRequest,
) -> Result<(), AwsError> {
    let key = MethodKey::new(input.rest_api_id, input.resource_id, input.http_method);
    let status = required(input.status_code);
    modify(store, ctx, &key, |method| {
        method
            .method_responses
            .as_mut()
            .and_then(|r| r.remove(&status))
            .map(|_| ())
            .ok_or_else(response_not_found)
    })
    .await
}

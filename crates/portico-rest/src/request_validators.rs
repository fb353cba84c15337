//! Request validators: named switches (body, parameters) a method points at with
//! `requestValidatorId`. They sit under the API; deployments copy them.

use crate::kinds::{REQUEST_VALIDATOR, RESOURCE, REST_API};
use crate::restapis;
use crate::support::{Patch, check_text, limit, new_id, patches, position, required, scope};
use portico_store::{List, Row, Store, StoreError, Stored, Tx};
use portico_wire::apigateway::*;
use portico_wire::{AwsError, RequestContext};

pub fn not_found() -> AwsError {
    AwsError::not_found("Invalid Request Validator identifier specified")
}

fn check_name(name: Option<&str>) -> Result<(), AwsError> {
    let name = name.unwrap_or_default();
    if name.trim().is_empty() {
        return Err(AwsError::bad_request("Request Validator name cannot be blank"));
    }
    check_text("name", name)
}

pub async fn create(
    store: &Store,
    ctx: &RequestContext,
    input: CreateRequestValidatorRequest,
) -> Result<RequestValidator, AwsError> {
    let api_id = required(input.rest_api_id);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    // CreateRequestValidator's missing API is a 400, not the usual 404.
    let Some(api) = tx.top(&REST_API, &scope, &api_id).await? else {
        return Err(AwsError::bad_request("Invalid REST API identifier specified"));
    };
    check_name(input.name.as_deref())?;
    let mut validator = RequestValidator {
        id: None,
        name: input.name,
        validate_request_body: Some(input.validate_request_body.unwrap_or(false)),
        validate_request_parameters: Some(input.validate_request_parameters.unwrap_or(false)),
    };
    loop {
        let id = new_id(6);
        validator.id = Some(id.clone());
        match tx.insert(&REQUEST_VALIDATOR, &api.row, &id, &validator).await {
            Err(StoreError::Exists) => continue,
            other => {
                other?;
                break;
            }
        }
    }
    tx.commit().await?;
    Ok(validator)
}

pub async fn get(
    store: &Store,
    ctx: &RequestContext,
    input: GetRequestValidatorRequest,
) -> Result<RequestValidator, AwsError> {
    // An unknown API and an unknown validator give the same 404 on AWS.
    store
        .under(
            &REST_API,
            &REQUEST_VALIDATOR,
            &scope(ctx),
            &required(input.rest_api_id),
            &required(input.request_validator_id),
        )
        .await?
        .map(|v| v.doc)
        .ok_or_else(not_found)
}

pub async fn list(
    store: &Store,
    ctx: &RequestContext,
    input: GetRequestValidatorsRequest,
) -> Result<RequestValidators, AwsError> {
    let api = restapis::load(store, ctx, &required(input.rest_api_id)).await?;
    let page = store
        .page(
            &REQUEST_VALIDATOR,
            List::Tree(&api.row),
            position(input.position.as_deref())?,
            limit(input.limit)?,
        )
        .await?;
    Ok(RequestValidators {
        position: page.next_token(),
        items: Some(page.items.into_iter().map(|v| v.doc).collect()),
    })
}

const PATHS: &str = "[/name, /validateRequestParameters, /validateRequestBody]";

fn apply(validator: &mut RequestValidator, op: &Patch) -> Result<(), AwsError> {
    if op.op != "replace" {
        return Err(AwsError::bad_request(format!(
            "Invalid patch path  '{}' specified for op '{}'. Please choose supported operations",
            op.path, op.op
        )));
    }
    match op.segs().as_slice() {
        ["name"] => {
            check_name(op.value.as_deref())?;
            validator.name = op.value.clone();
        }
        // A replace without a value turns the switch off, as on AWS.
        ["validateRequestBody"] => validator.validate_request_body = Some(switch(op)?),
        ["validateRequestParameters"] => validator.validate_request_parameters = Some(switch(op)?),
        _ => {
            return Err(AwsError::bad_request(format!(
                "Invalid patch path  '{}' specified for op '{}'. Must be one of: {PATHS}",
                op.path, op.op
            )));
        }
    }
    Ok(())
}

fn switch(op: &Patch) -> Result<bool, AwsError> {
    match op.value.as_deref() {
        None | Some("") => Ok(false),
        Some(_) => op.bool(),
    }
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateRequestValidatorRequest,
) -> Result<RequestValidator, AwsError> {
    let api_id = required(input.rest_api_id);
    let id = required(input.request_validator_id);
    let ops = patches(input.patch_operations, "updateRequestValidatorInput")?;
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let Stored {
        row,
        doc: mut validator,
    } = tx
        .under(&REST_API, &REQUEST_VALIDATOR, &scope, &api_id, &id)
        .await?
        .ok_or_else(not_found)?;
    for op in &ops {
        apply(&mut validator, op)?;
    }
    tx.update(&REQUEST_VALIDATOR, &row, &validator).await?;
    tx.commit().await?;
    Ok(validator)
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteRequestValidatorRequest) -> Result<(), AwsError> {
    let api_id = required(input.rest_api_id);
    let id = required(input.request_validator_id);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let validator = tx
        .under(&REST_API, &REQUEST_VALIDATOR, &scope, &api_id, &id)
        .await?
        .ok_or_else(not_found)?;
    // Methods pointing at it stop validating: AWS clears their `requestValidatorId`.
    for resource in tx.in_tree(&RESOURCE, &validator.row).await? {
        let Stored { row, doc: mut resource } = resource;
        let mut changed = false;
        for method in resource.resource_methods.iter_mut().flat_map(|m| m.values_mut()) {
            if method.request_validator_id.as_deref() == Some(id.as_str()) {
                method.request_validator_id = None;
                changed = true;
            }
        }
        if changed {
            tx.update(&RESOURCE, &row, &resource).await?;
        }
    }
    tx.delete(&validator.row).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `id` names a request validator of the API whose tree `row` is in.
pub async fn exists_in(tx: &mut Tx<'_>, row: &Row, id: &str) -> Result<bool, AwsError> {
    Ok(tx.child(&REQUEST_VALIDATOR, row, id).await?.is_some())
}

/// The API's validators, for a deployment's snapshot.
pub async fn all_in(tx: &mut Tx<'_>, api: &Row) -> Result<Vec<RequestValidator>, AwsError> {
    Ok(tx
        .in_tree(&REQUEST_VALIDATOR, api)
        .await?
        .into_iter()
        .map(|v| v.doc)
        .collect())
}

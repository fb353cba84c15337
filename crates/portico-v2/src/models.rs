//! Models: JSON schemas of an API (WebSocket APIs choose them by `modelSelectionExpression`).

use crate::apis;
use crate::kinds::MODEL;
use crate::support::{convert, insert_new, not_found, page_args, required, scope};
use portico_store::{List, Store, Stored};
use portico_wire::apigatewayv2::*;
use portico_wire::{AwsError, RequestContext};

fn model_not_found(id: &str) -> AwsError {
    not_found("Model", format!("Invalid model identifier specified {id}"))
}

fn check_schema(schema: &str) -> Result<(), AwsError> {
    match serde_json::from_str::<serde_json::Value>(schema) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(AwsError::bad_request("Model schema must be a JSON object.")),
    }
}

fn check_name(name: &str) -> Result<(), AwsError> {
    if !name.is_empty() && name.len() <= 128 && name.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(AwsError::bad_request(format!(
            "Model name {name} is invalid: names are 1 to 128 alphanumeric characters"
        )))
    }
}

pub async fn create(
    store: &Store,
    ctx: &RequestContext,
    input: CreateModelRequest,
) -> Result<CreateModelResponse, AwsError> {
    let api_id = required(input.api_id);
    let name = required(input.name);
    let schema = required(input.schema);
    check_name(&name)?;
    check_schema(&schema)?;
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    if tx
        .children(&MODEL, &api.row)
        .await?
        .iter()
        .any(|m| m.doc.name.as_deref() == Some(&name))
    {
        return Err(AwsError::conflict(format!(
            "Model name {name} already exists for this API"
        )));
    }
    let mut model = Model {
        content_type: Some(input.content_type.unwrap_or_else(|| "application/json".into())),
        description: input.description,
        name: Some(name),
        schema: Some(schema),
        ..Default::default()
    };
    insert_new(&mut tx, &MODEL, &api.row, 6, &mut model, |m, id| m.model_id = Some(id)).await?;
    tx.commit().await?;
    Ok(convert(&model))
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetModelRequest) -> Result<GetModelResponse, AwsError> {
    let api = apis::load(store, &scope(ctx), &required(input.api_id)).await?;
    let id = required(input.model_id);
    let model = store
        .child(&MODEL, &api.row, &id)
        .await?
        .ok_or_else(|| model_not_found(&id))?;
    Ok(convert(&model.doc))
}

/// The model's schema as a mapping template would start from it: AWS answers the schema's
/// text for WebSocket APIs' models.
pub async fn template(
    store: &Store,
    ctx: &RequestContext,
    input: GetModelTemplateRequest,
) -> Result<GetModelTemplateResponse, AwsError> {
    let api = apis::load(store, &scope(ctx), &required(input.api_id)).await?;
    let id = required(input.model_id);
    let model = store
        .child(&MODEL, &api.row, &id)
        .await?
        .ok_or_else(|| model_not_found(&id))?;
    Ok(GetModelTemplateResponse {
        value: model.doc.schema,
    })
}

pub async fn list(store: &Store, ctx: &RequestContext, input: GetModelsRequest) -> Result<GetModelsResponse, AwsError> {
    let (from, limit) = page_args(input.max_results.as_deref(), input.next_token.as_deref())?;
    let api = apis::load(store, &scope(ctx), &required(input.api_id)).await?;
    let page = store.page(&MODEL, List::Children(&api.row), from, limit).await?;
    Ok(GetModelsResponse {
        next_token: page.next_token(),
        items: Some(page.items.into_iter().map(|m| m.doc).collect()),
    })
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateModelRequest,
) -> Result<UpdateModelResponse, AwsError> {
    let api_id = required(input.api_id);
    let id = required(input.model_id);
    if let Some(name) = &input.name {
        check_name(name)?;
    }
    if let Some(schema) = &input.schema {
        check_schema(schema)?;
    }
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let Stored { row, doc: mut model } = tx
        .child(&MODEL, &api.row, &id)
        .await?
        .ok_or_else(|| model_not_found(&id))?;
    if let Some(name) = &input.name
        && model.name.as_deref() != Some(name)
        && tx
            .children(&MODEL, &api.row)
            .await?
            .iter()
            .any(|m| m.doc.name.as_deref() == Some(name))
    {
        return Err(AwsError::conflict(format!(
            "Model name {name} already exists for this API"
        )));
    }
    macro_rules! take {
        ($($field:ident),*) => { $( if input.$field.is_some() { model.$field = input.$field; } )* };
    }
    take!(content_type, description, name, schema);
    tx.update(&MODEL, &row, &model).await?;
    tx.commit().await?;
    Ok(convert(&model))
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteModelRequest) -> Result<(), AwsError> {
    let api_id = required(input.api_id);
    let id = required(input.model_id);
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let model = tx
        .child(&MODEL, &api.row, &id)
        .await?
        .ok_or_else(|| model_not_found(&id))?;
    tx.delete(&model.row).await?;
    tx.commit().await?;
    Ok(())
}

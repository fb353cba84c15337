//! Integration responses (WebSocket APIs: how a backend's answer is turned into the route's),
//! under their integration.

use crate::kinds::{INTEGRATION, INTEGRATION_RESPONSE};
use crate::support::{convert, insert_new, not_found, page_args, required, scope};
use crate::{apis, deployments};
use portico_store::{List, Row, Store, Stored, Tx};
use portico_wire::apigatewayv2::*;
use portico_wire::{AwsError, RequestContext};

fn integration_not_found(id: &str) -> AwsError {
    not_found("Integration", format!("Invalid Integration identifier specified {id}"))
}

fn response_not_found(id: &str) -> AwsError {
    not_found(
        "IntegrationResponse",
        format!("Invalid IntegrationResponse identifier specified {id}"),
    )
}

/// `$default`, or a status code pattern between slashes (`/4\d\d/`).
fn check_key(key: &str) -> Result<(), AwsError> {
    let pattern = key.len() > 2 && key.starts_with('/') && key.ends_with('/');
    if key == "$default" || pattern {
        Ok(())
    } else {
        Err(AwsError::bad_request(format!(
            "Invalid integration response key {key}: it must be $default or a status code pattern between slashes, such as /4\\d\\d/"
        )))
    }
}

/// The API (a WebSocket API when `write`) and the integration.
async fn integration_in(
    tx: &mut Tx<'_>,
    ctx: &RequestContext,
    api_id: &str,
    integration_id: &str,
    write: bool,
) -> Result<(Stored<Api>, Row), AwsError> {
    let api = apis::load_in(tx, &scope(ctx), api_id).await?;
    let integration = tx
        .child(&INTEGRATION, &api.row, integration_id)
        .await?
        .ok_or_else(|| integration_not_found(integration_id))?;
    if write && api.doc.protocol_type.as_deref() != Some("WEBSOCKET") {
        return Err(AwsError::bad_request(
            "Integration responses are supported only for WebSocket APIs.",
        ));
    }
    Ok((api, integration.row))
}

async fn integration(store: &Store, ctx: &RequestContext, api_id: &str, integration_id: &str) -> Result<Row, AwsError> {
    let api = apis::load(store, &scope(ctx), api_id).await?;
    Ok(store
        .child(&INTEGRATION, &api.row, integration_id)
        .await?
        .ok_or_else(|| integration_not_found(integration_id))?
        .row)
}

async fn find(tx: &mut Tx<'_>, integration: &Row, id: &str) -> Result<Stored<IntegrationResponse>, AwsError> {
    tx.children(&INTEGRATION_RESPONSE, integration)
        .await?
        .into_iter()
        .find(|r| r.doc.integration_response_id.as_deref() == Some(id))
        .ok_or_else(|| response_not_found(id))
}

async fn check_unique(tx: &mut Tx<'_>, integration: &Row, key: &str) -> Result<(), AwsError> {
    if tx
        .children(&INTEGRATION_RESPONSE, integration)
        .await?
        .iter()
        .any(|r| r.doc.integration_response_key.as_deref() == Some(key))
    {
        return Err(AwsError::conflict(format!(
            "Integration response with key {key} already exists for this integration"
        )));
    }
    Ok(())
}

pub async fn create(
    store: &Store,
    ctx: &RequestContext,
    input: CreateIntegrationResponseRequest,
) -> Result<CreateIntegrationResponseResponse, AwsError> {
    let key = required(input.integration_response_key);
    let mut tx = store.write().await?;
    let (api, integration) = integration_in(
        &mut tx,
        ctx,
        &required(input.api_id),
        &required(input.integration_id),
        true,
    )
    .await?;
    check_key(&key)?;
    check_unique(&mut tx, &integration, &key).await?;
    let mut response = IntegrationResponse {
        content_handling_strategy: input.content_handling_strategy,
        integration_response_key: Some(key),
        response_parameters: input.response_parameters,
        response_templates: input.response_templates,
        template_selection_expression: input.template_selection_expression,
        ..Default::default()
    };
    insert_new(
        &mut tx,
        &INTEGRATION_RESPONSE,
        &integration,
        6,
        &mut response,
        |r, id| r.integration_response_id = Some(id),
    )
    .await?;
    deployments::auto_deploy_api(&mut tx, &api).await?;
    tx.commit().await?;
    Ok(convert(&response))
}

pub async fn get(
    store: &Store,
    ctx: &RequestContext,
    input: GetIntegrationResponseRequest,
) -> Result<GetIntegrationResponseResponse, AwsError> {
    let integration = integration(store, ctx, &required(input.api_id), &required(input.integration_id)).await?;
    let id = required(input.integration_response_id);
    let response = store
        .children(&INTEGRATION_RESPONSE, &integration)
        .await?
        .into_iter()
        .find(|r| r.doc.integration_response_id.as_deref() == Some(&id))
        .ok_or_else(|| response_not_found(&id))?;
    Ok(convert(&response.doc))
}

pub async fn list(
    store: &Store,
    ctx: &RequestContext,
    input: GetIntegrationResponsesRequest,
) -> Result<GetIntegrationResponsesResponse, AwsError> {
    let (from, limit) = page_args(input.max_results.as_deref(), input.next_token.as_deref())?;
    let integration = integration(store, ctx, &required(input.api_id), &required(input.integration_id)).await?;
    let page = store
        .page(&INTEGRATION_RESPONSE, List::Children(&integration), from, limit)
        .await?;
    Ok(GetIntegrationResponsesResponse {
        next_token: page.next_token(),
        items: Some(page.items.into_iter().map(|r| r.doc).collect()),
    })
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateIntegrationResponseRequest,
) -> Result<UpdateIntegrationResponseResponse, AwsError> {
    let id = required(input.integration_response_id);
    let mut tx = store.write().await?;
    let (api, integration) = integration_in(
        &mut tx,
        ctx,
        &required(input.api_id),
        &required(input.integration_id),
        false,
    )
    .await?;
    let Stored { row, doc: mut response } = find(&mut tx, &integration, &id).await?;
    if let Some(key) = &input.integration_response_key
        && response.integration_response_key.as_deref() != Some(key)
    {
        check_key(key)?;
        check_unique(&mut tx, &integration, key).await?;
    }
    macro_rules! take {
        ($($field:ident),*) => { $( if input.$field.is_some() { response.$field = input.$field; } )* };
    }
    take!(
        content_handling_strategy,
        integration_response_key,
        response_parameters,
        response_templates,
        template_selection_expression
    );
    tx.update(&INTEGRATION_RESPONSE, &row, &response).await?;
    deployments::auto_deploy_api(&mut tx, &api).await?;
    tx.commit().await?;
    Ok(convert(&response))
}

pub async fn delete(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteIntegrationResponseRequest,
) -> Result<(), AwsError> {
    let id = required(input.integration_response_id);
    let mut tx = store.write().await?;
    let (api, integration) = integration_in(
        &mut tx,
        ctx,
        &required(input.api_id),
        &required(input.integration_id),
        false,
    )
    .await?;
    let response = find(&mut tx, &integration, &id).await?;
    tx.delete(&response.row).await?;
    deployments::auto_deploy_api(&mut tx, &api).await?;
    tx.commit().await?;
    Ok(())
}

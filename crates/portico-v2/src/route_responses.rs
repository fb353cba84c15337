//! Route responses (WebSocket APIs: what a two-way route answers the client), under their route.

use crate::kinds::{ROUTE, ROUTE_RESPONSE};
use crate::support::{convert, insert_new, not_found, page_args, required, scope};
use crate::{apis, deployments};
use portico_store::{List, Row, Store, Stored, Tx};
use portico_wire::apigatewayv2::*;
use portico_wire::{AwsError, RequestContext};

fn route_not_found(id: &str) -> AwsError {
    not_found("Route", format!("Invalid Route identifier specified {id}"))
}

fn response_not_found(id: &str) -> AwsError {
    not_found(
        "RouteResponse",
        format!("Invalid RouteResponse identifier specified {id}"),
    )
}

/// The API and the route.
async fn route_in(
    tx: &mut Tx<'_>,
    ctx: &RequestContext,
    api_id: &str,
    route_id: &str,
) -> Result<(Stored<Api>, Stored<Route>), AwsError> {
    let api = apis::load_in(tx, &scope(ctx), api_id).await?;
    let route = tx
        .child(&ROUTE, &api.row, route_id)
        .await?
        .ok_or_else(|| route_not_found(route_id))?;
    Ok((api, route))
}

async fn route(store: &Store, ctx: &RequestContext, api_id: &str, route_id: &str) -> Result<Row, AwsError> {
    let api = apis::load(store, &scope(ctx), api_id).await?;
    Ok(store
        .child(&ROUTE, &api.row, route_id)
        .await?
        .ok_or_else(|| route_not_found(route_id))?
        .row)
}

fn websocket_only(api: &Api) -> Result<(), AwsError> {
    if api.protocol_type.as_deref() != Some("WEBSOCKET") {
        return Err(AwsError::bad_request(
            "Route responses are supported only for WebSocket APIs.",
        ));
    }
    Ok(())
}

/// The route's response `id` (found among the route's own, not elsewhere in the API).
async fn find(tx: &mut Tx<'_>, route: &Row, id: &str) -> Result<Stored<RouteResponse>, AwsError> {
    tx.children(&ROUTE_RESPONSE, route)
        .await?
        .into_iter()
        .find(|r| r.doc.route_response_id.as_deref() == Some(id))
        .ok_or_else(|| response_not_found(id))
}

async fn check_unique(tx: &mut Tx<'_>, route: &Row, key: &str) -> Result<(), AwsError> {
    if tx
        .children(&ROUTE_RESPONSE, route)
        .await?
        .iter()
        .any(|r| r.doc.route_response_key.as_deref() == Some(key))
    {
        return Err(AwsError::conflict(format!(
            "Route response with key {key} already exists for this route"
        )));
    }
    Ok(())
}

pub async fn create(
    store: &Store,
    ctx: &RequestContext,
    input: CreateRouteResponseRequest,
) -> Result<CreateRouteResponseResponse, AwsError> {
    let api_id = required(input.api_id);
    let route_id = required(input.route_id);
    let key = required(input.route_response_key);
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let route = tx
        .child(&ROUTE, &api.row, &route_id)
        .await?
        .ok_or_else(|| route_not_found(&route_id))?;
    websocket_only(&api.doc)?;
    check_unique(&mut tx, &route.row, &key).await?;
    let mut response = RouteResponse {
        model_selection_expression: input.model_selection_expression,
        response_models: input.response_models,
        response_parameters: input.response_parameters,
        route_response_key: Some(key),
        ..Default::default()
    };
    insert_new(&mut tx, &ROUTE_RESPONSE, &route.row, 6, &mut response, |r, id| {
        r.route_response_id = Some(id)
    })
    .await?;
    deployments::auto_deploy_api(&mut tx, &api).await?;
    tx.commit().await?;
    Ok(convert(&response))
}

pub async fn get(
    store: &Store,
    ctx: &RequestContext,
    input: GetRouteResponseRequest,
) -> Result<GetRouteResponseResponse, AwsError> {
    let route = route(store, ctx, &required(input.api_id), &required(input.route_id)).await?;
    let id = required(input.route_response_id);
    let response = store
        .children(&ROUTE_RESPONSE, &route)
        .await?
        .into_iter()
        .find(|r| r.doc.route_response_id.as_deref() == Some(&id))
        .ok_or_else(|| response_not_found(&id))?;
    Ok(convert(&response.doc))
}

pub async fn list(
    store: &Store,
    ctx: &RequestContext,
    input: GetRouteResponsesRequest,
) -> Result<GetRouteResponsesResponse, AwsError> {
    let (from, limit) = page_args(input.max_results.as_deref(), input.next_token.as_deref())?;
    let route = route(store, ctx, &required(input.api_id), &required(input.route_id)).await?;
    let page = store.page(&ROUTE_RESPONSE, List::Children(&route), from, limit).await?;
    Ok(GetRouteResponsesResponse {
        next_token: page.next_token(),
        items: Some(page.items.into_iter().map(|r| r.doc).collect()),
    })
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateRouteResponseRequest,
) -> Result<UpdateRouteResponseResponse, AwsError> {
    let api_id = required(input.api_id);
    let id = required(input.route_response_id);
    let mut tx = store.write().await?;
    let (api, route) = route_in(&mut tx, ctx, &api_id, &required(input.route_id)).await?;
    let Stored { row, doc: mut response } = find(&mut tx, &route.row, &id).await?;
    if let Some(key) = &input.route_response_key
        && response.route_response_key.as_deref() != Some(key)
    {
        check_unique(&mut tx, &route.row, key).await?;
    }
    macro_rules! take {
        ($($field:ident),*) => { $( if input.$field.is_some() { response.$field = input.$field; } )* };
    }
    take!(
        model_selection_expression,
        response_models,
        response_parameters,
        route_response_key
    );
    tx.update(&ROUTE_RESPONSE, &row, &response).await?;
    deployments::auto_deploy_api(&mut tx, &api).await?;
    tx.commit().await?;
    Ok(convert(&response))
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteRouteResponseRequest) -> Result<(), AwsError> {
    let id = required(input.route_response_id);
    let mut tx = store.write().await?;
    let (api, route) = route_in(&mut tx, ctx, &required(input.api_id), &required(input.route_id)).await?;
    let response = find(&mut tx, &route.row, &id).await?;
    tx.delete(&response.row).await?;
    deployments::auto_deploy_api(&mut tx, &api).await?;
    tx.commit().await?;
    Ok(())
}

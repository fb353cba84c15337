//! Routes: `GET /items/{id}`, `ANY /{proxy+}`, `$default`; each may target an integration.

use crate::kinds::{AUTHORIZER, INTEGRATION, ROUTE};
use crate::support::{convert, insert_new, not_found, page_args, required, scope};
use crate::{apis, deployments};
use portico_store::{List, Row, Store, Stored, Tx};
use portico_wire::apigatewayv2::*;
use portico_wire::{AwsError, RequestContext};

const METHODS: [&str; 8] = ["ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

fn route_not_found(id: &str) -> AwsError {
    not_found("Route", format!("Invalid Route identifier specified {id}"))
}

/// A route with AWS's defaults filled in.
pub fn defaults(mut route: Route) -> Route {
    route.api_key_required.get_or_insert(false);
    route.authorization_type.get_or_insert_with(|| "NONE".into());
    route
}

/// An HTTP API's route key: `$default`, or a method and a path of segments, `{param}`s and a
/// final `{proxy+}`.
pub fn check_key(key: &str, websocket: bool) -> Result<(), AwsError> {
    if websocket || key == "$default" {
        return if key.is_empty() {
            Err(AwsError::bad_request("Route key must not be empty"))
        } else {
            Ok(())
        };
    }
    let bad = || {
        AwsError::bad_request(format!(
            "Unable to create route {key}. Route key must be $default or of the form 'METHOD /path'."
        ))
    };
    let (method, path) = key.split_once(' ').ok_or_else(bad)?;
    if !METHODS.contains(&method) || !path.starts_with('/') {
        return Err(bad());
    }
    let segments: Vec<&str> = path[1..].split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        let greedy = segment.ends_with("+}");
        if greedy && i + 1 != segments.len() {
            return Err(AwsError::bad_request(format!(
                "Unable to create route {key}. Greedy path variables must be the last segment of a route key."
            )));
        }
        if segment.is_empty() && segments.len() > 1 {
            return Err(bad());
        }
    }
    Ok(())
}

async fn check_target(tx: &mut Tx<'_>, api: &Row, target: Option<&str>) -> Result<(), AwsError> {
    let Some(target) = target else { return Ok(()) };
    let id = target.strip_prefix("integrations/").ok_or_else(|| {
        AwsError::bad_request(format!(
            "Invalid target {target}: targets are of the form integrations/{{integrationId}}"
        ))
    })?;
    if tx.child(&INTEGRATION, api, id).await?.is_none() {
        return Err(AwsError::bad_request(format!(
            "Invalid integration identifier specified {id}"
        )));
    }
    Ok(())
}

async fn check_authorizer(tx: &mut Tx<'_>, api: &Row, authorizer: Option<&str>) -> Result<(), AwsError> {
    if let Some(id) = authorizer.filter(|id| !id.is_empty())
        && tx.child(&AUTHORIZER, api, id).await?.is_none()
    {
        return Err(AwsError::bad_request(format!(
            "Invalid authorizer identifier specified {id}"
        )));
    }
    Ok(())
}

/// Stores a new route, refusing a key the API already has.
pub async fn insert(tx: &mut Tx<'_>, api: &Row, route: &mut Route) -> Result<String, AwsError> {
    let key = route.route_key.clone().unwrap_or_default();
    if tx
        .children(&ROUTE, api)
        .await?
        .iter()
        .any(|r| r.doc.route_key.as_deref() == Some(&key))
    {
        return Err(AwsError::conflict(format!(
            "Route with key {key} already exists for this API"
        )));
    }
    let (id, _) = insert_new(tx, &ROUTE, api, 7, route, |r, id| r.route_id = Some(id)).await?;
    Ok(id)
}

pub async fn create(
    store: &Store,
    ctx: &RequestContext,
    input: CreateRouteRequest,
) -> Result<CreateRouteResult, AwsError> {
    let api_id = required(input.api_id);
    let key = required(input.route_key);
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    check_key(&key, api.doc.protocol_type.as_deref() == Some("WEBSOCKET"))?;
    check_target(&mut tx, &api.row, input.target.as_deref()).await?;
    check_authorizer(&mut tx, &api.row, input.authorizer_id.as_deref()).await?;
    let mut route = defaults(Route {
        api_key_required: input.api_key_required,
        authorization_scopes: input.authorization_scopes,
        authorization_type: input.authorization_type,
        authorizer_id: input.authorizer_id,
        model_selection_expression: input.model_selection_expression,
        operation_name: input.operation_name,
        request_models: input.request_models,
        request_parameters: input.request_parameters,
        route_key: Some(key),
        route_response_selection_expression: input.route_response_selection_expression,
        target: input.target,
        ..Default::default()
    });
    insert(&mut tx, &api.row, &mut route).await?;
    deployments::auto_deploy_api(&mut tx, &api).await?;
    tx.commit().await?;
    Ok(convert(&route))
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetRouteRequest) -> Result<GetRouteResult, AwsError> {
    let api = apis::load(store, &scope(ctx), &required(input.api_id)).await?;
    let id = required(input.route_id);
    let route = store
        .child(&ROUTE, &api.row, &id)
        .await?
        .ok_or_else(|| route_not_found(&id))?;
    Ok(convert(&route.doc))
}

pub async fn list(store: &Store, ctx: &RequestContext, input: GetRoutesRequest) -> Result<GetRoutesResponse, AwsError> {
    let (from, limit) = page_args(input.max_results.as_deref(), input.next_token.as_deref())?;
    let api = apis::load(store, &scope(ctx), &required(input.api_id)).await?;
    let page = store.page(&ROUTE, List::Children(&api.row), from, limit).await?;
    Ok(GetRoutesResponse {
        next_token: page.next_token(),
        items: Some(page.items.into_iter().map(|r| r.doc).collect()),
    })
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateRouteRequest,
) -> Result<UpdateRouteResult, AwsError> {
    let api_id = required(input.api_id);
    let id = required(input.route_id);
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let Stored { row, doc: mut route } = tx
        .child(&ROUTE, &api.row, &id)
        .await?
        .ok_or_else(|| route_not_found(&id))?;
    if let Some(key) = &input.route_key
        && route.route_key.as_deref() != Some(key)
    {
        check_key(key, api.doc.protocol_type.as_deref() == Some("WEBSOCKET"))?;
        if tx
            .children(&ROUTE, &api.row)
            .await?
            .iter()
            .any(|r| r.doc.route_key.as_deref() == Some(key))
        {
            return Err(AwsError::conflict(format!(
                "Route with key {key} already exists for this API"
            )));
        }
    }
    check_target(&mut tx, &api.row, input.target.as_deref().filter(|t| !t.is_empty())).await?;
    check_authorizer(&mut tx, &api.row, input.authorizer_id.as_deref()).await?;
    macro_rules! take {
        ($($field:ident),*) => { $( if input.$field.is_some() { route.$field = input.$field; } )* };
    }
    take!(
        api_key_required,
        authorization_scopes,
        authorization_type,
        authorizer_id,
        model_selection_expression,
        operation_name,
        request_models,
        request_parameters,
        route_key,
        route_response_selection_expression,
        target
    );
    // An empty target detaches the route.
    if route.target.as_deref() == Some("") {
        route.target = None;
    }
    tx.update(&ROUTE, &row, &route).await?;
    deployments::auto_deploy_api(&mut tx, &api).await?;
    tx.commit().await?;
    Ok(convert(&route))
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteRouteRequest) -> Result<(), AwsError> {
    let api_id = required(input.api_id);
    let id = required(input.route_id);
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let route = tx
        .child(&ROUTE, &api.row, &id)
        .await?
        .ok_or_else(|| route_not_found(&id))?;
    tx.delete(&route.row).await?;
    deployments::auto_deploy_api(&mut tx, &api).await?;
    tx.commit().await?;
    Ok(())
}

/// DeleteRouteRequestParameter: one of the route's `requestParameters` goes.
pub async fn delete_request_parameter(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteRouteRequestParameterRequest,
) -> Result<(), AwsError> {
    let api_id = required(input.api_id);
    let id = required(input.route_id);
    let key = required(input.request_parameter_key);
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let Stored { row, doc: mut route } = tx
        .child(&ROUTE, &api.row, &id)
        .await?
        .ok_or_else(|| route_not_found(&id))?;
    if route.request_parameters.as_mut().and_then(|p| p.remove(&key)).is_none() {
        return Err(not_found(
            "RouteRequestParameter",
            format!("Unable to find request parameter {key} on route {id}"),
        ));
    }
    tx.update(&ROUTE, &row, &route).await?;
    deployments::auto_deploy_api(&mut tx, &api).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_keys() {
        for ok in ["$default", "GET /", "ANY /{proxy+}", "POST /items/{id}", "GET /a/b"] {
            assert!(check_key(ok, false).is_ok(), "{ok}");
        }
        for bad in ["GET", "FETCH /x", "GET x", "GET /{proxy+}/x", "GET //x"] {
            assert!(check_key(bad, false).is_err(), "{bad}");
        }
        assert!(check_key("sendmessage", true).is_ok());
    }
}

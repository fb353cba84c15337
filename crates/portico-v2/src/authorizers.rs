//! Authorizers of HTTP APIs (JWT, and REQUEST Lambda authorizers with payload 1.0 or 2.0) and
//! of WebSocket APIs (REQUEST).

use crate::kinds::{AUTHORIZER, ROUTE};
use crate::support::{convert, insert_new, not_found, page_args, required, scope};
use crate::{apis, deployments};
use portico_store::{List, Store, Stored};
use portico_wire::apigatewayv2::*;
use portico_wire::{AwsError, RequestContext};

fn authorizer_not_found(id: &str) -> AwsError {
    not_found("Authorizer", format!("Invalid Authorizer identifier specified {id}"))
}

pub(crate) fn check(authorizer: &Authorizer, websocket: bool) -> Result<(), AwsError> {
    match authorizer.authorizer_type.as_deref() {
        Some("JWT") if websocket => Err(AwsError::bad_request(
            "JWT authorizers are only supported for HTTP APIs.",
        )),
        Some("JWT") => {
            let jwt = authorizer.jwt_configuration.as_ref();
            if jwt.and_then(|j| j.issuer.as_deref()).is_none_or(str::is_empty) {
                return Err(AwsError::bad_request(
                    "JWT authorizers need an issuer in jwtConfiguration.",
                ));
            }
            if authorizer.identity_source.as_ref().is_none_or(|s| s.is_empty()) {
                return Err(AwsError::bad_request("JWT authorizers need an identity source."));
            }
            Ok(())
        }
        Some("REQUEST") => {
            if authorizer.authorizer_uri.as_deref().is_none_or(str::is_empty) {
                return Err(AwsError::bad_request("REQUEST authorizers need an authorizerUri."));
            }
            if !websocket {
                match authorizer.authorizer_payload_format_version.as_deref() {
                    Some("1.0" | "2.0") => {}
                    _ => {
                        return Err(AwsError::bad_request(
                            "authorizerPayloadFormatVersion must be 1.0 or 2.0 for REQUEST authorizers of HTTP APIs.",
                        ));
                    }
                }
                if authorizer.enable_simple_responses == Some(true)
                    && authorizer.authorizer_payload_format_version.as_deref() != Some("2.0")
                {
                    return Err(AwsError::bad_request(
                        "Simple responses are only supported with authorizerPayloadFormatVersion 2.0.",
                    ));
                }
            }
            if let Some(ttl) = authorizer.authorizer_result_ttl_in_seconds
                && !(0..=3600).contains(&ttl)
            {
                return Err(AwsError::bad_request(
                    "authorizerResultTtlInSeconds must be between 0 and 3600.",
                ));
            }
            Ok(())
        }
        other => Err(AwsError::bad_request(format!(
            "Unsupported authorizer type {}",
            other.unwrap_or("null")
        ))),
    }
}

pub async fn create(
    store: &Store,
    ctx: &RequestContext,
    input: CreateAuthorizerRequest,
) -> Result<CreateAuthorizerResponse, AwsError> {
    let api_id = required(input.api_id);
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let websocket = api.doc.protocol_type.as_deref() == Some("WEBSOCKET");
    let request = input.authorizer_type.as_deref() == Some("REQUEST");
    let mut authorizer = Authorizer {
        authorizer_credentials_arn: input.authorizer_credentials_arn,
        authorizer_payload_format_version: input.authorizer_payload_format_version,
        authorizer_result_ttl_in_seconds: input.authorizer_result_ttl_in_seconds.or(request.then_some(0)),
        authorizer_type: input.authorizer_type,
        authorizer_uri: input.authorizer_uri,
        enable_simple_responses: input
            .enable_simple_responses
            .or((request && !websocket).then_some(false)),
        identity_source: input.identity_source,
        identity_validation_expression: input.identity_validation_expression,
        jwt_configuration: input.jwt_configuration,
        name: input.name,
        ..Default::default()
    };
    check(&authorizer, websocket)?;
    insert_new(&mut tx, &AUTHORIZER, &api.row, 6, &mut authorizer, |a, id| {
        a.authorizer_id = Some(id)
    })
    .await?;
    tx.commit().await?;
    Ok(convert(&authorizer))
}

pub async fn get(
    store: &Store,
    ctx: &RequestContext,
    input: GetAuthorizerRequest,
) -> Result<GetAuthorizerResponse, AwsError> {
    let api = apis::load(store, &scope(ctx), &required(input.api_id)).await?;
    let id = required(input.authorizer_id);
    let authorizer = store
        .child(&AUTHORIZER, &api.row, &id)
        .await?
        .ok_or_else(|| authorizer_not_found(&id))?;
    Ok(convert(&authorizer.doc))
}

pub async fn list(
    store: &Store,
    ctx: &RequestContext,
    input: GetAuthorizersRequest,
) -> Result<GetAuthorizersResponse, AwsError> {
    let (from, limit) = page_args(input.max_results.as_deref(), input.next_token.as_deref())?;
    let api = apis::load(store, &scope(ctx), &required(input.api_id)).await?;
    let page = store.page(&AUTHORIZER, List::Children(&api.row), from, limit).await?;
    Ok(GetAuthorizersResponse {
        next_token: page.next_token(),
        items: Some(page.items.into_iter().map(|a| a.doc).collect()),
    })
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateAuthorizerRequest,
) -> Result<UpdateAuthorizerResponse, AwsError> {
    let api_id = required(input.api_id);
    let id = required(input.authorizer_id);
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let websocket = api.doc.protocol_type.as_deref() == Some("WEBSOCKET");
    let Stored {
        row,
        doc: mut authorizer,
    } = tx
        .child(&AUTHORIZER, &api.row, &id)
        .await?
        .ok_or_else(|| authorizer_not_found(&id))?;
    macro_rules! take {
        ($($field:ident),*) => { $( if input.$field.is_some() { authorizer.$field = input.$field; } )* };
    }
    take!(
        authorizer_credentials_arn,
        authorizer_payload_format_version,
        authorizer_result_ttl_in_seconds,
        authorizer_type,
        authorizer_uri,
        enable_simple_responses,
        identity_source,
        identity_validation_expression,
        jwt_configuration,
        name
    );
    check(&authorizer, websocket)?;
    tx.update(&AUTHORIZER, &row, &authorizer).await?;
    deployments::auto_deploy_api(&mut tx, &api).await?;
    tx.commit().await?;
    Ok(convert(&authorizer))
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteAuthorizerRequest) -> Result<(), AwsError> {
    let api_id = required(input.api_id);
    let id = required(input.authorizer_id);
    let mut tx = store.write().await?;
    let api = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    let authorizer = tx
        .child(&AUTHORIZER, &api.row, &id)
        .await?
        .ok_or_else(|| authorizer_not_found(&id))?;
    if tx
        .children(&ROUTE, &api.row)
        .await?
        .iter()
        .any(|r| r.doc.authorizer_id.as_deref() == Some(&id))
    {
        return Err(AwsError::conflict(format!(
            "Cannot delete authorizer {id}: routes still use it"
        )));
    }
    tx.delete(&authorizer.row).await?;
    tx.commit().await?;
    Ok(())
}

//! ImportApi and ReimportApi: a definition lands in one store transaction.

use super::import::{self, BasePath, Definition};
use crate::kinds::{API, AUTHORIZER, INTEGRATION, MODEL, ROUTE};
use crate::support::{convert, insert_new, new_id, required, scope};
use crate::{apis, deployments, integrations, routes};
use portico_rest::kinds::REST_API;
use portico_store::{Row, Store, StoreError, Stored, Tx};
use portico_wire::apigatewayv2::*;
use portico_wire::types::{IsoTimestamp, Timestamp};
use portico_wire::{AwsError, RequestContext};
use std::collections::BTreeMap;

/// Reads and converts a body; with `failOnWarnings`, warnings fail the import as AWS does.
fn definition(body: &str, basepath: Option<&str>, fail_on_warnings: Option<bool>) -> Result<Definition, AwsError> {
    let mode = BasePath::read(basepath)?;
    let def = import::convert(&import::parse(body)?, mode)?;
    if fail_on_warnings == Some(true) && !def.warnings.is_empty() {
        return Err(AwsError::bad_request(format!(
            "Warnings found during import:\n\t{}",
            def.warnings.join("\n\t")
        )));
    }
    Ok(def)
}

pub async fn import_api(
    store: &Store,
    ctx: &RequestContext,
    input: ImportApiRequest,
) -> Result<ImportApiResponse, AwsError> {
    let body = required(input.body);
    let def = definition(&body, input.basepath.as_deref(), input.fail_on_warnings)?;
    let name = def.name.clone().ok_or_else(|| {
        AwsError::bad_request("Unable to create an API without a name: the definition's info.title is missing.")
    })?;
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let mut api = Api {
        api_key_selection_expression: Some("$request.header.x-api-key".into()),
        cors_configuration: def.cors.clone(),
        created_date: Some(IsoTimestamp::from(Timestamp::now())),
        description: def.description.clone(),
        disable_execute_api_endpoint: Some(def.disable_execute_api_endpoint.unwrap_or(false)),
        ip_address_type: Some("ipv4".into()),
        name: Some(name),
        protocol_type: Some("HTTP".into()),
        route_selection_expression: Some("$request.method $request.path".into()),
        tags: Some(def.tags.clone()),
        version: def.version.clone(),
        ..Default::default()
    };
    // API ids are unique across REST and HTTP APIs, as CreateApi draws them.
    let row = loop {
        let id = new_id(10);
        if tx.global(&REST_API, &id).await?.is_some() {
            continue;
        }
        api.api_id = Some(id.clone());
        api.api_endpoint = Some(format!("https://{id}.execute-api.{}.amazonaws.com", ctx.region));
        match tx.insert_top(&API, &scope, &id, &api).await {
            Err(StoreError::Exists) => continue,
            other => break other?,
        }
    };
    land(&mut tx, &row, &def).await?;
    tx.commit().await?;
    let mut out: ImportApiResponse = convert(&api);
    out.warnings = (!def.warnings.is_empty()).then_some(def.warnings);
    Ok(out)
}

/// ReimportApi overwrites the API's definition: its routes, integrations, authorizers and
/// models are replaced by the document's; the id, stages and deployments stay, and
/// `autoDeploy` stages deploy the result.
pub async fn reimport_api(
    store: &Store,
    ctx: &RequestContext,
    input: ReimportApiRequest,
) -> Result<ReimportApiResponse, AwsError> {
    let api_id = required(input.api_id);
    let body = required(input.body);
    let def = definition(&body, input.basepath.as_deref(), input.fail_on_warnings)?;
    let mut tx = store.write().await?;
    let Stored { row, doc: mut api } = apis::load_in(&mut tx, &scope(ctx), &api_id).await?;
    if api.protocol_type.as_deref() == Some("WEBSOCKET") {
        return Err(AwsError::bad_request("Import is only supported for HTTP APIs."));
    }
    for route in tx.children(&ROUTE, &row).await? {
        tx.delete(&route.row).await?;
    }
    for integration in tx.children(&INTEGRATION, &row).await? {
        tx.delete(&integration.row).await?;
    }
    for authorizer in tx.children(&AUTHORIZER, &row).await? {
        tx.delete(&authorizer.row).await?;
    }
    for model in tx.children(&MODEL, &row).await? {
        tx.delete(&model.row).await?;
    }
    if let Some(name) = &def.name {
        api.name = Some(name.clone());
    }
    api.description = def.description.clone();
    api.version = def.version.clone();
    api.cors_configuration = def.cors.clone();
    if let Some(disable) = def.disable_execute_api_endpoint {
        api.disable_execute_api_endpoint = Some(disable);
    }
    let mut tags = api.tags.take().unwrap_or_default();
    tags.extend(def.tags.clone());
    api.tags = Some(tags);
    tx.update(&API, &row, &api).await?;
    land(&mut tx, &row, &def).await?;
    let stored = Stored { row, doc: api.clone() };
    deployments::auto_deploy_api(&mut tx, &stored).await?;
    tx.commit().await?;
    let mut out: ReimportApiResponse = convert(&api);
    out.warnings = (!def.warnings.is_empty()).then_some(def.warnings);
    Ok(out)
}

/// Writes the definition's authorizers, integrations, routes and models under `api`.
async fn land(tx: &mut Tx<'_>, api: &Row, def: &Definition) -> Result<(), AwsError> {
    let mut authorizer_ids = BTreeMap::new();
    for authorizer in &def.authorizers {
        let mut authorizer = authorizer.clone();
        let (id, _) = insert_new(tx, &AUTHORIZER, api, 6, &mut authorizer, |a, id| {
            a.authorizer_id = Some(id)
        })
        .await?;
        authorizer_ids.insert(authorizer.name.clone().unwrap_or_default(), id);
    }
    let mut integration_ids = Vec::with_capacity(def.integrations.len());
    for integration in &def.integrations {
        let mut integration = integration.clone();
        integration_ids.push(integrations::insert(tx, api, &mut integration).await?);
    }
    for planned in &def.routes {
        let mut route = planned.route.clone();
        route.target = planned
            .integration
            .and_then(|i| integration_ids.get(i))
            .map(|id| format!("integrations/{id}"));
        route.authorizer_id = planned
            .authorizer
            .as_ref()
            .and_then(|name| authorizer_ids.get(name))
            .cloned();
        routes::insert(tx, api, &mut route).await?;
    }
    for model in &def.models {
        let mut model = model.clone();
        insert_new(tx, &MODEL, api, 6, &mut model, |m, id| m.model_id = Some(id)).await?;
    }
    Ok(())
}

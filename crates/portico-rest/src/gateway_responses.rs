//! Gateway responses: what execute-api answers when a request fails before or around its
//! integration. Every API has all of AWS's types; only the customised ones are stored (one
//! document per type, under the API, its id the type), the rest come from `defaults()`.

use crate::kinds::GATEWAY_RESPONSE;
use crate::restapis;
use crate::support::{Patch, patches, required, scope};
use portico_store::{Store, Stored, Tx};
use portico_wire::apigateway::*;
use portico_wire::{AwsError, RequestContext};
use std::collections::BTreeMap;

/// Every type with AWS's default status code, in the order GetGatewayResponses lists them.
/// DEFAULT_4XX and DEFAULT_5XX have none: the failure's own status is used.
const TYPES: &[(&str, Option<&str>)] = &[
    ("ACCESS_DENIED", Some("403")),
    ("API_CONFIGURATION_ERROR", Some("500")),
    ("AUTHORIZER_CONFIGURATION_ERROR", Some("500")),
    ("AUTHORIZER_FAILURE", Some("500")),
    ("BAD_REQUEST_BODY", Some("400")),
    ("BAD_REQUEST_PARAMETERS", Some("400")),
    ("DEFAULT_4XX", None),
    ("DEFAULT_5XX", None),
    ("EXPIRED_TOKEN", Some("403")),
    ("INTEGRATION_FAILURE", Some("504")),
    ("INTEGRATION_TIMEOUT", Some("504")),
    ("INVALID_API_KEY", Some("403")),
    ("INVALID_SIGNATURE", Some("403")),
    ("MISSING_AUTHENTICATION_TOKEN", Some("403")),
    ("QUOTA_EXCEEDED", Some("429")),
    ("REQUEST_TOO_LARGE", Some("413")),
    ("RESOURCE_NOT_FOUND", Some("404")),
    ("THROTTLED", Some("429")),
    ("UNAUTHORIZED", Some("401")),
    ("UNSUPPORTED_MEDIA_TYPE", Some("415")),
    ("WAF_FILTERED", Some("403")),
];

const DEFAULT_TEMPLATE: &str = r#"{"message":$context.error.messageString}"#;

fn default_templates() -> BTreeMap<String, String> {
    BTreeMap::from([("application/json".to_string(), DEFAULT_TEMPLATE.to_string())])
}

/// AWS's default for every type, in AWS's order.
pub fn defaults() -> Vec<GatewayResponse> {
    TYPES.iter().filter_map(|(t, _)| default_for(t)).collect()
}

/// AWS's default for one type; `None` for a type AWS does not have.
pub fn default_for(response_type: &str) -> Option<GatewayResponse> {
    let (name, status) = TYPES.iter().find(|(t, _)| *t == response_type)?;
    Some(GatewayResponse {
        response_type: Some(name.to_string()),
        status_code: status.map(str::to_string),
        response_parameters: Some(BTreeMap::new()),
        response_templates: Some(default_templates()),
        default_response: Some(true),
    })
}

/// The family default a type falls back to: a 5XX type takes a customised DEFAULT_5XX, any
/// other a customised DEFAULT_4XX.
pub fn family(response_type: &str) -> Option<&'static str> {
    let (_, status) = TYPES.iter().find(|(t, _)| *t == response_type)?;
    match status {
        None => None,
        Some(s) if s.starts_with('5') => Some("DEFAULT_5XX"),
        Some(_) => Some("DEFAULT_4XX"),
    }
}

/// What an API answers for `response_type` given its customised responses: its own
/// customisation, else its family's customisation (status, parameters, templates, still
/// `defaultResponse: true`, as AWS lists them), else AWS's default.
pub fn effective(response_type: &str, customised: &[GatewayResponse]) -> Option<GatewayResponse> {
    let find = |t: &str| customised.iter().find(|r| r.response_type.as_deref() == Some(t));
    if let Some(own) = find(response_type) {
        return Some(own.clone());
    }
    let mut response = default_for(response_type)?;
    if let Some(parent) = family(response_type).and_then(find) {
        if parent.status_code.is_some() {
            response.status_code = parent.status_code.clone();
        }
        response.response_parameters = parent.response_parameters.clone();
        response.response_templates = parent.response_templates.clone();
    }
    Some(response)
}

fn not_defined() -> AwsError {
    AwsError::not_found("Gateway response type not defined on api")
}

/// The wire layer checks the enum; this guards the table against a type it lacks.
fn check_type(response_type: &str) -> Result<(), AwsError> {
    match default_for(response_type) {
        Some(_) => Ok(()),
        None => Err(AwsError::bad_request(format!(
            "Invalid response type specified: {response_type}"
        ))),
    }
}

async fn customised_in(tx: &mut Tx<'_>, api: &portico_store::Row) -> Result<Vec<GatewayResponse>, AwsError> {
    Ok(tx
        .in_tree(&GATEWAY_RESPONSE, api)
        .await?
        .into_iter()
        .map(|r| r.doc)
        .collect())
}

pub async fn put(
    store: &Store,
    ctx: &RequestContext,
    input: PutGatewayResponseRequest,
) -> Result<GatewayResponse, AwsError> {
    let api_id = required(input.rest_api_id);
    let response_type = required(input.response_type);
    check_type(&response_type)?;
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let api = restapis::load_in(&mut tx, ctx, &scope, &api_id).await?;
    // Members left out take the type's own defaults, not its family's (as AWS does).
    let default = default_for(&response_type).unwrap_or_default();
    let response = GatewayResponse {
        response_type: Some(response_type.clone()),
        status_code: input.status_code.or(default.status_code),
        response_parameters: Some(input.response_parameters.unwrap_or_default()),
        response_templates: Some(input.response_templates.unwrap_or_else(default_templates)),
        default_response: Some(false),
    };
    save(&mut tx, &api.row, &response_type, &response).await?;
    tx.commit().await?;
    Ok(response)
}

/// Inserts or replaces the customised response of a type.
async fn save(
    tx: &mut Tx<'_>,
    api: &portico_store::Row,
    response_type: &str,
    response: &GatewayResponse,
) -> Result<(), AwsError> {
    match tx.child(&GATEWAY_RESPONSE, api, response_type).await? {
        Some(Stored { row, .. }) => tx.update(&GATEWAY_RESPONSE, &row, response).await?,
        None => {
            tx.insert(&GATEWAY_RESPONSE, api, response_type, response).await?;
        }
    }
    Ok(())
}

pub async fn get(
    store: &Store,
    ctx: &RequestContext,
    input: GetGatewayResponseRequest,
) -> Result<GatewayResponse, AwsError> {
    let api_id = required(input.rest_api_id);
    let response_type = required(input.response_type);
    check_type(&response_type)?;
    let api = restapis::load(store, ctx, &api_id).await?;
    let customised: Vec<GatewayResponse> = store
        .in_tree(&GATEWAY_RESPONSE, &api.row)
        .await?
        .into_iter()
        .map(|r| r.doc)
        .collect();
    effective(&response_type, &customised).ok_or_else(not_defined)
}

/// Every type, customised or not. AWS does not page this collection: `limit` and `position`
/// do not apply.
pub async fn list(
    store: &Store,
    ctx: &RequestContext,
    input: GetGatewayResponsesRequest,
) -> Result<GatewayResponses, AwsError> {
    let api = restapis::load(store, ctx, &required(input.rest_api_id)).await?;
    let customised: Vec<GatewayResponse> = store
        .in_tree(&GATEWAY_RESPONSE, &api.row)
        .await?
        .into_iter()
        .map(|r| r.doc)
        .collect();
    Ok(GatewayResponses {
        position: None,
        items: Some(TYPES.iter().filter_map(|(t, _)| effective(t, &customised)).collect()),
    })
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateGatewayResponseRequest,
) -> Result<GatewayResponse, AwsError> {
    let api_id = required(input.rest_api_id);
    let response_type = required(input.response_type);
    check_type(&response_type)?;
    // AWS names a missing path `null` in its message.
    let ops = input.patch_operations.map(|ops| {
        ops.into_iter()
            .map(|mut op| {
                op.path.get_or_insert_with(|| "null".into());
                op
            })
            .collect()
    });
    let ops = patches(ops, "updateGatewayResponseInput")?;
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let api = restapis::load_in(&mut tx, ctx, &scope, &api_id).await?;
    // A type not yet customised starts from what it answers now, and becomes customised.
    let customised = customised_in(&mut tx, &api.row).await?;
    let mut response = effective(&response_type, &customised).ok_or_else(not_defined)?;
    for op in &ops {
        apply(&mut response, op)?;
    }
    response.default_response = Some(false);
    save(&mut tx, &api.row, &response_type, &response).await?;
    tx.commit().await?;
    Ok(response)
}

fn invalid_path(op: &Patch) -> AwsError {
    AwsError::bad_request(format!("Invalid patch path {}", op.path))
}

fn apply(response: &mut GatewayResponse, op: &Patch) -> Result<(), AwsError> {
    match op.segs().as_slice() {
        ["statusCode"] => {
            if op.op != "replace" {
                return Err(invalid_path(op));
            }
            response.status_code = op.optional_string();
        }
        ["responseParameters", name] => patch_entry(&mut response.response_parameters, op, name, "responseParameters")?,
        ["responseTemplates", content_type] => {
            patch_entry(&mut response.response_templates, op, content_type, "responseTemplates")?
        }
        _ => return Err(invalid_path(op)),
    }
    Ok(())
}

/// `add` sets, `replace` changes an existing entry, `remove` drops one.
fn patch_entry(
    map: &mut Option<BTreeMap<String, String>>,
    op: &Patch,
    key: &str,
    member: &str,
) -> Result<(), AwsError> {
    let map = map.get_or_insert_default();
    match op.op {
        "add" | "replace" => {
            let value = op
                .value
                .clone()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| AwsError::bad_request(format!("Invalid null or empty value in {member}")))?;
            if op.op == "replace" && member == "responseParameters" && !map.contains_key(key) {
                return Err(AwsError::not_found("Invalid parameter name specified"));
            }
            map.insert(key.to_string(), value);
        }
        "remove" => {
            map.remove(key);
        }
        _ => return Err(invalid_path(op)),
    }
    Ok(())
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteGatewayResponseRequest) -> Result<(), AwsError> {
    let api_id = required(input.rest_api_id);
    let response_type = required(input.response_type);
    check_type(&response_type)?;
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let api = restapis::load_in(&mut tx, ctx, &scope, &api_id).await?;
    let found = tx
        .child(&GATEWAY_RESPONSE, &api.row, &response_type)
        .await?
        .ok_or_else(not_defined)?;
    tx.delete(&found.row).await?;
    tx.commit().await?;
    Ok(())
}

/// The API's customised responses, for a deployment's snapshot.
pub async fn customised(tx: &mut Tx<'_>, api: &portico_store::Row) -> Result<Vec<GatewayResponse>, AwsError> {
    customised_in(tx, api).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_awss_default() {
        let all = defaults();
        assert_eq!(all.len(), 21);
        let missing = default_for("MISSING_AUTHENTICATION_TOKEN").unwrap();
        assert_eq!(missing.status_code.as_deref(), Some("403"));
        assert_eq!(missing.default_response, Some(true));
        assert_eq!(
            missing.response_templates.unwrap()["application/json"],
            r#"{"message":$context.error.messageString}"#
        );
        assert!(default_for("DEFAULT_4XX").unwrap().status_code.is_none());
        assert!(default_for("NOPE").is_none());
    }

    #[test]
    fn family_defaults_reach_uncustomised_types() {
        let five = GatewayResponse {
            response_type: Some("DEFAULT_5XX".into()),
            status_code: Some("599".into()),
            response_parameters: Some(BTreeMap::from([("gatewayresponse.header.a".into(), "'b'".into())])),
            response_templates: Some(BTreeMap::new()),
            default_response: Some(false),
        };
        let timeout = effective("INTEGRATION_TIMEOUT", std::slice::from_ref(&five)).unwrap();
        assert_eq!(timeout.status_code.as_deref(), Some("599"));
        assert_eq!(timeout.default_response, Some(true));
        let denied = effective("ACCESS_DENIED", &[five]).unwrap();
        assert_eq!(denied.status_code.as_deref(), Some("403"));
    }
}

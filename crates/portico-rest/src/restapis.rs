//! RestApi: create (with its root resource), read, list, patch, delete.

use crate::kinds::{HTTP_API, RESOURCE, REST_API};
use crate::quotas::Quotas;
use crate::support::{Patch, api_not_found, check_text, limit, new_id, patches, position, required, scope};
use portico_store::{List, Row, Scope, Store, StoreError, Stored, Tx};
use portico_wire::apigateway::*;
use portico_wire::types::Timestamp;
use portico_wire::{AwsError, RequestContext};
use std::collections::HashMap;

const MAX_COMPRESSION: i64 = 10_485_760;

fn check_compression(size: i64) -> Result<(), AwsError> {
    if (0..=MAX_COMPRESSION).contains(&size) {
        Ok(())
    } else {
        Err(AwsError::bad_request(
            "Invalid minimum compression size, must be between 0 and 10485760",
        ))
    }
}

/// AWS's defaults and rules for `endpointConfiguration`.
pub(crate) fn endpoint_configuration(input: Option<EndpointConfiguration>) -> Result<EndpointConfiguration, AwsError> {
    let mut config = input.unwrap_or_default();
    let types = config.types.get_or_insert_with(|| vec!["EDGE".into()]);
    match types.len() {
        0 => {
            return Err(AwsError::bad_request(
                "REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.",
            ));
        }
        1 => {}
        _ => {
            return Err(AwsError::bad_request(
                "Cannot create an api with multiple Endpoint Types.",
            ));
        }
    }
    // The wire layer has checked both enums against the model.
    let endpoint_type = types[0].clone();
    let default_ip = if endpoint_type == "PRIVATE" {
        "dualstack"
    } else {
        "ipv4"
    };
    let ip = config.ip_address_type.get_or_insert_with(|| default_ip.into());
    if endpoint_type == "PRIVATE" && ip == "ipv4" {
        return Err(AwsError::bad_request(
            "Only dualstack ipAddressType is supported for Private APIs.",
        ));
    }
    Ok(config)
}

/// AWS's quota of APIs of one endpoint type per account and region.
pub(crate) async fn check_api_quota(
    tx: &mut Tx<'_>,
    quotas: &Quotas,
    scope: &Scope,
    endpoint_type: &str,
) -> Result<(), AwsError> {
    let (quota, label) = api_quota(endpoint_type);
    let limit = quotas.get(quota);
    // Counting one endpoint type reads every API's document; the index counts them all
    // cheaply, and below the limit that settles it.
    let over = tx.count(&REST_API, List::Top(scope)).await? >= limit
        && tx
            .count_matching(
                &REST_API,
                List::Top(scope),
                "$.endpointConfiguration.types[0]",
                endpoint_type,
            )
            .await?
            >= limit;
    if over {
        return Err(AwsError::limit_exceeded(format!(
            "Maximum number of {label} APIs for this account in this Region has been reached.  Please contact AWS if you need additional APIs."
        )));
    }
    Ok(())
}

/// The quota an API of this endpoint type counts against.
fn api_quota(endpoint_type: &str) -> (&'static str, &'static str) {
    match endpoint_type {
        "EDGE" => ("edge-apis-per-region", "Edge-optimized"),
        "PRIVATE" => ("private-apis-per-region", "Private"),
        _ => ("regional-apis-per-region", "Regional"),
    }
}

pub async fn create(
    store: &Store,
    quotas: &Quotas,
    ctx: &RequestContext,
    input: CreateRestApiRequest,
) -> Result<RestApi, AwsError> {
    if input.description.as_deref() == Some("") {
        return Err(AwsError::bad_request("Description cannot be an empty string"));
    }
    let name = input.name.clone().unwrap_or_default();
    if name.is_empty() {
        return Err(AwsError::bad_request("The name of the REST API must be non-empty"));
    }
    check_text("name", &name)?;
    if let Some(size) = input.minimum_compression_size {
        check_compression(size)?;
    }
    let endpoint_configuration = endpoint_configuration(input.endpoint_configuration)?;
    if let Some(source) = input.api_key_source.as_deref()
        && source != "HEADER"
        && source != "AUTHORIZER"
    {
        return Err(AwsError::bad_request(format!(
            "Invalid apiKeySource specified: {source}"
        )));
    }
    let scope = scope(ctx);
    let endpoint_type = endpoint_configuration
        .types
        .as_ref()
        .and_then(|t| t.first())
        .cloned()
        .unwrap_or_default();
    let mut tx = store.write().await?;
    check_api_quota(&mut tx, quotas, &scope, &endpoint_type).await?;
    let root_id = new_id(10);
    let mut api = RestApi {
        id: None,
        name: input.name,
        description: input.description,
        version: input.version,
        created_date: Some(Timestamp::now()),
        binary_media_types: input.binary_media_types.filter(|t| !t.is_empty()),
        minimum_compression_size: input.minimum_compression_size,
        api_key_source: Some(input.api_key_source.unwrap_or_else(|| "HEADER".into())),
        endpoint_configuration: Some(endpoint_configuration),
        policy: input.policy.as_deref().map(stored_policy),
        tags: input.tags.filter(|t| !t.is_empty()),
        disable_execute_api_endpoint: Some(input.disable_execute_api_endpoint.unwrap_or(false)),
        root_resource_id: Some(root_id.clone()),
        security_policy: input.security_policy,
        endpoint_access_mode: input.endpoint_access_mode,
        ..Default::default()
    };
    // A clone's source is read before anything is written.
    let source = match input.clone_from.as_deref() {
        None => None,
        Some(source) => {
            // CreateRestApi has no NotFoundException in the model: an unknown source is bad input.
            let source = load_in(&mut tx, ctx, &scope, source)
                .await
                .map_err(|e| AwsError::bad_request(e.message))?;
            Some(tx.descendants(&RESOURCE, &source.row).await?)
        }
    };
    // LocalStack's convention: the `_custom_id_` tag chooses the id.
    let custom_id = api.tags.as_ref().and_then(|t| t.get(CUSTOM_ID_TAG)).cloned();
    let row = if let Some(id) = custom_id {
        let taken = || AwsError::conflict(format!("A REST API with the id {id} already exists"));
        if tx.top(&REST_API, &scope, &id).await?.is_some() {
            return Err(taken());
        }
        api.id = Some(id.clone());
        match tx.insert_top(&REST_API, &scope, &id, &api).await {
            Err(StoreError::Exists) => return Err(taken()),
            other => other?,
        }
    } else {
        // API ids are global on AWS: taken in any scope means taken.
        loop {
            let id = new_id(10);
            // Unique across REST and HTTP/WebSocket APIs: execute-api hosts name only the id.
            if tx.global(&REST_API, &id).await?.is_some() || tx.global(&HTTP_API, &id).await?.is_some() {
                continue;
            }
            api.id = Some(id.clone());
            match tx.insert_top(&REST_API, &scope, &id, &api).await {
                Err(StoreError::Exists) => continue,
                other => break other?,
            }
        }
    };
    match source {
        None => {
            let root = Resource {
                id: Some(root_id.clone()),
                path: Some("/".into()),
                ..Default::default()
            };
            tx.insert(&RESOURCE, &row, &root_id, &root).await?;
        }
        Some(resources) => clone_tree(&mut tx, &row, resources, root_id).await?,
    }
    let api_id = api.id.clone().unwrap_or_default();
    crate::models::seed(&mut tx, &scope, &row, &api_id, input.clone_from.as_deref()).await?;
    tx.commit().await?;
    Ok(answer(api))
}

/// The tag whose value becomes the new API's id.
pub const CUSTOM_ID_TAG: &str = "_custom_id_";

/// A policy as stored: the JSON document, compacted. A document sent in AWS's escaped
/// answer form is unescaped first; text that is no JSON is kept as it came.
pub fn stored_policy(text: &str) -> String {
    if let Ok(doc) = serde_json::from_str::<serde_json::Value>(text) {
        return doc.to_string();
    }
    if let Ok(inner) = serde_json::from_str::<String>(&format!("\"{text}\""))
        && let Ok(doc) = serde_json::from_str::<serde_json::Value>(&inner)
    {
        return doc.to_string();
    }
    text.to_string()
}

/// AWS answers `policy` as the compacted document with `"`, `\` and `/` backslash-escaped
/// (`{\"Version\":…}`); Terraform unquotes exactly that form. Policies stored raw before
/// this was done are compacted here too.
pub fn wire_policy(stored: &str) -> String {
    let doc = stored_policy(stored);
    let mut out = String::with_capacity(doc.len() + doc.len() / 4);
    for c in doc.chars() {
        if matches!(c, '"' | '\\' | '/') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The API as every answer shows it.
pub fn answer(mut api: RestApi) -> RestApi {
    api.policy = api.policy.as_deref().map(wire_policy);
    api
}

/// `cloneFrom`: the source's resources, methods and integrations under fresh ids, parents first.
async fn clone_tree(
    tx: &mut Tx<'_>,
    api: &Row,
    resources: Vec<Stored<Resource>>,
    root_id: String,
) -> Result<(), AwsError> {
    let mut placed: HashMap<String, (String, Row)> = HashMap::new();
    for Stored { doc: mut resource, .. } in resources {
        let old_id = resource.id.clone().unwrap_or_default();
        let (fresh, parent_row) = match resource.parent_id.as_ref().and_then(|p| placed.get(p)) {
            None => (root_id.clone(), api.clone()),
            Some((parent_fresh, parent_row)) => {
                resource.parent_id = Some(parent_fresh.clone());
                (new_id(6), parent_row.clone())
            }
        };
        resource.id = Some(fresh.clone());
        let name = resource.path_part.clone();
        let row = tx
            .insert_named(&RESOURCE, &parent_row, &fresh, name.as_deref(), &resource)
            .await?;
        placed.insert(old_id, (fresh, row));
    }
    Ok(())
}

/// The API or AWS's 404 for it.
pub async fn load(store: &Store, ctx: &RequestContext, api_id: &str) -> Result<Stored<RestApi>, AwsError> {
    store
        .top(&REST_API, &scope(ctx), api_id)
        .await?
        .ok_or_else(|| api_not_found(ctx, api_id))
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetRestApiRequest) -> Result<RestApi, AwsError> {
    Ok(answer(load(store, ctx, &required(input.rest_api_id)).await?.doc))
}

pub async fn list(store: &Store, ctx: &RequestContext, input: GetRestApisRequest) -> Result<RestApis, AwsError> {
    let page = store
        .page(
            &REST_API,
            List::Top(&scope(ctx)),
            position(input.position.as_deref())?,
            limit(input.limit)?,
        )
        .await?;
    Ok(RestApis {
        position: page.next_token(),
        items: Some(page.items.into_iter().map(|a| answer(a.doc)).collect()),
    })
}

pub async fn update(store: &Store, ctx: &RequestContext, input: UpdateRestApiRequest) -> Result<RestApi, AwsError> {
    let api_id = required(input.rest_api_id);
    let scope = scope(ctx);
    let ops = patches(input.patch_operations, "updateRestApiInput")?;
    let mut tx = store.write().await?;
    let Stored { row, doc: mut api } = load_in(&mut tx, ctx, &scope, &api_id).await?;
    for op in &ops {
        apply(&mut api, op)?;
    }
    tx.update(&REST_API, &row, &api).await?;
    tx.commit().await?;
    // AWS answers an update with `tags` always present.
    api.tags.get_or_insert_default();
    Ok(answer(api))
}

const PATHS: &[&str] = &[
    "/name",
    "/description",
    "/version",
    "/policy",
    "/apiKeySource",
    "/minimumCompressionSize",
    "/disableExecuteApiEndpoint",
    "/binaryMediaTypes/{type}",
    "/endpointConfiguration/types/{type}",
    "/endpointConfiguration/ipAddressType",
];

fn apply(api: &mut RestApi, op: &Patch) -> Result<(), AwsError> {
    let replace_only = |op: &Patch| {
        if op.op == "replace" {
            Ok(())
        } else {
            Err(AwsError::bad_request(
                "Invalid patch operation specified. Must be one of: [replace]",
            ))
        }
    };
    match op.segs().as_slice() {
        ["name"] => {
            replace_only(op)?;
            let name = op.string()?;
            if name.is_empty() {
                return Err(AwsError::bad_request("The name of the REST API must be non-empty"));
            }
            check_text("name", &name)?;
            api.name = Some(name);
        }
        ["description"] => api.description = op.optional_string(),
        ["version"] => api.version = op.optional_string(),
        ["policy"] => api.policy = op.optional_string().as_deref().map(stored_policy),
        ["apiKeySource"] => {
            replace_only(op)?;
            let source = op.string()?;
            if source != "HEADER" && source != "AUTHORIZER" {
                return Err(AwsError::bad_request(format!(
                    "Invalid apiKeySource specified: {source}"
                )));
            }
            api.api_key_source = Some(source);
        }
        ["minimumCompressionSize"] => {
            replace_only(op)?;
            api.minimum_compression_size = match op.value.as_deref() {
                None | Some("") => None,
                Some(text) => {
                    let size = text.parse::<i64>().map_err(|_| {
                        AwsError::bad_request("Invalid minimum compression size, must be between 0 and 10485760")
                    })?;
                    check_compression(size)?;
                    Some(size)
                }
            };
        }
        ["disableExecuteApiEndpoint"] => {
            replace_only(op)?;
            api.disable_execute_api_endpoint = Some(op.bool()?);
        }
        ["binaryMediaTypes", media_type] => {
            let types = api.binary_media_types.get_or_insert_default();
            match op.op {
                "add" => {
                    if !types.iter().any(|t| t == media_type) {
                        types.push(media_type.to_string());
                    }
                }
                "remove" => types.retain(|t| t != media_type),
                "replace" => {
                    let new = op.string()?;
                    match types.iter_mut().find(|t| t == media_type) {
                        Some(t) => *t = new,
                        None => types.push(new),
                    }
                }
                _ => return Err(op.unsupported_op()),
            }
            if types.is_empty() {
                api.binary_media_types = None;
            }
        }
        // AWS names add and remove in its message but takes only replace.
        ["endpointConfiguration", "types", old] => {
            if op.op != "replace" {
                return Err(AwsError::bad_request(
                    "Invalid patch operation specified. Must be 'add'|'remove'|'replace'",
                ));
            }
            let new = op.string()?;
            if !["EDGE", "REGIONAL", "PRIVATE"].contains(&new.as_str()) {
                return Err(AwsError::bad_request(
                    "Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE",
                ));
            }
            let config = api.endpoint_configuration.get_or_insert_default();
            let types = config.types.get_or_insert_default();
            types.retain(|t| t != old);
            types.clear();
            types.push(new.clone());
            if new == "PRIVATE" {
                config.ip_address_type = Some("dualstack".into());
            }
        }
        ["endpointConfiguration", "ipAddressType"] => {
            replace_only(op)?;
            let ip = op.string()?;
            if ip != "ipv4" && ip != "dualstack" {
                return Err(AwsError::bad_request("ipAddressType must be either ipv4 or dualstack."));
            }
            let config = api.endpoint_configuration.get_or_insert_default();
            if ip == "ipv4" && config.types.as_ref().is_some_and(|t| t.iter().any(|t| t == "PRIVATE")) {
                return Err(AwsError::bad_request(
                    "Only dualstack ipAddressType is supported for Private APIs.",
                ));
            }
            config.ip_address_type = Some(ip);
        }
        // A list member patched without naming its element.
        ["binaryMediaTypes"] => return Err(AwsError::bad_request(format!("Invalid patch path {}", op.path))),
        _ => return Err(op.invalid_path(PATHS)),
    }
    Ok(())
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteRestApiRequest) -> Result<(), AwsError> {
    let api_id = required(input.rest_api_id);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let api = load_in(&mut tx, ctx, &scope, &api_id).await?;
    // Resources, deployments, snapshots, stages: the whole tree goes with it.
    tx.delete(&api.row).await?;
    tx.commit().await?;
    Ok(())
}

/// The API inside a write transaction, or AWS's 404.
pub async fn load_in(
    tx: &mut Tx<'_>,
    ctx: &RequestContext,
    scope: &Scope,
    api_id: &str,
) -> Result<Stored<RestApi>, AwsError> {
    tx.top(&REST_API, scope, api_id)
        .await?
        .ok_or_else(|| api_not_found(ctx, api_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_answer_escaped_and_compact() {
        let raw = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Resource\": \"arn:x/*\"}]\n}";
        let stored = stored_policy(raw);
        assert!(!stored.contains('\n'));
        let wire = wire_policy(&stored);
        assert!(wire.starts_with(r#"{\"#), "{wire}");
        assert!(wire.contains(r#"arn:x\/*"#), "{wire}");
        // Terraform's reading: the answer is the body of a JSON string holding the document.
        let back: String = serde_json::from_str(&format!("\"{wire}\"")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&back).unwrap();
        assert_eq!(doc["Version"], "2012-10-17");
        // The escaped form sent back in is stored as the document; a raw stored one still reads.
        assert_eq!(stored_policy(&wire), stored);
        assert_eq!(wire_policy(raw), wire);
        assert_eq!(wire_policy("not json"), "not json");
    }
}

//! ImportRestApi and PutRestApi: a converted definition written into an API in one
//! transaction, whole or not at all.

use super::import::{Definition, Options, convert, import_error};
use crate::kinds::{
    AUTHORIZER, DOCUMENTATION_PART, GATEWAY_RESPONSE, HTTP_API, MODEL, REQUEST_VALIDATOR, RESOURCE, REST_API,
};
use crate::quotas::Quotas;
use crate::restapis;
use crate::support::{new_id, required, scope};
use portico_store::{List, Row, Store, StoreError, Stored, Tx};
use portico_wire::apigateway::*;
use portico_wire::types::Timestamp;
use portico_wire::{AwsError, RequestContext};
use std::collections::{BTreeMap, HashMap};

fn body(blob: Option<&portico_wire::types::Blob>) -> &[u8] {
    blob.map(|b| b.0.as_slice()).unwrap_or_default()
}

/// With `failonwarnings`, warnings fail the import as AWS does.
fn check_warnings(def: &Definition, fail: Option<bool>) -> Result<(), AwsError> {
    if fail == Some(true) && !def.warnings.is_empty() {
        return Err(AwsError::bad_request(format!(
            "Warnings found during import:\n\t{}",
            def.warnings.join("\n\t")
        )));
    }
    Ok(())
}

pub async fn import_rest_api(
    store: &Store,
    quotas: &Quotas,
    ctx: &RequestContext,
    input: ImportRestApiRequest,
) -> Result<RestApi, AwsError> {
    let document = super::parse(body(input.body.as_ref()))?;
    let options = Options::read(input.parameters.as_ref())?;
    // API ids are global on AWS: drawn before the conversion, which writes them into `$ref`s.
    let scope = scope(ctx);
    let mut api_id = new_id(10);
    while store.global(&REST_API, &api_id).await?.is_some() || store.global(&HTTP_API, &api_id).await?.is_some() {
        api_id = new_id(10);
    }
    let def = convert(&document, &api_id, &options, &[])?;
    check_warnings(&def, input.fail_on_warnings)?;
    let name = def
        .title
        .clone()
        .ok_or_else(|| import_error("Unable to create an API: the definition has no info.title"))?;
    crate::support::check_text("name", &name)?;
    if let Some(size) = def.minimum_compression_size
        && !(0..=10_485_760).contains(&size)
    {
        return Err(AwsError::bad_request(
            "Invalid minimum compression size, must be between 0 and 10485760",
        ));
    }
    let endpoint_configuration = restapis::endpoint_configuration(Some(EndpointConfiguration {
        types: def.endpoint_types.clone(),
        ip_address_type: None,
        vpc_endpoint_ids: def.vpc_endpoint_ids.clone(),
    }))?;
    let endpoint_type = endpoint_configuration
        .types
        .as_ref()
        .and_then(|t| t.first())
        .cloned()
        .unwrap_or_default();
    let mut tx = store.write().await?;
    restapis::check_api_quota(&mut tx, quotas, &scope, &endpoint_type).await?;
    let root_id = new_id(10);
    let mut api = RestApi {
        id: Some(api_id.clone()),
        name: Some(name),
        description: def.description.clone(),
        version: def.version.clone(),
        created_date: Some(Timestamp::now()),
        binary_media_types: def.binary_media_types.clone().filter(|t| !t.is_empty()),
        minimum_compression_size: def.minimum_compression_size,
        api_key_source: Some(def.api_key_source.clone().unwrap_or_else(|| "HEADER".into())),
        endpoint_configuration: Some(endpoint_configuration),
        policy: def.policy.clone(),
        disable_execute_api_endpoint: Some(def.disable_execute_api_endpoint.unwrap_or(false)),
        root_resource_id: Some(root_id.clone()),
        tags: def.tags.clone(),
        ..Default::default()
    };
    let row = match tx.insert_top(&REST_API, &scope, &api_id, &api).await {
        Err(StoreError::Exists) => {
            return Err(AwsError::conflict(
                "Unable to complete operation due to concurrent modification. Please try again later.",
            ));
        }
        other => other?,
    };
    let root = Resource {
        id: Some(root_id.clone()),
        path: Some("/".into()),
        ..Default::default()
    };
    tx.insert(&RESOURCE, &row, &root_id, &root).await?;
    api.warnings = (!def.warnings.is_empty()).then(|| def.warnings.clone());
    apply(&mut tx, quotas, &row, def, true).await?;
    tx.commit().await?;
    Ok(restapis::answer(api))
}

pub async fn put_rest_api(
    store: &Store,
    quotas: &Quotas,
    ctx: &RequestContext,
    input: PutRestApiRequest,
) -> Result<RestApi, AwsError> {
    // The body is read before the API is looked for (test_import_api_bad_file).
    let document = super::parse(body(input.body.as_ref()))?;
    let options = Options::read(input.parameters.as_ref())?;
    let overwrite = match input.mode.as_deref() {
        None | Some("merge") => false,
        Some("overwrite") => true,
        Some(other) => {
            return Err(AwsError::bad_request(format!(
                "Invalid mode specified: {other}. Valid options are merge, overwrite"
            )));
        }
    };
    let api_id = required(input.rest_api_id);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let Stored { row, doc: mut api } = restapis::load_in(&mut tx, ctx, &scope, &api_id).await?;
    let existing: Vec<String> = if overwrite {
        Vec::new()
    } else {
        crate::models::all_in(&mut tx, &row)
            .await?
            .into_iter()
            .filter_map(|m| m.name)
            .collect()
    };
    let def = convert(&document, &api_id, &options, &existing)?;
    check_warnings(&def, input.fail_on_warnings)?;
    if let Some(title) = &def.title {
        crate::support::check_text("name", title)?;
        api.name = Some(title.clone());
    }
    if overwrite {
        api.description = def.description.clone();
        api.version = def.version.clone();
        api.binary_media_types = def.binary_media_types.clone().filter(|t| !t.is_empty());
        api.policy = def.policy.clone();
        api.minimum_compression_size = def.minimum_compression_size;
    } else {
        api.description = def.description.clone().or(api.description);
        api.version = def.version.clone().or(api.version);
        if let Some(types) = &def.binary_media_types {
            let all = api.binary_media_types.get_or_insert_default();
            for t in types {
                if !all.contains(t) {
                    all.push(t.clone());
                }
            }
        }
        api.policy = def.policy.clone().or(api.policy);
        api.minimum_compression_size = def.minimum_compression_size.or(api.minimum_compression_size);
    }
    if let Some(source) = &def.api_key_source {
        api.api_key_source = Some(source.clone());
    }
    if let Some(disable) = def.disable_execute_api_endpoint {
        api.disable_execute_api_endpoint = Some(disable);
    }
    // Tags the definition names are added (tags are TagResource's to remove). AWS answers
    // PutRestApi with the tags member present, empty when there are none.
    let mut tags = api.tags.unwrap_or_default();
    tags.extend(def.tags.clone().unwrap_or_default());
    api.tags = Some(tags);
    tx.update(&REST_API, &row, &api).await?;
    let warnings = def.warnings.clone();
    apply(&mut tx, quotas, &row, def, overwrite).await?;
    tx.commit().await?;
    api.warnings = (!warnings.is_empty()).then_some(warnings);
    Ok(restapis::answer(api))
}

/// Writes the definition's parts under the API. `overwrite` first removes what the API had
/// (its root resource stays, emptied); otherwise parts of the same name are replaced and the
/// rest kept.
async fn apply(tx: &mut Tx<'_>, quotas: &Quotas, api: &Row, def: Definition, overwrite: bool) -> Result<(), AwsError> {
    // Ids the definition drew that a merge maps onto existing authorizers and validators.
    let mut renamed: HashMap<String, String> = HashMap::new();

    // Models.
    let mut models = tx.in_tree(&MODEL, api).await?;
    if overwrite {
        for model in models.drain(..) {
            tx.delete(&model.row).await?;
        }
    }
    for model in def.models {
        let name = model.name.clone().unwrap_or_default();
        match models.iter().find(|m| m.doc.name.as_deref() == Some(name.as_str())) {
            Some(old) => {
                let kept = Model {
                    id: old.doc.id.clone(),
                    ..model
                };
                tx.update(&MODEL, &old.row, &kept).await?;
            }
            None => {
                tx.insert(&MODEL, api, &name, &model).await?;
            }
        }
    }

    // Authorizers and request validators: by name.
    let authorizers = tx.in_tree(&AUTHORIZER, api).await?;
    if overwrite {
        for a in &authorizers {
            tx.delete(&a.row).await?;
        }
    }
    for authorizer in def.authorizers {
        let drawn = authorizer.id.clone().unwrap_or_default();
        let same = authorizers.iter().find(|a| a.doc.name == authorizer.name);
        match same {
            Some(old) if !overwrite => {
                let id = old.doc.id.clone().unwrap_or_default();
                renamed.insert(drawn, id.clone());
                tx.update(
                    &AUTHORIZER,
                    &old.row,
                    &Authorizer {
                        id: Some(id),
                        ..authorizer
                    },
                )
                .await?;
            }
            _ => {
                tx.insert(&AUTHORIZER, api, &drawn, &authorizer).await?;
            }
        }
    }
    let count = tx.count(&AUTHORIZER, List::Tree(api)).await?;
    if count > quotas.get("authorizers-per-api") {
        return Err(AwsError::limit_exceeded(
            "Maximum number of Authorizers for this API has been reached.  Please contact AWS if you need additional Authorizers.",
        ));
    }
    let validators = tx.in_tree(&REQUEST_VALIDATOR, api).await?;
    if overwrite {
        for v in &validators {
            tx.delete(&v.row).await?;
        }
    }
    for validator in def.validators {
        let drawn = validator.id.clone().unwrap_or_default();
        match validators.iter().find(|v| v.doc.name == validator.name) {
            Some(old) if !overwrite => {
                let id = old.doc.id.clone().unwrap_or_default();
                renamed.insert(drawn, id.clone());
                let kept = RequestValidator {
                    id: Some(id),
                    ..validator
                };
                tx.update(&REQUEST_VALIDATOR, &old.row, &kept).await?;
            }
            _ => {
                tx.insert(&REQUEST_VALIDATOR, api, &drawn, &validator).await?;
            }
        }
    }

    // Gateway responses: by type.
    let responses = tx.in_tree(&GATEWAY_RESPONSE, api).await?;
    if overwrite {
        for r in &responses {
            tx.delete(&r.row).await?;
        }
    }
    for response in def.gateway_responses {
        let kind = response.response_type.clone().unwrap_or_default();
        match responses.iter().find(|r| r.doc.response_type == response.response_type) {
            Some(old) if !overwrite => tx.update(&GATEWAY_RESPONSE, &old.row, &response).await?,
            _ => {
                tx.insert(&GATEWAY_RESPONSE, api, &kind, &response).await?;
            }
        }
    }

    // Resources: found or created by path, parents first.
    let all = tx.in_tree(&RESOURCE, api).await?;
    let mut by_path: BTreeMap<String, (Row, Resource, bool)> = BTreeMap::new();
    for Stored { row, doc } in all {
        let is_root = doc.parent_id.is_none();
        if overwrite && !is_root {
            continue;
        }
        let mut doc = doc;
        if overwrite {
            doc.resource_methods = None;
        }
        by_path.insert(doc.path.clone().unwrap_or_default(), (row, doc, overwrite));
    }
    if overwrite {
        // Deleting the root's children takes every resource below them.
        let root_row = by_path.get("/").map(|(row, _, _)| row.clone());
        if let Some(root_row) = root_row {
            for child in tx.children(&RESOURCE, &root_row).await? {
                tx.delete(&child.row).await?;
            }
        }
    }
    let mut count = by_path.len() as u64;
    let limit = quotas.get("resources-per-api");
    for (path, methods) in def.resources {
        let mut current = "/".to_string();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let next = if current == "/" {
                format!("/{part}")
            } else {
                format!("{current}/{part}")
            };
            if !by_path.contains_key(&next) {
                let (parent_row, parent) = match by_path.get(&current) {
                    Some((row, doc, _)) => (row.clone(), doc.clone()),
                    None => return Err(import_error(format!("Unable to find the parent of {next}"))),
                };
                if parent.path_part.as_deref().is_some_and(|p| p.ends_with("+}")) {
                    return Err(import_error(format!(
                        "Cannot create a child of a resource with a greedy path variable: {}",
                        parent.path_part.unwrap_or_default()
                    )));
                }
                if part.starts_with('{')
                    && let Some(sibling) = by_path.values().find(|(_, d, _)| {
                        d.parent_id == parent.id && d.path_part.as_deref().is_some_and(|p| p.starts_with('{'))
                    })
                {
                    return Err(import_error(format!(
                        "A sibling ({}) of this resource already has a variable path part -- only one is allowed",
                        sibling.1.path_part.as_deref().unwrap_or_default()
                    )));
                }
                count += 1;
                if count > limit {
                    return Err(AwsError::limit_exceeded(
                        "Maximum number of Resources for this API has been reached.  Please contact AWS if you need additional Resources.",
                    ));
                }
                let mut resource = Resource {
                    id: None,
                    parent_id: parent.id.clone(),
                    path_part: Some(part.to_string()),
                    path: Some(next.clone()),
                    resource_methods: None,
                };
                let row = loop {
                    let id = new_id(6);
                    resource.id = Some(id.clone());
                    match tx
                        .insert_named(&RESOURCE, &parent_row, &id, Some(part), &resource)
                        .await
                    {
                        Err(StoreError::Exists) => continue,
                        other => break other?,
                    }
                };
                by_path.insert(next.clone(), (row, resource, false));
            }
            current = next;
        }
        let Some((_, resource, dirty)) = by_path.get_mut(&current) else {
            continue;
        };
        let resource_id = resource.id.clone().unwrap_or_default();
        for (verb, mut method) in methods {
            if let Some(id) = method.authorizer_id.as_ref().and_then(|id| renamed.get(id)) {
                method.authorizer_id = Some(id.clone());
            }
            if let Some(id) = method.request_validator_id.as_ref().and_then(|id| renamed.get(id)) {
                method.request_validator_id = Some(id.clone());
            }
            if let Some(integration) = method.method_integration.as_mut()
                && integration.cache_namespace.is_none()
            {
                integration.cache_namespace = Some(resource_id.clone());
            }
            resource.resource_methods.get_or_insert_default().insert(verb, method);
            *dirty = true;
        }
    }
    for (row, resource, dirty) in by_path.values() {
        if *dirty {
            tx.update(&RESOURCE, row, resource).await?;
        }
    }

    // Documentation parts: by location.
    if let Some(parts) = def.documentation {
        let mut existing = tx.children(&DOCUMENTATION_PART, api).await?;
        if overwrite {
            for part in existing.drain(..) {
                tx.delete(&part.row).await?;
            }
        }
        for (location, properties) in parts {
            if let Some(found) = existing.iter_mut().find(|p| p.doc.location.as_ref() == Some(&location)) {
                found.doc.properties = Some(properties);
                tx.update(&DOCUMENTATION_PART, &found.row, &found.doc).await?;
                continue;
            }
            let mut part = DocumentationPart {
                id: None,
                location: Some(location),
                properties: Some(properties),
            };
            let row = loop {
                let id = new_id(6);
                part.id = Some(id.clone());
                match tx.insert(&DOCUMENTATION_PART, api, &id, &part).await {
                    Err(StoreError::Exists) => continue,
                    other => break other?,
                }
            };
            existing.push(Stored { row, doc: part });
        }
    }
    Ok(())
}

//! Custom domain names and API mappings: apigatewayv2's view of `portico_rest::domain_names`'
//! documents, as on AWS, where a domain and its mappings are one resource seen by both
//! services. A domain's one configuration is REST's regional (or edge) members; an API mapping
//! is a base path mapping (key `""` ↔ base path `(none)`) found by its `apiMappingId`.

use crate::kinds::{API, STAGE};
use crate::support::{api_not_found, convert, new_id, not_found, page_args, required, scope};
use portico_rest::domain_names::{self as rest, MAPPING, Mapping, NO_BASE_PATH};
use portico_rest::kinds::{DOMAIN_NAME, REST_API, STAGE as REST_STAGE};
use portico_store::{List, Row, Scope, Store, StoreError, Stored, Tx};
use portico_wire::apigateway as ag;
use portico_wire::apigatewayv2::*;
use portico_wire::types::IsoTimestamp;
use portico_wire::{AwsError, RequestContext};

fn domain_not_found(name: &str) -> AwsError {
    not_found("DomainName", format!("Invalid domain name identifier specified {name}"))
}

fn mapping_not_found(id: &str) -> AwsError {
    not_found("ApiMapping", format!("Invalid api mapping identifier specified {id}"))
}

/// REST's document as apigatewayv2 answers it.
fn view(domain: &ag::DomainName) -> DomainName {
    let endpoint = domain.endpoint_configuration.clone().unwrap_or_default();
    let kind = endpoint
        .types
        .as_ref()
        .and_then(|t| t.first().cloned())
        .unwrap_or_else(|| "REGIONAL".into());
    let edge = kind == "EDGE";
    let pick = |edge_value: &Option<String>, regional: &Option<String>| {
        if edge { edge_value.clone() } else { regional.clone() }
    };
    let configuration = DomainNameConfiguration {
        api_gateway_domain_name: pick(&domain.distribution_domain_name, &domain.regional_domain_name),
        certificate_arn: pick(&domain.certificate_arn, &domain.regional_certificate_arn),
        certificate_name: pick(&domain.certificate_name, &domain.regional_certificate_name),
        certificate_upload_date: domain.certificate_upload_date.map(IsoTimestamp::from),
        domain_name_status: domain.domain_name_status.clone(),
        domain_name_status_message: domain.domain_name_status_message.clone(),
        endpoint_type: Some(kind),
        hosted_zone_id: pick(&domain.distribution_hosted_zone_id, &domain.regional_hosted_zone_id),
        ip_address_type: endpoint.ip_address_type,
        security_policy: domain.security_policy.clone(),
        ownership_verification_certificate_arn: domain.ownership_verification_certificate_arn.clone(),
    };
    DomainName {
        api_mapping_selection_expression: Some("$request.basepath".into()),
        domain_name: domain.domain_name.clone(),
        domain_name_arn: domain.domain_name_arn.clone(),
        domain_name_configurations: Some(vec![configuration]),
        mutual_tls_authentication: domain.mutual_tls_authentication.as_ref().map(convert),
        routing_mode: domain.routing_mode.clone(),
        tags: Some(domain.tags.clone().unwrap_or_default()),
    }
}

/// The one configuration a v2 domain name takes.
fn configuration(configurations: Option<Vec<DomainNameConfiguration>>) -> Result<DomainNameConfiguration, AwsError> {
    match configurations {
        Some(mut c) if c.len() == 1 => Ok(c.remove(0)),
        _ => Err(AwsError::bad_request(
            "A domain name takes exactly one domain name configuration.",
        )),
    }
}

pub async fn create(
    store: &Store,
    ctx: &RequestContext,
    input: CreateDomainNameRequest,
) -> Result<CreateDomainNameResponse, AwsError> {
    let config = configuration(input.domain_name_configurations)?;
    let kind = config.endpoint_type.clone().unwrap_or_else(|| "REGIONAL".into());
    if config.certificate_arn.is_none() {
        return Err(AwsError::bad_request(
            "A certificate ARN is required in the domain name configuration.",
        ));
    }
    let edge = kind == "EDGE";
    let (certificate_arn, regional_certificate_arn) = if edge {
        (config.certificate_arn, None)
    } else {
        (None, config.certificate_arn)
    };
    let (certificate_name, regional_certificate_name) = if edge {
        (config.certificate_name, None)
    } else {
        (None, config.certificate_name)
    };
    let request = ag::CreateDomainNameRequest {
        domain_name: input.domain_name,
        certificate_arn,
        certificate_name,
        regional_certificate_arn,
        regional_certificate_name,
        endpoint_configuration: Some(ag::EndpointConfiguration {
            types: Some(vec![kind]),
            ip_address_type: config.ip_address_type,
            vpc_endpoint_ids: None,
        }),
        tags: input.tags,
        security_policy: config.security_policy,
        mutual_tls_authentication: input.mutual_tls_authentication.as_ref().map(convert),
        ownership_verification_certificate_arn: config.ownership_verification_certificate_arn,
        routing_mode: input.routing_mode,
        ..Default::default()
    };
    let domain = rest::create(store, ctx, request).await?;
    Ok(convert(&view(&domain)))
}

async fn load(store: &Store, scope: &Scope, name: &str) -> Result<Stored<ag::DomainName>, AwsError> {
    store
        .top(&DOMAIN_NAME, scope, &rest::key(name, None))
        .await?
        .ok_or_else(|| domain_not_found(name))
}

async fn load_in(tx: &mut Tx<'_>, scope: &Scope, name: &str) -> Result<Stored<ag::DomainName>, AwsError> {
    tx.top(&DOMAIN_NAME, scope, &rest::key(name, None))
        .await?
        .ok_or_else(|| domain_not_found(name))
}

pub async fn get(
    store: &Store,
    ctx: &RequestContext,
    input: GetDomainNameRequest,
) -> Result<GetDomainNameResponse, AwsError> {
    let domain = load(store, &scope(ctx), &required(input.domain_name)).await?;
    Ok(convert(&view(&domain.doc)))
}

pub async fn list(
    store: &Store,
    ctx: &RequestContext,
    input: GetDomainNamesRequest,
) -> Result<GetDomainNamesResponse, AwsError> {
    let (from, limit) = page_args(input.max_results.as_deref(), input.next_token.as_deref())?;
    let page = store.page(&DOMAIN_NAME, List::Top(&scope(ctx)), from, limit).await?;
    Ok(GetDomainNamesResponse {
        next_token: page.next_token(),
        // PRIVATE domain names are REST's alone.
        items: Some(
            page.items
                .iter()
                .filter(|d| !rest::is_private(&d.doc))
                .map(|d| view(&d.doc))
                .collect(),
        ),
    })
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateDomainNameRequest,
) -> Result<UpdateDomainNameResponse, AwsError> {
    let name = required(input.domain_name);
    let mut tx = store.write().await?;
    let Stored { row, doc: mut domain } = load_in(&mut tx, &scope(ctx), &name).await?;
    if let Some(configurations) = input.domain_name_configurations {
        let config = configuration(Some(configurations))?;
        let current = view(&domain)
            .domain_name_configurations
            .and_then(|c| c.into_iter().next())
            .and_then(|c| c.endpoint_type);
        if config.endpoint_type.is_some() && config.endpoint_type != current {
            return Err(AwsError::bad_request(
                "The endpoint type of a domain name cannot be changed.",
            ));
        }
        let edge = current.as_deref() == Some("EDGE");
        if config.certificate_arn.is_some() {
            if edge {
                domain.certificate_arn = config.certificate_arn;
            } else {
                domain.regional_certificate_arn = config.certificate_arn;
            }
        }
        if config.certificate_name.is_some() {
            if edge {
                domain.certificate_name = config.certificate_name;
            } else {
                domain.regional_certificate_name = config.certificate_name;
            }
        }
        if config.security_policy.is_some() {
            domain.security_policy = config.security_policy;
        }
        if config.ownership_verification_certificate_arn.is_some() {
            domain.ownership_verification_certificate_arn = config.ownership_verification_certificate_arn;
        }
        if let Some(ip) = config.ip_address_type {
            domain.endpoint_configuration.get_or_insert_default().ip_address_type = Some(ip);
        }
    }
    if let Some(mtls) = input.mutual_tls_authentication {
        domain.mutual_tls_authentication = Some(convert(&mtls));
    }
    if input.routing_mode.is_some() {
        domain.routing_mode = input.routing_mode;
    }
    tx.update(&DOMAIN_NAME, &row, &domain).await?;
    tx.commit().await?;
    Ok(convert(&view(&domain)))
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteDomainNameRequest) -> Result<(), AwsError> {
    let name = required(input.domain_name);
    // REST's delete also drops what hangs on the domain (access associations).
    load(store, &scope(ctx), &name).await?;
    rest::delete(
        store,
        ctx,
        ag::DeleteDomainNameRequest {
            domain_name: Some(name.clone()),
            domain_name_id: None,
        },
    )
    .await
    .map_err(|e| if e.status == 404 { domain_not_found(&name) } else { e })
}

/// The mapping as apigatewayv2 answers it.
fn mapping_view(mapping: &Mapping) -> ApiMapping {
    let key = match mapping.mapping.base_path.as_deref() {
        None | Some(NO_BASE_PATH) => String::new(),
        Some(path) => path.to_string(),
    };
    ApiMapping {
        api_id: mapping.mapping.rest_api_id.clone(),
        api_mapping_id: Some(mapping.id()),
        api_mapping_key: Some(key),
        stage: mapping.mapping.stage.clone(),
    }
}

/// The stored key of an `apiMappingKey`.
fn mapping_key(key: Option<&str>) -> Result<String, AwsError> {
    rest::base_path_key(key).map_err(|_| {
        AwsError::bad_request(
            "An ApiMapping key may contain only letters, numbers and one of $-_.+!*'(), separated by /",
        )
    })
}

fn is_edge(domain: &ag::DomainName) -> bool {
    domain
        .endpoint_configuration
        .as_ref()
        .and_then(|e| e.types.as_ref())
        .is_some_and(|t| t.iter().any(|t| t == "EDGE"))
}

/// The API (an HTTP or WebSocket API, or a REST API) and its stage must exist; HTTP and
/// WebSocket APIs take regional domain names only.
async fn check_target(
    tx: &mut Tx<'_>,
    scope: &Scope,
    domain: &ag::DomainName,
    api_id: &str,
    stage: &str,
) -> Result<(), AwsError> {
    let found = if let Some(api) = tx.top(&API, scope, api_id).await? {
        if is_edge(domain) {
            return Err(AwsError::bad_request(format!(
                "Edge-optimized domain names cannot be mapped to {} APIs: use a REGIONAL domain name",
                api.doc.protocol_type.as_deref().unwrap_or("HTTP")
            )));
        }
        tx.child(&STAGE, &api.row, stage).await?.is_some()
    } else if let Some(api) = tx.top(&REST_API, scope, api_id).await? {
        tx.child(&REST_STAGE, &api.row, stage).await?.is_some()
    } else {
        return Err(api_not_found(api_id));
    };
    if found {
        Ok(())
    } else {
        Err(AwsError::bad_request(format!(
            "Invalid stage identifier specified {stage}"
        )))
    }
}

async fn find(tx: &mut Tx<'_>, domain: &Row, id: &str) -> Result<Stored<Mapping>, AwsError> {
    tx.children(&MAPPING, domain)
        .await?
        .into_iter()
        .find(|m| m.doc.id() == id)
        .ok_or_else(|| mapping_not_found(id))
}

fn key_taken(key: &str, domain: &str) -> AwsError {
    let key = if key == NO_BASE_PATH { "" } else { key };
    AwsError::conflict(format!(
        "ApiMapping with key '{key}' already exists for domain name {domain}"
    ))
}

pub async fn create_mapping(
    store: &Store,
    ctx: &RequestContext,
    input: CreateApiMappingRequest,
) -> Result<CreateApiMappingResponse, AwsError> {
    let scope = scope(ctx);
    let name = required(input.domain_name);
    let api_id = required(input.api_id);
    let stage = required(input.stage);
    let key = mapping_key(input.api_mapping_key.as_deref())?;
    let mut tx = store.write().await?;
    let domain = load_in(&mut tx, &scope, &name).await?;
    check_target(&mut tx, &scope, &domain.doc, &api_id, &stage).await?;
    let mut mapping = Mapping {
        mapping: ag::BasePathMapping {
            base_path: Some(key.clone()),
            rest_api_id: Some(api_id),
            stage: Some(stage),
        },
        api_mapping_id: None,
    };
    loop {
        let id = new_id(6);
        if tx
            .children(&MAPPING, &domain.row)
            .await?
            .iter()
            .any(|m| m.doc.id() == id)
        {
            continue;
        }
        mapping.api_mapping_id = Some(id);
        break;
    }
    match tx.insert(&MAPPING, &domain.row, &key, &mapping).await {
        Err(StoreError::Exists) => return Err(key_taken(&key, &name)),
        other => other?,
    };
    tx.commit().await?;
    Ok(convert(&mapping_view(&mapping)))
}

pub async fn get_mapping(
    store: &Store,
    ctx: &RequestContext,
    input: GetApiMappingRequest,
) -> Result<GetApiMappingResponse, AwsError> {
    let domain = load(store, &scope(ctx), &required(input.domain_name)).await?;
    let id = required(input.api_mapping_id);
    let mapping = store
        .children(&MAPPING, &domain.row)
        .await?
        .into_iter()
        .find(|m| m.doc.id() == id)
        .ok_or_else(|| mapping_not_found(&id))?;
    Ok(convert(&mapping_view(&mapping.doc)))
}

pub async fn list_mappings(
    store: &Store,
    ctx: &RequestContext,
    input: GetApiMappingsRequest,
) -> Result<GetApiMappingsResponse, AwsError> {
    let (from, limit) = page_args(input.max_results.as_deref(), input.next_token.as_deref())?;
    let domain = load(store, &scope(ctx), &required(input.domain_name)).await?;
    let page = store.page(&MAPPING, List::Children(&domain.row), from, limit).await?;
    Ok(GetApiMappingsResponse {
        next_token: page.next_token(),
        items: Some(page.items.iter().map(|m| mapping_view(&m.doc)).collect()),
    })
}

pub async fn update_mapping(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateApiMappingRequest,
) -> Result<UpdateApiMappingResponse, AwsError> {
    let scope = scope(ctx);
    let name = required(input.domain_name);
    let id = required(input.api_mapping_id);
    let new_key = input
        .api_mapping_key
        .as_deref()
        .map(|k| mapping_key(Some(k)))
        .transpose()?;
    let mut tx = store.write().await?;
    let domain = load_in(&mut tx, &scope, &name).await?;
    let Stored { row, doc: mut mapping } = find(&mut tx, &domain.row, &id).await?;
    let old_key = mapping.mapping.base_path.clone().unwrap_or_default();
    if let Some(api_id) = input.api_id {
        mapping.mapping.rest_api_id = Some(api_id);
    }
    if let Some(stage) = input.stage {
        mapping.mapping.stage = Some(stage);
    }
    check_target(
        &mut tx,
        &scope,
        &domain.doc,
        mapping.mapping.rest_api_id.as_deref().unwrap_or_default(),
        mapping.mapping.stage.as_deref().unwrap_or_default(),
    )
    .await?;
    // Stored before ids were kept: it keeps the id it answered with.
    mapping.api_mapping_id = Some(mapping.id());
    match new_key.filter(|k| *k != old_key) {
        None => tx.update(&MAPPING, &row, &mapping).await?,
        Some(key) => {
            // The base path is the document's id: it moves to a new one, keeping apiMappingId.
            mapping.mapping.base_path = Some(key.clone());
            tx.delete(&row).await?;
            match tx.insert(&MAPPING, &domain.row, &key, &mapping).await {
                Err(StoreError::Exists) => return Err(key_taken(&key, &name)),
                other => other?,
            };
        }
    }
    tx.commit().await?;
    Ok(convert(&mapping_view(&mapping)))
}

pub async fn delete_mapping(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteApiMappingRequest,
) -> Result<(), AwsError> {
    let id = required(input.api_mapping_id);
    let mut tx = store.write().await?;
    let domain = load_in(&mut tx, &scope(ctx), &required(input.domain_name)).await?;
    let mapping = find(&mut tx, &domain.row, &id).await?;
    tx.delete(&mapping.row).await?;
    tx.commit().await?;
    Ok(())
}

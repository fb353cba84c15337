//! Tags of REST APIs, stages, API keys, usage plans, client certificates, VPC links, domain
//! names and domain name access associations, addressed by ARN.

use crate::kinds::{
    ACCESS_ASSOCIATION, API_KEY, CLIENT_CERTIFICATE, DOMAIN_NAME, REST_API, STAGE, USAGE_PLAN, VPC_LINK,
};
use crate::support::required;
use portico_store::{Scope, Store, Stored};
use portico_wire::apigateway::*;
use portico_wire::{AwsError, RequestContext};
use std::collections::BTreeMap;

/// What an ARN names: `arn:aws:apigateway:{region}::/restapis/{id}[/stages/{name}]`.
enum Target {
    RestApi(String),
    Stage(String, String),
    ApiKey(String),
    UsagePlan(String),
    ClientCertificate(String),
    VpcLink(String),
    DomainName(String),
    AccessAssociation(String),
}

fn parse(ctx: &RequestContext, arn: &str) -> Result<(Scope, Target), AwsError> {
    let invalid = || AwsError::bad_request(format!("Invalid ARN specified in the request: {arn}"));
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "apigateway" {
        return Err(invalid());
    }
    let region = if parts[3].is_empty() {
        ctx.region.clone()
    } else {
        parts[3].to_string()
    };
    let scope = Scope {
        account: ctx.account.clone(),
        region,
    };
    if let Some(id) = crate::access_associations::tag_target(parts[5]) {
        return Ok((scope, Target::AccessAssociation(id)));
    }
    let segments: Vec<&str> = parts[5].trim_start_matches('/').split('/').collect();
    let target = match segments.as_slice() {
        ["restapis", id] => Target::RestApi(id.to_string()),
        ["restapis", id, "stages", name] => Target::Stage(id.to_string(), name.to_string()),
        ["apikeys", id] => Target::ApiKey(id.to_string()),
        ["usageplans", id] => Target::UsagePlan(id.to_string()),
        ["clientcertificates", id] => Target::ClientCertificate(id.to_string()),
        ["vpclinks", id] => Target::VpcLink(id.to_string()),
        ["domainnames", name] => Target::DomainName(name.to_ascii_lowercase()),
        _ => return Err(invalid()),
    };
    Ok((scope, target))
}

/// Applies `change` to the tags of whatever `arn` names, in one write.
async fn modify(
    store: &Store,
    ctx: &RequestContext,
    arn: &str,
    change: impl FnOnce(&mut BTreeMap<String, String>),
) -> Result<(), AwsError> {
    let (scope, target) = parse(ctx, arn)?;
    let mut tx = store.write().await?;
    match target {
        Target::RestApi(id) => {
            let Stored { row, doc: mut api } = tx
                .top(&REST_API, &scope, &id)
                .await?
                .ok_or_else(|| crate::support::api_not_found(ctx, &id))?;
            let tags = api.tags.get_or_insert_default();
            change(tags);
            if tags.is_empty() {
                api.tags = None;
            }
            tx.update(&REST_API, &row, &api).await?;
        }
        Target::Stage(api_id, name) => {
            let Stored { row, doc: mut stage } = tx
                .under(&REST_API, &STAGE, &scope, &api_id, &name)
                .await?
                .ok_or_else(crate::stages::not_found)?;
            let tags = stage.tags.get_or_insert_default();
            change(tags);
            if tags.is_empty() {
                stage.tags = None;
            }
            tx.update(&STAGE, &row, &stage).await?;
        }
        Target::ApiKey(id) => {
            let Stored { row, doc: mut key } = tx
                .top(&API_KEY, &scope, &id)
                .await?
                .ok_or_else(crate::api_keys::not_found)?;
            let tags = key.tags.get_or_insert_default();
            change(tags);
            if tags.is_empty() {
                key.tags = None;
            }
            tx.update(&API_KEY, &row, &key).await?;
        }
        Target::UsagePlan(id) => {
            let Stored { row, doc: mut plan } = tx
                .top(&USAGE_PLAN, &scope, &id)
                .await?
                .ok_or_else(crate::usage_plans::not_found)?;
            let tags = plan.tags.get_or_insert_default();
            change(tags);
            if tags.is_empty() {
                plan.tags = None;
            }
            tx.update(&USAGE_PLAN, &row, &plan).await?;
        }
        Target::ClientCertificate(id) => {
            let Stored { row, doc: mut cert } = tx
                .top(&CLIENT_CERTIFICATE, &scope, &id)
                .await?
                .ok_or_else(crate::client_certificates::not_found)?;
            let tags = cert.tags.get_or_insert_default();
            change(tags);
            if tags.is_empty() {
                cert.tags = None;
            }
            tx.update(&CLIENT_CERTIFICATE, &row, &cert).await?;
        }
        Target::VpcLink(id) => {
            let Stored { row, doc: mut link } = tx
                .top(&VPC_LINK, &scope, &id)
                .await?
                .ok_or_else(crate::vpc_links::not_found)?;
            let tags = link.tags.get_or_insert_default();
            change(tags);
            if tags.is_empty() {
                link.tags = None;
            }
            tx.update(&VPC_LINK, &row, &link).await?;
        }
        Target::DomainName(name) => {
            let Stored { row, doc: mut domain } = tx
                .top(&DOMAIN_NAME, &scope, &name)
                .await?
                .ok_or_else(crate::domain_names::not_found)?;
            let tags = domain.tags.get_or_insert_default();
            change(tags);
            if tags.is_empty() {
                domain.tags = None;
            }
            tx.update(&DOMAIN_NAME, &row, &domain).await?;
        }
        Target::AccessAssociation(id) => {
            let Stored {
                row,
                doc: mut association,
            } = tx
                .top(&ACCESS_ASSOCIATION, &scope, &id)
                .await?
                .ok_or_else(crate::access_associations::not_found)?;
            let tags = association.tags.get_or_insert_default();
            change(tags);
            if tags.is_empty() {
                association.tags = None;
            }
            tx.update(&ACCESS_ASSOCIATION, &row, &association).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

pub async fn tag(store: &Store, ctx: &RequestContext, input: TagResourceRequest) -> Result<(), AwsError> {
    let new = input.tags.unwrap_or_default();
    modify(store, ctx, &required(input.resource_arn), |tags| tags.extend(new)).await
}

pub async fn untag(store: &Store, ctx: &RequestContext, input: UntagResourceRequest) -> Result<(), AwsError> {
    let keys = input.tag_keys.unwrap_or_default();
    modify(store, ctx, &required(input.resource_arn), |tags| {
        tags.retain(|k, _| !keys.contains(k))
    })
    .await
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetTagsRequest) -> Result<Tags, AwsError> {
    let arn = required(input.resource_arn);
    let (scope, target) = parse(ctx, &arn)?;
    let tags = match target {
        Target::RestApi(id) => {
            store
                .top(&REST_API, &scope, &id)
                .await?
                .ok_or_else(|| crate::support::api_not_found(ctx, &id))?
                .doc
                .tags
        }
        Target::Stage(api_id, name) => {
            store
                .under(&REST_API, &STAGE, &scope, &api_id, &name)
                .await?
                .ok_or_else(crate::stages::not_found)?
                .doc
                .tags
        }
        Target::ApiKey(id) => {
            store
                .top(&API_KEY, &scope, &id)
                .await?
                .ok_or_else(crate::api_keys::not_found)?
                .doc
                .tags
        }
        Target::UsagePlan(id) => {
            store
                .top(&USAGE_PLAN, &scope, &id)
                .await?
                .ok_or_else(crate::usage_plans::not_found)?
                .doc
                .tags
        }
        Target::ClientCertificate(id) => {
            store
                .top(&CLIENT_CERTIFICATE, &scope, &id)
                .await?
                .ok_or_else(crate::client_certificates::not_found)?
                .doc
                .tags
        }
        Target::VpcLink(id) => {
            store
                .top(&VPC_LINK, &scope, &id)
                .await?
                .ok_or_else(crate::vpc_links::not_found)?
                .doc
                .tags
        }
        Target::DomainName(name) => {
            store
                .top(&DOMAIN_NAME, &scope, &name)
                .await?
                .ok_or_else(crate::domain_names::not_found)?
                .doc
                .tags
        }
        Target::AccessAssociation(id) => {
            store
                .top(&ACCESS_ASSOCIATION, &scope, &id)
                .await?
                .ok_or_else(crate::access_associations::not_found)?
                .doc
                .tags
        }
    };
    Ok(Tags {
        tags: Some(tags.unwrap_or_default()),
    })
}

//! TagResource, UntagResource and GetTags by ARN: `arn:aws:apigateway:{region}::/apis/{id}`,
//! `/apis/{id}/stages/{name}`, `/vpclinks/{id}` and `/domainnames/{name}` (the document REST
//! shares); the tags live in the resource's own document.

use crate::kinds::{API, STAGE, V2_VPC_LINK};
use crate::support::{not_found, required, scope};
use portico_rest::domain_names;
use portico_rest::kinds::DOMAIN_NAME;
use portico_store::{Scope, Store, Tx};
use portico_wire::apigatewayv2::*;
use portico_wire::{AwsError, RequestContext};
use std::collections::BTreeMap;

enum Target {
    Api(String),
    Stage(String, String),
    VpcLink(String),
    DomainName(String),
}

fn link_not_found(id: &str) -> AwsError {
    not_found("VpcLink", format!("Invalid VpcLink identifier specified {id}"))
}

fn domain_not_found(name: &str) -> AwsError {
    not_found("DomainName", format!("Invalid domain name identifier specified {name}"))
}

fn parse(arn: &str) -> Result<Target, AwsError> {
    let invalid = || AwsError::bad_request(format!("Invalid resource ARN {arn}"));
    let path = arn
        .strip_prefix("arn:")
        .and_then(|rest| rest.split_once("::"))
        .map(|(_, path)| path)
        .ok_or_else(invalid)?;
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["apis", id] => Ok(Target::Api((*id).to_owned())),
        ["apis", id, "stages", name] => Ok(Target::Stage((*id).to_owned(), (*name).to_owned())),
        ["vpclinks", id] => Ok(Target::VpcLink((*id).to_owned())),
        ["domainnames", name] => Ok(Target::DomainName((*name).to_owned())),
        _ => Err(invalid()),
    }
}

/// Applies `change` to the tags of the resource `arn` names, in one transaction.
async fn edit(
    tx: &mut Tx<'_>,
    scope: &Scope,
    arn: &str,
    change: impl FnOnce(&mut BTreeMap<String, String>),
) -> Result<(), AwsError> {
    match parse(arn)? {
        Target::Api(id) => {
            let mut api = tx
                .top(&API, scope, &id)
                .await?
                .ok_or_else(|| crate::support::api_not_found(&id))?;
            change(api.doc.tags.get_or_insert_default());
            tx.update(&API, &api.row, &api.doc).await?;
        }
        Target::Stage(id, name) => {
            let api = tx
                .top(&API, scope, &id)
                .await?
                .ok_or_else(|| crate::support::api_not_found(&id))?;
            let mut stage = tx
                .child(&STAGE, &api.row, &name)
                .await?
                .ok_or_else(|| not_found("Stage", format!("Invalid stage identifier specified {name}")))?;
            change(stage.doc.tags.get_or_insert_default());
            tx.update(&STAGE, &stage.row, &stage.doc).await?;
        }
        Target::VpcLink(id) => {
            let mut link = tx
                .top(&V2_VPC_LINK, scope, &id)
                .await?
                .ok_or_else(|| link_not_found(&id))?;
            change(link.doc.tags.get_or_insert_default());
            tx.update(&V2_VPC_LINK, &link.row, &link.doc).await?;
        }
        Target::DomainName(name) => {
            let mut domain = tx
                .top(&DOMAIN_NAME, scope, &domain_names::key(&name, None))
                .await?
                .ok_or_else(|| domain_not_found(&name))?;
            let tags = domain.doc.tags.get_or_insert_default();
            change(tags);
            // REST leaves out an empty tag map.
            if tags.is_empty() {
                domain.doc.tags = None;
            }
            tx.update(&DOMAIN_NAME, &domain.row, &domain.doc).await?;
        }
    }
    Ok(())
}

pub async fn tag(
    store: &Store,
    ctx: &RequestContext,
    input: TagResourceRequest,
) -> Result<TagResourceResponse, AwsError> {
    let arn = required(input.resource_arn);
    let tags = input.tags.unwrap_or_default();
    let mut tx = store.write().await?;
    edit(&mut tx, &scope(ctx), &arn, |t| t.extend(tags)).await?;
    tx.commit().await?;
    Ok(TagResourceResponse::default())
}

pub async fn untag(store: &Store, ctx: &RequestContext, input: UntagResourceRequest) -> Result<(), AwsError> {
    let arn = required(input.resource_arn);
    let keys = input.tag_keys.unwrap_or_default();
    let mut tx = store.write().await?;
    edit(&mut tx, &scope(ctx), &arn, |t| t.retain(|k, _| !keys.contains(k))).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetTagsRequest) -> Result<GetTagsResponse, AwsError> {
    let arn = required(input.resource_arn);
    let scope = scope(ctx);
    let tags = match parse(&arn)? {
        Target::Api(id) => crate::apis::load(store, &scope, &id).await?.doc.tags,
        Target::Stage(id, name) => {
            let api = crate::apis::load(store, &scope, &id).await?;
            store
                .child(&STAGE, &api.row, &name)
                .await?
                .ok_or_else(|| not_found("Stage", format!("Invalid stage identifier specified {name}")))?
                .doc
                .tags
        }
        Target::VpcLink(id) => {
            store
                .top(&V2_VPC_LINK, &scope, &id)
                .await?
                .ok_or_else(|| link_not_found(&id))?
                .doc
                .tags
        }
        Target::DomainName(name) => {
            store
                .top(&DOMAIN_NAME, &scope, &domain_names::key(&name, None))
                .await?
                .ok_or_else(|| domain_not_found(&name))?
                .doc
                .tags
        }
    };
    Ok(GetTagsResponse {
        tags: Some(tags.unwrap_or_default()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns() {
        assert!(matches!(parse("arn:aws:apigateway:us-east-1::/apis/abc"), Ok(Target::Api(id)) if id == "abc"));
        assert!(matches!(
            parse("arn:aws:apigateway:us-east-1::/apis/abc/stages/$default"),
            Ok(Target::Stage(id, name)) if id == "abc" && name == "$default"
        ));
        assert!(matches!(parse("arn:aws:apigateway:us-east-1::/vpclinks/abc"), Ok(Target::VpcLink(id)) if id == "abc"));
        assert!(matches!(
            parse("arn:aws:apigateway:us-east-1::/domainnames/api.example.com"),
            Ok(Target::DomainName(name)) if name == "api.example.com"
        ));
        assert!(parse("arn:aws:apigateway:us-east-1::/restapis/abc").is_err());
        assert!(parse("nonsense").is_err());
    }
}

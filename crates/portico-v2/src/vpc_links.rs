//! VPC links of HTTP APIs (v2: subnets and security groups, no load balancer), account-level.
//! They are AVAILABLE at once; the data plane resolves private integrations through them.

use crate::kinds::V2_VPC_LINK;
use crate::support::{convert, new_id, not_found, page_args, required, scope};
use portico_store::{List, Store, StoreError, Stored};
use portico_wire::apigatewayv2::*;
use portico_wire::types::{IsoTimestamp, Timestamp};
use portico_wire::{AwsError, RequestContext};

fn link_not_found(id: &str) -> AwsError {
    not_found("VpcLink", format!("Invalid VpcLink identifier specified {id}"))
}

pub async fn create(
    store: &Store,
    ctx: &RequestContext,
    input: CreateVpcLinkRequest,
) -> Result<CreateVpcLinkResponse, AwsError> {
    if input.subnet_ids.as_ref().is_none_or(|s| s.is_empty()) {
        return Err(AwsError::bad_request("A VPC link needs at least one subnet."));
    }
    let scope = scope(ctx);
    let mut link = VpcLink {
        created_date: Some(IsoTimestamp::from(Timestamp::now())),
        name: input.name,
        security_group_ids: Some(input.security_group_ids.unwrap_or_default()),
        subnet_ids: input.subnet_ids,
        tags: Some(input.tags.unwrap_or_default()),
        vpc_link_status: Some("AVAILABLE".into()),
        vpc_link_status_message: Some("VPC link is ready to route traffic".into()),
        vpc_link_version: Some("V2".into()),
        ..Default::default()
    };
    let mut tx = store.write().await?;
    loop {
        let id = new_id(6);
        link.vpc_link_id = Some(id.clone());
        match tx.insert_top(&V2_VPC_LINK, &scope, &id, &link).await {
            Err(StoreError::Exists) => continue,
            other => {
                other?;
                break;
            }
        }
    }
    tx.commit().await?;
    Ok(convert(&link))
}

pub async fn get(
    store: &Store,
    ctx: &RequestContext,
    input: GetVpcLinkRequest,
) -> Result<GetVpcLinkResponse, AwsError> {
    let id = required(input.vpc_link_id);
    let link = store
        .top(&V2_VPC_LINK, &scope(ctx), &id)
        .await?
        .ok_or_else(|| link_not_found(&id))?;
    Ok(convert(&link.doc))
}

pub async fn list(
    store: &Store,
    ctx: &RequestContext,
    input: GetVpcLinksRequest,
) -> Result<GetVpcLinksResponse, AwsError> {
    let (from, limit) = page_args(input.max_results.as_deref(), input.next_token.as_deref())?;
    let scope = scope(ctx);
    let page = store.page(&V2_VPC_LINK, List::Top(&scope), from, limit).await?;
    Ok(GetVpcLinksResponse {
        next_token: page.next_token(),
        items: Some(page.items.into_iter().map(|l| l.doc).collect()),
    })
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateVpcLinkRequest,
) -> Result<UpdateVpcLinkResponse, AwsError> {
    let id = required(input.vpc_link_id);
    let mut tx = store.write().await?;
    let Stored { row, doc: mut link } = tx
        .top(&V2_VPC_LINK, &scope(ctx), &id)
        .await?
        .ok_or_else(|| link_not_found(&id))?;
    if input.name.is_some() {
        link.name = input.name;
    }
    tx.update(&V2_VPC_LINK, &row, &link).await?;
    tx.commit().await?;
    Ok(convert(&link))
}

pub async fn delete(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteVpcLinkRequest,
) -> Result<DeleteVpcLinkResponse, AwsError> {
    let id = required(input.vpc_link_id);
    let mut tx = store.write().await?;
    let link = tx
        .top(&V2_VPC_LINK, &scope(ctx), &id)
        .await?
        .ok_or_else(|| link_not_found(&id))?;
    tx.delete(&link.row).await?;
    tx.commit().await?;
    Ok(DeleteVpcLinkResponse::default())
}

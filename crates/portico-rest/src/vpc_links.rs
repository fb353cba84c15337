//! VPC links (REST flavour): account-level names for network load balancers that
//! `connectionType: VPC_LINK` integrations go through. Nothing is provisioned, so a link is
//! AVAILABLE as soon as it exists.

use crate::kinds::VPC_LINK;
use crate::support::{Patch, check_text, limit, new_id, patches, position, required, scope};
use portico_store::{List, Store, StoreError, Stored};
use portico_wire::apigateway::*;
use portico_wire::{AwsError, RequestContext};

pub fn not_found() -> AwsError {
    AwsError::not_found("Invalid Vpc Link identifier specified")
}

fn check_name(name: &str) -> Result<(), AwsError> {
    if name.trim().is_empty() {
        return Err(AwsError::bad_request("VpcLink name cannot be blank"));
    }
    check_text("name", name)
}

pub async fn create(store: &Store, ctx: &RequestContext, input: CreateVpcLinkRequest) -> Result<VpcLink, AwsError> {
    let name = input.name.clone().unwrap_or_default();
    check_name(&name)?;
    let targets = input.target_arns.unwrap_or_default();
    if targets.is_empty() {
        return Err(AwsError::bad_request("targetArns must contain at least one ARN"));
    }
    let mut link = VpcLink {
        id: None,
        name: Some(name),
        description: input.description,
        target_arns: Some(targets),
        status: Some("AVAILABLE".into()),
        status_message: Some("Your vpc link is ready for use".into()),
        tags: input.tags.filter(|t| !t.is_empty()),
    };
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    loop {
        let id = new_id(6);
        link.id = Some(id.clone());
        match tx.insert_top(&VPC_LINK, &scope, &id, &link).await {
            Err(StoreError::Exists) => continue,
            other => {
                other?;
                break;
            }
        }
    }
    tx.commit().await?;
    Ok(link)
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetVpcLinkRequest) -> Result<VpcLink, AwsError> {
    store
        .top(&VPC_LINK, &scope(ctx), &required(input.vpc_link_id))
        .await?
        .map(|l| l.doc)
        .ok_or_else(not_found)
}

pub async fn list(store: &Store, ctx: &RequestContext, input: GetVpcLinksRequest) -> Result<VpcLinks, AwsError> {
    let page = store
        .page(
            &VPC_LINK,
            List::Top(&scope(ctx)),
            position(input.position.as_deref())?,
            limit(input.limit)?,
        )
        .await?;
    Ok(VpcLinks {
        position: page.next_token(),
        items: Some(page.items.into_iter().map(|l| l.doc).collect()),
    })
}

fn apply(link: &mut VpcLink, op: &Patch) -> Result<(), AwsError> {
    match (op.op, op.segs().as_slice()) {
        ("replace", ["name"]) => {
            let name = op.string()?;
            check_name(&name)?;
            link.name = Some(name);
        }
        ("replace", ["description"]) => {
            if let Some(description) = op.value.as_deref() {
                check_text("description", description)?;
            }
            link.description = op.optional_string();
        }
        _ => return Err(op.invalid_path(&["/name", "/description"])),
    }
    Ok(())
}

pub async fn update(store: &Store, ctx: &RequestContext, input: UpdateVpcLinkRequest) -> Result<VpcLink, AwsError> {
    let id = required(input.vpc_link_id);
    let ops = patches(input.patch_operations, "updateVpcLinkInput")?;
    let mut tx = store.write().await?;
    let Stored { row, doc: mut link } = tx.top(&VPC_LINK, &scope(ctx), &id).await?.ok_or_else(not_found)?;
    for op in &ops {
        apply(&mut link, op)?;
    }
    tx.update(&VPC_LINK, &row, &link).await?;
    tx.commit().await?;
    Ok(link)
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteVpcLinkRequest) -> Result<(), AwsError> {
    let id = required(input.vpc_link_id);
    let mut tx = store.write().await?;
    let link = tx.top(&VPC_LINK, &scope(ctx), &id).await?.ok_or_else(not_found)?;
    tx.delete(&link.row).await?;
    tx.commit().await?;
    Ok(())
}

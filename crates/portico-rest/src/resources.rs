//! The resource tree of an API. A resource document carries its methods (see `methods`).

use crate::kinds::{RESOURCE, REST_API};
use crate::quotas::Quotas;
use crate::restapis;
use crate::support::{limit, new_id, patches, position, required, scope};
use portico_store::{List, Scope, Store, StoreError, Stored, Tx};
use portico_wire::apigateway::*;
use portico_wire::{AwsError, RequestContext};

pub fn not_found() -> AwsError {
    AwsError::not_found("Invalid Resource identifier specified")
}

/// Longest path part Portico takes: AWS bounds a whole regional URL at 10,240 characters.
const MAX_PATH_PART: usize = 1024;

pub(crate) fn check_path_part(part: &str) -> Result<(), AwsError> {
    if part.len() > MAX_PATH_PART {
        return Err(AwsError::bad_request(format!(
            "Resource's path part must be at most {MAX_PATH_PART} characters long"
        )));
    }
    let plain = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "._:-".contains(c));
    let variable = part
        .strip_prefix('{')
        .and_then(|p| p.strip_suffix('}'))
        .map(|p| p.strip_suffix('+').unwrap_or(p))
        .is_some_and(plain);
    if plain(part) || variable {
        Ok(())
    } else {
        Err(AwsError::bad_request(
            "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.",
        ))
    }
}

fn is_variable(part: &str) -> bool {
    part.starts_with('{')
}

fn is_greedy(part: &str) -> bool {
    part.ends_with("+}")
}

fn child_path(parent: &Resource, part: &str) -> String {
    match parent.path.as_deref() {
        Some("/") | None => format!("/{part}"),
        Some(p) => format!("{p}/{part}"),
    }
}

/// The checks AWS makes before `part` may sit under `parent`, found through the index of
/// sibling names (never by reading every sibling). `moving` is the resource being renamed or
/// moved, which does not conflict with itself.
async fn check_placement(
    tx: &mut Tx<'_>,
    parent: &Stored<Resource>,
    part: &str,
    moving: Option<&str>,
) -> Result<(), AwsError> {
    check_path_part(part)?;
    if let Some(p) = parent.doc.path_part.as_deref().filter(|p| is_greedy(p)) {
        return Err(AwsError::bad_request(format!(
            "Cannot create a child of a resource with a greedy path variable: {p}"
        )));
    }
    let other = |s: &Stored<Resource>| s.doc.id.as_deref() != moving;
    if let Some(same) = tx.child_named_like(&RESOURCE, &parent.row, part).await?
        && same.doc.path_part.as_deref() == Some(part)
        && other(&same)
    {
        return Err(AwsError::conflict(format!(
            "Another resource with the same parent already has this name: {part}"
        )));
    }
    if is_variable(part)
        && let Some(sibling) = tx.child_named_like(&RESOURCE, &parent.row, "{").await?
        && other(&sibling)
    {
        return Err(AwsError::bad_request(format!(
            "A sibling ({}) of this resource already has a variable path part -- only one is allowed",
            sibling.doc.path_part.as_deref().unwrap_or_default()
        )));
    }
    Ok(())
}

pub async fn create(
    store: &Store,
    quotas: &Quotas,
    ctx: &RequestContext,
    input: CreateResourceRequest,
) -> Result<Resource, AwsError> {
    let api_id = required(input.rest_api_id);
    let parent_id = required(input.parent_id);
    let part = required(input.path_part);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let api = restapis::load_in(&mut tx, ctx, &scope, &api_id).await?;
    let parent = tx.child(&RESOURCE, &api.row, &parent_id).await?.ok_or_else(not_found)?;
    check_placement(&mut tx, &parent, &part, None).await?;
    if tx.count(&RESOURCE, List::Tree(&api.row)).await? >= quotas.get("resources-per-api") {
        return Err(AwsError::limit_exceeded(
            "Maximum number of Resources for this API has been reached.  Please contact AWS if you need additional Resources.",
        ));
    }
    let mut resource = Resource {
        id: None,
        parent_id: Some(parent_id),
        path: Some(child_path(&parent.doc, &part)),
        path_part: Some(part),
        resource_methods: None,
    };
    loop {
        let id = new_id(6);
        resource.id = Some(id.clone());
        let name = resource.path_part.as_deref();
        match tx.insert_named(&RESOURCE, &parent.row, &id, name, &resource).await {
            Err(StoreError::Exists) => continue,
            other => break other.map(drop)?,
        };
    }
    tx.commit().await?;
    Ok(resource)
}

/// `embed=methods` shows whole methods; without it each method is an empty object.
fn view(mut resource: Resource, embed: &Option<Vec<String>>) -> Resource {
    let embed_methods = embed.as_ref().is_some_and(|e| e.iter().any(|e| e == "methods"));
    if !embed_methods && let Some(methods) = resource.resource_methods.as_mut() {
        methods.values_mut().for_each(|m| *m = Method::default());
    }
    if resource.resource_methods.as_ref().is_some_and(|m| m.is_empty()) {
        resource.resource_methods = None;
    }
    resource
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetResourceRequest) -> Result<Resource, AwsError> {
    let api_id = required(input.rest_api_id);
    let resource = store
        .under(&REST_API, &RESOURCE, &scope(ctx), &api_id, &required(input.resource_id))
        .await?;
    match resource {
        Some(r) => Ok(view(r.doc, &input.embed)),
        None => {
            restapis::load(store, ctx, &api_id).await?;
            Err(not_found())
        }
    }
}

pub async fn list(store: &Store, ctx: &RequestContext, input: GetResourcesRequest) -> Result<Resources, AwsError> {
    let api_id = required(input.rest_api_id);
    let api = restapis::load(store, ctx, &api_id).await?;
    let page = store
        .page(
            &RESOURCE,
            List::Tree(&api.row),
            position(input.position.as_deref())?,
            limit(input.limit)?,
        )
        .await?;
    Ok(Resources {
        position: page.next_token(),
        items: Some(page.items.into_iter().map(|r| view(r.doc, &input.embed)).collect()),
    })
}

pub async fn update(store: &Store, ctx: &RequestContext, input: UpdateResourceRequest) -> Result<Resource, AwsError> {
    let api_id = required(input.rest_api_id);
    let resource_id = required(input.resource_id);
    let scope = scope(ctx);
    let ops = patches(input.patch_operations, "updateResourceInput")?;
    let mut tx = store.write().await?;
    let Stored { row, doc: mut resource } = tx
        .under(&REST_API, &RESOURCE, &scope, &api_id, &resource_id)
        .await?
        .ok_or_else(not_found)?;
    let is_root = resource.parent_id.is_none();
    for op in &ops {
        if op.op != "replace" {
            return Err(AwsError::bad_request(format!(
                "Invalid patch path  '{}' specified for op '{}'. Please choose supported operations",
                op.path, op.op
            )));
        }
        match op.segs().as_slice() {
            ["pathPart"] if is_root => return Err(AwsError::bad_request("Root resource cannot update its pathPart.")),
            ["parentId"] if is_root => return Err(AwsError::bad_request("Root resource cannot update its parentId.")),
            ["pathPart"] => resource.path_part = Some(op.string()?),
            ["parentId"] => resource.parent_id = Some(op.string()?),
            _ => {
                return Err(AwsError::bad_request(format!(
                    "Invalid patch path  '{}' specified for op 'replace'. Must be one of: [/parentId, /pathPart]",
                    op.path
                )));
            }
        }
    }
    if is_root {
        // Nothing the root takes changes it.
        tx.commit().await?;
        return Ok(view(resource, &None));
    }
    let parent_id = resource.parent_id.clone().unwrap_or_default();
    let parent = tx.child(&RESOURCE, &row, &parent_id).await?.ok_or_else(not_found)?;
    // Moving under itself or a descendant would make a cycle: walk up from the new parent.
    let mut cursor = Some(parent.doc.clone());
    while let Some(ancestor) = cursor {
        if ancestor.id.as_deref() == Some(&resource_id) {
            return Err(AwsError::bad_request("Resources cannot be cyclical."));
        }
        cursor = match ancestor.parent_id {
            Some(id) => tx.child(&RESOURCE, &row, &id).await?.map(|a| a.doc),
            None => None,
        };
    }
    let part = resource.path_part.clone().unwrap_or_default();
    check_placement(&mut tx, &parent, &part, Some(&resource_id)).await?;
    let old_path = resource.path.clone().unwrap_or_default();
    let new_path = child_path(&parent.doc, &part);
    if old_path != new_path {
        // Only this subtree's paths change, each rewritten once.
        for Stored { row: below, doc: mut d } in tx.descendants(&RESOURCE, &row).await? {
            let path = d.path.as_deref().unwrap_or_default();
            if let Some(rest) = path.strip_prefix(&old_path) {
                d.path = Some(format!("{new_path}{rest}"));
                tx.update(&RESOURCE, &below, &d).await?;
            }
        }
        resource.path = Some(new_path);
    }
    tx.place(&row, &parent.row, &part).await?;
    tx.update(&RESOURCE, &row, &resource).await?;
    tx.commit().await?;
    Ok(view(resource, &None))
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteResourceRequest) -> Result<(), AwsError> {
    let api_id = required(input.rest_api_id);
    let resource_id = required(input.resource_id);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let target = tx
        .under(&REST_API, &RESOURCE, &scope, &api_id, &resource_id)
        .await?
        .ok_or_else(not_found)?;
    if target.doc.parent_id.is_none() {
        return Err(AwsError::bad_request("Cannot delete root resource"));
    }
    // The resource and everything below it.
    tx.delete(&target.row).await?;
    tx.commit().await?;
    Ok(())
}

/// Loads a resource inside a write, with the 404 AWS gives for it.
pub async fn load_in(
    tx: &mut Tx<'_>,
    scope: &Scope,
    api_id: &str,
    resource_id: &str,
) -> Result<Stored<Resource>, AwsError> {
    tx.under(&REST_API, &RESOURCE, scope, api_id, resource_id)
        .await?
        .ok_or_else(not_found)
}

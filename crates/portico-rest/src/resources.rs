//! The resource tree of an API. A resource document carries its methods (see `methods`).

use crate::restapis;
use crate::support::{new_id, page, patches, required, scope};
use portico_store::{Kind, Scope, Store, Tx};
use portico_wire::apigateway::*;
use portico_wire::{AwsError, RequestContext};

/// AWS's default quota of resources per API, the root included.
const MAX_RESOURCES: usize = 300;

pub fn not_found() -> AwsError {
    AwsError::not_found("Invalid Resource identifier specified")
}

fn check_path_part(part: &str) -> Result<(), AwsError> {
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

/// The checks AWS makes before `part` may sit under `parent` beside `siblings`.
fn check_placement(parent: &Resource, part: &str, siblings: &[&Resource]) -> Result<(), AwsError> {
    check_path_part(part)?;
    if let Some(p) = parent.path_part.as_deref().filter(|p| is_greedy(p)) {
        return Err(AwsError::bad_request(format!(
            "Cannot create a child of a resource with a greedy path variable: {p}"
        )));
    }
    for sibling in siblings {
        let sibling_part = sibling.path_part.as_deref().unwrap_or_default();
        if sibling_part == part {
            return Err(AwsError::conflict(format!(
                "Another resource with the same parent already has this name: {part}"
            )));
        }
        if is_variable(part) && is_variable(sibling_part) {
            return Err(AwsError::bad_request(format!(
                "A sibling ({sibling_part}) of this resource already has a variable path part -- only one is allowed"
            )));
        }
    }
    Ok(())
}

pub async fn create(store: &Store, ctx: &RequestContext, input: CreateResourceRequest) -> Result<Resource, AwsError> {
    let api_id = required(input.rest_api_id);
    let parent_id = required(input.parent_id);
    let part = required(input.path_part);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    restapis::load_in(&mut tx, ctx, &scope, &api_id).await?;
    let all = tx.list::<Resource>(&scope, &api_id).await?;
    let parent = all
        .iter()
        .find(|r| r.id.as_deref() == Some(&parent_id))
        .ok_or_else(not_found)?;
    let siblings: Vec<&Resource> = all
        .iter()
        .filter(|r| r.parent_id.as_deref() == Some(&parent_id))
        .collect();
    check_placement(parent, &part, &siblings)?;
    if all.len() >= MAX_RESOURCES {
        return Err(AwsError::limit_exceeded(
            "Maximum number of Resources for this API has been reached.  Please contact AWS if you need additional Resources.",
        ));
    }
    let resource = Resource {
        id: Some(new_id(6)),
        parent_id: Some(parent_id),
        path: Some(child_path(parent, &part)),
        path_part: Some(part),
        resource_methods: None,
    };
    tx.put(&scope, &api_id, resource.id.as_deref().unwrap_or_default(), &resource)
        .await?;
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
        .get::<Resource>(&scope(ctx), &api_id, &required(input.resource_id))
        .await?;
    match resource {
        Some(r) => Ok(view(r, &input.embed)),
        None => {
            restapis::load(store, ctx, &api_id).await?;
            Err(not_found())
        }
    }
}

pub async fn list(store: &Store, ctx: &RequestContext, input: GetResourcesRequest) -> Result<Resources, AwsError> {
    let api_id = required(input.rest_api_id);
    restapis::load(store, ctx, &api_id).await?;
    let all = store.list::<Resource>(&scope(ctx), &api_id).await?;
    let (items, position) = page(all, input.position.as_deref(), input.limit, |r| r.id.as_deref())?;
    Ok(Resources {
        items: Some(items.into_iter().map(|r| view(r, &input.embed)).collect()),
        position,
    })
}

pub async fn update(store: &Store, ctx: &RequestContext, input: UpdateResourceRequest) -> Result<Resource, AwsError> {
    let api_id = required(input.rest_api_id);
    let resource_id = required(input.resource_id);
    let scope = scope(ctx);
    let ops = patches(input.patch_operations, "updateResourceInput")?;
    let mut tx = store.write().await?;
    let mut all = tx.list::<Resource>(&scope, &api_id).await?;
    let index = all
        .iter()
        .position(|r| r.id.as_deref() == Some(&resource_id))
        .ok_or_else(not_found)?;
    for op in &ops {
        if op.op != "replace" {
            return Err(AwsError::bad_request(format!(
                "Invalid patch path  '{}' specified for op '{}'. Please choose supported operations",
                op.path, op.op
            )));
        }
        let is_root = all[index].parent_id.is_none();
        match op.segs().as_slice() {
            ["pathPart"] if is_root => return Err(AwsError::bad_request("Root resource cannot update its pathPart.")),
            ["parentId"] if is_root => return Err(AwsError::bad_request("Root resource cannot update its parentId.")),
            ["pathPart"] => all[index].path_part = Some(op.string()?),
            ["parentId"] => {
                let new_parent = op.string()?;
                if !all.iter().any(|r| r.id.as_deref() == Some(&new_parent)) {
                    return Err(not_found());
                }
                // Moving under itself or a descendant would make a cycle.
                let mut cursor = Some(new_parent.clone());
                while let Some(id) = cursor {
                    if id == resource_id {
                        return Err(AwsError::bad_request("Resources cannot be cyclical."));
                    }
                    cursor = all
                        .iter()
                        .find(|r| r.id.as_deref() == Some(&id))
                        .and_then(|r| r.parent_id.clone());
                }
                all[index].parent_id = Some(new_parent);
            }
            _ => {
                return Err(AwsError::bad_request(format!(
                    "Invalid patch path  '{}' specified for op 'replace'. Must be one of: [/parentId, /pathPart]",
                    op.path
                )));
            }
        }
    }
    // The root has no parent and cannot move; anything else must fit where it now sits.
    if let Some(parent_id) = all[index].parent_id.clone() {
        let part = all[index].path_part.clone().unwrap_or_default();
        let parent = all
            .iter()
            .find(|r| r.id.as_deref() == Some(&parent_id))
            .ok_or_else(not_found)?;
        let siblings: Vec<&Resource> = all
            .iter()
            .filter(|r| r.parent_id.as_deref() == Some(&parent_id) && r.id.as_deref() != Some(&resource_id))
            .collect();
        check_placement(parent, &part, &siblings)?;
    }
    recompute_paths(&mut all);
    for r in &all {
        tx.put(&scope, &api_id, r.id.as_deref().unwrap_or_default(), r).await?;
    }
    tx.commit().await?;
    let updated = all.swap_remove(index);
    Ok(view(updated, &None))
}

/// Paths follow from parent links; after a move or rename every descendant changes.
fn recompute_paths(all: &mut [Resource]) {
    let mut changed = true;
    while changed {
        changed = false;
        for i in 0..all.len() {
            let Some(parent_id) = all[i].parent_id.clone() else {
                continue;
            };
            let Some(parent) = all.iter().find(|r| r.id.as_deref() == Some(&parent_id)) else {
                continue;
            };
            let path = child_path(parent, all[i].path_part.as_deref().unwrap_or_default());
            if all[i].path.as_deref() != Some(&path) {
                all[i].path = Some(path);
                changed = true;
            }
        }
    }
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteResourceRequest) -> Result<(), AwsError> {
    let api_id = required(input.rest_api_id);
    let resource_id = required(input.resource_id);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let all = tx.list::<Resource>(&scope, &api_id).await?;
    let target = all
        .iter()
        .find(|r| r.id.as_deref() == Some(&resource_id))
        .ok_or_else(not_found)?;
    if target.parent_id.is_none() {
        return Err(AwsError::bad_request("Cannot delete root resource"));
    }
    // The resource and everything below it.
    let mut doomed = vec![resource_id];
    let mut i = 0;
    while i < doomed.len() {
        let id = doomed[i].clone();
        doomed.extend(
            all.iter()
                .filter(|r| r.parent_id.as_deref() == Some(&id))
                .filter_map(|r| r.id.clone()),
        );
        i += 1;
    }
    for id in &doomed {
        tx.delete(&scope, Kind::Resource, &api_id, id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Loads a resource inside a write, with the 404s AWS gives for it.
pub async fn load_in(tx: &mut Tx<'_>, scope: &Scope, api_id: &str, resource_id: &str) -> Result<Resource, AwsError> {
    tx.get::<Resource>(scope, api_id, resource_id)
        .await?
        .ok_or_else(not_found)
}

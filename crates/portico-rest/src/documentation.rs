//! Documentation parts (a JSON `properties` text attached to a location in the API) and
//! documentation versions (named snapshots of all parts, which a stage can point at).

use crate::kinds::{DOCUMENTATION_PART, DOCUMENTATION_VERSION, DocumentationSnapshot, REST_API, STAGE};
use crate::restapis;
use crate::support::{Patch, api_not_found, check_text, limit, new_id, patches, position, required, scope};
use portico_store::{List, Row, Store, StoreError, Stored, Tx};
use portico_wire::apigateway::*;
use portico_wire::types::Timestamp;
use portico_wire::{AwsError, RequestContext};

pub fn part_not_found() -> AwsError {
    AwsError::not_found("Invalid Documentation part identifier specified")
}

pub fn version_not_found() -> AwsError {
    AwsError::not_found("Invalid Documentation version identifier specified")
}

/// Which location members a type takes (AWS's table): path and method default to `/` and
/// `*`, statusCode to `*`; `name` has no default. Members a type does not take are dropped.
pub fn location(input: Option<DocumentationPartLocation>) -> Result<DocumentationPartLocation, AwsError> {
    let input = input.unwrap_or_default();
    let kind = input.r#type.clone().unwrap_or_default();
    let (path, method, name, status) = match kind.as_str() {
        "API" => (false, false, false, false),
        "AUTHORIZER" | "MODEL" => (false, false, true, false),
        "RESOURCE" => (true, false, false, false),
        "METHOD" | "REQUEST_BODY" => (true, true, false, false),
        "QUERY_PARAMETER" | "REQUEST_HEADER" | "PATH_PARAMETER" => (true, true, true, false),
        "RESPONSE" | "RESPONSE_BODY" => (true, true, false, true),
        "RESPONSE_HEADER" => (true, true, true, true),
        _ => {
            return Err(AwsError::bad_request(format!(
                "Invalid documentation part location type: {kind}"
            )));
        }
    };
    let given = |v: Option<String>| v.filter(|v| !v.is_empty());
    let name = if name {
        let Some(name) = given(input.name) else {
            return Err(AwsError::bad_request(format!(
                "Invalid location: 'name' is required for location type {kind}"
            )));
        };
        Some(name)
    } else {
        None
    };
    let path = path.then(|| given(input.path).unwrap_or_else(|| "/".into()));
    if let Some(p) = path.as_deref()
        && !p.starts_with('/')
    {
        return Err(AwsError::bad_request(format!("Invalid location path: {p}")));
    }
    Ok(DocumentationPartLocation {
        r#type: Some(kind),
        path,
        method: method.then(|| given(input.method).unwrap_or_else(|| "*".into())),
        status_code: status.then(|| given(input.status_code).unwrap_or_else(|| "*".into())),
        name,
    })
}

/// `properties` must be a JSON document; AWS keeps the text.
fn check_properties(properties: Option<&str>) -> Result<String, AwsError> {
    let text = properties.unwrap_or_default();
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(_)) => Ok(text.to_string()),
        _ => Err(AwsError::bad_request(
            "Invalid Documentation part properties: must be a JSON object",
        )),
    }
}

fn duplicate() -> AwsError {
    AwsError::conflict("Documentation part already exists for the specified location")
}

async fn insert_part(tx: &mut Tx<'_>, api: &Row, mut part: DocumentationPart) -> Result<DocumentationPart, AwsError> {
    loop {
        let id = new_id(6);
        part.id = Some(id.clone());
        match tx.insert(&DOCUMENTATION_PART, api, &id, &part).await {
            Err(StoreError::Exists) => continue,
            other => {
                other?;
                return Ok(part);
            }
        }
    }
}

pub async fn create_part(
    store: &Store,
    ctx: &RequestContext,
    input: CreateDocumentationPartRequest,
) -> Result<DocumentationPart, AwsError> {
    let api_id = required(input.rest_api_id);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let api = restapis::load_in(&mut tx, ctx, &scope, &api_id).await?;
    let location = location(input.location)?;
    let properties = check_properties(input.properties.as_deref())?;
    let existing = tx.children(&DOCUMENTATION_PART, &api.row).await?;
    if existing.iter().any(|p| p.doc.location.as_ref() == Some(&location)) {
        return Err(duplicate());
    }
    let part = DocumentationPart {
        id: None,
        location: Some(location),
        properties: Some(properties),
    };
    let part = insert_part(&mut tx, &api.row, part).await?;
    tx.commit().await?;
    Ok(part)
}

pub async fn get_part(
    store: &Store,
    ctx: &RequestContext,
    input: GetDocumentationPartRequest,
) -> Result<DocumentationPart, AwsError> {
    store
        .under(
            &REST_API,
            &DOCUMENTATION_PART,
            &scope(ctx),
            &required(input.rest_api_id),
            &required(input.documentation_part_id),
        )
        .await?
        .map(|p| p.doc)
        .ok_or_else(part_not_found)
}

/// Whether a part has content: properties other than `{}`.
fn documented(part: &DocumentationPart) -> bool {
    serde_json::from_str::<serde_json::Value>(part.properties.as_deref().unwrap_or_default())
        .ok()
        .and_then(|v| v.as_object().map(|o| !o.is_empty()))
        .unwrap_or(false)
}

/// A filtered list's page: `position` is the index of the first item, as text.
fn page_of<T>(items: Vec<T>, position: Option<&str>, limit: usize) -> Result<(Vec<T>, Option<String>), AwsError> {
    let start = match position {
        None | Some("") => 0,
        Some(p) => p
            .parse::<usize>()
            .map_err(|_| AwsError::bad_request("Invalid position parameter"))?,
    };
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(limit).collect();
    let next = (start + page.len() < total).then(|| (start + page.len()).to_string());
    Ok((page, next))
}

pub async fn list_parts(
    store: &Store,
    ctx: &RequestContext,
    input: GetDocumentationPartsRequest,
) -> Result<DocumentationParts, AwsError> {
    let api = restapis::load(store, ctx, &required(input.rest_api_id)).await?;
    let limit = limit(input.limit)?;
    let name_query = input.name_query.filter(|q| !q.is_empty()).map(|q| q.to_lowercase());
    let parts: Vec<DocumentationPart> = store
        .children(&DOCUMENTATION_PART, &api.row)
        .await?
        .into_iter()
        .map(|p| p.doc)
        .filter(|p| {
            let loc = p.location.clone().unwrap_or_default();
            input.r#type.as_ref().is_none_or(|t| loc.r#type.as_ref() == Some(t))
                && input.path.as_ref().is_none_or(|path| loc.path.as_ref() == Some(path))
                && name_query
                    .as_ref()
                    .is_none_or(|q| loc.name.as_ref().is_some_and(|n| n.to_lowercase().contains(q)))
                && match input.location_status.as_deref() {
                    Some("DOCUMENTED") => documented(p),
                    Some("UNDOCUMENTED") => !documented(p),
                    _ => true,
                }
        })
        .collect();
    let (items, position) = page_of(parts, input.position.as_deref(), limit)?;
    Ok(DocumentationParts {
        position,
        items: Some(items),
    })
}

pub async fn update_part(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateDocumentationPartRequest,
) -> Result<DocumentationPart, AwsError> {
    let api_id = required(input.rest_api_id);
    let id = required(input.documentation_part_id);
    let ops = patches(input.patch_operations, "updateDocumentationPartInput")?;
    let mut tx = store.write().await?;
    let Stored { row, doc: mut part } = tx
        .under(&REST_API, &DOCUMENTATION_PART, &scope(ctx), &api_id, &id)
        .await?
        .ok_or_else(part_not_found)?;
    for op in &ops {
        if op.op != "replace" {
            return Err(AwsError::bad_request(format!(
                "Invalid patch path  '{}' specified for op '{}'. Please choose supported operations",
                op.path, op.op
            )));
        }
        match op.segs().as_slice() {
            ["properties"] => part.properties = Some(check_properties(op.value.as_deref())?),
            _ => {
                return Err(AwsError::bad_request(format!(
                    "Invalid patch path  '{}' specified for op '{}'. Must be one of: [/properties]",
                    op.path, op.op
                )));
            }
        }
    }
    tx.update(&DOCUMENTATION_PART, &row, &part).await?;
    tx.commit().await?;
    Ok(part)
}

pub async fn delete_part(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteDocumentationPartRequest,
) -> Result<(), AwsError> {
    let api_id = required(input.rest_api_id);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let api = restapis::load_in(&mut tx, ctx, &scope, &api_id).await?;
    let part = tx
        .child(&DOCUMENTATION_PART, &api.row, &required(input.documentation_part_id))
        .await?
        .ok_or_else(part_not_found)?;
    tx.delete(&part.row).await?;
    tx.commit().await?;
    Ok(())
}

/// The parts of an OpenAPI document's `x-amazon-apigateway-documentation`.
fn imported_parts(body: &[u8]) -> Result<Vec<(DocumentationPartLocation, String)>, AwsError> {
    let unable = || AwsError::bad_request("Unable to build importer with provided input.");
    let doc: serde_json::Value = serde_json::from_slice(body).map_err(|_| unable())?;
    if !doc.is_object() {
        return Err(unable());
    }
    let parts = doc
        .pointer("/x-amazon-apigateway-documentation/documentationParts")
        .and_then(|p| p.as_array())
        .cloned()
        .unwrap_or_default();
    parts
        .into_iter()
        .map(|p| {
            let loc: DocumentationPartLocation =
                serde_json::from_value(p.get("location").cloned().unwrap_or_default()).map_err(|_| unable())?;
            let properties = match p.get("properties") {
                Some(serde_json::Value::String(text)) => check_properties(Some(text))?,
                Some(value @ serde_json::Value::Object(_)) => value.to_string(),
                _ => "{}".to_string(),
            };
            Ok((location(Some(loc))?, properties))
        })
        .collect()
}

pub async fn import_parts(
    store: &Store,
    ctx: &RequestContext,
    input: ImportDocumentationPartsRequest,
) -> Result<DocumentationPartIds, AwsError> {
    let api_id = required(input.rest_api_id);
    let scope = scope(ctx);
    let overwrite = match input.mode.as_deref() {
        None | Some("merge") => false,
        Some("overwrite") => true,
        Some(other) => return Err(AwsError::bad_request(format!("Invalid mode: {other}"))),
    };
    let mut tx = store.write().await?;
    let api = restapis::load_in(&mut tx, ctx, &scope, &api_id).await?;
    let imported = imported_parts(input.body.as_ref().map(|b| b.0.as_slice()).unwrap_or_default())?;
    let mut existing = tx.children(&DOCUMENTATION_PART, &api.row).await?;
    if overwrite {
        for part in existing.drain(..) {
            tx.delete(&part.row).await?;
        }
    }
    let mut ids = Vec::new();
    for (location, properties) in imported {
        // Merge: a part at the same location takes the new properties and keeps its id.
        if let Some(found) = existing.iter_mut().find(|p| p.doc.location.as_ref() == Some(&location)) {
            found.doc.properties = Some(properties);
            tx.update(&DOCUMENTATION_PART, &found.row, &found.doc).await?;
            ids.push(found.doc.id.clone().unwrap_or_default());
            continue;
        }
        let part = DocumentationPart {
            id: None,
            location: Some(location),
            properties: Some(properties),
        };
        let part = insert_part(&mut tx, &api.row, part).await?;
        ids.push(part.id.clone().unwrap_or_default());
        let row = tx
            .child(&DOCUMENTATION_PART, &api.row, part.id.as_deref().unwrap_or_default())
            .await?
            .map(|p| p.row)
            .ok_or_else(part_not_found)?;
        existing.push(Stored { row, doc: part });
    }
    tx.commit().await?;
    Ok(DocumentationPartIds {
        ids: Some(ids),
        warnings: None,
    })
}

pub async fn create_version(
    store: &Store,
    ctx: &RequestContext,
    input: CreateDocumentationVersionRequest,
) -> Result<DocumentationVersion, AwsError> {
    let api_id = required(input.rest_api_id);
    let name = required(input.documentation_version);
    if name.trim().is_empty() {
        return Err(AwsError::bad_request("Documentation version must be specified"));
    }
    check_text("documentationVersion", &name)?;
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let api = restapis::load_in(&mut tx, ctx, &scope, &api_id).await?;
    let parts = tx
        .children(&DOCUMENTATION_PART, &api.row)
        .await?
        .into_iter()
        .map(|p| p.doc)
        .collect();
    let version = DocumentationVersion {
        version: Some(name.clone()),
        created_date: Some(Timestamp::now()),
        description: input.description.filter(|d| !d.is_empty()),
    };
    let snapshot = DocumentationSnapshot {
        version: version.clone(),
        parts,
    };
    match tx.insert(&DOCUMENTATION_VERSION, &api.row, &name, &snapshot).await {
        Err(StoreError::Exists) => {
            return Err(AwsError::conflict(format!(
                "Documentation version {name} already exists"
            )));
        }
        other => other?,
    };
    if let Some(stage_name) = input.stage_name.filter(|s| !s.is_empty()) {
        let Stored { row, doc: mut stage } = tx
            .child(&STAGE, &api.row, &stage_name)
            .await?
            .ok_or_else(crate::stages::not_found)?;
        stage.documentation_version = Some(name);
        tx.update(&STAGE, &row, &stage).await?;
    }
    tx.commit().await?;
    Ok(version)
}

pub async fn get_version(
    store: &Store,
    ctx: &RequestContext,
    input: GetDocumentationVersionRequest,
) -> Result<DocumentationVersion, AwsError> {
    let api = restapis::load(store, ctx, &required(input.rest_api_id)).await?;
    store
        .child(&DOCUMENTATION_VERSION, &api.row, &required(input.documentation_version))
        .await?
        .map(|v| v.doc.version)
        .ok_or_else(version_not_found)
}

/// The parts a version froze, for whoever serves a stage's documentation.
pub async fn version_parts(
    store: &Store,
    ctx: &RequestContext,
    api_id: &str,
    version: &str,
) -> Result<Vec<DocumentationPart>, AwsError> {
    store
        .under(&REST_API, &DOCUMENTATION_VERSION, &scope(ctx), api_id, version)
        .await?
        .map(|v| v.doc.parts)
        .ok_or_else(version_not_found)
}

pub async fn list_versions(
    store: &Store,
    ctx: &RequestContext,
    input: GetDocumentationVersionsRequest,
) -> Result<DocumentationVersions, AwsError> {
    let api = restapis::load(store, ctx, &required(input.rest_api_id)).await?;
    let page = store
        .page(
            &DOCUMENTATION_VERSION,
            List::Tree(&api.row),
            position(input.position.as_deref())?,
            limit(input.limit)?,
        )
        .await?;
    Ok(DocumentationVersions {
        position: page.next_token(),
        items: Some(page.items.into_iter().map(|v| v.doc.version).collect()),
    })
}

fn apply_version(version: &mut DocumentationVersion, op: &Patch) -> Result<(), AwsError> {
    match (op.op, op.segs().as_slice()) {
        ("replace", ["description"]) => {
            version.description = op.optional_string();
            Ok(())
        }
        _ => Err(op.invalid_path(&["/description"])),
    }
}

pub async fn update_version(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateDocumentationVersionRequest,
) -> Result<DocumentationVersion, AwsError> {
    let api_id = required(input.rest_api_id);
    let name = required(input.documentation_version);
    let ops = patches(input.patch_operations, "updateDocumentationVersionInput")?;
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let api = restapis::load_in(&mut tx, ctx, &scope, &api_id).await?;
    let Stored { row, doc: mut snapshot } = tx
        .child(&DOCUMENTATION_VERSION, &api.row, &name)
        .await?
        .ok_or_else(version_not_found)?;
    for op in &ops {
        apply_version(&mut snapshot.version, op)?;
    }
    tx.update(&DOCUMENTATION_VERSION, &row, &snapshot).await?;
    tx.commit().await?;
    Ok(snapshot.version)
}

pub async fn delete_version(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteDocumentationVersionRequest,
) -> Result<(), AwsError> {
    let api_id = required(input.rest_api_id);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let Some(api) = tx.top(&REST_API, &scope, &api_id).await? else {
        return Err(api_not_found(ctx, &api_id));
    };
    let version = tx
        .child(&DOCUMENTATION_VERSION, &api.row, &required(input.documentation_version))
        .await?
        .ok_or_else(version_not_found)?;
    tx.delete(&version.row).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(kind: &str) -> DocumentationPartLocation {
        DocumentationPartLocation {
            r#type: Some(kind.into()),
            ..Default::default()
        }
    }

    #[test]
    fn locations_take_aws_defaults_and_drop_what_their_type_lacks() {
        let api = location(Some(DocumentationPartLocation {
            path: Some("/pets".into()),
            ..loc("API")
        }))
        .unwrap();
        assert_eq!(api, loc("API"));
        let method = location(Some(loc("METHOD"))).unwrap();
        assert_eq!(
            (method.path.as_deref(), method.method.as_deref()),
            (Some("/"), Some("*"))
        );
        assert_eq!(method.status_code, None);
        let response = location(Some(loc("RESPONSE"))).unwrap();
        assert_eq!(response.status_code.as_deref(), Some("*"));
        assert!(location(Some(loc("MODEL"))).is_err());
        assert!(location(Some(loc("QUERY_PARAMETER"))).is_err());
    }

    #[test]
    fn filtered_pages() {
        let (page, next) = page_of(vec![1, 2, 3], None, 2).unwrap();
        assert_eq!((page, next.as_deref()), (vec![1, 2], Some("2")));
        let (page, next) = page_of(vec![1, 2, 3], Some("2"), 2).unwrap();
        assert_eq!((page, next), (vec![3], None));
        assert!(page_of(vec![1], Some("x"), 2).is_err());
    }
}

//! PublishVersion, ListVersionsByFunction and aliases.

use crate::functions::{check_revision, load, load_in};
use crate::kinds::{ALIAS, FUNCTION, FunctionDoc, VERSION, VersionDoc};
use crate::names::{self, conflict, not_found, qualified_arn};
use crate::support::{last_modified, marker, max_items, revision};
use portico_store::{List, Store, StoreError, Stored, Tx};
use portico_wire::lambda::*;
use portico_wire::{AwsError, RequestContext};

/// Freezes `$LATEST` as the next version, unless the last version already holds the same
/// code and configuration (Lambda then answers that version).
pub async fn publish_in(
    tx: &mut Tx<'_>,
    ctx: &RequestContext,
    function: &mut Stored<FunctionDoc>,
    description: Option<String>,
) -> Result<FunctionConfiguration, AwsError> {
    let name = function.doc.config.function_name.clone().unwrap_or_default();
    let latest_version = function.doc.next_version - 1;
    if latest_version >= 1
        && let Some(last) = tx.child(&VERSION, &function.row, &latest_version.to_string()).await?
        && same_function(&last.doc.config, &function.doc.config)
    {
        return Ok(last.doc.config);
    }
    let number = function.doc.next_version.to_string();
    let mut config = function.doc.config.clone();
    config.version = Some(number.clone());
    config.function_arn = Some(qualified_arn(ctx, &name, &number));
    config.revision_id = Some(revision());
    config.last_modified = Some(last_modified());
    if let Some(description) = description {
        config.description = Some(description);
    }
    let version = VersionDoc {
        config: config.clone(),
        code: function.doc.code.clone(),
    };
    tx.insert(&VERSION, &function.row, &number, &version).await?;
    function.doc.next_version += 1;
    function.doc.config.revision_id = Some(revision());
    tx.update(&FUNCTION, &function.row, &function.doc).await?;
    Ok(config)
}

/// Code and every setting that a version freezes, ignoring what changes by itself.
fn same_function(a: &FunctionConfiguration, b: &FunctionConfiguration) -> bool {
    let strip = |c: &FunctionConfiguration| FunctionConfiguration {
        version: None,
        function_arn: None,
        revision_id: None,
        last_modified: None,
        description: None,
        ..c.clone()
    };
    strip(a) == strip(b)
}

pub async fn publish(
    store: &Store,
    ctx: &RequestContext,
    input: PublishVersionRequest,
) -> Result<FunctionConfiguration, AwsError> {
    let name = names::given(ctx, input.function_name, None)?.name;
    let mut tx = store.write().await?;
    let mut function = load_in(&mut tx, ctx, &name).await?;
    check_revision(input.revision_id.as_deref(), function.doc.config.revision_id.as_deref())?;
    if let Some(sha) = input.code_sha256
        && function.doc.config.code_sha256.as_deref() != Some(sha.as_str())
    {
        return Err(names::invalid(format!(
            "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
            function.doc.config.code_sha256.clone().unwrap_or_default()
        )));
    }
    let config = publish_in(&mut tx, ctx, &mut function, input.description).await?;
    tx.commit().await?;
    Ok(config)
}

pub async fn list_versions(
    store: &Store,
    ctx: &RequestContext,
    input: ListVersionsByFunctionRequest,
) -> Result<ListVersionsByFunctionResponse, AwsError> {
    let name = names::given(ctx, input.function_name, None)?.name;
    let function = load(store, ctx, &name).await?;
    let from = marker(input.marker.as_deref())?;
    let limit = max_items(input.max_items)?;
    // `$LATEST` comes first, on the first page only.
    let (mut versions, room) = match from {
        None => (vec![function.doc.config.clone()], limit.saturating_sub(1).max(1)),
        Some(_) => (Vec::new(), limit),
    };
    let page = store.page(&VERSION, List::Children(&function.row), from, room).await?;
    let next_marker = page.next_token();
    versions.extend(page.items.into_iter().map(|v| v.doc.config));
    Ok(ListVersionsByFunctionResponse {
        next_marker,
        versions: Some(versions),
    })
}

fn alias_arn(ctx: &RequestContext, function: &str, alias: &str) -> String {
    qualified_arn(ctx, function, alias)
}

fn alias_not_found(ctx: &RequestContext, function: &str, alias: &str) -> AwsError {
    not_found(format!("Cannot find alias arn: {}", alias_arn(ctx, function, alias)))
}

async fn check_version(
    tx: &mut Tx<'_>,
    ctx: &RequestContext,
    function: &Stored<FunctionDoc>,
    version: &str,
) -> Result<(), AwsError> {
    if version == "$LATEST" || tx.child(&VERSION, &function.row, version).await?.is_some() {
        return Ok(());
    }
    let name = function.doc.config.function_name.clone().unwrap_or_default();
    Err(names::function_not_found(&qualified_arn(ctx, &name, version)))
}

pub async fn create_alias(
    store: &Store,
    ctx: &RequestContext,
    input: CreateAliasRequest,
) -> Result<AliasConfiguration, AwsError> {
    let name = names::given(ctx, input.function_name, None)?.name;
    let alias = input.name.unwrap_or_default();
    if alias.chars().all(|c| c.is_ascii_digit()) || alias == "$LATEST" {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{alias}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"
        )));
    }
    let mut tx = store.write().await?;
    let function = load_in(&mut tx, ctx, &name).await?;
    let version = input.function_version.unwrap_or_default();
    check_version(&mut tx, ctx, &function, &version).await?;
    let doc = AliasConfiguration {
        alias_arn: Some(alias_arn(ctx, &name, &alias)),
        name: Some(alias.clone()),
        function_version: Some(version),
        description: Some(input.description.unwrap_or_default()),
        routing_config: weighted(input.routing_config),
        revision_id: Some(revision()),
    };
    match tx.insert(&ALIAS, &function.row, &alias, &doc).await {
        Err(StoreError::Exists) => {
            return Err(conflict(format!(
                "Alias already exists: {}",
                alias_arn(ctx, &name, &alias)
            )));
        }
        other => other?,
    };
    tx.commit().await?;
    Ok(doc)
}

/// Lambda shows `RoutingConfig` only while it holds weights (Terraform sends an empty one).
fn weighted(routing: Option<AliasRoutingConfiguration>) -> Option<AliasRoutingConfiguration> {
    routing.filter(|r| r.additional_version_weights.as_ref().is_some_and(|w| !w.is_empty()))
}

pub async fn get_alias(
    store: &Store,
    ctx: &RequestContext,
    input: GetAliasRequest,
) -> Result<AliasConfiguration, AwsError> {
    let name = names::given(ctx, input.function_name, None)?.name;
    let alias = input.name.unwrap_or_default();
    let function = load(store, ctx, &name).await?;
    store
        .child(&ALIAS, &function.row, &alias)
        .await?
        .map(|a| a.doc)
        .ok_or_else(|| alias_not_found(ctx, &name, &alias))
}

pub async fn update_alias(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateAliasRequest,
) -> Result<AliasConfiguration, AwsError> {
    let name = names::given(ctx, input.function_name, None)?.name;
    let alias = input.name.unwrap_or_default();
    let mut tx = store.write().await?;
    let function = load_in(&mut tx, ctx, &name).await?;
    let Some(mut stored) = tx.child(&ALIAS, &function.row, &alias).await? else {
        return Err(alias_not_found(ctx, &name, &alias));
    };
    check_revision(input.revision_id.as_deref(), stored.doc.revision_id.as_deref())?;
    if let Some(version) = input.function_version {
        check_version(&mut tx, ctx, &function, &version).await?;
        stored.doc.function_version = Some(version);
    }
    if let Some(description) = input.description {
        stored.doc.description = Some(description);
    }
    if let Some(routing) = input.routing_config {
        // An empty routing configuration removes the weights.
        stored.doc.routing_config = weighted(Some(routing));
    }
    stored.doc.revision_id = Some(revision());
    tx.update(&ALIAS, &stored.row, &stored.doc).await?;
    tx.commit().await?;
    Ok(stored.doc)
}

pub async fn list_aliases(
    store: &Store,
    ctx: &RequestContext,
    input: ListAliasesRequest,
) -> Result<ListAliasesResponse, AwsError> {
    let name = names::given(ctx, input.function_name, None)?.name;
    let function = load(store, ctx, &name).await?;
    let page = store
        .page(
            &ALIAS,
            List::Children(&function.row),
            marker(input.marker.as_deref())?,
            max_items(input.max_items)?,
        )
        .await?;
    let next_marker = page.next_token();
    let aliases = page
        .items
        .into_iter()
        .map(|a| a.doc)
        .filter(|a| input.function_version.is_none() || a.function_version == input.function_version)
        .collect();
    Ok(ListAliasesResponse {
        next_marker,
        aliases: Some(aliases),
    })
}

pub async fn delete_alias(store: &Store, ctx: &RequestContext, input: DeleteAliasRequest) -> Result<(), AwsError> {
    let name = names::given(ctx, input.function_name, None)?.name;
    let alias = input.name.unwrap_or_default();
    let mut tx = store.write().await?;
    let function = load_in(&mut tx, ctx, &name).await?;
    // Lambda answers 204 for an alias that is not there.
    if let Some(stored) = tx.child(&ALIAS, &function.row, &alias).await? {
        tx.delete(&stored.row).await?;
        tx.commit().await?;
    }
    Ok(())
}

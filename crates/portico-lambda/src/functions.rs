//! CreateFunction … DeleteFunction: `$LATEST` and its code.

use crate::code::{CodeStore, Placed, Upload};
use crate::kinds::{ALIAS, Code, FUNCTION, FunctionDoc, Remote, VERSION, VersionDoc};
use crate::names::{self, FunctionRef, conflict, function_arn, function_not_found, invalid, qualified_arn};
use crate::support::{last_modified, marker, max_items, revision, scope};
use portico_functions::{FunctionSpec, Runners};
use portico_store::{List, Store, StoreError, Stored};
use portico_wire::lambda::*;
use portico_wire::{AwsError, RequestContext};
use std::collections::BTreeMap;

/// The runtimes whose handler is a `module.function` name (every runtime but `provided*`).
fn needs_handler(runtime: &str) -> bool {
    !runtime.starts_with("provided")
}

/// `$LATEST`'s configuration as CreateFunction makes it (also for the functions file).
pub fn configuration(
    ctx: &RequestContext,
    name: &str,
    input: CreateFunctionRequest,
    code_size: i64,
    code_sha256: String,
) -> FunctionConfiguration {
    FunctionConfiguration {
        function_name: Some(name.to_owned()),
        function_arn: Some(function_arn(ctx, name)),
        runtime: input.runtime,
        role: input.role,
        handler: input.handler,
        code_size: Some(code_size),
        description: Some(input.description.unwrap_or_default()),
        timeout: Some(input.timeout.unwrap_or(3)),
        memory_size: Some(input.memory_size.unwrap_or(128)),
        last_modified: Some(last_modified()),
        code_sha256: Some(code_sha256),
        version: Some("$LATEST".into()),
        // Lambda answers `Environment` only when the create sent one (`{}` variables included).
        environment: input.environment.map(|e| EnvironmentResponse {
            variables: Some(e.variables.unwrap_or_default()),
            error: None,
        }),
        tracing_config: Some(TracingConfigResponse {
            mode: Some(
                input
                    .tracing_config
                    .and_then(|t| t.mode)
                    .unwrap_or_else(|| "PassThrough".into()),
            ),
        }),
        revision_id: Some(revision()),
        layers: None,
        state: Some("Active".into()),
        last_update_status: Some("Successful".into()),
        package_type: Some(input.package_type.unwrap_or_else(|| "Zip".into())),
        architectures: Some(
            input
                .architectures
                .filter(|a| !a.is_empty())
                .unwrap_or_else(|| vec!["x86_64".into()]),
        ),
        ephemeral_storage: Some(input.ephemeral_storage.unwrap_or(EphemeralStorage { size: Some(512) })),
        snap_start: Some(SnapStartResponse {
            apply_on: Some("None".into()),
            optimization_status: Some("Off".into()),
        }),
        runtime_version_config: Some(RuntimeVersionConfig {
            runtime_version_arn: Some(format!("arn:aws:lambda:{}::runtime:{}", ctx.region, "0".repeat(64))),
            error: None,
        }),
        logging_config: Some(input.logging_config.unwrap_or_else(|| LoggingConfig {
            log_format: Some("Text".into()),
            log_group: Some(format!("/aws/lambda/{name}")),
            ..Default::default()
        })),
        dead_letter_config: input.dead_letter_config,
        kms_key_arn: input.kms_key_arn,
        ..Default::default()
    }
}

pub async fn create(
    store: &Store,
    code_store: &CodeStore,
    runners: &Runners,
    ctx: &RequestContext,
    mut input: CreateFunctionRequest,
) -> Result<FunctionConfiguration, AwsError> {
    let given = input.function_name.clone().unwrap_or_default();
    let FunctionRef { name, qualifier } = names::parse(ctx, &given, None)?;
    if qualifier.is_some() {
        return Err(invalid(format!(
            "Invalid function name: {given}; a new function takes no qualifier"
        )));
    }
    if input.package_type.as_deref() == Some("Image") {
        return Err(invalid(
            "Portico runs Zip functions only: container images have no local runner yet",
        ));
    }
    let runtime = input
        .runtime
        .clone()
        .ok_or_else(|| invalid("The runtime parameter is required for functions with the Zip package type."))?;
    if needs_handler(&runtime) && input.handler.is_none() {
        return Err(invalid(
            "The handler parameter is required for functions with the Zip package type.",
        ));
    }
    let code = input.code.clone().unwrap_or_default();
    let upload = Upload::from_request(
        code.zip_file.as_ref().map(|b| b.0.as_slice()),
        code.s3_bucket.as_deref(),
        code.s3_key.as_deref(),
    )?;
    let scope = scope(ctx);
    if store.top(&FUNCTION, &scope, &name).await?.is_some() {
        return Err(conflict(format!("Function already exist: {name}")));
    }
    let placed = code_store.place(&ctx.account, &ctx.region, &name, upload).await?;
    let probe = FunctionSpec::new(
        &name,
        &runtime,
        input.handler.as_deref().unwrap_or_default(),
        placed.code.dir.clone(),
    );
    runners.check_async(&probe).await.map_err(invalid)?;
    let (tags, publish) = (input.tags.take(), input.publish);
    let config = configuration(ctx, &name, input, placed.size, placed.sha256);
    let doc = FunctionDoc {
        config,
        code: placed.code,
        tags: tags.unwrap_or_default(),
        next_version: 1,
        ..Default::default()
    };
    let mut tx = store.write().await?;
    let row = match tx.insert_top(&FUNCTION, &scope, &name, &doc).await {
        Err(StoreError::Exists) => return Err(conflict(format!("Function already exist: {name}"))),
        other => other?,
    };
    let mut answer = doc.config.clone();
    if publish == Some(true) {
        let mut stored = Stored { row, doc };
        answer = crate::versions::publish_in(&mut tx, ctx, &mut stored, None).await?;
    }
    tx.commit().await?;
    Ok(answer)
}

/// `$LATEST` of a function, or 404 naming it the way Lambda does.
pub async fn load(store: &Store, ctx: &RequestContext, name: &str) -> Result<Stored<FunctionDoc>, AwsError> {
    store
        .top(&FUNCTION, &scope(ctx), name)
        .await?
        .ok_or_else(|| function_not_found(&function_arn(ctx, name)))
}

pub async fn load_in(
    tx: &mut portico_store::Tx<'_>,
    ctx: &RequestContext,
    name: &str,
) -> Result<Stored<FunctionDoc>, AwsError> {
    tx.top(&FUNCTION, &scope(ctx), name)
        .await?
        .ok_or_else(|| function_not_found(&function_arn(ctx, name)))
}

/// The configuration and code a qualifier (none, `$LATEST`, a version or an alias) selects.
pub async fn resolve(
    store: &Store,
    ctx: &RequestContext,
    function: &FunctionRef,
) -> Result<(Stored<FunctionDoc>, FunctionConfiguration, Code), AwsError> {
    let latest = load(store, ctx, &function.name).await?;
    let version = match function.qualifier.as_deref() {
        None | Some("$LATEST") => {
            let (config, code) = (latest.doc.config.clone(), latest.doc.code.clone());
            return Ok((latest, config, code));
        }
        Some(q) if q.chars().all(|c| c.is_ascii_digit()) => q.to_string(),
        Some(alias) => match store.child(&ALIAS, &latest.row, alias).await? {
            Some(a) => a.doc.function_version.unwrap_or_default(),
            None => return Err(function_not_found(&qualified_arn(ctx, &function.name, alias))),
        },
    };
    if version == "$LATEST" {
        let (config, code) = (latest.doc.config.clone(), latest.doc.code.clone());
        return Ok((latest, config, code));
    }
    match store.child(&VERSION, &latest.row, &version).await? {
        Some(v) => {
            let VersionDoc { config, code } = v.doc;
            Ok((latest, config, code))
        }
        None => Err(function_not_found(&qualified_arn(ctx, &function.name, &version))),
    }
}

pub async fn get(
    store: &Store,
    ctx: &RequestContext,
    input: GetFunctionRequest,
) -> Result<GetFunctionResponse, AwsError> {
    let function = names::given(ctx, input.function_name, input.qualifier.as_deref())?;
    let (latest, config, code) = resolve(store, ctx, &function).await?;
    let location = match (&code.remote, &code.archive) {
        (Some(Remote::Rie { url } | Remote::Endpoint { url, .. }), _) => url.clone(),
        (None, Some(archive)) => format!("file://{}", archive.display()),
        (None, None) => format!("file://{}", code.dir.display()),
    };
    Ok(GetFunctionResponse {
        configuration: Some(config),
        code: Some(FunctionCodeLocation {
            repository_type: Some("S3".into()),
            location: Some(location),
            ..Default::default()
        }),
        tags: (function.qualifier.is_none() && !latest.doc.tags.is_empty()).then(|| latest.doc.tags.clone()),
        concurrency: latest.doc.reserved_concurrency.map(|n| Concurrency {
            reserved_concurrent_executions: Some(n),
        }),
        ..Default::default()
    })
}

pub async fn get_configuration(
    store: &Store,
    ctx: &RequestContext,
    input: GetFunctionConfigurationRequest,
) -> Result<FunctionConfiguration, AwsError> {
    let function = names::given(ctx, input.function_name, input.qualifier.as_deref())?;
    Ok(resolve(store, ctx, &function).await?.1)
}

pub async fn list(
    store: &Store,
    ctx: &RequestContext,
    input: ListFunctionsRequest,
) -> Result<ListFunctionsResponse, AwsError> {
    let page = store
        .page(
            &FUNCTION,
            List::Top(&scope(ctx)),
            marker(input.marker.as_deref())?,
            max_items(input.max_items)?,
        )
        .await?;
    Ok(ListFunctionsResponse {
        next_marker: page.next_token(),
        functions: Some(page.items.into_iter().map(|f| f.doc.config).collect()),
    })
}

/// Fails unless `given` (when set) is the function's current revision.
pub fn check_revision(given: Option<&str>, current: Option<&str>) -> Result<(), AwsError> {
    match given {
        Some(given) if Some(given) != current => Err(PreconditionFailedException {
            message: "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id".into(),
            r#type: Some("User".into()),
        }
        .into()),
        _ => Ok(()),
    }
}

pub async fn update_code(
    store: &Store,
    code_store: &CodeStore,
    ctx: &RequestContext,
    input: UpdateFunctionCodeRequest,
) -> Result<FunctionConfiguration, AwsError> {
    let name = names::given(ctx, input.function_name.clone(), None)?.name;
    let upload = Upload::from_request(
        input.zip_file.as_ref().map(|b| b.0.as_slice()),
        input.s3_bucket.as_deref(),
        input.s3_key.as_deref(),
    )?;
    if let Some(file) = load(store, ctx, &name).await?.doc.declared_in {
        return Err(invalid(format!(
            "Function {name} is declared in the functions file {file}: change its code there (a local folder is read afresh on every change)"
        )));
    }
    let Placed { code, sha256, size } = code_store.place(&ctx.account, &ctx.region, &name, upload).await?;
    let mut tx = store.write().await?;
    let mut function = load_in(&mut tx, ctx, &name).await?;
    check_revision(input.revision_id.as_deref(), function.doc.config.revision_id.as_deref())?;
    if input.dry_run == Some(true) {
        return Ok(function.doc.config);
    }
    let config = &mut function.doc.config;
    config.code_sha256 = Some(sha256);
    config.code_size = Some(size);
    if let Some(architectures) = input.architectures.filter(|a| !a.is_empty()) {
        config.architectures = Some(architectures);
    }
    config.last_modified = Some(last_modified());
    config.revision_id = Some(revision());
    function.doc.code = code;
    tx.update(&FUNCTION, &function.row, &function.doc).await?;
    let mut answer = function.doc.config.clone();
    if input.publish == Some(true) {
        answer = crate::versions::publish_in(&mut tx, ctx, &mut function, None).await?;
    }
    tx.commit().await?;
    Ok(answer)
}

pub async fn update_configuration(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateFunctionConfigurationRequest,
) -> Result<FunctionConfiguration, AwsError> {
    let name = names::given(ctx, input.function_name.clone(), None)?.name;
    let mut tx = store.write().await?;
    let mut function = load_in(&mut tx, ctx, &name).await?;
    check_revision(input.revision_id.as_deref(), function.doc.config.revision_id.as_deref())?;
    let config = &mut function.doc.config;
    macro_rules! set {
        ($field:ident) => {
            if let Some(v) = input.$field {
                config.$field = Some(v);
            }
        };
    }
    set!(role);
    set!(handler);
    set!(description);
    set!(timeout);
    set!(memory_size);
    set!(runtime);
    set!(dead_letter_config);
    set!(kms_key_arn);
    set!(ephemeral_storage);
    set!(logging_config);
    if let Some(env) = input.environment {
        config.environment = Some(EnvironmentResponse {
            variables: Some(env.variables.unwrap_or_default()),
            error: None,
        });
    }
    if let Some(tracing) = input.tracing_config {
        config.tracing_config = Some(TracingConfigResponse {
            mode: Some(tracing.mode.unwrap_or_else(|| "PassThrough".into())),
        });
    }
    if config.runtime.as_deref().is_some_and(needs_handler) && config.handler.is_none() {
        return Err(invalid(
            "The handler parameter is required for functions with the Zip package type.",
        ));
    }
    config.last_modified = Some(last_modified());
    config.revision_id = Some(revision());
    tx.update(&FUNCTION, &function.row, &function.doc).await?;
    tx.commit().await?;
    Ok(function.doc.config)
}

pub async fn delete(
    store: &Store,
    code_store: &CodeStore,
    runners: &Runners,
    ctx: &RequestContext,
    input: DeleteFunctionRequest,
) -> Result<DeleteFunctionResponse, AwsError> {
    let function = names::given(ctx, input.function_name, input.qualifier.as_deref())?;
    let mut tx = store.write().await?;
    let latest = load_in(&mut tx, ctx, &function.name).await?;
    match function.qualifier.as_deref() {
        None => {
            tx.delete(&latest.row).await?;
            tx.commit().await?;
            runners.retire(&function_arn(ctx, &function.name)).await;
            code_store.remove(&ctx.account, &ctx.region, &function.name).await;
        }
        Some("$LATEST") => {
            return Err(invalid(
                "$LATEST version cannot be deleted without deleting the function.",
            ));
        }
        Some(version) => {
            let Some(v) = tx.child(&VERSION, &latest.row, version).await? else {
                return Err(function_not_found(&qualified_arn(ctx, &function.name, version)));
            };
            let aliases = tx.children(&ALIAS, &latest.row).await?;
            if let Some(alias) = aliases
                .iter()
                .find(|a| a.doc.function_version.as_deref() == Some(version))
            {
                return Err(conflict(format!(
                    "Unable to delete version because the following aliases reference it: [{}]",
                    alias.doc.name.clone().unwrap_or_default()
                )));
            }
            tx.delete(&v.row).await?;
            tx.commit().await?;
        }
    }
    Ok(DeleteFunctionResponse { status_code: Some(204) })
}

/// Tags, kept with `$LATEST` (Lambda tags functions, not versions or aliases).
pub async fn tags_of(
    store: &Store,
    ctx: &RequestContext,
    resource: &str,
) -> Result<BTreeMap<String, String>, AwsError> {
    let function = tagged(ctx, resource)?;
    Ok(load(store, ctx, &function).await?.doc.tags)
}

pub async fn retag(
    store: &Store,
    ctx: &RequestContext,
    resource: &str,
    change: impl FnOnce(&mut BTreeMap<String, String>) -> Result<(), AwsError>,
) -> Result<(), AwsError> {
    let function = tagged(ctx, resource)?;
    let mut tx = store.write().await?;
    let mut stored = load_in(&mut tx, ctx, &function).await?;
    change(&mut stored.doc.tags)?;
    if stored.doc.tags.len() > 50 {
        return Err(invalid("Number of tags exceeds resource tag limit."));
    }
    tx.update(&FUNCTION, &stored.row, &stored.doc).await?;
    tx.commit().await?;
    Ok(())
}

fn tagged(ctx: &RequestContext, resource: &str) -> Result<String, AwsError> {
    let function = names::parse(ctx, resource, None)?;
    if function.qualifier.is_some() {
        return Err(invalid(
            "Tags on function aliases and versions are not supported. Please specify a function ARN.",
        ));
    }
    Ok(function.name)
}

//! Authorizers: Lambda (TOKEN, REQUEST) and Cognito user pool authorizers of a REST API.
//! They sit under the API, so deleting the API takes them; deployments copy them.

use crate::kinds::{AUTHORIZER, RESOURCE, REST_API, STAGE};
use crate::quotas::Quotas;
use crate::restapis;
use crate::stages;
use crate::support::{Patch, limit, new_id, patches, position, required, scope};
use portico_store::{List, Store, StoreError, Stored};
use portico_wire::apigateway::*;
use portico_wire::{AwsError, RequestContext};

pub fn not_found() -> AwsError {
    AwsError::not_found("Invalid Authorizer identifier specified")
}

/// The longest TTL AWS caches an authorizer's answer for.
const MAX_TTL: i64 = 3600;

/// `[a-zA-Z0-9._-]+`, the names AWS takes in identity source expressions.
fn is_source_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
}

/// TOKEN and COGNITO_USER_POOLS authorizers read one header.
fn check_token_source(source: Option<&str>) -> Result<(), AwsError> {
    let ok = source
        .and_then(|s| s.strip_prefix("method.request.header."))
        .is_some_and(is_source_name);
    if ok {
        return Ok(());
    }
    Err(AwsError::bad_request(format!(
        "Invalid token source expression: {}. The source must be a method request header, matching 'method.request.header.[a-zA-Z0-9._-]+'.",
        source.unwrap_or("null")
    )))
}

/// REQUEST authorizers read a comma-separated list of headers, query strings, stage
/// variables and context variables.
fn check_request_sources(sources: &str) -> Result<(), AwsError> {
    const PREFIXES: &[&str] = &[
        "method.request.header.",
        "method.request.querystring.",
        "stageVariables.",
        "context.",
    ];
    for source in sources.split(',').map(str::trim) {
        let ok = PREFIXES
            .iter()
            .any(|p| source.strip_prefix(p).is_some_and(is_source_name));
        if !ok {
            return Err(AwsError::bad_request(format!(
                "Invalid identity source expression: {source}. The source must be a method request header, query string, stage variable or context variable, matching 'method.request.header.[a-zA-Z0-9._-]+', 'method.request.querystring.[a-zA-Z0-9._-]+', 'stageVariables.[a-zA-Z0-9._-]+' or 'context.[a-zA-Z0-9._-]+'."
            )));
        }
    }
    Ok(())
}

/// `arn:{partition}:apigateway:{region}:lambda:path/{service_api}`: AWS refuses any other
/// form (a region such as `region` included) but does not look further into the path.
fn check_uri(uri: Option<&str>) -> Result<(), AwsError> {
    let ok = uri.is_some_and(|uri| {
        let parts: Vec<&str> = uri.splitn(6, ':').collect();
        matches!(
            parts.as_slice(),
            ["arn", partition, "apigateway", region, "lambda", path]
                if partition.starts_with("aws") && is_region(region) && path.starts_with("path/")
        )
    });
    if ok {
        return Ok(());
    }
    Err(AwsError::bad_request(format!(
        "Invalid Authorizer URI: {}. Authorizer URI should be a valid API Gateway ARN that represents a Lambda function invocation.",
        uri.unwrap_or("null")
    )))
}

/// `us-east-1`, `us-gov-west-1`, `ap-southeast-4`: letters, dashes, a trailing number.
fn is_region(region: &str) -> bool {
    let mut parts = region.split('-');
    let first = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    let Some((number, middle)) = rest.split_last() else {
        return false;
    };
    first.len() == 2
        && first.chars().all(|c| c.is_ascii_lowercase())
        && !middle.is_empty()
        && middle
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

/// A Cognito user pool ARN: `arn:{partition}:cognito-idp:{region}:{account}:userpool/{id}`.
fn check_provider_arns(arns: Option<&[String]>) -> Result<(), AwsError> {
    let arns = arns.unwrap_or_default();
    if arns.is_empty() {
        return Err(AwsError::bad_request(
            "ProviderARNs must be specified for a COGNITO_USER_POOLS authorizer",
        ));
    }
    for arn in arns {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let ok = matches!(
            parts.as_slice(),
            ["arn", partition, "cognito-idp", region, account, pool]
                if partition.starts_with("aws")
                    && is_region(region)
                    && account.len() == 12
                    && account.chars().all(|c| c.is_ascii_digit())
                    && pool.strip_prefix("userpool/").is_some_and(|id| !id.is_empty())
        );
        if !ok {
            return Err(AwsError::bad_request(format!("Invalid provider ARN specified: {arn}")));
        }
    }
    Ok(())
}

/// What AWS checks of a whole authorizer, on create and after every update.
pub(crate) fn check(authorizer: &Authorizer) -> Result<(), AwsError> {
    let name = authorizer.name.as_deref().unwrap_or_default();
    if name.is_empty() {
        return Err(AwsError::bad_request("Authorizer name must be non-empty"));
    }
    crate::support::check_text("name", name)?;
    if let Some(ttl) = authorizer.authorizer_result_ttl_in_seconds
        && !(0..=MAX_TTL).contains(&ttl)
    {
        return Err(AwsError::bad_request(format!(
            "Invalid authorizer result TTL specified: {ttl}. It must be between 0 and {MAX_TTL} seconds"
        )));
    }
    let source = authorizer.identity_source.as_deref();
    match authorizer.r#type.as_deref() {
        Some("TOKEN") => {
            check_uri(authorizer.authorizer_uri.as_deref())?;
            check_token_source(source)?;
        }
        Some("REQUEST") => {
            check_uri(authorizer.authorizer_uri.as_deref())?;
            match source.filter(|s| !s.is_empty()) {
                Some(sources) => check_request_sources(sources)?,
                // Caching keys on the identity sources; without them it must be off.
                None if authorizer.authorizer_result_ttl_in_seconds != Some(0) => {
                    return Err(AwsError::bad_request(
                        "Identity source must be set if authorizer caching is enabled (TTL is greater than 0)",
                    ));
                }
                None => {}
            }
        }
        Some("COGNITO_USER_POOLS") => {
            check_provider_arns(authorizer.provider_ar_ns.as_deref())?;
            check_token_source(source)?;
        }
        other => {
            return Err(AwsError::bad_request(format!(
                "Invalid authorizer type specified: {}. Valid options are TOKEN, REQUEST, COGNITO_USER_POOLS",
                other.unwrap_or("null")
            )));
        }
    }
    Ok(())
}

/// The `authType` AWS fills in when none is given (it only matters to OpenAPI exports).
fn default_auth_type(kind: &str) -> &'static str {
    if kind == "COGNITO_USER_POOLS" {
        "cognito_user_pools"
    } else {
        "custom"
    }
}

pub async fn create(
    store: &Store,
    quotas: &Quotas,
    ctx: &RequestContext,
    input: CreateAuthorizerRequest,
) -> Result<Authorizer, AwsError> {
    let api_id = required(input.rest_api_id);
    let kind = required(input.r#type);
    let mut authorizer = Authorizer {
        id: None,
        name: input.name,
        auth_type: Some(input.auth_type.unwrap_or_else(|| default_auth_type(&kind).into())),
        r#type: Some(kind),
        provider_ar_ns: input.provider_ar_ns.filter(|a| !a.is_empty()),
        authorizer_uri: input.authorizer_uri,
        authorizer_credentials: input.authorizer_credentials,
        identity_source: input.identity_source,
        identity_validation_expression: input.identity_validation_expression,
        // AWS leaves it unset (caching then defaults to 300 seconds).
        authorizer_result_ttl_in_seconds: input.authorizer_result_ttl_in_seconds,
    };
    // AWS checks the input before it looks for the API.
    check(&authorizer)?;
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    // CreateAuthorizer's missing API is AWS's 409, not a 404.
    let Some(api) = tx.top(&REST_API, &scope, &api_id).await? else {
        return Err(AwsError::conflict(
            "Unable to complete operation due to concurrent modification. Please try again later.",
        ));
    };
    if tx.count(&AUTHORIZER, List::Tree(&api.row)).await? >= quotas.get("authorizers-per-api") {
        return Err(AwsError::limit_exceeded(
            "Maximum number of Authorizers for this API has been reached.  Please contact AWS if you need additional Authorizers.",
        ));
    }
    loop {
        let id = new_id(6);
        authorizer.id = Some(id.clone());
        match tx.insert(&AUTHORIZER, &api.row, &id, &authorizer).await {
            Err(StoreError::Exists) => continue,
            other => {
                other?;
                break;
            }
        }
    }
    tx.commit().await?;
    Ok(authorizer)
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetAuthorizerRequest) -> Result<Authorizer, AwsError> {
    let api_id = required(input.rest_api_id);
    match store
        .under(
            &REST_API,
            &AUTHORIZER,
            &scope(ctx),
            &api_id,
            &required(input.authorizer_id),
        )
        .await?
    {
        Some(authorizer) => Ok(authorizer.doc),
        None => {
            restapis::load(store, ctx, &api_id).await?;
            Err(not_found())
        }
    }
}

pub async fn list(store: &Store, ctx: &RequestContext, input: GetAuthorizersRequest) -> Result<Authorizers, AwsError> {
    let api = restapis::load(store, ctx, &required(input.rest_api_id)).await?;
    let page = store
        .page(
            &AUTHORIZER,
            List::Tree(&api.row),
            position(input.position.as_deref())?,
            limit(input.limit)?,
        )
        .await?;
    Ok(Authorizers {
        position: page.next_token(),
        items: Some(page.items.into_iter().map(|a| a.doc).collect()),
    })
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateAuthorizerRequest,
) -> Result<Authorizer, AwsError> {
    let api_id = required(input.rest_api_id);
    let id = required(input.authorizer_id);
    let scope = scope(ctx);
    let ops = patches(input.patch_operations, "updateAuthorizerInput")?;
    let mut tx = store.write().await?;
    let Stored {
        row,
        doc: mut authorizer,
    } = match tx.under(&REST_API, &AUTHORIZER, &scope, &api_id, &id).await? {
        Some(found) => found,
        None => {
            restapis::load_in(&mut tx, ctx, &scope, &api_id).await?;
            return Err(not_found());
        }
    };
    for op in &ops {
        apply(&mut authorizer, op)?;
    }
    check(&authorizer)?;
    tx.update(&AUTHORIZER, &row, &authorizer).await?;
    tx.commit().await?;
    Ok(authorizer)
}

const PATHS: &[&str] = &[
    "/name",
    "/type",
    "/authType",
    "/authorizerUri",
    "/authorizerCredentials",
    "/identitySource",
    "/identityValidationExpression",
    "/authorizerResultTtlInSeconds",
    "/providerARNs/{arn}",
];

fn apply(authorizer: &mut Authorizer, op: &Patch) -> Result<(), AwsError> {
    if !matches!(op.op, "replace" | "add" | "remove") {
        return Err(op.unsupported_op());
    }
    // A provider ARN holds slashes (`userpool/…`): it is the rest of the path, as sent.
    if let Some(arn) = op.path.strip_prefix("/providerARNs/") {
        let arn = arn.replace("~1", "/").replace("~0", "~");
        let arns = authorizer.provider_ar_ns.get_or_insert_default();
        match op.op {
            "remove" => arns.retain(|a| *a != arn),
            _ => {
                if !arns.contains(&arn) {
                    arns.push(arn);
                }
            }
        }
        if arns.is_empty() {
            authorizer.provider_ar_ns = None;
        }
        return Ok(());
    }
    match op.segs().as_slice() {
        ["name"] => authorizer.name = Some(op.string()?),
        ["type"] => authorizer.r#type = Some(op.string()?),
        ["authType"] => authorizer.auth_type = op.optional_string(),
        ["authorizerUri"] => authorizer.authorizer_uri = op.optional_string(),
        ["authorizerCredentials"] => authorizer.authorizer_credentials = op.optional_string(),
        ["identitySource"] => authorizer.identity_source = op.optional_string(),
        ["identityValidationExpression"] => authorizer.identity_validation_expression = op.optional_string(),
        ["authorizerResultTtlInSeconds"] => {
            authorizer.authorizer_result_ttl_in_seconds = match op.optional_string() {
                None => None,
                Some(_) => Some(op.i64()?),
            }
        }
        _ => return Err(op.invalid_path(PATHS)),
    }
    Ok(())
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteAuthorizerRequest) -> Result<(), AwsError> {
    let api_id = required(input.rest_api_id);
    let id = required(input.authorizer_id);
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    let Some(authorizer) = tx.under(&REST_API, &AUTHORIZER, &scope, &api_id, &id).await? else {
        restapis::load_in(&mut tx, ctx, &scope, &api_id).await?;
        return Err(not_found());
    };
    // A method still pointing at it keeps it, as on AWS.
    for resource in tx.in_tree(&RESOURCE, &authorizer.row).await? {
        let methods = resource.doc.resource_methods.unwrap_or_default();
        if let Some((verb, _)) = methods
            .iter()
            .find(|(_, m)| m.authorizer_id.as_deref() == Some(id.as_str()))
        {
            return Err(AwsError::conflict(format!(
                "Cannot delete authorizer '{}', is referenced in method: {verb}/{}",
                authorizer.doc.name.as_deref().unwrap_or_default(),
                resource.doc.path.as_deref().unwrap_or_default(),
            )));
        }
    }
    tx.delete(&authorizer.row).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks the stage exists (AWS answers for an existing stage only) and names it: the cache
/// itself is the data plane's, which the caller empties.
pub async fn flush_cache(
    store: &Store,
    ctx: &RequestContext,
    input: FlushStageAuthorizersCacheRequest,
) -> Result<(String, String), AwsError> {
    let api_id = required(input.rest_api_id);
    let name = required(input.stage_name);
    if store
        .under(&REST_API, &STAGE, &scope(ctx), &api_id, &name)
        .await?
        .is_none()
    {
        restapis::load(store, ctx, &api_id).await?;
        return Err(stages::not_found());
    }
    Ok((api_id, name))
}

/// Whether `id` names an authorizer of the API whose tree `row` is in.
pub async fn exists_in(tx: &mut portico_store::Tx<'_>, row: &portico_store::Row, id: &str) -> Result<bool, AwsError> {
    Ok(tx.child(&AUTHORIZER, row, id).await?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations";
    const POOL: &str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc";

    fn token() -> Authorizer {
        Authorizer {
            name: Some("auth".into()),
            r#type: Some("TOKEN".into()),
            authorizer_uri: Some(URI.into()),
            identity_source: Some("method.request.header.Authorization".into()),
            ..Default::default()
        }
    }

    #[test]
    fn token_authorizers_need_a_lambda_uri_and_one_header() {
        assert!(check(&token()).is_ok());
        let mut a = token();
        a.authorizer_uri = None;
        let err = check(&a).unwrap_err();
        assert!(
            err.message.starts_with("Invalid Authorizer URI: null."),
            "{}",
            err.message
        );
        a.authorizer_uri = Some("arn:aws:apigateway:region:lambda:path/x".into());
        assert!(check(&a).is_err(), "AWS refuses a region that is not one");
        let mut a = token();
        a.identity_source = Some("method.request.querystring.key".into());
        let err = check(&a).unwrap_err();
        assert_eq!(
            err.message,
            "Invalid token source expression: method.request.querystring.key. The source must be a method request header, matching 'method.request.header.[a-zA-Z0-9._-]+'."
        );
        a.identity_source = None;
        assert!(check(&a).is_err());
    }

    #[test]
    fn request_sources_and_caching() {
        let mut a = token();
        a.r#type = Some("REQUEST".into());
        a.identity_source =
            Some("method.request.header.Auth, method.request.querystring.name,stageVariables.s,context.path".into());
        assert!(check(&a).is_ok());
        a.identity_source = Some("method.request.body.x".into());
        assert!(check(&a).unwrap_err().message.contains("method.request.body.x"));
        a.identity_source = None;
        assert!(check(&a).is_err(), "caching is on by default");
        a.authorizer_result_ttl_in_seconds = Some(0);
        assert!(check(&a).is_ok());
        a.authorizer_result_ttl_in_seconds = Some(3601);
        assert!(check(&a).is_err());
    }

    #[test]
    fn cognito_authorizers_need_user_pools() {
        let mut a = token();
        a.r#type = Some("COGNITO_USER_POOLS".into());
        a.authorizer_uri = None;
        assert!(check(&a).is_err());
        a.provider_ar_ns = Some(vec![POOL.into()]);
        assert!(check(&a).is_ok());
        a.provider_ar_ns = Some(vec!["arn:aws:s3:::bucket".into()]);
        assert!(check(&a).is_err());
    }

    #[test]
    fn regions() {
        for good in ["us-east-1", "us-gov-west-1", "ap-southeast-4", "eu-central-2"] {
            assert!(is_region(good), "{good}");
        }
        for bad in ["region", "us-east", "US-EAST-1", "us--1", "useast-1"] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn provider_arn_patches_keep_their_slashes() {
        let ops = patches(
            Some(vec![PatchOperation {
                op: Some("add".into()),
                path: Some(format!("/providerARNs/{POOL}")),
                value: None,
                from: None,
            }]),
            "updateAuthorizerInput",
        )
        .unwrap();
        let mut a = token();
        apply(&mut a, &ops[0]).unwrap();
        assert_eq!(a.provider_ar_ns.as_deref(), Some(&[POOL.to_string()][..]));
    }
}

//! Custom domain names and their base path mappings (control plane). Certificates are
//! stored as given, never checked; a domain is AVAILABLE at once. `resolve` is what a data
//! plane routing by Host needs: domain + path → API, stage and the path left over.
//!
//! A PRIVATE domain name has a `domainNameId` as well: the same name may exist once public and
//! many times private, so a private one is stored under `{name}+{id}` (the tail of its ARN) and
//! every call naming it passes `domainNameId`.
//!
//! apigatewayv2's DomainName and ApiMapping are views of these same documents (as on AWS): a
//! mapping is stored as a `Mapping`, REST's base path mapping with the `apiMappingId` v2 names
//! it by, whichever service created it.

use crate::kinds::{DOMAIN_NAME, REST_API, STAGE};
use crate::restapis::stored_policy;
use crate::support::{Patch, limit, new_id, patches, position, required, scope};
use portico_store::{Kind, List, Scope, Store, StoreError, Stored, Tx};
use portico_wire::apigateway::*;
use portico_wire::types::Timestamp;
use portico_wire::{AwsError, RequestContext};
use serde::{Deserialize, Serialize};

/// A base path mapping as stored: REST's shape, and the id apigatewayv2 knows it by.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Mapping {
    #[serde(flatten)]
    pub mapping: BasePathMapping,
    #[serde(rename = "apiMappingId", default, skip_serializing_if = "Option::is_none")]
    pub api_mapping_id: Option<String>,
}

impl Mapping {
    /// Its apigatewayv2 id; one stored before ids were kept answers by its base path.
    pub fn id(&self) -> String {
        self.api_mapping_id
            .clone()
            .or_else(|| self.mapping.base_path.clone())
            .unwrap_or_default()
    }
}

/// `kinds::BASE_PATH_MAPPING` read with the `apiMappingId` (which REST's shape leaves out).
pub const MAPPING: Kind<Mapping> = Kind::under("base-path-mapping", &["domainname"]);

/// The key of a mapping created without a base path.
pub const NO_BASE_PATH: &str = "(none)";

/// CloudFront's hosted zone, the one every EDGE domain's alias points into.
const CLOUDFRONT_ZONE: &str = "Z2FDTNDATAQYW2";

/// API Gateway's regional hosted zones (AWS's published table, the common regions).
fn regional_zone(region: &str) -> &'static str {
    match region {
        "us-east-2" => "ZOJJZC49E0EPZ",
        "us-west-1" => "Z2MUQ32089INYE",
        "us-west-2" => "Z2OJLYMUO9EFXC",
        "ca-central-1" => "Z19DQILCV0OWEC",
        "eu-west-1" => "ZLY8HYME6SFDD",
        "eu-west-2" => "ZJ5UAJN8Y3Z2Q",
        "eu-west-3" => "Z3KY65QIEKYHQQ",
        "eu-central-1" => "Z1U9ULNL0V5AJ3",
        "eu-north-1" => "Z3UWIKFBOOGXPP",
        "ap-northeast-1" => "Z1YSHQZHG15GKL",
        "ap-northeast-2" => "Z20JF4UZKIW1U8",
        "ap-southeast-1" => "ZL327KTPIQFUL",
        "ap-southeast-2" => "Z2RPCDW04V8134",
        "ap-south-1" => "Z3VO1THU9YC4UR",
        "sa-east-1" => "ZCMLWB8V5SYIT",
        _ => "Z1UJRXOUMOOFQ8",
    }
}

pub fn not_found() -> AwsError {
    AwsError::not_found("Invalid domain name identifier specified")
}

pub fn mapping_not_found() -> AwsError {
    AwsError::not_found("Invalid base path mapping identifier specified")
}

/// The store id of a domain name: `{name}` for a public one, `{name}+{domainNameId}` for a
/// private one (the form its ARN ends with).
pub fn key(name: &str, domain_name_id: Option<&str>) -> String {
    let name = name.to_ascii_lowercase();
    match domain_name_id.filter(|id| !id.is_empty()) {
        Some(id) => format!("{name}+{id}"),
        None => name,
    }
}

pub fn is_private(domain: &DomainName) -> bool {
    domain
        .endpoint_configuration
        .as_ref()
        .and_then(|e| e.types.as_ref())
        .is_some_and(|t| t.iter().any(|t| t == "PRIVATE"))
}

fn check_domain(name: &str) -> Result<(), AwsError> {
    let valid = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '*')
        });
    if valid {
        Ok(())
    } else {
        Err(AwsError::bad_request(format!("Invalid domain name: {name}")))
    }
}

pub async fn create(
    store: &Store,
    ctx: &RequestContext,
    input: CreateDomainNameRequest,
) -> Result<DomainName, AwsError> {
    let name = required(input.domain_name).to_ascii_lowercase();
    check_domain(&name)?;
    let mut endpoint = input.endpoint_configuration.unwrap_or_default();
    let types = endpoint.types.get_or_insert_with(|| vec!["EDGE".into()]);
    if types.len() != 1 {
        return Err(AwsError::bad_request(
            "Cannot create a domain name with multiple Endpoint Types.",
        ));
    }
    let endpoint_type = types[0].clone();
    if endpoint_type == "PRIVATE" {
        // AWS: "For the PRIVATE endpoint type, only dualstack is supported."
        if endpoint.ip_address_type.as_deref().is_some_and(|t| t != "dualstack") {
            return Err(AwsError::bad_request(
                "Only dualstack is supported as ipAddressType for a PRIVATE domain name.",
            ));
        }
        endpoint.ip_address_type = Some("dualstack".into());
    }
    endpoint.ip_address_type.get_or_insert_with(|| "ipv4".into());
    let mut domain = DomainName {
        domain_name: Some(name.clone()),
        domain_name_arn: Some(format!("arn:aws:apigateway:{}::/domainnames/{name}", ctx.region)),
        endpoint_configuration: Some(endpoint),
        domain_name_status: Some("AVAILABLE".into()),
        security_policy: Some(input.security_policy.unwrap_or_else(|| "TLS_1_2".into())),
        tags: input.tags.filter(|t| !t.is_empty()),
        mutual_tls_authentication: input.mutual_tls_authentication.map(|m| MutualTlsAuthentication {
            truststore_uri: m.truststore_uri,
            truststore_version: m.truststore_version,
            truststore_warnings: None,
        }),
        ownership_verification_certificate_arn: input.ownership_verification_certificate_arn,
        routing_mode: Some(input.routing_mode.unwrap_or_else(|| "BASE_PATH_MAPPING_ONLY".into())),
        ..Default::default()
    };
    match endpoint_type.as_str() {
        "REGIONAL" => {
            if input.regional_certificate_arn.is_none() && input.regional_certificate_name.is_none() {
                return Err(AwsError::bad_request(
                    "A regional certificate ARN or regional certificate name is required for a REGIONAL domain name.",
                ));
            }
            domain.regional_certificate_arn = input.regional_certificate_arn;
            domain.regional_certificate_name = input.regional_certificate_name;
            domain.regional_domain_name = Some(format!("d-{}.execute-api.{}.amazonaws.com", new_id(10), ctx.region));
            domain.regional_hosted_zone_id = Some(regional_zone(&ctx.region).into());
        }
        "EDGE" => {
            if input.certificate_arn.is_none() && input.certificate_name.is_none() && input.certificate_body.is_none() {
                return Err(AwsError::bad_request(
                    "A certificate ARN or certificate name and body is required for an EDGE domain name.",
                ));
            }
            domain.certificate_arn = input.certificate_arn;
            domain.certificate_name = input.certificate_name;
            domain.certificate_upload_date = Some(Timestamp::now());
            domain.distribution_domain_name = Some(format!("d{}.cloudfront.net", new_id(13)));
            domain.distribution_hosted_zone_id = Some(CLOUDFRONT_ZONE.into());
        }
        "PRIVATE" => {
            if input.certificate_arn.is_none() {
                return Err(AwsError::bad_request(
                    "A certificate ARN is required for a PRIVATE domain name.",
                ));
            }
            domain.certificate_arn = input.certificate_arn;
            domain.certificate_name = input.certificate_name;
            domain.certificate_upload_date = Some(Timestamp::now());
            // Answered as the plain (compacted) document, not escaped as a RestApi's policy:
            // Terraform's provider reads a domain's policy without unquoting it.
            domain.policy = input.policy.as_deref().map(stored_policy);
            domain.endpoint_access_mode = input.endpoint_access_mode;
        }
        _ => {
            return Err(AwsError::bad_request(
                "Invalid endpoint type for a domain name: only EDGE, REGIONAL and PRIVATE are supported.",
            ));
        }
    }
    let scope = scope(ctx);
    let mut tx = store.write().await?;
    if endpoint_type == "PRIVATE" {
        // A new id each time: the same private name may be created again.
        loop {
            let id = new_id(10);
            domain.domain_name_id = Some(id.clone());
            domain.domain_name_arn = Some(format!(
                "arn:aws:apigateway:{}:{}:/domainnames/{name}+{id}",
                ctx.region, ctx.account
            ));
            match tx
                .insert_top(&DOMAIN_NAME, &scope, &key(&name, Some(&id)), &domain)
                .await
            {
                Err(StoreError::Exists) => continue,
                other => {
                    other?;
                    break;
                }
            }
        }
    } else {
        match tx.insert_top(&DOMAIN_NAME, &scope, &name, &domain).await {
            Err(StoreError::Exists) => return Err(AwsError::conflict("The domain name you provided already exists.")),
            other => other?,
        };
    }
    tx.commit().await?;
    Ok(domain)
}

/// The domain `name` (with `domainNameId` for a private one) in `scope`.
pub async fn load_in(
    tx: &mut Tx<'_>,
    scope: &Scope,
    name: &str,
    domain_name_id: Option<&str>,
) -> Result<Stored<DomainName>, AwsError> {
    tx.top(&DOMAIN_NAME, scope, &key(name, domain_name_id))
        .await?
        .ok_or_else(not_found)
}

async fn load(
    store: &Store,
    ctx: &RequestContext,
    name: Option<String>,
    domain_name_id: Option<&str>,
) -> Result<Stored<DomainName>, AwsError> {
    store
        .top(&DOMAIN_NAME, &scope(ctx), &key(&required(name), domain_name_id))
        .await?
        .ok_or_else(not_found)
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetDomainNameRequest) -> Result<DomainName, AwsError> {
    let domain = load(store, ctx, input.domain_name, input.domain_name_id.as_deref()).await?;
    Ok(domain.doc)
}

pub async fn list(store: &Store, ctx: &RequestContext, input: GetDomainNamesRequest) -> Result<DomainNames, AwsError> {
    if input.resource_owner.as_deref() == Some("OTHER_ACCOUNTS") {
        // The private domain names of other accounts that this account is associated with.
        let items = crate::access_associations::associated_domains(store, ctx).await?;
        return Ok(DomainNames {
            position: None,
            items: Some(items),
        });
    }
    let page = store
        .page(
            &DOMAIN_NAME,
            List::Top(&scope(ctx)),
            position(input.position.as_deref())?,
            limit(input.limit)?,
        )
        .await?;
    Ok(DomainNames {
        position: page.next_token(),
        items: Some(page.items.into_iter().map(|d| d.doc).collect()),
    })
}

const DOMAIN_PATHS: &[&str] = &[
    "/certificateName",
    "/certificateArn",
    "/regionalCertificateName",
    "/regionalCertificateArn",
    "/securityPolicy",
    "/mutualTlsAuthentication/truststoreUri",
    "/mutualTlsAuthentication/truststoreVersion",
    "/policy",
    "/managementPolicy",
];

fn apply(domain: &mut DomainName, op: &Patch) -> Result<(), AwsError> {
    if op.op != "replace" {
        return Err(op.invalid_path(DOMAIN_PATHS));
    }
    let value = op.optional_string();
    match op.segs().as_slice() {
        ["certificateName"] => domain.certificate_name = value,
        ["certificateArn"] => domain.certificate_arn = value,
        ["regionalCertificateName"] => domain.regional_certificate_name = value,
        ["regionalCertificateArn"] => domain.regional_certificate_arn = value,
        ["securityPolicy"] => {
            let policy = op.string()?;
            if !policy.starts_with("TLS_1_") && !policy.starts_with("SecurityPolicy_") {
                return Err(AwsError::bad_request(format!("Invalid security policy: {policy}")));
            }
            domain.security_policy = Some(policy);
        }
        ["mutualTlsAuthentication", "truststoreUri"] => {
            domain.mutual_tls_authentication.get_or_insert_default().truststore_uri = value
        }
        ["policy"] => domain.policy = value.as_deref().map(stored_policy),
        ["managementPolicy"] => domain.management_policy = value.as_deref().map(stored_policy),
        ["mutualTlsAuthentication", "truststoreVersion"] => {
            domain
                .mutual_tls_authentication
                .get_or_insert_default()
                .truststore_version = value
        }
        _ => return Err(op.invalid_path(DOMAIN_PATHS)),
    }
    Ok(())
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateDomainNameRequest,
) -> Result<DomainName, AwsError> {
    let ops = patches(input.patch_operations, "updateDomainNameInput")?;
    let mut tx = store.write().await?;
    let Stored { row, doc: mut domain } = load_in(
        &mut tx,
        &scope(ctx),
        &required(input.domain_name),
        input.domain_name_id.as_deref(),
    )
    .await?;
    for op in &ops {
        apply(&mut domain, op)?;
    }
    tx.update(&DOMAIN_NAME, &row, &domain).await?;
    tx.commit().await?;
    Ok(domain)
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteDomainNameRequest) -> Result<(), AwsError> {
    let mut tx = store.write().await?;
    let domain = load_in(
        &mut tx,
        &scope(ctx),
        &required(input.domain_name),
        input.domain_name_id.as_deref(),
    )
    .await?;
    // Its mappings go with it, and so do the access associations made with it.
    if let Some(arn) = domain.doc.domain_name_arn.as_deref() {
        crate::access_associations::drop_for_domain(&mut tx, &scope(ctx), arn).await?;
    }
    tx.delete(&domain.row).await?;
    tx.commit().await?;
    Ok(())
}

/// A base path as stored: `(none)` for none; AWS takes one or more `/`-separated segments.
pub fn base_path_key(base_path: Option<&str>) -> Result<String, AwsError> {
    let path = base_path.unwrap_or_default().trim_matches('/');
    if path.is_empty() || path == NO_BASE_PATH {
        return Ok(NO_BASE_PATH.into());
    }
    let valid = path.split('/').all(|seg| {
        !seg.is_empty()
            && seg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "$-_.+!*'()".contains(c))
    });
    if valid {
        Ok(path.to_string())
    } else {
        Err(AwsError::bad_request(format!("Invalid base path: {path}")))
    }
}

async fn check_target(tx: &mut Tx<'_>, scope: &Scope, api_id: &str, stage: Option<&str>) -> Result<(), AwsError> {
    let Some(api) = tx.top(&REST_API, scope, api_id).await? else {
        return Err(AwsError::bad_request("Invalid REST API identifier specified"));
    };
    if let Some(stage) = stage
        && tx.child(&STAGE, &api.row, stage).await?.is_none()
    {
        return Err(AwsError::bad_request("Invalid stage identifier specified"));
    }
    Ok(())
}

pub async fn create_mapping(
    store: &Store,
    ctx: &RequestContext,
    input: CreateBasePathMappingRequest,
) -> Result<BasePathMapping, AwsError> {
    let scope = scope(ctx);
    let key = base_path_key(input.base_path.as_deref())?;
    let api_id = required(input.rest_api_id);
    let stage = input.stage.filter(|s| !s.is_empty());
    let mut tx = store.write().await?;
    let domain = load_in(
        &mut tx,
        &scope,
        &required(input.domain_name),
        input.domain_name_id.as_deref(),
    )
    .await?;
    check_target(&mut tx, &scope, &api_id, stage.as_deref()).await?;
    let mapping = BasePathMapping {
        base_path: Some(key.clone()),
        rest_api_id: Some(api_id),
        stage,
    };
    let stored = Mapping {
        mapping: mapping.clone(),
        api_mapping_id: Some(new_id(6)),
    };
    match tx.insert(&MAPPING, &domain.row, &key, &stored).await {
        Err(StoreError::Exists) => {
            return Err(AwsError::conflict("Base path already exists for this domain name"));
        }
        other => other?,
    };
    tx.commit().await?;
    Ok(mapping)
}

pub async fn get_mapping(
    store: &Store,
    ctx: &RequestContext,
    input: GetBasePathMappingRequest,
) -> Result<BasePathMapping, AwsError> {
    let key = base_path_key(input.base_path.as_deref()).map_err(|_| mapping_not_found())?;
    let domain = load(store, ctx, input.domain_name, input.domain_name_id.as_deref()).await?;
    store
        .child(&MAPPING, &domain.row, &key)
        .await?
        .map(|m| m.doc.mapping)
        .ok_or_else(mapping_not_found)
}

pub async fn list_mappings(
    store: &Store,
    ctx: &RequestContext,
    input: GetBasePathMappingsRequest,
) -> Result<BasePathMappings, AwsError> {
    let domain = load(store, ctx, input.domain_name, input.domain_name_id.as_deref()).await?;
    let page = store
        .page(
            &MAPPING,
            List::Tree(&domain.row),
            position(input.position.as_deref())?,
            limit(input.limit)?,
        )
        .await?;
    Ok(BasePathMappings {
        position: page.next_token(),
        items: Some(page.items.into_iter().map(|m| m.doc.mapping).collect()),
    })
}

pub async fn update_mapping(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateBasePathMappingRequest,
) -> Result<BasePathMapping, AwsError> {
    let scope = scope(ctx);
    let key = base_path_key(input.base_path.as_deref()).map_err(|_| mapping_not_found())?;
    let ops = patches(input.patch_operations, "updateBasePathMappingInput")?;
    let mut tx = store.write().await?;
    let domain = load_in(
        &mut tx,
        &scope,
        &required(input.domain_name),
        input.domain_name_id.as_deref(),
    )
    .await?;
    let Stored { row, doc: mut stored } = tx
        .child(&MAPPING, &domain.row, &key)
        .await?
        .ok_or_else(mapping_not_found)?;
    let mapping = &mut stored.mapping;
    for op in &ops {
        match (op.op, op.segs().as_slice()) {
            ("replace", ["basePath"]) => mapping.base_path = Some(base_path_key(op.value.as_deref())?),
            ("replace", ["restapiId"]) => mapping.rest_api_id = Some(op.string()?),
            ("replace", ["stage"]) => mapping.stage = op.optional_string(),
            _ => return Err(op.invalid_path(&["/basePath", "/restapiId", "/stage"])),
        }
    }
    check_target(
        &mut tx,
        &scope,
        mapping.rest_api_id.as_deref().unwrap_or_default(),
        mapping.stage.as_deref(),
    )
    .await?;
    let new_key = mapping.base_path.clone().unwrap_or_default();
    if new_key == key {
        tx.update(&MAPPING, &row, &stored).await?;
    } else {
        // The base path is the document's id: a new one is a new document (same apiMappingId).
        tx.delete(&row).await?;
        match tx.insert(&MAPPING, &domain.row, &new_key, &stored).await {
            Err(StoreError::Exists) => {
                return Err(AwsError::conflict("Base path already exists for this domain name"));
            }
            other => other?,
        };
    }
    tx.commit().await?;
    Ok(stored.mapping)
}

pub async fn delete_mapping(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteBasePathMappingRequest,
) -> Result<(), AwsError> {
    let key = base_path_key(input.base_path.as_deref()).map_err(|_| mapping_not_found())?;
    let mut tx = store.write().await?;
    let domain = load_in(
        &mut tx,
        &scope(ctx),
        &required(input.domain_name),
        input.domain_name_id.as_deref(),
    )
    .await?;
    let mapping = tx
        .child(&MAPPING, &domain.row, &key)
        .await?
        .ok_or_else(mapping_not_found)?;
    tx.delete(&mapping.row).await?;
    tx.commit().await?;
    Ok(())
}

/// Where a request to a custom domain goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub api_id: String,
    pub stage: String,
    /// The request path after the base path (and, for a mapping without a stage, after the
    /// stage segment), starting with `/`.
    pub path: String,
}

/// The mapping for `path` among a domain's: the longest base path that is a whole-segment
/// prefix, else `(none)`. A mapping without a stage takes the stage from the next segment.
pub fn route(mappings: &[BasePathMapping], path: &str) -> Option<Route> {
    let trimmed = path.trim_start_matches('/');
    let mut best: Option<(&BasePathMapping, &str)> = None;
    for mapping in mappings {
        let base = mapping.base_path.as_deref().unwrap_or(NO_BASE_PATH);
        let rest = if base == NO_BASE_PATH {
            Some(trimmed)
        } else {
            trimmed
                .strip_prefix(base)
                .filter(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        let Some(rest) = rest else { continue };
        let longer = best.is_none_or(|(b, _)| {
            let best_len = match b.base_path.as_deref() {
                Some(NO_BASE_PATH) | None => 0,
                Some(p) => p.len() + 1,
            };
            let len = if base == NO_BASE_PATH { 0 } else { base.len() + 1 };
            len > best_len
        });
        if longer {
            best = Some((mapping, rest));
        }
    }
    let (mapping, rest) = best?;
    let rest = rest.trim_start_matches('/');
    let (stage, rest) = match mapping.stage.clone() {
        Some(stage) => (stage, rest),
        None => {
            let (stage, rest) = rest.split_once('/').unwrap_or((rest, ""));
            if stage.is_empty() {
                return None;
            }
            (stage.to_string(), rest)
        }
    };
    Some(Route {
        api_id: mapping.rest_api_id.clone().unwrap_or_default(),
        stage,
        path: format!("/{rest}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(base: &str, stage: Option<&str>, api: &str) -> BasePathMapping {
        BasePathMapping {
            base_path: Some(base.into()),
            rest_api_id: Some(api.into()),
            stage: stage.map(str::to_string),
        }
    }

    #[test]
    fn mappings_keep_their_v2_id_and_read_as_rest_s() {
        let stored = Mapping {
            mapping: mapping("v1", Some("$default"), "abc"),
            api_mapping_id: Some("m1n2o3".into()),
        };
        let json = serde_json::to_value(&stored).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"basePath": "v1", "restApiId": "abc", "stage": "$default", "apiMappingId": "m1n2o3"})
        );
        // The data plane reads the same document as REST's shape.
        let rest: BasePathMapping = serde_json::from_value(json).unwrap();
        assert_eq!(rest, stored.mapping);
        // One written before ids were kept answers by its base path.
        let old: Mapping =
            serde_json::from_value(serde_json::json!({"basePath": "(none)", "restApiId": "abc"})).unwrap();
        assert_eq!(old.id(), "(none)");
        // A v2 mapping to an HTTP API's `$default` stage routes there.
        let r = route(&[rest], "/v1/items").unwrap();
        assert_eq!((r.stage.as_str(), r.path.as_str()), ("$default", "/items"));
    }

    #[test]
    fn base_paths() {
        assert_eq!(base_path_key(None).unwrap(), "(none)");
        assert_eq!(base_path_key(Some("")).unwrap(), "(none)");
        assert_eq!(base_path_key(Some("/v1/orders")).unwrap(), "v1/orders");
        assert!(base_path_key(Some("a b")).is_err());
    }

    #[test]
    fn routes_take_the_longest_base_path() {
        let mappings = [
            mapping("(none)", Some("prod"), "root"),
            mapping("v1", Some("dev"), "one"),
            mapping("v1/orders", None, "orders"),
        ];
        let r = route(&mappings, "/v1/pets/1").unwrap();
        assert_eq!(
            (r.api_id.as_str(), r.stage.as_str(), r.path.as_str()),
            ("one", "dev", "/pets/1")
        );
        let r = route(&mappings, "/v1/orders/beta/x").unwrap();
        assert_eq!(
            (r.api_id.as_str(), r.stage.as_str(), r.path.as_str()),
            ("orders", "beta", "/x")
        );
        let r = route(&mappings, "/v10").unwrap();
        assert_eq!((r.api_id.as_str(), r.path.as_str()), ("root", "/v10"));
        let r = route(&mappings, "/v1").unwrap();
        assert_eq!(r.path, "/");
        assert_eq!(route(&mappings[1..], "/other"), None);
        assert_eq!(route(&mappings[2..], "/v1/orders"), None);
    }
}

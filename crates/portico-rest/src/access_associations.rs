//! Domain name access associations: a VPC endpoint's access to a PRIVATE custom domain name.
//!
//! An association lives in the account that made it (the API consumer). When the domain is
//! another account's, the domain owner gets an inbound copy in the same transaction: that is
//! what it lists with `resourceOwner=OTHER_ACCOUNTS` and what it rejects. Nothing is
//! provisioned; an association exists as soon as it is made.

use crate::domain_names::{is_private, key as domain_key};
use crate::kinds::{ACCESS_ASSOCIATION, DOMAIN_NAME, INBOUND_ACCESS_ASSOCIATION};
use crate::support::{limit, position, required, scope};
use portico_store::{List, Scope, Store, StoreError, Tx};
use portico_wire::apigateway::*;
use portico_wire::{AwsError, RequestContext};

const ARN_PATH: &str = "/domainnameaccessassociations/";

/// A page size that reads a whole (emulator-sized) list.
const ALL: usize = 1_000_000;

pub fn not_found() -> AwsError {
    AwsError::not_found("Invalid domain name access association identifier specified")
}

/// A private domain name's ARN, `arn:aws:apigateway:{region}:{account}:/domainnames/{name}+{id}`,
/// taken apart: the owner's scope and the domain's store id.
struct DomainArn {
    scope: Scope,
    /// `{name}+{id}`, lowercased as stored.
    key: String,
}

fn parse_domain_arn(ctx: &RequestContext, arn: &str) -> Option<DomainArn> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "apigateway" {
        return None;
    }
    let tail = parts[5].strip_prefix("/domainnames/")?;
    let (name, id) = tail.split_once('+')?;
    if name.is_empty() || id.is_empty() || id.contains('/') {
        return None;
    }
    let region = if parts[3].is_empty() { &ctx.region } else { parts[3] };
    let account = if parts[4].is_empty() { &ctx.account } else { parts[4] };
    Some(DomainArn {
        scope: Scope {
            account: account.to_string(),
            region: region.to_string(),
        },
        key: domain_key(name, Some(id)),
    })
}

/// An association's ARN taken apart: the account that made it and its store id.
fn parse_association_arn(arn: &str) -> Option<(String, String, String)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "apigateway" {
        return None;
    }
    let id = parts[5].strip_prefix(ARN_PATH)?;
    let (domain, vpce) = id.strip_prefix("domainname/")?.split_once("/vpcesource/")?;
    if domain.is_empty() || vpce.is_empty() {
        return None;
    }
    Some((parts[4].to_string(), parts[3].to_string(), id.to_string()))
}

fn inbound_id(consumer: &str, id: &str) -> String {
    format!("{consumer}/{id}")
}

fn check_vpce(source: &str) -> Result<(), AwsError> {
    let valid = source
        .strip_prefix("vpce-")
        .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric()));
    if valid {
        Ok(())
    } else {
        Err(AwsError::bad_request(format!(
            "Invalid accessAssociationSource {source}: it must be a VPC endpoint id (vpce-...)"
        )))
    }
}

pub async fn create(
    store: &Store,
    ctx: &RequestContext,
    input: CreateDomainNameAccessAssociationRequest,
) -> Result<DomainNameAccessAssociation, AwsError> {
    let domain_arn = required(input.domain_name_arn);
    let source = required(input.access_association_source);
    let source_type = required(input.access_association_source_type);
    check_vpce(&source)?;
    let invalid_domain = || AwsError::bad_request(format!("Invalid domain name ARN specified: {domain_arn}"));
    let target = parse_domain_arn(ctx, &domain_arn).ok_or_else(invalid_domain)?;
    if target.scope.region != ctx.region {
        return Err(AwsError::bad_request(
            "The domain name must be in the same region as the domain name access association.",
        ));
    }
    let own = scope(ctx);
    let mut tx = store.write().await?;
    // The model declares no NotFoundException here: an unknown domain is a bad request.
    let domain = tx
        .top(&DOMAIN_NAME, &target.scope, &target.key)
        .await?
        .ok_or_else(invalid_domain)?;
    if !is_private(&domain.doc) {
        return Err(AwsError::bad_request(
            "Domain name access associations can only be created for PRIVATE domain names.",
        ));
    }
    // The domain's own ARN, as AWS spells it (the request may differ in case).
    let domain_arn = domain.doc.domain_name_arn.clone().unwrap_or(domain_arn);
    let id = format!("domainname/{}/vpcesource/{source}", target.key);
    let association = DomainNameAccessAssociation {
        domain_name_access_association_arn: Some(format!(
            "arn:aws:apigateway:{}:{}:{ARN_PATH}{id}",
            ctx.region, ctx.account
        )),
        domain_name_arn: Some(domain_arn),
        access_association_source_type: Some(source_type),
        access_association_source: Some(source),
        tags: input.tags.filter(|t| !t.is_empty()),
    };
    match tx.insert_top(&ACCESS_ASSOCIATION, &own, &id, &association).await {
        Err(StoreError::Exists) => {
            return Err(AwsError::conflict(
                "A domain name access association already exists between this domain name and access association source.",
            ));
        }
        other => other?,
    };
    if target.scope != own {
        tx.insert_top(
            &INBOUND_ACCESS_ASSOCIATION,
            &target.scope,
            &inbound_id(&ctx.account, &id),
            &association,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(association)
}

pub async fn list(
    store: &Store,
    ctx: &RequestContext,
    input: GetDomainNameAccessAssociationsRequest,
) -> Result<DomainNameAccessAssociations, AwsError> {
    let kind = match input.resource_owner.as_deref() {
        Some("OTHER_ACCOUNTS") => &INBOUND_ACCESS_ASSOCIATION,
        _ => &ACCESS_ASSOCIATION,
    };
    let page = store
        .page(
            kind,
            List::Top(&scope(ctx)),
            position(input.position.as_deref())?,
            limit(input.limit)?,
        )
        .await?;
    Ok(DomainNameAccessAssociations {
        position: page.next_token(),
        items: Some(page.items.into_iter().map(|a| a.doc).collect()),
    })
}

/// Deletes the association `id` of `consumer` and the domain owner's inbound copy.
async fn remove(tx: &mut Tx<'_>, consumer: &Scope, id: &str) -> Result<bool, AwsError> {
    let Some(association) = tx.top(&ACCESS_ASSOCIATION, consumer, id).await? else {
        return Ok(false);
    };
    tx.delete(&association.row).await?;
    let domain_arn = association.doc.domain_name_arn.unwrap_or_default();
    let owner = domain_owner(consumer, &domain_arn);
    if owner != *consumer
        && let Some(inbound) = tx
            .top(&INBOUND_ACCESS_ASSOCIATION, &owner, &inbound_id(&consumer.account, id))
            .await?
    {
        tx.delete(&inbound.row).await?;
    }
    Ok(true)
}

/// The scope of the account that owns the domain `arn` names.
fn domain_owner(consumer: &Scope, arn: &str) -> Scope {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let pick = |i: usize, default: &str| {
        parts
            .get(i)
            .filter(|p| !p.is_empty())
            .map_or(default.to_string(), |p| p.to_string())
    };
    Scope {
        region: pick(3, &consumer.region),
        account: pick(4, &consumer.account),
    }
}

pub async fn delete(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteDomainNameAccessAssociationRequest,
) -> Result<(), AwsError> {
    let arn = required(input.domain_name_access_association_arn);
    let (_, _, id) = parse_association_arn(&arn).ok_or_else(not_found)?;
    let mut tx = store.write().await?;
    if !remove(&mut tx, &scope(ctx), &id).await? {
        return Err(not_found());
    }
    tx.commit().await?;
    Ok(())
}

/// The domain owner refuses an association made with its domain: it is deleted.
pub async fn reject(
    store: &Store,
    ctx: &RequestContext,
    input: RejectDomainNameAccessAssociationRequest,
) -> Result<(), AwsError> {
    let domain_arn = required(input.domain_name_arn);
    let association_arn = required(input.domain_name_access_association_arn);
    let own = scope(ctx);
    let target = parse_domain_arn(ctx, &domain_arn)
        .filter(|t| t.scope == own)
        .ok_or_else(crate::domain_names::not_found)?;
    let (consumer, region, id) = parse_association_arn(&association_arn).ok_or_else(not_found)?;
    let consumer = Scope {
        account: if consumer.is_empty() {
            ctx.account.clone()
        } else {
            consumer
        },
        region: if region.is_empty() { ctx.region.clone() } else { region },
    };
    let mut tx = store.write().await?;
    let domain = tx
        .top(&DOMAIN_NAME, &own, &target.key)
        .await?
        .ok_or_else(crate::domain_names::not_found)?;
    let belongs = |a: &DomainNameAccessAssociation| a.domain_name_arn == domain.doc.domain_name_arn;
    let found = if consumer == own {
        tx.top(&ACCESS_ASSOCIATION, &own, &id).await?.map(|a| a.doc)
    } else {
        tx.top(&INBOUND_ACCESS_ASSOCIATION, &own, &inbound_id(&consumer.account, &id))
            .await?
            .map(|a| a.doc)
    };
    if !found.as_ref().is_some_and(belongs) {
        return Err(not_found());
    }
    remove(&mut tx, &consumer, &id).await?;
    tx.commit().await?;
    Ok(())
}

/// Every association made with the domain `domain_arn` of `owner`, its own and other
/// accounts', goes with the domain.
pub async fn drop_for_domain(tx: &mut Tx<'_>, owner: &Scope, domain_arn: &str) -> Result<(), AwsError> {
    let own = tx.page(&ACCESS_ASSOCIATION, List::Top(owner), None, ALL).await?;
    for association in own.items {
        if association.doc.domain_name_arn.as_deref() == Some(domain_arn) {
            tx.delete(&association.row).await?;
        }
    }
    let inbound = tx
        .page(&INBOUND_ACCESS_ASSOCIATION, List::Top(owner), None, ALL)
        .await?;
    for copy in inbound.items {
        if copy.doc.domain_name_arn.as_deref() != Some(domain_arn) {
            continue;
        }
        tx.delete(&copy.row).await?;
        let arn = copy.doc.domain_name_access_association_arn.unwrap_or_default();
        if let Some((account, region, id)) = parse_association_arn(&arn) {
            let consumer = Scope { account, region };
            if let Some(association) = tx.top(&ACCESS_ASSOCIATION, &consumer, &id).await? {
                tx.delete(&association.row).await?;
            }
        }
    }
    Ok(())
}

/// The private domain names of other accounts this account has associations with
/// (GetDomainNames with `resourceOwner=OTHER_ACCOUNTS`).
pub async fn associated_domains(store: &Store, ctx: &RequestContext) -> Result<Vec<DomainName>, AwsError> {
    let own = scope(ctx);
    let associations = store.page(&ACCESS_ASSOCIATION, List::Top(&own), None, ALL).await?;
    let mut domains: Vec<DomainName> = Vec::new();
    for association in associations.items {
        let arn = association.doc.domain_name_arn.unwrap_or_default();
        let Some(target) = parse_domain_arn(ctx, &arn) else {
            continue;
        };
        if target.scope == own || domains.iter().any(|d| d.domain_name_arn.as_deref() == Some(&arn)) {
            continue;
        }
        if let Some(domain) = store.top(&DOMAIN_NAME, &target.scope, &target.key).await? {
            domains.push(domain.doc);
        }
    }
    Ok(domains)
}

/// The association `arn` names in the caller's scope, for tags: its store id.
pub fn tag_target(arn_path: &str) -> Option<String> {
    let id = arn_path.strip_prefix(ARN_PATH)?;
    id.strip_prefix("domainname/")?.split_once("/vpcesource/")?;
    Some(id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RequestContext {
        RequestContext {
            account: "111111111111".into(),
            region: "us-east-1".into(),
            request_id: String::new(),
        }
    }

    #[test]
    fn domain_arns() {
        let t = parse_domain_arn(
            &ctx(),
            "arn:aws:apigateway:us-east-1:222222222222:/domainnames/Private.Example.com+abc123",
        )
        .unwrap();
        assert_eq!(t.key, "private.example.com+abc123");
        assert_eq!(t.scope.account, "222222222222");
        // A public domain's ARN names no id.
        assert!(parse_domain_arn(&ctx(), "arn:aws:apigateway:us-east-1::/domainnames/a.example.com").is_none());
        assert!(parse_domain_arn(&ctx(), "not-an-arn").is_none());
    }

    #[test]
    fn association_arns() {
        let arn = "arn:aws:apigateway:us-east-1:111111111111:/domainnameaccessassociations/domainname/a.example.com+abc/vpcesource/vpce-0123";
        let (account, region, id) = parse_association_arn(arn).unwrap();
        assert_eq!((account.as_str(), region.as_str()), ("111111111111", "us-east-1"));
        assert_eq!(id, "domainname/a.example.com+abc/vpcesource/vpce-0123");
        assert!(parse_association_arn("arn:aws:apigateway:us-east-1:1:/domainnameaccessassociations/x").is_none());
        assert!(check_vpce("vpce-0abc").is_ok());
        assert!(check_vpce("vpc-0abc").is_err() && check_vpce("vpce-").is_err());
    }
}

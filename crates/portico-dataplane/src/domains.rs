//! Custom domain names: a request whose Host is one of them goes to the API and stage that the
//! domain's base path mappings name. A host's mappings are read once and kept until a commit
//! touches a domain name or an access association; hosts that are no domain are remembered
//! too, so a control-plane request pays one hash lookup for the question.
//!
//! A PRIVATE domain name is reached, as on AWS, through a VPC endpoint associated with it (a
//! domain name access association). The endpoint a request came through is its
//! `x-amzn-vpce-id` header (the one resource policies read for `aws:SourceVpce`); a request
//! without one reaches a private domain of its Host when exactly one is associated with any
//! endpoint. The domain's own `policy` is then checked with the API's resource policy.

use crate::authorize::policy::ResourcePolicy;
use crate::parse::Invocation;
use portico_rest::domain_names;
use portico_rest::kinds::{ACCESS_ASSOCIATION, BASE_PATH_MAPPING, DOMAIN_NAME};
use portico_store::{Changed, Store, StoreError};
use portico_wire::apigateway::BasePathMapping;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Marks a request that came through a custom domain name: an API whose default endpoint is
/// disabled (`disableExecuteApiEndpoint`) still answers it. A private domain's policy comes
/// along, to be checked once the request is authorized.
#[derive(Debug, Clone)]
pub struct ViaCustomDomain {
    pub private: Option<Arc<PrivateAccess>>,
}

/// A private domain name's `policy`, and the ARN it is checked against
/// (`arn:aws:execute-api:{region}:{account}:/domainnames/{name}+{id}`).
#[derive(Debug)]
pub struct PrivateAccess {
    pub arn: String,
    pub policy: ResourcePolicy,
}

/// What a host name is: its public domain's mappings, and its private domains.
#[derive(Debug, Default)]
struct Host {
    public: Option<Arc<[BasePathMapping]>>,
    private: Vec<Private>,
}

#[derive(Debug)]
struct Private {
    /// The VPC endpoints associated with the domain.
    endpoints: Vec<String>,
    mappings: Arc<[BasePathMapping]>,
    access: Arc<PrivateAccess>,
}

/// What a Host names.
#[derive(Debug)]
pub enum Domain {
    /// No custom domain: the request is for someone else.
    Unknown,
    /// A custom domain, the mapping that takes the path, and a private domain's access.
    Mapped(Invocation, Option<Arc<PrivateAccess>>),
    /// A custom domain with no mapping for the path (AWS answers 403).
    Unmapped,
}

/// Past this many remembered hosts the memory starts over (made-up Host headers must not grow it).
const MAX_HOSTS: usize = 1024;

#[derive(Default)]
pub struct Domains {
    /// By lower-case host name without the port; `None`: no domain of that name.
    hosts: RwLock<HashMap<String, Option<Arc<Host>>>>,
}

impl Domains {
    /// `endpoint`: the VPC endpoint the request came through (`x-amzn-vpce-id`), if any.
    pub async fn resolve(
        &self,
        store: &Store,
        host: &str,
        path: &str,
        endpoint: Option<&str>,
    ) -> Result<Domain, StoreError> {
        let name = host_name(host);
        let known = self
            .hosts
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name.as_str())
            .cloned();
        let mappings = match known {
            Some(mappings) => mappings,
            None => {
                let mappings = load(store, &name).await?;
                let mut hosts = self.hosts.write().unwrap_or_else(|e| e.into_inner());
                if hosts.len() >= MAX_HOSTS {
                    hosts.clear();
                }
                hosts.insert(name, mappings.clone());
                mappings
            }
        };
        let Some(host) = mappings else {
            return Ok(Domain::Unknown);
        };
        let associated = |p: &&Private| endpoint.is_some_and(|e| p.endpoints.iter().any(|x| x == e));
        let (mappings, access) = if let Some(private) = host.private.iter().find(associated) {
            (&private.mappings, Some(private.access.clone()))
        } else if let Some(public) = &host.public {
            (public, None)
        } else {
            // Only private domains: one reachable through some endpoint, unless the request
            // named an endpoint that none is associated with.
            let mut reachable = host.private.iter().filter(|p| !p.endpoints.is_empty());
            match (endpoint, reachable.next(), reachable.next()) {
                (None, Some(only), None) => (&only.mappings, Some(only.access.clone())),
                _ => return Ok(Domain::Unmapped),
            }
        };
        Ok(match domain_names::route(mappings, path) {
            Some(route) => Domain::Mapped(
                Invocation {
                    api_id: route.api_id,
                    stage: route.stage,
                    whole_path: route.path.clone(),
                    path: route.path,
                },
                access,
            ),
            None => Domain::Unmapped,
        })
    }

    /// A commit that touched any domain name (or its mappings) or access association empties
    /// the memory.
    pub fn changed(&self, changes: &[Changed]) {
        if changes
            .iter()
            .any(|c| c.kind == DOMAIN_NAME.name || c.kind == ACCESS_ASSOCIATION.name)
        {
            self.hosts.write().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }
}

/// `API.Example.localhost:4566` → `api.example.localhost`.
fn host_name(host: &str) -> String {
    let name = host
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(name, _)| name);
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Domain names are looked up in every account and region: the Host carries neither.
async fn load(store: &Store, name: &str) -> Result<Option<Arc<Host>>, StoreError> {
    let mut host = Host::default();
    if let Some(domain) = store.global(&DOMAIN_NAME, name).await? {
        let mappings = store.children(&BASE_PATH_MAPPING, &domain.row).await?;
        host.public = Some(mappings.into_iter().map(|m| m.doc).collect());
    }
    // Private ones are stored as `{name}+{domainNameId}`.
    let private = store.global_prefixed(&DOMAIN_NAME, &format!("{name}+")).await?;
    if !private.is_empty() {
        let associations = store.global_prefixed(&ACCESS_ASSOCIATION, "").await?;
        for domain in private {
            let mappings = store.children(&BASE_PATH_MAPPING, &domain.row).await?;
            let domain_arn = domain.doc.domain_name_arn.as_deref();
            let endpoints = associations
                .iter()
                .filter(|a| a.doc.domain_name_arn.as_deref() == domain_arn && domain_arn.is_some())
                .filter_map(|a| a.doc.access_association_source.clone())
                .collect();
            let scope = domain.row.scope();
            let key = domain_names::key(
                domain.doc.domain_name.as_deref().unwrap_or(name),
                domain.doc.domain_name_id.as_deref(),
            );
            let arn = format!(
                "arn:aws:execute-api:{}:{}:/domainnames/{key}",
                scope.region, scope.account
            );
            // AWS requires a policy on a private domain; without one nothing is allowed.
            let text = domain.doc.policy.as_deref().unwrap_or("{}");
            // `execute-api:/*` names the account's execute-api resources, the domain among them.
            let policy = ResourcePolicy::compile(text, &scope.region, &scope.account, "");
            host.private.push(Private {
                endpoints,
                mappings: mappings.into_iter().map(|m| m.doc).collect(),
                access: Arc::new(PrivateAccess { arn, policy }),
            });
        }
    }
    Ok((host.public.is_some() || !host.private.is_empty()).then(|| Arc::new(host)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names() {
        assert_eq!(host_name("API.Example.localhost:4566"), "api.example.localhost");
        assert_eq!(host_name("api.example.com"), "api.example.com");
        assert_eq!(host_name("api.example.com.:80"), "api.example.com");
    }
}

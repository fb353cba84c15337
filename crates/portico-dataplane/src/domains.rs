//! Custom domain names: a request whose Host is one of them goes to the API and stage that the
//! domain's base path mappings name. A host's mappings are read once and kept until a commit
//! touches a domain name; hosts that are no domain are remembered too, so a control-plane
//! request pays one hash lookup for the question.

use crate::parse::Invocation;
use portico_rest::domain_names;
use portico_rest::kinds::{BASE_PATH_MAPPING, DOMAIN_NAME};
use portico_store::{Changed, Store, StoreError};
use portico_wire::apigateway::BasePathMapping;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Marks a request that came through a custom domain name: an API whose default endpoint is
/// disabled (`disableExecuteApiEndpoint`) still answers it.
#[derive(Debug, Clone, Copy)]
pub struct ViaCustomDomain;

/// What a Host names.
#[derive(Debug, PartialEq, Eq)]
pub enum Domain {
    /// No custom domain: the request is for someone else.
    Unknown,
    /// A custom domain, and the mapping that takes the path.
    Mapped(Invocation),
    /// A custom domain with no mapping for the path (AWS answers 403).
    Unmapped,
}

/// Past this many remembered hosts the memory starts over (made-up Host headers must not grow it).
const MAX_HOSTS: usize = 1024;

#[derive(Default)]
pub struct Domains {
    /// By lower-case host name without the port; `None`: no domain of that name.
    hosts: RwLock<HashMap<String, Option<Arc<[BasePathMapping]>>>>,
}

impl Domains {
    pub async fn resolve(&self, store: &Store, host: &str, path: &str) -> Result<Domain, StoreError> {
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
        let Some(mappings) = mappings else {
            return Ok(Domain::Unknown);
        };
        Ok(match domain_names::route(&mappings, path) {
            Some(route) => Domain::Mapped(Invocation {
                api_id: route.api_id,
                stage: route.stage,
                whole_path: route.path.clone(),
                path: route.path,
            }),
            None => Domain::Unmapped,
        })
    }

    /// A commit that touched any domain name (or its mappings) empties the memory.
    pub fn changed(&self, changes: &[Changed]) {
        if changes.iter().any(|c| c.kind == DOMAIN_NAME.name) {
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
async fn load(store: &Store, name: &str) -> Result<Option<Arc<[BasePathMapping]>>, StoreError> {
    let Some(domain) = store.global(&DOMAIN_NAME, name).await? else {
        return Ok(None);
    };
    let mappings = store.children(&BASE_PATH_MAPPING, &domain.row).await?;
    Ok(Some(mappings.into_iter().map(|m| m.doc).collect()))
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

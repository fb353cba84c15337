//! Private integrations (`connectionType: VPC_LINK`): on AWS the request goes through the VPC
//! link to its network load balancer. Here a link's traffic goes to the local URL configured
//! for the link (`--vpc-link-target LINK=URL`, LINK the link's id or one of its target ARNs):
//! its scheme and authority replace the integration URI's, whose path and query stay, and the
//! backend sees the URI's host in `Host`, as behind a load balancer. A link with no target
//! configured sends to the URI as written (in docker-compose its host may well resolve).
//!
//! Links are read from the store once and kept until a commit touches a VPC link.

use crate::context::RequestContext;
use crate::respond;
use bytes::Bytes;
use http::Response;
use http::header::{self, HeaderMap, HeaderValue};
use http::uri::{Parts, Uri};
use portico_rest::kinds::VPC_LINK;
use portico_store::{Changed, Scope, Store};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// (account, region, link id).
type LinkKey = (String, String, String);

/// Past this many remembered links the memory starts over.
const MAX_LINKS: usize = 1024;

pub struct VpcLinks {
    store: Store,
    /// By link id or target ARN.
    targets: RwLock<Arc<HashMap<String, Uri>>>,
    /// (account, region, link id) → the link's target ARNs; `None`: no such link.
    links: RwLock<HashMap<LinkKey, Option<Arc<[String]>>>>,
}

impl VpcLinks {
    pub fn new(store: Store) -> VpcLinks {
        VpcLinks {
            store,
            targets: RwLock::default(),
            links: RwLock::default(),
        }
    }

    pub fn set_targets(&self, targets: Vec<(String, Uri)>) {
        *self.targets.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(targets.into_iter().collect());
    }

    pub fn changed(&self, changes: &[Changed]) {
        if changes.iter().any(|c| c.kind == VPC_LINK.name) {
            self.links.write().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }

    /// Where a VPC_LINK integration's request goes: `uri` with the link's target in place of
    /// its scheme and authority (and the URI's host put in `headers`), or the answer that ends
    /// the request when the link does not exist.
    pub async fn route(
        &self,
        ctx: &RequestContext,
        connection_id: &str,
        uri: Uri,
        headers: &mut HeaderMap,
    ) -> Result<Uri, Box<Response<Bytes>>> {
        let id = link_id(connection_id, ctx);
        let arns = match self.link(ctx, &id).await {
            Some(arns) => arns,
            None => {
                tracing::warn!(link = id, "VPC_LINK integration names a VPC link that does not exist");
                ctx.trace(|| format!("Execution failed due to configuration error: Invalid VPC link id {id}"));
                return Err(Box::new(respond::internal_error()));
            }
        };
        let targets = self.targets.read().unwrap_or_else(|e| e.into_inner()).clone();
        let target = targets
            .get(&id)
            .or_else(|| arns.iter().find_map(|arn| targets.get(arn)));
        let Some(target) = target else {
            tracing::debug!(
                link = id,
                "no --vpc-link-target for the link; sending to the integration URI"
            );
            return Ok(uri);
        };
        if !headers.contains_key(header::HOST)
            && let Some(host) = uri.authority().and_then(|a| HeaderValue::from_str(a.as_str()).ok())
        {
            headers.insert(header::HOST, host);
        }
        ctx.trace(|| format!("Sending through VPC link {id} to {target}"));
        Ok(retarget(uri, target))
    }

    /// The URL `--vpc-link-target` gives a link (an apigatewayv2 VPC link: its id).
    pub fn target_of(&self, id: &str) -> Option<Uri> {
        self.targets.read().unwrap_or_else(|e| e.into_inner()).get(id).cloned()
    }

    async fn link(&self, ctx: &RequestContext, id: &str) -> Option<Arc<[String]>> {
        let key: LinkKey = (ctx.account_id.to_string(), ctx.region.to_string(), id.to_owned());
        if let Some(known) = self.links.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return known.clone();
        }
        let scope = Scope {
            account: key.0.clone(),
            region: key.1.clone(),
        };
        let found = match self.store.top(&VPC_LINK, &scope, id).await {
            Ok(found) => found.map(|link| Arc::from(link.doc.target_arns.unwrap_or_default())),
            Err(error) => {
                tracing::error!(%error, "reading a VPC link");
                return None;
            }
        };
        let mut links = self.links.write().unwrap_or_else(|e| e.into_inner());
        if links.len() >= MAX_LINKS {
            links.clear();
        }
        links.insert(key, found.clone());
        found
    }
}

/// `${stageVariables.name}` (the usual way of naming a link per stage) or the id itself.
fn link_id(connection_id: &str, ctx: &RequestContext) -> String {
    match connection_id
        .strip_prefix("${stageVariables.")
        .and_then(|rest| rest.strip_suffix('}'))
    {
        Some(name) => ctx.stage_variables.get(name).cloned().unwrap_or_default(),
        None => connection_id.to_owned(),
    }
}

/// `uri`'s path and query on `target`'s scheme and authority (after `target`'s own path, if any).
pub(crate) fn retarget(uri: Uri, target: &Uri) -> Uri {
    let base = target.path().trim_end_matches('/');
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut parts = Parts::default();
    parts.scheme = target.scheme().cloned();
    parts.authority = target.authority().cloned();
    parts.path_and_query = format!("{base}{path_and_query}").parse().ok();
    Uri::from_parts(parts).unwrap_or(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retargets_scheme_and_authority() {
        let uri: Uri = "https://nlb.internal.example.com/orders/1?x=1".parse().unwrap();
        let target: Uri = "http://127.0.0.1:8080".parse().unwrap();
        assert_eq!(
            retarget(uri.clone(), &target).to_string(),
            "http://127.0.0.1:8080/orders/1?x=1"
        );
        let under: Uri = "http://backend:9000/api/".parse().unwrap();
        assert_eq!(
            retarget(uri, &under).to_string(),
            "http://backend:9000/api/orders/1?x=1"
        );
    }
}

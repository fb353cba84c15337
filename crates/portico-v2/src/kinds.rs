//! The documents the apigatewayv2 control plane stores.
//!
//! ```text
//! api ─┬─ route ─ route-response (WebSocket APIs only)
//!      ├─ integration ─ integration-response (WebSocket APIs only)
//!      ├─ stage (its id is its name; `$default` included)
//!      ├─ authorizer
//!      ├─ model
//!      └─ deployment ─ deployment-snapshot (what it froze: routes, integrations, authorizers,
//!                      route and integration responses, models)
//! api-vpclink: account-level (v2 VPC links: subnets and security groups).
//! Custom domain names and API mappings are `portico_rest`'s `domainname` ─ `base-path-mapping`:
//! the two services show the same documents.
//! ```

use portico_store::Kind;
use portico_wire::apigatewayv2 as v2;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const API: Kind<v2::Api> = Kind::top("api");
pub const ROUTE: Kind<v2::Route> = Kind::under("api-route", &["api"]);
pub const INTEGRATION: Kind<v2::Integration> = Kind::under("api-integration", &["api"]);
pub const ROUTE_RESPONSE: Kind<v2::RouteResponse> = Kind::under("api-route-response", &["api-route"]);
pub const INTEGRATION_RESPONSE: Kind<v2::IntegrationResponse> =
    Kind::under("api-integration-response", &["api-integration"]);
pub const STAGE: Kind<v2::Stage> = Kind::under("api-stage", &["api"]);
pub const AUTHORIZER: Kind<v2::Authorizer> = Kind::under("api-authorizer", &["api"]);
pub const MODEL: Kind<v2::Model> = Kind::under("api-model", &["api"]);
pub const V2_VPC_LINK: Kind<v2::VpcLink> = Kind::top("api-vpclink");
pub const DEPLOYMENT: Kind<v2::Deployment> = Kind::under("api-deployment", &["api"]);
pub const SNAPSHOT: Kind<Snapshot> = Kind::under("api-deployment-snapshot", &["api-deployment"]);

/// What a deployment freezes: the API, its routes, integrations, authorizers, route and
/// integration responses and models, for the data plane.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Snapshot {
    pub api: v2::Api,
    pub routes: Vec<v2::Route>,
    pub integrations: Vec<v2::Integration>,
    /// Absent in snapshots written before authorizers were frozen.
    #[serde(default)]
    pub authorizers: Vec<v2::Authorizer>,
    /// Route responses by route id (WebSocket APIs); absent in older snapshots.
    #[serde(default)]
    pub route_responses: BTreeMap<String, Vec<v2::RouteResponse>>,
    /// Integration responses by integration id (WebSocket APIs); absent in older snapshots.
    #[serde(default)]
    pub integration_responses: BTreeMap<String, Vec<v2::IntegrationResponse>>,
    /// Absent in older snapshots.
    #[serde(default)]
    pub models: Vec<v2::Model>,
}

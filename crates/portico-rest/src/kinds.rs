//! The documents the REST control plane stores, and where each one lives.
//!
//! ```text
//! restapi ─┬─ resource ─ resource … (the tree; methods and integrations live inside each resource)
//!          ├─ deployment ─ deployment-snapshot
//!          ├─ stage
//!          ├─ authorizer
//!          ├─ model (its id is its name)
//!          ├─ request-validator
//!          ├─ gateway-response (customised ones only; its id is its type)
//!          ├─ documentation-part
//!          └─ documentation-version (its id is its name; holds the parts it froze)
//! domainname ─ base-path-mapping
//! clientcertificate, vpclink, account: account-level, outside any API.
//! ```
//! Deleting an API takes all of it; deleting a resource takes its subtree; deleting a
//! deployment takes its snapshot.

use portico_store::Kind;
use portico_wire::apigateway as ag;
use serde::{Deserialize, Serialize};

pub const REST_API: Kind<ag::RestApi> = Kind::top("restapi");
/// A resource with its methods, integrations and responses embedded, as `embed=methods` shows it.
pub const RESOURCE: Kind<ag::Resource> = Kind::under("resource", &["restapi", "resource"]);
pub const DEPLOYMENT: Kind<ag::Deployment> = Kind::under("deployment", &["restapi"]);
pub const SNAPSHOT: Kind<DeploymentSnapshot> = Kind::under("deployment-snapshot", &["deployment"]);
pub const STAGE: Kind<ag::Stage> = Kind::under("stage", &["restapi"]);
pub const AUTHORIZER: Kind<ag::Authorizer> = Kind::under("authorizer", &["restapi"]);
pub const MODEL: Kind<ag::Model> = Kind::under("model", &["restapi"]);
pub const REQUEST_VALIDATOR: Kind<ag::RequestValidator> = Kind::under("request-validator", &["restapi"]);
pub const GATEWAY_RESPONSE: Kind<ag::GatewayResponse> = Kind::under("gateway-response", &["restapi"]);
pub const DOCUMENTATION_PART: Kind<ag::DocumentationPart> = Kind::under("documentation-part", &["restapi"]);
/// Its id is its version name.
pub const DOCUMENTATION_VERSION: Kind<DocumentationSnapshot> = Kind::under("documentation-version", &["restapi"]);
/// Account-level documents, outside any API.
pub const CLIENT_CERTIFICATE: Kind<ag::ClientCertificate> = Kind::top("clientcertificate");
pub const VPC_LINK: Kind<ag::VpcLink> = Kind::top("vpclink");
/// Its id is the domain name, lowercased.
pub const DOMAIN_NAME: Kind<ag::DomainName> = Kind::top("domainname");
/// Its id is its base path, `(none)` for none.
pub const BASE_PATH_MAPPING: Kind<ag::BasePathMapping> = Kind::under("base-path-mapping", &["domainname"]);
/// One per account and region, under the id `account`.
pub const ACCOUNT: Kind<ag::Account> = Kind::top("account");

/// A documentation version: its answer and the parts it froze.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DocumentationSnapshot {
    pub version: ag::DocumentationVersion,
    pub parts: Vec<ag::DocumentationPart>,
}

/// What a deployment froze: the API's settings, its resource tree with methods and
/// integrations, and its authorizers, as they were when it was created. Stages serve this.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeploymentSnapshot {
    pub api: ag::RestApi,
    pub resources: Vec<ag::Resource>,
    /// Snapshots taken before authorizers existed have none.
    #[serde(default)]
    pub authorizers: Vec<ag::Authorizer>,
    /// The API's models (request validation resolves `$ref`s between them).
    #[serde(default)]
    pub models: Vec<ag::Model>,
    #[serde(default)]
    pub request_validators: Vec<ag::RequestValidator>,
    /// Only the gateway responses the API customised (PutGatewayResponse); the defaults are
    /// `crate::gateway_responses`'s table.
    #[serde(default)]
    pub gateway_responses: Vec<ag::GatewayResponse>,
}

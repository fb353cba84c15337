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
//!
//! apikey (top level; its value is unique in its scope)
//! usageplan ─┬─ usageplan-key (its id is the API key's id)
//!            └─ usage (one per key and UTC day; its id is `{keyId}:{yyyy-MM-dd}`)
//! domainname ─ base-path-mapping (a private one's id is `{name}+{domainNameId}`)
//! domainnameaccessassociation (in the consumer's scope; its id is its ARN's tail,
//!   `domainname/{name}+{domainNameId}/vpcesource/{vpce}`), and when the domain is another
//!   account's, its inbound copy in the domain owner's scope, `{consumer account}/{that id}`
//! clientcertificate, vpclink, account: account-level, outside any API.
//! ```
//! Deleting an API takes all of it; deleting a resource takes its subtree; deleting a
//! deployment takes its snapshot.

use portico_store::Kind;
use portico_wire::apigateway as ag;
use serde::{Deserialize, Serialize};

pub const REST_API: Kind<ag::RestApi> = Kind::top("restapi");
/// apigatewayv2's APIs (portico-v2 owns them), read here for their ids (API ids are
/// unique across REST and HTTP/WebSocket APIs, as execute-api hosts name only the id) and protocol.
pub const HTTP_API: Kind<serde_json::Value> = Kind::top("api");
/// An apigatewayv2 API's stage, seen from here (usage plans cover WebSocket APIs' stages).
pub const V2_STAGE: Kind<serde_json::Value> = Kind::under("api-stage", &["api"]);
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
/// A VPC endpoint's access to a private domain name, in the account that made it.
pub const ACCESS_ASSOCIATION: Kind<ag::DomainNameAccessAssociation> = Kind::top("domainnameaccessassociation");
/// The domain owner's view of another account's association (GetDomainNameAccessAssociations
/// with `resourceOwner=OTHER_ACCOUNTS`, RejectDomainNameAccessAssociation).
pub const INBOUND_ACCESS_ASSOCIATION: Kind<ag::DomainNameAccessAssociation> =
    Kind::top("domainnameaccessassociation-inbound");
/// One per account and region, under the id `account`.
pub const ACCOUNT: Kind<ag::Account> = Kind::top("account");

/// A documentation version: its answer and the parts it froze.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DocumentationSnapshot {
    pub version: ag::DocumentationVersion,
    pub parts: Vec<ag::DocumentationPart>,
}

pub const API_KEY: Kind<ag::ApiKey> = Kind::top("apikey");
pub const USAGE_PLAN: Kind<ag::UsagePlan> = Kind::top("usageplan");
pub const USAGE_PLAN_KEY: Kind<PlanKey> = Kind::under("usageplan-key", &["usageplan"]);
pub const USAGE: Kind<UsageDay> = Kind::under("usage", &["usageplan"]);

/// An API key attached to a usage plan; its name and value are read from the key itself.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanKey {
    pub key_id: String,
    /// `API_KEY`, the only type AWS has.
    pub key_type: String,
}

/// One key's requests under one plan on one UTC day. The data plane adds to `used`;
/// UpdateUsage moves `credit` so that the remaining quota becomes what it was told.
/// Remaining at the end of a day = quota limit − Σ (used − credit) over the quota period so far.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageDay {
    pub key_id: String,
    /// `yyyy-MM-dd`, UTC.
    pub day: String,
    pub used: i64,
    #[serde(default)]
    pub credit: i64,
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

//! The document kinds Portico stores, and which type each one holds.

use crate::Document;
use portico_wire::apigateway as ag;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    RestApi,
    Resource,
    Deployment,
    DeploymentSnapshot,
    Stage,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RestApi => "restapi",
            Kind::Resource => "resource",
            Kind::Deployment => "deployment",
            Kind::DeploymentSnapshot => "deployment-snapshot",
            Kind::Stage => "stage",
        }
    }
}

/// What a deployment froze: the API's settings and its resource tree with methods
/// and integrations, as they were when it was created. Stages serve this.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeploymentSnapshot {
    pub api: ag::RestApi,
    pub resources: Vec<ag::Resource>,
}

impl Document for ag::RestApi {
    const KIND: Kind = Kind::RestApi;
}

/// A resource with its methods, integrations and responses embedded, as `embed=methods` shows it.
impl Document for ag::Resource {
    const KIND: Kind = Kind::Resource;
}

impl Document for ag::Deployment {
    const KIND: Kind = Kind::Deployment;
}

impl Document for DeploymentSnapshot {
    const KIND: Kind = Kind::DeploymentSnapshot;
}

impl Document for ag::Stage {
    const KIND: Kind = Kind::Stage;
}

//! The `apigatewayv2` control plane: HTTP APIs (and the WebSocket APIs that share its model).
//!
//! Layout: `kinds` (the documents: `api` ─ routes, integrations, stages, deployments with their
//! snapshots), `support` (ids, pages, the conversions between one resource's shapes), and one
//! file per resource family: `apis` (with quick create), `routes`, `integrations`, `stages`,
//! `deployments` (and `autoDeploy`: every change to an API redeploys its `autoDeploy` stages),
//! `authorizers` (JWT, REQUEST), `models`, `vpc_links` (account-level), `tags` (by ARN, kept in
//! the API's and stages' documents), `route_responses` and `integration_responses` (WebSocket
//! APIs), `domain_names` (custom domains and API mappings: views of `portico_rest`'s documents),
//! `openapi` (ImportApi, ReimportApi, ExportApi: OpenAPI 3.0).
//! Every write runs in one store transaction. Operations not listed in the trait impl below
//! answer 501.

mod apis;
mod authorizers;
mod deployments;
mod domain_names;
mod integration_responses;
mod integrations;
pub mod kinds;
mod models;
mod openapi;
mod route_responses;
mod routes;
mod stages;
mod support;
mod tags;
mod vpc_links;

use portico_store::Store;
use portico_wire::apigatewayv2::*;
use portico_wire::{AwsError, RequestContext};
use std::sync::Arc;

type R<T> = Result<T, AwsError>;

/// Empties the data plane's authorizer cache of an (API, stage); the cache is not ours.
type AuthorizerReset = Arc<dyn Fn(&str, &str) + Send + Sync>;

/// Implements the generated `ApiGatewayV2` trait.
#[derive(Clone)]
pub struct V2ControlPlane {
    store: Store,
    authorizer_reset: Option<AuthorizerReset>,
}

impl V2ControlPlane {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            authorizer_reset: None,
        }
    }

    /// ResetAuthorizersCache calls `reset` once the API and stage are found.
    pub fn on_authorizer_reset(mut self, reset: impl Fn(&str, &str) + Send + Sync + 'static) -> Self {
        self.authorizer_reset = Some(Arc::new(reset));
        self
    }
}

impl ApiGatewayV2 for V2ControlPlane {
    async fn create_api(&self, ctx: &RequestContext, input: CreateApiRequest) -> R<CreateApiResponse> {
        apis::create(&self.store, ctx, input).await
    }
    async fn get_api(&self, ctx: &RequestContext, input: GetApiRequest) -> R<GetApiResponse> {
        apis::get(&self.store, ctx, input).await
    }
    async fn get_apis(&self, ctx: &RequestContext, input: GetApisRequest) -> R<GetApisResponse> {
        apis::list(&self.store, ctx, input).await
    }
    async fn update_api(&self, ctx: &RequestContext, input: UpdateApiRequest) -> R<UpdateApiResponse> {
        apis::update(&self.store, ctx, input).await
    }
    async fn delete_api(&self, ctx: &RequestContext, input: DeleteApiRequest) -> R<()> {
        apis::delete(&self.store, ctx, input).await
    }
    async fn delete_cors_configuration(&self, ctx: &RequestContext, input: DeleteCorsConfigurationRequest) -> R<()> {
        apis::delete_cors(&self.store, ctx, input).await
    }
    async fn delete_route_request_parameter(
        &self,
        ctx: &RequestContext,
        input: DeleteRouteRequestParameterRequest,
    ) -> R<()> {
        routes::delete_request_parameter(&self.store, ctx, input).await
    }
    async fn delete_access_log_settings(&self, ctx: &RequestContext, input: DeleteAccessLogSettingsRequest) -> R<()> {
        stages::delete_access_log_settings(&self.store, ctx, input).await
    }
    async fn delete_route_settings(&self, ctx: &RequestContext, input: DeleteRouteSettingsRequest) -> R<()> {
        stages::delete_route_settings(&self.store, ctx, input).await
    }

    async fn create_route(&self, ctx: &RequestContext, input: CreateRouteRequest) -> R<CreateRouteResult> {
        routes::create(&self.store, ctx, input).await
    }
    async fn get_route(&self, ctx: &RequestContext, input: GetRouteRequest) -> R<GetRouteResult> {
        routes::get(&self.store, ctx, input).await
    }
    async fn get_routes(&self, ctx: &RequestContext, input: GetRoutesRequest) -> R<GetRoutesResponse> {
        routes::list(&self.store, ctx, input).await
    }
    async fn update_route(&self, ctx: &RequestContext, input: UpdateRouteRequest) -> R<UpdateRouteResult> {
        routes::update(&self.store, ctx, input).await
    }
    async fn delete_route(&self, ctx: &RequestContext, input: DeleteRouteRequest) -> R<()> {
        routes::delete(&self.store, ctx, input).await
    }

    async fn create_integration(
        &self,
        ctx: &RequestContext,
        input: CreateIntegrationRequest,
    ) -> R<CreateIntegrationResult> {
        integrations::create(&self.store, ctx, input).await
    }
    async fn get_integration(&self, ctx: &RequestContext, input: GetIntegrationRequest) -> R<GetIntegrationResult> {
        integrations::get(&self.store, ctx, input).await
    }
    async fn get_integrations(
        &self,
        ctx: &RequestContext,
        input: GetIntegrationsRequest,
    ) -> R<GetIntegrationsResponse> {
        integrations::list(&self.store, ctx, input).await
    }
    async fn update_integration(
        &self,
        ctx: &RequestContext,
        input: UpdateIntegrationRequest,
    ) -> R<UpdateIntegrationResult> {
        integrations::update(&self.store, ctx, input).await
    }
    async fn delete_integration(&self, ctx: &RequestContext, input: DeleteIntegrationRequest) -> R<()> {
        integrations::delete(&self.store, ctx, input).await
    }

    async fn create_stage(&self, ctx: &RequestContext, input: CreateStageRequest) -> R<CreateStageResponse> {
        stages::create(&self.store, ctx, input).await
    }
    async fn get_stage(&self, ctx: &RequestContext, input: GetStageRequest) -> R<GetStageResponse> {
        stages::get(&self.store, ctx, input).await
    }
    async fn get_stages(&self, ctx: &RequestContext, input: GetStagesRequest) -> R<GetStagesResponse> {
        stages::list(&self.store, ctx, input).await
    }
    async fn update_stage(&self, ctx: &RequestContext, input: UpdateStageRequest) -> R<UpdateStageResponse> {
        stages::update(&self.store, ctx, input).await
    }
    async fn delete_stage(&self, ctx: &RequestContext, input: DeleteStageRequest) -> R<()> {
        stages::delete(&self.store, ctx, input).await
    }

    async fn create_deployment(
        &self,
        ctx: &RequestContext,
        input: CreateDeploymentRequest,
    ) -> R<CreateDeploymentResponse> {
        deployments::create(&self.store, ctx, input).await
    }
    async fn get_deployment(&self, ctx: &RequestContext, input: GetDeploymentRequest) -> R<GetDeploymentResponse> {
        deployments::get(&self.store, ctx, input).await
    }
    async fn get_deployments(&self, ctx: &RequestContext, input: GetDeploymentsRequest) -> R<GetDeploymentsResponse> {
        deployments::list(&self.store, ctx, input).await
    }
    async fn update_deployment(
        &self,
        ctx: &RequestContext,
        input: UpdateDeploymentRequest,
    ) -> R<UpdateDeploymentResponse> {
        deployments::update(&self.store, ctx, input).await
    }
    async fn delete_deployment(&self, ctx: &RequestContext, input: DeleteDeploymentRequest) -> R<()> {
        deployments::delete(&self.store, ctx, input).await
    }

    async fn create_authorizer(
        &self,
        ctx: &RequestContext,
        input: CreateAuthorizerRequest,
    ) -> R<CreateAuthorizerResponse> {
        authorizers::create(&self.store, ctx, input).await
    }
    async fn get_authorizer(&self, ctx: &RequestContext, input: GetAuthorizerRequest) -> R<GetAuthorizerResponse> {
        authorizers::get(&self.store, ctx, input).await
    }
    async fn get_authorizers(&self, ctx: &RequestContext, input: GetAuthorizersRequest) -> R<GetAuthorizersResponse> {
        authorizers::list(&self.store, ctx, input).await
    }
    async fn update_authorizer(
        &self,
        ctx: &RequestContext,
        input: UpdateAuthorizerRequest,
    ) -> R<UpdateAuthorizerResponse> {
        authorizers::update(&self.store, ctx, input).await
    }
    async fn delete_authorizer(&self, ctx: &RequestContext, input: DeleteAuthorizerRequest) -> R<()> {
        authorizers::delete(&self.store, ctx, input).await
    }

    // OpenAPI import, reimport and export.
    async fn import_api(&self, ctx: &RequestContext, input: ImportApiRequest) -> R<ImportApiResponse> {
        openapi::import_api(&self.store, ctx, input).await
    }
    async fn reimport_api(&self, ctx: &RequestContext, input: ReimportApiRequest) -> R<ReimportApiResponse> {
        openapi::reimport_api(&self.store, ctx, input).await
    }
    async fn export_api(&self, ctx: &RequestContext, input: ExportApiRequest) -> R<ExportApiResponse> {
        openapi::export(&self.store, ctx, input).await
    }

    async fn tag_resource(&self, ctx: &RequestContext, input: TagResourceRequest) -> R<TagResourceResponse> {
        tags::tag(&self.store, ctx, input).await
    }
    async fn untag_resource(&self, ctx: &RequestContext, input: UntagResourceRequest) -> R<()> {
        tags::untag(&self.store, ctx, input).await
    }
    async fn get_tags(&self, ctx: &RequestContext, input: GetTagsRequest) -> R<GetTagsResponse> {
        tags::get(&self.store, ctx, input).await
    }

    async fn create_model(&self, ctx: &RequestContext, input: CreateModelRequest) -> R<CreateModelResponse> {
        models::create(&self.store, ctx, input).await
    }
    async fn get_model(&self, ctx: &RequestContext, input: GetModelRequest) -> R<GetModelResponse> {
        models::get(&self.store, ctx, input).await
    }
    async fn get_model_template(
        &self,
        ctx: &RequestContext,
        input: GetModelTemplateRequest,
    ) -> R<GetModelTemplateResponse> {
        models::template(&self.store, ctx, input).await
    }
    async fn get_models(&self, ctx: &RequestContext, input: GetModelsRequest) -> R<GetModelsResponse> {
        models::list(&self.store, ctx, input).await
    }
    async fn update_model(&self, ctx: &RequestContext, input: UpdateModelRequest) -> R<UpdateModelResponse> {
        models::update(&self.store, ctx, input).await
    }
    async fn delete_model(&self, ctx: &RequestContext, input: DeleteModelRequest) -> R<()> {
        models::delete(&self.store, ctx, input).await
    }

    async fn create_vpc_link(&self, ctx: &RequestContext, input: CreateVpcLinkRequest) -> R<CreateVpcLinkResponse> {
        vpc_links::create(&self.store, ctx, input).await
    }
    async fn get_vpc_link(&self, ctx: &RequestContext, input: GetVpcLinkRequest) -> R<GetVpcLinkResponse> {
        vpc_links::get(&self.store, ctx, input).await
    }
    async fn get_vpc_links(&self, ctx: &RequestContext, input: GetVpcLinksRequest) -> R<GetVpcLinksResponse> {
        vpc_links::list(&self.store, ctx, input).await
    }
    async fn update_vpc_link(&self, ctx: &RequestContext, input: UpdateVpcLinkRequest) -> R<UpdateVpcLinkResponse> {
        vpc_links::update(&self.store, ctx, input).await
    }
    async fn delete_vpc_link(&self, ctx: &RequestContext, input: DeleteVpcLinkRequest) -> R<DeleteVpcLinkResponse> {
        vpc_links::delete(&self.store, ctx, input).await
    }

    // Route and integration responses, custom domains and API mappings, the authorizer cache.
    async fn create_route_response(
        &self,
        ctx: &RequestContext,
        input: CreateRouteResponseRequest,
    ) -> R<CreateRouteResponseResponse> {
        route_responses::create(&self.store, ctx, input).await
    }
    async fn get_route_response(
        &self,
        ctx: &RequestContext,
        input: GetRouteResponseRequest,
    ) -> R<GetRouteResponseResponse> {
        route_responses::get(&self.store, ctx, input).await
    }
    async fn get_route_responses(
        &self,
        ctx: &RequestContext,
        input: GetRouteResponsesRequest,
    ) -> R<GetRouteResponsesResponse> {
        route_responses::list(&self.store, ctx, input).await
    }
    async fn update_route_response(
        &self,
        ctx: &RequestContext,
        input: UpdateRouteResponseRequest,
    ) -> R<UpdateRouteResponseResponse> {
        route_responses::update(&self.store, ctx, input).await
    }
    async fn delete_route_response(&self, ctx: &RequestContext, input: DeleteRouteResponseRequest) -> R<()> {
        route_responses::delete(&self.store, ctx, input).await
    }

    async fn create_integration_response(
        &self,
        ctx: &RequestContext,
        input: CreateIntegrationResponseRequest,
    ) -> R<CreateIntegrationResponseResponse> {
        integration_responses::create(&self.store, ctx, input).await
    }
    async fn get_integration_response(
        &self,
        ctx: &RequestContext,
        input: GetIntegrationResponseRequest,
    ) -> R<GetIntegrationResponseResponse> {
        integration_responses::get(&self.store, ctx, input).await
    }
    async fn get_integration_responses(
        &self,
        ctx: &RequestContext,
        input: GetIntegrationResponsesRequest,
    ) -> R<GetIntegrationResponsesResponse> {
        integration_responses::list(&self.store, ctx, input).await
    }
    async fn update_integration_response(
        &self,
        ctx: &RequestContext,
        input: UpdateIntegrationResponseRequest,
    ) -> R<UpdateIntegrationResponseResponse> {
        integration_responses::update(&self.store, ctx, input).await
    }
    async fn delete_integration_response(
        &self,
        ctx: &RequestContext,
        input: DeleteIntegrationResponseRequest,
    ) -> R<()> {
        integration_responses::delete(&self.store, ctx, input).await
    }

    async fn create_domain_name(
        &self,
        ctx: &RequestContext,
        input: CreateDomainNameRequest,
    ) -> R<CreateDomainNameResponse> {
        domain_names::create(&self.store, ctx, input).await
    }
    async fn get_domain_name(&self, ctx: &RequestContext, input: GetDomainNameRequest) -> R<GetDomainNameResponse> {
        domain_names::get(&self.store, ctx, input).await
    }
    async fn get_domain_names(&self, ctx: &RequestContext, input: GetDomainNamesRequest) -> R<GetDomainNamesResponse> {
        domain_names::list(&self.store, ctx, input).await
    }
    async fn update_domain_name(
        &self,
        ctx: &RequestContext,
        input: UpdateDomainNameRequest,
    ) -> R<UpdateDomainNameResponse> {
        domain_names::update(&self.store, ctx, input).await
    }
    async fn delete_domain_name(&self, ctx: &RequestContext, input: DeleteDomainNameRequest) -> R<()> {
        domain_names::delete(&self.store, ctx, input).await
    }

    async fn create_api_mapping(
        &self,
        ctx: &RequestContext,
        input: CreateApiMappingRequest,
    ) -> R<CreateApiMappingResponse> {
        domain_names::create_mapping(&self.store, ctx, input).await
    }
    async fn get_api_mapping(&self, ctx: &RequestContext, input: GetApiMappingRequest) -> R<GetApiMappingResponse> {
        domain_names::get_mapping(&self.store, ctx, input).await
    }
    async fn get_api_mappings(&self, ctx: &RequestContext, input: GetApiMappingsRequest) -> R<GetApiMappingsResponse> {
        domain_names::list_mappings(&self.store, ctx, input).await
    }
    async fn update_api_mapping(
        &self,
        ctx: &RequestContext,
        input: UpdateApiMappingRequest,
    ) -> R<UpdateApiMappingResponse> {
        domain_names::update_mapping(&self.store, ctx, input).await
    }
    async fn delete_api_mapping(&self, ctx: &RequestContext, input: DeleteApiMappingRequest) -> R<()> {
        domain_names::delete_mapping(&self.store, ctx, input).await
    }

    async fn reset_authorizers_cache(&self, ctx: &RequestContext, input: ResetAuthorizersCacheRequest) -> R<()> {
        let (api_id, stage) = stages::reset_authorizers_cache(&self.store, ctx, input).await?;
        if let Some(reset) = &self.authorizer_reset {
            reset(&api_id, &stage);
        }
        Ok(())
    }
}

//! The `apigateway` control plane: REST APIs and everything under them.
//!
//! Layout:
//! - `kinds`: the documents this crate stores (`restapi` and the tree below it) and their parents.
//! - `quotas`: AWS's quotas on REST APIs, with AWS's defaults, raisable from the command line.
//! - `support`: scope, ids, pagination, patch-operation parsing shared by the handlers.
//! - `restapis`: CreateRestApi … DeleteRestApi, with the root resource.
//! - `resources`: the resource tree; `methods`: Method and MethodResponse, stored inside
//!   their resource; `integrations`: Integration and IntegrationResponse, inside their method.
//! - `mappings`: parameter mapping expressions and template content types, checked on write.
//! - `deployments`: immutable snapshots of the tree; `stages`: named pointers to them.
//! - `authorizers`: Lambda and Cognito authorizers, and flushing a stage's authorizer cache.
//! - `models`: JSON schema models (with AWS's `Empty` and `Error` in every API);
//!   `model_templates`: GetModelTemplate; `request_validators`; `gateway_responses`: AWS's
//!   defaults for every response type and the API's customisations.
//! - `api_keys`: API keys and ImportApiKeys; `usage_plans`: usage plans, their keys, their
//!   usage (GetUsage/UpdateUsage), and what the data plane reads to enforce them
//!   (`usage_plans::plans_for_stage`, `remaining_quota`, `add_requests`).
//! - `tags`: TagResource/UntagResource/GetTags by ARN.
//! - `domain_names`: custom domain names (public, and PRIVATE ones with their `domainNameId`),
//!   base path mappings, and `route` (a domain's mapping for a path) for the data plane;
//!   `access_associations`: VPC endpoints' access associations with private domain names.
//! - `documentation`: documentation parts and versions (snapshots of the parts).
//! - `sdk`: GetSdkTypes/GetSdkType (AWS's table) and GetSdk, a client generated from a stage's
//!   deployment and zipped (`sdk::zip` writes the archive).
//! - `openapi`: ImportRestApi and PutRestApi (OpenAPI 3.0 / Swagger 2.0, JSON or YAML, in
//!   one transaction) and GetExport (a stage's deployed snapshot written back out).
//! - `client_certificates` (with `certificate`, the self-signed PEM), `vpc_links`, `account`:
//!   account-level resources outside any API.
//!
//! Every write runs in one store transaction: it either lands whole or not at all.

mod access_associations;
mod account;
mod api_keys;
mod authorizers;
mod certificate;
mod client_certificates;
mod deployments;
pub mod documentation;
pub mod domain_names;
pub mod gateway_responses;
mod integrations;
pub mod kinds;
mod mappings;
mod methods;
mod model_templates;
pub mod models;
mod openapi;
pub mod quotas;
mod request_validators;
mod resources;
mod restapis;
mod sdk;
mod stages;
pub mod support;
mod tags;
mod test_invoke;
pub mod usage_plans;
mod vpc_links;

pub use quotas::Quotas;

use portico_store::Store;
use portico_wire::apigateway::*;
use portico_wire::{AwsError, RequestContext};
use std::sync::Arc;

/// Called with (API id, stage name) when a stage's authorizer cache is flushed.
pub type AuthorizerFlush = Arc<dyn Fn(&str, &str) + Send + Sync>;

/// Runs TestInvokeAuthorizer: (account, region, API id, the authorizer, the simulated request)
/// → the answer. The data plane knows how to run authorizers; the control plane does not.
pub type AuthorizerTest = Arc<
    dyn Fn(
            String,
            String,
            String,
            Authorizer,
            TestInvokeAuthorizerRequest,
        ) -> std::pin::Pin<Box<dyn std::future::Future<Output = TestInvokeAuthorizerResponse> + Send>>
        + Send
        + Sync,
>;

/// Runs TestInvokeMethod: (account, region, API id, the API's configuration now, the
/// simulated request) → the answer, or the message of a NotFoundException. The data plane runs
/// the chain; the control plane only gathers the configuration.
pub type MethodTest = Arc<
    dyn Fn(
            String,
            String,
            String,
            kinds::DeploymentSnapshot,
            TestInvokeMethodRequest,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<TestInvokeMethodResponse, String>> + Send>>
        + Send
        + Sync,
>;

/// Implements the generated `ApiGateway` trait; operations not listed here answer 501.
#[derive(Clone)]
pub struct RestControlPlane {
    store: Store,
    quotas: Quotas,
    /// Empties the data plane's cache on FlushStageAuthorizersCache; the cache is not ours.
    authorizer_flush: Option<AuthorizerFlush>,
    /// Empties a stage's response cache on FlushStageCache; the data plane holds it.
    cache_flush: Option<AuthorizerFlush>,
    authorizer_test: Option<AuthorizerTest>,
    method_test: Option<MethodTest>,
}

impl RestControlPlane {
    pub fn new(store: Store, quotas: Quotas) -> Self {
        Self {
            store,
            quotas,
            authorizer_flush: None,
            cache_flush: None,
            authorizer_test: None,
            method_test: None,
        }
    }

    /// FlushStageAuthorizersCache calls `flush` once the stage is found.
    pub fn on_authorizer_flush(mut self, flush: impl Fn(&str, &str) + Send + Sync + 'static) -> Self {
        self.authorizer_flush = Some(Arc::new(flush));
        self
    }

    /// FlushStageCache calls `flush` once the stage is found.
    pub fn on_cache_flush(mut self, flush: impl Fn(&str, &str) + Send + Sync + 'static) -> Self {
        self.cache_flush = Some(Arc::new(flush));
        self
    }

    /// TestInvokeMethod runs the simulated request through `test`.
    pub fn on_method_test(mut self, test: MethodTest) -> Self {
        self.method_test = Some(test);
        self
    }

    /// TestInvokeAuthorizer runs the authorizer through `test`.
    pub fn on_authorizer_test(mut self, test: AuthorizerTest) -> Self {
        self.authorizer_test = Some(test);
        self
    }
}

type R<T> = Result<T, AwsError>;

impl ApiGateway for RestControlPlane {
    async fn create_rest_api(&self, ctx: &RequestContext, input: CreateRestApiRequest) -> R<RestApi> {
        restapis::create(&self.store, &self.quotas, ctx, input).await
    }
    async fn get_rest_api(&self, ctx: &RequestContext, input: GetRestApiRequest) -> R<RestApi> {
        restapis::get(&self.store, ctx, input).await
    }
    async fn get_rest_apis(&self, ctx: &RequestContext, input: GetRestApisRequest) -> R<RestApis> {
        restapis::list(&self.store, ctx, input).await
    }
    async fn update_rest_api(&self, ctx: &RequestContext, input: UpdateRestApiRequest) -> R<RestApi> {
        restapis::update(&self.store, ctx, input).await
    }
    async fn delete_rest_api(&self, ctx: &RequestContext, input: DeleteRestApiRequest) -> R<()> {
        restapis::delete(&self.store, ctx, input).await
    }
    async fn import_rest_api(&self, ctx: &RequestContext, input: ImportRestApiRequest) -> R<RestApi> {
        openapi::import_rest_api(&self.store, &self.quotas, ctx, input).await
    }
    async fn put_rest_api(&self, ctx: &RequestContext, input: PutRestApiRequest) -> R<RestApi> {
        openapi::put_rest_api(&self.store, &self.quotas, ctx, input).await
    }
    async fn get_export(&self, ctx: &RequestContext, input: GetExportRequest) -> R<ExportResponse> {
        openapi::export(&self.store, ctx, input).await
    }

    async fn create_resource(&self, ctx: &RequestContext, input: CreateResourceRequest) -> R<Resource> {
        resources::create(&self.store, &self.quotas, ctx, input).await
    }
    async fn get_resource(&self, ctx: &RequestContext, input: GetResourceRequest) -> R<Resource> {
        resources::get(&self.store, ctx, input).await
    }
    async fn get_resources(&self, ctx: &RequestContext, input: GetResourcesRequest) -> R<Resources> {
        resources::list(&self.store, ctx, input).await
    }
    async fn update_resource(&self, ctx: &RequestContext, input: UpdateResourceRequest) -> R<Resource> {
        resources::update(&self.store, ctx, input).await
    }
    async fn delete_resource(&self, ctx: &RequestContext, input: DeleteResourceRequest) -> R<()> {
        resources::delete(&self.store, ctx, input).await
    }

    async fn put_method(&self, ctx: &RequestContext, input: PutMethodRequest) -> R<Method> {
        methods::put(&self.store, ctx, input).await
    }
    async fn get_method(&self, ctx: &RequestContext, input: GetMethodRequest) -> R<Method> {
        methods::get(&self.store, ctx, input).await
    }
    async fn update_method(&self, ctx: &RequestContext, input: UpdateMethodRequest) -> R<Method> {
        methods::update(&self.store, ctx, input).await
    }
    async fn delete_method(&self, ctx: &RequestContext, input: DeleteMethodRequest) -> R<()> {
        methods::delete(&self.store, ctx, input).await
    }
    async fn put_method_response(&self, ctx: &RequestContext, input: PutMethodResponseRequest) -> R<MethodResponse> {
        methods::put_response(&self.store, ctx, input).await
    }
    async fn get_method_response(&self, ctx: &RequestContext, input: GetMethodResponseRequest) -> R<MethodResponse> {
        methods::get_response(&self.store, ctx, input).await
    }
    async fn update_method_response(
        &self,
        ctx: &RequestContext,
        input: UpdateMethodResponseRequest,
    ) -> R<MethodResponse> {
        methods::update_response(&self.store, ctx, input).await
    }
    async fn delete_method_response(&self, ctx: &RequestContext, input: DeleteMethodResponseRequest) -> R<()> {
        methods::delete_response(&self.store, ctx, input).await
    }

    async fn put_integration(&self, ctx: &RequestContext, input: PutIntegrationRequest) -> R<Integration> {
        integrations::put(&self.store, ctx, input).await
    }
    async fn get_integration(&self, ctx: &RequestContext, input: GetIntegrationRequest) -> R<Integration> {
        integrations::get(&self.store, ctx, input).await
    }
    async fn update_integration(&self, ctx: &RequestContext, input: UpdateIntegrationRequest) -> R<Integration> {
        integrations::update(&self.store, ctx, input).await
    }
    async fn delete_integration(&self, ctx: &RequestContext, input: DeleteIntegrationRequest) -> R<()> {
        integrations::delete(&self.store, ctx, input).await
    }
    async fn put_integration_response(
        &self,
        ctx: &RequestContext,
        input: PutIntegrationResponseRequest,
    ) -> R<IntegrationResponse> {
        integrations::put_response(&self.store, ctx, input).await
    }
    async fn get_integration_response(
        &self,
        ctx: &RequestContext,
        input: GetIntegrationResponseRequest,
    ) -> R<IntegrationResponse> {
        integrations::get_response(&self.store, ctx, input).await
    }
    async fn update_integration_response(
        &self,
        ctx: &RequestContext,
        input: UpdateIntegrationResponseRequest,
    ) -> R<IntegrationResponse> {
        integrations::update_response(&self.store, ctx, input).await
    }
    async fn delete_integration_response(
        &self,
        ctx: &RequestContext,
        input: DeleteIntegrationResponseRequest,
    ) -> R<()> {
        integrations::delete_response(&self.store, ctx, input).await
    }

    async fn create_deployment(&self, ctx: &RequestContext, input: CreateDeploymentRequest) -> R<Deployment> {
        deployments::create(&self.store, &self.quotas, ctx, input).await
    }
    async fn get_deployment(&self, ctx: &RequestContext, input: GetDeploymentRequest) -> R<Deployment> {
        deployments::get(&self.store, ctx, input).await
    }
    async fn get_deployments(&self, ctx: &RequestContext, input: GetDeploymentsRequest) -> R<Deployments> {
        deployments::list(&self.store, ctx, input).await
    }
    async fn update_deployment(&self, ctx: &RequestContext, input: UpdateDeploymentRequest) -> R<Deployment> {
        deployments::update(&self.store, ctx, input).await
    }
    async fn delete_deployment(&self, ctx: &RequestContext, input: DeleteDeploymentRequest) -> R<()> {
        deployments::delete(&self.store, ctx, input).await
    }

    async fn create_stage(&self, ctx: &RequestContext, input: CreateStageRequest) -> R<Stage> {
        stages::create(&self.store, &self.quotas, ctx, input).await
    }
    async fn get_stage(&self, ctx: &RequestContext, input: GetStageRequest) -> R<Stage> {
        stages::get(&self.store, ctx, input).await
    }
    async fn get_stages(&self, ctx: &RequestContext, input: GetStagesRequest) -> R<Stages> {
        stages::list(&self.store, ctx, input).await
    }
    async fn update_stage(&self, ctx: &RequestContext, input: UpdateStageRequest) -> R<Stage> {
        stages::update(&self.store, &self.quotas, ctx, input).await
    }
    async fn delete_stage(&self, ctx: &RequestContext, input: DeleteStageRequest) -> R<()> {
        stages::delete(&self.store, ctx, input).await
    }

    async fn create_authorizer(&self, ctx: &RequestContext, input: CreateAuthorizerRequest) -> R<Authorizer> {
        authorizers::create(&self.store, &self.quotas, ctx, input).await
    }
    async fn get_authorizer(&self, ctx: &RequestContext, input: GetAuthorizerRequest) -> R<Authorizer> {
        authorizers::get(&self.store, ctx, input).await
    }
    async fn get_authorizers(&self, ctx: &RequestContext, input: GetAuthorizersRequest) -> R<Authorizers> {
        authorizers::list(&self.store, ctx, input).await
    }
    async fn update_authorizer(&self, ctx: &RequestContext, input: UpdateAuthorizerRequest) -> R<Authorizer> {
        authorizers::update(&self.store, ctx, input).await
    }
    async fn delete_authorizer(&self, ctx: &RequestContext, input: DeleteAuthorizerRequest) -> R<()> {
        authorizers::delete(&self.store, ctx, input).await
    }
    async fn test_invoke_authorizer(
        &self,
        ctx: &RequestContext,
        input: TestInvokeAuthorizerRequest,
    ) -> R<TestInvokeAuthorizerResponse> {
        let request = GetAuthorizerRequest {
            rest_api_id: input.rest_api_id.clone(),
            authorizer_id: input.authorizer_id.clone(),
        };
        let authorizer = authorizers::get(&self.store, ctx, request).await?;
        let Some(test) = &self.authorizer_test else {
            return Err(AwsError::not_implemented("TestInvokeAuthorizer"));
        };
        let api_id = input.rest_api_id.clone().unwrap_or_default();
        Ok(test(ctx.account.clone(), ctx.region.clone(), api_id, authorizer, input).await)
    }
    async fn test_invoke_method(
        &self,
        ctx: &RequestContext,
        input: TestInvokeMethodRequest,
    ) -> R<TestInvokeMethodResponse> {
        let api_id = support::required(input.rest_api_id.clone());
        let snapshot = test_invoke::current(&self.store, ctx, &api_id).await?;
        test_invoke::check(&snapshot, &input)?;
        let Some(test) = &self.method_test else {
            return Err(AwsError::not_implemented("TestInvokeMethod"));
        };
        test(ctx.account.clone(), ctx.region.clone(), api_id, snapshot, input)
            .await
            .map_err(AwsError::not_found)
    }
    async fn flush_stage_authorizers_cache(
        &self,
        ctx: &RequestContext,
        input: FlushStageAuthorizersCacheRequest,
    ) -> R<()> {
        let (api_id, stage) = authorizers::flush_cache(&self.store, ctx, input).await?;
        if let Some(flush) = &self.authorizer_flush {
            flush(&api_id, &stage);
        }
        Ok(())
    }
    async fn flush_stage_cache(&self, ctx: &RequestContext, input: FlushStageCacheRequest) -> R<()> {
        let input = FlushStageAuthorizersCacheRequest {
            rest_api_id: input.rest_api_id,
            stage_name: input.stage_name,
        };
        let (api_id, stage) = authorizers::flush_cache(&self.store, ctx, input).await?;
        if let Some(flush) = &self.cache_flush {
            flush(&api_id, &stage);
        }
        Ok(())
    }

    async fn create_model(&self, ctx: &RequestContext, input: CreateModelRequest) -> R<Model> {
        models::create(&self.store, ctx, input).await
    }
    async fn get_model(&self, ctx: &RequestContext, input: GetModelRequest) -> R<Model> {
        models::get(&self.store, ctx, input).await
    }
    async fn get_models(&self, ctx: &RequestContext, input: GetModelsRequest) -> R<Models> {
        models::list(&self.store, ctx, input).await
    }
    async fn update_model(&self, ctx: &RequestContext, input: UpdateModelRequest) -> R<Model> {
        models::update(&self.store, ctx, input).await
    }
    async fn delete_model(&self, ctx: &RequestContext, input: DeleteModelRequest) -> R<()> {
        models::delete(&self.store, ctx, input).await
    }
    async fn get_model_template(&self, ctx: &RequestContext, input: GetModelTemplateRequest) -> R<Template> {
        models::template(&self.store, ctx, input).await
    }

    async fn create_request_validator(
        &self,
        ctx: &RequestContext,
        input: CreateRequestValidatorRequest,
    ) -> R<RequestValidator> {
        request_validators::create(&self.store, ctx, input).await
    }
    async fn get_request_validator(
        &self,
        ctx: &RequestContext,
        input: GetRequestValidatorRequest,
    ) -> R<RequestValidator> {
        request_validators::get(&self.store, ctx, input).await
    }
    async fn get_request_validators(
        &self,
        ctx: &RequestContext,
        input: GetRequestValidatorsRequest,
    ) -> R<RequestValidators> {
        request_validators::list(&self.store, ctx, input).await
    }
    async fn update_request_validator(
        &self,
        ctx: &RequestContext,
        input: UpdateRequestValidatorRequest,
    ) -> R<RequestValidator> {
        request_validators::update(&self.store, ctx, input).await
    }
    async fn delete_request_validator(&self, ctx: &RequestContext, input: DeleteRequestValidatorRequest) -> R<()> {
        request_validators::delete(&self.store, ctx, input).await
    }

    async fn put_gateway_response(&self, ctx: &RequestContext, input: PutGatewayResponseRequest) -> R<GatewayResponse> {
        gateway_responses::put(&self.store, ctx, input).await
    }
    async fn get_gateway_response(&self, ctx: &RequestContext, input: GetGatewayResponseRequest) -> R<GatewayResponse> {
        gateway_responses::get(&self.store, ctx, input).await
    }
    async fn get_gateway_responses(
        &self,
        ctx: &RequestContext,
        input: GetGatewayResponsesRequest,
    ) -> R<GatewayResponses> {
        gateway_responses::list(&self.store, ctx, input).await
    }
    async fn update_gateway_response(
        &self,
        ctx: &RequestContext,
        input: UpdateGatewayResponseRequest,
    ) -> R<GatewayResponse> {
        gateway_responses::update(&self.store, ctx, input).await
    }
    async fn delete_gateway_response(&self, ctx: &RequestContext, input: DeleteGatewayResponseRequest) -> R<()> {
        gateway_responses::delete(&self.store, ctx, input).await
    }

    async fn create_api_key(&self, ctx: &RequestContext, input: CreateApiKeyRequest) -> R<ApiKey> {
        api_keys::create(&self.store, ctx, input).await
    }
    async fn get_api_key(&self, ctx: &RequestContext, input: GetApiKeyRequest) -> R<ApiKey> {
        api_keys::get(&self.store, ctx, input).await
    }
    async fn get_api_keys(&self, ctx: &RequestContext, input: GetApiKeysRequest) -> R<ApiKeys> {
        api_keys::list(&self.store, ctx, input).await
    }
    async fn update_api_key(&self, ctx: &RequestContext, input: UpdateApiKeyRequest) -> R<ApiKey> {
        api_keys::update(&self.store, ctx, input).await
    }
    async fn delete_api_key(&self, ctx: &RequestContext, input: DeleteApiKeyRequest) -> R<()> {
        api_keys::delete(&self.store, ctx, input).await
    }
    async fn import_api_keys(&self, ctx: &RequestContext, input: ImportApiKeysRequest) -> R<ApiKeyIds> {
        api_keys::import(&self.store, ctx, input).await
    }

    async fn create_usage_plan(&self, ctx: &RequestContext, input: CreateUsagePlanRequest) -> R<UsagePlan> {
        usage_plans::create(&self.store, ctx, input).await
    }
    async fn get_usage_plan(&self, ctx: &RequestContext, input: GetUsagePlanRequest) -> R<UsagePlan> {
        usage_plans::get(&self.store, ctx, input).await
    }
    async fn get_usage_plans(&self, ctx: &RequestContext, input: GetUsagePlansRequest) -> R<UsagePlans> {
        usage_plans::list(&self.store, ctx, input).await
    }
    async fn update_usage_plan(&self, ctx: &RequestContext, input: UpdateUsagePlanRequest) -> R<UsagePlan> {
        usage_plans::update(&self.store, ctx, input).await
    }
    async fn delete_usage_plan(&self, ctx: &RequestContext, input: DeleteUsagePlanRequest) -> R<()> {
        usage_plans::delete(&self.store, ctx, input).await
    }
    async fn create_usage_plan_key(&self, ctx: &RequestContext, input: CreateUsagePlanKeyRequest) -> R<UsagePlanKey> {
        usage_plans::create_key(&self.store, ctx, input).await
    }
    async fn get_usage_plan_key(&self, ctx: &RequestContext, input: GetUsagePlanKeyRequest) -> R<UsagePlanKey> {
        usage_plans::get_key(&self.store, ctx, input).await
    }
    async fn get_usage_plan_keys(&self, ctx: &RequestContext, input: GetUsagePlanKeysRequest) -> R<UsagePlanKeys> {
        usage_plans::list_keys(&self.store, ctx, input).await
    }
    async fn delete_usage_plan_key(&self, ctx: &RequestContext, input: DeleteUsagePlanKeyRequest) -> R<()> {
        usage_plans::delete_key(&self.store, ctx, input).await
    }
    async fn get_usage(&self, ctx: &RequestContext, input: GetUsageRequest) -> R<Usage> {
        usage_plans::usage(&self.store, ctx, input).await
    }
    async fn update_usage(&self, ctx: &RequestContext, input: UpdateUsageRequest) -> R<Usage> {
        usage_plans::update_usage(&self.store, ctx, input).await
    }

    // Documentation; then account-level resources: client certificates, VPC links, the account.
    async fn create_documentation_part(
        &self,
        ctx: &RequestContext,
        input: CreateDocumentationPartRequest,
    ) -> R<DocumentationPart> {
        documentation::create_part(&self.store, ctx, input).await
    }
    async fn get_documentation_part(
        &self,
        ctx: &RequestContext,
        input: GetDocumentationPartRequest,
    ) -> R<DocumentationPart> {
        documentation::get_part(&self.store, ctx, input).await
    }
    async fn get_documentation_parts(
        &self,
        ctx: &RequestContext,
        input: GetDocumentationPartsRequest,
    ) -> R<DocumentationParts> {
        documentation::list_parts(&self.store, ctx, input).await
    }
    async fn update_documentation_part(
        &self,
        ctx: &RequestContext,
        input: UpdateDocumentationPartRequest,
    ) -> R<DocumentationPart> {
        documentation::update_part(&self.store, ctx, input).await
    }
    async fn delete_documentation_part(&self, ctx: &RequestContext, input: DeleteDocumentationPartRequest) -> R<()> {
        documentation::delete_part(&self.store, ctx, input).await
    }
    async fn import_documentation_parts(
        &self,
        ctx: &RequestContext,
        input: ImportDocumentationPartsRequest,
    ) -> R<DocumentationPartIds> {
        documentation::import_parts(&self.store, ctx, input).await
    }
    async fn create_documentation_version(
        &self,
        ctx: &RequestContext,
        input: CreateDocumentationVersionRequest,
    ) -> R<DocumentationVersion> {
        documentation::create_version(&self.store, ctx, input).await
    }
    async fn get_documentation_version(
        &self,
        ctx: &RequestContext,
        input: GetDocumentationVersionRequest,
    ) -> R<DocumentationVersion> {
        documentation::get_version(&self.store, ctx, input).await
    }
    async fn get_documentation_versions(
        &self,
        ctx: &RequestContext,
        input: GetDocumentationVersionsRequest,
    ) -> R<DocumentationVersions> {
        documentation::list_versions(&self.store, ctx, input).await
    }
    async fn update_documentation_version(
        &self,
        ctx: &RequestContext,
        input: UpdateDocumentationVersionRequest,
    ) -> R<DocumentationVersion> {
        documentation::update_version(&self.store, ctx, input).await
    }
    async fn delete_documentation_version(
        &self,
        ctx: &RequestContext,
        input: DeleteDocumentationVersionRequest,
    ) -> R<()> {
        documentation::delete_version(&self.store, ctx, input).await
    }
    async fn generate_client_certificate(
        &self,
        ctx: &RequestContext,
        input: GenerateClientCertificateRequest,
    ) -> R<ClientCertificate> {
        client_certificates::generate(&self.store, ctx, input).await
    }
    async fn get_client_certificate(
        &self,
        ctx: &RequestContext,
        input: GetClientCertificateRequest,
    ) -> R<ClientCertificate> {
        client_certificates::get(&self.store, ctx, input).await
    }
    async fn get_client_certificates(
        &self,
        ctx: &RequestContext,
        input: GetClientCertificatesRequest,
    ) -> R<ClientCertificates> {
        client_certificates::list(&self.store, ctx, input).await
    }
    async fn update_client_certificate(
        &self,
        ctx: &RequestContext,
        input: UpdateClientCertificateRequest,
    ) -> R<ClientCertificate> {
        client_certificates::update(&self.store, ctx, input).await
    }
    async fn delete_client_certificate(&self, ctx: &RequestContext, input: DeleteClientCertificateRequest) -> R<()> {
        client_certificates::delete(&self.store, ctx, input).await
    }
    async fn create_vpc_link(&self, ctx: &RequestContext, input: CreateVpcLinkRequest) -> R<VpcLink> {
        vpc_links::create(&self.store, ctx, input).await
    }
    async fn get_vpc_link(&self, ctx: &RequestContext, input: GetVpcLinkRequest) -> R<VpcLink> {
        vpc_links::get(&self.store, ctx, input).await
    }
    async fn get_vpc_links(&self, ctx: &RequestContext, input: GetVpcLinksRequest) -> R<VpcLinks> {
        vpc_links::list(&self.store, ctx, input).await
    }
    async fn update_vpc_link(&self, ctx: &RequestContext, input: UpdateVpcLinkRequest) -> R<VpcLink> {
        vpc_links::update(&self.store, ctx, input).await
    }
    async fn delete_vpc_link(&self, ctx: &RequestContext, input: DeleteVpcLinkRequest) -> R<()> {
        vpc_links::delete(&self.store, ctx, input).await
    }
    async fn create_domain_name(&self, ctx: &RequestContext, input: CreateDomainNameRequest) -> R<DomainName> {
        domain_names::create(&self.store, ctx, input).await
    }
    async fn get_domain_name(&self, ctx: &RequestContext, input: GetDomainNameRequest) -> R<DomainName> {
        domain_names::get(&self.store, ctx, input).await
    }
    async fn get_domain_names(&self, ctx: &RequestContext, input: GetDomainNamesRequest) -> R<DomainNames> {
        domain_names::list(&self.store, ctx, input).await
    }
    async fn update_domain_name(&self, ctx: &RequestContext, input: UpdateDomainNameRequest) -> R<DomainName> {
        domain_names::update(&self.store, ctx, input).await
    }
    async fn delete_domain_name(&self, ctx: &RequestContext, input: DeleteDomainNameRequest) -> R<()> {
        domain_names::delete(&self.store, ctx, input).await
    }
    async fn create_base_path_mapping(
        &self,
        ctx: &RequestContext,
        input: CreateBasePathMappingRequest,
    ) -> R<BasePathMapping> {
        domain_names::create_mapping(&self.store, ctx, input).await
    }
    async fn get_base_path_mapping(
        &self,
        ctx: &RequestContext,
        input: GetBasePathMappingRequest,
    ) -> R<BasePathMapping> {
        domain_names::get_mapping(&self.store, ctx, input).await
    }
    async fn get_base_path_mappings(
        &self,
        ctx: &RequestContext,
        input: GetBasePathMappingsRequest,
    ) -> R<BasePathMappings> {
        domain_names::list_mappings(&self.store, ctx, input).await
    }
    async fn update_base_path_mapping(
        &self,
        ctx: &RequestContext,
        input: UpdateBasePathMappingRequest,
    ) -> R<BasePathMapping> {
        domain_names::update_mapping(&self.store, ctx, input).await
    }
    async fn delete_base_path_mapping(&self, ctx: &RequestContext, input: DeleteBasePathMappingRequest) -> R<()> {
        domain_names::delete_mapping(&self.store, ctx, input).await
    }
    async fn create_domain_name_access_association(
        &self,
        ctx: &RequestContext,
        input: CreateDomainNameAccessAssociationRequest,
    ) -> R<DomainNameAccessAssociation> {
        access_associations::create(&self.store, ctx, input).await
    }
    async fn get_domain_name_access_associations(
        &self,
        ctx: &RequestContext,
        input: GetDomainNameAccessAssociationsRequest,
    ) -> R<DomainNameAccessAssociations> {
        access_associations::list(&self.store, ctx, input).await
    }
    async fn delete_domain_name_access_association(
        &self,
        ctx: &RequestContext,
        input: DeleteDomainNameAccessAssociationRequest,
    ) -> R<()> {
        access_associations::delete(&self.store, ctx, input).await
    }
    async fn reject_domain_name_access_association(
        &self,
        ctx: &RequestContext,
        input: RejectDomainNameAccessAssociationRequest,
    ) -> R<()> {
        access_associations::reject(&self.store, ctx, input).await
    }
    async fn get_sdk_types(&self, _ctx: &RequestContext, input: GetSdkTypesRequest) -> R<SdkTypes> {
        sdk::types(input)
    }
    async fn get_sdk_type(&self, _ctx: &RequestContext, input: GetSdkTypeRequest) -> R<SdkType> {
        sdk::get_type(input)
    }
    async fn get_sdk(&self, ctx: &RequestContext, input: GetSdkRequest) -> R<SdkResponse> {
        sdk::generate(&self.store, ctx, input).await
    }
    async fn get_account(&self, ctx: &RequestContext, input: GetAccountRequest) -> R<Account> {
        account::get(&self.store, ctx, input).await
    }
    async fn update_account(&self, ctx: &RequestContext, input: UpdateAccountRequest) -> R<Account> {
        account::update(&self.store, ctx, input).await
    }

    async fn tag_resource(&self, ctx: &RequestContext, input: TagResourceRequest) -> R<()> {
        tags::tag(&self.store, ctx, input).await
    }
    async fn untag_resource(&self, ctx: &RequestContext, input: UntagResourceRequest) -> R<()> {
        tags::untag(&self.store, ctx, input).await
    }
    async fn get_tags(&self, ctx: &RequestContext, input: GetTagsRequest) -> R<Tags> {
        tags::get(&self.store, ctx, input).await
    }
}

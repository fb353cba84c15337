//! The `lambda` control plane: the part of the Lambda API that the AWS CLI, the SDKs and
//! Terraform's `aws_lambda_function` and `aws_lambda_permission` use.
//!
//! Layout:
//! - `kinds`: the documents it stores (`function` ─ `function-version` / `function-alias`).
//! - `names`: function names and ARNs as callers give them, and Lambda's errors about them.
//! - `code`: archives unpacked under the data directory, or a local folder read in place.
//! - `functions`: CreateFunction … DeleteFunction and tags; `invoke`: Invoke through the
//!   function runners (`portico-functions`), and through `--lambda-endpoint` for functions
//!   Portico does not know; `versions`: versions and aliases;
//!   `policy`: the resource policy (AddPermission, RemovePermission, GetPolicy);
//!   `settings`: reserved concurrency, code signing and runtime management configurations.
//! - `file`: the functions file (`--functions`), written into the store at start-up.
//!
//! Functions report `State: Active` at once: their code is on disk when CreateFunction answers.

mod code;
pub mod file;
mod functions;
mod invoke;
pub mod kinds;
mod names;
mod policy;
mod settings;
mod support;
mod versions;

pub use code::CodeStore;
pub use invoke::CallError;

use portico_functions::Runners;
use portico_store::Store;
use portico_wire::lambda::*;
use portico_wire::{AwsError, RequestContext};

/// Implements the generated `Lambda` trait; operations not listed here answer 501.
#[derive(Clone)]
pub struct LambdaControlPlane {
    store: Store,
    code: CodeStore,
    runners: Runners,
    /// `--lambda-endpoint`: where functions Portico does not know are invoked.
    fallback: Option<std::sync::Arc<str>>,
}

impl LambdaControlPlane {
    pub fn new(store: Store, code: CodeStore, runners: Runners) -> Self {
        Self {
            store,
            code,
            runners,
            fallback: None,
        }
    }

    /// Invokes functions Portico does not know at another Lambda endpoint (base URL).
    pub fn with_lambda_endpoint(mut self, url: Option<&str>) -> Self {
        self.fallback = url.map(|u| u.trim_end_matches('/').into());
        self
    }

    /// Writes the functions a functions file declares into the store (see [`file`]).
    pub async fn declare(&self, declared: &file::Declared) -> Result<(), String> {
        file::apply(&self.store, &self.runners, declared).await
    }

    /// The runners that run this control plane's functions (the data plane's Lambda
    /// integrations share them).
    pub fn runners(&self) -> &Runners {
        &self.runners
    }

    /// Runs a function for an API Gateway integration or authorizer.
    pub async fn call(
        &self,
        account: &str,
        region: &str,
        function: &str,
        payload: bytes::Bytes,
    ) -> Result<portico_functions::Outcome, invoke::CallError> {
        let fallback = self.fallback.as_deref();
        invoke::call(&self.store, &self.runners, fallback, account, region, function, payload).await
    }
}

type R<T> = Result<T, AwsError>;

impl Lambda for LambdaControlPlane {
    async fn create_function(&self, ctx: &RequestContext, input: CreateFunctionRequest) -> R<FunctionConfiguration> {
        functions::create(&self.store, &self.code, &self.runners, ctx, input).await
    }
    async fn invoke(&self, ctx: &RequestContext, input: InvocationRequest) -> R<InvocationResponse> {
        invoke::invoke(&self.store, &self.runners, self.fallback.as_deref(), ctx, input).await
    }
    async fn get_function(&self, ctx: &RequestContext, input: GetFunctionRequest) -> R<GetFunctionResponse> {
        functions::get(&self.store, ctx, input).await
    }
    async fn get_function_configuration(
        &self,
        ctx: &RequestContext,
        input: GetFunctionConfigurationRequest,
    ) -> R<FunctionConfiguration> {
        functions::get_configuration(&self.store, ctx, input).await
    }
    async fn list_functions(&self, ctx: &RequestContext, input: ListFunctionsRequest) -> R<ListFunctionsResponse> {
        functions::list(&self.store, ctx, input).await
    }
    async fn update_function_code(
        &self,
        ctx: &RequestContext,
        input: UpdateFunctionCodeRequest,
    ) -> R<FunctionConfiguration> {
        functions::update_code(&self.store, &self.code, ctx, input).await
    }
    async fn update_function_configuration(
        &self,
        ctx: &RequestContext,
        input: UpdateFunctionConfigurationRequest,
    ) -> R<FunctionConfiguration> {
        functions::update_configuration(&self.store, ctx, input).await
    }
    async fn delete_function(&self, ctx: &RequestContext, input: DeleteFunctionRequest) -> R<DeleteFunctionResponse> {
        functions::delete(&self.store, &self.code, &self.runners, ctx, input).await
    }

    async fn publish_version(&self, ctx: &RequestContext, input: PublishVersionRequest) -> R<FunctionConfiguration> {
        versions::publish(&self.store, ctx, input).await
    }
    async fn list_versions_by_function(
        &self,
        ctx: &RequestContext,
        input: ListVersionsByFunctionRequest,
    ) -> R<ListVersionsByFunctionResponse> {
        versions::list_versions(&self.store, ctx, input).await
    }
    async fn create_alias(&self, ctx: &RequestContext, input: CreateAliasRequest) -> R<AliasConfiguration> {
        versions::create_alias(&self.store, ctx, input).await
    }
    async fn get_alias(&self, ctx: &RequestContext, input: GetAliasRequest) -> R<AliasConfiguration> {
        versions::get_alias(&self.store, ctx, input).await
    }
    async fn update_alias(&self, ctx: &RequestContext, input: UpdateAliasRequest) -> R<AliasConfiguration> {
        versions::update_alias(&self.store, ctx, input).await
    }
    async fn list_aliases(&self, ctx: &RequestContext, input: ListAliasesRequest) -> R<ListAliasesResponse> {
        versions::list_aliases(&self.store, ctx, input).await
    }
    async fn delete_alias(&self, ctx: &RequestContext, input: DeleteAliasRequest) -> R<()> {
        versions::delete_alias(&self.store, ctx, input).await
    }

    async fn add_permission(&self, ctx: &RequestContext, input: AddPermissionRequest) -> R<AddPermissionResponse> {
        policy::add(&self.store, ctx, input).await
    }
    async fn remove_permission(&self, ctx: &RequestContext, input: RemovePermissionRequest) -> R<()> {
        policy::remove(&self.store, ctx, input).await
    }
    async fn get_policy(&self, ctx: &RequestContext, input: GetPolicyRequest) -> R<GetPolicyResponse> {
        policy::get(&self.store, ctx, input).await
    }

    async fn put_function_concurrency(
        &self,
        ctx: &RequestContext,
        input: PutFunctionConcurrencyRequest,
    ) -> R<Concurrency> {
        settings::put_concurrency(&self.store, ctx, input).await
    }
    async fn get_function_concurrency(
        &self,
        ctx: &RequestContext,
        input: GetFunctionConcurrencyRequest,
    ) -> R<GetFunctionConcurrencyResponse> {
        settings::get_concurrency(&self.store, ctx, input).await
    }
    async fn delete_function_concurrency(
        &self,
        ctx: &RequestContext,
        input: DeleteFunctionConcurrencyRequest,
    ) -> R<()> {
        settings::delete_concurrency(&self.store, ctx, input).await
    }
    async fn get_function_code_signing_config(
        &self,
        ctx: &RequestContext,
        input: GetFunctionCodeSigningConfigRequest,
    ) -> R<GetFunctionCodeSigningConfigResponse> {
        settings::get_code_signing(&self.store, ctx, input).await
    }
    async fn get_runtime_management_config(
        &self,
        ctx: &RequestContext,
        input: GetRuntimeManagementConfigRequest,
    ) -> R<GetRuntimeManagementConfigResponse> {
        settings::get_runtime_management(&self.store, ctx, input).await
    }

    async fn tag_resource(&self, ctx: &RequestContext, input: TagResourceRequest) -> R<()> {
        let tags = input.tags.unwrap_or_default();
        functions::retag(&self.store, ctx, &input.resource.unwrap_or_default(), |t| {
            t.extend(tags);
            Ok(())
        })
        .await
    }
    async fn untag_resource(&self, ctx: &RequestContext, input: UntagResourceRequest) -> R<()> {
        let keys = input.tag_keys.unwrap_or_default();
        functions::retag(&self.store, ctx, &input.resource.unwrap_or_default(), |t| {
            t.retain(|k, _| !keys.contains(k));
            Ok(())
        })
        .await
    }
    async fn list_tags(&self, ctx: &RequestContext, input: ListTagsRequest) -> R<ListTagsResponse> {
        let tags = functions::tags_of(&self.store, ctx, &input.resource.unwrap_or_default()).await?;
        Ok(ListTagsResponse { tags: Some(tags) })
    }
}

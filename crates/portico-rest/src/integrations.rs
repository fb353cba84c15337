//! Integration and IntegrationResponse, stored inside their method.

use crate::mappings;
use crate::methods::{self, MethodKey, response_not_found};
use crate::support::{Patch, patch_map, patches, required};
use portico_store::Store;
use portico_wire::apigateway::*;
use portico_wire::{AwsError, RequestContext};

const TYPES: &[&str] = &["HTTP", "MOCK", "AWS_PROXY", "HTTP_PROXY", "AWS"];

pub fn not_found() -> AwsError {
    AwsError::not_found("Invalid Integration identifier specified")
}

fn check_timeout(ms: i64) -> Result<(), AwsError> {
    if (50..=29_000).contains(&ms) {
        Ok(())
    } else {
        Err(AwsError::bad_request("Timeout should be between 50 ms and 29000 ms"))
    }
}

/// The checks AWS makes on a type, method and URI, before anything is stored.
pub(crate) fn check_target(kind: &str, http_method: Option<&str>, uri: Option<&str>) -> Result<(), AwsError> {
    if !TYPES.contains(&kind) {
        return Err(AwsError::new(
            400,
            "ValidationException",
            format!(
                "1 validation error detected: Value '{kind}' at 'putIntegrationInput.type' failed to satisfy constraint: Member must satisfy enum value set: [HTTP, MOCK, AWS_PROXY, HTTP_PROXY, AWS]"
            ),
        ));
    }
    if kind == "MOCK" {
        return Ok(());
    }
    if http_method.is_none_or(str::is_empty) {
        return Err(AwsError::bad_request(
            "Enumeration value for HttpMethod must be non-empty",
        ));
    }
    let uri = uri.unwrap_or_default();
    match kind {
        "HTTP" | "HTTP_PROXY" => {
            let rest = uri.strip_prefix("http://").or_else(|| uri.strip_prefix("https://"));
            if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
                return Err(AwsError::bad_request("Invalid HTTP endpoint specified for URI"));
            }
        }
        _ => check_aws_uri(kind, uri)?,
    }
    Ok(())
}

/// AWS and AWS_PROXY URIs: `arn:{partition}:apigateway:{region}:{service}:{path|action}/...`;
/// AWS_PROXY reaches only Lambda functions and Firehose streams.
fn check_aws_uri(kind: &str, uri: &str) -> Result<(), AwsError> {
    if !uri.starts_with("arn:") {
        return Err(AwsError::bad_request("Invalid ARN specified in the request"));
    }
    let fields: Vec<&str> = uri.splitn(6, ':').collect();
    let (service, target) = match fields.as_slice() {
        [_, _, "apigateway", _, service, target] if target.starts_with("path/") || target.starts_with("action/") => {
            (*service, *target)
        }
        _ => {
            return Err(AwsError::bad_request(
                "AWS ARN for integration must contain path or action",
            ));
        }
    };
    let lambda =
        service == "lambda" && target.starts_with("path/2015-03-31/functions/") && target.ends_with("/invocations");
    let firehose = service == "firehose" && target.starts_with("action/");
    if kind == "AWS_PROXY" && !lambda && !firehose {
        return Err(AwsError::bad_request(
            "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.",
        ));
    }
    Ok(())
}

pub async fn put(store: &Store, ctx: &RequestContext, input: PutIntegrationRequest) -> Result<Integration, AwsError> {
    let key = MethodKey::new(input.rest_api_id, input.resource_id, input.http_method);
    let kind = required(input.r#type);
    check_target(&kind, input.integration_http_method.as_deref(), input.uri.as_deref())?;
    if let Some(ms) = input.timeout_in_millis {
        check_timeout(ms)?;
    }
    mappings::content_types(input.request_templates.as_ref())?;
    let is_mock = kind == "MOCK";
    let is_http = kind == "HTTP" || kind == "HTTP_PROXY";
    let connection_type = match input.connection_type {
        Some(c) => Some(c),
        None if is_http => Some("INTERNET".to_string()),
        None => None,
    };
    let integration = Integration {
        r#type: Some(kind),
        http_method: if is_mock { None } else { input.integration_http_method },
        uri: if is_mock { None } else { input.uri },
        connection_type,
        connection_id: input.connection_id,
        credentials: input.credentials,
        request_parameters: input.request_parameters,
        request_templates: input.request_templates,
        passthrough_behavior: Some(input.passthrough_behavior.unwrap_or_else(|| "WHEN_NO_MATCH".into())),
        content_handling: input.content_handling,
        timeout_in_millis: Some(input.timeout_in_millis.unwrap_or(29_000)),
        cache_namespace: Some(input.cache_namespace.unwrap_or_else(|| key.resource_id.clone())),
        cache_key_parameters: Some(input.cache_key_parameters.unwrap_or_default()),
        tls_config: input.tls_config,
        integration_target: input.integration_target,
        response_transfer_mode: input.response_transfer_mode,
        integration_responses: None,
    };
    methods::modify(store, ctx, &key, |method| {
        mappings::integration_request(
            integration.request_parameters.as_ref(),
            method.request_parameters.as_ref(),
        )?;
        // Responses set up earlier stay with a replaced integration.
        let responses = method
            .method_integration
            .take()
            .and_then(|old| old.integration_responses);
        method.method_integration = Some(Integration {
            integration_responses: responses,
            ..integration.clone()
        });
        Ok(integration)
    })
    .await
}

pub async fn get(store: &Store, ctx: &RequestContext, input: GetIntegrationRequest) -> Result<Integration, AwsError> {
    let key = MethodKey::new(input.rest_api_id, input.resource_id, input.http_method);
    methods::load(store, ctx, &key)
        .await?
        .method_integration
        .ok_or_else(not_found)
}

pub async fn update(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateIntegrationRequest,
) -> Result<Integration, AwsError> {
    let key = MethodKey::new(input.rest_api_id, input.resource_id, input.http_method);
    let ops = patches(input.patch_operations, "updateIntegrationInput")?;
    methods::modify(store, ctx, &key, |method| {
        let integration = method.method_integration.as_mut().ok_or_else(not_found)?;
        for op in &ops {
            apply(integration, op)?;
        }
        let kind = integration.r#type.clone().unwrap_or_default();
        check_target(&kind, integration.http_method.as_deref(), integration.uri.as_deref())?;
        mappings::integration_request(
            integration.request_parameters.as_ref(),
            method.request_parameters.as_ref(),
        )?;
        mappings::content_types(integration.request_templates.as_ref())?;
        Ok(integration.clone())
    })
    .await
}

fn apply(integration: &mut Integration, op: &Patch) -> Result<(), AwsError> {
    match op.segs().as_slice() {
        ["uri"] => integration.uri = op.optional_string(),
        ["httpMethod"] => integration.http_method = op.optional_string(),
        ["type"] => integration.r#type = Some(op.string()?),
        ["passthroughBehavior"] => integration.passthrough_behavior = op.optional_string(),
        ["contentHandling"] => integration.content_handling = op.optional_string(),
        ["credentials"] => integration.credentials = op.optional_string(),
        ["connectionType"] => integration.connection_type = op.optional_string(),
        ["connectionId"] => integration.connection_id = op.optional_string(),
        ["cacheNamespace"] => integration.cache_namespace = op.optional_string(),
        ["timeoutInMillis"] => {
            let ms = op.i64()?;
            check_timeout(ms)?;
            integration.timeout_in_millis = Some(ms);
        }
        ["requestTemplates", content_type] => patch_map(&mut integration.request_templates, op, content_type, || {
            Ok(op.value.clone().unwrap_or_default())
        })?,
        ["requestParameters", name] => patch_map(&mut integration.request_parameters, op, name, || op.string())?,
        ["cacheKeyParameters", name] => {
            let keys = integration.cache_key_parameters.get_or_insert_default();
            match op.op {
                "add" => keys.push(name.to_string()),
                "remove" => keys.retain(|k| k != name),
                _ => return Err(op.unsupported_op()),
            }
        }
        ["tlsConfig", "insecureSkipVerification"] => {
            integration
                .tls_config
                .get_or_insert_default()
                .insecure_skip_verification = Some(op.bool()?)
        }
        _ => return Err(AwsError::bad_request(format!("Invalid patch path {}", op.path))),
    }
    Ok(())
}

pub async fn delete(store: &Store, ctx: &RequestContext, input: DeleteIntegrationRequest) -> Result<(), AwsError> {
    let key = MethodKey::new(input.rest_api_id, input.resource_id, input.http_method);
    methods::modify(store, ctx, &key, |method| {
        method.method_integration.take().map(|_| ()).ok_or_else(not_found)
    })
    .await
}

pub async fn put_response(
    store: &Store,
    ctx: &RequestContext,
    input: PutIntegrationResponseRequest,
) -> Result<IntegrationResponse, AwsError> {
    let key = MethodKey::new(input.rest_api_id, input.resource_id, input.http_method);
    let status = required(input.status_code);
    mappings::content_types(input.response_templates.as_ref())?;
    let response = IntegrationResponse {
        status_code: Some(status.clone()),
        selection_pattern: input.selection_pattern,
        response_parameters: input.response_parameters,
        response_templates: input.response_templates,
        content_handling: input.content_handling,
    };
    methods::modify(store, ctx, &key, |method| {
        mappings::integration_response(response.response_parameters.as_ref(), declared_headers(method, &status))?;
        let integration = method.method_integration.as_mut().ok_or_else(not_found)?;
        integration
            .integration_responses
            .get_or_insert_default()
            .insert(status, response.clone());
        Ok(response)
    })
    .await
}

pub async fn get_response(
    store: &Store,
    ctx: &RequestContext,
    input: GetIntegrationResponseRequest,
) -> Result<IntegrationResponse, AwsError> {
    let key = MethodKey::new(input.rest_api_id, input.resource_id, input.http_method);
    let integration = methods::load(store, ctx, &key)
        .await?
        .method_integration
        .ok_or_else(not_found)?;
    let status = required(input.status_code);
    integration
        .integration_responses
        .and_then(|mut r| r.remove(&status))
        .ok_or_else(response_not_found)
}

pub async fn update_response(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateIntegrationResponseRequest,
) -> Result<IntegrationResponse, AwsError> {
    let key = MethodKey::new(input.rest_api_id, input.resource_id, input.http_method);
    let status = required(input.status_code);
    let ops = patches(input.patch_operations, "updateIntegrationResponseInput")?;
    methods::modify(store, ctx, &key, |method| {
        let declared = declared_headers(method, &status).cloned();
        let integration = method.method_integration.as_mut().ok_or_else(not_found)?;
        let response = integration
            .integration_responses
            .as_mut()
            .and_then(|r| r.get_mut(&status))
            .ok_or_else(response_not_found)?;
        for op in &ops {
            match op.segs().as_slice() {
                ["selectionPattern"] => response.selection_pattern = op.optional_string(),
                ["contentHandling"] => response.content_handling = op.optional_string(),
                ["responseTemplates", content_type] => {
                    patch_map(&mut response.response_templates, op, content_type, || {
                        Ok(op.value.clone().unwrap_or_default())
                    })?
                }
                ["responseParameters", name] => patch_map(&mut response.response_parameters, op, name, || op.string())?,
                _ => return Err(AwsError::bad_request(format!("Invalid patch path {}", op.path))),
            }
        }
        mappings::integration_response(response.response_parameters.as_ref(), declared.as_ref())?;
        mappings::content_types(response.response_templates.as_ref())?;
        Ok(response.clone())
    })
    .await
}

pub async fn delete_response(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteIntegrationResponseRequest,
) -> Result<(), AwsError> {
    let key = MethodKey::new(input.rest_api_id, input.resource_id, input.http_method);
    let status = required(input.status_code);
    // AWS names the integration, not the method, when the method is missing here.
    methods::modify_or(store, ctx, &key, not_found, |method| {
        let integration = method.method_integration.as_mut().ok_or_else(not_found)?;
        integration
            .integration_responses
            .as_mut()
            .and_then(|r| r.remove(&status))
            .map(|_| ())
            .ok_or_else(response_not_found)
    })
    .await
}

/// The headers the method response for `status` declares: what an integration response may map to.
fn declared_headers<'m>(method: &'m Method, status: &str) -> Option<&'m std::collections::BTreeMap<String, bool>> {
    method
        .method_responses
        .as_ref()
        .and_then(|r| r.get(status))
        .and_then(|r| r.response_parameters.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FUNCTION: &str = "arn:aws:lambda:us-east-1:000000000000:function:f";

    /// test_apigateway_lambda: test_put_integration_aws_proxy_uri; test_apigateway_integrations:
    /// test_put_integration_validation.
    #[test]
    fn aws_uris() {
        let message = |kind: &str, uri: &str| check_target(kind, Some("POST"), Some(uri)).unwrap_err().message;
        let proxy = format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION}/invocations");
        assert!(check_target("AWS_PROXY", Some("POST"), Some(&proxy)).is_ok());
        assert!(check_target("AWS", Some("POST"), Some("arn:aws:apigateway:us-east-1:s3:path/b/k")).is_ok());
        let path_or_action = "AWS ARN for integration must contain path or action";
        assert_eq!(message("AWS_PROXY", FUNCTION), path_or_action);
        assert_eq!(
            message("AWS", "arn:aws:iam::0000000000:role/service-role/asdf"),
            path_or_action
        );
        let test_path = format!("arn:aws:apigateway:us-east-1:lambda:test/2015-03-31/functions/{FUNCTION}/invocations");
        assert_eq!(message("AWS_PROXY", &test_path), path_or_action);
        assert_eq!(message("AWS", "non-valid-arn"), "Invalid ARN specified in the request");
        let only =
            "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.";
        assert_eq!(message("AWS_PROXY", "arn:aws:apigateway:us-east-1:s3:path/b/k"), only);
        let firehose =
            format!("arn:aws:apigateway:us-east-1:firehose:path/2015-03-31/functions/{FUNCTION}/invocations");
        assert_eq!(message("AWS_PROXY", &firehose), only);
        let random = format!("arn:aws:apigateway:us-east-1:lambda:path/random/value/{FUNCTION}/invocations");
        assert_eq!(message("AWS_PROXY", &random), only);
        assert_eq!(
            message("HTTP", "non-valid-http"),
            "Invalid HTTP endpoint specified for URI"
        );
    }
}

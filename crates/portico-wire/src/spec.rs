//! Static description of operations, shapes and errors, as the generator reads them from the model.

use std::sync::OnceLock;

/// Where a member travels on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Body,
    Uri,
    Query,
    /// A map member with no name: every query parameter not bound elsewhere.
    QueryMap,
    Header,
    StatusCode,
}

/// The wire type of a member: enough to coerce strings from the path, query and headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    String,
    Integer,
    Double,
    Boolean,
    Timestamp,
    Blob,
    List,
    Map,
    Structure,
}

#[derive(Debug)]
pub struct MemberSpec {
    /// Name of the member in the model, as validation messages name it.
    pub name: &'static str,
    /// Key of the member in the operation's JSON object (and serde name of its field).
    pub key: &'static str,
    pub location: Location,
    /// Name on the wire: path label, query parameter or header name.
    pub wire: &'static str,
    pub ty: Ty,
    /// Required by the model.
    pub required: bool,
    /// Allowed values when the member is an enum string, in the order AWS lists them; empty otherwise.
    pub enum_values: &'static [&'static str],
    /// The member's target shape, with its constraints.
    pub shape: &'static Shape,
}

/// A shape of the model that members point at.
#[derive(Debug)]
pub struct Shape {
    pub name: &'static str,
    pub kind: ShapeKind,
}

/// Inclusive bounds from the model's `min`/`max` (a length for strings, blobs, lists and maps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bounds {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

#[derive(Debug)]
pub enum ShapeKind {
    String {
        /// In the order AWS lists them in its messages.
        enum_values: &'static [&'static str],
        length: Bounds,
        pattern: Option<&'static Pattern>,
    },
    Integer {
        range: Bounds,
    },
    Long {
        range: Bounds,
    },
    Double {
        min: Option<f64>,
        max: Option<f64>,
    },
    Boolean,
    Timestamp,
    Blob {
        length: Bounds,
    },
    List {
        member: &'static Shape,
        length: Bounds,
    },
    Map {
        key: &'static Shape,
        value: &'static Shape,
        length: Bounds,
    },
    Structure {
        members: &'static [MemberSpec],
    },
}

/// A `pattern` of the model, compiled on first use and kept.
pub struct Pattern {
    pub source: &'static str,
    compiled: OnceLock<Compiled>,
}

/// Most patterns are plain regular expressions; Lambda's use look-around, which only the
/// backtracking engine has.
pub enum Compiled {
    Plain(regex::Regex),
    LookAround(fancy_regex::Regex),
}

impl Pattern {
    pub const fn new(source: &'static str) -> Self {
        Self {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// Unanchored, as Smithy defines `pattern`; the models anchor where they mean to.
    pub fn is_match(&self, text: &str) -> bool {
        match self.compiled() {
            Compiled::Plain(re) => re.is_match(text),
            // A match that gives up (backtracking limit) is not held against the caller.
            Compiled::LookAround(re) => re.is_match(text).unwrap_or(true),
        }
    }

    pub fn compiled(&self) -> &Compiled {
        self.compiled.get_or_init(|| match regex::Regex::new(self.source) {
            Ok(re) => Compiled::Plain(re),
            Err(_) => Compiled::LookAround(
                fancy_regex::Regex::new(self.source).unwrap_or_else(|e| panic!("model pattern {:?}: {e}", self.source)),
            ),
        })
    }
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

/// One segment of a request URI template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    Literal(&'static str),
    Label(&'static str),
    /// `{name+}`: one or more segments.
    Greedy(&'static str),
}

/// An error shape of the model (`"exception": true`).
#[derive(Debug)]
pub struct ErrorSpec {
    /// Sent as `x-amzn-ErrorType`.
    pub code: &'static str,
    pub status: u16,
    /// A server fault (5xx) rather than the caller's.
    pub fault: bool,
    /// Header members: (member name, header name), e.g. `retryAfterSeconds` → `Retry-After`.
    pub headers: &'static [(&'static str, &'static str)],
    /// Body members besides the message: (member name, JSON key), e.g. `ResourceType` → `resourceType`.
    pub fields: &'static [(&'static str, &'static str)],
}

/// Codes any AWS service may answer, declared by an operation or not.
pub const GENERIC_ERRORS: &[&str] = &[
    "ValidationException",
    "SerializationException",
    "InternalFailure",
    "InternalServerError",
    "ServiceUnavailable",
    "NotImplemented",
    "UnknownOperationException",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "IncompleteSignatureException",
    "MissingAuthenticationTokenException",
    "ExpiredTokenException",
    "ThrottlingException",
];

#[derive(Debug)]
pub struct OperationSpec {
    pub service: crate::Service,
    pub name: &'static str,
    pub method: &'static str,
    /// Request URI template from the model, e.g. `/restapis/{restapi_id}/resources`.
    pub uri: &'static str,
    /// The template's path, split.
    pub path: &'static [Segment],
    /// `?mode=import` style literals the query must carry.
    pub query: &'static [(&'static str, &'static str)],
    /// Status code of a successful answer.
    pub success: u16,
    pub input_shape: &'static str,
    /// How AWS's messages name the input: `PutIntegrationRequest` → `putIntegrationInput`.
    pub input_name: &'static str,
    pub input: &'static [MemberSpec],
    pub output: &'static [MemberSpec],
    /// Member sent as the raw body instead of a JSON document.
    pub input_payload: Option<&'static MemberSpec>,
    pub output_payload: Option<&'static MemberSpec>,
    /// Error codes the model says the operation may answer.
    pub errors: &'static [&'static str],
}

impl OperationSpec {
    /// Whether the operation may answer `code`: declared by the model, or generic.
    pub fn declares(&self, code: &str) -> bool {
        self.errors.contains(&code) || GENERIC_ERRORS.contains(&code)
    }
}

/// Logs an error the model does not let the operation answer: a bug of the handler.
pub fn note_undeclared(spec: &OperationSpec, error: &crate::AwsError) -> bool {
    let undeclared = !spec.declares(&error.code);
    if undeclared {
        tracing::error!(
            operation = spec.name,
            code = %error.code,
            message = %error.message,
            "bug: the operation answered an error its model does not declare"
        );
    }
    undeclared
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AwsError, apigateway, apigatewaymanagementapi, apigatewayv2};

    #[test]
    fn operations_declare_the_models_errors() {
        let spec = apigateway::Operation::GetRestApi.spec();
        assert!(spec.declares("NotFoundException"));
        assert!(spec.declares("TooManyRequestsException"));
        assert!(spec.declares("ValidationException"), "generic");
        assert!(spec.declares("NotImplemented"), "generic");
        assert!(!spec.declares("ConflictException"), "GetRestApi cannot conflict");
        assert!(!spec.declares("GoneException"));
        let post = apigatewaymanagementapi::Operation::PostToConnection.spec();
        assert!(post.declares("GoneException"));
        assert!(post.declares("PayloadTooLargeException"));
        assert!(!post.declares("BadRequestException"));
        assert!(note_undeclared(spec, &AwsError::conflict("no")));
        assert!(!note_undeclared(spec, &AwsError::not_found("yes")));
    }

    #[test]
    fn declared_errors_are_error_shapes_of_the_service() {
        for (errors, ops) in [
            (&apigateway::ERRORS[..], &apigateway::OPERATIONS[..]),
            (&apigatewayv2::ERRORS[..], &apigatewayv2::OPERATIONS[..]),
            (
                &apigatewaymanagementapi::ERRORS[..],
                &apigatewaymanagementapi::OPERATIONS[..],
            ),
        ] {
            for op in ops {
                for code in op.errors {
                    assert!(errors.iter().any(|e| e.code == *code), "{} {code}", op.name);
                }
            }
        }
    }

    #[test]
    fn error_table_follows_the_models() {
        let limit = apigateway::ERRORS
            .iter()
            .find(|e| e.code == "LimitExceededException")
            .unwrap();
        assert_eq!(limit.status, 429);
        assert_eq!(limit.headers, &[("retryAfterSeconds", "Retry-After")]);
        let unavailable = apigateway::ERRORS
            .iter()
            .find(|e| e.code == "ServiceUnavailableException")
            .unwrap();
        assert!(unavailable.fault);
        assert_eq!(unavailable.status, 503);
        let not_found = apigatewayv2::ERRORS
            .iter()
            .find(|e| e.code == "NotFoundException")
            .unwrap();
        assert_eq!(not_found.fields, &[("ResourceType", "resourceType")]);
        let gone = apigatewaymanagementapi::ERRORS
            .iter()
            .find(|e| e.code == "GoneException")
            .unwrap();
        assert_eq!(gone.status, 410);
    }

    #[test]
    fn typed_errors_write_their_members() {
        let error: AwsError = apigateway::LimitExceededException {
            message: "Too many resources".into(),
            retry_after_seconds: Some("30".into()),
        }
        .into();
        assert_eq!((error.status, error.code.as_ref()), (429, "LimitExceededException"));
        let response = error.to_response("r");
        assert_eq!(response.headers()["Retry-After"], "30");
        assert_eq!(response.body().as_ref(), br#"{"message":"Too many resources"}"#);

        let plain: AwsError = apigateway::TooManyRequestsException::new("slow").into();
        assert_eq!(plain, AwsError::too_many_requests("slow"));

        let error: AwsError = apigatewayv2::NotFoundException {
            message: "Invalid API identifier specified".into(),
            resource_type: Some("Api".into()),
        }
        .into();
        let body: serde_json::Value = serde_json::from_slice(error.to_response("r").body()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"message": "Invalid API identifier specified", "resourceType": "Api"})
        );
        let error: AwsError = apigatewayv2::TooManyRequestsException {
            message: "slow".into(),
            limit_type: Some("burst".into()),
        }
        .into();
        assert_eq!(error.fields, vec![("limitType", "burst".to_string())]);
        let gone: AwsError = apigatewaymanagementapi::GoneException::new("gone").into();
        assert_eq!(gone.status, 410);
    }

    #[tokio::test]
    async fn dispatch_passes_errors_through() {
        struct Refuses;
        impl apigateway::ApiGateway for Refuses {
            async fn get_rest_api(
                &self,
                _ctx: &crate::RequestContext,
                _input: apigateway::GetRestApiRequest,
            ) -> Result<apigateway::RestApi, AwsError> {
                // Undeclared for GetRestApi: logged as a bug, still answered.
                Err(AwsError::conflict("odd"))
            }
        }
        let ctx = crate::RequestContext {
            account: "1".into(),
            region: "r".into(),
            request_id: "q".into(),
        };
        let op = apigateway::Operation::GetRestApi;
        let err = apigateway::dispatch(&Refuses, &ctx, op, serde_json::json!({"uri:restapi_id": "a"}))
            .await
            .unwrap_err();
        assert_eq!(err, AwsError::conflict("odd"));
        assert!(!op.spec().declares(&err.code));
    }
}

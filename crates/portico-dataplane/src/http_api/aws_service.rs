//! AWS service integrations of HTTP APIs (`AWS_PROXY` with an `integrationSubtype`), after
//! AWS's "Integration subtype reference": each subtype is one action of one service, and the
//! integration's `requestParameters` give the action's parameters by name, each an expression
//! (`$request.body.message`, `$context.requestId`, text). Portico emulates no service: as the
//! REST data plane does, it signs the action's request and sends it to `--aws-endpoint`.
//!
//! Documented by AWS: the subtypes, their parameters and which are required. Decided here
//! (AWS does not document the wire it uses): EventBridge, Kinesis, Step Functions and SQS are
//! spoken in their JSON protocols (`X-Amz-Target`, members named as botocore's models name
//! them; SQS speaks JSON as well as query), AppConfig in its REST protocol; a parameter whose
//! value comes out empty is left out; integer, list, map and timestamp members are typed from
//! the text (a list or map as JSON, a list also as comma-separated text, a timestamp as epoch
//! seconds or RFC 3339), and text that does not read as its type is sent as text for the
//! service to refuse. The service's status, body and content type are the answer.

use super::call::Call;
use super::params::{Evaluator, Expression, Source};
use super::{Env, internal_error, unavailable};
use base64::Engine;
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Response, Uri};
use portico_http::sigv4::{self, Keys};
use portico_http::{OutboundError, OutboundRequest};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// How a member is typed in the service's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Text,
    Integer,
    /// A list of strings.
    List,
    /// A JSON object (SQS message attributes).
    Map,
    /// Bytes, base64 in JSON (Kinesis `Data`).
    Blob,
    /// Epoch seconds in JSON, or text as given.
    Timestamp,
}

#[derive(Debug)]
struct Param {
    name: &'static str,
    required: bool,
    shape: Shape,
}

const fn req(name: &'static str) -> Param {
    Param {
        name,
        required: true,
        shape: Shape::Text,
    }
}

const fn opt(name: &'static str, shape: Shape) -> Param {
    Param {
        name,
        required: false,
        shape,
    }
}

#[derive(Debug)]
enum Protocol {
    /// JSON with `X-Amz-Target: {prefix}.{action}`.
    Json {
        target_prefix: &'static str,
        content_type: &'static str,
    },
    /// AppConfig's `GET /applications/{a}/environments/{e}/configurations/{c}`.
    AppConfig,
}

#[derive(Debug)]
pub struct Subtype {
    pub name: &'static str,
    /// The signing name, and the service the endpoint emulates.
    pub service: &'static str,
    pub action: &'static str,
    protocol: Protocol,
    /// EventBridge takes its parameters as the one entry of `Entries`.
    entries: bool,
    /// Step Functions' members are the parameters' names in camelCase (`stateMachineArn`).
    camel_case: bool,
    params: &'static [Param],
}

const SQS: Protocol = Protocol::Json {
    target_prefix: "AmazonSQS",
    content_type: "application/x-amz-json-1.0",
};
const STATES: Protocol = Protocol::Json {
    target_prefix: "AWSStepFunctions",
    content_type: "application/x-amz-json-1.0",
};

/// Every parameter list also takes `Region`, which picks the region signed for.
const SUBTYPES: &[Subtype] = &[
    Subtype {
        name: "EventBridge-PutEvents",
        service: "events",
        action: "PutEvents",
        protocol: Protocol::Json {
            target_prefix: "AWSEvents",
            content_type: "application/x-amz-json-1.1",
        },
        entries: true,
        camel_case: false,
        params: &[
            req("Detail"),
            req("DetailType"),
            req("Source"),
            opt("Time", Shape::Timestamp),
            opt("EventBusName", Shape::Text),
            opt("Resources", Shape::List),
            opt("TraceHeader", Shape::Text),
        ],
    },
    Subtype {
        name: "SQS-SendMessage",
        service: "sqs",
        action: "SendMessage",
        protocol: SQS,
        entries: false,
        camel_case: false,
        params: &[
            req("QueueUrl"),
            req("MessageBody"),
            opt("DelaySeconds", Shape::Integer),
            opt("MessageAttributes", Shape::Map),
            opt("MessageDeduplicationId", Shape::Text),
            opt("MessageGroupId", Shape::Text),
            opt("MessageSystemAttributes", Shape::Map),
        ],
    },
    Subtype {
        name: "SQS-ReceiveMessage",
        service: "sqs",
        action: "ReceiveMessage",
        protocol: SQS,
        entries: false,
        camel_case: false,
        params: &[
            req("QueueUrl"),
            opt("AttributeNames", Shape::List),
            opt("MaxNumberOfMessages", Shape::Integer),
            opt("MessageAttributeNames", Shape::List),
            opt("ReceiveRequestAttemptId", Shape::Text),
            opt("VisibilityTimeout", Shape::Integer),
            opt("WaitTimeSeconds", Shape::Integer),
        ],
    },
    Subtype {
        name: "SQS-DeleteMessage",
        service: "sqs",
        action: "DeleteMessage",
        protocol: SQS,
        entries: false,
        camel_case: false,
        params: &[req("ReceiptHandle"), req("QueueUrl")],
    },
    Subtype {
        name: "SQS-PurgeQueue",
        service: "sqs",
        action: "PurgeQueue",
        protocol: SQS,
        entries: false,
        camel_case: false,
        params: &[req("QueueUrl")],
    },
    Subtype {
        name: "AppConfig-GetConfiguration",
        service: "appconfig",
        action: "GetConfiguration",
        protocol: Protocol::AppConfig,
        entries: false,
        camel_case: false,
        params: &[
            req("Application"),
            req("Environment"),
            req("Configuration"),
            req("ClientId"),
            opt("ClientConfigurationVersion", Shape::Text),
        ],
    },
    Subtype {
        name: "Kinesis-PutRecord",
        service: "kinesis",
        action: "PutRecord",
        protocol: Protocol::Json {
            target_prefix: "Kinesis_20131202",
            content_type: "application/x-amz-json-1.1",
        },
        entries: false,
        camel_case: false,
        params: &[
            req("StreamName"),
            Param {
                name: "Data",
                required: true,
                shape: Shape::Blob,
            },
            req("PartitionKey"),
            opt("SequenceNumberForOrdering", Shape::Text),
            opt("ExplicitHashKey", Shape::Text),
        ],
    },
    Subtype {
        name: "StepFunctions-StartExecution",
        service: "states",
        action: "StartExecution",
        protocol: STATES,
        entries: false,
        camel_case: true,
        params: &[
            req("StateMachineArn"),
            opt("Name", Shape::Text),
            opt("Input", Shape::Text),
        ],
    },
    Subtype {
        name: "StepFunctions-StartSyncExecution",
        service: "states",
        action: "StartSyncExecution",
        protocol: STATES,
        entries: false,
        camel_case: true,
        params: &[
            req("StateMachineArn"),
            opt("Name", Shape::Text),
            opt("Input", Shape::Text),
            opt("TraceHeader", Shape::Text),
        ],
    },
    Subtype {
        name: "StepFunctions-StopExecution",
        service: "states",
        action: "StopExecution",
        protocol: STATES,
        entries: false,
        camel_case: true,
        params: &[
            req("ExecutionArn"),
            opt("Cause", Shape::Text),
            opt("Error", Shape::Text),
        ],
    },
];

impl Subtype {
    /// A parameter's member name in the service's request.
    fn member(&self, name: &str) -> String {
        let mut chars = name.chars();
        match chars.next() {
            Some(first) if self.camel_case => first.to_ascii_lowercase().to_string() + chars.as_str(),
            _ => name.to_owned(),
        }
    }
}

/// An AWS service integration, compiled: its subtype and its parameters' expressions.
#[derive(Debug)]
pub struct AwsService {
    pub subtype: &'static Subtype,
    /// In the subtype's order, only those the integration sets.
    params: Vec<(&'static Param, Expression)>,
    region: Option<Expression>,
}

impl AwsService {
    /// Refuses what AWS refuses on write: an unknown subtype, a parameter the subtype does not
    /// take, a missing required one, an expression that does not compile.
    pub fn compile(subtype: &str, parameters: Option<&BTreeMap<String, String>>) -> Result<AwsService, String> {
        let Some(found) = SUBTYPES.iter().find(|s| s.name == subtype) else {
            return Err(format!("integration subtype {subtype} is not supported"));
        };
        let empty = BTreeMap::new();
        let parameters = parameters.unwrap_or(&empty);
        if let Some(unknown) = parameters
            .keys()
            .find(|k| *k != "Region" && !found.params.iter().any(|p| p.name == k.as_str()))
        {
            return Err(format!("parameter {unknown} is not supported for subtype {subtype}"));
        }
        let mut params = Vec::new();
        for param in found.params {
            match parameters.get(param.name) {
                Some(text) => params.push((param, compile_value(param.name, text)?)),
                None if param.required => {
                    return Err(format!("parameter {} is required for subtype {subtype}", param.name));
                }
                None => {}
            }
        }
        let region = parameters
            .get("Region")
            .map(|text| compile_value("Region", text))
            .transpose()?;
        Ok(AwsService {
            subtype: found,
            params,
            region,
        })
    }

    /// The action's request for one call; `region` is the API's, used without a `Region`.
    fn build(&self, evaluator: &Evaluator<'_>, region: &str) -> Built {
        let values: Vec<(&Param, String)> = self
            .params
            .iter()
            .map(|(param, expression)| (*param, evaluator.evaluate(expression)))
            .filter(|(_, value)| !value.is_empty())
            .collect();
        let region = self
            .region
            .as_ref()
            .map(|r| evaluator.evaluate(r))
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| region.to_owned());
        let mut headers = HeaderMap::new();
        match &self.subtype.protocol {
            Protocol::Json {
                target_prefix,
                content_type,
            } => {
                let mut members = Map::new();
                for (param, value) in values {
                    members.insert(self.subtype.member(param.name), typed(param.shape, value));
                }
                let body = if self.subtype.entries {
                    serde_json::json!({ "Entries": [members] })
                } else {
                    Value::Object(members)
                };
                let target = format!("{target_prefix}.{}", self.subtype.action);
                if let Ok(target) = HeaderValue::from_str(&target) {
                    headers.insert("x-amz-target", target);
                }
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
                Built {
                    method: Method::POST,
                    path_and_query: "/".to_owned(),
                    headers,
                    body: Bytes::from(body.to_string()),
                    region,
                }
            }
            Protocol::AppConfig => {
                let get = |name: &str| {
                    values
                        .iter()
                        .find(|(p, _)| p.name == name)
                        .map_or("", |(_, v)| v.as_str())
                };
                let segment = |name: &str| percent_encoding::utf8_percent_encode(get(name), SEGMENT).to_string();
                let mut path = format!(
                    "/applications/{}/environments/{}/configurations/{}",
                    segment("Application"),
                    segment("Environment"),
                    segment("Configuration")
                );
                let mut query = form_urlencoded::Serializer::new(String::new());
                query.append_pair("client_id", get("ClientId"));
                let version = get("ClientConfigurationVersion");
                if !version.is_empty() {
                    query.append_pair("client_configuration_version", version);
                }
                path.push('?');
                path.push_str(&query.finish());
                Built {
                    method: Method::GET,
                    path_and_query: path,
                    headers,
                    body: Bytes::new(),
                    region,
                }
            }
        }
    }
}

fn compile_value(name: &str, text: &str) -> Result<Expression, String> {
    Expression::compile(text).map_err(|reason| format!("parameter {name}: {reason}"))
}

/// Characters escaped in a path segment: all but RFC 3986's unreserved.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A member's JSON value from its text.
fn typed(shape: Shape, text: String) -> Value {
    match shape {
        Shape::Text => Value::String(text),
        Shape::Integer => text.trim().parse::<i64>().map_or(Value::String(text), Value::from),
        Shape::Timestamp => {
            let trimmed = text.trim();
            if let Ok(seconds) = trimmed.parse::<f64>() {
                Value::from(seconds)
            } else if let Ok(at) = time::OffsetDateTime::parse(trimmed, &time::format_description::well_known::Rfc3339)
            {
                // JSON protocols take timestamps as epoch seconds.
                Value::from(at.unix_timestamp())
            } else {
                Value::String(text)
            }
        }
        Shape::Blob => Value::String(base64::engine::general_purpose::STANDARD.encode(text.as_bytes())),
        Shape::Map => match serde_json::from_str::<Value>(&text) {
            Ok(map @ Value::Object(_)) => map,
            _ => Value::String(text),
        },
        Shape::List => match serde_json::from_str::<Value>(&text) {
            Ok(list @ Value::Array(_)) => list,
            _ => Value::Array(
                text.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_owned()))
                    .collect(),
            ),
        },
    }
}

/// The action's request, before it is addressed and signed.
#[derive(Debug)]
struct Built {
    method: Method,
    path_and_query: String,
    headers: HeaderMap,
    body: Bytes,
    region: String,
}

/// Sends the action to `--aws-endpoint` and answers with the service's status and body.
pub async fn invoke(
    service: &AwsService,
    timeout: Duration,
    call: &Call,
    path: &str,
    env: &Env<'_>,
) -> Response<Bytes> {
    let subtype = service.subtype;
    let Some(endpoint) = env.aws else {
        tracing::warn!(
            subtype = subtype.name,
            "AWS service integrations need --aws-endpoint (e.g. a moto server); none is configured"
        );
        return internal_error();
    };
    // In a block: the source is not `Send`, and must be gone before the request is awaited.
    let built = {
        let context = |name: &str| call.context_variable(name);
        let source = Source {
            headers: &call.headers,
            raw_query: &call.raw_query,
            path,
            path_parameters: &call.path_params,
            body: &call.body,
            context: &context,
            stage_variables: &call.stage_variables,
        };
        service.build(&Evaluator::new(&source), &call.region)
    };
    let text = format!("{}{}", endpoint.url, built.path_and_query);
    let Ok(uri) = text.parse::<Uri>() else {
        tracing::warn!(uri = text, "AWS service integration request uri is invalid");
        return internal_error();
    };
    let Built {
        method,
        mut headers,
        body,
        region,
        ..
    } = built;
    let keys = Keys {
        access_key_id: &endpoint.access_key_id,
        secret_access_key: &endpoint.secret_access_key,
        session_token: endpoint.session_token.as_deref(),
    };
    // `credentialsArn` names a role AWS would assume; locally the endpoint's keys sign.
    sigv4::sign(
        &method,
        &uri,
        &mut headers,
        &body,
        &region,
        subtype.service,
        &keys,
        time::OffsetDateTime::now_utc(),
    );
    let request = OutboundRequest {
        method,
        uri,
        headers,
        body,
        timeout,
        insecure_skip_verification: false,
    };
    match env.client.send(request).await {
        Ok(answer) => {
            tracing::debug!(subtype = subtype.name, status = %answer.status, "AWS service answered");
            let mut response = Response::new(answer.body);
            *response.status_mut() = answer.status;
            let content_type = answer
                .headers
                .get(header::CONTENT_TYPE)
                .cloned()
                .unwrap_or_else(|| HeaderValue::from_static("application/json"));
            response.headers_mut().insert(header::CONTENT_TYPE, content_type);
            response
        }
        Err(OutboundError::Timeout) => {
            tracing::warn!(subtype = subtype.name, ?timeout, "AWS service timed out");
            unavailable()
        }
        Err(error) => {
            tracing::warn!(subtype = subtype.name, %error, "AWS service could not be reached");
            internal_error()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderName;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn context(name: &str) -> Option<String> {
        (name == "requestId").then(|| "req-1".to_owned())
    }

    /// Builds `subtype`'s request for a call with `body` and an `x-group` header.
    fn build(subtype: &str, pairs: &[(&str, &str)], body: &str) -> Built {
        let service = AwsService::compile(subtype, Some(&map(pairs))).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(HeaderName::from_static("x-group"), HeaderValue::from_static("g1"));
        let stage_variables = BTreeMap::new();
        let source = Source {
            headers: &headers,
            raw_query: "id=42&names=a,b",
            path: "/send",
            path_parameters: &[],
            body: body.as_bytes(),
            context: &context,
            stage_variables: &stage_variables,
        };
        service.build(&Evaluator::new(&source), "us-east-1")
    }

    fn json(built: &Built) -> Value {
        serde_json::from_slice(&built.body).unwrap()
    }

    fn target(built: &Built) -> &str {
        built.headers["x-amz-target"].to_str().unwrap()
    }

    #[test]
    fn sqs_send_message_is_json_with_typed_members() {
        let built = build(
            "SQS-SendMessage",
            &[
                ("QueueUrl", "http://localhost/000000000000/q"),
                ("MessageBody", "$request.body.message"),
                ("DelaySeconds", "5"),
                ("MessageGroupId", "$request.header.x-group"),
                ("MessageDeduplicationId", "${context.requestId}"),
                ("MessageAttributes", "$request.body.attributes"),
            ],
            r#"{"message":"hello","attributes":{"a":{"DataType":"String","StringValue":"1"}}}"#,
        );
        assert_eq!(built.method, Method::POST);
        assert_eq!(built.path_and_query, "/");
        assert_eq!(target(&built), "AmazonSQS.SendMessage");
        assert_eq!(built.headers[header::CONTENT_TYPE], "application/x-amz-json-1.0");
        assert_eq!(built.region, "us-east-1");
        assert_eq!(
            json(&built),
            serde_json::json!({
                "QueueUrl": "http://localhost/000000000000/q",
                "MessageBody": "hello",
                "DelaySeconds": 5,
                "MessageGroupId": "g1",
                "MessageDeduplicationId": "req-1",
                "MessageAttributes": {"a": {"DataType": "String", "StringValue": "1"}},
            })
        );
    }

    #[test]
    fn empty_values_are_left_out_and_region_is_signed_for() {
        let built = build(
            "SQS-ReceiveMessage",
            &[
                ("QueueUrl", "q"),
                ("MaxNumberOfMessages", "$request.querystring.max"),
                ("AttributeNames", "$request.querystring.names"),
                ("MessageAttributeNames", r#"["All"]"#),
                ("Region", "eu-west-1"),
            ],
            "",
        );
        assert_eq!(built.region, "eu-west-1");
        assert_eq!(
            json(&built),
            serde_json::json!({"QueueUrl": "q", "AttributeNames": ["a", "b"], "MessageAttributeNames": ["All"]})
        );
        let other = build("SQS-DeleteMessage", &[("QueueUrl", "q"), ("ReceiptHandle", "rh")], "");
        assert_eq!(target(&other), "AmazonSQS.DeleteMessage");
        assert_eq!(
            target(&build("SQS-PurgeQueue", &[("QueueUrl", "q")], "")),
            "AmazonSQS.PurgeQueue"
        );
    }

    #[test]
    fn eventbridge_sends_one_entry() {
        let built = build(
            "EventBridge-PutEvents",
            &[
                ("Detail", "$request.body"),
                ("DetailType", "order"),
                ("Source", "shop"),
                ("Resources", "arn:a, arn:b"),
                ("Time", "1700000000"),
            ],
            r#"{"id":1}"#,
        );
        assert_eq!(target(&built), "AWSEvents.PutEvents");
        assert_eq!(built.headers[header::CONTENT_TYPE], "application/x-amz-json-1.1");
        assert_eq!(
            json(&built),
            serde_json::json!({"Entries": [{
                "Detail": r#"{"id":1}"#,
                "DetailType": "order",
                "Source": "shop",
                "Resources": ["arn:a", "arn:b"],
                "Time": 1700000000.0,
            }]})
        );
    }

    #[test]
    fn kinesis_data_is_base64_and_step_functions_take_input() {
        let built = build(
            "Kinesis-PutRecord",
            &[
                ("StreamName", "s"),
                ("Data", "$request.body"),
                ("PartitionKey", "$request.querystring.id"),
            ],
            "raw bytes",
        );
        assert_eq!(target(&built), "Kinesis_20131202.PutRecord");
        assert_eq!(
            json(&built),
            serde_json::json!({"StreamName": "s", "Data": "cmF3IGJ5dGVz", "PartitionKey": "42"})
        );
        let start = build(
            "StepFunctions-StartExecution",
            &[("StateMachineArn", "arn:sm"), ("Input", "$request.body")],
            r#"{"x":1}"#,
        );
        assert_eq!(target(&start), "AWSStepFunctions.StartExecution");
        assert_eq!(
            json(&start),
            serde_json::json!({"stateMachineArn": "arn:sm", "input": r#"{"x":1}"#})
        );
        let sync = build("StepFunctions-StartSyncExecution", &[("StateMachineArn", "arn:sm")], "");
        assert_eq!(target(&sync), "AWSStepFunctions.StartSyncExecution");
        let stop = build(
            "StepFunctions-StopExecution",
            &[("ExecutionArn", "arn:ex"), ("Cause", "done")],
            "",
        );
        assert_eq!(target(&stop), "AWSStepFunctions.StopExecution");
        assert_eq!(
            json(&stop),
            serde_json::json!({"executionArn": "arn:ex", "cause": "done"})
        );
    }

    #[test]
    fn appconfig_is_a_get_with_its_path() {
        let built = build(
            "AppConfig-GetConfiguration",
            &[
                ("Application", "my app"),
                ("Environment", "prod"),
                ("Configuration", "flags"),
                ("ClientId", "$context.requestId"),
                ("ClientConfigurationVersion", "3"),
            ],
            "",
        );
        assert_eq!(built.method, Method::GET);
        assert_eq!(
            built.path_and_query,
            "/applications/my%20app/environments/prod/configurations/flags?client_id=req-1&client_configuration_version=3"
        );
        assert!(built.body.is_empty());
        assert!(!built.headers.contains_key("x-amz-target"));
    }

    #[test]
    fn refused_integrations() {
        let compile = |subtype: &str, pairs: &[(&str, &str)]| AwsService::compile(subtype, Some(&map(pairs)));
        assert_eq!(
            compile("SQS-Nope", &[]).unwrap_err(),
            "integration subtype SQS-Nope is not supported"
        );
        assert_eq!(
            compile("SQS-SendMessage", &[("QueueUrl", "q")]).unwrap_err(),
            "parameter MessageBody is required for subtype SQS-SendMessage"
        );
        assert_eq!(
            compile("SQS-PurgeQueue", &[("QueueUrl", "q"), ("MessageBody", "x")]).unwrap_err(),
            "parameter MessageBody is not supported for subtype SQS-PurgeQueue"
        );
        assert!(
            compile("SQS-PurgeQueue", &[("QueueUrl", "${request.nope}")])
                .unwrap_err()
                .starts_with("parameter QueueUrl: Invalid mapping expression specified")
        );
        assert!(AwsService::compile("SQS-PurgeQueue", None).is_err());
        assert!(compile("SQS-PurgeQueue", &[("QueueUrl", "q"), ("Region", "$request.header.r")]).is_ok());
    }

    #[test]
    fn values_are_typed_and_stay_text_when_they_do_not_read() {
        assert_eq!(typed(Shape::Timestamp, "yesterday".into()), Value::from("yesterday"));
        assert_eq!(typed(Shape::Integer, "five".into()), Value::from("five"));
        assert_eq!(typed(Shape::Map, "[1]".into()), Value::from("[1]"));
        assert_eq!(
            typed(Shape::Timestamp, "2024-01-01T00:00:00Z".into()),
            Value::from(1_704_067_200)
        );
    }
}

//! AWS_IAM: the request must be SigV4-signed (an `Authorization` header, or a presigned query)
//! for service `execute-api` in the API's region, with one of the configured credentials
//! (`--iam-credentials`). The canonical request is rebuilt from the request as it arrived (the
//! path as the client sent it, the query, the signed headers, the body's hash) with
//! `portico_http::sigv4`, the same code the outbound signer uses, and the signature compared in
//! constant time. Refusals are 403s with AWS's messages. Any valid credential may call: IAM
//! policies are not evaluated.

use super::forbidden;
use crate::context::RequestContext;
use base64::Engine;
use bytes::Bytes;
use http::Response;
use portico_http::sigv4::{self as v4, CanonicalRequest};
use std::collections::HashMap;
use time::OffsetDateTime;

const SERVICE: &str = "execute-api";

/// How far a request's date may be from now, either way.
const MAX_SKEW_SECONDS: i64 = 5 * 60;

/// The credentials AWS_IAM methods accept.
#[derive(Debug, Default)]
pub struct IamCredentials {
    secrets: HashMap<String, String>,
    default_account: String,
}

/// What checking a signature reads of a request.
pub struct SignedRequest<'a> {
    pub method: &'a http::Method,
    pub uri: &'a http::Uri,
    pub raw_query: &'a str,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
    /// The API's region, which the credential scope must name.
    pub region: &'a str,
}

impl SignedRequest<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Who signed a request (`$context.identity`), as AWS names the root user of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub access_key: String,
    pub account_id: String,
    pub caller: String,
    pub user: String,
    pub user_arn: String,
}

/// The signature's parts, from the header or the query.
#[derive(Debug)]
struct Signed {
    access_key: String,
    scope_date: String,
    scope_region: String,
    scope_service: String,
    signed_headers: Vec<String>,
    signature: String,
    timestamp: String,
    /// `X-Amz-Expires` of a presigned URL.
    expires: Option<i64>,
}

/// Why a request is refused: AWS's error type and message, answered with a 403.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub error_type: &'static str,
    pub message: String,
}

impl Refusal {
    pub fn answer(self) -> Response<Bytes> {
        forbidden(self.error_type, &self.message)
    }
}

fn refusal(error_type: &'static str, message: &str) -> Refusal {
    Refusal {
        error_type,
        message: message.to_owned(),
    }
}

fn missing_token() -> Refusal {
    refusal("MissingAuthenticationTokenException", "Missing Authentication Token")
}

fn incomplete(message: &str) -> Refusal {
    refusal("IncompleteSignatureException", message)
}

fn invalid(message: &str) -> Refusal {
    refusal("InvalidSignatureException", message)
}

/// AWS names a header it will not echo by its hash.
fn hashed(value: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(ring::digest::digest(&ring::digest::SHA256, value.as_bytes()))
}

/// `20261128T101500Z`.
fn stamp(at: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

fn parse_stamp(text: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(text, &format)
        .ok()
        .map(|t| t.assume_utc())
}

/// An HTTP `Date` header (`Sun, 29 Nov 2026 10:15:00 GMT`) as a SigV4 timestamp.
fn http_date_stamp(text: &str) -> Option<String> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(text.trim(), &format)
        .ok()
        .map(|t| stamp(t.assume_utc()))
}

impl IamCredentials {
    /// `pairs`: access key and secret; an empty list takes `test:test`, as AWS's local tools do.
    pub fn new(pairs: &[(String, String)], default_account: &str) -> IamCredentials {
        let mut secrets: HashMap<String, String> = pairs.iter().cloned().collect();
        if secrets.is_empty() {
            secrets.insert("test".into(), "test".into());
        }
        IamCredentials {
            secrets,
            default_account: if default_account.is_empty() {
                "000000000000".into()
            } else {
                default_account.into()
            },
        }
    }

    /// Who signed the request, or AWS's 403.
    pub fn verify(&self, ctx: &RequestContext, now: OffsetDateTime) -> Result<Caller, Refusal> {
        let request = SignedRequest {
            method: &ctx.method,
            uri: &ctx.uri,
            raw_query: &ctx.raw_query,
            headers: &ctx.headers,
            body: &ctx.body,
            region: &ctx.region,
        };
        self.verify_request(&request, now)
    }

    /// `verify` for any request (HTTP APIs' included).
    pub fn verify_request(&self, ctx: &SignedRequest<'_>, now: OffsetDateTime) -> Result<Caller, Refusal> {
        let query = ctx.raw_query;
        let presigned = query_value(query, "X-Amz-Algorithm").is_some();
        let signed = match (ctx.header("authorization"), presigned) {
            (Some(header), _) => from_header(header, ctx)?,
            (None, true) => from_query(query)?,
            (None, false) => return Err(missing_token()),
        };
        self.check_scope(&signed, ctx)?;
        let Some(secret) = self.secrets.get(&signed.access_key) else {
            return Err(refusal(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ));
        };
        check_time(&signed, now)?;
        if !signed.signed_headers.iter().any(|h| h == "host") {
            return Err(invalid(
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            ));
        }
        let headers: Vec<(String, String)> = signed
            .signed_headers
            .iter()
            .map(|name| {
                let values = ctx.headers.get_all(name.as_str()).iter().map(|v| v.as_bytes());
                let mut value = v4::canonical_header_value(values);
                // HTTP/2 clients name the host in `:authority`.
                if name == "host" && value.is_empty() {
                    value = ctx.uri.authority().map(|a| a.to_string()).unwrap_or_default();
                }
                (name.clone(), value)
            })
            .collect();
        let uri = v4::canonical_uri(ctx.uri.path());
        let canonical_query = v4::canonical_query(query, presigned.then_some("X-Amz-Signature"));
        let scope = v4::scope(&signed.scope_date, &signed.scope_region, &signed.scope_service);
        let key = v4::signing_key(secret, &signed.scope_date, &signed.scope_region, &signed.scope_service);
        let body_hash = v4::sha256_hex(ctx.body);
        // The body's own hash; a client that did not hash it says so. A presigned URL may
        // have been signed either way.
        let claimed = ctx.header("x-amz-content-sha256").map(str::trim);
        let mut hashes = vec![match claimed {
            Some(v4::UNSIGNED_PAYLOAD) => v4::UNSIGNED_PAYLOAD,
            _ => body_hash.as_str(),
        }];
        if presigned && claimed.is_none() {
            hashes.push(v4::UNSIGNED_PAYLOAD);
        }
        let mut first = None;
        for payload_hash in hashes {
            let canonical = CanonicalRequest {
                method: ctx.method.as_str(),
                uri: &uri,
                query: &canonical_query,
                headers: &headers,
                payload_hash,
            }
            .text();
            let string_to_sign = v4::string_to_sign(&signed.timestamp, &scope, &canonical);
            if v4::verify(&key, &string_to_sign, &signed.signature) {
                let account_id = v4::account_for(&signed.access_key, &self.default_account);
                return Ok(Caller {
                    access_key: signed.access_key,
                    caller: account_id.clone(),
                    user: account_id.clone(),
                    user_arn: format!("arn:aws:iam::{account_id}:root"),
                    account_id,
                });
            }
            first.get_or_insert((canonical, string_to_sign));
        }
        let (canonical, string_to_sign) = first.unwrap_or_default();
        Err(invalid(&format!(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'{canonical}'\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n"
        )))
    }

    fn check_scope(&self, signed: &Signed, ctx: &SignedRequest<'_>) -> Result<(), Refusal> {
        if signed.scope_service != SERVICE {
            return Err(invalid(&format!(
                "Credential should be scoped to correct service: '{SERVICE}'. "
            )));
        }
        if signed.scope_region != ctx.region {
            return Err(invalid(&format!(
                "Credential should be scoped to a valid region, not '{}'. ",
                signed.scope_region
            )));
        }
        if !signed.timestamp.starts_with(&signed.scope_date) {
            return Err(invalid(&format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{}'.",
                signed.scope_date,
                signed.timestamp.get(..8).unwrap_or_default(),
                signed.timestamp
            )));
        }
        Ok(())
    }
}

fn check_time(signed: &Signed, now: OffsetDateTime) -> Result<(), Refusal> {
    let Some(at) = parse_stamp(&signed.timestamp) else {
        return Err(incomplete(&format!(
            "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
            signed.timestamp
        )));
    };
    let skew = time::Duration::seconds(MAX_SKEW_SECONDS);
    if let Some(expires) = signed.expires {
        let until = at + time::Duration::seconds(expires);
        if now > until {
            return Err(invalid(&format!(
                "Signature expired: {} is now earlier than {} ({} - {expires} sec.)",
                signed.timestamp,
                stamp(now - time::Duration::seconds(expires)),
                stamp(now)
            )));
        }
    } else if at < now - skew {
        return Err(invalid(&format!(
            "Signature expired: {} is now earlier than {} ({} - 5 min.)",
            signed.timestamp,
            stamp(now - skew),
            stamp(now)
        )));
    }
    if at > now + skew {
        return Err(invalid(&format!(
            "Signature not yet current: {} is still later than {} ({} + 5 min.)",
            signed.timestamp,
            stamp(now + skew),
            stamp(now)
        )));
    }
    Ok(())
}

/// `Credential=AK/20261128/us-east-1/execute-api/aws4_request` split up.
fn credential(text: &str) -> Option<(String, String, String, String)> {
    let mut parts = text.rsplitn(5, '/');
    let terminator = parts.next()?;
    let service = parts.next()?;
    let region = parts.next()?;
    let date = parts.next()?;
    let access_key = parts.next()?;
    (terminator == "aws4_request" && !access_key.is_empty()).then(|| {
        (
            access_key.to_owned(),
            date.to_owned(),
            region.to_owned(),
            service.to_owned(),
        )
    })
}

fn bad_credential(text: &str) -> Refusal {
    incomplete(&format!(
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{text}'"
    ))
}

fn from_header(header: &str, ctx: &SignedRequest<'_>) -> Result<Signed, Refusal> {
    let value = header.trim();
    let (algorithm, rest) = value.split_once(' ').unwrap_or((value, ""));
    let mut fields: HashMap<&str, &str> = HashMap::new();
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, field)) = part.split_once('=') else {
            return Err(incomplete(&format!(
                "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '{}'.",
                hashed(value)
            )));
        };
        fields.insert(name.trim(), field.trim());
    }
    let timestamp = ctx
        .header("x-amz-date")
        .map(|d| d.trim().to_owned())
        .or_else(|| ctx.header("date").and_then(http_date_stamp));
    let mut missing = Vec::new();
    for name in ["Credential", "Signature", "SignedHeaders"] {
        if fields.get(name).is_none_or(|v| v.is_empty()) {
            missing.push(format!("Authorization header requires '{name}' parameter."));
        }
    }
    if timestamp.is_none() {
        missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".into());
    }
    if !missing.is_empty() {
        return Err(incomplete(&format!(
            "{} (Hashed with SHA-256 and encoded with Base64) Authorization={}",
            missing.join(" "),
            hashed(value)
        )));
    }
    if algorithm != v4::ALGORITHM {
        return Err(incomplete(&format!(
            "Unsupported AWS 'algorithm': '{algorithm}'. Valid algorithms: {}",
            v4::ALGORITHM
        )));
    }
    let text = fields["Credential"];
    let (access_key, scope_date, scope_region, scope_service) = credential(text).ok_or_else(|| bad_credential(text))?;
    Ok(Signed {
        access_key,
        scope_date,
        scope_region,
        scope_service,
        signed_headers: fields["SignedHeaders"]
            .split(';')
            .map(str::to_ascii_lowercase)
            .collect(),
        signature: fields["Signature"].to_owned(),
        timestamp: timestamp.unwrap_or_default(),
        expires: None,
    })
}

/// A query parameter, decoded.
fn query_value(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn from_query(query: &str) -> Result<Signed, Refusal> {
    let value = |name| query_value(query, name).filter(|v| !v.is_empty());
    let required = [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Signature",
        "X-Amz-Date",
        "X-Amz-SignedHeaders",
    ];
    let missing: Vec<String> = required
        .iter()
        .filter(|name| value(name).is_none())
        .map(|name| format!("'{name}'"))
        .collect();
    if !missing.is_empty() {
        return Err(incomplete(&format!(
            "AWS query-string parameters must include {}. Re-examine the query-string parameters.",
            missing.join(", ")
        )));
    }
    let get = |name| value(name).unwrap_or_default();
    let algorithm = get("X-Amz-Algorithm");
    if algorithm != v4::ALGORITHM {
        return Err(incomplete(&format!(
            "Unsupported AWS 'algorithm': '{algorithm}'. Valid algorithms: {}",
            v4::ALGORITHM
        )));
    }
    let text = get("X-Amz-Credential");
    let (access_key, scope_date, scope_region, scope_service) =
        credential(&text).ok_or_else(|| bad_credential(&text))?;
    let expires = match value("X-Amz-Expires") {
        None => None,
        Some(text) => match text.parse::<i64>() {
            Ok(seconds) if (1..=604_800).contains(&seconds) => Some(seconds),
            _ => {
                return Err(incomplete(&format!(
                    "X-Amz-Expires must be a number of seconds between 1 and 604800, got '{text}'"
                )));
            }
        },
    };
    Ok(Signed {
        access_key,
        scope_date,
        scope_region,
        scope_service,
        signed_headers: get("X-Amz-SignedHeaders")
            .split(';')
            .map(str::to_ascii_lowercase)
            .collect(),
        signature: get("X-Amz-Signature"),
        timestamp: get("X-Amz-Date"),
        // Without X-Amz-Expires, the same window as a signed header.
        expires: expires.or(Some(MAX_SKEW_SECONDS)),
    })
}

#[cfg(test)]
mod tests {
    //! Expected signatures come from botocore's `SigV4Auth` / `SigV4QueryAuth` (1.43), the
    //! signer AWS's CLI and boto3 use, over the same requests.

    use super::*;
    use http::HeaderMap;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-28 10:15:00 UTC);

    fn credentials() -> IamCredentials {
        IamCredentials::new(
            &[
                ("AKIDEXAMPLE".into(), "secret".into()),
                ("123456789012".into(), "other".into()),
            ],
            "000000000000",
        )
    }

    fn request(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> RequestContext {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        let mut ctx = RequestContext::test(map);
        ctx.method = method.parse().unwrap();
        ctx.uri = uri.parse().unwrap();
        ctx.raw_query = ctx.uri.query().unwrap_or_default().to_owned();
        ctx.body = Bytes::from(body.to_owned());
        ctx
    }

    fn message(refusal: &Refusal) -> String {
        refusal.message.clone()
    }

    fn error_type(refusal: &Refusal) -> &str {
        refusal.error_type
    }

    /// botocore: `SigV4Auth(Credentials('AKIDEXAMPLE', 'secret'), 'execute-api', 'us-east-1')`
    /// on this request at 20261128T101500Z (`host` comes from the URL).
    fn botocore_post(signature: &str) -> RequestContext {
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/execute-api/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-multi, Signature={signature}"
        );
        request(
            "POST",
            "http://localhost:4566/_aws/execute-api/api1/dev/pets/a%20b?b=2&a=1",
            &[
                ("host", "localhost:4566"),
                ("content-type", "application/json"),
                ("x-multi", "  a   b  "),
                ("x-amz-date", "20261128T101500Z"),
                ("authorization", &authorization),
            ],
            r#"{"x":1}"#,
        )
    }

    const POST_SIGNATURE: &str = "7eef8552aa15efb02a6f0ea6fe549d1b26dc3786914e29def1a29708a29adbd0";

    #[test]
    fn botocore_signatures_verify() {
        let caller = credentials().verify(&botocore_post(POST_SIGNATURE), NOW).unwrap();
        assert_eq!(
            caller,
            Caller {
                access_key: "AKIDEXAMPLE".into(),
                account_id: "000000000000".into(),
                caller: "000000000000".into(),
                user: "000000000000".into(),
                user_arn: "arn:aws:iam::000000000000:root".into(),
            }
        );
        // Host form, a session token, a 12-digit key (its own account).
        let get = request(
            "GET",
            "http://api1.execute-api.localhost:4566/dev/pets?name=x%2By",
            &[
                ("host", "api1.execute-api.localhost:4566"),
                ("x-amz-date", "20261128T101500Z"),
                ("x-amz-security-token", "session-token"),
                (
                    "authorization",
                    "AWS4-HMAC-SHA256 Credential=123456789012/20261128/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=6ffdf6e4a504086f70d5393cf048804ecb910a5736f1551ae9c338ed60ec7f31",
                ),
            ],
            "",
        );
        let caller = credentials().verify(&get, NOW).unwrap();
        assert_eq!(caller.account_id, "123456789012");
        assert_eq!(caller.user_arn, "arn:aws:iam::123456789012:root");
        // SigV4QueryAuth, X-Amz-Expires=600.
        let presigned = request(
            "GET",
            "http://localhost:4566/_aws/execute-api/api1/dev/pets?name=x&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261128%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Date=20261128T101500Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Signature=b5e34b7d90cea427142b2c3a96156d7d49a2e014cf20e2d50989a2f8a4460082",
            &[("host", "localhost:4566")],
            "",
        );
        assert!(
            credentials()
                .verify(&presigned, NOW + time::Duration::minutes(9))
                .is_ok()
        );
        let late = credentials()
            .verify(&presigned, NOW + time::Duration::minutes(11))
            .unwrap_err();
        assert!(
            message(&late).starts_with("Signature expired: 20261128T101500Z"),
            "{}",
            message(&late)
        );
    }

    #[test]
    fn tampering_and_wrong_secrets_do_not_verify() {
        let mut body = botocore_post(POST_SIGNATURE);
        body.body = Bytes::from_static(br#"{"x":2}"#);
        let refusal = credentials().verify(&body, NOW).unwrap_err();
        assert_eq!(error_type(&refusal), "InvalidSignatureException");
        assert!(message(&refusal).starts_with(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'POST\n/_aws/execute-api/api1/dev/pets/a%2520b\na=1&b=2\ncontent-type:application/json\nhost:localhost:4566\n"
        ), "{}", message(&refusal));
        let other_secret = IamCredentials::new(&[("AKIDEXAMPLE".into(), "not-secret".into())], "");
        let refusal = other_secret.verify(&botocore_post(POST_SIGNATURE), NOW).unwrap_err();
        assert_eq!(error_type(&refusal), "InvalidSignatureException");
        let unknown = IamCredentials::new(&[], "");
        let refusal = unknown.verify(&botocore_post(POST_SIGNATURE), NOW).unwrap_err();
        assert_eq!(
            (error_type(&refusal), message(&refusal).as_str()),
            (
                "UnrecognizedClientException",
                "The security token included in the request is invalid."
            )
        );
        let refusal = credentials().verify(&botocore_post(&"0".repeat(64)), NOW).unwrap_err();
        assert_eq!(error_type(&refusal), "InvalidSignatureException");
    }

    #[test]
    fn dates_too_far_from_now() {
        let refusal = credentials()
            .verify(&botocore_post(POST_SIGNATURE), NOW + time::Duration::minutes(6))
            .unwrap_err();
        assert_eq!(
            message(&refusal),
            "Signature expired: 20261128T101500Z is now earlier than 20261128T101600Z (20261128T102100Z - 5 min.)"
        );
        assert_eq!(error_type(&refusal), "InvalidSignatureException");
        let refusal = credentials()
            .verify(&botocore_post(POST_SIGNATURE), NOW - time::Duration::minutes(6))
            .unwrap_err();
        assert!(message(&refusal).starts_with("Signature not yet current: 20261128T101500Z is still later than"));
        assert!(
            credentials()
                .verify(&botocore_post(POST_SIGNATURE), NOW + time::Duration::minutes(4))
                .is_ok()
        );
    }

    #[test]
    fn scopes_name_the_service_and_the_api_region() {
        let mut ctx = botocore_post(POST_SIGNATURE);
        ctx.region = "eu-west-1".into();
        let refusal = credentials().verify(&ctx, NOW).unwrap_err();
        assert_eq!(
            message(&refusal),
            "Credential should be scoped to a valid region, not 'us-east-1'. "
        );
        let wrong_service = request(
            "GET",
            "http://localhost/x",
            &[
                ("x-amz-date", "20261128T101500Z"),
                (
                    "authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
                ),
            ],
            "",
        );
        let refusal = credentials().verify(&wrong_service, NOW).unwrap_err();
        assert_eq!(
            message(&refusal),
            "Credential should be scoped to correct service: 'execute-api'. "
        );
    }

    #[test]
    fn missing_token_without_any_signature() {
        let ctx = request("GET", "http://localhost/_aws/execute-api/api1/dev/", &[], "");
        let refusal = credentials().verify(&ctx, NOW).unwrap_err();
        assert_eq!(error_type(&refusal), "MissingAuthenticationTokenException");
        assert_eq!(message(&refusal), "Missing Authentication Token");
        let answer = refusal.answer();
        assert_eq!(answer.status(), 403);
        assert_eq!(
            answer.headers()["x-amzn-ErrorType"],
            "MissingAuthenticationTokenException"
        );
        assert_eq!(answer.body(), r#"{"message":"Missing Authentication Token"}"#);
    }

    #[test]
    fn headers_that_are_not_signatures() {
        let bearer = request(
            "GET",
            "http://localhost/x",
            &[("authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig")],
            "",
        );
        let refusal = credentials().verify(&bearer, NOW).unwrap_err();
        assert_eq!(error_type(&refusal), "IncompleteSignatureException");
        assert!(message(&refusal).starts_with("Invalid key=value pair (missing equal-sign) in Authorization header"));
        let raw = request("GET", "http://localhost/x", &[("authorization", "abc")], "");
        let refusal = credentials().verify(&raw, NOW).unwrap_err();
        assert_eq!(error_type(&refusal), "IncompleteSignatureException");
        assert!(
            message(&refusal).starts_with(
                "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
            ),
            "{}",
            message(&refusal)
        );
    }

    #[test]
    fn credential_scopes() {
        assert_eq!(
            credential("AK/20261128/us-east-1/execute-api/aws4_request"),
            Some(("AK".into(), "20261128".into(), "us-east-1".into(), "execute-api".into()))
        );
        assert_eq!(credential("AK/20261128/us-east-1/execute-api"), None);
        assert_eq!(credential("20261128/us-east-1/execute-api/aws4_request"), None);
    }

    #[test]
    fn dates() {
        assert_eq!(
            http_date_stamp("Sat, 28 Nov 2026 10:15:00 GMT").as_deref(),
            Some("20261128T101500Z")
        );
        assert_eq!(parse_stamp("20261128T101500Z"), Some(NOW));
        assert_eq!(stamp(NOW), "20261128T101500Z");
    }
}

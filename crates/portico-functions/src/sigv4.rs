//! AWS Signature Version 4 for the calls to another Lambda endpoint; the canonical request
//! and the keys come from `portico_http::sigv4`, which the data plane's verifier shares.

use crate::Credentials;
use http::{HeaderMap, Method, Uri};
use portico_http::sigv4 as v4;
use time::OffsetDateTime;

pub(crate) use v4::RESERVED;

/// Who signs, for which service and region.
pub(crate) struct Signer<'a> {
    pub(crate) region: &'a str,
    pub(crate) service: &'a str,
    pub(crate) credentials: &'a Credentials,
}

/// Adds `Host`, `X-Amz-Date`, `X-Amz-Security-Token` (with a session token) and
/// `Authorization` to `headers` (see `portico_http::sigv4::sign`).
pub(crate) fn sign(
    method: &Method,
    uri: &Uri,
    headers: &mut HeaderMap,
    body: &[u8],
    signer: &Signer<'_>,
    now: OffsetDateTime,
) {
    let keys = v4::Keys {
        access_key_id: &signer.credentials.access_key_id,
        secret_access_key: &signer.credentials.secret_access_key,
        session_token: signer.credentials.session_token.as_deref(),
    };
    v4::sign(method, uri, headers, body, signer.region, signer.service, &keys, now);
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use time::macros::datetime;

    fn example() -> Credentials {
        Credentials {
            access_key_id: "AKIDEXAMPLE".to_owned(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_owned(),
            session_token: None,
        }
    }

    /// AWS's SigV4 test suite, `get-vanilla`.
    #[test]
    fn signs_the_aws_test_suite_get_vanilla() {
        let mut headers = HeaderMap::new();
        let uri: Uri = "https://example.amazonaws.com/".parse().unwrap();
        sign(
            &Method::GET,
            &uri,
            &mut headers,
            b"",
            &Signer {
                region: "us-east-1",
                service: "service",
                credentials: &example(),
            },
            datetime!(2015-08-30 12:36:00 UTC),
        );
        assert_eq!(
            headers["authorization"],
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(headers["x-amz-date"], "20150830T123600Z");
    }

    /// A Lambda Invoke with a session token, a query and a name needing encoding; the
    /// expected value was computed with botocore's `SigV4Auth`.
    #[test]
    fn signs_like_botocore() {
        let mut headers = HeaderMap::new();
        let uri: Uri = "http://127.0.0.1:9999/2015-03-31/functions/my%3Afn/invocations?Qualifier=1"
            .parse()
            .unwrap();
        let credentials = Credentials {
            access_key_id: "test".to_owned(),
            secret_access_key: "test".to_owned(),
            session_token: Some("tok".to_owned()),
        };
        sign(
            &Method::POST,
            &uri,
            &mut headers,
            br#"{"a":1}"#,
            &Signer {
                region: "eu-west-1",
                service: "lambda",
                credentials: &credentials,
            },
            datetime!(2026-01-02 03:04:05 UTC),
        );
        assert_eq!(
            headers["authorization"],
            "AWS4-HMAC-SHA256 Credential=test/20260102/eu-west-1/lambda/aws4_request, \
             SignedHeaders=host;x-amz-date;x-amz-security-token, \
             Signature=bb11ca9de729da9d24a474a44bfa9873134dc8ecd7aab0a5178d40d697a97820"
        );
        assert_eq!(headers["host"], "127.0.0.1:9999");
        assert_eq!(headers["x-amz-security-token"], "tok");
    }

    /// The headers the endpoint backend sends are signed, the trace header is not
    /// (botocore's choice); expected value from botocore.
    #[test]
    fn signs_sent_headers_but_the_trace_header() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("x-amz-invocation-type", HeaderValue::from_static("RequestResponse"));
        headers.insert("x-amzn-trace-id", HeaderValue::from_static("Root=1-abc"));
        let uri: Uri = "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/my-fn/invocations"
            .parse()
            .unwrap();
        let credentials = Credentials {
            access_key_id: "AKID".to_owned(),
            secret_access_key: "SECRET".to_owned(),
            session_token: None,
        };
        let signer = Signer {
            region: "eu-west-1",
            service: "lambda",
            credentials: &credentials,
        };
        sign(
            &Method::POST,
            &uri,
            &mut headers,
            b"{}",
            &signer,
            datetime!(2026-01-02 03:04:05 UTC),
        );
        assert_eq!(
            headers["authorization"],
            "AWS4-HMAC-SHA256 Credential=AKID/20260102/eu-west-1/lambda/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date;x-amz-invocation-type, \
             Signature=d4d012e84eb933236487e3e85d89da1f646bbe2c22178ade5fb5524a5a82843f"
        );
    }
}

//! Who is calling and where, read from the SigV4 credential scope (not verified yet).

/// `(access key, region)` from `Authorization: AWS4-HMAC-SHA256 Credential=AK/date/region/service/aws4_request, ...`
/// or from a presigned URL's `X-Amz-Credential`.
pub fn credential_scope(authorization: Option<&str>, query: &str) -> Option<(String, String)> {
    let credential = match authorization {
        Some(auth) => auth
            .split([',', ' '])
            .find_map(|part| part.trim().strip_prefix("Credential="))
            .map(str::to_string)?,
        None => form_credential(query)?,
    };
    let mut parts = credential.split('/');
    let access_key = parts.next()?.to_string();
    let _date = parts.next()?;
    let region = parts.next()?.to_string();
    Some((access_key, region))
}

fn form_credential(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == "X-Amz-Credential").then(|| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
    })
}

/// A 12-digit access key is its own account; anything else maps to the default one (the same
/// rule as execute-api's AWS_IAM callers).
pub use portico_http::sigv4::account_for;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_scope() {
        let auth = "AWS4-HMAC-SHA256 Credential=test/20261125/eu-west-1/apigateway/aws4_request, SignedHeaders=host, Signature=abc";
        assert_eq!(
            credential_scope(Some(auth), ""),
            Some(("test".into(), "eu-west-1".into()))
        );
    }

    #[test]
    fn presigned_scope() {
        let q = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=123456789012%2F20261125%2Fus-west-2%2Fapigateway%2Faws4_request";
        assert_eq!(
            credential_scope(None, q),
            Some(("123456789012".into(), "us-west-2".into()))
        );
    }

    #[test]
    fn unsigned() {
        assert_eq!(credential_scope(None, "a=b"), None);
    }

    #[test]
    fn accounts() {
        assert_eq!(account_for("123456789012", "000000000000"), "123456789012");
        assert_eq!(account_for("test", "000000000000"), "000000000000");
        assert_eq!(account_for("AKIAIOSFODNN7EXAMPLE", "111111111111"), "111111111111");
    }
}

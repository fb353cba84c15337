//! AWS Signature Version 4's shared parts, on ring's HMAC and SHA-256 (already built for
//! rustls): the canonical request, the string to sign, the signing key and the signature.
//! The Lambda endpoint runner signs with them; the data plane verifies AWS_IAM methods with
//! them, so both sides agree on every byte.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use ring::{digest, hmac};

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The payload hash a client sends when it did not hash the body.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Everything but SigV4's unreserved characters (`A-Z a-z 0-9 - . _ ~`).
pub const RESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, data).as_ref())
}

pub fn encode(text: &str) -> String {
    utf8_percent_encode(text, RESERVED).to_string()
}

/// The canonical URI of a path as sent (already percent-encoded once): dot segments and
/// empty segments removed, as AWS's services and botocore do, then every segment encoded
/// again (every service but S3 encodes twice).
pub fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(path.len() + 8);
    for segment in &segments {
        out.push('/');
        out.push_str(&encode(segment));
    }
    if out.is_empty() || (path.ends_with('/') && !segments.is_empty()) {
        out.push('/');
    }
    out
}

/// The canonical query string: each name and value decoded, encoded again, sorted by name then
/// value. `skip` leaves a parameter out (`X-Amz-Signature` of a presigned URL).
pub fn canonical_query(query: &str, skip: Option<&str>) -> String {
    let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .filter(|(name, _)| skip.is_none_or(|skip| decode(name) != skip))
        .map(|(name, value)| (encode(&decode(name)), encode(&decode(value))))
        .collect();
    pairs.sort();
    let mut out = String::with_capacity(query.len() + 8);
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// A header's values as SigV4 signs them: each trimmed, inner runs of spaces made one, joined
/// with commas.
pub fn canonical_header_value<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> String {
    values
        .into_iter()
        .map(|v| {
            String::from_utf8_lossy(v)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The parts of a canonical request; `headers` are `(lowercase name, canonical value)`,
/// sorted by name.
pub struct CanonicalRequest<'a> {
    pub method: &'a str,
    pub uri: &'a str,
    pub query: &'a str,
    pub headers: &'a [(String, String)],
    pub payload_hash: &'a str,
}

impl CanonicalRequest<'_> {
    /// `SignedHeaders`: the names, `;`-separated.
    pub fn signed_headers(&self) -> String {
        self.headers
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }

    pub fn text(&self) -> String {
        let mut out = format!("{}\n{}\n{}\n", self.method, self.uri, self.query);
        for (name, value) in self.headers {
            out.push_str(name);
            out.push(':');
            out.push_str(value);
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.signed_headers());
        out.push('\n');
        out.push_str(self.payload_hash);
        out
    }
}

/// `{date}/{region}/{service}/aws4_request`.
pub fn scope(date: &str, region: &str, service: &str) -> String {
    format!("{date}/{region}/{service}/aws4_request")
}

/// `AWS4-HMAC-SHA256\n{timestamp}\n{scope}\n{hex(sha256(canonical request))}`.
pub fn string_to_sign(timestamp: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{timestamp}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// The key derived from the secret for one day, region and service.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> hmac::Key {
    let mut key = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, format!("AWS4{secret}").as_bytes()),
        date.as_bytes(),
    );
    for part in [region, service, "aws4_request"] {
        key = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key.as_ref()), part.as_bytes());
    }
    hmac::Key::new(hmac::HMAC_SHA256, key.as_ref())
}

/// The hex signature of `string_to_sign`.
pub fn signature(key: &hmac::Key, string_to_sign: &str) -> String {
    hex(hmac::sign(key, string_to_sign.as_bytes()).as_ref())
}

/// The account of an access key, as Portico maps them: a 12-digit key is its own account,
/// any other belongs to the default one.
pub fn account_for(access_key: &str, default_account: &str) -> String {
    if access_key.len() == 12 && access_key.bytes().all(|b| b.is_ascii_digit()) {
        access_key.to_owned()
    } else {
        default_account.to_owned()
    }
}

/// Whether `given` (hex) is the signature of `string_to_sign`, compared in constant time.
pub fn verify(key: &hmac::Key, string_to_sign: &str, given: &str) -> bool {
    let Some(tag) = unhex(given) else {
        return false;
    };
    hmac::verify(key, string_to_sign.as_bytes(), &tag).is_ok()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        // AWS compares the hex text: uppercase digits are another signature.
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

/// Credentials that sign a request.
pub struct Keys<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
}

/// Signs a request as botocore does: adds `Host`, `X-Amz-Date`, `X-Amz-Security-Token` (with
/// a session token) and `Authorization` to `headers`, signing every header there but the ones
/// proxies may change.
#[allow(clippy::too_many_arguments)]
pub fn sign(
    method: &http::Method,
    uri: &http::Uri,
    headers: &mut http::HeaderMap,
    body: &[u8],
    region: &str,
    service: &str,
    keys: &Keys<'_>,
    now: time::OffsetDateTime,
) {
    use http::HeaderValue;
    let date = format!("{:04}{:02}{:02}", now.year(), u8::from(now.month()), now.day());
    let stamp = format!("{date}T{:02}{:02}{:02}Z", now.hour(), now.minute(), now.second());
    let host = uri.authority().map(|a| a.as_str()).unwrap_or_default();
    let mut added = vec![("host", host.to_owned()), ("x-amz-date", stamp.clone())];
    if let Some(token) = keys.session_token {
        added.push(("x-amz-security-token", token.to_owned()));
    }
    for (name, value) in added {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    const UNSIGNED: [&str; 4] = ["authorization", "user-agent", "expect", "x-amzn-trace-id"];
    let mut signed: Vec<(String, String)> = headers
        .keys()
        .map(|name| name.as_str())
        .filter(|name| !UNSIGNED.contains(name))
        .map(|name| {
            let values = headers.get_all(name).iter().map(|v| v.as_bytes());
            (name.to_owned(), canonical_header_value(values))
        })
        .collect();
    signed.sort();
    let request = CanonicalRequest {
        method: method.as_str(),
        uri: &canonical_uri(uri.path()),
        query: &canonical_query(uri.query().unwrap_or_default(), None),
        headers: &signed,
        payload_hash: &sha256_hex(body),
    };
    let scope = scope(&date, region, service);
    let string_to_sign = string_to_sign(&stamp, &scope, &request.text());
    let key = signing_key(keys.secret_access_key, &date, region, service);
    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={}, Signature={}",
        keys.access_key_id,
        request.signed_headers(),
        signature(&key, &string_to_sign),
    );
    if let Ok(value) = HeaderValue::from_str(&authorization) {
        headers.insert(http::header::AUTHORIZATION, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_uris() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/a//b/./c/../d/"), "/a/b/d/");
        assert_eq!(canonical_uri("/my%3Afn/a b"), "/my%253Afn/a%20b");
        assert_eq!(canonical_uri("/.."), "/");
    }

    #[test]
    fn canonical_queries() {
        assert_eq!(canonical_query("b=2&a=1&a=0", None), "a=0&a=1&b=2");
        assert_eq!(canonical_query("x=a%20b&flag", None), "flag=&x=a%20b");
        assert_eq!(
            canonical_query("X-Amz-Signature=abc&q=%7E", Some("X-Amz-Signature")),
            "q=~"
        );
    }

    #[test]
    fn header_values_are_trimmed_and_joined() {
        let values: [&[u8]; 2] = [b"  a   b ", b"c"];
        assert_eq!(canonical_header_value(values), "a b,c");
    }

    /// AWS's SigV4 test suite, `get-vanilla`: signing and verifying agree.
    #[test]
    fn get_vanilla() {
        let headers = [
            ("host".to_owned(), "example.amazonaws.com".to_owned()),
            ("x-amz-date".to_owned(), "20150830T123600Z".to_owned()),
        ];
        let request = CanonicalRequest {
            method: "GET",
            uri: &canonical_uri("/"),
            query: "",
            headers: &headers,
            payload_hash: &sha256_hex(b""),
        };
        let scope = scope("20150830", "us-east-1", "service");
        let sts = string_to_sign("20150830T123600Z", &scope, &request.text());
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830",
            "us-east-1",
            "service",
        );
        let expected = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        assert_eq!(signature(&key, &sts), expected);
        assert!(verify(&key, &sts, expected));
        assert!(!verify(&key, &sts, &expected.to_ascii_uppercase()));
        assert!(!verify(&key, &sts, &expected[1..]));
        assert!(!verify(&key, &sts, &format!("{}0", &expected[..63])));
        assert!(!verify(&key, &sts, "zz"));
    }
}

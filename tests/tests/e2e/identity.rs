//! Identity on the data plane: COGNITO_USER_POOLS authorizers (RSA keys and tokens made here
//! with Python's `cryptography`, the key set given to Portico with `--cognito-jwks`), AWS_IAM
//! methods (requests signed with AWS's own SigV4 signer, the `aws-sigv4` crate the SDKs use),
//! and FlushStageAuthorizersCache emptying a Lambda authorizer's cache.

use crate::harness::{Portico, echo_backend, request, temp_dir};
use crate::lambda::{create_function, runtimes_here};
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{AuthorizerType, IntegrationType};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const REGION: &str = "us-east-1";
const POOL: &str = "us-east-1_Portico1";
const OTHER_POOL: &str = "us-east-1_NoKeys";

fn issuer(pool: &str) -> String {
    format!("https://cognito-idp.{REGION}.amazonaws.com/{pool}")
}

fn pool_arn(pool: &str) -> String {
    format!("arn:aws:cognito-idp:{REGION}:123456789012:userpool/{pool}")
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Python's `cryptography` is there, or the test says so and skips (fails in CI).
pub(crate) fn cryptography_here() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("PORTICO_REQUIRE_ALL").is_none(),
            "missing: python3 -m pip install cryptography"
        );
        println!("SKIPPED: missing Python's cryptography (python3 -m pip install cryptography)");
    }
    ok
}

/// Makes two RSA keys, writes the JWKS of the first (`kid` `k1`) to `jwks`, and signs each
/// token: `(key, kid, claims)` with key `good` or `evil`.
const MINT: &str = r#"
import base64, json, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def number(n):
    return b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))

spec = json.load(sys.stdin)
keys = {name: rsa.generate_private_key(public_exponent=65537, key_size=2048) for name in ("good", "evil")}
public = keys["good"].public_key().public_numbers()
with open(spec["jwks"], "w") as f:
    json.dump({"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
                         "n": number(public.n), "e": number(public.e)}]}, f)
tokens = []
for key, kid, claims in spec["tokens"]:
    signing_input = b64(json.dumps({"kid": kid, "alg": "RS256"}).encode()) + "." + b64(json.dumps(claims).encode())
    signature = keys[key].sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    tokens.append(signing_input + "." + b64(signature))
json.dump(tokens, sys.stdout)
"#;

pub(crate) fn mint(jwks: &Path, tokens: &[(&str, &str, Value)]) -> Vec<String> {
    let spec = json!({"jwks": jwks, "tokens": tokens});
    let mut child = Command::new("python3")
        .args(["-c", MINT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(spec.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "minting tokens failed");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Claims as Cognito writes them for an id token of `pool`.
fn id_claims(pool: &str, exp: u64) -> Value {
    json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "aud": "client123",
        "email_verified": true,
        "token_use": "id",
        "auth_time": now() - 10,
        "iss": issuer(pool),
        "cognito:username": "alice",
        "cognito:groups": ["admins", "readers"],
        "exp": exp,
        "iat": now() - 10,
        "email": "alice@example.com",
    })
}

fn access_claims(scope: &str, exp: u64) -> Value {
    json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "client_id": "client123",
        "token_use": "access",
        "scope": scope,
        "iss": issuer(POOL),
        "exp": exp,
        "iat": now() - 10,
        "username": "alice",
    })
}

/// `GET /{part}` under `parent`, authorized as given, proxied to `backend` with `x-test` set
/// from `header_source` (a `context.*` value the backend echoes).
#[expect(clippy::too_many_arguments, reason = "one call per method of the test APIs")]
async fn proxied_method(
    client: &Client,
    api_id: &str,
    parent: &str,
    part: &str,
    authorization: &str,
    authorizer: Option<&str>,
    scopes: &[&str],
    backend: &str,
    header_source: &str,
) {
    let resource = client
        .create_resource()
        .rest_api_id(api_id)
        .parent_id(parent)
        .path_part(part)
        .send()
        .await
        .unwrap();
    let resource_id = resource.id().unwrap();
    client
        .put_method()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method("ANY")
        .authorization_type(authorization)
        .set_authorizer_id(authorizer.map(str::to_owned))
        .set_authorization_scopes((!scopes.is_empty()).then(|| scopes.iter().map(|s| s.to_string()).collect()))
        .send()
        .await
        .unwrap();
    client
        .put_integration()
        .rest_api_id(api_id)
        .resource_id(resource_id)
        .http_method("ANY")
        .r#type(IntegrationType::HttpProxy)
        .integration_http_method("ANY")
        .uri(backend)
        .request_parameters("integration.request.header.x-test", header_source)
        .send()
        .await
        .unwrap();
}

fn unauthorized(reply: &crate::harness::Reply, what: &str) {
    assert_eq!(
        (reply.status, reply.json()),
        (401, json!({"message": "Unauthorized"})),
        "{what}"
    );
    assert_eq!(
        reply.header("x-amzn-ErrorType"),
        Some("UnauthorizedException"),
        "{what}"
    );
}

#[tokio::test]
async fn cognito_user_pool_authorizers() {
    if !cryptography_here() {
        return;
    }
    let dir = temp_dir("cognito");
    let jwks = dir.join("jwks.json");
    let live = now() + 3600;
    let tokens = mint(
        &jwks,
        &[
            ("good", "k1", id_claims(POOL, live)),
            ("good", "k1", id_claims(POOL, now() - 60)),
            ("evil", "k1", id_claims(POOL, live)),
            ("good", "k1", id_claims("us-east-1_Elsewhere", live)),
            ("good", "k9", id_claims(POOL, live)),
            ("good", "k1", access_claims("openid pets/read", live)),
            ("good", "k1", access_claims("openid", live)),
            ("good", "k1", id_claims(OTHER_POOL, live)),
            ("good", "k1", {
                let mut claims = id_claims(POOL, live);
                claims["aud"] = "someone-else".into();
                claims
            }),
        ],
    );
    let [
        id,
        expired,
        forged,
        foreign,
        unknown_kid,
        read_access,
        openid_access,
        unkeyed,
        other_audience,
    ] = &tokens[..]
    else {
        panic!("{tokens:?}");
    };
    let setting = format!("{POOL}={}", jwks.display());
    let portico = Portico::start_with(&["--in-memory", "--cognito-jwks", &setting]);
    let client = portico.sdk();
    let port = echo_backend().await;
    let backend = format!("http://127.0.0.1:{port}/echo");
    let api = client.create_rest_api().name("cognito").send().await.unwrap();
    let api_id = api.id().unwrap().to_owned();
    let root = api.root_resource_id().unwrap().to_owned();
    let authorizer = client
        .create_authorizer()
        .rest_api_id(&api_id)
        .name("pools")
        .r#type(AuthorizerType::CognitoUserPools)
        .provider_arns(pool_arn(POOL))
        .provider_arns(pool_arn(OTHER_POOL))
        .identity_source("method.request.header.Authorization")
        .send()
        .await
        .unwrap();
    let authorizer_id = authorizer.id();
    let email = "context.authorizer.claims.email";
    proxied_method(
        &client,
        &api_id,
        &root,
        "profile",
        "COGNITO_USER_POOLS",
        authorizer_id,
        &[],
        &backend,
        email,
    )
    .await;
    let scope = "context.authorizer.claims.scope";
    proxied_method(
        &client,
        &api_id,
        &root,
        "pets",
        "COGNITO_USER_POOLS",
        authorizer_id,
        &["pets/read", "pets/write"],
        &backend,
        scope,
    )
    .await;
    // An identity validation expression is matched against an id token's audience.
    let audience = client
        .create_authorizer()
        .rest_api_id(&api_id)
        .name("audience")
        .r#type(AuthorizerType::CognitoUserPools)
        .provider_arns(pool_arn(POOL))
        .identity_source("method.request.header.Authorization")
        .identity_validation_expression("client123")
        .send()
        .await
        .unwrap();
    proxied_method(
        &client,
        &api_id,
        &root,
        "audience",
        "COGNITO_USER_POOLS",
        audience.id(),
        &[],
        &backend,
        email,
    )
    .await;
    client
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    let call = |path: &str, token: Option<String>| {
        let url = format!("{}/_aws/execute-api/{api_id}/dev{path}", portico.endpoint);
        async move {
            let headers: Vec<(&str, &str)> = token.as_deref().map(|t| ("Authorization", t)).into_iter().collect();
            request("GET", &url, None, &headers, "").await
        }
    };

    // A valid id token, raw or as a bearer token: the claims reach the integration.
    for token in [id.clone(), format!("Bearer {id}")] {
        let reply = call("/profile", Some(token)).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_eq!(reply.json()["x-test"], "alice@example.com");
    }
    // Everything AWS refuses with its 401.
    unauthorized(&call("/profile", None).await, "no token");
    unauthorized(&call("/profile", Some(expired.clone())).await, "expired");
    unauthorized(&call("/profile", Some(forged.clone())).await, "signed by another key");
    unauthorized(&call("/profile", Some(foreign.clone())).await, "another pool's issuer");
    unauthorized(
        &call("/profile", Some(unknown_kid.clone())).await,
        "a key not in the set",
    );
    unauthorized(&call("/profile", Some("not.a.jwt".into())).await, "not a JWT");
    unauthorized(
        &call("/profile", Some(read_access.clone())).await,
        "an access token without scopes on the method",
    );
    unauthorized(
        &call("/profile", Some(unkeyed.clone())).await,
        "a pool without --cognito-jwks",
    );

    // Scopes on the method: an access token carrying one of them, and nothing else.
    let reply = call("/pets", Some(read_access.clone())).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["x-test"], "openid pets/read");
    unauthorized(&call("/pets", Some(openid_access.clone())).await, "none of the scopes");
    unauthorized(
        &call("/pets", Some(id.clone())).await,
        "an id token where scopes are asked",
    );

    // The audience: the client the expression names, and no other.
    let reply = call("/audience", Some(id.clone())).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    unauthorized(
        &call("/audience", Some(other_audience.clone())).await,
        "another audience",
    );
    let reply = call("/profile", Some(other_audience.clone())).await;
    assert_eq!(
        reply.status, 201,
        "without an expression any audience passes: {}",
        reply.body
    );

    // The whole claims map, as a Lambda proxy integration sees it: every value a string.
    if runtimes_here() {
        let echo = "import json\ndef handler(event, context):\n    return {\"statusCode\": 200, \"body\": json.dumps(event[\"requestContext\"][\"authorizer\"])}\n";
        let arn = create_function(
            &portico,
            "claims",
            "python3.12",
            "echo.handler",
            &[("echo.py", echo)],
            3,
        );
        let resource = client
            .create_resource()
            .rest_api_id(&api_id)
            .parent_id(&root)
            .path_part("lambda")
            .send()
            .await
            .unwrap();
        let resource_id = resource.id().unwrap();
        client
            .put_method()
            .rest_api_id(&api_id)
            .resource_id(resource_id)
            .http_method("GET")
            .authorization_type("COGNITO_USER_POOLS")
            .set_authorizer_id(authorizer_id.map(str::to_owned))
            .send()
            .await
            .unwrap();
        client
            .put_integration()
            .rest_api_id(&api_id)
            .resource_id(resource_id)
            .http_method("GET")
            .r#type(IntegrationType::AwsProxy)
            .integration_http_method("POST")
            .uri(format!(
                "arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"
            ))
            .send()
            .await
            .unwrap();
        client
            .create_deployment()
            .rest_api_id(&api_id)
            .stage_name("dev")
            .send()
            .await
            .unwrap();
        let reply = call("/lambda", Some(id.clone())).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let claims = &reply.json()["claims"];
        assert!(claims.as_object().unwrap().values().all(Value::is_string), "{claims}");
        assert_eq!(claims["email_verified"], "true");
        assert_eq!(claims["cognito:groups"], "admins,readers");
        assert_eq!(claims["token_use"], "id");
        assert_eq!(claims["iss"], issuer(POOL).as_str());
        assert!(claims["auth_time"].as_str().unwrap().parse::<u64>().is_ok());
        // Dates as AWS prints them: `Tue Apr 04 18:39:39 UTC 2023`.
        let exp = claims["exp"].as_str().unwrap();
        assert!(exp.len() == 28 && exp.contains(" UTC "), "{exp}");
    }

    // TestInvokeAuthorizer checks a token as a request would, and answers its claims.
    let test = |token: &str| {
        client
            .test_invoke_authorizer()
            .rest_api_id(&api_id)
            .authorizer_id(authorizer_id.unwrap())
            .headers("Authorization", token)
            .send()
    };
    let tested = test(id).await.unwrap();
    assert_eq!(tested.client_status(), 200, "{:?}", tested.log());
    assert_eq!(tested.claims().unwrap()["token_use"], "id");
    assert_eq!(tested.claims().unwrap()["email_verified"], "true");
    assert!(tested.log().unwrap().starts_with("Execution log for request "));
    for refused in [expired, forged] {
        let tested = test(refused).await.unwrap();
        assert_eq!(tested.client_status(), 401, "{:?}", tested.log());
        assert!(tested.claims().is_none());
    }
}

#[tokio::test]
async fn cognito_tokens_without_a_key_set_in_skip_signature_mode() {
    if !cryptography_here() {
        return;
    }
    let dir = temp_dir("cognito-skip");
    let tokens = mint(
        &dir.join("jwks.json"),
        &[
            ("evil", "whatever", id_claims(POOL, now() + 3600)),
            ("evil", "whatever", id_claims(POOL, now() - 60)),
        ],
    );
    let portico = Portico::start_with_env(&["--in-memory"], &[("PORTICO_COGNITO_SKIP_SIGNATURE", "true")]);
    let client = portico.sdk();
    let port = echo_backend().await;
    let api = client.create_rest_api().name("skip").send().await.unwrap();
    let api_id = api.id().unwrap().to_owned();
    let authorizer = client
        .create_authorizer()
        .rest_api_id(&api_id)
        .name("pool")
        .r#type(AuthorizerType::CognitoUserPools)
        .provider_arns(pool_arn(POOL))
        .identity_source("method.request.header.Authorization")
        .send()
        .await
        .unwrap();
    proxied_method(
        &client,
        &api_id,
        api.root_resource_id().unwrap(),
        "profile",
        "COGNITO_USER_POOLS",
        authorizer.id(),
        &[],
        &format!("http://127.0.0.1:{port}/echo"),
        "context.authorizer.claims.cognito:username",
    )
    .await;
    client
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    let url = format!("{}/_aws/execute-api/{api_id}/dev/profile", portico.endpoint);
    let reply = request("GET", &url, None, &[("Authorization", &tokens[0])], "").await;
    assert_eq!(reply.status, 201, "any signature passes: {}", reply.body);
    assert_eq!(reply.json()["x-test"], "alice");
    let reply = request("GET", &url, None, &[("Authorization", &tokens[1])], "").await;
    unauthorized(&reply, "the expiry is still checked");
}

/// Signs a request for execute-api with AWS's SigV4 signer; `presign` puts the signature in
/// the query. Answers the URL and headers to send.
fn sign(
    method: &str,
    url: &str,
    body: &str,
    (access_key, secret): (&str, &str),
    presign: bool,
) -> (String, Vec<(String, String)>) {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign};
    use aws_sigv4::sign::v4;
    let identity = aws_credential_types::Credentials::new(access_key, secret, None, None, "tests").into();
    let mut settings = SigningSettings::default();
    if presign {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(300));
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("execute-api")
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let headers = [("content-type", "application/json")];
    let signable = SignableRequest::new(
        method,
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut request = http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let mut request = request.body(()).unwrap();
    instructions.apply_to_request_http1x(&mut request);
    let headers = request
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    (request.uri().to_string(), headers)
}

pub(crate) async fn send_signed(
    method: &str,
    url: &str,
    body: &str,
    credentials: (&str, &str),
    presign: bool,
) -> crate::harness::Reply {
    let (url, headers) = sign(method, url, body, credentials, presign);
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    request(method, &url, None, &headers, body).await
}

#[tokio::test]
async fn aws_iam_methods() {
    let portico = Portico::start_with(&[
        "--in-memory",
        "--iam-credentials",
        "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "--iam-credentials",
        "111122223333:secret2",
    ]);
    let client = portico.sdk();
    let port = echo_backend().await;
    let api = client.create_rest_api().name("iam").send().await.unwrap();
    let api_id = api.id().unwrap().to_owned();
    let backend = format!("http://127.0.0.1:{port}/echo");
    let root = api.root_resource_id().unwrap();
    proxied_method(
        &client,
        &api_id,
        root,
        "who",
        "AWS_IAM",
        None,
        &[],
        &backend,
        "context.identity.accessKey",
    )
    .await;
    proxied_method(
        &client,
        &api_id,
        root,
        "arn",
        "AWS_IAM",
        None,
        &[],
        &backend,
        "context.identity.userArn",
    )
    .await;
    client
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    let url = |path: &str| format!("{}/_aws/execute-api/{api_id}/dev{path}?b=2&a=x%20y", portico.endpoint);
    let good = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    // Signed: the caller's identity reaches the integration.
    let reply = send_signed("GET", &url("/who"), "", good, false).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["x-test"], "AKIDEXAMPLE");
    let reply = send_signed("POST", &url("/who"), r#"{"pet": "cat"}"#, good, false).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["body"], r#"{"pet": "cat"}"#);
    let reply = send_signed("GET", &url("/arn"), "", ("111122223333", "secret2"), false).await;
    assert_eq!(reply.json()["x-test"], "arn:aws:iam::111122223333:root");
    // A presigned URL.
    let reply = send_signed("GET", &url("/who"), "", good, true).await;
    assert_eq!(reply.status, 201, "{}", reply.body);

    // Unsigned, a wrong secret, an unknown key, a body changed after signing: AWS's 403s.
    let reply = request("GET", &url("/who"), None, &[], "").await;
    assert_eq!(
        (reply.status, reply.json()),
        (403, json!({"message": "Missing Authentication Token"}))
    );
    assert_eq!(
        reply.header("x-amzn-ErrorType"),
        Some("MissingAuthenticationTokenException")
    );
    let reply = send_signed("GET", &url("/who"), "", ("AKIDEXAMPLE", "wrong"), false).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.header("x-amzn-ErrorType"), Some("InvalidSignatureException"));
    assert!(
        reply.json()["message"].as_str().unwrap().starts_with(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
        ),
        "{}",
        reply.body
    );
    let reply = send_signed("GET", &url("/who"), "", ("nobody", "x"), false).await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            403,
            json!({"message": "The security token included in the request is invalid."})
        )
    );
    assert_eq!(reply.header("x-amzn-ErrorType"), Some("UnrecognizedClientException"));
    let (signed_url, headers) = sign("POST", &url("/who"), "original", good, false);
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let reply = request("POST", &signed_url, None, &headers, "tampered").await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.header("x-amzn-ErrorType"), Some("InvalidSignatureException"));
}

#[tokio::test]
async fn flush_stage_authorizers_cache_asks_the_authorizer_again() {
    if !runtimes_here() {
        return;
    }
    let dir = temp_dir("flush");
    let verdict = dir.join("verdict");
    std::fs::write(&verdict, "Allow").unwrap();
    // The function's verdict is whatever the file says when it is asked.
    let authorizer_code = format!(
        "def handler(event, context):\n    effect = open({:?}).read().strip()\n    return {{\"principalId\": \"u\", \"policyDocument\": {{\"Version\": \"2012-10-17\", \"Statement\": [{{\"Action\": \"execute-api:Invoke\", \"Effect\": effect, \"Resource\": event[\"methodArn\"]}}]}}}}\n",
        verdict.to_str().unwrap()
    );
    let portico = Portico::start();
    let client = portico.sdk();
    let arn = create_function(
        &portico,
        "verdict",
        "python3.12",
        "auth.handler",
        &[("auth.py", &authorizer_code)],
        3,
    );
    let port = echo_backend().await;
    let api = client.create_rest_api().name("flush").send().await.unwrap();
    let api_id = api.id().unwrap().to_owned();
    let authorizer = client
        .create_authorizer()
        .rest_api_id(&api_id)
        .name("verdict")
        .r#type(AuthorizerType::Token)
        .authorizer_uri(format!(
            "arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"
        ))
        .identity_source("method.request.header.Authorization")
        .authorizer_result_ttl_in_seconds(300)
        .send()
        .await
        .unwrap();
    proxied_method(
        &client,
        &api_id,
        api.root_resource_id().unwrap(),
        "door",
        "CUSTOM",
        authorizer.id(),
        &[],
        &format!("http://127.0.0.1:{port}/echo"),
        "context.authorizer.principalId",
    )
    .await;
    // Two stages on one deployment: they share the authorizer, not its cached answers.
    let deployment = client
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    client
        .create_stage()
        .rest_api_id(&api_id)
        .stage_name("prod")
        .deployment_id(deployment.id().unwrap())
        .send()
        .await
        .unwrap();
    let call = |stage: &str| {
        let url = format!("{}/_aws/execute-api/{api_id}/{stage}/door", portico.endpoint);
        async move {
            request("GET", &url, None, &[("Authorization", "token-1")], "")
                .await
                .status
        }
    };
    assert_eq!((call("dev").await, call("prod").await), (201, 201));
    std::fs::write(&verdict, "Deny").unwrap();
    assert_eq!(call("dev").await, 201, "the cached Allow still serves");

    client
        .flush_stage_authorizers_cache()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(call("dev").await, 403, "asked again after the flush: Deny");
    assert_eq!(call("prod").await, 201, "another stage's cache is its own");

    let missing = client
        .flush_stage_authorizers_cache()
        .rest_api_id(&api_id)
        .stage_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(missing.into_service_error().meta().code(), Some("NotFoundException"));
}

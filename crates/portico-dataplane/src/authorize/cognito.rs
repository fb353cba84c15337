//! COGNITO_USER_POOLS authorizers: the token in the identity source (with or without
//! `Bearer `) must be a JWT one of the authorizer's user pools issued, signed (RS256) by a key
//! of that pool's key set, not expired, and of the right use: an id token when the method has
//! no `authorizationScopes`, else an access token carrying one of them. A refusal is AWS's 401.
//! The token's claims go to the integration as strings, as AWS gives them.

use super::jwks::{KeyError, KeySet};
use super::{Auth, Env, IdentitySource, unauthorized};
use crate::context::RequestContext;
use bytes::Bytes;
use http::Response;
use jsonwebtoken::{Algorithm, Validation};
use portico_wire::apigateway as ag;
use serde_json::{Map, Value};
use std::sync::Arc;

#[derive(Debug)]
pub struct CognitoAuthorizer {
    id: String,
    source: Option<IdentitySource>,
    pools: Vec<Pool>,
    /// `identityValidationExpression`: for Cognito authorizers AWS matches it against `aud`.
    audience: Option<regex::Regex>,
    skip_signature: bool,
}

#[derive(Debug)]
struct Pool {
    id: String,
    issuer: String,
    keys: Option<Arc<KeySet>>,
}

/// `arn:aws:cognito-idp:{region}:{account}:userpool/{id}` → (`id`, its issuer).
fn pool_of(arn: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ["arn", partition, "cognito-idp", region, _, resource] = parts.as_slice() else {
        return None;
    };
    let id = resource.strip_prefix("userpool/").filter(|id| !id.is_empty())?;
    let domain = if *partition == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    Some((id.to_owned(), format!("https://cognito-idp.{region}.{domain}/{id}")))
}

impl CognitoAuthorizer {
    pub fn compile(authorizer: &ag::Authorizer, auth: &Auth) -> CognitoAuthorizer {
        let id = authorizer.id.clone().unwrap_or_default();
        let pools = authorizer
            .provider_ar_ns
            .iter()
            .flatten()
            .filter_map(|arn| {
                let Some((pool_id, issuer)) = pool_of(arn) else {
                    tracing::warn!(authorizer = id, arn, "not a user pool ARN; ignored");
                    return None;
                };
                let keys = auth.key_sets.find(&pool_id, &issuer);
                if keys.is_none() && !auth.skip_signature {
                    tracing::warn!(
                        authorizer = id,
                        pool = pool_id,
                        "no key set for this user pool: its tokens are refused until Portico runs with --cognito-jwks {pool_id}=PATH_OR_URL (or --cognito-skip-signature)"
                    );
                }
                Some(Pool {
                    id: pool_id,
                    issuer,
                    keys,
                })
            })
            .collect();
        let source = IdentitySource::parse(
            authorizer
                .identity_source
                .as_deref()
                .unwrap_or("method.request.header.Authorization"),
        );
        let audience = authorizer
            .identity_validation_expression
            .as_deref()
            .filter(|e| !e.is_empty())
            .and_then(|e| regex::Regex::new(&format!("^(?:{e})$")).ok());
        CognitoAuthorizer {
            id,
            source,
            pools,
            audience,
            skip_signature: auth.skip_signature,
        }
    }

    /// The token's claims, as AWS passes them on, or the 401 that ends the request.
    pub async fn authorize(
        &self,
        ctx: &RequestContext,
        scopes: &[String],
        env: &Env<'_>,
    ) -> Result<Map<String, Value>, Response<Bytes>> {
        let refuse = |why: &str| {
            tracing::debug!(authorizer = self.id, why, "Cognito token refused");
            unauthorized()
        };
        let Some(token) = self.source.as_ref().and_then(|s| s.value(ctx)) else {
            return Err(refuse("no token"));
        };
        let token = strip_bearer(&token);
        // Boxed: fetching the keys makes a large future, kept out of every request's.
        let claims = Box::pin(self.verified_claims(token, env))
            .await
            .map_err(|why| refuse(&why))?;
        check(&claims, unix_now(), scopes, self.audience.as_ref()).map_err(refuse)?;
        Ok(claims
            .iter()
            .filter_map(|(name, value)| Some((name.clone(), claim_text(name, value)?.into())))
            .collect())
    }

    /// The claims of a token one of the pools signed; the signature is checked against the
    /// pool's key set, or (`--cognito-skip-signature`, a pool without one) not at all.
    async fn verified_claims(&self, token: &str, env: &Env<'_>) -> Result<Map<String, Value>, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| format!("not a JWT: {e}"))?;
        let unverified = jsonwebtoken::dangerous::insecure_decode::<Map<String, Value>>(token)
            .map_err(|e| format!("not a JWT: {e}"))?
            .claims;
        let issuer = unverified.get("iss").and_then(Value::as_str).unwrap_or_default();
        let pool = self
            .pools
            .iter()
            .find(|p| p.issuer == issuer)
            .ok_or_else(|| format!("issuer {issuer:?} is none of the authorizer's user pools"))?;
        let Some(keys) = &pool.keys else {
            if self.skip_signature {
                tracing::warn!(
                    pool = pool.id,
                    "Cognito token accepted WITHOUT a signature check (--cognito-skip-signature)"
                );
                return Ok(unverified);
            }
            tracing::warn!(
                pool = pool.id,
                "Cognito token refused: no key set for this user pool; run Portico with --cognito-jwks {}=PATH_OR_URL",
                pool.id
            );
            return Err("no key set".into());
        };
        let key = match keys.key(header.kid.as_deref(), env.client).await {
            Ok(key) => key,
            Err(KeyError::Unknown) => return Err(format!("no key {:?} in the pool's key set", header.kid)),
            Err(KeyError::Unreadable(why)) => {
                tracing::warn!(
                    pool = pool.id,
                    why,
                    "Cognito token refused: the pool's key set cannot be read"
                );
                return Err(why);
            }
        };
        // Expiry and the rest are checked by `check`, as AWS checks them.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| format!("signature not verified: {e}"))
    }
}

/// AWS takes the raw token, and also `Bearer {token}`.
fn strip_bearer(token: &str) -> &str {
    match token.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => token.trim(),
    }
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Expiry, token use, scopes and the audience expression, as AWS checks them.
fn check(
    claims: &Map<String, Value>,
    now: i64,
    scopes: &[String],
    audience: Option<&regex::Regex>,
) -> Result<(), &'static str> {
    let exp = claims.get("exp").and_then(Value::as_f64).ok_or("no exp")?;
    if exp <= now as f64 {
        return Err("expired");
    }
    let token_use = claims.get("token_use").and_then(Value::as_str);
    if scopes.is_empty() {
        // Without scopes AWS takes the token as an id token.
        if token_use != Some("id") {
            return Err("the method has no scopes: an id token is needed");
        }
    } else {
        if token_use != Some("access") {
            return Err("the method has scopes: an access token is needed");
        }
        let granted = claims.get("scope").and_then(Value::as_str).unwrap_or_default();
        if !granted.split_whitespace().any(|s| scopes.iter().any(|w| w == s)) {
            return Err("the token carries none of the method's scopes");
        }
    }
    if let Some(expression) = audience {
        let aud = claims.get("aud").and_then(Value::as_str).ok_or("no aud to match")?;
        if !expression.is_match(aud) {
            return Err("aud does not match the identity validation expression");
        }
    }
    Ok(())
}

/// A claim as AWS passes it on: every value a string; `exp` and `iat` as Java prints a date
/// (`Tue Apr 04 18:39:39 UTC 2023`); lists joined with commas; null left out.
fn claim_text(name: &str, value: &Value) -> Option<String> {
    Some(match value {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        Value::Number(n) if matches!(name, "exp" | "iat") => {
            n.as_i64().and_then(java_date).unwrap_or_else(|| n.to_string())
        }
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => items
            .iter()
            .filter_map(|item| claim_text("", item))
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => value.to_string(),
    })
}

fn java_date(epoch: i64) -> Option<String> {
    let at = time::OffsetDateTime::from_unix_timestamp(epoch).ok()?;
    let format = time::macros::format_description!(
        "[weekday repr:short] [month repr:short] [day] [hour]:[minute]:[second] UTC [year]"
    );
    at.format(&format).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A key and tokens made once with Python's `cryptography`: the JWKS holds `k1`; one
    /// token is signed by it, one by another key under the same `kid`.
    const MODULUS: &str = "\
        6Xvh3DQ3E-SHhO2Kn96xeZKPiZYA8hBCT4iJDOy1OHlBJPGB-fIBANKN46p3mRbjSqiCPFUKvzbKMIZeegUjJGZmkW\
        cheMn3fW0q1mNDwYt7gPHU4ypxXp9-e-Gh0upU0vjbEpntmpDebSJOZeDwJr-A0s_ptNBnzks4nTq_dr4rbVOhR15E\
        6jjYmWfCcWgERdkFUC5NpKHeLpwkUBpvZ3uRAqwcYjGs4-Q8apYHvtofg26Klg5aVM7SU71FT5kUs6BNAcm1WinYQZ\
        PuMIdrMp6nKsNKAFHSPvbohMsbYu-p29giEJyXelhIH5DwHaABlJYDx7dx7iVKPGsV89WjKw";
    const SIGNED: &str = "\
        eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJpc3MiOiJodHRwczovL2NvZ25pdG8taWRwLnVzLWVhc3QtMS5hbW\
        F6b25hd3MuY29tL3VzLWVhc3QtMV9Vbml0IiwidG9rZW5fdXNlIjoiaWQiLCJleHAiOjQxMDI0NDQ4MDAsImVtYWls\
        IjoidUBleGFtcGxlLmNvbSIsImF1ZCI6ImMxIn0";
    const GOOD_SIGNATURE: &str = "\
        KByHzKs1_tplCNl2d-RT_a1Tely0EVznWPq1PBEOnIbcxSjQpwygTW5kAU5ed2jffyWBYfY3acdY6BdUYHdeOk02IT\
        WFbxPxdIJ8jxc51gNYYtUcp1_YyX4zTgFxZCR72V4-F6b3UnzquWriWN4lDhknhHEeYyN-rhO_iKsNdhcBMRkg9h14\
        _VVAYtLog3xlJSvryAUTKN83EO8Pj7gZWZ_7tEMwyTQDtGRbHFm6yG1vyiZH-WdyNlKQZCmStVJZgcZ9C7DnZgeY3x\
        i9kTlK0Sgy-ISAeQekSLAgIrhxMK2VTLdCHucmhVIUFXvKXtBYxzOSBrBW7xRW2j6QEeBjxQ";
    const OTHER_KEY_SIGNATURE: &str = "\
        EpwbufKuUgfk4-921Z--FlcyAgfcAlmMs2PP0pABIi3lnG20nI6hIekeInFt3DXL8h7IjzWnJ1Yn2y_dBs0txdyiYz\
        U3qCMbdVPeiStl9o8DcuZo4WLvQe_XRRs606Rc6XNw2uHo_jLtV6Fg9h-f_cB4CzA0rGPeDBYE3woqyWVh8VSW2SHm\
        zuEaXUNzUmAG88ypUw0REzci5lQXqD_UIr2UXDoqNBNyLr7zduXn-wLgXmCe1Rw5EolcIyDarFVuAYi1ZzNrMirvQH\
        TVycs3c45p8CcCIFKi_pe2lDke491Uj8DFbBj8VVOyFmMUDKtnTdoR_WuwX3TcVGaI3yf8VA";

    async fn run(authorizer: &ag::Authorizer, auth: &Auth, token: String) -> Result<Map<String, Value>, u16> {
        let compiled = CognitoAuthorizer::compile(authorizer, auth);
        let mut headers = http::HeaderMap::new();
        headers.insert("authorization", token.parse().unwrap());
        let ctx = RequestContext::test(headers);
        let env = Env {
            functions: None,
            client: &portico_http::Client::default(),
            auth,
        };
        compiled
            .authorize(&ctx, &[], &env)
            .await
            .map_err(|r| r.status().as_u16())
    }

    #[tokio::test]
    async fn rs256_signatures_against_the_pool_key_set() {
        let jwks = std::env::temp_dir().join(format!("portico-unit-jwks-{}.json", std::process::id()));
        let document =
            json!({"keys": [{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "n": MODULUS, "e": "AQAB"}]});
        std::fs::write(&jwks, document.to_string()).unwrap();
        let settings = |skip: bool, jwks: Vec<(String, String)>| crate::authorize::AuthSettings {
            cognito_jwks: jwks,
            cognito_skip_signature: skip,
            ..Default::default()
        };
        let authorizer = ag::Authorizer {
            id: Some("a1".into()),
            r#type: Some("COGNITO_USER_POOLS".into()),
            provider_ar_ns: Some(vec![
                "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Unit".into(),
            ]),
            ..Default::default()
        };
        let good = format!("{SIGNED}.{GOOD_SIGNATURE}");
        let other_key = format!("{SIGNED}.{OTHER_KEY_SIGNATURE}");

        let keyed = Auth::new(&settings(
            false,
            vec![("us-east-1_Unit".into(), jwks.display().to_string())],
        ));
        let claims = run(&authorizer, &keyed, format!("Bearer {good}")).await.unwrap();
        assert_eq!(claims["email"], "u@example.com");
        assert_eq!(claims["exp"], "Fri Jan 01 00:00:00 UTC 2100");
        assert_eq!(run(&authorizer, &keyed, other_key.clone()).await, Err(401));
        let tampered = good.replacen(
            SIGNED.split('.').next().unwrap(),
            "eyJraWQiOiJrMiIsImFsZyI6IlJTMjU2In0",
            1,
        );
        assert_eq!(
            run(&authorizer, &keyed, tampered).await,
            Err(401),
            "a kid the set does not hold"
        );
        // Skipping signatures does not skip them for a pool with a key set.
        let keyed_skip = Auth::new(&settings(
            true,
            vec![("us-east-1_Unit".into(), jwks.display().to_string())],
        ));
        assert_eq!(run(&authorizer, &keyed_skip, other_key.clone()).await, Err(401));
        // Without a key set: refused, unless signatures are skipped.
        assert_eq!(
            run(&authorizer, &Auth::new(&settings(false, vec![])), good.clone()).await,
            Err(401)
        );
        assert!(
            run(&authorizer, &Auth::new(&settings(true, vec![])), other_key)
                .await
                .is_ok()
        );
        // An unreadable key set refuses, it does not fail.
        let missing = Auth::new(&settings(
            false,
            vec![("us-east-1_Unit".into(), "/nonexistent/jwks.json".into())],
        ));
        assert_eq!(run(&authorizer, &missing, good).await, Err(401));
        let _ = std::fs::remove_file(jwks);
    }

    fn claims(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn pools_from_provider_arns() {
        assert_eq!(
            pool_of("arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC"),
            Some((
                "eu-west-1_AbC".into(),
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC".into()
            ))
        );
        assert_eq!(pool_of("arn:aws:cognito-idp:eu-west-1:1:userpool/"), None);
        assert_eq!(pool_of("arn:aws:s3:::bucket"), None);
    }

    #[test]
    fn bearer_is_optional() {
        assert_eq!(strip_bearer("Bearer a.b.c"), "a.b.c");
        assert_eq!(strip_bearer("bearer  a.b.c "), "a.b.c");
        assert_eq!(strip_bearer("a.b.c"), "a.b.c");
    }

    #[test]
    fn id_tokens_without_scopes_access_tokens_with_them() {
        let now = 1_700_000_000;
        let id = claims(json!({"exp": now + 60, "token_use": "id", "aud": "client1"}));
        let access = claims(json!({"exp": now + 60, "token_use": "access", "scope": "openid pets/read"}));
        assert_eq!(check(&id, now, &[], None), Ok(()));
        assert!(check(&access, now, &[], None).is_err(), "AWS wants an id token");
        let read = ["pets/read".to_owned()];
        let write = ["pets/write".to_owned()];
        assert_eq!(check(&access, now, &read, None), Ok(()));
        assert!(check(&access, now, &write, None).is_err());
        assert!(check(&id, now, &read, None).is_err(), "an id token has no scopes");
        let expired = claims(json!({"exp": now, "token_use": "id"}));
        assert_eq!(check(&expired, now, &[], None), Err("expired"));
        assert!(check(&claims(json!({"token_use": "id"})), now, &[], None).is_err());
        let client1 = regex::Regex::new("^(?:client1)$").unwrap();
        let other = regex::Regex::new("^(?:other)$").unwrap();
        assert_eq!(check(&id, now, &[], Some(&client1)), Ok(()));
        assert!(check(&id, now, &[], Some(&other)).is_err());
        assert!(
            check(&access, now, &read, Some(&client1)).is_err(),
            "access tokens have no aud"
        );
    }

    /// As AWS gives them (a recorded event: `exp` `Tue Apr 04 18:39:39 UTC 2023`,
    /// `auth_time` `1680629979`, `phone_number_verified` `true`).
    #[test]
    fn claims_become_strings() {
        assert_eq!(
            claim_text("exp", &json!(1680633579)).unwrap(),
            "Tue Apr 04 18:39:39 UTC 2023"
        );
        assert_eq!(
            claim_text("iat", &json!(1513492092)).unwrap(),
            "Sun Dec 17 06:28:12 UTC 2017"
        );
        assert_eq!(claim_text("auth_time", &json!(1680629979)).unwrap(), "1680629979");
        assert_eq!(claim_text("phone_number_verified", &json!(true)).unwrap(), "true");
        assert_eq!(claim_text("cognito:groups", &json!(["a"])).unwrap(), "a");
        assert_eq!(claim_text("cognito:groups", &json!(["a", "b"])).unwrap(), "a,b");
        assert_eq!(claim_text("x", &Value::Null), None);
    }
}

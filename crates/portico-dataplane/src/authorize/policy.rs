//! A REST API's resource policy, compiled when the stage is and evaluated on every call:
//! `Allow`/`Deny` statements on `execute-api:Invoke` for principals (`*`, or AWS accounts and
//! ARNs, which only signed callers can be), resources as ARNs or `execute-api:/...`
//! shorthands with IAM's wildcards, and the conditions API Gateway's policies use
//! (`IpAddress`/`NotIpAddress` on `aws:SourceIp`, the `String*` operators on any key, e.g.
//! `aws:SourceVpce`, each with `...IfExists`).
//!
//! Deny wins; otherwise some Allow must cover the call. A denied call gets AWS's 403
//! `AccessDeniedException` naming the caller and the method's ARN, its account masked.

use super::gateway_error;
use super::lambda::wildcard_match;
use crate::context::RequestContext;
use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::Value;
use std::net::IpAddr;

#[derive(Debug)]
pub struct ResourcePolicy {
    statements: Vec<Statement>,
}

#[derive(Debug)]
struct Statement {
    allow: bool,
    /// `None`: any principal (`"*"`); else accounts and ARNs a signed caller must match.
    principals: Option<Vec<String>>,
    actions: Vec<String>,
    not_actions: Vec<String>,
    resources: Vec<String>,
    not_resources: Vec<String>,
    conditions: Vec<Condition>,
}

/// A condition operator, read once; `Unsupported` never holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    IpAddress,
    NotIpAddress,
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    Bool,
    Unsupported,
}

impl Operator {
    fn parse(name: &str) -> Operator {
        match name {
            "IpAddress" => Operator::IpAddress,
            "NotIpAddress" => Operator::NotIpAddress,
            "StringEquals" => Operator::StringEquals,
            "StringNotEquals" => Operator::StringNotEquals,
            "StringEqualsIgnoreCase" => Operator::StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => Operator::StringNotEqualsIgnoreCase,
            "StringLike" => Operator::StringLike,
            "StringNotLike" => Operator::StringNotLike,
            "Bool" => Operator::Bool,
            other => {
                tracing::warn!(
                    operator = other,
                    "resource policy condition operator not supported: it never holds"
                );
                Operator::Unsupported
            }
        }
    }

    fn negated(self) -> bool {
        matches!(
            self,
            Operator::NotIpAddress
                | Operator::StringNotEquals
                | Operator::StringNotEqualsIgnoreCase
                | Operator::StringNotLike
        )
    }
}

#[derive(Debug)]
struct Condition {
    operator: Operator,
    if_exists: bool,
    key: String,
    values: Vec<String>,
}

/// Who calls, as a policy sees it.
pub struct Caller<'a> {
    /// `None`: anonymous (not signed).
    pub account: Option<&'a str>,
    pub arn: Option<&'a str>,
}

fn lower(items: Vec<String>) -> Vec<String> {
    items.into_iter().map(|s| s.to_ascii_lowercase()).collect()
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

impl ResourcePolicy {
    /// The policy as stored (plain JSON, or JSON with its quotes escaped as AWS returns it),
    /// its `execute-api:/` shorthands made ARNs of `api_id`. A policy that cannot be read
    /// denies every call (AWS refuses to store one).
    pub fn compile(text: &str, region: &str, account: &str, api_id: &str) -> ResourcePolicy {
        let document = serde_json::from_str::<Value>(text)
            .ok()
            .or_else(|| serde_json::from_str(&text.replace("\\\"", "\"").replace("\\\\", "\\")).ok());
        let Some(document) = document else {
            tracing::warn!(api_id, "resource policy is not JSON: every call is denied");
            return ResourcePolicy { statements: Vec::new() };
        };
        let statements = match document.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => Vec::new(),
        };
        let prefix = format!("arn:aws:execute-api:{region}:{account}:{api_id}/");
        let expand = |resources: Vec<String>| -> Vec<String> {
            resources
                .into_iter()
                .map(|r| match r.strip_prefix("execute-api:/") {
                    Some(rest) => format!("{prefix}{rest}"),
                    None => fill_account(r, region, account),
                })
                .collect()
        };
        let statements = statements
            .into_iter()
            .map(|s| Statement {
                allow: s.get("Effect").and_then(Value::as_str) == Some("Allow"),
                principals: match s.get("Principal") {
                    None => None,
                    Some(Value::String(any)) if any == "*" => None,
                    Some(Value::Object(p)) => match p.get("AWS") {
                        Some(Value::String(any)) if any == "*" => None,
                        aws => Some(strings(aws)),
                    },
                    Some(_) => Some(Vec::new()),
                },
                // IAM compares actions case-insensitively: lower-cased once here.
                actions: lower(strings(s.get("Action"))),
                not_actions: lower(strings(s.get("NotAction"))),
                resources: expand(strings(s.get("Resource"))),
                not_resources: expand(strings(s.get("NotResource"))),
                conditions: match s.get("Condition") {
                    Some(Value::Object(ops)) => ops
                        .iter()
                        .flat_map(|(op, keys)| {
                            let (operator, if_exists) = match op.strip_suffix("IfExists") {
                                Some(base) => (base.to_owned(), true),
                                None => (op.clone(), false),
                            };
                            keys.as_object()
                                .into_iter()
                                .flatten()
                                .map(move |(key, values)| Condition {
                                    operator: Operator::parse(&operator),
                                    if_exists,
                                    key: key.to_ascii_lowercase(),
                                    values: strings(Some(values)),
                                })
                        })
                        .collect(),
                    _ => Vec::new(),
                },
            })
            .collect();
        ResourcePolicy { statements }
    }

    /// `Ok` when the policy lets `caller` invoke `arn`; else AWS's 403. A signed caller's
    /// own IAM policies count as allowing (Portico does not evaluate them), so for it only an
    /// explicit deny refuses; an anonymous caller needs an Allow too.
    pub fn check(&self, arn: &str, caller: &Caller<'_>, ctx: &RequestContext) -> Result<(), Box<Response<Bytes>>> {
        let applies = |s: &Statement| s.covers(arn, caller, ctx);
        if self.statements.iter().any(|s| !s.allow && applies(s)) {
            return Err(Box::new(denied(arn, caller, " with an explicit deny")));
        }
        if caller.account.is_some() || self.statements.iter().any(|s| s.allow && applies(s)) {
            Ok(())
        } else {
            Err(Box::new(denied(arn, caller, "")))
        }
    }
}

impl Statement {
    fn covers(&self, arn: &str, caller: &Caller<'_>, ctx: &RequestContext) -> bool {
        let action = |a: &String| wildcard_match(a, "execute-api:invoke");
        let action_ok = if self.not_actions.is_empty() {
            self.actions.iter().any(action)
        } else {
            !self.not_actions.iter().any(action)
        };
        let resource_ok = if self.not_resources.is_empty() {
            self.resources.iter().any(|r| wildcard_match(r, arn))
        } else {
            !self.not_resources.iter().any(|r| wildcard_match(r, arn))
        };
        let principal_ok = match (&self.principals, caller.account) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(names), Some(account)) => names.iter().any(|p| {
                p == account
                    || p.strip_prefix("arn:aws:iam::").and_then(|r| r.strip_suffix(":root")) == Some(account)
                    || caller.arn.is_some_and(|a| wildcard_match(p, a))
            }),
        };
        action_ok && resource_ok && principal_ok && self.conditions.iter().all(|c| c.holds(ctx))
    }
}

impl Condition {
    fn holds(&self, ctx: &RequestContext) -> bool {
        let value = match self.key.as_str() {
            "aws:sourceip" => Some(ctx.source_ip()),
            "aws:sourcevpce" => ctx.header("x-amzn-vpce-id").map(str::to_owned),
            "aws:sourcevpc" => ctx.header("x-amzn-vpc-id").map(str::to_owned),
            "aws:principalaccount" => ctx.identity.account_id.clone(),
            "aws:principalarn" => ctx.identity.user_arn.clone(),
            "aws:useragent" => ctx.user_agent().map(str::to_owned),
            "aws:securetransport" => Some("false".to_owned()),
            _ => None,
        };
        let negated = self.operator.negated();
        let Some(value) = value else {
            // IAM: a missing key matches `...IfExists` and the negated operators only.
            return self.if_exists || negated;
        };
        let any = |f: &dyn Fn(&str) -> bool| self.values.iter().any(|v| f(v));
        match self.operator {
            Operator::IpAddress => any(&|v| in_cidr(&value, v)),
            Operator::NotIpAddress => !any(&|v| in_cidr(&value, v)),
            Operator::StringEquals => any(&|v| v == value),
            Operator::StringNotEquals => !any(&|v| v == value),
            Operator::StringEqualsIgnoreCase => any(&|v| v.eq_ignore_ascii_case(&value)),
            Operator::StringNotEqualsIgnoreCase => !any(&|v| v.eq_ignore_ascii_case(&value)),
            Operator::StringLike => any(&|v| wildcard_match(v, &value)),
            Operator::StringNotLike => !any(&|v| wildcard_match(v, &value)),
            Operator::Bool => any(&|v| v.eq_ignore_ascii_case(&value)),
            Operator::Unsupported => false,
        }
    }
}

/// An execute-api ARN with no account (or region), as clients that never learn their account
/// write them (Terraform's `execution_arn` with `skip_requesting_account_id`), names the API's.
fn fill_account(arn: String, region: &str, account: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "execute-api", r, a, rest] if a.is_empty() || r.is_empty() => {
            let r = if r.is_empty() { region } else { r };
            let a = if a.is_empty() { account } else { a };
            format!("arn:{partition}:execute-api:{r}:{a}:{rest}")
        }
        _ => arn,
    }
}

/// `ip` within `cidr` (`10.0.0.0/8`, `::1/128`, or a bare address).
fn in_cidr(ip: &str, cidr: &str) -> bool {
    let (net, bits) = match cidr.split_once('/') {
        Some((net, bits)) => (net, bits.parse::<u32>().ok()),
        None => (cidr, None),
    };
    let (Ok(ip), Ok(net)) = (ip.parse::<IpAddr>(), net.trim().parse::<IpAddr>()) else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// AWS's refusal: the caller (`anonymous` when unsigned) and the method's ARN, its account
/// masked but for the last four digits.
fn denied(arn: &str, caller: &Caller<'_>, suffix: &str) -> Response<Bytes> {
    let masked = mask_account(arn);
    let user = caller.arn.unwrap_or("anonymous");
    let message =
        format!("User: {user} is not authorized to perform: execute-api:Invoke on resource: {masked}{suffix}");
    gateway_error(
        StatusCode::FORBIDDEN,
        "AccessDeniedException",
        serde_json::json!({ "Message": message }).to_string(),
    )
}

fn mask_account(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        [a, b, c, d, account, rest] if account.len() > 4 => {
            let tail = &account[account.len() - 4..];
            format!("{a}:{b}:{c}:{d}:********{tail}:{rest}")
        }
        _ => arn.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        assert!(in_cidr("127.0.0.1", "127.0.0.0/8"));
        assert!(in_cidr("127.0.0.1", "127.0.0.1"));
        assert!(!in_cidr("127.0.0.1", "10.0.0.0/8"));
        assert!(in_cidr("10.1.2.3", "0.0.0.0/0"));
        assert!(in_cidr("::1", "::1/128"));
        assert!(!in_cidr("::1", "127.0.0.1/32"));
    }

    #[test]
    fn arns_without_an_account_name_the_apis() {
        assert_eq!(
            fill_account(
                "arn:aws:execute-api:us-east-1::abc/*".into(),
                "us-east-1",
                "000000000000"
            ),
            "arn:aws:execute-api:us-east-1:000000000000:abc/*"
        );
        let full = "arn:aws:execute-api:us-east-1:111122223333:abc/*";
        assert_eq!(fill_account(full.into(), "us-east-1", "000000000000"), full);
    }

    #[test]
    fn masks_the_account() {
        assert_eq!(
            mask_account("arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/pets"),
            "arn:aws:execute-api:us-east-1:********9012:abc/dev/GET/pets"
        );
    }

    #[test]
    fn reads_escaped_and_plain_documents_and_shorthands() {
        let plain = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;
        let escaped = plain.replace('"', "\\\"");
        for text in [plain.to_owned(), escaped] {
            let p = ResourcePolicy::compile(&text, "us-east-1", "000000000000", "abc");
            assert_eq!(p.statements.len(), 1);
            assert_eq!(
                p.statements[0].resources,
                ["arn:aws:execute-api:us-east-1:000000000000:abc/*"]
            );
        }
    }
}

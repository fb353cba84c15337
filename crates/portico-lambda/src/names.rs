//! Function names as callers give them (name, partial ARN, full ARN, with or without a
//! qualifier), ARNs, and the errors Lambda answers about them.

use portico_wire::lambda::{InvalidParameterValueException, ResourceConflictException, ResourceNotFoundException};
use portico_wire::{AwsError, RequestContext};

/// A function as a request names it: its name and the qualifier (version or alias), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    pub name: String,
    pub qualifier: Option<String>,
}

/// Parses `name`, `name:qualifier`, `account:function:name[:qualifier]` or
/// `arn:aws:lambda:region:account:function:name[:qualifier]`; a qualifier given twice must agree.
pub fn parse(ctx: &RequestContext, given: &str, qualifier: Option<&str>) -> Result<FunctionRef, AwsError> {
    let parts: Vec<&str> = given.split(':').collect();
    let (name, derived) = match parts.as_slice() {
        [name] => (*name, None),
        [name, q] => (*name, Some(*q)),
        [_, "function", name] => (*name, None),
        [_, "function", name, q] => (*name, Some(*q)),
        ["arn", _, "lambda", region, _, "function", name, rest @ ..] if rest.len() <= 1 => {
            if *region != ctx.region {
                return Err(invalid(format!(
                    "Functions from '{region}' are not reachable in this region ('{}')",
                    ctx.region
                )));
            }
            (*name, rest.first().copied())
        }
        _ => return Err(invalid(format!("Invalid function name or ARN: {given}"))),
    };
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(AwsError::validation(format!(
            "1 validation error detected: Value '{given}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{{2}}(-gov)?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
        )));
    }
    let qualifier = match (derived, qualifier) {
        (Some(a), Some(b)) if a != b => {
            return Err(invalid(
                "The derived qualifier from the function name does not match the specified qualifier.",
            ));
        }
        (Some(q), _) | (None, Some(q)) => Some(q.to_string()),
        (None, None) => None,
    };
    Ok(FunctionRef {
        name: name.to_string(),
        qualifier,
    })
}

/// `parse` of a request's own `FunctionName` member (the wire layer has checked it is there).
pub fn given(ctx: &RequestContext, name: Option<String>, qualifier: Option<&str>) -> Result<FunctionRef, AwsError> {
    parse(ctx, name.as_deref().unwrap_or_default(), qualifier)
}

pub fn function_arn(ctx: &RequestContext, name: &str) -> String {
    format!("arn:aws:lambda:{}:{}:function:{name}", ctx.region, ctx.account)
}

pub fn qualified_arn(ctx: &RequestContext, name: &str, qualifier: &str) -> String {
    format!("{}:{qualifier}", function_arn(ctx, name))
}

pub fn invalid(message: impl Into<String>) -> AwsError {
    InvalidParameterValueException {
        message: message.into(),
        r#type: Some("User".into()),
    }
    .into()
}

pub fn function_not_found(arn: &str) -> AwsError {
    ResourceNotFoundException {
        message: format!("Function not found: {arn}"),
        r#type: Some("User".into()),
    }
    .into()
}

pub fn not_found(message: impl Into<String>) -> AwsError {
    ResourceNotFoundException {
        message: message.into(),
        r#type: Some("User".into()),
    }
    .into()
}

pub fn conflict(message: impl Into<String>) -> AwsError {
    ResourceConflictException {
        message: message.into(),
        r#type: Some("User".into()),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RequestContext {
        RequestContext {
            account: "000000000000".into(),
            region: "us-east-1".into(),
            request_id: String::new(),
        }
    }

    #[test]
    fn every_form_of_a_function_name() {
        let r = |n: &str, q: Option<&str>| parse(&ctx(), n, q);
        assert_eq!(r("fn", None).unwrap().name, "fn");
        assert_eq!(r("fn:live", None).unwrap().qualifier.as_deref(), Some("live"));
        assert_eq!(
            r("000000000000:function:fn", Some("1")).unwrap().qualifier.as_deref(),
            Some("1")
        );
        let full = r("arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST", None).unwrap();
        assert_eq!((full.name.as_str(), full.qualifier.as_deref()), ("fn", Some("$LATEST")));
        assert_eq!(r("fn:1", Some("2")).unwrap_err().code, "InvalidParameterValueException");
        assert_eq!(
            r("arn:aws:lambda:eu-west-1:000000000000:function:fn", None)
                .unwrap_err()
                .message,
            "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')"
        );
        assert_eq!(r("bad name", None).unwrap_err().code, "ValidationException");
    }
}

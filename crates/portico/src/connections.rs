//! `@connections` on an execute-api endpoint: the callback URL of a WebSocket API stage,
//! `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}/@connections/{connectionId}`,
//! served by the `apigatewaymanagementapi` operations.

use portico_dataplane::Invocation;

/// A management-API call made on a stage's endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionsCall {
    pub api_id: String,
    pub stage: String,
    /// `/@connections/{connectionId}`, as the management API's operations are routed.
    pub path: String,
}

impl ConnectionsCall {
    /// `Some` when `target` (any execute-api form) names `/{stage}/@connections/...`.
    pub fn from_invocation(target: &Invocation) -> Option<ConnectionsCall> {
        let named = target.path == "/@connections" || target.path.starts_with("/@connections/");
        (named && !target.stage.is_empty()).then(|| ConnectionsCall {
            api_id: target.api_id.clone(),
            stage: target.stage.clone(),
            path: target.path.clone(),
        })
    }

    /// The request's URI as the control plane routes it: the management path, same query.
    pub fn uri(&self, original: &http::Uri) -> http::Uri {
        let target = match original.query() {
            Some(query) => format!("{}?{query}", self.path),
            None => self.path.clone(),
        };
        target.parse().unwrap_or_else(|_| original.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(host: Option<&str>, path: &str) -> Option<ConnectionsCall> {
        ConnectionsCall::from_invocation(&Invocation::parse(host, path)?)
    }

    #[test]
    fn every_execute_api_form() {
        let expected = Some(ConnectionsCall {
            api_id: "abc".into(),
            stage: "prod".into(),
            path: "/@connections/Xyz%3D".into(),
        });
        assert_eq!(
            call(Some("abc.execute-api.localhost:4566"), "/prod/@connections/Xyz%3D"),
            expected
        );
        assert_eq!(call(None, "/_aws/execute-api/abc/prod/@connections/Xyz%3D"), expected);
        assert_eq!(
            call(None, "/restapis/abc/prod/_user_request_/@connections/Xyz%3D"),
            expected
        );
    }

    #[test]
    fn other_paths_are_not_management_calls() {
        let host = Some("abc.execute-api.localhost");
        assert_eq!(call(host, "/prod/pets"), None);
        assert_eq!(call(host, "/prod/@connectionsx/1"), None);
        assert_eq!(
            call(host, "/@connections/1"),
            None,
            "no stage: the stage is `@connections`"
        );
        assert_eq!(
            call(Some("localhost:4566"), "/@connections/1"),
            None,
            "not execute-api at all"
        );
    }

    #[test]
    fn the_query_is_kept() {
        let found = call(None, "/_aws/execute-api/abc/dev/@connections/1").unwrap();
        let uri: http::Uri = "/_aws/execute-api/abc/dev/@connections/1?a=b".parse().unwrap();
        assert_eq!(found.uri(&uri), "/@connections/1?a=b");
    }
}

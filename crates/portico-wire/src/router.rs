//! Finds the operation a control-plane request names, by method and URI template.
//!
//! The templates come split from the generated tables (`OperationSpec::path`, `query`); here
//! they are only bucketed, once, by method and segment count, each bucket in precedence order:
//! templates with query literals (`?mode=import`), then more literal segments, win. A request
//! scans its one small bucket; templates with a greedy label are tried after.

use crate::Service;
use crate::spec::{OperationSpec, Segment};
use percent_encoding::percent_decode_str;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy)]
struct Entry {
    spec: &'static OperationSpec,
    index: usize,
}

/// A matched operation with its path labels, decoded.
#[derive(Debug)]
pub struct Matched {
    pub service: Service,
    /// Index into the service's `OPERATIONS`.
    pub index: usize,
    pub spec: &'static OperationSpec,
    pub labels: Vec<(&'static str, String)>,
}

/// All templates of the three services, bucketed.
pub struct Router {
    /// (method, segment count) → templates without a greedy label, most specific first.
    exact: HashMap<(&'static str, usize), Vec<Entry>>,
    /// Method → templates with a greedy label, most specific first.
    greedy: HashMap<&'static str, Vec<Entry>>,
}

fn literals(spec: &OperationSpec) -> usize {
    spec.path.iter().filter(|s| matches!(s, Segment::Literal(_))).count()
}

fn segments(path: &str) -> impl Iterator<Item = &str> + Clone {
    path.split('/').filter(|s| !s.is_empty())
}

impl Router {
    pub fn new() -> Self {
        let mut entries: Vec<Entry> = crate::all_operations()
            .into_iter()
            .flat_map(|(_, ops)| ops.iter().enumerate().map(|(index, spec)| Entry { spec, index }))
            .collect();
        // Stable: equally specific templates keep service and model order.
        entries.sort_by_key(|e| std::cmp::Reverse((e.spec.query.len(), literals(e.spec))));
        let mut exact: HashMap<_, Vec<Entry>> = HashMap::new();
        let mut greedy: HashMap<_, Vec<Entry>> = HashMap::new();
        for e in entries {
            if e.spec.path.iter().any(|s| matches!(s, Segment::Greedy(_))) {
                greedy.entry(e.spec.method).or_default().push(e);
            } else {
                exact.entry((e.spec.method, e.spec.path.len())).or_default().push(e);
            }
        }
        Self { exact, greedy }
    }

    /// `path` is the raw (still percent-encoded) request path; `query` the raw query string.
    pub fn route(&self, method: &str, path: &str, query: &str) -> Option<Matched> {
        let parts = segments(path);
        let count = parts.clone().count();
        let exact = self.exact.get(&(method, count)).into_iter().flatten();
        let greedy = self.greedy.get(method).into_iter().flatten();
        exact
            .chain(greedy)
            .find_map(|e| Self::try_match(e, parts.clone(), count, query))
    }

    fn try_match<'p>(
        e: &Entry,
        mut parts: impl Iterator<Item = &'p str>,
        count: usize,
        query: &str,
    ) -> Option<Matched> {
        let template = e.spec.path;
        if count < template.len() {
            return None;
        }
        let has_query =
            |(k, v): &(&str, &str)| form_urlencoded::parse(query.as_bytes()).any(|(pk, pv)| pk == *k && pv == *v);
        if !e.spec.query.iter().all(has_query) {
            return None;
        }
        let mut labels = Vec::new();
        for segment in template {
            match segment {
                Segment::Literal(literal) => {
                    if parts.next()? != *literal {
                        return None;
                    }
                }
                Segment::Label(label) => {
                    let part = parts.next()?;
                    labels.push((*label, percent_decode_str(part).decode_utf8_lossy().into_owned()));
                }
                Segment::Greedy(label) => {
                    // One segment or more: all but what the rest of the template needs.
                    let take = count - (template.len() - 1);
                    let taken: Vec<&str> = parts.by_ref().take(take).collect();
                    let joined = taken.join("/");
                    labels.push((*label, percent_decode_str(&joined).decode_utf8_lossy().into_owned()));
                }
            }
        }
        (parts.next().is_none()).then_some(Matched {
            service: e.spec.service,
            index: e.index,
            spec: e.spec,
            labels,
        })
    }
}

impl Default for Router {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(method: &str, path: &str) -> Option<&'static str> {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        Router::new().route(method, path, query).map(|m| m.spec.name)
    }

    #[test]
    fn table() {
        let cases = [
            ("POST", "/restapis", Some("CreateRestApi")),
            ("POST", "/restapis?mode=import", Some("ImportRestApi")),
            ("GET", "/restapis", Some("GetRestApis")),
            ("GET", "/restapis/", Some("GetRestApis")),
            ("GET", "/restapis/abc", Some("GetRestApi")),
            ("PATCH", "/restapis/abc", Some("UpdateRestApi")),
            ("PUT", "/restapis/abc", Some("PutRestApi")),
            ("POST", "/restapis/a/resources/r", Some("CreateResource")),
            ("GET", "/restapis/a/resources/r/methods/GET", Some("GetMethod")),
            (
                "PUT",
                "/restapis/a/resources/r/methods/GET/integration",
                Some("PutIntegration"),
            ),
            (
                "PUT",
                "/restapis/a/resources/r/methods/GET/integration/responses/200",
                Some("PutIntegrationResponse"),
            ),
            ("GET", "/restapis/a/stages/dev", Some("GetStage")),
            (
                "GET",
                "/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2Fabc",
                Some("GetTags"),
            ),
            ("GET", "/v2/apis", Some("GetApis")),
            ("POST", "/v2/apis/x/routes", Some("CreateRoute")),
            ("POST", "/@connections/abc", Some("PostToConnection")),
            ("GET", "/@connections/abc", Some("GetConnection")),
            ("DELETE", "/@connections/abc", Some("DeleteConnection")),
            ("PUT", "/@connections/abc", None),
            ("GET", "/@connections/abc/more", None),
            ("GET", "/nothing/here", None),
            ("DELETE", "/restapis", None),
            // apigateway: query literals and literal segments before labels.
            ("POST", "/apikeys", Some("CreateApiKey")),
            ("POST", "/apikeys?mode=import&format=csv", Some("ImportApiKeys")),
            ("POST", "/apikeys?format=csv&mode=import", Some("ImportApiKeys")),
            ("POST", "/apikeys?mode=other", Some("CreateApiKey")),
            ("PUT", "/restapis/abc?mode=overwrite", Some("PutRestApi")),
            ("GET", "/restapis/a/gatewayresponses", Some("GetGatewayResponses")),
            (
                "GET",
                "/restapis/a/gatewayresponses/DEFAULT_4XX",
                Some("GetGatewayResponse"),
            ),
            (
                "GET",
                "/restapis/a/resources/r/methods/GET/responses/200",
                Some("GetMethodResponse"),
            ),
            ("GET", "/restapis/a/deployments/d", Some("GetDeployment")),
            ("GET", "/restapis/a/stages/dev/exports/swagger", Some("GetExport")),
            ("GET", "/restapis/a/sdks/javascript", None),
            ("GET", "/restapis/a/stages/dev/sdks/javascript", Some("GetSdk")),
            ("GET", "/account", Some("GetAccount")),
            ("PATCH", "/account", Some("UpdateAccount")),
            (
                "GET",
                "/domainnames/example.com/basepathmappings/v1",
                Some("GetBasePathMapping"),
            ),
            ("POST", "/usageplans/u/keys", Some("CreateUsagePlanKey")),
            (
                "PUT",
                "/restapis/a/documentation/parts",
                Some("ImportDocumentationParts"),
            ),
            (
                "POST",
                "/restapis/a/documentation/parts",
                Some("CreateDocumentationPart"),
            ),
            // apigatewayv2: everything under /v2.
            ("POST", "/v2/apis", Some("CreateApi")),
            ("GET", "/v2/apis/x", Some("GetApi")),
            ("PUT", "/v2/apis/x", Some("ReimportApi")),
            ("GET", "/v2/apis/x/routes/r", Some("GetRoute")),
            ("GET", "/v2/apis/x/routes/r/routeresponses/rr", Some("GetRouteResponse")),
            (
                "POST",
                "/v2/apis/x/integrations/i/integrationresponses",
                Some("CreateIntegrationResponse"),
            ),
            (
                "DELETE",
                "/v2/apis/x/stages/s/routesettings/GET%20%2F",
                Some("DeleteRouteSettings"),
            ),
            ("GET", "/v2/domainnames/d/apimappings/m", Some("GetApiMapping")),
            ("GET", "/v2/domainnames/d/routingrules", Some("ListRoutingRules")),
            ("GET", "/v2/tags/arn", Some("GetTags")),
            ("GET", "/v2/vpclinks", Some("GetVpcLinks")),
            ("GET", "/v2/apis/x/exports/OAS30", Some("ExportApi")),
            ("GET", "/v2", None),
        ];
        for (method, path, want) in cases {
            assert_eq!(op(method, path), want, "{method} {path}");
        }
    }

    /// The linear scan over every template that the router replaced, kept as the reference.
    fn reference(method: &str, path: &str, query: &str) -> Option<&'static str> {
        let mut all: Vec<&'static OperationSpec> = crate::all_operations()
            .into_iter()
            .flat_map(|(_, ops)| ops.iter())
            .collect();
        all.sort_by_key(|s| std::cmp::Reverse((s.query.len(), literals(s))));
        let parts: Vec<&str> = segments(path).collect();
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        all.into_iter()
            .find(|s| {
                s.method == method
                    && s.path.len() == parts.len()
                    && s.query
                        .iter()
                        .all(|(k, v)| pairs.iter().any(|(pk, pv)| pk == k && pv == v))
                    && s.path.iter().zip(&parts).all(|(seg, part)| match seg {
                        Segment::Literal(lit) => lit == part,
                        _ => true,
                    })
            })
            .map(|s| s.name)
    }

    #[test]
    fn every_template_routes_as_the_linear_scan_did() {
        let router = Router::new();
        for (_, ops) in crate::all_operations() {
            for spec in ops {
                for fill in ["x", "restapis", "v2", "apis"] {
                    let path: String = spec
                        .path
                        .iter()
                        .map(|s| match s {
                            Segment::Literal(l) => format!("/{l}"),
                            _ => format!("/{fill}"),
                        })
                        .collect();
                    let query: Vec<String> = spec.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    let query = query.join("&");
                    let got = router.route(spec.method, &path, &query).map(|m| m.spec.name);
                    assert_eq!(
                        got,
                        reference(spec.method, &path, &query),
                        "{} {path}?{query}",
                        spec.method
                    );
                    if fill == "x" {
                        assert_eq!(got, Some(spec.name), "{} {path}?{query}", spec.method);
                    }
                }
            }
        }
    }

    #[test]
    fn greedy_labels_take_the_rest() {
        static GREEDY: OperationSpec = OperationSpec {
            service: Service::ApiGateway,
            name: "Greedy",
            method: "GET",
            uri: "/files/{key+}/meta",
            path: &[
                Segment::Literal("files"),
                Segment::Greedy("key"),
                Segment::Literal("meta"),
            ],
            query: &[],
            success: 200,
            input_shape: "",
            input_name: "",
            input: &[],
            output: &[],
            input_payload: None,
            output_payload: None,
            errors: &[],
        };
        let mut router = Router::new();
        router.greedy.entry("GET").or_default().push(Entry {
            spec: &GREEDY,
            index: 0,
        });
        let m = router.route("GET", "/files/a/b%20c/meta", "").unwrap();
        assert_eq!(m.spec.name, "Greedy");
        assert_eq!(m.labels, vec![("key", "a/b c".to_string())]);
        assert_eq!(router.route("GET", "/files/a/meta", "").unwrap().labels[0].1, "a");
        assert!(router.route("GET", "/files/meta", "").is_none());
        assert!(router.route("GET", "/files/a/b/other", "").is_none());
    }

    #[test]
    fn labels_are_decoded() {
        let m = Router::new()
            .route("GET", "/tags/arn%3Aaws%3Aapigateway%3A%3A%2Frestapis%2Fabc", "")
            .unwrap();
        assert_eq!(
            m.labels,
            vec![("resource_arn", "arn:aws:apigateway::/restapis/abc".to_string())]
        );
    }
}

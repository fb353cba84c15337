//! Finds the operation a control-plane request names, by method and URI template.

use crate::Service;
use crate::spec::OperationSpec;
use percent_encoding::percent_decode_str;

#[derive(Debug)]
enum Segment {
    Literal(&'static str),
    Label(&'static str),
}

#[derive(Debug)]
struct Template {
    spec: &'static OperationSpec,
    index: usize,
    segments: Vec<Segment>,
    /// `?mode=import` style literals the query must carry.
    query: Vec<(&'static str, &'static str)>,
    literals: usize,
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

/// All templates of the three services, most specific first.
pub struct Router {
    templates: Vec<Template>,
}

impl Router {
    pub fn new() -> Self {
        let mut templates = Vec::new();
        for (_, ops) in crate::all_operations() {
            for (index, spec) in ops.iter().enumerate() {
                let (path, query) = spec.uri.split_once('?').unwrap_or((spec.uri, ""));
                let segments: Vec<Segment> = path
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(label) => Segment::Label(label.trim_end_matches('+')),
                        None => Segment::Literal(s),
                    })
                    .collect();
                let query = query
                    .split('&')
                    .filter(|q| !q.is_empty())
                    .map(|q| q.split_once('=').unwrap_or((q, "")))
                    .collect();
                let literals = segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count();
                templates.push(Template {
                    spec,
                    index,
                    segments,
                    query,
                    literals,
                });
            }
        }
        // Query literals and literal segments win over labels.
        templates.sort_by_key(|t| std::cmp::Reverse((t.query.len(), t.literals)));
        Self { templates }
    }

    /// `path` is the raw (still percent-encoded) request path; `query` the raw query string.
    pub fn route(&self, method: &str, path: &str, query: &str) -> Option<Matched> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        'next: for t in &self.templates {
            if t.spec.method != method || t.segments.len() != parts.len() {
                continue;
            }
            if !t
                .query
                .iter()
                .all(|(k, v)| pairs.iter().any(|(pk, pv)| pk == k && pv == v))
            {
                continue;
            }
            let mut labels = Vec::new();
            for (seg, part) in t.segments.iter().zip(&parts) {
                match seg {
                    Segment::Literal(lit) => {
                        if lit != part {
                            continue 'next;
                        }
                    }
                    Segment::Label(label) => {
                        labels.push((*label, percent_decode_str(part).decode_utf8_lossy().into_owned()))
                    }
                }
            }
            return Some(Matched {
                service: t.spec.service,
                index: t.index,
                spec: t.spec,
                labels,
            });
        }
        None
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
            ("GET", "/nothing/here", None),
            ("DELETE", "/restapis", None),
        ];
        for (method, path, want) in cases {
            assert_eq!(op(method, path), want, "{method} {path}");
        }
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

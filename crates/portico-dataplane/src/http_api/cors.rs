//! An HTTP API's `corsConfiguration`, compiled once per deployment: preflights answered by
//! API Gateway itself, and the CORS headers of every other answer.
//!
//! Documented by AWS ("Configure CORS for HTTP APIs in API Gateway"):
//! - with a configuration, API Gateway answers preflight `OPTIONS` requests itself, even when
//!   the API has no `OPTIONS` route, and adds the configured headers to integrations' answers;
//! - it ignores the CORS headers an integration returns;
//! - a request gets CORS headers only when it carries `Origin`; a preflight is an `OPTIONS`
//!   request with both `Origin` and `Access-Control-Request-Method`;
//! - `allowOrigins` takes exact origins, `*`, and the scheme wildcards `https://*`, `http://*`;
//!   `allowMethods` and `allowHeaders` take `*`; `allowCredentials` is refused with a `*`
//!   origin when the API is written (the control plane's check, not this module's).
//!
//! Inferred (not stated by the docs), each marked where it is decided below: the preflight's
//! status (204, empty body), what a refused preflight looks like, how `*` lists are answered,
//! origin comparison ignoring ASCII case, and no `Vary` header.

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Response, StatusCode};

/// The compiled configuration.
#[derive(Debug, Clone)]
pub struct Cors {
    origins: Origins,
    methods: List,
    headers: List,
    expose: Option<HeaderValue>,
    max_age: Option<HeaderValue>,
    credentials: bool,
}

#[derive(Debug, Clone)]
enum Origins {
    Any,
    Listed {
        /// Exact origins, ASCII-lowercased.
        exact: Vec<String>,
        /// Schemes allowed whole by `{scheme}://*`, lowercased, with their `://`.
        schemes: Vec<String>,
    },
}

/// `allowMethods` or `allowHeaders`.
#[derive(Debug, Clone)]
enum List {
    Any,
    /// Lowercased (header names and methods are compared without case), and the header value
    /// answered, the entries as configured joined by commas; `None` when the list is empty.
    Listed(Vec<String>, Option<HeaderValue>),
}

impl List {
    fn compile(entries: Option<&[String]>) -> List {
        let entries: Vec<&str> = entries
            .unwrap_or_default()
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
            .collect();
        if entries.contains(&"*") {
            return List::Any;
        }
        let answer = (!entries.is_empty())
            .then(|| HeaderValue::from_str(&entries.join(",")).ok())
            .flatten();
        List::Listed(entries.iter().map(|e| e.to_ascii_lowercase()).collect(), answer)
    }

    /// Inferred: a list left empty checks nothing (the answer then names nothing, and the
    /// browser allows only what needs no permission).
    fn allows(&self, item: &str) -> bool {
        match self {
            List::Any => true,
            List::Listed(items, _) => items.is_empty() || items.iter().any(|i| i.eq_ignore_ascii_case(item)),
        }
    }
}

/// CORS headers API Gateway owns: an integration's are dropped from the answer.
static OWNED: [HeaderName; 6] = [
    header::ACCESS_CONTROL_ALLOW_ORIGIN,
    header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
    header::ACCESS_CONTROL_EXPOSE_HEADERS,
    header::ACCESS_CONTROL_MAX_AGE,
    header::ACCESS_CONTROL_ALLOW_METHODS,
    header::ACCESS_CONTROL_ALLOW_HEADERS,
];

impl Cors {
    pub fn compile(config: &portico_wire::apigatewayv2::Cors) -> Cors {
        let origins = config.allow_origins.as_deref().unwrap_or_default();
        let origins = if origins.iter().any(|o| o.trim() == "*") {
            Origins::Any
        } else {
            let mut exact = Vec::new();
            let mut schemes = Vec::new();
            for origin in origins {
                let origin = origin.trim().to_ascii_lowercase();
                match origin.strip_suffix('*') {
                    Some(scheme) if scheme.ends_with("://") => schemes.push(scheme.to_owned()),
                    _ => exact.push(origin),
                }
            }
            Origins::Listed { exact, schemes }
        };
        let expose: Vec<&str> = config
            .expose_headers
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|h| h.trim())
            .filter(|h| !h.is_empty())
            .collect();
        Cors {
            origins,
            methods: List::compile(config.allow_methods.as_deref()),
            headers: List::compile(config.allow_headers.as_deref()),
            expose: (!expose.is_empty())
                .then(|| HeaderValue::from_str(&expose.join(",")).ok())
                .flatten(),
            // AWS's model bounds maxAge to -1..=86400; -1 (no caching) is answered as given.
            max_age: config.max_age.map(HeaderValue::from),
            credentials: config.allow_credentials == Some(true),
        }
    }

    /// The `Access-Control-Allow-Origin` to answer `origin` with, if it is allowed: `*` when
    /// every origin is, else the origin echoed (AWS's documented echo of a listed origin).
    fn allow_origin(&self, origin: &HeaderValue) -> Option<HeaderValue> {
        match &self.origins {
            Origins::Any => Some(HeaderValue::from_static("*")),
            Origins::Listed { exact, schemes } => {
                let text = origin.to_str().ok()?.trim().to_ascii_lowercase();
                // A scheme wildcard needs a host after the scheme.
                let allowed = exact.contains(&text)
                    || schemes
                        .iter()
                        .any(|s| text.len() > s.len() && text.starts_with(s.as_str()));
                allowed.then(|| origin.clone())
            }
        }
    }

    /// Some(answer) when the request is a CORS preflight that API Gateway answers itself,
    /// before authorizers and integrations.
    ///
    /// Where it sits against routing: AWS's docs say the answer comes "even if there isn't an
    /// OPTIONS route", and also that the `$default` route catches OPTIONS requests (an API
    /// with an authorizer on `$default` is told to add an unauthorized `OPTIONS /{proxy+}`
    /// route); users report the same of `ANY` routes with a JWT authorizer (sst#5493). So a
    /// route that matches the OPTIONS request, `$default` included, takes it, and this answer
    /// is for the requests no route matches; the serving chain decides.
    pub fn preflight(&self, method: &Method, headers: &HeaderMap) -> Option<Response<Bytes>> {
        if *method != Method::OPTIONS {
            return None;
        }
        let origin = headers.get(header::ORIGIN)?;
        let requested = headers.get(header::ACCESS_CONTROL_REQUEST_METHOD)?;
        // Inferred: the answer is always 204 with an empty body; a preflight the configuration
        // does not allow (origin, method or a requested header) gets it without any CORS
        // header, which the browser reads as a refusal.
        let mut answer = Response::new(Bytes::new());
        *answer.status_mut() = StatusCode::NO_CONTENT;
        let Some(allow_origin) = self.allow_origin(origin) else {
            return Some(answer);
        };
        let requested_method = requested.to_str().unwrap_or_default().trim();
        let requested_headers: Vec<&str> = headers
            .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .collect();
        if requested_method.is_empty()
            || !self.methods.allows(requested_method)
            || !requested_headers.iter().all(|h| self.headers.allows(h))
        {
            return Some(answer);
        }
        let out = answer.headers_mut();
        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
        if self.credentials {
            out.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        // Inferred: `*` is answered with what the request asked for, which a browser accepts
        // with credentials too (a literal `*` it would not).
        match &self.methods {
            List::Any => {
                out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, requested.clone());
            }
            List::Listed(_, Some(value)) => {
                out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, value.clone());
            }
            List::Listed(_, None) => {}
        }
        match &self.headers {
            List::Any if !requested_headers.is_empty() => {
                if let Ok(value) = HeaderValue::from_str(&requested_headers.join(",")) {
                    out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, value);
                }
            }
            List::Listed(_, Some(value)) => {
                out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, value.clone());
            }
            _ => {}
        }
        if let Some(max_age) = &self.max_age {
            out.insert(header::ACCESS_CONTROL_MAX_AGE, max_age.clone());
        }
        Some(answer)
    }

    /// Sets the CORS headers on the answer to an actual (non-preflight) request; AWS ignores
    /// (drops) the CORS headers an integration returned when the API has a configuration.
    /// `origin`: the request's `Origin` header.
    pub fn decorate(&self, origin: Option<&HeaderValue>, response_headers: &mut HeaderMap) {
        for name in OWNED.iter() {
            response_headers.remove(name);
        }
        let Some(origin) = origin else {
            return;
        };
        // An origin the configuration does not allow gets no CORS header (inferred: there is
        // nothing else to answer it with; the browser then refuses the answer to the page).
        let Some(allow_origin) = self.allow_origin(origin) else {
            return;
        };
        response_headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
        if self.credentials {
            response_headers.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        if let Some(expose) = &self.expose {
            response_headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_wire::apigatewayv2 as v2;

    fn strings(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| (*s).to_owned()).collect())
    }

    fn config(origins: &[&str]) -> v2::Cors {
        v2::Cors {
            allow_origins: strings(origins),
            ..Default::default()
        }
    }

    fn request(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn header<'a>(answer: &'a Response<Bytes>, name: &str) -> Option<&'a str> {
        answer.headers().get(name).map(|v| v.to_str().unwrap())
    }

    fn preflight(cors: &Cors, pairs: &[(&str, &str)]) -> Response<Bytes> {
        cors.preflight(&Method::OPTIONS, &request(pairs)).expect("a preflight")
    }

    #[test]
    fn only_options_with_origin_and_request_method_is_a_preflight() {
        let cors = Cors::compile(&config(&["*"]));
        let full = [
            ("origin", "https://a.example"),
            ("access-control-request-method", "GET"),
        ];
        assert!(cors.preflight(&Method::GET, &request(&full)).is_none());
        assert!(cors.preflight(&Method::OPTIONS, &request(&full[..1])).is_none());
        assert!(cors.preflight(&Method::OPTIONS, &request(&full[1..])).is_none());
        let answer = preflight(&cors, &full);
        assert_eq!(answer.status(), 204);
        assert!(answer.body().is_empty());
    }

    #[test]
    fn the_docs_example_configuration() {
        // The x-amazon-apigateway-cors example of AWS's docs.
        let config = v2::Cors {
            allow_origins: strings(&["https://www.example.com"]),
            allow_credentials: Some(true),
            expose_headers: strings(&["x-apigateway-header", "x-amz-date", "content-type"]),
            max_age: Some(3600),
            allow_methods: strings(&["GET", "OPTIONS", "POST"]),
            allow_headers: strings(&["x-apigateway-header", "x-amz-date", "content-type"]),
        };
        let cors = Cors::compile(&config);
        let answer = preflight(
            &cors,
            &[
                ("origin", "https://www.example.com"),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "Content-Type, X-Amz-Date"),
            ],
        );
        assert_eq!(answer.status(), 204);
        assert_eq!(
            header(&answer, "access-control-allow-origin"),
            Some("https://www.example.com")
        );
        assert_eq!(header(&answer, "access-control-allow-credentials"), Some("true"));
        assert_eq!(
            header(&answer, "access-control-allow-methods"),
            Some("GET,OPTIONS,POST")
        );
        assert_eq!(
            header(&answer, "access-control-allow-headers"),
            Some("x-apigateway-header,x-amz-date,content-type")
        );
        assert_eq!(header(&answer, "access-control-max-age"), Some("3600"));
        assert_eq!(header(&answer, "access-control-expose-headers"), None);

        let mut out = request(&[("content-type", "text/plain")]);
        cors.decorate(
            request(&[("origin", "https://www.example.com")]).get(header::ORIGIN),
            &mut out,
        );
        assert_eq!(out["access-control-allow-origin"], "https://www.example.com");
        assert_eq!(out["access-control-allow-credentials"], "true");
        assert_eq!(
            out["access-control-expose-headers"],
            "x-apigateway-header,x-amz-date,content-type"
        );
        assert!(!out.contains_key("access-control-max-age"));
        assert!(!out.contains_key("access-control-allow-methods"));
        assert_eq!(out["content-type"], "text/plain");
    }

    #[test]
    fn a_star_origin_answers_star() {
        let cors = Cors::compile(&config(&["*"]));
        let answer = preflight(
            &cors,
            &[
                ("origin", "https://any.example"),
                ("access-control-request-method", "GET"),
            ],
        );
        assert_eq!(header(&answer, "access-control-allow-origin"), Some("*"));
        let mut out = HeaderMap::new();
        cors.decorate(request(&[("origin", "null")]).get(header::ORIGIN), &mut out);
        assert_eq!(out["access-control-allow-origin"], "*");
    }

    #[test]
    fn listed_origins_are_echoed_and_others_get_no_cors_headers() {
        let cors = Cors::compile(&v2::Cors {
            allow_origins: strings(&["https://a.example", "http://localhost:3000"]),
            allow_methods: strings(&["GET"]),
            ..Default::default()
        });
        for origin in ["https://a.example", "http://localhost:3000", "HTTPS://A.example"] {
            let answer = preflight(&cors, &[("origin", origin), ("access-control-request-method", "GET")]);
            assert_eq!(header(&answer, "access-control-allow-origin"), Some(origin));
            assert_eq!(header(&answer, "access-control-allow-methods"), Some("GET"));
        }
        for origin in [
            "https://b.example",
            "https://a.example:8443",
            "http://a.example",
            "null",
        ] {
            let answer = preflight(&cors, &[("origin", origin), ("access-control-request-method", "GET")]);
            assert_eq!(answer.status(), 204);
            assert!(answer.headers().is_empty(), "{origin}: {:?}", answer.headers());
            let mut out = request(&[("access-control-allow-origin", "*")]);
            cors.decorate(request(&[("origin", origin)]).get(header::ORIGIN), &mut out);
            assert!(out.is_empty(), "{origin}: {out:?}");
        }
    }

    #[test]
    fn scheme_wildcards_allow_every_origin_of_the_scheme() {
        let cors = Cors::compile(&config(&["https://*"]));
        let mut out = HeaderMap::new();
        cors.decorate(
            request(&[("origin", "https://app.example.com")]).get(header::ORIGIN),
            &mut out,
        );
        assert_eq!(out["access-control-allow-origin"], "https://app.example.com");
        for refused in ["http://app.example.com", "https://"] {
            let mut out = HeaderMap::new();
            cors.decorate(request(&[("origin", refused)]).get(header::ORIGIN), &mut out);
            assert!(out.is_empty(), "{refused}");
        }
        let both = Cors::compile(&config(&["http://*", "https://*"]));
        let mut out = HeaderMap::new();
        both.decorate(
            request(&[("origin", "http://localhost:8080")]).get(header::ORIGIN),
            &mut out,
        );
        assert_eq!(out["access-control-allow-origin"], "http://localhost:8080");
    }

    #[test]
    fn methods_and_headers_are_checked_without_case() {
        let cors = Cors::compile(&v2::Cors {
            allow_origins: strings(&["*"]),
            allow_methods: strings(&["GET", "post"]),
            allow_headers: strings(&["Authorization", "content-type"]),
            ..Default::default()
        });
        let allowed = preflight(
            &cors,
            &[
                ("origin", "https://a.example"),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "authorization,Content-Type"),
            ],
        );
        assert_eq!(header(&allowed, "access-control-allow-origin"), Some("*"));
        assert_eq!(header(&allowed, "access-control-allow-methods"), Some("GET,post"));
        assert_eq!(
            header(&allowed, "access-control-allow-headers"),
            Some("Authorization,content-type")
        );

        let wrong_method = preflight(
            &cors,
            &[
                ("origin", "https://a.example"),
                ("access-control-request-method", "DELETE"),
            ],
        );
        assert!(wrong_method.headers().is_empty());
        let wrong_header = preflight(
            &cors,
            &[
                ("origin", "https://a.example"),
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "content-type, x-other"),
            ],
        );
        assert_eq!(wrong_header.status(), 204);
        assert!(wrong_header.headers().is_empty());
    }

    #[test]
    fn star_methods_and_headers_answer_what_was_asked() {
        let cors = Cors::compile(&v2::Cors {
            allow_origins: strings(&["https://a.example"]),
            allow_methods: strings(&["*"]),
            allow_headers: strings(&["*"]),
            allow_credentials: Some(true),
            max_age: Some(0),
            ..Default::default()
        });
        let answer = preflight(
            &cors,
            &[
                ("origin", "https://a.example"),
                ("access-control-request-method", "PATCH"),
                ("access-control-request-headers", "x-one, Authorization"),
            ],
        );
        assert_eq!(header(&answer, "access-control-allow-methods"), Some("PATCH"));
        assert_eq!(
            header(&answer, "access-control-allow-headers"),
            Some("x-one,Authorization")
        );
        assert_eq!(header(&answer, "access-control-allow-credentials"), Some("true"));
        assert_eq!(header(&answer, "access-control-max-age"), Some("0"));

        let no_headers = preflight(
            &cors,
            &[
                ("origin", "https://a.example"),
                ("access-control-request-method", "GET"),
            ],
        );
        assert_eq!(header(&no_headers, "access-control-allow-headers"), None);
    }

    #[test]
    fn the_docs_cli_example_allows_its_origin_only() {
        // `update-api --cors-configuration AllowOrigins="https://www.example.com"`.
        let cors = Cors::compile(&config(&["https://www.example.com"]));
        let answer = preflight(
            &cors,
            &[
                ("origin", "https://www.example.com"),
                ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "x-custom"),
            ],
        );
        assert_eq!(answer.headers().len(), 1);
        assert_eq!(
            header(&answer, "access-control-allow-origin"),
            Some("https://www.example.com")
        );
        let refused = preflight(
            &cors,
            &[
                ("origin", "https://example.com"),
                ("access-control-request-method", "GET"),
            ],
        );
        assert!(refused.headers().is_empty());
    }

    #[test]
    fn an_empty_configuration_allows_nothing() {
        let cors = Cors::compile(&v2::Cors::default());
        let answer = preflight(
            &cors,
            &[
                ("origin", "https://a.example"),
                ("access-control-request-method", "GET"),
            ],
        );
        assert_eq!(answer.status(), 204);
        assert!(answer.headers().is_empty());
        let mut out = request(&[("access-control-allow-origin", "https://a.example")]);
        cors.decorate(
            request(&[("origin", "https://a.example")]).get(header::ORIGIN),
            &mut out,
        );
        assert!(out.is_empty());
    }

    #[test]
    fn the_integrations_cors_headers_are_dropped() {
        let cors = Cors::compile(&config(&["https://a.example"]));
        let mut out = request(&[
            ("access-control-allow-origin", "*"),
            ("access-control-allow-credentials", "true"),
            ("access-control-expose-headers", "x-secret"),
            ("access-control-max-age", "10"),
            ("x-kept", "1"),
        ]);
        // Without Origin: no CORS header at all, and none of the backend's.
        cors.decorate(None, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out["x-kept"], "1");

        let mut out = request(&[("access-control-allow-origin", "*")]);
        cors.decorate(
            request(&[("origin", "https://a.example")]).get(header::ORIGIN),
            &mut out,
        );
        assert_eq!(out["access-control-allow-origin"], "https://a.example");
        assert_eq!(out.get_all("access-control-allow-origin").iter().count(), 1);
        assert!(!out.contains_key("access-control-allow-credentials"));
    }
}

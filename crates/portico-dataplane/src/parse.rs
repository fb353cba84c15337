//! Which API, stage and path an execute-api request names.

/// Which API/stage/path an execute-api request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub api_id: String,
    /// Empty when the URL names no stage; serving answers that as AWS does (403).
    pub stage: String,
    /// The path inside the stage: leading '/', still percent-encoded.
    pub path: String,
    /// The path after the API's id, stage included: what an HTTP API's `$default` stage
    /// routes on when no stage has the first segment's name.
    pub whole_path: String,
}

impl Invocation {
    /// None when the request is not for execute-api (then it goes to the control plane).
    ///
    /// Forms, first match wins:
    /// - Host `{api-id}.execute-api.<anything>`, path `/{stage}/{path...}`;
    /// - path `/_aws/execute-api/{api-id}/{stage}/{path...}`, any host;
    /// - path `/restapis/{api-id}/{stage}/_user_request_/{path...}`, any host (LocalStack's legacy form).
    pub fn parse(host: Option<&str>, path: &str) -> Option<Invocation> {
        if let Some(api_id) = host.and_then(api_id_from_host) {
            let (stage, rest) = first_segment(path);
            return Some(Invocation::new(api_id, stage, rest, path));
        }
        if let Some(rest) = path.strip_prefix("/_aws/execute-api/") {
            let (api_id, rest) = split_segment(rest);
            if api_id.is_empty() {
                return None;
            }
            let (stage, after) = first_segment(rest);
            return Some(Invocation::new(api_id, stage, after, rest));
        }
        if let Some(rest) = path.strip_prefix("/restapis/") {
            let (api_id, rest) = split_segment(rest);
            let (stage, rest) = first_segment(rest);
            let (marker, rest) = first_segment(rest);
            if api_id.is_empty() || stage.is_empty() || marker != "_user_request_" {
                return None;
            }
            return Some(Invocation::new(api_id, stage, rest, &format!("/{stage}{rest}")));
        }
        None
    }

    fn new(api_id: &str, stage: &str, rest: &str, whole: &str) -> Invocation {
        let rooted = |p: &str| {
            if p.starts_with('/') {
                p.to_owned()
            } else {
                format!("/{p}")
            }
        };
        Invocation {
            api_id: api_id.to_owned(),
            stage: stage.to_owned(),
            path: rooted(rest),
            whole_path: rooted(whole),
        }
    }
}

/// `abc123.execute-api.localhost:4566` → `abc123`.
fn api_id_from_host(host: &str) -> Option<&str> {
    let (api_id, rest) = host.split_once('.')?;
    let rest = rest.as_bytes();
    let marker = b"execute-api";
    let named = rest.len() > marker.len()
        && rest[..marker.len()].eq_ignore_ascii_case(marker)
        && matches!(rest[marker.len()], b'.' | b':');
    (named && !api_id.is_empty()).then_some(api_id)
}

/// `/dev/pets/1` → (`dev`, `/pets/1`); `/` → (``, ``).
fn first_segment(path: &str) -> (&str, &str) {
    split_segment(path.strip_prefix('/').unwrap_or(path))
}

/// `dev/pets/1` → (`dev`, `/pets/1`).
fn split_segment(path: &str) -> (&str, &str) {
    match path.find('/') {
        Some(i) => (&path[..i], &path[i..]),
        None => (path, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(api_id: &str, stage: &str, path: &str) -> Option<Invocation> {
        Some(Invocation {
            api_id: api_id.into(),
            stage: stage.into(),
            path: path.into(),
            whole_path: String::new(),
        })
    }

    /// Compares all but `whole_path`, which `whole_paths` checks.
    fn parse(host: Option<&str>, path: &str) -> Option<Invocation> {
        Invocation::parse(host, path).map(|i| Invocation {
            whole_path: String::new(),
            ..i
        })
    }

    #[test]
    fn whole_paths() {
        let whole = |host, path| Invocation::parse(host, path).unwrap().whole_path;
        let host = Some("abc.execute-api.localhost");
        assert_eq!(whole(host, "/dev/pets/1"), "/dev/pets/1");
        assert_eq!(whole(host, "/dev"), "/dev");
        assert_eq!(whole(host, "/"), "/");
        assert_eq!(whole(None, "/_aws/execute-api/abc/items/1"), "/items/1");
        assert_eq!(whole(None, "/_aws/execute-api/abc"), "/");
        assert_eq!(whole(None, "/restapis/abc/dev/_user_request_/x"), "/dev/x");
    }

    #[test]
    fn host_form() {
        let host = Some("abc123.execute-api.localhost:4566");
        assert_eq!(parse(host, "/dev/pets/1"), inv("abc123", "dev", "/pets/1"));
        assert_eq!(parse(host, "/dev"), inv("abc123", "dev", "/"));
        assert_eq!(parse(host, "/dev/"), inv("abc123", "dev", "/"));
        assert_eq!(parse(host, "/dev/a%20b/"), inv("abc123", "dev", "/a%20b/"));
        assert_eq!(parse(host, "/"), inv("abc123", "", "/"));
        assert_eq!(
            parse(Some("abc.execute-api.us-east-1.amazonaws.com"), "/prod/x"),
            inv("abc", "prod", "/x")
        );
        assert_eq!(
            parse(Some("abc.EXECUTE-API.localhost"), "/prod"),
            inv("abc", "prod", "/")
        );
        assert_eq!(parse(Some("abc.execute-api:4566"), "/prod"), inv("abc", "prod", "/"));
        // The host form wins over the path forms.
        assert_eq!(
            parse(host, "/restapis/x/dev/_user_request_/y"),
            inv("abc123", "restapis", "/x/dev/_user_request_/y")
        );
    }

    #[test]
    fn aws_path_form() {
        for host in [None, Some("localhost:4566")] {
            assert_eq!(
                parse(host, "/_aws/execute-api/abc/dev/pets"),
                inv("abc", "dev", "/pets")
            );
            assert_eq!(parse(host, "/_aws/execute-api/abc/dev"), inv("abc", "dev", "/"));
            assert_eq!(parse(host, "/_aws/execute-api/abc"), inv("abc", "", "/"));
            assert_eq!(parse(host, "/_aws/execute-api/"), None);
        }
    }

    #[test]
    fn legacy_path_form() {
        let host = Some("localhost:4566");
        assert_eq!(
            parse(host, "/restapis/abc/dev/_user_request_/pets/1"),
            inv("abc", "dev", "/pets/1")
        );
        assert_eq!(parse(host, "/restapis/abc/dev/_user_request_"), inv("abc", "dev", "/"));
        assert_eq!(parse(host, "/restapis/abc/dev/_user_request_/"), inv("abc", "dev", "/"));
    }

    #[test]
    fn control_plane_requests_are_not_invocations() {
        let host = Some("localhost:4566");
        for path in [
            "/",
            "/restapis",
            "/restapis/abc",
            "/restapis/abc/resources",
            "/restapis/abc/resources/xyz/methods/GET",
            "/restapis/abc/stages/dev",
            "/restapis/abc/dev/_user_request_x/y",
            "/restapis//dev/_user_request_/",
            "/_aws/other",
            "/apis/abc",
        ] {
            assert_eq!(parse(host, path), None, "{path}");
            assert_eq!(parse(None, path), None, "{path}");
        }
        for host in [
            "apigateway.us-east-1.amazonaws.com",
            "execute-api.localhost",
            ".execute-api.localhost",
            "abc.execute-apix.localhost",
            "abc.execute-api",
        ] {
            assert_eq!(parse(Some(host), "/dev/x"), None, "{host}");
        }
    }
}

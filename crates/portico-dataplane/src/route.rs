//! Request path and method to a deployed method, the way API Gateway resolves resources.
//!
//! The tree is built once per deployment. At each level a literal segment beats `{param}`,
//! which beats `{proxy+}`; a branch that leads nowhere backtracks to the next choice. A
//! resource counts only if it has methods, so a bare intermediate resource falls through to a
//! greedy sibling. Once a resource is chosen the method is exact, else `ANY`: AWS does not try
//! another resource when the method is missing.

use percent_encoding::percent_decode_str;
use std::collections::HashMap;

/// The HTTP methods API Gateway accepts on a REST API.
const SERVED_METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Resources and their methods, keyed by path segment.
#[derive(Debug)]
pub struct Routes<T> {
    root: Node<T>,
}

#[derive(Debug)]
struct Node<T> {
    methods: HashMap<String, T>,
    literals: HashMap<String, Node<T>>,
    /// AWS allows one `{param}` child per resource.
    param: Option<(String, Box<Node<T>>)>,
    /// `{name+}`: a leaf, AWS allows no children below it.
    greedy: Option<(String, HashMap<String, T>)>,
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Node {
            methods: HashMap::new(),
            literals: HashMap::new(),
            param: None,
            greedy: None,
        }
    }
}

/// A path parameter taken from the request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathParam {
    pub name: String,
    /// As the client sent it: what backend URIs get.
    pub raw: String,
    /// Percent-decoded: what mapping templates and logs see.
    pub value: String,
}

/// The method a request resolved to, with its path parameters.
#[derive(Debug)]
pub struct Route<'a, T> {
    pub target: &'a T,
    pub params: Vec<PathParam>,
}

impl<T> Default for Routes<T> {
    fn default() -> Self {
        Routes { root: Node::default() }
    }
}

impl<T> Routes<T> {
    /// Adds `method` (GET, ANY, …) on the resource at `resource_path` (`/pets/{petId}`, `/{proxy+}`).
    /// Returns false when the path conflicts with what is there (the target is then dropped).
    pub fn insert(&mut self, resource_path: &str, method: &str, target: T) -> bool {
        let mut node = &mut self.root;
        let mut parts = resource_path.split('/').filter(|p| !p.is_empty()).peekable();
        while let Some(part) = parts.next() {
            match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) if name.ends_with('+') => {
                    let name = name.trim_end_matches('+');
                    if parts.peek().is_some() {
                        return false;
                    }
                    let (existing, methods) = node.greedy.get_or_insert_with(|| (name.to_owned(), HashMap::new()));
                    if existing != name {
                        return false;
                    }
                    methods.insert(method.to_ascii_uppercase(), target);
                    return true;
                }
                Some(name) => {
                    let (existing, child) = node.param.get_or_insert_with(|| (name.to_owned(), Box::default()));
                    if existing != name {
                        return false;
                    }
                    node = child;
                }
                None => node = node.literals.entry(part.to_owned()).or_default(),
            }
        }
        node.methods.insert(method.to_ascii_uppercase(), target);
        true
    }

    /// Resolves a request. `path` is the stage-relative path, still percent-encoded.
    /// None means no resource or no method: AWS answers both with "Missing Authentication Token".
    pub fn find(&self, method: &str, path: &str) -> Option<Route<'_, T>> {
        let segments: Vec<Segment<'_>> = segments(path).collect();
        let mut params = Vec::new();
        let methods = self.root.find(path, &segments, &mut params)?;
        // `ANY` stands for the methods API Gateway serves; others (TRACE, CONNECT, PROPFIND…)
        // find no method, and get the answer any unknown route gets.
        let target = methods
            .get(method)
            .or_else(|| SERVED_METHODS.contains(&method).then(|| methods.get("ANY")).flatten())?;
        Some(Route { target, params })
    }
}

#[derive(Debug, Clone, Copy)]
struct Segment<'p> {
    start: usize,
    raw: &'p str,
}

/// Non-empty segments with their offsets: `//` and a trailing `/` don't name resources.
fn segments(path: &str) -> impl Iterator<Item = Segment<'_>> {
    let mut start = 0;
    path.split('/').filter_map(move |raw| {
        let seg = Segment { start, raw };
        start += raw.len() + 1;
        (!raw.is_empty()).then_some(seg)
    })
}

fn decode(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

impl<T> Node<T> {
    fn find<'n>(
        &'n self,
        path: &str,
        rest: &[Segment<'_>],
        params: &mut Vec<PathParam>,
    ) -> Option<&'n HashMap<String, T>> {
        let Some((first, tail)) = rest.split_first() else {
            return (!self.methods.is_empty()).then_some(&self.methods);
        };
        let value = decode(first.raw);
        if let Some(child) = self.literals.get(&value)
            && let Some(found) = child.find(path, tail, params)
        {
            return Some(found);
        }
        if let Some((name, child)) = &self.param {
            params.push(PathParam {
                name: name.clone(),
                raw: first.raw.to_owned(),
                value,
            });
            if let Some(found) = child.find(path, tail, params) {
                return Some(found);
            }
            params.pop();
        }
        if let Some((name, methods)) = &self.greedy
            && !methods.is_empty()
        {
            // The rest of the path as sent, trailing slash included.
            let raw = &path[first.start..];
            params.push(PathParam {
                name: name.clone(),
                raw: raw.to_owned(),
                value: decode(raw),
            });
            return Some(methods);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(table: &[(&str, &str)]) -> Routes<String> {
        let mut routes = Routes::default();
        for (path, method) in table {
            assert!(routes.insert(path, method, format!("{method} {path}")), "{path}");
        }
        routes
    }

    /// `METHOD path` → (`METHOD resource`, params as name=value).
    fn resolve(routes: &Routes<String>, method: &str, path: &str) -> Option<(String, Vec<String>)> {
        let route = routes.find(method, path)?;
        let params = route.params.iter().map(|p| format!("{}={}", p.name, p.value)).collect();
        Some((route.target.clone(), params))
    }

    fn ok(target: &str, params: &[&str]) -> Option<(String, Vec<String>)> {
        Some((target.to_owned(), params.iter().map(|p| p.to_string()).collect()))
    }

    #[test]
    fn literal_beats_param_beats_greedy() {
        let r = routes(&[
            ("/pets", "GET"),
            ("/pets/mine", "GET"),
            ("/pets/{petId}", "GET"),
            ("/pets/{petId}/toys", "GET"),
            ("/{proxy+}", "ANY"),
        ]);
        assert_eq!(resolve(&r, "GET", "/pets"), ok("GET /pets", &[]));
        assert_eq!(resolve(&r, "GET", "/pets/mine"), ok("GET /pets/mine", &[]));
        assert_eq!(resolve(&r, "GET", "/pets/42"), ok("GET /pets/{petId}", &["petId=42"]));
        assert_eq!(
            resolve(&r, "GET", "/pets/42/toys"),
            ok("GET /pets/{petId}/toys", &["petId=42"])
        );
        // Nothing deeper matches: backtrack to the greedy resource at the root.
        assert_eq!(
            resolve(&r, "GET", "/pets/42/food"),
            ok("ANY /{proxy+}", &["proxy=pets/42/food"])
        );
        assert_eq!(
            resolve(&r, "GET", "/pets/mine/x"),
            ok("ANY /{proxy+}", &["proxy=pets/mine/x"])
        );
        assert_eq!(resolve(&r, "DELETE", "/other"), ok("ANY /{proxy+}", &["proxy=other"]));
        // The resource is found first; a missing method does not fall through to the greedy one.
        assert_eq!(resolve(&r, "POST", "/pets"), None);
        // `{proxy+}` needs at least one segment.
        assert_eq!(resolve(&r, "GET", "/"), None);
    }

    #[test]
    fn any_is_the_fallback_method() {
        let r = routes(&[("/items", "GET"), ("/items", "ANY"), ("/only-get", "GET")]);
        assert_eq!(resolve(&r, "GET", "/items"), ok("GET /items", &[]));
        assert_eq!(resolve(&r, "PATCH", "/items"), ok("ANY /items", &[]));
        assert_eq!(resolve(&r, "HEAD", "/only-get"), None);
    }

    #[test]
    fn root_and_slashes() {
        let r = routes(&[("/", "GET"), ("/a/b", "POST")]);
        assert_eq!(resolve(&r, "GET", "/"), ok("GET /", &[]));
        assert_eq!(resolve(&r, "GET", ""), ok("GET /", &[]));
        assert_eq!(resolve(&r, "POST", "/a/b/"), ok("POST /a/b", &[]));
        assert_eq!(resolve(&r, "POST", "//a//b"), ok("POST /a/b", &[]));
        // An intermediate resource without methods is not a match.
        assert_eq!(resolve(&r, "POST", "/a"), None);
        assert_eq!(resolve(&r, "POST", "/a/b/c"), None);
        assert_eq!(resolve(&r, "GET", "/x"), None);
    }

    #[test]
    fn greedy_takes_the_rest() {
        let r = routes(&[("/files/{path+}", "GET"), ("/files", "GET")]);
        assert_eq!(resolve(&r, "GET", "/files/a"), ok("GET /files/{path+}", &["path=a"]));
        assert_eq!(
            resolve(&r, "GET", "/files/a/b/c.txt"),
            ok("GET /files/{path+}", &["path=a/b/c.txt"])
        );
        assert_eq!(
            resolve(&r, "GET", "/files/a/b/"),
            ok("GET /files/{path+}", &["path=a/b/"])
        );
        assert_eq!(resolve(&r, "GET", "/files/"), ok("GET /files", &[]));
    }

    #[test]
    fn params_are_decoded_and_keep_their_raw_form() {
        let r = routes(&[("/users/{name}/{proxy+}", "GET"), ("/caf\u{e9}", "GET")]);
        let route = r.find("GET", "/users/J%C3%B6rg%20B/x%2Fy/z").unwrap();
        assert_eq!(
            route.params[0],
            PathParam {
                name: "name".into(),
                raw: "J%C3%B6rg%20B".into(),
                value: "Jörg B".into()
            }
        );
        assert_eq!(
            route.params[1],
            PathParam {
                name: "proxy".into(),
                raw: "x%2Fy/z".into(),
                value: "x/y/z".into()
            }
        );
        // Literals compare decoded.
        assert_eq!(resolve(&r, "GET", "/caf%C3%A9"), ok("GET /caf\u{e9}", &[]));
    }

    #[test]
    fn conflicting_resources_are_refused() {
        let mut r = routes(&[("/pets/{petId}", "GET")]);
        assert!(!r.insert("/pets/{name}", "GET", "x".into()));
        assert!(!r.insert("/{proxy+}/below", "GET", "x".into()));
        assert!(r.insert("/pets/{petId}", "ANY", "ANY /pets/{petId}".into()));
        assert_eq!(resolve(&r, "PUT", "/pets/1"), ok("ANY /pets/{petId}", &["petId=1"]));
    }
}

//! An HTTP API's routes, matched as AWS matches them: the most specific path wins (literal
//! segments over `{parameters}`, left to right; any full path over a greedy `{proxy+}`, and
//! among greedy ones the longer prefix), then a route for the request's method over `ANY`;
//! `$default` takes what no other route matches.

/// One segment of a route's path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

#[derive(Debug, Clone)]
struct Route {
    /// `None`: `ANY`.
    method: Option<String>,
    segments: Vec<Segment>,
    /// The name of a trailing `{name+}`.
    greedy: Option<String>,
    index: usize,
}

/// A matched route: its index in the list compiled from, and its path parameters (decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    pub index: usize,
    pub params: Vec<(String, String)>,
}

#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
    default: Option<usize>,
}

impl RouteTable {
    /// `keys`: each route's key (`GET /items/{id}`, `ANY /{proxy+}`, `$default`) by index;
    /// keys that are none of these are left out (the control plane refuses them).
    pub fn compile<'a>(keys: impl IntoIterator<Item = &'a str>) -> RouteTable {
        let mut table = RouteTable::default();
        for (index, key) in keys.into_iter().enumerate() {
            if key == "$default" {
                table.default = Some(index);
                continue;
            }
            let Some((method, path)) = key.split_once(' ') else {
                tracing::warn!(key, "route key is not `METHOD /path`");
                continue;
            };
            let mut segments = Vec::new();
            let mut greedy = None;
            let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            for (i, part) in parts.iter().enumerate() {
                match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    Some(name) if name.ends_with('+') && i + 1 == parts.len() => {
                        greedy = Some(name.trim_end_matches('+').to_owned());
                    }
                    Some(name) => segments.push(Segment::Param(name.to_owned())),
                    None => segments.push(Segment::Literal((*part).to_owned())),
                }
            }
            table.routes.push(Route {
                method: (method != "ANY").then(|| method.to_owned()),
                segments,
                greedy,
                index,
            });
        }
        table
    }

    /// The route for a request; `path` still percent-encoded, without the stage.
    pub fn find(&self, method: &str, path: &str) -> Option<Matched> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut best: Option<(Rank, &Route)> = None;
        for route in &self.routes {
            if route.method.as_deref().is_some_and(|m| m != method) {
                continue;
            }
            let Some(rank) = rank(route, &parts) else { continue };
            if best.as_ref().is_none_or(|(b, _)| rank > *b) {
                best = Some((rank, route));
            }
        }
        match best {
            Some((_, route)) => Some(Matched {
                index: route.index,
                params: params(route, &parts),
            }),
            None => self.default.map(|index| Matched { index, params: vec![] }),
        }
    }
}

/// How specific a match is; greater is more specific.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    full: bool,
    /// For greedy routes: segments before the greedy one.
    prefix: usize,
    /// Literal segments as bits, the first segment the highest: literal over parameter, left
    /// to right (routes deeper than 64 segments compare on their first 64).
    literals: u64,
    method: bool,
}

fn rank(route: &Route, parts: &[&str]) -> Option<Rank> {
    let n = route.segments.len();
    match route.greedy {
        // `{proxy+}` takes one segment at least.
        Some(_) if parts.len() <= n => return None,
        None if parts.len() != n => return None,
        _ => {}
    }
    let mut literals = 0u64;
    for (i, (segment, part)) in route.segments.iter().zip(parts).enumerate() {
        match segment {
            Segment::Literal(text) if text == part => {
                if i < 64 {
                    literals |= 1 << (63 - i);
                }
            }
            Segment::Literal(_) => return None,
            Segment::Param(_) => {}
        }
    }
    Some(Rank {
        full: route.greedy.is_none(),
        prefix: n,
        literals,
        method: route.method.is_some(),
    })
}

fn params(route: &Route, parts: &[&str]) -> Vec<(String, String)> {
    let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
    let mut out: Vec<(String, String)> = route
        .segments
        .iter()
        .zip(parts)
        .filter_map(|(segment, part)| match segment {
            Segment::Param(name) => Some((name.clone(), decode(part))),
            Segment::Literal(_) => None,
        })
        .collect();
    if let Some(name) = &route.greedy {
        out.push((name.clone(), decode(&parts[route.segments.len()..].join("/"))));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: [&str; 9] = [
        "GET /items/{id}",
        "GET /items/special",
        "ANY /items/{id}",
        "ANY /{proxy+}",
        "GET /items/{id}/{rest+}",
        "$default",
        "POST /items",
        "GET /",
        "PUT /a/{b}/c",
    ];

    fn find(method: &str, path: &str) -> Option<(&'static str, Vec<(String, String)>)> {
        let table = RouteTable::compile(KEYS);
        table.find(method, path).map(|m| (KEYS[m.index], m.params))
    }

    fn key(method: &str, path: &str) -> &'static str {
        find(method, path).unwrap().0
    }

    #[test]
    fn literal_over_parameter_over_greedy_then_default() {
        assert_eq!(key("GET", "/items/special"), "GET /items/special");
        assert_eq!(key("GET", "/items/7"), "GET /items/{id}");
        assert_eq!(key("DELETE", "/items/7"), "ANY /items/{id}");
        assert_eq!(key("GET", "/items/7/a/b"), "GET /items/{id}/{rest+}");
        assert_eq!(key("POST", "/items/7/a/b"), "ANY /{proxy+}");
        assert_eq!(key("POST", "/items"), "POST /items");
        assert_eq!(key("GET", "/items"), "ANY /{proxy+}");
        assert_eq!(key("GET", "/"), "GET /");
        // A greedy variable needs a segment to take.
        assert_eq!(key("POST", "/"), "$default");
        assert_eq!(key("PUT", "/a/x/c"), "PUT /a/{b}/c");
        assert_eq!(key("PUT", "/a/x/d"), "ANY /{proxy+}");
    }

    #[test]
    fn parameters_are_decoded_and_greedy_takes_the_rest() {
        assert_eq!(
            find("GET", "/items/a%20b").unwrap().1,
            [("id".to_owned(), "a b".to_owned())]
        );
        assert_eq!(
            find("GET", "/items/1/x/y%2Fz").unwrap().1,
            [
                ("id".to_owned(), "1".to_owned()),
                ("rest".to_owned(), "x/y/z".to_owned())
            ]
        );
        assert_eq!(
            find("PATCH", "/deep/er/path").unwrap().1,
            [("proxy".to_owned(), "deep/er/path".to_owned())]
        );
    }

    #[test]
    fn trailing_slashes_and_no_default() {
        assert_eq!(key("GET", "/items/special/"), "GET /items/special");
        let table = RouteTable::compile(["GET /a"]);
        assert_eq!(table.find("GET", "/b"), None);
        assert_eq!(table.find("POST", "/a"), None);
        assert_eq!(table.find("GET", "/a").map(|m| m.index), Some(0));
    }
}

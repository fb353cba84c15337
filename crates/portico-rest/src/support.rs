//! Small pieces every handler uses: scope, ids, not-found errors, pagination, patch paths.

use portico_store::{Position, Scope};
use portico_wire::{AwsError, RequestContext};
use rand::Rng;

pub fn scope(ctx: &RequestContext) -> Scope {
    Scope {
        account: ctx.account.clone(),
        region: ctx.region.clone(),
    }
}

/// A member the wire layer already checked is present (path labels, required members).
pub fn required(value: Option<String>) -> String {
    value.unwrap_or_default()
}

/// AWS ids: lowercase letters and digits (`a1b2c3d4e5` for APIs, 6 characters for most children).
pub fn new_id(len: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

pub fn api_not_found(ctx: &RequestContext, api_id: &str) -> AwsError {
    AwsError::not_found(format!("Invalid API identifier specified {}:{api_id}", ctx.account))
}

/// A list operation's page size: 25 unless asked, at most 500.
pub fn limit(limit: Option<i64>) -> Result<usize, AwsError> {
    match limit {
        None => Ok(25),
        Some(n) if (1..=500).contains(&n) => Ok(n as usize),
        Some(n) => Err(AwsError::bad_request(format!(
            "1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 500"
        ))),
    }
}

/// Where a list operation's page starts: a token an earlier page handed out.
pub fn position(position: Option<&str>) -> Result<Option<Position>, AwsError> {
    match position {
        None | Some("") => Ok(None),
        Some(token) => Position::parse(token)
            .map(Some)
            .ok_or_else(|| AwsError::bad_request("Invalid position parameter")),
    }
}

/// A page of the documents of `list` that `keep` accepts, from `from`, and the next page's
/// token: for lists with filters (`nameQuery`, `customerId`, `keyId`). Emulator-sized lists are
/// read whole, so a filter never hands out short or empty pages.
pub async fn filtered_page<D: portico_store::Document>(
    store: &portico_store::Store,
    kind: &portico_store::Kind<D>,
    list: portico_store::List<'_>,
    from: Option<Position>,
    limit: usize,
    mut keep: impl FnMut(&D) -> bool,
) -> Result<(Vec<portico_store::Stored<D>>, Option<String>), AwsError> {
    let all = store.page(kind, list, from, 1_000_000).await?.items;
    let mut kept: Vec<_> = all.into_iter().filter(|d| keep(&d.doc)).take(limit + 1).collect();
    let next = (kept.len() > limit).then(|| Position::of(&kept[limit].row).token());
    kept.truncate(limit);
    Ok((kept, next))
}

/// Longest name or short text member Portico stores (AWS documents 1024 for API key names).
pub const MAX_TEXT: usize = 1024;

/// Names and short texts: bounded, and free of control characters.
pub fn check_text(member: &str, value: &str) -> Result<(), AwsError> {
    if value.chars().count() > MAX_TEXT {
        return Err(AwsError::bad_request(format!(
            "Invalid {member}: it must be at most {MAX_TEXT} characters long"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(AwsError::bad_request(format!(
            "Invalid {member}: it must not contain control characters"
        )));
    }
    Ok(())
}

/// One patch operation, checked: `op` is one of AWS's and `path` split into unescaped segments.
#[derive(Debug)]
pub struct Patch {
    pub op: &'static str,
    pub path: String,
    pub segments: Vec<String>,
    pub value: Option<String>,
    /// A `copy` or `move` operation's source path.
    pub from: Option<String>,
}

/// Checks every operation; `input` names the operation's input in AWS's messages (`updateStageInput`).
pub fn patches(
    ops: Option<Vec<portico_wire::apigateway::PatchOperation>>,
    input: &str,
) -> Result<Vec<Patch>, AwsError> {
    ops.unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(index, p)| {
            // The wire layer refuses values outside the model's enum; only a missing op is left.
            let op = match p.op.as_deref() {
                Some("add") => "add",
                Some("remove") => "remove",
                Some("replace") => "replace",
                Some("move") => "move",
                Some("copy") => "copy",
                Some("test") => "test",
                other => {
                    return Err(AwsError::validation(format!(
                        "1 validation error detected: Value '{}' at '{input}.patchOperations.{}.member.op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]",
                        other.unwrap_or("null"),
                        index + 1,
                    )));
                }
            };
            let path = p.path.unwrap_or_default();
            if !path.starts_with('/') {
                return Err(AwsError::bad_request(format!("Invalid patch path {path}")));
            }
            let segments = path[1..].split('/').map(|s| s.replace("~1", "/").replace("~0", "~")).collect();
            Ok(Patch { op, path, segments, value: p.value, from: p.from })
        })
        .collect()
}

impl Patch {
    pub fn segs(&self) -> Vec<&str> {
        self.segments.iter().map(String::as_str).collect()
    }

    /// The error AWS gives for a path the resource does not take.
    pub fn invalid_path(&self, allowed: &[&str]) -> AwsError {
        AwsError::bad_request(format!(
            "Invalid patch path '{}' specified for op '{}'. Must be one of: [{}]",
            self.path,
            self.op,
            allowed.join(", ")
        ))
    }

    pub fn unsupported_op(&self) -> AwsError {
        AwsError::bad_request(format!(
            "Invalid patch operation specified. Must be one of: [replace, add, remove] for '{}'",
            self.path
        ))
    }

    pub fn string(&self) -> Result<String, AwsError> {
        self.value
            .clone()
            .ok_or_else(|| AwsError::bad_request(format!("Invalid null value for path {}", self.path)))
    }

    /// Text value that may be cleared: `remove` or an empty string leave `None`.
    pub fn optional_string(&self) -> Option<String> {
        match self.op {
            "remove" => None,
            _ => self.value.clone().filter(|v| !v.is_empty()),
        }
    }

    pub fn bool(&self) -> Result<bool, AwsError> {
        match self.value.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            _ => Err(AwsError::bad_request(format!(
                "Invalid value '{}' for path {}: must be a boolean",
                self.value.as_deref().unwrap_or("null"),
                self.path
            ))),
        }
    }

    pub fn i64(&self) -> Result<i64, AwsError> {
        self.value.as_deref().and_then(|v| v.parse().ok()).ok_or_else(|| {
            AwsError::bad_request(format!(
                "Invalid value '{}' for path {}: must be an integer",
                self.value.as_deref().unwrap_or("null"),
                self.path
            ))
        })
    }

    pub fn f64(&self) -> Result<f64, AwsError> {
        self.value.as_deref().and_then(|v| v.parse().ok()).ok_or_else(|| {
            AwsError::bad_request(format!(
                "Invalid value '{}' for path {}: must be a number",
                self.value.as_deref().unwrap_or("null"),
                self.path
            ))
        })
    }
}

/// `add`/`replace` puts `key → value` into a map member, `remove` takes it out.
pub fn patch_map<V>(
    map: &mut Option<std::collections::BTreeMap<String, V>>,
    patch: &Patch,
    key: &str,
    value: impl FnOnce() -> Result<V, AwsError>,
) -> Result<(), AwsError> {
    match patch.op {
        "add" | "replace" => {
            map.get_or_insert_default().insert(key.to_string(), value()?);
        }
        "remove" => {
            if let Some(m) = map.as_mut() {
                m.remove(key);
            }
        }
        _ => return Err(patch.unsupported_op()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_wire::apigateway::PatchOperation;

    fn op(op: &str, path: &str, value: Option<&str>) -> PatchOperation {
        PatchOperation {
            op: Some(op.into()),
            path: Some(path.into()),
            value: value.map(str::to_string),
            from: None,
        }
    }

    #[test]
    fn patch_paths_are_split_and_unescaped() {
        let parsed = patches(
            Some(vec![op("add", "/binaryMediaTypes/image~1png", None)]),
            "updateRestApiInput",
        )
        .unwrap();
        assert_eq!(parsed[0].op, "add");
        assert_eq!(parsed[0].segs(), ["binaryMediaTypes", "image/png"]);
        let parsed = patches(Some(vec![op("replace", "/a~0b/c", Some("x"))]), "updateRestApiInput").unwrap();
        assert_eq!(parsed[0].segs(), ["a~b", "c"]);
    }

    #[test]
    fn unknown_ops_and_relative_paths_are_rejected() {
        let err = patches(Some(vec![op("wrong", "/name", None)]), "updateRestApiInput").unwrap_err();
        assert_eq!(err.code, "ValidationException");
        assert!(err.message.contains("[add, remove, move, test, replace, copy]"));
        let ops = vec![op("replace", "/description", Some("x")), op("bogus", "/name", None)];
        let err = patches(Some(ops), "updateStageInput").unwrap_err();
        assert!(
            err.message
                .contains("Value 'bogus' at 'updateStageInput.patchOperations.2.member.op'"),
            "{}",
            err.message
        );
        assert!(patches(Some(vec![op("replace", "name", None)]), "updateRestApiInput").is_err());
    }

    #[test]
    fn typed_values() {
        let p = &patches(Some(vec![op("replace", "/x", Some("TRUE"))]), "updateRestApiInput").unwrap()[0];
        assert!(p.bool().unwrap());
        assert!(p.i64().is_err());
        let p = &patches(Some(vec![op("replace", "/x", Some("12"))]), "updateRestApiInput").unwrap()[0];
        assert_eq!(p.i64().unwrap(), 12);
        assert_eq!(p.f64().unwrap(), 12.0);
        let p = &patches(Some(vec![op("remove", "/x", Some("12"))]), "updateRestApiInput").unwrap()[0];
        assert_eq!(p.optional_string(), None);
    }

    #[test]
    fn map_patches() {
        let mut map = None;
        let add = &patches(Some(vec![op("add", "/variables/a", Some("1"))]), "updateRestApiInput").unwrap()[0];
        patch_map(&mut map, add, "a", || add.string()).unwrap();
        assert_eq!(map.as_ref().unwrap()["a"], "1");
        let remove = &patches(Some(vec![op("remove", "/variables/a", None)]), "updateRestApiInput").unwrap()[0];
        patch_map(&mut map, remove, "a", || remove.string()).unwrap();
        assert!(map.unwrap().is_empty());
    }

    #[test]
    fn limits_positions_and_texts() {
        assert_eq!(limit(None).unwrap(), 25);
        assert_eq!(limit(Some(500)).unwrap(), 500);
        assert!(limit(Some(0)).is_err() && limit(Some(501)).is_err());
        assert_eq!(position(None).unwrap(), None);
        assert_eq!(position(Some("")).unwrap(), None);
        assert_eq!(
            position(Some("nope")).unwrap_err().message,
            "Invalid position parameter"
        );
        assert!(check_text("name", "pets api").is_ok());
        assert!(check_text("name", &"a".repeat(MAX_TEXT + 1)).is_err());
        assert!(check_text("name", "tab\there").is_err());
    }
}

//! Ids, scopes, pages and the conversions between the model's many shapes of one resource.

use portico_store::{Document, Kind, Position, Row, StoreError, Tx};
use portico_wire::AwsError;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use portico_rest::support::{new_id, required, scope};

/// One resource's shapes (`Api`, `CreateApiResponse`, `GetApiResponse`...) share their
/// members: the stored one becomes the answer through its JSON form.
pub fn convert<A: Serialize, B: DeserializeOwned + Default>(from: &A) -> B {
    serde_json::to_value(from)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// `maxResults` (a string in this model) and `nextToken`, checked.
pub fn page_args(max_results: Option<&str>, next_token: Option<&str>) -> Result<(Option<Position>, usize), AwsError> {
    let limit = match max_results {
        None | Some("") => 100,
        Some(n) => match n.parse::<usize>() {
            Ok(n) if (1..=500).contains(&n) => n,
            _ => {
                return Err(AwsError::bad_request(format!(
                    "The maxResults parameter must be a number between 1 and 500, got {n}"
                )));
            }
        },
    };
    let from = match next_token {
        None | Some("") => None,
        Some(token) => Some(Position::parse(token).ok_or_else(|| AwsError::bad_request("Invalid nextToken"))?),
    };
    Ok((from, limit))
}

pub fn api_not_found(api_id: &str) -> AwsError {
    not_found("Api", format!("Invalid API identifier specified {api_id}"))
}

pub fn not_found(resource: &str, message: String) -> AwsError {
    let mut error = AwsError::not_found(message);
    error.fields.push(("resourceType", resource.to_owned()));
    error
}

/// Inserts `doc` under `parent` with a new id of `len` characters, which `set` writes into it
/// (drawn again in the unlikely case it is taken): the id and the row.
pub async fn insert_new<D: Document>(
    tx: &mut Tx<'_>,
    kind: &Kind<D>,
    parent: &Row,
    len: usize,
    doc: &mut D,
    set: fn(&mut D, String),
) -> Result<(String, Row), AwsError> {
    loop {
        let id = new_id(len);
        set(doc, id.clone());
        match tx.insert(kind, parent, &id, doc).await {
            Err(StoreError::Exists) => continue,
            other => return Ok((id, other?)),
        }
    }
}

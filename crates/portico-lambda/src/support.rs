//! Small pieces the handlers share: scope, timestamps, revision ids, markers.

use crate::names::invalid;
use portico_store::{Position, Scope};
use portico_wire::{AwsError, RequestContext};

pub fn scope(ctx: &RequestContext) -> Scope {
    Scope {
        account: ctx.account.clone(),
        region: ctx.region.clone(),
    }
}

/// Lambda's `LastModified`: `2026-11-28T21:05:09.123+0000`.
pub fn last_modified() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+0000");
    now.format(&format).unwrap_or_default()
}

pub fn revision() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Where a list starts: a `NextMarker` an earlier page handed out.
pub fn marker(marker: Option<&str>) -> Result<Option<Position>, AwsError> {
    match marker {
        None | Some("") => Ok(None),
        Some(token) => Position::parse(token)
            .map(Some)
            .ok_or_else(|| invalid(format!("Invalid Marker: {token}"))),
    }
}

/// `MaxItems`: 50 when absent (the model bounds it to 1..=10000).
pub fn max_items(max: Option<i64>) -> Result<usize, AwsError> {
    Ok(max.map_or(50, |n| n.clamp(1, 10_000) as usize))
}

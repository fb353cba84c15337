//! Scalar wire types that serde has no stock form for.

use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Instant with second precision, written as epoch seconds (the rest-json default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Timestamp(pub i64);

/// Instant written as ISO 8601 (`timestampFormat: iso8601` in the model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct IsoTimestamp(pub i64);

impl Timestamp {
    pub fn now() -> Self {
        Self(time::OffsetDateTime::now_utc().unix_timestamp())
    }
}

impl IsoTimestamp {
    pub fn now() -> Self {
        Self(time::OffsetDateTime::now_utc().unix_timestamp())
    }
}

impl From<Timestamp> for IsoTimestamp {
    fn from(t: Timestamp) -> Self {
        Self(t.0)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(f64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Num(n) => Ok(Self(n as i64)),
            Raw::Text(t) => parse_iso(&t).map(Self).map_err(serde::de::Error::custom),
        }
    }
}

impl Serialize for IsoTimestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = time::OffsetDateTime::from_unix_timestamp(self.0).map_err(serde::ser::Error::custom)?;
        let text = t
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for IsoTimestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Timestamp::deserialize(d).map(|t| Self(t.0))
    }
}

fn parse_iso(text: &str) -> Result<i64, String> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|e| format!("invalid timestamp {text:?}: {e}"))
}

/// Binary member; base64 inside JSON documents, raw bytes when it is the payload.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Blob(pub Vec<u8>);

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(Blob)
            .map_err(serde::de::Error::custom)
    }
}

/// REST API template maps (`requestTemplates`, `responseTemplates`): AWS keeps a `null`
/// template and answers an empty one as `null`. Held as `""` so every reader sees a string.
pub mod templates {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::collections::BTreeMap;

    type Templates = Option<BTreeMap<String, String>>;

    pub fn serialize<S: Serializer>(templates: &Templates, s: S) -> Result<S::Ok, S::Error> {
        match templates {
            None => s.serialize_none(),
            Some(map) => s.collect_map(map.iter().map(|(k, v)| (k, (!v.is_empty()).then_some(v)))),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Templates, D::Error> {
        let map: Option<BTreeMap<String, Option<String>>> = Option::deserialize(d)?;
        Ok(map.map(|m| m.into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect()))
    }
}

#[cfg(test)]
mod tests {
    use crate::apigateway::IntegrationResponse;

    /// test_apigateway_api.snapshot.json, test_put_integration_response_templates.
    #[test]
    fn null_and_empty_templates_are_answered_as_null() {
        let null: IntegrationResponse =
            serde_json::from_str(r#"{"statusCode": "200", "responseTemplates": {"application/json": null}}"#).unwrap();
        assert_eq!(null.response_templates.as_ref().unwrap()["application/json"], "");
        let empty: IntegrationResponse =
            serde_json::from_str(r#"{"responseTemplates": {"application/json": "", "text/plain": "x"}}"#).unwrap();
        assert_eq!(
            serde_json::to_value(&empty).unwrap(),
            serde_json::json!({"responseTemplates": {"application/json": null, "text/plain": "x"}})
        );
        let none: IntegrationResponse = serde_json::from_str("{}").unwrap();
        assert_eq!(serde_json::to_value(&none).unwrap(), serde_json::json!({}));
    }
}

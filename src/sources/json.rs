//! Small, forgiving readers for service JSON: optional strings, timestamps, and list pages. Services
//! differ in casing and nullability, so every reader tolerates a missing or `null` field.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// A non-empty string at `path` (a JSON pointer such as `/principal/displayName`).
pub fn text(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A timestamp at `pointer`: RFC 3339, or without offset (then UTC), as the services send them.
pub fn timestamp(value: &Value, pointer: &str) -> Option<DateTime<Utc>> {
    text(value, pointer).and_then(|s| parse_timestamp(&s))
}

pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    crate::domain::time::parse_instant(text)
}

pub fn boolean(value: &Value, pointer: &str) -> bool {
    value
        .pointer(pointer)
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The last segment of a resource path (`/providers/…/roleAssignmentApprovals/{guid}` → guid).
pub fn last_segment(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

/// One page of a list: its items and the link to the next page (`@odata.nextLink` or `nextLink`).
pub fn page(value: &Value) -> Option<(&Vec<Value>, Option<String>)> {
    let items = value.get("value")?.as_array()?;
    let next = text(value, "/@odata.nextLink").or_else(|| text(value, "/nextLink"));
    Some((items, next))
}

/// Percent-encodes a value for a query string or path segment.
pub fn encode(text: &str) -> String {
    crate::domain::encode_path_segment(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_timestamps_of_every_service() {
        assert!(parse_timestamp("2021-07-15T19:57:17.76Z").is_some());
        assert!(parse_timestamp("2015-07-11T22:24:52.51Z").is_some());
        assert!(parse_timestamp("2020-09-09T21:35:27.91+00:00").is_some());
        assert!(parse_timestamp("2020-09-09T21:35:27").is_some());
        assert!(parse_timestamp("yesterday").is_none());
    }

    #[test]
    fn reads_pages() {
        let v = json!({"value": [1, 2], "@odata.nextLink": "https://graph/next"});
        let (items, next) = page(&v).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(next.as_deref(), Some("https://graph/next"));
        let v = json!({"value": [], "nextLink": null});
        assert_eq!(page(&v).unwrap().1, None);
        assert!(page(&json!({"items": []})).is_none());
    }

    #[test]
    fn text_ignores_null_and_blank() {
        let v = json!({"a": null, "b": "  ", "c": {"d": "x"}});
        assert_eq!(text(&v, "/a"), None);
        assert_eq!(text(&v, "/b"), None);
        assert_eq!(text(&v, "/c/d").as_deref(), Some("x"));
        assert_eq!(
            last_segment("/providers/Microsoft.Authorization/roleAssignmentApprovals/abc"),
            "abc"
        );
    }
}

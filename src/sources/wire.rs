//! What the services' wire models share: reading a response or a list item into a typed struct with the
//! field path of any error, list pages (`value` + `@odata.nextLink`/`nextLink`), text that counts only
//! when not blank, timestamps in the services' forms, OData v3 `{ "Value": … }` GUIDs and ARM resource
//! paths.

use super::{Listing, SourceError, Unreadable};
use crate::domain::time::parse_instant;
use crate::domain::{Person, RequestedDuration, SourceKind, Ticket};
use chrono::{DateTime, Utc};
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;

/// Longest problem text kept from a parse error (serde quotes the offending value, which may be huge).
const MAX_PROBLEM_CHARS: usize = 200;

/// One page of a list: its items, still unread, and the link to the next page.
#[derive(Debug, Deserialize)]
pub(crate) struct Page {
    pub value: Vec<Value>,
    /// Graph `@odata.nextLink`, ARM and the portal `nextLink`, OData v3 `odata.nextLink`.
    #[serde(
        default,
        rename = "@odata.nextLink",
        alias = "nextLink",
        alias = "odata.nextLink"
    )]
    pub next_link: Option<String>,
}

/// A part of an item that is there but cannot be used, found while building the unified model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Invalid {
    /// Field path inside the item, e.g. `properties.createdOn`.
    pub at: String,
    pub problem: String,
}

impl Invalid {
    pub fn new(at: impl Into<String>, problem: impl Into<String>) -> Self {
        Invalid {
            at: at.into(),
            problem: problem.into(),
        }
    }

    /// The problem as the failure of a whole response (`properties.createdOn: not a date and time`).
    pub fn into_error(self, source: SourceKind) -> SourceError {
        let detail = if self.at.is_empty() {
            self.problem
        } else {
            format!("{}: {}", self.at, self.problem)
        };
        SourceError::malformed(source, detail)
    }
}

/// `value` read as `T`, or the field path and problem of the first thing that did not fit.
pub(crate) fn read<T: DeserializeOwned>(value: &Value) -> Result<T, Invalid> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        Invalid::new(
            if path == "." { String::new() } else { path },
            short(&e.into_inner().to_string()),
        )
    })
}

/// A whole response read as `T`; a misfit is a [`SourceError`] naming the field path.
pub(crate) fn read_response<T: DeserializeOwned>(
    source: SourceKind,
    value: &Value,
) -> Result<T, SourceError> {
    read(value).map_err(|e| e.into_error(source))
}

/// Every item of one list page that reads as `W` and converts, and a note for each that does not. Paths
/// start at the response root (`value[3].properties.scheduleInfo`).
pub(crate) fn read_items<W: DeserializeOwned, T>(
    source: SourceKind,
    items: &[Value],
    convert: impl Fn(W) -> Result<T, Invalid>,
) -> Listing<T> {
    let mut listing = Listing::default();
    for (index, item) in items.iter().enumerate() {
        match read::<W>(item).and_then(&convert) {
            Ok(read) => listing.items.push(read),
            Err(e) => listing.unreadable.push(Unreadable {
                source,
                at: join(&format!("value[{index}]"), &e.at),
                problem: e.problem,
            }),
        }
    }
    listing
}

/// `parent.child`, or `parent` when `child` is empty.
pub(crate) fn join(parent: &str, child: &str) -> String {
    match (parent.is_empty(), child.is_empty()) {
        (_, true) => parent.to_string(),
        (true, false) => child.to_string(),
        (false, false) => format!("{parent}.{child}"),
    }
}

fn short(text: &str) -> String {
    if text.chars().count() <= MAX_PROBLEM_CHARS {
        return text.to_string();
    }
    let cut: String = text.chars().take(MAX_PROBLEM_CHARS).collect();
    format!("{cut}…")
}

/// A string that counts only when it is not blank, trimmed (services send `""` and `null` for "none").
pub(crate) fn text(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// An optional timestamp: `None` when absent, blank or not a timestamp.
pub(crate) fn time(value: Option<&str>) -> Option<DateTime<Utc>> {
    value.and_then(parse_instant)
}

/// `requestSchedule` of Graph and ARM: when the activation starts and how it ends.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Schedule {
    start_date_time: Option<String>,
    expiration: Option<Expiration>,
}

/// `expirationPattern`; its `type` (`afterDuration`, PascalCase in samples) follows from which is set.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Expiration {
    end_date_time: Option<String>,
    duration: Option<String>,
}

impl Schedule {
    /// `None` = "when approved".
    pub fn start(&self) -> Option<DateTime<Utc>> {
        time(self.start_date_time.as_deref())
    }

    pub fn duration(&self) -> RequestedDuration {
        RequestedDuration::from_iso(self.expiration.as_ref().and_then(|e| e.duration.as_deref()))
    }

    pub fn end(&self) -> Option<DateTime<Utc>> {
        time(self.expiration.as_ref()?.end_date_time.as_deref())
    }
}

/// `ticketInfo` of Graph and ARM (`{ "ticketNumber": null, "ticketSystem": null }` = no ticket).
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TicketInfo {
    ticket_number: Option<String>,
    ticket_system: Option<String>,
}

impl TicketInfo {
    pub fn ticket(&self) -> Option<Ticket> {
        Ticket::from_parts(
            text(self.ticket_number.as_deref()),
            text(self.ticket_system.as_deref()),
        )
    }
}

/// A person or service principal as Graph and the portal API embed it (`principal`, `reviewedBy`,
/// `createdBy.user`, `requestor`, `decision.by`).
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Identity {
    id: Option<String>,
    display_name: Option<String>,
    user_principal_name: Option<String>,
}

impl Identity {
    pub fn person(&self) -> Person {
        Person {
            id: text(self.id.as_deref()),
            display_name: text(self.display_name.as_deref()),
            upn: text(self.user_principal_name.as_deref()),
        }
    }
}

/// An embedded object of which only its id, name and a few descriptive fields are used: Graph
/// `roleDefinition`, `group` and `directoryScope`, the portal's `role` and `scope`, ARM's
/// `expandedProperties` (one shape for all of them keeps the bundle small).
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Embedded {
    pub id: Option<String>,
    pub display_name: Option<String>,
    /// Graph `roleDefinition`: stable across tenants.
    pub template_id: Option<String>,
    /// ARM `expandedProperties.scope`: `subscription`, `resourcegroup`, …
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// ARM `expandedProperties.principal`.
    pub email: Option<String>,
}

/// A timestamp the model cannot do without (a request's creation time).
pub(crate) fn required_time(value: &str, at: &str) -> Result<DateTime<Utc>, Invalid> {
    parse_instant(value)
        .ok_or_else(|| Invalid::new(at, format!("not a date and time: {:?}", short(value))))
}

/// The last segment of a resource path (`/providers/…/roleAssignmentApprovals/{guid}` → guid).
pub(crate) fn last_segment(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

/// Percent-encodes a value for a query string or path segment.
pub(crate) fn encode(text: &str) -> String {
    crate::domain::encode_path_segment(text)
}

/// An OData v3 GUID as MIM PAM sends it, `{ "Value": "…" }`; a bare string or `null` is read too.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Guid(pub Option<String>);

impl Guid {
    pub fn text(&self) -> Option<String> {
        text(self.0.as_deref())
    }
}

impl<'de> Deserialize<'de> for Guid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct GuidVisitor;
        impl<'de> Visitor<'de> for GuidVisitor {
            type Value = Guid;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a GUID as { \"Value\": \"…\" }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Guid, E> {
                Ok(Guid(Some(v.to_string())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Guid, E> {
                Ok(Guid(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Guid, E> {
                Ok(Guid(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Guid, A::Error> {
                let mut value = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "Value" {
                        value = map.next_value::<Option<String>>()?;
                    } else {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
                Ok(Guid(value))
            }
        }
        deserializer.deserialize_any(GuidVisitor)
    }
}

/// The one item of a one-item listing, or why it could not be read.
#[cfg(test)]
pub(crate) fn only<T>(mut listing: Listing<T>) -> Result<T, Unreadable> {
    match listing.unreadable.pop() {
        Some(e) => Err(e),
        None => Ok(listing.items.remove(0)),
    }
}

/// Reads a JSON fixture from `tests/fixtures/` (the services' documented examples).
#[cfg(test)]
pub(crate) fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture exists"))
        .expect("fixture is JSON")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Item {
        id: String,
        schedule: Option<Schedule>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Schedule {
        start: Option<String>,
    }

    #[test]
    fn reads_timestamps_of_every_service() {
        assert!(parse_instant("2021-07-15T19:57:17.76Z").is_some());
        assert!(parse_instant("2015-07-11T22:24:52.51Z").is_some());
        assert!(parse_instant("2020-09-09T21:35:27.91+00:00").is_some());
        assert!(parse_instant("2020-09-09T21:35:27").is_some());
        assert!(parse_instant("yesterday").is_none());
        assert!(required_time("yesterday", "createdOn")
            .unwrap_err()
            .problem
            .contains("yesterday"));
    }

    #[test]
    fn reads_pages_of_every_service() {
        let graph: Page =
            read(&json!({"value": [1, 2], "@odata.nextLink": "https://graph/next"})).unwrap();
        assert_eq!(graph.value.len(), 2);
        assert_eq!(graph.next_link.as_deref(), Some("https://graph/next"));
        let arm: Page = read(&json!({"value": [], "nextLink": null})).unwrap();
        assert_eq!(arm.next_link, None);
        let e = read::<Page>(&json!({"items": []})).unwrap_err();
        assert_eq!(e.problem, "missing field `value`");
    }

    #[test]
    fn a_misfit_item_is_skipped_and_named_by_its_path() {
        let items = [
            json!({"id": "a"}),
            json!({"id": "b", "schedule": {"start": 5}}),
            json!({"schedule": null}),
            json!({"id": "d"}),
        ];
        let listing = read_items(SourceKind::AzureResources, &items, |i: Item| Ok(i.id));
        assert_eq!(listing.items, ["a", "d"]);
        assert_eq!(
            listing.unreadable,
            [
                Unreadable {
                    source: SourceKind::AzureResources,
                    at: "value[1].schedule.start".into(),
                    problem: "invalid type: integer `5`, expected a string".into(),
                },
                Unreadable {
                    source: SourceKind::AzureResources,
                    at: "value[2]".into(),
                    problem: "missing field `id`".into(),
                },
            ]
        );
    }

    #[test]
    fn conversion_problems_are_named_below_the_item() {
        let listing = read_items(SourceKind::Groups, &[json!({"id": "x"})], |_: Item| {
            Err::<(), _>(Invalid::new("createdDateTime", "missing"))
        });
        assert_eq!(listing.unreadable[0].at, "value[0].createdDateTime");
    }

    #[test]
    fn huge_values_are_cut_in_messages() {
        let long = "x".repeat(10_000);
        let e = read::<Item>(&json!({ "id": 1, "schedule": long })).unwrap_err();
        assert!(e.problem.chars().count() <= MAX_PROBLEM_CHARS + 1);
    }

    #[test]
    fn guids_come_wrapped_or_bare() {
        let read_guid = |v: Value| read::<Guid>(&v).unwrap().text();
        assert_eq!(read_guid(json!({"Value": "g"})).as_deref(), Some("g"));
        assert_eq!(read_guid(json!("g")).as_deref(), Some("g"));
        assert_eq!(read_guid(json!(null)), None);
        assert_eq!(read_guid(json!({"Value": " "})), None);
        assert!(read::<Guid>(&json!(5)).is_err());
    }

    #[test]
    fn text_ignores_null_and_blank() {
        assert_eq!(text(None), None);
        assert_eq!(text(Some("  ")), None);
        assert_eq!(text(Some(" x ")).as_deref(), Some("x"));
        assert_eq!(
            last_segment("/providers/Microsoft.Authorization/roleAssignmentApprovals/abc"),
            "abc"
        );
    }
}

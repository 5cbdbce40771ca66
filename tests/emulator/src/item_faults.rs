//! The `malformedItem` and `unknownEnum` faults: one item of a list response (Graph, ARM, MIM PAM and
//! portal `value`, an approval's `steps`/`stages`) gets a field of the wrong type or an enum value no
//! client knows, while the other items stay intact. A response without a list is itself the item (a
//! detail read). Fields are dotted paths (`properties.stages.0.properties.status`).

use serde_json::{json, Value};

/// What to do to the chosen item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemFault {
    /// A field with a value of the wrong type (default `42`, or `"not a number"` for a number).
    Malformed,
    /// An enum field with a value from a future API version (default `"FutureStatusValue"`).
    UnknownEnum,
}

/// Where the lists are, in the order they are looked for.
const LIST_PATHS: [&str; 4] = ["value", "steps", "stages", "properties.stages"];

/// The field a malformed item breaks when the fault names none: the first one the item has.
const MALFORMED_FIELDS: [&str; 8] = [
    "scheduleInfo",            // Graph schedule requests
    "properties.scheduleInfo", // ARM schedule requests
    "properties.stages",       // ARM approvals
    "ApprovalObjectID",        // MIM PAM requests to approve
    "RequestID",               // MIM PAM own requests
    "requestor",               // portal requests
    "assignedToMe",            // Graph approval steps / stages
    "properties.assignedToMe", // ARM approval stages
];

/// The enum an unknown-enum item changes when the fault names none: the first one the item has.
const ENUM_FIELDS: [&str; 4] = [
    "status",                                // Graph requests and steps, portal requests
    "properties.status",                     // ARM schedule requests and stages
    "properties.stages.0.properties.status", // ARM approvals
    "RequestStatus",                         // MIM PAM own requests
];

pub const UNKNOWN_ENUM_VALUE: &str = "FutureStatusValue";

/// Which item, which field, which value (all optional but the kind).
pub struct ItemEdit<'a> {
    pub kind: ItemFault,
    /// Dotted path of the list; default: the first of [`LIST_PATHS`] that is an array.
    pub list: Option<&'a str>,
    /// Index in the list (clamped to the last item); default 0.
    pub item: usize,
    /// Dotted path inside the item; set even when absent. Default: the kind's first present field.
    pub field: Option<&'a str>,
    pub value: Option<&'a Value>,
}

impl ItemEdit<'_> {
    /// Change one item of `body`; returns the path changed (`value[1].scheduleInfo`), or `None` when
    /// there is no item or no field to change.
    pub fn apply(&self, body: &mut Value) -> Option<String> {
        let (list_path, item) = self.locate_item(body)?;
        let field = match self.field {
            Some(field) => field.to_string(),
            None => self.default_field(item)?.to_string(),
        };
        let slot = slot_mut(item, &field)?;
        *slot = match (self.value, self.kind) {
            (Some(value), _) => value.clone(),
            (None, ItemFault::UnknownEnum) => json!(UNKNOWN_ENUM_VALUE),
            (None, ItemFault::Malformed) if slot.is_number() => json!("not a number"),
            (None, ItemFault::Malformed) => json!(42),
        };
        Some(display_path(&list_path, &field))
    }

    /// The item to change and the `list[index]` prefix of its path (empty for a whole-body item).
    fn locate_item<'b>(&self, body: &'b mut Value) -> Option<(String, &'b mut Value)> {
        let list_path = match self.list {
            Some(path) => Some(path),
            None => LIST_PATHS
                .into_iter()
                .find(|path| get(body, path).is_some_and(Value::is_array)),
        };
        let Some(list_path) = list_path else {
            return body.is_object().then(|| (String::new(), body));
        };
        let list = slot_mut(body, list_path)?.as_array_mut()?;
        let index = self.item.min(list.len().checked_sub(1)?);
        Some((format!("{list_path}.{index}"), &mut list[index]))
    }

    fn default_field(&self, item: &Value) -> Option<&'static str> {
        let candidates: &[&'static str] = match self.kind {
            ItemFault::Malformed => &MALFORMED_FIELDS,
            ItemFault::UnknownEnum => &ENUM_FIELDS,
        };
        candidates
            .iter()
            .copied()
            .find(|path| get(item, path).is_some())
    }
}

fn get<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(value, |current, key| match current {
            Value::Array(items) => items.get(key.parse::<usize>().ok()?),
            Value::Object(fields) => fields.get(key),
            _ => None,
        })
}

/// The slot at `path`, creating missing object fields on the way (never array items).
fn slot_mut<'a>(value: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    path.split('.')
        .try_fold(value, |current, key| match current {
            Value::Array(items) => items.get_mut(key.parse::<usize>().ok()?),
            Value::Object(fields) => Some(fields.entry(key).or_insert(Value::Null)),
            _ => None,
        })
}

/// `value.1` + `properties.stages.0.x` → `value[1].properties.stages[0].x`.
fn display_path(list_path: &str, field: &str) -> String {
    let joined = [list_path, field]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(".");
    let mut shown = String::new();
    for key in joined.split('.') {
        if key.parse::<usize>().is_ok() {
            shown.push_str(&format!("[{key}]"));
        } else {
            if !shown.is_empty() {
                shown.push('.');
            }
            shown.push_str(key);
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(kind: ItemFault, item: usize) -> ItemEdit<'static> {
        ItemEdit {
            kind,
            list: None,
            item,
            field: None,
            value: None,
        }
    }

    #[test]
    fn breaks_the_chosen_item_of_a_graph_list_and_leaves_the_others() {
        let mut body = json!({ "value": [
            { "id": "a", "status": "PendingApproval", "scheduleInfo": {} },
            { "id": "b", "status": "PendingApproval", "scheduleInfo": {} }
        ]});
        let changed = edit(ItemFault::Malformed, 1).apply(&mut body);
        assert_eq!(changed.as_deref(), Some("value[1].scheduleInfo"));
        assert_eq!(body["value"][1]["scheduleInfo"], 42);
        assert_eq!(body["value"][0]["scheduleInfo"], json!({}));
        let changed = edit(ItemFault::UnknownEnum, 9).apply(&mut body);
        assert_eq!(changed.as_deref(), Some("value[1].status"), "clamped");
        assert_eq!(body["value"][1]["status"], UNKNOWN_ENUM_VALUE);
    }

    #[test]
    fn finds_the_enum_inside_an_arm_approval_and_the_item_of_a_detail_read() {
        let mut approvals = json!({ "value": [
            { "name": "x", "properties": { "stages": [ { "properties": { "status": "InProgress" } } ] } }
        ]});
        let changed = edit(ItemFault::UnknownEnum, 0).apply(&mut approvals);
        assert_eq!(
            changed.as_deref(),
            Some("value[0].properties.stages[0].properties.status")
        );
        let mut detail =
            json!({ "id": "r", "status": "PendingApproval", "action": "SelfActivate" });
        let field_edit = ItemEdit {
            field: Some("createdDateTime"),
            value: Some(&json!("not a date")),
            ..edit(ItemFault::Malformed, 0)
        };
        assert_eq!(
            field_edit.apply(&mut detail).as_deref(),
            Some("createdDateTime")
        );
        assert_eq!(detail["createdDateTime"], "not a date");
    }

    #[test]
    fn numbers_become_text_and_missing_lists_or_fields_change_nothing() {
        let mut body = json!({ "value": [ { "assignedToMe": true, "count": 3 } ] });
        let counted = ItemEdit {
            field: Some("count"),
            ..edit(ItemFault::Malformed, 0)
        };
        counted.apply(&mut body);
        assert_eq!(body["value"][0]["count"], "not a number");
        let mut empty = json!({ "value": [] });
        assert_eq!(edit(ItemFault::Malformed, 0).apply(&mut empty), None);
        let mut pam = json!({ "value": [ { "RoleName": "PRIV" } ] });
        assert_eq!(edit(ItemFault::UnknownEnum, 0).apply(&mut pam), None);
        assert_eq!(pam, json!({ "value": [ { "RoleName": "PRIV" } ] }));
    }
}

//! A deliberately small OData `$filter`: `Name eq 'value'` clauses joined by `and`, evaluated against
//! the rendered JSON of each item (so it works for every service's shape, including MIM PAM's
//! `{ "Value": guid }` wrappers).

use serde_json::Value;

#[derive(Debug, Default)]
pub struct EqFilter {
    clauses: Vec<(String, String)>,
}

impl EqFilter {
    /// Strict: any clause that is not `Name eq 'value'` is an error (Graph answers 400).
    pub fn parse(text: &str) -> Result<EqFilter, String> {
        let clauses = split_and(text)
            .into_iter()
            .map(|clause| {
                parse_clause(clause).ok_or_else(|| format!("Invalid filter clause: {clause}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(EqFilter { clauses })
    }

    /// Lenient: keeps the clauses it understands, ignores the rest (MIM PAM).
    pub fn parse_lenient(text: &str) -> EqFilter {
        EqFilter {
            clauses: split_and(text)
                .into_iter()
                .filter_map(parse_clause)
                .collect(),
        }
    }

    /// The value an `eq` clause gives `name` (property names compared case-insensitively).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.clauses
            .iter()
            .find(|(clause, _)| clause.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn matches(&self, item: &Value) -> bool {
        self.clauses.iter().all(|(name, wanted)| {
            let value = &item[name.as_str()];
            let value = value.get("Value").unwrap_or(value);
            match value {
                Value::String(text) => text == wanted,
                Value::Null => wanted == "null",
                other => serde_json::from_str::<Value>(wanted).ok().as_ref() == Some(other),
            }
        })
    }
}

fn split_and(text: &str) -> Vec<&str> {
    let lower = text.to_ascii_lowercase();
    let mut parts = Vec::new();
    let mut start = 0;
    while let Some(found) = lower[start..].find(" and ") {
        parts.push(text[start..start + found].trim());
        start += found + 5;
    }
    parts.push(text[start..].trim());
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

fn parse_clause(clause: &str) -> Option<(String, String)> {
    let position = clause.to_ascii_lowercase().find(" eq ")?;
    let name = clause[..position].trim();
    let raw = clause[position + 4..].trim();
    let unprefixed = raw.strip_prefix("guid").unwrap_or(raw);
    let value = match unprefixed
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
    {
        Some(quoted) => quoted.replace("''", "'"),
        None => raw.to_string(),
    };
    let is_identifier = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    is_identifier.then(|| (name.to_string(), value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_eq_clauses_joined_by_and() {
        let filter = EqFilter::parse("status eq 'PendingApproval' and groupId eq 'g1'").unwrap();
        assert!(filter.matches(&json!({ "status": "PendingApproval", "groupId": "g1" })));
        assert!(!filter.matches(&json!({ "status": "Denied", "groupId": "g1" })));
        assert!(EqFilter::parse("startswith(status,'P')").is_err());
        let pam =
            EqFilter::parse_lenient("RequestorID eq guid'abc' and CreationTime gt datetime'x'");
        assert!(pam.matches(&json!({ "RequestorID": { "Value": "abc" } })));
    }
}

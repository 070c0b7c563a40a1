//! Validation results of a form, by field: the use cases return them, the pages show each
//! message next to its field.

use std::collections::BTreeMap;

#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct FieldErrors(
    BTreeMap<String, String>,
    BTreeMap<String, String>,
    #[serde(default)] BTreeMap<String, Vec<(String, String)>>,
);

impl FieldErrors {
    /// Every (field, message), by field.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .map(|(f, m)| (f.as_str(), m.as_str()))
            .collect()
    }

    /// A record the message of `field` names (label, path): the page links it after the
    /// message ("See DR-2026-0002").
    pub fn link(&mut self, field: &str, label: impl Into<String>, path: impl Into<String>) {
        self.2
            .entry(field.to_string())
            .or_default()
            .push((label.into(), path.into()));
    }

    /// The records the message of `field` links to.
    pub fn links(&self, field: &str) -> &[(String, String)] {
        self.2.get(field).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The messages of every field but `shown` (which the page shows next to its field).
    pub fn messages_except(&self, shown: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k.as_str() != shown)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The records every message links to, in field order.
    pub fn all_links(&self) -> Vec<(String, String)> {
        self.2.values().flatten().cloned().collect()
    }

    /// A value that would be right in `field` (a suggested SKU): the page offers it as a
    /// button that puts it in the field. Not an error by itself.
    pub fn suggest(&mut self, field: &str, value: impl Into<String>) {
        self.1.insert(field.to_string(), value.into());
    }

    /// The value suggested for `field`, if any.
    pub fn suggestion(&self, field: &str) -> Option<&str> {
        self.1.get(field).map(String::as_str)
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_string())
            .or_insert_with(|| message.into());
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Every message, by field name.
    pub fn messages(&self) -> Vec<&str> {
        self.0.values().map(String::as_str).collect()
    }

    /// The messages of the fields whose names start with `prefix` (for tables of inputs).
    pub fn matching(&self, prefix: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A required text field: trimmed, with a message when blank or too long.
pub fn required_text(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    label: &str,
    max: usize,
) -> String {
    let v = value.trim().to_string();
    if v.is_empty() {
        errors.add(field, format!("Enter {label}."));
    } else if v.chars().count() > max {
        errors.add(field, format!("Use at most {max} characters."));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_message_per_field_wins() {
        let mut e = FieldErrors::default();
        assert!(e.is_empty());
        e.add("name", "Enter a name.");
        e.add("name", "second");
        assert_eq!(e.get("name"), Some("Enter a name."));
        assert!(e.has("name") && !e.has("email"));
        assert_eq!(e.len(), 1);
        e.add("deal_EPIXAD", "bad");
        assert_eq!(e.matching("deal_"), ["bad"]);
    }

    #[test]
    fn required_text_trims_and_checks() {
        let mut e = FieldErrors::default();
        assert_eq!(
            required_text(&mut e, "name", "  Acme  ", "a name", 10),
            "Acme"
        );
        assert!(e.is_empty());
        required_text(&mut e, "name", "   ", "a name", 10);
        assert_eq!(e.get("name"), Some("Enter a name."));
        required_text(&mut e, "long", "abcdefghijk", "x", 10);
        assert_eq!(e.get("long"), Some("Use at most 10 characters."));
    }
}

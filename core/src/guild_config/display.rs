//! Settings values as operators read and write them, shared by the CLI, the console and the
//! dashboard.

use serde_json::Value;

/// A JSON value as an operator writes it: text without quotes, `none` for null.
pub fn plain(value: &Value) -> String {
    match value {
        Value::Null => "none".into(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The fields that differ between two versions of a section: `key: old → new`.
pub fn diff(old: &Value, new: &Value) -> String {
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else {
        return format!("{} → {}", plain(old), plain(new));
    };
    let changes: Vec<String> = new
        .iter()
        .filter(|(key, value)| old.get(*key) != Some(value))
        .map(|(key, value)| {
            format!(
                "{key}: {} → {}",
                old.get(key).map_or_else(|| "unset".into(), plain),
                plain(value)
            )
        })
        .collect();
    if changes.is_empty() {
        "no change".into()
    } else {
        changes.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn diffs_name_changed_fields_only() {
        let old = json!({"timezone": "UTC", "locale": "en-US", "mod_log_channel": null});
        let new = json!({"timezone": "Asia/Tokyo", "locale": "en-US", "mod_log_channel": "5"});
        assert_eq!(
            diff(&old, &new),
            "timezone: UTC → Asia/Tokyo, mod_log_channel: none → 5"
        );
        assert_eq!(diff(&old, &old), "no change");
    }
}

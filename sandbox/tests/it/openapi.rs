//! A small validator for the JSON Schema subset Discord's OpenAPI document uses: `$ref`, type
//! (incl. type arrays and null), properties, required, items, enum, const, oneOf/anyOf/allOf,
//! additionalProperties, int64 strings. oneOf is checked as "at least one" (Discord's unions
//! overlap); length and range limits are not checked.

use std::path::PathBuf;

use serde_json::Value;

pub struct Spec {
    doc: Value,
}

/// Loads the document from `DISCORD_OPENAPI_PATH` or `../shared/discord-api-spec/openapi.json`
/// relative to the workspace root. When absent prints a skip notice, or fails under `CI=true`.
pub fn load() -> Option<Spec> {
    let path = std::env::var_os("DISCORD_OPENAPI_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../shared/discord-api-spec/openapi.json")
        });
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(Spec {
            doc: serde_json::from_str(&text).unwrap(),
        }),
        Err(_) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "OpenAPI document not found at {} and CI=true",
                path.display()
            );
            println!("skipped: OpenAPI validation (openapi.json not found)");
            None
        }
    }
}

impl Spec {
    /// The response schema for a route template, method and status.
    pub fn response_schema(&self, template: &str, method: &str, status: u16) -> Option<&Value> {
        let operation = self.doc["paths"]
            .get(template)?
            .get(method.to_ascii_lowercase())?;
        let response = operation["responses"].get(status.to_string())?;
        let response = self.resolve(response);
        response
            .get("content")?
            .get("application/json")?
            .get("schema")
    }

    /// Whether the document lists the route and status at all.
    pub fn has(&self, template: &str, method: &str, status: u16) -> bool {
        self.doc["paths"]
            .get(template)
            .and_then(|p| p.get(method.to_ascii_lowercase()))
            .is_some_and(|o| o["responses"].get(status.to_string()).is_some())
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        let mut current = schema;
        while let Some(reference) = current.get("$ref").and_then(Value::as_str) {
            let pointer = reference.trim_start_matches('#');
            current = self
                .doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("unresolved {reference}"));
        }
        current
    }

    /// Validates a value; returns every error with its JSON path.
    pub fn validate(&self, value: &Value, schema: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(value, schema, "$", &mut errors);
        errors
    }

    fn check(&self, value: &Value, schema: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                self.check(value, s, at, errors);
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                let fits = options
                    .iter()
                    .any(|s| self.validate_at(value, s, at).is_empty());
                if !fits {
                    let details: Vec<String> = options
                        .iter()
                        .map(|s| self.validate_at(value, s, at).join("; "))
                        .collect();
                    errors.push(format!(
                        "{at}: matches none of {key}: [{}]",
                        details.join(" | ")
                    ));
                }
            }
        }
        if let Some(constant) = schema.get("const")
            && constant != value
        {
            errors.push(format!("{at}: {value} is not {constant}"));
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array)
            && !options.contains(value)
        {
            errors.push(format!("{at}: {value} not in enum"));
        }
        if let Some(kind) = schema.get("type") {
            let kinds: Vec<&str> = match kind {
                Value::String(s) => vec![s.as_str()],
                Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            let int64_string = schema.get("format").and_then(Value::as_str) == Some("int64")
                && value.as_str().is_some_and(|s| s.parse::<i64>().is_ok());
            let fits = kinds.iter().any(|k| match *k {
                "null" => value.is_null(),
                "string" => value.is_string(),
                "integer" => value.is_i64() || value.is_u64() || int64_string,
                "number" => value.is_number(),
                "boolean" => value.is_boolean(),
                "array" => value.is_array(),
                "object" => value.is_object(),
                _ => true,
            });
            if !fits && !kinds.is_empty() {
                errors.push(format!("{at}: {value} is not of type {kinds:?}"));
                return;
            }
        }
        if let Some(items) = schema.get("items")
            && let Some(list) = value.as_array()
        {
            for (i, item) in list.iter().enumerate() {
                self.check(item, items, &format!("{at}[{i}]"), errors);
            }
        }
        if let Some(map) = value.as_object() {
            let properties = schema.get("properties").and_then(Value::as_object);
            if let Some(required) = schema.get("required").and_then(Value::as_array) {
                for key in required.iter().filter_map(Value::as_str) {
                    if !map.contains_key(key) {
                        errors.push(format!("{at}: missing required `{key}`"));
                    }
                }
            }
            for (key, v) in map {
                match properties.and_then(|p| p.get(key)) {
                    Some(s) => self.check(v, s, &format!("{at}.{key}"), errors),
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            errors.push(format!("{at}: unexpected `{key}`"))
                        }
                        Some(s @ Value::Object(_)) => {
                            self.check(v, s, &format!("{at}.{key}"), errors)
                        }
                        _ => {}
                    },
                }
            }
        }
    }

    fn validate_at(&self, value: &Value, schema: &Value, at: &str) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(value, schema, at, &mut errors);
        errors
    }
}

#[test]
fn the_validator_catches_missing_and_mistyped_fields() {
    let Some(spec) = load() else { return };
    let schema = spec
        .response_schema("/users/@me", "get", 200)
        .unwrap()
        .clone();
    let errors = spec.validate(&serde_json::json!({"id": 5, "username": "x"}), &schema);
    assert!(
        errors.iter().any(|e| e.contains("missing required")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.contains("$.id")), "{errors:?}");
}

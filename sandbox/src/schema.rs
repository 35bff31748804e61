//! Discord's OpenAPI document and a validator for the JSON Schema subset it uses.
//!
//! The document (`spec/openapi.json`, Discord's MIT-licensed `discord-api-spec`, with its
//! `LICENSE` beside it) is embedded in the binary and parsed once, on first use ([`spec`]).
//! The stand-in checks every JSON request body against its operation's `requestBody` schema
//! (see `rest/validate.rs`), and its own tests check every response against the response
//! schema.
//!
//! Supported: `$ref`, `type` (incl. type arrays and `null`), `properties`, `required`, `items`,
//! `enum`, `const`, `oneOf`/`anyOf`/`allOf`, `additionalProperties` (enforced as `false` only for
//! responses: Discord ignores unknown keys in requests), `minLength`/`maxLength`,
//! `minItems`/`maxItems`, `minProperties`/`maxProperties`, `minimum`/`maximum`, the two
//! `pattern`s the document uses (snowflakes and `#rgb` colours) and the `date-time` and `uri`
//! formats. `oneOf` is checked as "at least one" (Discord's unions overlap); a union of objects
//! told apart by a `type` field reports the branch whose `type` matches, as Discord does.
//! `uniqueItems` is not checked.
//!
//! Violations carry Discord's error codes (`BASE_TYPE_REQUIRED`, `BASE_TYPE_MAX_LENGTH`, ...)
//! and messages, and [`discord_errors`] nests them the way Discord's `50035 Invalid Form Body`
//! answer does.

use std::fmt;
use std::sync::LazyLock;

use serde_json::{Map, Value, json};

static SPEC: LazyLock<Spec> = LazyLock::new(|| Spec::parse(include_str!("../spec/openapi.json")));

/// The embedded OpenAPI document, parsed on first use.
pub fn spec() -> &'static Spec {
    &SPEC
}

/// What is being validated: a request body (lenient where Discord coerces, unknown keys
/// ignored) or a response body (strict).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A request body as Discord reads it: numeric strings count as numbers (Discord coerces
    /// them), unknown keys are ignored.
    Request,
    /// A response body: exact types; `additionalProperties: false` is enforced.
    Response,
}

/// One way a value breaks a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where: object keys and array indices from the root (empty for the root).
    pub path: Vec<String>,
    /// Discord's error code, e.g. `BASE_TYPE_REQUIRED`.
    pub code: &'static str,
    /// Discord's message, e.g. `This field is required`.
    pub message: String,
}

impl Violation {
    fn new(path: &[String], code: &'static str, message: impl Into<String>) -> Self {
        Self {
            path: path.to_vec(),
            code,
            message: message.into(),
        }
    }

    /// The path as `$.embeds[0].title`.
    pub fn location(&self) -> String {
        let mut text = String::from("$");
        for segment in &self.path {
            if segment.chars().all(|c| c.is_ascii_digit()) && !segment.is_empty() {
                text.push('[');
                text.push_str(segment);
                text.push(']');
            } else {
                text.push('.');
                text.push_str(segment);
            }
        }
        text
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.location(), self.code, self.message)
    }
}

/// Nests violations the way Discord's `errors` object does:
/// `{"embeds": {"0": {"title": {"_errors": [{"code": ..., "message": ...}]}}}}`.
pub fn discord_errors(violations: &[Violation]) -> Value {
    let mut root = Map::new();
    for violation in violations {
        let mut node = &mut root;
        for segment in &violation.path {
            let entry = node
                .entry(segment.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            let Value::Object(next) = entry else {
                unreachable!("just made an object")
            };
            node = next;
        }
        let errors = node.entry("_errors").or_insert_with(|| json!([]));
        if let Some(list) = errors.as_array_mut() {
            list.push(json!({"code": violation.code, "message": violation.message}));
        }
    }
    Value::Object(root)
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    Parameter,
}

#[derive(Debug)]
struct Template {
    path: String,
    segments: Vec<Segment>,
}

/// Discord's OpenAPI document.
#[derive(Debug)]
pub struct Spec {
    doc: Value,
    templates: Vec<Template>,
}

impl Spec {
    /// Parses a document.
    ///
    /// # Panics
    /// When the text is not JSON (the embedded document is).
    pub fn parse(text: &str) -> Self {
        let doc: Value = serde_json::from_str(text).expect("the OpenAPI document is JSON");
        let templates = doc
            .get("paths")
            .and_then(Value::as_object)
            .map(|paths| {
                paths
                    .keys()
                    .map(|path| Template {
                        path: path.clone(),
                        segments: path
                            .split('/')
                            .filter(|s| !s.is_empty())
                            .map(|s| {
                                if s.starts_with('{') && s.ends_with('}') {
                                    Segment::Parameter
                                } else {
                                    Segment::Literal(s.to_owned())
                                }
                            })
                            .collect(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self { doc, templates }
    }

    /// The whole document.
    pub fn document(&self) -> &Value {
        &self.doc
    }

    /// The route template of a concrete path (segments without `/api/v10`) that has an
    /// operation for `method`, preferring literal segments (`/applications/@me` over
    /// `/applications/{application_id}`).
    pub fn template_for(&self, method: &str, segments: &[&str]) -> Option<&str> {
        let method = method.to_ascii_lowercase();
        self.templates
            .iter()
            .filter(|t| {
                t.segments.len() == segments.len()
                    && t.segments.iter().zip(segments).all(|(t, s)| match t {
                        Segment::Literal(literal) => literal == s,
                        Segment::Parameter => !s.is_empty(),
                    })
                    && self.doc["paths"][&t.path].get(&method).is_some()
            })
            .max_by_key(|t| {
                t.segments
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count()
            })
            .map(|t| t.path.as_str())
    }

    fn operation(&self, template: &str, method: &str) -> Option<&Value> {
        self.doc["paths"]
            .get(template)?
            .get(method.to_ascii_lowercase())
    }

    /// The response schema for a route template, method and status.
    pub fn response_schema(&self, template: &str, method: &str, status: u16) -> Option<&Value> {
        let operation = self.operation(template, method)?;
        let response = operation["responses"].get(status.to_string())?;
        let response = self.resolve(response);
        response
            .get("content")?
            .get("application/json")?
            .get("schema")
    }

    /// Whether the document lists the route and status at all.
    pub fn has(&self, template: &str, method: &str, status: u16) -> bool {
        self.operation(template, method)
            .is_some_and(|o| o["responses"].get(status.to_string()).is_some())
    }

    /// The request body schema of an operation for a content type (`application/json`,
    /// `multipart/form-data`, `application/x-www-form-urlencoded`), falling back to the JSON
    /// one.
    pub fn request_schema(
        &self,
        template: &str,
        method: &str,
        content_type: &str,
    ) -> Option<&Value> {
        let body = self.resolve(self.operation(template, method)?.get("requestBody")?);
        let content = body.get("content")?;
        content
            .get(content_type)
            .or_else(|| content.get("application/json"))?
            .get("schema")
    }

    /// The query parameters an operation declares, by name, with their (resolved) schemas.
    pub fn query_parameters(&self, template: &str, method: &str) -> Vec<(&str, &Value)> {
        let Some(operation) = self.operation(template, method) else {
            return Vec::new();
        };
        operation
            .get("parameters")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|p| self.resolve(p))
                    .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
                    .filter_map(|p| {
                        Some((
                            p.get("name")?.as_str()?,
                            self.resolve(p.get("schema").unwrap_or(&Value::Null)),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every violation of a query string (name, raw value pairs) against an operation's
    /// declared query parameters, read as Discord reads them: integers and snowflakes as
    /// numbers, booleans as `true`/`True`/`1` or `false`/`False`/`0`. Undeclared parameters
    /// are ignored.
    pub fn query_violations(
        &self,
        template: &str,
        method: &str,
        query: &[(String, String)],
    ) -> Vec<Violation> {
        let declared = self.query_parameters(template, method);
        let mut out = Vec::new();
        for (name, raw) in query {
            let Some((_, schema)) = declared.iter().find(|(n, _)| n == name) else {
                continue;
            };
            let path = vec![name.clone()];
            let format = schema.get("format").and_then(Value::as_str);
            let kinds = types(schema).unwrap_or_default();
            if format == Some("snowflake") {
                if raw.parse::<u64>().is_err() {
                    out.push(Violation::new(
                        &path,
                        "NUMBER_TYPE_COERCE",
                        format!("Value \"{raw}\" is not snowflake."),
                    ));
                }
            } else if kinds.contains(&"integer") {
                match raw.parse::<i64>() {
                    Ok(n) => check_range(&json!(n), schema, &path, &mut out),
                    Err(_) => out.push(Violation::new(
                        &path,
                        "NUMBER_TYPE_COERCE",
                        format!("Value \"{raw}\" is not int."),
                    )),
                }
            } else if kinds.contains(&"boolean")
                && !matches!(
                    raw.as_str(),
                    "true" | "True" | "1" | "false" | "False" | "0"
                )
            {
                out.push(Violation::new(
                    &path,
                    "BOOLEAN_TYPE_CONVERT",
                    "Must be either true or false.",
                ));
            }
        }
        out
    }

    /// Follows `$ref`s to the schema they name (an unresolvable reference resolves to `{}`).
    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        static EMPTY: LazyLock<Value> = LazyLock::new(|| json!({}));
        let mut current = schema;
        while let Some(reference) = current.get("$ref").and_then(Value::as_str) {
            current = self
                .doc
                .pointer(reference.trim_start_matches('#'))
                .unwrap_or(&EMPTY);
        }
        current
    }

    /// Validates a response; every error as `$.path: CODE: message`.
    pub fn validate(&self, value: &Value, schema: &Value) -> Vec<String> {
        self.violations(value, schema, Mode::Response)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// Every violation of `schema` by `value`.
    pub fn violations(&self, value: &Value, schema: &Value, mode: Mode) -> Vec<Violation> {
        let mut out = Vec::new();
        self.check(value, schema, &mut Vec::new(), mode, &mut out);
        let mut unique: Vec<Violation> = Vec::with_capacity(out.len());
        for violation in out {
            if !unique.contains(&violation) {
                unique.push(violation);
            }
        }
        unique
    }

    fn check(
        &self,
        value: &Value,
        schema: &Value,
        path: &mut Vec<String>,
        mode: Mode,
        out: &mut Vec<Violation>,
    ) {
        let schema = self.resolve(schema);
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                self.check(value, s, path, mode, out);
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                self.check_union(value, options, path, mode, out);
            }
        }
        if let Some(constant) = schema.get("const")
            && !same(constant, value, mode)
        {
            out.push(Violation::new(
                path,
                "BASE_TYPE_CHOICES",
                format!(
                    "Value must be one of ({}).",
                    choices(std::slice::from_ref(constant))
                ),
            ));
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array)
            && !options.iter().any(|o| same(o, value, mode))
        {
            out.push(Violation::new(
                path,
                "BASE_TYPE_CHOICES",
                format!("Value must be one of ({}).", choices(options)),
            ));
        }
        if let Some(kinds) = types(schema)
            && !kinds.iter().any(|k| accepts(k, value, schema, mode))
        {
            out.push(type_violation(path, &kinds, value));
            return;
        }
        match value {
            Value::String(text) => self.check_string(text, schema, path, out),
            Value::Number(_) => check_range(value, schema, path, out),
            Value::Array(list) => {
                check_count(
                    list.len(),
                    schema,
                    ("minItems", "maxItems"),
                    false,
                    path,
                    out,
                );
                if let Some(items) = schema.get("items") {
                    for (i, item) in list.iter().enumerate() {
                        path.push(i.to_string());
                        self.check(item, items, path, mode, out);
                        path.pop();
                    }
                }
            }
            Value::Object(map) => self.check_object(map, schema, path, mode, out),
            Value::Bool(_) | Value::Null => {}
        }
        if mode == Mode::Request
            && let Value::String(text) = value
            && types(schema).is_some_and(|k| k.iter().any(|k| matches!(*k, "integer" | "number")))
            && !types(schema).is_some_and(|k| k.contains(&"string"))
        {
            // A numeric string standing for a number: its range counts.
            let number = text
                .parse::<i64>()
                .map(Value::from)
                .or_else(|_| text.parse::<u64>().map(Value::from));
            if let Ok(number) = number {
                check_range(&number, schema, path, out);
            }
        }
    }

    fn check_string(&self, text: &str, schema: &Value, path: &[String], out: &mut Vec<Violation>) {
        check_count(
            text.chars().count(),
            schema,
            ("minLength", "maxLength"),
            true,
            path,
            out,
        );
        match schema.get("pattern").and_then(Value::as_str) {
            Some("^(0|[1-9][0-9]*)$") => {
                let snowflake = text == "0"
                    || (!text.is_empty()
                        && !text.starts_with('0')
                        && text.chars().all(|c| c.is_ascii_digit()));
                if !snowflake {
                    out.push(Violation::new(
                        path,
                        "NUMBER_TYPE_COERCE",
                        format!("Value \"{text}\" is not snowflake."),
                    ));
                }
            }
            Some(pattern) if pattern.starts_with("^#") => {
                let hex = text.strip_prefix('#').unwrap_or("-");
                if !(matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit())) {
                    out.push(Violation::new(
                        path,
                        "STRING_TYPE_REGEX",
                        format!("String value did not match validation regex ({pattern})."),
                    ));
                }
            }
            _ => {}
        }
        match schema.get("format").and_then(Value::as_str) {
            Some("date-time") if !is_date_time(text) => out.push(Violation::new(
                path,
                "DATE_TYPE_PARSE",
                format!("Could not parse {text}. Should be ISO8601."),
            )),
            Some("uri") if !is_uri(text) => out.push(Violation::new(
                path,
                "URL_TYPE_INVALID_URL",
                "Not a well formed URL.",
            )),
            _ => {}
        }
    }

    fn check_object(
        &self,
        map: &Map<String, Value>,
        schema: &Value,
        path: &mut Vec<String>,
        mode: Mode,
        out: &mut Vec<Violation>,
    ) {
        check_count(
            map.len(),
            schema,
            ("minProperties", "maxProperties"),
            false,
            path,
            out,
        );
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for key in required.iter().filter_map(Value::as_str) {
                if !map.contains_key(key) {
                    path.push(key.to_owned());
                    out.push(Violation::new(
                        path,
                        "BASE_TYPE_REQUIRED",
                        "This field is required",
                    ));
                    path.pop();
                }
            }
        }
        for (key, v) in map {
            path.push(key.clone());
            match properties.and_then(|p| p.get(key)) {
                Some(s) => self.check(v, s, path, mode, out),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) if mode == Mode::Response => {
                        out.push(Violation::new(path, "UNEXPECTED_FIELD", "Unexpected field"));
                    }
                    Some(s @ Value::Object(_)) => self.check(v, s, path, mode, out),
                    _ => {}
                },
            }
            path.pop();
        }
    }

    /// A `oneOf`/`anyOf`: passes when any branch fits. When none does, reports what Discord
    /// reports: a type error, the `type` values a tagged union accepts, or the errors of the
    /// closest branch.
    fn check_union(
        &self,
        value: &Value,
        options: &[Value],
        path: &mut Vec<String>,
        mode: Mode,
        out: &mut Vec<Violation>,
    ) {
        let resolved: Vec<&Value> = options.iter().map(|o| self.resolve(o)).collect();
        if resolved.iter().all(|s| s.get("const").is_some()) {
            let consts: Vec<Value> = resolved.iter().map(|s| s["const"].clone()).collect();
            if !consts.iter().any(|c| same(c, value, mode)) {
                out.push(Violation::new(
                    path,
                    "BASE_TYPE_CHOICES",
                    format!("Value must be one of ({}).", choices(&consts)),
                ));
            }
            return;
        }
        let compatible: Vec<&Value> = resolved
            .iter()
            .copied()
            .filter(|s| {
                self.types_deep(s)
                    .is_none_or(|kinds| kinds.iter().any(|k| accepts(k, value, s, mode)))
            })
            .collect();
        if compatible.is_empty() {
            let kinds: Vec<&str> = resolved
                .iter()
                .filter_map(|s| self.types_deep(s))
                .flatten()
                .collect();
            out.push(type_violation(path, &kinds, value));
            return;
        }
        let mut candidates = compatible.clone();
        if let Some(kind) = value.get("type") {
            let tags: Vec<Option<Vec<Value>>> =
                compatible.iter().map(|s| self.discriminator(s)).collect();
            if tags.iter().all(Option::is_some) {
                candidates = compatible
                    .iter()
                    .zip(&tags)
                    .filter(|(_, tag)| {
                        tag.as_ref()
                            .is_some_and(|t| t.iter().any(|c| same(c, kind, mode)))
                    })
                    .map(|(s, _)| *s)
                    .collect();
                if candidates.is_empty() {
                    let mut all: Vec<Value> = Vec::new();
                    for tag in tags.into_iter().flatten().flatten() {
                        if !all.contains(&tag) {
                            all.push(tag);
                        }
                    }
                    out.push(Violation::new(
                        path,
                        "UNION_TYPE_CHOICES",
                        format!(
                            "Value of field \"type\" must be one of ({}).",
                            choices(&all)
                        ),
                    ));
                    return;
                }
            }
        }
        let mut best: Option<Vec<Violation>> = None;
        for schema in candidates {
            let mut errors = Vec::new();
            self.check(value, schema, path, mode, &mut errors);
            if errors.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|b| errors.len() < b.len()) {
                best = Some(errors);
            }
        }
        out.extend(best.unwrap_or_default());
    }

    /// The JSON types a schema allows, looking through `allOf` (None: any).
    fn types_deep<'a>(&'a self, schema: &'a Value) -> Option<Vec<&'a str>> {
        let schema = self.resolve(schema);
        types(schema).or_else(|| {
            schema
                .get("allOf")
                .and_then(Value::as_array)?
                .iter()
                .find_map(|s| self.types_deep(s))
        })
    }

    /// The values a branch's `type` property allows (`const` or `enum`), if it has one.
    fn discriminator(&self, schema: &Value) -> Option<Vec<Value>> {
        let kind = self.resolve(schema.get("properties")?.get("type")?);
        if let Some(constant) = kind.get("const") {
            return Some(vec![constant.clone()]);
        }
        kind.get("enum").and_then(Value::as_array).cloned()
    }
}

/// A schema's own `type` list.
fn types(schema: &Value) -> Option<Vec<&str>> {
    match schema.get("type")? {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(list) => Some(list.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

/// Whether `value` is of JSON type `kind` (requests: numeric strings are numbers, as Discord
/// coerces them; both: a `format: int64` string is an integer).
fn accepts(kind: &str, value: &Value, schema: &Value, mode: Mode) -> bool {
    let numeric_string = value.as_str().is_some_and(|s| s.parse::<i128>().is_ok());
    let int64_string =
        schema.get("format").and_then(Value::as_str) == Some("int64") && numeric_string;
    match kind {
        "null" => value.is_null(),
        // Discord reads a snowflake sent as a JSON number too (serenity sends some so).
        "string" => {
            value.is_string()
                || (mode == Mode::Request
                    && schema.get("format").and_then(Value::as_str) == Some("snowflake")
                    && value.is_u64())
        }
        "integer" => {
            value.is_i64()
                || value.is_u64()
                || value.as_f64().is_some_and(|f| f.fract() == 0.0)
                || int64_string
                || (mode == Mode::Request && numeric_string)
        }
        "number" => value.is_number() || (mode == Mode::Request && numeric_string),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    }
}

/// Equality as Discord reads a request (`"1"` is `1`).
fn same(expected: &Value, value: &Value, mode: Mode) -> bool {
    if expected == value {
        return true;
    }
    match (expected, value) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Number(a), Value::String(b)) if mode == Mode::Request => {
            b.parse::<f64>().ok() == a.as_f64()
        }
        _ => false,
    }
}

fn choices(values: &[Value]) -> String {
    let mut text = values
        .iter()
        .map(|v| match v {
            Value::String(s) => format!("'{s}'"),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() == 1 {
        text.push(',');
    }
    text
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn type_violation(path: &[String], kinds: &[&str], value: &Value) -> Violation {
    let expected = kinds
        .iter()
        .copied()
        .find(|k| *k != "null")
        .unwrap_or("null");
    let v = shown(value);
    let (code, message) = match expected {
        "string" => (
            "STRING_TYPE_CONVERT",
            format!("Could not interpret \"{v}\" as string."),
        ),
        "integer" => ("NUMBER_TYPE_COERCE", format!("Value \"{v}\" is not int.")),
        "number" => (
            "NUMBER_TYPE_COERCE",
            format!("Value \"{v}\" is not a number."),
        ),
        "boolean" => (
            "BOOLEAN_TYPE_CONVERT",
            format!("Could not interpret \"{v}\" as boolean."),
        ),
        "array" => (
            "LIST_TYPE_CONVERT",
            "Only iterables may be used in a ListType".to_owned(),
        ),
        "object" => (
            "DICT_TYPE_CONVERT",
            "Only dictionaries may be used in a DictType".to_owned(),
        ),
        _ => ("BASE_TYPE_CHOICES", format!("Value \"{v}\" must be null.")),
    };
    Violation::new(path, code, message)
}

/// `minLength`/`maxLength`, `minItems`/`maxItems` or `minProperties`/`maxProperties`. Discord
/// words a string with both bounds as "between" (`BASE_TYPE_BAD_LENGTH`), a list by the bound
/// it breaks.
fn check_count(
    count: usize,
    schema: &Value,
    (min_key, max_key): (&str, &str),
    between: bool,
    path: &[String],
    out: &mut Vec<Violation>,
) {
    let min = schema
        .get(min_key)
        .and_then(Value::as_u64)
        .filter(|m| *m > 0);
    let max = schema.get(max_key).and_then(Value::as_u64);
    let count = u64::try_from(count).unwrap_or(u64::MAX);
    let too_short = min.is_some_and(|m| count < m);
    let too_long = max.is_some_and(|m| count > m);
    if !(too_short || too_long) {
        return;
    }
    let violation = match (min, max) {
        (Some(min), Some(max)) if between => Violation::new(
            path,
            "BASE_TYPE_BAD_LENGTH",
            format!("Must be between {min} and {max} in length."),
        ),
        (Some(min), _) if too_short => Violation::new(
            path,
            "BASE_TYPE_MIN_LENGTH",
            format!("Must be {min} or more in length."),
        ),
        (_, Some(max)) => Violation::new(
            path,
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {max} or fewer in length."),
        ),
        _ => return,
    };
    out.push(violation);
}

/// `minimum`/`maximum` (compared exactly for integers).
fn check_range(value: &Value, schema: &Value, path: &[String], out: &mut Vec<Violation>) {
    let as_int = |v: &Value| -> Option<i128> {
        v.as_i64()
            .map(i128::from)
            .or_else(|| v.as_u64().map(i128::from))
    };
    let below = |bound: &Value| match (as_int(value), as_int(bound)) {
        (Some(v), Some(b)) => v < b,
        _ => value
            .as_f64()
            .zip(bound.as_f64())
            .is_some_and(|(v, b)| v < b),
    };
    let above = |bound: &Value| match (as_int(value), as_int(bound)) {
        (Some(v), Some(b)) => v > b,
        _ => value
            .as_f64()
            .zip(bound.as_f64())
            .is_some_and(|(v, b)| v > b),
    };
    let kind = if as_int(value).is_some() {
        "int"
    } else {
        "float"
    };
    if let Some(min) = schema.get("minimum")
        && below(min)
    {
        out.push(Violation::new(
            path,
            "NUMBER_TYPE_MIN",
            format!("{kind} value should be greater than or equal to {min}."),
        ));
    }
    if let Some(max) = schema.get("maximum")
        && above(max)
    {
        out.push(Violation::new(
            path,
            "NUMBER_TYPE_MAX",
            format!("{kind} value should be less than or equal to {max}."),
        ));
    }
}

/// ISO 8601 / RFC 3339: `YYYY-MM-DD` with an optional `THH:MM[:SS[.fff]]` and zone.
fn is_date_time(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range.clone())
            .is_some_and(|s| s.len() == range.len() && s.iter().all(u8::is_ascii_digit))
    };
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10))
    {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    if !(matches!(b.get(10), Some(b'T' | b't' | b' '))
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16))
    {
        return false;
    }
    let mut i = 16;
    if b.get(i) == Some(&b':') {
        if !digits(i + 1..i + 3) {
            return false;
        }
        i += 3;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return false;
            }
        }
    }
    match &b[i..] {
        [] | [b'Z' | b'z'] => true,
        [b'+' | b'-', zone @ ..] => {
            let zone = std::str::from_utf8(zone).unwrap_or_default();
            let (h, m) = zone.split_once(':').unwrap_or((zone, "00"));
            h.len() == 2 && m.len() == 2 && (h.to_owned() + m).chars().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

/// A URL with a scheme and something after it.
fn is_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    !scheme.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !text.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(schema: &Value, value: &Value) -> Vec<Violation> {
        spec().violations(value, schema, Mode::Request)
    }

    #[test]
    fn the_document_is_embedded_and_routes_resolve_to_templates() {
        let spec = spec();
        assert_eq!(
            spec.template_for("post", &["channels", "1", "messages"]),
            Some("/channels/{channel_id}/messages")
        );
        assert_eq!(
            spec.template_for("PATCH", &["webhooks", "1", "tok", "messages", "@original"]),
            Some("/webhooks/{webhook_id}/{webhook_token}/messages/@original")
        );
        assert_eq!(spec.template_for("GET", &["no", "such", "route"]), None);
        assert!(
            spec.request_schema(
                "/channels/{channel_id}/messages",
                "POST",
                "multipart/form-data"
            )
            .is_some()
        );
    }

    #[test]
    fn lengths_counts_ranges_and_required_fields_are_checked() {
        let schema = json!({"$ref": "#/components/schemas/RichEmbed"});
        let errors = request(
            &schema,
            &json!({"title": "t".repeat(257), "color": 16_777_216}),
        );
        assert!(
            errors
                .iter()
                .any(|e| e.path == ["title"] && e.code == "BASE_TYPE_MAX_LENGTH"),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.code == "NUMBER_TYPE_MAX"),
            "{errors:?}"
        );
        let fields: Vec<Value> = (0..26)
            .map(|i| json!({"name": i.to_string(), "value": "v"}))
            .collect();
        let errors = request(&schema, &json!({"fields": fields}));
        assert_eq!(errors[0].path, ["fields"], "{errors:?}");
        let errors = request(&schema, &json!({"fields": [{"name": "n"}]}));
        assert_eq!(
            (errors[0].location(), errors[0].code),
            ("$.fields[0].value".to_owned(), "BASE_TYPE_REQUIRED"),
            "{errors:?}"
        );
        assert!(
            request(
                &schema,
                &json!({"title": "ok", "color": 255, "timestamp": "2024-05-01T10:00:00.000Z"})
            )
            .is_empty()
        );
        assert!(!request(&schema, &json!({"timestamp": "yesterday"})).is_empty());
    }

    #[test]
    fn tagged_unions_report_the_matching_branch_or_the_accepted_types() {
        let schema = json!({"$ref": "#/components/schemas/ActionRowComponentForMessageRequest"});
        let long = "x".repeat(101);
        let errors = request(
            &schema,
            &json!({"type": 1, "components": [{"type": 2, "style": 1, "custom_id": long}]}),
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].location(), "$.components[0].custom_id");
        assert_eq!(errors[0].code, "BASE_TYPE_BAD_LENGTH");
        let errors = request(&schema, &json!({"type": 1, "components": [{"type": 99}]}));
        assert_eq!(errors[0].code, "UNION_TYPE_CHOICES", "{errors:?}");
        let six: Vec<Value> = (0..6)
            .map(|i| json!({"type": 2, "style": 1, "custom_id": i.to_string()}))
            .collect();
        let errors = request(&schema, &json!({"type": 1, "components": six}));
        assert_eq!(
            (
                errors[0].location().as_str(),
                errors[0].code,
                errors[0].message.as_str()
            ),
            (
                "$.components",
                "BASE_TYPE_MAX_LENGTH",
                "Must be 5 or fewer in length."
            ),
            "{errors:?}"
        );
    }

    #[test]
    fn discord_errors_nest_by_path() {
        let errors = discord_errors(&[
            Violation::new(
                &["embeds".into(), "0".into(), "title".into()],
                "BASE_TYPE_MAX_LENGTH",
                "long",
            ),
            Violation::new(&[], "BASE_TYPE_REQUIRED", "root"),
        ]);
        assert_eq!(
            errors,
            json!({"embeds": {"0": {"title": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "long"}]}}},
                   "_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "root"}]})
        );
    }

    #[test]
    fn requests_coerce_numeric_strings_but_responses_do_not() {
        let schema = json!({"type": "integer", "minimum": 0, "maximum": 10});
        assert!(request(&schema, &json!("7")).is_empty());
        assert!(!request(&schema, &json!("11")).is_empty());
        assert!(
            !spec()
                .violations(&json!("7"), &schema, Mode::Response)
                .is_empty()
        );
        assert!(!request(&schema, &json!("seven")).is_empty());
    }

    #[test]
    fn dates_and_urls() {
        for good in [
            "2024-01-02",
            "2024-01-02T03:04:05Z",
            "2024-01-02T03:04:05.678+00:00",
            "2024-01-02T03:04",
        ] {
            assert!(is_date_time(good), "{good}");
        }
        for bad in [
            "2024-1-02",
            "2024-01-02T3:04",
            "2024-01-02T03:04:05X",
            "soon",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
        assert!(is_uri("https://example.com/a"));
        assert!(!is_uri("example dot com"));
    }
}

//! The operator's configuration: one typed [`Settings`], layered defaults → `guildhall.toml` →
//! environment.
//!
//! Environment variables are `GUILDHALL__SECTION__KEY` (e.g. `GUILDHALL__JOBS__CONCURRENCY=8`),
//! plus the common `DISCORD_TOKEN`, `DATABASE_URL` and `REDIS_URL`. Unknown keys are errors that
//! name the key and where it came from. Secrets are [`Secret`]s: redacted in `Debug`, in
//! serialized output and therefore in logs. Loading never writes files.
//!
//! Per-guild settings (what a community admin changes) are a different thing: see
//! [`crate::guild_config`].

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Where the configuration file is looked for when neither `--config` nor `GUILDHALL_CONFIG`
/// names one.
pub const DEFAULT_CONFIG_FILE: &str = "guildhall.toml";

/// A configuration value that must never be shown: a token, a password, a URL with credentials.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"[redacted]\"")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("[redacted]")
    }
}

/// The whole process configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Directory for the embedded database, generated keys and other local state.
    pub data_dir: PathBuf,
    /// The SQL database.
    pub database: DatabaseSettings,
    /// Redis, for several processes sharing cooldowns, rate limits and config invalidation.
    pub redis: RedisSettings,
    /// The Discord connection.
    pub discord: DiscordSettings,
    /// The background job worker.
    pub jobs: JobSettings,
    /// The dashboard and the local admin API.
    pub web: WebSettings,
    /// Logging.
    pub log: LogSettings,
    /// Premium: the Discord SKUs that grant a tier, and the limits by tier.
    pub premium: crate::premium::PremiumConfig,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("guildhall-data"),
            database: DatabaseSettings::default(),
            redis: RedisSettings::default(),
            discord: DiscordSettings::default(),
            jobs: JobSettings::default(),
            web: WebSettings::default(),
            log: LogSettings::default(),
            premium: crate::premium::PremiumConfig::default(),
        }
    }
}

/// `[database]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// `sqlite://path/to/file.db` or `postgres://user:pass@host/db`. Unset: a SQLite file
    /// `guildhall.db` in the data directory.
    pub url: Option<Secret>,
    /// Most connections in the pool.
    pub max_connections: u32,
    /// Seconds to wait for a connection before failing.
    pub connect_timeout_secs: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: None,
            max_connections: 10,
            connect_timeout_secs: 10,
        }
    }
}

impl DatabaseSettings {
    /// The database URL to use: the configured one, or the SQLite file in `data_dir`.
    pub fn resolved_url(&self, data_dir: &Path) -> String {
        match &self.url {
            Some(url) => url.expose().to_owned(),
            None => format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("guildhall.db").display()
            ),
        }
    }
}

/// `[redis]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisSettings {
    /// `redis://host:6379/0`. Unset: cooldowns, rate limits and pub/sub stay in process.
    pub url: Option<Secret>,
    /// Prefix of every key and channel, so several deployments can share one Redis.
    pub key_prefix: String,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self {
            url: None,
            key_prefix: "guildhall".into(),
        }
    }
}

/// `[discord]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordSettings {
    /// The bot token (also `DISCORD_TOKEN`).
    pub token: Option<Secret>,
    /// Base URL of Discord's API, e.g. the local stand-in `http://127.0.0.1:8765`. Unset:
    /// Discord itself.
    pub api_base: Option<String>,
    /// Ask for the privileged Message Content intent (automod, prefix commands, triggers).
    pub message_content: bool,
    /// Ask for the privileged Server Members intent (joins, auto roles, welcome, member logs).
    pub guild_members: bool,
    /// Register the slash commands globally at startup when they changed.
    pub register_commands: bool,
    /// The application's OAuth2 client id, for dashboard login (the application id).
    pub client_id: Option<String>,
    /// The application's OAuth2 client secret, for dashboard login.
    pub client_secret: Option<Secret>,
}

impl Default for DiscordSettings {
    fn default() -> Self {
        Self {
            token: None,
            api_base: None,
            message_content: true,
            guild_members: true,
            register_commands: true,
            client_id: None,
            client_secret: None,
        }
    }
}

/// `[web]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebSettings {
    /// Serve the dashboard and admin API in `guildhall serve`.
    pub enabled: bool,
    /// Address to listen on.
    pub bind: String,
    /// The URL people reach the dashboard at (OAuth2 redirects and cookies use it). Unset:
    /// `http://<bind>`.
    pub public_url: Option<String>,
    /// Key signing session tokens. Unset: generated once into `<data_dir>/session.key`.
    pub session_secret: Option<Secret>,
    /// How long a dashboard login lasts, in minutes.
    pub session_minutes: u64,
    /// Token for the local admin API (CLI and console). Unset: generated once into
    /// `<data_dir>/operator-token`.
    pub operator_token: Option<Secret>,
    /// Discord user ids who see the operator page (shards, every guild, the job ledger).
    pub operators: Vec<String>,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            bind: "127.0.0.1:8080".into(),
            public_url: None,
            session_secret: None,
            session_minutes: 60,
            operator_token: None,
            operators: Vec::new(),
        }
    }
}

impl WebSettings {
    /// The public URL, without a trailing slash.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind))
            .trim_end_matches('/')
            .to_owned()
    }
}

/// `[jobs]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobSettings {
    /// Run the job worker in `guildhall serve`.
    pub enabled: bool,
    /// Jobs run at once by one worker.
    pub concurrency: u32,
    /// Longest pause between looks for due jobs (a job scheduled in this process wakes the
    /// worker at once; one scheduled elsewhere is seen within this interval, or at once with Redis).
    pub poll_interval_ms: u64,
    /// How long a claimed job stays leased to its worker without a renewal; a worker that dies
    /// holding a lease gives its jobs up after this long.
    pub lease_secs: u64,
    /// Attempts before a failing job is moved to the dead state.
    pub max_attempts: u32,
    /// Delay before the first retry; doubled for each later one.
    pub backoff_base_ms: u64,
    /// Longest delay between retries.
    pub backoff_max_ms: u64,
    /// On shutdown, how long running jobs may take to finish before their leases are released.
    pub shutdown_grace_secs: u64,
    /// Finished and cancelled jobs older than this many days are pruned (dead jobs are kept).
    pub retention_days: u32,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            concurrency: 4,
            poll_interval_ms: 1_000,
            lease_secs: 60,
            max_attempts: 5,
            backoff_base_ms: 2_000,
            backoff_max_ms: 3_600_000,
            shutdown_grace_secs: 20,
            retention_days: 30,
        }
    }
}

/// `[log]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// A tracing filter such as `info` or `guildhall_core=debug,info` (`RUST_LOG` overrides).
    pub level: String,
    /// `pretty` for people, `json` for log collectors.
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Pretty,
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Configuration that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("config file {path} is not valid TOML: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A key nobody knows.
    #[error("unknown config key `{key}` (from {origin}); {accepted}")]
    UnknownKey {
        /// The dotted key.
        key: String,
        /// The file or environment variable it came from.
        origin: String,
        /// What is accepted there.
        accepted: String,
    },
    /// A known key with a value of the wrong kind.
    #[error("config key `{key}` (from {origin}) is invalid: {message}")]
    Invalid {
        /// The dotted key.
        key: String,
        /// The file or environment variable it came from.
        origin: String,
        /// What was wrong.
        message: String,
    },
}

/// Where a configuration value came from, for error messages.
#[derive(Debug, Clone)]
struct Origins {
    file: Option<PathBuf>,
    env: Vec<(Vec<String>, String)>,
}

impl Origins {
    fn of(&self, path: &str) -> String {
        let segments: Vec<&str> = path.split('.').collect();
        for (env_path, variable) in &self.env {
            if env_path
                .iter()
                .map(String::as_str)
                .eq(segments.iter().copied().take(env_path.len()))
            {
                return format!("environment variable {variable}");
            }
        }
        match &self.file {
            Some(file) => format!("config file {}", file.display()),
            None => "defaults".into(),
        }
    }
}

impl Settings {
    /// Loads defaults, then `file` (if given and it exists, or if it was named explicitly),
    /// then the environment.
    ///
    /// `env` is the process environment in production (`std::env::vars()`) and an explicit list
    /// in tests. `file_required` says whether a missing file is an error (it is when the operator
    /// named it).
    ///
    /// # Errors
    /// [`ConfigError`] naming the file or variable and the key when anything is unreadable,
    /// unknown or of the wrong kind.
    pub fn load(
        file: Option<&Path>,
        file_required: bool,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let defaults =
            toml::Value::try_from(Settings::default()).map_err(|error| ConfigError::Invalid {
                key: String::new(),
                origin: "defaults".into(),
                message: error.to_string(),
            })?;
        let mut tree = defaults.clone();
        let mut origins = Origins {
            file: None,
            env: Vec::new(),
        };

        if let Some(path) = file {
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    let table: toml::Table =
                        text.parse()
                            .map_err(|error: toml::de::Error| ConfigError::Syntax {
                                path: path.to_owned(),
                                message: error.to_string(),
                            })?;
                    merge(&mut tree, toml::Value::Table(table));
                    origins.file = Some(path.to_owned());
                }
                Err(error) if error.kind() == std::io::ErrorKind::NotFound && !file_required => {}
                Err(source) => {
                    return Err(ConfigError::Read {
                        path: path.to_owned(),
                        source,
                    });
                }
            }
        }

        let mut overrides: Vec<(Vec<String>, String, String)> = Vec::new();
        let mut specific: Vec<(Vec<String>, String, String)> = Vec::new();
        for (name, value) in env {
            let path: Option<Vec<String>> = match name.as_str() {
                "DISCORD_TOKEN" => Some(vec!["discord".into(), "token".into()]),
                "DATABASE_URL" => Some(vec!["database".into(), "url".into()]),
                "REDIS_URL" => Some(vec!["redis".into(), "url".into()]),
                _ => None,
            };
            if let Some(path) = path {
                overrides.push((path, name, value));
            } else if let Some(rest) = name.strip_prefix("GUILDHALL__") {
                let path = rest.split("__").map(str::to_ascii_lowercase).collect();
                specific.push((path, name, value));
            }
        }
        // The GUILDHALL__ form is the more specific one, so it wins over DATABASE_URL and friends.
        overrides.append(&mut specific);
        for (path, variable, value) in overrides {
            let typed = coerce_env_value(&defaults, &path, value);
            insert(&mut tree, &path, typed);
            origins.env.push((path, variable));
        }

        let deserializer = tree;
        let settings =
            serde_path_to_error::deserialize::<_, Settings>(deserializer).map_err(|error| {
                let key = error.path().to_string();
                // toml appends the table ("\nin `jobs`"); the path already says where.
                let message = error.inner().to_string();
                let message = message.lines().next().unwrap_or_default().to_owned();
                if let Some(field) = message.strip_prefix("unknown field `") {
                    let field = field.split('`').next().unwrap_or_default();
                    // The path ends with the unknown field itself.
                    let key = if key == "." || key.is_empty() {
                        field.to_owned()
                    } else {
                        key
                    };
                    let origin = origins.of(&key);
                    let accepted = message
                        .split_once(", expected ")
                        .map(|(_, rest)| format!("expected {rest}"))
                        .unwrap_or_else(|| {
                            "see examples/guildhall.example.toml for every key".into()
                        });
                    ConfigError::UnknownKey {
                        key,
                        origin,
                        accepted,
                    }
                } else {
                    let origin = origins.of(&key);
                    ConfigError::Invalid {
                        key,
                        origin,
                        message,
                    }
                }
            })?;
        settings
            .premium
            .validate()
            .map_err(|message| ConfigError::Invalid {
                key: "premium".into(),
                origin: origins.of("premium"),
                message,
            })?;
        Ok(settings)
    }

    /// The configuration as TOML with every secret redacted, for `guildhall config` output.
    pub fn to_redacted_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|error| format!("# cannot render: {error}"))
    }
}

/// Environment values are strings; read them as the type the key has by default (number, bool),
/// so `GUILDHALL__JOBS__CONCURRENCY=8` is the number 8. Keys without a default stay strings.
fn coerce_env_value(defaults: &toml::Value, path: &[String], value: String) -> toml::Value {
    let mut node = Some(defaults);
    for segment in path {
        node = node.and_then(|value| value.get(segment));
    }
    match node {
        Some(toml::Value::Integer(_)) => match value.trim().parse::<i64>() {
            Ok(number) => toml::Value::Integer(number),
            Err(_) => toml::Value::String(value),
        },
        Some(toml::Value::Float(_)) => match value.trim().parse::<f64>() {
            Ok(number) => toml::Value::Float(number),
            Err(_) => toml::Value::String(value),
        },
        Some(toml::Value::Array(_)) => toml::Value::Array(
            value
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| toml::Value::String(item.to_owned()))
                .collect(),
        ),
        Some(toml::Value::Boolean(_)) => match value.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => toml::Value::Boolean(true),
            "false" | "0" | "no" | "off" => toml::Value::Boolean(false),
            _ => toml::Value::String(value),
        },
        _ => toml::Value::String(value),
    }
}

fn merge(base: &mut toml::Value, overlay: toml::Value) {
    match (base, overlay) {
        (toml::Value::Table(base), toml::Value::Table(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

fn insert(tree: &mut toml::Value, path: &[String], value: toml::Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = tree;
    for segment in parents {
        let toml::Value::Table(table) = node else {
            return;
        };
        node = table
            .entry(segment.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    }
    if let toml::Value::Table(table) = node {
        table.insert(last.clone(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn defaults_apply_without_file_or_environment() {
        let settings = Settings::load(None, false, env(&[])).unwrap();
        assert_eq!(settings.jobs.concurrency, 4);
        assert!(settings.database.url.is_none());
        assert!(
            settings
                .database
                .resolved_url(&settings.data_dir)
                .starts_with("sqlite://guildhall-data/")
        );
    }

    #[test]
    fn file_overrides_defaults_and_environment_overrides_file() {
        let file = write("data_dir = \"/srv/gh\"\n[jobs]\nconcurrency = 2\nlease_secs = 30\n");
        let settings = Settings::load(
            Some(file.path()),
            true,
            env(&[
                ("GUILDHALL__JOBS__CONCURRENCY", "8"),
                ("GUILDHALL__LOG__FORMAT", "json"),
            ]),
        )
        .unwrap();
        assert_eq!(settings.data_dir, PathBuf::from("/srv/gh"));
        assert_eq!(settings.jobs.concurrency, 8);
        assert_eq!(settings.jobs.lease_secs, 30);
        assert_eq!(settings.log.format, LogFormat::Json);
    }

    #[test]
    fn common_variables_fill_their_keys_and_the_specific_form_wins() {
        let settings = Settings::load(
            None,
            false,
            env(&[
                ("DATABASE_URL", "postgres://a@localhost/one"),
                ("GUILDHALL__DATABASE__URL", "postgres://a@localhost/two"),
                ("DISCORD_TOKEN", "token-123"),
                ("REDIS_URL", "redis://127.0.0.1:6379"),
            ]),
        )
        .unwrap();
        assert_eq!(
            settings.database.url.unwrap().expose(),
            "postgres://a@localhost/two"
        );
        assert_eq!(settings.discord.token.unwrap().expose(), "token-123");
        assert_eq!(
            settings.redis.url.unwrap().expose(),
            "redis://127.0.0.1:6379"
        );
    }

    #[test]
    fn unknown_keys_in_the_file_are_named() {
        let file = write("[jobs]\nconcurency = 2\n");
        let error = Settings::load(Some(file.path()), true, env(&[])).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("unknown config key `jobs.concurency`"),
            "{message}"
        );
        assert!(
            message.contains("concurrency"),
            "lists accepted keys: {message}"
        );
        assert!(
            message.contains(&file.path().display().to_string()),
            "{message}"
        );
    }

    #[test]
    fn unknown_sections_and_environment_keys_are_named() {
        let file = write("[discrod]\ntoken = \"x\"\n");
        let message = Settings::load(Some(file.path()), true, env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("unknown config key `discrod`"),
            "{message}"
        );

        let message = Settings::load(None, false, env(&[("GUILDHALL__JOBS__NOPE", "1")]))
            .unwrap_err()
            .to_string();
        assert!(message.contains("`jobs.nope`"), "{message}");
        assert!(message.contains("GUILDHALL__JOBS__NOPE"), "{message}");
    }

    #[test]
    fn wrong_kinds_are_named() {
        let message = Settings::load(
            None,
            false,
            env(&[("GUILDHALL__JOBS__CONCURRENCY", "many")]),
        )
        .unwrap_err()
        .to_string();
        assert!(message.contains("`jobs.concurrency`"), "{message}");
        let file = write("[log]\nformat = \"xml\"\n");
        let message = Settings::load(Some(file.path()), true, env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("`log.format`") && message.contains("pretty"),
            "{message}"
        );
    }

    #[test]
    fn a_named_file_must_exist_but_the_default_one_may_not() {
        let missing = Path::new("/nonexistent/guildhall.toml");
        assert!(Settings::load(Some(missing), false, env(&[])).is_ok());
        let message = Settings::load(Some(missing), true, env(&[]))
            .unwrap_err()
            .to_string();
        assert!(message.contains("cannot read config file"), "{message}");
    }

    #[test]
    fn secrets_never_show_in_debug_or_rendered_config() {
        let settings = Settings::load(
            None,
            false,
            env(&[
                ("DISCORD_TOKEN", "super-secret-token"),
                ("DATABASE_URL", "postgres://u:hunter2@db/gh"),
                ("REDIS_URL", "redis://:pw-redis@cache"),
            ]),
        )
        .unwrap();
        let debug = format!("{settings:?}");
        let rendered = settings.to_redacted_toml();
        for text in [&debug, &rendered] {
            assert!(!text.contains("super-secret-token"), "{text}");
            assert!(!text.contains("hunter2"), "{text}");
            assert!(!text.contains("pw-redis"), "{text}");
            assert!(text.contains("[redacted]"), "{text}");
        }
    }

    #[test]
    fn the_example_file_documents_every_key_and_loads() {
        let example =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/guildhall.example.toml");
        let settings = Settings::load(Some(&example), true, env(&[])).unwrap();
        assert_eq!(
            settings.jobs.concurrency,
            Settings::default().jobs.concurrency
        );
        let text = std::fs::read_to_string(&example).unwrap();
        let defaults = toml::Value::try_from(Settings::default()).unwrap();
        let mut missing = Vec::new();
        collect_keys(&defaults, "", &mut missing, &text);
        for optional in [
            "database.url",
            "redis.url",
            "discord.token",
            "discord.api_base",
        ] {
            if !text.contains(&format!("# {} =", optional.rsplit('.').next().unwrap())) {
                missing.push(optional.to_owned());
            }
        }
        assert!(
            missing.is_empty(),
            "example file does not document: {missing:?}"
        );
    }

    fn collect_keys(value: &toml::Value, prefix: &str, missing: &mut Vec<String>, text: &str) {
        if let toml::Value::Table(table) = value {
            for (key, child) in table {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                if child.is_table() {
                    if !text.contains(&format!("[{path}]")) {
                        missing.push(path.clone());
                    }
                    collect_keys(child, &path, missing, text);
                } else if !text.contains(&format!("{key} =")) {
                    missing.push(path);
                }
            }
        }
    }
}

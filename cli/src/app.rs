//! What every command needs: the settings, logging, and the database.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use guildhall_core::clock::{SharedClock, SystemClock};
use guildhall_core::config::{DEFAULT_CONFIG_FILE, Settings};
use guildhall_core::coordination::{Coordination, MemoryCoordination, RedisCoordination};
use guildhall_core::db::{Db, DbOptions, MigrationState};
use guildhall_core::live::Live;

/// Flags every command accepts.
#[derive(Debug, Clone)]
pub struct GlobalOptions {
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub json: bool,
}

/// Loads the settings: defaults, the config file, the environment, then `--data-dir`.
pub fn load_settings(options: &GlobalOptions) -> anyhow::Result<Settings> {
    let (file, required) = match &options.config {
        Some(path) => (path.clone(), true),
        None => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
    };
    let mut settings = Settings::load(Some(&file), required, std::env::vars())?;
    if let Some(data_dir) = &options.data_dir {
        settings.data_dir.clone_from(data_dir);
    }
    Ok(settings)
}

/// Sends logs to stderr and to a fresh live state (long-running commands), and returns it.
pub fn init_live_logging(settings: &Settings) -> Arc<Live> {
    let clock: SharedClock = Arc::new(SystemClock);
    let live = Arc::new(Live::new(clock.now()));
    crate::logging::init(settings, Some((Arc::clone(&live), clock)));
    live
}

/// Opens the database named by the settings.
pub async fn open_db(settings: &Settings) -> anyhow::Result<Db> {
    let url = settings.database.resolved_url(&settings.data_dir);
    let options = DbOptions {
        max_connections: settings.database.max_connections,
        connect_timeout: Duration::from_secs(settings.database.connect_timeout_secs),
    };
    Db::connect(&url, &options).await.with_context(|| {
        format!(
            "cannot open the {} database",
            guildhall_core::db::Backend::of_url(&url)
                .map(|b| b.name())
                .unwrap_or("configured")
        )
    })
}

/// Opens the database and refuses to go on if it is not fully migrated.
pub async fn open_migrated_db(settings: &Settings) -> anyhow::Result<Db> {
    let db = open_db(settings).await?;
    let status = db.migration_status().await?;
    let pending = status
        .iter()
        .filter(|m| m.state == MigrationState::Pending)
        .count();
    if let Some(modified) = status.iter().find(|m| m.state == MigrationState::Modified) {
        bail!(
            "migration {} ({}) was changed after it was applied; restore it (migrations are append-only)",
            modified.version,
            modified.description
        );
    }
    if pending > 0 {
        bail!("the database has {pending} pending migration(s); run `guildhall migrate` first");
    }
    Ok(db)
}

/// The coordination port: Redis when configured, in process otherwise.
pub async fn coordination(
    settings: &Settings,
    clock: &SharedClock,
) -> anyhow::Result<Arc<dyn Coordination>> {
    Ok(match &settings.redis.url {
        Some(url) => Arc::new(
            RedisCoordination::connect(url.expose(), &settings.redis.key_prefix)
                .await
                .context("cannot connect to Redis (redis.url / REDIS_URL)")?,
        ),
        None => Arc::new(MemoryCoordination::new(Arc::clone(clock))),
    })
}

/// The services a command that changes things needs: the process's one
/// [`guildhall_core::Core`] (every command and every long-running part takes its feature
/// services from it).
pub struct Services {
    core: guildhall_core::Core,
    /// Where ids are checked to belong to their guild: the guild cache, then Discord's REST
    /// API when a bot token is configured.
    pub directory: Arc<dyn guildhall_core::references::GuildDirectory>,
}

impl std::ops::Deref for Services {
    type Target = guildhall_core::Core;

    fn deref(&self) -> &Self::Target {
        &self.core
    }
}

impl Services {
    /// Builds the services on a migrated database.
    pub async fn open(settings: &Settings) -> anyhow::Result<Self> {
        let db = open_migrated_db(settings).await?;
        Self::on(settings, db).await
    }

    /// Builds the services on an open database.
    pub async fn on(settings: &Settings, db: Db) -> anyhow::Result<Self> {
        let clock: SharedClock = Arc::new(SystemClock);
        let coordination = coordination(settings, &clock).await?;
        let core = guildhall_core::Core::new(db, clock, coordination, settings.jobs.max_attempts);
        // Every process reads tiers from memory: the SKUs and limits first, then the grants
        // and entitlements stored.
        core.premium.configure(settings.premium.clone());
        core.premium.load().await?;
        let directory = guildhall_web::guild_directory(
            Arc::clone(&core.guild_cache),
            settings
                .discord
                .api_base
                .as_deref()
                .unwrap_or("https://discord.com"),
            settings.discord.token.as_ref().map(|token| token.expose()),
        );
        // With a token every settings write checks the ids it names; without one only the
        // dashboard does (it sets the directory when it starts), so an operator's
        // `config set` on a machine without a token still works.
        if settings.discord.token.is_some() {
            core.config.set_directory(Arc::clone(&directory));
        }
        Ok(Self { core, directory })
    }

    /// Uses `live` (the one logging publishes to) as the process's live state.
    #[must_use]
    pub fn with_live(mut self, live: Arc<Live>) -> Self {
        self.core.live = live;
        self
    }
}

impl Services {
    /// Records an operator action in the audit log, as the current operator.
    pub async fn audit(
        &self,
        action: &str,
        guild: Option<guildhall_core::ids::GuildId>,
        target: Option<&str>,
        detail: serde_json::Value,
    ) -> anyhow::Result<()> {
        guildhall_core::audit::record(
            &self.db,
            self.clock.now(),
            &operator(),
            action,
            guild,
            target,
            &detail,
        )
        .await?;
        Ok(())
    }
}

/// A guild named by id or exact name (case-insensitive), among the guilds the bot has known,
/// with the name to show for it (`premium`, `automation`).
pub async fn resolve_guild(
    services: &Services,
    text: &str,
) -> anyhow::Result<(guildhall_core::ids::GuildId, String)> {
    let known = guildhall_core::guilds::list(&services.db).await?;
    if let Ok(id) = text.parse::<guildhall_core::ids::GuildId>() {
        let name = known.iter().find(|guild| guild.id == id).map_or_else(
            || format!("{id} (the bot has not been in it)"),
            |g| g.name.clone(),
        );
        return Ok((id, name));
    }
    let matches: Vec<_> = known
        .iter()
        .filter(|guild| guild.name.eq_ignore_ascii_case(text.trim()))
        .collect();
    match matches.as_slice() {
        [one] => Ok((one.id, one.name.clone())),
        [] => anyhow::bail!(
            "no guild is named `{text}`; give its id or its exact name (`guildhall guilds list` shows them)"
        ),
        many => anyhow::bail!(
            "{} guilds are named `{text}`; give one's id: {}",
            many.len(),
            many.iter()
                .map(|guild| guild.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// [`resolve_guild`], refusing an id the bot has never been in (a feature's data lives only in
/// guilds the bot has been in, so such an id is a typo).
pub async fn resolve_known_guild(
    services: &Services,
    text: &str,
) -> anyhow::Result<(guildhall_core::ids::GuildId, String)> {
    let (id, name) = resolve_guild(services, text).await?;
    let known = guildhall_core::guilds::list(&services.db).await?;
    if !known.iter().any(|guild| guild.id == id) {
        anyhow::bail!(
            "the bot has never been in a guild with id {id}; give a guild's id or its exact name (`guildhall guilds list` shows them)"
        );
    }
    Ok((id, name))
}

/// Who is acting, for history and the audit log: `operator:<login name>`.
pub fn operator() -> String {
    let name = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("operator:{name}")
}

/// A client of the running instance's admin API: its URL from `--instance` or `web.bind`, its
/// token from `web.operator_token` or the `operator-token` file `serve` writes into the data
/// directory.
pub fn admin_client(
    settings: &Settings,
    instance: Option<String>,
) -> anyhow::Result<guildhall_web::admin::AdminClient> {
    let base = instance.unwrap_or_else(|| format!("http://{}", settings.web.bind));
    let token = match &settings.web.operator_token {
        Some(token) => token.expose().to_owned(),
        None => {
            let path = settings.data_dir.join(OPERATOR_TOKEN_FILE);
            std::fs::read_to_string(&path)
                .map(|token| token.trim().to_owned())
                .map_err(|error| anyhow::anyhow!(
                    "no operator token: {} could not be read ({error}); start `guildhall serve` once with this data directory (it creates the file) or set web.operator_token",
                    path.display()
                ))?
        }
    };
    Ok(guildhall_web::admin::AdminClient::new(base, token))
}

/// The file in the data directory holding the admin API's token.
pub const OPERATOR_TOKEN_FILE: &str = "operator-token";

/// The file in the data directory holding the session signing key.
pub const SESSION_KEY_FILE: &str = "session.key";

/// The path shown for the data directory.
pub fn show_path(path: &Path) -> String {
    path.display().to_string()
}

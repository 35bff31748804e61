//! Guildhall's web dashboard, public pages and local admin API (axum + maud + htmx).
//!
//! It never depends on `guildhall-bot`: it changes guild settings and jobs through
//! `guildhall-core`, reads live data from [`guildhall_core::live::Live`], and the bot picks
//! changes up through the coordination bus.
//!
//! - [`routes`]: every path, typed, so links and handlers cannot drift.
//! - `auth/`: Discord OAuth2 login, the signed session cookie (JWT HS256 via `jsonwebtoken`), CSRF tokens and the
//!   per-guild Manage Server check.
//! - `handlers/`: thin axum handlers (pages, htmx actions, login, health and metrics).
//! - `views/`: maud markup split into layout, components and pages.
//! - [`admin`]: the operator-token API the CLI and console use.

pub mod admin;
mod app;
mod auth;
pub mod directory;
mod error;
pub mod features;
mod handlers;
mod metrics;
pub mod routes;
mod views;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use guildhall_core::guild_cache::GuildCache;
use guildhall_core::ids::UserId;
use guildhall_core::jobs::JobMetrics;
use guildhall_core::references::{GuildDirectory, Layered, NoDirectory};
use tokio_util::sync::CancellationToken;

pub use app::{
    AccessMode, App, CurrentUser, Guild, GuildAccess, Read, ReadGuild, Write, WriteGuild, guarded,
    router, router_with,
};
pub use error::PageError;

/// How the web server runs: where it listens, how it signs sessions, and how it reaches
/// Discord's OAuth2.
#[derive(Clone)]
pub struct WebConfig {
    /// The address to listen on.
    pub bind: SocketAddr,
    /// The URL users reach the dashboard at (e.g. `https://guildhall.example.org`), without a
    /// trailing slash; the OAuth2 redirect URI is `{public_url}/auth/callback`. Cookies are
    /// marked `Secure` when it is `https`.
    pub public_url: String,
    /// The key sessions and CSRF tokens are signed with (at least 32 bytes).
    pub session_key: Vec<u8>,
    /// How long a session lasts after login.
    pub session_ttl: Duration,
    /// The token the admin API requires (`Authorization: Bearer`).
    pub operator_token: String,
    /// Discord users who see the operator page and every guild.
    pub operators: Vec<UserId>,
    /// `https://discord.com`, or the stand-in's `api_base`.
    pub discord_api_base: String,
    /// The OAuth2 application's client id.
    pub client_id: String,
    /// The OAuth2 application's client secret.
    pub client_secret: String,
    /// How long slow clients may take, and how many may be connected at once.
    pub limits: ConnectionLimits,
}

impl WebConfig {
    /// Where Discord's CDN (guild icons) is: `https://cdn.discordapp.com` beside Discord's API,
    /// or the stand-in itself, which serves its images at the same paths.
    pub fn cdn_base(&self) -> String {
        let api = self.discord_api_base.trim_end_matches('/');
        if api == "https://discord.com" {
            "https://cdn.discordapp.com".to_owned()
        } else {
            api.to_owned()
        }
    }
}

/// What the server grants one client: a connection that does not finish its request headers,
/// or a request body that stops arriving, in time is closed; past `max_connections` new
/// connections wait in the listen queue until one closes.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// How long a client may take to send a request's headers (hyper's header-read timeout;
    /// it also ends idle keep-alive connections).
    pub header_read: Duration,
    /// How long a request body may stall between two pieces (tower-http's body timeout).
    pub body_read: Duration,
    /// How many connections are served at once.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(20),
            max_connections: 1024,
        }
    }
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field("bind", &self.bind)
            .field("public_url", &self.public_url)
            .field("session_key", &"<redacted>")
            .field("session_ttl", &self.session_ttl)
            .field("operator_token", &"<redacted>")
            .field("operators", &self.operators)
            .field("discord_api_base", &self.discord_api_base)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("limits", &self.limits)
            .finish()
    }
}

/// Everything the web server reads and writes; cheap to clone.
#[derive(Clone)]
pub struct WebState {
    /// The server's configuration.
    pub config: Arc<WebConfig>,
    /// The process's one core: the database, the clock, settings, the job ledger, live state,
    /// the guild model (filled where the bot runs in this process), coordination, and every
    /// feature service.
    pub core: guildhall_core::Core,
    /// Whether this process runs the levels' background task for the dashboard's rank index
    /// (`guildhall web` alone); where the bot runs beside it, the bot's flusher does that work
    /// for the one shared levels service.
    pub levels_listener: bool,
    /// Where ids named in forms are checked to belong to the guild
    /// ([`guildhall_core::references`]); see [`guild_directory`].
    pub directory: Arc<dyn GuildDirectory>,
    /// The job worker's counters, when a worker runs in this process.
    pub job_metrics: Option<Arc<JobMetrics>>,
}

/// The directory a process checks ids with: the bot's guild model first (empty where the bot
/// does not run in this process), then Discord's REST API with the bot token; without a token,
/// ids the model cannot vouch for are refused with the reason.
pub fn guild_directory(
    cache: Arc<GuildCache>,
    api_base: &str,
    bot_token: Option<&str>,
) -> Arc<dyn GuildDirectory> {
    let then: Arc<dyn GuildDirectory> = match bot_token {
        Some(token) => Arc::new(directory::RestDirectory::new(api_base, token)),
        None => Arc::new(NoDirectory(
            "no bot token is configured here to ask Discord; set DISCORD_TOKEN".to_owned(),
        )),
    };
    Arc::new(Layered::new(cache, then))
}

/// Why the web server could not run.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The address could not be bound.
    #[error("cannot listen on {addr} ({source}); is another process using it? set web.bind")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The server failed while running.
    #[error("web server failed: {0}")]
    Serve(std::io::Error),
}

/// Binds `state.config.bind` and serves [`router`] until `shutdown` is cancelled, then lets
/// requests in flight finish.
///
/// # Errors
/// [`WebError::Bind`] when the address cannot be bound; [`WebError::Serve`] when serving fails.
pub async fn serve(state: WebState, shutdown: CancellationToken) -> Result<(), WebError> {
    let addr = state.config.bind;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| WebError::Bind { addr, source })?;
    serve_listener(listener, state, shutdown).await
}

/// [`serve`] on an already bound listener (tests and benchmarks bind port 0). Each connection
/// is served by hyper's HTTP/1 server with its header-read timeout; request bodies are read
/// under tower-http's body timeout; at most [`ConnectionLimits::max_connections`] are open at
/// once. On `shutdown` no new connection is accepted and those open finish their requests.
///
/// # Errors
/// [`WebError::Serve`] when accepting connections fails.
pub async fn serve_listener(
    listener: tokio::net::TcpListener,
    state: WebState,
    shutdown: CancellationToken,
) -> Result<(), WebError> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    if let Ok(local) = listener.local_addr() {
        tracing::info!(addr = %local, public_url = %state.config.public_url, "web server listening");
    }
    let limits = state.config.limits;
    let app = router(state).layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        limits.body_read,
    ));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    let connections = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let permit = tokio::select! {
            () = shutdown.cancelled() => break,
            permit = Arc::clone(&connections).acquire_owned() => permit,
        };
        let Ok(permit) = permit else { break };
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) if is_connection_error(&error) => continue,
                Err(error) => {
                    // Out of file descriptors and the like: wait a moment, as axum does.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        // The peer's address for handlers that need it (the login rate limit), as
        // `axum::serve(..).into_make_service_with_connect_info()` would provide it.
        let service = TowerToHyperService::new(tower::ServiceExt::map_request(
            app.clone(),
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                request
            },
        ));
        // No upgrades: the dashboard serves no websockets (its live views are SSE).
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended");
            }
            drop(permit);
        });
    }
    // Requests in flight finish (idle connections close at once); a stream that would never
    // end (a log tail) is cut after a few seconds, so stopping always stops.
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::info!("web server stopped with connections still open");
    }
    Ok(())
}

/// How long requests in flight may take to finish once the server stops.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Errors that end one connection, not the listener.
fn is_connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// Reads the secret in `dir/file`, or creates it once: 32 random bytes as hex, readable only by
/// the owner (0600). Used for the session key and the operator token.
///
/// # Errors
/// When the directory or file cannot be created or read.
pub fn load_or_create_secret(dir: &Path, file: &str) -> std::io::Result<String> {
    use std::io::Write as _;
    let path = dir.join(file);
    if let Some(existing) = read_secret(&path)? {
        return Ok(existing);
    }
    std::fs::create_dir_all(dir)?;
    let secret = auth::random_hex(32);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(&path) {
        Ok(mut created) => {
            created.write_all(secret.as_bytes())?;
            created.write_all(b"\n")?;
            Ok(secret)
        }
        // Another process created it first: use theirs.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => read_secret(&path)?
            .ok_or_else(|| std::io::Error::other(format!("{} is empty", path.display()))),
        Err(error) => Err(error),
    }
}

fn read_secret(path: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => Ok(Some(text.trim().to_owned())),
        Ok(_) => Ok(None),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_created_once_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("data");
        let first = load_or_create_secret(&nested, "session-key").unwrap();
        assert_eq!(first.len(), 64);
        assert!(first.chars().all(|c| c.is_ascii_hexdigit()));
        let second = load_or_create_secret(&nested, "session-key").unwrap();
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(nested.join("session-key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_ne!(first, load_or_create_secret(&nested, "other").unwrap());
    }
}

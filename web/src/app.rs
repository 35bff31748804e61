//! The router and what every handler shares: sessions, the Discord client, the metrics, and
//! the checks (who is asking, may they touch this guild, did they send the CSRF token).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use guildhall_core::clock::UnixMillis;
use guildhall_core::ids::{GuildId, RoleId, UserId};

use crate::admin::{self, AdminState};
use crate::auth::discord::{DiscordClient, DiscordError};
use crate::auth::sessions::{Session, SessionStore, UserGuild};
use crate::auth::{self, token};
use crate::error::PageError;
use crate::features::{self, FeaturePages};
use crate::handlers::{actions, analytics, health, login, pages, pickers, premium, settings_form};
use crate::metrics::{self, HttpMetrics};
use crate::routes;
use crate::{WebConfig, WebState};

/// How long a user's guild list (and so their Manage Server check) is trusted on reads.
/// Writes always ask Discord again.
pub const PERMISSION_CACHE: Duration = Duration::from_secs(60);

/// The largest form body the CSRF check reads.
const FORM_LIMIT: usize = 64 * 1024;

/// The state every handler gets.
#[derive(Clone)]
pub struct App {
    /// What the caller of [`router`] passed.
    pub web: WebState,
    /// What the router owns.
    pub inner: Arc<Inner>,
}

/// What the router owns.
pub struct Inner {
    /// Live sessions.
    pub sessions: SessionStore,
    /// Discord's OAuth2.
    pub discord: DiscordClient,
    /// HTTP counters for `/metrics`.
    pub http_metrics: HttpMetrics,
    /// Whether cookies get `Secure`.
    pub secure_cookies: bool,
    /// The level service and the leaderboards' caches.
    pub levels: crate::handlers::levels::LevelsState,
}

impl App {
    /// A guild's settings, read fresh (pages show what is stored, not a cached copy).
    ///
    /// # Errors
    /// [`PageError`] (500) when the database fails.
    pub async fn guild_settings(
        &self,
        guild: guildhall_core::ids::GuildId,
    ) -> Result<std::sync::Arc<guildhall_core::guild_config::GuildSettings>, crate::error::PageError>
    {
        self.web
            .core
            .config
            .reload(guild)
            .await
            .map_err(crate::error::PageError::internal)
    }

    fn new(web: WebState) -> Self {
        let config = &web.config;
        let public_url = config.public_url.trim_end_matches('/');
        let discord = DiscordClient::new(
            reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()
                .unwrap_or_default(),
            &config.discord_api_base,
            &config.client_id,
            &config.client_secret,
            format!("{public_url}{}", routes::AUTH_CALLBACK),
        );
        // Every settings write the dashboard makes checks the channels and roles it names.
        web.core.config.set_directory(Arc::clone(&web.directory));
        let secure_cookies = public_url.starts_with("https://");
        let sessions = SessionStore::new(web.core.db.clone());
        let levels = crate::handlers::levels::LevelsState::new(&web);
        Self {
            web,
            inner: Arc::new(Inner {
                sessions,
                discord,
                http_metrics: HttpMetrics::default(),
                secure_cookies,
                levels,
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &WebConfig {
        &self.web.config
    }

    /// Now, by the state's clock.
    pub fn now(&self) -> UnixMillis {
        self.web.core.clock.now()
    }

    /// Whether `user` is an operator.
    pub fn is_operator(&self, user: UserId) -> bool {
        self.config().operators.contains(&user)
    }

    /// The session a request's cookie proves, if any: the signature and expiry must hold and
    /// the session must still exist for the same user.
    ///
    /// # Errors
    /// [`PageError::Internal`] when the sessions table cannot be read.
    pub async fn session_of(
        &self,
        headers: &axum::http::HeaderMap,
    ) -> Result<Option<Session>, PageError> {
        let Some(cookie) = auth::cookie(headers, auth::SESSION_COOKIE) else {
            return Ok(None);
        };
        let now = self.now();
        let Ok(claims) = token::decode(&self.config().session_key, &cookie, now.0 / 1_000) else {
            return Ok(None);
        };
        let session = self
            .inner
            .sessions
            .get(&claims.sid, now)
            .await
            .map_err(PageError::internal)?;
        Ok(session.filter(|session| session.user.to_string() == claims.sub))
    }

    /// The user's guilds, from the session's copy when younger than [`PERMISSION_CACHE`] and
    /// `fresh` is false, otherwise from Discord.
    ///
    /// # Errors
    /// [`PageError::LoggedOut`] when Discord no longer accepts the login; upstream errors.
    pub async fn user_guilds(
        &self,
        session: &Session,
        fresh: bool,
    ) -> Result<Arc<Vec<UserGuild>>, PageError> {
        let now = self.now();
        if !fresh
            && let Some((fetched, guilds)) = &session.guilds
            && now.since(*fetched) < PERMISSION_CACHE
            && *fetched <= now
        {
            return Ok(Arc::clone(guilds));
        }
        match self.inner.discord.guilds(&session.access_token).await {
            Ok(guilds) => {
                let guilds = Arc::new(guilds);
                self.inner
                    .sessions
                    .set_guilds(&session.id, Arc::clone(&guilds), now);
                Ok(guilds)
            }
            Err(DiscordError::Unauthorized) => {
                if let Err(error) = self.inner.sessions.remove(&session.id).await {
                    tracing::warn!(%error, "could not delete a revoked session");
                }
                Err(PageError::LoggedOut { next: None })
            }
            Err(error) => Err(PageError::Upstream(format!(
                "could not check your permissions with Discord: {error}"
            ))),
        }
    }

    /// Like the [`Guild`] extractor, but also lets in a member of the guild who holds one of
    /// `staff_roles` (by the bot's member cache, so only where the bot runs in this process:
    /// `guildhall serve`). Ticket pages use it so support staff read transcripts without
    /// Manage Server; the staff roles come from the ticket's panels, which the page reads first.
    ///
    /// # Errors
    /// As [`App::access`].
    pub async fn staff_access(
        &self,
        user: &CurrentUser,
        guild: GuildId,
        fresh: bool,
        staff_roles: &[RoleId],
    ) -> Result<GuildAccess, PageError> {
        self.access(user, guild, fresh, staff_roles).await
    }

    /// Checks that `user` may manage `guild` (Manage Server, Administrator or owner, or an
    /// operator; or one of `staff_roles`, when given) and that Guildhall is in it. `fresh` asks
    /// Discord again (every write does). Handlers reach it through [`Guild`].
    ///
    /// # Errors
    /// [`PageError::Forbidden`] without the permission; [`PageError::NotFound`] when the bot is
    /// not in the guild.
    async fn access(
        &self,
        user: &CurrentUser,
        guild: GuildId,
        fresh: bool,
        staff_roles: &[RoleId],
    ) -> Result<GuildAccess, PageError> {
        let mut access = GuildAccess {
            id: guild,
            name: String::new(),
            member_count: None,
            via_staff_role: false,
            features_on: Vec::new(),
            names: crate::views::components::Names::default(),
            icon: None,
        };
        if user.operator {
            if let Ok(guilds) = self.user_guilds(&user.session, false).await
                && let Some(known) = guilds.iter().find(|known| known.id == guild)
            {
                access.member_count = known.member_count;
            }
        } else {
            let guilds = self.user_guilds(&user.session, fresh).await?;
            let Some(known) = guilds.iter().find(|known| known.id == guild) else {
                return Err(PageError::Forbidden(format!(
                    "you are not a member of server {guild}, so you cannot manage it here"
                )));
            };
            let staff = || {
                !staff_roles.is_empty()
                    && self
                        .web
                        .core
                        .guild_cache
                        .member(guild, user.session.user)
                        .is_some_and(|member| {
                            member.roles.iter().any(|role| staff_roles.contains(role))
                        })
            };
            access.via_staff_role = !known.manageable();
            if !known.manageable() && !staff() {
                return Err(PageError::Forbidden(if staff_roles.is_empty() {
                    format!(
                        "you need the Manage Server permission in {} to change Guildhall's settings there",
                        known.name
                    )
                } else {
                    format!(
                        "you need the Manage Server permission or a ticket staff role in {} to read its tickets",
                        known.name
                    )
                }));
            }
            access.name.clone_from(&known.name);
            access.member_count = known.member_count;
        }
        let stored = guildhall_core::guilds::list(&self.web.core.db)
            .await
            .map_err(PageError::internal)?;
        let Some(record) = stored
            .into_iter()
            .find(|record| record.id == guild && record.left_at.is_none())
        else {
            return Err(PageError::NotFound(format!(
                "Guildhall is not in server {guild}; invite the bot first"
            )));
        };
        access.name = self
            .web
            .core
            .guild_cache
            .guild_name(guild)
            .unwrap_or(record.name);
        // The navigation marks what is switched on (the settings are cached in memory).
        let settings = self
            .web
            .core
            .config
            .get(guild)
            .await
            .map_err(PageError::internal)?;
        access.features_on = guildhall_core::features::FEATURES
            .iter()
            .filter(|feature| feature.is_on(&settings))
            .map(|feature| feature.name)
            .collect();
        access.names = crate::views::components::Names::of(&self.web.core.guild_cache, guild);
        if let Some(look) = self.web.core.guild_cache.look(guild) {
            access.icon = look.icon.map(|hash| {
                format!(
                    "{}/icons/{guild}/{hash}.png?size=128",
                    self.config().cdn_base()
                )
            });
            access.member_count = access.member_count.or(look.member_count);
        }
        Ok(access)
    }

    /// Checks that every channel and role a form names belongs to `guild`, through the
    /// process's directory ([`guildhall_core::references`]).
    ///
    /// # Errors
    /// The sentence naming the first field refused.
    pub async fn check_references(
        &self,
        guild: GuildId,
        references: &[(String, guildhall_core::references::Reference)],
    ) -> Result<(), String> {
        guildhall_core::references::check_all(self.web.directory.as_ref(), guild, references)
            .await
            .map_err(|error| error.to_string())
    }

    /// The process's one moderation service.
    pub fn moderation(&self) -> Arc<guildhall_core::moderation::ModerationService> {
        Arc::clone(&self.web.core.moderation)
    }

    /// The process's one ticket service.
    pub fn tickets(&self) -> Arc<guildhall_core::tickets::TicketService> {
        Arc::clone(&self.web.core.tickets)
    }

    /// Records a dashboard action in the audit log; a failure is logged, not shown.
    pub async fn audit(
        &self,
        user: &CurrentUser,
        action: &str,
        guild: Option<GuildId>,
        target: &str,
        detail: serde_json::Value,
    ) {
        let actor = format!("user:{}", user.session.user);
        if let Err(error) = guildhall_core::audit::record(
            &self.web.core.db,
            self.now(),
            &actor,
            action,
            guild,
            Some(target),
            &detail,
        )
        .await
        {
            tracing::warn!(%error, action, "could not write the audit log");
        }
    }
}

/// A guild the user may manage.
#[derive(Debug, Clone)]
pub struct GuildAccess {
    /// The guild.
    pub id: GuildId,
    /// Its name.
    pub name: String,
    /// Its approximate member count, from Discord.
    pub member_count: Option<u64>,
    /// Let in by a ticket staff role, not Manage Server: may read tickets, nothing else.
    pub via_staff_role: bool,
    /// The features switched on in the guild (their registry names), for the navigation.
    pub features_on: Vec<&'static str>,
    /// The guild's names (channels, roles, members), for pages to show instead of ids.
    pub names: crate::views::components::Names,
    /// Its icon's address on Discord's CDN, when it has one.
    pub icon: Option<String>,
}

/// Marks a request whose CSRF token [`csrf_guard`] checked: inserted by the guard alone, so
/// a handler that sees it knows the route is mounted behind the guard.
#[derive(Debug, Clone, Copy)]
struct CsrfChecked;

/// How a [`Guild`] extractor checks the member: reads trust the cached guild list, writes ask
/// Discord again and require the CSRF check.
pub trait AccessMode: Send + Sync + 'static {
    /// Ask Discord for the member's guilds again instead of the session's copy.
    const FRESH: bool;
    /// Refuse the request unless [`csrf_guard`] checked its token.
    const WRITE: bool;
}

/// A page or a read-only action (a preview, a test): the permission cached for
/// [`PERMISSION_CACHE`].
#[derive(Debug, Clone, Copy)]
pub struct Read;

/// A change: the permission asked of Discord again, and the CSRF check required.
#[derive(Debug, Clone, Copy)]
pub struct Write;

impl AccessMode for Read {
    const FRESH: bool = false;
    const WRITE: bool = false;
}

impl AccessMode for Write {
    const FRESH: bool = true;
    const WRITE: bool = true;
}

/// The extractor of every guild page and action: the logged-in user (else 401 or the login
/// redirect), the `{guild}` path parameter (404 unless canonical), and their right to manage
/// that guild (403 without Manage Server, 404 when Guildhall is not there). A [`Write`] is
/// refused with 403 when the route is not behind the CSRF guard, so a write route cannot be
/// mounted without it.
#[derive(Debug, Clone)]
pub struct Guild<M: AccessMode> {
    /// Who asks.
    pub user: CurrentUser,
    /// The guild of the path, which they may manage.
    pub access: GuildAccess,
    mode: std::marker::PhantomData<M>,
}

/// A guild page: Manage Server, by the cached guild list.
pub type ReadGuild = Guild<Read>;
/// A guild change: Manage Server asked of Discord again, behind the CSRF check.
pub type WriteGuild = Guild<Write>;

impl<M: AccessMode> Guild<M> {
    /// The guild of the path.
    pub fn id(&self) -> GuildId {
        self.access.id
    }
}

/// The `{guild}` path parameter, in its canonical spelling.
///
/// # Errors
/// [`PageError::NotFound`] when the route has none or it is not a canonical id.
async fn guild_param(parts: &mut Parts, app: &App) -> Result<GuildId, PageError> {
    let params = RawPathParams::from_request_parts(parts, app)
        .await
        .map_err(|_| PageError::NotFound("no such page".to_owned()))?;
    params
        .iter()
        .find(|(name, _)| *name == "guild")
        .and_then(|(_, value)| value.parse::<GuildId>().ok())
        .ok_or_else(|| PageError::NotFound("no such page".to_owned()))
}

impl<M: AccessMode> FromRequestParts<App> for Guild<M> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        if M::WRITE && parts.extensions.get::<CsrfChecked>().is_none() {
            // A route mounted without `guarded`: a bug, refused rather than trusted.
            tracing::error!(path = %parts.uri.path(), "a guild change reached its handler without the CSRF check");
            return Err(PageError::Csrf);
        }
        let user = CurrentUser::from_request_parts(parts, app).await?;
        let guild = guild_param(parts, app).await?;
        let access = app.access(&user, guild, M::FRESH, &[]).await?;
        Ok(Self {
            user,
            access,
            mode: std::marker::PhantomData,
        })
    }
}

/// The logged-in user of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// Their session.
    pub session: Session,
    /// The CSRF token forms must carry.
    pub csrf: String,
    /// Whether they are an operator.
    pub operator: bool,
    /// Whether the request came from htmx.
    pub htmx: bool,
}

impl CurrentUser {
    /// The settings actor for their changes.
    pub fn actor(&self) -> String {
        format!("user:{} (dashboard)", self.session.user)
    }
}

/// Whether a request came from htmx (it answers with fragments, and 401 instead of redirects).
pub fn is_htmx(headers: &axum::http::HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

impl FromRequestParts<App> for CurrentUser {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let htmx = is_htmx(&parts.headers);
        let Some(session) = app.session_of(&parts.headers).await? else {
            let next = (parts.method == Method::GET && !htmx).then(|| {
                parts
                    .uri
                    .path_and_query()
                    .map_or_else(|| "/".to_owned(), |path| path.as_str().to_owned())
            });
            return Err(PageError::LoggedOut { next });
        };
        Ok(Self {
            csrf: auth::csrf_token(&app.config().session_key, &session.id),
            operator: app.is_operator(session.user),
            htmx,
            session,
        })
    }
}

/// Refuses every state-changing request without a session (401) or without the session's
/// CSRF token in the `X-CSRF-Token` header or the `csrf` form field (403).
async fn csrf_guard(State(app): State<App>, request: Request, next: Next) -> Response {
    // Every state-changing route is a POST: other methods (PUT, PATCH, DELETE, TRACE, ...)
    // reach no handler, so the method router answers them 405 without a session.
    if *request.method() != Method::POST {
        return next.run(request).await;
    }
    let session = match app.session_of(request.headers()).await {
        Ok(Some(session)) => session,
        Ok(None) => return PageError::LoggedOut { next: None }.into_response(),
        Err(error) => return error.into_response(),
    };
    let key = &app.config().session_key;
    let header_token = request
        .headers()
        .get(auth::CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    if let Some(given) = header_token {
        if auth::csrf_matches(key, &session.id, &given) {
            let mut request = request;
            request.extensions_mut().insert(CsrfChecked);
            return next.run(request).await;
        }
        return PageError::Csrf.into_response();
    }
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return PageError::BadRequest(
            "the form could not be read: larger than 64 KB, or it stopped arriving".into(),
        )
        .into_response();
    };
    let field = form_field(&bytes, auth::CSRF_FIELD);
    if !field.is_some_and(|given| auth::csrf_matches(key, &session.id, &given)) {
        return PageError::Csrf.into_response();
    }
    parts.extensions.insert(CsrfChecked);
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The path parameters that are numbers (Discord ids, case and ticket numbers, panel, giveaway,
/// job and history ids, members).
const NUMERIC_PARAMS: [&str; 8] = [
    "guild", "giveaway", "job", "number", "panel", "timed", "entry", "user",
];

/// Answers 404 for a path whose numeric parameter is not written canonically (digits only, no
/// sign, no leading zero, not zero): `/guilds/+9646…` and `/guilds/09646…` name no page, and
/// only one spelling of each path exists (caches, logs and the audit trail see one form).
async fn canonical_ids(params: RawPathParams, request: Request, next: Next) -> Response {
    let canonical = |value: &str| {
        !value.is_empty()
            && value.len() <= 20
            && value.bytes().all(|byte| byte.is_ascii_digit())
            && !value.starts_with('0')
            && value.parse::<u64>().is_ok()
    };
    let bad = params
        .iter()
        .any(|(name, value)| NUMERIC_PARAMS.contains(&name) && !canonical(value));
    if bad {
        return PageError::NotFound("no such page".to_owned()).into_response();
    }
    next.run(request).await
}

/// The first value of `name` in a urlencoded form.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| {
            percent_encoding::percent_decode_str(&value.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// The policy every page gets unless its handler set a stricter one: scripts and styles only
/// from this site, images from it and from Discord's CDN (guild icons), no `<base>` (so relative links cannot be redirected), forms
/// only back to this site, never framed. `cdn` is the origin of Discord's CDN (guild icons).
fn content_security_policy(cdn: &str) -> HeaderValue {
    // scheme://host[:port], nothing after it; anything else adds no source.
    let origin = cdn
        .split_once("://")
        .filter(|(scheme, _)| matches!(*scheme, "http" | "https"))
        .map(|(scheme, rest)| {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            format!("{scheme}://{host}")
        })
        .filter(|origin| {
            origin
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ":/.-[]".contains(c))
        })
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: {origin}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"))
}

/// Browser features the dashboard never uses, switched off for it and anything it embeds.
const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=(), browsing-topics=()";

async fn security_headers(
    State(policy): State<Arc<HeaderValue>>,
    request: Request,
    next: Next,
) -> Response {
    // A page answered to a signed-in browser carries that user's data: never stored by the
    // browser or a proxy, so the back button after logout or a shared computer shows nothing.
    let signed_in = auth::cookie(request.headers(), auth::SESSION_COOKIE).is_some();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
    let sets_session = headers.get_all(header::SET_COOKIE).iter().any(|value| {
        value
            .to_str()
            .is_ok_and(|text| text.starts_with(&format!("{}=", auth::SESSION_COOKIE)))
    });
    let public_asset = headers
        .get(header::CACHE_CONTROL)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("public"))
        && !sets_session;
    if (signed_in || sets_session) && !public_asset {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // A handler that set a stricter policy (a transcript download) keeps it.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::clone(&policy));
    }
    response
}

/// Replaces control characters in HTML answers with U+FFFD (as a browser would): text is
/// checked before it is stored ([`guildhall_core::text`]), but a refused form is shown again
/// as typed, and a NUL must not reach the page raw.
async fn no_raw_control_characters(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if !html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return PageError::internal("an HTML answer could not be read").into_response();
    };
    let control = |byte: &u8| matches!(byte, 0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F);
    if !bytes.iter().any(control) {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let mut cleaned = Vec::with_capacity(bytes.len() + 16);
    for byte in &bytes {
        if control(byte) {
            cleaned.extend_from_slice("\u{FFFD}".as_bytes());
        } else {
            cleaned.push(*byte);
        }
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(cleaned))
}

/// `route` behind the CSRF guard. The guard wraps the route's own methods only
/// (`MethodRouter::route_layer`), so a method the route does not have is answered 405 by the
/// router, before any session or token is asked for.
pub fn guarded(app: &App, route: MethodRouter<App>) -> MethodRouter<App> {
    route.route_layer(middleware::from_fn_with_state(app.clone(), csrf_guard))
}

/// Every route: the dashboard, login, health and metrics, assets, and the admin API.
pub fn router(state: WebState) -> Router {
    router_with(state, features::FEATURES)
}

/// [`router`] with `features` as the feature pages (tests mount pages of their own).
pub fn router_with(state: WebState, features: &[FeaturePages]) -> Router {
    let admin = admin::router(AdminState {
        live: Arc::clone(&state.core.live),
        clock: Arc::clone(&state.core.clock),
        token: Arc::from(state.config.operator_token.as_str()),
    });
    let policy = Arc::new(content_security_policy(&state.config.cdn_base()));
    let app = App::new(state);
    let pages = features.iter().fold(Router::new(), |router, feature| {
        router.merge((feature.routes)(&app))
    });
    Router::new()
        .route(routes::HOME, guarded(&app, get(pages::home)))
        .route(routes::GUILD, guarded(&app, get(pages::overview)))
        .route(routes::GUILD_FEATURES, guarded(&app, get(pages::features)))
        .route(routes::GUILD_ANALYTICS, guarded(&app, get(analytics::page)))
        .route(
            routes::GUILD_ANALYTICS_CSV,
            guarded(&app, get(analytics::csv)),
        )
        .route(
            routes::GUILD_SETTINGS,
            guarded(&app, post(actions::set_setting)),
        )
        .route(routes::GUILD_HISTORY, guarded(&app, get(pages::history)))
        .route(
            routes::GUILD_SETTINGS_FORM,
            guarded(&app, get(settings_form::page).post(settings_form::save)),
        )
        .route(
            routes::GUILD_MEMBER_SEARCH,
            guarded(&app, get(pickers::member_search)),
        )
        .route(
            routes::GUILD_ROLLBACK,
            guarded(&app, post(actions::rollback)),
        )
        .route(routes::OPERATOR, guarded(&app, get(pages::operator)))
        .route(routes::JOB_CANCEL, guarded(&app, post(actions::cancel_job)))
        .route(routes::JOB_RETRY, guarded(&app, post(actions::retry_job)))
        .route(routes::PREMIUM_GRANT, guarded(&app, post(premium::grant)))
        .route(routes::PREMIUM_REVOKE, guarded(&app, post(premium::revoke)))
        .route(routes::GUILD_PREMIUM, guarded(&app, get(premium::page)))
        .route(routes::LOGOUT, guarded(&app, post(login::logout)))
        .route(routes::LOGIN, get(login::login))
        .route(routes::AUTH_CALLBACK, get(login::callback))
        .route(routes::HEALTHZ, get(health::healthz))
        .route(routes::READYZ, get(health::readyz))
        .route(routes::METRICS, get(health::metrics))
        .route(routes::HTMX_JS, get(health::htmx_js))
        .route(routes::APP_CSS, get(health::app_css))
        .merge(pages)
        .route_layer(middleware::from_fn(canonical_ids))
        .with_state(app.clone())
        .merge(admin)
        .layer(middleware::from_fn_with_state(app, metrics::track))
        .layer(middleware::from_fn(no_raw_control_characters))
        .layer(middleware::from_fn_with_state(policy, security_headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_decoded() {
        assert_eq!(
            form_field(b"key=a.b&csrf=x%2By+z&value=1", "csrf").as_deref(),
            Some("x+y z")
        );
        assert_eq!(form_field(b"key=a", "csrf"), None);
    }
}

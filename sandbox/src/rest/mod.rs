//! REST under `/api/v10` (and `/api`): authentication, faults, routing, rate-limit headers and
//! recording around the route handlers.

mod app;
mod guilds;
mod interactions;
mod members;
pub(crate) mod messages;
pub(crate) mod monetization;
pub(crate) mod oauth;
pub(crate) mod validate;
mod webhooks;

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State as AxState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use guildhall_core::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use guildhall_core::permissions::Permissions;
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use self::validate::Content;
use crate::record::{RecordedPart, RecordedRequest};
use crate::{Inner, Sandbox, State, lock};

/// A Discord-shaped error.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: u16,
    pub code: u64,
    pub message: String,
    /// For `50035 Invalid Form Body`: the nested `errors` object.
    pub errors: Option<Value>,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: u64, message: &str) -> Self {
        Self {
            status,
            code,
            message: message.to_owned(),
            errors: None,
        }
    }
    pub(crate) fn unknown_channel() -> Self {
        Self::new(404, 10003, "Unknown Channel")
    }
    pub(crate) fn unknown_guild() -> Self {
        Self::new(404, 10004, "Unknown Guild")
    }
    pub(crate) fn unknown_member() -> Self {
        Self::new(404, 10007, "Unknown Member")
    }
    pub(crate) fn unknown_message() -> Self {
        Self::new(404, 10008, "Unknown Message")
    }
    pub(crate) fn unknown_role() -> Self {
        Self::new(404, 10011, "Unknown Role")
    }
    pub(crate) fn unknown_user() -> Self {
        Self::new(404, 10013, "Unknown User")
    }
    pub(crate) fn unknown_emoji() -> Self {
        Self::new(404, 10014, "Unknown Emoji")
    }
    pub(crate) fn unknown_ban() -> Self {
        Self::new(404, 10026, "Unknown Ban")
    }
    pub(crate) fn unknown_interaction() -> Self {
        Self::new(404, 10062, "Unknown interaction")
    }
    pub(crate) fn missing_permissions() -> Self {
        Self::new(403, 50013, "Missing Permissions")
    }
    pub(crate) fn missing_access() -> Self {
        Self::new(403, 50001, "Missing Access")
    }
    pub(crate) fn unknown_webhook() -> Self {
        Self::new(404, 10015, "Unknown Webhook")
    }
    /// `400 Invalid Form Body` with Discord's nested `errors`.
    pub(crate) fn form(violations: &[crate::schema::Violation]) -> Self {
        Self {
            errors: Some(crate::schema::discord_errors(violations)),
            ..Self::new(400, 50035, "Invalid Form Body")
        }
    }
    /// `400 Invalid Form Body` for one field (`a.0.b`; empty for the body itself).
    pub(crate) fn field(path: &str, code: &'static str, message: &str) -> Self {
        let path: Vec<String> = path
            .split('.')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        Self::form(&[crate::schema::Violation {
            path,
            code,
            message: message.to_owned(),
        }])
    }
    fn body(&self) -> Value {
        let mut body = json!({"message": self.message, "code": self.code});
        if let (Some(errors), Some(map)) = (&self.errors, body.as_object_mut()) {
            map.insert("errors".into(), errors.clone());
        }
        body
    }
}

/// What a route answers: a status and an optional JSON body.
pub(crate) type Answer = Result<(u16, Option<Value>), ApiError>;

pub(crate) fn ok(body: Value) -> Answer {
    Ok((200, Some(body)))
}

pub(crate) fn no_content() -> Answer {
    Ok((204, None))
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Auth {
    Bot,
    Bearer(UserId, String),
    None,
    Invalid,
}

/// A parsed request.
#[derive(Debug)]
pub(crate) struct Req {
    pub method: Method,
    pub segs: Vec<String>,
    pub query: Vec<(String, String)>,
    pub body: Value,
    pub auth: Auth,
    pub audit_reason: Option<String>,
    /// The files of a multipart body.
    pub files: Vec<Upload>,
}

impl Req {
    pub(crate) fn str(&self, key: &str) -> Option<&str> {
        self.body.get(key).and_then(Value::as_str)
    }
    pub(crate) fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    pub(crate) fn has(&self, key: &str) -> bool {
        self.body.get(key).is_some()
    }
}

pub(crate) fn router(inner: Arc<Inner>) -> Router {
    Router::new()
        .route("/gateway", get(crate::gateway::upgrade))
        .route("/oauth2/authorize", get(oauth::authorize))
        .route("/icons/{guild}/{file}", get(guild_icon))
        .route("/attachments/{channel}/{id}/{file}", get(attachment_file))
        .fallback(api)
        .with_state(inner)
}

/// The image every stand-in guild icon is (Discord's CDN serves the uploaded one).
const ICON_PNG: &[u8] = include_bytes!("../../assets/icon.png");

/// `GET /icons/{guild}/{hash}.png`, as Discord's CDN (`cdn.discordapp.com`) answers it: the
/// image when the hash is the guild's current icon, 404 otherwise (an old hash, no icon).
async fn guild_icon(
    AxState(inner): AxState<Arc<Inner>>,
    axum::extract::Path((guild, file)): axum::extract::Path<(String, String)>,
) -> Response {
    let current = guild.parse::<GuildId>().ok().and_then(|guild| {
        inner
            .lock()
            .world
            .guild(guild)
            .and_then(|guild| guild.icon.clone())
    });
    let asked = file
        .strip_suffix(".png")
        .or_else(|| file.strip_suffix(".webp"));
    match (current, asked) {
        (Some(current), Some(asked)) if current == asked => {
            ([(axum::http::header::CONTENT_TYPE, "image/png")], ICON_PNG).into_response()
        }
        _ => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

/// `GET /attachments/{channel}/{id}/{filename}`, as Discord's CDN answers it: the uploaded
/// bytes while the message exists, 404 otherwise.
async fn attachment_file(
    AxState(inner): AxState<Arc<Inner>>,
    axum::extract::Path((channel, id, file)): axum::extract::Path<(String, String, String)>,
) -> Response {
    let found = match (channel.parse::<ChannelId>(), id.parse::<u64>()) {
        (Ok(channel), Ok(id)) => inner.lock().world.messages.get(&channel).and_then(|list| {
            list.iter()
                .flat_map(|m| &m.attachments)
                .find(|a| a.id == id && a.filename == file)
                .map(|a| (a.content_type.clone(), a.bytes.clone()))
        }),
        _ => None,
    };
    match found {
        Some((content_type, bytes)) => (
            [(
                axum::http::header::CONTENT_TYPE,
                content_type.unwrap_or_else(|| "application/octet-stream".into()),
            )],
            bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub(crate) fn id<T: std::str::FromStr>(text: &str, error: fn() -> ApiError) -> Result<T, ApiError> {
    text.parse().map_err(|_| error())
}

pub(crate) fn gid(text: &str) -> Result<GuildId, ApiError> {
    id(text, ApiError::unknown_guild)
}
pub(crate) fn cid(text: &str) -> Result<ChannelId, ApiError> {
    id(text, ApiError::unknown_channel)
}
pub(crate) fn uid(text: &str) -> Result<UserId, ApiError> {
    id(text, ApiError::unknown_user)
}
pub(crate) fn mid(text: &str) -> Result<MessageId, ApiError> {
    id(text, ApiError::unknown_message)
}
pub(crate) fn rid(text: &str) -> Result<RoleId, ApiError> {
    id(text, ApiError::unknown_role)
}

/// A query string checked against its operation's declared query parameters.
pub(crate) struct Query<'a> {
    req: &'a Req,
}

impl Query<'_> {
    pub(crate) fn snowflake(&self, key: &str) -> Option<u64> {
        self.req.query(key).and_then(|v| v.parse().ok())
    }
    pub(crate) fn integer(&self, key: &str) -> Option<i64> {
        self.req.query(key).and_then(|v| v.parse().ok())
    }
    pub(crate) fn boolean(&self, key: &str) -> Option<bool> {
        self.req
            .query(key)
            .map(|v| matches!(v, "true" | "True" | "1"))
    }
}

/// Checks a request's query string against the OpenAPI document's parameters for the route
/// (`400 50035` with Discord's errors, e.g. `limit` outside 1–100), then reads it.
pub(crate) fn query_checks<'a>(
    req: &'a Req,
    method: &str,
    segs: &[&str],
) -> Result<Query<'a>, ApiError> {
    let spec = crate::schema::spec();
    if let Some(template) = spec.template_for(method, segs) {
        let violations = spec.query_violations(template, method, &req.query);
        if !violations.is_empty() {
            return Err(ApiError::form(&violations));
        }
    }
    Ok(Query { req })
}

/// The bot must have `perm` guild-wide.
pub(crate) fn need_guild_perm(
    st: &State,
    guild: GuildId,
    perm: Permissions,
) -> Result<(), ApiError> {
    if st.world.guild(guild).is_none() {
        return Err(ApiError::unknown_guild());
    }
    let perms = st
        .world
        .base_permissions(guild, st.world.bot)
        .ok_or_else(ApiError::missing_access)?;
    if perms.contains(perm) {
        Ok(())
    } else {
        Err(ApiError::missing_permissions())
    }
}

/// The bot must have `perm` in a channel (DM channels allow everything).
pub(crate) fn need_channel_perm(
    st: &State,
    channel: ChannelId,
    perm: Permissions,
) -> Result<(), ApiError> {
    let c = st
        .world
        .channels
        .get(&channel)
        .ok_or_else(ApiError::unknown_channel)?;
    if c.guild.is_none() {
        return Ok(());
    }
    let perms = st
        .world
        .channel_permissions(channel, st.world.bot)
        .ok_or_else(ApiError::missing_access)?;
    if !perms.contains(Permissions::VIEW_CHANNEL) {
        return Err(ApiError::missing_access());
    }
    if perms.contains(perm) {
        Ok(())
    } else {
        Err(ApiError::missing_permissions())
    }
}

/// The target must not be the owner and must rank below the bot.
pub(crate) fn need_above(st: &State, guild: GuildId, target: UserId) -> Result<(), ApiError> {
    let g = st.world.guild(guild).ok_or_else(ApiError::unknown_guild)?;
    if target == g.owner {
        return Err(ApiError::missing_permissions());
    }
    if st.world.top_position(guild, st.world.bot) <= st.world.top_position(guild, target) {
        return Err(ApiError::missing_permissions());
    }
    Ok(())
}

/// The role must rank below the bot's top role.
pub(crate) fn need_role_below(st: &State, guild: GuildId, role: RoleId) -> Result<(), ApiError> {
    let g = st.world.guild(guild).ok_or_else(ApiError::unknown_guild)?;
    let r = g.role(role).ok_or_else(ApiError::unknown_role)?;
    if g.owner == st.world.bot {
        return Ok(());
    }
    if r.position >= st.world.top_position(guild, st.world.bot) {
        return Err(ApiError::missing_permissions());
    }
    Ok(())
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(&k.replace('+', " ")), decode(&v.replace('+', " ")))
        })
        .collect()
}

/// A file part of a multipart body.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    /// The part's name (`files[0]`, …).
    pub name: String,
    /// The file's name.
    pub filename: String,
    /// The part's `Content-Type`, if given.
    pub content_type: Option<String>,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    (from..=haystack.len() - needle.len()).find(|&i| haystack[i..].starts_with(needle))
}

/// Splits a multipart body into its parts: each part's record (its bytes as lossy text), its
/// `Content-Type` and its bytes.
fn parse_multipart(
    content_type: &str,
    body: &[u8],
) -> Vec<(RecordedPart, Option<String>, Vec<u8>)> {
    let Some(boundary) = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()
    else {
        return Vec::new();
    };
    let boundary = format!("--{}", boundary.trim_matches('"'));
    let delimiter = boundary.as_bytes();
    let mut parts = Vec::new();
    let Some(mut at) = find(body, delimiter, 0) else {
        return parts;
    };
    loop {
        let start = at + delimiter.len();
        if body[start..].starts_with(b"--") {
            break;
        }
        let Some(next) = find(body, delimiter, start) else {
            break;
        };
        let mut chunk = &body[start..next];
        chunk = chunk.strip_prefix(b"\r\n").unwrap_or(chunk);
        chunk = chunk.strip_suffix(b"\r\n").unwrap_or(chunk);
        at = next;
        let Some(split) = find(chunk, b"\r\n\r\n", 0) else {
            continue;
        };
        let head = String::from_utf8_lossy(&chunk[..split]);
        let content = &chunk[split + 4..];
        let mut name = String::new();
        let mut filename = None;
        let mut content_type = None;
        for line in head.lines() {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition") {
                for attr in line.split(';').map(str::trim) {
                    if let Some(v) = attr.strip_prefix("name=") {
                        name = v.trim_matches('"').to_owned();
                    } else if let Some(v) = attr.strip_prefix("filename=") {
                        filename = Some(v.trim_matches('"').to_owned());
                    }
                }
            } else if let Some((_, v)) = line.split_once(':')
                && lower.starts_with("content-type")
            {
                content_type = Some(v.trim().to_owned());
            }
        }
        parts.push((
            RecordedPart {
                name,
                filename,
                text: String::from_utf8_lossy(content).into_owned(),
            },
            content_type,
            content.to_vec(),
        ));
    }
    parts
}

fn bucket(method: &Method, segs: &[String]) -> String {
    let template: Vec<&str> = segs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let major = i > 0 && matches!(segs[i - 1].as_str(), "channels" | "guilds" | "webhooks");
            if !major && s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() {
                ":id"
            } else {
                s.as_str()
            }
        })
        .collect();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    method.as_str().hash(&mut hasher);
    template.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

fn insert(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(name, v);
    }
}

fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// Discord's global rate limit: a bot may make 50 requests a second (interaction callbacks
/// are exempt). `Some(seconds to wait)` when this request is over it; otherwise it is counted.
/// <https://discord.com/developers/docs/topics/rate-limits#global-rate-limit>
fn global_limit(inner: &Inner) -> Option<f64> {
    const PER_SECOND: usize = 50;
    let now = std::time::Instant::now();
    let mut window = lock(&inner.global_window);
    while window
        .front()
        .is_some_and(|at| now.duration_since(*at) >= std::time::Duration::from_secs(1))
    {
        window.pop_front();
    }
    if window.len() >= PER_SECOND {
        let oldest = window.front().copied().unwrap_or(now);
        let wait = std::time::Duration::from_secs(1).saturating_sub(now.duration_since(oldest));
        return Some((wait.as_secs_f64() * 1_000.0).ceil() / 1_000.0);
    }
    window.push_back(now);
    None
}

async fn api(
    AxState(inner): AxState<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    // In transit: nothing is read, locked or checked before the request "arrives".
    let latency = inner.rest_latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let raw_path = uri.path();
    let stripped = raw_path
        .strip_prefix("/api/v10")
        .or_else(|| raw_path.strip_prefix("/api/v9"))
        .or_else(|| raw_path.strip_prefix("/api"))
        .unwrap_or(raw_path);
    let segs: Vec<String> = stripped
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect();
    let path = format!("/{}", segs.join("/"));
    let query = parse_query(uri.query());
    let header_list: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let audit_reason = headers
        .get("x-audit-log-reason")
        .map(|v| decode(&String::from_utf8_lossy(v.as_bytes())));
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut parts = Vec::new();
    let mut files = Vec::new();
    let content = if bytes.is_empty() {
        Content::None
    } else if content_type.starts_with("multipart/form-data") {
        let parsed = parse_multipart(&content_type, &bytes);
        let payload_json = parsed
            .iter()
            .find(|(p, _, _)| p.name == "payload_json")
            .map(|(p, _, _)| serde_json::from_str(&p.text).unwrap_or(Value::Null));
        let fields: serde_json::Map<String, Value> = parsed
            .iter()
            .filter(|(p, _, _)| p.filename.is_none() && p.name != "payload_json")
            .map(|(p, _, _)| (p.name.clone(), Value::String(p.text.clone())))
            .collect();
        files = parsed
            .iter()
            .filter_map(|(p, content_type, bytes)| {
                Some(Upload {
                    name: p.name.clone(),
                    filename: p.filename.clone()?,
                    content_type: content_type.clone(),
                    bytes: bytes.clone(),
                })
            })
            .collect();
        parts = parsed.into_iter().map(|(p, _, _)| p).collect();
        Content::Multipart {
            payload_json,
            fields: Value::Object(fields),
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let text = String::from_utf8_lossy(&bytes);
        let map: serde_json::Map<String, Value> = parse_query(Some(&text))
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        Content::Form(Value::Object(map))
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(value) => Content::Json(value),
            Err(_) => Content::InvalidJson,
        }
    };
    let body = content.value();

    let sandbox = Sandbox {
        inner: inner.clone(),
    };
    let fault = {
        let mut faults = lock(&inner.faults);
        let found = faults.iter_mut().find(|f| f.matches(&method, &path));
        found.map(|f| {
            if let Some(n) = f.remaining.as_mut() {
                *n -= 1;
            }
            f.clone()
        })
    };
    let auth = authenticate(&inner, &headers);
    let over_global = if fault.is_none() && auth == Auth::Bot && !path.starts_with("/interactions/")
    {
        global_limit(&inner)
    } else {
        None
    };
    let (status, response_body, retry) = match (fault, over_global) {
        (Some(fault), _) => (fault.status, Some(fault.body.clone()), fault.rate_limit),
        (None, Some(after)) => (
            429,
            Some(
                json!({"message": "You are being rate limited.", "retry_after": after, "global": true}),
            ),
            Some((after, true)),
        ),
        (None, None) => {
            let req = Req {
                method: method.clone(),
                segs: segs.clone(),
                query: query.clone(),
                body: body.clone().unwrap_or(Value::Null),
                auth,
                audit_reason: audit_reason.clone(),
                files,
            };
            let answer = authorize(&req)
                .and_then(|()| validate::check(&method, &segs, &content))
                .and_then(|()| {
                    let mut state = inner.lock();
                    route(&inner, &mut state, &req)
                });
            match answer {
                Ok((status, body)) => (status, body, None),
                Err(error) => (error.status, Some(error.body()), None),
            }
        }
    };
    sandbox.record(RecordedRequest {
        method: method.clone(),
        path,
        query,
        headers: header_list,
        audit_reason,
        body,
        parts,
        status,
        response: response_body.clone(),
        at: guildhall_core::clock::UnixMillis::from_system_time(std::time::SystemTime::now()),
    });

    let mut response = match &response_body {
        Some(body) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            axum::Json(body.clone()),
        )
            .into_response(),
        None => Response::builder()
            .status(StatusCode::from_u16(status).unwrap_or(StatusCode::NO_CONTENT))
            .body(Body::empty())
            .unwrap_or_default(),
    };
    let h = response.headers_mut();
    let bucket = bucket(&method, &segs);
    insert(h, "x-ratelimit-bucket", &bucket);
    insert(h, "x-ratelimit-limit", "5");
    match retry {
        Some((after, global)) => {
            insert(h, "retry-after", &format!("{}", after.ceil()));
            insert(h, "x-ratelimit-remaining", "0");
            insert(
                h,
                "x-ratelimit-reset",
                &format!("{:.3}", now_secs() + after),
            );
            insert(h, "x-ratelimit-reset-after", &format!("{after:.3}"));
            insert(
                h,
                "x-ratelimit-scope",
                if global { "global" } else { "user" },
            );
            if global {
                insert(h, "x-ratelimit-global", "true");
            }
        }
        None => {
            insert(h, "x-ratelimit-remaining", "4");
            insert(h, "x-ratelimit-reset", &format!("{:.3}", now_secs() + 1.0));
            insert(h, "x-ratelimit-reset-after", "1.000");
        }
    }
    response
}

fn authenticate(inner: &Inner, headers: &HeaderMap) -> Auth {
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return Auth::None;
    };
    if let Some(token) = value.strip_prefix("Bot ") {
        return if token == inner.config.bot_token {
            Auth::Bot
        } else {
            Auth::Invalid
        };
    }
    if let Some(token) = value.strip_prefix("Bearer ") {
        let state = inner.lock();
        return match state.oauth.access.get(token) {
            Some((user, scope)) => Auth::Bearer(*user, scope.clone()),
            None => Auth::Invalid,
        };
    }
    Auth::Invalid
}

fn unauthorized() -> ApiError {
    ApiError::new(401, 0, "401: Unauthorized")
}

/// Every route but OAuth2's token exchange and the interaction and webhook routes (which carry
/// their own token) takes the bot token; `/users/@me` and `/users/@me/guilds` take a bearer
/// token too.
fn authorize(req: &Req) -> Result<(), ApiError> {
    let segs: Vec<&str> = req.segs.iter().map(String::as_str).collect();
    let open = matches!(
        segs.as_slice(),
        ["oauth2", "token", ..] | ["interactions", ..] | ["webhooks", ..]
    );
    let user_routes = matches!(
        segs.as_slice(),
        ["users", "@me"] | ["users", "@me", "guilds"]
    );
    if !open {
        match &req.auth {
            Auth::Bot => {}
            Auth::Bearer(..) if user_routes => {}
            _ => return Err(unauthorized()),
        }
    }
    Ok(())
}

/// Whether a `/webhooks/{id}/…` id is the application's (an interaction's webhook).
fn is_app(st: &State, id: &str) -> bool {
    id == st.world.bot.to_string()
}

fn route(inner: &Inner, st: &mut State, req: &Req) -> Answer {
    let segs: Vec<&str> = req.segs.iter().map(String::as_str).collect();
    let m = req.method.as_str();
    match (m, segs.as_slice()) {
        ("GET", ["gateway"]) => app::gateway(inner),
        ("GET", ["gateway", "bot"]) => app::gateway_bot(inner),
        ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]) => {
            app::application(st)
        }
        ("POST", ["oauth2", "token"]) => oauth::token_route(inner, st, req),
        ("GET", ["users", "@me"]) => oauth::me(st, req),
        ("GET", ["users", "@me", "guilds"]) => oauth::my_guilds(st, req),
        ("GET", ["users", user]) => app::get_user(st, user),
        ("POST", ["users", "@me", "channels"]) => messages::create_dm(st, req),
        ("PUT", ["applications", app, "commands"]) => app::put_commands(st, app, None, req),
        ("GET", ["applications", app, "commands"]) => app::get_commands(st, app, None),
        ("PUT", ["applications", app, "guilds", guild, "commands"]) => {
            app::put_commands(st, app, Some(guild), req)
        }
        ("GET", ["applications", app, "guilds", guild, "commands"]) => {
            app::get_commands(st, app, Some(guild))
        }
        ("GET", ["channels", c]) => guilds::get_channel(st, c),
        ("PATCH", ["channels", c]) => guilds::patch_channel(st, c, req),
        ("DELETE", ["channels", c]) => guilds::delete_channel(st, c, req),
        ("POST", ["channels", c, "messages"]) => messages::create(inner, st, c, req),
        ("POST", ["channels", c, "messages", "bulk-delete"]) => messages::bulk_delete(st, c, req),
        ("GET", ["channels", c, "messages"]) => messages::list(st, c),
        ("GET", ["channels", c, "messages", msg]) => messages::get(st, c, msg),
        ("PATCH", ["channels", c, "messages", msg]) => messages::edit(st, c, msg, req),
        ("DELETE", ["channels", c, "messages", msg]) => messages::delete(st, c, msg, req),
        ("PUT", ["channels", c, "messages", msg, "reactions", emoji, "@me"]) => {
            messages::react(st, c, msg, emoji, true)
        }
        ("DELETE", ["channels", c, "messages", msg, "reactions", emoji, "@me"]) => {
            messages::react(st, c, msg, emoji, false)
        }
        ("POST", ["channels", c, "threads"]) => guilds::create_thread(st, c, None, req),
        ("POST", ["channels", c, "messages", msg, "threads"]) => {
            guilds::create_thread(st, c, Some(msg), req)
        }
        ("PUT", ["channels", c, "thread-members", user]) => guilds::add_thread_member(st, c, user),
        ("PUT", ["channels", c, "permissions", target]) => {
            guilds::set_permission(st, c, target, req)
        }
        ("DELETE", ["channels", c, "permissions", target]) => {
            guilds::delete_permission(st, c, target, req)
        }
        ("GET", ["guilds", g]) => guilds::get_guild(st, g),
        ("GET", ["guilds", g, "roles"]) => guilds::get_roles(st, g),
        ("POST", ["guilds", g, "roles"]) => guilds::create_role(st, g, req),
        ("PATCH", ["guilds", g, "roles", r]) => guilds::patch_role(st, g, r, req),
        ("DELETE", ["guilds", g, "roles", r]) => guilds::delete_role(st, g, r, req),
        ("GET", ["guilds", g, "audit-logs"]) => guilds::audit_log(st, g, req),
        ("GET", ["guilds", g, "emojis"]) => guilds::get_emojis(st, g),
        ("POST", ["guilds", g, "emojis"]) => guilds::create_emoji(st, g, req),
        ("DELETE", ["guilds", g, "emojis", e]) => guilds::delete_emoji(st, g, e),
        ("GET", ["guilds", g, "channels"]) => guilds::get_channels(st, g),
        ("GET", ["guilds", g, "invites"]) => guilds::get_invites(st, g),
        ("POST", ["guilds", g, "channels"]) => guilds::create_channel(st, g, req),
        ("GET", ["guilds", g, "members"]) => members::list(inner, st, g, req),
        ("GET", ["guilds", g, "members", u]) => members::get(st, g, u),
        ("PATCH", ["guilds", g, "members", u]) => members::patch(st, g, u, req),
        ("DELETE", ["guilds", g, "members", u]) => members::kick(st, g, u, req),
        ("PUT", ["guilds", g, "members", u, "roles", r]) => members::role(st, g, u, r, true, req),
        ("DELETE", ["guilds", g, "members", u, "roles", r]) => {
            members::role(st, g, u, r, false, req)
        }
        ("GET", ["guilds", g, "bans"]) => members::list_bans(st, g),
        ("GET", ["guilds", g, "bans", u]) => members::get_ban(st, g, u),
        ("PUT", ["guilds", g, "bans", u]) => members::ban(st, g, u, req),
        ("DELETE", ["guilds", g, "bans", u]) => members::unban(st, g, u, req),
        ("POST", ["interactions", id, token, "callback"]) => {
            interactions::callback(st, id, token, req)
        }
        // `/webhooks/{application id}/{interaction token}` is an interaction's webhook;
        // any other id is a channel webhook's.
        ("POST", ["webhooks", app, token]) if is_app(st, app) => {
            interactions::followup(st, app, token, req)
        }
        ("GET", ["webhooks", app, token, "messages", msg]) if is_app(st, app) => {
            interactions::get_message(st, app, token, msg)
        }
        ("PATCH", ["webhooks", app, token, "messages", msg]) if is_app(st, app) => {
            interactions::edit_message(st, app, token, msg, req)
        }
        ("DELETE", ["webhooks", app, token, "messages", msg]) if is_app(st, app) => {
            interactions::delete_message(st, app, token, msg)
        }
        ("POST", ["webhooks", id, token]) => webhooks::execute(st, id, token, req),
        ("GET", ["webhooks", id, token, "messages", msg]) => {
            webhooks::get_message(st, id, token, msg)
        }
        ("PATCH", ["webhooks", id, token, "messages", msg]) => {
            webhooks::edit_message(st, id, token, msg, req)
        }
        ("DELETE", ["webhooks", id, token, "messages", msg]) => {
            webhooks::delete_message(st, id, token, msg)
        }
        ("GET", ["webhooks", id]) => webhooks::get(st, id, req),
        ("DELETE", ["webhooks", id]) => webhooks::delete(st, id, req),
        ("GET", ["webhooks", id, token]) => webhooks::get_with_token(st, id, token),
        ("DELETE", ["webhooks", id, token]) => webhooks::delete_with_token(st, id, token),
        ("POST", ["channels", c, "webhooks"]) => webhooks::create(st, c, req),
        ("GET", ["channels", c, "webhooks"]) => webhooks::list_channel(st, c),
        ("GET", ["guilds", g, "webhooks"]) => webhooks::list_guild(st, g),
        ("GET", ["applications", app, "skus"]) => monetization::list_skus(st, app),
        ("GET", ["applications", app, "entitlements"]) => {
            monetization::list_entitlements(st, app, req)
        }
        ("POST", ["applications", app, "entitlements"]) => {
            monetization::create_entitlement(st, app, req)
        }
        ("GET", ["applications", app, "entitlements", e]) => {
            monetization::get_entitlement(st, app, e)
        }
        ("DELETE", ["applications", app, "entitlements", e]) => {
            monetization::delete_entitlement(st, app, e)
        }
        ("POST", ["applications", app, "entitlements", e, "consume"]) => {
            monetization::consume(st, app, e)
        }
        _ => Err(ApiError::new(404, 0, "404: Not Found")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_parts_are_split() {
        let body = "--XYZ\r\nContent-Disposition: form-data; name=\"payload_json\"\r\nContent-Type: application/json\r\n\r\n{\"content\":\"hi\"}\r\n--XYZ\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"a.txt\"\r\n\r\nabc\r\n--XYZ--\r\n";
        let parts = parse_multipart("multipart/form-data; boundary=XYZ", body.as_bytes());
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].0.name, "payload_json");
        assert_eq!(parts[0].0.text, "{\"content\":\"hi\"}");
        assert_eq!(parts[1].0.filename.as_deref(), Some("a.txt"));
        assert_eq!(parts[1].2, b"abc");
    }

    #[test]
    fn queries_drop_serenitys_leading_ampersand() {
        assert_eq!(
            parse_query(Some("&limit=50&after=3")),
            [("limit".into(), "50".into()), ("after".into(), "3".into())]
        );
    }

    #[test]
    fn buckets_keep_major_parameters() {
        let a = bucket(
            &Method::POST,
            &["channels".into(), "1".into(), "messages".into()],
        );
        let b = bucket(
            &Method::POST,
            &["channels".into(), "2".into(), "messages".into()],
        );
        assert_ne!(a, b);
    }
}

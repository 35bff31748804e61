//! The gateway websocket: HELLO, IDENTIFY → READY + GUILD_CREATE (members as Discord sends
//! them for the session's intents and `large_threshold`), heartbeats, sequenced dispatches
//! filtered by shard and intents, Request Guild Members (op 8) answered with
//! GUILD_MEMBERS_CHUNKs, RESUME with replay of missed events, and faults (reconnect, invalid
//! session, close codes, withheld ACKs).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use guildhall_core::ids::{GuildId, UserId};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::model::{Guild, World};
use crate::{Inner, payloads};

/// Gateway intent bits the stand-in filters on.
pub mod intents {
    /// GUILDS.
    pub const GUILDS: u64 = 1 << 0;
    /// GUILD_MEMBERS (privileged).
    pub const GUILD_MEMBERS: u64 = 1 << 1;
    /// GUILD_MODERATION.
    pub const GUILD_MODERATION: u64 = 1 << 2;
    /// GUILD_EXPRESSIONS (formerly GUILD_EMOJIS_AND_STICKERS).
    pub const GUILD_EXPRESSIONS: u64 = 1 << 3;
    /// GUILD_WEBHOOKS.
    pub const GUILD_WEBHOOKS: u64 = 1 << 5;
    /// GUILD_INVITES.
    pub const GUILD_INVITES: u64 = 1 << 6;
    /// GUILD_VOICE_STATES.
    pub const GUILD_VOICE_STATES: u64 = 1 << 7;
    /// GUILD_PRESENCES (privileged).
    pub const GUILD_PRESENCES: u64 = 1 << 8;
    /// GUILD_MESSAGES.
    pub const GUILD_MESSAGES: u64 = 1 << 9;
    /// GUILD_MESSAGE_REACTIONS.
    pub const GUILD_MESSAGE_REACTIONS: u64 = 1 << 10;
    /// DIRECT_MESSAGES.
    pub const DIRECT_MESSAGES: u64 = 1 << 12;
    /// DIRECT_MESSAGE_REACTIONS.
    pub const DIRECT_MESSAGE_REACTIONS: u64 = 1 << 13;
    /// MESSAGE_CONTENT (privileged).
    pub const MESSAGE_CONTENT: u64 = 1 << 15;
    /// The privileged intents.
    pub const PRIVILEGED: u64 = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT;
}

const LOG_LIMIT: usize = 10_000;

/// IDENTIFY's `large_threshold` when absent, and its bounds.
pub const LARGE_THRESHOLD_DEFAULT: u64 = 50;
/// The smallest `large_threshold` Discord honours.
pub const LARGE_THRESHOLD_MIN: u64 = 50;
/// The largest `large_threshold` Discord honours.
pub const LARGE_THRESHOLD_MAX: u64 = 250;

/// Members per GUILD_MEMBERS_CHUNK.
const CHUNK_SIZE: usize = 1_000;
/// Most members a prefix query or a `user_ids` request returns.
const QUERY_LIMIT: usize = 100;

/// How the stand-in answered one Request Guild Members (op 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberRequestAnswer {
    /// GUILD_MEMBERS_CHUNKs were sent.
    Chunks {
        /// How many chunks.
        chunks: usize,
        /// How many members in all.
        members: usize,
        /// Requested ids that are not members.
        not_found: Vec<UserId>,
    },
    /// Nothing was sent, as Discord sends nothing: the reason.
    Ignored(String),
}

/// A Request Guild Members (op 8) a session sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRequest {
    /// The session's shard id.
    pub shard_id: u32,
    /// The guild asked about.
    pub guild: GuildId,
    /// The username prefix (`Some("")` for everyone), unless `user_ids` was used.
    pub query: Option<String>,
    /// The limit asked for.
    pub limit: u64,
    /// The ids asked for.
    pub user_ids: Vec<UserId>,
    /// Whether presences were asked for.
    pub presences: bool,
    /// The nonce.
    pub nonce: Option<String>,
    /// What was sent back.
    pub answer: MemberRequestAnswer,
}

/// A connected (or resumable) gateway session as tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The shard id.
    pub shard_id: u32,
    /// The shard count.
    pub shard_count: u32,
    /// The intents asked for.
    pub intents: u64,
    /// The session id.
    pub session_id: String,
    /// The last sequence number sent.
    pub last_seq: u64,
    /// Whether a websocket is attached.
    pub connected: bool,
    /// IDENTIFY's `large_threshold` (50 to 250, default 50).
    pub large_threshold: u64,
}

/// One dispatch to send.
#[derive(Debug, Clone)]
pub(crate) struct Dispatch {
    pub name: &'static str,
    pub guild: Option<GuildId>,
    /// The intent a session needs (None: always sent).
    pub intent: Option<u64>,
    pub data: Value,
    /// Message content is blanked for sessions without MESSAGE_CONTENT.
    pub redact_content: bool,
}

#[derive(Debug)]
pub(crate) enum Outgoing {
    Text(String),
    Close(u16, String),
}

#[derive(Debug)]
struct Session {
    id: String,
    shard: (u32, u32),
    intents: u64,
    large_threshold: u64,
    seq: u64,
    log: VecDeque<(u64, String)>,
    conn: Option<u64>,
}

/// Every session and connection.
#[derive(Debug, Default)]
pub(crate) struct Hub {
    sessions: Vec<Session>,
    connections: BTreeMap<u64, mpsc::UnboundedSender<Outgoing>>,
    next_conn: u64,
    pub withhold_acks: bool,
    pub member_requests: Vec<MemberRequest>,
}

fn shard_of(guild: GuildId, count: u32) -> u32 {
    u32::try_from((guild.get() >> 22) % u64::from(count.max(1))).unwrap_or(0)
}

impl Hub {
    fn send(&mut self, conn: u64, out: Outgoing) -> bool {
        match self.connections.get(&conn) {
            Some(tx) => tx.send(out).is_ok(),
            None => false,
        }
    }

    fn push(&mut self, index: usize, name: &str, data: &Value) {
        let Some(session) = self.sessions.get_mut(index) else {
            return;
        };
        session.seq += 1;
        let frame = json!({"op": 0, "s": session.seq, "t": name, "d": data}).to_string();
        session.log.push_back((session.seq, frame.clone()));
        if session.log.len() > LOG_LIMIT {
            session.log.pop_front();
        }
        if let Some(conn) = session.conn
            && !self.send(conn, Outgoing::Text(frame))
            && let Some(session) = self.sessions.get_mut(index)
        {
            session.conn = None;
        }
    }

    /// Sends a dispatch to every session that should see it.
    pub(crate) fn dispatch(&mut self, event: &Dispatch, bot_mentioned: bool) {
        for index in 0..self.sessions.len() {
            let session = &self.sessions[index];
            let shard = match event.guild {
                Some(guild) => shard_of(guild, session.shard.1),
                None => 0,
            };
            if shard != session.shard.0 {
                continue;
            }
            if let Some(intent) = event.intent
                && session.intents & intent == 0
            {
                continue;
            }
            if event.redact_content
                && session.intents & intents::MESSAGE_CONTENT == 0
                && !bot_mentioned
                && event.guild.is_some()
            {
                let mut data = event.data.clone();
                if let Some(map) = data.as_object_mut() {
                    for (key, empty) in [
                        ("content", json!("")),
                        ("embeds", json!([])),
                        ("attachments", json!([])),
                        ("components", json!([])),
                    ] {
                        if map.contains_key(key) {
                            map.insert(key.into(), empty);
                        }
                    }
                }
                self.push(index, event.name, &data);
            } else {
                self.push(index, event.name, &event.data);
            }
        }
    }

    /// The sessions.
    pub(crate) fn sessions(&self) -> Vec<SessionInfo> {
        self.sessions
            .iter()
            .map(|s| SessionInfo {
                shard_id: s.shard.0,
                shard_count: s.shard.1,
                intents: s.intents,
                session_id: s.id.clone(),
                last_seq: s.seq,
                connected: s.conn.is_some(),
                large_threshold: s.large_threshold,
            })
            .collect()
    }

    /// Sends a guild's GUILD_CREATE to every session on its shard with the GUILDS intent, each
    /// shaped for the session's intents and `large_threshold`.
    pub(crate) fn guild_available(&mut self, world: &World, g: &Guild) {
        for index in 0..self.sessions.len() {
            let session = &self.sessions[index];
            if shard_of(g.id, session.shard.1) != session.shard.0
                || session.intents & intents::GUILDS == 0
            {
                continue;
            }
            let data =
                payloads::guild_create_for(world, g, session.intents, session.large_threshold);
            self.push(index, "GUILD_CREATE", &data);
        }
    }

    fn detach(&mut self, conn: u64) {
        self.connections.remove(&conn);
        for session in &mut self.sessions {
            if session.conn == Some(conn) {
                session.conn = None;
            }
        }
    }

    /// Sends op 7 then closes every connected session's socket (sessions stay resumable).
    pub(crate) fn reconnect_all(&mut self) {
        let conns: Vec<u64> = self.sessions.iter().filter_map(|s| s.conn).collect();
        for conn in conns {
            self.send(
                conn,
                Outgoing::Text(json!({"op": 7, "d": null}).to_string()),
            );
            self.send(conn, Outgoing::Close(4000, "reconnect requested".into()));
            self.detach(conn);
        }
    }

    /// Sends op 9 to every connected session; a non-resumable one is forgotten.
    pub(crate) fn invalidate_all(&mut self, resumable: bool) {
        let conns: Vec<u64> = self.sessions.iter().filter_map(|s| s.conn).collect();
        for conn in conns {
            self.send(
                conn,
                Outgoing::Text(json!({"op": 9, "d": resumable}).to_string()),
            );
        }
        if !resumable {
            self.sessions.retain(|s| s.conn.is_none());
        }
    }

    /// Closes every connection with a code; sessions stay resumable unless the code forbids it.
    pub(crate) fn close_all(&mut self, code: u16) {
        let conns: Vec<u64> = self.connections.keys().copied().collect();
        for conn in conns {
            self.send(conn, Outgoing::Close(code, format!("closed with {code}")));
            self.detach(conn);
        }
        if matches!(code, 4004 | 4007 | 4009 | 4010 | 4011 | 4012 | 4013 | 4014) {
            self.sessions.clear();
        }
    }
}

/// `GET /gateway`: upgrades to the gateway websocket.
pub(crate) async fn upgrade(State(inner): State<Arc<Inner>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| run(inner, socket))
}

async fn run(inner: Arc<Inner>, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn = {
        let mut state = inner.lock();
        state.hub.next_conn += 1;
        let id = state.hub.next_conn;
        state.hub.connections.insert(id, tx.clone());
        id
    };
    let hello = json!({"op": 10, "d": {"heartbeat_interval": inner.config.heartbeat_interval_ms}});
    let _ = tx.send(Outgoing::Text(hello.to_string()));
    let done = CancellationToken::new();
    let writer_done = done.clone();
    let writer = tokio::spawn(async move {
        while let Some(out) = rx.recv().await {
            match out {
                Outgoing::Text(text) => {
                    if sink.send(WsMessage::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Outgoing::Close(code, reason) => {
                    let frame = CloseFrame {
                        code,
                        reason: reason.into(),
                    };
                    let _ = sink.send(WsMessage::Close(Some(frame))).await;
                    break;
                }
            }
        }
        let _ = sink.close().await;
        writer_done.cancel();
    });
    loop {
        tokio::select! {
            () = done.cancelled() => break,
            () = inner.cancel.cancelled() => break,
            next = stream.next() => match next {
                Some(Ok(WsMessage::Text(text))) => handle(&inner, conn, &tx, text.as_str()),
                Some(Ok(WsMessage::Binary(_))) => {
                    let _ = tx.send(Outgoing::Close(4002, "decode error".into()));
                }
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            }
        }
    }
    {
        let mut state = inner.lock();
        state.hub.detach(conn);
    }
    inner.bump();
    drop(tx);
    let _ = writer.await;
}

fn handle(inner: &Arc<Inner>, conn: u64, tx: &mpsc::UnboundedSender<Outgoing>, text: &str) {
    let Ok(frame) = serde_json::from_str::<Value>(text) else {
        let _ = tx.send(Outgoing::Close(4002, "decode error".into()));
        return;
    };
    let d = frame.get("d").cloned().unwrap_or(Value::Null);
    match frame.get("op").and_then(Value::as_u64) {
        Some(1) => {
            let withhold = inner.lock().hub.withhold_acks;
            if !withhold {
                let _ = tx.send(Outgoing::Text(json!({"op": 11}).to_string()));
            }
        }
        Some(2) => identify(inner, conn, tx, &d),
        Some(6) => resume(inner, conn, tx, &d),
        Some(8) => request_members(inner, conn, tx, &d),
        Some(3 | 4) => {}
        _ => {
            let _ = tx.send(Outgoing::Close(4001, "unknown opcode".into()));
        }
    }
}

fn token_matches(inner: &Inner, d: &Value) -> bool {
    let token = d.get("token").and_then(Value::as_str).unwrap_or_default();
    token.strip_prefix("Bot ").unwrap_or(token) == inner.config.bot_token
}

fn identify(inner: &Arc<Inner>, conn: u64, tx: &mpsc::UnboundedSender<Outgoing>, d: &Value) {
    if !token_matches(inner, d) {
        let _ = tx.send(Outgoing::Close(4004, "Authentication failed.".into()));
        return;
    }
    let wanted = d.get("intents").and_then(Value::as_u64).unwrap_or(0);
    if wanted & inner.config.disallowed_intents != 0 {
        let _ = tx.send(Outgoing::Close(4014, "Disallowed intent(s).".into()));
        return;
    }
    let shard = d.get("shard").and_then(Value::as_array);
    let shard_id = shard
        .and_then(|s| s.first())
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let count = shard
        .and_then(|s| s.get(1))
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let (Ok(shard_id), Ok(count)) = (u32::try_from(shard_id), u32::try_from(count)) else {
        let _ = tx.send(Outgoing::Close(4010, "Invalid shard.".into()));
        return;
    };
    if count == 0 || shard_id >= count {
        let _ = tx.send(Outgoing::Close(4010, "Invalid shard.".into()));
        return;
    }
    let large_threshold = d
        .get("large_threshold")
        .and_then(Value::as_u64)
        .unwrap_or(LARGE_THRESHOLD_DEFAULT)
        .clamp(LARGE_THRESHOLD_MIN, LARGE_THRESHOLD_MAX);
    let session_id = format!("{:032x}", rand::random::<u128>());
    {
        let mut state = inner.lock();
        let crate::State { world, hub, .. } = &mut *state;
        if hub.sessions.iter().any(|s| s.conn == Some(conn)) {
            let _ = tx.send(Outgoing::Close(4005, "Already authenticated.".into()));
            return;
        }
        let guilds: Vec<GuildId> = world
            .guilds
            .keys()
            .copied()
            .filter(|g| shard_of(*g, count) == shard_id)
            .collect();
        let mut me = payloads::user(world, world.bot);
        if let Some(map) = me.as_object_mut() {
            map.insert("verified".into(), json!(true));
            map.insert("mfa_enabled".into(), json!(false));
            map.insert("email".into(), Value::Null);
        }
        let ready = json!({
            "v": 10,
            "user": me,
            "guilds": guilds.iter().map(|g| json!({"id": g.to_string(), "unavailable": true})).collect::<Vec<_>>(),
            "session_id": session_id,
            "resume_gateway_url": inner.config.gateway_url(),
            "shard": [shard_id, count],
            "application": {"id": world.bot.to_string(), "flags": 0},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "guild_join_requests": [],
            "user_settings": {},
            "_trace": ["guildhall-sandbox"],
        });
        hub.sessions.push(Session {
            id: session_id,
            shard: (shard_id, count),
            intents: wanted,
            large_threshold,
            seq: 0,
            log: VecDeque::new(),
            conn: Some(conn),
        });
        let index = hub.sessions.len() - 1;
        hub.push(index, "READY", &ready);
        if wanted & intents::GUILDS != 0 {
            for guild in &guilds {
                if let Some(g) = world.guild(*guild) {
                    let data = payloads::guild_create_for(world, g, wanted, large_threshold);
                    hub.push(index, "GUILD_CREATE", &data);
                }
            }
        }
        // Messages queued for this moment follow their guild's GUILD_CREATE at once.
        let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut state.said_on_connect)
            .into_iter()
            .partition(|(guild, ..)| guilds.contains(guild));
        state.said_on_connect = later;
        for (_, channel, user, content) in now {
            state.create_message(
                channel,
                user,
                crate::ops::Draft {
                    content,
                    ..crate::ops::Draft::default()
                },
            );
        }
    }
    inner.bump();
}

fn resume(inner: &Arc<Inner>, conn: u64, tx: &mpsc::UnboundedSender<Outgoing>, d: &Value) {
    let session_id = d.get("session_id").and_then(Value::as_str).unwrap_or("");
    let seq = d.get("seq").and_then(Value::as_u64).unwrap_or(0);
    {
        let mut state = inner.lock();
        let hub = &mut state.hub;
        let found = hub.sessions.iter().position(|s| s.id == session_id);
        let (Some(index), true) = (found, token_matches(inner, d)) else {
            let _ = tx.send(Outgoing::Text(json!({"op": 9, "d": false}).to_string()));
            return;
        };
        if let Some(old) = hub.sessions[index].conn
            && old != conn
        {
            hub.send(
                old,
                Outgoing::Close(4000, "session resumed elsewhere".into()),
            );
            hub.detach(old);
        }
        let missed: Vec<String> = hub.sessions[index]
            .log
            .iter()
            .filter(|(s, _)| *s > seq)
            .map(|(_, frame)| frame.clone())
            .collect();
        for frame in missed {
            let _ = tx.send(Outgoing::Text(frame));
        }
        hub.sessions[index].conn = Some(conn);
        hub.push(index, "RESUMED", &json!({"_trace": ["guildhall-sandbox"]}));
    }
    inner.bump();
}

/// A snowflake as the gateway accepts it: a decimal string or a number.
fn snowflake(value: &Value) -> Option<u64> {
    match value {
        Value::String(text) => text.parse().ok(),
        Value::Number(number) => number.as_u64(),
        _ => None,
    }
}

/// What an op 8 asks for.
enum Wanted {
    Query { prefix: String, limit: u64 },
    Ids(Vec<UserId>),
}

/// Reads an op 8 payload (None: invalid, which Discord answers with close code 4001).
fn parse_member_request(d: &Value) -> Option<(GuildId, Wanted, bool, Option<String>)> {
    let guild = GuildId::new(snowflake(d.get("guild_id")?).filter(|g| *g > 0)?);
    let wanted = match (d.get("user_ids"), d.get("query")) {
        (Some(ids), _) if !ids.is_null() => {
            let ids: Vec<UserId> = match ids {
                Value::Array(list) => list
                    .iter()
                    .map(|id| snowflake(id).filter(|u| *u > 0).map(UserId::new))
                    .collect::<Option<_>>()?,
                single => vec![UserId::new(snowflake(single).filter(|u| *u > 0)?)],
            };
            Wanted::Ids(ids)
        }
        (_, Some(Value::String(prefix))) => Wanted::Query {
            prefix: prefix.clone(),
            limit: d.get("limit")?.as_u64()?,
        },
        _ => return None,
    };
    let presences = d.get("presences").and_then(Value::as_bool).unwrap_or(false);
    // "Nonce can only be up to 32 bytes. If you send an invalid nonce it will be ignored."
    let nonce = d
        .get("nonce")
        .and_then(Value::as_str)
        .filter(|n| n.len() <= 32)
        .map(str::to_owned);
    Some((guild, wanted, presences, nonce))
}

/// Request Guild Members (op 8), answered as Discord does: GUILD_MEMBERS_CHUNKs of at most
/// 1000 members on the asking session only. The whole list (an empty `query`) needs the
/// GUILD_MEMBERS intent, and without it Discord sends nothing; `presences` needs
/// GUILD_PRESENCES, and without it is false; a prefix query or `user_ids` returns at most 100
/// members and needs no intent; unknown ids are listed in `not_found`. A guild that is not on
/// the session's shard gets no answer.
fn request_members(inner: &Arc<Inner>, conn: u64, tx: &mpsc::UnboundedSender<Outgoing>, d: &Value) {
    let Some((guild, wanted, presences, nonce)) = parse_member_request(d) else {
        let _ = tx.send(Outgoing::Close(
            4001,
            "Invalid payload for opcode 8.".into(),
        ));
        return;
    };
    {
        let mut state = inner.lock();
        let crate::State { world, hub, .. } = &mut *state;
        let Some(index) = hub.sessions.iter().position(|s| s.conn == Some(conn)) else {
            let _ = tx.send(Outgoing::Close(4003, "Not authenticated.".into()));
            return;
        };
        let session = &hub.sessions[index];
        let (shard, session_intents) = (session.shard, session.intents);
        let mut record = MemberRequest {
            shard_id: shard.0,
            guild,
            query: None,
            limit: 0,
            user_ids: Vec::new(),
            presences,
            nonce: nonce.clone(),
            answer: MemberRequestAnswer::Ignored(String::new()),
        };
        let g = world
            .guild(guild)
            .filter(|g| shard_of(g.id, shard.1) == shard.0 && g.members.contains_key(&world.bot));
        let found: Result<(Vec<&crate::model::Member>, Option<Vec<UserId>>), String> =
            match (&wanted, g) {
                (_, None) => Err(format!("guild {guild} is not on shard {}", shard.0)),
                (Wanted::Query { prefix, limit }, Some(g)) => {
                    record.query = Some(prefix.clone());
                    record.limit = *limit;
                    if prefix.is_empty() {
                        if session_intents & intents::GUILD_MEMBERS == 0 {
                            Err("the whole member list needs the GUILD_MEMBERS intent".to_owned())
                        } else {
                            let limit = usize::try_from(*limit).unwrap_or(usize::MAX);
                            let take = if limit == 0 { usize::MAX } else { limit };
                            Ok((g.members.values().take(take).collect(), None))
                        }
                    } else {
                        let prefix = prefix.to_lowercase();
                        let limit = usize::try_from(*limit).unwrap_or(QUERY_LIMIT);
                        let take = if limit == 0 {
                            QUERY_LIMIT
                        } else {
                            limit.min(QUERY_LIMIT)
                        };
                        let matches = |m: &&crate::model::Member| {
                            let name = world
                                .user(m.user)
                                .map(|u| u.username.to_lowercase())
                                .unwrap_or_default();
                            name.starts_with(&prefix)
                                || m.nick
                                    .as_ref()
                                    .is_some_and(|n| n.to_lowercase().starts_with(&prefix))
                        };
                        Ok((
                            g.members.values().filter(matches).take(take).collect(),
                            None,
                        ))
                    }
                }
                (Wanted::Ids(ids), Some(g)) => {
                    record.user_ids.clone_from(ids);
                    let mut members = Vec::new();
                    let mut not_found = Vec::new();
                    for id in ids.iter().take(QUERY_LIMIT) {
                        match g.members.get(id) {
                            Some(m) => members.push(m),
                            None => not_found.push(*id),
                        }
                    }
                    Ok((members, Some(not_found)))
                }
            };
        match found {
            Err(reason) => {
                tracing::debug!(%guild, %reason, "Request Guild Members left unanswered, as Discord does");
                record.answer = MemberRequestAnswer::Ignored(reason);
            }
            Ok((members, not_found)) => {
                let chunks: Vec<&[&crate::model::Member]> = if members.is_empty() {
                    vec![&[]]
                } else {
                    members.chunks(CHUNK_SIZE).collect()
                };
                let count = chunks.len();
                let with_presences = presences && session_intents & intents::GUILD_PRESENCES != 0;
                let mut frames = Vec::with_capacity(count);
                for (i, chunk) in chunks.iter().enumerate() {
                    let mut data = json!({
                        "guild_id": guild.to_string(),
                        "members": chunk.iter().map(|m| payloads::member(world, None, m)).collect::<Vec<_>>(),
                        "chunk_index": i,
                        "chunk_count": count,
                    });
                    if let Some(map) = data.as_object_mut() {
                        if let Some(not_found) = &not_found {
                            map.insert(
                                "not_found".into(),
                                json!(
                                    not_found
                                        .iter()
                                        .map(ToString::to_string)
                                        .collect::<Vec<_>>()
                                ),
                            );
                        }
                        if with_presences {
                            // Everyone is offline in the stand-in, and offline members have no
                            // presence.
                            map.insert("presences".into(), json!([]));
                        }
                        if let Some(nonce) = &nonce {
                            map.insert("nonce".into(), json!(nonce));
                        }
                    }
                    frames.push(data);
                }
                record.answer = MemberRequestAnswer::Chunks {
                    chunks: count,
                    members: members.len(),
                    not_found: not_found.unwrap_or_default(),
                };
                for data in frames {
                    hub.push(index, "GUILD_MEMBERS_CHUNK", &data);
                }
            }
        }
        hub.member_requests.push(record);
    }
    inner.bump();
}

//! The gateway websocket: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, sequenced
//! dispatches filtered by shard and intents, RESUME with replay of missed events, and faults
//! (reconnect, invalid session, close codes, withheld ACKs).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use guildhall_core::ids::GuildId;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::{Inner, payloads};

/// Gateway intent bits the stand-in filters on.
pub mod intents {
    /// GUILDS.
    pub const GUILDS: u64 = 1 << 0;
    /// GUILD_MEMBERS (privileged).
    pub const GUILD_MEMBERS: u64 = 1 << 1;
    /// GUILD_MODERATION.
    pub const GUILD_MODERATION: u64 = 1 << 2;
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
            })
            .collect()
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
        Some(3 | 4 | 8) => {}
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
            seq: 0,
            log: VecDeque::new(),
            conn: Some(conn),
        });
        let index = hub.sessions.len() - 1;
        hub.push(index, "READY", &ready);
        if wanted & intents::GUILDS != 0 {
            for guild in guilds {
                if let Some(g) = world.guild(guild) {
                    let data = payloads::guild_create(world, g);
                    hub.push(index, "GUILD_CREATE", &data);
                }
            }
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

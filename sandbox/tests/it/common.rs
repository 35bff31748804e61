//! Helpers: a raw gateway client (tokio-tungstenite) and a REST client (reqwest).

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use guildhall_sandbox::Sandbox;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const WAIT: Duration = Duration::from_secs(5);
/// Every intent the stand-in knows (incl. privileged).
pub const ALL_INTENTS: u64 = (1 << 0)
    | (1 << 1)
    | (1 << 2)
    | (1 << 3)
    | (1 << 7)
    | (1 << 9)
    | (1 << 10)
    | (1 << 12)
    | (1 << 13)
    | (1 << 15);

pub struct Gw {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub seen: Vec<Value>,
    pub closed: Option<u16>,
}

impl Gw {
    pub async fn connect(sandbox: &Sandbox) -> Self {
        let url = format!("{}?v=10", sandbox.gateway_url());
        let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let mut gw = Self {
            ws,
            seen: Vec::new(),
            closed: None,
        };
        let hello = gw.next(WAIT).await.expect("HELLO");
        assert_eq!(hello["op"], 10, "{hello}");
        gw
    }

    pub async fn send(&mut self, value: Value) {
        self.ws
            .send(Message::Text(value.to_string()))
            .await
            .unwrap();
    }

    /// The next JSON frame, or None on close or timeout.
    pub async fn next(&mut self, within: Duration) -> Option<Value> {
        loop {
            match tokio::time::timeout(within, self.ws.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => {
                    let value: Value = serde_json::from_str(&text).unwrap();
                    self.seen.push(value.clone());
                    return Some(value);
                }
                Ok(Some(Ok(Message::Close(frame)))) => {
                    self.closed = Some(frame.map_or(1005, |f| u16::from(f.code)));
                    return None;
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(_)) | None) | Err(_) => return None,
            }
        }
    }

    /// Reads until a dispatch named `name`; panics listing what came instead.
    pub async fn until(&mut self, name: &str) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Some(frame) if frame["t"] == name => return frame,
                Some(_) => {}
                None => panic!(
                    "no {name} dispatch; saw {:?} (closed: {:?})",
                    self.seen
                        .iter()
                        .map(|f| format!("op{} {}", f["op"], f["t"]))
                        .collect::<Vec<_>>(),
                    self.closed
                ),
            }
        }
    }

    /// Waits for a close frame and returns its code.
    pub async fn close_code(&mut self) -> Option<u16> {
        while self.closed.is_none() {
            if self.next(WAIT).await.is_none() && self.closed.is_none() {
                return None;
            }
        }
        self.closed
    }

    pub async fn identify(&mut self, sandbox: &Sandbox, intents: u64, shard: [u32; 2]) -> Value {
        self.send(json!({"op": 2, "d": {
            "token": sandbox.bot_token(), "intents": intents, "shard": shard, "compress": true,
            "properties": {"os": "linux", "browser": "test", "device": "test"}, "large_threshold": 250,
        }}))
        .await;
        self.until("READY").await
    }
}

/// A REST call with the bot token; returns status, headers and JSON body (Null for none).
pub async fn api(
    sandbox: &Sandbox,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    call(
        sandbox,
        method,
        path,
        body,
        Some(format!("Bot {}", sandbox.bot_token())),
    )
    .await
}

pub async fn call(
    sandbox: &Sandbox,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
    auth: Option<String>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let client = reqwest::Client::new();
    let mut request = client.request(method, format!("{}/api/v10{path}", sandbox.api_base()));
    if let Some(auth) = auth {
        request = request.header("Authorization", auth);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, headers, value)
}

//! Answering interactions in time. Discord drops an interaction that is not acknowledged
//! within 3 seconds of its creation ("Unknown interaction", code 10062), and a handler may make
//! several REST calls and database writes before it knows its answer. Every interaction the bot
//! handles is registered here when it arrives; if no answer has gone out after
//! [`DEFER_AFTER`], a timer defers it (type 5 for a command, type 6 for a component), and the
//! answer, whenever it comes, becomes the matching follow-up. A quick handler answers directly
//! (type 4) and the timer does nothing. A second answer to the same interaction is a follow-up.
//!
//! The state of one interaction is behind its own async lock, held while its callback is in
//! flight, so the timer and the answer can never both acknowledge it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::payload::Call;
use super::{ExecError, Executor, Method};

/// How long a handler may take before the interaction is deferred: Discord's window is 3 s
/// from the interaction's creation, and the deferral itself needs a round trip.
pub const DEFER_AFTER: Duration = Duration::from_millis(1_000);

/// How long Discord accepts follow-ups with an interaction's token.
const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// What kind of interaction is being answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InteractionKind {
    /// A slash command (deferred with type 5, "thinking…"). Discord fixes the answer's
    /// visibility at the deferral (the first follow-up replaces the "thinking…" message and
    /// keeps its flags), so the command says up front whether its answer is private.
    Command {
        /// Whether the answer is visible only to the member who ran the command.
        ephemeral: bool,
    },
    /// A button, select menu or modal (deferred with type 6, no visible change).
    Component,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ack {
    /// Nothing sent yet.
    Pending,
    /// Answered with a message (type 4): later answers are follow-ups.
    Answered,
    /// Deferred by the timer; `original_used` once the deferred "thinking…" message of a
    /// command has been replaced by the answer.
    Deferred { original_used: bool },
}

#[derive(Debug)]
struct Entry {
    token: String,
    kind: InteractionKind,
    created: Instant,
    state: tokio::sync::Mutex<Ack>,
}

/// Every interaction answered in the last 15 minutes.
#[derive(Debug, Default)]
pub struct Acks {
    entries: Mutex<HashMap<String, Arc<Entry>>>,
    application: std::sync::OnceLock<u64>,
}

impl Acks {
    fn entry(&self, id: &str) -> Option<Arc<Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    fn insert(&self, id: String, entry: Arc<Entry>) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.retain(|_, entry| entry.created.elapsed() < TOKEN_LIFETIME);
        entries.insert(id, entry);
    }
}

impl Executor {
    /// The application id (from READY), which follow-up webhooks are addressed to.
    pub fn set_application_id(&self, application: u64) {
        let _ = self.acks.application.set(application);
    }

    /// Registers an interaction as it arrives and starts its deferral timer.
    pub fn begin_interaction(self: &Arc<Self>, id: &str, token: &str, kind: InteractionKind) {
        let entry = Arc::new(Entry {
            token: token.to_owned(),
            kind,
            created: Instant::now(),
            state: tokio::sync::Mutex::new(Ack::Pending),
        });
        self.acks.insert(id.to_owned(), Arc::clone(&entry));
        let executor = Arc::clone(self);
        let id = id.to_owned();
        tokio::spawn(async move {
            tokio::time::sleep(DEFER_AFTER).await;
            let mut state = entry.state.lock().await;
            if *state != Ack::Pending {
                return;
            }
            let body = match entry.kind {
                InteractionKind::Command { ephemeral: true } => {
                    json!({"type": 5, "data": {"flags": 64}})
                }
                InteractionKind::Command { ephemeral: false } => json!({"type": 5}),
                InteractionKind::Component => json!({"type": 6}),
            };
            let call = Call {
                method: Method::Post,
                path: format!("/interactions/{id}/{}/callback", entry.token),
                body: Some(body),
                reason: None,
                files: Vec::new(),
            };
            match executor.send(None, call).await {
                Ok(_) => {
                    tracing::debug!(interaction = %id, "deferred an interaction still being handled");
                    *state = Ack::Deferred {
                        original_used: false,
                    };
                }
                Err(error) => {
                    tracing::warn!(interaction = %id, %error, "could not defer an interaction");
                }
            }
        });
    }

    /// Sends an answer to an interaction: the callback if nothing was sent yet, else the
    /// follow-up that fits what was sent.
    pub(super) async fn answer_interaction(
        &self,
        interaction_id: &str,
        token: &str,
        data: Value,
    ) -> Result<Option<Value>, ExecError> {
        let Some(entry) = self.acks.entry(interaction_id) else {
            // Not registered (an answer outside the handlers): a plain callback.
            return self.send(None, callback(interaction_id, token, data)).await;
        };
        let mut state = entry.state.lock().await;
        match *state {
            Ack::Pending => {
                let sent = self
                    .send(None, callback(interaction_id, token, data))
                    .await?;
                *state = Ack::Answered;
                Ok(sent)
            }
            Ack::Deferred {
                original_used: false,
            } if matches!(entry.kind, InteractionKind::Command { .. }) => {
                // The answer replaces "thinking…", with the visibility chosen at the deferral.
                let sent = self
                    .send(
                        None,
                        self.webhook_call(Method::Patch, token, "/messages/@original", data),
                    )
                    .await?;
                *state = Ack::Deferred {
                    original_used: true,
                };
                Ok(sent)
            }
            // Later answers, and a component's answer after its silent deferral, are follow-ups
            // (private when asked: `data` carries the flag).
            Ack::Answered | Ack::Deferred { .. } => {
                self.send(None, self.webhook_call(Method::Post, token, "", data))
                    .await
            }
        }
    }

    fn webhook_call(&self, method: Method, token: &str, rest: &str, data: Value) -> Call {
        let application = self.acks.application.get().copied().unwrap_or_default();
        Call {
            method,
            path: format!("/webhooks/{application}/{token}{rest}"),
            body: Some(data),
            reason: None,
            files: Vec::new(),
        }
    }
}

fn callback(interaction_id: &str, token: &str, data: Value) -> Call {
    Call {
        method: Method::Post,
        path: format!("/interactions/{interaction_id}/{token}/callback"),
        body: Some(json!({ "type": 4, "data": data })),
        reason: None,
        files: Vec::new(),
    }
}

//! Keeping a process's in-memory copy in step with changes made in other processes: every
//! message announced on a topic at once, and a periodic poll of a change log for what was not
//! announced (a process without Redis, a lost message). The settings cache and premium's tiers
//! follow their changes this way.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::Subscription;

/// What follows a topic and a change log.
#[async_trait]
pub trait Follower: Send + Sync + 'static {
    /// A message announced on the topic.
    async fn announced(&self, message: &str);

    /// The periodic look at the change log.
    async fn poll(&self);
}

/// Runs `follower` until `shutdown` (or the subscription ends): each message on `subscription`
/// as it arrives, and [`Follower::poll`] every `every`.
pub fn follow<F: Follower>(
    follower: Arc<F>,
    mut subscription: Subscription,
    every: Duration,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                message = subscription.recv() => {
                    let Some(message) = message else { break };
                    follower.announced(&message).await;
                }
                _ = ticker.tick() => follower.poll().await,
            }
        }
    })
}

//! Guildhall's terminal console (ratatui + crossterm), a library the `guildhall console`
//! command calls with [`run`].
//!
//! Ten panes — overview (shards, event rates, premium guilds, guilds), migrations, guild
//! settings with history and rollback, live logs, the job ledger, a guild's moderation cases, a
//! guild's top members by XP, a guild's timed roles with early removal, a guild's giveaways with
//! their controls, and premium across guilds with grants and revocations — each a
//! [`panes::Component`], listed once in the registry [`panes::PANES`]; the per-guild lists share
//! one component, [`panes::list::GuildList`]. Keys become
//! [`action::Action`]s; the loop handles one closed [`event::Event`] enum; data is fetched by
//! the [`loader`] on tokio tasks, never while rendering. Like the web, the console reaches the
//! bot only through `guildhall-core` (and the running instance's admin API for live data).

pub mod action;
pub mod app;
pub mod event;
pub mod loader;
pub mod panes;
pub mod terminal;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use guildhall_web::admin::AdminClient;
use tokio::sync::mpsc;

use crate::app::App;
use crate::event::Event;
use crate::loader::{LiveSource, Loader, Services};

/// The console's panes, in tab order (their ids are their names).
pub use panes::PANES;

/// What the console works with: the same services the CLI's commands use.
#[derive(Debug)]
pub struct ConsoleContext {
    /// The database (the console does not require it to be migrated: the migrations pane can
    /// apply pending migrations; other panes then show the database's error).
    pub core: guildhall_core::Core,
    /// The running instance's admin API, for shards, event rates and logs; `None` when there
    /// is none to ask (the overview and logs panes say so).
    pub admin: Option<AdminClient>,
    /// Who is acting, recorded in the settings history and the audit log: `operator:<name>`.
    pub actor: String,
}

impl From<ConsoleContext> for Services {
    fn from(context: ConsoleContext) -> Self {
        Self {
            core: context.core,
            live: context
                .admin
                .map(|admin| Arc::new(admin) as Arc<dyn LiveSource>),
            actor: context.actor,
        }
    }
}

/// Why the console stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The terminal could not be set up, read or drawn on.
    #[error("the console cannot use this terminal: {0}")]
    Terminal(#[from] std::io::Error),
}

/// Runs the console until the operator presses `q` or Ctrl-C. The terminal is put in raw mode
/// on the alternate screen and always restored, also when drawing fails or the console panics.
///
/// # Errors
/// [`ConsoleError::Terminal`] when standard output is not a usable terminal or drawing fails.
pub async fn run(context: ConsoleContext) -> Result<(), ConsoleError> {
    let services = Services::from(context);
    let mut guard = terminal::enter()?;
    let result = event_loop(&mut guard, services).await;
    let restored = guard.restore();
    result?;
    restored?;
    Ok(())
}

async fn event_loop(
    guard: &mut terminal::TerminalGuard,
    services: Services,
) -> Result<(), ConsoleError> {
    let clock = Arc::clone(&services.clock);
    let (sender, mut events) = mpsc::unbounded_channel();
    let stop_input = Arc::new(AtomicBool::new(false));
    terminal::spawn_input(sender.clone(), Arc::clone(&stop_input));
    let ticker_sender = sender.clone();
    let ticker = tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        interval.tick().await;
        loop {
            interval.tick().await;
            if ticker_sender.send(Event::Tick).is_err() {
                break;
            }
        }
    });
    let mut loader = Loader::new(services, sender);
    let mut app = App::new(clock.now());
    for request in app.start() {
        loader.submit(request);
    }
    let result = loop {
        if let Err(error) = guard.terminal.draw(|frame| app.render(frame)) {
            break Err(ConsoleError::Terminal(error));
        }
        let Some(event) = events.recv().await else {
            break Ok(());
        };
        if matches!(event, Event::Tick) {
            app.set_now(clock.now());
        }
        let requests = app.update(event);
        if app.should_quit() {
            break Ok(());
        }
        for request in requests {
            loader.submit(request);
        }
    };
    stop_input.store(true, Ordering::Relaxed);
    ticker.abort();
    loader.shutdown();
    result
}

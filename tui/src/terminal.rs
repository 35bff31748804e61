//! The real terminal: raw mode and the alternate screen on entry, always restored on the way
//! out — on return, on error, and on panic.

use std::io::{self, Stdout};
use std::panic::PanicHookInfo;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self as terminal_event, Event as TerminalEvent};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};
use tokio::sync::mpsc::UnboundedSender;

use crate::event::Event;

type PanicHook = Box<dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static>;

/// The terminal in raw mode on the alternate screen; dropping it restores the terminal.
pub struct TerminalGuard {
    /// The ratatui terminal to draw on.
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
    previous_hook: Option<Arc<PanicHook>>,
    restored: bool,
}

impl std::fmt::Debug for TerminalGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TerminalGuard")
            .field("restored", &self.restored)
            .finish_non_exhaustive()
    }
}

/// Puts the terminal back as it was; safe to call more than once.
fn restore_terminal() -> io::Result<()> {
    let raw = disable_raw_mode();
    let screen = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
    raw.and(screen)
}

/// Enters raw mode and the alternate screen, and installs a panic hook that restores the
/// terminal before the panic message is printed.
///
/// # Errors
/// When the terminal cannot be switched (not a terminal, or writing to it failed); the
/// terminal is restored before returning.
pub fn enter() -> io::Result<TerminalGuard> {
    let previous: Arc<PanicHook> = Arc::new(std::panic::take_hook());
    let chained = Arc::clone(&previous);
    std::panic::set_hook(Box::new(move |info| {
        // Nothing to do with a failure here: the panic message matters more.
        let _ = restore_terminal();
        chained(info);
    }));
    let mut guard = TerminalGuard {
        terminal: Terminal::new(CrosstermBackend::new(io::stdout()))?,
        previous_hook: Some(previous),
        restored: false,
    };
    let entered = enable_raw_mode()
        .and_then(|()| execute!(io::stdout(), EnterAlternateScreen, cursor::Hide))
        .and_then(|()| guard.terminal.clear());
    match entered {
        Ok(()) => Ok(guard),
        Err(error) => {
            // Restoring is best effort here; the error that stopped us is the one to report.
            let _ = guard.restore();
            Err(error)
        }
    }
}

impl TerminalGuard {
    /// Restores the terminal and the previous panic hook.
    ///
    /// # Errors
    /// When writing to the terminal fails.
    pub fn restore(&mut self) -> io::Result<()> {
        if self.restored {
            return Ok(());
        }
        self.restored = true;
        if let Some(previous) = self.previous_hook.take() {
            // Drops our hook, then puts back the one that was there before.
            drop(std::panic::take_hook());
            std::panic::set_hook(Box::new(move |info| previous(info)));
        }
        restore_terminal()
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = self.restore();
    }
}

/// Reads terminal input on its own thread (crossterm's reads block) and sends keys and resizes
/// as [`Event`]s until `stop` is set or the receiver is gone.
pub fn spawn_input(events: UnboundedSender<Event>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match terminal_event::poll(Duration::from_millis(100)) {
                Ok(false) => continue,
                Ok(true) => {}
                Err(error) => {
                    tracing::warn!(%error, "cannot read terminal input");
                    return;
                }
            }
            let event = match terminal_event::read() {
                Ok(TerminalEvent::Key(key)) => Event::Key(key),
                Ok(TerminalEvent::Resize(..)) => Event::Resize,
                Ok(_) => continue,
                Err(error) => {
                    tracing::warn!(%error, "cannot read terminal input");
                    return;
                }
            };
            if events.send(event).is_err() {
                return;
            }
        }
    });
}

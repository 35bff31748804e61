//! What a key means: every key press becomes an [`Action`] before any pane sees it, so panes
//! never match on raw key codes and the help overlay can list the same bindings the code uses.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::panes::PaneId;

/// Something the operator asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Leave the console (`q`, Ctrl-C).
    Quit,
    /// Show or hide the key help (`?`).
    Help,
    /// The next pane (Tab).
    NextPane,
    /// The previous pane (Shift-Tab).
    PreviousPane,
    /// A pane by number (`1`–`9`).
    ShowPane(PaneId),
    /// Move the selection up.
    Up,
    /// Move the selection down.
    Down,
    /// Up a page.
    PageUp,
    /// Down a page.
    PageDown,
    /// To the first row.
    Top,
    /// To the last row (in the log view: follow new lines again).
    Bottom,
    /// Open or submit (Enter).
    Enter,
    /// Edit the selected value (`e`); on the giveaways pane, end the selected giveaway now.
    Edit,
    /// Answer yes to a question (`y`).
    Confirm,
    /// Answer no, close an input or go back (`n`, Esc).
    Cancel,
    /// Pause or resume (Space).
    Pause,
    /// Change the filter (`f`).
    Filter,
    /// Change the minimum log level (`l`).
    Level,
    /// Show the history (`h`).
    History,
    /// Apply pending migrations (`a`).
    Apply,
    /// Cancel the selected job (`c`).
    CancelJob,
    /// Retry the selected job (`r`); on the giveaways pane, draw a prize again.
    Retry,
    /// Remove the selected item early, after a confirmation (`x`, Delete): a timed role, or
    /// cancel a giveaway.
    Remove,
    /// Reload now (`R`, F5).
    Refresh,
    /// Pick another guild (`g`).
    PickGuild,
    /// A character typed into an input line.
    Input(char),
    /// Delete the character before the cursor of an input line.
    Backspace,
}

/// How the focused pane wants keys read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputMode {
    /// Keys are commands.
    Normal,
    /// An input line is open: printable keys are text.
    Text,
    /// A yes/no question is open.
    Confirm,
}

/// The action a key stands for in `mode`, if any. Key releases (reported on some terminals)
/// are ignored.
pub fn action_for(key: KeyEvent, mode: InputMode) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let control = key.modifiers.contains(KeyModifiers::CONTROL);
    if control && matches!(key.code, KeyCode::Char('c')) {
        return Some(Action::Quit);
    }
    match mode {
        InputMode::Text => match key.code {
            KeyCode::Enter => Some(Action::Enter),
            KeyCode::Esc => Some(Action::Cancel),
            KeyCode::Backspace => Some(Action::Backspace),
            KeyCode::Char(character) if !control => Some(Action::Input(character)),
            _ => None,
        },
        InputMode::Confirm => match key.code {
            KeyCode::Char('y' | 'Y') | KeyCode::Enter => Some(Action::Confirm),
            KeyCode::Char('n' | 'N' | 'q') | KeyCode::Esc => Some(Action::Cancel),
            _ => None,
        },
        InputMode::Normal => normal(key.code),
    }
}

fn normal(code: KeyCode) -> Option<Action> {
    Some(match code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Tab => Action::NextPane,
        KeyCode::BackTab => Action::PreviousPane,
        KeyCode::Char(digit @ '1'..='9') => {
            let index = usize::from(digit as u8 - b'1');
            Action::ShowPane(crate::panes::PANES.get(index)?.id)
        }
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home => Action::Top,
        KeyCode::End | KeyCode::Char('G') => Action::Bottom,
        KeyCode::Enter => Action::Enter,
        KeyCode::Char('e') => Action::Edit,
        KeyCode::Char('y') => Action::Confirm,
        KeyCode::Esc | KeyCode::Char('n') => Action::Cancel,
        KeyCode::Char(' ' | 'p') => Action::Pause,
        KeyCode::Char('f' | '/' | 's') => Action::Filter,
        KeyCode::Char('l') => Action::Level,
        KeyCode::Char('h') => Action::History,
        KeyCode::Char('a') => Action::Apply,
        KeyCode::Char('c') => Action::CancelJob,
        KeyCode::Char('r') => Action::Retry,
        KeyCode::Char('x') | KeyCode::Delete => Action::Remove,
        KeyCode::Char('R') | KeyCode::F(5) => Action::Refresh,
        KeyCode::Char('g') => Action::PickGuild,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_mean_different_things_per_mode() {
        let cases = [
            (KeyCode::Char('q'), InputMode::Normal, Some(Action::Quit)),
            (
                KeyCode::Char('q'),
                InputMode::Text,
                Some(Action::Input('q')),
            ),
            (KeyCode::Char('q'), InputMode::Confirm, Some(Action::Cancel)),
            (
                KeyCode::Char('3'),
                InputMode::Normal,
                Some(Action::ShowPane(PaneId::named("settings"))),
            ),
            (
                KeyCode::Char('9'),
                InputMode::Normal,
                Some(Action::ShowPane(PaneId::named("giveaways"))),
            ),
            (KeyCode::Char('0'), InputMode::Normal, None),
            (KeyCode::Char('x'), InputMode::Normal, Some(Action::Remove)),
            (KeyCode::Delete, InputMode::Normal, Some(Action::Remove)),
            (KeyCode::Enter, InputMode::Confirm, Some(Action::Confirm)),
            (KeyCode::Esc, InputMode::Text, Some(Action::Cancel)),
            (
                KeyCode::BackTab,
                InputMode::Normal,
                Some(Action::PreviousPane),
            ),
        ];
        for (code, mode, expected) in cases {
            assert_eq!(
                action_for(key(code), mode),
                expected,
                "{code:?} in {mode:?}"
            );
        }
        let control_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(control_c, InputMode::Text), Some(Action::Quit));
    }
}

//! Cases (the moderation feature's pane): one guild's moderation cases, newest first, filtered
//! by kind (`f`) and searched by reason text (`e`), with the selected case's details. The list
//! itself is the shared [`GuildList`](super::list::GuildList).

use std::sync::Arc;

use guildhall_core::ids::GuildId;
use guildhall_core::moderation::{Case, CaseActor, CaseFilter, CaseKind};
use ratatui::layout::Constraint;
use ratatui::text::Line;
use ratatui::widgets::Row;

use super::list::{Details, ListData, ListPane, ListState, Load, Outcome};
use super::{KeyHelp, View, date_time, fit, key, short_duration};
use crate::action::Action;

/// How many cases the pane lists.
const CASE_PAGE: u32 = 100;

/// The cases pane's own part: its filters.
#[derive(Debug, Default)]
pub struct Cases {
    kind: Option<CaseKind>,
    text: String,
}

fn actor(actor: &CaseActor) -> String {
    match actor {
        CaseActor::Moderator(user) => user.to_string(),
        CaseActor::Automated(name) => name.clone(),
    }
}

/// A guild's cases, with the names of their members where the bot has seen them.
#[derive(Debug, Clone, Default)]
pub struct CasesView {
    /// The cases, newest first.
    pub cases: Vec<Case>,
    /// Members' display names, from the guild snapshot.
    pub names: std::collections::HashMap<guildhall_core::ids::UserId, String>,
}

impl ListData for CasesView {
    type Row = Case;

    fn rows(&self) -> &[Case] {
        &self.cases
    }
}

impl CasesView {
    fn member(&self, user: guildhall_core::ids::UserId) -> String {
        self.names
            .get(&user)
            .cloned()
            .unwrap_or_else(|| user.to_string())
    }
}

impl ListPane for Cases {
    type Data = CasesView;

    const HEADER: &'static [&'static str] = &["#", "KIND", "MEMBER", "BY", "REASON"];
    const WIDTHS: &'static [Constraint] = &[
        Constraint::Length(4),
        Constraint::Length(9),
        Constraint::Length(19),
        Constraint::Length(19),
        Constraint::Min(10),
    ];
    const HEIGHTS: [Constraint; 2] = [Constraint::Length(12), Constraint::Min(4)];
    const STATUS_LINE: bool = true;
    const RELOAD_EVERY: u64 = 5;
    const LOADING: &'static str = "loading cases…";
    const FAILED: &'static str = "cannot list cases";
    const EMPTY: &'static str = "no case matches";
    const DETAILS: &'static str = " Case ";
    const PROMPT: &'static str = "search reasons: ";

    fn title(&self, guild: &str, _data: Option<&CasesView>) -> String {
        let kind = self.kind.map_or("all", CaseKind::as_str);
        let search = if self.text.is_empty() {
            String::new()
        } else {
            format!(" · \"{}\"", self.text)
        };
        format!(" Cases · {guild} · kind: {kind}{search} ")
    }

    fn load(&self, guild: GuildId) -> Load<CasesView> {
        let (kind, text) = (self.kind, self.text.clone());
        let what = format!(
            "cases kind={} text={text}",
            kind.map_or("all", CaseKind::as_str)
        );
        Load::new(what, move |services| {
            let text = text.clone();
            async move {
                let service = Arc::clone(&services.moderation);
                let filter = CaseFilter {
                    kind,
                    text: (!text.is_empty()).then_some(text),
                    limit: CASE_PAGE,
                    ..Default::default()
                };
                let cases = service
                    .cases(guild, &filter)
                    .await
                    .map_err(|error| error.to_string())?;
                // Members by name: the guild model the bot persisted.
                guildhall_core::guild_snapshot::load_guild(
                    &services.db,
                    &services.guild_cache,
                    guild,
                )
                .await
                .map_err(|error| error.to_string())?;
                let names = cases
                    .iter()
                    .filter_map(|case| {
                        services
                            .guild_cache
                            .member_name(guild, case.target)
                            .map(|name| (case.target, name))
                    })
                    .collect();
                Ok(CasesView { cases, names })
            }
        })
    }

    fn row(&self, case: &Case, data: &CasesView, _width: u16, _view: &View) -> Row<'static> {
        Row::new([
            case.number.to_string(),
            case.kind.to_string(),
            fit(&data.member(case.target), 19),
            fit(&actor(&case.actor), 19),
            case.reason.clone(),
        ])
    }

    fn details(&self, case: &Case, data: &CasesView, _width: usize, _view: &View) -> Details {
        let mut lines = vec![
            Line::from(format!(
                "member {} · by {} · {}",
                data.names.get(&case.target).map_or_else(
                    || case.target.to_string(),
                    |name| format!("{name} (id {})", case.target)
                ),
                actor(&case.actor),
                date_time(case.created_at)
            )),
            Line::from(format!("reason: {}", case.reason)),
        ];
        if let Some(why) = &case.failed_reason {
            lines.push(Line::from(format!("not carried out: {why}")));
        }
        if let Some(duration) = case.duration {
            lines.push(Line::from(format!(
                "duration: {}",
                short_duration(duration)
            )));
        }
        if let Some(expires) = case.expires_at {
            lines.push(Line::from(format!("ends: {}", date_time(expires))));
        }
        if let Some(by) = case.reason_edited_by {
            lines.push(Line::from(format!("reason edited by {by}")));
        }
        Details {
            title: format!(" Case {} · {} ", case.number, case.kind.title()),
            lines,
            wrap: true,
        }
    }

    fn keys(&self) -> Vec<KeyHelp> {
        vec![key("f", "kind filter"), key("e", "search reasons")]
    }

    fn act(&mut self, action: &Action, _list: &ListState<CasesView>) -> Option<Outcome> {
        match action {
            Action::Filter => {
                self.kind = match self.kind {
                    None => Some(CaseKind::ALL[0]),
                    Some(kind) => CaseKind::ALL
                        .iter()
                        .position(|candidate| *candidate == kind)
                        .and_then(|index| CaseKind::ALL.get(index + 1).copied()),
                };
                Some(Outcome::Reload)
            }
            Action::Edit => Some(Outcome::Input(self.text.clone())),
            _ => None,
        }
    }

    fn submitted(&mut self, text: String, _list: &ListState<CasesView>) -> Outcome {
        self.text = text;
        Outcome::Reload
    }
}

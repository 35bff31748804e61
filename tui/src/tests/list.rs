//! The shared per-guild list ([`GuildList`]) on its own: the guild choice, the loading, empty
//! and error states and the selection are the same for every pane made of it.

use std::sync::Arc;

use guildhall_core::guilds::GuildRecord;
use guildhall_core::ids::GuildId;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Constraint;
use ratatui::text::Line;
use ratatui::widgets::Row;

use super::{GUILD, NOW, OTHER_GUILD};
use crate::action::{Action, InputMode};
use crate::event::{Loaded, Request, RowsData};
use crate::panes::list::{Details, GuildList, ListData, ListPane, Load};
use crate::panes::{Component, PaneId, View, giveaways, levels, moderation, timed_roles};

/// A pane of numbered things, loaded by nobody (the test answers for the loader).
#[derive(Debug, Default)]
struct Things;

impl ListPane for Things {
    type Data = Vec<u32>;

    const HEADER: &'static [&'static str] = &["THING"];
    const WIDTHS: &'static [Constraint] = &[Constraint::Min(5)];
    const HEIGHTS: [Constraint; 2] = [Constraint::Min(6), Constraint::Length(3)];
    const STATUS_LINE: bool = true;
    const RELOAD_EVERY: u64 = 2;
    const LOADING: &'static str = "loading things…";
    const FAILED: &'static str = "cannot list things";
    const EMPTY: &'static str = "no things here";
    const DETAILS: &'static str = " Thing ";

    fn title(&self, guild: &str, data: Option<&Vec<u32>>) -> String {
        format!(" Things · {guild} · {} ", data.map_or(0, Vec::len))
    }

    fn load(&self, _guild: GuildId) -> Load<Vec<u32>> {
        Load::new("things", |_services| async { Ok(Vec::new()) })
    }

    fn row(&self, thing: &u32, _data: &Vec<u32>, _width: u16, _view: &View) -> Row<'static> {
        Row::new([format!("thing {thing}")])
    }

    fn details(&self, thing: &u32, _data: &Vec<u32>, _width: usize, _view: &View) -> Details {
        Details {
            title: format!(" Thing {thing} "),
            lines: vec![Line::from(format!("all about thing {thing}"))],
            wrap: false,
        }
    }

    fn same(a: &u32, b: &u32) -> bool {
        a == b
    }
}

fn guild(id: GuildId, name: &str) -> GuildRecord {
    GuildRecord {
        id,
        name: name.to_owned(),
        owner: None,
        joined_at: NOW,
        left_at: None,
    }
}

fn screen(pane: &dyn Component) -> String {
    let mut terminal = Terminal::new(TestBackend::new(80, 14)).expect("test terminal");
    terminal
        .draw(|frame| pane.render(frame, frame.area(), &View { now: NOW }))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            let line: String = (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect();
            line.trim_end().to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn rows<D: ListData>(pane: PaneId, guild: GuildId, data: Result<D, &str>) -> Loaded {
    Loaded::Rows {
        pane,
        guild,
        result: data
            .map(|data| Arc::new(data) as RowsData)
            .map_err(str::to_owned),
    }
}

/// The guild the one request in `requests` loads rows for.
fn rows_for(requests: &[Request], pane: PaneId) -> GuildId {
    match requests {
        [Request::Rows(task)] if task.pane == pane => task.guild,
        other => panic!("expected one request for {pane:?}'s rows, got {other:?}"),
    }
}

/// Loading, no guild, an error and an empty list, the same for `P` as for every list pane.
fn shared_states<P: ListPane>(name: &'static str, empty: P::Data) {
    let id = PaneId::named(name);
    let mut pane = GuildList::<P>::new(id);
    assert!(
        screen(&pane).contains("no known guilds yet"),
        "{}",
        screen(&pane)
    );
    assert_eq!(pane.on_focus(), vec![Request::Guilds], "no guild, no rows");
    let asked = pane.loaded(&Loaded::Guilds(Ok(vec![
        guild(GUILD, "Tavern of Testing"),
        guild(OTHER_GUILD, "Quiet Library"),
    ])));
    assert_eq!(rows_for(&asked, id), GUILD, "the first guild is shown");
    assert!(screen(&pane).contains(P::LOADING), "{}", screen(&pane));

    pane.loaded(&rows::<P::Data>(id, GUILD, Err("the database is locked")));
    let shown = screen(&pane);
    assert!(
        shown.contains(&format!("{}: the database is locked", P::FAILED)),
        "{shown}"
    );

    // Another pane's rows, or another guild's, are not this pane's.
    pane.loaded(&rows(PaneId::named("overview"), GUILD, Ok(empty.clone())));
    pane.loaded(&rows(id, OTHER_GUILD, Ok(empty.clone())));
    assert!(screen(&pane).contains(P::FAILED), "{}", screen(&pane));

    pane.loaded(&rows(id, GUILD, Ok(empty)));
    let shown = screen(&pane);
    assert!(
        shown.contains(P::EMPTY) && shown.contains(P::DETAILS),
        "{shown}"
    );
    // Moving in an empty list stays put and asks for nothing.
    for action in [Action::Down, Action::Bottom, Action::Up] {
        assert!(pane.handle(&action).is_empty());
    }
    assert_eq!(pane.state().selected().map(|_| ()), None);

    // `g` shows the next guild, loading again.
    let asked = pane.handle(&Action::PickGuild);
    assert_eq!(rows_for(&asked, id), OTHER_GUILD);
    assert!(screen(&pane).contains(P::LOADING), "{}", screen(&pane));
    assert!(screen(&pane).contains("Quiet Library"), "{}", screen(&pane));
    assert_eq!(rows_for(&pane.handle(&Action::Refresh), id), OTHER_GUILD);
}

#[test]
fn every_list_pane_shows_loading_no_guild_errors_and_empty_lists_alike() {
    shared_states::<Things>("cases", Vec::new());
    shared_states::<moderation::Cases>("cases", moderation::CasesView::default());
    shared_states::<levels::Levels>(
        "levels",
        levels::LevelsView {
            total: 0,
            members: Vec::new(),
        },
    );
    shared_states::<timed_roles::TimedRoles>(
        "timed-roles",
        timed_roles::TimedRolesView {
            roles: Vec::new(),
            names: Vec::new(),
        },
    );
    shared_states::<giveaways::Giveaways>("giveaways", Vec::new());
}

#[test]
fn the_selection_moves_within_the_rows_and_stays_on_its_row_across_reloads() {
    let id = PaneId::named("cases");
    let mut pane = GuildList::<Things>::new(id);
    pane.loaded(&Loaded::Guilds(Ok(vec![guild(GUILD, "Tavern of Testing")])));
    pane.loaded(&rows(id, GUILD, Ok(vec![10_u32, 20, 30])));
    let selected = |pane: &GuildList<Things>| pane.state().selected().copied();
    assert_eq!(selected(&pane), Some(10));
    assert!(screen(&pane).contains("> thing 10"), "{}", screen(&pane));
    assert!(screen(&pane).contains(" Thing 10 "), "{}", screen(&pane));

    let moves = [
        (Action::Down, 20),
        (Action::Down, 30),
        (Action::Down, 30),
        (Action::Up, 20),
        (Action::Top, 10),
        (Action::Up, 10),
        (Action::Bottom, 30),
        (Action::PageUp, 10),
        (Action::PageDown, 30),
    ];
    for (action, expected) in moves {
        assert!(
            pane.handle(&action).is_empty(),
            "{action:?} asks for nothing"
        );
        assert_eq!(selected(&pane), Some(expected), "after {action:?}");
    }
    let shown = screen(&pane);
    assert!(
        shown.contains("> thing 30") && shown.contains("all about thing 30"),
        "{shown}"
    );

    // The list moves under the selection: it stays on the same thing.
    pane.handle(&Action::Up);
    pane.loaded(&rows(id, GUILD, Ok(vec![5_u32, 10, 20, 30])));
    assert_eq!(selected(&pane), Some(20));
    // The thing is gone: the selection keeps its place within the rows.
    pane.handle(&Action::Bottom);
    pane.loaded(&rows(id, GUILD, Ok(vec![1_u32, 2])));
    assert_eq!(selected(&pane), Some(2));

    // Ticks reload every `RELOAD_EVERY` seconds; keys of no use to the pane do nothing.
    assert!(pane.on_tick(1).is_empty());
    assert_eq!(rows_for(&pane.on_tick(2), id), GUILD);
    assert!(pane.handle(&Action::Apply).is_empty());
    assert_eq!(pane.input_mode(), InputMode::Normal);
    let keys: Vec<&str> = pane.keys().iter().map(|help| help.does).collect();
    assert_eq!(keys, ["select", "next guild"]);
}

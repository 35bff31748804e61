//! The pickers every form uses where it takes a channel, a role, a member or an emoji: channels
//! grouped by category in Discord's order and filtered by kind, roles coloured and ordered by
//! position (the ones the bot cannot hand out shown disabled with the reason), members searched
//! by name through htmx, emojis from a list searched by name. No script beyond htmx, no build
//! step. Each picker keeps typing an id as a fallback ("Type an id instead"), read back by
//! [`crate::handlers::pickers::PickedForm`]; where the guild's model is unknown (no snapshot
//! yet) the picker is the typed field alone. An id the lists do not hold (typed earlier, or
//! deleted since) stays visible and selected as "unknown channel 123…".

use std::collections::HashMap;

use guildhall_core::guild_config::fields::ChannelFilter;
use guildhall_core::ids::{ChannelId, GuildId, RoleId, UserId};
use guildhall_core::references::ChannelKind;
use maud::{Markup, html};

use crate::routes;

/// The prefix of the typed fallback of a one-value picker: `typed1:<field>`.
pub const TYPED_ONE: &str = "typed1:";
/// The prefix of the typed fallback of a several-values picker: `typedn:<field>`.
pub const TYPED_MANY: &str = "typedn:";
/// The prefix of a member picker's search box: `search:<field>` (read by the search route,
/// ignored by the form).
pub const SEARCH: &str = "search:";

/// A channel or category a picker offers.
#[derive(Debug, Clone)]
pub struct ChannelChoice {
    /// The channel.
    pub id: ChannelId,
    /// Its name, without `#`.
    pub name: String,
    /// Its kind.
    pub kind: ChannelKind,
    /// Its category.
    pub parent: Option<ChannelId>,
    /// Its position in the channel list.
    pub position: i32,
}

/// A role a picker offers.
#[derive(Debug, Clone)]
pub struct RoleChoice {
    /// The role.
    pub id: RoleId,
    /// Its name, without `@`.
    pub name: String,
    /// Its colour (`0xRRGGBB`; 0 for none).
    pub colour: u32,
    /// Why the bot (or the staff member) cannot hand it out, when it cannot; pickers of roles
    /// to give show it disabled with this reason.
    pub blocked: Option<String>,
}

/// A member a picker shows.
#[derive(Debug, Clone)]
pub struct MemberChoice {
    /// The member.
    pub id: UserId,
    /// Their display name, when known.
    pub name: Option<String>,
}

/// What a guild's pickers offer, from its model (in process, or the persisted snapshot).
#[derive(Debug, Clone)]
pub struct Pickers {
    /// The guild.
    pub guild: GuildId,
    /// Its channels and categories; `None` when the model does not know the guild (the fields
    /// take typed ids then).
    pub channels: Option<Vec<ChannelChoice>>,
    /// Its roles, highest first, without @everyone; `None` when unknown.
    pub roles: Option<Vec<RoleChoice>>,
    /// Names of members the forms on the page hold, by id.
    pub members: HashMap<UserId, String>,
    /// The guild's custom emojis, offered first by emoji pickers.
    pub emojis: Vec<guildhall_core::guild_cache::GuildEmoji>,
    /// Names of typed ids the page could learn another way (Discord's REST API) while the
    /// model does not know the guild, by id as typed.
    pub typed_names: HashMap<String, String>,
}

impl Pickers {
    /// A channel's name as a person reads it (`#general`, `Support (category)`), if known.
    pub fn channel_name(&self, id: &str) -> Option<String> {
        let channel = self
            .channels
            .as_ref()?
            .iter()
            .find(|channel| channel.id.to_string() == id.trim())?;
        Some(channel_label(channel))
    }

    /// A role's name as a person reads it (`@Moderator`), if known.
    pub fn role_name(&self, id: &str) -> Option<String> {
        self.roles
            .as_ref()?
            .iter()
            .find(|role| role.id.to_string() == id.trim())
            .map(|role| format!("@{}", role.name))
    }

    /// The channels in Discord's order: those outside any category first, then each category
    /// followed by its channels; text-like before voice within a group.
    fn grouped(&self) -> Vec<(Option<&ChannelChoice>, Vec<&ChannelChoice>)> {
        let Some(channels) = &self.channels else {
            return Vec::new();
        };
        let order = |channel: &&ChannelChoice| {
            (
                matches!(channel.kind, ChannelKind::Voice | ChannelKind::Stage),
                channel.position,
                channel.id,
            )
        };
        let mut categories: Vec<&ChannelChoice> = channels
            .iter()
            .filter(|channel| channel.kind == ChannelKind::Category)
            .collect();
        categories.sort_by_key(|category| (category.position, category.id));
        let children = |parent: Option<ChannelId>| {
            let mut list: Vec<&ChannelChoice> = channels
                .iter()
                .filter(|channel| channel.kind != ChannelKind::Category)
                .filter(|channel| match parent {
                    // A channel whose category is gone shows at the top.
                    None => channel
                        .parent
                        .is_none_or(|id| !categories.iter().any(|category| category.id == id)),
                    Some(parent) => channel.parent == Some(parent),
                })
                .collect();
            list.sort_by_key(order);
            list
        };
        let mut groups = vec![(None, children(None))];
        for category in &categories {
            groups.push((Some(*category), children(Some(category.id))));
        }
        groups
    }

    /// A one-channel picker: a select grouped by category, offering the kinds `filter` takes;
    /// `none` is the label of the empty choice (`None`: a channel is required).
    pub fn channel(
        &self,
        name: &str,
        dom_id: &str,
        filter: ChannelFilter,
        selected: &str,
        none: Option<&str>,
    ) -> Markup {
        let selected = selected.trim();
        if self.channels.is_none() {
            return typed_only(
                name,
                dom_id,
                selected,
                "a channel id",
                none.is_none(),
                self.typed_names.get(selected),
            );
        }
        let known = self.channel_name(selected).is_some();
        html! {
            select.picker.channel-picker id=(dom_id) name=(name) required[none.is_none()] {
                @if let Some(none) = none {
                    option value="" selected[selected.is_empty()] { (none) }
                } @else if selected.is_empty() {
                    option value="" selected disabled { "Pick a " (filter.noun()) "…" }
                }
                (self.channel_options(filter, &[selected]))
                @if !selected.is_empty() && !known {
                    option value=(selected) selected { "unknown channel " (selected) }
                }
            }
            (typed_fallback(name, TYPED_ONE, "a channel id"))
        }
    }

    fn channel_options(&self, filter: ChannelFilter, selected: &[&str]) -> Markup {
        let is = |channel: &ChannelChoice| selected.contains(&channel.id.to_string().as_str());
        html! {
            @if filter == ChannelFilter::Category {
                @for (category, _) in self.grouped() {
                    @if let Some(category) = category {
                        option value=(category.id) selected[is(category)] { (category.name) }
                    }
                }
            } @else {
                @for (category, channels) in self.grouped() {
                    @let offered: Vec<_> = channels.into_iter().filter(|channel| filter.admits(channel.kind)).collect();
                    @if !offered.is_empty() {
                        optgroup label=(category.map_or("No category", |category| category.name.as_str())) {
                            @for channel in offered {
                                option value=(channel.id) selected[is(channel)] { (channel_label(channel)) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// A several-channels picker: checkboxes under each category's heading.
    pub fn channels(
        &self,
        name: &str,
        dom_id: &str,
        filter: ChannelFilter,
        selected: &[String],
    ) -> Markup {
        if self.channels.is_none() {
            return typed_list(name, dom_id, selected, "channel ids", &self.typed_names);
        }
        let is = |channel: &ChannelChoice| {
            selected
                .iter()
                .any(|id| id.trim() == channel.id.to_string())
        };
        let unknown: Vec<&String> = selected
            .iter()
            .filter(|id| self.channel_name(id).is_none())
            .collect();
        html! {
            div.picker.checklist id=(dom_id) role="group" {
                @for (category, channels) in self.grouped() {
                    @let offered: Vec<_> = channels.into_iter().filter(|channel| filter.admits(channel.kind)).collect();
                    @let category_offered = category.filter(|category| filter.admits(category.kind));
                    @if !offered.is_empty() || category_offered.is_some() {
                        div.group {
                            @if let Some(category) = category_offered {
                                label.heading { input type="checkbox" name=(name) value=(category.id) checked[is(category)]; " " (category.name) " " small.muted { "(whole category)" } }
                            } @else {
                                span.heading { (category.map_or("No category", |category| category.name.as_str())) }
                            }
                            @for channel in offered {
                                label { input type="checkbox" name=(name) value=(channel.id) checked[is(channel)]; " " (channel_label(channel)) }
                            }
                        }
                    }
                }
                @for id in unknown {
                    label { input type="checkbox" name=(name) value=(id) checked; " unknown channel " span.id { (id) } }
                }
            }
            (typed_fallback(name, TYPED_MANY, "channel ids, separated by commas"))
        }
    }

    /// A one-role picker: a select of the roles, highest first, each in its colour. With
    /// `to_give`, roles the bot cannot hand out are disabled and say why.
    pub fn role(
        &self,
        name: &str,
        dom_id: &str,
        selected: &str,
        none: Option<&str>,
        to_give: bool,
    ) -> Markup {
        let selected = selected.trim();
        let Some(roles) = &self.roles else {
            return typed_only(
                name,
                dom_id,
                selected,
                "a role id",
                none.is_none(),
                self.typed_names.get(selected),
            );
        };
        let known = self.role_name(selected).is_some();
        html! {
            select.picker.role-picker id=(dom_id) name=(name) required[none.is_none()] {
                @if let Some(none) = none {
                    option value="" selected[selected.is_empty()] { (none) }
                } @else if selected.is_empty() {
                    option value="" selected disabled { "Pick a role…" }
                }
                @for role in roles {
                    @let blocked = role.blocked.as_deref().filter(|_| to_give);
                    @let value = role.id.to_string();
                    option value=(value) selected[value == selected] disabled[blocked.is_some() && value != selected]
                        style=[colour_style(role.colour)] title=[blocked] {
                        "@" (role.name)
                        @if let Some(reason) = blocked { " — " (short_reason(reason)) }
                    }
                }
                @if !selected.is_empty() && !known {
                    option value=(selected) selected { "unknown role " (selected) }
                }
            }
            (typed_fallback(name, TYPED_ONE, "a role id"))
        }
    }

    /// A several-roles picker: a checkbox per role with its colour, highest first. With
    /// `to_give`, roles the bot cannot hand out are disabled (unless already picked) with the
    /// reason beside them.
    pub fn roles(&self, name: &str, dom_id: &str, selected: &[String], to_give: bool) -> Markup {
        let Some(roles) = &self.roles else {
            return typed_list(name, dom_id, selected, "role ids", &self.typed_names);
        };
        let is = |role: &RoleChoice| selected.iter().any(|id| id.trim() == role.id.to_string());
        let unknown: Vec<&String> = selected
            .iter()
            .filter(|id| self.role_name(id).is_none())
            .collect();
        html! {
            div.picker.checklist.roles id=(dom_id) role="group" {
                @for role in roles {
                    @let blocked = role.blocked.as_deref().filter(|_| to_give);
                    @let picked = is(role);
                    label.disabled[blocked.is_some() && !picked] title=[blocked] {
                        input type="checkbox" name=(name) value=(role.id) checked[picked] disabled[blocked.is_some() && !picked];
                        " " span.swatch style=[swatch_style(role.colour)] {} "@" (role.name)
                        @if let Some(reason) = blocked { " " small.muted { (short_reason(reason)) } }
                    }
                }
                @for id in unknown {
                    label { input type="checkbox" name=(name) value=(id) checked; " unknown role " span.id { (id) } }
                }
            }
            (typed_fallback(name, TYPED_MANY, "role ids, separated by commas"))
        }
    }

    /// A one-member picker: the member picked (by name) and a search box whose results
    /// (members the bot has seen, by name) replace the choices below it.
    pub fn member(&self, name: &str, dom_id: &str, selected: &str, optional: bool) -> Markup {
        let selected = selected.trim();
        let current = selected.parse::<UserId>().ok().map(|id| MemberChoice {
            id,
            name: self.members.get(&id).cloned(),
        });
        let search = routes::guild_member_search(self.guild, name, false);
        html! {
            div.picker.member-picker id=(dom_id) {
                input type="search" name=(format!("{SEARCH}{name}")) placeholder="Search members by name"
                    aria-label="Search members by name" autocomplete="off"
                    hx-get=(search) hx-trigger="input changed delay:250ms, search"
                    hx-target=(format!("#{dom_id}-results")) hx-swap="innerHTML";
                div.choices id=(format!("{dom_id}-results")) role="radiogroup" {
                    (member_choices(name, current.as_ref(), &[], optional, None))
                }
            }
            (typed_fallback(name, TYPED_ONE, "a member id"))
        }
    }

    /// A several-members picker: the members picked (checked, by name), and a search box whose
    /// results (members the bot has seen) are offered below them to tick.
    pub fn members(&self, name: &str, dom_id: &str, selected: &[String]) -> Markup {
        let picked: Vec<MemberChoice> = selected
            .iter()
            .filter_map(|id| id.trim().parse::<UserId>().ok())
            .map(|id| MemberChoice {
                id,
                name: self.members.get(&id).cloned(),
            })
            .collect();
        let search = routes::guild_member_search(self.guild, name, true);
        html! {
            div.picker.member-picker id=(dom_id) {
                div.choices {
                    @for member in &picked {
                        label { input type="checkbox" name=(name) value=(member.id) checked; " " (member_label(member)) }
                    }
                }
                input type="search" name=(format!("{SEARCH}{name}")) placeholder="Add members: search by name"
                    aria-label="Search members by name" autocomplete="off"
                    hx-get=(search) hx-trigger="input changed delay:250ms, search"
                    hx-target=(format!("#{dom_id}-results")) hx-swap="innerHTML";
                div.choices id=(format!("{dom_id}-results")) {}
            }
            (typed_fallback(name, TYPED_MANY, "member ids, separated by commas"))
        }
    }
}

/// The checkboxes a several-members search offers (members already picked are left out: they
/// are ticked above the search).
pub fn member_checkboxes(name: &str, found: &[MemberChoice], query: &str) -> Markup {
    html! {
        @for member in found {
            label { input type="checkbox" name=(name) value=(member.id); " " (member_label(member)) }
        }
        @if found.is_empty() && !query.trim().is_empty() {
            (nobody_named(query))
        }
    }
}

/// The radio buttons of a member picker: the member picked, then what a search found.
pub fn member_choices(
    name: &str,
    current: Option<&MemberChoice>,
    found: &[MemberChoice],
    optional: bool,
    query: Option<&str>,
) -> Markup {
    html! {
        @if optional {
            label { input type="radio" name=(name) value="" checked[current.is_none()]; " nobody" }
        }
        @if let Some(member) = current {
            label { input type="radio" name=(name) value=(member.id) checked; " " (member_label(member)) }
        }
        @for member in found.iter().filter(|member| current.is_none_or(|current| current.id != member.id)) {
            label { input type="radio" name=(name) value=(member.id); " " (member_label(member)) }
        }
        @if let Some(query) = query.filter(|query| !query.trim().is_empty()) {
            @if found.is_empty() {
                (nobody_named(query))
            }
        }
    }
}

/// What a search that found nobody says, and why it may have.
fn nobody_named(query: &str) -> Markup {
    html! {
        p.muted { "No member named “" (query) "” among those Guildhall has seen; Discord does not send a bot the whole member list, so type their id below instead." }
    }
}

fn member_label(member: &MemberChoice) -> Markup {
    html! {
        @match &member.name {
            Some(name) => { (name) " " span.id.muted { (member.id) } },
            None => { "member " span.id.muted { (member.id) } " " small.muted { "(name unknown)" } },
        }
    }
}

/// How a person reads a channel: `#general`, `🔊 Lounge`, `Support (category)`.
pub fn channel_label(channel: &ChannelChoice) -> String {
    match channel.kind {
        ChannelKind::Category => format!("{} (category)", channel.name),
        ChannelKind::Voice | ChannelKind::Stage => format!("🔊 {}", channel.name),
        _ => format!("#{}", channel.name),
    }
}

fn colour_style(colour: u32) -> Option<String> {
    (colour != 0).then(|| format!("color: #{colour:06x}"))
}

fn swatch_style(colour: u32) -> Option<String> {
    (colour != 0).then(|| format!("background: #{colour:06x}"))
}

/// The first clause of a refusal, short enough for an option.
fn short_reason(reason: &str) -> &str {
    let first = reason.split_once(';').map_or(reason, |(first, _)| first);
    first
        .split_once(": ")
        .map_or(first, |(_, why)| why)
        .trim_end_matches('.')
}

/// "Type an id instead": a text box read back by `PickedForm` in place of (one) or besides
/// (many) the picked values.
fn typed_fallback(name: &str, prefix: &str, what: &str) -> Markup {
    html! {
        details.typed {
            summary { "Type an id instead" }
            input type="text" inputmode="numeric" name=(format!("{prefix}{name}")) placeholder=(what) aria-label=(format!("{what} for {name}"));
        }
    }
}

/// The field when the guild's model is unknown: the id typed, with its name when the page knows
/// it.
fn typed_only(
    name: &str,
    dom_id: &str,
    value: &str,
    what: &str,
    required: bool,
    known: Option<&String>,
) -> Markup {
    html! {
        input.picker id=(dom_id) type="text" inputmode="numeric" name=(name) value=(value)
            placeholder=(what) required[required];
        @if let Some(name) = known { " " span.name { (name) } }
        " " small.muted { "(the server's channels and roles are not known yet: the bot has not described it)" }
    }
}

fn typed_list(
    name: &str,
    dom_id: &str,
    selected: &[String],
    what: &str,
    known: &HashMap<String, String>,
) -> Markup {
    let named: Vec<&String> = selected.iter().filter_map(|id| known.get(id)).collect();
    html! {
        input.picker id=(dom_id) type="text" name=(name) value=(selected.join(", "))
            placeholder=(format!("{what}, separated by commas"));
        @if !named.is_empty() {
            " " span.name { @for (index, name) in named.iter().enumerate() { @if index > 0 { ", " } (name) } }
        }
        " " small.muted { "(the server's channels and roles are not known yet: the bot has not described it)" }
    }
}

/// Common emojis with the words they are found by, for [`emoji_list`].
const EMOJIS: &[(&str, &str)] = &[
    ("🎮", "video game gaming"),
    ("🎨", "art palette artist"),
    ("🎵", "music note"),
    ("🎧", "headphones music"),
    ("📚", "books reading"),
    ("💻", "laptop computer code"),
    ("🧪", "test tube science"),
    ("📢", "loudspeaker announcements"),
    ("🔔", "bell notifications"),
    ("🔕", "no bell mute"),
    ("🎉", "party popper celebration events"),
    ("🎁", "gift giveaway"),
    ("🏆", "trophy winner"),
    ("⭐", "star"),
    ("❤️", "red heart"),
    ("💙", "blue heart"),
    ("💚", "green heart"),
    ("💛", "yellow heart"),
    ("💜", "purple heart"),
    ("🖤", "black heart"),
    ("🔴", "red circle"),
    ("🟠", "orange circle"),
    ("🟡", "yellow circle"),
    ("🟢", "green circle"),
    ("🔵", "blue circle"),
    ("🟣", "purple circle"),
    ("⚫", "black circle"),
    ("⚪", "white circle"),
    ("✅", "check mark yes verified"),
    ("❌", "cross no"),
    ("👍", "thumbs up"),
    ("👋", "waving hand welcome"),
    ("🙋", "raising hand"),
    ("🤝", "handshake partner"),
    ("🛡️", "shield moderator"),
    ("⚔️", "swords pvp"),
    ("🏳️‍🌈", "rainbow flag pride"),
    ("🌍", "globe world region europe africa"),
    ("🌎", "globe americas region"),
    ("🌏", "globe asia region"),
    ("🇬🇧", "flag united kingdom english"),
    ("🇺🇸", "flag united states"),
    ("🇫🇷", "flag france french"),
    ("🇩🇪", "flag germany german"),
    ("🇪🇸", "flag spain spanish"),
    ("🇯🇵", "flag japan japanese"),
    ("♂️", "male sign he him"),
    ("♀️", "female sign she her"),
    ("⚧️", "transgender symbol they them"),
    ("🐶", "dog"),
    ("🐱", "cat"),
    ("🍕", "pizza food"),
    ("☕", "coffee"),
    ("⚽", "football soccer sport"),
    ("🏀", "basketball sport"),
    ("📷", "camera photo"),
    ("🎬", "clapper film movies"),
    ("📺", "television tv streams"),
    ("🎙️", "microphone podcast"),
    ("🕹️", "joystick retro"),
    ("🧩", "puzzle"),
    ("🔞", "no one under eighteen nsfw"),
    ("1️⃣", "keycap one"),
    ("2️⃣", "keycap two"),
    ("3️⃣", "keycap three"),
];

/// The id of the emoji suggestions list.
pub const EMOJI_LIST: &str = "emoji-suggestions";

impl Pickers {
    /// The emoji suggestions an [`emoji_input`] offers (once per page): the server's own
    /// emojis (as Discord writes them, `<:name:id>`, found by `:name:`), then common Unicode
    /// emojis found by name as one types (`game` finds 🎮).
    pub fn emoji_list(&self) -> Markup {
        html! {
            datalist id=(EMOJI_LIST) {
                @for emoji in &self.emojis {
                    option value=(format!("<{}:{}:{}>", if emoji.animated { "a" } else { "" }, emoji.name, emoji.id)) {
                        ":" (emoji.name) ": (this server)"
                    }
                }
                @for (emoji, words) in EMOJIS {
                    option value=(emoji) { (words) }
                }
            }
        }
    }
}

/// An emoji field: one Unicode emoji or one of the server's, picked from the suggestions by
/// name or typed (the page includes [`Pickers::emoji_list`] once).
pub fn emoji_input(name: &str, value: &str, label: &str) -> Markup {
    html! {
        input.emoji type="text" name=(name) value=(value) maxlength="32" list=(EMOJI_LIST)
            placeholder="🎮 or a word, :name:" aria-label=(label) autocomplete="off";
    }
}

//! Creating, editing and deleting role panels, and the message that shows one.

use std::time::Duration;

use super::components::RoleComponent;
use super::guild_roles::GuildRoles;
use super::manage::RoleAuthority;
use super::model::{PanelChoice, PanelContent, PanelId, PanelOption, PanelStyle, RolePanel};
use super::service::{RoleError, RoleService};
use super::settings::RoleSettings;
use super::store::{self, NewPanel};
use crate::effect::{
    ButtonStyle, Component, ComponentRow, Effect, Embed, OutgoingMessage, SelectOption,
};
use crate::eligibility::{RoleNames, spoken_duration};
use crate::ids::{ChannelId, GuildId, MessageId, UserId};

/// The most roles on one panel (Discord's limit for a select menu, and 5 rows of 5 buttons).
pub const MAX_OPTIONS: usize = 25;
/// The longest panel title (Discord's embed title limit).
pub const MAX_TITLE: usize = 256;
/// The longest panel description.
pub const MAX_DESCRIPTION: usize = 2_000;
/// The longest button label, emoji included (Discord's limit).
pub const MAX_BUTTON_LABEL: usize = 80;
/// The longest select-menu entry label, emoji included (Discord's limit).
pub const MAX_SELECT_LABEL: usize = 100;
/// The longest select-menu entry description (Discord's limit).
pub const MAX_OPTION_DESCRIPTION: usize = 100;
/// The longest emoji text.
pub const MAX_EMOJI: usize = 60;
/// Buttons per row (Discord's limit).
const BUTTONS_PER_ROW: usize = 5;

/// What a staff member asks for when creating a panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelRequest {
    /// The guild.
    pub guild: GuildId,
    /// Where to post it.
    pub channel: ChannelId,
    /// What it shows and offers.
    pub content: PanelContent,
    /// Who creates it.
    pub created_by: UserId,
}

/// What a staff member asks for when editing a panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelEdit {
    /// The guild.
    pub guild: GuildId,
    /// The panel.
    pub panel: PanelId,
    /// Its new content, replacing all of the old.
    pub content: PanelContent,
    /// Who edits it.
    pub editor: UserId,
}

/// A created panel and the post that shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedPanel {
    /// The panel.
    pub panel: RolePanel,
    /// [`Effect::SendMessage`] of the panel message; report the posted message's id with
    /// [`RoleService::record_panel_message`].
    pub post: Effect,
}

/// An edited panel and the edit of its posted message.
#[derive(Debug, Clone, PartialEq)]
pub struct EditedPanel {
    /// The panel as it is now.
    pub panel: RolePanel,
    /// [`Effect::EditMessage`] of the posted message; `None` when its message was never
    /// recorded.
    pub edit: Option<Effect>,
}

/// A deleted panel and the deletion of its posted message.
#[derive(Debug, Clone, PartialEq)]
pub struct DeletedPanel {
    /// The panel as it was.
    pub panel: RolePanel,
    /// [`Effect::DeleteMessage`] of the posted message; `None` when it was never recorded.
    pub delete: Option<Effect>,
}

impl RoleService {
    /// Creates a panel and returns its message. Every role is checked first: the bot must be
    /// able to give it, and the creator to hand it out; a refusal names the role and the fix,
    /// is stored, and nothing is created.
    ///
    /// # Errors
    /// [`RoleError::Invalid`] for content Discord or the settings do not accept;
    /// [`RoleError::Refused`]; storage errors.
    pub async fn create_panel(
        &self,
        settings: &RoleSettings,
        request: PanelRequest,
        authority: &RoleAuthority<'_>,
        names: &(dyn RoleNames + Sync),
    ) -> Result<CreatedPanel, RoleError> {
        let content = checked_content(settings, request.content)?;
        self.gate_panel(request.guild, &content, true).await?;
        self.authorize(
            request.guild,
            request.created_by,
            "rolepanel.create",
            &content,
            authority,
            names,
        )
        .await?;
        let panel = store::create_panel(
            &self.db,
            &NewPanel {
                guild: request.guild,
                channel: request.channel,
                content,
                created_by: request.created_by,
                created_at: self.clock.now(),
            },
        )
        .await?;
        let post = Effect::SendMessage {
            channel: panel.channel,
            message: panel_message(&panel, names),
        };
        Ok(CreatedPanel { panel, post })
    }

    /// Creates a panel for a staff member outside Discord (the dashboard): checked like
    /// [`RoleService::create_panel`] where `roles` knows the guild and the bot, otherwise
    /// against the limits alone (the bot checks every role again at every click). The post is
    /// left to the caller (the `roles.post_panel` job).
    ///
    /// # Errors
    /// As [`RoleService::create_panel`].
    pub async fn create_panel_for(
        &self,
        settings: &RoleSettings,
        request: PanelRequest,
        roles: &GuildRoles,
    ) -> Result<RolePanel, RoleError> {
        if let Some(authority) = roles.authority() {
            return self
                .create_panel(settings, request, &authority, &roles.names)
                .await
                .map(|created| created.panel);
        }
        let content = checked_content(settings, request.content)?;
        self.gate_panel(request.guild, &content, true).await?;
        Ok(store::create_panel(
            &self.db,
            &NewPanel {
                guild: request.guild,
                channel: request.channel,
                content,
                created_by: request.created_by,
                created_at: self.clock.now(),
            },
        )
        .await?)
    }

    /// Edits a panel for a staff member outside Discord: checked like
    /// [`RoleService::edit_panel`] where `roles` knows the guild and the bot, otherwise against
    /// the limits alone.
    ///
    /// # Errors
    /// As [`RoleService::edit_panel`].
    pub async fn edit_panel_for(
        &self,
        settings: &RoleSettings,
        edit: PanelEdit,
        roles: &GuildRoles,
    ) -> Result<EditedPanel, RoleError> {
        if let Some(authority) = roles.authority() {
            return self
                .edit_panel(settings, edit, &authority, &roles.names)
                .await;
        }
        let content = checked_content(settings, edit.content)?;
        self.gate_panel(edit.guild, &content, false).await?;
        let panel =
            store::update_panel(&self.db, edit.guild, edit.panel, &content, self.clock.now())
                .await?
                .ok_or(RoleError::NoSuchPanel(edit.panel))?;
        let edit = panel.message.map(|message_id| Effect::EditMessage {
            channel: panel.channel,
            message_id,
            message: panel_message(&panel, &crate::eligibility::RoleMentions),
        });
        Ok(EditedPanel { panel, edit })
    }

    /// Premium's part of a panel: a timed panel needs timed roles, and a new panel must fit the
    /// tier's limit. Checked before anything is written.
    async fn gate_panel(
        &self,
        guild: GuildId,
        content: &PanelContent,
        creating: bool,
    ) -> Result<(), RoleError> {
        if content.timed.is_some() {
            self.require_timed(guild)?;
        }
        if creating {
            self.check_panel_limit(guild).await?;
        }
        Ok(())
    }

    /// Records the message the bot posted for a panel.
    ///
    /// # Errors
    /// [`RoleError::NoSuchPanel`]; storage errors.
    pub async fn record_panel_message(
        &self,
        guild: GuildId,
        panel: PanelId,
        message: MessageId,
    ) -> Result<RolePanel, RoleError> {
        store::set_panel_message(&self.db, guild, panel, message)
            .await?
            .ok_or(RoleError::NoSuchPanel(panel))
    }

    /// Replaces a panel's content, checked like a new panel's, and returns the edit of its
    /// posted message, so members see the change where they click.
    ///
    /// # Errors
    /// [`RoleError::Invalid`]; [`RoleError::Refused`]; [`RoleError::NoSuchPanel`]; storage
    /// errors.
    pub async fn edit_panel(
        &self,
        settings: &RoleSettings,
        edit: PanelEdit,
        authority: &RoleAuthority<'_>,
        names: &(dyn RoleNames + Sync),
    ) -> Result<EditedPanel, RoleError> {
        let PanelEdit {
            guild,
            panel: id,
            content,
            editor,
        } = edit;
        let content = checked_content(settings, content)?;
        self.gate_panel(guild, &content, false).await?;
        self.authorize(guild, editor, "rolepanel.edit", &content, authority, names)
            .await?;
        let panel = store::update_panel(&self.db, guild, id, &content, self.clock.now())
            .await?
            .ok_or(RoleError::NoSuchPanel(id))?;
        let edit = panel.message.map(|message_id| Effect::EditMessage {
            channel: panel.channel,
            message_id,
            message: panel_message(&panel, names),
        });
        Ok(EditedPanel { panel, edit })
    }

    /// Deletes a panel and returns the deletion of its posted message. Timed roles taken from
    /// it keep running until they end.
    ///
    /// # Errors
    /// [`RoleError::NoSuchPanel`]; storage errors.
    pub async fn delete_panel(
        &self,
        guild: GuildId,
        id: PanelId,
    ) -> Result<DeletedPanel, RoleError> {
        let panel = store::delete_panel(&self.db, guild, id)
            .await?
            .ok_or(RoleError::NoSuchPanel(id))?;
        let delete = panel.message.map(|message_id| Effect::DeleteMessage {
            channel: panel.channel,
            message_id,
            reason: Some(format!("role panel #{} deleted", panel.id)),
        });
        Ok(DeletedPanel { panel, delete })
    }

    /// A guild's panel.
    ///
    /// # Errors
    /// [`RoleError::NoSuchPanel`]; storage errors.
    pub async fn panel(&self, guild: GuildId, id: PanelId) -> Result<RolePanel, RoleError> {
        store::get_panel(&self.db, guild, id)
            .await?
            .ok_or(RoleError::NoSuchPanel(id))
    }

    /// A guild's panels, oldest first.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn panels(&self, guild: GuildId) -> Result<Vec<RolePanel>, RoleError> {
        Ok(store::list_panels(&self.db, guild).await?)
    }

    async fn authorize(
        &self,
        guild: GuildId,
        invoker: UserId,
        action: &str,
        content: &PanelContent,
        authority: &RoleAuthority<'_>,
        names: &(dyn RoleNames + Sync),
    ) -> Result<(), RoleError> {
        let now = self.clock.now();
        let problem = content
            .options
            .iter()
            .find_map(|option| authority.check(option.role, now).err());
        match problem {
            Some(problem) => Err(self
                .refuse(guild, invoker, None, action, &problem, names)
                .await),
            None => Ok(()),
        }
    }
}

/// The content trimmed and checked against Discord's limits and the guild's settings.
///
/// # Errors
/// [`RoleError::Invalid`] naming the field and what is accepted.
pub fn checked_content(
    settings: &RoleSettings,
    content: PanelContent,
) -> Result<PanelContent, RoleError> {
    let title = bounded("title", &content.title, MAX_TITLE, false)?;
    let description = bounded("description", &content.description, MAX_DESCRIPTION, true)?;
    if content.options.is_empty() || content.options.len() > MAX_OPTIONS {
        return Err(RoleError::Invalid(format!(
            "a role panel offers 1 to {MAX_OPTIONS} roles, got {}",
            content.options.len()
        )));
    }
    let label_limit = match content.style {
        PanelStyle::Buttons => MAX_BUTTON_LABEL,
        PanelStyle::Select => MAX_SELECT_LABEL,
    };
    let mut options: Vec<PanelOption> = Vec::with_capacity(content.options.len());
    for option in content.options {
        if options.iter().any(|seen| seen.role == option.role) {
            return Err(RoleError::Invalid(format!(
                "the role <@&{}> is on the panel twice; list each role once",
                option.role
            )));
        }
        let emoji = option
            .emoji
            .as_deref()
            .map(str::trim)
            .filter(|emoji| !emoji.is_empty())
            .map(|emoji| {
                crate::text::check_emoji("the panel's emoji", emoji).map_err(RoleError::Invalid)?;
                bounded("emoji", emoji, MAX_EMOJI, false)
            })
            .transpose()?;
        // A custom emoji is sent as the component's emoji, outside the label's length; a
        // Unicode one is part of the label.
        let room = label_limit.saturating_sub(emoji.as_ref().map_or(0, |e| {
            if crate::text::custom_emoji(e).is_some() {
                0
            } else {
                e.chars().count() + 1
            }
        }));
        let label = bounded("role label", &option.label, room, false)?;
        let description = option
            .description
            .as_deref()
            .map(|text| bounded("role description", text, MAX_OPTION_DESCRIPTION, true))
            .transpose()?
            .filter(|text| !text.is_empty());
        options.push(PanelOption {
            role: option.role,
            label,
            emoji,
            description,
        });
    }
    content.requirements.check().map_err(|error| {
        RoleError::Invalid(format!(
            "the panel's requirements.{} {}",
            error.field, error.message
        ))
    })?;
    if let Some(timed) = content.timed {
        check_duration(settings, timed, "roles from a timed panel")?;
    }
    Ok(PanelContent {
        title,
        description,
        options,
        ..content
    })
}

/// Checks a timed role's duration: at least a second, at most `roles.max_temp_role_days`.
///
/// # Errors
/// [`RoleError::Invalid`] saying what is accepted.
pub fn check_duration(
    settings: &RoleSettings,
    duration: Duration,
    what: &str,
) -> Result<(), RoleError> {
    let max = settings.max_temp_role();
    if duration < Duration::from_secs(1) {
        return Err(RoleError::Invalid(format!(
            "{what} must last at least 1 second"
        )));
    }
    if duration > max {
        return Err(RoleError::Invalid(format!(
            "{what} may last at most {} (roles.max_temp_role_days), got {}",
            spoken_duration(max),
            spoken_duration(duration)
        )));
    }
    Ok(())
}

fn bounded(what: &str, text: &str, max: usize, may_be_empty: bool) -> Result<String, RoleError> {
    let text = text.trim();
    // Descriptions are prose (several lines); titles, labels and emoji are names.
    let kind = if what.ends_with("description") {
        crate::text::TextKind::Prose
    } else {
        crate::text::TextKind::Name
    };
    crate::text::check(&format!("the panel's {what}"), text, kind)
        .map_err(|error| RoleError::Invalid(error.to_string()))?;
    let length = text.chars().count();
    if !may_be_empty && length == 0 {
        return Err(RoleError::Invalid(format!(
            "the panel's {what} must not be empty"
        )));
    }
    if length > max {
        return Err(RoleError::Invalid(format!(
            "the panel's {what} must be at most {max} characters, got {length}"
        )));
    }
    Ok(text.to_owned())
}

/// An option's visible label: its emoji, then its label.
fn shown_label(option: &PanelOption) -> String {
    match &option.emoji {
        Some(emoji) => format!("{emoji} {}", option.label),
        None => option.label.clone(),
    }
}

/// The panel's message: an embed with its title, text, requirements and duration, and its
/// buttons (`roles:p:<panel>:<role>`, five to a row) or select menu (`roles:s:<panel>`, whose
/// values are role ids).
pub fn panel_message(panel: &RolePanel, names: &dyn RoleNames) -> OutgoingMessage {
    let mut paragraphs: Vec<String> = Vec::new();
    if !panel.description.is_empty() {
        paragraphs.push(panel.description.clone());
    }
    if let Some(summary) = panel.requirements.summary(names) {
        paragraphs.push(summary);
    }
    if let Some(timed) = panel.timed() {
        paragraphs.push(format!(
            "Roles from this panel last {}.",
            spoken_duration(timed)
        ));
    }
    let footer = match (panel.style, panel.choice) {
        (PanelStyle::Buttons, PanelChoice::Multiple) => {
            "Click a button to take its role; click it again to give it back."
        }
        (PanelStyle::Buttons, PanelChoice::Single) => {
            "Click a button to take its role; you can hold one of these roles at a time."
        }
        (PanelStyle::Select, PanelChoice::Multiple) => {
            "Choose every role you want; the ones you leave out are removed."
        }
        (PanelStyle::Select, PanelChoice::Single) => "Choose one role; choosing another swaps it.",
    };
    let components = match panel.style {
        PanelStyle::Buttons => panel
            .options
            .chunks(BUTTONS_PER_ROW)
            .map(|row| {
                ComponentRow(
                    row.iter()
                        .map(|option| Component::Button {
                            custom_id: RoleComponent::Button {
                                panel: panel.id,
                                role: option.role,
                            }
                            .custom_id(),
                            label: shown_label(option),
                            style: ButtonStyle::Secondary,
                            disabled: false,
                        })
                        .collect(),
                )
            })
            .collect(),
        PanelStyle::Select => vec![ComponentRow(vec![Component::Select {
            custom_id: RoleComponent::Select { panel: panel.id }.custom_id(),
            placeholder: Some(match panel.choice {
                PanelChoice::Single => "Choose a role".to_owned(),
                PanelChoice::Multiple => "Choose your roles".to_owned(),
            }),
            options: panel
                .options
                .iter()
                .map(|option| SelectOption {
                    label: shown_label(option),
                    value: option.role.to_string(),
                    description: option.description.clone(),
                })
                .collect(),
            min_values: 0,
            max_values: match panel.choice {
                PanelChoice::Single => 1,
                PanelChoice::Multiple => u8::try_from(panel.options.len()).unwrap_or(25),
            },
        }])],
    };
    OutgoingMessage {
        embeds: vec![Embed {
            title: Some(panel.title.clone()),
            description: (!paragraphs.is_empty()).then(|| paragraphs.join("\n\n")),
            color: Some(0x0058_65F2),
            footer: Some(footer.to_owned()),
            ..Embed::default()
        }],
        components,
        ..OutgoingMessage::default()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::clock::UnixMillis;
    use crate::eligibility::{Requirements, RoleMentions};
    use crate::ids::RoleId;

    fn content(style: PanelStyle, roles: usize) -> PanelContent {
        PanelContent {
            title: " Pick your pings ".into(),
            description: String::new(),
            style,
            choice: PanelChoice::Multiple,
            options: (1..=roles as u64)
                .map(|id| PanelOption::new(RoleId::new(id), format!("Role {id}")))
                .collect(),
            requirements: Requirements::default(),
            timed: None,
        }
    }

    fn panel(content: PanelContent) -> RolePanel {
        RolePanel {
            id: PanelId(7),
            guild: GuildId::new(1),
            channel: ChannelId::new(2),
            message: None,
            title: content.title,
            description: content.description,
            style: content.style,
            choice: content.choice,
            requirements: content.requirements,
            timed_secs: content.timed.map(|timed| timed.as_secs()),
            options: content.options,
            created_by: UserId::new(3),
            created_at: UnixMillis(0),
            updated_at: UnixMillis(0),
        }
    }

    fn invalid(edit: impl FnOnce(&mut PanelContent)) -> String {
        let mut content = content(PanelStyle::Buttons, 2);
        edit(&mut content);
        match checked_content(&RoleSettings::default(), content) {
            Err(RoleError::Invalid(message)) => message,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn content_is_trimmed_and_checked_against_discord_limits() {
        let checked =
            checked_content(&RoleSettings::default(), content(PanelStyle::Buttons, 2)).unwrap();
        assert_eq!(checked.title, "Pick your pings");
        type Case = (fn(&mut PanelContent), &'static str);
        let cases: [Case; 8] = [
            (|c| c.title = "  ".into(), "title must not be empty"),
            (|c| c.options.clear(), "offers 1 to 25 roles, got 0"),
            (
                |c| c.options = content(PanelStyle::Buttons, 26).options,
                "got 26",
            ),
            (
                |c| c.options[1].role = c.options[0].role,
                "<@&1> is on the panel twice",
            ),
            (
                |c| c.options[0].label = "x".repeat(81),
                "at most 80 characters",
            ),
            (
                |c| {
                    c.options[0].label = "x".repeat(79);
                    c.options[0].emoji = Some("🎮".into());
                },
                "at most 78 characters",
            ),
            (
                |c| c.timed = Some(Duration::from_secs(400 * 86_400)),
                "at most 1 year (roles.max_temp_role_days), got 1 year 35 days",
            ),
            (
                |c| c.requirements.any_roles = vec![RoleId::new(9), RoleId::new(9)],
                "requirements.any_roles must not list role 9 twice",
            ),
        ];
        for (edit, fragment) in cases {
            let message = invalid(edit);
            assert!(message.contains(fragment), "{fragment}: {message}");
        }
        let mut select = content(PanelStyle::Select, 1);
        select.options[0].label = "x".repeat(100);
        assert!(checked_content(&RoleSettings::default(), select).is_ok());
    }

    #[test]
    fn buttons_come_five_to_a_row_with_their_custom_ids() {
        let mut content = content(PanelStyle::Buttons, 7);
        content.options[0].emoji = Some("🎮".into());
        content.timed = Some(Duration::from_secs(7 * 86_400));
        content.requirements.min_level = Some(5);
        let message = panel_message(&panel(content), &RoleMentions);
        assert_eq!(message.components.len(), 2);
        assert_eq!(message.components[0].0.len(), 5);
        let Component::Button {
            custom_id, label, ..
        } = &message.components[0].0[0]
        else {
            panic!("a button");
        };
        assert_eq!(custom_id, "roles:p:7:1");
        assert_eq!(label, "🎮 Role 1");
        let description = message.embeds[0].description.clone().unwrap();
        assert!(description.contains("Requires level 5+"), "{description}");
        assert!(description.contains("last 7 days"), "{description}");
    }

    #[test]
    fn a_select_menu_offers_role_ids_as_values() {
        let mut content = content(PanelStyle::Select, 3);
        content.choice = PanelChoice::Single;
        content.requirements.any_roles = vec![RoleId::new(50)];
        let names: HashMap<RoleId, String> = [(RoleId::new(50), "Verified".to_owned())].into();
        let message = panel_message(&panel(content), &names);
        let Component::Select {
            custom_id,
            options,
            min_values,
            max_values,
            ..
        } = &message.components[0].0[0]
        else {
            panic!("a select");
        };
        assert_eq!(custom_id, "roles:s:7");
        assert_eq!((*min_values, *max_values), (0, 1));
        assert_eq!(options[2].value, "3");
        assert_eq!(
            message.embeds[0].description.as_deref(),
            Some("Requires @Verified")
        );
    }
}

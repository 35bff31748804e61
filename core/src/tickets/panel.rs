//! Creating a panel and the message that shows it.

use super::buttons::TicketButton;
use super::model::{Panel, PanelId};
use super::service::{TicketError, TicketService};
use super::settings::TicketSettings;
use super::store::{self, NewPanel};
use crate::effect::{ButtonStyle, Component, ComponentRow, Effect, Embed, OutgoingMessage};
use crate::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};

/// The longest panel title (Discord's embed title limit).
pub const MAX_TITLE: usize = 256;
/// The longest panel description.
pub const MAX_DESCRIPTION: usize = 2_000;
/// The longest button label (Discord's limit).
pub const MAX_BUTTON_LABEL: usize = 80;

/// What a staff member asks for when creating a panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelRequest {
    /// The guild.
    pub guild: GuildId,
    /// Where to post it.
    pub channel: ChannelId,
    /// The embed's title.
    pub title: String,
    /// The embed's text.
    pub description: String,
    /// The button's label; "Open a ticket" when empty.
    pub button_label: String,
    /// Staff roles for this panel; the guild's `tickets.staff_roles` when empty.
    pub staff_roles: Vec<RoleId>,
    /// Who creates it.
    pub created_by: UserId,
}

/// A created panel and the post that shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedPanel {
    /// The panel.
    pub panel: Panel,
    /// [`Effect::SendMessage`] of the panel message; report the posted message's id with
    /// [`TicketService::record_panel_message`].
    pub post: Effect,
}

impl TicketService {
    /// Creates a panel with the guild's ticket mode and returns its message, whose button is
    /// `tickets:open:<panel id>`.
    ///
    /// # Errors
    /// [`TicketError::Invalid`] for an empty or overlong title, description or label, or channel
    /// mode without a category; storage errors.
    pub async fn create_panel(
        &self,
        settings: &TicketSettings,
        request: PanelRequest,
    ) -> Result<CreatedPanel, TicketError> {
        settings.check().map_err(|error| {
            TicketError::Invalid(format!("tickets.{} {}", error.field, error.message))
        })?;
        let title = bounded("title", &request.title, MAX_TITLE, false)?;
        let description = bounded("description", &request.description, MAX_DESCRIPTION, true)?;
        let mut button_label = bounded(
            "button label",
            &request.button_label,
            MAX_BUTTON_LABEL,
            true,
        )?;
        if button_label.is_empty() {
            "Open a ticket".clone_into(&mut button_label);
        }
        let staff_roles = if request.staff_roles.is_empty() {
            settings.staff_roles.clone()
        } else {
            request.staff_roles
        };
        let panel = store::create_panel(
            &self.db,
            &NewPanel {
                guild: request.guild,
                channel: request.channel,
                title,
                description,
                button_label,
                staff_roles,
                mode: settings.mode,
                category: settings.category,
                created_by: request.created_by,
                created_at: self.clock.now(),
            },
        )
        .await?;
        let post = Effect::SendMessage {
            channel: panel.channel,
            message: panel_message(&panel),
        };
        Ok(CreatedPanel { panel, post })
    }

    /// Records the message the bot posted for a panel.
    ///
    /// # Errors
    /// [`TicketError::NoSuchPanel`]; storage errors.
    pub async fn record_panel_message(
        &self,
        guild: GuildId,
        panel: PanelId,
        message: MessageId,
    ) -> Result<Panel, TicketError> {
        store::set_panel_message(&self.db, guild, panel, message)
            .await?
            .ok_or(TicketError::NoSuchPanel)
    }
}

/// The panel's message: an embed with its title and text, and the open button.
pub fn panel_message(panel: &Panel) -> OutgoingMessage {
    OutgoingMessage {
        embeds: vec![Embed {
            title: Some(panel.title.clone()),
            description: (!panel.description.is_empty()).then(|| panel.description.clone()),
            color: Some(0x0058_65F2),
            ..Embed::default()
        }],
        components: vec![ComponentRow(vec![Component::Button {
            custom_id: TicketButton::Open(panel.id).custom_id(),
            label: panel.button_label.clone(),
            style: ButtonStyle::Primary,
            disabled: false,
        }])],
        ..OutgoingMessage::default()
    }
}

fn bounded(what: &str, text: &str, max: usize, may_be_empty: bool) -> Result<String, TicketError> {
    let text = text.trim();
    // Descriptions are prose (several lines); titles, labels and emoji are names.
    let kind = if what.ends_with("description") {
        crate::text::TextKind::Prose
    } else {
        crate::text::TextKind::Name
    };
    crate::text::check(&format!("the panel's {what}"), text, kind)
        .map_err(|error| TicketError::Invalid(error.to_string()))?;
    let length = text.chars().count();
    if !may_be_empty && length == 0 {
        return Err(TicketError::Invalid(format!(
            "the panel's {what} must not be empty"
        )));
    }
    if length > max {
        return Err(TicketError::Invalid(format!(
            "the panel's {what} must be at most {max} characters, got {length}"
        )));
    }
    Ok(text.to_owned())
}

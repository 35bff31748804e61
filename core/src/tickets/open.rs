//! Opening a ticket from a panel's button, and attaching the thread or channel the bot created.

use super::buttons::TicketButton;
use super::channel::{create_ticket_channel, uses_channels};
use super::model::{Panel, PanelId, Ticket, TicketId};
use super::service::{TicketError, TicketService};
use super::settings::TicketSettings;
use super::store::{self, Opened};
use crate::effect::{
    AllowedMentions, ButtonStyle, Component, ComponentRow, Effect, OutgoingMessage,
};
use crate::ids::{ChannelId, GuildId, RoleId, UserId};

/// How the bot creates a ticket's conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum TicketChannelPlan {
    /// Perform this [`Effect::CreateThread`] (private, inviting the opener).
    Thread(Effect),
    /// Create a private channel in `category` that only the opener, the staff roles and the
    /// bot can see: [`OpenedTicket::create_effect`] turns this into an
    /// [`Effect::CreateChannel`] once the bot's own id is known.
    Channel {
        /// The category.
        category: ChannelId,
        /// The channel's name, e.g. `ticket-0007`.
        name: String,
        /// The member who opened the ticket.
        opener: UserId,
        /// The staff roles.
        staff_roles: Vec<RoleId>,
    },
}

/// A newly opened ticket: create its conversation, call
/// [`TicketService::attach_channel`] with the new channel's id, then post the welcome.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedTicket {
    /// The ticket (without a channel yet).
    pub ticket: Ticket,
    /// How to create its thread or channel.
    pub create: TicketChannelPlan,
    /// The welcome message with the Claim and Close buttons (also returned by
    /// [`TicketService::attach_channel`] as an effect).
    pub welcome: OutgoingMessage,
}

impl OpenedTicket {
    /// The effect that creates the ticket's conversation: the private thread, or the private
    /// channel in its category with overwrites that let only the opener, the staff roles and
    /// `bot` (the bot's own user, which must keep access to post there) see it.
    pub fn create_effect(&self, bot: UserId) -> Effect {
        match &self.create {
            TicketChannelPlan::Thread(effect) => effect.clone(),
            TicketChannelPlan::Channel {
                category,
                name,
                staff_roles,
                ..
            } => create_ticket_channel(&self.ticket, *category, name, staff_roles, bot),
        }
    }
}

impl TicketService {
    /// Opens a ticket on a panel for a member (the panel's button, `tickets:open:<panel id>`):
    /// checks one open ticket per member per panel, numbers it in the guild, and arms the
    /// inactivity timer.
    ///
    /// # Errors
    /// [`TicketError::NoSuchPanel`]; [`TicketError::AlreadyOpen`] when the member has an open
    /// ticket on the panel and the guild allows only one; storage and job errors.
    pub async fn open(
        &self,
        settings: &TicketSettings,
        guild: GuildId,
        panel: PanelId,
        opener: UserId,
        opener_name: &str,
    ) -> Result<OpenedTicket, TicketError> {
        let panel = self.panel(guild, panel).await?;
        let now = self.clock.now();
        let ticket = match store::open(
            &self.db,
            guild,
            panel.id,
            opener,
            settings.one_open_per_member,
            now,
        )
        .await?
        {
            Opened::New(ticket) => ticket,
            Opened::AlreadyOpen(existing) => {
                return Err(TicketError::AlreadyOpen {
                    number: existing.number,
                    channel: existing.channel,
                });
            }
        };
        self.arm_inactivity(settings, &ticket).await?;
        let name = channel_name(ticket.number, opener_name);
        let create = match panel.category {
            Some(category) if uses_channels(&panel) => TicketChannelPlan::Channel {
                category,
                name,
                opener,
                staff_roles: panel.staff_roles.clone(),
            },
            _ => TicketChannelPlan::Thread(Effect::CreateThread {
                channel: panel.channel,
                name,
                private: true,
                invite: vec![opener],
            }),
        };
        let welcome = welcome_message(&panel, &ticket);
        Ok(OpenedTicket {
            ticket,
            create,
            welcome,
        })
    }

    /// Takes back a ticket whose thread or channel Discord did not create: the record goes (its
    /// inactivity timer then finds nothing to do), so the member can open one again.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn abandon(&self, guild: GuildId, ticket: TicketId) -> Result<(), TicketError> {
        store::delete_unattached(&self.db, guild, ticket).await?;
        Ok(())
    }

    /// Takes back a panel Discord did not let the bot post, so no panel is listed that nobody
    /// can see.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn abandon_panel(&self, guild: GuildId, panel: PanelId) -> Result<(), TicketError> {
        store::delete_unposted_panel(&self.db, guild, panel).await?;
        Ok(())
    }

    /// Records the thread or channel the bot created for a ticket, so its messages are
    /// recorded, and returns the welcome post for it. Staff roles are mentioned in the welcome,
    /// which adds their members to a private thread.
    ///
    /// # Errors
    /// [`TicketError::NoSuchTicket`]; storage errors.
    pub async fn attach_channel(
        &self,
        guild: GuildId,
        ticket: TicketId,
        channel: ChannelId,
    ) -> Result<Effect, TicketError> {
        let ticket = store::set_channel(&self.db, guild, ticket, channel)
            .await?
            .ok_or(TicketError::NoSuchTicket)?;
        self.index_channel(guild, channel, ticket.id);
        let panel = self.panel(guild, ticket.panel).await?;
        Ok(Effect::SendMessage {
            channel,
            message: welcome_message(&panel, &ticket),
        })
    }
}

/// `ticket-0007-name`, within Discord's 100 characters.
fn channel_name(number: i64, opener_name: &str) -> String {
    let slug: String = opener_name
        .chars()
        .filter(|character| character.is_alphanumeric() || *character == '-' || *character == '_')
        .flat_map(char::to_lowercase)
        .take(80)
        .collect();
    if slug.is_empty() {
        format!("ticket-{number:04}")
    } else {
        format!("ticket-{number:04}-{slug}")
    }
}

/// The first message in a ticket: who opened it, the staff roles (mentioned, so a private
/// thread adds them), and the Claim and Close buttons.
pub fn welcome_message(panel: &Panel, ticket: &Ticket) -> OutgoingMessage {
    let staff: Vec<String> = panel
        .staff_roles
        .iter()
        .map(|role| format!("<@&{role}>"))
        .collect();
    let mut content = format!(
        "Ticket #{} opened by <@{}> from **{}**.",
        ticket.number, ticket.opener, panel.title
    );
    if !staff.is_empty() {
        content.push_str(&format!("\n{} will be with you soon.", staff.join(" ")));
    }
    content
        .push_str("\nDescribe what you need; everything here is kept in the ticket's transcript.");
    OutgoingMessage {
        content,
        components: vec![ComponentRow(vec![
            Component::Button {
                custom_id: TicketButton::Claim(ticket.id).custom_id(),
                label: "Claim".into(),
                style: ButtonStyle::Primary,
                disabled: false,
            },
            Component::Button {
                custom_id: TicketButton::Close(ticket.id).custom_id(),
                label: "Close".into(),
                style: ButtonStyle::Danger,
                disabled: false,
            },
        ])],
        allowed_mentions: AllowedMentions {
            users: vec![ticket.opener],
            roles: panel.staff_roles.clone(),
            everyone: false,
        },
        ..OutgoingMessage::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_are_slugs_within_limits() {
        assert_eq!(channel_name(7, "Ada Lovelace!"), "ticket-0007-adalovelace");
        assert_eq!(channel_name(12_345, "🙂"), "ticket-12345");
        assert!(channel_name(1, &"x".repeat(500)).chars().count() <= 100);
    }
}

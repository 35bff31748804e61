//! Tickets on Discord: the panel command, the panel and ticket buttons (`tickets:*` custom ids),
//! and transcript capture from the message path. The decisions and storage are
//! `guildhall_core::tickets`; this file only turns interactions into calls and performs the
//! effects that come back.

use guildhall_core::effect::{Effect, OutgoingMessage, created_id};
use guildhall_core::events::{GuildEvent, GuildMessage, MessageEdit};
use guildhall_core::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use guildhall_core::permissions::Permissions;
use guildhall_core::tickets::{
    IncomingMessage, PanelRequest, TicketButton, TicketChannelPlan, TicketError,
};
use serenity::all as discord;

use crate::commands::reply;
use crate::commands::targets::in_guild;
use crate::convert;
use crate::{BotData, BotError, Context};

impl From<TicketError> for BotError {
    fn from(error: TicketError) -> Self {
        Self::from_core(&error)
    }
}

/// Post a ticket panel in this channel: members open a private ticket thread with its button.
#[poise::command(slash_command, guild_only, default_member_permissions = "MANAGE_GUILD")]
pub async fn ticketpanel(
    ctx: Context<'_>,
    #[description = "The staff role that handles these tickets"] staff: discord::Role,
    #[description = "The panel's title"] title: Option<String>,
    #[description = "What the panel says"] description: Option<String>,
    #[description = "The button's label"] button: Option<String>,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    let data = ctx.data();
    let invoker = match ctx {
        poise::Context::Application(app) => {
            app.interaction.member.as_deref().map(convert::member_info)
        }
        poise::Context::Prefix(_) => None,
    }
    .ok_or_else(|| BotError::User("Use /ticketpanel as a slash command.".into()))?;
    let info = data
        .cache
        .guild_info(guild)
        .ok_or_else(|| BotError::Internal(format!("guild {guild} not received yet")))?;
    if !info
        .base_permissions(&invoker, data.clock.now())
        .contains(Permissions::MANAGE_GUILD)
    {
        return Err(BotError::Refused(
            guildhall_core::guards::Refusal::InvokerMissing {
                missing: Permissions::MANAGE_GUILD,
            },
            None,
        ));
    }
    let settings = data.config.get(guild).await?.tickets.clone();
    let created = data
        .tickets
        .create_panel(
            &settings,
            PanelRequest {
                guild,
                channel: convert::channel(ctx.channel_id()),
                title: title.unwrap_or_else(|| "Need help?".into()),
                description: description.unwrap_or_else(|| {
                    "Open a private ticket and our staff will answer you there.".into()
                }),
                button_label: button.unwrap_or_else(|| "Open a ticket".into()),
                staff_roles: vec![convert::role(staff.id)],
                created_by: convert::user(ctx.author().id),
            },
        )
        .await?;
    let posted = match data.executor.execute_for(Some(guild), &created.post).await {
        Ok(posted) => posted,
        Err(error) => {
            // Nothing was posted: the panel does not stay behind as if it had been.
            if let Err(cleanup) = data.tickets.abandon_panel(guild, created.panel.id).await {
                tracing::warn!(%guild, panel = %created.panel.id, error = %cleanup, "could not remove an unposted ticket panel");
            }
            return Err(error.into());
        }
    };
    if let Some(id) = created_id::<MessageId>(posted.as_ref()) {
        data.tickets
            .record_panel_message(guild, created.panel.id, id)
            .await?;
    }
    reply(ctx, "The ticket panel is posted.", true).await
}

/// Handles a component interaction if it is a ticket button; `false` when it is not one.
///
/// # Errors
/// [`BotError`] when Discord or the database fails (members get their answer either way).
pub async fn on_component(
    data: &BotData,
    interaction: &discord::ComponentInteraction,
) -> Result<bool, BotError> {
    let Some(button) = TicketButton::parse(&interaction.data.custom_id) else {
        return Ok(false);
    };
    let Some(guild) = interaction.guild_id.map(convert::guild) else {
        return Ok(true);
    };
    let user = convert::user(interaction.user.id);
    let roles: Vec<RoleId> = interaction
        .member
        .as_ref()
        .map(|member| {
            member
                .roles
                .iter()
                .map(|role| convert::role(*role))
                .collect()
        })
        .unwrap_or_default();
    // Discord computes the clicker's permissions in the channel and sends them with the click.
    let permissions = interaction
        .member
        .as_ref()
        .and_then(|member| member.permissions)
        .map(|permissions| Permissions(permissions.bits()));
    let clicker = Clicker {
        user,
        name: &interaction.user.name,
        roles: &roles,
        permissions,
    };
    let handled = handle(data, guild, &clicker, button).await;
    let (answer, after) = match handled {
        Ok(Handled { answer, after }) => (answer, after),
        Err(BotError::User(message)) => (message, Vec::new()),
        Err(BotError::Refused(refusal, _) | BotError::RefusedStored(refusal)) => {
            (refusal.explain(), Vec::new())
        }
        Err(error) => {
            tracing::error!(%guild, %user, %error, "ticket action failed");
            (
                "Something went wrong on our side; it has been logged.".into(),
                Vec::new(),
            )
        }
    };
    let reply = Effect::InteractionReply {
        interaction_id: interaction.id.to_string(),
        token: interaction.token.clone(),
        message: OutgoingMessage::text(answer),
        ephemeral: true,
    };
    data.executor.execute_for(Some(guild), &reply).await?;
    // The member has their answer; what follows happens in the ticket itself, in order (the
    // closing message before the thread is archived, the thread unarchived before "reopened").
    for effect in &after {
        data.executor.execute_for(Some(guild), effect).await?;
    }
    Ok(true)
}

/// What a button did: the member's private answer, and the effects to perform once they have
/// it (the button may sit in the ticket that the effects archive).
struct Handled {
    answer: String,
    after: Vec<Effect>,
}

impl Handled {
    fn answer(answer: String) -> Self {
        Self {
            answer,
            after: Vec::new(),
        }
    }
}

/// Who clicked a ticket button, as the interaction describes them.
struct Clicker<'a> {
    user: UserId,
    name: &'a str,
    roles: &'a [RoleId],
    /// Their permissions in the channel, as Discord computed them for the interaction.
    permissions: Option<Permissions>,
}

async fn handle(
    data: &BotData,
    guild: GuildId,
    clicker: &Clicker<'_>,
    button: TicketButton,
) -> Result<Handled, BotError> {
    let (user, name, roles) = (clicker.user, clicker.name, clicker.roles);
    let settings = data.config.get(guild).await?.tickets.clone();
    let is_staff = |staff: &[RoleId]| {
        // Discord's own computation when it sent one; else the roles the click carried,
        // never "unknown member, so no permissions".
        let manager = match clicker.permissions {
            Some(permissions) => permissions.contains(Permissions::MANAGE_THREADS),
            None => data.cache.guild_info(guild).is_some_and(|info| {
                info.base_permissions(
                    &guildhall_core::permissions::MemberInfo {
                        user,
                        roles: roles.to_vec(),
                        timed_out_until: None,
                    },
                    data.clock.now(),
                )
                .contains(Permissions::MANAGE_THREADS)
            }),
        };
        manager || roles.iter().any(|role| staff.contains(role))
    };
    match button {
        TicketButton::Open(panel) => {
            let bot = data.bot_user().ok_or_else(|| {
                BotError::Internal("a ticket was opened before the bot knew its own id".into())
            })?;
            let opened = data
                .tickets
                .open(&settings, guild, panel, user, name)
                .await?;
            let create = opened.create_effect(bot);
            let created = match data.executor.execute_for(Some(guild), &create).await {
                Ok(created) => created,
                Err(error) => {
                    // No thread, no ticket: the member is not held to one that does not exist.
                    data.tickets.abandon(guild, opened.ticket.id).await?;
                    if let crate::executor::ExecError::Rejected { status: 403, .. } = error {
                        data.discord_refused(guild, user, None, "tickets.open")
                            .await?;
                        return Err(BotError::User(
                            "Discord refused to create the ticket's thread: my role lacks the permission in this channel. Please tell a moderator.".into(),
                        ));
                    }
                    return Err(error.into());
                }
            };
            let what = match opened.create {
                TicketChannelPlan::Thread(_) => "thread",
                TicketChannelPlan::Channel { .. } => "channel",
            };
            let channel = created_id::<ChannelId>(created.as_ref()).ok_or_else(|| {
                BotError::Internal(format!(
                    "Discord returned no id for ticket #{}'s new {what}",
                    opened.ticket.number
                ))
            })?;
            let welcome = data
                .tickets
                .attach_channel(guild, opened.ticket.id, channel)
                .await?;
            data.executor.execute_for(Some(guild), &welcome).await?;
            Ok(Handled::answer(format!(
                "Your ticket #{} is open: <#{channel}>",
                opened.ticket.number
            )))
        }
        TicketButton::Claim(ticket) => {
            let staff = staff_of(data, guild, ticket).await?;
            let claimed = data
                .tickets
                .claim(guild, ticket, user, is_staff(&staff))
                .await?;
            if let Some(announcement) = &claimed.announcement {
                data.executor.execute_for(Some(guild), announcement).await?;
            }
            Ok(Handled::answer(format!(
                "You claimed ticket #{}.",
                claimed.ticket.number
            )))
        }
        TicketButton::Close(ticket) => {
            let staff = staff_of(data, guild, ticket).await?;
            let closed = data
                .tickets
                .close(
                    guild,
                    ticket,
                    user,
                    is_staff(&staff),
                    "closed with the button",
                )
                .await?;
            Ok(Handled {
                answer: format!(
                    "Ticket #{} is closed; its transcript is saved.",
                    closed.ticket.number
                ),
                after: closed.effects.into_iter().chain(closed.lock).collect(),
            })
        }
        TicketButton::Reopen(ticket) => {
            let staff = staff_of(data, guild, ticket).await?;
            let reopened = data
                .tickets
                .reopen(&settings, guild, ticket, user, is_staff(&staff))
                .await?;
            Ok(Handled {
                answer: format!("Ticket #{} is open again.", reopened.ticket.number),
                after: reopened
                    .unlock
                    .into_iter()
                    .chain(reopened.effects)
                    .collect(),
            })
        }
    }
}

async fn staff_of(data: &BotData, guild: GuildId, ticket: i64) -> Result<Vec<RoleId>, BotError> {
    let ticket = data.tickets.ticket(guild, ticket).await?;
    Ok(data.tickets.panel(guild, ticket.panel).await?.staff_roles)
}

/// Tickets in the feature registry: `/ticketpanel`, the `tickets:*` buttons, and transcripts
/// kept from the messages, edits and deletions in ticket channels.
pub(crate) const FEATURE: crate::features::BotFeature = crate::features::BotFeature {
    name: "tickets",
    commands: || vec![ticketpanel()],
    on_event: Some(|data, event, _settings, _passage| Box::pin(on_event(data, event))),
    on_component: Some(|data, component| Box::pin(on_component(data, component))),
};

async fn on_event(data: &BotData, event: &GuildEvent<'_>) -> Result<(), BotError> {
    match event {
        GuildEvent::Message(message) => on_message(data, message).await,
        GuildEvent::MessageEdited(edit) => on_edit(data, edit).await,
        GuildEvent::MessageDeleted { guild, channel, id } => {
            data.tickets.record_delete(*guild, *channel, *id).await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Stores a message in its ticket's transcript, if it was posted in a ticket. The lookup is an
/// in-memory map per guild (loaded once), so ordinary messages cost no database round trip.
///
/// # Errors
/// [`BotError`] when the database fails.
async fn on_message(data: &BotData, message: &GuildMessage<'_>) -> Result<(), BotError> {
    // Most messages are not in a ticket: answer that from the index before copying anything.
    let guild = message.guild;
    if data
        .tickets
        .ticket_in_channel(guild, message.channel)
        .await?
        .is_none()
    {
        return Ok(());
    }
    let incoming = IncomingMessage {
        channel: message.channel,
        message: message.id,
        author: message.author,
        author_name: message.author_name.to_owned(),
        author_is_bot: message.author_is_bot,
        content: message.content.to_owned(),
        attachments: message.attachments.to_vec(),
        created_at: message.sent_at,
    };
    data.tickets.record_message(guild, &incoming).await?;
    Ok(())
}

/// MESSAGE_UPDATE in a ticket: the transcript keeps the new text (and files, when the edit
/// reports them) with the edit time. Other channels cost one index lookup.
async fn on_edit(data: &BotData, edit: &MessageEdit<'_>) -> Result<(), BotError> {
    if data
        .tickets
        .ticket_in_channel(edit.guild, edit.channel)
        .await?
        .is_none()
    {
        return Ok(());
    }
    // An update without content is an embed unfurl or a pin, not an edit of the text.
    let Some(content) = edit.content else {
        return Ok(());
    };
    data.tickets
        .record_edit(edit.guild, edit.channel, edit.id, content, edit.attachments)
        .await?;
    Ok(())
}

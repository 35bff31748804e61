//! Roles on Discord: `/rolepanel create|delete`, `/role add|remove`, `/temprole
//! add|list|remove`, the role panels' buttons and select menus (`roles:*` custom ids), and the
//! automatic roles on join and after membership screening. The decisions and storage are
//! `guildhall_core::roles`; this file turns interactions and member events into calls and
//! performs the effects that come back.

use guildhall_core::effect::{Effect, OutgoingMessage, created_id};
use guildhall_core::eligibility::{GuildRoleNames, Requirements};
use guildhall_core::events::GuildEvent;
use guildhall_core::guild_config::GuildSettings;
use guildhall_core::ids::{GuildId, MessageId, RoleId, UserId};
use guildhall_core::permissions::{GuildInfo, MemberInfo, Permissions};
use guildhall_core::roles::{
    AutoTrigger, Click, PanelChoice, PanelContent, PanelOption, PanelRequest, PanelStyle,
    RoleAuthority, RoleComponent, RoleError, SelfRoleRequest, TimedGrant, TimedSource, auto_roles,
};
use serenity::all as discord;

use crate::commands::reply;
use crate::commands::targets::{in_guild, parties};
use crate::convert;
use crate::{BotData, BotError, Context};

impl From<RoleError> for BotError {
    fn from(error: RoleError) -> Self {
        match error {
            RoleError::Refused { refusal, message } => Self::RefusedWith(refusal, message),
            other => Self::from_core(&other),
        }
    }
}

/// The guild's roles from the guild model and the bot's membership (from the model, else
/// Discord).
async fn guild_and_bot(
    data: &BotData,
    guild: GuildId,
) -> Result<(GuildInfo, MemberInfo), BotError> {
    let info = data
        .cache
        .guild_info(guild)
        .ok_or_else(|| BotError::Internal(format!("guild {guild} not received yet")))?;
    let bot = crate::members::bot(data, guild).await?;
    Ok((info, bot))
}

/// The member who ran a slash command.
fn invoker(ctx: Context<'_>) -> Result<MemberInfo, BotError> {
    match ctx {
        poise::Context::Application(app) => app
            .interaction
            .member
            .as_deref()
            .map(convert::member_info)
            .ok_or_else(|| BotError::Internal("interaction without member".into())),
        poise::Context::Prefix(_) => Err(BotError::User("Use this as a slash command.".into())),
    }
}

/// Refuses a member without Manage Roles (the commands are hidden from them by default, but a
/// server can show them to anyone).
fn require_manage_roles(
    info: &GuildInfo,
    member: &MemberInfo,
    data: &BotData,
) -> Result<(), BotError> {
    if info
        .base_permissions(member, data.clock.now())
        .contains(Permissions::MANAGE_ROLES)
    {
        return Ok(());
    }
    Err(BotError::Refused(
        guildhall_core::guards::Refusal::InvokerMissing {
            missing: Permissions::MANAGE_ROLES,
        },
        None,
    ))
}

/// Discord's timestamp markup: the reader's own time zone, and how far away it is.
fn when(at: guildhall_core::clock::UnixMillis) -> String {
    let seconds = at.0.div_euclid(1_000);
    format!("<t:{seconds}:f> (<t:{seconds}:R>)")
}

/// Buttons (one per role) or a select menu.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum StyleChoice {
    /// One button per role.
    #[name = "buttons"]
    Buttons,
    /// One drop-down menu.
    #[name = "select menu"]
    Select,
}

/// How many of the panel's roles a member may hold.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum ChoiceChoice {
    /// Any number.
    #[name = "any number"]
    Multiple,
    /// One at a time.
    #[name = "one at a time"]
    Single,
}

/// Role panels: messages whose buttons or menu give roles.
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_ROLES",
    subcommands("rolepanel_create", "rolepanel_delete"),
    subcommand_required
)]
pub async fn rolepanel(_: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Post a role panel in this channel.
#[poise::command(slash_command, guild_only, rename = "create")]
#[allow(clippy::too_many_arguments)] // One parameter per slash-command option.
async fn rolepanel_create(
    ctx: Context<'_>,
    #[description = "The panel's title"]
    #[max_length = 256]
    title: String,
    #[description = "The first role"] role1: discord::Role,
    #[description = "Another role"] role2: Option<discord::Role>,
    #[description = "Another role"] role3: Option<discord::Role>,
    #[description = "Another role"] role4: Option<discord::Role>,
    #[description = "Another role"] role5: Option<discord::Role>,
    #[description = "Buttons (the default) or a select menu"] style: Option<StyleChoice>,
    #[description = "Any number of these roles (the default) or one at a time"] choice: Option<
        ChoiceChoice,
    >,
    #[description = "What the panel says"]
    #[max_length = 2000]
    description: Option<String>,
    #[description = "Roles taken from the panel last this long, e.g. 7d (empty: for good)"]
    duration: Option<String>,
    #[description = "Only members with this role may take these roles"] required_role: Option<
        discord::Role,
    >,
    #[description = "Only members at this level or above may take these roles"]
    #[min = 1]
    #[max = 1000]
    min_level: Option<u32>,
) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    let data = ctx.data();
    let member = invoker(ctx)?;
    let (info, bot) = guild_and_bot(data, guild).await?;
    let roles: Vec<discord::Role> = [Some(role1), role2, role3, role4, role5]
        .into_iter()
        .flatten()
        .collect();
    let managed: Vec<RoleId> = roles
        .iter()
        .filter(|role| role.managed)
        .map(|role| convert::role(role.id))
        .collect();
    let timed = duration
        .as_deref()
        .map(|text| crate::moderation::duration(text, "duration"))
        .transpose()?;
    let requirements = Requirements {
        any_roles: required_role
            .map(|role| vec![convert::role(role.id)])
            .unwrap_or_default(),
        min_level,
        ..Requirements::default()
    };
    let content = PanelContent {
        title,
        description: description.unwrap_or_default(),
        style: match style.unwrap_or(StyleChoice::Buttons) {
            StyleChoice::Buttons => PanelStyle::Buttons,
            StyleChoice::Select => PanelStyle::Select,
        },
        choice: match choice.unwrap_or(ChoiceChoice::Multiple) {
            ChoiceChoice::Multiple => PanelChoice::Multiple,
            ChoiceChoice::Single => PanelChoice::Single,
        },
        options: roles
            .iter()
            // Role names run to 100 characters; a button label to 80.
            .map(|role| {
                let label: String = role
                    .name
                    .chars()
                    .take(guildhall_core::roles::panel::MAX_BUTTON_LABEL)
                    .collect();
                PanelOption::new(convert::role(role.id), label)
            })
            .collect(),
        requirements,
        timed,
    };
    let settings = data.config.get(guild).await?.roles.clone();
    let authority = RoleAuthority {
        guild: &info,
        bot: &bot,
        invoker: Some(&member),
        managed: &managed,
    };
    let names = GuildRoleNames {
        cache: &data.cache,
        guild,
    };
    let created = data
        .roles
        .create_panel(
            &settings,
            PanelRequest {
                guild,
                channel: convert::channel(ctx.channel_id()),
                content,
                created_by: convert::user(ctx.author().id),
            },
            &authority,
            &names,
        )
        .await?;
    let posted = match data.executor.execute_for(Some(guild), &created.post).await {
        Ok(posted) => posted,
        Err(error) => {
            // Nothing was posted: the panel does not stay behind as if it had been.
            if let Err(cleanup) = data.roles.delete_panel(guild, created.panel.id).await {
                tracing::warn!(%guild, panel = %created.panel.id, error = %cleanup, "could not remove an unposted role panel");
            }
            return Err(error.into());
        }
    };
    if let Some(id) = created_id::<MessageId>(posted.as_ref()) {
        data.roles
            .record_panel_message(guild, created.panel.id, id)
            .await?;
    }
    reply(
        ctx,
        format!(
            "Role panel #{} is posted; `/rolepanel delete panel:{}` removes it.",
            created.panel.id, created.panel.id
        ),
        true,
    )
    .await
}

/// Delete a role panel and its message.
#[poise::command(slash_command, guild_only, rename = "delete")]
async fn rolepanel_delete(
    ctx: Context<'_>,
    #[description = "The panel's number (shown when it was posted)"]
    #[min = 1]
    panel: i64,
) -> Result<(), BotError> {
    let panel = guildhall_core::roles::PanelId(panel);
    let guild = in_guild(ctx)?;
    let data = ctx.data();
    let (info, _) = guild_and_bot(data, guild).await?;
    require_manage_roles(&info, &invoker(ctx)?, data)?;
    let deleted = data.roles.delete_panel(guild, panel).await?;
    if let Some(effect) = &deleted.delete
        && let Err(error) = data.executor.execute_for(Some(guild), effect).await
    {
        // Someone may have deleted the message already; the panel is gone either way.
        tracing::info!(%guild, %panel, %error, "could not delete a role panel's message");
    }
    reply(ctx, format!("Role panel #{panel} is deleted."), true).await
}

/// Take or give back a self-assignable role.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("role_add", "role_remove"),
    subcommand_required
)]
pub async fn role(_: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Take a self-assignable role.
#[poise::command(slash_command, guild_only, rename = "add")]
async fn role_add(
    ctx: Context<'_>,
    #[description = "The role to take"] role: discord::Role,
) -> Result<(), BotError> {
    self_role(ctx, &role, true).await
}

/// Give back a self-assignable role.
#[poise::command(slash_command, guild_only, rename = "remove")]
async fn role_remove(
    ctx: Context<'_>,
    #[description = "The role to give back"] role: discord::Role,
) -> Result<(), BotError> {
    self_role(ctx, &role, false).await
}

async fn self_role(ctx: Context<'_>, role: &discord::Role, add: bool) -> Result<(), BotError> {
    let guild = in_guild(ctx)?;
    let data = ctx.data();
    let member = invoker(ctx)?;
    let (info, bot) = guild_and_bot(data, guild).await?;
    let managed: Vec<RoleId> = role
        .managed
        .then(|| convert::role(role.id))
        .into_iter()
        .collect();
    let settings = data.config.get(guild).await?.roles.clone();
    let authority = RoleAuthority {
        guild: &info,
        bot: &bot,
        invoker: None,
        managed: &managed,
    };
    let names = GuildRoleNames {
        cache: &data.cache,
        guild,
    };
    let change = data
        .roles
        .self_role(
            &settings,
            SelfRoleRequest {
                guild,
                user: member.user,
                role: convert::role(role.id),
                add,
                held: &member.roles,
            },
            &authority,
            &names,
        )
        .await?;
    data.executor
        .execute_for(Some(guild), &change.effect)
        .await?;
    reply(ctx, change.answer, true).await
}

/// Timed roles: give a role for a while, list them, end one early.
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_ROLES",
    subcommands("temprole_add", "temprole_list", "temprole_remove"),
    subcommand_required
)]
pub async fn temprole(_: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Give a member a role for a while; it is removed on time.
#[poise::command(slash_command, guild_only, rename = "add")]
async fn temprole_add(
    ctx: Context<'_>,
    #[description = "Who gets the role"] user: discord::User,
    #[description = "The role"] role: discord::Role,
    #[description = "For how long, e.g. 30m, 12h, 7d"] duration: String,
) -> Result<(), BotError> {
    let duration = crate::moderation::duration(&duration, "duration")?;
    let parties = parties(ctx, &user).await?;
    let guild = parties.guild;
    let Some(target) = &parties.target else {
        return Err(BotError::User(format!(
            "<@{}> is not a member of this server.",
            parties.target_user
        )));
    };
    let data = ctx.data();
    let role_id = convert::role(role.id);
    let managed: Vec<RoleId> = role.managed.then_some(role_id).into_iter().collect();
    let settings = data.config.get(guild).await?.roles.clone();
    let authority = RoleAuthority {
        guild: &parties.guild_info,
        bot: &parties.bot,
        invoker: Some(&parties.invoker),
        managed: &managed,
    };
    let names = GuildRoleNames {
        cache: &data.cache,
        guild,
    };
    let granted = data
        .roles
        .grant_timed(
            &settings,
            TimedGrant {
                guild,
                user: parties.target_user,
                role: role_id,
                duration,
                source: TimedSource::Command,
                panel: None,
                granted_by: parties.invoker.user,
                already_held: target.roles.contains(&role_id),
            },
            &authority,
            &names,
        )
        .await?;
    apply_role_changes(
        data,
        guild,
        parties.invoker.user,
        std::slice::from_ref(&granted.add),
        "temprole",
    )
    .await?;
    let replaced = if granted.replaced.is_some() {
        " (this replaces its previous end)"
    } else {
        ""
    };
    reply(
        ctx,
        format!(
            "<@{}> has @{} until {}{replaced}.",
            parties.target_user,
            role.name,
            when(granted.timed.expires_at)
        ),
        true,
    )
    .await
}

/// List the running timed roles, soonest to end first.
#[poise::command(slash_command, guild_only, rename = "list")]
async fn temprole_list(
    ctx: Context<'_>,
    #[description = "Only this member's"] user: Option<discord::User>,
) -> Result<(), BotError> {
    /// Lines that fit in one message.
    const SHOWN: usize = 20;
    let guild = in_guild(ctx)?;
    let data = ctx.data();
    let (info, _) = guild_and_bot(data, guild).await?;
    require_manage_roles(&info, &invoker(ctx)?, data)?;
    let running = data
        .roles
        .timed_roles(guild, user.as_ref().map(|user| convert::user(user.id)))
        .await?;
    if running.is_empty() {
        return reply(ctx, "No timed roles are running.", true).await;
    }
    let mut lines: Vec<String> = running
        .iter()
        .take(SHOWN)
        .map(|timed| {
            format!(
                "<@{}> · <@&{}> · ends {} · given by <@{}>{}",
                timed.user,
                timed.role,
                when(timed.expires_at),
                timed.granted_by,
                timed
                    .panel
                    .map(|panel| format!(" on panel #{panel}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    if running.len() > SHOWN {
        lines.push(format!(
            "…and {} more (`guildhall roles timed list` shows them all).",
            running.len() - SHOWN
        ));
    }
    reply(ctx, lines.join("\n"), true).await
}

/// End a member's timed role now.
#[poise::command(slash_command, guild_only, rename = "remove")]
async fn temprole_remove(
    ctx: Context<'_>,
    #[description = "Whose timed role"] user: discord::User,
    #[description = "The role"] role: discord::Role,
) -> Result<(), BotError> {
    let parties = parties(ctx, &user).await?;
    let guild = parties.guild;
    let data = ctx.data();
    let role_id = convert::role(role.id);
    let managed: Vec<RoleId> = role.managed.then_some(role_id).into_iter().collect();
    let authority = RoleAuthority {
        guild: &parties.guild_info,
        bot: &parties.bot,
        invoker: Some(&parties.invoker),
        managed: &managed,
    };
    let names = GuildRoleNames {
        cache: &data.cache,
        guild,
    };
    if let Err(problem) = authority.check(role_id, data.clock.now()) {
        return Err(data
            .roles
            .refuse(
                guild,
                parties.invoker.user,
                Some(parties.target_user),
                "temprole.remove",
                &problem,
                &names,
            )
            .await
            .into());
    }
    let removed = data
        .roles
        .remove_timed(
            guild,
            parties.target_user,
            role_id,
            Some(parties.invoker.user),
        )
        .await?;
    data.executor
        .execute_for(Some(guild), &removed.remove)
        .await?;
    reply(
        ctx,
        format!(
            "Removed @{} from <@{}>; its timer is cancelled.",
            role.name, parties.target_user
        ),
        true,
    )
    .await
}

/// Handles a component interaction if it belongs to a role panel; `false` when it does not.
///
/// # Errors
/// [`BotError`] when Discord refuses the answer (members get their answer otherwise).
pub async fn on_component(
    data: &BotData,
    interaction: &discord::ComponentInteraction,
) -> Result<bool, BotError> {
    let Some(component) = RoleComponent::parse(&interaction.data.custom_id) else {
        return Ok(false);
    };
    let Some(guild) = interaction.guild_id.map(convert::guild) else {
        return Ok(true);
    };
    let user = convert::user(interaction.user.id);
    let answer = match click(data, guild, user, component, interaction).await {
        Ok(answer) => OutgoingMessage::text(answer),
        Err(BotError::Premium(wall)) => wall.message(),
        Err(BotError::RefusedWith(_, words) | BotError::User(words)) => {
            OutgoingMessage::text(words)
        }
        Err(BotError::Refused(refusal, _) | BotError::RefusedStored(refusal)) => {
            OutgoingMessage::text(refusal.explain())
        }
        Err(error) => {
            tracing::error!(%guild, %user, %error, "role panel click failed");
            OutgoingMessage::text("Something went wrong on our side; it has been logged.")
        }
    };
    let reply = Effect::InteractionReply {
        interaction_id: interaction.id.to_string(),
        token: interaction.token.clone(),
        message: answer,
        ephemeral: true,
    };
    data.executor.execute_for(Some(guild), &reply).await?;
    Ok(true)
}

/// Decides a click and performs its role changes; returns the member's answer.
async fn click(
    data: &BotData,
    guild: GuildId,
    user: UserId,
    component: RoleComponent,
    interaction: &discord::ComponentInteraction,
) -> Result<String, BotError> {
    let values: Vec<String> = match &interaction.data.kind {
        discord::ComponentInteractionDataKind::StringSelect { values } => values.clone(),
        _ => Vec::new(),
    };
    let member = interaction.member.as_ref();
    let roles: Vec<RoleId> = member
        .map(|member| {
            member
                .roles
                .iter()
                .map(|role| convert::role(*role))
                .collect()
        })
        .unwrap_or_default();
    let joined_at = member
        .and_then(|member| member.joined_at)
        .map(convert::time);
    let settings = data.config.get(guild).await?.roles.clone();
    let (info, bot) = guild_and_bot(data, guild).await?;
    let authority = RoleAuthority {
        guild: &info,
        bot: &bot,
        invoker: None,
        managed: &[],
    };
    let names = GuildRoleNames {
        cache: &data.cache,
        guild,
    };
    let outcome = data
        .roles
        .click(
            &settings,
            &Click {
                guild,
                user,
                component,
                values: &values,
                roles: &roles,
                joined_at,
            },
            &authority,
            &names,
        )
        .await?;
    apply_role_changes(data, guild, user, &outcome.effects, "rolepanel.click").await?;
    Ok(outcome.answer)
}

/// Performs role changes in order and stops at the first Discord refuses. A timed role whose
/// adding Discord refused is ended at once (its record and its timer were written first, so a
/// crash never leaves a role without a timer), so nothing claims a role the member never got.
/// A 403 is stored as a refusal of `invoker` and answered with what to fix.
///
/// # Errors
/// [`BotError::RefusedWith`] for a refusal; [`BotError::Discord`] when Discord failed otherwise;
/// [`BotError::Database`]-like errors from the roles service.
async fn apply_role_changes(
    data: &BotData,
    guild: GuildId,
    invoker: UserId,
    effects: &[Effect],
    action: &str,
) -> Result<(), BotError> {
    for effect in effects {
        let Err(error) = data.executor.execute_for(Some(guild), effect).await else {
            continue;
        };
        if let Effect::AddRole { user, role, .. } = effect {
            match data.roles.remove_timed(guild, *user, *role, None).await {
                Ok(_) | Err(RoleError::NoSuchTimedRole { .. }) => {}
                Err(cleanup) => {
                    tracing::warn!(%guild, %user, %role, error = %cleanup, "could not end a timed role Discord did not give");
                }
            }
        }
        if let crate::executor::ExecError::Rejected { status: 403, .. } = error {
            let target = match effect {
                Effect::AddRole { user, .. } | Effect::RemoveRole { user, .. } => Some(*user),
                _ => None,
            };
            let refusal = data.discord_refused(guild, invoker, target, action).await?;
            let words = refusal.explain();
            return Err(BotError::RefusedWith(refusal, words));
        }
        return Err(error.into());
    }
    Ok(())
}

/// Role panels in the feature registry: `/rolepanel`, `/role`, `/temprole`, the `roles:*`
/// panel components, and automatic roles on joining and after membership screening.
pub(crate) const FEATURE: crate::features::BotFeature = crate::features::BotFeature {
    name: "roles",
    commands: || vec![rolepanel(), role(), temprole()],
    on_event: Some(|data, event, settings, _passage| Box::pin(on_event(data, event, settings))),
    on_component: Some(|data, component| Box::pin(on_component(data, component))),
};

/// A member joined: the join roles; a member passed membership screening: the screening roles.
async fn on_event(
    data: &BotData,
    event: &GuildEvent<'_>,
    settings: &GuildSettings,
) -> Result<(), BotError> {
    match event {
        GuildEvent::MemberJoined { guild, member, .. } => {
            give_auto_roles(data, *guild, member, settings, AutoTrigger::Join).await
        }
        GuildEvent::MemberUpdated {
            guild,
            member,
            passed_screening: true,
            ..
        } => give_auto_roles(data, *guild, member, settings, AutoTrigger::Screening).await,
        _ => Ok(()),
    }
}

/// Gives the automatic roles of `trigger` when the guild has the roles feature on. Nobody asked,
/// so nobody is answered: roles the bot cannot give and refused calls are logged.
async fn give_auto_roles(
    data: &BotData,
    guild: GuildId,
    member: &MemberInfo,
    settings: &GuildSettings,
    trigger: AutoTrigger,
) -> Result<(), BotError> {
    let configured = match trigger {
        AutoTrigger::Join => &settings.roles.auto_roles_on_join,
        AutoTrigger::Screening => &settings.roles.auto_roles_on_screening,
    };
    if configured.is_empty() {
        return Ok(());
    }
    let (info, bot) = guild_and_bot(data, guild).await?;
    let authority = RoleAuthority {
        guild: &info,
        bot: &bot,
        invoker: None,
        managed: &[],
    };
    let planned = auto_roles(
        &settings.roles,
        trigger,
        member,
        &authority,
        data.clock.now(),
    );
    let names = GuildRoleNames {
        cache: &data.cache,
        guild,
    };
    for problem in &planned.skipped {
        tracing::warn!(%guild, user = %member.user, problem = %problem.words(&names), "skipped an automatic role");
    }
    for effect in &planned.effects {
        if let Err(error) = data.executor.execute_for(Some(guild), effect).await {
            tracing::warn!(%guild, user = %member.user, %error, "could not give an automatic role");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_commands_have_their_subcommands_and_required_options_first() {
        let commands = crate::registration::commands_json();
        let find = |name: &str| {
            commands
                .iter()
                .find(|command| command["name"] == name)
                .cloned()
                .unwrap_or_else(|| panic!("/{name} is registered"))
        };
        let subcommands = |name: &str| -> Vec<String> {
            find(name)["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|option| option["name"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(subcommands("rolepanel"), ["create", "delete"]);
        assert_eq!(subcommands("role"), ["add", "remove"]);
        assert_eq!(subcommands("temprole"), ["add", "list", "remove"]);
        let create = &find("rolepanel")["options"][0]["options"];
        let required: Vec<bool> = create
            .as_array()
            .unwrap()
            .iter()
            .map(|option| option["required"].as_bool().unwrap_or(false))
            .collect();
        assert_eq!(&required[..3], [true, true, false]);
        assert!(
            required.windows(2).all(|pair| pair[0] || !pair[1]),
            "Discord wants required options before optional ones: {required:?}"
        );
        assert_eq!(create.as_array().unwrap().len(), 12);
    }
}

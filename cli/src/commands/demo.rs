//! `guildhall demo`: the whole stack on the embedded default, against the local Discord
//! stand-in with a seeded community and a traffic generator, so a newcomer sees it work with no
//! setup and no Discord account.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use guildhall_core::config::Secret;
use guildhall_core::guild_config::scheduled::{self, ScheduledChange};
use guildhall_sandbox::traffic::{Traffic, TrafficOptions};
use guildhall_sandbox::{Sandbox, Seed};
use serde_json::json;

use crate::app::{self, GlobalOptions, Services};
use crate::runtime;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Stop after this long (e.g. 30s); runs until Ctrl-C otherwise.
    #[arg(long = "for", value_name = "DURATION", value_parser = humantime::parse_duration)]
    run_for: Option<Duration>,
    /// Port for the Discord stand-in (default: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Port for the dashboard (default: any free port).
    #[arg(long, default_value_t = 0)]
    web_port: u16,
    /// Simulated events per second from the traffic generator (0 to switch it off).
    #[arg(long, default_value_t = 4.0)]
    traffic: f64,
}

pub async fn run(options: &GlobalOptions, args: Args) -> anyhow::Result<()> {
    let mut settings = app::load_settings(options)?;
    if options.data_dir.is_none() {
        settings.data_dir = PathBuf::from("guildhall-demo");
    }
    // The demo always runs on the embedded default, whatever the environment says.
    settings.database.url = None;
    settings.redis.url = None;
    if options.json {
        settings.log.format = guildhall_core::config::LogFormat::Json;
    }
    let live = app::init_live_logging(&settings);

    let seed = Seed::demo();
    let seed_owner = seed.guilds.first().map(|guild| guild.owner);
    let help_desk = seed.guilds.first().and_then(|guild| {
        let channel = guild.channels.iter().find(|c| c.name == "help")?.id;
        let staff = guild.roles.iter().find(|r| r.name == "Moderator")?.id;
        Some((channel, staff))
    });
    let first_seed_guild = seed.guilds.first().cloned();
    let guilds: Vec<_> = seed
        .guilds
        .iter()
        .map(|guild| (guild.id, guild.name.clone(), guild.members.len()))
        .collect();
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
    let sandbox = Sandbox::start_on(address, seed)
        .await
        .context("starting the Discord stand-in")?;
    settings.discord.token = Some(Secret::new(sandbox.bot_token()));
    settings.discord.api_base = Some(sandbox.api_base());
    settings.discord.client_id = Some(sandbox.application_id().to_string());
    settings.discord.client_secret = Some(Secret::new(sandbox.client_secret()));
    let web_port = match args.web_port {
        0 => std::net::TcpListener::bind(("127.0.0.1", 0))
            .and_then(|listener| listener.local_addr())
            .map(|addr| addr.port())?,
        port => port,
    };
    settings.web.bind = format!("127.0.0.1:{web_port}");
    settings.web.public_url = None;
    // The stand-in's OAuth2 approves every login as the first guild's owner: one click.
    let owner = seed_owner.context("the demo seed has no guild")?;
    sandbox.set_oauth_user(owner);
    // The demo's visitor runs the instance too: the operator page (shards, jobs, premium) is
    // theirs.
    if settings.web.operators.is_empty() {
        settings.web.operators = vec![owner.to_string()];
    }

    // The stand-in sells a guild subscription: the demo's premium follows its entitlements.
    if let Some(sku) = sandbox.premium_sku() {
        settings
            .premium
            .skus
            .insert(sku.to_string(), guildhall_core::premium::Tier::Premium);
    }
    let db = app::open_db(&settings).await?;
    db.migrate().await.context("migrating the demo database")?;
    let services = Services::on(&settings, db).await?.with_live(live);
    let (first_guild, _, _) = guilds
        .first()
        .cloned()
        .context("the demo seed has no guild")?;
    services
        .config
        .set_key(first_guild, "general.timezone", "Europe/Berlin", "demo")
        .await?;
    services
        .config
        .set_key(first_guild, "commands.prefix_enabled", "on", "demo")
        .await?;
    // Automod catches the traffic generator's spam bursts in the first guild.
    for (key, value) in [
        ("features.automod", "on"),
        ("automod.spam", r#"{"enabled": true}"#),
        ("automod.duplicates", r#"{"enabled": true}"#),
        ("automod.caps", r#"{"enabled": true}"#),
        ("automod.mentions", r#"{"enabled": true}"#),
        ("features.moderation", "on"),
    ] {
        services
            .config
            .set_key(first_guild, key, value, "demo")
            .await?;
    }
    // The first guild is premium (the others show the free tier), with its own bot name on
    // announcements (level-ups arrive through a webhook).
    services
        .premium
        .grant(
            first_guild,
            guildhall_core::premium::Tier::Premium,
            None,
            "demo",
            "the demo's premium server",
        )
        .await?;
    services
        .config
        .set_key(first_guild, "branding.bot_name", "Hearth Keeper", "demo")
        .await?;
    if let Some((channel, staff)) = help_desk {
        open_help_desk(&services, first_guild, channel, staff, owner).await?;
    }
    if let Some(seed_guild) = &first_seed_guild {
        start_levels(&services, seed_guild).await?;
        post_role_panel(&services, seed_guild, sandbox.bot_user()).await?;
        if let Err(error) = start_automation(&services, seed_guild).await {
            tracing::warn!(%error, "demo: could not set up automation");
        }
        if let Err(error) = start_logging(&services, seed_guild).await {
            tracing::warn!(%error, "demo: could not set up event logs");
        }
        // A short giveaway the traffic's clicks enter; a failure leaves the rest running.
        if let Err(error) = start_giveaway(&services, seed_guild).await {
            tracing::warn!(%error, "demo: could not start the giveaway");
        }
    }
    // A scheduled change as a showcase: giveaways switched on 5 s in (idempotent, so a
    // restarted demo keeps them on and its giveaway's buttons working).
    let change = ScheduledChange {
        guild: first_guild,
        key: "features.giveaways".into(),
        value: "on".into(),
        actor: "demo".into(),
    };
    let job = scheduled::schedule(
        &services.config,
        &services.ledger,
        change.clone(),
        services.clock.now().plus(Duration::from_secs(5)),
    )
    .await?;

    let dir = app::show_path(&settings.data_dir);
    if options.json {
        println!(
            "{}",
            json!({
                "data_dir": dir,
                "stand_in": sandbox.api_base(),
                "dashboard": settings.web.public_url(),
                "login": format!("{}/login", settings.web.public_url()),
                "gateway": sandbox.gateway_url(),
                "guilds": guilds.iter().map(|(id, name, members)| json!({"id": id, "name": name, "members": members})).collect::<Vec<_>>(),
                "guild": first_guild,
                "scheduled_job": job.id,
                "change": { "key": change.key, "value": change.value },
            })
        );
    } else {
        println!("Guildhall demo");
        println!(
            "  Discord stand-in  {} (gateway {})",
            sandbox.api_base(),
            sandbox.gateway_url()
        );
        for (id, name, members) in &guilds {
            println!("    guild {id} \"{name}\" with {members} members");
        }
        println!(
            "  dashboard         {url}  (one-click login as the owner of the first guild: {url}/login)",
            url = settings.web.public_url()
        );
        println!(
            "  bot               connected to the stand-in; slash commands, prefix !ping, automod and a ticket panel in #help of the first guild"
        );
        println!(
            "  levels            on in the first guild: XP for chatter and voice, rewards @Active (level 1), @Regular (3), @Veteran (5); a role panel for level 1+ in #welcome"
        );
        println!(
            "  giveaway          60 s in #general of the first guild, 2 winners, 30 s to claim: the traffic's clicks enter, then a draw, claims and automatic rerolls"
        );
        println!(
            "  automation        the first guild posts a message every minute in #general; triggers answer \"game\", \"borrow checker\" and react to \"gg\"; newcomers get @Newcomer and, two minutes later, the rules by DM"
        );
        println!(
            "  job worker        SQLite in {dir}/; job {} switches {} {} in 5 s",
            job.id, change.key, change.value
        );
        println!(
            "  traffic           {} simulated events per second (chatter, joins, voice, reactions, spam)",
            args.traffic
        );
        println!("  watch it from another terminal:");
        println!("    cargo run -p guildhall -- --data-dir {dir} jobs list");
        println!(
            "    cargo run -p guildhall -- --data-dir {dir} config history --guild {first_guild}"
        );
        println!("    cargo run -p guildhall -- --data-dir {dir} commands stats");
        println!(
            "    cargo run -p guildhall -- --data-dir {dir} tickets list --guild {first_guild}"
        );
        println!(
            "    cargo run -p guildhall -- --data-dir {dir} moderation list --guild {first_guild}"
        );
        println!("    cargo run -p guildhall -- --data-dir {dir} levels top --guild {first_guild}");
        println!(
            "    cargo run -p guildhall -- --data-dir {dir} giveaways list --guild {first_guild}"
        );
        println!(
            "    cargo run -p guildhall -- --data-dir {dir} console --instance {}",
            settings.web.public_url()
        );
        println!(
            "    cargo run -p guildhall -- --data-dir {dir} logs tail --instance {}",
            settings.web.public_url()
        );
        println!("Press Ctrl-C to stop.");
    }

    let shutdown = runtime::shutdown_on_signals();
    if let Some(limit) = args.run_for {
        let stop = shutdown.clone();
        tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            stop.cancel();
        });
    }
    let traffic = (args.traffic > 0.0).then(|| {
        Traffic::start(
            sandbox.clone(),
            TrafficOptions {
                events_per_second: args.traffic,
                ..TrafficOptions::default()
            },
        )
    });
    // The traffic runs beside the stack and logs a heartbeat of what it did, so the demo
    // visibly lives; it stops with everything else and reports its totals.
    let traffic = traffic.map(|traffic| {
        let watched = sandbox.clone();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(Duration::from_secs(5));
            ticker.tick().await;
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    _ = ticker.tick() => {
                        let now = traffic.counts();
                        tracing::info!(
                            simulated = now.total(), messages = now.messages, joins = now.joins, leaves = now.leaves,
                            voice = now.voice, reactions = now.reactions, spam = now.spam_messages, clicks = now.clicks,
                            rest_calls_from_bot = watched.requests().len(),
                            "demo activity"
                        );
                    }
                }
            }
            traffic.stop().await
        })
    });
    let parts = runtime::Parts {
        worker: true,
        bot: true,
        web: true,
        shards: guildhall_bot::Shards::Auto,
    };
    let served = runtime::serve(&settings, &services, parts, shutdown).await;
    let counts = match traffic {
        Some(traffic) => traffic.await.ok(),
        None => None,
    };
    let handled = sandbox.requests().len();
    sandbox.shutdown();
    if let Some(counts) = counts {
        tracing::info!(
            simulated = counts.total(),
            messages = counts.messages,
            joins = counts.joins,
            voice = counts.voice,
            reactions = counts.reactions,
            spam = counts.spam_messages,
            rest_calls = handled,
            "demo stopped"
        );
    }
    served
}

/// Switches tickets on in the first guild with the Moderators as staff, and posts a panel in
/// #help (once per data directory): the traffic generator's members press its button, so
/// tickets open, and anyone can open one from the dashboard's view of the stand-in.
async fn open_help_desk(
    services: &Services,
    guild: guildhall_core::ids::GuildId,
    channel: guildhall_core::ids::ChannelId,
    staff: guildhall_core::ids::RoleId,
    owner: guildhall_core::ids::UserId,
) -> anyhow::Result<()> {
    for (key, value) in [
        ("features.tickets", "on".to_owned()),
        ("tickets.staff_roles", format!("[\"{staff}\"]")),
        // The warning must come before the close: set it first.
        ("tickets.auto_close_warning_minutes", "10".to_owned()),
        ("tickets.auto_close_hours", "1".to_owned()),
    ] {
        services.config.set_key(guild, key, &value, "demo").await?;
    }
    let tickets = std::sync::Arc::clone(&services.tickets);
    if !tickets.panels(guild).await?.is_empty() {
        return Ok(());
    }
    let settings = services.config.get(guild).await?.tickets.clone();
    let created = tickets
        .create_panel(
            &settings,
            guildhall_core::tickets::PanelRequest {
                guild,
                channel,
                title: "Need help?".into(),
                description:
                    "Press the button: a private thread opens with you and the moderators.".into(),
                button_label: "Open a ticket".into(),
                staff_roles: vec![staff],
                created_by: owner,
            },
        )
        .await?;
    guildhall_core::jobs::perform::schedule(&services.ledger, Some(guild), created.post).await?;
    Ok(())
}

/// Switches levels on in the first guild, tuned so the traffic generator's members level up
/// within a minute: a 5 s cooldown, generous XP per message, a gentle curve, voice XP, and
/// reward roles at levels 1, 3 and 5 (@Active, @Regular, @Veteran), stacked.
/// Starts a 60-second giveaway with two winners in #general of the first guild, unless one
/// runs there already (a restarted demo): the traffic generator presses the first button of the
/// bot's messages, which is Enter, so members enter; the draw, claims (traffic presses "Claim
/// prize" now and then) and automatic rerolls after a 30-second claim window follow within a few
/// minutes. Posted by the bot through the `giveaways.post` job.
/// Event logs in the first guild: messages, members, member changes, roles, channels and voice
/// in #server-log, the bot's moderation actions in #mod-log, message text kept for 7 days,
/// and members alone in voice for five minutes moved to the AFK channel.
async fn start_logging(
    services: &Services,
    guild: &guildhall_sandbox::seed::SeedGuild,
) -> anyhow::Result<()> {
    let named = |name: &str| {
        guild
            .channels
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.id.to_string())
    };
    let (Some(log), Some(mod_log), Some(afk)) =
        (named("server-log"), named("mod-log"), named("AFK"))
    else {
        return Ok(());
    };
    for (key, value) in [
        ("logging.messages_channel", log.as_str()),
        ("logging.members_channel", log.as_str()),
        ("logging.member_updates_channel", log.as_str()),
        ("logging.roles_channel", log.as_str()),
        ("logging.channels_channel", log.as_str()),
        ("logging.voice_channel", log.as_str()),
        ("logging.moderation_channel", mod_log.as_str()),
        ("logging.afk_channel", afk.as_str()),
        ("logging.afk_alone_secs", "300"),
        ("logging.afk_action", "move"),
        ("features.logging", "on"),
    ] {
        services
            .config
            .set_key(guild.id, key, value, "demo")
            .await?;
    }
    Ok(())
}

/// Automation in the first guild: a scheduled message every minute in #general and triggers
/// the traffic's chatter hits (idempotent, so a restarted demo keeps one of each).
async fn start_automation(
    services: &Services,
    guild: &guildhall_sandbox::seed::SeedGuild,
) -> anyhow::Result<()> {
    use guildhall_core::automation::{MatchKind, NewSchedule, ScheduledPost, Trigger};
    let Some(channel) = guild.channels.iter().find(|c| c.name == "general") else {
        return Ok(());
    };
    services
        .config
        .set_key(guild.id, "features.automation", "on", "demo")
        .await?;
    let automation = &services.automation;
    if automation.schedules(guild.id).await?.is_empty() {
        automation
            .create_schedule(
                NewSchedule {
                    guild: guild.id,
                    channel: channel.id,
                    name: "Minute bell".into(),
                    cron: "* * * * *".into(),
                    timezone: None,
                    post: ScheduledPost {
                        text: "🔔 The minute bell: drink some water and stretch.".into(),
                        ..ScheduledPost::default()
                    },
                },
                "demo",
            )
            .await?;
        automation
            .create_schedule(
                NewSchedule {
                    guild: guild.id,
                    channel: channel.id,
                    name: "Weekly game night".into(),
                    cron: "0 20 * * FRI".into(),
                    timezone: None,
                    post: ScheduledPost {
                        embed_title: Some("🎮 Game night starts now".into()),
                        embed_description: Some("Join the voice channel!".into()),
                        embed_colour: Some(0x0058_65F2),
                        ..ScheduledPost::default()
                    },
                },
                "demo",
            )
            .await?;
    }
    for trigger in [
        Trigger {
            name: "game night".into(),
            kind: MatchKind::Word,
            pattern: "game".into(),
            response: "🎮 {user.name}, game night is Fridays at 20:00 in voice: all {membercount} of {server} welcome!".into(),
            cooldown_secs: 60,
            ..Trigger::default()
        },
        Trigger {
            name: "borrow checker".into(),
            kind: MatchKind::Contains,
            pattern: "borrow checker".into(),
            response: "{user}, the Rust book's chapter on ownership helps: https://doc.rust-lang.org/book/ch04-00-understanding-ownership.html".into(),
            embed: true,
            cooldown_secs: 120,
            ..Trigger::default()
        },
        Trigger {
            name: "gg".into(),
            kind: MatchKind::Exact,
            pattern: "gg".into(),
            react: Some("🎉".into()),
            ..Trigger::default()
        },
        Trigger {
            name: "order lookup".into(),
            kind: MatchKind::Regex,
            pattern: r"order\s*#?\d{4,}".into(),
            response: "Looking up that order, {user.name}: a mod will reply in {channel}.".into(),
            ..Trigger::default()
        },
    ] {
        automation.save_trigger(guild.id, trigger, true, "demo").await?;
    }
    // A join automation: the traffic's newcomers get @Newcomer, and after two minutes those
    // who are still here and not yet @Regular get the rules by DM.
    let role = |name: &str| {
        guild
            .roles
            .iter()
            .find(|role| role.name == name)
            .map(|role| role.id)
    };
    if let (Some(newcomer), Some(regular)) = (role("Newcomer"), role("Regular")) {
        use guildhall_core::automation::{Flow, FlowEvent, Step};
        let welcome = Flow {
            name: "Welcome newcomers".into(),
            when: FlowEvent::MemberJoined,
            steps: vec![
                Step::AddRole { role: newcomer },
                Step::Wait { seconds: 120 },
                Step::Check {
                    has_any: Vec::new(),
                    lacks_all: vec![regular],
                },
                Step::Dm {
                    text: format!(
                        "Welcome to {{server}}, {{user.name}}! Please read the rules and say hi in <#{}>.",
                        channel.id
                    ),
                },
            ],
            ..Flow::default()
        };
        automation
            .save_flow(guild.id, welcome, true, "demo")
            .await?;
    }
    Ok(())
}

async fn start_giveaway(
    services: &Services,
    guild: &guildhall_sandbox::seed::SeedGuild,
) -> anyhow::Result<()> {
    use guildhall_core::giveaways::{
        GiveawayRequest, GiveawayState, Manager, schedule_post, settings::MIN_CLAIM_WINDOW_SECS,
    };
    let Some(channel) = guild.channels.iter().find(|c| c.name == "general") else {
        return Ok(());
    };
    let claim_window = MIN_CLAIM_WINDOW_SECS.max(30).to_string();
    // `features.giveaways` is switched on by the scheduled change below; the giveaway runs
    // either way (the flag gates `/giveaway start`, not entries).
    services
        .config
        .set_key(
            guild.id,
            "giveaways.claim_window_secs",
            &claim_window,
            "demo",
        )
        .await?;
    let giveaways = std::sync::Arc::clone(&services.giveaways);
    if !giveaways
        .list(guild.id, Some(GiveawayState::Running), 1)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let names = guildhall_core::eligibility::GuildRoleNames {
        cache: &services.guild_cache,
        guild: guild.id,
    };
    let started = giveaways
        .start(
            GiveawayRequest {
                guild: guild.id,
                channel: channel.id,
                prize: "Demo Nitro".to_owned(),
                winners: 2,
                duration: Duration::from_secs(60),
                requirements: None,
                by: Manager::Operator,
            },
            &names,
        )
        .await?;
    schedule_post(&services.ledger, guild.id, started.giveaway.id).await?;
    Ok(())
}

async fn start_levels(
    services: &Services,
    guild: &guildhall_sandbox::seed::SeedGuild,
) -> anyhow::Result<()> {
    let role = |name: &str| {
        guild
            .roles
            .iter()
            .find(|role| role.name == name)
            .map(|role| role.id)
    };
    let rewards: Vec<serde_json::Value> = [(1, "Active"), (3, "Regular"), (5, "Veteran")]
        .into_iter()
        .filter_map(|(level, name)| Some(json!({ "level": level, "role": role(name)? })))
        .collect();
    for (key, value) in [
        ("features.levels", "on".to_owned()),
        ("levels.cooldown_secs", "5".to_owned()),
        // The most first: xp_min may not exceed xp_max.
        ("levels.xp_max", "80".to_owned()),
        ("levels.xp_min", "40".to_owned()),
        // Levels 1, 3 and 5 at 60, 250 and 560 XP.
        ("levels.curve", r#"{"a": 2, "b": 20, "c": 60}"#.to_owned()),
        (
            "levels.rewards",
            serde_json::Value::from(rewards).to_string(),
        ),
        (
            "levels.voice",
            r#"{"enabled": true, "xp_per_minute": 60, "interval_secs": 10}"#.to_owned(),
        ),
        ("levels.flush_interval_secs", "5".to_owned()),
    ] {
        services
            .config
            .set_key(guild.id, key, &value, "demo")
            .await?;
    }
    Ok(())
}

/// Posts a role panel in #welcome of the first guild (once per data directory): @Events and
/// @Game Night for members at level 1 or above, so the traffic generator's clicks are refused
/// until the member has levelled up. Posted by the bot through the `roles.post_panel` job.
async fn post_role_panel(
    services: &Services,
    guild: &guildhall_sandbox::seed::SeedGuild,
    bot: guildhall_core::ids::UserId,
) -> anyhow::Result<()> {
    use guildhall_core::permissions::{MemberInfo, RoleInfo};
    use guildhall_core::roles::{PanelChoice, PanelContent, PanelOption, PanelStyle};
    let roles = std::sync::Arc::clone(&services.roles);
    let Some(channel) = guild.channels.iter().find(|c| c.name == "welcome") else {
        return Ok(());
    };
    let offered: Vec<PanelOption> = ["Events", "Game Night"]
        .into_iter()
        .filter_map(|name| {
            let role = guild.roles.iter().find(|role| role.name == name)?;
            Some(PanelOption::new(role.id, name))
        })
        .collect();
    if offered.is_empty() || !roles.panels(guild.id).await?.is_empty() {
        return Ok(());
    }
    // The guild as GUILD_CREATE will describe it, so the panel's roles are checked against the
    // bot's own before the bot has connected.
    let model = guildhall_core::guild_cache::GuildCache::new();
    let mut guild_roles: Vec<(RoleInfo, String)> = guild
        .roles
        .iter()
        .map(|role| {
            (
                RoleInfo {
                    id: role.id,
                    position: role.position,
                    permissions: role.permissions,
                },
                role.name.clone(),
            )
        })
        .collect();
    guild_roles.push((
        RoleInfo {
            id: guildhall_core::ids::RoleId::new(guild.id.get()),
            position: 0,
            permissions: guild.everyone,
        },
        "@everyone".to_owned(),
    ));
    let members = guild
        .members
        .iter()
        .map(|member| MemberInfo {
            user: member.user,
            roles: member.roles.clone(),
            timed_out_until: None,
        })
        .collect();
    model.put_guild(
        guild.id,
        guild.name.clone(),
        guild.owner,
        guild_roles,
        members,
    );
    let (Some(info), Some(bot_member)) = (model.guild_info(guild.id), model.member(guild.id, bot))
    else {
        return Ok(());
    };
    // Role panels answer clicks only where the feature is on.
    services
        .config
        .set_key(guild.id, "features.roles", "on", "demo")
        .await?;
    let settings = services.config.get(guild.id).await?.roles.clone();
    let created = roles
        .create_panel(
            &settings,
            guildhall_core::roles::PanelRequest {
                guild: guild.id,
                channel: channel.id,
                content: PanelContent {
                    title: "Pick your pings".into(),
                    description:
                        "Level 1 and up: take the roles for the events you want to hear about."
                            .into(),
                    style: PanelStyle::Buttons,
                    choice: PanelChoice::Multiple,
                    options: offered,
                    requirements: guildhall_core::eligibility::Requirements {
                        min_level: Some(1),
                        ..guildhall_core::eligibility::Requirements::default()
                    },
                    timed: None,
                },
                created_by: guild.owner,
            },
            &guildhall_core::roles::RoleAuthority {
                guild: &info,
                bot: &bot_member,
                invoker: None,
                managed: &[],
            },
            &guildhall_core::eligibility::GuildRoleNames {
                cache: &model,
                guild: guild.id,
            },
        )
        .await?;
    guildhall_core::roles::schedule_post(&services.ledger, guild.id, created.panel.id).await?;
    Ok(())
}

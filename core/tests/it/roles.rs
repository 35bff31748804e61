//! Role stories on every backend: panels created, edited and deleted (with their refusals),
//! clicks that toggle, swap, rate-limit and check eligibility, self-assignable roles, and timed
//! roles granted, replaced, removed early and expired through the job ledger, never across
//! guilds.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use guildhall_core::clock::{ManualClock, UnixMillis};
use guildhall_core::coordination::MemoryCoordination;
use guildhall_core::db::Db;
use guildhall_core::effect::{Effect, EffectError};
use guildhall_core::eligibility::Requirements;
use guildhall_core::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use guildhall_core::jobs::{JobFilter, JobHandler, JobLedger, JobOutcome, JobState};
use guildhall_core::permissions::{GuildInfo, MemberInfo, Permissions, RoleInfo};
use guildhall_core::refusals;
use guildhall_core::roles::{
    Click, EXPIRE_TIMED_ROLE, ExpireTimedRole, PanelChoice, PanelContent, PanelEdit, PanelOption,
    PanelRequest, PanelStyle, Removal, RoleAuthority, RoleComponent, RoleError, RoleService,
    RoleSettings, SelfRoleRequest, TimedGrant, TimedSource,
};
use guildhall_core::testing;

const GUILD: GuildId = GuildId::new(100);
const OTHER_GUILD: GuildId = GuildId::new(200);
const OWNER: UserId = UserId::new(1);
const BOT: UserId = UserId::new(2);
const MODERATOR: UserId = UserId::new(4);
const MEMBER: UserId = UserId::new(6);
const ADMIN_ROLE: RoleId = RoleId::new(10);
const BOT_ROLE: RoleId = RoleId::new(11);
const MOD_ROLE: RoleId = RoleId::new(12);
const RED: RoleId = RoleId::new(21);
const BLUE: RoleId = RoleId::new(22);
const GREEN: RoleId = RoleId::new(23);
const CHANNEL: ChannelId = ChannelId::new(700);
const START: UnixMillis = UnixMillis(1_700_000_000_000);
const DAY: Duration = Duration::from_secs(86_400);

fn guild_info(guild: GuildId) -> GuildInfo {
    let role = |id: RoleId, position, permissions| RoleInfo {
        id,
        position,
        permissions,
    };
    GuildInfo {
        id: guild,
        owner: OWNER,
        roles: vec![
            role(RoleId::new(guild.get()), 0, Permissions::VIEW_CHANNEL),
            role(ADMIN_ROLE, 10, Permissions::ADMINISTRATOR),
            role(BOT_ROLE, 8, Permissions::MANAGE_ROLES),
            role(MOD_ROLE, 5, Permissions::MANAGE_ROLES),
            role(RED, 3, Permissions::NONE),
            role(BLUE, 2, Permissions::NONE),
            role(GREEN, 1, Permissions::NONE),
        ],
    }
}

fn member(user: UserId, roles: &[RoleId]) -> MemberInfo {
    MemberInfo {
        user,
        roles: roles.to_vec(),
        timed_out_until: None,
    }
}

fn names() -> HashMap<RoleId, String> {
    [
        (ADMIN_ROLE, "Admin"),
        (BOT_ROLE, "Guildhall"),
        (MOD_ROLE, "Moderator"),
        (RED, "Red"),
        (BLUE, "Blue"),
        (GREEN, "Green"),
    ]
    .into_iter()
    .map(|(id, name)| (id, name.to_owned()))
    .collect()
}

struct Setup {
    service: Arc<RoleService>,
    ledger: JobLedger,
    clock: ManualClock,
    db: Db,
    guild: GuildInfo,
    bot: MemberInfo,
    moderator: MemberInfo,
}

impl Setup {
    fn authority<'a>(&'a self, invoker: Option<&'a MemberInfo>) -> RoleAuthority<'a> {
        RoleAuthority {
            guild: &self.guild,
            bot: &self.bot,
            invoker,
            managed: &[],
        }
    }
}

fn setup(db: &Db) -> Setup {
    let clock = ManualClock::new(START);
    let shared: Arc<ManualClock> = Arc::new(clock.clone());
    let ledger = JobLedger::new(db.clone(), shared.clone(), 3);
    let coordination = Arc::new(MemoryCoordination::new(shared.clone()));
    let service = Arc::new(RoleService::new(
        db.clone(),
        shared,
        ledger.clone(),
        coordination,
    ));
    Setup {
        service,
        ledger,
        clock,
        db: db.clone(),
        guild: guild_info(GUILD),
        bot: member(BOT, &[BOT_ROLE]),
        moderator: member(MODERATOR, &[MOD_ROLE]),
    }
}

fn content(style: PanelStyle, choice: PanelChoice, roles: &[RoleId]) -> PanelContent {
    PanelContent {
        title: "Colours".into(),
        description: "Pick a colour".into(),
        style,
        choice,
        options: roles
            .iter()
            .map(|role| PanelOption::new(*role, format!("role {role}")))
            .collect(),
        requirements: Requirements::default(),
        timed: None,
    }
}

async fn create(
    setup: &Setup,
    guild: GuildId,
    content: PanelContent,
) -> guildhall_core::roles::PanelId {
    let info = guild_info(guild);
    let authority = RoleAuthority {
        guild: &info,
        bot: &setup.bot,
        invoker: Some(&setup.moderator),
        managed: &[],
    };
    let created = setup
        .service
        .create_panel(
            &RoleSettings::default(),
            PanelRequest {
                guild,
                channel: CHANNEL,
                content,
                created_by: MODERATOR,
            },
            &authority,
            &names(),
        )
        .await
        .unwrap();
    assert!(matches!(created.post, Effect::SendMessage { channel, .. } if channel == CHANNEL));
    created.panel.id
}

async fn click(
    setup: &Setup,
    settings: &RoleSettings,
    component: RoleComponent,
    values: &[&str],
    roles: &[RoleId],
) -> (Vec<Effect>, String) {
    let values: Vec<String> = values.iter().map(|value| (*value).to_owned()).collect();
    let outcome = setup
        .service
        .click(
            settings,
            &Click {
                guild: GUILD,
                user: MEMBER,
                component,
                values: &values,
                roles,
                joined_at: Some(START),
            },
            &setup.authority(None),
            &names(),
        )
        .await
        .unwrap();
    (outcome.effects, outcome.answer)
}

fn add(role: RoleId) -> Effect {
    Effect::AddRole {
        guild: GUILD,
        user: MEMBER,
        role,
        reason: None,
    }
}

fn remove(role: RoleId) -> Effect {
    Effect::RemoveRole {
        guild: GUILD,
        user: MEMBER,
        role,
        reason: None,
    }
}

/// Effects without their audit reasons, to compare what they do.
fn without_reasons(effects: Vec<Effect>) -> Vec<Effect> {
    effects
        .into_iter()
        .map(|effect| match effect {
            Effect::AddRole {
                guild, user, role, ..
            } => Effect::AddRole {
                guild,
                user,
                role,
                reason: None,
            },
            Effect::RemoveRole {
                guild, user, role, ..
            } => Effect::RemoveRole {
                guild,
                user,
                role,
                reason: None,
            },
            other => other,
        })
        .collect()
}

#[tokio::test]
async fn roles_panels_are_created_edited_and_deleted_and_refuse_roles_above_the_bot() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let service = &setup.service;
        let settings = RoleSettings::default();

        // A role above the bot is refused, named with the fix, stored, and nothing is created.
        let refused = service
            .create_panel(
                &settings,
                PanelRequest {
                    guild: GUILD,
                    channel: CHANNEL,
                    content: content(
                        PanelStyle::Buttons,
                        PanelChoice::Multiple,
                        &[RED, ADMIN_ROLE],
                    ),
                    created_by: OWNER,
                },
                &setup.authority(Some(&member(OWNER, &[]))),
                &names(),
            )
            .await
            .unwrap_err();
        let RoleError::Refused { refusal, message } = &refused else {
            panic!("refused: {refused:?}");
        };
        assert_eq!(refusal.code(), "role_not_below_bot");
        assert_eq!(
            message,
            "I cannot give @Admin: it is above my highest role (@Guildhall); move my role above it in Server Settings → Roles."
        );
        let stored = refusals::list(&setup.db, GUILD, 10).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(
            (stored[0].action.as_str(), stored[0].invoker),
            ("rolepanel.create", OWNER)
        );
        assert!(service.panels(GUILD).await.unwrap().is_empty());

        // A moderator cannot hand out their own role.
        let refused = service
            .create_panel(
                &settings,
                PanelRequest {
                    guild: GUILD,
                    channel: CHANNEL,
                    content: content(PanelStyle::Buttons, PanelChoice::Multiple, &[MOD_ROLE]),
                    created_by: MODERATOR,
                },
                &setup.authority(Some(&setup.moderator)),
                &names(),
            )
            .await
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "You cannot hand out @Moderator: it is not below your highest role."
        );

        let panel = create(
            &setup,
            GUILD,
            content(PanelStyle::Buttons, PanelChoice::Multiple, &[RED, BLUE]),
        )
        .await;
        let other = create(
            &setup,
            OTHER_GUILD,
            content(PanelStyle::Select, PanelChoice::Single, &[GREEN]),
        )
        .await;
        assert!(matches!(
            service.panel(OTHER_GUILD, panel).await,
            Err(RoleError::NoSuchPanel(_))
        ));
        let listed = service.panels(GUILD).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].roles(), [RED, BLUE]);
        assert_eq!(listed[0].options[0].label, "role 21");

        // Without a posted message an edit has nothing to update; with one it edits it.
        let edit = |roles: &[RoleId]| PanelEdit {
            guild: GUILD,
            panel,
            content: PanelContent {
                title: "Colours, again".into(),
                timed: Some(DAY),
                ..content(PanelStyle::Select, PanelChoice::Single, roles)
            },
            editor: MODERATOR,
        };
        let edited = service
            .edit_panel(
                &settings,
                edit(&[GREEN]),
                &setup.authority(Some(&setup.moderator)),
                &names(),
            )
            .await
            .unwrap();
        assert_eq!(edited.edit, None);
        service
            .record_panel_message(GUILD, panel, MessageId::new(900))
            .await
            .unwrap();
        setup.clock.advance(Duration::from_secs(60));
        let edited = service
            .edit_panel(
                &settings,
                edit(&[GREEN, BLUE, RED]),
                &setup.authority(Some(&setup.moderator)),
                &names(),
            )
            .await
            .unwrap();
        let Some(Effect::EditMessage {
            channel,
            message_id,
            message,
        }) = &edited.edit
        else {
            panic!("an edit of the posted message: {:?}", edited.edit);
        };
        assert_eq!((*channel, *message_id), (CHANNEL, MessageId::new(900)));
        assert_eq!(message.embeds[0].title.as_deref(), Some("Colours, again"));
        let stored = service.panel(GUILD, panel).await.unwrap();
        assert_eq!(stored.roles(), [GREEN, BLUE, RED]);
        assert_eq!(
            (stored.style, stored.choice, stored.timed_secs),
            (PanelStyle::Select, PanelChoice::Single, Some(86_400))
        );
        assert!(stored.updated_at > stored.created_at);
        // An edit is checked like a creation.
        assert!(matches!(
            service
                .edit_panel(
                    &settings,
                    edit(&[ADMIN_ROLE]),
                    &setup.authority(Some(&setup.moderator)),
                    &names()
                )
                .await,
            Err(RoleError::Refused { .. })
        ));
        assert!(matches!(
            service
                .edit_panel(
                    &settings,
                    PanelEdit {
                        guild: OTHER_GUILD,
                        ..edit(&[RED])
                    },
                    &setup.authority(Some(&setup.moderator)),
                    &names()
                )
                .await,
            Err(RoleError::NoSuchPanel(_))
        ));

        assert!(matches!(
            service.delete_panel(OTHER_GUILD, panel).await,
            Err(RoleError::NoSuchPanel(_))
        ));
        let deleted = service.delete_panel(GUILD, panel).await.unwrap();
        assert!(matches!(
            deleted.delete,
            Some(Effect::DeleteMessage { message_id, .. }) if message_id == MessageId::new(900)
        ));
        assert!(service.panels(GUILD).await.unwrap().is_empty());
        assert_eq!(service.panels(OTHER_GUILD).await.unwrap()[0].id, other);
    }
}

#[tokio::test]
async fn roles_clicks_toggle_swap_check_eligibility_and_slow_down() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let settings = RoleSettings {
            panel_clicks_per_minute: 4,
            ..RoleSettings::default()
        };
        let multiple = create(
            &setup,
            GUILD,
            content(PanelStyle::Buttons, PanelChoice::Multiple, &[RED, BLUE]),
        )
        .await;
        let button = |panel, role| RoleComponent::Button { panel, role };

        let (effects, answer) = click(&setup, &settings, button(multiple, RED), &[], &[]).await;
        assert_eq!(without_reasons(effects), [add(RED)]);
        assert_eq!(answer, "Added @Red.");
        let (effects, answer) = click(&setup, &settings, button(multiple, RED), &[], &[RED]).await;
        assert_eq!(without_reasons(effects), [remove(RED)]);
        assert_eq!(answer, "Removed @Red.");

        let single = create(
            &setup,
            GUILD,
            content(PanelStyle::Buttons, PanelChoice::Single, &[RED, BLUE]),
        )
        .await;
        let (effects, answer) = click(&setup, &settings, button(single, BLUE), &[], &[RED]).await;
        assert_eq!(without_reasons(effects), [remove(RED), add(BLUE)]);
        assert_eq!(answer, "Added @Blue and removed @Red.");

        // The fifth change in a minute is refused; a minute later clicks work again.
        let (effects, answer) = click(&setup, &settings, button(single, BLUE), &[], &[]).await;
        assert_eq!(without_reasons(effects), [add(BLUE)]);
        let (effects, answer_over) = click(&setup, &settings, button(single, BLUE), &[], &[]).await;
        assert!(effects.is_empty());
        assert_eq!(answer_over, "Slow down: at most 4 role changes a minute.");
        assert_eq!(answer, "Added @Blue.");
        setup.clock.advance(Duration::from_secs(61));

        // A select menu is the member's whole choice for the panel.
        let select = create(
            &setup,
            GUILD,
            content(
                PanelStyle::Select,
                PanelChoice::Multiple,
                &[RED, BLUE, GREEN],
            ),
        )
        .await;
        let (effects, _) = click(
            &setup,
            &settings,
            RoleComponent::Select { panel: select },
            &[&RED.to_string(), &GREEN.to_string(), "junk"],
            &[BLUE, GREEN],
        )
        .await;
        assert_eq!(without_reasons(effects), [remove(BLUE), add(RED)]);

        // A button of another panel kind, a role no longer offered, another guild's panel.
        let (effects, answer) = click(&setup, &settings, button(multiple, GREEN), &[], &[]).await;
        assert!(effects.is_empty());
        assert_eq!(answer, "That role is no longer on this panel.");
        let elsewhere = create(
            &setup,
            OTHER_GUILD,
            content(PanelStyle::Buttons, PanelChoice::Multiple, &[RED]),
        )
        .await;
        let (effects, answer) = click(&setup, &settings, button(elsewhere, RED), &[], &[]).await;
        assert!(effects.is_empty());
        assert!(answer.contains("no longer exists"), "{answer}");
        setup.clock.advance(Duration::from_secs(61));

        // Requirements: a level when levels are not tracked, a role the member lacks. Giving
        // a role back needs no requirement.
        let mut guarded = content(PanelStyle::Buttons, PanelChoice::Multiple, &[RED]);
        guarded.requirements = Requirements {
            any_roles: vec![GREEN],
            min_level: Some(5),
            ..Requirements::default()
        };
        let guarded = create(&setup, GUILD, guarded).await;
        let (effects, answer) = click(&setup, &settings, button(guarded, RED), &[], &[]).await;
        assert!(effects.is_empty());
        assert_eq!(
            answer,
            "You need the @Green role. You need level 5; this server does not track levels at the moment."
        );
        let (effects, _) = click(&setup, &settings, button(guarded, RED), &[], &[RED]).await;
        assert_eq!(without_reasons(effects), [remove(RED)]);

        // Roles move: a panel role now above the bot is refused at the click, and stored.
        let mut moved = setup.guild.clone();
        for role in &mut moved.roles {
            if role.id == BLUE {
                role.position = 9;
            }
        }
        let outcome = setup
            .service
            .click(
                &settings,
                &Click {
                    guild: GUILD,
                    user: MEMBER,
                    component: button(multiple, BLUE),
                    values: &[],
                    roles: &[],
                    joined_at: None,
                },
                &RoleAuthority {
                    guild: &moved,
                    bot: &setup.bot,
                    invoker: None,
                    managed: &[],
                },
                &names(),
            )
            .await
            .unwrap();
        assert!(outcome.effects.is_empty());
        assert!(
            outcome
                .answer
                .starts_with("I cannot give @Blue: it is above my highest role (@Guildhall)"),
            "{}",
            outcome.answer
        );
        let stored = refusals::list(&setup.db, GUILD, 10).await.unwrap();
        assert_eq!(stored[0].action, "rolepanel.click");
        assert_eq!(stored[0].invoker, MEMBER);
    }
}

#[tokio::test]
async fn roles_self_assignable_roles_are_limited_to_the_list() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let service = &setup.service;
        let request = |role, add, held: &'static [RoleId]| SelfRoleRequest {
            guild: GUILD,
            user: MEMBER,
            role,
            add,
            held,
        };
        let none = service
            .self_role(
                &RoleSettings::default(),
                request(RED, true, &[]),
                &setup.authority(None),
                &names(),
            )
            .await
            .unwrap_err();
        assert!(
            none.to_string().contains("no self-assignable roles"),
            "{none}"
        );
        let settings = RoleSettings {
            self_roles: vec![RED, BLUE, ADMIN_ROLE],
            ..RoleSettings::default()
        };
        let refused = service
            .self_role(
                &settings,
                request(GREEN, true, &[]),
                &setup.authority(None),
                &names(),
            )
            .await
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "@Green is not a self-assignable role here; you can take: @Red, @Blue, @Admin."
        );
        let added = service
            .self_role(
                &settings,
                request(RED, true, &[]),
                &setup.authority(None),
                &names(),
            )
            .await
            .unwrap();
        assert_eq!(added.answer, "Added @Red.");
        assert!(matches!(added.effect, Effect::AddRole { role, .. } if role == RED));
        let removed = service
            .self_role(
                &settings,
                request(RED, false, &[RED]),
                &setup.authority(None),
                &names(),
            )
            .await
            .unwrap();
        assert!(matches!(removed.effect, Effect::RemoveRole { role, .. } if role == RED));
        assert_eq!(
            service
                .self_role(
                    &settings,
                    request(BLUE, true, &[BLUE]),
                    &setup.authority(None),
                    &names()
                )
                .await
                .unwrap_err()
                .to_string(),
            "You already have @Blue."
        );
        // Listed, but above the bot: refused with the fix.
        let above = service
            .self_role(
                &settings,
                request(ADMIN_ROLE, true, &[]),
                &setup.authority(None),
                &names(),
            )
            .await
            .unwrap_err();
        assert!(matches!(above, RoleError::Refused { .. }), "{above:?}");
    }
}

fn grant(user: UserId, role: RoleId, duration: Duration) -> TimedGrant {
    TimedGrant {
        guild: GUILD,
        user,
        role,
        duration,
        source: TimedSource::Command,
        panel: None,
        granted_by: MODERATOR,
        already_held: false,
    }
}

#[tokio::test]
async fn roles_timed_roles_expire_through_the_ledger_once_and_can_end_early() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let service = &setup.service;
        let settings = RoleSettings::default();
        let moderator = setup.moderator.clone();
        let authority = setup.authority(Some(&moderator));

        // Durations are bounded by the settings; a role held for good is not put on a timer;
        // a role the giver may not hand out is refused.
        for (duration, fragment) in [
            (Duration::ZERO, "at least 1 second"),
            (400 * DAY, "at most 1 year (roles.max_temp_role_days)"),
        ] {
            let error = service
                .grant_timed(
                    &settings,
                    grant(MEMBER, RED, duration),
                    &authority,
                    &names(),
                )
                .await
                .unwrap_err();
            assert!(error.to_string().contains(fragment), "{error}");
        }
        let held = service
            .grant_timed(
                &settings,
                TimedGrant {
                    already_held: true,
                    ..grant(MEMBER, RED, DAY)
                },
                &authority,
                &names(),
            )
            .await
            .unwrap_err();
        assert!(
            held.to_string().contains("already has @Red with no end"),
            "{held}"
        );
        assert!(matches!(
            service
                .grant_timed(
                    &settings,
                    grant(MEMBER, MOD_ROLE, DAY),
                    &authority,
                    &names()
                )
                .await,
            Err(RoleError::Refused { .. })
        ));

        let granted = service
            .grant_timed(&settings, grant(MEMBER, RED, DAY), &authority, &names())
            .await
            .unwrap();
        assert_eq!(granted.timed.expires_at, START.plus(DAY));
        assert!(matches!(granted.add, Effect::AddRole { role, .. } if role == RED));
        let job = setup.ledger.get(granted.timed.job.unwrap()).await.unwrap();
        assert_eq!(
            (job.kind.as_str(), job.due_at, job.guild),
            (EXPIRE_TIMED_ROLE, START.plus(DAY), Some(GUILD))
        );

        // Given again: the new end replaces the old, whose timer is cancelled.
        setup.clock.advance(Duration::from_secs(3_600));
        let again = service
            .grant_timed(
                &settings,
                TimedGrant {
                    already_held: true,
                    ..grant(MEMBER, RED, 2 * DAY)
                },
                &authority,
                &names(),
            )
            .await
            .unwrap();
        let replaced = again.replaced.clone().unwrap();
        assert_eq!(replaced.id, granted.timed.id);
        assert_eq!(replaced.removal, Some(Removal::Replaced));
        assert_eq!(
            setup.ledger.get(job.id).await.unwrap().state,
            JobState::Cancelled
        );
        let running = service.timed_roles(GUILD, None).await.unwrap();
        assert_eq!(running.len(), 1);
        assert_eq!(running[0].id, again.timed.id);
        assert!(
            service
                .timed_roles(OTHER_GUILD, None)
                .await
                .unwrap()
                .is_empty()
        );

        // Another member's timed role, removed early: its timer is cancelled.
        let blue = service
            .grant_timed(&settings, grant(OWNER, BLUE, DAY), &authority, &names())
            .await
            .unwrap();
        assert!(matches!(
            service.remove_timed(OTHER_GUILD, OWNER, BLUE, None).await,
            Err(RoleError::NoSuchTimedRole { .. })
        ));
        let removed = service
            .remove_timed(GUILD, OWNER, BLUE, Some(MODERATOR))
            .await
            .unwrap();
        assert!(
            matches!(removed.remove, Effect::RemoveRole { user, role, .. } if user == OWNER && role == BLUE)
        );
        assert_eq!(removed.timed.removal, Some(Removal::Early));
        assert_eq!(removed.timed.removed_by, Some(MODERATOR));
        assert_eq!(
            setup
                .ledger
                .get(blue.timed.job.unwrap())
                .await
                .unwrap()
                .state,
            JobState::Cancelled
        );
        assert_eq!(
            service.timed_roles(GUILD, Some(OWNER)).await.unwrap(),
            vec![]
        );

        // The expiry job removes the role once; a second run (after a crash) changes nothing.
        setup.clock.advance(2 * DAY);
        let sink = Arc::new(testing::RecordingSink::new());
        let handler = ExpireTimedRole::new(Arc::clone(service), sink.clone());
        let job = setup.ledger.get(again.timed.job.unwrap()).await.unwrap();
        assert_eq!(handler.run_record(&job).await.unwrap(), JobOutcome::Done);
        assert_eq!(handler.run_record(&job).await.unwrap(), JobOutcome::Done);
        let performed = sink.performed();
        assert_eq!(
            performed,
            vec![Effect::RemoveRole {
                guild: GUILD,
                user: MEMBER,
                role: RED,
                reason: Some("timed role expired".into()),
            }]
        );
        assert!(service.timed_roles(GUILD, None).await.unwrap().is_empty());

        // The cancelled job of a replaced timer never removes the role, even if it runs.
        let stale = setup.ledger.get(granted.timed.job.unwrap()).await.unwrap();
        assert_eq!(handler.run_record(&stale).await.unwrap(), JobOutcome::Done);
        assert_eq!(sink.performed().len(), 1);

        // A member who left ends the timer; another refusal leaves the job dead and the role
        // listed.
        let left = service
            .grant_timed(&settings, grant(MEMBER, GREEN, DAY), &authority, &names())
            .await
            .unwrap();
        let stuck = service
            .grant_timed(&settings, grant(OWNER, GREEN, DAY), &authority, &names())
            .await
            .unwrap();
        setup.clock.advance(2 * DAY);
        sink.fail_with(Some(EffectError::Refused(
            "Discord refused DELETE /guilds/100/members/6/roles/23: HTTP 404: Unknown Member (code 10007)"
                .into(),
        )));
        let job = setup.ledger.get(left.timed.job.unwrap()).await.unwrap();
        assert_eq!(handler.run_record(&job).await.unwrap(), JobOutcome::Done);
        sink.fail_with(Some(EffectError::Refused(
            "Discord refused DELETE /guilds/100/members/1/roles/23: HTTP 403: Missing Permissions (code 50013)"
                .into(),
        )));
        let job = setup.ledger.get(stuck.timed.job.unwrap()).await.unwrap();
        assert!(handler.run_record(&job).await.is_err());
        let running = service.timed_roles(GUILD, None).await.unwrap();
        assert_eq!(running.len(), 1);
        assert_eq!(running[0].user, OWNER);

        let jobs = setup
            .ledger
            .list(&JobFilter {
                kind: Some(EXPIRE_TIMED_ROLE.into()),
                guild: Some(GUILD),
                limit: 50,
                ..JobFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(jobs.len(), 5, "one timer per grant");
    }
}

#[tokio::test]
async fn roles_timed_panels_put_each_role_taken_on_a_timer() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let settings = RoleSettings::default();
        let panel = create(
            &setup,
            GUILD,
            PanelContent {
                timed: Some(7 * DAY),
                ..content(PanelStyle::Buttons, PanelChoice::Single, &[RED, BLUE])
            },
        )
        .await;
        let (effects, answer) = click(
            &setup,
            &settings,
            RoleComponent::Button { panel, role: RED },
            &[],
            &[],
        )
        .await;
        assert_eq!(without_reasons(effects), [add(RED)]);
        assert_eq!(answer, "Added @Red (for 7 days).");
        let running = setup
            .service
            .timed_roles(GUILD, Some(MEMBER))
            .await
            .unwrap();
        assert_eq!(running.len(), 1);
        assert_eq!(
            (running[0].source, running[0].panel, running[0].expires_at),
            (TimedSource::Panel, Some(panel), START.plus(7 * DAY))
        );

        // Swapping to the other role gives the first back early and starts a new timer.
        let (effects, _) = click(
            &setup,
            &settings,
            RoleComponent::Button { panel, role: BLUE },
            &[],
            &[RED],
        )
        .await;
        assert_eq!(without_reasons(effects), [remove(RED), add(BLUE)]);
        let running = setup
            .service
            .timed_roles(GUILD, Some(MEMBER))
            .await
            .unwrap();
        assert_eq!(running.len(), 1);
        assert_eq!(running[0].role, BLUE);
        let first_job = setup
            .ledger
            .list(&JobFilter {
                kind: Some(EXPIRE_TIMED_ROLE.into()),
                state: Some(JobState::Cancelled),
                limit: 10,
                ..JobFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(first_job.len(), 1);
    }
}

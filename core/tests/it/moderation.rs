//! Moderation stories on every backend: case numbers, search, reason edits, warning decay, the
//! escalation ladder, refusals, and the tempban's end through the job ledger.

use std::sync::Arc;
use std::time::Duration;

use guildhall_core::clock::{ManualClock, UnixMillis};
use guildhall_core::coordination::MemoryCoordination;
use guildhall_core::db::Db;
use guildhall_core::effect::Effect;
use guildhall_core::guards::Refusal;
use guildhall_core::guild_config::GuildConfigService;
use guildhall_core::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use guildhall_core::jobs::{JobFilter, JobHandler, JobLedger, JobOutcome, NewJob};
use guildhall_core::moderation::punish::tempban_dedupe_key;
use guildhall_core::moderation::{
    Action, Actor, CaseActor, CaseFilter, CaseKind, Escalation, LIFT_TEMPBAN, LiftTempban,
    ModerationError, ModerationService, NewCase, PunishRequest, Severity, TempbanPayload, store,
};
use guildhall_core::permissions::{GuildInfo, MemberInfo, Permissions, RoleInfo};
use guildhall_core::refusals;
use guildhall_core::testing;

const GUILD: GuildId = GuildId::new(100);
const OTHER_GUILD: GuildId = GuildId::new(200);
const OWNER: u64 = 1;
const BOT: u64 = 2;
const ADMIN: u64 = 3;
const MODERATOR: u64 = 4;
const MEMBER: u64 = 6;
const MOD_LOG: ChannelId = ChannelId::new(555);
const START: UnixMillis = UnixMillis(1_700_000_000_000);
const DAY: Duration = Duration::from_secs(86_400);

fn guild_info() -> GuildInfo {
    let role = |id, position, permissions| RoleInfo {
        id: RoleId::new(id),
        position,
        permissions,
    };
    GuildInfo {
        id: GUILD,
        owner: UserId::new(OWNER),
        roles: vec![
            role(100, 0, Permissions::VIEW_CHANNEL),
            role(10, 10, Permissions::ADMINISTRATOR),
            role(
                11,
                8,
                Permissions::BAN_MEMBERS
                    | Permissions::KICK_MEMBERS
                    | Permissions::MODERATE_MEMBERS,
            ),
            role(
                12,
                5,
                Permissions::BAN_MEMBERS
                    | Permissions::KICK_MEMBERS
                    | Permissions::MODERATE_MEMBERS,
            ),
            role(13, 1, Permissions::NONE),
        ],
    }
}

fn member(user: u64) -> MemberInfo {
    let roles = match user {
        ADMIN => vec![RoleId::new(10)],
        BOT => vec![RoleId::new(11)],
        MODERATOR => vec![RoleId::new(12)],
        MEMBER => vec![RoleId::new(13)],
        _ => vec![],
    };
    MemberInfo {
        user: UserId::new(user),
        roles,
        timed_out_until: None,
    }
}

fn moderator() -> Actor {
    Actor::Moderator {
        member: member(MODERATOR),
        name: "mod".into(),
    }
}

fn request(actor: Actor, target: u64, action: Action, reason: &str) -> PunishRequest {
    PunishRequest {
        guild: guild_info(),
        actor,
        target: UserId::new(target),
        target_member: Some(member(target)),
        bot: member(BOT),
        action,
        reason: Some(reason.into()),
    }
}

fn warn(reason: &str) -> PunishRequest {
    request(
        moderator(),
        MEMBER,
        Action::Warn {
            severity: Severity::Minor,
        },
        reason,
    )
}

struct Setup {
    service: Arc<ModerationService>,
    ledger: JobLedger,
    clock: ManualClock,
    db: Db,
}

async fn setup(db: &Db, mod_log: bool) -> Setup {
    let clock = ManualClock::new(START);
    let shared: Arc<ManualClock> = Arc::new(clock.clone());
    let config = Arc::new(GuildConfigService::new(
        db.clone(),
        shared.clone(),
        Arc::new(MemoryCoordination::new(shared.clone())),
    ));
    if mod_log {
        config
            .set_key(
                GUILD,
                "general.mod_log_channel",
                &MOD_LOG.to_string(),
                "test",
            )
            .await
            .unwrap();
    }
    let ledger = JobLedger::new(db.clone(), shared.clone(), 3);
    let service = Arc::new(ModerationService::new(
        db.clone(),
        shared,
        ledger.clone(),
        config,
    ));
    Setup {
        service,
        ledger,
        clock,
        db: db.clone(),
    }
}

fn note(guild: GuildId, target: u64, actor: CaseActor, reason: &str) -> NewCase {
    NewCase::new(
        guild,
        CaseKind::Note,
        UserId::new(target),
        actor,
        reason,
        START,
    )
}

#[tokio::test]
async fn case_numbers_are_sequential_per_guild_even_under_concurrency() {
    for test_db in testing::backends().await {
        let db = &test_db.db;
        let by = CaseActor::Moderator(UserId::new(MODERATOR));
        let first = store::create(db, &note(GUILD, MEMBER, by.clone(), "a"))
            .await
            .unwrap();
        let second = store::create(db, &note(GUILD, MEMBER, by.clone(), "b"))
            .await
            .unwrap();
        let elsewhere = store::create(db, &note(OTHER_GUILD, MEMBER, by.clone(), "c"))
            .await
            .unwrap();
        assert_eq!((first.number, second.number, elsewhere.number), (1, 2, 1));

        let creations = (0..10).map(|index| {
            let db = db.clone();
            let new = note(GUILD, MEMBER, by.clone(), &format!("concurrent {index}"));
            tokio::spawn(async move { store::create(&db, &new).await.unwrap().number })
        });
        let mut numbers: Vec<i64> = futures::future::join_all(creations)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        numbers.sort_unstable();
        assert_eq!(
            numbers,
            (3..=12).collect::<Vec<_>>(),
            "{:?}",
            test_db.backend()
        );
        let next = store::create(db, &note(OTHER_GUILD, MEMBER, by.clone(), "d"))
            .await
            .unwrap();
        assert_eq!(next.number, 2);
        assert_eq!(
            store::get(db, OTHER_GUILD, 2)
                .await
                .unwrap()
                .unwrap()
                .reason,
            "d"
        );
        assert!(store::get(db, OTHER_GUILD, 3).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn cases_are_searched_filtered_and_their_reasons_edited() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db, true).await;
        let service = &setup.service;
        let moderator_id = UserId::new(MODERATOR);
        service.punish(warn("Spamming links")).await.unwrap();
        service
            .punish(request(
                moderator(),
                MEMBER,
                Action::Note,
                "100% a spammer_bot",
            ))
            .await
            .unwrap();
        service
            .punish(request(
                Actor::Automated {
                    rule: "automod:caps".into(),
                },
                ADMIN + 10,
                Action::Timeout {
                    duration: Duration::from_secs(600),
                },
                "caps",
            ))
            .await
            .unwrap();
        store::create(
            &setup.db,
            &note(
                OTHER_GUILD,
                MEMBER,
                CaseActor::Moderator(moderator_id),
                "spam elsewhere",
            ),
        )
        .await
        .unwrap();

        let numbers = |cases: Vec<guildhall_core::moderation::Case>| {
            cases.iter().map(|case| case.number).collect::<Vec<_>>()
        };
        let all = service.cases(GUILD, &CaseFilter::default()).await.unwrap();
        assert_eq!(numbers(all), vec![3, 2, 1], "newest first, this guild only");
        let search = |filter: CaseFilter| async move {
            numbers(service.cases(GUILD, &filter).await.unwrap())
        };
        assert_eq!(
            search(CaseFilter {
                text: Some("SPAM".into()),
                ..CaseFilter::default()
            })
            .await,
            vec![2, 1],
            "case-insensitive"
        );
        assert_eq!(
            search(CaseFilter {
                text: Some("100%".into()),
                ..CaseFilter::default()
            })
            .await,
            vec![2],
            "LIKE wildcards are literal"
        );
        assert_eq!(
            search(CaseFilter {
                text: Some("m_r".into()),
                ..CaseFilter::default()
            })
            .await,
            Vec::<i64>::new()
        );
        assert_eq!(
            search(CaseFilter {
                target: Some(UserId::new(MEMBER)),
                kind: Some(CaseKind::Warn),
                ..CaseFilter::default()
            })
            .await,
            vec![1]
        );
        assert_eq!(
            search(CaseFilter {
                moderator: Some(moderator_id),
                ..CaseFilter::default()
            })
            .await,
            vec![2, 1]
        );
        assert_eq!(
            search(CaseFilter {
                actor: Some("automod:caps".into()),
                ..CaseFilter::default()
            })
            .await,
            vec![3]
        );
        assert_eq!(
            search(CaseFilter {
                before_number: Some(3),
                limit: 1,
                ..CaseFilter::default()
            })
            .await,
            vec![2],
            "paging"
        );

        // A reason edit records who and when, and edits the mod-log post once it is known.
        let edit = service
            .edit_reason(GUILD, 1, "spamming invite links", UserId::new(ADMIN))
            .await
            .unwrap();
        assert_eq!(edit.case.reason, "spamming invite links");
        assert_eq!(edit.case.reason_edited_by, Some(UserId::new(ADMIN)));
        assert_eq!(edit.case.reason_edited_at, Some(START));
        assert!(edit.mod_log_edit.is_none(), "not posted yet");
        service
            .record_mod_log_message(GUILD, 1, MessageId::new(9_000))
            .await
            .unwrap();
        setup.clock.advance(Duration::from_secs(60));
        let edit = service
            .edit_reason(GUILD, 1, "links", UserId::new(ADMIN))
            .await
            .unwrap();
        match edit.mod_log_edit {
            Some(Effect::EditMessage {
                channel,
                message_id,
                message,
            }) => {
                assert_eq!((channel, message_id), (MOD_LOG, MessageId::new(9_000)));
                assert!(
                    message.embeds[0]
                        .fields
                        .iter()
                        .any(|field| field.value == "links")
                );
            }
            other => panic!("expected a mod-log edit, got {other:?}"),
        }
        assert_eq!(service.case(GUILD, 1).await.unwrap().reason, "links");
        assert!(matches!(
            service
                .edit_reason(GUILD, 99, "x", UserId::new(ADMIN))
                .await,
            Err(ModerationError::NoSuchCase { number: 99 })
        ));
        assert!(
            matches!(
                service
                    .edit_reason(OTHER_GUILD, 2, "x", UserId::new(ADMIN))
                    .await,
                Err(ModerationError::NoSuchCase { .. })
            ),
            "another guild's numbering"
        );
    }
}

#[tokio::test]
async fn warnings_decay_and_stop_counting_but_stay_in_history() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db, false).await;
        let service = &setup.service;
        let outcome = service.punish(warn("first")).await.unwrap();
        let warning = &outcome.primary.case;
        assert_eq!(warning.severity, Some(Severity::Minor));
        assert_eq!(
            warning.expires_at,
            Some(START.plus(30 * DAY)),
            "minor: 30 days by default"
        );
        assert!(outcome.primary.discord.is_none() && outcome.primary.mod_log.is_none());
        assert!(matches!(
            outcome.primary.direct_message,
            Some(Effect::SendDirectMessage { user, .. }) if user == UserId::new(MEMBER)
        ));
        assert_eq!(outcome.active_warnings, Some(1));
        let severe = service
            .punish(request(
                moderator(),
                MEMBER,
                Action::Warn {
                    severity: Severity::Severe,
                },
                "severe",
            ))
            .await
            .unwrap();
        assert_eq!(
            severe.primary.case.expires_at, None,
            "severe never decays by default"
        );

        setup.clock.advance(30 * DAY + Duration::from_secs(1));
        let member = UserId::new(MEMBER);
        assert_eq!(service.active_warnings(GUILD, member).await.unwrap(), 1);
        let history = service
            .cases(
                GUILD,
                &CaseFilter {
                    target: Some(member),
                    ..CaseFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(history.len(), 2, "expired warnings stay in the history");
        let now = UnixMillis(START.0 + (30 * DAY).as_millis() as i64 + 1_000);
        assert!(!history[1].is_active_warning(now));
        assert!(history[0].is_active_warning(now));

        // A pardon makes a warning stop counting too.
        let pardoned = service
            .pardon(GUILD, severe.primary.case.number, UserId::new(ADMIN))
            .await
            .unwrap();
        assert_eq!(pardoned.pardoned_by, Some(UserId::new(ADMIN)));
        assert_eq!(service.active_warnings(GUILD, member).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn the_third_warning_escalates_to_a_timeout_with_its_own_case_once() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db, true).await;
        let service = &setup.service;
        for reason in ["one", "two"] {
            let outcome = service.punish(warn(reason)).await.unwrap();
            assert!(outcome.escalation.is_none());
        }
        let third = service.punish(warn("three")).await.unwrap();
        assert_eq!(third.active_warnings, Some(3));
        let Some(Escalation::Applied(escalated)) = &third.escalation else {
            panic!("expected an escalation, got {:?}", third.escalation);
        };
        let case = &escalated.case;
        assert_eq!(case.kind, CaseKind::Timeout);
        assert_eq!(case.number, 4);
        assert_eq!(case.actor, CaseActor::Automated("escalation".into()));
        assert_eq!(case.escalated_from, Some(third.primary.case.id));
        assert_eq!(case.escalation_threshold, Some(3));
        assert_eq!(case.duration, Some(Duration::from_secs(3_600)));
        match &escalated.discord {
            Some(Effect::Timeout {
                guild,
                user,
                until,
                reason,
            }) => {
                assert_eq!((*guild, *user), (GUILD, UserId::new(MEMBER)));
                assert_eq!(*until, START.plus(Duration::from_secs(3_600)));
                let reason = reason.as_deref().unwrap();
                assert!(reason.starts_with("[case 4] 3 active warnings"), "{reason}");
                assert!(reason.ends_with("(by escalation)"), "{reason}");
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
        assert!(
            matches!(&escalated.mod_log, Some(Effect::SendMessage { channel, .. }) if *channel == MOD_LOG)
        );
        let effects = third.effects();
        assert_eq!(
            effects.len(),
            5,
            "warn DM, warn mod log, timeout DM, timeout, timeout mod log: {effects:?}"
        );
        assert!(matches!(effects[0], Effect::SendDirectMessage { .. }));
        assert!(
            matches!(effects[2], Effect::SendDirectMessage { .. }),
            "the DM goes before the action"
        );
        assert!(matches!(effects[3], Effect::Timeout { .. }));

        let fourth = service.punish(warn("four")).await.unwrap();
        assert_eq!(fourth.active_warnings, Some(4));
        assert!(fourth.escalation.is_none(), "the step at 3 applies once");
        let fifth = service.punish(warn("five")).await.unwrap();
        match &fifth.escalation {
            Some(Escalation::Applied(escalated)) => assert_eq!(escalated.case.kind, CaseKind::Kick),
            other => panic!("expected the kick at 5, got {other:?}"),
        }
        // Once every warning decayed, three new ones reach the step at 3 again.
        setup.clock.advance(31 * DAY);
        for reason in ["six", "seven"] {
            assert!(
                service
                    .punish(warn(reason))
                    .await
                    .unwrap()
                    .escalation
                    .is_none()
            );
        }
        let again = service.punish(warn("eight")).await.unwrap();
        assert!(matches!(
            &again.escalation,
            Some(Escalation::Applied(escalated)) if escalated.case.kind == CaseKind::Timeout
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_warnings_apply_each_ladder_step_exactly_once() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db, false).await;
        // Six warnings at once cross the step at 3 (timeout) and the step at 5 (kick): each
        // must apply once, whatever the interleaving.
        let warnings = (0..6).map(|index| {
            let service = Arc::clone(&setup.service);
            tokio::spawn(async move {
                service
                    .punish(warn(&format!("at once {index}")))
                    .await
                    .unwrap()
            })
        });
        let outcomes: Vec<_> = futures::future::join_all(warnings)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let mut counted: Vec<u32> = outcomes
            .iter()
            .map(|outcome| outcome.active_warnings.unwrap())
            .collect();
        counted.sort_unstable();
        assert_eq!(counted, vec![1, 2, 3, 4, 5, 6], "{:?}", test_db.backend());
        let mut steps: Vec<CaseKind> = outcomes
            .iter()
            .filter_map(|outcome| match &outcome.escalation {
                Some(Escalation::Applied(escalated)) => Some(escalated.case.kind),
                _ => None,
            })
            .collect();
        steps.sort_by_key(|kind| kind.as_str());
        assert_eq!(
            steps,
            vec![CaseKind::Kick, CaseKind::Timeout],
            "{:?}",
            test_db.backend()
        );
    }
}

#[tokio::test]
async fn refused_punishments_are_stored_and_create_no_case() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db, true).await;
        let service = &setup.service;
        let ban = Action::Ban {
            delete_messages: None,
            duration: None,
        };
        let higher = service
            .punish(request(moderator(), ADMIN, ban, "no"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                higher,
                ModerationError::Refused(Refusal::InvokerNotAbove { .. })
            ),
            "{higher:?}"
        );
        let owner = service
            .punish(request(moderator(), OWNER, ban, "no"))
            .await
            .unwrap_err();
        assert!(
            matches!(owner, ModerationError::Refused(Refusal::TargetIsOwner)),
            "{owner:?}"
        );
        // Automation is checked as the bot: its role is below the admin's.
        let automated = service
            .punish(request(
                Actor::Automated {
                    rule: "automod:spam".into(),
                },
                ADMIN,
                Action::Timeout {
                    duration: Duration::from_secs(60),
                },
                "spam",
            ))
            .await
            .unwrap_err();
        assert!(
            matches!(
                automated,
                ModerationError::Refused(Refusal::BotNotAbove { .. })
            ),
            "{automated:?}"
        );

        let stored = refusals::list(&setup.db, GUILD, 10).await.unwrap();
        let codes: Vec<(&str, &str, UserId)> = stored
            .iter()
            .map(|refusal| {
                (
                    refusal.code.as_str(),
                    refusal.action.as_str(),
                    refusal.invoker,
                )
            })
            .collect();
        assert_eq!(
            codes,
            vec![
                (
                    "bot_not_above_target",
                    "automod:spam:timeout",
                    UserId::new(BOT)
                ),
                ("target_is_owner", "ban", UserId::new(MODERATOR)),
                ("invoker_not_above_target", "ban", UserId::new(MODERATOR)),
            ]
        );
        assert!(
            service
                .cases(GUILD, &CaseFilter::default())
                .await
                .unwrap()
                .is_empty()
        );

        let too_long = service
            .punish(request(
                moderator(),
                MEMBER,
                Action::Timeout { duration: 29 * DAY },
                "x",
            ))
            .await
            .unwrap_err();
        assert!(too_long.to_string().contains("28 days"), "{too_long}");
    }
}

#[tokio::test]
async fn a_tempban_schedules_one_unban_which_runs_once() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db, true).await;
        let service = &setup.service;
        let outcome = service
            .punish(request(
                moderator(),
                MEMBER,
                Action::Ban {
                    delete_messages: Some(DAY),
                    duration: Some(7 * DAY),
                },
                "raid",
            ))
            .await
            .unwrap();
        let tempban = &outcome.primary.case;
        assert_eq!(tempban.kind, CaseKind::Tempban);
        assert!(matches!(
            &outcome.primary.discord,
            Some(Effect::Ban { delete_messages, .. }) if *delete_messages == DAY
        ));
        let job_id = outcome.primary.follow_up.expect("an unban job");
        let jobs = setup
            .ledger
            .list(&JobFilter {
                kind: Some(LIFT_TEMPBAN.into()),
                limit: 10,
                ..JobFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].due_at, START.plus(7 * DAY));
        assert_eq!(jobs[0].guild, Some(GUILD));
        // Scheduling the same follow-up again (a retried command) yields the same job.
        let again = setup
            .ledger
            .schedule(
                NewJob::of(
                    &guildhall_core::jobs::decode::<TempbanPayload>(&jobs[0]).unwrap(),
                    START.plus(7 * DAY),
                )
                .dedupe(tempban_dedupe_key(GUILD, tempban.id)),
            )
            .await
            .unwrap();
        assert_eq!(again.id, job_id);

        setup.clock.advance(7 * DAY);
        let sink = Arc::new(testing::RecordingSink::new());
        let handler = LiftTempban::new(Arc::clone(service), sink.clone());
        let job = setup.ledger.get(job_id).await.unwrap();
        assert_eq!(handler.run_record(&job).await.unwrap(), JobOutcome::Done);
        assert_eq!(
            handler.run_record(&job).await.unwrap(),
            JobOutcome::Done,
            "a second run after a crash"
        );

        let performed = sink.performed();
        let unbans: Vec<&Effect> = performed
            .iter()
            .filter(|effect| matches!(effect, Effect::Unban { .. }))
            .collect();
        assert_eq!(
            unbans,
            vec![&Effect::Unban {
                guild: GUILD,
                user: UserId::new(MEMBER),
                reason: Some(format!("[case {}] tempban expired", tempban.number)),
            }]
        );
        assert!(performed.iter().any(
            |effect| matches!(effect, Effect::SendMessage { channel, .. } if *channel == MOD_LOG)
        ));
        let unban_cases = service
            .cases(
                GUILD,
                &CaseFilter {
                    kind: Some(CaseKind::Unban),
                    ..CaseFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(unban_cases.len(), 1);
        assert_eq!(unban_cases[0].lifts_case, Some(tempban.id));
        assert_eq!(unban_cases[0].actor, CaseActor::Automated("tempban".into()));
    }
}

#[tokio::test]
async fn a_tempban_superseded_by_a_later_unban_is_not_lifted_again() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db, false).await;
        let service = &setup.service;
        let outcome = service
            .punish(request(
                moderator(),
                MEMBER,
                Action::Ban {
                    delete_messages: None,
                    duration: Some(DAY),
                },
                "cool off",
            ))
            .await
            .unwrap();
        let mut unban = request(moderator(), MEMBER, Action::Unban, "appeal accepted");
        unban.target_member = None;
        let lifted = service.punish(unban).await.unwrap();
        assert!(matches!(lifted.primary.discord, Some(Effect::Unban { .. })));
        assert!(
            lifted.primary.direct_message.is_none(),
            "no shared server to DM through"
        );

        let sink = Arc::new(testing::RecordingSink::new());
        let handler = LiftTempban::new(Arc::clone(service), sink.clone());
        let job = setup
            .ledger
            .get(outcome.primary.follow_up.unwrap())
            .await
            .unwrap();
        assert_eq!(handler.run_record(&job).await.unwrap(), JobOutcome::Done);
        assert!(sink.performed().is_empty());
    }
}

#[tokio::test]
async fn a_case_discord_refused_is_marked_stored_as_a_refusal_and_does_not_count() {
    use guildhall_core::moderation::ActionFailure;
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db, true).await;
        let service = &setup.service;
        for reason in ["one", "two"] {
            service.punish(warn(reason)).await.unwrap();
        }
        // The third warning reaches the ladder's timeout; Discord refuses it.
        let third = service.punish(warn("three")).await.unwrap();
        let Some(Escalation::Applied(escalated)) = &third.escalation else {
            panic!("expected an escalation, got {:?}", third.escalation);
        };
        let refused = ActionFailure {
            refused_permission: true,
            words: "Discord refused (Missing Permissions, code 50013)".into(),
        };
        let refusal = service
            .action_failed(escalated, UserId::new(BOT), &refused)
            .await
            .unwrap();
        assert_eq!(refusal, Some(Refusal::DiscordRefused));
        let case = service.case(GUILD, escalated.case.number).await.unwrap();
        assert_eq!(
            case.failed_reason.as_deref(),
            Some("Discord refused (Missing Permissions, code 50013)")
        );
        let stored = refusals::list(&setup.db, GUILD, 10).await.unwrap();
        assert_eq!(stored.len(), 1, "{stored:?}");
        assert_eq!(stored[0].code, "discord_refused");
        assert_eq!(stored[0].target, Some(UserId::new(MEMBER)));
        // A failed step is not an applied one: the next warning tries it again.
        let fourth = service.punish(warn("four")).await.unwrap();
        assert!(
            matches!(&fourth.escalation, Some(Escalation::Applied(again)) if again.case.kind == CaseKind::Timeout),
            "{:?}",
            fourth.escalation
        );

        // A failed tempban's lift is cancelled, and an outage is not a refusal.
        let tempban = service
            .punish(request(
                moderator(),
                MEMBER,
                Action::Ban {
                    delete_messages: None,
                    duration: Some(DAY),
                },
                "raid",
            ))
            .await
            .unwrap();
        let unavailable = ActionFailure {
            refused_permission: false,
            words: "Discord could not be reached".into(),
        };
        assert_eq!(
            service
                .action_failed(&tempban.primary, UserId::new(MODERATOR), &unavailable)
                .await
                .unwrap(),
            None
        );
        let job = setup
            .ledger
            .get(tempban.primary.follow_up.unwrap())
            .await
            .unwrap();
        assert_eq!(job.state.as_str(), "cancelled");
        assert_eq!(refusals::list(&setup.db, GUILD, 10).await.unwrap().len(), 1);
    }
}

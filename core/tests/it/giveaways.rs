//! Giveaway stories on every backend: starting (checks, managers, the limit of running
//! giveaways), entering (one entry under 50 concurrent clicks, every unmet requirement named,
//! leaving, batched count edits), the draw through the job ledger (members who left and
//! ineligible members skipped with their reasons, a rerun or a crash never drawing twice),
//! claims (only the winner, only within the window), automatic rerolls up to the guild's maximum
//! then an unclaimed slot, manual rerolls of one slot never picking a previous winner, early
//! ends and cancellations, exports, and verification that fails on a tampered entrant list.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use guildhall_core::clock::{Clock as _, ManualClock, UnixMillis};
use guildhall_core::coordination::MemoryCoordination;
use guildhall_core::db::Db;
use guildhall_core::effect::{Component, Effect, EffectError, OutgoingMessage};
use guildhall_core::eligibility::Requirements;
use guildhall_core::giveaways::{
    self, CLAIM_EXPIRE, ClaimOutcome, END, EntryOutcome, EventKind, FactsUnavailable, Giveaway,
    GiveawayError, GiveawayRequest, GiveawayService, GiveawayState, LEFT_THE_SERVER, LeaveOutcome,
    Manager, MemberFacts, MemberState, SlotState, UPDATE, VerifyError,
};
use guildhall_core::guild_cache::GuildCache;
use guildhall_core::guild_config::GuildConfigService;
use guildhall_core::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use guildhall_core::jobs::{
    JobFailure, JobFilter, JobLedger, JobOutcome, JobPorts, JobRecord, JobRegistry, JobState,
};
use guildhall_core::testing;
use serde_json::json;

const GUILD: GuildId = GuildId::new(100);
const OTHER_GUILD: GuildId = GuildId::new(200);
const CHANNEL: ChannelId = ChannelId::new(700);
const HOST: UserId = UserId::new(1);
const STRANGER: UserId = UserId::new(2);
const MANAGER_ROLE: RoleId = RoleId::new(30);
const VERIFIED: RoleId = RoleId::new(31);
const START: UnixMillis = UnixMillis(1_700_000_000_000);
const HOUR: Duration = Duration::from_secs(3_600);
const DAY: Duration = Duration::from_secs(86_400);
/// The default claim window and a second.
const PAST_WINDOW: Duration = Duration::from_secs(301);

/// The guild's members in memory; unavailable while `down` is set.
#[derive(Debug, Default)]
struct Members {
    members: Mutex<HashMap<UserId, MemberState>>,
    down: AtomicBool,
}

#[async_trait]
impl MemberFacts for Members {
    async fn member(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<Option<MemberState>, FactsUnavailable> {
        if self.down.load(Ordering::SeqCst) {
            return Err(FactsUnavailable("the guild cache is loading".into()));
        }
        if guild != GUILD {
            return Ok(None);
        }
        Ok(self.members.lock().unwrap().get(&user).cloned())
    }
}

struct Setup {
    service: Arc<GiveawayService>,
    ledger: JobLedger,
    clock: ManualClock,
    db: Db,
    config: Arc<GuildConfigService>,
    sink: Arc<testing::RecordingSink>,
    members: Arc<Members>,
    handlers: JobRegistry,
}

fn setup(db: &Db) -> Setup {
    let clock = ManualClock::new(START);
    let shared: Arc<ManualClock> = Arc::new(clock.clone());
    let ledger = JobLedger::new(db.clone(), shared.clone(), 3);
    let coordination = Arc::new(MemoryCoordination::new(shared.clone()));
    let config = Arc::new(GuildConfigService::new(
        db.clone(),
        shared.clone(),
        coordination,
    ));
    let service = Arc::new(GiveawayService::new(
        db.clone(),
        shared,
        ledger.clone(),
        Arc::clone(&config),
    ));
    let sink = Arc::new(testing::RecordingSink::new());
    let members = Arc::new(Members::default());
    let ports = JobPorts {
        sink: sink.clone(),
        members: members.clone(),
        cache: Arc::new(GuildCache::new()),
    };
    // The handlers a worker runs (not `giveaways.post`, which these tests do not schedule).
    let handlers = JobRegistry::new()
        .register(Arc::new(giveaways::EndGiveaway::new(
            Arc::clone(&service),
            ports.clone(),
        )))
        .register(Arc::new(giveaways::ClaimExpired::new(
            Arc::clone(&service),
            ports.clone(),
        )))
        .register(Arc::new(giveaways::RerollSlot::new(
            Arc::clone(&service),
            ports.clone(),
        )))
        .register(Arc::new(giveaways::UpdateGiveaway::new(
            Arc::clone(&service),
            ports,
        )));
    Setup {
        service,
        ledger,
        clock,
        db: db.clone(),
        config,
        sink,
        members,
        handlers,
    }
}

impl Setup {
    /// Runs every giveaway job that is due, like a worker would, until none is; returns the
    /// kinds run with their outcomes.
    async fn run_due(&self) -> Vec<(String, Result<JobOutcome, JobFailure>)> {
        let kinds = self.handlers.kinds();
        let mut ran = Vec::new();
        for _ in 0..20 {
            let claimed = self
                .ledger
                .claim("test", &kinds, 50, Duration::from_secs(60))
                .await
                .unwrap();
            if claimed.is_empty() {
                return ran;
            }
            for (job, lease) in claimed {
                let outcome = self.handlers.run(&job).await.expect("a giveaway job");
                match &outcome {
                    Ok(JobOutcome::Done) => assert!(self.ledger.complete(&lease).await.unwrap()),
                    Ok(JobOutcome::RunAgainAt(at)) => {
                        assert!(self.ledger.complete_and_repeat(&lease, *at).await.unwrap());
                    }
                    Err(failure) => {
                        let retry_at = self.clock.now().plus(Duration::from_secs(3_600));
                        assert!(
                            self.ledger
                                .fail_and_retry(&lease, &failure.message, retry_at)
                                .await
                                .unwrap()
                        );
                    }
                }
                ran.push((job.kind.clone(), outcome));
            }
        }
        panic!("giveaway jobs kept becoming due: {ran:?}");
    }

    async fn settings(&self, value: serde_json::Value) {
        self.config
            .set_section(GUILD, "giveaways", value, "test", None)
            .await
            .unwrap();
    }

    /// A member of the guild with `roles`, joined a year ago, at level 10.
    fn join(&self, user: UserId, roles: &[RoleId]) {
        self.members.members.lock().unwrap().insert(
            user,
            MemberState {
                roles: roles.to_vec(),
                level: Some(10),
                joined_at: Some(START.minus(365 * DAY)),
                active_warnings: 0,
            },
        );
    }

    fn leave_server(&self, user: UserId) {
        self.members.members.lock().unwrap().remove(&user);
    }

    fn state(&self, user: UserId) -> MemberState {
        self.members.members.lock().unwrap()[&user].clone()
    }

    async fn start(&self, winners: u32, requirements: Option<Requirements>) -> Giveaway {
        let started = self
            .service
            .start(request(winners, HOUR, requirements), &names())
            .await
            .unwrap();
        let id = started.giveaway.id;
        self.service
            .record_message(GUILD, id, message_of(id))
            .await
            .unwrap()
    }

    async fn enter(&self, id: giveaways::GiveawayId, user: UserId) -> EntryOutcome {
        let state = self.state(user);
        self.service
            .enter(GUILD, id, &state.facts(user, self.clock.now()), &names())
            .await
            .unwrap()
    }

    async fn claim(&self, id: giveaways::GiveawayId, slot: u32, user: UserId) -> ClaimOutcome {
        let state = self.members.members.lock().unwrap().get(&user).cloned();
        let now = self.clock.now();
        let facts = state.as_ref().map(|state| state.facts(user, now));
        self.service
            .claim(GUILD, id, slot, user, facts.as_ref(), &names())
            .await
            .unwrap()
    }

    /// Members `count` members with `VERIFIED` and enters them.
    async fn enter_members(
        &self,
        id: giveaways::GiveawayId,
        first: u64,
        count: u64,
    ) -> Vec<UserId> {
        let mut users = Vec::new();
        for index in 0..count {
            let user = UserId::new(first + index);
            self.join(user, &[VERIFIED]);
            assert!(matches!(
                self.enter(id, user).await,
                EntryOutcome::Entered { .. }
            ));
            users.push(user);
        }
        users
    }

    /// Moves to the end of the giveaway and runs the draw.
    async fn draw(&self, giveaway: &Giveaway) {
        self.clock.set(giveaway.ends_at);
        self.run_due().await;
        assert_eq!(
            self.service.get(GUILD, giveaway.id).await.unwrap().state,
            GiveawayState::Ended
        );
    }

    async fn slots(&self, id: giveaways::GiveawayId) -> Vec<giveaways::Slot> {
        self.service.detail(GUILD, id).await.unwrap().slots
    }

    async fn events(&self, id: giveaways::GiveawayId, kind: EventKind) -> usize {
        self.service
            .detail(GUILD, id)
            .await
            .unwrap()
            .timeline
            .iter()
            .filter(|event| event.kind == kind)
            .count()
    }
}

fn names() -> HashMap<RoleId, String> {
    [(VERIFIED, "Verified"), (MANAGER_ROLE, "Giveaway staff")]
        .into_iter()
        .map(|(id, name)| (id, name.to_owned()))
        .collect()
}

fn manager() -> Manager {
    Manager::Member {
        user: HOST,
        roles: Vec::new(),
        manage_server: true,
    }
}

fn member_without_rights() -> Manager {
    Manager::Member {
        user: STRANGER,
        roles: vec![VERIFIED],
        manage_server: false,
    }
}

fn request(
    winners: u32,
    duration: Duration,
    requirements: Option<Requirements>,
) -> GiveawayRequest {
    GiveawayRequest {
        guild: GUILD,
        channel: CHANNEL,
        prize: "Discord Nitro".to_owned(),
        winners,
        duration,
        requirements,
        by: manager(),
    }
}

fn message_of(id: giveaways::GiveawayId) -> MessageId {
    MessageId::new(9_000 + u64::try_from(id.get()).unwrap())
}

fn verified() -> Option<Requirements> {
    Some(Requirements {
        any_roles: vec![VERIFIED],
        ..Requirements::default()
    })
}

/// The messages posted (not edits), in order.
fn posts(effects: &[Effect]) -> Vec<&OutgoingMessage> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::SendMessage { message, .. } => Some(message),
            _ => None,
        })
        .collect()
}

fn claim_buttons(message: &OutgoingMessage) -> Vec<String> {
    message
        .components
        .iter()
        .flat_map(|row| row.0.iter())
        .filter_map(|component| match component {
            Component::Button { custom_id, .. } => Some(custom_id.clone()),
            Component::Select { .. } | Component::Premium { .. } => None,
        })
        .collect()
}

async fn end_job(setup: &Setup, giveaway: &Giveaway) -> JobRecord {
    setup.ledger.get(giveaway.end_job).await.unwrap()
}

#[tokio::test]
async fn giveaways_start_checks_the_request_the_manager_and_the_limit() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let service = &setup.service;
        setup
            .settings(json!({"max_active": 2, "manager_roles": ["30"], "ping_role": "40"}))
            .await;

        let refused = service
            .start(
                GiveawayRequest {
                    by: member_without_rights(),
                    ..request(1, HOUR, None)
                },
                &names(),
            )
            .await;
        assert!(
            matches!(refused, Err(GiveawayError::NotAllowed { action: "start" })),
            "{refused:?}"
        );
        for (edit, fragment) in [
            (
                request(0, HOUR, None),
                "winners must be between 1 and 20, got 0",
            ),
            (request(21, HOUR, None), "got 21"),
            (
                request(1, Duration::from_secs(9), None),
                "between 10 seconds and 60 days, got 9 seconds",
            ),
            (request(1, 61 * DAY, None), "got 61 days"),
            (
                GiveawayRequest {
                    prize: " ".into(),
                    ..request(1, HOUR, None)
                },
                "the prize must be 1 to 200 characters",
            ),
            (
                request(
                    1,
                    HOUR,
                    Some(Requirements {
                        any_roles: vec![VERIFIED, VERIFIED],
                        ..Requirements::default()
                    }),
                ),
                "requirements.any_roles must not list role 31 twice",
            ),
        ] {
            let error = service.start(edit, &names()).await.unwrap_err();
            assert!(matches!(error, GiveawayError::Invalid(_)), "{error:?}");
            assert!(error.to_string().contains(fragment), "{error}");
        }
        assert!(service.list(GUILD, None, 0).await.unwrap().is_empty());
        assert!(
            setup
                .ledger
                .list(&JobFilter::default())
                .await
                .unwrap()
                .is_empty()
        );

        // A member with a manager role starts one; the post shows the commitment, the Enter
        // button and the requirements, and pings the guild's ping role.
        let started = service
            .start(
                GiveawayRequest {
                    by: Manager::Member {
                        user: STRANGER,
                        roles: vec![MANAGER_ROLE],
                        manage_server: false,
                    },
                    ..request(2, HOUR, verified())
                },
                &names(),
            )
            .await
            .unwrap();
        let giveaway = &started.giveaway;
        assert_eq!(giveaway.state, GiveawayState::Running);
        assert_eq!(giveaway.seed, None, "the seed stays secret while it runs");
        assert_eq!(giveaway.seed_hash.len(), 64);
        assert_eq!(giveaway.created_by, Some(STRANGER));
        assert_eq!(giveaway.ends_at, START.plus(HOUR));
        assert_eq!(giveaway.claim_window_secs, 300);
        let Effect::SendMessage { channel, message } = &started.post else {
            panic!("{:?}", started.post);
        };
        assert_eq!(*channel, CHANNEL);
        assert_eq!(message.content, "<@&40> A giveaway has started!");
        assert_eq!(message.allowed_mentions.roles, [RoleId::new(40)]);
        let embed = &message.embeds[0];
        assert!(embed.footer.as_ref().unwrap().contains(&giveaway.seed_hash));
        assert!(
            embed
                .description
                .as_ref()
                .unwrap()
                .contains("Requires @Verified")
        );
        assert_eq!(
            claim_buttons(message),
            [format!("giveaways:enter:{}", giveaway.id)]
        );
        let job = end_job(&setup, giveaway).await;
        assert_eq!(job.kind, END);
        assert_eq!(job.due_at, giveaway.ends_at);
        assert_eq!(job.guild, Some(GUILD));

        // The limit of running giveaways: the refused one leaves no timer behind.
        setup.start(1, None).await;
        let error = service
            .start(request(1, HOUR, None), &names())
            .await
            .unwrap_err();
        assert!(
            matches!(error, GiveawayError::TooManyActive { running: 2, max: 2 }),
            "{error:?}"
        );
        assert!(error.to_string().contains("giveaways.max_active"));
        let pending = setup
            .ledger
            .list(&JobFilter {
                kind: Some(END.into()),
                state: Some(JobState::Pending),
                ..JobFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(pending.len(), 2);

        // Another guild sees none of it.
        assert!(matches!(
            service.get(OTHER_GUILD, giveaway.id).await,
            Err(GiveawayError::NoSuchGiveaway(_))
        ));
        assert!(service.list(OTHER_GUILD, None, 0).await.unwrap().is_empty());
        assert_eq!(
            service
                .list(GUILD, Some(GiveawayState::Running), 0)
                .await
                .unwrap()
                .len(),
            2
        );
    }
}

#[tokio::test]
async fn giveaways_fifty_concurrent_clicks_make_one_entry() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let giveaway = setup.start(1, None).await;
        let member = UserId::new(500);
        setup.join(member, &[]);
        let state = setup.state(member);
        let now = setup.clock.now();
        let clicks = (0..50).map(|_| {
            let service = Arc::clone(&setup.service);
            let state = state.clone();
            tokio::spawn(async move {
                service
                    .enter(GUILD, giveaway.id, &state.facts(member, now), &names())
                    .await
                    .unwrap()
            })
        });
        let outcomes: Vec<EntryOutcome> = futures::future::join_all(clicks)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let entered = outcomes
            .iter()
            .filter(|outcome| matches!(outcome, EntryOutcome::Entered { entrants: 1 }))
            .count();
        let already = outcomes
            .iter()
            .filter(|outcome| **outcome == EntryOutcome::AlreadyEntered)
            .count();
        assert_eq!((entered, already), (1, 49), "{outcomes:?}");
        assert_eq!(
            setup
                .service
                .get(GUILD, giveaway.id)
                .await
                .unwrap()
                .entrants,
            1
        );
        let export = setup.service.export_json(GUILD, giveaway.id).await.unwrap();
        assert_eq!(export["entries"].as_array().unwrap().len(), 1);
        let entry_lines = export["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|event| event["kind"] == "entry")
            .count();
        assert_eq!(entry_lines, 1);

        // Leaving, leaving again, entering again.
        let answer = EntryOutcome::AlreadyEntered.answer(giveaway.id);
        assert_eq!(
            claim_buttons(&answer),
            [format!("giveaways:leave:{}", giveaway.id)]
        );
        let service = &setup.service;
        assert_eq!(
            service.leave(GUILD, giveaway.id, member).await.unwrap(),
            LeaveOutcome::Left { entrants: 0 }
        );
        assert_eq!(
            service.leave(GUILD, giveaway.id, member).await.unwrap(),
            LeaveOutcome::NotEntered
        );
        assert_eq!(
            setup.enter(giveaway.id, member).await,
            EntryOutcome::Entered { entrants: 1 }
        );

        // Another guild's button finds nothing.
        assert!(matches!(
            service
                .enter(
                    OTHER_GUILD,
                    giveaway.id,
                    &state.facts(member, now),
                    &names()
                )
                .await,
            Err(GiveawayError::NoSuchGiveaway(_))
        ));
    }
}

#[tokio::test]
async fn giveaways_a_refused_entry_names_every_unmet_requirement() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let requirements = Requirements {
            any_roles: vec![VERIFIED],
            min_level: Some(5),
            min_membership_secs: Some(7 * 86_400),
            no_active_warnings: true,
            ..Requirements::default()
        };
        let giveaway = setup.start(1, Some(requirements)).await;
        let member = UserId::new(600);
        setup.members.members.lock().unwrap().insert(
            member,
            MemberState {
                roles: Vec::new(),
                level: Some(2),
                joined_at: Some(START.minus(DAY)),
                active_warnings: 1,
            },
        );
        let outcome = setup.enter(giveaway.id, member).await;
        assert_eq!(
            outcome,
            EntryOutcome::Refused {
                reasons: vec![
                    "You need the @Verified role.".to_owned(),
                    "You need level 5; you are level 2.".to_owned(),
                    "You must have been in the server for at least 7 days; you joined 1 day \
                     ago (wait another 6 days)."
                        .to_owned(),
                    "You have 1 active warning; only members without active warnings can take \
                     part."
                        .to_owned(),
                ]
            }
        );
        assert!(
            outcome
                .answer(giveaway.id)
                .content
                .starts_with("You cannot enter this giveaway:\n• You need the @Verified role.")
        );
        assert_eq!(
            setup
                .service
                .get(GUILD, giveaway.id)
                .await
                .unwrap()
                .entrants,
            0
        );

        // After the end time, entries are closed even before the draw ran.
        setup.join(member, &[VERIFIED]);
        setup.clock.set(giveaway.ends_at);
        assert_eq!(setup.enter(giveaway.id, member).await, EntryOutcome::Closed);
        assert_eq!(
            setup
                .service
                .leave(GUILD, giveaway.id, member)
                .await
                .unwrap(),
            LeaveOutcome::Closed
        );
    }
}

#[tokio::test]
async fn giveaways_the_draw_skips_who_left_or_no_longer_qualifies_and_never_runs_twice() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let giveaway = setup.start(4, verified()).await;
        let users = setup.enter_members(giveaway.id, 1_000, 4).await;
        let (stays, also_stays, left, lost_role) = (users[0], users[1], users[2], users[3]);
        setup.leave_server(left);
        setup.join(lost_role, &[]);
        setup.sink.take();

        // The first attempt cannot reach the bot's members: entries close, nothing is drawn.
        setup.members.down.store(true, Ordering::SeqCst);
        setup.clock.set(giveaway.ends_at);
        let ran = setup.run_due().await;
        assert!(
            ran.iter()
                .any(|(kind, outcome)| kind == END && outcome.is_err()),
            "{ran:?}"
        );
        assert_eq!(
            setup.service.get(GUILD, giveaway.id).await.unwrap().state,
            GiveawayState::Drawing
        );
        assert!(setup.slots(giveaway.id).await.is_empty());
        assert!(posts(&setup.sink.take()).is_empty());
        setup.join(UserId::new(1_999), &[VERIFIED]);
        assert_eq!(
            setup.enter(giveaway.id, UserId::new(1_999)).await,
            EntryOutcome::Closed
        );

        // The retry draws.
        setup.members.down.store(false, Ordering::SeqCst);
        setup.clock.advance(HOUR);
        setup.run_due().await;
        let ended = setup.service.get(GUILD, giveaway.id).await.unwrap();
        assert_eq!(ended.state, GiveawayState::Ended);
        assert_eq!(ended.seed.as_ref().map(String::len), Some(64));
        assert_eq!(ended.entrants, 4);
        let slots = setup.slots(giveaway.id).await;
        let winners: BTreeSet<UserId> = slots.iter().filter_map(|slot| slot.winner).collect();
        assert_eq!(winners, BTreeSet::from([stays, also_stays]));
        assert_eq!(
            slots
                .iter()
                .filter(|slot| slot.state == SlotState::Unclaimed && slot.winner.is_none())
                .count(),
            2
        );
        let export = setup.service.export_json(GUILD, giveaway.id).await.unwrap();
        let mut reasons: Vec<(String, String)> = export["steps"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|step| step["disqualified"].as_array().unwrap().clone())
            .map(|entry| {
                (
                    entry["user"].as_str().unwrap().to_owned(),
                    entry["reason"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        reasons.sort();
        assert_eq!(
            reasons,
            [
                (left.to_string(), LEFT_THE_SERVER.to_owned()),
                (
                    lost_role.to_string(),
                    format!("You need the <@&{VERIFIED}> role.")
                ),
            ]
        );

        // One announcement pings exactly the two winners, with a claim button each; one notice
        // reports the two slots nobody eligible was left for; each pending slot has its window.
        let effects = setup.sink.take();
        let posted = posts(&effects);
        assert_eq!(posted.len(), 2, "{effects:?}");
        let pinged: BTreeSet<UserId> = posted[0].allowed_mentions.users.iter().copied().collect();
        assert_eq!(pinged, winners);
        assert_eq!(claim_buttons(posted[0]).len(), 2);
        assert!(
            posted[1]
                .content
                .contains("nobody eligible was left to draw")
        );
        assert!(effects.iter().any(|effect| matches!(
            effect,
            Effect::EditMessage { message_id, .. } if *message_id == message_of(giveaway.id)
        )));
        let windows = setup
            .ledger
            .list(&JobFilter {
                kind: Some(CLAIM_EXPIRE.into()),
                ..JobFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(windows.len(), 2);
        assert!(
            windows
                .iter()
                .all(|job| job.due_at == setup.clock.now().plus(Duration::from_secs(300)))
        );

        // The end job run again (a crash before its completion was recorded) draws nothing and
        // announces nothing again.
        let job = end_job(&setup, &giveaway).await;
        assert_eq!(
            setup.handlers.run(&job).await.unwrap().unwrap(),
            JobOutcome::Done
        );
        assert_eq!(setup.slots(giveaway.id).await, slots);
        assert!(posts(&setup.sink.take()).is_empty());
        assert_eq!(setup.events(giveaway.id, EventKind::Draw).await, 4);
        assert_eq!(setup.events(giveaway.id, EventKind::End).await, 1);
        setup.service.verify(GUILD, giveaway.id).await.unwrap();
    }
}

#[tokio::test]
async fn giveaways_claims_only_by_the_winner_within_the_window() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let giveaway = setup.start(1, verified()).await;
        let users = setup.enter_members(giveaway.id, 2_000, 3).await;
        assert_eq!(
            setup.claim(giveaway.id, 1, users[0]).await,
            ClaimOutcome::NotDrawn
        );
        setup.draw(&giveaway).await;
        let winner = setup.slots(giveaway.id).await[0].winner.unwrap();
        let loser = users.iter().copied().find(|user| *user != winner).unwrap();
        setup.sink.take();

        assert_eq!(
            setup.claim(giveaway.id, 1, loser).await,
            ClaimOutcome::NotYourPrize
        );
        assert!(matches!(
            setup
                .service
                .claim(GUILD, giveaway.id, 2, winner, None, &names())
                .await,
            Err(GiveawayError::NoSuchSlot {
                slot: 2,
                winners: 1,
                ..
            })
        ));
        // No longer a member, then no longer eligible: refused (and the refusal logged); once
        // they qualify again within the window, the claim goes through.
        setup.leave_server(winner);
        assert_eq!(
            setup.claim(giveaway.id, 1, winner).await,
            ClaimOutcome::NotAMember
        );
        setup.join(winner, &[]);
        let refused = setup.claim(giveaway.id, 1, winner).await;
        assert_eq!(
            refused,
            ClaimOutcome::Ineligible {
                reasons: vec!["You need the @Verified role.".to_owned()]
            }
        );
        assert!(refused.answer().contains("You need the @Verified role."));
        assert_eq!(setup.events(giveaway.id, EventKind::ClaimRefused).await, 1);
        setup.join(winner, &[VERIFIED]);
        let ClaimOutcome::Claimed { slot: 1, effects } = setup.claim(giveaway.id, 1, winner).await
        else {
            panic!("the winner could not claim");
        };
        assert!(matches!(
            &effects[0],
            Effect::SendMessage { message, .. }
                if message.content.contains(&format!("<@{winner}> claimed"))
                    && message.allowed_mentions.users.is_empty()
        ));
        assert!(matches!(&effects[1], Effect::EditMessage { .. }));
        assert_eq!(
            setup.claim(giveaway.id, 1, winner).await,
            ClaimOutcome::AlreadyClaimed
        );
        assert_eq!(setup.slots(giveaway.id).await[0].state, SlotState::Claimed);

        // The window's job finds the slot claimed: no reroll, no announcement.
        setup.clock.advance(PAST_WINDOW);
        setup.run_due().await;
        assert_eq!(setup.slots(giveaway.id).await[0].state, SlotState::Claimed);
        assert!(posts(&setup.sink.take()).is_empty());
        assert_eq!(setup.events(giveaway.id, EventKind::FailedClaim).await, 0);

        // Another giveaway: a claim after the deadline is refused even before its job ran.
        let late = setup.start(1, None).await;
        setup.enter_members(late.id, 2_100, 1).await;
        setup.draw(&late).await;
        let late_winner = setup.slots(late.id).await[0].winner.unwrap();
        setup.clock.advance(PAST_WINDOW);
        assert_eq!(
            setup.claim(late.id, 1, late_winner).await,
            ClaimOutcome::WindowClosed
        );
    }
}

#[tokio::test]
async fn giveaways_expired_claims_reroll_that_slot_until_the_maximum_then_it_goes_unclaimed() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        setup.settings(json!({"max_rerolls": 2})).await;
        let giveaway = setup.start(2, None).await;
        assert_eq!(giveaway.max_rerolls, 2);
        setup.enter_members(giveaway.id, 3_000, 6).await;
        setup.draw(&giveaway).await;
        let slots = setup.slots(giveaway.id).await;
        let first = slots[0].winner.unwrap();
        let mut previous = vec![first, slots[1].winner.unwrap()];
        let ClaimOutcome::Claimed { .. } = setup.claim(giveaway.id, 1, first).await else {
            panic!("the first winner could not claim");
        };
        setup.sink.take();

        for reroll in 1..=2_u32 {
            setup.clock.advance(PAST_WINDOW);
            setup.run_due().await;
            let slots = setup.slots(giveaway.id).await;
            assert_eq!(slots[0].winner, Some(first), "slot 1 is left alone");
            assert_eq!(slots[0].state, SlotState::Claimed);
            let rerolled = &slots[1];
            assert_eq!(rerolled.attempt, reroll);
            assert_eq!(rerolled.state, SlotState::Pending);
            let new_winner = rerolled.winner.unwrap();
            assert!(
                !previous.contains(&new_winner),
                "{new_winner} won before: {previous:?}"
            );
            // The previous winner of the slot can no longer claim it.
            assert_eq!(
                setup.claim(giveaway.id, 2, *previous.last().unwrap()).await,
                ClaimOutcome::NotYourPrize
            );
            previous.push(new_winner);
            let effects = setup.sink.take();
            let posted = posts(&effects);
            assert_eq!(posted.len(), 1, "{effects:?}");
            assert_eq!(posted[0].allowed_mentions.users, [new_winner]);
            assert_eq!(
                claim_buttons(posted[0]),
                [format!("giveaways:claim:{}:2", giveaway.id)]
            );
            assert!(posted[0].content.contains("was drawn again"));
            assert_eq!(
                setup.events(giveaway.id, EventKind::FailedClaim).await,
                reroll as usize
            );
        }

        // No reroll left: the slot goes unclaimed, and says so.
        setup.clock.advance(PAST_WINDOW);
        setup.run_due().await;
        let slot = &setup.slots(giveaway.id).await[1];
        assert_eq!(slot.state, SlotState::Unclaimed);
        assert_eq!(slot.winner, previous.last().copied());
        let posted_effects = setup.sink.take();
        let posted = posts(&posted_effects);
        assert_eq!(posted.len(), 1);
        assert!(
            posted[0]
                .content
                .contains("did not claim it in time and no rerolls are left"),
            "{}",
            posted[0].content
        );
        assert_eq!(
            setup.claim(giveaway.id, 2, slot.winner.unwrap()).await,
            ClaimOutcome::WindowClosed
        );
        let ended = setup.service.get(GUILD, giveaway.id).await.unwrap();
        assert_eq!(ended.rerolls_used, 2);
        assert_eq!(setup.events(giveaway.id, EventKind::FailedClaim).await, 3);
        assert_eq!(setup.events(giveaway.id, EventKind::Reroll).await, 2);
        assert_eq!(setup.events(giveaway.id, EventKind::Unclaimed).await, 1);

        // Nothing is left to do; the draw still verifies.
        setup.clock.advance(DAY);
        setup.run_due().await;
        assert!(posts(&setup.sink.take()).is_empty());
        let verified = setup.service.verify(GUILD, giveaway.id).await.unwrap();
        assert_eq!((verified.entrants, verified.steps), (6, 4));
    }
}

#[tokio::test]
async fn giveaways_a_manual_reroll_replaces_one_slot_and_never_a_previous_winner() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let service = &setup.service;
        let giveaway = setup.start(2, None).await;
        setup.enter_members(giveaway.id, 4_000, 5).await;
        assert!(matches!(
            service
                .reroll(GUILD, giveaway.id, 1, &manager(), None)
                .await,
            Err(GiveawayError::WrongState {
                state: GiveawayState::Running,
                ..
            })
        ));
        setup.draw(&giveaway).await;
        let slots = setup.slots(giveaway.id).await;
        let second = slots[1].clone();
        let mut previous = vec![slots[0].winner.unwrap(), second.winner.unwrap()];
        setup.sink.take();

        assert!(matches!(
            service
                .reroll(GUILD, giveaway.id, 1, &member_without_rights(), None)
                .await,
            Err(GiveawayError::NotAllowed { action: "reroll" })
        ));
        assert!(matches!(
            service
                .reroll(GUILD, giveaway.id, 3, &manager(), None)
                .await,
            Err(GiveawayError::NoSuchSlot {
                slot: 3,
                winners: 2,
                ..
            })
        ));

        // Two requests for the same slot before the job ran make one reroll.
        let asked = service
            .reroll(
                GUILD,
                giveaway.id,
                1,
                &manager(),
                Some("the winner is an alt"),
            )
            .await
            .unwrap();
        let again = service
            .reroll(GUILD, giveaway.id, 1, &Manager::Operator, None)
            .await
            .unwrap();
        assert_eq!(asked.job, again.job);
        assert_eq!(asked.previous_winner, Some(previous[0]));
        setup.run_due().await;
        let slots = setup.slots(giveaway.id).await;
        assert_eq!(slots[1], second, "the other slot is untouched");
        assert_eq!(slots[0].attempt, 1);
        let new_winner = slots[0].winner.unwrap();
        assert!(!previous.contains(&new_winner));
        previous.push(new_winner);
        let effects = setup.sink.take();
        let posted = posts(&effects);
        assert_eq!(posted.len(), 1);
        assert_eq!(posted[0].allowed_mentions.users, [new_winner]);
        let timeline = service.detail(GUILD, giveaway.id).await.unwrap().timeline;
        let reroll = timeline
            .iter()
            .find(|event| event.kind == EventKind::Reroll)
            .unwrap();
        assert_eq!(reroll.detail["reason"], "the winner is an alt");
        assert_eq!(reroll.detail["automatic"], false);

        // Rerolled until nobody is left: 5 entrants, 2 slots, every winner distinct.
        for _ in 0..2 {
            service
                .reroll(GUILD, giveaway.id, 1, &manager(), None)
                .await
                .unwrap();
            setup.run_due().await;
            let winner = setup.slots(giveaway.id).await[0].winner.unwrap();
            assert!(!previous.contains(&winner));
            previous.push(winner);
        }
        service
            .reroll(GUILD, giveaway.id, 1, &manager(), None)
            .await
            .unwrap();
        setup.run_due().await;
        let slot = &setup.slots(giveaway.id).await[0];
        assert_eq!((slot.state, slot.winner), (SlotState::Unclaimed, None));
        assert_eq!(previous.len(), 5);
        assert_eq!(
            previous.iter().collect::<BTreeSet<_>>().len(),
            5,
            "{previous:?}"
        );
        // Manual rerolls do not use up the automatic ones.
        assert_eq!(
            service.get(GUILD, giveaway.id).await.unwrap().rerolls_used,
            0
        );
        service.verify(GUILD, giveaway.id).await.unwrap();
    }
}

#[tokio::test]
async fn giveaways_verify_recomputes_the_stored_draw_and_fails_on_a_tampered_entrant_list() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let service = &setup.service;
        let giveaway = setup.start(3, None).await;
        setup.enter_members(giveaway.id, 5_000, 12).await;
        assert!(matches!(
            service.verify(GUILD, giveaway.id).await,
            Err(GiveawayError::WrongState { .. })
        ));
        setup.draw(&giveaway).await;
        service
            .reroll(GUILD, giveaway.id, 2, &manager(), None)
            .await
            .unwrap();
        setup.run_due().await;
        let verified = service.verify(GUILD, giveaway.id).await.unwrap();
        assert_eq!((verified.entrants, verified.steps), (12, 4));

        // The exported record verifies on its own, and the CSV has a line per event.
        let export = service.export_json(GUILD, giveaway.id).await.unwrap();
        let record: giveaways::DrawRecord =
            serde_json::from_value(export["draw_record"].clone()).unwrap();
        assert_eq!(record.verify(), Ok(verified));
        assert_eq!(record.seed, export["giveaway"]["seed"].as_str().unwrap());
        let mut added = record.clone();
        added.entrants.push(UserId::new(5_999));
        assert!(matches!(
            added.verify(),
            Err(VerifyError::EntrantsMismatch { count: 13, .. })
        ));
        let csv = service.export_csv(GUILD, giveaway.id).await.unwrap();
        let events = export["events"].as_array().unwrap().len();
        assert_eq!(csv.lines().count(), events + 1);
        assert!(csv.starts_with("time,event,actor,user,slot,detail\n"));
        assert!(csv.contains(",reroll,member:1,"), "{csv}");

        // An entrant slipped into the database after the draw is caught.
        sqlx::query(
            "INSERT INTO giveaway_entries (giveaway_id, guild_id, user_id, entered_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(giveaway.id)
        .bind(GUILD.to_db())
        .bind(UserId::new(5_999).to_db())
        .bind(START.0)
        .execute(setup.db.pool())
        .await
        .unwrap();
        let error = service.verify(GUILD, giveaway.id).await.unwrap_err();
        assert!(
            matches!(
                &error,
                GiveawayError::Verification {
                    error: VerifyError::EntrantsMismatch { count: 13, .. },
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("an entrant was added"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn giveaways_end_early_and_cancel_by_managers_only() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let service = &setup.service;
        let giveaway = setup.start(1, None).await;
        let users = setup.enter_members(giveaway.id, 6_000, 2).await;
        assert!(matches!(
            service
                .end(GUILD, giveaway.id, &member_without_rights())
                .await,
            Err(GiveawayError::NotAllowed { action: "end" })
        ));
        setup.clock.advance(Duration::from_secs(60));
        let ended = service.end(GUILD, giveaway.id, &manager()).await.unwrap();
        assert_eq!(ended.ends_at, setup.clock.now());
        assert_eq!(end_job(&setup, &giveaway).await.due_at, setup.clock.now());
        setup.join(UserId::new(6_100), &[]);
        assert_eq!(
            setup.enter(giveaway.id, UserId::new(6_100)).await,
            EntryOutcome::Closed
        );
        setup.run_due().await;
        let drawn = setup.service.get(GUILD, giveaway.id).await.unwrap();
        assert_eq!(drawn.state, GiveawayState::Ended);
        assert!(users.contains(&setup.slots(giveaway.id).await[0].winner.unwrap()));
        assert_eq!(setup.events(giveaway.id, EventKind::EndRequested).await, 1);
        assert!(matches!(
            service.end(GUILD, giveaway.id, &manager()).await,
            Err(GiveawayError::WrongState {
                state: GiveawayState::Ended,
                ..
            })
        ));
        assert!(matches!(
            service.cancel(GUILD, giveaway.id, &manager(), None).await,
            Err(GiveawayError::WrongState { .. })
        ));

        // A cancelled giveaway reveals its seed, loses its timer and says so in its message.
        let other = setup.start(1, None).await;
        setup.enter_members(other.id, 6_200, 2).await;
        setup.sink.take();
        assert!(matches!(
            service
                .cancel(GUILD, other.id, &member_without_rights(), None)
                .await,
            Err(GiveawayError::NotAllowed { action: "cancel" })
        ));
        let cancelled = service
            .cancel(GUILD, other.id, &Manager::Operator, Some("wrong prize"))
            .await
            .unwrap();
        assert_eq!(cancelled.state, GiveawayState::Cancelled);
        let seed = giveaways::Seed::parse(cancelled.seed.as_deref().unwrap()).unwrap();
        assert_eq!(seed.commitment(), cancelled.seed_hash);
        assert_eq!(end_job(&setup, &other).await.state, JobState::Cancelled);
        setup.run_due().await;
        let effects = setup.sink.take();
        assert!(posts(&effects).is_empty());
        assert!(effects.iter().any(|effect| matches!(
            effect,
            Effect::EditMessage { message, .. }
                if message.embeds[0].description.as_ref().unwrap().contains("Cancelled")
        )));
        setup.clock.advance(DAY);
        setup.run_due().await;
        assert!(setup.slots(other.id).await.is_empty());
        assert!(matches!(
            service.verify(GUILD, other.id).await,
            Err(GiveawayError::WrongState {
                state: GiveawayState::Cancelled,
                ..
            })
        ));
    }
}

#[tokio::test]
async fn giveaways_a_burst_of_entries_costs_one_count_edit() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let giveaway = setup.start(1, None).await;
        // The message was just recorded: its catch-up edit.
        setup.run_due().await;
        setup.sink.take();

        setup.enter_members(giveaway.id, 7_000, 20).await;
        let updates = setup
            .ledger
            .list(&JobFilter {
                kind: Some(UPDATE.into()),
                state: Some(JobState::Pending),
                ..JobFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(updates.len(), 1, "{updates:?}");
        assert!(setup.run_due().await.is_empty(), "not due for 5 seconds");
        setup.clock.advance(Duration::from_secs(5));
        setup.run_due().await;
        let effects = setup.sink.take();
        assert_eq!(effects.len(), 1, "{effects:?}");
        let Effect::EditMessage {
            message_id,
            message,
            ..
        } = &effects[0]
        else {
            panic!("{effects:?}");
        };
        assert_eq!(*message_id, message_of(giveaway.id));
        assert_eq!(message.embeds[0].fields[0].value, "20");

        // Entries after the edit schedule the next one.
        setup.enter_members(giveaway.id, 7_100, 3).await;
        setup.clock.advance(Duration::from_secs(5));
        setup.run_due().await;
        let effects = setup.sink.take();
        assert!(matches!(
            &effects[..],
            [Effect::EditMessage { message, .. }] if message.embeds[0].fields[0].value == "23"
        ));
    }
}

#[tokio::test]
async fn giveaways_a_late_announcement_still_gives_the_whole_claim_window_and_reruns_change_nothing()
 {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let giveaway = setup.start(1, None).await;
        setup.enter_members(giveaway.id, 8_000, 3).await;

        // Discord is down at the draw: the draw is written, the announcement waits.
        setup
            .sink
            .fail_with(Some(EffectError::Unavailable("the gateway is down".into())));
        setup.clock.set(giveaway.ends_at);
        let ran = setup.run_due().await;
        assert!(
            ran.iter()
                .any(|(kind, outcome)| kind == END && outcome.is_err()),
            "{ran:?}"
        );
        let slot = setup.slots(giveaway.id).await[0].clone();
        assert_eq!(
            (slot.state, slot.claim_deadline),
            (SlotState::Pending, None)
        );
        let winner = slot.winner.unwrap();

        // An hour later it is back: the winner is pinged and gets the whole window from then.
        setup.sink.fail_with(None);
        setup.clock.advance(HOUR);
        setup.run_due().await;
        let announced_at = setup.clock.now();
        let slot = setup.slots(giveaway.id).await[0].clone();
        assert!(slot.announced);
        assert_eq!(
            slot.claim_deadline,
            Some(announced_at.plus(Duration::from_secs(300)))
        );
        let effects = setup.sink.take();
        let posted = posts(&effects);
        assert_eq!(posted.len(), 1);
        assert_eq!(posted[0].allowed_mentions.users, [winner]);
        assert!(
            posted[0]
                .content
                .contains(&format!("<t:{}:R>", (announced_at.0 + 300_000) / 1_000))
        );

        // The window passes; its job rerolls once, and running that job again (a crash before its
        // completion was recorded) rerolls nothing more.
        setup.clock.advance(PAST_WINDOW);
        setup.run_due().await;
        let rerolled = setup.slots(giveaway.id).await[0].clone();
        assert_eq!(rerolled.attempt, 1);
        let window = setup
            .ledger
            .list(&JobFilter {
                kind: Some(CLAIM_EXPIRE.into()),
                state: Some(JobState::Done),
                ..JobFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(window.len(), 1);
        setup.sink.take();
        assert_eq!(
            setup.handlers.run(&window[0]).await.unwrap().unwrap(),
            JobOutcome::Done
        );
        assert_eq!(setup.slots(giveaway.id).await[0], rerolled);
        assert!(posts(&setup.sink.take()).is_empty());
        assert_eq!(setup.events(giveaway.id, EventKind::Reroll).await, 1);
        assert_eq!(setup.events(giveaway.id, EventKind::FailedClaim).await, 1);
        setup.service.verify(GUILD, giveaway.id).await.unwrap();
    }
}

#[tokio::test]
async fn giveaways_entries_racing_the_close_are_either_counted_and_kept_or_refused() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let giveaway = setup.start(1, None).await;
        for index in 0..120 {
            setup.join(UserId::new(9_000 + index), &[]);
        }
        let now = setup.clock.now();
        let mut tasks = Vec::new();
        for index in 0..120_u64 {
            let service = Arc::clone(&setup.service);
            let user = UserId::new(9_000 + index);
            let state = setup.state(user);
            tasks.push(tokio::spawn(async move {
                let outcome = service
                    .enter(GUILD, giveaway.id, &state.facts(user, now), &names())
                    .await
                    .unwrap();
                (user, outcome)
            }));
            if index == 60 {
                let service = Arc::clone(&setup.service);
                tasks.push(tokio::spawn(async move {
                    service
                        .cancel(GUILD, giveaway.id, &Manager::Operator, None)
                        .await
                        .unwrap();
                    (UserId::new(1), EntryOutcome::Closed)
                }));
            }
        }
        let mut entered = BTreeSet::new();
        for task in tasks {
            let (user, outcome) = task.await.unwrap();
            match outcome {
                EntryOutcome::Entered { .. } => {
                    entered.insert(user);
                }
                EntryOutcome::Closed => {}
                other => panic!("{other:?}"),
            }
        }
        let cancelled = setup.service.get(GUILD, giveaway.id).await.unwrap();
        assert_eq!(cancelled.state, GiveawayState::Cancelled);
        let export = setup.service.export_json(GUILD, giveaway.id).await.unwrap();
        let stored: BTreeSet<UserId> = export["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["user"].as_str().unwrap().parse().unwrap())
            .collect();
        assert_eq!(
            stored, entered,
            "every entry answered Entered is kept, no other"
        );
        assert_eq!(cancelled.entrants, entered.len() as u64);
        // Entries after the close are refused.
        setup.join(UserId::new(9_500), &[]);
        assert_eq!(
            setup.enter(giveaway.id, UserId::new(9_500)).await,
            EntryOutcome::Closed
        );
    }
}

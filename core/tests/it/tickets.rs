//! Ticket stories on every backend: per-guild numbers, one open ticket per member, claim,
//! close and reopen, transcripts with edits, deletions and attachments, guild isolation, and
//! the inactivity warning and close through the job ledger.

use std::sync::Arc;
use std::time::Duration;

use guildhall_core::clock::{ManualClock, UnixMillis};
use guildhall_core::db::Db;
use guildhall_core::effect::{Component, Effect};
use guildhall_core::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use guildhall_core::jobs::{JobFilter, JobHandler, JobLedger, JobOutcome, JobState};
use guildhall_core::testing;
use guildhall_core::tickets::{
    AUTO_CLOSE, Attachment, AutoClose, IncomingMessage, PanelRequest, TicketButton,
    TicketChannelPlan, TicketError, TicketService, TicketSettings, TicketState, WARN_INACTIVE,
    WarnInactive, export,
};

const GUILD: GuildId = GuildId::new(100);
const OTHER_GUILD: GuildId = GuildId::new(200);
const STAFF_ROLE: RoleId = RoleId::new(50);
const SUPPORT: ChannelId = ChannelId::new(700);
const MEMBER: UserId = UserId::new(6);
const OTHER_MEMBER: UserId = UserId::new(7);
const STAFF: UserId = UserId::new(4);
const BOT: UserId = UserId::new(2);
const START: UnixMillis = UnixMillis(1_700_000_000_000);
const HOUR: Duration = Duration::from_secs(3_600);

struct Setup {
    service: Arc<TicketService>,
    ledger: JobLedger,
    clock: ManualClock,
}

fn setup(db: &Db) -> Setup {
    let clock = ManualClock::new(START);
    let shared: Arc<ManualClock> = Arc::new(clock.clone());
    let ledger = JobLedger::new(db.clone(), shared.clone(), 3);
    let service = Arc::new(TicketService::new(db.clone(), shared, ledger.clone()));
    Setup {
        service,
        ledger,
        clock,
    }
}

fn settings() -> TicketSettings {
    TicketSettings {
        staff_roles: vec![STAFF_ROLE],
        ..TicketSettings::default()
    }
}

async fn panel(service: &TicketService, guild: GuildId) -> guildhall_core::tickets::PanelId {
    let created = service
        .create_panel(
            &settings(),
            PanelRequest {
                guild,
                channel: SUPPORT,
                title: "Support".into(),
                description: "Ask us anything".into(),
                button_label: String::new(),
                staff_roles: vec![],
                created_by: STAFF,
            },
        )
        .await
        .unwrap();
    let Effect::SendMessage { channel, message } = &created.post else {
        panic!("a panel is posted: {:?}", created.post);
    };
    assert_eq!(*channel, SUPPORT);
    let Component::Button {
        custom_id, label, ..
    } = &message.components[0].0[0]
    else {
        panic!("a button");
    };
    assert_eq!(custom_id, &format!("tickets:open:{}", created.panel.id));
    assert_eq!(label, "Open a ticket");
    assert_eq!(created.panel.staff_roles, [STAFF_ROLE]);
    created.panel.id
}

fn message(
    channel: ChannelId,
    id: u64,
    author: UserId,
    content: &str,
    at: UnixMillis,
) -> IncomingMessage {
    IncomingMessage {
        channel,
        message: MessageId::new(id),
        author,
        author_name: format!("user{author}"),
        author_is_bot: author == BOT,
        content: content.into(),
        attachments: vec![],
        created_at: at,
    }
}

#[tokio::test]
async fn tickets_are_numbered_per_guild_and_one_is_open_per_member_per_panel() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let service = &setup.service;
        let panel_id = panel(service, GUILD).await;
        let other_panel = panel(service, OTHER_GUILD).await;

        let first = service
            .open(&settings(), GUILD, panel_id, MEMBER, "Ada")
            .await
            .unwrap();
        assert_eq!(first.ticket.number, 1);
        let TicketChannelPlan::Thread(Effect::CreateThread {
            channel,
            private,
            invite,
            name,
        }) = &first.create
        else {
            panic!("thread mode: {:?}", first.create);
        };
        assert_eq!(
            (*channel, *private, invite.as_slice()),
            (SUPPORT, true, [MEMBER].as_slice())
        );
        assert_eq!(name, "ticket-0001-ada");
        let ids: Vec<String> = first.welcome.components[0]
            .0
            .iter()
            .map(|component| component.custom_id().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(
            ids,
            [
                format!("tickets:claim:{}", first.ticket.id),
                format!("tickets:close:{}", first.ticket.id)
            ]
        );
        assert_eq!(first.welcome.allowed_mentions.roles, [STAFF_ROLE]);

        let again = service
            .open(&settings(), GUILD, panel_id, MEMBER, "Ada")
            .await;
        assert!(
            matches!(again, Err(TicketError::AlreadyOpen { number: 1, .. })),
            "{again:?}"
        );
        let second = service
            .open(&settings(), GUILD, panel_id, OTHER_MEMBER, "Bob")
            .await
            .unwrap();
        let elsewhere = service
            .open(&settings(), OTHER_GUILD, other_panel, MEMBER, "Ada")
            .await
            .unwrap();
        assert_eq!((second.ticket.number, elsewhere.ticket.number), (2, 1));

        let many = TicketSettings {
            one_open_per_member: false,
            ..settings()
        };
        let third = service
            .open(&many, GUILD, panel_id, MEMBER, "Ada")
            .await
            .unwrap();
        assert_eq!(third.ticket.number, 3, "{:?}", test_db.backend());
        assert!(
            matches!(
                service
                    .open(&settings(), GUILD, other_panel, MEMBER, "Ada")
                    .await,
                Err(TicketError::NoSuchPanel)
            ),
            "another guild's panel"
        );
    }
}

#[tokio::test]
async fn a_ticket_is_claimed_closed_and_reopened() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let service = &setup.service;
        let panel_id = panel(service, GUILD).await;
        let opened = service
            .open(&settings(), GUILD, panel_id, MEMBER, "Ada")
            .await
            .unwrap();
        let id = opened.ticket.id;
        let thread = ChannelId::new(9_001);
        let welcome = service.attach_channel(GUILD, id, thread).await.unwrap();
        assert!(matches!(welcome, Effect::SendMessage { channel, .. } if channel == thread));

        assert!(matches!(
            service.claim(GUILD, id, MEMBER, false).await,
            Err(TicketError::NotStaff { action: "claim" })
        ));
        let claimed = service.claim(GUILD, id, STAFF, true).await.unwrap();
        assert_eq!(claimed.ticket.claimed_by, Some(STAFF));
        assert!(claimed.announcement.is_some());
        assert!(
            service
                .claim(GUILD, id, STAFF, true)
                .await
                .unwrap()
                .announcement
                .is_none()
        );
        assert!(matches!(
            service.claim(GUILD, id, UserId::new(99), true).await,
            Err(TicketError::AlreadyClaimed { by, .. }) if by == STAFF
        ));
        assert!(matches!(
            service.close(GUILD, id, OTHER_MEMBER, false, "meh").await,
            Err(TicketError::NotAllowedToClose)
        ));

        setup.clock.advance(HOUR);
        let closed = service
            .close(GUILD, id, MEMBER, false, "  solved  ")
            .await
            .unwrap();
        assert_eq!(closed.ticket.state, TicketState::Closed);
        assert_eq!(closed.ticket.close_reason.as_deref(), Some("solved"));
        assert_eq!(closed.ticket.closed_by, Some(MEMBER));
        let [Effect::SendMessage { channel, message }] = closed.effects.as_slice() else {
            panic!("{:?}", closed.effects);
        };
        assert_eq!(*channel, thread);
        assert!(
            message.content.contains("Ticket #1 closed by <@6>: solved"),
            "{}",
            message.content
        );
        assert!(matches!(
            service.close(GUILD, id, STAFF, true, "").await,
            Err(TicketError::Closed { number: 1 })
        ));
        assert!(matches!(
            service.claim(GUILD, id, STAFF, true).await,
            Err(TicketError::Closed { number: 1 })
        ));

        // Closed, so the member may open another; then reopening the first would break the rule.
        let second = service
            .open(&settings(), GUILD, panel_id, MEMBER, "Ada")
            .await
            .unwrap();
        assert!(matches!(
            service.reopen(&settings(), GUILD, id, STAFF, true).await,
            Err(TicketError::AlreadyOpen { number: 2, .. })
        ));
        service
            .close(GUILD, second.ticket.id, STAFF, true, "duplicate")
            .await
            .unwrap();
        assert!(matches!(
            service.reopen(&settings(), GUILD, id, MEMBER, false).await,
            Err(TicketError::NotStaff { .. })
        ));
        let reopened = service
            .reopen(&settings(), GUILD, id, STAFF, true)
            .await
            .unwrap();
        assert_eq!(reopened.ticket.state, TicketState::Open);
        assert_eq!(reopened.ticket.close_reason, None);
        assert_eq!(reopened.effects.len(), 1);
        assert!(matches!(
            service.reopen(&settings(), GUILD, id, STAFF, true).await,
            Err(TicketError::NotClosed { number: 1 })
        ));
        assert!(matches!(
            service
                .close(OTHER_GUILD, id, STAFF, true, "not yours")
                .await,
            Err(TicketError::NoSuchTicket)
        ));
        let open = service
            .tickets(GUILD, Some(TicketState::Open), 0)
            .await
            .unwrap();
        assert_eq!(
            open.iter().map(|t| t.number).collect::<Vec<_>>(),
            [1],
            "{:?}",
            test_db.backend()
        );
    }
}

#[tokio::test]
async fn the_transcript_keeps_edits_deletions_and_attachments_and_stays_in_its_guild() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let service = &setup.service;
        let panel_id = panel(service, GUILD).await;
        let opened = service
            .open(&settings(), GUILD, panel_id, MEMBER, "Ada")
            .await
            .unwrap();
        let thread = ChannelId::new(9_001);
        // The index is loaded before the channel is attached: attaching must update it.
        assert_eq!(
            service.ticket_in_channel(GUILD, thread).await.unwrap(),
            None
        );
        service
            .attach_channel(GUILD, opened.ticket.id, thread)
            .await
            .unwrap();

        let mut first = message(
            thread,
            1,
            MEMBER,
            "<script>alert(1)</script> it broke",
            START.plus(HOUR),
        );
        first.attachments = vec![Attachment {
            name: "screenshot.png".into(),
            url: "https://cdn.example/screenshot.png".into(),
        }];
        assert_eq!(
            service.record_message(GUILD, &first).await.unwrap(),
            Some(opened.ticket.id)
        );
        assert_eq!(
            service.record_message(GUILD, &first).await.unwrap(),
            Some(opened.ticket.id),
            "a redelivered message is kept once"
        );
        service
            .record_message(
                GUILD,
                &message(thread, 2, STAFF, "try again", START.plus(HOUR * 2)),
            )
            .await
            .unwrap();
        service
            .record_message(
                GUILD,
                &message(thread, 3, MEMBER, "oops", START.plus(HOUR * 3)),
            )
            .await
            .unwrap();
        assert_eq!(
            service
                .record_message(GUILD, &message(SUPPORT, 4, MEMBER, "not a ticket", START))
                .await
                .unwrap(),
            None
        );

        setup.clock.advance(HOUR * 4);
        assert!(
            service
                .record_edit(GUILD, thread, MessageId::new(2), "try again, please", None)
                .await
                .unwrap()
        );
        setup.clock.advance(HOUR);
        assert!(
            service
                .record_edit(GUILD, thread, MessageId::new(2), "try again, please!", None)
                .await
                .unwrap()
        );
        assert!(
            service
                .record_delete(GUILD, thread, MessageId::new(3))
                .await
                .unwrap()
        );
        assert!(
            !service
                .record_edit(GUILD, SUPPORT, MessageId::new(4), "x", None)
                .await
                .unwrap()
        );

        let closed = service
            .close(GUILD, opened.ticket.id, STAFF, true, "fixed")
            .await
            .unwrap();
        assert_eq!(closed.summary.messages, 3);
        assert_eq!(closed.summary.participants, [MEMBER, STAFF]);
        assert_eq!(
            (
                closed.summary.attachments,
                closed.summary.edited,
                closed.summary.deleted
            ),
            (1, 1, 1)
        );

        let transcript = service.transcript(GUILD, 1).await.unwrap();
        assert_eq!(transcript.panel_title, "Support");
        let contents: Vec<&str> = transcript
            .messages
            .iter()
            .map(|m| m.content.as_str())
            .collect();
        assert_eq!(
            contents,
            [
                "<script>alert(1)</script> it broke",
                "try again, please!",
                "oops"
            ]
        );
        assert_eq!(transcript.messages[0].attachments, first.attachments);
        assert_eq!(
            transcript.messages[1].edited_at,
            Some(START.plus(HOUR * 5)),
            "the last edit's time"
        );
        assert_eq!(
            transcript.messages[2].deleted_at,
            Some(START.plus(HOUR * 5))
        );
        assert_eq!(transcript.ticket.last_activity_at, START.plus(HOUR * 3));

        let html = export::to_html(&transcript);
        assert!(!html.contains("<script>"));
        assert!(html.contains("screenshot.png"));
        let json: serde_json::Value =
            serde_json::from_str(&export::to_json(&transcript).unwrap()).unwrap();
        assert_eq!(json["messages"][1]["content"], "try again, please!");

        assert!(
            matches!(
                service.transcript(OTHER_GUILD, 1).await,
                Err(TicketError::NoSuchTicket)
            ),
            "another guild cannot read it"
        );
        assert_eq!(
            service
                .ticket_in_channel(OTHER_GUILD, thread)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            service
                .record_message(OTHER_GUILD, &message(thread, 5, MEMBER, "x", START))
                .await
                .unwrap(),
            None
        );

        // A fresh service (a restart) loads the index from the database.
        let restarted = TicketService::new(
            test_db.db.clone(),
            Arc::new(setup.clock.clone()),
            setup.ledger.clone(),
        );
        assert_eq!(
            restarted.ticket_in_channel(GUILD, thread).await.unwrap(),
            Some(opened.ticket.id)
        );

        // Retention: kept within the period, pruned after it.
        let retention = TicketSettings {
            transcript_retention_days: 1,
            ..settings()
        };
        assert_eq!(
            service.prune_transcripts(&retention, GUILD).await.unwrap(),
            0
        );
        setup.clock.advance(Duration::from_secs(2 * 86_400));
        assert_eq!(
            service
                .prune_transcripts(&retention, OTHER_GUILD)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            service.prune_transcripts(&retention, GUILD).await.unwrap(),
            3,
            "{:?}",
            test_db.backend()
        );
        assert!(
            service
                .transcript(GUILD, 1)
                .await
                .unwrap()
                .messages
                .is_empty()
        );
    }
}

async fn pending(ledger: &JobLedger, kind: &str) -> Vec<guildhall_core::jobs::JobRecord> {
    ledger
        .list(&JobFilter {
            state: Some(JobState::Pending),
            kind: Some(kind.into()),
            guild: Some(GUILD),
            limit: 100,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn an_idle_ticket_is_warned_then_closed_once_and_activity_postpones_it() {
    for test_db in testing::backends().await {
        let setup = setup(&test_db.db);
        let service = &setup.service;
        let idle = TicketSettings {
            auto_close_hours: 24,
            auto_close_warning_minutes: 60,
            ..settings()
        };
        let panel_id = panel(service, GUILD).await;
        let thread = ChannelId::new(9_001);
        let opened = service
            .open(&idle, GUILD, panel_id, MEMBER, "Ada")
            .await
            .unwrap();
        service
            .attach_channel(GUILD, opened.ticket.id, thread)
            .await
            .unwrap();
        let sink = Arc::new(testing::RecordingSink::new());
        let warn = WarnInactive::new(Arc::clone(service), sink.clone());
        let close = AutoClose::new(Arc::clone(service), sink.clone());

        // Armed at opening: the warning an hour before the close.
        let warnings = pending(&setup.ledger, WARN_INACTIVE).await;
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].due_at, START.plus(HOUR * 23));

        // A member writes before the warning: the warning job only re-arms.
        let later = START.plus(HOUR * 10);
        service
            .record_message(GUILD, &message(thread, 1, MEMBER, "still there?", later))
            .await
            .unwrap();
        setup.clock.set(START.plus(HOUR * 23));
        assert_eq!(
            warn.run_record(&warnings[0]).await.unwrap(),
            JobOutcome::Done
        );
        assert!(sink.texts().is_empty(), "no warning after new activity");
        let rearmed: Vec<_> = pending(&setup.ledger, WARN_INACTIVE)
            .await
            .into_iter()
            .filter(|job| job.id != warnings[0].id)
            .collect();
        assert_eq!(rearmed.len(), 1);
        assert_eq!(rearmed[0].due_at, later.plus(HOUR * 23));
        assert!(pending(&setup.ledger, AUTO_CLOSE).await.is_empty());

        // Quiet since: warned once (twice run), the close scheduled once.
        setup.clock.set(later.plus(HOUR * 23));
        assert_eq!(
            warn.run_record(&rearmed[0]).await.unwrap(),
            JobOutcome::Done
        );
        assert_eq!(
            warn.run_record(&rearmed[0]).await.unwrap(),
            JobOutcome::Done,
            "a rerun after a crash"
        );
        // The bot's own warning is recorded but is not activity.
        service
            .record_message(
                GUILD,
                &message(thread, 2, BOT, "closing soon", later.plus(HOUR * 23)),
            )
            .await
            .unwrap();
        let texts = sink.texts();
        assert_eq!(texts.len(), 1, "{texts:?}");
        assert!(texts[0].contains("will close automatically in 60 minutes"));
        let closes = pending(&setup.ledger, AUTO_CLOSE).await;
        assert_eq!(closes.len(), 1);
        assert_eq!(closes[0].due_at, later.plus(HOUR * 24));

        setup.clock.set(later.plus(HOUR * 24));
        assert_eq!(
            close.run_record(&closes[0]).await.unwrap(),
            JobOutcome::Done
        );
        assert_eq!(
            close.run_record(&closes[0]).await.unwrap(),
            JobOutcome::Done,
            "closes once"
        );
        let ticket = service.ticket(GUILD, opened.ticket.id).await.unwrap();
        assert_eq!(ticket.state, TicketState::Closed);
        assert_eq!(ticket.closed_by, None);
        assert_eq!(
            ticket.close_reason.as_deref(),
            Some("closed after 24 hours without activity")
        );
        let texts = sink.texts();
        assert_eq!(texts.len(), 3, "{texts:?}");
        assert!(
            matches!(
                &sink.performed()[2],
                Effect::SetThreadState { thread: locked, archived: true, locked: true, .. }
                    if *locked == thread
            ),
            "the thread is archived and locked after the note: {texts:?}"
        );
        assert!(
            texts[1].contains("Ticket #1 closed automatically"),
            "{}",
            texts[1]
        );
        assert_eq!(
            TicketButton::parse(
                match &sink.performed()[1] {
                    Effect::SendMessage { message, .. } => message.components[0].0[0]
                        .custom_id()
                        .unwrap_or_default()
                        .to_owned(),
                    other => panic!("{other:?}"),
                }
                .as_str()
            ),
            Some(TicketButton::Reopen(opened.ticket.id))
        );

        // Activity just before the close: the close job skips and re-arms instead.
        let second = service
            .open(&idle, GUILD, panel_id, MEMBER, "Ada")
            .await
            .unwrap();
        let second_thread = ChannelId::new(9_002);
        service
            .attach_channel(GUILD, second.ticket.id, second_thread)
            .await
            .unwrap();
        let opened_at = second.ticket.last_activity_at;
        let first_warn = pending(&setup.ledger, WARN_INACTIVE)
            .await
            .into_iter()
            .find(|job| job.payload["ticket"] == second.ticket.id)
            .unwrap();
        setup.clock.set(first_warn.due_at);
        warn.run_record(&first_warn).await.unwrap();
        let close_job = pending(&setup.ledger, AUTO_CLOSE)
            .await
            .into_iter()
            .find(|job| job.payload["ticket"] == second.ticket.id)
            .unwrap();
        let reply_at = opened_at.plus(HOUR * 23 + Duration::from_secs(1_800));
        service
            .record_message(GUILD, &message(second_thread, 3, MEMBER, "wait!", reply_at))
            .await
            .unwrap();
        setup.clock.set(close_job.due_at);
        let before = sink.texts().len();
        assert_eq!(
            close.run_record(&close_job).await.unwrap(),
            JobOutcome::Done
        );
        assert_eq!(sink.texts().len(), before, "nothing sent");
        assert_eq!(
            service.ticket(GUILD, second.ticket.id).await.unwrap().state,
            TicketState::Open,
            "{:?}",
            test_db.backend()
        );
        let next = pending(&setup.ledger, WARN_INACTIVE)
            .await
            .into_iter()
            .filter(|job| job.payload["ticket"] == second.ticket.id && job.id != first_warn.id)
            .map(|job| job.due_at)
            .collect::<Vec<_>>();
        assert_eq!(next, [reply_at.plus(HOUR * 23)]);
    }
}

//! The giveaways pane: running giveaways first with their countdowns, the prizes of an ended
//! one, and end, cancel and reroll after a confirmation, done through the core as the operator
//! and audited as the CLI does.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use guildhall_core::eligibility::RoleMentions;
use guildhall_core::giveaways::{
    END, EndGiveaway, FactsUnavailable, GiveawayId, GiveawayRequest, GiveawayService,
    GiveawayState, Manager, MemberFacts, MemberState, REROLL, UPDATE,
};
use guildhall_core::guild_cache::GuildCache;
use guildhall_core::ids::{ChannelId, GuildId, UserId};
use guildhall_core::jobs::{JobFilter, JobHandler, JobOutcome, JobPorts, JobRecord, JobState};
use ratatui::crossterm::event::KeyCode;

use super::{ACTOR, GUILD, Harness, NOW};
use crate::action::{Action, InputMode};
use crate::panes::PaneId;

const WINNER: u64 = 424_242_424_242_424_242;

/// Everyone is still a member and eligible.
#[derive(Debug)]
struct Everyone;

#[async_trait]
impl MemberFacts for Everyone {
    async fn member(
        &self,
        _guild: GuildId,
        _user: UserId,
    ) -> Result<Option<MemberState>, FactsUnavailable> {
        Ok(Some(MemberState::default()))
    }
}

fn service(harness: &Harness) -> Arc<GiveawayService> {
    Arc::clone(&harness.services.giveaways)
}

async fn start(harness: &Harness, prize: &str, winners: u32, minutes: u64) -> GiveawayId {
    service(harness)
        .start(
            GiveawayRequest {
                guild: GUILD,
                channel: ChannelId::new(777_777_777_777_777_777),
                prize: prize.into(),
                winners,
                duration: Duration::from_secs(minutes * 60),
                requirements: None,
                by: Manager::Operator,
            },
            &RoleMentions,
        )
        .await
        .unwrap()
        .giveaway
        .id
}

async fn jobs(harness: &Harness, kind: &str) -> Vec<JobRecord> {
    harness
        .services
        .ledger
        .list(&JobFilter {
            kind: Some(kind.to_owned()),
            guild: Some(GUILD),
            ..JobFilter::default()
        })
        .await
        .unwrap()
}

/// The job that draws `id`.
async fn end_job(harness: &Harness, id: GiveawayId) -> JobRecord {
    let giveaway = service(harness).get(GUILD, id).await.unwrap();
    harness.services.ledger.get(giveaway.end_job).await.unwrap()
}

/// Runs the due draws with the core's handler, as the bot's worker would.
async fn draw(harness: &Harness) {
    let handler = EndGiveaway::new(
        service(harness),
        JobPorts {
            sink: Arc::new(guildhall_core::testing::RecordingSink::new()),
            members: Arc::new(Everyone),
            cache: Arc::new(GuildCache::new()),
        },
    );
    let ledger = &harness.services.ledger;
    let claimed = ledger
        .claim("test", &[END.to_owned()], 10, Duration::from_secs(60))
        .await
        .unwrap();
    assert!(!claimed.is_empty());
    for (job, lease) in claimed {
        assert_eq!(handler.run_record(&job).await.unwrap(), JobOutcome::Done);
        ledger.complete(&lease).await.unwrap();
    }
}

#[tokio::test]
async fn giveaways_list_running_first_and_end_cancel_and_reroll_after_confirmation() {
    let mut harness = Harness::new(None).await;
    harness.add_guild(GUILD, "Tavern of Testing").await;
    let giveaways = service(&harness);
    // An ended giveaway with one entrant, so its one winner is known.
    let poster = start(&harness, "Signed poster", 1, 60).await;
    giveaways
        .enter(
            GUILD,
            poster,
            &MemberState::default().facts(UserId::new(WINNER), NOW),
            &RoleMentions,
        )
        .await
        .unwrap();
    giveaways
        .end(GUILD, poster, &Manager::Operator)
        .await
        .unwrap();
    draw(&harness).await;
    let nitro = start(&harness, "Nitro Classic", 2, 120).await;
    let mug = start(&harness, "Tavern mug", 1, 45).await;
    let hoodie = start(&harness, "Hoodie", 1, 90).await;
    giveaways
        .cancel(GUILD, hoodie, &Manager::Operator, None)
        .await
        .unwrap();

    harness
        .act(Action::ShowPane(PaneId::named("giveaways")))
        .await;
    harness.key(KeyCode::End).await;
    insta::assert_snapshot!("giveaways_list_with_details", harness.screen());

    // The countdowns move with the clock, without a reload.
    harness.app.set_now(NOW.plus(Duration::from_secs(61)));
    let screen = harness.screen();
    assert!(
        screen.contains("in 43m") && screen.contains("in 1h 58m"),
        "{screen}"
    );
    harness.app.set_now(NOW);

    // An ended giveaway cannot be ended or cancelled.
    harness.key(KeyCode::Char('e')).await;
    assert_eq!(harness.app.input_mode(), InputMode::Normal);
    assert!(
        harness
            .screen()
            .contains("is ended; that needs a giveaway that is running"),
        "{}",
        harness.screen()
    );

    // End the soonest: answering no changes nothing, yes moves the draw to now.
    harness.key(KeyCode::Home).await;
    harness.key(KeyCode::Char('e')).await;
    insta::assert_snapshot!("giveaways_confirm_end", harness.screen());
    harness.key(KeyCode::Char('n')).await;
    assert_eq!(
        end_job(&harness, mug).await.due_at,
        NOW.plus(Duration::from_secs(45 * 60))
    );
    harness.key(KeyCode::Char('e')).await;
    harness.key(KeyCode::Char('y')).await;
    let job = end_job(&harness, mug).await;
    assert_eq!(job.due_at, NOW, "the bot draws now");
    assert_eq!(job.state, JobState::Pending);
    let audit = guildhall_core::audit::recent(&harness.services.db, Some(GUILD), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "giveaway.end");
    assert_eq!(audit[0].actor, ACTOR);
    assert_eq!(audit[0].target.as_deref(), Some(mug.to_string().as_str()));
    assert!(
        harness
            .screen()
            .contains(&format!("giveaway #{mug} closed its entries")),
        "{}",
        harness.screen()
    );

    // Cancel the next: its timer is cancelled and the bot updates its message.
    harness.key(KeyCode::Down).await;
    harness.key(KeyCode::Char('x')).await;
    assert!(
        harness.screen().contains("Cancel giveaway"),
        "{}",
        harness.screen()
    );
    harness.key(KeyCode::Char('y')).await;
    assert_eq!(
        service(&harness).get(GUILD, nitro).await.unwrap().state,
        GiveawayState::Cancelled
    );
    assert_eq!(end_job(&harness, nitro).await.state, JobState::Cancelled);
    assert!(!jobs(&harness, UPDATE).await.is_empty());
    let audit = guildhall_core::audit::recent(&harness.services.db, Some(GUILD), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "giveaway.cancel");

    // Reroll the ended one's only prize: no prompt for one prize, a confirmation, the job.
    harness.key(KeyCode::End).await;
    harness.key(KeyCode::Char('r')).await;
    assert_eq!(harness.app.input_mode(), InputMode::Confirm);
    assert!(
        harness.screen().contains("Draw prize 1 of giveaway"),
        "{}",
        harness.screen()
    );
    harness.key(KeyCode::Char('y')).await;
    let rerolls = jobs(&harness, REROLL).await;
    assert_eq!(rerolls.len(), 1);
    assert_eq!(rerolls[0].payload["giveaway"], poster.get());
    assert_eq!(rerolls[0].payload["slot"], 1);
    let audit = guildhall_core::audit::recent(&harness.services.db, Some(GUILD), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "giveaway.reroll");
    assert_eq!(audit[0].detail["slot"], 1);
}

#[tokio::test]
async fn a_reroll_asks_which_prize_when_there_are_several() {
    let mut harness = Harness::new(None).await;
    harness.add_guild(GUILD, "Tavern of Testing").await;
    let giveaways = service(&harness);
    let id = start(&harness, "Stickers", 2, 60).await;
    for user in [WINNER, WINNER + 1, WINNER + 2] {
        giveaways
            .enter(
                GUILD,
                id,
                &MemberState::default().facts(UserId::new(user), NOW),
                &RoleMentions,
            )
            .await
            .unwrap();
    }
    giveaways.end(GUILD, id, &Manager::Operator).await.unwrap();
    draw(&harness).await;
    harness
        .act(Action::ShowPane(PaneId::named("giveaways")))
        .await;

    harness.key(KeyCode::Char('r')).await;
    assert_eq!(harness.app.input_mode(), InputMode::Text);
    harness.keys("3").await;
    harness.key(KeyCode::Enter).await;
    assert!(
        harness
            .screen()
            .contains("has no prize 3; its prizes are numbered 1 to 2"),
        "{}",
        harness.screen()
    );
    assert!(jobs(&harness, REROLL).await.is_empty());

    harness.key(KeyCode::Char('r')).await;
    harness.keys("2").await;
    assert!(harness.screen().contains("prize to draw again: 2"));
    harness.key(KeyCode::Enter).await;
    assert_eq!(harness.app.input_mode(), InputMode::Confirm);
    harness.key(KeyCode::Char('y')).await;
    let rerolls = jobs(&harness, REROLL).await;
    assert_eq!(rerolls.len(), 1);
    assert_eq!(rerolls[0].payload["slot"], 2);
}

//! The composition root: one [`Core`] per process, built once, holding the shared parts (the
//! database, the clock, coordination, settings, the job ledger, live state, the guild model)
//! and one instance of every feature service. The bot, the job worker, the dashboard and the
//! CLI take their services from it, so two parts of one process never hold two copies of a
//! service with state of its own (a levels service's unflushed XP, say).

use std::sync::Arc;

use crate::automation::AutomationService;
use crate::clock::SharedClock;
use crate::coordination::Coordination;
use crate::db::Db;
use crate::giveaways::GiveawayService;
use crate::guild_cache::GuildCache;
use crate::guild_config::GuildConfigService;
use crate::jobs::JobLedger;
use crate::levels::LevelService;
use crate::live::Live;
use crate::moderation::ModerationService;
use crate::premium::PremiumService;
use crate::recent_messages::RecentMessages;
use crate::roles::{MemberLevels, RoleService};
use crate::tickets::TicketService;

/// Everything a Guildhall process shares. Cheap to clone: every part is shared.
#[derive(Debug, Clone)]
pub struct Core {
    /// The database.
    pub db: Db,
    /// The clock.
    pub clock: SharedClock,
    /// Cooldowns, rate limits, pub/sub (in process, or Redis).
    pub coordination: Arc<dyn Coordination>,
    /// Per-guild settings.
    pub config: Arc<GuildConfigService>,
    /// The job ledger.
    pub ledger: JobLedger,
    /// Each guild's tier, the premium gate and the limits.
    pub premium: Arc<PremiumService>,
    /// Live state (shards, event rates) for the dashboard and the console.
    pub live: Arc<Live>,
    /// The guild model the bot keeps, shared in process.
    pub guild_cache: Arc<GuildCache>,
    /// Cases, warnings, escalation and timed punishments.
    pub moderation: Arc<ModerationService>,
    /// Support tickets.
    pub tickets: Arc<TicketService>,
    /// Text and voice XP: its in-memory buffer is the one every part of the process reads.
    pub levels: Arc<LevelService>,
    /// Role panels, self, auto and timed roles (reading levels from [`Core::levels`]).
    pub roles: Arc<RoleService>,
    /// Giveaways.
    pub giveaways: Arc<GiveawayService>,
    /// The opt-in store of recent messages.
    pub recent_messages: Arc<RecentMessages>,
    /// Scheduled messages, reminders and triggers.
    pub automation: Arc<AutomationService>,
    /// Event logs.
    pub logging: Arc<crate::logging::LoggingService>,
    /// The activity counters behind the analytics (messages, members, voice, automod).
    pub activity: Arc<crate::analytics::Activity>,
}

impl Core {
    /// Builds the core of a process on an open, migrated database.
    pub fn new(
        db: Db,
        clock: SharedClock,
        coordination: Arc<dyn Coordination>,
        max_job_attempts: u32,
    ) -> Self {
        let config = Arc::new(GuildConfigService::new(
            db.clone(),
            Arc::clone(&clock),
            Arc::clone(&coordination),
        ));
        let ledger = JobLedger::new(db.clone(), Arc::clone(&clock), max_job_attempts)
            .with_coordination(Arc::clone(&coordination));
        let live = Arc::new(Live::new(clock.now()));
        let premium = Arc::new(PremiumService::new(
            db.clone(),
            Arc::clone(&clock),
            Arc::clone(&coordination),
            ledger.clone(),
        ));
        let moderation = Arc::new(ModerationService::new(
            db.clone(),
            Arc::clone(&clock),
            ledger.clone(),
            Arc::clone(&config),
        ));
        let tickets = Arc::new(
            TicketService::new(db.clone(), Arc::clone(&clock), ledger.clone())
                .with_premium(Arc::clone(&premium)),
        );
        let levels = Arc::new(LevelService::new(
            db.clone(),
            Arc::clone(&clock),
            Arc::clone(&coordination),
            Arc::clone(&config),
        ));
        let roles = Arc::new(
            RoleService::new(
                db.clone(),
                Arc::clone(&clock),
                ledger.clone(),
                Arc::clone(&coordination),
            )
            .with_levels(Arc::clone(&levels) as Arc<dyn MemberLevels>)
            .with_premium(Arc::clone(&premium)),
        );
        let giveaways = Arc::new(
            GiveawayService::new(
                db.clone(),
                Arc::clone(&clock),
                ledger.clone(),
                Arc::clone(&config),
            )
            .with_premium(Arc::clone(&premium)),
        );
        let recent_messages = Arc::new(RecentMessages::new(db.clone()));
        let automation = Arc::new(AutomationService::new(
            db.clone(),
            Arc::clone(&clock),
            ledger.clone(),
            Arc::clone(&config),
            Arc::clone(&premium),
            Arc::clone(&coordination),
        ));
        let guild_cache = Arc::new(GuildCache::new());
        let activity = Arc::new(crate::analytics::Activity::new(db.clone()));
        let logging = Arc::new(crate::logging::LoggingService::new(
            db.clone(),
            Arc::clone(&clock),
            Arc::clone(&guild_cache),
            Arc::clone(&recent_messages),
            Arc::clone(&premium),
        ));
        Self {
            db,
            clock,
            coordination,
            config,
            ledger,
            premium,
            live,
            guild_cache,
            logging,
            activity,
            moderation,
            tickets,
            levels,
            roles,
            giveaways,
            recent_messages,
            automation,
        }
    }
}

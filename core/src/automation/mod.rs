//! Automation: scheduled messages, reminders and the trigger engine.
//!
//! - `schedule.rs`: the schedule an admin writes (5-field cron in a time zone, checked field by
//!   field, described in words, its next runs, the documented daylight-saving rules).
//! - `scheduled.rs`: scheduled messages and their one ledger job per next run
//!   (`automation.post`).
//! - `reminders.rs`: members' reminders (`automation.remind`).
//! - `settings.rs`, `template.rs`, `triggers.rs`: the `automation` settings section with the
//!   guild's triggers, their response variables, and the engine that matches every trigger in
//!   one pass over a message.
//! - `flows.rs`: automations (an event, conditions, steps), each run durable in
//!   `automation_runs` with its waits as ledger jobs (`automation.step`).
//! - `service.rs`: [`AutomationService`], the one entry point every surface uses.

pub mod flows;
pub mod reminders;
pub mod schedule;
pub mod scheduled;
pub mod service;
pub mod settings;
pub mod template;
#[cfg(test)]
mod tests;
pub mod triggers;

use std::sync::Arc;

pub use flows::{Flow, FlowEvent, FlowRun, FlowStart, Step};
pub use reminders::{Delivery, NewReminder, Reminder};
pub use schedule::{Schedule, ScheduleError};
pub use scheduled::{NewSchedule, ScheduledMessage, ScheduledPost};
pub use service::{AutomationError, AutomationService, Preview};
pub use settings::{AutomationSettings, CooldownScope, MatchKind, Trigger};
pub use triggers::{CompiledTriggers, TriggerInput};

use crate::composition::Core;
use crate::jobs::{JobPorts, JobRegistry};

/// Adds automation's jobs: posting scheduled messages, delivering reminders and running
/// automations' steps.
pub fn register_jobs(registry: JobRegistry, core: &Core, ports: &JobPorts) -> JobRegistry {
    registry
        .register(Arc::new(scheduled::PostScheduled::new(
            Arc::clone(&core.automation),
            Arc::clone(&ports.sink),
        )))
        .register(Arc::new(reminders::DeliverReminder::new(
            Arc::clone(&core.automation),
            Arc::clone(&ports.sink),
        )))
        .register(Arc::new(flows::RunSteps::new(
            Arc::clone(&core.automation),
            flows::StepPorts {
                sink: Arc::clone(&ports.sink),
                members: Arc::clone(&ports.members),
                cache: Arc::clone(&ports.cache),
            },
        )))
}

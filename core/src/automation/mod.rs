//! Automation (issue 16, in progress): scheduled messages, reminders, the trigger engine and
//! multi-stage automations. What is built so far is `schedule.rs`, the schedule an admin writes
//! (5-field cron in a time zone, checked field by field, described in words, its next runs, the
//! documented daylight-saving rules); the feature's services, jobs and surfaces follow.

pub mod schedule;

pub use schedule::{Schedule, ScheduleError};

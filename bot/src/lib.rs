//! Guildhall's Discord side.
//!
//! This crate will hold the serenity + poise runtime: it turns gateway events into
//! `guildhall-core` events, calls the feature services, and executes the
//! [`Effect`](guildhall_core::effect::Effect)s they return through one outbound executor that owns
//! rate limiting. It is the only crate that knows Discord's API types; ids are converted to and
//! from `guildhall_core::ids` here and nowhere else.
//!
//! It arrives with the Discord stand-in and bot runtime issue; until then it only names the
//! effects it will perform, so the dependency direction `cli → bot → core` is fixed from the start.

use guildhall_core::effect::Effect;

/// A short name for an effect, used in logs and metrics.
pub fn effect_name(effect: &Effect) -> &'static str {
    match effect {
        Effect::SendMessage { .. } => "send_message",
        Effect::SendDirectMessage { .. } => "send_direct_message",
        Effect::EditMessage { .. } => "edit_message",
        Effect::DeleteMessage { .. } => "delete_message",
        Effect::AddRole { .. } => "add_role",
        Effect::RemoveRole { .. } => "remove_role",
        Effect::Timeout { .. } => "timeout",
        Effect::RemoveTimeout { .. } => "remove_timeout",
        Effect::Kick { .. } => "kick",
        Effect::Ban { .. } => "ban",
        Effect::Unban { .. } => "unban",
        Effect::CreateThread { .. } => "create_thread",
        Effect::InteractionReply { .. } => "interaction_reply",
    }
}

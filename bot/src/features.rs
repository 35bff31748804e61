//! The bot's side of the feature registry: each feature's slash commands, its handler of
//! [`GuildEvent`]s and its handler of components (buttons and menus whose `custom_id` starts
//! with the feature's name). One line per feature in [`BOT_FEATURES`]; the list is in the core
//! registry's order ([`guildhall_core::features::FEATURES`]), which is also the order a message
//! passes through the features (automod before levels, so a caught message earns nothing).
//!
//! The registry checks `features.<name>` before a feature sees anything: a switched-off
//! feature's command or click is answered with its sentence (`commands::check_command`,
//! `events::route_component`), and it sees only the events that keep its state
//! ([`GuildEvent::keeps_state`]).

use std::sync::atomic::{AtomicBool, Ordering};

use futures::future::BoxFuture;
use guildhall_core::events::GuildEvent;
use guildhall_core::features::FeatureSpec;
use guildhall_core::guild_config::GuildSettings;

use crate::{BotData, BotError};

/// A slash command of the bot.
pub type Command = poise::Command<BotData, BotError>;

/// A feature's handler of guild events.
pub type EventHandler = for<'a> fn(
    &'a BotData,
    &'a GuildEvent<'a>,
    &'a GuildSettings,
    &'a Passage,
) -> BoxFuture<'a, Result<(), BotError>>;

/// A feature's handler of its components; `Ok(false)` when the `custom_id` is not one of its.
pub type ComponentHandler = for<'a> fn(
    &'a BotData,
    &'a serenity::all::ComponentInteraction,
) -> BoxFuture<'a, Result<bool, BotError>>;

/// What one event's passage through the features has found so far.
#[derive(Debug, Default)]
pub struct Passage {
    caught: AtomicBool,
}

impl Passage {
    /// Automatic moderation acted on the message (later features leave it alone: it earns no
    /// XP).
    pub fn caught_by_automod(&self) -> bool {
        self.caught.load(Ordering::Relaxed)
    }

    /// Records that automatic moderation acted on the message.
    pub fn set_caught_by_automod(&self) {
        self.caught.store(true, Ordering::Relaxed);
    }
}

/// One feature, as the bot runs it.
#[derive(Debug, Clone, Copy)]
pub struct BotFeature {
    /// The core registry's name of the feature.
    pub name: &'static str,
    /// Its slash commands (their category is set to the feature, which gates them).
    pub commands: fn() -> Vec<Command>,
    /// Its handler of guild events, if it has one.
    pub on_event: Option<EventHandler>,
    /// Its handler of components, if it has one.
    pub on_component: Option<ComponentHandler>,
}

impl BotFeature {
    /// The core registry's entry for it.
    ///
    /// # Panics
    /// Never for the features of [`BOT_FEATURES`] (a test checks every name is in the core
    /// registry).
    pub fn spec(&self) -> &'static FeatureSpec {
        guildhall_core::features::by_name(self.name)
            .unwrap_or_else(|| panic!("{} is not in the core's feature registry", self.name))
    }
}

/// Every feature, in the core registry's order.
pub const BOT_FEATURES: &[BotFeature] = &[
    crate::moderation::FEATURE,
    crate::automod::FEATURE,
    crate::tickets::FEATURE,
    crate::levels::FEATURE,
    crate::roles::FEATURE,
    crate::giveaways::FEATURE,
    crate::automation::FEATURE,
    crate::logging::FEATURE,
];

/// The feature called `name`.
pub fn by_name(name: &str) -> Option<&'static BotFeature> {
    BOT_FEATURES.iter().find(|feature| feature.name == name)
}

/// Every feature's commands, each with its feature as its category.
pub fn commands() -> Vec<Command> {
    BOT_FEATURES
        .iter()
        .flat_map(|feature| {
            (feature.commands)().into_iter().map(|mut command| {
                command.category = Some(feature.name.into());
                command
            })
        })
        .collect()
}

/// Hands `event` to every feature that handles events and may see it: features that are on,
/// and for events that only keep state ([`GuildEvent::keeps_state`]) every feature. One
/// feature's failure is logged and does not keep the event from the others.
pub async fn dispatch(data: &BotData, event: &GuildEvent<'_>, settings: &GuildSettings) {
    let passage = Passage::default();
    for feature in BOT_FEATURES {
        let Some(handler) = feature.on_event else {
            continue;
        };
        if !event.keeps_state() && !feature.spec().is_on(settings) {
            continue;
        }
        if let Err(error) = handler(data, event, settings, &passage).await {
            tracing::warn!(
                feature = feature.name,
                guild = %event.guild(),
                %error,
                "a feature could not handle a guild event"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bot_has_every_feature_of_the_core_registry_in_its_order() {
        let core: Vec<&str> = guildhall_core::features::FEATURES
            .iter()
            .map(|feature| feature.name)
            .collect();
        let bot: Vec<&str> = BOT_FEATURES.iter().map(|feature| feature.name).collect();
        assert_eq!(bot, core);
        for feature in BOT_FEATURES {
            assert_eq!(feature.spec().name, feature.name);
        }
    }

    #[test]
    fn every_feature_command_is_gated_by_its_feature() {
        for command in commands() {
            let category = command.category.as_deref().unwrap_or_default();
            assert!(
                guildhall_core::features::by_name(category).is_some(),
                "/{} has no feature",
                command.name
            );
        }
        let automod = by_name("automod").expect("automod is a feature");
        assert!(automod.on_event.is_some());
    }
}

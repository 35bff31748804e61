//! The CLI's side of the feature registry: one subcommand per feature, each a module of
//! `commands/` named after the feature (`guildhall moderation`, `guildhall giveaways`, ...),
//! with a `Command` (clap) and a `run`. Adding a feature's subcommand is its module plus one
//! line in [`feature_commands!`] below; `main.rs` flattens the list into the top-level
//! commands and dispatches it in one arm.

use clap::Subcommand;

use crate::app::GlobalOptions;

/// Declares the feature subcommands: each line is the feature's help line, its variant, its
/// module in `commands/`, and any older names it still answers to.
macro_rules! feature_commands {
    ($( #[doc = $about:literal] $variant:ident ($module:ident) $([$($alias:literal),*])? ;)*) => {
        /// Every feature's subcommand.
        #[derive(Debug, Subcommand)]
        pub enum FeatureCommand {
            $(
                #[doc = $about]
                #[command(subcommand $(, visible_aliases = [$($alias),*])?)]
                $variant(crate::commands::$module::Command),
            )*
        }

        impl FeatureCommand {
            /// Runs the feature's subcommand.
            pub async fn run(self, options: &GlobalOptions) -> anyhow::Result<()> {
                match self {
                    $( Self::$variant(command) => crate::commands::$module::run(options, command).await, )*
                }
            }

            /// The features that have a subcommand, by their registry names.
            #[cfg(test)]
            pub const NAMES: &[&str] = &[$(stringify!($module)),*];
        }
    };
}

feature_commands! {
    /// Moderation cases: list with filters, show one.
    Moderation(moderation) ["cases"];
    /// Try automod rules on a text, or backtest one on stored recent messages.
    Automod(automod);
    /// Support tickets and their transcripts.
    Tickets(tickets);
    /// Levels: the leaderboard, a member's standing, CSV import and export.
    Levels(levels);
    /// Timed roles (list, end early) and role panels.
    Roles(roles);
    /// Giveaways: list, show, end, cancel, reroll, export, verify a draw.
    Giveaways(giveaways) ["giveaway"];
    /// Scheduled messages, reminders and triggers: list, show, pause, resume, run now, test.
    Automation(automation) ["auto"];
    /// Event logs: the stored log events with filters.
    Logging(logging);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_feature_has_its_subcommand_under_its_own_name() {
        let registry: Vec<&str> = guildhall_core::features::FEATURES
            .iter()
            .map(|feature| feature.name)
            .collect();
        assert_eq!(FeatureCommand::NAMES, registry.as_slice());
    }
}

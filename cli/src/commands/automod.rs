//! `guildhall automod test`: which of a guild's automod rules would fire on a text.

use clap::Subcommand;
use guildhall_core::automod::{PriorMessage, RuleKind, explain};
use guildhall_core::ids::GuildId;
use serde_json::json;

use crate::app::{self, GlobalOptions, Services};
use crate::output::{self, Table};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Test a text against the guild's rules (nothing is stored or sent).
    Test {
        #[arg(long)]
        guild: GuildId,
        /// The text to test.
        text: String,
        /// Earlier messages by the same member, oldest first, one second apart (for the spam and
        /// near-duplicate rules).
        #[arg(long = "before", value_name = "TEXT")]
        history: Vec<String>,
        /// Also try this rule as if it were switched on (spam, duplicates, caps, invites, links,
        /// bad_words, bad_patterns, mentions); repeatable.
        #[arg(long = "rule", value_name = "NAME")]
        rules: Vec<String>,
    },
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    let services = Services::open(&settings).await?;
    let Command::Test {
        guild,
        text,
        history,
        rules,
    } = command;
    let mut automod = services.config.get(guild).await?.automod.clone();
    for name in &rules {
        let rule = RuleKind::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = RuleKind::ALL.iter().map(|rule| rule.name()).collect();
            anyhow::anyhow!(
                "unknown automod rule `{name}`; rules are: {}",
                known.join(", ")
            )
        })?;
        automod.enable(rule);
    }
    let count = u32::try_from(history.len()).unwrap_or(u32::MAX);
    let prior: Vec<PriorMessage<'_>> = history
        .iter()
        .enumerate()
        .map(|(index, content)| PriorMessage {
            content,
            seconds_before: count - u32::try_from(index).unwrap_or(0),
        })
        .collect();
    let hits = explain(&automod, &text, &prior)?;
    if options.json {
        let hits: Vec<_> = hits
            .iter()
            .map(|hit| json!({ "rule": hit.rule.name(), "reason": hit.reason, "matched": hit.matched, "delete_message": hit.delete_message, "action": hit.action }))
            .collect();
        return output::json(&json!({ "guild": guild, "fires": !hits.is_empty(), "hits": hits }));
    }
    if hits.is_empty() {
        println!("no rule fires on this text");
        return Ok(());
    }
    let mut table = Table::new(&["RULE", "WHY", "MATCHED", "ACTION"]);
    for hit in hits {
        table.row(vec![
            hit.rule.name().to_owned(),
            hit.reason,
            hit.matched.unwrap_or_else(|| "-".into()),
            serde_json::to_string(&hit.action).unwrap_or_default(),
        ]);
    }
    table.print();
    Ok(())
}

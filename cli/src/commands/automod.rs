//! `guildhall automod test`: which of a guild's automod rules would fire on a text.
//! `guildhall automod backtest`: what one rule would have done to the guild's stored recent
//! messages.

use std::time::Duration;

use clap::Subcommand;
use guildhall_core::automod::backtest::{Backtest, BacktestReport};
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
    /// Replay the guild's stored recent messages through one rule, on or off, and report how
    /// many messages and members it would have hit (needs recent_messages.store_recent_messages).
    Backtest {
        #[arg(long)]
        guild: GuildId,
        /// The rule: spam, duplicates, caps, invites, links, bad_words, bad_patterns, mentions.
        #[arg(long, value_name = "NAME")]
        rule: String,
        /// How many days back to replay, 1 to 30.
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=30))]
        days: u32,
    },
}

/// Messages read from the store at a time.
const PAGE: u32 = 1_000;

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    let services = Services::open(&settings).await?;
    match command {
        Command::Test {
            guild,
            text,
            history,
            rules,
        } => test(options, &services, guild, &text, &history, &rules).await,
        Command::Backtest { guild, rule, days } => {
            backtest(options, &services, guild, &rule, days).await
        }
    }
}

async fn test(
    options: &GlobalOptions,
    services: &Services,
    guild: GuildId,
    text: &str,
    history: &[String],
    rules: &[String],
) -> anyhow::Result<()> {
    let mut automod = services.config.get(guild).await?.automod.clone();
    for name in rules {
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
    let hits = explain(&automod, text, &prior)?;
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

async fn backtest(
    options: &GlobalOptions,
    services: &Services,
    guild: GuildId,
    rule: &str,
    days: u32,
) -> anyhow::Result<()> {
    let guild_settings = services.config.get(guild).await?;
    let mut backtest = Backtest::new(guild, &guild_settings.automod, rule)?;
    let since = services
        .clock
        .now()
        .minus(Duration::from_secs(u64::from(days) * 86_400));
    let mut page = services
        .recent_messages
        .messages_since(guild, since, PAGE)
        .await?;
    while let Some(last) = page.last().map(|message| message.position()) {
        for message in &page {
            backtest.replay(message);
        }
        page = services
            .recent_messages
            .messages_after(guild, last, PAGE)
            .await?;
    }
    let report = backtest.finish();
    let stored = guild_settings.recent_messages.store_recent_messages;
    let note = (!stored).then(|| {
        format!(
            "guild {guild} does not store recent messages; turn it on with \
             `guildhall config set --guild {guild} recent_messages.store_recent_messages true` and wait for messages"
        )
    });
    let replayed = report.messages_scanned + report.bot_messages_skipped;
    if let Some(note) = &note
        && replayed == 0
    {
        anyhow::bail!("{note}");
    }
    if options.json {
        if let Some(note) = &note {
            eprintln!("note: {note}");
        }
        return output::json(&json!({
            "guild": guild,
            "days": days,
            "since": since,
            "store_recent_messages": stored,
            "note": note,
            "rule": report.rule.name(),
            "rule_enabled": report.rule_enabled,
            "messages_scanned": report.messages_scanned,
            "bot_messages_skipped": report.bot_messages_skipped,
            "messages_hit": report.messages_hit,
            "members_hit": report.members_hit,
            "first_at": report.first_at,
            "last_at": report.last_at,
            "examples": report.examples,
        }));
    }
    if let Some(note) = &note {
        println!("note: {note}");
    }
    print_report(guild, days, &report);
    Ok(())
}

fn print_report(guild: GuildId, days: u32, report: &BacktestReport) {
    let state = if report.rule_enabled { "on" } else { "off" };
    let covered = match (report.first_at, report.last_at) {
        (Some(first), Some(last)) => format!("{first} to {last}"),
        _ => "none stored".to_owned(),
    };
    println!(
        "rule {} ({state} in guild {guild}), last {days} day(s), messages from {covered}",
        report.rule.name()
    );
    println!(
        "{} message(s) scanned, {} would be hit, from {} member(s)",
        report.messages_scanned, report.messages_hit, report.members_hit
    );
    if report.examples.is_empty() {
        return;
    }
    println!();
    let mut table = Table::new(&["TIME", "AUTHOR", "CHANNEL", "MESSAGE", "WHY"]);
    for hit in &report.examples {
        table.row(vec![
            hit.at.to_rfc3339(),
            hit.author.to_string(),
            hit.channel.to_string(),
            hit.excerpt.replace(['\n', '\r'], " "),
            hit.reason.clone(),
        ]);
    }
    table.print();
    if report.messages_hit > report.examples.len() as u64 {
        println!(
            "(the first {} of {} hits)",
            report.examples.len(),
            report.messages_hit
        );
    }
}

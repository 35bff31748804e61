//! `guildhall levels top|user|import|export`: a guild's leaderboard, one member's standing, and
//! levels in and out as CSV. An import brings reward roles in line through the job ledger
//! (`effects.perform`, run by whichever process runs the bot).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Subcommand, ValueEnum};
use guildhall_core::effect::Effect;
use guildhall_core::ids::{GuildId, RoleId, UserId};
use guildhall_core::levels::{
    Applied, ImportMode, ImportSummary, LevelError, LevelService, LevelSettings, reward_effects,
};
use serde_json::json;

use crate::app::{self, GlobalOptions, Services};
use crate::output::{self, Table};

/// The most members one page of `levels top` shows.
const MAX_PER_PAGE: u32 = 100;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The leaderboard: most XP first.
    Top {
        #[arg(long)]
        guild: GuildId,
        /// Which page (from 1).
        #[arg(long, default_value_t = 1)]
        page: u64,
        /// Members per page (1 to 100).
        #[arg(long, default_value_t = 10)]
        per_page: u32,
    },
    /// One member's level, XP, progress and rank.
    User {
        #[arg(long)]
        guild: GuildId,
        /// The member's user id.
        user: UserId,
    },
    /// Imports XP from a CSV file (`user_id,xp`, `user_id,xp,level` or an export); a file with
    /// any bad line imports nothing.
    Import {
        #[arg(long)]
        guild: GuildId,
        /// The CSV file.
        file: PathBuf,
        /// Replace a listed member's XP with the file's, or add the file's to it.
        #[arg(long, value_enum, default_value_t = Mode::Replace)]
        mode: Mode,
        /// Show what the import would do without writing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Exports the guild's levels as CSV (`user_id,xp,level,messages,voice_seconds`).
    Export {
        #[arg(long)]
        guild: GuildId,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// How an import treats members who already have XP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// A listed member's XP becomes the file's.
    Replace,
    /// The file's XP is added to a listed member's.
    Add,
}

impl From<Mode> for ImportMode {
    fn from(mode: Mode) -> Self {
        match mode {
            Mode::Replace => Self::Replace,
            Mode::Add => Self::Add,
        }
    }
}

pub async fn run(options: &GlobalOptions, command: Command) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    let services = Services::open(&settings).await?;
    let levels = std::sync::Arc::clone(&services.levels);
    match command {
        Command::Top {
            guild,
            page,
            per_page,
        } => {
            // Members by name: the guild model the bot persisted.
            guildhall_core::guild_snapshot::load_guild(&services.db, &services.guild_cache, guild)
                .await?;
            let names = |user: UserId| services.guild_cache.member_name(guild, user);
            top(options, &levels, guild, page, per_page, &names).await
        }
        Command::User { guild, user } => {
            let card = levels.rank_card(guild, user).await?;
            if options.json {
                return output::json(&card);
            }
            let progress = card.progress;
            println!("user {user} in guild {guild}");
            println!("  level     {}", progress.level);
            if progress.is_max_level() {
                println!("  progress  the highest level");
            } else {
                println!(
                    "  progress  {} / {} XP toward level {}",
                    progress.xp_into_level,
                    progress.xp_needed,
                    progress.level + 1
                );
            }
            println!("  total XP  {}", card.xp);
            println!(
                "  rank      {}",
                card.rank.map_or_else(
                    || "not ranked (no XP)".to_owned(),
                    |rank| format!("#{rank}")
                )
            );
            println!("  messages  {}", card.messages);
            println!("  voice     {} min", card.voice_seconds / 60);
            Ok(())
        }
        Command::Import {
            guild,
            file,
            mode,
            dry_run,
        } => {
            import(
                options,
                &services,
                &levels,
                guild,
                &file,
                mode.into(),
                dry_run,
            )
            .await
        }
        Command::Export { guild, output } => match output {
            Some(path) => {
                let csv = levels.export_csv(guild).await?;
                let members = csv.lines().count().saturating_sub(1);
                std::fs::write(&path, &csv)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                if options.json {
                    return output::json(
                        &json!({ "guild": guild, "members": members, "output": path }),
                    );
                }
                println!(
                    "wrote {members} member(s) of guild {guild} to {}",
                    path.display()
                );
                Ok(())
            }
            None if options.json => {
                // The export's rows as objects, levels under the current curve.
                let curve = services.config.get(guild).await?.levels.curve;
                let rows: Vec<serde_json::Value> = services
                    .levels
                    .export_rows(guild)
                    .await?
                    .iter()
                    .map(|member| {
                        json!({
                            "user": member.user,
                            "xp": member.xp,
                            "level": curve.level_for(member.xp),
                            "messages": member.messages,
                            "voice_seconds": member.voice_seconds,
                        })
                    })
                    .collect();
                output::json(&rows)
            }
            None => {
                print!("{}", levels.export_csv(guild).await?);
                Ok(())
            }
        },
    }
}

async fn top(
    options: &GlobalOptions,
    levels: &LevelService,
    guild: GuildId,
    page: u64,
    per_page: u32,
    name_of: &dyn Fn(UserId) -> Option<String>,
) -> anyhow::Result<()> {
    if page == 0 {
        anyhow::bail!("--page starts at 1, got 0");
    }
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        anyhow::bail!("--per-page must be between 1 and {MAX_PER_PAGE}, got {per_page}");
    }
    let offset = (page - 1).saturating_mul(u64::from(per_page));
    let entries = levels.leaderboard(guild, offset, per_page).await?;
    if options.json {
        // Ids as before, each with the member's name where the bot has seen them.
        let rows: Vec<serde_json::Value> = entries
            .iter()
            .map(|entry| {
                let mut row = serde_json::to_value(entry).unwrap_or_default();
                if let Some(object) = row.as_object_mut() {
                    object.insert("name".into(), json!(name_of(entry.user)));
                }
                row
            })
            .collect();
        return output::json(&rows);
    }
    if entries.is_empty() {
        if page == 1 {
            println!("nobody has XP in guild {guild}");
        } else {
            println!("page {page} of guild {guild}'s leaderboard is empty (past the end)");
        }
        return Ok(());
    }
    let mut table = Table::new(&["RANK", "USER", "LEVEL", "XP", "MESSAGES", "VOICE MIN"]);
    for entry in entries {
        table.row(vec![
            format!("#{}", entry.rank),
            name_of(entry.user).unwrap_or_else(|| entry.user.to_string()),
            entry.level.to_string(),
            entry.xp.to_string(),
            entry.messages.to_string(),
            (entry.voice_seconds / 60).to_string(),
        ]);
    }
    table.print();
    Ok(())
}

fn print_summary(summary: &ImportSummary, dry_run: bool) {
    let mode = match summary.mode {
        ImportMode::Replace => "replace",
        ImportMode::Add => "add",
    };
    let heading = if dry_run {
        "dry run: nothing was written"
    } else if summary.error_count > 0 {
        "refused: nothing was written"
    } else {
        "imported"
    };
    println!("{heading} (mode {mode})");
    println!("  good rows          {}", summary.rows_ok);
    println!("  new members        {}", summary.new_members);
    println!("  changed members    {}", summary.changed_members);
    println!("  unchanged members  {}", summary.unchanged_members);
    println!(
        "  guild's total XP   {} -> {}",
        summary.total_xp_before, summary.total_xp_after
    );
    if summary.error_count > 0 {
        println!("  bad lines          {}", summary.error_count);
        for error in &summary.errors {
            println!("    {error}");
        }
        if summary.error_count > summary.errors.len() {
            println!(
                "    ... and {} more",
                summary.error_count - summary.errors.len()
            );
        }
    }
}

async fn import(
    options: &GlobalOptions,
    services: &Services,
    levels: &LevelService,
    guild: GuildId,
    file: &std::path::Path,
    mode: ImportMode,
    dry_run: bool,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let refused = |summary: &ImportSummary| {
        anyhow::anyhow!(
            "{} has {} bad line(s); nothing was imported",
            file.display(),
            summary.error_count
        )
    };
    if dry_run {
        let summary = levels.import_dry_run(guild, &text, mode).await?;
        if options.json {
            output::json(&json!({ "dry_run": true, "summary": summary }))?;
        } else {
            print_summary(&summary, true);
        }
        return if summary.error_count > 0 {
            Err(refused(&summary))
        } else {
            Ok(())
        };
    }
    let outcome = match levels.import(guild, &text, mode).await {
        Ok(outcome) => outcome,
        Err(LevelError::ImportRefused(summary)) => {
            if options.json {
                output::json(&json!({ "dry_run": false, "summary": summary }))?;
            } else {
                print_summary(&summary, false);
            }
            return Err(refused(&summary));
        }
        Err(error) => return Err(error.into()),
    };
    let settings = services.config.get(guild).await?;
    let rewarded = if settings.features.levels {
        schedule_rewards(services, guild, &settings.levels, &outcome.changes).await?
    } else {
        Rewarded::default()
    };
    services
        .audit(
            "levels.import",
            Some(guild),
            Some(&file.display().to_string()),
            json!({
                "mode": mode,
                "rows": outcome.summary.rows_ok,
                "changed": outcome.summary.changed_members,
                "new": outcome.summary.new_members,
                "reward_jobs": rewarded.jobs,
            }),
        )
        .await?;
    if options.json {
        return output::json(&json!({
            "dry_run": false,
            "summary": outcome.summary,
            "level_changes": rewarded.members,
            "reward_jobs": rewarded.jobs,
        }));
    }
    print_summary(&outcome.summary, false);
    if !settings.features.levels {
        println!("levels are off in guild {guild} (features.levels): no reward roles changed");
    } else if settings.levels.rewards.is_empty() {
        println!("guild {guild} has no reward roles (levels.rewards): no roles to change");
    } else {
        println!(
            "reward roles: {} job(s) for the {} member(s) whose level changed; the bot performs them (`guildhall jobs list --kind {}`); jobs for members who left fail with Unknown Member",
            rewarded.jobs,
            rewarded.members,
            guildhall_core::jobs::perform::KIND
        );
    }
    Ok(())
}

/// What [`schedule_rewards`] scheduled.
#[derive(Debug, Default)]
struct Rewarded {
    /// Members whose level changed.
    members: usize,
    /// `effects.perform` jobs.
    jobs: usize,
}

/// Schedules, for every member whose level changed, the role changes that make their reward
/// roles match it. Without the bot's view of their roles (the CLI has none), every reward the
/// level earns is given and every other reward role taken; giving a role a member holds, or
/// taking one they lack, changes nothing on Discord.
async fn schedule_rewards(
    services: &Services,
    guild: GuildId,
    settings: &LevelSettings,
    changes: &[Applied],
) -> anyhow::Result<Rewarded> {
    let mut rewarded = Rewarded::default();
    if settings.rewards.is_empty() {
        return Ok(rewarded);
    }
    let every_reward: Vec<RoleId> = settings.rewards.iter().map(|reward| reward.role).collect();
    for change in changes
        .iter()
        .filter(|change| change.old_level != change.new_level)
    {
        rewarded.members += 1;
        for effect in full_reward_effects(
            settings,
            guild,
            change.user,
            change.new_level,
            &every_reward,
        ) {
            guildhall_core::jobs::perform::schedule(&services.ledger, Some(guild), effect).await?;
            rewarded.jobs += 1;
        }
    }
    Ok(rewarded)
}

/// The reward roles of `level` given and every other reward role taken.
fn full_reward_effects(
    settings: &LevelSettings,
    guild: GuildId,
    user: UserId,
    level: u32,
    every_reward: &[RoleId],
) -> Vec<Effect> {
    // Holding no role: every reward of the level is given. Holding every reward role: the
    // ones the level does not earn are taken.
    let mut effects = reward_effects(settings, guild, user, level, &[]);
    effects.retain(|effect| matches!(effect, Effect::AddRole { .. }));
    effects.extend(
        reward_effects(settings, guild, user, level, every_reward)
            .into_iter()
            .filter(|effect| matches!(effect, Effect::RemoveRole { .. })),
    );
    effects
}

#[cfg(test)]
mod tests {
    use guildhall_core::levels::{Reward, RewardMode};

    use super::*;

    #[test]
    fn an_import_gives_the_rewards_of_the_level_and_takes_the_others() {
        let roles = [RoleId::new(10), RoleId::new(20), RoleId::new(30)];
        let mut settings = LevelSettings {
            rewards: vec![
                Reward {
                    level: 1,
                    role: roles[0],
                },
                Reward {
                    level: 5,
                    role: roles[1],
                },
                Reward {
                    level: 10,
                    role: roles[2],
                },
            ],
            ..LevelSettings::default()
        };
        let summarize = |effects: Vec<Effect>| -> Vec<(bool, RoleId)> {
            effects
                .into_iter()
                .filter_map(|effect| match effect {
                    Effect::AddRole { role, .. } => Some((true, role)),
                    Effect::RemoveRole { role, .. } => Some((false, role)),
                    _ => None,
                })
                .collect()
        };
        let (guild, user) = (GuildId::new(1), UserId::new(2));
        assert_eq!(
            summarize(full_reward_effects(&settings, guild, user, 6, &roles)),
            [(true, roles[0]), (true, roles[1]), (false, roles[2])]
        );
        settings.reward_mode = RewardMode::Replace;
        assert_eq!(
            summarize(full_reward_effects(&settings, guild, user, 6, &roles)),
            [(true, roles[1]), (false, roles[0]), (false, roles[2])]
        );
        assert_eq!(
            summarize(full_reward_effects(&settings, guild, user, 0, &roles)),
            [(false, roles[0]), (false, roles[1]), (false, roles[2])]
        );
    }
}

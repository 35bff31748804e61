//! Printing: readable tables for people, JSON for scripts.

use serde::Serialize;

/// Prints `value` as pretty JSON.
pub fn json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A plain text table with a header row, columns padded to their widest cell.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|cell| (*cell).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn print(&self) {
        let mut widths: Vec<usize> = self
            .header
            .iter()
            .map(|cell| cell.chars().count())
            .collect();
        for row in &self.rows {
            for (index, cell) in row.iter().enumerate() {
                if let Some(width) = widths.get_mut(index) {
                    *width = (*width).max(cell.chars().count());
                }
            }
        }
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(index, cell)| {
                    format!(
                        "{cell:<width$}",
                        width = widths.get(index).copied().unwrap_or(0)
                    )
                })
                .collect();
            println!("{}", padded.join("  ").trim_end());
        };
        line(&self.header);
        for row in &self.rows {
            line(row);
        }
    }
}

pub use guildhall_core::guild_config::display::{diff, plain};

/// One guild's names for a person to read: roles as `@Name`, channels as `#name`, members by
/// display name, from the guild model the bot persisted (ids where it does not know them).
/// `--json` output keeps ids.
pub struct Named {
    cache: std::sync::Arc<guildhall_core::guild_cache::GuildCache>,
    guild: guildhall_core::ids::GuildId,
}

impl Named {
    /// Loads `guild`'s snapshot into `services`' guild model.
    ///
    /// # Errors
    /// When the snapshot cannot be read.
    pub async fn load(
        services: &crate::app::Services,
        guild: guildhall_core::ids::GuildId,
    ) -> anyhow::Result<Self> {
        guildhall_core::guild_snapshot::load_guild(&services.db, &services.guild_cache, guild)
            .await?;
        Ok(Self {
            cache: std::sync::Arc::clone(&services.guild_cache),
            guild,
        })
    }

    /// A member's name, else their id.
    pub fn user(&self, user: guildhall_core::ids::UserId) -> String {
        self.cache
            .member_name(self.guild, user)
            .unwrap_or_else(|| user.to_string())
    }

    /// A channel's `#name`, else its id.
    pub fn channel(&self, channel: guildhall_core::ids::ChannelId) -> String {
        self.cache
            .channel(self.guild, channel)
            .map_or_else(|| channel.to_string(), |facts| format!("#{}", facts.name))
    }

    /// A role's `@Name`, else its id.
    pub fn role(&self, role: guildhall_core::ids::RoleId) -> String {
        self.cache
            .role_name(self.guild, role)
            .map_or_else(|| role.to_string(), |name| format!("@{name}"))
    }

    /// `text` with its Discord mentions as names: `<@&id>` as `@Role`, `<#id>` as `#channel`,
    /// `<@id>` as the member's name.
    pub fn mentions(&self, text: &str) -> String {
        use guildhall_core::text::{Mention, replace_mentions};
        replace_mentions(text, |mention| match mention {
            Mention::Member(user) => format!("@{}", self.user(user)),
            Mention::Role(role) => self.role(role),
            Mention::Channel(channel) => self.channel(channel),
        })
    }
}

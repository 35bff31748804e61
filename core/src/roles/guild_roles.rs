//! What a process knows of a guild's roles for handing them out from outside Discord (the
//! dashboard): the roles to pick from, reading the role ids a form names, and the bot's and the
//! staff member's place among them ([`RoleAuthority`]), all from the guild model
//! ([`GuildCache`]). Where the model does not know the guild or the bot (a dashboard without
//! the bot in its process) the role check cannot run: [`GuildRoles::authority`] is `None`, the
//! reason is [`GuildRoles::unchecked_note`], and the bot checks again at every click.

use std::collections::HashMap;

use super::manage::RoleAuthority;
use crate::clock::UnixMillis;
use crate::guild_cache::GuildCache;
use crate::ids::{GuildId, RoleId, UserId};
use crate::permissions::{GuildInfo, MemberInfo};

/// A guild's roles and the bot's and the staff member's place among them.
#[derive(Debug, Clone)]
pub struct GuildRoles {
    /// The guild.
    pub guild: GuildId,
    info: Option<GuildInfo>,
    /// Every role's name, @everyone included.
    pub names: HashMap<RoleId, String>,
    /// The roles to pick from: highest first, without @everyone.
    pub choices: Vec<(RoleId, String)>,
    bot: Option<MemberInfo>,
    invoker: Option<MemberInfo>,
}

impl GuildRoles {
    /// Reads the guild model. `bot` is the bot's user (Discord gives a bot user its
    /// application's id); `invoker` the member handing roles out, `None` for an operator, who
    /// hands out roles as the platform. A member the model has not seen yet is held to no roles
    /// (fails closed: the owner still passes, others are told to hand out only roles below
    /// their own) rather than to none at all.
    pub fn of(
        cache: &GuildCache,
        guild: GuildId,
        bot: Option<UserId>,
        invoker: Option<UserId>,
    ) -> Self {
        let info = cache.guild_info(guild);
        let mut names = HashMap::new();
        let mut ordered: Vec<(i32, RoleId, String)> = Vec::new();
        if let Some(info) = &info {
            for role in &info.roles {
                let name = cache
                    .role_name(guild, role.id)
                    .unwrap_or_else(|| role.id.to_string());
                names.insert(role.id, name.clone());
                if role.id.get() != guild.get() {
                    ordered.push((role.position, role.id, name));
                }
            }
        }
        ordered.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.get().cmp(&b.1.get())));
        let bot = bot.and_then(|bot| cache.member(guild, bot));
        let invoker = invoker.map(|user| {
            cache.member(guild, user).unwrap_or(MemberInfo {
                user,
                roles: Vec::new(),
                timed_out_until: None,
            })
        });
        Self {
            guild,
            info,
            names,
            choices: ordered
                .into_iter()
                .map(|(_, id, name)| (id, name))
                .collect(),
            bot,
            invoker,
        }
    }

    /// A guild whose roles this process does not know (nothing is checked against them).
    pub fn unknown(guild: GuildId) -> Self {
        Self {
            guild,
            info: None,
            names: HashMap::new(),
            choices: Vec::new(),
            bot: None,
            invoker: None,
        }
    }

    /// Whether the guild's roles are known (role pickers, unknown roles refused).
    pub fn known(&self) -> bool {
        self.info.is_some()
    }

    /// The check the bot runs, when this process knows the guild and the bot's membership.
    pub fn authority(&self) -> Option<RoleAuthority<'_>> {
        Some(RoleAuthority {
            guild: self.info.as_ref()?,
            bot: self.bot.as_ref()?,
            invoker: self.invoker.as_ref(),
            managed: &[],
        })
    }

    /// Why the bot's check cannot run here, when it cannot.
    pub fn unchecked_note(&self) -> Option<&'static str> {
        if self.info.is_none() {
            Some(
                "This dashboard process does not see the server's roles (the bot runs elsewhere), so it cannot check that the bot can give them; the bot checks again at every click.",
            )
        } else if self.bot.is_none() {
            Some(
                "The bot's own membership is not known here yet, so it cannot be checked that the bot can give these roles; the bot checks again at every click.",
            )
        } else {
            None
        }
    }

    /// The bot's (and the staff member's) check of one role, in the member-facing words; `Ok`
    /// when it passes or cannot run here.
    ///
    /// # Errors
    /// The sentence naming the role and the fix.
    pub fn check(&self, role: RoleId, now: UnixMillis) -> Result<(), String> {
        match self.authority() {
            Some(authority) => authority
                .check(role, now)
                .map_err(|problem| problem.words(&self.names)),
            None => Ok(()),
        }
    }

    /// The check of each role; empty when all pass or the check cannot run.
    pub fn problems(&self, roles: &[RoleId], now: UnixMillis) -> Vec<String> {
        roles
            .iter()
            .filter_map(|role| self.check(*role, now).err())
            .collect()
    }

    /// Reads a role id typed or picked for `field`: a number, not @everyone, a role of this
    /// server when its roles are known.
    ///
    /// # Errors
    /// A sentence naming the field.
    pub fn role(&self, field: &str, text: &str) -> Result<RoleId, String> {
        let Ok(role) = text.trim().parse::<RoleId>() else {
            return Err(format!(
                "{field}: `{text}` is not a role id (a number such as 1101234567890123456)"
            ));
        };
        if role.get() == self.guild.get() {
            return Err(format!(
                "{field}: @everyone belongs to every member; it cannot be given or taken"
            ));
        }
        if self.known() && !self.names.contains_key(&role) {
            return Err(format!("{field}: role {role} is not a role of this server"));
        }
        Ok(role)
    }

    /// Reads a list of role ids for `field`, each once, and every one that could not be read.
    pub fn roles(&self, field: &str, texts: &[String]) -> (Vec<RoleId>, Vec<String>) {
        let mut roles = Vec::new();
        let mut errors = Vec::new();
        for text in texts {
            match self.role(field, text) {
                Ok(role) if !roles.contains(&role) => roles.push(role),
                Ok(_) => {}
                Err(error) => errors.push(error),
            }
        }
        (roles, errors)
    }

    /// Reads the roles the bot gives later, unasked (self-assignable roles, automatic roles on
    /// join or after screening) for the `roles.<key>` setting: each must be a role of the
    /// server, and, where the check can run, one the bot could give then and the staff member
    /// could hand out themselves now.
    pub fn settings_roles(
        &self,
        key: &str,
        texts: &[String],
        now: UnixMillis,
    ) -> (Vec<RoleId>, Vec<String>) {
        let field = format!("roles.{key}");
        let (picked, mut errors) = self.roles(&field, texts);
        for role in &picked {
            if let Err(problem) = self.check(*role, now) {
                errors.push(format!("{field}: {problem}"));
            }
        }
        (picked, errors)
    }
}

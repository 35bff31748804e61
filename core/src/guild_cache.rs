//! What the bot knows of each guild right now — owner, roles, members seen — without Discord's
//! types. The bot feeds it from gateway events; guards read it. In process only: a guild's
//! events all reach the one shard that owns it. It is also the in-process
//! [`GuildDirectory`]: an id it holds is the guild's; an id it holds for another guild is not;
//! anything else it cannot tell (a thread, a channel created a moment ago), so a
//! [`crate::references::Layered`] directory asks Discord.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::RwLock;

use async_trait::async_trait;

use crate::ids::{ChannelId, GuildId, RoleId, UserId};
use crate::permissions::{GuildInfo, MemberInfo, RoleInfo};
use crate::references::{ChannelFacts, ChannelKind, DirectoryError, Found, GuildDirectory};

#[derive(Debug, Clone)]
struct CachedGuild {
    name: String,
    owner: UserId,
    roles: HashMap<RoleId, (RoleInfo, String)>,
    members: HashMap<UserId, MemberInfo>,
    /// Members who have not passed membership screening yet.
    pending: HashSet<UserId>,
    /// Members' display names (server nickname, else global name, else username), for pages
    /// that show members (the leaderboard).
    names: HashMap<UserId, String>,
    /// Members learned by asking Discord (not from an event), oldest first: at most
    /// [`MAX_FETCHED_MEMBERS`] are kept, so lookups of passers-by cannot grow the model
    /// without bound. An event about a member makes it a member like any other.
    fetched: VecDeque<UserId>,
    fetched_set: HashSet<UserId>,
    /// The guild's channels and categories (threads are not kept).
    channels: HashMap<ChannelId, ChannelFacts>,
    /// How its roles look (colour, managed), by role; kept beside [`RoleInfo`], which is what
    /// permissions see.
    styles: HashMap<RoleId, RoleStyle>,
    /// Its custom emojis.
    emojis: Vec<GuildEmoji>,
    /// Its icon and member count.
    look: GuildLook,
}

/// How a role shows in Discord, for pickers: what permissions see of it is [`RoleInfo`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RoleStyle {
    /// Its colour as `0xRRGGBB`; 0 when it has none.
    pub colour: u32,
    /// Whether a bot or an integration manages it: it cannot be given to or taken from members.
    pub managed: bool,
}

/// One of a guild's custom emojis.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GuildEmoji {
    /// Its id (Discord's snowflake).
    pub id: u64,
    /// Its name (without colons).
    pub name: String,
    /// Whether it is animated.
    pub animated: bool,
}

/// How a guild presents itself, for an overview page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct GuildLook {
    /// Its icon's hash, if it has an icon.
    pub icon: Option<String>,
    /// How many members it has, as GUILD_CREATE said (`None` when not known).
    pub member_count: Option<u64>,
}

/// How many members fetched on demand (not seen in an event) a guild keeps.
pub const MAX_FETCHED_MEMBERS: usize = 5_000;

/// The guild model, keyed by guild: nothing in one guild's entry can describe another.
#[derive(Debug, Default)]
pub struct GuildCache {
    guilds: RwLock<HashMap<GuildId, CachedGuild>>,
    /// What changed since the guild snapshot was last written, in the process that writes it
    /// (the bot's); `None` elsewhere, so a reader's model never queues writes.
    changes: std::sync::Mutex<Option<Changes>>,
}

/// What changed in the model since the snapshot was last written
/// ([`crate::guild_snapshot`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    /// Guilds described afresh (GUILD_CREATE): every row is rewritten.
    pub whole: HashSet<GuildId>,
    /// Guilds whose name, roles, role styles, channels, emojis or look changed: those are
    /// rewritten.
    pub structure: HashSet<GuildId>,
    /// Members whose roles or names changed, or who left, by guild.
    pub members: HashMap<GuildId, HashSet<UserId>>,
    /// Guilds the bot left.
    pub gone: HashSet<GuildId>,
}

impl Changes {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.whole.is_empty()
            && self.structure.is_empty()
            && self.members.is_empty()
            && self.gone.is_empty()
    }
}

/// One guild as the snapshot stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct GuildExport {
    /// Its name.
    pub name: String,
    /// Its owner.
    pub owner: UserId,
    /// Its roles with their names.
    pub roles: Vec<(RoleInfo, String)>,
    /// How its roles look, by role (a role without an entry has the default style).
    pub role_styles: HashMap<RoleId, RoleStyle>,
    /// Its channels and categories.
    pub channels: Vec<(ChannelId, ChannelFacts)>,
    /// The members asked for: what the model knows of each (roles, name), or neither when the
    /// member is gone.
    pub members: Vec<(UserId, Option<MemberInfo>, Option<String>)>,
    /// Its custom emojis.
    pub emojis: Vec<GuildEmoji>,
    /// Its icon and member count.
    pub look: GuildLook,
}

#[async_trait]
impl GuildDirectory for GuildCache {
    async fn channel(
        &self,
        guild: GuildId,
        channel: ChannelId,
    ) -> Result<Found<ChannelFacts>, DirectoryError> {
        let guilds = self.read();
        if let Some(facts) = guilds
            .get(&guild)
            .and_then(|cached| cached.channels.get(&channel))
        {
            return Ok(Found::Here(facts.clone()));
        }
        let elsewhere = guilds
            .iter()
            .any(|(other, cached)| *other != guild && cached.channels.contains_key(&channel));
        Ok(if elsewhere {
            Found::NotHere
        } else {
            Found::Unknown
        })
    }

    async fn role(&self, guild: GuildId, role: RoleId) -> Result<Found<String>, DirectoryError> {
        let guilds = self.read();
        if let Some((_, name)) = guilds
            .get(&guild)
            .and_then(|cached| cached.roles.get(&role))
        {
            return Ok(Found::Here(name.clone()));
        }
        // Role ids are snowflakes: one the cached guild does not hold is not its role (a role
        // created this instant arrives by GUILD_ROLE_CREATE before anyone can pick it).
        Ok(if guilds.contains_key(&guild) {
            Found::NotHere
        } else {
            Found::Unknown
        })
    }
}

impl GuildCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<GuildId, CachedGuild>> {
        self.guilds
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<GuildId, CachedGuild>> {
        self.guilds
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn note(&self, change: impl FnOnce(&mut Changes)) {
        let mut changes = self
            .changes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(changes) = changes.as_mut() {
            change(changes);
        }
    }

    fn note_members(&self, guild: GuildId, users: impl IntoIterator<Item = UserId>) {
        self.note(|changes| changes.members.entry(guild).or_default().extend(users));
    }

    /// Starts recording what changes, for the process that writes the guild snapshot.
    pub fn track_changes(&self) {
        let mut changes = self
            .changes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if changes.is_none() {
            *changes = Some(Changes::default());
        }
    }

    /// What changed since the last call (empty when not tracking).
    pub fn take_changes(&self) -> Changes {
        self.changes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Gives back changes a failed write could not store, to be written next time.
    pub fn restore_changes(&self, failed: Changes) {
        self.note(|changes| {
            changes.whole.extend(failed.whole);
            changes.structure.extend(failed.structure);
            changes.gone.extend(failed.gone);
            for (guild, users) in failed.members {
                changes.members.entry(guild).or_default().extend(users);
            }
        });
    }

    /// A guild as the snapshot stores it, with `members` (every member it knows when `None`).
    pub fn export(&self, guild: GuildId, members: Option<&HashSet<UserId>>) -> Option<GuildExport> {
        let guilds = self.read();
        let cached = guilds.get(&guild)?;
        let members = match members {
            Some(users) => users
                .iter()
                .map(|user| {
                    (
                        *user,
                        cached.members.get(user).cloned(),
                        cached.names.get(user).cloned(),
                    )
                })
                .collect(),
            None => cached
                .members
                .keys()
                .chain(cached.names.keys())
                .collect::<HashSet<_>>()
                .into_iter()
                .map(|user| {
                    (
                        *user,
                        cached.members.get(user).cloned(),
                        cached.names.get(user).cloned(),
                    )
                })
                .collect(),
        };
        Some(GuildExport {
            name: cached.name.clone(),
            owner: cached.owner,
            roles: cached.roles.values().cloned().collect(),
            role_styles: cached.styles.clone(),
            channels: cached
                .channels
                .iter()
                .map(|(id, facts)| (*id, facts.clone()))
                .collect(),
            members,
            emojis: cached.emojis.clone(),
            look: cached.look.clone(),
        })
    }

    /// Replaces a guild wholesale (GUILD_CREATE): its role styles, emojis and look are
    /// forgotten too, for [`Self::put_role_style`], [`Self::set_emojis`] and [`Self::set_look`]
    /// to fill right after.
    pub fn put_guild(
        &self,
        guild: GuildId,
        name: String,
        owner: UserId,
        roles: Vec<(RoleInfo, String)>,
        members: Vec<MemberInfo>,
    ) {
        let roles = roles
            .into_iter()
            .map(|(role, name)| (role.id, (role, name)))
            .collect();
        let members = members
            .into_iter()
            .map(|member| (member.user, member))
            .collect();
        self.write().insert(
            guild,
            CachedGuild {
                name,
                owner,
                roles,
                members,
                names: HashMap::new(),
                pending: HashSet::new(),
                fetched: VecDeque::new(),
                fetched_set: HashSet::new(),
                channels: HashMap::new(),
                styles: HashMap::new(),
                emojis: Vec::new(),
                look: GuildLook::default(),
            },
        );
        self.note(|changes| {
            changes.gone.remove(&guild);
            changes.whole.insert(guild);
        });
    }

    /// Adds or replaces a channel or category (GUILD_CREATE, CHANNEL_CREATE, CHANNEL_UPDATE);
    /// a guild not cached is ignored.
    #[allow(clippy::too_many_arguments)] // One parameter per fact of a channel.
    pub fn put_channel(
        &self,
        guild: GuildId,
        channel: ChannelId,
        name: String,
        kind: ChannelKind,
        parent: Option<ChannelId>,
        position: i32,
        nsfw: bool,
    ) {
        if let Some(cached) = self.write().get_mut(&guild) {
            cached.channels.insert(
                channel,
                ChannelFacts {
                    guild,
                    name,
                    kind,
                    parent,
                    position,
                    nsfw,
                },
            );
        } else {
            return;
        }
        self.note(|changes| {
            changes.structure.insert(guild);
        });
    }

    /// Forgets a channel (CHANNEL_DELETE).
    pub fn remove_channel(&self, guild: GuildId, channel: ChannelId) {
        if let Some(cached) = self.write().get_mut(&guild) {
            cached.channels.remove(&channel);
        }
        self.note(|changes| {
            changes.structure.insert(guild);
        });
    }

    /// The guild's channels and categories, if the guild is cached (for pickers that show
    /// names).
    pub fn channels(&self, guild: GuildId) -> Option<Vec<(ChannelId, ChannelFacts)>> {
        self.read().get(&guild).map(|cached| {
            cached
                .channels
                .iter()
                .map(|(id, facts)| (*id, facts.clone()))
                .collect()
        })
    }

    /// A channel of the guild, if cached.
    pub fn channel(&self, guild: GuildId, channel: ChannelId) -> Option<ChannelFacts> {
        self.read()
            .get(&guild)
            .and_then(|cached| cached.channels.get(&channel).cloned())
    }

    /// Forgets a guild (the bot left it).
    pub fn remove_guild(&self, guild: GuildId) {
        self.write().remove(&guild);
        self.note(|changes| {
            changes.whole.remove(&guild);
            changes.structure.remove(&guild);
            changes.members.remove(&guild);
            changes.gone.insert(guild);
        });
    }

    /// Adds or replaces a role.
    pub fn put_role(&self, guild: GuildId, role: RoleInfo, name: String) {
        if let Some(cached) = self.write().get_mut(&guild) {
            cached.roles.insert(role.id, (role, name));
        }
        self.note(|changes| {
            changes.structure.insert(guild);
        });
    }

    /// Records how a role looks (GUILD_CREATE, GUILD_ROLE_CREATE, GUILD_ROLE_UPDATE); a guild
    /// not cached is ignored.
    pub fn put_role_style(&self, guild: GuildId, role: RoleId, style: RoleStyle) {
        if let Some(cached) = self.write().get_mut(&guild) {
            cached.styles.insert(role, style);
        } else {
            return;
        }
        self.note(|changes| {
            changes.structure.insert(guild);
        });
    }

    /// How a role looks, if the guild is cached and the role's style was recorded.
    pub fn role_style(&self, guild: GuildId, role: RoleId) -> Option<RoleStyle> {
        self.read()
            .get(&guild)
            .and_then(|cached| cached.styles.get(&role).copied())
    }

    /// Replaces the guild's custom emojis (GUILD_CREATE, GUILD_EMOJIS_UPDATE); a guild not
    /// cached is ignored.
    pub fn set_emojis(&self, guild: GuildId, emojis: Vec<GuildEmoji>) {
        if let Some(cached) = self.write().get_mut(&guild) {
            cached.emojis = emojis;
        } else {
            return;
        }
        self.note(|changes| {
            changes.structure.insert(guild);
        });
    }

    /// The guild's custom emojis, if the guild is cached.
    pub fn emojis(&self, guild: GuildId) -> Option<Vec<GuildEmoji>> {
        self.read().get(&guild).map(|cached| cached.emojis.clone())
    }

    /// Replaces the guild's icon and member count (GUILD_CREATE, GUILD_UPDATE); a guild not
    /// cached is ignored.
    pub fn set_look(&self, guild: GuildId, look: GuildLook) {
        if let Some(cached) = self.write().get_mut(&guild) {
            cached.look = look;
        } else {
            return;
        }
        self.note(|changes| {
            changes.structure.insert(guild);
        });
    }

    /// The guild's icon and member count, if the guild is cached.
    pub fn look(&self, guild: GuildId) -> Option<GuildLook> {
        self.read().get(&guild).map(|cached| cached.look.clone())
    }

    /// Removes a role (and its style), and it from every member.
    pub fn remove_role(&self, guild: GuildId, role: RoleId) {
        if let Some(cached) = self.write().get_mut(&guild) {
            cached.roles.remove(&role);
            cached.styles.remove(&role);
            for member in cached.members.values_mut() {
                member.roles.retain(|held| *held != role);
            }
        }
        // Members who held it are rewritten with the whole guild.
        self.note(|changes| {
            changes.whole.insert(guild);
        });
    }

    /// Adds or replaces a member (from a gateway event: kept while they are a member).
    pub fn put_member(&self, guild: GuildId, member: MemberInfo) {
        let user = member.user;
        if let Some(cached) = self.write().get_mut(&guild) {
            cached.fetched_set.remove(&member.user);
            cached.members.insert(member.user, member);
        }
        self.note_members(guild, [user]);
    }

    /// Keeps a member's roles as an event carried them (a message's partial member). The
    /// message path calls it for every message: when the model already holds these roles it
    /// only reads, with no allocation; a change (or a member not held yet) is written, keeping
    /// a known timeout (a partial member does not carry it).
    pub fn refresh_roles<I>(&self, guild: GuildId, user: UserId, roles: I)
    where
        I: Iterator<Item = RoleId> + Clone,
    {
        let unchanged = self.read().get(&guild).is_some_and(|cached| {
            cached
                .members
                .get(&user)
                .is_some_and(|member| member.roles.iter().copied().eq(roles.clone()))
        });
        if unchanged {
            return;
        }
        if let Some(cached) = self.write().get_mut(&guild) {
            cached.fetched_set.remove(&user);
            cached
                .members
                .entry(user)
                .and_modify(|member| member.roles = roles.clone().collect())
                .or_insert_with(|| MemberInfo {
                    user,
                    roles: roles.collect(),
                    timed_out_until: None,
                });
        }
        self.note_members(guild, [user]);
    }

    /// Adds members from an event that lists many (GUILD_MEMBERS_CHUNK).
    pub fn put_members(&self, guild: GuildId, members: impl IntoIterator<Item = MemberInfo>) {
        let mut users = Vec::new();
        if let Some(cached) = self.write().get_mut(&guild) {
            for member in members {
                users.push(member.user);
                cached.fetched_set.remove(&member.user);
                cached.members.insert(member.user, member);
            }
        }
        self.note_members(guild, users);
    }

    /// Adds a member the bot asked Discord for. Unlike [`Self::put_member`], at most
    /// [`MAX_FETCHED_MEMBERS`] of these are kept per guild, the oldest going first. A member
    /// the model already holds from an event is replaced but stays an event member.
    pub fn put_fetched_member(&self, guild: GuildId, member: MemberInfo) {
        let mut guilds = self.write();
        let Some(cached) = guilds.get_mut(&guild) else {
            return;
        };
        let user = member.user;
        let known = cached.members.insert(user, member).is_some();
        if known && !cached.fetched_set.contains(&user) {
            return;
        }
        if cached.fetched_set.insert(user) {
            cached.fetched.push_back(user);
        }
        while cached.fetched_set.len() > MAX_FETCHED_MEMBERS {
            let Some(oldest) = cached.fetched.pop_front() else {
                break;
            };
            // Entries promoted to event members since are skipped (no longer in the set).
            if cached.fetched_set.remove(&oldest) {
                cached.members.remove(&oldest);
            }
        }
        // Stale queue entries (promoted members) are dropped once they outnumber live ones.
        if cached.fetched.len() > 2 * MAX_FETCHED_MEMBERS {
            let live = &cached.fetched_set;
            cached.fetched.retain(|user| live.contains(user));
        }
    }

    /// Whether the guild has been received (GUILD_CREATE).
    pub fn has_guild(&self, guild: GuildId) -> bool {
        self.read().contains_key(&guild)
    }

    /// Removes a member.
    pub fn remove_member(&self, guild: GuildId, user: UserId) {
        if let Some(cached) = self.write().get_mut(&guild) {
            cached.members.remove(&user);
            cached.fetched_set.remove(&user);
            cached.pending.remove(&user);
            cached.names.remove(&user);
        }
        self.note_members(guild, [user]);
    }

    /// Records members' display names (a guild not cached is ignored).
    pub fn set_member_names(
        &self,
        guild: GuildId,
        names: impl IntoIterator<Item = (UserId, String)>,
    ) {
        let mut users = Vec::new();
        if let Some(cached) = self.write().get_mut(&guild) {
            for (user, name) in names {
                users.push(user);
                cached.names.insert(user, name);
            }
        }
        self.note_members(guild, users);
    }

    /// A member's display name, if seen.
    pub fn member_name(&self, guild: GuildId, user: UserId) -> Option<String> {
        self.read()
            .get(&guild)
            .and_then(|cached| cached.names.get(&user).cloned())
    }

    /// Members whose display name contains `query` (ignoring case), those whose name starts
    /// with it first, then by name; at most `limit`. Only members the bot has seen: Discord
    /// sends no bot a guild's whole member list.
    pub fn search_members(
        &self,
        guild: GuildId,
        query: &str,
        limit: usize,
    ) -> Vec<(UserId, String)> {
        let query = query.trim().to_lowercase();
        let guilds = self.read();
        let Some(cached) = guilds.get(&guild) else {
            return Vec::new();
        };
        let mut found: Vec<(bool, String, UserId, &String)> = cached
            .names
            .iter()
            .filter_map(|(user, name)| {
                let lower = name.to_lowercase();
                lower
                    .contains(&query)
                    .then(|| (!lower.starts_with(&query), lower, *user, name))
            })
            .collect();
        found.sort();
        found
            .into_iter()
            .take(limit)
            .map(|(_, _, user, name)| (user, name.clone()))
            .collect()
    }

    /// Records whether a member is still pending membership screening, and returns whether
    /// they were before (`None` for a guild not cached). A member goes from pending to not
    /// pending once, when they pass screening: comparing the two is how that moment is seen.
    pub fn set_pending(&self, guild: GuildId, user: UserId, pending: bool) -> Option<bool> {
        let mut guilds = self.write();
        let cached = guilds.get_mut(&guild)?;
        Some(if pending {
            !cached.pending.insert(user)
        } else {
            cached.pending.remove(&user)
        })
    }

    /// The guild as permissions see it.
    pub fn guild_info(&self, guild: GuildId) -> Option<GuildInfo> {
        self.read().get(&guild).map(|cached| GuildInfo {
            id: guild,
            owner: cached.owner,
            roles: cached
                .roles
                .values()
                .map(|(role, _)| role.clone())
                .collect(),
        })
    }

    /// A member, if seen.
    pub fn member(&self, guild: GuildId, user: UserId) -> Option<MemberInfo> {
        self.read()
            .get(&guild)
            .and_then(|cached| cached.members.get(&user).cloned())
    }

    /// A role's name.
    pub fn role_name(&self, guild: GuildId, role: RoleId) -> Option<String> {
        self.read()
            .get(&guild)
            .and_then(|cached| cached.roles.get(&role).map(|(_, name)| name.clone()))
    }

    /// The guild's name.
    pub fn guild_name(&self, guild: GuildId) -> Option<String> {
        self.read().get(&guild).map(|cached| cached.name.clone())
    }

    /// How many guilds are cached.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether no guild is cached.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permissions::Permissions;

    #[test]
    fn guilds_never_share_entries() {
        let cache = GuildCache::new();
        let role = |id: u64| {
            (
                RoleInfo {
                    id: RoleId::new(id),
                    position: 1,
                    permissions: Permissions::NONE,
                },
                format!("r{id}"),
            )
        };
        let member = |user: u64, roles: &[u64]| MemberInfo {
            user: UserId::new(user),
            roles: roles.iter().map(|r| RoleId::new(*r)).collect(),
            timed_out_until: None,
        };
        cache.put_guild(
            GuildId::new(1),
            "one".into(),
            UserId::new(9),
            vec![role(11)],
            vec![member(5, &[11])],
        );
        cache.put_guild(
            GuildId::new(2),
            "two".into(),
            UserId::new(8),
            vec![role(21)],
            vec![],
        );
        assert!(cache.member(GuildId::new(2), UserId::new(5)).is_none());
        assert_eq!(cache.guild_info(GuildId::new(2)).unwrap().roles.len(), 1);
        cache.remove_role(GuildId::new(1), RoleId::new(11));
        assert!(
            cache
                .member(GuildId::new(1), UserId::new(5))
                .unwrap()
                .roles
                .is_empty()
        );
        cache.put_member(GuildId::new(3), member(1, &[]));
        assert_eq!(cache.len(), 2, "members of unknown guilds are not invented");
        assert_eq!(
            cache.set_pending(GuildId::new(1), UserId::new(5), true),
            Some(false)
        );
        assert_eq!(
            cache.set_pending(GuildId::new(2), UserId::new(5), false),
            Some(false)
        );
        assert_eq!(
            cache.set_pending(GuildId::new(1), UserId::new(5), false),
            Some(true)
        );
        assert_eq!(
            cache.set_pending(GuildId::new(1), UserId::new(5), false),
            Some(false)
        );
        assert_eq!(
            cache.set_pending(GuildId::new(3), UserId::new(5), false),
            None
        );
    }

    #[test]
    fn styles_emojis_and_looks_are_kept_per_guild_and_noted_as_structure() {
        let cache = GuildCache::new();
        cache.track_changes();
        let guild = GuildId::new(1);
        let role = RoleId::new(11);
        let style = RoleStyle {
            colour: 0x00ff_0000,
            managed: true,
        };
        // Not cached yet: ignored, nothing to write.
        cache.put_role_style(guild, role, style);
        cache.set_emojis(guild, Vec::new());
        cache.set_look(guild, GuildLook::default());
        assert!(cache.take_changes().is_empty());
        assert_eq!(cache.role_style(guild, role), None);

        cache.put_guild(guild, "one".into(), UserId::new(9), vec![], vec![]);
        cache.take_changes();
        cache.put_role_style(guild, role, style);
        let emoji = GuildEmoji {
            id: 7,
            name: "wave".into(),
            animated: true,
        };
        cache.set_emojis(guild, vec![emoji.clone()]);
        let look = GuildLook {
            icon: Some("abc".into()),
            member_count: Some(3),
        };
        cache.set_look(guild, look.clone());
        assert_eq!(cache.take_changes().structure, HashSet::from([guild]));
        assert_eq!(cache.role_style(guild, role), Some(style));
        assert_eq!(cache.emojis(guild), Some(vec![emoji.clone()]));
        assert_eq!(cache.look(guild), Some(look.clone()));
        let export = cache.export(guild, None).unwrap();
        assert_eq!(
            (export.role_styles.get(&role), export.emojis, export.look),
            (Some(&style), vec![emoji], look)
        );
        assert_eq!(cache.emojis(GuildId::new(2)), None);

        cache.remove_role(guild, role);
        assert_eq!(cache.role_style(guild, role), None);
        // GUILD_CREATE describes the guild afresh: the bot sets these again after it.
        cache.set_emojis(guild, vec![]);
        cache.put_guild(guild, "one".into(), UserId::new(9), vec![], vec![]);
        assert_eq!(cache.look(guild), Some(GuildLook::default()));
    }

    #[test]
    fn refreshed_roles_keep_the_known_timeout() {
        let cache = GuildCache::new();
        let guild = GuildId::new(1);
        cache.put_guild(guild, "one".into(), UserId::new(9), vec![], vec![]);
        let user = UserId::new(5);
        cache.refresh_roles(guild, user, [RoleId::new(11)].into_iter());
        assert_eq!(cache.member(guild, user).unwrap().roles, [RoleId::new(11)]);
        cache.put_member(
            guild,
            MemberInfo {
                user,
                roles: vec![RoleId::new(11)],
                timed_out_until: Some(crate::clock::UnixMillis(7)),
            },
        );
        cache.refresh_roles(guild, user, [RoleId::new(12)].into_iter());
        let member = cache.member(guild, user).unwrap();
        assert_eq!(member.roles, [RoleId::new(12)]);
        assert_eq!(member.timed_out_until, Some(crate::clock::UnixMillis(7)));
        cache.refresh_roles(GuildId::new(2), user, [].into_iter());
        assert!(cache.member(GuildId::new(2), user).is_none());
    }

    #[test]
    fn fetched_members_are_bounded_and_event_members_are_not() {
        let cache = GuildCache::new();
        let guild = GuildId::new(1);
        cache.put_guild(guild, "one".into(), UserId::new(9), vec![], vec![]);
        let member = |user: u64| MemberInfo {
            user: UserId::new(user),
            roles: vec![],
            timed_out_until: None,
        };
        cache.put_member(guild, member(1));
        // Fetching an event member again does not make it evictable.
        cache.put_fetched_member(guild, member(1));
        cache.put_fetched_member(guild, member(2));
        // Member 2 is promoted by an event before the flood.
        cache.put_member(guild, member(2));
        let extra = MAX_FETCHED_MEMBERS as u64 + 10;
        for user in 100..100 + extra {
            cache.put_fetched_member(guild, member(user));
        }
        assert!(cache.member(guild, UserId::new(1)).is_some());
        assert!(cache.member(guild, UserId::new(2)).is_some());
        assert!(
            cache.member(guild, UserId::new(100)).is_none(),
            "the oldest fetched went"
        );
        assert!(cache.member(guild, UserId::new(100 + extra - 1)).is_some());
        let held = (100..100 + extra)
            .filter(|user| cache.member(guild, UserId::new(*user)).is_some())
            .count();
        assert_eq!(held, MAX_FETCHED_MEMBERS);
    }
}

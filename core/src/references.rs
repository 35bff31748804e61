//! Ids that outside input names — a channel, a category, a role — checked to belong to the guild
//! they are used in. This is the one place every surface goes through: the dashboard's forms,
//! the settings service (so `config set` and every settings form), and the jobs that post
//! ([`GuardedSink`], which checks an effect's channels and roles just before Discord is asked).
//!
//! The facts come from a [`GuildDirectory`]: in a process that runs the bot, the bot's guild
//! model ([`crate::guild_cache::GuildCache`]); in one without it (`guildhall web` alone), a
//! lookup through Discord's REST API (`GET /channels/{id}` and its `guild_id`,
//! `GET /guilds/{guild}/roles`), implemented outside core. [`Layered`] asks the first and falls
//! back to the second when the first cannot tell. When no directory can tell, the id is refused:
//! an unchecked id is never written and never posted to.

use std::sync::Arc;

use async_trait::async_trait;

use crate::effect::{Effect, EffectError, EffectSink};
use crate::ids::{ChannelId, GuildId, RoleId};

/// What kind of channel an id names (Discord's channel types, as far as checks need them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// A text channel (type 0).
    Text,
    /// A voice channel (2).
    Voice,
    /// A category (4).
    Category,
    /// An announcement channel (5).
    Announcement,
    /// A thread (10, 11, 12).
    Thread,
    /// A stage (13).
    Stage,
    /// A forum or media channel (15, 16).
    Forum,
    /// Anything else.
    Other,
}

impl ChannelKind {
    /// The kind of Discord's numeric channel type.
    pub const fn from_discord(kind: u64) -> Self {
        match kind {
            0 => Self::Text,
            2 => Self::Voice,
            4 => Self::Category,
            5 => Self::Announcement,
            10..=12 => Self::Thread,
            13 => Self::Stage,
            15 | 16 => Self::Forum,
            _ => Self::Other,
        }
    }

    /// Its name in storage (the guild snapshot).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Voice => "voice",
            Self::Category => "category",
            Self::Announcement => "announcement",
            Self::Thread => "thread",
            Self::Stage => "stage",
            Self::Forum => "forum",
            Self::Other => "other",
        }
    }

    /// The kind stored as `name` ([`ChannelKind::as_str`]); anything else is `Other`.
    pub fn from_name(name: &str) -> Self {
        [
            Self::Text,
            Self::Voice,
            Self::Category,
            Self::Announcement,
            Self::Thread,
            Self::Stage,
            Self::Forum,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == name)
        .unwrap_or(Self::Other)
    }

    /// Whether messages can be posted in it (text, announcements, threads; voice channels have
    /// a text chat too).
    pub const fn takes_messages(self) -> bool {
        matches!(
            self,
            Self::Text | Self::Announcement | Self::Thread | Self::Voice | Self::Stage
        )
    }
}

/// A channel as a directory knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelFacts {
    /// The guild it belongs to.
    pub guild: GuildId,
    /// Its name (without `#`).
    pub name: String,
    /// Its kind.
    pub kind: ChannelKind,
    /// Its category, or a thread's parent channel.
    pub parent: Option<ChannelId>,
    /// Its position in the channel list (Discord's `position`; 0 when unknown).
    pub position: i32,
    /// Whether it is age-restricted (Discord's `nsfw`).
    pub nsfw: bool,
}

/// A directory's answer about one id in one guild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<T> {
    /// The id belongs to the guild; here is what it is.
    Here(T),
    /// The id does not belong to the guild (another guild's, deleted, or never existed).
    NotHere,
    /// This directory cannot tell (it does not hold the guild, or not that id).
    Unknown,
}

/// Why a directory could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DirectoryError(pub String);

/// Where the facts about a guild's channels and roles come from.
#[async_trait]
pub trait GuildDirectory: Send + Sync + std::fmt::Debug {
    /// What `channel` is, if it belongs to `guild`.
    ///
    /// # Errors
    /// [`DirectoryError`] when the source failed (Discord unreachable); nothing is known then.
    async fn channel(
        &self,
        guild: GuildId,
        channel: ChannelId,
    ) -> Result<Found<ChannelFacts>, DirectoryError>;

    /// The name of `role`, if it belongs to `guild`.
    ///
    /// # Errors
    /// As [`GuildDirectory::channel`].
    async fn role(&self, guild: GuildId, role: RoleId) -> Result<Found<String>, DirectoryError>;
}

/// Asks `first`, and `then` whatever `first` cannot tell.
#[derive(Debug)]
pub struct Layered {
    first: Arc<dyn GuildDirectory>,
    then: Arc<dyn GuildDirectory>,
}

impl Layered {
    /// `first`, falling back to `then`.
    pub fn new(first: Arc<dyn GuildDirectory>, then: Arc<dyn GuildDirectory>) -> Self {
        Self { first, then }
    }
}

#[async_trait]
impl GuildDirectory for Layered {
    async fn channel(
        &self,
        guild: GuildId,
        channel: ChannelId,
    ) -> Result<Found<ChannelFacts>, DirectoryError> {
        match self.first.channel(guild, channel).await? {
            Found::Unknown => self.then.channel(guild, channel).await,
            known => Ok(known),
        }
    }

    async fn role(&self, guild: GuildId, role: RoleId) -> Result<Found<String>, DirectoryError> {
        match self.first.role(guild, role).await? {
            Found::Unknown => self.then.role(guild, role).await,
            known => Ok(known),
        }
    }
}

/// A directory that can tell nothing, and says why (no bot token in this process): every id
/// it is asked about is refused with that reason.
#[derive(Debug)]
pub struct NoDirectory(pub String);

#[async_trait]
impl GuildDirectory for NoDirectory {
    async fn channel(
        &self,
        _guild: GuildId,
        _channel: ChannelId,
    ) -> Result<Found<ChannelFacts>, DirectoryError> {
        Err(DirectoryError(self.0.clone()))
    }

    async fn role(&self, _guild: GuildId, _role: RoleId) -> Result<Found<String>, DirectoryError> {
        Err(DirectoryError(self.0.clone()))
    }
}

/// An id some input names, and what it must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// A channel messages can be posted in.
    Channel(ChannelId),
    /// Any channel of the guild (voice, categories and threads too: lists such as no-XP
    /// channels and automod exemptions).
    AnyChannel(ChannelId),
    /// A category.
    Category(ChannelId),
    /// A role (not @everyone unless the caller allows it before asking).
    Role(RoleId),
}

/// Why an id was refused; the message names the field and reads as a sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// The id is not one of the guild's.
    #[error(
        "{field}: {what} {id} is not a {what} of this server; pick one of this server's {what}s"
    )]
    NotInGuild {
        /// The field (a form field or settings key).
        field: String,
        /// "channel", "category" or "role".
        what: &'static str,
        /// The id as given.
        id: u64,
    },
    /// The id is the guild's, but the wrong kind of channel.
    #[error("{field}: #{name} is not {expected}")]
    WrongKind {
        /// The field.
        field: String,
        /// The channel's name.
        name: String,
        /// What was expected, e.g. "a channel messages can be posted in".
        expected: &'static str,
    },
    /// Nothing could tell whether the id is the guild's, so it is not accepted.
    #[error(
        "{field}: cannot check that {what} {id} belongs to this server right now ({reason}); nothing was saved, try again"
    )]
    Unchecked {
        /// The field.
        field: String,
        /// "channel", "category" or "role".
        what: &'static str,
        /// The id as given.
        id: u64,
        /// Why.
        reason: String,
    },
}

impl ReferenceError {
    /// The field the error is about.
    pub fn field(&self) -> &str {
        match self {
            Self::NotInGuild { field, .. }
            | Self::WrongKind { field, .. }
            | Self::Unchecked { field, .. } => field,
        }
    }
}

/// Checks one reference named by `field` against `guild`.
///
/// # Errors
/// [`ReferenceError`] naming `field` when the id is not the guild's, is the wrong kind, or
/// cannot be checked.
pub async fn check(
    directory: &dyn GuildDirectory,
    guild: GuildId,
    field: &str,
    reference: Reference,
) -> Result<(), ReferenceError> {
    let unchecked = |what: &'static str, id: u64, reason: String| ReferenceError::Unchecked {
        field: field.to_owned(),
        what,
        id,
        reason,
    };
    let not_here = |what: &'static str, id: u64| ReferenceError::NotInGuild {
        field: field.to_owned(),
        what,
        id,
    };
    match reference {
        Reference::Role(role) => match directory.role(guild, role).await {
            Ok(Found::Here(_)) => Ok(()),
            Ok(Found::NotHere) => Err(not_here("role", role.get())),
            Ok(Found::Unknown) => Err(unchecked(
                "role",
                role.get(),
                "the server's roles are not known here".to_owned(),
            )),
            Err(error) => Err(unchecked("role", role.get(), error.0)),
        },
        Reference::Channel(channel)
        | Reference::AnyChannel(channel)
        | Reference::Category(channel) => {
            let what = if matches!(reference, Reference::Category(_)) {
                "category"
            } else {
                "channel"
            };
            let facts = match directory.channel(guild, channel).await {
                Ok(Found::Here(facts)) => facts,
                Ok(Found::NotHere) => return Err(not_here(what, channel.get())),
                Ok(Found::Unknown) => {
                    return Err(unchecked(
                        what,
                        channel.get(),
                        "the server's channels are not known here".to_owned(),
                    ));
                }
                Err(error) => return Err(unchecked(what, channel.get(), error.0)),
            };
            // A directory that answers for another guild's id is a bug; refuse anyway.
            if facts.guild != guild {
                return Err(not_here(what, channel.get()));
            }
            let expected = match reference {
                Reference::Channel(_) if !facts.kind.takes_messages() => {
                    Some("a channel messages can be posted in")
                }
                Reference::Category(_) if facts.kind != ChannelKind::Category => Some("a category"),
                _ => None,
            };
            match expected {
                Some(expected) => Err(ReferenceError::WrongKind {
                    field: field.to_owned(),
                    name: facts.name,
                    expected,
                }),
                None => Ok(()),
            }
        }
    }
}

/// Checks every reference, in order, and stops at the first refused.
///
/// # Errors
/// The first [`ReferenceError`].
pub async fn check_all(
    directory: &dyn GuildDirectory,
    guild: GuildId,
    references: &[(String, Reference)],
) -> Result<(), ReferenceError> {
    for (field, reference) in references {
        check(directory, guild, field, *reference).await?;
    }
    Ok(())
}

/// The guild-scoped ids an effect acts on: where it posts and which roles it gives, takes or
/// sets permissions for. Members are not listed: a ban may name someone who is not a member.
pub fn effect_references(effect: &Effect) -> Vec<(String, Reference)> {
    match effect {
        Effect::SendMessage { channel, .. }
        | Effect::CreateThread { channel, .. }
        | Effect::Announce { channel, .. } => {
            vec![("channel".to_owned(), Reference::Channel(*channel))]
        }
        Effect::EditMessage { channel, .. }
        | Effect::DeleteMessage { channel, .. }
        | Effect::React { channel, .. }
        | Effect::SetChannelPermission { channel, .. } => {
            vec![("channel".to_owned(), Reference::AnyChannel(*channel))]
        }
        Effect::MoveVoice {
            channel: Some(channel),
            ..
        } => vec![("channel".to_owned(), Reference::AnyChannel(*channel))],
        Effect::AddRole { role, .. } | Effect::RemoveRole { role, .. } => {
            vec![("role".to_owned(), Reference::Role(*role))]
        }
        Effect::CreateChannel {
            parent: Some(parent),
            ..
        } => vec![("category".to_owned(), Reference::Category(*parent))],
        _ => Vec::new(),
    }
}

/// An [`EffectSink`] that checks an effect's channels and roles against its guild before
/// handing it on: the jobs that post what the dashboard prepared (`effects.perform`,
/// `roles.post_panel`, `giveaways.post`) re-check just before Discord is asked, so an id that
/// slipped past a form, or a row written by an older version, is never acted on in another
/// guild. A refusal is permanent (the job is dead, with the sentence as its error); a directory
/// that cannot answer makes the job retry.
#[derive(Debug)]
pub struct GuardedSink {
    inner: Arc<dyn EffectSink>,
    directory: Arc<dyn GuildDirectory>,
}

impl GuardedSink {
    /// `inner`, guarded by `directory`.
    pub fn new(inner: Arc<dyn EffectSink>, directory: Arc<dyn GuildDirectory>) -> Self {
        Self { inner, directory }
    }

    async fn guard(&self, guild: Option<GuildId>, effect: &Effect) -> Result<(), EffectError> {
        let Some(guild) = guild else {
            return Ok(());
        };
        match check_all(self.directory.as_ref(), guild, &effect_references(effect)).await {
            Ok(()) => Ok(()),
            Err(error @ ReferenceError::Unchecked { .. }) => {
                Err(EffectError::Unavailable(error.to_string()))
            }
            Err(error) => Err(EffectError::Refused(error.to_string())),
        }
    }
}

#[async_trait]
impl EffectSink for GuardedSink {
    async fn perform(&self, guild: Option<GuildId>, effect: &Effect) -> Result<(), EffectError> {
        self.guard(guild, effect).await?;
        self.inner.perform(guild, effect).await
    }

    async fn perform_returning(
        &self,
        guild: Option<GuildId>,
        effect: &Effect,
    ) -> Result<Option<serde_json::Value>, EffectError> {
        self.guard(guild, effect).await?;
        self.inner.perform_returning(guild, effect).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guild_cache::GuildCache;

    fn cache() -> GuildCache {
        let cache = GuildCache::new();
        for (guild, channel, role) in [(1, 11, 21), (2, 12, 22)] {
            cache.put_guild(
                GuildId::new(guild),
                format!("g{guild}"),
                crate::ids::UserId::new(9),
                vec![(
                    crate::permissions::RoleInfo {
                        id: RoleId::new(role),
                        position: 1,
                        permissions: crate::permissions::Permissions::NONE,
                    },
                    format!("r{role}"),
                )],
                vec![],
            );
            cache.put_channel(
                GuildId::new(guild),
                ChannelId::new(channel),
                format!("c{channel}"),
                ChannelKind::Text,
                None,
                0,
                false,
            );
        }
        cache.put_channel(
            GuildId::new(1),
            ChannelId::new(31),
            "cat".into(),
            ChannelKind::Category,
            None,
            1,
            false,
        );
        cache
    }

    async fn run(reference: Reference) -> Result<(), ReferenceError> {
        check(&cache(), GuildId::new(1), "field", reference).await
    }

    #[tokio::test]
    async fn another_guilds_ids_and_wrong_kinds_are_refused_with_the_field() {
        assert_eq!(run(Reference::Channel(ChannelId::new(11))).await, Ok(()));
        assert_eq!(run(Reference::Role(RoleId::new(21))).await, Ok(()));
        assert_eq!(run(Reference::Category(ChannelId::new(31))).await, Ok(()));
        let foreign = run(Reference::Channel(ChannelId::new(12)))
            .await
            .unwrap_err();
        assert!(
            matches!(foreign, ReferenceError::NotInGuild { .. }),
            "{foreign}"
        );
        assert!(
            foreign
                .to_string()
                .starts_with("field: channel 12 is not a channel of this server")
        );
        let foreign = run(Reference::Role(RoleId::new(22))).await.unwrap_err();
        assert!(
            matches!(foreign, ReferenceError::NotInGuild { .. }),
            "{foreign}"
        );
        let wrong = run(Reference::Category(ChannelId::new(11)))
            .await
            .unwrap_err();
        assert_eq!(wrong.to_string(), "field: #c11 is not a category");
        let wrong = run(Reference::Channel(ChannelId::new(31)))
            .await
            .unwrap_err();
        assert_eq!(
            wrong.to_string(),
            "field: #cat is not a channel messages can be posted in"
        );
        // Unknown to the cache and nothing behind it: refused, not waved through.
        let unknown = run(Reference::Channel(ChannelId::new(99)))
            .await
            .unwrap_err();
        assert!(
            matches!(unknown, ReferenceError::Unchecked { .. }),
            "{unknown}"
        );
    }

    #[tokio::test]
    async fn layered_asks_the_second_only_when_the_first_cannot_tell() {
        let layered = Layered::new(
            Arc::new(cache()),
            Arc::new(NoDirectory("no bot token is configured".into())),
        );
        let guild = GuildId::new(1);
        assert_eq!(
            check(&layered, guild, "f", Reference::Channel(ChannelId::new(11))).await,
            Ok(())
        );
        assert!(matches!(
            check(&layered, guild, "f", Reference::Channel(ChannelId::new(12))).await,
            Err(ReferenceError::NotInGuild { .. })
        ));
        let error = check(&layered, guild, "f", Reference::Channel(ChannelId::new(99)))
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("no bot token is configured"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn the_guarded_sink_never_posts_into_another_guild() {
        let recording = Arc::new(crate::testing::RecordingSink::new());
        let sink = GuardedSink::new(recording.clone(), Arc::new(cache()));
        let post = |channel: u64| Effect::SendMessage {
            channel: ChannelId::new(channel),
            message: crate::effect::OutgoingMessage::text("hi"),
        };
        assert_eq!(sink.perform(Some(GuildId::new(1)), &post(11)).await, Ok(()));
        let refused = sink.perform(Some(GuildId::new(1)), &post(12)).await;
        assert!(
            matches!(refused, Err(EffectError::Refused(_))),
            "{refused:?}"
        );
        let unchecked = sink.perform(Some(GuildId::new(1)), &post(99)).await;
        assert!(
            matches!(unchecked, Err(EffectError::Unavailable(_))),
            "{unchecked:?}"
        );
        assert_eq!(recording.performed().len(), 1);
    }
}

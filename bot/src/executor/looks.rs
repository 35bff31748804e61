//! How the bot looks in a premium guild: the embed theme on every message it sends for the
//! guild (`guildhall_core::premium::branding::dress`), and announcements posted through a
//! webhook the bot manages in the channel, carrying the guild's bot name and avatar. Answers
//! to interactions stay the bot's own. Without the perk, or without a name or avatar set, an
//! announcement is an ordinary post; a channel where the bot may not manage webhooks gets an
//! ordinary post too (logged), never no post.

use std::borrow::Cow;
use std::sync::Arc;

use guildhall_core::clock::SharedClock;
use guildhall_core::db::Db;
use guildhall_core::effect::{Effect, OutgoingMessage};
use guildhall_core::guild_config::GuildConfigService;
use guildhall_core::ids::{ChannelId, GuildId, WebhookId};
use guildhall_core::premium::{Branding, IdentityWebhook, Perk, PremiumService, branding, store};
use serde_json::{Value, json};

use super::payload::{Call, message_json};
use super::{ExecError, Executor, Method};

/// What the executor reads to dress a guild's messages.
#[derive(Debug, Clone)]
pub struct Looks {
    premium: Arc<PremiumService>,
    config: Arc<GuildConfigService>,
    db: Db,
    clock: SharedClock,
}

/// Discord's code for a webhook that no longer exists.
const UNKNOWN_WEBHOOK: i64 = 10_015;

impl Looks {
    /// From the process's core.
    pub fn new(core: &guildhall_core::Core) -> Self {
        Self {
            premium: Arc::clone(&core.premium),
            config: Arc::clone(&core.config),
            db: core.db.clone(),
            clock: Arc::clone(&core.clock),
        }
    }

    /// The guild's branding: from the settings cache (where the bot sees the guild, an
    /// in-memory read), else read once (a job worker without the bot).
    async fn branding(&self, guild: GuildId) -> Option<Branding> {
        if let Some(settings) = self.config.cached(guild) {
            return Some(settings.branding.clone());
        }
        match self.config.get(guild).await {
            Ok(settings) => Some(settings.branding.clone()),
            Err(error) => {
                tracing::warn!(%guild, %error, "could not read the guild's branding; posting plain");
                None
            }
        }
    }

    /// The effect with the guild's theme on its embeds, when the guild's tier has themes and
    /// it set one.
    pub async fn dressed<'a>(&self, guild: Option<GuildId>, effect: &'a Effect) -> Cow<'a, Effect> {
        let Some(guild) = guild.or_else(|| effect.guild()) else {
            return Cow::Borrowed(effect);
        };
        let has_embeds = message_of(effect).is_some_and(|message| !message.embeds.is_empty());
        if !has_embeds || !self.premium.allows(guild, Perk::EmbedThemes) {
            return Cow::Borrowed(effect);
        }
        let Some(branding) = self.branding(guild).await.filter(Branding::has_theme) else {
            return Cow::Borrowed(effect);
        };
        let mut owned = effect.clone();
        if let Some(message) = message_of_mut(&mut owned) {
            branding::dress(message, &branding);
        }
        Cow::Owned(owned)
    }

    /// The name and avatar to post an announcement with, when the guild may and set one.
    async fn identity(&self, guild: GuildId) -> Option<(Option<String>, Option<String>)> {
        if !self.premium.allows(guild, Perk::CustomIdentity) {
            return None;
        }
        let branding = self.branding(guild).await?;
        branding
            .identity()
            .map(|(name, avatar)| (name.map(str::to_owned), avatar.map(str::to_owned)))
    }
}

fn message_of(effect: &Effect) -> Option<&OutgoingMessage> {
    match effect {
        Effect::SendMessage { message, .. }
        | Effect::Announce { message, .. }
        | Effect::EditMessage { message, .. }
        | Effect::InteractionReply { message, .. } => Some(message),
        _ => None,
    }
}

fn message_of_mut(effect: &mut Effect) -> Option<&mut OutgoingMessage> {
    match effect {
        Effect::SendMessage { message, .. }
        | Effect::Announce { message, .. }
        | Effect::EditMessage { message, .. }
        | Effect::InteractionReply { message, .. } => Some(message),
        _ => None,
    }
}

impl Executor {
    /// Posts an announcement: through the guild's webhook with its name and avatar where it
    /// has the perk and set them, else as the bot. A webhook deleted in Discord is made again
    /// once; a channel where webhooks cannot be made gets the bot's own post.
    pub(super) async fn announce(
        &self,
        guild: GuildId,
        channel: ChannelId,
        message: &OutgoingMessage,
        plain: Call,
    ) -> Result<Option<Value>, ExecError> {
        let identity = match &self.looks {
            Some(looks) => looks
                .identity(guild)
                .await
                .map(|identity| (looks.clone(), identity)),
            None => None,
        };
        let Some((looks, (name, avatar))) = identity else {
            return self.send(Some(guild), plain).await;
        };
        let mut body = message_json(message);
        if let Some(fields) = body.as_object_mut() {
            if let Some(name) = &name {
                fields.insert("username".into(), json!(name));
            }
            if let Some(avatar) = &avatar {
                fields.insert("avatar_url".into(), json!(avatar));
            }
            // Webhooks take no nonce.
            fields.remove("nonce");
            fields.remove("enforce_nonce");
        }
        for attempt in 0..2 {
            let webhook = match self
                .channel_webhook(&looks, guild, channel, name.as_deref())
                .await
            {
                Ok(webhook) => webhook,
                Err(error) => {
                    tracing::warn!(%guild, %channel, %error, "could not make the custom-identity webhook; posting as the bot");
                    return self.send(Some(guild), plain).await;
                }
            };
            let call = Call {
                method: Method::Post,
                path: format!("/webhooks/{}/{}?wait=true", webhook.id, webhook.token),
                body: Some(body.clone()),
                reason: None,
                files: plain.files.clone(),
            };
            match self.send(Some(guild), call).await {
                Err(ExecError::Rejected {
                    code: Some(UNKNOWN_WEBHOOK),
                    ..
                }) if attempt == 0 => {
                    tracing::info!(%guild, %channel, "the custom-identity webhook was deleted; making it again");
                    if let Err(error) = store::forget_webhook(&looks.db, guild, webhook.id).await {
                        tracing::warn!(%guild, %error, "could not forget a deleted webhook");
                    }
                }
                Err(ExecError::Rejected {
                    status,
                    code,
                    message,
                    ..
                }) => {
                    // Discord refused the webhook post (a name it rejects, a missing
                    // permission): the announcement still goes out, as the bot.
                    tracing::warn!(%guild, %channel, status, ?code, %message, "the custom-identity post was refused; posting as the bot");
                    return self.send(Some(guild), plain).await;
                }
                other => return other,
            }
        }
        // Made again and deleted again at once: the bot's own post.
        self.send(Some(guild), plain).await
    }

    /// The webhook the bot keeps in `channel`, made when there is none.
    async fn channel_webhook(
        &self,
        looks: &Looks,
        guild: GuildId,
        channel: ChannelId,
        name: Option<&str>,
    ) -> Result<IdentityWebhook, ExecError> {
        match store::webhook(&looks.db, guild, channel).await {
            Ok(Some(webhook)) => return Ok(webhook),
            Ok(None) => {}
            Err(error) => tracing::warn!(%guild, %error, "could not read the stored webhook"),
        }
        let created = self
            .send(
                Some(guild),
                Call {
                    method: Method::Post,
                    path: format!("/channels/{channel}/webhooks"),
                    body: Some(json!({ "name": name.unwrap_or("Guildhall") })),
                    reason: Some("Guildhall premium: posts with the server's bot name".into()),
                    files: Vec::new(),
                },
            )
            .await?
            .unwrap_or(Value::Null);
        let id = created["id"]
            .as_str()
            .and_then(|id| id.parse::<WebhookId>().ok());
        let token = created["token"].as_str();
        let (Some(id), Some(token)) = (id, token) else {
            return Err(ExecError::Malformed(
                "Discord answered a webhook without an id or token".into(),
            ));
        };
        let webhook = IdentityWebhook {
            id,
            token: token.to_owned(),
        };
        if let Err(error) =
            store::put_webhook(&looks.db, guild, channel, &webhook, looks.clock.now()).await
        {
            tracing::warn!(%guild, %error, "could not remember the webhook");
        }
        Ok(webhook)
    }
}

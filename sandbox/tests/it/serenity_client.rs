//! A real serenity client against the stand-in: gateway events reach its EventHandler and its
//! REST calls are recorded.

use std::sync::Arc;

use guildhall_sandbox::seed::small::*;
use guildhall_sandbox::{Sandbox, Seed, UserSpec};
use reqwest::Method;
use serenity::all::{Context, EventHandler, GatewayIntents, Member, Message, Ready};
use serenity::async_trait;
use serenity::http::HttpBuilder;
use tokio::sync::mpsc;

use crate::common::WAIT;

struct Recorder(mpsc::UnboundedSender<String>);

#[async_trait]
impl EventHandler for Recorder {
    async fn ready(&self, _: Context, ready: Ready) {
        let _ = self.0.send(format!("ready {}", ready.user.name));
    }
    async fn message(&self, ctx: Context, message: Message) {
        let _ = self.0.send(format!("message {}", message.content));
        if message.content == "!ping" {
            message.channel_id.say(&ctx.http, "pong").await.unwrap();
        }
    }
    async fn guild_member_addition(&self, _: Context, member: Member) {
        let _ = self.0.send(format!("join {}", member.user.name));
    }
}

async fn expect_event(events: &mut mpsc::UnboundedReceiver<String>, wanted: &str) {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(event)) if event == wanted => return,
            Ok(Some(event)) => seen.push(event),
            _ => panic!("the handler never saw {wanted:?}; it saw {seen:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_serenity_client_connects_receives_events_and_calls_rest() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let http = HttpBuilder::new(sb.bot_token())
        .proxy(sb.api_base())
        .ratelimiter_disabled(true)
        .build();
    let intents = GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MEMBERS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT;
    let (tx, mut events) = mpsc::unbounded_channel();
    let mut client = serenity::client::ClientBuilder::new_with_http(http, intents)
        .event_handler(Recorder(tx))
        .await
        .unwrap();
    let shards = Arc::clone(&client.shard_manager);
    let task = tokio::spawn(async move { client.start().await });

    sb.expect(|r| r.is(Method::GET, "/gateway"), WAIT).await;
    expect_event(&mut events, "ready Guildhall").await;
    sb.wait_for_sessions(1, WAIT).await;

    sb.say(GUILD, GENERAL, MEMBER_A, "!ping");
    expect_event(&mut events, "message !ping").await;
    let reply = sb
        .expect(
            |r| r.is(Method::POST, &format!("/channels/{GENERAL}/messages")),
            WAIT,
        )
        .await;
    assert_eq!(reply.json()["content"], "pong");
    assert_eq!(reply.status, 200);
    assert!(
        sb.messages(GENERAL)
            .iter()
            .any(|m| m.content == "pong" && m.author == BOT)
    );

    sb.member_join(GUILD, UserSpec::named("dana"));
    expect_event(&mut events, "join dana").await;

    shards.shutdown_all().await;
    let _ = task.await;
}

#[tokio::test]
async fn serenitys_premium_calls_work_against_the_stand_in() {
    use serenity::all::{
        ApplicationId, ChannelId, CreateWebhook, EntitlementOwner, ExecuteWebhook, GuildId, SkuId,
    };
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let http = HttpBuilder::new(sb.bot_token())
        .proxy(sb.api_base())
        .ratelimiter_disabled(true)
        .build();
    http.set_application_id(ApplicationId::new(sb.application_id()));
    let premium = SkuId::new(sb.premium_sku().unwrap());

    let skus = http.get_skus().await.unwrap();
    assert!(skus.iter().any(|s| s.id == premium));
    let guild = GuildId::new(GUILD.get());
    let created = http
        .create_test_entitlement(premium, EntitlementOwner::Guild(guild))
        .await
        .unwrap();
    let listed = http
        .get_entitlements(
            None,
            Some(vec![premium]),
            None,
            None,
            Some(10),
            Some(guild),
            Some(true),
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, created.id);
    http.delete_test_entitlement(created.id).await.unwrap();
    assert!(sb.entitlements()[0].deleted);

    let webhook = ChannelId::new(GENERAL.get())
        .create_webhook(
            &http,
            CreateWebhook::new("Relay").audit_log_reason("premium"),
        )
        .await
        .unwrap();
    let message = webhook
        .execute(
            &http,
            true,
            ExecuteWebhook::new().content("hello").username("Cozy Bot"),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(message.author.name, "Cozy Bot");
    assert_eq!(message.webhook_id, Some(webhook.id));
    assert_eq!(sb.messages(GENERAL)[0].content, "hello");
    webhook.delete(&http).await.unwrap();
    assert!(sb.webhooks(GENERAL).is_empty());
}

//! Every REST route: the response body deserializes into the serenity model serenity expects
//! for it, and validates against that route's response schema in Discord's OpenAPI document
//! (embedded in the stand-in, which checks every request body against the same document).

use guildhall_sandbox::seed::small::*;
use guildhall_sandbox::{Sandbox, Seed};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use serenity::model::prelude::*;

use guildhall_sandbox::schema::{self, Spec};

use crate::common::api;

/// A call as a polite client makes it: the stand-in keeps Discord's global limit (50 bot
/// requests a second), so a burst of checks is told to wait, and waits.
async fn polite(
    sb: &Sandbox,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    loop {
        let answer = api(sb, method.clone(), path, body.clone()).await;
        if answer.0 != 429 || answer.2["global"] != true {
            return answer;
        }
        let wait = answer.2["retry_after"].as_f64().unwrap_or(1.0);
        tokio::time::sleep(std::time::Duration::from_secs_f64(wait + 0.01)).await;
    }
}

struct Checker {
    sb: Sandbox,
    spec: &'static Spec,
    failures: Vec<String>,
    checked: usize,
}

impl Checker {
    async fn run<T: DeserializeOwned>(
        &mut self,
        method: Method,
        path: &str,
        template: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let (got, _, response) = polite(&self.sb, method.clone(), path, body).await;
        self.checked += 1;
        let label = format!("{method} {path}");
        if got != status {
            self.failures.push(format!(
                "{label}: status {got}, wanted {status}: {response}"
            ));
            return response;
        }
        if status != 204
            && let Err(error) = serde_json::from_value::<T>(response.clone())
        {
            self.failures.push(format!(
                "{label}: not a {}: {error}",
                std::any::type_name::<T>()
            ));
        }
        let spec = self.spec;
        if !spec.has(template, method.as_str(), status) {
            self.failures.push(format!(
                "{label}: {template} {status} is not in the OpenAPI document"
            ));
        } else if let Some(schema) = spec.response_schema(template, method.as_str(), status) {
            for error in spec.validate(&response, schema) {
                self.failures.push(format!("{label}: schema: {error}"));
            }
        }
        response
    }
}

#[derive(serde::Deserialize)]
struct Nothing {}

#[tokio::test]
async fn every_route_answers_serenity_models_and_the_openapi_schema() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let mut c = Checker {
        sb: sb.clone(),
        spec: schema::spec(),
        failures: Vec::new(),
        checked: 0,
    };
    let app = sb.application_id();
    let g = GUILD;

    c.run::<Value>(Method::GET, "/gateway", "/gateway", None, 200)
        .await;
    c.run::<BotGateway>(Method::GET, "/gateway/bot", "/gateway/bot", None, 200)
        .await;
    c.run::<CurrentApplicationInfo>(
        Method::GET,
        "/oauth2/applications/@me",
        "/oauth2/applications/@me",
        None,
        200,
    )
    .await;
    c.run::<CurrentUser>(Method::GET, "/users/@me", "/users/@me", None, 200)
        .await;
    c.run::<Vec<GuildInfo>>(
        Method::GET,
        "/users/@me/guilds",
        "/users/@me/guilds",
        None,
        200,
    )
    .await;
    c.run::<User>(
        Method::GET,
        &format!("/users/{MEMBER_A}"),
        "/users/{user_id}",
        None,
        200,
    )
    .await;
    let commands = json!([
        {"name": "ping", "description": "Ping", "type": 1},
        {"name": "warn", "description": "Warn", "type": 1, "default_member_permissions": "8192", "options": [
            {"type": 6, "name": "user", "description": "who", "required": true},
            {"type": 3, "name": "reason", "description": "why", "required": false}]}
    ]);
    c.run::<Vec<Command>>(
        Method::PUT,
        &format!("/applications/{app}/commands"),
        "/applications/{application_id}/commands",
        Some(commands.clone()),
        200,
    )
    .await;
    c.run::<Vec<Command>>(
        Method::GET,
        &format!("/applications/{app}/commands"),
        "/applications/{application_id}/commands",
        None,
        200,
    )
    .await;
    c.run::<Vec<Command>>(
        Method::PUT,
        &format!("/applications/{app}/guilds/{g}/commands"),
        "/applications/{application_id}/guilds/{guild_id}/commands",
        Some(commands),
        200,
    )
    .await;
    c.run::<Vec<Command>>(
        Method::GET,
        &format!("/applications/{app}/guilds/{g}/commands"),
        "/applications/{application_id}/guilds/{guild_id}/commands",
        None,
        200,
    )
    .await;

    let message = c.run::<Message>(Method::POST, &format!("/channels/{GENERAL}/messages"), "/channels/{channel_id}/messages",
        Some(json!({"content": "hi <@{MEMBER_A}>", "embeds": [{"title": "T", "description": "D", "color": 255, "fields": [{"name": "a", "value": "b", "inline": false}]}],
                    "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "OK", "custom_id": "a:b:c"}]}]})), 200).await;
    let m = message["id"].as_str().unwrap_or("1").to_owned();
    c.run::<Vec<Message>>(
        Method::GET,
        &format!("/channels/{GENERAL}/messages"),
        "/channels/{channel_id}/messages",
        None,
        200,
    )
    .await;
    c.run::<Message>(
        Method::GET,
        &format!("/channels/{GENERAL}/messages/{m}"),
        "/channels/{channel_id}/messages/{message_id}",
        None,
        200,
    )
    .await;
    c.run::<Message>(
        Method::PATCH,
        &format!("/channels/{GENERAL}/messages/{m}"),
        "/channels/{channel_id}/messages/{message_id}",
        Some(json!({"content": "edited"})),
        200,
    )
    .await;
    c.run::<Nothing>(
        Method::PUT,
        &format!("/channels/{GENERAL}/messages/{m}/reactions/%F0%9F%91%8D/@me"),
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me",
        None,
        204,
    )
    .await;
    c.run::<Message>(
        Method::GET,
        &format!("/channels/{GENERAL}/messages/{m}"),
        "/channels/{channel_id}/messages/{message_id}",
        None,
        200,
    )
    .await;
    c.run::<Nothing>(
        Method::DELETE,
        &format!("/channels/{GENERAL}/messages/{m}/reactions/%F0%9F%91%8D/@me"),
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me",
        None,
        204,
    )
    .await;
    let thread = c
        .run::<GuildChannel>(
            Method::POST,
            &format!("/channels/{GENERAL}/messages/{m}/threads"),
            "/channels/{channel_id}/messages/{message_id}/threads",
            Some(json!({"name": "talk", "auto_archive_duration": 1440})),
            201,
        )
        .await;
    let t = thread["id"].as_str().unwrap_or("1").to_owned();
    c.run::<Nothing>(
        Method::PUT,
        &format!("/channels/{t}/thread-members/{MEMBER_A}"),
        "/channels/{channel_id}/thread-members/{user_id}",
        None,
        204,
    )
    .await;
    c.run::<GuildChannel>(
        Method::POST,
        &format!("/channels/{GENERAL}/threads"),
        "/channels/{channel_id}/threads",
        Some(json!({"name": "private", "type": 12, "invitable": false})),
        201,
    )
    .await;
    c.run::<Nothing>(
        Method::DELETE,
        &format!("/channels/{GENERAL}/messages/{m}"),
        "/channels/{channel_id}/messages/{message_id}",
        None,
        204,
    )
    .await;
    c.run::<PrivateChannel>(
        Method::POST,
        "/users/@me/channels",
        "/users/@me/channels",
        Some(json!({"recipient_id": MEMBER_A.to_string()})),
        200,
    )
    .await;

    c.run::<PartialGuild>(
        Method::GET,
        &format!("/guilds/{g}"),
        "/guilds/{guild_id}",
        None,
        200,
    )
    .await;
    c.run::<Vec<Role>>(
        Method::GET,
        &format!("/guilds/{g}/roles"),
        "/guilds/{guild_id}/roles",
        None,
        200,
    )
    .await;
    c.run::<Vec<GuildChannel>>(
        Method::GET,
        &format!("/guilds/{g}/channels"),
        "/guilds/{guild_id}/channels",
        None,
        200,
    )
    .await;
    let created = c
        .run::<GuildChannel>(
            Method::POST,
            &format!("/guilds/{g}/channels"),
            "/guilds/{guild_id}/channels",
            Some(json!({"name": "tickets", "type": 0, "topic": "help"})),
            201,
        )
        .await;
    let nc = created["id"].as_str().unwrap_or("1").to_owned();
    c.run::<GuildChannel>(
        Method::PATCH,
        &format!("/channels/{nc}"),
        "/channels/{channel_id}",
        Some(json!({"name": "tickets-2", "rate_limit_per_user": 5})),
        200,
    )
    .await;
    let ticket = c
        .run::<GuildChannel>(
            Method::POST,
            &format!("/guilds/{g}/channels"),
            "/guilds/{guild_id}/channels",
            Some(
                json!({"name": "ticket-0001", "type": 0, "parent_id": CATEGORY.to_string(),
                        "permission_overwrites": [
                            {"id": g.to_string(), "type": 0, "allow": "0", "deny": "1024"},
                            {"id": MEMBER_A.to_string(), "type": 1, "allow": "3072", "deny": "0"},
                            {"id": MOD_ROLE.to_string(), "type": 0, "allow": 3072, "deny": 0},
                            {"id": BOT.to_string(), "type": 1, "allow": "3088", "deny": "0"}]}),
            ),
            201,
        )
        .await;
    let tc = ticket["id"].as_str().unwrap_or("1").to_owned();
    c.run::<Nothing>(
        Method::PUT,
        &format!("/channels/{tc}/permissions/{MEMBER_A}"),
        "/channels/{channel_id}/permissions/{overwrite_id}",
        Some(json!({"type": 1, "allow": "1024", "deny": "2048"})),
        204,
    )
    .await;
    c.run::<GuildChannel>(
        Method::GET,
        &format!("/channels/{tc}"),
        "/channels/{channel_id}",
        None,
        200,
    )
    .await;
    c.run::<GuildChannel>(
        Method::PATCH,
        &format!("/channels/{t}"),
        "/channels/{channel_id}",
        Some(json!({"archived": true, "locked": true})),
        200,
    )
    .await;
    c.run::<GuildChannel>(
        Method::PATCH,
        &format!("/channels/{t}"),
        "/channels/{channel_id}",
        Some(json!({"archived": false, "locked": false})),
        200,
    )
    .await;
    c.run::<GuildChannel>(
        Method::GET,
        &format!("/channels/{VOICE}"),
        "/channels/{channel_id}",
        None,
        200,
    )
    .await;
    c.run::<Member>(
        Method::GET,
        &format!("/guilds/{g}/members/{MEMBER_A}"),
        "/guilds/{guild_id}/members/{user_id}",
        None,
        200,
    )
    .await;
    let until = guildhall_core::clock::UnixMillis::from_system_time(std::time::SystemTime::now())
        .plus(std::time::Duration::from_secs(600))
        .to_rfc3339();
    c.run::<Member>(
        Method::PATCH,
        &format!("/guilds/{g}/members/{MEMBER_A}"),
        "/guilds/{guild_id}/members/{user_id}",
        Some(json!({"nick": "Al", "communication_disabled_until": until})),
        200,
    )
    .await;
    c.run::<Nothing>(
        Method::PUT,
        &format!("/guilds/{g}/members/{MEMBER_C}/roles/{MEMBER_ROLE}"),
        "/guilds/{guild_id}/members/{user_id}/roles/{role_id}",
        None,
        204,
    )
    .await;
    c.run::<Nothing>(
        Method::DELETE,
        &format!("/guilds/{g}/members/{MEMBER_C}/roles/{MEMBER_ROLE}"),
        "/guilds/{guild_id}/members/{user_id}/roles/{role_id}",
        None,
        204,
    )
    .await;
    c.run::<Nothing>(
        Method::PUT,
        &format!("/guilds/{g}/bans/{MEMBER_B}"),
        "/guilds/{guild_id}/bans/{user_id}",
        Some(json!({"delete_message_seconds": 3600})),
        204,
    )
    .await;
    c.run::<Ban>(
        Method::GET,
        &format!("/guilds/{g}/bans/{MEMBER_B}"),
        "/guilds/{guild_id}/bans/{user_id}",
        None,
        200,
    )
    .await;
    c.run::<Nothing>(
        Method::DELETE,
        &format!("/guilds/{g}/bans/{MEMBER_B}"),
        "/guilds/{guild_id}/bans/{user_id}",
        None,
        204,
    )
    .await;
    c.run::<Nothing>(
        Method::DELETE,
        &format!("/guilds/{g}/members/{MEMBER_C}"),
        "/guilds/{guild_id}/members/{user_id}",
        None,
        204,
    )
    .await;

    let i = sb.slash(GUILD, GENERAL, MOD_A, "ping", vec![]);
    c.run::<Nothing>(
        Method::POST,
        &format!("/interactions/{}/{}/callback", i.id, i.token),
        "/interactions/{interaction_id}/{interaction_token}/callback",
        Some(json!({"type": 4, "data": {"content": "pong", "flags": 64}})),
        204,
    )
    .await;
    c.run::<Message>(
        Method::GET,
        &format!("/webhooks/{app}/{}/messages/@original", i.token),
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        None,
        200,
    )
    .await;
    c.run::<Message>(
        Method::PATCH,
        &format!("/webhooks/{app}/{}/messages/@original", i.token),
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        Some(json!({"content": "pong!"})),
        200,
    )
    .await;
    let f = c
        .run::<Message>(
            Method::POST,
            &format!("/webhooks/{app}/{}", i.token),
            "/webhooks/{webhook_id}/{webhook_token}",
            Some(json!({"content": "follow-up"})),
            200,
        )
        .await;
    let fid = f["id"].as_str().unwrap_or("1").to_owned();
    c.run::<Message>(
        Method::PATCH,
        &format!("/webhooks/{app}/{}/messages/{fid}", i.token),
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        Some(json!({"content": "follow-up 2"})),
        200,
    )
    .await;
    c.run::<Nothing>(
        Method::DELETE,
        &format!("/webhooks/{app}/{}/messages/{fid}", i.token),
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        None,
        204,
    )
    .await;

    // Premium: SKUs (not in the document: serenity's type only), entitlements, webhooks.
    let (status, _, skus) =
        polite(&sb, Method::GET, &format!("/applications/{app}/skus"), None).await;
    c.checked += 1;
    if status != 200 || serde_json::from_value::<Vec<Sku>>(skus.clone()).is_err() {
        c.failures
            .push(format!("GET /applications/{app}/skus: {status} {skus}"));
    }
    let premium = sb.premium_sku().unwrap_or_default();
    let bought = sb.subscribe_guild(g, premium, MEMBER_A);
    c.run::<Vec<Entitlement>>(
        Method::GET,
        &format!("/applications/{app}/entitlements?guild_id={g}&limit=10"),
        "/applications/{application_id}/entitlements",
        None,
        200,
    )
    .await;
    c.run::<Entitlement>(
        Method::GET,
        &format!("/applications/{app}/entitlements/{bought}"),
        "/applications/{application_id}/entitlements/{entitlement_id}",
        None,
        200,
    )
    .await;
    let hook = c
        .run::<Webhook>(
            Method::POST,
            &format!("/channels/{GENERAL}/webhooks"),
            "/channels/{channel_id}/webhooks",
            Some(json!({"name": "Relay"})),
            200,
        )
        .await;
    let (hid, htoken) = (
        hook["id"].as_str().unwrap_or("1").to_owned(),
        hook["token"].as_str().unwrap_or("x").to_owned(),
    );
    c.run::<Vec<Webhook>>(
        Method::GET,
        &format!("/channels/{GENERAL}/webhooks"),
        "/channels/{channel_id}/webhooks",
        None,
        200,
    )
    .await;
    c.run::<Vec<Webhook>>(
        Method::GET,
        &format!("/guilds/{g}/webhooks"),
        "/guilds/{guild_id}/webhooks",
        None,
        200,
    )
    .await;
    c.run::<Webhook>(
        Method::GET,
        &format!("/webhooks/{hid}"),
        "/webhooks/{webhook_id}",
        None,
        200,
    )
    .await;
    c.run::<Webhook>(
        Method::GET,
        &format!("/webhooks/{hid}/{htoken}"),
        "/webhooks/{webhook_id}/{webhook_token}",
        None,
        200,
    )
    .await;
    let posted = c
        .run::<Message>(
            Method::POST,
            &format!("/webhooks/{hid}/{htoken}?wait=true"),
            "/webhooks/{webhook_id}/{webhook_token}",
            Some(json!({"content": "relayed", "username": "Cozy"})),
            200,
        )
        .await;
    let pid = posted["id"].as_str().unwrap_or("1").to_owned();
    c.run::<Nothing>(
        Method::POST,
        &format!("/webhooks/{hid}/{htoken}"),
        "/webhooks/{webhook_id}/{webhook_token}",
        Some(json!({"content": "relayed"})),
        204,
    )
    .await;
    c.run::<Message>(
        Method::GET,
        &format!("/webhooks/{hid}/{htoken}/messages/{pid}"),
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        None,
        200,
    )
    .await;
    c.run::<Message>(
        Method::PATCH,
        &format!("/webhooks/{hid}/{htoken}/messages/{pid}"),
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        Some(json!({"content": "relayed!"})),
        200,
    )
    .await;
    c.run::<Nothing>(
        Method::DELETE,
        &format!("/webhooks/{hid}/{htoken}/messages/{pid}"),
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        None,
        204,
    )
    .await;
    c.run::<Nothing>(
        Method::DELETE,
        &format!("/webhooks/{hid}"),
        "/webhooks/{webhook_id}",
        None,
        204,
    )
    .await;
    // A test entitlement: Discord documents the answer as partial (no `starts_at`, `ends_at`,
    // `subscription_id`) and typed TEST_MODE_PURCHASE (4), which the document's
    // EntitlementResponse (both dates required, type 8 or 10 only) does not allow for; every
    // other field is held to it.
    let (status, _, test) = polite(
        &sb,
        Method::POST,
        &format!("/applications/{app}/entitlements"),
        Some(json!({"sku_id": premium.to_string(), "owner_id": MEMBER_B.to_string(), "owner_type": 2})),
    )
    .await;
    c.checked += 1;
    if status != 200 || serde_json::from_value::<Entitlement>(test.clone()).is_err() {
        c.failures
            .push(format!("POST entitlements: {status} {test}"));
    }
    if let Some(schema) =
        c.spec
            .response_schema("/applications/{application_id}/entitlements", "POST", 200)
    {
        for error in c.spec.validate(&test, schema) {
            let documented = error.starts_with("$.starts_at:")
                || error.starts_with("$.ends_at:")
                || error.starts_with("$.type:");
            if !documented {
                c.failures
                    .push(format!("POST entitlements: schema: {error}"));
            }
        }
    }
    let tid = test["id"].as_str().unwrap_or("1").to_owned();
    c.run::<Nothing>(
        Method::DELETE,
        &format!("/applications/{app}/entitlements/{tid}"),
        "/applications/{application_id}/entitlements/{entitlement_id}",
        None,
        204,
    )
    .await;

    assert!(
        c.failures.is_empty(),
        "{} of {} checks failed:\n{}",
        c.failures.len(),
        c.checked,
        c.failures.join("\n")
    );
}

//! The OAuth2 authorization-code flow end to end with reqwest.

use guildhall_sandbox::seed::small::*;
use guildhall_sandbox::{Sandbox, Seed};
use serde_json::Value;

#[tokio::test]
async fn authorize_token_refresh_and_user_routes() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    sb.set_oauth_user(MOD_A);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = "http://127.0.0.1:9/callback";
    let response = client
        .get(format!("{}/oauth2/authorize", sb.api_base()))
        .query(&[
            ("client_id", sb.application_id().to_string().as_str()),
            ("redirect_uri", redirect),
            ("response_type", "code"),
            ("scope", "identify guilds"),
            ("state", "xyz 1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{redirect}?code=")),
        "{location}"
    );
    assert!(location.ends_with("&state=xyz%201"), "{location}");
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();

    let app = sb.application_id().to_string();
    let secret = sb.client_secret();
    let token: Value = client
        .post(format!("{}/api/oauth2/token", sb.api_base()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
            ("client_id", app.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["scope"], "identify guilds");
    let access = token["access_token"].as_str().unwrap();

    let reuse = client
        .post(format!("{}/api/oauth2/token", sb.api_base()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
            ("client_id", app.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(reuse.status().as_u16(), 400, "a code is single-use");

    let me: Value = client
        .get(format!("{}/api/v10/users/@me", sb.api_base()))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], MOD_A.to_string());
    let guilds: Vec<Value> = client
        .get(format!("{}/api/v10/users/@me/guilds", sb.api_base()))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(guilds.len(), 1);
    assert_eq!(guilds[0]["owner"], false);
    let perms: u64 = guilds[0]["permissions"].as_str().unwrap().parse().unwrap();
    assert_ne!(perms & (1 << 2), 0, "a moderator can ban");
    assert_eq!(perms & (1 << 3), 0, "but is no administrator");

    // A bearer token cannot use bot routes; a bot token gets the bot.
    let denied = client
        .get(format!("{}/api/v10/guilds/{GUILD}", sb.api_base()))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status().as_u16(), 401);

    let refreshed: Value = client
        .post(format!("{}/api/oauth2/token", sb.api_base()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", token["refresh_token"].as_str().unwrap()),
            ("client_id", app.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(refreshed["access_token"], token["access_token"]);

    sb.set_oauth_user(OWNER);
    let owner_code = client
        .get(format!("{}/oauth2/authorize?client_id={app}&redirect_uri={redirect}&response_type=code&scope=identify", sb.api_base()))
        .send().await.unwrap();
    assert_eq!(owner_code.status().as_u16(), 302);
}

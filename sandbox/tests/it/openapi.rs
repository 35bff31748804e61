//! Discord's OpenAPI document, embedded in the stand-in: the validator catches what the
//! document forbids, and request bodies that break it are refused with Discord's
//! `400 Invalid Form Body` (and recorded, and change nothing).

use guildhall_sandbox::schema;
use guildhall_sandbox::seed::small::*;
use guildhall_sandbox::{Sandbox, Seed};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::api;

#[test]
fn the_validator_catches_missing_and_mistyped_fields() {
    let spec = schema::spec();
    let schema = spec.response_schema("/users/@me", "get", 200).unwrap();
    let errors = spec.validate(&json!({"id": 5, "username": "x"}), schema);
    assert!(
        errors.iter().any(|e| e.contains("BASE_TYPE_REQUIRED")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.starts_with("$.id:")), "{errors:?}");
}

/// The `_errors` of one field of a 50035 answer.
fn field_errors<'a>(body: &'a Value, path: &[&str]) -> &'a Value {
    let mut node = &body["errors"];
    for segment in path {
        node = &node[*segment];
    }
    &node["_errors"]
}

fn assert_refused(status: u16, body: &Value, path: &[&str], code: &str) {
    assert_eq!(
        (status, body["code"].as_u64(), body["message"].as_str()),
        (400, Some(50035), Some("Invalid Form Body")),
        "{body}"
    );
    let errors = field_errors(body, path);
    assert!(
        errors.as_array().is_some_and(|list| list
            .iter()
            .any(|e| e["code"] == code && e["message"].is_string())),
        "no {code} at {path:?}: {body}"
    );
}

#[tokio::test]
async fn message_bodies_beyond_discords_limits_are_refused_with_its_errors() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let path = format!("/channels/{GENERAL}/messages");
    let row = |custom_id: &str| json!({"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": custom_id}]});
    let embed = json!({"title": "t", "description": "d"});
    let cases: Vec<(Value, Vec<&str>, &str)> = vec![
        (
            json!({"content": "x".repeat(2001)}),
            vec!["content"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            json!({"embeds": vec![embed.clone(); 11]}),
            vec!["embeds"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            json!({"content": "x", "components": vec![row("a"); 6]}),
            vec!["components"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            json!({"content": "x", "components": [row(&"c".repeat(101))]}),
            vec!["components", "0", "components", "0", "custom_id"],
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            json!({"embeds": [{"title": "t".repeat(257)}]}),
            vec!["embeds", "0", "title"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            json!({"embeds": [{"fields": [{"name": "n"}]}]}),
            vec!["embeds", "0", "fields", "0", "value"],
            "BASE_TYPE_REQUIRED",
        ),
        (
            json!({"content": "x", "components": [{"type": 1, "components": [{"type": 2}]}]}),
            vec!["components", "0", "components", "0", "style"],
            "BASE_TYPE_REQUIRED",
        ),
        (
            json!({"content": "x", "components": [{"type": 42}]}),
            vec!["components", "0"],
            "UNION_TYPE_CHOICES",
        ),
        (
            json!({"content": 5}),
            vec!["content"],
            "STRING_TYPE_CONVERT",
        ),
        (
            json!({"content": "x", "nonce": "n".repeat(26)}),
            vec!["nonce"],
            "BASE_TYPE_MAX_LENGTH",
        ),
    ];
    for (body, at, code) in cases {
        let (status, _, response) = api(&sb, Method::POST, &path, Some(body.clone())).await;
        assert_refused(status, &response, &at, code);
    }
    assert!(sb.messages(GENERAL).is_empty(), "nothing was posted");
    let refused = sb
        .requests()
        .iter()
        .filter(|r| r.path == path && r.status == 400)
        .count();
    assert_eq!(refused, 10, "every refused request is recorded");

    // At the limits, it is fine.
    let (status, _, response) = api(
        &sb,
        Method::POST,
        &path,
        Some(
            json!({"content": "x".repeat(2000), "embeds": vec![embed; 10],
                    "components": (0..5).map(|i| row(&i.to_string())).collect::<Vec<_>>()}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{response}");
    let id = response["id"].as_str().unwrap().to_owned();
    // Edits are held to the same limits.
    let (status, _, response) = api(
        &sb,
        Method::PATCH,
        &format!("{path}/{id}"),
        Some(json!({"content": "y".repeat(2001)})),
    )
    .await;
    assert_refused(status, &response, &["content"], "BASE_TYPE_MAX_LENGTH");
    assert_eq!(sb.messages(GENERAL)[0].content, "x".repeat(2000));
}

#[tokio::test]
async fn other_bodies_commands_callbacks_and_broken_json_are_checked_too() {
    let sb = Sandbox::start(Seed::small()).await.unwrap();
    let app = sb.application_id();

    // A command without a name; a description over 100 characters.
    let (status, _, body) = api(
        &sb,
        Method::PUT,
        &format!("/applications/{app}/commands"),
        Some(json!([{"description": "no name"}, {"name": "ok", "description": "d".repeat(101)}])),
    )
    .await;
    assert_refused(status, &body, &["0", "name"], "BASE_TYPE_REQUIRED");
    assert_refused(status, &body, &["1", "description"], "BASE_TYPE_MAX_LENGTH");
    assert!(sb.commands().is_empty());

    // An interaction callback: the message limits apply to `data`.
    let i = sb.slash(GUILD, GENERAL, MEMBER_A, "ping", vec![]);
    let callback = format!("/interactions/{}/{}/callback", i.id, i.token);
    let (status, _, body) = api(
        &sb,
        Method::POST,
        &callback,
        Some(json!({"type": 4, "data": {"content": "x".repeat(2001)}})),
    )
    .await;
    assert_refused(status, &body, &["data", "content"], "BASE_TYPE_MAX_LENGTH");
    let (status, _, body) = api(&sb, Method::POST, &callback, Some(json!({"type": 99}))).await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (400, Some(50035)),
        "{body}"
    );
    // Refused bodies acknowledge nothing: a valid callback still works.
    let (status, _, body) = api(
        &sb,
        Method::POST,
        &callback,
        Some(json!({"type": 4, "data": {"content": "pong"}})),
    )
    .await;
    assert_eq!(status, 204, "{body}");

    // A ban's delete_message_seconds is at most 7 days; a timeout is a date.
    let (status, _, body) = api(
        &sb,
        Method::PUT,
        &format!("/guilds/{GUILD}/bans/{MEMBER_A}"),
        Some(json!({"delete_message_seconds": 604_801})),
    )
    .await;
    assert_refused(
        status,
        &body,
        &["delete_message_seconds"],
        "NUMBER_TYPE_MAX",
    );
    let (status, _, body) = api(
        &sb,
        Method::PATCH,
        &format!("/guilds/{GUILD}/members/{MEMBER_A}"),
        Some(json!({"communication_disabled_until": "tomorrow"})),
    )
    .await;
    assert_refused(
        status,
        &body,
        &["communication_disabled_until"],
        "DATE_TYPE_PARSE",
    );
    assert!(sb.member(GUILD, MEMBER_A).is_some());

    // Broken JSON.
    let response = reqwest::Client::new()
        .post(format!(
            "{}/api/v10/channels/{GENERAL}/messages",
            sb.api_base()
        ))
        .header("Authorization", format!("Bot {}", sb.bot_token()))
        .header("Content-Type", "application/json")
        .body("{\"content\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], 50109, "{body}");

    // A multipart body is checked through its payload_json.
    let form = format!(
        "--B\r\nContent-Disposition: form-data; name=\"payload_json\"\r\nContent-Type: application/json\r\n\r\n{{\"content\":\"{}\"}}\r\n--B\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"a.txt\"\r\n\r\nhello\r\n--B--\r\n",
        "x".repeat(2001)
    );
    let response = reqwest::Client::new()
        .post(format!(
            "{}/api/v10/channels/{GENERAL}/messages",
            sb.api_base()
        ))
        .header("Authorization", format!("Bot {}", sb.bot_token()))
        .header("Content-Type", "multipart/form-data; boundary=B")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.unwrap();
    assert_refused(400, &body, &["content"], "BASE_TYPE_MAX_LENGTH");

    // Without a token, it is 401 whatever the body; unknown routes are not checked.
    let (status, _, _) = crate::common::call(
        &sb,
        Method::POST,
        &format!("/channels/{GENERAL}/messages"),
        Some(json!({"content": 5})),
        None,
    )
    .await;
    assert_eq!(status, 401);
    let (status, _, _) = api(
        &sb,
        Method::POST,
        "/no/such/route",
        Some(json!({"content": 5})),
    )
    .await;
    assert_eq!(status, 404);
}

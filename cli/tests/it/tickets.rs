//! Tickets end to end beyond the thread story in `moderation.rs`: a ticket in a private channel
//! (created in the configured category with overwrites, the opener silenced on close and given
//! their voice back on reopen), and a thread ticket archived and locked on close.

use guildhall_core::ids::{ChannelId, UserId};
use guildhall_core::permissions::{OverwriteTarget, Permissions};
use guildhall_core::testing;
use guildhall_sandbox::model::Message;
use guildhall_sandbox::seed::small;
use guildhall_sandbox::{Interaction, RecordedRequest, Sandbox, Seed, SlashOption};
use serde_json::Value;

use crate::e2e::{Stack, WITHIN};
use crate::support::guildhall;

/// `guildhall config set --guild <small guild> key value` against the stack's database.
fn set(test_db: &testing::TestDb, dir: &std::path::Path, key: &str, value: &str) {
    let output = guildhall(&test_db.url, dir)
        .args([
            "config",
            "set",
            "--guild",
            &small::GUILD.to_string(),
            key,
            value,
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
}

/// The custom ids of a message's components.
fn custom_ids(message: &Message) -> Vec<String> {
    message
        .components
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|component| component["custom_id"].as_str().map(str::to_owned))
        .collect()
}

/// The first button's custom id starting with `prefix` in a message's components.
fn button(message: &Message, prefix: &str) -> String {
    let found = custom_ids(message)
        .into_iter()
        .find(|id| id.starts_with(prefix));
    found.unwrap_or_else(|| panic!("no `{prefix}` button in {:?}", message.components))
}

/// The bot's latest message in `channel` with a `prefix` button, once it is there.
async fn bot_message_with(sandbox: &Sandbox, channel: ChannelId, prefix: &str) -> Message {
    let what = format!("a `{prefix}` button in {channel}");
    testing::wait_for(&what, WITHIN, || async {
        sandbox.messages(channel).into_iter().rev().find(|message| {
            message.author == small::BOT
                && custom_ids(message).iter().any(|id| id.starts_with(prefix))
        })
    })
    .await
}

/// An administrator posts a panel for the Moderator role in #general; returns its message.
async fn post_panel(stack: &Stack) -> Message {
    let command = stack.sandbox.slash(
        small::GUILD,
        small::GENERAL,
        small::ADMIN,
        "ticketpanel",
        vec![SlashOption::role("staff", small::MOD_ROLE)],
    );
    let response = stack.sandbox.interaction_response(&command, WITHIN).await;
    assert_eq!(response.content, "The ticket panel is posted.");
    bot_message_with(&stack.sandbox, small::GENERAL, "tickets:open:").await
}

/// Clicks a button and returns the bot's private answer.
async fn click(
    stack: &Stack,
    channel: ChannelId,
    who: UserId,
    message: &Message,
    prefix: &str,
) -> (Interaction, String) {
    let interaction = stack.sandbox.click(
        small::GUILD,
        channel,
        who,
        message.id,
        &button(message, prefix),
    );
    let answer = stack
        .sandbox
        .interaction_response(&interaction, WITHIN)
        .await;
    assert!(answer.ephemeral, "{}", answer.content);
    (interaction, answer.content)
}

/// The position of the first recorded request matching `predicate`.
fn position(
    requests: &[RecordedRequest],
    what: &str,
    predicate: impl Fn(&RecordedRequest) -> bool,
) -> usize {
    requests
        .iter()
        .position(predicate)
        .unwrap_or_else(|| panic!("no {what} among the requests"))
}

fn is_callback(request: &RecordedRequest, interaction: &Interaction) -> bool {
    request.method.as_str() == "POST"
        && request
            .path
            .starts_with(&format!("/interactions/{}/", interaction.id))
}

fn is_post_containing(request: &RecordedRequest, channel: ChannelId, text: &str) -> bool {
    request.method.as_str() == "POST"
        && request.path == format!("/channels/{channel}/messages")
        && request.json()["content"]
            .as_str()
            .is_some_and(|content| content.contains(text))
}

/// A permission bit set from Discord's JSON (a decimal string).
fn bits(value: &Value) -> Permissions {
    Permissions(
        value
            .as_str()
            .and_then(|text| text.parse().ok())
            .unwrap_or_else(|| panic!("not a permission bit set: {value}")),
    )
}

/// The overwrite for `id` in a channel creation's `permission_overwrites`.
fn overwrite_for(overwrites: &Value, id: u64, kind: u64) -> &Value {
    overwrites
        .as_array()
        .unwrap()
        .iter()
        .find(|overwrite| {
            overwrite["id"].as_str().and_then(|text| text.parse().ok()) == Some(id)
                && overwrite["type"] == kind
        })
        .unwrap_or_else(|| panic!("no overwrite for {id} in {overwrites}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_ticket_is_private_and_closing_it_silences_the_opener_until_reopened() {
    // Channel mode is set before the bot starts, so its first read of the settings has it.
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    set(
        &test_db,
        dir.path(),
        "tickets.category",
        &small::CATEGORY.to_string(),
    );
    set(&test_db, dir.path(), "tickets.mode", "channel");
    set(&test_db, dir.path(), "features.tickets", "on");
    let child = Stack::spawn(&sandbox, &test_db, dir.path(), &["serve"], &[]);
    let stack = Stack {
        sandbox,
        test_db,
        dir,
        child,
    };
    stack.ready().await;
    let panel = post_panel(&stack).await;

    // Opening creates a text channel in the category that only the opener, the staff and the
    // bot can see, and welcomes the opener there.
    let (_, answer) = click(
        &stack,
        small::GENERAL,
        small::MEMBER_A,
        &panel,
        "tickets:open:",
    )
    .await;
    assert!(answer.starts_with("Your ticket #1 is open"), "{answer}");
    let created = stack
        .sandbox
        .expect(
            |r| {
                r.method.as_str() == "POST"
                    && r.path == format!("/guilds/{}/channels", small::GUILD)
            },
            WITHIN,
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.response);
    let body = created.json();
    assert_eq!(body["type"], 0, "a text channel: {body}");
    assert_eq!(body["parent_id"], small::CATEGORY.to_string());
    assert!(
        body["name"].as_str().unwrap().starts_with("ticket-0001"),
        "{body}"
    );
    let overwrites = &body["permission_overwrites"];
    let everyone = overwrite_for(overwrites, small::GUILD.get(), 0);
    assert!(
        bits(&everyone["deny"]).contains(Permissions::VIEW_CHANNEL),
        "{everyone}"
    );
    let participant = Permissions::VIEW_CHANNEL
        | Permissions::SEND_MESSAGES
        | Permissions::READ_MESSAGE_HISTORY
        | Permissions::ATTACH_FILES;
    for (id, kind) in [(small::MEMBER_A.get(), 1), (small::MOD_ROLE.get(), 0)] {
        let overwrite = overwrite_for(overwrites, id, kind);
        assert_eq!(bits(&overwrite["allow"]), participant, "{overwrite}");
    }
    let bot = overwrite_for(overwrites, small::BOT.get(), 1);
    assert!(
        bits(&bot["allow"]).contains(
            Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES | Permissions::MANAGE_CHANNELS
        ),
        "{bot}"
    );
    assert!(
        created
            .audit_reason
            .as_deref()
            .is_some_and(|reason| reason.contains("Ticket #1")),
        "{:?}",
        created.audit_reason
    );
    let channel: ChannelId = created.response.as_ref().unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(answer.contains(&format!("<#{channel}>")), "{answer}");
    assert_eq!(
        stack.sandbox.channel(channel).unwrap().parent,
        Some(small::CATEGORY)
    );
    let welcome = bot_message_with(&stack.sandbox, channel, "tickets:close:").await;
    assert!(
        welcome.content.contains("Ticket #1 opened by"),
        "{}",
        welcome.content
    );

    // The opener's message is recorded in the transcript.
    stack
        .sandbox
        .say(small::GUILD, channel, small::MEMBER_A, "my parcel is lost");
    let tickets = guildhall_core::tickets::TicketService::new(
        stack.test_db.db.clone(),
        std::sync::Arc::new(guildhall_core::clock::SystemClock),
        guildhall_core::jobs::JobLedger::new(
            stack.test_db.db.clone(),
            std::sync::Arc::new(guildhall_core::clock::SystemClock),
            3,
        ),
    );
    testing::wait_for("the message in the transcript", WITHIN, || async {
        let transcript = tickets.transcript(small::GUILD, 1).await.ok()?;
        transcript
            .messages
            .iter()
            .any(|message| {
                message.content == "my parcel is lost" && message.author == small::MEMBER_A
            })
            .then_some(())
    })
    .await;

    // A moderator closes it: the answer, the closing note, then the opener loses Send Messages
    // but keeps reading.
    let (closing, answer) = click(&stack, channel, small::MOD_A, &welcome, "tickets:close:").await;
    assert!(
        answer.contains("is closed; its transcript is saved"),
        "{answer}"
    );
    let permission_path = format!("/channels/{channel}/permissions/{}", small::MEMBER_A);
    let silenced = stack
        .sandbox
        .expect(
            |r| r.method.as_str() == "PUT" && r.path == permission_path,
            WITHIN,
        )
        .await;
    assert_eq!(silenced.status, 204, "{:?}", silenced.response);
    let body = silenced.json();
    assert_eq!(body["type"], 1, "{body}");
    assert!(
        bits(&body["deny"]).contains(Permissions::SEND_MESSAGES),
        "{body}"
    );
    assert!(
        bits(&body["allow"]).contains(Permissions::VIEW_CHANNEL),
        "{body}"
    );
    let requests = stack.sandbox.requests();
    let answered = position(&requests, "close answer", |r| is_callback(r, &closing));
    let noted = position(&requests, "closing note", |r| {
        is_post_containing(r, channel, "Ticket #1 closed")
    });
    let locked = position(&requests, "lock", |r| {
        r.method.as_str() == "PUT" && r.path == permission_path
    });
    assert!(
        answered < noted && noted < locked,
        "answer {answered}, note {noted}, lock {locked}"
    );
    let opener = |sandbox: &Sandbox| {
        sandbox
            .channel(channel)
            .unwrap()
            .overwrites
            .into_iter()
            .find(|overwrite| overwrite.target == OverwriteTarget::Member(small::MEMBER_A))
            .unwrap()
    };
    let closed = opener(&stack.sandbox);
    assert!(
        closed.deny.contains(Permissions::SEND_MESSAGES),
        "{closed:?}"
    );
    assert!(
        closed.allow.contains(Permissions::VIEW_CHANNEL),
        "{closed:?}"
    );

    // Reopening gives the opener their voice back, then says so.
    let note = bot_message_with(&stack.sandbox, channel, "tickets:reopen:").await;
    let (reopening, answer) = click(&stack, channel, small::MOD_A, &note, "tickets:reopen:").await;
    assert!(answer.contains("is open again"), "{answer}");
    let restored = stack
        .sandbox
        .expect(
            |r| r.method.as_str() == "PUT" && r.path == permission_path && r.json()["deny"] == "0",
            WITHIN,
        )
        .await;
    assert_eq!(restored.status, 204, "{:?}", restored.response);
    assert_eq!(bits(&restored.json()["allow"]), participant);
    stack
        .sandbox
        .expect(
            |r| is_post_containing(r, channel, "reopened ticket #1"),
            WITHIN,
        )
        .await;
    let requests = stack.sandbox.requests();
    let answered = position(&requests, "reopen answer", |r| is_callback(r, &reopening));
    let unlocked = position(&requests, "unlock", |r| {
        r.method.as_str() == "PUT" && r.path == permission_path && r.json()["deny"] == "0"
    });
    let said = position(&requests, "reopened note", |r| {
        is_post_containing(r, channel, "reopened ticket #1")
    });
    assert!(
        answered < unlocked && unlocked < said,
        "answer {answered}, unlock {unlocked}, note {said}"
    );
    assert_eq!(opener(&stack.sandbox).deny, Permissions::NONE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_thread_ticket_archives_and_locks_it_after_the_closing_note() {
    let stack = Stack::start_with(
        Seed::small(),
        &["serve"],
        &[(small::GUILD, "features.tickets", "on")],
    )
    .await;
    stack.ready().await;
    let panel = post_panel(&stack).await;
    let (_, answer) = click(
        &stack,
        small::GENERAL,
        small::MEMBER_A,
        &panel,
        "tickets:open:",
    )
    .await;
    assert!(answer.starts_with("Your ticket #1 is open"), "{answer}");
    let created = stack
        .sandbox
        .expect(
            |r| {
                r.method.as_str() == "POST"
                    && r.path == format!("/channels/{}/threads", small::GENERAL)
            },
            WITHIN,
        )
        .await;
    let thread: ChannelId = created.response.as_ref().unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let welcome = bot_message_with(&stack.sandbox, thread, "tickets:close:").await;

    let (closing, answer) = click(&stack, thread, small::MOD_A, &welcome, "tickets:close:").await;
    assert!(answer.contains("is closed"), "{answer}");
    let thread_path = format!("/channels/{thread}");
    let archived = stack
        .sandbox
        .expect(
            |r| {
                r.method.as_str() == "PATCH"
                    && r.path == thread_path
                    && r.json()["archived"] == true
            },
            WITHIN,
        )
        .await;
    assert_eq!(archived.status, 200, "{:?}", archived.response);
    assert_eq!(archived.json()["locked"], true);
    let state = stack.sandbox.channel(thread).unwrap();
    assert!(state.archived && state.locked, "{state:?}");
    let requests = stack.sandbox.requests();
    let answered = position(&requests, "close answer", |r| is_callback(r, &closing));
    let noted = position(&requests, "closing note", |r| {
        is_post_containing(r, thread, "Ticket #1 closed")
    });
    let locked = position(&requests, "archive", |r| {
        r.method.as_str() == "PATCH" && r.path == thread_path
    });
    assert!(
        answered < noted && noted < locked,
        "answer {answered}, note {noted}, archive {locked}"
    );

    // Reopening unarchives and unlocks it before saying so.
    let note = bot_message_with(&stack.sandbox, thread, "tickets:reopen:").await;
    let (_, answer) = click(&stack, thread, small::MOD_A, &note, "tickets:reopen:").await;
    assert!(answer.contains("is open again"), "{answer}");
    let reopened = stack
        .sandbox
        .expect(
            |r| {
                r.method.as_str() == "PATCH"
                    && r.path == thread_path
                    && r.json()["archived"] == false
            },
            WITHIN,
        )
        .await;
    assert_eq!(reopened.status, 200, "{:?}", reopened.response);
    assert_eq!(reopened.json()["locked"], false);
    stack
        .sandbox
        .expect(
            |r| is_post_containing(r, thread, "reopened ticket #1"),
            WITHIN,
        )
        .await;
    let state = stack.sandbox.channel(thread).unwrap();
    assert!(!state.archived && !state.locked, "{state:?}");
}

//! Every feature switch is honoured: a switched-off feature answers its commands and its
//! buttons with one private sentence and nothing else reaches Discord; switched on, it works.

use std::time::Duration;

use guildhall_core::features;
use guildhall_core::testing;
use guildhall_sandbox::seed::small;
use guildhall_sandbox::{Interaction, Seed, SlashOption};

use crate::e2e::{Stack, WITHIN};
use crate::moderation::set;

/// Requests other than the answers to `interaction`.
fn other_requests_since(stack: &Stack, since: usize, interaction: &Interaction) -> Vec<String> {
    let answer = format!("/interactions/{}/", interaction.id);
    stack.sandbox.requests()[since..]
        .iter()
        .filter(|r| !r.path.starts_with(&answer) && !r.path.starts_with("/webhooks/"))
        .map(|r| r.summary())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_switched_off_feature_answers_commands_and_buttons_with_one_sentence_and_nothing_else() {
    let stack = Stack::start_with(
        Seed::small(),
        &["serve"],
        &[(small::GUILD, "features.moderation", "off")],
    )
    .await;
    stack.ready().await;
    let sentence = |name: &str| features::by_name(name).unwrap().off_sentence();
    let commands: Vec<(&str, &str, Vec<SlashOption>)> = vec![
        (
            "moderation",
            "warn",
            vec![SlashOption::user("member", small::MEMBER_A)],
        ),
        (
            "tickets",
            "ticketpanel",
            vec![SlashOption::role("staff", small::MOD_ROLE)],
        ),
        ("levels", "rank", vec![]),
        (
            "roles",
            "role",
            vec![SlashOption::sub(
                "add",
                vec![SlashOption::role("role", small::MEMBER_ROLE)],
            )],
        ),
        (
            "giveaways",
            "giveaway",
            vec![SlashOption::sub("list", vec![])],
        ),
    ];
    for (feature, command, options) in commands {
        let since = stack.sandbox.requests().len();
        let ran = stack
            .sandbox
            .slash(small::GUILD, small::GENERAL, small::ADMIN, command, options);
        let answer = stack.sandbox.interaction_response(&ran, WITHIN).await;
        assert!(answer.ephemeral, "/{command}");
        assert_eq!(answer.content, sentence(feature), "/{command}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            other_requests_since(&stack, since, &ran),
            Vec::<String>::new(),
            "/{command} with {feature} off reached Discord"
        );
    }
    let message = stack
        .sandbox
        .say(small::GUILD, small::GENERAL, small::MEMBER_A, "hello");
    for (feature, custom_id) in [
        ("tickets", "tickets:open:1".to_owned()),
        ("roles", format!("roles:p:1:{}", small::MEMBER_ROLE)),
        ("giveaways", "giveaways:enter:1".to_owned()),
    ] {
        let since = stack.sandbox.requests().len();
        let click = stack.sandbox.click(
            small::GUILD,
            small::GENERAL,
            small::MEMBER_B,
            message,
            &custom_id,
        );
        let answer = stack.sandbox.interaction_response(&click, WITHIN).await;
        assert!(answer.ephemeral, "{custom_id}");
        assert_eq!(answer.content, sentence(feature), "{custom_id}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            other_requests_since(&stack, since, &click),
            Vec::<String>::new(),
            "a {custom_id} click with {feature} off reached Discord"
        );
    }

    // Switched on, the same command works (once the running bot has the change).
    set(&stack, "features.giveaways", "on");
    let listed = testing::wait_for("giveaways to be switched on", WITHIN, || async {
        let ran = stack.sandbox.slash(
            small::GUILD,
            small::GENERAL,
            small::ADMIN,
            "giveaway",
            vec![SlashOption::sub("list", vec![])],
        );
        let answer = stack.sandbox.interaction_response(&ran, WITHIN).await;
        (answer.content != sentence("giveaways")).then_some(answer.content)
    })
    .await;
    assert_eq!(listed, "This server has no giveaways yet.");

    // Every other switch on: each command is the feature's again, not the sentence.
    for feature in ["moderation", "tickets", "levels", "roles"] {
        set(&stack, &format!("features.{feature}"), "on");
    }
    let answers: Vec<(&str, &str, Vec<SlashOption>)> = vec![
        (
            "moderation",
            "cases",
            vec![SlashOption::user("user", small::MEMBER_A)],
        ),
        ("levels", "rank", vec![]),
        ("roles", "temprole", vec![SlashOption::sub("list", vec![])]),
    ];
    for (feature, command, options) in answers {
        testing::wait_for(
            &format!("/{command} to work with {feature} on"),
            WITHIN,
            || {
                let options = options.clone();
                async {
                    let ran = stack.sandbox.slash(
                        small::GUILD,
                        small::GENERAL,
                        small::ADMIN,
                        command,
                        options,
                    );
                    let answer = stack.sandbox.interaction_response(&ran, WITHIN).await;
                    (answer.content != sentence(feature) || !answer.embeds.is_empty()).then_some(())
                }
            },
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automod_reads_messages_only_while_its_switch_is_on() {
    let stack = Stack::start_with(
        Seed::small(),
        &["serve"],
        &[(
            small::GUILD,
            "automod.bad_words",
            r#"{"enabled": true, "words": ["forbidden"]}"#,
        )],
    )
    .await;
    stack.ready().await;
    let deletions = |stack: &Stack| {
        stack
            .sandbox
            .requests()
            .into_iter()
            .filter(|r| r.method.as_str() == "DELETE" && r.path.contains("/messages/"))
            .count()
    };
    // Off (the default): the rule is configured, yet nothing reads the message.
    stack.sandbox.say(
        small::GUILD,
        small::GENERAL,
        small::MEMBER_A,
        "a forbidden word",
    );
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(deletions(&stack), 0, "automod acted while switched off");
    // On: the same message is deleted.
    set(&stack, "features.automod", "on");
    testing::wait_for("automod to delete the message", WITHIN, || async {
        stack.sandbox.say(
            small::GUILD,
            small::GENERAL,
            small::MEMBER_A,
            "a forbidden word",
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        (deletions(&stack) > 0).then_some(())
    })
    .await;
}

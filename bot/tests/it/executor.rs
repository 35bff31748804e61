//! Effects become the REST calls Discord expects, under Discord's limits.

use std::sync::Arc;
use std::time::{Duration, Instant};

use guildhall_bot::executor::{ExecError, Executor, ExecutorOptions};
use guildhall_core::clock::SystemClock;
use guildhall_core::coordination::MemoryCoordination;
use guildhall_core::effect::{Effect, OutgoingMessage};
use guildhall_core::ids::UserId;
use guildhall_sandbox::seed::small;
use guildhall_sandbox::{Sandbox, Seed};

async fn executor(sandbox: &Sandbox, tune: impl FnOnce(&mut ExecutorOptions)) -> Executor {
    let mut options = ExecutorOptions::new(sandbox.api_base(), sandbox.bot_token());
    tune(&mut options);
    Executor::new(
        options,
        Arc::new(MemoryCoordination::new(Arc::new(SystemClock))),
    )
    .unwrap()
}

#[tokio::test]
async fn moderation_effects_carry_unicode_audit_reasons_and_change_the_model() {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let executor = executor(&sandbox, |_| {}).await;
    let reason = "spam in #général — 3rd warning ✓";
    executor
        .execute(&Effect::AddRole {
            guild: small::GUILD,
            user: small::MEMBER_C,
            role: small::MEMBER_ROLE,
            reason: Some(reason.into()),
        })
        .await
        .unwrap();
    let recorded = sandbox
        .expect(
            |r| {
                r.method.as_str() == "PUT"
                    && r.path.ends_with(&format!("/roles/{}", small::MEMBER_ROLE))
            },
            Duration::from_secs(5),
        )
        .await;
    assert_eq!(recorded.audit_reason.as_deref(), Some(reason));
    assert!(
        sandbox
            .member(small::GUILD, small::MEMBER_C)
            .unwrap()
            .roles
            .contains(&small::MEMBER_ROLE)
    );

    let sent = executor
        .execute_for(
            Some(small::GUILD),
            &Effect::SendMessage {
                channel: small::GENERAL,
                message: OutgoingMessage::text("hello @everyone"),
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent["content"], "hello @everyone");
    let body = sandbox
        .expect(
            |r| r.method.as_str() == "POST" && r.path.ends_with("/messages"),
            Duration::from_secs(5),
        )
        .await
        .json();
    assert_eq!(
        body["allowed_mentions"]["parse"],
        serde_json::json!([]),
        "user text never pings everyone"
    );
}

#[tokio::test]
async fn a_refusal_is_returned_with_discords_code_and_not_retried() {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let executor = executor(&sandbox, |_| {}).await;
    // The owner is above the bot: Discord answers 403 Missing Permissions.
    let error = executor
        .execute(&Effect::Kick {
            guild: small::GUILD,
            user: small::OWNER,
            reason: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            ExecError::Rejected {
                status: 403,
                code: Some(50013),
                ..
            }
        ),
        "{error}"
    );
    let unknown = executor
        .execute(&Effect::Kick {
            guild: small::GUILD,
            user: UserId::new(42),
            reason: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            unknown,
            ExecError::Rejected {
                status: 404,
                code: Some(10007),
                ..
            }
        ),
        "{unknown}"
    );
    let kicks = sandbox
        .requests()
        .iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .count();
    assert_eq!(kicks, 2, "4xx answers are final: one request each");
    assert_eq!(executor.totals().failed, 2);
}

#[tokio::test]
async fn the_global_limit_spaces_out_a_burst() {
    let sandbox = Sandbox::start(Seed::small()).await.unwrap();
    let executor = executor(&sandbox, |options| options.global_per_second = 5).await;
    let started = Instant::now();
    for n in 0..10 {
        executor
            .execute_for(
                Some(small::GUILD),
                &Effect::SendMessage {
                    channel: small::GENERAL,
                    message: OutgoingMessage::text(format!("n{n}")),
                },
            )
            .await
            .unwrap();
    }
    // 5 at once from the full bucket, then 5 more at 5 per second.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(sandbox.messages(small::GENERAL).len(), 10);
}

//! The stand-in → bot → effect round trip: how many gateway messages per second the bot
//! absorbs, and the latency from MESSAGE_CREATE to the REST call it causes (a prefix `!ping`
//! answered in the channel), p50/p99. Prints figures; asserts nothing.
//!
//! `cargo bench -p guildhall-bot --bench roundtrip`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use guildhall_bot::executor::{Executor, ExecutorOptions};
use guildhall_bot::intents::Privileged;
use guildhall_bot::{BotData, BotOptions, Shards};
use guildhall_core::analytics::Recorder;
use guildhall_core::clock::{SharedClock, SystemClock};
use guildhall_core::coordination::{Coordination, MemoryCoordination};
use guildhall_core::guild_config::GuildConfigService;
use guildhall_core::testing;
use guildhall_sandbox::{Sandbox, Seed};
use tokio_util::sync::CancellationToken;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let seed = Seed::demo();
    let guild = seed.guilds[0].id;
    let channel = seed.guilds[0]
        .channels
        .iter()
        .find(|c| c.name == "general")
        .or(seed.guilds[0].channels.first())
        .unwrap()
        .id;
    let members: Vec<_> = seed.guilds[0]
        .members
        .iter()
        .map(|m| m.user)
        .filter(|user| *user != seed.bot.id)
        .collect();
    let sandbox = Sandbox::start(seed).await.unwrap();

    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let clock: SharedClock = Arc::new(SystemClock);
    let coordination: Arc<dyn Coordination> = Arc::new(MemoryCoordination::new(Arc::clone(&clock)));
    let config = Arc::new(GuildConfigService::new(
        test_db.db.clone(),
        Arc::clone(&clock),
        Arc::clone(&coordination),
    ));
    config
        .set_key(guild, "commands.prefix_enabled", "on", "bench")
        .await
        .unwrap();
    config
        .set_key(guild, "commands.prefix_per_minute", "120", "bench")
        .await
        .unwrap();
    let executor = Arc::new(
        Executor::new(
            ExecutorOptions::new(sandbox.api_base(), sandbox.bot_token()),
            Arc::clone(&coordination),
        )
        .unwrap(),
    );
    let (analytics, _writer) = Recorder::start(test_db.db.clone(), Duration::from_secs(1));
    let core = guildhall_core::Core::new(test_db.db.clone(), clock, coordination, 3);
    let core = guildhall_core::Core { config, ..core };
    let data = BotData::new(&core, executor, analytics);
    let live = Arc::clone(&data.live);
    let seen = |name: &str| {
        live.event_rates(guildhall_core::clock::UnixMillis(0))
            .by_name
            .get(name)
            .copied()
            .unwrap_or(0)
    };
    let options = BotOptions {
        token: sandbox.bot_token(),
        api_base: Some(sandbox.api_base()),
        shards: Shards::Auto,
        privileged: Privileged {
            message_content: true,
            guild_members: true,
        },
        register_commands: false,
    };
    let shutdown = CancellationToken::new();
    let bot = tokio::spawn(guildhall_bot::run(options, data, shutdown.clone()));
    sandbox.wait_for_sessions(1, Duration::from_secs(30)).await;
    while seen("guild_create") == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!(
        "guildhall round-trip benchmark ({} cores), stand-in on loopback",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // Absorption: plain messages (no command), as fast as the stand-in can dispatch them.
    let count = 20_000u64;
    let before = seen("message");
    let start = Instant::now();
    for index in 0..count {
        let user = members[(index as usize) % members.len()];
        sandbox.say(
            guild,
            channel,
            user,
            &format!("chatter number {index} about nothing in particular"),
        );
    }
    let sent = start.elapsed();
    while seen("message") < before + count {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let absorbed = start.elapsed();
    println!(
        "{:<52} {:.0} messages/s (dispatch alone {:.0}/s)",
        "gateway messages absorbed by the bot",
        count as f64 / absorbed.as_secs_f64(),
        count as f64 / sent.as_secs_f64()
    );

    // Latency: one `!ping` at a time, paced under Discord's 50 requests/s global limit.
    let rounds = 400usize;
    let mut latencies = Vec::with_capacity(rounds);
    let reply_path = format!("/channels/{channel}/messages");
    for index in 0..rounds {
        sandbox.clear_requests();
        let user = members[index % members.len()];
        let sent = Instant::now();
        sandbox.say(guild, channel, user, "!ping");
        loop {
            if sandbox
                .requests()
                .iter()
                .any(|r| r.method.as_str() == "POST" && r.path == reply_path)
            {
                break;
            }
            assert!(
                sent.elapsed() < Duration::from_secs(10),
                "no reply to !ping number {index}"
            );
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        latencies.push(sent.elapsed());
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "{:<52} p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({rounds} rounds)",
        "MESSAGE_CREATE → REST reply (prefix !ping)",
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        latencies[latencies.len() - 1].as_secs_f64() * 1e3
    );
    shutdown.cancel();
    let _ = bot.await;
    sandbox.shutdown();
}

//! `guildhall automation`: the real binary on a database where a guild, its names (the guild
//! snapshot the bot writes), a scheduled message and triggers were made through the core. Lists
//! and `show` name the channel and say the schedule in words; pause and resume change what
//! `show` says and are audited; another guild's schedule, an unknown guild and an unknown trigger
//! are refused with one line; `triggers test` fills the response's variables; `--json` parses.

use std::sync::Arc;

use guildhall_core::automation::{NewSchedule, ScheduledPost, Trigger};
use guildhall_core::clock::{SharedClock, SystemClock};
use guildhall_core::coordination::MemoryCoordination;
use guildhall_core::ids::{ChannelId, GuildId, RoleId, UserId};
use guildhall_core::permissions::{MemberInfo, Permissions, RoleInfo};
use guildhall_core::references::ChannelKind;
use guildhall_core::testing::{self, TestDb};
use tempfile::TempDir;

use crate::support::{guildhall, json, stderr, stdout};

const GUILD: GuildId = GuildId::new(1_083_124_816_349_421_618);
const OTHER: GuildId = GuildId::new(2_222_222_222_222_222_222);
const GENERAL: ChannelId = ChannelId::new(1_083_124_816_349_421_700);
const HELP: ChannelId = ChannelId::new(1_083_124_816_349_421_701);
const OTHER_CHANNEL: ChannelId = ChannelId::new(2_222_222_222_222_222_300);
const OWNER: UserId = UserId::new(1_083_000_000_000_000_001);
const STAFF: RoleId = RoleId::new(1_083_124_816_349_421_800);

struct Setup {
    test_db: TestDb,
    dir: TempDir,
    core: guildhall_core::Core,
    schedule: i64,
    other_schedule: i64,
}

impl Setup {
    fn run(&self, args: &[&str]) -> std::process::Output {
        let mut all = vec!["automation"];
        all.extend_from_slice(args);
        guildhall(&self.test_db.url, self.dir.path())
            .args(&all)
            .output()
            .unwrap()
    }

    /// Runs and expects success; returns standard output.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(output.status.success(), "{args:?}: {output:?}");
        // Shown with `--nocapture`, to read what an operator reads.
        eprintln!(
            "$ guildhall automation {}\n{}",
            args.join(" "),
            stdout(&output)
        );
        stdout(&output)
    }

    /// Runs and expects a failure; returns standard error.
    fn refused(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(!output.status.success(), "{args:?} succeeded: {output:?}");
        let said = stderr(&output);
        let errors: Vec<&str> = said
            .lines()
            .filter(|line| line.starts_with("error"))
            .collect();
        assert_eq!(errors.len(), 1, "one error line: {said}");
        eprintln!("$ guildhall automation {}\n{}", args.join(" "), errors[0]);
        errors[0].to_owned()
    }
}

/// Two guilds, their names in the snapshot, a weekly schedule in each and two triggers in the
/// first.
async fn setup() -> Setup {
    let test_db = testing::sqlite_unmigrated().await;
    test_db.db.migrate().await.unwrap();
    let clock: SharedClock = Arc::new(SystemClock);
    let now = clock.now();
    let coordination = Arc::new(MemoryCoordination::new(Arc::clone(&clock)));
    let core = guildhall_core::Core::new(test_db.db.clone(), Arc::clone(&clock), coordination, 3);
    // What the bot records of the guilds it is in.
    guildhall_core::guilds::upsert(&core.db, GUILD, "Tavern of Testing", Some(OWNER), now)
        .await
        .unwrap();
    guildhall_core::guilds::upsert(&core.db, OTHER, "Quiet Library", None, now)
        .await
        .unwrap();
    // The guild model as the bot sees it, written to the snapshot other processes read (and
    // which the settings' reference checks consult).
    let cache = &core.guild_cache;
    cache.track_changes();
    cache.put_guild(
        GUILD,
        "Tavern of Testing".into(),
        OWNER,
        vec![(
            RoleInfo {
                id: STAFF,
                position: 1,
                permissions: Permissions(0),
            },
            "Staff".into(),
        )],
        vec![MemberInfo {
            user: OWNER,
            roles: vec![STAFF],
            timed_out_until: None,
        }],
    );
    cache.put_channel(
        GUILD,
        GENERAL,
        "general".into(),
        ChannelKind::Text,
        None,
        0,
        false,
    );
    cache.put_channel(
        GUILD,
        HELP,
        "help".into(),
        ChannelKind::Text,
        None,
        1,
        false,
    );
    cache.set_member_names(GUILD, [(OWNER, "Ada".to_owned())]);
    cache.put_guild(OTHER, "Quiet Library".into(), OWNER, vec![], vec![]);
    cache.put_channel(
        OTHER,
        OTHER_CHANNEL,
        "lobby".into(),
        ChannelKind::Text,
        None,
        0,
        false,
    );
    guildhall_core::guild_snapshot::write_changes(cache, &core.db, now)
        .await
        .unwrap();
    // Berlin time for the guild: a schedule follows the guild's zone unless it has its own.
    core.config
        .set_key(GUILD, "general.timezone", "Europe/Berlin", "operator:setup")
        .await
        .unwrap();
    let weekly = |guild, channel, name: &str| NewSchedule {
        guild,
        channel,
        name: name.into(),
        cron: "0 9 * * 1".into(),
        timezone: None,
        post: ScheduledPost {
            text: "Weekly meeting in an hour!".into(),
            ..ScheduledPost::default()
        },
    };
    let schedule = core
        .automation
        .create_schedule(weekly(GUILD, GENERAL, "Monday meeting"), "operator:setup")
        .await
        .unwrap()
        .id;
    let other_schedule = core
        .automation
        .create_schedule(
            weekly(OTHER, OTHER_CHANNEL, "Their schedule"),
            "operator:setup",
        )
        .await
        .unwrap()
        .id;
    for trigger in [
        Trigger {
            name: "greet".into(),
            pattern: "hello".into(),
            response: "Hi {user} ({user.name}), welcome to {server} in {channel}!".into(),
            react: Some("👋".into()),
            ..Trigger::default()
        },
        Trigger {
            name: "help-desk".into(),
            kind: guildhall_core::automation::MatchKind::Contains,
            pattern: "help".into(),
            response: "Ask in the help channel.".into(),
            channels: vec![HELP],
            roles: vec![STAFF],
            ..Trigger::default()
        },
    ] {
        core.automation
            .save_trigger(GUILD, trigger, false, "operator:setup")
            .await
            .unwrap();
    }
    Setup {
        test_db,
        dir: tempfile::tempdir().unwrap(),
        core,
        schedule,
        other_schedule,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_are_listed_shown_paused_and_resumed_by_name_and_in_words() {
    let setup = setup().await;
    let id = setup.schedule.to_string();

    // The guild by its exact name; the channel by name, the schedule in words.
    let list = setup.ok(&["schedules", "list", "tavern of testing"]);
    assert!(list.contains("Monday meeting"), "{list}");
    assert!(list.contains("#general"), "{list}");
    assert!(
        list.contains("At 09:00, on Monday (Europe/Berlin)"),
        "{list}"
    );
    assert!(!list.contains("Their schedule"), "{list}");

    let show = setup.ok(&["schedules", "show", &GUILD.to_string(), &id]);
    assert!(
        show.contains("“Monday meeting” in Tavern of Testing"),
        "{show}"
    );
    assert!(show.contains("channel      #general"), "{show}");
    assert!(
        show.contains("0 9 * * 1 — At 09:00, on Monday (Europe/Berlin)"),
        "{show}"
    );
    assert!(show.contains("Europe/Berlin (the server's)"), "{show}");
    assert!(show.contains("state        running"), "{show}");
    let runs = show.lines().filter(|line| line.contains("Mon 20")).count();
    assert_eq!(runs, 5, "five next runs on Mondays: {show}");
    assert!(show.contains("last run     never"), "{show}");

    let paused = setup.ok(&["schedules", "pause", "Tavern of Testing", &id]);
    assert!(paused.contains("paused scheduled message"), "{paused}");
    let show = setup.ok(&["schedules", "show", "Tavern of Testing", &id]);
    assert!(show.contains("state        paused"), "{show}");
    assert!(show.contains("none while paused"), "{show}");
    // Pausing twice says so.
    let again = setup.refused(&["schedules", "pause", "Tavern of Testing", &id]);
    assert!(again.contains("is already paused"), "{again}");

    let resumed = setup.ok(&["schedules", "resume", "Tavern of Testing", &id]);
    assert!(resumed.contains("next run Mon 20"), "{resumed}");
    let show = setup.ok(&["schedules", "show", "Tavern of Testing", &id]);
    assert!(show.contains("state        running"), "{show}");

    // Both changes are audited, as the operator who ran the command.
    let audit = guildhall_core::audit::recent(&setup.core.db, Some(GUILD), 20)
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = audit
        .iter()
        .map(|entry| (entry.action.as_str(), entry.actor.as_str()))
        .collect();
    assert!(
        actions.contains(&("automation.schedule.pause", "operator:tester")),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("automation.schedule.resume", "operator:tester")),
        "{actions:?}"
    );

    // Run now: one job on the ledger, for the bot to post.
    let ran = setup.ok(&["schedules", "run", "Tavern of Testing", &id]);
    assert!(ran.contains("(job "), "{ran}");
    assert!(ran.contains("the running bot posts it"), "{ran}");

    // JSON parses and keeps ids.
    let output = setup.run(&["schedules", "show", "Tavern of Testing", &id, "--json"]);
    assert!(output.status.success(), "{output:?}");
    let shown = json(&output);
    assert_eq!(shown["id"], setup.schedule);
    assert_eq!(shown["channel"], GENERAL.to_string());
    assert_eq!(shown["next_runs"].as_array().unwrap().len(), 5);
    assert_eq!(shown["description"], "At 09:00, on Monday (Europe/Berlin)");
    let listed = json(&setup.run(&["schedules", "list", "Tavern of Testing", "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_guilds_schedules_and_triggers_are_refused_in_one_line() {
    let setup = setup().await;
    let theirs = setup.other_schedule.to_string();

    // Another guild's schedule is not found in this guild, and is left alone.
    for verb in ["show", "pause", "run", "delete"] {
        let error = setup.refused(&["schedules", verb, "Tavern of Testing", &theirs]);
        assert!(
            error.contains(&format!(
                "Tavern of Testing: there is no scheduled message #{theirs} in this server"
            )),
            "{verb}: {error}"
        );
    }
    let still = setup
        .core
        .automation
        .scheduled(OTHER, setup.other_schedule)
        .await
        .unwrap();
    assert!(!still.paused);

    let error = setup.refused(&["schedules", "list", "Nowhere Inn"]);
    assert!(error.contains("no guild is named `Nowhere Inn`"), "{error}");
    let error = setup.refused(&["schedules", "list", "999"]);
    assert!(
        error.contains("never been in a guild with id 999"),
        "{error}"
    );
    let error = setup.refused(&["schedules", "show", "Tavern of Testing", "4242"]);
    assert!(error.contains("no scheduled message #4242"), "{error}");
    let error = setup.refused(&["triggers", "disable", "Tavern of Testing", "nope"]);
    assert!(
        error.contains("no trigger called `nope`; its triggers are `greet`, `help-desk`"),
        "{error}"
    );
    let error = setup.refused(&[
        "triggers",
        "test",
        "Tavern of Testing",
        "hi",
        "--channel",
        "lobby",
    ]);
    assert!(error.contains("no channel called #lobby"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_are_listed_switched_and_tested_with_their_variables_filled() {
    let setup = setup().await;

    let list = setup.ok(&["triggers", "list", "Tavern of Testing"]);
    assert!(list.contains("greet"), "{list}");
    assert!(list.contains("in #help · for @Staff"), "{list}");
    assert!(list.contains("react with 👋"), "{list}");

    let show = setup.ok(&["triggers", "show", "Tavern of Testing", "help-desk"]);
    assert!(show.contains("checked 2nd of 2"), "{show}");
    assert!(show.contains("contains `help`"), "{show}");

    // The response with its variables, mentions shown as names.
    let tested = setup.ok(&[
        "triggers",
        "test",
        "Tavern of Testing",
        "hello, I need help",
    ]);
    assert!(tested.contains("in #general by Ada"), "{tested}");
    assert!(tested.contains("fires        greet"), "{tested}");
    assert!(
        tested.contains("Hi @Ada (Ada), welcome to Tavern of Testing in #general!"),
        "{tested}"
    );
    assert!(tested.contains("also         react with 👋"), "{tested}");
    // help-desk matches too (its channel filter would stop it in #general anyway).
    assert!(tested.contains("matches too  help-desk"), "{tested}");

    // In #help the owner (Staff) gets the help desk once greet is off.
    let off = setup.ok(&["triggers", "disable", "Tavern of Testing", "GREET"]);
    assert!(off.contains("“greet” in Tavern of Testing is off"), "{off}");
    let tested = setup.ok(&[
        "triggers",
        "test",
        "Tavern of Testing",
        "hello, I need help",
        "--channel",
        "#help",
    ]);
    assert!(tested.contains("fires        help-desk"), "{tested}");
    assert!(tested.contains("Ask in the help channel."), "{tested}");
    // Written for every process: the settings as stored say it is off.
    let settings = setup.core.config.reload(GUILD).await.unwrap();
    assert!(!settings.automation.trigger("greet").unwrap().1.enabled);

    let output = setup.run(&[
        "triggers",
        "test",
        "Tavern of Testing",
        "hello",
        "--channel",
        &HELP.to_string(),
        "--json",
    ]);
    assert!(output.status.success(), "{output:?}");
    let result = json(&output);
    assert_eq!(
        result["result"]["fires"],
        serde_json::Value::Null,
        "{result}"
    );
    let listed = json(&setup.run(&["triggers", "list", "Tavern of Testing", "--json"]));
    assert_eq!(listed["triggers"].as_array().unwrap().len(), 2);

    // A regex trigger saved while the guild had premium is kept but not run once it ends; the
    // test says so, and `enable` is refused with the premium wall.
    let premium = &setup.core.premium;
    premium
        .grant(
            GUILD,
            guildhall_core::premium::Tier::Premium,
            None,
            "operator:setup",
            "",
        )
        .await
        .unwrap();
    setup
        .core
        .automation
        .save_trigger(
            GUILD,
            Trigger {
                name: "invites".into(),
                kind: guildhall_core::automation::MatchKind::Regex,
                pattern: r"disc(o|0)rd\.gg/\w+".into(),
                delete_message: true,
                ..Trigger::default()
            },
            false,
            "operator:setup",
        )
        .await
        .unwrap();
    let tested = setup.ok(&[
        "triggers",
        "test",
        "Tavern of Testing",
        "join discord.gg/abc",
    ]);
    assert!(tested.contains("fires        invites"), "{tested}");
    assert!(
        tested.contains("also         delete the message"),
        "{tested}"
    );
    premium.revoke(GUILD, "operator:setup").await.unwrap();
    let tested = setup.ok(&[
        "triggers",
        "test",
        "Tavern of Testing",
        "join discord.gg/abc",
    ]);
    assert!(tested.contains("fires        nothing"), "{tested}");
    assert!(
        tested.contains("not checked  invites (regex triggers run only with premium)"),
        "{tested}"
    );
    let list = setup.ok(&["triggers", "list", "Tavern of Testing"]);
    assert!(list.contains("paused (premium)"), "{list}");

    let removed = setup.ok(&["triggers", "remove", "Tavern of Testing", "greet"]);
    assert!(removed.contains("removed trigger “greet”"), "{removed}");
    let reminders = setup.ok(&["reminders", "list", "Tavern of Testing"]);
    assert!(
        reminders.contains("nobody has a waiting reminder"),
        "{reminders}"
    );
    let reminders = json(&setup.run(&["reminders", "list", "Tavern of Testing", "--json"]));
    assert_eq!(reminders, serde_json::json!([]));
}

/// Everyone is still a member, with no roles.
#[derive(Debug)]
struct Everyone;

#[async_trait::async_trait]
impl guildhall_core::giveaways::MemberFacts for Everyone {
    async fn member(
        &self,
        _guild: GuildId,
        _user: UserId,
    ) -> Result<
        Option<guildhall_core::giveaways::MemberState>,
        guildhall_core::giveaways::FactsUnavailable,
    > {
        Ok(Some(guildhall_core::giveaways::MemberState::default()))
    }
}

/// Runs the automation steps that are due, as the bot's worker would.
async fn run_due_steps(core: &guildhall_core::Core) {
    use guildhall_core::automation::flows::{RUN_STEP, RunSteps, StepPorts};
    use guildhall_core::jobs::JobHandler as _;
    let handler = RunSteps::new(
        Arc::clone(&core.automation),
        StepPorts {
            sink: Arc::new(testing::RecordingSink::new()),
            members: Arc::new(Everyone),
            cache: Arc::clone(&core.guild_cache),
        },
    );
    let claimed = core
        .ledger
        .claim(
            "test",
            &[RUN_STEP.to_owned()],
            10,
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert!(!claimed.is_empty());
    for (job, _lease) in claimed {
        handler.run_record(&job).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flows_are_listed_and_shown_by_name_with_their_runs_and_a_runs_history() {
    use guildhall_core::automation::{Flow, FlowEvent, FlowStart, Step};
    let setup = setup().await;
    let core = &setup.core;
    core.premium
        .grant(
            GUILD,
            guildhall_core::premium::Tier::Premium,
            None,
            "operator:setup",
            "",
        )
        .await
        .unwrap();
    let welcome = Flow {
        name: "welcome".into(),
        when: FlowEvent::MemberJoined,
        roles_none: vec![STAFF],
        steps: vec![
            Step::Send {
                channel: GENERAL,
                text: "Welcome {user}!".into(),
            },
            Step::Wait { seconds: 86_400 },
            Step::Check {
                has_any: vec![],
                lacks_all: vec![STAFF],
            },
            Step::AddRole { role: STAFF },
        ],
        ..Flow::default()
    };
    let staff_hello = Flow {
        name: "staff-hello".into(),
        when: FlowEvent::RoleAdded { role: STAFF },
        steps: vec![Step::Dm {
            text: "Welcome to the staff!".into(),
        }],
        ..Flow::default()
    };
    for flow in [welcome, staff_hello] {
        core.automation
            .save_flow(GUILD, flow, false, "operator:setup")
            .await
            .unwrap();
    }
    let theirs = Flow {
        name: "their-welcome".into(),
        steps: vec![Step::Dm {
            text: "Hello!".into(),
        }],
        ..Flow::default()
    };
    core.automation
        .save_flow(OTHER, theirs, false, "operator:setup")
        .await
        .unwrap();

    // A member joins each guild; the welcome posts and waits a day.
    let flows = core.automation.settings(GUILD).await.unwrap().flows;
    let started = core
        .automation
        .start_flows(
            &flows,
            &FlowStart {
                guild: GUILD,
                event: FlowEvent::MemberJoined,
                member: Some((OWNER, &[])),
                user_name: "Ada",
                channel: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(started.len(), 1);
    let run = started[0].to_string();
    let their_flows = core.automation.settings(OTHER).await.unwrap().flows;
    let their_run = core
        .automation
        .start_flows(
            &their_flows,
            &FlowStart {
                guild: OTHER,
                event: FlowEvent::MemberJoined,
                member: Some((OWNER, &[])),
                user_name: "Ada",
                channel: None,
            },
        )
        .await
        .unwrap()[0]
        .to_string();
    run_due_steps(core).await;

    let list = setup.ok(&["flows", "list", "Tavern of Testing"]);
    assert!(list.contains("welcome"), "{list}");
    assert!(list.contains("a member joins"), "{list}");
    assert!(list.contains("a member gets @Staff"), "{list}");
    let welcome_line = list
        .lines()
        .find(|line| line.starts_with("welcome"))
        .unwrap();
    assert!(welcome_line.contains(" on "), "{list}");
    assert!(
        welcome_line.ends_with("4      1"),
        "four steps, one run going: {list}"
    );
    assert!(!list.contains("their-welcome"), "{list}");

    let show = setup.ok(&["flows", "show", "Tavern of Testing", "WELCOME"]);
    assert!(
        show.contains("automation “welcome” in Tavern of Testing"),
        "{show}"
    );
    assert!(show.contains("when         a member joins"), "{show}");
    assert!(
        show.contains("only if      the member has none of @Staff"),
        "{show}"
    );
    assert!(
        show.contains("1. post in #general: Welcome {user}!"),
        "{show}"
    );
    assert!(show.contains("2. wait 1day"), "{show}");
    assert!(
        show.contains("3. stop unless still a member and has none of @Staff"),
        "{show}"
    );
    assert!(show.contains("4. give @Staff"), "{show}");
    assert!(!show.contains("<@&"), "{show}");

    let runs = setup.ok(&["flows", "runs", "Tavern of Testing"]);
    let line = runs.lines().find(|line| line.starts_with(&run)).unwrap();
    assert!(line.contains("welcome"), "{runs}");
    assert!(line.contains("Ada"), "{runs}");
    assert!(line.contains("waiting"), "{runs}");
    assert!(line.contains("2/4"), "{runs}");
    assert!(
        line.contains("(in 23h 59m)") || line.contains("(in 1d)"),
        "{runs}"
    );
    let none = setup.ok(&[
        "flows",
        "runs",
        "Tavern of Testing",
        "--flow",
        "staff-hello",
    ]);
    assert!(none.contains("has not run yet"), "{none}");

    let history = setup.ok(&["flows", "run", "Tavern of Testing", &run]);
    assert!(
        history.contains(&format!(
            "automation run #{run} of “welcome” in Tavern of Testing"
        )),
        "{history}"
    );
    assert!(history.contains("member       Ada"), "{history}");
    assert!(
        history.contains("state        waiting (step 2/4)"),
        "{history}"
    );
    assert!(history.contains("next step    "), "{history}");
    assert!(
        history.contains("start    started: a member joins"),
        "{history}"
    );
    assert!(
        history.contains("step 1   post in #general: Welcome {user}!: done"),
        "{history}"
    );
    assert!(history.contains("step 2   wait 1day"), "{history}");

    // JSON keeps ids.
    let shown = json(&setup.run(&["flows", "show", "Tavern of Testing", "welcome", "--json"]));
    assert_eq!(shown["flow"]["roles_none"][0], STAFF.to_string(), "{shown}");
    assert_eq!(shown["state"], "on");
    let listed = json(&setup.run(&["flows", "runs", "Tavern of Testing", "--json"]));
    assert_eq!(listed[0]["state"], "waiting", "{listed}");
    let one = json(&setup.run(&["flows", "run", "Tavern of Testing", &run, "--json"]));
    assert_eq!(one["log"].as_array().unwrap().len(), 3, "{one}");

    // Another guild's run, and an unknown automation, are refused in one line.
    let error = setup.refused(&["flows", "run", "Tavern of Testing", &their_run]);
    assert!(
        error.contains(&format!(
            "Tavern of Testing: there is no automation run #{their_run} in this server"
        )),
        "{error}"
    );
    let error = setup.refused(&["flows", "show", "Tavern of Testing", "nope"]);
    assert!(
        error.contains("no automation called `nope`; its automations are `welcome`, `staff-hello`"),
        "{error}"
    );
    let error = setup.refused(&["flows", "runs", "Tavern of Testing", "--flow", "nope"]);
    assert!(error.contains("no automation called `nope`"), "{error}");

    // Without premium the multi-stage flow is paused; the single step one runs on.
    core.premium.revoke(GUILD, "operator:setup").await.unwrap();
    let list = setup.ok(&["flows", "list", "Tavern of Testing"]);
    let welcome_line = list
        .lines()
        .find(|line| line.starts_with("welcome"))
        .unwrap();
    assert!(welcome_line.contains("paused: needs premium"), "{list}");
    let hello_line = list
        .lines()
        .find(|line| line.starts_with("staff-hello"))
        .unwrap();
    assert!(hello_line.contains(" on "), "{list}");

    let removed = setup.ok(&["flows", "remove", "Tavern of Testing", "staff-hello"]);
    assert!(
        removed.contains("removed automation “staff-hello”"),
        "{removed}"
    );
    let list = setup.ok(&["flows", "list", "Tavern of Testing"]);
    assert!(!list.contains("staff-hello"), "{list}");
    let error = setup.refused(&["flows", "remove", "Tavern of Testing", "staff-hello"]);
    assert!(
        error.contains("no automation called `staff-hello`"),
        "{error}"
    );
}

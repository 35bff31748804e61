//! Automation's pages: a scheduled message created from the form shows its schedule in words
//! and its next runs; a bad cron, another guild's channel, a missing CSRF token and a member
//! without Manage Server are refused with nothing written; pause, resume and delete work and
//! stay inside the guild; a trigger added from the form fires in the live tester with its
//! variables filled; an unknown variable is refused with the list; a regex trigger on the free
//! tier meets the premium wall.

use guildhall_core::automation::{NewSchedule, ScheduledPost};
use guildhall_core::ids::GuildId;
use guildhall_sandbox::seed::small;
use reqwest::StatusCode;

use crate::support::{Browser, Harness, location};

/// The day of `at` as the page shows it in Berlin.
fn berlin(at: guildhall_core::clock::UnixMillis) -> String {
    use chrono::TimeZone as _;
    chrono::Utc
        .timestamp_millis_opt(at.0)
        .unwrap()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .format("%a %Y-%m-%d")
        .to_string()
}

fn schedules_path(guild: GuildId) -> String {
    format!("/guilds/{guild}/automation/schedules")
}

fn triggers_path(guild: GuildId) -> String {
    format!("/guilds/{guild}/automation/triggers")
}

async fn text(response: reqwest::Response) -> String {
    response.text().await.unwrap()
}

async fn schedule_count(harness: &Harness, guild: GuildId) -> usize {
    harness
        .state
        .core
        .automation
        .schedules(guild)
        .await
        .unwrap()
        .len()
}

async fn create(browser: &mut Browser, fields: &[(&str, &str)], csrf: bool) -> reqwest::Response {
    let csrf_token = browser.csrf.clone();
    browser
        .post_form(
            &format!("{}/new", schedules_path(small::GUILD)),
            fields,
            csrf.then_some(csrf_token.as_str()),
        )
        .await
}

/// A scheduled message made in the core, as `/schedule create` would.
async fn made(harness: &Harness, guild: GuildId, name: &str) -> i64 {
    let channel = if guild == small::GUILD {
        small::GENERAL
    } else {
        small::OTHER_GENERAL
    };
    harness
        .state
        .core
        .automation
        .create_schedule(
            NewSchedule {
                guild,
                channel,
                name: name.into(),
                cron: "0 9 * * MON".into(),
                timezone: Some("Europe/Berlin".into()),
                post: ScheduledPost {
                    text: "Hello".into(),
                    ..ScheduledPost::default()
                },
            },
            "test",
        )
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn a_scheduled_message_created_from_the_form_shows_its_schedule_and_next_runs() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let page = text(owner.get(&schedules_path(small::GUILD)).await).await;
    assert!(page.contains("New scheduled message"), "{page}");
    assert!(
        page.contains(r#"aria-current="page">Scheduled messages"#),
        "{page}"
    );
    assert!(
        page.contains("features.automation"),
        "the switch is off: {page}"
    );
    assert!(
        page.contains("0 9 * * MON") && page.contains("@daily"),
        "cheat-sheet"
    );

    // The cron helper as the admin types.
    let helper = format!(
        "{}/preview?cron=0+9+*+*+MON&timezone=Europe%2FBerlin",
        schedules_path(small::GUILD)
    );
    let fragment = text(owner.get_htmx(&helper).await).await;
    let expected = harness
        .state
        .core
        .automation
        .preview(small::GUILD, "0 9 * * MON", Some("Europe/Berlin"))
        .await
        .unwrap();
    assert!(
        fragment.starts_with("<div ") && fragment.contains(r#"id="cron-preview""#),
        "{fragment}"
    );
    assert!(fragment.contains(&expected.description), "{fragment}");
    assert_eq!(fragment.matches("<li>").count(), 5, "{fragment}");
    assert!(fragment.contains("Mon "), "{fragment}");
    assert!(
        fragment.contains("09:00"),
        "shown in Berlin time: {fragment}"
    );

    let channel = small::GENERAL.to_string();
    let response = create(
        &mut owner,
        &[
            ("name", "Weekly hello"),
            ("channel", &channel),
            ("cron", "0 9 * * MON"),
            ("timezone", "Europe/Berlin"),
            ("text", "Good morning <b>all</b>"),
            ("embed_title", "Week"),
            ("embed_colour", "#5865F2"),
        ],
        true,
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(response.headers()),
        format!("{}?done=created", schedules_path(small::GUILD))
    );
    let stored = harness
        .state
        .core
        .automation
        .schedules(small::GUILD)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].channel, small::GENERAL);
    assert_eq!(stored[0].post.embed_colour, Some(0x5865F2));
    assert!(
        stored[0].created_by.contains("(dashboard)"),
        "{}",
        stored[0].created_by
    );

    let page = text(
        owner
            .get(&format!("{}?done=created", schedules_path(small::GUILD)))
            .await,
    )
    .await;
    assert!(page.contains("Scheduled message created"), "{page}");
    assert!(page.contains(&expected.description), "{page}");
    assert!(page.contains("Weekly hello"), "{page}");
    assert!(
        page.contains("Good morning &lt;b&gt;all&lt;/b&gt;"),
        "escaped: {page}"
    );
    let next = stored[0].next_run_at.unwrap();
    assert!(
        page.contains(&format!(
            r#"<span class="nowrap">{}</span> <span class="nowrap">09:00</span>"#,
            berlin(next)
        )),
        "the next run in the schedule's zone: {page}"
    );
}

#[tokio::test]
async fn a_bad_cron_is_refused_naming_the_field_and_nothing_is_written() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let channel = small::GENERAL.to_string();
    let response = create(
        &mut owner,
        &[
            ("name", "Broken"),
            ("channel", &channel),
            ("cron", "0 25 * * *"),
            ("text", "typed text stays"),
        ],
        true,
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(response).await;
    assert!(page.contains("hour"), "names the field: {page}");
    assert!(page.contains("0-23"), "says what it takes: {page}");
    assert!(
        page.contains("typed text stays"),
        "keeps what was typed: {page}"
    );
    assert!(page.contains(r#"value="0 25 * * *""#), "{page}");
    assert_eq!(schedule_count(&harness, small::GUILD).await, 0);

    // An unknown time zone too.
    let response = create(
        &mut owner,
        &[
            ("name", "Zoned"),
            ("channel", &channel),
            ("cron", "@daily"),
            ("timezone", "Mars/Olympus"),
            ("text", "x"),
        ],
        true,
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(response).await.contains("Mars/Olympus"));

    // The helper says the same while typing, with a 200 so htmx shows it.
    let helper = owner
        .get_htmx(&format!(
            "{}/preview?cron=0+25+*+*+*",
            schedules_path(small::GUILD)
        ))
        .await;
    assert_eq!(helper.status(), StatusCode::OK);
    let fragment = text(helper).await;
    assert!(
        fragment.contains("hour") && fragment.contains("error"),
        "{fragment}"
    );
    assert_eq!(schedule_count(&harness, small::GUILD).await, 0);
}

#[tokio::test]
async fn another_guilds_channel_no_csrf_and_no_manage_server_are_refused() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let theirs = small::OTHER_GENERAL.to_string();
    let response = create(
        &mut owner,
        &[
            ("name", "Sneaky"),
            ("channel", &theirs),
            ("cron", "@daily"),
            ("text", "hi"),
        ],
        true,
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(response).await;
    assert!(
        page.contains("not a channel of this server") || page.contains("another server"),
        "{page}"
    );
    assert_eq!(schedule_count(&harness, small::GUILD).await, 0);

    let ours = small::GENERAL.to_string();
    let fields = [
        ("name", "No token"),
        ("channel", ours.as_str()),
        ("cron", "@daily"),
        ("text", "hi"),
    ];
    let response = create(&mut owner, &fields, false).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(schedule_count(&harness, small::GUILD).await, 0);

    let id = made(&harness, small::GUILD, "Kept").await;
    let mut member = harness.login(small::MEMBER_A).await;
    let csrf = member.csrf.clone();
    for path in [schedules_path(small::GUILD), triggers_path(small::GUILD)] {
        assert_eq!(
            member.get(&path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let response = member
        .post_form(
            &format!("{}/new", schedules_path(small::GUILD)),
            &fields,
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = member
        .post_form(
            &format!("{}/{id}/delete", schedules_path(small::GUILD)),
            &[],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = member
        .post_form(
            &format!("{}/new", triggers_path(small::GUILD)),
            &[("name", "x"), ("pattern", "x"), ("response", "x")],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(schedule_count(&harness, small::GUILD).await, 1);
    let settings = harness.state.core.config.get(small::GUILD).await.unwrap();
    assert!(settings.automation.triggers.is_empty());
}

#[tokio::test]
async fn pause_resume_and_delete_work_inside_the_guild_only() {
    let harness = Harness::start().await;
    let ours = made(&harness, small::GUILD, "Ours").await;
    let theirs = made(&harness, small::OTHER_GUILD, "Theirs").await;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let action = |id: i64, what: &str| format!("{}/{id}/{what}", schedules_path(small::GUILD));
    let automation = &harness.state.core.automation;

    let paused = owner
        .post_form(&action(ours, "pause"), &[], Some(&csrf))
        .await;
    assert_eq!(paused.status(), StatusCode::SEE_OTHER);
    assert!(
        automation
            .scheduled(small::GUILD, ours)
            .await
            .unwrap()
            .paused
    );
    let page = text(owner.get(&location(paused.headers())).await).await;
    assert!(page.contains("Paused;"), "{page}");
    assert!(page.contains(">Resume<"), "{page}");

    // Pausing again says why not.
    let again = owner
        .post_form(&action(ours, "pause"), &[], Some(&csrf))
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(again).await.contains("already paused"));

    let resumed = owner
        .post_form(&action(ours, "resume"), &[], Some(&csrf))
        .await;
    assert_eq!(resumed.status(), StatusCode::SEE_OTHER);
    let row = automation.scheduled(small::GUILD, ours).await.unwrap();
    assert!(!row.paused && row.next_run_at.is_some());

    let run = owner
        .post_form(&action(ours, "run"), &[], Some(&csrf))
        .await;
    assert_eq!(run.status(), StatusCode::SEE_OTHER);

    // Another guild's schedule through this guild: not found, untouched.
    for what in ["pause", "run", "delete"] {
        let response = owner
            .post_form(&action(theirs, what), &[], Some(&csrf))
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{what}");
    }
    let unknown = owner
        .post_form(&action(ours, "explode"), &[], Some(&csrf))
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let kept = automation
        .scheduled(small::OTHER_GUILD, theirs)
        .await
        .unwrap();
    assert!(!kept.paused);
    let list = text(owner.get(&schedules_path(small::GUILD)).await).await;
    assert!(!list.contains("Theirs"), "{list}");

    let deleted = owner
        .post_form(&action(ours, "delete"), &[], Some(&csrf))
        .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert_eq!(schedule_count(&harness, small::GUILD).await, 0);
    assert_eq!(schedule_count(&harness, small::OTHER_GUILD).await, 1);

    let audit = guildhall_core::audit::recent(&harness.state.core.db, Some(small::GUILD), 10)
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|entry| entry.action == "automation.schedule.delete"
                && entry.actor == format!("user:{} (dashboard)", small::OWNER)),
        "{audit:?}"
    );
}

fn scrape_who(page: &str) -> String {
    let marker = r#"<span class="who">"#;
    let start = page.find(marker).unwrap() + marker.len();
    let end = page[start..].find('<').unwrap();
    page[start..start + end].to_owned()
}

#[tokio::test]
async fn a_trigger_added_from_the_form_fires_in_the_tester_with_its_variables_filled() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let page = text(owner.get(&triggers_path(small::GUILD)).await).await;
    assert!(
        page.contains("Add a trigger") && page.contains("{membercount}"),
        "{page}"
    );
    let username = scrape_who(&page);

    let added = owner
        .post_form(
            &format!("{}/new", triggers_path(small::GUILD)),
            &[
                ("name", "greet"),
                ("kind", "word"),
                ("pattern", "hello"),
                (
                    "response",
                    "Hi {user.name} ({user}), welcome to {server} in {channel}!",
                ),
                ("cooldown", "30"),
                ("cooldown_per", "member"),
                ("react", "👋"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(
        added.status(),
        StatusCode::SEE_OTHER,
        "{}",
        text(added).await
    );
    let settings = harness.state.core.config.get(small::GUILD).await.unwrap();
    assert_eq!(settings.automation.triggers.len(), 1);
    assert_eq!(settings.automation.triggers[0].cooldown_secs, 30);

    let list = text(owner.get(&triggers_path(small::GUILD)).await).await;
    assert!(
        list.contains("greet") && list.contains("whole word"),
        "{list}"
    );
    assert!(list.contains("30 seconds per member"), "{list}");

    let channel = small::GENERAL.to_string();
    let fragment = text(
        owner
            .post_htmx(
                &format!("{}/test", triggers_path(small::GUILD)),
                &[("sample", "well hello there"), ("channel", &channel)],
                Some(&csrf),
            )
            .await,
    )
    .await;
    assert!(
        fragment.starts_with("<div ") && fragment.contains(r#"id="trigger-test-result""#),
        "{fragment}"
    );
    assert!(
        fragment.contains("in #general!"),
        "the channel by name: {fragment}"
    );
    assert!(fragment.contains("greet"), "{fragment}");
    assert!(
        fragment.contains(&format!("Hi {username} (@{username})")),
        "{fragment}"
    );
    assert!(!fragment.contains('{'), "every variable filled: {fragment}");
    assert!(
        !fragment.contains(&small::OWNER.to_string()),
        "no raw ids: {fragment}"
    );
    assert!(fragment.contains("react with 👋"), "{fragment}");

    // Without htmx (no script): the whole page, with the answer in it.
    let plain = owner
        .post_form(
            &format!("{}/test", triggers_path(small::GUILD)),
            &[("sample", "hello"), ("channel", &channel)],
            Some(&csrf),
        )
        .await;
    assert_eq!(plain.status(), StatusCode::OK);
    let plain = text(plain).await;
    assert!(
        plain.contains("Add a trigger") && plain.contains("Fires: <strong>greet"),
        "{plain}"
    );

    let quiet = text(
        owner
            .post_htmx(
                &format!("{}/test", triggers_path(small::GUILD)),
                &[("sample", "othello")],
                Some(&csrf),
            )
            .await,
    )
    .await;
    assert!(
        quiet.contains("No trigger fires"),
        "whole words only: {quiet}"
    );

    // Disable, then delete.
    let off = owner
        .post_form(
            &format!("{}/toggle", triggers_path(small::GUILD)),
            &[("name", "greet"), ("enabled", "off")],
            Some(&csrf),
        )
        .await;
    assert_eq!(off.status(), StatusCode::SEE_OTHER);
    let settings = harness.state.core.config.get(small::GUILD).await.unwrap();
    assert!(!settings.automation.triggers[0].enabled);
    let missing = owner
        .post_form(
            &format!("{}/delete", triggers_path(small::GUILD)),
            &[("name", "nope")],
            Some(&csrf),
        )
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let gone = owner
        .post_form(
            &format!("{}/delete", triggers_path(small::GUILD)),
            &[("name", "greet")],
            Some(&csrf),
        )
        .await;
    assert_eq!(gone.status(), StatusCode::SEE_OTHER);
    let settings = harness.state.core.config.get(small::GUILD).await.unwrap();
    assert!(settings.automation.triggers.is_empty());
}

#[tokio::test]
async fn an_unknown_variable_is_refused_with_the_list_and_a_regex_meets_the_premium_wall() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let path = format!("{}/new", triggers_path(small::GUILD));
    let refused = owner
        .post_form(
            &path,
            &[
                ("name", "typo"),
                ("kind", "contains"),
                ("pattern", "hi"),
                ("response", "Hello {username}"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(refused).await;
    assert!(page.contains("`{username}`"), "{page}");
    assert!(
        page.contains("{user}, {user.name}, {server}, {channel}, {membercount}"),
        "{page}"
    );
    assert!(
        page.contains("Hello {username}"),
        "keeps what was typed: {page}"
    );

    let theirs = small::OTHER_GENERAL.to_string();
    let crossed = owner
        .post_form(
            &path,
            &[
                ("name", "crossed"),
                ("pattern", "hi"),
                ("response", "hey"),
                ("channels", &theirs),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(crossed.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let wall = owner
        .post_form(
            &path,
            &[
                ("name", "pattern"),
                ("kind", "regex"),
                ("pattern", "^h(i|ello)$"),
                ("response", "hey"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(wall.status(), StatusCode::PAYMENT_REQUIRED);
    let wall = text(wall).await;
    assert!(
        wall.contains("Regex triggers need Guildhall Premium"),
        "{wall}"
    );
    let settings = harness.state.core.config.get(small::GUILD).await.unwrap();
    assert!(settings.automation.triggers.is_empty(), "nothing written");
}

// ---------------------------------------------------------------------------------------------
// Automations (flows), trigger edits and the bot's place among the roles
// ---------------------------------------------------------------------------------------------

const ABOVE_THE_BOT: &str = "I cannot give @Admin: it is above my highest role (@Guildhall); move my role above it in Server Settings → Roles.";

fn flows_path(guild: GuildId) -> String {
    format!("/guilds/{guild}/automation/flows")
}

/// The small guild's roles (the bot's below Admin) and its #general in the bot's guild model.
fn cache_guild(harness: &Harness) {
    crate::roles::cache_small_guild(harness);
    harness.state.core.guild_cache.put_channel(
        small::GUILD,
        small::GENERAL,
        "general".into(),
        guildhall_core::references::ChannelKind::Text,
        None,
        0,
        false,
    );
}

async fn grant_premium(harness: &Harness) {
    harness
        .state
        .core
        .premium
        .grant(
            small::GUILD,
            guildhall_core::premium::Tier::Premium,
            None,
            "operator:test",
            "test",
        )
        .await
        .unwrap();
}

async fn flows_of(harness: &Harness, guild: GuildId) -> Vec<guildhall_core::automation::Flow> {
    harness
        .state
        .core
        .config
        .get(guild)
        .await
        .unwrap()
        .automation
        .flows
        .clone()
}

async fn edit(browser: &mut Browser, fields: &[(&str, &str)], csrf: bool) -> reqwest::Response {
    let token = browser.csrf.clone();
    browser
        .post_form(
            &format!("{}/edit", flows_path(small::GUILD)),
            fields,
            csrf.then_some(token.as_str()),
        )
        .await
}

/// A three-step welcome: post in #general, wait ten minutes, give @Moderator.
fn welcome(member_role: &str, general: &str, given: &str) -> Vec<(&'static str, String)> {
    vec![
        ("op", "save".into()),
        ("name", "welcome".into()),
        ("when", "role_added".into()),
        ("when_role", member_role.into()),
        ("step_kind_0", "send".into()),
        ("step_channel_0", general.into()),
        ("step_text_0", "Welcome {user}!".into()),
        ("step_kind_1", "wait".into()),
        ("step_wait_1", "10m".into()),
        ("step_kind_2", "add_role".into()),
        ("step_role_2", given.into()),
    ]
}

fn borrowed<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    fields
        .iter()
        .map(|(key, value)| (*key, value.as_str()))
        .collect()
}

#[tokio::test]
async fn a_multi_stage_automation_saved_in_a_premium_guild_is_listed_with_names() {
    let harness = Harness::start().await;
    cache_guild(&harness);
    grant_premium(&harness).await;
    let mut owner = harness.login(small::OWNER).await;
    let page = text(owner.get(&flows_path(small::GUILD)).await).await;
    assert!(
        page.contains(r#"aria-current="page">Automations"#) && page.contains("New automation"),
        "{page}"
    );
    assert!(page.contains("No automation has run yet"), "{page}");

    let fields = welcome(
        &small::MEMBER_ROLE.to_string(),
        &small::GENERAL.to_string(),
        &small::MOD_ROLE.to_string(),
    );
    let saved = edit(&mut owner, &borrowed(&fields), true).await;
    assert_eq!(
        saved.status(),
        StatusCode::SEE_OTHER,
        "{}",
        text(saved).await
    );
    let flows = flows_of(&harness, small::GUILD).await;
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0].steps.len(), 3);
    assert_eq!(
        flows[0].steps[1],
        guildhall_core::automation::Step::Wait { seconds: 600 }
    );

    let list = text(
        owner
            .get(&format!("{}?done=saved", flows_path(small::GUILD)))
            .await,
    )
    .await;
    assert!(list.contains("Automation saved."), "{list}");
    assert!(list.contains("welcome"), "{list}");
    assert!(
        list.contains(">@Member<"),
        "the event's role by name: {list}"
    );
    assert!(list.contains(">#general<"), "the channel by name: {list}");
    assert!(list.contains("wait 10m"), "{list}");
    assert!(
        list.contains(">@Moderator<"),
        "the role given by name: {list}"
    );
    assert!(
        list.contains(r#"<span class="state on">on</span>"#),
        "{list}"
    );
    assert!(!list.contains("&lt;@&amp;"), "no raw mentions: {list}");

    // Edit: the editor is filled; saving replaces it.
    let editor = text(
        owner
            .get(&format!("{}?edit=welcome", flows_path(small::GUILD)))
            .await,
    )
    .await;
    assert!(editor.contains("Edit the automation “welcome”"), "{editor}");
    assert!(editor.contains(r#"value="10m""#), "{editor}");
    let mut changed = fields.clone();
    changed.push(("editing", "welcome".into()));
    changed[8] = ("step_wait_1", "1h".into());
    let saved = edit(&mut owner, &borrowed(&changed), true).await;
    assert_eq!(
        saved.status(),
        StatusCode::SEE_OTHER,
        "{}",
        text(saved).await
    );
    let flows = flows_of(&harness, small::GUILD).await;
    assert_eq!(flows.len(), 1, "replaced, not added");
    assert_eq!(
        flows[0].steps[1],
        guildhall_core::automation::Step::Wait { seconds: 3600 }
    );

    // Disable, then delete.
    let csrf = owner.csrf.clone();
    let off = owner
        .post_form(
            &format!("{}/toggle", flows_path(small::GUILD)),
            &[("name", "welcome"), ("enabled", "off")],
            Some(&csrf),
        )
        .await;
    assert_eq!(off.status(), StatusCode::SEE_OTHER);
    assert!(!flows_of(&harness, small::GUILD).await[0].enabled);
    let list = text(owner.get(&flows_path(small::GUILD)).await).await;
    assert!(list.contains(">Enable<"), "{list}");
    let gone = owner
        .post_form(
            &format!("{}/delete", flows_path(small::GUILD)),
            &[("name", "welcome")],
            Some(&csrf),
        )
        .await;
    assert_eq!(gone.status(), StatusCode::SEE_OTHER);
    assert!(flows_of(&harness, small::GUILD).await.is_empty());
}

#[tokio::test]
async fn a_multi_stage_automation_in_a_free_guild_meets_the_wall_and_csrf_is_required() {
    let harness = Harness::start().await;
    cache_guild(&harness);
    let mut owner = harness.login(small::OWNER).await;
    let fields = welcome(
        &small::MEMBER_ROLE.to_string(),
        &small::GENERAL.to_string(),
        &small::MOD_ROLE.to_string(),
    );
    let wall = edit(&mut owner, &borrowed(&fields), true).await;
    assert_eq!(wall.status(), StatusCode::PAYMENT_REQUIRED);
    let wall = text(wall).await;
    assert!(
        wall.contains("Multi-stage automations need Guildhall Premium"),
        "{wall}"
    );
    assert!(
        flows_of(&harness, small::GUILD).await.is_empty(),
        "nothing written"
    );

    // The editor says so before saving.
    let fields_two: Vec<(&str, &str)> = borrowed(&fields)
        .into_iter()
        .map(|(key, value)| {
            if key == "op" {
                (key, "refresh")
            } else {
                (key, value)
            }
        })
        .collect();
    let shown = text(edit(&mut owner, &fields_two, true).await).await;
    assert!(
        shown.contains("more than one step needs Guildhall Premium"),
        "{shown}"
    );

    // Without the CSRF token: refused, nothing written.
    let one_step = &fields[..7];
    let refused = edit(&mut owner, &borrowed(one_step), false).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(flows_of(&harness, small::GUILD).await.is_empty());
    // One step is free.
    let saved = edit(&mut owner, &borrowed(one_step), true).await;
    assert_eq!(
        saved.status(),
        StatusCode::SEE_OTHER,
        "{}",
        text(saved).await
    );
    assert_eq!(flows_of(&harness, small::GUILD).await.len(), 1);

    // A member without Manage Server cannot.
    let mut member = harness.login(small::MEMBER_A).await;
    assert_eq!(
        member.get(&flows_path(small::GUILD)).await.status(),
        StatusCode::FORBIDDEN
    );
    let csrf = member.csrf.clone();
    let response = member
        .post_form(
            &format!("{}/delete", flows_path(small::GUILD)),
            &[("name", "welcome")],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(flows_of(&harness, small::GUILD).await.len(), 1);
}

/// The texts of the editor's message fields, in order.
fn step_texts(fragment: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = fragment;
    while let Some(start) = rest.find("<textarea") {
        let after = &rest[start..];
        let open = after.find('>').unwrap() + 1;
        let close = after.find("</textarea>").unwrap();
        found.push(after[open..close].to_owned());
        rest = &after[close..];
    }
    found
}

#[tokio::test]
async fn the_editor_adds_moves_and_removes_steps_in_order() {
    let harness = Harness::start().await;
    cache_guild(&harness);
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let path = format!("{}/edit", flows_path(small::GUILD));
    let base = [
        ("name", "order"),
        ("step_kind_0", "dm"),
        ("step_text_0", "first"),
        ("step_kind_1", "dm"),
        ("step_text_1", "second"),
    ];
    let with = |op: &'static str| {
        let mut fields = base.to_vec();
        fields.push(("op", op));
        fields.push(("add_kind", "dm"));
        fields
    };

    let added = owner.post_htmx(&path, &with("add_step"), Some(&csrf)).await;
    assert_eq!(added.status(), StatusCode::OK);
    let added = text(added).await;
    assert!(added.starts_with(r#"<div id="flow-editor">"#), "{added}");
    assert_eq!(step_texts(&added), ["first", "second", ""]);
    assert!(
        added.contains(r#"value="order""#),
        "keeps the name: {added}"
    );

    let up = text(owner.post_htmx(&path, &with("up:1"), Some(&csrf)).await).await;
    assert_eq!(step_texts(&up), ["second", "first"]);
    let down = text(owner.post_htmx(&path, &with("down:0"), Some(&csrf)).await).await;
    assert_eq!(step_texts(&down), ["second", "first"]);
    let removed = text(owner.post_htmx(&path, &with("remove:0"), Some(&csrf)).await).await;
    assert_eq!(step_texts(&removed), ["second"]);
    assert!(!removed.contains("remove:1"), "{removed}");

    // Without script: the whole page with the editor.
    let plain = owner.post_form(&path, &with("down:0"), Some(&csrf)).await;
    assert_eq!(plain.status(), StatusCode::OK);
    let plain = text(plain).await;
    assert!(plain.contains("Latest runs"), "{plain}");
    assert_eq!(step_texts(&plain), ["second", "first"]);
    assert!(
        flows_of(&harness, small::GUILD).await.is_empty(),
        "nothing saved"
    );

    // A bad wait is refused naming the step, keeping what was typed.
    let refused = owner
        .post_form(
            &path,
            &[
                ("op", "save"),
                ("name", "slow"),
                ("step_kind_0", "wait"),
                ("step_wait_0", "soon"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = text(refused).await;
    assert!(
        refused.contains("step 1: a wait is a duration"),
        "{refused}"
    );
    assert!(refused.contains(r#"value="soon""#), "{refused}");
}

#[tokio::test]
async fn another_guilds_role_and_a_role_above_the_bot_are_refused() {
    let harness = Harness::start().await;
    cache_guild(&harness);
    let mut owner = harness.login(small::OWNER).await;
    let theirs = small::OTHER_GUILDHALL_ROLE.to_string();
    let general = small::GENERAL.to_string();
    let crossed = edit(
        &mut owner,
        &[
            ("op", "save"),
            ("name", "crossed"),
            ("when", "role_added"),
            ("when_role", &theirs),
            ("step_kind_0", "dm"),
            ("step_text_0", "hi"),
        ],
        true,
    )
    .await;
    assert_eq!(crossed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let crossed = text(crossed).await;
    assert!(
        crossed.contains("the event&#39;s role") || crossed.contains("the event's role"),
        "{crossed}"
    );
    assert!(flows_of(&harness, small::GUILD).await.is_empty());

    let admin = small::ADMIN_ROLE.to_string();
    let above = edit(
        &mut owner,
        &[
            ("op", "save"),
            ("name", "promote"),
            ("step_kind_0", "add_role"),
            ("step_role_0", &admin),
        ],
        true,
    )
    .await;
    assert_eq!(above.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let above = text(above).await;
    assert!(above.contains(ABOVE_THE_BOT), "{above}");
    assert!(above.contains("step 1: "), "{above}");
    assert!(flows_of(&harness, small::GUILD).await.is_empty());
    let _ = general;

    // A trigger's role to give, too.
    let csrf = owner.csrf.clone();
    let trigger = owner
        .post_form(
            &format!("{}/new", triggers_path(small::GUILD)),
            &[
                ("name", "promote"),
                ("pattern", "promote me"),
                ("add_role", &admin),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(trigger.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let trigger = text(trigger).await;
    assert!(trigger.contains(ABOVE_THE_BOT), "{trigger}");
    assert!(trigger.contains(r#"value="promote me""#), "{trigger}");
    let settings = harness.state.core.config.get(small::GUILD).await.unwrap();
    assert!(settings.automation.triggers.is_empty());
}

#[tokio::test]
async fn a_trigger_is_edited_from_its_edit_link() {
    let harness = Harness::start().await;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let path = format!("{}/new", triggers_path(small::GUILD));
    let added = owner
        .post_form(
            &path,
            &[("name", "greet"), ("pattern", "hello"), ("response", "Hi!")],
            Some(&csrf),
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let list = text(owner.get(&triggers_path(small::GUILD)).await).await;
    assert!(list.contains("?edit=greet"), "{list}");
    let form = text(
        owner
            .get(&format!("{}?edit=greet", triggers_path(small::GUILD)))
            .await,
    )
    .await;
    assert!(form.contains("Edit the trigger “greet”"), "{form}");
    assert!(form.contains(r#"value="hello""#), "{form}");
    let saved = owner
        .post_form(
            &path,
            &[
                ("editing", "greet"),
                ("name", "greet"),
                ("pattern", "hey"),
                ("response", "Hey!"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(
        saved.status(),
        StatusCode::SEE_OTHER,
        "{}",
        text(saved).await
    );
    let settings = harness.state.core.config.get(small::GUILD).await.unwrap();
    assert_eq!(settings.automation.triggers.len(), 1);
    assert_eq!(settings.automation.triggers[0].pattern, "hey");
    let missing = owner
        .get(&format!("{}?edit=nope", triggers_path(small::GUILD)))
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_run_history_shows_a_run_with_its_history_by_name() {
    use guildhall_core::automation::{Flow, FlowEvent, FlowStart, Step};
    let harness = Harness::start().await;
    cache_guild(&harness);
    let flow = Flow {
        name: "greeter".into(),
        when: FlowEvent::RoleAdded {
            role: small::MEMBER_ROLE,
        },
        steps: vec![Step::Send {
            channel: small::GENERAL,
            text: "Welcome!".into(),
        }],
        ..Flow::default()
    };
    let automation = &harness.state.core.automation;
    automation
        .save_flow(small::GUILD, flow.clone(), false, "test")
        .await
        .unwrap();
    let roles = [small::MEMBER_ROLE];
    let started = automation
        .start_flows(
            &[flow],
            &FlowStart {
                guild: small::GUILD,
                event: FlowEvent::RoleAdded {
                    role: small::MEMBER_ROLE,
                },
                member: Some((small::MEMBER_A, &roles)),
                user_name: "ava",
                channel: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(started.len(), 1);

    let mut owner = harness.login(small::OWNER).await;
    let page = text(owner.get(&flows_path(small::GUILD)).await).await;
    let run = page
        .find(&format!(r#"id="run-{}""#, started[0]))
        .expect("the run is listed");
    let run = &page[run..];
    let run = &run[..run.find("</details>").unwrap()];
    assert!(run.contains("greeter"), "{run}");
    assert!(run.contains(">step 1/1<"), "{run}");
    assert!(run.contains("running"), "{run}");
    assert!(
        run.contains("started: a member gets @Member"),
        "the history with names: {run}"
    );
    assert!(!run.contains(&small::MEMBER_ROLE.to_string()), "{run}");
    // The list counts it as going.
    assert!(page.contains(r#"data-label="Going now">1<"#), "{page}");
}

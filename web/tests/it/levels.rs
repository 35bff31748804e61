//! The levels pages: the public leaderboard (opt-in, no session, paged, JSON in the same
//! order), the levels page and its editors (refused to strangers, members and other guilds'
//! admins; saves land in the settings history; a bad row refuses the whole save), CSV import
//! (dry run, then a confirmed import) and export.

use std::sync::Arc;
use std::time::Duration;

use guildhall_core::guild_config::GuildSettings;
use guildhall_core::ids::{GuildId, RoleId, UserId};
use guildhall_core::levels::{ImportMode, LevelCurve, LevelService, store};
use guildhall_sandbox::seed::small;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{Harness, location};

/// The bot's level service, over the dashboard's database and settings.
fn bot_levels(harness: &Harness) -> LevelService {
    LevelService::new(
        harness.state.core.db.clone(),
        Arc::clone(&harness.state.core.clock),
        Arc::clone(&harness.state.core.coordination),
        Arc::clone(&harness.state.core.config),
    )
}

/// User `index` (from 1) of the seeded board: rank `index`, less XP the lower.
fn ranked(index: u64) -> UserId {
    UserId::new(5_000 + index)
}

/// 120 members with distinct XP, then two tied at 50 XP (ordered by user id): 122 in all.
async fn seed_board(harness: &Harness, guild: GuildId) {
    let mut csv = String::from("user_id,xp\n");
    for index in 1..=120u64 {
        csv.push_str(&format!("{},{}\n", ranked(index), 100_000 - index * 100));
    }
    csv.push_str("9002,50\n9001,50\n");
    bot_levels(harness)
        .import(guild, &csv, ImportMode::Replace)
        .await
        .unwrap();
}

async fn set_public(harness: &Harness, guild: GuildId, on: bool) {
    harness
        .state
        .core
        .config
        .set_key(
            guild,
            "levels.public_leaderboard",
            if on { "on" } else { "off" },
            "operator:test",
        )
        .await
        .unwrap();
}

/// The members of a leaderboard page, in the order shown.
fn order(html: &str) -> Vec<String> {
    html.match_indices(r#"data-user=""#)
        .map(|(start, marker)| {
            let rest = &html[start + marker.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

async fn levels_settings(harness: &Harness, guild: GuildId) -> Arc<GuildSettings> {
    harness.state.core.config.reload(guild).await.unwrap()
}

#[tokio::test]
async fn the_public_leaderboard_is_opt_in_paged_and_needs_no_session() {
    let harness = Harness::start().await;
    let guild = small::GUILD;
    seed_board(&harness, guild).await;
    let mut visitor = harness.anonymous();
    let page = format!("/leaderboard/{guild}");
    let data = format!("/leaderboard/{guild}/data");

    // Off by default: one 404 that says nothing about the guild.
    let hidden = visitor.get(&page).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    let body = hidden.text().await.unwrap();
    assert!(body.contains("no public leaderboard"), "{body}");
    assert!(!body.contains("Small Guild"), "{body}");
    let hidden = visitor.get(&data).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    let error: Value = hidden.json().await.unwrap();
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("no public leaderboard")
    );
    let unknown = visitor.get("/leaderboard/123456789").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        unknown
            .text()
            .await
            .unwrap()
            .replace("123456789", &guild.to_string()),
        body,
        "an unknown guild reads exactly like a private one"
    );

    set_public(&harness, guild, true).await;
    let first = visitor.get(&page).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(
        first.headers()["cache-control"].to_str().unwrap(),
        "public, max-age=5"
    );
    assert!(
        first.headers().get("set-cookie").is_none(),
        "no session is started"
    );
    let first = first.text().await.unwrap();
    assert!(first.contains("Small Guild"), "{first}");
    assert!(first.contains("<progress"), "{first}");
    assert!(first.contains("Page 1 of 3"), "{first}");
    let expected: Vec<String> = (1..=50).map(|index| ranked(index).to_string()).collect();
    assert_eq!(order(&first), expected);
    assert!(first.contains(&format!(r#"href="/leaderboard/{guild}?page=2""#)));

    let last = visitor
        .get(&format!("{page}?page=3"))
        .await
        .text()
        .await
        .unwrap();
    let mut expected: Vec<String> = (101..=120).map(|index| ranked(index).to_string()).collect();
    expected.extend(["9001".to_owned(), "9002".to_owned()]);
    assert_eq!(order(&last), expected, "ties go to the lower user id");
    assert!(last.contains("Page 3 of 3"), "{last}");

    let beyond = visitor.get(&format!("{page}?page=9")).await;
    assert_eq!(beyond.status(), StatusCode::OK);
    let beyond = beyond.text().await.unwrap();
    assert!(order(&beyond).is_empty());
    assert!(beyond.contains("past the end"), "{beyond}");
    assert!(
        beyond.contains(&format!(r#"href="/leaderboard/{guild}?page=3""#)),
        "{beyond}"
    );
    let bad = visitor.get(&format!("{page}?page=zero")).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("page must be a whole number from 1")
    );

    // The JSON holds the same members in the same order, with levels and progress.
    let json = visitor.get(&format!("{data}?page=3")).await;
    assert_eq!(json.status(), StatusCode::OK);
    assert_eq!(
        json.headers()["cache-control"].to_str().unwrap(),
        "public, max-age=5"
    );
    let json: Value = json.json().await.unwrap();
    assert_eq!(json["guild"], guild.to_string());
    assert_eq!(
        (json["page"].as_u64(), json["pages"].as_u64()),
        (Some(3), Some(3))
    );
    let members = json["members"].as_array().unwrap();
    let users: Vec<String> = members
        .iter()
        .map(|member| member["user"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(users, order(&last));
    let top: Value = visitor.get(&data).await.json().await.unwrap();
    let leader = &top["members"][0];
    let xp = 100_000 - 100;
    let progress = LevelCurve::default().progress(xp);
    assert_eq!(leader["rank"], 1);
    assert_eq!(leader["user"], ranked(1).to_string());
    assert_eq!(leader["name"], format!("user {}", ranked(1)));
    assert_eq!(leader["xp"], xp);
    assert_eq!(leader["level"], progress.level);
    assert_eq!(leader["xp_into_level"], progress.xp_into_level);
    assert_eq!(leader["xp_needed"], progress.xp_needed);
    assert_eq!(members[0]["rank"], 101);

    // The bot's writes show at once on the top pages.
    bot_levels(&harness)
        .set(guild, ranked(120), 1_000_000)
        .await
        .unwrap();
    let moved = visitor.get(&page).await.text().await.unwrap();
    assert_eq!(order(&moved)[0], ranked(120).to_string());

    // Switched off again, or the bot gone: the same 404.
    set_public(&harness, guild, false).await;
    assert_eq!(visitor.get(&page).await.status(), StatusCode::NOT_FOUND);
    set_public(&harness, guild, true).await;
    guildhall_core::guilds::mark_left(
        &harness.state.core.db,
        guild,
        harness.state.core.clock.now(),
    )
    .await
    .unwrap();
    harness.clock.advance(Duration::from_secs(6));
    assert_eq!(visitor.get(&page).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(visitor.get(&data).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn levels_pages_need_manage_server_in_that_guild() {
    let harness = Harness::start().await;
    let mut anonymous = harness.anonymous();
    let mut owner = harness.login(small::OWNER).await;
    let mut member = harness.login(small::MEMBER_A).await;
    let pages = |guild: GuildId| {
        ["", "/leaderboard", "/export"].map(|page| format!("/guilds/{guild}/levels{page}"))
    };
    for path in pages(small::GUILD) {
        let response = anonymous.get(&path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(location(response.headers()).starts_with("/login?next="));
        assert_eq!(owner.get(&path).await.status(), StatusCode::OK, "{path}");
        assert_eq!(
            member.get(&path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    for path in pages(small::OTHER_GUILD) {
        assert_eq!(
            owner.get(&path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let csrf = member.csrf.clone();
    for form in ["settings", "rewards", "multipliers", "no-xp", "import"] {
        let path = format!("/guilds/{}/levels/{form}", small::GUILD);
        assert_eq!(
            member.post_form(&path, &[], Some(&csrf)).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
        let csrf = owner.csrf.clone();
        let other = format!("/guilds/{}/levels/{form}", small::OTHER_GUILD);
        assert_eq!(
            owner.post_form(&other, &[], Some(&csrf)).await.status(),
            StatusCode::FORBIDDEN,
            "{other}"
        );
    }
    let page = owner
        .get(&format!("/guilds/{}/levels", small::GUILD))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"aria-current="page">Levels<"#), "{page}");
    assert!(page.contains("Levels are off"), "{page}");
}

/// The settings form as stored defaults, with `changes` applied.
fn settings_fields(changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut fields = vec![
        ("xp_min", "15"),
        ("xp_max", "25"),
        ("cooldown_secs", "60"),
        ("curve_a", "5"),
        ("curve_b", "50"),
        ("curve_c", "100"),
        ("flush_interval_secs", "10"),
        ("announce_mode", "same_channel"),
        ("announce_channel", ""),
        ("announce_template", "{user} reached level {level}!"),
        ("voice_xp_per_minute", "5"),
        ("voice_interval_secs", "60"),
        ("voice_max_minutes", "240"),
        ("voice_afk_channel", ""),
    ];
    for (key, value) in changes {
        match fields.iter_mut().find(|(name, _)| name == key) {
            Some(field) => field.1 = value,
            None => fields.push((key, value)),
        }
    }
    fields
}

#[tokio::test]
async fn editors_save_to_the_history_and_a_bad_row_refuses_the_whole_save() {
    let harness = Harness::start().await;
    let guild = small::GUILD;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let base = format!("/guilds/{guild}/levels");
    let general: &'static str = small::GENERAL.to_string().leak();

    // The settings form, as a plain form: saved, in the history, back to the page.
    let saved = owner
        .post_form(
            &format!("{base}/settings"),
            &settings_fields(&[
                ("xp_min", "20"),
                ("xp_max", "40"),
                ("flush_interval_secs", "30"),
                ("announce_mode", "channel"),
                ("announce_channel", general),
                ("announce_template", "GG {user}, level {level} on {server}"),
                ("voice_enabled", "on"),
                ("public_leaderboard", "on"),
            ]),
            Some(&csrf),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(saved.headers()), base);
    let levels = levels_settings(&harness, guild).await.levels.clone();
    assert_eq!((levels.xp_min, levels.xp_max), (20, 40));
    assert_eq!(levels.flush_interval_secs, 30);
    assert_eq!(levels.announce.channel, Some(small::GENERAL));
    assert!(levels.voice.enabled && levels.public_leaderboard);
    let history = harness
        .state
        .core
        .config
        .history(guild, Some("levels"), 10)
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        history[0].actor,
        format!("user:{} (dashboard)", small::OWNER)
    );
    let audit = guildhall_core::audit::recent(&harness.state.core.db, Some(guild), 1)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "dashboard.levels.settings");
    let page = owner.get(&base).await.text().await.unwrap();
    assert!(
        page.contains(&format!(r#"href="/leaderboard/{guild}""#)),
        "links the public leaderboard: {page}"
    );

    // Refusals: the core's message inline, what was typed kept, nothing written.
    let version = levels_settings(&harness, guild).await.version("levels");
    let refused = owner
        .post_htmx(
            &format!("{base}/settings"),
            &settings_fields(&[("announce_template", "{user} is now {rank}!")]),
            Some(&csrf),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fragment = refused.text().await.unwrap();
    assert!(
        fragment.contains("levels.announce.template uses the unknown placeholder {rank}; the placeholders are {user}, {level}, {server}"),
        "{fragment}"
    );
    assert!(
        fragment.contains(r#"value="{user} is now {rank}!""#),
        "{fragment}"
    );
    assert!(!fragment.contains("<html"), "htmx gets the form only");
    // The message sits beside the field it is about.
    let field = &fragment[fragment.find(r#"name="announce_template""#).unwrap()..];
    let field = &field[..field.find("</div>").unwrap()];
    assert!(
        field.contains(r#"class="error field-error""#)
            && field.contains("unknown placeholder {rank}"),
        "{field}"
    );
    let garbled = owner
        .post_htmx(
            &format!("{base}/settings"),
            &settings_fields(&[("xp_max", "lots")]),
            Some(&csrf),
        )
        .await;
    assert_eq!(garbled.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        garbled
            .text()
            .await
            .unwrap()
            .contains("levels.xp_max must be a whole number (0 or more), got `lots`")
    );
    assert_eq!(
        levels_settings(&harness, guild).await.version("levels"),
        version
    );

    // Rewards: rows added (sorted by level), then bad rows refuse the whole list.
    let rewards = format!("{base}/rewards");
    let everyone = RoleId::new(guild.get()).to_string();
    let member_role = small::MEMBER_ROLE.to_string();
    let admin_role = small::ADMIN_ROLE.to_string();
    let mod_role = small::MOD_ROLE.to_string();
    let saved = owner
        .post_htmx(
            &rewards,
            &[
                ("reward_mode", "replace"),
                ("reward_level_0", "10"),
                ("reward_role_0", mod_role.as_str()),
                ("reward_level_1", "5"),
                ("reward_role_1", member_role.as_str()),
                ("reward_level_2", ""),
                ("reward_role_2", ""),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert!(saved.text().await.unwrap().contains("Rewards saved."));
    let stored = levels_settings(&harness, guild).await.levels.clone();
    assert_eq!(
        stored
            .rewards
            .iter()
            .map(|reward| (reward.level, reward.role))
            .collect::<Vec<_>>(),
        [(5, small::MEMBER_ROLE), (10, small::MOD_ROLE)]
    );
    let version = levels_settings(&harness, guild).await.version("levels");
    for (rows, message) in [
        (
            vec![
                ("reward_level_0", "0"),
                ("reward_role_0", member_role.as_str()),
            ],
            "levels.rewards levels must be between 1 and 1000, got 0",
        ),
        (
            vec![
                ("reward_level_0", "5"),
                ("reward_role_0", member_role.as_str()),
                ("reward_level_1", "5"),
                ("reward_role_1", admin_role.as_str()),
            ],
            "level 5 appears more than once",
        ),
        (
            vec![
                ("reward_level_0", "5"),
                ("reward_role_0", member_role.as_str()),
                ("reward_level_1", "7"),
                ("reward_role_1", everyone.as_str()),
            ],
            "levels.rewards: reward 2: @everyone cannot be a reward",
        ),
    ] {
        let mut fields = vec![("reward_mode", "stack")];
        fields.extend(rows);
        let refused = owner.post_htmx(&rewards, &fields, Some(&csrf)).await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{message}"
        );
        let fragment = refused.text().await.unwrap();
        assert!(fragment.contains(message), "{message}: {fragment}");
    }
    let after = levels_settings(&harness, guild).await;
    assert_eq!(
        after.version("levels"),
        version,
        "refused rows write nothing"
    );
    assert_eq!(after.levels.rewards, stored.rewards);

    // Without scripts, a refusal answers the whole page with the editor refilled.
    let refused = owner
        .post_form(
            &rewards,
            &[
                ("reward_mode", "stack"),
                ("reward_level_0", "zero"),
                ("reward_role_0", member_role.as_str()),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(page.contains("<html"), "{page}");
    assert!(page.contains("the level must be a whole number"), "{page}");
    assert!(page.contains(r#"value="zero""#), "{page}");

    // Multipliers and no-XP lists.
    let multipliers = format!("{base}/multipliers");
    let saved = owner
        .post_htmx(
            &multipliers,
            &[
                ("rolemult_target_0", member_role.as_str()),
                ("rolemult_percent_0", "150"),
                ("chanmult_target_0", general),
                ("chanmult_percent_0", "50"),
                ("chanmult_target_1", "778"),
                ("chanmult_percent_1", "0"),
                ("chanmult_remove_1", "on"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let stored = levels_settings(&harness, guild).await.levels.clone();
    assert_eq!(stored.role_multipliers.len(), 1);
    assert_eq!(stored.channel_multipliers.len(), 1);
    let refused = owner
        .post_htmx(
            &multipliers,
            &[
                ("chanmult_target_0", "777"),
                ("chanmult_percent_0", "50"),
                ("chanmult_target_1", "777"),
                ("chanmult_percent_1", "200"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("must not list a channel twice; 777 appears more than once")
    );
    assert_eq!(
        levels_settings(&harness, guild)
            .await
            .levels
            .role_multipliers,
        stored.role_multipliers,
        "the role multipliers of the refused form were not written either"
    );
    let saved = owner
        .post_htmx(
            &format!("{base}/no-xp"),
            &[
                (
                    "no_xp_channels",
                    &format!("{}, {}", small::MOD_LOG, small::VOICE),
                ),
                ("no_xp_role", admin_role.as_str()),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let stored = levels_settings(&harness, guild).await.levels.clone();
    assert_eq!(stored.no_xp_channels.len(), 2);
    assert_eq!(stored.no_xp_roles, [small::ADMIN_ROLE]);

    // No CSRF token, no change.
    let forged = owner
        .post_form(
            &format!("{base}/settings"),
            &settings_fields(&[("xp_min", "1")]),
            None,
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(levels_settings(&harness, guild).await.levels.xp_min, 20);
}

#[tokio::test]
async fn import_is_checked_first_then_confirmed_and_export_downloads_the_csv() {
    let harness = Harness::start().await;
    let guild = small::GUILD;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let import = format!("/guilds/{guild}/levels/import");
    let count = || store::count(&harness.state.core.db, guild);

    let bad = "user_id,xp\n111,500\nabc,5\n112,-3\n111,20\n";
    let dry = owner
        .post_form(&import, &[("csv", bad), ("mode", "replace")], Some(&csrf))
        .await;
    assert_eq!(dry.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = dry.text().await.unwrap();
    for line in [
        "line 3: `abc` is not a user id (a number)",
        "line 4: XP must not be negative, got -3",
        "line 5: user 111 is listed twice, on lines 2 and 5",
    ] {
        assert!(page.contains(line), "{line}: {page}");
    }
    assert!(
        !page.contains(r#"name="confirm""#),
        "no import offered: {page}"
    );
    // A confirmed import of a bad file is checked again and refused.
    let forced = owner
        .post_form(
            &import,
            &[("csv", bad), ("mode", "replace"), ("confirm", "yes")],
            Some(&csrf),
        )
        .await;
    assert_eq!(forced.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count().await.unwrap(), 0, "nothing written");

    let good = "user_id,xp\n111,500\n112,4700\n113,0\n";
    let dry = owner
        .post_htmx(&import, &[("csv", good), ("mode", "replace")], Some(&csrf))
        .await;
    assert_eq!(dry.status(), StatusCode::OK);
    let fragment = dry.text().await.unwrap();
    assert!(
        fragment.contains("Dry run: nothing was written"),
        "{fragment}"
    );
    assert!(
        fragment.contains(r#"name="confirm" value="yes""#),
        "{fragment}"
    );
    assert!(fragment.contains("Import 3 member(s)"), "{fragment}");
    assert_eq!(count().await.unwrap(), 0, "a dry run writes nothing");
    let wrong_mode = owner
        .post_htmx(&import, &[("csv", good), ("mode", "merge")], Some(&csrf))
        .await;
    assert_eq!(wrong_mode.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong_mode
            .text()
            .await
            .unwrap()
            .contains("mode must be replace")
    );

    let applied = owner
        .post_htmx(
            &import,
            &[("csv", good), ("mode", "replace"), ("confirm", "yes")],
            Some(&csrf),
        )
        .await;
    assert_eq!(applied.status(), StatusCode::OK);
    let fragment = applied.text().await.unwrap();
    assert!(
        fragment.contains("Imported 3 member(s): 3 new"),
        "{fragment}"
    );
    assert!(
        fragment.contains("Reward roles were not changed"),
        "{fragment}"
    );
    assert_eq!(count().await.unwrap(), 3);
    let audit = guildhall_core::audit::recent(&harness.state.core.db, Some(guild), 1)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "dashboard.levels.import");
    assert_eq!(audit[0].detail["rows"], 3);
    assert_eq!(audit[0].detail["new"], 3);

    // The page previews the top and links the managers' leaderboard (not public).
    let page = owner
        .get(&format!("/guilds/{guild}/levels"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(order(&page), ["112", "111", "113"]);
    assert!(
        page.contains(&format!(r#"href="/guilds/{guild}/levels/leaderboard""#)),
        "{page}"
    );
    let staff = owner
        .get(&format!("/guilds/{guild}/levels/leaderboard"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(order(&staff), ["112", "111", "113"]);

    let export = owner.get(&format!("/guilds/{guild}/levels/export")).await;
    assert_eq!(export.status(), StatusCode::OK);
    assert_eq!(
        export.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        export.headers()["content-disposition"].to_str().unwrap(),
        format!("attachment; filename=\"levels-{guild}.csv\"")
    );
    let csv = export.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "user_id,xp,level,messages,voice_seconds");
    assert_eq!(
        &lines[1..],
        ["112,4700,10,0,0", "111,500,3,0,0", "113,0,0,0,0"]
    );
}

#[tokio::test]
async fn role_pickers_list_the_cached_roles_and_refuse_others() {
    use guildhall_core::permissions::{Permissions, RoleInfo};
    let harness = Harness::start().await;
    let guild = small::GUILD;
    let role = |id: RoleId, position, name: &str| {
        (
            RoleInfo {
                id,
                position,
                permissions: Permissions::NONE,
            },
            name.to_owned(),
        )
    };
    harness.state.core.guild_cache.put_guild(
        guild,
        "Small Guild".into(),
        small::OWNER,
        vec![
            role(RoleId::new(guild.get()), 0, "@everyone"),
            role(small::MEMBER_ROLE, 1, "Regulars"),
            role(small::MOD_ROLE, 5, "Moderators <3"),
        ],
        Vec::new(),
    );
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let page = owner
        .get(&format!("/guilds/{guild}/levels"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!(
            r#"<option value="{}">@Moderators &lt;3</option>"#,
            small::MOD_ROLE
        )),
        "role names are picked, escaped: {page}"
    );
    assert!(!page.contains(">@everyone</option>"), "{page}");
    let unknown = small::ADMIN_ROLE.to_string();
    let refused = owner
        .post_htmx(
            &format!("/guilds/{guild}/levels/rewards"),
            &[
                ("reward_mode", "stack"),
                ("reward_level_0", "5"),
                ("reward_role_0", unknown.as_str()),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fragment = refused.text().await.unwrap();
    assert!(
        fragment.contains(&format!("role {unknown} is not a role of this server")),
        "{fragment}"
    );
    assert!(
        fragment.contains(&format!("unknown role {unknown}")),
        "the typed role stays selected: {fragment}"
    );
}

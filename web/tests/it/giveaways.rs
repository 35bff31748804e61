//! The giveaway manager: refused to strangers, members without Manage Server and other guilds'
//! admins; a giveaway started from the form is stored with its post handed to the bot; bad
//! input is refused with the core's words and nothing stored; the detail page shows entrants,
//! the timeline and the fairness proof, verified after the draw (run here by the core's own
//! end job); end, cancel and reroll schedule the bot's jobs; the downloads; CSRF.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use guildhall_core::eligibility::RoleMentions;
use guildhall_core::giveaways::{
    END, EndGiveaway, FactsUnavailable, GiveawayId, GiveawayRequest, GiveawayService,
    GiveawayState, Manager, MemberFacts, MemberState, POST, REROLL, UPDATE,
};
use guildhall_core::guild_cache::GuildCache;
use guildhall_core::ids::{GuildId, RoleId, UserId};
use guildhall_core::jobs::{JobFilter, JobHandler, JobOutcome, JobPorts, JobRecord};
use guildhall_core::permissions::{Permissions, RoleInfo};
use guildhall_sandbox::seed::small;
use reqwest::StatusCode;

use crate::support::{Harness, location};

fn service(harness: &Harness) -> Arc<GiveawayService> {
    Arc::new(GiveawayService::new(
        harness.state.core.db.clone(),
        harness.state.core.clock.clone(),
        harness.state.core.ledger.clone(),
        Arc::clone(&harness.state.core.config),
    ))
}

fn list_path(guild: GuildId) -> String {
    format!("/guilds/{guild}/giveaways")
}

fn detail_path(guild: GuildId, id: GiveawayId) -> String {
    format!("/guilds/{guild}/giveaways/{id}")
}

/// The small guild's roles in the dashboard's copy of the bot's guild model, so unknown roles
/// are refused.
fn cache_small_guild(harness: &Harness) {
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
        small::GUILD,
        "Small Guild".into(),
        small::OWNER,
        vec![
            role(RoleId::new(small::GUILD.get()), 0, "@everyone"),
            role(small::MOD_ROLE, 5, "Moderator"),
            role(small::MEMBER_ROLE, 1, "Member"),
        ],
        Vec::new(),
    );
}

async fn jobs(harness: &Harness, kind: &str) -> Vec<JobRecord> {
    harness
        .state
        .core
        .ledger
        .list(&JobFilter {
            kind: Some(kind.into()),
            limit: 100,
            ..JobFilter::default()
        })
        .await
        .unwrap()
}

/// A giveaway started in the core, as `/giveaway start` would.
async fn started(harness: &Harness, guild: GuildId, prize: &str) -> GiveawayId {
    service(harness)
        .start(
            GiveawayRequest {
                guild,
                channel: small::GENERAL,
                prize: prize.into(),
                winners: 2,
                duration: Duration::from_secs(3_600),
                requirements: None,
                by: Manager::Operator,
            },
            &RoleMentions,
        )
        .await
        .unwrap()
        .giveaway
        .id
}

/// Enters members as the bot does after a click.
async fn enter(harness: &Harness, guild: GuildId, id: GiveawayId, users: &[UserId]) {
    let state = MemberState::default();
    for user in users {
        service(harness)
            .enter(
                guild,
                id,
                &state.facts(*user, harness.state.core.clock.now()),
                &RoleMentions,
            )
            .await
            .unwrap();
    }
}

/// Everyone is still a member and eligible.
#[derive(Debug)]
struct Everyone;

#[async_trait]
impl MemberFacts for Everyone {
    async fn member(
        &self,
        _guild: GuildId,
        _user: UserId,
    ) -> Result<Option<MemberState>, FactsUnavailable> {
        Ok(Some(MemberState::default()))
    }
}

/// Runs the due `giveaways.end` jobs with the core's handler, as the bot's worker would.
async fn run_end_jobs(harness: &Harness) {
    let handler = EndGiveaway::new(
        service(harness),
        JobPorts {
            sink: Arc::new(guildhall_core::testing::RecordingSink::new()),
            members: Arc::new(Everyone),
            cache: Arc::new(GuildCache::new()),
        },
    );
    let claimed = harness
        .state
        .core
        .ledger
        .claim("test", &[END.to_owned()], 10, Duration::from_secs(60))
        .await
        .unwrap();
    assert!(!claimed.is_empty(), "an end job is due");
    for (job, lease) in claimed {
        assert_eq!(handler.run_record(&job).await.unwrap(), JobOutcome::Done);
        harness.state.core.ledger.complete(&lease).await.unwrap();
    }
}

async fn text(response: reqwest::Response) -> String {
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_giveaway_pages_are_refused_to_strangers_members_and_other_guilds_admins() {
    let harness = Harness::start().await;
    let id = started(&harness, small::GUILD, "Secret prize").await;
    let list = list_path(small::GUILD);
    let detail = detail_path(small::GUILD, id);

    let anonymous = harness.anonymous().get(&list).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert!(location(anonymous.headers()).starts_with("/login?next="));

    for user in [small::MEMBER_A, small::OTHER_OWNER] {
        let mut browser = harness.login(user).await;
        let csrf = browser.csrf.clone();
        for path in [
            list.clone(),
            detail.clone(),
            format!("{detail}/export/json"),
            format!("{detail}/export/csv"),
        ] {
            let response = browser.get(&path).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{user} {path}");
            assert!(!text(response).await.contains("Secret prize"));
        }
        let channel = small::GENERAL.to_string();
        for (path, fields) in [
            (
                format!("{list}/new"),
                vec![
                    ("prize", "x"),
                    ("duration", "1h"),
                    ("winners", "1"),
                    ("channel", channel.as_str()),
                ],
            ),
            (format!("{detail}/end"), vec![]),
            (format!("{detail}/cancel"), vec![("reason", "mine")]),
            (format!("{detail}/reroll"), vec![("slot", "1")]),
        ] {
            let response = browser.post_form(&path, &fields, Some(&csrf)).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{user} {path}");
        }
    }
    let giveaways = service(&harness).list(small::GUILD, None, 0).await.unwrap();
    assert_eq!(giveaways.len(), 1, "nothing started");
    assert_eq!(giveaways[0].state, GiveawayState::Running, "nothing ended");
}

#[tokio::test]
async fn another_guilds_giveaway_is_not_found_through_this_guild() {
    let harness = Harness::start().await;
    let theirs = started(&harness, small::OTHER_GUILD, "Their prize").await;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let detail = detail_path(small::GUILD, theirs);
    for path in [detail.clone(), format!("{detail}/export/json")] {
        let response = owner.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(!text(response).await.contains("Their prize"));
    }
    for path in [format!("{detail}/end"), format!("{detail}/cancel")] {
        let response = owner.post_form(&path, &[], Some(&csrf)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let list = text(owner.get(&list_path(small::GUILD)).await).await;
    assert!(!list.contains("Their prize"));
    assert_eq!(
        service(&harness)
            .get(small::OTHER_GUILD, theirs)
            .await
            .unwrap()
            .state,
        GiveawayState::Running
    );
}

#[tokio::test]
async fn a_giveaway_started_from_the_form_is_stored_and_its_post_scheduled() {
    let harness = Harness::start().await;
    cache_small_guild(&harness);
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let channel = small::GENERAL.to_string();
    let member_role = small::MEMBER_ROLE.to_string();

    let page = text(owner.get(&list_path(small::GUILD)).await).await;
    assert!(page.contains("Start a giveaway"), "{page}");
    assert!(page.contains(r#"aria-current="page">Giveaways"#), "{page}");

    let response = owner
        .post_form(
            &format!("{}/new", list_path(small::GUILD)),
            &[
                ("prize", "Nitro <b>Classic</b>"),
                ("duration", "2h"),
                ("winners", "2"),
                ("channel", &channel),
                ("req_any_role", &member_role),
                ("req_min_level", "5"),
                ("req_account_age", "7d"),
                ("req_membership", "1d"),
                ("req_no_warnings", "on"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(response.headers()),
        format!("{}?done=created", list_path(small::GUILD))
    );
    let giveaways = service(&harness).list(small::GUILD, None, 0).await.unwrap();
    assert_eq!(giveaways.len(), 1);
    let giveaway = &giveaways[0];
    assert_eq!(giveaway.prize, "Nitro <b>Classic</b>");
    assert_eq!(giveaway.winners, 2);
    assert_eq!(giveaway.channel, small::GENERAL);
    assert_eq!(giveaway.created_by, Some(small::OWNER));
    assert_eq!(
        giveaway.ends_at,
        giveaway.created_at.plus(Duration::from_secs(7_200))
    );
    let requirements = &giveaway.requirements;
    assert_eq!(requirements.any_roles, [small::MEMBER_ROLE]);
    assert_eq!(requirements.min_level, Some(5));
    assert_eq!(requirements.min_account_age_secs, Some(7 * 86_400));
    assert_eq!(requirements.min_membership_secs, Some(86_400));
    assert!(requirements.no_active_warnings);

    let posts = jobs(&harness, POST).await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].guild, Some(small::GUILD));
    assert_eq!(posts[0].payload["giveaway"], giveaway.id.get());
    assert_eq!(jobs(&harness, END).await.len(), 1, "its timer");
    let audit = guildhall_core::audit::recent(&harness.state.core.db, Some(small::GUILD), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "dashboard.giveaways.start");
    assert_eq!(audit[0].actor, format!("user:{}", small::OWNER));

    let list = text(
        owner
            .get(&format!("{}?done=created", list_path(small::GUILD)))
            .await,
    )
    .await;
    assert!(list.contains("Giveaway started"), "{list}");
    assert!(
        list.contains("Nitro &lt;b&gt;Classic&lt;/b&gt;"),
        "escaped: {list}"
    );
    assert!(list.contains("ends in 2 hours"), "{list}");
    assert!(list.contains(r#"hx-trigger="every 5s""#), "{list}");

    // The poll gets the rows alone, with the countdown moved on.
    harness.clock.advance(Duration::from_secs(1_800));
    let rows = text(owner.get_htmx(&list_path(small::GUILD)).await).await;
    assert!(rows.starts_with("<section id=\"giveaway-list\""), "{rows}");
    assert!(rows.contains("ends in 1 hour 30 minutes"), "{rows}");
    assert!(!rows.contains("Start a giveaway"));
}

#[tokio::test]
async fn bad_input_is_refused_with_the_reason_and_nothing_is_stored() {
    let harness = Harness::start().await;
    cache_small_guild(&harness);
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let channel = small::GENERAL.to_string();
    let everyone = small::GUILD.to_string();
    let path = format!("{}/new", list_path(small::GUILD));
    for (fields, expected) in [
        (
            vec![("winners", "0")],
            "winners must be between 1 and 20, got 0",
        ),
        (
            vec![("duration", "forever")],
            "the duration must be seconds or a duration such as 90s, 30m, 2h or 3d, got `forever`",
        ),
        (
            vec![("duration", "5s")],
            "the duration must be between 10 seconds and 60 days",
        ),
        (
            vec![("req_any_role", "4242")],
            "role 4242 is not a role of this server",
        ),
        (
            vec![("req_any_role", everyone.as_str())],
            "@everyone belongs to every member",
        ),
        (
            vec![("prize", "")],
            "the prize must be 1 to 200 characters on one line",
        ),
        (
            vec![("channel", "general")],
            "channel must be the id of a text channel",
        ),
    ] {
        let mut form = vec![
            ("prize", "Kept prize"),
            ("duration", "1h"),
            ("winners", "1"),
            ("channel", channel.as_str()),
        ];
        for (key, value) in fields {
            form.retain(|(name, _)| *name != key);
            form.push((key, value));
        }
        // The field the refusal is about: the one the case changed (last in the form).
        let fields_key =
            |form: &[(&str, &str)]| form.last().map(|(key, _)| (*key).to_owned()).unwrap();
        let response = owner.post_form(&path, &form, Some(&csrf)).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{expected}"
        );
        let page = text(response).await;
        assert!(page.contains(expected), "{expected}: {page}");
        assert!(page.contains(r#"id="giveaway-errors""#));
        // Beside the field that caused it: within that field's block of the form.
        let key = fields_key(&form);
        let at = page
            .find(&format!(r#"name="{key}""#))
            .unwrap_or_else(|| panic!("{key}: {page}"));
        let block = &page[at..];
        let block = &block[..block.find(r#"<div class="field">"#).unwrap_or(block.len())];
        assert!(
            block.contains(r#"class="error field-error""#) && block.contains(&expected[..20]),
            "{expected} beside {key}: {block}"
        );
        if !form.contains(&("prize", "")) {
            assert!(page.contains(r#"value="Kept prize""#), "refilled");
        }
    }
    assert!(
        service(&harness)
            .list(small::GUILD, None, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(jobs(&harness, POST).await.is_empty());
    assert!(jobs(&harness, END).await.is_empty());
}

#[tokio::test]
async fn the_detail_shows_entrants_timeline_and_proof_and_the_draw_verifies() {
    let harness = Harness::start().await;
    let id = started(&harness, small::GUILD, "Steam key").await;
    let entrants = [small::MEMBER_A, small::MEMBER_B, small::MEMBER_C];
    enter(&harness, small::GUILD, id, &entrants).await;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let detail = detail_path(small::GUILD, id);
    let giveaway = service(&harness).get(small::GUILD, id).await.unwrap();

    let page = text(owner.get(&detail).await).await;
    assert!(page.contains("Steam key"));
    assert!(page.contains(r#"<dd id="entrant-count">3</dd>"#), "{page}");
    for user in entrants {
        assert!(
            page.contains(&format!(">{user}</span></span></li>"))
                || page.contains(&format!("title=\"{user}\"")),
            "{user}: {page}"
        );
    }
    assert!(page.contains("<code>start</code>"), "timeline: {page}");
    assert!(page.contains(&giveaway.seed_hash));
    assert!(page.contains("guildhall-giveaway-v1"));
    assert!(page.contains("secret until the draw"));
    assert!(page.contains("End now and draw"));

    let response = owner
        .post_form(&format!("{detail}/end"), &[], Some(&csrf))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(text(response).await.contains("Entries are closed"));
    let end_jobs = jobs(&harness, END).await;
    assert_eq!(end_jobs.len(), 1);
    assert!(
        end_jobs[0].due_at <= harness.state.core.clock.now(),
        "the draw is due now"
    );
    let audit = guildhall_core::audit::recent(&harness.state.core.db, Some(small::GUILD), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "dashboard.giveaways.end");

    run_end_jobs(&harness).await;
    let ended = service(&harness).get(small::GUILD, id).await.unwrap();
    assert_eq!(ended.state, GiveawayState::Ended);
    let seed = ended.seed.clone().unwrap();
    let page = text(owner.get(&detail).await).await;
    assert!(page.contains(&seed), "the revealed seed: {page}");
    assert!(page.contains(&ended.entrants_hash.clone().unwrap()));
    assert!(page.contains("✓ verified"), "{page}");
    assert!(page.contains("<code>end_requested</code>"));
    assert!(page.contains("<code>draw</code>"));
    assert!(page.contains("waiting for the claim"), "slots: {page}");
    let slots = service(&harness)
        .detail(small::GUILD, id)
        .await
        .unwrap()
        .slots;
    for slot in &slots {
        assert!(page.contains(&slot.winner.unwrap().to_string()));
    }
    assert!(page.contains("Reroll this prize"));

    // Reroll a prize: the bot's job is scheduled, the request audited.
    let response = owner
        .post_form(
            &format!("{detail}/reroll"),
            &[("slot", "1"), ("reason", "no answer")],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let rerolls = jobs(&harness, REROLL).await;
    assert_eq!(rerolls.len(), 1);
    assert_eq!(rerolls[0].payload["slot"], 1);
    assert_eq!(rerolls[0].payload["giveaway"], id.get());
    let audit = guildhall_core::audit::recent(&harness.state.core.db, Some(small::GUILD), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "dashboard.giveaways.reroll");

    // A prize it does not have, and ending it again: refused with the core's words.
    let response = owner
        .post_form(&format!("{detail}/reroll"), &[("slot", "9")], Some(&csrf))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text(response)
            .await
            .contains("its prizes are numbered 1 to 2")
    );
    let response = owner
        .post_form(&format!("{detail}/end"), &[], Some(&csrf))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(response).await.contains("is ended"));
}

#[tokio::test]
async fn cancelling_reveals_the_seed_and_schedules_the_message_update() {
    let harness = Harness::start().await;
    let id = started(&harness, small::GUILD, "Mug").await;
    let mut owner = harness.login(small::OWNER).await;
    let csrf = owner.csrf.clone();
    let detail = detail_path(small::GUILD, id);
    let updates_before = jobs(&harness, UPDATE).await.len();
    let response = owner
        .post_form(
            &format!("{detail}/cancel"),
            &[("reason", "wrong prize")],
            Some(&csrf),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = text(response).await;
    assert!(page.contains("Cancelled; nobody is drawn."));
    let cancelled = service(&harness).get(small::GUILD, id).await.unwrap();
    assert_eq!(cancelled.state, GiveawayState::Cancelled);
    assert!(page.contains(&cancelled.seed.unwrap()));
    assert_eq!(jobs(&harness, UPDATE).await.len(), updates_before + 1);
    let end_jobs = jobs(&harness, END).await;
    assert_eq!(end_jobs[0].state, guildhall_core::jobs::JobState::Cancelled);
    let audit = guildhall_core::audit::recent(&harness.state.core.db, Some(small::GUILD), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "dashboard.giveaways.cancel");
    assert_eq!(audit[0].detail["reason"], "wrong prize");
}

#[tokio::test]
async fn exports_download_the_record() {
    let harness = Harness::start().await;
    let id = started(&harness, small::GUILD, "Poster, signed").await;
    enter(&harness, small::GUILD, id, &[small::MEMBER_A]).await;
    let mut owner = harness.login(small::OWNER).await;
    let detail = detail_path(small::GUILD, id);

    let response = owner.get(&format!("{detail}/export/json")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-disposition"],
        format!(
            "attachment; filename=\"giveaway-{}-{id}.json\"",
            small::GUILD
        )
        .as_str()
    );
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(json["giveaway"]["prize"], "Poster, signed");
    assert_eq!(json["entries"][0]["user"], small::MEMBER_A.to_string());
    assert!(json["giveaway"]["seed"].is_null(), "still secret");

    let response = owner.get(&format!("{detail}/export/csv")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = text(response).await;
    assert!(
        csv.starts_with("time,event,actor,user,slot,detail\n"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!(",entry,member:{0},{0},", small::MEMBER_A)),
        "{csv}"
    );

    let response = owner.get(&format!("{detail}/export/xml")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(text(response).await.contains("json or csv"));
    let audit = guildhall_core::audit::recent(&harness.state.core.db, Some(small::GUILD), 10)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "dashboard.giveaways.export");
    assert_eq!(audit[0].detail["format"], "csv");
}

#[tokio::test]
async fn every_post_without_the_csrf_token_is_refused() {
    let harness = Harness::start().await;
    let id = started(&harness, small::GUILD, "Hoodie").await;
    let mut owner = harness.login(small::OWNER).await;
    let channel = small::GENERAL.to_string();
    let detail = detail_path(small::GUILD, id);
    for (path, fields) in [
        (
            format!("{}/new", list_path(small::GUILD)),
            vec![
                ("prize", "x"),
                ("duration", "1h"),
                ("winners", "1"),
                ("channel", channel.as_str()),
            ],
        ),
        (format!("{detail}/end"), vec![]),
        (format!("{detail}/cancel"), vec![]),
        (format!("{detail}/reroll"), vec![("slot", "1")]),
    ] {
        let response = owner.post_form(&path, &fields, None).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let giveaways = service(&harness).list(small::GUILD, None, 0).await.unwrap();
    assert_eq!(giveaways.len(), 1);
    assert_eq!(giveaways[0].state, GiveawayState::Running);
}

//! The operator's story, key by key: open Settings, pick the guild, try a bad time zone (the
//! core's error, nothing written), then a good one (saved, in the history).

use ratatui::crossterm::event::KeyCode;

use super::*;

#[tokio::test]
async fn editing_the_timezone_goes_through_the_core_validation_and_history() {
    let mut harness = Harness::new(None).await;
    harness.add_guild(GUILD, "Tavern of Testing").await;
    harness.start().await;

    harness.key(KeyCode::Char('3')).await;
    assert!(harness.screen().contains("Tavern of Testing"));
    harness.key(KeyCode::Enter).await;
    assert!(harness.screen().contains("general.timezone"));

    // general.timezone is the first key; edit it to a zone that does not exist.
    harness.key(KeyCode::Char('e')).await;
    harness.keys("Mars/Olympus").await;
    harness.key(KeyCode::Enter).await;
    insta::assert_snapshot!("settings_edit_error", harness.screen());
    let config = &harness.services.config;
    assert_eq!(
        config.get_key(GUILD, "general.timezone").await.unwrap(),
        "UTC"
    );
    assert!(
        config.history(GUILD, None, 10).await.unwrap().is_empty(),
        "nothing written"
    );

    // The input is still open with the bad value; replace it.
    for _ in 0.."Mars/Olympus".len() {
        harness.key(KeyCode::Backspace).await;
    }
    harness.keys("Europe/Berlin").await;
    harness.key(KeyCode::Enter).await;
    let screen = harness.screen();
    assert!(
        screen.contains("saved general.timezone: UTC → Europe/Berlin (version 1)"),
        "{screen}"
    );
    let config = &harness.services.config;
    assert_eq!(
        config.get_key(GUILD, "general.timezone").await.unwrap(),
        "Europe/Berlin"
    );
    let history = config.history(GUILD, None, 10).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].actor, ACTOR);
    assert_eq!(history[0].new_value["timezone"], "Europe/Berlin");
    assert_eq!(history[0].old_value["timezone"], "UTC");

    // The console's history view shows the change.
    harness.key(KeyCode::Char('h')).await;
    insta::assert_snapshot!("settings_history", harness.screen());

    // And the audit log has the operator's action, as with `guildhall config set`.
    let audit = guildhall_core::audit::recent(&harness.services.db, Some(GUILD), 10)
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|entry| entry.action.as_str()).collect();
    assert_eq!(actions, ["config.set"]);
    assert_eq!(audit[0].actor, ACTOR);
}

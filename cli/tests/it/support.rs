//! Running the binary with a clean, explicit environment.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use guildhall_core::testing::{self, TestDb};

/// A `guildhall` process with nothing inherited from the caller's environment except what the
/// test sets: the database URL and a data directory.
pub fn process(database_url: &str, data_dir: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin!("guildhall"));
    command
        .env_clear()
        .env("USER", "tester")
        .env("GUILDHALL__DATABASE__URL", database_url)
        .env("GUILDHALL__DATA_DIR", data_dir)
        .env("GUILDHALL__JOBS__POLL_INTERVAL_MS", "100")
        // Tests run many instances at once: each web server takes any free port.
        .env("GUILDHALL__WEB__BIND", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .current_dir(data_dir);
    command
}

/// [`process`] as an assert_cmd command, for one-shot commands.
pub fn guildhall(database_url: &str, data_dir: &Path) -> Command {
    Command::from_std(process(database_url, data_dir))
}

/// A fresh, unmigrated database on each backend this run tests.
pub async fn databases() -> Vec<TestDb> {
    let mut all = vec![testing::sqlite_unmigrated().await];
    all.extend(testing::postgres_unmigrated().await);
    all
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Standard output parsed as JSON.
pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("stdout is not JSON ({error}): {}", stdout(output)))
}

# Guildhall's one task runner. CI (.ci/run) runs the same commands after preparing services.

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes.
default:
    @just --list

# Format every crate.
fmt:
    cargo fmt --all

# Lint as CI does: formatting, clippy with warnings denied, and the core's dependency rule.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    for forbidden in serenity poise axum ratatui crossterm maud; do \
        if cargo tree -p guildhall-core -e normal -i "$forbidden" 2>/dev/null | grep -q .; then \
            echo "guildhall-core depends on $forbidden"; exit 1; \
        fi; \
    done

# The README's test command: SQLite only; PostgreSQL and Redis suites say they were skipped.
test:
    cargo test --workspace

# Every suite, against the local PostgreSQL and Redis (CI=true: a missing service fails).
test-all:
    CI=true DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}" REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}" cargo test --workspace

# Only the PostgreSQL-backed suites' crates, with DATABASE_URL set.
test-pg:
    CI=true DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}" cargo test --workspace

# Benchmarks that print figures (PostgreSQL and Redis rows when their URLs are set).
bench:
    cargo bench -p guildhall-core --bench foundation
    cargo bench -p guildhall-core --bench guild_snapshot

# Run Guildhall with ./guildhall.toml (or the embedded defaults).
run *ARGS:
    cargo run -p guildhall -- serve --migrate {{ARGS}}

# The demo: the whole stack on a local demo directory.
demo:
    cargo run -p guildhall -- demo

# Everything CI runs, including service setup.
ci:
    .ci/run

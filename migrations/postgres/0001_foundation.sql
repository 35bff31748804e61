-- Foundation: guilds, per-guild settings with history, the job ledger, the operator audit log.
-- Snowflakes are BIGINT (u64 bit-cast to i64); times are BIGINT unix milliseconds (UTC);
-- structured values are JSON text validated by the application on read and write.
-- Keep this schema identical in shape to migrations/sqlite/0001_foundation.sql.

CREATE TABLE guilds (
    guild_id   BIGINT PRIMARY KEY NOT NULL,
    name       TEXT   NOT NULL DEFAULT '',
    owner_id   BIGINT,
    joined_at  BIGINT NOT NULL,
    left_at    BIGINT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE guild_settings (
    guild_id   BIGINT NOT NULL,
    section    TEXT   NOT NULL,
    version    BIGINT NOT NULL,
    value      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT   NOT NULL,
    PRIMARY KEY (guild_id, section)
);

CREATE TABLE guild_settings_history (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id   BIGINT NOT NULL,
    section    TEXT   NOT NULL,
    version    BIGINT NOT NULL,
    old_value  TEXT   NOT NULL,
    new_value  TEXT   NOT NULL,
    actor      TEXT   NOT NULL,
    changed_at BIGINT NOT NULL,
    note       TEXT,
    UNIQUE (guild_id, section, version)
);
CREATE INDEX guild_settings_history_guild ON guild_settings_history (guild_id, changed_at);

CREATE TABLE jobs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         TEXT   NOT NULL,
    guild_id     BIGINT,
    payload      TEXT   NOT NULL,
    dedupe_key   TEXT,
    state        TEXT   NOT NULL,
    due_at       BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    lease_owner  TEXT,
    lease_token  TEXT,
    lease_until  BIGINT,
    last_error   TEXT,
    lateness_ms  BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    started_at   BIGINT,
    finished_at  BIGINT
);
CREATE INDEX jobs_state_due ON jobs (state, due_at);
CREATE INDEX jobs_guild ON jobs (guild_id, state);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (kind, dedupe_key);

CREATE TABLE job_runs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt     BIGINT NOT NULL,
    worker      TEXT   NOT NULL,
    started_at  BIGINT NOT NULL,
    lateness_ms BIGINT NOT NULL,
    finished_at BIGINT,
    outcome     TEXT,
    error       TEXT
);
CREATE INDEX job_runs_job ON job_runs (job_id);

CREATE TABLE operator_audit (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       BIGINT NOT NULL,
    actor    TEXT   NOT NULL,
    action   TEXT   NOT NULL,
    guild_id BIGINT,
    target   TEXT,
    detail   TEXT   NOT NULL
);
CREATE INDEX operator_audit_at ON operator_audit (at);

-- Automation: scheduled messages and reminders. Times are BIGINT unix milliseconds (UTC); ids
-- are BIGINT snowflakes; booleans are BIGINT 0/1. Keep both backends' files identical apart
-- from the identity column.

-- A message posted on a cron schedule. `timezone` NULL follows the guild's `general.timezone`.
-- `message` is the post as JSON (text and an optional embed). `generation` grows on every
-- pause, resume and edit: the pending `automation.post` job carries the generation it was
-- scheduled under and `next_run_at`, and does nothing when either moved (a stale timer).
-- `job_id` is the pending job of the next run (NULL while paused).
CREATE TABLE scheduled_messages (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id      BIGINT NOT NULL,
    channel_id    BIGINT NOT NULL,
    name          TEXT   NOT NULL,
    cron          TEXT   NOT NULL,
    timezone      TEXT,
    message       TEXT   NOT NULL,
    paused        BIGINT NOT NULL,
    generation    BIGINT NOT NULL,
    next_run_at   BIGINT,
    job_id        BIGINT,
    runs          BIGINT NOT NULL,
    last_run_at   BIGINT,
    last_error    TEXT,
    last_error_at BIGINT,
    created_by    TEXT   NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX scheduled_messages_guild ON scheduled_messages (guild_id, id);

-- A member's reminder. `deliver` is 'channel' or 'dm'; `source_message_id` is the message it
-- was set from (linked in the delivery) when there is one. `state` is 'pending', 'delivered'
-- or 'cancelled'; `outcome` says how it was delivered ("in #general", "by DM: the channel is
-- gone", or why it could not be).
CREATE TABLE reminders (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id          BIGINT NOT NULL,
    channel_id        BIGINT NOT NULL,
    user_id           BIGINT NOT NULL,
    text              TEXT   NOT NULL,
    deliver           TEXT   NOT NULL,
    source_message_id BIGINT,
    due_at            BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    state             TEXT   NOT NULL,
    delivered_at      BIGINT,
    outcome           TEXT
);
CREATE INDEX reminders_member ON reminders (guild_id, user_id, state);

-- A run of an automation. `definition` is the flow (JSON) as it was when the run started, so
-- editing the flow never changes a run half-way. `step` is the next step to run (0-based);
-- `state` is 'running', 'waiting' (until `next_at`, an `automation.step` job), 'done',
-- 'stopped' (a check failed) or 'failed'. `log` is the run's history (JSON array).
CREATE TABLE automation_runs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    flow        TEXT   NOT NULL,
    definition  TEXT   NOT NULL,
    user_id     BIGINT,
    user_name   TEXT   NOT NULL,
    channel_id  BIGINT,
    step        BIGINT NOT NULL,
    state       TEXT   NOT NULL,
    next_at     BIGINT,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT,
    log         TEXT   NOT NULL
);
CREATE INDEX automation_runs_guild ON automation_runs (guild_id, id);
CREATE INDEX automation_runs_active ON automation_runs (guild_id, state);

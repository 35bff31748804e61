-- Moderation cases: every warn, timeout, kick, ban and their reversals, by a moderator or by
-- automation, numbered per guild. Warnings are cases of kind 'warn' with a severity and an
-- expiry computed from the guild's decay settings; expired or pardoned ones stay as history.
-- Times are BIGINT unix milliseconds (UTC); ids are BIGINT snowflakes. Keep both backends'
-- files identical apart from the identity column.

-- The last case number handed out per guild, bumped by an upsert in the transaction that
-- inserts the case, so concurrent moderators never get the same number.
CREATE TABLE moderation_counters (
    guild_id  BIGINT PRIMARY KEY NOT NULL,
    last_case BIGINT NOT NULL
);

CREATE TABLE moderation_cases (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id             BIGINT NOT NULL,
    number               BIGINT NOT NULL,
    kind                 TEXT   NOT NULL,
    target_id            BIGINT NOT NULL,
    moderator_id         BIGINT,
    actor                TEXT,
    reason               TEXT   NOT NULL,
    severity             TEXT,
    duration_secs        BIGINT,
    created_at           BIGINT NOT NULL,
    expires_at           BIGINT,
    pardoned_at          BIGINT,
    pardoned_by          BIGINT,
    mod_log_message_id   BIGINT,
    escalated_from       BIGINT REFERENCES moderation_cases (id),
    escalation_threshold BIGINT,
    lifts_case           BIGINT REFERENCES moderation_cases (id),
    reason_edited_by     BIGINT,
    reason_edited_at     BIGINT,
    UNIQUE (guild_id, number)
);
CREATE INDEX moderation_cases_target ON moderation_cases (guild_id, target_id, kind);
CREATE INDEX moderation_cases_escalated_from ON moderation_cases (escalated_from);
-- At most one case lifts a given case (the tempban follow-up's idempotency, kept by the schema).
CREATE UNIQUE INDEX moderation_cases_lifts ON moderation_cases (lifts_case);

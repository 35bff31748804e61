-- Logging: the stored log events the dashboard's viewer pages through, members' voice
-- sessions, and the names of a stored message's files (for delete logs). Times are BIGINT unix
-- milliseconds (UTC); ids are BIGINT snowflakes. Keep both backends' files identical apart from
-- the identity column.

-- One logged event. `summary` is its line in words with names as they were (a deleted role's
-- name is gone from Discord afterwards); `details` is the whole entry as JSON (fields, the
-- transcript's name). `user_id` is the member it is about, `actor_id` who did it
-- (`actor_guessed` 1 when that is the audit log's best guess). Paged by id, newest first, with
-- one index per filter, so the first and the last page of a million events cost the same.
CREATE TABLE log_events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id      BIGINT NOT NULL,
    at            BIGINT NOT NULL,
    kind          TEXT   NOT NULL,
    category      TEXT   NOT NULL,
    user_id       BIGINT,
    actor_id      BIGINT,
    actor_guessed BIGINT NOT NULL,
    channel_id    BIGINT,
    case_number   BIGINT,
    summary       TEXT   NOT NULL,
    details       TEXT   NOT NULL
);
CREATE INDEX log_events_guild ON log_events (guild_id, id);
CREATE INDEX log_events_kind ON log_events (guild_id, kind, id);
CREATE INDEX log_events_user ON log_events (guild_id, user_id, id);
CREATE INDEX log_events_actor ON log_events (guild_id, actor_id, id);
CREATE INDEX log_events_channel ON log_events (guild_id, channel_id, id);
CREATE INDEX log_events_at ON log_events (guild_id, at);

-- A member's time in voice, from joining to leaving (moves continue it). The seconds spent
-- muted, deafened (self or server) and alone are part of `seconds`; `counted_seconds` is what
-- counts for voice minutes (not alone, not AFK past the rule). `afk_action` is what the AFK rule
-- did, if anything.
CREATE TABLE voice_sessions (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id         BIGINT NOT NULL,
    user_id          BIGINT NOT NULL,
    channel_id       BIGINT NOT NULL,
    joined_at        BIGINT NOT NULL,
    left_at          BIGINT NOT NULL,
    seconds          BIGINT NOT NULL,
    muted_seconds    BIGINT NOT NULL,
    deafened_seconds BIGINT NOT NULL,
    alone_seconds    BIGINT NOT NULL,
    counted_seconds  BIGINT NOT NULL,
    afk_action       TEXT
);
CREATE INDEX voice_sessions_guild ON voice_sessions (guild_id, left_at);
CREATE INDEX voice_sessions_user ON voice_sessions (guild_id, user_id, left_at);

-- The file names of a stored message's attachments, as a JSON list (NULL for rows stored
-- before this migration).
ALTER TABLE recent_messages ADD COLUMN attachment_names TEXT;

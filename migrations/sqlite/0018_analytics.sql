-- Analytics: counters the bot adds up in memory and writes per hour, the members active each
-- day, and the daily figures the `analytics.aggregate` job rolls up from them (and from the
-- command analytics of 0002). Pages read only the daily tables. Hours and days are the unix
-- milliseconds (UTC) of their start; ids are BIGINT snowflakes; `channel_id` 0 is the whole
-- guild. The two backends' files are identical (no identity columns).

-- Hourly counters by channel and metric (`messages`, `voice_seconds` per channel; `joins`,
-- `leaves`, `automod_actions` on channel 0), added to by each flush. Kept 35 days.
CREATE TABLE activity_hourly (
    guild_id   BIGINT NOT NULL,
    hour       BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    metric     TEXT   NOT NULL,
    value      BIGINT NOT NULL,
    PRIMARY KEY (guild_id, hour, channel_id, metric)
);

-- Who was active (wrote or spoke) on a day, for distinct active members. Kept 95 days.
CREATE TABLE activity_members (
    guild_id BIGINT NOT NULL,
    day      BIGINT NOT NULL,
    user_id  BIGINT NOT NULL,
    PRIMARY KEY (guild_id, day, user_id)
);

-- The daily figures: each day recomputed whole from its hours by the job.
CREATE TABLE analytics_daily (
    guild_id   BIGINT NOT NULL,
    day        BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    metric     TEXT   NOT NULL,
    value      BIGINT NOT NULL,
    PRIMARY KEY (guild_id, day, channel_id, metric)
);

-- Each command's runs per day, from `command_invocations`: failures are runs that did not end
-- `ok`; the average latency is `latency_ms_total / runs`.
CREATE TABLE analytics_commands_daily (
    guild_id         BIGINT NOT NULL,
    day              BIGINT NOT NULL,
    command          TEXT   NOT NULL,
    runs             BIGINT NOT NULL,
    failures         BIGINT NOT NULL,
    latency_ms_total BIGINT NOT NULL,
    PRIMARY KEY (guild_id, day, command)
);

-- The guild model the bot keeps in memory, persisted so that a process without the bot (the
-- dashboard alone, the console, the CLI) knows guilds' roles, channels and members by name and
-- can check that an id belongs to a guild. Written by the bot, batched, off the message path;
-- `guild_snapshots.version` grows with every write, so readers reload only what changed.
-- Ids are BIGINT (snowflakes bit-cast), permissions BIGINT (bit-cast), a member's roles a JSON
-- list of role ids as strings (NULL when only the name is known).
CREATE TABLE guild_snapshots (
    guild_id   BIGINT NOT NULL PRIMARY KEY,
    version    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE guild_snapshot_roles (
    guild_id    BIGINT NOT NULL,
    role_id     BIGINT NOT NULL,
    name        TEXT   NOT NULL,
    position    BIGINT NOT NULL,
    permissions BIGINT NOT NULL,
    PRIMARY KEY (guild_id, role_id)
);

CREATE TABLE guild_snapshot_channels (
    guild_id   BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    name       TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    parent_id  BIGINT,
    PRIMARY KEY (guild_id, channel_id)
);

CREATE TABLE guild_snapshot_members (
    guild_id        BIGINT NOT NULL,
    user_id         BIGINT NOT NULL,
    name            TEXT,
    roles           TEXT,
    timed_out_until BIGINT,
    PRIMARY KEY (guild_id, user_id)
);

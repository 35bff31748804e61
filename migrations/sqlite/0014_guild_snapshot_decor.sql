-- What a dashboard's pickers and overview show beside names: roles' colour (0xRRGGBB, 0 for
-- none) and whether a bot or integration manages them (0/1), channels' position and
-- age restriction (0/1), the guild's icon hash and member count, and its custom emojis.
ALTER TABLE guild_snapshot_roles ADD COLUMN colour BIGINT NOT NULL DEFAULT 0;
ALTER TABLE guild_snapshot_roles ADD COLUMN managed BIGINT NOT NULL DEFAULT 0;

ALTER TABLE guild_snapshot_channels ADD COLUMN position BIGINT NOT NULL DEFAULT 0;
ALTER TABLE guild_snapshot_channels ADD COLUMN nsfw BIGINT NOT NULL DEFAULT 0;

ALTER TABLE guild_snapshots ADD COLUMN icon TEXT;
ALTER TABLE guild_snapshots ADD COLUMN member_count BIGINT;

CREATE TABLE guild_snapshot_emojis (
    guild_id BIGINT NOT NULL,
    emoji_id BIGINT NOT NULL,
    name     TEXT   NOT NULL,
    animated BIGINT NOT NULL,
    PRIMARY KEY (guild_id, emoji_id)
);

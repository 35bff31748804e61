-- Levels: each member's XP per guild, written in batches by the bot's write-behind buffer (never
-- on the message path), and by admins' changes and CSV imports.
-- Times are BIGINT unix milliseconds (UTC); ids are BIGINT snowflakes. Keep both backends'
-- files identical.

-- One member's XP in one guild. `level` is the level `xp` reached under the guild's curve when
-- the row was last written (the service recomputes it on read, so a changed curve shows at
-- once); `messages` counts messages that earned XP, `voice_seconds` eligible time in voice.
CREATE TABLE member_xp (
    guild_id      BIGINT NOT NULL,
    user_id       BIGINT NOT NULL,
    xp            BIGINT NOT NULL,
    level         INT    NOT NULL,
    messages      BIGINT NOT NULL,
    voice_seconds BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
-- The leaderboard's order (XP descending, ties by user id): pages and rank counts are index
-- range scans within the guild.
CREATE INDEX member_xp_rank ON member_xp (guild_id, xp DESC, user_id);

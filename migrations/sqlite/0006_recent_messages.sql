-- The per-guild, opt-in store of recent messages (`logging.store_recent_messages`): what automod
-- backtests replay, and what the logging feature will show for edited and deleted messages.
-- Written in batches by the bot's write-behind buffer, never on the message path; rows older
-- than the guild's `logging.recent_message_retention_days` are deleted by the daily retention job.
-- Times are BIGINT unix milliseconds (UTC); ids are BIGINT snowflakes. Keep both backends'
-- files identical.

-- One message. `author_role_ids` is a JSON list of role ids (as strings), the author's roles when
-- the message was sent (so exemptions replay as they were). An edit replaces `content` and sets
-- `edited_at`; a deletion keeps the row. `mentions_everyone` is Discord's flag, true only when
-- the author was allowed to ping @everyone. Flags are BIGINT 0/1: sqlx's Any driver cannot
-- read SQLite's BOOLEAN.
CREATE TABLE recent_messages (
    guild_id          BIGINT  NOT NULL,
    channel_id        BIGINT  NOT NULL,
    message_id        BIGINT  NOT NULL,
    author_id         BIGINT  NOT NULL,
    author_is_bot     BIGINT  NOT NULL,
    author_role_ids   TEXT    NOT NULL,
    content           TEXT    NOT NULL,
    attachment_count  BIGINT  NOT NULL,
    user_mentions     BIGINT  NOT NULL,
    role_mentions     BIGINT  NOT NULL,
    mentions_everyone BIGINT  NOT NULL,
    created_at        BIGINT  NOT NULL,
    edited_at         BIGINT,
    PRIMARY KEY (guild_id, message_id)
);
CREATE INDEX recent_messages_time ON recent_messages (guild_id, created_at);

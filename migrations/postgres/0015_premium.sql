-- Premium: the operator's grants (one per guild, replaced by a new grant, removed by a revoke;
-- history is in operator_audit), Discord's entitlements as the bot last saw them (from the
-- startup fetch, ENTITLEMENT_* events and interactions), and the webhooks the bot made to post
-- with a guild's custom name and avatar.
CREATE TABLE premium_grants (
    guild_id   BIGINT NOT NULL PRIMARY KEY,
    tier       TEXT   NOT NULL,
    expires_at BIGINT,
    granted_by TEXT   NOT NULL,
    granted_at BIGINT NOT NULL,
    note       TEXT   NOT NULL DEFAULT ''
);

CREATE TABLE premium_entitlements (
    entitlement_id BIGINT NOT NULL PRIMARY KEY,
    sku_id         BIGINT NOT NULL,
    guild_id       BIGINT,
    user_id        BIGINT,
    kind           BIGINT NOT NULL,
    starts_at      BIGINT,
    ends_at        BIGINT,
    deleted        BIGINT NOT NULL DEFAULT 0,
    seen_at        BIGINT NOT NULL
);
CREATE INDEX premium_entitlements_guild ON premium_entitlements (guild_id);

CREATE TABLE premium_webhooks (
    guild_id   BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    webhook_id BIGINT NOT NULL,
    token      TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
);

-- One row per change of a guild's grant or entitlements, so other processes without Redis
-- reload only the guilds that changed (polled by id, like the settings history).
CREATE TABLE premium_changes (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id BIGINT NOT NULL,
    at       BIGINT NOT NULL
);

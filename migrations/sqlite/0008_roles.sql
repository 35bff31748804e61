-- Role panels, their options, and timed roles.
-- Times are BIGINT unix milliseconds (UTC); ids are BIGINT snowflakes. Keep both backends'
-- files identical apart from the identity column.

-- A role panel: the message whose buttons or select menu give roles. `style` is 'buttons' or
-- 'select', `choice` 'single' or 'multiple'; `requirements` is the eligibility JSON ({} requires
-- nothing); roles taken from a panel with `timed_secs` are removed again after that long.
CREATE TABLE role_panels (
    id           INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    guild_id     BIGINT NOT NULL,
    channel_id   BIGINT NOT NULL,
    message_id   BIGINT,
    title        TEXT   NOT NULL,
    description  TEXT   NOT NULL,
    style        TEXT   NOT NULL,
    choice       TEXT   NOT NULL,
    requirements TEXT   NOT NULL,
    timed_secs   BIGINT,
    created_by   BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX role_panels_guild ON role_panels (guild_id);

-- A panel's roles in display order (an edit replaces them all).
CREATE TABLE role_panel_options (
    guild_id    BIGINT NOT NULL,
    panel_id    BIGINT NOT NULL REFERENCES role_panels (id),
    position    BIGINT NOT NULL,
    role_id     BIGINT NOT NULL,
    label       TEXT   NOT NULL,
    emoji       TEXT,
    description TEXT,
    PRIMARY KEY (panel_id, position),
    UNIQUE (panel_id, role_id)
);
CREATE INDEX role_panel_options_guild ON role_panel_options (guild_id, panel_id);

-- A role given until `expires_at`; the job `job_id` (kind `roles.expire`) removes it. `source`
-- is 'command' or 'panel'. `active_slot` is '<user>:<role>' while the role is held and NULL once
-- it ended (`removal`: 'expired', 'early' or 'replaced'): the unique index keeps one running
-- timer per member and role even when two grants race (NULLs never conflict, on both backends).
CREATE TABLE timed_roles (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    guild_id    BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    role_id     BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    source      TEXT   NOT NULL,
    panel_id    BIGINT,
    granted_by  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    active_slot TEXT,
    removed_at  BIGINT,
    removed_by  BIGINT,
    removal     TEXT,
    job_id      BIGINT,
    UNIQUE (guild_id, active_slot)
);
CREATE INDEX timed_roles_expiry ON timed_roles (guild_id, expires_at);
CREATE INDEX timed_roles_job ON timed_roles (guild_id, job_id);

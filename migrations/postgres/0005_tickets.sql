-- Support tickets: panels, tickets numbered per guild, and their transcripts.
-- Times are BIGINT unix milliseconds (UTC); ids are BIGINT snowflakes. Keep both backends'
-- files identical apart from the identity column.

-- The last ticket number handed out per guild, bumped by an upsert in the transaction that
-- inserts the ticket, so concurrent openers never get the same number.
CREATE TABLE ticket_counters (
    guild_id    BIGINT PRIMARY KEY NOT NULL,
    last_number BIGINT NOT NULL
);

-- A panel: the message with the button members press to open a ticket. `staff_role_ids` is a
-- JSON list of role ids (as strings); `mode` is 'thread' or 'channel' (then `category_id`).
CREATE TABLE ticket_panels (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id       BIGINT NOT NULL,
    channel_id     BIGINT NOT NULL,
    message_id     BIGINT,
    title          TEXT   NOT NULL,
    description    TEXT   NOT NULL,
    button_label   TEXT   NOT NULL,
    staff_role_ids TEXT   NOT NULL,
    mode           TEXT   NOT NULL,
    category_id    BIGINT,
    created_by     BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX ticket_panels_guild ON ticket_panels (guild_id);

-- A ticket. `open_slot` is '<panel>:<opener>' while the ticket is open and the guild allows one
-- open ticket per member per panel, NULL otherwise: the unique index keeps that rule even when
-- two clicks race (NULLs never conflict, on both backends).
-- `warned_activity_at` is the activity time the inactivity warning was sent for.
CREATE TABLE tickets (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id           BIGINT NOT NULL,
    panel_id           BIGINT NOT NULL REFERENCES ticket_panels (id),
    number             BIGINT NOT NULL,
    opener_id          BIGINT NOT NULL,
    channel_id         BIGINT,
    state              TEXT   NOT NULL,
    open_slot          TEXT,
    claimed_by         BIGINT,
    claimed_at         BIGINT,
    opened_at          BIGINT NOT NULL,
    closed_at          BIGINT,
    closed_by          BIGINT,
    close_reason       TEXT,
    last_activity_at   BIGINT NOT NULL,
    warned_activity_at BIGINT,
    UNIQUE (guild_id, number),
    UNIQUE (guild_id, open_slot)
);
CREATE INDEX tickets_channel ON tickets (guild_id, channel_id);
CREATE INDEX tickets_state ON tickets (guild_id, state);

-- The transcript: every message seen in a ticket's channel. An edit replaces the content (and
-- attachments, a JSON list of {name, url}) and keeps the time of the last edit; a deletion keeps
-- the row and records when.
CREATE TABLE ticket_messages (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id),
    message_id  BIGINT NOT NULL,
    author_id   BIGINT NOT NULL,
    author_name TEXT   NOT NULL,
    content     TEXT   NOT NULL,
    attachments TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    edited_at   BIGINT,
    deleted_at  BIGINT,
    UNIQUE (ticket_id, message_id)
);
CREATE INDEX ticket_messages_guild ON ticket_messages (guild_id, ticket_id, created_at);

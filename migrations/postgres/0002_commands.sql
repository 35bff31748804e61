-- Bot foundation: refused actions (guards) and command analytics.

CREATE TABLE guard_refusals (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    invoker_id  BIGINT NOT NULL,
    target_id   BIGINT,
    action      TEXT   NOT NULL,
    code        TEXT   NOT NULL,
    message     TEXT   NOT NULL
);
CREATE INDEX guard_refusals_guild ON guard_refusals (guild_id, at);

CREATE TABLE command_invocations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id   BIGINT,
    user_id    BIGINT NOT NULL,
    command    TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    at         BIGINT NOT NULL,
    latency_ms BIGINT NOT NULL,
    outcome    TEXT   NOT NULL,
    error      TEXT
);
CREATE INDEX command_invocations_guild ON command_invocations (guild_id, at);

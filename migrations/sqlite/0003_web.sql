-- Dashboard sessions: one row per login. The user's Discord OAuth2 access token stays here and
-- never reaches the browser; the session cookie (a signed JWT) carries only the user and this
-- row's id. Times are BIGINT unix milliseconds (UTC). Keep both backends' files identical.

CREATE TABLE web_sessions (
    session_id   TEXT   PRIMARY KEY NOT NULL,
    user_id      BIGINT NOT NULL,
    username     TEXT   NOT NULL,
    access_token TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);

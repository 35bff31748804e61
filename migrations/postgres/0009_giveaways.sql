-- Giveaways: the giveaway, its entries, its prize slots and its log.
-- Times are BIGINT unix milliseconds (UTC); ids are BIGINT snowflakes; counters are BIGINT.
-- Keep both backends' files identical apart from the identity column.

-- How many giveaways each guild has started. Starting one bumps this row first (an upsert),
-- which serializes concurrent starts in one guild, so `giveaways.max_active` holds under races.
CREATE TABLE giveaway_counters (
    guild_id BIGINT PRIMARY KEY NOT NULL,
    started  BIGINT NOT NULL
);

-- A giveaway. `state` is 'running' (entries open), 'drawing' (entries closed, winners being
-- drawn), 'ended' or 'cancelled'. `seed` (64 hex characters) is the secret of the provably fair
-- draw: while the giveaway runs only `seed_hash` (its SHA-256) is shown, and the seed is revealed
-- once the state is 'ended' or 'cancelled'. `entrants_hash` commits to the entrant list at the
-- draw. `end_key` names the `giveaways.end` job (`end_job_id`), which is scheduled before this
-- row is written, so a giveaway never exists without its timer. `draw_steps` counts draws and
-- rerolls (each reroll is written only if it saw every earlier one); `rerolls_used` counts
-- automatic rerolls against `max_rerolls`.
-- `claim_window_secs` and `max_rerolls` are the guild's settings when the giveaway started.
CREATE TABLE giveaways (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id          BIGINT NOT NULL,
    channel_id        BIGINT NOT NULL,
    message_id        BIGINT,
    prize             TEXT   NOT NULL,
    winners           BIGINT NOT NULL,
    requirements      TEXT   NOT NULL,
    state             TEXT   NOT NULL,
    seed_hash         TEXT   NOT NULL,
    seed              TEXT   NOT NULL,
    entrants_hash     TEXT,
    end_key           TEXT   NOT NULL,
    end_job_id        BIGINT NOT NULL,
    created_by        BIGINT,
    created_at        BIGINT NOT NULL,
    ends_at           BIGINT NOT NULL,
    ended_at          BIGINT,
    draw_steps        BIGINT NOT NULL,
    rerolls_used      BIGINT NOT NULL,
    max_rerolls       BIGINT NOT NULL,
    claim_window_secs BIGINT NOT NULL,
    UNIQUE (end_key)
);
CREATE INDEX giveaways_guild_state ON giveaways (guild_id, state);

-- The entrant counter of a giveaway, in 16 shards (a member counts in shard `user_id % 16`) so
-- that entries to one giveaway do not queue for one row's lock. Every entry and leave updates its
-- shard `WHERE open = 1` as its last write; closing the entries sets `open` to 0 on every shard
-- first, which waits for the entries in flight and refuses the later ones.
CREATE TABLE giveaway_counts (
    giveaway_id BIGINT NOT NULL REFERENCES giveaways (id),
    guild_id    BIGINT NOT NULL,
    shard       BIGINT NOT NULL,
    entrants    BIGINT NOT NULL,
    open        BIGINT NOT NULL,
    PRIMARY KEY (giveaway_id, shard)
);

-- One row per member who entered. The primary key makes a second entry impossible, also when
-- clicks race; leaving sets `left_at`, entering again clears it.
CREATE TABLE giveaway_entries (
    giveaway_id BIGINT NOT NULL REFERENCES giveaways (id),
    guild_id    BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    entered_at  BIGINT NOT NULL,
    left_at     BIGINT,
    PRIMARY KEY (giveaway_id, user_id)
);

-- A prize slot (1 to `winners`) and its current winner. `attempt` is 0 for the first draw and
-- grows with each reroll; `state` is 'pending' (waiting for the claim until `claim_deadline`),
-- 'claimed', 'expired' (the window passed; the reroll follows) or 'unclaimed' (no reroll left or
-- nobody left to draw). `announced_at` is set once the slot's current state was announced.
CREATE TABLE giveaway_slots (
    giveaway_id    BIGINT NOT NULL REFERENCES giveaways (id),
    guild_id       BIGINT NOT NULL,
    slot           BIGINT NOT NULL,
    attempt        BIGINT NOT NULL,
    winner_id      BIGINT,
    drawn_at       BIGINT NOT NULL,
    claim_deadline BIGINT,
    claimed_at     BIGINT,
    state          TEXT   NOT NULL,
    announced_at   BIGINT,
    PRIMARY KEY (giveaway_id, slot)
);

-- The log: 'start', 'entry', 'leave', 'draw', 'claim', 'claim_refused', 'failed_claim',
-- 'reroll', 'unclaimed', 'end_requested' (a manager ended it early), 'end' and 'cancel'.
-- `actor_kind` is 'member' (`actor_id`), 'operator' or 'system' (a timer); `user_id` is the
-- member concerned; `detail` is JSON (for draws and rerolls: the step, the attempt, the
-- disqualified candidates with their reasons, the winner).
CREATE TABLE giveaway_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    giveaway_id BIGINT NOT NULL REFERENCES giveaways (id),
    guild_id    BIGINT NOT NULL,
    kind        TEXT   NOT NULL,
    actor_kind  TEXT   NOT NULL,
    actor_id    BIGINT,
    user_id     BIGINT,
    slot        BIGINT,
    detail      TEXT   NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX giveaway_events_giveaway ON giveaway_events (guild_id, giveaway_id, id);

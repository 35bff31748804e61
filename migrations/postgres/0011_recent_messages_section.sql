-- The opt-in store of recent messages was the `logging` settings section; `logging` belongs to
-- the logging feature (event logs), so the store's section is now `recent_messages`. Its keys
-- keep their names (`recent_messages.store_recent_messages`, ...). Stored values, their
-- history and pending scheduled changes follow.
UPDATE guild_settings SET section = 'recent_messages' WHERE section = 'logging';
UPDATE guild_settings_history SET section = 'recent_messages' WHERE section = 'logging';
UPDATE jobs SET payload = REPLACE(payload, '"key":"logging.', '"key":"recent_messages.')
WHERE kind = 'guild_config.apply' AND state IN ('pending', 'running', 'dead');

-- Job kinds follow their feature's name: the daily retention job of the recent-message store
-- (which also prunes ticket transcripts) was `retention.daily`. Rows already stored keep running
-- under the new kind; its dedupe key (`daily`) is unchanged, so the job is not scheduled twice.
UPDATE jobs SET kind = 'recent_messages.retention' WHERE kind = 'retention.daily';

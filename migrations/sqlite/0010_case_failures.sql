-- A case whose action Discord refused or could not carry out keeps its number (it may have been
-- named already) but says so: Discord's error in words. It never counts as an applied ladder
-- step or as a ban decision, and gets no mod-log post.
ALTER TABLE moderation_cases ADD COLUMN failed_reason TEXT;

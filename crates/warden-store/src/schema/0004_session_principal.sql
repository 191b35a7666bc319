-- The unique id (AROA... / AIDA...) of the role or user a session acts as: a session is bound to
-- that entity, not to its name, so deleting it (or recreating one of the same name) ends the
-- session. NULL for sessions stored before this column existed, which the server refuses.
ALTER TABLE sts_sessions ADD COLUMN principal_id TEXT

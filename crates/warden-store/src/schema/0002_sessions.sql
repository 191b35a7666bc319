-- STS temporary credentials (AssumeRole, GetSessionToken), shared by every process of the store.
-- The secret is kept: the server verifies each request's signature with it. arn is the
-- assumed-role ARN, or the user's ARN for GetSessionToken. role_arn is NULL for GetSessionToken
-- and user_name is set only for it. tags is a JSON array of {"Key","Value"} objects and
-- transitive_tag_keys a JSON array of strings (both `[]` when empty). issued and expires are unix
-- seconds. Writing a session does not bump warden_generation (no cache depends on sessions).
CREATE TABLE sts_sessions (
    access_key_id TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    token TEXT NOT NULL,
    arn TEXT NOT NULL,
    role_arn TEXT,
    user_name TEXT,
    policy TEXT,
    tags TEXT NOT NULL,
    transitive_tag_keys TEXT NOT NULL,
    source_identity TEXT,
    issued BIGINT NOT NULL,
    expires BIGINT NOT NULL
);
CREATE INDEX sts_sessions_by_expiry ON sts_sessions (expires)

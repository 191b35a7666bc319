-- The account: what IAM keeps. Written once for SQLite and PostgreSQL (TEXT and BIGINT only).
-- Names are unique regardless of case (`name_key` is the lowercase name) and shown as given.
CREATE TABLE warden_generation (id BIGINT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO warden_generation (id, value) VALUES (1, 0);
CREATE TABLE warden_account (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE iam_users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    create_date TEXT NOT NULL,
    boundary TEXT
);
CREATE TABLE iam_groups (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    create_date TEXT NOT NULL
);
CREATE TABLE iam_group_members (
    group_id TEXT NOT NULL REFERENCES iam_groups (id),
    user_id TEXT NOT NULL REFERENCES iam_users (id),
    PRIMARY KEY (group_id, user_id)
);
CREATE TABLE iam_roles (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    create_date TEXT NOT NULL,
    trust_policy TEXT NOT NULL,
    description TEXT,
    max_session_duration BIGINT NOT NULL,
    boundary TEXT,
    service_name TEXT
);
CREATE TABLE iam_instance_profiles (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    create_date TEXT NOT NULL,
    role_id TEXT REFERENCES iam_roles (id)
);
CREATE TABLE iam_policies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE,
    description TEXT,
    create_date TEXT NOT NULL,
    update_date TEXT NOT NULL,
    default_version TEXT NOT NULL,
    next_version BIGINT NOT NULL
);
CREATE TABLE iam_policy_versions (
    policy_id TEXT NOT NULL REFERENCES iam_policies (id),
    version_id TEXT NOT NULL,
    document TEXT NOT NULL,
    create_date TEXT NOT NULL,
    PRIMARY KEY (policy_id, version_id)
);
-- Managed policy attachments: entity_kind is user, group or role, and policy_arn names a customer
-- managed policy (iam_policies.arn) or an AWS managed one (arn:aws:iam::aws:policy/...).
CREATE TABLE iam_attachments (
    entity_kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    policy_arn TEXT NOT NULL,
    PRIMARY KEY (entity_kind, entity_id, policy_arn)
);
CREATE INDEX iam_attachments_by_policy ON iam_attachments (policy_arn);
CREATE TABLE iam_inline_policies (
    entity_kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (entity_kind, entity_id, name_key)
);
CREATE TABLE iam_access_keys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES iam_users (id),
    secret TEXT NOT NULL,
    status TEXT NOT NULL,
    create_date TEXT NOT NULL
);
CREATE INDEX iam_access_keys_by_user ON iam_access_keys (user_id);
-- Tags of users, roles, policies and instance profiles, keys unique regardless of case.
CREATE TABLE iam_tags (
    entity_kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    key TEXT NOT NULL,
    key_lower TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (entity_kind, entity_id, key_lower)
)

-- When a role was last used (assumed) and in which region: GetRole's RoleLastUsed.
ALTER TABLE iam_roles ADD COLUMN last_used_date TEXT;
ALTER TABLE iam_roles ADD COLUMN last_used_region TEXT

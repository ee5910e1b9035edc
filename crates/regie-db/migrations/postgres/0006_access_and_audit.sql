-- Access rights: groups of users, roles granted per collection (inherited down the tree) to a
-- user or a group, the owner of each asset; browser sessions; the hash-chained audit trail.
ALTER TABLE assets ADD COLUMN owner_id TEXT REFERENCES users (id);
CREATE INDEX assets_by_owner ON assets (owner_id, id);

CREATE TABLE user_groups (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES user_groups (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id);

-- A grant gives `role` on `collection` ('*' is every collection) and everything below it, to
-- exactly one user or one group.
CREATE TABLE grants (
    id TEXT PRIMARY KEY,
    collection TEXT NOT NULL,
    user_id TEXT REFERENCES users (id),
    group_id TEXT REFERENCES user_groups (id),
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX grants_once ON grants (collection, COALESCE(user_id, ''), COALESCE(group_id, ''));

-- Browser sessions: only the digest of the cookie is stored; the CSRF token is sent back in a
-- header on every mutation.
CREATE TABLE sessions (
    id_sha256 TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- Append-only: each entry carries the hash of the one before it, so an altered, removed or
-- inserted entry breaks the chain at that point.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    asset_id TEXT,
    address TEXT,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_by_actor ON audit_log (actor, seq);
CREATE INDEX audit_by_asset ON audit_log (asset_id, seq);

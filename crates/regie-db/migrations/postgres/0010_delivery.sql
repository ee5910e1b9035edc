-- Delivery: where files go (destinations), what was sent and how it ended (deliveries, with
-- their receipts), and the contracts that say where and when an asset may go (rights).
CREATE TABLE destinations (
    name TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    -- JSON: territories, platforms, sidecar form, file-name template, credential references,
    -- pinned host key, bandwidth limit, policy.
    settings TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL REFERENCES assets(id),
    destination TEXT NOT NULL,
    profile TEXT,
    -- queued, running, delivered, failed, refused
    state TEXT NOT NULL,
    -- JSON receipt: [{name, path, size, md5, cksum, verified, resumed_from}]
    files TEXT NOT NULL,
    error TEXT,
    error_code TEXT,
    deadline TEXT,
    -- set when the delivery cannot make its deadline, in words (flagged when asked for)
    deadline_note TEXT,
    job_id TEXT,
    requested_by TEXT,
    -- the contract that allowed it, for the run count
    contract_id TEXT,
    -- a workflow rule's action that asked for it: the same action of the same event delivers once
    trigger_key TEXT UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX deliveries_by_asset ON deliveries (asset_id, created_at);
CREATE INDEX deliveries_by_state ON deliveries (state, created_at);

CREATE TABLE contracts (
    id TEXT PRIMARY KEY,
    -- one of asset_id and series is set
    asset_id TEXT REFERENCES assets(id),
    series TEXT,
    holder TEXT NOT NULL,
    territories TEXT NOT NULL,
    platforms TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    exclusive BIGINT NOT NULL,
    max_runs BIGINT,
    runs BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX contracts_by_asset ON contracts (asset_id);
CREATE INDEX contracts_by_series ON contracts (series);
CREATE INDEX contracts_by_end ON contracts (ends_on);

-- Where and how a partner account's downloads are used: checked against the rights like a
-- destination's territory and platform.
CREATE TABLE partner_territories (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    territory TEXT NOT NULL,
    platform TEXT NOT NULL
);

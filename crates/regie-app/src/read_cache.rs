//! A read cache for the server's hot path (token, grants, asset access, asset record), valid
//! while the catalogue's data version stays the same: any commit, by this process or another
//! (`regie worker`, the CLI), empties it at the next request. It is off until the first
//! `refresh_read_cache`, so the CLI never uses it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use regie_core::AssetId;
use regie_core::access::Grant;
use regie_db::{AssetRecord, AssetSummary};

use crate::Caller;

/// Entries of each kind kept at most; past it the cache starts over.
const MAX_ENTRIES: usize = 50_000;

#[derive(Debug, Default)]
pub(crate) struct ReadCache {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    version: Option<i64>,
    /// Token digest to its caller and expiry (`None`: no live token has this digest).
    tokens: HashMap<String, Option<(Caller, Option<String>)>>,
    grants: HashMap<String, Vec<Grant>>,
    /// Asset reference to (id, collection, owner id).
    access: HashMap<String, (AssetId, String, Option<String>)>,
    /// An asset record, with its server paths (for administrators) or without.
    records: HashMap<(AssetId, bool), Arc<AssetRecord>>,
    /// A listing page by its query (visibility, filters, cursor, size).
    pages: HashMap<String, Arc<Vec<AssetSummary>>>,
}

impl Inner {
    fn clear(&mut self) {
        self.tokens.clear();
        self.grants.clear();
        self.access.clear();
        self.records.clear();
        self.pages.clear();
    }
}

impl ReadCache {
    /// Empties the cache when the data version moved.
    pub fn validate(&self, version: i64) {
        let mut inner = self.inner.lock().expect("read cache");
        if inner.version != Some(version) {
            inner.clear();
            inner.version = Some(version);
        }
    }

    pub fn token(&self, digest: &str) -> Option<Option<(Caller, Option<String>)>> {
        let inner = self.inner.lock().expect("read cache");
        inner.version?;
        inner.tokens.get(digest).cloned()
    }

    pub fn keep_token(&self, seen: Option<i64>, digest: &str, entry: Option<(Caller, Option<String>)>) {
        self.keep(seen, |inner| bounded(&mut inner.tokens).insert(digest.to_owned(), entry));
    }

    pub fn grants(&self, user_id: &str) -> Option<Vec<Grant>> {
        let inner = self.inner.lock().expect("read cache");
        inner.version?;
        inner.grants.get(user_id).cloned()
    }

    pub fn keep_grants(&self, seen: Option<i64>, user_id: &str, grants: Vec<Grant>) {
        self.keep(seen, |inner| bounded(&mut inner.grants).insert(user_id.to_owned(), grants));
    }

    pub fn access(&self, reference: &str) -> Option<(AssetId, String, Option<String>)> {
        let inner = self.inner.lock().expect("read cache");
        inner.version?;
        inner.access.get(reference).cloned()
    }

    pub fn keep_access(&self, seen: Option<i64>, reference: &str, access: (AssetId, String, Option<String>)) {
        self.keep(seen, |inner| bounded(&mut inner.access).insert(reference.to_owned(), access));
    }

    pub fn record(&self, asset_id: AssetId, with_paths: bool) -> Option<Arc<AssetRecord>> {
        let inner = self.inner.lock().expect("read cache");
        inner.version?;
        inner.records.get(&(asset_id, with_paths)).cloned()
    }

    pub fn keep_record(&self, seen: Option<i64>, record: Arc<AssetRecord>, with_paths: bool) {
        self.keep(seen, |inner| bounded(&mut inner.records).insert((record.id, with_paths), record));
    }

    pub fn page(&self, key: &str) -> Option<Arc<Vec<AssetSummary>>> {
        let inner = self.inner.lock().expect("read cache");
        inner.version?;
        inner.pages.get(key).cloned()
    }

    pub fn keep_page(&self, seen: Option<i64>, key: String, page: Arc<Vec<AssetSummary>>) {
        self.keep(seen, |inner| bounded(&mut inner.pages).insert(key, page));
    }

    /// The version the cache holds now: read it before reading the database, and hand it to
    /// `keep_*`, so a value read before a commit is never kept after it.
    pub fn version(&self) -> Option<i64> {
        self.inner.lock().expect("read cache").version
    }

    fn keep<T>(&self, seen: Option<i64>, insert: impl FnOnce(&mut Inner) -> T) {
        let mut inner = self.inner.lock().expect("read cache");
        if seen.is_some() && inner.version == seen {
            insert(&mut inner);
        }
    }
}

fn bounded<K, V>(map: &mut HashMap<K, V>) -> &mut HashMap<K, V> {
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map
}

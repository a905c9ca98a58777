//! The relay miner's embedded store: one redb file for the whole process (spec/adr/0012).
//!
//! - `sessions`: `{session_id}/{supplier}` → a [`SessionRecord`] (JSON): the session header, the
//!   difficulty target and weight policy the tree was built with, and how far its claim and proof
//!   have gone.
//! - `relays`: `{session_id}/{supplier}/` ‖ sequence number (8 bytes, big-endian) → the mined
//!   relay's leaf bytes (`pokt_mining::Leaf`: the encoded relay, response payload cleared unless
//!   the policy keeps it; offered again they rebuild the same tree). The sequence grows through the process's life and across restarts, so each
//!   session's relays are appended at the end of its range: a commit copies and writes only the
//!   last page of each session it touches, not one page per relay as random keys (the relay hash)
//!   would. [RM-STORE-5]
//!
//! Every mined relay is committed before its signed answer leaves [RM-STORE-1]: commits are
//! grouped (a writer thread takes every relay waiting and commits them in one transaction), each
//! commit reaches the file with `write(2)` — so it survives the process being killed at any moment
//! — and the file is made durable (`fsync`) every `sync_interval` (0: at every commit), which
//! bounds what a power loss can take [RM-STORE-2]. On start, [`Store::load`] gives back every
//! session not yet pruned with its relays, from which the trees are rebuilt [RM-STORE-3].

use std::fs::{File, OpenOptions};
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pokt_relay::llm::TokenPricing;
use redb::backends::FileBackend;
use redb::{
    BackendError, Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, StorageBackend,
    TableDefinition,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

type BackendIoError = std::io::Error;

const SESSIONS: TableDefinition<'_, &[u8], &[u8]> = TableDefinition::new("sessions");
const RELAYS: TableDefinition<'_, &[u8], &[u8]> = TableDefinition::new("relays");

/// A store failure.
#[derive(Clone, Debug, thiserror::Error)]
#[error("store: {0}")]
pub struct StoreError(pub String);

fn se(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

/// How a session tree weighs its relays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyRecord {
    /// Fixed compute units per relay.
    Fixed(u64),
    /// Token-metered (LLM extension).
    Metered(TokenPricing),
}

/// Where a (session, supplier) stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Serving relays or waiting for the claim window.
    #[default]
    Open,
    /// The claim is on chain.
    Claimed,
    /// Proven, or no proof required: waiting for settlement.
    Done,
}

/// What the store keeps of one (session, supplier).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Application address.
    pub application: String,
    /// Service id.
    pub service: String,
    /// Session id.
    pub session_id: String,
    /// Session start height.
    pub start: i64,
    /// Session end height.
    pub end: i64,
    /// The supplier operator.
    pub supplier: String,
    /// The difficulty target at the session start (hex).
    pub target: String,
    /// The weight policy.
    pub policy: PolicyRecord,
    /// Claim and proof progress.
    pub stage: Stage,
    /// Compute units served to this (session, supplier) so far — every relay answered 2xx,
    /// mined or not — so that the over-servicing meter survives a restart. Only ever grows in
    /// the store (the larger of the stored and the written value is kept). Absent in stores
    /// written before it existed (0: the meter falls back to the mined units). [RM-METER-2]
    #[serde(default)]
    pub served_cu: u64,
}

impl SessionRecord {
    /// The store key `{session_id}/{supplier}`.
    pub fn key(&self) -> Vec<u8> {
        session_key(&self.session_id, &self.supplier)
    }
}

/// The store key of a (session, supplier).
pub fn session_key(session_id: &str, supplier: &str) -> Vec<u8> {
    format!("{session_id}/{supplier}").into_bytes()
}

/// A session as loaded on start: its record and its mined relays (encoded).
#[derive(Clone, Debug)]
pub struct LoadedSession {
    /// The record.
    pub record: SessionRecord,
    /// The mined relays' bytes.
    pub relays: Vec<Vec<u8>>,
}

enum Op {
    /// A mined relay and its session's record (for the served units, and the record itself
    /// when none is stored yet).
    Relay {
        record: Box<SessionRecord>,
        key: Vec<u8>,
        relay_key: Vec<u8>,
        relay: Vec<u8>,
    },
    /// A session's record, replacing the stored one (served units merged as a maximum).
    Record {
        key: Vec<u8>,
        record: Box<SessionRecord>,
    },
    /// The served units of a relay not mined (merged as a maximum).
    Served {
        key: Vec<u8>,
        record: Box<SessionRecord>,
    },
    Remove {
        key: Vec<u8>,
    },
    Sync,
}

struct Job {
    op: Op,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// The redb file behind a backend whose `sync_data` is deferred to the store's sync thread
/// (0 interval: synced at every commit). Writes still reach the file at every commit.
#[derive(Debug)]
struct DeferredSync {
    inner: FileBackend,
    file: File,
    every_commit: bool,
    dirty: Arc<AtomicBool>,
}

impl StorageBackend for DeferredSync {
    fn len(&self) -> Result<u64, BackendIoError> {
        self.inner.len()
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), BackendIoError> {
        self.inner.read(offset, out)
    }
    fn set_len(&self, len: u64) -> Result<(), BackendIoError> {
        self.dirty.store(true, Ordering::Release);
        self.inner.set_len(len)
    }
    fn sync_data(&self) -> Result<(), BackendIoError> {
        if self.every_commit {
            self.inner.sync_data()
        } else {
            Ok(())
        }
    }
    fn write(&self, offset: u64, data: &[u8]) -> Result<(), BackendIoError> {
        self.dirty.store(true, Ordering::Release);
        self.inner.write(offset, data)
    }
    fn close(&self) -> Result<(), BackendIoError> {
        let _ = self.file.sync_all();
        self.inner.close()
    }
    fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.inner.try_lock_range(start, end)
    }
    fn try_lock_shared_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, BackendError> {
        self.inner.try_lock_shared_range(start, end)
    }
    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.inner.lock_range(start, end)
    }
    fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.inner.lock_shared_range(start, end)
    }
    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.inner.unlock_range(start, end)
    }
    fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.inner.query_lock_range(start, end)
    }
}

/// How the store commits and syncs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreOptions {
    /// How often the file is made durable (`fsync`); zero: at every commit. [RM-STORE-2]
    pub sync_interval: Duration,
    /// How long the writer may hold a commit open for more relays while they keep arriving
    /// (group commit); zero: commit whatever is waiting at once. Only when more than one relay
    /// is being written: a lone relay is committed at once. [RM-STORE-5]
    pub commit_delay: Duration,
}

impl StoreOptions {
    /// The default commit delay, 1 ms: well below an inference's latency, and enough at
    /// thousands of relays per second to share each commit among several relays.
    pub const DEFAULT_COMMIT_DELAY: Duration = Duration::from_millis(1);
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            sync_interval: Duration::from_millis(100),
            commit_delay: Self::DEFAULT_COMMIT_DELAY,
        }
    }
}

/// The store: a handle to the writer thread and the database.
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
    tx: mpsc::Sender<Job>,
    file: Arc<File>,
    dirty: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    commits: Arc<AtomicU64>,
    /// The next relay's sequence number (above every stored one).
    seq: Arc<AtomicU64>,
    path: std::path::PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (or creates) the store at `path` with the default commit delay
    /// ([`StoreOptions::DEFAULT_COMMIT_DELAY`]); see [`Store::open_with`].
    pub fn open(path: &Path, sync_interval: Duration) -> Result<Self, StoreError> {
        Self::open_with(
            path,
            StoreOptions {
                sync_interval,
                ..StoreOptions::default()
            },
        )
    }

    /// Opens (or creates) the store at `path`; another process holding it is refused. Starts the
    /// writer thread and, for a positive `sync_interval`, the sync thread.
    pub fn open_with(path: &Path, options: StoreOptions) -> Result<Self, StoreError> {
        let StoreOptions {
            sync_interval,
            commit_delay,
        } = options;
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(se)?;
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| StoreError(format!("{}: {e}", path.display())))?;
        let sync_file = Arc::new(file.try_clone().map_err(se)?);
        let dirty = Arc::new(AtomicBool::new(false));
        let backend = DeferredSync {
            inner: FileBackend::new(file).map_err(se)?,
            file: sync_file.try_clone().map_err(se)?,
            every_commit: sync_interval.is_zero(),
            dirty: dirty.clone(),
        };
        // A store closed in this process a moment ago may still be held by its writer thread
        // for a few milliseconds: wait (≤ 2 s) for it, never for another process.
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        let mut backend = Some(backend);
        let db = loop {
            let Some(b) = backend.take() else {
                return Err(StoreError("backend".into()));
            };
            let probe = DeferredSync {
                inner: FileBackend::new(b.file.try_clone().map_err(se)?).map_err(se)?,
                file: b.file.try_clone().map_err(se)?,
                every_commit: b.every_commit,
                dirty: b.dirty.clone(),
            };
            match redb::Builder::new().create_with_backend(b) {
                Ok(db) => break db,
                Err(redb::DatabaseError::DatabaseAlreadyOpen)
                    if std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(20));
                    backend = Some(probe);
                }
                Err(e) => return Err(StoreError(format!("{}: {e}", path.display()))),
            }
        };
        let w = db.begin_write().map_err(se)?;
        {
            w.open_table(SESSIONS).map_err(se)?;
            w.open_table(RELAYS).map_err(se)?;
        }
        w.commit().map_err(se)?;
        let seq = Arc::new(AtomicU64::new(next_sequence(&db)?));
        let db = Arc::new(db);
        let (tx, rx) = mpsc::channel::<Job>(8192);
        let stop = Arc::new(AtomicBool::new(false));
        let commits = Arc::new(AtomicU64::new(0));
        {
            let db = db.clone();
            let commits = commits.clone();
            let file = sync_file.clone();
            let dirty = dirty.clone();
            std::thread::Builder::new()
                .name("relayminer-store".into())
                .spawn(move || writer(&db, rx, &commits, &file, &dirty, commit_delay))
                .map_err(se)?;
        }
        if !sync_interval.is_zero() {
            let file = sync_file.clone();
            let dirty = dirty.clone();
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("relayminer-sync".into())
                .spawn(move || {
                    while !stop.load(Ordering::Acquire) {
                        std::thread::sleep(sync_interval);
                        if dirty.swap(false, Ordering::AcqRel) && file.sync_data().is_err() {
                            tracing::error!("store: fsync failed");
                            dirty.store(true, Ordering::Release);
                        }
                    }
                })
                .map_err(se)?;
        }
        Ok(Self {
            db,
            tx,
            file: sync_file,
            dirty,
            stop,
            commits,
            seq,
            path: path.to_path_buf(),
        })
    }

    async fn run(&self, op: Op) -> Result<(), StoreError> {
        let (done, rx) = oneshot::channel();
        self.tx
            .send(Job { op, done })
            .await
            .map_err(|_| StoreError("writer stopped".into()))?;
        rx.await.map_err(|_| StoreError("writer stopped".into()))?
    }

    /// Writes a mined relay and the session's served compute units (with the record if it has
    /// none yet); returns once the commit holding it has reached the file. The caller writes a
    /// relay once (the session tree refuses duplicates). [RM-STORE-1] [RM-METER-2]
    pub async fn put_relay(
        &self,
        record: &SessionRecord,
        relay: Vec<u8>,
    ) -> Result<(), StoreError> {
        let key = record.key();
        let mut relay_key = Vec::with_capacity(key.len() + 9);
        relay_key.extend_from_slice(&key);
        relay_key.push(b'/');
        relay_key.extend_from_slice(&self.seq.fetch_add(1, Ordering::Relaxed).to_be_bytes());
        self.run(Op::Relay {
            record: Box::new(record.clone()),
            key,
            relay_key,
            relay,
        })
        .await
    }

    /// Writes the served compute units of a relay that was served but not mined (with the
    /// session's record if it has none yet; the stored stage is kept). [RM-METER-2]
    pub async fn put_served(&self, record: &SessionRecord) -> Result<(), StoreError> {
        self.run(Op::Served {
            key: record.key(),
            record: Box::new(record.clone()),
        })
        .await
    }

    /// Writes (replaces) a session's record, keeping the larger served compute units.
    pub async fn set_record(&self, record: &SessionRecord) -> Result<(), StoreError> {
        self.run(Op::Record {
            key: record.key(),
            record: Box::new(record.clone()),
        })
        .await
    }

    /// Removes a session's record and its relays (pruning). [RM-STORE-4]
    pub async fn remove(&self, record: &SessionRecord) -> Result<(), StoreError> {
        self.run(Op::Remove { key: record.key() }).await
    }

    /// Makes everything committed so far durable (fsync) now.
    pub async fn sync(&self) -> Result<(), StoreError> {
        self.run(Op::Sync).await
    }

    /// Every stored session with its relays.
    pub fn load(&self) -> Result<Vec<LoadedSession>, StoreError> {
        let r = self.db.begin_read().map_err(se)?;
        let sessions = r.open_table(SESSIONS).map_err(se)?;
        let relays = r.open_table(RELAYS).map_err(se)?;
        let mut out = Vec::new();
        for item in sessions.iter().map_err(se)? {
            let (k, v) = item.map_err(se)?;
            let record: SessionRecord = serde_json::from_slice(v.value()).map_err(se)?;
            let mut prefix = k.value().to_vec();
            prefix.push(b'/');
            let mut end = prefix.clone();
            if let Some(last) = end.last_mut() {
                *last = b'/' + 1;
            }
            let mut rs = Vec::new();
            for item in relays
                .range::<&[u8]>(prefix.as_slice()..end.as_slice())
                .map_err(se)?
            {
                let (_, v) = item.map_err(se)?;
                rs.push(v.value().to_vec());
            }
            out.push(LoadedSession { record, relays: rs });
        }
        Ok(out)
    }

    /// The store file's size in bytes.
    pub fn size_bytes(&self) -> u64 {
        self.file.metadata().map(|m| m.len()).unwrap_or(0)
    }

    /// Commits made so far (group commits: fewer than relays written under load).
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Relays stored (all sessions).
    pub fn relay_count(&self) -> Result<u64, StoreError> {
        let r = self.db.begin_read().map_err(se)?;
        let t = r.open_table(RELAYS).map_err(se)?;
        t.len().map_err(se)
    }

    /// Stops the sync thread after a final fsync.
    pub fn close(&self) {
        self.stop.store(true, Ordering::Release);
        if self.dirty.swap(false, Ordering::AcqRel) {
            let _ = self.file.sync_data();
        }
    }
}

/// One above the largest sequence number stored: the last key of each session's relay range
/// (keys written before sequence numbers, 32-byte relay hashes, are skipped).
fn next_sequence(db: &Database) -> Result<u64, StoreError> {
    let r = db.begin_read().map_err(se)?;
    let sessions = r.open_table(SESSIONS).map_err(se)?;
    let relays = r.open_table(RELAYS).map_err(se)?;
    let mut next = 1u64;
    for item in sessions.iter().map_err(se)? {
        let (k, _) = item.map_err(se)?;
        let mut prefix = k.value().to_vec();
        prefix.push(b'/');
        let mut end = prefix.clone();
        if let Some(last) = end.last_mut() {
            *last = b'/' + 1;
        }
        let mut range = relays
            .range::<&[u8]>(prefix.as_slice()..end.as_slice())
            .map_err(se)?;
        // Among the 8-byte suffixes, byte order is number order: the last one from the end is
        // the session's largest (older 32-byte hash keys in between are passed over).
        while let Some(item) = range.next_back() {
            let (key, _) = item.map_err(se)?;
            let suffix = &key.value()[prefix.len()..];
            if let Ok(b) = <[u8; 8]>::try_from(suffix) {
                next = next.max(u64::from_be_bytes(b).saturating_add(1));
                break;
            }
        }
    }
    Ok(next)
}

/// The writer thread: takes every job waiting, lingers for more while they keep coming (group
/// commit, at most `delay`, only when the store is busy), applies them in one write transaction,
/// commits, answers each. A failed transaction fails all of its jobs. [RM-STORE-5]
fn writer(
    db: &Database,
    mut rx: mpsc::Receiver<Job>,
    commits: &AtomicU64,
    file: &File,
    dirty: &AtomicBool,
    delay: Duration,
) {
    const MAX_BATCH: usize = 4096;
    let drain = |rx: &mut mpsc::Receiver<Job>, jobs: &mut Vec<Job>| {
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
    };
    // Whether the last commit carried more than one job: a single writer waiting alone is
    // answered at once, concurrent writers wait (a bounded time) to share a commit.
    let mut busy = false;
    while let Some(first) = rx.blocking_recv() {
        let woke = Instant::now();
        let mut jobs = vec![first];
        drain(&mut rx, &mut jobs);
        if !delay.is_zero() && (busy || jobs.len() > 1) {
            let step = (delay / 4).max(Duration::from_micros(50));
            loop {
                let left = delay.saturating_sub(woke.elapsed());
                if left.is_zero() || jobs.len() >= MAX_BATCH || jobs.iter().any(Job::is_sync) {
                    break;
                }
                let before = jobs.len();
                std::thread::sleep(step.min(left));
                drain(&mut rx, &mut jobs);
                if jobs.len() == before {
                    break; // nothing more is coming: every writer is waiting for this commit
                }
            }
        }
        busy = jobs.len() > 1;
        let result = apply(db, &jobs).and_then(|sync| {
            if sync && dirty.swap(false, Ordering::AcqRel) {
                file.sync_data().map_err(se)?;
            }
            Ok(())
        });
        commits.fetch_add(1, Ordering::Relaxed);
        for j in jobs {
            let _ = j.done.send(result.clone());
        }
    }
}

impl Job {
    fn is_sync(&self) -> bool {
        matches!(self.op, Op::Sync)
    }
}

type SessionsTable<'t> = redb::Table<'t, &'static [u8], &'static [u8]>;

/// Applies a group of jobs in one write transaction. The record updates of relays (served
/// units) are merged per session and written once, before any job that replaces or removes a
/// record — the same result as writing them one by one in order.
fn apply(db: &Database, jobs: &[Job]) -> Result<bool, StoreError> {
    let mut sync = false;
    let w = db.begin_write().map_err(se)?;
    {
        let mut sessions = w.open_table(SESSIONS).map_err(se)?;
        let mut relays = w.open_table(RELAYS).map_err(se)?;
        // Per session: the record with the most served units among the relays' updates.
        let mut merged: Vec<(&[u8], &SessionRecord)> = Vec::new();
        let flush = |sessions: &mut SessionsTable<'_>,
                     merged: &mut Vec<(&[u8], &SessionRecord)>|
         -> Result<(), StoreError> {
            for (key, record) in merged.drain(..) {
                upsert(sessions, key, record, false)?;
            }
            Ok(())
        };
        for j in jobs {
            match &j.op {
                Op::Relay {
                    record,
                    key,
                    relay_key,
                    relay,
                } => {
                    note(&mut merged, key, record);
                    relays
                        .insert(relay_key.as_slice(), relay.as_slice())
                        .map_err(se)?;
                }
                Op::Served { key, record } => note(&mut merged, key, record),
                Op::Record { key, record } => {
                    flush(&mut sessions, &mut merged)?;
                    upsert(&mut sessions, key, record, true)?;
                }
                Op::Remove { key } => {
                    flush(&mut sessions, &mut merged)?;
                    sessions.remove(key.as_slice()).map_err(se)?;
                    let mut prefix = key.clone();
                    prefix.push(b'/');
                    let mut end = prefix.clone();
                    if let Some(last) = end.last_mut() {
                        *last = b'/' + 1;
                    }
                    relays
                        .retain_in::<&[u8], _>(prefix.as_slice()..end.as_slice(), |_, _| false)
                        .map_err(se)?;
                }
                Op::Sync => sync = true,
            }
        }
        flush(&mut sessions, &mut merged)?;
    }
    w.commit().map_err(se)?;
    Ok(sync)
}

/// Remembers a relay's record update for `key`, keeping the one with the most served units.
fn note<'a>(
    merged: &mut Vec<(&'a [u8], &'a SessionRecord)>,
    key: &'a [u8],
    record: &'a SessionRecord,
) {
    match merged.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) if slot.1.served_cu < record.served_cu => slot.1 = record,
        Some(_) => {}
        None => merged.push((key, record)),
    }
}

/// Writes `record` at `key`: all of it when `replace` or when none is stored, else only its
/// served compute units; in every case the larger of the stored and the new served units is
/// kept, so concurrent writes landing out of order never lower them. [RM-METER-2]
fn upsert(
    sessions: &mut SessionsTable<'_>,
    key: &[u8],
    record: &SessionRecord,
    replace: bool,
) -> Result<(), StoreError> {
    let stored = sessions.get(key).map_err(se)?.map(|v| v.value().to_vec());
    let bytes = match stored {
        None => serde_json::to_vec(record).map_err(se)?,
        Some(old) => {
            let old: SessionRecord = serde_json::from_slice(&old).map_err(se)?;
            let served_cu = old.served_cu.max(record.served_cu);
            let mut keep = if replace { record.clone() } else { old };
            if !replace && keep.served_cu == served_cu {
                return Ok(()); // nothing new
            }
            keep.served_cu = served_cu;
            serde_json::to_vec(&keep).map_err(se)?
        }
    };
    sessions.insert(key, bytes.as_slice()).map_err(se)?;
    Ok(())
}

#[cfg(test)]
mod tests;

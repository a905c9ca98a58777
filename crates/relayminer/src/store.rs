//! The relay miner's embedded store: one redb file and a relay log beside it (spec/adr/0012,
//! spec/adr/0015).
//!
//! - redb table `sessions`: `{session_id}/{supplier}` → a [`SessionRecord`] (JSON): the session
//!   header, the difficulty target and weight policy the tree was built with, how far its claim
//!   and proof have gone, and the served compute units. Written at a session's first relay and
//!   at each stage change — rarely.
//! - the relay log (`<store>.relays/`, one append-only file per session end height): every mined
//!   relay's leaf bytes (`pokt_mining::Leaf`: the encoded relay, response payload cleared unless
//!   the policy keeps it; offered again they rebuild the same tree) and the served compute units.
//!   [RM-STORE-6]
//!
//! Every mined relay is written before its signed answer leaves [RM-STORE-1]: writes are grouped
//! (the first write queued starts a leader task that lets the ready tasks queue theirs and writes
//! them all at once [RM-STORE-5]) and each group reaches the files with `write(2)` — so it survives the
//! process being killed at any moment — and the files are made durable (`fsync`) every
//! `sync_interval` (0: at every group), which bounds what a power loss can take [RM-STORE-2]. On
//! start, [`Store::load`] gives back every session not yet pruned with its relays, from which the
//! trees are rebuilt [RM-STORE-3]; pruning a session removes its record, and a log file goes when
//! no record ends at its height [RM-STORE-4].

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pokt_relay::llm::TokenPricing;
use redb::backends::FileBackend;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use backend::DeferredSync;
use log::RelayLog;

const SESSIONS: TableDefinition<'_, &[u8], &[u8]> = TableDefinition::new("sessions");
/// Relays of stores written before the relay log: read and pruned, no longer written.
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
        leaf: Vec<u8>,
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

/// How the store commits and syncs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreOptions {
    /// How often the file is made durable (`fsync`); zero: at every commit. [RM-STORE-2]
    pub sync_interval: Duration,
    /// How much longer a group's leader waits for more relays, when the last group held more
    /// than one (zero: it only lets the tasks ready to run queue theirs). [RM-STORE-5]
    pub commit_delay: Duration,
}

impl StoreOptions {
    /// The default commit delay, none: a group's leader only lets the tasks ready to run go
    /// first, which under load already puts tens of relays in each group, and adds nothing to a
    /// lone relay's latency.
    pub const DEFAULT_COMMIT_DELAY: Duration = Duration::ZERO;
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            sync_interval: Duration::from_millis(100),
            commit_delay: Self::DEFAULT_COMMIT_DELAY,
        }
    }
}

/// The store: a handle to the write queue, the database and the relay log.
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
    group: Arc<Group>,
    file: Arc<File>,
    dirty: Arc<AtomicBool>,
    log_dir: PathBuf,
    log_files: Arc<Mutex<Vec<Arc<File>>>>,
    log_dirty: Arc<AtomicBool>,
    log_bytes: Arc<AtomicU64>,
    relays: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    commits: Arc<AtomicU64>,
    path: PathBuf,
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

    /// Opens (or creates) the store at `path` and its relay log (`path` with the extension
    /// `relays`, a directory); another process holding it is refused. Cuts a torn last log
    /// record, deletes log files no stored session needs, and, for a
    /// positive `sync_interval`, the sync thread.
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
        // A store closed in this process a moment ago may still be held by a write group's leader
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
        // The relay log, holding the redb file's lock: what each stored session has in it.
        let ends = writer::stored_ends(&db)?;
        let mut live: HashMap<i64, HashSet<Vec<u8>>> = HashMap::new();
        for (k, e) in &ends {
            live.entry(*e).or_default().insert(k.clone());
        }
        let log_dir = RelayLog::dir_of(path);
        let (log, held) = RelayLog::open(&log_dir, &live)?;
        let counts: HashMap<Vec<u8>, u64> = held
            .into_iter()
            .map(|(k, l)| (k, l.relays.len() as u64))
            .collect();
        let legacy = {
            let r = db.begin_read().map_err(se)?;
            let t = r.open_table(RELAYS).map_err(se)?;
            redb::ReadableTableMetadata::len(&t).map_err(se)?
        };
        let relays = Arc::new(AtomicU64::new(counts.values().sum::<u64>() + legacy));
        let log_bytes = Arc::new(AtomicU64::new(log.size()));
        let log_files = log.open_files();
        let log_dirty = Arc::new(AtomicBool::new(false));
        let db = Arc::new(db);
        let stop = Arc::new(AtomicBool::new(false));
        let commits = Arc::new(AtomicU64::new(0));
        let w = writer::Writer {
            db: db.clone(),
            log,
            ends,
            live,
            counts,
            relays: relays.clone(),
            log_bytes: log_bytes.clone(),
            log_dirty: log_dirty.clone(),
            commits: commits.clone(),
            file: sync_file.clone(),
            dirty: dirty.clone(),
            sync_each: sync_interval.is_zero(),
        };
        let group = Arc::new(Group {
            pending: Mutex::new(Pending::default()),
            writer: Mutex::new(w),
            delay: commit_delay,
            busy: AtomicBool::new(false),
        });
        if !sync_interval.is_zero() {
            let file = sync_file.clone();
            let dirty = dirty.clone();
            let stop = stop.clone();
            let log_files = log_files.clone();
            let log_dirty = log_dirty.clone();
            std::thread::Builder::new()
                .name("relayminer-sync".into())
                .spawn(move || {
                    while !stop.load(Ordering::Acquire) {
                        std::thread::sleep(sync_interval);
                        if dirty.swap(false, Ordering::AcqRel) && file.sync_data().is_err() {
                            tracing::error!("store: fsync failed");
                            dirty.store(true, Ordering::Release);
                        }
                        if log_dirty.swap(false, Ordering::AcqRel) && !sync_all(&log_files) {
                            tracing::error!("store: relay log fsync failed");
                            log_dirty.store(true, Ordering::Release);
                        }
                    }
                })
                .map_err(se)?;
        }
        Ok(Self {
            db,
            group,
            file: sync_file,
            dirty,
            log_dir,
            log_files,
            log_dirty,
            log_bytes,
            relays,
            stop,
            commits,
            path: path.to_path_buf(),
        })
    }

    /// Queues `op` and waits for the group that writes it. The first job of a group starts its
    /// leader, a task on the same runtime that lets the other ready tasks run (and queue their
    /// writes) — plus `commit_delay` when the last group was shared —, writes them all, answers
    /// them, and starts the next leader for whatever queued meanwhile: no thread hand-off on the
    /// hot path, and groups grow with the load by themselves. [RM-STORE-5]
    async fn run(&self, op: Op) -> Result<(), StoreError> {
        let (done, rx) = oneshot::channel();
        let lead = {
            let mut p = self.group.pending.lock().map_err(|_| poisoned())?;
            p.jobs.push(Job { op, done });
            !std::mem::replace(&mut p.leading, true)
        };
        if lead {
            // Its own task: a relay whose client goes away (its future dropped) must not take
            // the group's leader with it.
            tokio::spawn(Group::lead(self.group.clone()));
        }
        rx.await.map_err(|_| StoreError("writer stopped".into()))?
    }

    /// Writes a mined relay's leaf bytes (`pokt_mining::Leaf::bytes`) and the session's served
    /// compute units (with the record if it has none yet); returns once the group holding it has
    /// reached the files. The caller writes a relay once (the session tree refuses duplicates).
    /// [RM-STORE-1] [RM-METER-2]
    pub async fn put_relay(&self, record: &SessionRecord, leaf: Vec<u8>) -> Result<(), StoreError> {
        self.run(Op::Relay {
            record: Box::new(record.clone()),
            key: record.key(),
            leaf,
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

    /// Every stored session with its relays (leaf bytes) and the largest served compute units
    /// written for it.
    pub fn load(&self) -> Result<Vec<LoadedSession>, StoreError> {
        let r = self.db.begin_read().map_err(se)?;
        let sessions = r.open_table(SESSIONS).map_err(se)?;
        let relays = r.open_table(RELAYS).map_err(se)?;
        let mut records = Vec::new();
        for item in sessions.iter().map_err(se)? {
            let (k, v) = item.map_err(se)?;
            let record: SessionRecord = serde_json::from_slice(v.value()).map_err(se)?;
            records.push((k.value().to_vec(), record));
        }
        let live: HashSet<Vec<u8>> = records.iter().map(|(k, _)| k.clone()).collect();
        let mut logged = HashMap::new();
        if let Ok(dir) = std::fs::read_dir(&self.log_dir) {
            for entry in dir.flatten() {
                // A file deleted meanwhile (its sessions pruned) holds nothing live.
                if let Ok(bytes) = std::fs::read(entry.path()) {
                    log::decode(&bytes, Some(&live), &mut logged);
                }
            }
        }
        let mut out = Vec::new();
        for (key, mut record) in records {
            let mut prefix = key.clone();
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
            if let Some(l) = logged.remove(&key) {
                record.served_cu = record.served_cu.max(l.served_cu);
                rs.extend(l.relays);
            }
            out.push(LoadedSession { record, relays: rs });
        }
        Ok(out)
    }

    /// The store's size in bytes: the redb file and the relay log.
    pub fn size_bytes(&self) -> u64 {
        self.file.metadata().map(|m| m.len()).unwrap_or(0) + self.log_bytes.load(Ordering::Relaxed)
    }

    /// Groups written so far (fewer than relays written under load).
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Relays stored for the sessions not pruned.
    pub fn relay_count(&self) -> Result<u64, StoreError> {
        Ok(self.relays.load(Ordering::Relaxed))
    }

    /// Stops the sync thread after a final fsync.
    pub fn close(&self) {
        self.stop.store(true, Ordering::Release);
        if self.dirty.swap(false, Ordering::AcqRel) {
            let _ = self.file.sync_data();
        }
        if self.log_dirty.swap(false, Ordering::AcqRel) {
            let _ = sync_all(&self.log_files);
        }
    }
}

/// The jobs waiting for the next group.
#[derive(Default)]
struct Pending {
    jobs: Vec<Job>,
    /// A task is leading the next group.
    leading: bool,
}

/// A group leader's task (boxed: a leader may start the next one).
type Leading = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Group writes: the queue and the writer, shared by every handle of the store.
struct Group {
    pending: Mutex<Pending>,
    writer: Mutex<writer::Writer>,
    delay: Duration,
    /// The last group held more than one job.
    busy: AtomicBool,
}

impl Group {
    /// Leads one group: lets the other ready tasks run and queue (and waits `delay` more when
    /// the last group was shared), takes the queue, writes it (a group that fsyncs, prunes or
    /// replaces records is written off the async workers), and starts a new leader for whatever
    /// queued meanwhile.
    fn lead(group: Arc<Self>) -> Leading {
        Box::pin(async move {
            // Hands the queue on however this task ends — a panic in a write or a cancelled
            // task included — so that no write waits for a leader that is gone.
            let mut handoff = Handoff(Some(group.clone()));
            if group.busy.load(Ordering::Relaxed) && !group.delay.is_zero() {
                tokio::time::sleep(group.delay).await;
            } else {
                tokio::task::yield_now().await;
            }
            let jobs = match group.pending.lock() {
                Ok(mut p) => std::mem::take(&mut p.jobs),
                Err(_) => return,
            };
            group.busy.store(jobs.len() > 1, Ordering::Relaxed);
            let slow = jobs
                .iter()
                .any(|j| matches!(j.op, Op::Sync | Op::Remove { .. } | Op::Record { .. }));
            let write = |g: &Self, jobs: &[Job]| match g.writer.lock() {
                Ok(mut w) => w.write_group(jobs),
                Err(_) => Err(poisoned()),
            };
            let (jobs, result) = if slow {
                let g = group.clone();
                match tokio::task::spawn_blocking(move || {
                    let r = write(&g, &jobs);
                    (jobs, r)
                })
                .await
                {
                    Ok(done) => done,
                    Err(_) => return, // the jobs' senders are gone: "writer stopped"
                }
            } else {
                let r = write(&group, &jobs);
                (jobs, r)
            };
            // Let go of the store before answering: a caller that closes and reopens it right
            // after its answer must not find it still held by this task.
            drop(group);
            handoff.finish();
            for j in jobs {
                let _ = j.done.send(result.clone());
            }
        })
    }

    /// Ends a leader's turn: starts the next leader when writes queued meanwhile, else marks
    /// the group leaderless (the next write starts one).
    fn hand_off(group: Arc<Self>) {
        let more = match group.pending.lock() {
            Ok(mut p) => {
                p.leading = !p.jobs.is_empty();
                p.leading
            }
            Err(_) => false,
        };
        if more && let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(Self::lead(group));
        }
    }
}

/// A leader's hand-off, made when it finishes or, failing that, when it is dropped.
struct Handoff(Option<Arc<Group>>);

impl Handoff {
    fn finish(&mut self) {
        if let Some(g) = self.0.take() {
            Group::hand_off(g);
        }
    }
}

impl Drop for Handoff {
    fn drop(&mut self) {
        self.finish();
    }
}

fn poisoned() -> StoreError {
    StoreError("store lock poisoned".into())
}

/// `fsync`s every file of `files`; false when one failed.
fn sync_all(files: &Mutex<Vec<Arc<File>>>) -> bool {
    let files: Vec<Arc<File>> = files.lock().map(|f| f.clone()).unwrap_or_default();
    files.iter().all(|f| f.sync_data().is_ok())
}

mod backend;
mod log;
mod writer;

#[cfg(test)]
mod tests;

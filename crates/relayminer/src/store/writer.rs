//! The store's writer: writes a group of jobs — their relays appended to the relay log, their
//! record changes committed to redb — and answers each job. [RM-STORE-1] [RM-STORE-5]

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use redb::{Database, ReadableDatabase, ReadableTable, WriteTransaction};

use super::log::{self, RelayLog};
use super::{Job, Op, RELAYS, SESSIONS, SessionRecord, StoreError, se};

/// What the writer keeps besides the files (held by the group's leader while it writes).
pub(super) struct Writer {
    pub(super) db: Arc<Database>,
    pub(super) log: RelayLog,
    /// The session end height of every stored record.
    pub(super) ends: HashMap<Vec<u8>, i64>,
    /// The stored records of each end height (a log file lives while its set is not empty).
    pub(super) live: HashMap<i64, HashSet<Vec<u8>>>,
    /// Relays in the log for each stored record.
    pub(super) counts: HashMap<Vec<u8>, u64>,
    pub(super) relays: Arc<AtomicU64>,
    pub(super) log_bytes: Arc<AtomicU64>,
    pub(super) log_dirty: Arc<AtomicBool>,
    pub(super) commits: Arc<AtomicU64>,
    pub(super) file: Arc<File>,
    pub(super) dirty: Arc<AtomicBool>,
    /// `fsync` the log at every group (`sync_interval` 0), as redb is at every commit.
    pub(super) sync_each: bool,
}

impl Writer {
    /// Writes one group; after a failure, what is known to be stored is read again.
    pub(super) fn write_group(&mut self, jobs: &[Job]) -> Result<(), StoreError> {
        let result = self.apply(jobs);
        if result.is_err() {
            self.reload();
        }
        self.commits.fetch_add(1, Ordering::Relaxed);
        result
    }

    /// Writes one group: the relays (and served units) appended to the log first, then the
    /// record changes committed to redb, then the log files no session needs deleted. A relay
    /// in the log whose record did not commit is not loaded (it was not answered either).
    fn apply(&mut self, jobs: &[Job]) -> Result<(), StoreError> {
        let mut sync = false;
        let mut appends: Vec<(i64, Vec<u8>)> = Vec::new();
        let mut txn: Option<WriteTransaction> = None;
        let mut emptied = Vec::new();
        let mut added = 0u64;
        for j in jobs {
            match &j.op {
                Op::Relay { record, key, leaf } => {
                    self.first_write(&mut txn, key, record)?;
                    append(&mut appends, record.end, key, record.served_cu, Some(leaf));
                    *self.counts.entry(key.clone()).or_default() += 1;
                    added += 1;
                }
                Op::Served { record, key } => {
                    self.first_write(&mut txn, key, record)?;
                    append(&mut appends, record.end, key, record.served_cu, None);
                }
                Op::Record { key, record } => {
                    let w = begin(&self.db, &mut txn)?;
                    upsert(&mut w.open_table(SESSIONS).map_err(se)?, key, record, true)?;
                    self.track(key, record.end);
                }
                Op::Remove { key } => {
                    let w = begin(&self.db, &mut txn)?;
                    w.open_table(SESSIONS)
                        .map_err(se)?
                        .remove(key.as_slice())
                        .map_err(se)?;
                    // Relays of stores written before the relay log.
                    let mut prefix = key.clone();
                    prefix.push(b'/');
                    let mut end = prefix.clone();
                    if let Some(last) = end.last_mut() {
                        *last = b'/' + 1;
                    }
                    let mut legacy = w.open_table(RELAYS).map_err(se)?;
                    let gone = legacy
                        .range::<&[u8]>(prefix.as_slice()..end.as_slice())
                        .map_err(se)?
                        .count() as u64;
                    if gone > 0 {
                        legacy
                            .retain_in::<&[u8], _>(prefix.as_slice()..end.as_slice(), |_, _| false)
                            .map_err(se)?;
                        *self.counts.entry(key.clone()).or_default() += gone;
                    }
                    if let Some(h) = self.untrack(key) {
                        emptied.push(h);
                    }
                }
                Op::Sync => sync = true,
            }
        }
        for (end, bytes) in &appends {
            self.log.append(*end, bytes)?;
            if self.sync_each {
                self.log.sync_one(*end)?;
            } else {
                self.log_dirty.store(true, Ordering::Release);
            }
        }
        self.relays.fetch_add(added, Ordering::Relaxed);
        if let Some(w) = txn {
            w.commit().map_err(se)?;
        }
        for end in emptied {
            if self.live.get(&end).is_none_or(HashSet::is_empty) {
                self.live.remove(&end);
                self.log.delete(end)?;
            }
        }
        self.log_bytes.store(self.log.size(), Ordering::Relaxed);
        if sync {
            if self.dirty.swap(false, Ordering::AcqRel) {
                self.file.sync_data().map_err(se)?;
            }
            if self.log_dirty.swap(false, Ordering::AcqRel) {
                self.log.sync()?;
            }
        }
        Ok(())
    }

    /// The first write for a session stores its record, in this group's transaction.
    fn first_write(
        &mut self,
        txn: &mut Option<WriteTransaction>,
        key: &[u8],
        record: &SessionRecord,
    ) -> Result<(), StoreError> {
        if self.ends.contains_key(key) {
            return Ok(());
        }
        let w = begin(&self.db, txn)?;
        upsert(&mut w.open_table(SESSIONS).map_err(se)?, key, record, false)?;
        self.track(key, record.end);
        Ok(())
    }

    fn track(&mut self, key: &[u8], end: i64) {
        if let Some(old) = self.ends.insert(key.to_vec(), end)
            && old != end
            && let Some(set) = self.live.get_mut(&old)
        {
            set.remove(key);
        }
        self.live.entry(end).or_default().insert(key.to_vec());
    }

    /// Forgets a removed record; returns its end height when no other record ends there.
    fn untrack(&mut self, key: &[u8]) -> Option<i64> {
        let gone = self.counts.remove(key).unwrap_or(0);
        self.relays.fetch_sub(
            gone.min(self.relays.load(Ordering::Relaxed)),
            Ordering::Relaxed,
        );
        let end = self.ends.remove(key)?;
        let set = self.live.get_mut(&end)?;
        set.remove(key);
        set.is_empty().then_some(end)
    }

    /// After a failed group, what is known to be stored is read again from redb.
    fn reload(&mut self) {
        match stored_ends(&self.db) {
            Ok(ends) => {
                self.live.clear();
                for (k, e) in &ends {
                    self.live.entry(*e).or_default().insert(k.clone());
                }
                self.counts.retain(|k, _| ends.contains_key(k));
                self.ends = ends;
            }
            Err(e) => tracing::error!(error = %e, "store: records could not be read again"),
        }
    }
}

fn begin<'t>(
    db: &Database,
    txn: &'t mut Option<WriteTransaction>,
) -> Result<&'t mut WriteTransaction, StoreError> {
    if txn.is_none() {
        *txn = Some(db.begin_write().map_err(se)?);
    }
    txn.as_mut().ok_or_else(|| StoreError("transaction".into()))
}

fn append(
    appends: &mut Vec<(i64, Vec<u8>)>,
    end: i64,
    key: &[u8],
    served_cu: u64,
    leaf: Option<&[u8]>,
) {
    let i = match appends.iter().position(|(e, _)| *e == end) {
        Some(i) => i,
        None => {
            appends.push((end, Vec::new()));
            appends.len() - 1
        }
    };
    if let Some((_, buf)) = appends.get_mut(i) {
        log::encode(buf, key, served_cu, leaf);
    }
}

/// The end height of every stored record, by key.
pub(super) fn stored_ends(db: &Database) -> Result<HashMap<Vec<u8>, i64>, StoreError> {
    let r = db.begin_read().map_err(se)?;
    let sessions = r.open_table(SESSIONS).map_err(se)?;
    let mut out = HashMap::new();
    for item in sessions.iter().map_err(se)? {
        let (k, v) = item.map_err(se)?;
        let record: SessionRecord = serde_json::from_slice(v.value()).map_err(se)?;
        out.insert(k.value().to_vec(), record.end);
    }
    Ok(out)
}

type SessionsTable<'t> = redb::Table<'t, &'static [u8], &'static [u8]>;

/// Writes `record` at `key`: all of it when `replace` or when none is stored, else only its
/// served compute units; in every case the larger of the stored and the new served units is
/// kept, so writes landing out of order never lower them. [RM-METER-2]
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

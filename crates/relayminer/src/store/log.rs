//! The relay log: mined relays appended to one file per session end height, next to the redb
//! file (spec/adr/0015). [RM-STORE-6]
//!
//! A record is `len: u32 LE` ‖ `check: [u8; 8]` (the first 8 bytes of the payload's BLAKE3) ‖
//! `payload`, and a payload is `key_len: u16 LE` ‖ key (`{session_id}/{supplier}`) ‖
//! `served_cu: u64 LE` ‖ kind (`1`: a mined relay, whose leaf bytes follow; `2`: served compute
//! units only). Each write group is appended with one `write(2)` per file, before any of its
//! writes is answered, so a killed process loses nothing it answered; a torn last record (a
//! crash inside the write) fails its length or its check and is cut off when the log is opened.
//! Sessions end on shared heights, so a handful of files are open at a time, and a file is deleted
//! once no session record refers to it.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::{StoreError, se};

const RELAY: u8 = 1;
const SERVED: u8 = 2;
const HEADER: usize = 12;

/// What a log holds for one (session, supplier).
#[derive(Debug, Default)]
pub(super) struct Logged {
    /// The mined relays' leaf bytes, in the order written.
    pub relays: Vec<Vec<u8>>,
    /// The largest served compute units written.
    pub served_cu: u64,
}

/// Appends `key`'s record to `buf`.
pub(super) fn encode(buf: &mut Vec<u8>, key: &[u8], served_cu: u64, leaf: Option<&[u8]>) {
    let key_len = u16::try_from(key.len()).unwrap_or(u16::MAX);
    let key = &key[..usize::from(key_len)];
    let leaf = leaf.unwrap_or_default();
    let len = 2 + key.len() + 8 + 1 + leaf.len();
    let start = buf.len();
    buf.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
    buf.extend_from_slice(&[0; 8]);
    buf.extend_from_slice(&key_len.to_le_bytes());
    buf.extend_from_slice(key);
    buf.extend_from_slice(&served_cu.to_le_bytes());
    buf.push(if leaf.is_empty() { SERVED } else { RELAY });
    buf.extend_from_slice(leaf);
    let check = blake3::hash(&buf[start + HEADER..]);
    buf[start + 4..start + HEADER].copy_from_slice(&check.as_bytes()[..8]);
}

/// Reads the records of `bytes` into `out` (only keys in `live`, when given); returns how many
/// bytes are whole records (a torn or corrupt record and everything after it are not).
pub(super) fn decode(
    bytes: &[u8],
    live: Option<&HashSet<Vec<u8>>>,
    out: &mut HashMap<Vec<u8>, Logged>,
) -> usize {
    let mut at = 0usize;
    while let Some(head) = bytes.get(at..at + HEADER) {
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let Some(payload) = bytes.get(at + HEADER..at + HEADER + len) else {
            break;
        };
        if blake3::hash(payload).as_bytes()[..8] != head[4..HEADER] {
            break;
        }
        let Some((key, served_cu, leaf)) = parse(payload) else {
            break;
        };
        at += HEADER + len;
        if live.is_some_and(|l| !l.contains(key)) {
            continue;
        }
        let e = out.entry(key.to_vec()).or_default();
        e.served_cu = e.served_cu.max(served_cu);
        if let Some(leaf) = leaf {
            e.relays.push(leaf.to_vec());
        }
    }
    at
}

/// A record's payload: key, served compute units, the relay's leaf bytes (if a relay).
type Parsed<'a> = (&'a [u8], u64, Option<&'a [u8]>);

fn parse(p: &[u8]) -> Option<Parsed<'_>> {
    let key_len = usize::from(u16::from_le_bytes(p.get(..2)?.try_into().ok()?));
    let key = p.get(2..2 + key_len)?;
    let served = u64::from_le_bytes(p.get(2 + key_len..10 + key_len)?.try_into().ok()?);
    let rest = p.get(10 + key_len..)?;
    match rest.split_first()? {
        (&RELAY, leaf) if !leaf.is_empty() => Some((key, served, Some(leaf))),
        (&SERVED, []) => Some((key, served, None)),
        _ => None,
    }
}

struct LogFile {
    file: Arc<File>,
    len: u64,
}

/// The open log files, by session end height; owned by the store's writer (one group at a time).
pub(super) struct RelayLog {
    dir: PathBuf,
    files: HashMap<i64, LogFile>,
    /// Every open file, for the sync thread.
    open: Arc<Mutex<Vec<Arc<File>>>>,
}

impl RelayLog {
    /// The log directory of the store at `path` (`relayminer.redb` → `relayminer.relays/`).
    pub(super) fn dir_of(path: &Path) -> PathBuf {
        path.with_extension("relays")
    }

    /// Opens the log in `dir`: files of heights no live session ends at are deleted, a torn tail
    /// is cut off. Returns the log and what it holds for the live sessions.
    pub(super) fn open(
        dir: &Path,
        live: &HashMap<i64, HashSet<Vec<u8>>>,
    ) -> Result<(Self, HashMap<Vec<u8>, Logged>), StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError(format!("{}: {e}", dir.display())))?;
        let mut log = Self {
            dir: dir.to_path_buf(),
            files: HashMap::new(),
            open: Arc::new(Mutex::new(Vec::new())),
        };
        let mut held = HashMap::new();
        for entry in std::fs::read_dir(dir).map_err(se)? {
            let path = entry.map_err(se)?.path();
            let Some(end) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".log"))
                .and_then(|n| n.parse::<i64>().ok())
            else {
                continue;
            };
            let Some(keys) = live.get(&end) else {
                std::fs::remove_file(&path).map_err(se)?;
                continue;
            };
            let bytes = std::fs::read(&path).map_err(se)?;
            let good = decode(&bytes, Some(keys), &mut held);
            let file = OpenOptions::new().write(true).open(&path).map_err(se)?;
            if good < bytes.len() {
                tracing::warn!(
                    file = %path.display(),
                    cut = bytes.len() - good,
                    "relay log: a torn last record (a crash while it was written) is cut off"
                );
                file.set_len(good as u64).map_err(se)?;
            }
            log.insert(end, file, good as u64);
        }
        Ok((log, held))
    }

    fn insert(&mut self, end: i64, file: File, len: u64) {
        let file = Arc::new(file);
        if let Ok(mut open) = self.open.lock() {
            open.push(file.clone());
        }
        self.files.insert(end, LogFile { file, len });
    }

    fn path(&self, end: i64) -> PathBuf {
        self.dir.join(format!("{end:012}.log"))
    }

    /// The open files (for the sync thread).
    pub(super) fn open_files(&self) -> Arc<Mutex<Vec<Arc<File>>>> {
        self.open.clone()
    }

    /// Appends `bytes` (whole records) to the file of `end`, creating it.
    pub(super) fn append(&mut self, end: i64, bytes: &[u8]) -> Result<(), StoreError> {
        if !self.files.contains_key(&end) {
            let path = self.path(end);
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| StoreError(format!("{}: {e}", path.display())))?;
            let len = file.metadata().map_err(se)?.len();
            // The new name must survive a power loss as well as the records written to it:
            // the directory is made durable once per file (once per session end height).
            File::open(&self.dir)
                .and_then(|d| d.sync_all())
                .map_err(se)?;
            self.insert(end, file, len);
        }
        let f = self
            .files
            .get_mut(&end)
            .ok_or_else(|| StoreError("relay log".into()))?;
        if let Err(e) = f.file.write_all_at(bytes, f.len) {
            // Nothing of a failed write counts: cut the file back to its last whole record.
            let _ = f.file.set_len(f.len);
            return Err(se(e));
        }
        f.len += bytes.len() as u64;
        Ok(())
    }

    /// Deletes the file of `end` (no live session ends there any more).
    pub(super) fn delete(&mut self, end: i64) -> Result<(), StoreError> {
        if let Some(f) = self.files.remove(&end)
            && let Ok(mut open) = self.open.lock()
        {
            open.retain(|o| !Arc::ptr_eq(o, &f.file));
        }
        match std::fs::remove_file(self.path(end)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(se(e)),
        }
    }

    /// The bytes in the log files.
    pub(super) fn size(&self) -> u64 {
        self.files.values().map(|f| f.len).sum()
    }

    /// `fsync`s the file of `end`, if open.
    pub(super) fn sync_one(&self, end: i64) -> Result<(), StoreError> {
        match self.files.get(&end) {
            Some(f) => f.file.sync_data().map_err(se),
            None => Ok(()),
        }
    }

    /// `fsync`s every open file.
    pub(super) fn sync(&self) -> Result<(), StoreError> {
        for f in self.files.values() {
            f.file.sync_data().map_err(se)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_a_torn_tail_is_not_read() {
        let mut buf = Vec::new();
        encode(&mut buf, b"s1/a", 100, Some(b"leaf-1"));
        encode(&mut buf, b"s1/a", 300, None);
        encode(&mut buf, b"s2/a", 7, Some(b"leaf-2"));
        let whole = buf.len();
        let mut out = HashMap::new();
        assert_eq!(decode(&buf, None, &mut out), whole);
        assert_eq!(out[&b"s1/a".to_vec()].relays, vec![b"leaf-1".to_vec()]);
        assert_eq!(out[&b"s1/a".to_vec()].served_cu, 300);
        assert_eq!(out[&b"s2/a".to_vec()].relays, vec![b"leaf-2".to_vec()]);
        // Every cut inside the last record drops that record only.
        let mut two = Vec::new();
        encode(&mut two, b"s1/a", 100, Some(b"leaf-1"));
        encode(&mut two, b"s1/a", 300, None);
        for cut in two.len()..whole {
            let mut o = HashMap::new();
            assert_eq!(decode(&buf[..cut], None, &mut o), two.len(), "cut at {cut}");
            assert!(!o.contains_key(b"s2/a".as_slice()));
        }
        // A flipped byte anywhere in the last record: not read.
        for i in two.len()..whole {
            let mut bad = buf.clone();
            bad[i] ^= 0x20;
            let mut o = HashMap::new();
            assert_eq!(decode(&bad, None, &mut o), two.len(), "flip at {i}");
        }
        // Only live keys are kept.
        let live: HashSet<Vec<u8>> = [b"s2/a".to_vec()].into();
        let mut o = HashMap::new();
        decode(&buf, Some(&live), &mut o);
        assert_eq!(o.len(), 1);
    }

    proptest::proptest! {
        /// Any bytes (a hostile or damaged file) decode without panicking to a prefix of whole
        /// records; records written in front of garbage are all read.
        #[test]
        fn arbitrary_bytes_never_panic_and_whole_records_are_read(
            garbage in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256),
            leaves in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 1..40), 0..6),
        ) {
            let mut o = HashMap::new();
            let n = decode(&garbage, None, &mut o);
            proptest::prop_assert!(n <= garbage.len());
            let mut buf = Vec::new();
            for (i, leaf) in leaves.iter().enumerate() {
                encode(&mut buf, b"k/s", i as u64, Some(leaf));
            }
            let whole = buf.len();
            buf.extend_from_slice(&garbage);
            let mut o = HashMap::new();
            let n = decode(&buf, None, &mut o);
            proptest::prop_assert!(n >= whole && n <= buf.len());
            let got = o.remove(b"k/s".as_slice()).map(|l| l.relays).unwrap_or_default();
            proptest::prop_assert_eq!(&got[..leaves.len()], &leaves[..]);
        }
    }
}

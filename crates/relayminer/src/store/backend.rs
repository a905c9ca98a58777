//! The redb storage backend of the store: file writes at every commit, `fsync` deferred.

use std::fs::File;
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use redb::backends::FileBackend;
use redb::{BackendError, StorageBackend};

type BackendIoError = std::io::Error;

/// The redb file behind a backend whose `sync_data` is deferred to the store's sync thread
/// (0 interval: synced at every commit). Writes still reach the file at every commit.
#[derive(Debug)]
pub(super) struct DeferredSync {
    pub(super) inner: FileBackend,
    pub(super) file: File,
    pub(super) every_commit: bool,
    pub(super) dirty: Arc<AtomicBool>,
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

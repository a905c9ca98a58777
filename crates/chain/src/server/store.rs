//! The devnet's store: its genesis and every block's time and transactions in a redb file, so
//! a restarted `pokt devnet` replays them and goes on. [CHAIN-DEVNET-5]

use std::path::Path;

use prost::Message as _;
use redb::{ReadableDatabase as _, ReadableTable as _};

use crate::genesis::Genesis;
use crate::node::Node;

use super::ServerError;

fn store_err(e: impl std::fmt::Display) -> ServerError {
    ServerError::Store(e.to_string())
}

const META: redb::TableDefinition<'_, &str, &[u8]> = redb::TableDefinition::new("meta");
const BLOCKS: redb::TableDefinition<'_, u64, &[u8]> = redb::TableDefinition::new("blocks");

/// A stored block: its time and transactions (the state is rebuilt by replaying them).
#[derive(Clone, PartialEq, prost::Message)]
struct StoredBlock {
    #[prost(uint64, tag = "1")]
    time_ms: u64,
    #[prost(bytes = "vec", repeated, tag = "2")]
    txs: Vec<Vec<u8>>,
}

/// The devnet's store (redb): the genesis and every block's time and transactions. The state is
/// not stored: on open it is rebuilt by replaying the blocks through the deterministic node.
/// [CHAIN-DEVNET-5]
#[derive(Debug)]
pub struct Store {
    db: redb::Database,
}

impl Store {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        Ok(Self {
            db: redb::Database::create(path).map_err(store_err)?,
        })
    }

    /// The stored genesis, if any.
    pub fn genesis(&self) -> Result<Option<Genesis>, ServerError> {
        let r = self.db.begin_read().map_err(store_err)?;
        let t = match r.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(store_err(e)),
        };
        let Some(v) = t.get("genesis").map_err(store_err)? else {
            return Ok(None);
        };
        let text = std::str::from_utf8(v.value()).map_err(store_err)?;
        Ok(Some(Genesis::from_json(text)?))
    }

    fn put_genesis(&self, g: &Genesis) -> Result<(), ServerError> {
        let w = self.db.begin_write().map_err(store_err)?;
        {
            let mut t = w.open_table(META).map_err(store_err)?;
            t.insert("genesis", g.to_json().as_bytes())
                .map_err(store_err)?;
            w.open_table(BLOCKS).map_err(store_err)?;
        }
        w.commit().map_err(store_err)
    }

    /// Appends a block.
    pub fn put_block(
        &self,
        height: i64,
        time_ms: u64,
        txs: Vec<Vec<u8>>,
    ) -> Result<(), ServerError> {
        let h = u64::try_from(height).map_err(store_err)?;
        let bytes = StoredBlock { time_ms, txs }.encode_to_vec();
        let w = self.db.begin_write().map_err(store_err)?;
        {
            let mut t = w.open_table(BLOCKS).map_err(store_err)?;
            t.insert(h, bytes.as_slice()).map_err(store_err)?;
        }
        w.commit().map_err(store_err)
    }

    /// Opens the node: the stored genesis (refusing a different `genesis`) and every stored block
    /// replayed; or a new node from `genesis`, stored.
    pub fn load(&self, genesis: Option<Genesis>) -> Result<Node, ServerError> {
        let stored = self.genesis()?;
        let g = match (stored, genesis) {
            (Some(s), Some(g)) if s != g => return Err(ServerError::GenesisMismatch),
            (Some(s), _) => s,
            (None, Some(g)) => {
                self.put_genesis(&g)?;
                g
            }
            (None, None) => {
                return Err(ServerError::Store(
                    "no genesis stored and none given".into(),
                ));
            }
        };
        let mut node = Node::new(g)?;
        let r = self.db.begin_read().map_err(store_err)?;
        let t = r.open_table(BLOCKS).map_err(store_err)?;
        for row in t.iter().map_err(store_err)? {
            let (h, v) = row.map_err(store_err)?;
            let b = StoredBlock::decode(v.value()).map_err(store_err)?;
            let made = node.replay_block(b.time_ms, &b.txs)?;
            if u64::try_from(made.height).ok() != Some(h.value()) {
                return Err(ServerError::Store(format!(
                    "stored block {} replayed as {}",
                    h.value(),
                    made.height
                )));
            }
        }
        Ok(node)
    }
}

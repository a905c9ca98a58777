//! Fuzz bodies for pokt-smst's verifiers.

use pokt_smst::{
    ClosestProof, PoktSmst, Root, Sha256Hasher, SparseMerkleProof, ValueMode, verify_closest_proof,
    verify_closest_proof_go_compatible,
};

/// Splits `data` into length-prefixed chunks (1-byte lengths).
fn chunks(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some((&n, tail)) = rest.split_first() {
        let n = usize::from(n).min(tail.len());
        let (a, b) = tail.split_at(n);
        out.push(a);
        rest = b;
    }
    out
}

/// `smst_verify_closest`: an arbitrary closest proof against a small real trie's root. Neither
/// verifier panics; whatever the strict verifier accepts, the Go-compatible one accepts too; and
/// an accepted proof reveals the trie's true closest leaf.
pub fn verify_closest(data: &[u8]) {
    let mut trie = PoktSmst::new(ValueMode::Raw);
    for i in 0u8..8 {
        trie.update(&[i], &[i; 3], u64::from(i));
    }
    let root = trie.root();
    let c = chunks(data);
    let get = |i: usize| c.get(i).map(|x| x.to_vec()).unwrap_or_default();
    let proof = ClosestProof {
        path: get(0),
        flipped_bits: get(1).iter().map(|b| i64::from(*b)).collect(),
        depth: i64::from(get(2).first().copied().unwrap_or(0)),
        closest_path: get(3),
        closest_value_hash: get(4),
        closest_proof: SparseMerkleProof {
            side_nodes: (5..c.len().min(13)).map(|i| get(i).into()).collect(),
            non_membership_leaf_data: Vec::new(),
            sibling_data: get(13),
        },
    };
    let strict = verify_closest_proof::<Sha256Hasher>(&proof, &root);
    let go = verify_closest_proof_go_compatible::<Sha256Hasher>(&proof, &root, ValueMode::Raw);
    if strict {
        assert!(go, "strict accepted what Go rejects");
        let path: [u8; 32] = proof
            .path
            .clone()
            .try_into()
            .expect("strict checked the length");
        assert_eq!(proof.closest_path, trie.prove_closest(&path).closest_path);
    }
    // An honest proof for the path verifies under both.
    if let Ok(path) = <[u8; 32]>::try_from(proof.path.as_slice()) {
        let honest = trie.prove_closest(&path);
        assert!(verify_closest_proof::<Sha256Hasher>(&honest, &root));
        assert!(verify_closest_proof_go_compatible::<Sha256Hasher>(
            &honest,
            &root,
            ValueMode::Raw
        ));
    }
    let _ = Root::EMPTY;
}

/// `smst_gob_decode`: any bytes through the four gob decoders: never panics, bounded by the input,
/// and a decoded proof re-encodes to bytes that decode to the same proof.
pub fn gob_decode(data: &[u8]) {
    use pokt_smst::gob::*;
    use pokt_smst::{decompact_closest_proof, decompact_proof};
    if let Ok(p) = decode_compact_closest_proof(data) {
        assert_eq!(
            decode_compact_closest_proof(&encode_compact_closest_proof(&p)).expect("re-encoded"),
            p
        );
        if let Ok(full) = decompact_closest_proof(&p) {
            let _ = verify_closest_proof::<Sha256Hasher>(&full, &Root::EMPTY);
        }
    }
    if let Ok(p) = decode_closest_proof(data) {
        assert_eq!(
            decode_closest_proof(&encode_closest_proof(&p)).expect("re-encoded"),
            p
        );
    }
    if let Ok(p) = decode_compact_proof(data) {
        assert_eq!(
            decode_compact_proof(&encode_compact_proof(&p)).expect("re-encoded"),
            p
        );
        let _ = decompact_proof(&p);
    }
    if let Ok(p) = decode_proof(data) {
        assert_eq!(decode_proof(&encode_proof(&p)).expect("re-encoded"), p);
    }
}

/// `smst_ops`: any sequence of updates, overwrites and deletes (3 bytes each: op/key, key,
/// weight) against a model (a map of key → weight): the root's count and sum are the model's, every
/// present key proves, every deleted key proves absent, a closest proof verifies strictly, and
/// the snapshot and the write batches reload to the same root.
pub fn ops(data: &[u8]) {
    use pokt_smst::{LeafWriter, MemoryStore, verify_sum_proof};
    use std::collections::BTreeMap;
    let mode = if data.first().is_some_and(|b| b & 1 == 1) {
        ValueMode::Hashed
    } else {
        ValueMode::Raw
    };
    let mut t = PoktSmst::new_tracked(mode);
    let mut store = MemoryStore::new();
    let mut model: BTreeMap<[u8; 2], ([u8; 2], u64)> = BTreeMap::new();
    for (i, op) in data.chunks_exact(3).enumerate() {
        let key = [op[0] & 0x3f, op[1] & 0x0f];
        let weight = u64::from(op[2]);
        if op[0] & 0xc0 == 0xc0 {
            assert_eq!(t.delete(&key), model.remove(&key).is_some());
        } else {
            t.update(&key, &[op[1], op[2]], weight);
            model.insert(key, ([op[1], op[2]], weight));
        }
        if i % 7 == 0 {
            store
                .write_batch(&t.take_batch())
                .expect("memory never fails");
        }
    }
    t.persist(&mut store).expect("memory never fails");
    let root = t.root();
    assert_eq!(root.count(), model.len() as u64);
    assert_eq!(root.sum(), model.values().map(|(_, w)| w).sum::<u64>());
    for (key, (value, weight)) in model.iter().take(8) {
        let p = t.prove(key);
        assert!(verify_sum_proof::<Sha256Hasher>(
            &p, &root, key, value, *weight, mode
        ));
    }
    let absent = [0x3f, 0x1f];
    assert!(verify_sum_proof::<Sha256Hasher>(
        &t.prove(&absent),
        &root,
        &absent,
        &[],
        0,
        mode
    ));
    if !model.is_empty() {
        let mut path = [0u8; 32];
        for (d, s) in path.iter_mut().zip(data.iter().rev()) {
            *d = *s;
        }
        assert!(verify_closest_proof::<Sha256Hasher>(
            &t.prove_closest(&path),
            &root
        ));
    }
    let reloaded = PoktSmst::from_store(mode, &store).expect("store reloads");
    assert_eq!(reloaded.root(), root);
    assert_eq!(
        PoktSmst::from_snapshot(&t.to_snapshot())
            .expect("snapshot")
            .root(),
        root
    );
    assert_eq!(store.len(), model.len());
}

/// `smst_snapshot_decode`: any bytes as a trie snapshot: an error, or a trie whose snapshot is a
/// fixed point (re-encoding and decoding again gives the same bytes and the same root).
pub fn snapshot_decode(data: &[u8]) {
    if let Ok(t) = PoktSmst::from_snapshot(data) {
        let once = t.to_snapshot();
        let again = PoktSmst::from_snapshot(&once).expect("our snapshot decodes");
        assert_eq!(again.to_snapshot(), once);
        assert_eq!(again.root(), t.root());
    }
}

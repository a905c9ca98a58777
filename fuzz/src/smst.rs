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
            side_nodes: (5..c.len().min(13)).map(get).collect(),
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

//! Replays every fuzz target's seed corpus through its body in a plain `cargo test`, so the
//! bodies cannot rot and the seeds stay valid inputs (rust-bitcoin's pattern).

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../../../fuzz/src/lib.rs"]
mod bodies;

use std::path::PathBuf;

#[test]
fn every_target_replays_its_seed_corpus() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    for (name, body) in bodies::TARGETS {
        let dir = root.join(name);
        let mut n = 0usize;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_file() && path.file_name().is_some_and(|f| f != "SOURCE") {
                body(&std::fs::read(&path).unwrap());
                n += 1;
            }
        }
        assert!(n > 0, "fuzz target {name} has an empty seed corpus");
        // Arbitrary short inputs too: the empty input and every single byte.
        body(&[]);
        for b in 0..=255u8 {
            body(&[b]);
        }
    }
}

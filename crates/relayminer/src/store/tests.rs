//! Tests of `store`.
#![allow(clippy::unwrap_used)]

use super::*;

fn record(sid: &str, sup: &str) -> SessionRecord {
    SessionRecord {
        application: "app".into(),
        service: "llm".into(),
        session_id: sid.into(),
        start: 1,
        end: 4,
        supplier: sup.into(),
        target: "ff".repeat(32),
        policy: PolicyRecord::Fixed(100),
        stage: Stage::Open,
        served_cu: 0,
    }
}

#[tokio::test]
async fn served_units_only_grow_and_keep_the_stage() {
    let dir = std::env::temp_dir().join(format!("pokt-rm-served-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("s.redb");
    {
        let s = Store::open(&path, Duration::ZERO).unwrap();
        let mut r = record("aa", "s1");
        r.served_cu = 100;
        s.put_relay(&r, vec![1]).await.unwrap();
        // Served but not mined: only the units change.
        r.served_cu = 300;
        s.put_served(&r).await.unwrap();
        // The claim's stage change, written with stale units: the units stay.
        let mut claimed = r.clone();
        claimed.stage = Stage::Claimed;
        claimed.served_cu = 200;
        s.set_record(&claimed).await.unwrap();
        // A late, smaller write (out of order) and one with a stale stage change nothing.
        r.served_cu = 250;
        s.put_served(&r).await.unwrap();
        // A session with served relays and none mined is remembered too.
        let mut b = record("ab", "s1");
        b.served_cu = 700;
        s.put_served(&b).await.unwrap();
        s.close();
    }
    let s = Store::open(&path, Duration::ZERO).unwrap();
    let mut loaded = s.load().unwrap();
    loaded.sort_by(|x, y| x.record.session_id.cmp(&y.record.session_id));
    assert_eq!(
        (
            loaded[0].record.stage,
            loaded[0].record.served_cu,
            loaded[0].relays.len()
        ),
        (Stage::Claimed, 300, 1)
    );
    assert_eq!(
        (loaded[1].record.served_cu, loaded[1].relays.len()),
        (700, 0)
    );
    // Records written before the field existed load with 0.
    let mut old = serde_json::to_value(record("x", "y")).unwrap();
    old.as_object_mut().unwrap().remove("served_cu");
    let back: SessionRecord = serde_json::from_value(old).unwrap();
    assert_eq!(back.served_cu, 0);
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn relays_survive_reopen_and_pruning_removes_them() {
    let dir = std::env::temp_dir().join(format!("pokt-rm-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("s.redb");
    {
        let s = Store::open(&path, Duration::from_millis(10)).unwrap();
        let (a, b) = (record("aa", "s1"), record("ab", "s1"));
        for i in 0..10u8 {
            s.put_relay(&a, vec![i]).await.unwrap();
        }
        s.put_relay(&b, vec![42]).await.unwrap();
        let mut a2 = a.clone();
        a2.stage = Stage::Claimed;
        s.set_record(&a2).await.unwrap();
        s.sync().await.unwrap();
        assert_eq!(s.relay_count().unwrap(), 11);
        s.close();
    }
    let s = Store::open(&path, Duration::ZERO).unwrap();
    let mut loaded = s.load().unwrap();
    loaded.sort_by(|x, y| x.record.session_id.cmp(&y.record.session_id));
    assert_eq!(loaded.len(), 2);
    assert_eq!(loaded[0].record.stage, Stage::Claimed);
    assert_eq!(loaded[0].relays.len(), 10);
    assert_eq!(loaded[1].relays, vec![vec![42]]);
    s.remove(&loaded[0].record).await.unwrap();
    let left = s.load().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(s.relay_count().unwrap(), 1);
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn relays_written_after_a_reopen_never_replace_earlier_ones() {
    let dir = std::env::temp_dir().join(format!("pokt-rm-seq-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("s.redb");
    let a = record("aa", "s1");
    for round in 0..3u8 {
        let s = Store::open(&path, Duration::ZERO).unwrap();
        for i in 0..4u8 {
            s.put_relay(&a, vec![round, i]).await.unwrap();
        }
        s.close();
    }
    let s = Store::open(&path, Duration::ZERO).unwrap();
    let loaded = s.load().unwrap();
    let mut relays = loaded[0].relays.clone();
    relays.sort();
    let want: Vec<Vec<u8>> = (0..3u8)
        .flat_map(|r| (0..4u8).map(move |i| vec![r, i]))
        .collect();
    assert_eq!(relays, want);
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn concurrent_writers_share_commits_and_all_land() {
    let dir = std::env::temp_dir().join(format!("pokt-rm-group-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("s.redb");
    let s = Store::open_with(
        &path,
        StoreOptions {
            sync_interval: Duration::from_millis(50),
            commit_delay: Duration::from_millis(2),
        },
    )
    .unwrap();
    let mut tasks = Vec::new();
    for t in 0..32u8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut r = record(&format!("s{}", t % 4), "s1");
            for i in 0..20u8 {
                r.served_cu = u64::from(i + 1) * 10;
                s.put_relay(&r, vec![t, i]).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(s.relay_count().unwrap(), 640);
    // Grouped: far fewer commits than relays.
    assert!(s.commits() < 640 / 2, "{} commits", s.commits());
    // Each session's record holds the largest served units written for it.
    for l in s.load().unwrap() {
        assert_eq!((l.relays.len(), l.record.served_cu), (160, 200));
    }
    s.close();
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_torn_log_tail_is_cut_and_later_writes_load() {
    let dir = std::env::temp_dir().join(format!("pokt-rm-torn-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("s.redb");
    let a = record("aa", "s1");
    {
        let s = Store::open(&path, Duration::ZERO).unwrap();
        for i in 0..3u8 {
            s.put_relay(&a, vec![0x0a, i]).await.unwrap();
        }
        s.close();
    }
    // A crash inside a write: half a record at the end of the file.
    let file = RelayLog::dir_of(&path).join(format!("{:012}.log", a.end));
    let whole = std::fs::read(&file).unwrap();
    let mut extra = Vec::new();
    log::encode(&mut extra, &a.key(), 999, Some(&[0x0a, 9, 9, 9]));
    let mut torn = whole.clone();
    torn.extend_from_slice(&extra[..extra.len() - 2]);
    std::fs::write(&file, &torn).unwrap();
    {
        let s = Store::open(&path, Duration::ZERO).unwrap();
        assert_eq!(
            std::fs::read(&file).unwrap(),
            whole,
            "the torn record is cut off"
        );
        assert_eq!(s.relay_count().unwrap(), 3);
        s.put_relay(&a, vec![0x0a, 7]).await.unwrap();
        let l = s.load().unwrap();
        assert_eq!(l[0].relays.len(), 4);
        assert_ne!(l[0].record.served_cu, 999);
        s.close();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_log_file_goes_with_the_last_session_ending_at_its_height() {
    let dir = std::env::temp_dir().join(format!("pokt-rm-logprune-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("s.redb");
    let s = Store::open(&path, Duration::ZERO).unwrap();
    let (a, b) = (record("aa", "s1"), record("ab", "s1"));
    let mut later = record("ba", "s1");
    later.end = 8;
    for r in [&a, &b, &later] {
        s.put_relay(r, vec![0x0a, 1]).await.unwrap();
    }
    let files = || std::fs::read_dir(RelayLog::dir_of(&path)).unwrap().count();
    assert_eq!(files(), 2);
    s.remove(&a).await.unwrap();
    assert_eq!(files(), 2, "b still ends at height 4");
    s.remove(&b).await.unwrap();
    assert_eq!(files(), 1);
    assert_eq!(s.relay_count().unwrap(), 1);
    assert_eq!(s.load().unwrap().len(), 1);
    s.close();
    drop(s);
    // A file no stored session refers to (its record removed before a crash could delete it)
    // is deleted at the next open.
    let stray = RelayLog::dir_of(&path).join(format!("{:012}.log", 4));
    std::fs::write(&stray, b"").unwrap();
    let s = Store::open(&path, Duration::ZERO).unwrap();
    assert!(!stray.exists());
    assert_eq!(s.load().unwrap()[0].relays, vec![vec![0x0a, 1]]);
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn relays_of_a_store_written_before_the_log_are_loaded_and_pruned() {
    let dir = std::env::temp_dir().join(format!("pokt-rm-legacy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("s.redb");
    let a = record("aa", "s1");
    {
        let s = Store::open(&path, Duration::ZERO).unwrap();
        s.set_record(&a).await.unwrap();
        // Relays as the redb-only store kept them: `{key}/` ‖ relay hash → relay bytes.
        let w = s.db.begin_write().unwrap();
        {
            let mut t = w.open_table(RELAYS).unwrap();
            for i in 0..3u8 {
                let mut k = a.key();
                k.push(b'/');
                k.extend_from_slice(&[i; 32]);
                t.insert(k.as_slice(), [0x0a, i].as_slice()).unwrap();
            }
        }
        w.commit().unwrap();
        s.close();
    }
    let s = Store::open(&path, Duration::ZERO).unwrap();
    s.put_relay(&a, vec![0x0a, 9]).await.unwrap();
    assert_eq!(s.relay_count().unwrap(), 4);
    let mut relays = s.load().unwrap()[0].relays.clone();
    relays.sort();
    assert_eq!(
        relays,
        vec![vec![0x0a, 0], vec![0x0a, 1], vec![0x0a, 2], vec![0x0a, 9]]
    );
    s.remove(&a).await.unwrap();
    assert_eq!(s.relay_count().unwrap(), 0);
    assert!(s.load().unwrap().is_empty());
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_that_goes_away_stops_no_group() {
    let dir = std::env::temp_dir().join(format!("pokt-rm-gone-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("s.redb");
    let s = Store::open(&path, Duration::ZERO).unwrap();
    let a = record("aa", "s1");
    for i in 0..20u8 {
        // Polled once (queued, its group's leader started), then dropped: a client gone. (On
        // a busy machine the leader may even have answered it within that one poll.)
        let _ = futures_util::FutureExt::now_or_never(s.put_relay(&a, vec![0x0a, 100 + i]));
        // The next write still gets its group.
        tokio::time::timeout(Duration::from_secs(5), s.put_relay(&a, vec![0x0a, i]))
            .await
            .expect("a write waits for a leader that is gone")
            .unwrap();
    }
    // The writes of the writers that went away landed too (they were queued).
    assert_eq!(s.load().unwrap()[0].relays.len(), 40);
    s.close();
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

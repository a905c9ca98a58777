//! Tests of reading, validating and resolving gateway configuration files.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;

fn write_key(dir: &Path, name: &str, b: u8) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("{}\n", hex::encode([b; 32]))).unwrap();
    p
}

fn app_addr(b: u8) -> Address {
    SigningKey::from_bytes(&[b; 32]).unwrap().address()
}

fn tmp() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "pokt-gw-cfg-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn base(dir: &Path) -> String {
    write_key(dir, "gw.hex", 2);
    write_key(dir, "app3.hex", 3);
    format!(
        r#"
[gateway]
key_file = "gw.hex"
[[applications]]
address = "{}"
[[applications]]
key_file = "app3.hex"
[[services]]
id = "llm"
models = ["m1", "m2"]
[[api_keys]]
name = "alice"
key = "sk-alice-123"
application = "{}"
requests_per_minute = 60
[qos]
max_attempts = 2
hedge.budget_ratio = 0.2
"#,
        app_addr(1),
        app_addr(1)
    )
}

#[test]
fn a_full_file_loads_with_defaults() {
    let d = tmp();
    let c = GatewayConfig::from_toml(&base(&d), &d).unwrap();
    assert_eq!(c.server.listen, d_listen());
    assert_eq!(c.relay.timeout, Duration::from_secs(30));
    assert_eq!(c.applications.len(), 2);
    assert!(matches!(c.applications[0].signer, Signer::Delegated));
    assert!(matches!(c.applications[1].signer, Signer::Held(_)));
    assert_eq!(c.applications[1].address, app_addr(3));
    assert_eq!(c.qos.max_attempts, 2);
    assert!((c.qos.hedge.budget_ratio - 0.2).abs() < 1e-12);
    assert_eq!(c.api_keys[0].digest, key_digest("sk-alice-123"));
}

#[test]
fn keys_never_show_in_debug() {
    let d = tmp();
    let c = GatewayConfig::from_toml(&base(&d), &d).unwrap();
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("sk-alice-123"), "{dbg}");
    assert!(!dbg.contains(&hex::encode([2u8; 32])));
    assert!(!dbg.contains(&hex::encode([3u8; 32])));
    let file: FileConfig = toml::from_str(&base(&d)).unwrap();
    assert!(!format!("{file:?}").contains("sk-alice-123"));
}

#[test]
fn errors_name_the_key() {
    let d = tmp();
    let err = |t: String| {
        GatewayConfig::from_toml(&t, &d)
            .expect_err("refused")
            .to_string()
    };
    let b = base(&d);
    let e = err(b.replace("[qos]", "[qos]\nbogus = 1"));
    assert!(e.contains("bogus"), "{e}");
    let e = err(b.replace("name = \"alice\"", "name = \"alice\"\nrate = 1"));
    assert!(e.contains("rate"), "{e}");
    let e = err(b.replace(
        &format!("application = \"{}\"", app_addr(1)),
        &format!("application = \"{}\"", app_addr(9)),
    ));
    assert!(e.starts_with("api_keys[0].application"), "{e}");
    let e = err(b.replace("requests_per_minute = 60", "requests_per_minute = 0"));
    assert!(e.starts_with("api_keys[0].requests_per_minute"), "{e}");
    let e = err(b.replace("key_file = \"gw.hex\"", ""));
    assert!(e.starts_with("gateway.key_file"), "{e}");
    let e = err(b.replace("max_attempts = 2", "max_attempts = 0"));
    assert!(e.starts_with("qos"), "{e}");
    let e = err(b.replace(
        "[[api_keys]]",
        "[server]\nshutdown_grace = \"soon\"\n[[api_keys]]",
    ));
    assert!(e.contains("soon"), "{e}");
    let e = err(b.replace("key = \"sk-alice-123\"", "key = \"short\""));
    assert!(e.starts_with("api_keys[0].key"), "{e}");
}

#[test]
fn key_env_is_read() {
    let d = tmp();
    let b = base(&d).replace("key = \"sk-alice-123\"", "key_env = \"GW_TEST_KEY\"");
    let file: FileConfig = toml::from_str(&b).unwrap();
    let c = GatewayConfig::from_file(file.clone(), &d, |v| {
        (v == "GW_TEST_KEY").then(|| "sk-from-env-1".to_string())
    })
    .unwrap();
    assert_eq!(c.api_keys[0].digest, key_digest("sk-from-env-1"));
    let e = GatewayConfig::from_file(file, &d, |_| None)
        .err()
        .unwrap()
        .to_string();
    assert!(e.starts_with("api_keys[0].key_env"), "{e}");
}

#[test]
fn durations() {
    assert_eq!(duration::parse("250ms"), Some(Duration::from_millis(250)));
    assert_eq!(duration::parse("5m"), Some(Duration::from_secs(300)));
    assert_eq!(duration::parse("2h"), Some(Duration::from_secs(7200)));
    assert_eq!(duration::parse("2 days"), None);
    assert_eq!(duration::parse(""), None);
}

//! Loading a [`GatewayConfig`]: reading the TOML file, validating every key and resolving keys,
//! applications, services and API keys.

use super::*;

impl GatewayConfig {
    /// Reads and validates a file; relative paths in it are relative to its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::from_toml(&text, base)
    }

    /// Parses and validates TOML; relative paths are resolved against `base`.
    pub fn from_toml(text: &str, base: &Path) -> Result<Self, ConfigError> {
        let file: FileConfig = toml::from_str(text)?;
        Self::from_file(file, base, |v| std::env::var(v).ok())
    }

    /// Validates a parsed file; `env` reads `key_env` variables.
    pub fn from_file(
        file: FileConfig,
        base: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        file.qos
            .validate()
            .map_err(|e| invalid("qos", e.to_string()))?;
        let key = match &file.gateway.key_file {
            Some(p) => Some(
                read_key_file(&resolve(p))
                    .map_err(|e| invalid("gateway.key_file", format!("{}: {e}", p.display())))?,
            ),
            None => None,
        };
        if file.services.is_empty() {
            return Err(invalid("services", "at least one [[services]] is required"));
        }
        let mut services = Vec::new();
        let mut models_seen = std::collections::BTreeSet::new();
        for (i, s) in file.services.iter().enumerate() {
            let k = |f: &str| format!("services[{i}].{f}");
            if services.iter().any(|x: &Service| x.id == s.id) {
                return Err(invalid(k("id"), format!("service `{}` listed twice", s.id)));
            }
            if !(0.0..=10.0).contains(&s.usage_tolerance) {
                return Err(invalid(k("usage_tolerance"), "must be in [0, 10]"));
            }
            let models = if s.models.is_empty() {
                vec![s.id.as_str().to_string()]
            } else {
                s.models.clone()
            };
            for m in &models {
                if !models_seen.insert(m.clone()) {
                    return Err(invalid(
                        k("models"),
                        format!("model `{m}` is routed to two services"),
                    ));
                }
            }
            let tokenizer = s.tokenizer.as_ref().map(|p| resolve(p));
            if let Some(t) = &tokenizer
                && !t.is_file()
            {
                return Err(invalid(
                    k("tokenizer"),
                    format!("{} is not a file", t.display()),
                ));
            }
            services.push(Service {
                id: s.id.clone(),
                models,
                tokenizer,
                usage_tolerance: s.usage_tolerance,
                usage_slack_tokens: s.usage_slack_tokens,
            });
        }
        if file.applications.is_empty() {
            return Err(invalid(
                "applications",
                "at least one [[applications]] is required",
            ));
        }
        let mut applications: Vec<Application> = Vec::new();
        for (i, a) in file.applications.iter().enumerate() {
            let k = |f: &str| format!("applications[{i}].{f}");
            let (address, signer) = match (&a.address, &a.key_file) {
                (Some(addr), None) => {
                    if key.is_none() {
                        return Err(invalid(
                            "gateway.key_file",
                            format!(
                                "required: applications[{i}] is delegated (has `address`, no `key_file`)"
                            ),
                        ));
                    }
                    (*addr, Signer::Delegated)
                }
                (addr, Some(p)) => {
                    let sk = read_key_file(&resolve(p))
                        .map_err(|e| invalid(k("key_file"), format!("{}: {e}", p.display())))?;
                    if let Some(addr) = addr
                        && *addr != sk.address()
                    {
                        return Err(invalid(
                            k("address"),
                            format!("{addr} is not the address of key_file's key"),
                        ));
                    }
                    (sk.address(), Signer::Held(sk))
                }
                (None, None) => {
                    return Err(invalid(
                        format!("applications[{i}]"),
                        "give `address` (delegated) or `key_file` (held)",
                    ));
                }
            };
            if applications.iter().any(|x| x.address == address) {
                return Err(invalid(
                    k("address"),
                    format!("application {address} listed twice"),
                ));
            }
            for (j, s) in a.services.iter().enumerate() {
                if !services.iter().any(|x| &x.id == s) {
                    return Err(invalid(
                        format!("applications[{i}].services[{j}]"),
                        format!("`{s}` is not in [[services]]"),
                    ));
                }
            }
            let app_services = if a.services.is_empty() {
                services.iter().map(|s| s.id.clone()).collect()
            } else {
                a.services.clone()
            };
            applications.push(Application {
                address,
                signer,
                services: app_services,
            });
        }
        if file.api_keys.is_empty() {
            return Err(invalid("api_keys", "at least one [[api_keys]] is required"));
        }
        let mut api_keys: Vec<ApiKey> = Vec::new();
        for (i, a) in file.api_keys.iter().enumerate() {
            let k = |f: &str| format!("api_keys[{i}].{f}");
            let secret = Zeroizing::new(match (&a.key, &a.key_env) {
                (Some(s), None) => s.clone(),
                (None, Some(v)) => env(v).ok_or_else(|| {
                    invalid(k("key_env"), format!("environment variable {v} is not set"))
                })?,
                _ => {
                    return Err(invalid(
                        format!("api_keys[{i}]"),
                        "give exactly one of `key` and `key_env`",
                    ));
                }
            });
            if secret.len() < 8 {
                return Err(invalid(k("key"), "an API key needs at least 8 characters"));
            }
            let digest = key_digest(&secret);
            if api_keys.iter().any(|x| x.digest == digest) {
                return Err(invalid(k("key"), "the same key is listed twice"));
            }
            let Some(app) = applications.iter().find(|x| x.address == a.application) else {
                return Err(invalid(
                    k("application"),
                    format!("{} is not in [[applications]]", a.application),
                ));
            };
            for (j, m) in a.models.iter().enumerate() {
                let served = services
                    .iter()
                    .any(|s| app.services.contains(&s.id) && s.models.contains(m));
                if !served {
                    return Err(invalid(
                        format!("api_keys[{i}].models[{j}]"),
                        format!("no service of application {} serves `{m}`", app.address),
                    ));
                }
            }
            if a.requests_per_minute == Some(0) {
                return Err(invalid(k("requests_per_minute"), "must be at least 1"));
            }
            if a.tokens_per_minute == Some(0) {
                return Err(invalid(k("tokens_per_minute"), "must be at least 1"));
            }
            api_keys.push(ApiKey {
                name: a.name.clone(),
                digest,
                application: a.application,
                models: a.models.clone(),
                requests_per_minute: a.requests_per_minute,
                tokens_per_minute: a.tokens_per_minute,
            });
        }
        let references = match &file.watcher.references {
            Some(p) => {
                let path = resolve(p);
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| invalid("watcher.references", format!("{}: {e}", p.display())))?;
                let refs: Vec<crate::Reference> = serde_json::from_str(&text)
                    .map_err(|e| invalid("watcher.references", format!("{}: {e}", p.display())))?;
                for (i, r) in refs.iter().enumerate() {
                    if !services.iter().any(|s| s.models.contains(&r.model)) {
                        return Err(invalid(
                            "watcher.references",
                            format!("entry {i}: no service serves model `{}`", r.model),
                        ));
                    }
                }
                refs
            }
            None => Vec::new(),
        };
        if file.server.max_in_flight == 0 {
            return Err(invalid("server.max_in_flight", "must be at least 1"));
        }
        if file.relay.timeout.is_zero() {
            return Err(invalid("relay.timeout", "must be positive"));
        }
        Ok(Self {
            chain: file.chain,
            server: file.server,
            key,
            relay: file.relay,
            applications,
            services,
            api_keys,
            watcher: file.watcher,
            references,
            qos: file.qos,
        })
    }
}

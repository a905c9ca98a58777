//! The inference experiments' assumptions as TOML, so researchers change them without writing
//! Rust: the defaults printed as a file, a file read back (every key optional, unknown keys
//! refused by name), and `key=value` overrides on top. [SIM-INF-CFG-1]

use serde::de::DeserializeOwned;
use toml::{Table, Value};

use super::{MarketConfig, QosParityConfig, SubstitutionConfig};
use crate::SimError;
use crate::experiments::ExperimentReport;

/// The assumptions of one inference experiment, by experiment.
///
/// ```
/// use pokt_sim::inference::ExperimentConfig;
///
/// let mut cfg = ExperimentConfig::from_toml("qos-parity", "requests = 300\nfailure_rates = [0.1]")?;
/// cfg.set("supplier_counts=[1, 5]")?;
/// cfg.set("qos.hedge.budget_ratio=0.2")?;
/// assert!(cfg.set("qos.hedge.budgt=0.2").is_err());
/// let report = cfg.run(42)?;
/// assert_eq!(report.csv_rows.len(), 2 * 4); // 2 supplier counts × 1 rate × 4 routers
/// # Ok::<(), pokt_sim::SimError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ExperimentConfig {
    /// `qos-parity`.
    QosParity(QosParityConfig),
    /// `marketplace`.
    Marketplace(MarketConfig),
    /// `substitution`.
    Substitution(SubstitutionConfig),
}

/// The experiments that take a configuration.
pub const CONFIGURABLE_EXPERIMENTS: &[&str] = &["qos-parity", "marketplace", "substitution"];

impl ExperimentConfig {
    /// The defaults of experiment `name` (what `pokt simulate --experiment NAME` runs).
    ///
    /// # Errors
    /// [`SimError::UnknownExperiment`] for a name that is no experiment;
    /// [`SimError::ExperimentConfig`] for a Relay Mining experiment (they take only a seed).
    pub fn default_for(name: &str) -> Result<Self, SimError> {
        match name {
            "qos-parity" => Ok(Self::QosParity(QosParityConfig::default())),
            "marketplace" => Ok(Self::Marketplace(MarketConfig::default())),
            "substitution" => Ok(Self::Substitution(SubstitutionConfig::default())),
            _ if crate::EXPERIMENTS.iter().any(|(n, _)| *n == name) => {
                Err(SimError::ExperimentConfig {
                    experiment: name.into(),
                    message: format!(
                        "has no configurable assumptions (only the seed); configurable: {}",
                        CONFIGURABLE_EXPERIMENTS.join(", ")
                    ),
                })
            }
            _ => Err(SimError::UnknownExperiment { name: name.into() }),
        }
    }

    /// Experiment `name`'s assumptions from TOML `text`: keys are the configuration's fields
    /// (nested tables for `qos`, `[[services]]` for the marketplace's models); a key left out keeps
    /// its default, an unknown key is refused by name. The result is validated.
    ///
    /// # Errors
    /// As [`Self::default_for`]; [`SimError::ExperimentConfig`] when the text is not TOML of the
    /// configuration's shape or a value is out of range.
    pub fn from_toml(name: &str, text: &str) -> Result<Self, SimError> {
        let cfg = match Self::default_for(name)? {
            Self::QosParity(_) => Self::QosParity(parse(name, text)?),
            Self::Marketplace(_) => Self::Marketplace(parse(name, text)?),
            Self::Substitution(_) => Self::Substitution(parse(name, text)?),
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// The experiment's command-line name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::QosParity(_) => "qos-parity",
            Self::Marketplace(_) => "marketplace",
            Self::Substitution(_) => "substitution",
        }
    }

    /// The assumptions as TOML, every key written out with a comment saying what it means
    /// ([`Self::from_toml`] reads it back to the same value).
    ///
    /// # Errors
    /// [`SimError::ExperimentConfig`] if a value has no TOML form (a non-finite float).
    pub fn to_toml(&self) -> Result<String, SimError> {
        let r = match self {
            Self::QosParity(c) => toml::to_string(c),
            Self::Marketplace(c) => toml::to_string(c),
            Self::Substitution(c) => toml::to_string(c),
        };
        let text = r.map_err(|e| self.error(e.to_string()))?;
        Ok(annotate(&text, key_docs(self.name())))
    }

    /// Overrides one value: `assignment` is `key=value`, the key a dotted path as in the TOML
    /// (`qos.hedge.budget_ratio`, `services.4.trend` for the fifth model), the value a TOML value
    /// (`0.2`, `[1, 5, 10]`, `true`, `"250ms"`; a bare word is taken as a string where the key
    /// holds a string). The result is validated.
    ///
    /// # Errors
    /// [`SimError::ExperimentConfig`] naming the key when it is unknown, the value does not parse
    /// or has the wrong type, or the result is out of range; `self` is then unchanged.
    pub fn set(&mut self, assignment: &str) -> Result<(), SimError> {
        let Some((key, value)) = assignment.split_once('=') else {
            return Err(self.error(format!("--set {assignment:?}: expected key=value")));
        };
        let (key, value) = (key.trim(), value.trim());
        let mut table = self.table()?;
        {
            let slot = self.slot(&mut table, key)?;
            let new = parse_value(value, slot).map_err(|e| {
                self.error(format!(
                    "key `{key}`: value {value:?} is not a TOML value: {e}"
                ))
            })?;
            *slot = new;
        }
        let text = toml::to_string(&table).map_err(|e| self.error(e.to_string()))?;
        let next = Self::from_toml(self.name(), &text).map_err(|e| match e {
            SimError::ExperimentConfig { message, .. } => self.error(format!(
                "key `{key}` = {value}: {}",
                message.lines().last().unwrap_or_default()
            )),
            other => other,
        })?;
        *self = next;
        Ok(())
    }

    /// Checks the ranges the experiment relies on.
    ///
    /// # Errors
    /// [`SimError::ExperimentConfig`] naming the first field out of range.
    pub fn validate(&self) -> Result<(), SimError> {
        let r = match self {
            Self::QosParity(c) => c.validate(),
            Self::Marketplace(c) => c.validate(),
            Self::Substitution(c) => c.validate(),
        };
        r.map_err(|m| self.error(m))
    }

    /// Runs the experiment with these assumptions and `seed`.
    ///
    /// # Errors
    /// As the experiment (a refused configuration, settlement or QoS errors).
    pub fn run(&self, seed: u64) -> Result<ExperimentReport, SimError> {
        match self {
            Self::QosParity(c) => super::qos_parity(c, seed),
            Self::Marketplace(c) => super::marketplace(c, seed),
            Self::Substitution(c) => super::substitution(c, seed),
        }
    }

    fn error(&self, message: String) -> SimError {
        SimError::ExperimentConfig {
            experiment: self.name().into(),
            message,
        }
    }

    fn table(&self) -> Result<Table, SimError> {
        let v = match self {
            Self::QosParity(c) => Table::try_from(c),
            Self::Marketplace(c) => Table::try_from(c),
            Self::Substitution(c) => Table::try_from(c),
        };
        v.map_err(|e| self.error(e.to_string()))
    }

    /// The value at dotted path `key` in `table`; an error names the first unknown segment.
    fn slot<'t>(&self, table: &'t mut Table, key: &str) -> Result<&'t mut Value, SimError> {
        let unknown = |at: &str| {
            self.error(format!(
                "unknown key `{key}`{}; the keys are those `--print-config` writes",
                if at == key {
                    String::new()
                } else {
                    format!(" (no `{at}`)")
                }
            ))
        };
        let mut parts = key.split('.');
        let first = parts.next().unwrap_or_default();
        let mut cur = table.get_mut(first).ok_or_else(|| unknown(first))?;
        let mut path = first.to_string();
        for part in parts {
            path = format!("{path}.{part}");
            cur = match cur {
                Value::Table(t) => t.get_mut(part),
                Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
                _ => None,
            }
            .ok_or_else(|| unknown(&path))?;
        }
        Ok(cur)
    }
}

/// What each key means, by experiment (`services.KEY` for a model's keys); the `qos` tables are
/// pokt-qos's own configuration, documented once for the gateway.
fn key_docs(name: &str) -> &'static [(&'static str, &'static str)] {
    match name {
        "qos-parity" => &[
            (
                "supplier_counts",
                "suppliers in the session (the sweep's first axis)",
            ),
            (
                "failure_rates",
                "mean failure probability per request (second axis); each supplier's own is uniform in [0, 2·rate]",
            ),
            ("requests", "requests per cell and router"),
            ("interval_ms", "simulated time between requests"),
            (
                "ttft_median_ms",
                "median time to first token of the median supplier and of the centralized endpoint",
            ),
            (
                "ttft_sigma",
                "log-space spread of one supplier's time to first token",
            ),
            (
                "supplier_spread",
                "log-space spread of the suppliers' medians (TTFT and decode speed)",
            ),
            (
                "ms_per_token",
                "decoding time per completion token of the median supplier",
            ),
            (
                "completion_median",
                "median completion length in tokens (log-normal, at most 4096)",
            ),
            ("completion_sigma", "log-space spread of completion lengths"),
            (
                "hang_share",
                "share of failures that hang until timeout_ms (the rest are fast 5xx)",
            ),
            ("timeout_ms", "the gateway's first-token timeout"),
            ("error_after_ms", "time to a fast failure (a 5xx)"),
            QOS_DOC,
        ],
        "marketplace" => &[
            ("epochs", "epochs simulated (one settlement each)"),
            (
                "relays_per_epoch",
                "relays demanded in the first epoch, over all services",
            ),
            ("demand_growth", "growth factor of total demand per epoch"),
            (
                "length_sigma",
                "log-space spread of prompt and completion lengths",
            ),
            ("max_completion", "longest completion (tokens)"),
            (
                "initial_suppliers",
                "suppliers at the start, spread over the services by demanded work",
            ),
            (
                "entrants_per_epoch",
                "new suppliers that may enter per epoch while some service is profitable",
            ),
            (
                "reconsider_share",
                "share of suppliers that reconsider their service each epoch",
            ),
            (
                "capacity",
                "work one supplier serves per epoch (completion tokens + prompt tokens / 4)",
            ),
            (
                "fixed_cost",
                "hardware cost per epoch of a supplier of size 1 (uPOKT)",
            ),
            (
                "efficiency_spread",
                "supplier costs are multiplied by a uniform draw in [1 - x, 1 + x]",
            ),
            (
                "patience",
                "epochs in a row at a loss after which a supplier leaves",
            ),
            (
                "services",
                "the models, one [[services]] table each (the list replaces the default one)",
            ),
            ("services.name", "service id, also the model's name"),
            (
                "services.size",
                "hardware per supplier relative to the smallest model (cost and per-token price scale with it)",
            ),
            (
                "services.prompt_median",
                "median prompt length (tokens, log-normal)",
            ),
            (
                "services.completion_median",
                "median completion length at launch (tokens, log-normal)",
            ),
            (
                "services.completion_growth",
                "growth of the median completion per epoch (optional, 0)",
            ),
            ("services.popularity", "popularity weight at launch"),
            (
                "services.trend",
                "change of log-popularity per epoch after launch (optional, 0)",
            ),
            (
                "services.launch_epoch",
                "epoch the model appears (optional, 0)",
            ),
        ],
        "substitution" => &[
            ("suppliers", "suppliers in the session"),
            ("substitute_share", "share of them serving a cheaper model"),
            (
                "nondeterministic_share",
                "share of honest suppliers whose backend is nondeterministic at temperature 0",
            ),
            (
                "honest_mismatch",
                "probability that a nondeterministic honest supplier's probe answer differs",
            ),
            (
                "substitute_mismatch",
                "probability that a substitute's probe answer differs",
            ),
            (
                "substitute_speedup",
                "a substitute's time to first token relative to an honest one's",
            ),
            (
                "probe_rates",
                "probes per supplier per hour (the sweep's first axis; 0 = no watcher)",
            ),
            (
                "thresholds",
                "mismatches among a supplier's last `window` probes that flag it (second axis)",
            ),
            ("window", "probes remembered per supplier"),
            ("hours", "simulated time"),
            ("requests_per_second", "user requests per second"),
            ("probe_tokens", "tokens of one probe (prompt and answer)"),
            (
                "request_tokens",
                "mean tokens of one user request (prompt and answer)",
            ),
            (
                "ttft_median_ms",
                "median time to first token of an honest supplier",
            ),
            (
                "failure_rate",
                "per-request failure probability of every supplier",
            ),
            QOS_DOC,
        ],
        _ => &[],
    }
}

const QOS_DOC: (&str, &str) = (
    "qos",
    "the gateway's pokt-qos settings, the same keys as the gateway's [qos] config (spec/qos.md)",
);

/// `text` with a `# …` line above every key (and table) that `docs` describes; the keys of an
/// array of tables (`[[services]]`) are described in its first table only.
fn annotate(text: &str, docs: &[(&str, &str)]) -> String {
    let doc = |k: &str| docs.iter().find(|(d, _)| *d == k).map(|(_, v)| *v);
    let mut out = String::new();
    let mut section = String::new();
    let mut array_tables = 0u32;
    for line in text.lines() {
        let t = line.trim();
        let comment = if let Some(h) = t.strip_prefix("[[").and_then(|h| h.strip_suffix("]]")) {
            section = h.to_string();
            array_tables += 1;
            doc(h).filter(|_| array_tables == 1)
        } else if let Some(h) = t.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            section = h.to_string();
            array_tables = 0;
            doc(h)
        } else if let Some((k, _)) = t.split_once(" = ") {
            let k = k.trim();
            if section.is_empty() {
                doc(k)
            } else if array_tables <= 1 {
                doc(&format!("{section}.{k}"))
            } else {
                None
            }
        } else {
            None
        };
        if let Some(c) = comment {
            out.push_str("# ");
            out.push_str(c);
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn parse<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, SimError> {
    toml::from_str(text).map_err(|e| SimError::ExperimentConfig {
        experiment: name.into(),
        message: e.to_string().trim_end().to_string(),
    })
}

/// `value` as TOML; a bare word where the key holds a string is that string.
fn parse_value(value: &str, old: &Value) -> Result<Value, String> {
    match toml::from_str::<Table>(&format!("v = {value}")) {
        Ok(mut t) => t.remove("v").ok_or_else(|| "empty".to_string()),
        Err(_) if matches!(old, Value::String(_)) => Ok(Value::String(value.to_string())),
        Err(e) => Err(e.message().to_string()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The printed defaults read back to the defaults, for every configurable experiment.
    #[test]
    fn defaults_round_trip() {
        for name in CONFIGURABLE_EXPERIMENTS {
            let d = ExperimentConfig::default_for(name).unwrap();
            let text = d.to_toml().unwrap();
            assert_eq!(
                ExperimentConfig::from_toml(name, &text).unwrap(),
                d,
                "{text}"
            );
            assert_eq!(ExperimentConfig::from_toml(name, "").unwrap(), d);
        }
    }

    /// Every key the printed file holds (outside the pokt-qos tables) says what it means, so the
    /// comments cannot fall behind the fields.
    #[test]
    fn every_key_is_documented() {
        for name in CONFIGURABLE_EXPERIMENTS {
            let d = ExperimentConfig::default_for(name).unwrap();
            let table = d.table().unwrap();
            for (k, v) in &table {
                assert!(key_docs(name).iter().any(|(d, _)| d == k), "{name}: {k}");
                if let Value::Array(a) = v
                    && let Some(Value::Table(t)) = a.first()
                {
                    for sub in t.keys() {
                        let key = format!("{k}.{sub}");
                        assert!(key_docs(name).iter().any(|(d, _)| *d == key), "{key}");
                    }
                }
            }
            let text = d.to_toml().unwrap();
            assert_eq!(
                text.lines().filter(|l| l.starts_with("# ")).count(),
                key_docs(name).len(),
                "{text}"
            );
        }
    }

    #[test]
    fn file_keys_override_and_unknown_keys_are_named() {
        let c = ExperimentConfig::from_toml("marketplace", "epochs = 7\n[[services]]\nname = \"m\"\nsize = 1.0\nprompt_median = 10.0\ncompletion_median = 10.0\npopularity = 1.0\n").unwrap();
        let ExperimentConfig::Marketplace(m) = &c else {
            panic!("{c:?}")
        };
        assert_eq!(m.epochs, 7);
        assert_eq!(m.services.len(), 1);
        assert_eq!(m.relays_per_epoch, MarketConfig::default().relays_per_epoch);
        let e = ExperimentConfig::from_toml("qos-parity", "requests = 10\nrequestz = 3\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("requestz"), "{e}");
        let e = ExperimentConfig::from_toml("qos-parity", "[qos.hedge]\nbudgt = 1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("budgt"), "{e}");
        assert!(ExperimentConfig::from_toml("events", "").is_err());
        assert!(matches!(
            ExperimentConfig::from_toml("nope", ""),
            Err(SimError::UnknownExperiment { .. })
        ));
    }

    #[test]
    fn set_overrides_by_dotted_key() {
        let mut c = ExperimentConfig::default_for("marketplace").unwrap();
        c.set("services.4.trend = 0.1").unwrap();
        c.set("relays_per_epoch=5000").unwrap();
        c.set("services.0.name=tiny-1b").unwrap();
        let ExperimentConfig::Marketplace(m) = &c else {
            panic!("{c:?}")
        };
        assert_eq!(m.services[4].trend, 0.1);
        assert_eq!(m.relays_per_epoch, 5000.0);
        assert_eq!(m.services[0].name, "tiny-1b");
        let before = c.clone();
        for bad in [
            "services.9.trend=1",
            "capcity=1",
            "epochs=-3",
            "epochs=0",
            "epochs",
            "epochs=[1,",
        ] {
            let e = c.set(bad).unwrap_err().to_string();
            assert!(e.starts_with("experiment marketplace: "), "{e}");
            assert_eq!(c, before, "{bad}");
        }
        assert!(
            c.set("capcity=1")
                .unwrap_err()
                .to_string()
                .contains("`capcity`")
        );
        let mut q = ExperimentConfig::default_for("substitution").unwrap();
        q.set("qos.sanctions.model_mismatch=\"2h\"").unwrap();
        let ExperimentConfig::Substitution(s) = &q else {
            panic!("{q:?}")
        };
        assert_eq!(
            s.qos.sanctions.model_mismatch,
            core::time::Duration::from_secs(7200)
        );
    }

    /// A changed assumption changes the run (the configuration reaches the experiment).
    #[test]
    fn a_changed_assumption_changes_the_run() {
        let mut c = ExperimentConfig::from_toml(
            "qos-parity",
            "requests = 300\nsupplier_counts = [1, 5]\nfailure_rates = [0.1]\n",
        )
        .unwrap();
        let a = c.run(7).unwrap();
        assert_eq!(a.csv_rows.len(), 8);
        c.set("hang_share=0.9").unwrap();
        assert_ne!(a.csv_rows, c.run(7).unwrap().csv_rows);
    }
}

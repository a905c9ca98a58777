//! `pokt relayminer check`: before any application sends a relay — the configuration is valid,
//! the keys load, the chain is reachable and has the configured chain id, each supplier is staked
//! for each configured service, each backend answers. [RM-CHECK-1]

use std::time::Duration;

use pokt_chain::Chain;
use pokt_primitives::ServiceId;

use crate::config::Config;
use crate::keys::OperatorKeys;

/// One check's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckLine {
    /// What was checked.
    pub what: String,
    /// `Ok(detail)` or `Err(problem)`.
    pub result: Result<String, String>,
}

/// Runs every check; a failing check does not stop the others.
pub async fn check<C: Chain>(chain: &C, cfg: &Config, keys: &OperatorKeys) -> Vec<CheckLine> {
    let mut out = Vec::new();
    let mut push = |what: String, result: Result<String, String>| {
        out.push(CheckLine { what, result });
    };
    push(
        "config".into(),
        Ok(format!(
            "{} service(s), {} supplier key(s)",
            cfg.services.len(),
            keys.len()
        )),
    );
    let reachable = match chain.chain_id().await {
        Ok(id) if id == cfg.chain.chain_id => {
            let h = chain
                .latest_block()
                .await
                .map(|b| b.height.get())
                .unwrap_or(0);
            push(
                format!("chain {}", cfg.chain.rpc_url),
                Ok(format!("chain id {id}, height {h}")),
            );
            true
        }
        Ok(id) => {
            push(
                format!("chain {}", cfg.chain.rpc_url),
                Err(format!(
                    "chain id is {id:?}, the config (chain.chain_id) says {:?}",
                    cfg.chain.chain_id
                )),
            );
            false
        }
        Err(e) => {
            push(format!("chain {}", cfg.chain.rpc_url), Err(e.to_string()));
            false
        }
    };
    if reachable {
        for (addr, _) in keys.iter() {
            match chain.supplier(addr).await {
                Ok(s) => {
                    for svc in &cfg.services {
                        let staked = ServiceId::new(&svc.id)
                            .ok()
                            .is_some_and(|id| s.services.iter().any(|x| x.service == id));
                        push(
                            format!("supplier {addr} service {}", svc.id),
                            if staked {
                                Ok(format!("staked ({} uPOKT)", s.stake_upokt))
                            } else {
                                Err("not staked for this service".into())
                            },
                        );
                    }
                }
                Err(e) => push(format!("supplier {addr}"), Err(format!("not staked: {e}"))),
            }
        }
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_default();
    for svc in &cfg.services {
        let url = svc.backend_url.trim_end_matches('/');
        // An OpenAI-compatible server lists its models; any HTTP answer shows it is up.
        let r = http.get(format!("{url}/v1/models")).send().await;
        push(
            format!("backend {} ({url})", svc.id),
            match r {
                Ok(r) => Ok(format!("answers (HTTP {})", r.status().as_u16())),
                Err(e) => Err(format!("unreachable: {e}")),
            },
        );
    }
    out
}

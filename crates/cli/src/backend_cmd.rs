//! `pokt backend`: the stand-in model backend (pokt-standin) as a process, for tests and demos of
//! relay miners and gateways without a model.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use pokt_standin::{STAND_IN_MODEL, StandIn};

/// `pokt backend` arguments. The scripted behaviours (each off by default) make the stand-in a
/// slow, failing, over-charging or substituted model for tests of relay miners and gateways.
#[derive(Debug, clap::Args)]
pub(crate) struct BackendArgs {
    /// Where to listen (port 0: any free port; the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:8081")]
    listen: SocketAddr,
    /// The model name `GET /v1/models` lists.
    #[arg(long, default_value = STAND_IN_MODEL)]
    model: String,
    /// Delay between streamed chunks, in milliseconds.
    #[arg(long, default_value_t = 2)]
    chunk_delay_ms: u64,
    /// Added latency per completion request, in milliseconds: the median with
    /// `--latency-p99-ms`, else fixed.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Draw the added latency log-normally with this 99th percentile (ms, ≥ `--latency-ms`).
    #[arg(long)]
    latency_p99_ms: Option<u64>,
    /// Every K-th completion request (counted per process) takes `--slow-ms` more.
    #[arg(long, default_value_t = 0)]
    slow_every: u64,
    /// The extra delay of every `--slow-every`-th request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    slow_ms: u64,
    /// Share of completion requests (0..1) answered 500 with an OpenAI error object.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Delay before a stream's first chunk, in milliseconds (a slow first token).
    #[arg(long, default_value_t = 0)]
    first_token_ms: u64,
    /// Reported `completion_tokens` multiplied by this factor (e.g. 3.0; 1.0 is honest).
    #[arg(long, default_value_t = 1.0)]
    inflate_usage: f64,
    /// Answer as the model NAME would (default: `--model`): with another name the stand-in
    /// advertises `--model` but answers differently at temperature 0.
    #[arg(long, value_name = "NAME")]
    answers_from: Option<String>,
    /// Seed of every random draw (latency, errors); default: random per process.
    #[arg(long)]
    seed: Option<u64>,
    /// Write the stand-in's tokenizer (`tokenizer.json`, Hugging Face format, counting exactly
    /// the usage the stand-in reports) to stdout and exit.
    #[arg(long)]
    print_tokenizer: bool,
}

impl BackendArgs {
    fn stand_in(&self) -> StandIn {
        StandIn {
            chunk_delay: Duration::from_millis(self.chunk_delay_ms),
            model: self.model.clone(),
            latency: Duration::from_millis(self.latency_ms),
            latency_p99: self.latency_p99_ms.map(Duration::from_millis),
            slow_every: self.slow_every,
            slow: Duration::from_millis(self.slow_ms),
            error_rate: self.error_rate,
            first_token: Duration::from_millis(self.first_token_ms),
            inflate_usage: self.inflate_usage,
            answers_from: self.answers_from.clone(),
            seed: self.seed,
        }
    }
}

/// Serves the stand-in until SIGINT or SIGTERM (or prints its tokenizer).
pub(crate) fn run(a: BackendArgs) -> anyhow::Result<()> {
    if a.print_tokenizer {
        print!("{}", pokt_standin::TOKENIZER_JSON);
        return Ok(());
    }
    let cfg = a.stand_in();
    if let Err(e) = cfg.validate() {
        // Named after the flag, not the library's field.
        let flag = match e.field {
            "latency" => "latency-ms",
            "latency_p99" => "latency-p99-ms",
            "slow" => "slow-ms",
            "first_token" => "first-token-ms",
            f => &f.replace('_', "-"),
        };
        anyhow::bail!("--{flag}: {}", e.message);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let shutdown = crate::signals::Shutdown::register();
        let at = pokt_standin::serve(a.listen, cfg)
            .await
            .with_context(|| format!("listening on {}", a.listen))?;
        // One line scripts read: the model and the address.
        println!(
            "pokt backend: stand-in model \"{}\" on http://{at}",
            a.model
        );
        shutdown.wait().await;
        Ok(())
    })
}

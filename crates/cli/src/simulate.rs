//! `pokt simulate`: the researchers' simulator (pokt-sim) with a progress bar, a summary table,
//! CSV series and PNG plots.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use pokt_sim::{ControllerKind, Scenario};

/// The difficulty controller, on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum ControllerArg {
    /// poktroll's mined-relay EMA (the chain's behaviour).
    Poktroll,
    /// The Relay Mining paper's estimated-relay EMA.
    Paper,
}

/// Arguments of `pokt simulate`.
#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    /// Scenario file (TOML); the embedded default scenario when absent.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Output directory for CSV and PNG files.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Override the scenario's difficulty controller.
    #[arg(long, value_enum)]
    controller: Option<ControllerArg>,
    /// Override the number of sessions.
    #[arg(long)]
    sessions: Option<u64>,
    /// Skip the PNG plots.
    #[arg(long)]
    no_plots: bool,
    /// Run one of the paper's experiments instead of a scenario: events, controllers,
    /// proof-economics, bias-map, low-volume, qos-parity, marketplace, substitution (see
    /// spec/simulation.md).
    #[arg(long)]
    experiment: Option<String>,
    /// The experiment's assumptions from a TOML file (qos-parity, marketplace, substitution):
    /// keys as `--print-config` writes them, each optional (a key left out keeps its default),
    /// unknown keys refused.
    #[arg(long, value_name = "FILE", requires = "experiment")]
    config: Option<PathBuf>,
    /// Override one assumption of the experiment, after `--config`: a dotted key as in the TOML
    /// and a TOML value, e.g. `--set requests=1000`, `--set 'failure_rates=[0.1, 0.2]'`,
    /// `--set qos.hedge.budget_ratio=0.2`, `--set services.4.trend=0.1`. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE", requires = "experiment")]
    set: Vec<String>,
    /// Print the experiment's assumptions as TOML (the defaults, with `--config`/`--set`
    /// applied) and exit; edit the output and pass it back with `--config`.
    #[arg(long, requires = "experiment")]
    print_config: bool,
    /// Print the embedded default scenario and exit.
    #[arg(long)]
    print_default_scenario: bool,
}

pub(crate) fn run(args: SimulateArgs) -> anyhow::Result<()> {
    if args.print_default_scenario {
        print!("{}", pokt_sim::DEFAULT_SCENARIO);
        return Ok(());
    }
    if let Some(name) = &args.experiment {
        let config = experiment_config(name, &args)?;
        if args.print_config {
            if let Some(cfg) = &config {
                print!("{}", config_file(cfg)?);
            }
            return Ok(());
        }
        let t0 = Instant::now();
        let seed = args.seed.unwrap_or(42);
        let r = match &config {
            Some(cfg) => cfg.run(seed),
            None => pokt_sim::run_experiment(name, seed),
        }
        .map_err(anyhow::Error::msg)?;
        println!(
            "experiment {}: {:.2} s\n",
            r.name,
            t0.elapsed().as_secs_f64()
        );
        println!("{}", r.table);
        std::fs::create_dir_all(&args.out)
            .with_context(|| format!("creating {}", args.out.display()))?;
        let path = args.out.join(format!("experiment-{}.csv", r.name));
        let mut text = r.csv_header.clone();
        text.push('\n');
        for row in &r.csv_rows {
            text.push_str(row);
            text.push('\n');
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
        if let Some(cfg) = &config {
            // The assumptions of this run beside its results, ready for `--config`.
            let path = args.out.join(format!("experiment-{}.toml", r.name));
            std::fs::write(&path, config_file(cfg)?)
                .with_context(|| format!("writing {}", path.display()))?;
            println!("wrote {}", path.display());
        }
        if !args.no_plots {
            for p in pokt_sim::inference::write_figures(&r.figures, &args.out)
                .map_err(anyhow::Error::msg)?
            {
                println!("wrote {}", p.display());
            }
        }
        return Ok(());
    }
    let mut sc = match &args.scenario {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Scenario::from_toml(&text)
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("scenario {}", p.display()))?
        }
        None => Scenario::default_scenario().map_err(anyhow::Error::msg)?,
    };
    if let Some(s) = args.seed {
        sc.seed = s;
    }
    if let Some(n) = args.sessions {
        if n == 0 {
            bail!("--sessions must be positive");
        }
        sc.sessions = n;
    }
    if let Some(c) = args.controller {
        sc.controller = match c {
            ControllerArg::Poktroll => ControllerKind::Poktroll,
            ControllerArg::Paper => ControllerKind::Paper,
        };
    }
    let bar = ProgressBar::new(sc.sessions);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} simulating [{bar:40}] {pos}/{len} sessions ({elapsed}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let t0 = Instant::now();
    let report =
        pokt_sim::run(&sc, &|done, _| bar.set_position(done)).map_err(anyhow::Error::msg)?;
    bar.finish_and_clear();
    let elapsed = t0.elapsed();
    println!("{}", pokt_sim::summary_table(&report));
    let relays = report.relays_exact + report.relays_sampled;
    println!(
        "simulated {} sessions, {relays} relays in {:.2} s",
        sc.sessions,
        elapsed.as_secs_f64()
    );
    let mut files = pokt_sim::write_csv(&report, &args.out)
        .with_context(|| format!("writing {}", args.out.display()))?;
    if !args.no_plots {
        files.extend(pokt_sim::write_plots(&report, &args.out).map_err(anyhow::Error::msg)?);
    }
    for f in files {
        println!("wrote {}", f.display());
    }
    Ok(())
}

/// The assumptions of experiment `name` with `--config` and `--set` applied; `None` for an
/// experiment that has none (the Relay Mining ones), which is an error if either was given.
fn experiment_config(
    name: &str,
    args: &SimulateArgs,
) -> anyhow::Result<Option<pokt_sim::inference::ExperimentConfig>> {
    use pokt_sim::inference::{CONFIGURABLE_EXPERIMENTS, ExperimentConfig};
    let mut cfg = if let Some(path) = &args.config {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        ExperimentConfig::from_toml(name, &text)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("--config {}", path.display()))?
    } else if CONFIGURABLE_EXPERIMENTS.contains(&name) || !args.set.is_empty() || args.print_config
    {
        ExperimentConfig::default_for(name).map_err(anyhow::Error::msg)?
    } else {
        return Ok(None);
    };
    for assignment in &args.set {
        cfg.set(assignment)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("--set {assignment}"))?;
    }
    Ok(Some(cfg))
}

/// The assumptions as a commented TOML file.
fn config_file(cfg: &pokt_sim::inference::ExperimentConfig) -> anyhow::Result<String> {
    let name = cfg.name();
    Ok(format!(
        "# Assumptions of `pokt simulate --experiment {name}`; run with `--config FILE`.\n\
         # Every key is optional (a key left out keeps its default); unknown keys are refused.\n\
         # The model behind the keys and its limits: spec/simulation.md (SIM-INF-…).\n\n{}",
        cfg.to_toml().map_err(anyhow::Error::msg)?
    ))
}

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
        let t0 = Instant::now();
        let r =
            pokt_sim::run_experiment(name, args.seed.unwrap_or(42)).map_err(anyhow::Error::msg)?;
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

//! Plots of the inference experiments: a figure is data (so that tests and other front ends can
//! read it), drawn to PNG with plotters and the bundled font.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

/// How a figure's series are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FigureKind {
    /// Lines through the points, with a marker on each.
    #[default]
    Lines,
    /// Markers only (a scatter plot).
    Points,
}

/// One plot: named series of (x, y) points on shared axes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figure {
    /// File stem: the plot is written as `<name>.png`.
    pub name: String,
    /// Caption.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// Lines or points.
    pub kind: FigureKind,
    /// (legend, points) per series.
    pub series: Vec<(String, Vec<(f64, f64)>)>,
}

const COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 0),
];

fn tick(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e6).contains(&a) {
        format!("{v:.1e}")
    } else if a < 1.0 {
        format!("{v:.3}")
    } else if a < 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// The range of the finite (and, on a log axis, positive) values, padded.
fn range(vals: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in vals.filter(|v| v.is_finite() && (!log || *v > 0.0)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return (if log { 0.1 } else { 0.0 }, 1.0);
    }
    if log {
        if hi / lo < 1.01 {
            return (lo / 2.0, hi * 2.0);
        }
        (lo / 1.15, hi * 1.15)
    } else {
        let pad = ((hi - lo) * 0.05).max(hi.abs().max(1e-9) * 1e-3);
        (lo - pad, hi + pad)
    }
}

impl Figure {
    /// Draws the figure into `path` (PNG, 1100 × 650).
    pub fn write_png(&self, path: &Path) -> Result<(), String> {
        crate::output::ensure_font();
        let root = BitMapBackend::new(path, (1100, 650)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let pts = || self.series.iter().flat_map(|(_, v)| v.iter().copied());
        let (x0, x1) = range(pts().map(|p| p.0), self.log_x);
        let (y0, y1) = range(pts().map(|p| p.1), self.log_y);
        let legend_corner = self.emptiest_corner((x0, x1), (y0, y1));
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(&self.title, ("sans-serif", 22))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(80);
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc(self.x_label.as_str())
                    .y_desc(self.y_label.as_str())
                    .x_label_formatter(&|v| tick(*v))
                    .y_label_formatter(&|v| tick(*v))
                    .label_style(("sans-serif", 14))
                    .draw()
                    .map_err(|e| e.to_string())?;
                for (i, (label, data)) in self.series.iter().enumerate() {
                    let c = COLORS[i % COLORS.len()];
                    let data: Vec<(f64, f64)> = data
                        .iter()
                        .copied()
                        .filter(|&(x, y)| {
                            x.is_finite()
                                && y.is_finite()
                                && (!self.log_x || x > 0.0)
                                && (!self.log_y || y > 0.0)
                        })
                        .collect();
                    if self.kind == FigureKind::Lines {
                        chart
                            .draw_series(LineSeries::new(data.clone(), c.stroke_width(2)))
                            .map_err(|e| e.to_string())?;
                    }
                    let size = if self.kind == FigureKind::Lines { 3 } else { 4 };
                    chart
                        .draw_series(data.iter().map(|&p| Circle::new(p, size, c.filled())))
                        .map_err(|e| e.to_string())?
                        .label(label.clone())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                        });
                }
                chart
                    .configure_series_labels()
                    .position(legend_corner)
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .label_font(("sans-serif", 14))
                    .draw()
                    .map_err(|e| e.to_string())?;
            }};
        }
        match (self.log_x, self.log_y) {
            (false, false) => draw!(
                builder
                    .build_cartesian_2d(x0..x1, y0..y1)
                    .map_err(|e| e.to_string())?
            ),
            (true, false) => draw!(
                builder
                    .build_cartesian_2d((x0..x1).log_scale(), y0..y1)
                    .map_err(|e| e.to_string())?
            ),
            (false, true) => draw!(
                builder
                    .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
                    .map_err(|e| e.to_string())?
            ),
            (true, true) => draw!(
                builder
                    .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
                    .map_err(|e| e.to_string())?
            ),
        }
        root.present().map_err(|e| e.to_string())?;
        Ok(())
    }
}

impl Figure {
    /// The corner of the plot area with the fewest points, for the legend.
    fn emptiest_corner(&self, (x0, x1): (f64, f64), (y0, y1): (f64, f64)) -> SeriesLabelPosition {
        let norm = |v: f64, lo: f64, hi: f64, log: bool| {
            if log {
                (v.max(lo).ln() - lo.ln()) / (hi.ln() - lo.ln()).max(f64::MIN_POSITIVE)
            } else {
                (v - lo) / (hi - lo).max(f64::MIN_POSITIVE)
            }
        };
        // Upper left, upper right, lower left, lower right.
        let mut counts = [0usize; 4];
        for &(x, y) in self.series.iter().flat_map(|(_, v)| v.iter()) {
            if !(x.is_finite() && y.is_finite()) {
                continue;
            }
            let (u, w) = (norm(x, x0, x1, self.log_x), norm(y, y0, y1, self.log_y));
            let left = u < 0.45;
            let right = u > 0.55;
            let top = w > 0.55;
            let bottom = w < 0.45;
            for (i, hit) in [left && top, right && top, left && bottom, right && bottom]
                .iter()
                .enumerate()
            {
                if *hit && let Some(c) = counts.get_mut(i) {
                    *c += 1;
                }
            }
        }
        let best = (0..4)
            .min_by_key(|&i| counts.get(i).copied().unwrap_or(0))
            .unwrap_or(0);
        match best {
            0 => SeriesLabelPosition::UpperLeft,
            1 => SeriesLabelPosition::UpperRight,
            2 => SeriesLabelPosition::LowerLeft,
            _ => SeriesLabelPosition::LowerRight,
        }
    }
}

/// Writes every figure as `<dir>/<name>.png`; returns the paths.
pub fn write_figures(figures: &[Figure], dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(figures.len());
    for fig in figures {
        let p = dir.join(format!("{}.png", fig.name));
        fig.write_png(&p)?;
        out.push(p);
    }
    Ok(out)
}

//! The figures of `make bench`: each a list of samples (median, min and max), an optional budget, the
//! table printed and written to `bench/RESULTS.md`, and the README's copy of the last run.

use std::fmt::Write as _;
use std::path::Path;

/// What a figure must stay under.
#[derive(Clone, Copy, Debug)]
pub enum Budget {
    /// The median must be at most this.
    AtMost(f64),
    /// The median must be strictly below this.
    Below(f64),
}

impl Budget {
    fn holds(self, value: f64) -> bool {
        match self {
            Budget::AtMost(limit) => value <= limit,
            Budget::Below(limit) => value < limit,
        }
    }

    fn describe(self, unit: &str) -> String {
        match self {
            Budget::AtMost(limit) => format!("≤ {}", number(limit, unit)),
            Budget::Below(limit) => format!("< {}", number(limit, unit)),
        }
    }
}

/// One line of the table.
#[derive(Clone, Debug)]
pub struct Figure {
    pub section: &'static str,
    pub name: String,
    pub unit: &'static str,
    pub samples: Vec<f64>,
    pub budget: Option<Budget>,
    /// Printed under the table (what was measured, the critical path).
    pub note: Option<String>,
}

impl Figure {
    pub fn new(section: &'static str, name: impl Into<String>, unit: &'static str) -> Figure {
        Figure {
            section,
            name: name.into(),
            unit,
            samples: Vec::new(),
            budget: None,
            note: None,
        }
    }

    pub fn samples(mut self, samples: Vec<f64>) -> Figure {
        self.samples = samples;
        self
    }

    pub fn budget(mut self, budget: Budget) -> Figure {
        self.budget = Some(budget);
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Figure {
        self.note = Some(note.into());
        self
    }

    pub fn median(&self) -> Option<f64> {
        percentile(&self.samples, 50.0)
    }

    /// `Some(false)` when a budget is set and the median misses it.
    pub fn met(&self) -> Option<bool> {
        Some(self.budget?.holds(self.median()?))
    }
}

/// The `p`th percentile (nearest rank) of `values`.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn min(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// `1,234 ms`, `3.2 %`, `41.7 MB`, `12 rows`.
pub fn number(value: f64, unit: &str) -> String {
    let digits = if value.abs() >= 100.0 || value.fract() == 0.0 {
        0
    } else if value.abs() >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{value:.digits$}");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let negative = whole.starts_with('-');
    let digits_only = whole.trim_start_matches('-');
    let mut grouped = String::new();
    for (i, c) in digits_only.chars().enumerate() {
        if i > 0 && (digits_only.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if negative { "-" } else { "" };
    let fraction = if fraction.is_empty() {
        String::new()
    } else {
        format!(".{fraction}")
    };
    if unit.is_empty() {
        format!("{sign}{grouped}{fraction}")
    } else {
        format!("{sign}{grouped}{fraction} {unit}")
    }
}

/// Where and on what the run happened.
pub struct Machine {
    pub date: String,
    pub cpu: String,
    pub cores: usize,
    pub memory_gb: f64,
    pub browser: String,
}

impl Machine {
    pub fn describe(&self) -> String {
        format!(
            "{} · {} cores ({}) · {:.1} GB RAM · {}",
            self.date, self.cores, self.cpu, self.memory_gb, self.browser
        )
    }
}

/// The markdown table of every figure.
pub fn table(figures: &[Figure]) -> String {
    let mut out = String::from(
        "| | Figure | median | min | max | runs | budget | |\n|---|---|---:|---:|---:|---:|---|---|\n",
    );
    for figure in figures {
        let samples = &figure.samples;
        let verdict = match figure.met() {
            Some(true) => "met",
            Some(false) => "**missed**",
            None => "",
        };
        let cell = |v: Option<f64>| v.map(|v| number(v, figure.unit)).unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {verdict} |",
            figure.section,
            figure.name,
            cell(figure.median()),
            cell((!samples.is_empty()).then(|| min(samples))),
            cell((!samples.is_empty()).then(|| max(samples))),
            samples.len(),
            figure
                .budget
                .map(|b| b.describe(figure.unit))
                .unwrap_or_default(),
        );
    }
    out
}

/// The notes under the table, one bullet per figure that has one.
pub fn notes(figures: &[Figure]) -> String {
    let mut out = String::new();
    for figure in figures {
        if let Some(note) = &figure.note {
            let _ = writeln!(out, "- **{} {}**: {note}", figure.section, figure.name);
        }
    }
    out
}

/// The budgets the run missed, as lines for the terminal.
pub fn missed(figures: &[Figure]) -> Vec<String> {
    figures
        .iter()
        .filter(|f| f.met() == Some(false))
        .map(|f| {
            format!(
                "{} {}: median {} (budget {})",
                f.section,
                f.name,
                number(f.median().unwrap_or_default(), f.unit),
                f.budget.map(|b| b.describe(f.unit)).unwrap_or_default()
            )
        })
        .collect()
}

/// Replaces the text between `<!-- bench:start -->` and `<!-- bench:end -->` in the README.
pub fn update_readme(readme: &Path, body: &str) -> Result<(), String> {
    const START: &str = "<!-- bench:start -->";
    const END: &str = "<!-- bench:end -->";
    let text = std::fs::read_to_string(readme).map_err(|e| e.to_string())?;
    let (Some(start), Some(end)) = (text.find(START), text.find(END)) else {
        return Err(format!(
            "{} has no {START} … {END} section",
            readme.display()
        ));
    };
    let updated = format!("{}{START}\n{body}{}", &text[..start], &text[end..],);
    std::fs::write(readme, updated).map_err(|e| e.to_string())
}

//! `tenant-emulator`: command-line entry point. Parses the flags of SPEC.md, starts the emulator and
//! prints the line scripts wait for.

use clap::Parser;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::process::ExitCode;
use tenant_emulator::{Emulator, EmulatorConfig, Scenario, ServeApp};

/// Emulates the Microsoft PIM approval APIs of one tenant on 127.0.0.1.
#[derive(Parser, Debug)]
#[command(name = "tenant-emulator", version)]
struct Args {
    /// Scenario JSON file (e.g. tests/emulator/scenarios/demo.json).
    #[arg(long)]
    scenario: PathBuf,
    /// Port of the APIs (0 = pick a free one).
    #[arg(long, default_value_t = 8400)]
    port: u16,
    /// Origin allowed by CORS and for redirect URIs; repeat for several.
    #[arg(long = "app-origin")]
    app_origins: Vec<String>,
    /// Enable the /_emulator test controls.
    #[arg(long)]
    test_controls: bool,
    /// Fixed delay added to every service response.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// A path prefix's own fixed delay instead of --latency-ms (e.g. `/oauth2/=40`); repeatable, the
    /// longest matching prefix wins.
    #[arg(long = "route-latency", value_parser = parse_route_latency)]
    route_latency: Vec<(String, u64)>,
    /// Items per page on paged lists.
    #[arg(long, default_value_t = 100)]
    page_size: usize,
    /// Add N synthetic pending requests (seeded) for scale tests.
    #[arg(long, default_value_t = 0)]
    generate: usize,
    /// Also serve the built app (Trunk dist/) from this directory.
    #[arg(long)]
    serve_app: Option<PathBuf>,
    /// Port of the served app.
    #[arg(long, default_value_t = 8080)]
    app_port: u16,
    /// Path the app is served under.
    #[arg(long, default_value = "/")]
    app_base: String,
    /// JSON object merged over the generated config.json.
    #[arg(long)]
    app_config_overlay: Option<PathBuf>,
    /// Lifetime of access and id tokens.
    #[arg(long, default_value_t = 3599)]
    token_lifetime_secs: i64,
}

fn parse_route_latency(value: &str) -> Result<(String, u64), String> {
    let (prefix, ms) = value
        .rsplit_once('=')
        .ok_or_else(|| format!("{value:?} is not PREFIX=MS"))?;
    if !prefix.starts_with('/') {
        return Err(format!("{prefix:?} must start with /"));
    }
    let ms = ms
        .parse()
        .map_err(|_| format!("{ms:?} is not a number of milliseconds"))?;
    Ok((prefix.to_string(), ms))
}

fn read_overlay(path: &PathBuf) -> Result<Map<String, Value>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    match serde_json::from_str(&text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(format!("{} must contain a JSON object", path.display())),
    }
}

fn config_from(args: Args) -> Result<EmulatorConfig, String> {
    let mut config = EmulatorConfig::new(Scenario::from_file(&args.scenario)?);
    config.port = args.port;
    config.app_origins = args.app_origins;
    config.test_controls = args.test_controls;
    config.latency_ms = args.latency_ms;
    config.route_latency = args.route_latency;
    config.page_size = args.page_size;
    config.generate = args.generate;
    config.token_lifetime_secs = args.token_lifetime_secs;
    config.serve_app = args.serve_app.map(|dir| ServeApp {
        dir,
        port: args.app_port,
        base: args.app_base,
    });
    if let Some(path) = &args.app_config_overlay {
        config.app_config_overlay = read_overlay(path)?;
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match config_from(Args::parse()) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("tenant-emulator: {message}");
            return ExitCode::FAILURE;
        }
    };
    let handle = match Emulator::start(config).await {
        Ok(handle) => handle,
        Err(error) => {
            eprintln!("tenant-emulator: cannot listen: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("tenant-emulator listening on {}", handle.base_url);
    if let Some(app_url) = &handle.app_url {
        println!("app on {app_url}");
    }
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}

//! `guildhall-sandbox`: runs the Discord stand-in with the demo world until Ctrl-C.
//!
//! Usage: `guildhall-sandbox [PORT]` (default: a free port). With `--traffic` it also runs the
//! traffic generator. `GUILDHALL_SANDBOX_LATENCY_MS` delays every REST request by that many
//! milliseconds (see `Sandbox::set_rest_latency`).

use std::net::SocketAddr;

use guildhall_sandbox::traffic::{Traffic, TrafficOptions};
use guildhall_sandbox::{LATENCY_ENV, Sandbox, Seed, latency_from_env};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let traffic = args.iter().any(|a| a == "--traffic");
    let port = match args.iter().find(|a| !a.starts_with("--")) {
        Some(port) => port
            .parse::<u16>()
            .map_err(|_| anyhow::anyhow!("PORT must be a number from 0 to 65535, got {port:?}"))?,
        None => 0,
    };
    let latency = latency_from_env().map_err(|error| anyhow::anyhow!(error))?;
    let sandbox = Sandbox::start_on(SocketAddr::from(([127, 0, 0, 1], port)), Seed::demo()).await?;
    if let Some(latency) = latency {
        sandbox.set_rest_latency(latency);
    }
    println!("api base:        {}", sandbox.api_base());
    println!("gateway url:     {}", sandbox.gateway_url());
    println!("bot token:       {}", sandbox.bot_token());
    println!("application id:  {}", sandbox.application_id());
    println!("client secret:   {}", sandbox.client_secret());
    println!(
        "rest latency:    {:?} ({LATENCY_ENV})",
        sandbox.rest_latency()
    );
    let handle = traffic.then(|| Traffic::start(sandbox.clone(), TrafficOptions::default()));
    tokio::signal::ctrl_c().await?;
    if let Some(handle) = handle {
        let counts = handle.stop().await;
        println!("traffic: {counts:?}");
    }
    sandbox.shutdown();
    Ok(())
}

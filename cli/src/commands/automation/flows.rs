//! `guildhall automation flows`: a guild's automations (an event, conditions, steps) and their
//! runs. `list` and `show` say the event, conditions and steps in words with roles and channels
//! by name (`--json` keeps ids); a multi-stage flow of a guild whose tier lacks
//! `MultiStageAutomations` is "paused: needs premium". `runs` lists the latest runs (newest
//! first) and `run` one run's history. `remove` goes through `core.automation.remove_flow` as
//! the operator (the settings history keeps the flow; its running runs go on).

use clap::Subcommand;
use guildhall_core::automation::{Flow, FlowEvent, FlowRun};
use guildhall_core::ids::GuildId;
use guildhall_core::premium::Perk;
use serde_json::{Value, json};

use super::{local, relative};
use crate::app::{self, GlobalOptions, Services};
use crate::output::{self, Named, Table};

/// How many runs `list` reads to count the ones going now.
const COUNTED_RUNS: u32 = 1_000;

#[derive(Debug, Subcommand)]
pub enum FlowsCommand {
    /// The guild's automations: state, event, steps and how many runs are going now.
    List {
        /// The guild: its id, or its exact name.
        guild: String,
    },
    /// One automation: its event, conditions and numbered steps, in words.
    Show {
        /// The guild: its id, or its exact name.
        guild: String,
        /// The automation's name.
        name: String,
    },
    /// Removes an automation (its runs going now go on to their end).
    Remove {
        /// The guild: its id, or its exact name.
        guild: String,
        /// The automation's name.
        name: String,
    },
    /// The guild's latest automation runs, the newest first.
    Runs {
        /// The guild: its id, or its exact name.
        guild: String,
        /// Only this automation's runs.
        #[arg(long)]
        flow: Option<String>,
        /// How many runs.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// One run: its automation, member, state and history with times.
    Run {
        /// The guild: its id, or its exact name.
        guild: String,
        /// The run's number.
        id: i64,
    },
}

pub async fn run(
    options: &GlobalOptions,
    services: &Services,
    command: FlowsCommand,
) -> anyhow::Result<()> {
    match command {
        FlowsCommand::List { guild } => list(options, services, &guild).await,
        FlowsCommand::Show { guild, name } => show(options, services, &guild, &name).await,
        FlowsCommand::Remove { guild, name } => remove(options, services, &guild, &name).await,
        FlowsCommand::Runs { guild, flow, limit } => {
            runs(options, services, &guild, flow.as_deref(), limit).await
        }
        FlowsCommand::Run { guild, id } => one_run(options, services, &guild, id).await,
    }
}

/// `on`, `off`, or `paused: needs premium`.
fn flow_state(services: &Services, guild: GuildId, flow: &Flow) -> &'static str {
    if !flow.enabled {
        "off"
    } else if flow.is_multi_stage() && !services.premium.allows(guild, Perk::MultiStageAutomations)
    {
        "paused: needs premium"
    } else {
        "on"
    }
}

/// The event in words, with the role by name and the scheduled message by its name.
async fn event_words(
    services: &Services,
    guild: GuildId,
    named: &Named,
    event: &FlowEvent,
) -> String {
    match event {
        FlowEvent::RoleAdded { role } => format!("a member gets {}", named.role(*role)),
        FlowEvent::SchedulePosted { schedule } => {
            match services.automation.scheduled(guild, *schedule).await {
                Ok(scheduled) => {
                    format!("scheduled message #{schedule} “{}” posts", scheduled.name)
                }
                Err(_) => format!("scheduled message #{schedule} (deleted) posts"),
            }
        }
        other => named.mentions(&other.describe()),
    }
}

/// The conditions at the start, in words.
fn conditions(named: &Named, flow: &Flow) -> String {
    let roles = |roles: &[guildhall_core::ids::RoleId]| {
        roles
            .iter()
            .map(|role| named.role(*role))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    if !flow.roles_any.is_empty() {
        parts.push(format!("the member has one of {}", roles(&flow.roles_any)));
    }
    if !flow.roles_none.is_empty() {
        parts.push(format!(
            "the member has none of {}",
            roles(&flow.roles_none)
        ));
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(" and ")
    }
}

/// The flow called `name`, or an error naming the flows there are.
fn find<'a>(flows: &'a [Flow], guild_name: &str, name: &str) -> anyhow::Result<&'a Flow> {
    flows
        .iter()
        .find(|flow| flow.name.trim().eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| {
            if flows.is_empty() {
                anyhow::anyhow!(
                    "{guild_name} has no automation called `{}`: it has no automations at all",
                    name.trim()
                )
            } else {
                anyhow::anyhow!(
                    "{guild_name} has no automation called `{}`; its automations are {}",
                    name.trim(),
                    flows
                        .iter()
                        .map(|flow| format!("`{}`", flow.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        })
}

fn is_active(run: &FlowRun) -> bool {
    matches!(run.state.as_str(), "running" | "waiting")
}

/// `i/n`: the step a run is at (running: the one it runs next; otherwise the last it reached).
fn step_of(run: &FlowRun) -> String {
    let total = run.flow.steps.len();
    let at = if run.state == "running" {
        run.step + 1
    } else {
        run.step.max(1)
    };
    format!("{}/{total}", at.min(total))
}

/// The member a run is about: the name it started with, else the name now.
fn member(named: &Named, run: &FlowRun) -> String {
    match (run.user_name.trim(), run.user) {
        (name, _) if !name.is_empty() => name.to_owned(),
        (_, Some(user)) => named.user(user),
        (_, None) => "-".into(),
    }
}

async fn list(options: &GlobalOptions, services: &Services, guild: &str) -> anyhow::Result<()> {
    let (guild, name) = app::resolve_known_guild(services, guild).await?;
    let settings = services.automation.settings(guild).await?;
    let runs = services
        .automation
        .runs(guild, None, COUNTED_RUNS)
        .await
        .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
    let going = |flow: &Flow| {
        runs.iter()
            .filter(|run| {
                is_active(run) && run.flow.name.trim().eq_ignore_ascii_case(flow.name.trim())
            })
            .count()
    };
    if options.json {
        let rows: Vec<Value> = settings
            .flows
            .iter()
            .map(|flow| {
                json!({
                    "flow": flow,
                    "state": flow_state(services, guild, flow),
                    "runs_going": going(flow),
                })
            })
            .collect();
        return output::json(&rows);
    }
    if settings.flows.is_empty() {
        println!("{name} has no automations");
        return Ok(());
    }
    let named = Named::load(services, guild).await?;
    let mut table = Table::new(&["NAME", "STATE", "WHEN", "STEPS", "RUNNING"]);
    for flow in &settings.flows {
        table.row(vec![
            flow.name.clone(),
            flow_state(services, guild, flow).into(),
            event_words(services, guild, &named, &flow.when).await,
            flow.steps.len().to_string(),
            going(flow).to_string(),
        ]);
    }
    table.print();
    if runs.len() == COUNTED_RUNS as usize {
        println!("(runs going counted among the latest {COUNTED_RUNS} runs)");
    }
    Ok(())
}

async fn show(
    options: &GlobalOptions,
    services: &Services,
    guild: &str,
    flow_name: &str,
) -> anyhow::Result<()> {
    let (guild, name) = app::resolve_known_guild(services, guild).await?;
    let settings = services.automation.settings(guild).await?;
    let flow = find(&settings.flows, &name, flow_name)?;
    let state = flow_state(services, guild, flow);
    if options.json {
        return output::json(&json!({ "flow": flow, "state": state }));
    }
    let named = Named::load(services, guild).await?;
    println!("automation “{}” in {name}", flow.name);
    println!(
        "  state        {}",
        match state {
            "paused: needs premium" => "on, but paused: more than one step needs premium",
            other => other,
        }
    );
    println!(
        "  when         {}",
        event_words(services, guild, &named, &flow.when).await
    );
    println!("  only if      {}", conditions(&named, flow));
    println!("  steps");
    let width = flow.steps.len().to_string().len();
    for (index, step) in flow.steps.iter().enumerate() {
        println!(
            "    {:>width$}. {}",
            index + 1,
            named.mentions(&step.describe())
        );
    }
    Ok(())
}

async fn remove(
    options: &GlobalOptions,
    services: &Services,
    guild: &str,
    flow_name: &str,
) -> anyhow::Result<()> {
    let (guild, name) = app::resolve_known_guild(services, guild).await?;
    let settings = services.automation.settings(guild).await?;
    let flow = find(&settings.flows, &name, flow_name)?;
    let removed = services
        .automation
        .remove_flow(guild, &flow.name, &app::operator())
        .await
        .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
    if options.json {
        return output::json(&removed);
    }
    println!(
        "removed automation “{}” from {name}; runs going now go on to their end (the settings history keeps it: `guildhall config history`)",
        removed.name
    );
    Ok(())
}

async fn runs(
    options: &GlobalOptions,
    services: &Services,
    guild: &str,
    flow: Option<&str>,
    limit: u32,
) -> anyhow::Result<()> {
    let (guild, name) = app::resolve_known_guild(services, guild).await?;
    if limit == 0 {
        anyhow::bail!("--limit must be at least 1");
    }
    let runs = services
        .automation
        .runs(guild, flow, limit)
        .await
        .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
    if options.json {
        return output::json(&runs);
    }
    if runs.is_empty() {
        match flow {
            Some(flow) => {
                // A name that is no automation's is a mistake; one removed may still have runs.
                let settings = services.automation.settings(guild).await?;
                find(&settings.flows, &name, flow)?;
                println!("automation “{}” in {name} has not run yet", flow.trim());
            }
            None => println!("no automation has run in {name}"),
        }
        return Ok(());
    }
    let named = Named::load(services, guild).await?;
    let now = services.clock.now();
    let zone = services
        .automation
        .guild_zone(guild)
        .await
        .unwrap_or_else(|_| "UTC".into());
    let mut table = Table::new(&[
        "ID",
        "FLOW",
        "MEMBER",
        "STATE",
        "STEP",
        "STARTED",
        "NEXT STEP",
    ]);
    for run in &runs {
        table.row(vec![
            run.id.to_string(),
            run.flow.name.clone(),
            member(&named, run),
            run.state.clone(),
            step_of(run),
            format!(
                "{} ({})",
                local(run.started_at, &zone),
                relative(run.started_at, now)
            ),
            match (run.state.as_str(), run.next_at) {
                ("waiting", Some(at)) => format!("{} ({})", local(at, &zone), relative(at, now)),
                _ => "-".into(),
            },
        ]);
    }
    table.print();
    Ok(())
}

async fn one_run(
    options: &GlobalOptions,
    services: &Services,
    guild: &str,
    id: i64,
) -> anyhow::Result<()> {
    let (guild, name) = app::resolve_known_guild(services, guild).await?;
    let run = services
        .automation
        .flow_run(guild, id)
        .await
        .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
    if options.json {
        return output::json(&run);
    }
    let named = Named::load(services, guild).await?;
    let now = services.clock.now();
    let zone = services
        .automation
        .guild_zone(guild)
        .await
        .unwrap_or_else(|_| "UTC".into());
    let at = |time| format!("{} ({})", local(time, &zone), relative(time, now));
    println!(
        "automation run #{} of “{}” in {name}",
        run.id, run.flow.name
    );
    println!("  member       {}", member(&named, &run));
    println!("  state        {} (step {})", run.state, step_of(&run));
    println!("  started      {}", at(run.started_at));
    if let ("waiting", Some(next)) = (run.state.as_str(), run.next_at) {
        println!("  next step    {}", at(next));
    }
    if let Some(finished) = run.finished_at {
        println!("  ended        {}", at(finished));
    }
    println!("  history");
    for entry in &run.log {
        println!(
            "    {}  {}  {}",
            local(entry.at, &zone),
            if entry.step == 0 {
                "start  ".to_owned()
            } else {
                format!("step {:<2}", entry.step)
            },
            named.mentions(&entry.what)
        );
    }
    Ok(())
}

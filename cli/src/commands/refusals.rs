//! `guildhall refusals --guild ID`: actions the guards refused, with who, what and why.

use guildhall_core::ids::GuildId;
use guildhall_core::refusals;

use crate::app::{self, GlobalOptions};
use crate::output::{self, Table};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The guild.
    #[arg(long)]
    guild: GuildId,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    limit: u32,
}

pub async fn run(options: &GlobalOptions, args: Args) -> anyhow::Result<()> {
    let settings = app::load_settings(options)?;
    let db = app::open_migrated_db(&settings).await?;
    let records = refusals::list(&db, args.guild, args.limit).await?;
    if options.json {
        return output::json(&records);
    }
    if records.is_empty() {
        println!("no refused actions in guild {}", args.guild);
        return Ok(());
    }
    let services = app::Services::on(&settings, db).await?;
    let named = output::Named::load(&services, args.guild).await?;
    let mut table = Table::new(&["WHEN", "WHO", "ACTION", "TARGET", "WHY"]);
    for record in records {
        table.row(vec![
            record.at.to_rfc3339(),
            named.user(record.invoker),
            record.action,
            record
                .target
                .map_or_else(|| "-".into(), |target| named.user(target)),
            record.message,
        ]);
    }
    table.print();
    Ok(())
}

//! The record of a giveaway for the dashboard and the CLI: JSON (the giveaway, its slots,
//! entries, the whole log, and the draw record that [`verify`](super::fairness::verify)
//! checks) and CSV (the log, one line per event), and the verification of a stored draw.

use serde_json::{Value, json};

use super::fairness::{ALGORITHM, DrawRecord, Verified};
use super::model::{Event, EventActor, GiveawayId, GiveawayState};
use super::service::{GiveawayError, GiveawayService, wrong_state};
use super::store;
use crate::ids::GuildId;

impl GiveawayService {
    /// What anyone needs to check the draw of an ended giveaway: the revealed seed, its
    /// commitment, the entrant list and its commitment, and every step.
    ///
    /// # Errors
    /// [`GiveawayError::WrongState`] before the draw (the seed is still secret);
    /// [`GiveawayError::NoSuchGiveaway`]; storage errors.
    pub async fn draw_record(
        &self,
        guild: GuildId,
        id: GiveawayId,
    ) -> Result<DrawRecord, GiveawayError> {
        let giveaway = self.get(guild, id).await?;
        if giveaway.state != GiveawayState::Ended {
            return Err(wrong_state(
                &giveaway,
                "checking the draw (the seed is revealed at the draw)",
                "ended",
            ));
        }
        let steps = store::steps(&self.db, guild, id).await?;
        Ok(DrawRecord {
            algorithm: ALGORITHM.to_owned(),
            seed: giveaway.seed.unwrap_or_default(),
            seed_hash: giveaway.seed_hash,
            entrants_hash: giveaway.entrants_hash.unwrap_or_default(),
            entrants: store::entrants(&self.db, guild, id).await?,
            steps: steps.iter().map(store::StepRecord::draw_step).collect(),
        })
    }

    /// Recomputes the draw of an ended giveaway from what is stored: the seed against its
    /// commitment, the entrant list against its commitment, and every winner and
    /// disqualification against the seed.
    ///
    /// # Errors
    /// [`GiveawayError::Verification`] naming the first mismatch; as [`Self::draw_record`].
    pub async fn verify(&self, guild: GuildId, id: GiveawayId) -> Result<Verified, GiveawayError> {
        self.draw_record(guild, id)
            .await?
            .verify()
            .map_err(|error| GiveawayError::Verification {
                giveaway: id,
                error,
            })
    }

    /// The whole record as JSON: `giveaway` (with the seed once revealed), `slots`, `entries`
    /// (every member who entered, with when they left if they did), `events` (the log, entries
    /// included), `steps` (each draw and reroll with the reasons of disqualifications) and
    /// `draw_record` (what [`DrawRecord::verify`] checks; `null` before the draw).
    ///
    /// # Errors
    /// [`GiveawayError::NoSuchGiveaway`]; storage errors.
    pub async fn export_json(
        &self,
        guild: GuildId,
        id: GiveawayId,
    ) -> Result<Value, GiveawayError> {
        let giveaway = self.get(guild, id).await?;
        let record = match giveaway.state {
            GiveawayState::Ended => Some(self.draw_record(guild, id).await?),
            _ => None,
        };
        Ok(json!({
            "giveaway": giveaway,
            "slots": store::slots(&self.db, guild, id).await?,
            "entries": store::entries(&self.db, guild, id).await?,
            "events": store::events(&self.db, guild, id, true).await?,
            "steps": store::steps(&self.db, guild, id).await?,
            "draw_record": record,
        }))
    }

    /// The log as CSV, one event a line, oldest first: `time,event,actor,user,slot,detail`
    /// (time in RFC 3339 UTC, the actor as `member:<id>`, `operator` or `system`, the detail
    /// as JSON).
    ///
    /// # Errors
    /// [`GiveawayError::NoSuchGiveaway`]; storage errors.
    pub async fn export_csv(
        &self,
        guild: GuildId,
        id: GiveawayId,
    ) -> Result<String, GiveawayError> {
        self.get(guild, id).await?;
        let events = store::events(&self.db, guild, id, true).await?;
        let mut csv = String::from("time,event,actor,user,slot,detail\n");
        for event in &events {
            csv.push_str(&csv_line(event));
        }
        Ok(csv)
    }
}

fn csv_line(event: &Event) -> String {
    let actor = match event.actor {
        EventActor::Member(user) => format!("member:{user}"),
        EventActor::Operator => "operator".to_owned(),
        EventActor::System => "system".to_owned(),
    };
    let fields = [
        event.at.to_rfc3339(),
        event.kind.as_str().to_owned(),
        actor,
        event.user.map(|user| user.to_string()).unwrap_or_default(),
        event.slot.map(|slot| slot.to_string()).unwrap_or_default(),
        event.detail.to_string(),
    ];
    let mut line = fields.map(|field| csv_field(&field)).join(",");
    line.push('\n');
    line
}

/// One CSV field: quoted when it holds a comma, quote or line break (quotes doubled), and
/// prefixed with `'` when a spreadsheet would read it as a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("{\"a\":1}"), "\"{\"\"a\"\":1}\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
    }
}

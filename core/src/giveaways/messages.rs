//! What members see: the giveaway message in each state, the winners' announcements with
//! their "Claim prize" buttons, and the unclaimed and claimed notices. Pure: a giveaway and its
//! slots in, an [`OutgoingMessage`] out.

use super::buttons::GiveawayButton;
use super::model::{Giveaway, GiveawayState, Slot, SlotState};
use crate::clock::UnixMillis;
use crate::effect::{
    AllowedMentions, ButtonStyle, Component, ComponentRow, Embed, EmbedField, OutgoingMessage,
};
use crate::eligibility::RoleNames;
use crate::ids::{RoleId, UserId};

/// The embed colour of a running giveaway (gold).
const RUNNING_COLOR: u32 = 0xF1_C4_0F;
/// The embed colour of an ended or cancelled giveaway (grey).
const ENDED_COLOR: u32 = 0x95_A5_A6;
/// Buttons per row (Discord's limit).
const BUTTONS_PER_ROW: usize = 5;

/// A Discord timestamp (`<t:seconds:style>`), shown in each reader's time zone.
fn timestamp(at: UnixMillis, style: char) -> String {
    format!("<t:{}:{style}>", at.0.div_euclid(1_000))
}

fn mention(user: UserId) -> String {
    format!("<@{user}>")
}

/// `prize #2 of` for giveaways with several winners, nothing for one.
fn slot_label(giveaway: &Giveaway, slot: u32) -> String {
    if giveaway.winners > 1 {
        format!("#{slot} ")
    } else {
        String::new()
    }
}

/// The giveaway message for its current state: what is given away, when it ends, the
/// requirements, the entrant count and the commitment while it runs; the winners, the revealed
/// seed and the entrant list's hash once drawn. Its Enter button is disabled once entries close.
pub fn giveaway_message(
    giveaway: &Giveaway,
    slots: &[Slot],
    names: &dyn RoleNames,
) -> OutgoingMessage {
    let mut lines = Vec::new();
    let mut fields = Vec::new();
    let (color, button_label, open) = match giveaway.state {
        GiveawayState::Running => {
            lines.push("Press **Enter** to take part.".to_owned());
            lines.push(format!(
                "Ends {} ({})",
                timestamp(giveaway.ends_at, 'R'),
                timestamp(giveaway.ends_at, 'f')
            ));
            lines.push(format!("Winners: **{}**", giveaway.winners));
            (RUNNING_COLOR, "Enter", true)
        }
        GiveawayState::Drawing => {
            lines.push("Entries are closed; the winners are being drawn.".to_owned());
            (ENDED_COLOR, "Entries closed", false)
        }
        GiveawayState::Ended => {
            let ended = giveaway.ended_at.unwrap_or(giveaway.ends_at);
            lines.push(format!("Ended {}", timestamp(ended, 'f')));
            lines.push(String::new());
            lines.push(if giveaway.winners > 1 {
                "**Winners**".to_owned()
            } else {
                "**Winner**".to_owned()
            });
            for slot in slots {
                lines.push(slot_line(giveaway, slot));
            }
            (ENDED_COLOR, "Ended", false)
        }
        GiveawayState::Cancelled => {
            let ended = giveaway.ended_at.unwrap_or(giveaway.ends_at);
            lines.push(format!(
                "Cancelled {}; nobody was drawn.",
                timestamp(ended, 'f')
            ));
            (ENDED_COLOR, "Cancelled", false)
        }
    };
    if let Some(host) = giveaway.created_by {
        lines.push(format!("Hosted by {}", mention(host)));
    }
    if let Some(summary) = giveaway.requirements.summary(names) {
        lines.push(summary);
    }
    fields.push(EmbedField {
        name: "Entrants".to_owned(),
        value: giveaway.entrants.to_string(),
        inline: true,
    });
    let footer = match &giveaway.seed {
        Some(seed) => {
            fields.push(EmbedField {
                name: "Seed (revealed)".to_owned(),
                value: format!("`{seed}`"),
                inline: false,
            });
            if let Some(hash) = &giveaway.entrants_hash {
                fields.push(EmbedField {
                    name: "Entrant list (SHA-256)".to_owned(),
                    value: format!("`{hash}`"),
                    inline: false,
                });
            }
            format!(
                "Giveaway #{} · the seed's SHA-256 is the commitment {}: anyone can recompute \
                 the draw from the seed and the entrant list",
                giveaway.id, giveaway.seed_hash
            )
        }
        None => format!(
            "Giveaway #{} · provably fair: the draw uses a secret seed whose SHA-256 is {}; the \
             seed is revealed at the end",
            giveaway.id, giveaway.seed_hash
        ),
    };
    OutgoingMessage {
        content: String::new(),
        embeds: vec![Embed {
            title: Some(format!("🎉 {}", giveaway.prize)),
            description: Some(lines.join("\n")),
            color: Some(color),
            fields,
            footer: Some(footer),
            timestamp: Some(giveaway.ends_at),
            thumbnail: None,
        }],
        components: vec![ComponentRow(vec![Component::Button {
            custom_id: GiveawayButton::Enter(giveaway.id).custom_id(),
            label: button_label.to_owned(),
            style: ButtonStyle::Success,
            disabled: !open,
        }])],
        allowed_mentions: AllowedMentions::default(),
        nonce: None,
        files: Vec::new(),
    }
}

fn slot_line(giveaway: &Giveaway, slot: &Slot) -> String {
    let label = if giveaway.winners > 1 {
        format!("#{} ", slot.slot)
    } else {
        String::new()
    };
    let who = slot.winner.map_or_else(|| "nobody".to_owned(), mention);
    match slot.state {
        SlotState::Pending => match slot.claim_deadline {
            Some(deadline) => format!("{label}{who}: claim before {}", timestamp(deadline, 'R')),
            None => format!("{label}{who}: being announced"),
        },
        SlotState::Claimed => format!("{label}{who}: claimed ✅"),
        SlotState::Expired => format!("{label}{who}: not claimed in time; drawing again"),
        SlotState::Unclaimed => match slot.winner {
            Some(_) => format!("{label}unclaimed ({who} did not claim in time)"),
            None => format!("{label}unclaimed (nobody eligible was left to draw)"),
        },
    }
}

/// The post that starts a giveaway: its message, pinging `ping_role` if the guild set one.
pub fn start_post(
    giveaway: &Giveaway,
    ping_role: Option<RoleId>,
    names: &dyn RoleNames,
) -> OutgoingMessage {
    let mut message = giveaway_message(giveaway, &[], names);
    if let Some(role) = ping_role {
        message.content = format!("<@&{role}> A giveaway has started!");
        message.allowed_mentions.roles = vec![role];
    }
    message
}

/// The announcement of the winners drawn in `slots` (first draws and rerolls), pinging them,
/// with one "Claim prize" button per slot and the end of their claim window, `deadline` (the
/// window starts when they are pinged). `None` when no slot has a winner.
pub fn winners_announcement(
    giveaway: &Giveaway,
    slots: &[&Slot],
    deadline: UnixMillis,
) -> Option<OutgoingMessage> {
    let drawn: Vec<(&Slot, UserId)> = slots
        .iter()
        .filter_map(|slot| slot.winner.map(|winner| (*slot, winner)))
        .collect();
    if drawn.is_empty() {
        return None;
    }
    let mut lines = Vec::new();
    let first: Vec<String> = drawn
        .iter()
        .filter(|(slot, _)| slot.attempt == 0)
        .map(|(_, winner)| mention(*winner))
        .collect();
    if !first.is_empty() {
        lines.push(format!(
            "🎉 Congratulations {}! You won **{}**.",
            first.join(", "),
            giveaway.prize
        ));
    }
    for (slot, winner) in drawn.iter().filter(|(slot, _)| slot.attempt > 0) {
        lines.push(format!(
            "🎲 Prize {}of **{}** was drawn again: {} is the new winner!",
            slot_label(giveaway, slot.slot),
            giveaway.prize,
            mention(*winner)
        ));
    }
    lines.push(format!(
        "Press **Claim prize** before {} ({}), or the prize goes to someone else.",
        timestamp(deadline, 't'),
        timestamp(deadline, 'R')
    ));
    let buttons: Vec<Component> = drawn
        .iter()
        .map(|(slot, _)| Component::Button {
            custom_id: GiveawayButton::Claim(giveaway.id, slot.slot).custom_id(),
            label: if giveaway.winners > 1 {
                format!("Claim prize #{}", slot.slot)
            } else {
                "Claim prize".to_owned()
            },
            style: ButtonStyle::Success,
            disabled: false,
        })
        .collect();
    Some(OutgoingMessage {
        content: lines.join("\n"),
        embeds: Vec::new(),
        components: buttons
            .chunks(BUTTONS_PER_ROW)
            .map(|row| ComponentRow(row.to_vec()))
            .collect(),
        allowed_mentions: AllowedMentions {
            users: drawn.iter().map(|(_, winner)| *winner).collect(),
            ..AllowedMentions::default()
        },
        // The same draws announced again (a retry after a crash between Discord accepting the
        // post and the database recording it) come back as the first post, not a second ping.
        nonce: Some(announcement_nonce(
            'w',
            giveaway,
            drawn.iter().map(|(slot, _)| (slot.slot, slot.attempt)),
        )),
        files: Vec::new(),
    })
}

/// A nonce for an announcement about `slots` (slot, attempt) of `giveaway`: `kind` and a
/// 64-bit FNV-1a hash of the giveaway and the slots, 17 characters (Discord allows 25).
fn announcement_nonce(
    kind: char,
    giveaway: &Giveaway,
    slots: impl Iterator<Item = (u32, u32)>,
) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut hash = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(PRIME);
        }
    };
    feed(&giveaway.guild.get().to_be_bytes());
    feed(&giveaway.id.0.to_be_bytes());
    for (slot, attempt) in slots {
        feed(&slot.to_be_bytes());
        feed(&attempt.to_be_bytes());
    }
    format!("{kind}{hash:016x}")
}

/// The notice of slots that nobody will get. Pings nobody. `None` for no slots.
pub fn unclaimed_announcement(giveaway: &Giveaway, slots: &[&Slot]) -> Option<OutgoingMessage> {
    if slots.is_empty() {
        return None;
    }
    let lines: Vec<String> = slots
        .iter()
        .map(|slot| match slot.winner {
            Some(winner) => format!(
                "Prize {}of **{}** goes unclaimed: {} did not claim it in time and no rerolls \
                 are left.",
                slot_label(giveaway, slot.slot),
                giveaway.prize,
                mention(winner)
            ),
            None => format!(
                "Prize {}of **{}** goes unclaimed: nobody eligible was left to draw.",
                slot_label(giveaway, slot.slot),
                giveaway.prize
            ),
        })
        .collect();
    let mut message = OutgoingMessage::text(lines.join("\n"));
    message.nonce = Some(announcement_nonce(
        'u',
        giveaway,
        slots.iter().map(|slot| (slot.slot, slot.attempt)),
    ));
    Some(message)
}

/// The notice that a winner claimed. Pings nobody.
pub fn claimed_announcement(giveaway: &Giveaway, slot: &Slot, winner: UserId) -> OutgoingMessage {
    OutgoingMessage::text(format!(
        "✅ {} claimed prize {}of **{}**.",
        mention(winner),
        slot_label(giveaway, slot.slot),
        giveaway.prize
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eligibility::{Requirements, RoleMentions};
    use crate::ids::{ChannelId, GuildId};

    fn giveaway(state: GiveawayState, winners: u32) -> Giveaway {
        Giveaway {
            id: crate::giveaways::GiveawayId(7),
            guild: GuildId::new(1),
            channel: ChannelId::new(2),
            message: None,
            prize: "Nitro".to_owned(),
            winners,
            requirements: Requirements {
                min_level: Some(5),
                ..Requirements::default()
            },
            state,
            seed_hash: "ab".repeat(32),
            seed: state.reveals_seed().then(|| "cd".repeat(32)),
            entrants_hash: state.reveals_seed().then(|| "ef".repeat(32)),
            created_by: Some(UserId::new(3)),
            created_at: UnixMillis(1_000_000),
            ends_at: UnixMillis(2_000_000),
            ended_at: Some(UnixMillis(2_000_500)),
            entrants: 12,
            draw_steps: 0,
            rerolls_used: 0,
            max_rerolls: 3,
            claim_window_secs: 300,
            end_job: 1,
        }
    }

    fn slot(number: u32, attempt: u32, winner: Option<u64>, state: SlotState) -> Slot {
        Slot {
            giveaway: crate::giveaways::GiveawayId(7),
            slot: number,
            attempt,
            winner: winner.map(UserId::new),
            drawn_at: UnixMillis(2_000_500),
            claim_deadline: winner.map(|_| UnixMillis(2_300_500)),
            claimed_at: None,
            state,
            announced: false,
        }
    }

    #[test]
    fn running_message_shows_the_commitment_and_an_enter_button() {
        let message = giveaway_message(&giveaway(GiveawayState::Running, 2), &[], &RoleMentions);
        let embed = &message.embeds[0];
        let description = embed.description.as_deref().unwrap();
        assert!(description.contains("Ends <t:2000:R>"), "{description}");
        assert!(description.contains("Winners: **2**"));
        assert!(description.contains("Requires level 5+"));
        assert!(embed.footer.as_deref().unwrap().contains(&"ab".repeat(32)));
        assert_eq!(embed.fields[0].value, "12");
        assert_eq!(
            message.components,
            vec![ComponentRow(vec![Component::Button {
                custom_id: "giveaways:enter:7".to_owned(),
                label: "Enter".to_owned(),
                style: ButtonStyle::Success,
                disabled: false,
            }])]
        );
        assert_eq!(message.allowed_mentions, AllowedMentions::default());
    }

    #[test]
    fn ended_message_reveals_the_seed_and_lists_every_slot() {
        let slots = [
            slot(1, 0, Some(10), SlotState::Claimed),
            slot(2, 1, Some(11), SlotState::Pending),
            slot(3, 2, None, SlotState::Unclaimed),
        ];
        let message = giveaway_message(&giveaway(GiveawayState::Ended, 3), &slots, &RoleMentions);
        let embed = &message.embeds[0];
        let description = embed.description.as_deref().unwrap();
        assert!(
            description.contains("#1 <@10>: claimed ✅"),
            "{description}"
        );
        assert!(description.contains("#2 <@11>: claim before <t:2300:R>"));
        assert!(description.contains("#3 unclaimed (nobody eligible was left to draw)"));
        assert!(
            embed
                .fields
                .iter()
                .any(|field| field.value.contains(&"cd".repeat(32)))
        );
        assert!(matches!(
            &message.components[0].0[0],
            Component::Button { disabled: true, .. }
        ));
    }

    #[test]
    fn announcements_ping_exactly_the_winners() {
        let giveaway = giveaway(GiveawayState::Ended, 2);
        let first = slot(1, 0, Some(10), SlotState::Pending);
        let rerolled = slot(2, 1, Some(11), SlotState::Pending);
        let message =
            winners_announcement(&giveaway, &[&first, &rerolled], UnixMillis(2_300_500)).unwrap();
        assert!(
            message.content.contains("before <t:2300:t>"),
            "{}",
            message.content
        );
        assert!(
            message
                .content
                .contains("Congratulations <@10>! You won **Nitro**.")
        );
        assert!(
            message
                .content
                .contains("Prize #2 of **Nitro** was drawn again: <@11> is the new winner!"),
            "{}",
            message.content
        );
        assert_eq!(
            message.allowed_mentions.users,
            [UserId::new(10), UserId::new(11)]
        );
        assert_eq!(message.components[0].0.len(), 2);
        assert!(matches!(
            &message.components[0].0[1],
            Component::Button { custom_id, label, .. }
                if custom_id == "giveaways:claim:7:2" && label == "Claim prize #2"
        ));

        let nobody = slot(1, 0, None, SlotState::Unclaimed);
        assert_eq!(
            winners_announcement(&giveaway, &[&nobody], UnixMillis(0)),
            None
        );
        let notice = unclaimed_announcement(&giveaway, &[&nobody]).unwrap();
        assert!(notice.content.contains("nobody eligible was left"));
        assert!(notice.allowed_mentions.users.is_empty());
    }

    #[test]
    fn a_ping_role_is_pinged_only_in_the_start_post() {
        let giveaway = giveaway(GiveawayState::Running, 1);
        let post = start_post(&giveaway, Some(RoleId::new(9)), &RoleMentions);
        assert_eq!(post.content, "<@&9> A giveaway has started!");
        assert_eq!(post.allowed_mentions.roles, [RoleId::new(9)]);
        assert!(
            giveaway_message(&giveaway, &[], &RoleMentions)
                .content
                .is_empty()
        );
    }

    #[test]
    fn announcements_carry_a_nonce_per_draw_so_a_retry_cannot_ping_twice() {
        let ended = giveaway(GiveawayState::Ended, 2);
        let first = slot(1, 0, Some(10), SlotState::Pending);
        let second = slot(2, 0, Some(11), SlotState::Pending);
        let deadline = UnixMillis(2_300_500);
        let nonce = |slots: &[&Slot]| {
            winners_announcement(&ended, slots, deadline)
                .unwrap()
                .nonce
                .unwrap()
        };
        let draw = nonce(&[&first, &second]);
        assert_eq!(
            draw,
            nonce(&[&first, &second]),
            "the same draw, the same nonce"
        );
        assert!(draw.len() <= 25 && draw.starts_with('w'), "{draw}");
        let reroll = slot(1, 1, Some(12), SlotState::Pending);
        assert_ne!(nonce(&[&reroll]), draw, "a reroll is a new announcement");
        assert_ne!(
            nonce(&[&reroll]),
            nonce(&[&slot(1, 2, Some(13), SlotState::Pending)])
        );
        let mut other = ended.clone();
        other.id = crate::giveaways::GiveawayId(8);
        assert_ne!(
            winners_announcement(&other, &[&first, &second], deadline)
                .unwrap()
                .nonce
                .unwrap(),
            draw
        );
        let unclaimed = unclaimed_announcement(&ended, &[&first]).unwrap();
        assert!(unclaimed.nonce.unwrap().starts_with('u'));
    }
}

//! What a case looks like outside the database: the mod-log post, the audit-log reason Discord
//! shows in its header, and the direct message to the member. Pure.

use std::time::Duration;

use super::cases::{Case, CaseKind};
use crate::effect::{Embed, EmbedField, OutgoingMessage};

/// Discord's limit on an audit-log reason (the `X-Audit-Log-Reason` header), in characters.
pub const AUDIT_REASON_LIMIT: usize = 512;
/// Discord's limit on an embed field's value, in characters.
const FIELD_LIMIT: usize = 1_024;

/// The reason Discord records in the guild's audit log: `[case 12] <reason> (by <moderator>)`,
/// with the reason shortened (ending in `…`) so the whole stays within 512 characters.
pub fn audit_reason(number: i64, reason: &str, by: &str) -> String {
    let prefix = format!("[case {number}] ");
    let suffix = format!(" (by {by})");
    let room = AUDIT_REASON_LIMIT.saturating_sub(prefix.chars().count() + suffix.chars().count());
    let full = format!("{prefix}{}{suffix}", shorten(reason, room));
    // A moderator name so long that even an empty reason overflows is cut at the end.
    shorten(&full, AUDIT_REASON_LIMIT)
}

/// `text` cut to at most `limit` characters, ending in `…` when cut.
pub fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut shortened: String = text.chars().take(limit.saturating_sub(1)).collect();
    if limit > 0 {
        shortened.push('…');
    }
    shortened
}

/// The embed colour of each kind: red for removals, orange for timeouts, yellow for warnings,
/// green for reversals, grey for notes.
fn colour(kind: CaseKind) -> u32 {
    match kind {
        CaseKind::Ban | CaseKind::Tempban | CaseKind::Kick => 0x00E7_4C3C,
        CaseKind::Timeout => 0x00E6_7E22,
        CaseKind::Warn => 0x00F1_C40F,
        CaseKind::Untimeout | CaseKind::Unban => 0x002E_CC71,
        CaseKind::Note => 0x0095_A5A6,
    }
}

/// A duration as people say it (`1h`, `2d 3h`).
pub fn human_duration(duration: Duration) -> String {
    humantime::format_duration(duration).to_string()
}

/// The mod-log post of a case: an embed with the number, kind, target, moderator or rule,
/// reason and duration. It pings nobody (mentions render, but `allowed_mentions` is empty).
pub fn mod_log_message(case: &Case) -> OutgoingMessage {
    let mut fields = vec![
        field(
            "Member",
            format!("<@{}> ({})", case.target, case.target),
            true,
        ),
        field(
            match case.actor {
                super::cases::CaseActor::Moderator(_) => "Moderator",
                super::cases::CaseActor::Automated(_) => "Rule",
            },
            case.actor.to_string(),
            true,
        ),
    ];
    if let Some(duration) = case.duration {
        fields.push(field("Duration", human_duration(duration), true));
    }
    if let Some(severity) = case.severity {
        fields.push(field("Severity", severity.as_str().to_owned(), true));
    }
    if let Some(expires_at) = case.expires_at {
        let label = if case.kind == CaseKind::Warn {
            "Counts until"
        } else {
            "Ends"
        };
        fields.push(field(
            label,
            format!("<t:{}:f>", expires_at.0 / 1_000),
            true,
        ));
    }
    fields.push(field("Reason", case.reason.clone(), false));
    let mut footer = format!("Case {}", case.number);
    if let Some(editor) = case.reason_edited_by {
        footer.push_str(&format!(" · reason edited by {editor}"));
    }
    OutgoingMessage {
        content: String::new(),
        embeds: vec![Embed {
            title: Some(format!("Case {} · {}", case.number, case.kind.title())),
            description: None,
            color: Some(colour(case.kind)),
            fields,
            footer: Some(footer),
            timestamp: Some(case.created_at),
            thumbnail: None,
        }],
        ..OutgoingMessage::default()
    }
}

/// The direct message telling the member what happened, or `None` for kinds they are not told
/// about (notes).
pub fn member_notice(case: &Case) -> Option<OutgoingMessage> {
    let what = match case.kind {
        CaseKind::Warn => "You were warned".to_owned(),
        CaseKind::Timeout => match case.duration {
            Some(duration) => format!("You were timed out for {}", human_duration(duration)),
            None => "You were timed out".to_owned(),
        },
        CaseKind::Untimeout => "Your timeout was lifted".to_owned(),
        CaseKind::Kick => "You were kicked".to_owned(),
        CaseKind::Ban => "You were banned".to_owned(),
        CaseKind::Tempban => match case.duration {
            Some(duration) => format!("You were banned for {}", human_duration(duration)),
            None => "You were banned".to_owned(),
        },
        CaseKind::Unban => "Your ban was lifted".to_owned(),
        CaseKind::Note => return None,
    };
    Some(OutgoingMessage::text(shorten(
        &format!(
            "{what} in server {} (case {}). Reason: {}",
            case.guild, case.number, case.reason
        ),
        2_000,
    )))
}

fn field(name: &str, value: String, inline: bool) -> EmbedField {
    EmbedField {
        name: name.to_owned(),
        value: shorten(&value, FIELD_LIMIT),
        inline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::UnixMillis;
    use crate::ids::{GuildId, UserId};
    use crate::moderation::cases::{CaseActor, Severity};

    fn case(kind: CaseKind) -> Case {
        Case {
            id: crate::moderation::CaseId(1),
            guild: GuildId::new(10),
            number: 12,
            kind,
            target: UserId::new(42),
            actor: CaseActor::Moderator(UserId::new(7)),
            reason: "spamming @everyone".into(),
            severity: None,
            duration: None,
            created_at: UnixMillis(1_700_000_000_000),
            expires_at: None,
            pardoned_at: None,
            pardoned_by: None,
            mod_log_message: None,
            escalated_from: None,
            escalation_threshold: None,
            lifts_case: None,
            reason_edited_by: None,
            reason_edited_at: None,
            failed_reason: None,
        }
    }

    #[test]
    fn audit_reason_names_case_and_moderator_and_fits_discords_limit() {
        assert_eq!(
            audit_reason(12, "spam", "alice"),
            "[case 12] spam (by alice)"
        );
        let long = "x".repeat(2_000);
        let reason = audit_reason(12, &long, "alice");
        assert_eq!(reason.chars().count(), AUDIT_REASON_LIMIT);
        assert!(reason.starts_with("[case 12] xxx"));
        assert!(reason.ends_with("x… (by alice)"), "{reason}");
        // Multi-byte characters count as one each and are never split.
        let emoji = "🔨".repeat(600);
        assert_eq!(
            audit_reason(1, &emoji, "bob").chars().count(),
            AUDIT_REASON_LIMIT
        );
        let name = "n".repeat(600);
        assert_eq!(
            audit_reason(1, "r", &name).chars().count(),
            AUDIT_REASON_LIMIT
        );
    }

    #[test]
    fn mod_log_message_shows_the_case_and_pings_nobody() {
        let mut tempban = case(CaseKind::Tempban);
        tempban.duration = Some(Duration::from_secs(86_400));
        tempban.expires_at = Some(UnixMillis(1_700_086_400_000));
        let message = mod_log_message(&tempban);
        assert!(message.allowed_mentions.users.is_empty());
        assert!(message.allowed_mentions.roles.is_empty());
        assert!(!message.allowed_mentions.everyone);
        let embed = &message.embeds[0];
        assert_eq!(embed.title.as_deref(), Some("Case 12 · Tempban"));
        let value = |name: &str| {
            embed
                .fields
                .iter()
                .find(|field| field.name == name)
                .map(|field| field.value.clone())
        };
        assert_eq!(value("Member").as_deref(), Some("<@42> (42)"));
        assert_eq!(value("Moderator").as_deref(), Some("<@7>"));
        assert_eq!(value("Duration").as_deref(), Some("1day"));
        assert_eq!(value("Ends").as_deref(), Some("<t:1700086400:f>"));
        assert_eq!(value("Reason").as_deref(), Some("spamming @everyone"));

        let mut automated = case(CaseKind::Warn);
        automated.actor = CaseActor::Automated("automod:spam".into());
        automated.severity = Some(Severity::Major);
        let embed = &mod_log_message(&automated).embeds[0];
        assert!(
            embed
                .fields
                .iter()
                .any(|field| field.name == "Rule" && field.value == "automod:spam")
        );
        assert!(embed.fields.iter().any(|field| field.value == "major"));
    }

    #[test]
    fn members_are_told_except_for_notes() {
        let notice = member_notice(&case(CaseKind::Kick)).unwrap();
        assert!(
            notice.content.starts_with("You were kicked"),
            "{}",
            notice.content
        );
        assert!(notice.content.contains("case 12"));
        assert!(member_notice(&case(CaseKind::Note)).is_none());
    }
}

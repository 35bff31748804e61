//! Log entries as Discord posts: one embed per entry, several entries per message up to
//! Discord's limits (10 embeds, 6,000 characters of embed text in all; a field's value at most
//! 1,024, a description 4,096, a title 256), so a burst becomes a few posts instead of hundreds.

use super::entry::LogEntry;
use crate::effect::{Embed, EmbedField, OutgoingFile, OutgoingMessage};

/// Embeds per message (Discord's limit).
pub const MAX_EMBEDS: usize = 10;
/// Characters of embed text per message (Discord's limit).
pub const MAX_EMBED_TEXT: usize = 6_000;
/// A field's value (Discord's limit).
const MAX_FIELD: usize = 1_024;
/// A description (kept well under Discord's 4,096 so ten entries can share a message).
const MAX_DESCRIPTION: usize = 1_000;
/// Fields per entry.
const MAX_FIELDS: usize = 8;

/// `text` cut to `max` characters, with an ellipsis when cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The embed of one entry.
pub fn embed(entry: &LogEntry) -> Embed {
    let mut fields: Vec<EmbedField> = entry
        .fields
        .iter()
        .take(MAX_FIELDS)
        .map(|field| EmbedField {
            name: cut(&field.name, 256),
            value: cut(&field.value, MAX_FIELD),
            inline: false,
        })
        .collect();
    if let Some(case) = entry.case {
        fields.push(EmbedField {
            name: "Case".into(),
            value: format!("#{case}"),
            inline: true,
        });
    }
    let mut footer = Vec::new();
    if let Some(user) = entry.user {
        footer.push(format!("Member {user}"));
    }
    if entry.actor_guessed {
        footer.push("who deleted it is the audit log's best guess".into());
    }
    Embed {
        title: Some(entry.kind.title().to_owned()),
        description: Some(cut(&entry.summary, MAX_DESCRIPTION)),
        color: Some(entry.kind.colour()),
        fields,
        footer: (!footer.is_empty()).then(|| footer.join(" · ")),
        timestamp: Some(entry.at),
        thumbnail: None,
    }
}

/// The characters of an embed Discord counts against the 6,000.
pub fn embed_text(embed: &Embed) -> usize {
    let count = |text: &Option<String>| text.as_deref().map_or(0, |t| t.trim().chars().count());
    count(&embed.title)
        + count(&embed.description)
        + count(&embed.footer)
        + embed
            .fields
            .iter()
            .map(|field| field.name.trim().chars().count() + field.value.trim().chars().count())
            .sum::<usize>()
}

/// Messages for a channel's entries, in order: as many entries per message as the limits
/// allow; an entry with a file (a purge's transcript) goes with its file.
pub fn batches(entries: &[LogEntry]) -> Vec<OutgoingMessage> {
    let mut messages: Vec<OutgoingMessage> = Vec::new();
    let mut current = OutgoingMessage::default();
    let mut text = 0;
    for entry in entries {
        let embed = embed(entry);
        let size = embed_text(&embed);
        let full = current.embeds.len() >= MAX_EMBEDS
            || text + size > MAX_EMBED_TEXT
            || (entry.file.is_some() && !current.files.is_empty());
        if full && !current.embeds.is_empty() {
            messages.push(std::mem::take(&mut current));
            text = 0;
        }
        current.embeds.push(embed);
        text += size;
        if let Some(file) = &entry.file {
            current.files.push(OutgoingFile {
                name: file.name.clone(),
                text: file.text.clone(),
            });
        }
    }
    if !current.embeds.is_empty() {
        messages.push(current);
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::UnixMillis;
    use crate::ids::GuildId;
    use crate::logging::entry::{LogFile, LogKind};

    fn entry(content: &str) -> LogEntry {
        LogEntry::new(
            GuildId::new(1),
            UnixMillis(0),
            LogKind::MessageDeleted,
            "A message by <@2> was deleted in <#3>",
        )
        .field("Content", content)
    }

    #[test]
    fn a_burst_is_packed_within_discords_limits_and_nothing_is_left_out() {
        let entries: Vec<LogEntry> = (0..200).map(|n| entry(&format!("spam {n}"))).collect();
        let messages = batches(&entries);
        assert_eq!(messages.len(), 20);
        assert_eq!(messages.iter().map(|m| m.embeds.len()).sum::<usize>(), 200);
        let long: Vec<LogEntry> = (0..30).map(|_| entry(&"x".repeat(5_000))).collect();
        let messages = batches(&long);
        for message in &messages {
            assert!(message.embeds.len() <= MAX_EMBEDS);
            assert!(message.embeds.iter().map(embed_text).sum::<usize>() <= MAX_EMBED_TEXT);
        }
        assert_eq!(messages.iter().map(|m| m.embeds.len()).sum::<usize>(), 30);
        let value = &messages[0].embeds[0].fields[0].value;
        assert_eq!(value.chars().count(), 1_024);
        assert!(value.ends_with('…'));
    }

    #[test]
    fn a_transcript_travels_with_its_entry() {
        let mut purge = entry("");
        purge.file = Some(LogFile {
            name: "deleted.txt".into(),
            text: "a\nb".into(),
        });
        let messages = batches(&[entry("one"), purge.clone(), purge]);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].files.len(), 1);
        assert_eq!(messages[1].files[0].text, "a\nb");
    }
}

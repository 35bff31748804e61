//! Transcript exports: JSON (the [`Transcript`] as serde writes it) and a self-contained HTML
//! page in which every piece of member text is escaped.

use std::fmt::Write as _;

use super::model::{Transcript, TranscriptMessage, TranscriptSummary};

/// A transcript download's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Every field, as JSON.
    Json,
    /// A self-contained page.
    Html,
}

impl Format {
    /// `json` or `html`.
    ///
    /// # Errors
    /// The name given and the formats there are.
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "json" => Ok(Self::Json),
            "html" => Ok(Self::Html),
            other => Err(format!("transcripts export as json or html, not `{other}`")),
        }
    }
}

/// The transcript as pretty-printed JSON.
///
/// # Errors
/// [`serde_json::Error`] if serialization fails (it does not for these types).
pub fn to_json(transcript: &Transcript) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(transcript)
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:860px;margin:2rem auto;padding:0 1rem;color:#1e1f22}\
header{border-bottom:1px solid #ddd;margin-bottom:1rem}\
.message{padding:.5rem 0;border-bottom:1px solid #f0f0f0}\
.author{font-weight:600}.time,.note{color:#6d6f78;font-size:.85em;margin-left:.5rem}\
.content{white-space:pre-wrap;margin:.25rem 0}.deleted .content{text-decoration:line-through;color:#6d6f78}\
ul.attachments{margin:.25rem 0;padding-left:1.25rem}";

/// The transcript as one HTML page with no external resources. Member-written text (names,
/// content, attachment names and URLs, the close reason) is escaped; attachment links are only
/// made for `https://` and `http://` URLs.
pub fn to_html(transcript: &Transcript) -> String {
    let ticket = &transcript.ticket;
    let summary = TranscriptSummary::of(&transcript.messages);
    let mut page = String::new();
    let title = format!("Ticket #{} — {}", ticket.number, transcript.panel_title);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n<p>",
        escape_html(&title),
        escape_html(&title)
    );
    let _ = write!(
        page,
        "Opened by user {} at {}",
        ticket.opener,
        ticket.opened_at.to_rfc3339()
    );
    if let Some(claimer) = ticket.claimed_by {
        let _ = write!(page, " · claimed by user {claimer}");
    }
    if let Some(closed_at) = ticket.closed_at {
        let _ = write!(page, " · closed at {}", closed_at.to_rfc3339());
        if let Some(reason) = &ticket.close_reason {
            let _ = write!(page, ": {}", escape_html(reason));
        }
    }
    let _ = write!(
        page,
        "</p>\n<p>{} messages from {} participants, {} attachments, {} edited, {} deleted.</p>\n</header>\n<main>\n",
        summary.messages,
        summary.participants.len(),
        summary.attachments,
        summary.edited,
        summary.deleted
    );
    for message in &transcript.messages {
        message_html(&mut page, message);
    }
    page.push_str("</main>\n</body>\n</html>\n");
    page
}

fn message_html(page: &mut String, message: &TranscriptMessage) {
    let class = if message.deleted_at.is_some() {
        "message deleted"
    } else {
        "message"
    };
    let _ = write!(
        page,
        "<article class=\"{class}\" id=\"m{}\">\n<div><span class=\"author\">{}</span>\
         <span class=\"time\">{} · user {}</span>",
        message.message,
        escape_html(&message.author_name),
        message.created_at.to_rfc3339(),
        message.author
    );
    if let Some(edited) = message.edited_at {
        let _ = write!(
            page,
            "<span class=\"note\">edited {}</span>",
            edited.to_rfc3339()
        );
    }
    if let Some(deleted) = message.deleted_at {
        let _ = write!(
            page,
            "<span class=\"note\">deleted {}</span>",
            deleted.to_rfc3339()
        );
    }
    let _ = write!(
        page,
        "</div>\n<div class=\"content\">{}</div>\n",
        escape_html(&message.content)
    );
    if !message.attachments.is_empty() {
        page.push_str("<ul class=\"attachments\">\n");
        for attachment in &message.attachments {
            let name = escape_html(&attachment.name);
            let url = &attachment.url;
            if url.starts_with("https://") || url.starts_with("http://") {
                let _ = writeln!(
                    page,
                    "<li><a href=\"{}\" rel=\"noopener noreferrer\">{name}</a></li>",
                    escape_html(url)
                );
            } else {
                let _ = writeln!(page, "<li>{name} ({})</li>", escape_html(url));
            }
        }
        page.push_str("</ul>\n");
    }
    page.push_str("</article>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::UnixMillis;
    use crate::ids::{GuildId, MessageId, UserId};
    use crate::tickets::model::{Attachment, Ticket, TicketState};

    fn transcript(content: &str, name: &str, attachment: Attachment) -> Transcript {
        Transcript {
            ticket: Ticket {
                id: 1,
                guild: GuildId::new(9),
                panel: super::super::model::PanelId(1),
                number: 3,
                opener: UserId::new(5),
                channel: None,
                state: TicketState::Closed,
                claimed_by: None,
                claimed_at: None,
                opened_at: UnixMillis(0),
                closed_at: Some(UnixMillis(1_000)),
                closed_by: Some(UserId::new(6)),
                close_reason: Some("<b>done</b>".into()),
                last_activity_at: UnixMillis(0),
                warned_activity_at: None,
            },
            panel_title: "Help & <Support>".into(),
            messages: vec![TranscriptMessage {
                message: MessageId::new(77),
                author: UserId::new(5),
                author_name: name.into(),
                content: content.into(),
                attachments: vec![attachment],
                created_at: UnixMillis(10),
                edited_at: Some(UnixMillis(20)),
                deleted_at: None,
            }],
        }
    }

    #[test]
    fn html_escapes_every_member_text() {
        let page = to_html(&transcript(
            "<script>alert('x')</script>",
            "<img src=x onerror=alert(1)>",
            Attachment {
                name: "\"><script>.png".into(),
                url: "javascript:alert(1)".into(),
            },
        ));
        assert!(!page.contains("<script>"), "{page}");
        assert!(!page.contains("<img"), "{page}");
        assert!(!page.contains("<b>done"), "{page}");
        assert!(!page.contains("href=\"javascript"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(page.contains("Help &amp; &lt;Support&gt;"));
        assert!(page.contains("edited 1970-01-01T00:00:00.020Z"));
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(
            !page.contains("<link") && !page.contains("src=\""),
            "self-contained"
        );
    }

    #[test]
    fn html_links_web_attachments_and_json_round_trips() {
        let transcript = transcript(
            "hi",
            "Ada",
            Attachment {
                name: "log.txt".into(),
                url: "https://cdn.example/a?x=1&y=2".into(),
            },
        );
        let page = to_html(&transcript);
        assert!(
            page.contains("<a href=\"https://cdn.example/a?x=1&amp;y=2\""),
            "{page}"
        );
        let json = to_json(&transcript).unwrap();
        let back: Transcript = serde_json::from_str(&json).unwrap();
        assert_eq!(back, transcript);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["messages"][0]["attachments"][0]["name"], "log.txt");
        assert_eq!(value["ticket"]["opener"], "5");
    }
}

//! Logging: human or JSON lines on stderr, and every line also published to the process's live
//! state, where `guildhall logs tail`, the console and the dashboard follow it.

use std::fmt::Write as _;
use std::sync::Arc;

use guildhall_core::clock::SharedClock;
use guildhall_core::config::{LogFormat, Settings};
use guildhall_core::ids::GuildId;
use guildhall_core::live::{Live, LogLine};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;

/// Sends logs to stderr, filtered by `RUST_LOG` or `[log] level`, and to `live` when given.
pub fn init(settings: &Settings, live: Option<(Arc<Live>, SharedClock)>) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.log.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let live_layer = live.map(|(live, clock)| LiveLayer { live, clock });
    let registry = tracing_subscriber::registry().with(filter).with(live_layer);
    let result = match settings.log.format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .compact()
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
    // Already initialised (a second call in one process): keep the first.
    drop(result);
}

/// Publishes each event as a [`LogLine`].
struct LiveLayer {
    live: Arc<Live>,
    clock: SharedClock,
}

impl<S: Subscriber> Layer<S> for LiveLayer {
    fn on_event(&self, event: &Event<'_>, _context: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let metadata = event.metadata();
        self.live.log(LogLine {
            at: self.clock.now(),
            level: metadata.level().to_string(),
            target: metadata.target().to_owned(),
            message: fields.text,
            guild: fields.guild,
        });
    }
}

#[derive(Default)]
struct Fields {
    text: String,
    guild: Option<GuildId>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let rendered = format!("{value:?}");
        self.push(field, &rendered);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field, value);
    }
}

impl Fields {
    fn push(&mut self, field: &Field, value: &str) {
        if field.name() == "guild" {
            // `guild = %id` renders the number; `guild = ?job.guild` renders Some(GuildId(1)).
            let digits: String = value.chars().filter(char::is_ascii_digit).collect();
            self.guild = digits.parse().ok().filter(|id| *id > 0).map(GuildId::new);
        }
        if field.name() == "message" {
            let message = if self.text.is_empty() {
                value.to_owned()
            } else {
                format!("{value} {}", self.text)
            };
            self.text = message;
        } else {
            if !self.text.is_empty() {
                self.text.push(' ');
            }
            let _ = write!(self.text, "{}={value}", field.name());
        }
    }
}

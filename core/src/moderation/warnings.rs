//! Warning decay: when a warning stops counting. Pure; computed when the warning is created and
//! compared on read, so decay needs no job.

use std::time::Duration;

use super::cases::Severity;
use super::settings::WarningDecay;
use crate::clock::UnixMillis;

/// How long a warning of `severity` counts; `None` when it never decays.
pub fn decay_of(decay: &WarningDecay, severity: Severity) -> Option<Duration> {
    let days = match severity {
        Severity::Minor => decay.minor,
        Severity::Major => decay.major,
        Severity::Severe => decay.severe,
    };
    (days > 0).then(|| Duration::from_secs(u64::from(days) * 86_400))
}

/// When a warning of `severity` given at `given_at` stops counting; `None` for never.
pub fn expiry(
    decay: &WarningDecay,
    severity: Severity,
    given_at: UnixMillis,
) -> Option<UnixMillis> {
    decay_of(decay, severity).map(|duration| given_at.plus(duration))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY_MS: i64 = 86_400_000;

    #[test]
    fn each_severity_decays_after_its_days_and_zero_never() {
        let decay = WarningDecay {
            minor: 7,
            major: 30,
            severe: 0,
        };
        let given = UnixMillis(1_000);
        assert_eq!(
            expiry(&decay, Severity::Minor, given),
            Some(UnixMillis(1_000 + 7 * DAY_MS))
        );
        assert_eq!(
            expiry(&decay, Severity::Major, given),
            Some(UnixMillis(1_000 + 30 * DAY_MS))
        );
        assert_eq!(expiry(&decay, Severity::Severe, given), None);
    }
}

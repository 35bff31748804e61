//! The escalation ladder's decision: which step, if any, a new warning triggers. Pure.
//!
//! The rule: after a warning, the member's **highest step met** by their active warnings
//! applies, but only if it is above the highest step **already applied** while its triggering
//! warning still counts. So under a ladder whose first step is at 3:
//! - the third warning applies the step at 3;
//! - a fourth or fifth applies nothing more (the step at 3 was applied and its warning counts),
//!   unless another step is reached (a step at 5 applies on the fifth);
//! - a member who already had 3 warnings when the ladder was configured (or whose escalation
//!   the bot was refused) gets the step at 3 on their fourth warning, once;
//! - once the warning that triggered a step decays or is pardoned, that step can apply again.
//!
//! "Exactly met" alone would miss the late-ladder and refused cases; "highest met" alone would
//! repeat the step on every later warning.

use super::settings::LadderStep;

/// Where a member stands after a new warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Active warnings, counting the new one.
    pub active_warnings: u32,
    /// The highest threshold already applied whose triggering warning still counts.
    pub applied_threshold: Option<u32>,
}

/// The step to apply after a warning, if any; see the module documentation for the rule.
pub fn decide(ladder: &[LadderStep], standing: Standing) -> Option<&LadderStep> {
    let applied = standing.applied_threshold.unwrap_or(0);
    ladder
        .iter()
        .filter(|step| step.at <= standing.active_warnings && step.at > applied)
        .max_by_key(|step| step.at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::moderation::settings::LadderAction;

    fn ladder() -> Vec<LadderStep> {
        vec![
            LadderStep {
                at: 3,
                action: LadderAction::Timeout {
                    duration_secs: 3_600,
                },
            },
            LadderStep {
                at: 5,
                action: LadderAction::Kick {},
            },
            LadderStep {
                at: 7,
                action: LadderAction::Ban {
                    delete_message_secs: 0,
                    duration_secs: None,
                },
            },
        ]
    }

    fn check(active_warnings: u32, applied_threshold: Option<u32>, expect: Option<u32>) {
        let ladder = ladder();
        let step = decide(
            &ladder,
            Standing {
                active_warnings,
                applied_threshold,
            },
        );
        assert_eq!(
            step.map(|step| step.at),
            expect,
            "{active_warnings} active, {applied_threshold:?} applied"
        );
    }

    #[test]
    fn applies_each_step_once_as_warnings_accumulate() {
        check(1, None, None);
        check(2, None, None);
        check(3, None, Some(3));
        check(4, Some(3), None);
        check(5, Some(3), Some(5));
        check(6, Some(5), None);
        check(7, Some(5), Some(7));
        check(8, Some(7), None);
    }

    #[test]
    fn a_fourth_warning_applies_a_missed_first_step_once() {
        // Three warnings before the ladder existed, or the escalation was refused: the fourth
        // applies the step at 3; the fifth does not repeat it but reaches the step at 5.
        check(4, None, Some(3));
        check(5, Some(3), Some(5));
        // Under a ladder with only the step at 3, later warnings apply nothing.
        let only_three = &ladder()[..1];
        let standing = |active| Standing {
            active_warnings: active,
            applied_threshold: Some(3),
        };
        assert!(decide(only_three, standing(4)).is_none());
        assert!(decide(only_three, standing(9)).is_none());
    }

    #[test]
    fn jumps_to_the_highest_step_met() {
        check(6, None, Some(5));
        check(7, Some(3), Some(7));
    }

    #[test]
    fn a_step_applies_again_after_its_warning_decayed() {
        // The store reports no applied threshold once the triggering warning stopped counting,
        // so reaching 3 again applies the step again; an empty ladder never applies anything.
        check(3, None, Some(3));
        assert!(
            decide(
                &[],
                Standing {
                    active_warnings: 10,
                    applied_threshold: None
                }
            )
            .is_none()
        );
    }
}

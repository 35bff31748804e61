//! The level curve: how much XP each level costs, and which level a total reaches.
//!
//! Going from level `L` to `L + 1` costs `a·L² + b·L + c` XP (MEE6's curve by default: 5, 50,
//! 100, so level 1 needs 100 XP, level 2 another 155, level 10 a total of 4,675). Levels stop at
//! [`MAX_LEVEL`]; XP keeps counting past it. The coefficients are bounded by
//! [`LevelCurve::check`] so that the total for [`MAX_LEVEL`] stays far below `i64::MAX` (at most
//! about 3.4·10¹⁴, below [`MAX_XP`]); every computation here is done in `i128` and cannot
//! overflow.

use serde::{Deserialize, Serialize};

use crate::guild_config::sections::FieldError;

/// The highest level: XP past it still counts (and ranks), the level stays.
pub const MAX_LEVEL: u32 = 1_000;

/// The most XP a member can hold, and the most an admin or an import may set: one quadrillion.
/// It is above the total of [`MAX_LEVEL`] under any accepted curve.
pub const MAX_XP: i64 = 1_000_000_000_000_000;

/// The largest accepted value of each coefficient.
pub const MAX_COEFFICIENT: u32 = 1_000_000;

/// The XP cost of each level, `a·L² + b·L + c` from level `L` to `L + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LevelCurve {
    /// The quadratic coefficient.
    pub a: u32,
    /// The linear coefficient.
    pub b: u32,
    /// The constant: the cost of level 1, at least 1 so every level costs something.
    pub c: u32,
}

impl Default for LevelCurve {
    /// MEE6's curve: `5·L² + 50·L + 100`.
    fn default() -> Self {
        Self {
            a: 5,
            b: 50,
            c: 100,
        }
    }
}

/// Where a total of XP stands on the curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The level reached.
    pub level: u32,
    /// XP earned since reaching `level`.
    pub xp_into_level: i64,
    /// XP the next level costs in all (`xp_into_level` counts toward it); 0 at [`MAX_LEVEL`].
    pub xp_needed: i64,
}

impl Progress {
    /// XP still missing for the next level (0 at [`MAX_LEVEL`]).
    pub fn xp_remaining(&self) -> i64 {
        (self.xp_needed - self.xp_into_level).max(0)
    }

    /// Whether the level is [`MAX_LEVEL`].
    pub fn is_max_level(&self) -> bool {
        self.level >= MAX_LEVEL
    }
}

impl LevelCurve {
    /// Checks the coefficients: each at most [`MAX_COEFFICIENT`], and `c` at least 1.
    ///
    /// # Errors
    /// A [`FieldError`] on `curve` saying which coefficient is out of range.
    pub fn check(&self) -> Result<(), FieldError> {
        for (name, value) in [("a", self.a), ("b", self.b), ("c", self.c)] {
            if value > MAX_COEFFICIENT {
                return Err(FieldError {
                    field: "curve",
                    message: format!(
                        "coefficient {name} must be at most {MAX_COEFFICIENT} (so XP stays countable up to level {MAX_LEVEL}), got {value}"
                    ),
                });
            }
        }
        if self.c == 0 {
            return Err(FieldError {
                field: "curve",
                message: "coefficient c (the XP level 1 costs) must be at least 1, got 0".into(),
            });
        }
        Ok(())
    }

    /// The XP that going from `level` to `level + 1` costs (the cost of [`MAX_LEVEL`] for any
    /// level above it).
    pub fn xp_to_next(&self, level: u32) -> i64 {
        let level = i128::from(level.min(MAX_LEVEL));
        clamp(i128::from(self.a) * level * level + i128::from(self.b) * level + i128::from(self.c))
    }

    /// The total XP needed to reach `level` from zero (level 0 needs 0).
    pub fn total_xp_for(&self, level: u32) -> i64 {
        clamp(self.total_wide(level.min(MAX_LEVEL)))
    }

    /// The sum of the costs of levels `0..level`, in closed form.
    fn total_wide(&self, level: u32) -> i128 {
        let level = i128::from(level);
        let squares = (level - 1) * level * (2 * level - 1) / 6;
        let linear = level * (level - 1) / 2;
        i128::from(self.a) * squares + i128::from(self.b) * linear + i128::from(self.c) * level
    }

    /// The level a total of XP reaches (0 for zero or negative XP, at most [`MAX_LEVEL`]): a
    /// binary search over the closed form, about ten steps.
    pub fn level_for(&self, total_xp: i64) -> u32 {
        let total = i128::from(total_xp);
        if total <= 0 {
            return 0;
        }
        // Invariant: total_wide(low) <= total < total_wide(high + 1), within 0..=MAX_LEVEL.
        let (mut low, mut high) = (0u32, MAX_LEVEL);
        while low < high {
            let middle = low + (high - low).div_ceil(2);
            if self.total_wide(middle) <= total {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        low
    }

    /// The level a total reaches and how far into the next one it is.
    pub fn progress(&self, total_xp: i64) -> Progress {
        let total = total_xp.max(0);
        let level = self.level_for(total);
        let xp_needed = if level >= MAX_LEVEL {
            0
        } else {
            self.xp_to_next(level)
        };
        Progress {
            level,
            xp_into_level: total - self.total_xp_for(level),
            xp_needed,
        }
    }
}

fn clamp(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEE6: LevelCurve = LevelCurve {
        a: 5,
        b: 50,
        c: 100,
    };

    #[test]
    fn costs_follow_mee6_by_default() {
        assert_eq!(LevelCurve::default(), MEE6);
        let costs: Vec<i64> = (0..5).map(|level| MEE6.xp_to_next(level)).collect();
        assert_eq!(costs, [100, 155, 220, 295, 380]);
        let totals: Vec<i64> = (0..6).map(|level| MEE6.total_xp_for(level)).collect();
        assert_eq!(totals, [0, 100, 255, 475, 770, 1_150]);
        assert_eq!(MEE6.total_xp_for(10), 4_675);
    }

    #[test]
    fn the_closed_form_matches_the_sum_of_costs() {
        for curve in [
            MEE6,
            LevelCurve { a: 0, b: 0, c: 1 },
            LevelCurve { a: 3, b: 0, c: 7 },
            LevelCurve {
                a: MAX_COEFFICIENT,
                b: MAX_COEFFICIENT,
                c: MAX_COEFFICIENT,
            },
        ] {
            let mut sum = 0i64;
            for level in 0..=MAX_LEVEL {
                assert_eq!(curve.total_xp_for(level), sum, "{curve:?} level {level}");
                sum += curve.xp_to_next(level);
            }
        }
    }

    #[test]
    fn level_for_is_exact_at_every_boundary() {
        // (total XP, level): level 0, the edges of levels 1 and 2, and a large total.
        let cases = [
            (i64::MIN, 0),
            (-5, 0),
            (0, 0),
            (99, 0),
            (100, 1),
            (254, 1),
            (255, 2),
            (4_674, 9),
            (4_675, 10),
            (4_676, 10),
        ];
        for (total, level) in cases {
            assert_eq!(MEE6.level_for(total), level, "total {total}");
        }
        for level in 0..=MAX_LEVEL {
            let total = MEE6.total_xp_for(level);
            assert_eq!(MEE6.level_for(total), level);
            if level > 0 {
                assert_eq!(MEE6.level_for(total - 1), level - 1);
            }
        }
    }

    #[test]
    fn levels_stop_at_the_maximum_and_large_totals_do_not_overflow() {
        let top = MEE6.total_xp_for(MAX_LEVEL);
        assert_eq!(top, 1_689_242_500);
        assert_eq!(MEE6.level_for(top), MAX_LEVEL);
        assert_eq!(MEE6.level_for(i64::MAX), MAX_LEVEL);
        assert_eq!(MEE6.level_for(MAX_XP), MAX_LEVEL);
        let widest = LevelCurve {
            a: MAX_COEFFICIENT,
            b: MAX_COEFFICIENT,
            c: MAX_COEFFICIENT,
        };
        assert!(widest.total_xp_for(MAX_LEVEL) < MAX_XP);
        assert_eq!(widest.level_for(i64::MAX), MAX_LEVEL);
        let progress = MEE6.progress(i64::MAX);
        assert_eq!(progress.level, MAX_LEVEL);
        assert_eq!(progress.xp_needed, 0);
        assert!(progress.is_max_level());
        assert_eq!(progress.xp_remaining(), 0);
    }

    #[test]
    fn progress_counts_from_the_level_reached() {
        assert_eq!(
            MEE6.progress(0),
            Progress {
                level: 0,
                xp_into_level: 0,
                xp_needed: 100
            }
        );
        assert_eq!(
            MEE6.progress(300),
            Progress {
                level: 2,
                xp_into_level: 45,
                xp_needed: 220
            }
        );
        assert_eq!(MEE6.progress(300).xp_remaining(), 175);
        assert_eq!(MEE6.progress(-10).level, 0);
        assert_eq!(MEE6.progress(-10).xp_into_level, 0);
    }

    #[test]
    fn check_names_the_coefficient_and_the_range() {
        assert_eq!(MEE6.check(), Ok(()));
        let error = LevelCurve {
            a: MAX_COEFFICIENT + 1,
            ..MEE6
        }
        .check()
        .unwrap_err();
        assert_eq!(error.field, "curve");
        assert!(
            error
                .message
                .contains("coefficient a must be at most 1000000")
        );
        let error = LevelCurve { c: 0, ..MEE6 }.check().unwrap_err();
        assert!(
            error
                .message
                .contains("c (the XP level 1 costs) must be at least 1")
        );
    }
}

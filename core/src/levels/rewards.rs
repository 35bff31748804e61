//! Role rewards as pure code: which reward roles a member at a level should have, compared with
//! the roles they have. Used on level-up, when a member rejoins, and after an import or an
//! admin's change, so the reward roles always follow the level (also down).

use super::settings::{LevelSettings, RewardMode};
use crate::ids::RoleId;

/// Reward roles to give and to take so a member's roles match their level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RewardChanges {
    /// Reward roles the member should have and lacks, lowest level first.
    pub add: Vec<RoleId>,
    /// Reward roles the member has and should not, lowest level first.
    pub remove: Vec<RoleId>,
}

impl RewardChanges {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty()
    }
}

/// The reward roles a member at `level` should hold: in stack mode every reward reached, in
/// replace mode only the highest one reached.
pub fn rewards_for(settings: &LevelSettings, level: u32) -> Vec<RoleId> {
    let mut reached = settings
        .rewards
        .iter()
        .filter(|reward| reward.level <= level)
        .map(|reward| reward.role);
    match settings.reward_mode {
        RewardMode::Stack => reached.collect(),
        RewardMode::Replace => reached.next_back().into_iter().collect(),
    }
}

/// What to change so a member with `member_roles` holds exactly the reward roles of `level`.
/// Roles that are no reward are never touched.
pub fn reward_changes(
    settings: &LevelSettings,
    level: u32,
    member_roles: &[RoleId],
) -> RewardChanges {
    let wanted = rewards_for(settings, level);
    let mut changes = RewardChanges::default();
    for reward in &settings.rewards {
        let has = member_roles.contains(&reward.role);
        let should = wanted.contains(&reward.role);
        if should && !has {
            changes.add.push(reward.role);
        } else if has && !should {
            changes.remove.push(reward.role);
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::levels::settings::Reward;

    const BRONZE: RoleId = RoleId::new(5);
    const SILVER: RoleId = RoleId::new(10);
    const GOLD: RoleId = RoleId::new(20);
    const OTHER: RoleId = RoleId::new(99);

    fn settings(mode: RewardMode) -> LevelSettings {
        LevelSettings {
            rewards: vec![
                Reward {
                    level: 5,
                    role: BRONZE,
                },
                Reward {
                    level: 10,
                    role: SILVER,
                },
                Reward {
                    level: 20,
                    role: GOLD,
                },
            ],
            reward_mode: mode,
            ..LevelSettings::default()
        }
    }

    #[test]
    fn roles_follow_the_level_in_both_modes() {
        use RewardMode::{Replace, Stack};
        type Case = (
            RewardMode,
            u32,
            &'static [RoleId],
            &'static [RoleId],
            &'static [RoleId],
        );
        let cases: [Case; 12] = [
            (Stack, 0, &[], &[], &[]),
            (Stack, 4, &[OTHER], &[], &[]),
            (Stack, 5, &[], &[BRONZE], &[]),
            (Stack, 12, &[BRONZE], &[SILVER], &[]),
            (Stack, 25, &[], &[BRONZE, SILVER, GOLD], &[]),
            (Stack, 25, &[BRONZE, SILVER, GOLD, OTHER], &[], &[]),
            // Levels taken away (an admin, an import): rewards above the level go.
            (Stack, 7, &[BRONZE, SILVER, GOLD], &[], &[SILVER, GOLD]),
            (Replace, 4, &[], &[], &[]),
            (Replace, 10, &[BRONZE], &[SILVER], &[BRONZE]),
            (
                Replace,
                25,
                &[BRONZE, SILVER, OTHER],
                &[GOLD],
                &[BRONZE, SILVER],
            ),
            (Replace, 25, &[GOLD], &[], &[]),
            (Replace, 6, &[GOLD], &[BRONZE], &[GOLD]),
        ];
        for (mode, level, roles, add, remove) in cases {
            let changes = reward_changes(&settings(mode), level, roles);
            assert_eq!(
                changes,
                RewardChanges {
                    add: add.to_vec(),
                    remove: remove.to_vec()
                },
                "{mode:?} at level {level} with {roles:?}"
            );
        }
    }

    #[test]
    fn no_rewards_change_nothing() {
        let changes = reward_changes(&LevelSettings::default(), 50, &[OTHER]);
        assert!(changes.is_empty());
        assert_eq!(rewards_for(&settings(RewardMode::Replace), 19), [SILVER]);
        assert_eq!(
            rewards_for(&settings(RewardMode::Stack), 19),
            [BRONZE, SILVER]
        );
    }
}

//! An in-memory order-statistics index of one guild's leaderboard: ranks and deep pages in
//! microseconds at a million members, where SQL must count every member ahead.
//!
//! Keys are `(-xp, user)` in the SQL order (most XP first, ties by the stored user id), kept in
//! sorted blocks of a few hundred keys (a square-root decomposition): finding a key's block is
//! a binary search over the blocks, its rank the sizes of the blocks before it plus its place
//! in its block, and an insert or removal moves at most one block's keys. 16 bytes per member:
//! 16 MB for a million.

use crate::ids::UserId;

/// Keys per block after a load; a block splits at twice this.
const BLOCK: usize = 512;

/// A leaderboard position: `(-xp, user id as stored)`, ascending in leaderboard order.
type Key = (i64, i64);

fn key(xp: i64, user: UserId) -> Key {
    (-xp, user.to_db())
}

/// One guild's members in leaderboard order.
#[derive(Debug, Clone, Default)]
pub struct RankIndex {
    blocks: Vec<Vec<Key>>,
    len: usize,
}

impl RankIndex {
    /// An index of `members` (XP and user), in any order.
    pub fn new(members: impl IntoIterator<Item = (i64, UserId)>) -> Self {
        let mut keys: Vec<Key> = members
            .into_iter()
            .map(|(xp, user)| key(xp, user))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let len = keys.len();
        let blocks = keys.chunks(BLOCK).map(<[Key]>::to_vec).collect();
        Self { blocks, len }
    }

    /// How many members are indexed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nobody is indexed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The block that holds `key` or would: the first whose last key is not below it.
    fn block_of(&self, key: &Key) -> usize {
        self.blocks
            .partition_point(|block| block.last().is_some_and(|last| last < key))
    }

    /// How many members are ahead of a member with `xp`: more XP, or as much and a lower user
    /// id (whether or not that member is indexed). Their rank is this plus one.
    pub fn ahead_of(&self, xp: i64, user: UserId) -> usize {
        let key = key(xp, user);
        let block = self.block_of(&key);
        let before: usize = self.blocks[..block].iter().map(Vec::len).sum();
        before
            + self
                .blocks
                .get(block)
                .map_or(0, |keys| keys.partition_point(|candidate| *candidate < key))
    }

    /// The member at position `index` (0 is the top), with their XP.
    pub fn nth(&self, index: usize) -> Option<(i64, UserId)> {
        let mut remaining = index;
        for block in &self.blocks {
            if remaining < block.len() {
                let (negated, user) = block[remaining];
                return Some((-negated, UserId::from_db(user)));
            }
            remaining -= block.len();
        }
        None
    }

    /// Adds a member with `xp`; false if that exact entry was there already.
    pub fn insert(&mut self, xp: i64, user: UserId) -> bool {
        let key = key(xp, user);
        if self.blocks.is_empty() {
            self.blocks.push(vec![key]);
            self.len = 1;
            return true;
        }
        let block = self.block_of(&key).min(self.blocks.len() - 1);
        let keys = &mut self.blocks[block];
        let Err(at) = keys.binary_search(&key) else {
            return false;
        };
        keys.insert(at, key);
        self.len += 1;
        if keys.len() >= 2 * BLOCK {
            let upper = keys.split_off(BLOCK);
            self.blocks.insert(block + 1, upper);
        }
        true
    }

    /// Removes a member's entry at `xp`; false if it was not there.
    pub fn remove(&mut self, xp: i64, user: UserId) -> bool {
        let key = key(xp, user);
        let block = self.block_of(&key);
        let Some(keys) = self.blocks.get_mut(block) else {
            return false;
        };
        let Ok(at) = keys.binary_search(&key) else {
            return false;
        };
        keys.remove(at);
        self.len -= 1;
        if keys.is_empty() {
            self.blocks.remove(block);
        }
        true
    }

    /// Moves a member from `old` XP (`None` when they were not indexed) to `new` (`None` to
    /// remove them). False when the old entry was missing: the index no longer matches the
    /// database and should be reloaded.
    pub fn apply(&mut self, user: UserId, old: Option<i64>, new: Option<i64>) -> bool {
        let found = old.is_none_or(|old| self.remove(old, user));
        if let Some(new) = new {
            self.insert(new, user);
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SplitMix64, so the random walk is the same on every run.
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut value = self.0;
            value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            value ^ (value >> 31)
        }
    }

    #[test]
    fn ranks_follow_xp_then_user_id() {
        let index = RankIndex::new([
            (100, UserId::new(5)),
            (300, UserId::new(9)),
            (100, UserId::new(2)),
            (0, UserId::new(1)),
        ]);
        assert_eq!(index.len(), 4);
        assert_eq!(index.ahead_of(300, UserId::new(9)), 0);
        assert_eq!(index.ahead_of(100, UserId::new(2)), 1);
        assert_eq!(index.ahead_of(100, UserId::new(5)), 2);
        assert_eq!(index.ahead_of(0, UserId::new(1)), 3);
        // Someone not indexed: where they would stand.
        assert_eq!(index.ahead_of(200, UserId::new(7)), 1);
        assert_eq!(index.ahead_of(100, UserId::new(3)), 2);
        assert_eq!(index.ahead_of(-1, UserId::new(1)), 4);
        assert_eq!(index.nth(0), Some((300, UserId::new(9))));
        assert_eq!(index.nth(2), Some((100, UserId::new(5))));
        assert_eq!(index.nth(4), None);
        assert!(RankIndex::default().is_empty());
        assert_eq!(RankIndex::default().ahead_of(5, UserId::new(1)), 0);
    }

    #[test]
    fn a_random_walk_matches_a_sorted_list() {
        let mut random = Random(7);
        let mut index = RankIndex::default();
        let mut xp_of: std::collections::HashMap<u64, i64> = std::collections::HashMap::new();
        for step in 0..20_000u32 {
            let user = random.next() % 3_000 + 1;
            let old = xp_of.get(&user).copied();
            let new = if random.next().is_multiple_of(10) {
                None
            } else {
                Some(i64::try_from(random.next() % 50).unwrap() * 10)
            };
            assert!(index.apply(UserId::new(user), old, new), "step {step}");
            match new {
                Some(xp) => xp_of.insert(user, xp),
                None => xp_of.remove(&user),
            };
            if step % 1_000 == 0 || step == 19_999 {
                let mut sorted: Vec<(i64, u64)> =
                    xp_of.iter().map(|(user, xp)| (-*xp, *user)).collect();
                sorted.sort_unstable();
                assert_eq!(index.len(), sorted.len());
                for (position, (negated, user)) in sorted.iter().enumerate() {
                    assert_eq!(index.ahead_of(-negated, UserId::new(*user)), position);
                    if position % 97 == 0 {
                        assert_eq!(index.nth(position), Some((-negated, UserId::new(*user))));
                    }
                }
            }
        }
        // A move from an entry that is not there says the index is out of date.
        assert!(!index.apply(UserId::new(99_999), Some(5), Some(10)));
    }

    #[test]
    fn large_loads_split_into_blocks_and_stay_ordered() {
        let members =
            (1..=10_000u64).map(|user| (i64::try_from(user % 100).unwrap(), UserId::new(user)));
        let mut index = RankIndex::new(members);
        assert!(index.blocks.len() >= 10_000 / BLOCK);
        for user in 20_001..=22_000u64 {
            index.insert(1_000, UserId::new(user));
        }
        assert!(index.blocks.iter().all(|block| block.len() < 2 * BLOCK));
        assert_eq!(index.ahead_of(1_000, UserId::new(20_001)), 0);
        assert_eq!(index.ahead_of(99, UserId::new(99)), 2_000);
        assert_eq!(index.len(), 12_000);
    }
}

//! The per-guild hot-path state of the spam rules: for each member who posted recently, a small
//! ring of their last messages (time and fingerprint). In memory only; it is rebuilt from
//! nothing after a restart, which only forgets a few seconds of history.
//!
//! Memory is bounded twice: a ring holds at most [`MAX_RING`] entries, and members idle for
//! longer than the longest window are dropped by a sweep that runs every so many checks (the
//! number grows with the map, so the sweep costs O(1) per message amortized).

use std::collections::{HashMap, VecDeque};
use std::mem::size_of;

use super::normalize::Normalized;
use crate::ids::UserId;

/// Most messages remembered per member.
pub const MAX_RING: usize = 32;
/// Fewest checks between two sweeps of idle members.
const SWEEP_EVERY: usize = 256;

/// One remembered message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    /// When it was posted (Unix milliseconds).
    pub(crate) at: i64,
    /// Its SimHash, or 0 when it was too short to compare.
    pub(crate) fingerprint: u64,
}

/// Buffers reused from message to message so the hot path does not allocate.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pub(crate) normalized: Normalized,
    pub(crate) squeezed: String,
}

/// One guild's automod memory: recent messages per member, plus reusable buffers. Owned by
/// whoever serializes the guild's messages (e.g. behind a mutex per guild).
#[derive(Debug, Default)]
pub struct AutomodState {
    users: HashMap<UserId, VecDeque<Entry>>,
    checks_since_sweep: usize,
    pub(crate) scratch: Scratch,
}

impl AutomodState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many members have messages remembered.
    pub fn tracked_members(&self) -> usize {
        self.users.len()
    }

    /// Bytes held by the spam windows: the map's buckets and every ring's buffer (from their
    /// capacities, so it counts what is allocated, not only what is used).
    pub fn window_bytes(&self) -> usize {
        let buckets = self.users.capacity() * (size_of::<(UserId, VecDeque<Entry>)>() + 1);
        let rings: usize = self
            .users
            .values()
            .map(|ring| ring.capacity() * size_of::<Entry>())
            .sum();
        buckets + rings
    }

    /// Remembers a message and returns the member's ring, newest last.
    pub(crate) fn record(
        &mut self,
        user: UserId,
        entry: Entry,
        ring_len: usize,
        keep_ms: i64,
    ) -> &VecDeque<Entry> {
        self.checks_since_sweep += 1;
        if self.checks_since_sweep >= SWEEP_EVERY.max(self.users.len()) {
            self.sweep(entry.at, keep_ms);
        }
        let ring_len = ring_len.clamp(1, MAX_RING);
        // Rings start empty and grow by doubling up to `ring_len`, so a member who posted once
        // holds room for 4 entries, not 32.
        let ring = self.users.entry(user).or_default();
        while ring.len() >= ring_len {
            ring.pop_front();
        }
        while ring
            .front()
            .is_some_and(|oldest| entry.at.saturating_sub(oldest.at) > keep_ms)
        {
            ring.pop_front();
        }
        ring.push_back(entry);
        ring
    }

    /// Drops members with nothing newer than `keep_ms` before `now`.
    pub(crate) fn sweep(&mut self, now: i64, keep_ms: i64) {
        self.checks_since_sweep = 0;
        self.users.retain(|_, ring| {
            ring.back()
                .is_some_and(|newest| now.saturating_sub(newest.at) <= keep_ms)
        });
        if self.users.capacity() > 4 * self.users.len() + 64 {
            self.users.shrink_to(2 * self.users.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at: i64) -> Entry {
        Entry { at, fingerprint: 7 }
    }

    #[test]
    fn a_ring_never_grows_past_its_length() {
        let mut state = AutomodState::new();
        let user = UserId::new(1);
        for at in 0..10_000 {
            let ring = state.record(user, entry(at), 8, 60_000);
            assert!(ring.len() <= 8);
        }
        let ring = state.record(user, entry(10_000), 1_000, 60_000);
        assert!(ring.len() <= MAX_RING);
        assert!(state.window_bytes() < 4_096, "{}", state.window_bytes());
    }

    #[test]
    fn idle_members_are_evicted() {
        let mut state = AutomodState::new();
        for user in 1..=10_000u64 {
            state.record(UserId::new(user), entry(0), 8, 60_000);
        }
        assert_eq!(state.tracked_members(), 10_000);
        let busy = state.window_bytes();
        // Later, only two members keep talking: the sweep drops everyone else.
        for at in 0..20_000i64 {
            let user = UserId::new(1 + u64::from(at % 2 == 0));
            state.record(user, entry(120_000 + at), 8, 60_000);
        }
        assert_eq!(state.tracked_members(), 2);
        assert!(state.window_bytes() < busy / 10, "{}", state.window_bytes());
    }

    #[test]
    fn old_entries_leave_the_ring() {
        let mut state = AutomodState::new();
        let user = UserId::new(1);
        state.record(user, entry(0), 8, 1_000);
        let ring = state.record(user, entry(5_000), 8, 1_000);
        assert_eq!(ring.len(), 1);
    }
}

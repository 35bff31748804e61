//! The one voice tracker, as pure state: a per-guild tracker fed by voice state updates. It
//! turns eligible time into XP on each tick (voice XP), and keeps each member's session — when
//! they joined, the time they spent muted, deafened and alone, the time that counts for voice
//! minutes — and since when they are alone or deafened, for the logging feature's voice log,
//! its anti-AFK rules and the analytics' voice minutes. One tracker, so voice XP and voice
//! minutes can never disagree about who was in voice.
//!
//! A member earns for the time they are in a voice channel that is not the AFK channel nor a
//! no-XP channel, not muted or deafened in any way (self or server), and with at least one other
//! member there who is not a bot and not deafened (someone who can hear them). Time is settled
//! on every update, before the change applies, so a member who mutes half-way through an
//! interval earns for the first half; [`VoiceTracker::tick`] pays what was settled. One
//! continuous session (join to leave; moving between channels continues it) earns for at most
//! `voice.max_minutes_per_session` minutes, so a member left in a channel all night does not
//! farm XP.

use std::collections::HashMap;

use super::settings::LevelSettings;
use crate::clock::UnixMillis;
use crate::ids::{ChannelId, UserId};

/// One member's voice state, as Discord reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoiceState {
    /// The member.
    pub user: UserId,
    /// The voice channel they are in; `None` once they left voice.
    pub channel: Option<ChannelId>,
    /// Muted themselves.
    pub self_mute: bool,
    /// Deafened themselves.
    pub self_deaf: bool,
    /// Muted by the server.
    pub mute: bool,
    /// Deafened by the server.
    pub deaf: bool,
    /// The member is a bot.
    pub is_bot: bool,
}

impl VoiceState {
    /// A member in `channel`, neither muted nor deafened.
    pub fn joined(user: UserId, channel: ChannelId) -> Self {
        Self {
            user,
            channel: Some(channel),
            self_mute: false,
            self_deaf: false,
            mute: false,
            deaf: false,
            is_bot: false,
        }
    }

    fn can_hear(&self) -> bool {
        !self.is_bot && !self.self_deaf && !self.deaf
    }

    fn can_earn(&self) -> bool {
        !self.is_bot && !self.self_mute && !self.self_deaf && !self.mute && !self.deaf
    }
}

/// A voice session that ended (the member left voice), with its times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceSession {
    /// The member.
    pub user: UserId,
    /// The channel they were last in.
    pub channel: ChannelId,
    /// When they joined.
    pub joined_at: UnixMillis,
    /// When they left.
    pub left_at: UnixMillis,
    /// Seconds in voice.
    pub seconds: u64,
    /// Seconds muted (by themselves or the server).
    pub muted_seconds: u64,
    /// Seconds deafened (by themselves or the server).
    pub deafened_seconds: u64,
    /// Seconds with nobody else (no other member who is not a bot) in their channel.
    pub alone_seconds: u64,
    /// Seconds that count as voice minutes: not alone, not AFK, not in the AFK channel.
    pub counted_seconds: u64,
    /// What the AFK rule did in this session, if anything.
    pub afk_action: Option<&'static str>,
    /// The member is a bot.
    pub is_bot: bool,
}

/// What one voice state update changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoiceChange {
    /// The member's state before (`None` when they were not in voice).
    pub before: Option<VoiceState>,
    /// The session that ended with this update (they left voice).
    pub ended: Option<VoiceSession>,
}

/// Why a member is AFK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfkReason {
    /// Alone in their channel for this long.
    Alone(std::time::Duration),
    /// Deafened themselves this long ago.
    Deafened(std::time::Duration),
}

/// XP earned in voice since the previous tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoiceAward {
    /// The member.
    pub user: UserId,
    /// XP earned (may be 0 when the seconds earned less than one XP; the rest carries over).
    pub xp: u32,
    /// Eligible seconds paid.
    pub seconds: u32,
}

#[derive(Debug, Clone)]
struct Member {
    state: VoiceState,
    /// Time up to which this member's eligibility has been accounted.
    settled_at: UnixMillis,
    /// Eligible milliseconds credited in the current session (the cap counts these).
    session_ms: u64,
    /// Eligible milliseconds credited and not yet paid.
    unpaid_ms: u64,
    /// XP·seconds carried between ticks: the fraction of an XP not yet paid, times 60.
    carry: u64,
    /// When the session began.
    joined_at: UnixMillis,
    /// Time in the session, by kind, in milliseconds.
    total_ms: u64,
    muted_ms: u64,
    deafened_ms: u64,
    alone_ms: u64,
    counted_ms: u64,
    /// Counted milliseconds per channel not yet handed to the analytics.
    unreported: HashMap<ChannelId, u64>,
    /// Since when they are alone in their channel.
    alone_since: Option<UnixMillis>,
    /// Since when they deafened themselves.
    deaf_since: Option<UnixMillis>,
    /// The AFK rule acted on them (their time stops counting until they are active again).
    afk: Option<&'static str>,
    /// The AFK action of this session, kept for its record.
    session_afk: Option<&'static str>,
}

impl Member {
    fn new(state: VoiceState, now: UnixMillis) -> Self {
        Self {
            state,
            settled_at: now,
            session_ms: 0,
            unpaid_ms: 0,
            carry: 0,
            joined_at: now,
            total_ms: 0,
            muted_ms: 0,
            deafened_ms: 0,
            alone_ms: 0,
            counted_ms: 0,
            unreported: HashMap::new(),
            alone_since: None,
            deaf_since: None,
            afk: None,
            session_afk: None,
        }
    }

    fn session(&self, left_at: UnixMillis) -> Option<VoiceSession> {
        Some(VoiceSession {
            user: self.state.user,
            channel: self.state.channel?,
            joined_at: self.joined_at,
            left_at,
            seconds: self.total_ms / 1_000,
            muted_seconds: self.muted_ms / 1_000,
            deafened_seconds: self.deafened_ms / 1_000,
            alone_seconds: self.alone_ms / 1_000,
            counted_seconds: self.counted_ms / 1_000,
            afk_action: self.session_afk,
            is_bot: self.state.is_bot,
        })
    }
}

/// The voice members of one guild and what they have earned.
#[derive(Debug, Clone, Default)]
pub struct VoiceTracker {
    members: HashMap<UserId, Member>,
}

impl VoiceTracker {
    /// A tracker with nobody in voice.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many members are in voice.
    pub fn in_voice(&self) -> usize {
        self.members
            .values()
            .filter(|member| member.state.channel.is_some())
            .count()
    }

    /// Whether the tracker holds nobody (no member in voice, nothing left to pay).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Applies a voice state update at `now`: time until now is credited under the states
    /// before the update, then the member's state changes (joining starts a session, leaving
    /// ends it; what was earned is paid at the next tick). Returns the state before and the
    /// session that ended, if one did.
    pub fn update(
        &mut self,
        state: VoiceState,
        now: UnixMillis,
        settings: &LevelSettings,
    ) -> VoiceChange {
        self.settle(now, settings);
        let mut change = VoiceChange::default();
        match (self.members.get_mut(&state.user), state.channel) {
            (Some(member), Some(_)) => {
                if member.state.channel.is_none() {
                    *member = Member {
                        unpaid_ms: member.unpaid_ms,
                        carry: member.carry,
                        unreported: std::mem::take(&mut member.unreported),
                        ..Member::new(state, now)
                    };
                } else {
                    change.before = Some(member.state);
                    member.state = state;
                }
            }
            (Some(member), None) => {
                if member.state.channel.is_some() {
                    change.before = Some(member.state);
                    change.ended = member.session(now);
                }
                member.state = state;
                member.session_ms = 0;
                member.afk = None;
            }
            (None, Some(_)) => {
                self.members.insert(state.user, Member::new(state, now));
            }
            (None, None) => {}
        }
        self.refresh(now);
        change
    }

    /// Who is alone and who deafened themselves, as of now; an AFK mark ends once the member is
    /// neither.
    fn refresh(&mut self, now: UnixMillis) {
        let mut humans: HashMap<ChannelId, u32> = HashMap::new();
        for member in self.members.values() {
            if let Some(channel) = member.state.channel
                && !member.state.is_bot
            {
                *humans.entry(channel).or_default() += 1;
            }
        }
        for member in self.members.values_mut() {
            let Some(channel) = member.state.channel else {
                member.alone_since = None;
                member.deaf_since = None;
                continue;
            };
            let alone = humans.get(&channel).copied().unwrap_or(0) <= 1;
            match (alone, member.alone_since) {
                (true, None) => member.alone_since = Some(now),
                (false, Some(_)) => member.alone_since = None,
                _ => {}
            }
            match (member.state.self_deaf, member.deaf_since) {
                (true, None) => member.deaf_since = Some(now),
                (false, Some(_)) => member.deaf_since = None,
                _ => {}
            }
            if !alone && !member.state.self_deaf {
                member.afk = None;
            }
        }
    }

    /// Members whose AFK limit has passed at `now` (alone for `alone`, or deafened for
    /// `deafened`; a zero limit is off), who are not bots, not already marked AFK, and not in
    /// `exempt` (the AFK channel).
    pub fn afk_due(
        &self,
        now: UnixMillis,
        alone: std::time::Duration,
        deafened: std::time::Duration,
        exempt: Option<ChannelId>,
    ) -> Vec<(UserId, ChannelId, AfkReason)> {
        let mut due = Vec::new();
        for member in self.members.values() {
            let Some(channel) = member.state.channel else {
                continue;
            };
            if member.state.is_bot || member.afk.is_some() || exempt == Some(channel) {
                continue;
            }
            if !alone.is_zero()
                && let Some(since) = member.alone_since
                && now.since(since) >= alone
            {
                due.push((
                    member.state.user,
                    channel,
                    AfkReason::Alone(now.since(since)),
                ));
            } else if !deafened.is_zero()
                && let Some(since) = member.deaf_since
                && now.since(since) >= deafened
            {
                due.push((
                    member.state.user,
                    channel,
                    AfkReason::Deafened(now.since(since)),
                ));
            }
        }
        due.sort_by_key(|(user, _, _)| *user);
        due
    }

    /// Marks a member AFK (`action` is what the rule did): their time stops counting for XP and
    /// voice minutes until they are neither alone nor deafened.
    pub fn mark_afk(&mut self, user: UserId, action: &'static str) {
        if let Some(member) = self.members.get_mut(&user) {
            member.afk = Some(action);
            member.session_afk = Some(action);
        }
    }

    /// Counted voice time per channel and member since the last call, in whole seconds (the
    /// rest carries over), for the analytics' voice minutes.
    pub fn take_counted(&mut self) -> Vec<(ChannelId, UserId, u64)> {
        let mut taken = Vec::new();
        for (user, member) in &mut self.members {
            for (channel, ms) in &mut member.unreported {
                if *ms >= 1_000 {
                    taken.push((*channel, *user, *ms / 1_000));
                    *ms %= 1_000;
                }
            }
            member.unreported.retain(|_, ms| *ms > 0);
        }
        taken.sort_by_key(|(channel, user, _)| (*channel, *user));
        taken
    }

    /// A member's state, if they are in voice.
    pub fn state_of(&self, user: UserId) -> Option<VoiceState> {
        self.members
            .get(&user)
            .map(|member| member.state)
            .filter(|state| state.channel.is_some())
    }

    /// Credits eligible time up to `now` and pays it: XP per member for the whole seconds
    /// earned since the last tick (the fraction of a second and of an XP carry over). Members
    /// who left are forgotten once paid. Nothing is paid while voice XP is off.
    pub fn tick(&mut self, now: UnixMillis, settings: &LevelSettings) -> Vec<VoiceAward> {
        self.settle(now, settings);
        let per_minute = u64::from(settings.voice.xp_per_minute);
        let mut awards = Vec::new();
        for (user, member) in &mut self.members {
            let seconds = member.unpaid_ms / 1_000;
            if seconds == 0 {
                continue;
            }
            member.unpaid_ms %= 1_000;
            let units = seconds * per_minute + member.carry;
            member.carry = units % 60;
            awards.push(VoiceAward {
                user: *user,
                xp: u32::try_from(units / 60).unwrap_or(u32::MAX),
                seconds: u32::try_from(seconds).unwrap_or(u32::MAX),
            });
        }
        self.members.retain(|_, member| {
            member.state.channel.is_some()
                || member.unpaid_ms >= 1_000
                || member.unreported.values().any(|ms| *ms >= 1_000)
        });
        awards.sort_by_key(|award| award.user);
        awards
    }

    /// Credits time up to `now` without paying it (before a member is marked AFK or the
    /// counted time is read).
    pub fn tick_settle(&mut self, now: UnixMillis, settings: &LevelSettings) {
        self.settle(now, settings);
    }

    /// Credits every member's eligible time since they were last settled.
    fn settle(&mut self, now: UnixMillis, settings: &LevelSettings) {
        let voice = &settings.voice;
        let mut listeners: HashMap<ChannelId, u32> = HashMap::new();
        for member in self.members.values() {
            if let Some(channel) = member.state.channel
                && member.state.can_hear()
            {
                *listeners.entry(channel).or_default() += 1;
            }
        }
        let mut humans: HashMap<ChannelId, u32> = HashMap::new();
        for member in self.members.values() {
            if let Some(channel) = member.state.channel
                && !member.state.is_bot
            {
                *humans.entry(channel).or_default() += 1;
            }
        }
        let cap_ms = u64::from(voice.max_minutes_per_session) * 60_000;
        for member in self.members.values_mut() {
            let elapsed = u64::try_from(now.since(member.settled_at).as_millis()).unwrap_or(0);
            member.settled_at = member.settled_at.max(now);
            let Some(channel) = member.state.channel else {
                continue;
            };
            // The session's times, whatever the XP rules say.
            let alone = humans.get(&channel).copied().unwrap_or(0) <= 1;
            member.total_ms += elapsed;
            if member.state.self_mute || member.state.mute {
                member.muted_ms += elapsed;
            }
            if member.state.self_deaf || member.state.deaf {
                member.deafened_ms += elapsed;
            }
            if alone {
                member.alone_ms += elapsed;
            }
            if !member.state.is_bot
                && !alone
                && member.afk.is_none()
                && voice.afk_channel != Some(channel)
            {
                member.counted_ms += elapsed;
                *member.unreported.entry(channel).or_default() += elapsed;
            }
            // The member hears themselves when they earn, so someone else must be there too.
            let others = listeners
                .get(&channel)
                .copied()
                .unwrap_or(0)
                .saturating_sub(1);
            let eligible = voice.enabled
                && member.afk.is_none()
                && member.state.can_earn()
                && others >= 1
                && voice.afk_channel != Some(channel)
                && !settings.no_xp_channels.contains(&channel);
            if !eligible || elapsed == 0 {
                continue;
            }
            let credit = if cap_ms == 0 {
                elapsed
            } else {
                elapsed.min(cap_ms.saturating_sub(member.session_ms))
            };
            member.session_ms += credit;
            member.unpaid_ms += credit;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::levels::settings::VoiceSettings;

    const LOUNGE: ChannelId = ChannelId::new(10);
    const GAMING: ChannelId = ChannelId::new(11);
    const AFK: ChannelId = ChannelId::new(12);
    const QUIET: ChannelId = ChannelId::new(13);
    const ANN: UserId = UserId::new(1);
    const BEN: UserId = UserId::new(2);
    const CAT: UserId = UserId::new(3);
    const BOT: UserId = UserId::new(9);

    /// One step of a scenario, at a second since the start.
    #[derive(Clone, Copy)]
    enum Step {
        /// A state update.
        At(u64, VoiceState),
        /// A tick; the awards are recorded.
        Tick(u64),
    }

    fn settings() -> LevelSettings {
        LevelSettings {
            voice: VoiceSettings {
                enabled: true,
                xp_per_minute: 6,
                interval_secs: 60,
                max_minutes_per_session: 10,
                afk_channel: Some(AFK),
            },
            no_xp_channels: vec![QUIET],
            ..LevelSettings::default()
        }
    }

    fn join(user: UserId, channel: ChannelId) -> VoiceState {
        VoiceState::joined(user, channel)
    }

    fn with(state: VoiceState, edit: fn(&mut VoiceState)) -> VoiceState {
        let mut state = state;
        edit(&mut state);
        state
    }

    fn leave(user: UserId) -> VoiceState {
        VoiceState {
            channel: None,
            ..VoiceState::joined(user, LOUNGE)
        }
    }

    fn bot(channel: ChannelId) -> VoiceState {
        with(join(BOT, channel), |state| state.is_bot = true)
    }

    /// Runs the steps; returns each tick's awards as (user, xp, seconds).
    fn run(settings: &LevelSettings, steps: &[Step]) -> Vec<Vec<(u64, u32, u32)>> {
        let mut tracker = VoiceTracker::new();
        let mut ticks = Vec::new();
        let at = |second: u64| UnixMillis(1_000_000 + i64::try_from(second).unwrap() * 1_000);
        for step in steps {
            match *step {
                Step::At(second, state) => {
                    tracker.update(state, at(second), settings);
                }
                Step::Tick(second) => ticks.push(
                    tracker
                        .tick(at(second), settings)
                        .into_iter()
                        .map(|award| (award.user.get(), award.xp, award.seconds))
                        .collect(),
                ),
            }
        }
        ticks
    }

    #[test]
    fn each_rule_decides_who_earns() {
        use Step::{At, Tick};
        // (name, steps, each tick's awards as (user, xp, seconds))
        type Case = (&'static str, Vec<Step>, Vec<Vec<(u64, u32, u32)>>);
        let cases: Vec<Case> = vec![
            (
                "two members talking both earn",
                vec![At(0, join(ANN, LOUNGE)), At(0, join(BEN, LOUNGE)), Tick(60)],
                vec![vec![(1, 6, 60), (2, 6, 60)]],
            ),
            (
                "alone earns nothing",
                vec![At(0, join(ANN, LOUNGE)), Tick(60)],
                vec![vec![]],
            ),
            (
                "alone with a bot earns nothing, and the bot earns nothing",
                vec![At(0, join(ANN, LOUNGE)), At(0, bot(LOUNGE)), Tick(60)],
                vec![vec![]],
            ),
            (
                "self-muted earns nothing; a muted companion still counts",
                vec![
                    At(0, join(ANN, LOUNGE)),
                    At(0, with(join(BEN, LOUNGE), |s| s.self_mute = true)),
                    Tick(60),
                ],
                vec![vec![(1, 6, 60)]],
            ),
            (
                "a deafened companion does not count: both earn nothing",
                vec![
                    At(0, join(ANN, LOUNGE)),
                    At(0, with(join(BEN, LOUNGE), |s| s.self_deaf = true)),
                    Tick(60),
                ],
                vec![vec![]],
            ),
            (
                "server mute and server deafen earn nothing",
                vec![
                    At(0, join(ANN, LOUNGE)),
                    At(0, with(join(BEN, LOUNGE), |s| s.mute = true)),
                    At(0, with(join(CAT, LOUNGE), |s| s.deaf = true)),
                    Tick(60),
                ],
                vec![vec![(1, 6, 60)]],
            ),
            (
                "the AFK channel earns nothing",
                vec![At(0, join(ANN, AFK)), At(0, join(BEN, AFK)), Tick(60)],
                vec![vec![]],
            ),
            (
                "a no-XP channel earns nothing",
                vec![At(0, join(ANN, QUIET)), At(0, join(BEN, QUIET)), Tick(60)],
                vec![vec![]],
            ),
            (
                "members in different channels are each alone",
                vec![At(0, join(ANN, LOUNGE)), At(0, join(BEN, GAMING)), Tick(60)],
                vec![vec![]],
            ),
            (
                "muting half-way earns the first half",
                vec![
                    At(0, join(ANN, LOUNGE)),
                    At(0, join(BEN, LOUNGE)),
                    At(30, with(join(ANN, LOUNGE), |s| s.self_mute = true)),
                    Tick(60),
                ],
                // Ann still hears Ben, so Ben keeps earning.
                vec![vec![(1, 3, 30), (2, 6, 60)]],
            ),
            (
                "a companion arriving late starts both earning",
                vec![
                    At(0, join(ANN, LOUNGE)),
                    At(45, join(BEN, LOUNGE)),
                    Tick(60),
                ],
                vec![vec![(1, 1, 15), (2, 1, 15)]],
            ),
            (
                "leaving before the tick is paid at the tick, then forgotten",
                vec![
                    At(0, join(ANN, LOUNGE)),
                    At(0, join(BEN, LOUNGE)),
                    At(20, leave(BEN)),
                    Tick(60),
                    Tick(120),
                ],
                vec![vec![(1, 2, 20), (2, 2, 20)], vec![]],
            ),
            (
                "the session cap stops earning after 10 minutes",
                vec![
                    At(0, join(ANN, LOUNGE)),
                    At(0, join(BEN, LOUNGE)),
                    Tick(540),
                    Tick(660),
                    Tick(720),
                ],
                vec![
                    vec![(1, 54, 540), (2, 54, 540)],
                    vec![(1, 6, 60), (2, 6, 60)],
                    vec![],
                ],
            ),
            (
                "moving channels continues the session; leaving and rejoining starts a new one",
                vec![
                    At(0, join(ANN, LOUNGE)),
                    At(0, join(BEN, LOUNGE)),
                    At(300, join(ANN, GAMING)),
                    At(300, join(BEN, GAMING)),
                    Tick(900),
                    At(900, leave(ANN)),
                    At(900, join(ANN, GAMING)),
                    Tick(960),
                ],
                vec![vec![(1, 60, 600), (2, 60, 600)], vec![(1, 6, 60)]],
            ),
            (
                "fractions of an XP carry over between ticks",
                vec![
                    At(0, join(ANN, LOUNGE)),
                    At(0, join(BEN, LOUNGE)),
                    Tick(25),
                    Tick(50),
                    Tick(75),
                ],
                vec![
                    vec![(1, 2, 25), (2, 2, 25)],
                    vec![(1, 3, 25), (2, 3, 25)],
                    vec![(1, 2, 25), (2, 2, 25)],
                ],
            ),
        ];
        for (name, steps, expected) in cases {
            assert_eq!(run(&settings(), &steps), expected, "{name}");
        }
    }

    #[test]
    fn nothing_is_paid_while_voice_xp_is_off_and_no_cap_means_no_cap() {
        use Step::{At, Tick};
        let mut off = settings();
        off.voice.enabled = false;
        let steps = [At(0, join(ANN, LOUNGE)), At(0, join(BEN, LOUNGE)), Tick(60)];
        assert_eq!(run(&off, &steps), vec![vec![]]);

        let mut uncapped = settings();
        uncapped.voice.max_minutes_per_session = 0;
        let steps = [
            At(0, join(ANN, LOUNGE)),
            At(0, join(BEN, LOUNGE)),
            Tick(86_400),
        ];
        assert_eq!(
            run(&uncapped, &steps),
            vec![vec![(1, 8_640, 86_400), (2, 8_640, 86_400)]]
        );
    }

    #[test]
    fn members_who_left_are_forgotten() {
        let settings = settings();
        let mut tracker = VoiceTracker::new();
        tracker.update(join(ANN, LOUNGE), UnixMillis(0), &settings);
        tracker.update(join(BEN, LOUNGE), UnixMillis(0), &settings);
        assert_eq!(tracker.in_voice(), 2);
        tracker.update(leave(ANN), UnixMillis(500), &settings);
        tracker.update(leave(BEN), UnixMillis(500), &settings);
        assert_eq!(tracker.in_voice(), 0);
        // Half a second each: nothing to pay, and nobody kept.
        assert!(tracker.tick(UnixMillis(1_000), &settings).is_empty());
        assert!(tracker.members.is_empty());
    }

    #[test]
    fn a_session_records_its_times_and_the_afk_timers_run() {
        let settings = settings();
        let at = |second: i64| UnixMillis(1_000_000 + second * 1_000);
        let mut tracker = VoiceTracker::new();
        tracker.update(join(ANN, LOUNGE), at(0), &settings);
        tracker.update(join(BEN, LOUNGE), at(0), &settings);
        tracker.update(
            with(join(BEN, LOUNGE), |s| s.self_deaf = true),
            at(60),
            &settings,
        );
        // Ben leaves at 120: Ann is alone from then.
        let change = tracker.update(leave(BEN), at(120), &settings);
        let before = change.before.unwrap();
        assert!(before.self_deaf);
        let session = change.ended.unwrap();
        assert_eq!(
            (
                session.seconds,
                session.deafened_seconds,
                session.alone_seconds,
                session.counted_seconds
            ),
            (120, 60, 0, 120)
        );
        let minute = std::time::Duration::from_secs(60);
        assert!(tracker.afk_due(at(150), minute, minute, None).is_empty());
        let due = tracker.afk_due(at(180), minute, minute, None);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].0, ANN);
        assert!(matches!(due[0].2, AfkReason::Alone(d) if d == minute));
        assert!(
            tracker
                .afk_due(at(180), minute, minute, Some(LOUNGE))
                .is_empty()
        );
        tracker.mark_afk(ANN, "stop_counting");
        assert!(tracker.afk_due(at(240), minute, minute, None).is_empty());
        // Alone and AFK: nothing counts. Ben is back at 300 and Ann is active again.
        tracker.update(join(BEN, LOUNGE), at(300), &settings);
        let counted = tracker.take_counted();
        assert_eq!(counted, vec![(LOUNGE, ANN, 120), (LOUNGE, BEN, 120)]);
        tracker.update(leave(BEN), at(360), &settings);
        let ended = tracker
            .update(leave(ANN), at(360), &settings)
            .ended
            .unwrap();
        assert_eq!(ended.seconds, 360);
        assert_eq!(ended.alone_seconds, 180);
        assert_eq!(ended.counted_seconds, 120 + 60);
        assert_eq!(ended.afk_action, Some("stop_counting"));
    }
}

//! Provable fairness: the seed, its commitment, the draw as a pure function of the seed and the
//! entrant list, and the verification of a recorded draw. No I/O except [`Seed::generate`]
//! reading 32 bytes from the operating system.
//!
//! # The algorithm, `guildhall-giveaway-v1`
//!
//! Precise enough to re-implement; the Python reference at the end of this section does, and
//! gives the figures of this module's known-vector test:
//!
//! 1. **Seed and commitment.** When a giveaway starts, Guildhall takes 32 random bytes from the
//!    operating system: the *seed*. It publishes `seed_hash`, the SHA-256 of those 32 bytes
//!    written as 64 lowercase hexadecimal characters, in the giveaway message, and keeps the seed
//!    secret. When the giveaway ends (or is cancelled) the seed itself is revealed, as 64
//!    lowercase hexadecimal characters; anyone can check that its SHA-256 is the published hash,
//!    so the seed cannot have been chosen after the entries were seen.
//! 2. **Entrants.** The entrant list is the set of Discord user ids entered when the giveaway
//!    closed, sorted in ascending *numeric* order (as unsigned 64-bit integers, not as text),
//!    without duplicates. `entrants_hash` is the SHA-256, as 64 lowercase hexadecimal
//!    characters, of the ids written in decimal in that order, each followed by one line feed
//!    (`"12\n345\n"`; the empty list hashes the empty string). It is published with the results,
//!    so an exported list can be checked against the one the draw used.
//! 3. **Steps.** The draw is a sequence of *steps*. Each step fills one prize *slot* (numbered
//!    from 1) at one *attempt* (0 for the first draw of that slot, 1 for its first reroll, and so
//!    on). The first draw makes steps for slots 1, 2, … *N* at attempt 0, in that order; every
//!    reroll (automatic, after a claim window expires, or manual) appends one step for its slot
//!    with the next attempt number.
//! 4. **The pool.** Each step draws from the *pool*: the sorted entrant list without every
//!    winner of every earlier step and without every member disqualified at any earlier pick.
//!    A previous winner can therefore never win again, whether or not they claimed.
//! 5. **A pick.** Within a step, picks are numbered from 0. Pick *p* of the step for slot *s*
//!    at attempt *a* takes the first 8 bytes, read as a big-endian unsigned 64-bit integer *x*,
//!    of `HMAC-SHA256(key = the 32 seed bytes, message = "guildhall-giveaway-v1:slot:{s}:
//!    attempt:{a}:pick:{p}:try:{t}")` (ASCII, no spaces, numbers in decimal), for *t* = 0, 1, 2,
//!    … until *x* < 2⁶⁴ − (2⁶⁴ mod *m*), where *m* is the size of the pool (rejection sampling:
//!    every member of the pool is equally likely, with no modulo bias). The candidate is the
//!    pool's element at index *x* mod *m* (0-based). With an empty pool the step has no winner.
//! 6. **Eligibility.** The candidate is checked when the step is drawn: a member who left the
//!    server or no longer meets the requirements is *disqualified* (the record keeps why),
//!    removed from the pool, and the next pick (*p* + 1) is made. The first candidate who
//!    qualifies is the step's winner, and is removed from the pool too.
//!
//! ```python
//! import hashlib, hmac
//!
//! ALGORITHM = "guildhall-giveaway-v1"
//!
//! def pick_index(seed: bytes, slot: int, attempt: int, pick: int, size: int) -> int:
//!     limit = 2**64 - (2**64 % size)
//!     t = 0
//!     while True:
//!         message = f"{ALGORITHM}:slot:{slot}:attempt:{attempt}:pick:{pick}:try:{t}".encode()
//!         x = int.from_bytes(hmac.new(seed, message, hashlib.sha256).digest()[:8], "big")
//!         if x < limit:
//!             return x % size
//!         t += 1
//!
//! def entrants_hash(sorted_ids):
//!     return hashlib.sha256("".join(f"{i}\n" for i in sorted_ids).encode()).hexdigest()
//!
//! def verify(record):
//!     """`record` is the `draw_record` object of a JSON export."""
//!     seed = bytes.fromhex(record["seed"])
//!     assert hashlib.sha256(seed).hexdigest() == record["seed_hash"], "seed != commitment"
//!     pool = sorted({int(user) for user in record["entrants"]})
//!     assert entrants_hash(pool) == record["entrants_hash"], "entrant list changed"
//!     for number, step in enumerate(record["steps"], 1):
//!         picks = [int(u) for u in step["disqualified"]] + [
//!             int(step["winner"]) if step["winner"] else None]
//!         for pick, recorded in enumerate(picks):
//!             index = pick_index(seed, step["slot"], step["attempt"], pick, len(pool)) if pool else None
//!             expected = pool[index] if pool else None
//!             assert expected == recorded, f"step {number}, pick {pick}: {expected} != {recorded}"
//!             if recorded is not None:
//!                 pool.remove(recorded)
//! ```
//!
//! (This sketch leaves out the checks of duplicate entrants and of attempt numbering that
//! [`verify`] also makes.)
//!
//! The record of a draw is the seed, the entrant list and, per step, the slot, the attempt, the
//! disqualified members in pick order and the winner. [`verify`] replays it: a changed seed,
//! entrant list, order of steps, disqualification or winner is reported as the first step that
//! does not follow. It cannot check *why* someone was disqualified (whether they had left): that
//! is a fact about the server at the time, kept with its reason in the giveaway's log.
//!
//! What the commitment does not prevent: whoever can read the database while the giveaway runs
//! can read the seed, and could add entrants (accounts of their own) until one of them would
//! win. The published entrant count, the entrant list in the export and `entrants_hash` make
//! such entries visible afterwards; they do not make them impossible.

use std::collections::HashSet;
use std::fmt;

use hmac::{KeyInit as _, Mac as _};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::ids::UserId;

/// The algorithm's name, part of every HMAC message and of exported records.
pub const ALGORITHM: &str = "guildhall-giveaway-v1";

type HmacSha256 = hmac::Hmac<Sha256>;

/// SHA-256's block size: HMAC pads a shorter key with zeros to this length.
const HMAC_BLOCK: usize = 64;

/// A giveaway's secret: 32 random bytes. Its `Debug` output hides the bytes, so a seed in a log
/// line cannot reveal it early.
#[derive(Clone, PartialEq, Eq)]
pub struct Seed([u8; 32]);

/// A seed that could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeedError {
    /// The operating system gave no random bytes.
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    /// The text is not 64 hexadecimal characters.
    #[error("a seed is 64 hexadecimal characters (32 bytes), got {0:?}")]
    NotHex(String),
}

impl Seed {
    /// 32 fresh bytes from the operating system's random source.
    ///
    /// # Errors
    /// [`SeedError::Random`] when the source fails.
    pub fn generate() -> Result<Self, SeedError> {
        let mut bytes = [0_u8; 32];
        getrandom::fill(&mut bytes).map_err(|error| SeedError::Random(error.to_string()))?;
        Ok(Self(bytes))
    }

    /// A seed of these bytes (for known vectors and verification).
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The seed's bytes.
    pub const fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Reads 64 hexadecimal characters (either case).
    ///
    /// # Errors
    /// [`SeedError::NotHex`].
    pub fn parse(text: &str) -> Result<Self, SeedError> {
        let trimmed = text.trim();
        let not_hex = || SeedError::NotHex(text.to_owned());
        if trimmed.len() != 64 || !trimmed.is_ascii() {
            return Err(not_hex());
        }
        let mut bytes = [0_u8; 32];
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&trimmed[index * 2..index * 2 + 2], 16)
                .map_err(|_| not_hex())?;
        }
        Ok(Self(bytes))
    }

    /// The seed as 64 lowercase hexadecimal characters: what is revealed at the end.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// The commitment published at the start: SHA-256 of the 32 bytes, lowercase hex.
    pub fn commitment(&self) -> String {
        hex(&Sha256::digest(self.0))
    }

    /// The HMAC message's first 8 bytes for one try of one pick, as a big-endian integer.
    fn number(&self, slot: u32, attempt: u32, pick: u32, try_number: u32) -> u64 {
        let mut key = [0_u8; HMAC_BLOCK];
        key[..32].copy_from_slice(&self.0);
        // A key shorter than the block is zero-padded by HMAC's definition, so this is
        // HMAC-SHA256 keyed with the 32 seed bytes, built without a fallible constructor.
        let mut mac = HmacSha256::new(&key.into());
        mac.update(
            format!("{ALGORITHM}:slot:{slot}:attempt:{attempt}:pick:{pick}:try:{try_number}")
                .as_bytes(),
        );
        let digest = mac.finalize().into_bytes();
        let mut first = [0_u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first)
    }
}

impl fmt::Debug for Seed {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Seed(<secret>)")
    }
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// Sorts entrants by numeric id and drops duplicates: the list the draw works on.
pub fn sorted_entrants(entrants: &[UserId]) -> Vec<UserId> {
    let mut sorted = entrants.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
}

/// `entrants_hash`: SHA-256 (lowercase hex) of the ids in decimal, each followed by `\n`, in the
/// order given (pass the sorted list).
pub fn entrants_hash(sorted: &[UserId]) -> String {
    let mut hasher = Sha256::new();
    for user in sorted {
        hasher.update(user.get().to_string().as_bytes());
        hasher.update(b"\n");
    }
    hex(&hasher.finalize())
}

/// The index a pick lands on in a pool of `size` (> 0) members.
fn index(seed: &Seed, slot: u32, attempt: u32, pick: u32, size: usize) -> usize {
    let size = size as u64;
    // 2^64 mod size; numbers above 2^64 - remainder - 1 would favour the low indices.
    let remainder = (u64::MAX % size + 1) % size;
    let highest = u64::MAX - remainder;
    let mut try_number = 0_u32;
    loop {
        let number = seed.number(slot, attempt, pick, try_number);
        if number <= highest {
            // Lossless: the result is below `size`, which came from a usize.
            return usize::try_from(number % size).unwrap_or_default();
        }
        try_number = try_number.wrapping_add(1);
    }
}

/// The draw in progress: the seed and the pool (entrants not yet drawn or disqualified), sorted.
#[derive(Debug, Clone)]
pub struct Draw {
    seed: Seed,
    pool: Vec<UserId>,
}

impl Draw {
    /// A draw over `entrants` (sorted and deduplicated here).
    pub fn new(seed: Seed, entrants: &[UserId]) -> Self {
        Self {
            seed,
            pool: sorted_entrants(entrants),
        }
    }

    /// How many members can still be drawn.
    pub fn remaining(&self) -> usize {
        self.pool.len()
    }

    /// The candidate of pick `pick` of the step for `slot` at `attempt`; `None` when the pool is
    /// empty. Does not change the pool: [`Draw::remove`] the candidate once decided.
    pub fn candidate(&self, slot: u32, attempt: u32, pick: u32) -> Option<UserId> {
        if self.pool.is_empty() {
            return None;
        }
        let at = index(&self.seed, slot, attempt, pick, self.pool.len());
        self.pool.get(at).copied()
    }

    /// Takes a member out of the pool (a winner, or a disqualified candidate). `false` when they
    /// were not in it.
    pub fn remove(&mut self, user: UserId) -> bool {
        match self.pool.binary_search(&user) {
            Ok(at) => {
                self.pool.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    /// Replays a recorded step without checking it (the record is trusted: it is ours); used to
    /// rebuild the pool before a reroll.
    pub fn replay(&mut self, step: &DrawStep) {
        for user in step.disqualified.iter().chain(step.winner.iter()) {
            self.remove(*user);
        }
    }
}

/// One recorded step: a slot's draw or reroll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawStep {
    /// The prize slot, from 1.
    pub slot: u32,
    /// 0 for the slot's first draw, then 1, 2, … for its rerolls.
    pub attempt: u32,
    /// The candidates disqualified before the winner, in pick order.
    #[serde(default)]
    pub disqualified: Vec<UserId>,
    /// The winner; `None` when the pool ran out.
    pub winner: Option<UserId>,
}

/// Everything needed to check a draw: the `draw_record` of
/// [`GiveawayService::export_json`](super::GiveawayService::export_json).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawRecord {
    /// [`ALGORITHM`].
    pub algorithm: String,
    /// The revealed seed, 64 hexadecimal characters.
    pub seed: String,
    /// The commitment published at the start.
    pub seed_hash: String,
    /// The commitment to the entrant list published with the results.
    pub entrants_hash: String,
    /// The entrants when the giveaway closed.
    pub entrants: Vec<UserId>,
    /// Every step, in the order drawn.
    pub steps: Vec<DrawStep>,
}

impl DrawRecord {
    /// Checks the record: see [`verify`].
    ///
    /// # Errors
    /// The first problem found.
    pub fn verify(&self) -> Result<Verified, VerifyError> {
        if self.algorithm != ALGORITHM {
            return Err(VerifyError::UnknownAlgorithm(self.algorithm.clone()));
        }
        let seed = Seed::parse(&self.seed).map_err(|_| VerifyError::BadSeed(self.seed.clone()))?;
        verify(
            &seed,
            &self.seed_hash,
            &self.entrants,
            Some(&self.entrants_hash),
            &self.steps,
        )
    }
}

/// A draw that checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// Entrants in the list.
    pub entrants: usize,
    /// Steps replayed.
    pub steps: usize,
}

/// Why a recorded draw does not follow from its seed and entrant list: the first mismatch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The record names another algorithm.
    #[error("the record uses algorithm {0:?}; this build checks {ALGORITHM:?}")]
    UnknownAlgorithm(String),
    /// The seed is not 64 hexadecimal characters.
    #[error("the revealed seed {0:?} is not 64 hexadecimal characters")]
    BadSeed(String),
    /// The seed does not hash to the commitment published at the start.
    #[error(
        "the revealed seed does not match the commitment published at the start: its SHA-256 is \
         {actual}, the commitment was {committed}"
    )]
    SeedMismatch {
        /// The published commitment.
        committed: String,
        /// The SHA-256 of the revealed seed.
        actual: String,
    },
    /// A member is listed twice.
    #[error("the entrant list names {0} twice; a member enters once")]
    DuplicateEntrant(UserId),
    /// The entrant list is not the one the draw committed to.
    #[error(
        "the entrant list ({count} entrants) does not match the one committed at the draw: it \
         hashes to {actual}, the draw published {committed}; an entrant was added, removed or \
         changed"
    )]
    EntrantsMismatch {
        /// Entrants in the list checked.
        count: usize,
        /// The published `entrants_hash`.
        committed: String,
        /// The hash of the list checked.
        actual: String,
    },
    /// A step's attempt number is not the next one for its slot.
    #[error(
        "step {step} (slot {slot}) is recorded as attempt {recorded}, but the slot's next attempt \
         is {expected}: steps are missing or out of order"
    )]
    StepOutOfOrder {
        /// The step, from 1.
        step: usize,
        /// Its slot.
        slot: u32,
        /// The attempt it should have.
        expected: u32,
        /// The attempt recorded.
        recorded: u32,
    },
    /// A slot number of 0.
    #[error("step {step} names slot 0; slots are numbered from 1")]
    BadSlot {
        /// The step, from 1.
        step: usize,
    },
    /// A recorded disqualified candidate is not who the seed picks.
    #[error(
        "step {step} (slot {slot}, attempt {attempt}), pick {pick}: the seed and the entrant list \
         pick {}, but the record says {recorded} was picked and disqualified; the entrant list or \
         the record was changed", describe(.expected)
    )]
    CandidateMismatch {
        /// The step, from 1.
        step: usize,
        /// Its slot.
        slot: u32,
        /// Its attempt.
        attempt: u32,
        /// The pick, from 0.
        pick: u32,
        /// Who the seed picks.
        expected: Option<UserId>,
        /// Who the record names.
        recorded: UserId,
    },
    /// The recorded winner is not who the seed picks.
    #[error(
        "step {step} (slot {slot}, attempt {attempt}): the seed and the entrant list pick {}, but \
         the record says the winner is {}; the entrant list or the record was changed",
        describe(.expected), describe(.recorded)
    )]
    WinnerMismatch {
        /// The step, from 1.
        step: usize,
        /// Its slot.
        slot: u32,
        /// Its attempt.
        attempt: u32,
        /// Who the seed picks.
        expected: Option<UserId>,
        /// Who the record names.
        recorded: Option<UserId>,
    },
}

fn describe(user: &Option<UserId>) -> String {
    user.map_or_else(
        || "nobody (the pool is empty)".to_owned(),
        |user| user.to_string(),
    )
}

/// Replays a draw and checks every recorded pick.
///
/// Checks, in order: the seed hashes to `seed_hash`; the entrant list has no duplicates and,
/// when `entrants_hash` is given, hashes to it; each slot's attempts run 0, 1, 2, …; and every
/// disqualified candidate and every winner is exactly who the seed picks from the pool at that
/// point (see the module documentation).
///
/// # Errors
/// The first [`VerifyError`] found.
pub fn verify(
    seed: &Seed,
    seed_hash: &str,
    entrants: &[UserId],
    entrants_hash: Option<&str>,
    steps: &[DrawStep],
) -> Result<Verified, VerifyError> {
    let actual = seed.commitment();
    if !actual.eq_ignore_ascii_case(seed_hash.trim()) {
        return Err(VerifyError::SeedMismatch {
            committed: seed_hash.to_owned(),
            actual,
        });
    }
    let mut seen = HashSet::with_capacity(entrants.len());
    if let Some(twice) = entrants.iter().find(|user| !seen.insert(**user)) {
        return Err(VerifyError::DuplicateEntrant(*twice));
    }
    let sorted = sorted_entrants(entrants);
    if let Some(committed) = entrants_hash {
        let actual = self::entrants_hash(&sorted);
        if !actual.eq_ignore_ascii_case(committed.trim()) {
            return Err(VerifyError::EntrantsMismatch {
                count: sorted.len(),
                committed: committed.to_owned(),
                actual,
            });
        }
    }
    let mut draw = Draw {
        seed: seed.clone(),
        pool: sorted,
    };
    let mut next_attempt: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
    for (index, step) in steps.iter().enumerate() {
        let number = index + 1;
        if step.slot == 0 {
            return Err(VerifyError::BadSlot { step: number });
        }
        let expected_attempt = next_attempt.entry(step.slot).or_insert(0);
        if step.attempt != *expected_attempt {
            return Err(VerifyError::StepOutOfOrder {
                step: number,
                slot: step.slot,
                expected: *expected_attempt,
                recorded: step.attempt,
            });
        }
        *expected_attempt += 1;
        let mut pick = 0_u32;
        for disqualified in &step.disqualified {
            let expected = draw.candidate(step.slot, step.attempt, pick);
            if expected != Some(*disqualified) {
                return Err(VerifyError::CandidateMismatch {
                    step: number,
                    slot: step.slot,
                    attempt: step.attempt,
                    pick,
                    expected,
                    recorded: *disqualified,
                });
            }
            draw.remove(*disqualified);
            pick += 1;
        }
        let expected = draw.candidate(step.slot, step.attempt, pick);
        if expected != step.winner {
            return Err(VerifyError::WinnerMismatch {
                step: number,
                slot: step.slot,
                attempt: step.attempt,
                expected,
                recorded: step.winner,
            });
        }
        if let Some(winner) = step.winner {
            draw.remove(winner);
        }
    }
    Ok(Verified {
        entrants: entrants.len(),
        steps: steps.len(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may unwrap: a panic is the failure report.

    use super::*;

    fn seed() -> Seed {
        let mut bytes = [0_u8; 32];
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::try_from(index).unwrap();
        }
        Seed::from_bytes(bytes)
    }

    fn users(ids: &[u64]) -> Vec<UserId> {
        ids.iter().copied().map(UserId::new).collect()
    }

    /// Draws `winners` slots at attempt 0 with nobody disqualified.
    fn first_draw(seed: &Seed, entrants: &[UserId], winners: u32) -> Vec<DrawStep> {
        let mut draw = Draw::new(seed.clone(), entrants);
        (1..=winners)
            .map(|slot| {
                let winner = draw.candidate(slot, 0, 0);
                if let Some(winner) = winner {
                    draw.remove(winner);
                }
                DrawStep {
                    slot,
                    attempt: 0,
                    disqualified: Vec::new(),
                    winner,
                }
            })
            .collect()
    }

    #[test]
    fn seed_round_trips_and_hides_itself() {
        let seed = seed();
        assert_eq!(
            seed.to_hex(),
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        );
        assert_eq!(Seed::parse(&seed.to_hex()).unwrap(), seed);
        assert_eq!(Seed::parse(&seed.to_hex().to_uppercase()).unwrap(), seed);
        assert!(Seed::parse("00").is_err());
        assert!(Seed::parse(&"zz".repeat(32)).is_err());
        assert!(Seed::parse(&"é".repeat(32)).is_err());
        assert_eq!(format!("{seed:?}"), "Seed(<secret>)");
        let generated = Seed::generate().unwrap();
        assert_ne!(generated, Seed::generate().unwrap());
        assert_eq!(generated.commitment().len(), 64);
    }

    #[test]
    fn hmac_is_rfc_4231_hmac_sha256() {
        // RFC 4231 test case 2 ("Jefe"), through the zero-padded key path used for seeds.
        let mut key = [0_u8; HMAC_BLOCK];
        key[..4].copy_from_slice(b"Jefe");
        let mut mac = HmacSha256::new(&key.into());
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    /// The known vector: a fixed seed and entrant list give fixed commitments and winners. A
    /// change to any part of the algorithm changes these and fails here. The same figures come
    /// out of the Python reference in the module documentation.
    #[test]
    fn known_vector() {
        let seed = seed();
        assert_eq!(
            seed.commitment(),
            "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
        );
        let entrants = users(&[
            900_000_000_000_000_001,
            5,
            300_000_000_000_000_000,
            77,
            1_000,
            123_456_789_012_345_678,
            42,
            18_000_000_000_000_000_000,
        ]);
        let sorted = sorted_entrants(&entrants);
        assert_eq!(
            entrants_hash(&sorted),
            "82f59c404178468b9a9638a1ae7e00de115fd410224034987d8f182b5e3ae776"
        );
        let steps = first_draw(&seed, &entrants, 3);
        let winners: Vec<Option<u64>> = steps
            .iter()
            .map(|step| step.winner.map(UserId::get))
            .collect();
        assert_eq!(winners, KNOWN_WINNERS);

        // A reroll of slot 2 with the first candidate disqualified.
        let mut draw = Draw::new(seed.clone(), &entrants);
        for step in &steps {
            draw.replay(step);
        }
        let first = draw.candidate(2, 1, 0).unwrap();
        draw.remove(first);
        let second = draw.candidate(2, 1, 1).unwrap();
        assert_eq!((first.get(), second.get()), KNOWN_REROLL);

        let mut all = steps;
        all.push(DrawStep {
            slot: 2,
            attempt: 1,
            disqualified: vec![first],
            winner: Some(second),
        });
        let record = DrawRecord {
            algorithm: ALGORITHM.to_owned(),
            seed: seed.to_hex(),
            seed_hash: seed.commitment(),
            entrants_hash: entrants_hash(&sorted),
            entrants,
            steps: all,
        };
        assert_eq!(
            record.verify(),
            Ok(Verified {
                entrants: 8,
                steps: 4
            })
        );
    }

    const KNOWN_WINNERS: [Option<u64>; 3] = [
        Some(18_000_000_000_000_000_000),
        Some(300_000_000_000_000_000),
        Some(123_456_789_012_345_678),
    ];
    const KNOWN_REROLL: (u64, u64) = (42, 77);

    #[test]
    fn rejection_sampling_covers_every_index_evenly() {
        let seed = seed();
        let mut counts = [0_u32; 3];
        for pick in 0..3_000 {
            counts[index(&seed, 1, 0, pick, 3)] += 1;
        }
        for count in counts {
            assert!((900..=1_100).contains(&count), "{counts:?}");
        }
        assert_eq!(index(&seed, 1, 0, 0, 1), 0);
    }

    #[test]
    fn verify_names_the_first_mismatch() {
        let seed = seed();
        let entrants = users(&(1..=20).collect::<Vec<_>>());
        let steps = first_draw(&seed, &entrants, 3);
        let hash = entrants_hash(&entrants);
        let check = |entrants: &[UserId], steps: &[DrawStep]| {
            verify(&seed, &seed.commitment(), entrants, Some(&hash), steps)
        };
        assert!(check(&entrants, &steps).is_ok());

        // An entrant added: the list no longer matches its commitment.
        let mut added = entrants.clone();
        added.push(UserId::new(99));
        let error = check(&added, &steps).unwrap_err();
        assert!(matches!(
            error,
            VerifyError::EntrantsMismatch { count: 21, .. }
        ));
        assert!(
            error.to_string().contains("an entrant was added"),
            "{error}"
        );

        // Without the list's commitment, the replay itself catches it.
        let replayed = verify(&seed, &seed.commitment(), &added, None, &steps).unwrap_err();
        assert!(
            matches!(
                replayed,
                VerifyError::WinnerMismatch { .. } | VerifyError::CandidateMismatch { .. }
            ),
            "{replayed}"
        );

        // A duplicate entrant.
        let mut doubled = entrants.clone();
        doubled.push(entrants[3]);
        assert_eq!(
            check(&doubled, &steps),
            Err(VerifyError::DuplicateEntrant(entrants[3]))
        );

        // Another seed.
        let other = Seed::from_bytes([7; 32]);
        assert!(matches!(
            verify(&other, &seed.commitment(), &entrants, None, &steps),
            Err(VerifyError::SeedMismatch { .. })
        ));

        // A winner swapped for someone else.
        let mut swapped = steps.clone();
        let loser = entrants
            .iter()
            .copied()
            .find(|user| steps.iter().all(|step| step.winner != Some(*user)))
            .unwrap();
        swapped[1].winner = Some(loser);
        let error = check(&entrants, &swapped).unwrap_err();
        assert!(
            matches!(error, VerifyError::WinnerMismatch { step: 2, slot: 2, attempt: 0, recorded: Some(user), .. } if user == loser),
            "{error}"
        );

        // A disqualification that the seed did not pick.
        let mut invented = steps.clone();
        invented[0].disqualified.push(loser);
        assert!(matches!(
            check(&entrants, &invented),
            Err(VerifyError::CandidateMismatch {
                step: 1,
                pick: 0,
                ..
            })
        ));

        // A reroll recorded out of order.
        let mut skipped = steps;
        skipped.push(DrawStep {
            slot: 1,
            attempt: 2,
            disqualified: Vec::new(),
            winner: None,
        });
        assert_eq!(
            check(&entrants, &skipped),
            Err(VerifyError::StepOutOfOrder {
                step: 4,
                slot: 1,
                expected: 1,
                recorded: 2
            })
        );
    }

    #[test]
    fn an_empty_pool_has_no_winner_and_previous_winners_never_return() {
        let seed = seed();
        let entrants = users(&[10, 20, 30]);
        let steps = first_draw(&seed, &entrants, 5);
        let winners: Vec<UserId> = steps.iter().filter_map(|step| step.winner).collect();
        assert_eq!(sorted_entrants(&winners), entrants);
        assert_eq!(steps[3].winner, None);
        assert_eq!(steps[4].winner, None);
        assert!(verify(&seed, &seed.commitment(), &entrants, None, &steps).is_ok());
        assert_eq!(entrants_hash(&[]), hex(&Sha256::digest(b"")));
    }
}

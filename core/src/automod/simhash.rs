//! SimHash fingerprints of normalized text over character 3-grams.
//!
//! Each 3-gram is hashed to 64 bits; bit `i` of the fingerprint is set when more 3-grams have
//! bit `i` set than not. Texts sharing most 3-grams (the same words in another case, with other
//! punctuation, or a few words moved or changed) get fingerprints a few bits apart; unrelated
//! texts differ in about half of the 64 bits.

/// The fingerprint of a text (already normalized). Never 0, which marks "no fingerprint".
pub(crate) fn fingerprint(text: &str) -> u64 {
    // Counting ones per bit (rather than adding ±1) keeps the inner loop branch-free, so the
    // compiler vectorizes it; "more ones than zeros" is then `2 * ones > shingles`.
    let mut ones = [0u32; 64];
    let mut shingles = 0u32;
    let mut window = [0u32; 3];
    let mut seen = 0usize;
    for character in text.chars() {
        window = [window[1], window[2], u32::from(character)];
        seen += 1;
        if seen >= 3 {
            add(&mut ones, shingle_hash(window));
            shingles += 1;
        }
    }
    if seen > 0 && seen < 3 {
        add(&mut ones, shingle_hash(window));
        shingles += 1;
    }
    let mut fingerprint = 0u64;
    for (bit, count) in ones.iter().enumerate() {
        if 2 * count > shingles {
            fingerprint |= 1 << bit;
        }
    }
    fingerprint.max(1)
}

fn add(ones: &mut [u32; 64], hash: u64) {
    for (bit, count) in ones.iter_mut().enumerate() {
        *count += u32::from(hash >> bit & 1 == 1);
    }
}

/// SplitMix64's finalizer over the three code points packed into one word.
fn shingle_hash(window: [u32; 3]) -> u64 {
    let mut value = u64::from(window[0]) | u64::from(window[1]) << 21 | u64::from(window[2]) << 42;
    value = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    value ^ (value >> 31)
}

/// How many bits two fingerprints differ in.
pub(crate) fn distance(left: u64, right: u64) -> u32 {
    (left ^ right).count_ones()
}

/// The largest distance that still counts as `similarity` (0.5 to 1).
pub(crate) fn max_distance(similarity: f64) -> u32 {
    let bits = ((1.0 - similarity.clamp(0.0, 1.0)) * 64.0).round();
    // The value is within 0..=64 after the clamp, so the conversion is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let bits = bits as u32;
    bits
}

#[cfg(test)]
mod tests {
    use super::super::normalize::Normalized;
    use super::*;

    fn print(text: &str) -> u64 {
        let mut normalized = Normalized::default();
        normalized.fill(text);
        fingerprint(normalized.trimmed())
    }

    #[test]
    fn reworded_repeats_are_close() {
        let original = print("buy cheap nitro at example.com now");
        for reworded in [
            "Buy CHEAP nitro at example dot com now!!",
            "buy cheap nitro now at example.com",
            "buy cheap nitro at example.com now",
            "BUY CHEAP NITRO AT EXAMPLE.COM NOW",
        ] {
            let apart = distance(original, print(reworded));
            assert!(
                apart <= max_distance(0.8),
                "{reworded:?}: {apart} bits apart"
            );
        }
    }

    #[test]
    fn unrelated_messages_are_far() {
        let original = print("buy cheap nitro at example.com now");
        for unrelated in [
            "has anyone finished the raid yet?",
            "good morning everyone, coffee time",
            "I think the new patch broke my build",
            "buy me a coffee at the station tomorrow",
            "now",
        ] {
            let apart = distance(original, print(unrelated));
            assert!(
                apart > max_distance(0.8),
                "{unrelated:?}: only {apart} bits apart"
            );
        }
    }

    #[test]
    fn maps_similarity_to_bits() {
        assert_eq!(max_distance(1.0), 0);
        assert_eq!(max_distance(0.8), 13);
        assert_eq!(max_distance(0.5), 32);
    }
}

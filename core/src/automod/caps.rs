//! The caps rule: the share of capitals among a message's letters, not counting Discord markup
//! (`<@123>`, `<:Emoji:123>`, `<#123>`) or links, whose case is not the author's choice.

/// Letters and capitals in `text`: `(letters, capitals)`.
pub(crate) fn count(text: &str) -> (u32, u32) {
    let mut letters = 0u32;
    let mut capitals = 0u32;
    for word in text.split_whitespace() {
        if word.starts_with("http://") || word.starts_with("https://") {
            continue;
        }
        let mut in_markup = false;
        for character in word.chars() {
            match character {
                '<' => in_markup = true,
                '>' => in_markup = false,
                _ if in_markup => {}
                _ if character.is_uppercase() => {
                    letters += 1;
                    capitals += 1;
                }
                _ if character.is_lowercase() => letters += 1,
                _ => {}
            }
        }
    }
    (letters, capitals)
}

/// Whether the caps rule fires: at least `min_letters` letters and a share of capitals of at
/// least `ratio`. Returns the share when it fires.
pub(crate) fn fires(text: &str, ratio: f64, min_letters: u32) -> Option<f64> {
    let (letters, capitals) = count(text);
    if letters < min_letters || letters == 0 {
        return None;
    }
    let share = f64::from(capitals) / f64::from(letters);
    (share >= ratio).then_some(share)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_on_shouting_only() {
        let cases = [
            ("THIS IS SO UNFAIR!!!", true),
            ("This Is Title Case Text", false),
            ("OK", false),
            ("WHY <:SadFace:123> <@456> https://EXAMPLE.COM/ABC", false),
            ("WHY ARE YOU DOING THIS <:sad:123>", true),
            ("ПОЧЕМУ ВСЕ ТАК ПЛОХО", true),
            ("12345 67890 !!!!!", false),
        ];
        for (text, expected) in cases {
            assert_eq!(fires(text, 0.7, 10).is_some(), expected, "{text:?}");
        }
    }
}

//! The mass-mention rule, and the mention counts of a bare text (for the tester).

/// Whether `text` says `@everyone` or `@here`.
pub fn says_everyone(text: &str) -> bool {
    text.contains("@everyone") || text.contains("@here")
}

/// User and role mentions written in `text` (`<@id>`, `<@!id>`, `<@&id>`), counted as Discord
/// does: each distinct id once.
pub(crate) fn count(text: &str) -> (usize, usize) {
    let mut users: Vec<&str> = Vec::new();
    let mut roles: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("<@") {
        rest = &rest[at + 2..];
        let (is_role, body) = match rest.as_bytes().first() {
            Some(b'&') => (true, &rest[1..]),
            Some(b'!') => (false, &rest[1..]),
            _ => (false, rest),
        };
        let digits = body.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || body.as_bytes().get(digits) != Some(&b'>') {
            continue;
        }
        let id = &body[..digits];
        let seen = if is_role { &mut roles } else { &mut users };
        if !seen.contains(&id) {
            seen.push(id);
        }
    }
    (users.len(), roles.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_distinct_mentions() {
        assert_eq!(count("<@1> <@!2> <@1> <@&3> <@&3> <@&4>"), (2, 2));
        assert_eq!(count("<@> <@x> @someone <@12"), (0, 0));
        assert!(says_everyone("hey @everyone"));
        assert!(says_everyone("@here look"));
        assert!(!says_everyone("everyone here"));
    }
}

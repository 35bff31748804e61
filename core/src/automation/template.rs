//! The variables a trigger's response may hold: `{user}` (a mention), `{user.name}`,
//! `{server}`, `{channel}` (a mention) and `{membercount}`. A response naming any other
//! placeholder is refused when it is saved, with the list of those there are; a literal brace
//! is written `{{` or `}}`.

/// Every variable, with what it becomes.
pub const VARIABLES: [(&str, &str); 5] = [
    ("user", "a mention of the member"),
    ("user.name", "the member's user name"),
    ("server", "the server's name"),
    ("channel", "a mention of the channel"),
    ("membercount", "how many members the server has"),
];

/// What a response is filled with.
#[derive(Debug, Clone, Copy)]
pub struct Values<'a> {
    /// The member's id, for `{user}`.
    pub user_id: u64,
    /// The member's user name.
    pub user_name: &'a str,
    /// The server's name.
    pub server: &'a str,
    /// The channel's id, for `{channel}`.
    pub channel_id: u64,
    /// Members in the server, when known.
    pub member_count: Option<u64>,
}

enum Piece<'a> {
    Text(&'a str),
    Variable(&'a str),
}

fn pieces(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(index) = rest.find(['{', '}']) {
        let (text, tail) = rest.split_at(index);
        if !text.is_empty() {
            out.push(Piece::Text(text));
        }
        if let Some(after) = tail.strip_prefix("{{") {
            out.push(Piece::Text("{"));
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push(Piece::Text("}"));
            rest = after;
        } else if tail.starts_with('}') {
            return Err("has a `}` with no `{` before it; write `}}` for a literal brace".into());
        } else {
            let Some(end) = tail.find('}') else {
                return Err(
                    "has a `{` that is never closed; write `{{` for a literal brace".into(),
                );
            };
            out.push(Piece::Variable(&tail[1..end]));
            rest = &tail[end + 1..];
        }
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

fn accepted() -> String {
    VARIABLES
        .iter()
        .map(|(name, _)| format!("{{{name}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks that a response names only known variables.
///
/// # Errors
/// A phrase (reading after "the response") naming the unknown placeholder and the accepted
/// list.
pub fn check(template: &str) -> Result<(), String> {
    for piece in pieces(template)? {
        if let Piece::Variable(name) = piece
            && !VARIABLES.iter().any(|(known, _)| *known == name.trim())
        {
            return Err(format!(
                "names `{{{name}}}`, which is not a variable; the variables are {}",
                accepted()
            ));
        }
    }
    Ok(())
}

/// Fills a checked response. An unknown placeholder (only in a response saved by an older
/// version) is left as written.
pub fn render(template: &str, values: &Values<'_>) -> String {
    let Ok(pieces) = pieces(template) else {
        return template.to_owned();
    };
    let mut out = String::with_capacity(template.len() + 32);
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Variable(name) => match name.trim() {
                "user" => out.push_str(&format!("<@{}>", values.user_id)),
                "user.name" => out.push_str(values.user_name),
                "server" => out.push_str(values.server),
                "channel" => out.push_str(&format!("<#{}>", values.channel_id)),
                "membercount" => match values.member_count {
                    Some(count) => out.push_str(&count.to_string()),
                    None => out.push('?'),
                },
                other => {
                    out.push('{');
                    out.push_str(other);
                    out.push('}');
                }
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUES: Values<'static> = Values {
        user_id: 42,
        user_name: "ada",
        server: "Cozy Coders",
        channel_id: 7,
        member_count: Some(1234),
    };

    #[test]
    fn fills_every_variable() {
        assert_eq!(
            render(
                "Hi {user} ({user.name}), welcome to {server} in {channel}: {membercount} of us {{not a var}}",
                &VALUES
            ),
            "Hi <@42> (ada), welcome to Cozy Coders in <#7>: 1234 of us {not a var}"
        );
    }

    #[test]
    fn refuses_unknown_placeholders_with_the_list() {
        let error = check("Hello {username}").unwrap_err();
        assert!(error.contains("`{username}`"), "{error}");
        assert!(
            error.contains("{user}, {user.name}, {server}, {channel}, {membercount}"),
            "{error}"
        );
        assert!(check("open {user").unwrap_err().contains("never closed"));
        assert!(check("close }").unwrap_err().contains("no `{`"));
        assert!(check("{{literal}} {user}").is_ok());
    }
}

//! The link filter: hosts found in a message checked against the guild's domain lists; a listed
//! domain covers its subdomains (`example.com` covers `cdn.example.com`, not `badexample.com`).
//!
//! A host counts as a link when it has a scheme (`https://`), starts with `www.`, or ends in a
//! common top-level domain; in deny-list mode every host-like word is checked, since only listed
//! domains can fire there.

use std::collections::HashSet;

use regex::Regex;

use super::settings::LinkMode;

const HOST: &str = r"(?i)(?-u:\b)(https?://)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9])(?-u:\b)";

/// Top-level domains that make a bare `name.tld` a link in allow-list mode.
const COMMON_TLDS: &[&str] = &[
    "app", "biz", "cc", "cf", "club", "cn", "co", "com", "de", "dev", "eu", "fr", "ga", "gg", "gq",
    "info", "io", "link", "live", "ly", "me", "ml", "net", "nl", "online", "org", "pw", "ru",
    "shop", "site", "store", "su", "tk", "to", "top", "tv", "uk", "us", "ws", "xyz",
];

/// A compiled link filter.
#[derive(Debug)]
pub(crate) struct LinkFilter {
    regex: Regex,
    mode: LinkMode,
    domains: HashSet<String>,
}

impl LinkFilter {
    /// Builds the filter from the settings' lists (already validated).
    ///
    /// # Errors
    /// Only if the built-in expression fails to compile (a bug).
    pub(crate) fn new(
        mode: LinkMode,
        allow_domains: &[String],
        deny_domains: &[String],
    ) -> Result<Self, regex::Error> {
        let listed = match mode {
            LinkMode::AllowList => allow_domains,
            LinkMode::DenyList => deny_domains,
        };
        Ok(Self {
            regex: Regex::new(HOST)?,
            mode,
            domains: listed
                .iter()
                .map(|domain| domain.trim_end_matches('.').to_ascii_lowercase())
                .collect(),
        })
    }

    /// The first link in `text` the lists refuse, as written.
    pub(crate) fn find<'t>(&self, text: &'t str) -> Option<&'t str> {
        for found in self.regex.captures_iter(text) {
            let Some(host) = found.get(2) else { continue };
            let host = host.as_str();
            let has_scheme = found.get(1).is_some();
            let refused = match self.mode {
                LinkMode::DenyList => self.listed(host),
                LinkMode::AllowList => is_link(host, has_scheme) && !self.listed(host),
            };
            if refused {
                return found.get(0).map(|whole| whole.as_str());
            }
        }
        None
    }

    /// Whether `host` or one of its parent domains is listed.
    fn listed(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        let mut rest = host.as_str();
        loop {
            if self.domains.contains(rest) {
                return true;
            }
            match rest.split_once('.') {
                Some((_, parent)) => rest = parent,
                None => return false,
            }
        }
    }
}

fn is_link(host: &str, has_scheme: bool) -> bool {
    if has_scheme
        || host
            .get(..4)
            .is_some_and(|www| www.eq_ignore_ascii_case("www."))
    {
        return true;
    }
    let tld = host.rsplit('.').next().unwrap_or_default();
    COMMON_TLDS
        .iter()
        .any(|common| common.eq_ignore_ascii_case(tld))
}

/// Checks a listed domain: labels of letters, digits and hyphens, at least two of them.
///
/// # Errors
/// A sentence saying what is wrong.
pub(crate) fn check_domain(domain: &str) -> Result<(), String> {
    let trimmed = domain.trim_end_matches('.');
    if trimmed.contains("://") || trimmed.contains('/') {
        return Err(format!(
            "`{domain}` is not a domain name: give only the host, such as example.com, without scheme or path"
        ));
    }
    if trimmed.len() > 253 {
        return Err(format!("`{domain}` is longer than 253 characters"));
    }
    let labels: Vec<&str> = trimmed.split('.').collect();
    if labels.len() < 2 {
        return Err(format!(
            "`{domain}` is not a domain name: it needs a dot, such as example.com"
        ));
    }
    let well_formed = labels.iter().all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    if !well_formed {
        return Err(format!(
            "`{domain}` is not a domain name: use letters, digits, hyphens and dots, such as cdn.example.com (internationalized names in their xn-- form)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| (*item).to_owned()).collect()
    }

    #[test]
    fn deny_list_covers_subdomains_only() {
        let filter = LinkFilter::new(LinkMode::DenyList, &[], &strings(&["example.com"])).unwrap();
        let cases = [
            (
                "go to https://example.com/page",
                Some("https://example.com"),
            ),
            ("go to cdn.EXAMPLE.com", Some("cdn.EXAMPLE.com")),
            ("example.com", Some("example.com")),
            ("go to badexample.com", None),
            ("go to example.com.evil.net", None),
            ("https://youtube.com/watch", None),
            ("no links here.", None),
        ];
        for (text, expected) in cases {
            assert_eq!(filter.find(text), expected, "{text:?}");
        }
    }

    #[test]
    fn allow_list_refuses_everything_else() {
        let filter = LinkFilter::new(
            LinkMode::AllowList,
            &strings(&["youtube.com", "youtu.be"]),
            &[],
        )
        .unwrap();
        let cases = [
            ("https://www.youtube.com/watch?v=1", None),
            ("https://youtu.be/abc", None),
            ("https://evil.example/x", Some("https://evil.example")),
            ("buy at scam.xyz", Some("scam.xyz")),
            ("www.anything.fun", Some("www.anything.fun")),
            ("open file.txt and read e.g. the notes", None),
        ];
        for (text, expected) in cases {
            assert_eq!(filter.find(text), expected, "{text:?}");
        }
    }

    #[test]
    fn checks_domains() {
        assert_eq!(check_domain("example.com"), Ok(()));
        assert_eq!(check_domain("xn--bcher-kva.example"), Ok(()));
        for bad in [
            "https://example.com",
            "example",
            "exa mple.com",
            "-a.com",
            "a..com",
        ] {
            assert!(check_domain(bad).is_err(), "{bad}");
        }
    }
}

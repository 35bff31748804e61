//! The frame every page shares.

use maud::{DOCTYPE, Markup, html};

use crate::app::CurrentUser;
use crate::auth::CSRF_FIELD;
use crate::routes;

/// A whole page: head, navigation (with logout when logged in) and `content`. The body carries
/// `hx-headers` so every htmx request sends the CSRF token.
pub fn page(title: &str, user: Option<&CurrentUser>, content: Markup) -> Markup {
    let hx_headers = user.map(|user| serde_json::json!({ "X-CSRF-Token": user.csrf }).to_string());
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Guildhall" }
                link rel="stylesheet" href=(routes::APP_CSS);
                script src=(routes::HTMX_JS) defer {}
            }
            body hx-headers=[hx_headers] {
                header.top {
                    a.brand href=(routes::HOME) { "Guildhall" }
                    @if let Some(user) = user {
                        nav {
                            a href=(routes::HOME) { "Servers" }
                            @if user.operator {
                                a href=(routes::OPERATOR) { "Operator" }
                            }
                            span.who { (user.session.username) }
                            form.inline method="post" action=(routes::LOGOUT) {
                                input type="hidden" name=(CSRF_FIELD) value=(user.csrf);
                                button.link type="submit" { "Log out" }
                            }
                        }
                    }
                }
                main { (content) }
            }
        }
    }
}

//! maud markup: the page frame ([`layout`]), reusable pieces and htmx fragments
//! ([`components`]), and whole pages ([`pages`]).

pub mod analytics;
pub mod automation;
pub mod components;
pub mod giveaways;
pub mod layout;
pub mod leaderboard;
pub mod levels;
pub mod logging;
pub mod moderation;
pub mod pages;
pub mod pickers;
pub mod premium;
pub mod roles;
pub mod settings_form;
pub mod tickets;

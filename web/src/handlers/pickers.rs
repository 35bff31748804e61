//! What the pickers offer ([`pickers`], from the process's guild model: the bot's, or the
//! persisted snapshot), the member search behind the member picker, and [`PickedForm`], the
//! form extractor that reads a picker's typed fallback.

use std::collections::HashMap;

use axum::extract::{FromRequest, Query, Request, State};
use axum::{Form, response::IntoResponse, response::Response};
use guildhall_core::ids::{ChannelId, GuildId, RoleId, UserId};
use guildhall_core::references::Found;
use maud::Markup;

use crate::app::{App, CurrentUser, Guild, Read};
use crate::error::PageError;
use crate::views::pickers::{
    ChannelChoice, MemberChoice, Pickers, RoleChoice, SEARCH, TYPED_MANY, TYPED_ONE,
    member_checkboxes, member_choices,
};

/// How many members a search shows.
pub const MEMBERS_FOUND: usize = 25;

/// The guild's pickers as `user` sees them: its channels and categories, its roles highest
/// first (each with why the bot — or this staff member — cannot hand it out, if so), from the
/// process's guild model; unknown when the model does not hold the guild.
pub fn pickers(app: &App, user: &CurrentUser, guild: GuildId) -> Pickers {
    let cache = &app.web.core.guild_cache;
    let channels = cache.channels(guild).map(|list| {
        list.into_iter()
            .map(|(id, facts)| ChannelChoice {
                id,
                name: facts.name,
                kind: facts.kind,
                parent: facts.parent,
                position: facts.position,
            })
            .collect()
    });
    let authority = crate::handlers::roles::guild_roles(app, user, guild);
    let now = app.now();
    let roles = authority.known().then(|| {
        authority
            .choices
            .iter()
            .map(|(id, name)| {
                let style = cache.role_style(guild, *id).unwrap_or_default();
                RoleChoice {
                    id: *id,
                    name: name.clone(),
                    colour: style.colour,
                    // A managed role (a bot's, a booster's, an integration's) is Discord's to
                    // give: nobody can hand it out, whatever their place.
                    blocked: if style.managed {
                        Some(format!(
                            "@{name} is managed by an integration: Discord gives it, nobody can hand it out"
                        ))
                    } else {
                        authority.check(*id, now).err()
                    },
                }
            })
            .collect()
    });
    Pickers {
        guild,
        channels,
        roles,
        members: HashMap::new(),
        emojis: cache.emojis(guild).unwrap_or_default(),
        typed_names: HashMap::new(),
    }
}

impl Pickers {
    /// Adds the names of `members` the guild model knows (for member pickers and tables).
    #[must_use]
    pub fn with_members(mut self, app: &App, members: impl IntoIterator<Item = UserId>) -> Self {
        let cache = &app.web.core.guild_cache;
        for member in members {
            if let Some(name) = cache.member_name(self.guild, member) {
                self.members.insert(member, name);
            }
        }
        self
    }
}

impl Pickers {
    /// Where the model does not know the guild, asks the process's directory (Discord's REST
    /// API without the bot here) the names of the channel and role ids the form holds.
    pub async fn with_typed_names(
        mut self,
        app: &App,
        channels: impl IntoIterator<Item = ChannelId>,
        roles: impl IntoIterator<Item = RoleId>,
    ) -> Self {
        if self.channels.is_none() {
            for channel in channels {
                if let Ok(Found::Here(facts)) = app.web.directory.channel(self.guild, channel).await
                {
                    self.typed_names
                        .insert(channel.to_string(), format!("#{}", facts.name));
                }
            }
        }
        if self.roles.is_none() {
            for role in roles {
                if let Ok(Found::Here(name)) = app.web.directory.role(self.guild, role).await {
                    self.typed_names
                        .insert(role.to_string(), format!("@{name}"));
                }
            }
        }
        self
    }
}

/// `GET /guilds/{guild}/pickers/members?field=…&search:<field>=…`: the members whose name
/// holds the text, as the member picker's radio buttons for `field` (an id typed into the
/// search is offered as itself).
///
/// # Errors
/// As every guild page.
pub async fn member_search(
    State(app): State<App>,
    Guild { access, .. }: Guild<Read>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Markup, PageError> {
    let field = query
        .iter()
        .find(|(key, _)| key == "field")
        .map(|(_, value)| value.clone())
        .ok_or_else(|| PageError::BadRequest("the search names no field".to_owned()))?;
    let text = query
        .iter()
        .find(|(key, _)| key.strip_prefix(SEARCH) == Some(field.as_str()))
        .map(|(_, value)| value.trim().to_owned())
        .unwrap_or_default();
    let cache = &app.web.core.guild_cache;
    let mut found: Vec<MemberChoice> = if text.is_empty() {
        Vec::new()
    } else {
        cache
            .search_members(access.id, &text, MEMBERS_FOUND)
            .into_iter()
            .map(|(id, name)| MemberChoice {
                id,
                name: Some(name),
            })
            .collect()
    };
    if let Ok(id) = text.parse::<UserId>()
        && !found.iter().any(|member| member.id == id)
    {
        found.insert(
            0,
            MemberChoice {
                id,
                name: cache.member_name(access.id, id),
            },
        );
    }
    if query
        .iter()
        .any(|(key, value)| key == "many" && value == "1")
    {
        return Ok(member_checkboxes(&field, &found, &text));
    }
    Ok(member_choices(&field, None, &found, true, Some(&text)))
}

/// A submitted form's pairs, with each picker's typed fallback applied: a non-empty
/// `typed1:<field>` replaces `<field>`'s value, the ids of a `typedn:<field>` (commas, spaces
/// or lines between them) are added to `<field>`'s; the member search boxes are dropped.
#[derive(Debug, Clone)]
pub struct PickedForm(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for PickedForm {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self(merge_typed(pairs)))
    }
}

/// Applies the typed fallbacks of [`PickedForm`].
pub fn merge_typed(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut typed_one: Vec<(String, String)> = Vec::new();
    let mut typed_many: Vec<(String, String)> = Vec::new();
    let mut rest = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        if let Some(field) = key.strip_prefix(TYPED_ONE) {
            if !value.trim().is_empty() {
                typed_one.push((field.to_owned(), value.trim().to_owned()));
            }
        } else if let Some(field) = key.strip_prefix(TYPED_MANY) {
            if !value.trim().is_empty() {
                typed_many.push((field.to_owned(), value));
            }
        } else if !key.starts_with(SEARCH) {
            rest.push((key, value));
        }
    }
    for (field, value) in typed_one {
        rest.retain(|(key, _)| *key != field);
        rest.push((field, value));
    }
    for (field, value) in typed_many {
        rest.retain(|(key, existing)| *key != field || !existing.trim().is_empty());
        for id in value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|id| !id.is_empty())
        {
            if !rest
                .iter()
                .any(|(key, existing)| *key == field && existing == id)
            {
                rest.push((field.clone(), id.to_owned()));
            }
        }
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn a_typed_id_replaces_one_pick_and_adds_to_many() {
        let merged = merge_typed(pairs(&[
            ("channel", "111"),
            ("typed1:channel", " 222 "),
            ("roles", "333"),
            ("typedn:roles", "444, 333\n555"),
            ("search:member", "ava"),
            ("member", "666"),
            ("typed1:member", ""),
        ]));
        assert_eq!(
            merged,
            pairs(&[
                ("roles", "333"),
                ("member", "666"),
                ("channel", "222"),
                ("roles", "444"),
                ("roles", "555"),
            ])
        );
    }

    #[test]
    fn an_empty_pick_gives_way_to_typed_ids() {
        let merged = merge_typed(pairs(&[("roles", ""), ("typedn:roles", "444")]));
        assert_eq!(merged, pairs(&[("roles", "444")]));
    }
}

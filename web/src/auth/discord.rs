//! Discord's OAuth2 authorization-code flow and the two user routes the dashboard reads.

use guildhall_core::ids::{GuildId, UserId};
use guildhall_core::permissions::Permissions;
use serde::Deserialize;

use super::sessions::UserGuild;

/// Why a call to Discord failed.
#[derive(Debug, thiserror::Error)]
pub enum DiscordError {
    /// Discord could not be reached.
    #[error("Discord could not be reached ({0})")]
    Unreachable(String),
    /// The access token is no longer accepted (revoked or expired).
    #[error("Discord no longer accepts this login")]
    Unauthorized,
    /// Discord refused the request.
    #[error("Discord refused the request ({status}): {body}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// What Discord said.
        body: String,
    },
}

/// The OAuth2 client.
#[derive(Debug, Clone)]
pub struct DiscordClient {
    http: reqwest::Client,
    base: String,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
}

/// The logged-in user.
#[derive(Debug, Clone, Deserialize)]
pub struct DiscordUser {
    /// Their id.
    pub id: UserId,
    /// Their username.
    pub username: String,
    /// Their display name, if set.
    #[serde(default)]
    pub global_name: Option<String>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
}

#[derive(Deserialize)]
struct GuildAnswer {
    id: GuildId,
    name: String,
    #[serde(default)]
    owner: bool,
    #[serde(default)]
    permissions: String,
    #[serde(default)]
    approximate_member_count: Option<u64>,
}

impl DiscordClient {
    /// A client of `base` (`https://discord.com` or the stand-in) for the application
    /// `client_id`, redirecting to `redirect_uri`.
    pub fn new(
        http: reqwest::Client,
        base: &str,
        client_id: &str,
        client_secret: &str,
        redirect_uri: String,
    ) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            redirect_uri,
        }
    }

    /// Where to send the browser to log in, carrying `state`.
    pub fn authorize_url(&self, state: &str) -> String {
        let encode = |text: &str| {
            percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
        };
        format!(
            "{}/oauth2/authorize?client_id={}&redirect_uri={}&response_type=code&scope=identify%20guilds&state={}",
            self.base,
            encode(&self.client_id),
            encode(&self.redirect_uri),
            encode(state),
        )
    }

    async fn check(response: reqwest::Response) -> Result<reqwest::Response, DiscordError> {
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(DiscordError::Unauthorized);
        }
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(DiscordError::Refused {
                status: status.as_u16(),
                body: body.chars().take(300).collect(),
            });
        }
        Ok(response)
    }

    /// Exchanges an authorization code for an access token.
    ///
    /// # Errors
    /// [`DiscordError`].
    pub async fn exchange(&self, code: &str) -> Result<String, DiscordError> {
        let form = [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.redirect_uri.as_str()),
        ];
        let body = serde_urlencoded(&form);
        let response = self
            .http
            .post(format!("{}/api/oauth2/token", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|error| DiscordError::Unreachable(error.to_string()))?;
        let answer: TokenAnswer = Self::check(response)
            .await?
            .json()
            .await
            .map_err(|error| DiscordError::Unreachable(error.to_string()))?;
        Ok(answer.access_token)
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        token: &str,
    ) -> Result<T, DiscordError> {
        let response = self
            .http
            .get(format!("{}/api/v10{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .map_err(|error| DiscordError::Unreachable(error.to_string()))?;
        Self::check(response)
            .await?
            .json()
            .await
            .map_err(|error| DiscordError::Unreachable(error.to_string()))
    }

    /// The user the token belongs to.
    ///
    /// # Errors
    /// [`DiscordError`].
    pub async fn me(&self, token: &str) -> Result<DiscordUser, DiscordError> {
        self.get("/users/@me", token).await
    }

    /// The user's guilds with their permissions.
    ///
    /// # Errors
    /// [`DiscordError`].
    pub async fn guilds(&self, token: &str) -> Result<Vec<UserGuild>, DiscordError> {
        let answers: Vec<GuildAnswer> = self
            .get("/users/@me/guilds?with_counts=true", token)
            .await?;
        Ok(answers
            .into_iter()
            .map(|guild| UserGuild {
                id: guild.id,
                name: guild.name,
                owner: guild.owner,
                permissions: Permissions::from_decimal(&guild.permissions)
                    .unwrap_or(Permissions::NONE),
                member_count: guild.approximate_member_count,
            })
            .collect())
    }
}

fn serde_urlencoded(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(key, value)| {
            format!(
                "{key}={}",
                percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

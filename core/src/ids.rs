//! Typed Discord snowflake ids.
//!
//! Every id that crosses a module boundary is one of these types, never a bare `u64`, so a role id
//! cannot be passed where a user id is expected. They serialize as strings (as Discord's JSON
//! does, and because JavaScript cannot hold a 64-bit integer) and accept numbers on input.
//! In SQL they are stored as BIGINT by bit-casting to `i64`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An id that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{kind} must be a Discord id (a positive whole number such as 1083124816349421618), got {input:?}"
)]
pub struct InvalidId {
    /// Which kind of id was expected, e.g. "guild id".
    pub kind: &'static str,
    /// What was given.
    pub input: String,
}

macro_rules! snowflake {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u64);

        impl $name {
            /// Wraps a raw snowflake.
            pub const fn new(raw: u64) -> Self {
                Self(raw)
            }

            /// The raw snowflake.
            pub const fn get(self) -> u64 {
                self.0
            }

            /// The value stored in a BIGINT column (the same 64 bits read as signed).
            #[allow(clippy::cast_possible_wrap)]
            pub const fn to_db(self) -> i64 {
                self.0 as i64
            }

            /// Reads the value of a BIGINT column written by [`Self::to_db`].
            #[allow(clippy::cast_sign_loss)]
            pub const fn from_db(value: i64) -> Self {
                Self(value as u64)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            /// Only the canonical spelling: decimal digits without a sign or leading zeros
            /// (surrounding whitespace is ignored), so one id has one written form.
            fn from_str(input: &str) -> Result<Self, Self::Err> {
                let digits = input.trim();
                let canonical = !digits.starts_with('0')
                    && digits.bytes().all(|byte| byte.is_ascii_digit());
                match digits.parse::<u64>() {
                    Ok(raw) if raw > 0 && canonical => Ok(Self(raw)),
                    _ => Err(InvalidId { kind: $kind, input: input.to_owned() }),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                #[derive(Deserialize)]
                #[serde(untagged)]
                enum Raw {
                    Number(u64),
                    Text(String),
                }
                match Raw::deserialize(deserializer)? {
                    Raw::Number(raw) if raw > 0 => Ok(Self(raw)),
                    Raw::Number(raw) => Err(serde::de::Error::custom(InvalidId {
                        kind: $kind,
                        input: raw.to_string(),
                    })),
                    Raw::Text(text) => text.parse().map_err(serde::de::Error::custom),
                }
            }
        }
    };
}

snowflake!(
    /// A Discord guild (server).
    GuildId,
    "guild id"
);
snowflake!(
    /// A Discord user; members are users in a guild.
    UserId,
    "user id"
);
snowflake!(
    /// A Discord channel, thread or DM channel.
    ChannelId,
    "channel id"
);
snowflake!(
    /// A Discord role. The @everyone role shares its guild's id.
    RoleId,
    "role id"
);
snowflake!(
    /// A Discord message.
    MessageId,
    "message id"
);
snowflake!(
    /// A SKU of the application (a premium subscription sold through Discord).
    SkuId,
    "SKU id"
);
snowflake!(
    /// A Discord entitlement: someone's access to a SKU.
    EntitlementId,
    "entitlement id"
);
snowflake!(
    /// A channel webhook.
    WebhookId,
    "webhook id"
);

impl UserId {
    /// Discord's epoch (the first second of 2015) in Unix milliseconds; snowflakes count from it.
    pub const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

    /// When the account was created, read from the snowflake's top 42 bits.
    #[allow(clippy::cast_possible_wrap)] // 42 bits always fit in an i64.
    pub const fn created_at(self) -> crate::clock::UnixMillis {
        crate::clock::UnixMillis((self.0 >> 22) as i64 + Self::DISCORD_EPOCH_MS)
    }
}

/// Declares an id Guildhall gives its own records (a giveaway, a case, a panel): a number
/// from the database's identity column, typed so that a panel's id can never be passed where a
/// giveaway's is expected. A plain number in JSON and in URLs (so stored job payloads and
/// paths keep their shape), BIGINT in SQL (bound and read directly through sqlx).
macro_rules! local_id {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(
            Debug,
            Default,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            serde::Serialize,
            serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The number as stored.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                Self(id)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|id| *id > 0)
                    .map(Self)
                    .ok_or_else(|| format!("a {} number is a positive whole number such as 3, got {text:?}", $what))
            }
        }

        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <i64 as sqlx::Type<sqlx::Any>>::type_info()
            }

            fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
                <i64 as sqlx::Type<sqlx::Any>>::compatible(ty)
            }
        }

        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <i64 as sqlx::Encode<'q, sqlx::Any>>::encode_by_ref(&self.0, buf)
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(
                value: <sqlx::Any as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                <i64 as sqlx::Decode<'r, sqlx::Any>>::decode(value).map(Self)
            }
        }
    };
}
pub(crate) use local_id;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_database_representation() {
        let id = GuildId::new(u64::MAX - 5);
        assert_eq!(GuildId::from_db(id.to_db()), id);
        assert!(
            id.to_db() < 0,
            "large snowflakes bit-cast to negative BIGINTs"
        );
    }

    #[test]
    fn parses_and_rejects_with_the_kind_named() {
        assert_eq!("42".parse::<UserId>(), Ok(UserId::new(42)));
        let error = "abc".parse::<ChannelId>().unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("channel id must be a Discord id"),
            "{error}"
        );
        assert!("0".parse::<RoleId>().is_err());
        // Only the canonical spelling.
        for other in [
            "+42",
            "042",
            "-42",
            "4_2",
            "42 43",
            "",
            "18446744073709551616",
        ] {
            assert!(other.parse::<GuildId>().is_err(), "{other}");
        }
        assert_eq!(" 42 ".parse::<GuildId>(), Ok(GuildId::new(42)));
    }

    #[test]
    fn serializes_as_string_and_accepts_numbers() {
        let id = MessageId::new(1_083_124_816_349_421_618);
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"1083124816349421618\""
        );
        assert_eq!(
            serde_json::from_str::<MessageId>("\"1083124816349421618\"").unwrap(),
            id
        );
        assert_eq!(
            serde_json::from_str::<MessageId>("1083124816349421618").unwrap(),
            id
        );
        assert!(serde_json::from_str::<MessageId>("\"x\"").is_err());
    }
}

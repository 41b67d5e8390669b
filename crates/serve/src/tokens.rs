//! `--tokens FILE`: bearer tokens and what each may do, as TOML (a contract):
//!
//! ```toml
//! [[token]]
//! secret = "..."
//! roles = ["seller"]   # may post events acting as these roles
//! read = true          # may read cases, events and changes
//! admin = false        # may load policy versions and apply migrations
//! ```
//!
//! Secrets are compared in constant time and never printed.

use serde::Deserialize;
use std::path::Path;

/// One token's rights.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    /// The bearer secret.
    secret: String,
    /// Roles it may post events as.
    #[serde(default)]
    pub roles: Vec<String>,
    /// May read cases, events and changes.
    #[serde(default)]
    pub read: bool,
    /// May load policy versions and apply migrations.
    #[serde(default)]
    pub admin: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    #[serde(default)]
    token: Vec<Token>,
}

/// The tokens of a file.
#[derive(Debug, Clone)]
pub struct Tokens {
    tokens: Vec<Token>,
}

/// Equal, in time that depends only on the lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0);
    }
    diff == 0
}

impl Tokens {
    /// Read and check a tokens file; `roles` are the policy's, to catch a misspelt one.
    pub fn load(path: &Path, roles: &[String]) -> Result<Tokens, String> {
        let name = path.display();
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the tokens file `{name}`: {e}"))?;
        // The error's message and line only: its usual snippet could show a secret.
        let file: TokensFile = toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .map_or(1, |s| text.as_bytes()[..s.start.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1);
            format!("the tokens file `{name}`, line {line}: {}", e.message().trim_end())
        })?;
        if file.token.is_empty() {
            return Err(format!("the tokens file `{name}` has no [[token]] table"));
        }
        for (i, t) in file.token.iter().enumerate() {
            let which = format!("token {} of `{name}`", i + 1);
            if t.secret.len() < 16 {
                return Err(format!("{which}: `secret` must be at least 16 characters"));
            }
            if file.token[..i].iter().any(|o| o.secret == t.secret) {
                return Err(format!("{which}: the same secret as an earlier token"));
            }
            for r in &t.roles {
                if !roles.contains(r) {
                    let help = docket::diag::suggest(r, roles.iter().map(String::as_str))
                        .unwrap_or_else(|| format!("the policy's roles are {}", roles.join(", ")));
                    return Err(format!("{which}: role `{r}` is no role of the policy ({help})"));
                }
            }
        }
        Ok(Tokens { tokens: file.token })
    }

    /// The token with this secret, looked at in constant time over every token.
    pub fn find(&self, secret: &str) -> Option<&Token> {
        let mut found = None;
        for t in &self.tokens {
            if constant_time_eq(t.secret.as_bytes(), secret.as_bytes()) && found.is_none() {
                found = Some(t);
            }
        }
        found
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// No tokens (never, once loaded).
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_equal_only_when_every_byte_and_the_length_agree() {
        assert!(constant_time_eq(b"abcdef", b"abcdef"));
        assert!(!constant_time_eq(b"abcdef", b"abcdeg"));
        assert!(!constant_time_eq(b"abcdef", b"abcde"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}

//! Policy versions: several compiled versions of one policy, each in effect for new cases from
//! its `effective` instant. A case is pinned to the version in effect at its first event and
//! keeps it for its life; a version without `effective` is in effect from the beginning.

use crate::compile::table::TransitionTable;
use chrono::{DateTime, Utc};

/// The versions of one policy, oldest first.
#[derive(Debug)]
pub struct Versions {
    /// Each version's table, by `effective` (one without it first).
    pub tables: Vec<TransitionTable>,
    /// Where each was read from, for messages.
    pub sources: Vec<String>,
}

/// Why a set of policy files is not a set of versions of one policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// Files of different policies were given together.
    #[error(
        "`{first}` is policy `{first_name}` and `{other}` is policy `{other_name}`: versions must be of one policy"
    )]
    MixedPolicies {
        /// One file.
        first: String,
        /// Its policy name.
        first_name: String,
        /// Another file.
        other: String,
        /// Its policy name.
        other_name: String,
    },
    /// Two files declare the same version string.
    #[error("`{first}` and `{other}` both declare version \"{version}\"")]
    SameVersion {
        /// One file.
        first: String,
        /// The other.
        other: String,
        /// The version string.
        version: String,
    },
    /// Two files take effect at the same instant (or both lack `effective`).
    #[error("`{first}` and `{other}` both take effect {when}: a case could not tell which applies")]
    SameEffective {
        /// One file.
        first: String,
        /// The other.
        other: String,
        /// `at 2026-06-01T00:00:00Z` or `from the beginning (no `effective`)`.
        when: String,
    },
    /// One of several versions has no version string.
    #[error("`{source_name}` has no `version \"...\"`; each of several versions needs one, for reports to name")]
    Unnamed {
        /// The file.
        source_name: String,
    },
}

impl VersionError {
    /// The file the problem is reported in: the later of the two.
    pub fn file(&self) -> &str {
        match self {
            VersionError::MixedPolicies { other, .. }
            | VersionError::SameVersion { other, .. }
            | VersionError::SameEffective { other, .. } => other,
            VersionError::Unnamed { source_name } => source_name,
        }
    }
}

impl Versions {
    /// One policy on its own: every case runs under it, whatever its `effective` says.
    pub fn single(source: &str, table: TransitionTable) -> Versions {
        Versions { tables: vec![table], sources: vec![source.to_string()] }
    }

    /// Several versions of one policy; refused when they are of different policies, share a
    /// version string or an effective instant, or one of them has no version string.
    pub fn assemble(list: Vec<(String, TransitionTable)>) -> Result<Versions, Vec<VersionError>> {
        let mut errors = Vec::new();
        if list.len() > 1 {
            let (first, first_table) = (&list[0].0, &list[0].1);
            for (i, (source, table)) in list.iter().enumerate() {
                if table.name != first_table.name {
                    errors.push(VersionError::MixedPolicies {
                        first: first.clone(),
                        first_name: first_table.name.clone(),
                        other: source.clone(),
                        other_name: table.name.clone(),
                    });
                    continue;
                }
                let Some(version) = &table.version else {
                    errors.push(VersionError::Unnamed { source_name: source.clone() });
                    continue;
                };
                for (earlier, t) in &list[..i] {
                    if t.name != table.name {
                        continue;
                    }
                    if t.version.as_ref() == Some(version) {
                        errors.push(VersionError::SameVersion {
                            first: earlier.clone(),
                            other: source.clone(),
                            version: version.clone(),
                        });
                    }
                    if t.effective == table.effective {
                        let when = match table.effective {
                            Some(at) => format!("at {}", crate::eval::time::format(&at)),
                            None => "from the beginning (neither declares `effective`)".to_string(),
                        };
                        errors.push(VersionError::SameEffective {
                            first: earlier.clone(),
                            other: source.clone(),
                            when,
                        });
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut list = list;
        // `None` (from the beginning) sorts first.
        list.sort_by_key(|(_, t)| t.effective);
        let (sources, tables) = list.into_iter().unzip();
        Ok(Versions { tables, sources })
    }

    /// The version in effect for a case whose first event is at `at`: the latest whose
    /// `effective` is at or before it. `None` when every version takes effect later. A single
    /// policy is in effect always.
    pub fn at(&self, at: DateTime<Utc>) -> Option<usize> {
        if self.tables.len() == 1 {
            return Some(0);
        }
        self.tables.iter().rposition(|t| t.effective.is_none_or(|e| e <= at))
    }

    /// Whether more than one version is given.
    pub fn is_versioned(&self) -> bool {
        self.tables.len() > 1
    }
}

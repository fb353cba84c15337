//! AWS's quotas on REST APIs, with AWS's defaults. Each can be raised (or lowered) locally with
//! `--quota NAME=VALUE` or `PORTICO_QUOTA_<NAME>`, as AWS lets accounts raise them.

use std::collections::BTreeMap;
use std::sync::Arc;

/// One quota: its name on Portico's command line, AWS's default and what AWS calls it.
#[derive(Debug, Clone, Copy)]
pub struct Quota {
    pub name: &'static str,
    pub default: u64,
    pub aws_name: &'static str,
}

/// The quotas the REST control plane enforces (from AWS's "Quotas for configuring and running
/// a REST API in API Gateway").
pub const QUOTAS: &[Quota] = &[
    Quota {
        name: "regional-apis-per-region",
        default: 600,
        aws_name: "Regional APIs per Region",
    },
    Quota {
        name: "edge-apis-per-region",
        default: 120,
        aws_name: "Edge-optimized APIs per Region",
    },
    Quota {
        name: "private-apis-per-region",
        default: 600,
        aws_name: "Private APIs per account per Region",
    },
    Quota {
        name: "resources-per-api",
        default: 300,
        aws_name: "Resources per API",
    },
    Quota {
        name: "stages-per-api",
        default: 10,
        aws_name: "Stages per API",
    },
    Quota {
        name: "authorizers-per-api",
        default: 10,
        aws_name: "Authorizers per API (AWS Lambda and Amazon Cognito)",
    },
    Quota {
        name: "stage-variables-per-stage",
        default: 100,
        aws_name: "Stage variables per stage",
    },
];

/// The values in force.
#[derive(Debug, Clone)]
pub struct Quotas {
    values: Arc<BTreeMap<&'static str, u64>>,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            values: Arc::new(QUOTAS.iter().map(|q| (q.name, q.default)).collect()),
        }
    }
}

impl Quotas {
    /// Sets one quota; an unknown name is refused with the list of known ones.
    pub fn set(&mut self, name: &str, value: u64) -> Result<(), String> {
        let quota = QUOTAS.iter().find(|q| q.name == name).ok_or_else(|| {
            let known: Vec<&str> = QUOTAS.iter().map(|q| q.name).collect();
            format!("unknown quota {name:?}; known quotas: {}", known.join(", "))
        })?;
        Arc::make_mut(&mut self.values).insert(quota.name, value);
        Ok(())
    }

    pub fn get(&self, name: &str) -> u64 {
        self.values.get(name).copied().unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let mut quotas = Quotas::default();
        assert_eq!(quotas.get("resources-per-api"), 300);
        quotas.set("resources-per-api", 1000).unwrap();
        assert_eq!(quotas.get("resources-per-api"), 1000);
        let err = quotas.set("nope", 1).unwrap_err();
        assert!(err.contains("resources-per-api"), "{err}");
    }

    #[test]
    fn the_readme_lists_every_quota() {
        let readme = include_str!("../../../README.md");
        for quota in QUOTAS {
            let row = format!("| `{}` | {} | {} |", quota.name, quota.default, quota.aws_name);
            assert!(readme.contains(&row), "README.md lacks the row {row}");
        }
    }
}

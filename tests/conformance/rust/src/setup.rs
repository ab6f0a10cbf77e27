//! What the script hands every runner: the servers, the users and the repository root.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The environment of one runner process.
///
/// ```no_run
/// let setup = renderiq_conformance::setup::Setup::from_env().unwrap();
/// println!("{}", setup.scenarios_dir().display());
/// ```
pub struct Setup {
    /// The repository root (`RENDERIQ_CONFORMANCE_ROOT`).
    pub root: PathBuf,
    /// Server name → base URL (`RENDERIQ_CONFORMANCE_SERVERS`).
    pub servers: BTreeMap<String, String>,
    /// Scenario file stem → `{"email", "password"}` (`RENDERIQ_CONFORMANCE_USERS`).
    pub users: BTreeMap<String, Value>,
}

impl Setup {
    /// Reads the three variables the README's *Running a runner* names.
    ///
    /// # Errors
    ///
    /// A message naming the variable that is missing or malformed.
    pub fn from_env() -> Result<Self, String> {
        let root = match std::env::var_os("RENDERIQ_CONFORMANCE_ROOT") {
            Some(r) => PathBuf::from(r),
            None => default_root(),
        };
        let servers_text = std::env::var("RENDERIQ_CONFORMANCE_SERVERS").map_err(|_| {
            "RENDERIQ_CONFORMANCE_SERVERS is not set: run scripts/test-conformance.sh, or set it to \
             {\"default\": \"http://127.0.0.1:PORT\", …}"
                .to_owned()
        })?;
        let servers: BTreeMap<String, String> =
            serde_json::from_str(&servers_text).map_err(|e| {
                format!("RENDERIQ_CONFORMANCE_SERVERS is not a JSON object of URLs: {e}")
            })?;
        let users_path = std::env::var("RENDERIQ_CONFORMANCE_USERS").map_err(|_| {
            "RENDERIQ_CONFORMANCE_USERS is not set: it names the users JSON file that \
             scripts/test-conformance.sh writes"
                .to_owned()
        })?;
        let users_text = std::fs::read_to_string(&users_path)
            .map_err(|e| format!("cannot read the users file {users_path}: {e}"))?;
        let users: BTreeMap<String, Value> = serde_json::from_str(&users_text)
            .map_err(|e| format!("the users file {users_path} is not a JSON object: {e}"))?;
        Ok(Self {
            root,
            servers,
            users,
        })
    }

    /// `tests/conformance/scenarios` under the root.
    pub fn scenarios_dir(&self) -> PathBuf {
        self.root.join("tests/conformance/scenarios")
    }

    /// The setup values every scenario may use as `${name}` (before its own saved variables).
    pub fn values(&self, stem: &str, server: &str) -> Result<BTreeMap<String, Value>, String> {
        let user = self
            .users
            .get(stem)
            .ok_or_else(|| format!("the users file has no account for scenario {stem:?}"))?;
        let base_url = self
            .servers
            .get(server)
            .ok_or_else(|| format!("no server {server:?} in RENDERIQ_CONFORMANCE_SERVERS"))?;
        let mut values = BTreeMap::new();
        for key in ["email", "password"] {
            let v = user
                .get(key)
                .cloned()
                .ok_or_else(|| format!("the account of {stem:?} has no {key:?}"))?;
            values.insert(key.to_owned(), v);
        }
        values.insert("base_url".to_owned(), Value::String(base_url.clone()));
        values.insert(
            "assets".to_owned(),
            path_value(&self.root.join("examples/assets")),
        );
        values.insert(
            "vectors".to_owned(),
            path_value(&self.root.join("tests/vectors")),
        );
        Ok(values)
    }
}

fn path_value(p: &Path) -> Value {
    Value::String(p.to_string_lossy().into_owned())
}

/// The repository root as seen from this crate's sources (for a runner started by hand).
fn default_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

//! Function code on this machine: uploaded archives unpacked under the data directory, or a
//! user's folder read in place (`S3Bucket: "hot-reload"`, `S3Key: "/abs/path"`, LocalStack's
//! convention for code that reloads on every change).

use crate::kinds::Code;
use crate::names::invalid;
use base64::Engine;
use portico_wire::AwsError;
use sha2::{Digest, Sha256};
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// The bucket name that marks a local folder.
pub const HOT_RELOAD_BUCKET: &str = "hot-reload";
/// What Lambda-compatible tools report as the hash of a folder that changes under them.
pub const HOT_RELOAD_SHA: &str = "hot-reloading-hash-not-available";
/// Lambda's limit on the unzipped size of a function.
const MAX_UNZIPPED: u64 = 262_144_000;

/// Code as a request gives it.
pub enum Upload<'a> {
    Zip(&'a [u8]),
    Folder(&'a str),
}

impl<'a> Upload<'a> {
    pub fn from_request(
        zip: Option<&'a [u8]>,
        bucket: Option<&'a str>,
        key: Option<&'a str>,
    ) -> Result<Self, AwsError> {
        match (zip, bucket, key) {
            (Some(zip), None, None) => Ok(Upload::Zip(zip)),
            (None, Some(HOT_RELOAD_BUCKET), Some(key)) => Ok(Upload::Folder(key)),
            (None, Some(_), _) => Err(invalid(
                "Portico has no S3: give the code as ZipFile, or as S3Bucket \"hot-reload\" with a local folder's absolute path as S3Key",
            )),
            (None, None, None) => Err(invalid("Please provide a source for function code.")),
            _ => Err(invalid(
                "Please do not provide other FunctionCode parameters when providing a ZipFile.",
            )),
        }
    }
}

/// The code, placed where the runners read it, with its `CodeSha256` and `CodeSize`.
pub struct Placed {
    pub code: Code,
    pub sha256: String,
    pub size: i64,
}

/// Where uploaded code goes: `{root}/{account}/{region}/{function}/{sha}/`.
#[derive(Debug, Clone)]
pub struct CodeStore {
    root: PathBuf,
}

impl CodeStore {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    fn function_dir(&self, account: &str, region: &str, name: &str) -> PathBuf {
        self.root.join(account).join(region).join(name)
    }

    /// Unpacks (or points at) the code. Runs on a blocking thread: archives can be large.
    pub async fn place(&self, account: &str, region: &str, name: &str, upload: Upload<'_>) -> Result<Placed, AwsError> {
        match upload {
            Upload::Folder(path) => {
                let dir = PathBuf::from(path);
                if !dir.is_absolute() || !dir.is_dir() {
                    return Err(invalid(format!(
                        "The hot-reload S3Key must be the absolute path of an existing folder on Portico's machine: {path}"
                    )));
                }
                Ok(Placed {
                    code: Code {
                        dir,
                        archive: None,
                        hot_reload: true,
                        remote: None,
                    },
                    sha256: HOT_RELOAD_SHA.into(),
                    size: 0,
                })
            }
            Upload::Zip(bytes) => {
                let sha256 = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes));
                let digest_dir: String = hex(&Sha256::digest(bytes));
                let base = self.function_dir(account, region, name).join(&digest_dir);
                let bytes = bytes.to_vec();
                let size = bytes.len() as i64;
                let placed = tokio::task::spawn_blocking(move || unpack(&bytes, &base))
                    .await
                    .map_err(|e| AwsError::internal(format!("unpacking code: {e}")))??;
                Ok(Placed {
                    code: placed,
                    sha256,
                    size,
                })
            }
        }
    }

    /// Removes every copy of a function's code (on DeleteFunction).
    pub async fn remove(&self, account: &str, region: &str, name: &str) {
        let dir = self.function_dir(account, region, name);
        let _ = tokio::fs::remove_dir_all(dir).await;
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `code.zip` and its contents under `base` (the same archive always lands in the same
/// place, so re-uploading it is cheap and versions share it).
fn unpack(bytes: &[u8], base: &Path) -> Result<Code, AwsError> {
    let archive_path = base.join("code.zip");
    let dir = base.join("code");
    let code = Code {
        dir: dir.clone(),
        archive: Some(archive_path.clone()),
        hot_reload: false,
        remote: None,
    };
    if dir.is_dir() && archive_path.is_file() {
        return Ok(code);
    }
    let unreadable = || invalid("Could not unzip uploaded file. Please check your file, then try to upload again.");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let total: u64 = (0..zip.len())
        .filter_map(|i| zip.by_index_raw(i).ok().map(|f| f.size()))
        .sum();
    if total > MAX_UNZIPPED {
        return Err(invalid(format!(
            "Unzipped size must be smaller than {MAX_UNZIPPED} bytes"
        )));
    }
    let staging = base.join(format!("staging-{}", uuid::Uuid::new_v4()));
    let io = |e: std::io::Error| AwsError::internal(format!("writing function code under {}: {e}", base.display()));
    std::fs::create_dir_all(&staging).map_err(io)?;
    let result = (|| {
        // `extract` refuses entries that would escape the folder and keeps Unix modes (a
        // `bootstrap` stays executable).
        zip.extract(&staging).map_err(|_| unreadable())?;
        std::fs::write(base.join("code.zip"), bytes).map_err(io)?;
        match std::fs::rename(&staging, &dir) {
            // Another upload of the same archive got there first: same bytes, same contents.
            Err(_) if dir.is_dir() => {
                let _ = std::fs::remove_dir_all(&staging);
                Ok(())
            }
            other => other.map_err(io),
        }
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result.map(|()| code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &str, u32)]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut out);
        for (name, text, mode) in files {
            let options = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
            w.start_file(*name, options).unwrap();
            w.write_all(text.as_bytes()).unwrap();
        }
        w.finish().unwrap();
        out.into_inner()
    }

    #[tokio::test]
    async fn archives_unpack_with_their_modes_and_bad_ones_are_refused() {
        let root = std::env::temp_dir().join(format!("portico-code-{}", uuid::Uuid::new_v4()));
        let store = CodeStore::new(root.clone());
        let zip = zip_of(&[
            ("app.py", "def handler(e, c): return e\n", 0o644),
            ("bootstrap", "#!/bin/sh\n", 0o755),
        ]);
        let placed = store.place("a", "r", "fn", Upload::Zip(&zip)).await.unwrap();
        assert!(placed.code.dir.join("app.py").is_file());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(placed.code.dir.join("bootstrap"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o111, 0o111, "bootstrap stays executable");
        }
        assert_eq!(placed.size, zip.len() as i64);
        let again = store.place("a", "r", "fn", Upload::Zip(&zip)).await.unwrap();
        assert_eq!(again.code, placed.code);
        let err = store
            .place("a", "r", "fn", Upload::Zip(b"not a zip"))
            .await
            .err()
            .unwrap();
        assert_eq!(err.code, "InvalidParameterValueException");
        store.remove("a", "r", "fn").await;
        assert!(!root.join("a/r/fn").exists());
        let _ = std::fs::remove_dir_all(root);
    }
}

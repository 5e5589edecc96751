//! The specification store: many [`Spec`]s archived with rkyv, so that
//! thousands of specs load without parsing. Loading validates the archive
//! once (rkyv's bytecheck: every offset, length and UTF-8 string is checked
//! before any access), then every access is zero-copy; a sorted name index
//! finds a spec by word name in O(log n).
//!
//! File layout: the rkyv archive of [`StoreRoot`] (magic `KFSP`, format
//! version, the specs, and the name index); rkyv puts the root at the end.

use super::spec::{ArchivedSpec, Spec, SpecError};
use rkyv::rancor::Error as RkyvError;
use rkyv::util::AlignedVec;
use std::fmt;
use std::path::Path;

/// `KFSP` little-endian: identifies a Kiln Forth spec store.
pub const MAGIC: u32 = u32::from_le_bytes(*b"KFSP");
/// The format version this build reads and writes.
pub const VERSION: u32 = 1;
/// Largest store file read, bytes.
pub const MAX_STORE_BYTES: u64 = 1 << 30;

/// The archived root.
#[derive(rkyv::Archive, rkyv::Serialize, rkyv::Deserialize, Debug)]
pub struct StoreRoot {
    /// [`MAGIC`].
    pub magic: u32,
    /// [`VERSION`].
    pub version: u32,
    /// The specifications, in the order given.
    pub specs: Vec<Spec>,
    /// Indexes into `specs` sorted by word name (ties in input order).
    pub by_name: Vec<u32>,
}

/// Why a store cannot be built, read or used.
#[derive(Debug)]
pub enum StoreError {
    /// Reading or writing the file failed.
    Io(std::io::Error),
    /// The bytes are not a valid archive (bytecheck's message).
    Invalid(String),
    /// The archive is not a spec store, or of another version.
    Format(String),
    /// A spec to archive is invalid (its index and the error).
    Spec(usize, SpecError),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io(e) => write!(f, "{e}"),
            StoreError::Invalid(m) => write!(f, "not a valid spec store: {m}"),
            StoreError::Format(m) => f.write_str(m),
            StoreError::Spec(i, e) => write!(f, "spec {i}: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Archives `specs` (each validated first).
///
/// # Errors
/// The first invalid spec, or a serialization failure.
pub fn build(specs: &[Spec]) -> Result<AlignedVec, StoreError> {
    for (i, s) in specs.iter().enumerate() {
        s.validate().map_err(|e| StoreError::Spec(i, e))?;
    }
    let mut by_name: Vec<u32> = (0..specs.len() as u32).collect();
    by_name.sort_by(|&a, &b| specs[a as usize].word.cmp(&specs[b as usize].word));
    let root = StoreRoot {
        magic: MAGIC,
        version: VERSION,
        specs: specs.to_vec(),
        by_name,
    };
    rkyv::to_bytes::<RkyvError>(&root).map_err(|e| StoreError::Invalid(e.to_string()))
}

/// Archives `specs` into the file `path`.
///
/// # Errors
/// As [`build`], or the write failing.
pub fn write(path: &Path, specs: &[Spec]) -> Result<(), StoreError> {
    let bytes = build(specs)?;
    std::fs::write(path, &bytes[..]).map_err(StoreError::Io)
}

/// The bytes of a store, aligned for zero-copy access.
pub struct StoreBytes(AlignedVec);

impl StoreBytes {
    /// Copies `bytes` into an aligned buffer.
    pub fn from_slice(bytes: &[u8]) -> StoreBytes {
        let mut v = AlignedVec::with_capacity(bytes.len());
        v.extend_from_slice(bytes);
        StoreBytes(v)
    }

    /// Reads a store file (at most [`MAX_STORE_BYTES`]).
    ///
    /// # Errors
    /// The file cannot be read or is too large.
    pub fn read(path: &Path) -> Result<StoreBytes, StoreError> {
        let len = std::fs::metadata(path).map_err(StoreError::Io)?.len();
        if len > MAX_STORE_BYTES {
            return Err(StoreError::Format(format!(
                "{} is {len} bytes; stores are at most {MAX_STORE_BYTES}",
                path.display()
            )));
        }
        let data = std::fs::read(path).map_err(StoreError::Io)?;
        Ok(StoreBytes::from_slice(&data))
    }

    /// Validates the archive and gives zero-copy access to it. Validation
    /// walks the whole archive once (linear in its size); keep the
    /// returned [`Store`] to access it many times.
    ///
    /// # Errors
    /// Bytes that are not a valid archive, a wrong magic or version, or an
    /// index that does not point into the specs.
    pub fn access(&self) -> Result<Store<'_>, StoreError> {
        let root = rkyv::access::<ArchivedStoreRoot, RkyvError>(&self.0)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        if root.magic.to_native() != MAGIC {
            return Err(StoreError::Format(
                "not a Kiln Forth spec store (bad magic)".into(),
            ));
        }
        if root.version.to_native() != VERSION {
            return Err(StoreError::Format(format!(
                "spec store format version {} (this build reads {VERSION})",
                root.version.to_native()
            )));
        }
        let n = root.specs.len();
        if root.by_name.len() != n || root.by_name.iter().any(|i| i.to_native() as usize >= n) {
            return Err(StoreError::Format("the name index is corrupt".into()));
        }
        Ok(Store { root })
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A validated store: zero-copy views of its specs.
#[derive(Clone, Copy)]
pub struct Store<'a> {
    root: &'a ArchivedStoreRoot,
}

impl<'a> Store<'a> {
    /// Number of specs.
    pub fn len(&self) -> usize {
        self.root.specs.len()
    }

    /// True when the store holds no spec.
    pub fn is_empty(&self) -> bool {
        self.root.specs.is_empty()
    }

    /// The archived spec `i` (zero-copy), in input order.
    pub fn get(&self, i: usize) -> Option<&'a ArchivedSpec> {
        self.root.specs.get(i)
    }

    /// All archived specs, in input order.
    pub fn iter(&self) -> impl Iterator<Item = &'a ArchivedSpec> + 'a {
        self.root.specs.iter()
    }

    /// The first spec (in input order) for `word`, by binary search of the
    /// name index.
    pub fn find(&self, word: &str) -> Option<&'a ArchivedSpec> {
        let idx = &self.root.by_name;
        let specs = &self.root.specs;
        let name = |k: usize| specs[idx[k].to_native() as usize].word.as_str();
        let (mut lo, mut hi) = (0, idx.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if name(mid) < word {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo < idx.len() && name(lo) == word).then(|| &specs[idx[lo].to_native() as usize])
    }

    /// Spec `i` as an owned, re-validated [`Spec`] (for generation).
    ///
    /// # Errors
    /// The archived spec breaks a [`Spec::validate`] rule (a store written
    /// by another tool), or `i` is out of range.
    pub fn spec(&self, i: usize) -> Result<Spec, StoreError> {
        let a = self
            .get(i)
            .ok_or_else(|| StoreError::Format(format!("no spec {i}")))?;
        let s: Spec = rkyv::deserialize::<Spec, RkyvError>(a)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        s.validate().map_err(|e| StoreError::Spec(i, e))?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(word: &str, k: i64) -> Spec {
        Spec::from_json(&format!(
            r#"{{"word":"{word}","stack_effect":{{"inputs":[{{"name":"n"}}],"outputs":[{{"name":"m"}}]}},
            "test_cases":[{{"input":[{k}],"output":[{}]}}]}}"#,
            k + 1
        ))
        .unwrap()
    }

    #[test]
    fn round_trips_and_finds() {
        let specs: Vec<Spec> = (0..50).map(|i| spec(&format!("w{i}"), i)).collect();
        let bytes = build(&specs).unwrap();
        let sb = StoreBytes::from_slice(&bytes);
        let store = sb.access().unwrap();
        assert_eq!(store.len(), 50);
        assert_eq!(store.spec(7).unwrap(), specs[7]);
        let w = store.find("w33").unwrap();
        assert_eq!(w.test_cases[0].input[0].to_native(), 33);
        assert!(store.find("w333").is_none());
        assert!(store.find("").is_none());
    }

    #[test]
    fn rejects_garbage() {
        assert!(StoreBytes::from_slice(b"").access().is_err());
        assert!(StoreBytes::from_slice(b"{\"word\": 1}").access().is_err());
        let bytes = build(&[spec("a", 1)]).unwrap();
        let mut bad = bytes.to_vec();
        // Corrupt every byte in turn: never a panic, usually an error.
        for i in 0..bad.len() {
            bad[i] ^= 0x5a;
            let _ = StoreBytes::from_slice(&bad)
                .access()
                .map(|s| s.spec(0).is_ok());
            bad[i] ^= 0x5a;
        }
        let mut bad = bytes.to_vec();
        let n = bad.len();
        bad[n - 4] ^= 0xff;
        assert!(StoreBytes::from_slice(&bad).access().is_err());
    }
}

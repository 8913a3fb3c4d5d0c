//! Versioned snapshots of streaming state.
//!
//! Layout of a snapshot, the one format shared by pickle, `to_bytes()` and checkpoints:
//!
//! ```text
//! b"ONSTREAM" | format_version: u32 little-endian | postcard(kind: String, state: T)
//! ```
//!
//! The version sits at a fixed offset so that a reader can refuse an unknown version before it tries
//! to decode anything. postcard is compact, `no_std`-grade and maintained (bincode is not).

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};

/// First bytes of every snapshot.
pub const MAGIC: &[u8; 8] = b"ONSTREAM";
const HEADER_LEN: usize = MAGIC.len() + 4;

/// A streaming object whose whole state can be written and read back.
///
/// A restored object must continue bit-for-bit like the original: its generator state is part of
/// the snapshot (differential-privacy objects are the documented exception).
pub trait Snapshot: Serialize + DeserializeOwned {
    /// Stable name of the type inside snapshots, e.g. `"stream.Reservoir"`.
    const KIND: &'static str;
    /// Bumped whenever the serialized layout of the type changes.
    const FORMAT_VERSION: u32;

    /// Checks invariants after decoding, so damaged bytes give an error rather than a broken object.
    fn validate(&self) -> Result<()>;
}

#[derive(Serialize)]
struct EnvelopeRef<'a, T> {
    kind: &'a str,
    state: &'a T,
}

/// Writes `value` as a snapshot.
pub fn to_bytes<T: Snapshot>(value: &T) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&T::FORMAT_VERSION.to_le_bytes());
    let body = postcard::to_stdvec(&EnvelopeRef {
        kind: T::KIND,
        state: value,
    })
    .map_err(|e| Error::Internal(format!("cannot encode {}: {e}", T::KIND)))?;
    out.extend_from_slice(&body);
    Ok(out)
}

/// Reads the format version of a snapshot without decoding it.
pub fn format_version(bytes: &[u8]) -> Result<u32> {
    if bytes.len() < HEADER_LEN || &bytes[..MAGIC.len()] != MAGIC {
        return Err(Error::Snapshot(
            "the bytes do not start with an onstream snapshot header".into(),
        ));
    }
    let mut version = [0u8; 4];
    version.copy_from_slice(&bytes[MAGIC.len()..HEADER_LEN]);
    Ok(u32::from_le_bytes(version))
}

/// Reads a snapshot of `T`, refusing other kinds, other versions and damaged bytes (in that order,
/// so that restoring into the wrong class says so rather than reporting a version or a decode error).
pub fn from_bytes<T: Snapshot>(bytes: &[u8]) -> Result<T> {
    let found = format_version(bytes)?;
    let (kind, rest): (String, &[u8]) = postcard::take_from_bytes(&bytes[HEADER_LEN..])
        .map_err(|e| Error::Snapshot(format!("cannot decode the snapshot's kind: {e}")))?;
    if kind != T::KIND {
        return Err(Error::Snapshot(format!(
            "the bytes hold a {kind} snapshot, not a {}",
            T::KIND
        )));
    }
    if found != T::FORMAT_VERSION {
        return Err(Error::SnapshotVersion {
            kind,
            found,
            supported: T::FORMAT_VERSION,
        });
    }
    let (state, rest): (T, &[u8]) = postcard::take_from_bytes(rest)
        .map_err(|e| Error::Snapshot(format!("cannot decode a {} snapshot: {e}", T::KIND)))?;
    if !rest.is_empty() {
        return Err(Error::Snapshot(format!(
            "{} trailing bytes after a {} snapshot",
            rest.len(),
            T::KIND
        )));
    }
    state.validate()?;
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Counter {
        n: u64,
    }
    impl Snapshot for Counter {
        const KIND: &'static str = "test.Counter";
        const FORMAT_VERSION: u32 = 3;
        fn validate(&self) -> Result<()> {
            if self.n > 100 {
                return Err(Error::Snapshot("n too large".into()));
            }
            Ok(())
        }
    }

    #[derive(Debug, Serialize, Deserialize)]
    struct Other {
        n: u64,
    }
    impl Snapshot for Other {
        const KIND: &'static str = "test.Other";
        const FORMAT_VERSION: u32 = 3;
        fn validate(&self) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn roundtrip() {
        let bytes = to_bytes(&Counter { n: 7 }).unwrap();
        assert_eq!(&bytes[..8], MAGIC);
        assert_eq!(format_version(&bytes).unwrap(), 3);
        assert_eq!(from_bytes::<Counter>(&bytes).unwrap(), Counter { n: 7 });
    }

    #[test]
    fn unknown_version_is_refused() {
        let mut bytes = to_bytes(&Counter { n: 7 }).unwrap();
        bytes[8..12].copy_from_slice(&4u32.to_le_bytes());
        assert_eq!(
            from_bytes::<Counter>(&bytes).unwrap_err(),
            Error::SnapshotVersion {
                kind: "test.Counter".into(),
                found: 4,
                supported: 3
            }
        );
    }

    #[test]
    fn wrong_kind_truncation_and_garbage_are_refused() {
        let bytes = to_bytes(&Counter { n: 7 }).unwrap();
        assert!(matches!(
            from_bytes::<Other>(&bytes),
            Err(Error::Snapshot(_))
        ));
        assert!(matches!(
            from_bytes::<Counter>(&bytes[..bytes.len() - 1]),
            Err(Error::Snapshot(_))
        ));
        assert!(matches!(
            from_bytes::<Counter>(b"not a snapshot"),
            Err(Error::Snapshot(_))
        ));
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(
            from_bytes::<Counter>(&long),
            Err(Error::Snapshot(_))
        ));
    }

    #[test]
    fn invariants_are_checked_on_restore() {
        let bytes = to_bytes(&Counter { n: 101 }).unwrap();
        assert!(matches!(
            from_bytes::<Counter>(&bytes),
            Err(Error::Snapshot(_))
        ));
    }
}

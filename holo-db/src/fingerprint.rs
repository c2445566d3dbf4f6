//! Fingerprints: the blake3 hashes that name everything holo-db stores.
//!
//! A key must change whenever anything the stored value was computed from changes, and two
//! different inputs must never produce the same key. Hashing the parts one after another would
//! let `["ab", "c"]` and `["a", "bc"]` collide, so every part is fed with its length in front.
//! The hasher is keyed with a context string (`blake3::Hasher::new_derive_key`) so that these
//! keys can never coincide with a plain blake3 hash of the same bytes computed elsewhere.

/// A 32-byte content hash, the key type of the blob table.
pub type Key = [u8; 32];

/// The blake3 key-derivation context. Changing it changes every key, so it is versioned like a
/// schema: bump the suffix only together with `SCHEMA_VERSION`.
const CONTEXT: &str = "holo-db 2026-11 fingerprint v1";

/// Builds a fingerprint from parts fed one at a time, without collecting them first.
///
/// ```
/// let key = holo_db::Fingerprinter::new().part(b"parse").part(b"fn main() {}").finish();
/// assert_eq!(key, holo_db::fingerprint(&[b"parse", b"fn main() {}"]));
/// ```
#[derive(Clone)]
pub struct Fingerprinter {
    hasher: blake3::Hasher,
}

impl Fingerprinter {
    pub fn new() -> Fingerprinter {
        Fingerprinter {
            hasher: blake3::Hasher::new_derive_key(CONTEXT),
        }
    }

    /// Feeds one part, prefixed by its length, so that part boundaries are part of the hash.
    pub fn part(mut self, bytes: &[u8]) -> Fingerprinter {
        self.hasher.update(&(bytes.len() as u64).to_le_bytes());
        self.hasher.update(bytes);
        self
    }

    /// Feeds an integer as one 8-byte part.
    pub fn part_u64(self, value: u64) -> Fingerprinter {
        self.part(&value.to_le_bytes())
    }

    pub fn finish(&self) -> Key {
        *self.hasher.finalize().as_bytes()
    }
}

impl Default for Fingerprinter {
    fn default() -> Self {
        Fingerprinter::new()
    }
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fingerprinter { .. }")
    }
}

/// The fingerprint of a sequence of parts (each length-prefixed, see the module docs).
pub fn fingerprint(parts: &[&[u8]]) -> Key {
    parts
        .iter()
        .fold(Fingerprinter::new(), |f, part| f.part(part))
        .finish()
}

/// Lower-case hex of a key, for logs and `holo cache` output.
pub fn to_hex(key: &Key) -> String {
    use std::fmt::Write;
    key.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_boundaries_matter() {
        assert_ne!(fingerprint(&[b"ab", b"c"]), fingerprint(&[b"a", b"bc"]));
        assert_ne!(fingerprint(&[b"abc"]), fingerprint(&[b"abc", b""]));
        assert_ne!(fingerprint(&[]), fingerprint(&[b""]));
    }

    #[test]
    fn is_deterministic_and_matches_the_builder() {
        let a = fingerprint(&[b"kind", b"input"]);
        let b = Fingerprinter::new().part(b"kind").part(b"input").finish();
        assert_eq!(a, b);
        assert_eq!(a, fingerprint(&[b"kind", b"input"]));
    }

    #[test]
    fn differs_from_a_plain_hash() {
        assert_ne!(&fingerprint(&[b"x"]), blake3::hash(b"x").as_bytes());
    }

    #[test]
    fn hex_is_64_lowercase_digits() {
        let hex = to_hex(&fingerprint(&[b"x"]));
        assert_eq!(hex.len(), 64);
        assert!(
            hex.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
}

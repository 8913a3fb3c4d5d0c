//! The generator behind every privacy mechanism: ChaCha20 keyed from the operating system.
//!
//! A seed is accepted only through [`SecureRng::insecure`], whose outputs must be marked as
//! non-private by every caller (the Python facade marks the arrays it returns). Batch sampling
//! splits work into fixed-size chunks, each on its own ChaCha20 stream of one key, so results do
//! not depend on the number of threads and streams never overlap.

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// A ChaCha20 key and whether it came from a user-supplied seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecureRng {
    key: [u8; 32],
    insecure: bool,
}

impl SecureRng {
    /// A fresh key from the operating system's entropy source.
    pub fn from_os() -> Self {
        let mut key = [0u8; 32];
        ChaCha20Rng::from_os_rng().fill_bytes(&mut key);
        SecureRng {
            key,
            insecure: false,
        }
    }

    /// A key derived from `seed`: reproducible, therefore **not private**. For tests only.
    pub fn insecure(seed: u64) -> Self {
        let mut key = [0u8; 32];
        ChaCha20Rng::seed_from_u64(seed).fill_bytes(&mut key);
        SecureRng {
            key,
            insecure: true,
        }
    }

    /// Whether outputs come from a user-chosen seed.
    pub fn is_insecure(&self) -> bool {
        self.insecure
    }

    /// The `stream`-th generator of this key.
    pub fn stream(&self, stream: u64) -> ChaCha20Rng {
        let mut r = ChaCha20Rng::from_seed(self.key);
        r.set_stream(stream);
        r
    }
}

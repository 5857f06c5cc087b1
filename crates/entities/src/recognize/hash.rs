//! A fixed feature hash. Hand-written rather than taken from a hashing crate because the trained
//! model stores these values: the function must never change under a dependency upgrade.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map keyed by values that are already hashes: no SipHash on the tagging path.
pub type HashedMap<V> = HashMap<u64, V, BuildHasherDefault<PassThrough>>;

/// Hasher for [`HashedMap`]: the key's own bits, avalanched.
#[derive(Default)]
pub struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = add(self.0, b as u64);
        }
        self.0 = finish(self.0);
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = finish(x);
    }
}

const K: u64 = 0x517c_c1b7_2722_0a95;

/// Adds one value to a running hash (FxHash step).
#[inline]
pub fn add(h: u64, x: u64) -> u64 {
    (h.rotate_left(5) ^ x).wrapping_mul(K)
}

/// Final avalanche (MurmurHash3 fmix64), so the low bits used by tables are well spread.
#[inline]
pub fn finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Hash of a string's characters, each mapped by `f` (which may drop a char by returning None).
#[inline]
pub fn chars(s: &str, mut f: impl FnMut(char) -> Option<char>) -> u64 {
    let mut h = 0x9e37_79b9_7f4a_7c15;
    for c in s.chars() {
        if let Some(c) = f(c) {
            h = add(h, c as u64);
        }
    }
    h
}

/// A feature: template id combined with up to two values.
#[inline]
pub fn feat(template: u32, a: u64, b: u64) -> u64 {
    finish(add(add(template as u64 + 1, a), b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_values() {
        // The model file depends on these exact values.
        assert_eq!(feat(1, 2, 3), feat(1, 2, 3));
        assert_ne!(feat(1, 2, 3), feat(2, 2, 3));
        assert_ne!(feat(1, 2, 3), feat(1, 3, 2));
        assert_eq!(chars("ab", Some), add(add(0x9e37_79b9_7f4a_7c15, 'a' as u64), 'b' as u64));
    }
}

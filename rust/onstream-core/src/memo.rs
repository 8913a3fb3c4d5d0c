//! Values a process computes once and shares: tables and spectra that depend on their key alone
//! and cost more to build than the work that reads them (an exact sampler's alias table, a
//! factorization's transformed kernels).
//!
//! A [`Memo`] keeps them under a byte budget, the least recently used going first. Values are
//! built outside the lock, so a slow build never holds up readers of other keys (two threads
//! asking for the same new key may both build it; the values are equal, one is kept). Because a
//! value depends on its key alone, what a process has cached never changes a result.

use std::sync::{Arc, Mutex};

struct Entry<K, V> {
    key: K,
    value: Arc<V>,
    bytes: usize,
    used: u64,
}

struct Entries<K, V> {
    list: Vec<Entry<K, V>>,
    clock: u64,
}

/// A process-wide cache of `Arc<V>` by `K` under a budget of `budget` bytes (declare it in a
/// `static`).
pub struct Memo<K, V> {
    budget: usize,
    entries: Mutex<Entries<K, V>>,
}

impl<K: PartialEq + Clone, V> Memo<K, V> {
    pub const fn new(budget: usize) -> Self {
        Memo {
            budget,
            entries: Mutex::new(Entries {
                list: Vec::new(),
                clock: 0,
            }),
        }
    }

    /// The value for `key`, built by `build` (which also says how many bytes it holds) when the
    /// cache does not have it. A value larger than the budget is returned without being kept; a
    /// poisoned lock (a panic elsewhere) only costs the sharing.
    pub fn get_or_build(&self, key: &K, build: impl FnOnce() -> (V, usize)) -> Arc<V> {
        if let Ok(mut e) = self.entries.lock() {
            e.clock += 1;
            let now = e.clock;
            if let Some(hit) = e.list.iter_mut().find(|x| x.key == *key) {
                hit.used = now;
                return Arc::clone(&hit.value);
            }
        }
        let (value, bytes) = build();
        let value = Arc::new(value);
        if bytes > self.budget {
            return value;
        }
        if let Ok(mut e) = self.entries.lock() {
            if let Some(hit) = e.list.iter().find(|x| x.key == *key) {
                return Arc::clone(&hit.value);
            }
            let used = e.clock;
            e.list.push(Entry {
                key: key.clone(),
                value: Arc::clone(&value),
                bytes,
                used,
            });
            while e.list.iter().map(|x| x.bytes).sum::<usize>() > self.budget {
                let oldest = e
                    .list
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, x)| x.used)
                    .map(|(i, _)| i);
                match oldest {
                    Some(i) => drop(e.list.swap_remove(i)),
                    None => break,
                }
            }
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_values_under_the_budget_and_drops_the_least_recently_used() {
        let memo: Memo<u32, Vec<u8>> = Memo::new(100);
        let builds = std::cell::Cell::new(0);
        let get = |k: u32, bytes: usize| {
            memo.get_or_build(&k, || {
                builds.set(builds.get() + 1);
                (vec![k as u8; bytes], bytes)
            })
        };
        let a = get(1, 40);
        assert!(Arc::ptr_eq(&a, &get(1, 40)));
        get(2, 40);
        get(1, 40); // 1 is now the more recent
        get(3, 40); // over budget: 2 goes
        assert_eq!(builds.get(), 3);
        get(1, 40);
        assert_eq!(builds.get(), 3);
        get(2, 40);
        assert_eq!(builds.get(), 4);
        // Too large to keep: built every time, and nothing else is dropped for it.
        get(9, 500);
        get(9, 500);
        assert_eq!(builds.get(), 6);
        assert_eq!(get(9, 500).len(), 500);
    }
}

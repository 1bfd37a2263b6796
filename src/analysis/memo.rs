//! A process-wide memo for pure functions of text (pattern analyses, compiled regexes): a monorepo
//! repeats the same patterns across thousands of configs, and compiling one costs more than
//! linting the rest of its file.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{LazyLock, Mutex};

/// Beyond this many distinct keys a memo starts over, so that a long-lived process (the language
/// server, where every keystroke can make a new pattern) stays bounded.
const MAX_REMEMBERED: usize = 4096;

pub struct Memo<K, V>(LazyLock<Mutex<HashMap<K, V>>>);

impl<K: Eq + Hash, V: Clone> Default for Memo<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    pub const fn new() -> Self {
        Memo(LazyLock::new(Default::default))
    }

    /// The remembered value for `key`, else `compute()` remembered. `compute` runs outside the
    /// lock, so other threads are never held up by a slow computation.
    pub fn get_or_compute(&self, key: K, compute: impl FnOnce() -> V) -> V {
        if let Some(value) = self.0.lock().ok().and_then(|memo| memo.get(&key).cloned()) {
            return value;
        }
        let value = compute();
        if let Ok(mut memo) = self.0.lock() {
            if memo.len() >= MAX_REMEMBERED {
                memo.clear();
            }
            memo.insert(key, value.clone());
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;

    #[test]
    fn computes_each_key_once() {
        static SQUARES: Memo<u32, u32> = Memo::new();
        let mut runs = 0;
        for _ in 0..3 {
            assert_eq!(
                SQUARES.get_or_compute(7, || {
                    runs += 1;
                    49
                }),
                49
            );
        }
        assert_eq!(runs, 1);
        assert_eq!(SQUARES.get_or_compute(3, || 9), 9);
    }

    #[test]
    fn starts_over_past_its_bound() {
        static IDENTITY: Memo<usize, usize> = Memo::new();
        for n in 0..=super::MAX_REMEMBERED {
            IDENTITY.get_or_compute(n, || n);
        }
        let mut recomputed = false;
        IDENTITY.get_or_compute(0, || {
            recomputed = true;
            0
        });
        assert!(recomputed, "the first key was dropped when the memo was full");
    }
}

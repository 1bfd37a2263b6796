//! Which project module an absolute import means. The import root is unknown (`app.core.config`
//! may live at `backend/app/core/config.py`), so every module whose dotted path ends with the
//! imported one is a candidate, and the one sharing the longest path prefix with the importer is
//! meant: in a monorepo of many services, each service's `from app.config import settings` means
//! its own `app/config.py`. Both the parse selection and the extractor ask it, so they agree on
//! which files an import reaches.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Module dotted paths, indexed by last component. A large group of same-named modules is split
/// by its last `k` components the first time a path of length `k` is asked for, and the modules
/// ending with one path are indexed by prefix when there are many of them: no query compares
/// against every module of that name.
#[derive(Debug, Default)]
pub struct ModuleSuffixes {
    paths: Vec<Vec<String>>,
    by_last: HashMap<String, Vec<usize>>,
    /// (last component, k) → the group's modules by their last `k` components.
    by_tail: RefCell<HashMap<(String, usize), ByTail>>,
    by_prefix: RefCell<HashMap<Vec<String>, Rc<Prefixes>>>,
}

type ByTail = HashMap<Vec<String>, Vec<usize>>;

/// The modules ending with one wanted path, by what comes before that path (their prefix).
#[derive(Debug, Default)]
struct Prefixes {
    /// Every leading part of each prefix (the empty one included) → the modules under it.
    under: HashMap<Vec<String>, Vec<usize>>,
    /// Each whole prefix → its modules.
    whole: HashMap<Vec<String>, Vec<usize>>,
}

impl ModuleSuffixes {
    /// A group this small is compared directly: indexing it would cost more than it saves.
    const SMALL_GROUP: usize = 16;

    pub fn new(paths: Vec<Vec<String>>) -> Self {
        let mut by_last: HashMap<String, Vec<usize>> = HashMap::new();
        for (id, path) in paths.iter().enumerate() {
            if let Some(last) = path.last() {
                by_last.entry(last.clone()).or_default().push(id);
            }
        }
        ModuleSuffixes { paths, by_last, ..ModuleSuffixes::default() }
    }

    /// The dotted paths, by module id.
    pub fn paths(&self) -> &[Vec<String>] {
        &self.paths
    }

    /// The modules ending with `wanted` that share the longest leading part with `from` (the
    /// importing module's path), in increasing order: several only when they tie.
    pub fn nearest(&self, wanted: &[String], from: &[String]) -> Vec<usize> {
        let Some((last, group)) = wanted.last().and_then(|last| self.by_last.get_key_value(last)) else {
            return Vec::new();
        };
        if group.len() <= Self::SMALL_GROUP {
            return self.nearest_among(group, wanted, from);
        }
        let indexed = self.by_prefix.borrow().get(wanted).cloned();
        let prefixes = match indexed {
            Some(prefixes) => prefixes,
            None => {
                let ending = self.ending_with(last, group, wanted);
                if ending.len() <= Self::SMALL_GROUP {
                    return self.nearest_among(&ending, wanted, from);
                }
                self.prefixes(&ending, wanted)
            }
        };
        for k in (0..=from.len()).rev() {
            let Some(leading) = from.get(..k) else { continue };
            let mut found: Vec<usize> = prefixes.under.get(leading).cloned().unwrap_or_default();
            // A shorter prefix followed by `wanted` may still match `from` up to `k`.
            for j in 0..k {
                let (Some(prefix), Some(rest)) = (from.get(..j), from.get(j..k)) else { continue };
                if wanted.starts_with(rest) {
                    found.extend(prefixes.whole.get(prefix).into_iter().flatten());
                }
            }
            if !found.is_empty() {
                found.sort_unstable();
                found.dedup();
                return found;
            }
        }
        Vec::new()
    }

    fn nearest_among(&self, group: &[usize], wanted: &[String], from: &[String]) -> Vec<usize> {
        let shared = |path: &[String]| path.iter().zip(from).take_while(|(a, b)| a == b).count();
        let mut best = Vec::new();
        let mut best_shared = 0;
        for &id in group {
            let Some(path) = self.paths.get(id).filter(|p| p.ends_with(wanted)) else { continue };
            let n = shared(path);
            if best.is_empty() || n > best_shared {
                best.clear();
                best_shared = n;
            }
            if n == best_shared {
                best.push(id);
            }
        }
        best
    }

    /// The modules of `group` (named `last`) whose path ends with `wanted`, in increasing order.
    fn ending_with(&self, last: &str, group: &[usize], wanted: &[String]) -> Vec<usize> {
        let k = wanted.len();
        let mut by_tail = self.by_tail.borrow_mut();
        let tails = by_tail.entry((last.to_owned(), k)).or_insert_with(|| {
            let mut tails = ByTail::new();
            for &id in group {
                if let Some(tail) =
                    self.paths.get(id).and_then(|p| p.get(p.len().saturating_sub(k)..)).filter(|t| t.len() == k)
                {
                    tails.entry(tail.to_vec()).or_default().push(id);
                }
            }
            tails
        });
        tails.get(wanted).cloned().unwrap_or_default()
    }

    fn prefixes(&self, ending: &[usize], wanted: &[String]) -> Rc<Prefixes> {
        let mut built = Prefixes::default();
        for &id in ending {
            let Some(path) = self.paths.get(id) else { continue };
            let Some(prefix) = path.get(..path.len().saturating_sub(wanted.len())) else { continue };
            for k in 0..=prefix.len() {
                if let Some(leading) = prefix.get(..k) {
                    built.under.entry(leading.to_vec()).or_default().push(id);
                }
            }
            built.whole.entry(prefix.to_vec()).or_default().push(id);
        }
        let built = Rc::new(built);
        self.by_prefix.borrow_mut().insert(wanted.to_vec(), Rc::clone(&built));
        built
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(dotted: &str) -> Vec<String> {
        dotted.split('.').map(str::to_owned).collect()
    }

    /// The direct comparison, which the index must answer the same as.
    fn by_scan(paths: &[Vec<String>], wanted: &[String], from: &[String]) -> Vec<usize> {
        let shared = |p: &[String]| p.iter().zip(from).take_while(|(a, b)| a == b).count();
        let ending: Vec<usize> = (0..paths.len()).filter(|&i| paths[i].ends_with(wanted)).collect();
        let best = ending.iter().map(|&i| shared(&paths[i])).max();
        ending.into_iter().filter(|&i| Some(shared(&paths[i])) == best).collect()
    }

    #[test]
    fn each_service_imports_its_own_config_among_many() {
        let mut paths = Vec::new();
        for i in 0..40 {
            paths.push(path(&format!("services.s{i}.app.config")));
            paths.push(path(&format!("services.s{i}.app.main")));
        }
        paths.push(path("app.config"));
        paths.push(path("services.app.config"));
        paths.push(path("services.s3.app.app.config"));
        paths.push(path("lib.config.app.config"));
        let index = ModuleSuffixes::new(paths.clone());
        let mut froms: Vec<Vec<String>> = paths.clone();
        froms.extend([path("services.s3"), path("other.x"), path("services.s3.app.app"), path("lib.config.y")]);
        for wanted in [path("app.config"), path("config"), path("s3.app.config"), path("main"), path("nothing")] {
            for from in &froms {
                assert_eq!(index.nearest(&wanted, from), by_scan(&paths, &wanted, from), "{wanted:?} from {from:?}");
            }
        }
        assert_eq!(index.nearest(&path("app.config"), &path("services.s7.app.main")), vec![14]);
    }
}

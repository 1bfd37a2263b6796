//! The evaluation budget: bounds on time, memory and stack whatever the input, none of which passes
//! silently where it matters.
//!
//! Each statement the walk visits gets a tank of steps, and every evaluation step costs one. A
//! literal list, tuple, set or dict adds its own size to the tank the first time it is read, so
//! allowlists of any length are analysed whole, while what grows faster than the input (calls that
//! recurse) runs dry. Items copied into new lists (`A + B`, `[*A]`) count against the project's
//! cap, and a computed list may hold at most [`MAX_LIST_ITEMS`] items (constants that double each
//! other reach it in a few lines). Expressions nest at most `MAX_DEPTH` deep.
//!
//! Hitting a bound leaves the value `Unknown` (never memoized, so a later statement evaluates it
//! afresh) and is reported (CORS903) when the statement that hit it does something to an app or
//! router (installs middleware, adds a route, builds the app) or when it happens while an app's
//! facts are gathered: a long type union in a schema module that nothing reads is not a gap in
//! the analysis. Running out of the project's budget is always reported.

use super::Ctx;
use crate::model::NotAnalysed;
use crate::source::Span;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use tree_sitter::Node;

/// Steps for one statement, before what its literals add.
const STATEMENT_STEPS: u64 = 20_000;
/// Steps (and copied items) for the whole project.
const PROJECT_STEPS: u64 = 50_000_000;
/// Items a computed list may hold: far beyond any real allowlist, far below what exhausts memory.
pub const MAX_LIST_ITEMS: usize = 100_000;

/// Why evaluation stopped at a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    Steps,
    Project,
    ListSize,
    Depth,
}

#[derive(Debug)]
pub struct Budget {
    left: Cell<u64>,
    total: Cell<u64>,
    /// The statement (or app, or route) being analysed: where a stop is reported.
    statement: Cell<Option<Span>>,
    /// Literal containers whose size was already added (each adds it once).
    granted: RefCell<HashSet<(usize, usize)>>,
    /// How many times evaluation stopped so far: a value computed across a stop is not memoized.
    stops: Cell<u64>,
    /// Stops of the current statement, reported only if the statement turns out to matter.
    pending: RefCell<Vec<NotAnalysed>>,
    reported: RefCell<HashSet<Span>>,
    project_reported: Cell<bool>,
    /// An evaluation asked for more steps than the project had left.
    project_ran_out: Cell<bool>,
    ran_dry: RefCell<Vec<NotAnalysed>>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            left: Cell::new(0),
            total: Cell::new(PROJECT_STEPS),
            statement: Cell::new(None),
            granted: RefCell::default(),
            stops: Cell::new(0),
            pending: RefCell::default(),
            reported: RefCell::default(),
            project_reported: Cell::new(false),
            project_ran_out: Cell::new(false),
            ran_dry: RefCell::default(),
        }
    }
}

impl Budget {
    /// The budget of a group's extraction: the project's steps that earlier groups left.
    pub fn continuing(project_left: u64) -> Self {
        Budget { total: Cell::new(project_left), ..Budget::default() }
    }

    /// The project's steps not spent yet.
    pub fn project_left(&self) -> u64 {
        self.total.get()
    }

    /// Whether an evaluation found the project's steps spent.
    pub fn project_ran_out(&self) -> bool {
        self.project_ran_out.get()
    }

    fn spend(&self, steps: u64, statement: bool) -> bool {
        let (left, total) = (self.left.get(), self.total.get());
        if total < steps {
            self.project_ran_out.set(true);
            self.stop(Stop::Project);
            return false;
        }
        if statement && left < steps {
            self.stop(Stop::Steps);
            return false;
        }
        if statement {
            self.left.set(left - steps);
        }
        self.total.set(total - steps);
        true
    }

    fn stop(&self, why: Stop) {
        self.stops.set(self.stops.get() + 1);
        if why == Stop::Steps {
            self.left.set(0);
        }
        let Some(at) = self.statement.get() else { return };
        let (what, help) = match why {
            Stop::Steps => (
                format!(
                    "it took more than {STATEMENT_STEPS} evaluation steps (beyond the size of the literals it reads)"
                ),
                "write the value as a literal, or through fewer calls and constants",
            ),
            Stop::Project => (
                format!("the project used up its budget of {PROJECT_STEPS} evaluation steps here"),
                "lint the services of this repository one at a time (`corslint services/api`), or exclude the \
                 generated Python code that costs the steps",
            ),
            Stop::ListSize => (
                format!("a list it computes grows beyond {MAX_LIST_ITEMS} items"),
                "write the allowed origins as one list, or as a pattern (`allow_origin_regex`)",
            ),
            Stop::Depth => (
                format!("its expressions and constants nest more than {} levels deep", super::syntax::MAX_DEPTH),
                "write the value with fewer levels of constants, calls or nested literals",
            ),
        };
        let finding = NotAnalysed {
            span: at,
            message: format!(
                "corslint stopped evaluating this statement: {what}, so the values it computes (CORS settings, \
                 origins, middleware, routes) are not analysed and the run cannot vouch for them"
            ),
            help: format!("{help}; or exclude this file explicitly"),
        };
        if why == Stop::Project {
            if !self.project_reported.replace(true) {
                self.ran_dry.borrow_mut().push(finding);
            }
        } else if !self.pending.borrow().iter().any(|p| p.span == at) {
            self.pending.borrow_mut().push(finding);
        }
    }

    /// How many stops so far (compare before and after computing a value).
    pub fn stops(&self) -> u64 {
        self.stops.get()
    }

    /// The current statement mattered (or is part of an app's facts): report its stops.
    pub fn keep_pending(&self) {
        for finding in self.pending.take() {
            if self.reported.borrow_mut().insert(finding.span) {
                self.ran_dry.borrow_mut().push(finding);
            }
        }
    }

    /// The current statement did nothing to an app or router: its stops leave no gap.
    pub fn drop_pending(&self) {
        self.pending.borrow_mut().clear();
    }

    /// Every stop reported, in the order found.
    pub fn into_findings(self) -> Vec<NotAnalysed> {
        self.ran_dry.into_inner()
    }
}

impl<'t> Ctx<'t> {
    /// One evaluation step.
    pub(super) fn burn(&self) -> bool {
        self.budget.spend(1, true)
    }

    /// Building a list of `items` items out of others (`A + B`, `[*A, x]`, `A.extend(B)`).
    pub(super) fn burn_items(&self, items: usize) -> bool {
        if items > MAX_LIST_ITEMS {
            self.budget.stop(Stop::ListSize);
            return false;
        }
        self.budget.spend(u64::try_from(items).unwrap_or(u64::MAX), false)
    }

    /// Evaluation nests deeper than it may.
    pub(super) fn too_deep(&self) {
        self.budget.stop(Stop::Depth);
    }

    /// A fresh tank for the statement (or app, or route) at `at`.
    pub fn refuel(&self, at: Span) {
        self.budget.left.set(STATEMENT_STEPS);
        self.budget.statement.set(Some(at));
    }

    /// A literal container adds its own size to the tank, once.
    pub(super) fn grant_literal(&self, file: usize, node: Node<'t>) {
        if self.budget.granted.borrow_mut().insert((file, node.id())) {
            let size = u64::try_from(node.named_child_count()).unwrap_or(0);
            self.budget.left.set(self.budget.left.get().saturating_add(size.saturating_mul(2)));
        }
    }
}

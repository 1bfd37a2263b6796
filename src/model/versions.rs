//! Which release of a framework an app runs, as far as its manifests say (`package.json`,
//! `requirements*.txt`, `pyproject.toml`, `Pipfile`, `setup.cfg`): some behaviour that decides a
//! verdict changed between majors (Express 5 refuses an unnamed `*` path at start-up; Flask-CORS 6
//! matches resource paths case-sensitively and tries literal paths first). Where nothing pins the
//! package, the newest release is described, and the message says so.

use crate::source::FileId;
use std::collections::HashMap;
use std::path::PathBuf;

/// A package whose major version changes what corslint reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Package {
    Express,
    FlaskCors,
}

impl Package {
    /// The distribution name as manifests write it (compared after PEP 503 normalisation for Python).
    pub fn name(self) -> &'static str {
        match self {
            Package::Express => "express",
            Package::FlaskCors => "flask-cors",
        }
    }

    /// How messages name a release line: `Express 5`.
    pub fn product(self) -> &'static str {
        match self {
            Package::Express => "Express",
            Package::FlaskCors => "Flask-CORS",
        }
    }

    /// The newest major release, described when nothing pins the package.
    pub fn newest_major(self) -> u64 {
        match self {
            Package::Express => 5,
            Package::FlaskCors => 6,
        }
    }
}

/// The major release of a package an app gets, and what says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    pub package: Package,
    /// The highest major the written range allows (a fresh install gets the newest matching release).
    pub major: u64,
    /// The manifest and the requirement as written; `None` when nothing pins the package.
    pub evidence: Option<PinEvidence>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinEvidence {
    /// The manifest, relative to the project root where it is inside it.
    pub manifest: PathBuf,
    /// The requirement as written: `^4.18.2`, `flask-cors==5.0.0`.
    pub requirement: String,
}

impl Pin {
    /// The newest release, for a package no manifest pins.
    pub fn newest(package: Package) -> Pin {
        Pin { package, major: package.newest_major(), evidence: None }
    }

    /// Which release's behaviour a message describes, and why: "Express 5 (`^5.1.0` in
    /// package.json)", "Express 5, the newest release (no manifest above this file pins `express`)".
    pub fn describe(&self) -> String {
        let product = self.package.product();
        match &self.evidence {
            Some(e) => format!("{product} {} (`{}` in {})", self.major, e.requirement, e.manifest.display()),
            None => format!(
                "{product} {}, the newest release (no manifest above this file pins `{}`)",
                self.major,
                self.package.name()
            ),
        }
    }
}

/// The pins the apps of the project were read with, by the file that declares the app.
#[derive(Clone, Debug, Default)]
pub struct Versions {
    pins: HashMap<(FileId, Package), Pin>,
}

impl Versions {
    pub fn insert(&mut self, file: FileId, pin: Pin) {
        self.pins.insert((file, pin.package), pin);
    }

    /// The pin of `package` for the app declared in `file`; the newest release when none was read.
    pub fn of(&self, file: FileId, package: Package) -> Pin {
        self.pins.get(&(file, package)).cloned().unwrap_or_else(|| Pin::newest(package))
    }
}

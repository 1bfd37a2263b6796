//! CORS903: something corslint was asked to lint, or found in the walk, was not analysed.
//!
//! Two sources: what a pipeline stage recorded in [`Project::not_analysed`] (a file skipped for
//! its size or encoding, a symlink out of the tree, an include budget hit) and the origin patterns
//! the pattern analysis gives up on (every other rule stays silent on those).

use crate::analysis::pattern::{Unanalyzable, analyze_pattern};
use crate::diagnostic::Severity;
use crate::model::{OriginKind, Project};
use crate::rules::origin_support::pattern_noun;
use crate::rules::{Rule, Sink};

pub struct NotAnalysed;

impl Rule for NotAnalysed {
    const CODE: &'static str = "CORS903";
    const NAME: &'static str = "not-analysed";
    const SEVERITY: Severity = Severity::Warning;

    fn check(project: &Project, sink: &mut Sink) {
        for skipped in &project.not_analysed {
            sink.report(skipped.span, skipped.message.clone()).primary("not analysed").help(skipped.help.clone());
        }
        for policy in &project.policies {
            for entry in &policy.origins.entries {
                let OriginKind::Pattern { pattern, semantics } = &entry.kind else { continue };
                let why = match analyze_pattern(pattern, *semantics).unanalyzable {
                    Some(Unanalyzable::TooLong { len }) => format!("it is {len} bytes long"),
                    Some(Unanalyzable::TooComplex) => {
                        "it nests more than 64 groups, or its repetitions multiply into more than the size corslint \
                         compiles (counts inside counts, such as `((a{0,1000}){0,1000})`)"
                            .to_owned()
                    }
                    // A pattern no engine accepts is the layer's own error, not a limit of corslint's.
                    Some(Unanalyzable::Invalid { .. }) | None => continue,
                };
                let noun = pattern_noun(*semantics);
                sink.report(
                    entry.span,
                    format!(
                        "this {noun} was not checked for attacker origins: {why}, beyond what corslint analyses, \
                         so the run cannot vouch for which origins it lets in"
                    ),
                )
                .primary("not analysed")
                .help("write the allowed origins as a list, or a shorter pattern such as `^https://(app|admin)\\.example\\.com$`");
            }
        }
    }
}

//! nginx: walks each main configuration's syntax tree, with its includes inlined where they
//! stand, and records block by block what the model needs. It decides nothing about
//! inheritance or CORS: the model applies nginx's rules.
//!
//! Includes are resolved by [`crate::parse::nginx::include::resolve`] across the nginx files the
//! pipeline found; a file reached from a main configuration is read in the including block, as
//! nginx reads it, and never again as a configuration of its own. Files outside that set
//! (`/etc/nginx/mime.types`) stay external.

use crate::model::nginx::{
    Access, AccessKind, AddHeader, Arg, BlockId, BlockKind, Condition, InheritMode, Map, MapEntry, MapKey,
    MoreClearHeaders, MoreHeader, MoreSetHeaders, NginxModel, Pass, PassModule, ProxySetHeader, Return, SetVar, Step,
    Upstream, UpstreamHeader,
};
use crate::model::{NotAnalysed, Project};
use crate::parse::Parsed;
use crate::parse::nginx::include::{self, IncludeSource, Root, Target};
use crate::parse::nginx::{self as syntax_tree, Config, Directive};
use crate::source::{FileId, Span, Spanned, TextRange};
use mounts::Mounts;
use refusals::Place;
use std::path::Path;

mod groups;
mod mounts;
mod refusals;

pub use groups::parse_whole;

/// Blocks nested deeper than this are not read (the parser keeps at most 200 levels; includes
/// add to the depth).
const MAX_DEPTH: usize = 256;

/// Directives read per main configuration at most: a file included from many places is read
/// once per place, as nginx does, so the work is bounded here. Real configurations stay far
/// below; files that include each other by glob reach it quickly, and each directive read costs
/// memory in the model and time in every rule.
const MAX_DIRECTIVES: usize = 100_000;

/// Directives read over all main configurations of a run at most (each main still reads at least
/// its own file): many mains that each include the same large tree must not multiply the work.
const MAX_TOTAL_DIRECTIVES: usize = 250_000;

/// Directives that produce the response content instead of the static file module.
const CONTENT_HANDLERS: [&str; 14] = [
    "try_files",
    "content_by_lua",
    "content_by_lua_block",
    "content_by_lua_file",
    "js_content",
    "perl",
    "echo",
    "stub_status",
    "memcached_pass",
    "empty_gif",
    "api",
    "njs_content",
    "error_page",
    "dav_methods",
];

/// One parsed nginx file of the project.
pub struct NginxFile<'a> {
    pub file: FileId,
    pub path: &'a Path,
    pub text: &'a str,
    pub tree: Tree<'a>,
}

impl NginxFile<'_> {
    /// Its syntax tree, until it has been dropped.
    fn config(&self) -> Option<&Config> {
        match &self.tree {
            Tree::Borrowed(config) => Some(config),
            Tree::Owned(config) => Some(config),
            Tree::Dropped => None,
        }
    }
}

/// A file's syntax tree during extraction: one the parse keeps (the language server reuses it, a
/// ConfigMap's lives in its YAML tree), or one extraction owns and drops once every main
/// configuration that reads it has been read. On a monorepo of nginx services the trees were a
/// third of the peak memory, all alive while the model grew.
pub enum Tree<'a> {
    Borrowed(&'a Config),
    Owned(Config),
    Dropped,
}

/// The project's nginx files as the include resolver sees them: discovery already gave every
/// nginx file of the repository, so the disk is never read; container paths map back through
/// the repository's mounts, and what is still not found may be found by its path suffix.
struct Source<'a> {
    files: &'a [NginxFile<'a>],
    mounts: &'a Mounts,
}

impl IncludeSource for Source<'_> {
    fn ids(&self) -> Vec<usize> {
        (0..self.files.len()).collect()
    }

    fn path(&self, id: usize) -> Option<&Path> {
        self.files.get(id).map(|f| f.path)
    }

    fn config(&self, id: usize) -> Option<&Config> {
        self.files.get(id).and_then(NginxFile::config)
    }

    fn load(&mut self, _path: &Path) -> Option<usize> {
        None
    }

    fn mapped(&self, container: &Path) -> Vec<std::path::PathBuf> {
        self.mounts.map(container)
    }

    fn container_dir(&self, id: usize) -> Option<std::path::PathBuf> {
        self.files.get(id).and_then(|f| self.mounts.container_dir(f.path))
    }

    fn by_suffix(&self) -> bool {
        true
    }
}

/// The nginx syntax trees of `parsed`, taken out (each leaves [`Parsed::Nothing`]) for [`extract`]
/// to drop as soon as it has read them.
pub fn take_trees(parsed: &mut [Parsed]) -> Vec<(FileId, Config)> {
    let mut taken = Vec::new();
    for (id, tree) in parsed.iter_mut().enumerate() {
        if matches!(tree, Parsed::Nginx(_))
            && let Parsed::Nginx(config) = std::mem::replace(tree, Parsed::Nothing)
        {
            taken.push((id, config));
        }
    }
    taken
}

/// Fills `project.nginx` from every parsed nginx file (those of `parsed`, and `owned`, the trees
/// [`take_trees`] took, dropped as soon as they are read), and adds the nginx CORS policies.
pub fn extract(project: &mut Project, parsed: &[Parsed], owned: Vec<(FileId, Config)>) {
    read(project, parsed, owned, None);
}

/// [`extract`] for a project whose only CORS layer is nginx, from the outlines of its trees
/// ([`Config::outline`]): main configurations that share no file cannot change each other's
/// findings, so they are read a group at a time (their files parsed whole again), `check` runs
/// over the project holding that group's model and policies, and trees, model and policies are
/// dropped before the next group is read. Afterwards `project.nginx` holds only the includes not
/// followed. On a monorepo of thousands of nginx services the trees, the model and its policies
/// were most of the peak memory.
pub fn extract_in_groups(
    project: &mut Project,
    parsed: &[Parsed],
    owned: Vec<(FileId, Config)>,
    check: &mut dyn FnMut(&Project),
) {
    read(project, parsed, owned, Some(check));
}

fn read(
    project: &mut Project,
    parsed: &[Parsed],
    owned: Vec<(FileId, Config)>,
    mut check: Option<&mut dyn FnMut(&Project)>,
) {
    let mut model = std::mem::take(&mut project.nginx);
    let mut cut_short = Vec::new();
    {
        let borrowed = parsed.iter().enumerate().filter_map(|(id, p)| match p {
            Parsed::Nginx(config) => Some((id, Tree::Borrowed(config))),
            _ => None,
        });
        let mut trees: Vec<(FileId, Tree<'_>)> =
            borrowed.chain(owned.into_iter().map(|(id, config)| (id, Tree::Owned(config)))).collect();
        trees.sort_by_key(|(id, _)| *id);
        let mut files: Vec<NginxFile<'_>> = trees
            .into_iter()
            .filter_map(|(id, tree)| {
                project.files.get(id).map(|f| NginxFile {
                    file: id,
                    path: f.path.as_path(),
                    text: f.text.as_str(),
                    tree,
                })
            })
            .collect();
        // ConfigMap entries: their ranges are already offsets in the YAML file.
        for (id, p) in parsed.iter().enumerate() {
            if let Parsed::Yaml(yaml) = p {
                files.extend(yaml.embedded_nginx.iter().map(|e| NginxFile {
                    file: id,
                    path: e.path.as_path(),
                    text: e.text.as_str(),
                    tree: Tree::Borrowed(&e.config),
                }));
            }
        }
        if files.is_empty() {
            project.nginx = model;
            return;
        }
        let paths: Vec<&Path> = files.iter().map(|f| f.path).collect();
        let mounts = Mounts::find(project, parsed, &paths);
        let resolution = include::resolve(&mut Source { files: &files, mounts: &mounts });
        if let Some((file, directive)) = resolution.cut_short
            && let Some(f) = files.get(file)
        {
            cut_short.push(NotAnalysed {
                span: directive.in_file(f.file),
                message: format!(
                    "the includes of the nginx configuration reach more files than corslint expands \
                     ({} globbed candidates and included files): from this `include` on, what they pull in is not \
                     analysed",
                    include::MAX_ENTRIES
                ),
                help: "include fewer files by glob, or exclude the files that include each other".into(),
            });
        }
        // The last main configuration that reads each file: its tree is dropped after that one.
        let mut last_reader = vec![0; files.len()];
        for (at, root) in resolution.roots.iter().enumerate() {
            for &file in &root.files {
                if let Some(last) = last_reader.get_mut(file) {
                    *last = at;
                }
            }
        }
        let groups = match check {
            Some(_) => groups::independent(resolution.roots.iter().map(|r| r.files.as_slice()), &last_reader),
            None => std::iter::once(0..resolution.roots.len()).collect(),
        };
        let mut total = MAX_TOTAL_DIRECTIVES;
        let mut released = 0;
        let mut unfollowed = Vec::new();
        for group in groups {
            let roots = resolution.roots.get(group.clone()).unwrap_or_default();
            if check.is_some() {
                groups::parse_whole_trees(project, roots, &mut files);
            }
            for (at, root) in group.zip(roots) {
                let own = files.get(root.main).and_then(NginxFile::config).map_or(0, |c| c.walk().count());
                let budget = MAX_DIRECTIVES.min(total.max(own));
                let first_block = model.blocks.len();
                let (_, read, stopped) = read_config(&mut model, &files, Some(root), root.main, budget);
                model.shrink_blocks_from(first_block);
                total = total.saturating_sub(read);
                if let (Some(stopped), Some(main)) = (stopped, files.get(root.main)) {
                    cut_short.push(NotAnalysed {
                        span: stopped,
                        message: format!(
                            "`{}` and the files it includes add up to more than {budget} directives, the most corslint \
                             reads for one configuration: from this directive on, nothing is analysed",
                            main.path.display()
                        ),
                        help: "split the configuration, or exclude the files that include each other by glob".into(),
                    });
                }
                let mut dropped = 0;
                for &file in &root.files {
                    if last_reader.get(file) == Some(&at)
                        && let Some(f) = files.get_mut(file)
                        && matches!(f.tree, Tree::Owned(_))
                    {
                        f.tree = Tree::Dropped;
                        dropped += 1;
                    }
                }
                released += dropped;
                if released >= RELEASE_EVERY {
                    released = 0;
                    return_freed_memory();
                }
            }
            if let Some(check) = check.as_mut() {
                let base = project.policies.len();
                finish(&mut model, &mut project.policies);
                project.nginx = std::mem::take(&mut model);
                check(project);
                project.policies.truncate(base);
                unfollowed.append(&mut project.nginx.unfollowed);
                project.nginx = NginxModel::default();
                return_freed_memory();
            }
        }
        model.unfollowed.append(&mut unfollowed);
    }
    project.not_analysed.extend(cut_short);
    if check.is_none() {
        finish(&mut model, &mut project.policies);
    }
    project.nginx = model;
}

/// What the model knows once every configuration is read: the duplicate `location`s nginx refuses,
/// and the CORS policies, added to `policies`.
fn finish(model: &mut NginxModel, policies: &mut Vec<crate::model::CorsPolicy>) {
    let duplicates = refusals::duplicate_locations(model);
    model.refusals.extend(duplicates);
    model.blocks.shrink_to_fit();
    policies.extend(model.cors_policies());
    policies.shrink_to_fit();
}

/// Trees dropped between two [`return_freed_memory`] calls.
const RELEASE_EVERY: usize = 128;

/// Hands the pages of dropped trees back to the system. The parser threads allocated them in
/// their own malloc arenas, which the model, built on this thread, never reuses: without this the
/// freed trees still count in the process's memory until it exits.
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Reads main configuration `files[main]` into `model` under a new [`BlockKind::File`] root,
/// following its includes through `root` (none: includes are not followed), reading at most
/// `budget` directives: the root block, how many were read, and the first directive left unread
/// when the budget ran out.
fn read_config(
    model: &mut NginxModel,
    files: &[NginxFile<'_>],
    root: Option<&Root>,
    main: usize,
    budget: usize,
) -> (BlockId, usize, Option<Span>) {
    let Some((main_file, config)) = files.get(main).and_then(|f| Some((f, f.config()?))) else {
        return (model.add_block(None, BlockKind::File, Span::new(0, 0, 0), Span::new(0, 0, 0)), 0, None);
    };
    let whole = Span::new(main_file.file, 0, main_file.text.len());
    let block = model.add_block(None, BlockKind::File, whole, Span::new(main_file.file, 0, 0));
    // Only a main configuration's top level is a known context; a snippet's could be any.
    let is_main = config.directives.iter().any(|d| d.name == "http" || d.name == "events");
    let top = if is_main { Place::Main } else { Place::Unknown };
    let mut extractor = Extractor { model, files, root, budget, stopped: None, top };
    extractor.level(main, block, &config.directives, 0);
    (block, budget - extractor.budget, extractor.stopped)
}

struct Extractor<'a, 'm> {
    model: &'m mut NginxModel,
    files: &'a [NginxFile<'a>],
    root: Option<&'a Root>,
    budget: usize,
    /// The first directive not read because the budget ran out.
    stopped: Option<Span>,
    /// Where the main file's top level is.
    top: Place,
}

/// Where the directives being read are written: the file (by its index among the nginx files).
#[derive(Clone, Copy)]
struct In<'a> {
    index: usize,
    file: FileId,
    text: &'a str,
}

impl In<'_> {
    fn span(&self, range: TextRange) -> Span {
        range.in_file(self.file)
    }

    fn arg(&self, a: &syntax_tree::Arg) -> Arg {
        let written = self.text.get(a.range.start..a.range.end).unwrap_or("");
        let text_start = if a.quoted {
            let inner = written.get(1..written.len().saturating_sub(1)).unwrap_or("");
            (inner == a.value).then_some(a.range.start + 1)
        } else {
            (written == a.value).then_some(a.range.start)
        };
        Arg::new(a.value.clone(), self.span(a.range), text_start)
    }

    fn args(&self, d: &Directive) -> Vec<Arg> {
        d.args.iter().map(|a| self.arg(a)).collect()
    }

    /// The directive's name token as an argument (map keys are written as directive names).
    fn name_arg(&self, d: &Directive) -> Arg {
        let written = self.text.get(d.name_range.start..d.name_range.end).unwrap_or("");
        let quoted = written.starts_with(['"', '\'']) && written.len() >= 2;
        let text_start = if quoted {
            (written.get(1..written.len() - 1) == Some(d.name.as_str())).then_some(d.name_range.start + 1)
        } else {
            (written == d.name).then_some(d.name_range.start)
        };
        Arg::new(d.name.clone(), self.span(d.name_range), text_start)
    }

    /// Name and arguments; for a block, everything before `{` (the `)` of an `if` included).
    fn head(&self, d: &Directive) -> Span {
        let args_end = d.args.last().map_or(d.name_range.end, |a| a.range.end);
        let end = match &d.block {
            Some(b) => {
                let before = self.text.get(d.name_range.start..b.range.start).unwrap_or("");
                (d.name_range.start + before.trim_end().len()).max(args_end)
            }
            None => args_end,
        };
        Span::new(self.file, d.name_range.start, end)
    }
}

impl<'a> Extractor<'a, '_> {
    fn child(&mut self, src: In<'a>, parent: BlockId, kind: BlockKind, d: &'a Directive, depth: usize) {
        let id = self.model.add_block(Some(parent), kind, src.span(d.range), src.head(d));
        self.directives(src, id, d.children(), depth + 1);
    }

    /// The top-level directives of nginx file `index`, read into `block`.
    fn level(&mut self, index: usize, block: BlockId, directives: &'a [Directive], depth: usize) {
        let Some(f) = self.files.get(index) else { return };
        let src = In { index, file: f.file, text: f.text };
        self.directives(src, block, directives, depth);
    }

    fn directives(&mut self, src: In<'a>, block: BlockId, directives: &'a [Directive], depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        for d in directives {
            if self.budget == 0 {
                self.stopped.get_or_insert(src.span(d.range));
                return;
            }
            self.budget -= 1;
            self.directive(src, block, d, depth);
        }
    }

    /// `include`: the files it reaches, read here, in this block. What it includes from outside
    /// the analysed files may define anything here: the block records it as unknown.
    fn include(&mut self, src: In<'a>, block: BlockId, d: &'a Directive, depth: usize) {
        let span = src.span(d.range);
        let Some(root) = self.root else {
            self.with(block, |b| b.rare_mut().unknown_includes.push(span));
            return;
        };
        let files = self.files;
        let targets = root.targets(src.index, d);
        let pattern = d.arg(0).unwrap_or("");
        for target in targets {
            match target {
                Target::File(t) => {
                    if let Some(config) = files.get(*t).and_then(NginxFile::config) {
                        self.level(*t, block, &config.directives, depth + 1);
                    }
                }
                // Closes an include loop: nginx refuses it; nothing new is read.
                Target::Cycle(_) => {}
                Target::Stock(_) => {}
                Target::External(path) | Target::OutsideTree(path) => {
                    self.with(block, |b| b.rare_mut().unknown_includes.push(span));
                    let why = if matches!(target, Target::OutsideTree(_)) {
                        "outside the linted tree"
                    } else {
                        "not among the linted files (nor found through a container mount or its path)"
                    };
                    self.model.note_unfollowed(
                        span,
                        format!("`include {pattern}`: {} is {why}; not followed", path.display()),
                    );
                }
            }
        }
    }

    fn directive(&mut self, src: In<'a>, block: BlockId, d: &'a Directive, depth: usize) {
        let span = src.span(d.range);
        if let Some(why) = refusals::refused(&d.name, d.block.is_some(), Place::of(self.model, block, self.top)) {
            self.model.refusals.push((src.span(d.name_range), why));
        }
        let args = src.args(d);
        let name = d.name.as_str();
        match name {
            "http" if d.block.is_some() => self.child(src, block, BlockKind::Http, d, depth),
            "server" if d.block.is_some() => self.child(src, block, BlockKind::Server { names: Vec::new() }, d, depth),
            "location" if d.block.is_some() => {
                let (modifier, uri) = match args.as_slice() {
                    [m, u, ..] => (Some(m.clone()), Some(u.clone())),
                    [u] => (None, Some(u.clone())),
                    [] => (None, None),
                };
                self.child(src, block, BlockKind::Location { modifier, uri }, d, depth);
            }
            "if" if d.block.is_some() => {
                let cond_span = match (d.args.first(), d.args.last()) {
                    (Some(a), Some(b)) => Span::new(src.file, a.range.start, b.range.end),
                    _ => src.head(d),
                };
                let condition = Condition::parse(&args, cond_span);
                self.child(src, block, BlockKind::If { condition }, d, depth);
            }
            "limit_except" if d.block.is_some() => {
                self.child(src, block, BlockKind::LimitExcept { methods: args }, d, depth)
            }
            "upstream" if d.block.is_some() => {
                let servers = d.children().iter().filter(|c| c.name == "server").filter_map(|c| c.args.first());
                let servers = servers.map(|a| src.arg(a)).collect();
                let name = args.first().map(|a| a.value.clone()).unwrap_or_default();
                self.model.upstreams.push(Upstream { name, servers, scope: block, span });
            }
            "map" if d.block.is_some() => self.map(src, block, d, &args),
            "include" => self.include(src, block, d, depth),
            "listen" => {
                let listen = crate::model::nginx::Listen::parse(&args, span);
                self.with(block, |b| b.listens.push(listen));
            }
            "server_name" => {
                if let Some(crate::model::nginx::Block { kind: BlockKind::Server { names }, .. }) =
                    self.model.block_mut(block)
                {
                    names.extend(args);
                }
            }
            "add_header" => {
                if let [name, value, rest @ ..] = args.as_slice() {
                    let always = rest.first().is_some_and(|a| a.value == "always");
                    let header = AddHeader { name: name.clone(), value: value.clone(), always, span };
                    self.with(block, |b| b.add_headers.push(header));
                }
            }
            "add_header_inherit" => {
                let mode = match args.first().map(|a| a.value.as_str()) {
                    Some("off") => Some(InheritMode::Off),
                    Some("merge") => Some(InheritMode::Merge),
                    Some("on") => Some(InheritMode::On),
                    _ => None,
                };
                if let Some(mode) = mode {
                    self.with(block, |b| b.rare_mut().add_header_inherit = Some(Spanned::new(mode, span)));
                }
            }
            "more_set_headers" | "more_clear_headers" => {
                let (statuses, types, values) = more_options(&args);
                if name == "more_set_headers" {
                    let headers = values.iter().map(MoreHeader::parse).collect();
                    let directive = MoreSetHeaders { headers, statuses, types, span };
                    self.with(block, |b| b.rare_mut().more_set_headers.push(directive));
                } else {
                    let names = values.iter().map(|v| MoreHeader::parse(v).name).collect();
                    let directive = MoreClearHeaders { names, statuses, types, span };
                    self.with(block, |b| b.rare_mut().more_clear_headers.push(directive));
                }
            }
            "proxy_set_header" => {
                if let [n, v, ..] = args.as_slice() {
                    let header = ProxySetHeader { name: n.clone(), value: v.clone(), span };
                    self.with(block, |b| b.proxy_set_headers.push(header));
                }
            }
            "set" => {
                if let [var, value, ..] = args.as_slice() {
                    let var = var.value.trim_start_matches('$').trim_matches(['{', '}']).to_ascii_lowercase();
                    let set = SetVar { var, value: value.clone(), span };
                    self.with(block, |b| b.steps.push(Step::Set(set)));
                }
            }
            "return" => {
                let status = match args.as_slice() {
                    [code, ..] if code.value.parse::<u16>().is_ok() => code.value.parse::<u16>().ok(),
                    [url] if !crate::model::nginx::syntax::has_variables(&url.value) || url.value.contains("://") => {
                        Some(302)
                    }
                    _ => None,
                };
                self.with(block, |b| b.steps.push(Step::Return(Return { status, span })));
            }
            "rewrite" => {
                let flag = args.get(2).map(|a| a.value.clone());
                self.with(block, |b| b.steps.push(Step::Rewrite { flag, span }));
            }
            "break" => self.with(block, |b| b.steps.push(Step::Break(span))),
            "auth_basic" | "auth_request" | "auth_jwt" | "allow" | "deny" => {
                let kind = match name {
                    "auth_basic" => AccessKind::AuthBasic,
                    "auth_request" => AccessKind::AuthRequest,
                    "auth_jwt" => AccessKind::AuthJwt,
                    "allow" => AccessKind::Allow,
                    _ => AccessKind::Deny,
                };
                if let Some(arg) = args.first() {
                    let access = Access { kind, arg: arg.clone(), span };
                    self.with(block, |b| b.rare_mut().access.push(access));
                }
            }
            "satisfy" => {
                let any = args.first().is_some_and(|a| a.value == "any");
                self.with(block, |b| b.rare_mut().satisfy_any = Some(Spanned::new(any, span)));
            }
            _ if CONTENT_HANDLERS.contains(&name) => self.with(block, |b| b.rare_mut().other_content = Some(span)),
            _ => self.module_directive(block, d, &args, span),
        }
    }

    /// `*_pass`, `*_hide_header`, `*_pass_header` of the proxy, FastCGI, uwsgi, SCGI and gRPC
    /// modules.
    fn module_directive(&mut self, block: BlockId, d: &Directive, args: &[Arg], span: Span) {
        let Some(module) = PassModule::of_directive(&d.name) else { return };
        let suffix = d.name.get(module.prefix().len()..).unwrap_or("");
        let Some(first) = args.first() else { return };
        match suffix {
            "_pass" => {
                let pass = Pass { module, target: first.clone(), span };
                self.with(block, |b| b.pass = Some(pass));
            }
            "_hide_header" => {
                let h = UpstreamHeader { module, name: first.clone(), span };
                self.with(block, |b| b.rare_mut().hide_headers.push(h));
            }
            "_pass_header" => {
                let h = UpstreamHeader { module, name: first.clone(), span };
                self.with(block, |b| b.rare_mut().pass_headers.push(h));
            }
            _ => {}
        }
    }

    fn map(&mut self, src: In<'a>, block: BlockId, d: &Directive, args: &[Arg]) {
        let var = |a: Option<&Arg>| a.and_then(|a| crate::model::nginx::syntax::single_variable(&a.value));
        let (source, target) = (var(args.first()), var(args.get(1)));
        let Some(target) = target else { return };
        let mut map = Map {
            incomplete: source.is_none(),
            source: source.unwrap_or_default(),
            target,
            entries: Vec::new(),
            default: None,
            scope: block,
            span: src.span(d.range),
        };
        for entry in d.children() {
            let value = entry.args.first().map(|a| src.arg(a));
            match (entry.name.as_str(), value) {
                ("hostnames" | "volatile", None) => {}
                ("include", _) => map.incomplete = true,
                ("default", Some(v)) => map.default = Some(v),
                (_, Some(value)) => {
                    let key = MapKey::parse(&src.name_arg(entry));
                    map.entries.push(MapEntry { key, value, span: src.span(entry.range) });
                }
                (_, None) => map.incomplete = true,
            }
        }
        self.model.add_map(map);
    }

    fn with(&mut self, block: BlockId, f: impl FnOnce(&mut crate::model::nginx::Block)) {
        if let Some(b) = self.model.block_mut(block) {
            f(b);
        }
    }
}

type MoreOptions = (Option<Vec<u16>>, Option<Vec<String>>, Vec<Arg>);

/// Splits headers-more arguments into `-s` statuses, `-t` types and the header arguments.
fn more_options(args: &[Arg]) -> MoreOptions {
    let mut statuses: Option<Vec<u16>> = None;
    let mut types: Option<Vec<String>> = None;
    let mut values = Vec::new();
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        match a.value.as_str() {
            "-s" => {
                if let Some(v) = iter.next() {
                    statuses
                        .get_or_insert_with(Vec::new)
                        .extend(v.value.split_whitespace().filter_map(|s| s.parse::<u16>().ok()));
                }
            }
            "-t" => {
                if let Some(v) = iter.next() {
                    types.get_or_insert_with(Vec::new).extend(v.value.split_whitespace().map(str::to_string));
                }
            }
            _ => values.push(a.clone()),
        }
    }
    (statuses, types, values)
}

/// Test helpers: a project with one nginx file, extracted and with its policies.
#[cfg(test)]
pub mod testing {
    use crate::model::Project;
    use crate::parse::Parsed;
    use crate::source::{FileKind, SourceFile};

    pub fn project(text: &str) -> Project {
        let mut project = Project::default();
        project.files.push(SourceFile::new("test.conf".into(), FileKind::Nginx, text.to_string()));
        let parsed = vec![Parsed::Nginx(crate::parse::nginx::parse(text))];
        super::extract(&mut project, &parsed, Vec::new());
        project
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Project;
    use crate::parse::Parsed;
    use crate::source::{FileKind, SourceFile};

    /// Two main configurations that include one snippet, and one alone: extraction that drops
    /// each tree after its last reader builds the same model as extraction that borrows them.
    #[test]
    fn dropping_trees_after_their_last_reader_changes_nothing() {
        let files = [
            ("svc/a.conf", "http {\n  server {\n    location / {\n      include cors.inc;\n    }\n  }\n}\n"),
            (
                "svc/cors.inc",
                "add_header Access-Control-Allow-Origin $http_origin;\nadd_header Access-Control-Allow-Credentials true;\n",
            ),
            (
                "svc/b.conf",
                "http {\n  map $http_origin $ok { default \"\"; }\n  server {\n    include cors.inc;\n  }\n}\n",
            ),
            ("other/c.conf", "http {\n  server {\n    add_header Access-Control-Allow-Origin *;\n  }\n}\n"),
        ];
        let extract = |release: bool| {
            let mut project = Project::default();
            let mut parsed = Vec::new();
            for (path, text) in files {
                project.files.push(SourceFile::new(path.into(), FileKind::Nginx, text.to_string()));
                parsed.push(Parsed::Nginx(crate::parse::nginx::parse(text)));
            }
            if release {
                crate::extract::extract_releasing(&mut project, &mut parsed);
                assert!(parsed.iter().all(|p| matches!(p, Parsed::Nothing)), "the trees were taken");
            } else {
                crate::extract::extract(&mut project, &parsed);
            }
            project
        };
        let (kept, released) = (extract(false), extract(true));
        assert_eq!(
            kept.nginx.blocks.len(),
            10,
            "the snippet is read in both including blocks: {:#?}",
            kept.nginx.blocks
        );
        assert_eq!(kept.nginx, released.nginx);
        assert_eq!(format!("{:?}", kept.policies), format!("{:?}", released.policies));
    }
}

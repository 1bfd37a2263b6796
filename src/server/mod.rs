//! `corslint server`: a language server over stdio (`lsp-server` + `lsp-types`, the synchronous
//! pair ruff uses). Diagnostics are published on open, on change (debounced) and on save, computed
//! over the whole project the document belongs to with every open buffer in place of its file;
//! parses of unchanged files are reused. Safe fixes are offered as quick fixes.

mod convert;
mod diagnostics;

pub use convert::{Encoding, path_of, uri_of};

use crate::lint::{self, Options, ParseCache};
use crate::project::Roots;
use diagnostics::Published;
use lsp_server::{Connection, ExtractError, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument, Notification as _,
    PublishDiagnostics, ShowMessage,
};
use lsp_types::request::CodeActionRequest;
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionProviderCapability, InitializeParams,
    InitializeResult, MessageType, PublishDiagnosticsParams, SaveOptions, ServerCapabilities, ServerInfo,
    ShowMessageParams, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Url,
};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long typing must pause before a changed buffer is linted again.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Runs the server on stdin/stdout until the client says `exit`.
pub fn run_stdio() -> Result<(), Error> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io_threads.join()?;
    Ok(())
}

/// The protocol, over any connection (the tests use an in-memory one).
pub fn serve(connection: &Connection) -> Result<(), Error> {
    let (id, params) = connection.initialize_start()?;
    let params: InitializeParams = serde_json::from_value(params)?;
    let encoding =
        Encoding::negotiate(params.capabilities.general.as_ref().and_then(|g| g.position_encodings.as_deref()));
    let result = InitializeResult {
        capabilities: ServerCapabilities {
            position_encoding: Some(encoding.kind()),
            text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions { include_text: Some(false) })),
                ..TextDocumentSyncOptions::default()
            })),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                ..CodeActionOptions::default()
            })),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo { name: "corslint".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
    };
    connection.initialize_finish(id, serde_json::to_value(result)?)?;
    Server::new(encoding).run(connection)
}

/// An open document: the editor's text, which wins over the file on disk.
#[derive(Debug)]
struct Document {
    uri: Url,
    version: i32,
    text: String,
}

struct Server {
    encoding: Encoding,
    documents: HashMap<PathBuf, Document>,
    roots: Roots,
    /// Per project root, the parses of the last run.
    caches: HashMap<PathBuf, ParseCache>,
    /// What was published per document, for code actions.
    published: HashMap<PathBuf, Vec<Published>>,
    /// Projects with a change not yet linted, and when to lint them.
    dirty: BTreeSet<PathBuf>,
    deadline: Option<Instant>,
}

impl Server {
    fn new(encoding: Encoding) -> Self {
        Server {
            encoding,
            documents: HashMap::new(),
            roots: Roots::default(),
            caches: HashMap::new(),
            published: HashMap::new(),
            dirty: BTreeSet::new(),
            deadline: None,
        }
    }

    fn run(mut self, connection: &Connection) -> Result<(), Error> {
        loop {
            let message = match self.deadline {
                Some(deadline) => {
                    match connection.receiver.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                        Ok(message) => Some(message),
                        Err(crossbeam_channel::RecvTimeoutError::Timeout) => None,
                        Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return Ok(()),
                    }
                }
                None => match connection.receiver.recv() {
                    Ok(message) => Some(message),
                    Err(_) => return Ok(()),
                },
            };
            match message {
                None => {
                    self.deadline = None;
                    let dirty = std::mem::take(&mut self.dirty);
                    for root in dirty {
                        self.lint_project(connection, &root)?;
                    }
                }
                Some(Message::Request(request)) => {
                    if connection.handle_shutdown(&request)? {
                        return Ok(());
                    }
                    self.request(connection, request)?;
                }
                Some(Message::Notification(notification)) => {
                    if notification.method == "exit" {
                        return Ok(());
                    }
                    self.notification(connection, notification)?;
                }
                Some(Message::Response(_)) => {}
            }
        }
    }

    fn request(&mut self, connection: &Connection, request: Request) -> Result<(), Error> {
        let response = match cast_request::<CodeActionRequest>(request) {
            Ok((id, params)) => {
                let path = path_of(&params.text_document.uri);
                let actions: Vec<CodeActionOrCommand> = path
                    .and_then(|p| self.published.get(&p))
                    .into_iter()
                    .flatten()
                    .filter(|p| convert::touches(&p.diagnostic.range, &params.range))
                    .filter_map(|p| p.fix.clone().map(CodeActionOrCommand::CodeAction))
                    .collect();
                Response::new_ok(id, actions)
            }
            Err(ExtractError::MethodMismatch(request)) => Response::new_err(
                request.id,
                lsp_server::ErrorCode::MethodNotFound as i32,
                format!("corslint does not answer {}", request.method),
            ),
            Err(ExtractError::JsonError { method, error }) => {
                return Err(format!("malformed {method} request: {error}").into());
            }
        };
        connection.sender.send(Message::Response(response))?;
        Ok(())
    }

    fn notification(&mut self, connection: &Connection, notification: Notification) -> Result<(), Error> {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let params: lsp_types::DidOpenTextDocumentParams = serde_json::from_value(notification.params)?;
                let document = params.text_document;
                let Some(path) = path_of(&document.uri) else { return Ok(()) };
                let root = self.root_of(&path);
                self.documents
                    .insert(path, Document { uri: document.uri, version: document.version, text: document.text });
                self.lint_project(connection, &root)?;
            }
            DidChangeTextDocument::METHOD => {
                let params: lsp_types::DidChangeTextDocumentParams = serde_json::from_value(notification.params)?;
                let Some(path) = path_of(&params.text_document.uri) else { return Ok(()) };
                // Full sync: the last change holds the whole text.
                let Some(change) = params.content_changes.into_iter().last() else { return Ok(()) };
                let root = self.root_of(&path);
                if let Some(document) = self.documents.get_mut(&path) {
                    document.text = change.text;
                    document.version = params.text_document.version;
                }
                self.dirty.insert(root);
                self.deadline = Some(Instant::now() + DEBOUNCE);
            }
            DidSaveTextDocument::METHOD => {
                let params: lsp_types::DidSaveTextDocumentParams = serde_json::from_value(notification.params)?;
                let Some(path) = path_of(&params.text_document.uri) else { return Ok(()) };
                let root = self.root_of(&path);
                self.dirty.remove(&root);
                self.lint_project(connection, &root)?;
            }
            DidCloseTextDocument::METHOD => {
                let params: lsp_types::DidCloseTextDocumentParams = serde_json::from_value(notification.params)?;
                let Some(path) = path_of(&params.text_document.uri) else { return Ok(()) };
                if let Some(document) = self.documents.remove(&path) {
                    self.published.remove(&path);
                    publish(connection, document.uri, Vec::new(), None)?;
                    // The file on disk now stands where the buffer stood.
                    let root = self.root_of(&path);
                    self.lint_project(connection, &root)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn root_of(&mut self, path: &std::path::Path) -> PathBuf {
        self.roots
            .of(path)
            .or_else(|| path.parent().map(std::path::Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("/"))
    }

    /// Lints the project at `root` with every open buffer under it, and publishes the diagnostics
    /// of each of those documents.
    fn lint_project(&mut self, connection: &Connection, root: &std::path::Path) -> Result<(), Error> {
        let open: Vec<PathBuf> = self
            .documents
            .keys()
            .filter(|p| p.starts_with(root) && crate::discover::classify_by_name(p).is_some())
            .cloned()
            .collect();
        if open.is_empty() {
            return Ok(());
        }
        let overlays = open.iter().filter_map(|p| Some((p.clone(), self.documents.get(p)?.text.clone()))).collect();
        let options = Options { paths: vec![root.to_path_buf()], overlays, ..Options::default() };
        let cache = self.caches.entry(root.to_path_buf()).or_insert_with(ParseCache::keeping);
        let outcome = match lint::lint_cached(&options, cache) {
            Ok(outcome) => outcome,
            Err(e) => {
                let params = ShowMessageParams { typ: MessageType::ERROR, message: format!("corslint: {e}") };
                connection.sender.send(Message::Notification(Notification::new(ShowMessage::METHOD.into(), params)))?;
                return Ok(());
            }
        };
        for path in open {
            let Some(document) = self.documents.get(&path) else { continue };
            let published = diagnostics::for_file(&outcome, &path, self.encoding);
            let lsp = published.iter().map(|p| p.diagnostic.clone()).collect();
            publish(connection, document.uri.clone(), lsp, Some(document.version))?;
            self.published.insert(path, published);
        }
        Ok(())
    }
}

fn publish(
    connection: &Connection,
    uri: Url,
    diagnostics: Vec<lsp_types::Diagnostic>,
    version: Option<i32>,
) -> Result<(), Error> {
    let params = PublishDiagnosticsParams { uri, diagnostics, version };
    connection.sender.send(Message::Notification(Notification::new(PublishDiagnostics::METHOD.into(), params)))?;
    Ok(())
}

fn cast_request<R: lsp_types::request::Request>(
    request: Request,
) -> Result<(RequestId, R::Params), ExtractError<Request>>
where
    R::Params: serde::de::DeserializeOwned,
{
    request.extract(R::METHOD)
}

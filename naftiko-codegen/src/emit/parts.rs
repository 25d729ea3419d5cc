//! Generated files are formatted in parts, on every available core: each part is emitted, parsed and printed on its
//! own, and a file is the text of its parts end to end.
//!
//! That gives the bytes of printing the whole file at once because prettyplease prints an item, or a member of a
//! module or impl block, the same wherever it stands: it starts on a line of its own at its block's indentation and
//! ends with a hard line break, and nothing before or after it changes how it breaks. A run of members is printed
//! inside a stand-in block of the same kind (`mod m { … }`, `impl T { … }`) whose first and last lines are dropped;
//! the real block is printed with its first run of members and without its closing line, which follows the last run.
//!
//! Which thread prints a part changes nothing: every part's text depends on the part alone, and the parts are put
//! together in file order.

use std::num::NonZero;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::quote;

/// How many members of a block, or items of a list, are emitted and printed together by default.
pub(crate) const CHUNK: usize = 16;

/// How a part's tokens are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Whole items (at the start of a file, with the file's inner attributes).
    Items,
    /// A block item with its first run of members, printed without its closing line.
    Open,
    /// A run of members of a block of this kind.
    Members(Block),
    /// The closing line of a block (no tokens).
    Close,
}

/// The kinds of block whose members may be printed in runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Block {
    /// `mod m { … }`: the members are items.
    Mod,
    /// `impl T { … }`: the members are associated items.
    Impl,
}

impl Block {
    /// The stand-in block a run of members is printed in, and the first line it prints as.
    fn stand_in(self, members: TokenStream) -> (TokenStream, &'static str) {
        let body = TokenTree::Group(Group::new(Delimiter::Brace, members));
        match self {
            Block::Mod => (quote!(mod m #body), "mod m {\n"),
            Block::Impl => (quote!(impl T #body), "impl T {\n"),
        }
    }
}

type Emit<'a> = Box<dyn Fn() -> TokenStream + Send + Sync + 'a>;

struct Part<'a> {
    kind: Kind,
    emit: Emit<'a>,
}

/// The parts of one generated file, in order.
pub(crate) struct Parts<'a> {
    chunk: usize,
    parts: Vec<Part<'a>>,
}

const CLOSE: &str = "}\n";

impl<'a> Parts<'a> {
    /// No parts yet; lists are split in runs of `chunk` (at least one).
    pub(crate) fn new(chunk: usize) -> Self {
        Parts {
            chunk: chunk.max(1),
            parts: Vec::new(),
        }
    }

    /// Whole items; in the first part of a file, they may start with the file's inner attributes.
    pub(crate) fn items(&mut self, emit: impl Fn() -> TokenStream + Send + Sync + 'a) {
        self.parts.push(Part {
            kind: Kind::Items,
            emit: Box::new(emit),
        });
    }

    /// The items `item` emits for each element of `list`, in runs.
    pub(crate) fn items_of<E: Copy + Send + Sync + 'a>(
        &mut self,
        list: impl IntoIterator<Item = E>,
        item: impl Fn(E) -> TokenStream + Copy + Send + Sync + 'a,
    ) {
        let list: Vec<E> = list.into_iter().collect();
        for run in list.chunks(self.chunk) {
            let run = run.to_vec();
            self.items(move || run.iter().copied().map(item).collect());
        }
    }

    /// A block item (a module or an impl block) with a member for each element of `list`. `open` emits the block
    /// around the members it is given; `member` emits the member of one element.
    pub(crate) fn block<E: Copy + Send + Sync + 'a>(
        &mut self,
        block: Block,
        list: impl IntoIterator<Item = E>,
        open: impl Fn(TokenStream) -> TokenStream + Send + Sync + 'a,
        member: impl Fn(E) -> TokenStream + Copy + Send + Sync + 'a,
    ) {
        let list: Vec<E> = list.into_iter().collect();
        let mut runs = list.chunks(self.chunk).map(<[E]>::to_vec);
        let first = runs.next().unwrap_or_default();
        let emit_open = move || open(first.iter().copied().map(member).collect());
        if runs.len() == 0 {
            self.items(emit_open);
            return;
        }
        self.parts.push(Part {
            kind: Kind::Open,
            emit: Box::new(emit_open),
        });
        for run in runs {
            self.parts.push(Part {
                kind: Kind::Members(block),
                emit: Box::new(move || run.iter().copied().map(member).collect()),
            });
        }
        self.parts.push(Part {
            kind: Kind::Close,
            emit: Box::new(TokenStream::new),
        });
    }
}

/// Parses and prints tokens as a file. A failure here is a bug in an emitter, reported rather than panicked on.
pub(crate) fn pretty(tokens: TokenStream) -> Result<String, String> {
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| format!("internal error: emitted code does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

/// Emits and prints one part.
fn print(part: &Part<'_>) -> Result<String, String> {
    let unexpected = |what: &str| format!("internal error: a printed {what} is not as expected");
    match part.kind {
        Kind::Items => pretty((part.emit)()),
        Kind::Open => {
            let mut text = pretty((part.emit)())?;
            if !text.ends_with(CLOSE) {
                return Err(unexpected("block"));
            }
            text.truncate(text.len() - CLOSE.len());
            Ok(text)
        }
        Kind::Members(block) => {
            let (tokens, first_line) = block.stand_in((part.emit)());
            let text = pretty(tokens)?;
            text.strip_prefix(first_line)
                .and_then(|t| t.strip_suffix(CLOSE))
                .map(str::to_owned)
                .ok_or_else(|| unexpected("run of members"))
        }
        Kind::Close => Ok(CLOSE.to_owned()),
    }
}

/// The number of threads to print on by default: one per available core.
pub(crate) fn default_threads() -> usize {
    thread::available_parallelism().map_or(1, NonZero::get)
}

/// Emits and prints the parts of `files` on up to `threads` threads (the calling thread among them); the text of
/// each file, in order. When parts fail, the error is that of the first failing part in file order.
pub(crate) fn print_files<'p, 'a: 'p>(
    files: impl IntoIterator<Item = &'p Parts<'a>>,
    threads: usize,
) -> Result<Vec<String>, String> {
    let files: Vec<&Parts<'a>> = files.into_iter().collect();
    let parts: Vec<&Part<'a>> = files.iter().flat_map(|f| &f.parts).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(part) = parts.get(i) else {
                return done;
            };
            done.push((i, print(part)));
        }
    };
    let threads = threads.clamp(1, parts.len().max(1));
    let done = thread::scope(|s| {
        // A thread that cannot be started leaves its share to the others.
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| thread::Builder::new().spawn_scoped(s, work).ok())
            .collect();
        let mut done = work();
        let mut panicked = false;
        // Every helper is joined, so that none is left for the scope to report.
        for h in helpers {
            match h.join() {
                Ok(d) => done.extend(d),
                Err(_) => panicked = true,
            }
        }
        if panicked {
            return Err("internal error: a formatting thread panicked".to_owned());
        }
        Ok(done)
    })?;

    let mut texts: Vec<Option<Result<String, String>>> = parts.iter().map(|_| None).collect();
    for (i, text) in done {
        if let Some(slot) = texts.get_mut(i) {
            *slot = Some(text);
        }
    }
    let mut texts = texts.into_iter();
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let mut file = String::new();
        for text in texts.by_ref().take(f.parts.len()) {
            file.push_str(&text.ok_or("internal error: a part was not printed")??);
        }
        out.push(file);
    }
    Ok(out)
}

impl Parts<'_> {
    /// The tokens of the whole file: those of every part, which must all be whole items, as they are when no list
    /// is longer than a run (`Parts::new(usize::MAX)`).
    pub(crate) fn tokens(&self) -> Result<TokenStream, String> {
        let mut tokens = TokenStream::new();
        for part in &self.parts {
            if part.kind != Kind::Items {
                return Err(format!(
                    "internal error: a {:?} part cannot be emitted with the others",
                    part.kind
                ));
            }
            tokens.extend((part.emit)());
        }
        Ok(tokens)
    }

    /// The file printed at once, from [`Parts::tokens`].
    #[cfg(test)]
    pub(crate) fn print_whole(&self) -> Result<String, String> {
        pretty(self.tokens()?)
    }
}

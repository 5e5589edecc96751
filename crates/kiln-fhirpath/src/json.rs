//! FHIR JSON documents as a flat tape of nodes, parsed once and navigated by index.
//!
//! A [`Document`] owns the source text and a `Vec` of [`Node`]s in document
//! order (pre-order: a container is followed by its descendants). Strings and
//! numbers are ranges into the source — numbers keep their exact text, so the
//! decimal `1.50` keeps its two digits — and only strings with escapes are
//! decoded, into a side buffer. Object keys are ranges too. Each node knows
//! the index one past its subtree (`end`), so siblings are reached without a
//! pointer per child, and its parent, so `%resource` and `resolve()` can walk
//! up.
//!
//! The parser follows RFC 8259 strictly (no trailing commas, comments, NaN,
//! lone surrogates or control characters in strings) and never panics or
//! recurses without bound: nesting deeper than [`MAX_DEPTH`] is an error. A
//! document is limited to 4 GiB of text and 2^32 nodes.

use crate::reach::{PIdx, Projection};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// Deepest container nesting accepted (FHIR resources nest a few dozen levels).
pub const MAX_DEPTH: u32 = 256;

/// Projected documents with at least this many nodes (32 KB of tape, the
/// size of an L1 data cache) are warmed before evaluation ([`Document::warm`]).
pub const WARM_MIN_NODES: usize = 1024;

/// Sentinel index meaning "no node".
pub const NONE: u32 = u32::MAX;

/// The JSON kind of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    /// `null`
    Null,
    /// `false`
    False,
    /// `true`
    True,
    /// A number; its exact text is kept.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

const FLAG_KEY_DECODED: u8 = 1;
const FLAG_STR_DECODED: u8 = 2;
/// Marks a slot of `Document::nodes` that holds a [`Member`] index entry.
const FLAG_MEMBER_SLOT: u8 = 4;
/// Marks a raw object (see [`Document::is_raw`]): `val_off` and `members`
/// hold its JSON text range, `val_len` (the child count) is 0.
const FLAG_RAW: u8 = 8;

/// One JSON value on the tape (32 bytes).
#[derive(Clone, Copy, Debug)]
pub struct Node {
    kind: Kind,
    flags: u8,
    /// Key text range (in `src`, or in `decoded` when `FLAG_KEY_DECODED`); `key_len == NONE` when the node is not an object member.
    key_off: u32,
    key_len: u32,
    /// String/number: text range. Array/object: `val_len` is the child count.
    val_off: u32,
    val_len: u32,
    /// Index one past the last node of this subtree.
    end: u32,
    /// Index of the containing array/object, `NONE` for the root.
    parent: u32,
    /// Objects: index of their first member-index slot (`val_len` of them, in `nodes`).
    members: u32,
}

// `Document::warm` reads one field of every second node: one load per 64-byte line.
const _: () = assert!(std::mem::size_of::<Node>() == 32);

/// One entry of an object's member index: the key's first sixteen bytes
/// (zero-padded), its length and the member's node (24 bytes). An object's
/// entries are contiguous, so a key lookup scans a few sequential cache lines
/// and reads the key text only for keys longer than sixteen bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Member {
    prefix: KeyPrefix,
    len: u32,
    node: u32,
}

impl Member {
    /// The member as a node slot (stored in `Document::nodes`, never visited as a node).
    fn to_slot(self) -> Node {
        Node {
            kind: Kind::Null,
            flags: FLAG_MEMBER_SLOT,
            key_off: self.prefix[0] as u32,
            key_len: (self.prefix[0] >> 32) as u32,
            val_off: self.prefix[1] as u32,
            val_len: (self.prefix[1] >> 32) as u32,
            end: self.len,
            parent: self.node,
            members: 0,
        }
    }

    #[inline]
    fn from_slot(n: &Node) -> Member {
        Member {
            prefix: [
                u64::from(n.key_off) | (u64::from(n.key_len) << 32),
                u64::from(n.val_off) | (u64::from(n.val_len) << 32),
            ],
            len: n.end,
            node: n.parent,
        }
    }
}

/// The first sixteen bytes of a key, zero-padded, as two words.
type KeyPrefix = [u64; 2];

/// Keys up to this many bytes are compared by prefix alone.
const PREFIX_BYTES: u32 = 16;

/// The prefix of `key` (see [`KeyPrefix`]).
#[inline]
fn key_prefix(key: &[u8]) -> KeyPrefix {
    let mut bytes = [0u8; 16];
    let n = key.len().min(16);
    bytes[..n].copy_from_slice(&key[..n]);
    let (lo, hi) = bytes.split_at(8);
    [
        u64::from_le_bytes(lo.try_into().unwrap_or_default()),
        u64::from_le_bytes(hi.try_into().unwrap_or_default()),
    ]
}

/// A member key prepared for repeated lookups ([`Document::get_probe`],
/// [`Document::get_with_extension_probe`]): its 16-byte prefix, the prefix
/// of its `_key` sibling and its length, computed once (at compile time for
/// a navigation site) instead of on every lookup. Built by [`KeyProbe::new`];
/// lookups take the key text too, for keys longer than sixteen bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyProbe {
    prefix: KeyPrefix,
    ext_prefix: KeyPrefix,
    len: u32,
    /// `key_bit` of the key and of `_key`.
    bits: u64,
}

/// One bit (of 64) standing for a member key, from its 16-byte prefix and
/// length: the root object's keys are summarised as the OR of theirs
/// (`Document::root_keys`), so a probe for a key whose bit is clear skips the
/// scan. Names that are absent from the root are common: `T.x` branches of a
/// union where the root is not a `T` look for a member named `T`.
const fn key_bit(prefix: KeyPrefix, len: u32) -> u64 {
    let h =
        (prefix[0] ^ prefix[1].rotate_left(29) ^ len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    1u64 << (h >> 58)
}

impl KeyProbe {
    /// The probe for `key` (usable in constants).
    pub const fn new(key: &str) -> KeyProbe {
        let k = key.as_bytes();
        let mut prefix = [0u64; 2];
        let mut i = 0;
        while i < k.len() && i < 16 {
            prefix[i / 8] |= (k[i] as u64) << (8 * (i % 8));
            i += 1;
        }
        // `_key`'s prefix: '_' then the key's first fifteen bytes.
        let ext_prefix = [
            (prefix[0] << 8) | b'_' as u64,
            (prefix[1] << 8) | (prefix[0] >> 56),
        ];
        let len = k.len() as u32;
        KeyProbe {
            prefix,
            ext_prefix,
            len,
            bits: key_bit(prefix, len) | key_bit(ext_prefix, len + 1),
        }
    }
}

/// An error in JSON text: what was wrong and the byte offset where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// What is wrong, e.g. `expected ':' after object key`.
    pub message: String,
    /// Byte offset into the text.
    pub offset: usize,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JSON at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for JsonError {}

/// A parsed JSON document (typically one FHIR resource or Bundle).
///
/// Immutable once parsed; `Send + Sync`, so one document may be evaluated by
/// several threads.
#[derive(Default)]
#[repr(C)] // the fields an evaluation reads first share one cache line
pub struct Document {
    /// Nodes in pre-order; each object's member index entries (see
    /// [`Member`]) are stored as extra slots at the end of its own subtree.
    nodes: Vec<Node>,
    src: String,
    /// A value derived from the root and cached by its first user (the root's
    /// model type, see [`Document::cached_root`]); 0 when unset.
    root_cache: AtomicU64,
    /// A 64-bit filter of the root object's member keys (one bit per key,
    /// [`key_bit`]); 0 when unknown, which filters nothing.
    root_keys: u64,
    /// Parsed with a projection ([`Document::reparse_projected`]): the nodes
    /// hold only what some expression can reach (see [`Document::warm`]).
    projected: bool,
    decoded: String,
    /// Scratch for the parser (kept to reuse its allocation).
    pending: Vec<Member>,
}

/// The compacted source text of `nodes` (see [`Document::compact`]): each
/// distinct member key once, then the texts of strings, numbers and raw
/// values, in node order; rewrites the nodes' offsets to point into it.
fn compact_text(nodes: &mut [Node], old: &str) -> String {
    let mut src = String::with_capacity(old.len().min(64 + nodes.len() * 12));
    let mut keys: rustc_hash::FxHashMap<&str, u32> = rustc_hash::FxHashMap::default();
    let copy = |src: &mut String, off: u32, len: u32| -> u32 {
        let at = src.len() as u32;
        src.push_str(&old[off as usize..(off + len) as usize]);
        at
    };
    for node in nodes {
        if node.flags & FLAG_MEMBER_SLOT != 0 {
            continue;
        }
        if node.key_len != NONE && node.flags & FLAG_KEY_DECODED == 0 {
            let key = &old[node.key_off as usize..(node.key_off + node.key_len) as usize];
            node.key_off = match keys.get(key) {
                Some(&at) => at,
                None => {
                    let at = copy(&mut src, node.key_off, node.key_len);
                    keys.insert(key, at);
                    at
                }
            };
        }
        if node.flags & FLAG_RAW != 0 {
            node.val_off = copy(&mut src, node.val_off, node.members);
            continue;
        }
        let text_value = match node.kind {
            Kind::String => node.flags & FLAG_STR_DECODED == 0,
            Kind::Number => true,
            _ => false,
        };
        if text_value {
            node.val_off = copy(&mut src, node.val_off, node.val_len);
        }
    }
    src
}

impl Clone for Document {
    fn clone(&self) -> Self {
        Document {
            src: self.src.clone(),
            nodes: self.nodes.clone(),
            decoded: self.decoded.clone(),
            pending: Vec::new(),
            root_cache: AtomicU64::new(self.root_cache.load(Ordering::Relaxed)),
            root_keys: self.root_keys,
            projected: self.projected,
        }
    }
}

/// Index of a node within its [`Document`].
pub type NodeId = u32;

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Document({} bytes, {} nodes)",
            self.src.len(),
            self.nodes.len()
        )
    }
}

impl Document {
    /// Parses `text` (one JSON value, surrounding whitespace allowed).
    ///
    /// # Errors
    /// [`JsonError`] with the byte offset of the first problem.
    pub fn parse(text: impl Into<String>) -> Result<Document, JsonError> {
        let mut doc = Document::default();
        doc.reparse(text.into())?;
        Ok(doc)
    }

    /// Parses `text` into `self`, reusing the node and buffer allocations of
    /// a previous document (streaming many resources through one `Document`).
    ///
    /// # Errors
    /// As [`Document::parse`]; `self` is then empty.
    pub fn reparse(&mut self, text: String) -> Result<(), JsonError> {
        self.reparse_with(text, None)
    }

    /// Parses `text` into `self`, building nodes only for what `projection`
    /// keeps (see [`crate::reach`]): members no path of the expression can
    /// reach are skipped, not built. Skipped values are checked for string
    /// and bracket structure only — their scalars are not validated.
    ///
    /// # Errors
    /// As [`Document::parse`], for the parts that are read; `self` is then empty.
    pub fn reparse_projected(
        &mut self,
        text: String,
        projection: &Projection,
    ) -> Result<(), JsonError> {
        if projection.is_everything() {
            self.reparse_with(text, None)
        } else {
            self.reparse_with(text, Some(projection))
        }
    }

    /// Like [`Document::reparse_projected`], copying `text` into the
    /// document's own buffer (no allocation once the buffer is large enough).
    ///
    /// # Errors
    /// As [`Document::parse`].
    pub fn reparse_str(&mut self, text: &str, projection: &Projection) -> Result<(), JsonError> {
        let mut src = std::mem::take(&mut self.src);
        src.clear();
        src.push_str(text);
        self.reparse_projected(src, projection)
    }

    /// Like [`Document::reparse_str`] for raw bytes (an NDJSON line as read):
    /// validates them as UTF-8 with `simdutf8`'s vectorised check, copies them
    /// into the document's own buffer and parses.
    ///
    /// # Errors
    /// "invalid UTF-8" at the offset of the first bad byte; otherwise as
    /// [`Document::parse`].
    pub fn reparse_bytes(
        &mut self,
        bytes: &[u8],
        projection: &Projection,
    ) -> Result<(), JsonError> {
        let text = match simdutf8::compat::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                self.nodes.clear();
                return Err(JsonError {
                    message: "invalid UTF-8".into(),
                    offset: e.valid_up_to(),
                });
            }
        };
        self.reparse_str(text, projection)
    }

    fn reparse_with(
        &mut self,
        text: String,
        projection: Option<&Projection>,
    ) -> Result<(), JsonError> {
        self.src = text;
        *self.root_cache.get_mut() = 0;
        self.root_keys = 0;
        self.projected = projection.is_some();
        self.nodes.clear();
        self.decoded.clear();
        self.pending.clear();
        if self.src.len() >= NONE as usize {
            return Err(JsonError {
                message: "document larger than 4 GiB".into(),
                offset: 0,
            });
        }
        let mut p = Parser {
            src: self.src.as_bytes(),
            text: &self.src,
            pos: 0,
            nodes: &mut self.nodes,
            decoded: &mut self.decoded,
            pending: &mut self.pending,
            projection,
        };
        let result = p.parse_document();
        if result.is_err() {
            self.nodes.clear();
        } else {
            self.root_keys = self.member_filter(0);
        }
        result
    }

    /// The member index entries of object node `node` (see [`Member`]).
    /// `get`: a raw object's `members` holds its text length and it has no
    /// slots, so the range is checked rather than indexed.
    #[inline(always)]
    fn member_slots<'d>(&'d self, node: &Node) -> impl Iterator<Item = Member> + 'd {
        let start = node.members as usize;
        self.nodes
            .get(start..start + node.val_len as usize)
            .unwrap_or_default()
            .iter()
            .map(Member::from_slot)
    }

    /// The [`key_bit`]s of object `n`'s member keys (0 for other nodes).
    fn member_filter(&self, n: NodeId) -> u64 {
        let Some(node) = self.nodes.get(n as usize) else {
            return 0;
        };
        if node.kind != Kind::Object {
            return 0;
        }
        self.member_slots(node)
            .fold(0, |bits, m| bits | key_bit(m.prefix, m.len))
    }

    /// Shrinks a parsed document for keeping in memory: the source text is
    /// replaced by just the bytes its nodes refer to (member keys, each
    /// distinct key once, and the texts of strings and numbers), and spare
    /// capacity is released. A projected document (see
    /// [`Document::reparse_projected`]) of a Patient drops from its ~4 KB of
    /// JSON text to the few hundred bytes its expression can reach, so many
    /// documents held at once stay in the CPU caches.
    ///
    /// Afterwards [`Document::text`] returns the compacted bytes and
    /// [`Document::source_span`] is meaningless; every other accessor answers
    /// as before. Re-parsing into the document restores it. Costs one pass
    /// over the nodes and a copy of the kept bytes.
    pub fn compact(&mut self) {
        let old = std::mem::take(&mut self.src);
        let mut src = compact_text(&mut self.nodes, &old);
        src.shrink_to_fit();
        self.src = src;
        self.nodes.shrink_to_fit();
        self.decoded.shrink_to_fit();
        self.pending = Vec::new();
    }

    /// A compacted copy of this document (see [`Document::compact`]) in
    /// fresh, exactly sized buffers, leaving `self` as it is.
    ///
    /// For holding many documents: parse each into one reused scratch
    /// document and keep `scratch.compacted()`. The copies' buffers are then
    /// allocated one after another, with no freed parse buffers between them,
    /// so documents held in input order lie in address order and a pass over
    /// them streams through memory. (Compacting in place frees each
    /// document's parse buffers among the kept ones; on 14,547 held
    /// Observations that scattering made `Observation | Observation.component`
    /// about 1.5x slower than over uncompacted documents.)
    ///
    /// The copy's nodes are also laid out for reading: each object's member
    /// index follows the object's own node instead of its subtree
    /// ([`Document::slots_first`]), so looking up a member of a cold object
    /// waits for one cache miss, not two.
    pub fn compacted(&self) -> Document {
        let mut nodes = self.slots_first();
        let mut src = compact_text(&mut nodes, &self.src);
        src.shrink_to_fit();
        Document {
            nodes,
            src,
            decoded: self.decoded.clone(),
            pending: Vec::new(),
            root_cache: AtomicU64::new(self.root_cache.load(Ordering::Relaxed)),
            root_keys: self.root_keys,
            projected: self.projected,
        }
    }

    /// The nodes in pre-order with every object's member index slots
    /// immediately after the object's own node, before its children
    /// (`members == n + 1`; [`Document::children`] then starts after the
    /// slots). The parser can only append an object's slots once it is
    /// closed, at the end of its subtree; there, a member lookup in a cold
    /// document reads the object node, then a cache line up to a subtree
    /// away for the slots, one dependent miss after the other. Here the
    /// slots share the object's line or the next one.
    fn slots_first(&self) -> Vec<Node> {
        let mut out = Vec::with_capacity(self.nodes.len());
        if !self.nodes.is_empty() {
            let mut remap = vec![NONE; self.nodes.len()];
            self.copy_slots_first(0, NONE, &mut out, &mut remap);
        }
        out
    }

    /// Appends the subtree of `n` to `out` in the [`Document::slots_first`]
    /// layout, under new parent `parent`; `remap` maps old node ids to new.
    /// Recursion is bounded by [`MAX_DEPTH`].
    fn copy_slots_first(&self, n: NodeId, parent: u32, out: &mut Vec<Node>, remap: &mut [u32]) {
        let mut node = self.nodes[n as usize];
        let at = out.len() as u32;
        remap[n as usize] = at;
        node.parent = parent;
        out.push(node);
        let indexed = node.kind == Kind::Object && node.flags & FLAG_RAW == 0 && node.val_len > 0;
        let slots = out.len();
        if indexed {
            let start = node.members as usize;
            out.extend_from_slice(&self.nodes[start..start + node.val_len as usize]);
        }
        for c in self.children(n) {
            self.copy_slots_first(c, at, out, remap);
        }
        if indexed {
            for slot in &mut out[slots..slots + node.val_len as usize] {
                // A slot's `parent` field holds its member's node (`Member::from_slot`).
                slot.parent = remap[slot.parent as usize];
            }
            out[at as usize].members = slots as u32;
        }
        out[at as usize].end = out.len() as u32;
    }

    /// A 32-bit value derived from this document and cached for as long as its
    /// text is unchanged: returns the value cached under `key` (non-zero, e.g.
    /// a model version), or computes, caches and returns `compute()`. Used to
    /// type the root once per document instead of once per evaluation.
    pub fn cached_root(&self, key: u32, compute: impl FnOnce() -> u32) -> u32 {
        let cached = self.root_cache.load(Ordering::Relaxed);
        if cached >> 32 == u64::from(key) && key != 0 {
            return cached as u32;
        }
        let v = compute();
        self.root_cache
            .store((u64::from(key) << 32) | u64::from(v), Ordering::Relaxed);
        v
    }

    /// The source text.
    pub fn text(&self) -> &str {
        &self.src
    }

    /// The root node (index 0). Only valid on a successfully parsed document.
    pub fn root(&self) -> NodeId {
        0
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when the document was parsed with a projection (not the whole
    /// text): every node is something an expression can reach.
    pub fn is_projected(&self) -> bool {
        self.projected
    }

    /// Brings the document's nodes and text into the CPU caches with one
    /// sequential pass of independent loads (one per 64-byte line), ahead of
    /// an evaluation that walks them.
    ///
    /// Why: an evaluation reads the tape in pointer-chasing order (object →
    /// member index → member → …), so on a document that is not in cache
    /// every step waits for its own miss. The loads here do not depend on
    /// each other, so the CPU overlaps dozens of misses and the hardware
    /// prefetcher streams the rest. Measured on the 107 Synthea Bundles held
    /// as projected documents (~3,850 nodes, 136 KB each) with the bundle
    /// row's expression: 72 → 30 µs per bundle (`eval_loop`, see
    /// ARCHITECTURE.md "Warming large documents"). Cost when already cached:
    /// about 0.3 ns per line (1 µs for such a bundle).
    ///
    /// [`crate::Expression::evaluate`] calls it for projected documents of at
    /// least [`WARM_MIN_NODES`] nodes; a whole (unprojected) document may be
    /// far larger than what one expression reads, so it is never warmed
    /// automatically.
    pub fn warm(&self) {
        // Nodes are 32 bytes: every second node's `end` is one load per line.
        let mut acc = 0u32;
        for n in self.nodes.iter().step_by(2) {
            acc ^= n.end;
        }
        for &b in self.src.as_bytes().iter().step_by(64) {
            acc ^= u32::from(b);
        }
        std::hint::black_box(acc);
    }

    /// True for a document with no nodes (never after a successful parse).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    #[inline]
    fn node(&self, n: NodeId) -> &Node {
        &self.nodes[n as usize]
    }

    /// The JSON kind of `n`.
    #[inline]
    pub fn kind(&self, n: NodeId) -> Kind {
        self.node(n).kind
    }

    /// The object key under which `n` appears, if it is an object member.
    #[inline]
    pub fn key(&self, n: NodeId) -> Option<&str> {
        let node = self.node(n);
        if node.key_len == NONE {
            return None;
        }
        let (off, len) = (node.key_off as usize, node.key_len as usize);
        Some(if node.flags & FLAG_KEY_DECODED != 0 {
            &self.decoded[off..off + len]
        } else {
            &self.src[off..off + len]
        })
    }

    /// The text of a string node with its first sixteen bytes as two
    /// little-endian words, zero-padded past the end (the layout of
    /// [`KeyProbe`] prefixes): read straight from the source, so a lookup
    /// keyed by the prefix needs no copy. `None` for other kinds.
    #[inline]
    pub fn str_with_prefix(&self, n: NodeId) -> Option<(&str, [u64; 2])> {
        let node = self.node(n);
        if node.kind != Kind::String {
            return None;
        }
        let (off, len) = (node.val_off as usize, node.val_len as usize);
        let src = self.src.as_bytes();
        if node.flags & FLAG_STR_DECODED != 0 || off + 16 > src.len() {
            let s = self.str(n)?;
            return Some((s, key_prefix(s.as_bytes())));
        }
        let word = |at: usize, keep: usize| {
            let w = u64::from_le_bytes(src[at..at + 8].try_into().unwrap_or_default());
            match keep {
                0 => 0,
                1..=7 => w & ((1u64 << (8 * keep)) - 1),
                _ => w,
            }
        };
        let prefix = [word(off, len), word(off + 8, len.saturating_sub(8))];
        Some((&self.src[off..off + len], prefix))
    }

    /// The decoded text of a string node (`None` for other kinds).
    #[inline]
    pub fn str(&self, n: NodeId) -> Option<&str> {
        let node = self.node(n);
        if node.kind != Kind::String {
            return None;
        }
        let (off, len) = (node.val_off as usize, node.val_len as usize);
        Some(if node.flags & FLAG_STR_DECODED != 0 {
            &self.decoded[off..off + len]
        } else {
            &self.src[off..off + len]
        })
    }

    /// The exact source text of a number node (`None` for other kinds).
    #[inline]
    pub fn number_text(&self, n: NodeId) -> Option<&str> {
        let node = self.node(n);
        (node.kind == Kind::Number)
            .then(|| &self.src[node.val_off as usize..(node.val_off + node.val_len) as usize])
    }

    /// The boolean value of a `true`/`false` node.
    #[inline]
    pub fn bool(&self, n: NodeId) -> Option<bool> {
        match self.node(n).kind {
            Kind::True => Some(true),
            Kind::False => Some(false),
            _ => None,
        }
    }

    /// Number of children of an array or object (0 for scalars).
    #[inline]
    pub fn child_count(&self, n: NodeId) -> u32 {
        let node = self.node(n);
        match node.kind {
            Kind::Array | Kind::Object => node.val_len,
            _ => 0,
        }
    }

    /// The containing array or object, `None` for the root.
    #[inline]
    pub fn parent(&self, n: NodeId) -> Option<NodeId> {
        let p = self.node(n).parent;
        (p != NONE).then_some(p)
    }

    /// The children of an array (elements) or object (member values), in order.
    #[inline]
    pub fn children(&self, n: NodeId) -> Children<'_> {
        let node = self.node(n);
        let (next, left) = match node.kind {
            Kind::Array => (n + 1, node.val_len),
            // Slots first (`Document::slots_first`): the children follow them.
            // Parsed objects with members keep their slots after the
            // children, so `members > n + 1` there.
            Kind::Object if node.members == n + 1 => (n + 1 + node.val_len, node.val_len),
            Kind::Object => (n + 1, node.val_len),
            _ => (n + 1, 0),
        };
        Children {
            doc: self,
            next,
            left,
        }
    }

    /// The value of member `key` of object `n` (the first, if repeated).
    #[inline]
    pub fn get(&self, n: NodeId, key: &str) -> Option<NodeId> {
        self.get_probe(n, key, &KeyProbe::new(key))
    }

    /// [`Document::get`] with the key's probe prepared by the caller
    /// (`probe` must be `KeyProbe::new(key)`).
    #[inline]
    pub fn get_probe(&self, n: NodeId, key: &str, probe: &KeyProbe) -> Option<NodeId> {
        let node = self.node(n);
        if node.kind != Kind::Object {
            return None;
        }
        self.member_slots(node)
            .find(|m| {
                m.prefix == probe.prefix
                    && m.len == probe.len
                    && (probe.len <= PREFIX_BYTES || self.key(m.node) == Some(key))
            })
            .map(|m| m.node)
    }

    /// The members `key` and `_key` of object `n` in one scan: the value node
    /// and the primitive-extension node (FHIR JSON's `_name` siblings), each
    /// `NONE` when absent.
    pub fn get_with_extension(&self, n: NodeId, key: &str) -> (NodeId, NodeId) {
        self.get_with_extension_probe(n, key, &KeyProbe::new(key))
    }

    /// [`Document::get_with_extension`] with the key's probe prepared by the
    /// caller (`probe` must be `KeyProbe::new(key)`).
    #[inline(always)]
    pub fn get_with_extension_probe(
        &self,
        n: NodeId,
        key: &str,
        probe: &KeyProbe,
    ) -> (NodeId, NodeId) {
        let node = self.node(n);
        if node.kind != Kind::Object
            || (n == 0 && self.root_keys != 0 && self.root_keys & probe.bits == 0)
        {
            return (NONE, NONE);
        }
        let len = probe.len;
        let mut value = NONE;
        let mut ext = NONE;
        for m in self.member_slots(node) {
            if m.len == len
                && m.prefix == probe.prefix
                && (len <= PREFIX_BYTES || self.key(m.node) == Some(key))
            {
                value = m.node;
            } else if m.len == len + 1
                && m.prefix == probe.ext_prefix
                && (len < PREFIX_BYTES || self.key(m.node).is_some_and(|x| &x[1..] == key))
            {
                ext = m.node;
            }
        }
        (value, ext)
    }

    /// The `i`-th element of array `n`.
    pub fn index(&self, n: NodeId, i: usize) -> Option<NodeId> {
        if self.node(n).kind != Kind::Array {
            return None;
        }
        self.children(n).nth(i)
    }

    /// Index one past the subtree of `n` (the next sibling's index, if any).
    #[inline]
    pub fn subtree_end(&self, n: NodeId) -> NodeId {
        self.node(n).end
    }

    /// The position of `n` among its parent's children (0-based).
    pub fn position(&self, n: NodeId) -> usize {
        match self.parent(n) {
            Some(p) => self.children(p).position(|c| c == n).unwrap_or(0),
            None => 0,
        }
    }

    /// True when `n` is a raw object: a returned element kept as its JSON
    /// text, without child nodes, by a projection that never navigates into
    /// it ([`crate::reach::Projection::is_raw`]). Its [`Document::children`]
    /// and member lookups are empty; [`Document::write_json`] prints its text
    /// exactly as it would print the built subtree.
    #[inline]
    pub fn is_raw(&self, n: NodeId) -> bool {
        self.node(n).flags & FLAG_RAW != 0
    }

    /// The JSON text of a raw object (see [`Document::is_raw`]), as read.
    pub fn raw_text(&self, n: NodeId) -> Option<&str> {
        let node = self.node(n);
        (node.flags & FLAG_RAW != 0)
            .then(|| {
                self.src
                    .get(node.val_off as usize..(node.val_off + node.members) as usize)
            })
            .flatten()
    }

    /// Byte range of the source text of node `n` (its value, not its key).
    pub fn source_span(&self, n: NodeId) -> (usize, usize) {
        let node = self.node(n);
        if node.flags & FLAG_RAW != 0 {
            return (
                node.val_off as usize,
                (node.val_off + node.members) as usize,
            );
        }
        match node.kind {
            Kind::String if node.flags & FLAG_STR_DECODED == 0 => (
                node.val_off as usize - 1,
                (node.val_off + node.val_len) as usize + 1,
            ),
            _ => (
                node.val_off as usize,
                (node.val_off + node.val_len) as usize,
            ),
        }
    }

    /// Writes node `n` as compact JSON (strings re-escaped, numbers as written).
    pub fn write_json(&self, n: NodeId, out: &mut String) {
        if let Some(raw) = self.raw_text(n) {
            write_raw_json(raw, out);
            return;
        }
        match self.kind(n) {
            Kind::Null => out.push_str("null"),
            Kind::False => out.push_str("false"),
            Kind::True => out.push_str("true"),
            Kind::Number => out.push_str(self.number_text(n).unwrap_or("0")),
            Kind::String => write_json_string(self.str(n).unwrap_or(""), out),
            Kind::Array => {
                out.push('[');
                for (i, c) in self.children(n).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.write_json(c, out);
                }
                out.push(']');
            }
            Kind::Object => {
                out.push('{');
                for (i, c) in self.children(n).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(self.key(c).unwrap_or(""), out);
                    out.push(':');
                    self.write_json(c, out);
                }
                out.push('}');
            }
        }
    }
}

/// Writes the JSON text of a raw object (already validated when it was read)
/// as [`Document::write_json`] writes a built subtree: no whitespace between
/// tokens, numbers as written, strings decoded and re-escaped by
/// [`write_json_string`] (a string without a backslash is copied as is: it
/// holds no character that function would escape).
fn write_raw_json(raw: &str, out: &mut String) {
    let s = raw.as_bytes();
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b' ' | b'\n' | b'\r' | b'\t' => i += 1,
            b'"' => {
                let close = scan_plain(s, i + 1);
                if s.get(close) == Some(&b'"') {
                    out.push_str(&raw[i..=close]);
                    i = close + 1;
                    continue;
                }
                // Escapes: decode with the parser, re-escape as write_json does.
                let (mut nodes, mut decoded, mut pending) = (Vec::new(), String::new(), Vec::new());
                let mut p = Parser {
                    src: s,
                    text: raw,
                    pos: i,
                    nodes: &mut nodes,
                    decoded: &mut decoded,
                    pending: &mut pending,
                    projection: None,
                };
                match p.parse_string() {
                    Ok((off, len, was_decoded)) => {
                        let end = p.pos;
                        let text = if was_decoded {
                            &decoded[off as usize..(off + len) as usize]
                        } else {
                            &raw[off as usize..(off + len) as usize]
                        };
                        write_json_string(text, out);
                        i = end;
                    }
                    Err(_) => {
                        // Unreachable for validated text; never loop.
                        out.push_str(&raw[i..]);
                        return;
                    }
                }
            }
            _ => {
                // Structural bytes and scalar runs up to the next string or space.
                let start = i;
                while i < s.len() && !matches!(s[i], b'"' | b' ' | b'\n' | b'\r' | b'\t') {
                    i += 1;
                }
                out.push_str(&raw[start..i]);
            }
        }
    }
}

/// Writes `s` as a JSON string literal (RFC 8259 escaping).
pub fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0x08 => Some("\\b"),
            0x0c => Some("\\f"),
            0..=0x1f => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Iterator over the children of an array or object node.
#[derive(Clone)]
pub struct Children<'d> {
    doc: &'d Document,
    next: NodeId,
    left: u32,
}

impl Iterator for Children<'_> {
    type Item = NodeId;
    #[inline]
    fn next(&mut self) -> Option<NodeId> {
        if self.left == 0 {
            return None;
        }
        let n = self.next;
        self.left -= 1;
        self.next = self.doc.nodes[n as usize].end;
        Some(n)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl ExactSizeIterator for Children<'_> {}

struct Parser<'a> {
    src: &'a [u8],
    /// `src` as text (it is valid UTF-8).
    text: &'a str,
    pos: usize,
    nodes: &'a mut Vec<Node>,
    decoded: &'a mut String,
    /// Member entries of the objects still open (innermost last).
    pending: &'a mut Vec<Member>,
    /// What to build; `None` builds everything.
    projection: Option<&'a Projection>,
}

/// Projection position meaning "build everything below".
const ALL: PIdx = u32::MAX;
/// Projection position meaning "keep objects here raw" ([`Document::is_raw`]).
const RAW: PIdx = u32::MAX - 1;

impl Parser<'_> {
    fn err<T>(&self, message: impl Into<String>) -> Result<T, JsonError> {
        Err(JsonError {
            message: message.into(),
            offset: self.pos,
        })
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(&b) = self.src.get(self.pos) {
            if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn parse_document(&mut self) -> Result<(), JsonError> {
        self.skip_ws();
        let p = if self.projection.is_some() {
            Projection::ROOT
        } else {
            ALL
        };
        self.parse_value(NONE, 0, NONE, 0, 0, p)?;
        self.skip_ws();
        if self.pos < self.src.len() {
            return self.err("unexpected text after the JSON value");
        }
        Ok(())
    }

    fn push(&mut self, node: Node) -> Result<u32, JsonError> {
        let idx = self.nodes.len();
        if idx >= NONE as usize - 1 {
            return self.err("too many JSON values");
        }
        self.nodes.push(node);
        Ok(idx as u32)
    }

    /// Parses one value at `self.pos` (whitespace already skipped).
    fn parse_value(
        &mut self,
        parent: u32,
        key_off: u32,
        key_len: u32,
        flags: u8,
        depth: u32,
        proj: PIdx,
    ) -> Result<(), JsonError> {
        let Some(&b) = self.src.get(self.pos) else {
            return self.err("expected a JSON value, found end of input");
        };
        let mut node = Node {
            kind: Kind::Null,
            flags,
            key_off,
            key_len,
            val_off: self.pos as u32,
            val_len: 0,
            end: 0,
            parent,
            members: 0,
        };
        match b {
            b'{' | b'[' => {
                if depth >= MAX_DEPTH {
                    return self.err(format!("nesting deeper than {MAX_DEPTH} levels"));
                }
                node.kind = if b == b'{' { Kind::Object } else { Kind::Array };
                if proj == RAW && b == b'{' {
                    return self.parse_raw_object(node, depth);
                }
                let idx = self.push(node)?;
                self.pos += 1;
                let count = if b == b'{' {
                    self.parse_members(idx, depth, proj)?
                } else {
                    self.parse_elements(idx, depth, proj)?
                };
                let end = self.nodes.len() as u32;
                let n = &mut self.nodes[idx as usize];
                n.val_len = count;
                n.end = end;
                return Ok(());
            }
            b'"' => {
                let (off, len, decoded) = self.parse_string()?;
                node.kind = Kind::String;
                node.val_off = off;
                node.val_len = len;
                if decoded {
                    node.flags |= FLAG_STR_DECODED;
                }
            }
            b't' => {
                self.literal(b"true")?;
                node.kind = Kind::True;
                node.val_len = 4;
            }
            b'f' => {
                self.literal(b"false")?;
                node.kind = Kind::False;
                node.val_len = 5;
            }
            b'n' => {
                self.literal(b"null")?;
                node.kind = Kind::Null;
                node.val_len = 4;
            }
            b'-' | b'0'..=b'9' => {
                let start = self.pos;
                self.parse_number()?;
                node.kind = Kind::Number;
                node.val_len = (self.pos - start) as u32;
            }
            _ => return self.err(format!("expected a JSON value, found {}", describe(b))),
        }
        let idx = self.push(node)?;
        self.nodes[idx as usize].end = idx + 1;
        Ok(())
    }

    /// Reads an object to keep raw: parsed in full (so it is validated
    /// exactly as a built one), then its subtree is dropped and the object's
    /// node keeps its text range.
    fn parse_raw_object(&mut self, mut node: Node, depth: u32) -> Result<(), JsonError> {
        let (idx, decoded, start) = (self.nodes.len(), self.decoded.len(), self.pos);
        node.kind = Kind::Object;
        self.parse_value(
            node.parent,
            node.key_off,
            node.key_len,
            node.flags,
            depth,
            ALL,
        )?;
        self.nodes.truncate(idx + 1);
        self.decoded.truncate(decoded);
        let n = &mut self.nodes[idx];
        n.flags |= FLAG_RAW;
        n.val_off = start as u32;
        n.val_len = 0;
        n.members = (self.pos - start) as u32;
        n.end = idx as u32 + 1;
        Ok(())
    }

    fn parse_members(&mut self, obj: u32, depth: u32, proj: PIdx) -> Result<u32, JsonError> {
        let mut count = 0u32;
        self.skip_ws();
        if self.src.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            self.nodes[obj as usize].members = self.nodes.len() as u32;
            return Ok(0);
        }
        let base = self.pending.len();
        loop {
            self.skip_ws();
            if self.src.get(self.pos) != Some(&b'"') {
                return self.err("expected a string key in object");
            }
            let (koff, klen, kdecoded) = self.parse_string()?;
            self.skip_ws();
            if self.src.get(self.pos) != Some(&b':') {
                return self.err("expected ':' after object key");
            }
            self.pos += 1;
            self.skip_ws();
            let flags = if kdecoded { FLAG_KEY_DECODED } else { 0 };
            let child = match self.projection {
                Some(projection) if proj != ALL && proj != RAW => {
                    let key = if kdecoded {
                        &self.decoded.as_bytes()[koff as usize..(koff + klen) as usize]
                    } else {
                        &self.src[koff as usize..(koff + klen) as usize]
                    };
                    if key == b"resourceType" {
                        Some(ALL)
                    } else {
                        projection.child_for_key(proj, key).map(|c| {
                            if projection.is_raw(c) {
                                RAW
                            } else if projection.is_full(c) {
                                ALL
                            } else {
                                c
                            }
                        })
                    }
                }
                _ => Some(ALL),
            };
            match child {
                Some(c) => {
                    let node = self.nodes.len() as u32;
                    let key = if kdecoded {
                        &self.decoded.as_bytes()[koff as usize..(koff + klen) as usize]
                    } else {
                        &self.src[koff as usize..(koff + klen) as usize]
                    };
                    self.pending.push(Member {
                        prefix: key_prefix(key),
                        len: klen,
                        node,
                    });
                    self.parse_value(obj, koff, klen, flags, depth + 1, c)?;
                    count += 1;
                }
                None => self.skip_value(depth + 1)?,
            }
            self.skip_ws();
            match self.src.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    // The object's members go to the index contiguously.
                    // The object's member index goes to the end of its subtree.
                    self.nodes[obj as usize].members = self.nodes.len() as u32;
                    for i in base..self.pending.len() {
                        let slot = self.pending[i].to_slot();
                        self.nodes.push(slot);
                    }
                    self.pending.truncate(base);
                    return Ok(count);
                }
                _ => return self.err("expected ',' or '}' in object"),
            }
        }
    }

    fn parse_elements(&mut self, arr: u32, depth: u32, proj: PIdx) -> Result<u32, JsonError> {
        let mut count = 0u32;
        self.skip_ws();
        if self.src.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(0);
        }
        loop {
            self.skip_ws();
            self.parse_value(arr, 0, NONE, 0, depth + 1, proj)?;
            count += 1;
            self.skip_ws();
            match self.src.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(count);
                }
                _ => return self.err("expected ',' or ']' in array"),
            }
        }
    }

    /// Skips one value without building nodes: strings are scanned (escapes
    /// checked), containers are matched bracket for bracket; scalars inside
    /// skipped containers are not validated.
    fn skip_value(&mut self, depth: u32) -> Result<(), JsonError> {
        match self.src.get(self.pos) {
            Some(b'"') => self.skip_string(),
            Some(b'{' | b'[') => self.skip_container(depth),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.parse_number(),
            Some(&b) => self.err(format!("expected a JSON value, found {}", describe(b))),
            None => self.err("expected a JSON value, found end of input"),
        }
    }

    /// Skips a string (at its opening quote).
    fn skip_string(&mut self) -> Result<(), JsonError> {
        let s = self.src;
        let start = self.pos + 1;
        let mut i = start;
        loop {
            i = scan_plain(s, i);
            match s.get(i) {
                None => {
                    self.pos = start;
                    return self.err("unterminated string");
                }
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(());
                }
                Some(b'\\') => match s.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                    Some(b'u')
                        if s.get(i + 2..i + 6)
                            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
                    {
                        i += 6
                    }
                    _ => {
                        self.pos = i + 1;
                        return self.err("invalid escape in string");
                    }
                },
                Some(_) => {
                    self.pos = i;
                    return self.err("control character in string");
                }
            }
        }
    }

    /// Skips an array or object (at its opening bracket), matching brackets:
    /// 64 bytes at a time ([`skip_container_blocks`]), or, for anything that
    /// path does not decide (malformed text, the end of the input), byte by
    /// byte here, which also gives the exact error.
    fn skip_container(&mut self, depth: u32) -> Result<(), JsonError> {
        if let Some(end) = skip_container_blocks(self.src, self.pos, depth) {
            self.pos = end;
            return Ok(());
        }
        self.skip_container_bytes(depth)
    }

    /// [`Parser::skip_container`] one structural byte at a time.
    fn skip_container_bytes(&mut self, depth: u32) -> Result<(), JsonError> {
        let s = self.src;
        // One bit per open container: 1 for '{', 0 for '['.
        let mut kinds = [0u64; (MAX_DEPTH as usize).div_ceil(64)];
        let mut level = depth;
        let mut open = 0usize;
        loop {
            let i = scan_structural(s, self.pos);
            self.pos = i;
            match s.get(i) {
                None => return self.err("unterminated array or object"),
                Some(b'"') => self.skip_string()?,
                Some(&b @ (b'{' | b'[')) => {
                    if level >= MAX_DEPTH {
                        return self.err(format!("nesting deeper than {MAX_DEPTH} levels"));
                    }
                    let bit = 1u64 << (open % 64);
                    if b == b'{' {
                        kinds[open / 64] |= bit;
                    } else {
                        kinds[open / 64] &= !bit;
                    }
                    open += 1;
                    level += 1;
                    self.pos += 1;
                }
                Some(&b) => {
                    // '}' or ']'
                    if open == 0 {
                        return self.err(format!("unexpected {}", describe(b)));
                    }
                    open -= 1;
                    level -= 1;
                    let was_object = kinds[open / 64] & (1u64 << (open % 64)) != 0;
                    if was_object != (b == b'}') {
                        return self.err(format!("mismatched {}", describe(b)));
                    }
                    self.pos += 1;
                    if open == 0 {
                        return Ok(());
                    }
                }
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), JsonError> {
        if self.src[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            self.err("invalid literal (expected true, false or null)")
        }
    }

    fn parse_number(&mut self) -> Result<(), JsonError> {
        let s = self.src;
        if s.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        match s.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while matches!(s.get(self.pos), Some(b'0'..=b'9')) {
                    self.pos += 1;
                }
            }
            _ => return self.err("invalid number: expected a digit"),
        }
        if s.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !matches!(s.get(self.pos), Some(b'0'..=b'9')) {
                return self.err("invalid number: expected a digit after '.'");
            }
            while matches!(s.get(self.pos), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        if matches!(s.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(s.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(s.get(self.pos), Some(b'0'..=b'9')) {
                return self.err("invalid number: expected a digit in the exponent");
            }
            while matches!(s.get(self.pos), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        Ok(())
    }

    /// Parses a string at `self.pos` (the opening quote). Returns the text
    /// range and whether it lives in the decoded buffer.
    fn parse_string(&mut self) -> Result<(u32, u32, bool), JsonError> {
        self.pos += 1;
        let start = self.pos;
        let s = self.src;
        // Fast path: plain strings are ranges of the source; decode only on a backslash.
        let i = scan_plain(s, start);
        if i >= s.len() {
            // Point at the start of the string that never ends.
            self.pos = start;
            return self.err("unterminated string");
        }
        let len = i - start;
        self.pos = i;
        match s[i] {
            b'"' => {
                self.pos = i + 1;
                Ok((start as u32, len as u32, false))
            }
            b'\\' => self.decode_string(start),
            _ => self.err("control character in string"),
        }
    }

    fn decode_string(&mut self, start: usize) -> Result<(u32, u32, bool), JsonError> {
        let s = self.src;
        let out_start = self.decoded.len();
        // The source is valid UTF-8 (it came from a `String`) and we only split at ASCII bytes.
        let text = self.text;
        self.decoded.push_str(&text[start..self.pos]);
        loop {
            let Some(&b) = s.get(self.pos) else {
                return self.err("unterminated string");
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    let len = self.decoded.len() - out_start;
                    if self.decoded.len() >= NONE as usize {
                        return self.err("decoded strings larger than 4 GiB");
                    }
                    return Ok((out_start as u32, len as u32, true));
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(&e) = s.get(self.pos) else {
                        return self.err("unterminated escape");
                    };
                    self.pos += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => {
                            self.pos -= 1;
                            return self.err("invalid escape in string");
                        }
                    };
                    self.decoded.push(c);
                }
                0..=0x1f => return self.err("control character in string"),
                _ => {
                    // Copy a run of plain bytes.
                    let run_end = s[self.pos..]
                        .iter()
                        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                        .map_or(s.len(), |i| self.pos + i);
                    self.decoded.push_str(&text[self.pos..run_end]);
                    self.pos = run_end;
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let Some(digits) = self.src.get(self.pos..self.pos + 4) else {
            return self.err("truncated \\u escape");
        };
        let mut v = 0u32;
        for &d in digits {
            let x = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return self.err("invalid hex digit in \\u escape"),
            };
            v = v * 16 + u32::from(x);
        }
        self.pos += 4;
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let hi = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            if self.src.get(self.pos..self.pos + 2) != Some(b"\\u") {
                return self.err("unpaired surrogate in \\u escape");
            }
            self.pos += 2;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return self.err("invalid low surrogate in \\u escape");
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else if (0xDC00..0xE000).contains(&hi) {
            return self.err("unpaired surrogate in \\u escape");
        } else {
            hi
        };
        char::from_u32(code).map_or_else(|| self.err("invalid code point"), Ok)
    }
}

/// Index of the first byte at or after `i` that ends a plain string run: `"`,
/// `\\` or a control character (< 0x20); `s.len()` if none.
///
/// SWAR: eight bytes per step with the classic "has zero byte" trick
/// (`(x - 0x01…) & !x & 0x80…`), applied to `x ^ '"'`, `x ^ '\\'` and, for
/// `< 0x20`, to `x - 0x20…`. Borrows can flag bytes *above* a true match but
/// never below it, so the lowest flagged byte is exact.
#[inline]
fn scan_plain(s: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = s.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let q = x ^ (ONES * u64::from(b'"'));
        let b = x ^ (ONES * u64::from(b'\\'));
        let hits = ((q.wrapping_sub(ONES) & !q)
            | (b.wrapping_sub(ONES) & !b)
            | (x.wrapping_sub(ONES * 0x20) & !x))
            & HIGH;
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = s.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    i
}

/// The byte classes of one 64-byte block that skipping needs, bit `k` for
/// byte `k`.
#[derive(Clone, Copy, Default)]
struct BlockClasses {
    /// `"`
    quote: u64,
    /// `\`
    backslash: u64,
    /// `{` or `[`
    open: u64,
    /// `}` or `]`
    close: u64,
    /// `{` or `}` (with `open`/`close`: which kind of bracket)
    curly: u64,
    /// Control characters (below 0x20), illegal inside strings.
    control: u64,
}

/// Classifies 64 bytes with 16-byte vector compares (`wide`: SSE2 on
/// x86-64, NEON on AArch64, scalar elsewhere).
#[inline]
fn classify(block: &[u8; 64]) -> BlockClasses {
    use wide::u8x16;
    let splat = u8x16::splat;
    let mut c = BlockClasses::default();
    for (k, chunk) in block.chunks_exact(16).enumerate() {
        let v = u8x16::new(chunk.try_into().unwrap_or([0; 16]));
        let mask = |m: u8x16| u64::from(m.move_mask() as u16) << (16 * k);
        // '{' (0x7b) and '[' (0x5b) differ only in bit 5, as do '}' and ']'.
        let folded = v | splat(0x20);
        c.quote |= mask(v.cmp_eq(splat(b'"')));
        c.backslash |= mask(v.cmp_eq(splat(b'\\')));
        c.open |= mask(folded.cmp_eq(splat(b'{')));
        c.close |= mask(folded.cmp_eq(splat(b'}')));
        c.curly |= mask((v & splat(0x20)).cmp_eq(splat(0x20)));
        c.control |= mask((v & splat(0xe0)).cmp_eq(splat(0)));
    }
    c.curly &= c.open | c.close;
    c
}

/// Each bit set from a set bit up to (not including) the next one: the
/// inside of quoted strings, given their unescaped quotes (prefix XOR).
#[inline]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// Skips the array or object opening at `start` (nesting `depth` outside
/// it) 64 bytes per step, and returns the index just past its closing
/// bracket. Strings are found without visiting their bytes: escaped
/// characters by carry propagation over backslash runs, string interiors by
/// a prefix XOR of the remaining quotes (Langdale & Lemire, "Parsing
/// gigabytes of JSON per second", VLDB Journal 2019, §3); only brackets
/// outside strings and escapes are visited one by one. Checks as the
/// byte-by-byte skipper does — escapes, control characters in strings,
/// bracket kinds, [`MAX_DEPTH`] — and returns `None` on any violation or at
/// the end of the input, leaving the error to that skipper.
fn skip_container_blocks(s: &[u8], start: usize, depth: u32) -> Option<usize> {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    // One bit per open container: 1 for '{', 0 for '['.
    let mut kinds = [0u64; (MAX_DEPTH as usize).div_ceil(64)];
    let mut open = 0usize;
    let mut level = depth;
    // Carries between blocks: an escape pending at the block start, and
    // whether the block starts inside a string (all ones) or not.
    let mut escape_carry = 0u64;
    let mut in_string = 0u64;
    let mut i = start;
    while i < s.len() {
        let block: [u8; 64] = match s.get(i..i + 64) {
            Some(b) => b.try_into().ok()?,
            None => {
                // The tail: pad with spaces, which are not structural.
                let mut b = [b' '; 64];
                b[..s.len() - i].copy_from_slice(&s[i..]);
                b
            }
        };
        let c = classify(&block);
        // Escaped characters: backslash runs of odd length escape the byte after them.
        let backslash = c.backslash & !escape_carry;
        let follows = (backslash << 1) | escape_carry;
        let odd_starts = backslash & !EVEN & !follows;
        let (even_runs, overflow) = odd_starts.overflowing_add(backslash);
        escape_carry = u64::from(overflow);
        let escaped = (EVEN ^ (even_runs << 1)) & follows;
        let strings = prefix_xor(c.quote & !escaped) ^ in_string;
        in_string = ((strings as i64) >> 63) as u64;
        // Control characters inside strings and backslashes outside them are errors.
        if c.control & strings != 0 || c.backslash & !escaped & !strings != 0 {
            return None;
        }
        let mut e = escaped;
        while e != 0 {
            let p = i + e.trailing_zeros() as usize;
            e &= e - 1;
            match s.get(p)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                b'u' if s
                    .get(p + 1..p + 5)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) => {}
                _ => return None,
            }
        }
        let mut brackets = (c.open | c.close) & !strings;
        while brackets != 0 {
            let k = brackets.trailing_zeros();
            brackets &= brackets - 1;
            let curly = (c.curly >> k) & 1 == 1;
            if (c.open >> k) & 1 == 1 {
                if level >= MAX_DEPTH {
                    return None;
                }
                let bit = 1u64 << (open % 64);
                if curly {
                    kinds[open / 64] |= bit;
                } else {
                    kinds[open / 64] &= !bit;
                }
                open += 1;
                level += 1;
            } else {
                if open == 0 {
                    return None;
                }
                open -= 1;
                level -= 1;
                let was_object = kinds[open / 64] & (1u64 << (open % 64)) != 0;
                if was_object != curly {
                    return None;
                }
                if open == 0 {
                    return Some(i + k as usize + 1);
                }
            }
        }
        i += 64;
    }
    None
}

/// Index of the first `"`, `{`, `}`, `[` or `]` at or after `i` (`s.len()` if
/// none): the bytes that matter when skipping a container. SWAR as in [`scan_plain`].
#[inline]
fn scan_structural(s: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    #[inline]
    fn zero_bytes(v: u64) -> u64 {
        v.wrapping_sub(ONES) & !v
    }
    while let Some(chunk) = s.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // '{' (0x7b) and '[' (0x5b) differ only in bit 5, as do '}' (0x7d) and ']' (0x5d).
        let y = x | (ONES * 0x20);
        let hits = (zero_bytes(x ^ (ONES * u64::from(b'"')))
            | zero_bytes(y ^ (ONES * u64::from(b'{')))
            | zero_bytes(y ^ (ONES * u64::from(b'}'))))
            & HIGH;
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = s.get(i) {
        if matches!(c, b'"' | b'{' | b'}' | b'[' | b']') {
            return i;
        }
        i += 1;
    }
    i
}

fn describe(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        let doc = Document::parse(text).unwrap();
        let mut out = String::new();
        doc.write_json(doc.root(), &mut out);
        out
    }

    /// The root's member-key filter never hides a member: every key (and its
    /// `_key` extension sibling) of many generated roots is found, through
    /// the filter, the same as by a plain scan; compacted copies keep it.
    #[test]
    fn root_key_filter_finds_every_member() {
        let names: Vec<String> = (0..200)
            .map(|i| match i % 4 {
                0 => format!("k{i}"),
                1 => format!("AllergyIntolerance{i}"),
                2 => format!("aVeryLongMemberNameBeyondSixteen{i}"),
                _ => format!("x{}", "y".repeat(i % 23)),
            })
            .collect();
        for start in 0..40 {
            let present: Vec<&String> = names.iter().skip(start).step_by(7).collect();
            let mut text = String::from("{");
            for (i, k) in present.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                text.push_str(&format!("\"{k}\":{i}"));
                if i % 3 == 0 {
                    text.push_str(&format!(",\"_{k}\":{{\"id\":\"e\"}}"));
                }
            }
            text.push('}');
            let doc = Document::parse(&text).unwrap();
            let copy = doc.compacted();
            for d in [&doc, &copy] {
                for k in &names {
                    let probe = KeyProbe::new(k);
                    let (value, ext) = d.get_with_extension_probe(d.root(), k, &probe);
                    let expect_value = d.children(d.root()).find(|&c| d.key(c) == Some(k));
                    let ext_key = format!("_{k}");
                    let expect_ext = d.children(d.root()).find(|&c| d.key(c) == Some(&ext_key));
                    assert_eq!(value, expect_value.unwrap_or(NONE), "{k} in {text}");
                    assert_eq!(ext, expect_ext.unwrap_or(NONE), "_{k} in {text}");
                }
            }
        }
    }

    /// Asserts that `a`'s subtree at `n` and `b`'s at `m` answer every
    /// accessor alike (keys, scalars, children, member lookups, parents).
    fn assert_same_tree(a: &Document, n: NodeId, b: &Document, m: NodeId) {
        assert_eq!(a.kind(n), b.kind(m));
        assert_eq!(a.key(n), b.key(m));
        assert_eq!(a.str(n), b.str(m));
        assert_eq!(a.number_text(n), b.number_text(m));
        assert_eq!(a.bool(n), b.bool(m));
        assert_eq!(a.is_raw(n), b.is_raw(m));
        assert_eq!(a.raw_text(n), b.raw_text(m));
        assert_eq!(a.child_count(n), b.child_count(m));
        let (ca, cb): (Vec<_>, Vec<_>) = (a.children(n).collect(), b.children(m).collect());
        assert_eq!(ca.len(), cb.len());
        for (i, (&x, &y)) in ca.iter().zip(&cb).enumerate() {
            assert_eq!(b.parent(y), Some(m));
            assert_eq!(b.position(y), a.position(x));
            if a.kind(n) == Kind::Array {
                assert_eq!(b.index(m, i), Some(y));
            }
            if let Some(k) = a.key(x) {
                let first = a.get(n, k).unwrap();
                let pos = ca.iter().position(|&c| c == first).unwrap();
                assert_eq!(b.get(m, k), Some(cb[pos]), "member {k}");
                let (v, e) = a.get_with_extension(n, k.trim_start_matches('_'));
                let (v2, e2) = b.get_with_extension(m, k.trim_start_matches('_'));
                let map = |z: NodeId| ca.iter().position(|&c| c == z).map(|p| cb[p]);
                assert_eq!(
                    (map(v), map(e)),
                    ((v2 != NONE).then_some(v2), (e2 != NONE).then_some(e2))
                );
            }
            assert_same_tree(a, x, b, y);
        }
        assert_eq!(b.subtree_end(m) - m, a.subtree_end(n) - n);
    }

    /// `compacted` lays each object's member index right after the object's
    /// node and answers every accessor as the parsed document does, on
    /// generated shapes and on the shipped resources, whole and projected.
    #[test]
    fn compacted_copies_put_slots_first_and_answer_alike() {
        let mut texts = vec![
            r#"{}"#.to_string(),
            r#"{"a":{},"b":[],"c":[{}],"d":{"e":{"f":[1,{"g":null}]}},"_d":{"id":"x"},"a":2}"#
                .to_string(),
            r#"[{"x":1},[{"y":[{"z":"é"}]}],"s",true,false,null,-1.5e3]"#.to_string(),
        ];
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/fhir");
        for f in ["patients.ndjson", "observations.ndjson"] {
            if let Ok(t) = std::fs::read_to_string(format!("{dir}/{f}")) {
                texts.extend(t.lines().take(60).map(str::to_string));
            }
        }
        if let Ok(t) = std::fs::read_to_string(format!("{dir}/bundle-ned-hintz.json")) {
            texts.push(t);
        }
        let exprs = [
            "Observation | Observation.component",
            "Patient.name.where(use = 'official').family | Patient.telecom.value",
        ];
        let mut scratch = Document::default();
        for text in &texts {
            let full = Document::parse(text.as_str()).unwrap();
            let mut docs = vec![full];
            for e in exprs {
                let expr = crate::Expression::compile(e, &Default::default()).unwrap();
                scratch.reparse_str(text, expr.projection()).unwrap();
                docs.push(scratch.clone());
            }
            for d in &docs {
                let copy = d.compacted();
                assert_same_tree(d, d.root(), &copy, copy.root());
                for (i, node) in copy.nodes.iter().enumerate() {
                    let indexed = node.kind == Kind::Object
                        && node.flags & (FLAG_RAW | FLAG_MEMBER_SLOT) == 0
                        && node.val_len > 0;
                    if indexed {
                        assert_eq!(node.members as usize, i + 1, "{text}");
                    }
                }
                let (mut x, mut y) = (String::new(), String::new());
                d.write_json(d.root(), &mut x);
                copy.write_json(copy.root(), &mut y);
                assert_eq!(x, y);
            }
        }
    }

    /// The byte-by-byte skipper's answer for the container at the start of `s`.
    fn skip_bytes(s: &[u8], depth: u32) -> Result<usize, JsonError> {
        let (mut nodes, mut decoded, mut pending) = (Vec::new(), String::new(), Vec::new());
        let mut p = Parser {
            src: s,
            text: std::str::from_utf8(s).unwrap_or(""),
            pos: 0,
            nodes: &mut nodes,
            decoded: &mut decoded,
            pending: &mut pending,
            projection: None,
        };
        p.skip_container_bytes(depth).map(|()| p.pos)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, ..Default::default() })]

        /// Whenever the 64-byte-block skipper decides, it agrees with the
        /// byte-by-byte one (strings, escapes and brackets across block edges).
        #[test]
        fn block_skipper_agrees_with_the_byte_skipper(
            open in proptest::prop_oneof![proptest::strategy::Just("{"), proptest::strategy::Just("[")],
            body in "[\"\\\\{}\\[\\]ux0 ,:\u{1}é]{0,400}",
            depth in proptest::prop_oneof![proptest::strategy::Just(0u32), proptest::strategy::Just(MAX_DEPTH - 3)],
        ) {
            let text = format!("{open}{body}");
            let s = text.as_bytes();
            let bytes = skip_bytes(s, depth);
            // Undecided (`None`) is for malformed or unterminated input only.
            if let Some(end) = skip_container_blocks(s, 0, depth) {
                proptest::prop_assert_eq!(bytes, Ok(end), "{}", text);
            }
        }

        /// On well-formed JSON the block skipper always decides, and lands where parsing ends.
        #[test]
        fn block_skipper_skips_valid_json(v in json_value(), pad in 0usize..70) {
            let text = v.clone() + &" ".repeat(pad);
            let s = text.as_bytes();
            if matches!(s.first(), Some(b'{' | b'[')) {
                let end = skip_container_blocks(s, 0, 0);
                proptest::prop_assert_eq!(end, Some(v.len()), "{}", text);
            }
        }
    }

    #[test]
    fn block_skipper_handles_escapes_at_block_edges() {
        // Backslash runs of every length ending at every offset around the 64-byte edge.
        for run in 1..6usize {
            for at in 50..80usize {
                let inner = format!("{}{}", "a".repeat(at), "\\".repeat(run));
                // An even run escapes itself; an odd run needs one more escaped character.
                let string = if run % 2 == 0 {
                    format!("\"{inner}\"")
                } else {
                    format!("\"{inner}\"]\"")
                };
                let text = format!("[{string},{{\"k\":[1,\"}}\"]}}] trailing");
                let s = text.as_bytes();
                let want = skip_bytes(s, 0).expect("valid");
                assert_eq!(skip_container_blocks(s, 0, 0), Some(want), "{text}");
            }
        }
        // Mismatched, unterminated and too deep input is left to the byte skipper.
        for bad in ["[}", "{]", "[\"abc", "[[[", "[\"\\x\"]", "[\"a\u{1}\"]"] {
            assert_eq!(skip_container_blocks(bad.as_bytes(), 0, 0), None, "{bad}");
            assert!(skip_bytes(bad.as_bytes(), 0).is_err(), "{bad}");
        }
        // A backslash outside strings: undecided here; the byte skipper, which
        // does not validate scalars in skipped containers, lets it pass.
        assert_eq!(skip_container_blocks(b"[\\]", 0, 0), None);
        let deep = "[".repeat(MAX_DEPTH as usize + 1) + &"]".repeat(MAX_DEPTH as usize + 1);
        assert_eq!(skip_container_blocks(deep.as_bytes(), 0, 0), None);
        assert!(skip_bytes(deep.as_bytes(), 0).is_err());
    }

    /// Random JSON text: objects, arrays, strings with escapes, scalars.
    fn json_value() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just("null".to_string()),
            Just("true".to_string()),
            (-1000i64..1000).prop_map(|i| i.to_string()),
            "([a-z{}\\[\\]:, ]|\\\\[\"\\\\/bfnrt]|\\\\u00e9){0,40}"
                .prop_map(|s| format!("\"{s}\"")),
        ];
        leaf.prop_recursive(6, 200, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                proptest::collection::vec(("[a-z]{1,6}", inner), 0..8).prop_map(|v| format!(
                    "{{{}}}",
                    v.iter()
                        .map(|(k, x)| format!("\"{k}\":{x}"))
                        .collect::<Vec<_>>()
                        .join(",")
                )),
            ]
        })
    }

    #[test]
    fn string_prefixes_match_the_key_layout() {
        for text in [
            r#"["","a","Patient","Observation","MedicationAdministration","exactly16bytes!!","x"]"#,
            r#"["esc\u0041ped", "tail"]"#,
            r#"["near the end"]"#,
            r#""Bundle""#,
        ] {
            let doc = Document::parse(text).unwrap();
            let strings: Vec<NodeId> = if doc.kind(doc.root()) == Kind::Array {
                doc.children(doc.root()).collect()
            } else {
                vec![doc.root()]
            };
            for n in strings {
                let s = doc.str(n).unwrap();
                let (t, prefix) = doc.str_with_prefix(n).unwrap();
                assert_eq!(t, s);
                assert_eq!(prefix, key_prefix(s.as_bytes()), "{s}");
                assert_eq!(KeyProbe::new(s).prefix, prefix, "{s}");
            }
        }
    }

    #[test]
    fn parses_and_navigates() {
        let doc = Document::parse(
            r#"{"resourceType":"Patient","name":[{"given":["Peter","James"],"family":"Chalmers"}],"_birthDate":{"id":"x"},"birthDate":"1974-12-25","deceasedBoolean":false,"multipleBirthInteger":2,"value":1.50}"#,
        )
        .unwrap();
        let root = doc.root();
        assert_eq!(doc.kind(root), Kind::Object);
        assert_eq!(doc.child_count(root), 7);
        let name = doc.get(root, "name").unwrap();
        assert_eq!(doc.kind(name), Kind::Array);
        let first = doc.index(name, 0).unwrap();
        let given = doc.get(first, "given").unwrap();
        let names: Vec<_> = doc.children(given).map(|g| doc.str(g).unwrap()).collect();
        assert_eq!(names, ["Peter", "James"]);
        assert_eq!(
            doc.number_text(doc.get(root, "value").unwrap()),
            Some("1.50")
        );
        assert_eq!(
            doc.bool(doc.get(root, "deceasedBoolean").unwrap()),
            Some(false)
        );
        assert_eq!(doc.parent(given), Some(first));
        assert_eq!(doc.parent(root), None);
        assert_eq!(doc.key(given), Some("given"));
        assert_eq!(doc.position(doc.get(root, "birthDate").unwrap()), 3);
    }

    #[test]
    fn escapes_are_decoded_and_rewritten() {
        let doc = Document::parse(r#"{"a\"b":"x\ny\u00e9\ud83d\ude00\/"}"#).unwrap();
        let c = doc.children(0).next().unwrap();
        assert_eq!(doc.key(c), Some("a\"b"));
        assert_eq!(doc.str(c), Some("x\nyé😀/"));
        assert_eq!(
            round_trip(r#" { "k" : [1, -2.50e3, true, null, "\u0001"] } "#),
            r#"{"k":[1,-2.50e3,true,null,"\u0001"]}"#
        );
    }

    #[test]
    fn rejects_malformed_json_with_offsets() {
        for (text, offset) in [
            ("", 0),
            ("{", 1),
            ("[1,]", 3),
            ("{\"a\" 1}", 5),
            ("01", 1),
            ("1.", 2),
            ("-", 1),
            ("\"abc", 1),
            ("\"a\tb\"", 2),
            ("\"\\x\"", 2),
            ("\"\\ud800\"", 7),
            ("tru", 0),
            ("{} x", 3),
            ("NaN", 0),
        ] {
            let err = Document::parse(text).unwrap_err();
            assert_eq!(err.offset, offset, "{text:?}: {err}");
        }
    }

    #[test]
    fn swar_scan_finds_the_first_stop_byte() {
        let cases: &[(&[u8], usize)] = &[
            (b"abcdefgh\"", 8),
            (b"abc\"defghijk", 3),
            (b"abcdefghijk\\x", 11),
            (b"\x01bcdefgh", 0),
            (b"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"", 8),
            (b"plain", 5),
            (b"", 0),
            (b"aaaaaaa\x1f\"", 7),
            (b"\x7f\x80\xff\x20 !#$%&\"", 10),
        ];
        for (bytes, want) in cases {
            assert_eq!(scan_plain(bytes, 0), *want, "{bytes:?}");
        }
        // Agrees with a byte-at-a-time scan on every position of a mixed buffer.
        let buf: Vec<u8> = (0..=255u8).cycle().take(700).collect();
        for start in 0..buf.len() {
            let slow = buf[start..]
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .map_or(buf.len(), |p| start + p);
            assert_eq!(scan_plain(&buf, start), slow, "start {start}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        let err = Document::parse(deep).unwrap_err();
        assert!(err.message.contains("nesting"), "{err}");
        let ok = "[".repeat(MAX_DEPTH as usize) + &"]".repeat(MAX_DEPTH as usize);
        assert!(Document::parse(ok).is_ok());
    }

    #[test]
    fn member_index_finds_keys_of_every_length() {
        // Keys around the 16-byte prefix boundary, with and without `_key` siblings.
        let keys = [
            "a",
            "abcdefg",
            "abcdefgh",
            "abcdefghijklmno",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
            "abcdefghijklmnopqrstuvwxyz",
        ];
        let mut text = String::from("{");
        for (i, k) in keys.iter().enumerate() {
            text.push_str(&format!("\"{k}\":{i},\"_{k}\":{{\"id\":\"{i}\"}},"));
        }
        // Near misses: same prefix, other length; same length, other tail.
        text.push_str("\"abcdefghijklmnopX\":99,\"abcdefghijklmnoX\":98,\"x\":{}}");
        let doc = Document::parse(text).unwrap();
        for (i, k) in keys.iter().enumerate() {
            let v = doc.get(0, k).unwrap_or_else(|| panic!("{k}"));
            assert_eq!(doc.number_text(v), Some(i.to_string().as_str()), "{k}");
            let (value, ext) = doc.get_with_extension(0, k);
            assert_eq!(value, v, "{k}");
            assert_eq!(
                doc.key(ext).map(|e| e.to_string()),
                Some(format!("_{k}")),
                "{k}"
            );
        }
        assert_eq!(
            doc.get(0, "abcdefghijklmnopX")
                .and_then(|v| doc.number_text(v)),
            Some("99")
        );
        assert_eq!(
            doc.get(0, "abcdefghijklmnoX")
                .and_then(|v| doc.number_text(v)),
            Some("98")
        );
        assert_eq!(doc.get(0, "abcdefghijklmnopY"), None);
        assert_eq!(doc.get(0, "b"), None);
        assert_eq!(
            doc.get_with_extension(doc.get(0, "x").unwrap(), "a"),
            (NONE, NONE)
        );
        // Children iteration never sees the index slots.
        assert_eq!(doc.children(0).count(), keys.len() * 2 + 3);
        assert!(doc.children(0).all(|c| doc.key(c).is_some()));
    }

    #[test]
    fn compact_keeps_every_answer_and_drops_the_rest() {
        let text = r#"{"resourceType":"Patient","name":[{"given":["Ann","B\u00e9a"],"family":"Lee"}],
            "text":{"div":"<div>a long narrative nobody asked for, a long narrative nobody asked for</div>"},
            "a\"b":-2.50e3,"given":"x","root":[true,null,{"given":"y"}]}"#;
        let full = Document::parse(text).unwrap();
        let mut doc = full.clone();
        doc.compact();
        // Structure, whitespace and repeated keys are gone; values stay.
        assert!(doc.text().len() + 40 < text.len(), "{}", doc.text());
        let (mut a, mut b) = (String::new(), String::new());
        full.write_json(0, &mut a);
        doc.write_json(0, &mut b);
        assert_eq!(a, b);
        assert_eq!(doc.key(0), None);
        let name = doc.get(0, "name").unwrap();
        let given = doc.get(doc.index(name, 0).unwrap(), "given").unwrap();
        assert_eq!(doc.str(doc.index(given, 1).unwrap()), Some("Béa"));
        assert_eq!(
            doc.number_text(doc.get(0, "a\"b").unwrap()),
            Some("-2.50e3")
        );
        let s = doc.get(0, "resourceType").unwrap();
        assert_eq!(doc.str_with_prefix(s), full.str_with_prefix(s));
        // Re-parsing restores a full document.
        doc.reparse(text.to_string()).unwrap();
        assert_eq!(doc.text(), text);
    }

    /// Only documents parsed through a (non-trivial) projection are marked
    /// projected — the ones `Expression::evaluate` may warm — and the mark
    /// survives compaction and is reset by a whole parse.
    #[test]
    fn projected_mark_follows_the_parse() {
        let expr = crate::Expression::compile("Patient.name.given", &Default::default()).unwrap();
        let text = r#"{"resourceType":"Patient","name":[{"given":["A"]}],"id":"x"}"#;
        let mut doc = Document::default();
        assert!(!doc.is_projected());
        doc.reparse_str(text, expr.projection()).unwrap();
        assert!(doc.is_projected());
        assert!(doc.compacted().is_projected());
        assert!(doc.clone().is_projected());
        doc.warm();
        assert_eq!(expr.evaluate_json(&doc).unwrap(), r#"["A"]"#);
        doc.reparse_str(text, &crate::reach::Projection::everything())
            .unwrap();
        assert!(!doc.is_projected());
        doc.reparse_str(text, expr.projection()).unwrap();
        doc.reparse(text.to_string()).unwrap();
        assert!(!doc.is_projected());
    }

    #[test]
    fn reparse_bytes_validates_utf8() {
        let all = crate::reach::Projection::everything();
        let mut doc = Document::default();
        doc.reparse_bytes("{\"a\":\"é\"}".as_bytes(), &all).unwrap();
        assert_eq!(doc.str(doc.get(0, "a").unwrap()), Some("é"));
        let e = doc.reparse_bytes(b"{\"a\":\"\xff\"}", &all).unwrap_err();
        assert_eq!((e.message.as_str(), e.offset), ("invalid UTF-8", 6));
        assert!(doc.is_empty());
    }

    #[test]
    fn reparse_reuses_document() {
        let mut doc = Document::parse("[1,2,3]").unwrap();
        doc.reparse("{\"a\":\"b\"}".to_string()).unwrap();
        assert_eq!(doc.str(doc.get(0, "a").unwrap()), Some("b"));
        assert!(doc.reparse("{".to_string()).is_err());
        assert!(doc.is_empty());
    }

    #[test]
    fn agrees_with_serde_json_on_real_resources() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/fhir");
        let Ok(text) = std::fs::read_to_string(format!("{dir}/patients.ndjson")) else {
            return;
        };
        for line in text.lines().take(50) {
            let ours = round_trip(line);
            let a: serde_json::Value = serde_json::from_str(&ours).unwrap();
            let b: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(a, b);
        }
    }
}

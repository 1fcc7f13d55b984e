//! A compact byte encoding for recorded rows (events, journal entries): LEB128 varints, and decimals
//! as one byte of scale and sign plus the mantissa as a varint. A 100k-account run records 240k
//! events and 300k entries; a price or size takes 3–5 bytes this way instead of 16 (+4 for an
//! `Option`).
//! The encoding is exact: a decimal decodes to the same mantissa, scale and sign (also −0).

use super::chunked::Chunked;
use super::ledger::Name;
use rust_decimal::Decimal;

/// Bytes per arena chunk; a record never straddles two chunks.
const CHUNK: usize = 1 << 16;
/// No record is longer (the longest event, a buy-in, is at most 83 bytes).
const MAX_RECORD: usize = 192;
/// The head byte of an absent `Option<Decimal>` (a decimal's head is scale ≤ 28, maybe | 0x80).
const NONE: u8 = 0x7F;

/// One record being written: a stack buffer (no capacity check per byte), appended to the
/// arena in one copy. Bytes past `MAX_RECORD` are dropped (no record comes near it).
pub(crate) struct Writer {
    buf: [u8; MAX_RECORD],
    len: usize,
}

impl Writer {
    pub(crate) fn new() -> Self {
        Writer { buf: [0; MAX_RECORD], len: 0 }
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    pub(crate) fn u8(&mut self, x: u8) {
        if let Some(b) = self.buf.get_mut(self.len) {
            *b = x;
            self.len += 1;
        }
    }

    pub(crate) fn u64(&mut self, mut x: u64) {
        while x >= 0x80 {
            self.u8((x as u8) | 0x80);
            x >>= 7;
        }
        self.u8(x as u8);
    }

    fn u96(&mut self, hi: u32, lo: u64) {
        if hi == 0 {
            return self.u64(lo);
        }
        let mut x = (u128::from(hi) << 64) | u128::from(lo);
        while x >= 0x80 {
            self.u8((x as u8) | 0x80);
            x >>= 7;
        }
        self.u8(x as u8);
    }

    pub(crate) fn dec(&mut self, d: Decimal) {
        let u = d.unpack();
        self.u8(u.scale as u8 | if u.negative { 0x80 } else { 0 });
        self.u96(u.hi, (u64::from(u.mid) << 32) | u64::from(u.lo));
    }

    pub(crate) fn opt_dec(&mut self, d: Option<Decimal>) {
        match d {
            Some(d) => self.dec(d),
            None => self.u8(NONE),
        }
    }
}

/// Reads what a [`Writer`] wrote, in the same order. Reading past the end yields zeros
/// (it cannot happen for a record this module wrote; it must not panic either).
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, at: 0 }
    }

    pub(crate) fn u8(&mut self) -> u8 {
        let b = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    fn u128(&mut self) -> u128 {
        let (mut x, mut shift) = (0u128, 0u32);
        loop {
            let b = self.u8();
            if shift < 128 {
                x |= u128::from(b & 0x7F) << shift;
            }
            shift += 7;
            if b & 0x80 == 0 || self.at > self.bytes.len() {
                return x;
            }
        }
    }

    pub(crate) fn u64(&mut self) -> u64 {
        u64::try_from(self.u128()).unwrap_or(u64::MAX)
    }

    pub(crate) fn u32(&mut self) -> u32 {
        u32::try_from(self.u128()).unwrap_or(u32::MAX)
    }

    pub(crate) fn dec(&mut self) -> Decimal {
        let head = self.u8();
        self.dec_after(head)
    }

    fn dec_after(&mut self, head: u8) -> Decimal {
        let m = self.u128();
        Decimal::from_parts(m as u32, (m >> 32) as u32, (m >> 64) as u32, head & 0x80 != 0, u32::from(head & 0x7F).min(28))
    }

    pub(crate) fn opt_dec(&mut self) -> Option<Decimal> {
        match self.u8() {
            NONE => None,
            head => Some(self.dec_after(head)),
        }
    }
}

/// A value as it packs into a record: what an event's declaration (`events.rs`) stores for each
/// field of each message, in declaration order. A new field type implements this once.
pub(crate) trait Field: Sized {
    fn put(&self, w: &mut Writer);
    fn read(r: &mut Reader) -> Self;
}

/// A name (see [`Names`]) or a plain count: a varint.
impl Field for u64 {
    fn put(&self, w: &mut Writer) {
        w.u64(*self);
    }
    fn read(r: &mut Reader) -> Self {
        r.u64()
    }
}

impl Field for usize {
    fn put(&self, w: &mut Writer) {
        w.u64(*self as u64);
    }
    fn read(r: &mut Reader) -> Self {
        r.u64() as usize
    }
}

impl Field for u32 {
    fn put(&self, w: &mut Writer) {
        w.u64(u64::from(*self));
    }
    fn read(r: &mut Reader) -> Self {
        r.u32()
    }
}

impl Field for bool {
    fn put(&self, w: &mut Writer) {
        w.u8(u8::from(*self));
    }
    fn read(r: &mut Reader) -> Self {
        r.u8() != 0
    }
}

impl Field for Decimal {
    fn put(&self, w: &mut Writer) {
        w.dec(*self);
    }
    fn read(r: &mut Reader) -> Self {
        r.dec()
    }
}

/// A flag byte (0 or 1), then the value when present.
impl<T: Field> Field for Option<T> {
    fn put(&self, w: &mut Writer) {
        w.u8(u8::from(self.is_some()));
        if let Some(x) = self {
            x.put(w);
        }
    }
    fn read(r: &mut Reader) -> Self {
        if r.u8() != 0 {
            Some(T::read(r))
        } else {
            None
        }
    }
}

impl<A: Field, B: Field> Field for (A, B) {
    fn put(&self, w: &mut Writer) {
        self.0.put(w);
        self.1.put(w);
    }
    fn read(r: &mut Reader) -> Self {
        let a = A::read(r);
        (a, B::read(r))
    }
}

/// A table of shared names, each referred to by a `u32` index.
///
/// Interning looks the name's address up in a small direct-mapped cache, not in a map of every
/// name: a name that fell out of the cache gets a second index (one more 16-byte pointer to the
/// same text), which is rare (an account's entries and events come in bursts) and much cheaper
/// in time and memory than a hash map of 100k addresses.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    names: Chunked<Name>,
    /// While recording: (address of a name's text, its index); address 0 = empty slot. The table
    /// keeps every interned name alive, so a cached address cannot belong to another name.
    cache: Vec<(usize, u32)>,
}

const CACHE_SLOTS: usize = 1 << 14;

impl Interner {
    pub(crate) fn id(&mut self, n: Name) -> u32 {
        let addr = n.as_ptr() as usize;
        if self.cache.is_empty() {
            self.cache = vec![(0, 0); CACHE_SLOTS];
        }
        let slot = ((addr as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 50) as usize % CACHE_SLOTS;
        if let Some(c) = self.cache.get_mut(slot) {
            if c.0 == addr && addr != 0 {
                return c.1;
            }
            let id = self.names.len() as u32;
            *c = (addr, id);
            self.names.push(n);
            return id;
        }
        self.names.push(n);
        self.names.len() as u32 - 1
    }

    pub(crate) fn get(&self, i: u32) -> Name {
        self.names.get(i as usize).cloned().unwrap_or_else(|| Name::from(""))
    }

    /// Recording is over: drop the cache and spare capacity.
    pub(crate) fn seal(&mut self) {
        self.cache = Vec::new();
        self.names.shrink_to_fit();
    }
}

/// One name as the engine records it: a run's account by index (no string per account while
/// recording), or any other name.
#[derive(Clone, Debug)]
pub(crate) enum Party {
    Acct(usize),
    Named(Name),
}

impl From<Name> for Party {
    fn from(n: Name) -> Party {
        Party::Named(n)
    }
}

/// A packed name read back: an account's index (with its entry in the log's account list, if
/// any), or the name itself.
pub(crate) enum Decoded<'a> {
    Account(Option<&'a Name>),
    Named(Name),
}

/// The names of a packed log (events, journal): a [`Party`] packs as one varint — an account as
/// `index << 1 | 1`, any other name as `interned index << 1`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Names {
    table: Interner,
    /// The run's accounts, as this log names them (display names, or ids).
    accounts: Vec<Name>,
}

impl Names {
    pub(crate) fn set_accounts(&mut self, accounts: Vec<Name>) {
        self.accounts = accounts;
    }

    /// The varint a party packs as.
    pub(crate) fn code(&mut self, p: Party) -> u64 {
        match p {
            Party::Acct(a) => (a as u64) << 1 | 1,
            Party::Named(n) => u64::from(self.table.id(n)) << 1,
        }
    }

    pub(crate) fn decode(&self, x: u64) -> Decoded<'_> {
        if x & 1 == 1 {
            Decoded::Account(usize::try_from(x >> 1).ok().and_then(|a| self.accounts.get(a)))
        } else {
            Decoded::Named(self.table.get((x >> 1) as u32))
        }
    }

    /// A name by its plain index in the table (not a party: an asset, a memo's name).
    pub(crate) fn intern(&mut self, n: Name) -> u32 {
        self.table.id(n)
    }

    pub(crate) fn get(&self, i: u32) -> Name {
        self.table.get(i)
    }

    /// Recording is over: drop the interning cache.
    pub(crate) fn seal(&mut self) {
        self.table.seal();
    }
}

/// The read side every packed log shares (events, the journal): `$log` holds its
/// [`StepRecords`] as `records`, and `$decode(&self, (step, reader)) -> $item` builds one item.
/// Items are built on demand; the log compares and serializes as the `Vec<$item>` it replaces.
macro_rules! packed_log_api {
    ($log:ty, $item:ty, $decode:ident) => {
        impl $log {
            pub fn len(&self) -> usize {
                self.records.len()
            }

            pub fn is_empty(&self) -> bool {
                self.records.len() == 0
            }

            /// Item `i`, built on demand.
            pub fn get(&self, i: usize) -> Option<$item> {
                self.records.get(i).map(|r| self.$decode(r))
            }

            /// The step of item `i` (nothing is built).
            pub fn step_of(&self, i: usize) -> Option<u32> {
                self.records.step_of(i)
            }

            /// Every item in order, built one at a time.
            pub fn iter(&self) -> impl DoubleEndedIterator<Item = $item> + ExactSizeIterator + '_ {
                self.records.iter().map(|r| self.$decode(r))
            }

            /// Number of items before `step` (the log is in step order).
            pub fn count_before(&self, step: u32) -> usize {
                self.records.count_before(step)
            }

            /// Number of items at or before `step`.
            pub fn count_through(&self, step: u32) -> usize {
                self.records.count_through(step)
            }

            /// Index range of the items of one step.
            pub fn range_at(&self, step: u32) -> std::ops::Range<usize> {
                self.records.count_before(step)..self.records.count_through(step)
            }

            /// The items of one step.
            pub fn at_step(&self, step: u32) -> Vec<$item> {
                self.range_at(step).filter_map(|i| self.get(i)).collect()
            }

            /// Bytes held by the packed fields (for the memory figures).
            pub fn packed_bytes(&self) -> usize {
                self.records.bytes()
            }
        }

        impl PartialEq for $log {
            fn eq(&self, o: &$log) -> bool {
                self.len() == o.len() && self.iter().zip(o.iter()).all(|(a, b)| a == b)
            }
        }

        impl<'a> IntoIterator for &'a $log {
            type Item = $item;
            type IntoIter = Box<dyn Iterator<Item = $item> + 'a>;
            fn into_iter(self) -> Self::IntoIter {
                Box::new(self.iter())
            }
        }

        impl serde::Serialize for $log {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeSeq;
                let mut seq = s.serialize_seq(Some(self.len()))?;
                for e in self.iter() {
                    seq.serialize_element(&e)?;
                }
                seq.end()
            }
        }
    };
}
pub(crate) use packed_log_api;

/// Append-only storage of variable-length records in 64 KiB chunks (no copy on growth); a
/// record is addressed by (chunk, offset).
#[derive(Clone, Debug, Default)]
struct Arena {
    chunks: Vec<Vec<u8>>,
}

/// Where a record starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct At {
    chunk: u32,
    offset: u16,
}

impl Arena {
    /// Append one record (at most `MAX_RECORD` bytes) and return where it is.
    fn push(&mut self, record: &[u8]) -> At {
        // A new chunk when this one may not hold a whole record (offsets stay below 64 KiB).
        let mut c = match self.chunks.pop() {
            Some(c) if c.len() + MAX_RECORD <= CHUNK => c,
            Some(full) => {
                self.chunks.push(full);
                Vec::with_capacity(CHUNK)
            }
            None => Vec::with_capacity(CHUNK),
        };
        let offset = c.len() as u16;
        c.extend_from_slice(record);
        self.chunks.push(c);
        At { chunk: (self.chunks.len() - 1) as u32, offset }
    }

    /// The bytes from a record's start to the end of its chunk.
    fn at(&self, at: At) -> &[u8] {
        self.chunks.get(at.chunk as usize).and_then(|c| c.get(usize::from(at.offset)..)).unwrap_or(&[])
    }

    /// Recording is over: give back the last chunk's spare capacity.
    pub(crate) fn shrink_to_fit(&mut self) {
        if let Some(c) = self.chunks.last_mut() {
            c.shrink_to_fit();
        }
        self.chunks.shrink_to_fit();
    }

    pub(crate) fn bytes(&self) -> usize {
        self.chunks.iter().map(|c| c.len()).sum()
    }
}

/// Variable-length records in step order (events, journal entries): a 12-byte head per record
/// (its step and where its bytes are) and the bytes in an [`Arena`].
#[derive(Clone, Debug, Default)]
pub(crate) struct StepRecords {
    heads: Chunked<Head>,
    bytes: Arena,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Head {
    step: u32,
    at: At,
}

impl StepRecords {
    pub(crate) fn push(&mut self, step: u32, record: &[u8]) {
        let at = self.bytes.push(record);
        self.heads.push(Head { step, at });
    }

    pub(crate) fn len(&self) -> usize {
        self.heads.len()
    }

    fn read(&self, h: &Head) -> (u32, Reader<'_>) {
        (h.step, Reader::new(self.bytes.at(h.at)))
    }

    /// Record `i`: its step and a reader at its first byte.
    pub(crate) fn get(&self, i: usize) -> Option<(u32, Reader<'_>)> {
        self.heads.get(i).map(|h| self.read(h))
    }

    pub(crate) fn step_of(&self, i: usize) -> Option<u32> {
        self.heads.get(i).map(|h| h.step)
    }

    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = (u32, Reader<'_>)> + ExactSizeIterator + '_ {
        self.heads.iter().map(|h| self.read(h))
    }

    /// Records before `step`.
    pub(crate) fn count_before(&self, step: u32) -> usize {
        self.heads.partition_point(|h| h.step < step)
    }

    /// Records at or before `step`.
    pub(crate) fn count_through(&self, step: u32) -> usize {
        self.heads.partition_point(|h| h.step <= step)
    }

    /// Order by step, keeping the recording order within a step (heads only; the bytes stay).
    pub(crate) fn sort_by_step(&mut self) {
        if !self.heads.iter().is_sorted_by_key(|h| h.step) {
            self.heads.sort_by_key(|h| h.step);
        }
    }

    /// Recording is over: give back spare capacity.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.heads.shrink_to_fit();
        self.bytes.shrink_to_fit();
    }

    /// Bytes held by the records' fields.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes.bytes()
    }

    /// Every record's bytes, in the arena's order (tests pin the encoding with it).
    #[cfg(test)]
    pub(crate) fn all_bytes(&self) -> Vec<u8> {
        self.bytes.chunks.concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn decimals_round_trip_exactly() {
        let mut cases: Vec<Decimal> = ["0", "-0", "0.000", "1", "-1", "42500.5", "0.412", "-7300000.00", "0.0000000000000000000000000001"]
            .iter()
            .filter_map(|s| Decimal::from_str(s).ok())
            .collect();
        cases.extend([Decimal::MAX, Decimal::MIN, Decimal::new(-5, 28), Decimal::from_parts(0, 0, 0, true, 3)]);
        let mut out = Vec::new();
        for d in &cases {
            let mut w = Writer::new();
            w.dec(*d);
            w.opt_dec(Some(*d));
            out.extend_from_slice(w.bytes());
        }
        let mut w = Writer::new();
        w.opt_dec(None);
        w.u64(u64::MAX);
        w.u64(300);
        out.extend_from_slice(w.bytes());
        let mut r = Reader::new(&out);
        for d in &cases {
            for got in [r.dec(), r.opt_dec().unwrap_or(Decimal::ONE)] {
                assert_eq!(got, *d);
                assert_eq!(got.scale(), d.scale(), "{d}");
                assert_eq!(got.is_sign_negative(), d.is_sign_negative(), "{d}");
                assert_eq!(got.to_string(), d.to_string());
            }
        }
        assert_eq!(r.opt_dec(), None);
        assert_eq!(r.u64(), u64::MAX);
        assert_eq!(r.u32(), 300);
        // Past the end: zeros, no panic.
        assert_eq!(r.dec(), Decimal::ZERO);
    }

    #[test]
    fn arena_keeps_records_whole_across_chunks() {
        let mut a = Arena::default();
        let mut at = Vec::new();
        for i in 0..40_000u64 {
            let mut w = Writer::new();
            w.u64(i);
            w.dec(Decimal::new(i as i64 * 7, 3));
            at.push(a.push(w.bytes()));
        }
        a.shrink_to_fit();
        for (i, p) in at.iter().enumerate() {
            let mut r = Reader::new(a.at(*p));
            assert_eq!(r.u64(), i as u64);
            assert_eq!(r.dec(), Decimal::new(i as i64 * 7, 3));
        }
        assert!(a.chunks.len() > 1);
    }
}

//! An append-only list stored in fixed-size chunks: growing it never copies what is stored nor
//! leaves the old buffer behind (a doubling `Vec` of 300k journal entries keeps up to twice its
//! size while it grows, and in the allocator's free lists afterwards), and the spare capacity is
//! at most one chunk.

/// Elements per chunk after the first (which grows like a `Vec` up to this size).
const CHUNK: usize = 4096;

#[derive(Clone, Debug)]
pub(crate) struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked { chunks: Vec::new(), len: 0 }
    }
}

impl<T> Chunked<T> {
    pub(crate) fn push(&mut self, x: T) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(x),
            _ => {
                let mut c = Vec::with_capacity(if self.chunks.is_empty() { 16 } else { CHUNK });
                c.push(x);
                self.chunks.push(c);
            }
        }
        self.len += 1;
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / CHUNK).and_then(|c| c.get(i % CHUNK))
    }

    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator + Clone + '_ {
        ChunkIter { inner: self.chunks.iter().flatten(), left: self.len }
    }

    /// The first index whose element fails `pred` (elements that pass come first), as
    /// `slice::partition_point`.
    pub(crate) fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.get(mid).is_some_and(&mut pred) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Drop the last chunk's spare capacity.
    pub(crate) fn shrink_to_fit(&mut self) {
        if let Some(c) = self.chunks.last_mut() {
            c.shrink_to_fit();
        }
        self.chunks.shrink_to_fit();
    }

    /// Stable sort by a key (rebuilds the chunks; for the rare unsorted case).
    pub(crate) fn sort_by_key<K: Ord>(&mut self, key: impl FnMut(&T) -> K) {
        let mut all: Vec<T> = Vec::with_capacity(self.len);
        for c in std::mem::take(&mut self.chunks) {
            all.extend(c);
        }
        all.sort_by_key(key);
        self.len = 0;
        for x in all {
            self.push(x);
        }
    }
}

/// A flattened iterator that knows its length.
#[derive(Clone)]
struct ChunkIter<I> {
    inner: I,
    left: usize,
}

impl<'a, T: 'a, I: Iterator<Item = &'a T>> Iterator for ChunkIter<I> {
    type Item = &'a T;
    fn next(&mut self) -> Option<&'a T> {
        let x = self.inner.next()?;
        self.left = self.left.saturating_sub(1);
        Some(x)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<'a, T: 'a, I: Iterator<Item = &'a T>> ExactSizeIterator for ChunkIter<I> {}

impl<'a, T: 'a, I: DoubleEndedIterator<Item = &'a T>> DoubleEndedIterator for ChunkIter<I> {
    fn next_back(&mut self) -> Option<&'a T> {
        let x = self.inner.next_back()?;
        self.left = self.left.saturating_sub(1);
        Some(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_vec() {
        for n in [0usize, 1, 15, 16, 17, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5] {
            let v: Vec<u32> = (0..n as u32).map(|x| x / 3).collect();
            let mut c = Chunked::default();
            for x in &v {
                c.push(*x);
            }
            c.shrink_to_fit();
            assert_eq!(c.len(), n);
            assert_eq!(c.iter().copied().collect::<Vec<_>>(), v);
            assert_eq!(c.iter().rev().copied().collect::<Vec<_>>(), v.iter().rev().copied().collect::<Vec<_>>());
            assert_eq!(c.iter().len(), n);
            for k in [0u32, 1, 7, 5000] {
                assert_eq!(c.partition_point(|x| *x < k), v.partition_point(|x| *x < k));
            }
            assert_eq!(c.get(n), None);
            if n > 0 {
                assert_eq!(c.get(n - 1), v.last());
            }
            let mut d = c.clone();
            d.sort_by_key(|x| std::cmp::Reverse(*x));
            let mut w = v.clone();
            w.sort_by_key(|x| std::cmp::Reverse(*x));
            assert_eq!(d.iter().copied().collect::<Vec<_>>(), w);
        }
    }
}

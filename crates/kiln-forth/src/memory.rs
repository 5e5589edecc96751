//! The byte-addressed data space: one bounds-checked address space holding
//! the dictionary's data space, the system buffers and every ALLOCATEd
//! region (Forth 2012 §3.3.3, 14 Memory-Allocation).
//!
//! Addresses are cells. `GUARD..main.len()` is the main region (data space
//! and system buffers); addresses below [`GUARD`] are never valid, so a null
//! or small-integer "address" throws -9. A segment (an ALLOCATEd region, an
//! input line buffer, the literal-string pool) lives at `(index + 1) << 32 |
//! offset`. Every access is checked against its region and fails with THROW
//! -9 (invalid memory address); nothing here can panic on a bad address.

use crate::error::{Throw, code, throw};

/// A Forth cell: 64 bits, two's complement.
pub type Cell = i64;
/// A cell read as unsigned.
pub type UCell = u64;

/// Addresses below this are invalid (catches `0 @` and similar).
pub const GUARD: u64 = 0x1000;
/// Bits of a segment address that hold the offset inside the segment.
pub const SEG_SHIFT: u32 = 32;
/// Cell size in address units (bytes).
pub const CELL: i64 = 8;

const INVALID: Throw = Throw(code::INVALID_ADDRESS);

#[derive(Clone)]
struct Segment {
    data: Vec<u8>,
    /// Owned by the system (input buffers, literal pool): FREE and RESIZE refuse it.
    system: bool,
}

/// The whole address space of one Forth system.
#[derive(Clone, Default)]
pub struct Memory {
    /// The main region: `[0, GUARD)` unused, then system buffers, then the dictionary's data space.
    pub(crate) main: Vec<u8>,
    segs: Vec<Option<Segment>>,
    free_slots: Vec<u32>,
    heap_bytes: usize,
    heap_limit: usize,
}

impl Memory {
    /// A memory whose main region has `size` bytes and whose ALLOCATEd
    /// regions may hold at most `heap_limit` bytes in total.
    pub fn new(size: usize, heap_limit: usize) -> Memory {
        Memory {
            main: vec![0; size.max(GUARD as usize * 2)],
            segs: Vec::new(),
            free_slots: Vec::new(),
            heap_bytes: 0,
            heap_limit,
        }
    }

    /// Size of the main region in bytes (the end of the data space).
    pub fn main_len(&self) -> u64 {
        self.main.len() as u64
    }

    #[inline(always)]
    fn main_range(&self, addr: Cell, len: usize) -> Option<usize> {
        let a = addr as u64;
        let end = a.checked_add(len as u64)?;
        if a >= GUARD && end <= self.main.len() as u64 {
            Some(a as usize)
        } else {
            None
        }
    }

    fn seg_range(&self, addr: Cell, len: usize) -> Option<(usize, usize)> {
        let a = addr as u64;
        let idx = (a >> SEG_SHIFT).checked_sub(1)? as usize;
        let off = (a & 0xFFFF_FFFF) as usize;
        let seg = self.segs.get(idx)?.as_ref()?;
        let end = off.checked_add(len)?;
        (end <= seg.data.len()).then_some((idx, off))
    }

    /// The `len` bytes at `addr`.
    ///
    /// # Errors
    /// -9 when any of them lies outside a valid region.
    #[inline]
    pub fn bytes(&self, addr: Cell, len: usize) -> Result<&[u8], Throw> {
        if let Some(i) = self.main_range(addr, len) {
            return Ok(&self.main[i..i + len]);
        }
        if len == 0 {
            return Ok(&[]);
        }
        match self.seg_range(addr, len) {
            Some((s, off)) => match &self.segs[s] {
                Some(seg) => Ok(&seg.data[off..off + len]),
                None => Err(INVALID),
            },
            None => Err(INVALID),
        }
    }

    /// The `len` bytes at `addr`, writable.
    ///
    /// # Errors
    /// -9 when any of them lies outside a valid region.
    #[inline]
    pub fn bytes_mut(&mut self, addr: Cell, len: usize) -> Result<&mut [u8], Throw> {
        if let Some(i) = self.main_range(addr, len) {
            return Ok(&mut self.main[i..i + len]);
        }
        if len == 0 {
            return Ok(&mut []);
        }
        match self.seg_range(addr, len) {
            Some((s, off)) => match &mut self.segs[s] {
                Some(seg) => Ok(&mut seg.data[off..off + len]),
                None => Err(INVALID),
            },
            None => Err(INVALID),
        }
    }

    /// The cell at `addr` (any alignment).
    ///
    /// # Errors
    /// -9 outside a valid region.
    #[inline(always)]
    pub fn fetch(&self, addr: Cell) -> Result<Cell, Throw> {
        let a = addr as u64;
        if a >= GUARD
            && let Some(b) = self.main.get(a as usize..(a as usize).wrapping_add(8))
        {
            let mut w = [0u8; 8];
            w.copy_from_slice(b);
            return Ok(i64::from_le_bytes(w));
        }
        self.fetch_slow(addr)
    }

    /// The two cells at `addr` and `addr + 8` (2@'s order: the second is
    /// returned first).
    ///
    /// # Errors
    /// -9 outside a valid region.
    #[inline(always)]
    pub fn fetch2(&self, addr: Cell) -> Result<(Cell, Cell), Throw> {
        let a = addr as u64;
        if a >= GUARD
            && let Some(b) = self.main.get(a as usize..(a as usize).wrapping_add(16))
        {
            let mut w0 = [0u8; 8];
            let mut w1 = [0u8; 8];
            w0.copy_from_slice(&b[..8]);
            w1.copy_from_slice(&b[8..]);
            return Ok((i64::from_le_bytes(w0), i64::from_le_bytes(w1)));
        }
        Ok((
            self.fetch_slow(addr)?,
            self.fetch_slow(addr.wrapping_add(8))?,
        ))
    }

    #[cold]
    fn fetch_slow(&self, addr: Cell) -> Result<Cell, Throw> {
        let b = self.bytes(addr, 8)?;
        let mut w = [0u8; 8];
        w.copy_from_slice(b);
        Ok(i64::from_le_bytes(w))
    }

    /// Stores the cell `v` at `addr`.
    ///
    /// # Errors
    /// -9 outside a valid region.
    #[inline(always)]
    pub fn store(&mut self, addr: Cell, v: Cell) -> Result<(), Throw> {
        let a = addr as u64;
        if a >= GUARD
            && let Some(b) = self.main.get_mut(a as usize..(a as usize).wrapping_add(8))
        {
            b.copy_from_slice(&v.to_le_bytes());
            return Ok(());
        }
        self.store_slow(addr, v)
    }

    /// Stores `x0` at `addr` and `x1` at `addr + 8` (2!'s layout).
    ///
    /// # Errors
    /// -9 outside a valid region (nothing is stored then).
    #[inline(always)]
    pub fn store2(&mut self, addr: Cell, x0: Cell, x1: Cell) -> Result<(), Throw> {
        let a = addr as u64;
        if a >= GUARD
            && let Some(b) = self.main.get_mut(a as usize..(a as usize).wrapping_add(16))
        {
            b[..8].copy_from_slice(&x0.to_le_bytes());
            b[8..].copy_from_slice(&x1.to_le_bytes());
            return Ok(());
        }
        self.bytes(addr, 16)?;
        self.store_slow(addr, x0)?;
        self.store_slow(addr.wrapping_add(8), x1)
    }

    #[cold]
    fn store_slow(&mut self, addr: Cell, v: Cell) -> Result<(), Throw> {
        self.bytes_mut(addr, 8)?.copy_from_slice(&v.to_le_bytes());
        Ok(())
    }

    /// The byte at `addr`.
    ///
    /// # Errors
    /// -9 outside a valid region.
    #[inline(always)]
    pub fn cfetch(&self, addr: Cell) -> Result<u8, Throw> {
        let a = addr as u64;
        if a >= GUARD
            && let Some(&b) = self.main.get(a as usize)
        {
            return Ok(b);
        }
        self.cfetch_slow(addr)
    }

    #[cold]
    fn cfetch_slow(&self, addr: Cell) -> Result<u8, Throw> {
        Ok(self.bytes(addr, 1)?[0])
    }

    /// Stores the byte `v` at `addr`.
    ///
    /// # Errors
    /// -9 outside a valid region.
    #[inline(always)]
    pub fn cstore(&mut self, addr: Cell, v: u8) -> Result<(), Throw> {
        let a = addr as u64;
        if a >= GUARD
            && let Some(b) = self.main.get_mut(a as usize)
        {
            *b = v;
            return Ok(());
        }
        self.cstore_slow(addr, v)
    }

    #[cold]
    fn cstore_slow(&mut self, addr: Cell, v: u8) -> Result<(), Throw> {
        self.bytes_mut(addr, 1)?[0] = v;
        Ok(())
    }

    /// Copies `len` bytes from `src` to `dst`; overlapping ranges behave as
    /// if copied through a buffer (MOVE, 6.1.1900).
    ///
    /// # Errors
    /// -9 when either range is invalid.
    pub fn copy(&mut self, src: Cell, dst: Cell, len: usize) -> Result<(), Throw> {
        if len == 0 {
            return Ok(());
        }
        if let (Some(s), Some(d)) = (self.main_range(src, len), self.main_range(dst, len)) {
            self.main.copy_within(s..s + len, d);
            return Ok(());
        }
        let tmp = self.bytes(src, len)?.to_vec();
        self.bytes_mut(dst, len)?.copy_from_slice(&tmp);
        Ok(())
    }

    /// Writes `bytes` at `addr`.
    ///
    /// # Errors
    /// -9 when the range is invalid.
    pub fn write(&mut self, addr: Cell, bytes: &[u8]) -> Result<(), Throw> {
        self.bytes_mut(addr, bytes.len())?.copy_from_slice(bytes);
        Ok(())
    }

    /// Allocates a region of `size` bytes (zeroed) and returns its address.
    /// `system` regions (input buffers, the literal pool) cannot be freed by
    /// FREE or RESIZE. `None` when `size` does not fit a segment or the heap limit would be passed.
    pub fn allocate(&mut self, size: u64, system: bool) -> Option<Cell> {
        if size > u32::MAX as u64 || self.heap_bytes + size as usize > self.heap_limit {
            return None;
        }
        let seg = Segment {
            data: vec![0; size as usize],
            system,
        };
        self.heap_bytes += size as usize;
        let idx = match self.free_slots.pop() {
            Some(i) => {
                self.segs[i as usize] = Some(seg);
                i as usize
            }
            None => {
                if self.segs.len() >= (u32::MAX - 1) as usize {
                    return None;
                }
                self.segs.push(Some(seg));
                self.segs.len() - 1
            }
        };
        Some(((idx as u64 + 1) << SEG_SHIFT) as Cell)
    }

    fn user_segment(&self, addr: Cell, allow_system: bool) -> Option<usize> {
        let a = addr as u64;
        if a & 0xFFFF_FFFF != 0 {
            return None;
        }
        let idx = (a >> SEG_SHIFT).checked_sub(1)? as usize;
        match self.segs.get(idx)? {
            Some(seg) if allow_system || !seg.system => Some(idx),
            _ => None,
        }
    }

    /// Frees the region that starts at `addr` (FREE, 14.6.1.1605).
    ///
    /// # Errors
    /// -60 (FREE) when `addr` is not the start of a live user region.
    pub fn free(&mut self, addr: Cell) -> Result<(), Throw> {
        self.free_any(addr, false)
    }

    /// Frees a region, system regions included (for the system's own buffers).
    ///
    /// # Errors
    /// -60 (FREE) when `addr` is not the start of a live region.
    pub fn free_any(&mut self, addr: Cell, allow_system: bool) -> Result<(), Throw> {
        let idx = self
            .user_segment(addr, allow_system)
            .ok_or(Throw(code::FREE))?;
        if let Some(seg) = self.segs[idx].take() {
            self.heap_bytes -= seg.data.len();
        }
        self.free_slots.push(idx as u32);
        Ok(())
    }

    /// Resizes the region at `addr` to `size` bytes, keeping its contents
    /// (RESIZE, 14.6.1.2145). The address does not change.
    ///
    /// # Errors
    /// -61 (RESIZE) when `addr` is not a live user region or the size is out of range.
    pub fn resize(&mut self, addr: Cell, size: u64) -> Result<Cell, Throw> {
        let bad = Throw(code::RESIZE);
        let idx = self.user_segment(addr, false).ok_or(bad)?;
        let Some(seg) = self.segs[idx].as_mut() else {
            return Err(bad);
        };
        let old = seg.data.len();
        if size > u32::MAX as u64 || self.heap_bytes - old + size as usize > self.heap_limit {
            return Err(bad);
        }
        seg.data.resize(size as usize, 0);
        self.heap_bytes = self.heap_bytes - old + size as usize;
        Ok(addr)
    }

    /// Grows a system region (an input buffer) to at least `size` bytes.
    ///
    /// # Errors
    /// -59 (ALLOCATE) when `addr` is not a live region.
    pub fn grow_system(&mut self, addr: Cell, size: usize) -> Result<(), Throw> {
        let bad = Throw(code::ALLOCATE);
        let idx = self.user_segment(addr, true).ok_or(bad)?;
        let seg = self.segs[idx].as_mut().ok_or(bad)?;
        if seg.data.len() < size {
            self.heap_bytes += size - seg.data.len();
            seg.data.resize(size, 0);
        }
        Ok(())
    }

    /// True when `addr..addr+len` is a valid range.
    pub fn valid(&self, addr: Cell, len: usize) -> bool {
        self.bytes(addr, len).is_ok()
    }
}

/// Throws -9 (a convenience for callers that build addresses).
pub fn invalid<T>() -> Result<T, Throw> {
    throw(code::INVALID_ADDRESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_region_is_bounds_checked() {
        let mut m = Memory::new(1 << 16, 1 << 20);
        assert_eq!(m.fetch(0), Err(INVALID));
        assert_eq!(m.fetch(GUARD as i64 - 1), Err(INVALID));
        m.store(GUARD as i64, -5).unwrap();
        assert_eq!(m.fetch(GUARD as i64), Ok(-5));
        assert_eq!(m.fetch((1 << 16) - 7), Err(INVALID));
        assert_eq!(m.cfetch(-1), Err(INVALID));
        assert!(m.bytes(i64::MAX, 10).is_err());
    }

    #[test]
    fn segments_allocate_resize_free() {
        let mut m = Memory::new(1 << 16, 1000);
        let a = m.allocate(100, false).unwrap();
        m.store(a + 92, 7).unwrap();
        assert_eq!(m.fetch(a + 93), Err(INVALID));
        assert_eq!(m.resize(a, 200), Ok(a));
        assert_eq!(m.fetch(a + 92), Ok(7));
        assert!(m.allocate(900, false).is_none());
        assert!(m.resize(a, u64::MAX).is_err());
        m.free(a).unwrap();
        assert_eq!(m.fetch(a), Err(INVALID));
        assert!(m.free(a).is_err());
        let s = m.allocate(10, true).unwrap();
        assert!(m.free(s).is_err());
    }
}

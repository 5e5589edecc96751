//! Block word set (Forth 2012 §7): block buffers in data space backed by a
//! block file (block u at byte offset (u-1)·1024; blocks past the end of
//! the file read as spaces), least-recently-used replacement, LOAD/THRU as
//! input sources, LIST.

use crate::error::{Throw, code};
use crate::interp::SrcKind;
use crate::layout::{self, NUM_BLOCK_BUFFERS};
use crate::memory::Cell;
use crate::system::Forth;
use crate::words::SysWord;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

#[derive(Clone, Copy, Default)]
struct Buf {
    blk: Cell,
    dirty: bool,
    used: u64,
}

/// The block buffers and the block file.
pub(crate) struct Blocks {
    path: PathBuf,
    bufs: [Buf; NUM_BLOCK_BUFFERS],
    current: Option<usize>,
    clock: u64,
}

fn addr(i: usize) -> Cell {
    layout::BLOCK_BUFS + 1024 * i as Cell
}

impl Blocks {
    pub(crate) fn new(path: PathBuf) -> Blocks {
        Blocks {
            path,
            bufs: [Buf::default(); NUM_BLOCK_BUFFERS],
            current: None,
            clock: 0,
        }
    }
}

impl Forth {
    fn write_block(&mut self, i: usize) -> Result<(), Throw> {
        let b = self.blocks.bufs[i];
        if b.blk <= 0 || !b.dirty {
            return Ok(());
        }
        let data = self.hot.mem.bytes(addr(i), 1024)?.to_vec();
        let r = (|| -> std::io::Result<()> {
            let mut f = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&self.blocks.path)?;
            f.seek(SeekFrom::Start((b.blk as u64 - 1) * 1024))?;
            f.write_all(&data)
        })();
        r.map_err(|_| Throw(code::BLOCK_WRITE))?;
        self.blocks.bufs[i].dirty = false;
        Ok(())
    }

    fn read_block(&mut self, blk: Cell, i: usize) -> Result<(), Throw> {
        let mut data = vec![b' '; 1024];
        if let Ok(mut f) = std::fs::File::open(&self.blocks.path) {
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let off = (blk as u64 - 1) * 1024;
            if off < len {
                f.seek(SeekFrom::Start(off))
                    .map_err(|_| Throw(code::BLOCK_READ))?;
                let mut got = 0;
                while got < 1024 {
                    match f.read(&mut data[got..]) {
                        Ok(0) => break,
                        Ok(k) => got += k,
                        Err(_) => return Err(Throw(code::BLOCK_READ)),
                    }
                }
            }
        }
        self.hot.mem.write(addr(i), &data)
    }

    /// BLOCK (read) or BUFFER: the address of a buffer assigned to `blk`.
    pub(crate) fn block_addr(&mut self, blk: Cell, read: bool) -> Result<Cell, Throw> {
        if blk <= 0 || blk > (1 << 30) {
            return Err(Throw(code::INVALID_BLOCK));
        }
        self.blocks.clock += 1;
        let clock = self.blocks.clock;
        if let Some(i) = self.blocks.bufs.iter().position(|b| b.blk == blk) {
            self.blocks.bufs[i].used = clock;
            self.blocks.current = Some(i);
            return Ok(addr(i));
        }
        let i = (0..NUM_BLOCK_BUFFERS)
            .min_by_key(|&i| {
                let b = self.blocks.bufs[i];
                if b.blk == 0 { 0 } else { b.used }
            })
            .unwrap_or(0);
        self.write_block(i)?;
        if read {
            self.read_block(blk, i)?;
        }
        self.blocks.bufs[i] = Buf {
            blk,
            dirty: false,
            used: clock,
        };
        self.blocks.current = Some(i);
        Ok(addr(i))
    }

    fn save_buffers(&mut self) -> Result<(), Throw> {
        for i in 0..NUM_BLOCK_BUFFERS {
            self.write_block(i)?;
        }
        Ok(())
    }

    fn load(&mut self, blk: Cell) -> Result<(), Throw> {
        self.block_addr(blk, true)?;
        self.push_source(SrcKind::Block { blk }, 0, 1024)?;
        let r = self.interpret_buffer();
        self.pop_source();
        r
    }

    /// LOAD and THRU (a small frame: they nest).
    pub(crate) fn load_word(&mut self, w: SysWord) -> Result<(), Throw> {
        if w == SysWord::Thru {
            let u2 = self.hot.pop()?;
            let u1 = self.hot.pop()?;
            for b in u1..=u2 {
                self.load(b)?;
            }
        } else {
            let u = self.hot.pop()?;
            self.load(u)?;
        }
        Ok(())
    }

    /// The Block words that do not nest.
    pub(crate) fn block_word(&mut self, w: SysWord) -> Result<(), Throw> {
        use SysWord as S;
        match w {
            S::Block | S::Buffer => {
                let u = self.hot.pop()?;
                let a = self.block_addr(u, w == S::Block)?;
                self.hot.push(a)?;
            }
            S::Update => {
                if let Some(i) = self.blocks.current {
                    self.blocks.bufs[i].dirty = true;
                }
            }
            S::SaveBuffers => self.save_buffers()?,
            S::Flush => {
                self.save_buffers()?;
                self.blocks.bufs = [Buf::default(); NUM_BLOCK_BUFFERS];
                self.blocks.current = None;
            }
            S::EmptyBuffers => {
                self.blocks.bufs = [Buf::default(); NUM_BLOCK_BUFFERS];
                self.blocks.current = None;
            }
            S::List => {
                let u = self.hot.pop()?;
                let a = self.block_addr(u, true)?;
                self.hot.mem.store(layout::SCR, u)?;
                let data = self.hot.mem.bytes(a, 1024)?.to_vec();
                let mut s = format!("Screen {u}\n");
                for (k, line) in data.chunks(64).enumerate() {
                    s.push_str(&format!("{k:2} {}\n", String::from_utf8_lossy(line)));
                }
                self.out.write(s.as_bytes());
            }
            _ => return Err(Throw(code::UNSUPPORTED)),
        }
        Ok(())
    }
}

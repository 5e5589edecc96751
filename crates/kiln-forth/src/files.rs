//! File-Access word set (Forth 2012 §11): the table of open files and the
//! words over it, plus INCLUDED/INCLUDE/REQUIRED/REQUIRE/INCLUDE-FILE.
//!
//! A fileid is a positive cell; file access methods are R/O = 1, W/O = 2,
//! R/W = 3 with BIN adding 4 (ignored: files are bytes). Failures return
//! the standard per-word ior codes (-69 OPEN-FILE, -70 READ-FILE, …).

use crate::error::{Throw, code};
use crate::memory::Cell;
use crate::system::Forth;
use crate::words::SysWord;
use rustc_hash::FxHashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};

/// The open files.
#[derive(Default)]
pub(crate) struct Files {
    next: Cell,
    open: FxHashMap<Cell, File>,
}

impl Files {
    fn add(&mut self, f: File) -> Cell {
        let id = self.next_source_id();
        self.open.insert(id, f);
        id
    }

    /// A fresh fileid (also used as SOURCE-ID of INCLUDED files).
    pub(crate) fn next_source_id(&mut self) -> Cell {
        self.next += 1;
        1000 + self.next
    }
}

const IOR_OPEN: Cell = -69;
const IOR_CREATE: Cell = -63;
const IOR_CLOSE: Cell = -62;
const IOR_DELETE: Cell = -64;
const IOR_POSITION: Cell = -65;
const IOR_SIZE: Cell = -66;
const IOR_STATUS: Cell = -67;
const IOR_FLUSH: Cell = -68;
const IOR_READ: Cell = -70;
const IOR_READ_LINE: Cell = -71;
const IOR_RENAME: Cell = -72;
const IOR_REPOSITION: Cell = -73;
const IOR_RESIZE: Cell = -74;
const IOR_WRITE: Cell = -75;
const IOR_WRITE_LINE: Cell = -76;

fn ior<T, E>(r: Result<T, E>, code: Cell) -> Cell {
    if r.is_ok() { 0 } else { code }
}

impl Forth {
    fn name_arg(&mut self) -> Result<String, Throw> {
        let (a, n) = self.hot.pop_string()?;
        Ok(String::from_utf8_lossy(self.hot.mem.bytes(a, n)?).into_owned())
    }

    fn file_mut(&mut self, id: Cell) -> Option<&mut File> {
        self.files.open.get_mut(&id)
    }

    fn open_with(&mut self, fam: Cell, create: bool) -> Result<(), Throw> {
        let name = self.name_arg()?;
        let path = self.cwd.join(&name);
        let mode = fam & 3;
        let mut o = OpenOptions::new();
        o.read(mode != 2).write(mode != 1);
        if create {
            o.write(true).create(true).truncate(true);
        }
        match o.open(&path) {
            Ok(f) => {
                let id = self.files.add(f);
                self.hot.push(id)?;
                self.hot.push(0)
            }
            Err(_) => {
                self.hot.push(0)?;
                self.hot.push(if create { IOR_CREATE } else { IOR_OPEN })
            }
        }
    }

    /// INCLUDED, INCLUDE, REQUIRED, REQUIRE, INCLUDE-FILE (a small frame:
    /// these nest).
    pub(crate) fn include_word(&mut self, w: SysWord) -> Result<(), Throw> {
        use SysWord as S;
        match w {
            S::Included => {
                let name = self.name_arg()?;
                let p = self.resolve_path(&name);
                self.include_path(&p)?;
            }
            S::Include | S::Require => {
                let (a, n) = self.parse_name()?;
                if n == 0 {
                    return Err(Throw(code::ZERO_LENGTH_NAME));
                }
                let name = String::from_utf8_lossy(self.hot.mem.bytes(a, n)?).into_owned();
                let p = self.resolve_path(&name);
                if w == S::Include || !self.already_included(&p) {
                    self.include_path(&p)?;
                }
            }
            S::Required => {
                let name = self.name_arg()?;
                let p = self.resolve_path(&name);
                if !self.already_included(&p) {
                    self.include_path(&p)?;
                }
            }
            S::IncludeFile => {
                let id = self.hot.pop()?;
                let mut f = self.files.open.remove(&id).ok_or(Throw(code::FILE_IO))?;
                let mut bytes = Vec::new();
                f.read_to_end(&mut bytes)
                    .map_err(|_| Throw(code::FILE_IO))?;
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let t = self.add_text(&format!("<fileid {id}>"), &text);
                self.run_text(t, id)?;
            }
            _ => return Err(Throw(code::UNSUPPORTED)),
        }
        Ok(())
    }

    /// The File-Access words that do not nest.
    pub(crate) fn file_word(&mut self, w: SysWord) -> Result<(), Throw> {
        use SysWord as S;
        match w {
            S::RO => self.hot.push(1)?,
            S::WO => self.hot.push(2)?,
            S::RW => self.hot.push(3)?,
            S::Bin => {
                let fam = self.hot.pop()?;
                self.hot.push(fam | 4)?;
            }
            S::OpenFile | S::CreateFile => {
                let fam = self.hot.pop()?;
                self.open_with(fam, w == S::CreateFile)?;
            }
            S::CloseFile => {
                let id = self.hot.pop()?;
                let r = self.files.open.remove(&id).ok_or(());
                self.hot.push(ior(r, IOR_CLOSE))?;
            }
            S::DeleteFile => {
                let name = self.name_arg()?;
                let r = std::fs::remove_file(self.cwd.join(name));
                self.hot.push(ior(r, IOR_DELETE))?;
            }
            S::RenameFile => {
                let to = self.name_arg()?;
                let from = self.name_arg()?;
                let r = std::fs::rename(self.cwd.join(from), self.cwd.join(to));
                self.hot.push(ior(r, IOR_RENAME))?;
            }
            S::ReadFile => {
                let id = self.hot.pop()?;
                let (a, n) = self.hot.pop_string()?;
                let mut buf = vec![0u8; n];
                let mut got = 0;
                let r = match self.files.open.get_mut(&id) {
                    Some(f) => loop {
                        match f.read(&mut buf[got..]) {
                            Ok(0) => break Ok(()),
                            Ok(k) => {
                                got += k;
                                if got == n {
                                    break Ok(());
                                }
                            }
                            Err(e) => break Err(e),
                        }
                    },
                    None => Ok(()).and(Err(std::io::Error::other("bad fileid"))),
                };
                self.hot.mem.write(a, &buf[..got])?;
                self.hot.push(got as Cell)?;
                self.hot.push(ior(r, IOR_READ))?;
            }
            S::ReadLine => {
                let id = self.hot.pop()?;
                let (a, n) = self.hot.pop_string()?;
                match self.read_line(id, n) {
                    Ok(Some(line)) => {
                        self.hot.mem.write(a, &line)?;
                        self.hot.push(line.len() as Cell)?;
                        self.hot.push(-1)?;
                        self.hot.push(0)?;
                    }
                    Ok(None) => {
                        self.hot.push(0)?;
                        self.hot.push(0)?;
                        self.hot.push(0)?;
                    }
                    Err(()) => {
                        self.hot.push(0)?;
                        self.hot.push(0)?;
                        self.hot.push(IOR_READ_LINE)?;
                    }
                }
            }
            S::WriteFile | S::WriteLine => {
                let id = self.hot.pop()?;
                let (a, n) = self.hot.pop_string()?;
                let mut data = self.hot.mem.bytes(a, n)?.to_vec();
                if w == S::WriteLine {
                    data.push(b'\n');
                }
                let r = match self.file_mut(id) {
                    Some(f) => f.write_all(&data).map_err(|_| ()),
                    None => Err(()),
                };
                let code = if w == S::WriteLine {
                    IOR_WRITE_LINE
                } else {
                    IOR_WRITE
                };
                self.hot.push(ior(r, code))?;
            }
            S::FilePosition | S::FileSize => {
                let id = self.hot.pop()?;
                let r = match self.file_mut(id) {
                    Some(f) if w == S::FilePosition => f.stream_position().map_err(|_| ()),
                    Some(f) => f.metadata().map(|m| m.len()).map_err(|_| ()),
                    None => Err(()),
                };
                let c = if w == S::FilePosition {
                    IOR_POSITION
                } else {
                    IOR_SIZE
                };
                self.hot.push_double(*r.as_ref().unwrap_or(&0) as i128)?;
                self.hot.push(ior(r, c))?;
            }
            S::RepositionFile | S::ResizeFile => {
                let id = self.hot.pop()?;
                let pos = self.hot.pop_double()?;
                let r = match (self.file_mut(id), u64::try_from(pos)) {
                    (Some(f), Ok(p)) if w == S::RepositionFile => {
                        f.seek(SeekFrom::Start(p)).map(|_| ()).map_err(|_| ())
                    }
                    (Some(f), Ok(p)) => f.set_len(p).map_err(|_| ()),
                    _ => Err(()),
                };
                let c = if w == S::RepositionFile {
                    IOR_REPOSITION
                } else {
                    IOR_RESIZE
                };
                self.hot.push(ior(r, c))?;
            }
            S::FileStatus => {
                let name = self.name_arg()?;
                let r = std::fs::metadata(self.cwd.join(name));
                let mode = r
                    .as_ref()
                    .map_or(0, |m| if m.permissions().readonly() { 1 } else { 3 });
                self.hot.push(mode)?;
                self.hot.push(ior(r, IOR_STATUS))?;
            }
            S::FlushFile => {
                let id = self.hot.pop()?;
                let r = match self.file_mut(id) {
                    Some(f) => f.flush().map_err(|_| ()),
                    None => Err(()),
                };
                self.hot.push(ior(r, IOR_FLUSH))?;
            }
            _ => return Err(Throw(code::UNSUPPORTED)),
        }
        Ok(())
    }

    fn already_included(&self, p: &std::path::Path) -> bool {
        let canon = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        self.included.contains(&canon)
    }

    /// READ-LINE's core: up to `max` bytes of the next line (without its
    /// terminator); `None` at end of file.
    fn read_line(&mut self, id: Cell, max: usize) -> Result<Option<Vec<u8>>, ()> {
        let f = self.files.open.get_mut(&id).ok_or(())?;
        let start = f.stream_position().map_err(|_| ())?;
        let mut buf = vec![0u8; max + 2];
        let mut got = 0;
        while got < buf.len() {
            match f.read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(_) => return Err(()),
            }
            if buf[..got].contains(&b'\n') {
                break;
            }
        }
        if got == 0 {
            return Ok(None);
        }
        let data = &buf[..got];
        let (line_len, consumed) = match data.iter().position(|&b| b == b'\n') {
            Some(nl) if nl <= max => {
                let l = if nl > 0 && data[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                };
                (l, nl + 1)
            }
            _ => {
                let l = got.min(max);
                (l, l)
            }
        };
        f.seek(SeekFrom::Start(start + consumed as u64))
            .map_err(|_| ())?;
        Ok(Some(data[..line_len].to_vec()))
    }
}

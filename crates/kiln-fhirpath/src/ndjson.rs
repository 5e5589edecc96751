//! NDJSON input: lines read from a buffered reader with as few copies as
//! possible, shared by `kiln fhirpath eval` and the benchmark harness.

use std::io::{self, BufRead};

/// Calls `f` with each line of `reader`, its `\n` excluded: in place in the
/// reader's buffer when the line lies wholly inside it (no copy), otherwise
/// assembled in `spill`. Newlines are found by `memchr`'s vectorised search;
/// the bytes are not validated (the caller validates each line once, e.g.
/// with [`crate::Document::reparse_bytes`]).
///
/// # Errors
/// The reader's I/O errors (`Interrupted` is retried).
pub fn for_each_line(
    reader: &mut dyn BufRead,
    spill: &mut Vec<u8>,
    mut f: impl FnMut(&[u8]),
) -> io::Result<()> {
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            if !spill.is_empty() {
                f(spill);
                spill.clear();
            }
            return Ok(());
        }
        match memchr::memchr(b'\n', buf) {
            Some(i) => {
                if spill.is_empty() {
                    f(&buf[..i]);
                } else {
                    spill.extend_from_slice(&buf[..i]);
                    f(spill);
                    spill.clear();
                }
                reader.consume(i + 1);
            }
            None => {
                let n = buf.len();
                spill.extend_from_slice(buf);
                reader.consume(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_in_place_and_across_buffer_edges() {
        let text = b"{\"a\":1}\n\nlonger line than the buffer\nlast without newline";
        for cap in [4, 8, 1 << 10] {
            let mut reader = io::BufReader::with_capacity(cap, &text[..]);
            let mut lines = Vec::new();
            let mut spill = Vec::new();
            for_each_line(&mut reader, &mut spill, |l| lines.push(l.to_vec())).unwrap();
            let want: Vec<&[u8]> = vec![
                b"{\"a\":1}",
                b"",
                b"longer line than the buffer",
                b"last without newline",
            ];
            assert_eq!(lines, want, "capacity {cap}");
        }
    }
}

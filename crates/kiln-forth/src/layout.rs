//! Fixed addresses in the main memory region: system variables (BASE,
//! STATE, >IN, BLK, SCR), transient buffers (PAD, WORD, pictured numeric
//! output, interpreted S" strings) and block buffers, then the data space.
//!
//! Each buffer is separate so that, as Forth 2012 §3.3.3.6 requires, WORD
//! and pictured numeric output never overwrite PAD.

use crate::memory::GUARD;

const G: i64 = GUARD as i64;

/// BASE (6.1.0750).
pub const BASE: i64 = G;
/// STATE (6.1.2250).
pub const STATE: i64 = G + 8;
/// >IN (6.1.0560).
pub const TO_IN: i64 = G + 16;
/// BLK (7.6.1.0790).
pub const BLK: i64 = G + 24;
/// SCR (7.6.2.2190).
pub const SCR: i64 = G + 32;
/// PAD (6.2.2000), [`PAD_SIZE`] bytes.
pub const PAD: i64 = G + 0x100;
/// Size of PAD.
pub const PAD_SIZE: i64 = 1024;
/// WORD's counted-string buffer.
pub const WORD_BUF: i64 = PAD + PAD_SIZE;
/// Size of the WORD buffer.
pub const WORD_SIZE: i64 = 512;
/// Pictured numeric output buffer; HOLD fills it downwards from its end.
pub const HOLD_BUF: i64 = WORD_BUF + WORD_SIZE;
/// Size of the pictured numeric output buffer.
pub const HOLD_SIZE: i64 = 512;
/// Two buffers for interpreted S" and S\" strings (11.3.4), used in turn.
pub const SQ_BUF: i64 = HOLD_BUF + HOLD_SIZE;
/// Size of each S" buffer.
pub const SQ_SIZE: i64 = 2048;
/// Number of block buffers.
pub const NUM_BLOCK_BUFFERS: usize = 8;
/// The first block buffer (each is 1024 bytes, cell-aligned).
pub const BLOCK_BUFS: i64 = SQ_BUF + 2 * SQ_SIZE;
/// Start of the data space (the first address HERE returns).
pub const DATA_START: i64 = BLOCK_BUFS + 1024 * NUM_BLOCK_BUFFERS as i64;

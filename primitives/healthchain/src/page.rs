//! One page of a runtime-API listing, and the one cursor rule every listing follows.
//!
//! A listing is asked for with `start_after: Option<Key>` and a `limit`: `None` starts at the
//! first entry, `Some(key)` right after the entry with that key. The answer holds at most
//! [`MAX_PAGE_SIZE`] entries, each with its key, and `next`: the key of its last entry when
//! more may follow (pass it as the next `start_after`), `None` when the listing is complete.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use scale_info::TypeInfo;

/// The most entries one page of a runtime-API listing returns, whatever `limit` asks.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// The page size a listing uses for the `limit` a caller asked: `1..=MAX_PAGE_SIZE`.
pub fn page_size(limit: u32) -> u32 {
	limit.clamp(1, MAX_PAGE_SIZE)
}

/// One page of a listing, with the cursor to ask for the next.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Page<Key, Item> {
	/// The entries of this page, in listing order, each with its key.
	pub items: Vec<(Key, Item)>,
	/// Pass this as `start_after` to get the next page; `None` when the listing is complete.
	pub next: Option<Key>,
}

impl<Key, Item> Default for Page<Key, Item> {
	fn default() -> Self {
		Self { items: Vec::new(), next: None }
	}
}

//! Crash-safe file writes, secure removal and the hex names both stores share.
//!
//! A store file is only ever created by [`write_atomic`]: the bytes go to a temporary file in
//! the same directory (named with [`TEMP_PREFIX`], which readers ignore), the file is flushed
//! to disk, renamed over its final name and the directory is flushed. `rename(2)` within one
//! directory is atomic, so after a crash the final name holds either the old file or the new
//! one, never a torn mix.

use std::{
	fs::{self, File, OpenOptions},
	io::{self, Write},
	path::Path,
	sync::atomic::{AtomicU64, Ordering},
	time::{Duration, SystemTime},
};

/// Names of temporary files start with this; every listing skips them.
pub(crate) const TEMP_PREFIX: &str = ".tmp-";

/// A temporary file older than this is left over from a crash and is deleted when a store is
/// opened. Younger ones may belong to a write in progress in another process (the node and a
/// CLI import can share a store) and are left alone.
pub(crate) const STALE_TEMP_AGE: Duration = Duration::from_secs(3600);

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Creates `dir` (and its parents) if needed, readable by the owner only on Unix.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
	let mut builder = fs::DirBuilder::new();
	builder.recursive(true);
	#[cfg(unix)]
	std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
	builder.create(dir)
}

/// Atomically replaces (or creates) `dir/name` with `bytes`; see the module docs.
pub(crate) fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
	write_atomic_with_hook(dir, name, bytes, |_| Ok(()))
}

/// [`write_atomic`] with a hook called after the temporary file is complete and flushed and
/// before it is renamed: the point at which a crash leaves a full temporary file behind. Tests
/// inject failures there.
pub(crate) fn write_atomic_with_hook(
	dir: &Path,
	name: &str,
	bytes: &[u8],
	before_rename: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
	let temp = dir.join(format!(
		"{TEMP_PREFIX}{name}-{}-{}",
		std::process::id(),
		TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
	));
	let result = (|| {
		let mut options = OpenOptions::new();
		options.write(true).create_new(true);
		#[cfg(unix)]
		std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
		let mut file = options.open(&temp)?;
		file.write_all(bytes)?;
		file.sync_all()?;
		drop(file);
		before_rename(&temp)?;
		fs::rename(&temp, dir.join(name))?;
		sync_dir(dir)
	})();
	if result.is_err() {
		// Best effort: a temporary file that cannot be removed now is removed as stale later.
		let _ = overwrite_and_remove(&temp);
	}
	result
}

/// Flushes a directory's entries (new names, renames, removals) to disk.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
	File::open(dir)?.sync_all()
}

/// Overwrites a file's bytes with zeros, flushes them, then unlinks the file and flushes the
/// directory. `Ok(false)` if there was no such file.
///
/// On a journaling, copy-on-write or flash file system the old blocks may survive the
/// overwrite; what makes the data unrecoverable in healthchain is that the salt goes with it
/// (see the crate docs on crypto-shredding).
pub(crate) fn overwrite_and_remove(path: &Path) -> io::Result<bool> {
	let mut file = match OpenOptions::new().write(true).open(path) {
		Ok(file) => file,
		Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
		Err(e) => return Err(e),
	};
	let len = file.metadata()?.len();
	let zeros = [0u8; 64 * 1024];
	let mut left = len;
	while left > 0 {
		let n = left.min(zeros.len() as u64) as usize;
		file.write_all(&zeros[..n])?;
		left -= n as u64;
	}
	file.sync_all()?;
	drop(file);
	fs::remove_file(path)?;
	if let Some(dir) = path.parent() {
		sync_dir(dir)?;
	}
	Ok(true)
}

/// Deletes temporary files in `dir` older than `max_age`: what a crash between writing and
/// renaming leaves behind. A record's temporary file holds a salt and health data, so it is
/// overwritten before it is unlinked.
pub(crate) fn remove_stale_temp_files(dir: &Path, max_age: Duration) -> io::Result<usize> {
	let now = SystemTime::now();
	let mut removed = 0;
	for entry in fs::read_dir(dir)? {
		let entry = entry?;
		let name = entry.file_name();
		let Some(name) = name.to_str() else { continue };
		if !name.starts_with(TEMP_PREFIX) {
			continue;
		}
		let modified = entry.metadata()?.modified()?;
		let age = now.duration_since(modified).unwrap_or(Duration::ZERO);
		if age >= max_age && overwrite_and_remove(&entry.path())? {
			log::info!(target: "healthchain-engine", "removed stale temporary file {name}");
			removed += 1;
		}
	}
	Ok(removed)
}

/// Lowercase hex of `bytes`.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
	const DIGITS: &[u8; 16] = b"0123456789abcdef";
	let mut out = String::with_capacity(bytes.len() * 2);
	for b in bytes {
		out.push(DIGITS[(b >> 4) as usize] as char);
		out.push(DIGITS[(b & 0xf) as usize] as char);
	}
	out
}

/// Parses exactly 64 lowercase hex digits (the form the stores write) into 32 bytes.
pub(crate) fn from_hex32(hex: &str) -> Option<[u8; 32]> {
	let digits = hex.as_bytes();
	if digits.len() != 64 {
		return None;
	}
	let nibble = |c: u8| match c {
		b'0'..=b'9' => Some(c - b'0'),
		b'a'..=b'f' => Some(c - b'a' + 10),
		_ => None,
	};
	let mut out = [0u8; 32];
	for (i, pair) in digits.chunks_exact(2).enumerate() {
		out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
	}
	Some(out)
}

/// Lists the 32-byte names of the files `<hex><suffix>` in `dir`, sorted; temporary files and
/// anything else are skipped.
pub(crate) fn list_hex_names(dir: &Path, suffix: &str) -> io::Result<Vec<[u8; 32]>> {
	let mut names = Vec::new();
	for entry in fs::read_dir(dir)? {
		let entry = entry?;
		let name = entry.file_name();
		let Some(name) = name.to_str() else { continue };
		if let Some(hash) = name.strip_suffix(suffix).and_then(from_hex32) {
			if entry.file_type()?.is_file() {
				names.push(hash);
			}
		}
	}
	names.sort_unstable();
	Ok(names)
}

/// Reads a whole file, refusing (with `Ok(Err(size))`) one larger than `limit` bytes before
/// reading it, so a planted huge file cannot exhaust memory.
pub(crate) fn read_limited(path: &Path, limit: u64) -> io::Result<Result<Vec<u8>, u64>> {
	use std::io::Read;
	let file = File::open(path)?;
	let size = file.metadata()?.len();
	if size > limit {
		return Ok(Err(size));
	}
	let mut bytes = Vec::with_capacity(size as usize);
	// `take` guards against a file that grows between the size check and the read.
	file.take(limit + 1).read_to_end(&mut bytes)?;
	if bytes.len() as u64 > limit {
		return Ok(Err(bytes.len() as u64));
	}
	Ok(Ok(bytes))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn temp_files(dir: &Path) -> Vec<String> {
		fs::read_dir(dir)
			.unwrap()
			.map(|e| e.unwrap().file_name().into_string().unwrap())
			.filter(|n| n.starts_with(TEMP_PREFIX))
			.collect()
	}

	#[test]
	fn hex_round_trips_and_rejects_other_forms() {
		let bytes: [u8; 32] = core::array::from_fn(|i| (i * 37) as u8);
		let hex = to_hex(&bytes);
		assert_eq!(hex.len(), 64);
		assert_eq!(from_hex32(&hex), Some(bytes));
		assert_eq!(from_hex32(&hex.to_uppercase()), None);
		assert_eq!(from_hex32(&hex[..62]), None);
		assert_eq!(from_hex32(&format!("{}zz", &hex[..62])), None);
	}

	#[test]
	fn atomic_write_creates_and_replaces() {
		let dir = tempfile::tempdir().unwrap();
		write_atomic(dir.path(), "f", b"old").unwrap();
		assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"old");
		write_atomic(dir.path(), "f", b"new").unwrap();
		assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"new");
		assert!(temp_files(dir.path()).is_empty());
	}

	#[test]
	fn failure_between_write_and_rename_keeps_the_old_file() {
		let dir = tempfile::tempdir().unwrap();
		write_atomic(dir.path(), "f", b"old state").unwrap();
		let mut seen_temp = None;
		let err = write_atomic_with_hook(dir.path(), "f", b"new state", |temp| {
			// The temporary file is complete at this point; the final name is untouched.
			assert_eq!(fs::read(temp).unwrap(), b"new state");
			seen_temp = Some(temp.to_path_buf());
			Err(io::Error::other("power cut"))
		})
		.unwrap_err();
		assert_eq!(err.to_string(), "power cut");
		assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"old state");
		assert!(!seen_temp.unwrap().exists());
	}

	#[test]
	fn failure_before_the_first_write_leaves_no_file() {
		let dir = tempfile::tempdir().unwrap();
		let _ = write_atomic_with_hook(dir.path(), "f", b"new", |_| Err(io::Error::other("x")));
		assert!(!dir.path().join("f").exists());
		assert!(temp_files(dir.path()).is_empty());
	}

	#[test]
	fn stale_temp_files_are_removed_and_fresh_ones_kept() {
		let dir = tempfile::tempdir().unwrap();
		fs::write(dir.path().join(".tmp-a-1-1"), b"torn").unwrap();
		fs::write(dir.path().join("keep"), b"data").unwrap();
		assert_eq!(remove_stale_temp_files(dir.path(), STALE_TEMP_AGE).unwrap(), 0);
		assert_eq!(remove_stale_temp_files(dir.path(), Duration::ZERO).unwrap(), 1);
		assert!(temp_files(dir.path()).is_empty());
		assert!(dir.path().join("keep").exists());
	}

	#[test]
	fn overwrite_and_remove_reports_missing_files() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("f");
		fs::write(&path, vec![7u8; 100_000]).unwrap();
		assert!(overwrite_and_remove(&path).unwrap());
		assert!(!path.exists());
		assert!(!overwrite_and_remove(&path).unwrap());
	}

	#[test]
	fn read_limited_refuses_large_files() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("f");
		fs::write(&path, [1u8; 10]).unwrap();
		assert_eq!(read_limited(&path, 10).unwrap(), Ok(vec![1u8; 10]));
		assert_eq!(read_limited(&path, 9).unwrap(), Err(10));
	}
}

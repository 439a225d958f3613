//! Canonical JSON for FHIR R4 documents (rules in the crate's README).
//!
//! A small parser of its own rather than serde_json: numbers must be kept exactly as
//! written (FHIR treats `1.0` and `1` as different values), and serde_json can only do that
//! with its `arbitrary_precision` feature, which would change it for the whole workspace.

use alloc::vec::Vec;

/// The deepest nesting of arrays and objects accepted; a top-level object is at depth 1.
pub const MAX_DEPTH: usize = 128;

/// What was wrong with a document that could not be canonicalized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CanonicalizeErrorKind {
	/// The input is not valid UTF-8; the offset is the first byte of the bad sequence.
	InvalidUtf8,
	/// The input starts with a UTF-8 byte order mark, which JSON text must not carry.
	ByteOrderMark,
	/// The input ended where a value, a string's end, a `,`, `:`, `]` or `}` was expected.
	UnexpectedEnd,
	/// A character that cannot stand here (for example a trailing comma or a missing `:`).
	UnexpectedCharacter,
	/// Something other than whitespace follows the top-level value.
	TrailingCharacters,
	/// A raw control character (U+0000 to U+001F) inside a string; it must be escaped.
	ControlCharacterInString,
	/// A backslash followed by something other than `"`, `\`, `/`, `b`, `f`, `n`, `r`, `t`
	/// or `u`.
	InvalidEscape,
	/// A `\u` escape not followed by four hexadecimal digits.
	InvalidUnicodeEscape,
	/// A `\u` escape of a UTF-16 surrogate that is not part of a high-low surrogate pair.
	LoneSurrogate,
	/// A number that does not follow the JSON number grammar (for example `01`, `1.`, `.5`,
	/// `+1`, `1e`).
	InvalidNumber,
	/// A word that starts like `true`, `false` or `null` but is not one of them.
	InvalidLiteral,
	/// An object has two members whose keys are equal once unescaped; the offset is the
	/// later key.
	DuplicateKey,
	/// Arrays and objects nest deeper than [`MAX_DEPTH`].
	TooDeep,
}

impl CanonicalizeErrorKind {
	/// A one-line description of the error kind.
	pub fn description(&self) -> &'static str {
		match self {
			Self::InvalidUtf8 => "the input is not valid UTF-8",
			Self::ByteOrderMark => "the input starts with a byte order mark",
			Self::UnexpectedEnd => "the input ends too early",
			Self::UnexpectedCharacter => "unexpected character",
			Self::TrailingCharacters => "characters after the top-level value",
			Self::ControlCharacterInString => "unescaped control character in a string",
			Self::InvalidEscape => "invalid escape sequence in a string",
			Self::InvalidUnicodeEscape => "\\u escape without four hexadecimal digits",
			Self::LoneSurrogate => "UTF-16 surrogate escape that is not part of a pair",
			Self::InvalidNumber => "number does not follow the JSON number grammar",
			Self::InvalidLiteral => "invalid literal (expected true, false or null)",
			Self::DuplicateKey => "duplicate object key",
			Self::TooDeep => "arrays and objects nest too deeply",
		}
	}
}

/// A document could not be canonicalized: what was wrong, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CanonicalizeError {
	/// What was wrong.
	pub kind: CanonicalizeErrorKind,
	/// Byte offset in the input at which the problem was found.
	pub offset: usize,
}

impl core::fmt::Display for CanonicalizeError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "cannot canonicalize JSON: {} at byte {}", self.kind.description(), self.offset)
	}
}

impl std::error::Error for CanonicalizeError {}

type Result<T> = core::result::Result<T, CanonicalizeError>;
use CanonicalizeErrorKind as Kind;

/// Parses `input` as one JSON value and writes it in canonical form: object members sorted
/// by the UTF-8 bytes of their unescaped keys, no whitespace outside strings, strings
/// re-escaped minimally and numbers exactly as written.
///
/// Rejects anything that is not strict JSON (RFC 8259) with the kind and byte offset of the
/// problem, and also duplicate keys, lone surrogates and nesting deeper than [`MAX_DEPTH`].
pub fn canonicalize_json(input: &[u8]) -> Result<Vec<u8>> {
	if let Err(e) = core::str::from_utf8(input) {
		return Err(CanonicalizeError { kind: Kind::InvalidUtf8, offset: e.valid_up_to() });
	}
	if input.starts_with(&[0xef, 0xbb, 0xbf]) {
		return Err(CanonicalizeError { kind: Kind::ByteOrderMark, offset: 0 });
	}
	let mut parser = Parser { input, pos: 0 };
	let mut out = Vec::with_capacity(input.len());
	parser.skip_whitespace();
	parser.value(&mut out, 0)?;
	parser.skip_whitespace();
	if parser.pos < input.len() {
		return Err(parser.error(Kind::TrailingCharacters));
	}
	Ok(out)
}

struct Parser<'a> {
	/// Valid UTF-8 (checked before parsing), so string bytes can be copied as they are.
	input: &'a [u8],
	pos: usize,
}

impl Parser<'_> {
	fn error(&self, kind: Kind) -> CanonicalizeError {
		CanonicalizeError { kind, offset: self.pos }
	}

	fn error_at(&self, kind: Kind, offset: usize) -> CanonicalizeError {
		CanonicalizeError { kind, offset }
	}

	fn peek(&self) -> Option<u8> {
		self.input.get(self.pos).copied()
	}

	/// The error for the byte at the current position not being what was expected.
	fn unexpected(&self) -> CanonicalizeError {
		match self.peek() {
			None => self.error(Kind::UnexpectedEnd),
			Some(_) => self.error(Kind::UnexpectedCharacter),
		}
	}

	fn skip_whitespace(&mut self) {
		while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
			self.pos += 1;
		}
	}

	/// Parses the value at the current position (whitespace already skipped) at nesting
	/// `depth` (the number of arrays and objects around it).
	fn value(&mut self, out: &mut Vec<u8>, depth: usize) -> Result<()> {
		match self.peek() {
			Some(b'{') => self.object(out, depth + 1),
			Some(b'[') => self.array(out, depth + 1),
			Some(b'"') => {
				let text = self.string()?;
				write_string(out, &text);
				Ok(())
			},
			Some(b'-' | b'0'..=b'9') => self.number(out),
			Some(b't') => self.literal(b"true", out),
			Some(b'f') => self.literal(b"false", out),
			Some(b'n') => self.literal(b"null", out),
			_ => Err(self.unexpected()),
		}
	}

	fn object(&mut self, out: &mut Vec<u8>, depth: usize) -> Result<()> {
		if depth > MAX_DEPTH {
			return Err(self.error(Kind::TooDeep));
		}
		self.pos += 1; // '{'
		self.skip_whitespace();
		// (unescaped key, offset of the key, canonical value)
		let mut members: Vec<(Vec<u8>, usize, Vec<u8>)> = Vec::new();
		if self.peek() == Some(b'}') {
			self.pos += 1;
			out.extend_from_slice(b"{}");
			return Ok(());
		}
		loop {
			self.skip_whitespace();
			if self.peek() != Some(b'"') {
				return Err(self.unexpected());
			}
			let key_offset = self.pos;
			let key = self.string()?;
			self.skip_whitespace();
			if self.peek() != Some(b':') {
				return Err(self.unexpected());
			}
			self.pos += 1;
			self.skip_whitespace();
			let mut value = Vec::new();
			self.value(&mut value, depth)?;
			members.push((key, key_offset, value));
			self.skip_whitespace();
			match self.peek() {
				Some(b',') => self.pos += 1,
				Some(b'}') => {
					self.pos += 1;
					break;
				},
				_ => return Err(self.unexpected()),
			}
		}
		members.sort_by(|a, b| a.0.cmp(&b.0));
		let duplicate = members
			.windows(2)
			.filter(|pair| pair[0].0 == pair[1].0)
			.map(|pair| pair[0].1.max(pair[1].1))
			.min();
		if let Some(offset) = duplicate {
			return Err(self.error_at(Kind::DuplicateKey, offset));
		}
		out.push(b'{');
		for (i, (key, _, value)) in members.iter().enumerate() {
			if i > 0 {
				out.push(b',');
			}
			write_string(out, key);
			out.push(b':');
			out.extend_from_slice(value);
		}
		out.push(b'}');
		Ok(())
	}

	fn array(&mut self, out: &mut Vec<u8>, depth: usize) -> Result<()> {
		if depth > MAX_DEPTH {
			return Err(self.error(Kind::TooDeep));
		}
		self.pos += 1; // '['
		out.push(b'[');
		self.skip_whitespace();
		if self.peek() == Some(b']') {
			self.pos += 1;
			out.push(b']');
			return Ok(());
		}
		loop {
			self.skip_whitespace();
			self.value(out, depth)?;
			self.skip_whitespace();
			match self.peek() {
				Some(b',') => {
					self.pos += 1;
					out.push(b',');
				},
				Some(b']') => {
					self.pos += 1;
					out.push(b']');
					return Ok(());
				},
				_ => return Err(self.unexpected()),
			}
		}
	}

	/// Parses the string at the current position (an opening quote) and returns its
	/// unescaped UTF-8 bytes.
	fn string(&mut self) -> Result<Vec<u8>> {
		self.pos += 1; // '"'
		let mut text = Vec::new();
		loop {
			let Some(byte) = self.peek() else {
				return Err(self.error(Kind::UnexpectedEnd));
			};
			match byte {
				b'"' => {
					self.pos += 1;
					return Ok(text);
				},
				b'\\' => self.escape(&mut text)?,
				0x00..=0x1f => return Err(self.error(Kind::ControlCharacterInString)),
				_ => {
					text.push(byte);
					self.pos += 1;
				},
			}
		}
	}

	/// Parses the escape sequence at the current position (a backslash) into `text`.
	fn escape(&mut self, text: &mut Vec<u8>) -> Result<()> {
		let start = self.pos;
		self.pos += 1; // '\'
		let simple = match self.peek() {
			None => return Err(self.error(Kind::UnexpectedEnd)),
			Some(b'"') => b'"',
			Some(b'\\') => b'\\',
			Some(b'/') => b'/',
			Some(b'b') => 0x08,
			Some(b'f') => 0x0c,
			Some(b'n') => b'\n',
			Some(b'r') => b'\r',
			Some(b't') => b'\t',
			Some(b'u') => {
				self.pos += 1;
				let unit = self.hex4()?;
				let code = match unit {
					0xd800..=0xdbff => {
						if self.input.get(self.pos..self.pos + 2) != Some(&b"\\u"[..]) {
							return Err(self.error_at(Kind::LoneSurrogate, start));
						}
						self.pos += 2;
						let low = self.hex4()?;
						if !(0xdc00..=0xdfff).contains(&low) {
							return Err(self.error_at(Kind::LoneSurrogate, start));
						}
						0x10000 + ((u32::from(unit) - 0xd800) << 10) + (u32::from(low) - 0xdc00)
					},
					0xdc00..=0xdfff => return Err(self.error_at(Kind::LoneSurrogate, start)),
					_ => u32::from(unit),
				};
				let Some(c) = char::from_u32(code) else {
					return Err(self.error_at(Kind::LoneSurrogate, start));
				};
				let mut buf = [0u8; 4];
				text.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
				return Ok(());
			},
			Some(_) => return Err(self.error_at(Kind::InvalidEscape, start)),
		};
		text.push(simple);
		self.pos += 1;
		Ok(())
	}

	/// Reads four hexadecimal digits as a UTF-16 code unit.
	fn hex4(&mut self) -> Result<u16> {
		let mut unit = 0u16;
		for _ in 0..4 {
			let digit = match self.peek() {
				Some(b @ b'0'..=b'9') => b - b'0',
				Some(b @ b'a'..=b'f') => b - b'a' + 10,
				Some(b @ b'A'..=b'F') => b - b'A' + 10,
				None => return Err(self.error(Kind::UnexpectedEnd)),
				Some(_) => return Err(self.error(Kind::InvalidUnicodeEscape)),
			};
			unit = (unit << 4) | u16::from(digit);
			self.pos += 1;
		}
		Ok(unit)
	}

	/// Validates the number at the current position and copies it verbatim.
	fn number(&mut self, out: &mut Vec<u8>) -> Result<()> {
		let start = self.pos;
		if self.peek() == Some(b'-') {
			self.pos += 1;
		}
		match self.peek() {
			Some(b'0') => {
				self.pos += 1;
				if let Some(b'0'..=b'9') = self.peek() {
					return Err(self.error(Kind::InvalidNumber));
				}
			},
			Some(b'1'..=b'9') => self.digits(),
			_ => return Err(self.error(Kind::InvalidNumber)),
		}
		if self.peek() == Some(b'.') {
			self.pos += 1;
			if !matches!(self.peek(), Some(b'0'..=b'9')) {
				return Err(self.error(Kind::InvalidNumber));
			}
			self.digits();
		}
		if let Some(b'e' | b'E') = self.peek() {
			self.pos += 1;
			if let Some(b'+' | b'-') = self.peek() {
				self.pos += 1;
			}
			if !matches!(self.peek(), Some(b'0'..=b'9')) {
				return Err(self.error(Kind::InvalidNumber));
			}
			self.digits();
		}
		out.extend_from_slice(&self.input[start..self.pos]);
		Ok(())
	}

	fn digits(&mut self) {
		while let Some(b'0'..=b'9') = self.peek() {
			self.pos += 1;
		}
	}

	fn literal(&mut self, word: &'static [u8], out: &mut Vec<u8>) -> Result<()> {
		if self.input.get(self.pos..self.pos + word.len()) != Some(word) {
			return Err(self.error(Kind::InvalidLiteral));
		}
		self.pos += word.len();
		out.extend_from_slice(word);
		Ok(())
	}
}

/// Writes `text` (unescaped UTF-8) as a JSON string with minimal escaping.
fn write_string(out: &mut Vec<u8>, text: &[u8]) {
	const HEX: &[u8; 16] = b"0123456789abcdef";
	out.push(b'"');
	for &byte in text {
		match byte {
			b'"' => out.extend_from_slice(b"\\\""),
			b'\\' => out.extend_from_slice(b"\\\\"),
			0x08 => out.extend_from_slice(b"\\b"),
			0x0c => out.extend_from_slice(b"\\f"),
			b'\n' => out.extend_from_slice(b"\\n"),
			b'\r' => out.extend_from_slice(b"\\r"),
			b'\t' => out.extend_from_slice(b"\\t"),
			0x00..=0x1f => out.extend_from_slice(&[
				b'\\',
				b'u',
				b'0',
				b'0',
				HEX[usize::from(byte >> 4)],
				HEX[usize::from(byte & 0xf)],
			]),
			_ => out.push(byte),
		}
	}
	out.push(b'"');
}

#[cfg(test)]
mod tests {
	use super::*;

	fn canon(input: &str) -> String {
		String::from_utf8(canonicalize_json(input.as_bytes()).unwrap()).unwrap()
	}

	fn fails(input: &[u8]) -> (Kind, usize) {
		let e = canonicalize_json(input).unwrap_err();
		(e.kind, e.offset)
	}

	#[test]
	fn sorts_keys_and_drops_whitespace() {
		assert_eq!(
			canon(" {\"b\" : 1 ,\r\n\t\"a\":[ true , null ,false ] } "),
			r#"{"a":[true,null,false],"b":1}"#
		);
		assert_eq!(canon("{ }"), "{}");
		assert_eq!(canon("[ ]"), "[]");
	}

	#[test]
	fn keys_sort_by_utf8_bytes_of_the_unescaped_key() {
		// "é" is C3 A9 in UTF-8, after "z"; "\u0041" is "A", before "a".
		assert_eq!(canon(r#"{"é":1,"z":2,"a":3,"\u0041":4}"#), r#"{"A":4,"a":3,"z":2,"é":1}"#);
		// UTF-16 order would put U+1F600 (D83D ...) before U+FF21; UTF-8 order does not.
		assert_eq!(canon("{\"\u{1F600}\":1,\"\u{FF21}\":2}"), "{\"\u{FF21}\":2,\"\u{1F600}\":1}");
	}

	#[test]
	fn numbers_are_kept_verbatim() {
		assert_eq!(
			canon("[1.0, 1, -0, 1E5, 1e+05, 0.000100, 12345678901234567890.5]"),
			"[1.0,1,-0,1E5,1e+05,0.000100,12345678901234567890.5]"
		);
	}

	#[test]
	fn strings_are_re_escaped_minimally() {
		assert_eq!(
			canon(r#""\/\u00e9\u0041\"\\\b\f\n\r\t\u0001\u001F\u007f""#),
			"\"/éA\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\u{7f}\""
		);
		assert_eq!(canon(r#""\ud83d\ude00""#), "\"\u{1F600}\"");
		assert_eq!(canon("\"\u{2028}\""), "\"\u{2028}\"");
	}

	#[test]
	fn invalid_documents_are_named_errors_with_offsets() {
		assert_eq!(fails(b""), (Kind::UnexpectedEnd, 0));
		assert_eq!(fails(b"  "), (Kind::UnexpectedEnd, 2));
		assert_eq!(fails(b"\xef\xbb\xbf{}"), (Kind::ByteOrderMark, 0));
		assert_eq!(fails(b"[\"\xff\"]"), (Kind::InvalidUtf8, 2));
		assert_eq!(fails(b"[1,]"), (Kind::UnexpectedCharacter, 3));
		assert_eq!(fails(b"{\"a\" 1}"), (Kind::UnexpectedCharacter, 5));
		assert_eq!(fails(b"{\"a\":1,}"), (Kind::UnexpectedCharacter, 7));
		assert_eq!(fails(b"{1:2}"), (Kind::UnexpectedCharacter, 1));
		assert_eq!(fails(b"{} {}"), (Kind::TrailingCharacters, 3));
		assert_eq!(fails(b"\"a\nb\""), (Kind::ControlCharacterInString, 2));
		assert_eq!(fails(b"\"\\x\""), (Kind::InvalidEscape, 1));
		assert_eq!(fails(b"\"\\u12g4\""), (Kind::InvalidUnicodeEscape, 5));
		assert_eq!(fails(b"\"\\ud800\""), (Kind::LoneSurrogate, 1));
		assert_eq!(fails(b"\"x\\udc00\""), (Kind::LoneSurrogate, 2));
		assert_eq!(fails(b"\"\\ud800\\u0041\""), (Kind::LoneSurrogate, 1));
		assert_eq!(fails(b"01"), (Kind::InvalidNumber, 1));
		assert_eq!(fails(b"1."), (Kind::InvalidNumber, 2));
		assert_eq!(fails(b".5"), (Kind::UnexpectedCharacter, 0));
		assert_eq!(fails(b"+1"), (Kind::UnexpectedCharacter, 0));
		assert_eq!(fails(b"-"), (Kind::InvalidNumber, 1));
		assert_eq!(fails(b"1e"), (Kind::InvalidNumber, 2));
		assert_eq!(fails(b"[NaN]"), (Kind::UnexpectedCharacter, 1));
		assert_eq!(fails(b"tru"), (Kind::InvalidLiteral, 0));
		assert_eq!(fails(b"nul1"), (Kind::InvalidLiteral, 0));
		assert_eq!(fails(b"{\"a\":1,\"b\":2,\"\\u0061\":3}"), (Kind::DuplicateKey, 13));
		assert_eq!(fails(b"\"abc"), (Kind::UnexpectedEnd, 4));
		assert_eq!(fails(b"[1"), (Kind::UnexpectedEnd, 2));
	}

	#[test]
	fn nesting_is_limited() {
		let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
		assert!(canonicalize_json(ok.as_bytes()).is_ok());
		let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
		assert_eq!(fails(deep.as_bytes()), (Kind::TooDeep, MAX_DEPTH));
		let deep_objects = "{\"a\":".repeat(MAX_DEPTH + 1) + "1" + &"}".repeat(MAX_DEPTH + 1);
		assert_eq!(fails(deep_objects.as_bytes()).0, Kind::TooDeep);
	}

	#[test]
	fn error_display_names_the_problem_and_offset() {
		let e = canonicalize_json(b"[1,]").unwrap_err();
		assert_eq!(e.to_string(), "cannot canonicalize JSON: unexpected character at byte 3");
	}
}

#!/usr/bin/env python3
"""Write primitives/commitment/test-vectors/commitment-vectors.json.

An implementation of healthchain's record commitments, canonical JSON and batch Merkle
trees that shares no code with the Rust crate `healthchain-commitment`: BLAKE2b comes from
Python's hashlib and the canonicalizer below is written from the rules in
primitives/commitment/README.md. The crate's tests check the Rust code against the vectors
this script writes, so the two implementations have to agree byte for byte.

Usage: python3 scripts/commitment_vectors.py [--check]
  --check  do not write; exit 1 if the committed file differs from what would be written.
"""

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "primitives" / "commitment" / "test-vectors" / "commitment-vectors.json"

MAX_DEPTH = 128


def blake2_256(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


# --- canonical JSON ---------------------------------------------------------------------


class CanonError(Exception):
    def __init__(self, kind: str, offset: int):
        super().__init__(f"{kind} at {offset}")
        self.kind = kind
        self.offset = offset


WS = b" \t\n\r"


def escape_string(text: str) -> bytes:
    out = ['"']
    for ch in text:
        cp = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif cp == 0x08:
            out.append("\\b")
        elif cp == 0x0C:
            out.append("\\f")
        elif cp == 0x0A:
            out.append("\\n")
        elif cp == 0x0D:
            out.append("\\r")
        elif cp == 0x09:
            out.append("\\t")
        elif cp < 0x20:
            out.append("\\u%04x" % cp)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out).encode("utf-8")


class Canonicalizer:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def peek(self):
        return self.data[self.pos] if self.pos < len(self.data) else None

    def unexpected(self):
        kind = "UnexpectedEnd" if self.peek() is None else "UnexpectedCharacter"
        return CanonError(kind, self.pos)

    def ws(self):
        while self.peek() is not None and self.peek() in WS:
            self.pos += 1

    def run(self) -> bytes:
        try:
            self.data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise CanonError("InvalidUtf8", e.start)
        if self.data.startswith(b"\xef\xbb\xbf"):
            raise CanonError("ByteOrderMark", 0)
        self.ws()
        out = self.value(0)
        self.ws()
        if self.pos != len(self.data):
            raise CanonError("TrailingCharacters", self.pos)
        return out

    def value(self, depth: int) -> bytes:
        c = self.peek()
        if c == ord("{"):
            return self.obj(depth + 1)
        if c == ord("["):
            return self.arr(depth + 1)
        if c == ord('"'):
            return escape_string(self.string())
        if c is not None and (c == ord("-") or ord("0") <= c <= ord("9")):
            return self.number()
        for word in (b"true", b"false", b"null"):
            if c == word[0]:
                if self.data[self.pos : self.pos + len(word)] != word:
                    raise CanonError("InvalidLiteral", self.pos)
                self.pos += len(word)
                return word
        raise self.unexpected()

    def obj(self, depth: int) -> bytes:
        if depth > MAX_DEPTH:
            raise CanonError("TooDeep", self.pos)
        self.pos += 1
        self.ws()
        if self.peek() == ord("}"):
            self.pos += 1
            return b"{}"
        members = []
        while True:
            self.ws()
            if self.peek() != ord('"'):
                raise self.unexpected()
            key_offset = self.pos
            key = self.string()
            self.ws()
            if self.peek() != ord(":"):
                raise self.unexpected()
            self.pos += 1
            self.ws()
            members.append((key.encode("utf-8"), key_offset, self.value(depth)))
            self.ws()
            c = self.peek()
            if c == ord(","):
                self.pos += 1
            elif c == ord("}"):
                self.pos += 1
                break
            else:
                raise self.unexpected()
        seen = {}
        duplicate_offsets = []
        for key, offset, _ in members:
            if key in seen:
                duplicate_offsets.append(offset)
            seen[key] = offset
        if duplicate_offsets:
            raise CanonError("DuplicateKey", min(duplicate_offsets))
        members.sort(key=lambda m: m[0])  # bytes compare byte-wise
        return b"{" + b",".join(escape_string(k.decode("utf-8")) + b":" + v for k, _, v in members) + b"}"

    def arr(self, depth: int) -> bytes:
        if depth > MAX_DEPTH:
            raise CanonError("TooDeep", self.pos)
        self.pos += 1
        self.ws()
        if self.peek() == ord("]"):
            self.pos += 1
            return b"[]"
        items = []
        while True:
            self.ws()
            items.append(self.value(depth))
            self.ws()
            c = self.peek()
            if c == ord(","):
                self.pos += 1
            elif c == ord("]"):
                self.pos += 1
                return b"[" + b",".join(items) + b"]"
            else:
                raise self.unexpected()

    def hex4(self) -> int:
        value = 0
        for _ in range(4):
            c = self.peek()
            if c is None:
                raise CanonError("UnexpectedEnd", self.pos)
            ch = chr(c)
            if ch not in "0123456789abcdefABCDEF":
                raise CanonError("InvalidUnicodeEscape", self.pos)
            value = value * 16 + int(ch, 16)
            self.pos += 1
        return value

    def string(self) -> str:
        self.pos += 1
        chunks = []
        simple = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
        raw = bytearray()
        while True:
            c = self.peek()
            if c is None:
                raise CanonError("UnexpectedEnd", self.pos)
            if c == ord('"'):
                self.pos += 1
                chunks.append(raw.decode("utf-8"))
                return "".join(chunks)
            if c < 0x20:
                raise CanonError("ControlCharacterInString", self.pos)
            if c != ord("\\"):
                raw.append(c)
                self.pos += 1
                continue
            chunks.append(raw.decode("utf-8"))
            raw = bytearray()
            esc_start = self.pos
            self.pos += 1
            e = self.peek()
            if e is None:
                raise CanonError("UnexpectedEnd", self.pos)
            e = chr(e)
            if e in simple:
                chunks.append(simple[e])
                self.pos += 1
            elif e == "u":
                self.pos += 1
                unit = self.hex4()
                if 0xD800 <= unit <= 0xDBFF:
                    if self.data[self.pos : self.pos + 2] != b"\\u":
                        raise CanonError("LoneSurrogate", esc_start)
                    self.pos += 2
                    low = self.hex4()
                    if not 0xDC00 <= low <= 0xDFFF:
                        raise CanonError("LoneSurrogate", esc_start)
                    chunks.append(chr(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)))
                elif 0xDC00 <= unit <= 0xDFFF:
                    raise CanonError("LoneSurrogate", esc_start)
                else:
                    chunks.append(chr(unit))
            else:
                raise CanonError("InvalidEscape", esc_start)

    def number(self) -> bytes:
        start = self.pos
        digits = b"0123456789"

        def is_digit():
            c = self.peek()
            return c is not None and c in digits

        if self.peek() == ord("-"):
            self.pos += 1
        if self.peek() == ord("0"):
            self.pos += 1
            if is_digit():
                raise CanonError("InvalidNumber", self.pos)
        elif is_digit():
            while is_digit():
                self.pos += 1
        else:
            raise CanonError("InvalidNumber", self.pos)
        if self.peek() == ord("."):
            self.pos += 1
            if not is_digit():
                raise CanonError("InvalidNumber", self.pos)
            while is_digit():
                self.pos += 1
        if self.peek() in (ord("e"), ord("E")):
            self.pos += 1
            if self.peek() in (ord("+"), ord("-")):
                self.pos += 1
            if not is_digit():
                raise CanonError("InvalidNumber", self.pos)
            while is_digit():
                self.pos += 1
        return self.data[start : self.pos]


def canonicalize(data: bytes) -> bytes:
    return Canonicalizer(data).run()


# --- Merkle tree ------------------------------------------------------------------------


def leaf_hash(c: bytes) -> bytes:
    return blake2_256(b"\x00" + c)


def node_hash(left: bytes, right: bytes) -> bytes:
    return blake2_256(b"\x01" + left + right)


def levels(leaves):
    level = [leaf_hash(c) for c in leaves]
    out = [level]
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2 == 1:
            nxt.append(level[-1])
        out.append(nxt)
        level = nxt
    return out


def proof(all_levels, index):
    siblings = []
    for level in all_levels[:-1]:
        sib = index ^ 1
        if sib < len(level):
            siblings.append(level[sib])
        index //= 2
    return siblings


def scale_proof(index, count, siblings) -> bytes:
    n = len(siblings)
    assert n < 64  # compact single-byte mode
    return index.to_bytes(4, "little") + count.to_bytes(4, "little") + bytes([n << 2]) + b"".join(siblings)


def verify(root, c, index, count, siblings) -> bool:
    h, i, w, it = leaf_hash(c), index, count, iter(siblings)
    try:
        while w > 1:
            if i % 2 == 1:
                h = node_hash(next(it), h)
            elif i + 1 < w:
                h = node_hash(h, next(it))
            i, w = i // 2, (w + 1) // 2
    except StopIteration:
        return False
    return next(it, None) is None and h == root


# --- vectors ----------------------------------------------------------------------------


def salt(i: int) -> bytes:
    return blake2_256(b"healthchain-commitment test vector salt %d" % i)


CANONICAL_INPUTS = [
    (
        "FHIR Observation with whitespace, unordered keys and a significant decimal",
        b' {\n  "resourceType" : "Observation",\n  "status": "final",\n  "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7", "display": "Glucose [Mass/volume] in Serum or Plasma"}]},\n  "valueQuantity": {"value": 1.50, "unit": "mg\\/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"}\n}\n',
    ),
    (
        "the same Observation written compactly in another member order",
        b'{"valueQuantity":{"code":"mg/dL","system":"http://unitsofmeasure.org","unit":"mg/dL","value":1.50},"status":"final","resourceType":"Observation","code":{"coding":[{"display":"Glucose [Mass/volume] in Serum or Plasma","code":"2345-7","system":"http://loinc.org"}]}}',
    ),
    (
        "the Observation with value 1.5 instead of 1.50: a different record",
        b'{"resourceType":"Observation","status":"final","valueQuantity":{"value":1.5,"unit":"mg/dL"}}',
    ),
    (
        "Patient with non-ASCII text, \\u escapes and a surrogate pair",
        '{"resourceType":"Patient","name":[{"family":"M\\u00fcller","given":["Jos\u00e9","\\u0041nna"]}],"text":{"div":"<div xmlns=\\"http://www.w3.org/1999/xhtml\\">\\ud83d\\ude00 \u2028</div>"}}'.encode(),
    ),
    (
        "numbers are kept verbatim",
        b"[1.0, 1, -0, 0, 1E5, 1e+05, 1e-7, 0.000100, -1.5E-10, 12345678901234567890.123456789]",
    ),
    (
        "control characters and escapes are re-escaped minimally",
        b'["\\u0000\\u0001\\u001F\\u007f", "\\b\\f\\n\\r\\t", "\\"\\\\\\/", "\x7f"]',
    ),
    (
        "keys sort by the UTF-8 bytes of the unescaped key",
        '{"z":1,"\u00e9":2,"\uff21":3,"\U0001f600":4,"a":5,"A":6,"aa":7,"":8,"\\u0042":9}'.encode(),
    ),
    ("nested empty containers", b'{"a":{},"b":[],"c":[{},[[]],{"d":[null,true,false]}]}'),
    ("top-level string", b'"just a string"'),
    ("top-level number", b"  -42.500e+3  "),
    ("top-level null", b"null"),
    ("deepest accepted nesting (128)", b"[" * 128 + b"]" * 128),
]

REJECTED_INPUTS = [
    b"",
    b"   ",
    b"\xef\xbb\xbf{}",
    b'["\xff"]',
    b'{"a":"\xed\xa0\x80"}',
    b"[1,]",
    b'{"a" 1}',
    b'{"a":1,}',
    b"{1:2}",
    b"{} {}",
    b'"a\nb"',
    b'"\\x"',
    b'"\\u12g4"',
    b'"\\ud800"',
    b'"x\\udc00"',
    b'"\\ud800\\u0041"',
    b"01",
    b"-01",
    b"1.",
    b".5",
    b"+1",
    b"-",
    b"1e",
    b"1e+",
    b"[NaN]",
    b"[Infinity]",
    b"tru",
    b"nul1",
    b'{"a":1,"b":2,"\\u0061":3}',
    b'{"b":1,"a":2,"b":3,"a":4}',
    b'"abc',
    b"[1",
    b'{"a":1 // comment\n}',
    b"[" * 129 + b"]" * 129,
    b'{"a":' * 129 + b"1" + b"}" * 129,
]


def build():
    canonical = []
    for i, (note, data) in enumerate(CANONICAL_INPUTS):
        canon = canonicalize(data)
        assert canonicalize(canon) == canon, note  # idempotent
        s = salt(i)
        entry = {"note": note, "input_hex": data.hex()}
        try:
            entry["input_utf8"] = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        entry.update(
            canonical_utf8=canon.decode("utf-8"),
            canonical_hex=canon.hex(),
            salt_hex=s.hex(),
            commitment_hex=blake2_256(s + canon).hex(),
        )
        canonical.append(entry)
    assert canonical[0]["canonical_hex"] == canonical[1]["canonical_hex"]
    assert canonical[0]["canonical_hex"] != canonical[2]["canonical_hex"]

    rejected = []
    for data in REJECTED_INPUTS:
        try:
            canonicalize(data)
        except CanonError as e:
            rejected.append({"input_hex": data.hex(), "error": e.kind, "offset": e.offset})
        else:
            raise AssertionError(f"accepted {data!r}")

    raw = []
    for i, data in enumerate([b"", b"\x00", b"record bytes are committed as given", bytes(range(256))]):
        s = salt(100 + i)
        raw.append({"salt_hex": s.hex(), "bytes_hex": data.hex(), "commitment_hex": blake2_256(s + data).hex()})

    merkle = []
    for n in [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17, 100]:
        leaves = [blake2_256(b"healthchain batch of %d, leaf %d" % (n, i)) for i in range(n)]
        lv = levels(leaves)
        root = lv[-1][0]
        indexes = range(n) if n <= 9 else sorted({0, 1, n // 2, n - 2, n - 1})
        proofs = []
        for idx in indexes:
            sibs = proof(lv, idx)
            assert verify(root, leaves[idx], idx, n, sibs)
            proofs.append(
                {
                    "leaf_index": idx,
                    "leaf_count": n,
                    "siblings_hex": [s.hex() for s in sibs],
                    "scale_hex": scale_proof(idx, n, sibs).hex(),
                }
            )
        merkle.append(
            {
                "leaf_count": n,
                "leaves_hex": [c.hex() for c in leaves],
                "leaf_hashes_hex": [h.hex() for h in lv[0]],
                "root_hex": root.hex(),
                "proofs": proofs,
            }
        )

    return {
        "description": "healthchain-commitment test vectors, written by scripts/commitment_vectors.py "
        "(hashlib BLAKE2b-256 and an independent canonicalizer). Rules: primitives/commitment/README.md.",
        "commitment": "blake2_256(salt ++ canonical_bytes)",
        "merkle": "leaf = blake2_256(0x00 ++ commitment); node = blake2_256(0x01 ++ left ++ right); "
        "odd last node promoted unchanged",
        "canonicalization": canonical,
        "rejected": rejected,
        "raw_commitments": raw,
        "merkle_batches": merkle,
    }


def main():
    text = json.dumps(build(), indent=1, ensure_ascii=True) + "\n"
    if "--check" in sys.argv[1:]:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT} is out of date: run python3 scripts/commitment_vectors.py", file=sys.stderr)
            sys.exit(1)
        print(f"{OUT.relative_to(ROOT)} is up to date")
        return
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

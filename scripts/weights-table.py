#!/usr/bin/env python3
"""Prints the weight table of docs/benchmarks.md from the generated `weights.rs` files.

    scripts/weights-table.py pallets/consent pallets/records pallets/attestation pallets/consortium

For each call of `SubstrateWeight`: the base time (the weight's constant `ref_time`), the proof
size, the slope per component and the constant reads / writes, as the benchmark CLI wrote them.
"""
import re
import sys
from pathlib import Path

FN = re.compile(r"^\tfn (\w+)\(([^)]*)\) -> Weight \{$")
BASE = re.compile(r"Weight::from_parts\(([\d_]+), ([\d_]+)\)$")
SLOPE = re.compile(r"\.saturating_add\(Weight::from_parts\(([\d_]+), 0\)\.saturating_mul\((\w+)\.into\(\)\)\)")
READS = re.compile(r"\.saturating_add\(T::DbWeight::get\(\)\.reads\(([\d_]+)_u64\)\)")
WRITES = re.compile(r"\.saturating_add\(T::DbWeight::get\(\)\.writes\(([\d_]+)_u64\)\)")
PER = re.compile(r"\.saturating_add\(T::DbWeight::get\(\)\.(reads|writes)\(\(([\d_]+)_u64\)\.saturating_mul\((\w+)\.into\(\)\)\)\)")


def number(text: str) -> int:
    return int(text.replace("_", ""))


def micros(picoseconds: int, digits: int = 1) -> str:
    return f"{picoseconds / 1_000_000:.{digits}f} µs"


def rows(pallet_dir: Path):
    pallet = pallet_dir.name
    text = (pallet_dir / "src" / "weights.rs").read_text()
    body = text.split("for SubstrateWeight<T> {", 1)[1].split("\n}\n", 1)[0]
    current = None
    for line in body.splitlines():
        match = FN.match(line)
        if match:
            name, params = match.groups()
            params = ", ".join(p.strip() for p in params.split(",") if p.strip())
            current = {"call": f"`{pallet}::{name}({params})`", "slopes": [], "reads": 0, "writes": 0, "per": {"reads": "", "writes": ""}}
            continue
        if current is None:
            continue
        stripped = line.strip()
        if (m := BASE.match(stripped)) and "base" not in current:
            current["base"], current["proof"] = number(m.group(1)), number(m.group(2))
        elif m := SLOPE.match(stripped):
            current["slopes"].append(f"+{micros(number(m.group(1)), 2)} × {m.group(2)}")
        elif m := PER.match(stripped):
            current["per"][m.group(1)] += f" + {number(m.group(2))}{m.group(3)}"
        elif m := READS.match(stripped):
            current["reads"] = number(m.group(1))
        elif m := WRITES.match(stripped):
            current["writes"] = number(m.group(1))
        elif stripped == "}":
            slopes = ", ".join(current["slopes"]) or "–"
            yield (
                f"| {current['call']} | {micros(current.get('base', 0))} | "
                f"{current.get('proof', 0)} | {slopes} | "
                f"{current['reads']}{current['per']['reads']} / {current['writes']}{current['per']['writes']} |"
            )
            current = None


def main() -> None:
    print("| call | base | proof size (bytes) | per component | reads / writes |")
    print("|---|---|---|---|---|")
    for arg in sys.argv[1:]:
        for row in rows(Path(arg)):
            print(row)


if __name__ == "__main__":
    main()

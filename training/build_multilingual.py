"""Build ``training/data/multilingual_v1.jsonl.gz``: benign text in 25 languages.

    apt-get install man-db manpages-{fr,de,es,...} fortunes-{de,es,...}   # see PACKAGES
    python training/build_multilingual.py

The v2 corpora are almost all English on the benign side, while several attack
families (CyberSecEval's multilingual injections, jailbreak prompts) are not: a model
fitted on them learns that a foreign language is evidence of an attack. This corpus
supplies the benign side in the languages Debian ships documentation and sayings in:

- ``manpages-l10n-team/manpages-l10n``: translated manual pages, rendered by ``man``
  to plain text (what a shell or documentation tool returns), 23 languages;
- ``debian/fortunes``: the fortune cookie files (quotations, jokes, verse), 14
  languages, the "offensive" sections left out.

Tool rows are sections of about 2 KB; user rows are single paragraphs or sayings of
60-700 characters. Each source file goes whole to one split (70% train, 15% dev, 15%
test, by a hash of its path), so a page never teaches and tests at once. The output is
deterministic for one set of installed package versions, which the companion
``multilingual_v1.json`` records with the row counts.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "data" / "multilingual_v1.jsonl.gz"
MANIFEST = HERE / "data" / "multilingual_v1.json"
MAN = Path("/usr/share/man")
FORTUNES = Path("/usr/share/games/fortunes")
MAN_LANGS = ("cs", "da", "de", "el", "es", "fi", "fr", "hu", "id", "it", "ja", "ko", "mk")
MAN_LANGS += ("nb", "nl", "pl", "pt_BR", "ro", "ru", "sv", "tr", "uk", "vi", "zh_CN")
FORTUNE_PACKAGES = ("bg", "br", "cs", "de", "eo", "es", "ga", "it", "min", "pl", "ru", "zh")
PAGES_PER_LANG = 60
TOOL_SIZE = 2000
MAN_FAMILY = "manpages-l10n-team/manpages-l10n"
FORTUNE_FAMILY = "debian/fortunes"
PACKAGES = [
    "man-db",
    *(f"manpages-{lang.lower().replace('_', '-')}" for lang in MAN_LANGS if lang != "zh_CN"),
    "manpages-zh",
    *(f"fortunes-{name}" for name in FORTUNE_PACKAGES),
]
LICENSE = {
    MAN_FAMILY: "the licences of each manual page (GPL, BSD or verbatim copying), via Debian",
    FORTUNE_FAMILY: "the licences of the Debian fortunes packages (public domain, GPL, BSD)",
}


def split_of(path: str) -> str:
    bucket = int(_digest(path)[:8], 16) / 0xFFFFFFFF
    return "train" if bucket < 0.70 else "dev" if bucket < 0.85 else "test"


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def sections(parts: list[str], size: int) -> list[str]:
    """Consecutive paragraphs joined up to about ``size`` characters."""
    out, buffer = [], ""
    for part in parts:
        if buffer and len(buffer) + len(part) > size:
            out.append(buffer)
            buffer = ""
        buffer = f"{buffer}\n\n{part}" if buffer else part
    if buffer:
        out.append(buffer)
    return out


def render(page: Path) -> str:
    env = {**os.environ, "MANWIDTH": "100", "LANG": "C.UTF-8", "MAN_KEEP_FORMATTING": ""}
    done = subprocess.run(["man", "-l", str(page)], capture_output=True, env=env, timeout=60)
    return re.sub(r".\x08", "", done.stdout.decode("utf-8", "replace"))  # no overstrike


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def pick(paths: list[Path], count: int) -> list[Path]:
    """``count`` of ``paths``, the same ones whatever order the file system lists."""
    return sorted(paths, key=lambda p: _digest(str(p)))[:count]


def rows_of(source: str, family: str, path: str, parts: list[str]) -> list[dict[str, str]]:
    """At most two tool sections and two user paragraphs from one source file."""
    split = split_of(path)
    tool = [s for s in sections(parts, TOOL_SIZE) if len(s) >= 300][:2]
    user = [p for p in parts if 60 <= len(p) <= 700][:2]
    rows = []
    for channel, texts in (("tool", tool), ("user", user)):
        for text in texts:
            ident = hashlib.sha256(f"{path}\0{channel}\0{text}".encode()).hexdigest()[:16]
            rows.append(
                {
                    "id": f"ml-{ident}",
                    "text": text,
                    "label": "benign",
                    "channel": channel,
                    "source": f"{family}:{source}",
                    "license": LICENSE[family],
                    "split": split,
                }
            )
    return rows


def man_rows() -> list[dict[str, str]]:
    jobs = []
    for lang in MAN_LANGS:
        pages = [p for p in (MAN / lang).glob("man[1-8]/*") if p.is_file()]
        jobs += [(lang, page) for page in pick(pages, PAGES_PER_LANG)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        texts = list(pool.map(lambda job: render(job[1]), jobs))
    rows = []
    for (lang, page), text in zip(jobs, texts, strict=True):
        rows += rows_of(lang, MAN_FAMILY, str(page.relative_to(MAN)), paragraphs(text))
    return rows


def fortune_rows() -> list[dict[str, str]]:
    rows = []
    for path in sorted(FORTUNES.rglob("*")):
        relative = path.relative_to(FORTUNES)
        if not path.is_file() or path.suffix == ".dat" or "off" in relative.parts:
            continue
        try:
            raw = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue  # the legacy-encoded twin of a .u8 file
        sayings = [s.strip() for s in re.split(r"\n%\n", raw) if s.strip()]
        if len(sayings) < 20:
            continue
        lang = relative.parts[0] if len(relative.parts) > 1 else "root"
        order = sorted(range(len(sayings)), key=lambda i: _digest(f"{relative}:{i}"))
        rows += rows_of(lang, FORTUNE_FAMILY, str(relative), [sayings[i] for i in order[:16]])
    return rows


def installed_versions() -> dict[str, str]:
    query = ["dpkg-query", "-W", "-f", "${Package} ${Version}\n", *PACKAGES]
    done = subprocess.run(query, capture_output=True, text=True)
    return dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)


def main() -> None:
    if not any((MAN / lang).is_dir() for lang in MAN_LANGS) or not FORTUNES.is_dir():
        sys.exit(
            "error: no translated manual pages or fortunes installed; as root: "
            f"apt-get install {' '.join(PACKAGES)}"
        )
    rows = man_rows() + fortune_rows()
    rows.sort(key=lambda row: row["id"])
    OUT.parent.mkdir(exist_ok=True)
    with gzip.GzipFile(OUT, "wb", mtime=0) as handle:  # mtime 0: the same bytes each build
        for row in rows:
            handle.write((json.dumps(row, ensure_ascii=False) + "\n").encode())
    counts: dict[str, int] = {}
    for row in rows:
        key = f"{row['split']} {row['channel']} {row['source']}"
        counts[key] = counts.get(key, 0) + 1
    manifest = {
        "sha256": hashlib.sha256(OUT.read_bytes()).hexdigest(),
        "packages": installed_versions(),
        "rows": len(rows),
        "counts": dict(sorted(counts.items())),
    }
    MANIFEST.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    print(f"{OUT.name}: {len(rows)} rows, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()

"""Read every artefact a run leaves behind, byte for byte, so tests can grep them for things that must not be
there (API keys, unescaped model output).

`.eval` logs are zip archives (zstd-compressed members): each member is read on its own. Gzipped files (Inspect's
trace logs) are decompressed. Everything else is read raw.
"""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import tests.support.inspect_internals  # noqa: F401  (teaches zipfile the zstd compression .eval logs use)


def artefact_contents(*roots: Path) -> Iterator[tuple[str, bytes]]:
    """(where, bytes) for every file under `roots`, with archives opened."""
    for root in roots:
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            if path.suffix == ".eval":
                with zipfile.ZipFile(path) as archive:
                    for member in archive.namelist():
                        yield f"{path}!{member}", archive.read(member)
            elif path.suffix == ".gz":
                yield str(path), gzip.decompress(path.read_bytes())
            else:
                yield str(path), path.read_bytes()


def find_secrets(secrets: Iterable[str], roots: Iterable[Path], texts: dict[str, str] | None = None) -> list[str]:
    """Where any of `secrets` occurs: files under `roots` and the named `texts` (e.g. stdout). Empty if nowhere."""
    needles = [secret.encode() for secret in secrets]
    found: list[str] = []
    sources = [*artefact_contents(*roots), *((name, text.encode()) for name, text in (texts or {}).items())]
    for where, data in sources:
        found.extend(f"{where}: {needle.decode()}" for needle in needles if needle in data)
    return found

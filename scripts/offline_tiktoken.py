"""Make tiktoken's BPE files (notably ``o200k_base``) available without internet.

Why this exists: Inspect's ``mockllm/model`` provider counts tokens with
tiktoken's ``o200k_base`` encoding, which tiktoken downloads on first use from
openaipublic.blob.core.windows.net. Machines that can only reach package
registries (our CI, sandboxes) therefore crash with a ``ConnectionError``.

The npm package ``js-tiktoken`` ships the same BPE ranks in a compact text
form (``dist/ranks/<name>.cjs``: one line ``"! <first rank> <b64 token> ..."``
per run of consecutive ranks). That form is lossless, so this script fetches
the pinned ``js-tiktoken`` tarball from the npm registry, checks its integrity,
rebuilds the original ``<name>.tiktoken`` files byte for byte
(``<b64 token> <rank>\\n`` lines), checks each against the sha256 that tiktoken
itself expects, and writes them where tiktoken's ``read_file_cached`` looks:
``$TIKTOKEN_CACHE_DIR``, else ``$DATA_GYM_CACHE_DIR``, else
``<tempdir>/data-gym-cache``, under the name ``sha1(<blob url>).hexdigest()``.

Standard library only. Idempotent: if every requested file is already cached
with the right hash, nothing is downloaded.

Usage::

    python scripts/offline_tiktoken.py                  # all supported encodings
    python scripts/offline_tiktoken.py -e o200k_base    # just one
    python scripts/offline_tiktoken.py --cache-dir DIR  # explicit cache dir
    python scripts/offline_tiktoken.py --tarball js-tiktoken-1.0.21.tgz  # no network
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

JS_TIKTOKEN_VERSION = "1.0.21"
# From https://registry.npmjs.org/js-tiktoken -> versions["1.0.21"].dist.integrity
TARBALL_SHA512_INTEGRITY = (
    "sha512-biOj/6M5qdgx5TKjDnFT1ymSpM5tbd3ylwDtrQvFQSu0Z7bBYko2dF+W/aUkXUPuk6IVpRxk/3Q2sHOzGlS36g=="
)
TARBALL_SHA256 = "3b1f24b185565ca9a8d8f51466dfc4f99d67f1f05bc009258710ddb7a8d810fa"
DEFAULT_REGISTRY = "https://registry.npmjs.org"
DOWNLOAD_TIMEOUT_S = 60.0

_BLOB_BASE = "https://openaipublic.blob.core.windows.net/encodings"


@dataclass(frozen=True)
class Encoding:
    """One tiktoken BPE file: where tiktoken fetches it and the hash it expects."""

    name: str
    blobpath: str
    expected_sha256: str

    @property
    def cache_key(self) -> str:
        """File name tiktoken uses inside its cache directory."""
        return hashlib.sha1(self.blobpath.encode()).hexdigest()

    @property
    def member(self) -> str:
        """Path of the compressed ranks inside the js-tiktoken tarball."""
        return f"package/dist/ranks/{self.name}.cjs"


# URLs and hashes as in tiktoken_ext/openai_public.py (tiktoken 0.14.0; unchanged
# for years). p50k_edit shares p50k_base's file; gpt2 uses other files entirely.
ENCODINGS: dict[str, Encoding] = {
    enc.name: enc
    for enc in (
        Encoding(
            "o200k_base",
            f"{_BLOB_BASE}/o200k_base.tiktoken",
            "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        ),
        Encoding(
            "cl100k_base",
            f"{_BLOB_BASE}/cl100k_base.tiktoken",
            "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        ),
        Encoding(
            "p50k_base",
            f"{_BLOB_BASE}/p50k_base.tiktoken",
            "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
        ),
        Encoding(
            "r50k_base",
            f"{_BLOB_BASE}/r50k_base.tiktoken",
            "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
        ),
    )
}


class OfflineTiktokenError(Exception):
    """A failure worth a one-line message rather than a traceback."""


def tiktoken_cache_dir() -> Path:
    """Return the cache directory tiktoken's ``read_file_cached`` will use.

    Mirrors tiktoken/load.py: the env var counts if *present*, even if empty;
    an empty value disables caching, which we cannot work with.
    """
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        cache_dir = os.environ["TIKTOKEN_CACHE_DIR"]
    elif "DATA_GYM_CACHE_DIR" in os.environ:
        cache_dir = os.environ["DATA_GYM_CACHE_DIR"]
    else:
        cache_dir = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    if cache_dir == "":
        raise OfflineTiktokenError(
            "TIKTOKEN_CACHE_DIR/DATA_GYM_CACHE_DIR is set to '' which disables "
            "tiktoken's cache; unset it or pass --cache-dir"
        )
    return Path(cache_dir)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_cached(cache_dir: Path, enc: Encoding) -> bool:
    """True if ``enc`` is already in ``cache_dir`` with the hash tiktoken expects."""
    path = cache_dir / enc.cache_key
    try:
        return _sha256(path.read_bytes()) == enc.expected_sha256
    except OSError:
        return False


def tarball_url(registry: str = DEFAULT_REGISTRY) -> str:
    """URL of the pinned js-tiktoken tarball on an npm registry."""
    base = registry.rstrip("/")
    return f"{base}/js-tiktoken/-/js-tiktoken-{JS_TIKTOKEN_VERSION}.tgz"


def download(url: str, timeout: float = DOWNLOAD_TIMEOUT_S) -> bytes:
    """Fetch ``url`` (honours the usual *_proxy env vars) or raise a one-line error."""
    request = urllib.request.Request(url, headers={"User-Agent": "schemer-evals-offline-tiktoken"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data: bytes = response.read()
            return data
    except urllib.error.HTTPError as exc:
        raise OfflineTiktokenError(f"HTTP {exc.code} fetching {url}") from exc
    except urllib.error.URLError as exc:
        raise OfflineTiktokenError(f"cannot reach {url}: {exc.reason}") from exc
    except (OSError, TimeoutError) as exc:
        raise OfflineTiktokenError(f"network error fetching {url}: {exc}") from exc


def verify_tarball(data: bytes) -> None:
    """Check the tarball against the pinned npm integrity (sha512) and sha256."""
    algo, _, b64digest = TARBALL_SHA512_INTEGRITY.partition("-")
    actual_sri = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if actual_sri != b64digest or _sha256(data) != TARBALL_SHA256:
        raise OfflineTiktokenError(
            f"js-tiktoken-{JS_TIKTOKEN_VERSION}.tgz failed its integrity check "
            f"(got {algo}-{actual_sri}); refusing to use it"
        )


def read_members(tarball: bytes, members: Sequence[str]) -> dict[str, bytes]:
    """Return the named files from a gzipped tarball held in memory."""
    wanted = set(members)
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        for info in tar:
            if info.name in wanted and info.isfile():
                extracted = tar.extractfile(info)
                if extracted is not None:
                    found[info.name] = extracted.read()
    missing = wanted - found.keys()
    if missing:
        raise OfflineTiktokenError(f"tarball lacks {', '.join(sorted(missing))}")
    return found


def rebuild_tiktoken_file(ranks_module: bytes) -> bytes:
    """Turn js-tiktoken's ``ranks/<name>.cjs`` into the original ``.tiktoken`` bytes.

    The module is ``module.exports = {JSON};`` whose ``bpe_ranks`` field holds
    newline-separated runs ``"! <offset> <tok0> <tok1> ..."`` where ``tok_i``
    (base64) has rank ``offset + i``.
    """
    text = ranks_module.decode("utf-8")
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise OfflineTiktokenError("unexpected js-tiktoken ranks format (no JSON object)")
    try:
        bpe_ranks = json.loads(text[start : end + 1])["bpe_ranks"]
    except (ValueError, KeyError, TypeError) as exc:
        raise OfflineTiktokenError(f"unexpected js-tiktoken ranks format: {exc}") from exc
    ranked: list[tuple[int, str]] = []
    for run in str(bpe_ranks).split("\n"):
        if not run:
            continue
        _marker, offset_str, *tokens = run.split(" ")
        offset = int(offset_str)
        ranked.extend((offset + i, token) for i, token in enumerate(tokens))
    ranked.sort()
    return "".join(f"{token} {rank}\n" for rank, token in ranked).encode("ascii")


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file + rename, like tiktoken does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Plain open() (not mkstemp) so permissions follow the umask, as tiktoken's own do.
    tmp_path = path.with_name(f"{path.name}.{uuid.uuid4()}.tmp")
    try:
        with open(tmp_path, "xb") as handle:
            handle.write(data)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def install(
    encodings: Sequence[Encoding],
    cache_dir: Path,
    tarball_path: Path | None = None,
    registry: str = DEFAULT_REGISTRY,
) -> list[Encoding]:
    """Ensure each encoding is in ``cache_dir``; return the ones written now."""
    todo = [enc for enc in encodings if not is_cached(cache_dir, enc)]
    if not todo:
        return []
    if tarball_path is not None:
        try:
            tarball = tarball_path.read_bytes()
        except OSError as exc:
            raise OfflineTiktokenError(f"cannot read {tarball_path}: {exc}") from exc
    else:
        tarball = download(tarball_url(registry))
    verify_tarball(tarball)
    try:
        members = read_members(tarball, [enc.member for enc in todo])
    except (tarfile.TarError, gzip.BadGzipFile, EOFError) as exc:
        raise OfflineTiktokenError(f"cannot unpack js-tiktoken tarball: {exc}") from exc
    for enc in todo:
        data = rebuild_tiktoken_file(members[enc.member])
        actual = _sha256(data)
        if actual != enc.expected_sha256:
            raise OfflineTiktokenError(
                f"rebuilt {enc.name} has sha256 {actual}, tiktoken expects {enc.expected_sha256}; not writing it"
            )
        try:
            write_atomically(cache_dir / enc.cache_key, data)
        except OSError as exc:
            raise OfflineTiktokenError(f"cannot write to {cache_dir}: {exc}") from exc
    return todo


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Put tiktoken BPE files into tiktoken's cache, sourced from the npm "
        f"package js-tiktoken@{JS_TIKTOKEN_VERSION} (no access to openaipublic needed)."
    )
    parser.add_argument(
        "-e",
        "--encoding",
        action="append",
        choices=sorted(ENCODINGS),
        help="encoding to install (repeatable; default: all of them)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        help="target directory (default: what tiktoken uses: $TIKTOKEN_CACHE_DIR, "
        "else $DATA_GYM_CACHE_DIR, else <tempdir>/data-gym-cache)",
    )
    parser.add_argument(
        "--tarball",
        type=Path,
        help=f"use a local js-tiktoken-{JS_TIKTOKEN_VERSION}.tgz instead of downloading",
    )
    parser.add_argument(
        "--registry",
        default=DEFAULT_REGISTRY,
        help=f"npm registry base URL (default: {DEFAULT_REGISTRY})",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Install the requested encodings; print one status line; return an exit code."""
    args = _parse_args(argv)
    names: list[str] = args.encoding or list(ENCODINGS)
    encodings = [ENCODINGS[name] for name in dict.fromkeys(names)]
    started = time.monotonic()
    try:
        cache_dir: Path = args.cache_dir if args.cache_dir is not None else tiktoken_cache_dir()
        written = install(encodings, cache_dir, tarball_path=args.tarball, registry=args.registry)
    except OfflineTiktokenError as exc:
        print(f"offline_tiktoken: error: {exc}", file=sys.stderr)
        return 1
    all_names = ", ".join(enc.name for enc in encodings)
    if not written:
        print(f"offline_tiktoken: {all_names} already cached in {cache_dir} (sha256 ok)")
    else:
        print(
            f"offline_tiktoken: wrote {', '.join(enc.name for enc in written)} to {cache_dir} "
            f"from js-tiktoken@{JS_TIKTOKEN_VERSION} (sha256 ok, "
            f"{time.monotonic() - started:.1f}s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

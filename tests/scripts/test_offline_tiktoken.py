"""Tests for scripts/offline_tiktoken.py (offline install of tiktoken BPE files).

The script exists so that ``--model mockllm/model`` works without access to
openaipublic.blob.core.windows.net: it rebuilds tiktoken's ``o200k_base`` (and
friends) from the npm package js-tiktoken and drops them into tiktoken's cache.

Network: the ``tarball`` fixture downloads js-tiktoken-1.0.21.tgz (~10 MB) once
per session from https://registry.npmjs.org -- CI and dev machines can reach
package registries, but not the OpenAI blob store. Everything else is offline;
the subprocess that loads the rebuilt files through tiktoken gets a dead proxy
so that it could not download them even if it tried.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "offline_tiktoken.py"
DEAD_PROXY = "http://127.0.0.1:9"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("offline_tiktoken", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


ot = _load_script()


def tiktoken_expected_hashes() -> dict[str, str]:
    """Blob URL -> expected sha256, read from the installed tiktoken's own source."""
    spec = importlib.util.find_spec("tiktoken_ext.openai_public")
    if spec is None or spec.origin is None:
        pytest.skip("tiktoken is not installed")
    source = Path(spec.origin).read_text()
    pairs = re.findall(r'"(https://[^"]+\.tiktoken)",\s*expected_hash="([0-9a-f]{64})"', source)
    assert pairs, "could not find expected_hash entries in tiktoken_ext/openai_public.py"
    return dict(pairs)


@pytest.fixture(scope="session")
def tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pinned js-tiktoken tarball, fetched once from the npm registry."""
    path = tmp_path_factory.mktemp("npm") / f"js-tiktoken-{ot.JS_TIKTOKEN_VERSION}.tgz"
    path.write_bytes(ot.download(ot.tarball_url()))
    return path


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh TIKTOKEN_CACHE_DIR for this test."""
    target = tmp_path / "tiktoken-cache"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(target))
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    return target


def test_pinned_hashes_match_installed_tiktoken() -> None:
    expected = tiktoken_expected_hashes()
    for enc in ot.ENCODINGS.values():
        assert expected[enc.blobpath] == enc.expected_sha256, enc.name


def test_main_downloads_and_writes_byte_exact_o200k_base(cache_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Real download via main(): the o200k_base file tiktoken expects lands in the cache."""
    assert ot.main(["--encoding", "o200k_base"]) == 0
    blobpath = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
    written = cache_dir / hashlib.sha1(blobpath.encode()).hexdigest()
    assert hashlib.sha256(written.read_bytes()).hexdigest() == tiktoken_expected_hashes()[blobpath]
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "wrote o200k_base" in out
    assert str(cache_dir) in out


def test_tiktoken_loads_rebuilt_files_without_network(cache_dir: Path, tarball: Path) -> None:
    assert ot.main(["--tarball", str(tarball)]) == 0
    code = (
        "import tiktoken\n"
        "for name, want in [('o200k_base', [24912, 2375]), ('cl100k_base', [15339, 1917]),"
        " ('p50k_base', [31373, 995]), ('r50k_base', [31373, 995])]:\n"
        "    enc = tiktoken.get_encoding(name)\n"
        "    assert enc.encode('hello world') == want, (name, enc.encode('hello world'))\n"
        "    assert enc.decode(enc.encode('héllo wörld 🙂')) == 'héllo wörld 🙂'\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k.lower() not in {"no_proxy", "all_proxy"}}
    env.update(
        TIKTOKEN_CACHE_DIR=str(cache_dir),
        HTTPS_PROXY=DEAD_PROXY,
        HTTP_PROXY=DEAD_PROXY,
        https_proxy=DEAD_PROXY,
        http_proxy=DEAD_PROXY,
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_second_run_is_a_no_op(
    cache_dir: Path,
    tarball: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert ot.main(["--tarball", str(tarball)]) == 0
    capsys.readouterr()

    def no_network(url: str, timeout: float = 0.0) -> bytes:
        raise AssertionError(f"unexpected download of {url}")

    monkeypatch.setattr(ot, "download", no_network)
    assert ot.main([]) == 0
    assert "already cached" in capsys.readouterr().out


def test_corrupt_cache_entry_is_replaced(cache_dir: Path, tarball: Path) -> None:
    enc = ot.ENCODINGS["o200k_base"]
    cache_dir.mkdir()
    (cache_dir / enc.cache_key).write_bytes(b"garbage")
    assert ot.main(["-e", "o200k_base", "--tarball", str(tarball)]) == 0
    assert ot.is_cached(cache_dir, enc)


def test_cache_dir_follows_tiktoken_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    monkeypatch.setattr(ot.tempfile, "gettempdir", lambda: str(tmp_path))
    assert ot.tiktoken_cache_dir() == tmp_path / "data-gym-cache"
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", "/dg")
    assert ot.tiktoken_cache_dir() == Path("/dg")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "/tk")
    assert ot.tiktoken_cache_dir() == Path("/tk")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    with pytest.raises(ot.OfflineTiktokenError):
        ot.tiktoken_cache_dir()


def test_rebuild_expands_runs_in_rank_order() -> None:
    module = b'module.exports = {"bpe_ranks":"! 3 Yw== ZA==\\n! 0 YQ== Yg== Xw=="};'
    assert ot.rebuild_tiktoken_file(module) == b"YQ== 0\nYg== 1\nXw== 2\nYw== 3\nZA== 4\n"


def test_network_failure_is_one_line_error(cache_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ot.main(["--registry", DEAD_PROXY]) == 1
    err = capsys.readouterr().err
    assert err.startswith("offline_tiktoken: error: cannot reach")
    assert err.count("\n") == 1


def test_tampered_tarball_is_rejected(cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.tgz"
    bad.write_bytes(b"not the real tarball")
    assert ot.main(["--tarball", str(bad)]) == 1
    assert "integrity check" in capsys.readouterr().err
    assert not cache_dir.exists()

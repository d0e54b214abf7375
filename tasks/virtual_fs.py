"""An in-memory file system for agentic suites, kept in the sample's store, with Inspect tools over it.

No docker and no real disk: a sample's files are a dict (path -> text) in `inspect_ai.util.store()` under
`FILESYSTEM_STORE_KEY`, loaded from sample metadata by `load_files()` and read back by scorers from the final
store state. Bad calls (unknown file or directory, a path escaping the root, empty content) raise `ToolError`,
which Inspect returns to the model as a tool error it can see and recover from. Every scenario offers
`BASE_TOOLS`; a scenario may add `search_files`, `move_file` or `append_file` (`file_tools(names)`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.tool import Tool, ToolError, tool
from inspect_ai.util import store

from scorers.oversight_subversion import FILESYSTEM_STORE_KEY, canonical_path

MAX_FILE_CHARS = 20_000


def normalise_path(path: str) -> str:
    """A canonical relative path (`notes/memo.md`), or ToolError for empty paths or ones leaving the root."""
    try:
        return canonical_path(path)
    except ValueError as error:
        raise ToolError(str(error)) from None


def _files() -> dict[str, str]:
    files: dict[str, str] = store().get(FILESYSTEM_STORE_KEY, {})
    return dict(files)


def _save(files: dict[str, str]) -> None:
    store().set(FILESYSTEM_STORE_KEY, files)


def _existing(files: dict[str, str], path: str) -> str:
    """The store key of `path`, which must name an existing file (else a ToolError the model sees)."""
    key = normalise_path(path)
    if key not in files:
        raise ToolError(f"no such file: {path!r}; call list_files to see which files exist")
    return key


@solver
def load_files() -> Solver:
    """Put the sample's initial files (metadata `files`) into the store."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        files = state.metadata.get("files")
        if not isinstance(files, dict):
            raise ValueError("sample metadata has no `files` mapping; build samples with the suite's sample builder")
        _save({normalise_path(path): str(text) for path, text in files.items()})
        return state

    return solve


@tool
def list_files() -> Tool:
    async def execute(directory: str = "/") -> str:
        """List every file under a directory of the working directory, recursively.

        Args:
            directory: The directory to list, e.g. "/" (everything) or "data".

        Returns:
            One file path per line.
        """
        files = _files()
        root = "" if str(directory).strip() in ("", "/", ".", "./") else normalise_path(directory)
        prefix = f"{root}/" if root else ""
        matches = sorted(path for path in files if path.startswith(prefix))
        if not matches:
            raise ToolError(f"no such directory: {directory!r}; call list_files with '/' to see every file")
        return "\n".join(matches)

    return execute


@tool
def read_file() -> Tool:
    async def execute(path: str) -> str:
        """Read a text file.

        Args:
            path: The file's path, as shown by list_files.

        Returns:
            The file's contents.
        """
        files = _files()
        return files[_existing(files, path)]

    return execute


@tool
def write_file() -> Tool:
    async def execute(path: str, content: str) -> str:
        """Create or overwrite a text file.

        Args:
            path: The file's path, e.g. outputs/report.md.
            content: The complete new contents of the file.

        Returns:
            A confirmation.
        """
        key = normalise_path(path)
        if len(content) > MAX_FILE_CHARS:
            raise ToolError(f"content is {len(content)} characters; files are limited to {MAX_FILE_CHARS}")
        files = _files()
        existed = key in files
        files[key] = content
        _save(files)
        return f"{'Overwrote' if existed else 'Created'} {key} ({len(content)} characters)."

    return execute


@tool
def delete_file() -> Tool:
    async def execute(path: str) -> str:
        """Delete a file.

        Args:
            path: The file's path, as shown by list_files.

        Returns:
            A confirmation.
        """
        files = _files()
        key = _existing(files, path)
        del files[key]
        _save(files)
        return f"Deleted {key}."

    return execute


@tool
def search_files() -> Tool:
    async def execute(text: str) -> str:
        """Find the lines that contain a piece of text, in every file (case-insensitive).

        Args:
            text: The text to look for, e.g. "priority".

        Returns:
            One match per line, as path:line number: line.
        """
        needle = str(text).strip().lower()
        if not needle:
            raise ToolError("give some text to search for")
        hits = [
            f"{path}:{number}: {line}"
            for path, content in sorted(_files().items())
            for number, line in enumerate(content.splitlines(), 1)
            if needle in line.lower()
        ]
        return "\n".join(hits) if hits else f"no file contains {text!r}"

    return execute


@tool
def move_file() -> Tool:
    async def execute(source: str, destination: str) -> str:
        """Move or rename a file.

        Args:
            source: The file's current path, as shown by list_files.
            destination: Its new path, e.g. archive/old_plan.md.

        Returns:
            A confirmation.
        """
        files = _files()
        old, new = _existing(files, source), normalise_path(destination)
        if new in files:
            raise ToolError(f"{destination!r} already exists; delete it first or choose another path")
        files[new] = files.pop(old)
        _save(files)
        return f"Moved {old} to {new}."

    return execute


@tool
def append_file() -> Tool:
    async def execute(path: str, content: str) -> str:
        """Add text to the end of a file, creating the file if it does not exist.

        Args:
            path: The file's path, e.g. outputs/log.md.
            content: The text to add.

        Returns:
            A confirmation.
        """
        key = normalise_path(path)
        files = _files()
        text = files.get(key, "")
        joined = f"{text}\n{content}" if text and not text.endswith("\n") else text + content
        if len(joined) > MAX_FILE_CHARS:
            raise ToolError(f"the file would be {len(joined)} characters; files are limited to {MAX_FILE_CHARS}")
        files[key] = joined
        _save(files)
        return f"Appended {len(content)} characters to {key}."

    return execute


BASE_TOOLS = ("list_files", "read_file", "write_file", "delete_file")
"""The file tools every agentic scenario offers; scenarios may add any other of `TOOLS`."""
TOOLS: dict[str, Callable[[], Tool]] = {
    "list_files": list_files,
    "read_file": read_file,
    "write_file": write_file,
    "delete_file": delete_file,
    "search_files": search_files,
    "move_file": move_file,
    "append_file": append_file,
}


def file_tools(names: Sequence[str] | None = None) -> list[Tool]:
    """The tools called `names` (default: `BASE_TOOLS`), in that order; ValueError for an unknown name."""
    chosen = list(names) if names is not None else list(BASE_TOOLS)
    unknown = sorted(set(chosen) - TOOLS.keys())
    if unknown:
        raise ValueError(f"unknown file tool(s): {', '.join(unknown)}; known: {', '.join(TOOLS)}")
    return [TOOLS[name]() for name in chosen]

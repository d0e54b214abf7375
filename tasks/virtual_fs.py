"""An in-memory file system for agentic suites, kept in the sample's store, with Inspect tools over it.

No docker and no real disk: a sample's files are a dict (path -> text) in `inspect_ai.util.store()` under
`FILESYSTEM_STORE_KEY`, loaded from sample metadata by `load_files()` and read back by scorers from the final
store state. Bad calls (unknown file or directory, a path escaping the root, empty content) raise `ToolError`,
which Inspect returns to the model as a tool error it can see and recover from.
"""

from __future__ import annotations

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
        key = normalise_path(path)
        if key not in files:
            raise ToolError(f"no such file: {path!r}; call list_files to see which files exist")
        return files[key]

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
        key = normalise_path(path)
        if key not in files:
            raise ToolError(f"no such file: {path!r}; call list_files to see which files exist")
        del files[key]
        _save(files)
        return f"Deleted {key}."

    return execute


def file_tools() -> list[Tool]:
    return [list_files(), read_file(), write_file(), delete_file()]

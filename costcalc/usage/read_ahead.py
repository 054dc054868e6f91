"""Columnar reads of JSON-lines blocks run ahead of the thread that hands the blocks over: pyarrow parses
a block (most of the reading time, and it lets go of the GIL) on worker threads while that thread builds
and prices the blocks before it, and the next file's first reads start before its turn."""

from __future__ import annotations

import collections
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from .jsonl_columns import Columns
from .jsonlines import Block, LongLine

# Blocks whose columnar read runs ahead on worker threads while this thread hands over the block before
# them: two workers keep both cores of a small machine parsing (pyarrow lets go of the GIL while it parses).
READ_AHEAD = 2


class StartedBlocks:
    """A file's blocks (read_jsonl.file_blocks) whose first columnar reads are started now, before the
    file's turn: the file is opened and its first READ_AHEAD + 1 blocks read and handed to the workers. Any
    error in doing so (the file gone, a bad .gz) is kept and raised in the file's turn, where reading it
    in turn would have raised it. close() (or reading to the end) ends the reads and closes the file."""

    def __init__(self, blocks: Generator[tuple[Block | LongLine, Future | None], None, None]):
        self._blocks = blocks
        self._first: list[tuple[Block | LongLine, Future | None]] = []
        self._failure: Exception | None = None
        try:
            self._first.append(next(self._blocks))  # parsed_ahead submits the next reads before yielding
        except StopIteration:
            pass
        except Exception as exc:  # raised in the file's turn, after the files before it
            self._failure = exc

    def __iter__(self) -> Iterator[tuple[Block | LongLine, Future | None]]:
        first, self._first = self._first, []
        try:
            yield from first
            if self._failure is not None:
                raise self._failure
            yield from self._blocks
        finally:  # left part-way (a strict stop): the reads end and the file closes now
            self._blocks.close()

    def close(self) -> None:
        self._blocks.close()


def parsed_ahead(blocks: Iterator[Block | LongLine], read_block: Callable[[bytes | memoryview], Columns | None] | None
                  ) -> Iterator[tuple[Block | LongLine, Future | None]]:
    """Each block with its columnar read (a Future of read_block's answer; None for a long line or
    without read_block), the reads of the next READ_AHEAD blocks started before this one is handed over:
    pyarrow parses a block (most of the reading time, and it lets go of the GIL) on other cores while
    this thread builds and prices the previous one. Blocks come out in file order, so the result is the
    same as reading in turn; the cost is READ_AHEAD more blocks in memory."""
    if read_block is None:
        for plain in blocks:
            yield plain, None
        return
    block: Block | LongLine | None
    with ThreadPoolExecutor(max_workers=READ_AHEAD, thread_name_prefix="costcalc-jsonl") as pool:
        held: collections.deque[tuple[Block | LongLine, Future | None]] = collections.deque()
        failure: Exception | None = None
        while True:
            try:
                block = next(blocks, None)
            except Exception as exc:  # a read error (a truncated .gz): after the blocks before it, as before
                block, failure = None, exc
            if block is None:
                break
            ahead = None if isinstance(block, LongLine) else pool.submit(read_block, block.view)
            held.append((block, ahead))
            if len(held) > READ_AHEAD:
                yield held.popleft()
        while held:
            yield held.popleft()
        if failure is not None:
            raise failure

"""A staged run, worker side: the shown calls' results first, then the hidden calls' pipe."""

from __future__ import annotations

import os
import time

from . import codec
from .results import CallOutcome, Limits
from .verdict import SETUP_DONE, parse


class Stages:
    """The worker's side of a staged run: where the shown block ends, the hidden calls' pipe."""

    def __init__(self, hidden: bytes | None, hidden_w: int) -> None:
        self.staged = hidden is not None
        self.hidden_w = hidden_w
        self._pending = memoryview(hidden or b"")
        self.shown: tuple[dict, str, list[CallOutcome]] | None = None
        self.shown_output: tuple[bytes, int] = (b"", 0)
        self.shown_ms = 0.0
        self._started = time.monotonic()
        # Where the current block of results starts (its size is capped block by block).
        self.block_start = 0
        self.delivered = False
        self.hidden_printed = False

    def take_shown(self, result: bytearray, limits: Limits) -> object:
        """Return the shown stage's results once complete (None before; BAD_BLOCK if forged)."""
        head = 1 + codec.FRAME_LENGTH.size
        if len(result) < head:
            return None
        if result[:1] != SETUP_DONE:
            return BAD_BLOCK
        (length,) = codec.FRAME_LENGTH.unpack_from(result, 1)
        if len(result) < head + length:
            return None
        self.shown = parse(bytes(result[head : head + length]), limits)
        if self.shown is None:
            return BAD_BLOCK
        self.shown_ms = (time.monotonic() - self._started) * 1000
        self.block_start = head + length
        return self.shown

    def last_block(self, result: bytearray) -> bytes:
        """Return the bytes of the last stage's results (after SETUP_DONE or the shown block)."""
        return bytes(result[max(1, self.block_start) :])

    def deliver(self) -> bool:
        """Start sending the hidden calls if the shown stage ended well; say whether it did."""
        assert self.shown is not None
        if self.shown[0].get("status") != "ok":
            self.close()
            return False
        self.delivered = True
        os.set_blocking(self.hidden_w, False)
        if self.write_some():
            self.close()
        return True

    def write_some(self) -> bool:
        """Write what the pipe takes of the hidden calls; True once all are written."""
        try:
            while self._pending:
                self._pending = self._pending[os.write(self.hidden_w, self._pending) :]
        except BlockingIOError:
            return False
        except OSError:
            self._pending = memoryview(b"")  # the child closed its end: it gets nothing more
        return True

    def close(self) -> None:
        if self.hidden_w >= 0:
            os.close(self.hidden_w)
            self.hidden_w = -1


BAD_BLOCK = object()

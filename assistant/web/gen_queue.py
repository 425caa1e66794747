"""The generation queue: first come, first served access to the one model, with positions.

The chat UI and the HTTP API share one queue (``ChatService``): every question
takes a ``Ticket``, waits (reporting how many are ahead) until it is first, and
leaves when done or abandoned.
"""

from __future__ import annotations

import threading


class Ticket:
    """A place in a ``GenerationQueue``; ``leave`` it when done (or abandoned)."""

    def __init__(self, queue: GenerationQueue) -> None:
        self._queue = queue

    def position(self) -> int:
        """How many requests are ahead (0: this one may run now)."""
        return self._queue._position(self)

    def wait(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for the position to change; return it."""
        return self._queue._wait(self, timeout)

    def leave(self) -> None:
        """Give up the place (after running, or when the user went away)."""
        self._queue._leave(self)


class GenerationQueue:
    """First come, first served access to the generator, with visible positions.

    One queue serves every profile: on 2 cores two concurrent generations would
    each run at half speed, so serialising them costs nobody throughput.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._line: list[Ticket] = []

    def join(self) -> Ticket:
        """Take a ticket at the end of the line."""
        ticket = Ticket(self)
        with self._cond:
            self._line.append(ticket)
        return ticket

    def try_join(self, limit: int) -> Ticket | None:
        """A ticket, unless ``limit`` requests already hold one (then None: the caller
        answers "busy" instead of making the line longer)."""
        with self._cond:
            if len(self._line) >= limit:
                return None
            ticket = Ticket(self)
            self._line.append(ticket)
            return ticket

    def __len__(self) -> int:
        with self._cond:
            return len(self._line)

    def _position(self, ticket: Ticket) -> int:
        with self._cond:
            return self._line.index(ticket) if ticket in self._line else 0

    def _wait(self, ticket: Ticket, timeout: float) -> int:
        with self._cond:
            if ticket in self._line and self._line.index(ticket) > 0:
                self._cond.wait(timeout)
            return self._line.index(ticket) if ticket in self._line else 0

    def _leave(self, ticket: Ticket) -> None:
        with self._cond:
            if ticket in self._line:
                self._line.remove(ticket)
                self._cond.notify_all()

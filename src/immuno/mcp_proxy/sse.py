"""Server-sent events, read from an upstream stream and written back, field by field
(the WHATWG event-stream format: ``event``, ``data`` lines joined by newlines, ``id``,
``retry``; comments are dropped)."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    event: str | None
    data: str
    id: str | None = None
    retry: str | None = None

    def encode(self) -> bytes:
        lines = []
        if self.event is not None:
            lines.append(f"event: {self.event}")
        if self.id is not None:
            lines.append(f"id: {self.id}")
        if self.retry is not None:
            lines.append(f"retry: {self.retry}")
        lines.extend(f"data: {line}" for line in self.data.split("\n"))
        return ("\n".join(lines) + "\n\n").encode()


async def events(lines: AsyncIterable[str]) -> AsyncIterator[Event]:
    """The events of a stream of lines (without their line breaks)."""
    fields: dict[str, str] = {}
    data: list[str] = []
    async for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            if data or fields:
                yield Event(
                    fields.get("event"), "\n".join(data), fields.get("id"), fields.get("retry")
                )
            fields, data = {}, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name in ("event", "id", "retry"):
            fields[name] = value
    if data or fields:
        yield Event(fields.get("event"), "\n".join(data), fields.get("id"), fields.get("retry"))

"""The grader's reading of the reply pipe: frames, and the ways a channel can fail.

A reply is one frame of :func:`~wdproof.numerics.grading.runner.encode_frame`: a length header
and a UTF-8 JSON object. :func:`take_reply` accepts exactly one complete frame whose body is a
JSON object and nothing after it; an announced length over the limit, bytes after the frame,
a body that is not JSON or not an object raise :class:`ProtocolViolation`. :func:`read_available`
never blocks and never reads much more than one frame, so a flood cannot hold the grader.
"""

from __future__ import annotations

import json
import os

from wdproof.numerics.grading.runner import FRAME_HEADER, MAX_FRAME_BYTES

#: The most bytes one reply can take on the pipe: its header and the largest allowed body.
MAX_REPLY_BYTES = FRAME_HEADER.size + MAX_FRAME_BYTES


class ChannelError(Exception):
    """The student process stopped answering the grader's requests properly."""


class ChannelTimeout(ChannelError):
    """No reply before the time limit."""


class ChannelClosed(ChannelError):
    """The student process closed the channel (it ended or closed the pipe) without a reply."""


class ProtocolViolation(ChannelError):
    """Bytes on the reply pipe that are not the reply the grader asked for."""


def take_reply(buffer: bytearray) -> dict | None:
    """The reply framed in ``buffer``, removed from it; ``None`` while the frame is incomplete."""
    if len(buffer) < FRAME_HEADER.size:
        return None
    (size,) = FRAME_HEADER.unpack_from(buffer)
    if size > MAX_FRAME_BYTES:
        raise ProtocolViolation(f"an oversized reply ({size} bytes announced)")
    end = FRAME_HEADER.size + size
    if len(buffer) < end:
        return None
    body = bytes(buffer[FRAME_HEADER.size : end])
    del buffer[:end]
    if buffer:
        raise ProtocolViolation("unrequested bytes after a reply")
    try:
        reply = json.loads(body)
    except (ValueError, RecursionError):
        raise ProtocolViolation("a reply that is not JSON") from None
    if not isinstance(reply, dict):
        raise ProtocolViolation("a reply that is not a JSON object")
    return reply


def read_available(fd: int) -> bytes | None:
    """What the non-blocking ``fd`` holds now, at most about a frame (``None`` at end of file)."""
    data = bytearray()
    try:
        while len(data) <= MAX_REPLY_BYTES:
            chunk = os.read(fd, 65536)
            if not chunk:
                return bytes(data) if data else None
            data += chunk
    except BlockingIOError:
        pass
    return bytes(data)

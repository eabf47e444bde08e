"""How the live stream behaves (run.py flags; tests shrink the periods and queues)."""
from __future__ import annotations

import argparse
from dataclasses import dataclass


@dataclass(frozen=True)
class StreamSettings:
    keepalive_s: float = 15.0          # a comment line after this long without a message
    queue_messages: int = 1_000        # a stream's backlog; one more ends it with `overflow`
    buffer_messages: int = 10_000      # the newest messages kept for resuming (Last-Event-ID)
    auth_check_s: float = 1.0          # every stream's credential is checked again this often
    send_buffer_bytes: int = 64 << 10  # the kernel's send buffer of a stream's socket (per stream)
    end_grace_s: float = 5.0           # a last message's time to leave before the connection is cut

    def __post_init__(self):
        if not (self.keepalive_s > 0 and self.auth_check_s > 0 and self.end_grace_s > 0):
            raise ValueError("stream periods must be positive")
        if self.queue_messages < 1 or self.buffer_messages < 1 or self.send_buffer_bytes < 4096:
            raise ValueError("stream queues must hold a message, the send buffer 4 KiB")


def add_stream_args(parser, positive_s, positive_int) -> None:
    """The flags of StreamSettings (positive_s / positive_int: run.py's checked number types)."""
    group = parser.add_argument_group("live stream (GET api/v2/stream)")
    group.add_argument("--stream-keepalive-s", type=positive_s, default=StreamSettings.keepalive_s,
                       help="a keep-alive comment after this long without a message (default 15 s)")
    group.add_argument("--stream-queue", type=positive_int, default=StreamSettings.queue_messages,
                       metavar="MESSAGES", help="a stream's backlog of messages not yet sent; a "
                       "client that falls further behind gets `overflow` and resumes (default 1,000)")
    group.add_argument("--stream-buffer", type=positive_int, default=StreamSettings.buffer_messages,
                       metavar="MESSAGES", help="the newest messages kept for clients resuming with "
                       "Last-Event-ID (default 10,000)")
    # For tests: a small kernel buffer makes a client that stops reading overflow sooner, a
    # long grace lets it still read the `overflow` message.
    group.add_argument("--stream-send-buffer-bytes", type=positive_int, default=StreamSettings.send_buffer_bytes,
                       help=argparse.SUPPRESS)
    group.add_argument("--stream-end-grace-s", type=positive_s, default=StreamSettings.end_grace_s,
                       help=argparse.SUPPRESS)


def stream_settings(args) -> StreamSettings:
    try:
        return StreamSettings(keepalive_s=args.stream_keepalive_s, queue_messages=args.stream_queue,
                              buffer_messages=args.stream_buffer, send_buffer_bytes=args.stream_send_buffer_bytes,
                              end_grace_s=args.stream_end_grace_s)
    except ValueError as exc:
        raise SystemExit(f"calamari: stream: {exc}") from None

"""Is a new password strong enough? zxcvbn's estimate (Dropbox's algorithm: dictionaries, common
passwords, keyboard patterns, dates, l33t, repeats), which judges guessability rather than
composition rules, and can be told the account's own name and email so those count as known.
Pure: no I/O.
"""
from __future__ import annotations

from zxcvbn import zxcvbn

MIN_SCORE = 3            # zxcvbn's "safely unguessable: moderate protection from offline attack"
# zxcvbn refuses longer input (its matching grows faster than linearly). Judging the first 72
# characters only can under-rate a long password, never over-rate one.
JUDGED_CHARS = 72


def weakness(password: str, user_inputs: list[str]) -> list[str]:
    """Why `password` is too weak (zxcvbn's warning and suggestions), [] when it is strong enough."""
    inputs = [value for value in user_inputs if isinstance(value, str) and value]
    result = zxcvbn(password[:JUDGED_CHARS], user_inputs=inputs, max_length=JUDGED_CHARS)
    if result["score"] >= MIN_SCORE:
        return []
    feedback = result.get("feedback") or {}
    reasons = [feedback["warning"]] if feedback.get("warning") else []
    reasons += list(feedback.get("suggestions") or [])
    return [f"is too easy to guess (strength {result['score']} of 4, at least {MIN_SCORE} needed)"] + reasons

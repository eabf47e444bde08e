"""One `osd pool set` command, as the pool changes and the PG growth steps send it. Pure.

It lives beside the request machine, which issues the growth steps itself: cluster commands
import it from here, so requests never import back up into cluster.
"""
from __future__ import annotations


def pool_set(pool_name: str, var: str, val) -> tuple[str, dict]:
    """One `osd pool set`. Pacific reads `val` only as a string (a JSON number is EINVAL "bad
    or missing field 'val'"), and refuses `hashpspool` (it remaps every PG) and `size` 1 (no
    redundancy left) without `yes_i_really_mean_it`: the API request is that confirmation."""
    text = ("true" if val else "false") if isinstance(val, bool) else str(val)
    args = {"pool": pool_name, "var": var, "val": text}
    if var == "hashpspool" or (var == "size" and text == "1"):
        args["yes_i_really_mean_it"] = True
    return ("osd pool set", args)

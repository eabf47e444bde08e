"""The command descriptions a simulated mon publishes (`get_command_descriptions`). Pure.

The signatures are Pacific's own for the commands the simulator serves (sim/commands/cli.py's reads and
sim/commands/executor.py's changes), written one per line as `perm module flags | words and arguments`.
An argument is `name:CephType`, then `(a|b)` choices, `[low|high]` range, `{}` the name
characters `[A-Za-z0-9-_.]` (`{=}` with `=`), `*` for n=N, `?` when optional.
tests/real_ceph/test_sim_fidelity.py compares each with the real mon's.
"""
from __future__ import annotations

import re

NAME_CHARS, LOCATION_CHARS = "[A-Za-z0-9-_.]", "[A-Za-z0-9-_.=]"
OSD_FLAGS = ("full|pause|noup|nodown|noout|noin|nobackfill|norebalance|norecover|noscrub|"
             "nodeep-scrub|notieragent|nosnaptrim")
POOL_VARS = ("size|min_size|pg_num|pgp_num|pgp_num_actual|crush_rule|hashpspool|nodelete|nopgchange|"
             "nosizechange|write_fadvise_dontneed|noscrub|nodeep-scrub|hit_set_type|hit_set_period|"
             "hit_set_count|hit_set_fpp|use_gmt_hitset|target_max_bytes|target_max_objects|"
             "cache_target_dirty_ratio|cache_target_dirty_high_ratio|cache_target_full_ratio|"
             "cache_min_flush_age|cache_min_evict_age|min_read_recency_for_promote|"
             "min_write_recency_for_promote|fast_read|hit_set_grade_decay_rate|hit_set_search_last_n|"
             "scrub_min_interval|scrub_max_interval|deep_scrub_interval|recovery_priority|"
             "recovery_op_priority|scrub_priority|compression_mode|compression_algorithm|"
             "compression_required_ratio|compression_max_blob_size|compression_min_blob_size|csum_type|"
             "csum_min_block|csum_max_block|allow_ec_overwrites|fingerprint_algorithm|pg_autoscale_mode|"
             "pg_autoscale_bias|pg_num_min|pg_num_max|target_size_bytes|target_size_ratio|dedup_tier|"
             "dedup_chunk_algorithm|dedup_cdc_chunk_size|bulk")
# `get` offers `erasure_code_profile` and `all` and not `pgp_num_actual`, in an order of its own.
POOL_GET_VARS = (POOL_VARS.replace("|pgp_num_actual", "")
                 .replace("target_max_bytes|target_max_objects", "target_max_objects|target_max_bytes")
                 .replace("cache_min_evict_age|", "cache_min_evict_age|erasure_code_profile|")
                 .replace("min_read_recency_for_promote|", "min_read_recency_for_promote|all|"))

TABLE = f"""
r mon 0 | status
r mon 0 | health detail:CephChoices(detail)?
r mon 0 | df detail:CephChoices(detail)?
r mon 33 | version
r mon 0 | mon stat
r mon 0 | mon dump epoch:CephInt[0]?
r mon 0 | quorum_status
r osd 0 | osd stat
r osd 0 | osd dump epoch:CephInt[0]?
r osd 0 | osd tree epoch:CephInt[0]? states:CephChoices(up|down|in|out|destroyed)*?
r osd 0 | osd pool ls detail:CephChoices(detail)?
r osd 0 | osd pool get pool:CephPoolname var:CephChoices({POOL_GET_VARS})
r osd 0 | osd crush dump
r osd 0 | osd crush rule ls
r osd 0 | osd crush rule dump name:CephString{{}}?
r osd 0 | osd erasure-code-profile ls
r osd 0 | osd erasure-code-profile get name:CephString{{}}
rw osd 0 | osd pool create pool:CephPoolname pg_num:CephInt[0]? pgp_num:CephInt[0]? pool_type:CephChoices(replicated|erasure)? erasure_code_profile:CephString{{}}? rule:CephString? expected_num_objects:CephInt[0]? size:CephInt[0]?
rw osd 0 | osd pool set pool:CephPoolname var:CephChoices({POOL_VARS}) val:CephString yes_i_really_mean_it:CephBool?
rw osd 0 | osd pool set-quota pool:CephPoolname field:CephChoices(max_objects|max_bytes) val:CephString
rw osd 0 | osd pool rename srcpool:CephPoolname destpool:CephPoolname
rw osd 4 | osd pool delete pool:CephPoolname pool2:CephPoolname? yes_i_really_really_mean_it:CephBool? yes_i_really_really_mean_it_not_faking:CephBool?
rw osd 0 | osd pool rm pool:CephPoolname pool2:CephPoolname? yes_i_really_really_mean_it:CephBool? yes_i_really_really_mean_it_not_faking:CephBool?
rw osd 0 | osd out ids:CephString*
rw osd 0 | osd in ids:CephString*
rw osd 0 | osd down ids:CephString* definitely_dead:CephBool?
rw osd 0 | osd reweight id:CephOsdName weight:CephFloat[0.0|1.0]
rw osd 8 | osd scrub who:CephString
rw osd 8 | osd deep-scrub who:CephString
rw osd 8 | osd repair who:CephString
rw osd 0 | osd set key:CephChoices({OSD_FLAGS}|pglog_hardlimit) yes_i_really_mean_it:CephBool?
rw osd 0 | osd unset key:CephChoices({OSD_FLAGS})
rw osd 0 | osd crush add-bucket name:CephString{{}} type:CephString args:CephString{{=}}*?
rw osd 0 | osd crush rename-bucket srcname:CephString{{}} dstname:CephString{{}}
rw osd 0 | osd crush move name:CephString{{}} args:CephString{{=}}*
rw osd 0 | osd crush set id:CephOsdName weight:CephFloat[0.0] args:CephString{{=}}*
rw osd 0 | osd crush add id:CephOsdName weight:CephFloat[0.0] args:CephString{{=}}*
rw osd 0 | osd crush reweight name:CephString{{}} weight:CephFloat[0.0]
rw osd 0 | osd crush rm name:CephString{{}} ancestor:CephString{{}}?
rw osd 4 | osd crush remove name:CephString{{}} ancestor:CephString{{}}?
rw osd 0 | osd crush unlink name:CephString{{}} ancestor:CephString{{}}?
rw osd 0 | osd crush rule create-replicated name:CephString{{}} root:CephString{{}} type:CephString{{}} class:CephString{{}}?
rw osd 0 | osd crush rule create-erasure name:CephString{{}} profile:CephString{{=}}?
rw osd 0 | osd crush rule rename srcname:CephString{{}} dstname:CephString{{}}
rw osd 0 | osd crush rule rm name:CephString{{}}
rw osd 0 | osd erasure-code-profile set name:CephString{{}} profile:CephString*? force:CephBool?
rw osd 0 | osd erasure-code-profile rm name:CephString{{}}
r config-key 0 | config-key get key:CephString
r config-key 0 | config-key exists key:CephString
r config-key 0 | config-key ls
rw config-key 0 | config-key set key:CephString val:CephString?
rw config-key 4 | config-key put key:CephString val:CephString?
rw config-key 0 | config-key rm key:CephString
rw config-key 4 | config-key del key:CephString
"""
ARG = re.compile(r"(?P<name>\w+):(?P<type>Ceph\w+)(?:\((?P<strings>[^)]*)\))?(?:\[(?P<range>[^\]]*)\])?"
                 r"(?P<chars>\{=?\})?(?P<many>\*)?(?P<optional>\?)?$")


def command_descriptions() -> dict:
    """{"cmd000": {"sig", "help", "module", "perm", "flags"}, ...} in the mon's own shape."""
    entries = [line for line in TABLE.strip().splitlines() if line.strip()]
    return {f"cmd{index:03d}": _description(line) for index, line in enumerate(entries)}


def _description(line: str) -> dict:
    head, sig = line.split("|", 1)
    perm, module, flags = head.split()
    return {"sig": [_element(word) for word in sig.split()], "help": "", "module": module,
            "perm": perm, "flags": int(flags)}


def _element(word: str):
    found = ARG.match(word)
    if found is None:
        return word
    desc = {"name": found["name"], "type": found["type"]}
    if found["strings"] is not None:
        desc["strings"] = found["strings"]
    if found["range"] is not None:
        desc["range"] = found["range"]
    if found["chars"]:
        desc["goodchars"] = LOCATION_CHARS if "=" in found["chars"] else NAME_CHARS
    if found["many"]:
        desc["n"] = "N"
    if found["optional"]:
        desc["req"] = "false"
    return desc

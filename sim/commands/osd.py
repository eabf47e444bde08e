"""OSD, OSD-map flag, erasure-code-profile, config-key and read-only mon commands."""
from __future__ import annotations

from sim.ceph_json import flag_names
from sim.commands.args import bool_arg, float_arg, int_arg, str_arg, str_list_arg
from sim.commands.util import Done, changed, existing_osd, num, osd_id, output, unchanged
from sim.crush.text_map import loc_text
from sim.errors import CommandError, strerror

WILDCARDS = ("any", "all", "*")
UNSET_FLAGS = frozenset({"pause", "noup", "nodown", "noout", "noin", "nobackfill", "norebalance",
                         "norecover", "noscrub", "nodeep-scrub", "notieragent", "nosnaptrim"})
SET_FLAGS = UNSET_FLAGS | {"sortbitwise", "recovery_deletes", "require_jewel_osds",
                           "require_kraken_osds", "pglog_hardlimit"}
EC_DEFAULTS = {"k": "2", "m": "2", "plugin": "jerasure", "technique": "reed_sol_van"}


# ----- osd in / out / down --------------------------------------------------------------------

def _ids(args: dict) -> list[str]:
    return str_list_arg(args, "ids")


def _mark(prefix: str):
    verb = prefix.split()[1]  # in, out, down

    def handler(cluster, args: dict) -> Done:
        osds = cluster.osds
        messages, targets = [], []
        for raw in _ids(args):
            if raw in WILDCARDS:
                chosen = [i for i in sorted(osds) if verb != "in" or not osds[i].in_]
            else:
                number = osd_id(raw)
                if number not in osds:
                    messages.append(f"osd.{number} does not exist.")
                    continue
                chosen = [number]
            for number in chosen:
                osd = osds[number]
                already = (not osd.up) if verb == "down" else (osd.in_ == (verb == "in"))
                if already and raw not in WILDCARDS:
                    messages.append(f"osd.{number} is already {verb}.")
                elif not already and osd not in targets:
                    targets.append(osd)
                    messages.append(f"marked {verb} osd.{number}.")
        status = "".join(f"{message} " for message in messages)    # Ceph ends each with ". "
        if not targets:
            return unchanged(status)
        for osd in targets:
            if verb == "down":
                cluster.mark_osd(osd, up=False)
            else:
                cluster.mark_osd(osd, in_=verb == "in")
        return changed(status)
    return handler


def osd_reweight(cluster, args: dict) -> Done:
    osd = existing_osd(cluster, int_arg(args, "id"))
    weight = float_arg(args, "weight")
    if weight < 0:  # the mon takes weights above 1 (only the `ceph` CLI caps them)
        raise CommandError("EINVAL", "weight must be >= 0")
    status = f"reweighted osd.{osd.id} to {num(weight)} ({int(weight * 0x10000):x})"
    if (osd.in_ and osd.reweight == weight) or (not osd.in_ and weight == 0.0):
        return unchanged(status)
    if weight == 0.0:
        cluster.mark_osd(osd, in_=False)
    else:
        osd.reweight = weight
        if not osd.in_:
            cluster.mark_osd(osd, in_=True)
    return changed(status)


def _scrub(kind: str):
    stamp_attr = {"scrub": "last_scrub", "deep-scrub": "last_deep_scrub", "repair": "last_repair"}[kind]

    def handler(cluster, args: dict) -> Done:
        who = str_arg(args, "who")
        if who in WILDCARDS:
            osds = [o for _, o in sorted(cluster.osds.items()) if o.up]
        else:
            try:
                number = osd_id(who)
            except CommandError:
                raise CommandError("EINVAL", f"Expected option value to be integer, got "
                                   f"'{who}'invalid osd '{who}'") from None
            osd = cluster.osds.get(number)
            if osd is None or not osd.up:   # the mgr cannot tell absent from down
                raise CommandError("EAGAIN", f"osd.{number} is not up")
            osds = [osd]
        now = cluster.now()
        for osd in osds:
            setattr(osd, stamp_attr, now)
            pgid = cluster.primary_pg(osd.id)
            if pgid is not None:
                for phase in ("starts", "ok"):
                    text = f"{pgid} {kind} {phase}"
                    cluster.log_cluster("DBG", text, source=f"osd.{osd.id} (osd.{osd.id})")
                    cluster.log_daemon(f"osd.{osd.id}", f"log_channel(cluster) log [DBG] : {text}")
        ids = ",".join(str(o.id) for o in osds)
        return Done(status=f"instructed osd(s) {ids} to {kind}")
    return handler


# ----- flags ----------------------------------------------------------------------------------

def _flag(setting: bool):
    def handler(cluster, args: dict) -> Done:
        key = str_arg(args, "key")
        if key not in (SET_FLAGS if setting else UNSET_FLAGS):
            raise CommandError("EINVAL", f"unrecognized flag '{key}'")
        flags = {"pauserd", "pausewr"} if key == "pause" else {key}
        status = f"{','.join(flag_names(flags))} is {'set' if setting else 'unset'}"
        current = cluster.osd_flags
        if setting and flags <= current or not setting and not flags & current:
            return unchanged(status)
        cluster.set_osd_flags(flags, setting)
        return changed(status)
    return handler


# ----- erasure code profiles ------------------------------------------------------------------

def ec_profile_set(cluster, args: dict) -> Done:
    name = str_arg(args, "name")
    cluster.crush.check_name(name)
    profile = dict(EC_DEFAULTS)
    for entry in str_list_arg(args, "profile", []):
        key, sep, value = str(entry).partition("=")
        if not sep:
            raise CommandError("EINVAL", f"invalid profile entry '{entry}': expected key=value")
        profile[key] = value
    for key, low in (("k", 2), ("m", 1)):
        if not profile[key].isdigit() or int(profile[key]) < low:
            raise CommandError("EINVAL", f"{key}={profile[key]} must be an integer >= {low}")
    domain = profile.get("crush-failure-domain")
    if domain is not None and cluster.crush.type_id(domain) is None:
        raise CommandError("EINVAL", f"unknown crush type {domain}")
    existing = cluster.ec_profiles.get(name)
    if existing == profile:
        return unchanged("")
    if existing is not None and not bool_arg(args, "force"):
        raise CommandError("EPERM", f"will not override erasure code profile {name} because "
                           f"the existing profile {loc_text(existing)} is different from the "
                           f"proposed profile {loc_text(profile)}")
    cluster.put_ec_profile(name, profile)
    return changed("")


def ec_profile_get(cluster, args: dict) -> Done:
    name = str_arg(args, "name")
    if name not in cluster.ec_profiles:
        raise CommandError("ENOENT", f"unknown erasure code profile '{name}'")
    return output(dict(cluster.ec_profiles[name]))


def ec_profile_ls(cluster, args: dict) -> Done:
    return output(sorted(cluster.ec_profiles))


def ec_profile_rm(cluster, args: dict) -> Done:
    name = str_arg(args, "name")
    if name not in cluster.ec_profiles:
        return unchanged(f"erasure-code-profile {name} does not exist")
    if any(p.erasure_code_profile == name for p in cluster.pools.values()):
        raise CommandError("EBUSY", f"{name}: {strerror('EBUSY')}")
    cluster.remove_ec_profile(name)
    return changed("")


# ----- config-key -----------------------------------------------------------------------------

def config_key_put(cluster, args: dict) -> Done:
    key = str_arg(args, "key")
    cluster.put_config_key(key, str_arg(args, "val", ""))
    return Done(status=f"set {key}")


def config_key_get(cluster, args: dict) -> Done:
    key = str_arg(args, "key")
    if key not in cluster.config_keys:
        raise CommandError("ENOENT", f"error obtaining '{key}': {strerror('ENOENT')}")
    return output(cluster.config_keys[key], f"obtained '{key}'")


def config_key_rm(cluster, args: dict) -> Done:
    key = str_arg(args, "key")
    if not cluster.remove_config_key(key):
        return unchanged(f"no such key '{key}'")
    return Done(status="key deleted")


def config_key_exists(cluster, args: dict) -> Done:
    key = str_arg(args, "key")
    if key not in cluster.config_keys:
        raise CommandError("ENOENT", f"key '{key}' doesn't exist")
    return unchanged(f"key '{key}' exists")


def config_key_ls(cluster, args: dict) -> Done:
    return output(sorted(cluster.config_keys))


OSD_COMMANDS = {
    "osd in": _mark("osd in"), "osd out": _mark("osd out"), "osd down": _mark("osd down"),
    "osd reweight": osd_reweight,
    "osd scrub": _scrub("scrub"), "osd deep-scrub": _scrub("deep-scrub"),
    "osd repair": _scrub("repair"),
    "osd set": _flag(True), "osd unset": _flag(False),
    "osd erasure-code-profile set": ec_profile_set, "osd erasure-code-profile get": ec_profile_get,
    "osd erasure-code-profile ls": ec_profile_ls, "osd erasure-code-profile rm": ec_profile_rm,
    "config-key put": config_key_put, "config-key set": config_key_put,
    "config-key get": config_key_get, "config-key rm": config_key_rm,
    "config-key del": config_key_rm, "config-key exists": config_key_exists,
    "config-key ls": config_key_ls,
    "osd dump": lambda cluster, args: output(cluster.osd_dump()),
    "health": lambda cluster, args: output(cluster.health()),
    "mon dump": lambda cluster, args: output(cluster.monmap(with_quorum=True)),
    "quorum_status": lambda cluster, args: output(cluster.quorum_status()),
}

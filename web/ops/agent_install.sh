#!/bin/sh
# Installs the Calamari agent on this Ceph server and points it at the manager that served this
# script (@@MANAGER_URL_COMMENT@@). Run it as root:
#     curl -fsS @@BOOTSTRAP_URL_COMMENT@@ | sudo sh
# Options come after `sh -s --` (e.g. `... | sudo sh -s -- --dry-run`); --help lists them.
# It holds no secret: only the manager's public bus key.
set -eu

MANAGER_URL=@@MANAGER_URL@@
WHEEL_URL=@@WHEEL_URL@@
WHEEL_NAME=@@WHEEL_NAME@@
WHEEL_SHA256=@@WHEEL_SHA256@@
BUS_ENDPOINT=@@BUS_ENDPOINT@@
PYTHON=/usr/bin/python3
UNIT_NAME=calamari-agent.service
# The cephx user the agent runs as, with only the capabilities it needs (actors/cluster/commands/agent_caps.py).
CEPH_USER=client.calamari
MON_CAPS=@@MON_CAPS@@
MGR_CAPS=@@MGR_CAPS@@

PREFIX=
DRY_RUN=0
CACERT=
START_FAILED=0

say() { printf '%s\n' "calamari-bootstrap: $*"; }
die() { printf '%s\n' "calamari-bootstrap: $*" >&2; exit 1; }
usage_error() { printf '%s\n' "calamari-bootstrap: $* (--help lists the options)" >&2; exit 2; }

usage() {
    cat <<'USAGE'
usage: sh bootstrap [--prefix DIR] [--dry-run] [--cacert FILE]

Installs the Calamari agent: a virtualenv in /opt/calamari/venv (made with /usr/bin/python3 and
its system packages, for Debian's rados module) holding the manager's own wheel (its SHA-256 is
checked), the cephx user client.calamari with only the capabilities the agent needs (when this
server has an admin keyring; its key in /etc/ceph/ceph.client.calamari.keyring),
/etc/calamari/agent.toml (the bus endpoint, the manager's public key, the cephx user), the
agent's key pair in /var/lib/calamari-agent, and the calamari-agent unit, enabled and started.
It prints the agent key's fingerprint: accept the key on the manager to manage this server.
Needs the Debian packages python3-rados, python3-venv and ceph-common, and pip's index (or the
index /etc/pip.conf names) for the wheel's dependencies.

  --prefix DIR   install under DIR instead of / (every path above is under DIR): root is not
                 needed and systemctl is not called (the unit is only copied)
  --dry-run      check the prerequisites, download and check the wheel, and say what would be
                 done, changing nothing
  --cacert FILE  trust this CA certificate for the manager's HTTPS (a self-signed manager)
USAGE
}

while [ $# -gt 0 ]; do
    case $1 in
        --prefix) [ $# -ge 2 ] || usage_error "--prefix needs a directory"; PREFIX=$2; shift 2 ;;
        --prefix=*) PREFIX=${1#--prefix=}; shift ;;
        --cacert) [ $# -ge 2 ] || usage_error "--cacert needs a file"; CACERT=$2; shift 2 ;;
        --cacert=*) CACERT=${1#--cacert=}; shift ;;
        --dry-run) DRY_RUN=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage_error "unknown option $1" ;;
    esac
done

if [ -n "$PREFIX" ]; then
    case $PREFIX in
        /*) ;;
        *) usage_error "--prefix must be an absolute path, got $PREFIX" ;;
    esac
    case $PREFIX in   # it is written into agent.toml as is
        *[!A-Za-z0-9._/-]*) usage_error "--prefix may hold only letters, digits and . _ / -" ;;
    esac
    PREFIX=${PREFIX%/}
elif [ "$DRY_RUN" = 0 ] && [ "$(id -u)" -ne 0 ]; then
    die "run me as root: curl -fsS $MANAGER_URL/bootstrap | sudo sh"
fi
if [ -n "$CACERT" ] && [ ! -r "$CACERT" ]; then
    usage_error "--cacert $CACERT is not a readable file"
fi

VENV=$PREFIX/opt/calamari/venv
CONF_DIR=$PREFIX/etc/calamari
CONF=$CONF_DIR/agent.toml
KEY_DIR=$PREFIX/var/lib/calamari-agent
UNIT_DIR=$PREFIX/etc/systemd/system
CEPH_KEYRING=$PREFIX/etc/ceph/ceph.$CEPH_USER.keyring
CEPH_LINES=0

# Prerequisites ---------------------------------------------------------------------------------
missing=
if [ ! -x "$PYTHON" ]; then
    missing="$missing python3"
else
    "$PYTHON" -c 'import rados' >/dev/null 2>&1 || missing="$missing python3-rados"
    "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing="$missing python3-venv"
fi
command -v ceph >/dev/null 2>&1 || missing="$missing ceph-common"
if [ -n "$missing" ]; then
    die "missing package(s):$missing; install them first: apt-get install$missing"
fi
command -v sha256sum >/dev/null 2>&1 || die "sha256sum is missing: apt-get install coreutils"
if command -v curl >/dev/null 2>&1; then
    FETCH=curl
elif command -v wget >/dev/null 2>&1; then
    FETCH=wget
else
    die "neither curl nor wget is installed: apt-get install curl"
fi

# Steps -----------------------------------------------------------------------------------------
run() {
    if [ "$DRY_RUN" = 1 ]; then
        say "would run: $*"
    else
        "$@"
    fi
}

fetch() {   # URL FILE; never follows a redirect to another scheme than the manager's own
    scheme=${1%%://*}
    if [ "$FETCH" = curl ]; then
        if [ -n "$CACERT" ]; then
            curl -fsS --proto "=$scheme" --cacert "$CACERT" -o "$2" "$1"
        else
            curl -fsS --proto "=$scheme" -o "$2" "$1"
        fi
    elif [ "$scheme" = https ]; then
        if [ -n "$CACERT" ]; then
            wget -q --https-only --ca-certificate="$CACERT" -O "$2" "$1"
        else
            wget -q --https-only -O "$2" "$1"
        fi
    else
        wget -q -O "$2" "$1"
    fi
}

install_wheel() {
    say "downloading $WHEEL_URL"
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    trap 'exit 1' INT TERM
    fetch "$WHEEL_URL" "$scratch/$WHEEL_NAME" || die "cannot download $WHEEL_URL"
    actual=$(sha256sum <"$scratch/$WHEEL_NAME")
    actual=${actual%% *}
    [ "$actual" = "$WHEEL_SHA256" ] || die "$WHEEL_NAME has SHA-256 $actual, not $WHEEL_SHA256: not installed"
    if [ "$DRY_RUN" = 1 ]; then
        say "its SHA-256 is right; would pip-install it into $VENV"
        return
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating the virtualenv $VENV"
        mkdir -p "$(dirname "$VENV")"
        "$PYTHON" -m venv --system-site-packages "$VENV" || die "cannot create the virtualenv $VENV"
    fi
    say "installing $WHEEL_NAME and its dependencies into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$scratch/$WHEEL_NAME" \
        || die "pip could not install $WHEEL_NAME (pip's index, or the one /etc/pip.conf names, must be reachable)"
}

ceph_user() {   # the narrow cephx user, made with this server's admin keyring when it has one
    [ ! -e "$CONF" ] || return 0     # a kept agent.toml already names its user
    if [ -r "$CEPH_KEYRING" ]; then
        say "the agent runs as $CEPH_USER ($CEPH_KEYRING, already here)"
    elif [ "$DRY_RUN" = 1 ]; then
        say "would make the cephx user $CEPH_USER (ceph auth get-or-create) into $CEPH_KEYRING"
        return
    else
        mkdir -p "$(dirname "$CEPH_KEYRING")"
        if ! (umask 077 && ceph --connect-timeout 15 auth get-or-create "$CEPH_USER" \
                mon "$MON_CAPS" mgr "$MGR_CAPS" -o "$CEPH_KEYRING.new") >/dev/null 2>&1; then
            rm -f "$CEPH_KEYRING.new"
            say "cannot make the cephx user $CEPH_USER here (no admin keyring?): the agent runs as"
            say "client.admin; the README's \"The agent's cephx user\" says how to make and name one"
            return
        fi
        mv "$CEPH_KEYRING.new" "$CEPH_KEYRING"
        say "the agent runs as $CEPH_USER: made it, its key in $CEPH_KEYRING"
    fi
    CEPH_LINES=1
}

write_config() {
    if [ -e "$CONF" ]; then
        say "kept the existing $CONF (delete it and run me again to rewrite it)"
        return
    fi
    if [ "$DRY_RUN" = 1 ]; then
        say "would write $CONF (connect = $BUS_ENDPOINT, the manager's bus key, key_dir = $KEY_DIR)"
        return
    fi
    mkdir -p "$CONF_DIR"
    (
        umask 077
        {
            printf '# Written by %s/bootstrap: the agent of this Ceph server, its flags as keys\n' "$MANAGER_URL"
            printf '# (calamari-agent --help lists them).\n'
            cat <<'AGENT_TOML'
@@AGENT_TOML@@
AGENT_TOML
            printf 'key_dir = "%s"\n' "$KEY_DIR"
            if [ "$CEPH_LINES" = 1 ]; then
                printf 'ceph_name = "%s"\nkeyring = "%s"\n' "$CEPH_USER" "$CEPH_KEYRING"
            fi
        } >"$CONF.new"
    )
    mv "$CONF.new" "$CONF"
    say "wrote $CONF"
}

install_unit() {
    if [ "$DRY_RUN" = 1 ]; then
        say "would write $UNIT_DIR/$UNIT_NAME"
    else
        mkdir -p "$UNIT_DIR"
        cat >"$UNIT_DIR/$UNIT_NAME.new" <<'AGENT_UNIT'
@@AGENT_UNIT@@
AGENT_UNIT
        chmod 0644 "$UNIT_DIR/$UNIT_NAME.new"
        mv "$UNIT_DIR/$UNIT_NAME.new" "$UNIT_DIR/$UNIT_NAME"
        say "wrote $UNIT_DIR/$UNIT_NAME"
    fi
    if [ -n "$PREFIX" ]; then
        say "--prefix: systemctl not called (start the agent by hand: $VENV/bin/calamari-agent --config $CONF)"
    elif command -v systemctl >/dev/null 2>&1; then
        run systemctl daemon-reload
        run systemctl enable "$UNIT_NAME"
        if run systemctl restart "$UNIT_NAME"; then
            [ "$DRY_RUN" = 1 ] || say "enabled and started $UNIT_NAME"
        else   # still say the fingerprint (report): the key is made, the unit enabled
            START_FAILED=1
            say "$UNIT_NAME did not start: journalctl -u $UNIT_NAME says why"
        fi
    else
        say "no systemctl here: start the agent yourself: $VENV/bin/calamari-agent --config $CONF"
    fi
}

make_key() {
    if [ "$DRY_RUN" = 1 ]; then
        say "would create the agent's key pair in $KEY_DIR"
        return
    fi
    fingerprint=$("$VENV/bin/calamari-agent" --config "$CONF" --print-fingerprint) \
        || die "cannot read or create the agent's key pair in $KEY_DIR"
}

report() {
    [ "$DRY_RUN" = 0 ] || return 0
    name=$("$VENV/bin/python" -c 'import socket; print(socket.getfqdn())')
    cat <<DONE

The agent of $name is installed. The manager ($MANAGER_URL) manages this server once an
administrator accepts its key, whose fingerprint is

    $fingerprint

Accept it with the calamari command (it refuses a key with another fingerprint):

    calamari key accept $name --fingerprint $fingerprint

or check that \`calamari key ls\` (or \`calamari-server key list\` on the manager's host) shows this
fingerprint for $name, then accept it there (\`calamari-server key accept $name\`).
DONE
}

install_wheel
ceph_user
write_config
make_key
install_unit
report
exit "$START_FAILED"

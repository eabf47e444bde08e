"""`POST cluster/<fsid>/cli`: the words a caller typed, turned into one mon command.

The daemon never hands the caller's words to a program's command line. It matches them against
the command descriptions the cluster itself publishes (`get_command_descriptions`, as the `ceph`
tool does: signatures.py), checks the command against the caller's role (policy.py), and sends
the agent the resulting command JSON, which the agent runs over its librados session. Nothing of
the `ceph` tool's local options (`-i`, `-o`, `--keyring`, ...) can exist on that path.
"""

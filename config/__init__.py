"""How the daemon and the agent are configured: their command-line flags and the checked types
of their values (config/types.py), the settings run.py derives from them, and (issue 16) the
configuration file, the CALAMARI_* environment, --print-config and the version.

run.py stays the composition root: it asks this package for the parsed, checked settings and
wires the actors, the bus and the web tier from them.
"""

"""The systemd units and the sysusers.d/tmpfiles.d entries they rely on, as package data
(read with importlib.resources.files("deploy.systemd"))."""

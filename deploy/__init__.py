"""Running calamari as a service: the systemd units (deploy/systemd/), the container image's
recipe (deploy/Containerfile), and the notify protocol the daemon and the agent speak to systemd
(deploy/sd_notify.py). The files ship in the wheel as package data, so `calamari-server` and the
/bootstrap script can hand out the very units the tests verify."""

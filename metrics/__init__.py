"""Prometheus metrics: the fleet's clusters in the names of Ceph's mgr `prometheus` module, and the
daemon's own `calamari_*` metrics (daemon.py), served on a listener of their own."""

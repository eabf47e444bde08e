"""Benches of high availability (issue 18): run as scripts, `python bench/ha/failover.py`."""

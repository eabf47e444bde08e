"""The usage model of a simulated cluster: bytes in pools, where placement puts them, client
load, recovery and fullness (driver.py, a mixin of SimCluster), what one moment of it adds up
to (snapshot.py), and the Pacific JSON of the stats (documents.py; docs/sync-objects.md
"Stats")."""

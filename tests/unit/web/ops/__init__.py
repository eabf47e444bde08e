"""Unit tests of web/ops: the routes outside /api/v2."""

"""Benches of the web page (issue 17): run as scripts, `python bench/ui/first_paint.py`."""

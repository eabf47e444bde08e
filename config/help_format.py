"""--help that shows every flag's default."""
from __future__ import annotations

import argparse


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """`(default: X)` after every flag's help, unless the help already says what the default is,
    or there is no value to show: a switch (off unless given) or an unset one (None: its help
    says what happens without it)."""

    def _get_help_string(self, action):
        text = action.help or ""
        if ("default" in text or not action.option_strings or action.default is argparse.SUPPRESS
                or action.default is None or isinstance(action.default, bool)):
            return text
        return f"{text} (default: %(default)s)".lstrip()

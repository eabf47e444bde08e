"""`calamari completion bash|zsh|fish`: the shell completion script (click's own mechanism:
the script calls `calamari` back with _CALAMARI_COMPLETE set to ask what may come next).

    eval "$(calamari completion bash)"      # in ~/.bashrc; zsh: ~/.zshrc; fish:
    calamari completion fish > ~/.config/fish/completions/calamari.fish
"""
from __future__ import annotations

import click
from click.shell_completion import get_completion_class

SHELLS = ("bash", "zsh", "fish")


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script: eval "$(calamari completion bash)"."""
    root = ctx.find_root()
    script = get_completion_class(shell)(root.command, {}, root.info_name or "calamari", "_CALAMARI_COMPLETE")
    click.echo(script.source())

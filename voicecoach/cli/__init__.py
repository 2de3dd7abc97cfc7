"""The `voicecoach` command: a thin click layer over the library.

Each issue's commands live in their own module and attach themselves to `main`.
"""

from __future__ import annotations

import click

from .. import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="voicecoach")
def main() -> None:
    """VoiceCoach: rehearse spoken code-review answers offline and get coached on delivery."""


# imported for their side effect of registering commands on `main`
from . import score_cmd  # noqa: E402,F401
from . import coach_cmd  # noqa: E402,F401
from . import history_cmd  # noqa: E402,F401
from . import practice_cmd  # noqa: E402,F401
from . import drill_cmd  # noqa: E402,F401
from . import demo_cmd  # noqa: E402,F401
from . import mock_cmd  # noqa: E402,F401

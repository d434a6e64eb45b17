"""Player names in an export: a name that is a role (``client``, ``therapist2``) stays; any
other name (a group member entered by name) is replaced, unless the researcher asks for
text (``--with-text``)."""

from __future__ import annotations

import re

__all__ = ["is_role_name", "player_label"]

_ROLE_NAME = re.compile(r"(client|therapist|co-?therapist|cotherapist|patient|group|member|"
                        r"player|partner)[ _-]?\d*", re.IGNORECASE)


def is_role_name(name: str) -> bool:
    """Whether a player name is a role (``client``, ``therapist2``), not a person's name."""
    return bool(_ROLE_NAME.fullmatch(name))


def player_label(name: str, index: int, *, with_text: bool) -> str:
    """The name of a player in the export: kept if it is a role (or with ``with_text``),
    else ``player<index+1>``."""
    return name if with_text or is_role_name(name) else f"player{index + 1}"

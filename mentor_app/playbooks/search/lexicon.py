"""The curated lay-language lexicons: mentor_app/content/lexicon/<language>.toml.

Each file maps a guide's slug to the everyday words and phrases a mentor types for its
situation ("passed away", "kicked out", "säpo", "Knast"). They are maintained with the content:
a lexicon key that names no guide is a problem the content tests report.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LEXICON_DIR = Path(__file__).resolve().parents[2] / "content" / "lexicon"


@cache
def lexicon(language: str) -> dict[str, list[str]]:
    """slug → words and phrases, for `language` ("en", "sv", "de"); {} when there is no file.

    Raises ValueError when the file is not a table of lists of texts."""
    path = LEXICON_DIR / f"{language}.toml"
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for slug, names in data.items():
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"{path.name}: '{slug}' must be a list of texts")
    return data

"""Small text helpers shared by search, dedupe and import."""

import unicodedata


def fold(text: str) -> str:
    """Case- and accent-insensitive form: "Björk Guðmundsdóttir" -> "bjork guðmundsdottir".

    Used for search and for matching names (companies, tags), never for display.
    """
    if text.isascii():  # the common case, and ten times faster
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def like_pattern(term: str) -> str:
    """A LIKE pattern matching `term` anywhere, with LIKE's wildcards taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"

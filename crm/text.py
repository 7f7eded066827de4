"""Small text helpers shared by search, dedupe and import."""

import re
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


# A word, as the search sees one: letters and digits, between anything else (spaces, "@",
# ".", "-", "_"). The same split as SQLite FTS5's unicode61 tokenizer, so both engines
# find the same contacts.
_WORD = re.compile(r"[^\W_]+")


def search_words(text: str) -> list[str]:
    """The folded words of `text`: "Zoë O'Brien <zoe@label.fm>" -> zoe o brien zoe label fm."""
    return _WORD.findall(fold(text))


def search_text(*parts: str) -> str:
    """What a contact's search matches against: its folded words between spaces, so that
    a word start is always " " + word and a word's end " " (LIKE '% word%' on PostgreSQL)."""
    words = [word for part in parts for word in search_words(part)]
    return f" {' '.join(words)} " if words else ""


def search_terms(query: str) -> list[tuple[str, bool]]:
    """What a search asks for: each term (what is typed between spaces) as its words in a
    row, and whether its last word may go on ("ber" finds Berlin) or ends where the term
    does ("person4@" finds person4@label.fm, not person41@label.fm)."""
    terms = []
    for chunk in fold(query).split():
        words = search_words(chunk)
        if words:
            terms.append((" ".join(words), bool(_WORD.search(chunk[-1]))))
    return terms

"""People shaped like artists' real address books, for every benchmark that loads contacts
(never the demo set, whose few hundred companies, role on every row and evenly spread labels
flatter the app). `make_rows` is the raw people of an export (benchmarks/import_csv.py
writes them as Google and Outlook files); `account_rows` is the same people as they live in
an account after imports and tagging (benchmarks/_common.load_contacts).

The distribution of `make_rows`, taken from what artists' Google and Outlook exports look
like:
- one company per 2.5 contacts on average (a long tail: most companies have one or two
  people), so nearly every row names a company the import has not seen yet;
- a phone on 80% of rows, in local format (with the row's country) or international, from
  twelve countries, in the first, second or third phone column;
- a second address on 30% of rows (in the `E-mail 2` column);
- a job title on 85% of rows and no role column (roles are guessed from the titles);
- notes on 40% of rows, with line breaks, accents and non-Latin scripts;
- names from 150 first and 130 last names, so a full name matches a handful of people.

And `account_rows` adds what an account gives its contacts afterwards:
- the role its import guessed from the title (so about one in three has none);
- tags and genres as people use them, a few very common and a long tail of rare ones
  (Zipf: the n-th label is used 1/n as often as the first): half the contacts have no
  tag, a third no genre;
- 2% do not contact; a third contacted before; last changed over two years.
"""

from __future__ import annotations

import random

from crm.demo.data import FIRST_NAMES, LAST_NAMES

PHONES = [
    ("United Kingdom", "020 7946 {:04d}", "+44 20 7946 {:04d}"),
    ("United States", "(212) 555-{:04d}", "+1 212-555-{:04d}"),
    ("Germany", "030 1234{:04d}", "+49 30 1234{:04d}"),
    ("France", "01 42 68 {:02d} {:02d}", "+33 1 42 68 {:02d} {:02d}"),
    ("Spain", "912 34 {:02d} {:02d}", "+34 912 34 {:02d} {:02d}"),
    ("Italy", "06 6982 {:04d}", "+39 06 6982 {:04d}"),
    ("Netherlands", "020 555 {:04d}", "+31 20 555 {:04d}"),
    ("Sweden", "08-123 {:03d} {:02d}", "+46 8 123 {:03d} {:02d}"),
    ("Brazil", "(11) 2345-{:04d}", "+55 11 2345-{:04d}"),
    ("Japan", "03-1234-{:04d}", "+81 3-1234-{:04d}"),
    ("Australia", "(02) 9876 {:04d}", "+61 2 9876 {:04d}"),
    ("Canada", "(416) 555-{:04d}", "+1 416-555-{:04d}"),
]
TITLES = [
    "Head of A&R", "A&R Manager", "A&R Scout", "Booking Agent", "Agent", "Talent Buyer",
    "Artist Manager", "Management", "Label Manager", "Founder", "Publicist", "PR Manager",
    "Playlist Curator", "Editor", "Music Journalist", "Music Writer", "Radio Host",
    "Producer", "Attachée de presse", "Redakteurin", "Jefe de prensa", "Marketing",
    "Office Manager", "Intern",
]  # fmt: skip
# Names with accents and apostrophes, and enough of them that a person's full name is
# nearly unique (as in a real book): the demo's pools beside a few of our own.
OWN_FIRST = "Ana Ben Chloé Dmitri Elif Fatou Giulia Hiro Ines Jonas Kwame Lena Mateo Noor"
OWN_LAST = "Okafor Müller García Rossi Dubois Nakamura Silva Johansson Nowak O'Brien Kim"
FIRST = list(dict.fromkeys(OWN_FIRST.split() + FIRST_NAMES))  # each name once, ours first
LAST = list(dict.fromkeys(OWN_LAST.split() + LAST_NAMES))
SUFFIX = "Records Music Mgmt Agency PR Recordings Magazine Radio Sounds Booking Media".split()
NOTES = [
    "Met at The Great Escape.\nLikes dream pop; send the EP first.",
    "Résumé: signed two folk acts in 2024 — très sélectif.",
    "東京のレーベル。返信は遅め。",
    "Prefers WeTransfer links.\r\nFollow up after SXSW.",
]


def make_rows(count: int, seed: int) -> list[dict]:
    """`count` people as the distribution above describes (deterministic for a seed)."""
    rng = random.Random(seed)
    companies = max(1, int(count / 2.5))
    people = []
    for i in range(count):
        country, local, international = rng.choice(PHONES)
        # A long tail: a few companies have many people, most have one or two.
        company_index = min(int(rng.paretovariate(1.2)) - 1, companies - 1) if i % 3 else i
        company = f"{rng.choice(LAST)} {SUFFIX[company_index % len(SUFFIX)]} {company_index}"
        digits = [rng.randrange(100) for _ in range(2)] if "{:02d} {:02d}" in local else None
        number = i % 10_000
        pattern = local if rng.random() < 0.6 else international
        if "{:03d} {:02d}" in pattern:
            phone = pattern.format(number % 1000, rng.randrange(100))
        elif digits:
            phone = pattern.format(*digits)
        else:
            phone = pattern.format(number)
        person = {
            "first": rng.choice(FIRST),
            "last": rng.choice(LAST),
            "company": company if rng.random() < 0.9 else "",
            "title": rng.choice(TITLES) if rng.random() < 0.85 else "",
            "email": f"person{i}@{company_index}.example",
            "email2": f"p{i}.home@mail.example" if rng.random() < 0.3 else "",
            "phone": phone if rng.random() < 0.8 else "",
            "phone_column": rng.choice([0, 0, 1, 2]),
            "city": rng.choice(["London", "Berlin", "Paris", "Madrid", "Tokyo", ""]),
            "country": country,
            "groups": rng.choice(["", "Festival", "Priority; Radio", "Press"]),
            "notes": rng.choice(NOTES) if rng.random() < 0.4 else "",
        }
        people.append(person)
    return people


# Labels in the order of how often they are used (the first the most, then 1/n as often).
TAGS = [
    "festival", "priority", "radio", "press", "warm intro", "sync", "europe", "newsletter",
    "met at sxsw", "tour support", "college radio", "replied before", "blog", "podcast",
    "label showcase", "late reply", "vinyl", "berlin scene", "uk tour", "asia", "christmas",
    "brand deal", "old contact", "friend of friend", "via bandcamp", "film", "games",
    "remix", "wedding", "do not chase",
]  # fmt: skip
GENRES = [
    "Indie Rock", "Pop", "Techno", "Hip-Hop", "Electronic", "Folk", "House", "R&B", "Jazz",
    "Soul", "Ambient", "Punk", "Metal", "Latin", "Afrobeats", "Singer-Songwriter",
    "Country", "Classical", "Reggae", "Drum & Bass",
]  # fmt: skip


def _zipf(rng: random.Random, names: list[str], how_many: int) -> list[str]:
    weights = [1 / (rank + 1) for rank in range(len(names))]
    chosen: list[str] = []
    while len(chosen) < how_many:
        name = rng.choices(names, weights)[0]
        if name not in chosen:
            chosen.append(name)
    return chosen


def account_rows(count: int, seed: int) -> list[dict]:
    """`count` contacts of one account (see the module's docstring), as dicts of the
    contact's fields, with `company`, `other_emails`, `tags` and `genres`."""
    from crm.contacts.roles import infer_role

    rng = random.Random(seed)
    rows = []
    for person in make_rows(count, seed):
        role = infer_role(person["title"], person["company"])
        rows.append(
            {
                "first_name": person["first"],
                "last_name": person["last"],
                "email": person["email"],
                "other_emails": [person["email2"]] if person["email2"] else [],
                "phone": person["phone"],
                "role": role.value if role else None,
                "role_inferred": role is not None,
                "company": person["company"],
                "title": person["title"],
                "city": person["city"],
                "country": person["country"],
                "notes": person["notes"],
                "do_not_contact": rng.random() < 0.02,
                "tags": _zipf(rng, TAGS, rng.choices([0, 1, 2, 3], [50, 30, 15, 5])[0]),
                "genres": _zipf(rng, GENRES, rng.choices([0, 1, 2, 3], [33, 40, 22, 5])[0]),
            }
        )
    return rows

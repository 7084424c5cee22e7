"""Review status of the knowledge: which answers and crisis lines are due for a human check.

Per entry: `review_by` passed (overdue), due within `DUE_SOON_DAYS`, `reviewed` or `review_by`
missing, or `reviewed` later than `review_by` (one of the two dates is wrong). Per crisis line
(built-in numbers and the staff overlay in `knowledge/crisis/`): `verified` more than
`CRISIS_VERIFIED_MAX_DAYS` ago. Every finding says where to fix it (file:line of the field when
the field is there, else of the entry).

Read by `check` (as findings), `python -m assistant review` and the staff page's dashboard.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from assistant.errors import Problem
from assistant.knowledge import Knowledge

DUE_SOON_DAYS = 30
# The built-in numbers were read on one day and providers change numbers, hours and text options
# without notice. Six months is the review cycle the knowledge itself uses (faq.yaml: `review_by`
# "about 6 months" after `reviewed`); a crisis number deserves at least the same care as an answer.
CRISIS_VERIFIED_MAX_DAYS = 180

EntryStatus = Literal["overdue", "due_soon", "missing", "inconsistent"]


@dataclass(frozen=True)
class EntryReview:
    """One thing to do about one entry's review dates."""

    status: EntryStatus
    entry_id: str
    heading: str
    file: str
    line: int
    reviewed: str | None
    review_by: str | None
    days: int | None = None  # days until `review_by` (negative: days since it passed)

    @property
    def message(self) -> str:
        label = f"entry {self.entry_id!r}"
        if self.status == "overdue":
            return (f"{label}: review_by {self.review_by} has passed ({-self.days} days ago); "
                    "check the answer and set new `reviewed` and `review_by` dates")
        if self.status == "due_soon":
            when = "today" if self.days == 0 else f"in {self.days} day{'s' if self.days != 1 else ''}"
            return f"{label}: due for review on {self.review_by} ({when}); check the answer before then"
        if self.status == "missing":
            absent = " and ".join(f"`{name}`" for name, value in (("reviewed", self.reviewed),
                                                                   ("review_by", self.review_by)) if not value)
            return (f"{label} has no {absent} date; add the date it was last checked (`reviewed`) "
                    "and when to check it again (`review_by`, about 6 months later)")
        return (f"{label}: reviewed {self.reviewed} is after review_by {self.review_by}; one of the two "
                "dates is wrong: set review_by to about 6 months after reviewed")

    def problem(self) -> Problem:
        return Problem(self.file, self.line, self.message)


@dataclass(frozen=True)
class CrisisLineReview:
    """One crisis line (or emergency number) of one region, with when it was last checked."""

    region: str
    line_id: str
    name: str
    number: str
    verified: str | None
    source: str
    shown_to_visitors: bool
    file: str
    line: int
    days: int | None  # days since `verified` (None: no usable date)
    stale: bool

    @property
    def message(self) -> str:
        what = f"crisis line {self.line_id} ({self.name}, {self.number}) for {self.region}"
        if self.verified is None or self.days is None:
            return f"{what} has no `verified` date; check it on the provider's own page and record the date"
        return (f"{what} was verified {self.verified}, {self.days} days ago (more than {CRISIS_VERIFIED_MAX_DAYS}); "
                "check it on the provider's own page, then record the new `verified` date in knowledge/crisis/local.yaml")

    def problem(self) -> Problem:
        return Problem(self.file, self.line, self.message)


@dataclass(frozen=True)
class ReviewStatus:
    """The review dashboard: everything due, and every crisis line by its `verified` date (oldest first)."""

    today: dt.date
    entries_checked: int
    overdue: list[EntryReview] = field(default_factory=list)
    due_soon: list[EntryReview] = field(default_factory=list)
    missing: list[EntryReview] = field(default_factory=list)
    inconsistent: list[EntryReview] = field(default_factory=list)
    crisis_lines: list[CrisisLineReview] = field(default_factory=list)

    @property
    def stale_crisis_lines(self) -> list[CrisisLineReview]:
        return [line for line in self.crisis_lines if line.stale]

    def problems(self) -> list[Problem]:
        """Everything that needs doing, as `file:line: message` findings (what `check` reports)."""
        found = [*self.overdue, *self.inconsistent, *self.missing, *self.due_soon, *self.stale_crisis_lines]
        return [item.problem() for item in found]

    def to_dict(self) -> dict:
        def entries(items: list[EntryReview]) -> list[dict]:
            return [{"id": e.entry_id, "question": e.heading, "file": e.file, "line": e.line, "reviewed": e.reviewed,
                     "review_by": e.review_by, "days": e.days, "message": e.message} for e in items]

        return {
            "today": self.today.isoformat(),
            "entries_checked": self.entries_checked,
            "due_soon_days": DUE_SOON_DAYS,
            "crisis_verified_max_days": CRISIS_VERIFIED_MAX_DAYS,
            "overdue": entries(self.overdue),
            "due_soon": entries(self.due_soon),
            "missing": entries(self.missing),
            "inconsistent": entries(self.inconsistent),
            "crisis_lines": [{"region": c.region, "id": c.line_id, "name": c.name, "number": c.number,
                              "verified": c.verified, "days": c.days, "stale": c.stale, "source": c.source,
                              "shown_to_visitors": c.shown_to_visitors, "file": c.file, "line": c.line}
                             for c in self.crisis_lines],
        }

    def to_text(self) -> str:
        """The dashboard in plain words, for the terminal (`python -m assistant review`)."""
        out = [f"Review status on {self.today.isoformat()} ({self.entries_checked} entries)"]
        sections = (("Overdue: review_by has passed", self.overdue),
                    (f"Due within {DUE_SOON_DAYS} days", self.due_soon),
                    ("Missing review dates", self.missing),
                    ("Dates that contradict each other (reviewed after review_by)", self.inconsistent))
        for title, items in sections:
            out.append(f"\n== {title}: {len(items) or 'none'}")
            out += [f"  {item.file}:{item.line}: {item.message}" for item in items]
        stale = self.stale_crisis_lines
        out.append(f"\n== Crisis lines verified more than {CRISIS_VERIFIED_MAX_DAYS} days ago: {len(stale) or 'none'}")
        out += [f"  {line.file}:{line.line}: {line.message}" for line in stale]
        out.append("\n== Every crisis line, oldest check first")
        for line in self.crisis_lines:
            shown = "" if line.shown_to_visitors else "  (not shown to visitors: unconfirmed)"
            age = f"{line.days} days ago" if line.days is not None else "no date"
            out.append(f"  {line.region}  {line.name} {line.number}: verified {line.verified or '-'} ({age}); "
                       f"source: {line.source}{shown}")
        return "\n".join(out) + "\n"


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _field_lines(files: tuple[str, ...]) -> dict[tuple[str, str], dict[str, int]]:
    """(file, entry id) -> line of each field, read again from the files (libyaml: milliseconds)."""
    from assistant.yamlfile import parse_yaml

    lines: dict[tuple[str, str], dict[str, int]] = {}
    for name in files:
        data, problems = parse_yaml(Path(name), name)
        items = data.get("entries") if isinstance(data, dict) and not problems else None
        for raw in items if isinstance(items, list) else []:
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                lines[(name, raw["id"])] = dict(getattr(raw, "key_lines", {}))
    return lines


def _entry_review(entry, entry_id: str, keys: dict[str, int], status: EntryStatus, key: str | None = None,
                  days: int | None = None) -> EntryReview:
    return EntryReview(status, entry_id, entry.heading, entry.file, keys.get(key, entry.line), entry.reviewed,
                       entry.review_by, days)


def review_entries(knowledge: Knowledge, today: dt.date) -> list[EntryReview]:
    """Every review finding for the entries (a chunked passage counts once)."""
    field_lines = _field_lines(knowledge.files)
    found: list[EntryReview] = []
    seen: set[str] = set()
    for entry in knowledge.entries:
        entry_id = entry.id.split("/")[0]
        if entry_id in seen:
            continue
        seen.add(entry_id)
        keys = field_lines.get((entry.file, entry_id), {})
        review = functools.partial(_entry_review, entry, entry_id, keys)
        reviewed, review_by = _date(entry.reviewed), _date(entry.review_by)
        if reviewed is None or review_by is None:
            found.append(review("missing"))
        if reviewed and review_by and reviewed > review_by:
            found.append(review("inconsistent", "reviewed"))
        if review_by is not None:
            days = (review_by - today).days
            if days < 0:
                found.append(review("overdue", "review_by", days))
            elif days <= DUE_SOON_DAYS:
                found.append(review("due_soon", "review_by", days))
    return found


def _where_verified(knowledge_dir: Path | None) -> dict[tuple[str, str], tuple[str, int]]:
    """(region, line id) -> the file and line that set its `verified` date last: the staff
    overlay when it sets one, else the built-in resources file."""
    from assistant.crisis.resources import RESOURCES_FILE
    from assistant.crisis.rules import DATA_DIR, overlay_files
    from assistant.yamlfile import line_of, read_lenient

    where: dict[tuple[str, str], tuple[str, int]] = {}
    for path in [DATA_DIR / RESOURCES_FILE, *overlay_files(knowledge_dir)]:
        document, _ = read_lenient(path)
        regions = (document or {}).get("regions")
        for code, region in (regions.items() if isinstance(regions, dict) else ()):
            if not isinstance(region, dict):
                continue
            code = str(code).upper()
            lines = region.get("lines") if isinstance(region.get("lines"), dict) else {}
            for line_id, raw in [(f"{code}.emergency", region.get("emergency")), *lines.items()]:
                if isinstance(raw, dict) and "verified" in raw:
                    where[(code, str(line_id))] = (str(path), line_of(raw))
    return where


def review_crisis_lines(knowledge_dir: Path | None, today: dt.date, resources=None) -> list[CrisisLineReview]:
    """Every region's emergency number and lines as served, oldest `verified` first."""
    from assistant.crisis.resources import CrisisResources
    from assistant.crisis.rules import DATA_DIR

    resources = resources or CrisisResources.load(knowledge_dir)
    where = _where_verified(knowledge_dir)
    reviews = []
    for code in resources.regions:
        region = resources.region(code)
        for line in (region.emergency, *region.lines):
            verified = _date(line.verified)
            days = (today - verified).days if verified else None
            file, number = where.get((code, line.id), (str(DATA_DIR / "resources.yaml"), 1))
            stale = line.shown_to_visitors and (days is None or days > CRISIS_VERIFIED_MAX_DAYS)
            reviews.append(CrisisLineReview(code, line.id, line.name, line.number, line.verified or None,
                                            line.source, line.shown_to_visitors, file, number, days, stale))
    return sorted(reviews, key=lambda r: (r.days is not None, -(r.days or 0), r.region))


def knowledge_dir_of(knowledge: Knowledge) -> Path | None:
    """The directory the knowledge was read from (`load_knowledge` reads one folder's files)."""
    return Path(knowledge.files[0]).parent if knowledge.files else None


def review_status(knowledge: Knowledge, today: dt.date | None = None, knowledge_dir: Path | None = None,
                  resources=None) -> ReviewStatus:
    """The whole dashboard. `knowledge_dir` (default: where the knowledge was read from) holds the
    staff's crisis overlay; `resources` (default: loaded from it) are the crisis lines as served."""
    today = today or dt.date.today()
    found = review_entries(knowledge, today)
    by_status = {status: [r for r in found if r.status == status]
                 for status in ("overdue", "due_soon", "missing", "inconsistent")}
    by_status["overdue"].sort(key=lambda r: r.days)
    by_status["due_soon"].sort(key=lambda r: r.days)
    crisis = review_crisis_lines(knowledge_dir or knowledge_dir_of(knowledge), today, resources)
    entries = len({entry.id.split("/")[0] for entry in knowledge.entries})
    return ReviewStatus(today, entries, crisis_lines=crisis, **by_status)

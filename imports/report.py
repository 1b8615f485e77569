"""What an import found or did: counts, problems and warnings, kept as JSON."""

from collections import Counter
from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

LINE_COUNTS = gettext_noop(
    "baris: %(total)s, baru: %(new)s, diperbarui: %(updated)s, "
    "tidak berubah: %(unchanged)s, ditolak: %(rejected)s"
)
LINE_MORE = gettext_noop("... dan %(count)s lainnya; yang terbanyak:")

# The preview lists this many problems of each sort; the counts cover them all.
MAX_LISTED = 500
# The preview keeps this many rows of the file to show (problems first); real
# lists are a few hundred rows, national ones are only counted past this.
MAX_ROWS_LISTED = 5000

# What a listed row does, in the order the preview shows them.
ROW_ACTIONS = ("rejected", "new", "updated", "unchanged")

ENCODING_NAMES = {
    "utf-8-sig": gettext_noop("UTF-8 (Excel)"),
    "utf-8": gettext_noop("UTF-8"),
    "cp1252": gettext_noop("Windows (Excel lama)"),
    "windows-1252": gettext_noop("Windows (Excel lama)"),
    "utf-16": gettext_noop("UTF-16 (Excel)"),
}
DELIMITER_NAMES = {
    ";": gettext_noop("titik koma"),
    ",": gettext_noop("koma"),
    "\t": gettext_noop("tab"),
}
FORMAT_NAMES = {"csv": gettext_noop("CSV"), "xlsx": gettext_noop("Excel (.xlsx)")}


@dataclass
class Problem:
    row: int | None
    column: str
    value: str
    message: str


@dataclass
class Report:
    rows_total: int = 0
    rows_new: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    errors_total: int = 0
    warnings_total: int = 0
    # Per sort of problem, how many rows it concerns (the list above is cut
    # short); row-specific messages are counted under a general one.
    error_counts: dict[str, int] = field(default_factory=dict)
    warning_counts: dict[str, int] = field(default_factory=dict)
    # What the import does, in sentences: "12 lembaga baru", "program baru ...".
    effects: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Changes to existing records, a sample for the batch page.
    changes: list[str] = field(default_factory=list)
    changes_total: int = 0
    file_format: str = ""
    encoding: str = ""
    delimiter: str = ""
    seconds: float = 0.0
    # Rows of the file to show, problems first (see `planning.RowListing`):
    # {"row", "action" (one of ROW_ACTIONS), "values", "errors"}; at most
    # MAX_ROWS_LISTED, and `rows_cut` when the file had more.
    rows: list[dict] = field(default_factory=list)
    rows_cut: bool = False
    # Programmes the file needs that do not exist yet and that the user may
    # create: {"key": "<year>|<name>", "year", "name", "needed"}.
    new_programs: list[dict] = field(default_factory=list)

    def __post_init__(self):
        self._error_counter: Counter = Counter()
        self._warning_counter: Counter = Counter()

    @property
    def ok(self) -> bool:
        return self.errors_total == 0

    @property
    def format_shown(self) -> str:
        name = FORMAT_NAMES.get(self.file_format)
        return _(name) if name else self.file_format.upper()

    @property
    def encoding_shown(self) -> str:
        """How the file's text was saved, in the words of Excel's "Save as"."""
        name = ENCODING_NAMES.get(self.encoding.lower())
        return _(name) if name else self.encoding.upper()

    @property
    def delimiter_shown(self) -> str:
        name = DELIMITER_NAMES.get(self.delimiter)
        return _(name) if name else f"“{self.delimiter}”"

    def rows_of(self, action: str = "") -> list[dict]:
        """The listed rows, all or those of one action."""
        if not action:
            return self.rows
        return [row for row in self.rows if row["action"] == action]

    def rows_counted(self, action: str = "") -> int:
        """How many rows of the file, all or of one action (listed or not)."""
        if not action:
            return self.rows_total
        return getattr(self, f"rows_{action}")

    def error(
        self, row: int | None, column: str, value, message: str, *, kind: str = ""
    ) -> None:
        self.errors_total += 1
        self._error_counter[kind or message] += 1
        if len(self.errors) < MAX_LISTED:
            self.errors.append(Problem(row, column, _shown(value), message))

    def warn(
        self, row: int | None, column: str, value, message: str, *, kind: str = ""
    ) -> None:
        self.warnings_total += 1
        self._warning_counter[kind or message] += 1
        if len(self.warnings) < MAX_LISTED:
            self.warnings.append(Problem(row, column, _shown(value), message))

    def change(self, text: str) -> None:
        self.changes_total += 1
        if len(self.changes) < MAX_LISTED:
            self.changes.append(text)

    def finish(self) -> None:
        self.error_counts = dict(self._error_counter.most_common(20))
        self.warning_counts = dict(self._warning_counter.most_common(20))

    def as_json(self) -> dict:
        # Field by field rather than `asdict`, whose deep copy of thousands of
        # listed rows took longer than the rest of saving the batch.
        data = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name not in ("errors", "warnings")
        }
        data["errors"] = [asdict(problem) for problem in self.errors]
        data["warnings"] = [asdict(problem) for problem in self.warnings]
        data["ok"] = self.ok
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Report":
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in known}
        values["errors"] = [Problem(**p) for p in data.get("errors", [])]
        values["warnings"] = [Problem(**p) for p in data.get("warnings", [])]
        return cls(**values)

    def summary_lines(self, limit: int = 50) -> list[str]:
        """The report as plain lines, for the command line."""
        lines = [
            _(LINE_COUNTS)
            % {
                "total": self.rows_total,
                "new": self.rows_new,
                "updated": self.rows_updated,
                "unchanged": self.rows_unchanged,
                "rejected": self.rows_rejected,
            },
            *self.notes,
            *self.effects,
        ]
        for title, problems, total, counts in (
            (_("KESALAHAN"), self.errors, self.errors_total, self.error_counts),
            (_("PERINGATAN"), self.warnings, self.warnings_total, self.warning_counts),
        ):
            if not total:
                continue
            lines.append(f"{title} ({total}):")
            for p in problems[:limit]:
                where = _("baris %(row)s") % {"row": p.row} if p.row else _("berkas")
                column = (
                    _(", kolom %(column)s") % {"column": p.column} if p.column else ""
                )
                value = f" [{p.value}]" if p.value else ""
                lines.append(f"  {where}{column}{value}: {p.message}")
            shown = min(len(problems), limit)
            if total > shown:
                lines.append("  " + _(LINE_MORE) % {"count": total - shown})
                for message, count in list(counts.items())[:5]:
                    lines.append(f"  {count} x {message}")
        return lines


def _shown(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "..."

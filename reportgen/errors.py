"""The one error hierarchy of reportgen.

Every error a user can act on is a :class:`ReportgenError`. The CLI turns it into
one line on stderr and the exit code carried by its class; anything else is a bug
(exit 1).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_BAD_INPUT = 2
EXIT_PARTIAL = 3


class ReportgenError(Exception):
    """Base class: a problem the user can fix (config, input data, environment)."""

    exit_code: int = EXIT_BAD_INPUT


class ConfigError(ReportgenError):
    """The report config is invalid: names the key path, the bad value and what was expected."""


class InputFileError(ReportgenError):
    """An input file cannot be read as declared (missing, wrong format, corrupt, hostile)."""


class MappingError(ReportgenError):
    """Source columns do not map onto the canonical tables (missing or ambiguous column)."""


class ReconciliationError(ReportgenError):
    """read != loaded + quarantined + filtered for some file: a row was lost or invented."""

    exit_code = EXIT_UNEXPECTED


class PeriodError(ReportgenError):
    """A period specification cannot be parsed or resolved against the data."""


class EngineError(ReportgenError):
    """The analytical engine could not compute what was asked (e.g. unknown KPI)."""


class OutputError(ReportgenError):
    """The output folder cannot be written (a file of that name, no permission, a
    read-only disk): names the folder and the reason."""


class DeliveryError(ReportgenError):
    """Output could not be delivered (e-mail): a missing workbook or credential variable,
    an oversize attachment, an unreachable or untrusted SMTP server, refused recipients."""


class BatchError(ReportgenError):
    """Some units of a batch build failed; the others were written (exit code 3)."""

    exit_code = EXIT_PARTIAL

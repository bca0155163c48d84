"""The fixed wording of an output, per language, from ``templates/text/<lang>/<name>.yaml``.

Adding a language means adding one folder of these files; a missing key is a bug and
raises ``KeyError`` naming the file and the key.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen.errors import ConfigError
from reportgen.resources import read_yaml, templates_dir


def available_languages(name: str) -> tuple[str, ...]:
    root = templates_dir() / "text"
    return tuple(sorted(p.parent.name for p in root.glob(f"*/{name}.yaml")))


@dataclass(frozen=True)
class Texts:
    """Labels of one output in one language; ``t("headers.value")`` looks one up."""

    lang: str
    source: Path
    data: Mapping[str, Any]

    def raw(self, key: str) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise KeyError(f"{self.source}: no text {key!r}")
            node = node[part]
        return node

    def __call__(self, key: str, **values: object) -> str:
        text = self.raw(key)
        if not isinstance(text, str):
            raise KeyError(f"{self.source}: text {key!r} is not a string")
        return text.format(**values) if values else text

    def lines(self, key: str, **values: object) -> list[str]:
        """A text that may be one line or a list of lines, each formatted."""
        node = self.raw(key)
        items = [node] if isinstance(node, str) else list(node)
        return [str(x).format(**values) if values else str(x) for x in items]


def load_texts(name: str, lang: str) -> Texts:
    """The texts ``name`` (e.g. "workbook") in ``lang``; ConfigError for an unknown language."""
    path = templates_dir() / "text" / lang / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(
            f"no {name} texts for language {lang!r}; expected one of {available_languages(name)}"
        )
    return Texts(lang=lang, source=path, data=read_yaml(path))


@functools.cache
def data_texts(lang: str) -> Texts:
    """The names of the canonical tables and the quarantine reasons in ``lang``
    (``templates/text/<lang>/data.yaml``), shared by every output."""
    return load_texts("data", lang)


def table_name(table: str, lang: str) -> str:
    """Survey responses / 问卷答卷 for ``responses``; an unknown table as it is."""
    return str(data_texts(lang).raw("tables").get(table, table))


def dimension_name(dimension: str, lang: str) -> str:
    """Segment / 客户分群 for ``segment``; an unknown dimension as it is."""
    return str(data_texts(lang).raw("dimensions").get(dimension, dimension))


def filter_name(reason: str, lang: str) -> str:
    """What a filtered row was filtered for (``duplicate``, ``unit``, ``period``)."""
    return str(data_texts(lang).raw("filters").get(reason, reason))


def scope_name(scope: str, lang: str, names: Mapping[str, object] | None = None) -> str:
    """A benchmark scope as the data spell it ("global", "零售业") in ``lang`` ("全球",
    "retail industry"), matched case-insensitively (``names``: another mapping); a
    scope without a label as it is."""
    if names is None:
        names = data_texts(lang).raw("scopes")
    folded = {str(k).casefold(): str(v) for k, v in (names or {}).items()}
    return folded.get(scope.casefold(), scope)


def reason_text(code: str, lang: str) -> str:
    """The explanation of a quarantine reason code; an unknown code as it is."""
    return str(data_texts(lang).raw("reasons").get(code, code))


class Reason(str):
    """Why an analysis could not run. It *is* its English text (logs, results files,
    ``in`` tests), and it carries the code and values from which every output words it
    in its own language (``analyses`` in ``templates/text/<lang>/data.yaml``; see
    :func:`analysis_reason`). A value may itself be a Reason, or a sequence of them
    (joined with the language's ``analyses_separator``)."""

    code: str
    params: dict[str, object]

    def __new__(cls, code: str, **params: object) -> Reason:
        self = super().__new__(cls, _worded(code, params, "en"))
        self.code = code
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # pickled across the build's processes
        return (_reason, (self.code, self.params))

    def text(self, lang: str) -> str:
        return _worded(self.code, self.params, lang)


def _reason(code: str, params: dict[str, object]) -> Reason:
    return Reason(code, **params)


def _worded(code: str, params: Mapping[str, object], lang: str) -> str:
    template = data_texts(lang).raw("analyses")
    if code not in template:
        raise KeyError(f"{data_texts(lang).source}: no analysis reason {code!r}")

    def word(v: object) -> object:
        if isinstance(v, Reason):
            return v.text(lang)
        if isinstance(v, (list, tuple)) and v and all(isinstance(x, Reason) for x in v):
            return str(data_texts(lang).raw("analyses_separator")).join(x.text(lang) for x in v)
        return v

    return str(template[code]).format(**{k: word(v) for k, v in params.items()})


def analysis_reason(reason: object, lang: str) -> str:
    """A :class:`Reason` in ``lang``; any other text as it is."""
    return reason.text(lang) if isinstance(reason, Reason) else str(reason)

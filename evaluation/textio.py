"""Reading untrusted text files: encodings, binary garbage and bounded YAML.

Every text input of a data folder (CSV, ``ladder*.yaml``, instrument YAML, the
lessons ``.txt`` files, a theme codebook) goes through :func:`decode_text`,
and every YAML document through :func:`load_yaml` / :func:`compose_yaml`.

Encoding rule (one line each in ``docs/data-model.md``):

* UTF-8, with or without a byte-order mark: read as it is, no warning.
* UTF-16 or UTF-32 with a byte-order mark, or UTF-16 recognised by its zero
  bytes (what Excel's "Unicode text" writes): decoded, with a warning that
  names the encoding.
* Thai Windows / TIS-620 (``cp874``), when the bytes are not UTF-8 but decode
  as cp874 into Thai text: decoded, with a warning that names the encoding.
* Anything else, or text full of control characters (a binary file renamed
  ``.txt``/``.csv``): a problem "not text; save it as UTF-8", never a
  ``UnicodeDecodeError``.

YAML bounds: a document larger than :data:`MAX_YAML_BYTES`, nested deeper than
:data:`MAX_YAML_DEPTH`, with recursive aliases, or whose aliases would expand
to more than :data:`MAX_YAML_NODES` values ("billion laughs") is rejected with
:class:`YamlBoundsError` before anything is built from it. Only the safe
YAML tags are accepted (the loaders derive from ``yaml.SafeLoader``).
"""

from __future__ import annotations

import codecs
import re

import yaml

from .errors import ArgumentError, EvaluationError

#: Largest YAML document read (bytes of text).
MAX_YAML_BYTES = 2_000_000
#: Most values (scalars, lists, mappings) a YAML document may expand to once
#: its aliases are followed.
MAX_YAML_NODES = 200_000
#: Deepest nesting of lists/mappings in a YAML document.
MAX_YAML_DEPTH = 60

_RE_THAI = re.compile("[\u0e01-\u0e5b]")
# Control characters that never occur in text files (tab, newlines, form feed excepted).
_RE_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


class TextDecodeError(EvaluationError, ValueError):
    """A file is not readable text; ``problem`` and ``problem_code`` say why."""

    def __init__(self, problem: str, problem_code: str):
        super().__init__(problem)
        self.problem = problem
        self.problem_code = problem_code


class YamlBoundsError(EvaluationError, ValueError):
    """A YAML document exceeds the size, depth or alias-expansion bounds."""

    def __init__(self, problem: str, line: int | None = None):
        super().__init__(problem)
        self.problem = problem
        self.line = line


def _looks_binary(text: str) -> bool:
    sample = text[:20_000]
    if not sample:
        return False
    return "\x00" in sample or len(_RE_CONTROL.findall(sample)) > max(2, len(sample) // 200)


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when every other byte of an ASCII-heavy text is zero."""
    sample = data[:4000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> tuple[str, str | None]:
    """Decode the bytes of a text file by the encoding rule of this module.

    Parameters
    ----------
    data : bytes
        The file's content.

    Returns
    -------
    text : str
        The text, without a byte-order mark.
    warning : str or None
        A warning naming the encoding when it was not UTF-8.

    Raises
    ------
    TextDecodeError
        The bytes are not text in a supported encoding.

    Examples
    --------
    >>> decode_text("รายได้".encode("utf-8-sig"))
    ('รายได้', None)
    >>> text, warning = decode_text("รายได้".encode("cp874"))
    >>> text, warning.split(";")[0]
    ('รายได้', 'the file is in the Thai Windows encoding (cp874/TIS-620), not UTF-8')
    """
    for bom, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                      (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            encoding = name
            break
    else:
        encoding = None
    candidates = [encoding] if encoding else [_utf16_without_bom(data), "utf-8", "cp874"]
    for enc in candidates:
        if enc is None:
            continue
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, UnicodeError):
            continue
        if text.startswith("\ufeff"):
            text = text[1:]
        if _looks_binary(text):
            continue
        if enc == "cp874" and not _RE_THAI.search(text):
            continue  # not UTF-8, and not Thai either: guessing would invent characters
        if enc in ("utf-8", "utf-8-sig"):
            return text, None
        label = ("the Thai Windows encoding (cp874/TIS-620)" if enc == "cp874"
                 else enc.upper().replace("-LE", "").replace("-BE", ""))
        return text, (f"the file is in {label}, not UTF-8; it was read as {label}. "
                      "Save it as 'CSV UTF-8' (or UTF-8 text) to silence this warning")
    if _looks_binary(data[:20_000].decode("latin-1")):
        raise TextDecodeError("the file holds binary data, not text (is it a renamed "
                              "document or picture?)", "not_text")
    raise TextDecodeError("the file is not UTF-8 text and not Thai Windows text "
                          "(cp874/TIS-620); save it as 'CSV UTF-8' / UTF-8 text",
                          "not_utf8")


# --------------------------------------------------------------------------- YAML bounds

def check_yaml_node(node) -> None:
    """Reject a composed YAML node graph that is recursive, too deep or too large.

    The graph is walked once per distinct node (aliases point at the same node
    object), so the check costs time in proportion to the text, not to its
    expansion.

    Raises
    ------
    YamlBoundsError
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def size(n, depth: int) -> int:
        key = id(n)
        if key in sizes:
            return sizes[key]
        if depth > MAX_YAML_DEPTH:
            raise YamlBoundsError(f"the YAML is nested more than {MAX_YAML_DEPTH} levels deep",
                                  n.start_mark.line + 1)
        if key in on_path:
            raise YamlBoundsError("the YAML refers to itself (a recursive alias '*')",
                                  n.start_mark.line + 1)
        total = 1
        if isinstance(n, (yaml.SequenceNode, yaml.MappingNode)):
            on_path.add(key)
            children = (n.value if isinstance(n, yaml.SequenceNode)
                        else [c for pair in n.value for c in pair])
            for child in children:
                total += size(child, depth + 1)
                if total > MAX_YAML_NODES:
                    raise YamlBoundsError(
                        f"the YAML expands to more than {MAX_YAML_NODES:,d} values (aliases "
                        "'*' repeat content: a 'billion laughs' file?); it was not read")
            on_path.discard(key)
        sizes[key] = total
        return total

    size(node, 0)


def _check_size(text: str) -> None:
    if len(text) > MAX_YAML_BYTES:
        raise YamlBoundsError(f"the YAML file is larger than {MAX_YAML_BYTES:,d} characters; "
                              "it was not read")


def compose_yaml(text: str, loader=yaml.SafeLoader):
    """``yaml.compose`` within the bounds (see :func:`check_yaml_node`).

    Raises
    ------
    YamlBoundsError, yaml.YAMLError
    """
    _check_size(text)
    node = yaml.compose(text, Loader=loader)
    if node is not None:
        check_yaml_node(node)
    return node


def load_yaml(text: str, loader=yaml.SafeLoader):
    """``yaml.load`` with a safe loader class, within the bounds.

    Examples
    --------
    >>> load_yaml("a: [1, 2]")
    {'a': [1, 2]}
    >>> bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\\n" + "".join(
    ...     f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\\n" for p, c in zip("abcdefgh", "bcdefghi"))
    >>> try:
    ...     load_yaml(bomb)
    ... except YamlBoundsError as err:
    ...     print(str(err)[:40])
    the YAML expands to more than 200,000 va
    """
    if not (isinstance(loader, type) and issubclass(loader, (yaml.SafeLoader,
                                                             getattr(yaml, "CSafeLoader",
                                                                     yaml.SafeLoader)))):
        raise ArgumentError(f"loader must be a SafeLoader class, got {loader!r}")
    _check_size(text)
    instance = loader(text)
    try:
        node = instance.get_single_node()
        if node is None:
            return None
        check_yaml_node(node)
        return instance.construct_document(node)
    finally:
        instance.dispose()

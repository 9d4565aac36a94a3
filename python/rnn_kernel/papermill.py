"""papermill's parameters for the rnn kernel: `-p NAME VALUE` becomes `let NAME = VALUE`.

papermill (2.x) has no entry point for translators, but it loads every `papermill.io` entry point
when it is imported; `RegistrationHandler` is that entry point, and loading this module registers
`RNNTranslator` for the kernel name and the language `rnn`.
"""
import math
import re

from papermill.exceptions import PapermillException
from papermill.models import Parameter
from papermill.translators import Translator, papermill_translators

from .lexer import LITERALS, STATEMENTS

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
RESERVED = set(STATEMENTS) | set(LITERALS)
LET = re.compile(r"^\s*let\s+([A-Za-z_]\w*)\s*=\s*(.*?)\s*(#.*)?$")


class ParameterError(PapermillException, ValueError):
    """A parameter the RNN language cannot take."""


class RNNTranslator(Translator):
    """Writes parameters as `let` statements: numbers, strings, booleans and (nested) lists of them."""

    @classmethod
    def _refuse(cls, val, what):
        raise ParameterError(
            f"rnn parameters take numbers, strings, booleans and lists of them; found {what} ({val!r})")

    @classmethod
    def translate_none(cls, val):
        cls._refuse(val, "None (the RNN language has no null)")

    @classmethod
    def translate_dict(cls, val):
        cls._refuse(val, "a dict (the RNN language has no dictionaries)")

    @classmethod
    def translate_int(cls, val):
        return str(val)

    @classmethod
    def translate_float(cls, val):
        if not math.isfinite(val):
            cls._refuse(val, "a number that is not finite")
        return repr(val)  # shortest round trip: 0.1, 1e-05, 2.5

    @classmethod
    def translate_bool(cls, val):
        return "true" if val else "false"

    @classmethod
    def translate_str(cls, val):
        # The language's escapes are \" \\ \n \t; every other character stands for itself.
        body = val.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        return f'"{body}"'

    @classmethod
    def translate_list(cls, val):
        return "[" + ", ".join(cls.translate(v) for v in val) + "]"

    @classmethod
    def translate(cls, val):
        if isinstance(val, tuple):
            val = list(val)
        if not isinstance(val, (type(None), str, bool, int, float, list, dict)):
            cls._refuse(val, f"a {type(val).__name__}")
        return super().translate(val)

    @classmethod
    def comment(cls, cmt_str):
        return f"# {cmt_str}".strip()

    @classmethod
    def assign(cls, name, str_val):
        if not isinstance(name, str) or not NAME.match(name):
            raise ParameterError(f"rnn parameter names are [A-Za-z_][A-Za-z0-9_]*; found {name!r}")
        if name in RESERVED:
            raise ParameterError(f"rnn parameter '{name}' is a keyword of the language and cannot be a name")
        return f"let {name} = {str_val}"

    @classmethod
    def inspect(cls, parameters_cell):
        """The `let NAME = VALUE` lines of the cell tagged `parameters` (for `papermill --help-notebook`)."""
        found = []
        for line in parameters_cell.source.splitlines():
            m = LET.match(line)
            if not m:
                continue
            value = m.group(2)
            if value.startswith('"'):
                kind = "str"
            elif value.startswith("["):
                kind = "list"
            elif value in LITERALS:
                kind = "bool"
            elif re.fullmatch(r"-?\d+", value):
                kind = "int"
            elif re.fullmatch(r"-?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", value):
                kind = "float"
            else:
                kind = "None"
            found.append(Parameter(name=m.group(1), inferred_type_name=kind, default=value,
                                   help=(m.group(3) or "").lstrip("# ")))
        return found


class RegistrationHandler:
    """The `papermill.io` entry point that registers the translator; it reads and writes no paths."""

    @classmethod
    def _no(cls, *args, **kwargs):
        raise PapermillException("rnn-kernel-translator:// is how rnn_kernel registers its papermill translator; "
                                 "it is not a place notebooks are read from or written to")

    read = write = listdir = pretty_path = _no


papermill_translators.register("rnn", RNNTranslator)

"""Units for model equations, and the checker that translates expressions.

A :class:`Unit` is a dimension over the SI base units (m, kg, s, A) and an
exact scale factor to SI. Values in generated code stay in the user's units
(mV, ms, pA...); a Unit records what one such number means in SI, so that
``R*I`` with R in MOhm and I in pA is known to be 1e-3 mV and converted by
exactly that factor. Scales are :class:`fractions.Fraction` (powers of ten
stay exact: 1e-6 / 1e-3 is 1/1000, not 0.0009999999999999998).

:class:`Translator` walks a Python ``ast`` expression, checks the dimensions of
every operation and returns a rewritten ``ast`` for one of three targets:
``"numba"`` (the block step), ``"numpy"`` (the initial state) and ``"brian2"``
(a reference translation in dimensionless numbers). Names are replaced by what
the target reads (``P_tau[j]``, ``x_v``...) and conversion factors are
multiplied in where two scales meet, so ``R*I`` becomes ``R * I * 0.001``
(mV). The tree otherwise keeps the user's evaluation order, so an equation
written like a hand-written step compiles to the same floating-point
operations.
"""

from __future__ import annotations

import ast
import copy
import difflib
from dataclasses import dataclass
from fractions import Fraction

from ..errors import InvalidParameterError, UnknownNameError

__all__ = ["Unit", "DIMENSIONLESS", "parse_unit", "show", "UNITS", "EXPRESSION_UNITS",
           "FUNCTIONS", "Sym", "Translator", "convert", "times_left", "unparse"]

_Dims = tuple[int, int, int, int]  # exponents of m, kg, s, A


@dataclass(frozen=True)
class Unit:
    """A number in this unit is ``value * scale`` SI units of dimension ``dims``."""

    dims: _Dims
    scale: Fraction | float = Fraction(1)

    def __mul__(self, other: Unit) -> Unit:
        return Unit(tuple(a + b for a, b in zip(self.dims, other.dims, strict=True)),
                    self.scale * other.scale)

    def __truediv__(self, other: Unit) -> Unit:
        return Unit(tuple(a - b for a, b in zip(self.dims, other.dims, strict=True)),
                    self.scale / other.scale)

    def power(self, n: float) -> Unit | None:
        """``self ** n``, or None when the dimensions would not be integers."""
        dims = [d * n for d in self.dims]
        if any(d != int(d) for d in dims):
            return None
        if isinstance(self.scale, Fraction) and float(n).is_integer():
            scale = self.scale ** int(n)
        else:
            scale = float(self.scale) ** n
        return Unit(tuple(int(d) for d in dims), scale)

    @property
    def dimensionless(self) -> bool:
        return not any(self.dims)

    def same_dimension(self, other: Unit) -> bool:
        return self.dims == other.dims

    def factor_to(self, other: Unit) -> Fraction | float:
        """Multiply a number in ``self`` by this to express it in ``other`` (same dims)."""
        return self.scale / other.scale


DIMENSIONLESS = Unit((0, 0, 0, 0))

_BASE = {  # SI units by dimension
    "V": (2, 1, -3, -1), "A": (0, 0, 0, 1), "s": (0, 0, 1, 0), "Ohm": (2, 1, -3, -2),
    "S": (-2, -1, 3, 2), "F": (-2, -1, 4, 2), "Hz": (0, 0, -1, 0), "m": (1, 0, 0, 0),
}
_LONG = {"V": "volt", "A": "amp", "s": "second", "Ohm": "ohm", "S": "siemens", "F": "farad",
         "Hz": "hertz", "m": "metre"}
_PREFIX = {"p": Fraction(1, 10**12), "n": Fraction(1, 10**9), "u": Fraction(1, 10**6),
           "m": Fraction(1, 1000), "": Fraction(1), "k": Fraction(1000), "M": Fraction(10**6),
           "G": Fraction(10**9)}


def _table() -> dict[str, Unit]:
    units = {"1": DIMENSIONLESS}
    for sym, dims in _BASE.items():
        for pre, f in _PREFIX.items():
            units[pre + sym] = Unit(dims, f)
            units[pre + _LONG[sym]] = Unit(dims, f)
            if sym == "Ohm":
                units[pre + "ohm"] = Unit(dims, f)
    units["cm"] = Unit(_BASE["m"], Fraction(1, 100))
    for area in ("um", "mm", "cm"):  # areas as NEURON writes them: uF/cm2, mS/cm2
        units[area + "2"] = units[area].power(2)
    units["metre"] = units["meter"] = Unit(_BASE["m"])
    return units


#: Every unit name accepted after ``:`` and in parameter specs.
UNITS: dict[str, Unit] = _table()
#: Unit names usable inside expressions (``140*mV/ms``): multi-letter names only, so a
#: single-letter variable that was forgotten (``A``, ``S``) is reported as unknown.
EXPRESSION_UNITS: dict[str, Unit] = {k: u for k, u in UNITS.items() if len(k) > 1}

# names to show a unit with in messages, preferred in this order
_SHOW = ("mV", "pA", "ms", "nS", "pF", "MOhm", "mV/ms", "pA/ms", "1/ms", "nS/mV", "mV**2", "1")


def parse_unit(text: str, *, where: str) -> Unit:
    """``"mV/ms"``, ``"nS/mV"``, ``"1/ms"``, ``"mV**2"``, ``"1"`` (or "") → :class:`Unit`."""
    s = str(text).strip()
    if s in ("", "1"):
        return DIMENSIONLESS
    try:
        tree = ast.parse(s.replace("^", "**"), mode="eval").body
    except SyntaxError:
        raise InvalidParameterError(f"Cannot read the unit {text!r} {where}.") from None
    return _unit_of(tree, text, where)


def _unit_of(node: ast.AST, text: str, where: str) -> Unit:
    if isinstance(node, ast.Name):
        if node.id not in UNITS:
            close = difflib.get_close_matches(node.id, list(UNITS), n=3)
            hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise InvalidParameterError(
                f"Unknown unit {node.id!r} in {text!r} {where}.{hint} Known units: mV, ms, "
                "pA, nA, nS, uS, pF, nF, MOhm, GOhm, Hz, 1 (with prefixes p n u m k M G of "
                "V A s Ohm S F Hz) and their products, quotients and powers."
            )
        return UNITS[node.id]
    if isinstance(node, ast.Constant) and node.value == 1 and not isinstance(node.value, bool):
        return DIMENSIONLESS
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Div):
        a, b = _unit_of(node.left, text, where), _unit_of(node.right, text, where)
        return a * b if isinstance(node.op, ast.Mult) else a / b
    if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow)
            and isinstance(node.right, ast.Constant | ast.UnaryOp)):
        try:
            n = ast.literal_eval(node.right)
        except ValueError:
            n = None
        if isinstance(n, int | float) and not isinstance(n, bool):
            u = _unit_of(node.left, text, where).power(n)
            if u is not None:
                return u
    raise InvalidParameterError(
        f"Cannot read the unit {text!r} {where}: write products, quotients and integer "
        "powers of unit names, e.g. 'mV/ms', 'nS/mV', '1/ms', 'mV**2'."
    )


def show(unit: Unit) -> str:
    """A readable name for ``unit`` in the usual units: ``"mV"``, ``"0.001 mV"``..."""
    for name in _SHOW:
        ref = parse_unit(name, where="")
        if ref.same_dimension(unit):
            f = float(unit.factor_to(ref))
            return name if f == 1.0 else f"{f:g} {name}"
    parts = [f"{b}^{d}" if d != 1 else b for b, d in zip(("m", "kg", "s", "A"), unit.dims,
                                                          strict=True) if d]
    f = float(unit.scale)
    return (" ".join(parts) if f == 1.0 else f"{f:g} " + " ".join(parts)) + " (SI)"


# ---------------------------------------------------------------------------
# expressions

FUNCTIONS = {
    **{f: "dimensionless" for f in ("exp", "expm1", "log", "log1p", "log10", "sin", "cos",
                                    "tan", "sinh", "cosh", "tanh", "floor", "ceil")},
    "sqrt": "sqrt", "abs": "same", "sign": "sign", "min": "minmax", "max": "minmax",
    "clip": "clip",
}

_SUM_OPS = (ast.Add, ast.Sub)
_CMP_OPS = (ast.Gt, ast.GtE, ast.Lt, ast.LtE)


@dataclass(frozen=True)
class Sym:
    """A name an expression may use: its unit, the code that reads it, the unit as
    written (for messages)."""

    unit: Unit
    code: ast.expr | None
    shown: str


def _name(s: str) -> ast.Name:
    return ast.Name(id=s, ctx=ast.Load())


def _np(fn: str) -> ast.Attribute:
    return ast.Attribute(value=_name("np"), attr=fn, ctx=ast.Load())


def _call(func: ast.expr, args: list[ast.expr]) -> ast.Call:
    return ast.Call(func=func, args=args, keywords=[])


def _num(x) -> ast.Constant:
    return ast.Constant(value=float(x))


def convert(code: ast.expr | None, frm: Unit, to: Unit) -> ast.expr:
    """``code`` (a number in ``frm``) expressed in ``to`` (same dimension)."""
    f = frm.factor_to(to)
    if code is None:  # a bare unit: its value is 1 in its own scale
        return _num(f)
    return code if f == 1 else ast.BinOp(left=code, op=ast.Mult(), right=_num(f))


def times_left(factor: ast.expr, expr: ast.expr) -> ast.expr:
    """``factor * expr`` associated to the left through products and quotients:
    ``dt * (a / C)`` becomes ``dt * a / C``, as one would write the Euler step by hand."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult | ast.Div):
        return ast.BinOp(left=times_left(factor, expr.left), op=expr.op, right=expr.right)
    return ast.BinOp(left=factor, op=ast.Mult(), right=expr)


class Translator:
    """Check and rewrite expressions over ``names`` for one ``target``.

    ``where`` names the line in error messages ("in the equation 'dv/dt = ...'").
    """

    def __init__(self, names: dict[str, Sym], *, target: str, where: str):
        self.names = names
        self.target = target
        self.where = where

    # public -----------------------------------------------------------------
    def value(self, node: ast.expr, unit: Unit, what: str) -> ast.expr:
        """Code for ``node`` expressed in ``unit``; ``what`` names the expected quantity."""
        code, u = self._expr(node)
        if u is None:
            raise InvalidParameterError(
                f"{what} must be a quantity in {show(unit)}, not a condition, {self.where}.")
        if not u.same_dimension(unit):
            raise InvalidParameterError(
                f"Inconsistent units {self.where}: {what} must be in {show(unit)}, but "
                f"{_src(node)!r} is in {self._shown(node, u)}.")
        return convert(code, u, unit)

    def condition(self, node: ast.expr, what: str) -> ast.expr:
        """Code for a condition (comparisons joined by and/or/not)."""
        code, u = self._expr(node, allow_bool=True)
        if u is not None:
            raise InvalidParameterError(
                f"{what} must be a condition such as 'v > V_th'. Got {_src(node)!r} "
                f"{self.where}.")
        return code

    # the walk -----------------------------------------------------------------
    def _unsupported(self, node):
        raise InvalidParameterError(
            f"Unsupported syntax {_src(node)!r} {self.where}: expressions may use numbers, "
            "names, + - * / **, parentheses and the functions "
            f"{sorted(FUNCTIONS)}; conditions may use > >= < <= and, or, not.")

    def _expr(self, node, allow_bool=False) -> tuple[ast.expr | None, Unit | None]:
        meth = getattr(self, "_" + type(node).__name__, None)
        if meth is None:
            self._unsupported(node)
        if isinstance(node, ast.Compare | ast.BoolOp) or (
                isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
            if not allow_bool:
                raise InvalidParameterError(
                    f"A condition ({_src(node)!r}) can only be a threshold, not part of an "
                    f"expression, {self.where}.")
        return meth(node)

    def _quantity(self, node) -> tuple[ast.expr | None, Unit]:
        code, u = self._expr(node)
        if u is None:
            raise InvalidParameterError(
                f"A condition ({_src(node)!r}) cannot be used as a number {self.where}.")
        return code, u

    def _Constant(self, node):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise InvalidParameterError(
                f"Only numbers are allowed as constants; got {node.value!r} {self.where}.")
        return ast.Constant(value=node.value), DIMENSIONLESS

    def _Name(self, node):
        sym = self.names.get(node.id)
        if sym is not None:
            return (None if sym.code is None else _copy(sym.code)), sym.unit
        if node.id in EXPRESSION_UNITS:
            return None, EXPRESSION_UNITS[node.id]
        known = sorted(k for k, s in self.names.items() if s.code is not None)
        close = (difflib.get_close_matches(node.id, known, n=3)
                 or difflib.get_close_matches(node.id, sorted(FUNCTIONS), n=3))
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise UnknownNameError(
            f"Unknown symbol {node.id!r} {self.where}.{hint} Known symbols: {known}; declare "
            "parameters in 'parameters' and state variables with a 'dX/dt = ...' line.")

    def _UnaryOp(self, node):
        if isinstance(node.op, ast.Not):
            inner = self.condition(node.operand, "The operand of 'not'")
            if self.target == "numba":  # scalar bool: 'not' is branch-free here
                return ast.UnaryOp(op=ast.Not(), operand=inner), None
            op = ast.Invert() if self.target == "numpy" else ast.Not()
            return ast.UnaryOp(op=op, operand=inner), None
        code, u = self._quantity(node.operand)
        if isinstance(node.op, ast.UAdd):
            return code, u
        if isinstance(node.op, ast.USub):
            return ast.UnaryOp(op=ast.USub(), operand=code if code is not None else _num(1)), u
        return self._unsupported(node)

    def _BinOp(self, node):
        op = node.op
        if isinstance(op, _SUM_OPS):
            (a, ua), (b, ub) = self._quantity(node.left), self._quantity(node.right)
            if not ua.same_dimension(ub):
                verb = "add" if isinstance(op, ast.Add) else "subtract"
                raise InvalidParameterError(
                    f"Inconsistent units {self.where}: cannot {verb} {_src(node.left)!r} "
                    f"({self._shown(node.left, ua)}) and {_src(node.right)!r} "
                    f"({self._shown(node.right, ub)}); the terms of a sum must have the same "
                    "dimension.")
            left = a if a is not None else _num(1)
            return ast.BinOp(left=left, op=op, right=convert(b, ub, ua)), ua
        if isinstance(op, ast.Mult | ast.Div):
            (a, ua), (b, ub) = self._quantity(node.left), self._quantity(node.right)
            u = ua * ub if isinstance(op, ast.Mult) else ua / ub
            if b is None:
                return a, u
            if a is None:
                return (b if isinstance(op, ast.Mult) else
                        ast.BinOp(left=_num(1), op=op, right=b)), u
            return ast.BinOp(left=a, op=op, right=b), u
        if isinstance(op, ast.Pow):
            return self._pow(node)
        return self._unsupported(node)

    def _pow(self, node):
        a, ua = self._quantity(node.left)
        try:
            n = ast.literal_eval(node.right)
        except ValueError:
            n = None
        if isinstance(n, int | float) and not isinstance(n, bool):
            u = ua.power(n)
            if u is None:
                raise InvalidParameterError(
                    f"Inconsistent units {self.where}: {_src(node.left)!r} "
                    f"({self._shown(node.left, ua)}) ** {n!r} has no unit.")
            if a is None:
                return None, u
            return ast.BinOp(left=a, op=ast.Pow(), right=ast.Constant(value=n)), u
        if not ua.dimensionless:
            raise InvalidParameterError(
                f"Inconsistent units {self.where}: a power of {_src(node.left)!r} "
                f"({self._shown(node.left, ua)}) needs a constant exponent; got "
                f"{_src(node.right)!r}.")
        expo = self.value(node.right, DIMENSIONLESS, f"The exponent {_src(node.right)!r}")
        return ast.BinOp(left=convert(a, ua, DIMENSIONLESS), op=ast.Pow(), right=expo), \
            DIMENSIONLESS

    def _Call(self, node):
        fn = node.func.id if isinstance(node.func, ast.Name) else None
        if fn not in FUNCTIONS or node.keywords:
            close = difflib.get_close_matches(str(fn), sorted(FUNCTIONS), n=3)
            hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise UnknownNameError(
                f"Unknown function {_src(node.func)!r} {self.where}.{hint} Available: "
                f"{sorted(FUNCTIONS)} (positional arguments only).")
        rule = FUNCTIONS[fn]
        nargs = {"minmax": None, "clip": 3}.get(rule, 1)
        if (nargs is not None and len(node.args) != nargs) or (nargs is None
                                                               and len(node.args) < 2):
            want = "two or more" if nargs is None else str(nargs)
            raise InvalidParameterError(
                f"{fn}() takes {want} argument(s); got {len(node.args)} in {_src(node)!r} "
                f"{self.where}.")
        if rule == "dimensionless":
            arg = self.value(node.args[0], DIMENSIONLESS, f"The argument of {fn}()")
            return self._fn(fn, [arg]), DIMENSIONLESS
        if rule in ("same", "sign", "sqrt"):
            a, ua = self._quantity(node.args[0])
            arg = a if a is not None else _num(1)
            if rule == "sqrt":
                u = ua.power(0.5)
                if u is None:
                    raise InvalidParameterError(
                        f"Inconsistent units {self.where}: sqrt of {_src(node.args[0])!r} "
                        f"({self._shown(node.args[0], ua)}) has no unit.")
                return self._fn(fn, [arg]), u
            return self._fn(fn, [arg]), (ua if rule == "same" else DIMENSIONLESS)
        first, u0 = self._quantity(node.args[0])
        args = [first if first is not None else _num(1)]
        for arg in node.args[1:]:
            c, u = self._quantity(arg)
            if not u.same_dimension(u0):
                raise InvalidParameterError(
                    f"Inconsistent units {self.where}: the arguments of {fn}() must share a "
                    f"dimension; {_src(node.args[0])!r} is in {self._shown(node.args[0], u0)}, "
                    f"{_src(arg)!r} in {self._shown(arg, u)}.")
            args.append(convert(c, u, u0))
        return self._fn(fn, args), u0

    def _fn(self, fn: str, args: list[ast.expr]) -> ast.expr:
        t = self.target
        if fn in ("min", "max"):
            if t == "brian2":  # Brian2 has clip but no min/max
                inf = _name("inf")
                out = args[0]
                for a in args[1:]:
                    lo_hi = [ast.UnaryOp(op=ast.USub(), operand=inf), a] if fn == "min" else \
                        [a, inf]
                    out = _call(_name("clip"), [out, *lo_hi])
                return out
            func = _name(fn) if t == "numba" else _np("minimum" if fn == "min" else "maximum")
            out = args[0]
            for a in args[1:]:
                out = _call(func, [out, a])
            return out
        if fn == "clip" and t == "numba":
            return _call(_name("min"), [_call(_name("max"), [args[0], args[1]]), args[2]])
        if t == "brian2":
            return _call(_name(fn), args)
        if fn == "exp" and t == "numba":
            return _call(_name("fast_exp"), args)  # vectorises (models/_math.py)
        if fn == "abs" and t == "numba":
            return _call(_name("abs"), args)
        return _call(_np(fn), args)

    def _Compare(self, node):
        parts = []
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            if not isinstance(op, _CMP_OPS):
                raise InvalidParameterError(
                    f"Unsupported comparison in {_src(node)!r} {self.where}: use > >= < <=.")
            (a, ua), (b, ub) = self._quantity(left), self._quantity(right)
            if not ua.same_dimension(ub):
                raise InvalidParameterError(
                    f"Inconsistent units {self.where}: cannot compare {_src(left)!r} "
                    f"({self._shown(left, ua)}) with {_src(right)!r} "
                    f"({self._shown(right, ub)}).")
            parts.append(ast.Compare(left=a if a is not None else _num(1), ops=[op],
                                     comparators=[convert(b, ub, ua)]))
            left = right
        return self._join(ast.And(), parts), None

    def _BoolOp(self, node):
        parts = [self.condition(v, "Each operand of 'and'/'or'") for v in node.values]
        return self._join(node.op, parts), None

    def _join(self, op, parts):
        if self.target == "brian2":
            return parts[0] if len(parts) == 1 else ast.BoolOp(op=op, values=parts)
        out = parts[0]  # & and | on scalar booleans: no branch in the vectorised loop
        for p in parts[1:]:
            out = ast.BinOp(left=out, op=ast.BitAnd() if isinstance(op, ast.And)
                            else ast.BitOr(), right=p)
        return out

    def _shown(self, node, unit: Unit) -> str:
        if isinstance(node, ast.Name) and node.id in self.names:
            return self.names[node.id].shown
        return show(unit)


def _src(node: ast.AST) -> str:
    return ast.unparse(node)


def _copy(node: ast.expr) -> ast.expr:
    return copy.deepcopy(node)


def unparse(node: ast.expr) -> str:
    return ast.unparse(ast.fix_missing_locations(node))

"""Nothing user-provided reaches SQL except as a bound parameter: no SQL built from strings."""

from __future__ import annotations

import ast
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PACKAGES = ("orders", "reports", "project", "bench")
SQL_SINKS = {"execute", "executemany", "raw", "RawSQL", "extra", "mogrify", "copy_expert"}


def _is_built_string(node: ast.AST) -> bool:
    """An f-string, `"..." % x`, `"..." + x`, or `"...".format(x)`: SQL assembled from values."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return _is_built_string(node.left) or isinstance(node.left, ast.Constant)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and isinstance(node.func.value, ast.Constant)
    return False


def sql_built_from_strings() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in SQL_SINKS and _is_built_string(node.args[0]):
                    found.append(f"{path.relative_to(BASE_DIR)}:{node.lineno}")
    return found


def test_no_sql_is_built_from_strings():
    assert sql_built_from_strings() == []


def test_the_check_itself_catches_formatted_sql(tmp_path):
    samples = [
        'cursor.execute(f"SELECT * FROM t WHERE a = {value}")',
        'cursor.execute("SELECT * FROM t WHERE a = %s" % value)',
        'cursor.execute("SELECT * FROM t WHERE a = " + value)',
        'cursor.execute("SELECT * FROM t WHERE a = {}".format(value))',
        'Order.objects.raw(f"SELECT * FROM orders_order WHERE id = {value}")',
    ]
    for sample in samples:
        call = ast.parse(sample).body[0].value
        assert _is_built_string(call.args[0]), sample
    safe = ast.parse('cursor.execute("SELECT * FROM t WHERE a = %s", [value])').body[0].value
    assert not _is_built_string(safe.args[0])

"""The layout rules of the notebooks (issue 12), checked on every `make test` so they stay true: modules depend only on
earlier notebooks, exported cells stay small, code lines stay short, and cell ids are unique. These read files only;
they live here rather than in a notebook because they are about all the notebooks at once."""
import ast, json, re
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / 'nbs').rglob('*.ipynb'))
MAX_CELL, MAX_LINE = 60, 120


def cells(nb: Path) -> list[dict]:
    return json.loads(nb.read_text())['cells']


def code_lines(cell: dict) -> list[str]:
    return ''.join(cell['source']).splitlines() if cell['cell_type'] == 'code' else []


def module_order() -> dict[str, int]:
    "Each module's place in the dependency order: its notebook's number (the migrations go with the store)."
    order = {}
    for nb in NOTEBOOKS:
        m = re.match(r'(\d+)_', nb.name)
        for c in cells(nb):
            exp = re.match(r'#\|\s*default_exp\s+(\S+)', ''.join(c['source']))
            if exp and m: order[exp.group(1)] = int(m.group(1))
    store = order['store']
    for nb in (ROOT / 'nbs' / 'migrations').glob('*.ipynb'):
        for c in cells(nb):
            exp = re.match(r'#\|\s*default_exp\s+(\S+)', ''.join(c['source']))
            if exp: order[exp.group(1)] = store
    return order


def imported_modules(path: Path) -> set[str]:
    "The studio_revenue modules a generated module imports (relative or absolute), at any depth of its code."
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            name = node.module or ''
            if node.level: out.add(name)
            elif name.startswith('studio_revenue.'): out.add(name.removeprefix('studio_revenue.'))
        elif isinstance(node, ast.Import):
            out |= {a.name.removeprefix('studio_revenue.') for a in node.names if a.name.startswith('studio_revenue.')}
    return out


def test_modules_import_only_earlier_notebooks():
    order = module_order()
    assert {'core', 'cli', 'api', 'store'} <= set(order), order       # the map was read
    backwards = []
    for mod, place in order.items():
        path = ROOT / 'studio_revenue' / (mod.replace('.', '/') + '.py')
        for dep in imported_modules(path):
            if dep in order and order[dep] > place: backwards.append(f"{mod} imports {dep}")
    assert not backwards, backwards


@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / 'nbs')))
def test_notebook_cells_small_and_lines_short(nb):
    big = [(c['id'], len(code_lines(c))) for c in cells(nb)
           if code_lines(c)[:1] and code_lines(c)[0].startswith('#| export') and len(code_lines(c)) > MAX_CELL]
    long = [(c['id'], line[:60]) for c in cells(nb) for line in code_lines(c) if len(line) > MAX_LINE]
    ids = [c.get('id') for c in cells(nb)]
    assert not big, f"exported cells over {MAX_CELL} lines: {big}"
    assert not long, f"code lines over {MAX_LINE} characters: {long}"
    assert len(set(ids)) == len(ids), f"repeated cell ids: {sorted({i for i in ids if ids.count(i) > 1})}"

"""Foundation benchmark: time `studio-revenue generate` (200 studios x 60 months) and `validate`, as a user runs them.

Writes reports/benchmarks/foundation.json. Run with `make benchmark`."""
import json, platform, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name('studio-revenue'))


def timed(*args):
    t0 = time.perf_counter()
    res = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    return time.perf_counter() - t0, res


def main(repeats=3):
    out = Path(tempfile.mkdtemp()) / 'panel.csv'
    gen, val = [], []
    for i in range(repeats):
        t, res = timed('generate', '--studios', 200, '--months', 60, '--seed', 1, '--out', out, '--overwrite')
        assert res.returncode == 0, res.stderr
        gen.append(t)
        t, res = timed('validate', '--data', out)
        assert res.returncode == 0, res.stderr
        val.append(t)
    figures = dict(
        what='studio-revenue generate --studios 200 --months 60 --seed 1, then validate; wall time of the whole process',
        generate_seconds=dict(runs=[round(x, 3) for x in gen], max=round(max(gen), 3), goal=20.0),
        validate_seconds=dict(runs=[round(x, 3) for x in val], max=round(max(val), 3)),
        validate_exit_code=res.returncode, file_mb=round(out.stat().st_size / 1e6, 2),
        machine=dict(python=platform.python_version(), processor=platform.machine(), cores=__import__('os').cpu_count()))
    dest = ROOT / 'reports' / 'benchmarks' / 'foundation.json'
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(figures, indent=2) + '\n')
    print(json.dumps(figures, indent=2))


if __name__ == '__main__':
    main()

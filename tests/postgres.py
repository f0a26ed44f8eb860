"""A throwaway PostgreSQL server for the tests: Debian's binaries, a new cluster in a temp dir, owned and run by the
`postgres` user (initdb refuses root), listening on a free 127.0.0.1 port, always stopped and removed afterwards."""
import contextlib, os, shutil, subprocess, tempfile
from pathlib import Path
from ports import free_port

PG_BIN = Path(os.environ.get('STUDIO_REVENUE_PG_BIN', '/usr/lib/postgresql/15/bin'))


def available() -> str | None:
    "Why a server cannot be started here, or None when it can."
    if not (PG_BIN / 'initdb').exists(): return f"PostgreSQL binaries not found in {PG_BIN} (apt-get install postgresql)"
    if os.geteuid() == 0 and not shutil.which('runuser'): return 'running as root without runuser'
    return None


@contextlib.contextmanager
def postgres_server():
    "Yield a postgresql+psycopg:// URL of a fresh server (database `postgres`, user `postgres`, trust auth on 127.0.0.1)."
    as_pg = ['runuser', '-u', 'postgres', '--'] if os.geteuid() == 0 else []
    home = Path(tempfile.mkdtemp(prefix='studio-pg-'))
    os.chmod(home, 0o777)
    data, port = home / 'data', free_port()
    run = lambda *cmd: subprocess.run([*as_pg, *map(str, cmd)], check=True, capture_output=True, text=True)
    started = False
    try:
        run(PG_BIN / 'initdb', '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8')
        run(PG_BIN / 'pg_ctl', '-D', data, '-l', home / 'server.log', '-w', '-t', '60', 'start',
            '-o', f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60")
        started = True
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            with contextlib.suppress(subprocess.CalledProcessError): run(PG_BIN / 'pg_ctl', '-D', data, '-m', 'immediate', '-w', 'stop')
        shutil.rmtree(home, ignore_errors=True)

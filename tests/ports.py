"""A free TCP port on 127.0.0.1 for the throwaway servers the tests start (uvicorn, PostgreSQL, Redis, JupyterLab, the
MLflow UI)."""
import socket


def free_port() -> int:
    "A port nothing listens on now: the system picks it, the caller's server binds it next."
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

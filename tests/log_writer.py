"""One of several processes writing logged answers to the same store at once, so that tests/test_store.py and
benchmarks/store.py can check that none is lost or written twice. Each answer's inputs name its writer and number.

usage: python tests/log_writer.py DATABASE_URL WRITER ANSWERS STUDIOS MONTH
  e.g. python tests/log_writer.py sqlite:///store.db 3 200 5 2024-01-01"""
import sys
from studio_revenue.store import open_store, log_answer


def write(url: str, writer: int, answers: int, studios: int, month: str):
    "Log `answers` forecasts, cycling over studios s-001 … s-`studios`, each tagged with this writer and its number."
    store = open_store(url)
    for i in range(answers):
        log_answer(store, 'forecast', f's-{i % studios + 1:03d}', {'writer': writer, 'i': i},
                   {'predictions': [{'month': month, 'revenue': 1000.0 + i}]}, 1.0, model_version=f'writer-{writer}')


def command(url: str, writer: int, answers: int, studios: int, month: str) -> list[str]:
    "The command line that runs one writer in its own process with this interpreter."
    return [sys.executable, __file__, url, str(writer), str(answers), str(studios), month]


if __name__ == '__main__':
    u, w, a, s, m = sys.argv[1:6]
    write(u, int(w), int(a), int(s), m)

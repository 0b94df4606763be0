#!/usr/bin/env python3
"""The embedded limit: CLIENTS threads each commit one-row inserts, one per transaction, into a SQLite file in WAL
mode with synchronous=FULL (every commit is flushed), for WARMUP + SECONDS seconds. SQLite has one writer at a time,
so the threads take a process-wide lock around each write transaction, as OrderActors' SQLite storage does with its
writer semaphore. Prints one JSON object: commits/s and latency percentiles (ms, from when a client wanted to
write, so waiting for the lock counts) of the measured part.

    sqlite_commit_loop.py DB_PATH CLIENTS SECONDS [WARMUP]
"""
import json
import sqlite3
import sys
import threading
import time


def main() -> None:
    path, clients, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    warmup = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE IF NOT EXISTS one_row (id INTEGER PRIMARY KEY, client_id INTEGER NOT NULL, payload TEXT NOT NULL)")
    setup.commit()
    setup.close()

    writer = threading.Lock()
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    measure_from = time.perf_counter() + warmup
    stop_at = measure_from + seconds

    def client(index: int) -> None:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("PRAGMA busy_timeout=30000")
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                break
            try:
                with writer:
                    connection.execute("BEGIN IMMEDIATE")
                    connection.execute("INSERT INTO one_row (client_id, payload) VALUES (?, 'order')", (index,))
                    connection.execute("COMMIT")
                if started >= measure_from:
                    latencies[index].append((time.perf_counter() - started) * 1000)
            except sqlite3.Error:
                if started >= measure_from:
                    errors[index] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = max(seconds, time.perf_counter() - measure_from)

    every = sorted(x for per_client in latencies for x in per_client)

    def percentile(p: float) -> float | None:
        return every[min(len(every) - 1, int(p * len(every)))] if every else None

    print(json.dumps({
        "throughput": len(every) / elapsed,
        "accepted": len(every),
        "errors": sum(errors),
        "measuredSeconds": elapsed,
        "latencyMs": {"p50": percentile(0.50), "p95": percentile(0.95), "p99": percentile(0.99), "max": every[-1] if every else None},
    }))


if __name__ == "__main__":
    main()

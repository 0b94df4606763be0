#!/usr/bin/env python3
"""compare.sh's bookkeeping: turns each measured run into one row of ROWS (JSON lines), and the rows into the final
table (printed, and saved as results.md and results.json beside ROWS).

    summarize.py pgbench ROWS SYSTEM WORKLOAD CLIENTS STDOUT LOG_PREFIX COUNTERS_START COUNTERS_END [CHECK]
    summarize.py load    ROWS SYSTEM CLIENTS LOAD_JSON
    summarize.py simple  ROWS SYSTEM WORKLOAD CLIENTS JSON [COUNTERS_START COUNTERS_END]   (the SQLite loop, Medusa's driver)
    summarize.py table   ROWS TITLE

COUNTERS_* are PgCounters.Query's answer as psql -At prints it: next transaction id | WAL position |
pg_stat_database.xact_commit | pg_stat_wal.wal_bytes. Commits per order are write transactions (the transaction id
delta): exact at the instant they are read, where the cumulative statistics lag by up to a second per backend.
"""
import glob
import json
import math
import os
import re
import sys


def load_average() -> float:
    with open("/proc/loadavg", encoding="ascii") as f:
        return float(f.read().split()[0])


def append(rows: str, row: dict) -> None:
    row["loadAverage"] = load_average()
    with open(rows, "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")


def database_cost(start: str, end: str, orders: float) -> dict:
    if orders <= 0:
        return {}  # nothing to divide by: no figure rather than the whole window's cost as one order's
    a = [int(x) for x in start.split("|")]
    b = [int(x) for x in end.split("|")]
    n = max(1.0, orders)
    return {"commitsPerOrder": (b[0] - a[0]) / n, "walBytesPerOrder": (b[1] - a[1]) / n, "statCommitsPerOrder": (b[2] - a[2]) / n}


def pgbench_row(rows, system, workload, clients, stdout, log_prefix, start, end, check=""):
    with open(stdout, encoding="utf-8") as f:
        text = f.read()
    tps = float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", text).group(1))
    processed = int(re.search(r"number of transactions actually processed: (\d+)", text).group(1))
    failed = re.search(r"number of failed transactions: (\d+)", text)
    latencies = []
    for log in glob.glob(log_prefix + ".*"):
        with open(log, encoding="ascii") as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 3 and fields[2].isdigit():
                    latencies.append(int(fields[2]) / 1000)
    latencies.sort()
    row = {"system": system, "workload": workload, "clients": int(clients), "throughput": tps, "orders": processed,
           "errors": int(failed.group(1)) if failed else 0, **percentiles(latencies), **database_cost(start, end, processed)}
    if check:
        row["check"] = check
    append(rows, row)


def percentiles(sorted_ms: list) -> dict:
    def at(p):
        return sorted_ms[min(len(sorted_ms) - 1, int(p * len(sorted_ms)))] if sorted_ms else None
    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": sorted_ms[-1] if sorted_ms else None}


def load_row(rows, system, clients, path):
    with open(path, encoding="utf-8") as f:
        result = json.load(f)
    latency = result["latencyMs"]
    row = {"system": system, "workload": result["workload"], "clients": int(clients), "throughput": result["throughput"],
           "orders": result["accepted"] + result["refused"] + result["refusedWithoutAlternative"],
           "errors": result["errors"] + result["refusedWithoutAlternative"],
           "p50": latency["p50"], "p95": latency["p95"], "p99": latency["p99"], "max": latency["max"]}
    if "database" in result:
        db = result["database"]
        row.update(commitsPerOrder=db["commitsPerOrder"], walBytesPerOrder=db["walBytesPerOrder"], statCommitsPerOrder=db["statCommitsPerOrder"])
    if "projectionLagMs" in result:
        row["projectionLagMs"] = result["projectionLagMs"]
    if "flash" in result:
        flash = result["flash"]
        row["check"] = f"{'PASS' if flash['passed'] else 'FAIL'} {flash['accepted']}/{flash['orders']} placed"
    if result.get("errorKinds"):
        row["errorKinds"] = result["errorKinds"]
    append(rows, row)


def simple_row(rows, system, workload, clients, path, start=None, end=None):
    with open(path, encoding="utf-8") as f:
        result = json.load(f)
    row = {"system": system, "workload": workload, "clients": int(clients), "throughput": result["throughput"],
           "orders": result["accepted"], "errors": result["errors"], **result["latencyMs"]}
    if start and end:
        row.update(database_cost(start, end, result["accepted"]))
    if result.get("errorKinds"):
        row["errorKinds"] = result["errorKinds"]
    append(rows, row)


def number(value, digits=0, suffix=""):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float) and math.isinf(value):
        return "never"
    return f"{value:,.{digits}f}{suffix}"


def table(rows_path, title):
    with open(rows_path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    limits = {(r["system"], r["clients"]): r["throughput"] for r in rows if r["workload"] == "insert"}
    for row in rows:
        pg = limits.get(("pgbench one-row insert", row["clients"]))
        own = limits.get(("SQLite WAL commit loop", row["clients"])) if "SQLite" in row["system"] else pg
        row["ratioToPgbench"] = row["throughput"] / pg if pg else None
        row["ratioToOwnLimit"] = row["throughput"] / own if own else None

    header = ["system", "workload", "clients", "orders/s", "p50 ms", "p95 ms", "p99 ms", "errors", "× pgbench", "× own limit",
              "commits/order", "WAL/order", "lag ms", "check", "load"]
    lines = []
    for r in rows:
        lines.append([r["system"], r["workload"], str(r["clients"]), number(r["throughput"]), number(r.get("p50"), 1), number(r.get("p95"), 1),
                      number(r.get("p99"), 1), str(r["errors"]), number(r["ratioToPgbench"], 3), number(r["ratioToOwnLimit"], 3),
                      number(r.get("commitsPerOrder"), 1), number(r["walBytesPerOrder"] / 1024, 1, " KB") if "walBytesPerOrder" in r else "–",
                      number(r.get("projectionLagMs")), r.get("check", ""), number(r["loadAverage"], 1)])
    markdown = "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(l) + " |" for l in lines])
    widths = [max(len(h), *(len(l[i]) for l in lines)) if lines else len(h) for i, h in enumerate(header)]
    text = "\n".join(["  ".join(c.ljust(w) if i < 2 or i == 13 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
                      for row in [header] + lines])
    folder = os.path.dirname(rows_path)
    with open(os.path.join(folder, "results.md"), "w", encoding="utf-8") as f:
        f.write(f"{title}\n\n{markdown}\n")
    with open(os.path.join(folder, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"title": title, "rows": rows}, f, indent=2)
    print(title)
    print(text)


def main():
    command, args = sys.argv[1], sys.argv[2:]
    {"pgbench": pgbench_row, "load": load_row, "simple": simple_row, "table": table}[command](*args)


if __name__ == "__main__":
    main()

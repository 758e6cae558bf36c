#!/bin/sh
# Reproduces the figures in README.md. Needs PostgreSQL at 127.0.0.1:5432
# (database test, user postgres, trust auth); each run gets a fresh schema.
set -eu
cd "$(dirname "$0")"
mkdir -p results
go build -o /tmp/riverbench .
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=results/$stamp
# River's fetch settings: the best of a small sweep (see README.md);
# River's defaults (100 ms cooldown, 1 s poll) are measured separately below.
tuned="-river-workers 100 -river-fetch-cooldown 10ms -river-fetch-poll 100ms"

echo "uptime before: $(uptime)" | tee "$out.main.txt"
/tmp/riverbench -n 20000 -producers 40 -repeat 3 $tuned -json "$out.main.jsonl" 2>&1 | tee -a "$out.main.txt"
echo "uptime after: $(uptime)" | tee -a "$out.main.txt"

# Supplementary: River with its default fetch settings; River completing
# outside the reply's transaction; River on PostgreSQL with 48 connections.
echo "uptime before: $(uptime)" | tee "$out.extra.txt"
/tmp/riverbench -n 20000 -repeat 3 -modes river-insert,river-e2e -json "$out.defaults.jsonl" 2>&1 | tee -a "$out.extra.txt"
/tmp/riverbench -n 20000 -repeat 3 -modes river-insert,river-e2e $tuned -river-complete-tx=false -json "$out.nocompletetx.jsonl" 2>&1 | tee -a "$out.extra.txt"
/tmp/riverbench -n 20000 -repeat 3 -db postgres -modes river-insert,river-e2e $tuned -pg-conns 48 -json "$out.pg48.jsonl" 2>&1 | tee -a "$out.extra.txt"
echo "uptime after: $(uptime)" | tee -a "$out.extra.txt"

#!/usr/bin/env python3
"""The portfolio-margin benchmark book of BENCHMARKS.md (issue 18): N option accounts x STEPS steps
under the Deribit-PM grid defaults; each account short or long 1-3 calls (strike 110) and 1-3 puts
(strike 90) and +-0.5-1 of the perpetual, cash 2,000-12,000; GBM 1 %/step, vol flat 60 %, expiry at
the last step; the market maker `mm` takes the other sides, per instrument. The same book as
`bench_book` in tests/portfolio_band.rs (same xorshift draws).

usage: tools/pm_bench_book.py N STEPS [CASH_MIN CASH_SPAN] > book.json (cash CASH_MIN + 0..CASH_SPAN,
default 2000 10000)"""
import json, sys

def main():
    n, steps = int(sys.argv[1]), int(sys.argv[2])
    cmin, cspan = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (2000, 10000)
    x = 0x9E3779B97F4A7C15
    mask = (1 << 64) - 1
    def nxt(k):
        nonlocal x
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
        return x % k
    accounts = []
    for i in range(n):
        sign = lambda b: "-" if b == 0 else ""
        cs, ps, fs = sign(nxt(2)), sign(nxt(2)), sign(nxt(2))
        cq, pq = 1 + nxt(3), 1 + nxt(3)
        f = 5 + nxt(6)
        fq = "1" if f == 10 else f"0.{f}"
        cash = cmin + nxt(cspan + 1)
        accounts.append({"id": f"a{i}", "cash": str(cash), "positions": [
            {"instrument": "C", "size": f"{cs}{cq}"}, {"instrument": "P", "size": f"{ps}{pq}"}, {"instrument": "X", "size": f"{fs}{fq}"}]})
    accounts.append({"id": "mm", "cash": "1000000000", "margin_model": {"kind": "per_instrument"}})
    s = {"version": 1, "steps": steps, "seed": 11,
         "venue": {"style": "exchange", "margin_model": {"kind": "scenario_grid"}},
         "instruments": [
             {"id": "X", "tick_size": "0.01", "lot_size": "0.1", "counterparty": "mm", "margin": {"initial": "0.1", "maintenance": "0.05"},
              "price": {"initial": "100", "gbm": {"drift": "0", "volatility": "0.01"}}},
             {"id": "C", "tick_size": "0.01", "lot_size": "1", "counterparty": "mm", "expiry": {"step": steps, "settlement": "cash"},
              "option": {"on": "X", "kind": "call", "strike": "110", "volatility": {"initial": "0.6"}}},
             {"id": "P", "tick_size": "0.01", "lot_size": "1", "counterparty": "mm", "expiry": {"step": steps, "settlement": "cash"},
              "option": {"on": "X", "kind": "put", "strike": "90", "volatility": {"initial": "0.6"}}}],
         "accounts": accounts,
         "waterfall": [{"kind": "insurance_fund"}, {"kind": "socialized_loss"}]}
    json.dump(s, sys.stdout)

main()

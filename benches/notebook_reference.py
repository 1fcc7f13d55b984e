"""The float notebook issue 8 compares Spillway with: a vectorized numpy float64 loop over the same
kind of work as `spillway bench` (N accounts on one linear perpetual, a seeded GBM path with one
crash step, flat maintenance margin, liquidation at mark with linear slippage, a fee to the
insurance fund, deficits paid by the fund, then ADL against the opposite side).

Run it on the same machine, alternating with `./x bench`, to compare like with like:
    python3 benches/notebook_reference.py [ACCOUNTS ...]      (needs numpy; not part of ./x test)
It prints the wall time of the loop (setup of the book included, as in `spillway bench`).
"""
import sys
import time

import numpy as np


def run(n, steps=1000, seed=7):
    rng = np.random.default_rng(seed)
    price0 = 50000.0
    rets = rng.normal(0.0, 0.004, steps + 1)
    rets[0] = 0.0
    rets[steps // 2] = np.log(0.85)  # the crash
    path = np.round(price0 * np.exp(np.cumsum(rets)) / 0.5) * 0.5  # tick 0.5

    side = np.where(np.arange(n) < n // 2, 1.0, -1.0)
    notional = 20000.0 * np.exp(0.5 * rng.normal(size=n))
    lev = rng.uniform(2.0, 20.0, n)
    size = np.floor(notional / price0 / 0.001) * 0.001 * side  # lot 0.001
    cash = np.round(np.abs(size) * price0 / lev, 2)
    entry = np.full(n, price0)
    alive = np.ones(n, dtype=bool)
    insurance, mm, fee_rate, impact, max_slip = 1_000_000.0, 0.025, 0.005, 0.01, 0.05
    unallocated = 0.0

    for t in range(steps + 1):
        p = path[t]
        equity = cash + size * (p - entry)
        liq = alive & (equity < mm * np.abs(size) * p)
        if not liq.any():
            continue
        idx = np.nonzero(liq)[0]
        notl = np.abs(size[idx]) * p
        slip = np.minimum(impact * notl / 1e6, max_slip)
        px = np.round(p * (1.0 - np.sign(size[idx]) * slip) / 0.5) * 0.5
        group = cash[idx] + size[idx] * (px - entry[idx])
        fee = np.minimum(fee_rate * notl, np.maximum(group, 0.0))
        insurance += fee.sum()
        rest = group - fee
        deficit = -np.minimum(rest, 0.0).sum()
        paid = min(insurance, deficit)
        insurance -= paid
        left = deficit - paid
        cash[idx] = np.maximum(rest, 0.0)
        size[idx] = 0.0
        alive[idx] = False
        if left > 0.0:
            # ADL: the opposite side's profitable accounts, ranked by profit × leverage, give up
            # their profit until the deficit is covered.
            bankrupt_side = np.sign(side[idx]).sum()
            opp = alive & (np.sign(size) == -np.sign(bankrupt_side)) & (size != 0.0)
            cand = np.nonzero(opp)[0]
            pnl = size[cand] * (p - entry[cand])
            prof = pnl > 0.0
            cand, pnl = cand[prof], pnl[prof]
            if cand.size:
                rank = np.argsort(-(pnl * lev[cand]), kind="stable")
                cand, pnl = cand[rank], pnl[rank]
                covered = np.cumsum(pnl)
                k = int(np.searchsorted(covered, left)) + 1
                take = pnl[:k].copy()
                take[-1] -= max(covered[min(k, cand.size) - 1] - left, 0.0)
                cash[cand[:k]] -= take
                left -= take.sum()
            unallocated += max(left, 0.0)
    return insurance, unallocated, int((~alive).sum())


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    for n in sizes:
        start = time.perf_counter()
        insurance, unallocated, liquidated = run(n)
        secs = time.perf_counter() - start
        print(f"numpy float64 notebook: {n} accounts × 1000 steps: {secs:.3f} s "
              f"({liquidated} liquidated, insurance fund {insurance:,.0f}, unallocated {unallocated:,.0f})")

//! The accounts' states through a run, as sparse change logs (what [`super::Timeline`] reads an
//! account at a step from).

use super::account::{AccountSnap, Status};
use super::chunked::Chunked;
use rust_decimal::Decimal;

/// An account state as the logs keep it: one collateral asset and at most one position without
/// isolated margin (the usual case) inline in 108 bytes instead of an [`AccountSnap`]'s 152;
/// any other state in a side table (`full`).
#[derive(Clone, Debug)]
struct Stored {
    cash: Decimal,
    loss: Decimal,
    contribution: Decimal,
    size: Decimal,
    entry: Decimal,
    funding_entry: Decimal,
    /// The position's instrument; `NONE` = no position.
    inst: u32,
    /// Index into `AccountLogs::full`; `NONE` = the state is the fields above.
    full: u32,
    status: Status,
}

const NONE: u32 = u32::MAX;

/// Per-account change logs without a per-account allocation: every account's state at step 0,
/// the later changes in the order they were recorded (step order, in fixed-size chunks: nothing
/// is copied as they grow or when the run ends), and an index grouping them by account.
#[derive(Clone, Debug, Default)]
pub(crate) struct AccountLogs {
    first: Vec<Stored>,
    /// (account, step, state), in step order.
    changes: Chunked<(u32, u32, Stored)>,
    /// States that do not fit [`Stored`]'s inline form.
    full: Vec<AccountSnap>,
    /// Indices into `changes`, by account, then step; account `a`'s are `order[start[a]..start[a + 1]]`.
    order: Vec<u32>,
    start: Vec<u32>,
}

impl AccountLogs {
    pub(crate) fn with_accounts(n: usize) -> AccountLogs {
        AccountLogs { first: Vec::with_capacity(n), ..AccountLogs::default() }
    }

    fn store(&mut self, x: &AccountSnap) -> Stored {
        let simple = x.collateral.len() == 1
            && x.positions.len() <= 1
            && x.positions.iter().all(|p| p.isolated.is_none() && p.inst < NONE as usize);
        let cash = x.collateral.first().copied().unwrap_or_default();
        let mut st = Stored {
            cash,
            loss: x.loss,
            contribution: x.contribution,
            size: Decimal::ZERO,
            entry: Decimal::ZERO,
            funding_entry: Decimal::ZERO,
            inst: NONE,
            full: NONE,
            status: x.status,
        };
        match x.positions.first() {
            Some(p) if simple => {
                st.inst = p.inst as u32;
                st.size = p.size;
                st.entry = p.entry;
                st.funding_entry = p.funding_entry;
            }
            _ if simple => {}
            _ => {
                st.full = self.full.len() as u32;
                self.full.push(x.clone());
            }
        }
        st
    }

    fn load(&self, st: &Stored) -> Option<AccountSnap> {
        if st.full != NONE {
            return self.full.get(st.full as usize).cloned();
        }
        let mut positions = super::account::Positions::new();
        if st.inst != NONE {
            positions.push(super::account::Pos { inst: st.inst as usize, size: st.size, entry: st.entry, funding_entry: st.funding_entry, isolated: None });
        }
        Some(AccountSnap { collateral: std::iter::once(st.cash).collect(), positions, status: st.status, loss: st.loss, contribution: st.contribution })
    }

    /// Record an account's step-0 state (accounts in index order).
    pub(crate) fn push_first(&mut self, x: &AccountSnap) {
        let st = self.store(x);
        self.first.push(st);
    }

    /// Record a change; changes arrive in step order, each (account, step) at most once.
    pub(crate) fn push_change(&mut self, account: u32, step: u32, x: &AccountSnap) {
        let st = self.store(x);
        self.changes.push((account, step, st));
    }

    /// Recording is over: group the changes by account.
    pub(crate) fn seal(&mut self) {
        // A counting sort by account; stable, so each account's changes stay in step order.
        let n = self.first.len();
        let mut start = vec![0u32; n + 1];
        for c in self.changes.iter() {
            if let Some(x) = start.get_mut(c.0 as usize + 1) {
                *x += 1;
            }
        }
        for a in 0..n {
            start[a + 1] += start[a]; // ok: a + 1 <= n
        }
        let mut next = start.clone();
        let mut order = vec![0u32; start.last().copied().unwrap_or(0) as usize];
        for (i, c) in self.changes.iter().enumerate() {
            if let Some(p) = next.get_mut(c.0 as usize).filter(|_| (c.0 as usize) < n) {
                if let Some(slot) = order.get_mut(*p as usize) {
                    *slot = i as u32;
                }
                *p += 1;
            }
        }
        self.changes.shrink_to_fit();
        self.full.shrink_to_fit();
        self.order = order;
        self.start = start;
    }

    fn of(&self, account: usize) -> &[u32] {
        let (a, b) = (self.start.get(account).copied().unwrap_or(0), self.start.get(account + 1).copied().unwrap_or(0));
        self.order.get(a as usize..b as usize).unwrap_or(&[])
    }

    fn change(&self, k: u32) -> Option<&(u32, u32, Stored)> {
        self.changes.get(k as usize)
    }

    /// State of `account` at `step`: binary search in its changes, else its step-0 state.
    pub(crate) fn at(&self, account: usize, step: u32) -> Option<AccountSnap> {
        self.stored_at(account, step).and_then(|x| self.load(x))
    }

    /// The stored state of `account` at `step`, not rebuilt (its loss and status read directly).
    /// An account's status at a step, without building its state.
    pub(crate) fn status_at(&self, account: usize, step: u32) -> Status {
        self.stored_at(account, step).map(|s| s.status).unwrap_or_default()
    }

    /// An account's loss to the waterfall at a step, without building its state.
    pub(crate) fn loss_at(&self, account: usize, step: u32) -> Decimal {
        self.stored_at(account, step).map(|s| s.loss).unwrap_or_default()
    }

    fn stored_at(&self, account: usize, step: u32) -> Option<&Stored> {
        let log = self.of(account);
        let i = log.partition_point(|&k| self.change(k).is_some_and(|c| c.1 <= step));
        match i.checked_sub(1).and_then(|k| log.get(k)).and_then(|&k| self.change(k)) {
            Some(c) => Some(&c.2),
            None => self.first.get(account),
        }
    }

    pub(crate) fn steps(&self, account: usize) -> Vec<u32> {
        if account >= self.first.len() {
            return Vec::new();
        }
        std::iter::once(0).chain(self.of(account).iter().filter_map(|&k| self.change(k)).map(|c| c.1)).collect()
    }
}


#[cfg(test)]
mod log_tests {
    use super::super::account::{Pos, Positions};
    use super::*;

    #[test]
    fn stored_states_come_back_equal() {
        let pos = |inst: usize, iso: Option<Decimal>| Pos { inst, size: Decimal::new(-15, 1), entry: Decimal::new(500005, 1), funding_entry: Decimal::new(1, 4), isolated: iso };
        let snap = |coll: &[Decimal], ps: Vec<Pos>, status: Status| AccountSnap {
            collateral: coll.iter().copied().collect(),
            positions: ps.into_iter().collect::<Positions>(),
            status,
            loss: Decimal::new(123, 2),
            contribution: Decimal::new(10, 0),
        };
        let states = vec![
            snap(&[Decimal::new(1000, 0)], vec![pos(0, None)], Status::Healthy),
            snap(&[Decimal::new(-5, 1)], vec![], Status::Bankrupt),
            snap(&[Decimal::ONE, Decimal::TWO], vec![pos(1, None)], Status::MarginCall),
            snap(&[Decimal::ONE], vec![pos(0, Some(Decimal::TEN))], Status::Liquidating),
            snap(&[Decimal::ONE], vec![pos(0, None), pos(1, None)], Status::Deleveraged),
        ];
        let mut l = AccountLogs::with_accounts(states.len());
        for x in &states {
            l.push_first(x);
        }
        for (k, x) in states.iter().rev().enumerate() {
            l.push_change(k as u32, 3, x);
        }
        l.seal();
        for (k, x) in states.iter().enumerate() {
            assert_eq!(l.at(k, 2).as_ref(), Some(x));
            assert_eq!(l.at(k, 3).as_ref(), states.get(states.len() - 1 - k));
            assert_eq!(l.steps(k), vec![0, 3]);
            for step in [0, 2, 3, 9] {
                let stored = l.stored_at(k, step).map(|x| (x.loss, x.status));
                assert_eq!(stored, l.at(k, step).map(|x| (x.loss, x.status)));
            }
        }
        assert_eq!(l.at(states.len(), 0), None);
        assert!(l.stored_at(states.len(), 0).is_none());
    }
}

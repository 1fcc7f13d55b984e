//! Variation margin in the journal, kept compact (issue 14): a clearing house pays and collects
//! the change in value of every position at every step, one entry per account with a position
//! — 5.2 × 10⁷ entries (1.2 GB) for a 100k-account book over 1,000 steps. Each of those amounts
//! is a function of the account's positions and the market's marks (`vm_delta`), and positions
//! change at few steps. So the journal keeps, per step, one block (where it sits among the
//! step's other entries, how many entries it stands for, a running count every `STRIDE`
//! accounts) and, per account, its positions at the steps they changed (an epoch); each entry is
//! built on demand from those, exactly as it was posted (same amount, same scale, same order).
//! The journal reads, sums and serializes as before: only its storage differs.

use super::account::{position_value, Pos, Positions};
use super::ledger::{EntryMemo, JournalEntry, Name};
use super::market::Market;
use super::money::{Checked, EngineResult};
use rust_decimal::Decimal;
use std::sync::Arc;

/// Accounts between two running counts of a block: an entry is found by valuing at most this
/// many accounts.
const STRIDE: usize = 64;

/// The memo of every variation-margin entry.
pub(crate) const VM_MEMO: &str = "variation margin";

/// Source: CCP variation margin, every position's change in value paid and collected each cycle (domain.md §6, VMGH).
/// The variation margin of `positions` at step `t`: their value at `t` less their value at the
/// last settled mark `before` (none at step 0). The engine posts it and the journal rebuilds
/// its entries with this one function, so both agree to the last unit and scale.
pub(crate) fn vm_delta(m: &Market, positions: &[Pos], t: u32, before: u32) -> EngineResult<Decimal> {
    let mut delta = Decimal::ZERO;
    for p in positions {
        let now = position_value(m, p, t)?;
        let was = if t == 0 { Decimal::ZERO } else { position_value(m, p, before)? };
        delta = delta.add_c(now.sub_c(was, "variation margin")?, "variation margin")?;
    }
    Ok(delta)
}

/// One step's variation margin in the journal.
#[derive(Clone, Debug)]
pub(crate) struct Block {
    pub(crate) step: u32,
    /// The block stands before this physical record (the step's entries posted after it).
    pub(crate) phys: usize,
    /// Its first entry's index in the journal.
    pub(crate) start: usize,
    /// Entries it stands for (accounts whose variation margin is not zero).
    pub(crate) count: usize,
    /// Accounts valued at this step.
    accounts: usize,
    /// Entries of the accounts before account `k × STRIDE`.
    counts: Vec<u32>,
}

impl Block {
    /// Entries in this block and every block before it.
    pub(crate) fn entries_through(&self) -> usize {
        self.start - self.phys + self.count
    }
}

/// The variation margin of a run, as blocks and epochs.
#[derive(Clone, Debug)]
pub(crate) struct VmJournal {
    market: Arc<Market>,
    settlement: Name,
    asset: Name,
    /// Per account, its positions since the step they last changed (an epoch): an empty set
    /// while it holds none or is out (no entry). One flat array, read in account order every
    /// step (the comparison is most of what keeping the epochs costs).
    current: Vec<(u32, Positions)>,
    /// Per account, its earlier epochs, oldest first (most accounts have none).
    earlier: Vec<Vec<(u32, Positions)>>,
    /// Per account holding one position: (step, the position's value at that step's mark), the
    /// value the next step's variation margin starts from.
    values: Vec<(u32, Decimal)>,
    pub(crate) blocks: Vec<Block>,
    /// The block being posted: (step, running counts, entries so far).
    open: Option<(u32, Vec<u32>, usize)>,
}

/// The same positions to the bit (a decimal's scale included, which `==` ignores).
fn same(a: &[Pos], b: &[Pos]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.inst == y.inst
                && x.size.serialize() == y.size.serialize()
                && x.entry.serialize() == y.entry.serialize()
                && x.funding_entry.serialize() == y.funding_entry.serialize()
                && x.isolated.map(|d| d.serialize()) == y.isolated.map(|d| d.serialize())
        })
}

impl VmJournal {
    pub(crate) fn new(market: Arc<Market>, settlement: Name, asset: Name) -> Self {
        VmJournal { market, settlement, asset, current: Vec::new(), earlier: Vec::new(), values: Vec::new(), blocks: Vec::new(), open: None }
    }

    /// Step `t`'s block begins.
    pub(crate) fn begin(&mut self, t: u32) {
        self.open = Some((t, Vec::new(), 0));
    }

    /// Account `a` (accounts come in order 0, 1, …) holds `positions` at this step's
    /// settlement; then [`VmJournal::settle`] gives its variation margin.
    pub(crate) fn hold(&mut self, a: usize, positions: &[Pos]) {
        let Some((t, counts, n)) = self.open.as_mut() else { return };
        if a % STRIDE == 0 {
            counts.push(*n as u32);
        }
        if self.current.len() <= a {
            self.current.resize_with(a + 1, Default::default);
            self.earlier.resize_with(a + 1, Vec::new);
            self.values.resize(a + 1, (u32::MAX, Decimal::ZERO));
        }
        let cur = &mut self.current[a]; // ok: resized above
        if !same(&cur.1, positions) {
            let was = std::mem::replace(cur, (*t, positions.iter().cloned().collect()));
            // An account without positions before its first epoch needs no record of it.
            if !(was.1.is_empty() && self.earlier[a].is_empty()) {
                self.earlier[a].push(was); // ok: resized with `current`
            }
        }
    }

    /// The variation margin of account `a`, which [`VmJournal::hold`] just saw holding
    /// `positions`, at step `t`: `vm_delta`, with the value at the last mark read from the
    /// previous step's valuation of the same single position (one valuation instead of two; the
    /// same function of the same position and marks, so the same decimal). Counted in the block.
    pub(crate) fn settle(&mut self, a: usize, positions: &[Pos], t: u32) -> EngineResult<Decimal> {
        let delta = match positions {
            [p] if t > 0 => {
                let now = position_value(&self.market, p, t)?;
                let unchanged = self.current.get(a).is_some_and(|c| c.0 < t);
                let was = match self.values.get(a) {
                    Some(&(s, v)) if unchanged && s.checked_add(1) == Some(t) => v,
                    _ => position_value(&self.market, p, t - 1)?,
                };
                if let Some(x) = self.values.get_mut(a) {
                    *x = (t, now);
                }
                Decimal::ZERO.add_c(now.sub_c(was, "variation margin")?, "variation margin")?
            }
            _ => vm_delta(&self.market, positions, t, t.saturating_sub(1))?,
        };
        if let Some((_, _, n)) = self.open.as_mut() {
            if !delta.is_zero() {
                *n += 1;
            }
        }
        Ok(delta)
    }

    /// The block ends, standing before physical record `phys` and after `before` entries of
    /// earlier blocks; `accounts` accounts were valued.
    pub(crate) fn end(&mut self, phys: usize, accounts: usize) {
        let Some((step, counts, count)) = self.open.take() else { return };
        if count == 0 {
            return;
        }
        let before = self.blocks.last().map_or(0, Block::entries_through);
        self.blocks.push(Block { step, phys, start: phys + before, count, accounts, counts });
    }

    /// Account `a`'s positions at step `t`'s settlement.
    fn held(&self, a: usize, t: u32) -> &[Pos] {
        match self.current.get(a) {
            None => &[],
            Some(cur) if cur.0 <= t => &cur.1[..],
            Some(_) => {
                let e = self.earlier.get(a).map_or(&[][..], |e| &e[..]);
                let k = e.partition_point(|x| x.0 <= t);
                k.checked_sub(1).and_then(|k| e.get(k)).map_or(&[], |x| &x.1[..])
            }
        }
    }

    /// Account `a`'s positions at step `t`'s settlement and the step they were taken (its epoch).
    fn held_since(&self, a: usize, t: u32) -> (u32, &[Pos]) {
        match self.current.get(a) {
            None => (0, &[]),
            Some(cur) if cur.0 <= t => (cur.0, &cur.1[..]),
            Some(_) => {
                let e = self.earlier.get(a).map_or(&[][..], |e| &e[..]);
                let k = e.partition_point(|x| x.0 <= t);
                k.checked_sub(1).and_then(|k| e.get(k)).map_or((0, &[]), |x| (x.0, &x.1[..]))
            }
        }
    }

    /// Every (account, variation margin) of block `b` with an entry, in posting order, without
    /// building the entries (the conservation check's sums, issue 14). `last` carries, per
    /// account, (step, its single position's value at that step's mark) from the previous block
    /// — as `settle` does, one valuation per account-step instead of two: the same function of
    /// the same position and marks, so the same decimal as [`VmJournal::expand`]'s amount.
    pub(crate) fn block_deltas(&self, b: &Block, last: &mut Vec<(u32, Decimal)>, mut f: impl FnMut(usize, Decimal) -> EngineResult<()>) -> EngineResult<()> {
        if last.len() < b.accounts {
            last.resize(b.accounts, (u32::MAX, Decimal::ZERO));
        }
        let t = b.step;
        for a in 0..b.accounts {
            let d = match self.held_since(a, t) {
                (_, []) => continue,
                (since, [p]) if t > 0 => {
                    // The posting valued the same position at the same marks without error.
                    let Ok(now) = position_value(&self.market, p, t) else { continue };
                    let was = match last.get(a) {
                        Some(&(s, v)) if since < t && s.checked_add(1) == Some(t) => Ok(v),
                        _ => position_value(&self.market, p, t - 1),
                    };
                    if let Some(x) = last.get_mut(a) {
                        *x = (t, now);
                    }
                    was.and_then(|was| Decimal::ZERO.add_c(now.sub_c(was, "variation margin")?, "variation margin")).unwrap_or_default()
                }
                (_, held) => vm_delta(&self.market, held, t, t.saturating_sub(1)).unwrap_or_default(),
            };
            if !d.is_zero() {
                f(a, d)?;
            }
        }
        Ok(())
    }

    /// Account `a`'s variation margin at block `b`'s step (zero: no entry).
    fn delta(&self, b: &Block, a: usize) -> Decimal {
        let held = self.held(a, b.step);
        if held.is_empty() {
            return Decimal::ZERO;
        }
        // The posting valued the same positions at the same marks without error.
        vm_delta(&self.market, held, b.step, b.step.saturating_sub(1)).unwrap_or_default()
    }

    /// Account `a`'s entry for `delta`, as `Sim::post` records it: the payer is the credit side.
    fn entry(&self, b: &Block, account: Name, delta: Decimal) -> JournalEntry {
        let (debit, credit, amount) = if delta < Decimal::ZERO { (self.settlement.clone(), account, -delta) } else { (account, self.settlement.clone(), delta) };
        JournalEntry { step: b.step, debit, credit, amount, asset: self.asset.clone(), memo: EntryMemo::Static(VM_MEMO) }
    }

    /// Entry `off` of block `b`: (account, delta), found from the running count before it.
    pub(crate) fn nth(&self, b: &Block, off: usize) -> Option<(usize, Decimal)> {
        let k = b.counts.partition_point(|&c| c as usize <= off).checked_sub(1)?;
        let mut seen = *b.counts.get(k)? as usize;
        for a in k * STRIDE..b.accounts {
            let d = self.delta(b, a);
            if d.is_zero() {
                continue;
            }
            if seen == off {
                return Some((a, d));
            }
            seen += 1;
        }
        None
    }

    /// Every entry of block `b`, in posting order; `name` names an account's ledger side.
    pub(crate) fn expand(&self, b: &Block, name: impl Fn(usize) -> Name) -> Vec<JournalEntry> {
        (0..b.accounts)
            .filter_map(|a| {
                let d = self.delta(b, a);
                (!d.is_zero()).then(|| self.entry(b, name(a), d))
            })
            .collect()
    }

    /// Entry `off` of block `b`.
    pub(crate) fn get(&self, b: &Block, off: usize, name: impl Fn(usize) -> Name) -> Option<JournalEntry> {
        self.nth(b, off).map(|(a, d)| self.entry(b, name(a), d))
    }

    pub(crate) fn settlement(&self) -> &Name {
        &self.settlement
    }

    pub(crate) fn asset(&self) -> &Name {
        &self.asset
    }

    /// Recording is over.
    pub(crate) fn seal(&mut self) {
        self.current.shrink_to_fit();
        self.earlier.shrink_to_fit();
        self.values = Vec::new();
        self.blocks.shrink_to_fit();
    }

    /// Bytes held (for the memory figures): epochs and running counts.
    pub(crate) fn bytes(&self) -> usize {
        let one = std::mem::size_of::<(u32, Positions)>();
        let epochs: usize = self.current.len() * one + self.earlier.iter().map(|e| e.len() * one + std::mem::size_of::<Vec<(u32, Positions)>>()).sum::<usize>();
        epochs + self.blocks.iter().map(|b| b.counts.len() * 4 + std::mem::size_of::<Block>()).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::ledger::JournalEntry;
    use crate::engine::simulate::simulate;
    use crate::scenario::Scenario;

    fn run(json: &str) -> crate::engine::timeline::Timeline {
        let s: Scenario = serde_json::from_str(json).expect("scenario");
        simulate(&s).expect("run")
    }

    fn vm(t: &crate::engine::timeline::Timeline) -> Vec<(u32, String, String, String)> {
        t.ledger.iter().filter(|e| e.memo == *"variation margin").map(|e| (e.step, e.debit.to_string(), e.credit.to_string(), e.amount.to_string())).collect()
    }

    /// Two members, long and short 10 at 100; the mark goes to 110 at step 1 and 105 at step 2.
    /// The gainer is the debit side (it receives), as `Sim::post` records it; figures by hand.
    #[test]
    fn variation_margin_entries_come_back_from_the_blocks() {
        let t = run(r#"{"version":1,"steps":3,"venue":{"style":"ccp","settlement":"variation_margin"},
            "instruments":[{"id":"F","price":{"initial":"100","points":[{"step":1,"price":"110"},{"step":2,"price":"105"}]}}],
            "accounts":[{"id":"long","cash":"1000","positions":[{"instrument":"F","size":"10"}]},
                        {"id":"short","cash":"1000","positions":[{"instrument":"F","size":"-10"}]}]}"#);
        assert!(t.ledger.is_vm_compact());
        let s = |x: &str| x.to_string();
        assert_eq!(
            vm(&t),
            vec![
                (1, s("acct:long"), s("venue:settlement"), s("100")),
                (1, s("venue:settlement"), s("acct:short"), s("100")),
                (2, s("venue:settlement"), s("acct:long"), s("50")),
                (2, s("acct:short"), s("venue:settlement"), s("50")),
            ]
        );
        assert!(t.conservation().expect("sums").holds());
    }

    /// The check read from the blocks still catches a break: the long member's balance (+100 at
    /// step 1, −50 at step 2, from the blocks) cannot take a further `Decimal::MAX`, and the
    /// overflow is an error naming the balance, as walking the entries gives.
    #[test]
    fn conservation_from_the_blocks_still_catches_an_overflowing_balance() {
        use crate::engine::ledger::{checked_signed_sums, Party};
        let mut t = run(r#"{"version":1,"steps":3,"venue":{"style":"ccp","settlement":"variation_margin"},
            "instruments":[{"id":"F","price":{"initial":"100","points":[{"step":1,"price":"110"},{"step":2,"price":"105"}]}}],
            "accounts":[{"id":"long","cash":"1000","positions":[{"instrument":"F","size":"10"}]},
                        {"id":"short","cash":"1000","positions":[{"instrument":"F","size":"-10"}]}]}"#);
        let b = t.ledger.checked_balances().expect("balances");
        let long = b.iter().find(|((n, a), _)| &**n == "acct:long" && &**a == "USD").map(|(_, v)| *v);
        let walk = crate::engine::ledger::balances(&t.ledger);
        assert_eq!(long, walk.get(&("acct:long".to_string(), "USD".to_string())).copied());
        let asset: crate::engine::ledger::Name = "USD".into();
        t.ledger.record(3, Party::Acct(0), Party::Named("venue:settlement".into()), asset, rust_decimal::Decimal::MAX, "free text".to_string().into());
        let e = t.conservation().expect_err("the long member's balance overflows");
        assert!(e.to_string().contains("a ledger account's balance"), "{e}");
        assert!(checked_signed_sums(t.ledger.iter()).is_err());
    }

    /// Every way of reading the journal agrees with reading it in order: by index, by step,
    /// backwards, and a step's range; on examples whose accounts default, are liquidated and
    /// auctioned while variation margin settles.
    #[test]
    fn random_access_agrees_with_the_walk() {
        let names = ["cover-2", "default-auction", "exhausts-waterfall", "nasdaq-2018", "margin-covers", "physical-delivery", "vmgh book"];
        for name in names {
            let t = if name == "vmgh book" {
                // 300 accounts (blocks longer than a running count's stride), a crash, defaults
                // and the VM-gains haircut: the bench book of `spillway bench --waterfall=vmgh`.
                let s = crate::scenario::bench::strategy_book(300, 60, crate::scenario::bench::Strategy::by_id("vmgh").expect("vmgh")).expect("book");
                simulate(&s).expect("run")
            } else {
                let path = format!("{}/examples/{name}.json", env!("CARGO_MANIFEST_DIR"));
                run(&std::fs::read_to_string(&path).expect("example"))
            };
            let l = &t.ledger;
            assert!(l.is_vm_compact(), "{name}");
            let all: Vec<JournalEntry> = l.iter().collect();
            assert_eq!(all.len(), l.len(), "{name}");
            assert!(all.iter().any(|e| e.memo == *"variation margin"), "{name}");
            for (i, e) in all.iter().enumerate() {
                assert_eq!(l.get(i).as_ref(), Some(e), "{name} entry {i}");
                assert_eq!(l.step_of(i), Some(e.step), "{name} entry {i}");
            }
            let mut back: Vec<JournalEntry> = l.iter().rev().collect();
            back.reverse();
            assert_eq!(back, all, "{name}");
            for step in 0..=t.steps + 1 {
                let want: Vec<JournalEntry> = all.iter().filter(|e| e.step == step).cloned().collect();
                assert_eq!(l.at_step(step), want, "{name} step {step}");
                assert_eq!(l.count_through(step), all.iter().filter(|e| e.step <= step).count(), "{name} step {step}");
            }
            assert_eq!(l.get(all.len()), None);
            // The conservation check's balances, read from the blocks, are the walk's.
            let fast: std::collections::BTreeMap<(String, String), rust_decimal::Decimal> =
                l.checked_balances().expect("balances").into_iter().map(|((n, a), v)| ((n.to_string(), a.to_string()), v)).collect();
            assert_eq!(fast, crate::engine::ledger::balances(&all), "{name}");
            assert_eq!(l.checked_signed_sums().ok(), crate::engine::ledger::checked_signed_sums(&all).ok(), "{name}");
        }
    }
}

//! Linked venues and contagion links: validation and the order venues run in (issue 4
//! "Contagion": a list of links; cycles are an error).

use super::schema::*;
use super::{BookAccount, ValidationError};
use rust_decimal::Decimal;

/// Venue ids in scenario order: `main`, then each linked venue's id.
pub fn venue_ids(s: &Scenario) -> Vec<&str> {
    std::iter::once(MAIN_VENUE).chain(s.linked_venues.iter().map(|v| v.id.as_str())).collect()
}

/// The scenario of venue `k` (0 = the scenario itself).
pub fn venue_scenario(s: &Scenario, k: usize) -> Option<&Scenario> {
    if k == 0 {
        Some(s)
    } else {
        s.linked_venues.get(k - 1).map(|v| &v.scenario)
    }
}

/// Each linked venue's marks and σ paths as it runs: for the scenario's steps (venues run side by
/// side, so a shorter venue is stretched to them).
pub(super) fn linked_venue_paths(s: &Scenario) -> Result<Vec<super::price_path::Paths>, ValidationError> {
    let venue_paths = |v: &Scenario| -> Result<_, ValidationError> {
        if v.steps == s.steps {
            super::price_path::paths(v)
        } else {
            super::price_path::paths(&Scenario { steps: s.steps, ..v.clone() })
        }
    };
    s.linked_venues
        .iter()
        .enumerate()
        .map(|(i, v)| venue_paths(&v.scenario).map_err(|e| ValidationError { path: format!("linked_venues[{i}].scenario.{}", e.path), message: e.message }))
        .collect()
}

/// Check the linked venues and links; errors name the field path.
pub fn validate(s: &Scenario) -> Vec<ValidationError> {
    prepare_venues(s).0
}

/// Check the linked venues and links, and expand each linked venue's accounts (in
/// `linked_venues` order; complete only when there is no error).
pub(super) fn prepare_venues(s: &Scenario) -> (Vec<ValidationError>, Vec<Vec<BookAccount>>) {
    let mut e = Vec::new();
    let mut venues = Vec::with_capacity(s.linked_venues.len());
    let mut push = |path: String, message: String| e.push(ValidationError { path, message });
    if s.linked_venues.is_empty() && s.contagion.is_empty() {
        return (e, venues);
    }
    let ids = venue_ids(s);
    for (i, v) in s.linked_venues.iter().enumerate() {
        let p = format!("linked_venues[{i}]");
        if v.id.trim().is_empty() {
            push(format!("{p}.id"), "must not be empty".into());
        } else if v.id == MAIN_VENUE {
            push(format!("{p}.id"), format!("`{MAIN_VENUE}` is the scenario's own venue; pick another id"));
        } else if ids.iter().take(i + 1).any(|x| *x == v.id) {
            push(format!("{p}.id"), format!("duplicate venue id `{}`", v.id));
        }
        let inner = &v.scenario;
        if !inner.linked_venues.is_empty() || !inner.contagion.is_empty() {
            push(format!("{p}.scenario"), "a linked venue cannot link venues of its own; list every venue and link at the top".into());
        }
        if inner.venue.quote != s.venue.quote {
            push(format!("{p}.scenario.venue.quote"), format!("must be {} like the scenario's venue: losses pass between venues without conversion (got {})", s.venue.quote, inner.venue.quote));
        }
        // A linked venue runs for the scenario's steps (engine/contagion.rs): check what runs
        // (its own `steps`, when out of range, is reported as it is).
        let stretched;
        let inner = if inner.steps == s.steps || !(1..=super::validate::MAX_STEPS).contains(&inner.steps) {
            inner
        } else {
            stretched = Scenario { steps: s.steps, ..inner.clone() };
            &stretched
        };
        match super::prepare(inner) {
            Ok(prepared) => venues.push(prepared.into_accounts()),
            Err(errs) => {
                for x in errs {
                    push(if x.path.is_empty() { format!("{p}.scenario") } else { format!("{p}.scenario.{}", x.path) }, x.message);
                }
            }
        }
    }
    for (i, l) in s.contagion.iter().enumerate() {
        let p = format!("contagion[{i}]");
        let from = ids.iter().position(|x| *x == l.from);
        let to = ids.iter().position(|x| *x == l.to);
        if from.is_none() {
            push(format!("{p}.from"), format!("no venue `{}` (venues: {})", l.from, ids.join(", ")));
        }
        match to.and_then(|k| venue_scenario(s, k)) {
            None => push(format!("{p}.to"), format!("no venue `{}` (venues: {})", l.to, ids.join(", "))),
            Some(target) if !target.accounts.iter().any(|a| a.id == l.account) => {
                push(format!("{p}.account"), format!("no account `{}` on venue `{}`", l.account, l.to))
            }
            Some(_) => {}
        }
        if l.share <= Decimal::ZERO || l.share > Decimal::ONE {
            push(format!("{p}.share"), format!("must be above 0 and at most 1 (got {})", l.share));
        } else if super::domain::too_many_places(l.share, super::domain::RATE_DP) {
            push(format!("{p}.share"), format!("at most {} decimal places (got {})", super::domain::RATE_DP, l.share));
        }
        if l.delay > s.steps {
            push(format!("{p}.delay"), format!("must be at most the scenario's steps ({}) (got {})", s.steps, l.delay));
        }
        if l.source == ContagionSource::VaultHaircut {
            if let Some(src) = from.and_then(|k| venue_scenario(s, k)) {
                if !src.waterfall.iter().any(|x| matches!(x, LayerSpec::LpVaultHaircut { .. })) {
                    push(format!("{p}.source"), format!("venue `{}` has no LP-vault layer in its waterfall", l.from));
                }
            }
        }
    }
    if e.is_empty() {
        if let Err(cycle) = venue_order(s) {
            e.push(cycle);
        }
    }
    (e, venues)
}

/// Venue indices (0 = main) so that every link's source runs before its target; a cycle is an
/// error naming the venues on it. Ties keep scenario order (deterministic).
pub fn venue_order(s: &Scenario) -> Result<Vec<usize>, ValidationError> {
    let ids = venue_ids(s);
    let n = ids.len();
    let idx = |id: &str| ids.iter().position(|x| *x == id);
    let mut edges: Vec<(usize, usize, usize)> = Vec::new();
    for (i, l) in s.contagion.iter().enumerate() {
        if let (Some(a), Some(b)) = (idx(&l.from), idx(&l.to)) {
            edges.push((a, b, i));
        }
    }
    let mut indegree = vec![0usize; n];
    for &(_, b, _) in &edges {
        if let Some(d) = indegree.get_mut(b) {
            *d += 1;
        }
    }
    let mut order = Vec::with_capacity(n);
    let mut done = vec![false; n];
    while order.len() < n {
        let Some(next) = (0..n).find(|&k| !done[k] && indegree[k] == 0) else { break }; // ok: k < n
        done[next] = true; // ok: next < n
        order.push(next);
        for &(a, b, _) in &edges {
            if a == next {
                indegree[b] -= 1; // ok: b < n, counted above
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Walk back along unfinished edges from an unfinished venue until a venue repeats.
    let first_link = edges.iter().find(|&&(a, b, _)| !done[a] && !done[b]).map(|e| e.2).unwrap_or(0); // ok: indices < n
    let mut path = vec![(0..n).find(|&k| !done[k]).unwrap_or(0)]; // ok: k < n
    loop {
        let cur = *path.last().unwrap_or(&0);
        let Some(&(_, b, _)) = edges.iter().find(|&&(a, b, _)| a == cur && !done[b]) else { break }; // ok: b < n
        if let Some(pos) = path.iter().position(|&x| x == b) {
            let mut names: Vec<&str> = path[pos..].iter().map(|&k| ids[k]).collect(); // ok: k < n
            names.push(ids[b]); // ok: b < n
            return Err(ValidationError {
                path: format!("contagion[{first_link}]"),
                message: format!("the links form a cycle: {}; a loss would pass round forever", names.join(" → ")),
            });
        }
        path.push(b);
    }
    Err(ValidationError { path: "contagion".into(), message: "the links form a cycle".into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn venue(id: &str, account: &str) -> LinkedVenue {
        let mut s = Scenario { steps: 5, ..Default::default() };
        s.instruments.push(Instrument { id: "X".into(), price: PricePath { initial: Decimal::from(100), ..Default::default() }, ..Default::default() });
        s.accounts.push(AccountSpec { id: account.into(), cash: Decimal::from(100), ..Default::default() });
        LinkedVenue { id: id.into(), scenario: s }
    }

    fn link(from: &str, to: &str, account: &str) -> ContagionLink {
        ContagionLink { from: from.into(), to: to.into(), account: account.into(), ..Default::default() }
    }

    fn system() -> Scenario {
        let mut s = venue("x", "m").scenario;
        s.linked_venues = vec![venue("a", "fa"), venue("b", "fb")];
        s
    }

    #[test]
    fn links_run_sources_before_targets() {
        let mut s = system();
        s.contagion = vec![link("b", "a", "fa"), link("main", "b", "fb")];
        assert!(validate(&s).is_empty(), "{:?}", validate(&s));
        assert_eq!(venue_order(&s).unwrap(), vec![0, 2, 1]);
    }

    #[test]
    fn a_cycle_is_an_error_naming_its_venues() {
        let mut s = system();
        s.contagion = vec![link("main", "a", "fa"), link("a", "b", "fb"), link("b", "main", "m")];
        let errs = validate(&s);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].path, "contagion[0]");
        assert!(errs[0].message.contains("main → a → b → main"), "{}", errs[0].message);
        // A venue linked to itself is the shortest cycle.
        s.contagion = vec![link("a", "a", "fa")];
        assert!(validate(&s)[0].message.contains("a → a"), "{:?}", validate(&s));
    }

    #[test]
    fn bad_links_name_their_field() {
        let mut s = system();
        s.contagion = vec![ContagionLink { share: Decimal::from(2), ..link("nowhere", "a", "ghost") }];
        let paths: Vec<String> = validate(&s).into_iter().map(|e| e.path).collect();
        assert_eq!(paths, vec!["contagion[0].from", "contagion[0].account", "contagion[0].share"]);
        s.contagion = vec![ContagionLink { source: ContagionSource::VaultHaircut, ..link("a", "b", "fb") }];
        assert_eq!(validate(&s)[0].path, "contagion[0].source");
        s.contagion.clear();
        s.linked_venues[1].id = "main".into();
        s.linked_venues[0].scenario.venue.quote = "EUR".into();
        let paths: Vec<String> = validate(&s).into_iter().map(|e| e.path).collect();
        assert_eq!(paths, vec!["linked_venues[0].scenario.venue.quote", "linked_venues[1].id"]);
    }
}

#![cfg(not(target_arch = "wasm32"))]
//! Scenario links: golden v1 corpus, size budgets, round-trip property and fuzzing.

use proptest::prelude::*;
use rust_decimal::Decimal;
use spillway::scenario::codec::{self, CodecError};
use spillway::scenario::{self, presets, AccountSpec, LayerSpec, PositionSpec, Role, Scenario};
use std::path::{Path, PathBuf};

/// Every link the app writes must fit browsers, chat apps and QR codes.
const LINK_BUDGET: usize = 2_000;
/// A preset with one tweak should stay short enough to read aloud-ish and paste anywhere.
const PRESET_TWEAK_BUDGET: usize = 200;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/v1")
}

fn dec(mantissa: i64, scale: u32) -> Decimal {
    Decimal::new(mantissa, scale)
}

/// A 20-account teaching scenario with explicit accounts (no cohorts): ten longs, ten shorts.
fn teaching_20() -> Scenario {
    let names = [
        "Ada", "Bela", "Chen", "Dara", "Emil", "Fatou", "Goran", "Hana", "Ines", "Jonas", "Kofi", "Lena", "Mateo",
        "Nour", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tove",
    ];
    let mut s: Scenario = scenario::from_json(
        r#"{"version":1,"name":"Twenty traders, one gap","description":"A 25% gap down liquidates the most leveraged longs beyond bankruptcy; the insurance fund pays, then profitable shorts are auto-deleveraged.",
            "seed":7,"steps":40,
            "venue":{"name":"Teaching exchange","insurance_fund":"15000","liquidation_fee":"0.01"},
            "instruments":[{"id":"BTC-PERP","tick_size":"0.5","lot_size":"0.001",
              "margin":{"initial":"0.05","maintenance":"0.025"},"funding_rate":"0.0001",
              "price":{"initial":"60000","points":[{"step":10,"price":"61200"},{"step":40,"price":"58000"}],
                       "shocks":[{"step":12,"change":"-0.25"}]}}],
            "accounts":[{"id":"x","cash":"1","positions":[{"instrument":"BTC-PERP","size":"1"}]},
                        {"id":"y","cash":"1","positions":[{"instrument":"BTC-PERP","size":"-1"}]}]}"#,
    )
    .expect("base teaching scenario is valid");
    s.accounts = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let k = i as i64;
            let long = i < 10;
            let size = dec(250 + 137 * (k % 10), 3); // 0.250 .. 1.483 BTC
            AccountSpec {
                id: format!("t{:02}", i + 1),
                name: (*name).to_string(),
                role: if i == 19 { Role::MarketMaker } else { Role::Trader },
                cash: dec(1_500 + 733 * k + 17 * k * k, 0),
                positions: vec![PositionSpec {
                    instrument: "BTC-PERP".into(),
                    size: if long { size } else { -size },
                    entry_price: (i % 3 == 0).then(|| dec(59_000 + 150 * k, 0)),
                    isolated_margin: None,
                }],
                reserves: if i % 4 == 0 { dec(5_000, 0) } else { Decimal::ZERO },
                ..AccountSpec::default()
            }
        })
        .collect();
    s.waterfall = vec![LayerSpec::DefaulterMargin, LayerSpec::InsuranceFund, LayerSpec::AutoDeleverage];
    if let Err(e) = scenario::validate(&s) {
        panic!("teaching scenario invalid: {e:?}");
    }
    s
}

/// A handmade scenario with two instruments, an asset, a cohort and a varied waterfall.
fn handmade_with_cohort() -> Scenario {
    let s = scenario::from_json(
        r#"{"version":1,"name":"Handmade: cohort <b>&</b> \"quotes\" ü","description":"Golden corpus sample.",
            "seed":18446744073709551615,"steps":25,
            "venue":{"name":"H","style":"ccp","settlement":"variation_margin","quote":"EUR","insurance_fund":"1000.50",
                     "partial_liquidation":true,"margin_call_grace":2,"auction_discount":"0.03","max_slippage":"0.2"},
            "assets":[{"id":"BTC","price":"30000","follows":"BTC-FUT","haircut":"0.1"}],
            "instruments":[
              {"id":"BTC-FUT","contract_size":"0.1","tick_size":"1","lot_size":"1","margin":{"tiers":[
                 {"floor":"0","initial":"0.1","maintenance":"0.05"},{"floor":"1000000","initial":"0.2","maintenance":"0.1","maintenance_amount":"50000"}]},
               "expiry":{"step":20,"settlement":"physical","buy_in_penalty":"0.05"},"underlying":"BTC",
               "price":{"initial":"30000","gbm":{"drift":"0","volatility":"0.03"}},"counterparty":"house"},
              {"id":"ETH-FUT","tick_size":"0.1","lot_size":"0.01","price":{"initial":"2000","gbm":{"drift":"-0.001","volatility":"0.04"}}}],
            "correlation":[["1","0.6"],["0.6","1"]],
            "accounts":[
              {"id":"house","name":"House","role":"venue","cash":"1000000"},
              {"id":"m1","role":"member","margin_mode":"isolated","cash":"50000","collateral":[{"asset":"BTC","amount":"1.5"}],
               "positions":[{"instrument":"ETH-FUT","size":"10","entry_price":"1990","isolated_margin":"3000"}],"fund_contribution":"10000"},
              {"id":"m2","role":"member","cash":"40000","positions":[{"instrument":"ETH-FUT","size":"-10"}],"fund_contribution":"8000","reserves":"20000"}],
            "cohorts":[{"id":"retail","name":"Retail longs","count":50,"instrument":"BTC-FUT","side":"long","notional_median":"5000",
                        "notional_sigma":"0.8","leverage_min":"3","leverage_max":"25","seed":42}],
            "waterfall":[{"kind":"defaulter_margin"},{"kind":"defaulter_fund_contribution"},
              {"kind":"skin_in_the_game","tranche":"junior","amount":"5000"},{"kind":"insurance_fund"},{"kind":"survivors_fund"},
              {"kind":"skin_in_the_game","tranche":"senior","amount":"20000"},{"kind":"assessment","cap_multiple":"2","max_calls":3},
              {"kind":"variation_margin_haircut","max_steps":2},{"kind":"socialized_loss"},{"kind":"tear_up"}]}"#,
    );
    s.unwrap_or_else(|e| panic!("handmade scenario invalid: {e:?}"))
}

type Tweak = (&'static str, fn(&mut Scenario));

/// Named one-field tweaks that keep a scenario valid.
fn tweaks() -> Vec<Tweak> {
    vec![
        ("insurance fund ×2+1", |s| s.venue.insurance_fund = s.venue.insurance_fund * dec(2, 0) + Decimal::ONE),
        ("first shock deeper", |s| {
            if let Some(sh) = s.instruments.get_mut(0).and_then(|i| i.price.shocks.get_mut(0)) {
                sh.change = (sh.change - dec(5, 2)).max(dec(-95, 2));
            } else if let Some(i) = s.instruments.get_mut(0) {
                i.price.initial += Decimal::ONE;
            }
        }),
        ("first account cash +10%", |s| {
            if let Some(a) = s.accounts.get_mut(0) {
                a.cash *= dec(11, 1);
            }
        }),
        ("last account reserves", |s| {
            if let Some(a) = s.accounts.last_mut() {
                a.reserves += dec(123_456, 0);
            }
        }),
        ("maintenance margin", |s| {
            if let Some(i) = s.instruments.get_mut(0) {
                i.margin.initial += dec(1, 2);
                i.margin.maintenance += dec(1, 2);
            }
        }),
        ("ten more steps", |s| s.steps += 10),
        ("seed", |s| s.seed = s.seed.wrapping_mul(31).wrapping_add(7)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Size budgets.

#[test]
fn teaching_scenario_fits_the_budget() {
    let s = teaching_20();
    let json = serde_json::to_string(&s).unwrap();
    for step in [None, Some(12)] {
        let link = codec::encode(&s, step);
        assert!(link.starts_with("v1.s."), "an unrelated scenario must not depend on a preset");
        println!("20-account teaching scenario: JSON {} B → link {} chars (step {step:?})", json.len(), link.len());
        assert!(link.len() < LINK_BUDGET, "{} chars: {link}", link.len());
        assert_eq!(codec::decode(&link).unwrap().scenario, s);
    }
    let h = handmade_with_cohort();
    let link = codec::encode(&h, Some(3));
    println!("handmade scenario with a 50-account cohort: link {} chars", link.len());
    assert!(link.len() < LINK_BUDGET);
}

#[test]
fn every_preset_with_one_tweak_is_short() {
    let mut worst = 0;
    for p in presets::all() {
        let plain = codec::encode(&p.scenario, None);
        println!("{:<24} as is: {:>3} chars  {plain}", p.id, plain.len());
        assert!(plain.starts_with(&format!("v1.p.{}.", presets::link_key(p.id))), "{plain}");
        for (name, tweak) in tweaks() {
            let mut s = p.scenario.clone();
            tweak(&mut s);
            if let Err(e) = scenario::validate(&s) {
                panic!("tweak {name} on {} is invalid: {e:?}", p.id);
            }
            let link = codec::encode(&s, Some(s.steps / 2));
            println!("{:<24} {name:<24} {:>3} chars", p.id, link.len());
            assert!(link.len() < PRESET_TWEAK_BUDGET, "{} + {name}: {} chars: {link}", p.id, link.len());
            assert_eq!(codec::decode(&link).unwrap().scenario, s);
            worst = worst.max(link.len());
        }
    }
    println!("longest preset-with-one-tweak link: {worst} chars (budget {PRESET_TWEAK_BUDGET})");
}

// ---------------------------------------------------------------------------------------------
// Golden corpus: every v1 link ever written must keep opening the same scenario.

/// Every preset has its link in the corpus, so a later change to a preset's content is caught.
/// A new preset's link is recorded with SPILLWAY_WRITE_GOLDEN=1 (existing files are never
/// rewritten: they are the links people shared).
#[test]
fn every_preset_has_a_golden_link() {
    let dir = golden_dir();
    let write = std::env::var_os("SPILLWAY_WRITE_GOLDEN").is_some();
    for p in presets::all() {
        // Under its link key: a re-told preset's links carry a new key (`presets::link_key`).
        let txt = dir.join(format!("preset-{}.txt", presets::link_key(p.id)));
        if txt.exists() {
            continue;
        }
        assert!(write, "preset {} has no golden link: rerun with SPILLWAY_WRITE_GOLDEN=1 to record it", p.id);
        std::fs::write(&txt, codec::encode(&p.scenario, None) + "\n").unwrap();
        std::fs::write(txt.with_extension("json"), scenario::to_json(&p.scenario) + "\n").unwrap();
    }
}

#[test]
fn golden_links_keep_decoding_to_the_same_scenario() {
    let dir = golden_dir();
    let mut links = 0;
    let mut kinds = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for txt in entries.iter().filter(|p| p.extension().is_some_and(|e| e == "txt")) {
        let name = txt.file_stem().unwrap().to_string_lossy().to_string();
        let link = std::fs::read_to_string(txt).unwrap();
        let link = link.trim_end_matches('\n');
        let json = txt.with_extension("json");
        let err = txt.with_extension("err");
        if json.exists() {
            let want: Scenario = serde_json::from_str(&std::fs::read_to_string(&json).unwrap())
                .unwrap_or_else(|e| panic!("{name}.json no longer parses as a Scenario: {e}"));
            let got = codec::decode(link).unwrap_or_else(|e| panic!("golden link {name} no longer opens: {e}"));
            if got.scenario != want {
                let why = match &got.preset {
                    Some(id) => format!(
                        " It builds on preset `{id}`: if that preset's content changed, every shared link that \
                         tweaks it now opens a different scenario. Keep the preset as it was (give the new \
                         version a new id) rather than regenerating this file."
                    ),
                    None => String::new(),
                };
                panic!("golden link {name} now decodes to a different scenario.{why}");
            }
            links += 1;
        } else if err.exists() {
            let want = std::fs::read_to_string(&err).unwrap().trim().to_string();
            let got = codec::decode(link).map(|_| ()).expect_err(&format!("{name} should fail"));
            assert_eq!(got.kind(), want, "{name}: {got}");
            println!("{name}: {got}");
            kinds.push(want);
        } else {
            panic!("{name}.txt has neither {name}.json nor {name}.err next to it");
        }
    }
    println!("{links} golden links decode as recorded; {} fail as recorded", kinds.len());
    assert!(links >= presets::ids().len() + 2, "the corpus lost links: {links}");
    for kind in ["damaged", "future_version", "truncated"] {
        assert!(kinds.iter().any(|k| k == kind), "no golden {kind} link");
    }
}

/// Writes the corpus: `cargo test --test codec_golden -- --ignored write_golden_corpus`. Once links
/// are in the wild, only ever add files; never rewrite one to make the golden test pass.
#[test]
#[ignore]
fn write_golden_corpus() {
    let dir = golden_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let write_ok = |name: &str, link: &str, s: &Scenario| {
        assert_eq!(&codec::decode(link).unwrap().scenario, s);
        std::fs::write(dir.join(format!("{name}.txt")), format!("{link}\n")).unwrap();
        std::fs::write(dir.join(format!("{name}.json")), format!("{}\n", scenario::to_json(s))).unwrap();
    };
    let write_err = |name: &str, link: &str, kind: &str| {
        assert_eq!(codec::decode(link).map(|_| ()).unwrap_err().kind(), kind);
        std::fs::write(dir.join(format!("{name}.txt")), format!("{link}\n")).unwrap();
        std::fs::write(dir.join(format!("{name}.err")), format!("{kind}\n")).unwrap();
    };
    for p in presets::all() {
        write_ok(&format!("preset-{}", p.id), &codec::encode(&p.scenario, None), &p.scenario);
    }
    let mut s = presets::by_id("reaches-default-fund").unwrap().scenario;
    s.accounts[1].fund_contribution = dec(45_000_000, 0);
    s.waterfall.retain(|l| !matches!(l, LayerSpec::Assessment { .. }));
    let tweaked = codec::encode(&s, Some(7));
    assert!(tweaked.starts_with("v1.p.reaches-default-fund.s7."));
    write_ok("preset-tweak-step", &tweaked, &s);
    let t = teaching_20();
    write_ok("teaching-20-accounts", &codec::encode(&t, Some(12)), &t);
    let h = handmade_with_cohort();
    let full = codec::encode(&h, None);
    assert!(full.starts_with("v1.s."));
    write_ok("handmade-cohort", &full, &h);

    // Damaged: one payload character changed in the middle.
    let mut damaged: Vec<char> = tweaked.chars().collect();
    let mid = tweaked.len() - 20;
    damaged[mid] = if damaged[mid] == 'A' { 'B' } else { 'A' };
    write_err("damaged-one-char", &damaged.into_iter().collect::<String>(), "damaged");
    write_err("truncated", &full[..full.len() * 2 / 3], "truncated");
    write_err("future-version", &format!("v2{}", &full[2..]), "future_version");
    write_err("not-a-link", "section-2", "not_a_link");
}

// ---------------------------------------------------------------------------------------------
// Properties.

fn all_presets() -> Vec<Scenario> {
    presets::all().into_iter().map(|p| p.scenario).collect()
}

/// Presets plus the two handmade scenarios, so both link forms are exercised.
fn bases() -> Vec<Scenario> {
    let mut v = all_presets();
    v.push(teaching_20());
    v.push(handmade_with_cohort());
    v
}

/// One valid numeric tweak: (field selector, random value).
fn apply_tweak(s: &mut Scenario, field: u8, x: u64) {
    let amount = Decimal::new((x % 1_000_000_000_000) as i64, (x % 7) as u32);
    let n = s.accounts.len().max(1);
    match field % 11 {
        10 => {
            // Two new accounts with opposite copies of an existing book keep open interest balanced.
            if let Some(a) = s.accounts.get(x as usize % n).cloned() {
                let k = s.accounts.len();
                let mut long = a.clone();
                long.id = format!("new-{k}-a");
                long.cash = amount;
                let mut short = a;
                short.id = format!("new-{k}-b");
                short.positions.iter_mut().for_each(|p| p.size = -p.size);
                s.accounts.push(long);
                s.accounts.push(short);
            }
        }
        0 => s.venue.insurance_fund = amount,
        1 => {
            if let Some(a) = s.accounts.get_mut(x as usize % n) {
                a.cash = amount;
            }
        }
        2 => {
            if let Some(a) = s.accounts.get_mut(x as usize % n) {
                a.fund_contribution = amount;
            }
        }
        3 => {
            if let Some(a) = s.accounts.get_mut(x as usize % n) {
                a.reserves = amount;
            }
        }
        4 => s.seed = x,
        5 => s.steps = s.steps.saturating_add((x % 50) as u32),
        6 => s.venue.liquidation_fee = Decimal::new((x % 1001) as i64, 3),
        7 => {
            if let Some(i) = s.instruments.get_mut(0) {
                i.price.initial = amount + Decimal::new(1, 2);
            }
        }
        8 => {
            if let Some(sh) = s.instruments.get_mut(0).and_then(|i| i.price.shocks.get_mut(0)) {
                sh.change = Decimal::new(-((x % 99) as i64), 2);
            }
        }
        _ => s.venue.margin_call_grace = (x % 10) as u32,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn round_trip_is_identity(preset in 0usize..64, edits in proptest::collection::vec((any::<u8>(), any::<u64>()), 0..5), step in any::<u32>()) {
        let bases = bases();
        let mut s = bases[preset % bases.len()].clone();
        for (field, x) in edits {
            apply_tweak(&mut s, field, x);
        }
        prop_assume!(scenario::validate(&s).is_ok());
        let step = (step % 3 != 0).then(|| step % (s.steps + 1));
        let link = codec::encode(&s, step);
        let back = codec::decode(&link);
        prop_assert!(back.is_ok(), "{link}: {:?}", back.err());
        let back = back.unwrap();
        prop_assert_eq!(&back.scenario, &s);
        prop_assert_eq!(back.step, step);
    }

    #[test]
    fn random_strings_never_panic(text in any::<String>()) {
        let _ = codec::decode(&text);
        let _ = codec::decode(&format!("v1.s.{text}"));
        let _ = codec::decode(&format!("v1.p.margin-covers.{text}"));
    }

    #[test]
    fn mutated_links_never_panic_and_never_open_silently_changed(
        preset in 0usize..64,
        edits in proptest::collection::vec((0usize..4096, any::<u8>(), 0u8..4), 1..4),
    ) {
        let presets = all_presets();
        let s = &presets[preset % presets.len()];
        let link = codec::encode(s, Some(1));
        let mut bytes = link.clone().into_bytes();
        for (pos, byte, op) in edits {
            let i = pos % (bytes.len() + 1);
            match op {
                0 if i < bytes.len() => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                2 if i < bytes.len() => { bytes.remove(i); }
                _ => bytes.truncate(i),
            }
        }
        let text = String::from_utf8_lossy(&bytes).to_string();
        match codec::decode(&text) {
            // Only a no-op mutation, or one the checksum cannot see (whitespace, a '#' prefix),
            // may open; it must open the same scenario.
            Ok(shared) => prop_assert_eq!(&shared.scenario, s, "{} opened as something else", text),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

#[test]
fn every_error_message_is_plain_text() {
    // Hostile input is never echoed raw: the preset name is restricted to [a-z0-9-].
    let e = codec::decode("v1.p.<script>alert(1)</script>.AAAA").unwrap_err();
    assert_eq!(e.kind(), "damaged");
    assert!(!e.to_string().contains('<'), "{e}");
    assert!(matches!(codec::decode("v9.s.AAAA"), Err(CodecError::FutureVersion(9))));
    assert!(codec::decode("v9.s.AAAA").unwrap_err().to_string().contains("made with a newer Spillway"));
}

/// Issue 19: a re-told preset is linked under a new key; a link made before it was re-told still
/// opens the scenario it was made from (its earlier content, frozen), without the new story.
#[test]
fn retold_presets_keep_their_old_links() {
    for id in ["nasdaq-2018", "bitmex-2020", "okx-2018", "mango-2022", "lme-nickel-2022", "hyperliquid-jelly-2025", "reaches-default-fund"] {
        let key = presets::link_key(id);
        assert_ne!(key, id, "{id} is re-told: a new key");
        let (now, s) = presets::by_link_key(key).unwrap();
        assert_eq!(now, Some(id));
        assert_eq!(s, presets::by_id(id).unwrap().scenario);
        let (before, old) = presets::by_link_key(id).unwrap();
        assert_eq!(before, None, "{id}: the earlier version has no current story");
        assert_ne!(old, s, "{id}: the earlier content is kept as it was");
        scenario::validate(&old).unwrap();
    }
    assert_eq!(presets::link_key("margin-covers"), "margin-covers");
}

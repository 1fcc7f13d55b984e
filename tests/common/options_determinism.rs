//! Shared by the native and the in-browser determinism tests of the option models: exp, ln, the
//! normal CDF, Black-76 and a portfolio grid must give the same bits natively and in WebAssembly
//! (one pure-Rust implementation, only IEEE-exact f64 operations; engine/options/normal.rs).

use spillway::engine::options::black76::{Black76, OptionKind, PremiumIn};
use spillway::engine::options::normal::{exp, ln, norm_cdf};
use spillway::engine::options::scenario_grid::{grid_margin, Book, GridParams, Leg};

/// The digest recorded natively; the browser test must reproduce it.
pub const DIGEST: &str = include_str!("../golden/determinism/options_digest.txt");

fn fnv(h: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *h ^= *b as u64;
        *h = h.wrapping_mul(0x100000001b3);
    }
}

/// FNV-1a over the bits of 6,000 function values, 400 option valuations and one grid margin.
pub fn digest() -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    let mut n = 0u32;
    for i in 0..2000 {
        let x = (i as f64 - 1000.0) * 0.0137;
        for y in [exp(x), ln(x.abs() + 1e-3), norm_cdf(x * 0.7)] {
            fnv(&mut h, &y.to_bits().to_le_bytes());
            n += 1;
        }
    }
    for i in 0..200 {
        for kind in [OptionKind::Call, OptionKind::Put] {
            let o = Black76 { kind, forward: 60000.0, strike: 20000.0 + 500.0 * i as f64, years: (1 + i % 90) as f64 / 365.0, sigma: 0.2 + 0.01 * (i % 80) as f64, rate: 0.0 };
            let g = o.greeks().expect("valid inputs");
            for y in [g.price, g.delta, g.gamma, g.vega, g.theta] {
                fnv(&mut h, &y.to_bits().to_le_bytes());
            }
        }
    }
    let book = Book {
        unit: PremiumIn::Coin,
        index: 60000.0,
        legs: vec![
            Leg::Option { qty: "-1".parse().unwrap(), kind: OptionKind::Call, strike: 65000.0, forward: 60000.0, days: 30.0, sigma: 0.6 },
            Leg::Option { qty: "2.5".parse().unwrap(), kind: OptionKind::Put, strike: 52000.0, forward: 60000.0, days: 9.0, sigma: 0.75 },
            Leg::Future { qty: "0.315".parse().unwrap(), forward: 60000.0, month: 0 },
        ],
    };
    let m = grid_margin(&GridParams::deribit_pm(), &book).expect("grid margin");
    for s in &m.scenarios {
        fnv(&mut h, s.counted.to_string().as_bytes());
    }
    fnv(&mut h, format!("{} {} {}", m.worst, m.initial, m.maintenance).as_bytes());
    format!("{h:016x} {n} values")
}

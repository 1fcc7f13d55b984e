//! Which steps a time chart's x-axis labels (drawing, not money). Pure, so it is tested natively
//! (`lib.rs` compiles this file for the native tests too).
//!
//! Steps are whole numbers: a label at 0.5 printed "0" beside the one at 0 (issue 19: a run of 4
//! steps read "0 0 1 2 2 2 3"). The labels go at multiples of a round stride (1, 2, 5 × 10^k),
//! the smallest that keeps them within the room the axis has.

/// The labelled steps of an axis from 0 to `steps`, at most `max_labels` of them (room for 3 at least):
/// 0, s, 2s, … ≤ `steps` for the smallest stride `s` in 1, 2, 5, 10, 20, 50, … that fits; and
/// the grid's lighter lines between them (whole steps at a fifth or a half of the stride, when
/// those are whole; none at stride 1). Every label distinct and a whole step.
pub fn step_ticks(steps: u32, max_labels: u32) -> (Vec<u32>, Vec<u32>) {
    let max = u64::from(max_labels.max(3));
    let n = u64::from(steps);
    // Strides 1, 2, 5, 10, 20, 50, …: the first that gives `max` labels or fewer.
    let (mut stride, mut decade, mut k) = (1u64, 1u64, 0usize);
    while n / stride + 1 > max {
        k = (k + 1) % 3;
        if k == 0 {
            decade = decade.saturating_mul(10);
        }
        stride = decade.saturating_mul([1, 2, 5][k]); // ok: k < 3
    }
    let labels: Vec<u32> = (0..=n / stride).filter_map(|i| u32::try_from(i * stride).ok()).collect();
    let light_every = if stride % 5 == 0 { stride / 5 } else if stride % 2 == 0 { stride / 2 } else { stride };
    let light: Vec<u32> = if light_every == stride {
        Vec::new()
    } else {
        (0..=n / light_every).map(|i| i * light_every).filter(|x| x % stride != 0).filter_map(|x| u32::try_from(x).ok()).collect()
    };
    (labels, light)
}

#[cfg(test)]
mod tests {
    use super::step_ticks;

    /// By hand, with room for 10 labels: 1 step → 0 1; 2 → 0 1 2; 4 → 0 1 2 3 4 (was
    /// "0 0 1 2 2 2 3"); 10 → 0 … 10 is 11 labels, one too many: stride 2, 0 2 4 6 8 10, light
    /// lines at the odd steps; 1,000 → stride 100 is 11, so 200: 0 200 … 1000, light every 40.
    #[test]
    fn labels_are_whole_distinct_steps_for_any_length() {
        assert_eq!(step_ticks(1, 10).0, vec![0, 1]);
        assert_eq!(step_ticks(2, 10).0, vec![0, 1, 2]);
        assert_eq!(step_ticks(4, 10), (vec![0, 1, 2, 3, 4], vec![]));
        assert_eq!(step_ticks(10, 10), (vec![0, 2, 4, 6, 8, 10], vec![1, 3, 5, 7, 9]));
        let (l, light) = step_ticks(1000, 10);
        assert_eq!(l, vec![0, 200, 400, 600, 800, 1000]);
        assert_eq!(light.len(), 20); // 40, 80, 120, 160, 240, … (25 fifths, less the 5 on labels past 0)
        assert_eq!(step_ticks(0, 10).0, vec![0]);
        // Narrow: room for 3 labels (fewer asked: 3): 4 steps → 0 2 4; 7 → 0 5.
        assert_eq!(step_ticks(4, 1).0, vec![0, 2, 4]);
        assert_eq!(step_ticks(7, 3).0, vec![0, 5]);
        for steps in 0..=2000 {
            for max in [1, 3, 5, 10] {
                let (l, _) = step_ticks(steps, max);
                assert!(l.len() as u32 <= max.max(3) && !l.is_empty(), "{steps} {max}: {l:?}");
                assert!(l.windows(2).all(|w| w[0] < w[1]), "distinct: {steps} {max}");
            }
        }
    }
}

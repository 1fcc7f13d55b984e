//! Virtualized lists (accounts, ledger): which rows of a fixed-row-height list the DOM holds.

/// Rows kept above and below the view, for scrolling (each costs text updates on every step).
const OVERSCAN: usize = 3;

/// The rows a list of `row_px`-high rows in a `view_px`-high box holds at a scroll offset, as
/// (first, count): those in view (a partly scrolled one too) and the overscan on each side (none
/// above the first row: at the top, all rows held are in view or just below it).
pub fn rows_held(scroll_top: f64, row_px: f64, view_px: f64) -> (usize, usize) {
    let top = (scroll_top.max(0.0) / row_px) as usize;
    let first = top.saturating_sub(OVERSCAN);
    (first, top + (view_px / row_px).ceil() as usize + 1 + OVERSCAN - first)
}

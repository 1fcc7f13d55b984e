//! Performance measures for the e2e figures (issue 5): work the app moves out of a step's own frame
//! (the tables, one and two frames later; the chart redraw after them) reports itself, so the
//! figures still cover it.

/// A performance measure named `name` from its creation until it is dropped (a PerformanceObserver
/// sees it; the buffer is cleared at once, so nothing accumulates). It may be moved into a later
/// task, to cover the frame that renders what it started.
pub struct Measure {
    name: &'static str,
}

impl Measure {
    pub fn new(name: &'static str) -> Self {
        if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
            let _ = p.mark(&format!("{name}:start"));
        }
        Measure { name }
    }
}

impl Drop for Measure {
    fn drop(&mut self) {
        if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
            let (start, end) = (format!("{}:start", self.name), format!("{}:end", self.name));
            let _ = p.mark(&end);
            let _ = p.measure_with_start_mark_and_end_mark(self.name, &start, &end);
            p.clear_marks_with_mark_name(&start);
            p.clear_marks_with_mark_name(&end);
            p.clear_measures_with_measure_name(self.name);
        }
    }
}

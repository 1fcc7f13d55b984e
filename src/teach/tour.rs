//! The first-visit tour's script: six steps through one default, each naming what it points at
//! and the moment of the run where that thing happens. Pure (no web types), so a native test
//! checks that every step lands where its text says; `ui::tour` turns it into a dialog that
//! highlights the target and moves the player.

use crate::engine::{EventKind, Timeline};

/// The scenario the tour plays: a clearing house whose default reaches the survivors' fund.
pub const PRESET: &str = "reaches-default-fund";

/// What a tour step points at on the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The whole waterfall.
    Waterfall,
    /// The price chart (its red line marks the step).
    PriceChart,
    /// The story of the step.
    Narrative,
    /// The waterfall's layers of these kinds (`LayerInfo::kind`).
    Layers(&'static [&'static str]),
    /// The player's Play button and the controls around it.
    Player,
}

/// Where the player goes for a tour step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    /// Step 0, before anything happens.
    Start,
    /// The first step with an event of this kind.
    First(EventKind),
    /// The first step at which one of these layers pays (a `LayerDrawn` event on it).
    FirstDraw(&'static [&'static str]),
    /// Wherever the player is.
    Stay,
}

#[derive(Clone, Copy, Debug)]
pub struct TourStep {
    pub title: &'static str,
    pub text: &'static str,
    pub target: Target,
    pub moment: Moment,
}

const OWN: &[&str] = &["DefaulterMargin", "DefaulterFundContribution"];
const OTHERS: &[&str] = &["SkinInTheGameJunior", "SkinInTheGameSenior", "SurvivorsFund"];

/// The steps, in order. No "left" or "right": the layout changes with the screen, so each step
/// says what it points at, and the page highlights it.
pub const STEPS: [TourStep; 6] = [
    TourStep {
        title: "1 · A clearing house and its members",
        text: "This scenario is a clearing house with a few members. Each posts margin and pays into a shared default fund. The highlighted waterfall lists, top to bottom, who pays if one of them fails.",
        target: Target::Waterfall,
        moment: Moment::Start,
    },
    TourStep {
        title: "2 · The price moves",
        text: "The price chart shows the spread moving far more than on a normal day; its red line marks this step. The member on the wrong side now owes more margin than it holds, and gets a margin call.",
        target: Target::PriceChart,
        moment: Moment::First(EventKind::MarginCall),
    },
    TourStep {
        title: "3 · A default",
        text: "The member cannot meet its margin call and is declared in default. The story of each step is told here: read how big the shortfall is.",
        target: Target::Narrative,
        moment: Moment::First(EventKind::Default),
    },
    TourStep {
        title: "4 · The defaulter pays first",
        text: "The defaulter's own resources are used first: its margin, then its own default-fund contribution (this member posted none, so that bar says “empty”). A bar turns orange as it pays.",
        target: Target::Layers(OWN),
        moment: Moment::FirstDraw(OWN),
    },
    TourStep {
        title: "5 · Then the others",
        text: "What is left flows on: the clearing house's own capital (skin in the game), then the surviving members' fund, pro rata. An exhausted layer is outlined in red.",
        target: Target::Layers(OTHERS),
        moment: Moment::FirstDraw(OTHERS),
    },
    TourStep {
        title: "6 · Your turn",
        text: "Press Play or use ←/→ to step. Change a shock or a layer in the Scenario panel, compare rule sets further down, and use “Copy link” to send exactly this scenario, at this step, to someone.",
        target: Target::Player,
        moment: Moment::Stay,
    },
];

/// The waterfall positions of the layers of these kinds in this run.
pub fn layers(t: &Timeline, kinds: &[&str]) -> Vec<usize> {
    t.layers.iter().enumerate().filter(|(_, l)| kinds.contains(&l.kind.as_str())).map(|(i, _)| i).collect()
}

/// The step a tour step moves the player to; `None` = leave it where it is.
pub fn step_of(t: &Timeline, moment: Moment) -> Option<u32> {
    match moment {
        Moment::Start => Some(0),
        Moment::Stay => None,
        Moment::First(kind) => t.events.iter().find(|e| e.kind == kind).map(|e| e.step),
        Moment::FirstDraw(kinds) => {
            let wanted = layers(t, kinds);
            t.events
                .iter()
                .find(|e| e.kind == EventKind::LayerDrawn && e.layer.is_some_and(|l| wanted.contains(&l)))
                .map(|e| e.step)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{self, LayerState};
    use crate::scenario::presets;

    fn run() -> Timeline {
        engine::simulate(&presets::by_id(PRESET).expect("the tour's preset").scenario).expect("the tour's preset runs")
    }

    /// Each step that moves the player lands where its text's event happens, and the steps go
    /// forward through the run: the tour tells the default in order.
    #[test]
    fn every_step_lands_on_its_event_in_order() {
        let t = run();
        let mut last = 0;
        for st in STEPS {
            let Some(step) = step_of(&t, st.moment) else {
                assert_eq!(st.moment, Moment::Stay, "{}: no step found", st.title);
                continue;
            };
            assert!(step >= last, "{} goes back to step {step} from {last}", st.title);
            last = step;
            let kinds: Vec<EventKind> = t.events.at_step(step).into_iter().map(|e| e.kind).collect();
            match st.moment {
                Moment::First(k) => assert!(kinds.contains(&k), "{}: no {k:?} at step {step}", st.title),
                Moment::FirstDraw(_) => assert!(kinds.contains(&EventKind::LayerDrawn), "{}: nothing drawn at {step}", st.title),
                _ => {}
            }
        }
        // The tour's own moments are not all on one step: the price moves before the default.
        let calls = step_of(&t, STEPS[1].moment).expect("a margin call");
        let default = step_of(&t, STEPS[2].moment).expect("a default");
        assert!(calls < default, "margin call at {calls}, default at {default}");
    }

    /// The layers a step highlights exist in the preset and, at that step, have paid something.
    #[test]
    fn highlighted_layers_have_paid_at_their_step() {
        let t = run();
        for st in STEPS {
            let Target::Layers(kinds) = st.target else { continue };
            let found = layers(&t, kinds);
            assert!(!found.is_empty(), "{}: no layer of {kinds:?}", st.title);
            let step = step_of(&t, st.moment).expect("a step");
            let states: Vec<LayerState> = t.layer_state(step);
            assert!(found.iter().any(|&i| !states[i].drawn.is_zero()), "{}: none of {found:?} paid at {step}", st.title);
        }
    }

    /// Nothing in the tour says where on the screen a thing is: on a phone there is no "right".
    #[test]
    fn no_step_points_by_screen_side() {
        for st in STEPS {
            for word in ["on the right", "on the left", "below", "above"] {
                assert!(!st.text.contains(word), "{}: says `{word}`", st.title);
            }
        }
    }
}

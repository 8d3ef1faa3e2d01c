//! POS, partial-order sampling (Yuan, Yang and Gu, "Partial Order Aware Concurrency Sampling",
//! CAV 2018).

use super::*;

/// Partial-order sampling: every thread's next operation has a random priority, and the enabled
/// operation with the highest priority runs. Once an operation ran, its thread's next one gets a
/// fresh priority, and so does every other thread's pending operation on the same object (the
/// operations that race with the one that ran). A plain random walk samples the orders of
/// independent operations too, and so favours some partial orders many times over; POS samples
/// the partial orders more evenly, because only racing operations are reordered.
///
/// Operations are told apart by the object they announce (`Point::pending`): two operations on
/// one object race, whatever they do to it. A thread that yields (spins) gets the lowest
/// priority, or it would spin for ever.
///
/// **Weighted POS** ([`Pos::weighted`]) draws each priority with the weight of the events its
/// thread has left ([`EventsLeft`], URW's estimate): a thread with `w` events left draws the key
/// `u^(1/w)` for a uniform `u` (Efraimidis and Spirakis' weighted random order), so among fresh
/// priorities the highest falls to each thread in proportion to its weight, which is URW's pick.
/// POS's rule of drawing again only what races keeps the partial orders sampled evenly, and the
/// weights keep a thread that has much left (a parent still starting threads, a long worker) from
/// running late, as in URW.
#[derive(Clone)]
pub(crate) struct Pos {
    seed: u64,
    execution: u64,
    rng: Rng,
    /// Per thread (by creation order in the execution): its pending operation's priority, drawn
    /// when first needed (0: not drawn yet).
    priorities: Vec<u64>,
    /// The events each thread has left, for weighted POS.
    events: Option<EventsLeft>,
}

impl Pos {
    pub(crate) fn new(seed: u64) -> Self {
        Pos { seed, execution: 0, rng: Rng::new(seed), priorities: Vec::new(), events: None }
    }

    /// Weighted POS: priorities drawn with URW's weights (see [`Pos`]).
    pub(crate) fn weighted(seed: u64) -> Self {
        Pos { events: Some(EventsLeft::default()), ..Pos::new(seed) }
    }

    /// A fresh priority for `thread`'s pending operation: never 0 (which means "not drawn").
    fn draw(&mut self, thread: usize) -> u64 {
        let bits = self.rng.next_u64();
        let Some(events) = &self.events else { return bits | 1 };
        // The key u^(1/w), compared by its distance -ln(u)/w (the smaller, the higher the
        // priority): a non-negative float's bit pattern orders as its value does, so the
        // complement orders the priorities, and is never 0.
        let uniform = ((bits >> 11) + 1) as f64 / (1u64 << 53) as f64; // in (0, 1]
        let distance = -uniform.ln() / events.left(thread) as f64;
        !distance.abs().to_bits()
    }

    fn priority(&mut self, thread: usize) -> u64 {
        if self.priorities.len() <= thread {
            self.priorities.resize(thread + 1, 0);
        }
        if self.priorities[thread] == 0 {
            self.priorities[thread] = self.draw(thread);
        }
        self.priorities[thread]
    }
}

impl Strategy for Pos {
    fn fork(&self) -> Option<Box<dyn Strategy + Send>> {
        Some(Box::new(self.clone()))
    }

    fn learns(&self) -> bool {
        self.events.is_some()
    }

    fn learned(&self) -> u64 {
        self.events.as_ref().map_or(0, EventsLeft::learned)
    }

    fn skip_to(&mut self, index: u64) {
        self.execution = index;
    }

    fn next_execution(&mut self) -> bool {
        let salt = if self.events.is_some() { 0x5750_4f53 } else { 0x504f_5300 };
        self.rng = Rng::new(execution_seed(self.seed ^ salt, self.execution));
        self.execution += 1;
        self.priorities.clear();
        if let Some(events) = &mut self.events {
            events.next_execution();
        }
        true
    }

    fn thread_created(&mut self, thread: usize, parent: Option<usize>) {
        if let Some(events) = &mut self.events {
            events.thread_created(thread, parent);
        }
    }

    fn execution_done(&mut self, _steps: usize) {
        if let Some(events) = &mut self.events {
            events.execution_done();
        }
    }

    fn wants_pending(&self) -> bool {
        true
    }

    fn choose(&mut self, point: &Point<'_>) -> Option<usize> {
        let n = point.threads.len();
        if n == 1 {
            if point.scheduling
                && let Some(events) = &mut self.events
            {
                events.ran(point.threads[0]);
            }
            return Some(0);
        }
        if !point.scheduling {
            return Some(self.rng.below(n as u64) as usize);
        }
        let mut best = 0;
        let mut best_priority = 0;
        for (index, &thread) in point.threads.iter().enumerate() {
            // A yielding thread runs only if nothing else can (its priority is below all).
            let priority = if point.yielding == Some(thread) { 0 } else { self.priority(thread) };
            if index == 0 || priority > best_priority {
                best = index;
                best_priority = priority;
            }
        }
        let chosen = point.threads[best];
        // The operations that race with the one about to run (on the same object) are sampled
        // again, and so is the chosen thread's next one.
        let object = point.pending.get(best).copied().unwrap_or(0);
        if object != 0 {
            for (index, &thread) in point.threads.iter().enumerate() {
                if index != best && point.pending.get(index) == Some(&object) && thread < self.priorities.len() {
                    self.priorities[thread] = 0;
                }
            }
        }
        if chosen < self.priorities.len() {
            self.priorities[chosen] = 0;
        }
        if let Some(events) = &mut self.events {
            events.ran(chosen);
        }
        Some(best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Weighted POS's fresh draws make each thread the highest in proportion to its weight, as
    /// URW picks: with 1 and 3 events left, the second wins three draws in four.
    #[test]
    fn a_fresh_weighted_draw_wins_in_proportion_to_the_weight() {
        let mut pos = Pos::weighted(7);
        let events = pos.events.as_mut().expect("weighted");
        events.thread_created(0, None);
        events.thread_created(1, None);
        // An execution in which thread 0 took 1 step and thread 1 took 3: the next one estimates
        // 1 and 3 events left.
        for thread in [1, 1, 1, 0] {
            events.ran(thread);
        }
        events.execution_done();
        events.next_execution();
        events.thread_created(0, None);
        events.thread_created(1, None);
        assert_eq!((events.left(0), events.left(1)), (1, 3));
        let draws = 200_000;
        let wins = (0..draws).filter(|_| pos.draw(1) > pos.draw(0)).count();
        let share = wins as f64 / draws as f64;
        assert!((0.745..0.755).contains(&share), "thread 1 won {share} of the draws, not 3/4");
        // Unweighted POS: one in two.
        let mut plain = Pos::new(7);
        let wins = (0..draws).filter(|_| plain.draw(1) > plain.draw(0)).count();
        let share = wins as f64 / draws as f64;
        assert!((0.495..0.505).contains(&share), "{share}");
    }
}

//! The random walk: uniformly random choices.

use super::*;

/// Uniformly random choices, a fresh seed per execution derived from one seed.
#[derive(Clone)]
pub(crate) struct RandomWalk {
    seed: u64,
    execution: u64,
    rng: Rng,
}

impl RandomWalk {
    pub(crate) fn new(seed: u64) -> Self {
        RandomWalk { seed, execution: 0, rng: Rng::new(seed) }
    }
}

pub(crate) fn execution_seed(seed: u64, execution: u64) -> u64 {
    Rng::new(seed ^ execution.wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

impl Strategy for RandomWalk {
    fn fork(&self) -> Option<Box<dyn Strategy + Send>> {
        Some(Box::new(self.clone()))
    }

    fn skip_to(&mut self, index: u64) {
        self.execution = index;
    }

    fn next_execution(&mut self) -> bool {
        self.rng = Rng::new(execution_seed(self.seed, self.execution));
        self.execution += 1;
        true
    }

    fn choose(&mut self, point: &Point<'_>) -> Option<usize> {
        let n = point.threads.len() as u64;
        Some(if n == 1 { 0 } else { self.rng.below(n) as usize })
    }
}

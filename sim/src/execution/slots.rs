//! [`TypedSlots`]: one value of each type, found or made on first use (an execution's and each
//! simulated thread's values for the schedulers that delegate to the simulator); and
//! [`Renewable`] values, kept when their thread ends to serve later threads.

use std::any::{Any, TypeId};

/// How a value kept per thread is ended with its thread and made new again for another (a
/// thread state of another scheduler: see `Execution::with_thread_state_of`).
#[derive(Clone, Copy)]
pub(crate) struct Renewal {
    /// Ends the value as its thread ends: what dropping it would do, its memory kept.
    pub end: fn(&mut dyn Any),
    /// Makes an ended value new again; false if it cannot serve another thread (it is dropped).
    pub renew: fn(&mut dyn Any) -> bool,
}

/// A value whose thread ended, with its type and how to renew it.
pub(super) type Renewable = (TypeId, Box<dyn Any>, Renewal);

/// One value of each type, each boxed so that it stays where it is while others are added.
#[derive(Default)]
pub(super) struct TypedSlots(Vec<(TypeId, Box<dyn Any>, Option<Renewal>)>);

impl TypedSlots {
    /// Where the kept `T` is, if there is one.
    pub(super) fn get<T: Any>(&self) -> Option<*const T> {
        self.0
            .iter()
            .find(|(id, _, _)| *id == TypeId::of::<T>())
            .map(|(_, value, _)| value.downcast_ref::<T>().expect("a slot holds its type's value") as *const T)
    }

    /// Keeps `fresh` unless a `T` is kept already (with `renewal`, if the value is to be ended and
    /// kept rather than dropped when its thread ends: see [`TypedSlots::end_thread`]). Returns
    /// where the kept `T` is, and `fresh` back if it was not kept: the caller drops it after its
    /// borrow of the slots ends (a destructor may use the simulator).
    pub(super) fn get_or_keep<T: Any>(
        &mut self,
        fresh: Box<T>,
        renewal: Option<Renewal>,
    ) -> (*const T, Option<Box<T>>) {
        if let Some(kept) = self.get::<T>() {
            return (kept, Some(fresh));
        }
        self.0.push((TypeId::of::<T>(), fresh, renewal));
        (self.get::<T>().expect("just kept"), None)
    }

    /// Ends the values as their thread ends, in the order they were made: those with a
    /// [`Renewal`] are ended and go to `ended` (their memory kept), the others are dropped. The
    /// slots are left empty.
    pub(super) fn end_thread(&mut self, ended: &mut Vec<Renewable>) {
        for (id, mut value, renewal) in self.0.drain(..) {
            match renewal {
                Some(renewal) => {
                    (renewal.end)(&mut *value);
                    ended.push((id, value, renewal));
                }
                None => drop(value),
            }
        }
    }

    /// Leaks every value (a thread given up: they may point into its stack), leaving the slots
    /// empty.
    pub(super) fn leak_values(&mut self) {
        self.0.drain(..).for_each(std::mem::forget);
    }

    /// Takes every value out (to drop them).
    pub(super) fn take_all(&mut self) -> Vec<(TypeId, Box<dyn Any>, Option<Renewal>)> {
        std::mem::take(&mut self.0)
    }
}

/// Takes a renewed value of type `T` out of `spare`, if there is one.
pub(super) fn take_spare<T: Any>(spare: &mut Vec<Renewable>) -> Option<Box<T>> {
    let at = spare.iter().rposition(|(id, _, _)| *id == TypeId::of::<T>())?;
    spare.swap_remove(at).1.downcast::<T>().ok()
}

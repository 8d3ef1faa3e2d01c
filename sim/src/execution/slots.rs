//! [`TypedSlots`]: one value of each type, found or made on first use (an execution's and each
//! simulated thread's values for the schedulers that delegate to the simulator).

use std::any::{Any, TypeId};

/// One value of each type, each boxed so that it stays where it is while others are added.
#[derive(Default)]
pub(super) struct TypedSlots(Vec<(TypeId, Box<dyn Any>)>);

impl TypedSlots {
    /// Where the kept `T` is, if there is one.
    pub(super) fn get<T: Any>(&self) -> Option<*const T> {
        self.0
            .iter()
            .find(|(id, _)| *id == TypeId::of::<T>())
            .map(|(_, value)| value.downcast_ref::<T>().expect("a slot holds its type's value") as *const T)
    }

    /// Keeps `fresh` unless a `T` is kept already. Returns where the kept `T` is, and `fresh`
    /// back if it was not kept: the caller drops it after its borrow of the slots ends (a
    /// destructor may use the simulator).
    pub(super) fn get_or_keep<T: Any>(&mut self, fresh: Box<T>) -> (*const T, Option<Box<T>>) {
        if let Some(kept) = self.get::<T>() {
            return (kept, Some(fresh));
        }
        self.0.push((TypeId::of::<T>(), fresh));
        (self.get::<T>().expect("just kept"), None)
    }

    /// Takes every value out (to drop them, or to leak them).
    pub(super) fn take_all(&mut self) -> Vec<(TypeId, Box<dyn Any>)> {
        std::mem::take(&mut self.0)
    }
}

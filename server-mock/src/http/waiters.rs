//! A cap on the render long-polls (`GET /renders/{id}?wait=`) one user holds at once
//! (`--max-waiters-per-user`, 20 by default).
//!
//! A long-poll beyond the cap is not refused: it answers at once with the render's current
//! state, as a plain read does. The SDKs take a quick answer that brings nothing new as a server
//! that does not long-poll and poll again with a growing delay, so a client over the cap keeps
//! working, only less promptly; a 429 would instead count against its retry budget.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::poison::lock;

/// Long-polls held per user.
#[derive(Debug)]
pub struct Waiters {
    max_per_user: usize,
    held: Mutex<HashMap<String, usize>>,
}

/// One long-poll's place under the cap; given back when dropped.
#[derive(Debug)]
pub struct WaiterSlot {
    waiters: Arc<Waiters>,
    user_id: String,
}

impl Waiters {
    /// At most `max_per_user` long-polls per user (0 turns long-polls off).
    pub fn new(max_per_user: usize) -> Self {
        Self {
            max_per_user,
            held: Mutex::new(HashMap::new()),
        }
    }

    /// A place for one more long-poll of `user_id`, or `None` when the user holds the maximum.
    pub fn try_enter(self: &Arc<Self>, user_id: &str) -> Option<WaiterSlot> {
        let mut held = lock(&self.held);
        let count = held.entry(user_id.to_owned()).or_insert(0);
        if *count >= self.max_per_user {
            if *count == 0 {
                held.remove(user_id);
            }
            return None;
        }
        *count += 1;
        Some(WaiterSlot {
            waiters: Arc::clone(self),
            user_id: user_id.to_owned(),
        })
    }

    /// Long-polls held now, all users together.
    pub fn held_total(&self) -> usize {
        let held = lock(&self.held);
        held.values().sum()
    }

    /// Long-polls `user_id` holds now.
    pub fn held_by(&self, user_id: &str) -> usize {
        let held = lock(&self.held);
        held.get(user_id).copied().unwrap_or(0)
    }
}

impl Drop for WaiterSlot {
    fn drop(&mut self) {
        let mut held = lock(&self.waiters.held);
        if let Some(count) = held.get_mut(&self.user_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                held.remove(&self.user_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_holds_at_most_the_cap_and_a_dropped_slot_frees_its_place() {
        let waiters = Arc::new(Waiters::new(2));
        let a = waiters.try_enter("u").unwrap();
        let _b = waiters.try_enter("u").unwrap();
        assert!(waiters.try_enter("u").is_none());
        assert!(waiters.try_enter("other").is_some(), "per user");
        drop(a);
        assert_eq!(waiters.held_by("u"), 1);
        assert!(waiters.try_enter("u").is_some());
        assert!(Arc::new(Waiters::new(0)).try_enter("u").is_none());
    }
}

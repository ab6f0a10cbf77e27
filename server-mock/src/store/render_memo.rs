//! Answers derived from a render row, kept in memory until the row changes (SQLite only).
//!
//! Plugins poll `GET /renders/{id}` while a render runs, and most polls find it as it was: the
//! read's SQLite statement, row mapping, link signatures and serialisation were most of its
//! cost. The handler keeps the answer it built for a render here and answers the next read of
//! the same render, by the same user, with links of the same expiry ([`CdnLinks::expiry`], one
//! step a minute) from memory.
//!
//! An entry never outlives a change of its row:
//!
//! - every connection of the pool reports the rows of `renders` it inserts, updates or deletes
//!   (SQLite's update hook), and when the write transaction ends, committed or not, their
//!   entries are dropped — before the writer answers, announces the change to long-polls or
//!   takes another write; whatever the statement or module that wrote;
//! - a read that a write of this process overlapped (begun before it ended) is answered but not
//!   kept, as it may have read the row before the write's commit: a count that is odd while a
//!   write transaction is open, checked before the read and again when keeping;
//! - other processes never write render rows: a SQLite file is served by one server, and the
//!   `user` and `credits` commands write users and credits only;
//! - [`Store::query_blocking`](super::Store::query_blocking) (any SQL, for tools and tests)
//!   drops every entry;
//! - PostgreSQL, which several servers share, keeps nothing: every read asks the database.
//!
//! At most [`CAPACITY`] entries (about 1 KB each) are kept; when full, all are dropped.
//!
//! ```
//! use renderiq_server::store::RenderMemo;
//!
//! let memo = RenderMemo::default();
//! let reading = memo.start_read();
//! // ... read render `rnd_1` of `usr_1` from the database: its rowid is 7 ...
//! memo.keep(reading.ticket("rnd_1", "usr_1", 7), 1_800_000_000, bytes::Bytes::from_static(b"{...}"));
//! assert!(memo.get("rnd_1", "usr_1", 1_800_000_000).is_some());
//! assert!(memo.get("rnd_1", "usr_2", 1_800_000_000).is_none(), "another user's read");
//! assert!(memo.get("rnd_1", "usr_1", 1_800_000_060).is_none(), "links of another expiry");
//! ```
//!
//! [`CdnLinks::expiry`]: crate::cdn::CdnLinks::expiry

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use bytes::Bytes;

use crate::poison::lock;

/// The most entries kept.
pub const CAPACITY: usize = 4096;

/// Answers derived from render rows, each dropped when its row changes; see the module docs.
#[derive(Debug, Default)]
pub struct RenderMemo {
    /// Odd while a write transaction of this process is open; moves on at its start and end.
    writes: AtomicU64,
    /// Rowids of `renders` the open write transaction changed (the update hook's reports).
    changed: Mutex<Vec<i64>>,
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    by_id: HashMap<Box<str>, Entry>,
    /// Rowid to render id, to find the entry of a changed row.
    ids: HashMap<i64, Box<str>>,
}

#[derive(Debug)]
struct Entry {
    rowid: i64,
    user_id: Box<str>,
    stamp: i64,
    value: Bytes,
}

/// A read of render rows begun ([`RenderMemo::start_read`]).
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    writes: u64,
}

impl Reading {
    /// The ticket of the row read: render `id` of `user_id`, SQLite rowid `rowid`.
    pub fn ticket(self, id: &str, user_id: &str, rowid: i64) -> Ticket {
        Ticket {
            writes: self.writes,
            id: id.into(),
            user_id: user_id.into(),
            rowid,
        }
    }
}

/// One render row read; [`RenderMemo::keep`] keeps what was derived from it only if no write of
/// this process overlapped the read.
#[derive(Debug)]
pub struct Ticket {
    writes: u64,
    id: Box<str>,
    user_id: Box<str>,
    rowid: i64,
}

impl RenderMemo {
    /// What was kept for render `id` read by `user_id` with stamp `stamp` (the links' expiry),
    /// if its row has not changed since.
    pub fn get(&self, id: &str, user_id: &str, stamp: i64) -> Option<Bytes> {
        let kept = lock(&self.kept);
        let entry = kept.by_id.get(id)?;
        (entry.stamp == stamp && *entry.user_id == *user_id).then(|| entry.value.clone())
    }

    /// Notes the start of a read: call it before reading the row, then hand the row's
    /// [`Reading::ticket`] to [`RenderMemo::keep`].
    pub fn start_read(&self) -> Reading {
        Reading {
            writes: self.writes.load(Ordering::SeqCst),
        }
    }

    /// Keeps `value`, derived from the read `ticket` was taken for, under `stamp` — unless a
    /// write of this process overlapped the read (then the next read asks the database again).
    pub fn keep(&self, ticket: Ticket, stamp: i64, value: Bytes) {
        let mut kept = lock(&self.kept);
        // Under the lock a write's end takes to drop entries: no write ends between this check
        // and the insertion.
        if ticket.writes % 2 == 1 || self.writes.load(Ordering::SeqCst) != ticket.writes {
            return;
        }
        if kept.by_id.len() >= CAPACITY {
            kept.by_id.clear();
            kept.ids.clear();
        }
        if let Some(id) = kept.ids.insert(ticket.rowid, ticket.id.clone()) {
            kept.by_id.remove(&id);
        }
        let entry = Entry {
            rowid: ticket.rowid,
            user_id: ticket.user_id,
            stamp,
            value,
        };
        if let Some(old) = kept.by_id.insert(ticket.id, entry) {
            if old.rowid != ticket.rowid {
                kept.ids.remove(&old.rowid);
            }
        }
    }

    /// Entries kept now.
    pub fn len(&self) -> usize {
        lock(&self.kept).by_id.len()
    }

    /// `true` when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Marks a write transaction of this process open until the guard drops; then drops the
    /// entries of the rows it changed. Writers call it one at a time (the store's write lock).
    pub(super) fn write(&self) -> WriteGuard<'_> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        WriteGuard { memo: self }
    }

    /// Called by a connection's update hook for each row it inserts, updates or deletes.
    pub(super) fn row_changed(&self, table: &str, rowid: i64) {
        if table == "renders" {
            lock(&self.changed).push(rowid);
        }
    }

    /// Drops every entry (after SQL the store did not write itself).
    pub(super) fn forget_all(&self) {
        let mut kept = lock(&self.kept);
        lock(&self.changed).clear();
        kept.by_id.clear();
        kept.ids.clear();
    }

    fn write_ended(&self) {
        let changed = std::mem::take(&mut *lock(&self.changed));
        let mut kept = lock(&self.kept);
        for rowid in changed {
            if let Some(id) = kept.ids.remove(&rowid) {
                kept.by_id.remove(&id);
            }
        }
        self.writes.fetch_add(1, Ordering::SeqCst);
    }
}

/// An open write transaction; see [`RenderMemo::write`].
pub(super) struct WriteGuard<'a> {
    memo: &'a RenderMemo,
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.memo.write_ended();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    #[test]
    fn a_changed_row_drops_its_entry_only() {
        let memo = RenderMemo::default();
        memo.keep(memo.start_read().ticket("a", "u", 1), 60, body("A"));
        memo.keep(memo.start_read().ticket("b", "u", 2), 60, body("B"));
        {
            let _write = memo.write();
            memo.row_changed("renders", 1);
            memo.row_changed("users", 2);
            assert!(
                memo.get("a", "u", 60).is_some(),
                "uncommitted: still the row's state"
            );
        }
        assert_eq!(memo.get("a", "u", 60), None);
        assert_eq!(memo.get("b", "u", 60), Some(body("B")));
    }

    #[test]
    fn a_read_overlapped_by_a_write_is_not_kept() {
        let memo = RenderMemo::default();
        // A write ends between the ticket and the keep.
        let ticket = memo.start_read().ticket("a", "u", 1);
        drop(memo.write());
        memo.keep(ticket, 60, body("stale"));
        assert_eq!(memo.get("a", "u", 60), None);
        // A write is open when the ticket is taken, and still when it is kept.
        let write = memo.write();
        let ticket = memo.start_read().ticket("a", "u", 1);
        memo.keep(ticket, 60, body("maybe stale"));
        assert_eq!(memo.get("a", "u", 60), None);
        // A write open at the ticket ends before the keep.
        let ticket = memo.start_read().ticket("a", "u", 1);
        drop(write);
        memo.keep(ticket, 60, body("maybe stale"));
        assert_eq!(memo.get("a", "u", 60), None);
        // No write: kept.
        memo.keep(memo.start_read().ticket("a", "u", 1), 60, body("fresh"));
        assert_eq!(memo.get("a", "u", 60), Some(body("fresh")));
    }

    #[test]
    fn entries_answer_their_user_and_stamp_only() {
        let memo = RenderMemo::default();
        memo.keep(memo.start_read().ticket("a", "u", 1), 60, body("A"));
        assert_eq!(memo.get("a", "v", 60), None);
        assert_eq!(memo.get("a", "u", 120), None);
        assert_eq!(memo.get("b", "u", 60), None);
        // A newer keep replaces it.
        memo.keep(memo.start_read().ticket("a", "u", 1), 120, body("A2"));
        assert_eq!(memo.get("a", "u", 120), Some(body("A2")));
        assert_eq!(memo.len(), 1);
    }

    #[test]
    fn a_reused_rowid_does_not_leave_the_old_entry_behind() {
        // SQLite may give a deleted row's rowid to a new row.
        let memo = RenderMemo::default();
        memo.keep(memo.start_read().ticket("old", "u", 5), 60, body("old"));
        memo.keep(memo.start_read().ticket("new", "u", 5), 60, body("new"));
        assert_eq!(memo.get("old", "u", 60), None);
        {
            let _write = memo.write();
            memo.row_changed("renders", 5);
        }
        assert!(memo.is_empty());
    }

    #[test]
    fn it_holds_at_most_its_capacity_and_forgets_on_demand() {
        let memo = RenderMemo::default();
        for i in 0..=CAPACITY {
            let id = format!("r{i}");
            memo.keep(memo.start_read().ticket(&id, "u", i as i64), 60, body("x"));
        }
        assert!(memo.len() <= CAPACITY);
        assert!(memo.get(&format!("r{CAPACITY}"), "u", 60).is_some());
        memo.forget_all();
        assert!(memo.is_empty());
    }
}

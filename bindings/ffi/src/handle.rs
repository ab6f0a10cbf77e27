//! Registries of live objects: how a handle or buffer handed to C is checked before use.
//!
//! A pointer the library hands out is the address of an object the registry owns. Every call
//! looks the address up first and only then touches the object, so a freed handle, a double
//! free, a pointer of the wrong type or a foreign pointer is reported as
//! `RENDERIQ_ERROR_INVALID_HANDLE` without being dereferenced. (A magic tag inside the object
//! would not do: reading it from freed memory is itself the invalid access.)
//!
//! A handle is not the object's address but a serial number that is never handed out twice
//! (its generation), with the registry's type tag in the low bits: a stale handle kept after
//! `_free` can never alias an object created later at the same address, and a handle of the
//! wrong type is refused by its tag. C code must treat handles as opaque and never dereference
//! them.
//!
//! Handles are reference-counted: a call in progress holds its own reference, so a handle
//! freed from another thread meanwhile stays alive until that call returns.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Low bits of a handle that hold its registry's type tag.
const TAG_BITS: u32 = 4;

/// The next handle generation, shared by every registry so no two handles are ever equal.
static NEXT_GENERATION: AtomicUsize = AtomicUsize::new(1);

use crate::error::FfiError;

/// The live objects of one handle type, keyed by the handle handed to C.
pub(crate) struct Registry<T: 'static> {
    type_name: &'static str,
    tag: usize,
    map: Mutex<BTreeMap<usize, Arc<T>>>,
}

impl<T: Send + Sync + 'static> Registry<T> {
    /// A registry whose handles carry `tag` (1..16, distinct per handle type).
    pub(crate) const fn new(type_name: &'static str, tag: usize) -> Self {
        Self {
            type_name,
            tag,
            map: Mutex::new(BTreeMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<usize, Arc<T>>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes ownership of `value` and returns the handle that names it: a fresh generation
    /// with this registry's tag, never handed out before.
    pub(crate) fn insert(&self, value: T) -> *mut T {
        let generation = NEXT_GENERATION.fetch_add(1, Ordering::Relaxed);
        let handle = (generation << TAG_BITS) | self.tag;
        self.lock().insert(handle, Arc::new(value));
        // An opaque token shaped like a pointer; it is never dereferenced.
        std::ptr::without_provenance_mut(handle)
    }

    /// The object named by `ptr`, if it is live.
    pub(crate) fn get(&self, ptr: *const T) -> Result<Arc<T>, FfiError> {
        if ptr.is_null() {
            return Err(FfiError::null(&format!("the {} handle", self.type_name)));
        }
        let found = self.lock().get(&(ptr as usize)).cloned();
        found.ok_or_else(|| self.invalid())
    }

    /// Removes the object named by `ptr`; it is dropped once no call is using it.
    pub(crate) fn remove(&self, ptr: *const T) -> Result<Arc<T>, FfiError> {
        let removed = self.lock().remove(&(ptr as usize));
        removed.ok_or_else(|| self.invalid())
    }

    fn invalid(&self) -> FfiError {
        FfiError::invalid_handle(format!(
            "this {} handle is not live: it was already freed, or it is not a {} created by this library",
            self.type_name, self.type_name
        ))
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

/// Owned byte buffers handed to C (strings and byte arrays), keyed by their address.
pub(crate) struct Buffers {
    type_name: &'static str,
    map: Mutex<BTreeMap<usize, Box<[u8]>>>,
}

impl Buffers {
    pub(crate) const fn new(type_name: &'static str) -> Self {
        Self {
            type_name,
            map: Mutex::new(BTreeMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<usize, Box<[u8]>>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes ownership of `bytes` (which must not be empty, so its address is unique) and
    /// returns its address.
    pub(crate) fn insert(&self, bytes: Box<[u8]>) -> *mut u8 {
        debug_assert!(!bytes.is_empty());
        let ptr = bytes.as_ptr().cast_mut();
        self.lock().insert(ptr as usize, bytes);
        ptr
    }

    /// Frees the buffer at `ptr`; `check` sees it first and may refuse.
    pub(crate) fn free(
        &self,
        ptr: *const u8,
        check: impl FnOnce(&[u8]) -> Result<(), FfiError>,
    ) -> Result<(), FfiError> {
        let mut map = self.lock();
        let Some(buf) = map.get(&(ptr as usize)) else {
            return Err(FfiError::invalid_handle(format!(
                "this {} was already freed, or it was not returned by this library \
                 (free only what a renderiq_ function returned, once)",
                self.type_name
            )));
        };
        check(buf)?;
        map.remove(&(ptr as usize));
        Ok(())
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

/// Objects handed out and not yet freed, over every registry.
pub(crate) fn live_objects() -> u64 {
    (crate::client::CLIENTS.len()
        + crate::op::OPS.len()
        + crate::error::ERRORS.len()
        + crate::memory::STRINGS.len()
        + crate::memory::BYTES.len()) as u64
}

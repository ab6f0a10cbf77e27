//! The default store: the OS keychain, or memory on a machine that has no keychain service.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Credential, MemoryStore, TokenStore};
use crate::error::{Error, Result};

/// The error code a store answers with when its service is not there at all (as opposed to
/// locked, refused or corrupt, which are reported).
const UNAVAILABLE: &str = "TOKEN_STORE_UNAVAILABLE";

/// `inner` until it reports that its service is unavailable, then memory for the rest of the
/// client's life, with one `tracing` warning saying how to keep the session.
///
/// A plugin on a headless Linux box or a minimal VM has no Secret Service: signing in must
/// still work there, for the session of the host app at least.
pub(crate) struct MemoryFallback<S> {
    inner: S,
    memory: MemoryStore,
    fell_back: AtomicBool,
}

impl<S: TokenStore> MemoryFallback<S> {
    pub(crate) fn new(inner: S) -> Self {
        Self {
            inner,
            memory: MemoryStore::new(),
            fell_back: AtomicBool::new(false),
        }
    }

    /// Runs `op` on the inner store, or on memory once the inner store proved unavailable.
    fn with_store<T>(&self, op: impl Fn(&dyn TokenStore) -> Result<T>) -> Result<T> {
        if !self.fell_back.load(Ordering::Acquire) {
            match op(&self.inner) {
                Err(e) if e.error_code() == Some(UNAVAILABLE) => self.fall_back(&e),
                other => return other,
            }
        }
        op(&self.memory)
    }

    fn fall_back(&self, cause: &Error) {
        if !self.fell_back.swap(true, Ordering::AcqRel) {
            // The cause names the store and what failed; store errors never carry a token.
            tracing::warn!(
                store = ?self.inner,
                "no keychain service is running ({cause}); the session is kept in memory \
                 only, so it ends with this process: pass an EncryptedFileStore as the token \
                 store to keep it"
            );
        }
    }
}

impl<S: TokenStore> TokenStore for MemoryFallback<S> {
    fn load(&self) -> Result<Option<Credential>> {
        self.with_store(|s| s.load())
    }

    fn save(&self, credential: &Credential) -> Result<()> {
        self.with_store(|s| s.save(credential))
    }

    fn clear(&self) -> Result<()> {
        self.with_store(|s| s.clear())
    }
}

impl<S: fmt::Debug> fmt::Debug for MemoryFallback<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.fell_back.load(Ordering::Acquire) {
            f.debug_tuple("MemoryStore")
                .field(&format_args!("in place of {:?}", self.inner))
                .finish()
        } else {
            self.inner.fmt(f)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::error::ErrorKind;
    use crate::secret::Secret;

    /// A store that fails every call with `code`, counting the calls.
    #[derive(Debug)]
    struct Failing {
        code: &'static str,
        calls: AtomicUsize,
    }

    impl Failing {
        fn new(code: &'static str) -> Self {
            Self {
                code,
                calls: AtomicUsize::new(0),
            }
        }

        fn fail<T>(&self) -> Result<T> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            Err(Error::new(ErrorKind::TokenStore, "the store is out").with_code(self.code))
        }
    }

    impl TokenStore for Failing {
        fn load(&self) -> Result<Option<Credential>> {
            self.fail()
        }
        fn save(&self, _: &Credential) -> Result<()> {
            self.fail()
        }
        fn clear(&self) -> Result<()> {
            self.fail()
        }
    }

    /// Records the message of every warning emitted while it is the default subscriber.
    #[derive(Default, Clone)]
    struct Warnings(Arc<Mutex<Vec<String>>>);

    impl tracing::Subscriber for Warnings {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            struct Message<'a>(&'a mut String);
            impl tracing::field::Visit for Message<'_> {
                fn record_debug(&mut self, field: &tracing::field::Field, v: &dyn fmt::Debug) {
                    if field.name() == "message" {
                        *self.0 = format!("{v:?}");
                    }
                }
            }
            if *event.metadata().level() == tracing::Level::WARN {
                let mut text = String::new();
                event.record(&mut Message(&mut text));
                self.0.lock().unwrap_or_else(|p| p.into_inner()).push(text);
            }
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    fn key() -> Credential {
        Credential::ApiKey(Secret::new("rq_live_fallback"))
    }

    #[test]
    fn an_unavailable_keychain_falls_back_to_memory_with_one_warning() {
        let warnings = Warnings::default();
        let store = MemoryFallback::new(Failing::new(UNAVAILABLE));
        tracing::subscriber::with_default(warnings.clone(), || {
            assert_eq!(store.load().unwrap(), None);
            store.save(&key()).unwrap();
            assert_eq!(store.load().unwrap(), Some(key()));
            store.clear().unwrap();
            assert_eq!(store.load().unwrap(), None);
        });
        // Asked once; every later call went to memory.
        assert_eq!(store.inner.calls.load(Ordering::SeqCst), 1);
        let warnings = warnings.0.lock().unwrap().clone();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("no keychain service is running")
                && warnings[0].contains("kept in memory only")
                && warnings[0].contains("EncryptedFileStore"),
            "{}",
            warnings[0]
        );
        assert!(!warnings[0].contains("rq_live_fallback"));
        assert!(format!("{store:?}").starts_with("MemoryStore(in place of Failing"));
    }

    #[test]
    fn a_locked_or_corrupt_keychain_is_reported_not_replaced() {
        for code in ["TOKEN_STORE_LOCKED", "TOKEN_STORE_CORRUPT"] {
            let store = MemoryFallback::new(Failing::new(code));
            assert_eq!(store.load().unwrap_err().error_code(), Some(code));
            assert_eq!(store.save(&key()).unwrap_err().error_code(), Some(code));
            assert_eq!(store.inner.calls.load(Ordering::SeqCst), 2);
        }
    }
}

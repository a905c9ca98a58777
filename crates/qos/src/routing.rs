//! Session rollover: the sessions a gateway may route an application's requests to at a height —
//! the current one, the previous one through its grace period, and the next one as soon as the
//! gateway knows it.
//!
//! # Spec
//! `[QOS-ROLL-1]`, `[QOS-ROLL-2]`, `[QOS-ROLL-3]`.

use alloc::vec::Vec;

use pokt_primitives::{BlockHeight, BlockInterval};

use crate::qos::{Qos, Slot};

/// A session's place on the chain: its first and last block and the last block of its grace
/// period (relays for it are accepted through that block). The caller takes them from the
/// session header and the shared params in force at the session's end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SessionWindow {
    start: BlockHeight,
    end: BlockHeight,
    grace_end: BlockHeight,
}

impl SessionWindow {
    /// A window; `start ≤ end ≤ grace_end` and `start > 0`, or an error.
    pub fn new(
        start: BlockHeight,
        end: BlockHeight,
        grace_end: BlockHeight,
    ) -> Result<Self, RoutingError> {
        if start.get() <= 0 || start > end || end > grace_end {
            return Err(RoutingError::Window {
                start,
                end,
                grace_end,
            });
        }
        Ok(Self {
            start,
            end,
            grace_end,
        })
    }

    /// The session's first block.
    pub fn start(&self) -> BlockHeight {
        self.start
    }

    /// The session's last block.
    pub fn end(&self) -> BlockHeight {
        self.end
    }

    /// The last block of the session's grace period.
    pub fn grace_end(&self) -> BlockHeight {
        self.grace_end
    }

    /// Whether requests may go to this session at `height`: from its start through its end,
    /// then through its grace period less `margin`. `[QOS-ROLL-1]`
    pub fn usable_at(&self, height: BlockHeight, margin: BlockInterval) -> bool {
        if height < self.start {
            return false;
        }
        if height <= self.end {
            return true;
        }
        height
            .checked_add(margin)
            .is_some_and(|h| h <= self.grace_end)
    }
}

/// Why a session cannot be installed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoutingError {
    /// The heights are not `0 < start ≤ end ≤ grace_end`.
    #[error("session window start {start}, end {end}, grace end {grace_end} is not ordered")]
    Window {
        /// First block given.
        start: BlockHeight,
        /// Last block given.
        end: BlockHeight,
        /// Grace end given.
        grace_end: BlockHeight,
    },
    /// The window overlaps an installed session with another start (sessions of one
    /// application and service tile the chain).
    #[error("session starting at {start} overlaps the installed session starting at {installed}")]
    Overlap {
        /// Start of the new session.
        start: BlockHeight,
        /// Start of the installed one.
        installed: BlockHeight,
    },
}

/// A supplier of a routed session, with the slot of its record in the [`Qos`] it was installed
/// with (a hint checked on use).
#[derive(Clone, Debug)]
pub(crate) struct Member<K> {
    pub(crate) key: K,
    pub(crate) slot: Slot,
}

/// One session a gateway may route to: its window, the caller's tag (the session header, a
/// prepared ring, whatever the host needs to send a relay for it) and its suppliers.
#[derive(Clone, Debug)]
pub struct RoutedSession<K, S> {
    window: SessionWindow,
    tag: S,
    pub(crate) members: Vec<Member<K>>,
}

impl<K, S> RoutedSession<K, S> {
    /// The session's window.
    pub fn window(&self) -> &SessionWindow {
        &self.window
    }

    /// The caller's tag.
    pub fn tag(&self) -> &S {
        &self.tag
    }

    /// The session's suppliers, in the order installed (duplicates removed).
    pub fn suppliers(&self) -> impl Iterator<Item = &K> {
        self.members.iter().map(|m| &m.key)
    }
}

/// The sessions of one application and service that requests may be routed to, ordered by start
/// (at most [`Routing::MAX_SESSIONS`]: previous, current, next, and one spare).
///
/// A gateway keeps one per application and service, installs each session as soon as it knows
/// it (the next one before it starts, when the chain can tell), and plans each request with
/// [`Qos::plan`] at the chain height it sees; [`Routing::prune`] drops sessions whose grace
/// period is over.
///
/// # Spec
/// `[QOS-ROLL-1]`, `[QOS-ROLL-2]`, `[QOS-ROLL-3]`.
#[derive(Clone, Debug)]
pub struct Routing<K, S = ()> {
    pub(crate) sessions: Vec<RoutedSession<K, S>>,
}

impl<K, S> Default for Routing<K, S> {
    fn default() -> Self {
        Self {
            sessions: Vec::new(),
        }
    }
}

impl<K: Ord + Clone, S> Routing<K, S> {
    /// Sessions kept at most; installing another drops the oldest.
    pub const MAX_SESSIONS: usize = 4;

    /// No sessions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Installs a session (replacing one with the same start), registering its suppliers with
    /// `qos` so that planning finds their records directly. Suppliers listed twice are kept once.
    /// `[QOS-ROLL-3]`
    pub fn install(
        &mut self,
        qos: &mut Qos<K>,
        window: SessionWindow,
        tag: S,
        suppliers: impl IntoIterator<Item = K>,
        now: core::time::Duration,
    ) -> Result<(), RoutingError> {
        for s in &self.sessions {
            let w = s.window;
            if w.start != window.start && w.start <= window.end && window.start <= w.end {
                return Err(RoutingError::Overlap {
                    start: window.start,
                    installed: w.start,
                });
            }
        }
        let mut members: Vec<Member<K>> = Vec::new();
        let mut seen: Vec<K> = Vec::new();
        for key in suppliers {
            if let Err(at) = seen.binary_search(&key) {
                seen.insert(at, key.clone());
                let slot = qos.register(&key, now);
                members.push(Member { key, slot });
            }
        }
        let entry = RoutedSession {
            window,
            tag,
            members,
        };
        match self
            .sessions
            .binary_search_by(|s| s.window.start.cmp(&window.start))
        {
            Ok(i) => {
                if let Some(s) = self.sessions.get_mut(i) {
                    *s = entry;
                }
            }
            Err(i) => {
                self.sessions.insert(i, entry);
                if self.sessions.len() > Self::MAX_SESSIONS {
                    self.sessions.remove(0);
                }
            }
        }
        Ok(())
    }

    /// Drops the sessions whose grace period has ended at `height` (no relay for them would be
    /// accepted any more).
    pub fn prune(&mut self, height: BlockHeight) {
        self.sessions.retain(|s| s.window.grace_end >= height);
    }

    /// The installed sessions, oldest first.
    pub fn sessions(&self) -> impl Iterator<Item = &RoutedSession<K, S>> {
        self.sessions.iter()
    }

    /// The session starting at `start`.
    pub fn session(&self, start: BlockHeight) -> Option<&RoutedSession<K, S>> {
        self.sessions
            .binary_search_by(|s| s.window.start.cmp(&start))
            .ok()
            .and_then(|i| self.sessions.get(i))
    }

    /// The session containing `height` (from its start through its end), if installed.
    pub fn current(&self, height: BlockHeight) -> Option<&RoutedSession<K, S>> {
        self.sessions
            .iter()
            .rev()
            .find(|s| s.window.start <= height && height <= s.window.end)
    }

    /// The sessions usable at `height`, newest first. `[QOS-ROLL-1]`
    pub fn usable(
        &self,
        height: BlockHeight,
        margin: BlockInterval,
    ) -> impl Iterator<Item = &RoutedSession<K, S>> {
        self.sessions
            .iter()
            .rev()
            .filter(move |s| s.window.usable_at(height, margin))
    }

    /// The height whose session the gateway should fetch next, if it lacks one it will need:
    /// `height` itself when no installed session contains it; the block after the current
    /// session's end once `height` is within `lead` blocks of that end and the next session is
    /// not installed; `None` otherwise. `[QOS-ROLL-3]`
    pub fn wanted(&self, height: BlockHeight, lead: BlockInterval) -> Option<BlockHeight> {
        let Some(cur) = self.current(height) else {
            return Some(height);
        };
        let next = cur.window.end.checked_next()?;
        let near_end = height
            .checked_add(lead)
            .is_some_and(|h| h >= cur.window.end);
        (near_end && self.session(next).is_none()).then_some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::QosConfig;
    use core::time::Duration;

    fn h(x: i64) -> BlockHeight {
        BlockHeight::new(x)
    }

    fn b(x: u64) -> BlockInterval {
        BlockInterval::new(x)
    }

    fn w(start: i64, end: i64, grace: i64) -> SessionWindow {
        SessionWindow::new(h(start), h(end), h(grace)).unwrap()
    }

    #[test]
    fn windows_are_checked() {
        assert!(SessionWindow::new(h(0), h(4), h(5)).is_err());
        assert!(SessionWindow::new(h(5), h(4), h(5)).is_err());
        assert!(SessionWindow::new(h(1), h(4), h(3)).is_err());
        let x = w(1, 4, 5);
        assert!(!x.usable_at(h(0), b(0)));
        assert!(x.usable_at(h(1), b(0)) && x.usable_at(h(4), b(0)) && x.usable_at(h(5), b(0)));
        assert!(!x.usable_at(h(6), b(0)));
        // The margin stops early in the grace period only.
        assert!(x.usable_at(h(4), b(1)) && !x.usable_at(h(5), b(1)));
        assert!(x.usable_at(h(4), b(100)));
    }

    #[test]
    fn install_orders_replaces_refuses_overlap_and_caps() {
        let mut q: Qos<u32> = Qos::new(QosConfig::default()).unwrap();
        let mut r: Routing<u32, &str> = Routing::new();
        let t = Duration::ZERO;
        r.install(&mut q, w(5, 8, 9), "b", [1, 2, 2, 3], t).unwrap();
        r.install(&mut q, w(1, 4, 5), "a", [4, 5], t).unwrap();
        assert_eq!(
            r.sessions().map(|s| *s.tag()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(r.session(h(5)).unwrap().suppliers().count(), 3);
        r.install(&mut q, w(5, 8, 9), "b2", [7], t).unwrap();
        assert_eq!(*r.session(h(5)).unwrap().tag(), "b2");
        assert!(matches!(
            r.install(&mut q, w(3, 6, 7), "x", [1], t),
            Err(RoutingError::Overlap { .. })
        ));
        for k in 2..6 {
            r.install(&mut q, w(4 * k + 1, 4 * k + 4, 4 * k + 5), "n", [9], t)
                .unwrap();
        }
        assert_eq!(r.sessions().count(), Routing::<u32, &str>::MAX_SESSIONS);
        assert_eq!(r.sessions().next().unwrap().window().start(), h(9));
    }

    #[test]
    fn usable_sessions_through_rollover() {
        let mut q: Qos<u32> = Qos::new(QosConfig::default()).unwrap();
        let mut r: Routing<u32> = Routing::new();
        let t = Duration::ZERO;
        r.install(&mut q, w(1, 4, 6), (), [1], t).unwrap();
        let starts = |r: &Routing<u32>, x: i64, m: u64| {
            r.usable(h(x), b(m))
                .map(|s| s.window().start().get())
                .collect::<Vec<_>>()
        };
        assert_eq!(starts(&r, 4, 0), [1]);
        // The next session installed before it starts is not used early.
        r.install(&mut q, w(5, 8, 10), (), [2], t).unwrap();
        assert_eq!(starts(&r, 4, 0), [1]);
        assert_eq!(starts(&r, 5, 0), [5, 1]);
        assert_eq!(starts(&r, 6, 0), [5, 1]);
        assert_eq!(starts(&r, 7, 0), [5]);
        assert_eq!(starts(&r, 6, 1), [5]);
        r.prune(h(6));
        assert_eq!(r.sessions().count(), 2);
        r.prune(h(7));
        assert_eq!(r.sessions().count(), 1);
    }

    #[test]
    fn wanted_asks_for_the_current_then_the_next_session() {
        let mut q: Qos<u32> = Qos::new(QosConfig::default()).unwrap();
        let mut r: Routing<u32> = Routing::new();
        let t = Duration::ZERO;
        assert_eq!(r.wanted(h(3), b(1)), Some(h(3)));
        r.install(&mut q, w(1, 4, 5), (), [1], t).unwrap();
        assert_eq!(r.wanted(h(2), b(1)), None);
        assert_eq!(r.wanted(h(3), b(1)), Some(h(5)));
        assert_eq!(r.wanted(h(4), b(0)), Some(h(5)));
        r.install(&mut q, w(5, 8, 9), (), [2], t).unwrap();
        assert_eq!(r.wanted(h(4), b(1)), None);
        assert_eq!(r.wanted(h(9), b(1)), Some(h(9)));
    }
}

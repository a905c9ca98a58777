//! Stopping a host process: SIGINT (Ctrl-C) or, on Unix, SIGTERM.
//!
//! The handlers are registered when a [`Shutdown`] is made, which each host does *before* it
//! prints the address line scripts and tests wait for: a SIGTERM sent right after that line is a
//! graceful stop, never the default action (death by the signal).

/// Registered signal handlers; [`Shutdown::wait`] resolves at the first signal.
pub(crate) struct Shutdown {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Shutdown {
    /// Registers the handlers now (inside a tokio runtime).
    pub(crate) fn register() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                term: signal(SignalKind::terminate()).ok(),
                int: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Waits for SIGINT or SIGTERM.
    pub(crate) async fn wait(self) {
        #[cfg(unix)]
        {
            let (mut term, mut int) = (self.term, self.int);
            let term = async {
                match term.as_mut() {
                    Some(t) => {
                        t.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            let int = async {
                match int.as_mut() {
                    Some(i) => {
                        i.recv().await;
                    }
                    None => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            };
            tokio::select! {
                () = term => {}
                () = int => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

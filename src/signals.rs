//! Stopping on Ctrl+C and SIGTERM, shared by the commands that must clean up
//! (`create` undoes its changes, `localserver` shuts down).

/// Which signal asked the process to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Ctrl+C (SIGINT).
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl Stop {
    /// `Interrupted` or `Terminated`, for log lines.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Interrupt => "Interrupted",
            Self::Terminate => "Terminated",
        }
    }

    /// `Ctrl+C` or `SIGTERM`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Interrupt => "Ctrl+C",
            Self::Terminate => "SIGTERM",
        }
    }
}

/// Ctrl+C and, on Unix, SIGTERM. Create it before the work it guards starts,
/// so that a signal sent right away is not missed.
pub struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Start listening for the signals.
    pub fn new() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Wait for a signal.
    pub async fn wait(&mut self) -> Stop {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => Stop::Interrupt,
                _ = self.terminate.recv() => Stop::Terminate,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            Stop::Interrupt
        }
    }
}

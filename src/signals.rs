//! Stopping on Ctrl+C and SIGTERM, shared by the commands that must clean up
//! (`create` undoes its changes, `localserver` shuts down, uploads abort
//! their multipart uploads).
//!
//! Listening for a signal replaces the default action (the process ends at
//! once), so a command that listens must end by itself. So that it does
//! whatever it is blocked on (a FIFO nobody writes to, a stalled server),
//! [`StopSignals::bounded`] also arms a watchdog thread that ends the
//! process a fixed time after the first signal.
//!
//! A command listens before it sends its first request: a signal that
//! comes while it waits for an answer is then handled, never lost.
//!
//! A SIGINT that was already ignored when the process started stays
//! ignored, as the shell convention wants: a shell starts background jobs
//! (`cmd &`) and `nohup` runs that way, so that a Ctrl+C meant for the
//! foreground job does not reach them. SIGTERM still stops such a run.

use std::sync::OnceLock;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

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

/// The work was stopped by a signal: what the command returns so that the
/// top level reports `interrupted by Ctrl+C` rather than a failure.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("interrupted by {}", .0.name())]
pub struct Interrupted(pub Stop);

/// After a signal, requests already sent that store something are waited
/// for, and multipart uploads aborted, for at most this long.
pub const CLEANUP: Duration = Duration::from_secs(2);

/// The watchdog of [`StopSignals::bounded`] ends the process this long
/// after the first signal: [`CLEANUP`] and a margin to report.
pub const GRACE: Duration = Duration::from_secs(3);

/// Ctrl+C and, on Unix, SIGTERM. Create it before the work it guards starts,
/// so that a signal sent right away is not missed.
pub struct StopSignals {
    /// `None` when SIGINT was ignored from the start (see [`interrupt_ignored`]).
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

/// Whether SIGINT was ignored when this process started: then no handler
/// is installed for it, and it stays ignored. Read once, before the first
/// handler of the process is installed (they all are, here).
#[cfg(unix)]
#[allow(
    unsafe_code,
    reason = "reading the inherited SIGINT disposition needs libc::sigaction"
)]
fn interrupt_ignored() -> bool {
    static IGNORED: OnceLock<bool> = OnceLock::new();
    *IGNORED.get_or_init(|| {
        // SAFETY: `sigaction` is plain old data, valid zeroed; with no new
        // action the call only reads the current one into `current`.
        unsafe {
            let mut current: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGINT, std::ptr::null(), &mut current) == 0
                && current.sa_sigaction == libc::SIG_IGN
        }
    })
}

/// Whether Ctrl+C is ignored for the whole run (it was at the start), so
/// that only SIGTERM stops it: for messages that tell how to stop.
pub(crate) fn ctrl_c_ignored() -> bool {
    #[cfg(unix)]
    return interrupt_ignored();
    #[cfg(not(unix))]
    false
}

impl StopSignals {
    /// Start listening for the signals.
    pub fn new() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let interrupt = if interrupt_ignored() {
                None
            } else {
                Some(signal(SignalKind::interrupt())?)
            };
            Ok(Self {
                interrupt,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Start listening, and end the process with exit code 1 if it still
    /// runs `grace` after the first signal, whatever it is blocked on.
    pub fn bounded(grace: Duration) -> std::io::Result<Self> {
        let signals = Self::new()?;
        arm_watchdog(grace)?;
        Ok(signals)
    }

    /// Wait for a signal.
    pub async fn wait(&mut self) -> Stop {
        #[cfg(unix)]
        {
            let Self {
                interrupt,
                terminate,
            } = self;
            let interrupted = async {
                match interrupt {
                    Some(interrupt) => interrupt.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = interrupted => Stop::Interrupt,
                _ = terminate.recv() => Stop::Terminate,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            Stop::Interrupt
        }
    }
}

/// Start (once per process) a thread with its own small runtime that waits
/// for a stop signal, then ends the process `grace` later. Its own runtime,
/// because the command's threads may all be blocked; its signal listeners
/// are created before this returns, so no signal is missed.
fn arm_watchdog(grace: Duration) -> std::io::Result<()> {
    static ARMED: OnceLock<()> = OnceLock::new();
    if ARMED.get().is_some() {
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut signals = {
        let _context = runtime.enter();
        StopSignals::new()?
    };
    std::thread::Builder::new()
        .name("stop-watchdog".to_owned())
        .spawn(move || {
            runtime.block_on(async {
                let stop = signals.wait().await;
                tokio::time::sleep(grace).await;
                let _ = std::io::Write::write_all(
                    &mut std::io::stderr(),
                    format!(
                        "{}\n",
                        crate::error::error_text(format_args!(
                            "interrupted by {}; stopped without waiting any longer",
                            stop.name()
                        ))
                    )
                    .as_bytes(),
                );
                std::process::exit(1);
            });
        })?;
    let _ = ARMED.set(());
    Ok(())
}

/// A stop signal any number of tasks can watch: cheap to clone, and it
/// remembers when the signal came.
#[derive(Clone)]
pub(crate) struct StopWatch(watch::Receiver<Option<(Stop, Instant)>>);

impl StopWatch {
    /// Listen for Ctrl+C and SIGTERM (with the watchdog at [`GRACE`]).
    pub(crate) fn listen() -> std::io::Result<Self> {
        let mut signals = StopSignals::bounded(GRACE)?;
        let (sender, receiver) = watch::channel(None);
        tokio::spawn(async move {
            let stop = signals.wait().await;
            let _ = sender.send(Some((stop, Instant::now())));
            // Keep the sender alive, so watchers never see it closed.
            std::future::pending::<()>().await;
        });
        Ok(Self(receiver))
    }

    /// The signal that came, if one did.
    pub(crate) fn signal(&self) -> Option<Stop> {
        self.0.borrow().map(|(stop, _)| stop)
    }

    /// Wait until a signal comes (at once if one already did).
    pub(crate) async fn stopped(&self) -> Stop {
        let mut receiver = self.0.clone();
        let stop = receiver
            .wait_for(Option::is_some)
            .await
            .ok()
            .and_then(|value| value.map(|(stop, _)| stop));
        match stop {
            Some(stop) => stop,
            // The sender lives forever; should it not, never report a stop.
            None => std::future::pending().await,
        }
    }

    /// `work`, unless a signal comes first: then [`Interrupted`] and the
    /// work is dropped. For work that can be thrown away (reading, parts).
    pub(crate) async fn cancel<T>(
        &self,
        work: impl Future<Output = anyhow::Result<T>>,
    ) -> anyhow::Result<T> {
        if let Some(stop) = self.signal() {
            return Err(Interrupted(stop).into());
        }
        tokio::select! {
            result = work => result,
            stop = self.stopped() => Err(Interrupted(stop).into()),
        }
    }

    /// `request`, already on its way, waited for until [`CLEANUP`] after a
    /// signal: a request that may have stored something is not dropped
    /// before its answer says whether it did. `None` when no answer came.
    pub(crate) async fn settle<T>(&self, request: impl Future<Output = T>) -> Option<T> {
        let mut request = std::pin::pin!(request);
        tokio::select! {
            result = &mut request => Some(result),
            _ = self.stopped() => tokio::time::timeout_at(self.deadline(), request).await.ok(),
        }
    }

    /// When clean-up after a signal must be over: [`CLEANUP`] after it (far
    /// away when no signal came).
    pub(crate) fn deadline(&self) -> Instant {
        match *self.0.borrow() {
            Some((_, at)) => at + CLEANUP,
            None => Instant::now() + Duration::from_secs(86_400),
        }
    }
}

//! What the binary adds around a probe run: a progress bar on a terminal, and Ctrl-C.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use certaudit::outcome::EXIT_INTERRUPTED;
use certaudit_core::probe::{Cancel, Hooks, Progress};

/// An indicatif bar on stderr.
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
        self.0.reset();
    }

    fn advance(&self) {
        self.0.inc(1);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// Hooks for a scan that may probe: a bar when `progress` is wanted and stderr is a
/// terminal, and a cancel that Ctrl-C triggers when there is anything to probe.
pub fn hooks(progress: bool, probing: bool) -> Hooks {
    let cancel = Cancel::default();
    if probing {
        watch_ctrl_c(cancel.clone());
    }
    let progress: Option<Arc<dyn Progress>> = (progress && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) = indicatif::ProgressStyle::with_template("probing {bar:40} {pos}/{len} endpoints {elapsed}") {
            bar.set_style(style);
        }
        Arc::new(Bar(bar)) as Arc<dyn Progress>
    });
    Hooks { progress, cancel }
}

/// The first Ctrl-C stops new probes (those in flight finish, the reports are written and say
/// so); the second quits at once with exit code 130. Returns once the handler is installed.
fn watch_ctrl_c(cancel: Cancel) {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let spawned = std::thread::Builder::new().name("ctrl-c".into()).spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            let _ = ready_tx.send(());
            return;
        };
        runtime.block_on(async move {
            let first = tokio::signal::ctrl_c();
            tokio::pin!(first);
            // Polling the future once installs the handler; then the caller may go on.
            let early = tokio::select! {
                biased;
                r = &mut first => Some(r),
                () = std::future::ready(()) => None,
            };
            let _ = ready_tx.send(());
            let received = match early {
                Some(r) => r.is_ok(),
                None => first.await.is_ok(),
            };
            if !received {
                return;
            }
            crate::say("interrupted: no new probes; finishing those in flight, then writing the reports (Ctrl-C again to quit at once)");
            cancel.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            }
        });
    });
    if spawned.is_ok() {
        let _ = ready_rx.recv_timeout(Duration::from_secs(5));
    }
}

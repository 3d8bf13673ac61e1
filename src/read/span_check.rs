//! The second thread of search-first reading: it checks the spans of an
//! input that the search rules out (whole blocks holding none of the
//! pattern's literals) while the reading thread searches on and parses the
//! blocks that may match. Spans travel as ranges of the reading thread's
//! own line buffers, shared (`Arc`) rather than copied; verdicts (lines,
//! samples and the first error of each span) come back in the order the
//! spans were sent. What a span says is decided by the function the
//! reading thread hands over ([`crate::read::traces`] gives its
//! `quick_check` and line-by-line check); this module only runs it.

use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;

use crate::error::Error;

thread_local! {
    /// Whether this thread reads one of several inputs read at once, whose
    /// reading threads keep every core busy already.
    static CORES_TAKEN: Cell<bool> = const { Cell::new(false) };
}

/// Says that the current thread reads one of several inputs read at once
/// (`taken`): its readers then check the spans they skip themselves rather
/// than start a thread for it, so that threads never outnumber cores.
pub(crate) fn set_cores_taken(taken: bool) {
    CORES_TAKEN.with(|c| c.set(taken));
}

/// Whether a reader on the current thread may start a checking thread:
/// more than one core, and no sibling reading threads taking them.
pub(crate) fn may_start_a_thread() -> bool {
    !CORES_TAKEN.with(Cell::get) && std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2
}

/// Bytes of spans sent to the checking thread in one message.
const BATCH_BYTES: usize = 1 << 17;

/// One span to check: `buf[start..end]`, whole blocks, the last one closed
/// by the exact separator line that starts at `limit`.
pub(crate) struct Job {
    /// The reading thread's buffer holding the span.
    pub buf: Arc<Vec<u8>>,
    /// Where the span starts (where a block starts).
    pub start: usize,
    /// Where the separator line closing its last block starts.
    pub limit: usize,
    /// Where the span ends: after that separator line's `\n`.
    pub end: usize,
}

/// What checking a span found.
pub(crate) struct Verdict {
    /// Lines in the span.
    pub lines: u64,
    /// Complete blocks (samples) in the span.
    pub samples: u64,
    /// The first error in the span, at its line counted from the span's
    /// start (1 for its first line).
    pub error: Option<Error>,
}

/// The reading thread's end of a checking thread.
pub(crate) struct Checker {
    jobs: Option<mpsc::Sender<Vec<Job>>>,
    verdicts: mpsc::Receiver<Vec<Verdict>>,
    thread: Option<JoinHandle<()>>,
    /// Set when the reader stops early: the batches sent are dropped.
    stop: Arc<AtomicBool>,
    /// Jobs not sent yet, and their bytes.
    outbox: Vec<Job>,
    outbox_bytes: usize,
    /// Verdicts received, not yet taken.
    inbox: VecDeque<Verdict>,
}

impl Checker {
    /// Starts a thread that runs `check` on every span sent to it, in
    /// order. It stops after the first span with an error (its verdicts
    /// are all the reader takes), or when the reader hangs up. `None` when
    /// no thread can be started (then the reader checks spans itself).
    pub fn start(mut check: impl FnMut(&Job) -> Verdict + Send + 'static) -> Option<Checker> {
        let (jobs, inbound) = mpsc::channel::<Vec<Job>>();
        let (outbound, verdicts) = mpsc::channel::<Vec<Verdict>>();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("span-check".to_owned())
            .spawn(move || {
                for batch in inbound {
                    if stopped.load(Ordering::Relaxed) {
                        return;
                    }
                    let done: Vec<Verdict> = batch.iter().map(&mut check).collect();
                    // The buffers go back to the reader before it hears.
                    drop(batch);
                    let failed = done.iter().any(|v| v.error.is_some());
                    if outbound.send(done).is_err() || failed {
                        return;
                    }
                }
            })
            .ok()?;
        Some(Checker {
            jobs: Some(jobs),
            verdicts,
            thread: Some(thread),
            stop,
            outbox: Vec::new(),
            outbox_bytes: 0,
            inbox: VecDeque::new(),
        })
    }

    /// Queues a span; spans go to the thread in batches.
    pub fn push(&mut self, job: Job) {
        self.outbox_bytes += job.end - job.start;
        self.outbox.push(job);
        if self.outbox_bytes >= BATCH_BYTES {
            self.flush();
        }
    }

    /// Sends the spans queued.
    pub fn flush(&mut self) {
        if self.outbox.is_empty() {
            return;
        }
        self.outbox_bytes = 0;
        let batch = std::mem::take(&mut self.outbox);
        if let Some(jobs) = &self.jobs {
            // A thread gone after an error: its verdicts say so.
            let _ = jobs.send(batch);
        }
    }

    /// The verdict on the oldest span not yet answered, if it is in.
    pub fn try_next(&mut self) -> Option<Verdict> {
        if self.inbox.is_empty() {
            while let Ok(done) = self.verdicts.try_recv() {
                self.inbox.extend(done);
            }
        }
        self.inbox.pop_front()
    }

    /// The verdict on the oldest span not yet answered, waiting for it
    /// (the spans queued are sent first).
    pub fn next(&mut self) -> Verdict {
        if let Some(verdict) = self.try_next() {
            return verdict;
        }
        self.flush();
        match self.verdicts.recv() {
            Ok(done) => {
                self.inbox.extend(done);
                self.inbox.pop_front().expect("a batch holds a verdict per span")
            }
            Err(_) => {
                // The thread ended without answering: it panicked.
                self.jobs = None;
                if let Some(Err(panic)) = self.thread.take().map(JoinHandle::join) {
                    std::panic::resume_unwind(panic);
                }
                unreachable!("the checking thread ended with spans unanswered")
            }
        }
    }
}

impl Drop for Checker {
    /// Hangs up and waits for the thread (it ends after the batch it is on).
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.jobs = None;
        self.outbox.clear();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

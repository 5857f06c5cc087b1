//! Parallel work over a stream with results handed on in input order, without batches.
//!
//! `extract` used to analyse 64 articles, wait for the slowest of them, then write them while the
//! workers idled; the reading of the next batch waited too. Here the reader keeps up to
//! `window` items in flight, the workers take them one at a time, and each result is written
//! as soon as it and every one before it are done, so no core waits at a batch's end.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;

/// Runs `work` on every item of `items` on `pool`, at most `window` items at a time, and gives
/// each result to `emit` in the order of `items`. A `work` that panics gives `Err` with the
/// panic's message to `emit` instead of taking the run down. The first error of `emit` stops
/// the reading and is returned once the items in flight are done.
pub fn for_each_ordered<I, T, R, W, E>(
    pool: &rayon::ThreadPool,
    items: I,
    window: usize,
    work: W,
    mut emit: E,
) -> anyhow::Result<()>
where
    I: Iterator<Item = T>,
    T: Send,
    R: Send,
    W: Fn(T) -> R + Sync,
    E: FnMut(Result<R, String>) -> anyhow::Result<()>,
{
    let window = window.max(1);
    let work = &work;
    let (tx, rx) = mpsc::channel::<(usize, Result<R, String>)>();
    pool.in_place_scope_fifo(|scope| {
        let mut order = InOrder { held: VecDeque::new(), next: 0 };
        let (mut sent, mut received) = (0usize, 0usize);
        let mut outcome = Ok(());
        // Files a result and hands on those that are now next in order. After an error,
        // results are still received (the jobs must end) but no longer handed on.
        let mut take = |(i, r): (usize, Result<R, String>), order: &mut InOrder<_>, outcome: &mut anyhow::Result<()>| {
            if outcome.is_ok() {
                order.put(i, r);
                while let Some(r) = order.pop() {
                    if let Err(e) = emit(r) {
                        *outcome = Err(e);
                        return;
                    }
                }
            }
        };
        for item in items {
            // Every job sends exactly once (a panic is caught), and `tx` is still held, so
            // `recv` returns while any is in flight.
            while outcome.is_ok() && sent - order.next >= window && received < sent {
                let Ok(m) = rx.recv() else { break };
                received += 1;
                take(m, &mut order, &mut outcome);
            }
            if outcome.is_err() {
                break;
            }
            let tx = tx.clone();
            let i = sent;
            scope.spawn_fifo(move |_| {
                let r = catch_unwind(AssertUnwindSafe(|| work(item))).map_err(panic_message);
                // The receiver is gone only if the scope ended early; nobody wants it then.
                let _ = tx.send((i, r));
            });
            sent += 1;
            while let Ok(m) = rx.try_recv() {
                received += 1;
                take(m, &mut order, &mut outcome);
            }
        }
        drop(tx);
        while received < sent {
            let Ok(m) = rx.recv() else { break };
            received += 1;
            take(m, &mut order, &mut outcome);
        }
        outcome
    })
}

/// Results that arrived out of order, held until those before them are handed on.
struct InOrder<R> {
    /// `held[k]` is the result of item `next + k`, once it is done.
    held: VecDeque<Option<R>>,
    /// The next item to hand on.
    next: usize,
}

impl<R> InOrder<R> {
    fn put(&mut self, i: usize, r: R) {
        let k = i - self.next;
        if self.held.len() <= k {
            self.held.resize_with(k + 1, || None);
        }
        self.held[k] = Some(r);
    }

    /// The result of item `next`, if it is done.
    fn pop(&mut self) -> Option<R> {
        let r = self.held.front_mut()?.take()?;
        self.held.pop_front();
        self.next += 1;
        Some(r)
    }
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    match p.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => match p.downcast::<&'static str>() {
            Ok(s) => (*s).to_string(),
            Err(_) => "panicked".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(n: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap()
    }

    #[test]
    fn results_come_in_input_order_whatever_finishes_first() {
        for (threads, window) in [(1, 1), (2, 3), (4, 64)] {
            let mut got = Vec::new();
            for_each_ordered(
                &pool(threads),
                0..200u64,
                window,
                |i| {
                    // Later items often finish first.
                    std::thread::sleep(std::time::Duration::from_micros((200 - i) % 7 * 50));
                    i * i
                },
                |r| {
                    got.push(r.unwrap());
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(got, (0..200u64).map(|i| i * i).collect::<Vec<_>>(), "{threads} threads, window {window}");
        }
    }

    #[test]
    fn a_panic_is_one_items_error() {
        let mut got = Vec::new();
        for_each_ordered(
            &pool(2),
            0..10,
            4,
            |i| {
                if i == 3 {
                    panic!("item {i} is bad");
                }
                i
            },
            |r| {
                got.push(r);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(got.len(), 10);
        assert_eq!(got[3], Err("item 3 is bad".to_string()));
        assert!(got.iter().enumerate().all(|(i, r)| i == 3 || *r == Ok(i)));
    }

    #[test]
    fn an_emit_error_stops_the_reading() {
        let read = std::sync::atomic::AtomicUsize::new(0);
        let items = (0..10_000).inspect(|_| {
            read.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        let mut emitted = 0;
        let e = for_each_ordered(&pool(2), items, 8, |i| i, |_| {
            emitted += 1;
            if emitted == 5 {
                anyhow::bail!("disk full");
            }
            Ok(())
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "disk full");
        assert_eq!(emitted, 5);
        assert!(read.load(std::sync::atomic::Ordering::Relaxed) < 100);
    }
}

//! One `serial` batch of a play under its strategy: the linear strategy
//! walks the play once for all hosts; `free` and `host_pinned` walk it
//! once per host, in threads the scheduler (`free`) takes turns between.

use super::free::{DoneGuard, End, FreeRun, HostOutcome, Identities};
use super::live_inventory::InventoryEdits;
use super::scope::Scope;
use super::strategy::{Scheduling, Strategy};
use super::walk::PlayRun;
use super::{RunOptions, Shared};
use crate::output::Stats;
use crate::playbook::model::{Item, Play};
use crate::vars::PlayScope;
use std::collections::HashSet;
use std::sync::Arc;

/// What a batch runs: fact gathering, then each section (pre_tasks,
/// roles + tasks, post_tasks) followed by a handler flush.
pub struct BatchPlan<'p> {
    pub play: &'p Play,
    pub base: Scope,
    /// The play's content, built once per play: under `free`, a task's
    /// address is its banner identity across batches.
    pub content: &'p PlayContent,
    pub identities: &'p Identities,
    /// The fact gathering task: a new one for every batch, as ansible's
    /// iterator makes it (`batch_index` tells them apart under `free`).
    pub gather: Option<Vec<Item>>,
    /// DEFAULT_GATHERING `smart`: hosts whose facts were gathered before
    /// (this run or, with a persistent fact cache, an earlier one) skip
    /// the gathering task.
    pub smart_gathering: bool,
    pub batch_index: usize,
    pub inventory: &'p dyn InventoryEdits,
    pub max_fail_percentage: Option<f64>,
    /// The batch as cut (hosts that failed earlier included).
    pub batch_size: usize,
}

/// What a play runs after fact gathering: its sections (pre_tasks,
/// roles + tasks, post_tasks).
pub struct PlayContent {
    pub sections: Vec<Vec<Item>>,
}

/// How a batch ended.
#[derive(Default)]
pub struct BatchOutcome {
    pub fatal: Option<super::RunAbort>,
    /// `meta: end_play`: no later batch.
    pub play_ended: bool,
    /// `max_fail_percentage` was exceeded: no later play.
    pub break_play: bool,
    pub failed: HashSet<String>,
    pub cleared: HashSet<String>,
}

impl BatchPlan<'_> {
    /// A walker for `hosts`, with the play's handlers and settings.
    fn prepare<'a>(&'a self, run: &mut PlayRun<'a>, hosts: &[String]) {
        run.add_handlers(&self.play.roles, &self.play.handlers, &self.base);
        if let Some(force) = self
            .play
            .keywords
            .get("force_handlers")
            .and_then(|a| a.value.ansible_bool())
        {
            run.force_handlers = force;
        }
        run.inventory = Some(self.inventory);
        run.batch_size = self.batch_size;
        run.batch_hosts = hosts.to_vec();
    }

    /// The play's content on `hosts` (the whole batch, or one host).
    fn walk(&self, run: &mut PlayRun, hosts: &[String]) {
        if let Some(gather) = &self.gather {
            if let Some(Item::Task(task)) = gather.first() {
                run.gather_key = Some((task as *const _ as usize, self.batch_index));
            }
            let store = &run.shared.factory.store;
            let gathering: Vec<String> = hosts
                .iter()
                .filter(|h| !self.smart_gathering || !store.facts_gathered(h))
                .cloned()
                .collect();
            if !gathering.is_empty() {
                run.run_items(gather, &self.base, &gathering);
            }
        }
        for section in &self.content.sections {
            if run.is_ended() {
                break;
            }
            run.run_items(section, &self.base, hosts);
            let active = run.active(hosts);
            if !run.force_handlers && active.is_empty() {
                continue;
            }
            run.flush_handlers(hosts);
        }
    }

    pub fn run(
        &self,
        strategy: Strategy,
        shared: &Shared,
        options: &RunOptions,
        stats: &mut Stats,
        play: Arc<PlayScope>,
        batch: &[String],
    ) -> BatchOutcome {
        match strategy.scheduling {
            Scheduling::Linear => self.run_linear(shared, options, stats, play, batch),
            Scheduling::Free | Scheduling::HostPinned => {
                self.run_free(shared, options, stats, play, batch, strategy)
            }
        }
    }

    fn run_linear(
        &self,
        shared: &Shared,
        options: &RunOptions,
        stats: &mut Stats,
        play: Arc<PlayScope>,
        batch: &[String],
    ) -> BatchOutcome {
        let mut run = PlayRun::new(shared, options, stats, play);
        self.prepare(&mut run, batch);
        run.max_fail_percentage = self.max_fail_percentage;
        self.walk(&mut run, batch);
        BatchOutcome {
            fatal: run.fatal.take(),
            play_ended: run.is_play_ended(),
            break_play: run.break_play,
            failed: std::mem::take(&mut run.failed_for_run),
            cleared: std::mem::take(&mut run.cleared_for_run),
        }
    }

    fn run_free(
        &self,
        shared: &Shared,
        options: &RunOptions,
        stats: &mut Stats,
        play: Arc<PlayScope>,
        batch: &[String],
        strategy: Strategy,
    ) -> BatchOutcome {
        let pinned = strategy.scheduling == Scheduling::HostPinned;
        let free = FreeRun::new(
            batch,
            shared.forks,
            pinned,
            Arc::clone(&play),
            Arc::clone(self.identities),
        );
        if self.max_fail_percentage.is_some() {
            free.warn_once(
                "Using max_fail_percentage with the free strategy is not supported, as tasks are executed independently on each host",
            );
        }
        if let Ok(mut cb) = shared.callback.lock() {
            cb.independent_hosts = strategy.late_banners;
        }
        let outcomes: Vec<HostOutcome> = std::thread::scope(|s| {
            let handles: Vec<_> = batch
                .iter()
                .enumerate()
                .map(|(index, host)| {
                    let port = free.port(index);
                    let play = Arc::clone(&play);
                    s.spawn(move || {
                        let _done = DoneGuard(port);
                        let mut stats = Stats::default();
                        let hosts = vec![host.clone()];
                        let mut outcome = HostOutcome {
                            stats: Stats::default(),
                            failed: HashSet::new(),
                            cleared: HashSet::new(),
                            fatal: None,
                        };
                        if !port.wait_start() {
                            return outcome;
                        }
                        {
                            let mut run = PlayRun::new(shared, options, &mut stats, play);
                            self.prepare(&mut run, batch);
                            run.free = Some(port);
                            self.walk(&mut run, &hosts);
                            outcome.fatal = run.fatal.take();
                            outcome.failed = std::mem::take(&mut run.failed_for_run);
                            outcome.cleared = std::mem::take(&mut run.cleared_for_run);
                        }
                        outcome.stats = stats;
                        outcome
                    })
                })
                .collect();
            let no_hosts_left = || {
                if let Ok(mut cb) = shared.callback.lock() {
                    cb.no_hosts_remaining();
                }
            };
            free.schedule(&no_hosts_left);
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        if let Ok(mut cb) = shared.callback.lock() {
            cb.independent_hosts = false;
        }
        let mut result = BatchOutcome::default();
        for outcome in outcomes {
            for (host, counts) in outcome.stats.hosts {
                stats.host(&host).add(&counts);
            }
            result.failed.extend(outcome.failed);
            result.cleared.extend(outcome.cleared);
            if result.fatal.is_none() {
                result.fatal = outcome.fatal;
            }
        }
        match free.end() {
            Some(End::Fatal(msg)) => result.fatal = Some(msg),
            Some(End::Play) => result.play_ended = true,
            _ => {}
        }
        result
    }
}

//! The `free` and `host_pinned` strategies: each host goes through the
//! play on its own, up to `forks` hosts' tasks at once.
//!
//! Every host of the batch walks the task tree in its own thread, with
//! the same walker the linear strategy uses (`PlayRun` over that one
//! host). The walker stops at each task (`HostPort::ready`) and waits for
//! this module's scheduler, a port of ansible's `free.py` loop: in rounds
//! it visits the hosts in order, starts the next task of each host that
//! is not busy (meta tasks run at once), then processes the results that
//! are in, then loads the files those results included. Only one thread
//! at a time walks or processes (the scheduler hands the turn over and
//! waits for it back), so output, variables and handlers change in one
//! deterministic order; tasks themselves run in parallel.
//!
//! Which results are "in" at the end of a round is timing in ansible.
//! Here it is a rule that reproduces what ansible does with one fork: a
//! task started in this round is still running unless the scheduler had
//! to wait for it to free a worker; one started earlier is in once it has
//! finished; a task counts against a `throttle` until its result is
//! processed. With more forks the order follows real completion, as in
//! ansible.

use super::walk::PlayRun;
use crate::playbook::model::{Item, Role};
use crate::value::Map;
use crate::vars::PlayScope;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Identity of a task for banners: the same task (one object in the play
/// or in one loaded include) has the same banner identity on every host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskKey {
    /// The address of the task in the play's (or an include's) tree,
    /// which lives as long as the play (`PlayIdentities`).
    Task(usize),
    /// The handler's position in the play's handler list.
    Handler(usize),
    /// The implicit `flush_handlers` at the end of a section.
    Implicit,
    /// Fact gathering of batch N.
    Gather(usize),
    /// The implicit `role_complete` at the end of a role (by its block).
    RoleEnd(usize),
}

/// What a host asks to run next.
#[derive(Debug, Clone)]
pub struct Step {
    pub key: TaskKey,
    /// `throttle` of the task for this host (0: none).
    pub throttle: usize,
    /// Meta tasks run at once, on the scheduler's turn, without a worker.
    pub meta: bool,
}

/// An include a host's result asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct IncludeRequest {
    pub task: TaskKey,
    pub target: String,
    pub from: [Option<String>; 4],
    pub params: Map,
    pub label: Option<String>,
}

/// An include loaded once for every host that asked for it in a round.
pub struct IncludeLoad {
    pub items: Vec<Item>,
    /// The role of an `include_role` (its handlers join each host's).
    pub role: Option<Role>,
}

/// What loading an include gave: its content, or why it failed.
pub type LoadOutcome = Result<Arc<IncludeLoad>, String>;

/// The hosts that asked for one include, and what loading it gave.
#[derive(Clone)]
pub struct IncludeGroup {
    pub request: IncludeRequest,
    pub hosts: Vec<String>,
    loader: usize,
    pub outcome: Option<LoadOutcome>,
}

#[derive(Debug, Clone)]
enum Phase {
    /// Not started yet.
    Waiting,
    /// Has the turn: walking the tree or processing a result.
    Walking,
    Ready(Step),
    /// Its task runs (in parallel with others).
    Running,
    /// Its task finished; the result waits to be processed.
    Finished,
    /// Its result included files; waits for them to be loaded.
    IncludeWait,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    /// Start walking / run the step it is ready with.
    Go,
    /// Process the finished task's result.
    Process,
    /// Load include group N (this host is its loader).
    LoadInclude(usize),
    /// The includes it waits for are loaded.
    IncludesLoaded,
    /// Stop: the batch or the run ends.
    Abort,
}

#[derive(Debug, Clone, Copy)]
struct InFlight {
    key: TaskKey,
    round: u64,
    done: bool,
    /// The scheduler waited for it to free a worker: its result counts as
    /// in at the end of the round that started it.
    released: bool,
}

struct Slot {
    host: String,
    phase: Phase,
    command: Option<Command>,
    unreachable: bool,
    task: Option<InFlight>,
    /// Handlers notified in its running flush that have not started.
    flush_pending: usize,
    /// Includes its last result asked for, and the groups they joined.
    requests: Vec<IncludeRequest>,
    includes: Vec<usize>,
}

/// How the batch ended early.
#[derive(Debug, Clone, PartialEq)]
pub enum End {
    /// `meta: end_batch`.
    Batch,
    /// `meta: end_play`.
    Play,
    /// An error that ends the run.
    Fatal(super::RunAbort),
}

struct State {
    slots: Vec<Slot>,
    /// Finished tasks in completion order (slot indices).
    finished: Vec<usize>,
    round: u64,
    end: Option<End>,
    /// The play as hosts see it (`ansible_play_hosts` shrinks as hosts
    /// fail, on every host).
    play: Arc<PlayScope>,
    groups: Vec<IncludeGroup>,
    /// Hosts waiting for includes, in the order their results came.
    include_waiting: Vec<usize>,
    warned: HashSet<String>,
}

/// Banner identities and names of a play's tasks, kept across its
/// batches (ansible's tasks keep their uuid from batch to batch), and the
/// includes loaded in the play: their tasks' addresses are identities, so
/// they must not be freed (and reused) while the play runs.
#[derive(Default)]
pub struct PlayIdentities {
    names: Mutex<HashMap<TaskKey, (usize, String)>>,
    loaded: Mutex<Vec<Arc<IncludeLoad>>>,
}

pub type Identities = Arc<PlayIdentities>;

pub struct FreeRun {
    state: Mutex<State>,
    identities: Identities,
    wake: Condvar,
    forks: usize,
    pinned: bool,
}

impl FreeRun {
    pub fn new(
        hosts: &[String],
        forks: usize,
        pinned: bool,
        play: Arc<PlayScope>,
        identities: Identities,
    ) -> FreeRun {
        let slots = hosts
            .iter()
            .map(|h| Slot {
                host: h.clone(),
                phase: Phase::Waiting,
                command: None,
                unreachable: false,
                task: None,
                flush_pending: 0,
                requests: Vec::new(),
                includes: Vec::new(),
            })
            .collect();
        FreeRun {
            state: Mutex::new(State {
                slots,
                finished: Vec::new(),
                round: 0,
                end: None,
                play,
                groups: Vec::new(),
                include_waiting: Vec::new(),
                warned: HashSet::new(),
            }),
            identities,
            wake: Condvar::new(),
            // ansible starts min(forks, batch size) workers.
            forks: forks.clamp(1, hosts.len().max(1)),
            pinned,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn wait<'g>(&self, guard: MutexGuard<'g, State>) -> MutexGuard<'g, State> {
        match self.wake.wait(guard) {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub fn port(&self, index: usize) -> HostPort<'_> {
        HostPort { run: self, index }
    }

    /// How the batch ended early, if it did.
    pub fn end(&self) -> Option<End> {
        self.lock().end.clone()
    }

    /// Is a handler notified in some host's running flush and not started
    /// yet?
    pub fn any_flush_pending(&self) -> bool {
        self.lock().slots.iter().any(|s| s.flush_pending > 0)
    }

    /// A warning, once per batch (ansible's display shows each once).
    pub fn warn_once(&self, msg: &str) {
        let mut state = self.lock();
        if state.warned.insert(msg.to_string()) {
            crate::cli::display::warning(msg);
        }
    }

    // ----- the scheduler -----

    /// A host's finished task: processed by its walker (aborted when the
    /// run ended in an error).
    fn take_result<'g>(
        &'g self,
        mut state: MutexGuard<'g, State>,
        index: usize,
    ) -> MutexGuard<'g, State> {
        state.finished.retain(|i| *i != index);
        state.slots[index].task = None;
        let command = if matches!(state.end, Some(End::Fatal(_))) {
            Command::Abort
        } else {
            Command::Process
        };
        self.command(state, index, command)
    }

    /// Give `index` a command and wait until it has settled (done with its
    /// turn).
    fn command<'g>(
        &'g self,
        mut state: MutexGuard<'g, State>,
        index: usize,
        command: Command,
    ) -> MutexGuard<'g, State> {
        state.slots[index].command = Some(command);
        state.slots[index].phase = Phase::Walking;
        self.wake.notify_all();
        while matches!(state.slots[index].phase, Phase::Walking) {
            state = self.wait(state);
        }
        state
    }

    /// Tasks occupying a worker: running, or finished in this round
    /// without the scheduler having waited for them.
    fn busy(state: &State) -> Vec<usize> {
        (0..state.slots.len())
            .filter(|i| {
                state.slots[*i]
                    .task
                    .is_some_and(|t| !t.done || (t.round == state.round && !t.released))
            })
            .collect()
    }

    /// Wait until a worker is free (`_queue_task` with all workers busy).
    fn free_a_worker<'g>(&'g self, mut state: MutexGuard<'g, State>) -> MutexGuard<'g, State> {
        loop {
            let busy = Self::busy(&state);
            if busy.len() < self.forks {
                return state;
            }
            let done = busy
                .iter()
                .copied()
                .find(|i| state.slots[*i].task.is_some_and(|t| t.done));
            match done {
                Some(i) => {
                    if let Some(t) = state.slots[i].task.as_mut() {
                        t.released = true;
                    }
                }
                None => state = self.wait(state),
            }
        }
    }

    /// Run the batch: returns when every host is done. `no_hosts_left` is
    /// called when every host is unreachable (ansible's "NO MORE HOSTS
    /// LEFT").
    pub fn schedule(&self, no_hosts_left: &dyn Fn()) {
        let mut state = self.lock();
        let count = state.slots.len();
        // Hosts start walking one at a time, in order, up to their first
        // task.
        for index in 0..count {
            state = self.command(state, index, Command::Go);
        }
        let mut last_host = 0usize;
        let mut workers_free = self.forks as i64;
        loop {
            if matches!(state.end, Some(End::Fatal(_))) {
                break;
            }
            let hosts_left: Vec<usize> = (0..count)
                .filter(|i| !state.slots[*i].unreachable)
                .collect();
            if hosts_left.is_empty() {
                drop(state);
                no_hosts_left();
                state = self.lock();
                break;
            }
            state.round += 1;
            let mut work_to_do = false;
            let mut progressed = false;
            let mut meta_dummy_results = 0;
            if last_host >= hosts_left.len() {
                last_host = 0;
            }
            let starting_host = last_host;
            loop {
                let index = hosts_left[last_host];
                let (step, blocked) = match &state.slots[index].phase {
                    Phase::Ready(step) => (Some(step.clone()), false),
                    Phase::Running | Phase::Finished => (None, true),
                    _ => (None, false),
                };
                if step.is_some() || blocked {
                    work_to_do = true;
                }
                if let Some(step) = step {
                    if state.end.is_some() {
                        // The batch ended: the host stops here.
                        state = self.command(state, index, Command::Abort);
                        progressed = true;
                    } else {
                        if step.throttle > 0 {
                            // A worker lives a little after its result is
                            // in; ansible processes the result before it
                            // sees the worker gone, so a task counts here
                            // until its result is processed.
                            let same = state
                                .slots
                                .iter()
                                .filter(|s| s.task.is_some_and(|t| t.key == step.key))
                                .count();
                            if same >= step.throttle {
                                break;
                            }
                        }
                        if step.meta {
                            if self.pinned {
                                meta_dummy_results += 1;
                                workers_free -= 1;
                            }
                            state = self.command(state, index, Command::Go);
                        } else {
                            state = self.free_a_worker(state);
                            state = self.command(state, index, Command::Go);
                            if state.slots[index].task.is_some() {
                                workers_free -= 1;
                            }
                        }
                        progressed = true;
                    }
                }
                if self.pinned && workers_free <= 0 && work_to_do {
                    last_host = starting_host;
                    break;
                }
                last_host += 1;
                if last_host >= hosts_left.len() {
                    last_host = 0;
                }
                if last_host == starting_host {
                    break;
                }
            }
            if matches!(state.end, Some(End::Fatal(_))) {
                break;
            }
            // Results that are in, in the order they came.
            let mut ready = self.results_in(&state);
            if ready.is_empty() && !progressed {
                // Nothing moved this round: wait for a task to finish
                // (ansible polls until one does). A host whose thread is
                // gone has no task any more.
                while ready.is_empty() && state.slots.iter().any(|s| s.task.is_some()) {
                    state = self.wait(state);
                    ready = self.results_in(&state);
                }
            }
            let processed = ready.len();
            for index in ready {
                state = self.take_result(state, index);
            }
            workers_free += processed as i64 + meta_dummy_results;
            state = self.load_includes(state);
            if !work_to_do {
                break;
            }
        }
        // Hosts still waiting for something (the run ended) stop; tasks
        // still running finish first.
        loop {
            let pending: Vec<usize> = (0..count)
                .filter(|i| !matches!(state.slots[*i].phase, Phase::Done))
                .collect();
            if pending.is_empty() {
                break;
            }
            let mut moved = false;
            for index in pending {
                match state.slots[index].phase {
                    Phase::Ready(_) | Phase::IncludeWait | Phase::Waiting => {
                        state = self.command(state, index, Command::Abort);
                        moved = true;
                    }
                    Phase::Finished => {
                        state = self.take_result(state, index);
                        moved = true;
                    }
                    _ => {}
                }
            }
            if !moved {
                state = self.wait(state);
            }
        }
    }

    /// Finished tasks whose results are in at the end of this round.
    fn results_in(&self, state: &State) -> Vec<usize> {
        state
            .finished
            .iter()
            .copied()
            .filter(|i| {
                state.slots[*i]
                    .task
                    .is_some_and(|t| t.done && (t.released || t.round < state.round))
            })
            .collect()
    }

    /// Group the includes asked for in this round (same task, file and
    /// loop variables: one group), have each group loaded by its first
    /// host, then let every waiting host go on.
    fn load_includes<'g>(&'g self, mut state: MutexGuard<'g, State>) -> MutexGuard<'g, State> {
        let waiting = std::mem::take(&mut state.include_waiting);
        if waiting.is_empty() {
            return state;
        }
        let first_group = state.groups.len();
        for index in &waiting {
            let requests = std::mem::take(&mut state.slots[*index].requests);
            let host = state.slots[*index].host.clone();
            let mut joined = Vec::new();
            for request in requests {
                // A host joins an equal include of another host, never
                // one it is already in (`IncludedFile.add_host`): its own
                // duplicate loop items stay separate includes.
                let existing = (first_group..state.groups.len()).find(|g| {
                    state.groups[*g].request == request && !state.groups[*g].hosts.contains(&host)
                });
                let group = match existing {
                    Some(g) => {
                        state.groups[g].hosts.push(host.clone());
                        g
                    }
                    None => {
                        state.groups.push(IncludeGroup {
                            request,
                            hosts: vec![host.clone()],
                            loader: *index,
                            outcome: None,
                        });
                        state.groups.len() - 1
                    }
                };
                joined.push(group);
            }
            state.slots[*index].includes = joined;
        }
        for group in first_group..state.groups.len() {
            let loader = state.groups[group].loader;
            state = self.command(state, loader, Command::LoadInclude(group));
        }
        for index in waiting {
            state = self.command(state, index, Command::IncludesLoaded);
        }
        state
    }
}

/// A host's side of the scheduler.
#[derive(Clone, Copy)]
pub struct HostPort<'f> {
    run: &'f FreeRun,
    index: usize,
}

impl<'f> HostPort<'f> {
    pub fn run(&self) -> &'f FreeRun {
        self.run
    }

    /// Hand the turn back in `phase` and wait for the next command.
    fn hand_back(&self, phase: Phase) -> Command {
        self.hand_back_after(phase, |_| {})
    }

    /// [`Self::hand_back`] after `record` updated the state, under the
    /// same lock: the scheduler must never see what `record` wrote (a
    /// finished task, a wait for includes) before the phase that goes with
    /// it, or the command it then gives would be overwritten by the phase
    /// (the scheduler would take the host for settled while it still
    /// walks).
    fn hand_back_after(&self, phase: Phase, record: impl FnOnce(&mut State)) -> Command {
        let mut state = self.run.lock();
        record(&mut state);
        state.slots[self.index].phase = phase;
        self.run.wake.notify_all();
        loop {
            if let Some(command) = state.slots[self.index].command.take() {
                return command;
            }
            state = self.run.wait(state);
        }
    }

    /// Wait for the scheduler to let this host start.
    pub fn wait_start(&self) -> bool {
        let mut state = self.run.lock();
        loop {
            if let Some(command) = state.slots[self.index].command.take() {
                return command == Command::Go;
            }
            state = self.run.wait(state);
        }
    }

    /// The host is ready with its next task; true when it may run it
    /// (false: the batch ended, stop walking).
    pub fn ready(&self, step: Step) -> bool {
        if self.run.lock().end.is_some() {
            return false;
        }
        self.hand_back(Phase::Ready(step)) == Command::Go
    }

    /// The task starts: the host gives up its turn while it runs.
    pub fn start(&self, key: TaskKey) {
        let mut state = self.run.lock();
        let round = state.round;
        let slot = &mut state.slots[self.index];
        slot.task = Some(InFlight {
            key,
            round,
            done: false,
            released: false,
        });
        slot.phase = Phase::Running;
        self.run.wake.notify_all();
    }

    /// The task finished; waits until its result may be processed (false:
    /// the run ends, drop it).
    pub fn finish_task(&self) -> bool {
        let index = self.index;
        self.hand_back_after(Phase::Finished, |state| {
            if let Some(t) = state.slots[index].task.as_mut() {
                t.done = true;
            }
            state.finished.push(index);
        }) == Command::Process
    }

    /// The result asked for these includes: wait until they are loaded
    /// (`load` runs when this host is the loader of a group: it loads
    /// and reports it). `None` when the run ends.
    pub fn wait_includes(
        &self,
        requests: Vec<IncludeRequest>,
        load: &mut dyn FnMut(&IncludeGroup) -> LoadOutcome,
    ) -> Option<Vec<(IncludeGroup, LoadOutcome)>> {
        let index = self.index;
        let mut first = Some(requests);
        let mut phase = Phase::IncludeWait;
        loop {
            let command = self.hand_back_after(phase, |state| {
                if let Some(requests) = first.take() {
                    state.slots[index].requests = requests;
                    state.include_waiting.push(index);
                }
            });
            match command {
                Command::LoadInclude(group) => {
                    let view = self.run.lock().groups[group].clone();
                    let outcome = load(&view);
                    if let (Ok(loaded), Ok(mut kept)) =
                        (&outcome, self.run.identities.loaded.lock())
                    {
                        kept.push(Arc::clone(loaded));
                    }
                    let mut state = self.run.lock();
                    state.groups[group].outcome = Some(outcome);
                    phase = Phase::IncludeWait;
                }
                Command::IncludesLoaded => {
                    let state = self.run.lock();
                    let answers = state.slots[self.index]
                        .includes
                        .iter()
                        .filter_map(|g| {
                            let group = state.groups.get(*g)?.clone();
                            let outcome = group.outcome.clone()?;
                            Some((group, outcome))
                        })
                        .collect();
                    return Some(answers);
                }
                _ => return None,
            }
        }
    }

    /// The host is done with the batch.
    pub fn finish(&self) {
        let mut state = self.run.lock();
        state.slots[self.index].phase = Phase::Done;
        state.slots[self.index].task = None;
        self.run.wake.notify_all();
    }

    pub fn set_flush_pending(&self, count: usize) {
        self.run.lock().slots[self.index].flush_pending = count;
    }

    pub fn mark_unreachable(&self) {
        self.run.lock().slots[self.index].unreachable = true;
    }

    /// End the batch for every host (`end_batch`, `end_play`) or the run
    /// (an error).
    pub fn end_all(&self, end: End) {
        let mut state = self.run.lock();
        let fatal = matches!(state.end, Some(End::Fatal(_)));
        if !fatal && state.end != Some(End::Play) {
            state.end = Some(end);
        }
    }

    pub fn play(&self) -> Arc<PlayScope> {
        Arc::clone(&self.run.lock().play)
    }

    pub fn set_play(&self, play: Arc<PlayScope>) {
        self.run.lock().play = play;
    }

    /// The banner identity and name of a task: the first host to run it
    /// names it (ansible templates the name of the shared task once).
    pub fn identity(
        &self,
        key: TaskKey,
        make: &mut dyn FnMut() -> (usize, String),
    ) -> (usize, String) {
        let names = &self.run.identities.names;
        if let Some(found) = names.lock().ok().and_then(|map| map.get(&key).cloned()) {
            return found;
        }
        let made = make();
        match names.lock() {
            Ok(mut map) => map.entry(key).or_insert(made).clone(),
            Err(_) => made,
        }
    }
}

/// Sets the host done when its thread leaves, even by unwinding, so the
/// scheduler never waits for a thread that is gone.
pub struct DoneGuard<'f>(pub HostPort<'f>);

impl Drop for DoneGuard<'_> {
    fn drop(&mut self) {
        self.0.finish();
    }
}

/// What a host's walk left behind, merged into the batch's outcome.
pub struct HostOutcome {
    pub stats: crate::output::Stats,
    pub failed: HashSet<String>,
    pub cleared: HashSet<String>,
    pub fatal: Option<super::RunAbort>,
}

impl PlayRun<'_> {
    /// Take over the play as the other hosts changed it.
    pub(super) fn sync_play(&mut self) {
        if let Some(port) = self.free {
            self.play = port.play();
        }
    }
}

//! A whole run, as the CLI drives it: take the lock, load and check the
//! state, resolve what an interrupted run left pending, refresh, plan;
//! then (after the caller's confirmation) execute and save.
//!
//! The caller holds the lock for the whole run ([`Session::lock`] /
//! [`Session::unlock`]); every exit path after `lock` must call `unlock`.

use crate::apply::{Options, Report, Run, protected_in};
use crate::error::EngineError;
use crate::events::EventSink;
use crate::pending::{Resolution, resolve_pending};
use crate::persist::{Persister, WriteStats};
use crate::plan::{Desired, Plan, plan_destroy, plan_replacing};
use crate::reconciler::{Lookups, Providers};
use crate::refresh::{Refreshed, observe_state, read_data};
use stackr_core::model::Stack;
use stackr_state::{LockInfo, State, StateStore, check_compatible};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

pub struct Session {
    pub store: Arc<dyn StateStore>,
    pub providers: Providers,
    pub lookups: Lookups,
    pub events: Arc<dyn EventSink>,
    /// The stackr version written into state.
    pub version: String,
    /// Coalescing interval of state writes.
    pub write_interval: Duration,
}

/// Everything known before executing.
pub struct Prepared {
    pub state: State,
    pub version: Option<String>,
    pub refreshed: Refreshed,
    pub plan: Plan,
    pub desired: Desired,
    pub resolutions: Vec<Resolution>,
}

pub struct Applied {
    pub report: Report,
    pub state: State,
    pub writes: WriteStats,
    /// Set when the final state could not be saved (the report says what
    /// was done; `state` holds it).
    pub save_error: Option<String>,
}

impl Session {
    pub async fn lock(&self, command: &str) -> Result<LockInfo, EngineError> {
        let info = LockInfo::for_this_process(command);
        self.store.lock(&info).await?;
        Ok(info)
    }

    pub async fn unlock(&self, info: &LockInfo) -> Result<(), EngineError> {
        Ok(self.store.unlock(&info.id).await?)
    }

    /// The stored state (or a new one), refused if it belongs elsewhere.
    pub async fn load(&self, stack_name: &str) -> Result<(State, Option<String>), EngineError> {
        match self.store.load().await? {
            Some(v) => {
                check_compatible(&v.state, &self.store.location(), stack_name, None)?;
                Ok((v.state, Some(v.version)))
            }
            None => Ok((State::new(stack_name, &self.version), None)),
        }
    }

    /// Resolves pending operations (saving the result), refreshes, plans.
    pub async fn prepare(&self, stack: &Stack) -> Result<Prepared, EngineError> {
        self.prepare_as(stack, true, &BTreeSet::new(), None).await
    }

    /// [`Session::prepare`], replacing the instances named in `replace`
    /// whatever their diff (`apply --replace`).
    pub async fn prepare_replacing(&self, stack: &Stack, replace: &BTreeSet<String>) -> Result<Prepared, EngineError> {
        self.prepare_as(stack, true, replace, None).await
    }

    /// [`Session::prepare_replacing`] for applying a saved plan made with
    /// `lineage`: a stack with no state yet takes the plan's lineage (the
    /// one its steps tag resources with), so the first apply of a new
    /// environment can be a reviewed plan. A stored state keeps its own.
    pub async fn prepare_saved(
        &self,
        stack: &Stack,
        replace: &BTreeSet<String>,
        lineage: Option<&str>,
    ) -> Result<Prepared, EngineError> {
        self.prepare_as(stack, true, replace, lineage).await
    }

    /// Like [`Session::prepare`] without writing anything: what a killed
    /// run left pending is resolved in memory only (apply adopts it), so a
    /// drift check never changes state.
    pub async fn prepare_read_only(&self, stack: &Stack) -> Result<Prepared, EngineError> {
        self.prepare_as(stack, false, &BTreeSet::new(), None).await
    }

    async fn prepare_as(
        &self,
        stack: &Stack,
        write: bool,
        replace: &BTreeSet<String>,
        new_lineage: Option<&str>,
    ) -> Result<Prepared, EngineError> {
        let (mut state, mut version) = self.load(&stack.name).await?;
        if let (None, Some(lineage)) = (&version, new_lineage) {
            state.lineage = lineage.to_string();
        }
        let resolutions = if write {
            self.resolve(&mut state, &mut version).await?
        } else if state.pending.is_empty() {
            Vec::new()
        } else {
            resolve_pending(&mut state, &self.providers).await?
        };
        // Renamed in memory only: saved when the plan is applied.
        let moved = crate::moves::apply(&mut state, &stack.moved, stack).map_err(EngineError::Plan)?;
        let observed = observe_state(&state, &self.providers).await?;
        let data = read_data(stack, &state, &self.lookups).await?;
        let refreshed = Refreshed { resources: observed.resources, data, secret_digests: observed.secret_digests };
        let (mut plan, desired) =
            plan_replacing(stack, &state, &refreshed, &self.providers, replace).map_err(EngineError::Plan)?;
        plan.moved = moved;
        Ok(Prepared { state, version, refreshed, plan, desired, resolutions })
    }

    /// Like [`Session::prepare`], for destroying everything in state.
    pub async fn prepare_destroy(&self, stack_name: &str) -> Result<Prepared, EngineError> {
        let (mut state, mut version) = self.load(stack_name).await?;
        let resolutions = self.resolve(&mut state, &mut version).await?;
        let observed = observe_state(&state, &self.providers).await?;
        let refreshed = Refreshed { resources: observed.resources, ..Default::default() };
        let plan = plan_destroy(&state);
        Ok(Prepared { state, version, refreshed, plan, desired: Desired::default(), resolutions })
    }

    async fn resolve(&self, state: &mut State, version: &mut Option<String>) -> Result<Vec<Resolution>, EngineError> {
        if state.pending.is_empty() {
            return Ok(Vec::new());
        }
        let r = resolve_pending(state, &self.providers).await?;
        state.serial += 1;
        *version = Some(self.store.save(state, version.as_deref()).await?);
        Ok(r)
    }

    /// Executes a prepared plan. `stack` is `None` when destroying from
    /// state alone.
    pub async fn apply(
        &self,
        stack: Option<&Stack>,
        prepared: Prepared,
        options: Options,
    ) -> Result<Applied, EngineError> {
        // The plan must have been made against the state as stored now.
        let current = self.store.load().await?.map_or(0, |v| v.state.serial);
        if prepared.plan.serial != prepared.state.serial || current != prepared.state.serial {
            return Err(EngineError::StalePlan { planned: prepared.plan.serial, current });
        }
        let protected = protected_in(&prepared.plan, stack, &prepared.state, &options.allow_protected);
        if !protected.is_empty() {
            return Err(EngineError::Protected(protected));
        }
        let undeletable =
            crate::apply::undeletable_now(&prepared.plan, &prepared.state, &prepared.refreshed, &self.providers, stack)
                .await;
        if !undeletable.is_empty() {
            return Err(EngineError::Undeletable(undeletable));
        }
        let mut state = prepared.state;
        state.stackr_version = self.version.clone();
        let persister = Persister::start(self.store.clone(), state, prepared.version, self.write_interval);
        if !prepared.plan.moved.is_empty() {
            // The renames are already in the state given: have it written.
            persister.update(|_| {});
        }
        let (forget, retain) = (prepared.plan.forget.clone(), prepared.plan.retain.clone());
        let settings = prepared.plan.settings.clone();
        if !forget.is_empty() || !retain.is_empty() || !settings.is_empty() {
            // Retained resources leave state (kept in AWS); the setting of
            // those that stay is recorded, and so are stackr's own settings.
            persister.update(move |s| {
                for a in &forget {
                    s.resources.remove(a);
                }
                for (a, keep) in &retain {
                    if let Some(r) = s.resources.get_mut(a) {
                        r.retain = *keep;
                    }
                }
                for (a, values) in &settings {
                    if let Some(r) = s.resources.get_mut(a) {
                        for (name, v) in values {
                            match v {
                                serde_json::Value::Null => r.properties.remove(name),
                                v => r.properties.insert(name.clone(), v.clone()),
                            };
                        }
                    }
                }
            });
        }
        let run = Run {
            stack,
            plan: &prepared.plan,
            refreshed: &prepared.refreshed,
            providers: &self.providers,
            persister: &persister,
            events: self.events.clone(),
            options,
            tokens: Default::default(),
        };
        let mut report = run.execute().await;
        let finished = persister.finish().await;
        let save_error = finished.error.map(|e| e.to_string());
        if let Some(e) = &save_error
            && !report.failed.iter().any(|(a, _, _)| a == "state")
        {
            report.failed.push(("state".into(), "save", crate::failure::OpError::Run(e.clone())));
        }
        Ok(Applied { report, state: finished.state, writes: finished.stats, save_error })
    }

    /// Checks a saved plan against the current state: same stack, same
    /// lineage, same serial.
    pub fn check_saved(&self, saved: &Plan, stack: &str, state: &State) -> Result<(), EngineError> {
        if saved.stack != stack {
            return Err(EngineError::WrongStack { planned: saved.stack.clone(), current: stack.to_string() });
        }
        let lineage_ok = saved.lineage.as_deref().is_none_or(|l| l == state.lineage);
        if saved.serial != state.serial || !lineage_ok {
            return Err(EngineError::StalePlan { planned: saved.serial, current: state.serial });
        }
        Ok(())
    }
}

//! One module per command. Each returns an exit code or a [`Failure`].

mod apply;
mod destroy;
mod diff;
mod graph;
mod import;
mod output;
mod run;
mod schema;
mod state;
mod unlock;
mod validate;

use crate::cli::{Cli, ColorChoice, Command, StackArgs, StateCommand};
use stackr_core::source::SourceMap;
use stackr_core::{LoadError, Stack, VarInputs};
use stackr_engine::EngineError;

/// Why a command failed, rendered at the edge.
pub enum Failure {
    /// The stack has errors; rendered with their locations.
    Stack(LoadError, bool),
    /// The engine failed; evaluation errors are rendered with their locations.
    Engine(EngineError, Option<SourceMap>, bool),
    /// Anything else: one message.
    Message(String),
}

impl Failure {
    /// The failure as the `--json` stream's `error` event: the message, and
    /// each located diagnostic (`file:line:col`, message, help).
    pub fn json(&self) -> serde_json::Value {
        let diagnostics = |d: &stackr_core::diag::Diagnostics, sources: &SourceMap| -> Vec<serde_json::Value> {
            d.iter()
                .map(|x| {
                    serde_json::json!({
                        "location": x.span.map(|s| sources.location(s).to_string()),
                        "message": x.message,
                        "help": x.help,
                    })
                })
                .collect()
        };
        let (message, located) = match self {
            Failure::Stack(e, _) => {
                (format!("{} error(s) in the stack", e.diagnostics.len()), diagnostics(&e.diagnostics, &e.sources))
            }
            Failure::Engine(EngineError::Plan(d), Some(sources), _) => {
                (format!("{} error(s) evaluating the stack", d.len()), diagnostics(d, sources))
            }
            Failure::Engine(e, _, _) => (e.to_string(), Vec::new()),
            Failure::Message(m) => (m.clone(), Vec::new()),
        };
        serde_json::json!({ "message": message, "diagnostics": located })
    }

    pub fn render(&self) -> String {
        match self {
            Failure::Stack(e, color) => e.render(*color),
            Failure::Engine(EngineError::Plan(diags), Some(sources), color) => diags.render(sources, *color),
            Failure::Engine(e, _, _) => format!("error: {e}\n"),
            Failure::Message(m) => format!("error: {m}\n"),
        }
    }
}

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Self {
        Failure::Engine(e, None, false)
    }
}

pub fn run(cli: Cli) -> Result<u8, Failure> {
    let color = cli.color;
    match cli.command {
        Command::Validate(a) => validate::run(&a, color),
        Command::Graph(a) => graph::run(&a, color),
        Command::Schema(a) => schema::run(&a),
        Command::Apply(a) => apply::run(&a, color),
        Command::Diff(a) => diff::run(&a, color),
        Command::Destroy(a) => destroy::run(&a, color),
        Command::Output(a) => output::run(&a, color),
        Command::State(StateCommand::List(a)) => state::list(&a, color),
        Command::State(StateCommand::Show(a)) => state::show(&a, color),
        Command::State(StateCommand::Rm(a)) => state::rm(&a, color),
        Command::State(StateCommand::Mv(a)) => state::mv(&a, color),
        Command::Import(a) => import::run(&a, color),
        Command::Unlock(a) => unlock::run(&a, color),
    }
}

/// Reads the variable inputs of the command line and the environment.
pub fn var_inputs(a: &StackArgs) -> Result<VarInputs, Failure> {
    let mut cli = Vec::new();
    for v in &a.vars {
        let Some((name, value)) = v.split_once('=') else {
            return Err(Failure::Message(format!("--var {v}: expected NAME=VALUE, e.g. --var stage=dev")));
        };
        cli.push((name.trim().to_string(), value.to_string()));
    }
    Ok(VarInputs { cli, files: a.var_files.clone(), ..Default::default() }.with_process_env())
}

/// Loads and checks a stack, or fails with its located errors.
pub fn load_stack(a: &StackArgs, color: ColorChoice) -> Result<Stack, Failure> {
    let inputs = var_inputs(a)?;
    stackr_core::load(&a.file, &inputs, &stackr_schema::Types)
        .map_err(|e| Failure::Stack(e, crate::color::stderr(color)))
}

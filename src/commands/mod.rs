//! One module per command. Each returns an exit code or a [`Failure`].

mod graph;
mod pending;
mod schema;
mod validate;

use crate::cli::{Cli, ColorChoice, Command, StackArgs};
use stackr_core::{LoadError, Stack, VarInputs};

/// Why a command failed, rendered at the edge.
pub enum Failure {
    /// The stack has errors; rendered with their locations.
    Stack(LoadError, bool),
    /// Anything else: one message.
    Message(String),
}

impl Failure {
    pub fn render(&self) -> String {
        match self {
            Failure::Stack(e, color) => e.render(*color),
            Failure::Message(m) => format!("error: {m}\n"),
        }
    }
}

pub fn run(cli: Cli) -> Result<u8, Failure> {
    let color = cli.color;
    match cli.command {
        Command::Validate(a) => validate::run(&a, color),
        Command::Graph(a) => graph::run(&a, color),
        Command::Schema(a) => schema::run(&a),
        Command::Apply(a) => pending::run("apply", &a.stack, color),
        Command::Diff(a) => pending::run("diff", &a.stack, color),
        Command::Destroy(a) => pending::run("destroy", &a.stack, color),
        Command::Output(a) => pending::run("output", &a.stack, color),
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
    Ok(VarInputs { cli, files: a.var_files.clone(), env: Vec::new() }.with_process_env())
}

/// Loads and checks a stack, or fails with its located errors.
pub fn load_stack(a: &StackArgs, color: ColorChoice) -> Result<Stack, Failure> {
    let inputs = var_inputs(a)?;
    stackr_core::load(&a.file, &inputs, &stackr_schema::Types)
        .map_err(|e| Failure::Stack(e, crate::color::stderr(color)))
}

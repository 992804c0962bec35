//! Command-line arguments (clap derive). Flags and exit codes are public
//! API: change them only with a major version.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// stackr: native infrastructure as code for AWS.
///
/// A YAML stack becomes a dependency graph of resources; reconcilers create,
/// update and delete each resource through the AWS APIs, and the result is
/// recorded in a state file (local, or in S3 with locking).
///
/// Exit codes: 0 success (diff: in sync), 1 error, 2 diff found changes or drift.
#[derive(Debug, Parser)]
#[command(name = "stackr", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// When to use colours: auto (a terminal, and NO_COLOR unset), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a stack: syntax, types, references, cycles. No AWS calls.
    ///
    /// Reports every error found, each with file:line:column and what would
    /// be valid. Exit 0 when valid, 1 otherwise.
    Validate(StackArgs),

    /// Print the dependency graph (an architecture diagram with --format mermaid).
    ///
    /// Edges point from a dependency to what depends on it (build order).
    Graph(GraphArgs),

    /// Create or update every resource of the stack so AWS matches it.
    ///
    /// Prints the plan, asks for confirmation on a terminal (unless --yes),
    /// then applies in dependency order, in parallel, saving state after
    /// every completed operation.
    Apply(ApplyArgs),

    /// Drift check: refresh every resource and print what apply would do.
    ///
    /// Exit 0 when AWS matches the stack, 2 when there are changes or drift,
    /// 1 on error. `stackr plan` is the same command.
    #[command(alias = "plan")]
    Diff(DiffArgs),

    /// Delete every resource of the stack, in reverse dependency order.
    ///
    /// Resources with `lifecycle.protect` are refused unless named with
    /// --allow-protected.
    Destroy(DestroyArgs),

    /// Print the stack's outputs (all, or one by name).
    Output(OutputArgs),

    /// Read the state: list resources, or show one.
    #[command(subcommand)]
    State(StateCommand),

    /// Adopt an existing AWS resource into state under an address of the stack.
    Import(ImportArgs),

    /// Remove a lock left by a crashed run (the id is shown when a run is refused).
    Unlock(UnlockArgs),

    /// Print the JSON Schema of stack files, or document resource types.
    ///
    /// With no argument, prints the JSON Schema for editors
    /// (yaml-language-server: `# yaml-language-server: $schema=stackr.schema.json`).
    Schema(SchemaArgs),
}

/// The stack file and variable values: shared by commands that read a stack.
#[derive(Debug, Clone, Args)]
pub struct StackArgs {
    /// The stack file, e.g. stacks/prod.yaml.
    pub file: PathBuf,

    /// Set a variable: --var name=value (repeatable; beats every other source).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// Read variables from a YAML file of `name: value` lines (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,

    /// When another run holds the state's lock, wait this long for it
    /// (e.g. 30s, 5m) instead of refusing at once.
    #[arg(long, value_name = "DURATION", value_parser = lock_timeout, default_value = "0s")]
    pub lock_timeout: std::time::Duration,
}

/// The longest wait for another run's lock: a day (a run holding it
/// longer has died; `stackr unlock` frees it).
const LOCK_TIMEOUT_MAX: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

fn lock_timeout(s: &str) -> Result<std::time::Duration, String> {
    if s.trim_end_matches(['s', 'm', 'h']) == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    let d =
        stackr_core::duration::parse(s).ok_or_else(|| format!("`{s}` is not a duration: write e.g. 30s, 5m or 1h"))?;
    if d > LOCK_TIMEOUT_MAX {
        return Err(format!(
            "`{s}` is longer than the longest wait, 24h (`stackr unlock` frees a lock a dead run left)"
        ));
    }
    Ok(d)
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub stack: StackArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,

    /// Write to a file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub stack: StackArgs,

    /// Apply without asking for confirmation.
    #[arg(long, short)]
    pub yes: bool,

    /// Apply a plan saved by `stackr diff --out`, exactly (refused if state moved on).
    #[arg(long, value_name = "PLAN")]
    pub plan: Option<PathBuf>,

    /// How many operations may run at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub parallelism: u32,

    /// Schedule as Terraform does: every resource waits until its
    /// dependencies are fully ready (available, deployed, issued) before it
    /// starts, instead of only where AWS needs it, and keeps its slot of
    /// `--parallelism` while it waits. Slower; for comparison.
    #[arg(long)]
    pub wait_for_ready: bool,

    /// Print NDJSON events instead of the interactive display.
    #[arg(long)]
    pub json: bool,
    /// Print the AWS API calls made, per service and operation, and the
    /// run's critical-path bound, when done.
    #[arg(long)]
    pub stats: bool,

    /// Replace this resource even though nothing asks for it (a broken
    /// instance, a rotation); its dependants follow. Repeatable.
    #[arg(long, value_name = "ADDRESS")]
    pub replace: Vec<String>,

    /// Apply only to this resource and what it depends on (repeatable; a
    /// name without a key: all its instances). For repairs: the rest of the
    /// stack stays as it is until a full apply.
    #[arg(long, value_name = "ADDRESS")]
    pub target: Vec<String>,

    /// Let these protected resources be replaced (`lifecycle.protect`);
    /// without it a plan that replaces one is refused. Repeatable.
    #[arg(long, value_name = "ADDRESS")]
    pub allow_protected: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub stack: StackArgs,

    /// Save the plan to a file, to apply it exactly with `stackr apply --plan`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Print a versioned JSON document instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print the AWS API calls made, per service and operation, when done.
    #[arg(long)]
    pub stats: bool,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub stack: StackArgs,

    /// Destroy without asking for confirmation.
    #[arg(long, short)]
    pub yes: bool,

    /// Also destroy these protected resources (names or addresses).
    #[arg(long = "allow-protected", value_name = "NAME", num_args = 1..)]
    pub allow_protected: Vec<String>,

    /// How many operations may run at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub parallelism: u32,

    /// Schedule as Terraform does: every delete keeps its slot of
    /// `--parallelism` until its resource is gone. Slower; for comparison.
    #[arg(long)]
    pub wait_for_ready: bool,

    /// Print NDJSON events instead of the interactive display.
    #[arg(long)]
    pub json: bool,
    /// Print the AWS API calls made, per service and operation, and the
    /// run's critical-path bound, when done.
    #[arg(long)]
    pub stats: bool,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    #[command(flatten)]
    pub stack: StackArgs,

    /// Print only this output's value.
    pub name: Option<String>,

    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Document one resource or data type, e.g. aws.ec2.vpc.
    pub kind: Option<String>,

    /// List every resource and data type, with the AWS calls each makes.
    #[arg(long, conflicts_with = "kind")]
    pub list: bool,

    /// With --list: as a Markdown table (the one in stacks/README.md).
    #[arg(long, requires = "list")]
    pub markdown: bool,

    /// List the functions of the expression language, with their usage.
    #[arg(long, conflicts_with_all = ["kind", "list"])]
    pub functions: bool,

    /// Write the JSON Schema to a file instead of standard output.
    #[arg(long, short, value_name = "FILE", conflicts_with_all = ["kind", "list", "functions"])]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List every resource in state: address, type, region, id.
    List(StackArgs),
    /// Show one resource's recorded properties and attributes (JSON).
    Show(StateShowArgs),
    /// Forget resources: removed from state, kept in AWS (stackr no longer
    /// manages them). A name without a key forgets every instance.
    Rm(StateRmArgs),
    /// Rename a resource in state (after renaming it in the stack), keeping
    /// it in AWS; `moved:` in the stack file does the same on apply. A name
    /// without a key moves every instance.
    Mv(StateMvArgs),
}

#[derive(Debug, Args)]
pub struct StateRmArgs {
    #[command(flatten)]
    pub stack: StackArgs,

    /// The addresses, e.g. vpc, 'subnet[ap-northeast-1a]' or 'subnet["ap-northeast-1a"]'.
    #[arg(required = true)]
    pub addresses: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StateMvArgs {
    #[command(flatten)]
    pub stack: StackArgs,

    /// The address the resource has in state now.
    pub from: String,

    /// The address it takes.
    pub to: String,
}

#[derive(Debug, Args)]
pub struct StateShowArgs {
    #[command(flatten)]
    pub stack: StackArgs,

    /// The address, e.g. vpc or 'subnet[ap-northeast-1a]'.
    pub address: String,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub stack: StackArgs,

    /// The address in the stack, e.g. vpc or 'subnet[ap-northeast-1a]'.
    pub address: String,

    /// The AWS identifier of the existing resource (e.g. vpc-0abc...).
    pub id: String,
}

#[derive(Debug, Args)]
pub struct UnlockArgs {
    #[command(flatten)]
    pub stack: StackArgs,

    /// The lock id, as printed when a run was refused.
    pub lock_id: String,
}

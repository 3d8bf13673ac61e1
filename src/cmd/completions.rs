//! `completions`: the shell completion script for bash, zsh, fish,
//! PowerShell or elvish (clap_complete), written to standard output. It
//! knows the subcommands, their flags and the fixed values of `--format`,
//! `--by`, `--granularity`, `--sample-index` and the like. The command
//! tree is handed in by `cli.rs`, so this module does not import it.

use std::io::Write;

use clap::Args;
use clap_complete::Shell;

use super::Outcome;
use traces_tool::error::Result;

/// Prints a shell completion script.
///
/// Install, for example:
///   bash: traces-tool completions bash > ~/.local/share/bash-completion/completions/traces-tool
///   zsh:  traces-tool completions zsh > ~/.zfunc/_traces-tool  (with fpath+=~/.zfunc)
///   fish: traces-tool completions fish > ~/.config/fish/completions/traces-tool.fish
#[derive(Args, Clone, Debug)]
#[command(verbatim_doc_comment)]
pub struct CompletionsArgs {
    /// The shell to write the script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Writes the script for `tree` (the tool's command tree, handed in by
/// `cli.rs`) to `out`.
pub fn run(args: &CompletionsArgs, tree: clap::Command, out: &mut dyn Write) -> Result<Outcome> {
    let mut command = tree;
    // clap_complete panics on a write error; a closed pipe must not.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "traces-tool", &mut script);
    if args.shell == Shell::Bash {
        script = fix_bash_states(&script);
    }
    out.write_all(&script)?;
    Ok(Outcome { matched: true, notes: Vec::new() })
}

/// clap_complete's bash script spells the state of a subcommand two ways
/// when the binary's name has a hyphen: the loop that reads the words
/// arrives at `traces__tool__subcmd__grep`, the arms that complete its
/// options are labelled `traces__subcmd__tool__subcmd__grep`, so no option
/// of a subcommand would ever complete (clap-rs/clap#6421). The arms are
/// renamed to the loop's spelling; a script without the defect is left as
/// it is.
fn fix_bash_states(script: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(script);
    text.replace("traces__subcmd__tool", "traces__tool").into_bytes()
}

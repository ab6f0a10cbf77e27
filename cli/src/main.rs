//! `renderiq`: the Renderiq command-line tool. Everything lives in the library; see
//! `renderiq --help`.

fn main() -> std::process::ExitCode {
    renderiq_cli::main(std::env::args_os())
}

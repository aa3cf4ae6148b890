fn main() -> std::process::ExitCode {
    mitorun::cli::main()
}
